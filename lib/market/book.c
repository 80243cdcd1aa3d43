/*
 * book: exact L2 books and sync rules (see book.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "book.h"

const struct seq_rule seq_rule_default = {
	.link = SEQ_NEXT_FIRST,
	.link_prev = SEQ_PREV,
	.first_overlaps = 1,
	.snapshot_in_stream = 0,
};

/* What converting an event's levels can meet besides success. */
enum { CONV_BAD = -1, CONV_NOMEM = -2 };

static char *
dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

struct book *
book_new(const char *venue, size_t vn, const char *market, size_t mn,
    const char *symbol, size_t sn)
{
	struct book *b = calloc(1, sizeof *b);

	if (!b)
		return NULL;
	b->venue = dup_n(venue, vn);
	b->market = dup_n(market, mn);
	b->symbol = dup_n(symbol, sn);
	if (!b->venue || !b->market || !b->symbol) {
		book_free(b);
		errno = ENOMEM;
		return NULL;
	}
	b->rule = &seq_rule_default;
	return b;
}

static void
side_free(struct book_side *s)
{
	free(s->lv);
	free(s->cq);
	free(s->cv);
}

void
book_free(struct book *b)
{
	if (!b)
		return;
	side_free(&b->bid);
	side_free(&b->ask);
	free(b->tmp);
	free(b->venue);
	free(b->market);
	free(b->symbol);
	free(b);
}

static int
side_reserve(struct book_side *s, size_t n)
{
	struct book_level *lv;
	size_t cap;

	if (n <= s->cap)
		return 0;
	cap = s->cap ? s->cap : 64;
	while (cap < n)
		cap *= 2;
	lv = realloc(s->lv, cap * sizeof *lv);
	if (!lv) {
		errno = ENOMEM;
		return -1;
	}
	s->lv = lv;
	s->cap = cap;
	return 0;
}

/* |price| x qty of a level: keys of the ask side are negated prices. */
static inline fx_i128
level_value(const struct book_level *l)
{
	return (fx_i128)(l->key < 0 ? -l->key : l->key) * l->qty;
}

void
side_totals(struct book_side *s)
{
	size_t i;

	s->total_qty = 0;
	s->total_value = 0;
	s->total_ok = 1;
	for (i = 0; i < s->n; i++)
		if (__builtin_add_overflow(s->total_qty, (fx_i128)s->lv[i].qty,
		    &s->total_qty) ||
		    __builtin_add_overflow(s->total_value,
		    level_value(&s->lv[i]), &s->total_value))
			s->total_ok = 0;
}

/* Add (sign 1) or take away (sign -1) one level from the totals. */
static inline void
side_account(struct book_side *s, const struct book_level *l, int sign)
{
	fx_i128 q, v;

	if (!s->total_ok)
		return;
	q = l->qty;
	v = level_value(l);
	if (sign < 0) {
		q = -q;
		v = -v;
	}
	if (__builtin_add_overflow(s->total_qty, q, &s->total_qty) ||
	    __builtin_add_overflow(s->total_value, v, &s->total_value))
		s->total_ok = 0;
}

/* Multiply every key or quantity by 10^k; -1 if any would overflow. */
static int
side_rescale(struct book_side *s, int key_k, int qty_k)
{
	int64_t kf = 1, qf = 1;
	size_t i;

	while (key_k-- > 0)
		if (__builtin_mul_overflow(kf, 10, &kf))
			return -1;
	while (qty_k-- > 0)
		if (__builtin_mul_overflow(qf, 10, &qf))
			return -1;
	for (i = 0; i < s->n; i++) {
		int64_t k, q;

		if (__builtin_mul_overflow(s->lv[i].key, kf, &k) ||
		    __builtin_mul_overflow(s->lv[i].qty, qf, &q))
			return -1;
		s->lv[i].key = k;
		s->lv[i].qty = q;
	}
	/* The deepest snapshot level may be gone from the book and past
	 * what the finer scale holds: coverage then reaches to the end of
	 * what the book can hold. */
	if (s->has_deepest) {
		int64_t d = s->deepest;

		if (__builtin_mul_overflow(d, kf, &s->deepest))
			s->deepest = d < 0 ? -INT64_MAX : INT64_MAX;
	}
	s->clean = 0;
	s->total_ok = 0;
	return 0;
}

