/*
 * t_binance: Binance messages to mkt events -- the exact event of one
 * real message of each kind, the reason for each kind of bad message
 * (and that nothing is left in the buffer after one), and a pass over
 * every frame of the recorded spot and futures captures in
 * tests/data/cryptofeed, each event read back by lib/event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue/binance/binance.h"
#include "venue/norm.h"
#include "event/event.h"
#include "tap.h"

/* The passes every test runs in: both, in turn (see main). */
static enum norm_mode mode = NORM_ONE_PASS;
#define normalize_in_mode(...) binance_normalize_mode(__VA_ARGS__, mode)

static struct buf out;
static char why[256];

/* Normalize msg into out (reset first); the result, out NUL-ended. */
static int
norm(const char *msg, const char *market, const char *symbol, int64_t recv)
{
	int r;

	buf_reset(&out);
	why[0] = '\0';
	r = normalize_in_mode(msg, strlen(msg), market, symbol, recv, &out,
	    why, sizeof why);
	buf_addc(&out, '\0');
	out.len--;
	return r;
}

/* msg gives exactly the events want (count of lines in want). */
static void
gives(const char *msg, const char *market, const char *symbol,
    int64_t recv, const char *want, const char *name)
{
	int r = norm(msg, market, symbol, recv), lines = 0;
	const char *p;

	for (p = want; *p; p++)
		lines += *p == '\n';
	tap_eq_i(r, lines, name);
	if (r < 0)
		tap_diag("why '%s'", why);
	tap_eq_s(out.p, want, name);
}

/* msg is refused with exactly the reason want, and out is untouched. */
static void
refused(const char *msg, const char *market, const char *symbol,
    const char *want)
{
	static const char keep[] = "{\"type\":\"earlier\"}\n";
	int r;

	buf_reset(&out);
	buf_adds(&out, keep);
	why[0] = '\0';
	r = normalize_in_mode(msg, strlen(msg), market, symbol, 1, &out, why,
	    sizeof why);
	tap_ok(r == -1 && strcmp(why, want) == 0 &&
	    out.len == sizeof keep - 1 && memcmp(out.p, keep, out.len) == 0 &&
	    !buf_failed(&out), "refused: %s", want);
	if (r != -1 || strcmp(why, want) != 0)
		tap_diag("r %d, why '%s'", r, why);
}

/* The same, for a reason that starts with want. */
static void
refused_as(const char *msg, const char *want)
{
	int r = norm(msg, "spot", NULL, -1);

	tap_ok(r == -1 && strncmp(why, want, strlen(want)) == 0 &&
	    out.len == 0, "refused: %s", why);
}

/* ------------------------------------------------------------ real ones */

/* The first NKNUSDT frame of BINANCE.ws.1.0 (received 1633998512.0633569). */
#define NKN_DEPTH "{\"stream\":\"nknusdt@depth@100ms\",\"data\":{\"e\":" \
	"\"depthUpdate\",\"E\":1633998512068,\"s\":\"NKNUSDT\",\"U\":49986975" \
	"0," \
	"\"u\":499869752,\"b\":[[\"0.35130000\",\"6195.00000000\"]," \
	"[\"0.34750000\",\"5548.00000000\"],[\"0.34640000\",\"6222.00000000\"" \
	"]]," \
	"\"a\":[]}}"

/* BINANCE_FUTURES.ws.1.0, received 1626992741.3105128. */
#define AKRO_DEPTH "{\"stream\":\"akrousdt@depth@100ms\",\"data\":{\"e\":" \
	"\"depthUpdate\",\"E\":1626992741077,\"T\":1626992740974,\"s\":" \
	"\"AKROUSDT\",\"U\":600859599831,\"u\":600859599831,\"pu\":" \
	"600859598737,\"b\":[],\"a\":[[\"0.01737\",\"437848\"]]}}"

/* BINANCE.ws.1.0, received 1633998513.377805. */
#define NKN_TICKER "{\"stream\":\"nknusdt@bookTicker\",\"data\":{\"u\":" \
	"499869768,\"s\":\"NKNUSDT\",\"b\":\"0.35210000\",\"B\":\"672.0000000" \
	"0\"," \
	"\"a\":\"0.35260000\",\"A\":\"3199.00000000\"}}"

