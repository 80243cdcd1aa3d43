/*
 * simmarket: a deterministic generated market for one (venue, market,
 * symbol), the source of mkt-sim(1).
 *
 * A book of about `levels` price levels a side moves one step at a time:
 * each step walks the mid price, consumes the levels it crosses (trades),
 * and updates, inserts or deletes 5 to 30 levels near the top; the book
 * is never crossed.  The levels thin out away from the best price, as on
 * a venue: level i of a side lies about 19 % * (i / 5000)^1.5 of the
 * price from the mid, give or take 10 % (level 1000 near 1.8 %, 5000
 * near 21 %, 8000 near 42 %),
 * at least a tick beyond the one before, never past half the price;
 * level sizes shrink with the distance too.  Now and then the deep end
 * is refilled or trimmed back to `levels`, a change far from the top.  Each step gets an update id range [first_id, last_id]
 * in the venue's style (Binance spot contiguous, Binance futures with
 * skips linked by prev_id, Bybit one id per step).  Everything is exact
 * integer arithmetic: prices in ticks, quantities in units of 1e-8.  The
 * sequence depends only on the seed and the (venue, market, symbol)
 * names, never on time.
 *
 * A market can also be given its steps instead (a replay, see
 * simreplay.h): simmarket_params_given() makes one with the data's own
 * decimals and an empty book that grows as needed, simmarket_load() sets
 * its first book and simmarket_apply() takes each given step, so that
 * the diffs, trades and rendering are the same as for a generated step.
 */
#ifndef MKT_SIMMARKET_H
#define MKT_SIMMARKET_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"

/* Quantities are integers in units of 10^-SM_QTY_DP. */
#define SM_QTY_DP 8
/* Most levels a side; more is refused by simmarket_params(). */
#define SM_LEVELS_MAX 100000
/* The deepest view simmarket_diff() gives of a generated market. */
#define SM_VIEW_MAX 1000

/* How update ids advance from step to step. */
enum sm_ids {
	SM_IDS_CONTIGUOUS,	/* first_id = previous last_id + 1 (spot) */
	SM_IDS_SKIPPING,	/* first_id jumps ahead; prev_id links */
	SM_IDS_ONE,		/* one id per step (Bybit u), plus seq */
};

struct sm_params {
	char venue[16];		/* "binance", "bybit" */
	char market[16];	/* "spot", "futures", "linear" */
	char symbol[96];	/* "BTCUSDT", a Polymarket token id */
	int px_dp;		/* decimals of a price */
	int64_t tick;		/* price step, in units of 10^-px_dp */
	int64_t start;		/* first mid price, in units of 10^-px_dp */
	int64_t lot;		/* quantity step, in units of 1e-8 */
	int64_t qty_max;	/* the largest typical level, in 1e-8 */
	size_t levels;		/* levels a side to keep */
	/* Prices stay below this many ticks (0: no bound): a Polymarket
	 * share is worth at most 1. */
	int64_t px_cap;
	enum sm_ids ids;
	uint64_t seed;
	int given;		/* steps are given (simmarket_apply) */
};

/*
 * Move the start price of p by bps basis points (1/100 of a percent,
 * -5000 to 5000), rounded to a tick: one venue's prices a set amount
 * above another's.  0, or -1 with errno EINVAL (out of range, or a
 * given market).
 */
int simmarket_offset(struct sm_params *p, int bps) WUR;

/* One price level: price in ticks, quantity in 1e-8 (0: removed). */
struct sm_level {
	int64_t px;
	int64_t qty;
};

/*
 * One side, best LAST (bids ascending, asks descending), so that the
 * changes near the top move few levels; sm_at() reads it best first.
 */
struct sm_side {
	struct sm_level *lv;
	size_t n;
	size_t cap;
};

/* The i-th best level of s (0: the best); i < s->n. */
static inline const struct sm_level *
sm_at(const struct sm_side *s, size_t i)
{
	return &s->lv[s->n - 1 - i];
}

/* A level a generated step touched, with its quantity before the step
 * (0: none), in the order touched (simmarket.c). */
