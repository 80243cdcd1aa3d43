/*
 * simgen: the generated market behind mkt-sim (see simmarket.h): its
 * depth profile, its steps, and the diff of a step.
 *
 * The random numbers come from xorshift64* seeded through splitmix64
 * with the seed and a hash of the names, so each (venue, market,
 * symbol) has its own reproducible sequence; the profile uses only
 * exactly rounded floating point (sqrt), so it is the same everywhere.
 *
 * A side is stored best last and a step touches a few dozen levels near
 * the top, so a step costs the same for a book of 20 levels or 10 000:
 * the whole-book diff comes from the levels the step touched (each
 * noted with its quantity before the step), not from comparing copies
 * of the book, and the deep end is refilled or trimmed in batches.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simmarket.h"
#include "simmarket_int.h"

/* Per step: 5..30 changes near the top, within the best TOP_SPAN levels
 * and TOP_TICKS ticks of the mid. */
#define CHANGES_MIN 5
#define CHANGES_SPAN 26
#define TOP_SPAN 30
#define TOP_TICKS 40
/* The profile: level i lies PROFILE_AT * (i / PROFILE_LEVEL)^1.5 of the
 * price from the mid, give or take 10 % (the levels keep the largest of
 * these: level 5000 ends near 21 %, past the 15 % band that a Binance
 * spot snapshot of 5000 levels must cover). */
#define PROFILE_LEVEL 5000.0
#define PROFILE_AT 0.19
/* Most deep levels added in one step. */
#define REFILL_MAX 512

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
next64(struct simmarket *m)
{
	uint64_t x = m->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	m->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n); n >= 1. */
static uint64_t
rnd(struct simmarket *m, uint64_t n)
{
	return n <= 1 ? 0 : next64(m) % n;
}

static uint64_t
fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h ^ 0xff;	/* separates "ab"+"c" from "a"+"bc" */
}

size_t
sm_touch_cap(const struct sm_params *p)
{
	/* A step's changes and crossed levels, one refill or one trim
	 * (at most levels / 20 + 64 past the size kept), and the levels
	 * taken before it. */
	return p->levels + p->levels / 20 + REFILL_MAX + 256 +
	    SM_TAKES_MAX;
}

/* The lowest mid allowed: the levels near the top stay above price 0. */
static int64_t
mid_floor(void)
{
	return TOP_TICKS + 100;
}

/* ---------------------------------------------------------------- */
/* The depth profile */

/* Ticks from the mid of a side's i-th level (1: the best). */
static int64_t
profile_at(const struct simmarket *m, size_t i)
{
	double x = (double)i / PROFILE_LEVEL;

	return (int64_t)((double)m->scale * PROFILE_AT * x * sqrt(x));
}