/* BINANCE_FUTURES.ws.1.0, the first frame. */
#define SUSHI_TICKER "{\"stream\":\"sushiusdt@bookTicker\",\"data\":{\"e\":" \
	"\"bookTicker\",\"u\":600859600576,\"s\":\"SUSHIUSDT\",\"b\":\"7.6110" \
	"\"," \
	"\"B\":\"2\",\"a\":\"7.6120\",\"A\":\"297\",\"T\":1626992741012,\"E\"" \
	":" \
	"1626992741017}}"

/* BINANCE.ws.1.0, received 1633998523.957215. */
#define NKN_AGG "{\"stream\":\"nknusdt@aggTrade\",\"data\":{\"e\":" \
	"\"aggTrade\"," \
	"\"E\":1633998523963,\"s\":\"NKNUSDT\",\"a\":15683430,\"p\":" \
	"\"0.35280000\",\"q\":\"58.00000000\",\"f\":19862790,\"l\":19862790," \
	"\"T\":1633998523963,\"m\":false,\"M\":true}}"

/* A futures @trade payload, raw stream (the shape hftbacktest recorded). */
#define FUT_TRADE "{\"e\":\"trade\",\"E\":1723161600123,\"T\":1723161600120," \
	"\"s\":\"BTCUSDT\",\"t\":5148291043,\"p\":\"61250.10\",\"q\":\"0.004" \
	"\"," \
	"\"X\":\"MARKET\",\"m\":true}"

#define HEAD_SPOT(t, s) "{\"type\":\"" t "\",\"venue\":\"binance\"," \
	"\"market\":\"spot\",\"symbol\":\"" s "\","
#define HEAD_FUT(t, s) "{\"type\":\"" t "\",\"venue\":\"binance\"," \
	"\"market\":\"futures\",\"symbol\":\"" s "\","

static void
test_real(void)
{
	gives(NKN_DEPTH, "spot", NULL, 1633998512063356,
	    HEAD_SPOT("depth", "NKNUSDT") "\"time\":1633998512068,"
	    "\"recv\":1633998512063356,\"first_id\":499869750,"
	    "\"last_id\":499869752,\"bids\":[[0.35130000,6195.00000000],"
	    "[0.34750000,5548.00000000],[0.34640000,6222.00000000]],"
	    "\"asks\":[]}\n", "spot depthUpdate, combined stream");
	gives(NKN_DEPTH, "spot", NULL, -1,
	    HEAD_SPOT("depth", "NKNUSDT") "\"time\":1633998512068,"
	    "\"first_id\":499869750,"
	    "\"last_id\":499869752,\"bids\":[[0.35130000,6195.00000000],"
	    "[0.34750000,5548.00000000],[0.34640000,6222.00000000]],"
	    "\"asks\":[]}\n", "no recv when it is unknown");
	gives(AKRO_DEPTH, "futures", NULL, 1626992741310512,
	    HEAD_FUT("depth", "AKROUSDT") "\"time\":1626992741077,"
	    "\"recv\":1626992741310512,\"first_id\":600859599831,"
	    "\"last_id\":600859599831,\"prev_id\":600859598737,\"bids\":[],"
	    "\"asks\":[[0.01737,437848]]}\n", "futures depthUpdate with pu");
	gives(NKN_TICKER, "spot", NULL, 1633998513377805,
	    HEAD_SPOT("ticker", "NKNUSDT") "\"time\":1633998513377,"
	    "\"recv\":1633998513377805,\"bid\":0.35210000,"
	    "\"bid_qty\":672.00000000,\"ask\":0.35260000,"
	    "\"ask_qty\":3199.00000000,\"last_id\":499869768}\n",
	    "spot bookTicker: time from recv");
	gives(NKN_TICKER, "spot", NULL, -1,
	    HEAD_SPOT("ticker", "NKNUSDT") "\"bid\":0.35210000,"
	    "\"bid_qty\":672.00000000,\"ask\":0.35260000,"
	    "\"ask_qty\":3199.00000000,\"last_id\":499869768}\n",
	    "spot bookTicker without recv: no time");
	gives(SUSHI_TICKER, "futures", NULL, 1626992741062170,
	    HEAD_FUT("ticker", "SUSHIUSDT") "\"time\":1626992741017,"
	    "\"recv\":1626992741062170,\"bid\":7.6110,\"bid_qty\":2,"
	    "\"ask\":7.6120,\"ask_qty\":297,\"last_id\":600859600576}\n",
	    "futures bookTicker: time from E");
	gives(NKN_AGG, "spot", NULL, 1633998523957215,
	    HEAD_SPOT("trade", "NKNUSDT") "\"time\":1633998523963,"
	    "\"recv\":1633998523957215,\"id\":15683430,\"price\":0.35280000,"
	    "\"qty\":58.00000000,\"side\":\"buy\",\"agg\":true}\n",
	    "aggTrade");
	gives(FUT_TRADE, "futures", NULL, 1723161600130001,
	    HEAD_FUT("trade", "BTCUSDT") "\"time\":1723161600120,"
	    "\"recv\":1723161600130001,\"id\":5148291043,\"price\":61250.10,"
	    "\"qty\":0.004,\"side\":\"sell\"}\n",
	    "trade, raw stream, buyer is maker: a sell");
}

