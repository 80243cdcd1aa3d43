/*
 * mkt-reconcile: ask a venue what it holds (open orders, every
 * unfinished order of the store by client id, their fills, positions),
 * compare with the state store, write one mismatch event per
 * difference, and repair only what --apply names (mkt-reconcile(1)).
 * Without --apply nothing changes.
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

static const char usage_text[] =
    "usage: mkt-reconcile --venue VENUE:MARKET [--state DB] "
    "[--apply ACTION,...]\n"
    "                     [--key-file FILE] [--live] [--timeout DUR]\n"
    "                     [--recv-window DUR] [--since DUR] [--page N]\n"
    "                     [--ca FILE] [-o OUTPUT]\n";

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n  --venue V          the venue and market, as mkt-exec's\n"
	    "  --state DB         the state store (default mkt-exec.db)\n"
	    "  --apply ACTIONS    repair these, comma-separated: adopt, "
	    "cancel,\n"
	    "                     close, fills, position, balance "
	    "(default: none)\n"
	    "  --key-file FILE    API key and secret, two lines, mode 0600\n"
	    "  --live             allow the venues' production hosts\n"
	    "  --timeout DUR      one request at most (default 10s)\n"
	    "  --recv-window DUR  how long a signed request is valid "
	    "(default 5s)\n"
	    "  --since DUR        finished orders changed this recently are "
	    "asked\n"
	    "                     about too, for their fills, and fills are\n"
	    "                     asked this far back when the store has "
	    "none (default 24h)\n"
	    "  --page N           fills asked per request (default the "
	    "venue's most)\n"
	    "  --ca FILE          CA bundle for https\n"
	    "  -o, --output SPEC  write to a file, unix:PATH or "
	    "nats://HOST:PORT/SUBJECT\n"
	    "                     (default stdout)\n"
	    "  -h, --help         this text\n"
	    "  --version          the version\n", stdout);
	exit(0);
}

static void
parse_apply(const char *arg, struct opts *o)
{
	char bad[64];

	if (rc_actions_parse(arg, &o->apply, bad, sizeof bad) < 0)
		die_usage("bad --apply '%s': want adopt, cancel, close, "
		    "fills, position or balance, comma-separated", bad);
	if ((o->apply & (1u << RC_ADOPT)) && (o->apply & (1u << RC_CANCEL)))
		die_usage("--apply adopt and cancel both act on the venue's "
		    "unknown orders: name one");
}

/* 1 to 1000 (Binance's most; Bybit's is 100, and it is kept to). */
static int
parse_page(const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < 1 || n > 1000)
		die_usage("bad --page '%s': want 1 to 1000", arg);
	return (int)n;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_VENUE = 256, OPT_STATE, OPT_APPLY, OPT_KEY_FILE,
		OPT_LIVE, OPT_TIMEOUT, OPT_RECV, OPT_CA, OPT_SINCE, OPT_PAGE };
	static const struct option longopts[] = {
		{ "venue", required_argument, NULL, OPT_VENUE },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "apply", required_argument, NULL, OPT_APPLY },
		{ "key-file", required_argument, NULL, OPT_KEY_FILE },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "recv-window", required_argument, NULL, OPT_RECV },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "page", required_argument, NULL, OPT_PAGE },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, RUN_OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro;
	int c;

	memset(o, 0, sizeof *o);
	o->state = "mkt-exec.db";
	o->output = "-";
	o->timeout = 10000;
	o->recv_window = 5000;
	o->since = 86400000;
	run_opts_init(&ro);
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_VENUE: o->venue = optarg; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_APPLY: parse_apply(optarg, o); break;
		case OPT_KEY_FILE: o->key_file = optarg; break;
		case OPT_LIVE: o->live = 1; break;
		case OPT_TIMEOUT:
			o->timeout = run_duration_above0(optarg, "--timeout");
			break;
		case OPT_RECV:
			o->recv_window = run_duration_above0(optarg,
			    "--recv-window");
			if (o->recv_window > 60000)
				die_usage("bad --recv-window '%s': at most 60s",
				    optarg);
			break;
		case OPT_CA: o->ca = optarg; break;
		case OPT_SINCE:
			o->since = run_duration_above0(optarg, "--since");
			break;
		case OPT_PAGE:
			o->page = parse_page(optarg);
			break;
		case 'o': o->output = optarg; break;
		default:
			run_option(c, argv, &ro, usage);
		}
	}
	run_no_operands(argc - optind, argv + optind);
	if (!o->venue)
		die_usage("--venue is required (VENUE:MARKET)");
}

static void
pick_venue(struct rc *rc, const char *spec)
{
	const char *colon = strchr(spec, ':');
	char known[512];

	if (colon)
		rc->m = venue_find(spec, (size_t)(colon - spec), colon + 1,
		    strlen(colon + 1));
	rc->vt = venue_trade_of(rc->m);
	if (!rc->vt) {
		venue_list(known, sizeof known, " or ");
		die_usage("unknown --venue '%s': want %s", spec, known);
	}
	snprintf(rc->venue, sizeof rc->venue, "%s", venue_name(rc->m));
	snprintf(rc->market, sizeof rc->market, "%s", venue_market(rc->m));
}

/* ---- the run ---- */

