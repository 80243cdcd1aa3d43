/*
 * t_simorders: mkt-sim's matching engine (lib/sim/simorders) against a
 * book set by hand: crossing limit orders fill level by level as
 * takers and do not take the same liquidity twice in one step; resting
 * orders fill when a step's trades reach them or the book crosses
 * them; market, IOC, FOK and post-only orders; duplicate client ids
 * while open; cancels; fees; positions with realised profit; trade ids
 * unique per market; the same seed gives the same ids; in a generated
 * market a taker's fills leave the book and show in the next diff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/simorders.h"
#include "tap.h"

#define Q(x) ((int64_t)((x) * 100000000.0 + 0.5))	/* qty in 1e-8 */

/* A given BTCUSDT market with prices of 2 decimals (ticks of 0.01):
 * bids 99.00 x1, 98.00 x2; asks 101.00 x1, 102.00 x2, 103.00 x5. */
static struct simmarket *
market(void)
{
	static const struct sm_level bid[] = { { 9900, Q(1) }, { 9800, Q(2) } };
	static const struct sm_level ask[] = { { 10100, Q(1) },
	    { 10200, Q(2) }, { 10300, Q(5) } };
	struct sm_params p;
	struct sm_step st;
	struct simmarket *m;

	if (simmarket_params_given(&p, "binance", "spot", "BTCUSDT", 2,
	    8) < 0)
		return NULL;
	m = simmarket_new(&p);
	memset(&st, 0, sizeof st);
	st.snapshot = 1;
	st.last_id = 1;
	st.bid = bid;
	st.nbid = 2;
	st.ask = ask;
	st.nask = 3;
	if (!m || simmarket_load(m, &st) < 0)
		return NULL;
	return m;
}

static struct so_req
req(const char *cid, enum so_side side, enum so_type type, enum so_tif tif,
    int64_t px, int64_t qty)
{
	struct so_req r;

	memset(&r, 0, sizeof r);
	r.market = 0;
	r.symbol = "BTCUSDT";
	r.client_id = cid;
	r.side = side;
	r.type = type;
	r.tif = tif;
	r.px = px;
	r.qty = qty;
	r.now = 1000;
	return r;
}

static void
test_taker(void)
{
	struct simmarket *m = market();
	struct so_engine e;
	struct so_order *o, *o2;
	struct so_req r;

	so_init(&e, 1, 1000);
	r = req("a1", SO_BUY, SO_LIMIT, SO_GTC, 10200, Q(2));
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "crossing limit placed");
	tap_eq_i(o->nfills, 2, "it fills at two levels");
	tap_eq_i(o->fills[0].px, 10100, "first at 101.00");
	tap_eq_i(o->fills[1].px, 10200, "then at 102.00");
	tap_eq_i(o->status, SO_FILLED, "filled");
	tap_eq_i(o->fills[0].maker, 0, "as a taker");
	tap_eq_i(o->fills[0].quote, Q(101), "quote 101");
	tap_eq_i(o->fee, Q(203) / 1000, "fee 0.1 % of the quote");
	tap_ok(o->fills[1].trade_id == o->fills[0].trade_id + 1,
	    "trade ids follow each other");
	r = req("a2", SO_BUY, SO_LIMIT, SO_GTC, 10200, Q(2));
	tap_eq_i(so_place(&e, &r, m, &o2), SO_OK, "second order placed");
	tap_eq_i(o2->filled, Q(1), "only the level's rest is left for it");
	tap_eq_i(o2->status, SO_PARTIAL, "partially filled, resting");
	tap_eq_i(so_balance(&e, 0, 0, "BTC"), SO_START_BASE + Q(3),
	    "base balance grew by 3");
	so_free(&e);
	simmarket_free(m);
}

/* In a generated market a taker's fills leave the book at once and show
 * in the next step's diff. */
