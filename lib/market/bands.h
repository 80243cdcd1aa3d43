/*
 * bands: depth bands and imbalance (mkt-events(5)).
 *
 * For a band of pct percent the bid band holds every bid level with price
 * >= best_bid * (1 - pct/100) and the ask band every ask level with price
 * <= best_ask * (1 + pct/100), bounds inclusive and exact.  Sums are
 * exact: quantities at the book's quantity scale, values (price x
 * quantity) at the sum of both scales.  The book keeps prefix sums from
 * its deepest level up, refreshed lazily from the deepest level changed,
 * so each band costs a binary search.
 *
 * Coverage: how far from the best price the last snapshot reached, per
 * side, in percent; a band is complete only when its bound lies within
 * the coverage of both sides.
 */
#ifndef MKT_BANDS_H
#define MKT_BANDS_H

#include "book.h"
#include "base/buf.h"
#include "base/attr.h"
#include "base/fixed.h"

#define BANDS_MAX 32
/* Band percentages may have up to this many fraction digits. */
#define BANDS_PCT_SCALE 6

struct bands_cfg {
	int n;
	struct fx pct[BANDS_MAX];	/* ascending, 0 < pct <= 100 */
};

struct band_sum {
	fx_i128 bid_qty, ask_qty;	/* scale: book qs */
	fx_i128 bid_value, ask_value;	/* scale: book ps + qs */
	int complete;
};

/* The default bands: 1.5, 3, 5, 8, 15, 30. */
void bands_default(struct bands_cfg *cfg);

/*
 * Parse "1.5,3,5": each a decimal with 0 < pct <= 100 and at most
 * BANDS_PCT_SCALE fraction digits; sorted, repeats removed.  0 or -1.
 */
int bands_parse(const char *s, struct bands_cfg *cfg) WUR;

/*
 * Sum the bands of a valid book with both sides non-empty into out[0..
 * cfg->n).  Returns 0; -1 with errno EDOM when a side is empty, ERANGE
 * when a value sum passes 128 bits, ENOMEM.
 */
int bands_compute(struct book *b, const struct bands_cfg *cfg,
    struct band_sum *out) WUR;

/* Append one bands event line for the sums bands_compute() gave. */
void bands_render(struct buf *out, const struct book *b,
    const struct bands_cfg *cfg, const struct band_sum *sum);

#endif
