/*
 * repair.c: each difference as one mismatch event; the ones --apply
 * names repaired first, each committed before it is reported.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* ---- output ---- */

static void
emit(struct rc *rc)
{
	if (buf_failed(&rc->ob))
		die_nomem();
	if (out_write(rc->out, rc->ob.p, rc->ob.len) < 0)
		die_errno("write error");
	buf_reset(&rc->ob);
}

static const char *
side_word(enum vt_side s)
{
	return s == VT_BUY ? "buy" : "sell";
}

/* The order event of a venue order, as the store now has it. */
static void
emit_order(struct rc *rc, const struct vt_update *u, const char *intent_id,
    const char *status)
{
	char q[FX_BUFSZ], p[FX_BUFSZ], f[FX_BUFSZ], avg[FX_BUFSZ];
	struct tev_order e;

	memset(&e, 0, sizeof e);
	e.venue = rc->venue;
	e.market = rc->market;
	e.symbol = u->symbol;
	e.time = time_now_ms();
	e.id = intent_id;
	e.client_id = u->client_id;
	e.order_id = u->order_id;
	e.side = side_word(u->side);
	e.kind = u->okind == VT_MARKET ? "market" : "limit";
	e.qty = fx_str(u->qty, q);
	e.price = u->price.m ? fx_str(u->price, p) : NULL;
	e.status = status;
	e.filled_qty = fx_str(u->filled_qty, f);
	e.avg_price = u->avg_price.m ? fx_str(u->avg_price, avg) : NULL;
	e.source = STATE_SRC_RECONCILE;
	tevent_render_order(&rc->ob, &e);
	emit(rc);
}

static void
emit_mismatch(struct rc *rc, const struct rc_diff *d, enum rc_action done)
{
	struct tev_mismatch e;

	memset(&e, 0, sizeof e);
	e.venue = rc->venue;
	e.market = rc->market;
	e.symbol = d->symbol[0] ? d->symbol : NULL;
	e.time = time_now_ms();
	e.what = rc_what_name(d->what);
	e.client_id = d->client_id;
	e.order_id = d->order_id;
	e.trade_id = d->trade_id;
	e.asset = d->asset;
	e.local = d->local;
	e.remote = d->remote;
	e.action = rc_action_name(done != RC_NONE ? done : d->action);
	e.note = d->note;
	e.explained = d->explained;
	e.applied = done != RC_NONE;
	tevent_render_mismatch(&rc->ob, &e);
	emit(rc);
}

/* ---- repairs: each committed before it is reported ---- */

static int
apply_adopt(struct rc *rc, const struct rc_diff *d)
{
	const struct vt_update *u = d->u;
	char q[FX_BUFSZ], p[FX_BUFSZ], f[FX_BUFSZ], avg[FX_BUFSZ], err[512];
	struct state_adopt a;
	int r;

	memset(&a, 0, sizeof a);
	a.venue = rc->venue;
	a.market = rc->market;
	a.symbol = u->symbol;
	a.client_id = u->client_id;
	a.venue_order_id = u->order_id;
	a.side = side_word(u->side);
	a.type = u->okind == VT_MARKET ? "market" : "limit";
	a.qty = fx_str(u->qty, q);
	a.price = u->price.m ? fx_str(u->price, p) : NULL;
	a.status = u->status;
	a.filled_qty = fx_str(u->filled_qty, f);
	a.avg_price = u->avg_price.m ? fx_str(u->avg_price, avg) : NULL;
	a.time_ms = u->time_ms ? u->time_ms : time_now_ms();
	r = state_reconcile_adopt(rc->st, &a, err, sizeof err);
	if (r != 0) {
		warn("%s: cannot adopt order %s: %s", rc->o->state,
		    u->order_id, r == STATE_EXISTS ? "its client id is "
		    "taken" : err);
		rc->failed = 1;
		return 0;
	}
	return 1;
}

