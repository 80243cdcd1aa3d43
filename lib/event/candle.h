/*
 * candle: the trades of one symbol in one window of event time, summed
 * exactly -- open, high, low, close, base and quote volume, trade count
 * and taker-buy volume -- and the candle event of mkt-events(5) that
 * carries them, written by mkt-candles and read back by the journal.
 */
#ifndef MKT_CANDLE_H
#define MKT_CANDLE_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/buf.h"
#include "base/fixed.h"
#include "event/event.h"

#define CANDLE_NAME 16
#define CANDLE_SYMBOL 64

/* One trade event, as a candle needs it. */
struct candle_trade {
	/* Spans into the event's line. */
	const struct json_span *venue, *market, *symbol;
	int64_t time;		/* epoch ms */
	struct fx price;	/* > 0 */
	struct fx qty;		/* > 0 */
	int buy;		/* the taker bought */
};

struct candle {
	char venue[CANDLE_NAME], market[CANDLE_NAME];
	char symbol[CANDLE_SYMBOL];
	int64_t interval;	/* window length, ms (> 0) */
	int64_t open_time;	/* window start, epoch ms */
	struct fx open, high, low, close;
	struct fx volume, quote_volume, buy_volume;
	int64_t trades;		/* 0: no trade yet, nothing to write */
};

/*
 * Read a trade event (ev->type EV_TRADE): venue, market, symbol and
 * time needed, price and qty decimals above 0 (numbers or strings), side
 * "buy" or "sell".  0, or -1 with the reason in why ("missing field
 * 'time'").  The spans point into the event's line.
 */
int candle_trade_read(const struct event *ev, struct candle_trade *t,
    char *why, size_t whylen) WUR;

/* The window of a time: floor(time / interval), for any sign. */
int64_t candle_window(int64_t time, int64_t interval);

/*
 * Start c empty for the window that opens at open_time, named by the
 * trade's venue, market and symbol.  -1 (EOVERFLOW) when a name is
 * longer than the candle holds.
 */
int candle_start(struct candle *c, const struct candle_trade *t,
    int64_t interval, int64_t open_time) WUR;

/*
 * Add a trade: the first sets open, every one high, low and close, the
 * sums grow exactly.  0, or -1 (ERANGE) when a sum or price * qty
 * passes 38 digits; c is then unchanged.
 */
int candle_add(struct candle *c, const struct candle_trade *t) WUR;

/*
 * Merge b, of a later window or the same one, into a (an hour from its
 * minutes): high and low widen, close and the sums follow b, open stays
 * a's.  a->trades 0 takes b whole.  0, or -1 (ERANGE); a then unchanged.
 */
int candle_merge(struct candle *a, const struct candle *b) WUR;

/*
 * Append c as one candle event line (with its newline); time is the
 * window's start, as mkt-depth stamps its windows.
 */
void candle_render(struct buf *out, const struct candle *c);

/*
 * Read a candle event (type "candle"): the names, interval above 0,
 * open_time, the prices above 0 with low <= open, close <= high, the
 * volumes not below 0, buy_volume at most volume, trades above 0.  0,
 * or -1 with the reason in why.
 */
int candle_read(const struct event *ev, struct candle *c, char *why,
    size_t whylen) WUR;

#endif
