/*
 * binance_trade: Binance spot and USD-M futures orders and user data
 * streams as codecs (see binance_trade.h and venue/trade.h): the
 * requests and stream plans here, what the answers say in
 * binance_tanswer.c.  The facts come from PROTOCOLS.md §1.6, §2.3, §3
 * and §7.
 *
 * Requests: the parameters of a GET, PUT or DELETE go into the query
 * string, those of a POST into an x-www-form-urlencoded body; never
 * both, so the signature over query + body is the signature over the
 * one that is sent.  recvWindow and timestamp come last, then
 * &signature=.  Values are percent-encoded before signing, so what is
 * signed is what is sent.
 *
 * Streams: spot subscribes through the WebSocket API with
 * userDataStream.subscribe.signature.  USD-M has nothing to send on its
 * listen key stream: its plan has no messages, and the stream is ready
 * as soon as it is open.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binance_trade.h"
#include "venue/venue.h"
#include "net/secret.h"

/* Longest client id either market takes. */
#define CLIENT_ID_MAX 36
/* A URL path and query or a body before it is copied out. */
#define PARAMS_MAX 1800

/* ORDERS per 10 s: spot's doc example (PROTOCOLS §1.6), USD-M §2.3. */
#define SPOT_ORDERS 50
#define FUTURES_ORDERS 300
#define ORDERS_MS 10000
#define LISTEN_KEEP_MS (30 * 60 * 1000)
#define FILLS_PAGE 1000	/* myTrades, userTrades: limit at most */

static int
is_futures(const struct venue_market *m)
{
	return strcmp(m->name, "futures") == 0;
}

static int
fail(char *why, size_t whylen, const char *what)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", what);
	return -1;
}

/* ---- requests ---- */

/* One REST endpoint: method, path, weight; sign 0: nothing, 1: the key
 * header alone, 2: signed. */
struct bn_ep {
	const char *method;
	const char *path;
	int weight;
	int sign;
};

/* The endpoint of a request on spot or futures; -1: not offered. */
static int
endpoint(int fut, enum vt_what what, const struct vt_order *o,
    struct bn_ep *e)
{
	int all = !o || !o->symbol;

	switch (what) {
	case VT_REQ_NEW:
		/* A futures order weighs nothing against the IP: it counts
		 * on the order counters only. */
		*e = fut ? (struct bn_ep){ "POST", "/fapi/v1/order", 0, 2 } :
		    (struct bn_ep){ "POST", "/api/v3/order", 1, 2 };
		return 0;
	case VT_REQ_CANCEL:
		*e = (struct bn_ep){ "DELETE", fut ? "/fapi/v1/order" :
		    "/api/v3/order", 1, 2 };
		return 0;
	case VT_REQ_QUERY:
		*e = (struct bn_ep){ "GET", fut ? "/fapi/v1/order" :
		    "/api/v3/order", fut ? 1 : 4, 2 };
		return 0;
	case VT_REQ_OPEN:
		*e = fut ? (struct bn_ep){ "GET", "/fapi/v1/openOrders",
		    all ? 40 : 1, 2 } : (struct bn_ep){ "GET",
		    "/api/v3/openOrders", all ? 80 : 6, 2 };
		return 0;
	case VT_REQ_TIME:
		*e = (struct bn_ep){ "GET", fut ? "/fapi/v1/time" :
		    "/api/v3/time", 1, 0 };
		return 0;
	case VT_REQ_LISTEN_NEW:
	case VT_REQ_LISTEN_KEEP:
		if (!fut)
			return -1;
		*e = (struct bn_ep){ what == VT_REQ_LISTEN_NEW ? "POST" :
		    "PUT", "/fapi/v1/listenKey", 1, 1 };
		return 0;
	case VT_REQ_POSITIONS:
		if (!fut)
			return -1;
		*e = (struct bn_ep){ "GET", "/fapi/v3/positionRisk", 5, 2 };
		return 0;
	case VT_REQ_BALANCES:
		*e = fut ? (struct bn_ep){ "GET", "/fapi/v3/balance", 5, 2 } :
		    (struct bn_ep){ "GET", "/api/v3/account", 20, 2 };
		return 0;
	case VT_REQ_TRADES:
		/* By the venue's order id: the lists know no client id. */
		*e = (struct bn_ep){ "GET", fut ? "/fapi/v1/userTrades" :
		    "/api/v3/myTrades", 5, 2 };
		return 0;
	case VT_REQ_FILLS_SINCE:
		/* Spot weighs 20 without orderId, USD-M 5. */
		*e = (struct bn_ep){ "GET", fut ? "/fapi/v1/userTrades" :
		    "/api/v3/myTrades", fut ? 5 : 20, 2 };
		return 0;
	default:
		return -1;
	}
}

