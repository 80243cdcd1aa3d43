/*
 * tevent: intent and cancel read, order, fill and position written, and
 * order and fill read back (a journal's replay).
 */
#include <stdio.h>
#include <string.h>

#include "event/tevent.h"

int
tevent_is(const struct event *ev, const char *type)
{
	const struct json_span *t = json_get(&ev->obj, "type");

	return t && json_str_is(t, type);
}

/*
 * The string member key into dst[0..cap): 1 copied, 0 absent, -1 (with
 * why) when it is not a string or does not fit.
 */
static int
get_str(const struct event *ev, const char *key, char *dst, size_t cap,
    char *why, size_t whylen)
{
	const struct json_span *v = json_get(&ev->obj, key);

	dst[0] = '\0';
	if (!v || v->type == JSON_NULL)
		return 0;
	if (v->type != JSON_STRING) {
		snprintf(why, whylen, "field '%s' is not a string", key);
		return -1;
	}
	if (json_str_copy(v, dst, cap) < 0) {
		snprintf(why, whylen, "field '%s' is longer than %zu bytes",
		    key, cap - 1);
		return -1;
	}
	return 1;
}

static int
need_str(const struct event *ev, const char *key, char *dst, size_t cap,
    char *why, size_t whylen)
{
	int r = get_str(ev, key, dst, cap, why, whylen);

	if (r == 0) {
		snprintf(why, whylen, "missing field '%s'", key);
		return -1;
	}
	if (r > 0 && dst[0] == '\0') {
		snprintf(why, whylen, "field '%s' is empty", key);
		return -1;
	}
	return r < 0 ? -1 : 0;
}

/* An id goes into the state store, requests and logs: printable only. */
static int
check_id(const char *id, const char *key, char *why, size_t whylen)
{
	const unsigned char *p;

	for (p = (const unsigned char *)id; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(why, whylen, "field '%s' holds a control "
			    "character", key);
			return -1;
		}
	return 0;
}

/*
 * A decimal member (number or numeric string) as text (as written,
 * without quotes) and exact value: 1, 0 when absent, -1 with why.
 */
static int
get_decimal(const struct event *ev, const char *key, char *text,
    struct fx *v, char *why, size_t whylen)
{
	const struct json_span *s = json_get(&ev->obj, key);
	const char *p;
	size_t n;

	text[0] = '\0';
	if (!s)
		return 0;
	if (event_decimal(s, v) != FX_OK) {
		snprintf(why, whylen, "field '%s' is not a decimal number",
		    key);
		return -1;
	}
	p = s->p;
	n = s->n;
	if (s->type == JSON_STRING && n >= 2 && p[0] == '"') {
		p++;
		n -= 2;
	}
	if (n >= TEV_NUM) {
		snprintf(why, whylen, "field '%s' has too many digits", key);
		return -1;
	}
	/* Exponents are for machines; venues want plain digits. */
	if (memchr(p, 'e', n) || memchr(p, 'E', n)) {
		fx_str(fx_trim(*v), text);
		return 1;
	}
	memcpy(text, p, n);
	text[n] = '\0';
	return 1;
}

/* A decimal member that must be there and above 0. */
static int
get_positive(const struct event *ev, const char *key, char *text,
    struct fx *v, char *why, size_t whylen)
{
	int r = get_decimal(ev, key, text, v, why, whylen);

	if (r == 0) {
		snprintf(why, whylen, "missing field '%s'", key);
		return -1;
	}
	if (r < 0)
		return -1;
	if (v->m <= 0) {
		snprintf(why, whylen, "field '%s' must be above 0", key);
		return -1;
	}
	return 0;
}

static int
get_bool(const struct event *ev, const char *key, int *b, char *why,
    size_t whylen)
{
	const struct json_span *v = json_get(&ev->obj, key);

	*b = 0;
	if (!v || v->type == JSON_NULL || v->type == JSON_FALSE)
		return 0;
	if (v->type == JSON_TRUE) {
		*b = 1;
		return 0;
	}
	snprintf(why, whylen, "field '%s' is not true or false", key);
	return -1;
}

static int
one_of(const char *v, const char *const *words, const char *key, char *why,
    size_t whylen)
{
	size_t i;

	for (i = 0; words[i]; i++)
		if (strcmp(v, words[i]) == 0)
			return 0;
	snprintf(why, whylen, "field '%s' is '%s', not one of %s%s%s%s",
	    key, v, words[0], words[1] ? ", " : "", words[1] ? words[1] : "",
	    words[1] && words[2] ? ", ..." : "");
	return -1;
}

