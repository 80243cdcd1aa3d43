/*
 * binance_ops: Binance spot and USD-M futures as a venue table (see
 * venue.h).  The facts come from PROTOCOLS.md: spot §1.2/§1.5, USD-M
 * futures §2.2/§2.3 (the split /public and /market URLs).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "binance.h"
#include "binance_trade.h"

/* Streams named in the URL; the rest are subscribed with control
 * messages, at most this many a message, one every SUBSCRIBE_PACE_MS
 * (the venue allows 5 incoming messages a second, pings included). */
#define URL_STREAMS 8
#define SUBSCRIBE_STREAMS 100
#define SUBSCRIBE_PACE_MS 250
/* Binance closes a connection after 24 h: replace it a little before. */
#define ROTATE_MS (int64_t)(23.5 * 3600 * 1000)

/* Spot's ids have no holes (U/u): the first event after a snapshot
 * straddles it, every later one starts at the previous u + 1.  USD-M's
 * events carry pu, the u of the event before: the event decides. */
static const struct seq_rule binance_rule = {
	.link = SEQ_NEXT_FIRST,
	.link_prev = SEQ_PREV,
	.first_overlaps = 1,
	.snapshot_in_stream = 0,
};

/* The combined-stream URL path of each part. */
struct binance_market {
	const char *path[2];
};

static const struct binance_market spot_data = {
	{ "/stream?streams=", NULL },
};

/* Futures order books and tickers live under /public, trades under
 * /market. */
static const struct binance_market futures_data = {
	{ "/public/stream?streams=", "/market/stream?streams=" },
};

static const char *const futures_marks[] = { "fstream", "/fapi/", NULL };

/* Append one stream name "<symbol lower-case>@suffix". */
static void
add_stream(struct buf *out, const char *symbol, const char *suffix)
{
	const char *p;

	if (out->len)
		buf_addc(out, '/');
	for (p = symbol; *p; p++)
		buf_addc(out, (char)tolower((unsigned char)*p));
	buf_addc(out, '@');
	buf_adds(out, suffix);
}

/*
 * Streams of one symbol, appended "a/b/c" style to out.  A market of one
 * part serves everything on it; futures: part 0 the book and tickers,
 * part 1 trades.  Returns how many streams were added.
 */
static int
symbol_streams(const struct venue_market *m, const char *symbol,
    unsigned streams, int part, struct buf *out)
{
	int n = 0;
	int book_part = m->parts == 1 || part == 0;
	int trade_part = m->parts == 1 || part == 1;

	if (book_part && (streams & VENUE_DEPTH)) {
		add_stream(out, symbol, "depth@100ms");
		n++;
	}
	if (book_part && (streams & VENUE_TICKER)) {
		add_stream(out, symbol, "bookTicker");
		n++;
	}
	if (trade_part && (streams & VENUE_TRADE)) {
		add_stream(out, symbol, "trade");
		n++;
	}
	return n;
}

/* A SUBSCRIBE (or UNSUBSCRIBE) message for the streams names[0..len)
 * ("a/b/c" pieces), ended by '\0'. */
static void
control_message(struct buf *msgs, const char *method, const char *names,
    size_t len, int id)
{
	size_t i, start = 0;

	buf_addf(msgs, "{\"method\":\"%s\",\"params\":[", method);
	for (i = 0; i <= len; i++) {
		if (i < len && names[i] != '/')
			continue;
		if (start)
			buf_addc(msgs, ',');
		buf_add_jstr(msgs, names + start, i - start);
		start = i + 1;
	}
	buf_addf(msgs, "],\"id\":%d}", id);
	buf_addc(msgs, '\0');
}

/*
 * The first URL_STREAMS streams go into the URL, the others into
 * SUBSCRIBE messages sent once the connection is open (a long URL is
 * refused by servers, and the venue limits streams per URL less than
 * per connection).
 */
static int
binance_plan(const struct venue_market *m, int part,
    const char *const *symbols, size_t n, unsigned streams, struct buf *url,
    struct buf *msgs)
{
	const struct binance_market *d = m->data;
	struct buf one, rest;
	size_t i;
	int k, in_url = 0, in_rest = 0, total = 0, nmsgs = 0, failed;

	buf_init(&one, 0);
	buf_init(&rest, 0);
	buf_adds(url, d->path[part]);
	for (i = 0; i < n; i++) {
		buf_reset(&one);
		k = symbol_streams(m, symbols[i], streams, part, &one);
		if (k == 0)
			continue;
		total += k;
		if (in_url + k <= URL_STREAMS) {
			if (in_url)
				buf_addc(url, '/');
			buf_add(url, one.p, one.len);
			in_url += k;
			continue;
		}
		if (in_rest + k > SUBSCRIBE_STREAMS) {
			control_message(msgs, "SUBSCRIBE", rest.p, rest.len,
			    ++nmsgs);
			buf_reset(&rest);
			in_rest = 0;
		}
		if (rest.len)
			buf_addc(&rest, '/');
		buf_add(&rest, one.p, one.len);
		in_rest += k;
	}
	if (rest.len)
		control_message(msgs, "SUBSCRIBE", rest.p, rest.len, ++nmsgs);
	failed = buf_failed(&one) || buf_failed(&rest) || buf_failed(url) ||
	    buf_failed(msgs);
	buf_free(&one);
	buf_free(&rest);
	return failed ? -1 : total;
}

