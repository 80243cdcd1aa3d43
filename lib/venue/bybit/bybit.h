/*
 * bybit: Bybit v5 public messages to mkt events.
 *
 * One raw message in (a public WebSocket frame or a REST order book
 * reply), zero or more event lines out (mkt-events(5)), appended to a
 * buffer.  Pure, like binance.h: no I/O, no allocation but the
 * buffer's, nothing printed; prices and quantities keep the exchange's
 * digits.  The return convention (VENUE_IGNORED) is venue.h's.
 */
#ifndef MKT_BYBIT_H
#define MKT_BYBIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "venue/norm.h"
#include "venue/venue.h"

/*
 * Normalize one raw Bybit v5 message msg[0..n):
 *
 *   orderbook.{depth}.{SYMBOL}, type "snapshot" -> snapshot
 *                       (last_id = data.u, seq = data.seq)
 *   orderbook.{depth}.{SYMBOL}, type "delta"    -> depth
 *                       (first_id = last_id = data.u, seq = data.seq)
 *   publicTrade.{SYMBOL} -> one trade per item of data ("id" is Bybit's
 *                       trade id, a JSON string; side from "S")
 *   REST /v5/market/orderbook reply {"retCode":0,"result":{s,b,a,ts,u,
 *                       seq}} -> snapshot
 *   other topics (tickers, kline), pong and subscribe replies, REST
 *                       replies whose result holds no book -> 0
 *
 * "time" is the message's "ts" (a trade's own "T"); "seq" is written
 * when the message has one.  Keys may come in any order.  Symbols run
 * up to 63 bytes.  market is the
 * Bybit category of the connection: "linear", "spot" or "inverse".
 * recv_us is the local receive time in epoch microseconds, or -1 when
 * unknown ("recv" is then left out).
 *
 * Returns the number of events appended (each a line ending in '\n'),
 * or -1 with a reason in why[0..whylen): invalid JSON, a missing field
 * or one of the wrong type, a price or quantity that is not a decimal
 * or has more digits than fixed.h holds, a reply with "success":false
 * (its ret_msg is in the reason) or a REST retCode other than 0, a full
 * output buffer.  On -1 out is exactly as it was: nothing appended (not
 * even the trades of the message that were good), its failed flag as
 * before.  out must not have failed already.  msg is only read; out
 * stays the caller's.
 */
int bybit_normalize(const char *msg, size_t n, const char *market,
    int64_t recv_us, struct buf *out, char *why, size_t whylen) WUR;
/* The same with the passes chosen (norm.h): tests compare the two. */
int bybit_normalize_mode(const char *msg, size_t n, const char *market,
    int64_t recv_us, struct buf *out, char *why, size_t whylen,
    enum norm_mode mode) WUR;

/* The venue's table (bybit_ops.c): markets "linear" and "spot". */
/* The instrument lists (bybit_instr.c), for the markets' tables. */
venue_instruments_url_fn bybit_instruments_url;
venue_instruments_parse_fn bybit_instruments_parse;

extern const struct venue_ops bybit_ops;

#endif
