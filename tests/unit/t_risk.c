/*
 * t_risk: mkt-risk's limits file (trade/limits) and checks (trade/risk)
 * without I/O: the file's overrides one by one and its refusals, every
 * check just inside and just outside its limit with exact decimals, the
 * order of the checks, the prices learnt from market events and their
 * age, the rate windows by the clock given, the in-flight intents.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "event/event.h"
#include "event/instrument.h"
#include "event/tevent.h"
#include "trade/limits.h"
#include "trade/risk.h"

static struct fx
fx(const char *s)
{
	struct fx v = { 0, 0 };

	if (fx_parse(s, strlen(s), &v) != FX_OK)
		tap_diag("bad decimal in the test: %s", s);
	return v;
}

static int
parse(const char *text, struct limits *l, char *why, size_t n)
{
	return limits_parse(text, strlen(text), l, why, n);
}

static void
test_limits_file(void)
{
	struct limit_set set;
	struct limits l;
	char why[256];
	char s[FX_BUFSZ];

	tap_ok(parse("{\"default\": {\"max_qty\": \"1\", \"max_notional\": "
	    "50000, \"price_band_pct\": \"5\", \"max_open_orders\": 10, "
	    "\"max_position\": \"2\", \"daily_loss\": \"1000\", "
	    "\"rate_per_s\": 5, \"rate_per_min\": 100},\n"
	    " \"binance:spot:BTCUSDT\": {\"max_qty\": \"0.50\"}}", &l, why,
	    sizeof why) == 0, "the issue's example reads");
	tap_ok(limits_for(&l, "binance", "spot", "BTCUSDT", &set) == 1,
	    "the symbol has limits");
	tap_eq_s(fx_str(set.max_qty, s), "0.5", "its own max_qty");
	tap_eq_s(fx_str(set.max_notional, s), "50000",
	    "the default's max_notional beside it");
	tap_eq_i(set.rate_per_min, 100, "the default's rate_per_min");
	tap_eq_i(set.has, (1 << LIM_COUNT) - 1, "every limit set");
	tap_ok(limits_for(&l, "bybit", "linear", "BTCUSDT", &set) == 1 &&
	    fx_cmp(set.max_qty, fx("1")) == 0, "another symbol: the default");
	tap_eq_i(limits_used(&l), (1 << LIM_COUNT) - 1, "limits_used");
	limits_free(&l);

	tap_ok(parse("{\"binance:spot:BTCUSDT\": {\"max_qty\": 2}}", &l, why,
	    sizeof why) == 0 && limits_for(&l, "binance", "spot", "ETHUSDT",
	    &set) == 0, "no default: an unnamed symbol has no limits");
	tap_ok(limits_for(&l, "binance", "spot", "BTCUSDT", &set) == 1 &&
	    set.has == LIM_BIT(LIM_MAX_QTY), "only what it names");
	limits_free(&l);

	tap_ok(parse(" {} ", &l, why, sizeof why) == 0 && !l.has_default,
	    "an empty object is no limits");
	limits_free(&l);

	tap_ok(parse("{\"default\": {\"max_qty\": 1e-8}}", &l, why,
	    sizeof why) == 0 && fx_cmp(l.def.max_qty, fx("0.00000001")) == 0,
	    "an exponent reads exactly");
	limits_free(&l);
}

static void
bad_file(const char *text, const char *want)
{
	struct limits l;
	char why[256] = "";

	tap_ok(parse(text, &l, why, sizeof why) == -1 &&
	    strstr(why, want) != NULL, "refused: %s", want);
	if (!strstr(why, want))
		tap_diag("why: %s", why);
}

static void
test_limits_refused(void)
{
	bad_file("", "not a JSON object");
	bad_file("{\"default\": {}} x", "text after the object");
	bad_file("{\"default\": {\"max_qty\": 0}}",
	    "key 'default': limit 'max_qty': not a decimal above 0");
	bad_file("{\"default\": {\"max_qty\": true}}",
	    "limit 'max_qty': not a decimal above 0");
	bad_file("{\"default\": {\"rate_per_s\": -1}}",
	    "limit 'rate_per_s': not an integer from 0 to 1000000000");
	bad_file("{\"default\": {\"max_qty\": 1, \"max_qty\": 2}}",
	    "limit 'max_qty' given twice");
	bad_file("{\"a:b:c\": {}, \"a:b:c\": {}}", "key 'a:b:c' given twice");
	bad_file("{\"a:b:c:d\": {}}", "key 'a:b:c:d': want");
	bad_file("{\"a::c\": {}}", "key 'a::c': want");
	bad_file("{\"x\": {\"max_qty\": 1}}", "key 'x': want");
	bad_file("{\"default\": {\"stop\": 1}}", "unknown limit 'stop'");
	bad_file("{\"default\": [1]}", "not an object of limits");
}

/* A limit intent of binance:spot:BTCUSDT (market without price). */
static struct intent
mk_intent(const char *side, const char *qty, const char *price)
{
	struct intent it;

	memset(&it, 0, sizeof it);
	snprintf(it.id, sizeof it.id, "i1");
	snprintf(it.venue, sizeof it.venue, "binance");
	snprintf(it.market, sizeof it.market, "spot");
	snprintf(it.symbol, sizeof it.symbol, "BTCUSDT");
	snprintf(it.side, sizeof it.side, "%s", side);
	snprintf(it.kind, sizeof it.kind, price ? "limit" : "market");
	snprintf(it.qty, sizeof it.qty, "%s", qty);
	it.qty_fx = fx(qty);
	if (price) {
		snprintf(it.price, sizeof it.price, "%s", price);
		it.price_fx = fx(price);
	}
	return it;
}

