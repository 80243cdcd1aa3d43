/*
 * ws: reconnecting WebSocket client connections on libwebsockets (see
 * ws.h), in the program's loop (io/loop).
 *
 * libwebsockets runs on the program's loop through net/lwsloop.
 *
 * libwebsockets calls back into callback() from inside the loop; the
 * connection a callback is about is its user pointer.  Reconnects and
 * backoff are ours, on a loop timer.
 */
#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/timeutil.h"
#include "io/loop.h"
#include "lwsloop.h"
#include "ws.h"

/* Bytes read per socket read: a burst of frames in few system calls. */
#define WS_READ_BUF 65536

#define WS_BACKOFF_FIRST 1000
#define WS_BACKOFF_MAX 30000
#define WS_HEALTHY_MS 60000

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_OPEN, CONN_DROPPED };

struct ws_conn {
	struct ws *w;
	char *url;
	char host[256];
	char path[4096];
	int port;
	int tls;
	const struct ws_handlers *h;
	void *ctx;
	lws_retry_bo_t policy;
	struct lws *wsi;
	enum conn_state state;
	int64_t next_try_ms;	/* when to connect again */
	int64_t backoff_ms;	/* the next delay */
	int64_t opened_ms;
	struct buf msg;		/* fragments of the message being received */
	size_t msg_size;	/* its size so far, kept past the bound too */
	struct buf out;		/* queued messages, each LWS_PRE + text */
	size_t *out_len;	/* their lengths */
	size_t nout, outcap, out_head;
	char why[512];
	int starting;		/* inside lws_client_connect_via_info() */
};

struct ws {
	struct lwsloop *ll;	/* the context, on loop */
	struct loop *loop;
	struct loop_timer retry;	/* the next reconnect */
	int err;		/* errno of a failure in a callback */
	struct ws_conn **conns;
	size_t n, cap;
	uint64_t rng;
	size_t message_max;	/* a larger message is a fault of the peer */
	int closing;			/* no handlers while tearing down */
};

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len);

