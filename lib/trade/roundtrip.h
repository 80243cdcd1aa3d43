/*
 * roundtrip: trades as mkt-report(1) counts them, built from fills in
 * time order, and the statistics of a group of trades.
 *
 * A trade is one round trip of a position (venue, market, symbol) from
 * flat to flat: it opens with the fill that leaves flat and closes with
 * the fill that brings the position back to zero.  A fill that crosses
 * zero closes the trade with the part that reaches zero and opens the
 * next one with the rest; its whole fee counts in the trade it closes.
 * A trade's pnl is what its fills sold less what they bought (price
 * times quantity) less their fees, all exact: over a round trip this is
 * the realised pnl of average cost and of FIFO alike, with no average
 * to round.  Fees are taken as amounts of the quote asset.  Its exit
 * reason is the reason of the intent whose fill closed it.
 */
#ifndef MKT_ROUNDTRIP_H
#define MKT_ROUNDTRIP_H

#include <stdint.h>

#include "base/attr.h"
#include "base/fixed.h"
#include "base/keymap.h"

#define RT_NAME_SZ 33
#define RT_SYMBOL_SZ 65
#define RT_REASON_SZ 65

/* One fill; reason may be NULL or "" (none). */
struct rt_fill {
	const char *venue, *market, *symbol;
	int buy;			/* 1 buy, 0 sell */
	struct fx price, qty, fee;
	int64_t time_ms;
	const char *reason;
};

/* A closed trade. */
struct rt_trade {
	char venue[RT_NAME_SZ], market[RT_NAME_SZ];
	char symbol[RT_SYMBOL_SZ];
	int long_side;			/* 1: opened by a buy */
	int64_t open_ms, close_ms;
	struct fx pnl, fees;
	long fills;
	char reason[RT_REASON_SZ];	/* "unknown" when none was given */
};

/* The open positions: one entry by (venue, market, symbol). */
struct rt_book {
	struct keymap pos;
};

void rt_init(struct rt_book *b);
void rt_free(struct rt_book *b);

/*
 * Add a fill: 1 with *out when it closes a trade, 0 when it does not,
 * -1 with errno: EINVAL for a quantity not above zero or a name longer
 * than RT_*_SZ, ERANGE when a sum overflows, ENOMEM.
 */
int rt_add(struct rt_book *b, const struct rt_fill *f,
    struct rt_trade *out) WUR;

/* The positions that are not flat: trades still open. */
long rt_open(const struct rt_book *b);

/*
 * The statistics of a group of trades, added in the order they closed.
 * The equity curve starts at 0 and moves by each trade's pnl; the max
 * drawdown is the largest fall from a peak (0 included) to a later
 * point.  A win is a pnl above zero, a loss one below; a trade of zero
 * pnl is neither and ends both streaks.
 */
struct rt_stats {
	long trades, wins, losses;
	long win_run, loss_run;		/* the streaks now */
	long best_win_run, best_loss_run;
	struct fx pnl, fees, peak, max_drawdown;
};

void rt_stats_init(struct rt_stats *s);

/* Add a closed trade: 0, or -1 with errno ERANGE on overflow. */
int rt_stats_add(struct rt_stats *s, const struct rt_trade *t) WUR;

/* The average pnl of a trade, rounded half to even at 8 decimals or
 * the pnl's scale when larger; zero when there is no trade.  0 or -1. */
int rt_stats_avg(const struct rt_stats *s, struct fx *out) WUR;

#endif
