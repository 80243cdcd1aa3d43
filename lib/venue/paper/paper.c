/*
 * paper: the paper venue's matching (the rules are in paper.h).  The
 * books are market/bookset's; this file keeps our orders beside them:
 * every order by client id, and per book the orders resting on it in
 * the order they came to rest, which is the order fills are given in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper_int.h"
#include "venue/venue.h"

static void
say(char *why, size_t whylen, int err, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	errno = err;
}

/* The bookset's renderings are not ours to show: a sink. */
static void
render_nothing(void *ctx, struct buf *out, struct book *b)
{
	(void)ctx;
	(void)out;
	(void)b;
}

int
paper_open(struct paper **pp, const struct paper_opts *o)
{
	struct paper *p;

	if (o->maker_fee.m < 0 || o->taker_fee.m < 0) {
		errno = EINVAL;
		return -1;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	p->maker = o->maker_fee;
	p->taker = o->taker_fee;
	bookset_init(&p->bs, "paper", 0, render_nothing, NULL);
	bookset_rules(&p->bs, venue_seq_rule);
	buf_init(&p->scratch, 0);
	keymap_init(&p->orders);
	keymap_init(&p->books);
	*pp = p;
	return 0;
}

void
paper_close(struct paper *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->orders.n; i++)
		free(p->orders.e[i].val);
	for (i = 0; i < p->books.n; i++) {
		struct pbook *pb = p->books.e[i].val;

		free(pb->rest);
		free(pb);
	}
	keymap_free(&p->orders);
	keymap_free(&p->books);
	bookset_free(&p->bs);
	buf_free(&p->scratch);
	free(p);
}

/* ---- reading the stored books ---- */

/* Level i of a side as price and quantity. */
static void
level_at(const struct book *b, const struct book_side *s, size_t i,
    struct fx *px, struct fx *q)
{
	int64_t k = s->lv[i].key;

	px->m = s == &b->ask ? -(fx_i128)k : (fx_i128)k;
	px->s = b->ps;
	q->m = s->lv[i].qty;
	q->s = b->qs;
}

static const struct book_side *
side_of(const struct book *b, enum vt_side side)
{
	return side == VT_BUY ? &b->bid : &b->ask;
}

static const struct book_side *
opposite_of(const struct book *b, enum vt_side side)
{
	return side == VT_BUY ? &b->ask : &b->bid;
}

/* The quantity at `price` on a side (0 when no level, or the book is not
 * in sync: a book out of sync counts as empty). */
struct fx
paper_level_qty(const struct book *b, enum vt_side side, struct fx price)
{
	struct fx zero = { 0, 0 };
	const struct book_side *s;
	fx_i128 m;
	int64_t key;
	size_t lo = 0, hi;

	if (!b || !book_valid(b) || fx_at_scale(price, b->ps, &m) < 0 ||
	    m > INT64_MAX || m < -INT64_MAX)
		return zero;
	s = side_of(b, side);
	key = side == VT_BUY ? (int64_t)m : -(int64_t)m;
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->lv[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->lv[lo].key == key) {
		zero.m = s->lv[lo].qty;
		zero.s = b->qs;
	}
	return zero;
}

/* Is a level at px within a `side` order's limit (at or through it)? */
static int
within(enum vt_side side, struct fx px, struct fx limit)
{
	int c = fx_cmp(px, limit);

	return side == VT_BUY ? c <= 0 : c >= 0;
}

/*
 * The opposite side's quantity at or through `limit` (has_limit 0: the
 * whole side), from the best level down.
 */
int
paper_crossing(const struct book *b, enum vt_side side, int has_limit,
    struct fx limit, struct fx *sum)
{
	const struct book_side *s;
	struct fx px, q;
	size_t i;

	sum->m = 0;
	sum->s = 0;
	if (!b || !book_valid(b))
		return 0;
	s = opposite_of(b, side);
	for (i = s->n; i-- > 0;) {
		level_at(b, s, i, &px, &q);
		if (has_limit && !within(side, px, limit))
			break;
		if (fx_add(*sum, q, sum) < 0)
			return -1;
	}
	return 0;
}

/* ---- updates ---- */