static void
verdict(const struct intent *it, const struct risk_view *v,
    enum risk_reason want, const char *name)
{
	char detail[512];
	enum risk_reason r = risk_check(it, v, detail, sizeof detail);

	tap_ok(r == want, "%s: %s", name, want ? risk_reason_token(want) :
	    "approved");
	if (r != want)
		tap_diag("got %s (%s)", risk_reason_token(r), detail);
}

static void
view_init(struct risk_view *v)
{
	memset(v, 0, sizeof *v);
	v->known = 1;
}

static void
test_checks(void)
{
	struct risk_view v;
	struct instrument in;
	struct intent it;
	char detail[512];

	view_init(&v);
	v.lim.has = LIM_BIT(LIM_MAX_QTY);
	v.lim.max_qty = fx("1");
	it = mk_intent("buy", "1", "100");
	verdict(&it, &v, RISK_OK, "max_qty 1, qty 1");
	it = mk_intent("buy", "1.00000001", "100");
	verdict(&it, &v, RISK_MAX_QTY, "max_qty 1, qty 1.00000001");
	risk_check(&it, &v, detail, sizeof detail);
	tap_eq_s(detail, "max_qty: qty 1.00000001 above 1", "its detail");
	v.halted = 1;
	verdict(&it, &v, RISK_HALT, "halt comes first");
	v.halted = 0;
	v.known = 0;
	verdict(&it, &v, RISK_UNKNOWN_SYMBOL, "no limits: unknown_symbol");

	view_init(&v);
	v.lim.has = LIM_BIT(LIM_MAX_NOTIONAL) | LIM_BIT(LIM_PRICE_BAND_PCT);
	v.lim.max_notional = fx("1000");
	v.lim.price_band_pct = fx("2.5");
	it = mk_intent("buy", "10", "100");
	verdict(&it, &v, RISK_NO_PRICE, "band without a price");
	v.has_price = 1;
	v.price = fx("97.5609756");
	verdict(&it, &v, RISK_PRICE_BAND, "100 is above 2.5% of 97.5609756");
	v.price = fx("97.56097561");
	verdict(&it, &v, RISK_OK, "100 is inside 2.5% of 97.56097561");
	it = mk_intent("buy", "10.00000001", "100");
	verdict(&it, &v, RISK_MAX_NOTIONAL, "notional 1000.0000001");
	it = mk_intent("sell", "10", NULL);
	v.price = fx("100");
	verdict(&it, &v, RISK_OK, "a market order at the mid: 1000");
	v.price = fx("100.00000001");
	verdict(&it, &v, RISK_MAX_NOTIONAL, "a market order at 100.00000001");

	view_init(&v);
	memset(&in, 0, sizeof in);
	in.has = INSTR_TICK | INSTR_STEP | INSTR_MIN_QTY | INSTR_MIN_NOTIONAL;
	in.tick = fx("0.5");
	in.step = fx("0.01");
	in.min_qty = fx("0.02");
	in.min_notional = fx("10");
	v.instr = &in;
	it = mk_intent("buy", "0.1", "100.5");
	verdict(&it, &v, RISK_OK, "on tick and step, notional 10.05");
	it = mk_intent("buy", "0.1", "100.25");
	verdict(&it, &v, RISK_TICK, "off the tick");
	it = mk_intent("buy", "0.105", "100.5");
	verdict(&it, &v, RISK_STEP, "off the step");
	it = mk_intent("buy", "0.01", "100.5");
	verdict(&it, &v, RISK_MIN_QTY, "below min_qty");
	it = mk_intent("buy", "0.02", "499.5");
	verdict(&it, &v, RISK_MIN_NOTIONAL, "9.99 below min_notional");
	it = mk_intent("buy", "0.02", "500");
	verdict(&it, &v, RISK_OK, "10: min_notional exactly");
	it = mk_intent("buy", "0.02", NULL);
	verdict(&it, &v, RISK_NO_PRICE, "min_notional of a market order "
	    "needs a price");
	v.instr = NULL;
	v.instr_required = 1;
	verdict(&it, &v, RISK_UNKNOWN_SYMBOL, "rules of the market, none of "
	    "the symbol");
}

