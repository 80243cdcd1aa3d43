/*
 * mkt-exec on a venue over REST: signed requests built by the venue's
 * codec (venue/trade.h), sent through the REST scheduler, their answers
 * turned into order-book changes (trade/oms).
 *
 * The rules that make one intent exactly one order:
 *   - an intent's NEW request is marked sent (and committed) in the
 *     scheduler's prepare step, just before it leaves, with the
 *     timestamp it carries;
 *   - a NEW that may have left without a clear answer (transport error,
 *     5xx, -1006/-1007) is never sent again blindly: the order is
 *     queried by client id, with backoff;
 *   - "not found" means "never placed" only once the request's
 *     timestamp plus recvWindow has passed on the venue's clock (the
 *     venue refuses it after that); only then is it sent again, with
 *     the same client id;
 *   - a duplicate-id answer means it is placed: query and adopt.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "prog/err.h"
#include "prog/tradekeys.h"
#include "exec.h"

#define RESOLVE_FIRST_MS 200	/* first query after an unknown outcome */
#define RESOLVE_MAX_MS 4000	/* backoff cap */
#define NOT_PLACED_MARGIN_MS 1000	/* beyond recvWindow, for clock error */
#define RATE_WAIT_MS 1000	/* a rate-limit answer without a time */
#define TRADES_TRIES 30		/* fetches of an order's fills, at most */
#define STREAM_POLL_EVERY 10	/* with a trusted stream, poll 10x less */

/* The answers' headers that say how much of a limit is left. */
enum { H_RETRY_AFTER, H_MBX_ORDERS_10S, H_BAPI_LEFT, H_BAPI_RESET };
static const char *const want_headers[] = {
	[H_RETRY_AFTER] = "Retry-After",
	[H_MBX_ORDERS_10S] = "X-MBX-ORDER-COUNT-10S",
	[H_BAPI_LEFT] = "X-Bapi-Limit-Status",
	[H_BAPI_RESET] = "X-Bapi-Limit-Reset-Timestamp",
};

struct xreq {
	struct rest_req q;
	struct exec *ex;
	enum vt_what what;
	char client_id[STATE_CLIENT_ID_MAX + 1];
	char symbol[VT_SYMBOL_LEN];
	char order_id[VT_ID_LEN];
	char listen_key[128];
	struct vt_req vr;
	int64_t sent_mono;
	int recon;			/* a request of the comparison */
	/* VT_REQ_FILLS_SINCE: where from (vt_order's) */
	char from_id[24];
	int64_t start_ms;
	char cursor[256];
};

int
remote_busy(const struct exec *ex)
{
	return ex->nreqs > 0;
}

static int64_t
venue_now_ms(const struct exec *ex)
{
	return exec_now_ms() + ex->offset_ms;
}

static void
order_fields(const struct oms_order *ord, struct vt_order *vo)
{
	memset(vo, 0, sizeof *vo);
	vo->symbol = ord->it.symbol;
	vo->client_id = ord->client_id;
	vo->side = strcmp(ord->it.side, "buy") == 0 ? VT_BUY : VT_SELL;
	vo->kind = strcmp(ord->it.kind, "limit") == 0 ? VT_LIMIT : VT_MARKET;
	vo->tif = strcmp(ord->it.tif, "IOC") == 0 ? VT_IOC :
	    strcmp(ord->it.tif, "FOK") == 0 ? VT_FOK :
	    strcmp(ord->it.tif, "post_only") == 0 ? VT_POST_ONLY : VT_GTC;
	vo->qty = ord->it.qty;
	vo->price = ord->it.price[0] ? ord->it.price : NULL;
	vo->reduce_only = ord->it.reduce_only;
	vo->order_id = ord->order_id[0] ? ord->order_id : NULL;
}

