/*
 * venue: where the venues are and how to ask them for data -- targets
 * ("binance:spot:BTCUSDT"), endpoints (from the MKT_* environment, or the
 * production hosts), WebSocket stream names and subscription messages,
 * REST order book URLs and their request weights.
 */
#ifndef MKT_VENUE_H
#define MKT_VENUE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/attr.h"

enum venue_id {
	VENUE_BINANCE_SPOT,
	VENUE_BINANCE_FUTURES,
	VENUE_BYBIT_LINEAR,
	VENUE_BYBIT_SPOT,
	VENUE_COUNT
};

#define VENUE_SYMBOL_LEN 32

struct venue_target {
	enum venue_id id;
	char symbol[VENUE_SYMBOL_LEN];	/* as the exchange spells it */
};

/* Which streams to take, besides the order book. */
enum {
	VENUE_DEPTH = 1 << 0,
	VENUE_TRADE = 1 << 1,
	VENUE_TICKER = 1 << 2,
};

/*
 * Parse "VENUE:MARKET:SYMBOL" (binance:spot, binance:futures,
 * bybit:linear, bybit:spot; the symbol in the exchange's letters, upper
 * case).  0, or -1 with a reason in why.
 */
int venue_parse_target(const char *spec, struct venue_target *t, char *why,
    size_t whylen) WUR;

/* Parse a --streams list ("depth,trade,ticker") into VENUE_* bits. */
int venue_parse_streams(const char *list, unsigned *streams) WUR;

/* "binance" / "bybit" and "spot" / "futures" / "linear". */
const char *venue_name(enum venue_id id);
const char *venue_market(enum venue_id id);
int venue_is_bybit(enum venue_id id);

/*
 * Base URLs: the environment (MKT_BINANCE_SPOT_WS, ..._REST,
 * MKT_BINANCE_FUTURES_WS, ..._REST, MKT_BYBIT_WS, MKT_BYBIT_REST) or the
 * production hosts.  The returned string stays valid.
 */
const char *venue_ws_base(enum venue_id id);
const char *venue_rest_base(enum venue_id id);

/*
 * A production host: one that is not a local simulator or a testnet.
 * (Market data is public; the order programs will refuse these.)
 */
int venue_is_production(const char *url);

/*
 * Streams of one symbol on Binance, appended "a/b/c" style to out (with
 * a '/' before each when out already holds some).  Futures order books
 * and tickers live under /public, trades under /market:
 * which = 0 for the /public part, 1 for the /market part.
 * Returns how many streams were added.
 */
int venue_binance_streams(enum venue_id id, const char *symbol,
    unsigned streams, int which, struct buf *out);

/* The combined-stream URL path for Binance: "/stream?streams=",
 * "/public/stream?streams=" or "/market/stream?streams=". */
const char *venue_binance_path(enum venue_id id, int which);

/*
 * Bybit topics of one symbol, as JSON strings separated by commas
 * ("\"orderbook.200.BTCUSDT\",\"publicTrade.BTCUSDT\""), appended to out.
 * Returns how many.  depth is the book depth: 50, 200 or 1000.
 */
int venue_bybit_topics(const char *symbol, unsigned streams, int depth,
    struct buf *out);

/* Bybit's WebSocket path for the market: "/v5/public/linear" or
 * "/v5/public/spot". */
const char *venue_bybit_path(enum venue_id id);

/*
 * The REST order book URL for a symbol and the request weight it costs
 * (Binance's tables; Bybit counts requests: 1).  limit is clamped to
 * what the venue accepts (futures: 5, 10, 20, 50, 100, 500, 1000).
 * 0, or -1 when it does not fit cap.
 */
int venue_snapshot_url(enum venue_id id, const char *symbol, int limit,
    char *url, size_t cap, int *weight) WUR;

/* The REST budget of a venue: weight per window (ms). */
void venue_rest_budget(enum venue_id id, int *limit, long *window_ms);

#endif
