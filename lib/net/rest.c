/*
 * rest: the weight-aware REST scheduler (see rest.h).  About 1,000 lines
 * because scheduling and the two ways of driving it share one state;
 * each host's weight accounting is budget.c, what one transfer puts
 * into libcurl and reads back is restxfer.c.
 *
 * Requests wait in one FIFO list; a host whose first waiting request
 * cannot start holds back the rest of its own requests (so a heavy
 * snapshot is not starved by light ones) but not those of other hosts.
 * Each host keeps a ring of (time, weight) for its answered requests,
 * the weight still in flight, the start times of its last REST_PACE_N
 * requests, and the weight that others on the IP use.  All times are
 * CLOCK_MONOTONIC milliseconds; only what callers see is converted to
 * the wall clock.  Transfers go through one libcurl multi handle and a
 * fixed pool of easy handles, reused so connections stay alive.
 *
 * On a loop (rest_attach), libcurl's socket API puts its sockets in the
 * loop's set (CURLMOPT_SOCKETFUNCTION) and its timeouts on a loop timer
 * (CURLMOPT_TIMERFUNCTION); curl_multi_socket_action() runs for what is
 * ready.  A second timer starts queued requests when their budget,
 * pacing or retry delay allows, and announces the end of backoffs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/buf.h"
#include "base/timeutil.h"
#include "io/loop.h"
#include "budget.h"
#include "rest.h"
#include "restxfer.h"

#define REST_429_DEFAULT_MS 60000	/* 429 without Retry-After */
#define REST_418_DEFAULT_MS 120000	/* bans start at 2 minutes */
#define REST_BACKOFF_MAX_MS (4 * 86400000LL)	/* bans end within 3 days */

enum {
	REQ_IDLE,
	REQ_QUEUED,
	REQ_ACTIVE
};

struct rest {
	CURLM *multi;
	char *ca_file;
	struct rest_host **host;
	size_t nhost;
	struct rest_req *head, *tail;	/* waiting */
	size_t nqueued, nactive;
	struct rest_xfer xfer[REST_MAX_ACTIVE];
	void (*on_limit)(const char *, int, int64_t, void *);
	void *on_limit_ctx;
	struct loop *loop;	/* NULL: driven by rest_run() */
	struct loop_timer curl_timer;	/* libcurl's timeout */
	struct loop_timer sched;	/* the next start or backoff end */
	int err;		/* errno of a failure inside the loop */
};

/* A monotonic time as epoch milliseconds, for callers. */
static int64_t
wall_ms(int64_t mono, int64_t now)
{
	return time_now_ms() + (mono - now);
}

static int
merr(CURLMcode mc)
{
	errno = mc == CURLM_OUT_OF_MEMORY ? ENOMEM : EIO;
	return -1;
}

/* Hosts */

static struct rest_host *
host_find(const struct rest *r, const char *key)
{
	size_t i;

	if (!key)
		return NULL;
	for (i = 0; i < r->nhost; i++)
		if (strcmp(r->host[i]->key, key) == 0)
			return r->host[i];
	return NULL;
}

static void
host_backoff(struct rest *r, struct rest_host *h, int status, int64_t ms,
    int64_t now)
{
	int64_t until = now + ms;
	int news;

	news = !h->limited || h->limit_status != status ||
	    until > h->backoff_until + 1000;
	if (until > h->backoff_until)
		h->backoff_until = until;
	/* A ban outranks a 429 while it lasts. */
	if (!h->limited || status == 418 || h->limit_status != 418)
		h->limit_status = status;
	h->limited = 1;
	if (news && r->on_limit)
		r->on_limit(h->key, h->limit_status,
		    wall_ms(h->backoff_until, now), r->on_limit_ctx);
}

static void
lift_backoffs(struct rest *r, int64_t now)
{
	size_t i;

	for (i = 0; i < r->nhost; i++) {
		struct rest_host *h = r->host[i];

		if (!h->limited || now < h->backoff_until)
			continue;
		h->limited = 0;
		h->limit_status = 0;
		if (r->on_limit)
			r->on_limit(h->key, 0, 0, r->on_limit_ctx);
	}
}

/* The queue */

