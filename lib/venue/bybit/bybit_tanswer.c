/*
 * bybit_tanswer: what Bybit v5's answers and private stream messages
 * say, for the codecs of bybit_trade.c (see bybit_trade.h and
 * venue/trade.h).  The facts come from PROTOCOLS.md §4 and §8.
 *
 * Every answer has the envelope {retCode, retMsg, result, time}:
 * retCode 0 is VT_OK, the others a vt_outcome by the table in
 * code_outcome().  The answers to create and cancel carry the ids
 * alone, so they give one VT_U_ORDER with client_id and order_id and an
 * empty status (the state comes from the stream or a query).  A query
 * by orderLinkId whose list is empty is VT_NOT_FOUND.
 *
 * Stream messages are filtered by category: an order, execution or
 * position of the other market is not this market's news (the wallet
 * is the account's, and goes to both).  Executions other than trades
 * (funding, settlement) are not fills.  A message of a known topic that
 * cannot be read hands on nothing: VT_S_IGNORED with a->outcome
 * VT_UNKNOWN and a reason in a->msg.
 */
#include <stdio.h>
#include <string.h>

#include "bybit_trade.h"
#include "venue/venue.h"
#include "venue/norm.h"
#include "base/json.h"

/* Bybit's 403: "access too frequent", wait at least 10 minutes. */
#define BAN_WAIT_MS (10 * 60 * 1000)

/* The venue's words, cut to fit when they are long. */
static void
msg_of(const struct json_obj *o, const char *key, char *dst, size_t cap)
{
	const struct json_span *s = json_get(o, key);
	size_t i, n;

	if (vt_text_of(o, key, dst, cap) == 0 || !s)
		return;
	n = s->n < cap - 1 ? s->n : cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = s->p[i] >= ' ' && s->p[i] <= '~' ? s->p[i] : '?';
	dst[n] = '\0';
}

/* An integer member (or a string holding one); absent or "": 0. */
static int
int_of(const struct json_obj *o, const char *key, int64_t *v)
{
	const struct json_span *s = json_get(o, key);

	*v = 0;
	if (!s || (s->type == JSON_STRING && s->n == 0))
		return 0;
	return json_int64(s, v);
}

