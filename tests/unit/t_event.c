/*
 * t_event: reading events -- each type's fields, the exact reasons given
 * for bad ones, and decoding level arrays into exact numbers.
 */
#include <stdio.h>
#include <string.h>

#include "event/event.h"
#include "event/tevent.h"
#include "tap.h"

#define HEAD "\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":\"BTCUSDT\""

/* An unknown type with fields that would be wrong for a known one. */
#define LIT_OTHER "{\"type\":\"fill\",\"bids\":1,\"last_id\":\"x\"}"

static struct event ev;
static char why[256];
static struct levels lv;

/* event_parse, then event_fields as the programs do. */
static int
parse(const char *line)
{
	why[0] = '\0';
	if (event_parse(line, strlen(line), &ev, why, sizeof why) < 0)
		return -1;
	return event_fields(&ev, why, sizeof why);
}

/* line parses as type t. */
static void
parses(const char *line, enum ev_type t, const char *name)
{
	int r = parse(line);

	tap_ok(r == 0 && ev.type == t, "parse %s", name);
	if (r != 0 || ev.type != t)
		tap_diag("r %d, type %d, why '%s'", r, ev.type, why);
}

/* line is refused with exactly the reason want. */
static void
refused(const char *line, const char *want)
{
	int r = parse(line);

	tap_ok(r == -1 && strcmp(why, want) == 0, "refused: %s", want);
	if (r != -1 || strcmp(why, want) != 0)
		tap_diag("r %d, why '%s', line %s", r, why, line);
}

static const char *
span(const struct json_span *s)
{
	static char t[256];
	size_t n;

	if (!s)
		return "(null)";
	n = s->n < sizeof t - 1 ? s->n : sizeof t - 1;
	memcpy(t, s->p, n);
	t[n] = '\0';
	return t;
}

static const char *
fmt(struct fx v)
{
	static char s[2][FX_BUFSZ + 1];
	static int k;
	char *e;

	k ^= 1;
	e = fx_format(v, s[k]);
	*e = '\0';
	return s[k];
}