static void
queue_append(struct rest *r, struct rest_req *q)
{
	q->next = NULL;
	if (r->tail)
		r->tail->next = q;
	else
		r->head = q;
	r->tail = q;
	q->state = REQ_QUEUED;
	q->host->nqueued++;
	r->nqueued++;
}

/* Retries go first: they waited already. */
static void
queue_prepend(struct rest *r, struct rest_req *q)
{
	q->next = r->head;
	r->head = q;
	if (!r->tail)
		r->tail = q;
	q->state = REQ_QUEUED;
	q->host->nqueued++;
	r->nqueued++;
}

static void
queue_unlink(struct rest *r, struct rest_req *q, struct rest_req *prev)
{
	if (prev)
		prev->next = q->next;
	else
		r->head = q->next;
	if (r->tail == q)
		r->tail = prev;
	q->next = NULL;
	q->state = REQ_IDLE;
	q->host->nqueued--;
	r->nqueued--;
}

/* When q could start, as far as its host and its retry delay go. */
static int64_t
req_start_at(const struct rest_req *q, int64_t now)
{
	const struct rest_host *h = q->host;
	int64_t t = now, u;

	if (q->not_before > t)
		t = q->not_before;
	if (h->limited && h->backoff_until > t)
		t = h->backoff_until;
	u = budget_pace_at(h);
	if (u > t)
		t = u;
	u = budget_at(h, q->weight, now);
	return u > t ? u : t;
}

/* Transfers */

static struct rest_xfer *
xfer_free_slot(struct rest *r)
{
	size_t i;

	for (i = 0; i < REST_MAX_ACTIVE; i++)
		if (!r->xfer[i].q)
			return &r->xfer[i];
	return NULL;
}

/*
 * Put q on the wire, after its prepare callback.  0; 1 when prepare
 * failed or left q unfit to send (q->error says which: the caller ends
 * it); or -1 with errno and q still to be queued.
 */
static int
xfer_start(struct rest *r, struct rest_req *q, int64_t now)
{
	struct rest_xfer *x = xfer_free_slot(r);
	CURLMcode mc;

	if (!x) {
		errno = EAGAIN;
		return -1;
	}
	if (!x->easy && xfer_setup(x, r->ca_file) < 0)
		return -1;
	if (budget_reserve(q->host) < 0)
		return -1;
	if (q->prepare && q->prepare(q, q->ctx) < 0) {
		snprintf(q->error, sizeof q->error, "prepare failed");
		return 1;
	}
	if (q->prepare && !xfer_req_ok(q)) {
		snprintf(q->error, sizeof q->error,
		    "bad request after prepare");
		return 1;
	}
	if (xfer_load(x, q) < 0)
		return -1;
	mc = curl_multi_add_handle(r->multi, x->easy);
	if (mc != CURLM_OK) {
		xfer_unload(x);
		return merr(mc);
	}
	x->q = q;
	x->start = now;
	q->xfer = x;
	q->state = REQ_ACTIVE;
	q->tries++;
	q->error[0] = '\0';
	budget_started(q->host, q->weight, now);
	r->nactive++;
	return 0;
}

/* Take x off the wire and free its slot (the easy handle stays). */
static void
xfer_release(struct rest *r, struct rest_xfer *x, int64_t now)
{
	struct rest_req *q = x->q;

	curl_multi_remove_handle(r->multi, x->easy);
	xfer_unload(x);
	budget_finished(q->host, q->weight, x->start, now);
	q->xfer = NULL;
	q->state = REQ_IDLE;
	x->q = NULL;
	x->finished = 0;
	r->nactive--;
}

static int64_t
retry_after_ms(const struct rest_xfer *x, int64_t dflt)
{
	int64_t ms;

	if (x->retry_after < 0)
		return dflt;
	ms = x->retry_after * 1000;
	return ms < REST_BACKOFF_MAX_MS ? ms : REST_BACKOFF_MAX_MS;
}

/*
 * What to do with an answer: 1 to queue q again (after setting its
 * delay or its host's backoff), 0 to hand it to the caller (always for
 * a `once' request, whose host is backed off all the same).
 */
