/*
 * loop.c: the event loop: listening (libwebsockets, on the program's
 * loop through net/lwsloop), the libwebsockets callback, and the timers
 * that step the markets (--rate, --replay-speed, --wait-clients,
 * --hold-at) and end the run (--duration); SIGINT and SIGTERM stop the
 * loop.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"
#include "io/loop.h"
#include "io/sig.h"
#include "net/lwsloop.h"
#include "prog/err.h"

#include "sim.h"

/* --wait-clients: have enough WebSockets subscribed to something, and
 * (--wait-snapshots) enough REST order books been served? */
static int
clients_ready(struct sim *s)
{
	const struct conn *c;
	uint64_t n = 0;

	if (s->started)
		return 1;
	for (c = s->conns; c; c = c->next)
		n += c->nsubs > 0;
	if (n < s->o->wait_clients || s->snapshots < s->o->wait_snapshots)
		return 0;
	s->started = 1;
	s->next_step_us = time_mono_us();
	return 1;
}

/* Steps a --replay-speed timer call takes at most before it yields. */
#define SPEED_BATCH 1000

/* Take the next step in `us` microseconds. */
static void
step_in(struct sim *s, int64_t us)
{
	if (loop_timer_at(s->loop, &s->step, time_mono_us() + us) < 0)
		die_nomem();
}

/* SIGUSR1 ends a --hold-at. */
static volatile sig_atomic_t hold_released;

void
on_usr1(int sig)
{
	(void)sig;
	hold_released = 1;
}

/*
 * --hold-at K: once every market took K steps (0: before the first),
 * hold them (saying so on standard error, which scripts wait for) until
 * SIGUSR1, so that a test can look at the markets at a known step, or
 * let its clients get ready, however long it takes.  Nonzero while
 * holding.
 */
static int
holding(struct sim *s)
{
	if (!s->o->hold_given || s->hold_done || s->rounds < s->o->hold_at)
		return 0;
	if (!s->held) {
		s->held = 1;
		fprintf(stderr, "%s: markets held at %llu updates\n",
		    err_progname(), (unsigned long long)s->rounds);
	}
	if (!hold_released)
		return 1;
	s->held = 0;
	s->hold_done = 1;
	s->next_step_us = time_mono_us();
	return 0;
}

/*
 * --replay-speed: take every step due by now on the file's clock, the
 * earliest first across instruments, then sleep until the next is due.
 * A step without a time is due with the one before it.
 */
static void
step_by_time(struct sim *s, int64_t now)
{
	int64_t fnow, due, wait;
	int n;

	if (!s->rp_start_us)
		s->rp_start_us = now;
	fnow = s->rp_t0 +
	    (int64_t)((double)(now - s->rp_start_us) / 1000.0 *
	    s->o->replay_speed);
	for (n = 0; n < SPEED_BATCH; n++) {
		struct inst *next = NULL;
		size_t i;

		for (i = 0; i < s->ninst; i++) {
			struct inst *in = &s->inst[i];

			if (inst_done(s, in))
				continue;
			due = in->rp->rec[in->rp_next].at;
			if (!next || due < next->rp->rec[next->rp_next].at)
				next = in;
		}
		if (!next) {
			markets_done(s);
			return;
		}
		due = next->rp->rec[next->rp_next].at;
		if (due > fnow) {
			wait = (int64_t)((double)(due - fnow) * 1000.0 /
			    s->o->replay_speed);
			/* Wake at least once a second: the clock is
			 * recomputed then, whatever the sleep's rounding. */
			if (wait > 1000000)
				wait = 1000000;
			step_in(s, wait > 0 ? wait : 1);
			return;
		}
		step_inst(s, next);
	}
	step_in(s, 1);
}

static void
on_step(struct loop_timer *t, void *ctx)
{
	struct sim *s = ctx;
	int64_t now = time_mono_us(), period;
	int n;

	(void)t;
	if (!clients_ready(s)) {
		step_in(s, 10000);
		return;
	}
	if (holding(s)) {
		step_in(s, 10000);
		return;
	}
	if (s->o->replay_speed) {
		step_by_time(s, now);
		return;
	}

	if (s->o->rate == 0) {
		for (n = 0; n < 16 && !readers_behind(s); n++) {
			if (holding(s)) {
				step_in(s, 10000);
				return;
			}
			if (!step_all(s)) {
				markets_done(s);
				return;
			}
		}
		step_in(s, readers_behind(s) ? 1000 : 1);
		return;
	}
	period = 1000000 / s->o->rate;
	/* Catch up when the loop was late, but never by more than 1 s. */
	if (now - s->next_step_us > 1000000)
		s->next_step_us = now;
	while (s->next_step_us <= now) {
		if (holding(s)) {
			step_in(s, 10000);
			return;
		}
		if (!step_all(s)) {
			markets_done(s);
			return;
		}
		s->next_step_us += period;
	}
	step_in(s, s->next_step_us - now);
}

