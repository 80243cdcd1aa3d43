/*
 * binance: Binance spot and USD-M futures messages to mkt events.
 *
 * One raw message in (a WebSocket frame, plain or wrapped by a combined
 * stream, or a REST depth body), zero or more event lines out
 * (mkt-events(5)), appended to a buffer.  Pure: no I/O, no allocation
 * but the buffer's, nothing printed.  Prices and quantities are copied
 * with the exchange's own digits after fx_parse() has checked them, so
 * they never pass through binary floating point.
 */
#ifndef MKT_BINANCE_H
#define MKT_BINANCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "venue/norm.h"
#include "venue/venue.h"

/*
 * What binance_normalize() returns besides an event count and -1
 * (VENUE_IGNORED and the rest of the convention: venue.h).
 */
enum {
	/* {"e":"serverShutdown"}: reconnect */
	BINANCE_SHUTDOWN = VENUE_SHUTDOWN,
};

/*
 * Normalize one raw Binance message msg[0..n):
 *
 *   depthUpdate            -> depth (prev_id when "pu" is there: futures)
 *   bookTicker             -> ticker (spot has no "E": time is then
 *                             recv_us / 1000, or absent when unknown)
 *   trade, aggTrade        -> trade (aggTrade: "id" is the aggregate id,
 *                             and "agg":true ends the event)
 *   REST depth body        -> snapshot ({"lastUpdateId", "bids", "asks"},
 *                             from /api/v3/depth or /fapi/v1/depth; time
 *                             from "E" when there, else as for spot
 *                             bookTicker)
 *   partial depth stream   -> snapshot (<symbol>@depth5/10/20 in a
 *                             combined stream; futures sends these as
 *                             depthUpdate, recognised by the stream name)
 *   serverShutdown         -> BINANCE_SHUTDOWN, nothing appended
 *   anything else valid    -> 0 ({"result":null,"id":1}, kline, ...)
 *
 * A combined-stream frame {"stream":..,"data":{..}} is unwrapped.  The
 * symbol is the payload's "s"; without one, the stream name's part
 * before '@' uppercased; without a stream, the `symbol` argument (the
 * caller's, for REST bodies, which name none; NULL when unknown).
 * Symbols run up to 63 bytes.
 * market is "spot" or "futures".  recv_us is the local receive time in
 * epoch microseconds, or -1 when unknown ("recv" is then left out).
 *
 * Returns the number of events appended (each a line ending in '\n'),
 * BINANCE_SHUTDOWN, or -1 with a reason in why[0..whylen): invalid JSON,
 * a missing field or one of the wrong type, a price or quantity that is
 * not a decimal or has more digits than fixed.h holds, an error reply
 * from Binance ({"code":..,"msg":..}), a full output buffer.  On -1 out
 * is exactly as it was: nothing appended, its failed flag as before.
 * out must not have failed already.  msg is only read; out stays the
 * caller's.
 */
int binance_normalize(const char *msg, size_t n, const char *market,
    const char *symbol, int64_t recv_us, struct buf *out, char *why,
    size_t whylen) WUR;
/* The same with the passes chosen (norm.h): tests compare the two. */
int binance_normalize_mode(const char *msg, size_t n, const char *market,
    const char *symbol, int64_t recv_us, struct buf *out, char *why,
    size_t whylen, enum norm_mode mode) WUR;

/* The instrument lists (binance_instr.c), for the markets' tables. */
venue_instruments_url_fn binance_spot_instruments_url;
venue_instruments_url_fn binance_futures_instruments_url;
venue_instruments_parse_fn binance_instruments_parse;

/* The venue's table (binance_ops.c): markets "spot" and "futures"
 * (USD-M). */
extern const struct venue_ops binance_ops;

#endif