/* Widen the book's scales to cover ps/qs.  All or nothing. */
static int
book_widen(struct book *b, int ps, int qs)
{
	struct book_side bid, ask;
	int dk = ps > b->ps ? ps - b->ps : 0;
	int dq = qs > b->qs ? qs - b->qs : 0;

	if (!dk && !dq)
		return 0;
	/* Try on copies of the counters first so a failure changes nothing:
	 * rescale checks every level before the book is touched. */
	bid = b->bid;
	ask = b->ask;
	if (b->bid.n + b->ask.n > 0) {
		size_t i;
		int64_t kf = 1, qf = 1, t;
		int k;

		for (k = 0; k < dk; k++)
			if (__builtin_mul_overflow(kf, 10, &kf))
				return -1;
		for (k = 0; k < dq; k++)
			if (__builtin_mul_overflow(qf, 10, &qf))
				return -1;
		for (i = 0; i < bid.n; i++)
			if (__builtin_mul_overflow(bid.lv[i].key, kf, &t) ||
			    __builtin_mul_overflow(bid.lv[i].qty, qf, &t))
				return -1;
		for (i = 0; i < ask.n; i++)
			if (__builtin_mul_overflow(ask.lv[i].key, kf, &t) ||
			    __builtin_mul_overflow(ask.lv[i].qty, qf, &t))
				return -1;
	}
	if (side_rescale(&b->bid, dk, dq) < 0 ||
	    side_rescale(&b->ask, dk, dq) < 0)
		return -1;
	b->ps += dk;
	b->qs += dq;
	return 0;
}

/*
 * Convert decoded levels to the book's integer form in dst.  neg negates
 * prices (the ask side).  -1 when a number does not fit 64 bits.
 */
static int
convert_levels(struct book *b, const struct levels *l, int neg,
    struct book_level *dst)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		fx_i128 k, q;

		if (fx_at_scale(l->lv[i].px, b->ps, &k) < 0 ||
		    fx_at_scale(l->lv[i].qty, b->qs, &q) < 0 ||
		    k > INT64_MAX || q > INT64_MAX)
			return -1;
		dst[i].key = neg ? -(int64_t)k : (int64_t)k;
		dst[i].qty = (int64_t)q;
	}
	return 0;
}

static void
max_scales(const struct levels *l, int *ps, int *qs)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->lv[i].px.s > *ps)
			*ps = l->lv[i].px.s;
		if (l->lv[i].qty.s > *qs)
			*qs = l->lv[i].qty.s;
	}
}

/*
 * Convert both sides of an event into b->tmp, bids first, then asks,
 * widening the book's scales first when the event is finer.  0,
 * CONV_BAD when a number does not fit, CONV_NOMEM with errno ENOMEM.
 */
static int
convert_event(struct book *b, const struct levels *bids,
    const struct levels *asks)
{
	size_t n = bids->n + asks->n;
	int ps = b->ps, qs = b->qs;

	/* Allocated even for an event without levels: b->tmp + 0 must
	 * point somewhere. */
	if (n > b->tmpcap || !b->tmp) {
		size_t cap = b->tmpcap ? b->tmpcap : 64;
		struct book_level *t;

		while (cap < n)
			cap *= 2;
		t = realloc(b->tmp, cap * sizeof *t);
		if (!t) {
			errno = ENOMEM;
			return CONV_NOMEM;
		}
		b->tmp = t;
		b->tmpcap = cap;
	}
	max_scales(bids, &ps, &qs);
	max_scales(asks, &ps, &qs);
	if (ps > FX_MAX_DIGITS || qs > FX_MAX_DIGITS ||
	    book_widen(b, ps, qs) < 0)
		return CONV_BAD;
	if (convert_levels(b, bids, 0, b->tmp) < 0 ||
	    convert_levels(b, asks, 1, b->tmp + bids->n) < 0)
		return CONV_BAD;
	return 0;
}

