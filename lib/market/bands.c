/*
 * bands: depth bands over a book (see bands.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bands.h"

void
bands_default(struct bands_cfg *cfg)
{
	static const int tenths[] = { 15, 30, 50, 80, 150, 300 };
	int i;

	cfg->n = 6;
	for (i = 0; i < 6; i++) {
		cfg->pct[i].m = tenths[i];
		cfg->pct[i].s = 1;
		cfg->pct[i] = fx_trim(cfg->pct[i]);
	}
}

static int
cmp_pct(const void *a, const void *b)
{
	return fx_cmp(*(const struct fx *)a, *(const struct fx *)b);
}

int
bands_parse(const char *s, struct bands_cfg *cfg)
{
	const struct fx hundred = { 100, 0 };
	int i, j;

	cfg->n = 0;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		struct fx v;

		if (cfg->n == BANDS_MAX || fx_parse(s, n, &v) != FX_OK)
			return -1;
		v = fx_trim(v);
		if (v.m <= 0 || v.s > BANDS_PCT_SCALE || fx_cmp(v, hundred) > 0)
			return -1;
		cfg->pct[cfg->n++] = v;
		if (!e)
			break;
		s = e + 1;
		if (!*s)
			return -1;
	}
	if (cfg->n == 0)
		return -1;
	qsort(cfg->pct, cfg->n, sizeof cfg->pct[0], cmp_pct);
	for (i = 1, j = 1; i < cfg->n; i++)
		if (fx_cmp(cfg->pct[i], cfg->pct[j - 1]) != 0)
			cfg->pct[j++] = cfg->pct[i];
	cfg->n = j;
	return 0;
}

/* Bands whose bound falls this close to the best level are summed by a
 * walk from the best level instead of the prefix sums. */
#define BANDS_WALK_MAX 64

/* Bring the prefix sums of a side up to date from its lowest change. */
static int
side_prefix(struct book_side *s, int neg)
{
	fx_i128 q, v;
	size_t i;

	if (s->ccap < s->cap) {
		fx_i128 *cq = realloc(s->cq, s->cap * sizeof *cq);

		if (!cq)
			return -1;
		s->cq = cq;
		fx_i128 *cv = realloc(s->cv, s->cap * sizeof *cv);
		if (!cv)
			return -1;
		s->cv = cv;
		s->ccap = s->cap;
	}
	i = s->clean;
	q = i ? s->cq[i - 1] : 0;
	v = i ? s->cv[i - 1] : 0;
	for (; i < s->n; i++) {
		int64_t px = neg ? -s->lv[i].key : s->lv[i].key;
		fx_i128 pv = (fx_i128)px * s->lv[i].qty;

		q += s->lv[i].qty;
		if (__builtin_add_overflow(v, pv, &v)) {
			s->clean = i;
			errno = ERANGE;
			return -1;
		}
		s->cq[i] = q;
		s->cv[i] = v;
	}
	s->clean = s->n;
	return 0;
}