static int
answer_again(struct rest *r, struct rest_req *q, const struct rest_xfer *x,
    int status, int64_t now)
{
	struct rest_host *h = q->host;

	switch (status) {
	case 429:
		h->n429++;
		host_backoff(r, h, 429, retry_after_ms(x, REST_429_DEFAULT_MS),
		    now);
		return !q->once && ++q->nlimited < REST_MAX_LIMITED;
	case 418:
		h->n418++;
		host_backoff(r, h, 418, retry_after_ms(x, REST_418_DEFAULT_MS),
		    now);
		return !q->once && ++q->nlimited < REST_MAX_LIMITED;
	case 403:
		h->n403++;
		host_backoff(r, h, 403, REST_403_BACKOFF_MS, now);
		return 0;
	}
	if (status >= 0 && status < 500)
		return 0;
	if (status < 0)
		h->nerr++;
	else
		h->n5xx++;
	/* An oversized answer or no memory will not get better. */
	if (x->toobig || buf_failed(&x->body) || q->once)
		return 0;
	if (++q->nfailed >= REST_MAX_TRIES)
		return 0;
	q->not_before = now + ((int64_t)REST_RETRY_MS << (q->nfailed - 1));
	return 1;
}

static void
xfer_done(struct rest *r, struct rest_xfer *x)
{
	struct rest_req *q = x->q;
	int64_t now = time_mono_ms();
	long code = 0;
	int status = -1;

	if (x->result == CURLE_OK &&
	    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code) ==
	    CURLE_OK && code > 0)
		status = (int)code;
	q->maybe_sent = xfer_maybe_sent(x, status);
	xfer_release(r, x, now);
	if (x->used_weight >= 0)
		budget_server_used(q->host, x->used_weight, x->start, q->weight,
		    now);
	if (status < 0)
		xfer_error(q, x);
	if (answer_again(r, q, x, status, now)) {
		queue_prepend(r, q);
		return;
	}
	/*
	 * The slot is free but nothing can take it before the callback
	 * returns: starts happen only in rest_run, which it may not call.
	 */
	buf_addc(&x->body, '\0');
	q->done(q, status, buf_failed(&x->body) ? "" : x->body.p,
	    buf_failed(&x->body) ? 0 : x->body.len - 1, q->ctx);
}

/* Collect first, then finish: callbacks may cancel other transfers. */
static void
finish_all(struct rest *r)
{
	struct rest_xfer *done[REST_MAX_ACTIVE];
	size_t n = 0, i;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(r->multi, &left))) {
		struct rest_xfer *x;
		char *p = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
		x = (struct rest_xfer *)p;
		if (!x || !x->q || x->finished || n == REST_MAX_ACTIVE)
			continue;
		x->result = m->data.result;
		x->finished = 1;
		done[n++] = x;
	}
	for (i = 0; i < n; i++)
		if (done[i]->q && done[i]->finished)
			xfer_done(r, done[i]);
}

/*
 * One pass over the queue: start every waiting request that its host
 * allows now.  0; 1 when a request's prepare failed and its done
 * callback ran (the queue may have changed: pass again); -1 with errno.
 */
static int
start_pass(struct rest *r, int64_t now)
{
	struct rest_req *q, *prev = NULL, *next;
	int rc;

	for (q = r->head; q && r->nactive < REST_MAX_ACTIVE; q = next) {
		next = q->next;
		if (q->host->blocked || q->not_before > now) {
			prev = q;
			continue;
		}
		if (req_start_at(q, now) > now) {
			q->host->blocked = 1;
			prev = q;
			continue;
		}
		queue_unlink(r, q, prev);
		rc = xfer_start(r, q, now);
		if (rc == 1) {
			q->maybe_sent = 0;
			q->done(q, -1, "", 0, q->ctx);
			return 1;
		}
		if (rc < 0) {
			int e = errno;

			/* Back where it was. */
			q->next = next;
			if (prev)
				prev->next = q;
			else
				r->head = q;
			if (!next)
				r->tail = q;
			q->state = REQ_QUEUED;
			q->host->nqueued++;
			r->nqueued++;
			errno = e;
			return -1;
		}
	}
	return 0;
}

