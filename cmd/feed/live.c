/*
 * mkt-feed live: WebSocket streams (net/ws) and REST snapshots through
 * one weight-aware scheduler (net/rest), both on the program's one event
 * loop (io/loop), what differs between venues taken from their tables.
 *
 * About 1,000 lines because connections, their groups, handovers and
 * the loop's timers share the live state (struct live, live.h) through
 * static callbacks; the target set (targets.c), instruments (instr.c)
 * and metrics (metrics.c) are apart already, and the connection groups
 * are the next piece to move out.
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
#include "live.h"

/*
 * Live.  A target is one symbol of one venue and market; a group is the
 * symbols one WebSocket connection carries.  What differs between venues
 * is their table's (venue.h): URL plans, subscriptions, pings, how long
 * a connection may live.
 */
#define SILENT_MS 120000	/* no frame and no pong: the line is dead */
#define RESUBSCRIBE_MS 5000
#define ROTATE_RETRY_MS 1000	/* a handover still under way: again then */
/*
 * Events are written when the loop is about to wait, so that those of
 * one read leave in one write, but no event waits longer than this for
 * the frames read with it (a read can hold a whole burst).
 */
#define FLUSH_US 40
/*
 * A connection that keeps failing the same way is reported on standard
 * error once a minute, with how often it failed meanwhile; the status
 * events say it every time (the causes remembered: REPORT_CAUSES).
 */
#define REPORT_EVERY_MS 60000

void
feed_status(struct live *lv, const struct venue_market *m,
    const char *symbol, const char *state, const char *extra)
{
	struct buf *out = &lv->r.ob;

	buf_adds(out, "{\"type\":\"status\",\"venue\":\"");
	buf_adds(out, venue_name(m));
	buf_adds(out, "\",\"market\":\"");
	buf_adds(out, venue_market(m));
	buf_addc(out, '"');
	if (symbol) {
		buf_adds(out, ",\"symbol\":");
		buf_add_jstr(out, symbol, strlen(symbol));
	}
	buf_adds(out, ",\"time\":");
	buf_addi(out, time_now_ms());
	buf_adds(out, ",\"source\":\"mkt-feed\",\"state\":\"");
	buf_adds(out, state);
	buf_addc(out, '"');
	if (extra)
		buf_adds(out, extra);
	buf_adds(out, "}\n");
	run_flush_events(&lv->r);
}

struct target *
feed_find_target(struct live *lv, const char *venue, const char *market,
    const char *symbol)
{
	char key[128];
	size_t n = keymap_key3(key, sizeof key, venue, strlen(venue), market,
	    strlen(market), symbol, strlen(symbol));

	return n ? keymap_get(&lv->bykey, key, n) : NULL;
}

static void snapshot_done(struct rest_req *q, int status, const char *body,
    size_t n, void *ctx);
static int all_polled(const struct live *lv);
static void group_timers(struct group *g);
static void live_flush_soon(struct live *lv, int64_t recv_us);
static void live_flush(struct live *lv);
static void on_ping_timer(struct loop_timer *tm, void *ctx);
static void on_sub_timer(struct loop_timer *tm, void *ctx);
static void on_rotate_timer(struct loop_timer *tm, void *ctx);

void
feed_snapshot(struct target *t)
{
	struct rest_req *q = &t->req;
	const struct venue_market *m = t->t.m;
	int weight, limit;
	long window;

	if (t->pending)
		return;
	memset(q, 0, sizeof *q);
	if (venue_snapshot_url(m, t->t.symbol, t->lv->o->depth_limit,
	    q->url, sizeof q->url, &weight) < 0)
		die("snapshot URL too long for %s", t->t.symbol);
	q->weight = weight;
	q->host_key = venue_rest_budget(m, &limit, &window);
	q->done = snapshot_done;
	q->ctx = t;
	if (rest_submit(t->lv->rest, q) < 0)
		die_errno("cannot queue a snapshot request for %s",
		    t->t.symbol);
	t->pending = 1;
}

