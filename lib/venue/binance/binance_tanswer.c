/*
 * binance_tanswer: what Binance's answers and user data messages say,
 * for the codecs of binance_trade.c (see binance_trade.h and
 * venue/trade.h).  The facts come from PROTOCOLS.md §1.6, §3.3, §3.4
 * and §7.
 *
 * An HTTP status and a body become a vt_outcome as trade.h says; orders
 * become VT_U_ORDER updates, the fills of a spot answer VT_U_FILL.  Spot
 * reports no average price: it is the cumulative quote quantity over
 * the executed quantity, exact when the quotient ends within AVG_SCALE
 * decimals and cut there otherwise.  The trades of an order
 * (VT_REQ_TRADES) are VT_U_FILL updates without a client id: Binance's
 * lists do not carry it, and the caller knows whose they are.
 *
 * Spot's stream is ready when the answer to the subscribe request says
 * status 200.  USD-M's listen key stream says nothing of the kind: it
 * is ready once open, so nothing here returns VT_S_READY for it.  A
 * message of a known kind that cannot be read hands on nothing:
 * VT_S_IGNORED with a->outcome VT_UNKNOWN and a reason in a->msg.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "binance_trade.h"
#include "venue/venue.h"
#include "venue/norm.h"
#include "base/json.h"

/* Decimals of a spot average price that does not end sooner. */
#define AVG_SCALE 16

static int
is_futures(const struct venue_market *m)
{
	return strcmp(m->name, "futures") == 0;
}

/* An integer member; absent: 0. */
static int
int_of(const struct json_obj *o, const char *key, int64_t *v)
{
	const struct json_span *s = json_get(o, key);

	*v = 0;
	return !s ? 0 : json_int64(s, v);
}

static int
bool_of(const struct json_obj *o, const char *key)
{
	const struct json_span *s = json_get(o, key);

	return s && s->type == JSON_TRUE;
}

/*
 * a / b for positive a and b: exact when the quotient ends within
 * AVG_SCALE decimals, else cut there.  0, or -1 (b zero, a sign, too
 * many digits).
 */
static int
quotient(struct fx a, struct fx b, struct fx *q)
{
	int s = a.s > b.s ? a.s : b.s, k;
	fx_i128 x, y, r, mant;

	if (fx_at_scale(a, s, &x) < 0 || fx_at_scale(b, s, &y) < 0 ||
	    x < 0 || y <= 0)
		return -1;
	mant = x / y;
	r = x % y;
	if (mant >= fx_pow10(FX_MAX_DIGITS - AVG_SCALE))
		return -1;
	for (k = 0; k < AVG_SCALE && r != 0; k++) {
		if (r >= fx_pow10(37))
			return -1;
		r *= 10;
		mant = mant * 10 + r / y;
		r %= y;
	}
	q->m = mant;
	q->s = k;
	return 0;
}

