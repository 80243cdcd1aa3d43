/*
 * mkt-exec's comparison with the venue (trade/reconcile), at start and
 * after every private-stream (re)connection: the venue's open orders,
 * the fills since the store's last (a fill of its own order is
 * recorded, one of another's holds trading) and positions, where the
 * market has them, against the store.  What
 * the normal path explains (a final status learnt late, a fill not yet
 * fetched) it resolves as always; a difference it cannot explain (an
 * open order at the venue that the store does not know, a position the
 * fills do not make) holds every new order back, with a status event
 * naming it, until a comparison finds it gone (mkt-reconcile --apply
 * cancel, or an operator) -- mkt-exec(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "prog/err.h"
#include "trade/reconcile.h"
#include "exec.h"

#define RECON_AGAIN_MS 5000	/* while held back: compare again */
#define RECON_RETRY_MS 1000	/* an answer failed: ask again */

/* The venue's answers of the comparison under way. */
struct recon {
	struct vt_updates orders, positions, fills;
	int want_positions;
	int waiting;			/* answers still to come */
	int again;			/* a re-check while held: quiet */
};

static int
keep_row(void *ctx, const struct state_intent_row *row)
{
	struct recon_rows *r = ctx;

	if (fs_grow((void **)&r->rows, &r->cap, r->n + 1,
	    sizeof *r->rows) < 0)
		die_nomem();
	r->rows[r->n++] = *row;
	return 0;
}

static int
keep_position(void *ctx, const struct state_position_row *row)
{
	struct recon_rows *r = ctx;

	if (fs_grow((void **)&r->pos, &r->cappos, r->npos + 1,
	    sizeof *r->pos) < 0)
		die_nomem();
	r->pos[r->npos++] = *row;
	return 0;
}

static int
fill_known(void *ctx, const char *symbol, const char *trade_id)
{
	struct exec *ex = ctx;
	char err[512];
	int r = state_fill_known(ex->st, ex->venue, ex->market, symbol,
	    trade_id, err, sizeof err);

	if (r < 0)
		die("%s: %s", ex->o->state, err);
	return r;
}

/* Fills the venue's list names by order id alone: by the store's
 * orders, done ones too. */
static void
name_from_store(struct exec *ex, struct vt_updates *fills)
{
	char err[512];
	size_t i;

	for (i = 0; i < fills->n; i++) {
		struct vt_update *f = &fills->u[i];

		if (f->kind != VT_U_FILL || f->client_id[0] || !f->order_id[0])
			continue;
		if (state_client_of_order(ex->st, ex->venue, ex->market,
		    f->symbol, f->order_id, f->client_id, sizeof f->client_id,
		    err, sizeof err) < 0)
			die("%s: %s", ex->o->state, err);
	}
}

/*
 * A venue fill the store lacks, of one of its own orders: recorded as
 * any fill the venue tells (the order's own, else the store's intent
 * of it), and explained.  1 when so; 0: not ours, it holds trading.
 */