/*
 * Index of the first level with key >= k.  Branch-free binary search:
 * where a level lies is random to the branch predictor, so a conditional
 * move beats a jump.
 */
static size_t
side_lower_bound(const struct book_side *s, int64_t k)
{
	const struct book_level *base = s->lv;
	size_t n = s->n;

	if (n == 0)
		return 0;
	/* Most changes are near the top of the book, the end of the array:
	 * look there first. */
	if (n > 32 && s->lv[n - 32].key < k) {
		base = s->lv + n - 31;
		n = 31;
	}
	while (n > 1) {
		size_t half = n / 2;

		base = base[half].key < k ? base + half : base;
		n -= half;
	}
	return (size_t)(base - s->lv) + (base->key < k);
}

/* Set one level: insert, replace, or remove when qty is 0.  -1 with
 * errno ENOMEM (the level is then not in the side). */
static int
side_set(struct book_side *s, int64_t key, int64_t qty)
{
	size_t i = side_lower_bound(s, key);
	int found = i < s->n && s->lv[i].key == key;

	if (i < s->clean)
		s->clean = i;
	if (found)
		side_account(s, &s->lv[i], -1);
	if (qty == 0) {
		/* Removing an unknown level is normal: the venue does not
		 * know which levels we hold. */
		if (found) {
			memmove(&s->lv[i], &s->lv[i + 1],
			    (s->n - i - 1) * sizeof *s->lv);
			s->n--;
		}
		return 0;
	}
	if (!found) {
		if (side_reserve(s, s->n + 1) < 0)
			return -1;
		memmove(&s->lv[i + 1], &s->lv[i], (s->n - i) * sizeof *s->lv);
		s->lv[i].key = key;
		s->n++;
	}
	s->lv[i].qty = qty;
	side_account(s, &s->lv[i], 1);
	return 0;
}

static int
cmp_level(const void *a, const void *b)
{
	int64_t x = ((const struct book_level *)a)->key;
	int64_t y = ((const struct book_level *)b)->key;

	return (x > y) - (x < y);
}

/*
 * Load a side from converted snapshot levels (any order; of repeated
 * prices one is kept; zero quantities dropped).  -1 with errno ENOMEM.
 */
static int
side_load(struct book_side *s, const struct book_level *src, size_t n)
{
	size_t i, j;

	if (side_reserve(s, n) < 0)
		return -1;
	s->n = 0;
	for (i = 0; i < n; i++)
		s->lv[s->n++] = src[i];
	/* Snapshots come best first: reversing gives ascending keys without
	 * a sort in the usual case. */
	for (i = 0, j = s->n; i + 1 < j; i++, j--) {
		struct book_level t = s->lv[i];

		s->lv[i] = s->lv[j - 1];
		s->lv[j - 1] = t;
	}
	for (i = 1; i < s->n && s->lv[i - 1].key < s->lv[i].key; i++)
		;
	if (i < s->n) {
		/* Out of order or repeated: sort, then squeeze repeats. */
		qsort(s->lv, s->n, sizeof *s->lv, cmp_level);
		for (i = 0, j = 0; i < s->n; i++) {
			if (j > 0 && s->lv[j - 1].key == s->lv[i].key)
				j--;
			s->lv[j++] = s->lv[i];
		}
		s->n = j;
	}
	for (i = 0, j = 0; i < s->n; i++)
		if (s->lv[i].qty != 0)
			s->lv[j++] = s->lv[i];
	s->n = j;
	s->clean = 0;
	s->has_deepest = s->n > 0;
	s->deepest = s->n ? s->lv[0].key : 0;
	s->total_ok = 0;
	return 0;
}

int64_t
book_best_bid(const struct book *b)
{
	return b->bid.n ? b->bid.lv[b->bid.n - 1].key : 0;
}