/* Build x's request at timestamp ts into x->vr and its rest fields. */
static int
build(struct xreq *x, int64_t ts, char *why, size_t whylen)
{
	struct exec *ex = x->ex;
	struct oms_order *ord = x->client_id[0] ?
	    oms_by_client(ex->oms, x->client_id) : NULL;
	struct vt_order vo;
	int i;

	memset(&vo, 0, sizeof vo);
	if (ord)
		order_fields(ord, &vo);
	else
		vo.symbol = x->symbol[0] ? x->symbol : NULL;
	if (x->what == VT_REQ_FILLS_SINCE) {
		vo.from_id = x->from_id[0] ? x->from_id : NULL;
		vo.start_ms = x->start_ms;
		vo.cursor = x->cursor[0] ? x->cursor : NULL;
	}
	if (ex->vt->build(ex->m, x->what, &ex->vk, &vo, ts,
	    (int)ex->o->recv_window, x->listen_key[0] ? x->listen_key : NULL,
	    &x->vr, why, whylen) < 0)
		return -1;
	if (snprintf(x->q.url, sizeof x->q.url, "%s", x->vr.url) >=
	    (int)sizeof x->q.url) {
		snprintf(why, whylen, "URL too long");
		return -1;
	}
	x->q.method = x->vr.method;
	x->q.body = x->vr.body;
	x->q.body_len = strlen(x->vr.body);
	for (i = 0; i < VT_HEADERS && i < REST_MAX_HEADERS; i++)
		x->q.headers[i] = x->vr.headers[i][0] ? x->vr.headers[i] :
		    NULL;
	x->q.weight = x->vr.weight;
	return 0;
}

/*
 * Just before the request leaves: sign it with the clock of now, and
 * for a NEW, record that it is sent -- committed before it goes.
 */
static int
prepare(struct rest_req *q, void *ctx)
{
	struct xreq *x = ctx;
	struct exec *ex = x->ex;
	int64_t ts = venue_now_ms(ex);
	char why[256];

	(void)q;
	if (build(x, ts, why, sizeof why) < 0) {
		warn("%s", why);
		return -1;
	}
	if (x->what == VT_REQ_NEW) {
		struct oms_order *ord = oms_by_client(ex->oms, x->client_id);

		if (oms_sent(ex->oms, ord, ts, why, sizeof why) < 0)
			die("%s: %s", ex->o->state, why);
	}
	x->sent_mono = time_mono_ms();
	return 0;
}

static void on_answer(struct rest_req *q, int status, const char *body,
    size_t n, void *ctx);

static void send_req(struct xreq *x, struct oms_order *ord);

static struct xreq *
new_req(struct exec *ex, enum vt_what what, struct oms_order *ord,
    const char *symbol)
{
	struct xreq *x = calloc(1, sizeof *x);

	if (!x)
		die_nomem();
	x->ex = ex;
	x->what = what;
	if (ord) {
		snprintf(x->client_id, sizeof x->client_id, "%s",
		    ord->client_id);
		snprintf(x->symbol, sizeof x->symbol, "%s", ord->it.symbol);
	} else if (symbol) {
		snprintf(x->symbol, sizeof x->symbol, "%s", symbol);
	}
	if (what == VT_REQ_LISTEN_KEEP)
		snprintf(x->listen_key, sizeof x->listen_key, "%s",
		    ex->ps.listen_key);
	return x;
}

static struct xreq *
submit(struct exec *ex, enum vt_what what, struct oms_order *ord,
    const char *symbol)
{
	struct xreq *x = new_req(ex, what, ord, symbol);

	send_req(x, ord);
	return x;
}

static void
send_req(struct xreq *x, struct oms_order *ord)
{
	struct exec *ex = x->ex;
	char why[256];

	/* Built once now for its URL and weight; again when it leaves. */
	if (build(x, venue_now_ms(ex), why, sizeof why) < 0)
		die("cannot build a request: %s", why);
	x->q.host_key = ex->vt->host_key;
	x->q.done = on_answer;
	x->q.ctx = x;
	x->q.prepare = prepare;
	memcpy(x->q.want, want_headers, sizeof want_headers);
	x->q.once = !x->vr.idempotent;
	x->q.timeout_ms = (int)ex->o->timeout;
	if (rest_submit(ex->rest, &x->q) < 0)
		die_errno("cannot queue a request");
	if (ord)
		ord->busy = 1;
	ex->nreqs++;
}