static void
test_types(void)
{
	parses("{\"type\":\"snapshot\"," HEAD ",\"time\":1700000000000,"
	    "\"recv\":1700000000000123,\"last_id\":100,"
	    "\"bids\":[[\"100.5\",\"1.25\"],[100.4,2]],"
	    "\"asks\":[[\"100.6\",\"0.5\"]]}", EV_SNAPSHOT, "snapshot");
	tap_eq_i(ev.has, EV_HAS_TIME | EV_HAS_RECV | EV_HAS_LAST_ID,
	    "snapshot: has time, recv, last_id");
	tap_eq_i(ev.time, 1700000000000LL, "snapshot: time");
	tap_eq_i(ev.recv, 1700000000000123LL, "snapshot: recv");
	tap_eq_i(ev.last_id, 100, "snapshot: last_id");
	tap_eq_s(span(ev.venue), "binance", "snapshot: venue");
	tap_eq_s(span(ev.market), "spot", "snapshot: market");
	tap_eq_s(span(ev.symbol), "BTCUSDT", "snapshot: symbol");
	tap_eq_s(span(ev.bids), "[[\"100.5\",\"1.25\"],[100.4,2]]",
	    "snapshot: bids span");
	tap_eq_s(span(ev.asks), "[[\"100.6\",\"0.5\"]]", "snapshot: asks span");

	parses("{\"type\":\"depth\"," HEAD ",\"time\":5,\"first_id\":101,"
	    "\"last_id\":105,\"prev_id\":100,\"bids\":[],\"asks\":[[1,0]]}",
	    EV_DEPTH, "depth with first_id and prev_id");
	tap_ok(ev.first_id == 101 && ev.last_id == 105 && ev.prev_id == 100 &&
	    ev.has == (EV_HAS_TIME | EV_HAS_FIRST_ID | EV_HAS_LAST_ID |
	    EV_HAS_PREV_ID), "depth: ids and flags");

	parses("{\"type\":\"depth\"," HEAD ",\"last_id\":7,\"bids\":[],"
	    "\"asks\":[]}", EV_DEPTH, "depth without first_id");
	tap_ok(ev.first_id == 7 && ev.last_id == 7 &&
	    (ev.has & EV_HAS_FIRST_ID) && !(ev.has & EV_HAS_PREV_ID) &&
	    !(ev.has & EV_HAS_TIME), "depth: first_id = last_id, no prev_id");
	parses("{\"type\":\"depth\"," HEAD ",\"first_id\":null,\"last_id\":7,"
	    "\"prev_id\":null,\"bids\":[],\"asks\":[]}", EV_DEPTH,
	    "depth with null ids");
	tap_ok(ev.first_id == 7 && !(ev.has & EV_HAS_PREV_ID),
	    "depth: null ids are absent");
	parses("{\"type\":\"depth\"," HEAD ",\"first_id\":7,\"last_id\":7,"
	    "\"bids\":[],\"asks\":[]}", EV_DEPTH, "depth first_id == last_id");
	refused("{\"type\":\"depth\"," HEAD ",\"first_id\":10,\"last_id\":5,"
	    "\"bids\":[],\"asks\":[]}", "first_id 10 after last_id 5");

	parses("{\"type\":\"ticker\"," HEAD ",\"bid\":\"100.50\","
	    "\"bid_qty\":1.5,\"ask\":100.6,\"ask_qty\":\"0.35210000\","
	    "\"last_id\":42}", EV_TICKER, "ticker");
	tap_ok(strcmp(fmt(ev.bid), "100.5") == 0 && ev.bid.s == 2 &&
	    strcmp(fmt(ev.bid_qty), "1.5") == 0 &&
	    strcmp(fmt(ev.ask), "100.6") == 0 &&
	    strcmp(fmt(ev.ask_qty), "0.3521") == 0 && ev.ask_qty.s == 8,
	    "ticker: exact prices and quantities");
	tap_ok(ev.last_id == 42 && (ev.has & EV_HAS_LAST_ID),
	    "ticker: last_id");
	parses("{\"type\":\"ticker\"," HEAD ",\"bid\":1,\"bid_qty\":1,"
	    "\"ask\":2,\"ask_qty\":1}", EV_TICKER, "ticker without last_id");
	tap_ok(!(ev.has & EV_HAS_LAST_ID), "ticker: no last_id flag");

	parses("{\"type\":\"book\"," HEAD ",\"bids\":[],\"asks\":[]}", EV_BOOK,
	    "book without last_id");
	tap_ok(!(ev.has & EV_HAS_LAST_ID), "book: no last_id flag");
	parses("{\"type\":\"book\"," HEAD ",\"last_id\":9,\"bids\":[[1,1]],"
	    "\"asks\":[[2,1]]}", EV_BOOK, "book");
	tap_eq_i(ev.last_id, 9, "book: last_id");

	parses("{\"type\":\"bands\"," HEAD ",\"time\":1,\"bands\":[]}",
	    EV_BANDS, "bands");
	parses("{\"type\":\"trade\"}", EV_TRADE, "trade (fields not checked)");
	parses("{\"type\":\"status\",\"state\":\"invalid\"}", EV_STATUS,
	    "status");
	parses("{\"type\":\"imbalance\"}", EV_IMBALANCE, "imbalance");
	parses("{\"type\":\"whatever\",\"x\":[1,{}]}", EV_OTHER,
	    "unknown type passes");
	parses("{\"type\":\"\"}", EV_OTHER, "empty type passes");
	parses("{\"type\":\"Snapshot\"}", EV_OTHER, "type is case-sensitive");
	parses("{\"type\":\"snap\\u0073hot\"}", EV_OTHER,
	    "escaped type is not a known type");
	parses("{\"type\":\"snapshot\",\"type\":\"foo\"}", EV_OTHER,
	    "last type wins");
	parses("{\"last_id\":1,\"type\":\"depth\"," HEAD ",\"bids\":[],"
	    "\"asks\":[]}", EV_DEPTH, "field order does not matter");
}