struct fx
paper_min(struct fx a, struct fx b)
{
	return fx_cmp(a, b) <= 0 ? a : b;
}

/*
 * num / den rounded half-even to AVG_DECIMALS places; den > 0.  Long
 * division, digit by digit, so nothing is lost on the way.  0 or -1
 * (overflow).
 */
#define AVG_DECIMALS 18
static int
divide_rounded(struct fx num, struct fx den, struct fx *out)
{
	fx_i128 n = num.m, d = den.m, q, r;
	int e = AVG_DECIMALS + den.s - num.s, i;

	if (d <= 0 || n < 0)
		return -1;
	if (e < 0) {
		if (-e > FX_MAX_DIGITS ||
		    __builtin_mul_overflow(d, fx_pow10(-e), &d))
			return -1;
		e = 0;
	}
	q = n / d;
	r = n % d;
	for (i = 0; i < e; i++) {
		if (__builtin_mul_overflow(r, (fx_i128)10, &r) ||
		    __builtin_mul_overflow(q, (fx_i128)10, &q))
			return -1;
		q += r / d;
		r %= d;
	}
	if (r > d - r || (r == d - r && q % 2 != 0))
		q++;
	out->m = q;
	out->s = AVG_DECIMALS;
	*out = fx_trim(*out);
	return 0;
}

/* Copy a NUL-terminated id, cut to cap - 1 bytes (ours always fit). */
static void
copy_id(char *dst, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap - 1);

	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Append the order's state; NULL with errno when that failed. */
static struct vt_update *
order_update(struct vt_updates *out, const struct porder *o, int64_t t)
{
	struct vt_update *u = vt_updates_add(out, VT_U_ORDER);

	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	paper_order_state(o, t, u);
	if (o->filled.m > 0 &&
	    divide_rounded(o->notional, o->filled, &u->avg_price) < 0) {
		out->n--;
		errno = ERANGE;
		return NULL;
	}
	return u;
}

void
paper_order_state(const struct porder *o, int64_t t, struct vt_update *u)
{
	memset(u, 0, sizeof *u);
	u->kind = VT_U_ORDER;
	copy_id(u->symbol, sizeof u->symbol, o->symbol);
	u->time_ms = t;
	copy_id(u->client_id, sizeof u->client_id, o->client_id);
	copy_id(u->order_id, sizeof u->order_id, o->order_id);
	u->side = o->side;
	copy_id(u->status, sizeof u->status, o->status);
	u->okind = o->kind;
	u->qty = o->qty;
	u->price = o->price;
	u->filled_qty = o->filled;
	if (o->filled.m > 0)
		(void)divide_rounded(o->notional, o->filled, &u->avg_price);
}

/* The quote asset of a symbol (see paper.h). */
static void
quote_asset(const char *sym, char *dst, size_t cap)
{
	static const char *const quotes[] = { "FDUSD", "USDT", "USDC",
	    "BUSD", "TUSD" };
	size_t n = strlen(sym), i, k;
	const char *q = n > 3 ? sym + n - 3 : sym;

	for (i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
		k = strlen(quotes[i]);
		if (n > k && strcmp(sym + n - k, quotes[i]) == 0) {
			q = quotes[i];
			break;
		}
	}
	k = strlen(q);
	if (k >= cap)
		k = cap - 1;
	memcpy(dst, q, k);
	dst[k] = '\0';
}

/*
 * One fill of o: q at px, maker or taker, at time t: the fill and the
 * order's new state appended.  0, or -1 with errno (ENOMEM, ERANGE).
 */
