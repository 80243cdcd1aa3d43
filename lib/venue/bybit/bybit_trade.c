/*
 * bybit_trade: Bybit v5 linear and spot orders and the private stream
 * as codecs (see bybit_trade.h and venue/trade.h): the requests and
 * the stream plan here, what the answers say in bybit_tanswer.c.  The
 * facts come from PROTOCOLS.md §4 and §8.
 *
 * Requests: a POST carries a JSON body, a GET a query string; the
 * signature is HMAC-SHA256 over timestamp + key + recvWindow + the
 * exact bytes of that body or query, sent in X-BAPI-SIGN beside
 * X-BAPI-API-KEY, X-BAPI-TIMESTAMP and X-BAPI-RECV-WINDOW.  A spot
 * market buy says marketUnit baseCoin, so that its qty is the base
 * quantity, as everywhere else.
 *
 * Stream: /v5/private, then auth (a signature of "GET/realtime" +
 * expires, expires = the timestamp + the receive window) and one
 * subscribe to the four topics of every category; the answer to the
 * subscribe says it is ready.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bybit_trade.h"
#include "venue/venue.h"
#include "net/secret.h"

#define CLIENT_ID_MAX 36	/* orderLinkId */
#define PARAMS_MAX 1800
#define RECV_WINDOW_DEFAULT 5000
#define PING_MS 20000
/* /v5/order/create per UID (PROTOCOLS §4.7). */
#define LINEAR_ORDERS 10
#define SPOT_ORDERS 20
#define ORDERS_MS 1000
#define FILLS_PAGE 100		/* execution/list: limit at most */
#define FILLS_WINDOW_MS (7LL * 86400000)

static int
fail(char *why, size_t whylen, const char *what)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", what);
	return -1;
}

static int
is_linear(const struct venue_market *m)
{
	return strcmp(m->name, "linear") == 0;
}

/* A decimal as the venue takes it: digits with at most one point. */
static int
decimal_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;
	int points = 0;

	if (n == 0 || n > 40 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.')
			points++;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return points <= 1;
}

/* Letters, digits, '-' (dated futures): nothing to escape or encode. */
static int
symbol_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n >= VT_SYMBOL_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* orderLinkId: letters, digits, '-' and '_', at most 36. */
static int
client_id_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > CLIENT_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return 0;
	return 1;
}

/* Printable, no spaces: nothing that could end or split a header. */
static int
key_ok(const struct vt_keys *k)
{
	size_t i;

	if (!k || !k->key || k->key_len == 0 || k->key_len > 200)
		return 0;
	for (i = 0; i < k->key_len; i++)
		if (k->key[i] <= ' ' || k->key[i] > '~' || k->key[i] == '"' ||
		    k->key[i] == '\\')
			return 0;
	return 1;
}

static const char *
tif_word(enum vt_tif t)
{
	switch (t) {
	case VT_IOC:
		return "IOC";
	case VT_FOK:
		return "FOK";
	case VT_POST_ONLY:
		return "PostOnly";
	default:
		return "GTC";
	}
}

/* ,"k":"v" -- v is checked to need no escapes. */
static void
add_field(struct buf *b, const char *k, const char *v)
{
	buf_addf(b, "%s\"%s\":\"%s\"", b->len > 1 ? "," : "", k, v);
}

/* The JSON body of a new order (PROTOCOLS §4.2). */
static int
new_order_body(const struct venue_market *m, const struct vt_order *o,
    struct buf *b, char *why, size_t whylen)
{
	int limit = o->kind == VT_LIMIT, lin = is_linear(m);