static void
snapshot_done(struct rest_req *q, int status, const char *body, size_t n,
    void *ctx)
{
	struct target *t = ctx;
	struct live *lv = t->lv;
	const struct venue_market *m = t->t.m;
	char why[256];

	t->pending = 0;
	t->polled = 1;
	if (lv->o->once && all_polled(lv))
		loop_stop(lv->loop);
	if (status != 200) {
		if (status < 0)
			warn("%s %s %s: snapshot request failed: %s",
			    venue_name(m), venue_market(m), t->t.symbol,
			    q->error);
		else
			warn("%s %s %s: snapshot request failed: HTTP %d",
			    venue_name(m), venue_market(m), t->t.symbol,
			    status);
		return;
	}
	lv->snapshots++;
	if (stream_message(&lv->st, m->venue, venue_market(m), t->t.symbol,
	    body, n, time_now_us(), 0, &lv->r.ob, why, sizeof why) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		warn("%s %s %s: bad snapshot: %s", venue_name(m),
		    venue_market(m), t->t.symbol, why);
	} else {
		t->collected = 1;
	}
	run_flush_events(&lv->r);
}

/* Send each message of msgs[0..len) (each ended by '\0') at once. */
static void
send_all(struct ws_conn *c, const struct buf *msgs)
{
	size_t off, n;

	for (off = 0; off < msgs->len; off += n + 1) {
		n = strlen(msgs->p + off);
		if (ws_send(c, msgs->p + off, n) < 0)
			die_nomem();
	}
}

/* The symbols of targets t[0..n), for the venue's table; the caller
 * frees the array. */
static const char **
symbols_of(struct target **t, size_t n)
{
	const char **s = calloc(n + 1, sizeof *s);
	size_t i;

	if (!s)
		die_nomem();
	for (i = 0; i < n; i++)
		s[i] = t[i]->t.symbol;
	return s;
}

/* Subscribe (on = 1) or unsubscribe targets on the group's connection,
 * for venues that subscribe on an open connection. */
static void
subscribe(struct group *g, struct target **t, size_t n, int on)
{
	const struct venue_ops *v = g->m->venue;
	const char **syms;
	struct buf msgs;

	if (!v->subscribe)
		return;
	syms = symbols_of(t, n);
	buf_init(&msgs, 0);
	if (v->subscribe(g->m, syms, n, g->lv->o->streams, on, &msgs) < 0)
		die_nomem();
	send_all(g->conn, &msgs);
	buf_free(&msgs);
	free(syms);
}

/* What a sync needs, from stream_message(). */
static void
on_need(void *ctx, const char *venue, const char *market, const char *symbol,
    int what)
{
	struct live *lv = ctx;
	struct target *t = feed_find_target(lv, venue, market, symbol);
	int64_t now = time_now_ms();

	if (!t || t->gone)
		return;
	if (what == SYNC_SNAPSHOT) {
		feed_snapshot(t);
		return;
	}
	/* Venues with snapshots in the stream send one when a topic is
	 * subscribed again. */
	if (now - t->last_resub < RESUBSCRIBE_MS || !t->g ||
	    !t->t.m->venue->subscribe)
		return;
	t->last_resub = now;
	lv->resyncs++;
	subscribe(t->g, &t, 1, 0);
	subscribe(t->g, &t, 1, 1);
}

static void
on_open(struct ws_conn *c, void *ctx)
{
	struct group *g = ctx;
	struct buf extra;
	size_t i;

	buf_init(&extra, 0);
	buf_adds(&extra, ",\"url\":");
	buf_add_jstr(&extra, ws_url(c), strlen(ws_url(c)));
	if (g->old)
		buf_adds(&extra, ",\"reason\":\"handover\"");
	buf_addc(&extra, '\0');
	feed_status(g->lv, g->m, NULL, "connected", extra.p);
	buf_free(&extra);
	/* A replacement is planned; a second open after a loss is not. */
	if (g->old)
		g->lv->handovers++;
	else if (g->opened)
		g->lv->reconnects++;
	g->opened = 1;
	g->last_ping = time_now_ms();
	g->last_frame = time_mono_ms();
	g->next_sub = 0;
	g->last_sub = 0;
	group_timers(g);
	/* A replacement carries on the same update ids: the books stay, and
	 * what both connections deliver is dropped as already applied. */
	if (g->old)
		return;
	/* Every book starts again from a fresh snapshot. */
	for (i = 0; i < g->n; i++)
		stream_resync(&g->lv->st, venue_name(g->m), venue_market(g->m),
		    g->t[i]->t.symbol, "reconnect", &g->lv->r.ob);
	subscribe(g, g->t, g->n, 1);
	/* Targets added while it connected to an older URL. */
	if (g->resend && g->m->venue->change) {
		g->resend = 0;
		feed_group_change(g, g->t, g->n, 1);
	}
	if (!g->m->rule->snapshot_in_stream && g->part == 0)
		/* Ask for the snapshots now rather than at the first depth
		 * event: a quiet symbol would otherwise wait for a trade. */
		for (i = 0; i < g->n; i++)
			feed_snapshot(g->t[i]);
	g->last_ping = time_now_ms();
	run_flush_events(&g->lv->r);
}

