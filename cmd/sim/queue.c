/*
 * queue.c: each WebSocket's send queue, with the injected frames
 * (garbage, bad types, huge, serverShutdown) and --close-every.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "prog/err.h"

#include "sim.h"

/* ---------------------------------------------------------------- */
/* Connections: the send queue */

/*
 * Ask for a writeable callback, once until it comes: on libuv each
 * request costs a system call even when one is pending.
 */
void
conn_want_write(struct conn *c)
{
	if (c->want_write)
		return;
	c->want_write = 1;
	lws_callback_on_writable(c->wsi);
}

void
conn_close_soon(struct conn *c, enum lws_close_status st, const char *why)
{
	if (c->close_now)
		return;
	c->close_now = 1;
	c->close_status = st;
	c->close_why = why;
	/*
	 * Closed from the connection's timer: a close asked for from
	 * another callback loses its close frame on libuv (Debian's
	 * libwebsockets, a debug build, closes such a connection a
	 * second time at once), while one from the timer callback is
	 * sent before the socket goes.
	 */
	lws_set_timer_usecs(c->wsi, 1);
}

static void
queue_push(struct conn *c, const char *p, size_t n, int fault)
{
	struct msg *m = malloc(sizeof *m + LWS_PRE + n);

	if (!m)
		die_nomem();
	m->next = NULL;
	m->len = n;
	m->fault = fault;
	m->lag = c->lagging;
	memcpy(m->data + LWS_PRE, p, n);
	if (c->qtail)
		c->qtail->next = m;
	else
		c->qhead = m;
	c->qtail = m;
	c->qlen++;
	c->qbytes += n;
}

/* An injected frame before everything queued. */
static void
queue_push_head(struct conn *c, const char *p, size_t n)
{
	struct msg *m;

	queue_push(c, p, n, 1);
	if (c->qhead == c->qtail)
		return;
	/* Move the new tail to the head. */
	for (m = c->qhead; m->next != c->qtail; m = m->next)
		;
	c->qtail->next = c->qhead;
	c->qhead = c->qtail;
	c->qtail = m;
	m->next = NULL;
}

void
queue_free(struct conn *c)
{
	struct msg *m, *next;

	for (m = c->qhead; m; m = next) {
		next = m->next;
		free(m);
	}
	c->qhead = c->qtail = NULL;
	c->qlen = c->qbytes = 0;
}

/*
 * serverShutdown after the connection's K-th message.  With
 * --shutdown-lag it goes out first, and the K-th message and all after
 * it wait (conn.c's release_lagging): the client's replacement starts
 * past what the old connection delivered.
 */
static void
send_shutdown(struct conn *c)
{
	char line[64];
	struct msg *m;
	int n;

	n = snprintf(line, sizeof line, "{\"e\":\"serverShutdown\",\"E\":%lld}",
	    (long long)time_now_ms());
	c->close_at_ms = time_now_ms() + c->sim->o->shutdown_grace_ms;
	conn_arm_timer(c);
	if (!c->sim->o->shutdown_lag) {
		queue_push(c, line, (size_t)n, 1);
		return;
	}
	for (m = c->qhead; m; m = m->next)
		m->lag = 1;
	queue_push_head(c, line, (size_t)n);
	c->lagging = 1;
}

/*
 * A depth message for the connection's first stream whose fields have
 * the wrong types: well-formed JSON that names a real stream, so only
 * the client's type checks stand between it and the book.
 */
