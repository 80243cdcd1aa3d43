/*
 * t_venue: the venue tables (venue.h): every venue's entry complete,
 * lookups by name and market, the sync rules they hold, and what the
 * tables build (URLs, subscriptions, REST requests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue/venue.h"
#include "market/book.h"
#include "event/event.h"
#include "base/buf.h"
#include "tap.h"

/* Every member a venue and each of its markets must fill. */
static void
test_complete(void)
{
	const struct venue_market *m, *k;
	size_t i, j, markets = 0, seen = 0;

	tap_ok(venue_table[0] != NULL, "the table lists venues");
	for (i = 0; venue_table[i]; i++) {
		const struct venue_ops *v = venue_table[i];

		tap_ok(v->name && *v->name, "venue %zu has a name", i);
		tap_ok(v->normalize && v->plan, "%s: normalizer and URL plan",
		    v->name);
		tap_ok(v->rule != NULL, "%s: a rule for unlisted markets",
		    v->name);
		tap_ok(v->group_symbols > 0, "%s: symbols per connection",
		    v->name);
		tap_ok(!v->ping_ms || (v->ping_msg && *v->ping_msg),
		    "%s: a ping interval comes with its message", v->name);
		tap_ok(!v->max_conn_ms || v->handover,
		    "%s: a connection age limit comes with handover", v->name);
		tap_ok(v->markets && v->markets[0].name, "%s: has markets",
		    v->name);
		for (j = 0; j < i; j++)
			tap_ok(strcmp(venue_table[j]->name, v->name) != 0,
			    "%s: named once", v->name);
		for (m = v->markets; m->name; m++) {
			markets++;
			tap_ok(m->venue == v, "%s:%s: belongs to its venue",
			    v->name, m->name);
			tap_ok(m->ws_env && m->rest_env && m->ws && m->rest,
			    "%s:%s: endpoints", v->name, m->name);
			tap_ok(strncmp(m->ws, "wss://", 6) == 0 &&
			    strncmp(m->rest, "https://", 8) == 0,
			    "%s:%s: production endpoints are TLS", v->name,
			    m->name);
			tap_ok(m->parts == 1 || m->parts == 2,
			    "%s:%s: 1 or 2 parts", v->name, m->name);
			tap_ok(m->host_key && *m->host_key &&
			    m->rest_limit > 0 && m->rest_window_ms > 0,
			    "%s:%s: a REST budget", v->name, m->name);
			tap_ok(m->snapshot_url && m->rule && m->data,
			    "%s:%s: snapshot URL, rule and data", v->name,
			    m->name);
			tap_ok(!m->instruments_url == !m->instruments_parse,
			    "%s:%s: an instrument list's URL comes with its "
			    "parser", v->name, m->name);
			for (k = v->markets; k < m; k++)
				tap_ok(strcmp(k->name, m->name) != 0,
				    "%s:%s: named once", v->name, m->name);
		}
	}
	for (m = venue_next(NULL); m; m = venue_next(m))
		seen++;
	tap_eq_i((int64_t)seen, (int64_t)markets,
	    "venue_next() visits every market once");
}