static void
test_reasons(void)
{
	refused("", "empty line");
	refused("  ", "invalid JSON at byte 1: empty line");
	refused("{\"type\":}", "invalid JSON at byte 9: unexpected character");
	refused("[1]", "invalid JSON at byte 1: not a JSON object");
	refused("{\"type\":\"depth\"} x",
	    "invalid JSON at byte 18: trailing bytes after the object");
	refused("{}", "missing field 'type'");
	refused("{\"typ\":\"depth\"}", "missing field 'type'");
	refused("{\"type\":1}", "field 'type' is not a string");
	refused("{\"type\":null}", "field 'type' is not a string");

	refused("{\"type\":\"snapshot\",\"market\":\"spot\",\"symbol\":\"X\","
	    "\"last_id\":1,\"bids\":[],\"asks\":[]}", "missing field 'venue'");
	refused("{\"type\":\"snapshot\",\"venue\":\"binance\",\"symbol\":\"X\","
	    "\"last_id\":1,\"bids\":[],\"asks\":[]}", "missing field 'market'");
	refused("{\"type\":\"depth\",\"venue\":\"binance\",\"market\":\"spot\","
	    "\"last_id\":1,\"bids\":[],\"asks\":[]}", "missing field 'symbol'");
	refused("{\"type\":\"snapshot\",\"venue\":1,\"market\":\"spot\","
	    "\"symbol\":\"X\",\"last_id\":1,\"bids\":[],\"asks\":[]}",
	    "field 'venue' is not a plain string");
	refused("{\"type\":\"snapshot\",\"venue\":\"\",\"market\":\"spot\","
	    "\"symbol\":\"X\",\"last_id\":1,\"bids\":[],\"asks\":[]}",
	    "field 'venue' is not a plain string");
	refused("{\"type\":\"snapshot\",\"venue\":\"b\\u0069nance\","
	    "\"market\":\"spot\",\"symbol\":\"X\",\"last_id\":1,\"bids\":[],"
	    "\"asks\":[]}", "field 'venue' is not a plain string");
	refused("{\"type\":\"snapshot\"," HEAD ",\"last_id\":1,\"asks\":[]}",
	    "missing field 'bids'");
	refused("{\"type\":\"snapshot\"," HEAD ",\"last_id\":1,\"bids\":[]}",
	    "missing field 'asks'");
	refused("{\"type\":\"snapshot\"," HEAD ",\"last_id\":1,\"bids\":{},"
	    "\"asks\":[]}", "field 'bids' is not an array");
	refused("{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":[],"
	    "\"asks\":\"[]\"}", "field 'asks' is not an array");
	refused("{\"type\":\"snapshot\"," HEAD ",\"bids\":[],\"asks\":[]}",
	    "missing field 'last_id'");
	refused("{\"type\":\"snapshot\"," HEAD ",\"last_id\":null,"
	    "\"bids\":[],\"asks\":[]}", "missing field 'last_id'");
	refused("{\"type\":\"depth\"," HEAD ",\"bids\":[],\"asks\":[]}",
	    "missing field 'last_id'");
	refused("{\"type\":\"snapshot\"," HEAD ",\"last_id\":1.5,\"bids\":[],"
	    "\"asks\":[]}", "field 'last_id' is not an integer");
	refused("{\"type\":\"snapshot\"," HEAD ",\"last_id\":\"x\","
	    "\"bids\":[],\"asks\":[]}", "field 'last_id' is not an integer");
	refused("{\"type\":\"snapshot\"," HEAD ",\"last_id\":"
	    "9223372036854775808,\"bids\":[],\"asks\":[]}",
	    "field 'last_id' is not an integer");
	refused("{\"type\":\"depth\"," HEAD ",\"time\":1e3,\"last_id\":1,"
	    "\"bids\":[],\"asks\":[]}", "field 'time' is not an integer");
	refused("{\"type\":\"depth\"," HEAD ",\"recv\":true,\"last_id\":1,"
	    "\"bids\":[],\"asks\":[]}", "field 'recv' is not an integer");
	refused("{\"type\":\"depth\"," HEAD ",\"first_id\":\"a\","
	    "\"last_id\":1,\"bids\":[],\"asks\":[]}",
	    "field 'first_id' is not an integer");
	refused("{\"type\":\"depth\"," HEAD ",\"prev_id\":-1.5,"
	    "\"last_id\":1,\"bids\":[],\"asks\":[]}",
	    "field 'prev_id' is not an integer");
	refused("{\"type\":\"bands\",\"venue\":\"binance\","
	    "\"market\":\"spot\"}",
	    "missing field 'symbol'");

	/* last_id as a numeric string is accepted. */
	parses("{\"type\":\"snapshot\"," HEAD ",\"last_id\":\"12\","
	    "\"bids\":[],\"asks\":[]}", EV_SNAPSHOT, "last_id as a string");
	tap_eq_i(ev.last_id, 12, "last_id string value");

	refused("{\"type\":\"ticker\"," HEAD ",\"bid\":1,\"ask\":2,"
	    "\"ask_qty\":1}", "missing field 'bid_qty'");
	parses("{\"type\":\"ticker\"," HEAD ",\"bid\":\"0.48\","
	    "\"ask\":\"0.52\"}", EV_TICKER, "a ticker of prices only");
	tap_ok(!(ev.has & EV_HAS_TOP_QTY), "prices only: no sizes");
	parses("{\"type\":\"ticker\"," HEAD ",\"bid\":1,\"bid_qty\":2,"
	    "\"ask\":3,\"ask_qty\":4}", EV_TICKER, "a ticker with sizes");
	tap_ok(ev.has & EV_HAS_TOP_QTY, "with sizes: both");
	refused("{\"type\":\"ticker\"," HEAD ",\"bid_qty\":1,\"ask\":2,"
	    "\"ask_qty\":1}", "missing field 'bid'");
	refused("{\"type\":\"ticker\"," HEAD ",\"bid\":true,\"bid_qty\":1,"
	    "\"ask\":2,\"ask_qty\":1}", "field 'bid' is not a number");
	refused("{\"type\":\"ticker\"," HEAD ",\"bid\":\"abc\",\"bid_qty\":1,"
	    "\"ask\":2,\"ask_qty\":1}", "field 'bid': not a number");
	refused("{\"type\":\"ticker\"," HEAD ",\"bid\":1,\"bid_qty\":1,"
	    "\"ask\":1234567890123456789012345678901234567890,\"ask_qty\":1}",
	    "field 'ask': number out of range");
	refused("{\"type\":\"ticker\"," HEAD ",\"bid\":1,\"bid_qty\":1,"
	    "\"ask\":2,\"ask_qty\":\"1\\u0030\"}",
	    "field 'ask_qty' is not a number");
}

