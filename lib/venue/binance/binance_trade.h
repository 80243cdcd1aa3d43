/*
 * binance_trade: the private side of Binance spot and USD-M futures as
 * venue/trade.h codecs -- signed REST requests, their answers, and the
 * user data streams (spot through the WebSocket API's
 * userDataStream.subscribe.signature, USD-M through a listen key).
 * binance_ops.c puts these tables in its markets.  The requests and
 * stream plans are in binance_trade.c, the answers in binance_tanswer.c.
 */
#ifndef MKT_BINANCE_TRADE_H
#define MKT_BINANCE_TRADE_H

#include "venue/trade.h"

/* The spot WebSocket API base: this variable, or the production host. */
#define BINANCE_WSAPI_ENV "MKT_BINANCE_SPOT_WSAPI"
#define BINANCE_WSAPI_DEFAULT "wss://ws-api.binance.com:443"

/* The answers and stream messages of both markets (binance_tanswer.c),
 * as venue_trade.parse and .stream_parse. */
int binance_trade_parse(const struct venue_market *m, enum vt_what what,
    int status, const char *body, size_t n, struct vt_answer *a);
enum vt_stream_kind binance_trade_stream_parse(const struct venue_market *m,
    const char *msg, size_t n, struct vt_answer *a);

extern const struct venue_trade binance_spot_trade;
extern const struct venue_trade binance_futures_trade;

#endif
