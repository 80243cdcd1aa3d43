/*
 * t_candle: trades into candles -- exact sums, high and low, the window
 * of a time (before 1970 too), merging minutes into an hour, and the
 * reasons a candle or trade event is refused.
 */
#include <stdio.h>
#include <string.h>

#include "event/candle.h"
#include "tap.h"

#define HEAD "\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":\"BTCUSDT\""

static struct event ev;
static char why[256];

/* Parse a line as an event; the reason of a failure in why. */
static int
parse(const char *line)
{
	why[0] = '\0';
	return event_parse(line, strlen(line), &ev, why, sizeof why);
}

/* Read a trade line into t; 0 or -1 with why. */
static int
trade(const char *line, struct candle_trade *t)
{
	if (parse(line) < 0)
		return -1;
	return candle_trade_read(&ev, t, why, sizeof why);
}

static void
refused_trade(const char *line, const char *reason)
{
	struct candle_trade t;

	tap_ok(trade(line, &t) < 0, "refused: %s", reason);
	tap_eq_s(why, reason, reason);
}

static const char *
fx(struct fx v, char *tmp)
{
	return fx_str(fx_trim(v), tmp);
}

static void
test_add(void)
{
	static const char *const lines[] = {
		"{\"type\":\"trade\"," HEAD ",\"time\":1700000000000,"
		"\"price\":\"0.10000000\",\"qty\":\"3\",\"side\":\"buy\"}",
		"{\"type\":\"trade\"," HEAD ",\"time\":1700000001000,"
		"\"price\":0.2,\"qty\":0.1,\"side\":\"sell\"}",
		"{\"type\":\"trade\"," HEAD ",\"time\":1700000002000,"
		"\"price\":\"0.05\",\"qty\":\"0.7\",\"side\":\"buy\"}",
	};
	struct candle_trade t;
	struct candle c;
	char tmp[FX_BUFSZ];
	size_t i;

	for (i = 0; i < 3; i++) {
		tap_ok(trade(lines[i], &t) == 0, "trade %zu reads", i);
		if (i == 0)
			tap_ok(candle_start(&c, &t, 60000,
			    candle_window(t.time, 60000) * 60000) == 0,
			    "start");
		tap_ok(candle_add(&c, &t) == 0, "add trade %zu", i);
	}
	tap_eq_i(c.open_time, 1699999980000, "open_time: the minute");
	tap_eq_s(fx(c.open, tmp), "0.1", "open: the first");
	tap_eq_s(fx(c.high, tmp), "0.2", "high");
	tap_eq_s(fx(c.low, tmp), "0.05", "low");
	tap_eq_s(fx(c.close, tmp), "0.05", "close: the last");
	tap_eq_s(fx(c.volume, tmp), "3.8", "volume");
	/* 0.3 + 0.02 + 0.035, exactly: no binary rounding. */
	tap_eq_s(fx(c.quote_volume, tmp), "0.355", "quote_volume exact");
	tap_eq_s(fx(c.buy_volume, tmp), "3.7", "buy_volume");
	tap_eq_i(c.trades, 3, "trades");
}

static void
test_window(void)
{
	tap_eq_i(candle_window(0, 60000), 0, "window of 0");
	tap_eq_i(candle_window(59999, 60000), 0, "window of 59999");
	tap_eq_i(candle_window(60000, 60000), 1, "window of 60000");
	tap_eq_i(candle_window(-1, 60000), -1, "window of -1: floor");
	tap_eq_i(candle_window(-60000, 60000), -1, "window of -60000");
}

