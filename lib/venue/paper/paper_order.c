/*
 * paper_order: trades against resting orders, placing, canceling and
 * querying orders on the paper venue (the rules are in paper.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper_int.h"

static void
say(char *why, size_t whylen, int err, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	errno = err;
}

/* A string member of a trade event, copied; -1 when absent or long. */
static int
trade_string(const struct event *ev, enum ev_field f, const char *name,
    char *dst, size_t cap, char *why, size_t whylen)
{
	const struct json_span *v = ev->field[f];

	if (!v || v->type != JSON_STRING || json_str_copy(v, dst, cap) < 0) {
		snprintf(why, whylen, "field '%s' missing or not a short "
		    "string", name);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int
trade_decimal(const struct event *ev, const char *name, struct fx *out,
    char *why, size_t whylen)
{
	const struct json_span *v = json_get(&ev->obj, name);

	if (!v || event_decimal(v, out) != FX_OK || out->m <= 0) {
		snprintf(why, whylen, "field '%s' missing or not a positive "
		    "number", name);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* What of a trade at tp, qty tq, one resting order fills, avail being
 * what our earlier orders left of it (see paper.h); 0 or -1 (overflow). */
static int
trade_share(struct porder *o, struct fx tp, struct fx tq, struct fx avail,
    struct fx *f)
{
	int c = fx_cmp(tp, o->price);
	struct fx left, take, rest;

	f->m = 0;
	f->s = 0;
	if (paper_remaining(o, &left) < 0)
		return -1;
	if (c == 0) {
		/* The queue ahead takes first, then our orders before it. */
		take = paper_min(o->ahead, tq);
		if (fx_sub(o->ahead, take, &o->ahead) < 0 ||
		    fx_sub(avail, take, &rest) < 0)
			return -1;
		o->ahead = fx_trim(o->ahead);
		if (rest.m > 0)
			*f = paper_min(left, rest);
	} else if ((o->side == VT_BUY && c < 0) ||
	    (o->side == VT_SELL && c > 0)) {
		o->ahead = (struct fx){ 0, 0 };
		*f = paper_min(left, avail);
	}
	return 0;
}

int
paper_trade(struct paper *p, struct event *ev, struct vt_updates *out,
    char *why, size_t whylen)
{
	char v[VT_ID_LEN], m[VT_ID_LEN], s[VT_SYMBOL_LEN];
	struct fx tp, tq, avail, f;
	struct pbook *pb;
	int64_t t = p->last_time;
	size_t i;

	if (trade_string(ev, EVF_VENUE, "venue", v, sizeof v, why,
	    whylen) < 0 ||
	    trade_string(ev, EVF_MARKET, "market", m, sizeof m, why,
	    whylen) < 0 ||
	    trade_string(ev, EVF_SYMBOL, "symbol", s, sizeof s, why,
	    whylen) < 0 ||
	    trade_decimal(ev, "price", &tp, why, whylen) < 0 ||
	    trade_decimal(ev, "qty", &tq, why, whylen) < 0)
		return -1;
	if (ev->field[EVF_TIME] && json_int64(ev->field[EVF_TIME], &t) < 0) {
		say(why, whylen, EINVAL, "field 'time' is not an integer");
		return -1;
	}
	p->last_time = t;
	pb = paper_pbook(p, v, m, s, 0);
	if (!pb)
		return 0;
	avail = tq;
	for (i = 0; i < pb->n; i++) {
		struct porder *o = pb->rest[i];

		if (!o->resting)
			continue;
		if (trade_share(o, tp, tq, avail, &f) < 0 ||
		    fx_sub(avail, f, &avail) < 0) {
			say(why, whylen, ERANGE, "number out of range");
			return -1;
		}
		if (f.m > 0 && paper_fill(p, o, o->price, f, 1, t, out) < 0) {
			say(why, whylen, errno, errno == ENOMEM ?
			    "out of memory" : "number out of range");
			return -1;
		}
	}
	paper_compact(pb);
	return 0;
}

/* ---- placing ---- */

static int
matches(const char *want, const char *have)
{
	return !want || strcmp(want, have) == 0;
}

/* The one book for venue, market (NULL: any) and symbol, or NULL. */
static struct book *
find_book(struct paper *p, const char *venue, const char *market,
    const char *symbol)
{
	struct book *found = NULL;
	size_t i;

	for (i = 0; i < p->bs.map.n; i++) {
		struct book *b = p->bs.map.e[i].val;

		if (!matches(venue, b->venue) || !matches(market, b->market) ||
		    strcmp(symbol, b->symbol) != 0)
			continue;
		if (found)
			return NULL;
		found = b;
	}
	return found;
}

/* Parse s into *out (0 when it is no number); is it above 0? */
static int
positive(const char *s, struct fx *out)
{
	if (!s || fx_parse(s, strlen(s), out) != FX_OK) {
		out->m = 0;
		out->s = 0;
		return 0;
	}
	*out = fx_trim(*out);
	return out->m > 0;
}

/* Read o into po (every field, so that a rejection shows what was
 * asked); the reason it must be rejected, or NULL. */
static const char *
read_order(struct paper *p, const char *venue, const char *market,
    const struct vt_order *o, struct porder *po, struct book **b)
{
	int qty_ok = positive(o->qty, &po->qty);
	int price_ok = o->kind != VT_LIMIT || positive(o->price, &po->price);

	po->side = o->side;
	po->kind = o->kind;
	po->tif = o->tif;
	if (!o->symbol || strlen(o->symbol) >= sizeof po->symbol)
		return "bad symbol";
	memcpy(po->symbol, o->symbol, strlen(o->symbol) + 1);
	if ((o->side != VT_BUY && o->side != VT_SELL) ||
	    (o->kind != VT_LIMIT && o->kind != VT_MARKET) ||
	    o->tif < VT_GTC || o->tif > VT_POST_ONLY)
		return "bad side, kind or time in force";
	if (!qty_ok)
		return "bad quantity";
	if (!price_ok)
		return "bad price";
	if (o->kind == VT_MARKET && o->tif == VT_POST_ONLY)
		return "post_only market order";
	*b = find_book(p, venue, market, o->symbol);
	if (!*b)
		return "no such book";
	if (o->tif == VT_POST_ONLY) {
		struct fx cross;

		if (paper_crossing(*b, o->side, 1, po->price, &cross) < 0)
			return "number out of range";
		if (cross.m > 0)
			return "post_only would take";
	}
	return NULL;
}

static int
say_state(struct porder *o, const char *status, int64_t t,
    struct vt_updates *out)
{
	struct vt_update *u;

	o->status = status;
	u = vt_updates_add(out, VT_U_ORDER);
	if (!u) {
		errno = ENOMEM;
		return -1;
	}
	paper_order_state(o, t, u);
	return 0;
}

/* After "new": the taker part, then rest or expire. */
static int
execute(struct paper *p, struct porder *o, const struct book *b,
    struct vt_updates *out)
{
	int64_t t = p->last_time;
	struct fx avail, left;
	struct pbook *pb;

	if (o->tif == VT_FOK) {
		if (paper_crossing(b, o->side, o->kind == VT_LIMIT, o->price,
		    &avail) < 0) {
			errno = ERANGE;
			return -1;
		}
		if (fx_cmp(avail, o->qty) < 0)
			return say_state(o, "expired", t, out);
	}
	if (paper_take(p, o, b, t, out) < 0 || paper_remaining(o, &left) < 0)
		return -1;
	if (left.m <= 0)
		return 0;
	if (o->kind == VT_MARKET || o->tif == VT_IOC || o->tif == VT_FOK)
		return say_state(o, "expired", t, out);
	o->ahead = fx_trim(paper_level_qty(b, o->side, o->price));
	o->used = o->filled;
	pb = paper_pbook(p, b->venue, b->market, b->symbol, 1);
	if (!pb || paper_rest(pb, o) < 0)
		return -1;
	return 0;
}

int
paper_place(struct paper *p, const char *venue, const char *market,
    const struct vt_order *o, struct vt_updates *out, char *why,
    size_t whylen)
{
	struct book *b = NULL;
	struct porder *po;
	const char *bad;
	size_t n;

	if (!o->client_id || !o->client_id[0] ||
	    (n = strlen(o->client_id)) >= VT_ID_LEN) {
		say(why, whylen, EINVAL, "bad client id");
		return -1;
	}
	if (keymap_get(&p->orders, o->client_id, n))
		return 1;
	po = calloc(1, sizeof *po);
	if (!po || keymap_put(&p->orders, o->client_id, n, po) < 0) {
		free(po);
		say(why, whylen, ENOMEM, "out of memory");
		return -1;
	}
	memcpy(po->client_id, o->client_id, n + 1);
	snprintf(po->order_id, sizeof po->order_id, "paper-%llu",
	    (unsigned long long)++p->nplace);
	bad = read_order(p, venue, market, o, po, &b);
	if (bad) {
		if (say_state(po, "rejected", p->last_time, out) < 0)
			goto fail;
		return 0;
	}
	if (say_state(po, "new", p->last_time, out) < 0 ||
	    execute(p, po, b, out) < 0)
		goto fail;
	return 0;
fail:
	say(why, whylen, errno, errno == ENOMEM ? "out of memory" :
	    "number out of range");
	return -1;
}

int
paper_cancel(struct paper *p, const char *client_id, struct vt_updates *out)
{
	struct porder *o = keymap_get(&p->orders, client_id,
	    strlen(client_id));

	if (!o || !o->resting)
		return 1;
	if (say_state(o, "canceled", p->last_time, out) < 0)
		return -1;
	o->resting = 0;
	/* Compacting at every cancel would make many cancels quadratic. */
	if (++o->pb->dead * 2 > o->pb->n)
		paper_compact(o->pb);
	return 0;
}

int
paper_query(const struct paper *p, const char *client_id,
    struct vt_update *u)
{
	/* keymap_get remembers its last hit: the map is not changed. */
	struct porder *o = keymap_get((struct keymap *)&p->orders, client_id,
	    strlen(client_id));

	if (!o)
		return 0;
	paper_order_state(o, p->last_time, u);
	return 1;
}
