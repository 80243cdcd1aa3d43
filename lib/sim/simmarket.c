/*
 * simmarket: the generated market behind mkt-sim (see simmarket.h).
 *
 * The sides are sorted arrays allocated once, large enough for the most
 * a step can add, so that a step never allocates and cannot fail half
 * way.  The random numbers come from xorshift64* seeded through
 * splitmix64 with the seed and a hash of the names, so each (venue,
 * market, symbol) has its own reproducible sequence.
 *
 * A market of given steps has no size limit: before a step changes
 * anything, its sides (and the copies and diff scratch that go with
 * them) are grown to hold whatever the step may add, so that it cannot
 * fail half way either.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fixed.h"
#include "simmarket.h"

/* Per step: 5..30 changes near the top, within the best TOP_SPAN levels
 * and TOP_TICKS ticks of the mid. */
#define CHANGES_MIN 5
#define CHANGES_SPAN 26
#define TOP_SPAN 30
#define TOP_TICKS 40
/* Room for what one step may insert beyond the trimmed size. */
#define STEP_SLACK 64
/* First capacity of a side of a given market. */
#define GIVEN_CAP 64

/* Built-in symbols: start price, tick, lots for spot and derivatives. */
struct sym_cfg {
	const char *symbol;
	int px_dp;
	int64_t start;		/* 10^-px_dp */
	int64_t spot_tick, spot_lot;
	int64_t deriv_tick, deriv_lot;
	int64_t qty_max;	/* 1e-8 */
};

static const struct sym_cfg sym_table[] = {
	{ "BTCUSDT", 2, 6000000, 1, 1000, 10, 100000, 200000000 },
	{ "ETHUSDT", 2, 300000, 1, 10000, 1, 100000, 3000000000 },
	{ "SOLUSDT", 2, 15000, 1, 100000, 1, 1000000, 30000000000 },
	{ "BNBUSDT", 2, 60000, 1, 100000, 1, 1000000, 5000000000 },
	{ "XRPUSDT", 4, 5000, 1, 10000000, 1, 10000000, 2000000000000 },
	{ "DOGEUSDT", 5, 15000, 1, 100000000, 1, 100000000, 10000000000000 },
};

static const struct sym_cfg sym_default = {
	NULL, 2, 10000, 1, 100000, 1, 100000, 10000000000
};

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

