/*
 * venue: the venues' tables and the lookups on them (see venue.h).  What
 * each venue is lives in its directory (binance/, bybit/); this file
 * only lists them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue.h"
#include "venue/binance/binance.h"
#include "venue/bybit/bybit.h"
#include "venue/polymarket/polymarket.h"

/* Adding a venue: its table here (the order is the one of lists and
 * lookups). */
const struct venue_ops *const venue_table[] = {
	&binance_ops,
	&bybit_ops,
	&polymarket_ops,
	NULL,
};

static int
name_is(const char *name, const char *p, size_t n)
{
	return strlen(name) == n && memcmp(name, p, n) == 0;
}

const struct venue_ops *
venue_by_name(const char *name, size_t n)
{
	size_t i;

	for (i = 0; venue_table[i]; i++)
		if (name_is(venue_table[i]->name, name, n))
			return venue_table[i];
	return NULL;
}

static const struct venue_market *
market_of(const struct venue_ops *v, const char *market, size_t mn)
{
	const struct venue_market *m;

	for (m = v->markets; m->name; m++)
		if (name_is(m->name, market, mn))
			return m;
	return NULL;
}

const struct venue_market *
venue_find(const char *venue, size_t vn, const char *market, size_t mn)
{
	const struct venue_ops *v = venue_by_name(venue, vn);

	return v ? market_of(v, market, mn) : NULL;
}

const struct venue_market *
venue_next(const struct venue_market *m)
{
	size_t i = 0;

	if (m) {
		if (m[1].name)
			return m + 1;
		while (venue_table[i] && venue_table[i] != m->venue)
			i++;
		if (!venue_table[i])
			return NULL;
		i++;
	}
	for (; venue_table[i]; i++)
		if (venue_table[i]->markets[0].name)
			return venue_table[i]->markets;
	return NULL;
}

void
venue_list(char *out, size_t cap, const char *last)
{
	const struct venue_market *m, *next;
	size_t len = 0;
	int n;

	if (cap)
		out[0] = '\0';
	for (m = venue_next(NULL); m && len < cap; m = next) {
		next = venue_next(m);
		n = snprintf(out + len, cap - len, "%s%s:%s",
		    len == 0 ? "" : next ? ", " : last, m->venue->name,
		    m->name);
		if (n < 0)
			return;
		len += (size_t)n;
	}
}

const struct seq_rule *
venue_seq_rule(const char *venue, size_t vn, const char *market, size_t mn)
{
	const struct venue_ops *v = venue_by_name(venue, vn);
	const struct venue_market *m;

	if (!v)
		return NULL;
	m = market_of(v, market, mn);
	return m ? m->rule : v->rule;
}

const char *
venue_url_market(const char *url, size_t n)
{
	const struct venue_market *m;
	const char *const *k;

	for (m = venue_next(NULL); m; m = venue_next(m))
		for (k = m->url_marks; k && *k; k++)
			if (memmem(url, n, *k, strlen(*k)))
				return m->name;
	return NULL;
}

int
venue_parse_target(const char *spec, struct venue_target *t, char *why,
    size_t whylen)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const struct venue_market *m;
	char list[256];
	size_t sn, i;

	if (!c2) {
		snprintf(why, whylen, "'%s': want VENUE:MARKET:SYMBOL", spec);
		return -1;
	}
	m = venue_find(spec, (size_t)(c1 - spec), c1 + 1,
	    (size_t)(c2 - c1 - 1));
	if (!m) {
		venue_list(list, sizeof list, ", ");
		snprintf(why, whylen, "'%s': unknown venue and market (%s)",
		    spec, list);
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
	t->m = m;
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
venue_name(const struct venue_market *m)
{
	return m->venue->name;
}

const char *
venue_market(const struct venue_market *m)
{
	return m->name;
}

const char *
venue_ws_base(const struct venue_market *m)
{
	const char *e = getenv(m->ws_env);

	return e && *e ? e : m->ws;
}

const char *
venue_rest_base(const struct venue_market *m)
{
	const char *e = getenv(m->rest_env);

	return e && *e ? e : m->rest;
}

int
venue_is_production(const char *url)
{
	const struct venue_market *m;

	for (m = venue_next(NULL); m; m = venue_next(m))
		if (strncmp(url, m->ws, strlen(m->ws)) == 0 ||
		    strncmp(url, m->rest, strlen(m->rest)) == 0)
			return 1;
	return 0;
}

int
venue_snapshot_url(const struct venue_market *m, const char *symbol,
    int limit, char *url, size_t cap, int *weight)
{
	if (limit < 1)
		limit = 1;
	return m->snapshot_url(m, symbol, limit, url, cap, weight);
}

int
venue_instruments_url(const struct venue_market *m,
    const char *const *symbols, size_t n, const char *cursor, char *url,
    size_t cap, int *weight)
{
	if (!m->instruments_url) {
		errno = ENOTSUP;
		return -1;
	}
	if (m->instruments_url(m, symbols, n, cursor ? cursor : "", url, cap,
	    weight) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
venue_instruments_parse(const struct venue_market *m, int status,
    const char *body, size_t n, venue_instrument_fn *each, void *ctx,
    char *cursor, size_t cap, char *why, size_t whylen)
{
	if (!m->instruments_parse) {
		snprintf(why, whylen, "%s %s has no instrument list",
		    venue_name(m), venue_market(m));
		errno = ENOTSUP;
		return -1;
	}
	if (cap)
		cursor[0] = '\0';
	return m->instruments_parse(m, status, body, n, each, ctx, cursor,
	    cap, why, whylen);
}

const char *
venue_rest_budget(const struct venue_market *m, int *limit, long *window_ms)
{
	*limit = m->rest_limit;
	*window_ms = m->rest_window_ms;
	return m->host_key;
}