static int
intent_words(const struct event *ev, struct intent *it, char *why,
    size_t whylen)
{
	static const char *const sides[] = { "buy", "sell", NULL };
	static const char *const kinds[] = { "limit", "market", NULL };
	static const char *const tifs[] = { "GTC", "IOC", "FOK", "post_only",
		NULL };

	if (need_str(ev, "side", it->side, sizeof it->side, why, whylen) < 0 ||
	    one_of(it->side, sides, "side", why, whylen) < 0)
		return -1;
	if (need_str(ev, "kind", it->kind, sizeof it->kind, why, whylen) < 0 ||
	    one_of(it->kind, kinds, "kind", why, whylen) < 0)
		return -1;
	if (get_str(ev, "tif", it->tif, sizeof it->tif, why, whylen) < 0)
		return -1;
	if (it->tif[0] == '\0')
		strcpy(it->tif, strcmp(it->kind, "market") ? "GTC" : "IOC");
	if (one_of(it->tif, tifs, "tif", why, whylen) < 0)
		return -1;
	return 0;
}

int
tevent_intent(const struct event *ev, struct intent *it, char *why,
    size_t whylen)
{
	memset(it, 0, sizeof *it);
	if (need_str(ev, "id", it->id, sizeof it->id, why, whylen) < 0 ||
	    check_id(it->id, "id", why, whylen) < 0)
		return -1;
	if (get_str(ev, "venue", it->venue, sizeof it->venue, why,
	    whylen) < 0 ||
	    get_str(ev, "market", it->market, sizeof it->market, why,
	    whylen) < 0 ||
	    need_str(ev, "symbol", it->symbol, sizeof it->symbol, why,
	    whylen) < 0 ||
	    check_id(it->symbol, "symbol", why, whylen) < 0)
		return -1;
	if (intent_words(ev, it, why, whylen) < 0)
		return -1;
	if (get_positive(ev, "qty", it->qty, &it->qty_fx, why, whylen) < 0)
		return -1;
	if (strcmp(it->kind, "limit") == 0) {
		if (get_positive(ev, "price", it->price, &it->price_fx, why,
		    whylen) < 0)
			return -1;
	} else if (json_get(&ev->obj, "price")) {
		snprintf(why, whylen, "a market intent has no 'price'");
		return -1;
	} else if (strcmp(it->tif, "post_only") == 0) {
		snprintf(why, whylen, "a market intent cannot be post_only");
		return -1;
	}
	if (get_bool(ev, "reduce_only", &it->reduce_only, why, whylen) < 0)
		return -1;
	it->time = (ev->has & EV_HAS_TIME) ? ev->time : 0;
	return 0;
}

int
tevent_cancel(const struct event *ev, struct cancel *c, char *why,
    size_t whylen)
{
	int rt, rs;

	memset(c, 0, sizeof *c);
	if (need_str(ev, "id", c->id, sizeof c->id, why, whylen) < 0 ||
	    check_id(c->id, "id", why, whylen) < 0)
		return -1;
	rt = get_str(ev, "target", c->target, sizeof c->target, why, whylen);
	rs = get_str(ev, "symbol", c->symbol, sizeof c->symbol, why, whylen);
	if (rt < 0 || rs < 0)
		return -1;
	if (c->target[0] == '\0' && c->symbol[0] == '\0') {
		snprintf(why, whylen, "a cancel needs 'target' (an intent id) "
		    "or 'symbol' (cancel all of it)");
		return -1;
	}
	return check_id(c->target, "target", why, whylen) < 0 ? -1 : 0;
}

/* The venue, market and symbol of an order or fill event, all needed. */
static int
get_place(const struct event *ev, char *venue, char *market, char *symbol,
    char *why, size_t whylen)
{
	if (need_str(ev, "venue", venue, TEV_NAME, why, whylen) < 0 ||
	    need_str(ev, "market", market, TEV_NAME, why, whylen) < 0 ||
	    need_str(ev, "symbol", symbol, TEV_SYMBOL, why, whylen) < 0)
		return -1;
	return check_id(symbol, "symbol", why, whylen);
}

