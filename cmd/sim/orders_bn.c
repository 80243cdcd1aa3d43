/*
 * orders_bn.c: Binance spot (/api/v3) and USD-M futures (/fapi) order
 * endpoints of mkt-sim: new, query and cancel an order, open orders,
 * trades, the spot account, futures positions and balances, and the
 * futures listenKey.  Shapes, codes and messages as the venues
 * document them (PROTOCOLS.md sections 3 and 7).
 */
#include <stdlib.h>
#include <string.h>

#include "base/fixed.h"
#include "base/timeutil.h"
#include "prog/err.h"

#include "orders.h"

static const char *
bn_status(const struct so_order *o)
{
	static const char *w[] = { "NEW", "PARTIALLY_FILLED", "FILLED",
	    "CANCELED", "EXPIRED" };

	return w[o->status];
}

static const char *
bn_type(const struct so_order *o)
{
	if (o->type == SO_MARKET)
		return "MARKET";
	return o->tif == SO_POST_ONLY && !o->derivative ? "LIMIT_MAKER" :
	    "LIMIT";
}

static const char *
bn_tif(const struct so_order *o)
{
	static const char *w[] = { "GTC", "IOC", "FOK", "GTX" };

	if (o->tif == SO_POST_ONLY && !o->derivative)
		return "GTC";
	return w[o->tif];
}

/* ,"k":"v" */
static void
ks(struct buf *b, const char *k, const char *v)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":");
	buf_add_jstr(b, v, strlen(v));
}

static void
ki(struct buf *b, const char *k, int64_t v)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":");
	buf_addi(b, v);
}

/* ,"k":"decimal" with dp decimals (spot 8, futures as needed). */
static void
kamount(struct buf *b, const char *k, int64_t v, int dp)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":\"");
	put_amount(b, v, dp);
	buf_addc(b, '"');
}

static void
kpx(struct buf *b, struct sim *s, const char *k, const struct so_order *o,
    int64_t ticks, int dp)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":\"");
	if (ticks)
		put_px(b, s, o, ticks, dp);
	else
		put_amount(b, 0, dp);
	buf_addc(b, '"');
}

static unsigned
fail(struct oreq *r, int code, const char *msg)
{
	buf_reset(&r->c->body);
	bn_error_body(&r->c->body, code, msg);
	return 400;
}

static unsigned
missing(struct oreq *r, const char *name)
{
	char msg[128];

	snprintf(msg, sizeof msg, "Mandatory parameter '%s' was not sent, "
	    "was empty/null, or malformed.", name);
	return fail(r, -1102, msg);
}

static enum mk
mk_of(const struct oreq *r)
{
	return r->api == API_SPOT ? MK_BN_SPOT : MK_BN_FUT;
}

/* The symbol parameter's market: 0 and *in, or the refusal. */
static unsigned
symbol_of(struct oreq *r, int required, struct inst **in)
{
	const char *sym = param(r, "symbol");

	*in = NULL;
	if (!sym || !*sym)
		return required ? missing(r, "symbol") : 0;
	*in = find_inst(r->s, mk_of(r), sym, strlen(sym));
	if (!*in || strcmp((*in)->sm->p.symbol, sym) != 0)
		return fail(r, -1121, "Invalid symbol.");
	return 0;
}

/* ---------------------------------------------------------------- */
/* Rendering orders */

/* The common middle of a spot order. */
static void
spot_middle(struct buf *b, struct sim *s, const struct so_order *o)
{
	kpx(b, s, "price", o, o->type == SO_LIMIT ? o->px : 0, 8);
	kamount(b, "origQty", o->qty, 8);
	kamount(b, "executedQty", o->filled, 8);
	kamount(b, "cummulativeQuoteQty", o->quote_filled, 8);
	ks(b, "status", bn_status(o));
	ks(b, "timeInForce", bn_tif(o));
	ks(b, "type", bn_type(o));
	ks(b, "side", o->side == SO_BUY ? "BUY" : "SELL");
}