static void
test_snapshots(void)
{
	static const char spot[] = "{\"lastUpdateId\":1027024,\"bids\":"
	    "[[\"4.00000000\",\"431.00000000\"],[\"3.99000000\",\"9.10\"]],"
	    "\"asks\":[[\"4.00000200\",\"12.00000000\"]]}";
	static const char fut[] = "{\"lastUpdateId\":1027024,\"E\":"
	    "1589436922972,\"T\":1589436922959,\"bids\":[[\"4.00000000\","
	    "\"431.00000000\"]],\"asks\":[[\"4.00000200\",\"12.00000000\"]]}";

	gives(spot, "spot", "BNBBTC", 1700000000123456,
	    HEAD_SPOT("snapshot", "BNBBTC") "\"time\":1700000000123,"
	    "\"recv\":1700000000123456,\"last_id\":1027024,\"bids\":"
	    "[[4.00000000,431.00000000],[3.99000000,9.10]],"
	    "\"asks\":[[4.00000200,12.00000000]]}\n",
	    "spot REST depth: time from recv");
	gives(spot, "spot", "BNBBTC", -1,
	    HEAD_SPOT("snapshot", "BNBBTC") "\"last_id\":1027024,\"bids\":"
	    "[[4.00000000,431.00000000],[3.99000000,9.10]],"
	    "\"asks\":[[4.00000200,12.00000000]]}\n",
	    "spot REST depth without recv: no time");
	gives(fut, "futures", "BTCUSDT", 1589436923000001,
	    HEAD_FUT("snapshot", "BTCUSDT") "\"time\":1589436922972,"
	    "\"recv\":1589436923000001,\"last_id\":1027024,"
	    "\"bids\":[[4.00000000,431.00000000]],"
	    "\"asks\":[[4.00000200,12.00000000]]}\n",
	    "futures REST depth: time from E");
	gives("{\"stream\":\"bnbbtc@depth5@100ms\",\"data\":{\"lastUpdateId\":"
	    "160,\"bids\":[[\"0.0024\",\"10\"]],\"asks\":[[\"0.0026\",\"100\"]]"
	    "}}",
	    "spot", NULL, 5000,
	    HEAD_SPOT("snapshot", "BNBBTC") "\"time\":5,\"recv\":5000,"
	    "\"last_id\":160,\"bids\":[[0.0024,10]],\"asks\":[[0.0026,100]]}\n",
	    "spot partial depth stream: symbol from the stream name");
	gives("{\"stream\":\"btcusdt@depth5\",\"data\":{\"e\":\"depthUpdate\","
	    "\"E\":1571889248277,\"T\":1571889248276,\"s\":\"BTCUSDT\",\"U\":"
	    "390497796,\"u\":390497878,\"pu\":390497794,\"b\":[[\"7403.89\","
	    "\"0.002\"]],\"a\":[[\"7405.96\",\"3.340\"]]}}", "futures", NULL,
	    -1,
	    HEAD_FUT("snapshot", "BTCUSDT") "\"time\":1571889248277,"
	    "\"last_id\":390497878,\"bids\":[[7403.89,0.002]],"
	    "\"asks\":[[7405.96,3.340]]}\n",
	    "futures partial depth stream: a snapshot, not a depth");
	gives("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTC\\u0055SDT\",\"U\":2,"
	    "\"u\":3,\"b\":[],\"a\":[]}", "spot", NULL, -1,
	    HEAD_SPOT("depth", "BTCUSDT") "\"time\":1,\"first_id\":2,"
	    "\"last_id\":3,\"bids\":[],\"asks\":[]}\n",
	    "raw stream; escapes in the symbol decoded");
	gives("{\"stream\":\"ethbtc@depth\",\"data\":{\"e\":\"depthUpdate\","
	    "\"E\":1,\"U\":2,\"u\":3,\"b\":[[\"1.5e-3\",\"2E+2\"]],\"a\":[]}}",
	    "spot", NULL, -1,
	    HEAD_SPOT("depth", "ETHBTC") "\"time\":1,\"first_id\":2,"
	    "\"last_id\":3,\"bids\":[[1.5e-3,2E+2]],\"asks\":[]}\n",
	    "no 's': symbol from the stream; exponents kept as written");
}

