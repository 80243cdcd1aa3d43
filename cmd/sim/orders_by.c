/*
 * orders_by.c: Bybit v5 order endpoints of mkt-sim (linear and spot):
 * create and cancel an order, realtime orders, executions, positions
 * and the wallet, answered in the retCode envelope with the codes the
 * venue documents (PROTOCOLS.md sections 4 and 8).
 */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/fixed.h"
#include "base/timeutil.h"
#include "prog/err.h"

#include "orders.h"

/* A request's parameters: the JSON body of a POST, the query of a GET. */
struct byargs {
	struct json_obj obj;
	int json;
};

static const char *
bystatus(const struct so_order *o)
{
	switch (o->status) {
	case SO_NEW:
		return "New";
	case SO_PARTIAL:
		return "PartiallyFilled";
	case SO_FILLED:
		return "Filled";
	default:
		return o->filled && !o->derivative ? "PartiallyFilledCanceled" :
		    "Cancelled";
	}
}

static unsigned
err(struct oreq *r, int code, const char *msg)
{
	struct buf *b = &r->c->body;

	buf_reset(b);
	by_envelope(b, code, msg);
	buf_adds(b, "{}");
	by_envelope_end(b);
	return 200;
}

/* The argument k into v (cap bytes): 1, 0 when absent or too long. */
static int
arg(struct oreq *r, const struct byargs *a, const char *k, char *v,
    size_t cap)
{
	const char *p;
	const struct json_span *sp;

	if (!a->json) {
		p = param(r, k);
		if (!p || strlen(p) >= cap)
			return 0;
		memcpy(v, p, strlen(p) + 1);
		return 1;
	}
	sp = json_get(&a->obj, k);
	if (!sp || sp->type != JSON_STRING)
		return 0;
	return json_str_copy(sp, v, cap) >= 0;
}

/* The category's market: linear or spot (others: -1). */
static int
category(struct oreq *r, const struct byargs *a, enum mk *mk)
{
	char cat[16];

	if (!arg(r, a, "category", cat, sizeof cat))
		return -1;
	if (strcmp(cat, "linear") == 0)
		*mk = MK_BY_LINEAR;
	else if (strcmp(cat, "spot") == 0)
		*mk = MK_BY_SPOT;
	else
		return -1;
	return 0;
}

static struct inst *
symbol_inst(struct oreq *r, const struct byargs *a, enum mk mk)
{
	char sym[32];
	struct inst *in;

	if (!arg(r, a, "symbol", sym, sizeof sym))
		return NULL;
	in = find_inst(r->s, mk, sym, strlen(sym));
	return in && strcmp(in->sm->p.symbol, sym) == 0 ? in : NULL;
}

/* An order id as rendered by put_uuid: its last 12 hex digits. */
static uint64_t
parse_oid(const char *v)
{
	size_t n = strlen(v);

	if (n < 12)
		return 0;
	return strtoull(v + n - 12, NULL, 16);
}

static void
ks(struct buf *b, const char *k, const char *v)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":");
	buf_add_jstr(b, v, strlen(v));
}

static void
kamount(struct buf *b, const char *k, int64_t v)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":\"");
	put_amount(b, v, -1);
	buf_addc(b, '"');
}

static void
kms(struct buf *b, const char *k, int64_t ms)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":\"");
	buf_addi(b, ms);
	buf_addc(b, '"');
}

static void
order_ids(struct buf *b, const struct so_order *o, const char *category)
{
	/* The private stream's items name their category first. */
	buf_addc(b, '{');
	if (category)
		buf_addf(b, "\"category\":\"%s\",", category);
	buf_adds(b, "\"orderId\":\"");
	put_uuid(b, "5a1d0000", o->order_id);
	buf_addc(b, '"');
	ks(b, "orderLinkId", o->client_id);
}