static int
apply_cancel(struct rc *rc, const struct rc_diff *d)
{
	struct vt_order vo;
	struct vt_answer a;
	enum vt_outcome r;

	if (!d->u->client_id[0]) {
		warn("cannot cancel order %s: it has no client id",
		    d->u->order_id);
		rc->failed = 1;
		return 0;
	}
	memset(&vo, 0, sizeof vo);
	vo.symbol = d->u->symbol;
	vo.client_id = d->u->client_id;
	r = ask(rc, VT_REQ_CANCEL, &vo, &a, "a cancel");
	vt_updates_free(&a.up);
	if (r != VT_OK) {
		warn("cannot cancel order %s: the venue has no such order",
		    d->u->order_id);
		rc->failed = 1;
		return 0;
	}
	return 1;
}

static int
apply_close(struct rc *rc, const struct rc_diff *d)
{
	char f[FX_BUFSZ], avg[FX_BUFSZ], err[512];
	struct state_transition t;

	memset(&t, 0, sizeof t);
	t.client_id = d->row->client_id;
	t.status = d->u->status;
	t.venue_order_id = d->u->order_id[0] ? d->u->order_id : NULL;
	t.filled_qty = fx_str(d->u->filled_qty, f);
	t.avg_price = d->u->avg_price.m ? fx_str(d->u->avg_price, avg) : NULL;
	t.time_ms = time_now_ms();
	t.source = STATE_SRC_RECONCILE;
	t.detail = "closed by mkt-reconcile";
	if (state_order_transition(rc->st, &t, err, sizeof err) < 0) {
		warn("%s: cannot close intent '%s': %s", rc->o->state,
		    d->row->intent_id, err);
		rc->failed = 1;
		return 0;
	}
	return 1;
}

static int
apply_fill(struct rc *rc, const struct rc_diff *d,
    struct state_intent_row *row)
{
	const struct vt_update *u = d->u;
	char p[FX_BUFSZ], q[FX_BUFSZ], fee[FX_BUFSZ], err[512];
	struct state_fill f;
	int r;

	/* An order adopted earlier in this run has its intent now; a
	 * fill of one the store does not know is still the venue's
	 * record, and moves the position: copied without a client id. */
	memset(row, 0, sizeof *row);
	r = u->client_id[0] ? state_intent_get(rc->st, u->client_id, row, err,
	    sizeof err) : 0;
	if (r < 0) {
		warn("%s: %s", rc->o->state, err);
		rc->failed = 1;
		return 0;
	}
	if (r == 0)
		memset(row, 0, sizeof *row);
	memset(&f, 0, sizeof f);
	f.venue = rc->venue;
	f.venue_trade_id = u->trade_id;
	f.client_id = row->client_id[0] ? row->client_id : NULL;
	f.price = fx_str(u->fill_price, p);
	f.qty = fx_str(u->fill_qty, q);
	f.fee = fx_str(u->fee, fee);
	f.fee_asset = u->fee_asset[0] ? u->fee_asset : NULL;
	f.time_ms = u->time_ms ? u->time_ms : time_now_ms();
	f.market = rc->market;
	f.symbol = u->symbol;
	f.side = side_word(u->side);
	r = state_reconcile_fill(rc->st, &f, err, sizeof err);
	if (r < 0) {
		warn("%s: cannot record fill %s: %s", rc->o->state,
		    u->trade_id, err);
		rc->failed = 1;
		return 0;
	}
	return r == 0;
}

static void
emit_fill(struct rc *rc, const struct vt_update *u,
    const struct state_intent_row *row)
{
	char p[FX_BUFSZ], q[FX_BUFSZ], fee[FX_BUFSZ];
	struct tev_fill e;

	memset(&e, 0, sizeof e);
	e.venue = rc->venue;
	e.market = rc->market;
	e.symbol = u->symbol;
	e.time = u->time_ms ? u->time_ms : time_now_ms();
	e.id = row->intent_id;
	e.client_id = row->client_id;
	e.order_id = u->order_id;
	e.trade_id = u->trade_id;
	e.side = side_word(u->side);
	e.price = fx_str(u->fill_price, p);
	e.qty = fx_str(u->fill_qty, q);
	e.fee = fx_str(u->fee, fee);
	e.fee_asset = u->fee_asset;
	e.maker = u->maker;
	tevent_render_fill(&rc->ob, &e);
	emit(rc);
}

