/*
 * mkt-exec: intents in, orders out; one intent becomes exactly one
 * order, whatever breaks (mkt-exec(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "io/sig.h"
#include "prog/err.h"
#include "store/jreplay.h"
#include "exec.h"

static const char usage_text[] =
    "usage: mkt-exec --venue VENUE:MARKET|paper [--state DB]\n"
    "                [--journal DIR] [--live]\n"
    "                [--key-file FILE] [--cancel-on-exit]\n"
    "                [--recv-window DUR] [--poll DUR] [--timeout DUR]\n"
    "                [--maker-fee RATE] [--taker-fee RATE] [--no-stream]\n"
    "                [--order-rate N/DUR]\n"
    "                [--ca FILE]\n"
    "                [--stats DUR] [--metrics FILE]\n"
    "                [--no-pass] [-i INPUT] [-o OUTPUT]\n";

static void
usage(void)
{
	char known[512];

	venue_list(known, sizeof known, ", ");
	fputs(usage_text, stdout);
	printf("\n  --venue V          %s, or paper\n", known);
	fputs("  --state DB         the state store (default mkt-exec.db)\n"
	    "  --journal DIR      replay the journal's orders and fills the\n"
	    "                     store lacks, before asking the venue\n"
	    "  --live             allow the venues' production hosts\n"
	    "  --key-file FILE    API key and secret, two lines, mode 0600\n"
	    "                     (else $CREDENTIALS_DIRECTORY, else\n"
	    "                     MKT_API_KEY and MKT_API_SECRET)\n"
	    "  --cancel-on-exit   cancel open orders on SIGINT/SIGTERM\n"
	    "  --recv-window DUR  how long a signed request is valid "
	    "(default 5s)\n"
	    "  --poll DUR         REST poll of open orders (default 1s)\n"
	    "  --timeout DUR      one request at most (default 10s)\n"
	    "  --maker-fee RATE   paper: fee rate of resting fills "
	    "(default 0)\n"
	    "  --taker-fee RATE   paper: fee rate of taking fills "
	    "(default 0)\n"
	    "  --no-stream        no private stream: poll the open orders\n"
	    "  --order-rate N/DUR at most N new orders in any DUR (default: "
	    "the venue's)\n"
	    "  --ca FILE          CA bundle for https\n"
	    METRICS_USAGE RUN_USAGE, stdout);
	exit(0);
}

static struct fx
parse_rate(const char *s, const char *opt)
{
	struct fx v;

	if (fx_parse(s, strlen(s), &v) != FX_OK || v.m < 0)
		die_usage("bad %s '%s': want a rate such as 0.001", opt, s);
	return v;
}

/* --order-rate N/DUR: at most N new orders in any DUR. */
static void
parse_order_rate(const char *arg, struct opts *o)
{
	const char *slash = strchr(arg, '/');
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (!slash || end != slash || errno || n < 1 || n > 100000)
		die_usage("bad --order-rate '%s': want N/DUR, such as 50/10s",
		    arg);
	o->order_n = (int)n;
	o->order_ms = run_duration_above0(slash + 1, "--order-rate");
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_VENUE = 256, OPT_STATE, OPT_LIVE, OPT_KEY_FILE,
		OPT_CANCEL, OPT_RECV, OPT_POLL, OPT_TIMEOUT, OPT_MAKER,
		OPT_TAKER, OPT_CA, OPT_NO_STREAM, OPT_ORDER_RATE, OPT_JOURNAL };
	static const struct option longopts[] = {
		{ "venue", required_argument, NULL, OPT_VENUE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "journal", required_argument, NULL, OPT_JOURNAL },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "key-file", required_argument, NULL, OPT_KEY_FILE },
		{ "cancel-on-exit", no_argument, NULL, OPT_CANCEL },
		{ "recv-window", required_argument, NULL, OPT_RECV },
		{ "poll", required_argument, NULL, OPT_POLL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "maker-fee", required_argument, NULL, OPT_MAKER },
		{ "taker-fee", required_argument, NULL, OPT_TAKER },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "no-stream", no_argument, NULL, OPT_NO_STREAM },
		{ "order-rate", required_argument, NULL, OPT_ORDER_RATE },
		RUN_LONGOPTS,
		METRICS_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->state = "mkt-exec.db";
	o->recv_window = 5000;
	o->poll = 1000;
	o->timeout = 10000;
	o->stream = 1;
	run_opts_init(&o->run);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_VENUE: o->venue = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_JOURNAL: o->journal = optarg; break;
		case OPT_LIVE: o->live = 1; break;
		case OPT_KEY_FILE: o->key_file = optarg; break;
		case OPT_CANCEL: o->cancel_on_exit = 1; break;
		case OPT_RECV:
			o->recv_window = run_duration_above0(optarg,
			    "--recv-window");
			if (o->recv_window > 60000)
				die_usage("bad --recv-window '%s': at most 60s",
				    optarg);
			break;
		case OPT_POLL:
			o->poll = run_duration_above0(optarg, "--poll");
			break;
		case OPT_TIMEOUT:
			o->timeout = run_duration_above0(optarg, "--timeout");
			break;
		case OPT_MAKER:
			o->maker_fee = parse_rate(optarg, "--maker-fee");
			break;
		case OPT_TAKER:
			o->taker_fee = parse_rate(optarg, "--taker-fee");
			break;
		case OPT_CA: o->ca = optarg; break;
		case OPT_NO_STREAM: o->stream = 0; break;
		case OPT_ORDER_RATE:
			parse_order_rate(optarg, o);
			break;
		default:
			if (!metrics_option(c, optarg, &o->mo))
				run_option(c, argv, &o->run, usage);
		}
	}
	run_no_operands(argc - optind, argv + optind);
	if (!o->venue)
		die_usage("--venue is required (VENUE:MARKET or paper)");
}