int
paper_fill(struct paper *p, struct porder *o, struct fx px, struct fx q,
    int maker, int64_t t, struct vt_updates *out)
{
	struct fx value, fee, filled, notional;
	struct vt_update *u;
	size_t n0 = out->n;

	if (fx_mul_round(px, q, FX_MAX_SCALE, FX_ROUND_HALF_EVEN, &value) < 0 ||
	    fx_mul_round(value, maker ? p->maker : p->taker, FX_MAX_SCALE,
	    FX_ROUND_HALF_EVEN, &fee) < 0 ||
	    fx_add(o->filled, q, &filled) < 0 ||
	    fx_add(o->notional, value, &notional) < 0) {
		errno = ERANGE;
		return -1;
	}
	u = vt_updates_add(out, VT_U_FILL);
	if (!u) {
		errno = ENOMEM;
		return -1;
	}
	copy_id(u->symbol, sizeof u->symbol, o->symbol);
	u->time_ms = t;
	copy_id(u->client_id, sizeof u->client_id, o->client_id);
	copy_id(u->order_id, sizeof u->order_id, o->order_id);
	u->side = o->side;
	snprintf(u->trade_id, sizeof u->trade_id, "paper-T-%llu",
	    (unsigned long long)p->nfill + 1);
	u->fill_price = fx_trim(px);
	u->fill_qty = fx_trim(q);
	u->fee = fx_trim(fee);
	quote_asset(o->symbol, u->fee_asset, sizeof u->fee_asset);
	u->maker = maker;
	o->filled = fx_trim(filled);
	o->notional = fx_trim(notional);
	o->status = fx_cmp(o->filled, o->qty) >= 0 ? "filled" :
	    "partially_filled";
	if (!order_update(out, o, t)) {
		out->n = n0;
		return -1;
	}
	p->nfill++;
	if (o->status[0] == 'f')
		o->resting = 0;
	return 0;
}

/* What is left of o to fill. */
int
paper_remaining(const struct porder *o, struct fx *left)
{
	if (fx_sub(o->qty, o->filled, left) < 0) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}

/* ---- books of resting orders ---- */

/* Drop the orders that are no longer resting, keeping the order. */
void
paper_compact(struct pbook *pb)
{
	size_t i, k = 0;

	for (i = 0; i < pb->n; i++)
		if (pb->rest[i]->resting)
			pb->rest[k++] = pb->rest[i];
	pb->n = k;
	pb->dead = 0;
}

struct pbook *
paper_pbook(struct paper *p, const char *venue, const char *market,
    const char *symbol, int create)
{
	char key[512];
	size_t n = keymap_key3(key, sizeof key, venue, strlen(venue), market,
	    strlen(market), symbol, strlen(symbol));
	struct pbook *pb;

	if (!n) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	pb = keymap_get(&p->books, key, n);
	if (pb || !create)
		return pb;
	/* calloc's zero after the key ends the symbol's string. */
	pb = calloc(1, sizeof *pb + n + 1);
	if (!pb) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(pb->key, key, n);
	pb->keylen = n;
	if (keymap_put(&p->books, key, n, pb) < 0) {
		free(pb);
		errno = ENOMEM;
		return NULL;
	}
	return pb;
}

int
paper_rest(struct pbook *pb, struct porder *o)
{
	if (pb->n == pb->cap) {
		size_t cap = pb->cap ? pb->cap * 2 : 8;
		struct porder **r = realloc(pb->rest, cap * sizeof *r);

		if (!r) {
			errno = ENOMEM;
			return -1;
		}
		pb->rest = r;
		pb->cap = cap;
	}
	pb->rest[pb->n++] = o;
	o->pb = pb;
	o->resting = 1;
	return 0;
}

/*
 * o takes from the opposite side as a taker, level by level from the
 * best, within its limit (a market order: any level), until it is
 * filled or the levels end.  Each level is used once: the walk goes
 * past it.  0, or -1 with errno.
 */
int
paper_take(struct paper *p, struct porder *o, const struct book *b,
    int64_t t, struct vt_updates *out)
{
	const struct book_side *s;
	struct fx px, q, left;
	size_t i;

	if (!b || !book_valid(b))
		return 0;
	s = opposite_of(b, o->side);
	for (i = s->n; i-- > 0;) {
		if (paper_remaining(o, &left) < 0)
			return -1;
		if (left.m <= 0)
			break;
		level_at(b, s, i, &px, &q);
		if (o->kind == VT_LIMIT && !within(o->side, px, o->price))
			break;
		if (paper_fill(p, o, px, paper_min(left, q), 0, t, out) < 0)
			return -1;
	}
	return 0;
}

/* The bookset's book of a pbook (its key is the bookset's key). */
static struct book *
book_of(struct paper *p, const struct pbook *pb)
{
	return keymap_get(&p->bs.map, pb->key, pb->keylen);
}

