/*
 * http.c: requests in, answers out: the libwebsockets callback, the
 * routes, the query's parameters, and sending a body in chunks with
 * the slow-client timeout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "prog/err.h"

#include "serve.h"

static const struct {
	const char *path;	/* "POST /p": a POST with a body; else GET */
	int (*fn)(struct req *r);
} routes[] = {
	{ "/health", api_health },
	{ "/api/symbols", api_symbols },
	{ "/api/latest", api_latest },
	{ "/api/chart-data", api_chart_data },
	{ "/api/candles", api_candles },
	{ "/api/orders", api_orders },
	{ "/api/positions", api_positions },
	{ "/api/fills", api_fills },
	{ "/api/book", api_book },
	{ "/api/depth", api_depth },
	{ "/api/stream", api_stream },
	{ "/metrics", api_metrics },
	{ "POST /api/intent", api_intent },
	{ "POST /api/cancel", api_cancel },
};

int
req_error(struct req *r, unsigned status, const char *param,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_reset(r->body);
	buf_adds(r->body, "{\"error\":");
	buf_add_jstr(r->body, msg, strlen(msg));
	if (param) {
		buf_adds(r->body, ",\"param\":");
		buf_add_jstr(r->body, param, strlen(param));
	}
	buf_adds(r->body, "}\n");
	r->status = status;
	return 0;
}

int
req_known(struct req *r, const char *const *known)
{
	int i = qs_unknown(&r->q, known);

	if (i < 0)
		return 1;
	req_error(r, 400, r->q.name[i], "unknown parameter '%s'",
	    r->q.name[i]);
	return 0;
}

int
req_name(struct req *r, const char *param, const char **out)
{
	const char *v = qs_get(&r->q, param), *p;

	*out = v;
	if (v == NULL)
		return 0;
	for (p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("_.:/-", *p)))
			break;
	if (p == v || *p || p - v > 64) {
		req_error(r, 400, param, "bad %s: want 1 to 64 letters, "
		    "digits or _.:/-", param);
		return -1;
	}
	return 0;
}

void
put_dec(struct buf *b, const char *s)
{
	const char *p = s;
	int digits = 0, dot = 0;

	if (*s == '\0') {
		buf_adds(b, "null");
		return;
	}
	if (*p == '-')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !dot && digits)
			dot = 1;
		else
			break;
	}
	/* JSON allows no leading zeros nor a trailing dot. */
	if (*p || !digits || p[-1] == '.' ||
	    (s[*s == '-'] == '0' && s[(*s == '-') + 1] >= '0' &&
	    s[(*s == '-') + 1] <= '9'))
		buf_add_jstr(b, s, strlen(s));
	else
		buf_adds(b, s);
}

/* ---------------------------------------------------------------- */
/* Sending */