static void
test_lookup(void)
{
	const struct venue_market *m;
	char list[256];

	for (m = venue_next(NULL); m; m = venue_next(m)) {
		tap_ok(venue_find(m->venue->name, strlen(m->venue->name),
		    m->name, strlen(m->name)) == m, "venue_find(%s, %s)",
		    m->venue->name, m->name);
		tap_ok(venue_by_name(m->venue->name,
		    strlen(m->venue->name)) == m->venue, "venue_by_name(%s)",
		    m->venue->name);
		tap_ok(venue_seq_rule(m->venue->name, strlen(m->venue->name),
		    m->name, strlen(m->name)) == m->rule,
		    "venue_seq_rule(%s, %s) is the market's", m->venue->name,
		    m->name);
	}
	tap_ok(venue_find("binance", 7, "spot", 4) != NULL, "binance:spot");
	tap_ok(venue_find("binance", 7, "futures", 7) != NULL,
	    "binance:futures");
	tap_ok(venue_find("bybit", 5, "linear", 6) != NULL, "bybit:linear");
	tap_ok(venue_find("bybit", 5, "spot", 4) != NULL, "bybit:spot");
	tap_ok(venue_find("bybit", 5, "spot", 4) !=
	    venue_find("binance", 7, "spot", 4), "two spots, two markets");
	tap_ok(venue_find("bybit", 5, "futures", 7) == NULL,
	    "bybit:futures is not a market");
	tap_ok(venue_find("binanc", 6, "spot", 4) == NULL,
	    "a prefix is not a name");
	tap_ok(venue_find("binancex", 8, "spot", 4) == NULL,
	    "nor a longer one");
	tap_ok(venue_find("binance:spot", 7, "spo", 3) == NULL,
	    "names are compared whole");
	tap_ok(venue_by_name("kraken", 6) == NULL, "unknown venue");
	venue_list(list, sizeof list, " or ");
	tap_eq_s(list, "binance:spot, binance:futures, bybit:linear, "
	    "bybit:spot or polymarket:clob", "venue_list, \" or \"");
	venue_list(list, sizeof list, ", ");
	tap_eq_s(list, "binance:spot, binance:futures, bybit:linear, "
	    "bybit:spot, polymarket:clob", "venue_list, \", \"");
	venue_list(list, 10, ", ");
	tap_eq_s(list, "binance:s", "venue_list cut at its buffer");
	tap_eq_s(venue_url_market("wss://x/ws/market", 17), "clob",
	    "a recorded Polymarket market channel URL");
	tap_eq_s(venue_url_market("wss://x/v5/public/linear", 24), "linear",
	    "a recorded Bybit linear URL");
	tap_eq_s(venue_url_market("wss://x/v5/public/spot", 22), "spot",
	    "a recorded Bybit spot URL");
	tap_eq_s(venue_url_market("wss://fstream.binance.com/ws", 28),
	    "futures", "a recorded USD-M stream URL");
	tap_eq_s(venue_url_market("https://h/fapi/v1/depth?symbol=X", 32),
	    "futures", "a recorded USD-M REST URL");
	tap_ok(venue_url_market("https://api.binance.com/api/v3/depth", 36)
	    == NULL, "a spot URL names no market");
}

static void
test_parse(void)
{
	struct venue_target t;
	char why[256];

	tap_ok(venue_parse_target("bybit:linear:BTCUSDT", &t, why,
	    sizeof why) == 0 && t.m == venue_find("bybit", 5, "linear", 6) &&
	    strcmp(t.symbol, "BTCUSDT") == 0, "parse bybit:linear:BTCUSDT");
	tap_ok(venue_parse_target("binance:futures:ETHUSDT", &t, why,
	    sizeof why) == 0 && strcmp(venue_name(t.m), "binance") == 0 &&
	    strcmp(venue_market(t.m), "futures") == 0,
	    "parse binance:futures:ETHUSDT");
	tap_ok(venue_parse_target("kraken:spot:XBT", &t, why,
	    sizeof why) < 0, "unknown venue refused");
	tap_eq_s(why, "'kraken:spot:XBT': unknown venue and market "
	    "(binance:spot, binance:futures, bybit:linear, bybit:spot, "
	    "polymarket:clob)",
	    "the reason lists the table");
	tap_ok(venue_parse_target("binance:spot", &t, why, sizeof why) < 0,
	    "no symbol refused");
	tap_eq_s(why, "'binance:spot': want VENUE:MARKET:SYMBOL",
	    "the reason says the form");
	tap_ok(venue_parse_target("binance:spot:btcusdt", &t, why,
	    sizeof why) < 0, "lower case refused");
}

/* A depth event for book_sequence(): prev < 0 leaves prev_id out. */
static struct event
dep(int64_t first, int64_t last, int64_t prev)
{
	struct event e;

	memset(&e, 0, sizeof e);
	e.type = EV_DEPTH;
	e.first_id = first;
	e.last_id = last;
	e.has = EV_HAS_FIRST_ID | EV_HAS_LAST_ID;
	if (prev >= 0) {
		e.prev_id = prev;
		e.has |= EV_HAS_PREV_ID;
	}
	return e;
}

static int
seq(const struct seq_rule *r, int64_t id, int fresh, int64_t first,
    int64_t last, int64_t prev)
{
	struct book_status st;
	struct event e = dep(first, last, prev);

	memset(&st, 0, sizeof st);
	return book_sequence(id, fresh, r, &e, &st);
}

