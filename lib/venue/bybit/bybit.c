/*
 * bybit: Bybit v5 messages to mkt events (see bybit.h).
 *
 * One pass (norm.h, norm_run): json_parse_object_nested() records
 * the members of the message and of its "data" object in one scan,
 * leaving the level arrays to norm_put_levels(), which validates and
 * copies them in one walk.  When that pass does not take a message, the
 * plain pass decides it: json_parse_object() of the message, then of its
 * "data" (or a REST reply's "result") object as an object of its own.
 * Each trade of a publicTrade array is scanned as an object of its own.
 * Events are written straight into the output buffer while their fields
 * are checked, and the first bad field rolls the buffer back to where it
 * was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bybit.h"
#include "venue/norm.h"
#include "base/fixed.h"
#include "base/json.h"

/* The longest symbol accepted, in bytes. */
#define BY_SYMBOL_MAX 63

/* One message on its way through. */
struct by {
	struct norm nm;	/* kind, out, why: see norm.h */
	const char *market;
	int64_t recv_us;
	char topic[96];
	char sym[BY_SYMBOL_MAX + 1];
	struct json_nested *nest;	/* fast pass: the "data" object */
};

/* The shared field readers and writers, on this message. */
#define by_fail(m, ...) norm_fail(&(m)->nm, __VA_ARGS__)
#define by_need(m, o, k) norm_need(&(m)->nm, o, k)
#define by_int(m, o, k, v) norm_int(&(m)->nm, o, k, v)
#define by_key(m, n) norm_key(&(m)->nm, n)
#define by_put_int(m, n, v) norm_put_int(&(m)->nm, n, v)
#define by_put_dec(m, n, o, k) norm_put_dec(&(m)->nm, n, o, k)
#define by_put_levels(m, n, o, k) norm_put_levels(&(m)->nm, n, o, k)
#define by_decimal norm_decimal
#define by_fx_reason norm_fx_reason

/* How much of an error text from the exchange a reason quotes. */
#define BY_MSG_MAX 200
/* The longest trade id accepted (Bybit's are UUIDs or 19 digits). */
#define BY_ID_MAX 127

/* The object's "s" into m->sym. */
static int
by_symbol(struct by *m, const struct json_obj *o)
{
	const struct json_span *s = by_need(m, o, "s");

	if (!s)
		return -1;
	if (s->type != JSON_STRING)
		return by_fail(m, "field 's' is not a string");
	if (json_str_copy(s, m->sym, sizeof m->sym) <= 0)
		return by_fail(m, "field 's' is not a symbol");
	return 0;
}

/* {"type":T,"venue":"bybit","market":M,"symbol":S,"time":t[,"recv":R] */
static void
by_head(struct by *m, const char *type, int64_t time)
{
	buf_add(m->nm.out, "{\"type\":\"", 9);
	buf_adds(m->nm.out, type);
	buf_adds(m->nm.out, "\",\"venue\":\"bybit\",\"market\":");
	buf_add_jstr(m->nm.out, m->market, strlen(m->market));
	by_key(m, "symbol");
	buf_add_jstr(m->nm.out, m->sym, strlen(m->sym));
	by_put_int(m, "time", time);
	if (m->recv_us >= 0)
		by_put_int(m, "recv", m->recv_us);
}

/* Parse a nested object span (already validated with its message). */
static int
by_parse(struct by *m, const struct json_span *v, const char *key,
    struct json_obj *o)
{
	const char *reason;
	size_t at;

	if (v->type != JSON_OBJECT)
		return by_fail(m, "field '%s' is not an object", key);
	if (json_parse_object(v->p, v->n, o, &reason, &at) < 0)
		return by_fail(m, "field '%s': %s", key, reason);
	return 0;
}

/*
 * A book (o is the "data" of a WebSocket message or the "result" of a
 * REST reply): snapshot or depth at the given time.
 */
static int
by_book(struct by *m, const struct json_obj *o, int delta, int64_t time)
{
	int64_t u, seq;
	int has_seq = json_get(o, "seq") != NULL;

	if (by_symbol(m, o) < 0 || by_int(m, o, "u", &u) < 0 ||
	    (has_seq && by_int(m, o, "seq", &seq) < 0))
		return -1;
	by_head(m, delta ? "depth" : "snapshot", time);
	if (delta)
		by_put_int(m, "first_id", u);
	by_put_int(m, "last_id", u);
	if (has_seq)
		by_put_int(m, "seq", seq);
	if (by_put_levels(m, "bids", o, "b") < 0 ||
	    by_put_levels(m, "asks", o, "a") < 0)
		return -1;
	buf_add(m->nm.out, "}\n", 2);
	return 1;
}