	if (o->side != VT_BUY && o->side != VT_SELL)
		return fail(why, whylen, "order side missing");
	if (o->kind != VT_LIMIT && o->kind != VT_MARKET)
		return fail(why, whylen, "order type missing");
	if (!decimal_ok(o->qty))
		return fail(why, whylen, "order quantity not a decimal");
	if (limit && !decimal_ok(o->price))
		return fail(why, whylen, "limit order without a decimal price");
	if (!limit && o->tif == VT_POST_ONLY)
		return fail(why, whylen, "a market order cannot be post-only");
	if (o->reduce_only && !lin)
		return fail(why, whylen, "reduce-only on a spot market");
	buf_addc(b, '{');
	add_field(b, "category", m->name);
	add_field(b, "symbol", o->symbol);
	add_field(b, "side", o->side == VT_BUY ? "Buy" : "Sell");
	add_field(b, "orderType", limit ? "Limit" : "Market");
	add_field(b, "qty", o->qty);
	if (limit) {
		add_field(b, "price", o->price);
		add_field(b, "timeInForce", tif_word(o->tif));
	}
	if (!lin && !limit && o->side == VT_BUY)
		add_field(b, "marketUnit", "baseCoin");
	if (o->client_id)
		add_field(b, "orderLinkId", o->client_id);
	if (o->reduce_only)
		buf_adds(b, ",\"reduceOnly\":true");
	buf_addc(b, '}');
	return 0;
}

/* k=v& pieces of a query; values checked to need no encoding. */
static void
add_query(struct buf *b, const char *k, const char *v)
{
	buf_addf(b, "%s%s=%s", b->len ? "&" : "", k, v);
}

/*
 * A symbol's executions from a time, one page: the venue answers 7 days
 * from startTime (PROTOCOLS §4); the cursor of the answer before names
 * the next page.
 */
static int
fills_since_query(const struct venue_market *m, const struct vt_order *o,
    struct buf *p, const char **path, char *why, size_t whylen)
{
	char n[24];

	if (!o || !symbol_ok(o->symbol) || o->start_ms <= 0 ||
	    o->limit < 0 || o->limit > FILLS_PAGE ||
	    (o->cursor && (strlen(o->cursor) > 200 ||
	    strpbrk(o->cursor, " &#\"\r\n"))))
		return fail(why, whylen, "symbol or a start time missing, "
		    "or a cursor that does not fit");
	*path = "/v5/execution/list";
	add_query(p, "category", m->name);
	add_query(p, "symbol", o->symbol);
	snprintf(n, sizeof n, "%lld", (long long)o->start_ms);
	add_query(p, "startTime", n);
	snprintf(n, sizeof n, "%d", o->limit ? o->limit : FILLS_PAGE);
	add_query(p, "limit", n);
	if (o->cursor && o->cursor[0])
		add_query(p, "cursor", o->cursor);
	return 0;
}

/* The path and parameters (query or body) of a request. */
static int
request_of(const struct venue_market *m, enum vt_what what,
    const struct vt_order *o, const char **method, const char **path,
    struct buf *p, char *why, size_t whylen)
{
	int lin = is_linear(m), one = what == VT_REQ_NEW ||
	    what == VT_REQ_CANCEL || what == VT_REQ_QUERY;

