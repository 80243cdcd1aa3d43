/*
 * conn.c: a WebSocket's life: established, server pings and pong
 * timeouts, writing the queue, receiving control messages, release.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "prog/err.h"

#include "sim.h"

/* ---------------------------------------------------------------- */
/* WebSocket connection life */

void
conn_arm_timer(struct conn *c)
{
	const struct opts *o = c->sim->o;
	int64_t now = time_now_ms(), due = INT64_MAX;

	if (c->next_ping_ms && c->next_ping_ms < due)
		due = c->next_ping_ms;
	if (c->ping_out && c->ping_sent_ms + o->pong_ms < due)
		due = c->ping_sent_ms + o->pong_ms;
	if (c->close_at_ms && c->close_at_ms < due)
		due = c->close_at_ms;
	if (due == INT64_MAX)
		return;
	lws_set_timer_usecs(c->wsi, due > now ? (due - now) * 1000 : 1000);
}

void
conn_established(struct sim *s, struct conn *c, struct lws *wsi)
{
	c->wsi = wsi;
	c->sim = s;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	c->linked = 1;
	if (is_binance(c->mk) && s->o->ping_ms && !s->o->stall) {
		c->next_ping_ms = time_now_ms() + s->o->ping_ms;
		conn_arm_timer(c);
	}
}

/* Free what a connection holds; safe to call twice. */
void
conn_release(struct sim *s, struct conn *c)
{
	if (c->linked) {
		if (c->prev)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		c->linked = 0;
		if (s->o->verbose)
			warn("connection %llu closed after %llu messages",
			    (unsigned long long)c->id,
			    (unsigned long long)c->nsent);
	}
	queue_free(c);
	free(c->subs);
	c->subs = NULL;
	c->nsubs = c->capsubs = 0;
	buf_free(&c->rx);
	buf_free(&c->body);
	buf_free(&c->req);
}

/* The per-connection timer: pings, pong deadline, delayed close. */
int
conn_timer(struct conn *c)
{
	const struct opts *o = c->sim->o;
	int64_t now = time_now_ms();

	if (c->close_now) {
		lws_close_reason(c->wsi, c->close_status,
		    (unsigned char *)c->close_why, strlen(c->close_why));
		return -1;
	}
	if (c->close_at_ms && now >= c->close_at_ms) {
		conn_close_soon(c, LWS_CLOSE_STATUS_GOINGAWAY, "shutdown");
		return 0;
	}
	if (c->ping_out && now - c->ping_sent_ms >= o->pong_ms) {
		if (o->verbose)
			warn("connection %llu: no pong: dropped",
			    (unsigned long long)c->id);
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    (unsigned char *)"no pong", 7);
		return -1;
	}
	if (c->next_ping_ms && now >= c->next_ping_ms) {
		snprintf(c->ping_payload, sizeof c->ping_payload, "%lld",
		    (long long)now);
		if (!c->ping_out)
			c->ping_sent_ms = now;
		c->ping_out = 1;
		c->ping_due = 1;
		c->next_ping_ms = now + o->ping_ms;
		conn_want_write(c);
	}
	conn_arm_timer(c);
	return 0;
}

void
conn_pong(struct conn *c, const void *in, size_t len)
{
	/* Only a pong that echoes the latest ping keeps the client. */
	if (c->ping_out && len == strlen(c->ping_payload) &&
	    memcmp(in, c->ping_payload, len) == 0)
		c->ping_out = 0;
}

static int
write_ping(struct conn *c)
{
	unsigned char b[LWS_PRE + sizeof c->ping_payload];
	size_t n = strlen(c->ping_payload);

	c->ping_due = 0;
	memcpy(b + LWS_PRE, c->ping_payload, n);
	if (lws_write(c->wsi, b + LWS_PRE, n, LWS_WRITE_PING) < (int)n)
		return -1;
	return 0;
}

/*
 * --shutdown-lag: a connection that announced its shutdown holds its
 * later messages until a newer connection of its market has been sent
 * the lag's count, so that the client's replacement runs ahead of it
 * (what a slow old connection looks like).
 */
static void
release_lagging(const struct conn *c)
{
	struct conn *x;

	for (x = c->sim->conns; x; x = x->next)
		if (x->lagging && x->mk == c->mk && x->id < c->id) {
			x->lagging = 0;
			conn_want_write(x);
		}
}

/* The markets are done: every held message goes. */
void
conn_release_lagging(struct sim *s)
{
	struct conn *x;

	for (x = s->conns; x; x = x->next)
		if (x->lagging) {
			x->lagging = 0;
			conn_want_write(x);
		}
}

/* Send the head of the queue.  0, or -1 (the connection closes). */
static int
write_head(struct conn *c)
{
	const struct opts *o = c->sim->o;
	struct msg *m = c->qhead;
	int w, fault;

	c->qhead = m->next;
	if (!c->qhead)
		c->qtail = NULL;
	c->qlen--;
	c->qbytes -= m->len;
	w = lws_write(c->wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
	fault = m->fault;
	free(m);
	if (w < 0)
		return -1;
	if (fault)
		return 0;
	if (++c->nsent == o->close_every)
		conn_close_soon(c, LWS_CLOSE_STATUS_GOINGAWAY, "close-every");
	if (c->nsent == o->shutdown_lag)
		release_lagging(c);
	return 0;
}

/* Is the head of the queue held back by --shutdown-lag? */
static int
head_held(const struct conn *c)
{
	return c->lagging && c->qhead->lag;
}

/*
 * The due ping, then queued messages while the socket takes them; -1
 * closes.  Not one message a callback: on libuv each writeable callback
 * costs libuv two epoll_ctl(2) and a wait, several times the write.
 */
int
conn_writeable(struct conn *c)
{
	c->want_write = 0;
	if (c->close_now)
		return 0;
	if (c->ping_due && write_ping(c) < 0)
		return -1;
	while (c->qhead && !c->close_now && !head_held(c)) {
		if (write_head(c) < 0)
			return -1;
		if (lws_send_pipe_choked(c->wsi))
			break;
	}
	if (c->qhead && !c->close_now && !head_held(c))
		conn_want_write(c);
	return 0;
}

int
conn_receive(struct conn *c, const void *in, size_t len)
{
	if (c->sim->o->stall)
		return 0;
	buf_add(&c->rx, in, len);
	if (buf_failed(&c->rx)) {
		conn_close_soon(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    "too large");
		return 0;
	}
	if (!lws_is_final_fragment(c->wsi) ||
	    lws_remaining_packet_payload(c->wsi))
		return 0;
	if (c->priv == PRIV_BYBIT)
		byprivate_control(c, c->rx.p, c->rx.len);
	else if (c->priv == PRIV_BN_SPOT)
		wsapi_control(c, c->rx.p, c->rx.len);
	else if (c->priv)
		;	/* a user data stream takes no requests */
	else if (is_binance(c->mk))
		bn_control(c, c->rx.p, c->rx.len);
	else if (c->mk == MK_PM_CLOB)
		pm_control(c, c->rx.p, c->rx.len);
	else
		by_control(c, c->rx.p, c->rx.len);
	buf_reset(&c->rx);
	return 0;
}