static void
test_moves(void)
{
	struct sm_params p;
	struct simmarket *m;
	struct sm_level a0, a1;
	struct so_engine e;
	struct so_order *o;
	struct so_req r;
	struct sm_diff d;
	size_t i;
	int gone = 0;

	if (simmarket_params(&p, "binance", "spot", "BTCUSDT", 300, 2) < 0 ||
	    !(m = simmarket_new(&p)))
		exit(1);
	a0 = *sm_at(&m->ask, 0);
	a1 = *sm_at(&m->ask, 1);
	so_init(&e, 1, 0);
	r = req("mv", SO_BUY, SO_MARKET, SO_IOC, 0, a0.qty + m->p.lot);
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "market buy placed");
	tap_eq_i(o->status, SO_FILLED, "filled on two levels");
	tap_ok(sm_at(&m->ask, 0)->px == a1.px &&
	    sm_at(&m->ask, 0)->qty == a1.qty - m->p.lot,
	    "generated market: the best ask gone, the next reduced");
	if (simmarket_step(m) < 0)
		exit(1);
	simmarket_diff(m, 0, &d);
	for (i = 0; i < d.nask; i++)
		gone += d.ask[i].px == a0.px && d.ask[i].qty == 0;
	tap_eq_i(gone, 1, "the next step's diff removes the level taken");
	so_free(&e);
	simmarket_free(m);
}

static void
test_tif(void)
{
	struct simmarket *m = market();
	struct so_engine e;
	struct so_order *o;
	struct so_req r;

	so_init(&e, 1, 0);
	r = req("i", SO_BUY, SO_LIMIT, SO_IOC, 10100, Q(3));
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "IOC placed");
	tap_ok(o->filled == Q(1) && o->status == SO_EXPIRED,
	    "IOC: fills 1, the rest expires");
	r = req("f", SO_BUY, SO_LIMIT, SO_FOK, 10300, Q(9));
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "FOK placed");
	tap_ok(o->filled == 0 && o->status == SO_EXPIRED,
	    "FOK: not enough, nothing fills");
	r = req("p", SO_SELL, SO_LIMIT, SO_POST_ONLY, 9900, Q(1));
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "post-only placed");
	tap_ok(o->status == SO_EXPIRED && o->would_take,
	    "post-only that would take expires");
	r = req("p2", SO_SELL, SO_LIMIT, SO_POST_ONLY, 10000, Q(1));
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "post-only placed");
	tap_eq_i(o->status, SO_NEW, "post-only inside the spread rests");
	r = req("mk", SO_SELL, SO_MARKET, SO_GTC, 0, Q(2.5));
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "market sell placed");
	tap_ok(o->nfills == 2 && o->fills[1].px == 9800 &&
	    o->filled == Q(2.5) && o->status == SO_FILLED,
	    "market order walks the bids");
	so_free(&e);
	simmarket_free(m);
}

static void
test_resting(void)
{
	struct simmarket *m = market();
	struct so_engine e;
	struct so_order *o;
	struct so_req r;
	struct sm_trade t;
	struct sm_step st;
	static const struct sm_level ask[] = { { 9940, Q(0.5) } };

	so_init(&e, 1, 0);
	r = req("r", SO_BUY, SO_LIMIT, SO_GTC, 9950, Q(2));
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "bid inside the spread");
	tap_eq_i(o->status, SO_NEW, "it rests");
	tap_eq_i(so_step(&e, 0, m, 2000), 0, "no step: no fill");
	/* A step whose trade (a taker sell) goes down to 99.40. */
	memset(&t, 0, sizeof t);
	t.px = 9940;
	t.qty = Q(0.7);
	t.taker_buy = 0;
	memset(&st, 0, sizeof st);
	st.first_id = st.last_id = 2;
	st.trades = &t;
	st.ntrades = 1;
	tap_eq_i(simmarket_apply(m, &st), 0, "a step with a trade");
	tap_eq_i(so_step(&e, 0, m, 3000), 1, "the trade reaches the bid");
	tap_ok(o->filled == Q(0.7) && o->fills[0].px == 9950 &&
	    o->fills[0].maker, "0.7 filled at its price as a maker");
	/* A step that brings an ask at 99.40, below the bid. */
	memset(&st, 0, sizeof st);
	st.first_id = st.last_id = 3;
	st.ask = ask;
	st.nask = 1;
	tap_eq_i(simmarket_apply(m, &st), 0, "a step that crosses the bid");
	tap_eq_i(so_step(&e, 0, m, 4000), 1, "the book reaches the bid");
	tap_eq_i(o->filled, Q(1.2), "0.5 more filled");
	tap_eq_i(so_step(&e, 0, m, 4001), 0,
	    "the same liquidity is not taken twice");
	so_free(&e);
	simmarket_free(m);
}