int64_t
exec_now_ms(void)
{
	return time_now_ms();
}

/*
 * The time an order event carries: on paper, the market's (so that
 * the same input gives the same output), else the local clock's.
 */
static int64_t
event_time(const struct exec *ex)
{
	return ex->paper && ex->last_time ? ex->last_time : exec_now_ms();
}

/* A status event of this program, with the local time. */
void
exec_status(struct exec *ex, const char *state, const char *reason,
    const char *detail)
{
	struct buf *b = &ex->r.ob;

	buf_adds(b, "{\"type\":\"status\",\"venue\":");
	buf_add_jstr(b, ex->venue, strlen(ex->venue));
	buf_adds(b, ",\"market\":");
	buf_add_jstr(b, ex->market, strlen(ex->market));
	event_render_int(b, "time", exec_now_ms());
	buf_adds(b, ",\"source\":\"mkt-exec\",\"state\":");
	buf_add_jstr(b, state, strlen(state));
	if (reason) {
		buf_adds(b, ",\"reason\":");
		buf_add_jstr(b, reason, strlen(reason));
	}
	if (detail) {
		buf_adds(b, ",\"detail\":");
		buf_add_jstr(b, detail, strlen(detail));
	}
	buf_adds(b, "}\n");
	exec_flush(ex);
}

void
exec_flush(struct exec *ex)
{
	if (!ex->holding)
		run_flush_events(&ex->r);
}

static void
hook_order(void *ctx, const struct oms_order *o, const char *source)
{
	struct exec *ex = ctx;
	char filled[FX_BUFSZ], avg[FX_BUFSZ];
	struct tev_order e;

	fx_str(o->filled, filled);
	fx_str(o->avg, avg);
	memset(&e, 0, sizeof e);
	e.venue = ex->venue;
	e.market = ex->market;
	e.symbol = o->it.symbol;
	e.time = ex->paper && o->updated_ms ? o->updated_ms : exec_now_ms();
	e.id = o->it.id;
	e.client_id = o->client_id;
	e.order_id = o->order_id;
	e.side = o->it.side;
	e.kind = o->it.kind;
	e.qty = o->it.qty;
	e.price = o->it.price;
	e.tif = o->it.tif;
	e.status = o->status;
	e.filled_qty = filled;
	e.avg_price = o->avg.m ? avg : NULL;
	e.reason = o->reason;
	e.source = source;
	tevent_render_order(&ex->r.ob, &e);
	exec_flush(ex);
	exec_metrics_order(ex, e.status);
}