static void
test_no_events(void)
{
	static const char kline[] = "{\"stream\":\"nknusdt@kline_1m\",\"data\":"
	    "{\"e\":\"kline\",\"E\":1633998514001,\"s\":\"NKNUSDT\",\"k\":{\"t"
	    "\":"
	    "1633998480000,\"T\":1633998539999,\"s\":\"NKNUSDT\",\"i\":\"1m\","
	    "\"o\":\"0.35300000\",\"c\":\"0.35250000\",\"x\":false}}}";

	gives("{\"result\":null,\"id\":1}", "spot", NULL, -1, "",
	    "subscription reply: no event");
	gives("{\"result\":[\"btcusdt@depth\"],\"id\":3}", "spot", NULL, -1, "",
	    "LIST_SUBSCRIPTIONS reply: no event");
	gives(kline, "spot", NULL, 1, "", "kline: no event");
	gives("{\"e\":\"24hrTicker\",\"E\":1,\"s\":\"BTCUSDT\"}", "spot", NULL,
	    1, "", "unknown event type: no event");
	gives("{\"stream\":\"!ticker@arr\",\"data\":[{\"e\":\"24hrTicker\"}]}",
	    "spot", NULL, 1, "", "all-market array stream: no event");
	tap_eq_i(norm("{\"e\":\"serverShutdown\",\"E\":1700000000000}", "spot",
	    NULL, 1), BINANCE_SHUTDOWN, "serverShutdown");
	tap_eq_i(out.len, 0, "serverShutdown appends nothing");
	tap_eq_i(norm("{\"stream\":\"btcusdt@depth\",\"data\":{\"e\":"
	    "\"serverShutdown\",\"E\":1}}", "futures", NULL, 1),
	    BINANCE_SHUTDOWN, "serverShutdown in a combined stream");
}

/* A depthUpdate with one member replaced by `part`. */
#define DU(part) "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\"," part "}"