int64_t
book_best_ask(const struct book *b)
{
	return b->ask.n ? -b->ask.lv[b->ask.n - 1].key : 0;
}

static int
crossed(const struct book *b)
{
	return b->bid.n && b->ask.n && book_best_bid(b) >= book_best_ask(b);
}

static void
status_clear(struct book_status *st)
{
	memset(st, 0, sizeof *st);
}

/* Mark the book invalid for reason; returns BOOK_BROKEN. */
static int
book_break(struct book *b, struct book_status *st, const char *reason)
{
	b->state = BOOK_INVALID;
	b->pending = 0;
	st->reason = reason;
	return BOOK_BROKEN;
}

/* Out of memory half way: the book is invalid, and that is not news to
 * report but the caller's end.  -1 with errno ENOMEM. */
static int
book_nomem(struct book *b)
{
	b->state = BOOK_INVALID;
	b->pending = 0;
	b->reported = 1;
	errno = ENOMEM;
	return -1;
}

static void
note_times(struct book *b, const struct event *ev)
{
	b->has = ev->has & (EV_HAS_TIME | EV_HAS_RECV);
	b->time = ev->time;
	b->recv = ev->recv;
}

/* Does the book's top level on one side equal (px, qty)? */
static int
top_equals(const struct book *b, const struct book_side *s, int neg,
    struct fx px, struct fx qty)
{
	fx_i128 k, q;

	px = fx_trim(px);
	qty = fx_trim(qty);
	if (!s->n)
		return qty.m == 0;
	/* Trimmed first: a ticker may carry more zeros than the book. */
	if (fx_at_scale(px, b->ps, &k) < 0 || fx_at_scale(qty, b->qs, &q) < 0)
		return 0;
	return (neg ? -k : k) == s->lv[s->n - 1].key &&
	    q == s->lv[s->n - 1].qty;
}

/* Compare a ticker at the book's id; BOOK_BROKEN on a mismatch. */
static int
check_tick(struct book *b, const struct book_tick *t, struct book_status *st)
{
	if (top_equals(b, &b->bid, 0, t->bid, t->bid_qty) &&
	    top_equals(b, &b->ask, 1, t->ask, t->ask_qty))
		return BOOK_APPLIED;
	st->got_last_id = t->id;
	st->tick = *t;
	/* The status carries the ticker's time: that is when it was seen. */
	b->has = t->has;
	b->time = t->time;
	b->recv = t->recv;
	return book_break(b, st, "ticker_mismatch");
}

/*
 * The book moved to a new id: check held tickers at that id, drop those
 * it passed.  Returns v, or BOOK_BROKEN on a mismatch.
 */
static int
check_held_ticks(struct book *b, int v, struct book_status *st)
{
	int i, j, r = v;

	for (i = 0, j = 0; i < b->nticks; i++) {
		const struct book_tick *t = &b->ticks[i];

		if (t->id > b->last_id)
			b->ticks[j++] = *t;
		else if (t->id == b->last_id && r != BOOK_BROKEN &&
		    check_tick(b, t, st) == BOOK_BROKEN)
			r = BOOK_BROKEN;
	}
	b->nticks = r == BOOK_BROKEN ? 0 : j;
	return r;
}

static void
tick_from_event(struct book_tick *t, const struct event *ev)
{
	t->id = ev->last_id;
	t->time = ev->time;
	t->recv = ev->recv;
	t->has = ev->has & (EV_HAS_TIME | EV_HAS_RECV);
	t->bid = ev->bid;
	t->bid_qty = ev->bid_qty;
	t->ask = ev->ask;
	t->ask_qty = ev->ask_qty;
}

int
book_check_ticker(struct book *b, const struct event *ev,
    struct book_status *st)
{
	struct book_tick t;

