/*
 * ask.c: what mkt-reconcile asks the venue (each request signed as it
 * leaves, retried when the venue says the clock or the rate was wrong)
 * and reads from the store.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "event/tevent.h"
#include "io/out.h"
#include "io/sig.h"
#include "net/rest.h"
#include "prog/err.h"
#include "prog/run.h"
#include "prog/tradekeys.h"
#include "store/state.h"
#include "trade/reconcile.h"


#include "rc.h"

/* ---- asking the venue ---- */

struct ask {
	struct rest_req q;
	struct rc *rc;
	enum vt_what what;
	const struct vt_order *vo;
	struct vt_req vr;
	struct vt_answer *a;
	int done;
};

static int
ask_build(struct ask *k, char *why, size_t whylen)
{
	struct rc *rc = k->rc;
	int i;

	if (rc->vt->build(rc->m, k->what, &rc->vk, k->vo,
	    time_now_ms() + rc->offset_ms, (int)rc->o->recv_window, NULL,
	    &k->vr, why, whylen) < 0)
		return -1;
	if (str_copy(k->q.url, sizeof k->q.url, k->vr.url) < 0) {
		snprintf(why, whylen, "URL too long");
		return -1;
	}
	k->q.method = k->vr.method;
	k->q.body = k->vr.body;
	k->q.body_len = strlen(k->vr.body);
	for (i = 0; i < VT_HEADERS && i < REST_MAX_HEADERS; i++)
		k->q.headers[i] = k->vr.headers[i][0] ? k->vr.headers[i] :
		    NULL;
	k->q.weight = k->vr.weight;
	return 0;
}

/* Signed again as it leaves: the timestamp is of that moment. */
static int
ask_prepare(struct rest_req *q, void *ctx)
{
	struct ask *k = ctx;
	char why[256];

	(void)q;
	if (ask_build(k, why, sizeof why) < 0) {
		warn("%s", why);
		return -1;
	}
	return 0;
}

static void
ask_done(struct rest_req *q, int status, const char *body, size_t n,
    void *ctx)
{
	struct ask *k = ctx;
	struct rc *rc = k->rc;

	if (rc->vt->parse(rc->m, k->what, status, body, n, k->a) < 0 &&
	    k->a->outcome == VT_OK)
		k->a->outcome = VT_UNKNOWN;
	if (status < 0 && !k->a->msg[0])
		snprintf(k->a->msg, sizeof k->a->msg, "%.199s", q->error);
	k->done = 1;
}

/* One request, once: its answer in *a (the caller frees a->up). */
static void
ask_once(struct rc *rc, enum vt_what what, const struct vt_order *vo,
    struct vt_answer *a)
{
	struct ask k;
	char why[256];

	memset(&k, 0, sizeof k);
	memset(a, 0, sizeof *a);
	k.rc = rc;
	k.what = what;
	k.vo = vo;
	k.a = a;
	if (ask_build(&k, why, sizeof why) < 0)
		die("cannot build a request: %s", why);
	k.q.host_key = rc->vt->host_key;
	k.q.done = ask_done;
	k.q.ctx = &k;
	k.q.prepare = ask_prepare;
	k.q.once = !k.vr.idempotent;
	k.q.timeout_ms = (int)rc->o->timeout;
	if (rest_submit(rc->rest, &k.q) < 0)
		die_errno("cannot queue a request");
	while (!k.done) {
		if (sig_stop_count() > 0)
			die("stopped by a signal: nothing more was changed");
		if (rest_run(rc->rest, 100) < 0)
			die_errno("REST client failed");
	}
}

void
sync_clock(struct rc *rc)
{
	struct vt_answer a;
	int64_t before = time_now_ms(), after;

	ask_once(rc, VT_REQ_TIME, NULL, &a);
	after = time_now_ms();
	vt_updates_free(&a.up);
	if (a.outcome != VT_OK || a.server_time <= 0)
		die("cannot read the venue's clock: %ld %s", a.code, a.msg);
	rc->offset_ms = a.server_time - (before + (after - before) / 2);
}

static void
pause_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR &&
	    sig_stop_count() == 0)
		;
}

/*
 * A request, with the clock resynchronised or the rate limit waited
 * out when the venue asks: VT_OK or VT_NOT_FOUND with *a, else exit 1.
 * what_for names it in the message.
 */
enum vt_outcome
ask(struct rc *rc, enum vt_what what, const struct vt_order *vo,
    struct vt_answer *a, const char *what_for)
{
	int tries;