static void
spot_head(struct buf *b, const struct so_order *o)
{
	buf_adds(b, "{\"symbol\":");
	buf_add_jstr(b, o->symbol, strlen(o->symbol));
	ki(b, "orderId", (int64_t)o->order_id);
	ki(b, "orderListId", -1);
	ks(b, "clientOrderId", o->client_id);
}

/* GET /api/v3/order and openOrders. */
static void
spot_order(struct buf *b, struct sim *s, const struct so_order *o)
{
	spot_head(b, o);
	spot_middle(b, s, o);
	kamount(b, "stopPrice", 0, 8);
	kamount(b, "icebergQty", 0, 8);
	ki(b, "time", o->created);
	ki(b, "updateTime", o->updated);
	buf_adds(b, so_is_open(o) ? ",\"isWorking\":true" :
	    ",\"isWorking\":false");
	ki(b, "workingTime", o->created);
	kamount(b, "origQuoteOrderQty", 0, 8);
	ks(b, "selfTradePreventionMode", "NONE");
	buf_addc(b, '}');
}

static void
spot_fills(struct buf *b, struct sim *s, const struct so_order *o)
{
	char qa[SO_ASSET_MAX];
	size_t i;

	so_assets(o->symbol, qa, NULL);
	buf_adds(b, ",\"fills\":[");
	for (i = 0; i < o->nfills; i++) {
		const struct so_fill *f = &o->fills[i];

		buf_adds(b, i ? ",{\"price\":\"" : "{\"price\":\"");
		put_px(b, s, o, f->px, 8);
		buf_addc(b, '"');
		kamount(b, "qty", f->qty, 8);
		kamount(b, "commission", f->fee, 8);
		ks(b, "commissionAsset", qa);
		ki(b, "tradeId", (int64_t)f->trade_id);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

/* The answer to a new spot order: ACK, RESULT or FULL. */
static void
spot_new(struct buf *b, struct sim *s, const struct so_order *o,
    const char *resp)
{
	spot_head(b, o);
	ki(b, "transactTime", o->created);
	if (strcmp(resp, "ACK") != 0) {
		spot_middle(b, s, o);
		ki(b, "workingTime", o->created);
		kamount(b, "origQuoteOrderQty", 0, 8);
		ks(b, "selfTradePreventionMode", "NONE");
		if (strcmp(resp, "FULL") == 0)
			spot_fills(b, s, o);
	}
	buf_addc(b, '}');
}

/* A futures order, the same shape for every endpoint. */
static void
fut_order(struct buf *b, struct sim *s, const struct so_order *o)
{
	put_key_int(b, "{\"orderId\":", (int64_t)o->order_id);
	ks(b, "symbol", o->symbol);
	ks(b, "status", bn_status(o));
	ks(b, "clientOrderId", o->client_id);
	kpx(b, s, "price", o, o->type == SO_LIMIT ? o->px : 0, -1);
	buf_adds(b, ",\"avgPrice\":\"");
	put_avg(b, s, o);
	buf_addc(b, '"');
	kamount(b, "origQty", o->qty, -1);
	kamount(b, "executedQty", o->filled, -1);
	kamount(b, "cumQty", o->filled, -1);
	kamount(b, "cumQuote", o->quote_filled, -1);
	ks(b, "timeInForce", bn_tif(o));
	ks(b, "type", bn_type(o));
	buf_adds(b, ",\"reduceOnly\":false,\"closePosition\":false");
	ks(b, "side", o->side == SO_BUY ? "BUY" : "SELL");
	ks(b, "positionSide", "BOTH");
	ks(b, "stopPrice", "0");
	ks(b, "workingType", "CONTRACT_PRICE");
	buf_adds(b, ",\"priceProtect\":false");
	ks(b, "origType", bn_type(o));
	ks(b, "priceMatch", "NONE");
	ks(b, "selfTradePreventionMode", "EXPIRE_MAKER");
	ki(b, "goodTillDate", 0);
	ki(b, "time", o->created);
	ki(b, "updateTime", o->updated);
	buf_addc(b, '}');
}

/* ---------------------------------------------------------------- */
/* New order */

static int
cid_ok(const char *cid, int futures)
{
	size_t i;

	for (i = 0; cid[i]; i++) {
		char ch = cid[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
			continue;
		if (futures && (ch == '.' || ch == ':' || ch == '/'))
			continue;
		return 0;
	}
	return i >= 1 && i <= 36;
}

/* side, type and timeInForce into q: 0 or the refusal. */
static unsigned
parse_kind(struct oreq *r, struct so_req *q)
{
	const char *side = param(r, "side"), *type = param(r, "type");
	const char *tif = param(r, "timeInForce");
	int fut = r->api == API_FUT;

	if (!side)
		return missing(r, "side");
	if (!type)
		return missing(r, "type");
	if (strcmp(side, "BUY") && strcmp(side, "SELL"))
		return fail(r, -1117, "Invalid side.");
	q->side = side[0] == 'B' ? SO_BUY : SO_SELL;
	q->tif = SO_GTC;
	if (strcmp(type, "MARKET") == 0) {
		q->type = SO_MARKET;
		return 0;
	}
	q->type = SO_LIMIT;
	if (!fut && strcmp(type, "LIMIT_MAKER") == 0) {
		q->tif = SO_POST_ONLY;
		return 0;
	}
	if (strcmp(type, "LIMIT") != 0)
		return fail(r, -1116, "Invalid orderType.");
	if (!tif)
		return missing(r, "timeInForce");
	if (strcmp(tif, "GTC") == 0)
		q->tif = SO_GTC;
	else if (strcmp(tif, "IOC") == 0)
		q->tif = SO_IOC;
	else if (strcmp(tif, "FOK") == 0)
		q->tif = SO_FOK;
	else if (fut && strcmp(tif, "GTX") == 0)
		q->tif = SO_POST_ONLY;
	else
		return fail(r, -1115, "Invalid timeInForce.");
	return 0;
}

/* The parameters of a new order into q: 0 or the refusal. */
static unsigned
parse_new(struct oreq *r, struct inst *in, struct so_req *q)
{
	const char *cid = param(r, "newClientOrderId");
	const char *qty = param(r, "quantity"), *px = param(r, "price");
	unsigned st;

	memset(q, 0, sizeof *q);
	q->market = (int)in->mk;
	q->derivative = is_derivative(in->mk);
	q->symbol = in->sm->p.symbol;
	q->now = r->now;
	st = parse_kind(r, q);
	if (st)
		return st;
	if (!qty)
		return missing(r, "quantity");
	if (parse_qty(in, qty, &q->qty) < 0)
		return fail(r, -1013, "Filter failure: LOT_SIZE");
	if (q->type == SO_LIMIT) {
		if (!px)
			return missing(r, "price");
		if (parse_price(in, px, &q->px) < 0)
			return fail(r, -1013, "Filter failure: PRICE_FILTER");
	}
	if (cid && !cid_ok(cid, r->api == API_FUT))
		return fail(r, -1100, r->api == API_FUT ? "Illegal characters "
		    "found in parameter 'newClientOrderId'; legal range is "
		    "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'." : "Illegal characters "
		    "found in parameter 'newClientOrderId'; legal range is "
		    "'^[a-zA-Z0-9-_]{1,36}$'.");
	q->client_id = cid;
	return 0;
}

static unsigned
new_order(struct oreq *r)
{
	struct inst *in;
	struct so_req q;
	struct so_order *o;
	const char *resp = param(r, "newOrderRespType");
	enum so_err e;
	enum fault f;
	unsigned st;

	st = symbol_of(r, 1, &in);
	if (!st)
		st = parse_new(r, in, &q);
	if (!st && resp && strcmp(resp, "ACK") && strcmp(resp, "RESULT") &&
	    strcmp(resp, "FULL"))
		st = fail(r, -1100, "Illegal characters found in parameter "
		    "'newOrderRespType'.");
	if (!st)
		st = (unsigned)order_rate(r, in->mk);
	if (st)
		return st;
	r->new_order = 1;
	f = fault_draw(r->s);
	if (f == FAULT_REJECT) {
		r->fault = f;
		bn_error_body(&r->c->body, -1001, "Internal error; unable to "
		    "process your request. Please try again.");
		return 503;
	}
	e = so_place(&r->s->eng, &q, in->sm, &o);
	if (e == SO_NOMEM)
		die_nomem();
	if (e == SO_DUPLICATE)
		return r->api == API_FUT ? fail(r, -4116, "ClientOrderId is "
		    "duplicated.") : fail(r, -2010, "Duplicate order sent.");
	r->fault = f;
	if (o->would_take)
		return r->api == API_FUT ? fail(r, -5022, "Due to the order "
		    "could not be executed as maker, the Post Only order will "
		    "be rejected.") : fail(r, -2010, "Order would immediately "
		    "match and take.");
	if (r->api == API_FUT)
		fut_order(&r->c->body, r->s, o);
	else
		spot_new(&r->c->body, r->s, o, resp ? resp :
		    q.type == SO_MARKET || q.tif != SO_POST_ONLY ? "FULL" :
		    "ACK");
	return 200;
}

/* ---------------------------------------------------------------- */
/* Query, cancel, lists */

/* The order named by orderId or origClientOrderId: 0 and *o (NULL when
 * there is none), or the refusal. */
static unsigned
named_order(struct oreq *r, struct inst *in, struct so_order **o,
    int cancel, const char **cid)
{
	uint64_t oid;
	int k = param_u64(r, "orderId", &oid);
	enum so_err e;

	*cid = param(r, "origClientOrderId");
	if (k < 0)
		return fail(r, -1100, "Illegal characters found in parameter "
		    "'orderId'; legal range is '^[0-9]{1,20}$'.");
	if (!k && !*cid)
		return fail(r, -1102, "Param 'origClientOrderId' or 'orderId' "
		    "must be sent, but both were empty/null!");
	if (!cancel) {
		*o = so_find(&r->s->eng, (int)in->mk, in->sm->p.symbol, oid,
		    *cid);
		return 0;
	}
	e = so_cancel(&r->s->eng, (int)in->mk, in->sm->p.symbol, oid, *cid,
	    r->now, o);
	if (e != SO_OK)
		*o = NULL;
	return 0;
}

static unsigned
query_order(struct oreq *r, int cancel)
{
	struct inst *in;
	struct so_order *o;
	const char *cid;
	struct buf *b = &r->c->body;
	unsigned st = symbol_of(r, 1, &in);

	if (!st)
		st = named_order(r, in, &o, cancel, &cid);
	if (st)
		return st;
	if (!o)
		return cancel ? fail(r, -2011, "Unknown order sent.") :
		    fail(r, -2013, "Order does not exist.");
	if (r->api == API_FUT) {
		fut_order(b, r->s, o);
		return 200;
	}
	if (!cancel) {
		spot_order(b, r->s, o);
		return 200;
	}
	buf_adds(b, "{\"symbol\":");
	buf_add_jstr(b, o->symbol, strlen(o->symbol));
	ks(b, "origClientOrderId", o->client_id);
	ki(b, "orderId", (int64_t)o->order_id);
	ki(b, "orderListId", -1);
	cid = param(r, "newClientOrderId");
	buf_adds(b, ",\"clientOrderId\":");
	if (cid)
		buf_add_jstr(b, cid, strlen(cid));
	else
		buf_addf(b, "\"cancel-%llu\"",
		    (unsigned long long)o->order_id);
	ki(b, "transactTime", r->now);
	spot_middle(b, r->s, o);
	kamount(b, "origQuoteOrderQty", 0, 8);
	ks(b, "selfTradePreventionMode", "NONE");
	buf_addc(b, '}');
	return 200;
}

static unsigned
open_orders(struct oreq *r)
{
	struct inst *in;
	struct buf *b = &r->c->body;
	unsigned st = symbol_of(r, 0, &in);
	size_t i;
	int n = 0;

	if (st)
		return st;
	buf_addc(b, '[');
	for (i = 0; i < r->s->eng.norders; i++) {
		const struct so_order *o = r->s->eng.orders[i];

		if (o->market != (int)mk_of(r) || !so_is_open(o) ||
		    (in && strcmp(o->symbol, in->sm->p.symbol) != 0))
			continue;
		if (n++)
			buf_addc(b, ',');
		if (r->api == API_FUT)
			fut_order(b, r->s, o);
		else
			spot_order(b, r->s, o);
	}
	buf_addc(b, ']');
	return 200;
}

struct tref {
	const struct so_order *o;
	const struct so_fill *f;
};

static int
tref_cmp(const void *a, const void *b)
{
	const struct tref *x = a, *y = b;

	return x->f->trade_id < y->f->trade_id ? -1 :
	    x->f->trade_id > y->f->trade_id;
}

static void
trade_item(struct buf *b, struct sim *s, const struct tref *t, int fut)
{
	const struct so_order *o = t->o;
	const struct so_fill *f = t->f;
	char qa[SO_ASSET_MAX];
	int dp = fut ? -1 : 8;

	so_assets(o->symbol, qa, NULL);
	buf_adds(b, "{\"symbol\":");
	buf_add_jstr(b, o->symbol, strlen(o->symbol));
	ki(b, "id", (int64_t)f->trade_id);
	ki(b, "orderId", (int64_t)o->order_id);
	kpx(b, s, "price", o, f->px, dp);
	kamount(b, "qty", f->qty, dp);
	kamount(b, "quoteQty", f->quote, dp);
	kamount(b, "commission", f->fee, dp);
	ks(b, "commissionAsset", qa);
	ki(b, "time", f->time);
	if (fut) {
		ks(b, "side", o->side == SO_BUY ? "BUY" : "SELL");
		ks(b, "positionSide", "BOTH");
		ks(b, "realizedPnl", "0");
		buf_adds(b, o->side == SO_BUY ? ",\"buyer\":true" :
		    ",\"buyer\":false");
		buf_adds(b, f->maker ? ",\"maker\":true}" : ",\"maker\":false}");
		return;
	}
	ki(b, "orderListId", -1);
	buf_adds(b, o->side == SO_BUY ? ",\"isBuyer\":true" :
	    ",\"isBuyer\":false");
	buf_adds(b, f->maker ? ",\"isMaker\":true" : ",\"isMaker\":false");
	buf_adds(b, ",\"isBestMatch\":true}");
}

/* GET /api/v3/myTrades, /fapi/v1/userTrades: oldest first, from fromId,
 * of one order with orderId, at most limit (default 500, max 1000);
 * from startTime, the 24 h after it (or up to endTime), as the venue. */
#define TRADES_WINDOW_MS 86400000

static int
trade_wanted(const struct so_fill *f, uint64_t from, uint64_t start,
    uint64_t end)
{
	if (f->trade_id < from)
		return 0;
	if (start && ((uint64_t)f->time < start || (uint64_t)f->time > end))
		return 0;
	return 1;
}

static unsigned
trades(struct oreq *r)
{
	struct inst *in;
	struct tref *t = NULL;
	size_t i, j, n = 0, cap = 0, out = 0;
	uint64_t oid, from, limit, start, end;
	unsigned st = symbol_of(r, 1, &in);

	if (st)
		return st;
	if (param_u64(r, "orderId", &oid) < 0 ||
	    param_u64(r, "fromId", &from) < 0 ||
	    param_u64(r, "limit", &limit) < 0 ||
	    param_u64(r, "startTime", &start) < 0 ||
	    param_u64(r, "endTime", &end) < 0)
		return fail(r, -1100, "Illegal characters found in a "
		    "parameter.");
	if (end && !start)
		start = end > TRADES_WINDOW_MS ? end - TRADES_WINDOW_MS : 1;
	if (start && !end)
		end = start + TRADES_WINDOW_MS;
	if (start && end - start > TRADES_WINDOW_MS)
		return fail(r, -1127, "More than 24 hours between startTime "
		    "and endTime.");
	if (!limit || limit > 1000)
		limit = limit > 1000 ? 1000 : 500;
	for (i = 0; i < r->s->eng.norders; i++) {
		const struct so_order *o = r->s->eng.orders[i];

		if (o->market != (int)in->mk ||
		    strcmp(o->symbol, in->sm->p.symbol) != 0 ||
		    (oid && o->order_id != oid))
			continue;
		for (j = 0; j < o->nfills; j++) {
			if (!trade_wanted(&o->fills[j], from, start, end))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				t = realloc(t, cap * sizeof *t);
				if (!t)
					die_nomem();
			}
			t[n++] = (struct tref){ o, &o->fills[j] };
		}
	}
	if (n)
		qsort(t, n, sizeof *t, tref_cmp);
	buf_addc(&r->c->body, '[');
	for (i = 0; i < n && out < limit; i++, out++) {
		if (i)
			buf_addc(&r->c->body, ',');
		trade_item(&r->c->body, r->s, &t[i], r->api == API_FUT);
	}
	buf_addc(&r->c->body, ']');
	free(t);
	return 200;
}

/* ---------------------------------------------------------------- */
/* Accounts */

static unsigned
spot_account(struct oreq *r)
{
	struct buf *b = &r->c->body;
	const struct so_engine *e = &r->s->eng;
	size_t i;
	int n = 0;

	buf_adds(b, "{\"makerCommission\":10,\"takerCommission\":10,"
	    "\"buyerCommission\":0,\"sellerCommission\":0,"
	    "\"canTrade\":true,\"canWithdraw\":true,\"canDeposit\":true,"
	    "\"brokered\":false,\"requireSelfTradePrevention\":false,"
	    "\"preventSor\":false");
	ki(b, "updateTime", r->now);
	buf_adds(b, ",\"accountType\":\"SPOT\",\"balances\":[");
	for (i = 0; i < e->nbal; i++) {
		if (e->bal[i].market != MK_BN_SPOT)
			continue;
		buf_adds(b, n++ ? ",{\"asset\":" : "{\"asset\":");
		buf_add_jstr(b, e->bal[i].asset, strlen(e->bal[i].asset));
		kamount(b, "free", e->bal[i].amount, 8);
		kamount(b, "locked", 0, 8);
		buf_addc(b, '}');
	}
	if (!n) {
		buf_adds(b, "{\"asset\":\"USDT\"");
		kamount(b, "free", SO_START_QUOTE, 8);
		kamount(b, "locked", 0, 8);
		buf_addc(b, '}');
	}
	buf_adds(b, "],\"permissions\":[\"SPOT\"],\"uid\":1}");
	return 200;
}

/* A symbol with an open order in market mk? */
static int
has_open(const struct so_engine *e, int mk, const char *sym)
{
	size_t i;

	for (i = 0; i < e->norders; i++)
		if (e->orders[i]->market == mk && so_is_open(e->orders[i]) &&
		    strcmp(e->orders[i]->symbol, sym) == 0)
			return 1;
	return 0;
}

static void
position_item(struct buf *b, struct sim *s, const struct so_position *p,
    struct inst *in)
{
	int64_t mark = (in->sm->bid.n && in->sm->ask.n) ?
	    (sm_at(&in->sm->bid, 0)->px + sm_at(&in->sm->ask, 0)->px) / 2 :
	    in->sm->mid;
	int64_t value = so_quote(in->sm, mark, p->qty < 0 ? -p->qty : p->qty);

	if (p->qty < 0)
		value = -value;
	buf_adds(b, "{\"symbol\":");
	buf_add_jstr(b, p->symbol, strlen(p->symbol));
	ks(b, "positionSide", "BOTH");
	kamount(b, "positionAmt", p->qty, -1);
	buf_adds(b, ",\"entryPrice\":\"");
	if (p->qty)
		buf_add_fx(b, fx_trim((struct fx){ (fx_i128)p->cost *
		    100000000 / p->qty, 8 }));
	else
		buf_addc(b, '0');
	buf_adds(b, "\",\"markPrice\":\"");
	if (simmarket_put_px(b, in->sm, mark, -1) < 0)
		buf_addc(b, '0');
	buf_addc(b, '"');
	kamount(b, "unRealizedProfit", value - p->cost, -1);
	ks(b, "liquidationPrice", "0");
	kamount(b, "notional", value, -1);
	ks(b, "marginAsset", "USDT");
	ks(b, "isolatedMargin", "0");
	ks(b, "isolatedWallet", "0");
	ks(b, "initialMargin", "0");
	ks(b, "maintMargin", "0");
	ki(b, "adl", 0);
	ki(b, "updateTime", p->updated);
	buf_addc(b, '}');
	(void)s;
}

/* GET /fapi/v3/positionRisk: symbols with a position or open orders. */
static unsigned
fut_positions(struct oreq *r)
{
	struct inst *in, *pin;
	struct so_position flat;
	const struct so_position *p;
	struct buf *b = &r->c->body;
	unsigned st = symbol_of(r, 0, &in);
	size_t i;
	int n = 0;

	if (st)
		return st;
	buf_addc(b, '[');
	for (i = 0; i < r->s->ninst; i++) {
		pin = &r->s->inst[i];
		if (pin->mk != MK_BN_FUT || (in && pin != in))
			continue;
		p = so_position(&r->s->eng, MK_BN_FUT, pin->sm->p.symbol);
		if ((!p || !p->qty) && !has_open(&r->s->eng, MK_BN_FUT,
		    pin->sm->p.symbol))
			continue;
		if (!p) {
			memset(&flat, 0, sizeof flat);
			snprintf(flat.symbol, sizeof flat.symbol, "%s",
			    pin->sm->p.symbol);
			p = &flat;
		}
		if (n++)
			buf_addc(b, ',');
		position_item(b, r->s, p, pin);
	}
	buf_addc(b, ']');
	return 200;
}

static unsigned
fut_balance(struct oreq *r)
{
	struct buf *b = &r->c->body;
	int64_t v = so_balance(&r->s->eng, MK_BN_FUT, 1, "USDT");

	buf_adds(b, "[{\"accountAlias\":\"SgsR\",\"asset\":\"USDT\"");
	kamount(b, "balance", v, -1);
	kamount(b, "crossWalletBalance", v, -1);
	ks(b, "crossUnPnl", "0");
	kamount(b, "availableBalance", v, -1);
	kamount(b, "maxWithdrawAmount", v, -1);
	buf_adds(b, ",\"marginAvailable\":true");
	ki(b, "updateTime", r->now);
	buf_adds(b, "}]");
	return 200;
}

static unsigned
listen_key(struct oreq *r)
{
	struct buf *b = &r->c->body;

	if (r->meth == M_DELETE) {
		ustream_expire(r->s);
		buf_adds(b, "{}");
		return 200;
	}
	buf_adds(b, "{\"listenKey\":\"");
	buf_adds(b, r->s->listen_key);
	buf_adds(b, "\"}");
	return 200;
}

unsigned
bn_orders(struct oreq *r, int ep)
{
	int m = r->meth;

	switch (ep) {
	case OE_BN_ORDER:
		if (m == M_POST)
			return new_order(r);
		if (m == M_GET || m == M_DELETE)
			return query_order(r, m == M_DELETE);
		break;
	case OE_BN_OPEN:
		if (m == M_GET)
			return open_orders(r);
		break;
	case OE_BN_TRADES:
		if (m == M_GET)
			return trades(r);
		break;
	case OE_BN_ACCOUNT:
		if (m == M_GET)
			return spot_account(r);
		break;
	case OE_FUT_POSITION:
		if (m == M_GET)
			return fut_positions(r);
		break;
	case OE_FUT_BALANCE:
		if (m == M_GET)
			return fut_balance(r);
		break;
	case OE_BN_LISTENKEY:
		if (m == M_POST || m == M_PUT || m == M_DELETE)
			return listen_key(r);
		break;
	default:
		break;
	}
	bn_error_body(&r->c->body, -1, "Method not allowed.");
	return 405;
}
