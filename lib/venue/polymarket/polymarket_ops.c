/*
 * polymarket_ops: the Polymarket CLOB market channel as a venue table
 * (see venue.h).  The facts come from PROTOCOLS.md §5 and §11.
 */
#include <stdio.h>
#include <string.h>

#include "polymarket.h"

#define GROUP_TOKENS 500	/* assets a connection may carry (§5) */
#define PING_MS 10000		/* the text PING every 10 s, PONG back */
/* Market data or a PONG at least every ping: two pings unanswered
 * and the line is taken for dead. */
#define SILENT_MS (2 * PING_MS + 5000)

/* No sequence numbers: a book is a dump ("book") and every change after
 * it, until the connection drops; a reconnect takes a fresh dump. */
static const struct seq_rule polymarket_rule = {
	.link = SEQ_NONE,
	.link_prev = SEQ_NONE,
	.first_overlaps = 0,
	.snapshot_in_stream = 1,
};

/* The WebSocket path of the market channel. */
struct pm_market {
	const char *path;
};

static const struct pm_market clob_data = { "/ws/market" };

static const char *const clob_marks[] = { "/ws/market", "/book?", NULL };

static int
normalize(const char *msg, size_t n, const char *market, const char *symbol,
    int64_t recv_us, struct buf *out, char *why, size_t whylen)
{
	(void)symbol;
	return polymarket_normalize(msg, n, market, recv_us, out, why,
	    whylen);
}

/* "id","id",... appended to out. */
static void
ids(const char *const *symbols, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf_addf(out, "%s\"%s\"", i ? "," : "", symbols[i]);
}

/* The one URL; the tokens are subscribed once it is open. */
static int
polymarket_plan(const struct venue_market *m, int part,
    const char *const *symbols, size_t n, unsigned streams, struct buf *url,
    struct buf *msgs)
{
	const struct pm_market *d = m->data;

	(void)part;
	(void)symbols;
	(void)streams;
	(void)msgs;
	buf_adds(url, d->path);
	return buf_failed(url) ? -1 : (int)n;
}

/* The first message of a connection: every token, with their books.
 * The channel has no unsubscribe on open; on = 0 sends nothing (the
 * caller drops the tokens' events). */
static int
polymarket_subscribe(const struct venue_market *m, const char *const *symbols,
    size_t n, unsigned streams, int on, struct buf *msgs)
{
	(void)m;
	(void)streams;
	if (!on || n == 0)
		return 0;
	buf_adds(msgs, "{\"assets_ids\":[");
	ids(symbols, n, msgs);
	buf_adds(msgs, "],\"type\":\"market\",\"initial_dump\":true,"
	    "\"custom_feature_enabled\":true}");
	buf_addc(msgs, '\0');
	return buf_failed(msgs) ? -1 : 0;
}

/* Tokens added to or removed from an open connection (§11). */
static int
polymarket_change(const struct venue_market *m, int part,
    const char *const *symbols, size_t n, unsigned streams, int on,
    struct buf *msgs)
{
	(void)m;
	(void)part;
	(void)streams;
	if (n == 0)
		return 0;
	buf_addf(msgs, "{\"operation\":\"%s\",\"assets_ids\":[",
	    on ? "subscribe" : "unsubscribe");
	ids(symbols, n, msgs);
	buf_adds(msgs, "]}");
	buf_addc(msgs, '\0');
	return buf_failed(msgs) ? -1 : 0;
}

/* GET /book?token_id=ID: the book with its min_order_size and neg_risk. */
static int
snapshot_url(const struct venue_market *m, const char *symbol, int limit,
    char *url, size_t cap, int *weight)
{
	int n;

	(void)limit;
	*weight = 1;
	n = snprintf(url, cap, "%s/book?token_id=%s", venue_rest_base(m),
	    symbol);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static const struct venue_market polymarket_markets[] = {
	{
		.name = "clob",
		.venue = &polymarket_ops,
		.ws_env = "MKT_POLYMARKET_WS",
		.rest_env = "MKT_POLYMARKET_REST",
		.ws = "wss://ws-subscriptions-clob.polymarket.com",
		.rest = "https://clob.polymarket.com",
		.url_marks = clob_marks,
		.parts = 1,
		.host_key = "polymarket",
		/* §5 states no REST limit; a modest one. */
		.rest_limit = 50,
		.rest_window_ms = 10000,
		.snapshot_url = snapshot_url,
		.instruments_url = NULL,
		.instruments_parse = NULL,
		.rule = &polymarket_rule,
		.data = &clob_data,
		.trade = NULL,
	},
	{ .name = NULL },
};

const struct venue_ops polymarket_ops = {
	.name = "polymarket",
	.markets = polymarket_markets,
	.rule = &polymarket_rule,
	.normalize = normalize,
	.plan = polymarket_plan,
	.subscribe = polymarket_subscribe,
	.change = polymarket_change,
	.group_symbols = GROUP_TOKENS,
	.pace_ms = 0,
	.ping_ms = PING_MS,
	.ping_msg = "PING",
	.silent_ms = SILENT_MS,
	.markets_load = polymarket_markets_load,
	.handover = 0,
	.max_conn_ms = 0,
};
