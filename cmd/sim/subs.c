/*
 * subs.c: subscriptions: stream names and topics parsed, the Binance
 * WebSocket paths (and their URL streams), each connection's list.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prog/err.h"

#include "sim.h"

/* ---------------------------------------------------------------- */
/* Subscriptions */

static int
conn_find_sub(const struct conn *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Add a subscription unless it is there; 1 added, 0 already, -1 full. */
int
conn_add_sub(struct conn *c, const struct sub *sub)
{
	if (conn_find_sub(c, sub->name) >= 0)
		return 0;
	if (c->nsubs == SUBS_MAX)
		return -1;
	if (c->nsubs == c->capsubs) {
		size_t cap = c->capsubs ? 2 * c->capsubs : 8;
		struct sub *p = realloc(c->subs, cap * sizeof *p);

		if (!p)
			die_nomem();
		c->subs = p;
		c->capsubs = cap;
	}
	c->subs[c->nsubs++] = *sub;
	return 1;
}

void
conn_del_sub(struct conn *c, const char *name)
{
	int i = conn_find_sub(c, name);

	if (i < 0)
		return;
	memmove(&c->subs[i], &c->subs[i + 1],
	    (c->nsubs - (size_t)i - 1) * sizeof *c->subs);
	c->nsubs--;
}

/* "depth", "depth@100ms", "depth10@500ms" ...: 0 diff depth, N partial
 * depth, -1 not a depth stream. */
static int
bn_depth_kind(const char *rest)
{
	static const char *const speeds[] = {
		"", "@0ms", "@100ms", "@250ms", "@500ms", "@1000ms",
	};
	int n = 0;
	size_t i;

	if (strncmp(rest, "depth", 5) != 0)
		return -1;
	rest += 5;
	if (strncmp(rest, "20", 2) == 0 || strncmp(rest, "10", 2) == 0) {
		n = (rest[0] - '0') * 10;
		rest += 2;
	} else if (rest[0] == '5') {
		n = 5;
		rest++;
	}
	for (i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
		if (strcmp(rest, speeds[i]) == 0)
			return n;
	return -1;
}

static int
route_allows(enum route r, enum sub_kind k)
{
	if (r == ROUTE_PUBLIC)
		return k == SUB_DEPTH || k == SUB_PARTIAL || k == SUB_TICKER;
	if (r == ROUTE_MARKET)
		return k == SUB_TRADE || k == SUB_AGGTRADE;
	return 1;
}

/* A Binance stream name into *sub; 0, or -1 when not served here. */
int
bn_parse_stream(struct sim *s, const struct conn *c, const char *name,
    struct sub *sub)
{
	const char *at = strchr(name, '@'), *rest;
	int depth;

	memset(sub, 0, sizeof *sub);
	if (!at || strlen(name) >= sizeof sub->name)
		return -1;
	rest = at + 1;
	depth = bn_depth_kind(rest);
	if (depth == 0)
		sub->kind = SUB_DEPTH;
	else if (depth > 0)
		sub->kind = SUB_PARTIAL;
	else if (strcasecmp(rest, "bookTicker") == 0)
		sub->kind = SUB_TICKER;
	else if (strcmp(rest, "trade") == 0)
		sub->kind = SUB_TRADE;
	else if (strcasecmp(rest, "aggTrade") == 0)
		sub->kind = SUB_AGGTRADE;
	else
		return -1;
	sub->depth = depth > 0 ? (size_t)depth : 0;
	if (!route_allows(c->route, sub->kind))
		return -1;
	sub->in = find_inst(s, c->mk, name, (size_t)(at - name));
	if (!sub->in)
		return -1;
	snprintf(sub->name, sizeof sub->name, "%s", name);
	return 0;
}

/* A Bybit topic into *sub; 0, or -1 when not served here. */
int
by_parse_topic(struct sim *s, const struct conn *c, const char *t,
    struct sub *sub)
{
	const char *sym;
	char *end;
	unsigned long d;

	memset(sub, 0, sizeof *sub);
	if (strlen(t) >= sizeof sub->name)
		return -1;
	if (strncmp(t, "orderbook.", 10) == 0) {
		d = strtoul(t + 10, &end, 10);
		if (*end != '.' || !(d == 1 || d == 50 || d == 200 ||
		    d == 1000) || t[10] == '0')
			return -1;
		sub->kind = SUB_BY_BOOK;
		sub->depth = d;
		sym = end + 1;
	} else if (strncmp(t, "publicTrade.", 12) == 0) {
		sub->kind = SUB_BY_TRADE;
		sym = t + 12;
	} else {
		return -1;
	}
	sub->in = find_inst(s, c->mk, sym, strlen(sym));
	/* Bybit symbols are case-sensitive. */
	if (!sub->in || strcmp(sub->in->sm->p.symbol, sym) != 0)
		return -1;
	snprintf(sub->name, sizeof sub->name, "%s", t);
	return 0;
}

/* Subscribe to the '/'-separated Binance streams of a URL; 0 or -1. */
static int
bn_url_streams(struct sim *s, struct conn *c, char *list)
{
	char *tok, *save = NULL;
	struct sub sub;

	for (tok = strtok_r(list, "/", &save); tok;
	    tok = strtok_r(NULL, "/", &save)) {
		if (bn_parse_stream(s, c, tok, &sub) < 0) {
			if (s->o->verbose)
				warn("refused stream '%s'", tok);
			return -1;
		}
		if (conn_add_sub(c, &sub) < 0)
			return -1;
	}
	return 0;
}

static const struct {
	const char *raw;	/* "/ws" and "/ws/<streams>" */
	const char *combined;	/* "/stream?streams=..." */
	enum mk mk;
	enum route route;
} bn_paths[] = {
	{ "/ws", "/stream", MK_BN_SPOT, ROUTE_ANY },
	{ "/public/ws", "/public/stream", MK_BN_FUT, ROUTE_PUBLIC },
	{ "/market/ws", "/market/stream", MK_BN_FUT, ROUTE_MARKET },
};

/* Match a Binance WebSocket path; 0 (c->mk, route, combined set, the
 * URL's streams subscribed), or -1. */
static int
bn_target(struct sim *s, struct lws *wsi, struct conn *c, char *path)
{
	size_t i, n;
	const char *v;

	for (i = 0; i < sizeof bn_paths / sizeof bn_paths[0]; i++) {
		c->mk = bn_paths[i].mk;
		c->route = bn_paths[i].route;
		n = strlen(bn_paths[i].raw);
		if (strncmp(path, bn_paths[i].raw, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return bn_url_streams(s, c, path + n);
		if (strcmp(path, bn_paths[i].combined) == 0) {
			c->combined = 1;
			v = lws_get_urlarg_by_name(wsi, "streams=", s->arg,
			    ARG_MAX);
			return v ? bn_url_streams(s, c, (char *)v) : 0;
		}
	}
	return -1;
}

/* Decide what a WebSocket request is for; 0 to accept, -1 to refuse. */
int
ws_target(struct sim *s, struct lws *wsi, struct conn *c)
{
	char *path = s->path;
	int r;

	if (lws_hdr_copy(wsi, path, ARG_MAX, WSI_TOKEN_GET_URI) <= 0)
		return -1;
	r = ustream_target(s, wsi, c, path);
	if (r == 0)
		r = byprivate_target(s, path, c);
	if (r == 0)
		r = wsapi_target(s, path, c);
	if (r < 0)
		return -1;
	if (r == 0 && strcmp(path, "/v5/public/linear") == 0)
		c->mk = MK_BY_LINEAR;
	else if (r == 0 && strcmp(path, "/v5/public/spot") == 0)
		c->mk = MK_BY_SPOT;
	else if (r == 0 && strcmp(path, "/ws/market") == 0)
		c->mk = MK_PM_CLOB;
	else if (r == 0 && bn_target(s, wsi, c, path) < 0)
		return -1;
	if (!(s->o->markets & (1u << c->mk)))
		return -1;
	if (s->o->verbose)
		warn("websocket %s: %zu streams", path, c->nsubs);
	return 0;
}