static const struct lws_protocols protocols[] = {
	{ "mkt", callback, 0, WS_READ_BUF, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void on_retry(struct loop_timer *t, void *ctx);

int
ws_open(struct ws **out, struct loop *loop, const char *ca_file)
{
	struct lws_context_creation_info info;
	struct ws *w = calloc(1, sizeof *w);

	if (!w)
		return -1;
	w->loop = loop;
	loop_timer_init(&w->retry, on_retry, w);
	/* libwebsockets logs to stderr by itself: errors reach the program
	 * through the handlers instead. */
	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.pt_serv_buf_size = WS_READ_BUF;
	info.client_ssl_ca_filepath = ca_file;
	info.gid = -1;
	info.uid = -1;
	if (lwsloop_open(&w->ll, loop, &info) < 0) {
		int e = errno;

		free(w);
		errno = e;
		return -1;
	}
	w->rng = (uint64_t)time_now_us() | 1;
	w->message_max = WS_MESSAGE_MAX;
	*out = w;
	return 0;
}

static void
conn_free(struct ws_conn *c)
{
	free(c->url);
	buf_free(&c->msg);
	buf_free(&c->out);
	free(c->out_len);
	free(c);
}

void
ws_close(struct ws *w)
{
	size_t i;

	if (!w)
		return;
	/* Destroying the context closes every connection first; the
	 * program has stopped listening by then. */
	w->closing = 1;
	loop_timer_stop(w->loop, &w->retry);
	lwsloop_close(w->ll);
	for (i = 0; i < w->n; i++)
		conn_free(w->conns[i]);
	free(w->conns);
	free(w);
}

/* Split ws[s]://host[:port]/path; -1 on anything else. */
static int
parse_url(struct ws_conn *c, const char *url)
{
	const char *p = url, *host, *slash, *colon;
	size_t hn;

	if (strncmp(p, "wss://", 6) == 0) {
		c->tls = 1;
		c->port = 443;
		p += 6;
	} else if (strncmp(p, "ws://", 5) == 0) {
		c->tls = 0;
		c->port = 80;
		p += 5;
	} else {
		return -1;
	}
	host = p;
	slash = strchr(host, '/');
	if (!slash)
		slash = host + strlen(host);
	colon = memchr(host, ':', (size_t)(slash - host));
	hn = (size_t)((colon ? colon : slash) - host);
	if (hn == 0 || hn >= sizeof c->host)
		return -1;
	memcpy(c->host, host, hn);
	c->host[hn] = '\0';
	if (colon) {
		char *end;
		long port = strtol(colon + 1, &end, 10);

		if (end != slash || port <= 0 || port > 65535)
			return -1;
		c->port = (int)port;
	}
	if (strlen(*slash ? slash : "/") >= sizeof c->path)
		return -1;
	strcpy(c->path, *slash ? slash : "/");
	return 0;
}

struct ws_conn *
ws_connect(struct ws *w, const char *url, const struct ws_handlers *h,
    void *ctx, int64_t silent_ms)
{
	struct ws_conn *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	if (parse_url(c, url) < 0) {
		free(c);
		errno = EINVAL;
		return NULL;
	}
	c->url = strdup(url);
	if (!c->url)
		goto fail;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct ws_conn **p = realloc(w->conns, cap * sizeof *p);

		if (!p)
			goto fail;
		w->conns = p;
		w->cap = cap;
	}
	c->w = w;
	c->h = h;
	c->ctx = ctx;
	/* libwebsockets pings an idle connection itself and hangs up when
	 * nothing, not even a pong, comes back in time. */
	if (silent_ms > 0) {
		int64_t s = silent_ms / 1000;

		c->policy.secs_since_valid_ping = (uint16_t)(s > 40 ? 20 :
		    (s > 1 ? s / 2 : 1));
		c->policy.secs_since_valid_hangup = (uint16_t)(s > 0 ? s : 1);
	}
	buf_init(&c->msg, w->message_max);
	buf_init(&c->out, 0);
	c->backoff_ms = WS_BACKOFF_FIRST;
	c->state = CONN_DOWN;
	c->next_try_ms = time_mono_ms();
	w->conns[w->n++] = c;
	/* It connects from the loop, not from inside the caller. */
	if (loop_timer_in(w->loop, &w->retry, 0) < 0) {
		w->n--;
		goto fail;
	}
	return c;
fail:
	free(c->url);
	free(c);
	errno = ENOMEM;
	return NULL;
}

void
ws_message_max(struct ws *w, size_t max)
{
	w->message_max = max;
}

void
ws_drop(struct ws_conn *c)
{
	c->state = CONN_DROPPED;
	if (c->wsi)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
}

int64_t
ws_open_ms(const struct ws_conn *c)
{
	return c->state == CONN_OPEN ? time_now_ms() - c->opened_ms : 0;
}

int
ws_set_url(struct ws_conn *c, const char *url)
{
	struct ws_conn parsed;
	char *copy;

	memset(&parsed, 0, sizeof parsed);
	if (parse_url(&parsed, url) < 0) {
		errno = EINVAL;
		return -1;
	}
	copy = strdup(url);
	if (!copy)
		return -1;
	free(c->url);
	c->url = copy;
	memcpy(c->host, parsed.host, sizeof c->host);
	memcpy(c->path, parsed.path, sizeof c->path);
	c->port = parsed.port;
	c->tls = parsed.tls;
	return 0;
}

const char *
ws_url(const struct ws_conn *c)
{
	return c->url;
}

int
ws_is_open(const struct ws_conn *c)
{
	return c->state == CONN_OPEN;
}

int
ws_send(struct ws_conn *c, const char *msg, size_t n)
{
	if (c->nout == c->outcap) {
		size_t cap = c->outcap ? c->outcap * 2 : 8;
		size_t *p = realloc(c->out_len, cap * sizeof *p);

		if (!p)
			return -1;
		c->out_len = p;
		c->outcap = cap;
	}
	/* libwebsockets writes its frame header in front of the data. */
	if (buf_grow(&c->out, LWS_PRE + n) < 0) {
		errno = ENOMEM;
		return -1;
	}
	c->out.len += LWS_PRE;
	buf_add(&c->out, msg, n);
	c->out_len[c->nout++] = n;
	if (c->state == CONN_OPEN && c->wsi)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static uint64_t
next_random(struct ws *w)
{
	/* xorshift64: jitter only, nothing secret. */
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* Arm the reconnect timer for the earliest connection that is down. */
static void
arm_retry(struct ws *w)
{
	int64_t next = INT64_MAX;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->conns[i]->state == CONN_DOWN &&
		    w->conns[i]->next_try_ms < next)
			next = w->conns[i]->next_try_ms;
	if (next == INT64_MAX) {
		loop_timer_stop(w->loop, &w->retry);
		return;
	}
	if (loop_timer_at(w->loop, &w->retry, next * 1000) < 0)
		w->err = errno;
}

/* The connection is gone: tell, and schedule the next try. */
static void
conn_down(struct ws_conn *c, const char *why)
{
	int64_t now = time_mono_ms(), delay;

	if (c->state == CONN_DROPPED) {
		c->wsi = NULL;
		return;
	}
	if (c->state == CONN_DOWN)
		return;
	if (c->state == CONN_OPEN && time_now_ms() - c->opened_ms >=
	    WS_HEALTHY_MS)
		c->backoff_ms = WS_BACKOFF_FIRST;
	delay = c->backoff_ms + (int64_t)(next_random(c->w) %
	    (uint64_t)(c->backoff_ms / 4 + 1));
	c->backoff_ms = c->backoff_ms * 2 > WS_BACKOFF_MAX ? WS_BACKOFF_MAX :
	    c->backoff_ms * 2;
	c->next_try_ms = now + delay;
	c->state = CONN_DOWN;
	c->wsi = NULL;
	buf_reset(&c->msg);
	c->msg_size = 0;
	/* Queued messages were for the old connection (subscriptions are
	 * sent again on open). */
	buf_reset(&c->out);
	c->nout = c->out_head = 0;
	if (!c->w->closing)
		arm_retry(c->w);
	if (c->h->closed && !c->w->closing)
		c->h->closed(c, why, delay, c->ctx);
}

/*
 * libwebsockets 4.1 gave up before the connection was under way: it says
 * no more than that.  The one cause it does not report through the
 * callback is a name that does not resolve (its lookup is synchronous),
 * so ask the resolver again for its words.
 */
static void
start_failure(struct ws_conn *c)
{
	struct addrinfo hints, *res = NULL;
	int e;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	e = getaddrinfo(c->host, NULL, &hints, &res);
	if (res)
		freeaddrinfo(res);
	if (e)
		snprintf(c->why, sizeof c->why, "cannot resolve '%s': %s",
		    c->host, e == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(e));
	else
		snprintf(c->why, sizeof c->why, "cannot start a connection "
		    "to %s:%d", c->host, c->port);
}

/*
 * The TLS handshake failed.  libwebsockets 4.1 has emptied OpenSSL's
 * error queue by now and words SSL_get_error()'s code as if it were an
 * entry of it ("error:00000001:lib(0)::reason(1)"): what is left to say
 * is whether the peer broke the protocol or the socket failed (in[0..n),
 * "connect SYSCALL <errno>").
 */
static void
tls_failure(struct ws_conn *c, const char *in, int n)
{
	char rest[64];
	int e = 0;

	snprintf(rest, sizeof rest, "%.*s", n, in);
	if (sscanf(rest, "connect SYSCALL %d", &e) == 1)
		snprintf(c->why, sizeof c->why, "TLS handshake with %s:%d "
		    "failed: %s", c->host, c->port, e ? strerror(e) :
		    "the server closed the connection");
	else
		snprintf(c->why, sizeof c->why, "TLS handshake with %s:%d "
		    "failed: the server does not speak TLS, or refused it",
		    c->host, c->port);
}

/* Does libwebsockets' message s[0..n) start with prefix? */
static int
said(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return s && n >= k && memcmp(s, prefix, k) == 0;
}

/*
 * Why a connection attempt failed, in c->why, in words a user can act on:
 * the certificate (already there), the HTTP status of the upgrade, the
 * socket's error (refused, unreachable, reset), the TLS library's, the
 * name lookup's; else what libwebsockets said (in[0..len)).
 */
static void
connect_failure(struct ws_conn *c, struct lws *wsi, const char *in,
    size_t len)
{
	int status = lws_http_client_http_response(wsi), fd, e = 0;
	socklen_t sl = sizeof e;
	int n = len > 200 ? 200 : (int)len;

	if (c->why[0])
		return;
	if (status && status != 101) {
		snprintf(c->why, sizeof c->why, "WebSocket upgrade refused: "
		    "HTTP %d", status);
		return;
	}
	/* The socket is still open here: its pending error is the cause
	 * (libwebsockets closes on the hang-up without reading it). */
	fd = lws_get_socket_fd(wsi);
	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 &&
	    e) {
		snprintf(c->why, sizeof c->why, "cannot connect to %s:%d: %s",
		    c->host, c->port, strerror(e));
		return;
	}
	if (said(in, len, "connect SSL") || said(in, len, "connect SYSCALL") ||
	    said(in, len, "connect unk")) {
		tls_failure(c, in, n);
		return;
	}
	if (said(in, len, "ipv6 lws_getaddrinfo46")) {
		start_failure(c);
		return;
	}
	if (said(in, len, "Unable to connect")) {
		snprintf(c->why, sizeof c->why, "cannot connect to %s:%d",
		    c->host, c->port);
		return;
	}
	if (c->tls && said(in, len, "closed before established")) {
		snprintf(c->why, sizeof c->why, "connection to %s:%d closed "
		    "before the TLS and WebSocket handshakes ended", c->host,
		    c->port);
		return;
	}
	if (in && len)
		snprintf(c->why, sizeof c->why, "%.*s", n, in);
	else
		snprintf(c->why, sizeof c->why, "connection failed");
}

static void
conn_start(struct ws_conn *c)
{
	struct lws_client_connect_info ci;
	struct lws *wsi;

	memset(&ci, 0, sizeof ci);
	ci.context = lwsloop_context(c->w->ll);
	ci.address = c->host;
	ci.port = c->port;
	ci.ssl_connection = c->tls ? LCCSCF_USE_SSL : 0;
	ci.path = c->path;
	ci.host = c->host;
	ci.origin = c->host;
	ci.ietf_version_or_minus_one = -1;
	ci.userdata = c;
	ci.local_protocol_name = "mkt";
	ci.pwsi = &c->wsi;
	c->why[0] = '\0';
	if (c->policy.secs_since_valid_hangup)
		ci.retry_and_idle_policy = &c->policy;
	c->state = CONN_CONNECTING;
	c->starting = 1;
	wsi = lws_client_connect_via_info(&ci);
	c->starting = 0;
	if (!wsi) {
		c->state = CONN_CONNECTING;
		if (!c->why[0])
			start_failure(c);
		conn_down(c, c->why);
	}
}

void
ws_restart(struct ws_conn *c, const char *why)
{
	if (c->wsi && c->state != CONN_DOWN) {
		snprintf(c->why, sizeof c->why, "%s", why);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
	}
}

static void
deliver(struct ws_conn *c, struct lws *wsi, const void *in, size_t len)
{
	/* A message that came in one piece is handed over where it lies. */
	if (c->msg_size == 0 && lws_is_first_fragment(wsi) &&
	    lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
		if (c->msg.max && len > c->msg.max) {
			if (c->h->message)
				c->h->message(c, NULL, len, time_now_us(),
				    c->ctx);
		} else if (!lws_frame_is_binary(wsi) && c->h->message) {
			c->h->message(c, in, len, time_now_us(), c->ctx);
		}
		return;
	}
	c->msg_size += len;
	buf_add(&c->msg, in, len);
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	/* A message past the bound is skipped, not fatal: the handler hears
	 * of it (msg NULL, n its size) and the connection goes on. */
	if (buf_failed(&c->msg)) {
		if (c->h->message)
			c->h->message(c, NULL, c->msg_size, time_now_us(),
			    c->ctx);
	} else if (!lws_frame_is_binary(wsi) && c->h->message) {
		c->h->message(c, c->msg.p, c->msg.len, time_now_us(), c->ctx);
	}
	buf_reset(&c->msg);
	c->msg_size = 0;
}

/* Write the oldest queued message; ask to be called again for more. */
static int
write_next(struct ws_conn *c, struct lws *wsi)
{
	size_t n;
	unsigned char *p;

	if (c->out_head == c->nout)
		return 0;
	n = c->out_len[c->out_head];
	p = (unsigned char *)c->out.p;
	{
		size_t off = 0, i;

		for (i = 0; i < c->out_head; i++)
			off += LWS_PRE + c->out_len[i];
		p += off + LWS_PRE;
	}
	if (lws_write(wsi, p, n, LWS_WRITE_TEXT) < (int)n)
		return -1;
	if (++c->out_head == c->nout) {
		c->nout = c->out_head = 0;
		buf_reset(&c->out);
	} else {
		lws_callback_on_writable(wsi);
	}
	return 0;
}

/* OpenSSL turned the server's certificate down: say why, once. */
static void
note_cert_failure(struct lws *wsi, void *store, size_t ok)
{
	struct ws_conn *c = lws_wsi_user(wsi);

	if (!c || ok)
		return;
	snprintf(c->why, sizeof c->why, "certificate verify failed: %s",
	    X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)));
}