/* Append v percent-encoded: all but the unreserved characters. */
static void
add_encoded(struct buf *b, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' ||
		    *p == '~') {
			buf_addc(b, (char)*p);
			continue;
		}
		buf_addc(b, '%');
		buf_addc(b, hex[*p >> 4]);
		buf_addc(b, hex[*p & 15]);
	}
}

static void
add_param(struct buf *b, const char *k, const char *v)
{
	if (b->len)
		buf_addc(b, '&');
	buf_adds(b, k);
	buf_addc(b, '=');
	add_encoded(b, v);
}

/* A decimal as the venues take it: digits with at most one point. */
static int
decimal_ok(const char *s)
{
	struct fx x;
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > 40)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != '.')
			return 0;
	return fx_parse(s, n, &x) == FX_OK;
}

/* Client ids: spot the FIX set, futures also '.', ':' and '/'. */
static int
client_id_ok(int fut, const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CLIENT_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && c != '_' &&
		    !(fut && (c == '.' || c == ':' || c == '/')))
			return 0;
	}
	return 1;
}

static int
symbol_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < VT_SYMBOL_LEN;
}

/* Binance's order ids are numbers. */
static int
order_id_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > 20)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
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
		return "GTX";	/* futures: good till crossing */
	default:
		return "GTC";
	}
}

/*
 * The parameters of a new order, in the order of the venues' signed
 * examples (PROTOCOLS §3.2), so that their vectors come out of here.
 */
static int
new_order_params(int fut, const struct vt_order *o, struct buf *p,
    char *why, size_t whylen)
{
	const char *type, *tif = NULL;
	int limit = o->kind == VT_LIMIT;

	if (o->side != VT_BUY && o->side != VT_SELL)
		return fail(why, whylen, "order side missing");
	if (!decimal_ok(o->qty))
		return fail(why, whylen, "order quantity not a decimal");
	if (o->kind == VT_MARKET) {
		if (o->tif == VT_POST_ONLY)
			return fail(why, whylen, "a market order cannot be "
			    "post-only");
		type = "MARKET";
	} else if (limit) {
		if (!decimal_ok(o->price))
			return fail(why, whylen, "limit order without a "
			    "decimal price");
		if (o->tif == VT_POST_ONLY && !fut) {
			type = "LIMIT_MAKER";
		} else {
			type = "LIMIT";
			tif = tif_word(o->tif);
		}
	} else {
		return fail(why, whylen, "order type missing");
	}
	if (o->reduce_only && !fut)
		return fail(why, whylen, "reduce-only on a spot market");
	add_param(p, "symbol", o->symbol);
	add_param(p, "side", o->side == VT_BUY ? "BUY" : "SELL");
	add_param(p, "type", type);
	if (!fut && tif)
		add_param(p, "timeInForce", tif);
	add_param(p, "quantity", o->qty);
	if (limit)
		add_param(p, "price", o->price);
	if (fut && tif)
		add_param(p, "timeInForce", tif);
	if (o->reduce_only)
		add_param(p, "reduceOnly", "true");
	if (o->client_id)
		add_param(p, "newClientOrderId", o->client_id);
	if (!fut)
		add_param(p, "newOrderRespType", "RESULT");
	return 0;
}

/*
 * A symbol's trades from a trade id, or (the store has none) from a
 * time: the venue then answers 24 h from it (PROTOCOLS §3).
 */
static int
fills_since_params(const struct vt_order *o, struct buf *p, char *why,
    size_t whylen)
{
	char n[24];

	if (!o || !symbol_ok(o->symbol) || (o->from_id &&
	    !order_id_ok(o->from_id)) || (!o->from_id && o->start_ms <= 0) ||
	    o->limit < 0 || o->limit > FILLS_PAGE)
		return fail(why, whylen, "symbol, a trade id or a start time "
		    "missing");
	add_param(p, "symbol", o->symbol);
	if (o->from_id) {
		add_param(p, "fromId", o->from_id);
	} else {
		snprintf(n, sizeof n, "%lld", (long long)o->start_ms);
		add_param(p, "startTime", n);
	}
	snprintf(n, sizeof n, "%d", o->limit ? o->limit : FILLS_PAGE);
	add_param(p, "limit", n);
	return 0;
}

/* The parameters of a request before recvWindow and timestamp. */
static int
request_params(int fut, enum vt_what what, const struct vt_order *o,
    struct buf *p, char *why, size_t whylen)
{
	int need_id = what == VT_REQ_CANCEL || what == VT_REQ_QUERY;