static int
own_fill(struct exec *ex, const struct rc_diff *d)
{
	const struct vt_update *u = d->u;
	char p[FX_BUFSZ], q[FX_BUFSZ], fee[FX_BUFSZ], err[512];
	struct state_intent_row row;
	struct state_fill f;
	int r;

	if (!u || !u->client_id[0])
		return 0;
	if (oms_by_client(ex->oms, u->client_id)) {
		if (oms_update(ex->oms, u, STATE_SRC_REST, exec_now_ms(), err,
		    sizeof err) < 0)
			die("%s: %s", ex->o->state, err);
		return 1;
	}
	r = state_intent_get(ex->st, u->client_id, &row, err, sizeof err);
	if (r < 0)
		die("%s: %s", ex->o->state, err);
	if (r == 0 || strcmp(row.client_id, u->client_id) != 0)
		return 0;
	memset(&f, 0, sizeof f);
	f.venue = ex->venue;
	f.venue_trade_id = u->trade_id;
	f.client_id = row.client_id;
	f.price = fx_str(u->fill_price, p);
	f.qty = fx_str(u->fill_qty, q);
	f.fee = fx_str(u->fee, fee);
	f.fee_asset = u->fee_asset[0] ? u->fee_asset : NULL;
	f.time_ms = u->time_ms ? u->time_ms : exec_now_ms();
	f.market = ex->market;
	f.symbol = u->symbol;
	f.side = u->side == VT_BUY ? "buy" : "sell";
	if (state_fill_add(ex->st, &f, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	return 1;
}

/*
 * Orders whose news may still move a position: sent, unresolved, open,
 * or with fills to fetch.  While there are any, a position that
 * differs is explained by what is in flight.
 */
static int
orders_in_flight(const struct exec *ex)
{
	struct oms_order *const *act;
	size_t i, n;

	act = oms_active(ex->oms, &n);
	for (i = 0; i < n; i++)
		if (act[i]->phase != OMS_QUEUED || oms_fills_missing(act[i]))
			return 1;
	return 0;
}

static void
say_mismatch(struct exec *ex, const struct rc_diff *d)
{
	struct tev_mismatch e;

	memset(&e, 0, sizeof e);
	e.venue = ex->venue;
	e.market = ex->market;
	e.symbol = d->symbol[0] ? d->symbol : NULL;
	e.time = exec_now_ms();
	e.what = rc_what_name(d->what);
	e.client_id = d->client_id;
	e.order_id = d->order_id;
	e.local = d->local;
	e.remote = d->remote;
	e.action = rc_action_name(d->action);
	e.note = d->note;
	e.explained = d->explained;
	tevent_render_mismatch(&ex->r.ob, &e);
	exec_flush(ex);
}

/* The first unexplained difference in words, for the status event. */
static void
describe(const struct rc_diff *d, char *dst, size_t n)
{
	if (d->what == RC_ORDER)
		snprintf(dst, n, "order %.72s (client id %.40s) of %.32s at the "
		    "venue: %.150s; the store: %.150s", d->order_id, d->client_id[0] ?
		    d->client_id : "none", d->symbol, d->remote, d->local);
	else
		snprintf(dst, n, "%s of %s: the venue %.150s, the store %.150s",
		    rc_what_name(d->what), d->symbol, d->remote, d->local);
}

/*
 * The venue's orders the unfinished rows do not name may be finished
 * ones of the store (the open list can predate a fill or a cancel just
 * recorded): their rows too, so that they are not taken for unknown.
 */
static void
add_known_rows(struct exec *ex, struct recon *rc, struct recon_rows *rows)
{
	struct state_intent_row row;
	char err[512];
	size_t i, j;

	for (i = 0; i < rc->orders.n; i++) {
		const char *cid = rc->orders.u[i].client_id;
		int r;

		for (j = 0; j < rows->n; j++)
			if (strcmp(rows->rows[j].client_id, cid) == 0)
				break;
		if (!cid[0] || j < rows->n)
			continue;
		r = state_intent_get(ex->st, cid, &row, err, sizeof err);
		if (r < 0)
			die("%s: %s", ex->o->state, err);
		if (r == 1 && strcmp(row.client_id, cid) == 0)
			keep_row(rows, &row);
	}
}

/* A final order the venue still lists open, changed this recently,
 * is the open list being older than the change: the re-check tells. */
#define RECENT_MS 60000

static void
compare(struct exec *ex, struct recon *rc)
{
	struct recon_rows rows = { 0 };
	struct rc_local l = { .fill_known = fill_known, .ctx = ex };
	struct rc_remote r = { .orders = &rc->orders, .fills = &rc->fills };
	struct rc_diffs ds = { 0 };
	char err[512], what[640];
	size_t i, unexplained = 0;
	enum rc_what first = RC_ORDER;

	if (state_unfinished(ex->st, ex->venue, ex->market, keep_row, &rows,
	    err, sizeof err) < 0 ||
	    state_positions(ex->st, ex->venue, ex->market, keep_position,
	    &rows, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	add_known_rows(ex, rc, &rows);
	l.orders = rows.rows;
	l.n_orders = rows.n;
	l.positions = rows.pos;
	l.n_positions = rows.npos;
	rc_fills_name(&rc->fills, &rc->orders, rows.rows, rows.n);
	name_from_store(ex, &rc->fills);
	r.positions = rc->want_positions ? &rc->positions : NULL;
	if (reconcile_compare(&l, &r, &ds, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	for (i = 0; i < ds.n; i++) {
		struct rc_diff *d = &ds.d[i];

		if (d->what == RC_POSITION && orders_in_flight(ex))
			d->explained = 1;
		/* A fill without a client id (Binance's lists) while an
		 * order's query is under way may be that order's: its
		 * normal path fetches it, and the re-check tells. */
		if (d->what == RC_FILL && d->action == RC_FILLS) {
			int own = own_fill(ex, d);

			if (own)
				d->note[0] = '\0';
			d->explained = own ||
			    (!d->client_id[0] && orders_in_flight(ex));
		}
		if (d->what == RC_ORDER && d->row && !d->explained &&
		    d->row->updated_ms > exec_now_ms() - RECENT_MS)
			d->explained = 1;
		if (!rc->again)
			say_mismatch(ex, d);
		if (!d->explained && unexplained++ == 0) {
			describe(d, what, sizeof what);
			first = d->what;
		}
	}
	if (unexplained) {
		if (!rc->again)
			exec_status(ex, "unreconciled",
			    rc_what_name(first), what);
		if (!ex->held_back)
			warn("new orders held back: %s (mkt-reconcile --venue "
			    "%s:%s --state %s shows every difference)", what,
			    ex->venue, ex->market, ex->o->state);
		ex->held_back = 1;
		ex->recon_next_ms = time_mono_ms() + RECON_AGAIN_MS;
	} else if (ex->held_back) {
		ex->held_back = 0;
		exec_status(ex, "reconciled", "venue", NULL);
	}
	rc_diffs_free(&ds);
	free(rows.rows);
	free(rows.pos);
}

void
recon_due(struct exec *ex)
{
	ex->recon_due = 1;
}

/* Start a comparison when one is due and nothing else asks first. */
struct marks {
	struct state_fill_mark *m;
	size_t n, cap;
	size_t nfill;		/* m[0..nfill) come from the store's fills */
};

static int
keep_mark(void *ctx, const struct state_fill_mark *mk)
{
	struct marks *ms = ctx;
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].symbol, mk->symbol) == 0)
			return 0;
	if (fs_grow((void **)&ms->m, &ms->cap, ms->n + 1,
	    sizeof *ms->m) < 0)
		die_nomem();
	ms->m[ms->n++] = *mk;
	return 0;
}

/*
 * A symbol with unfinished orders and no fill in the store: its fills
 * are asked from the oldest of those orders' creation, on the venue's
 * clock (ask_fills adds the offset) and a second early for that
 * offset's error, never from before the store knew of any: an order of
 * the store fills after its intent was created, an account's older
 * fills are not this store's, and a new store on an account with a
 * history must still trade.
 */
static int
mark_row(void *ctx, const struct state_intent_row *row)
{
	struct marks *ms = ctx;
	struct state_fill_mark mk;
	int64_t from = row->created_ms - 1000;
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].symbol, row->symbol) == 0) {
			/* A mark from the fills stands; of rows, the oldest. */
			if (i >= ms->nfill && ms->m[i].time_ms > from)
				ms->m[i].time_ms = from;
			return 0;
		}
	memset(&mk, 0, sizeof mk);
	snprintf(mk.symbol, sizeof mk.symbol, "%s", row->symbol);
	mk.max_id = -1;
	mk.time_ms = from;
	return keep_mark(ctx, &mk);
}