/* Bybit's order status as mkt's word; NULL when unknown. */
static const char *
status_word(const char *x)
{
	static const char *const map[][2] = {
		{ "New", "new" },
		{ "Created", "new" },
		{ "Untriggered", "new" },
		{ "Triggered", "new" },
		{ "Active", "new" },
		{ "PartiallyFilled", "partially_filled" },
		{ "Filled", "filled" },
		{ "Cancelled", "canceled" },
		{ "PartiallyFilledCanceled", "canceled" },
		{ "Deactivated", "canceled" },
		{ "Rejected", "rejected" },
		{ "Expired", "expired" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(x, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static int
side_of(const struct json_obj *o, enum vt_side *side)
{
	char s[8];

	if (vt_text_of(o, "side", s, sizeof s) < 0)
		return -1;
	if (strcmp(s, "Buy") == 0)
		*side = VT_BUY;
	else if (strcmp(s, "Sell") == 0)
		*side = VT_SELL;
	else
		return -1;
	return 0;
}

/* An item of this market: no category, or this one. */
static int
category_ok(const struct venue_market *m, const struct json_obj *o)
{
	char c[16];

	if (vt_text_of(o, "category", c, sizeof c) < 0)
		return 0;
	return !c[0] || strcmp(c, m->name) == 0;
}

/* The symbol and ids every order and execution carries. */
static int
order_ids(const struct json_obj *o, struct vt_update *u)
{
	if (vt_text_of(o, "symbol", u->symbol, sizeof u->symbol) < 0 ||
	    !u->symbol[0] || vt_text_of(o, "orderLinkId", u->client_id,
	    sizeof u->client_id) < 0 || vt_text_of(o, "orderId", u->order_id,
	    sizeof u->order_id) < 0 || side_of(o, &u->side) < 0)
		return -1;
	return 0;
}

/* One order (REST list item or stream item) into a VT_U_ORDER. */
static int
order_update(const struct json_obj *o, struct vt_updates *us)
{
	struct vt_update *u = vt_updates_add(us, VT_U_ORDER);
	char word[32], type[16];
	const char *st;

	if (!u)
		return -1;
	if (order_ids(o, u) < 0 ||
	    vt_text_of(o, "orderStatus", word, sizeof word) < 0 ||
	    vt_text_of(o, "orderType", type, sizeof type) < 0 ||
	    vt_dec_of(o, "qty", &u->qty) < 0 ||
	    vt_dec_of(o, "price", &u->price) < 0 ||
	    vt_dec_of(o, "cumExecQty", &u->filled_qty) < 0 ||
	    vt_dec_of(o, "avgPrice", &u->avg_price) < 0 ||
	    int_of(o, "updatedTime", &u->time_ms) < 0)
		goto bad;
	st = status_word(word);
	if (!st)
		goto bad;
	snprintf(u->status, sizeof u->status, "%s", st);
	u->okind = strcmp(type, "Market") == 0 ? VT_MARKET : VT_LIMIT;
	if (u->okind == VT_MARKET)
		u->price = (struct fx){ 0, 0 };	/* a protection price */
	return 0;
bad:
	us->n--;
	return -1;
}

/* One execution: a VT_U_FILL when it is a trade. */
static int
fill_update(const struct json_obj *o, struct vt_updates *us)
{
	struct vt_update *u;
	char type[24];
	const struct json_span *mk = json_get(o, "isMaker");

	if (vt_text_of(o, "execType", type, sizeof type) < 0)
		return -1;
	if (type[0] && strcmp(type, "Trade") != 0)
		return 0;
	u = vt_updates_add(us, VT_U_FILL);
	if (!u)
		return -1;
	if (order_ids(o, u) < 0 ||
	    vt_text_of(o, "execId", u->trade_id, sizeof u->trade_id) < 0 ||
	    !u->trade_id[0] || vt_dec_of(o, "execPrice", &u->fill_price) < 0 ||
	    vt_dec_of(o, "execQty", &u->fill_qty) < 0 ||
	    vt_dec_of(o, "execFee", &u->fee) < 0 ||
	    vt_text_of(o, "feeCurrency", u->fee_asset, sizeof u->fee_asset) < 0
	    || int_of(o, "execTime", &u->time_ms) < 0) {
		us->n--;
		return -1;
	}
	u->maker = mk && mk->type == JSON_TRUE;
	return 0;
}

/* A position: size is always positive, the side gives the sign. */
static int
position_update(const struct json_obj *o, struct vt_updates *us)
{
	struct vt_update *u = vt_updates_add(us, VT_U_POSITION);
	char side[8];
	struct fx size;

	if (!u)
		return -1;
	if (vt_text_of(o, "symbol", u->symbol, sizeof u->symbol) < 0 ||
	    !u->symbol[0] || vt_text_of(o, "side", side, sizeof side) < 0 ||
	    vt_dec_of(o, "size", &size) < 0 ||
	    vt_dec_of(o, json_get(o, "entryPrice") ? "entryPrice" : "avgPrice",
	    &u->entry_price) < 0 ||
	    vt_dec_of(o, "unrealisedPnl", &u->upnl) < 0 ||
	    int_of(o, "updatedTime", &u->time_ms) < 0 ||
	    fx_sub((struct fx){ 0, 0 }, size, &u->pos_qty) < 0)
		goto bad;
	if (strcmp(side, "Sell") != 0)
		u->pos_qty = size;
	return 0;
bad:
	us->n--;
	return -1;
}

/* One account of the wallet: a VT_U_BALANCE per coin, free being the
 * wallet balance less what orders lock. */
static int
wallet_update(const struct json_obj *acct, int64_t t, struct vt_updates *us)
{
	const struct json_span *coins = json_get(acct, "coin");
	struct json_iter it;
	struct json_span v;
	struct json_obj c;
	struct fx total;

	if (!coins || coins->type != JSON_ARRAY)
		return -1;
	for (json_iter_init(&it, coins); json_next(&it, &v);) {
		struct vt_update *u = vt_updates_add(us, VT_U_BALANCE);

		if (!u || vt_object_of(&v, &c) < 0 ||
		    vt_text_of(&c, "coin", u->asset, sizeof u->asset) < 0 ||
		    !u->asset[0] || vt_dec_of(&c, "walletBalance", &total) < 0 ||
		    vt_dec_of(&c, "locked", &u->locked) < 0 ||
		    fx_sub(total, u->locked, &u->free) < 0)
			return -1;
		u->time_ms = t;
	}
	return 0;
}

enum item_kind { I_ORDER, I_FILL, I_POSITION, I_WALLET };

/* Each object of the array s, as k; items of the other market skipped. */
static int
each_item(const struct venue_market *m, const struct json_span *s,
    enum item_kind k, int64_t t, struct vt_updates *us)
{
	struct json_iter it;
	struct json_span v;
	struct json_obj o;
	int rc;

	if (!s || s->type != JSON_ARRAY)
		return -1;
	for (json_iter_init(&it, s); json_next(&it, &v);) {
		if (vt_object_of(&v, &o) < 0)
			return -1;
		if (k != I_WALLET && !category_ok(m, &o))
			continue;
		switch (k) {
		case I_ORDER:
			rc = order_update(&o, us);
			break;
		case I_FILL:
			rc = fill_update(&o, us);
			break;
		case I_POSITION:
			rc = position_update(&o, us);
			break;
		default:
			rc = wallet_update(&o, t, us);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* What a retCode says (PROTOCOLS §4.2, §4.7). */
static enum vt_outcome
code_outcome(long code)
{
	switch (code) {
	case 0:
		return VT_OK;
	case 110072:
	case 170141:
	case 10014:
		return VT_DUPLICATE;
	case 110001:
	case 170213:
		return VT_NOT_FOUND;
	case 10002:
		return VT_TIMESTAMP;
	case 10003:
	case 10004:
	case 10005:
		return VT_AUTH;
	case 10006:
		return VT_RATE;
	case 10016:
		return VT_UNKNOWN;
	default:
		return VT_REJECTED;
	}
}

/* The ids of a create or cancel answer, state unknown. */
static int
ids_update(const struct json_obj *r, struct vt_updates *us)
{
	struct vt_update *u = vt_updates_add(us, VT_U_ORDER);

	if (!u)
		return -1;
	if (vt_text_of(r, "orderLinkId", u->client_id, sizeof u->client_id) < 0
	    || vt_text_of(r, "orderId", u->order_id, sizeof u->order_id) < 0 ||
	    !u->order_id[0]) {
		us->n--;
		return -1;
	}
	return 0;
}

/* The venue's clock: the envelope's time, else result.timeSecond. */
static int
server_time(const struct json_obj *o, const struct json_obj *r,
    struct vt_answer *a)
{
	int64_t t;

	if (int_of(o, "time", &t) < 0)
		return -1;
	if (t <= 0) {
		if (int_of(r, "timeSecond", &t) < 0 || t <= 0 ||
		    t > INT64_MAX / 1000)
			return -1;
		t *= 1000;
	}
	a->server_time = t;
	return 0;
}

/* The result of a successful answer. */
static int
ok_result(const struct venue_market *m, enum vt_what what,
    const struct json_obj *o, struct vt_answer *a)
{
	const struct json_span *list;
	struct json_obj r;
	int64_t t;

	if (vt_object_of(json_get(o, "result"), &r) < 0)
		return -1;
	list = json_get(&r, "list");
	switch (what) {
	case VT_REQ_NEW:
	case VT_REQ_CANCEL:
		return ids_update(&r, &a->up);
	case VT_REQ_QUERY:
		t = (int64_t)a->up.n;
		if (each_item(m, list, I_ORDER, 0, &a->up) < 0)
			return -1;
		if (a->up.n == (size_t)t)
			a->outcome = VT_NOT_FOUND;	/* not (yet) known */
		return 0;
	case VT_REQ_OPEN:
		return each_item(m, list, I_ORDER, 0, &a->up);
	case VT_REQ_TRADES:
		return each_item(m, list, I_FILL, 0, &a->up);
	case VT_REQ_FILLS_SINCE:
		/* The next page's cursor: "" when this one is the last. */
		if (each_item(m, list, I_FILL, 0, &a->up) < 0 ||
		    vt_text_of(&r, "nextPageCursor", a->cursor,
		    sizeof a->cursor) < 0)
			return -1;
		return 0;
	case VT_REQ_POSITIONS:
		return each_item(m, list, I_POSITION, 0, &a->up);
	case VT_REQ_BALANCES:
		if (int_of(o, "time", &t) < 0)
			return -1;
		return each_item(m, list, I_WALLET, t, &a->up);
	case VT_REQ_TIME:
		return server_time(o, &r, a);
	default:
		return -1;
	}
}

int
bybit_trade_parse(const struct venue_market *m, enum vt_what what,
    int status, const char *body, size_t n, struct vt_answer *a)
{
	struct json_obj o;
	const char *why;
	size_t where, first = a->up.n;
	int64_t code;
	int has_code;

	vt_answer_clear(a);
	has_code = body && n && json_parse_object(body, n, &o, &why,
	    &where) == 0 && json_get(&o, "retCode") &&
	    json_int64(json_get(&o, "retCode"), &code) == 0;
	if (has_code) {
		a->code = (long)code;
		msg_of(&o, "retMsg", a->msg, sizeof a->msg);
	}
	if (status < 0 || status >= 500) {
		if (!a->msg[0])
			snprintf(a->msg, sizeof a->msg, status < 0 ?
			    "no answer" : "HTTP %d", status);
		return 0;	/* VT_UNKNOWN: query by client id */
	}
	if (status == 429 || status == 403) {
		a->outcome = VT_RATE;
		a->retry_after_ms = status == 403 ? BAN_WAIT_MS : 0;
		return 0;
	}
	if (!has_code && status == 401) {
		a->outcome = VT_AUTH;
		snprintf(a->msg, sizeof a->msg, "HTTP 401");
		return 0;
	}
	if (has_code && code != 0) {
		a->outcome = code_outcome(a->code);
		return 0;
	}
	a->outcome = VT_OK;
	if (!has_code || status < 200 || status > 299 ||
	    ok_result(m, what, &o, a) < 0) {
		a->up.n = first;
		a->outcome = VT_UNKNOWN;
		if (!a->msg[0] || has_code)
			snprintf(a->msg, sizeof a->msg, "HTTP %d: unreadable "
			    "answer", status);
		return -1;
	}
	return 0;
}

/* An answer to our auth or subscribe, or a pong. */
static enum vt_stream_kind
op_answer(const struct json_obj *o, struct vt_answer *a)
{
	const struct json_span *ok = json_get(o, "success");
	char op[16];

	if (vt_text_of(o, "op", op, sizeof op) < 0)
		return VT_S_IGNORED;
	if (strcmp(op, "auth") != 0 && strcmp(op, "subscribe") != 0)
		return VT_S_IGNORED;	/* pong, ping */
	if (ok && ok->type == JSON_TRUE)
		return strcmp(op, "subscribe") == 0 ? VT_S_READY :
		    VT_S_IGNORED;
	msg_of(o, "ret_msg", a->msg, sizeof a->msg);
	if (!a->msg[0])
		snprintf(a->msg, sizeof a->msg, "%s refused", op);
	a->outcome = strcmp(op, "auth") == 0 ? VT_AUTH : VT_REJECTED;
	return VT_S_ERROR;
}

/* The kind of a topic, "order" or "order.linear" alike; -1 others. */
static int
topic_kind(const struct json_obj *o)
{
	static const char *const names[] = { "order", "execution",
	    "position", "wallet" };
	char topic[40], *dot;
	size_t i;

	if (vt_text_of(o, "topic", topic, sizeof topic) < 0)
		return -1;
	dot = strchr(topic, '.');
	if (dot)
		*dot = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(topic, names[i]) == 0)
			return (int)i;	/* enum item_kind's order */
	return -1;
}

enum vt_stream_kind
bybit_trade_stream_parse(const struct venue_market *m, const char *msg,
    size_t n, struct vt_answer *a)
{
	struct json_obj o;
	const char *why;
	size_t where, first = a->up.n;
	int64_t t;
	int k;

	vt_answer_clear(a);
	a->outcome = VT_OK;
	if (!msg || json_parse_object(msg, n, &o, &why, &where) < 0)
		goto bad;
	if (!json_get(&o, "topic"))
		return op_answer(&o, a);
	k = topic_kind(&o);
	if (k < 0)
		return VT_S_IGNORED;
	if (int_of(&o, "creationTime", &t) < 0 ||
	    each_item(m, json_get(&o, "data"), (enum item_kind)k, t,
	    &a->up) < 0)
		goto bad;
	return a->up.n > first ? VT_S_DATA : VT_S_IGNORED;
bad:
	a->up.n = first;
	a->outcome = VT_UNKNOWN;
	snprintf(a->msg, sizeof a->msg, "unreadable private message");
	return VT_S_IGNORED;
}