static void
test_merge_and_read(void)
{
	static const char a_line[] = "{\"type\":\"candle\"," HEAD
	    ",\"time\":0,\"interval\":60000,\"open_time\":0,\"open\":5,"
	    "\"high\":9,\"low\":4,\"close\":6,\"volume\":\"1.5\","
	    "\"quote_volume\":7.5,\"trades\":2,\"buy_volume\":1}";
	static const char b_line[] = "{\"type\":\"candle\"," HEAD
	    ",\"time\":60000,\"interval\":60000,\"open_time\":60000,"
	    "\"open\":6,\"high\":8,\"low\":3,\"close\":7,\"volume\":2,"
	    "\"quote_volume\":14,\"trades\":1,\"buy_volume\":0}";
	struct candle a, b, hour;
	char tmp[FX_BUFSZ];
	struct buf out;

	tap_ok(parse(a_line) == 0 && candle_read(&ev, &a, why,
	    sizeof why) == 0, "candle a reads");
	tap_ok(parse(b_line) == 0 && candle_read(&ev, &b, why,
	    sizeof why) == 0, "candle b reads");
	memset(&hour, 0, sizeof hour);
	hour.interval = 3600000;
	tap_ok(candle_merge(&hour, &a) == 0 && candle_merge(&hour, &b) == 0,
	    "merge two minutes");
	tap_eq_i(hour.interval, 3600000, "the hour keeps its interval");
	tap_eq_s(fx(hour.open, tmp), "5", "hour open: the first minute's");
	tap_eq_s(fx(hour.close, tmp), "7", "hour close: the last minute's");
	tap_eq_s(fx(hour.high, tmp), "9", "hour high");
	tap_eq_s(fx(hour.low, tmp), "3", "hour low");
	tap_eq_s(fx(hour.volume, tmp), "3.5", "hour volume");
	tap_eq_s(fx(hour.quote_volume, tmp), "21.5", "hour quote volume");
	tap_eq_i(hour.trades, 3, "hour trades");
	buf_init(&out, 1 << 16);
	candle_render(&out, &hour);
	buf_addc(&out, '\0');
	tap_eq_s(out.p, "{\"type\":\"candle\"," HEAD ",\"time\":0,"
	    "\"interval\":3600000,\"open_time\":0,\"open\":5,\"high\":9,"
	    "\"low\":3,\"close\":7,\"volume\":3.5,\"quote_volume\":21.5,"
	    "\"trades\":3,\"buy_volume\":1}\n", "render");
	buf_free(&out);
}

static void
refused_candle(const char *body, const char *reason)
{
	char line[512];
	struct candle c;

	snprintf(line, sizeof line, "{\"type\":\"candle\"," HEAD ",%s}",
	    body);
	tap_ok(parse(line) == 0 && candle_read(&ev, &c, why,
	    sizeof why) < 0, "candle refused: %s", reason);
	tap_eq_s(why, reason, reason);
}

static void
test_refused(void)
{
	refused_trade("{\"type\":\"trade\"," HEAD ",\"price\":1,\"qty\":1,"
	    "\"side\":\"buy\"}", "missing field 'time'");
	refused_trade("{\"type\":\"trade\"," HEAD ",\"time\":1,\"price\":0,"
	    "\"qty\":1,\"side\":\"buy\"}", "field 'price' must be above 0");
	refused_trade("{\"type\":\"trade\"," HEAD ",\"time\":1,\"price\":1,"
	    "\"qty\":\"x\",\"side\":\"buy\"}",
	    "field 'qty' is not a decimal number");
	refused_trade("{\"type\":\"trade\"," HEAD ",\"time\":1,\"price\":1,"
	    "\"qty\":1}", "missing field 'side'");
	refused_trade("{\"type\":\"trade\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"time\":1,\"price\":1,\"qty\":1,"
	    "\"side\":\"buy\"}", "missing field 'symbol'");
	refused_candle("\"interval\":0,\"open_time\":0,\"open\":1,"
	    "\"high\":1,\"low\":1,\"close\":1,\"volume\":1,"
	    "\"quote_volume\":1,\"trades\":1,\"buy_volume\":0",
	    "field 'interval' must be above 0");
	refused_candle("\"interval\":60000,\"open_time\":0,\"open\":1,"
	    "\"high\":1,\"low\":2,\"close\":1,\"volume\":1,"
	    "\"quote_volume\":1,\"trades\":1,\"buy_volume\":0",
	    "low above high");
	refused_candle("\"interval\":60000,\"open_time\":0,\"open\":3,"
	    "\"high\":2,\"low\":1,\"close\":1,\"volume\":1,"
	    "\"quote_volume\":1,\"trades\":1,\"buy_volume\":0",
	    "open outside low..high");
	refused_candle("\"interval\":60000,\"open_time\":0,\"open\":1,"
	    "\"high\":1,\"low\":1,\"close\":1,\"volume\":1,"
	    "\"quote_volume\":1,\"trades\":1,\"buy_volume\":2",
	    "buy_volume above volume");
	refused_candle("\"interval\":60000,\"open_time\":0,\"open\":1,"
	    "\"high\":1,\"low\":1,\"close\":1,\"volume\":1,"
	    "\"quote_volume\":1,\"trades\":0,\"buy_volume\":0",
	    "field 'trades' must be above 0");
	refused_candle("\"interval\":60000,\"open_time\":0,\"open\":1,"
	    "\"high\":1,\"low\":1,\"close\":1,\"volume\":-1,"
	    "\"quote_volume\":1,\"trades\":1,\"buy_volume\":0",
	    "field 'volume' must not be below 0");
}

int
main(void)
{
	test_add();
	test_window();
	test_merge_and_read();
	test_refused();
	return tap_done();
}