/* Start every waiting request that its host allows now. */
static int
start_ready(struct rest *r, int64_t now)
{
	size_t i;
	int rc;

	for (i = 0; i < r->nhost; i++) {
		budget_prune(r->host[i], now);
		r->host[i]->blocked = 0;
	}
	while ((rc = start_pass(r, now)) == 1)
		;
	return rc;
}

static int
perform(struct rest *r)
{
	CURLMcode mc;
	int running;

	do
		mc = curl_multi_perform(r->multi, &running);
	while (mc == CURLM_CALL_MULTI_PERFORM);
	return mc == CURLM_OK ? 0 : merr(mc);
}

static int
step(struct rest *r)
{
	int64_t now = time_mono_ms();

	lift_backoffs(r, now);
	if (start_ready(r, now) < 0 || perform(r) < 0)
		return -1;
	finish_all(r);
	/* Retries and what the callbacks submitted may start now. */
	if (start_ready(r, time_mono_ms()) < 0)
		return -1;
	return perform(r);
}

/* ms until a waiting request can start: 0 now, -1 none can by time. */
static int64_t
queued_next(const struct rest *r, int64_t now)
{
	const struct rest_req *q;
	int64_t best = INT64_MAX, t;

	for (q = r->head; q; q = q->next) {
		t = req_start_at(q, now);
		if (t < best)
			best = t;
	}
	if (best == INT64_MAX)
		return -1;
	return best > now ? best - now : 0;
}

/* On a loop */

static int64_t sched_next_ms(const struct rest *r, int64_t now);

static void
set_err(struct rest *r)
{
	if (!r->err)
		r->err = errno ? errno : EIO;
}

/* Arm the scheduling timer for the next start or backoff end. */
static void
sched_arm(struct rest *r)
{
	int64_t t = sched_next_ms(r, time_mono_ms());

	if (t < 0) {
		loop_timer_stop(r->loop, &r->sched);
		return;
	}
	if (loop_timer_in(r->loop, &r->sched, t) < 0)
		set_err(r);
}

/* After libcurl ran: hand over the answers, start what may start. */
static void
after_action(struct rest *r)
{
	int64_t now;

	finish_all(r);
	now = time_mono_ms();
	lift_backoffs(r, now);
	if (start_ready(r, now) < 0)
		set_err(r);
	sched_arm(r);
}

static void
on_sched(struct loop_timer *t, void *ctx)
{
	(void)t;
	after_action(ctx);
}

static void
on_curl_timer(struct loop_timer *t, void *ctx)
{
	struct rest *r = ctx;
	int running;

	(void)t;
	if (curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running) != CURLM_OK)
		set_err(r);
	after_action(r);
}

static void
on_socket(struct loop_fd *f, int fd, int revents, void *ctx)
{
	struct rest *r = ctx;
	int running, ev = 0;

	(void)f;
	if (revents & LOOP_READ)
		ev |= CURL_CSELECT_IN;
	if (revents & LOOP_WRITE)
		ev |= CURL_CSELECT_OUT;
	if (revents & LOOP_ERROR)
		ev |= CURL_CSELECT_ERR;
	if (curl_multi_socket_action(r->multi, fd, ev, &running) != CURLM_OK)
		set_err(r);
	after_action(r);
}

/* libcurl: watch s for what (CURL_POLL_*), or stop watching it. */
static int
socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct rest *r = userp;
	struct loop_fd *f = socketp;
	int ev;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		loop_fd_del(f);
		curl_multi_assign(r->multi, s, NULL);
		return 0;
	}
	ev = (what & CURL_POLL_IN ? LOOP_READ : 0) |
	    (what & CURL_POLL_OUT ? LOOP_WRITE : 0);
	if (!f) {
		f = loop_fd_add(r->loop, s, ev, on_socket, r);
		if (!f || curl_multi_assign(r->multi, s, f) != CURLM_OK) {
			set_err(r);
			return -1;
		}
		return 0;
	}
	if (loop_fd_set(f, ev) < 0) {
		set_err(r);
		return -1;
	}
	return 0;
}