static void handover(struct group *g, const char *why);

/* Does the group carry order books (its handovers end by them)? */
static int
carries_books(const struct group *g)
{
	return g->part == 0 && (g->lv->o->streams & VENUE_DEPTH);
}

/* A handover starts: every book of the group watches for the two
 * connections to meet. */
static void
handover_books(struct group *g)
{
	size_t i;

	if (carries_books(g))
		for (i = 0; i < g->n; i++)
			stream_handover(&g->lv->st, venue_name(g->m),
			    venue_market(g->m), g->t[i]->t.symbol);
}

/*
 * May the old connection of a handover go, after a frame from c?  When
 * every book has caught up (stream_caught_up()); in a group without
 * books, when the replacement delivers.
 */
static int
handover_done(struct group *g, const struct ws_conn *c)
{
	size_t i;

	if (!carries_books(g))
		return c == g->conn;
	for (i = 0; i < g->n; i++)
		if (!stream_caught_up(&g->lv->st, venue_name(g->m),
		    venue_market(g->m), g->t[i]->t.symbol))
			return 0;
	return 1;
}

/* The end of a handover: the connection being replaced goes (and the
 * next handover, when one was asked for meanwhile, starts). */
static void
drop_old(struct group *g)
{
	const char *again = g->again;

	ws_drop(g->old);
	g->old = NULL;
	g->again = NULL;
	if (again)
		handover(g, again);
}

static void
on_message(struct ws_conn *c, const char *msg, size_t n, int64_t recv_us,
    void *ctx)
{
	struct group *g = ctx;
	struct live *lv = g->lv;
	char why[256];
	int r;

	lv->frames++;
	if (c == g->conn)
		g->last_frame = time_mono_ms();
	if (!msg) {
		if (lv->bad_frames++ < 100)
			warn("bad frame from %s: too large (%zu bytes), skipped",
			    ws_url(c), n);
		return;
	}
	/* During a handover the replacement may run ahead of the old
	 * connection: what it delivers early is no gap (SYNC_EARLY). */
	r = stream_message(&lv->st, g->m->venue, venue_market(g->m), NULL,
	    msg, n, recv_us, g->old && c == g->conn ? SYNC_EARLY : 0,
	    &lv->r.ob, why, sizeof why);
	if (r < 0) {
		if (errno == ENOMEM)
			die_nomem();
		/* Reported like bad input lines: counted, rate-limited. */
		if (lv->bad_frames++ < 100)
			warn("bad frame from %s: %s", ws_url(c), why);
	} else if (r == STREAM_SHUTDOWN && c == g->conn) {
		handover(g, "server shutdown announced");
	}
	if (g->old && handover_done(g, c))
		drop_old(g);
	live_flush_soon(lv, recv_us);
}

/*
 * A connection of the group failed or closed: say why on standard error,
 * rate-limited per cause (REPORT_EVERY_MS), with the count of the
 * failures not reported since.
 */
