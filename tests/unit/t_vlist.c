/*
 * t_vlist: mkt-feed's symbols file (venue/vlist): comments, blanks and
 * blank lines ignored; targets and patterns told apart and matched; a
 * bad line refused with its number, the list kept as it was; the
 * Binance change messages that add and remove symbols on an open
 * connection, per part.
 */
#include <stdio.h>
#include <string.h>

#include "venue/vlist.h"
#include "tap.h"

static void
test_parse(void)
{
	static const char text[] =
	    "# the kept ones\n"
	    "binance:spot:BTCUSDT\n"
	    "\n"
	    "  \tbybit:linear:ETHUSDT   # eth\r\n"
	    "binance:futures:*USDT\n"
	    "binance:spot:BTCUSDT";
	struct vlist l;
	char why[256];

	vlist_init(&l);
	tap_eq_i(vlist_parse(&l, text, sizeof text - 1, why, sizeof why), 0,
	    "a file of targets, patterns, comments and blanks parses");
	tap_eq_i((int64_t)l.n, 4, "four items (a repeat is the caller's)");
	tap_eq_i((int64_t)l.patterns, 1, "one of them a pattern");
	tap_eq_s(l.v[1].t.symbol, "ETHUSDT", "blanks and comment cut");
	tap_eq_s(venue_name(l.v[1].t.m), "bybit", "its venue");
	tap_eq_i(l.v[1].line, 4, "its line");
	tap_eq_i(l.v[3].line, 6, "a last line without a newline counts");
	tap_ok(vlist_match(&l.v[2], "SOLUSDT"), "*USDT takes SOLUSDT");
	tap_ok(!vlist_match(&l.v[2], "ETHBTC"), "*USDT leaves ETHBTC");
	tap_ok(vlist_match(&l.v[0], "BTCUSDT") &&
	    !vlist_match(&l.v[0], "BTCUSD"), "a target takes itself only");

	why[0] = '\0';
	tap_eq_i(vlist_parse(&l, "binance:spot:SOLUSDT\nnot a target\n", 34,
	    why, sizeof why), -1, "a line of two words is refused");
	tap_eq_s(why, "line 2: want one target a line", "naming its line");
	tap_eq_i((int64_t)l.n, 4, "and the list is as it was");
	tap_eq_i(vlist_parse(&l, "x\n", 2, why, sizeof why), -1,
	    "a line without colons is refused");
	tap_eq_i(vlist_parse(&l, "kraken:spot:BTCUSDT\n", 20, why,
	    sizeof why), -1, "an unknown venue is refused");
	tap_eq_i(vlist_parse(&l, "binance:spot:btc*\n", 18, why,
	    sizeof why), -1, "a lower-case pattern is refused");
	tap_eq_i(vlist_parse(&l, "binance:spot:BTC USDT\n", 22, why,
	    sizeof why), -1, "blanks inside a target are refused");
	tap_eq_i((int64_t)l.n, 4, "none of them added anything");
	vlist_free(&l);
}

static void
test_change(void)
{
	const struct venue_market *spot = venue_find("binance", 7, "spot", 4);
	const struct venue_market *fut = venue_find("binance", 7, "futures",
	    7);
	const char *syms[] = { "ETHUSDT", "SOLUSDT" };
	struct buf b;

	buf_init(&b, 0);
	tap_eq_i(spot->venue->change(spot, 0, syms, 2, VENUE_DEPTH |
	    VENUE_TRADE, 1, &b), 0, "Binance: a change is made");
	tap_eq_s(b.p, "{\"method\":\"SUBSCRIBE\",\"params\":["
	    "\"ethusdt@depth@100ms\",\"ethusdt@trade\","
	    "\"solusdt@depth@100ms\",\"solusdt@trade\"],\"id\":1000}",
	    "spot: one SUBSCRIBE with both symbols' streams");
	buf_reset(&b);
	tap_eq_i(fut->venue->change(fut, 1, syms, 1, VENUE_DEPTH |
	    VENUE_TRADE, 0, &b), 0, "futures: a removal is made");
	tap_eq_s(b.p, "{\"method\":\"UNSUBSCRIBE\",\"params\":["
	    "\"ethusdt@trade\"],\"id\":1000}",
	    "futures part 1: the trades only, UNSUBSCRIBE");
	buf_free(&b);
}

int
main(void)
{
	test_parse();
	test_change();
	return tap_done();
}