static void
hook_fill(void *ctx, const struct oms_order *o, const struct vt_update *u)
{
	struct exec *ex = ctx;
	char px[FX_BUFSZ], qty[FX_BUFSZ], fee[FX_BUFSZ];
	struct tev_fill f;

	memset(&f, 0, sizeof f);
	f.venue = ex->venue;
	f.market = ex->market;
	f.symbol = o->it.symbol;
	f.time = u->time_ms ? u->time_ms : event_time(ex);
	f.id = o->it.id;
	f.client_id = o->client_id;
	f.order_id = u->order_id[0] ? u->order_id : o->order_id;
	f.trade_id = u->trade_id;
	f.side = o->it.side;
	f.price = fx_str(u->fill_price, px);
	f.qty = fx_str(u->fill_qty, qty);
	f.fee = fx_str(u->fee, fee);
	f.fee_asset = u->fee_asset;
	f.maker = u->maker;
	tevent_render_fill(&ex->r.ob, &f);
	exec_flush(ex);
	ex->fills++;
}

static void
hook_position(void *ctx, const char *symbol, const char *qty,
    const char *entry, const char *realized, int64_t time_ms)
{
	struct exec *ex = ctx;
	struct tev_position p;

	memset(&p, 0, sizeof p);
	p.venue = ex->venue;
	p.market = ex->market;
	p.symbol = symbol;
	p.time = time_ms ? time_ms : event_time(ex);
	p.qty = qty;
	p.entry_price = entry;
	p.realized_pnl = realized;
	tevent_render_position(&ex->r.ob, &p);
	exec_flush(ex);
}

const struct oms_hooks exec_hooks = {
	.order = hook_order,
	.fill = hook_fill,
	.position = hook_position,
};

static int
is_paper(const struct exec *ex)
{
	return ex->paper != NULL;
}

/* Work to do now: send, query, cancel, and stop when all is done. */
static void
pump(struct exec *ex)
{
	if (is_paper(ex))
		paper_venue_pump(ex);
	else
		remote_pump(ex);
	if (ex->stopping && ex->o->cancel_on_exit && !ex->canceling) {
		ex->canceling = 1;
		if (is_paper(ex))
			paper_venue_cancel_all(ex, NULL);
		else
			remote_cancel_all(ex, NULL);
	}
	input_resume(ex);
	/*
	 * A refused key sends nothing more: what is left stays pending in
	 * the store for a run with the right key.
	 */
	if (ex->fatal && !remote_busy(ex)) {
		loop_stop(ex->loop);
		return;
	}
	/*
	 * Held back by a difference at the end of the input: what is
	 * queued stays pending in the store for a run after mkt-reconcile.
	 */
	if (ex->input_done && ex->held_back && !remote_busy(ex)) {
		warn("%zu intents left pending: the venue and the store "
		    "differ", oms_queued(ex->oms));
		ex->failed = 1;
		loop_stop(ex->loop);
		return;
	}
	if (ex->input_done && oms_pending_work(ex->oms) == 0 &&
	    (is_paper(ex) || !remote_busy(ex)))
		loop_stop(ex->loop);
}

static void
on_out_due(struct loop_timer *t, void *ctx)
{
	struct exec *ex = ctx;

	(void)t;
	if (out_tick(ex->r.out) < 0)
		die_errno("write error");
}

static void
before_block(void *ctx)
{
	struct exec *ex = ctx;
	int64_t due;

	pump(ex);
	run_idle(&ex->r);
	/*
	 * A file holds events back in blocks: write them within a second
	 * even when nothing more happens (mkt(7): timely files).
	 */
	due = out_wait_ms(ex->r.out);
	if (due >= 0 && loop_timer_in(ex->loop, &ex->out_due, due) < 0)
		die_errno("cannot arm a timer");
}

static void
on_stop_signal(int sig, void *ctx)
{
	struct exec *ex = ctx;

	(void)sig;
	/* Stop taking intents; what is in flight is finished. */
	ex->stopping = 1;
	notify_stopping(&ex->sd);
	input_stop(ex);
	if (sig_stop_count() > 1)
		loop_stop(ex->loop);	/* asked twice: go now */
}

