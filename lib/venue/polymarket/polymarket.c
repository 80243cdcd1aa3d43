/*
 * polymarket: market channel messages to mkt events (see polymarket.h).
 *
 * One plain pass: json_parse_object() of the message (or of each
 * message of an array), then its fields one by one.  The venue's level
 * arrays are objects ({"price","size"}) in no promised order (a captured
 * book has the best price last), so a snapshot's levels are read into a
 * table and sorted before they are written.  Events are written straight
 * into the output buffer; norm_run() rolls it back on the first bad
 * field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polymarket.h"
#include "venue/norm.h"
#include "base/fixed.h"

/* Token ids are decimals below 2^256: 78 digits. */
#define PM_ID_MAX 96
/* Items of a price_change message (they name one or two tokens). */
#define PM_CHANGES_MAX 4096

struct pm {
	struct norm nm;
	const char *market;
	int64_t recv_us;
	char kind[32];
	char sym[PM_ID_MAX + 1];
};

/* One level read from the venue: its decimal and its text. */
struct pm_level {
	struct fx price;
	struct json_span p, q;
};

#define pm_fail(m, ...) norm_fail(&(m)->nm, __VA_ARGS__)

/* {"type":T,"venue":"polymarket","market":M,"symbol":S,"time":t[,"recv":R] */
static void
pm_head(struct pm *m, const char *type, int64_t time)
{
	struct buf *out = m->nm.out;

	buf_add(out, "{\"type\":\"", 9);
	buf_adds(out, type);
	buf_adds(out, "\",\"venue\":\"polymarket\",\"market\":");
	buf_add_jstr(out, m->market, strlen(m->market));
	norm_key(&m->nm, "symbol");
	buf_add_jstr(out, m->sym, strlen(m->sym));
	norm_put_int(&m->nm, "time", time);
	if (m->recv_us >= 0)
		norm_put_int(&m->nm, "recv", m->recv_us);
}

/* A token id (digits) from o[key] into m->sym. */
static int
pm_symbol(struct pm *m, const struct json_obj *o, const char *key)
{
	const struct json_span *s = norm_need(&m->nm, o, key);
	uint32_t i;

	if (!s)
		return -1;
	if (s->type != JSON_STRING || s->n == 0 || s->n > PM_ID_MAX)
		return pm_fail(m, "field '%s' is not a token id", key);
	for (i = 0; i < s->n; i++)
		if (s->p[i] < '0' || s->p[i] > '9')
			return pm_fail(m, "field '%s' is not a token id", key);
	memcpy(m->sym, s->p, s->n);
	m->sym[s->n] = '\0';
	return 0;
}

/* A level object {"price":P,"size":S} into l. */
static int
pm_level(struct pm *m, const char *key, size_t i, const struct json_span *v,
    struct pm_level *l)
{
	struct json_obj o;
	const struct json_span *p, *q;
	const char *reason;
	struct fx size;
	size_t at;
	int r;

	if (v->type != JSON_OBJECT ||
	    json_parse_object(v->p, v->n, &o, &reason, &at) < 0)
		return pm_fail(m, "%s[%zu]: not a {price, size} object", key,
		    i);
	p = json_get(&o, "price");
	q = json_get(&o, "size");
	if (!p || !q)
		return pm_fail(m, "%s[%zu]: not a {price, size} object", key,
		    i);
	r = norm_decimal(p, &l->price);
	if (r != FX_OK)
		return pm_fail(m, "%s[%zu]: price: %s", key, i,
		    norm_fx_reason(r));
	r = norm_decimal(q, &size);
	if (r != FX_OK)
		return pm_fail(m, "%s[%zu]: size: %s", key, i,
		    norm_fx_reason(r));
	if (l->price.m <= 0)
		return pm_fail(m, "%s[%zu]: price not positive", key, i);
	if (size.m < 0)
		return pm_fail(m, "%s[%zu]: negative size", key, i);
	l->p = *p;
	l->q = *q;
	return 0;
}

static int
cmp_up(const void *a, const void *b)
{
	return fx_cmp(((const struct pm_level *)a)->price,
	    ((const struct pm_level *)b)->price);
}