static void
on_duration(struct loop_timer *t, void *ctx)
{
	struct sim *s = ctx;

	(void)t;
	loop_stop(s->loop);
}

static void
on_stop_signal(int sig, void *ctx)
{
	struct sim *s = ctx;

	(void)sig;
	loop_stop(s->loop);
}

/* ---------------------------------------------------------------- */
/* The libwebsockets callback */

static void
conn_bind(struct sim *s, struct conn *c)
{
	if (c->sim)
		return;
	c->sim = s;
	c->id = ++s->next_conn_id;
	buf_init(&c->rx, RX_MAX);
	buf_init(&c->body, 0);
	buf_init(&c->req, 1 << 20);
}

static int
sim_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct sim *s = lws_context_user(lws_get_context(wsi));
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		conn_bind(s, c);
		if (ws_target(s, wsi, c) < 0) {
			conn_release(s, c);
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND,
			    NULL);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		conn_established(s, c, wsi);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return conn_writeable(c);
	case LWS_CALLBACK_RECEIVE:
		return conn_receive(c, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		conn_pong(c, in, len);
		return 0;
	case LWS_CALLBACK_TIMER:
		if (c && c->sim && c->ord)
			return orders_timer(s, wsi, c);
		return c && c->sim ? conn_timer(c) : 0;
	case LWS_CALLBACK_HTTP:
		conn_bind(s, c);
		return http_request(s, wsi, c, in);
	case LWS_CALLBACK_HTTP_BODY:
		return c && c->sim ? orders_body(c, in, len) : -1;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return c && c->sim ? orders_body_done(s, wsi, c) : -1;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c ? http_writeable(s, wsi, c) : 0;
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (c && c->sim)
			conn_release(s, c);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{ "mkt-sim", sim_callback, sizeof(struct conn), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---------------------------------------------------------------- */
/* Start and stop */

void
lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	(void)level;
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	fprintf(stderr, "%s: lws: %.*s\n", err_progname(), (int)n, line);
}

/* Listen on 127.0.0.1, with TLS on --tls, from the program's loop. */
void
sim_listen(struct sim *s)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;
	int r;

	if (loop_open(&s->loop) < 0)
		die_errno("cannot make the event loop");
	if (loop_on_stop_signal(s->loop, on_stop_signal, s) < 0)
		die_errno("cannot set up the event loop");
	loop_timer_init(&s->step, on_step, s);
	loop_timer_init(&s->end, on_duration, s);
	memset(&info, 0, sizeof info);
	info.port = s->o->port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.user = s;
	info.vhost_name = "default";
	info.server_string = "mkt-sim";
	info.max_http_header_data = ARG_MAX;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
	    LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (s->o->tls)
		tls_setup(s->o, &info);
	r = lwsloop_open(&s->ll, s->loop, &info);
	/* The vhost has loaded the key: no need to keep it on disk. */
	tls_remove_files();
	if (r < 0 && errno != EIO)
		die_errno("cannot listen on 127.0.0.1:%d", s->o->port);
	if (r < 0)
		die("cannot listen on 127.0.0.1:%d", s->o->port);
	s->ctx = lwsloop_context(s->ll);
	vh = lws_get_vhost_by_name(s->ctx, "default");
	if (!vh || lws_get_vhost_listen_port(vh) <= 0)
		die("cannot listen on 127.0.0.1:%d", s->o->port);
	s->start_ms = time_now_ms();
}

/* Serve until --duration has passed or a stop signal came. */
void
sim_run(struct sim *s)
{
	int e;

	s->next_step_us = time_mono_us();
	step_in(s, 1);
	if (s->o->duration &&
	    loop_timer_in(s->loop, &s->end, s->o->duration) < 0)
		die_nomem();
	if (!sig_stop_requested() && loop_run(s->loop) < 0)
		die_errno("event loop failed");
	e = lwsloop_error(s->ll);
	if (e) {
		errno = e;
		die_errno("event loop failed");
	}
	loop_timer_stop(s->loop, &s->step);
	loop_timer_stop(s->loop, &s->end);
}

/* Close every connection, then the loop. */
void
sim_close(struct sim *s)
{
	lwsloop_close(s->ll);
	s->ll = NULL;
	s->ctx = NULL;
	loop_close(s->loop);
	s->loop = NULL;
}
