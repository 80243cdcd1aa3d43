/*
 * polymarket: the Polymarket CLOB market channel to mkt events.
 *
 * One raw message in (a frame of wss://ws-subscriptions-clob.polymarket
 * .com/ws/market, or a REST /book reply), zero or more event lines out
 * (mkt-events(5)), appended to a buffer.  Like bybit.h: no I/O, nothing
 * printed, the venue's digits kept.  The market is "clob"; a symbol is
 * the token id of one outcome (a decimal of up to 78 digits).
 */
#ifndef MKT_POLYMARKET_H
#define MKT_POLYMARKET_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "base/json.h"
#include "venue/venue.h"

/*
 * Normalize one message msg[0..n) (PROTOCOLS.md §5, §11):
 *
 *   book (or a REST /book reply)  -> snapshot, levels sorted best first
 *                       whatever order the venue sends them in
 *                       (last_id = "timestamp"), then a status
 *                       {"state":"check_failed","reason":"hash_mismatch"}
 *                       when its "hash" is not the SHA-1 of the book
 *                       (checked only when min_order_size and neg_risk
 *                       are known: in the message, or loaded with
 *                       polymarket_markets_load())
 *   price_change       -> one depth event per asset_id named, size 0
 *                       removes the level (first_id = last_id =
 *                       "timestamp")
 *   last_trade_price   -> trade (id: transaction_hash, else timestamp)
 *   tick_size_change   -> instrument with tick = new_tick_size
 *   a JSON array       -> each of its messages in turn
 *   best_bid_ask       -> ticker of bid and ask, without sizes
 *   PONG, new_market, market_resolved, others -> 0
 *
 * The ids are the venue's millisecond timestamps: they do not link
 * events (the rule of the market is SEQ_NONE, market/book.h).  Returns
 * the number of events, or -1 with a reason in why; out is then as it
 * was.
 */
int polymarket_normalize(const char *msg, size_t n, const char *market,
    int64_t recv_us, struct buf *out, char *why, size_t whylen) WUR;

/*
 * Market metadata (polymarket_meta.c): the min_order_size and neg_risk of
 * each token, from body[0..n): the REST /markets answer ({"data":[...]}),
 * a JSON array of markets, or one market, each market with
 * "minimum_order_size" (or "min_order_size"), "neg_risk" and "tokens"
 * [{"token_id":...}].  Kept for the life of the process (a venue table
 * hook: venue_ops.markets_load).  Returns the tokens taken, or -1 with a
 * reason in why.
 */
int polymarket_markets_load(const char *body, size_t n, char *why,
    size_t whylen) WUR;

/*
 * The metadata of token id[0..n): *mos and *mos_n the min_order_size as
 * written, *neg_risk 0 or 1.  0, or -1 when it is not known.
 */
int polymarket_meta(const char *id, size_t n, const char **mos,
    size_t *mos_n, int *neg_risk);

/*
 * The hash of a book message o: the SHA-1, in 40 lower-case hex digits
 * into hex[41], of the compact JSON the venue hashes (PROTOCOLS.md §11):
 * market, asset_id, timestamp, hash "", bids and asks as sent, then
 * min_order_size mos[0..mos_n) (a string), tick_size, neg_risk,
 * last_trade_price.  0, or -1 when a member it needs is missing or not a
 * string, or the digest failed.
 */
int polymarket_book_hash(const struct json_obj *o, const char *mos,
    size_t mos_n, int neg_risk, char hex[41]) WUR;

extern const struct venue_ops polymarket_ops;

#endif