/* The VENUE:MARKET of --venue, or paper. */
static void
pick_venue(struct exec *ex, const char *spec)
{
	const char *colon = strchr(spec, ':');
	char known[512];

	if (strcmp(spec, "paper") == 0) {
		snprintf(ex->venue, sizeof ex->venue, "paper");
		snprintf(ex->market, sizeof ex->market, "paper");
		return;
	}
	if (colon)
		ex->m = venue_find(spec, (size_t)(colon - spec), colon + 1,
		    strlen(colon + 1));
	ex->vt = venue_trade_of(ex->m);
	if (!ex->vt) {
		venue_list(known, sizeof known, " or ");
		die_usage("unknown --venue '%s': want paper, %s", spec, known);
	}
	snprintf(ex->venue, sizeof ex->venue, "%s", venue_name(ex->m));
	snprintf(ex->market, sizeof ex->market, "%s", venue_market(ex->m));
}

/* The order book over the store's unfinished intents. */
static void
load_orders(struct exec *ex)
{
	char err[512];

	if (oms_open(&ex->oms, ex->st, ex->venue, ex->market, &exec_hooks,
	    ex) < 0)
		die_errno("cannot make the order book");
	if (oms_recover(ex->oms, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
}

/*
 * --journal: what the journal holds after the store's recorded seq and
 * the store lacks (a store restored from a backup), into the store;
 * the orders are then loaded again from what it holds now.
 */
static void
replay_journal(struct exec *ex)
{
	struct jreplay_counts c;
	char err[512], detail[200];

	if (!ex->o->journal)
		return;
	if (jreplay_run(ex->st, ex->o->journal, ex->venue, ex->market,
	    exec_now_ms(), &c, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	snprintf(detail, sizeof detail, "seq %" PRId64 " to %" PRId64
	    ": %" PRIu64 " events, %" PRIu64 " intents, %" PRIu64
	    " statuses, %" PRIu64 " fills", c.from_seq, c.next_seq,
	    c.events, c.intents, c.statuses, c.fills);
	exec_status(ex, "replayed", "journal", detail);
	if (c.intents + c.statuses + c.fills == 0)
		return;
	oms_close(ex->oms);
	load_orders(ex);
}

/* Recovery's first steps (mkt(7)): the store, its open orders, then
 * the journal; the venue comes after, on the loop. */
static void
open_state(struct exec *ex)
{
	char err[512];

	if (state_open(&ex->st, ex->o->state, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	load_orders(ex);
	replay_journal(ex);
}

static void
setup_loop(struct exec *ex)
{
	if (loop_open(&ex->loop) < 0)
		die_errno("cannot make the event loop");
	loop_timer_init(&ex->out_due, on_out_due, ex);
	if (loop_on_stop_signal(ex->loop, on_stop_signal, ex) < 0 ||
	    loop_before_block(ex->loop, before_block, ex) < 0)
		die_errno("cannot set up the event loop");
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct exec ex;

	err_init("mkt-exec");
	parse_opts(argc, argv, &o);
	/* Before any key is read: no core dump, no ptrace. */
	if (secret_no_dump() < 0)
		die_errno("cannot keep secrets out of core dumps");
	memset(&ex, 0, sizeof ex);
	ex.o = &o;
	pick_venue(&ex, o.venue);
	run_open(&ex.r, o.run.input, o.run.output, o.run.pass);
	setup_loop(&ex);
	open_state(&ex);
	if (ex.vt)
		remote_open(&ex);
	else
		paper_venue_open(&ex);
	if (input_start(&ex) < 0)
		die_errno("cannot watch the input");
	notify_init(&ex.sd);
	if (notify_attach(&ex.sd, ex.loop) < 0)
		die_nomem();
	exec_metrics_start(&ex);
	notify_ready(&ex.sd, "trading on %s", o.venue);
	if (loop_run(ex.loop) < 0)
		die_errno("event loop failed");
	notify_stopping(&ex.sd);
	notify_detach(&ex.sd);
	input_stop(&ex);
	if (ex.vt)
		remote_close(&ex);
	else
		paper_venue_close(&ex);
	exec_metrics(&ex);
	exec_flush(&ex);
	metrics_free(&ex.ms);
	oms_close(ex.oms);
	state_close(ex.st);
	loop_close(ex.loop);
	run_close(&ex.r);
	return ex.failed ? 1 : 0;
}