/* The next query of ord after backoff: 200 ms, doubled, 4 s at most. */
static void
resolve_backoff(struct oms_order *ord)
{
	int64_t wait = RESOLVE_FIRST_MS << (ord->queries < 5 ?
	    ord->queries : 5);

	if (wait > RESOLVE_MAX_MS)
		wait = RESOLVE_MAX_MS;
	ord->next_ms = time_mono_ms() + wait;
}

static void
resolve_later(struct exec *ex, struct oms_order *ord)
{
	(void)ex;
	resolve_backoff(ord);
	ord->phase = OMS_RESOLVE;
}

/*
 * What an answer says, into the order book.  A list of an order's
 * trades may not name its client id (Binance's): it is the request's.
 */
static void
apply_updates(struct exec *ex, struct vt_answer *a, const char *source,
    const char *client_id)
{
	char err[512];
	size_t i;

	for (i = 0; i < a->up.n; i++) {
		struct vt_update *u = &a->up.u[i];

		if (client_id && !u->client_id[0] &&
		    str_copy(u->client_id, sizeof u->client_id, client_id) < 0)
			continue;
		if (oms_update(ex->oms, &a->up.u[i], source, exec_now_ms(),
		    err, sizeof err) < 0)
			die("%s: %s", ex->o->state, err);
	}
}

