/*
 * orders.h: what the parts of mkt-sim's private side share (orders.c:
 * routing, keys and signatures, order-rate limits, faults, the truth
 * endpoints; orders_bn.c: Binance spot and USD-M; orders_by.c: Bybit
 * v5).  Private to cmd/sim/.
 */
#ifndef MKT_CMD_SIM_ORDERS_H
#define MKT_CMD_SIM_ORDERS_H

#include "sim.h"

/* The documented test pair, used when no key is given (mkt-sim(1)). */
#define SIM_TEST_KEY "mkt-sim-test-key"
#define SIM_TEST_SECRET "mkt-sim-test-secret"

#define PARAMS_MAX 48

enum meth { M_GET, M_POST, M_PUT, M_DELETE, M_OTHER };

/* A request's parameters, decoded (Binance: query then body). */
struct params {
	size_t n;
	const char *k[PARAMS_MAX];
	const char *v[PARAMS_MAX];
	char *store;		/* the decoded copies, owned */
	size_t used, cap;
};

/* One request to the private side, while it is answered. */
struct oreq {
	struct sim *s;
	struct lws *wsi;
	struct conn *c;
	int api;		/* enum api */
	enum meth meth;
	char *query;		/* the query string as signed (owned) */
	size_t qlen;
	const char *body;	/* the body as received */
	size_t blen;
	struct params prm;
	int64_t now;		/* ms */
	struct hdr h[ORD_HDR_MAX];
	size_t nh;
	int new_order;		/* a new order: rate limit and faults */
	enum fault fault;	/* drawn for it; FAULT_COUNT: none */
};

/* orders.c */
const char *param(const struct oreq *r, const char *k);
int param_u64(const struct oreq *r, const char *k, uint64_t *v);
int order_rate(struct oreq *r, enum mk mk);
enum fault fault_draw(struct sim *s);
void put_amount(struct buf *b, int64_t v, int dp);
void put_qty(struct buf *b, int64_t v, int dp);
void put_px(struct buf *b, struct sim *s, const struct so_order *o,
    int64_t ticks, int dp);
void put_avg(struct buf *b, struct sim *s, const struct so_order *o);
int64_t parse_scaled(const char *v, int dp);
int parse_price(struct inst *in, const char *v, int64_t *ticks);
int parse_qty(struct inst *in, const char *v, int64_t *qty);
int is_derivative(enum mk mk);
void put_uuid(struct buf *b, const char *prefix, uint64_t id);

/* orders_truth.c: the NDJSON of /sim/orders and /sim/positions. */
void truth_orders(struct sim *s, struct buf *b);
void truth_positions(struct sim *s, struct buf *b);

/* orders_bn.c: the answer's HTTP status; c->body filled. */
unsigned bn_orders(struct oreq *r, int ep);
/* orders_by.c; an item with a category (the private stream's) names it
 * first. */
unsigned by_orders(struct oreq *r, int ep);
void by_order_item(struct buf *b, struct sim *s, const struct so_order *o,
    const char *category);
void by_exec_item(struct buf *b, struct sim *s, const struct so_order *o,
    const struct so_fill *f, int64_t fee_ppm, const char *category);
void by_position_item(struct buf *b, struct inst *in,
    const struct so_position *p, const char *sym);

/* The endpoints (orders.c's table). */
enum oep {
	OE_BN_ORDER, OE_BN_OPEN, OE_BN_TRADES, OE_BN_ACCOUNT, OE_BN_LISTENKEY,
	OE_FUT_POSITION, OE_FUT_BALANCE,
	OE_BY_CREATE, OE_BY_CANCEL, OE_BY_REALTIME, OE_BY_EXECUTIONS,
	OE_BY_POSITION, OE_BY_WALLET,
	OE_TRUTH_ORDERS, OE_TRUTH_POSITIONS,
};

#endif