	if (what == VT_REQ_NEW || need_id) {
		if (!o || !symbol_ok(o->symbol))
			return fail(why, whylen, "order symbol missing");
		if ((need_id && !o->client_id) ||
		    (o->client_id && !client_id_ok(fut, o->client_id)))
			return fail(why, whylen, "client id missing, too long "
			    "or outside the venue's characters");
	}
	if (what == VT_REQ_NEW)
		return new_order_params(fut, o, p, why, whylen);
	if (what == VT_REQ_TRADES) {
		if (!o || !symbol_ok(o->symbol) || !order_id_ok(o->order_id))
			return fail(why, whylen, "symbol or the venue's order "
			    "id missing");
		add_param(p, "symbol", o->symbol);
		add_param(p, "orderId", o->order_id);
		return 0;
	}
	if (what == VT_REQ_FILLS_SINCE)
		return fills_since_params(o, p, why, whylen);
	if (need_id) {
		add_param(p, "symbol", o->symbol);
		add_param(p, "origClientOrderId", o->client_id);
	} else if ((what == VT_REQ_OPEN || what == VT_REQ_POSITIONS) && o &&
	    o->symbol) {
		if (!symbol_ok(o->symbol))
			return fail(why, whylen, "symbol too long");
		add_param(p, "symbol", o->symbol);
	} else if (what == VT_REQ_BALANCES && !fut) {
		add_param(p, "omitZeroBalances", "true");
	}
	return 0;
}

/* Printable, no spaces: nothing that could end or split a header. */
static int
key_ok(const struct vt_keys *k)
{
	size_t i;

	if (!k || !k->key || k->key_len == 0 || k->key_len > 200)
		return 0;
	for (i = 0; i < k->key_len; i++)
		if (k->key[i] <= ' ' || k->key[i] > '~')
			return 0;
	return 1;
}

/* recvWindow, timestamp and the signature over everything before. */
static int
sign_params(const struct vt_keys *k, struct buf *p, int64_t ts_ms,
    int recv_window_ms)
{
	char hex[65];

	if (recv_window_ms > 0)
		buf_addf(p, "%srecvWindow=%d", p->len ? "&" : "",
		    recv_window_ms);
	buf_addf(p, "%stimestamp=%lld", p->len ? "&" : "",
	    (long long)ts_ms);
	if (buf_failed(p) || secret_hmac_hex(k->secret, k->secret_len, p->p,
	    p->len, hex) < 0)
		return -1;
	buf_addf(p, "&signature=%s", hex);
	return buf_failed(p) ? -1 : 0;
}

/* The URL, body and headers of a request whose parameters are p. */
static int
assemble(const struct venue_market *m, const struct bn_ep *e,
    const struct vt_keys *k, const struct buf *p, struct vt_req *r)
{
	int post = strcmp(e->method, "POST") == 0, n, h = 0;

	snprintf(r->method, sizeof r->method, "%s", e->method);
	n = snprintf(r->url, sizeof r->url, "%s%s%s%.*s", venue_rest_base(m),
	    e->path, p->len && !post ? "?" : "", post ? 0 : (int)p->len,
	    p->p ? p->p : "");
	if (n < 0 || (size_t)n >= sizeof r->url)
		return -1;
	if (post) {
		if (p->len >= sizeof r->body)
			return -1;
		memcpy(r->body, p->p ? p->p : "", p->len);
		r->body[p->len] = '\0';
	}
	if (e->sign)
		snprintf(r->headers[h++], VT_HEADER_LEN, "X-MBX-APIKEY: %.*s",
		    (int)k->key_len, k->key);
	if (post && p->len)
		snprintf(r->headers[h++], VT_HEADER_LEN, "Content-Type: "
		    "application/x-www-form-urlencoded");
	return 0;
}

static int
bn_build(const struct venue_market *m, enum vt_what what,
    const struct vt_keys *k, const struct vt_order *o, int64_t ts_ms,
    int recv_window_ms, const char *listen_key, struct vt_req *r,
    char *why, size_t whylen)
{
	int fut = is_futures(m), rc = -1;
	struct bn_ep e;
	struct buf p;

	(void)listen_key;	/* USD-M's PUT extends the account's key */
	memset(r, 0, sizeof *r);
	if (endpoint(fut, what, o, &e) < 0)
		return fail(why, whylen, "request not offered by this market");
	if (e.sign && !key_ok(k))
		return fail(why, whylen, "API key missing or not printable");
	buf_init(&p, PARAMS_MAX);
	if (e.sign == 2) {
		if (request_params(fut, what, o, &p, why, whylen) < 0)
			goto out;
		if (sign_params(k, &p, ts_ms, recv_window_ms) < 0) {
			fail(why, whylen, "request too long or signing failed");
			goto out;
		}
	}
	if (assemble(m, &e, k, &p, r) < 0) {
		fail(why, whylen, "request does not fit");
		goto out;
	}
	r->weight = e.weight;
	r->idempotent = what != VT_REQ_NEW && what != VT_REQ_CANCEL;
	rc = 0;
out:
	buf_free(&p);
	if (rc < 0)
		memset(r, 0, sizeof *r);
	return rc;
}