static void
report_down(struct group *g, const char *why, int64_t retry_ms)
{
	struct cause *k = NULL, *oldest = &g->causes[0];
	int64_t now = time_mono_ms();
	char again[32];
	size_t i;

	for (i = 0; i < REPORT_CAUSES && !k; i++) {
		if (g->causes[i].reported && strcmp(g->causes[i].why, why) == 0)
			k = &g->causes[i];
		else if (g->causes[i].reported < oldest->reported)
			oldest = &g->causes[i];
	}
	if (k && now - k->reported < REPORT_EVERY_MS) {
		k->repeats++;
		return;
	}
	dur_format(retry_ms, again, sizeof again);
	if (k && k->repeats)
		warn("%s %s: %s; again in %s (%lu more times since the last "
		    "report)", venue_name(g->m), venue_market(g->m), why, again,
		    k->repeats);
	else
		warn("%s %s: %s; again in %s", venue_name(g->m),
		    venue_market(g->m), why, again);
	if (!k) {
		k = oldest;
		snprintf(k->why, sizeof k->why, "%s", why);
	}
	k->reported = now;
	k->repeats = 0;
}

static void
on_closed(struct ws_conn *c, const char *why, int64_t retry_ms, void *ctx)
{
	struct group *g = ctx;
	struct buf extra;
	size_t i;

	/* The connection being replaced: its successor carries the books
	 * (and what the old one did not deliver shows as a gap there). */
	if (c != g->conn) {
		if (c == g->old)
			drop_old(g);
		return;
	}
	report_down(g, why, retry_ms);
	g->lv->disconnects++;
	buf_init(&extra, 0);
	buf_adds(&extra, ",\"url\":");
	buf_add_jstr(&extra, ws_url(c), strlen(ws_url(c)));
	buf_adds(&extra, ",\"reason\":");
	buf_add_jstr(&extra, why, strlen(why));
	buf_addf(&extra, ",\"retry_ms\":%lld", (long long)retry_ms);
	buf_addc(&extra, '\0');
	feed_status(g->lv, g->m, NULL, "disconnected", extra.p);
	buf_free(&extra);
	for (i = 0; i < g->n; i++)
		stream_resync(&g->lv->st, venue_name(g->m), venue_market(g->m),
		    g->t[i]->t.symbol, "disconnected", &g->lv->r.ob);
	run_flush_events(&g->lv->r);
}

static const struct ws_handlers handlers = { on_open, on_message, on_closed };

/*
 * Replace a group's connection without a gap in the output (a server's
 * announced shutdown, the venue's limit on a connection's age): open the
 * new one and read both, the books taking each update once, until the
 * two have met in every book (handover_done()); then drop the old.
 * Until then the new one's updates that run ahead of the old one's are
 * early, not gaps (SYNC_EARLY).  Only where the venue allows
 * it (venue_ops.handover); one at a time.
 */
/* How long the group's connection may stay silent: the venue's limit
 * (one that answers its ping), or ours. */
static int64_t
silent_ms(const struct group *g)
{
	int64_t v = g->m->venue->silent_ms;

	return v > 0 ? v : SILENT_MS;
}

static void
handover(struct group *g, const char *why)
{
	struct ws_conn *c;

	if (!g->m->venue->handover)
		return;
	if (g->old) {
		g->again = why;
		return;
	}
	c = ws_connect(g->lv->ws, g->url, &handlers, g, silent_ms(g));
	if (!c)
		die_errno("cannot open a replacement connection");
	g->old = g->conn;
	g->conn = c;
	handover_books(g);
	if (g->lv->o->mo.stats_ms)
		warn("replacing %s: %s", g->url, why);
}

static void
on_limit(const char *key, int status, int64_t until_ms, void *ctx)
{
	struct live *lv = ctx;
	const struct venue_market *m;
	char extra[128];

	for (m = venue_next(NULL); m; m = venue_next(m))
		if (strcmp(m->host_key, key) == 0)
			break;
	if (!m)
		return;
	lv->rate_limits += status != 0;
	snprintf(extra, sizeof extra, ",\"status\":%d,\"until\":%lld",
	    status, (long long)until_ms);
	feed_status(lv, m, NULL, status ? "rate_limited" : "rate_ok", extra);
}