/*
 * Streams added to or removed from an open connection, SUBSCRIBE_STREAMS
 * a message.  The ids start past the plan's few (a reply is not read).
 */
static int
binance_change(const struct venue_market *m, int part,
    const char *const *symbols, size_t n, unsigned streams, int on,
    struct buf *msgs)
{
	const char *method = on ? "SUBSCRIBE" : "UNSUBSCRIBE";
	struct buf names;
	size_t i;
	int k = 0, id = 1000, failed;

	buf_init(&names, 0);
	for (i = 0; i < n; i++) {
		if (k + 3 > SUBSCRIBE_STREAMS) {
			control_message(msgs, method, names.p, names.len, id++);
			buf_reset(&names);
			k = 0;
		}
		k += symbol_streams(m, symbols[i], streams, part, &names);
	}
	if (names.len)
		control_message(msgs, method, names.p, names.len, id);
	failed = buf_failed(&names) || buf_failed(msgs);
	buf_free(&names);
	return failed ? -1 : 0;
}

/* Spot weight by limit (rest-api.md "Order book"). */
static int
spot_weight(int limit)
{
	if (limit <= 100)
		return 5;
	if (limit <= 500)
		return 25;
	if (limit <= 1000)
		return 50;
	return 250;
}

static int
spot_snapshot_url(const struct venue_market *m, const char *symbol,
    int limit, char *url, size_t cap, int *weight)
{
	int n;

	if (limit > 5000)
		limit = 5000;
	*weight = spot_weight(limit);
	n = snprintf(url, cap, "%s/api/v3/depth?symbol=%s&limit=%d",
	    venue_rest_base(m), symbol, limit);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Futures accepts a fixed set of limits; take the smallest that holds
 * the request, and its weight. */
static int
futures_limit(int limit, int *weight)
{
	static const int lim[] = { 5, 10, 20, 50, 100, 500, 1000 };
	static const int w[] = { 2, 2, 2, 2, 5, 10, 20 };
	size_t i;

	for (i = 0; i + 1 < sizeof lim / sizeof lim[0] && lim[i] < limit; i++)
		;
	*weight = w[i];
	return lim[i];
}

static int
futures_snapshot_url(const struct venue_market *m, const char *symbol,
    int limit, char *url, size_t cap, int *weight)
{
	int n;

	limit = futures_limit(limit, weight);
	n = snprintf(url, cap, "%s/fapi/v1/depth?symbol=%s&limit=%d",
	    venue_rest_base(m), symbol, limit);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static const struct venue_market binance_markets[] = {
	{
		.name = "spot",
		.venue = &binance_ops,
		.ws_env = "MKT_BINANCE_SPOT_WS",
		.rest_env = "MKT_BINANCE_SPOT_REST",
		.ws = "wss://stream.binance.com:9443",
		.rest = "https://api.binance.com",
		.url_marks = NULL,
		.parts = 1,
		.host_key = "binance-spot",
		.rest_limit = 6000,
		.rest_window_ms = 60000,
		.snapshot_url = spot_snapshot_url,
		.instruments_url = binance_spot_instruments_url,
		.instruments_parse = binance_instruments_parse,
		.rule = &binance_rule,
		.data = &spot_data,
		.trade = &binance_spot_trade,
	},
	{
		.name = "futures",
		.venue = &binance_ops,
		.ws_env = "MKT_BINANCE_FUTURES_WS",
		.rest_env = "MKT_BINANCE_FUTURES_REST",
		.ws = "wss://fstream.binance.com",
		.rest = "https://fapi.binance.com",
		.url_marks = futures_marks,
		.parts = 2,
		.host_key = "binance-futures",
		.rest_limit = 2400,
		.rest_window_ms = 60000,
		.snapshot_url = futures_snapshot_url,
		.instruments_url = binance_futures_instruments_url,
		.instruments_parse = binance_instruments_parse,
		.rule = &binance_rule,
		.data = &futures_data,
		.trade = &binance_futures_trade,
	},
	{ .name = NULL },
};

const struct venue_ops binance_ops = {
	.name = "binance",
	.markets = binance_markets,
	.rule = &binance_rule,
	.normalize = binance_normalize,
	.plan = binance_plan,
	.subscribe = NULL,
	.change = binance_change,
	.group_symbols = 100,
	.pace_ms = SUBSCRIBE_PACE_MS,
	.ping_ms = 0,
	.ping_msg = NULL,
	.handover = 1,
	.max_conn_ms = ROTATE_MS,
};