	for (tries = 0; tries < TRIES; tries++) {
		ask_once(rc, what, vo, a);
		switch (a->outcome) {
		case VT_OK:
		case VT_NOT_FOUND:
			return a->outcome;
		case VT_TIMESTAMP:
			sync_clock(rc);
			break;
		case VT_RATE:
			pause_ms(a->retry_after_ms > 0 ?
			    a->retry_after_ms : 1000);
			break;
		case VT_AUTH:
			die("the venue refused the key: %ld %s", a->code,
			    a->msg);
		default:
			die("cannot ask the venue for %s: %ld %s", what_for,
			    a->code, a->msg);
		}
		vt_updates_free(&a->up);
	}
	die("cannot ask the venue for %s: still refused after %d tries",
	    what_for, TRIES);
}

static void
take_updates(struct vt_updates *dst, const struct vt_answer *a,
    enum vt_upd_kind kind, const char *client_id)
{
	size_t i;

	for (i = 0; i < a->up.n; i++) {
		struct vt_update *u;

		if (a->up.u[i].kind != kind)
			continue;
		u = vt_updates_add(dst, kind);
		if (!u)
			die_nomem();
		*u = a->up.u[i];
		/* A list of an order's trades may not name its client id. */
		if (client_id && !u->client_id[0])
			snprintf(u->client_id, sizeof u->client_id, "%s",
			    client_id);
	}
}

/* ---- the store's side ---- */

static int
keep_row(void *ctx, const struct state_intent_row *row)
{
	struct rc *rc = ctx;

	if (fs_grow((void **)&rc->rows, &rc->caprows, rc->nrows + 1,
	    sizeof *rc->rows) < 0)
		die_nomem();
	rc->rows[rc->nrows++] = *row;
	return 0;
}

static int
keep_position(void *ctx, const struct state_position_row *row)
{
	struct rc *rc = ctx;

	if (fs_grow((void **)&rc->pos, &rc->cappos, rc->npos + 1,
	    sizeof *rc->pos) < 0)
		die_nomem();
	rc->pos[rc->npos++] = *row;
	return 0;
}

static int
keep_balance(void *ctx, const struct state_balance_row *row)
{
	struct rc *rc = ctx;

	if (fs_grow((void **)&rc->bals, &rc->capbals, rc->nbals + 1,
	    sizeof *rc->bals) < 0)
		die_nomem();
	rc->bals[rc->nbals++] = *row;
	return 0;
}

static int
keep_mark(void *ctx, const struct state_fill_mark *mk)
{
	struct rc *rc = ctx;

	if (fs_grow((void **)&rc->marks, &rc->capmarks, rc->nmarks + 1,
	    sizeof *rc->marks) < 0)
		die_nomem();
	rc->marks[rc->nmarks++] = *mk;
	return 0;
}

/* A symbol the store knows orders or a position of, but no fill. */
static void
mark_symbol(struct rc *rc, const char *symbol)
{
	struct state_fill_mark mk;
	size_t i;

	for (i = 0; i < rc->nmarks; i++)
		if (strcmp(rc->marks[i].symbol, symbol) == 0)
			return;
	memset(&mk, 0, sizeof mk);
	snprintf(mk.symbol, sizeof mk.symbol, "%s", symbol);
	mk.max_id = -1;
	(void)keep_mark(rc, &mk);
}

void
read_store(struct rc *rc)
{
	char err[512];
	size_t i;

	rc->nrows = rc->npos = rc->nbals = rc->nmarks = 0;
	if (state_balances(rc->st, rc->venue, rc->market, keep_balance, rc,
	    err, sizeof err) < 0 ||
	    state_fill_marks(rc->st, rc->venue, rc->market, keep_mark, rc,
	    err, sizeof err) < 0)
		die("%s: %s", rc->o->state, err);
	if (state_unfinished(rc->st, rc->venue, rc->market, keep_row, rc,
	    err, sizeof err) < 0 ||
	    state_done_since(rc->st, rc->venue, rc->market,
	    time_now_ms() - rc->o->since, keep_row, rc, err, sizeof err) < 0 ||
	    state_positions(rc->st, rc->venue, rc->market, keep_position, rc,
	    err, sizeof err) < 0)
		die("%s: %s", rc->o->state, err);
	for (i = 0; i < rc->nrows; i++)
		mark_symbol(rc, rc->rows[i].symbol);
	for (i = 0; i < rc->npos; i++)
		mark_symbol(rc, rc->pos[i].symbol);
}

int
fill_known(void *ctx, const char *symbol, const char *trade_id)
{
	struct rc *rc = ctx;
	char err[512];
	int r = state_fill_known(rc->st, rc->venue, rc->market, symbol,
	    trade_id, err, sizeof err);

	if (r < 0)
		warn("%s: %s", rc->o->state, err);
	return r;
}