static void
test_rules(void)
{
	const struct seq_rule *spot = venue_seq_rule("binance", 7, "spot", 4);
	const struct seq_rule *fut = venue_seq_rule("binance", 7, "futures",
	    7);
	const struct seq_rule *by = venue_seq_rule("bybit", 5, "linear", 6);

	tap_ok(spot && fut && by, "rules for binance and bybit");
	if (!spot || !fut || !by)
		return;
	tap_ok(venue_seq_rule("bybit", 5, "inverse", 7) == by,
	    "a market the venue does not list follows the venue's rule");
	tap_ok(venue_seq_rule("sim", 3, "spot", 4) == NULL,
	    "an unknown venue: no rule (seq_rule_default)");
	tap_ok(venue_seq_rule("bybit", 5, "spot", 4) == by,
	    "bybit: one rule for both markets");

	/* The data. */
	tap_ok(spot->link == SEQ_NEXT_FIRST && spot->link_prev == SEQ_PREV &&
	    spot->first_overlaps && !spot->snapshot_in_stream,
	    "binance spot: U/u, pu when there, first overlaps, REST");
	tap_ok(fut->link_prev == SEQ_PREV && fut->first_overlaps &&
	    !fut->snapshot_in_stream, "binance futures: pu, REST");
	tap_ok(by->link == SEQ_NEXT_LAST && !by->first_overlaps &&
	    by->snapshot_in_stream, "bybit: u+1, snapshots in the stream");
	tap_ok(seq_rule_default.link == SEQ_NEXT_FIRST &&
	    seq_rule_default.link_prev == SEQ_PREV &&
	    seq_rule_default.first_overlaps &&
	    !seq_rule_default.snapshot_in_stream,
	    "the default is mkt-events(5)'s rule");

	/* What they decide. */
	tap_eq_i(seq(spot, 100, 1, 95, 105, -1), BOOK_APPLIED,
	    "spot: the first event straddles the snapshot");
	tap_eq_i(seq(spot, 105, 0, 106, 110, -1), BOOK_APPLIED,
	    "spot: U == u + 1 continues");
	tap_eq_i(seq(spot, 105, 0, 107, 110, -1), BOOK_BROKEN,
	    "spot: U > u + 1 is a gap");
	tap_eq_i(seq(spot, 105, 0, 100, 105, -1), BOOK_STALE,
	    "spot: u <= id is stale");
	tap_eq_i(seq(fut, 100, 1, 90, 100, 89), BOOK_APPLIED,
	    "futures: the first event may end at the snapshot's id");
	tap_eq_i(seq(fut, 100, 0, 90, 100, 89), BOOK_STALE,
	    "futures: later, that is a repeat");
	tap_eq_i(seq(fut, 100, 0, 150, 160, 100), BOOK_APPLIED,
	    "futures: pu == id continues, whatever U");
	tap_eq_i(seq(fut, 100, 0, 101, 110, 99), BOOK_BROKEN,
	    "futures: pu != id is a gap");
	tap_eq_i(seq(by, 100, 1, 101, 101, -1), BOOK_APPLIED,
	    "bybit: u == id + 1 continues, the first too");
	tap_eq_i(seq(by, 100, 1, 90, 102, -1), BOOK_BROKEN,
	    "bybit: the first event may not overlap");
	tap_eq_i(seq(by, 100, 0, 100, 100, -1), BOOK_STALE,
	    "bybit: u <= id is stale");
}

/* The messages of a buffer (each ended by '\0'), joined by '|'. */
static const char *
msgs_str(const struct buf *b)
{
	static char s[8192];
	size_t i;

	for (i = 0; i < b->len && i + 1 < sizeof s; i++)
		s[i] = b->p[i] ? b->p[i] : '|';
	s[i] = '\0';
	return s;
}

