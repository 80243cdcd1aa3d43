/*
 * simorders: the matching engine of mkt-sim's private side.
 *
 * One account per market (the caller numbers its markets 0 ..
 * SO_MARKETS_MAX-1).  An order is keyed by its order id (unique over
 * the engine) and by its client id (unique among the open orders of
 * its market; a client id can be reused once its order is closed, as
 * on the venues).  A limit order that crosses the simulated book
 * (a simmarket) fills as a taker level by level at the levels' prices,
 * the rest rests (GTC) or expires (IOC, FOK, post-only); a market
 * order walks the book.  The liquidity an order takes is remembered
 * per price level until the market's next step, so that two orders in
 * one step do not take the same quantity twice; the simmarket's own
 * book is left alone (its diffs are computed from what its steps
 * touched, and a change made from outside would make the public depth
 * stream disagree with its REST snapshot).  A resting order fills, as a
 * maker at its own price, when a step's trades go through or reach its
 * price or the book reaches it (so_step()).
 *
 * Fills carry trade ids unique per market, and a fee at one fixed rate
 * (parts per million of the quote amount, in the quote asset).  Spot
 * accounts hold balances of the base and quote assets (not enforced:
 * they may go negative); derivative accounts hold one position per
 * symbol (signed quantity and its cost, from which the entry price
 * follows) and a quote wallet that takes realised profit and fees.
 *
 * Prices are in ticks of the symbol's simmarket, quantities in 1e-8
 * (SM_QTY_DP), quote amounts in 1e-8 of the quote asset.  Nothing here
 * depends on time except the times the caller gives; ids start from
 * values derived from the seed, so a run is repeatable.
 */
#ifndef MKT_SIMORDERS_H
#define MKT_SIMORDERS_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "sim/simmarket.h"

#define SO_MARKETS_MAX 8
#define SO_CLIENT_ID_MAX 64	/* longest client id taken, without NUL */
#define SO_ASSET_MAX 16

enum so_side { SO_BUY, SO_SELL };
enum so_type { SO_LIMIT, SO_MARKET };
enum so_tif { SO_GTC, SO_IOC, SO_FOK, SO_POST_ONLY };
enum so_status {
	SO_NEW, SO_PARTIAL, SO_FILLED, SO_CANCELED,
	SO_EXPIRED,		/* IOC/FOK rest, post-only that would take */
};

/* What so_place() and so_cancel() say beyond success. */
enum so_err {
	SO_OK = 0,
	SO_DUPLICATE,		/* an open order of the market has the id */
	SO_UNKNOWN,		/* no such open order */
	SO_NOMEM,
};

struct so_fill {
	uint64_t trade_id;	/* unique per market */
	int64_t px;		/* ticks */
	int64_t qty;		/* 1e-8 */
	int64_t quote;		/* px * qty, 1e-8 of the quote asset */
	int64_t fee;		/* 1e-8 of the quote asset */
	int maker;
	int64_t time;		/* ms, as given */
};

struct so_order {
	int market;
	int derivative;
	char symbol[96];
	char client_id[SO_CLIENT_ID_MAX + 1];
	uint64_t order_id;
	enum so_side side;
	enum so_type type;
	enum so_tif tif;
	int64_t px;		/* ticks (limit orders) */
	int64_t qty;		/* 1e-8 */
	int64_t filled;		/* 1e-8 */
	int64_t quote_filled;	/* 1e-8 of the quote asset */
	int64_t fee;
	enum so_status status;
	int would_take;		/* post-only expired: it would have taken */
	int64_t created, updated;	/* ms */
	struct so_fill *fills;
	size_t nfills, capfills;
};

struct so_position {
	int market;
	char symbol[96];
	int64_t qty;		/* signed, 1e-8 */
	int64_t cost;		/* signed, quote of the open quantity */
	int64_t realised;	/* quote, fees not included */
	int64_t updated;	/* ms */
};