void
by_order_item(struct buf *b, struct sim *s, const struct so_order *o,
    const char *category)
{
	static const char *tif[] = { "GTC", "IOC", "FOK", "PostOnly" };

	order_ids(b, o, category);
	ks(b, "symbol", o->symbol);
	buf_adds(b, ",\"price\":\"");
	if (o->type == SO_LIMIT)
		put_px(b, s, o, o->px, -1);
	else
		buf_addc(b, '0');
	buf_addc(b, '"');
	kamount(b, "qty", o->qty);
	ks(b, "side", o->side == SO_BUY ? "Buy" : "Sell");
	buf_adds(b, ",\"positionIdx\":0");
	ks(b, "orderStatus", bystatus(o));
	ks(b, "cancelType", o->status == SO_CANCELED ? "CancelByUser" :
	    "UNKNOWN");
	ks(b, "rejectReason", "EC_NoError");
	buf_adds(b, ",\"avgPrice\":\"");
	put_avg(b, s, o);
	buf_addc(b, '"');
	kamount(b, "leavesQty", so_is_open(o) ? o->qty - o->filled : 0);
	kamount(b, "cumExecQty", o->filled);
	kamount(b, "cumExecValue", o->quote_filled);
	kamount(b, "cumExecFee", o->fee);
	ks(b, "timeInForce", tif[o->tif]);
	ks(b, "orderType", o->type == SO_LIMIT ? "Limit" : "Market");
	buf_adds(b, ",\"reduceOnly\":false,\"closeOnTrigger\":false");
	kms(b, "createdTime", o->created);
	kms(b, "updatedTime", o->updated);
	buf_addc(b, '}');
}

/* ---------------------------------------------------------------- */
/* Create, cancel */

/* side, orderType, timeInForce into q: 0, or -1 (a 10001). */
static int
parse_kind(struct oreq *r, const struct byargs *a, struct so_req *q)
{
	char side[8], type[8], tif[16] = "GTC";

	if (!arg(r, a, "side", side, sizeof side) ||
	    !arg(r, a, "orderType", type, sizeof type))
		return -1;
	if (strcmp(side, "Buy") && strcmp(side, "Sell"))
		return -1;
	q->side = side[0] == 'B' ? SO_BUY : SO_SELL;
	if (strcmp(type, "Market") == 0) {
		q->type = SO_MARKET;
		q->tif = SO_IOC;
		return 0;
	}
	if (strcmp(type, "Limit") != 0)
		return -1;
	q->type = SO_LIMIT;
	(void)arg(r, a, "timeInForce", tif, sizeof tif);
	if (strcmp(tif, "GTC") == 0)
		q->tif = SO_GTC;
	else if (strcmp(tif, "IOC") == 0)
		q->tif = SO_IOC;
	else if (strcmp(tif, "FOK") == 0)
		q->tif = SO_FOK;
	else if (strcmp(tif, "PostOnly") == 0)
		q->tif = SO_POST_ONLY;
	else
		return -1;
	return 0;
}

static int
link_ok(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '-' ||
		    id[i] == '_'))
			return 0;
	return i <= 36;
}

/* A spot market buy's qty is a quote amount unless marketUnit is
 * baseCoin: the base quantity it buys at the best ask, to the lot. */
static void
spot_market_buy(struct oreq *r, const struct byargs *a, struct inst *in,
    struct so_req *q)
{
	char unit[16];
	const struct simmarket *m = in->sm;
	__int128 v;
	int i;

	if (arg(r, a, "marketUnit", unit, sizeof unit) &&
	    strcmp(unit, "baseCoin") == 0)
		return;
	if (!m->ask.n)
		return;
	v = (__int128)q->qty;
	for (i = 0; i < m->p.px_dp; i++)
		v *= 10;
	v /= (__int128)sm_at(&m->ask, 0)->px * m->p.tick;
	if (m->p.lot > 0)
		v -= v % m->p.lot;
	q->qty = v > 0 ? (int64_t)v : m->p.lot;
}

static unsigned
parse_create(struct oreq *r, const struct byargs *a, struct so_req *q,
    struct inst **in, char *link, size_t cap)
{
	enum mk mk;
	char qty[40], px[40];