static int
cmp_down(const void *a, const void *b)
{
	return cmp_up(b, a);
}

/* [p,q] of a level, the venue's digits. */
static void
pm_put_level(struct buf *out, const struct pm_level *l)
{
	buf_addc(out, '[');
	buf_add(out, l->p.p, l->p.n);
	buf_addc(out, ',');
	buf_add(out, l->q.p, l->q.n);
	buf_addc(out, ']');
}

/* ,"name":[...] from the level objects of o[key], best first. */
static int
pm_side(struct pm *m, const char *name, const struct json_obj *o,
    const char *key, int desc)
{
	const struct json_span *arr = norm_need(&m->nm, o, key);
	struct json_iter it;
	struct json_span v;
	struct pm_level *lv = NULL;
	size_t n = 0, cap = 0, i;

	if (!arr)
		return -1;
	if (arr->type != JSON_ARRAY)
		return pm_fail(m, "field '%s' is not an array", key);
	json_iter_init(&it, arr);
	while (json_next(&it, &v)) {
		if (n == cap) {
			struct pm_level *g;

			cap = cap ? 2 * cap : 64;
			g = realloc(lv, cap * sizeof *lv);
			if (!g) {
				free(lv);
				return pm_fail(m, "out of memory");
			}
			lv = g;
		}
		if (pm_level(m, key, n, &v, &lv[n]) < 0) {
			free(lv);
			return -1;
		}
		n++;
	}
	if (n > 1)
		qsort(lv, n, sizeof *lv, desc ? cmp_down : cmp_up);
	norm_key(&m->nm, name);
	buf_addc(m->nm.out, '[');
	for (i = 0; i < n; i++) {
		if (i)
			buf_addc(m->nm.out, ',');
		pm_put_level(m->nm.out, &lv[i]);
	}
	buf_addc(m->nm.out, ']');
	free(lv);
	return 0;
}

/* The hash of a book, when its market's metadata is known: a status on
 * a mismatch.  Returns the events written (0 or 1). */
static int
pm_check_hash(struct pm *m, const struct json_obj *o, int64_t time)
{
	const struct json_span *h = json_get(o, "hash"), *mos, *nr;
	const char *mp;
	size_t mn;
	int neg;
	char hex[41];

	if (!h || h->type != JSON_STRING || h->n == 0)
		return 0;
	/* A REST /book reply carries the metadata itself. */
	mos = json_get(o, "min_order_size");
	nr = json_get(o, "neg_risk");
	if (mos && mos->type == JSON_STRING && nr &&
	    (nr->type == JSON_TRUE || nr->type == JSON_FALSE)) {
		mp = mos->p;
		mn = mos->n;
		neg = nr->type == JSON_TRUE;
	} else if (polymarket_meta(m->sym, strlen(m->sym), &mp, &mn,
	    &neg) < 0)
		return 0;
	if (polymarket_book_hash(o, mp, mn, neg, hex) < 0)
		return 0;
	if (h->n == 40 && memcmp(h->p, hex, 40) == 0)
		return 0;
	buf_add(m->nm.out, "{\"type\":\"status\"", 16);
	buf_adds(m->nm.out, ",\"venue\":\"polymarket\",\"market\":");
	buf_add_jstr(m->nm.out, m->market, strlen(m->market));
	norm_key(&m->nm, "symbol");
	buf_add_jstr(m->nm.out, m->sym, strlen(m->sym));
	norm_put_int(&m->nm, "time", time);
	buf_adds(m->nm.out, ",\"source\":\"mkt-feed\","
	    "\"state\":\"check_failed\",\"reason\":\"hash_mismatch\","
	    "\"hash\":");
	buf_add_jstr(m->nm.out, h->p, h->n);
	buf_adds(m->nm.out, ",\"computed\":\"");
	buf_add(m->nm.out, hex, 40);
	buf_adds(m->nm.out, "\"}\n");
	return 1;
}