struct group *
feed_new_group(struct live *lv, const struct venue_market *m, int part)
{
	struct group *g = calloc(1, sizeof *g);

	if (!g)
		die_nomem();
	if (lv->ng == lv->gcap) {
		size_t cap = lv->gcap ? lv->gcap * 2 : 16;
		struct group **p = realloc(lv->groups, cap * sizeof *p);

		if (!p)
			die_nomem();
		lv->groups = p;
		lv->gcap = cap;
	}
	lv->groups[lv->ng++] = g;
	g->lv = lv;
	g->m = m;
	g->part = part;
	buf_init(&g->subs, 0);
	loop_timer_init(&g->ping, on_ping_timer, g);
	loop_timer_init(&g->sub, on_sub_timer, g);
	loop_timer_init(&g->rotate, on_rotate_timer, g);
	return g;
}

void
feed_group_add(struct group *g, struct target *t)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct target **p = realloc(g->t, cap * sizeof *p);

		if (!p)
			die_nomem();
		g->t = p;
		g->cap = cap;
	}
	g->t[g->n++] = t;
	if (g->part == 0)
		t->g = g;
}

/*
 * The group's plan from its targets: the connection URL (g->url) and
 * the messages to send once it is open (g->subs).  How many streams it
 * carries (0: nothing to take; g->url NULL).
 */
static int
group_plan(struct group *g)
{
	const char **syms = symbols_of(g->t, g->n);
	struct buf url;
	int k;

	free(g->url);
	g->url = NULL;
	buf_reset(&g->subs);
	buf_init(&url, 0);
	buf_adds(&url, venue_ws_base(g->m));
	k = g->m->venue->plan(g->m, g->part, syms, g->n, g->lv->o->streams,
	    &url, &g->subs);
	free(syms);
	buf_addc(&url, '\0');
	if (k < 0 || buf_failed(&url) || buf_failed(&g->subs))
		die_nomem();
	if (k == 0) {
		buf_free(&url);
		return 0;
	}
	g->url = url.p;
	return k;
}

void
feed_group_connect(struct group *g)
{
	size_t sent = g->next_sub, len = g->subs.len;

	if (g->conn) {
		/* Open already: its next attempts and handovers take the
		 * new plan; a plan still being sent starts over (the
		 * venues take a stream subscribed twice). */
		if (group_plan(g) == 0)
			return;
		if (ws_set_url(g->conn, g->url) < 0)
			die_errno("bad WebSocket URL '%s'", g->url);
		if (sent < len)
			g->next_sub = 0;
		return;
	}
	/* A part without streams (futures /market without trades) has
	 * nothing to do. */
	if (group_plan(g) == 0)
		return;
	g->resend = 0;
	g->conn = ws_connect(g->lv->ws, g->url, &handlers, g, silent_ms(g));
	if (!g->conn)
		die_errno("bad WebSocket URL '%s'", g->url);
}

void
feed_group_change(struct group *g, struct target **t, size_t n, int on)
{
	const struct venue_ops *v = g->m->venue;
	const char **syms;
	struct buf msgs;

	if (!g->conn)
		return;
	if (!ws_is_open(g->conn)) {
		/* Connecting on an older URL: on open, it is told. */
		g->resend |= on;
		return;
	}
	if (!v->change) {
		subscribe(g, t, n, on);
		return;
	}
	syms = symbols_of(t, n);
	buf_init(&msgs, 0);
	if (v->change(g->m, g->part, syms, n, g->lv->o->streams, on,
	    &msgs) < 0)
		die_nomem();
	send_all(g->conn, &msgs);
	buf_free(&msgs);
	free(syms);
}

void
feed_group_drop(struct group *g)
{
	struct loop *l = g->lv->loop;

	loop_timer_stop(l, &g->ping);
	loop_timer_stop(l, &g->sub);
	loop_timer_stop(l, &g->rotate);
	if (g->old)
		ws_drop(g->old);
	if (g->conn)
		ws_drop(g->conn);
	g->old = g->conn = NULL;
	g->again = NULL;
	g->resend = 0;
	free(g->url);
	g->url = NULL;
	buf_reset(&g->subs);
	g->next_sub = 0;
}