/* orderbook.{depth}.{SYMBOL}: o is the message, reused for its data. */
static int
by_orderbook(struct by *m, struct json_obj *o)
{
	const struct json_span *type, *data;
	struct json_span d;
	int64_t ts;
	int delta;

	type = by_need(m, o, "type");
	if (!type)
		return -1;
	if (json_str_is(type, "snapshot"))
		delta = 0;
	else if (json_str_is(type, "delta"))
		delta = 1;
	else
		return by_fail(m, "unknown type '%.*s'",
		    type->n > 20 ? 20 : (int)type->n, type->p);
	if (by_int(m, o, "ts", &ts) < 0)
		return -1;
	data = by_need(m, o, "data");
	if (!data)
		return -1;
	if (m->nm.fast) {
		/* Recorded in the message's scan (or the plain pass). */
		if (data->type != JSON_OBJECT || data->p != m->nest->at)
			return -1;
		return by_book(m, &m->nest->obj, delta, ts);
	}
	/* The spans point into the message, not into o. */
	d = *data;
	if (by_parse(m, &d, "data", o) < 0)
		return -1;
	return by_book(m, o, delta, ts);
}

/* One item of a publicTrade message. */
static int
by_trade(struct by *m, const struct json_obj *o)
{
	const struct json_span *id, *side;
	char idbuf[BY_ID_MAX + 1];
	int64_t time;
	int n;

	if (by_symbol(m, o) < 0 || by_int(m, o, "T", &time) < 0)
		return -1;
	id = by_need(m, o, "i");
	if (!id)
		return -1;
	if (id->type != JSON_STRING)
		return by_fail(m, "field 'i' is not a string");
	n = json_str_copy(id, idbuf, sizeof idbuf);
	if (n <= 0)
		return by_fail(m, "field 'i' is not a trade id");
	side = by_need(m, o, "S");
	if (!side)
		return -1;
	if (!json_str_is(side, "Buy") && !json_str_is(side, "Sell"))
		return by_fail(m, "field 'S' is neither \"Buy\" nor \"Sell\"");
	by_head(m, "trade", time);
	by_key(m, "id");
	buf_add_jstr(m->nm.out, idbuf, (size_t)n);
	if (by_put_dec(m, "price", o, "p") < 0 ||
	    by_put_dec(m, "qty", o, "v") < 0)
		return -1;
	buf_adds(m->nm.out, json_str_is(side, "Buy") ? ",\"side\":\"buy\"}\n" :
	    ",\"side\":\"sell\"}\n");
	return 1;
}

/* publicTrade.{SYMBOL}: every trade of the message, or none. */
static int
by_trades(struct by *m, struct json_obj *o)
{
	const struct json_span *data;
	struct json_iter it;
	struct json_span item;
	struct json_obj t;	/* o stays whole for the fast pass's check */
	char kind[sizeof m->topic + 32];
	int count = 0, r;

	data = by_need(m, o, "data");
	if (!data)
		return -1;
	if (data->type != JSON_ARRAY)
		return by_fail(m, "field 'data' is not an array");
	if (norm_check_array(&m->nm, data, 2) < 0)
		return -1;
	json_iter_init(&it, data);
	while (json_next(&it, &item)) {
		snprintf(kind, sizeof kind, "%s: data[%d]", m->topic, count);
		m->nm.kind = kind;
		r = by_parse(m, &item, "data", &t) < 0 || by_trade(m, &t) < 0;
		m->nm.kind = m->topic;
		if (r)
			return -1;
		count++;
	}
	return count;
}

/* A quoted excerpt of a string member, for reasons. */
static int
by_excerpt(const struct json_obj *o, const char *key, const char **p)
{
	const struct json_span *s = json_get(o, key);

	if (!s || s->type != JSON_STRING) {
		*p = "";
		return 0;
	}
	*p = s->p;
	return s->n > BY_MSG_MAX ? BY_MSG_MAX : (int)s->n;
}

