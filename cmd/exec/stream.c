/*
 * mkt-exec's private stream: the venue's user data stream, through the
 * venue's codec (venue/trade.h).  While it is up and trusted, order
 * states and fills come from it and open orders are not polled; when it
 * drops, polling takes over at once.  After each (re)connection every
 * open order is queried once before the stream is trusted again, since
 * what happened while it was down was told to nobody.
 */
#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"
#include "prog/err.h"
#include "exec.h"

#define STREAM_SILENT_MS 60000	/* no frame for this long: dead */

static void
stream_apply(struct exec *ex, struct vt_answer *a)
{
	char err[512];
	size_t i;

	for (i = 0; i < a->up.n; i++)
		if (oms_update(ex->oms, &a->up.u[i], STATE_SRC_STREAM,
		    exec_now_ms(), err, sizeof err) < 0)
			die("%s: %s", ex->o->state, err);
}

/* Trusted from now on, once every open order has been asked about. */
static void
stream_ready(struct exec *ex)
{
	struct oms_order *const *act;
	size_t i, n;

	act = oms_active(ex->oms, &n);
	for (i = 0; i < n; i++)
		if (act[i]->phase == OMS_OPEN)
			act[i]->poll_due = 1;
	if (!ex->ps.up)
		exec_status(ex, "connected", "private_stream", NULL);
	/* What happened while it was down was told to nobody: compare. */
	if (ex->ps.up == 0 && ex->recon_done)
		recon_due(ex);
	ex->ps.up = 1;
}

static void
on_open(struct ws_conn *c, void *ctx)
{
	struct exec *ex = ctx;
	struct buf url, msgs;
	size_t off;

	buf_init(&url, 0);
	buf_init(&msgs, 0);
	/* Signed afresh on each connection: the timestamp must be new. */
	if (ex->vt->stream_plan(ex->m, &ex->vk, exec_now_ms() + ex->offset_ms,
	    (int)ex->o->recv_window, ex->ps.listen_key, &url, &msgs) < 0 ||
	    buf_failed(&url) || buf_failed(&msgs))
		die("cannot plan the private stream");
	for (off = 0; off < msgs.len;) {
		size_t n = strlen(msgs.p + off);

		if (ws_send(c, msgs.p + off, n) < 0)
			warn("cannot send on the private stream");
		off += n + 1;
	}
	/* Nothing to say first (a listen key's stream): ready at once. */
	if (msgs.len == 0)
		stream_ready(ex);
	buf_free(&url);
	buf_free(&msgs);
}

static void
on_message(struct ws_conn *c, const char *msg, size_t n, int64_t recv_us,
    void *ctx)
{
	struct exec *ex = ctx;
	struct vt_answer a;

	(void)recv_us;
	if (!msg)
		return;
	memset(&a, 0, sizeof a);
	switch (ex->vt->stream_parse(ex->m, msg, n, &a)) {
	case VT_S_DATA:
		stream_apply(ex, &a);
		break;
	case VT_S_READY:
		stream_ready(ex);
		break;
	case VT_S_EXPIRED:
		ex->ps.up = 0;
		ex->stream_losses++;
		exec_status(ex, "resyncing", "private_stream_expired", NULL);
		if (ex->vt->needs_listen_key) {
			ex->ps.listen_key[0] = '\0';
			ws_drop(c);
			ex->ps.conn = NULL;
		} else {
			ws_restart(c, "the venue ended the subscription");
		}
		break;
	case VT_S_ERROR:
		if (ex->ps.up)
			ex->stream_losses++;
		ex->ps.up = 0;
		exec_status(ex, "disconnected", "private_stream_refused",
		    a.msg);
		ws_restart(c, "the venue refused the subscription");
		break;
	case VT_S_IGNORED:
		break;
	}
	vt_updates_free(&a.up);
}

static void
on_closed(struct ws_conn *c, const char *why, int64_t retry_ms, void *ctx)
{
	struct exec *ex = ctx;

	(void)c;
	(void)retry_ms;
	if (ex->ps.up) {
		exec_status(ex, "disconnected", "private_stream", why);
		ex->stream_losses++;
	}
	ex->ps.up = 0;
}

