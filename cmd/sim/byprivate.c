/*
 * byprivate.c: Bybit's private WebSocket of mkt-sim, /v5/private:
 * {"op":"auth","args":[key, expires, signature]} with the signature the
 * HMAC-SHA256 of "GET/realtime" + expires, then {"op":"subscribe"} to
 * order, execution, position and wallet (or their .linear / .spot
 * forms), and {"op":"ping"} answered with a pong.  The unified account
 * of linear and spot tells its changes on the topics subscribed.
 */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "prog/err.h"

#include "orders.h"

enum { T_ORDER = 1, T_EXEC = 2, T_POS = 4, T_WALLET = 8 };

/* A WebSocket request for /v5/private: 1 (c is one), 0 (another path). */
int
byprivate_target(struct sim *s, const char *path, struct conn *c)
{
	if (strcmp(path, "/v5/private") != 0)
		return 0;
	c->mk = s->o->markets & (1u << MK_BY_LINEAR) ? MK_BY_LINEAR :
	    MK_BY_SPOT;
	c->priv = PRIV_BYBIT;
	return 1;
}

/* The reply to op (auth, subscribe): success or not. */
static void
reply(struct conn *c, const char *op, int ok, const char *msg,
    const struct json_span *req_id)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	buf_adds(b, ok ? "{\"success\":true" : "{\"success\":false");
	buf_adds(b, ",\"ret_msg\":");
	buf_add_jstr(b, msg, strlen(msg));
	buf_adds(b, ",\"op\":");
	buf_add_jstr(b, op, strlen(op));
	buf_addf(b, ",\"conn_id\":\"sim-%llu\"", (unsigned long long)c->id);
	if (req_id && req_id->type == JSON_STRING && !req_id->escaped) {
		buf_adds(b, ",\"req_id\":");
		buf_add_jstr(b, req_id->p, req_id->n);
	}
	buf_addc(b, '}');
	conn_send_out(c);
}

static void
auth(struct conn *c, const struct json_span *args)
{
	struct sim *s = c->sim;
	struct json_iter it;
	struct json_span v[3];
	char key[SECRET_MAX + 1], exp[32], sig[80], want[65], msg[64];
	int64_t e;
	int n = 0;

	json_iter_init(&it, args);
	while (n < 3 && json_next(&it, &v[n]) > 0)
		n++;
	if (n < 3 || v[0].type != JSON_STRING || v[2].type != JSON_STRING ||
	    json_str_copy(&v[0], key, sizeof key) < 0 ||
	    json_str_copy(&v[2], sig, sizeof sig) < 0 ||
	    (v[1].type != JSON_NUMBER && v[1].type != JSON_STRING) ||
	    v[1].n >= sizeof exp) {
		reply(c, "auth", 0, "Params Error", NULL);
		return;
	}
	/* expires as a number or a string of digits: p/n are its digits */
	snprintf(exp, sizeof exp, "%.*s", (int)v[1].n, v[1].p);
	e = strtoll(exp, NULL, 10);
	n = snprintf(msg, sizeof msg, "GET/realtime%s", exp);
	if (secret_hmac_hex(s->cred.secret, s->cred.secret_len, msg,
	    (size_t)n, want) < 0)
		die("cannot compute a signature");
	if (strlen(key) != s->cred.key_len ||
	    !secret_sig_equal(key, s->cred.key))
		reply(c, "auth", 0, "API key is invalid.", NULL);
	else if (e <= time_now_ms())
		reply(c, "auth", 0, "Params Error", NULL);
	else if (strlen(sig) != 64 || !secret_sig_equal(sig, want))
		reply(c, "auth", 0, "Invalid sign", NULL);
	else {
		c->authed = 1;
		reply(c, "auth", 1, "", NULL);
	}
}

/* The topic bits of one subscribe argument, 0 when unknown. */
static unsigned
topic_bits(const char *t)
{
	static const struct {
		const char *name;
		unsigned bit;
	} topics[] = {
		{ "order", T_ORDER }, { "execution", T_EXEC },
		{ "position", T_POS }, { "wallet", T_WALLET },
	};
	size_t i, n;

	for (i = 0; i < sizeof topics / sizeof topics[0]; i++) {
		n = strlen(topics[i].name);
		if (strncmp(t, topics[i].name, n) == 0 && (t[n] == '\0' ||
		    strcmp(t + n, ".linear") == 0 ||
		    strcmp(t + n, ".spot") == 0))
			return topics[i].bit;
	}
	return 0;
}