struct so_balance {
	int market;
	char asset[SO_ASSET_MAX];
	int64_t amount;		/* 1e-8 */
};

/* The starting balances of every account: quote and base assets. */
#define SO_START_QUOTE ((int64_t)1000000 * 100000000)
#define SO_START_BASE ((int64_t)100 * 100000000)

struct so_book;		/* the liquidity taken per level (simorders.c) */

struct so_engine {
	uint64_t seed;
	int64_t fee_ppm;
	uint64_t next_order_id;
	uint64_t next_trade_id[SO_MARKETS_MAX];
	struct so_order **orders;	/* every order placed, oldest first */
	size_t norders, caporders;
	struct so_position *pos;
	size_t npos, cappos;
	struct so_balance *bal;
	size_t nbal, capbal;
	struct so_book *books;
	size_t nbooks, capbooks;
};

/* A new order as asked for. */
struct so_req {
	int market;		/* 0 .. SO_MARKETS_MAX-1 */
	int derivative;		/* positions, not base balances */
	const char *symbol;
	const char *client_id;	/* "" or NULL: none (one is made) */
	enum so_side side;
	enum so_type type;
	enum so_tif tif;
	int64_t px;		/* ticks; limit orders */
	int64_t qty;		/* 1e-8, > 0 */
	int64_t now;		/* ms */
};

/* An empty engine with the seed and the fee rate (parts per million). */
void so_init(struct so_engine *e, uint64_t seed, int64_t fee_ppm);
void so_free(struct so_engine *e);

/*
 * Place r against the book of m (m's symbol must be r's): on SO_OK *out
 * is the order (owned by e), already matched.  What it takes as a taker
 * leaves m's book (simmarket_take: the next step's diff and every
 * snapshot show it); a replayed market only has it marked as taken
 * until its next step.  SO_DUPLICATE when an
 * open order of r's market has r's client id (*out is that order),
 * SO_NOMEM (nothing changed).
 */
enum so_err so_place(struct so_engine *e, const struct so_req *r,
    struct simmarket *m, struct so_order **out) WUR;

/*
 * Cancel the open order of market/symbol with order id oid (when not 0)
 * or client id cid: SO_OK and *out, or SO_UNKNOWN (none open; *out is
 * the closed order when there is one, else NULL).
 */
enum so_err so_cancel(struct so_engine *e, int market, const char *symbol,
    uint64_t oid, const char *cid, int64_t now, struct so_order **out);

/*
 * The order of market/symbol (symbol NULL: any) with order id oid (when
 * not 0) or else client id cid, the latest with that client id; NULL
 * when none.
 */
struct so_order *so_find(struct so_engine *e, int market, const char *symbol,
    uint64_t oid, const char *cid);

/*
 * After m (the book of market/symbol) took a step: fill the resting
 * orders its trades went through or reached, and those the book now
 * crosses; forget the liquidity taken before the step.  The number of
 * orders that filled, or -1 (out of memory: the fills made so far
 * stand).
 */
int so_step(struct so_engine *e, int market, const struct simmarket *m,
    int64_t now) WUR;

/* The position of market/symbol, NULL when there never was one. */
const struct so_position *so_position(const struct so_engine *e,
    int market, const char *symbol);

/* The balance of asset in market's account (the start for unknown). */
int64_t so_balance(const struct so_engine *e, int market, int derivative,
    const char *asset);

/* The quote asset of a symbol ("USDT" for "BTCUSDT"), into q; the base
 * asset into b when b is not NULL. */
void so_assets(const char *symbol, char q[SO_ASSET_MAX],
    char b[SO_ASSET_MAX]);

/* The quote amount of qty at px ticks in m (1e-8 of the quote asset). */
int64_t so_quote(const struct simmarket *m, int64_t px, int64_t qty);

/* Whether an order is still open (NEW or PARTIAL). */
int so_is_open(const struct so_order *o);

#endif
