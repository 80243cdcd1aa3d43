/*
 * t_simgen: the generated market of lib/sim (simgen.c): a book built
 * from the first one and every step's whole-book diff equals the
 * market's book after each step, deep refills and trims included; a
 * depth-limited view follows its diffs too; the depth profile thins out
 * away from the best price (level 5000 past 15 % of it, the deepest past
 * 30 %); --offset's simmarket_offset(); same seed, same market;
 * simmarket_take(): the levels taken between steps leave the book at
 * once and the next step's diffs (whole and depth-limited) carry them,
 * the ids running on as before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "sim/simmarket.h"
#include "tap.h"

/* A client's copy of one side, best first. */
struct copy {
	struct sm_level lv[4096];
	size_t n;
};

static void
copy_side(struct copy *c, const struct sm_side *s, size_t depth)
{
	size_t i;

	c->n = depth && depth < s->n ? depth : s->n;
	for (i = 0; i < c->n; i++)
		c->lv[i] = *sm_at(s, i);
}

static int
better(int bid, int64_t a, int64_t b)
{
	return bid ? a > b : a < b;
}

/* Apply one diff side; then keep the best depth levels (0: all). */
static void
apply(struct copy *c, int bid, const struct sm_level *d, size_t n,
    size_t depth)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < c->n && better(bid, c->lv[j].px, d[i].px); j++)
			;
		if (j < c->n && c->lv[j].px == d[i].px) {
			if (d[i].qty) {
				c->lv[j].qty = d[i].qty;
			} else {
				memmove(&c->lv[j], &c->lv[j + 1],
				    (c->n - j - 1) * sizeof c->lv[0]);
				c->n--;
			}
		} else if (d[i].qty && c->n < 4096) {
			memmove(&c->lv[j + 1], &c->lv[j],
			    (c->n - j) * sizeof c->lv[0]);
			c->lv[j] = d[i];
			c->n++;
		}
	}
	if (depth && c->n > depth)
		c->n = depth;
}

static int
same(const struct copy *c, const struct sm_side *s, size_t depth)
{
	size_t i, n = depth && depth < s->n ? depth : s->n;

	if (c->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (c->lv[i].px != sm_at(s, i)->px ||
		    c->lv[i].qty != sm_at(s, i)->qty)
			return 0;
	return 1;
}

static struct simmarket *
market(const char *venue, const char *mk, size_t levels, uint64_t seed)
{
	struct sm_params p;
	struct simmarket *m;

	if (simmarket_params(&p, venue, mk, "BTCUSDT", levels, seed) < 0 ||
	    !(m = simmarket_new(&p))) {
		perror("simmarket");
		exit(1);
	}
	return m;
}

/* Whole-book and top-50 copies kept by the diffs for `steps` steps. */
static void
follow(struct simmarket *m, int steps)
{
	struct copy *b = calloc(4, sizeof *b);
	struct sm_diff d;
	int i, bad = 0, badv = 0, deep = 0;

	if (!b)
		exit(1);
	copy_side(&b[0], &m->bid, 0);
	copy_side(&b[1], &m->ask, 0);
	copy_side(&b[2], &m->bid, 50);
	copy_side(&b[3], &m->ask, 50);
	for (i = 0; i < steps; i++) {
		int64_t deepest = m->bid.n ? m->bid.lv[0].px : 0;

		if (simmarket_step(m) < 0)
			exit(1);
		simmarket_diff(m, 0, &d);
		if (d.nbid && d.bid[d.nbid - 1].px <= deepest)
			deep++;
		apply(&b[0], 1, d.bid, d.nbid, 0);
		apply(&b[1], 0, d.ask, d.nask, 0);
		bad += !same(&b[0], &m->bid, 0) || !same(&b[1], &m->ask, 0);
		simmarket_diff(m, 50, &d);
		apply(&b[2], 1, d.bid, d.nbid, 50);
		apply(&b[3], 0, d.ask, d.nask, 50);
		badv += !same(&b[2], &m->bid, 50) || !same(&b[3], &m->ask, 50);
	}
	tap_eq_i(bad, 0, "first book + every whole-book diff = the book");
	tap_eq_i(badv, 0, "top 50 + every depth-50 diff = the top 50");
	tap_ok(deep > 0, "the deep end changes now and then (%d steps)", deep);
	free(b);
}

/* Percent of the mid the i-th best level of s lies from it. */
static double
pct_at(const struct simmarket *m, const struct sm_side *s, size_t i)
{
	int64_t off = sm_at(s, i)->px - m->mid;

	return 100.0 * (double)(off < 0 ? -off : off) / (double)m->mid;
}

static void
profile(void)
{
	struct simmarket *m = market("binance", "spot", 8000, 1);
	const struct sm_side *s[2] = { &m->bid, &m->ask };
	double near = 0, far = 0;
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		tap_eq_i((int64_t)s[k]->n, 8000, "8000 levels a side");
		tap_ok(pct_at(m, s[k], 999) > 1.5 && pct_at(m, s[k], 999) < 2.5,
		    "level 1000 near 1.8 %% (%.2f)", pct_at(m, s[k], 999));
		tap_ok(pct_at(m, s[k], 4999) > 16 && pct_at(m, s[k], 4999) < 23,
		    "level 5000 past 15 %% (%.2f)", pct_at(m, s[k], 4999));
		tap_ok(pct_at(m, s[k], 7999) > 30 && pct_at(m, s[k], 7999) < 50,
		    "the deepest past 30 %% (%.2f)", pct_at(m, s[k], 7999));
	}
	for (i = 0; i < 500; i++) {
		near += (double)sm_at(&m->bid, i)->qty;
		far += (double)sm_at(&m->bid, 7000 + i)->qty;
	}
	tap_ok(far * 2 < near, "level sizes thin out with the distance");
	simmarket_free(m);
}