static void
test_bad(void)
{
	char big[400];

	refused(DU("\"u\":3,\"b\":[],\"a\":[]"), "spot", NULL,
	    "depthUpdate: missing field 'U'");
	refused(DU("\"U\":\"abc\",\"u\":3,\"b\":[],\"a\":[]"), "spot", NULL,
	    "depthUpdate: field 'U' is not an integer");
	refused(DU("\"U\":1.5,\"u\":3,\"b\":[],\"a\":[]"), "spot", NULL,
	    "depthUpdate: field 'U' is not an integer");
	refused(DU("\"U\":-1,\"u\":3,\"b\":[],\"a\":[]"), "spot", NULL,
	    "depthUpdate: field 'U' is negative");
	refused(DU("\"U\":1,\"u\":99999999999999999999,\"b\":[],\"a\":[]"),
	    "spot", NULL, "depthUpdate: field 'u' is not an integer");
	refused(DU("\"U\":1,\"u\":3,\"pu\":null,\"b\":[],\"a\":[]"),
	    "futures", NULL, "depthUpdate: field 'pu' is not an integer");
	refused(DU("\"U\":1,\"u\":3,\"b\":{},\"a\":[]"), "spot", NULL,
	    "depthUpdate: field 'b' is not an array");
	refused(DU("\"U\":1,\"u\":3,\"b\":[]"), "spot", NULL,
	    "depthUpdate: missing field 'a'");
	refused(DU("\"U\":1,\"u\":3,\"b\":[[\"1\",\"2\"],[\"1\"]],\"a\":[]"),
	    "spot", NULL, "depthUpdate: b[1]: not a [price, qty] pair");
	refused(DU("\"U\":1,\"u\":3,\"b\":[[\"1\",\"2\",\"3\"]],\"a\":[]"),
	    "spot", NULL, "depthUpdate: b[0]: not a [price, qty] pair");
	refused(DU("\"U\":1,\"u\":3,\"b\":[\"1\"],\"a\":[]"),
	    "spot", NULL, "depthUpdate: b[0]: not a [price, qty] pair");
	refused(DU("\"U\":1,\"u\":3,\"b\":[],\"a\":[[\"1\",\"2\"],"
	    "[\"0x10\",\"2\"]]"), "spot", NULL,
	    "depthUpdate: a[1]: price: not a decimal number");
	refused(DU("\"U\":1,\"u\":3,\"b\":[[\"1\",\"\"]],\"a\":[]"), "spot",
	    NULL, "depthUpdate: b[0]: quantity: not a decimal number");
	refused(DU("\"U\":1,\"u\":3,\"b\":[[\"1\",true]],\"a\":[]"), "spot",
	    NULL, "depthUpdate: b[0]: quantity: not a decimal number");
	refused(DU("\"U\":1,\"u\":3,\"b\":[[\"1\",\"1\\u0030\"]],\"a\":[]"),
	    "spot", NULL, "depthUpdate: b[0]: quantity: not a decimal number");
	refused(DU("\"U\":1,\"u\":3,\"b\":[[\"1\","
	    "\"1234567890123456789012345678901234567890\"]],\"a\":[]"),
	    "spot", NULL, "depthUpdate: b[0]: quantity: number out of range");
	refused(DU("\"U\":1,\"u\":3,\"b\":[[\"1\",\"-2\"]],\"a\":[]"), "spot",
	    NULL, "depthUpdate: b[0]: negative quantity");
	refused(DU("\"U\":1,\"u\":3,\"b\":[[\"0.000\",\"2\"]],\"a\":[]"),
	    "spot", NULL, "depthUpdate: b[0]: price not positive");
	refused("{\"e\":\"depthUpdate\",\"E\":1,\"U\":1,\"u\":3,\"b\":[],"
	    "\"a\":[]}", "spot", NULL, "depthUpdate: missing field 's'");
	refused("{\"e\":\"depthUpdate\",\"E\":1,\"s\":7,\"U\":1,\"u\":3,"
	    "\"b\":[],\"a\":[]}", "spot", NULL,
	    "depthUpdate: field 's' is not a string");
	refused("{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"\",\"U\":1,\"u\":3,"
	    "\"b\":[],\"a\":[]}", "spot", NULL,
	    "depthUpdate: field 's' is not a symbol");
	refused("{\"e\":5}", "spot", NULL, "field 'e' is not a string");
	refused("{\"lastUpdateId\":1,\"bids\":[[\"1\",\"2\"],[\"1\",\"2\"],"
	    "[\"1\",\"2\"],[\"abc\",\"2\"]],\"asks\":[]}", "spot", "BTCUSDT",
	    "snapshot: bids[3]: price: not a decimal number");
	refused("{\"lastUpdateId\":1,\"bids\":[],\"asks\":[]}", "spot", NULL,
	    "depth snapshot names no symbol");
	refused("{\"lastUpdateId\":\"x\",\"bids\":[],\"asks\":[]}", "spot",
	    "BTCUSDT", "snapshot: field 'lastUpdateId' is not an integer");
	refused("{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1.0\",\"B\":\"2\","
	    "\"a\":\"1.1\"}", "spot", NULL, "bookTicker: missing field 'A'");
	refused("{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1.0\",\"B\":\"2\","
	    "\"a\":\"x\",\"A\":\"1\"}", "spot", NULL,
	    "bookTicker: field 'a': not a decimal number");
	refused("{\"e\":\"trade\",\"T\":1,\"s\":\"X\",\"t\":1,\"p\":\"1\","
	    "\"q\":\"1\",\"m\":\"true\"}", "spot", NULL,
	    "trade: field 'm' is not a boolean");
	refused("{\"e\":\"aggTrade\",\"T\":1,\"s\":\"X\",\"t\":1,\"p\":\"1\","
	    "\"q\":\"1\",\"m\":true}", "spot", NULL,
	    "aggTrade: missing field 'a'");
	refused("{\"e\":\"aggTrade\",\"T\":1,\"s\":\"X\",\"a\":1,\"p\":\"1\","
	    "\"q\":\"-1\",\"m\":true}", "spot", NULL,
	    "aggTrade: field 'q' is negative");
	refused("{\"code\":0,\"msg\":\"Unknown property\",\"id\":1}", "spot",
	    NULL, "binance error 0: Unknown property");
	refused("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", "futures", NULL,
	    "binance error -1121: Invalid symbol.");
	refused("{\"error\":{\"code\":2,\"msg\":\"Invalid request\"},\"id\":7}",
	    "spot", NULL, "binance error 2: Invalid request");
	refused("{\"stream\":5,\"data\":{}}", "spot", NULL,
	    "field 'stream' is not a string");
	refused(NKN_DEPTH, "linear", NULL, "unknown market 'linear'");
	refused(NKN_DEPTH, NULL, NULL, "unknown market '(null)'");

	/* Truncated at every length: never an event, never a crash. */
	snprintf(big, sizeof big, "%s", NKN_DEPTH);
	{
		size_t k, n = strlen(big), bad = 0;

		for (k = 0; k < n; k++) {
			buf_reset(&out);
			if (normalize_in_mode(big, k, "spot", NULL, 1, &out,
			    why, sizeof why) != -1 || out.len != 0)
				bad++;
		}
		tap_eq_i(bad, 0, "every truncation of a frame is refused");
	}
	refused_as("{\"e\":\"depthUpdate\",\"E\":1", "invalid JSON at byte ");
	refused_as("[1,2]", "invalid JSON at byte 0: ");
	refused_as("", "invalid JSON at byte 0: ");
}