static int
apply_position(struct rc *rc, const struct rc_diff *d)
{
	char q[FX_BUFSZ], entry[FX_BUFSZ], err[512];
	const char *e = d->u && d->qty.m ? fx_str(d->u->entry_price, entry) :
	    NULL;

	if (state_reconcile_position(rc->st, rc->venue, rc->market,
	    d->symbol, fx_str(d->qty, q), e, time_now_ms(), err,
	    sizeof err) < 0) {
		warn("%s: cannot take the position of %s: %s", rc->o->state,
		    d->symbol, err);
		rc->failed = 1;
		return 0;
	}
	return 1;
}

static void
emit_position(struct rc *rc, const char *symbol)
{
	struct state_position_row p;
	struct tev_position e;
	char err[512];

	if (state_position_get(rc->st, rc->venue, rc->market, symbol, &p,
	    err, sizeof err) <= 0)
		return;
	memset(&e, 0, sizeof e);
	e.venue = rc->venue;
	e.market = rc->market;
	e.symbol = symbol;
	e.time = p.updated_ms;
	e.qty = p.qty;
	e.entry_price = p.entry_price;
	e.realized_pnl = p.realized_pnl;
	tevent_render_position(&rc->ob, &e);
	emit(rc);
}

/* Only when named: the venue's figure of one asset, as it is. */
static int
apply_balance(struct rc *rc, const struct rc_diff *d)
{
	char f[FX_BUFSZ], l[FX_BUFSZ], err[512];

	if (state_balance_put(rc->st, rc->venue, rc->market, d->asset,
	    fx_str(d->free, f), fx_str(d->locked, l), time_now_ms(), err,
	    sizeof err) < 0) {
		warn("%s: cannot take the balance of %s: %s", rc->o->state,
		    d->asset, err);
		rc->failed = 1;
		return 0;
	}
	return 1;
}

static int
wants(const struct rc *rc, enum rc_action a)
{
	return (rc->o->apply & (1u << a)) != 0;
}

/* Repair d when --apply names its action: the action done, or RC_NONE. */
enum rc_action
repair(struct rc *rc, const struct rc_diff *d)
{
	struct state_intent_row row;

	switch (d->action) {
	case RC_ADOPT:
		if (wants(rc, RC_ADOPT) && apply_adopt(rc, d)) {
			emit_mismatch(rc, d, RC_ADOPT);
			emit_order(rc, d->u, d->u->client_id, d->u->status);
			return RC_ADOPT;
		}
		if (wants(rc, RC_CANCEL) && apply_cancel(rc, d)) {
			emit_mismatch(rc, d, RC_CANCEL);
			emit_order(rc, d->u, d->u->client_id, "canceled");
			return RC_CANCEL;
		}
		break;
	case RC_CLOSE:
		if (wants(rc, RC_CLOSE) && apply_close(rc, d)) {
			emit_mismatch(rc, d, RC_CLOSE);
			emit_order(rc, d->u, d->row->intent_id, d->u->status);
			return RC_CLOSE;
		}
		break;
	case RC_FILLS:
		if (wants(rc, RC_FILLS) && apply_fill(rc, d, &row)) {
			emit_mismatch(rc, d, RC_FILLS);
			emit_fill(rc, d->u, &row);
			return RC_FILLS;
		}
		break;
	case RC_NONE:
		if (d->what == RC_BALANCE && wants(rc, RC_BALANCE_TAKE) &&
		    apply_balance(rc, d)) {
			emit_mismatch(rc, d, RC_BALANCE_TAKE);
			return RC_BALANCE_TAKE;
		}
		break;
	case RC_POSITION_TAKE:
		if (wants(rc, RC_POSITION_TAKE) && apply_position(rc, d)) {
			emit_mismatch(rc, d, RC_POSITION_TAKE);
			emit_position(rc, d->symbol);
			return RC_POSITION_TAKE;
		}
		break;
	default:
		break;
	}
	emit_mismatch(rc, d, RC_NONE);
	return RC_NONE;
}