static void
offset(void)
{
	struct sm_params p;
	struct simmarket *a, *b;

	a = market("binance", "spot", 100, 1);
	if (simmarket_params(&p, "bybit", "linear", "BTCUSDT", 100, 1) < 0)
		exit(1);
	tap_eq_i(simmarket_offset(&p, 100), 0, "offset 100 bps");
	b = simmarket_new(&p);
	if (!b)
		exit(1);
	/* Bybit linear's tick is 10 times Binance spot's. */
	tap_eq_i(b->mid * 10 * 100, a->mid * 101, "the mid 1 % above");
	tap_eq_i(simmarket_offset(&p, 5001), -1, "5001 bps: refused");
	tap_eq_i(errno, EINVAL, "... EINVAL");
	if (simmarket_params_given(&p, "bybit", "linear", "BTCUSDT", 2, 3) < 0)
		exit(1);
	tap_eq_i(simmarket_offset(&p, 10), -1, "a given market: refused");
	simmarket_free(a);
	simmarket_free(b);
}

static void
seeded(void)
{
	struct simmarket *a = market("binance", "futures", 2000, 9);
	struct simmarket *b = market("binance", "futures", 2000, 9);
	struct buf x, y;
	int i;

	buf_init(&x, 0);
	buf_init(&y, 0);
	for (i = 0; i < 300; i++)
		if (simmarket_step(a) < 0 || simmarket_step(b) < 0)
			exit(1);
	if (simmarket_render_book(a, &x) < 0 ||
	    simmarket_render_book(b, &y) < 0)
		exit(1);
	tap_ok(x.len == y.len && memcmp(x.p, y.p, x.len) == 0,
	    "same seed, same book");
	buf_free(&x);
	buf_free(&y);
	simmarket_free(a);
	simmarket_free(b);
}

/* Between steps take a whole best ask, half the best bid and a little
 * of the third ask; before the next step the book shows it. */
static int
take_some(struct simmarket *m)
{
	struct sm_level a0 = *sm_at(&m->ask, 0), b0 = *sm_at(&m->bid, 0);
	struct sm_level a2 = *sm_at(&m->ask, 2);
	int64_t half = b0.qty / 2 ? b0.qty / 2 : b0.qty;

	if (simmarket_take(m, 0, a0.px, a0.qty) < 0 ||
	    simmarket_take(m, 1, b0.px, half) < 0 ||
	    simmarket_take(m, 0, a2.px, 1) < 0)
		return 0;
	return sm_at(&m->ask, 0)->px != a0.px &&
	    sm_at(&m->ask, 1)->px == a2.px &&
	    sm_at(&m->ask, 1)->qty == a2.qty - 1 &&
	    (half == b0.qty ? sm_at(&m->bid, 0)->px != b0.px :
	    sm_at(&m->bid, 0)->qty == b0.qty - half);
}