struct sm_touch;

/* Longest trade id kept as text (Bybit's are UUIDs), with its NUL. */
#define SM_TRADE_ID_MAX 48

struct sm_trade {
	uint64_t id;
	int64_t px;		/* ticks */
	int64_t qty;		/* 1e-8 */
	int taker_buy;		/* the taker bought (ask side consumed) */
	int64_t time;		/* epoch ms; 0: none (now, when served) */
	char id_text[SM_TRADE_ID_MAX];	/* "" or the id as given text */
};

#define SM_TRADES_MAX 16

/*
 * The market.  Callers read the fields; only simmarket_* functions
 * change them.
 */
struct simmarket {
	struct sm_params p;
	uint64_t rng;
	int64_t mid;		/* ticks; bids < mid < asks */
	struct sm_side bid, ask;
	/* Before the last step: the whole book of a given market, the best
	 * SM_VIEW_MAX levels of a generated one. */
	struct sm_side prev_bid, prev_ask;
	struct sm_side dbid, dask;		/* scratch for diffs */
	/* What the last generated step touched, per side (the whole-book
	 * diff comes from these, not from a copy of the book). */
	struct sm_touch *tbid, *task;
	size_t ntbid, ntask, tcap;
	/* Levels taken since the last step (simmarket_take): their touches
	 * wait in tbid/task for the next step's diff. */
	size_t ntakes;
	int64_t scale;		/* the first mid, in ticks: the profile's */
	uint64_t steps;		/* steps taken */
	uint64_t first_id;	/* the last step's id range */
	uint64_t last_id;
	uint64_t prev_id;	/* last_id before the last step (futures pu) */
	uint64_t seq;		/* Bybit cross sequence */
	uint64_t next_trade_id;
	struct sm_trade trades[SM_TRADES_MAX];	/* the last step's trades */
	size_t ntrades;
	int64_t time;		/* the last given step's time, epoch ms; 0:
				   none (generated steps have none) */
	struct sm_side gbid, gask;	/* the last given step's changes */
	int given_changes;	/* ... and they are what it changed */
};

/*
 * A given step.  A snapshot's levels are the whole book (any order; a
 * quantity of 0 is skipped); otherwise they are changes, applied in
 * order (a quantity of 0 removes the level).  The ids and seq become the
 * market's; trades (at most SM_TRADES_MAX are kept) become the step's.
 */
struct sm_step {
	int snapshot;
	uint64_t first_id, last_id, prev_id, seq;
	int64_t time;		/* epoch ms; 0: none */
	const struct sm_level *bid, *ask;
	size_t nbid, nask;
	const struct sm_trade *trades;
	size_t ntrades;
};

/* A diff between the book before and after the last step. */
struct sm_diff {
	const struct sm_level *bid;
	size_t nbid;
	const struct sm_level *ask;
	size_t nask;
};

/*
 * Fill p for (venue, market, symbol) from the built-in symbol table
 * (tick, lot, start price; unknown symbols get generic values), with
 * `levels` levels a side and the seed.  The id style follows the venue:
 * binance/spot contiguous, binance/futures skipping, bybit one.
 * Polymarket shares: prices 0.001 apart, starting at 0.5, below 1
 * (px_cap), sizes in cents of a share.  0, or
 * -1 with errno EINVAL (names too long, symbol not [A-Z0-9], levels 0 or
 * above SM_LEVELS_MAX).
 */
int simmarket_params(struct sm_params *p, const char *venue,
    const char *market, const char *symbol, size_t levels, uint64_t seed)
    WUR;

/*
 * Fill p for a market whose steps are given: prices in units of
 * 10^-px_dp (tick 1), quantities with qty_dp decimals; the id style
 * follows the venue as above.  0, or -1 with errno EINVAL (names as
 * above, px_dp not in 0..SM_PX_DP_MAX, qty_dp not in 0..SM_QTY_DP).
 */
#define SM_PX_DP_MAX 18
int simmarket_params_given(struct sm_params *p, const char *venue,
    const char *market, const char *symbol, int px_dp, int qty_dp) WUR;

