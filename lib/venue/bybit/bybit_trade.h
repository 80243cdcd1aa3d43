/*
 * bybit_trade: the private side of Bybit v5 linear and spot as
 * venue/trade.h codecs -- signed REST requests (X-BAPI-* headers), their
 * answers, and the private WebSocket stream (auth, then order,
 * execution, position and wallet).  The requests and the stream plan
 * are in bybit_trade.c, the answers in bybit_tanswer.c; bybit_ops.c
 * puts these tables in its markets.
 */
#ifndef MKT_BYBIT_TRADE_H
#define MKT_BYBIT_TRADE_H

#include "venue/trade.h"

/* The answers and stream messages of both markets (bybit_tanswer.c),
 * as venue_trade.parse and .stream_parse. */
int bybit_trade_parse(const struct venue_market *m, enum vt_what what,
    int status, const char *body, size_t n, struct vt_answer *a);
enum vt_stream_kind bybit_trade_stream_parse(const struct venue_market *m,
    const char *msg, size_t n, struct vt_answer *a);

extern const struct venue_trade bybit_linear_trade;
extern const struct venue_trade bybit_spot_trade;

#endif