/*
 * libwebsockets frees a connection.  One still connecting had no word
 * from it: libwebsockets 4.1 closes a connection whose server hangs up
 * before answering the upgrade without a CONNECTION_ERROR or a CLOSED
 * callback, and without this it would never be tried again.
 */
static void
conn_destroyed(struct ws_conn *c, struct lws *wsi)
{
	if (c->wsi != wsi || c->starting)
		return;
	if (c->state != CONN_CONNECTING) {
		c->wsi = NULL;
		return;
	}
	if (!c->why[0])
		snprintf(c->why, sizeof c->why, "connection to %s:%d closed "
		    "by the server before the WebSocket handshake ended",
		    c->host, c->port);
	conn_down(c, c->why);
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct ws_conn *c;

	/* `user` is our connection only for the client reasons below; for
	 * others (OpenSSL's, the context's) it is something else. */
	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		note_cert_failure(wsi, user, len);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
	case LWS_CALLBACK_CLIENT_RECEIVE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		c = user;
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		/* Only client connections have a user pointer (the protocol
		 * asks for no per-session data): ours. */
		if (user)
			conn_destroyed(user, wsi);
		return 0;
	default:
		return 0;
	}
	if (!c)
		return 0;
	if (c->state == CONN_DROPPED) {
		if (reason == LWS_CALLBACK_CLIENT_CLOSED ||
		    reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR)
			c->wsi = NULL;
		return 0;
	}
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->state = CONN_OPEN;
		c->opened_ms = time_now_ms();
		c->why[0] = '\0';
		if (c->h->open)
			c->h->open(c, c->ctx);
		if (c->nout)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		deliver(c, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (write_next(c, wsi) < 0)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		connect_failure(c, wsi, in, len);
		conn_down(c, c->why);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		conn_down(c, c->why[0] ? c->why : "connection closed");
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		snprintf(c->why, sizeof c->why, "closed by the server");
		break;
	default:
		break;
	}
	return 0;
}

/* Start the connections whose time has come, then wait for the next. */
static void
on_retry(struct loop_timer *t, void *ctx)
{
	struct ws *w = ctx;
	int64_t now = time_mono_ms();
	size_t i;

	(void)t;
	for (i = 0; i < w->n; i++) {
		struct ws_conn *c = w->conns[i];

		if (c->state == CONN_DOWN && now >= c->next_try_ms)
			conn_start(c);
	}
	arm_retry(w);
}

int
ws_error(const struct ws *w)
{
	return w->err ? w->err : lwsloop_error(w->ll);
}
