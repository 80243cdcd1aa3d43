/*
 * venue: targets, endpoints, stream names and REST weights (see venue.h).
 * The facts come from PROTOCOLS.md: Binance spot §1.2/§1.5, USD-M futures
 * §2.2/§2.3 (the split /public and /market URLs), Bybit v5 §4.4/§4.7.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue.h"

static const struct {
	const char *venue, *market, *ws_env, *rest_env, *ws, *rest;
} venues[VENUE_COUNT] = {
	[VENUE_BINANCE_SPOT] = { "binance", "spot", "MKT_BINANCE_SPOT_WS",
	    "MKT_BINANCE_SPOT_REST", "wss://stream.binance.com:9443",
	    "https://api.binance.com" },
	[VENUE_BINANCE_FUTURES] = { "binance", "futures",
	    "MKT_BINANCE_FUTURES_WS", "MKT_BINANCE_FUTURES_REST",
	    "wss://fstream.binance.com", "https://fapi.binance.com" },
	[VENUE_BYBIT_LINEAR] = { "bybit", "linear", "MKT_BYBIT_WS",
	    "MKT_BYBIT_REST", "wss://stream.bybit.com",
	    "https://api.bybit.com" },
	[VENUE_BYBIT_SPOT] = { "bybit", "spot", "MKT_BYBIT_WS",
	    "MKT_BYBIT_REST", "wss://stream.bybit.com",
	    "https://api.bybit.com" },
};

int
venue_parse_target(const char *spec, struct venue_target *t, char *why,
    size_t whylen)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	size_t vn, mn, sn, i;
	int id;

	if (!c2) {
		snprintf(why, whylen, "'%s': want VENUE:MARKET:SYMBOL", spec);
		return -1;
	}
	vn = (size_t)(c1 - spec);
	mn = (size_t)(c2 - c1 - 1);
	for (id = 0; id < VENUE_COUNT; id++)
		if (strlen(venues[id].venue) == vn &&
		    strncmp(spec, venues[id].venue, vn) == 0 &&
		    strlen(venues[id].market) == mn &&
		    strncmp(c1 + 1, venues[id].market, mn) == 0)
			break;
	if (id == VENUE_COUNT) {
		snprintf(why, whylen, "'%s': unknown venue and market (binance:"
		    "spot, binance:futures, bybit:linear, bybit:spot)", spec);
		return -1;
	}
	sn = strlen(c2 + 1);
	if (sn == 0 || sn >= sizeof t->symbol) {
		snprintf(why, whylen, "'%s': bad symbol", spec);
		return -1;
	}
	for (i = 0; i < sn; i++) {
		unsigned char ch = (unsigned char)c2[1 + i];

		if (!isupper(ch) && !isdigit(ch)) {
			snprintf(why, whylen, "'%s': a symbol is upper-case "
			    "letters and digits (BTCUSDT)", spec);
			return -1;
		}
	}
	t->id = (enum venue_id)id;
	memcpy(t->symbol, c2 + 1, sn + 1);
	return 0;
}

int
venue_parse_streams(const char *list, unsigned *streams)
{
	const char *p = list;

	*streams = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 5 && strncmp(p, "depth", 5) == 0)
			*streams |= VENUE_DEPTH;
		else if (n == 5 && strncmp(p, "trade", 5) == 0)
			*streams |= VENUE_TRADE;
		else if (n == 6 && strncmp(p, "ticker", 6) == 0)
			*streams |= VENUE_TICKER;
		else
			return -1;
		p += n;
		if (*p == ',' && !*++p)
			return -1;
	}
	return *streams ? 0 : -1;
}

const char *
venue_name(enum venue_id id)
{
	return venues[id].venue;
}

const char *
venue_market(enum venue_id id)
{
	return venues[id].market;
}

int
venue_is_bybit(enum venue_id id)
{
	return id == VENUE_BYBIT_LINEAR || id == VENUE_BYBIT_SPOT;
}

const char *
venue_ws_base(enum venue_id id)
{
	const char *e = getenv(venues[id].ws_env);

	return e && *e ? e : venues[id].ws;
}

const char *
venue_rest_base(enum venue_id id)
{
	const char *e = getenv(venues[id].rest_env);

	return e && *e ? e : venues[id].rest;
}

int
venue_is_production(const char *url)
{
	size_t i;

	for (i = 0; i < VENUE_COUNT; i++)
		if (strncmp(url, venues[i].ws, strlen(venues[i].ws)) == 0 ||
		    strncmp(url, venues[i].rest, strlen(venues[i].rest)) == 0)
			return 1;
	return 0;
}

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

int
venue_binance_streams(enum venue_id id, const char *symbol,
    unsigned streams, int which, struct buf *out)
{
	int n = 0;
	/* Spot serves everything on one path; futures splits it. */
	int book_part = id == VENUE_BINANCE_SPOT || which == 0;
	int trade_part = id == VENUE_BINANCE_SPOT || which == 1;

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

const char *
venue_binance_path(enum venue_id id, int which)
{
	if (id == VENUE_BINANCE_SPOT)
		return "/stream?streams=";
	return which == 0 ? "/public/stream?streams=" :
	    "/market/stream?streams=";
}

int
venue_bybit_topics(const char *symbol, unsigned streams, int depth,
    struct buf *out)
{
	int n = 0;

	if (streams & (VENUE_DEPTH | VENUE_TICKER)) {
		buf_addf(out, "%s\"orderbook.%d.%s\"", out->len ? "," : "",
		    depth, symbol);
		n++;
	}
	if (streams & VENUE_TRADE) {
		buf_addf(out, "%s\"publicTrade.%s\"", out->len ? "," : "",
		    symbol);
		n++;
	}
	return n;
}

const char *
venue_bybit_path(enum venue_id id)
{
	return id == VENUE_BYBIT_SPOT ? "/v5/public/spot" : "/v5/public/linear";
}

/* Binance spot weight by limit (rest-api.md "Order book"). */
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

int
venue_snapshot_url(enum venue_id id, const char *symbol, int limit,
    char *url, size_t cap, int *weight)
{
	const char *base = venue_rest_base(id);
	int n;

	if (limit < 1)
		limit = 1;
	switch (id) {
	case VENUE_BINANCE_SPOT:
		if (limit > 5000)
			limit = 5000;
		*weight = spot_weight(limit);
		n = snprintf(url, cap, "%s/api/v3/depth?symbol=%s&limit=%d",
		    base, symbol, limit);
		break;
	case VENUE_BINANCE_FUTURES:
		limit = futures_limit(limit, weight);
		n = snprintf(url, cap, "%s/fapi/v1/depth?symbol=%s&limit=%d",
		    base, symbol, limit);
		break;
	default:
		if (limit > 1000)
			limit = 1000;
		*weight = 1;
		n = snprintf(url, cap,
		    "%s/v5/market/orderbook?category=%s&symbol=%s&limit=%d",
		    base, venue_market(id), symbol, limit);
		break;
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

void
venue_rest_budget(enum venue_id id, int *limit, long *window_ms)
{
	switch (id) {
	case VENUE_BINANCE_SPOT:
		*limit = 6000;
		*window_ms = 60000;
		break;
	case VENUE_BINANCE_FUTURES:
		*limit = 2400;
		*window_ms = 60000;
		break;
	default:
		/* 600 requests per 5 s per IP. */
		*limit = 600;
		*window_ms = 5000;
		break;
	}
}