/* book: the whole book of one token. */
static int
pm_book(struct pm *m, const struct json_obj *o)
{
	int64_t ts;

	if (pm_symbol(m, o, "asset_id") < 0 ||
	    norm_int(&m->nm, o, "timestamp", &ts) < 0)
		return -1;
	pm_head(m, "snapshot", ts);
	norm_put_int(&m->nm, "last_id", ts);
	if (pm_side(m, "bids", o, "bids", 1) < 0 ||
	    pm_side(m, "asks", o, "asks", 0) < 0)
		return -1;
	buf_add(m->nm.out, "}\n", 2);
	return 1 + pm_check_hash(m, o, ts);
}

/* Does the item's asset_id equal id[0..n)? */
static int
same_asset(const struct json_obj *it, const char *id, size_t n)
{
	const struct json_span *a = json_get(it, "asset_id");

	return a && a->type == JSON_STRING && a->n == n &&
	    memcmp(a->p, id, n) == 0;
}

/* The levels of side BUY (bids) or SELL (asks) of items[] for token
 * m->sym, as ,"name":[...] in the order sent. */
static void
pm_changes_side(struct pm *m, const char *name, const struct json_obj *items,
    size_t n, const char *side)
{
	const struct json_span *p, *q;
	size_t i;
	int k = 0;

	norm_key(&m->nm, name);
	buf_addc(m->nm.out, '[');
	for (i = 0; i < n; i++) {
		if (!same_asset(&items[i], m->sym, strlen(m->sym)) ||
		    !json_str_is(json_get(&items[i], "side"), side))
			continue;
		p = json_get(&items[i], "price");
		q = json_get(&items[i], "size");
		if (k++)
			buf_addc(m->nm.out, ',');
		buf_addc(m->nm.out, '[');
		buf_add(m->nm.out, p->p, p->n);
		buf_addc(m->nm.out, ',');
		buf_add(m->nm.out, q->p, q->n);
		buf_addc(m->nm.out, ']');
	}
	buf_addc(m->nm.out, ']');
}

/* One item of price_changes, checked (and parsed into it). */
static int
pm_change_item(struct pm *m, size_t i, const struct json_span *v,
    struct json_obj *it)
{
	const struct json_span *s, *p, *q;
	const char *reason;
	struct fx x;
	size_t at;
	int r;

	if (v->type != JSON_OBJECT ||
	    json_parse_object(v->p, v->n, it, &reason, &at) < 0)
		return pm_fail(m, "price_changes[%zu] is not an object", i);
	if (pm_symbol(m, it, "asset_id") < 0)
		return -1;
	s = json_get(it, "side");
	if (!json_str_is(s, "BUY") && !json_str_is(s, "SELL"))
		return pm_fail(m, "price_changes[%zu]: side is neither BUY "
		    "nor SELL", i);
	p = json_get(it, "price");
	q = json_get(it, "size");
	if (!p || !q)
		return pm_fail(m, "price_changes[%zu]: no price or size", i);
	r = norm_decimal(p, &x);
	if (r != FX_OK || x.m <= 0)
		return pm_fail(m, "price_changes[%zu]: price: %s", i,
		    r != FX_OK ? norm_fx_reason(r) : "not positive");
	r = norm_decimal(q, &x);
	if (r != FX_OK || x.m < 0)
		return pm_fail(m, "price_changes[%zu]: size: %s", i,
		    r != FX_OK ? norm_fx_reason(r) : "negative");
	return 0;
}