/* A REST reply: an order book in "result", or nothing of ours. */
static int
by_rest(struct by *m, struct json_obj *o)
{
	const struct json_span *code, *result;
	struct json_span r;
	struct json_obj ro;	/* o stays whole for the fast pass's check */
	const char *msg;
	int64_t c, ts;
	int n;

	code = json_get(o, "retCode");
	if (json_int64(code, &c) < 0)
		return by_fail(m, "field 'retCode' is not an integer");
	if (c != 0) {
		n = by_excerpt(o, "retMsg", &msg);
		return by_fail(m, "bybit error %lld: %.*s", (long long)c, n,
		    msg);
	}
	m->nm.kind = "orderbook reply";
	result = by_need(m, o, "result");
	if (!result)
		return -1;
	r = *result;
	if (by_parse(m, &r, "result", &ro) < 0)
		return -1;
	/* Another endpoint's reply (instruments-info ...): not a book. */
	if (!json_get(&ro, "b") && !json_get(&ro, "a"))
		return VENUE_IGNORED;
	if (by_int(m, &ro, "ts", &ts) < 0)
		return -1;
	return by_book(m, &ro, 0, ts);
}

static int
by_dispatch(struct by *m, struct json_obj *o)
{
	const struct json_span *topic, *success;
	const char *text, *op;
	int k, opn;

	topic = json_get(o, "topic");
	if (topic) {
		if (topic->type != JSON_STRING)
			return by_fail(m, "field 'topic' is not a string");
		if (json_str_copy(topic, m->topic, sizeof m->topic) <= 0)
			return by_fail(m, "field 'topic' is not a topic");
		m->nm.kind = m->topic;
		if (strncmp(m->topic, "orderbook.", 10) == 0)
			return by_orderbook(m, o);
		if (strncmp(m->topic, "publicTrade.", 12) == 0)
			return by_trades(m, o);
		return VENUE_IGNORED;
	}
	/* Replies to ping, subscribe, auth: only a failure matters. */
	success = json_get(o, "success");
	if (success && success->type == JSON_FALSE) {
		opn = by_excerpt(o, "op", &op);
		k = by_excerpt(o, "ret_msg", &text);
		return by_fail(m, "%.*s%sfailed: %.*s", opn, op, opn ? " " : "",
		    k, text);
	}
	if (json_get(o, "retCode"))
		return by_rest(m, o);
	return VENUE_IGNORED;
}

static int
by_message(void *mv, const char *msg, size_t n)
{
	struct by *m = mv;
	struct json_obj o;
	const char *reason;
	size_t at;

	if (json_parse_object(msg, n, &o, &reason, &at) < 0)
		return by_fail(m, "invalid JSON at byte %zu: %s", at, reason);
	return by_dispatch(m, &o);
}

/* The fast pass: see norm.h.  -1 leaves the message to the plain one. */
static int
by_message_fast(void *mv, const char *msg, size_t n)
{
	struct by *m = mv;
	struct json_obj o;
	struct json_nested nest;
	const char *reason;
	size_t at;
	int r;

	nest.key = "data";
	if (json_parse_object_nested(msg, n, &o, &nest, &reason, &at) < 0)
		return -1;
	m->nest = &nest;
	r = by_dispatch(m, &o);
	m->nest = NULL;
	if (r < 0 || norm_check_rest(&m->nm, &o, 2) < 0 ||
	    (nest.at && norm_check_rest(&m->nm, &nest.obj, 3) < 0))
		return -1;
	return r;
}

/* Start (or start again) on a message. */
static void
by_begin(void *mv, int fast)
{
	struct by *m = mv;

	m->nm.kind = NULL;
	m->topic[0] = '\0';
	m->sym[0] = '\0';
	m->nest = NULL;
	norm_begin(&m->nm, fast);
}

static const struct norm_passes by_passes = {
	by_begin, by_message_fast, by_message,
};

int
bybit_normalize_mode(const char *msg, size_t n, const char *market,
    int64_t recv_us, struct buf *out, char *why, size_t whylen,
    enum norm_mode mode)
{
	struct by m;

	by_begin(&m, 0);
	m.market = market;
	m.recv_us = recv_us < 0 ? -1 : recv_us;
	m.nm.out = out;
	m.nm.pair = "[price, size]";
	m.nm.why = why;
	m.nm.whylen = whylen;
	if (!market || (strcmp(market, "linear") != 0 &&
	    strcmp(market, "spot") != 0 && strcmp(market, "inverse") != 0))
		return by_fail(&m, "unknown market '%s'",
		    market ? market : "(null)");
	return norm_run(&m.nm, mode, &by_passes, &m, msg, n);
}

int
bybit_normalize(const char *msg, size_t n, const char *market,
    int64_t recv_us, struct buf *out, char *why, size_t whylen)
{
	return bybit_normalize_mode(msg, n, market, recv_us, out, why, whylen,
	    NORM_ONE_PASS);
}