static void
test_book_checks(void)
{
	struct risk_view v;
	struct intent it;

	view_init(&v);
	v.lim.has = LIM_BIT(LIM_MAX_OPEN_ORDERS) | LIM_BIT(LIM_MAX_POSITION);
	v.lim.max_open_orders = 2;
	v.lim.max_position = fx("2");
	v.position = fx("-0.5");
	v.open_buy = fx("1");
	v.open_sell = fx("0.5");
	v.open_orders = 1;
	it = mk_intent("buy", "1.5", "1");
	verdict(&it, &v, RISK_OK, "long side -0.5 + 1 + 1.5 = 2");
	it = mk_intent("buy", "1.50000001", "1");
	verdict(&it, &v, RISK_MAX_POSITION, "long side 2.00000001");
	it = mk_intent("sell", "1", "1");
	verdict(&it, &v, RISK_OK, "short side 0.5 + 0.5 + 1 = 2");
	it = mk_intent("sell", "1.00000001", "1");
	verdict(&it, &v, RISK_MAX_POSITION, "short side 2.00000001");
	v.open_orders = 2;
	verdict(&it, &v, RISK_MAX_OPEN_ORDERS, "two open, at most two");

	view_init(&v);
	v.lim.has = LIM_BIT(LIM_DAILY_LOSS) | LIM_BIT(LIM_RATE_PER_S) |
	    LIM_BIT(LIM_RATE_PER_MIN);
	v.lim.daily_loss = fx("100");
	v.lim.rate_per_s = 2;
	v.lim.rate_per_min = 10;
	v.has_day = 1;
	v.day_pnl = fx("-99.99999999");
	it = mk_intent("buy", "1", "1");
	verdict(&it, &v, RISK_OK, "a loss of 99.99999999");
	v.day_pnl = fx("-100");
	verdict(&it, &v, RISK_DAILY_LOSS, "a loss of 100 reaches 100");
	it.reduce_only = 1;
	verdict(&it, &v, RISK_OK, "reduce_only passes the daily loss");
	it.reduce_only = 0;
	v.day_pnl = fx("5");
	v.sent_1s = 1;
	v.sent_1m = 9;
	verdict(&it, &v, RISK_OK, "1 a second, 9 a minute");
	v.sent_1s = 2;
	verdict(&it, &v, RISK_RATE, "2 a second");
	v.sent_1s = 0;
	v.sent_1m = 10;
	verdict(&it, &v, RISK_RATE, "10 a minute");
}

static int
event_of(const char *line, struct event *ev)
{
	char why[256];

	return event_parse(line, strlen(line), ev, why, sizeof why);
}

static int
never_known(void *ctx, const char *id)
{
	(void)ctx;
	(void)id;
	return 0;
}

static int
known_i1(void *ctx, const char *id)
{
	(void)ctx;
	return strcmp(id, "i1") == 0;
}