/* ---- market events ---- */

/* A depth, snapshot or book event lowered our level: ahead moves up. */
static int
queue_moves(struct pbook *pb, const struct book *b)
{
	size_t i;

	for (i = 0; i < pb->n; i++) {
		struct porder *o = pb->rest[i];
		struct fx after, d;

		if (!o->resting)
			continue;
		after = paper_level_qty(b, o->side, o->price);
		if (fx_cmp(after, o->before) >= 0)
			continue;
		if (fx_sub(o->before, after, &d) < 0 ||
		    fx_sub(o->ahead, d, &o->ahead) < 0) {
			errno = ERANGE;
			return -1;
		}
		if (o->ahead.m < 0)
			o->ahead = (struct fx){ 0, 0 };
		o->ahead = fx_trim(o->ahead);
	}
	return 0;
}

/* The opposite side crosses resting orders: they fill as makers. */
static int
cross_fills(struct paper *p, struct pbook *pb, const struct book *b,
    int64_t t, struct vt_updates *out)
{
	size_t i;

	for (i = 0; i < pb->n; i++) {
		struct porder *o = pb->rest[i];
		struct fx cross, left, f;

		if (!o->resting)
			continue;
		if (paper_crossing(b, o->side, 1, o->price, &cross) < 0 ||
		    paper_remaining(o, &left) < 0) {
			errno = ERANGE;
			return -1;
		}
		o->used = fx_trim(paper_min(o->used, cross));
		if (fx_sub(cross, o->used, &f) < 0) {
			errno = ERANGE;
			return -1;
		}
		f = paper_min(left, f);
		if (f.m <= 0)
			continue;
		if (fx_add(o->used, f, &o->used) < 0) {
			errno = ERANGE;
			return -1;
		}
		o->used = fx_trim(o->used);
		if (paper_fill(p, o, o->price, f, 1, t, out) < 0)
			return -1;
	}
	paper_compact(pb);
	return 0;
}

/* The resting orders of the event's book, or NULL. */
static struct pbook *
pbook_of_event(struct paper *p, const struct event *ev)
{
	char v[VT_ID_LEN], m[VT_ID_LEN], s[VT_SYMBOL_LEN];

	if (json_str_copy(ev->venue, v, sizeof v) < 0 ||
	    json_str_copy(ev->market, m, sizeof m) < 0 ||
	    json_str_copy(ev->symbol, s, sizeof s) < 0)
		return NULL;
	return paper_pbook(p, v, m, s, 0);
}

static int
on_book_event(struct paper *p, struct event *ev, struct vt_updates *out,
    char *why, size_t whylen)
{
	struct pbook *pb;
	struct book *b = NULL;
	int64_t t;
	size_t i;

	if (event_fields(ev, why, whylen) < 0)
		return -1;
	pb = pbook_of_event(p, ev);
	if (pb && pb->n) {
		b = book_of(p, pb);
		for (i = 0; i < pb->n; i++)
			pb->rest[i]->before = paper_level_qty(b,
			    pb->rest[i]->side, pb->rest[i]->price);
	}
	buf_reset(&p->scratch);
	if (bookset_feed(&p->bs, ev, &p->scratch, why, whylen) < 0)
		return -1;
	t = ev->has & EV_HAS_TIME ? ev->time : p->last_time;
	p->last_time = t;
	if (!pb || !pb->n || ev->type == EV_TICKER)
		return 0;
	b = book_of(p, pb);
	if (!b || !book_valid(b))
		return 0;
	if (queue_moves(pb, b) < 0 || cross_fills(p, pb, b, t, out) < 0) {
		say(why, whylen, errno, errno == ENOMEM ? "out of memory" :
		    "number out of range");
		return -1;
	}
	return 0;
}

int
paper_market(struct paper *p, struct event *ev, struct vt_updates *out,
    char *why, size_t whylen)
{
	if (ev->type == EV_TRADE)
		return paper_trade(p, ev, out, why, whylen);
	if (!bookset_wants(ev->type))
		return 0;
	return on_book_event(p, ev, out, why, whylen);
}
