/*
 * t_bybit: Bybit v5 messages to mkt events -- the exact events of real
 * order book, trade and control frames, the reason for each kind of bad
 * message (and that nothing is left in the buffer after one), and a pass
 * over every record of tests/data/cryptofeed/BYBIT.jsonl.zst, each
 * event read back by lib/event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue/bybit/bybit.h"
#include "venue/norm.h"
#include "event/event.h"
#include "base/json.h"
#include "tap.h"

/* The passes every test runs in: both, in turn (see main). */
static enum norm_mode mode = NORM_ONE_PASS;
#define normalize_in_mode(...) bybit_normalize_mode(__VA_ARGS__, mode)

static struct buf out;
static char why[256];

/* Normalize msg into out (reset first); the result, out NUL-ended. */
static int
norm(const char *msg, const char *market, int64_t recv)
{
	int r;

	buf_reset(&out);
	why[0] = '\0';
	r = normalize_in_mode(msg, strlen(msg), market, recv, &out, why,
	    sizeof why);
	buf_addc(&out, '\0');
	out.len--;
	return r;
}

/* msg gives exactly the events want (count of lines in want). */
static void
gives(const char *msg, const char *market, int64_t recv, const char *want,
    const char *name)
{
	int r = norm(msg, market, recv), lines = 0;
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
refused(const char *msg, const char *market, const char *want)
{
	static const char keep[] = "{\"type\":\"earlier\"}\n";
	int r;

	buf_reset(&out);
	buf_adds(&out, keep);
	why[0] = '\0';
	r = normalize_in_mode(msg, strlen(msg), market, 1, &out, why,
	    sizeof why);
	tap_ok(r == -1 && strcmp(why, want) == 0 &&
	    out.len == sizeof keep - 1 && memcmp(out.p, keep, out.len) == 0 &&
	    !buf_failed(&out), "refused: %s", want);
	if (r != -1 || strcmp(why, want) != 0)
		tap_diag("r %d, why '%s'", r, why);
}

/* ------------------------------------------------------------ real ones */

/*
 * The linear BTCUSDT snapshot of BYBIT.ws.2 (received 1786310819.7200031),
 * its 200 levels a side cut to two.
 */
#define LIN_SNAPSHOT "{\"topic\":\"orderbook.200.BTCUSDT\",\"type\":" \
	"\"snapshot\",\"ts\":1786310818129,\"data\":{\"s\":\"BTCUSDT\",\"b\":" \
	"[[\"65114.20\",\"6.054\"],[\"65114.10\",\"0.002\"]],\"a\":" \
	"[[\"65114.30\",\"10.486\"],[\"65115.40\",\"0.002\"]],\"u\":15076952," \
	"\"seq\":753843911359},\"cts\":1786310818027}"

/* The spot BTCUSDT delta of BYBIT.ws.3, whole: "ts" before "type". */
#define SPOT_DELTA "{\"topic\":\"orderbook.200.BTCUSDT\",\"ts\":" \
	"1786310816618," \
	"\"type\":\"delta\",\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"65140.4\"," \
	"\"0.875077\"]],\"a\":[[\"65154.6\",\"0.09948\"],[\"65154.7\"," \
	"\"0.123013\"],[\"65239\",\"0.155135\"],[\"65239.1\",\"0\"]],\"u\":" \
	"62505425,\"seq\":112488545865},\"cts\":1786310816585}"

/* Two linear ETHUSDT trades in one message (BYBIT.ws.2). */
#define LIN_TRADES "{\"topic\":\"publicTrade.ETHUSDT\",\"type\":\"snapshot\"," \
	"\"ts\":1786310820511,\"data\":[{\"T\":1786310820510,\"s\":\"ETHUSDT" \
	"\"," \
	"\"S\":\"Buy\",\"v\":\"0.02\",\"p\":\"1922.52\",\"L\":\"PlusTick\",\"" \
	"i\":" \
	"\"a519448f-56e5-58e6-90a1-004086e0e530\",\"BT\":false,\"RPI\":false," \
	"\"seq\":430879434767},{\"T\":1786310820510,\"s\":\"ETHUSDT\",\"S\":" \
	"\"Buy\",\"v\":\"0.01\",\"p\":\"1922.54\",\"L\":\"PlusTick\",\"i\":" \
	"\"031145f9-efdc-5dc3-a03d-5f01f40c6222\",\"BT\":false,\"RPI\":false," \
	"\"seq\":430879434767}]}"

/* A spot trade (BYBIT.ws.3): its id is a string of digits. */
#define SPOT_TRADE "{\"topic\":\"publicTrade.ETHUSDT\",\"ts\":1786310821917," \
	"\"type\":\"snapshot\",\"data\":[{\"i\":\"2280000001739247417\",\"T\"" \
	":" \
	"1786310821917,\"p\":\"1923.28\",\"v\":\"0.04537\",\"S\":\"Sell\"," \
	"\"seq\":178477362706,\"s\":\"ETHUSDT\",\"BT\":false,\"RPI\":false}]}"

#define HEAD(t, m, s) "{\"type\":\"" t "\",\"venue\":\"bybit\"," \
	"\"market\":\"" m "\",\"symbol\":\"" s "\","

static void
test_real(void)
{
	gives(LIN_SNAPSHOT, "linear", 1786310819720003,
	    HEAD("snapshot", "linear", "BTCUSDT") "\"time\":1786310818129,"
	    "\"recv\":1786310819720003,\"last_id\":15076952,"
	    "\"seq\":753843911359,\"bids\":[[65114.20,6.054],[65114.10,0.002]],"
	    "\"asks\":[[65114.30,10.486],[65115.40,0.002]]}\n",
	    "orderbook snapshot");
	gives(SPOT_DELTA, "spot", 1786310819565688,
	    HEAD("depth", "spot", "BTCUSDT") "\"time\":1786310816618,"
	    "\"recv\":1786310819565688,\"first_id\":62505425,"
	    "\"last_id\":62505425,\"seq\":112488545865,"
	    "\"bids\":[[65140.4,0.875077]],\"asks\":[[65154.6,0.09948],"
	    "[65154.7,0.123013],[65239,0.155135],[65239.1,0]]}\n",
	    "orderbook delta, spot key order");
	gives(SPOT_DELTA, "spot", -1,
	    HEAD("depth", "spot", "BTCUSDT") "\"time\":1786310816618,"
	    "\"first_id\":62505425,"
	    "\"last_id\":62505425,\"seq\":112488545865,"
	    "\"bids\":[[65140.4,0.875077]],\"asks\":[[65154.6,0.09948],"
	    "[65154.7,0.123013],[65239,0.155135],[65239.1,0]]}\n",
	    "no recv when it is unknown");
	gives(LIN_TRADES, "linear", 1786310820620236,
	    HEAD("trade", "linear", "ETHUSDT") "\"time\":1786310820510,"
	    "\"recv\":1786310820620236,"
	    "\"id\":\"a519448f-56e5-58e6-90a1-004086e0e530\","
	    "\"price\":1922.52,\"qty\":0.02,\"side\":\"buy\"}\n"
	    HEAD("trade", "linear", "ETHUSDT") "\"time\":1786310820510,"
	    "\"recv\":1786310820620236,"
	    "\"id\":\"031145f9-efdc-5dc3-a03d-5f01f40c6222\","
	    "\"price\":1922.54,\"qty\":0.01,\"side\":\"buy\"}\n",
	    "publicTrade: one trade event per item");
	gives(SPOT_TRADE, "spot", 1786310822027964,
	    HEAD("trade", "spot", "ETHUSDT") "\"time\":1786310821917,"
	    "\"recv\":1786310822027964,\"id\":\"2280000001739247417\","
	    "\"price\":1923.28,\"qty\":0.04537,\"side\":\"sell\"}\n",
	    "publicTrade, spot: the id stays a string");
	gives("{\"topic\":\"publicTrade.X\",\"type\":\"snapshot\",\"ts\":1,"
	    "\"data\":[{\"T\":1,\"s\":\"X\",\"S\":\"Sell\",\"v\":\"1\",\"p\":\""
	    "2\","
	    "\"i\":\"a\\\"b\\\\c\\u0001\"}]}", "linear", -1,
	    HEAD("trade", "linear", "X") "\"time\":1,"
	    "\"id\":\"a\\\"b\\\\c\\u0001\",\"price\":2,\"qty\":1,"
	    "\"side\":\"sell\"}\n", "a trade id is decoded and re-escaped");
	gives("{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"s\":\"BTCUSDT\","
	    "\"a\":[[\"65114.30\",\"10.470\"]],\"b\":[[\"65114.20\",\"5.954\"]]"
	    ","
	    "\"ts\":1786310817883,\"u\":15076950,\"seq\":753843907770,\"cts\":"
	    "1786310817880},\"retExtInfo\":{},\"time\":1786310817890}",
	    "linear", 1786310817900000,
	    HEAD("snapshot", "linear", "BTCUSDT") "\"time\":1786310817883,"
	    "\"recv\":1786310817900000,\"last_id\":15076950,"
	    "\"seq\":753843907770,\"bids\":[[65114.20,5.954]],"
	    "\"asks\":[[65114.30,10.470]]}\n", "REST orderbook reply");
	gives("{\"topic\":\"orderbook.50.ETHUSDT\",\"type\":\"delta\",\"ts\":7,"
	    "\"data\":{\"s\":\"ETHUSDT\",\"b\":[],\"a\":[],\"u\":9}}",
	    "inverse",
	    -1, HEAD("depth", "inverse", "ETHUSDT") "\"time\":7,"
	    "\"first_id\":9,\"last_id\":9,\"bids\":[],\"asks\":[]}\n",
	    "no seq: none written");
}

static void
test_no_events(void)
{
	gives("{\"success\":true,\"ret_msg\":\"pong\",\"conn_id\":"
	    "\"d8bu1olkndm7crnfs1e0-j6akw\",\"req_id\":\"100001\",\"op\":"
	    "\"ping\"}", "linear", 1, "", "pong, spot/linear shape");
	gives("{\"req_id\":\"100001\",\"op\":\"pong\",\"args\":"
	    "[\"1786310819000\"],\"conn_id\":\"x\"}", "linear", 1, "",
	    "pong, option/private shape");
	gives("{\"success\":true,\"ret_msg\":\"\",\"conn_id\":"
	    "\"d8bu1olkndm7crnfs1e0-j6akw\",\"req_id\":\"\",\"op\":"
	    "\"subscribe\"}", "linear", 1, "", "subscribe reply, linear");
	gives("{\"success\":true,\"ret_msg\":\"subscribe\",\"conn_id\":"
	    "\"d9avt8shteepr00gfc1g-4zd1x\",\"op\":\"subscribe\"}", "spot", 1,
	    "",
	    "subscribe reply, spot");
	gives("{\"topic\":\"tickers.BTCUSDT\",\"type\":\"delta\",\"data\":"
	    "{\"symbol\":\"BTCUSDT\",\"bid1Price\":\"65114.20\",\"bid1Size\":"
	    "\"6.054\",\"ask1Price\":\"65114.30\",\"ask1Size\":\"10.486\"},"
	    "\"cs\":753843907770,\"ts\":1786310817883}", "linear", 1, "",
	    "tickers: no event");
	gives("{\"type\":\"snapshot\",\"topic\":\"kline.1.BTCUSDT\",\"data\":"
	    "[{\"start\":1786310760000,\"end\":1786310819999,\"interval\":\"1\""
	    ","
	    "\"open\":\"65140.4\",\"close\":\"65140.5\",\"confirm\":false}],"
	    "\"ts\":1786310816562}", "spot", 1, "", "kline: no event");
	gives("{\"retCode\":0,\"retMsg\":\"OK\",\"result\":{\"category\":"
	    "\"linear\",\"list\":[]},\"retExtInfo\":{},\"time\":1}", "linear",
	    1,
	    "", "another REST reply: no event");
	gives("{\"topic\":\"publicTrade.X\",\"type\":\"snapshot\",\"ts\":1,"
	    "\"data\":[]}", "linear", 1, "", "no trades: no event");
}

/* An orderbook delta with its data's members `part`. */
#define OB(part) "{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\"," \
	"\"ts\":5,\"data\":{" part "}}"
/* A publicTrade message with one item `item` after a good one. */
#define TR(item) "{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\"," \
	"\"ts\":5,\"data\":[{\"T\":1,\"s\":\"BTCUSDT\",\"S\":\"Buy\",\"v\":\"" \
	"1\"," \
	"\"p\":\"2\",\"i\":\"x\"},{" item "}]}"
#define TRITEM "\"T\":1,\"s\":\"BTCUSDT\",\"v\":\"1\",\"p\":\"2\""

static void
test_bad(void)
{
	size_t k, n, bad;

	refused(OB("\"s\":\"BTCUSDT\",\"b\":[],\"a\":[]"), "linear",
	    "orderbook.50.BTCUSDT: missing field 'u'");
	refused(OB("\"s\":\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":\"12a\""),
	    "linear",
	    "orderbook.50.BTCUSDT: field 'u' is not an integer");
	refused(OB("\"s\":\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":1,\"seq\":-4"),
	    "linear", "orderbook.50.BTCUSDT: field 'seq' is negative");
	refused(OB("\"b\":[],\"a\":[],\"u\":1"), "linear",
	    "orderbook.50.BTCUSDT: missing field 's'");
	refused(OB("\"s\":\"BTCUSDT\",\"b\":[[\"1\",\"2\"]],\"u\":1"), "linear",
	    "orderbook.50.BTCUSDT: missing field 'a'");
	refused(OB("\"s\":\"BTCUSDT\",\"b\":[[\"1\",\"2\"]],\"a\":\"\","
	    "\"u\":1"),
	    "linear", "orderbook.50.BTCUSDT: field 'a' is not an array");
	refused(OB("\"s\":\"BTCUSDT\",\"b\":[[\"1\",\"2\"],[\"1\",\"2\"],"
	    "[\"1\",\"2\"],[\"65k\",\"2\"]],\"a\":[],\"u\":1"), "linear",
	    "orderbook.50.BTCUSDT: b[3]: price: not a decimal number");
	refused(OB("\"s\":\"BTCUSDT\",\"b\":[],\"a\":[[\"1\","
	    "\"1234567890123456789012345678901234567890\"]],\"u\":1"), "linear",
	    "orderbook.50.BTCUSDT: a[0]: quantity: number out of range");
	refused(OB("\"s\":\"BTCUSDT\",\"b\":[],\"a\":[[\"1\",\"2\",\"3\"]],"
	    "\"u\":1"), "linear",
	    "orderbook.50.BTCUSDT: a[0]: not a [price, size] pair");
	refused("{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"partial\","
	    "\"ts\":5,\"data\":{}}", "linear",
	    "orderbook.50.BTCUSDT: unknown type 'partial'");
	refused("{\"topic\":\"orderbook.50.BTCUSDT\",\"ts\":5,\"data\":{}}",
	    "linear", "orderbook.50.BTCUSDT: missing field 'type'");
	refused("{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\","
	    "\"data\":{}}", "linear",
	    "orderbook.50.BTCUSDT: missing field 'ts'");
	refused("{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\","
	    "\"ts\":1,\"data\":[]}", "linear",
	    "orderbook.50.BTCUSDT: field 'data' is not an object");
	refused("{\"topic\":7}", "linear", "field 'topic' is not a string");
	/* The first trade was good: it must not stay behind either. */
	refused(TR(TRITEM ",\"S\":\"Buy\""), "linear",
	    "publicTrade.BTCUSDT: data[1]: missing field 'i'");
	refused(TR(TRITEM ",\"S\":\"buy\",\"i\":\"y\""), "linear",
	    "publicTrade.BTCUSDT: data[1]: "
	    "field 'S' is neither \"Buy\" nor \"Sell\"");
	refused(TR(TRITEM ",\"S\":\"Buy\",\"i\":5"), "linear",
	    "publicTrade.BTCUSDT: data[1]: field 'i' is not a string");
	refused(TR(TRITEM ",\"S\":\"Buy\",\"i\":\"\""), "linear",
	    "publicTrade.BTCUSDT: data[1]: field 'i' is not a trade id");
	refused(TR("\"T\":1,\"s\":\"BTCUSDT\",\"v\":\"1\",\"p\":\"2.\","
	    "\"S\":\"Buy\",\"i\":\"y\""), "linear",
	    "publicTrade.BTCUSDT: data[1]: field 'p': not a decimal number");
	refused(TR("\"T\":1,\"s\":\"BTCUSDT\",\"v\":"
	    "\"0.0000000000000000000000000000000000001\",\"p\":\"2\","
	    "\"S\":\"Buy\",\"i\":\"y\""), "linear",
	    "publicTrade.BTCUSDT: data[1]: field 'v': number out of range");
	refused("{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\","
	    "\"ts\":5,\"data\":[{\"T\":1},7]}", "linear",
	    "publicTrade.BTCUSDT: data[0]: missing field 's'");
	refused("{\"topic\":\"publicTrade.BTCUSDT\",\"type\":\"snapshot\","
	    "\"ts\":5,\"data\":[7]}", "linear",
	    "publicTrade.BTCUSDT: data[0]: field 'data' is not an object");
	refused("{\"topic\":\"publicTrade.BTCUSDT\",\"data\":{}}", "linear",
	    "publicTrade.BTCUSDT: field 'data' is not an array");
	refused("{\"success\":false,\"ret_msg\":\"error:handler not found,"
	    "topic:orderbook.200.FOOUSDT\",\"conn_id\":\"x\",\"req_id\":\"\","
	    "\"op\":\"subscribe\"}", "linear", "subscribe failed: "
	    "error:handler not found,topic:orderbook.200.FOOUSDT");
	refused("{\"success\":false,\"ret_msg\":\"bad\"}", "spot",
	    "failed: bad");
	refused("{\"retCode\":10001,\"retMsg\":\"Illegal category\",\"result\":"
	    "{},\"retExtInfo\":{},\"time\":1}", "linear",
	    "bybit error 10001: Illegal category");
	refused("{\"retCode\":\"0\",\"result\":5}", "linear",
	    "orderbook reply: field 'result' is not an object");
	refused("{\"retCode\":0}", "linear",
	    "orderbook reply: missing field 'result'");
	refused("{\"retCode\":null}", "linear",
	    "field 'retCode' is not an integer");
	refused("{\"retCode\":0,\"result\":{\"s\":\"X\",\"b\":[],\"a\":[],"
	    "\"u\":1}}", "linear", "orderbook reply: missing field 'ts'");
	refused(SPOT_DELTA, "futures", "unknown market 'futures'");
	refused(SPOT_DELTA, NULL, "unknown market '(null)'");

	/* Truncated at every length: never an event, never a crash. */
	n = strlen(LIN_TRADES);
	for (bad = 0, k = 0; k < n; k++) {
		buf_reset(&out);
		if (normalize_in_mode(LIN_TRADES, k, "linear", 1, &out, why,
		    sizeof why) != -1 || out.len != 0)
			bad++;
	}
	tap_eq_i(bad, 0, "every truncation of a frame is refused");
	tap_ok(norm("{\"topic\":", "linear", 1) == -1 &&
	    strncmp(why, "invalid JSON at byte 9: ", 24) == 0,
	    "truncated: %s", why);
}

static void
test_buffer_full(void)
{
	struct buf small;
	int r;

	buf_init(&small, 300);
	buf_adds(&small, "0123456789");
	/* The first trade fits, the second does not. */
	r = normalize_in_mode(LIN_TRADES, strlen(LIN_TRADES), "linear", 1,
	    &small, why, sizeof why);
	tap_eq_i(r, -1, "a full buffer is an error");
	tap_eq_s(why, "event too large for the output buffer",
	    "a full buffer: reason");
	tap_ok(small.len == 10 && !buf_failed(&small) &&
	    memcmp(small.p, "0123456789", 10) == 0,
	    "a full buffer: rolled back, not failed");
	buf_free(&small);
}

/* --------------------------------------------------- the real capture */

struct tally {
	long records, frames, ignored, errors, bad_events, http;
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

/* A JSON number of seconds ("1786310819.7200031") to µs, truncated. */
static int64_t
secs_to_us(const struct json_span *s)
{
	const char *p = s->p, *end = s->p + s->n;
	int64_t sec = 0, us = 0;
	int k = 0;

	for (; p < end && *p >= '0' && *p <= '9'; p++)
		sec = sec * 10 + (*p - '0');
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			if (k < 6) {
				us = us * 10 + (*p - '0');
				k++;
			}
	for (; k < 6; k++)
		us *= 10;
	return sec * 1000000 + us;
}

/* Which connection is which market: the connect records say. */
struct conns {
	int n;
	char name[8][32];
	char market[8][16];
};

static const char *
conn_market(const struct conns *c, const struct json_span *conn)
{
	char name[32];
	int i;

	if (!conn || json_str_copy(conn, name, sizeof name) < 0)
		return NULL;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return c->market[i];
	return NULL;
}

static void
conn_add(struct conns *c, const struct json_obj *rec)
{
	char addr[256];
	const struct json_span *conn = json_get(rec, "conn");
	const struct json_span *a = json_get(rec, "addr");
	const char *slash;

	if (c->n == 8 || !conn || !a ||
	    json_str_copy(conn, c->name[c->n], sizeof c->name[0]) < 0 ||
	    json_str_copy(a, addr, sizeof addr) < 0)
		return;
	slash = strrchr(addr, '/');
	slash = slash ? slash + 1 : addr;
	if (strlen(slash) >= sizeof c->market[0])
		return;
	strcpy(c->market[c->n], slash);
	c->n++;
}

static void
feed(struct tally *t, const char *msg, size_t n, const char *market,
    int64_t recv)
{
	int r;

	buf_reset(&out);
	r = normalize_in_mode(msg, n, market, recv, &out, why, sizeof why);
	t->frames++;
	if (r < 0) {
		if (t->errors++ < 3)
			tap_diag("refused: %s", why);
		return;
	}
	if (r == 0)
		t->ignored++;
	else
		check_events(t, r);
}

/* One record of the capture. */
static void
record(struct tally *t, struct conns *c, const char *line, size_t n)
{
	static struct json_obj rec;
	const struct json_span *type, *data;
	const char *reason, *market;
	char *frame;
	size_t at;
	int k;

	t->records++;
	if (json_parse_object(line, n, &rec, &reason, &at) < 0) {
		t->errors++;
		tap_diag("record %ld: %s", t->records, reason);
		return;
	}
	type = json_get(&rec, "t");
	if (json_str_is(type, "connect")) {
		conn_add(c, &rec);
		return;
	}
	data = json_get(&rec, "data");
	if (!data || !(json_str_is(type, "recv") || json_str_is(type, "http")))
		return;
	/* An instruments-info reply: category=linear or category=spot. */
	if (json_str_is(type, "http")) {
		const struct json_span *url = json_get(&rec, "url");

		market = url && memmem(url->p, url->n, "category=spot", 13) ?
		    "spot" : "linear";
		t->http++;
	} else {
		market = conn_market(c, json_get(&rec, "conn"));
	}
	frame = malloc(data->n + 1);
	k = frame ? json_str_copy(data, frame, data->n + 1) : -1;
	if (!market || k < 0) {
		t->errors++;
		tap_diag("record %ld: no market or no frame", t->records);
	} else {
		feed(t, frame, (size_t)k, market,
		    secs_to_us(json_get(&rec, "ts")));
	}
	free(frame);
}

static void
test_capture(void)
{
	const char *top = getenv("TOP");
	char cmd[4200];
	struct tally t;
	struct conns c;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	memset(&t, 0, sizeof t);
	memset(&c, 0, sizeof c);
	snprintf(cmd, sizeof cmd, "zstd -dc '%s/tests/data/cryptofeed/"
	    "BYBIT.jsonl.zst'", top && *top ? top : ".");
	f = popen(cmd, "r");
	while (f && (n = getline(&line, &cap, f)) > 0)
		record(&t, &c, line, (size_t)n);
	free(line);
	tap_ok(f && pclose(f) == 0, "capture: %s", cmd);
	tap_eq_i(t.records, 3256, "capture: records");
	tap_eq_i(c.n, 2, "capture: two connections (linear, spot)");
	tap_eq_i(t.errors, 0, "capture: no frame refused");
	tap_eq_i(t.bad_events, 0, "capture: every event reads back");
	tap_eq_i(t.n[EV_SNAPSHOT], 6, "capture: snapshots (6 books)");
	tap_eq_i(t.n[EV_DEPTH], 2142, "capture: depth events");
	tap_eq_i(t.n[EV_TRADE], 347, "capture: trades");
	/* 24 subscribe replies, 839 tickers, 96 klines, 2 REST replies. */
	tap_eq_i(t.ignored, 961, "capture: frames without events");
	tap_eq_i(t.http, 2, "capture: REST replies");
	tap_diag("BYBIT: %ld frames", t.frames);
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
	"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,"
	    "\"data\":{\"s\":\"BTCUSDT\",\"b\":[ [\"1.0\",\"2\"]],\"a\":[],"
	    "\"u\":2,\"seq\":3}}",
	"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,"
	    "\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"1e1\",\"2\"]],\"a\":[],"
	    "\"u\":2}}",
	"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"snapshot\",\"ts\":1,"
	    "\"data\":{\"s\":\"BTCUSDT\",\"b\":[[\"0\",\"2\"]],\"a\":[],"
	    "\"u\":2}}",
	/* Invalid JSON where only the fast pass's lazy scan looks. */
	"{\"topic\":\"orderbook.50.BTCUSDT\",\"type\":\"delta\",\"ts\":1,"
	    "\"data\":{\"s\":\"BTCUSDT\",\"b\":[],\"a\":[],\"u\":2,"
	    "\"x\":[1,]}}",
	"{\"topic\":\"publicTrade.BTCUSDT\",\"ts\":1,\"data\":[{\"s\":"
	    "\"BTCUSDT\",\"T\":1,\"i\":\"a\",\"S\":\"Buy\",\"p\":\"1\",\"v\":"
	    "\"2\"},{]}",
	"{\"topic\":\"publicTrade.BTCUSDT\",\"ts\":1,\"data\":[{\"s\":"
	    "\"BTCUSDT\",\"T\":1,\"i\":\"a\",\"S\":\"Buy\",\"p\":\"1\",\"v\":"
	    "\"2\"}],\"y\":[nul]}",
	"{\"retCode\":0,\"result\":{\"s\":\"X\",\"b\":[[\"1\",\"2\"]],\"a\":[],"
	    "\"ts\":1,\"u\":2},\"x\":[1 2]}",
	"{\"topic\":\"orderbook.1.X\",\"type\":\"delta\",\"ts\":1,\"data\":{"
	    "\"s\":\"X\",\"b\":[],\"a\":[],\"u\":2},\"data\":{\"s\":\"Y\"}}",
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
		ra = bybit_normalize_mode(msg, n, "linear", 1700000000000000,
		    &a, wa, sizeof wa, NORM_ONE_PASS);
		rb = bybit_normalize_mode(msg, n, "linear", 1700000000000000,
		    &b, wb, sizeof wb, NORM_PLAIN);
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
		test_no_events();
		test_bad();
		test_buffer_full();
		test_capture();
	}
	test_passes();
	buf_free(&out);
	return tap_done();
}
