/*
 * binance: Binance messages to mkt events (see binance.h).
 *
 * One pass (norm.h, norm_run): json_parse_object_nested() records
 * the members of the message and of a combined stream's payload in one
 * scan, leaving the level arrays to norm_put_levels(), which validates
 * and copies them in one walk.  When that pass does not take a message,
 * the plain pass decides it: json_parse_object() of the message, then of
 * a combined-stream payload as an object of its own.  Each event is
 * written straight into the output buffer while its fields are checked,
 * and the first bad field rolls the buffer back to where it was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "binance.h"
#include "venue/norm.h"
#include "base/fixed.h"
#include "base/json.h"

/* The longest symbol accepted, in bytes. */
#define BN_SYMBOL_MAX 63

/* One message on its way through. */
struct bn {
	struct norm nm;	/* kind, out, why: see norm.h */
	const char *market;
	const char *symbol;	/* the caller's, or NULL */
	int64_t recv_us;
	struct json_span stream;	/* JSON_NONE unless combined */
	char sym[BN_SYMBOL_MAX + 1];
};

/* The shared field readers and writers, on this message. */
#define bn_fail(m, ...) norm_fail(&(m)->nm, __VA_ARGS__)
#define bn_need(m, o, k) norm_need(&(m)->nm, o, k)
#define bn_int(m, o, k, v) norm_int(&(m)->nm, o, k, v)
#define bn_key(m, n) norm_key(&(m)->nm, n)
#define bn_put_int(m, n, v) norm_put_int(&(m)->nm, n, v)
#define bn_put_dec(m, n, o, k) norm_put_dec(&(m)->nm, n, o, k)
#define bn_put_levels(m, n, o, k) norm_put_levels(&(m)->nm, n, o, k)
#define bn_decimal norm_decimal
#define bn_fx_reason norm_fx_reason

/* How long an error text from the exchange may run in a reason. */
#define BN_MSG_MAX 200

/*
 * The symbol from the stream name: "nknusdt@depth@100ms" -> "NKNUSDT".
 * 0, or -1 when the stream names none ("!bookTicker", no stream).
 */