static int
copy_name(char *dst, size_t n, const char *src)
{
	if (!src || !*src || strlen(src) >= n)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int
symbol_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

static const struct sym_cfg *
sym_lookup(const char *symbol)
{
	size_t i;

	for (i = 0; i < sizeof sym_table / sizeof sym_table[0]; i++)
		if (strcmp(sym_table[i].symbol, symbol) == 0)
			return &sym_table[i];
	return &sym_default;
}

/* The id style of a venue and market. */
static enum sm_ids
ids_of(const char *venue, const char *market)
{
	if (strcmp(venue, "bybit") == 0)
		return SM_IDS_ONE;
	if (strcmp(market, "futures") == 0)
		return SM_IDS_SKIPPING;
	return SM_IDS_CONTIGUOUS;
}

int
simmarket_params(struct sm_params *p, const char *venue, const char *market,
    const char *symbol, size_t levels, uint64_t seed)
{
	const struct sym_cfg *c;
	int spot;

	memset(p, 0, sizeof *p);
	if (copy_name(p->venue, sizeof p->venue, venue) < 0 ||
	    copy_name(p->market, sizeof p->market, market) < 0 ||
	    copy_name(p->symbol, sizeof p->symbol, symbol) < 0 ||
	    !symbol_ok(symbol) || levels == 0 || levels > SM_LEVELS_MAX) {
		errno = EINVAL;
		return -1;
	}
	c = sym_lookup(symbol);
	spot = strcmp(market, "spot") == 0;
	p->px_dp = c->px_dp;
	p->tick = spot ? c->spot_tick : c->deriv_tick;
	p->lot = spot ? c->spot_lot : c->deriv_lot;
	p->start = c->start;
	p->qty_max = c->qty_max;
	p->levels = levels;
	p->seed = seed;
	p->ids = ids_of(venue, market);
	return 0;
}

int
simmarket_params_given(struct sm_params *p, const char *venue,
    const char *market, const char *symbol, int px_dp, int qty_dp)
{
	int i;

	memset(p, 0, sizeof *p);
	if (copy_name(p->venue, sizeof p->venue, venue) < 0 ||
	    copy_name(p->market, sizeof p->market, market) < 0 ||
	    copy_name(p->symbol, sizeof p->symbol, symbol) < 0 ||
	    !symbol_ok(symbol) || px_dp < 0 || px_dp > SM_PX_DP_MAX ||
	    qty_dp < 0 || qty_dp > SM_QTY_DP) {
		errno = EINVAL;
		return -1;
	}
	p->px_dp = px_dp;
	p->tick = 1;
	p->lot = 1;
	for (i = qty_dp; i < SM_QTY_DP; i++)
		p->lot *= 10;
	p->ids = ids_of(venue, market);
	p->given = 1;
	return 0;
}

/* The lowest mid allowed: the whole bid side stays above price 0. */
static int64_t
mid_floor(const struct simmarket *m)
{
	return 4 * (int64_t)m->p.levels + TOP_TICKS + 100;
}

static size_t
side_cap(const struct sm_params *p)
{
	return p->levels + p->levels / 20 + STEP_SLACK;
}

static int
side_alloc(struct sm_side *s, size_t cap)
{
	s->lv = calloc(cap, sizeof *s->lv);
	s->n = 0;
	s->cap = cap;
	return s->lv ? 0 : -1;
}

/* Is price a better than price b on this side? */
static int
better(int bid, int64_t a, int64_t b)
{
	return bid ? a > b : a < b;
}

/* Index of px in s, or where it would go; *found says which. */
static size_t
side_find(const struct sm_side *s, int bid, int64_t px, int *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (better(bid, s->lv[mid].px, px))
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->n && s->lv[lo].px == px;
	return lo;
}

static void
side_delete(struct sm_side *s, size_t i)
{
	memmove(&s->lv[i], &s->lv[i + 1], (s->n - i - 1) * sizeof *s->lv);
	s->n--;
}

/* Set a level (qty 0 removes it).  The capacity was reserved up front. */
static void
side_set(struct sm_side *s, int bid, int64_t px, int64_t qty)
{
	int found;
	size_t i = side_find(s, bid, px, &found);

	if (found) {
		if (qty)
			s->lv[i].qty = qty;
		else
			side_delete(s, i);
		return;
	}
	if (!qty || s->n == s->cap)
		return;
	memmove(&s->lv[i + 1], &s->lv[i], (s->n - i) * sizeof *s->lv);
	s->lv[i].px = px;
	s->lv[i].qty = qty;
	s->n++;
}

static void
side_copy(struct sm_side *dst, const struct sm_side *src)
{
	memcpy(dst->lv, src->lv, src->n * sizeof *src->lv);
	dst->n = src->n;
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

/* An index near the top, biased towards the best level. */
static size_t
pick_top(struct simmarket *m, size_t n)
{
	size_t lim = n < TOP_SPAN ? n : TOP_SPAN;

	return (size_t)rnd(m, 1 + rnd(m, lim));
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

static void
init_side(struct simmarket *m, int bid)
{
	struct sm_side *s = bid ? &m->bid : &m->ask;
	int64_t px = bid ? m->mid - 1 - (int64_t)rnd(m, 2) :
	    m->mid + 1 + (int64_t)rnd(m, 2);
	size_t i;

	for (i = 0; i < m->p.levels; i++) {
		s->lv[i].px = px;
		s->lv[i].qty = rand_qty(m);
		px += (bid ? -1 : 1) * (1 + (int64_t)rnd(m, 3));
	}
	s->n = m->p.levels;
}

static int
alloc_sides(struct simmarket *m)
{
	size_t cap = m->p.given ? GIVEN_CAP : side_cap(&m->p);

	if (side_alloc(&m->bid, cap) < 0 || side_alloc(&m->ask, cap) < 0 ||
	    side_alloc(&m->prev_bid, cap) < 0 ||
	    side_alloc(&m->prev_ask, cap) < 0 ||
	    side_alloc(&m->dbid, 2 * cap) < 0 ||
	    side_alloc(&m->dask, 2 * cap) < 0)
		return -1;
	if (m->p.given && (side_alloc(&m->gbid, cap) < 0 ||
	    side_alloc(&m->gask, cap) < 0))
		return -1;
	return 0;
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

struct simmarket *
simmarket_new(const struct sm_params *p)
{
	struct simmarket *m = calloc(1, sizeof *m);
	uint64_t x;

	if (!m)
		return NULL;
	m->p = *p;
	if (alloc_sides(m) < 0)
		goto fail;
	if (p->given)
		return m;	/* empty, ids 0, until simmarket_load() */
	x = p->seed;
	x ^= fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, p->venue), p->market),
	    p->symbol);
	m->rng = splitmix64(&x);
	if (!m->rng)
		m->rng = 1;
	m->mid = p->start / p->tick;
	if (m->mid < 2 * mid_floor(m))
		m->mid = 2 * mid_floor(m);
	init_side(m, 1);
	init_side(m, 0);
	side_copy(&m->prev_bid, &m->bid);
	side_copy(&m->prev_ask, &m->ask);
	init_ids(m);
	return m;
fail:
	simmarket_free(m);
	errno = ENOMEM;
	return NULL;
}

void
simmarket_free(struct simmarket *m)
{
	if (!m)
		return;
	free(m->bid.lv);
	free(m->ask.lv);
	free(m->prev_bid.lv);
	free(m->prev_ask.lv);
	free(m->dbid.lv);
	free(m->dask.lv);
	free(m->gbid.lv);
	free(m->gask.lv);
	free(m);
}

/* Levels the mid moved through are taken by market orders: trades. */
static void
consume_crossed(struct simmarket *m)
{
	while (m->ask.n && m->ask.lv[0].px <= m->mid) {
		add_trade(m, m->ask.lv[0].px, m->ask.lv[0].qty, 1);
		side_delete(&m->ask, 0);
	}
	while (m->bid.n && m->bid.lv[0].px >= m->mid) {
		add_trade(m, m->bid.lv[0].px, m->bid.lv[0].qty, 0);
		side_delete(&m->bid, 0);
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
	if (m->mid + d < mid_floor(m))
		d = -d;
	m->mid += d;
	consume_crossed(m);
}

static void
op_update(struct simmarket *m, struct sm_side *s)
{
	size_t i;
	int64_t q;

	if (!s->n)
		return;
	i = pick_top(m, s->n);
	q = rand_qty(m);
	s->lv[i].qty = q == s->lv[i].qty ? q + m->p.lot : q;
}

static void
op_insert(struct simmarket *m, struct sm_side *s, int bid)
{
	int64_t off = 1 + (int64_t)rnd(m, TOP_TICKS);

	side_set(s, bid, bid ? m->mid - off : m->mid + off, rand_qty(m));
}

static void
op_delete(struct simmarket *m, struct sm_side *s)
{
	if (s->n > 1 && s->n > m->p.levels / 2)
		side_delete(s, pick_top(m, s->n));
}

/* A market order takes part (or all) of the best level. */
static void
op_fill(struct simmarket *m, struct sm_side *s, int bid)
{
	int64_t lots, take;

	if (!s->n)
		return;
	lots = s->lv[0].qty / m->p.lot;
	take = m->p.lot * (1 + (int64_t)rnd(m, lots > 0 ? (uint64_t)lots : 1));
	if (take > s->lv[0].qty)
		take = s->lv[0].qty;
	add_trade(m, s->lv[0].px, take, !bid);
	s->lv[0].qty -= take;
	if (!s->lv[0].qty)
		side_delete(s, 0);
}

static void
random_op(struct simmarket *m)
{
	int bid = (int)rnd(m, 2);
	struct sm_side *s = bid ? &m->bid : &m->ask;
	uint64_t r = rnd(m, 100);

	if (r < 50)
		op_update(m, s);
	else if (r < 75)
		op_insert(m, s, bid);
	else if (r < 92)
		op_delete(m, s);
	else
		op_fill(m, s, bid);
}

/* Keep a level within a few ticks of the mid on each side. */
static void
fix_top(struct simmarket *m)
{
	int64_t off;

	if (!m->bid.n || m->bid.lv[0].px < m->mid - 4) {
		off = 1 + (int64_t)rnd(m, 2);
		side_set(&m->bid, 1, m->mid - off, rand_qty(m));
	}
	if (!m->ask.n || m->ask.lv[0].px > m->mid + 4) {
		off = 1 + (int64_t)rnd(m, 2);
		side_set(&m->ask, 0, m->mid + off, rand_qty(m));
	}
}

/* Refill the deep end up to `levels`; trim it beyond 5 % more. */
static void
keep_depth(struct simmarket *m, struct sm_side *s, int bid)
{
	size_t hi = m->p.levels + m->p.levels / 20;

	while (s->n < m->p.levels) {
		int64_t deep = s->n ? s->lv[s->n - 1].px : m->mid;
		int64_t step = 1 + (int64_t)rnd(m, 3);

		if (bid && deep - step < 1)
			break;
		s->lv[s->n].px = bid ? deep - step : deep + step;
		s->lv[s->n].qty = rand_qty(m);
		s->n++;
	}
	if (s->n > hi)
		s->n = hi;
}

/* Grow s to hold at least cap levels; 0 or -1 (s unchanged). */
static int
side_grow(struct sm_side *s, size_t cap)
{
	struct sm_level *lv;

	if (s->cap >= cap)
		return 0;
	lv = realloc(s->lv, cap * sizeof *lv);
	if (!lv)
		return -1;
	s->lv = lv;
	s->cap = cap;
	return 0;
}

/* Room for a side of up to n levels: the side, its copy and the diff
 * scratch (old and new levels together). */
static int
reserve(struct sm_side *s, struct sm_side *prev, struct sm_side *d, size_t n)
{
	size_t cap = s->cap;

	if (n <= cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if (side_grow(s, cap) < 0 || side_grow(prev, cap) < 0 ||
	    side_grow(d, 2 * cap) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Set a side from a step's levels (see struct sm_step). */
static void
set_levels(struct sm_side *s, int bid, const struct sm_level *lv, size_t n,
    int snapshot)
{
	size_t i;

	if (snapshot)
		s->n = 0;
	for (i = 0; i < n; i++)
		side_set(s, bid, lv[i].px, lv[i].qty);
}

/* Check and make room for st; 0 or -1 with errno. */
static int
given_prepare(struct simmarket *m, const struct sm_step *st)
{
	if (!m->p.given) {
		errno = EINVAL;
		return -1;
	}
	if (reserve(&m->bid, &m->prev_bid, &m->dbid,
	    (st->snapshot ? 0 : m->bid.n) + st->nbid) < 0 ||
	    reserve(&m->ask, &m->prev_ask, &m->dask,
	    (st->snapshot ? 0 : m->ask.n) + st->nask) < 0 ||
	    (!st->snapshot && (side_grow(&m->gbid, st->nbid) < 0 ||
	    side_grow(&m->gask, st->nask) < 0))) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static void
given_take(struct simmarket *m, const struct sm_step *st)
{
	size_t i;

	set_levels(&m->bid, 1, st->bid, st->nbid, st->snapshot);
	set_levels(&m->ask, 0, st->ask, st->nask, st->snapshot);
	m->first_id = st->first_id;
	m->last_id = st->last_id;
	m->prev_id = st->prev_id;
	m->seq = st->seq;
	m->time = st->time;
	m->ntrades = 0;
	for (i = 0; i < st->ntrades && i < SM_TRADES_MAX; i++)
		m->trades[m->ntrades++] = st->trades[i];
	m->given_changes = !st->snapshot;
	if (m->given_changes) {
		if (st->nbid)
			memcpy(m->gbid.lv, st->bid, st->nbid * sizeof *st->bid);
		if (st->nask)
			memcpy(m->gask.lv, st->ask, st->nask * sizeof *st->ask);
		m->gbid.n = st->nbid;
		m->gask.n = st->nask;
	}
}

int
simmarket_load(struct simmarket *m, const struct sm_step *st)
{
	if (!st->snapshot) {
		errno = EINVAL;
		return -1;
	}
	if (given_prepare(m, st) < 0)
		return -1;
	given_take(m, st);
	m->ntrades = 0;
	m->given_changes = 0;
	side_copy(&m->prev_bid, &m->bid);
	side_copy(&m->prev_ask, &m->ask);
	return 0;
}

int
simmarket_apply(struct simmarket *m, const struct sm_step *st)
{
	if (given_prepare(m, st) < 0)
		return -1;
	side_copy(&m->prev_bid, &m->bid);
	side_copy(&m->prev_ask, &m->ask);
	given_take(m, st);
	m->steps++;
	return 0;
}

static void
diff_side(const struct sm_side *old, const struct sm_side *cur, size_t depth,
    int bid, struct sm_side *out)
{
	size_t no = depth && depth < old->n ? depth : old->n;
	size_t nn = depth && depth < cur->n ? depth : cur->n;
	size_t i = 0, j = 0;

	out->n = 0;
	while (i < no || j < nn) {
		struct sm_level *o = &out->lv[out->n];

		if (j >= nn || (i < no &&
		    better(bid, old->lv[i].px, cur->lv[j].px))) {
			o->px = old->lv[i++].px;
			o->qty = 0;
			out->n++;
		} else if (i >= no ||
		    better(bid, cur->lv[j].px, old->lv[i].px)) {
			*o = cur->lv[j++];
			out->n++;
		} else {
			if (old->lv[i].qty != cur->lv[j].qty) {
				*o = cur->lv[j];
				out->n++;
			}
			i++;
			j++;
		}
	}
}

void
simmarket_diff(struct simmarket *m, size_t depth, struct sm_diff *d)
{
	if (depth == 0 && m->given_changes) {
		d->bid = m->gbid.lv;
		d->nbid = m->gbid.n;
		d->ask = m->gask.lv;
		d->nask = m->gask.n;
		return;
	}
	diff_side(&m->prev_bid, &m->bid, depth, 1, &m->dbid);
	diff_side(&m->prev_ask, &m->ask, depth, 0, &m->dask);
	d->bid = m->dbid.lv;
	d->nbid = m->dbid.n;
	d->ask = m->dask.lv;
	d->nask = m->dask.n;
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

	side_copy(&m->prev_bid, &m->bid);
	side_copy(&m->prev_ask, &m->ask);
	m->ntrades = 0;
	walk(m);
	for (k = CHANGES_MIN + rnd(m, CHANGES_SPAN); k > 0; k--)
		random_op(m);
	fix_top(m);
	keep_depth(m, &m->bid, 1);
	keep_depth(m, &m->ask, 0);
	simmarket_diff(m, 0, &d);
	if (d.nbid + d.nask == 0) {
		/* Every step changes something, as on a live venue. */
		m->bid.lv[0].qty += m->p.lot;
		simmarket_diff(m, 0, &d);
	}
	advance_ids(m, d.nbid + d.nask);
	m->steps++;
	return 0;
}

int
simmarket_put_px(struct buf *b, const struct simmarket *m, int64_t ticks,
    int dp)
{
	struct fx v = { m->p.tick, m->p.px_dp };

	if (fx_mul_int(v, ticks, &v) < 0) {
		errno = ERANGE;
		return -1;
	}
	buf_add_fx_dp(b, v, dp);
	return 0;
}

void
simmarket_put_qty(struct buf *b, const struct simmarket *m, int64_t qty,
    int dp)
{
	(void)m;
	buf_add_fx_dp(b, (struct fx){ qty, SM_QTY_DP }, dp);
}

int
simmarket_qty_dp(const struct simmarket *m)
{
	int64_t lot = m->p.lot;
	int dp = SM_QTY_DP;

	while (dp > 0 && lot % 10 == 0) {
		lot /= 10;
		dp--;
	}
	return dp;
}

static int
render_side(struct buf *b, const struct simmarket *m, const struct sm_side *s)
{
	size_t i;

	buf_addc(b, '[');
	for (i = 0; i < s->n; i++) {
		if (i)
			buf_addc(b, ',');
		buf_addc(b, '[');
		if (simmarket_put_px(b, m, s->lv[i].px, -1) < 0)
			return -1;
		buf_addc(b, ',');
		simmarket_put_qty(b, m, s->lv[i].qty, -1);
		buf_addc(b, ']');
	}
	buf_addc(b, ']');
	return 0;
}

int
simmarket_render_book(const struct simmarket *m, struct buf *b)
{
	buf_adds(b, "{\"type\":\"book\",\"venue\":");
	buf_add_jstr(b, m->p.venue, strlen(m->p.venue));
	buf_adds(b, ",\"market\":");
	buf_add_jstr(b, m->p.market, strlen(m->p.market));
	buf_adds(b, ",\"symbol\":");
	buf_add_jstr(b, m->p.symbol, strlen(m->p.symbol));
	buf_adds(b, ",\"last_id\":");
	buf_addi(b, (int64_t)m->last_id);
	buf_adds(b, ",\"bids\":");
	if (render_side(b, m, &m->bid) < 0)
		return -1;
	buf_adds(b, ",\"asks\":");
	if (render_side(b, m, &m->ask) < 0)
		return -1;
	buf_adds(b, "}\n");
	return 0;
}