	*method = "GET";
	if (one && (!o || !symbol_ok(o->symbol)))
		return fail(why, whylen, "order symbol missing");
	if (one && (what != VT_REQ_NEW || o->client_id) &&
	    !client_id_ok(o->client_id))
		return fail(why, whylen, "client id missing, too long or "
		    "outside the venue's characters");
	if (!one && o && o->symbol && !symbol_ok(o->symbol))
		return fail(why, whylen, "symbol not letters, digits and '-'");
	switch (what) {
	case VT_REQ_NEW:
		*method = "POST";
		*path = "/v5/order/create";
		return new_order_body(m, o, p, why, whylen);
	case VT_REQ_CANCEL:
		*method = "POST";
		*path = "/v5/order/cancel";
		buf_addc(p, '{');
		add_field(p, "category", m->name);
		add_field(p, "symbol", o->symbol);
		add_field(p, "orderLinkId", o->client_id);
		buf_addc(p, '}');
		return 0;
	case VT_REQ_QUERY:
	case VT_REQ_OPEN:
		*path = "/v5/order/realtime";
		add_query(p, "category", m->name);
		if (o && o->symbol)
			add_query(p, "symbol", o->symbol);
		else if (lin)
			add_query(p, "settleCoin", "USDT");
		if (what == VT_REQ_QUERY)
			add_query(p, "orderLinkId", o->client_id);
		else
			add_query(p, "limit", "50");
		return 0;
	case VT_REQ_TIME:
		*path = "/v5/market/time";
		return 0;
	case VT_REQ_POSITIONS:
		if (!lin)
			break;
		*path = "/v5/position/list";
		add_query(p, "category", m->name);
		if (o && o->symbol)
			add_query(p, "symbol", o->symbol);
		else
			add_query(p, "settleCoin", "USDT");
		add_query(p, "limit", "200");
		return 0;
	case VT_REQ_TRADES:
		/* Order ids (digits or a UUID) pass the client id check. */
		if (!o || !symbol_ok(o->symbol) || (!client_id_ok(o->order_id)
		    && !client_id_ok(o->client_id)))
			return fail(why, whylen, "symbol or order id missing");
		*path = "/v5/execution/list";
		add_query(p, "category", m->name);
		add_query(p, "symbol", o->symbol);
		/* The venue's id when known: it ranks first there. */
		if (client_id_ok(o->order_id))
			add_query(p, "orderId", o->order_id);
		else
			add_query(p, "orderLinkId", o->client_id);
		add_query(p, "limit", "100");
		return 0;
	case VT_REQ_FILLS_SINCE:
		return fills_since_query(m, o, p, path, why, whylen);
	case VT_REQ_BALANCES:
		*path = "/v5/account/wallet-balance";
		add_query(p, "accountType", "UNIFIED");
		return 0;
	default:
		break;
	}
	return fail(why, whylen, "request not offered by this market");
}

/* The X-BAPI-* headers over the parameters p (query or body). */
static int
sign_headers(const struct vt_keys *k, const struct buf *p, int64_t ts_ms,
    int recv, struct vt_req *r)
{
	char pre[320], hex[65];
	int n;

	n = snprintf(pre, sizeof pre, "%lld%.*s%d", (long long)ts_ms,
	    (int)k->key_len, k->key, recv);
	if (n < 0 || (size_t)n >= sizeof pre ||
	    secret_hmac2_hex(k->secret, k->secret_len, pre, (size_t)n,
	    p->p ? p->p : "", p->len, hex) < 0)
		return -1;
	snprintf(r->headers[0], VT_HEADER_LEN, "X-BAPI-API-KEY: %.*s",
	    (int)k->key_len, k->key);
	snprintf(r->headers[1], VT_HEADER_LEN, "X-BAPI-TIMESTAMP: %lld",
	    (long long)ts_ms);
	snprintf(r->headers[2], VT_HEADER_LEN, "X-BAPI-SIGN: %s", hex);
	snprintf(r->headers[3], VT_HEADER_LEN, "X-BAPI-RECV-WINDOW: %d",
	    recv);
	return 0;
}

