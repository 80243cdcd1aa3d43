/*
 * publish.c: a market step, taken and sent to every connection
 * subscribed to it, with --gap-at and --bybit-snapshot-at.
 */


#include <stdio.h>
#include <string.h>

#include "prog/err.h"

#include "sim.h"

/* ---------------------------------------------------------------- */
/* Publishing a step */

/* Is this the K-th depth message that --gap-at drops (once a stream)? */
static int
gap_now(struct conn *c, struct sub *sub)
{
	const struct opts *o = c->sim->o;

	sub->ndepth++;
	if (!o->gap_at || sub->ndepth != o->gap_at || sub->in->gap_done)
		return 0;
	if (o->gap_symbol && strcmp(sub->in->sm->p.symbol, o->gap_symbol) != 0)
		return 0;
	sub->in->gap_done = 1;
	if (o->verbose)
		warn("connection %llu: gap: dropped %s message %llu",
		    (unsigned long long)c->id, sub->name,
		    (unsigned long long)sub->ndepth);
	return 1;
}

static void
publish_binance(struct conn *c, struct sub *sub)
{
	struct inst *in = sub->in;
	size_t i;

	switch (sub->kind) {
	case SUB_DEPTH:
		/* A recorded snapshot is a resync of the recording client:
		 * the stream goes on; the REST book reflects it. */
		if (in->rp && in->kind != SR_DEPTH)
			return;
		if (gap_now(c, sub))
			return;
		bn_render_depth(wrap_begin(c, sub), in);
		wrap_end(c);
		break;
	case SUB_PARTIAL:
		if (in->rp && in->kind == SR_EXTRA)
			return;
		bn_render_partial(wrap_begin(c, sub), in, sub->depth);
		wrap_end(c);
		break;
	case SUB_TICKER:
		if (in->rp) {
			for (i = 0; i < in->nticks; i++) {
				bn_render_ticker(wrap_begin(c, sub), in,
				    &in->ticks[i]);
				wrap_end(c);
			}
			return;
		}
		if (!top_changed(in->sm))
			return;
		bn_render_ticker(wrap_begin(c, sub), in, &(struct sr_ticker){
		    .bid = sm_at(&in->sm->bid, 0)->px,
		    .bid_qty = sm_at(&in->sm->bid, 0)->qty,
		    .ask = sm_at(&in->sm->ask, 0)->px,
		    .ask_qty = sm_at(&in->sm->ask, 0)->qty,
		});
		wrap_end(c);
		break;
	default:
		for (i = 0; i < in->sm->ntrades; i++) {
			bn_render_trade(wrap_begin(c, sub), in,
			    &in->sm->trades[i], sub->kind == SUB_AGGTRADE);
			wrap_end(c);
		}
	}
}

static void
publish_bybit_book(struct conn *c, struct sub *sub)
{
	struct inst *in = sub->in;
	struct sm_diff d;
	int snap = 0;

	if (in->rp && in->kind == SR_EXTRA)
		return;
	if (sub->depth == 1) {
		/* Level 1 is snapshot-only, sent when the top changes. */
		simmarket_diff(in->sm, 1, &d);
		if (d.nbid + d.nask == 0)
			return;
		snap = 1;
	} else if (in->rp && in->kind == SR_SNAPSHOT) {
		snap = 1;	/* a recorded resync, as Bybit sends it */
	} else {
		if (gap_now(c, sub))
			return;
		if (c->sim->o->snapshot_at && !in->snap_done &&
		    sub->ndepth == c->sim->o->snapshot_at) {
			in->snap_done = 1;
			snap = 1;
		}
	}
	buf_reset(&c->sim->out);
	by_render_book(&c->sim->out, in, sub, snap);
	conn_send_out(c);
}

static void
publish(struct conn *c, struct sub *sub)
{
	if (is_binance(c->mk)) {
		publish_binance(c, sub);
	} else if (sub->kind == SUB_PM_BOOK) {
		pm_publish(c, sub);
	} else if (sub->kind == SUB_BY_BOOK) {
		publish_bybit_book(c, sub);
	} else if (sub->in->sm->ntrades) {
		buf_reset(&c->sim->out);
		by_render_trades(&c->sim->out, sub->in, sub);
		conn_send_out(c);
	}
}

static void
publish_inst(struct sim *s, struct inst *in)
{
	struct conn *c;
	size_t i;

	if (s->o->stall)
		return;
	for (c = s->conns; c; c = c->next)
		for (i = 0; i < c->nsubs; i++)
			if (c->subs[i].in == in && !c->close_now)
				publish(c, &c->subs[i]);
}

/* Has the instrument stopped: --messages reached, the replay ended? */
int
inst_done(const struct sim *s, const struct inst *in)
{
	if (s->o->messages && in->sm->steps >= s->o->messages)
		return 1;
	return in->rp && in->rp_next >= in->rp->nrec;
}

/* Take the instrument's next step, generated or replayed, and send it. */
void
step_inst(struct sim *s, struct inst *in)
{
	struct sr_step st;

	if (!in->rp) {
		if (simmarket_step(in->sm) < 0)
			die_nomem();
	} else {
		simreplay_step(in->rp, in->rp_next++, &st);
		if (simmarket_apply(in->sm, &st.sm) < 0)
			die_nomem();
		in->kind = st.kind;
		in->ticks = st.tickers;
		in->nticks = st.ntickers;
	}
	orders_step(s, in);
	publish_inst(s, in);
}

/* Step every market that has not stopped; 0 when none was left. */
int
step_all(struct sim *s)
{
	size_t i;
	int any = 0;

	for (i = 0; i < s->ninst; i++) {
		struct inst *in = &s->inst[i];

		if (inst_done(s, in))
			continue;
		step_inst(s, in);
		any = 1;
	}
	s->rounds += any;
	return any;
}

/* With --rate 0 the markets wait for the slowest reader. */
int
readers_behind(const struct sim *s)
{
	const struct conn *c;

	for (c = s->conns; c; c = c->next)
		if (c->qlen > QUEUE_PACE && !c->close_now)
			return 1;
	return 0;
}

/* --messages reached everywhere, or the replay's end: say so (scripts
 * wait for the line), and send what --shutdown-lag holds (no newer
 * connection will be sent anything now). */
void
markets_done(struct sim *s)
{
	uint64_t n = 0;
	size_t i;

	conn_release_lagging(s);
	if (!s->o->replay) {
		fprintf(stderr, "%s: markets done: %llu updates each\n",
		    err_progname(), (unsigned long long)s->o->messages);
		return;
	}
	for (i = 0; i < s->ninst; i++)
		n += s->inst[i].sm->steps;
	fprintf(stderr, "%s: markets done: %llu updates replayed\n",
	    err_progname(), (unsigned long long)n);
}