/* The first level of the profile at least off ticks from the mid. */
static size_t
profile_level(const struct simmarket *m, int64_t off)
{
	size_t lo = 1, hi = (size_t)1 << 24;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (profile_at(m, mid) < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Levels end at half the price: bids stay above 0, asks alike. */
static int64_t
max_offset(const struct simmarket *m)
{
	return m->scale / 2;
}

/* The offset of the i-th level, the one after a level at off: the
 * profile's, give or take 10 %, and at least a tick or two beyond. */
static int64_t
next_offset(struct simmarket *m, int64_t off, size_t i)
{
	int64_t t = profile_at(m, i) * (int64_t)(900 + rnd(m, 201)) / 1000;
	int64_t min = off + 1 + (int64_t)rnd(m, 2);

	return t > min ? t : min;
}

/* A level size: mostly small, sometimes up to qty_max, in whole lots. */
static int64_t
rand_qty(struct simmarket *m)
{
	uint64_t lots = (uint64_t)(m->p.qty_max / m->p.lot);

	if (lots < 1)
		lots = 1;
	return m->p.lot * (int64_t)(1 + rnd(m, 1 + rnd(m, lots)));
}

/* The size of a level off ticks from the mid: sizes thin out with the
 * distance, to a quarter at 30 % of the price. */
static int64_t
profile_qty(struct simmarket *m, int64_t off)
{
	int64_t lots = rand_qty(m) / m->p.lot;

	lots = lots * 100 / (100 + 1000 * off / m->scale);
	return m->p.lot * (lots > 0 ? lots : 1);
}

/* ---------------------------------------------------------------- */
/* Changes, each noted with what it changed */

static struct sm_side *
side_of(struct simmarket *m, int bid)
{
	return bid ? &m->bid : &m->ask;
}

/* Note that px is about to change from before.  sm_touch_cap() bounds
 * a step's touches, so the log cannot fill. */
static void
touch(struct simmarket *m, int bid, int64_t px, int64_t before)
{
	struct sm_touch *t = bid ? m->tbid : m->task;
	size_t *n = bid ? &m->ntbid : &m->ntask;

	if (*n == m->tcap)
		return;
	t[*n].px = px;
	t[*n].before = before;
	t[*n].seq = *n;
	(*n)++;
}

/* Set the level at px to qty (0: remove it). */
static void
gen_set(struct simmarket *m, int bid, int64_t px, int64_t qty)
{
	struct sm_side *s = side_of(m, bid);
	int found;
	size_t i = sm_find(s, bid, px, &found);

	if (!found && (!qty || s->n == s->cap))
		return;
	touch(m, bid, px, found ? s->lv[i].qty : 0);
	sm_set(s, bid, px, qty);
}

/* Set the quantity of the k-th best level (0: remove it). */
static void
gen_qty_best(struct simmarket *m, int bid, size_t k, int64_t qty)
{
	struct sm_side *s = side_of(m, bid);
	size_t i = s->n - 1 - k;

	touch(m, bid, s->lv[i].px, s->lv[i].qty);
	if (qty)
		s->lv[i].qty = qty;
	else
		sm_remove(s, i);
}

static void
add_trade(struct simmarket *m, int64_t px, int64_t qty, int taker_buy)
{
	struct sm_trade *t;

	if (m->ntrades == SM_TRADES_MAX)
		return;
	t = &m->trades[m->ntrades++];
	t->id = m->next_trade_id++;
	t->px = px;
	t->qty = qty;
	t->taker_buy = taker_buy;
	t->time = 0;
	t->id_text[0] = '\0';
}

/* ---------------------------------------------------------------- */
/* The first book */

/* A side of the profile, stored best last. */
static void
init_side(struct simmarket *m, int bid)
{
	struct sm_side *s = side_of(m, bid);
	int64_t off = 0, lim = max_offset(m);
	size_t i, n = 0;

	for (i = 1; i <= m->p.levels; i++) {
		off = next_offset(m, off, i);
		if (off > lim)
			break;
		s->lv[n].px = bid ? m->mid - off : m->mid + off;
		s->lv[n].qty = profile_qty(m, off);
		n++;
	}
	s->n = n;
	for (i = 0; i < n / 2; i++) {
		struct sm_level t = s->lv[i];

		s->lv[i] = s->lv[n - 1 - i];
		s->lv[n - 1 - i] = t;
	}
}

static void
init_ids(struct simmarket *m)
{
	if (m->p.ids == SM_IDS_ONE) {
		m->last_id = 1000000 + rnd(m, 1000000);
	} else {
		m->last_id = 1000000000 + rnd(m, 1000000000);
	}
	m->first_id = m->prev_id = m->last_id;
	m->seq = 10000000000ULL + rnd(m, 1000000000);
	m->next_trade_id = 100000000 + rnd(m, 100000000);
}

/* Keep the best SM_VIEW_MAX levels of each side as they were. */
static void
keep_view(struct simmarket *m)
{
	struct sm_side *s[2][2] = {
		{ &m->prev_bid, &m->bid }, { &m->prev_ask, &m->ask },
	};
	int k;

	for (k = 0; k < 2; k++) {
		const struct sm_side *src = s[k][1];
		size_t n = src->n < SM_VIEW_MAX ? src->n : SM_VIEW_MAX;

		memcpy(s[k][0]->lv, src->lv + src->n - n, n * sizeof *src->lv);
		s[k][0]->n = n;
	}
}

void
simgen_init(struct simmarket *m)
{
	const struct sm_params *p = &m->p;
	uint64_t x = p->seed;

	x ^= fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, p->venue), p->market),
	    p->symbol);
	m->rng = splitmix64(&x);
	if (!m->rng)
		m->rng = 1;
	m->mid = p->start / p->tick;
	if (m->mid < 2 * mid_floor())
		m->mid = 2 * mid_floor();
	m->scale = m->mid;
	init_side(m, 1);
	init_side(m, 0);
	keep_view(m);
	init_ids(m);
}

/* ---------------------------------------------------------------- */
/* A step */

/* An index near the top, biased towards the best level. */
static size_t
pick_top(struct simmarket *m, size_t n)
{
	size_t lim = n < TOP_SPAN ? n : TOP_SPAN;

	return (size_t)rnd(m, 1 + rnd(m, lim));
}

/* Levels the mid moved through are taken by market orders: trades. */
static void
consume_crossed(struct simmarket *m)
{
	while (m->ask.n && sm_at(&m->ask, 0)->px <= m->mid) {
		add_trade(m, sm_at(&m->ask, 0)->px, sm_at(&m->ask, 0)->qty, 1);
		gen_qty_best(m, 0, 0, 0);
	}
	while (m->bid.n && sm_at(&m->bid, 0)->px >= m->mid) {
		add_trade(m, sm_at(&m->bid, 0)->px, sm_at(&m->bid, 0)->qty, 0);
		gen_qty_best(m, 1, 0, 0);
	}
}

