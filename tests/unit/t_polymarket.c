/*
 * t_polymarket: Polymarket market channel messages to mkt events -- the
 * exact events of each kind of message, levels sorted best first, the
 * reason for each kind of bad message (and that nothing is left in the
 * buffer after one), the hash of the captured book in
 * tests/data/polymarket, and the market metadata reader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue/polymarket/polymarket.h"
#include "base/json.h"
#include "tap.h"

static struct buf out;
static char why[256];

static int
norm(const char *msg, int64_t recv)
{
	int r;

	buf_reset(&out);
	why[0] = '\0';
	r = polymarket_normalize(msg, strlen(msg), "clob", recv, &out, why,
	    sizeof why);
	buf_addc(&out, '\0');
	out.len--;
	return r;
}

/* msg gives exactly the events want. */
static void
gives(const char *msg, int64_t recv, const char *want, const char *name)
{
	int r = norm(msg, recv), lines = 0;
	const char *p;

	for (p = want; *p; p++)
		lines += *p == '\n';
	tap_eq_i(r, lines, name);
	if (r < 0)
		tap_diag("why '%s'", why);
	tap_eq_s(out.p, want, name);
}

/* msg is refused with exactly the reason want; out is untouched. */
static void
refused(const char *msg, const char *want)
{
	static const char keep[] = "{\"type\":\"earlier\"}\n";
	int r;

	buf_reset(&out);
	buf_adds(&out, keep);
	r = polymarket_normalize(msg, strlen(msg), "clob", -1, &out, why,
	    sizeof why);
	tap_ok(r == -1 && strcmp(why, want) == 0 &&
	    out.len == sizeof keep - 1 && memcmp(out.p, keep, out.len) == 0,
	    "refused: %s", want);
	if (r != -1 || strcmp(why, want) != 0)
		tap_diag("r %d, why '%s'", r, why);
}

#define HEAD(t, s) "{\"type\":\"" t "\",\"venue\":\"polymarket\"," \
	"\"market\":\"clob\",\"symbol\":\"" s "\","

static void
test_events(void)
{
	gives("{\"event_type\":\"book\",\"asset_id\":\"12\",\"market\":\"0x1\","
	    "\"timestamp\":\"1700000000000\",\"hash\":\"h\",\"bids\":["
	    "{\"price\":\"0.48\",\"size\":\"10\"},{\"price\":\"0.5\","
	    "\"size\":\"1.5\"},{\"price\":\"0.49\",\"size\":\"2\"}],\"asks\":["
	    "{\"price\":\"0.53\",\"size\":\"3\"},{\"price\":\"0.510\","
	    "\"size\":\"4\"}]}", 1700000000000123,
	    HEAD("snapshot", "12") "\"time\":1700000000000,"
	    "\"recv\":1700000000000123,\"last_id\":1700000000000,"
	    "\"bids\":[[0.5,1.5],[0.49,2],[0.48,10]],"
	    "\"asks\":[[0.510,4],[0.53,3]]}\n",
	    "book: a snapshot, best first, the venue's digits");
	gives("[{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":\"5\","
	    "\"bids\":[],\"asks\":[]},{\"event_type\":\"book\",\"asset_id\":"
	    "\"2\",\"timestamp\":\"5\",\"bids\":[],\"asks\":[]}]", -1,
	    HEAD("snapshot", "1") "\"time\":5,\"last_id\":5,\"bids\":[],"
	    "\"asks\":[]}\n"
	    HEAD("snapshot", "2") "\"time\":5,\"last_id\":5,\"bids\":[],"
	    "\"asks\":[]}\n", "a dump as an array: one snapshot each");
	gives("{\"event_type\":\"price_change\",\"market\":\"0x1\",\"timestamp\":"
	    "\"7\",\"price_changes\":[{\"asset_id\":\"1\",\"price\":\"0.5\","
	    "\"size\":\"0\",\"side\":\"BUY\"},{\"asset_id\":\"2\",\"price\":"
	    "\"0.4\",\"size\":\"3\",\"side\":\"SELL\"},{\"asset_id\":\"1\","
	    "\"price\":\"0.6\",\"size\":\"8\",\"side\":\"SELL\"}]}", -1,
	    HEAD("depth", "1") "\"time\":7,\"first_id\":7,\"last_id\":7,"
	    "\"bids\":[[0.5,0]],\"asks\":[[0.6,8]]}\n"
	    HEAD("depth", "2") "\"time\":7,\"first_id\":7,\"last_id\":7,"
	    "\"bids\":[],\"asks\":[[0.4,3]]}\n",
	    "price_change: a depth event per token, in the order named");
	gives("{\"event_type\":\"last_trade_price\",\"asset_id\":\"1\","
	    "\"price\":\"0.51\",\"side\":\"SELL\",\"size\":\"2.5\","
	    "\"timestamp\":\"9\",\"transaction_hash\":\"0xab\"}", -1,
	    HEAD("trade", "1") "\"time\":9,\"id\":\"0xab\",\"price\":0.51,"
	    "\"qty\":2.5,\"side\":\"sell\"}\n", "last_trade_price: a trade");
	gives("{\"event_type\":\"tick_size_change\",\"asset_id\":\"1\","
	    "\"old_tick_size\":\"0.01\",\"new_tick_size\":\"0.001\","
	    "\"timestamp\":\"9\"}", -1,
	    HEAD("instrument", "1") "\"time\":9,\"tick\":\"0.001\"}\n",
	    "tick_size_change: an instrument event");
	gives("PONG", -1, "", "PONG: nothing");
	gives("{\"event_type\":\"best_bid_ask\",\"asset_id\":\"1\","
	    "\"best_bid\":\"0.48\",\"best_ask\":\"0.52\",\"spread\":\"0.04\","
	    "\"timestamp\":\"9\"}", -1,
	    HEAD("ticker", "1") "\"time\":9,\"bid\":0.48,\"ask\":0.52}\n",
	    "best_bid_ask: a ticker of prices, no sizes");
	gives("{\"event_type\":\"new_market\"}", -1, "", "new_market: nothing");
}