static int
by_build(const struct venue_market *m, enum vt_what what,
    const struct vt_keys *k, const struct vt_order *o, int64_t ts_ms,
    int recv_window_ms, const char *listen_key, struct vt_req *r,
    char *why, size_t whylen)
{
	const char *method, *path;
	int post, n, rc = -1, recv = recv_window_ms > 0 ? recv_window_ms :
	    RECV_WINDOW_DEFAULT;
	struct buf p;

	(void)listen_key;
	memset(r, 0, sizeof *r);
	buf_init(&p, PARAMS_MAX);
	if (request_of(m, what, o, &method, &path, &p, why, whylen) < 0)
		goto out;
	if (buf_failed(&p)) {
		fail(why, whylen, "request too long");
		goto out;
	}
	post = strcmp(method, "POST") == 0;
	snprintf(r->method, sizeof r->method, "%s", method);
	n = snprintf(r->url, sizeof r->url, "%s%s%s%.*s", venue_rest_base(m),
	    path, !post && p.len ? "?" : "", post ? 0 : (int)p.len,
	    p.p ? p.p : "");
	if (n < 0 || (size_t)n >= sizeof r->url || p.len >= sizeof r->body) {
		fail(why, whylen, "request does not fit");
		goto out;
	}
	if (post) {
		memcpy(r->body, p.p, p.len);
		r->body[p.len] = '\0';
		snprintf(r->headers[4], VT_HEADER_LEN,
		    "Content-Type: application/json");
	}
	if (what != VT_REQ_TIME) {
		if (!key_ok(k)) {
			fail(why, whylen, "API key missing or not printable");
			goto out;
		}
		if (sign_headers(k, &p, ts_ms, recv, r) < 0) {
			fail(why, whylen, "signing failed");
			goto out;
		}
	}
	r->weight = 1;
	r->idempotent = what != VT_REQ_NEW && what != VT_REQ_CANCEL;
	rc = 0;
out:
	buf_free(&p);
	if (rc < 0)
		memset(r, 0, sizeof *r);
	return rc;
}

static int
by_stream_plan(const struct venue_market *m, const struct vt_keys *k,
    int64_t ts_ms, int recv_window_ms, const char *listen_key,
    struct buf *url, struct buf *msgs)
{
	char pay[64], hex[65];
	int64_t expires = ts_ms + (recv_window_ms > 0 ? recv_window_ms :
	    RECV_WINDOW_DEFAULT);
	int n;

	(void)listen_key;
	if (!key_ok(k))
		return -1;
	n = snprintf(pay, sizeof pay, "GET/realtime%lld", (long long)expires);
	if (n < 0 || (size_t)n >= sizeof pay ||
	    secret_hmac_hex(k->secret, k->secret_len, pay, (size_t)n,
	    hex) < 0)
		return -1;
	buf_adds(url, venue_ws_base(m));
	buf_adds(url, "/v5/private");
	buf_addf(msgs, "{\"req_id\":\"auth\",\"op\":\"auth\",\"args\":"
	    "[\"%.*s\",%lld,\"%s\"]}", (int)k->key_len, k->key,
	    (long long)expires, hex);
	buf_addc(msgs, '\0');
	buf_adds(msgs, "{\"req_id\":\"subscribe\",\"op\":\"subscribe\","
	    "\"args\":[\"order\",\"execution\",\"position\",\"wallet\"]}");
	buf_addc(msgs, '\0');
	return buf_failed(url) || buf_failed(msgs) ? -1 : 0;
}

/* Linear and spot differ only in their order-rate limits. */
#define BYBIT_TRADE(orders) { \
	.build = by_build, \
	.parse = bybit_trade_parse, \
	.stream_plan = by_stream_plan, \
	.stream_parse = bybit_trade_stream_parse, \
	.stream_ping = "{\"op\":\"ping\"}", \
	.stream_ping_ms = PING_MS, \
	.needs_listen_key = 0, \
	.listen_keep_ms = 0, \
	.order_n = (orders), \
	.order_ms = ORDERS_MS, \
	.host_key = "bybit", \
	.history_ms = 86400000, \
	.history_says = "Bybit shows orders canceled without " \
	    "a fill for 24 h", \
	.fills_page = FILLS_PAGE, \
	.fills_window_ms = FILLS_WINDOW_MS, \
	.fills_window_says = "Bybit lists executions for 7 days from " \
	    "the start time, 2 years back at most", \
	.fills_reach_ms = 730LL * 86400000, \
}

const struct venue_trade bybit_linear_trade = BYBIT_TRADE(LINEAR_ORDERS);
const struct venue_trade bybit_spot_trade = BYBIT_TRADE(SPOT_ORDERS);
