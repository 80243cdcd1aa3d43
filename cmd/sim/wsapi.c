/*
 * wsapi.c: the Binance spot WebSocket API of mkt-sim, /ws-api/v3, as far
 * as the spot user data stream needs it: userDataStream.subscribe.signature
 * (params apiKey, timestamp, signature and an optional recvWindow; the
 * signature the HMAC-SHA256 of every other parameter, sorted by name,
 * joined k=v with &), userDataStream.unsubscribe and ping; then, wrapped
 * as {"subscriptionId":N,"event":{..}}, an executionReport for every
 * change of a spot order (NEW, each TRADE, CANCELED, EXPIRED) and an
 * outboundAccountPosition after fills.  --stream-fault loses events or
 * drops the streams, as on the other private streams.
 */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "prog/err.h"

#include "orders.h"

#define WSAPI_PARAMS 8

/* One request parameter as signed: its name and its text. */
struct wparam {
	char k[32];
	char v[SECRET_MAX + 1];
};

/* A WebSocket request for /ws-api/v3: 1 (c is one), 0 (another path). */
int
wsapi_target(struct sim *s, const char *path, struct conn *c)
{
	(void)s;
	if (strcmp(path, "/ws-api/v3") != 0)
		return 0;
	c->mk = MK_BN_SPOT;
	c->priv = PRIV_BN_SPOT;
	return 1;
}

/* "id":.. as the request gave it (a string, a number or null). */
static void
put_id(struct buf *b, const struct json_span *id)
{
	buf_adds(b, "{\"id\":");
	if (id && id->type == JSON_STRING && !id->escaped)
		buf_add_jstr(b, id->p, id->n);
	else if (id && id->type == JSON_NUMBER)
		buf_add(b, id->p, id->n);
	else
		buf_adds(b, "null");
}

static void
answer_error(struct conn *c, const struct json_span *id, unsigned status,
    int code, const char *msg)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	put_id(b, id);
	buf_addf(b, ",\"status\":%u,\"error\":", status);
	bn_error_body(b, code, msg);
	buf_addc(b, '}');
	conn_send_out(c);
}

/* status 200 with result (a JSON text) and the weight's rateLimits. */
static void
answer_ok(struct conn *c, const struct json_span *id, const char *result)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	put_id(b, id);
	buf_adds(b, ",\"status\":200,\"result\":");
	buf_adds(b, result);
	buf_adds(b, ",\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\","
	    "\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000,"
	    "\"count\":2}]}");
	conn_send_out(c);
}

static int
wparam_cmp(const void *a, const void *b)
{
	return strcmp(((const struct wparam *)a)->k,
	    ((const struct wparam *)b)->k);
}

/* The members of params as text, sorted by name: their count, or -1
 * (not strings or numbers, too many, too long). */
static int
read_params(const struct json_span *params, struct wparam *w)
{
	struct json_obj o;
	const char *why;
	size_t where;
	int i;

	if (!params || params->type != JSON_OBJECT ||
	    json_parse_object(params->p, params->n, &o, &why, &where) < 0 ||
	    o.n > WSAPI_PARAMS)
		return -1;
	for (i = 0; i < o.n; i++) {
		const struct json_span *k = &o.m[i].key, *v = &o.m[i].val;

		if (json_str_copy(k, w[i].k, sizeof w[i].k) < 0)
			return -1;
		if (v->type == JSON_STRING) {
			if (json_str_copy(v, w[i].v, sizeof w[i].v) < 0)
				return -1;
		} else if (v->type != JSON_NUMBER || v->n >= sizeof w[i].v)
			return -1;
		else
			snprintf(w[i].v, sizeof w[i].v, "%.*s", (int)v->n,
			    v->p);
	}
	qsort(w, (size_t)o.n, sizeof *w, wparam_cmp);
	return o.n;
}

static const char *
wparam_get(const struct wparam *w, int n, const char *k)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(w[i].k, k) == 0)
			return w[i].v;
	return NULL;
}