/* event_parse only classifies; event_fields judges the fields. */
static void
test_split(void)
{
	static const char line[] = "{\"type\":\"snapshot\",\"bids\":1}";
	int r;

	why[0] = '\0';
	r = event_parse(line, strlen(line), &ev, why, sizeof why);
	tap_ok(r == 0 && ev.type == EV_SNAPSHOT,
	    "event_parse alone accepts a snapshot without fields");
	r = event_fields(&ev, why, sizeof why);
	tap_ok(r == -1 && strcmp(why, "missing field 'venue'") == 0,
	    "event_fields then refuses it");
	r = event_parse(LIT_OTHER, strlen(LIT_OTHER), &ev, why, sizeof why);
	tap_ok(r == 0 && ev.type == EV_OTHER &&
	    event_fields(&ev, why, sizeof why) == 0,
	    "event_fields accepts any unknown type");
}

#define DEPTH_CONSUMES (EV_BIT(EV_SNAPSHOT) | EV_BIT(EV_DEPTH))

/*
 * The line is refused somewhere on a consuming program's way: by
 * event_parse_for(), event_fields() or decoding the levels.
 */
static int
consumer_refuses(const char *line)
{
	static struct levels l;
	int r;

	why[0] = '\0';
	r = event_parse_for(line, strlen(line), &ev, DEPTH_CONSUMES, why,
	    sizeof why) < 0 || event_fields(&ev, why, sizeof why) < 0 ||
	    (ev.bids && event_levels(ev.bids, &l, "bids", why,
	    sizeof why) < 0) ||
	    (ev.asks && event_levels(ev.asks, &l, "asks", why,
	    sizeof why) < 0);
	levels_free(&l);
	return r;
}