static void
walk(struct simmarket *m)
{
	uint64_t r = rnd(m, 100);
	int64_t d = 0;

	if (r < 12)
		d = 1 + (int64_t)rnd(m, 3);
	else if (r < 24)
		d = -1 - (int64_t)rnd(m, 3);
	if (m->mid + d < mid_floor())
		d = -d;
	/* A bounded price: the deepest ask stays below the cap. */
	if (m->p.px_cap && m->mid + d + max_offset(m) >= m->p.px_cap)
		d = -d;
	m->mid += d;
	consume_crossed(m);
}

static void
op_update(struct simmarket *m, int bid)
{
	struct sm_side *s = side_of(m, bid);
	size_t k;
	int64_t q;

	if (!s->n)
		return;
	k = pick_top(m, s->n);
	q = rand_qty(m);
	gen_qty_best(m, bid, k, q == sm_at(s, k)->qty ? q + m->p.lot : q);
}

static void
op_insert(struct simmarket *m, int bid)
{
	int64_t off = 1 + (int64_t)rnd(m, TOP_TICKS);

	gen_set(m, bid, bid ? m->mid - off : m->mid + off, rand_qty(m));
}

static void
op_delete(struct simmarket *m, int bid)
{
	struct sm_side *s = side_of(m, bid);

	if (s->n > 1 && s->n > m->p.levels / 2)
		gen_qty_best(m, bid, pick_top(m, s->n), 0);
}

/* A market order takes part (or all) of the best level. */
static void
op_fill(struct simmarket *m, int bid)
{
	struct sm_side *s = side_of(m, bid);
	int64_t lots, take, qty;

	if (!s->n)
		return;
	qty = sm_at(s, 0)->qty;
	lots = qty / m->p.lot;
	take = m->p.lot * (1 + (int64_t)rnd(m, lots > 0 ? (uint64_t)lots : 1));
	if (take > qty)
		take = qty;
	add_trade(m, sm_at(s, 0)->px, take, !bid);
	gen_qty_best(m, bid, 0, qty - take);
}

static void
random_op(struct simmarket *m)
{
	int bid = (int)rnd(m, 2);
	uint64_t r = rnd(m, 100);

	if (r < 50)
		op_update(m, bid);
	else if (r < 75)
		op_insert(m, bid);
	else if (r < 92)
		op_delete(m, bid);
	else
		op_fill(m, bid);
}

/* Keep a level within a few ticks of the mid on each side. */
static void
fix_top(struct simmarket *m)
{
	int64_t off;

	if (!m->bid.n || sm_at(&m->bid, 0)->px < m->mid - 4) {
		off = 1 + (int64_t)rnd(m, 2);
		gen_set(m, 1, m->mid - off, rand_qty(m));
	}
	if (!m->ask.n || sm_at(&m->ask, 0)->px > m->mid + 4) {
		off = 1 + (int64_t)rnd(m, 2);
		gen_set(m, 0, m->mid + off, rand_qty(m));
	}
}

/* Add up to REFILL_MAX levels of the profile beyond the deepest, up to
 * `levels` in all; they go in front of the array in one move. */
static void
refill(struct simmarket *m, int bid)
{
	struct sm_side *s = side_of(m, bid);
	struct sm_level *tmp = bid ? m->dbid.lv : m->dask.lv;
	int64_t deep = s->n ? s->lv[0].px : m->mid;
	int64_t off = bid ? m->mid - deep : deep - m->mid;
	size_t i = profile_level(m, off), k = 0, j;

	while (s->n + k < m->p.levels && k < REFILL_MAX) {
		off = next_offset(m, off, ++i);
		if (off > max_offset(m) || (bid && m->mid - off < 1))
			break;
		tmp[k].px = bid ? m->mid - off : m->mid + off;
		tmp[k].qty = profile_qty(m, off);
		touch(m, bid, tmp[k].px, 0);
		k++;
	}
	if (!k)
		return;
	memmove(s->lv + k, s->lv, s->n * sizeof *s->lv);
	for (j = 0; j < k; j++)
		s->lv[k - 1 - j] = tmp[j];
	s->n += k;
}

/* Drop the deepest levels beyond `levels`. */
static void
trim(struct simmarket *m, int bid)
{
	struct sm_side *s = side_of(m, bid);
	size_t k = s->n - m->p.levels, j;

	for (j = 0; j < k; j++)
		touch(m, bid, s->lv[j].px, s->lv[j].qty);
	memmove(s->lv, s->lv + k, (s->n - k) * sizeof *s->lv);
	s->n -= k;
}