	status_clear(st);
	/* Without an id or sizes there is nothing to compare exactly. */
	if (!book_valid(b) || !(ev->has & EV_HAS_LAST_ID) ||
	    !(ev->has & EV_HAS_TOP_QTY) || ev->last_id < b->last_id)
		return BOOK_APPLIED;
	tick_from_event(&t, ev);
	if (ev->last_id == b->last_id)
		return check_tick(b, &t, st);
	if (b->nticks == BOOK_TICKS) {
		memmove(&b->ticks[0], &b->ticks[1],
		    (BOOK_TICKS - 1) * sizeof b->ticks[0]);
		b->nticks--;
	}
	b->ticks[b->nticks++] = t;
	return BOOK_APPLIED;
}

/*
 * A checkpoint's "deepest_bid"/"deepest_ask": the coverage of the book
 * it was taken from.  Absent or unusable (not a price at the book's
 * scale): the snapshot's own deepest level stands.
 */
static void
side_coverage(const struct book *b, struct book_side *s,
    const struct event *ev, const char *name, int neg)
{
	const struct json_span *v = json_get(&ev->obj, name);
	struct fx px;
	fx_i128 k;

	if (!v || (v->type != JSON_NUMBER &&
	    (v->type != JSON_STRING || v->escaped)) ||
	    fx_parse(v->p, v->n, &px) != FX_OK ||
	    fx_at_scale(px, b->ps, &k) < 0 || k <= 0 || k > INT64_MAX)
		return;
	s->deepest = neg ? -(int64_t)k : (int64_t)k;
	s->has_deepest = 1;
}

int
book_snapshot(struct book *b, const struct event *ev,
    const struct levels *bids, const struct levels *asks,
    struct book_status *st)
{
	int was_invalid = b->state == BOOK_INVALID;
	int r;

	status_clear(st);
	note_times(b, ev);
	st->got_last_id = ev->has & EV_HAS_LAST_ID ? ev->last_id : 0;
	/* A snapshot stands alone: start from its scales. */
	b->bid.n = b->ask.n = 0;
	b->bid.has_deepest = b->ask.has_deepest = 0;
	b->ps = b->qs = 0;
	r = convert_event(b, bids, asks);
	if (r == CONV_NOMEM)
		return book_nomem(b);
	if (r < 0)
		return book_break(b, st, "bad_level");
	if (side_load(&b->bid, b->tmp, bids->n) < 0 ||
	    side_load(&b->ask, b->tmp + bids->n, asks->n) < 0)
		return book_nomem(b);
	side_coverage(b, &b->bid, ev, "deepest_bid", 0);
	side_coverage(b, &b->ask, ev, "deepest_ask", 1);
	b->last_id = st->got_last_id;
	if (crossed(b))
		return book_break(b, st, "crossed");
	b->state = BOOK_FRESH;
	b->reported = 0;
	return check_held_ticks(b, was_invalid ? BOOK_RESTORED : BOOK_APPLIED,
	    st);
}

int
book_sequence(int64_t id, int fresh, const struct seq_rule *rule,
    const struct event *ev, struct book_status *st)
{
	int has_prev = (ev->has & EV_HAS_PREV_ID) != 0;
	enum seq_link link = has_prev ? rule->link_prev : rule->link;
	int overlap = fresh && rule->first_overlaps;

	st->got_first_id = ev->first_id;
	st->got_last_id = ev->last_id;
	st->has_prev = has_prev;
	st->got_prev_id = ev->prev_id;
	switch (link) {
	case SEQ_NONE:
		st->expected_id = id;
		return BOOK_APPLIED;
	case SEQ_PREV:
		/* The first event may end exactly at the snapshot's id; later
		 * an event that ends at the book's id was applied already. */
		if (ev->last_id < id || (!overlap && ev->last_id == id))
			return BOOK_STALE;
		st->expected_id = id;
		if (has_prev && ev->prev_id == id)
			return BOOK_APPLIED;
		if (overlap && ev->first_id <= id && id <= ev->last_id)
			return BOOK_APPLIED;
		return BOOK_BROKEN;
	case SEQ_NEXT_LAST:
		if (ev->last_id <= id)
			return BOOK_STALE;
		st->expected_id = id + 1;
		if (overlap ? ev->first_id <= id + 1 : ev->last_id == id + 1)
			return BOOK_APPLIED;
		return BOOK_BROKEN;
	default:
		if (ev->last_id <= id)
			return BOOK_STALE;
		st->expected_id = id + 1;
		if (overlap ? ev->first_id <= id + 1 : ev->first_id == id + 1)
			return BOOK_APPLIED;
		return BOOK_BROKEN;
	}
}