/* Does sig sign the parameters other than signature, k=v&k=v sorted? */
static int
signature_ok(struct sim *s, const struct wparam *w, int n, const char *sig)
{
	struct buf m;
	char want[65];
	int i, first = 1, ok;

	buf_init(&m, 1 << 16);
	for (i = 0; i < n; i++) {
		if (strcmp(w[i].k, "signature") == 0)
			continue;
		if (!first)
			buf_addc(&m, '&');
		buf_adds(&m, w[i].k);
		buf_addc(&m, '=');
		buf_adds(&m, w[i].v);
		first = 0;
	}
	if (buf_failed(&m) || secret_hmac_hex(s->cred.secret,
	    s->cred.secret_len, m.p, m.len, want) < 0)
		die("cannot compute a signature");
	buf_free(&m);
	ok = strlen(sig) == 64 && secret_sig_equal(sig, want);
	return ok;
}

/* The timestamp is inside recvWindow (as the REST endpoints check). */
static int
fresh(const char *ts_s, const char *rw_s)
{
	int64_t now = time_now_ms(), ts = strtoll(ts_s, NULL, 10);
	int64_t rw = rw_s ? strtoll(rw_s, NULL, 10) : 5000;

	if (ts >= 100000000000000LL)	/* microseconds */
		ts /= 1000;
	return ts < now + 1000 && now - ts <= rw;
}

/* userDataStream.subscribe.signature: the account's events on c. */
static void
subscribe(struct conn *c, const struct json_span *id,
    const struct json_span *params)
{
	struct sim *s = c->sim;
	struct wparam w[WSAPI_PARAMS];
	const char *key, *ts, *sig, *rw;
	char res[64];
	int n = read_params(params, w);

	key = n < 0 ? NULL : wparam_get(w, n, "apiKey");
	ts = n < 0 ? NULL : wparam_get(w, n, "timestamp");
	sig = n < 0 ? NULL : wparam_get(w, n, "signature");
	rw = n < 0 ? NULL : wparam_get(w, n, "recvWindow");
	if (!key || !ts || !sig || !*ts || strspn(ts, "0123456789") !=
	    strlen(ts) || (rw && (!*rw || strspn(rw, "0123456789") !=
	    strlen(rw) || strtoll(rw, NULL, 10) > 60000)))
		answer_error(c, id, 400, -1102, "Mandatory parameter was "
		    "not sent, was empty/null, or malformed.");
	else if (strlen(key) != s->cred.key_len ||
	    !secret_sig_equal(key, s->cred.key))
		answer_error(c, id, 401, -2015, "Invalid API-key, IP, or "
		    "permissions for action.");
	else if (!signature_ok(s, w, n, sig))
		answer_error(c, id, 400, -1022, "Signature for this request "
		    "is not valid.");
	else if (!fresh(ts, rw))
		answer_error(c, id, 400, -1021, "Timestamp for this request "
		    "is outside of the recvWindow.");
	else {
		/* one subscription per account and connection: a second
		 * subscribe keeps the first one's id */
		if (!c->subscribed) {
			c->sub_id = c->next_sub++;
			c->subscribed = 1;
		}
		snprintf(res, sizeof res, "{\"subscriptionId\":%u}",
		    c->sub_id);
		answer_ok(c, id, res);
	}
}

/* A request on /ws-api/v3. */
void
wsapi_control(struct conn *c, const char *p, size_t n)
{
	struct json_obj o;
	const char *why;
	size_t where;
	const struct json_span *id, *method;

	if (json_parse_object(p, n, &o, &why, &where) < 0) {
		answer_error(c, NULL, 400, -1100, "Illegal characters found "
		    "in a parameter.");
		return;
	}
	id = json_get(&o, "id");
	method = json_get(&o, "method");
	if (json_str_is(method, "userDataStream.subscribe.signature"))
		subscribe(c, id, json_get(&o, "params"));
	else if (json_str_is(method, "userDataStream.unsubscribe")) {
		c->subscribed = 0;
		answer_ok(c, id, "{}");
	} else if (json_str_is(method, "ping"))
		answer_ok(c, id, "{}");
	else
		answer_error(c, id, 400, -1100, "Illegal characters found "
		    "in parameter 'method'; legal range is "
		    "'userDataStream.subscribe.signature'.");
}