static void
order_final(struct exec *ex, struct oms_order *ord, const char *status,
    const struct vt_answer *a)
{
	char err[512], reason[240];

	snprintf(reason, sizeof reason, "%ld %s", a->code, a->msg);
	if (oms_final(ex->oms, ord, status, reason, STATE_SRC_REST,
	    exec_now_ms(), err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
}

static void
clock_wrong(struct exec *ex)
{
	ex->clock_known = 0;
}

static void
rate_limited(struct exec *ex, const struct vt_answer *a)
{
	int64_t wait = a->retry_after_ms > 0 ? a->retry_after_ms :
	    RATE_WAIT_MS;

	ex->blocked_until = time_mono_ms() + wait;
	ex->rate_waits++;
	exec_status(ex, "rate_limited", "venue", a->msg);
}

static void
auth_failed(struct exec *ex, const struct vt_answer *a)
{
	if (!ex->fatal)
		warn("the venue refused the key: %ld %s", a->code, a->msg);
	ex->fatal = 1;
	ex->failed = 1;
	exec_status(ex, "auth_failed", "key", a->msg);
	input_stop(ex);
}

static void
answer_new(struct exec *ex, struct oms_order *ord, struct vt_answer *a,
    int maybe_sent)
{
	ex->inflight--;
	if (!maybe_sent) {
		/* It never left: send it again as it is. */
		oms_not_placed(ex->oms, ord);
		return;
	}
	switch (a->outcome) {
	case VT_OK:
		apply_updates(ex, a, STATE_SRC_REST, ord->client_id);
		if (ord->phase == OMS_SENT)
			resolve_later(ex, ord);	/* acked, state unknown */
		break;
	case VT_DUPLICATE:
	case VT_UNKNOWN:
		ord->queries = 0;
		resolve_later(ex, ord);
		break;
	case VT_REJECTED:
		order_final(ex, ord, "rejected", a);
		break;
	case VT_TIMESTAMP:
		clock_wrong(ex);
		oms_not_placed(ex->oms, ord);
		break;
	case VT_RATE:
		rate_limited(ex, a);
		oms_not_placed(ex->oms, ord);
		break;
	case VT_AUTH:
		auth_failed(ex, a);
		oms_not_placed(ex->oms, ord);
		break;
	case VT_NOT_FOUND:
		resolve_later(ex, ord);
		break;
	}
}

/* The venue has no such order: maybe not yet, maybe never. */
static void
not_found(struct exec *ex, struct oms_order *ord)
{
	int64_t deadline = ord->sent_ms + ex->o->recv_window +
	    NOT_PLACED_MARGIN_MS;

	if (ord->phase != OMS_RESOLVE && ord->phase != OMS_SENT)
		return;
	if (venue_now_ms(ex) > deadline) {
		oms_not_placed(ex->oms, ord);
		return;
	}
	resolve_later(ex, ord);
}

static void
answer_query(struct exec *ex, struct oms_order *ord, struct vt_answer *a)
{
	switch (a->outcome) {
	case VT_OK:
		apply_updates(ex, a, STATE_SRC_REST, ord->client_id);
		if (ord->phase == OMS_RESOLVE && a->up.n == 0)
			not_found(ex, ord);
		break;
	case VT_NOT_FOUND:
		not_found(ex, ord);
		break;
	case VT_TIMESTAMP:
		clock_wrong(ex);
		break;
	case VT_RATE:
		rate_limited(ex, a);
		break;
	case VT_AUTH:
		auth_failed(ex, a);
		break;
	default:
		if (ord->phase == OMS_RESOLVE)
			resolve_later(ex, ord);
	}
}

static void
answer_cancel(struct exec *ex, struct oms_order *ord, struct vt_answer *a)
{
	switch (a->outcome) {
	case VT_OK:
		apply_updates(ex, a, STATE_SRC_REST, ord->client_id);
		break;
	case VT_RATE:
		rate_limited(ex, a);
		break;
	case VT_AUTH:
		auth_failed(ex, a);
		break;
	default:
		/* Gone, filled, or unknown: the next query tells. */
		ord->cancel_wanted = 0;
		ord->queries = 0;
		if (ord->phase == OMS_OPEN)
			resolve_later(ex, ord);
	}
}

static void
answer_time(struct exec *ex, const struct xreq *x, struct vt_answer *a)
{
	int64_t now = exec_now_ms(), rtt = time_mono_ms() - x->sent_mono;

	ex->clock_busy = 0;
	if (a->outcome != VT_OK || a->server_time <= 0) {
		warn("cannot read the venue's clock: %ld %s", a->code, a->msg);
		ex->blocked_until = time_mono_ms() + RATE_WAIT_MS;
		return;
	}
	/* The server read its clock about half way through. */
	ex->offset_ms = a->server_time - (now - rtt / 2);
	ex->clock_known = 1;
}

/*
 * What the venue's headers say of its limits: a Retry-After on a rate
 * answer, Binance's count of orders in the last 10 s, Bybit's requests
 * left until a reset.  Sends wait rather than be refused.
 */
static void
heed_headers(struct exec *ex, const struct rest_req *q, struct vt_answer *a)
{
	int64_t now = time_mono_ms();
	long v;

	if (a->outcome == VT_RATE && a->retry_after_ms == 0 &&
	    (v = atol(q->got[H_RETRY_AFTER])) > 0)
		a->retry_after_ms = (int64_t)v * 1000;
	if (q->got[H_MBX_ORDERS_10S][0] &&
	    atol(q->got[H_MBX_ORDERS_10S]) >= ex->order_n &&
	    ex->order_ms >= 10000 && ex->blocked_until < now + 1000)
		ex->blocked_until = now + 1000;
	if (q->got[H_BAPI_LEFT][0] && atol(q->got[H_BAPI_LEFT]) == 0 &&
	    (v = atol(q->got[H_BAPI_RESET])) > 0) {
		int64_t wait = (int64_t)v - exec_now_ms();

		if (wait > 0 && wait <= 60000 && ex->blocked_until < now + wait)
			ex->blocked_until = now + wait;
	}
}

/* An answer of the comparison: the venue's refusals as for any other. */
static void
answer_recon(struct exec *ex, const struct xreq *x, struct vt_answer *a)
{
	switch (a->outcome) {
	case VT_TIMESTAMP:
		clock_wrong(ex);
		break;
	case VT_RATE:
		rate_limited(ex, a);
		break;
	case VT_AUTH:
		auth_failed(ex, a);
		break;
	default:
		break;
	}
	recon_answer(ex, x->what, x->symbol, x->start_ms, a);
}

static void
on_answer(struct rest_req *q, int status, const char *body, size_t n,
    void *ctx)
{
	struct xreq *x = ctx;
	struct exec *ex = x->ex;
	struct oms_order *ord = x->client_id[0] ?
	    oms_by_client(ex->oms, x->client_id) : NULL;
	struct vt_answer a;

	memset(&a, 0, sizeof a);
	if (ex->vt->parse(ex->m, x->what, status, body, n, &a) < 0 &&
	    a.outcome == VT_OK)
		a.outcome = VT_UNKNOWN;
	heed_headers(ex, q, &a);
	if (ord)
		ord->busy = 0;
	ex->nreqs--;
	switch (x->what) {
	case VT_REQ_NEW:
		answer_new(ex, ord, &a, q->maybe_sent || status >= 0);
		break;
	case VT_REQ_QUERY:
		answer_query(ex, ord, &a);
		break;
	case VT_REQ_CANCEL:
		answer_cancel(ex, ord, &a);
		break;
	case VT_REQ_TIME:
		answer_time(ex, x, &a);
		break;
	case VT_REQ_LISTEN_NEW:
		if (a.outcome == VT_OK && a.listen_key[0]) {
			stream_listen_key(ex, a.listen_key);
		} else {
			warn("cannot get a listen key: %ld %s", a.code, a.msg);
			ex->ps.key_busy = 0;
			ex->blocked_until = time_mono_ms() + RATE_WAIT_MS;
		}
		break;
	case VT_REQ_LISTEN_KEEP:
		if (a.outcome != VT_OK)
			stream_listen_key(ex, NULL);
		break;
	case VT_REQ_TRADES:
		if (a.outcome == VT_OK && ord)
			apply_updates(ex, &a, STATE_SRC_REST, ord->client_id);
		break;
	case VT_REQ_OPEN:
		if (a.outcome == VT_OK)
			apply_updates(ex, &a, STATE_SRC_REST, NULL);
		if (x->recon)
			answer_recon(ex, x, &a);
		break;
	case VT_REQ_POSITIONS:
	case VT_REQ_FILLS_SINCE:
		if (x->recon)
			answer_recon(ex, x, &a);
		break;
	default:
		break;
	}
	vt_updates_free(&a.up);
	free(x);
}

/* May a new order leave now, by the venue's order-rate limit? */
static int
order_slot_free(struct exec *ex, int64_t now)
{

	if (ex->sent_n < (size_t)ex->order_n)
		return 1;
	return ex->sent_at[ex->sent_head] + ex->order_ms <= now;
}

static void
order_slot_take(struct exec *ex, int64_t now)
{
	size_t n = (size_t)ex->order_n;

	if (ex->sent_n < n) {
		ex->sent_at[(ex->sent_head + ex->sent_n++) % n] = now;
		return;
	}
	ex->sent_at[ex->sent_head] = now;
	ex->sent_head = (ex->sent_head + 1) % n;
}

static void
arm_wake(struct exec *ex, int64_t at_mono)
{
	int64_t in = at_mono - time_mono_ms();

	if (loop_timer_in(ex->loop, &ex->wake, in > 0 ? in : 0) < 0)
		die_nomem();
}

static void
send_new_orders(struct exec *ex, int64_t now)
{
	struct oms_order *ord;

	while (oms_queued(ex->oms) && !ex->fatal) {
		if (!order_slot_free(ex, now)) {
			if (!ex->waiting_said) {
				char n[32];

				snprintf(n, sizeof n, "%zu",
				    oms_queued(ex->oms));
				exec_status(ex, "queued", "order_rate", n);
				ex->waiting_said = 1;
				ex->rate_waits++;
			}
			arm_wake(ex, ex->sent_at[ex->sent_head] +
			    ex->order_ms);
			return;
		}
		ord = oms_next(ex->oms);
		if (!ord)
			break;
		order_slot_take(ex, now);
		ex->inflight++;
		submit(ex, VT_REQ_NEW, ord, NULL);
	}
	ex->waiting_said = 0;
}

/*
 * The venue says an order filled, and its list of trades has not said
 * how, after TRADES_TRIES tries: this run gives up on it (exit 1 at the
 * end); the store keeps the order unfinished, so a later run asks
 * again.
 */
static void
fills_stalled(struct exec *ex, struct oms_order *ord)
{
	warn("cannot read the fills of intent '%s' (order %s): left for a "
	    "later run", ord->it.id, ord->order_id);
	exec_status(ex, "fills_unreadable", "venue_trades", ord->it.id);
	ord->stalled = 1;
	ex->failed = 1;
}

/* Queries, cancels and fill fetches the active orders need now. */
static void
scan_orders(struct exec *ex, int64_t now)
{
	struct oms_order *const *act;
	size_t i, n;
	int64_t next = 0;

	act = oms_active(ex->oms, &n);
	for (i = 0; i < n; i++) {
		struct oms_order *ord = act[i];

		if (ord->busy)
			continue;
		if (ord->phase == OMS_RESOLVE) {
			if (ord->next_ms <= now) {
				ord->queries++;
				submit(ex, VT_REQ_QUERY, ord, NULL);
			} else if (!next || ord->next_ms < next) {
				next = ord->next_ms;
			}
		} else if (ord->phase == OMS_OPEN && ord->cancel_wanted) {
			submit(ex, VT_REQ_CANCEL, ord, NULL);
		} else if (ord->phase == OMS_OPEN && ord->poll_due) {
			ord->poll_due = 0;
			submit(ex, VT_REQ_QUERY, ord, NULL);
		} else if (oms_fills_missing(ord) && ord->order_id[0] &&
		    !ord->stalled) {
			if (ord->queries >= TRADES_TRIES) {
				fills_stalled(ex, ord);
			} else if (ord->next_ms <= now) {
				submit(ex, VT_REQ_TRADES, ord, NULL);
				ord->queries++;
				resolve_backoff(ord);
			} else if (!next || ord->next_ms < next) {
				next = ord->next_ms;
			}
		}
		/* submit() may have changed the list: read it again. */
		act = oms_active(ex->oms, &n);
	}
	if (next)
		arm_wake(ex, next);
}

void
remote_pump(struct exec *ex)
{
	int64_t now = time_mono_ms();

	if (rest_error(ex->rest))
		die_errno("REST client failed");
	if (ex->blocked_until > now) {
		arm_wake(ex, ex->blocked_until);
		return;
	}
	if (!ex->clock_known) {
		if (!ex->clock_busy) {
			ex->clock_busy = 1;
			submit(ex, VT_REQ_TIME, NULL, NULL);
		}
		return;
	}
	stream_pump(ex);
	recon_pump(ex);
	if (!recon_holds(ex))
		send_new_orders(ex, now);
	else if (ex->held_back || ex->recon_due)
		arm_wake(ex, ex->recon_next_ms);
	scan_orders(ex, now);
}

void
remote_submit_recon(struct exec *ex, enum vt_what what)
{
	struct xreq *x = submit(ex, what, NULL, NULL);

	x->recon = 1;
}

void
remote_submit_fills(struct exec *ex, const char *symbol, int64_t from_id,
    int64_t start_ms, const char *cursor)
{
	struct xreq *x = new_req(ex, VT_REQ_FILLS_SINCE, NULL, symbol);

	if (from_id >= 0)
		snprintf(x->from_id, sizeof x->from_id, "%lld",
		    (long long)from_id);
	x->start_ms = start_ms;
	if (cursor)
		snprintf(x->cursor, sizeof x->cursor, "%s", cursor);
	x->recon = 1;
	send_req(x, NULL);
}

int
remote_can(struct exec *ex, enum vt_what what)
{
	struct vt_order vo;
	struct vt_req r;
	char why[256];

	memset(&vo, 0, sizeof vo);
	return ex->vt->build(ex->m, what, &ex->vk, &vo, venue_now_ms(ex),
	    (int)ex->o->recv_window, NULL, &r, why, sizeof why) == 0;
}

void
remote_listen_key(struct exec *ex, int keep)
{
	struct xreq *x;

	if (!keep)
		ex->ps.key_busy = 1;
	x = submit(ex, keep ? VT_REQ_LISTEN_KEEP : VT_REQ_LISTEN_NEW, NULL,
	    NULL);
	(void)x;
}

void
remote_cancel(struct exec *ex, struct oms_order *ord)
{
	char err[512];

	if (ord->phase == OMS_DONE)
		return;
	if (ord->phase == OMS_QUEUED) {
		/* Never sent: it ends here. */
		if (oms_final(ex->oms, ord, "canceled", "canceled before "
		    "it was sent", STATE_SRC_LOCAL, exec_now_ms(), err,
		    sizeof err) < 0)
			die("%s: %s", ex->o->state, err);
		return;
	}
	ord->cancel_wanted = 1;
}

void
remote_cancel_all(struct exec *ex, const char *symbol)
{
	struct oms_order *const *act;
	size_t i, n;

	act = oms_active(ex->oms, &n);
	for (i = n; i-- > 0;) {
		if (symbol && strcmp(act[i]->it.symbol, symbol) != 0)
			continue;
		remote_cancel(ex, act[i]);
		act = oms_active(ex->oms, &n);
	}
}

/* Every poll period: query the open orders (the stream is not here). */
static void
on_poll(struct loop_timer *t, void *ctx)
{
	struct exec *ex = ctx;
	struct oms_order *const *act;
	size_t i, n;

	/*
	 * A trusted stream tells; polling is for when it cannot, and, ten
	 * times less often, for the event a stream lost.
	 */
	ex->poll_ticks++;
	act = oms_active(ex->oms, &n);
	for (i = 0; i < n && (!stream_trusted(ex) ||
	    ex->poll_ticks % STREAM_POLL_EVERY == 0); i++)
		if (act[i]->phase == OMS_OPEN && !ex->input_done)
			act[i]->poll_due = 1;
	if (loop_timer_in(ex->loop, t, ex->o->poll) < 0)
		die_nomem();
}

static void
on_wake(struct loop_timer *t, void *ctx)
{
	(void)t;
	(void)ctx;	/* the loop's hook runs the pump */
}

void
remote_open(struct exec *ex)
{
	int limit;
	long window;
	const char *key;

	tradekeys_check_host(ex->m, ex->o->live);
	tradekeys_load(&ex->keys, &ex->vk, ex->o->key_file);
	ex->order_n = ex->o->order_n ? ex->o->order_n : ex->vt->order_n;
	ex->order_ms = ex->o->order_n ? ex->o->order_ms : ex->vt->order_ms;
	ex->sent_at = calloc((size_t)ex->order_n, sizeof *ex->sent_at);
	if (!ex->sent_at)
		die_nomem();
	if (rest_open(&ex->rest, ex->o->ca) < 0)
		die_errno("cannot start the REST client");
	key = venue_rest_budget(ex->m, &limit, &window);
	(void)key;
	if (rest_budget(ex->rest, ex->vt->host_key, limit, window, 1.0) < 0 ||
	    rest_attach(ex->rest, ex->loop) < 0)
		die_errno("cannot start the REST client");
	loop_timer_init(&ex->wake, on_wake, ex);
	loop_timer_init(&ex->poll, on_poll, ex);
	if (loop_timer_in(ex->loop, &ex->poll, ex->o->poll) < 0)
		die_nomem();
	recon_due(ex);
	stream_open(ex);
}

void
remote_close(struct exec *ex)
{
	loop_timer_stop(ex->loop, &ex->wake);
	loop_timer_stop(ex->loop, &ex->poll);
	stream_close(ex);
	recon_close(ex);
	rest_close(ex->rest);
	free(ex->sent_at);
	secret_free(&ex->keys);
}
