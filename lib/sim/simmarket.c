/*
 * simmarket: the market behind mkt-sim (see simmarket.h): params, the
 * sides, given steps, diffs and rendering; simgen.c generates.
 *
 * The sides are sorted arrays (best last) allocated once, large enough
 * for the most a step can add, so that a step never allocates and
 * cannot fail half way.
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
#include "simmarket_int.h"

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
	/* ETHUSDT / BTCUSDT: a cycle of three books for triangular tests */
	{ "ETHBTC", 6, 50000, 1, 10000, 1, 10000, 3000000000 },
};

static const struct sym_cfg sym_default = {
	NULL, 2, 10000, 1, 100000, 1, 100000, 10000000000
};

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
	p->levels = levels;
	p->seed = seed;
	p->ids = ids_of(venue, market);
	if (strcmp(venue, "polymarket") == 0) {
		/* A share: 0.001 ticks, mid 0.500, up to 5000 shares a
		 * level in 0.01 steps. */
		p->px_dp = 3;
		p->tick = 1;
		p->start = 500;
		p->lot = 1000000;
		p->qty_max = 500000000000;
		p->px_cap = 1000;
		return 0;
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

int
simmarket_offset(struct sm_params *p, int bps)
{
	if (p->given || bps < -5000 || bps > 5000) {
		errno = EINVAL;
		return -1;
	}
	p->start += p->start * bps / 10000;
	return 0;
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

int
sm_better(int bid, int64_t a, int64_t b)
{
	return bid ? a > b : a < b;
}

size_t
sm_find(const struct sm_side *s, int bid, int64_t px, int *found)
{
	size_t lo = 0, hi = s->n;

	/* Stored worst first: find the first level not worse than px. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sm_better(bid, px, s->lv[mid].px))
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->n && s->lv[lo].px == px;
	return lo;
}

void
sm_remove(struct sm_side *s, size_t i)
{
	memmove(&s->lv[i], &s->lv[i + 1], (s->n - i - 1) * sizeof *s->lv);
	s->n--;
}

void
sm_set(struct sm_side *s, int bid, int64_t px, int64_t qty)
{
	int found;
	size_t i = sm_find(s, bid, px, &found);

	if (found) {
		if (qty)
			s->lv[i].qty = qty;
		else
			sm_remove(s, i);
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

static int
alloc_sides(struct simmarket *m)
{
	size_t cap = m->p.given ? GIVEN_CAP : side_cap(&m->p);
	size_t tcap = m->p.given ? 0 : sm_touch_cap(&m->p);
	size_t dcap = 2 * cap > tcap ? 2 * cap : tcap;

	if (side_alloc(&m->bid, cap) < 0 || side_alloc(&m->ask, cap) < 0 ||
	    side_alloc(&m->prev_bid, cap) < 0 ||
	    side_alloc(&m->prev_ask, cap) < 0 ||
	    side_alloc(&m->dbid, dcap) < 0 ||
	    side_alloc(&m->dask, dcap) < 0)
		return -1;
	if (m->p.given)
		return side_alloc(&m->gbid, cap) < 0 ||
		    side_alloc(&m->gask, cap) < 0 ? -1 : 0;
	m->tcap = tcap;
	m->tbid = calloc(tcap, sizeof *m->tbid);
	m->task = calloc(tcap, sizeof *m->task);
	return m->tbid && m->task ? 0 : -1;
}

struct simmarket *
simmarket_new(const struct sm_params *p)
{
	struct simmarket *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->p = *p;
	if (alloc_sides(m) < 0)
		goto fail;
	if (!p->given)
		simgen_init(m);
	/* A given market stays empty, ids 0, until simmarket_load(). */
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
	free(m->tbid);
	free(m->task);
	free(m);
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
		sm_set(s, bid, lv[i].px, lv[i].qty);
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
		const struct sm_level *o = i < no ? sm_at(old, i) : NULL;
		const struct sm_level *c = j < nn ? sm_at(cur, j) : NULL;
		struct sm_level *w = &out->lv[out->n];

		if (!c || (o && sm_better(bid, o->px, c->px))) {
			w->px = o->px;
			w->qty = 0;
			out->n++;
			i++;
		} else if (!o || sm_better(bid, c->px, o->px)) {
			*w = *c;
			out->n++;
			j++;
		} else {
			if (o->qty != c->qty) {
				*w = *c;
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
	if (!m->p.given) {
		/* A generated market keeps what its step touched, and
		 * SM_VIEW_MAX levels of the book before it. */
		if (depth == 0) {
			simgen_diff(m, d);
			return;
		}
		if (depth > SM_VIEW_MAX)
			depth = SM_VIEW_MAX;
	}
	diff_side(&m->prev_bid, &m->bid, depth, 1, &m->dbid);
	diff_side(&m->prev_ask, &m->ask, depth, 0, &m->dask);
	d->bid = m->dbid.lv;
	d->nbid = m->dbid.n;
	d->ask = m->dask.lv;
	d->nask = m->dask.n;
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
		if (simmarket_put_px(b, m, sm_at(s, i)->px, -1) < 0)
			return -1;
		buf_addc(b, ',');
		simmarket_put_qty(b, m, sm_at(s, i)->qty, -1);
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