/* A full output buffer: refused, out exactly as it was. */
static void
test_buffer_full(void)
{
	struct buf small;
	int r;

	buf_init(&small, 64);
	buf_adds(&small, "0123456789");
	r = normalize_in_mode(NKN_DEPTH, strlen(NKN_DEPTH), "spot", NULL, 1,
	    &small, why, sizeof why);
	tap_eq_i(r, -1, "a full buffer is an error");
	tap_eq_s(why, "event too large for the output buffer",
	    "a full buffer: reason");
	tap_ok(small.len == 10 && !buf_failed(&small) &&
	    memcmp(small.p, "0123456789", 10) == 0,
	    "a full buffer: rolled back, not failed");
	buf_free(&small);
}

/* --------------------------------------------------- the real captures */

/* Decimal seconds ("1633998512.0633569") to microseconds, truncated. */
static int64_t
secs_to_us(const char *p, const char **end)
{
	int64_t s = 0, us = 0;
	int k = 0;

	while (*p >= '0' && *p <= '9')
		s = s * 10 + (*p++ - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (k < 6) {
				us = us * 10 + (*p - '0');
				k++;
			}
	for (; k < 6; k++)
		us *= 10;
	*end = p;
	return s * 1000000 + us;
}

struct tally {
	long frames, ignored, shutdown, errors, bad_events;
	long n[EV_IMBALANCE + 1];
};

/* Read every event of out back with lib/event. */
static void
check_events(struct tally *t, int count)
{
	struct event ev;
	struct levels lv = { 0 };
	char ewhy[256];
	const char *p = out.p, *end = out.p + out.len, *nl;
	int lines = 0;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			break;
		lines++;
		if (event_parse(p, nl - p, &ev, ewhy, sizeof ewhy) < 0 ||
		    event_fields(&ev, ewhy, sizeof ewhy) < 0 ||
		    (ev.bids && event_levels(ev.bids, &lv, "bids", ewhy,
		    sizeof ewhy) < 0) ||
		    (ev.asks && event_levels(ev.asks, &lv, "asks", ewhy,
		    sizeof ewhy) < 0)) {
			if (t->bad_events++ < 3)
				tap_diag("event refused: %s: %.*s", ewhy,
				    (int)(nl - p > 200 ? 200 : nl - p), p);
			continue;
		}
		t->n[ev.type]++;
	}
	if (lines != count || p != end)
		t->bad_events++;
	levels_free(&lv);
}