static int
spot_stream_plan(const struct vt_keys *k, int64_t ts_ms, int recv_window_ms,
    struct buf *url, struct buf *msgs)
{
	const char *base = getenv(BINANCE_WSAPI_ENV);
	struct buf p;
	char hex[65];
	int rc;

	if (!key_ok(k))
		return -1;
	buf_adds(url, base && *base ? base : BINANCE_WSAPI_DEFAULT);
	buf_adds(url, "/ws-api/v3");
	/* WebSocket API signing: every parameter but the signature,
	 * sorted by name, k=v joined by '&'. */
	buf_init(&p, PARAMS_MAX);
	buf_adds(&p, "apiKey=");
	buf_add(&p, k->key, k->key_len);
	if (recv_window_ms > 0)
		buf_addf(&p, "&recvWindow=%d", recv_window_ms);
	buf_addf(&p, "&timestamp=%lld", (long long)ts_ms);
	rc = buf_failed(&p) || secret_hmac_hex(k->secret, k->secret_len,
	    p.p, p.len, hex) < 0 ? -1 : 0;
	buf_free(&p);
	if (rc < 0)
		return -1;
	buf_adds(msgs, "{\"id\":\"subscribe\",\"method\":"
	    "\"userDataStream.subscribe.signature\",\"params\":{\"apiKey\":");
	buf_add_jstr(msgs, k->key, k->key_len);
	if (recv_window_ms > 0)
		buf_addf(msgs, ",\"recvWindow\":%d", recv_window_ms);
	buf_addf(msgs, ",\"timestamp\":%lld,\"signature\":\"%s\"}}",
	    (long long)ts_ms, hex);
	buf_addc(msgs, '\0');
	return buf_failed(url) || buf_failed(msgs) ? -1 : 0;
}

static int
bn_stream_plan(const struct venue_market *m, const struct vt_keys *k,
    int64_t ts_ms, int recv_window_ms, const char *listen_key,
    struct buf *url, struct buf *msgs)
{
	size_t i;

	if (!is_futures(m))
		return spot_stream_plan(k, ts_ms, recv_window_ms, url, msgs);
	if (!listen_key || !*listen_key || strlen(listen_key) > 100)
		return -1;
	for (i = 0; listen_key[i]; i++)
		if (!isalnum((unsigned char)listen_key[i]))
			return -1;
	buf_adds(url, venue_ws_base(m));
	buf_adds(url, "/ws/");
	buf_adds(url, listen_key);
	return buf_failed(url) ? -1 : 0;
}

const struct venue_trade binance_spot_trade = {
	.build = bn_build,
	.parse = binance_trade_parse,
	.stream_plan = bn_stream_plan,
	.stream_parse = binance_trade_stream_parse,
	.stream_ping = NULL,	/* the server pings; pongs are automatic */
	.stream_ping_ms = 0,
	.needs_listen_key = 0,
	.listen_keep_ms = 0,
	.order_n = SPOT_ORDERS,
	.order_ms = ORDERS_MS,
	.host_key = "binance-spot",
	.history_ms = 90LL * 86400000,
	.history_says = "Binance spot archives orders canceled "
	    "without a fill after 90 days",
	.fills_page = FILLS_PAGE,
	.fills_window_ms = 86400000,
	.fills_window_says = "Binance answers trades by time for 24 h "
	    "from the start",
};

const struct venue_trade binance_futures_trade = {
	.build = bn_build,
	.parse = binance_trade_parse,
	.stream_plan = bn_stream_plan,
	.stream_parse = binance_trade_stream_parse,
	.stream_ping = NULL,
	.stream_ping_ms = 0,
	.needs_listen_key = 1,
	.listen_keep_ms = LISTEN_KEEP_MS,
	.order_n = FUTURES_ORDERS,
	.order_ms = ORDERS_MS,
	.host_key = "binance-futures",
	.history_ms = 3LL * 86400000,
	.history_says = "Binance USD-M forgets orders canceled "
	    "without a fill after 3 days",
	.fills_page = FILLS_PAGE,
	.fills_window_ms = 86400000,
	.fills_window_says = "Binance answers trades by time for 24 h "
	    "from the start",
};