int
book_depth(struct book *b, const struct event *ev,
    const struct levels *bids, const struct levels *asks,
    struct book_status *st)
{
	size_t i;
	int v;

	status_clear(st);
	if (b->state == BOOK_EMPTY) {
		note_times(b, ev);
		st->got_first_id = ev->first_id;
		st->got_last_id = ev->last_id;
		return book_break(b, st, "no_snapshot");
	}
	if (b->state == BOOK_INVALID)
		return BOOK_IGNORED;
	v = book_sequence(b->last_id, b->state == BOOK_FRESH, b->rule, ev, st);
	if (v == BOOK_STALE)
		return v;
	/* Statuses carry the time of the event that caused them. */
	note_times(b, ev);
	if (v == BOOK_BROKEN)
		return book_break(b, st, "gap");
	v = convert_event(b, bids, asks);
	if (v == CONV_NOMEM)
		return book_nomem(b);
	if (v < 0)
		return book_break(b, st, "bad_level");
	for (i = 0; i < bids->n + asks->n; i++) {
		struct book_side *s = i < bids->n ? &b->bid : &b->ask;

		if (side_set(s, b->tmp[i].key, b->tmp[i].qty) < 0)
			return book_nomem(b);
	}
	b->last_id = ev->last_id;
	b->state = BOOK_LIVE;
	if (crossed(b)) {
		st->got_last_id = ev->last_id;
		return book_break(b, st, "crossed");
	}
	return check_held_ticks(b, BOOK_APPLIED, st);
}

void
book_render_head(struct buf *out, const struct book *b, const char *type)
{
	event_render_head(out, type, b->venue, b->market, b->symbol, b->has,
	    b->time, b->recv);
}

static void
render_side(struct buf *out, const struct book *b, const struct book_side *s,
    int neg, size_t levels)
{
	size_t i, n = levels && levels < s->n ? levels : s->n;
	char *d;

	/* Room for every level at its longest, then write in place. */
	if (buf_grow(out, n * (2 * FX_BUFSZ + 4) + 2) < 0)
		return;
	d = out->p + out->len;
	*d++ = '[';
	for (i = 0; i < n; i++) {
		const struct book_level *l = &s->lv[s->n - 1 - i];

		if (i)
			*d++ = ',';
		*d++ = '[';
		d = fx_format_ms(neg ? -l->key : l->key, b->ps, d);
		*d++ = ',';
		d = fx_format_ms(l->qty, b->qs, d);
		*d++ = ']';
	}
	*d++ = ']';
	out->len = (size_t)(d - out->p);
}

void
book_render(struct buf *out, const struct book *b, size_t levels)
{
	book_render_head(out, b, "book");
	buf_adds(out, ",\"last_id\":");
	buf_addi(out, b->last_id);
	buf_adds(out, ",\"bids\":");
	render_side(out, b, &b->bid, 0, levels);
	buf_adds(out, ",\"asks\":");
	render_side(out, b, &b->ask, 1, levels);
	buf_adds(out, "}\n");
}

void
book_render_snapshot(struct buf *out, const struct book *b)
{
	book_render_head(out, b, "snapshot");
	buf_adds(out, ",\"last_id\":");
	buf_addi(out, b->last_id);
	buf_adds(out, ",\"bids\":");
	render_side(out, b, &b->bid, 0, 0);
	buf_adds(out, ",\"asks\":");
	render_side(out, b, &b->ask, 1, 0);
	/* How deep the book is known: the venue snapshot's reach, not the
	 * deepest level now (depth events may have added levels past it,
	 * with unknown ones between). */
	if (b->bid.has_deepest) {
		buf_adds(out, ",\"deepest_bid\":");
		buf_add_ms(out, b->bid.deepest, b->ps);
	}
	if (b->ask.has_deepest) {
		buf_adds(out, ",\"deepest_ask\":");
		buf_add_ms(out, -b->ask.deepest, b->ps);
	}
	buf_adds(out, ",\"checkpoint\":true}\n");
}