static void
feed(struct tally *t, const char *msg, size_t n, const char *market,
    const char *symbol, int64_t recv)
{
	int r;

	buf_reset(&out);
	r = normalize_in_mode(msg, n, market, symbol, recv, &out, why,
	    sizeof why);
	t->frames++;
	if (r < 0) {
		if (t->errors++ < 3)
			tap_diag("refused: %s", why);
		return;
	}
	if (r == BINANCE_SHUTDOWN)
		t->shutdown++;
	else if (r == 0)
		t->ignored++;
	else
		check_events(t, r);
}

static FILE *
open_capture(const char *name)
{
	const char *top = getenv("TOP");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/data/cryptofeed/%s",
	    top && *top ? top : ".", name);
	f = fopen(path, "r");
	if (!f)
		tap_diag("cannot open '%s'", path);
	return f;
}

/* "URL -> RECV: BODY" lines; the symbol from the URL's symbol=. */
static void
pass_http(struct tally *t, const char *name, const char *market)
{
	FILE *f = open_capture(name);
	char *line = NULL, sym[64];
	size_t cap = 0;
	ssize_t n;

	while (f && (n = getline(&line, &cap, f)) > 0) {
		const char *arrow = strstr(line, " -> "), *q, *body;
		int64_t recv;
		size_t k;

		q = strstr(line, "symbol=");
		if (!arrow || !q)
			continue;
		q += 7;
		for (k = 0; k < sizeof sym - 1 && q[k] && q[k] != '&' &&
		    q[k] != ' '; k++)
			sym[k] = q[k];
		sym[k] = '\0';
		recv = secs_to_us(arrow + 4, &body);
		body += 2;
		feed(t, body, line + n - body, market, sym, recv);
	}
	free(line);
	if (f)
		fclose(f);
}

/* The URL line, then "RECV: FRAME" lines. */
static void
pass_ws(struct tally *t, const char *name, const char *market)
{
	FILE *f = open_capture(name);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while (f && (n = getline(&line, &cap, f)) > 0) {
		const char *frame;
		int64_t recv;

		if (line[0] < '0' || line[0] > '9')
			continue;
		recv = secs_to_us(line, &frame);
		if (strncmp(frame, ": ", 2) != 0)
			continue;
		frame += 2;
		feed(t, frame, line + n - frame, market, NULL, recv);
	}
	free(line);
	if (f)
		fclose(f);
}

static void
test_capture(const char *prefix, const char *market, long depth,
    long ticker, long trade, long ignored)
{
	struct tally t;
	char http[64], ws[64];

	memset(&t, 0, sizeof t);
	snprintf(http, sizeof http, "%s.http.0.0", prefix);
	snprintf(ws, sizeof ws, "%s.ws.1.0", prefix);
	pass_http(&t, http, market);
	pass_ws(&t, ws, market);
	tap_eq_i(t.errors, 0, "capture: no frame refused");
	tap_eq_i(t.bad_events, 0, "capture: every event reads back");
	tap_eq_i(t.n[EV_SNAPSHOT], 4, "capture: snapshots");
	tap_eq_i(t.n[EV_DEPTH], depth, "capture: depth events");
	tap_eq_i(t.n[EV_TICKER], ticker, "capture: tickers");
	tap_eq_i(t.n[EV_TRADE], trade, "capture: trades");
	tap_eq_i(t.ignored, ignored, "capture: frames without events");
	tap_eq_i(t.shutdown, 0, "capture: no shutdown");
	tap_eq_i(t.frames, 4 + depth + ticker + trade + ignored,
	    "capture: frames");
	tap_diag("%s: %ld frames", prefix, t.frames);
}