static void
test_plans(void)
{
	static const char *const syms[] = { "A1", "B2", "C3", "D4", "E5",
	    "F6", "G7", "H8", "I9", "J10", "K11", "L12" };
	const struct venue_market *spot = venue_find("binance", 7, "spot", 4);
	const struct venue_market *fut = venue_find("binance", 7, "futures",
	    7);
	const struct venue_market *by = venue_find("bybit", 5, "linear", 6);
	struct buf url, msgs;
	int n;

	buf_init(&url, 0);
	buf_init(&msgs, 0);
	n = spot->venue->plan(spot, 0, syms, 10, VENUE_DEPTH, &url, &msgs);
	tap_eq_i(n, 10, "binance spot: 10 streams planned");
	tap_eq_s(url.p ? (buf_addc(&url, '\0'), url.p) : "",
	    "/stream?streams=a1@depth@100ms/b2@depth@100ms/c3@depth@100ms/"
	    "d4@depth@100ms/e5@depth@100ms/f6@depth@100ms/g7@depth@100ms/"
	    "h8@depth@100ms", "binance spot: 8 in the URL");
	tap_eq_s(msgs_str(&msgs), "{\"method\":\"SUBSCRIBE\",\"params\":["
	    "\"i9@depth@100ms\",\"j10@depth@100ms\"],\"id\":1}|",
	    "binance spot: the rest in a SUBSCRIBE");
	buf_reset(&url);
	buf_reset(&msgs);
	n = fut->venue->plan(fut, 1, syms, 2, VENUE_DEPTH | VENUE_TICKER,
	    &url, &msgs);
	tap_eq_i(n, 0, "binance futures: no trades, nothing on /market");
	buf_reset(&url);
	n = fut->venue->plan(fut, 0, syms, 1, VENUE_DEPTH | VENUE_TRADE,
	    &url, &msgs);
	buf_addc(&url, '\0');
	tap_ok(n == 1 && strcmp(url.p, "/public/stream?streams=a1@depth@100ms")
	    == 0, "binance futures: the book on /public");
	buf_reset(&url);
	n = fut->venue->plan(fut, 1, syms, 1, VENUE_DEPTH | VENUE_TRADE,
	    &url, &msgs);
	buf_addc(&url, '\0');
	tap_ok(n == 1 && strcmp(url.p, "/market/stream?streams=a1@trade")
	    == 0, "binance futures: trades on /market");
	tap_ok(spot->venue->subscribe == NULL,
	    "binance subscribes in the plan");

	buf_reset(&url);
	buf_reset(&msgs);
	n = by->venue->plan(by, 0, syms, 2, VENUE_DEPTH | VENUE_TRADE, &url,
	    &msgs);
	buf_addc(&url, '\0');
	tap_ok(n == 4 && strcmp(url.p, "/v5/public/linear") == 0 &&
	    msgs.len == 0, "bybit: the path alone, 4 topics");
	n = by->venue->subscribe(by, syms, 6, VENUE_DEPTH | VENUE_TRADE, 1,
	    &msgs);
	tap_eq_i(n, 0, "bybit: subscribe");
	tap_eq_s(msgs_str(&msgs), "{\"op\":\"subscribe\",\"args\":["
	    "\"orderbook.200.A1\",\"publicTrade.A1\",\"orderbook.200.B2\","
	    "\"publicTrade.B2\",\"orderbook.200.C3\",\"publicTrade.C3\","
	    "\"orderbook.200.D4\",\"publicTrade.D4\",\"orderbook.200.E5\","
	    "\"publicTrade.E5\"]}|{\"op\":\"subscribe\",\"args\":["
	    "\"orderbook.200.F6\",\"publicTrade.F6\"]}|",
	    "bybit: ten topics a message");
	buf_reset(&msgs);
	n = by->venue->subscribe(by, syms, 1, VENUE_DEPTH, 0, &msgs);
	tap_eq_s(msgs_str(&msgs), "{\"op\":\"unsubscribe\",\"args\":["
	    "\"orderbook.200.A1\"]}|", "bybit: unsubscribe");
	tap_eq_i(by->venue->ping_ms, 20000, "bybit: a ping every 20 s");
	tap_eq_s(by->venue->ping_msg, "{\"op\":\"ping\"}", "bybit: its ping");
	tap_ok(spot->venue->handover && spot->venue->max_conn_ms ==
	    (int64_t)(23.5 * 3600 * 1000) && !by->venue->handover,
	    "binance hands over before 24 h, bybit does not");
	buf_free(&url);
	buf_free(&msgs);
}