	memset(q, 0, sizeof *q);
	if (category(r, a, &mk) < 0)
		return err(r, 10001, "params error: category invalid");
	*in = symbol_inst(r, a, mk);
	if (!*in)
		return err(r, 10001, "params error: symbol invalid");
	if (parse_kind(r, a, q) < 0)
		return err(r, 10001, "params error: side, orderType or "
		    "timeInForce invalid");
	if (!arg(r, a, "qty", qty, sizeof qty) ||
	    parse_qty(*in, qty, &q->qty) < 0)
		return err(r, 10001, "params error: qty invalid");
	if (q->type == SO_LIMIT && (!arg(r, a, "price", px, sizeof px) ||
	    parse_price(*in, px, &q->px) < 0))
		return err(r, 10001, "params error: price invalid");
	*link = '\0';
	if (arg(r, a, "orderLinkId", link, cap) && !link_ok(link))
		return err(r, 10001, "params error: orderLinkId invalid");
	if (mk == MK_BY_SPOT && q->type == SO_MARKET && q->side == SO_BUY)
		spot_market_buy(r, a, *in, q);
	q->market = (int)mk;
	q->derivative = is_derivative(mk);
	q->symbol = (*in)->sm->p.symbol;
	q->client_id = link;
	q->now = r->now;
	return 0;
}

static unsigned
create(struct oreq *r, const struct byargs *a)
{
	struct so_req q;
	struct inst *in = NULL;
	struct so_order *o;
	char link[SO_CLIENT_ID_MAX + 1];
	unsigned st = parse_create(r, a, &q, &in, link, sizeof link);
	enum so_err e;
	enum fault f;

	if (!st)
		st = (unsigned)order_rate(r, in->mk);
	if (st)
		return st;
	r->new_order = 1;
	f = fault_draw(r->s);
	if (f == FAULT_REJECT) {
		r->fault = f;
		err(r, 10016, "Service Unavailable");
		return 503;
	}
	e = so_place(&r->s->eng, &q, in->sm, &o);
	if (e == SO_NOMEM)
		die_nomem();
	if (e == SO_DUPLICATE)
		return in->mk == MK_BY_SPOT ? err(r, 170141, "Duplicate "
		    "clientOrderId") : err(r, 110072, "OrderLinkedID is "
		    "duplicate");
	r->fault = f;
	by_envelope(&r->c->body, 0, "OK");
	order_ids(&r->c->body, o, NULL);
	buf_addc(&r->c->body, '}');
	by_envelope_end(&r->c->body);
	return 200;
}

static unsigned
cancel(struct oreq *r, const struct byargs *a)
{
	enum mk mk;
	struct inst *in;
	struct so_order *o;
	char oid[64] = "", link[SO_CLIENT_ID_MAX + 1] = "";

	if (category(r, a, &mk) < 0)
		return err(r, 10001, "params error: category invalid");
	in = symbol_inst(r, a, mk);
	if (!in)
		return err(r, 10001, "params error: symbol invalid");
	(void)arg(r, a, "orderId", oid, sizeof oid);
	(void)arg(r, a, "orderLinkId", link, sizeof link);
	if (!*oid && !*link)
		return err(r, 10001, "params error: orderId or orderLinkId "
		    "is required");
	if (so_cancel(&r->s->eng, (int)mk, in->sm->p.symbol,
	    *oid ? parse_oid(oid) : 0, link, r->now, &o) != SO_OK)
		return mk == MK_BY_SPOT ? err(r, 170213, "Order does not "
		    "exist.") : err(r, 110001, "order not exists or too late "
		    "to cancel");
	by_envelope(&r->c->body, 0, "OK");
	order_ids(&r->c->body, o, NULL);
	buf_addc(&r->c->body, '}');
	by_envelope_end(&r->c->body);
	return 200;
}

/* ---------------------------------------------------------------- */
/* Queries */

static void
list_begin(struct buf *b, enum mk mk)
{
	by_envelope(b, 0, "OK");
	buf_adds(b, mk == MK_BY_SPOT ? "{\"category\":\"spot\",\"list\":[" :
	    "{\"category\":\"linear\",\"list\":[");
}

static void
list_end(struct buf *b)
{
	buf_adds(b, "],\"nextPageCursor\":\"\"}");
	by_envelope_end(b);
}

/* GET /v5/order/realtime: by orderId or orderLinkId whatever its
 * state; else the open orders (openOnly 0) or the closed ones (1),
 * newest first, at most limit (1-50, default 20). */