/* As follow(), with levels taken before every other step. */
static void
follow_taken(struct simmarket *m, int steps)
{
	struct copy *b = calloc(4, sizeof *b);
	struct sm_diff d;
	int i, bad = 0, badv = 0, badt = 0, badid = 0;
	uint64_t last;

	if (!b)
		exit(1);
	copy_side(&b[0], &m->bid, 0);
	copy_side(&b[1], &m->ask, 0);
	copy_side(&b[2], &m->bid, 50);
	copy_side(&b[3], &m->ask, 50);
	for (i = 0; i < steps; i++) {
		if (i % 2 == 0 && m->ask.n > 3 && m->bid.n > 1)
			badt += !take_some(m);
		last = m->last_id;
		if (simmarket_step(m) < 0)
			exit(1);
		badid += m->first_id != last + 1;
		simmarket_diff(m, 0, &d);
		apply(&b[0], 1, d.bid, d.nbid, 0);
		apply(&b[1], 0, d.ask, d.nask, 0);
		bad += !same(&b[0], &m->bid, 0) || !same(&b[1], &m->ask, 0);
		simmarket_diff(m, 50, &d);
		apply(&b[2], 1, d.bid, d.nbid, 50);
		apply(&b[3], 0, d.ask, d.nask, 50);
		badv += !same(&b[2], &m->bid, 50) || !same(&b[3], &m->ask, 50);
	}
	tap_eq_i(badt, 0, "a take leaves the book at once, exactly");
	tap_eq_i(bad, 0, "with takes: every whole-book diff = the book");
	tap_eq_i(badv, 0, "with takes: every depth-50 diff = the top 50");
	tap_eq_i(badid, 0, "with takes: the update ids run on");
	free(b);
}

static void
take_refused(void)
{
	struct simmarket *m = market("binance", "spot", 300, 5);
	struct sm_level a0 = *sm_at(&m->ask, 0);
	struct sm_params p;
	struct simmarket *g;
	int i, r = 0;

	errno = 0;
	tap_ok(simmarket_take(m, 0, a0.px, a0.qty + 1) < 0 && errno == EINVAL,
	    "take: more than the level is refused");
	errno = 0;
	tap_ok(simmarket_take(m, 0, a0.px - 1, 1) < 0 && errno == EINVAL,
	    "take: no level there is refused");
	tap_ok(sm_at(&m->ask, 0)->qty == a0.qty, "take: refused, unchanged");
	for (i = 0; i < SM_TAKES_MAX && r == 0; i++)
		r = simmarket_take(m, 0, sm_at(&m->ask, 0)->px,
		    sm_at(&m->ask, 0)->qty);
	errno = 0;
	tap_ok(r == 0 && simmarket_take(m, 1, sm_at(&m->bid, 0)->px, 1) < 0 &&
	    errno == ENOSPC, "take: SM_TAKES_MAX levels a step, no more");
	tap_ok(simmarket_step(m) == 0 &&
	    simmarket_take(m, 1, sm_at(&m->bid, 0)->px, 1) == 0,
	    "take: the step makes room again");
	simmarket_free(m);
	if (simmarket_params_given(&p, "binance", "spot", "BTCUSDT", 2, 8) < 0 ||
	    !(g = simmarket_new(&p)))
		exit(1);
	errno = 0;
	tap_ok(simmarket_take(g, 0, 1, 1) < 0 && errno == EINVAL,
	    "take: a given market refuses");
	simmarket_free(g);
}

int
main(void)
{
	struct simmarket *m = market("binance", "spot", 300, 3);

	/* 300 levels: the deep end is refilled or trimmed every few
	 * steps. */
	follow(m, 5000);
	simmarket_free(m);
	m = market("bybit", "linear", 2000, 4);
	follow(m, 1000);
	simmarket_free(m);
	m = market("binance", "spot", 300, 6);
	follow_taken(m, 2000);
	simmarket_free(m);
	m = market("bybit", "linear", 2000, 7);
	follow_taken(m, 500);
	simmarket_free(m);
	take_refused();
	profile();
	offset();
	seeded();
	return tap_done();
}