/* The next message of an open connection's plan, paced. */
static void
on_sub_timer(struct loop_timer *tm, void *ctx)
{
	struct group *g = ctx;
	size_t n;

	(void)tm;
	if (!g->conn || !ws_is_open(g->conn) || g->next_sub >= g->subs.len)
		return;
	n = strlen(g->subs.p + g->next_sub);
	if (ws_send(g->conn, g->subs.p + g->next_sub, n) < 0)
		die_nomem();
	g->next_sub += n + 1;
	g->last_sub = time_now_ms();
	if (g->next_sub < g->subs.len &&
	    loop_timer_in(g->lv->loop, &g->sub, g->m->venue->pace_ms) < 0)
		die_nomem();
}

/* The application ping of venues that want one. */
static void
on_ping_timer(struct loop_timer *tm, void *ctx)
{
	struct group *g = ctx;
	const struct venue_ops *v = g->m->venue;

	(void)tm;
	if (!g->conn || !ws_is_open(g->conn))
		return;
	/* A venue that answers its ping: nothing since, not even the
	 * answer, and the line is dead (the WebSocket's own pings may
	 * still be answered by a server that has stopped serving). */
	if (v->silent_ms > 0 && time_mono_ms() - g->last_frame >
	    v->silent_ms) {
		ws_restart(g->conn, "no answer to the ping");
		return;
	}
	g->last_ping = time_now_ms();
	if (ws_send(g->conn, v->ping_msg, strlen(v->ping_msg)) < 0 ||
	    loop_timer_in(g->lv->loop, &g->ping, v->ping_ms) < 0)
		die_nomem();
}

/* The venue's connection age limit: hand the connection over before it. */
static void
on_rotate_timer(struct loop_timer *tm, void *ctx)
{
	struct group *g = ctx;
	int64_t left;

	(void)tm;
	if (!g->conn || !ws_is_open(g->conn))
		return;
	left = g->m->venue->max_conn_ms - ws_open_ms(g->conn);
	if (left < 0 && !g->old) {
		handover(g, "24-hour limit");
		return;
	}
	/* Early, or the last handover is still under way. */
	if (loop_timer_in(g->lv->loop, &g->rotate, left > 0 ? left :
	    ROTATE_RETRY_MS) < 0)
		die_nomem();
}

/* A connection of the group opened: its periodic work starts. */
static void
group_timers(struct group *g)
{
	const struct venue_ops *v = g->m->venue;
	struct loop *l = g->lv->loop;

	if (v->ping_ms && loop_timer_in(l, &g->ping, v->ping_ms) < 0)
		die_nomem();
	if (g->subs.len && loop_timer_in(l, &g->sub, 0) < 0)
		die_nomem();
	if (v->handover && v->max_conn_ms > 0 &&
	    loop_timer_in(l, &g->rotate, v->max_conn_ms + 1) < 0)
		die_nomem();
}

/* Targets into groups (feed_targets_place()), then connected. */
static void
make_groups(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->nt; i++)
		if (!lv->targets[i]->gone)
			feed_targets_place(lv, lv->targets[i]);
	for (i = 0; i < lv->ng; i++)
		feed_group_connect(lv->groups[i]);
}

static void
setup_rest(struct live *lv)
{
	const struct venue_market *m;

	if (rest_open(&lv->rest, lv->o->ca) < 0)
		die_errno("cannot start the REST client");
	for (m = venue_next(NULL); m; m = venue_next(m)) {
		int limit;
		long window;
		const char *key = venue_rest_budget(m, &limit, &window);

		/* Half the IP's budget: other tools on it keep headroom. */
		if (rest_budget(lv->rest, key, limit, window, 0.5) < 0)
			die_errno("cannot set the REST budget");
	}
	rest_on_limit(lv->rest, on_limit, lv);
}

static void
print_stats(struct live *lv)
{
	size_t i, open = 0, conns = 0;

	for (i = 0; i < lv->ng; i++) {
		conns += lv->groups[i]->conn != NULL;
		open += lv->groups[i]->conn && ws_is_open(lv->groups[i]->conn);
	}
	warn("%lu frames (%lu bad), %lu snapshots, %zu/%zu connections up, "
	    "%zu REST requests pending", lv->frames, lv->bad_frames,
	    lv->snapshots, open, conns, rest_pending(lv->rest));
}

/* --rest: a round of snapshot requests, one per target. */
static void
poll_round(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->nt; i++)
		if (!lv->targets[i]->gone)
			feed_snapshot(lv->targets[i]);
}