static int
send_head(struct lws *wsi, struct conn *c, unsigned status,
    const char *type)
{
	unsigned char hb[LWS_PRE + 1024];
	unsigned char *start = hb + LWS_PRE, *p = start;
	unsigned char *end = hb + sizeof hb - 1;
	static const char nocache[] = "no-store";

	if (lws_add_http_common_headers(wsi, status,
	    type ? type : "application/json",
	    c->body.len, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
	    (const unsigned char *)nocache, (int)strlen(nocache), &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	c->off = 0;
	c->busy = 1;
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT,
	    (int)((c->sv->o->client_timeout + 999) / 1000));
	lws_callback_on_writable(wsi);
	return 0;
}

/* One chunk of the body per writeable callback: lws keeps at most that
 * much of ours when the socket takes less. */
static int
send_more(struct lws *wsi, struct conn *c)
{
	size_t n = c->body.len - c->off;
	int last = n <= HTTP_CHUNK;

	if (!c->busy)
		return 0;
	if (!last)
		n = HTTP_CHUNK;
	if (n)
		memcpy(c->sv->chunk + LWS_PRE, c->body.p + c->off, n);
	if (lws_write(wsi, c->sv->chunk + LWS_PRE, n,
	    last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
		return -1;
	c->off += n;
	if (!last) {
		/* Progress: the client reads, give it the time again. */
		lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT,
		    (int)((c->sv->o->client_timeout + 999) / 1000));
		lws_callback_on_writable(wsi);
		return 0;
	}
	c->busy = 0;
	/* An idle keep-alive connection holds no answer's memory. */
	buf_free(&c->body);
	lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---------------------------------------------------------------- */
/* Requests */

/* The query's parameters, from lws (which decoded them). */
static int
read_query(struct req *r, struct lws *wsi)
{
	char arg[ARG_MAX];
	int i, n;

	for (i = 0; (n = lws_hdr_fragment_length(wsi,
	    WSI_TOKEN_HTTP_URI_ARGS, i)) > 0; i++) {
		if (n >= (int)sizeof arg || lws_hdr_copy_fragment(wsi, arg,
		    sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, i) < 0) {
			errno = E2BIG;
			return -1;
		}
		if (qs_add(&r->q, arg, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* A POST route's handler is left in c->post to run on the body. */
static void
route(struct req *r, struct lws *wsi, const char *path, struct conn *c)
{
	int post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0, rp = 0;
	size_t i;

	if (!post && !lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
		req_error(r, 405, NULL, "only GET and POST are served");
		return;
	}
	if (!post && www_route(r, path))
		return;
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		rp = strncmp(routes[i].path, "POST ", 5) == 0;
		if (strcmp(path, routes[i].path + 5 * rp) == 0)
			break;
	}
	if (i == sizeof routes / sizeof routes[0]) {
		req_error(r, 404, NULL, "no such path");
		return;
	}
	if (post != rp) {
		req_error(r, 405, NULL, "%s wants %s", path,
		    rp ? "POST" : "GET");
		return;
	}
	if (post) {
		c->post = routes[i].fn;
		return;
	}
	if (read_query(r, wsi) < 0) {
		if (errno == E2BIG && !r->q.bad[0])
			req_error(r, 400, NULL, "query too long");
		else
			req_error(r, 400, r->q.bad, "bad query parameter "
			    "'%s'", r->q.bad);
		return;
	}
	if (routes[i].fn(r) < 0)
		req_error(r, 500, NULL, "internal error");
}

/* A POST without a body (no or a zero Content-Length) has no body
 * callbacks to wait for. */
static int
has_body(struct lws *wsi)
{
	char v[32];

	if (lws_hdr_copy(wsi, v, sizeof v,
	    WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
		return 0;
	return strspn(v, "0") != strlen(v);
}

static int
http_request(struct serve *sv, struct lws *wsi, struct conn *c,
    const char *path)
{
	struct req r;

	if (c->busy)
		return -1;
	if (!c->post)
		sv->requests++;
	buf_reset(&c->body);
	memset(&r, 0, sizeof r);
	r.sv = sv;
	qs_init(&r.q);
	r.body = &c->body;
	r.status = 200;
	r.wsi = wsi;
	r.conn = c;
	if (c->post) {
		r.in = &c->in;
		if (c->post(&r) < 0)
			req_error(&r, 500, NULL, "internal error");
		c->post = NULL;
	} else {
		route(&r, wsi, path, c);
		/* A body first: lws has more of the request to read. */
		if (c->post) {
			buf_reset(&c->in);
			if (has_body(wsi))
				return 0;
			return http_request(sv, wsi, c, path);
		}
	}
	if (c->sse && r.status == 200)
		return stream_start(wsi, c);
	stream_release(c);
	if (buf_failed(&c->body) == E2BIG)
		req_error(&r, 500, NULL, "the answer is larger than %u "
		    "bytes: narrow the query", BODY_MAX);
	if (buf_failed(&c->body))
		die_nomem();
	if (sv->o->verbose)
		fprintf(stderr, "%s: %s %u %zu\n", err_progname(),
		    path ? path : "POST",
		    r.status, c->body.len);
	return send_head(wsi, c, r.status, r.type);
}

static void
conn_bind(struct serve *sv, struct conn *c)
{
	if (c->sv)
		return;
	c->sv = sv;
	buf_init(&c->body, BODY_MAX);
	buf_init(&c->in, POST_MAX);
}

static void
conn_release(struct conn *c)
{
	if (c->busy)
		c->sv->dropped++;
	stream_release(c);
	buf_free(&c->body);
	buf_free(&c->in);
	c->post = NULL;
	c->sv = NULL;
	c->busy = 0;
}

static int
serve_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct conn *c = user;
	struct serve *sv;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		sv = lws_context_user(lws_get_context(wsi));
		conn_bind(sv, c);
		return http_request(sv, wsi, c, in);
	case LWS_CALLBACK_HTTP_BODY:
		/* Only a POST route's; past POST_MAX it is marked failed. */
		if (!c || !c->sv || !c->post)
			return -1;
		buf_add(&c->in, in, len);
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!c || !c->sv || !c->post)
			return -1;
		return http_request(c->sv, wsi, c, NULL);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (c && c->sse)
			return stream_writeable(wsi, c);
		return c && c->sv ? send_more(wsi, c) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (c && c->sv)
			conn_release(c);
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols serve_protocols[] = {
	{ "http", serve_callback, sizeof(struct conn), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};