/* Send ev, wrapped, to every subscription (one --stream-fault draw). */
static void
to_subscriptions(struct sim *s, const struct buf *ev)
{
	struct conn *c;

	if (ustream_lose(s))
		return;
	for (c = s->conns; c; c = c->next) {
		if (c->priv != PRIV_BN_SPOT || !c->subscribed || c->close_now)
			continue;
		buf_reset(&s->out);
		buf_addf(&s->out, "{\"subscriptionId\":%u,\"event\":",
		    c->sub_id);
		buf_add(&s->out, ev->p, ev->len);
		buf_addc(&s->out, '}');
		ustream_send(s, c);
	}
}

static void
ks(struct buf *b, const char *k, const char *v)
{
	buf_addf(b, ",\"%s\":", k);
	buf_add_jstr(b, v, strlen(v));
}

static void
kamount(struct buf *b, const char *k, int64_t v)
{
	buf_addf(b, ",\"%s\":\"", k);
	put_amount(b, v, 8);
	buf_addc(b, '"');
}

static void
kpx(struct buf *b, struct sim *s, const char *k, const struct so_order *o,
    int64_t ticks)
{
	buf_addf(b, ",\"%s\":\"", k);
	if (ticks)
		put_px(b, s, o, ticks, 8);
	else
		put_amount(b, 0, 8);
	buf_addc(b, '"');
}

static const char *
spot_status(enum so_status st)
{
	static const char *w[] = { "NEW", "PARTIALLY_FILLED", "FILLED",
	    "CANCELED", "EXPIRED" };

	return w[st];
}

/* The order's own fields of an executionReport, "e" to "r". */
static void
report_order(struct buf *b, struct sim *s, const struct so_order *o,
    const char *x, enum so_status st, int64_t now)
{
	static const char *tif[] = { "GTC", "IOC", "FOK", "GTC" };
	int maker_only = o->tif == SO_POST_ONLY;

	buf_addf(b, "{\"e\":\"executionReport\",\"E\":%lld",
	    (long long)now);
	ks(b, "s", o->symbol);
	ks(b, "c", o->client_id);
	ks(b, "S", o->side == SO_BUY ? "BUY" : "SELL");
	ks(b, "o", o->type == SO_MARKET ? "MARKET" : maker_only ?
	    "LIMIT_MAKER" : "LIMIT");
	ks(b, "f", tif[o->tif]);
	kamount(b, "q", o->qty);
	kpx(b, s, "p", o, o->type == SO_LIMIT ? o->px : 0);
	kamount(b, "P", 0);
	kamount(b, "F", 0);
	buf_adds(b, ",\"g\":-1");
	/* a cancel's own client id is not kept: c and C both name the
	 * order, so that either finds it */
	ks(b, "C", strcmp(x, "CANCELED") == 0 ? o->client_id : "");
	ks(b, "x", x);
	ks(b, "X", spot_status(st));
	ks(b, "r", "NONE");
	buf_addf(b, ",\"i\":%llu", (unsigned long long)o->order_id);
}

/*
 * One executionReport of o: execution type x, status st, the fill f
 * (NULL: none) with the cumulative quantity and quote up to it.
 */