/* libcurl: call socket_action(TIMEOUT) in timeout_ms (-1: never). */
static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct rest *r = userp;

	(void)m;
	if (timeout_ms < 0) {
		loop_timer_stop(r->loop, &r->curl_timer);
		return 0;
	}
	if (loop_timer_in(r->loop, &r->curl_timer, timeout_ms) < 0) {
		set_err(r);
		return -1;
	}
	return 0;
}

/* The API */

int
rest_open(struct rest **rp, const char *ca_file)
{
	struct rest *r;

	*rp = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errno = EIO;
		return -1;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		goto fail_global;
	if (ca_file) {
		r->ca_file = strdup(ca_file);
		if (!r->ca_file)
			goto fail_alloc;
	}
	r->multi = curl_multi_init();
	if (!r->multi)
		goto fail_ca;
	*rp = r;
	return 0;

fail_ca:
	free(r->ca_file);
fail_alloc:
	free(r);
fail_global:
	curl_global_cleanup();
	errno = ENOMEM;
	return -1;
}

void
rest_close(struct rest *r)
{
	struct rest_req *q, *next;
	size_t i;

	if (!r)
		return;
	if (r->loop) {
		loop_timer_stop(r->loop, &r->curl_timer);
		loop_timer_stop(r->loop, &r->sched);
	}
	/* The dropped requests may be submitted to another rest. */
	for (q = r->head; q; q = next) {
		next = q->next;
		q->next = NULL;
		q->state = REQ_IDLE;
	}
	for (i = 0; i < REST_MAX_ACTIVE; i++) {
		struct rest_xfer *x = &r->xfer[i];

		if (!x->easy)
			continue;
		if (x->q) {
			curl_multi_remove_handle(r->multi, x->easy);
			x->q->xfer = NULL;
			x->q->state = REQ_IDLE;
		}
		xfer_destroy(x);
	}
	curl_multi_cleanup(r->multi);
	if (r->loop) {
		loop_timer_stop(r->loop, &r->curl_timer);
		loop_timer_stop(r->loop, &r->sched);
	}
	for (i = 0; i < r->nhost; i++) {
		free(r->host[i]->log);
		free(r->host[i]);
	}
	free(r->host);
	free(r->ca_file);
	free(r);
	curl_global_cleanup();
}