static const struct ws_handlers stream_handlers = {
	.open = on_open,
	.message = on_message,
	.closed = on_closed,
};

static void
connect_stream(struct exec *ex)
{
	struct buf url, msgs;

	buf_init(&url, 0);
	buf_init(&msgs, 0);
	if (ex->vt->stream_plan(ex->m, &ex->vk, exec_now_ms() + ex->offset_ms,
	    (int)ex->o->recv_window, ex->ps.listen_key, &url, &msgs) < 0)
		die("cannot plan the private stream");
	buf_addc(&url, '\0');
	if (buf_failed(&url))
		die_nomem();
	ex->ps.conn = ws_connect(ex->ps.ws, url.p, &stream_handlers, ex,
	    STREAM_SILENT_MS);
	if (!ex->ps.conn)
		die_errno("cannot connect the private stream to %s", url.p);
	buf_free(&url);
	buf_free(&msgs);
}

static void
on_ping(struct loop_timer *t, void *ctx)
{
	struct exec *ex = ctx;

	if (ex->ps.conn && ws_is_open(ex->ps.conn) &&
	    ws_send(ex->ps.conn, ex->vt->stream_ping,
	    strlen(ex->vt->stream_ping)) < 0)
		warn("cannot ping the private stream");
	if (loop_timer_in(ex->loop, t, ex->vt->stream_ping_ms) < 0)
		die_nomem();
}

static void
on_keep(struct loop_timer *t, void *ctx)
{
	struct exec *ex = ctx;

	if (ex->ps.listen_key[0])
		remote_listen_key(ex, 1);
	if (loop_timer_in(ex->loop, t, ex->vt->listen_keep_ms) < 0)
		die_nomem();
}

/* The pump's part: connect when there is what to connect with. */
void
stream_pump(struct exec *ex)
{
	if (!ex->ps.ws || ex->ps.conn || !ex->clock_known)
		return;
	if (ex->vt->needs_listen_key && !ex->ps.listen_key[0]) {
		if (!ex->ps.key_busy)
			remote_listen_key(ex, 0);
		return;
	}
	connect_stream(ex);
}

void
stream_listen_key(struct exec *ex, const char *key)
{
	ex->ps.key_busy = 0;
	if (!key) {
		/* The key is gone (-1125): a new one, a new connection. */
		ex->ps.listen_key[0] = '\0';
		ex->ps.up = 0;
		if (ex->ps.conn)
			ws_drop(ex->ps.conn);
		ex->ps.conn = NULL;
		return;
	}
	if (strcmp(key, ex->ps.listen_key) != 0 && ex->ps.conn) {
		ws_drop(ex->ps.conn);
		ex->ps.conn = NULL;
	}
	snprintf(ex->ps.listen_key, sizeof ex->ps.listen_key, "%s", key);
}

void
stream_open(struct exec *ex)
{
	if (!ex->vt->stream_plan || !ex->o->stream)
		return;
	if (ws_open(&ex->ps.ws, ex->loop, ex->o->ca) < 0)
		die_errno("cannot start the WebSocket client");
	loop_timer_init(&ex->ps.ping, on_ping, ex);
	loop_timer_init(&ex->ps.keep, on_keep, ex);
	if (ex->vt->stream_ping && ex->vt->stream_ping_ms > 0 &&
	    loop_timer_in(ex->loop, &ex->ps.ping, ex->vt->stream_ping_ms) < 0)
		die_nomem();
	if (ex->vt->needs_listen_key && ex->vt->listen_keep_ms > 0 &&
	    loop_timer_in(ex->loop, &ex->ps.keep, ex->vt->listen_keep_ms) < 0)
		die_nomem();
}

void
stream_close(struct exec *ex)
{
	if (!ex->ps.ws)
		return;
	loop_timer_stop(ex->loop, &ex->ps.ping);
	loop_timer_stop(ex->loop, &ex->ps.keep);
	ws_close(ex->ps.ws);
	ex->ps.ws = NULL;
	ex->ps.conn = NULL;
}

int
stream_trusted(const struct exec *ex)
{
	return ex->ps.up;
}