static void
test_ids(void)
{
	struct simmarket *m = market();
	struct so_engine e, e2;
	struct so_order *o, *o2;
	struct so_req r;

	so_init(&e, 7, 0);
	r = req("dup", SO_BUY, SO_LIMIT, SO_GTC, 9000, Q(1));
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "resting order");
	tap_eq_i(so_place(&e, &r, m, &o2), SO_DUPLICATE,
	    "same client id while open: duplicate");
	tap_ok(o2 == o, "the duplicate names the open order");
	tap_ok(so_find(&e, 0, "BTCUSDT", 0, "dup") == o, "found by client id");
	tap_ok(so_find(&e, 0, NULL, o->order_id, NULL) == o,
	    "found by order id");
	tap_ok(so_find(&e, 1, NULL, 0, "dup") == NULL,
	    "other markets do not see it");
	tap_eq_i(so_cancel(&e, 0, "BTCUSDT", 0, "dup", 5, &o2), SO_OK,
	    "canceled by client id");
	tap_eq_i(o->status, SO_CANCELED, "status canceled");
	tap_eq_i(so_cancel(&e, 0, "BTCUSDT", 0, "dup", 6, &o2), SO_UNKNOWN,
	    "second cancel: unknown");
	tap_eq_i(so_cancel(&e, 0, "BTCUSDT", 0, "nope", 6, &o2), SO_UNKNOWN,
	    "cancel of an id never used: unknown");
	tap_eq_i(so_place(&e, &r, m, &o2), SO_OK,
	    "the id can be used again once closed");
	tap_ok(so_find(&e, 0, "BTCUSDT", 0, "dup") == o2,
	    "the query finds the latest");
	so_init(&e2, 7, 0);
	r = req("x", SO_BUY, SO_LIMIT, SO_GTC, 9000, Q(1));
	tap_eq_i(so_place(&e2, &r, m, &o2), SO_OK, "another engine");
	tap_ok(o2->order_id == o->order_id, "the same seed, the same ids");
	so_free(&e2);
	so_init(&e2, 8, 0);
	tap_eq_i(so_place(&e2, &r, m, &o2), SO_OK, "another seed");
	tap_ok(o2->order_id != o->order_id, "another seed, other ids");
	so_free(&e2);
	so_free(&e);
	simmarket_free(m);
}

static void
test_position(void)
{
	struct simmarket *m = market();
	struct so_engine e;
	struct so_order *o;
	struct so_req r;
	const struct so_position *p;

	so_init(&e, 1, 1000);
	r = req("b", SO_BUY, SO_MARKET, SO_GTC, 0, Q(1));
	r.derivative = 1;
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "buy 1 at 101");
	r = req("s", SO_SELL, SO_MARKET, SO_GTC, 0, Q(2));
	r.derivative = 1;
	tap_eq_i(so_place(&e, &r, m, &o), SO_OK, "sell 2: 1 at 99, 1 at 98");
	p = so_position(&e, 0, "BTCUSDT");
	tap_ok(p != NULL, "a position");
	tap_eq_i(p->qty, -Q(1), "short 1");
	tap_eq_i(p->cost, -Q(98), "entry 98");
	tap_eq_i(p->realised, -Q(2), "realised 99 - 101");
	tap_eq_i(so_balance(&e, 0, 1, "USDT"),
	    SO_START_QUOTE - Q(2) - Q(101 + 99 + 98) / 1000,
	    "wallet: start + realised - fees");
	so_free(&e);
	simmarket_free(m);
}

int
main(void)
{
	test_taker();
	test_moves();
	test_tif();
	test_resting();
	test_ids();
	test_position();
	return tap_done();
}