static void
test_bad(void)
{
	refused("{\"event_type\":\"book\",\"asset_id\":\"x1\",\"timestamp\":"
	    "\"1\",\"bids\":[],\"asks\":[]}",
	    "book: field 'asset_id' is not a token id");
	refused("{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":"
	    "\"1\",\"bids\":[{\"price\":\"0\",\"size\":\"1\"}],\"asks\":[]}",
	    "book: bids[0]: price not positive");
	refused("{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":"
	    "\"1\",\"bids\":[[\"0.5\",\"1\"]],\"asks\":[]}",
	    "book: bids[0]: not a {price, size} object");
	refused("{\"event_type\":\"book\",\"asset_id\":\"1\",\"bids\":[],"
	    "\"asks\":[]}", "book: missing field 'timestamp'");
	refused("{\"event_type\":\"price_change\",\"timestamp\":\"1\","
	    "\"price_changes\":[{\"asset_id\":\"1\",\"price\":\"0.5\","
	    "\"size\":\"-1\",\"side\":\"BUY\"}]}",
	    "price_change: price_changes[0]: size: negative");
	refused("{\"event_type\":\"last_trade_price\",\"asset_id\":\"1\","
	    "\"price\":\"0.5\",\"side\":\"B\",\"size\":\"1\",\"timestamp\":"
	    "\"1\"}", "last_trade_price: field 'side' is neither \"BUY\" "
	    "nor \"SELL\"");
	/* The second message of an array is bad: none of the first. */
	refused("[{\"event_type\":\"book\",\"asset_id\":\"1\",\"timestamp\":"
	    "\"1\",\"bids\":[],\"asks\":[]},7]",
	    "an array item is not an object");
	refused("{\"event_type\":", "invalid JSON at byte 14: unexpected "
	    "end of line");
}

#define META "{\"data\":[{\"minimum_order_size\":5,\"neg_risk\":false," \
	"\"tokens\":[{\"token_id\":\"35097776985291732938703789329476309347" \
	"1844346281449484439085576212613048126\"}]}]}"

/* The captured book (tests/data/polymarket) with its metadata. */
static void
test_hash(void)
{
	const char *top = getenv("TOP");
	char path[4096], hex[41];
	static char body[65536];
	struct json_obj o;
	const char *reason;
	size_t n = 0, at;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/data/polymarket/"
	    "book-captured.json", top && *top ? top : ".");
	f = fopen(path, "r");
	if (f) {
		n = fread(body, 1, sizeof body - 1, f);
		fclose(f);
	}
	while (n && body[n - 1] == '\n')
		n--;
	tap_ok(n > 0 && json_parse_object(body, n, &o, &reason, &at) == 0,
	    "the captured book reads");
	tap_ok(polymarket_book_hash(&o, "5", 1, 0, hex) == 0 &&
	    strcmp(hex, "ed47eb91f3c7985fac1cb18cb7c19535eddd3c0a") == 0,
	    "its hash with min_order_size 5, neg_risk false: the venue's");
	tap_ok(polymarket_book_hash(&o, "5", 1, 1, hex) == 0 &&
	    strcmp(hex, "ed47eb91f3c7985fac1cb18cb7c19535eddd3c0a") != 0,
	    "neg_risk true: another");
	body[n] = '\0';
	tap_eq_i(norm(body, -1), 1, "no metadata: the snapshot alone");
	tap_eq_i(polymarket_markets_load(META, strlen(META), why, sizeof why),
	    1, "the market's metadata: one token");
	tap_eq_i(norm(body, -1), 1, "with it: the hash checks, no status");
	memcpy(strstr(body, "ed47eb91"), "00000000", 8);
	tap_eq_i(norm(body, -1), 2, "a wrong hash: a status after it");
	tap_ok(strstr(out.p, "\"reason\":\"hash_mismatch\",\"hash\":\"00000000"
	    "f3c7985fac1cb18cb7c19535eddd3c0a\",\"computed\":\"ed47eb91f3c79"
	    "85fac1cb18cb7c19535eddd3c0a\"}\n") != NULL,
	    "the status names both hashes");
	tap_eq_i(polymarket_markets_load("[{\"neg_risk\":true}]", 19, why,
	    sizeof why), -1, "a market without min_order_size: refused");
	tap_eq_s(why, "a market has no 'minimum_order_size'", "and why");
}

int
main(void)
{
	buf_init(&out, 0);
	test_events();
	test_bad();
	test_hash();
	buf_free(&out);
	return tap_done();
}
