/*
 * rest.c: the REST endpoints (Binance depth, ping, time; Bybit
 * orderbook, time; the instrument lists, instruments.c), --rest-429/--rest-418, and sending the answers.
 */


#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"
#include "prog/err.h"

#include "sim.h"

/* ---------------------------------------------------------------- */
/* REST */

/* Send the status, headers and c->body (which the caller filled). */
int
http_send(struct lws *wsi, struct conn *c, unsigned status,
    const struct hdr *h, size_t nh)
{
	unsigned char hb[LWS_PRE + 2048];
	unsigned char *start = hb + LWS_PRE, *p = start;
	unsigned char *end = hb + sizeof hb - 1;
	size_t i;

	if (buf_failed(&c->body))
		die("cannot render a response: %s",
		    strerror(buf_failed(&c->body)));
	if (lws_add_http_common_headers(wsi, status, "application/json",
	    c->body.len, &p, end))
		return -1;
	for (i = 0; i < nh; i++)
		if (lws_add_http_header_by_name(wsi,
		    (const unsigned char *)h[i].name,
		    (const unsigned char *)h[i].val, (int)strlen(h[i].val),
		    &p, end))
			return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	c->body_off = 0;
	c->body_busy = 1;
	lws_callback_on_writable(wsi);
	return 0;
}