/* Binance's order status as mkt's word; NULL when unknown. */
static const char *
status_word(const char *x)
{
	static const char *const map[][2] = {
		{ "NEW", "new" },
		{ "PENDING_NEW", "new" },
		{ "PENDING_CANCEL", "new" },
		{ "PARTIALLY_FILLED", "partially_filled" },
		{ "FILLED", "filled" },
		{ "CANCELED", "canceled" },
		{ "REJECTED", "rejected" },
		{ "EXPIRED", "expired" },
		{ "EXPIRED_IN_MATCH", "expired" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(x, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* "BUY"/"SELL" into u->side; -1 otherwise. */
static int
side_of(const char *s, enum vt_side *side)
{
	if (strcmp(s, "BUY") == 0)
		*side = VT_BUY;
	else if (strcmp(s, "SELL") == 0)
		*side = VT_SELL;
	else
		return -1;
	return 0;
}

/* An order's time: its own key, else the first of the REST answers
 * other names for it that is there. */
static int
time_of(const struct json_obj *o, const char *key, int64_t *t)
{
	static const char *const alt[] = { "transactTime", "time" };
	size_t i;

	if (int_of(o, key, t) < 0)
		return -1;
	for (i = 0; !*t && i < sizeof alt / sizeof alt[0]; i++)
		if (int_of(o, alt[i], t) < 0)
			return -1;
	return 0;
}

/* The names an order's fields go by: REST and the two streams. */
struct order_keys {
	const char *symbol, *client, *orig_client, *order_id, *side, *type;
	const char *status, *qty, *price, *filled, *quote, *avg, *time;
};

static const struct order_keys rest_keys = {
	"symbol", "clientOrderId", "origClientOrderId", "orderId", "side",
	"type", "status", "origQty", "price", "executedQty",
	"cummulativeQuoteQty", "avgPrice", "updateTime",
};

/* executionReport (spot) and ORDER_TRADE_UPDATE's "o" (futures): C is
 * the client id of the order a cancel cancels. */
static const struct order_keys stream_keys = {
	"s", "c", "C", "i", "S", "o", "X", "q", "p", "z", "Z", "ap", "T",
};

/* One order into a VT_U_ORDER update of us. */
static int
order_update(const struct json_obj *o, const struct order_keys *kk,
    int fut, struct vt_updates *us, struct vt_update **out)
{
	struct vt_update *u = vt_updates_add(us, VT_U_ORDER);
	char word[VT_STATUS_LEN], type[24];
	const char *st;
	struct fx quote;

	if (!u)
		return -1;
	if (vt_text_of(o, kk->symbol, u->symbol, sizeof u->symbol) < 0 ||
	    !u->symbol[0] ||
	    vt_text_of(o, kk->orig_client, u->client_id, sizeof u->client_id) < 0
	    || (!u->client_id[0] && vt_text_of(o, kk->client, u->client_id,
	    sizeof u->client_id) < 0) ||
	    vt_text_of(o, kk->order_id, u->order_id, sizeof u->order_id) < 0 ||
	    vt_text_of(o, kk->side, word, sizeof word) < 0 ||
	    side_of(word, &u->side) < 0 ||
	    vt_text_of(o, kk->status, word, sizeof word) < 0 ||
	    vt_text_of(o, kk->type, type, sizeof type) < 0 ||
	    vt_dec_of(o, kk->qty, &u->qty) < 0 ||
	    vt_dec_of(o, kk->price, &u->price) < 0 ||
	    vt_dec_of(o, kk->filled, &u->filled_qty) < 0)
		goto bad;
	st = status_word(word);
	if (!st)
		goto bad;
	snprintf(u->status, sizeof u->status, "%s", st);
	u->okind = strcmp(type, "MARKET") == 0 ? VT_MARKET : VT_LIMIT;
	if (u->okind == VT_MARKET)
		u->price = (struct fx){ 0, 0 };
	if (fut) {
		if (vt_dec_of(o, kk->avg, &u->avg_price) < 0)
			goto bad;
	} else if (u->filled_qty.m > 0) {
		if (vt_dec_of(o, kk->quote, &quote) < 0 ||
		    (quote.m > 0 && quotient(quote, u->filled_qty,
		    &u->avg_price) < 0))
			goto bad;
	}
	if (time_of(o, kk->time, &u->time_ms) < 0)
		goto bad;
	if (out)
		*out = u;
	return 0;
bad:
	us->n--;
	return -1;
}

/* The fills of a spot RESULT/FULL answer, after its order update. */
static int
answer_fills(const struct json_obj *o, struct vt_updates *us, size_t ord)
{
	const struct json_span *fills = json_get(o, "fills");
	struct json_iter it;
	struct json_span v;
	struct json_obj f;

	if (!fills)
		return 0;
	if (fills->type != JSON_ARRAY)
		return -1;
	json_iter_init(&it, fills);
	while (json_next(&it, &v)) {
		struct vt_update *u;
		const struct vt_update *ou;

		if (vt_object_of(&v, &f) < 0 || !(u = vt_updates_add(us,
		    VT_U_FILL)))
			return -1;
		ou = &us->u[ord];
		memcpy(u->symbol, ou->symbol, sizeof u->symbol);
		memcpy(u->client_id, ou->client_id, sizeof u->client_id);
		memcpy(u->order_id, ou->order_id, sizeof u->order_id);
		u->side = ou->side;
		u->time_ms = ou->time_ms;
		if (vt_text_of(&f, "tradeId", u->trade_id, sizeof u->trade_id) <
		    0 || !u->trade_id[0] ||
		    vt_dec_of(&f, "price", &u->fill_price) < 0 ||
		    vt_dec_of(&f, "qty", &u->fill_qty) < 0 ||
		    vt_dec_of(&f, "commission", &u->fee) < 0 ||
		    vt_text_of(&f, "commissionAsset", u->fee_asset,
		    sizeof u->fee_asset) < 0)
			return -1;
	}
	return 0;
}

/* Validate a top-level array body into a span for json_iter. */
static int
array_body(const char *body, size_t n, struct json_span *arr)
{
	const char *p = body, *end = body + n, *q, *why;
	size_t where;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end || *p != '[' || n > UINT32_MAX)
		return -1;
	q = json_skip_checked(p, end, 1, &why, &where);
	if (!q)
		return -1;
	while (q < end && isspace((unsigned char)*q))
		q++;
	if (q != end)
		return -1;
	arr->p = p;
	arr->n = (uint32_t)(json_skip(p, end) - p);
	arr->type = JSON_ARRAY;
	arr->escaped = 0;
	arr->unchecked = 0;
	return 0;
}

static int
position_update(const struct json_obj *o, struct vt_updates *us)
{
	struct vt_update *u = vt_updates_add(us, VT_U_POSITION);

	if (!u)
		return -1;
	if (vt_text_of(o, "symbol", u->symbol, sizeof u->symbol) < 0 ||
	    !u->symbol[0] || vt_dec_of(o, "positionAmt", &u->pos_qty) < 0 ||
	    vt_dec_of(o, "entryPrice", &u->entry_price) < 0 ||
	    vt_dec_of(o, "unRealizedProfit", &u->upnl) < 0 ||
	    int_of(o, "updateTime", &u->time_ms) < 0)
		return -1;
	return 0;
}

/*
 * One balance: spot {asset, free, locked}; futures {asset, balance,
 * availableBalance}, where what is not available counts as locked
 * (never below zero: unrealised profit can make it so).
 */
static int
balance_update(const struct json_obj *o, int fut, struct vt_updates *us)
{
	struct vt_update *u = vt_updates_add(us, VT_U_BALANCE);
	struct fx total;

	if (!u || vt_text_of(o, "asset", u->asset, sizeof u->asset) < 0 ||
	    !u->asset[0])
		return -1;
	if (!fut)
		return vt_dec_of(o, "free", &u->free) < 0 ||
		    vt_dec_of(o, "locked", &u->locked) < 0 ? -1 : 0;
	if (vt_dec_of(o, "balance", &total) < 0 ||
	    vt_dec_of(o, "availableBalance", &u->free) < 0 ||
	    int_of(o, "updateTime", &u->time_ms) < 0 ||
	    fx_sub(total, u->free, &u->locked) < 0)
		return -1;
	if (u->locked.m < 0)
		u->locked = (struct fx){ 0, 0 };
	return 0;
}

/*
 * One trade of myTrades (spot) or userTrades (futures) as a VT_U_FILL.
 * Neither list names the client id: it is left empty, for the caller,
 * who asked about one order, to fill in.
 */
static int
trade_update(const struct json_obj *o, int fut, struct vt_updates *us)
{
	struct vt_update *u = vt_updates_add(us, VT_U_FILL);
	char side[8];

	if (!u)
		return -1;
	if (vt_text_of(o, "symbol", u->symbol, sizeof u->symbol) < 0 ||
	    !u->symbol[0] ||
	    vt_text_of(o, "orderId", u->order_id, sizeof u->order_id) < 0 ||
	    vt_text_of(o, "id", u->trade_id, sizeof u->trade_id) < 0 ||
	    !u->trade_id[0] || vt_dec_of(o, "price", &u->fill_price) < 0 ||
	    vt_dec_of(o, "qty", &u->fill_qty) < 0 ||
	    vt_dec_of(o, "commission", &u->fee) < 0 ||
	    vt_text_of(o, "commissionAsset", u->fee_asset,
	    sizeof u->fee_asset) < 0 || int_of(o, "time", &u->time_ms) < 0)
		return -1;
	u->maker = bool_of(o, fut ? "maker" : "isMaker");
	if (!fut) {
		u->side = bool_of(o, "isBuyer") ? VT_BUY : VT_SELL;
		return 0;
	}
	return vt_text_of(o, "side", side, sizeof side) < 0 ||
	    side_of(side, &u->side) < 0 ? -1 : 0;
}

/* Each object of an array: orders, positions, balances or trades. */
static int
each_object(const struct json_span *arr, int fut, enum vt_what what,
    struct vt_updates *us)
{
	struct json_iter it;
	struct json_span v;
	struct json_obj o;

	if (!arr || arr->type != JSON_ARRAY)
		return -1;
	json_iter_init(&it, arr);
	while (json_next(&it, &v)) {
		if (vt_object_of(&v, &o) < 0)
			return -1;
		if (what == VT_REQ_OPEN ? order_update(&o, &rest_keys, fut,
		    us, NULL) : what == VT_REQ_POSITIONS ?
		    position_update(&o, us) : what == VT_REQ_TRADES ||
		    what == VT_REQ_FILLS_SINCE ?
		    trade_update(&o, fut, us) : balance_update(&o, fut, us))
			return -1;
	}
	return 0;
}

/* What an error code says (PROTOCOLS §1.6, §3.3, §7). */
static enum vt_outcome
code_outcome(long code, const char *msg)
{
	switch (code) {
	case -1006:
	case -1007:
		return VT_UNKNOWN;
	case -4116:
		return VT_DUPLICATE;
	case -2010:
		return strcmp(msg, "Duplicate order sent.") == 0 ?
		    VT_DUPLICATE : VT_REJECTED;
	case -2011:
	case -2013:
		return VT_NOT_FOUND;
	case -1021:
		return VT_TIMESTAMP;
	case -1022:
	case -2014:
	case -2015:
		return VT_AUTH;
	case -1003:
	case -1015:
		return VT_RATE;
	default:
		return VT_REJECTED;
	}
}

/* The body of a successful answer (an object or an array). */
static int
ok_body(int fut, enum vt_what what, const char *body, size_t n,
    const struct json_obj *o, struct vt_answer *a)
{
	struct json_span arr;
	size_t first = a->up.n;
	int64_t t;

	switch (what) {
	case VT_REQ_NEW:
	case VT_REQ_CANCEL:
	case VT_REQ_QUERY:
		if (!o || order_update(o, &rest_keys, fut, &a->up, NULL) < 0)
			return -1;
		return !fut && answer_fills(o, &a->up, first) < 0 ? -1 : 0;
	case VT_REQ_OPEN:
	case VT_REQ_POSITIONS:
	case VT_REQ_TRADES:
	case VT_REQ_FILLS_SINCE:
		return array_body(body, n, &arr) < 0 ? -1 :
		    each_object(&arr, fut, what, &a->up);
	case VT_REQ_BALANCES:
		if (!fut)
			return o ? each_object(json_get(o, "balances"), fut,
			    what, &a->up) : -1;
		return array_body(body, n, &arr) < 0 ? -1 :
		    each_object(&arr, fut, what, &a->up);
	case VT_REQ_TIME:
		if (!o || int_of(o, "serverTime", &t) < 0 || t <= 0)
			return -1;
		a->server_time = t;
		return 0;
	case VT_REQ_LISTEN_NEW:
		return !o || vt_text_of(o, "listenKey", a->listen_key,
		    sizeof a->listen_key) < 0 || !a->listen_key[0] ? -1 : 0;
	case VT_REQ_LISTEN_KEEP:
		return o ? 0 : -1;
	default:
		return -1;
	}
}

/* The venue's code and words, when the body is an error object. */
static int
error_of(const struct json_obj *o, struct vt_answer *a)
{
	const struct json_span *c = json_get(o, "code");
	int64_t v;

	if (!c || c->type != JSON_NUMBER || json_int64(c, &v) < 0 || v >= 0)
		return 0;
	a->code = (long)v;
	if (vt_text_of(o, "msg", a->msg, sizeof a->msg) < 0)
		snprintf(a->msg, sizeof a->msg, "(unreadable message)");
	return 1;
}

int
binance_trade_parse(const struct venue_market *m, enum vt_what what, int status,
    const char *body, size_t n, struct vt_answer *a)
{
	struct json_obj o;
	const char *why;
	size_t where, first = a->up.n;
	int is_obj, err = 0;

	vt_answer_clear(a);
	is_obj = body && n && json_parse_object(body, n, &o, &why,
	    &where) == 0;
	if (is_obj)
		err = error_of(&o, a);
	if (status < 0 || status >= 500) {
		if (!a->msg[0])
			snprintf(a->msg, sizeof a->msg, status < 0 ?
			    "no answer" : "HTTP %d", status);
		return 0;	/* VT_UNKNOWN: query by client id */
	}
	if (status == 429 || status == 418) {
		a->outcome = VT_RATE;	/* Retry-After is not ours to see */
		return 0;
	}
	if (err) {
		a->outcome = code_outcome(a->code, a->msg);
		return 0;
	}
	if (status < 200 || status > 299 ||
	    ok_body(is_futures(m), what, body, n, is_obj ? &o : NULL,
	    a) < 0) {
		a->up.n = first;
		if (!a->msg[0])
			snprintf(a->msg, sizeof a->msg, "HTTP %d: unreadable "
			    "answer", status);
		return -1;
	}
	a->outcome = VT_OK;
	return 0;
}

/* ---- user data streams ---- */
/* The fill of an execution report (x = TRADE), after its order. */
static int
stream_fill(const struct json_obj *o, struct vt_updates *us)
{
	const struct vt_update *ou;
	struct vt_update *u = vt_updates_add(us, VT_U_FILL);

	if (!u)
		return -1;
	ou = &us->u[us->n - 2];	/* after the add, which may move the list */
	memcpy(u->symbol, ou->symbol, sizeof u->symbol);
	memcpy(u->client_id, ou->client_id, sizeof u->client_id);
	memcpy(u->order_id, ou->order_id, sizeof u->order_id);
	u->side = ou->side;
	u->time_ms = ou->time_ms;
	u->maker = bool_of(o, "m");
	if (vt_text_of(o, "t", u->trade_id, sizeof u->trade_id) < 0 ||
	    !u->trade_id[0] || vt_dec_of(o, "L", &u->fill_price) < 0 ||
	    vt_dec_of(o, "l", &u->fill_qty) < 0 ||
	    vt_dec_of(o, "n", &u->fee) < 0 ||
	    vt_text_of(o, "N", u->fee_asset, sizeof u->fee_asset) < 0)
		return -1;
	return 0;
}

/* executionReport or ORDER_TRADE_UPDATE's "o": the order, and its fill
 * when the execution is a trade. */
static int
stream_order(const struct json_obj *o, int fut, struct vt_updates *us)
{
	char x[24];

	if (order_update(o, &stream_keys, fut, us, NULL) < 0 ||
	    vt_text_of(o, "x", x, sizeof x) < 0)
		return -1;
	return strcmp(x, "TRADE") == 0 ? stream_fill(o, us) : 0;
}

/* outboundAccountPosition's B: [{a, f, l}]. */
static int
spot_balances(const struct json_obj *ev, struct vt_updates *us)
{
	const struct json_span *b = json_get(ev, "B");
	struct json_iter it;
	struct json_span v;
	struct json_obj o;
	int64_t t;

	if (!b || b->type != JSON_ARRAY || int_of(ev, "E", &t) < 0)
		return -1;
	json_iter_init(&it, b);
	while (json_next(&it, &v)) {
		struct vt_update *u;

		if (vt_object_of(&v, &o) < 0 ||
		    !(u = vt_updates_add(us, VT_U_BALANCE)) ||
		    vt_text_of(&o, "a", u->asset, sizeof u->asset) < 0 ||
		    !u->asset[0] || vt_dec_of(&o, "f", &u->free) < 0 ||
		    vt_dec_of(&o, "l", &u->locked) < 0)
			return -1;
		u->time_ms = t;
	}
	return 0;
}

/* ACCOUNT_UPDATE's a: {B: [{a, wb, cw}], P: [{s, pa, ep, up}]}. */
static int
futures_account(const struct json_obj *ev, struct vt_updates *us)
{
	struct json_obj a, o;
	struct json_iter it;
	struct json_span v;
	const struct json_span *b, *p;
	int64_t t;

	if (vt_object_of(json_get(ev, "a"), &a) < 0 || int_of(ev, "E", &t) < 0)
		return -1;
	b = json_get(&a, "B");
	p = json_get(&a, "P");
	if ((b && b->type != JSON_ARRAY) || (p && p->type != JSON_ARRAY))
		return -1;
	if (b)
		for (json_iter_init(&it, b); json_next(&it, &v);) {
			struct vt_update *u;

			if (vt_object_of(&v, &o) < 0 ||
			    !(u = vt_updates_add(us, VT_U_BALANCE)) ||
			    vt_text_of(&o, "a", u->asset, sizeof u->asset) < 0 ||
			    !u->asset[0] || vt_dec_of(&o, "wb", &u->free) < 0)
				return -1;
			u->time_ms = t;
		}
	if (p)
		for (json_iter_init(&it, p); json_next(&it, &v);) {
			struct vt_update *u;

			if (vt_object_of(&v, &o) < 0 ||
			    !(u = vt_updates_add(us, VT_U_POSITION)) ||
			    vt_text_of(&o, "s", u->symbol, sizeof u->symbol) < 0 ||
			    !u->symbol[0] || vt_dec_of(&o, "pa", &u->pos_qty) < 0
			    || vt_dec_of(&o, "ep", &u->entry_price) < 0 ||
			    vt_dec_of(&o, "up", &u->upnl) < 0)
				return -1;
			u->time_ms = t;
		}
	return 0;
}

/*
 * One user data event (the "event" of a spot message, a whole futures
 * message).  -1: a known event that cannot be read.
 */
static int
stream_event(const struct json_obj *ev, int fut, struct vt_answer *a,
    enum vt_stream_kind *kind)
{
	struct json_obj o;
	char e[40];

	*kind = VT_S_IGNORED;
	if (vt_text_of(ev, "e", e, sizeof e) < 0)
		return -1;
	if (strcmp(e, "eventStreamTerminated") == 0 ||
	    strcmp(e, "serverShutdown") == 0 ||
	    strcmp(e, "listenKeyExpired") == 0) {
		*kind = VT_S_EXPIRED;
		snprintf(a->msg, sizeof a->msg, "%s", e);
		return 0;
	}
	if (!fut && strcmp(e, "executionReport") == 0) {
		*kind = VT_S_DATA;
		return stream_order(ev, 0, &a->up);
	}
	if (!fut && strcmp(e, "outboundAccountPosition") == 0) {
		*kind = VT_S_DATA;
		return spot_balances(ev, &a->up);
	}
	if (fut && strcmp(e, "ORDER_TRADE_UPDATE") == 0) {
		*kind = VT_S_DATA;
		return vt_object_of(json_get(ev, "o"), &o) < 0 ? -1 :
		    stream_order(&o, 1, &a->up);
	}
	if (fut && strcmp(e, "ACCOUNT_UPDATE") == 0) {
		*kind = VT_S_DATA;
		return futures_account(ev, &a->up);
	}
	return 0;
}

/* The answer to the subscribe request: status 200 or an error. */
static enum vt_stream_kind
subscribe_answer(const struct json_obj *o, struct vt_answer *a)
{
	struct json_obj e;
	int64_t status;

	if (int_of(o, "status", &status) < 0)
		return VT_S_IGNORED;
	if (status == 200)
		return VT_S_READY;
	if (vt_object_of(json_get(o, "error"), &e) == 0)
		(void)error_of(&e, a);
	if (!a->msg[0])
		snprintf(a->msg, sizeof a->msg, "status %lld",
		    (long long)status);
	a->outcome = code_outcome(a->code, a->msg);
	return VT_S_ERROR;
}

enum vt_stream_kind
binance_trade_stream_parse(const struct venue_market *m, const char *msg,
    size_t n, struct vt_answer *a)
{
	struct json_obj o, ev;
	const struct json_span *s;
	enum vt_stream_kind kind = VT_S_IGNORED;
	size_t first = a->up.n, where;
	const char *why;
	int fut = is_futures(m), rc;

	vt_answer_clear(a);
	a->outcome = VT_OK;
	if (!msg || json_parse_object(msg, n, &o, &why, &where) < 0)
		goto bad;
	s = json_get(&o, fut ? "data" : "event");
	if (s) {
		if (vt_object_of(s, &ev) < 0)
			goto bad;
		rc = stream_event(&ev, fut, a, &kind);
	} else if (!fut && json_get(&o, "status")) {
		return subscribe_answer(&o, a);
	} else if (fut) {
		rc = stream_event(&o, fut, a, &kind);
	} else {
		return VT_S_IGNORED;
	}
	if (rc < 0)
		goto bad;
	if (kind == VT_S_DATA && a->up.n == first)
		kind = VT_S_IGNORED;
	return kind;
bad:
	/* Nothing half-read is handed on; the caller may log the reason
	 * and trust REST until the stream says more. */
	a->up.n = first;
	a->outcome = VT_UNKNOWN;
	snprintf(a->msg, sizeof a->msg, "unreadable user data message");
	return VT_S_IGNORED;
}
