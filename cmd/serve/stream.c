/*
 * stream.c: GET /api/stream, server-sent events of the live sockets'
 * bands, imbalance and book events as they arrive.
 *
 * The events are kept once, in a ring shared by every client, framed
 * ("data: LINE\n\n") with the names a filter looks at; each client is
 * only a place in the ring.  The ring holds at most --stream-queue
 * bytes: when an event would pass that, the oldest go, and a client
 * that still needed one of them (it reads slower than the events come)
 * is dropped.  So the clients cost the ring and a few bytes each,
 * however many there are and however far behind they fall, and no
 * client ever holds up the others or the sockets.
 */
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"

#include "serve.h"

#define NAME_MAX_LEN 64

/* One event of the ring: its frame, then its names (NUL-ended each). */
struct rec {
	char *p;
	size_t len;		/* of the frame */
	const char *venue, *market, *symbol;	/* in p, after the frame */
};

/* The events since the oldest any client may still need; seq numbers
 * them from the start. */
struct ring {
	struct rec *r;
	size_t head, n, cap;	/* r[head..head+n) modulo cap */
	uint64_t first;		/* seq of r[head] */
	size_t bytes;		/* frames held */
};

/* One stream client: its filter and its place in the ring. */
struct sse {
	struct sse *next, **prevp;	/* sv->streams */
	struct serve *sv;
	struct lws *wsi;
	uint64_t seq;		/* the next event to look at */
	size_t off;		/* bytes of that event already sent */
	size_t hello;		/* bytes of the head comment sent */
	int started;		/* in sv->streams */
	int dropping;		/* fell out of the ring: close */
	char venue[NAME_MAX_LEN + 1], market[NAME_MAX_LEN + 1];
	char symbol[NAME_MAX_LEN + 1];
};

/* A comment line first: the client knows the stream is open. */
static const char hello[] = ": mkt-serve\n\n";

/* Copy an optional filter; "" matches everything. */
static void
filter_set(char *dst, const char *v)
{
	if (v == NULL || str_copy(dst, NAME_MAX_LEN + 1, v) < 0)
		dst[0] = '\0';
}

static int
passes(const char *want, const char *have)
{
	return want[0] == '\0' || strcmp(want, have) == 0;
}

static int
wants(const struct sse *s, const struct rec *e)
{
	return passes(s->venue, e->venue) && passes(s->market, e->market) &&
	    passes(s->symbol, e->symbol);
}

/* ---- the ring ---- */

static struct rec *
ring_at(struct ring *g, uint64_t seq)
{
	return &g->r[(g->head + (size_t)(seq - g->first)) % g->cap];
}

static uint64_t
ring_end(const struct ring *g)
{
	return g->first + g->n;
}

/* Room for one more event; -1 on ENOMEM. */
static int
ring_grow(struct ring *g)
{
	struct rec *r;
	size_t cap, i;

	if (g->n < g->cap)
		return 0;
	cap = g->cap ? g->cap * 2 : 256;
	if ((r = calloc(cap, sizeof *r)) == NULL)
		return -1;
	for (i = 0; i < g->n; i++)
		r[i] = g->r[(g->head + i) % g->cap];
	free(g->r);
	g->r = r;
	g->cap = cap;
	g->head = 0;
	return 0;
}

/* A client that still needs the oldest event, which is going: dropped,
 * unless it would not have sent it anyway. */
static void
let_go(struct serve *sv, const struct rec *e)
{
	struct sse *s;
	struct ring *g = sv->ring;

	for (s = sv->streams; s; s = s->next) {
		if (s->dropping || s->seq != g->first)
			continue;
		if (s->off == 0 && !wants(s, e)) {
			s->seq++;
			continue;
		}
		s->dropping = 1;
		sv->dropped++;
		/* A client that reads nothing never becomes writeable, so
		 * lws closes it from its timers. */
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_HTTP_CONTENT,
		    LWS_TO_KILL_ASYNC);
	}
}

/* Drop the oldest events until need more bytes fit. */
static void
ring_make_room(struct serve *sv, size_t need)
{
	struct ring *g = sv->ring;
	struct rec *e;

	while (g->n > 0 && g->bytes + need > (size_t)sv->o->stream_queue) {
		e = &g->r[g->head];
		let_go(sv, e);
		g->bytes -= e->len;
		free(e->p);
		e->p = NULL;
		g->head = (g->head + 1) % g->cap;
		g->n--;
		g->first++;
	}
}

/* Append "data: LINE\n\n" with its names; -1 on ENOMEM. */
static int
ring_add(struct serve *sv, const char *venue, const char *market,
    const char *symbol, const char *line, size_t len)
{
	struct ring *g = sv->ring;
	size_t vn = strlen(venue), mn = strlen(market), sn = strlen(symbol);
	size_t flen = 6 + len + 2;
	struct rec *e;
	char *p;

	ring_make_room(sv, flen);
	if (ring_grow(g) < 0 ||
	    (p = malloc(flen + vn + mn + sn + 3)) == NULL)
		return -1;
	memcpy(p, "data: ", 6);
	memcpy(p + 6, line, len);
	memcpy(p + 6 + len, "\n\n", 2);
	e = &g->r[(g->head + g->n) % g->cap];
	e->p = p;
	e->len = flen;
	e->venue = memcpy(p + flen, venue, vn + 1);
	e->market = memcpy(p + flen + vn + 1, market, mn + 1);
	e->symbol = memcpy(p + flen + vn + mn + 2, symbol, sn + 1);
	g->n++;
	g->bytes += flen;
	return 0;
}

