/*
 * stream: raw venue message -> normalized events -> per-symbol sync
 * (see stream.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"
#include "event/event.h"
#include "stream.h"

void
stream_init(struct stream *s, stream_need_fn *need, void *ctx)
{
	memset(s, 0, sizeof *s);
	keymap_init(&s->syncs);
	buf_init(&s->norm, 0);
	s->need = need;
	s->ctx = ctx;
}

void
stream_free(struct stream *s)
{
	size_t i;

	for (i = 0; i < s->syncs.n; i++)
		sync_free(s->syncs.e[i].val);
	keymap_free(&s->syncs);
	buf_free(&s->norm);
}

static size_t
sync_key(char *key, size_t cap, const char *venue, const char *market,
    const char *symbol, size_t sn)
{
	return keymap_key3(key, cap, venue, strlen(venue), market,
	    strlen(market), symbol, sn);
}

struct sync *
stream_sync(struct stream *s, const char *venue, const char *market,
    const char *symbol)
{
	char key[256];
	size_t n = sync_key(key, sizeof key, venue, market, symbol,
	    strlen(symbol));

	return n ? keymap_get(&s->syncs, key, n) : NULL;
}

/* The sync of an event's symbol, made on first sight; NULL: ENOMEM or
 * names too long (ENAMETOOLONG). */
static struct sync *
event_sync(struct stream *s, const struct event *ev)
{
	char key[256], v[32], m[32], sym[128];
	size_t n;
	struct sync *sy;

	if (ev->venue->n >= sizeof v || ev->market->n >= sizeof m ||
	    ev->symbol->n >= sizeof sym) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(v, ev->venue->p, ev->venue->n);
	v[ev->venue->n] = '\0';
	memcpy(m, ev->market->p, ev->market->n);
	m[ev->market->n] = '\0';
	memcpy(sym, ev->symbol->p, ev->symbol->n);
	sym[ev->symbol->n] = '\0';
	n = sync_key(key, sizeof key, v, m, sym, ev->symbol->n);
	sy = keymap_get(&s->syncs, key, n);
	if (sy)
		return sy;
	sy = sync_new(v, m, sym, venue_seq_rule(v, ev->venue->n, m,
	    ev->market->n));
	if (!sy)
		return NULL;
	if (keymap_put(&s->syncs, key, n, sy) < 0) {
		sync_free(sy);
		return NULL;
	}
	return sy;
}

/* Remember the symbols seen: a REST body in a one-symbol capture is
 * that symbol's. */
static void
note_symbol(struct stream *s, const struct json_span *sym)
{
	if (s->symbols == 0 && sym->n < sizeof s->only_symbol) {
		memcpy(s->only_symbol, sym->p, sym->n);
		s->only_symbol[sym->n] = '\0';
		s->symbols = 1;
	} else if (s->symbols == 1 && (sym->n != strlen(s->only_symbol) ||
	    memcmp(sym->p, s->only_symbol, sym->n) != 0)) {
		s->symbols = 2;
	}
}

/* A string member of an event, or NULL. */
static const struct json_span *
str_member(const struct event *ev, const char *key)
{
	const struct json_span *v = json_get(&ev->obj, key);

	return v && v->type == JSON_STRING ? v : NULL;
}

/* Does the caller keep the event's symbol (stream_filter())?  The
 * events the sync does not take (trades, tickers) are read for it. */
static int
kept(struct stream *s, const struct event *ev)
{
	const struct json_span *v, *m, *sym;

	if (!s->keep)
		return 1;
	v = str_member(ev, "venue");
	m = str_member(ev, "market");
	sym = str_member(ev, "symbol");
	return !v || !m || !sym || s->keep(s->keep_ctx, v->p, v->n, m->p,
	    m->n, sym->p, sym->n);
}