/* price_change: one depth event per token, in the order first named. */
static int
pm_price_change(struct pm *m, const struct json_obj *o)
{
	const struct json_span *arr;
	struct json_iter iter;
	struct json_span v;
	struct json_obj *items = NULL;
	size_t n = 0, cap = 0, i, j;
	int64_t ts;
	int events = 0;

	if (norm_int(&m->nm, o, "timestamp", &ts) < 0)
		return -1;
	arr = norm_need(&m->nm, o, "price_changes");
	if (!arr)
		return -1;
	if (arr->type != JSON_ARRAY)
		return pm_fail(m, "field 'price_changes' is not an array");
	json_iter_init(&iter, arr);
	while (json_next(&iter, &v)) {
		if (n == PM_CHANGES_MAX) {
			free(items);
			return pm_fail(m, "more than %d price changes",
			    PM_CHANGES_MAX);
		}
		if (n == cap) {
			struct json_obj *g;

			cap = cap ? 2 * cap : 4;
			g = realloc(items, cap * sizeof *items);
			if (!g) {
				free(items);
				return pm_fail(m, "out of memory");
			}
			items = g;
		}
		if (pm_change_item(m, n, &v, &items[n]) < 0) {
			free(items);
			return -1;
		}
		n++;
	}
	for (i = 0; i < n; i++) {
		const struct json_span *a = json_get(&items[i], "asset_id");

		/* A token named before has its event already. */
		for (j = 0; j < i; j++)
			if (same_asset(&items[j], a->p, a->n))
				break;
		if (j < i)
			continue;
		memcpy(m->sym, a->p, a->n);
		m->sym[a->n] = '\0';
		pm_head(m, "depth", ts);
		norm_put_int(&m->nm, "first_id", ts);
		norm_put_int(&m->nm, "last_id", ts);
		pm_changes_side(m, "bids", items, n, "BUY");
		pm_changes_side(m, "asks", items, n, "SELL");
		buf_add(m->nm.out, "}\n", 2);
		events++;
	}
	free(items);
	return events;
}

/* last_trade_price: one trade. */
static int
pm_trade(struct pm *m, const struct json_obj *o)
{
	const struct json_span *side, *tx;
	int64_t ts;

	if (pm_symbol(m, o, "asset_id") < 0 ||
	    norm_int(&m->nm, o, "timestamp", &ts) < 0)
		return -1;
	side = norm_need(&m->nm, o, "side");
	if (!side)
		return -1;
	if (!json_str_is(side, "BUY") && !json_str_is(side, "SELL"))
		return pm_fail(m,
		    "field 'side' is neither \"BUY\" nor \"SELL\"");
	pm_head(m, "trade", ts);
	norm_key(&m->nm, "id");
	tx = json_get(o, "transaction_hash");
	if (tx && tx->type == JSON_STRING && tx->n > 0 && tx->n <= 128 &&
	    !tx->escaped)
		buf_add_jstr(m->nm.out, tx->p, tx->n);
	else
		buf_addf(m->nm.out, "\"%lld\"", (long long)ts);
	if (norm_put_dec(&m->nm, "price", o, "price") < 0 ||
	    norm_put_dec(&m->nm, "qty", o, "size") < 0)
		return -1;
	buf_adds(m->nm.out, json_str_is(side, "BUY") ?
	    ",\"side\":\"buy\"}\n" : ",\"side\":\"sell\"}\n");
	return 1;
}

/* tick_size_change: the token's new price step. */
static int
pm_tick(struct pm *m, const struct json_obj *o)
{
	const struct json_span *t;
	struct fx x;
	int64_t ts;
	int r;

	if (pm_symbol(m, o, "asset_id") < 0 ||
	    norm_int(&m->nm, o, "timestamp", &ts) < 0)
		return -1;
	t = norm_need(&m->nm, o, "new_tick_size");
	if (!t)
		return -1;
	r = norm_decimal(t, &x);
	if (r != FX_OK || x.m <= 0)
		return pm_fail(m, "field 'new_tick_size': %s",
		    r != FX_OK ? norm_fx_reason(r) : "not positive");
	pm_head(m, "instrument", ts);
	norm_key(&m->nm, "tick");
	buf_addc(m->nm.out, '"');
	buf_add(m->nm.out, t->p, t->n);
	buf_adds(m->nm.out, "\"}\n");
	return 1;
}

/* best_bid_ask: a ticker of prices only (the message has no sizes). */
static int
pm_ticker(struct pm *m, const struct json_obj *o)
{
	int64_t ts;

	if (pm_symbol(m, o, "asset_id") < 0 ||
	    norm_int(&m->nm, o, "timestamp", &ts) < 0)
		return -1;
	pm_head(m, "ticker", ts);
	if (norm_put_dec(&m->nm, "bid", o, "best_bid") < 0 ||
	    norm_put_dec(&m->nm, "ask", o, "best_ask") < 0)
		return -1;
	buf_adds(m->nm.out, "}\n");
	return 1;
}