static int
all_polled(const struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->nt; i++)
		if (!lv->targets[i]->gone && (!lv->targets[i]->polled ||
		    lv->targets[i]->pending))
			return 0;
	return 1;
}

/*
 * Write the events rendered so far once the oldest has waited FLUSH_US
 * (the loop's hook writes the rest before it waits).
 */
static void
live_flush_soon(struct live *lv, int64_t recv_us)
{
	if (!lv->r.ob.len) {
		lv->batch_us = 0;
		return;
	}
	if (!lv->batch_us)
		lv->batch_us = recv_us;
	if (recv_us - lv->batch_us >= FLUSH_US)
		live_flush(lv);
}

static void
live_flush(struct live *lv)
{
	lv->dirty |= lv->r.ob.len > 0;
	run_flush_events(&lv->r);
	lv->batch_us = 0;
}

/* READERS_MS: how soon a unix: reader that is behind is pushed again. */
#define READERS_MS 20

static void
on_readers_timer(struct loop_timer *tm, void *ctx)
{
	struct live *lv = ctx;

	(void)tm;
	if (out_flush(lv->r.out) < 0) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error");
	}
}

/* A reader of a unix: output whose socket would not take all: its
 * queue is pushed again soon, not only when the next event comes (a
 * quiet feed may send none for a while). */
static void
readers_behind(struct live *lv)
{
	struct pollfd p[1];

	if (out_pollfds(lv->r.out, p, 1) == 0 ||
	    loop_timer_armed(&lv->readers))
		return;
	if (loop_timer_in(lv->loop, &lv->readers, READERS_MS) < 0)
		die_nomem();
}

/* Before the loop waits: write what is rendered, check the libraries. */
static void
before_block(void *ctx)
{
	struct live *lv = ctx;
	int e;

	live_flush(lv);
	/* Some event went out since the last wait: push it on. */
	if (lv->dirty && out_flush(lv->r.out) < 0) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error");
	}
	lv->dirty = 0;
	readers_behind(lv);
	e = rest_error(lv->rest);
	if (e) {
		errno = e;
		die_errno("REST service failed");
	}
	e = lv->ws ? ws_error(lv->ws) : 0;
	if (e) {
		errno = e;
		die_errno("WebSocket service failed");
	}
}

static void
on_stats_timer(struct loop_timer *tm, void *ctx)
{
	struct live *lv = ctx;

	if (lv->o->mo.stats_ms)
		print_stats(lv);
	feed_metrics(lv);
	if (loop_timer_in(lv->loop, tm, metrics_period(&lv->o->mo)) < 0)
		die_nomem();
}

/* --rest: a round of snapshots now and every --interval. */
static void
on_poll_timer(struct loop_timer *tm, void *ctx)
{
	struct live *lv = ctx;

	poll_round(lv);
	if (!lv->o->once && loop_timer_in(lv->loop, tm, lv->o->interval) < 0)
		die_nomem();
}

/* --duration has passed: stop as on a signal. */
static void
on_end_timer(struct loop_timer *tm, void *ctx)
{
	struct live *lv = ctx;

	(void)tm;
	loop_stop(lv->loop);
}

/*
 * --once: the books that did not come out, named on standard error.  1
 * when there is one, else 0.
 */
static int
report_missing(const struct live *lv)
{
	struct buf names;
	size_t i, missing = 0;

	buf_init(&names, 0);
	for (i = 0; i < lv->nt; i++) {
		const struct target *t = lv->targets[i];

		if (t->collected || t->gone)
			continue;
		buf_adds(&names, missing++ ? ", " : "");
		buf_adds(&names, venue_name(t->t.m));
		buf_addc(&names, ':');
		buf_adds(&names, venue_market(t->t.m));
		buf_addc(&names, ':');
		buf_adds(&names, t->t.symbol);
	}
	buf_addc(&names, '\0');
	if (buf_failed(&names))
		die_nomem();
	if (missing)
		warn("%zu of %zu books not collected: %s", missing, lv->nt,
		    names.p);
	buf_free(&names);
	return missing > 0;
}