static void
add_price(struct buf *out, const char *name, fx_i128 m, int s)
{
	char tmp[FX_BUFSZ];

	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_add(out, tmp, fx_format_ms(m, s, tmp) - tmp);
}

static void
add_fx(struct buf *out, const char *name, struct fx v)
{
	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_add_fx(out, v);
}

/*
 * A status always has a time: that of the book's last event, else the
 * local clock's (a book broken before any event with a time).
 */
static void
render_status_head(struct buf *out, const struct book *b, const char *source,
    const char *state)
{
	event_render_head(out, "status", b->venue, b->market, b->symbol,
	    b->has | EV_HAS_TIME, b->has & EV_HAS_TIME ? b->time :
	    time_now_ms(), b->recv);
	buf_adds(out, ",\"source\":");
	buf_add_jstr(out, source, strlen(source));
	buf_adds(out, ",\"state\":\"");
	buf_adds(out, state);
	buf_addc(out, '"');
}

static void
render_top(struct buf *out, const struct book *b)
{
	const struct book_side *bs = &b->bid, *as = &b->ask;

	if (bs->n) {
		add_price(out, "book_bid", book_best_bid(b), b->ps);
		add_price(out, "book_bid_qty", bs->lv[bs->n - 1].qty, b->qs);
	}
	if (as->n) {
		add_price(out, "book_ask", book_best_ask(b), b->ps);
		add_price(out, "book_ask_qty", as->lv[as->n - 1].qty, b->qs);
	}
}

void
book_render_gap_ids(struct buf *out, int64_t last_id,
    const struct book_status *st)
{
	event_render_int(out, "last_id", last_id);
	event_render_int(out, "expected_id", st->expected_id);
	event_render_int(out, "got_first_id", st->got_first_id);
	event_render_int(out, "got_last_id", st->got_last_id);
	if (st->has_prev)
		event_render_int(out, "got_prev_id", st->got_prev_id);
}

void
book_render_status(struct buf *out, const struct book *b, const char *source,
    const struct book_status *st)
{
	render_status_head(out, b, source, "invalid");
	buf_adds(out, ",\"reason\":\"");
	buf_adds(out, st->reason);
	buf_addc(out, '"');
	if (strcmp(st->reason, "gap") == 0) {
		book_render_gap_ids(out, b->last_id, st);
	} else if (strcmp(st->reason, "no_snapshot") == 0) {
		event_render_int(out, "got_first_id", st->got_first_id);
		event_render_int(out, "got_last_id", st->got_last_id);
	} else if (strcmp(st->reason, "ticker_mismatch") == 0) {
		event_render_int(out, "last_id", st->got_last_id);
		add_fx(out, "bid", fx_trim(st->tick.bid));
		add_fx(out, "bid_qty", fx_trim(st->tick.bid_qty));
		add_fx(out, "ask", fx_trim(st->tick.ask));
		add_fx(out, "ask_qty", fx_trim(st->tick.ask_qty));
		render_top(out, b);
	} else if (strcmp(st->reason, "crossed") == 0) {
		event_render_int(out, "last_id", st->got_last_id);
		add_price(out, "best_bid", book_best_bid(b), b->ps);
		add_price(out, "best_ask", book_best_ask(b), b->ps);
	} else {
		event_render_int(out, "got_last_id", st->got_last_id);
	}
	buf_adds(out, "}\n");
}

void
book_render_synced(struct buf *out, const struct book *b, const char *source)
{
	render_status_head(out, b, source, "synced");
	event_render_int(out, "last_id", b->last_id);
	buf_adds(out, "}\n");
}