/* A program consuming depth events validates their levels late. */
static void
test_consume(void)
{
	static const char bad_bids[] = "{\"type\":\"depth\"," HEAD
	    ",\"last_id\":1,\"bids\":[[1,x]],\"asks\":[]}";
	static const char bad_other[] = "{\"type\":\"x\",\"a\":[1,x]}";
	static const struct {
		const char *line, *name;
	} invalid[] = {
		{ "{\"type\":\"snapshot\"," HEAD ",\"last_id\":1,\"bids\":[],"
		    "\"asks\":[x],\"asks\":[]}",
		    "an invalid earlier duplicate of asks" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":[[1,x]],"
		    "\"asks\":[],\"bids\":[[1,2]]}",
		    "an invalid earlier duplicate of bids" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":13,\"bids\":[},"
		    "\"asks\":[]}", "bids [} closed by a brace" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":13,"
		    "\"bids\":[[1,2]},\"asks\":[]}",
		    "bids [[1,2]} closed by a brace" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":[[1,2],],"
		    "\"asks\":[]}", "trailing comma after a level" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":[[1,2]"
		    "[3,4]],\"asks\":[]}", "levels without a comma" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":[[1,2,]],"
		    "\"asks\":[]}", "trailing comma inside a level" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":[[1,2,"
		    "\"\x01\"]],\"asks\":[]}", "control character in an extra" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":"
		    "[[\"1\x01\",2]],\"asks\":[]}",
		    "control character in a price" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":[[1 2]],"
		    "\"asks\":[]}", "price and qty without a comma" },
		{ "{\"type\":\"depth\"," HEAD ",\"last_id\":1,\"bids\":[[01,2]],"
		    "\"asks\":[]}", "leading zero in a price" },
	};
	char line[1024];
	size_t i, n;
	int r;

	r = parse(bad_bids);
	tap_ok(r == -1 && strcmp(why, "invalid JSON at byte 93: unexpected "
	    "character") == 0, "event_parse checks every array");
	if (r != -1)
		tap_diag("why '%s'", why);
	why[0] = '\0';
	r = event_parse_for(bad_bids, strlen(bad_bids), &ev, DEPTH_CONSUMES,
	    why, sizeof why);
	tap_ok(r == 0 && ev.type == EV_DEPTH &&
	    event_fields(&ev, why, sizeof why) == 0,
	    "event_parse_for leaves consumed levels to event_levels");
	tap_ok(event_levels(ev.bids, &lv, "bids", why, sizeof why) == -1 &&
	    strcmp(why, "bids[0]: not a number") == 0,
	    "event_levels refuses them");
	r = event_parse_for(bad_other, strlen(bad_other), &ev, DEPTH_CONSUMES,
	    why, sizeof why);
	tap_ok(r == -1 && strcmp(why, "invalid JSON at byte 20: unexpected "
	    "character") == 0, "event_parse_for checks what it passes");
	snprintf(line, sizeof line, "{\"type\":\"book\"," HEAD
	    ",\"bids\":[[1,x]],\"asks\":[]}");
	r = event_parse_for(line, strlen(line), &ev, DEPTH_CONSUMES, why,
	    sizeof why);
	tap_ok(r == -1, "event_parse_for checks levels it does not consume");

	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		tap_ok(consumer_refuses(invalid[i].line),
		    "consumer refuses invalid JSON: %s", invalid[i].name);

	/* 65 containers deep inside a consumed level. */
	n = (size_t)snprintf(line, sizeof line, "{\"type\":\"depth\"," HEAD
	    ",\"last_id\":1,\"bids\":[[1,2,");
	for (i = 0; i < JSON_MAX_DEPTH - 2; i++)
		line[n++] = '[';
	for (i = 0; i < JSON_MAX_DEPTH - 2; i++)
		line[n++] = ']';
	snprintf(line + n, sizeof line - n, "]],\"asks\":[]}");
	tap_ok(parse(line) == -1, "%d containers deep: event_parse refuses",
	    JSON_MAX_DEPTH + 1);
	tap_ok(consumer_refuses(line), "%d containers deep: consumer refuses",
	    JSON_MAX_DEPTH + 1);
}

static int
levels(const char *arr, const char *field)
{
	char line[4096];

	snprintf(line, sizeof line, "{\"type\":\"depth\"," HEAD
	    ",\"last_id\":1,\"bids\":%s,\"asks\":[]}", arr);
	if (parse(line) < 0) {
		tap_diag("setup: %s", why);
		return -2;
	}
	why[0] = '\0';
	return event_levels(ev.bids, &lv, field, why, sizeof why);
}

static void
levels_bad(const char *arr, const char *want)
{
	int r = levels(arr, "bids");

	tap_ok(r == -1 && strcmp(why, want) == 0, "levels %s -> %s", arr, want);
	if (r != -1 || strcmp(why, want) != 0)
		tap_diag("r %d, why '%s'", r, why);
}