/* The store has fills of client_id for all of want. */
static int
fills_complete(struct rc *rc, const char *client_id, struct fx want)
{
	char qty[STATE_DEC_SZ], avg[STATE_DEC_SZ], err[512];
	struct fx have;

	if (!client_id[0])
		return 0;
	if (state_fill_sum(rc->st, client_id, qty, avg, err,
	    sizeof err) < 0)
		die("%s: %s", rc->o->state, err);
	return fx_parse(qty, strlen(qty), &have) == FX_OK &&
	    fx_cmp(have, want) >= 0;
}

/* A done local order whose fills the store has in full. */
static int
row_fills_complete(struct rc *rc, const struct state_intent_row *row)
{
	struct fx want;

	return fx_parse(row->filled_qty, strlen(row->filled_qty), &want) ==
	    FX_OK && fills_complete(rc, row->client_id, want);
}

/* ---- the venue's side ---- */

void
ask_orders(struct rc *rc)
{
	struct vt_order vo;
	struct vt_answer a;
	size_t i;

	memset(&vo, 0, sizeof vo);
	ask(rc, VT_REQ_OPEN, &vo, &a, "the open orders");
	take_updates(&rc->orders, &a, VT_U_ORDER, NULL);
	vt_updates_free(&a.up);
	for (i = 0; i < rc->nrows; i++) {
		/* A done one matters only for its fills. */
		if (strcmp(rc->rows[i].state, STATE_DONE) == 0 &&
		    row_fills_complete(rc, &rc->rows[i]))
			continue;
		memset(&vo, 0, sizeof vo);
		vo.symbol = rc->rows[i].symbol;
		vo.client_id = rc->rows[i].client_id;
		if (ask(rc, VT_REQ_QUERY, &vo, &a, "an order") == VT_OK)
			take_updates(&rc->orders, &a, VT_U_ORDER,
			    rc->rows[i].client_id);
		vt_updates_free(&a.up);
	}
}

/* The trades of every order the venue says has fills the store lacks. */
void
ask_fills(struct rc *rc)
{
	struct vt_order vo;
	struct vt_answer a;
	size_t i, n = rc->orders.n;

	for (i = 0; i < n; i++) {
		const struct vt_update *u = &rc->orders.u[i];
		char cid[VT_ID_LEN];

		if (u->filled_qty.m <= 0 || !u->order_id[0] ||
		    fills_complete(rc, u->client_id, u->filled_qty))
			continue;
		snprintf(cid, sizeof cid, "%s", u->client_id);
		memset(&vo, 0, sizeof vo);
		vo.symbol = u->symbol;
		vo.client_id = cid;
		vo.order_id = u->order_id;
		if (ask(rc, VT_REQ_TRADES, &vo, &a, "an order's trades") ==
		    VT_OK)
			take_updates(&rc->fills, &a, VT_U_FILL, cid);
		vt_updates_free(&a.up);
	}
}

/* Positions where the market has them (a codec that cannot build the
 * request: a spot market, none). */
void
ask_positions(struct rc *rc)
{
	struct vt_order vo;
	struct vt_answer a;
	struct vt_req probe;
	char why[256];

	memset(&vo, 0, sizeof vo);
	if (rc->vt->build(rc->m, VT_REQ_POSITIONS, &rc->vk, &vo,
	    time_now_ms(), (int)rc->o->recv_window, NULL, &probe, why,
	    sizeof why) < 0)
		return;
	ask(rc, VT_REQ_POSITIONS, &vo, &a, "the positions");
	take_updates(&rc->positions, &a, VT_U_POSITION, NULL);
	vt_updates_free(&a.up);
	rc->positions_asked = 1;
}


/* ---- fills since the store's last, and balances ---- */

/* The fills of one answer; how many, and the highest numeric trade id
 * among them into *last (-1: none). */
static size_t
take_page(struct rc *rc, const struct vt_answer *a, int64_t *last)
{
	size_t i, n = 0;

	*last = -1;
	take_updates(&rc->fills, a, VT_U_FILL, NULL);
	for (i = 0; i < a->up.n; i++) {
		const struct vt_update *u = &a->up.u[i];
		char *end;
		long long id;

		if (u->kind != VT_U_FILL)
			continue;
		n++;
		errno = 0;
		id = strtoll(u->trade_id, &end, 10);
		if (errno == 0 && *end == '\0' && end != u->trade_id &&
		    id > *last)
			*last = id;
	}
	return n;
}

/* Page by trade id (Binance) from from_id to the newest. */
static void
fills_from_id(struct rc *rc, const char *symbol, int64_t from_id, int page)
{
	struct vt_order vo;
	struct vt_answer a;
	char id[24];
	int64_t last;
	size_t n;

	do {
		snprintf(id, sizeof id, "%lld", (long long)from_id);
		memset(&vo, 0, sizeof vo);
		vo.symbol = symbol;
		vo.from_id = id;
		vo.limit = page;
		ask(rc, VT_REQ_FILLS_SINCE, &vo, &a, "the fills since");
		n = take_page(rc, &a, &last);
		vt_updates_free(&a.up);
		from_id = last + 1;
	} while (n == (size_t)page && last >= 0);
}