/* The "time" of an order or fill event: epoch ms, needed. */
static int
get_time(const struct event *ev, int64_t *t, char *why, size_t whylen)
{
	const struct json_span *v = json_get(&ev->obj, "time");

	if (!v) {
		snprintf(why, whylen, "missing field 'time'");
		return -1;
	}
	if (v->type != JSON_NUMBER || json_int64(v, t) < 0 || *t < 0) {
		snprintf(why, whylen, "field 'time' is not a time in ms");
		return -1;
	}
	return 0;
}

/* A printable id member: needed (need 1) or not. */
static int
get_id(const struct event *ev, const char *key, char *dst, size_t cap,
    int need, char *why, size_t whylen)
{
	int r = need ? need_str(ev, key, dst, cap, why, whylen) :
	    get_str(ev, key, dst, cap, why, whylen);

	if (r < 0)
		return -1;
	return check_id(dst, key, why, whylen);
}

static int
get_side(const struct event *ev, char *side, char *why, size_t whylen)
{
	static const char *const sides[] = { "buy", "sell", NULL };

	if (need_str(ev, "side", side, 5, why, whylen) < 0)
		return -1;
	return one_of(side, sides, "side", why, whylen);
}

static int
order_numbers(const struct event *ev, struct tev_order_in *o, char *why,
    size_t whylen)
{
	struct fx v;
	int r;

	if (get_positive(ev, "qty", o->qty, &v, why, whylen) < 0)
		return -1;
	r = get_decimal(ev, "price", o->price, &v, why, whylen);
	if (r < 0 || (r > 0 && v.m <= 0)) {
		if (r > 0)
			snprintf(why, whylen, "field 'price' must be above 0");
		return -1;
	}
	if (r == 0 && strcmp(o->kind, "limit") == 0) {
		snprintf(why, whylen, "missing field 'price'");
		return -1;
	}
	r = get_decimal(ev, "filled_qty", o->filled_qty, &v, why, whylen);
	if (r < 0 || (r > 0 && v.m < 0)) {
		if (r > 0)
			snprintf(why, whylen, "field 'filled_qty' is below 0");
		return -1;
	}
	if (r == 0)
		strcpy(o->filled_qty, "0");
	r = get_decimal(ev, "avg_price", o->avg_price, &v, why, whylen);
	if (r > 0 && v.m < 0) {
		snprintf(why, whylen, "field 'avg_price' is below 0");
		return -1;
	}
	return r < 0 ? -1 : 0;
}

int
tevent_order_in(const struct event *ev, struct tev_order_in *o, char *why,
    size_t whylen)
{
	static const char *const kinds[] = { "limit", "market", NULL };
	static const char *const statuses[] = { "pending", "new",
		"partially_filled", "filled", "canceled", "rejected",
		"expired", NULL };

	memset(o, 0, sizeof *o);
	if (get_place(ev, o->venue, o->market, o->symbol, why, whylen) < 0 ||
	    get_id(ev, "id", o->id, sizeof o->id, 1, why, whylen) < 0 ||
	    get_id(ev, "client_id", o->client_id, sizeof o->client_id, 1,
	    why, whylen) < 0 ||
	    get_id(ev, "order_id", o->order_id, sizeof o->order_id, 0, why,
	    whylen) < 0 ||
	    get_side(ev, o->side, why, whylen) < 0)
		return -1;
	if (need_str(ev, "kind", o->kind, sizeof o->kind, why, whylen) < 0 ||
	    one_of(o->kind, kinds, "kind", why, whylen) < 0 ||
	    get_str(ev, "tif", o->tif, sizeof o->tif, why, whylen) < 0 ||
	    check_id(o->tif, "tif", why, whylen) < 0)
		return -1;
	if (need_str(ev, "status", o->status, sizeof o->status, why,
	    whylen) < 0 ||
	    one_of(o->status, statuses, "status", why, whylen) < 0)
		return -1;
	if (order_numbers(ev, o, why, whylen) < 0)
		return -1;
	return get_time(ev, &o->time, why, whylen);
}