int
rest_budget(struct rest *r, const char *key, int limit, int64_t window_ms,
    double share)
{
	struct rest_host *h, **v;
	size_t i;

	if (!key || !*key || limit <= 0 || window_ms <= 0 || !(share > 0) ||
	    share > 1) {
		errno = EINVAL;
		return -1;
	}
	if (strlen(key) >= REST_KEY_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	h = host_find(r, key);
	if (!h) {
		h = calloc(1, sizeof *h);
		if (!h)
			return -1;
		v = realloc(r->host, (r->nhost + 1) * sizeof *v);
		if (!v) {
			free(h);
			return -1;
		}
		r->host = v;
		r->host[r->nhost++] = h;
		strcpy(h->key, key);
		h->server_used = -1;
		for (i = 0; i < REST_PACE_N; i++)
			h->pace[i] = INT64_MIN / 2;
		h->foreign_at = INT64_MIN / 2;
	}
	h->limit = limit;
	h->window = window_ms;
	h->cap = (int)(limit * share);
	if (h->cap < 1)
		h->cap = 1;
	return 0;
}

int
rest_submit(struct rest *r, struct rest_req *q)
{
	struct rest_host *h = host_find(r, q->host_key);

	if (q->state != REQ_IDLE) {
		errno = EBUSY;
		return -1;
	}
	if (!h) {
		errno = ENOENT;
		return -1;
	}
	if (!q->done || q->weight < 0 || !xfer_req_ok(q)) {
		errno = EINVAL;
		return -1;
	}
	if (q->weight > h->cap) {
		errno = E2BIG;
		return -1;
	}
	q->host = h;
	q->xfer = NULL;
	q->not_before = 0;
	q->nlimited = 0;
	q->nfailed = 0;
	q->tries = 0;
	q->maybe_sent = 0;
	q->error[0] = '\0';
	queue_append(r, q);
	/* On a loop it starts from there, after the caller returns. */
	if (r->loop && loop_timer_in(r->loop, &r->sched, 0) < 0)
		set_err(r);
	return 0;
}

int
rest_cancel(struct rest *r, struct rest_req *q)
{
	struct rest_req *p, *prev = NULL;

	if (q->state == REQ_ACTIVE) {
		xfer_release(r, q->xfer, time_mono_ms());
		return 1;
	}
	if (q->state != REQ_QUEUED)
		return 0;
	for (p = r->head; p && p != q; p = p->next)
		prev = p;
	if (!p)
		return 0;
	queue_unlink(r, q, prev);
	return 1;
}

int
rest_run(struct rest *r, int timeout_ms)
{
	int64_t wait, next;
	CURLMcode mc;

	if (r->loop) {
		errno = EINVAL;
		return -1;
	}
	if (step(r) < 0)
		return -1;
	if (timeout_ms <= 0)
		return 0;
	wait = timeout_ms;
	next = queued_next(r, time_mono_ms());
	if (next >= 0 && next < wait)
		wait = next;
	if (wait > 0) {
		mc = curl_multi_poll(r->multi, NULL, 0, (int)wait, NULL);
		if (mc != CURLM_OK)
			return merr(mc);
	}
	return step(r);
}

int64_t
rest_next_ms(const struct rest *r)
{
	int64_t now = time_mono_ms(), t;

	t = sched_next_ms(r, now);
	if (r->nactive > 0 && (t < 0 || t > REST_BUSY_MS))
		t = REST_BUSY_MS;
	/* Queued behind transfers that are gone cannot happen; be safe. */
	if (t < 0 && r->head)
		t = REST_BUSY_MS;
	return t;
}

/* The next start or backoff end, in ms from now; -1 for none. */
static int64_t
sched_next_ms(const struct rest *r, int64_t now)
{
	int64_t t, u;
	size_t i;

	t = queued_next(r, now);
	/* The end of a backoff is announced. */
	for (i = 0; i < r->nhost; i++) {
		if (!r->host[i]->limited)
			continue;
		u = r->host[i]->backoff_until - now;
		if (u < 0)
			u = 0;
		if (t < 0 || u < t)
			t = u;
	}
	return t;
}

int
rest_attach(struct rest *r, struct loop *l)
{
	CURLMcode mc;

	if (r->loop || rest_pending(r)) {
		errno = EBUSY;
		return -1;
	}
	r->loop = l;
	loop_timer_init(&r->curl_timer, on_curl_timer, r);
	loop_timer_init(&r->sched, on_sched, r);
	mc = curl_multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION,
		    timer_cb);
	if (mc == CURLM_OK)
		mc = curl_multi_setopt(r->multi, CURLMOPT_TIMERDATA, r);
	if (mc != CURLM_OK) {
		r->loop = NULL;
		return merr(mc);
	}
	return 0;
}

int
rest_error(const struct rest *r)
{
	return r->err;
}

size_t
rest_pending(const struct rest *r)
{
	return r->nqueued + r->nactive;
}

int
rest_host_state(const struct rest *r, const char *key,
    struct rest_host_state *st)
{
	const struct rest_host *h = host_find(r, key);
	int64_t now = time_mono_ms(), used;

	if (!h) {
		errno = ENOENT;
		return -1;
	}
	memset(st, 0, sizeof *st);
	used = budget_own(h, now) + budget_foreign(h, now);
	st->used = used < INT_MAX ? (int)used : INT_MAX;
	st->limit = h->cap;
	st->server_used = h->server_used;
	if (h->limited && h->backoff_until > now) {
		st->backoff_until_ms = wall_ms(h->backoff_until, now);
		st->banned = h->limit_status == 418;
	}
	st->queued = h->nqueued;
	st->active = h->nactive;
	st->n429 = h->n429;
	st->n418 = h->n418;
	st->n403 = h->n403;
	st->n5xx = h->n5xx;
	st->nerr = h->nerr;
	st->sent = h->sent;
	return 0;
}

void
rest_on_limit(struct rest *r, void (*cb)(const char *, int, int64_t, void *),
    void *ctx)
{
	r->on_limit = cb;
	r->on_limit_ctx = ctx;
}