static unsigned
realtime(struct oreq *r, const struct byargs *a)
{
	enum mk mk;
	struct inst *in;
	char oid[64] = "", link[SO_CLIENT_ID_MAX + 1] = "";
	uint64_t open_only, limit;
	size_t i, n = 0;
	struct so_order *o;

	if (category(r, a, &mk) < 0)
		return err(r, 10001, "params error: category invalid");
	in = symbol_inst(r, a, mk);
	(void)arg(r, a, "orderId", oid, sizeof oid);
	(void)arg(r, a, "orderLinkId", link, sizeof link);
	if (param_u64(r, "openOnly", &open_only) < 0 ||
	    param_u64(r, "limit", &limit) < 0 || limit > 50)
		return err(r, 10001, "params error: openOnly or limit");
	if (!limit)
		limit = 20;
	list_begin(&r->c->body, mk);
	if (*oid || *link) {
		o = so_find(&r->s->eng, (int)mk, in ? in->sm->p.symbol : NULL,
		    *oid ? parse_oid(oid) : 0, link);
		if (o)
			by_order_item(&r->c->body, r->s, o, NULL);
		list_end(&r->c->body);
		return 200;
	}
	for (i = r->s->eng.norders; i-- > 0 && n < limit;) {
		o = r->s->eng.orders[i];
		if (o->market != (int)mk || (in && strcmp(o->symbol,
		    in->sm->p.symbol) != 0) ||
		    so_is_open(o) != (open_only == 0))
			continue;
		if (n++)
			buf_addc(&r->c->body, ',');
		by_order_item(&r->c->body, r->s, o, NULL);
	}
	list_end(&r->c->body);
	return 200;
}

void
by_exec_item(struct buf *b, struct sim *s, const struct so_order *o,
    const struct so_fill *f, int64_t fee_ppm, const char *category)
{
	order_ids(b, o, category);
	ks(b, "symbol", o->symbol);
	ks(b, "side", o->side == SO_BUY ? "Buy" : "Sell");
	buf_adds(b, ",\"orderPrice\":\"");
	if (o->type == SO_LIMIT)
		put_px(b, s, o, o->px, -1);
	else
		buf_addc(b, '0');
	buf_addc(b, '"');
	kamount(b, "orderQty", o->qty);
	ks(b, "orderType", o->type == SO_LIMIT ? "Limit" : "Market");
	buf_adds(b, ",\"execId\":\"");
	put_uuid(b, "e0ec0000", f->trade_id);
	buf_adds(b, "\",\"execPrice\":\"");
	put_px(b, s, o, f->px, -1);
	buf_addc(b, '"');
	kamount(b, "execQty", f->qty);
	kamount(b, "execValue", f->quote);
	kamount(b, "execFee", f->fee);
	ks(b, "execType", "Trade");
	kms(b, "execTime", f->time);
	buf_adds(b, f->maker ? ",\"isMaker\":true" : ",\"isMaker\":false");
	buf_adds(b, ",\"feeRate\":\"");
	buf_add_fx(b, fx_trim((struct fx){ fee_ppm, 6 }));
	buf_addc(b, '"');
	buf_adds(b, ",\"seq\":");
	buf_addi(b, (int64_t)f->trade_id);
	buf_addc(b, '}');
}

/* GET /v5/execution/list: newest first, limit 1-100 (default 50); from
 * startTime the 7 days after it (or up to endTime); cursor: the count
 * of executions the pages before gave. */
#define EXEC_WINDOW_MS (7LL * 86400000)

static int
exec_wanted(const struct so_order *o, enum mk mk, const struct inst *in,
    uint64_t id, const char *link)
{
	return o->market == (int)mk && (!in || strcmp(o->symbol,
	    in->sm->p.symbol) == 0) && (!id || o->order_id == id) &&
	    (!*link || strcmp(o->client_id, link) == 0);
}