/* One message object. */
static int
pm_object(struct pm *m, const char *msg, size_t n)
{
	struct json_obj o;
	const struct json_span *et;
	const char *reason;
	size_t at;

	if (json_parse_object(msg, n, &o, &reason, &at) < 0)
		return pm_fail(m, "invalid JSON at byte %zu: %s", at, reason);
	et = json_get(&o, "event_type");
	if (!et) {
		/* A REST /book reply: the book without an event_type. */
		if (json_get(&o, "asset_id") && json_get(&o, "bids")) {
			m->nm.kind = "book reply";
			return pm_book(m, &o);
		}
		return VENUE_IGNORED;
	}
	if (et->type != JSON_STRING ||
	    json_str_copy(et, m->kind, sizeof m->kind) <= 0)
		return pm_fail(m, "field 'event_type' is not a name");
	m->nm.kind = m->kind;
	if (strcmp(m->kind, "book") == 0)
		return pm_book(m, &o);
	if (strcmp(m->kind, "price_change") == 0)
		return pm_price_change(m, &o);
	if (strcmp(m->kind, "last_trade_price") == 0)
		return pm_trade(m, &o);
	if (strcmp(m->kind, "tick_size_change") == 0)
		return pm_tick(m, &o);
	if (strcmp(m->kind, "best_bid_ask") == 0)
		return pm_ticker(m, &o);
	return VENUE_IGNORED;
}

/* The plain (only) pass: an object, an array of them, or PONG. */
static int
pm_message(void *mv, const char *msg, size_t n)
{
	struct pm *m = mv;
	struct json_span all, v;
	struct json_iter it;
	const char *reason;
	size_t at, i = 0;
	int r, count = 0;

	while (i < n && (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\r' ||
	    msg[i] == '\n'))
		i++;
	if (n - i >= 4 && memcmp(msg + i, "PONG", 4) == 0)
		return VENUE_IGNORED;
	if (i == n || msg[i] != '[')
		return pm_object(m, msg, n);
	while (n > i && (msg[n - 1] == ' ' || msg[n - 1] == '\t' ||
	    msg[n - 1] == '\r' || msg[n - 1] == '\n'))
		n--;
	if (n - i > UINT32_MAX)
		return pm_fail(m, "message too large");
	memset(&all, 0, sizeof all);
	all.p = msg + i;
	all.n = (uint32_t)(n - i);
	all.type = JSON_ARRAY;
	all.unchecked = 1;
	if (json_check(&all, &reason, &at) < 0)
		return pm_fail(m, "invalid JSON at byte %zu: %s", i + at,
		    reason);
	json_iter_init(&it, &all);
	while (json_next(&it, &v)) {
		m->nm.kind = NULL;
		if (v.type != JSON_OBJECT)
			return pm_fail(m, "an array item is not an object");
		r = pm_object(m, v.p, v.n);
		if (r < 0)
			return -1;
		count += r;
	}
	return count;
}

/* There is no fast pass: the plain one decides every message. */
static int
pm_no_fast(void *mv, const char *msg, size_t n)
{
	(void)mv;
	(void)msg;
	(void)n;
	return -1;
}

static void
pm_begin(void *mv, int fast)
{
	struct pm *m = mv;

	m->nm.kind = NULL;
	m->kind[0] = '\0';
	m->sym[0] = '\0';
	norm_begin(&m->nm, fast);
}

static const struct norm_passes pm_passes = {
	pm_begin, pm_no_fast, pm_message,
};

int
polymarket_normalize(const char *msg, size_t n, const char *market,
    int64_t recv_us, struct buf *out, char *why, size_t whylen)
{
	struct pm m;

	pm_begin(&m, 0);
	m.market = market;
	m.recv_us = recv_us < 0 ? -1 : recv_us;
	m.nm.out = out;
	m.nm.pair = "{price, size}";
	m.nm.why = why;
	m.nm.whylen = whylen;
	if (!market || strcmp(market, "clob") != 0)
		return pm_fail(&m, "unknown market '%s'",
		    market ? market : "(null)");
	return norm_run(&m.nm, NORM_PLAIN, &pm_passes, &m, msg, n);
}