static void
subscribe(struct conn *c, const struct json_span *args,
    const struct json_span *req_id)
{
	struct json_iter it;
	struct json_span v;
	char t[64];
	unsigned bits = 0, b;

	if (!c->authed) {
		reply(c, "subscribe", 0, "Request not authorized", req_id);
		return;
	}
	json_iter_init(&it, args);
	while (json_next(&it, &v) > 0) {
		if (v.type != JSON_STRING ||
		    json_str_copy(&v, t, sizeof t) < 0 || !(b = topic_bits(t))) {
			reply(c, "subscribe", 0, "error:handler not found",
			    req_id);
			return;
		}
		bits |= b;
	}
	c->topics |= bits;
	reply(c, "subscribe", 1, "", req_id);
}

/* A message from a /v5/private client. */
void
byprivate_control(struct conn *c, const char *p, size_t n)
{
	struct json_obj o;
	const char *why;
	size_t where;
	const struct json_span *op, *args, *req_id;
	struct buf *b = &c->sim->out;

	if (json_parse_object(p, n, &o, &why, &where) < 0) {
		reply(c, "", 0, "Params Error", NULL);
		return;
	}
	op = json_get(&o, "op");
	args = json_get(&o, "args");
	req_id = json_get(&o, "req_id");
	if (json_str_is(op, "ping")) {
		buf_reset(b);
		buf_adds(b, "{");
		if (req_id && req_id->type == JSON_STRING &&
		    !req_id->escaped) {
			buf_adds(b, "\"req_id\":");
			buf_add_jstr(b, req_id->p, req_id->n);
			buf_addc(b, ',');
		}
		buf_addf(b, "\"op\":\"pong\",\"args\":[\"%lld\"],"
		    "\"conn_id\":\"sim-%llu\"}", (long long)time_now_ms(),
		    (unsigned long long)c->id);
		conn_send_out(c);
	} else if (json_str_is(op, "auth") && args &&
	    args->type == JSON_ARRAY)
		auth(c, args);
	else if (json_str_is(op, "subscribe") && args &&
	    args->type == JSON_ARRAY)
		subscribe(c, args, req_id);
	else
		reply(c, "", 0, "Params Error", req_id);
}

/* Send the scratch buffer to the private streams subscribed to bit. */
static void
to_subscribers(struct sim *s, unsigned bit)
{
	struct conn *c;

	if (ustream_lose(s))
		return;
	for (c = s->conns; c; c = c->next)
		if (c->priv == PRIV_BYBIT && (c->topics & bit) &&
		    !c->close_now)
			ustream_send(s, c);
}

static void
topic_begin(struct buf *b, const char *topic)
{
	buf_reset(b);
	buf_addf(b, "{\"id\":\"sim-%lld\",\"topic\":\"%s\","
	    "\"creationTime\":%lld,\"data\":[", (long long)time_now_us(),
	    topic, (long long)time_now_ms());
}

static const char *
category(const struct so_order *o)
{
	return o->market == MK_BY_SPOT ? "spot" : "linear";
}

/* The messages of o's changes: its state on order, its new fills (from
 * fill `from`) on execution, then position and wallet. */
void
byprivate_events(struct sim *s, const struct so_order *o, size_t from)
{
	struct buf *b = &s->out;
	struct inst *in;
	size_t i;

	topic_begin(b, "order");
	by_order_item(b, s, o, category(o));
	buf_adds(b, "]}");
	to_subscribers(s, T_ORDER);
	if (o->nfills <= from)
		return;
	topic_begin(b, "execution");
	for (i = from; i < o->nfills; i++) {
		if (i > from)
			buf_addc(b, ',');
		by_exec_item(b, s, o, &o->fills[i], s->eng.fee_ppm,
		    category(o));
	}
	buf_adds(b, "]}");
	to_subscribers(s, T_EXEC);
	in = find_inst(s, (enum mk)o->market, o->symbol, strlen(o->symbol));
	if (o->market == MK_BY_LINEAR && in) {
		topic_begin(b, "position");
		buf_adds(b, "{\"category\":\"linear\",");
		by_position_item(b, in, so_position(&s->eng, MK_BY_LINEAR,
		    o->symbol), o->symbol);
		buf_adds(b, "]}");
		to_subscribers(s, T_POS);
	}
	topic_begin(b, "wallet");
	buf_adds(b, "{\"accountType\":\"UNIFIED\",\"coin\":[{\"coin\":\"USDT\","
	    "\"walletBalance\":\"");
	put_amount(b, so_balance(&s->eng, MK_BY_LINEAR, 1, "USDT") +
	    so_balance(&s->eng, MK_BY_SPOT, 0, "USDT") - SO_START_QUOTE, -1);
	buf_adds(b, "\"}]}]}");
	to_subscribers(s, T_WALLET);
}