static unsigned
executions(struct oreq *r, const struct byargs *a)
{
	enum mk mk;
	struct inst *in;
	char oid[64] = "", link[SO_CLIENT_ID_MAX + 1] = "";
	uint64_t limit, id, start, end, skip;
	size_t i, j, n = 0, seen = 0;
	int more = 0;

	if (category(r, a, &mk) < 0)
		return err(r, 10001, "params error: category invalid");
	in = symbol_inst(r, a, mk);
	(void)arg(r, a, "orderId", oid, sizeof oid);
	(void)arg(r, a, "orderLinkId", link, sizeof link);
	if (param_u64(r, "limit", &limit) < 0 || limit > 100 ||
	    param_u64(r, "startTime", &start) < 0 ||
	    param_u64(r, "endTime", &end) < 0 ||
	    param_u64(r, "cursor", &skip) < 0)
		return err(r, 10001, "params error: limit, startTime, "
		    "endTime or cursor");
	if (!limit)
		limit = 50;
	if (start && !end)
		end = start + EXEC_WINDOW_MS;
	if (start && end - start > (uint64_t)EXEC_WINDOW_MS)
		return err(r, 10001, "params error: the time span exceeds "
		    "7 days");
	id = *oid ? parse_oid(oid) : 0;
	list_begin(&r->c->body, mk);
	for (i = r->s->eng.norders; i-- > 0 && !more;) {
		const struct so_order *o = r->s->eng.orders[i];

		if (!exec_wanted(o, mk, in, id, link))
			continue;
		for (j = o->nfills; j-- > 0;) {
			const struct so_fill *f = &o->fills[j];

			if (start && ((uint64_t)f->time < start ||
			    (uint64_t)f->time > end))
				continue;
			if (seen++ < skip)
				continue;
			if (n == limit) {
				more = 1;
				break;
			}
			if (n++)
				buf_addc(&r->c->body, ',');
			by_exec_item(&r->c->body, r->s, o, f,
			    r->s->eng.fee_ppm, NULL);
		}
	}
	if (more)
		buf_addf(&r->c->body, "],\"nextPageCursor\":\"%llu\"}",
		    (unsigned long long)(skip + n));
	else
		buf_adds(&r->c->body, "],\"nextPageCursor\":\"\"}");
	by_envelope_end(&r->c->body);
	return 200;
}

void
by_position_item(struct buf *b, struct inst *in,
    const struct so_position *p, const char *sym)
{
	int64_t aq = p && p->qty < 0 ? -p->qty : p ? p->qty : 0;
	int64_t mark = in->sm->mid, value = so_quote(in->sm, mark, aq);

	buf_adds(b, b->len && b->p[b->len - 1] == ',' ? "\"positionIdx\":0" :
	    "{\"positionIdx\":0");
	ks(b, "symbol", sym);
	ks(b, "side", !aq ? "" : p->qty > 0 ? "Buy" : "Sell");
	kamount(b, "size", aq);
	buf_adds(b, ",\"avgPrice\":\"");
	if (aq)
		buf_add_fx(b, fx_trim((struct fx){ (fx_i128)p->cost *
		    100000000 / p->qty, 8 }));
	else
		buf_addc(b, '0');
	buf_addc(b, '"');
	kamount(b, "positionValue", aq ? (p->cost < 0 ? -p->cost : p->cost) :
	    0);
	buf_adds(b, ",\"markPrice\":\"");
	if (simmarket_put_px(b, in->sm, mark, -1) < 0)
		buf_addc(b, '0');
	buf_addc(b, '"');
	ks(b, "leverage", "10");
	kamount(b, "unrealisedPnl", aq ? (p->qty > 0 ? value : -value) -
	    p->cost : 0);
	kamount(b, "curRealisedPnl", p ? p->realised : 0);
	kamount(b, "cumRealisedPnl", p ? p->realised : 0);
	ks(b, "positionStatus", "Normal");
	kms(b, "updatedTime", p ? p->updated : 0);
	buf_adds(b, ",\"seq\":0}");
}

/* GET /v5/position/list: linear; a symbol's position (flat too), or
 * with settleCoin every open one. */
