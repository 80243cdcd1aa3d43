/*
 * simreplay: a file of mkt events (mkt-events(5)) as the given steps of
 * mkt-sim's replay markets (simmarket.h).
 *
 * simreplay_load() reads the file twice.  The first pass validates each
 * line, finds the instruments, every (venue, market, symbol) with
 * snapshot or depth events, and the most fraction digits their prices
 * and quantities are written with; the second converts every value to an
 * exact integer at those decimals and groups the events into steps:
 *
 *   - an instrument's first snapshot is its initial book (step 0); its
 *     events before it are skipped;
 *   - each later depth event is one step, with the file's own ids, unless
 *     the sync rules (book_sequence(), as mkt-book applies them) find it
 *     already covered: it is then dropped as stale.  One that does not
 *     continue (a gap in the recording) is kept and counted;
 *   - each later snapshot is one step that replaces the book;
 *   - trades and tickers ride with the next step of their instrument, or
 *     make a step of their own (SR_EXTRA: no book change, ids unchanged)
 *     when more than SM_TRADES_MAX trades wait or the file ends.
 *
 * A value that cannot be held exactly (a quantity with more than
 * SM_QTY_DP decimals, a price with more than SM_PX_DP_MAX, a value beyond
 * int64 at its instrument's decimals) refuses the whole file.
 */
#ifndef MKT_SIMREPLAY_H
#define MKT_SIMREPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/keymap.h"
#include "simmarket.h"

enum sr_kind {
	SR_SNAPSHOT,	/* a snapshot: the whole book */
	SR_DEPTH,	/* a depth event: changes */
	SR_EXTRA,	/* only trades and tickers */
};

/* A ticker event, exact: prices in ticks, quantities in 1e-8. */
struct sr_ticker {
	int64_t bid, bid_qty, ask, ask_qty;
	uint64_t last_id;
	int has_last_id;
	int64_t time;		/* epoch ms; 0: none */
};

/* One stored step: ranges of its instrument's pools. */
struct sr_rec {
	enum sr_kind kind;
	uint64_t first_id, last_id, prev_id, seq;
	int64_t time;		/* epoch ms; 0: none */
	int64_t at;		/* pacing: time, else the last before */
	long line;		/* of the event that made it */
	size_t lv, nbid, nask;	/* lv[lv..]: nbid bids, then asks */
	size_t tr, ntr;
	size_t tk, ntk;
};

/* A step as simreplay_step() gives it; pointers into the instrument. */
struct sr_step {
	enum sr_kind kind;
	struct sm_step sm;
	const struct sr_ticker *tickers;
	size_t ntickers;
	int64_t at;
	long line;
};

struct sr_inst {
	char venue[16], market[16], symbol[96];
	int px_dp, qty_dp;	/* the decimals the file's values need */
	int has_snapshot;	/* 0: no snapshot, nothing to serve */
	struct sr_rec *rec;	/* rec[0]: the first snapshot */
	size_t nrec, caprec;
	struct sm_level *lv;
	size_t nlv, caplv;
	struct sm_trade *tr;
	size_t ntr, captr;
	struct sr_ticker *tk;
	size_t ntk, captk;
	/* Loading state. */
	int started, fresh;
	int64_t id;		/* last id under the sync rules */
	uint64_t first_id, last_id, prev_id, seq;
	int64_t at;
	size_t ptr, ptk;	/* first pending trade and ticker */
	int px_scale, qty_scale;	/* most digits written */
};

/* What the file held, for a summary. */
struct sr_counts {
	uint64_t lines;		/* read */
	uint64_t bad;		/* invalid, skipped */
	uint64_t other;		/* of types not replayed */
	uint64_t unserved;	/* of instruments not wanted */
	uint64_t early;		/* before their first snapshot */
	uint64_t stale;		/* depth events already covered */
	uint64_t gaps;		/* depth events that do not continue */
	long gap_line;		/* the first of those */
	uint64_t steps, trades, tickers;
};

struct simreplay {
	struct sr_inst **inst;	/* in order of first appearance */
	size_t ninst;
	struct sr_counts n;
	long line;		/* a refused value: its line, else 0 */
	char why[256];		/* what failed, for a message */
	struct keymap map;
};

/* Is (venue, market, symbol) to be replayed?  1 or 0. */
typedef int sr_want_fn(void *ctx, const char *venue, const char *market,
    const char *symbol);
/* A bad line, skipped: its number and the reason. */
typedef void sr_bad_fn(void *ctx, long line, const char *why);

/*
 * Read the file at path (a regular file: it is read twice) into r, for
 * the instruments want() accepts; bad lines go to bad() (first pass
 * only) and are skipped.  0, or -1 with errno and r->why set: EINVAL for
 * a value that cannot be held exactly (r->line names its line, r->why
 * the value and why), ENOMEM, or the errno of opening or reading
 * (r->why says which).  The caller frees r with simreplay_free() either
 * way.
 */
int simreplay_load(struct simreplay *r, const char *path, sr_want_fn *want,
    sr_bad_fn *bad, void *ctx) WUR;

/* Step i (0 .. in->nrec - 1) of an instrument, pointing into it. */
void simreplay_step(const struct sr_inst *in, size_t i, struct sr_step *st);

void simreplay_free(struct simreplay *r);

#endif