/*
 * A new market in its initial state (no step taken, last_id set; for
 * given params an empty book with ids 0).  The caller frees it with
 * simmarket_free().  NULL with errno ENOMEM.
 */
struct simmarket *simmarket_new(const struct sm_params *p);
void simmarket_free(struct simmarket *m);

/*
 * Take one step: change the book, advance the ids, record the trades.
 * 0, or -1 with errno ENOMEM (the market is then unchanged).
 */
int simmarket_step(struct simmarket *m) WUR;

/*
 * Most levels simmarket_take() changes between two steps; the touch log
 * has this much room beyond a step's own.
 */
#define SM_TAKES_MAX 256

/*
 * A generated market: an order of the matching engine takes qty (1e-8)
 * from the level at px ticks of the bids (bid 1) or the asks (bid 0).
 * The level shrinks, or goes when nothing is left, at once: the book
 * (and so every snapshot) shows it, and the next simmarket_step()'s diff
 * carries the change with that step's ids, as a venue's next update
 * would; simmarket_diff() is not to be asked about the previous step
 * after a take.  0, or -1 with errno EINVAL (a given market, no level at
 * px, qty not in 1..its quantity) or ENOSPC (SM_TAKES_MAX levels already
 * taken since the step); nothing changed then.
 */
int simmarket_take(struct simmarket *m, int bid, int64_t px, int64_t qty)
    WUR;

/*
 * A market of given params: set the book, ids, seq and time from st (a
 * snapshot) without taking a step: nothing changed as far as
 * simmarket_diff() sees, steps stays as it was.  0, or -1 with errno
 * EINVAL (not a given market, not a snapshot) or ENOMEM (the market is
 * then unchanged).
 */
int simmarket_load(struct simmarket *m, const struct sm_step *st) WUR;

/*
 * A market of given params: take the step st: the book changes (or is
 * replaced, for a snapshot), the ids, seq, time and trades become st's,
 * and steps counts it.  0, or -1 with errno EINVAL (not a given market)
 * or ENOMEM (the market is then unchanged).
 */
int simmarket_apply(struct simmarket *m, const struct sm_step *st) WUR;

/*
 * The changed levels of the last step as seen through the top `depth`
 * levels of each side (0: the whole book; a generated market's view
 * stops at SM_VIEW_MAX levels): levels whose quantity changed
 * or that entered that view carry their new quantity, levels that left
 * it carry 0.  Best first.  For the whole book of a given market after a
 * step that was not a snapshot, the step's changes exactly as given
 * instead (their order, repeats and changes that changed nothing, as a
 * venue sends them).  The arrays belong to m and stay valid until the
 * next simmarket_diff(), simmarket_step() or simmarket_apply().
 */
void simmarket_diff(struct simmarket *m, size_t depth, struct sm_diff *d);

/*
 * Render a price (ticks) or a quantity (1e-8) as a decimal: with dp < 0
 * trailing fractional zeros are dropped ("60000.1", "2"), otherwise
 * exactly dp decimals ("60000.10000000"); dp below the value's own
 * precision is raised to it, so nothing is ever rounded (fx_format_dp).
 * A price is ticks times the tick, multiplied exactly: 0, or -1 with
 * errno ERANGE when that has more digits than a decimal holds (nothing
 * is written then).
 */
int simmarket_put_px(struct buf *b, const struct simmarket *m,
    int64_t ticks, int dp) WUR;
void simmarket_put_qty(struct buf *b, const struct simmarket *m,
    int64_t qty, int dp);

/* Decimals of a quantity step ("0.001" -> 3). */
int simmarket_qty_dp(const struct simmarket *m);

/*
 * The whole book as one mkt `book` event line with its newline:
 * {"type":"book","venue":..,"market":..,"symbol":..,"last_id":N,
 * "bids":[[p,q],...],"asks":[...]}, numbers exact, best first.
 * 0, or -1 with errno ERANGE when a price does not fit a decimal
 * (simmarket_put_px); the line is then incomplete.
 */
int simmarket_render_book(const struct simmarket *m, struct buf *b) WUR;

#endif