/*
 * The one-pass decoder and the plain pass (NORM_ONE_PASS and NORM_PLAIN) agree:
 * result, events, reason -- on messages the fast pass takes and on those
 * it leaves to the plain one.
 */
static void
test_passes(void)
{
	static const char *const msgs[] = {
	/* Whitespace, escapes, other number forms: the plain pass. */
	"{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
	    "\"b\":[ [\"1.0\",\"2\"] ],\"a\":[]}",
	"{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
	    "\"b\":[[\"1\\u002e0\",\"2\"]],\"a\":[]}",
	"{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
	    "\"b\":[[1e2,2],[\"-0\",\"1\"]],\"a\":[]}",
	"{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
	    "\"b\":[[\"01.5\",\"2\"]],\"a\":[]}",
	"{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
	    "\"b\":[[\"0.0\",\"2\"]],\"a\":[]}",
	"{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
	    "\"b\":[[\"1.000000000000000000000000000000000000001\",\"2\"]],"
	    "\"a\":[]}",
	"{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
	    "\"b\":[[\"1.5\",\"2\",\"3\"]],\"a\":[[\"1.\",\"2\"]]}",
	/* Invalid JSON where only the fast pass's lazy scan looks. */
	"{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,"
	    "\"b\":[],\"a\":[],\"x\":[1,,2]}",
	"{\"stream\":\"btcusdt@depth\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,"
	    "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1\",\"2\"]],\"a\":[],"
	    "\"k\":[tru]}}",
	"{\"data\":{\"b\":[[\"1\",2]],\"x\":[[1]}]},\"stream\":\"x\"}",
	"{\"data\":{\"e\":\"kline\",\"k\":[1,2]},\"stream\":\"x\",\"data\":3}",
	"{\"stream\":\"btcusdt@depth\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,"
	    "\"s\":\"BTCUSDT\",\"U\":1,\"u\":2,\"b\":[[\"1\",\"2\"]],\"a\":[]},"
	    "\"data\":{\"e\":\"trade\"}}",
	"{\"lastUpdateId\":5,\"bids\":[[\"1\",\"2\"]],\"asks\":[[\"3\",\"4\"]],"
	    "\"E\":7}",
	};
	struct buf a, b;
	char wa[256], wb[256];
	size_t i;

	buf_init(&a, 0);
	buf_init(&b, 0);
	for (i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		const char *msg = msgs[i];
		size_t n = strlen(msg);
		int ra, rb;

		buf_reset(&a);
		buf_reset(&b);
		wa[0] = wb[0] = '\0';
		ra = binance_normalize_mode(msg, n, "spot", NULL,
		    1700000000000000, &a, wa, sizeof wa, NORM_ONE_PASS);
		rb = binance_normalize_mode(msg, n, "spot", NULL,
		    1700000000000000, &b, wb, sizeof wb, NORM_PLAIN);
		tap_ok(ra == rb && a.len == b.len &&
		    memcmp(a.p, b.p, a.len) == 0 &&
		    (ra >= 0 || strcmp(wa, wb) == 0),
		    "both passes agree on message %zu (%d: %s)", i, ra,
		    ra < 0 ? wa : "events");
	}
	buf_free(&a);
	buf_free(&b);
}

int
main(void)
{
	int pass;

	buf_init(&out, 0);
	/* Every test in the one-pass decoder, then in the plain pass. */
	for (pass = 0; pass < 2; pass++) {
		mode = pass ? NORM_PLAIN : NORM_ONE_PASS;
		test_real();
		test_snapshots();
		test_no_events();
		test_bad();
		test_buffer_full();
		/* Spot: 177 depthUpdate, 84 bookTicker, 2 aggTrade, 2 kline. */
		test_capture("BINANCE", "spot", 177, 84, 2, 2);
		/* Futures: 764 depthUpdate, 613 bookTicker, 91 aggTrade, 67 kline. */
		test_capture("BINANCE_FUTURES", "futures", 764, 613, 91, 67);
	}
	test_passes();
	buf_free(&out);
	return tap_done();
}