static void
test_state(void)
{
	struct risk_state rs;
	struct event ev;
	struct intent it;
	struct fx px, buy = { 0, 0 }, sell = { 0, 0 };
	int64_t n1, n2, count = 0;
	char s[FX_BUFSZ];

	risk_state_init(&rs);
	tap_ok(event_of("{\"type\":\"ticker\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"BTCUSDT\",\"time\":1000,"
	    "\"bid\":\"100.1\",\"ask\":100.2}", &ev) == 0 &&
	    risk_note_market(&rs, &ev, 5) == 0, "a ticker");
	tap_ok(risk_price(&rs, "binance", "spot", "BTCUSDT", 61000, 60000,
	    &px) == 1, "its price at 60 s");
	tap_eq_s(fx_str(px, s), "100.15", "the mid, exact");
	tap_ok(risk_price(&rs, "binance", "spot", "BTCUSDT", 61001, 60000,
	    &px) == 0, "none at 60.001 s");
	tap_ok(risk_price(&rs, "", "", "BTCUSDT", 2000, 60000, &px) == 1,
	    "the symbol's price on any venue");
	tap_ok(event_of("{\"type\":\"book\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"BTCUSDT\",\"time\":2000,"
	    "\"last_id\":1,\"bids\":[],\"asks\":[[\"1\",\"1\"]]}", &ev) == 0 &&
	    risk_note_market(&rs, &ev, 5) == 0 &&
	    risk_price(&rs, "binance", "spot", "BTCUSDT", 2000, 60000, &px) &&
	    fx_cmp(px, fx("100.15")) == 0, "a one-sided book teaches nothing");
	tap_ok(event_of("{\"type\":\"ticker\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"BTCUSDT\",\"time\":3000,"
	    "\"bid\":0,\"ask\":\"7\"}", &ev) == 0 &&
	    risk_note_market(&rs, &ev, 5) == 0 &&
	    risk_price(&rs, "binance", "spot", "BTCUSDT", 3000, 60000, &px) &&
	    fx_cmp(px, fx("100.15")) == 0, "an empty side (0) is no mid");
	tap_ok(event_of("{\"type\":\"trade\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"BTCUSDT\",\"price\":\"-1\"}",
	    &ev) == 0 && risk_note_market(&rs, &ev, 5) == -1 &&
	    errno == EINVAL, "a price below 0 is refused");

	it = mk_intent("buy", "2", "1");
	tap_ok(risk_note_approved(&rs, &it, "binance", "spot", 10000, 1) == 0,
	    "note an approval");
	it = mk_intent("sell", "3", "1");
	snprintf(it.id, sizeof it.id, "i2");
	tap_ok(risk_note_approved(&rs, &it, "binance", "spot", 10500, 1) == 0,
	    "and another");
	risk_rate_counts(&rs, "binance", "spot", "BTCUSDT", 10999, &n1, &n2);
	tap_ok(n1 == 2 && n2 == 2, "both in the second");
	risk_rate_counts(&rs, "binance", "spot", "BTCUSDT", 11000, &n1, &n2);
	tap_ok(n1 == 1 && n2 == 2, "one second later: one in the second");
	risk_rate_counts(&rs, "binance", "spot", "BTCUSDT", 70000, &n1, &n2);
	tap_ok(n1 == 0 && n2 == 1, "a minute later: one in the minute");
	tap_ok(risk_in_flight(&rs, "binance", "spot", "BTCUSDT", never_known,
	    NULL, &count, &buy, &sell) == 0 && count == 2 &&
	    fx_cmp(buy, fx("2")) == 0 && fx_cmp(sell, fx("3")) == 0,
	    "both in flight");
	count = 0;
	buy = sell = (struct fx){ 0, 0 };
	tap_ok(risk_in_flight(&rs, "binance", "spot", "BTCUSDT", known_i1,
	    NULL, &count, &buy, &sell) == 0 && count == 1 && buy.m == 0,
	    "the one the store knows is no longer in flight");
	tap_ok(risk_unrealized(fx("-2"), fx("100"), fx("90.5"), &px) == 0 &&
	    fx_cmp(px, fx("19")) == 0, "unrealized of a short");
	risk_state_free(&rs);
}

int
main(void)
{
	test_limits_file();
	test_limits_refused();
	test_checks();
	test_book_checks();
	test_state();
	return tap_done();
}