static void
test_rest(void)
{
	const struct venue_market *spot = venue_find("binance", 7, "spot", 4);
	const struct venue_market *fut = venue_find("binance", 7, "futures",
	    7);
	const struct venue_market *by = venue_find("bybit", 5, "spot", 4);
	char url[256];
	int w, limit;
	long window;

	setenv("MKT_BINANCE_SPOT_REST", "http://127.0.0.1:1", 1);
	unsetenv("MKT_BINANCE_FUTURES_REST");
	unsetenv("MKT_BYBIT_REST");
	tap_ok(venue_snapshot_url(spot, "BTCUSDT", 1000, url, sizeof url,
	    &w) == 0 && w == 50 && strcmp(url, "http://127.0.0.1:1/api/v3/"
	    "depth?symbol=BTCUSDT&limit=1000") == 0,
	    "binance spot: 1000 levels weigh 50, from the environment");
	tap_ok(venue_snapshot_url(spot, "X", 9000, url, sizeof url, &w) == 0 &&
	    w == 250 && strstr(url, "limit=5000"), "binance spot: at most "
	    "5000");
	tap_ok(venue_snapshot_url(fut, "X", 300, url, sizeof url, &w) == 0 &&
	    w == 10 && strcmp(url, "https://fapi.binance.com/fapi/v1/depth?"
	    "symbol=X&limit=500") == 0, "binance futures: 300 -> 500, "
	    "weight 10");
	tap_ok(venue_snapshot_url(by, "X", 0, url, sizeof url, &w) == 0 &&
	    w == 1 && strcmp(url, "https://api.bybit.com/v5/market/orderbook?"
	    "category=spot&symbol=X&limit=1") == 0, "bybit: the category is "
	    "the market");
	tap_ok(venue_snapshot_url(by, "X", 10, url, 20, &w) < 0,
	    "a URL that does not fit is refused");
	tap_eq_s(venue_rest_budget(spot, &limit, &window), "binance-spot",
	    "binance spot: its budget key");
	tap_ok(limit == 6000 && window == 60000, "binance spot: 6000 a "
	    "minute");
	tap_eq_s(venue_rest_budget(by, &limit, &window), "bybit",
	    "bybit: one key for its markets");
	tap_ok(limit == 600 && window == 5000, "bybit: 600 per 5 s");
	tap_ok(venue_is_production("wss://stream.bybit.com/v5/public/spot") &&
	    !venue_is_production("ws://127.0.0.1:9000/"),
	    "production hosts are the tables'");
}

static void
test_normalize(void)
{
	const struct venue_market *spot = venue_find("binance", 7, "spot", 4);
	const struct venue_market *by = venue_find("bybit", 5, "linear", 6);
	static const char shut[] = "{\"e\":\"serverShutdown\",\"E\":1}";
	static const char delta[] = "{\"topic\":\"orderbook.200.BTCUSDT\","
	    "\"type\":\"delta\",\"ts\":1,\"data\":{\"s\":\"BTCUSDT\","
	    "\"b\":[[\"1\",\"2\"]],\"a\":[],\"u\":7,\"seq\":9}}";
	struct buf out;
	char why[256];
	int r;

	buf_init(&out, 0);
	r = spot->venue->normalize(shut, sizeof shut - 1, "spot", NULL, -1,
	    &out, why, sizeof why);
	tap_ok(r == VENUE_SHUTDOWN && out.len == 0,
	    "binance: a shutdown announcement is VENUE_SHUTDOWN");
	r = by->venue->normalize(delta, sizeof delta - 1, "linear", "IGNORED",
	    -1, &out, why, sizeof why);
	{
		static const char want[] =
		    "\"venue\":\"bybit\",\"market\":\"linear\"";

		tap_ok(r == 1 && memmem(out.p, out.len, want,
		    sizeof want - 1) != NULL,
		    "bybit: the table's normalizer writes its venue");
		if (r != 1)
			tap_diag("%d: %s", r, r < 0 ? why : "");
	}
	buf_free(&out);
}

int
main(void)
{
	test_complete();
	test_lookup();
	test_parse();
	test_rules();
	test_plans();
	test_rest();
	test_normalize();
	return tap_done();
}