/* The deep end changes in batches: refilled once a side is short of
 * `levels` by 1/64, trimmed once 1/20 over. */
static void
keep_depth(struct simmarket *m, int bid)
{
	struct sm_side *s = side_of(m, bid);
	size_t lv = m->p.levels;

	if (s->n + lv / 64 < lv)
		refill(m, bid);
	else if (s->n > lv + lv / 20)
		trim(m, bid);
}

static void
advance_ids(struct simmarket *m, size_t nchg)
{
	m->prev_id = m->last_id;
	switch (m->p.ids) {
	case SM_IDS_ONE:
		m->first_id = m->last_id + 1;
		m->last_id = m->first_id;
		break;
	case SM_IDS_SKIPPING:
		m->first_id = m->last_id + 1 + rnd(m, 4);
		m->last_id = m->first_id + rnd(m, nchg);
		break;
	default:
		m->first_id = m->last_id + 1;
		m->last_id = m->first_id + rnd(m, nchg);
	}
	m->seq += 1 + rnd(m, 50);
}

int
simmarket_step(struct simmarket *m)
{
	struct sm_diff d;
	uint64_t k;

	if (!m->ntakes) {
		/* Else the take did both, before it changed the book. */
		keep_view(m);
		m->ntbid = m->ntask = 0;
	}
	m->ntakes = 0;
	m->ntrades = 0;
	walk(m);
	for (k = CHANGES_MIN + rnd(m, CHANGES_SPAN); k > 0; k--)
		random_op(m);
	fix_top(m);
	keep_depth(m, 1);
	keep_depth(m, 0);
	simmarket_diff(m, 0, &d);
	if (d.nbid + d.nask == 0) {
		/* Every step changes something, as on a live venue. */
		gen_qty_best(m, 1, 0, sm_at(&m->bid, 0)->qty + m->p.lot);
		simmarket_diff(m, 0, &d);
	}
	advance_ids(m, d.nbid + d.nask);
	m->steps++;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Liquidity taken between steps */

int
simmarket_take(struct simmarket *m, int bid, int64_t px, int64_t qty)
{
	struct sm_side *s = side_of(m, bid);
	int found;
	size_t i;

	if (m->p.given) {
		errno = EINVAL;
		return -1;
	}
	i = sm_find(s, bid, px, &found);
	if (!found || qty <= 0 || qty > s->lv[i].qty) {
		errno = EINVAL;
		return -1;
	}
	if (m->ntakes == SM_TAKES_MAX) {
		errno = ENOSPC;
		return -1;
	}
	if (!m->ntakes) {
		/* The book as last published becomes the one the next
		 * step's diff starts from, with the take in its touches. */
		keep_view(m);
		m->ntbid = m->ntask = 0;
	}
	m->ntakes++;
	gen_qty_best(m, bid, s->n - 1 - i, s->lv[i].qty - qty);
	return 0;
}

/* ---------------------------------------------------------------- */
/* The diff of a step, from what it touched */

/* Best first, then in the order touched. */
static int
cmp_bid(const void *a, const void *b)
{
	const struct sm_touch *x = a, *y = b;

	if (x->px != y->px)
		return x->px > y->px ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
cmp_ask(const void *a, const void *b)
{
	const struct sm_touch *x = a, *y = b;

	if (x->px != y->px)
		return x->px < y->px ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Each touched level whose quantity is not what it was before the
 * step, with its quantity now (0: gone), best first. */
static void
touched_side(struct sm_touch *t, size_t n, const struct sm_side *s, int bid,
    struct sm_side *out)
{
	size_t i;

	qsort(t, n, sizeof *t, bid ? cmp_bid : cmp_ask);
	out->n = 0;
	for (i = 0; i < n; i++) {
		int found;
		size_t at;
		int64_t now;

		if (i && t[i].px == t[i - 1].px)
			continue;	/* the first touch has the before */
		at = sm_find(s, bid, t[i].px, &found);
		now = found ? s->lv[at].qty : 0;
		if (now == t[i].before)
			continue;
		out->lv[out->n].px = t[i].px;
		out->lv[out->n].qty = now;
		out->n++;
	}
}

void
simgen_diff(struct simmarket *m, struct sm_diff *d)
{
	touched_side(m->tbid, m->ntbid, &m->bid, 1, &m->dbid);
	touched_side(m->task, m->ntask, &m->ask, 0, &m->dask);
	d->bid = m->dbid.lv;
	d->nbid = m->dbid.n;
	d->ask = m->dask.lv;
	d->nask = m->dask.n;
}
