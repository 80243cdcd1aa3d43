/*
 * mkt-exec on the paper venue: orders fill against the books of the
 * market events in the same input (venue/paper), at once and in input
 * order, so the same input always gives the same fills.  Its resting
 * orders are kept in the state store's key/value table, so a restarted
 * mkt-exec goes on with them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"
#include "exec.h"

#define PAPER_KV_OWNER "mkt-exec"
#define PAPER_KV_KEY "paper"

static void
apply(struct exec *ex, struct vt_updates *us)
{
	char err[512];
	size_t i;

	for (i = 0; i < us->n; i++)
		if (oms_update(ex->oms, &us->u[i], STATE_SRC_LOCAL,
		    ex->last_time ? ex->last_time : exec_now_ms(), err,
		    sizeof err) < 0)
			die("%s: %s", ex->o->state, err);
	if (us->n)
		ex->paper_dirty = 1;
	vt_updates_reset(us);
}

void
paper_venue_market(struct exec *ex, struct event *ev)
{
	struct vt_updates us;
	char why[256];

	memset(&us, 0, sizeof us);
	if (paper_market(ex->paper, ev, &us, why, sizeof why) < 0)
		err_line(ex->r.in.lineno, "%s", why);
	/* Read by paper_market, for the types it takes. */
	if (ev->has & EV_HAS_TIME)
		ex->last_time = ev->time;
	apply(ex, &us);
	vt_updates_free(&us);
}

static void
place(struct exec *ex, struct oms_order *ord)
{
	struct vt_updates us;
	struct vt_order vo;
	char why[256], err[512];
	int r;

	memset(&us, 0, sizeof us);
	memset(&vo, 0, sizeof vo);
	vo.symbol = ord->it.symbol;
	vo.client_id = ord->client_id;
	vo.side = strcmp(ord->it.side, "buy") == 0 ? VT_BUY : VT_SELL;
	vo.kind = strcmp(ord->it.kind, "limit") == 0 ? VT_LIMIT : VT_MARKET;
	vo.tif = strcmp(ord->it.tif, "IOC") == 0 ? VT_IOC :
	    strcmp(ord->it.tif, "FOK") == 0 ? VT_FOK :
	    strcmp(ord->it.tif, "post_only") == 0 ? VT_POST_ONLY : VT_GTC;
	vo.qty = ord->it.qty;
	vo.price = ord->it.price[0] ? ord->it.price : NULL;
	vo.reduce_only = ord->it.reduce_only;
	if (oms_sent(ex->oms, ord, ex->last_time, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	r = paper_place(ex->paper, ord->it.venue[0] ? ord->it.venue : NULL,
	    ord->it.market[0] ? ord->it.market : NULL, &vo, &us, why,
	    sizeof why);
	if (r < 0)
		die("paper venue: %s", why);
	/* Already placed (a restart after it was): its state is there. */
	if (r == 1 && paper_query(ex->paper, ord->client_id,
	    vt_updates_add(&us, VT_U_ORDER)) != 1)
		us.n = 0;
	apply(ex, &us);
	vt_updates_free(&us);
}

/* Intents are placed where they stand in the input, between the
 * market events before and after them. */
void
paper_venue_place(struct exec *ex)
{
	struct oms_order *ord;

	while ((ord = oms_next(ex->oms)))
		place(ex, ord);
}

void
paper_venue_pump(struct exec *ex)
{
	struct buf b;
	char err[512];

	paper_venue_place(ex);
	if (!ex->paper_dirty)
		return;
	buf_init(&b, 0);
	if (paper_save(ex->paper, &b) < 0 || buf_failed(&b))
		die_nomem();
	if (state_kv_put(ex->st, PAPER_KV_OWNER, PAPER_KV_KEY, b.p, b.len,
	    exec_now_ms(), err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	buf_free(&b);
	ex->paper_dirty = 0;
}

void
paper_venue_cancel(struct exec *ex, struct oms_order *ord)
{
	struct vt_updates us;
	char err[512];

	if (ord->phase == OMS_DONE)
		return;
	if (ord->phase == OMS_QUEUED) {
		if (oms_final(ex->oms, ord, "canceled", "canceled before it "
		    "was sent", STATE_SRC_LOCAL, exec_now_ms(), err,
		    sizeof err) < 0)
			die("%s: %s", ex->o->state, err);
		return;
	}
	memset(&us, 0, sizeof us);
	if (paper_cancel(ex->paper, ord->client_id, &us) == 0)
		apply(ex, &us);
	vt_updates_free(&us);
}

void
paper_venue_cancel_all(struct exec *ex, const char *symbol)
{
	struct oms_order *const *act;
	size_t i, n;

	act = oms_active(ex->oms, &n);
	for (i = n; i-- > 0;) {
		if (symbol && strcmp(act[i]->it.symbol, symbol) != 0)
			continue;
		paper_venue_cancel(ex, act[i]);
		act = oms_active(ex->oms, &n);
	}
}

void
paper_venue_open(struct exec *ex)
{
	struct paper_opts po;
	void *saved;
	size_t n;
	char err[512];
	int r;

	memset(&po, 0, sizeof po);
	po.maker_fee = ex->o->maker_fee;
	po.taker_fee = ex->o->taker_fee;
	if (paper_open(&ex->paper, &po) < 0)
		die_errno("cannot start the paper venue");
	r = state_kv_get(ex->st, PAPER_KV_OWNER, PAPER_KV_KEY, &saved, &n,
	    err, sizeof err);
	if (r < 0)
		die("%s: %s", ex->o->state, err);
	if (r == 1) {
		if (paper_load(ex->paper, saved, n, err, sizeof err) < 0)
			die("%s: the paper venue's orders: %s", ex->o->state,
			    err);
		free(saved);
	}
}

void
paper_venue_close(struct exec *ex)
{
	paper_venue_pump(ex);
	paper_close(ex->paper);
}
