/*
 * mkt-feed --raw: recorded venue messages (captures, cryptofeed records)
 * through the same normalizers and syncs as the live path.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"
#include "event/event.h"
#include "base/fixed.h"
#include "base/keymap.h"
#include "net/rest.h"
#include "prog/run.h"
#include "io/loop.h"
#include "io/sig.h"
#include "feed/stream.h"
#include "base/timeutil.h"
#include "venue/venue.h"
#include "net/ws.h"
#include "feed.h"

/* Per capture: the syncs per symbol and what the capture told us. */
struct feed {
	struct opts *o;
	struct run r;
	struct stream st;
	struct keymap conns;	/* recorded connection id -> market name */
	struct buf data;	/* an unescaped recorded frame */
};

/*
 * A receive time written as decimal seconds ("1633998512.0633569") into
 * epoch microseconds, exactly (digits past the sixth are cut).
 */
static int
seconds_to_us(const char *p, size_t n, int64_t *us)
{
	struct fx v;
	fx_i128 m;

	if (fx_parse(p, n, &v) != FX_OK || v.m < 0)
		return -1;
	if (v.s > 6) {
		m = v.m / fx_pow10(v.s - 6);
	} else if (fx_at_scale(v, 6, &m) < 0) {
		return -1;
	}
	if (m > INT64_MAX)
		return -1;
	*us = (int64_t)m;
	return 0;
}

/* One raw venue message with what the line around it told. */
static void
feed_message(struct feed *f, const char *msg, size_t n, const char *market,
    const char *symbol, int64_t recv_us)
{
	char why[256];

	if (!symbol && f->o->symbol[0])
		symbol = f->o->symbol;
	/* A recorded serverShutdown is history, not an instruction. */
	if (stream_message(&f->st, f->o->venue, market, symbol, msg, n,
	    recv_us, 0, &f->r.ob, why, sizeof why) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		err_line(run_lineno(&f->r), "%s", why);
	}
	run_flush_events(&f->r);
}

/* The symbol=... of a REST URL, into sym (cap bytes); NULL if none. */
static const char *
url_symbol(const char *url, size_t n, char *sym, size_t cap)
{
	const char *p = memmem(url, n, "symbol=", 7);
	size_t k = 0;

	if (!p || (p > url && p[-1] != '?' && p[-1] != '&'))
		return NULL;
	for (p += 7; p < url + n && *p != '&' && k + 1 < cap; p++)
		sym[k++] = *p;
	sym[k] = '\0';
	return k ? sym : NULL;
}

static const char *
span_str(const struct json_obj *o, const char *key, size_t *n)
{
	const struct json_span *v = json_get(o, key);

	if (!v || v->type != JSON_STRING)
		return NULL;
	*n = v->n;
	return v->p;
}

/*
 * A cryptofeed JSONL record: {"t":"connect"|"recv"|"http"|..,...}.
 * Returns 1 when the line was one (handled), 0 when it is not.
 */
static int
feed_record(struct feed *f, const char *line, size_t n)
{
	struct json_obj o;
	const struct json_span *t, *data, *ts;
	const char *why, *conn, *url, *market = f->o->market;
	size_t at, cn = 0, un = 0;
	int64_t recv = -1;
	char sym[64];
	int len;

	if (json_parse_object(line, n, &o, &why, &at) < 0)
		return 0;
	/* Venue messages never have a string "t" (Binance's trade id is a
	 * number). */
	t = json_get(&o, "t");
	if (!t || t->type != JSON_STRING)
		return 0;
	conn = span_str(&o, "conn", &cn);
	url = span_str(&o, "addr", &un);
	if (!url)
		url = span_str(&o, "url", &un);
	if (json_str_is(t, "connect")) {
		const char *m = url ? venue_url_market(url, un) : NULL;

		if (conn && m && keymap_put(&f->conns, conn, cn,
		    (void *)m) < 0)
			die_nomem();
		return 1;
	}
	if (!json_str_is(t, "recv") && !json_str_is(t, "http"))
		return 1;
	data = json_get(&o, "data");
	if (!data || data->type != JSON_STRING)
		return 1;
	if (conn && keymap_get(&f->conns, conn, cn))
		market = keymap_get(&f->conns, conn, cn);
	else if (url && venue_url_market(url, un))
		market = venue_url_market(url, un);
	ts = json_get(&o, "ts");
	if (ts && ts->type == JSON_NUMBER && seconds_to_us(ts->p, ts->n,
	    &recv) < 0)
		recv = -1;
	/* REST replies other than order books (instrument lists) are not
	 * market events. */
	if (json_str_is(t, "http") && (!url || !memmem(url, un, "orderbook",
	    9)))
		return 1;
	if (buf_grow(&f->data, data->n + 1) < 0)
		die_nomem();
	len = json_str_copy(data, f->data.p, f->data.cap);
	if (len < 0) {
		err_line(run_lineno(&f->r), "recorded frame is not text");
		return 1;
	}
	feed_message(f, f->data.p, (size_t)len, market,
	    url ? url_symbol(url, un, sym, sizeof sym) : NULL, recv);
	return 1;
}