static void
send_bad_types(struct conn *c)
{
	const char *sym = "BTCUSDT", *stream = "btcusdt@depth@100ms";
	char line[512];
	int n;

	if (c->nsubs) {
		sym = c->subs[0].in->sm->p.symbol;
		stream = c->subs[0].name;
	}
	if (is_binance(c->mk))
		n = snprintf(line, sizeof line, "{\"stream\":\"%s\",\"data\":"
		    "{\"e\":\"depthUpdate\",\"E\":\"soon\",\"s\":\"%s\","
		    "\"U\":\"one\",\"u\":[2],\"pu\":{},\"b\":{\"1\":2},"
		    "\"a\":7}}", stream, sym);
	else if (c->mk == MK_PM_CLOB)
		n = snprintf(line, sizeof line, "{\"market\":\"0x00\","
		    "\"price_changes\":[{\"asset_id\":\"%s\",\"price\":[1],"
		    "\"size\":{},\"side\":7}],\"timestamp\":\"soon\","
		    "\"event_type\":\"price_change\"}", sym);
	else
		n = snprintf(line, sizeof line, "{\"topic\":\"%s\","
		    "\"type\":\"delta\",\"ts\":\"soon\",\"data\":"
		    "{\"s\":\"%s\",\"b\":7,\"a\":{},\"u\":\"one\","
		    "\"seq\":[]}}", stream, sym);
	queue_push(c, line, (size_t)n, 1);
}

/*
 * A frame of --huge-size bytes: valid JSON, so only the client's size
 * bound stops it.
 */
static void
send_huge(struct conn *c)
{
	static const char head[] = "{\"stream\":\"pad\",\"data\":{\"pad\":\"";
	static const char tail[] = "\"}}";
	size_t n = c->sim->o->huge_size;
	char *p = malloc(n);

	if (!p)
		die_nomem();
	memcpy(p, head, sizeof head - 1);
	memset(p + sizeof head - 1, 'x', n - (sizeof head - 1) -
	    (sizeof tail - 1));
	memcpy(p + n - (sizeof tail - 1), tail, sizeof tail - 1);
	queue_push(c, p, n, 1);
	free(p);
}

/*
 * Queue one message, applying the faults that count messages: a garbage
 * frame before message K (once per server), serverShutdown after it
 * (Binance), and the queue bound (a reader that falls that far behind
 * is dropped).
 */
static void
conn_send(struct conn *c, const char *p, size_t n)
{
	struct sim *s = c->sim;
	const struct opts *o = s->o;

	if (o->stall || c->close_now)
		return;
	c->nmsg++;
	if (o->garbage_at && c->nmsg == o->garbage_at && !s->garbage_done) {
		s->garbage_done = 1;
		queue_push(c, GARBAGE, strlen(GARBAGE), 1);
	}
	if (o->bad_types_at && c->nmsg == o->bad_types_at &&
	    !s->bad_types_done) {
		s->bad_types_done = 1;
		send_bad_types(c);
	}
	if (o->huge_at && c->nmsg == o->huge_at && !s->huge_done) {
		s->huge_done = 1;
		send_huge(c);
	}
	queue_push(c, p, n, 0);
	if (o->shutdown_at && c->nmsg == o->shutdown_at && is_binance(c->mk))
		send_shutdown(c);
	if (c->qbytes > QUEUE_MAX) {
		warn("connection %llu: reader too slow, %zu messages queued: "
		    "dropped", (unsigned long long)c->id, c->qlen);
		s->dropped++;
		conn_close_soon(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    "too slow");
		return;
	}
	conn_want_write(c);
}

/* Send the scratch buffer, which the caller rendered. */
void
conn_send_out(struct conn *c)
{
	struct buf *b = &c->sim->out;

	if (buf_failed(b))
		die("cannot render a message: %s", strerror(buf_failed(b)));
	conn_send(c, b->p, b->len);
}

/* Binance combined streams wrap each payload. */
struct buf *
wrap_begin(struct conn *c, const struct sub *sub)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	if (c->combined) {
		buf_adds(b, "{\"stream\":");
		buf_add_jstr(b, sub->name, strlen(sub->name));
		buf_adds(b, ",\"data\":");
	}
	return b;
}

void
wrap_end(struct conn *c)
{
	if (c->combined)
		buf_addc(&c->sim->out, '}');
	conn_send_out(c);
}