/*
 * One window of time from start (the venue answers fills_window_ms
 * after it): Bybit's pages by cursor; Binance's, once full, by trade
 * id to the newest.  1 when that reached the newest.
 */
static int
fills_window(struct rc *rc, const char *symbol, int64_t start, int page)
{
	struct vt_order vo;
	struct vt_answer a;
	char cursor[sizeof a.cursor] = "";
	int64_t last;
	size_t n;

	for (;;) {
		memset(&vo, 0, sizeof vo);
		vo.symbol = symbol;
		vo.start_ms = start;
		vo.limit = page;
		vo.cursor = cursor[0] ? cursor : NULL;
		ask(rc, VT_REQ_FILLS_SINCE, &vo, &a, "the fills since");
		n = take_page(rc, &a, &last);
		snprintf(cursor, sizeof cursor, "%s", a.cursor);
		vt_updates_free(&a.up);
		if (cursor[0])
			continue;
		if (n == (size_t)page && last >= 0 && !rc->vt->fills_reach_ms) {
			fills_from_id(rc, symbol, last + 1, page);
			return 1;
		}
		return 0;
	}
}

static void
add_gap(struct rc *rc, const char *symbol, int64_t from_ms)
{
	struct rc_gap *g;

	if (fs_grow((void **)&rc->gaps, &rc->capgaps, rc->ngaps + 1,
	    sizeof *rc->gaps) < 0)
		die_nomem();
	g = &rc->gaps[rc->ngaps++];
	memset(g, 0, sizeof *g);
	snprintf(g->symbol, sizeof g->symbol, "%s", symbol);
	g->from_ms = from_ms;
	g->says = rc->vt->fills_window_says;
}

/* The rest by the store's orders, done ones too. */
static void
name_from_store(struct state *st, const char *path, const char *venue,
    const char *market, struct vt_updates *fills)
{
	char err[512];
	size_t i;

	for (i = 0; i < fills->n; i++) {
		struct vt_update *f = &fills->u[i];

		if (f->kind != VT_U_FILL || f->client_id[0] || !f->order_id[0])
			continue;
		if (state_client_of_order(st, venue, market, f->symbol,
		    f->order_id, f->client_id, sizeof f->client_id, err,
		    sizeof err) < 0)
			die("%s: %s", path, err);
	}
}

/*
 * The fills of each symbol the store knows after its last one: from
 * the next trade id where the ids are numbers and the venue takes one,
 * else from the last one's time (none: --since ago), window by window
 * as far as the venue answers.  Beyond its reach: a gap.
 */
void
ask_fills_since(struct rc *rc)
{
	const struct venue_trade *vt = rc->vt;
	int64_t now = time_now_ms() + rc->offset_ms, start, window;
	int page = rc->o->page && rc->o->page < vt->fills_page ?
	    rc->o->page : vt->fills_page;
	size_t i;

	if (page <= 0)
		return;			/* the venue has no such list */
	window = vt->fills_window_ms > 0 ? vt->fills_window_ms : now;
	for (i = 0; i < rc->nmarks; i++) {
		const struct state_fill_mark *mk = &rc->marks[i];

		if (mk->max_id >= 0 && !vt->fills_reach_ms) {
			fills_from_id(rc, mk->symbol, mk->max_id + 1, page);
			continue;
		}
		start = mk->time_ms > 0 ? mk->time_ms : now - rc->o->since;
		if (vt->fills_reach_ms && start < now - vt->fills_reach_ms) {
			add_gap(rc, mk->symbol, start);
			start = now - vt->fills_reach_ms;
		}
		for (; start <= now; start += window)
			if (fills_window(rc, mk->symbol, start, page))
				break;
	}
	rc_fills_name(&rc->fills, &rc->orders, rc->rows, rc->nrows);
	name_from_store(rc->st, rc->o->state, rc->venue, rc->market,
	    &rc->fills);
}

/* Balances, where the codec can ask for them. */
void
ask_balances(struct rc *rc)
{
	struct vt_order vo;
	struct vt_answer a;
	struct vt_req probe;
	char why[256];

	memset(&vo, 0, sizeof vo);
	if (rc->vt->build(rc->m, VT_REQ_BALANCES, &rc->vk, &vo,
	    time_now_ms(), (int)rc->o->recv_window, NULL, &probe, why,
	    sizeof why) < 0)
		return;
	ask(rc, VT_REQ_BALANCES, &vo, &a, "the balances");
	take_updates(&rc->balances, &a, VT_U_BALANCE, NULL);
	vt_updates_free(&a.up);
	rc->balances_asked = 1;
}