int
http_writeable(struct sim *s, struct lws *wsi, struct conn *c)
{
	size_t n = c->body.len - c->body_off;
	int last = n <= HTTP_CHUNK;

	if (!c->body_busy)
		return 0;
	if (!last)
		n = HTTP_CHUNK;
	/* An empty body (an empty /sim/orders) has no buffer yet. */
	if (n)
		memcpy(s->chunk + LWS_PRE, c->body.p + c->body_off, n);
	if (lws_write(wsi, s->chunk + LWS_PRE, n,
	    last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
		return -1;
	c->body_off += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	c->body_busy = 0;
	buf_reset(&c->body);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* A URL argument, or NULL. */
static const char *
url_arg(struct sim *s, struct lws *wsi, const char *name)
{
	return lws_get_urlarg_by_name(wsi, name, s->arg, ARG_MAX);
}

/* The limit argument: 1..20 digits, at least 1; -1 when malformed. */
static long
parse_limit(const char *v, long dflt)
{
	long n = 0;
	size_t i;

	if (!v)
		return dflt;
	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' || i >= 9)
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return i && n > 0 ? n : -1;
}

/* USD-M futures takes these limits only; anything else is -1130. */
static int
fut_limit_ok(long limit)
{
	static const long ok[] = { 5, 10, 20, 50, 100, 500, 1000 };
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (limit == ok[i])
			return 1;
	return 0;
}

static int64_t
bn_weight(int api, long limit)
{
	if (api == API_SPOT)
		return limit <= 100 ? 5 : limit <= 500 ? 25 :
		    limit <= 1000 ? 50 : 250;
	return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
}

void
bn_error_body(struct buf *b, int code, const char *msg)
{
	put_key_int(b, "{\"code\":", code);
	buf_adds(b, ",\"msg\":");
	buf_add_jstr(b, msg, strlen(msg));
	buf_addc(b, '}');
}

static unsigned
bn_bad_request(struct conn *c, int code, const char *msg)
{
	bn_error_body(&c->body, code, msg);
	return 400;
}

/* The body of GET /api/v3/depth or /fapi/v1/depth, or an error; the
 * HTTP status and the request's weight. */
static unsigned
bn_depth(struct sim *s, struct lws *wsi, struct conn *c, int api,
    int64_t *weight)
{
	enum mk mk = api == API_SPOT ? MK_BN_SPOT : MK_BN_FUT;
	long limit;
	const char *sym = url_arg(s, wsi, "symbol=");
	struct inst *in;

	if (!sym || !*sym)
		return bn_bad_request(c, -1102, "Mandatory parameter 'symbol' "
		    "was not sent, was empty/null, or malformed.");
	in = find_inst(s, mk, sym, strlen(sym));
	if (!in || strcmp(in->sm->p.symbol, sym) != 0)
		return bn_bad_request(c, -1121, "Invalid symbol.");
	limit = parse_limit(url_arg(s, wsi, "limit="),
	    api == API_SPOT ? 100 : 500);
	if (limit < 0)
		return bn_bad_request(c, -1100, "Illegal characters found in "
		    "parameter 'limit'; legal range is '^[0-9]{1,20}$'.");
	if (api == API_FUT && !fut_limit_ok(limit))
		return bn_bad_request(c, -1130, "Data sent for parameter "
		    "'limit' is not valid.");
	if (limit > 5000)
		limit = 5000;	/* spot: up to 5000, more returns 5000 */
	*weight = bn_weight(api, limit);
	put_key_int(&c->body, "{\"lastUpdateId\":",
	    (int64_t)in->sm->last_id);
	if (api == API_FUT) {
		put_key_int(&c->body, ",\"E\":", ev_time(in->sm->time));
		put_key_int(&c->body, ",\"T\":", ev_time(in->sm->time));
	}
	buf_adds(&c->body, ",\"bids\":");
	put_top(&c->body, in, &in->sm->bid, (size_t)limit);
	buf_adds(&c->body, ",\"asks\":");
	put_top(&c->body, in, &in->sm->ask, (size_t)limit);
	buf_addc(&c->body, '}');
	return 200;
}

void
by_envelope(struct buf *b, int code, const char *msg)
{
	put_key_int(b, "{\"retCode\":", code);
	buf_adds(b, ",\"retMsg\":");
	buf_add_jstr(b, msg, strlen(msg));
	buf_adds(b, ",\"result\":");
}

void
by_envelope_end(struct buf *b)
{
	put_key_int(b, ",\"retExtInfo\":{},\"time\":", time_now_ms());
	buf_addc(b, '}');
}

static unsigned
by_error(struct conn *c, const char *msg)
{
	by_envelope(&c->body, 10001, msg);
	buf_adds(&c->body, "{}");
	by_envelope_end(&c->body);
	return 200;
}

/* GET /v5/market/orderbook?category=linear|spot&symbol=S&limit=N */
static unsigned
by_orderbook(struct sim *s, struct lws *wsi, struct conn *c)
{
	const char *cat = url_arg(s, wsi, "category=");
	enum mk mk;
	const char *sym;
	struct inst *in;
	long limit;
	int64_t now;

	if (cat && strcmp(cat, "linear") == 0)
		mk = MK_BY_LINEAR;
	else if (cat && strcmp(cat, "spot") == 0)
		mk = MK_BY_SPOT;
	else
		return by_error(c, "Illegal category");
	sym = url_arg(s, wsi, "symbol=");
	in = sym ? find_inst(s, mk, sym, strlen(sym)) : NULL;
	if (!in || strcmp(in->sm->p.symbol, sym) != 0)
		return by_error(c, "The requested symbol is invalid.");
	limit = parse_limit(url_arg(s, wsi, "limit="),
	    mk == MK_BY_SPOT ? 1 : 25);
	if (limit < 0)
		return by_error(c, "Invalid limit");
	if (limit > 1000)
		limit = 1000;
	now = ev_time(in->sm->time);
	by_envelope(&c->body, 0, "OK");
	put_symbol(&c->body, "{\"s\":", in);
	buf_adds(&c->body, ",\"b\":");
	put_top(&c->body, in, &in->sm->bid, (size_t)limit);
	buf_adds(&c->body, ",\"a\":");
	put_top(&c->body, in, &in->sm->ask, (size_t)limit);
	put_key_int(&c->body, ",\"ts\":", now);
	put_key_int(&c->body, ",\"u\":", (int64_t)in->sm->last_id);
	put_key_int(&c->body, ",\"seq\":", (int64_t)in->sm->seq);
	put_key_int(&c->body, ",\"cts\":", now);
	buf_addc(&c->body, '}');
	by_envelope_end(&c->body);
	return 200;
}

enum rest_ep { EP_DEPTH, EP_PING, EP_TIME, EP_BY_BOOK, EP_BY_TIME,
    EP_BN_INFO, EP_BY_INFO, EP_PM_BOOK };

static const struct {
	const char *path;
	enum rest_ep ep;
	int api;
	enum mk mk;
} rest_paths[] = {
	{ "/api/v3/depth", EP_DEPTH, API_SPOT, MK_BN_SPOT },
	{ "/api/v3/ping", EP_PING, API_SPOT, MK_BN_SPOT },
	{ "/api/v3/time", EP_TIME, API_SPOT, MK_BN_SPOT },
	{ "/api/v3/exchangeInfo", EP_BN_INFO, API_SPOT, MK_BN_SPOT },
	{ "/fapi/v1/depth", EP_DEPTH, API_FUT, MK_BN_FUT },
	{ "/fapi/v1/ping", EP_PING, API_FUT, MK_BN_FUT },
	{ "/fapi/v1/time", EP_TIME, API_FUT, MK_BN_FUT },
	{ "/fapi/v1/exchangeInfo", EP_BN_INFO, API_FUT, MK_BN_FUT },
	{ "/v5/market/orderbook", EP_BY_BOOK, API_BYBIT, MK_BY_LINEAR },
	{ "/v5/market/time", EP_BY_TIME, API_BYBIT, MK_BY_LINEAR },
	{ "/v5/market/instruments-info", EP_BY_INFO, API_BYBIT,
	  MK_BY_LINEAR },
	{ "/book", EP_PM_BOOK, API_PM, MK_PM_CLOB },
};

/* --rest-429 then --rest-418: the status of this request, or 0. */
static unsigned
rest_fault(struct sim *s, struct conn *c, int api, struct hdr *h)
{
	const struct opts *o = s->o;
	unsigned st;

	if (s->rest_faulted >= o->rest_429 + o->rest_418)
		return 0;
	st = s->rest_faulted < o->rest_429 ? 429 : 418;
	s->rest_faulted++;
	h->name = "retry-after:";
	snprintf(h->val, sizeof h->val, "%ld", o->retry_after);
	if (api == API_BYBIT) {
		by_envelope(&c->body, 10006, "Too many visits!");
		buf_adds(&c->body, "{}");
		by_envelope_end(&c->body);
	} else if (st == 429) {
		bn_error_body(&c->body, -1003, "Too many requests; current "
		    "limit of IP(127.0.0.1) request weight per minute is "
		    "6000. Please use WebSocket Streams for live updates to "
		    "avoid polling the API.");
	} else {
		bn_error_body(&c->body, -1003, "Way too many requests; IP "
		    "banned. Please use WebSocket Streams for live updates "
		    "to avoid bans.");
	}
	return st;
}

static unsigned
rest_answer(struct sim *s, struct lws *wsi, struct conn *c, size_t ep,
    int64_t *weight)
{
	struct buf *b = &c->body;
	int api = rest_paths[ep].api;

	switch (rest_paths[ep].ep) {
	case EP_DEPTH:
		return bn_depth(s, wsi, c, api, weight);
	case EP_PING:
		*weight = 1;
		buf_adds(b, "{}");
		return 200;
	case EP_TIME:
		*weight = 1;
		put_key_int(b, "{\"serverTime\":", time_now_ms());
		buf_addc(b, '}');
		return 200;
	case EP_BY_BOOK:
		return by_orderbook(s, wsi, c);
	case EP_BN_INFO:
		return sim_bn_exchange_info(s, wsi, c, api, weight);
	case EP_BY_INFO:
		return sim_by_instruments(s, wsi, c);
	case EP_PM_BOOK:
		return pm_rest_book(s, wsi, c);
	default:
		by_envelope(b, 0, "OK");
		put_key_int(b, "{\"timeSecond\":\"", time_now_ms() / 1000);
		put_key_int(b, "\",\"timeNano\":\"", time_now_ms() * 1000000);
		buf_adds(b, "\"}");
		by_envelope_end(b);
		return 200;
	}
}

int
http_request(struct sim *s, struct lws *wsi, struct conn *c, const char *path)
{
	struct hdr h[3];
	size_t i, nh = 0;
	unsigned st = 0;
	int64_t weight = 0, used;
	struct ipw *e;
	char ip[64];

	s->rest_n++;
	buf_reset(&c->body);
	if (orders_path(path) >= 0)
		return orders_request(s, wsi, c, path);
	c->ord = 0;
	for (i = 0; i < sizeof rest_paths / sizeof rest_paths[0]; i++)
		if (strcmp(path, rest_paths[i].path) == 0 &&
		    (rest_paths[i].api == API_BYBIT ||
		    (s->o->markets & (1u << rest_paths[i].mk))))
			break;
	if (i == sizeof rest_paths / sizeof rest_paths[0]) {
		bn_error_body(&c->body, -1, "Not found.");
		return http_send(wsi, c, 404, h, 0);
	}
	if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
		bn_error_body(&c->body, -1, "Method not allowed.");
		return http_send(wsi, c, 405, h, 0);
	}
	st = rest_fault(s, c, rest_paths[i].api, &h[0]);
	if (st)
		nh = 1;
	else
		st = rest_answer(s, wsi, c, i, &weight);
	if (rest_paths[i].api == API_SPOT || rest_paths[i].api == API_FUT) {
		lws_get_peer_simple(wsi, ip, sizeof ip);
		e = weight_of(s, ip, rest_paths[i].api);
		if (st == 200) {
			st = weight_limit(s, c, e, weight, st, &h[nh]);
			if (st != 200) {
				nh++;
				weight = 0;
			}
		}
		used = weight_add(s, e, weight);
		h[nh].name = "x-mbx-used-weight-1m:";
		snprintf(h[nh].val, sizeof h[nh].val, "%lld", (long long)used);
		nh++;
	}
	/* --wait-snapshots counts the order books served. */
	if (st == 200 && (rest_paths[i].ep == EP_DEPTH ||
	    rest_paths[i].ep == EP_BY_BOOK || rest_paths[i].ep == EP_PM_BOOK))
		s->snapshots++;
	if (s->o->verbose)
		warn("rest %s: %u, weight %lld", path, st, (long long)weight);
	return http_send(wsi, c, st, h, nh);
}