/* First index whose key * d >= t. */
static size_t
side_bound(const struct book_side *s, fx_i128 d, fx_i128 t)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((fx_i128)s->lv[mid].key * d < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Sum one side's band: levels with key * d >= t, where t = best_key *
 * (d -+ pct) puts the bound pct away from the best price.  *known says
 * whether the bound lies within the last snapshot's reach.
 */
static int
side_band(struct book_side *s, fx_i128 d, fx_i128 t, fx_i128 *qty,
    fx_i128 *value, int *known)
{
	/* A bound past the deepest level takes the whole side: no search. */
	size_t i = (fx_i128)s->lv[0].key * d >= t ? 0 : side_bound(s, d, t), j;
	size_t last = s->n - 1;

	*known = s->has_deepest && (fx_i128)s->deepest * d <= t;
	/* The whole side: the running totals. */
	if (i == 0 && !s->total_ok)
		side_totals(s);
	if (i == 0 && s->total_ok) {
		*qty = s->total_qty;
		*value = s->total_value;
		return 0;
	}
	/* A few levels at the top: add them up. */
	if (s->n - i <= BANDS_WALK_MAX) {
		fx_i128 q = 0, v = 0;

		for (j = i; j < s->n; j++) {
			int64_t px = s->lv[j].key < 0 ? -s->lv[j].key :
			    s->lv[j].key;

			q += s->lv[j].qty;
			if (__builtin_add_overflow(v,
			    (fx_i128)px * s->lv[j].qty, &v)) {
				errno = ERANGE;
				return -1;
			}
		}
		*qty = q;
		*value = v;
		return 0;
	}
	/* Otherwise prefix sums, refreshed from the deepest change. */
	if (side_prefix(s, s->n && s->lv[0].key < 0) < 0)
		return -1;
	*qty = s->cq[last] - (i ? s->cq[i - 1] : 0);
	*value = s->cv[last] - (i ? s->cv[i - 1] : 0);
	return 0;
}

int
bands_compute(struct book *b, const struct bands_cfg *cfg,
    struct band_sum *out)
{
	int64_t bid_best, ask_best;
	int i, kb, ka;

	if (!b->bid.n || !b->ask.n) {
		errno = EDOM;
		return -1;
	}
	bid_best = b->bid.lv[b->bid.n - 1].key;
	ask_best = b->ask.lv[b->ask.n - 1].key;	/* negated */
	for (i = 0; i < cfg->n; i++) {
		/* pct = m / 10^s: scale everything by d = 100 * 10^s. */
		fx_i128 d = 100 * fx_pow10(cfg->pct[i].s);
		fx_i128 pm = cfg->pct[i].m;

		if (side_band(&b->bid, d, (fx_i128)bid_best * (d - pm),
		    &out[i].bid_qty, &out[i].bid_value, &kb) < 0 ||
		    side_band(&b->ask, d, (fx_i128)ask_best * (d + pm),
		    &out[i].ask_qty, &out[i].ask_value, &ka) < 0)
			return -1;
		out[i].complete = kb && ka;
	}
	return 0;
}

/* ,"name":number -- the name a literal, so its copy compiles to moves. */
#define add_num(out, name, m, s) do { \
	buf_add((out), ",\"" name "\":", sizeof(",\"" name "\":") - 1); \
	buf_add_ms((out), (m), (s)); \
} while (0)

/* Percent of the best price that the snapshot reached on one side. */
static void
add_coverage(struct buf *out, const char *name, const struct book_side *s)
{
	int64_t best = s->lv[s->n - 1].key;
	double c = 0;

	if (s->has_deepest && s->deepest < best)
		c = 100.0 * (double)(best - s->deepest) /
		    (double)(best < 0 ? -best : best);
	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_add_rounded(out, c, 4);
}

void
bands_render(struct buf *out, const struct book *b,
    const struct bands_cfg *cfg, const struct band_sum *sum)
{
	int64_t bb = book_best_bid(b), ba = book_best_ask(b);
	int vs = b->ps + b->qs, i;

	book_render_head(out, b, "bands");
	buf_adds(out, ",\"last_id\":");
	buf_addi(out, b->last_id);
	add_num(out, "best_bid", bb, b->ps);
	add_num(out, "best_ask", ba, b->ps);
	/* (bb + ba) / 2 exactly: one more fraction digit. */
	add_num(out, "mid", ((fx_i128)bb + ba) * 5, b->ps + 1);
	add_coverage(out, "coverage_bid", &b->bid);
	add_coverage(out, "coverage_ask", &b->ask);
	buf_adds(out, ",\"bands\":[");
	for (i = 0; i < cfg->n; i++) {
		if (i)
			buf_addc(out, ',');
		buf_adds(out, "{\"pct\":");
		buf_add_fx(out, cfg->pct[i]);
		add_num(out, "bid_qty", sum[i].bid_qty, b->qs);
		add_num(out, "ask_qty", sum[i].ask_qty, b->qs);
		add_num(out, "bid_value", sum[i].bid_value, vs);
		add_num(out, "ask_value", sum[i].ask_value, vs);
		buf_adds(out, sum[i].complete ? ",\"complete\":true}" :
		    ",\"complete\":false}");
	}
	buf_adds(out, "]}\n");
}
