/*
 * paper: the paper venue -- orders filled against the books of the
 * market events in the same input, with no exchange.  Deterministic: the
 * same market events and the same calls give byte-identical updates, so
 * paper trading on a replayed journal is a backtest.
 *
 * Books are kept per venue:market:symbol by market/bookset under each
 * venue's sync rule (venue_seq_rule); a book that is not in sync counts
 * as empty.  Numbers are exact (struct fx) throughout.
 *
 * Rules
 *
 *   Placing.  An order goes on the book of its venue:market:symbol (with
 *   venue or market NULL: the only book with that symbol).  No such book,
 *   two candidates, a quantity that is not a positive number, a limit
 *   order without a positive price, or post_only on a market order: one
 *   update "rejected" (the order was never accepted).  Otherwise "new"
 *   (order id "paper-N", N the number of placements so far, rejected ones
 *   included), then:
 *   - market: walks the opposite side level by level from the best; what
 *     the book does not have expires (as IOC): an empty book expires it
 *     whole.  FOK market: all of it or nothing (expired).
 *   - limit crossing the book (buy >= best ask, sell <= best bid): fills
 *     as a taker level by level up to its price; the rest rests (GTC) or
 *     expires (IOC).  FOK: fills wholly if the levels up to its price
 *     hold its quantity, else expires with no fill.  post_only that would
 *     cross: "rejected" alone (no "new").
 *   - limit not crossing: rests (GTC, post_only); IOC and FOK expire.
 *   Within one placement each level is used once; our own fills never
 *   change the stored book (a simplification: the book is the market's,
 *   as the events tell it, and our orders are not in it).
 *
 *   Resting.  A resting order keeps "ahead", the estimated quantity in
 *   the queue before it: the quantity of its own side's level at its
 *   price when it came to rest.  Depth, snapshot and book events that
 *   lower that level's quantity lower ahead by as much (never below 0);
 *   increases join behind us and change nothing.  For each trade event
 *   of its book, in the order the orders came to rest, with `avail` the
 *   part of the trade none of our orders took yet:
 *   - a trade at our price: take = min(ahead, trade qty); ahead -= take;
 *     we fill min(remaining, avail - take) when that is above 0 (the
 *     queue ahead takes first, then our orders that rest before us);
 *   - a trade through our price (below our buy, above our sell): ahead
 *     becomes 0 and we fill min(remaining, avail).
 *   Either fill is at our price, as a maker; the trade's side is not
 *   looked at.  After each book event, a resting order whose opposite
 *   side crosses its price (best ask <= our buy, best bid >= our sell)
 *   fills as a maker at its price against the crossing quantity (the
 *   sum of the opposite levels at or through our price) not used yet:
 *   used = min(used, crossing); fill = min(remaining, crossing - used);
 *   used += fill.  `used` starts as the quantity the order took as a
 *   taker when placed (those same levels are still in the stored book),
 *   and falls back to 0 when the cross goes away.  Each resting order
 *   meets the crossing quantity on its own (two of our orders may both
 *   fill against it).
 *
 *   Fees: price * qty * rate, exact, maker rate on resting fills, taker
 *   rate on fills at placement.  The fee asset is the symbol's quote:
 *   the suffix FDUSD, USDT, USDC, BUSD or TUSD when the symbol ends in
 *   one, else its last 3 characters (BTC of ETHBTC, EUR of BTCEUR).
 *
 *   Updates: each fill is a VT_U_FILL (trade id "paper-T-N", N counting
 *   fills from 1) followed by the order's VT_U_ORDER ("partially_filled"
 *   or "filled", filled_qty cumulative, avg_price the exact mean price
 *   rounded half-even to 18 decimals).  Every update carries the time of
 *   the market event that caused it; a placement or cancel carries the
 *   time of the last market event seen (0 before any).
 *
 * Saved state (paper_save / paper_load), version 1: lines of
 * space-separated fields, each field's bytes other than [A-Za-z0-9._:/-]
 * written as %XX:
 *   paper 1
 *   counters PLACEMENTS FILLS LAST_TIME
 *   order VENUE MARKET SYMBOL CLIENT_ID ORDER_ID SIDE KIND TIF QTY PRICE
 *         FILLED NOTIONAL AHEAD USED        (one line per resting order,
 *                                            in the order they rest)
 *   end
 * SIDE buy|sell, KIND limit, TIF gtc|post_only; numbers as decimals.
 * Only resting orders are saved: after a load, orders that were final
 * are unknown to paper_query() and paper_cancel() (the caller's state
 * store has them).  Books are not saved: they come back with the next
 * snapshots of the input.
 */
#ifndef MKT_PAPER_H
#define MKT_PAPER_H

#include <stddef.h>

#include "base/attr.h"
#include "base/buf.h"
#include "base/fixed.h"
#include "event/event.h"
#include "venue/trade.h"

struct paper;

struct paper_opts {
	/* Rates: fee = price * qty * rate, in the quote asset. */
	struct fx maker_fee, taker_fee;
};

/* A new paper venue with no books and no orders.  0, or -1 with errno
 * (ENOMEM, EINVAL for a negative rate).  paper_close() frees it. */
int paper_open(struct paper **pp, const struct paper_opts *o) WUR;
void paper_close(struct paper *p);

/*
 * One market event, as event_parse() left it: snapshot, depth, book,
 * ticker and trade events of any venue:market:symbol go to the books;
 * other types are ignored.  Fills of resting orders this event causes
 * are appended to out.  0, or -1 with a reason in why for an event it
 * cannot use (the books are as before it; the caller reports it and
 * goes on); ENOMEM sets errno.
 */
int paper_market(struct paper *p, struct event *ev, struct vt_updates *out,
    char *why, size_t whylen) WUR;

/*
 * Place o (client_id, symbol, side, kind, tif, qty, price) on the book of
 * venue:market:symbol (NULLs: see the rules).  Appends its updates to
 * out.  Returns 0; 1 when the client id was placed before (nothing
 * appended); -1 with why (errno ENOMEM) when memory ran out.
 */
int paper_place(struct paper *p, const char *venue, const char *market,
    const struct vt_order *o, struct vt_updates *out, char *why,
    size_t whylen) WUR;

/* Cancel a resting order by client id: 0 (a "canceled" update appended),
 * 1 unknown or already final, -1 when memory ran out. */
int paper_cancel(struct paper *p, const char *client_id,
    struct vt_updates *out) WUR;

/* The order's state as one VT_U_ORDER in *u: 1 found, 0 not. */
int paper_query(const struct paper *p, const char *client_id,
    struct vt_update *u);

/* Append the resting orders and counters (the format above) to out.
 * 0, or -1 when the buffer failed. */
int paper_save(const struct paper *p, struct buf *out) WUR;

/*
 * Load what paper_save() wrote into a paper on which nothing was placed
 * yet.  0, or -1 with a reason in why (errno EINVAL for bad text,
 * EBUSY when orders exist, ENOMEM); on failure nothing was loaded
 * (after ENOMEM, part of it may have been).
 */
int paper_load(struct paper *p, const char *s, size_t n, char *why,
    size_t whylen) WUR;

#endif