static unsigned
positions(struct oreq *r, const struct byargs *a)
{
	enum mk mk;
	struct inst *in;
	char coin[16];
	size_t i;
	int n = 0;

	if (category(r, a, &mk) < 0 || mk != MK_BY_LINEAR)
		return err(r, 10001, "params error: category only support "
		    "linear or option or inverse");
	in = symbol_inst(r, a, mk);
	if (!in && !arg(r, a, "settleCoin", coin, sizeof coin))
		return err(r, 10001, "params error: symbol or settleCoin is "
		    "required");
	list_begin(&r->c->body, mk);
	for (i = 0; i < r->s->ninst; i++) {
		struct inst *pin = &r->s->inst[i];
		const struct so_position *p;

		if (pin->mk != MK_BY_LINEAR || (in && pin != in))
			continue;
		p = so_position(&r->s->eng, MK_BY_LINEAR, pin->sm->p.symbol);
		if (!in && (!p || !p->qty))
			continue;
		if (n++)
			buf_addc(&r->c->body, ',');
		by_position_item(&r->c->body, pin, p, pin->sm->p.symbol);
	}
	list_end(&r->c->body);
	return 200;
}

/* The unified account's coin: linear wallet and spot balances share
 * it, each counted from the one start. */
static int64_t
unified(const struct so_engine *e, const char *coin)
{
	int64_t start = strcmp(coin, "USDT") == 0 ? SO_START_QUOTE :
	    SO_START_BASE;
	int64_t lin = so_balance(e, MK_BY_LINEAR, 1, coin);
	int64_t spot = so_balance(e, MK_BY_SPOT, 0, coin);

	if (strcmp(coin, "USDT") != 0)
		return spot;
	return start + (lin - start) + (spot - start);
}

static unsigned
wallet(struct oreq *r)
{
	struct buf *b = &r->c->body;
	const struct so_engine *e = &r->s->eng;
	char type[16];
	size_t i, j;

	if (!param(r, "accountType") ||
	    snprintf(type, sizeof type, "%s", param(r, "accountType")) < 0 ||
	    strcmp(type, "UNIFIED") != 0)
		return err(r, 10001, "params error: accountType only support "
		    "UNIFIED");
	by_envelope(b, 0, "OK");
	buf_adds(b, "{\"list\":[{\"accountType\":\"UNIFIED\",\"coin\":[");
	buf_adds(b, "{\"coin\":\"USDT\"");
	kamount(b, "walletBalance", unified(e, "USDT"));
	kamount(b, "equity", unified(e, "USDT"));
	ks(b, "locked", "0");
	buf_addc(b, '}');
	for (i = 0; i < e->nbal; i++) {
		const char *coin = e->bal[i].asset;

		if (e->bal[i].market != MK_BY_SPOT ||
		    strcmp(coin, "USDT") == 0)
			continue;
		for (j = 0; j < i; j++)
			if (e->bal[j].market == MK_BY_SPOT &&
			    strcmp(e->bal[j].asset, coin) == 0)
				break;
		if (j < i)
			continue;
		buf_adds(b, ",{\"coin\":");
		buf_add_jstr(b, coin, strlen(coin));
		kamount(b, "walletBalance", unified(e, coin));
		kamount(b, "equity", unified(e, coin));
		ks(b, "locked", "0");
		buf_addc(b, '}');
	}
	buf_adds(b, "]}]}");
	by_envelope_end(b);
	return 200;
}

unsigned
by_orders(struct oreq *r, int ep)
{
	struct byargs a;
	const char *why;
	size_t where;
	int post = ep == OE_BY_CREATE || ep == OE_BY_CANCEL;

	memset(&a, 0, sizeof a);
	if (post != (r->meth == M_POST)) {
		by_envelope(&r->c->body, 10001, "Method not allowed.");
		buf_adds(&r->c->body, "{}");
		by_envelope_end(&r->c->body);
		return 405;
	}
	if (post) {
		if (json_parse_object(r->body, r->blen, &a.obj, &why,
		    &where) < 0)
			return err(r, 10001, "params error: the body is not "
			    "a JSON object");
		a.json = 1;
	}
	switch (ep) {
	case OE_BY_CREATE:
		return create(r, &a);
	case OE_BY_CANCEL:
		return cancel(r, &a);
	case OE_BY_REALTIME:
		return realtime(r, &a);
	case OE_BY_EXECUTIONS:
		return executions(r, &a);
	case OE_BY_POSITION:
		return positions(r, &a);
	default:
		return wallet(r);
	}
}