static void
open_all(struct rc *rc)
{
	char err[512], why[OUT_WHY];
	int limit;
	long window;

	tradekeys_check_host(rc->m, rc->o->live);
	tradekeys_load(&rc->keys, &rc->vk, rc->o->key_file);
	if (state_open(&rc->st, rc->o->state, err, sizeof err) < 0)
		die("%s: %s", rc->o->state, err);
	if (rest_open(&rc->rest, rc->o->ca) < 0)
		die_errno("cannot start the REST client");
	(void)venue_rest_budget(rc->m, &limit, &window);
	if (rest_budget(rc->rest, rc->vt->host_key, limit, window, 1.0) < 0)
		die_errno("cannot start the REST client");
	if (out_open_why(&rc->out, rc->o->output, 0, why, sizeof why) < 0) {
		if (why[0])
			die("cannot open '%s': %s", rc->o->output, why);
		die_errno("cannot open '%s'", rc->o->output);
	}
	buf_init(&rc->ob, 1 << 20);
}

static void
close_all(struct rc *rc)
{
	int r = out_close(rc->out);

	buf_free(&rc->ob);
	vt_updates_free(&rc->orders);
	vt_updates_free(&rc->fills);
	vt_updates_free(&rc->positions);
	vt_updates_free(&rc->balances);
	free(rc->bals);
	free(rc->marks);
	free(rc->gaps);
	free(rc->rows);
	free(rc->pos);
	rest_close(rc->rest);
	state_close(rc->st);
	secret_free(&rc->keys);
	if (r < 0 && errno != EPIPE)
		die_errno("write error");
}

/* A fill of a finished order of the store's (not among the rows read)
 * is the store's after all. */
static void
own_done_fills(struct rc *rc, struct rc_diffs *ds)
{
	struct state_intent_row row;
	char err[512];
	size_t i;
	int r;

	for (i = 0; i < ds->n; i++) {
		struct rc_diff *d = &ds->d[i];

		if (d->what != RC_FILL || d->action != RC_FILLS || d->row ||
		    !d->client_id[0])
			continue;
		r = state_intent_get(rc->st, d->client_id, &row, err,
		    sizeof err);
		if (r < 0)
			die("%s: %s", rc->o->state, err);
		if (r == 1 && strcmp(row.client_id, d->client_id) == 0) {
			d->note[0] = '\0';
			d->explained = 1;
		}
	}
}

/*
 * A fill found past one window of the venue's time-bounded list was
 * asked for window by window: say so, with the venue's words.
 */
static void
note_windows(const struct rc *rc, struct rc_diffs *ds, int64_t now)
{
	int64_t w = rc->vt->fills_window_ms;
	size_t i, j;

	for (i = 0; w > 0 && i < ds->n; i++) {
		struct rc_diff *d = &ds->d[i];

		if (d->what != RC_FILL || d->action != RC_FILLS || d->note[0])
			continue;
		for (j = 0; j < rc->nmarks; j++)
			if (strcmp(rc->marks[j].symbol, d->symbol) == 0 &&
			    rc->marks[j].max_id < 0 &&
			    (rc->marks[j].time_ms ? rc->marks[j].time_ms :
			    now - rc->o->since) < now - w)
				snprintf(d->note, RC_TEXT, "asked window by "
				    "window: %.120s", rc->vt->fills_window_says);
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct rc rc;
	struct rc_local l;
	struct rc_remote r;
	struct rc_diffs ds = { 0 };
	char err[512];
	size_t i, left = 0;

	err_init("mkt-reconcile");
	parse_opts(argc, argv, &o);
	if (secret_no_dump() < 0)
		die_errno("cannot keep secrets out of core dumps");
	if (sig_init() < 0)
		die_errno("cannot set up signals");
	memset(&rc, 0, sizeof rc);
	rc.o = &o;
	pick_venue(&rc, o.venue);
	open_all(&rc);
	read_store(&rc);
	sync_clock(&rc);
	ask_orders(&rc);
	ask_fills(&rc);
	ask_fills_since(&rc);
	ask_positions(&rc);
	ask_balances(&rc);
	memset(&l, 0, sizeof l);
	l.orders = rc.rows;
	l.n_orders = rc.nrows;
	l.positions = rc.pos;
	l.n_positions = rc.npos;
	l.balances = rc.bals;
	l.n_balances = rc.nbals;
	l.fill_known = fill_known;
	l.ctx = &rc;
	memset(&r, 0, sizeof r);
	r.orders = &rc.orders;
	r.fills = &rc.fills;
	r.positions = rc.positions_asked ? &rc.positions : NULL;
	r.balances = rc.balances_asked ? &rc.balances : NULL;
	r.gaps = rc.gaps;
	r.n_gaps = rc.ngaps;
	r.queried = 1;
	r.history_ms = rc.vt->history_ms;
	r.history_says = rc.vt->history_says;
	r.now_ms = time_now_ms() + rc.offset_ms;
	if (reconcile_compare(&l, &r, &ds, err, sizeof err) < 0)
		die("%s: %s", o.state, err);
	own_done_fills(&rc, &ds);
	note_windows(&rc, &ds, r.now_ms);
	for (i = 0; i < ds.n; i++)
		left += repair(&rc, &ds.d[i]) == RC_NONE;
	rc_diffs_free(&ds);
	close_all(&rc);
	if (rc.failed)
		return 1;
	return left ? EXIT_DIFFERENT : 0;
}
