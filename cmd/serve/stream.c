/*
 * stream.c: GET /api/stream, server-sent events of the live sockets'
 * bands, imbalance and book events as they arrive.  Each client has a
 * queue with a hard maximum (--stream-queue): a client that reads
 * slower than the events come is dropped when its queue would pass it,
 * so that it costs at most that much memory and never holds up the
 * others or the sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"

#include "serve.h"

#define NAME_MAX_LEN 64

/* One stream client: its filter and the events queued for it. */
struct sse {
	struct sse *next, **prevp;	/* sv->streams */
	struct serve *sv;
	struct lws *wsi;
	struct buf q;
	size_t off;		/* bytes of q already written */
	int started;		/* the head is out */
	int dropping;		/* over its queue: close at the next chance */
	char venue[NAME_MAX_LEN + 1], market[NAME_MAX_LEN + 1];
	char symbol[NAME_MAX_LEN + 1];
};

/* Copy an optional filter; "" matches everything. */
static void
filter_set(char *dst, const char *v)
{
	if (v == NULL || str_copy(dst, NAME_MAX_LEN + 1, v) < 0)
		dst[0] = '\0';
}

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
	if ((s = calloc(1, sizeof *s)) == NULL)
		return -1;
	s->sv = r->sv;
	buf_init(&s->q, (size_t)r->sv->o->stream_queue);
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
	/* A comment line: the client knows the stream is open. */
	buf_adds(&s->q, ": mkt-serve\n\n");
	lws_callback_on_writable(wsi);
	return 0;
}

int
stream_writeable(struct lws *wsi, struct conn *c)
{
	struct sse *s = c->sse;
	size_t n = s->q.len - s->off;

	if (s->dropping)
		return -1;
	if (n == 0)
		return 0;
	if (n > HTTP_CHUNK)
		n = HTTP_CHUNK;
	memcpy(c->sv->chunk + LWS_PRE, s->q.p + s->off, n);
	if (lws_write(wsi, c->sv->chunk + LWS_PRE, n, LWS_WRITE_HTTP) <
	    (int)n)
		return -1;
	s->off += n;
	if (s->off == s->q.len) {
		buf_reset(&s->q);
		s->off = 0;
	} else {
		lws_callback_on_writable(wsi);
	}
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
	buf_free(&s->q);
	free(s);
	c->sse = NULL;
}

static int
passes(const char *want, const char *have)
{
	return want[0] == '\0' || (have && strcmp(want, have) == 0);
}

/* Queue "data: LINE\n\n"; a queue that would pass its maximum drops
 * the client instead. */
static void
queue_event(struct sse *s, const char *line, size_t len)
{
	if (s->dropping)
		return;
	/* Written bytes are dead weight: move the rest to the front. */
	if (s->off && s->q.max - s->q.len < len + 8) {
		memmove(s->q.p, s->q.p + s->off, s->q.len - s->off);
		s->q.len -= s->off;
		s->off = 0;
	}
	buf_adds(&s->q, "data: ");
	buf_add(&s->q, line, len);
	buf_adds(&s->q, "\n\n");
	if (buf_failed(&s->q)) {
		s->dropping = 1;
		s->sv->dropped++;
		/* Its memory goes now; a client that reads nothing never
		 * becomes writeable, so lws closes it from its timers. */
		buf_free(&s->q);
		s->off = 0;
		lws_set_timeout(s->wsi, PENDING_TIMEOUT_HTTP_CONTENT,
		    LWS_TO_KILL_ASYNC);
		return;
	}
	lws_callback_on_writable(s->wsi);
}

void
stream_publish(struct serve *sv, const char *venue, const char *market,
    const char *symbol, const char *line, size_t len)
{
	struct sse *s;

	for (s = sv->streams; s; s = s->next)
		if (passes(s->venue, venue) && passes(s->market, market) &&
		    passes(s->symbol, symbol))
			queue_event(s, line, len);
}