int
tevent_fill_in(const struct event *ev, struct tev_fill_in *f, char *why,
    size_t whylen)
{
	struct fx v;

	memset(f, 0, sizeof *f);
	if (get_place(ev, f->venue, f->market, f->symbol, why, whylen) < 0 ||
	    get_id(ev, "id", f->id, sizeof f->id, 0, why, whylen) < 0 ||
	    get_id(ev, "client_id", f->client_id, sizeof f->client_id, 0,
	    why, whylen) < 0 ||
	    get_id(ev, "order_id", f->order_id, sizeof f->order_id, 0, why,
	    whylen) < 0 ||
	    get_id(ev, "trade_id", f->trade_id, sizeof f->trade_id, 1, why,
	    whylen) < 0 ||
	    get_side(ev, f->side, why, whylen) < 0)
		return -1;
	if (get_positive(ev, "price", f->price, &v, why, whylen) < 0 ||
	    get_positive(ev, "qty", f->qty, &v, why, whylen) < 0 ||
	    get_decimal(ev, "fee", f->fee, &v, why, whylen) < 0 ||
	    get_id(ev, "fee_asset", f->fee_asset, sizeof f->fee_asset, 0,
	    why, whylen) < 0)
		return -1;
	return get_time(ev, &f->time, why, whylen);
}

static void
add_str(struct buf *out, const char *name, const char *v)
{
	if (!v || !*v)
		return;
	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_add_jstr(out, v, strlen(v));
}

/* A decimal member: a JSON number with the venue's digits. */
static void
add_num(struct buf *out, const char *name, const char *v)
{
	if (!v || !*v)
		return;
	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_adds(out, v);
}

void
tevent_render_order(struct buf *out, const struct tev_order *o)
{
	event_render_head(out, "order", o->venue, o->market, o->symbol,
	    EV_HAS_TIME, o->time, 0);
	add_str(out, "id", o->id);
	add_str(out, "client_id", o->client_id);
	add_str(out, "order_id", o->order_id);
	add_str(out, "side", o->side);
	add_str(out, "kind", o->kind);
	add_num(out, "qty", o->qty);
	add_num(out, "price", o->price);
	add_str(out, "tif", o->tif);
	add_str(out, "status", o->status);
	add_num(out, "filled_qty", o->filled_qty);
	add_num(out, "avg_price", o->avg_price);
	add_str(out, "reason", o->reason);
	add_str(out, "source", o->source);
	buf_adds(out, "}\n");
}

void
tevent_render_fill(struct buf *out, const struct tev_fill *f)
{
	event_render_head(out, "fill", f->venue, f->market, f->symbol,
	    EV_HAS_TIME, f->time, 0);
	add_str(out, "id", f->id);
	add_str(out, "client_id", f->client_id);
	add_str(out, "order_id", f->order_id);
	add_str(out, "trade_id", f->trade_id);
	add_str(out, "side", f->side);
	add_num(out, "price", f->price);
	add_num(out, "qty", f->qty);
	add_num(out, "fee", f->fee);
	add_str(out, "fee_asset", f->fee_asset);
	if (f->maker >= 0)
		buf_adds(out, f->maker ? ",\"maker\":true" :
		    ",\"maker\":false");
	buf_adds(out, "}\n");
}

void
tevent_render_position(struct buf *out, const struct tev_position *p)
{
	event_render_head(out, "position", p->venue, p->market, p->symbol,
	    EV_HAS_TIME, p->time, 0);
	add_num(out, "qty", p->qty);
	add_num(out, "entry_price", p->entry_price);
	add_num(out, "unrealized_pnl", p->unrealized_pnl);
	add_num(out, "realized_pnl", p->realized_pnl);
	buf_adds(out, "}\n");
}

void
tevent_render_reject(struct buf *out, const struct tev_reject *r)
{
	event_render_head(out, "reject", r->venue, r->market, r->symbol,
	    EV_HAS_TIME, r->time, 0);
	buf_adds(out, ",\"id\":");
	buf_add_jstr(out, r->id, strlen(r->id));
	add_str(out, "reason", r->reason);
	add_str(out, "detail", r->detail);
	buf_adds(out, "}\n");
}

void
tevent_render_mismatch(struct buf *out, const struct tev_mismatch *m)
{
	event_render_head(out, "mismatch", m->venue, m->market, m->symbol,
	    EV_HAS_TIME, m->time, 0);
	add_str(out, "what", m->what);
	add_str(out, "client_id", m->client_id);
	add_str(out, "order_id", m->order_id);
	add_str(out, "trade_id", m->trade_id);
	add_str(out, "asset", m->asset);
	add_str(out, "local", m->local);
	add_str(out, "remote", m->remote);
	add_str(out, "action", m->action);
	buf_adds(out, m->explained ? ",\"explained\":true" :
	    ",\"explained\":false");
	buf_adds(out, m->applied ? ",\"applied\":true" : ",\"applied\":false");
	add_str(out, "note", m->note);
	buf_adds(out, "}\n");
}