static int
bn_stream_symbol(struct bn *m)
{
	char name[2 * BN_SYMBOL_MAX];
	int n, i;

	if (m->stream.type != JSON_STRING)
		return -1;
	n = json_str_copy(&m->stream, name, sizeof name);
	for (i = 0; i < n && name[i] != '@'; i++) {
		char c = name[i];

		if (i >= BN_SYMBOL_MAX || !((c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return -1;
		m->sym[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	if (i == 0)
		return -1;
	m->sym[i] = '\0';
	return 0;
}

/*
 * Find the symbol of the message into m->sym: its "s", else the stream's
 * name, else the caller's.  0, 1 when none names one, or -1 (a bad "s").
 */
static int
bn_symbol(struct bn *m, const struct json_obj *o)
{
	const struct json_span *s = json_get(o, "s");

	if (s) {
		if (s->type != JSON_STRING)
			return bn_fail(m, "field 's' is not a string");
		if (json_str_copy(s, m->sym, sizeof m->sym) <= 0)
			return bn_fail(m, "field 's' is not a symbol");
		return 0;
	}
	if (bn_stream_symbol(m) == 0)
		return 0;
	if (m->symbol && *m->symbol && strlen(m->symbol) <= BN_SYMBOL_MAX) {
		strcpy(m->sym, m->symbol);
		return 0;
	}
	return 1;
}

/* The symbol of an event message, which must name one. */
static int
bn_event_symbol(struct bn *m, const struct json_obj *o)
{
	int r = bn_symbol(m, o);

	return r > 0 ? bn_fail(m, "missing field 's'") : r;
}

/*
 * {"type":T,"venue":"binance","market":M,"symbol":S[,"time":t][,"recv":R]
 * where a negative time means none.
 */
static void
bn_head(struct bn *m, const char *type, int64_t time)
{
	buf_add(m->nm.out, "{\"type\":\"", 9);
	buf_adds(m->nm.out, type);
	buf_adds(m->nm.out, "\",\"venue\":\"binance\",\"market\":");
	buf_add_jstr(m->nm.out, m->market, strlen(m->market));
	bn_key(m, "symbol");
	buf_add_jstr(m->nm.out, m->sym, strlen(m->sym));
	if (time >= 0) {
		bn_key(m, "time");
		buf_addi(m->nm.out, time);
	}
	if (m->recv_us >= 0) {
		bn_key(m, "recv");
		buf_addi(m->nm.out, m->recv_us);
	}
}

/* The event time when the message has none: from the receive time. */
static int64_t
bn_local_time(const struct bn *m)
{
	return m->recv_us >= 0 ? m->recv_us / 1000 : -1;
}

/* The optional "E" of a message, else the local time. */
static int
bn_time_or_local(struct bn *m, const struct json_obj *o, int64_t *t)
{
	if (!json_get(o, "E")) {
		*t = bn_local_time(m);
		return 0;
	}
	return bn_int(m, o, "E", t);
}

/*
 * A whole book: a REST depth body or a partial depth payload
 * ({lastUpdateId, bids, asks}), or a futures partial depth stream's
 * depthUpdate (idkey "u", levels in "b" and "a").
 */
static int
bn_snapshot(struct bn *m, const struct json_obj *o, const char *idkey,
    const char *bkey, const char *akey)
{
	int64_t time, id;
	int r = bn_symbol(m, o);

	if (r > 0) {
		/* A REST body, and the caller did not say whose. */
		m->nm.kind = NULL;
		return bn_fail(m, "depth snapshot names no symbol");
	}
	if (r < 0 || bn_time_or_local(m, o, &time) < 0 ||
	    bn_int(m, o, idkey, &id) < 0)
		return -1;
	bn_head(m, "snapshot", time);
	bn_put_int(m, "last_id", id);
	if (bn_put_levels(m, "bids", o, bkey) < 0 ||
	    bn_put_levels(m, "asks", o, akey) < 0)
		return -1;
	buf_add(m->nm.out, "}\n", 2);
	return 1;
}

/* Is the stream a partial book one, "<symbol>@depth<N>..."? */
static int
bn_partial_stream(const struct bn *m)
{
	const char *p, *end;

	if (m->stream.type != JSON_STRING)
		return 0;
	p = memchr(m->stream.p, '@', m->stream.n);
	end = m->stream.p + m->stream.n;
	return p && end - p > 6 && memcmp(p, "@depth", 6) == 0 &&
	    p[6] >= '0' && p[6] <= '9';
}

static int
bn_depth(struct bn *m, const struct json_obj *o)
{
	int64_t time, first, last, prev;
	int has_prev = json_get(o, "pu") != NULL;

	if (bn_partial_stream(m))
		return bn_snapshot(m, o, "u", "b", "a");
	if (bn_event_symbol(m, o) < 0 ||
	    bn_int(m, o, "E", &time) < 0 || bn_int(m, o, "U", &first) < 0 ||
	    bn_int(m, o, "u", &last) < 0 ||
	    (has_prev && bn_int(m, o, "pu", &prev) < 0))
		return -1;
	bn_head(m, "depth", time);
	bn_put_int(m, "first_id", first);
	bn_put_int(m, "last_id", last);
	if (has_prev)
		bn_put_int(m, "prev_id", prev);
	if (bn_put_levels(m, "bids", o, "b") < 0 ||
	    bn_put_levels(m, "asks", o, "a") < 0)
		return -1;
	buf_add(m->nm.out, "}\n", 2);
	return 1;
}

static int
bn_ticker(struct bn *m, const struct json_obj *o)
{
	int64_t time, id;

	if (bn_event_symbol(m, o) < 0 ||
	    bn_time_or_local(m, o, &time) < 0 || bn_int(m, o, "u", &id) < 0)
		return -1;
	bn_head(m, "ticker", time);
	if (bn_put_dec(m, "bid", o, "b") < 0 ||
	    bn_put_dec(m, "bid_qty", o, "B") < 0 ||
	    bn_put_dec(m, "ask", o, "a") < 0 ||
	    bn_put_dec(m, "ask_qty", o, "A") < 0)
		return -1;
	bn_put_int(m, "last_id", id);
	buf_add(m->nm.out, "}\n", 2);
	return 1;
}

/* trade and aggTrade: the same but for the id's key and "agg". */
static int
bn_trade(struct bn *m, const struct json_obj *o, int agg)
{
	const struct json_span *maker;
	int64_t time, id;

	if (bn_event_symbol(m, o) < 0 ||
	    bn_int(m, o, "T", &time) < 0 ||
	    bn_int(m, o, agg ? "a" : "t", &id) < 0)
		return -1;
	maker = bn_need(m, o, "m");
	if (!maker)
		return -1;
	if (maker->type != JSON_TRUE && maker->type != JSON_FALSE)
		return bn_fail(m, "field 'm' is not a boolean");
	bn_head(m, "trade", time);
	bn_put_int(m, "id", id);
	if (bn_put_dec(m, "price", o, "p") < 0 ||
	    bn_put_dec(m, "qty", o, "q") < 0)
		return -1;
	/* The buyer made the market: the taker sold. */
	buf_adds(m->nm.out, maker->type == JSON_TRUE ? ",\"side\":\"sell\"" :
	    ",\"side\":\"buy\"");
	if (agg)
		buf_adds(m->nm.out, ",\"agg\":true");
	buf_add(m->nm.out, "}\n", 2);
	return 1;
}

/* {"code":..,"msg":..} (REST, WebSocket) or {"error":{..},"id":..}. */
static int
bn_error_reply(struct bn *m, const struct json_obj *o)
{
	struct json_obj inner;
	const struct json_span *err = json_get(o, "error"), *code, *msg;
	const char *reason;
	size_t at;

	if (err && err->type == JSON_OBJECT &&
	    json_parse_object(err->p, err->n, &inner, &reason, &at) == 0)
		o = &inner;
	code = json_get(o, "code");
	msg = json_get(o, "msg");
	if (!code || !msg || msg->type != JSON_STRING)
		return 0;
	m->nm.kind = NULL;
	return bn_fail(m, "binance error %.*s: %.*s",
	    code->n > 20 ? 20 : (int)code->n, code->p,
	    msg->n > BN_MSG_MAX ? BN_MSG_MAX : (int)msg->n, msg->p);
}

/* A payload: which event, if any. */
static int
bn_dispatch(struct bn *m, const struct json_obj *o)
{
	const struct json_span *e = json_get(o, "e");

	if (e) {
		if (e->type != JSON_STRING)
			return bn_fail(m, "field 'e' is not a string");
		if (json_str_is(e, "serverShutdown"))
			return BINANCE_SHUTDOWN;
		if (json_str_is(e, "depthUpdate")) {
			m->nm.kind = "depthUpdate";
			return bn_depth(m, o);
		}
		if (json_str_is(e, "bookTicker")) {
			m->nm.kind = "bookTicker";
			return bn_ticker(m, o);
		}
		if (json_str_is(e, "trade")) {
			m->nm.kind = "trade";
			return bn_trade(m, o, 0);
		}
		if (json_str_is(e, "aggTrade")) {
			m->nm.kind = "aggTrade";
			return bn_trade(m, o, 1);
		}
		return VENUE_IGNORED;
	}
	if (json_get(o, "lastUpdateId")) {
		m->nm.kind = "snapshot";
		return bn_snapshot(m, o, "lastUpdateId", "bids", "asks");
	}
	/* Spot bookTicker has neither "e" nor "E". */
	if (json_get(o, "u") && json_get(o, "b") && json_get(o, "B")) {
		m->nm.kind = "bookTicker";
		return bn_ticker(m, o);
	}
	return bn_error_reply(m, o);
}

static int
bn_parse(struct bn *m, const char *p, size_t n, struct json_obj *o)
{
	const char *reason;
	size_t at;

	if (json_parse_object(p, n, o, &reason, &at) < 0)
		return bn_fail(m, "invalid JSON at byte %zu: %s", at, reason);
	return 0;
}

/* The fast pass: see norm.h.  -1 leaves the message to the plain one. */
static int
bn_message_fast(void *mv, const char *msg, size_t n)
{
	struct bn *m = mv;
	struct json_obj o;
	struct json_nested nest;
	const struct json_span *stream, *data;
	const struct json_obj *payload = &o;
	const char *reason;
	size_t at;
	int r;

	nest.key = "data";
	if (json_parse_object_nested(msg, n, &o, &nest, &reason, &at) < 0)
		return -1;
	stream = json_get(&o, "stream");
	data = json_get(&o, "data");
	if (stream && data) {
		if (stream->type != JSON_STRING)
			return -1;
		if (data->type != JSON_OBJECT) {
			r = VENUE_IGNORED;
			goto check;
		}
		if (data->p != nest.at)
			return -1;
		m->stream = *stream;
		payload = &nest.obj;
	}
	r = bn_dispatch(m, payload);
	if (r < 0)
		return -1;
check:
	if (norm_check_rest(&m->nm, &o, 2) < 0 ||
	    (nest.at && norm_check_rest(&m->nm, &nest.obj, 3) < 0))
		return -1;
	return r;
}

static int
bn_message(void *mv, const char *msg, size_t n)
{
	struct bn *m = mv;
	struct json_obj o;
	const struct json_span *stream, *data;
	struct json_span payload;

	if (bn_parse(m, msg, n, &o) < 0)
		return -1;
	stream = json_get(&o, "stream");
	data = json_get(&o, "data");
	if (stream && data) {
		if (stream->type != JSON_STRING)
			return bn_fail(m, "field 'stream' is not a string");
		/* All-market array streams (!ticker@arr): nothing of ours. */
		if (data->type != JSON_OBJECT)
			return VENUE_IGNORED;
		/* The spans point into msg, not into o: o can be reused. */
		m->stream = *stream;
		payload = *data;
		if (bn_parse(m, payload.p, payload.n, &o) < 0)
			return -1;
	}
	return bn_dispatch(m, &o);
}

/* Start (or start again) on a message. */
static void
bn_begin(void *mv, int fast)
{
	struct bn *m = mv;

	memset(&m->stream, 0, sizeof m->stream);
	m->nm.kind = NULL;
	m->sym[0] = '\0';
	norm_begin(&m->nm, fast);
}

static const struct norm_passes bn_passes = {
	bn_begin, bn_message_fast, bn_message,
};

int
binance_normalize_mode(const char *msg, size_t n, const char *market,
    const char *symbol, int64_t recv_us, struct buf *out, char *why,
    size_t whylen, enum norm_mode mode)
{
	struct bn m;

	bn_begin(&m, 0);
	m.market = market;
	m.symbol = symbol;
	m.recv_us = recv_us < 0 ? -1 : recv_us;
	m.nm.out = out;
	m.nm.pair = "[price, qty]";
	m.nm.why = why;
	m.nm.whylen = whylen;
	if (!market || (strcmp(market, "spot") != 0 &&
	    strcmp(market, "futures") != 0))
		return bn_fail(&m, "unknown market '%s'",
		    market ? market : "(null)");
	return norm_run(&m.nm, mode, &bn_passes, &m, msg, n);
}

int
binance_normalize(const char *msg, size_t n, const char *market,
    const char *symbol, int64_t recv_us, struct buf *out, char *why,
    size_t whylen)
{
	return binance_normalize_mode(msg, n, market, symbol, recv_us, out,
	    why, whylen, NORM_ONE_PASS);
}