/* Where the message of a line starts: its first '{', or its first '['
 * before any '{' (a venue that sends several messages as one JSON
 * array); NULL when it has neither. */
static const char *
json_start(const char *p, const char *end)
{
	const char *o = memchr(p, '{', (size_t)(end - p));
	const char *a = memchr(p, '[', (size_t)((o ? o : end) - p));

	return a ? a : o;
}

/*
 * One capture line: an optional receive time ("1633998512.06: " decimal
 * seconds, or "1723161600123456789 " nanoseconds), an optional REST URL
 * ("URL -> TS: BODY"), then the message.  "URL <-> TS" header lines of
 * WebSocket captures carry no message.
 */
static void
feed_line(struct feed *f, const char *line, size_t n)
{
	const char *p = line, *end = line + n, *q, *url = NULL, *body;
	const char *symbol = NULL, *market = f->o->market;
	size_t un = 0;
	int64_t recv = -1;
	char sym[64];

	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (p == end)
		return;
	body = json_start(p, end);
	if (*p == '[') {
		feed_message(f, p, (size_t)(end - p), market, NULL, -1);
		return;
	}
	if (*p == '{') {
		if (feed_record(f, p, (size_t)(end - p)))
			return;
		feed_message(f, p, (size_t)(end - p), market, NULL, -1);
		return;
	}
	if (!body) {
		/* A WebSocket capture's "URL <-> TS" header carries no
		 * message; anything else without one is a bad line. */
		if (!memmem(p, (size_t)(end - p), "://", 3) ||
		    !memmem(p, (size_t)(end - p), " <-> ", 5))
			err_line(run_lineno(&f->r), "no JSON message");
		return;
	}
	q = memmem(p, (size_t)(body - p), " -> ", 4);
	if (q) {
		url = p;
		un = (size_t)(q - p);
		symbol = url_symbol(url, un, sym, sizeof sym);
		if (venue_url_market(url, un))
			market = venue_url_market(url, un);
		p = q + 4;
	}
	/* The time before the body: "SECONDS:" or "NANOSECONDS ". */
	q = p;
	while (q < body && ((*q >= '0' && *q <= '9') || *q == '.'))
		q++;
	if (q > p && q < body && *q == ':') {
		if (seconds_to_us(p, (size_t)(q - p), &recv) < 0)
			recv = -1;
	} else if (q > p && q < body && *q == ' ' &&
	    !memchr(p, '.', (size_t)(q - p))) {
		struct fx v;

		if (fx_parse(p, (size_t)(q - p), &v) == FX_OK && v.s == 0 &&
		    v.m / 1000 <= INT64_MAX)
			recv = (int64_t)(v.m / 1000);
	}
	feed_message(f, body, (size_t)(end - body), market, symbol, recv);
}

/* At the end, say which symbols never got the snapshot they waited for. */
static void
report_unsynced(struct feed *f)
{
	size_t i;

	for (i = 0; i < f->st.syncs.n; i++) {
		struct sync *s = f->st.syncs.e[i].val;

		if (s->nev)
			warn("%s %s %s: %zu depth event%s never synced: no "
			    "snapshot fits them", s->venue, s->market,
			    s->symbol, s->nev, s->nev == 1 ? "" : "s");
	}
}

void
feed_raw(struct opts *o)
{
	struct feed f;
	const char *line;
	size_t len;

	memset(&f, 0, sizeof f);
	f.o = o;
	stream_init(&f.st, NULL, NULL);
	keymap_init(&f.conns);
	buf_init(&f.data, 0);
	run_open(&f.r, o->run.input, o->run.output, o->run.pass);
	while (run_next(&f.r, &line, &len))
		feed_line(&f, line, len);
	run_flush_events(&f.r);
	report_unsynced(&f);
	stream_free(&f.st);
	keymap_free(&f.conns);
	buf_free(&f.data);
	run_close(&f.r);
}