void
stream_close(struct serve *sv)
{
	struct ring *g = sv->ring;

	if (g == NULL)
		return;
	while (g->n > 0) {
		free(g->r[g->head].p);
		g->head = (g->head + 1) % g->cap;
		g->n--;
	}
	free(g->r);
	free(g);
	sv->ring = NULL;
}

/* ---- the clients ---- */

int
api_stream(struct req *r)
{
	static const char *const known[] = { "venue", "market", "symbol",
	    NULL };
	const char *venue, *market, *symbol;
	struct sse *s;

	if (!req_known(r, known) || req_name(r, "venue", &venue) < 0 ||
	    req_name(r, "market", &market) < 0 ||
	    req_name(r, "symbol", &symbol) < 0)
		return 0;
	if (r->sv->o->nlive == 0)
		return req_error(r, 404, NULL, "no --live source to stream");
	if (r->sv->ring == NULL &&
	    (r->sv->ring = calloc(1, sizeof *r->sv->ring)) == NULL)
		return -1;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return -1;
	s->sv = r->sv;
	filter_set(s->venue, venue);
	filter_set(s->market, market);
	filter_set(s->symbol, symbol);
	r->conn->sse = s;
	return 0;
}

int
stream_start(struct lws *wsi, struct conn *c)
{
	unsigned char hb[LWS_PRE + 1024];
	unsigned char *start = hb + LWS_PRE, *p = start;
	unsigned char *end = hb + sizeof hb - 1;
	static const char nocache[] = "no-store";
	struct sse *s = c->sse;
	struct serve *sv = c->sv;

	if (lws_add_http_common_headers(wsi, 200, "text/event-stream",
	    LWS_ILLEGAL_HTTP_CONTENT_LEN, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
	    (const unsigned char *)nocache, (int)strlen(nocache), &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	s->wsi = wsi;
	s->started = 1;
	/* From the next event on. */
	s->seq = ring_end(sv->ring);
	s->next = sv->streams;
	if (s->next)
		s->next->prevp = &s->next;
	s->prevp = &sv->streams;
	sv->streams = s;
	/* A stream is meant to stay open: no answer timeout, and no
	 * header table held from lws's pool.  lws_http_mark_sse does both
	 * but, on HTTP/1 (where the stream is the connection), logs "not
	 * h2 substream" for every client: there it is the detach alone. */
	if (lws_get_network_wsi(wsi) != wsi)
		lws_http_mark_sse(wsi);
	else
		lws_http_headers_detach(wsi);
	lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
	lws_callback_on_writable(wsi);
	return 0;
}

/* Copy what s sends next into dst, at most max bytes: how many. */
static size_t
take(struct sse *s, unsigned char *dst, size_t max)
{
	struct ring *g = s->sv->ring;
	size_t n = 0, k;
	struct rec *e;

	if (s->hello < sizeof hello - 1) {
		n = sizeof hello - 1 - s->hello;
		memcpy(dst, hello + s->hello, n);
		s->hello += n;
	}
	while (n < max && s->seq < ring_end(g)) {
		e = ring_at(g, s->seq);
		if (s->off == 0 && !wants(s, e)) {
			s->seq++;
			continue;
		}
		k = e->len - s->off;
		if (k > max - n)
			k = max - n;
		memcpy(dst + n, e->p + s->off, k);
		n += k;
		s->off += k;
		if (s->off == e->len) {
			s->seq++;
			s->off = 0;
		}
	}
	return n;
}

int
stream_writeable(struct lws *wsi, struct conn *c)
{
	struct sse *s = c->sse;
	unsigned char *out = c->sv->chunk + LWS_PRE;
	size_t n;

	if (s->dropping)
		return -1;
	n = take(s, out, HTTP_CHUNK);
	if (n == 0)
		return 0;
	if (lws_write(wsi, out, n, LWS_WRITE_HTTP) < (int)n)
		return -1;
	if (s->seq < ring_end(s->sv->ring))
		lws_callback_on_writable(wsi);
	return 0;
}

void
stream_release(struct conn *c)
{
	struct sse *s = c->sse;

	if (s == NULL)
		return;
	if (s->started) {
		*s->prevp = s->next;
		if (s->next)
			s->next->prevp = s->prevp;
	}
	free(s);
	c->sse = NULL;
}

void
stream_publish(struct serve *sv, const char *venue, const char *market,
    const char *symbol, const char *line, size_t len)
{
	struct sse *s;
	uint64_t seq;

	/* Nobody to keep it for. */
	if (sv->streams == NULL)
		return;
	seq = ring_end(sv->ring);
	if (ring_add(sv, venue ? venue : "", market ? market : "",
	    symbol ? symbol : "", line, len) < 0)
		die_nomem();
	for (s = sv->streams; s; s = s->next) {
		if (s->dropping)
			continue;
		if (wants(s, ring_at(sv->ring, seq)))
			lws_callback_on_writable(s->wsi);
		else if (s->seq == seq && s->off == 0)
			s->seq++;	/* not for it: it stays caught up */
	}
}