/* Route normalized events: books through their sync, the rest out. */
static int
route(struct stream *s, unsigned how, struct buf *out, char *why,
    size_t whylen)
{
	const char *p = s->norm.p, *end = p + s->norm.len;
	struct event ev;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p);
		struct sync *sy;
		unsigned long gaps, resyncs;
		int need;

		/* The normalizers write what the event module reads: a
		 * failure here is a bug, reported like bad input.  Their
		 * level arrays are taken as written (the sync copies them,
		 * it does not read them): fuzz_normalize checks that every
		 * line they write validates in full. */
		if (event_parse_for(p, n, &ev, EV_BIT(EV_SNAPSHOT) |
		    EV_BIT(EV_DEPTH), why, whylen) < 0 ||
		    event_fields(&ev, why, whylen) < 0)
			return -1;
		if (!kept(s, &ev)) {
			p = nl + 1;
			continue;
		}
		if (ev.type != EV_SNAPSHOT && ev.type != EV_DEPTH) {
			buf_add(out, p, n + 1);
			p = nl + 1;
			continue;
		}
		sy = event_sync(s, &ev);
		if (!sy) {
			snprintf(why, whylen, "%s", errno == ENAMETOOLONG ?
			    "names too long" : "out of memory");
			return -1;
		}
		note_symbol(s, ev.symbol);
		gaps = sy->gaps;
		resyncs = sy->resyncs;
		need = sync_feed(sy, &ev, p, n, how, out);
		s->gaps += sy->gaps - gaps;
		s->resyncs += sy->resyncs - resyncs;
		if (need < 0) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		if (need != SYNC_OK && s->need)
			s->need(s->ctx, sy->venue, sy->market, sy->symbol, need);
		p = nl + 1;
	}
	return 0;
}

int
stream_message(struct stream *s, const struct venue_ops *venue,
    const char *market, const char *symbol, const char *msg, size_t n,
    int64_t recv_us, unsigned how, struct buf *out, char *why,
    size_t whylen)
{
	size_t mark = out->len;
	int r;

	buf_reset(&s->norm);
	if (!symbol && s->symbols == 1)
		symbol = s->only_symbol;
	r = venue->normalize(msg, n, market, symbol, recv_us, &s->norm, why,
	    whylen);
	if (r < 0)
		return -1;
	if (buf_failed(&s->norm)) {
		errno = ENOMEM;
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (r == VENUE_SHUTDOWN)
		return STREAM_SHUTDOWN;
	errno = 0;
	if (route(s, how, out, why, whylen) < 0) {
		out->len = mark;
		return -1;
	}
	if (buf_failed(out)) {
		errno = ENOMEM;
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return STREAM_OK;
}

void
stream_resync(struct stream *s, const char *venue, const char *market,
    const char *symbol, const char *reason, struct buf *out)
{
	struct sync *sy = stream_sync(s, venue, market, symbol);

	if (!sy || !sync_restart(sy))
		return;
	/* No exchange event caused it: the local clock's time. */
	event_render_head(out, "status", venue, market, symbol, EV_HAS_TIME,
	    time_now_ms(), 0);
	buf_adds(out, ",\"source\":\"mkt-feed\",\"state\":\"resyncing\","
	    "\"reason\":");
	buf_add_jstr(out, reason, strlen(reason));
	buf_adds(out, "}\n");
	s->resyncs++;
}

void
stream_filter(struct stream *s, stream_keep_fn *keep, void *ctx)
{
	s->keep = keep;
	s->keep_ctx = ctx;
}

void
stream_forget(struct stream *s, const char *venue, const char *market,
    const char *symbol)
{
	struct sync *sy = stream_sync(s, venue, market, symbol);

	if (sy)
		(void)sync_restart(sy);
}

void
stream_handover(struct stream *s, const char *venue, const char *market,
    const char *symbol)
{
	struct sync *sy = stream_sync(s, venue, market, symbol);

	if (sy)
		sync_handover(sy);
}

int
stream_caught_up(struct stream *s, const char *venue, const char *market,
    const char *symbol)
{
	struct sync *sy = stream_sync(s, venue, market, symbol);

	return !sy || sync_caught_up(sy);
}