static void
test_levels(void)
{
	char big[8192];
	size_t n, i;
	int ok;

	tap_ok(levels("[[\"100.50\",\"1.25000\"],[100.4,2],[\"1e2\",0],"
	    "[\"0.00000001\",\"99999999999\"]]", "bids") == 0 && lv.n == 4,
	    "levels: strings and numbers");
	tap_ok(strcmp(fmt(lv.lv[0].px), "100.5") == 0 && lv.lv[0].px.s == 2 &&
	    strcmp(fmt(lv.lv[0].qty), "1.25") == 0 && lv.lv[0].qty.s == 5,
	    "levels: string price keeps its scale");
	tap_ok(strcmp(fmt(lv.lv[1].px), "100.4") == 0 &&
	    strcmp(fmt(lv.lv[1].qty), "2") == 0, "levels: number price");
	tap_ok(strcmp(fmt(lv.lv[2].px), "100") == 0 && lv.lv[2].qty.m == 0,
	    "levels: zero quantity kept (removal)");
	tap_ok(strcmp(fmt(lv.lv[3].px), "0.00000001") == 0 &&
	    strcmp(fmt(lv.lv[3].qty), "99999999999") == 0,
	    "levels: small price, large qty");

	tap_ok(levels("[]", "bids") == 0 && lv.n == 0, "levels: [] is empty");
	tap_ok(levels("[ [ 1 , 2 ] ]", "bids") == 0 && lv.n == 1 &&
	    lv.lv[0].px.m == 1, "levels: whitespace inside");
	tap_ok(levels("[[\"1\",\"2\",\"extra\",[3]]]", "bids") == 0 &&
	    lv.n == 1, "levels: extra fields in a level ignored");

	levels_bad("[[1,2],[1]]", "bids[1]: not a [price, qty] pair");
	levels_bad("[[1,2],3]", "bids[1]: not a [price, qty] pair");
	levels_bad("[\"1,2\"]", "bids[0]: not a [price, qty] pair");
	levels_bad("[[]]", "bids[0]: not a [price, qty] pair");
	levels_bad("[{\"p\":1,\"q\":2}]", "bids[0]: not a [price, qty] pair");
	levels_bad("[[1,2],[3,4],[5,-1]]", "bids[2]: negative quantity");
	levels_bad("[[\"1\",\"-0.001\"]]", "bids[0]: negative quantity");
	levels_bad("[[0,1]]", "bids[0]: price not positive");
	levels_bad("[[\"0.000\",1]]", "bids[0]: price not positive");
	levels_bad("[[-1,1]]", "bids[0]: price not positive");
	levels_bad("[[1234567890123456789012345678901234567890,1]]",
	    "bids[0]: number out of range");
	levels_bad("[[1,\"1234567890123456789012345678901234567890\"]]",
	    "bids[0]: number out of range");
	levels_bad("[[1,1e-40]]", "bids[0]: number out of range");
	levels_bad("[[\"abc\",1]]", "bids[0]: not a number");
	levels_bad("[[\"\",1]]", "bids[0]: not a number");
	levels_bad("[[\"1\",\"0x1\"]]", "bids[0]: not a number");
	levels_bad("[[true,1]]", "bids[0]: not a number");
	levels_bad("[[1,null]]", "bids[0]: not a number");
	levels_bad("[[[1],1]]", "bids[0]: not a number");
	tap_ok(levels("[[1,2],[0,1]]", "asks") == -1 &&
	    strcmp(why, "asks[1]: price not positive") == 0,
	    "levels: field name in the reason");

	/* Growth past the first allocation, and replacing the contents. */
	n = (size_t)snprintf(big, sizeof big, "[");
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		    "%s[%zu.%02zu,%zu]", i ? "," : "", 1000 - i, i % 100,
		    i + 1);
	snprintf(big + n, sizeof big - n, "]");
	ok = levels(big, "bids") == 0 && lv.n == 300;
	for (i = 0; ok && i < 300; i++)
		ok = lv.lv[i].qty.m == (fx_i128)(i + 1) &&
		    lv.lv[i].px.m == (fx_i128)((1000 - i) * 100 + i % 100);
	tap_ok(ok, "levels: 300 levels decoded in order");
	tap_ok(levels("[[5,6]]", "bids") == 0 && lv.n == 1 &&
	    lv.lv[0].px.m == 5, "levels: contents replaced");
	levels_free(&lv);
	tap_ok(lv.lv == NULL && lv.n == 0 && lv.cap == 0, "levels_free");
}