static void
on_stop_signal(int sig, void *ctx)
{
	struct live *lv = ctx;

	(void)sig;
	loop_stop(lv->loop);
}

/* --instruments: the rules of the targets of the start. */
static int
start_instruments(struct live *lv)
{
	struct venue_target *t;
	size_t i, n = 0;
	int r;

	t = calloc(lv->nt ? lv->nt : 1, sizeof *t);
	if (!t)
		die_nomem();
	for (i = 0; i < lv->nt; i++)
		if (!lv->targets[i]->gone)
			t[n++] = lv->targets[i]->t;
	r = feed_instruments(lv->o, t, n, lv->rest, lv->loop, &lv->r.ob);
	free(t);
	return r;
}

int
feed_live(struct opts *o)
{
	struct live lv;
	size_t i;
	int failed = 0;

	memset(&lv, 0, sizeof lv);
	lv.o = o;
	metrics_init(&lv.ms, "mkt-feed");
	run_open(&lv.r, NULL, o->run.output, o->run.pass);
	if (loop_open(&lv.loop) < 0)
		die_errno("cannot make the event loop");
	if (loop_on_stop_signal(lv.loop, on_stop_signal, &lv) < 0 ||
	    loop_before_block(lv.loop, before_block, &lv) < 0)
		die_errno("cannot set up the event loop");
	loop_timer_init(&lv.stats, on_stats_timer, &lv);
	loop_timer_init(&lv.poll, on_poll_timer, &lv);
	loop_timer_init(&lv.end, on_end_timer, &lv);
	loop_timer_init(&lv.readers, on_readers_timer, &lv);
	stream_init(&lv.st, on_need, &lv);
	feed_targets_start(&lv);
	setup_rest(&lv);
	if (rest_attach(lv.rest, lv.loop) < 0)
		die_errno("cannot start the REST client");
	/* The instrument events ahead of everything else. */
	if (o->instruments && (start_instruments(&lv) < 0 ||
	    o->instruments_only))
		goto out;
	if (!o->rest) {
		if (ws_open(&lv.ws, lv.loop, o->ca) < 0)
			die_errno("cannot start the WebSocket client");
		ws_message_max(lv.ws, o->max_message);
		make_groups(&lv);
	}
	if (metrics_period(&o->mo) &&
	    loop_timer_in(lv.loop, &lv.stats, metrics_period(&o->mo)) < 0)
		die_nomem();
	if (o->rest && loop_timer_in(lv.loop, &lv.poll, 0) < 0)
		die_nomem();
	if (o->duration && loop_timer_in(lv.loop, &lv.end, o->duration) < 0)
		die_nomem();
	feed_targets_watch(&lv);
	notify_init(&lv.sd);
	if (notify_attach(&lv.sd, lv.loop) < 0)
		die_nomem();
	notify_ready(&lv.sd, "%zu targets", lv.nt);
	if (!sig_stop_requested() && loop_run(lv.loop) < 0)
		die_errno("event loop failed");
	notify_stopping(&lv.sd);
	notify_detach(&lv.sd);
out:
	if (metrics_period(&o->mo))
		feed_metrics(&lv);
	live_flush(&lv);
	if (o->once)
		failed = report_missing(&lv);
	loop_timer_stop(lv.loop, &lv.end);
	loop_timer_stop(lv.loop, &lv.readers);
	for (i = 0; i < lv.ng; i++) {
		loop_timer_stop(lv.loop, &lv.groups[i]->ping);
		loop_timer_stop(lv.loop, &lv.groups[i]->sub);
		loop_timer_stop(lv.loop, &lv.groups[i]->rotate);
	}
	feed_targets_stop(&lv);
	ws_close(lv.ws);
	rest_close(lv.rest);
	loop_close(lv.loop);
	stream_free(&lv.st);
	for (i = 0; i < lv.ng; i++) {
		buf_free(&lv.groups[i]->subs);
		free(lv.groups[i]->t);
		free(lv.groups[i]->url);
		free(lv.groups[i]);
	}
	for (i = 0; i < lv.nt; i++)
		free(lv.targets[i]);
	free(lv.groups);
	free(lv.targets);
	run_close(&lv.r);
	metrics_free(&lv.ms);
	return failed;
}