static void
execution_report(struct sim *s, struct buf *b, const struct so_order *o,
    const char *x, enum so_status st, const struct so_fill *f,
    int64_t cum, int64_t cum_quote)
{
	char qa[SO_ASSET_MAX];
	int64_t now = time_now_ms();

	so_assets(o->symbol, qa, NULL);
	buf_reset(b);
	report_order(b, s, o, x, st, now);
	kamount(b, "l", f ? f->qty : 0);
	kamount(b, "z", cum);
	kpx(b, s, "L", o, f ? f->px : 0);
	kamount(b, "n", f ? f->fee : 0);
	if (f)
		ks(b, "N", qa);
	else
		buf_adds(b, ",\"N\":null");
	buf_addf(b, ",\"T\":%lld,\"t\":%lld,\"I\":%llu",
	    (long long)(f ? f->time : now),
	    f ? (long long)f->trade_id : -1LL,
	    (unsigned long long)++s->exec_id);
	buf_adds(b, o->type == SO_LIMIT && o->tif != SO_IOC &&
	    o->tif != SO_FOK && (st == SO_NEW || st == SO_PARTIAL) ?
	    ",\"w\":true" : ",\"w\":false");
	buf_adds(b, f && f->maker ? ",\"m\":true" : ",\"m\":false");
	buf_addf(b, ",\"M\":false,\"O\":%lld", (long long)o->created);
	kamount(b, "Z", cum_quote);
	kamount(b, "Y", f ? f->quote : 0);
	kamount(b, "Q", 0);
	buf_addf(b, ",\"W\":%lld,\"V\":\"NONE\"}", (long long)o->created);
	to_subscriptions(s, b);
}

static void
asset_item(struct buf *b, struct sim *s, const char *asset, int first)
{
	buf_adds(b, first ? "{\"a\":" : ",{\"a\":");
	buf_add_jstr(b, asset, strlen(asset));
	kamount(b, "f", so_balance(&s->eng, MK_BN_SPOT, 0, asset));
	kamount(b, "l", 0);
	buf_addc(b, '}');
}

/* outboundAccountPosition: the balances of o's two assets. */
static void
account_position(struct sim *s, struct buf *b, const struct so_order *o)
{
	char qa[SO_ASSET_MAX], ba[SO_ASSET_MAX];
	int64_t now = time_now_ms();

	so_assets(o->symbol, qa, ba);
	buf_reset(b);
	buf_addf(b, "{\"e\":\"outboundAccountPosition\",\"E\":%lld,"
	    "\"u\":%lld,\"B\":[", (long long)now, (long long)now);
	asset_item(b, s, ba, 1);
	asset_item(b, s, qa, 0);
	buf_adds(b, "]}");
	to_subscriptions(s, b);
}

int
wsapi_has_subscriptions(const struct sim *s)
{
	const struct conn *c;

	for (c = s->conns; c; c = c->next)
		if (c->priv == PRIV_BN_SPOT && c->subscribed)
			return 1;
	return 0;
}

/* The events of o's changes: NEW unless announced, a TRADE per fill
 * from fill `from`, the balances after them, and a close. */
void
wsapi_events(struct sim *s, const struct so_order *o, int announced,
    size_t from)
{
	struct buf ev;
	int64_t cum = 0, cq = 0;
	size_t i;

	buf_init(&ev, 1 << 20);
	if (!announced)
		execution_report(s, &ev, o, "NEW", SO_NEW, NULL, 0, 0);
	for (i = 0; i < o->nfills; i++) {
		cum += o->fills[i].qty;
		cq += o->fills[i].quote;
		if (i >= from)
			execution_report(s, &ev, o, "TRADE", cum == o->qty ?
			    SO_FILLED : SO_PARTIAL, &o->fills[i], cum, cq);
	}
	if (o->nfills > from)
		account_position(s, &ev, o);
	if (o->status == SO_CANCELED || o->status == SO_EXPIRED)
		execution_report(s, &ev, o, o->status == SO_CANCELED ?
		    "CANCELED" : "EXPIRED", o->status, NULL, o->filled,
		    o->quote_filled);
	if (buf_failed(&ev))
		die_nomem();
	buf_free(&ev);
}