static void
test_decimal(void)
{
	struct fx v;

	(void)parse("{\"type\":\"x\",\"a\":\"1.50\",\"b\":2e-2,"
	    "\"c\":\"\\u0031\","
	    "\"d\":true,\"e\":\"1 \",\"f\":"
	    "123456789012345678901234567890123456789}");
	tap_ok(event_decimal(json_get(&ev.obj, "a"), &v) == FX_OK &&
	    v.m == 150 && v.s == 2, "event_decimal: numeric string");
	tap_ok(event_decimal(json_get(&ev.obj, "b"), &v) == FX_OK &&
	    v.m == 2 && v.s == 2, "event_decimal: number with exponent");
	tap_ok(event_decimal(json_get(&ev.obj, "c"), &v) == FX_SYNTAX,
	    "event_decimal: escaped string refused");
	tap_ok(event_decimal(json_get(&ev.obj, "d"), &v) == FX_SYNTAX,
	    "event_decimal: boolean refused");
	tap_ok(event_decimal(json_get(&ev.obj, "e"), &v) == FX_SYNTAX,
	    "event_decimal: trailing space refused");
	tap_ok(event_decimal(json_get(&ev.obj, "f"), &v) == FX_RANGE,
	    "event_decimal: 39 digits out of range");
}

#define ORDER "{\"type\":\"order\"," HEAD ",\"time\":5,\"id\":\"a1\"," \
	"\"client_id\":\"a1\",\"side\":\"buy\",\"kind\":\"limit\"," \
	"\"qty\":0.01,\"price\":\"100\",\"tif\":\"GTC\","
#define FILL "{\"type\":\"fill\"," HEAD ",\"time\":7,\"client_id\":\"a1\"," \
	"\"side\":\"sell\",\"price\":101.5,\"qty\":0.01,"

/* Order and fill events read back (a journal's replay). */
static void
test_trading_in(void)
{
	static struct tev_order_in o;
	static struct tev_fill_in f;
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ ORDER "\"status\":\"lost\"}",
		    "field 'status' is 'lost', not one of pending, new, ..." },
		{ ORDER "\"status\":\"new\",\"filled_qty\":-1}",
		    "field 'filled_qty' is below 0" },
		{ "{\"type\":\"order\"," HEAD ",\"time\":\"x\",\"id\":\"a\","
		    "\"client_id\":\"a\",\"side\":\"buy\",\"kind\":\"market\","
		    "\"qty\":1,\"status\":\"new\"}",
		    "field 'time' is not a time in ms" },
		{ "{\"type\":\"order\"," HEAD ",\"time\":5,\"id\":\"a1\"}",
		    "missing field 'client_id'" },
	};
	size_t i;

	tap_ok(event_parse(ORDER "\"status\":\"partially_filled\","
	    "\"filled_qty\":0.005,\"order_id\":\"9\"}", strlen(ORDER
	    "\"status\":\"partially_filled\",\"filled_qty\":0.005,"
	    "\"order_id\":\"9\"}"), &ev, why, sizeof why) == 0 &&
	    tevent_order_in(&ev, &o, why, sizeof why) == 0, "an order: %s",
	    why);
	tap_ok(!strcmp(o.client_id, "a1") && !strcmp(o.price, "100") &&
	    !strcmp(o.qty, "0.01") && !strcmp(o.filled_qty, "0.005") &&
	    !strcmp(o.status, "partially_filled") && o.time == 5 &&
	    !strcmp(o.order_id, "9") && o.avg_price[0] == '\0',
	    "its fields as written");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		tap_ok(event_parse(bad[i].line, strlen(bad[i].line), &ev, why,
		    sizeof why) == 0 && tevent_order_in(&ev, &o, why,
		    sizeof why) < 0 && !strcmp(why, bad[i].why),
		    "refused: %s", bad[i].why);
		if (strcmp(why, bad[i].why))
			tap_diag("why '%s'", why);
	}
	tap_ok(event_parse(FILL "\"trade_id\":\"t1\"}", strlen(FILL
	    "\"trade_id\":\"t1\"}"), &ev, why, sizeof why) == 0 &&
	    tevent_fill_in(&ev, &f, why, sizeof why) == 0 &&
	    !strcmp(f.trade_id, "t1") && !strcmp(f.price, "101.5") &&
	    f.fee[0] == '\0' && f.time == 7, "a fill, without a fee");
	tap_ok(event_parse(FILL "\"fee\":1}", strlen(FILL "\"fee\":1}"),
	    &ev, why, sizeof why) == 0 && tevent_fill_in(&ev, &f, why,
	    sizeof why) < 0 && !strcmp(why, "missing field 'trade_id'"),
	    "a fill without a trade id is refused");
}

int
main(void)
{
	test_types();
	test_reasons();
	test_split();
	test_consume();
	test_levels();
	test_decimal();
	test_trading_in();
	return tap_done();
}