/*
 * The fills since the store's last of every symbol it has fills or
 * unfinished orders of: from the next trade id where the venue takes
 * one, else from the last fill's time (for a symbol without fills, from
 * its oldest unfinished order: mark_row), at most one of the venue's
 * windows back (mkt-reconcile asks further).
 */
static void
ask_fills(struct exec *ex, struct recon *rc)
{
	const struct venue_trade *vt = ex->vt;
	struct marks ms = { NULL, 0, 0, 0 };
	int64_t now = exec_now_ms() + ex->offset_ms, start, from;
	char err[512];
	size_t i;

	if (vt->fills_page <= 0)
		return;
	if (state_fill_marks(ex->st, ex->venue, ex->market, keep_mark, &ms,
	    err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	ms.nfill = ms.n;
	if (state_unfinished(ex->st, ex->venue, ex->market, mark_row, &ms,
	    err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	for (i = 0; i < ms.n; i++) {
		const struct state_fill_mark *mk = &ms.m[i];

		rc->waiting++;
		if (mk->max_id >= 0 && !vt->fills_reach_ms) {
			remote_submit_fills(ex, mk->symbol, mk->max_id + 1, 0,
			    NULL);
			continue;
		}
		start = now - (vt->fills_window_ms > 0 ?
		    vt->fills_window_ms : 86400000) + 60000;
		from = mk->time_ms + (i >= ms.nfill ? ex->offset_ms : 0);
		if (from > start)
			start = from;
		remote_submit_fills(ex, mk->symbol, -1, start, NULL);
	}
	free(ms.m);
}

/* A page of fills: kept, and the next page asked when there is one. */
static void
fills_page(struct exec *ex, struct recon *rc, const char *symbol,
    int64_t start_ms, const struct vt_answer *a)
{
	int64_t last = -1;
	size_t i, n = 0;

	for (i = 0; i < a->up.n; i++) {
		const struct vt_update *f = &a->up.u[i];
		struct vt_update *u;
		long long id;
		char *end;

		if (f->kind != VT_U_FILL)
			continue;
		u = vt_updates_add(&rc->fills, VT_U_FILL);
		if (!u)
			die_nomem();
		*u = *f;
		n++;
		id = strtoll(f->trade_id, &end, 10);
		if (*end == '\0' && end != f->trade_id && id > last)
			last = id;
	}
	if (a->cursor[0]) {
		rc->waiting++;
		remote_submit_fills(ex, symbol, -1, start_ms, a->cursor);
	} else if (n == (size_t)ex->vt->fills_page && last >= 0 &&
	    !ex->vt->fills_reach_ms) {
		rc->waiting++;
		remote_submit_fills(ex, symbol, last + 1, 0, NULL);
	}
}

void
recon_pump(struct exec *ex)
{
	struct recon *rc;

	if (ex->recon || ex->fatal || (!ex->recon_due && !ex->held_back) ||
	    time_mono_ms() < ex->recon_next_ms)
		return;
	rc = calloc(1, sizeof *rc);
	if (!rc)
		die_nomem();
	ex->recon = rc;
	rc->again = !ex->recon_due;
	ex->recon_due = 0;
	rc->want_positions = remote_can(ex, VT_REQ_POSITIONS);
	rc->waiting = 1 + rc->want_positions;
	remote_submit_recon(ex, VT_REQ_OPEN);
	if (rc->want_positions)
		remote_submit_recon(ex, VT_REQ_POSITIONS);
	ask_fills(ex, rc);
}

/*
 * An answer of the comparison: kept; when the last is in, compare.  A
 * failed answer makes it due again (the next pump asks once more).
 */
void
recon_answer(struct exec *ex, enum vt_what what, const char *symbol,
    int64_t start_ms, const struct vt_answer *a)
{
	struct recon *rc = ex->recon;
	struct vt_updates *dst = what == VT_REQ_OPEN ? &rc->orders :
	    &rc->positions;
	size_t i;

	if (a->outcome != VT_OK) {
		ex->recon_failed = 1;
	} else if (what == VT_REQ_FILLS_SINCE) {
		fills_page(ex, rc, symbol, start_ms, a);
	} else {
		for (i = 0; i < a->up.n; i++) {
			struct vt_update *u = vt_updates_add(dst,
			    a->up.u[i].kind);

			if (!u)
				die_nomem();
			*u = a->up.u[i];
		}
	}
	if (--rc->waiting > 0)
		return;
	if (ex->recon_failed) {
		ex->recon_due = 1;
		ex->recon_next_ms = time_mono_ms() + RECON_RETRY_MS;
	} else {
		compare(ex, rc);
		ex->recon_done = 1;
	}
	ex->recon_failed = 0;
	vt_updates_free(&rc->orders);
	vt_updates_free(&rc->positions);
	vt_updates_free(&rc->fills);
	free(rc);
	ex->recon = NULL;
}

int
recon_holds(const struct exec *ex)
{
	return !ex->recon_done || ex->recon || ex->held_back;
}

void
recon_close(struct exec *ex)
{
	if (!ex->recon)
		return;
	vt_updates_free(&ex->recon->orders);
	vt_updates_free(&ex->recon->positions);
	vt_updates_free(&ex->recon->fills);
	free(ex->recon);
	ex->recon = NULL;
}
