/*
 * bybit_ops: Bybit v5 public market data as a venue table (see
 * venue.h).  The facts come from PROTOCOLS.md §4.4/§4.7.
 */
#include <stdio.h>
#include <string.h>

#include "bybit.h"
#include "bybit_trade.h"

#define ARGS_MAX 10		/* topics per subscribe (spot's limit) */
#define BOOK_DEPTH 200		/* orderbook.200: 50, 200 or 1000 */
#define PING_MS 20000		/* the venue wants a ping every 20 s */

/* Snapshots come in the stream, on every (re)subscription; every delta
 * carries u, the one after the one before. */
static const struct seq_rule bybit_rule = {
	.link = SEQ_NEXT_LAST,
	.link_prev = SEQ_NEXT_LAST,
	.first_overlaps = 0,
	.snapshot_in_stream = 1,
};

/* The WebSocket path of each market. */
struct bybit_market {
	const char *path;
};

static const struct bybit_market linear_data = { "/v5/public/linear" };
static const struct bybit_market spot_data = { "/v5/public/spot" };

static const char *const linear_marks[] = { "/v5/public/linear", NULL };
static const char *const spot_marks[] = { "/v5/public/spot", NULL };

/* The one normalizer signature: REST replies name their symbol. */
static int
normalize(const char *msg, size_t n, const char *market, const char *symbol,
    int64_t recv_us, struct buf *out, char *why, size_t whylen)
{
	(void)symbol;
	return bybit_normalize(msg, n, market, recv_us, out, why, whylen);
}

/*
 * Topics of one symbol, as JSON strings separated by commas
 * ("\"orderbook.200.BTCUSDT\",\"publicTrade.BTCUSDT\""), appended to out.
 * Returns how many.
 */
static int
topics(const char *symbol, unsigned streams, struct buf *out)
{
	int n = 0;

	if (streams & (VENUE_DEPTH | VENUE_TICKER)) {
		buf_addf(out, "%s\"orderbook.%d.%s\"", out->len ? "," : "",
		    BOOK_DEPTH, symbol);
		n++;
	}
	if (streams & VENUE_TRADE) {
		buf_addf(out, "%s\"publicTrade.%s\"", out->len ? "," : "",
		    symbol);
		n++;
	}
	return n;
}

/* The path alone: topics are subscribed once the connection is open. */
static int
bybit_plan(const struct venue_market *m, int part,
    const char *const *symbols, size_t n, unsigned streams, struct buf *url,
    struct buf *msgs)
{
	const struct bybit_market *d = m->data;
	struct buf one;
	size_t i;
	int total = 0, failed;

	(void)part;
	(void)msgs;
	buf_adds(url, d->path);
	buf_init(&one, 0);
	for (i = 0; i < n; i++) {
		buf_reset(&one);
		total += topics(symbols[i], streams, &one);
	}
	failed = buf_failed(&one) || buf_failed(url);
	buf_free(&one);
	return failed ? -1 : total;
}

/* Subscribe (or unsubscribe) topics, at most ARGS_MAX a message. */
static int
bybit_subscribe(const struct venue_market *m, const char *const *symbols,
    size_t n, unsigned streams, int on, struct buf *msgs)
{
	struct buf args;
	size_t i, k;
	int failed;

	(void)m;
	buf_init(&args, 0);
	for (i = 0; i < n; i += k) {
		buf_reset(&args);
		for (k = 0; i + k < n && k < ARGS_MAX / 2; k++)
			topics(symbols[i + k], streams, &args);
		buf_addf(msgs, "{\"op\":\"%s\",\"args\":[",
		    on ? "subscribe" : "unsubscribe");
		buf_add(msgs, args.p, args.len);
		buf_adds(msgs, "]}");
		buf_addc(msgs, '\0');
	}
	failed = buf_failed(&args) || buf_failed(msgs);
	buf_free(&args);
	return failed ? -1 : 0;
}

/* Bybit counts requests, each weighs 1. */
static int
snapshot_url(const struct venue_market *m, const char *symbol, int limit,
    char *url, size_t cap, int *weight)
{
	int n;

	if (limit > 1000)
		limit = 1000;
	*weight = 1;
	n = snprintf(url, cap,
	    "%s/v5/market/orderbook?category=%s&symbol=%s&limit=%d",
	    venue_rest_base(m), m->name, symbol, limit);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* 600 requests per 5 s per IP, whatever the market. */
static const struct venue_market bybit_markets[] = {
	{
		.name = "linear",
		.venue = &bybit_ops,
		.ws_env = "MKT_BYBIT_WS",
		.rest_env = "MKT_BYBIT_REST",
		.ws = "wss://stream.bybit.com",
		.rest = "https://api.bybit.com",
		.url_marks = linear_marks,
		.parts = 1,
		.host_key = "bybit",
		.rest_limit = 600,
		.rest_window_ms = 5000,
		.snapshot_url = snapshot_url,
		.instruments_url = bybit_instruments_url,
		.instruments_parse = bybit_instruments_parse,
		.rule = &bybit_rule,
		.data = &linear_data,
		.trade = &bybit_linear_trade,
	},
	{
		.name = "spot",
		.venue = &bybit_ops,
		.ws_env = "MKT_BYBIT_WS",
		.rest_env = "MKT_BYBIT_REST",
		.ws = "wss://stream.bybit.com",
		.rest = "https://api.bybit.com",
		.url_marks = spot_marks,
		.parts = 1,
		.host_key = "bybit",
		.rest_limit = 600,
		.rest_window_ms = 5000,
		.snapshot_url = snapshot_url,
		.instruments_url = bybit_instruments_url,
		.instruments_parse = bybit_instruments_parse,
		.rule = &bybit_rule,
		.data = &spot_data,
		.trade = &bybit_spot_trade,
	},
	{ .name = NULL },
};

const struct venue_ops bybit_ops = {
	.name = "bybit",
	.markets = bybit_markets,
	.rule = &bybit_rule,
	.normalize = normalize,
	.plan = bybit_plan,
	.subscribe = bybit_subscribe,
	.group_symbols = 100,
	.pace_ms = 0,
	.ping_ms = PING_MS,
	.ping_msg = "{\"op\":\"ping\"}",
	.handover = 0,
	.max_conn_ms = 0,
};
