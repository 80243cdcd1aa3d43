/*
 * mkt-risk: the pre-trade gate (mkt-risk(1)).  Approved intents pass
 * with their exact bytes, a refused one becomes a reject event; cancels
 * always pass; market events teach it prices, instrument events the
 * venue's rules; everything else passes through.  The checks are in
 * trade/risk, the limits file in trade/limits; the state store is only
 * read.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/timeutil.h"
#include "event/instrument.h"
#include "event/tevent.h"
#include "prog/err.h"
#include "prog/metrics.h"
#include "prog/run.h"
#include "store/state.h"
#include "trade/limits.h"
#include "trade/risk.h"

#define PRICE_AGE_MS 60000
/* The limits that read the state store. */
#define STORE_LIMITS (LIM_BIT(LIM_MAX_OPEN_ORDERS) | \
	LIM_BIT(LIM_MAX_POSITION) | LIM_BIT(LIM_DAILY_LOSS))

static const char usage_text[] =
    "usage: mkt-risk --limits FILE [--state DB] [--instruments FILE]\n"
    "                [--halt FILE] [--price-age DUR] [--venue VENUE:MARKET]\n"
    "                [--stats DUR] [--metrics FILE] [--no-pass] [-i INPUT]\n"
    "                [-o OUTPUT]\n";

struct opts {
	const char *limits, *state, *instruments, *halt;
	int64_t price_age;
	char venue[TEV_NAME], market[TEV_NAME];	/* "" when not given */
	struct run_opts run;
	struct metrics_opts mo;
};

struct gate {
	const struct opts *o;
	struct run r;
	struct limits lim;
	struct state *st;	/* NULL without --state */
	struct risk_state rs;
	struct metrics ms;
	unsigned long rejects[RISK_NREASONS];	/* by reason */
	unsigned long approved;
};

/* SIGHUP: reload the limits at the next line. */
static volatile sig_atomic_t reload_asked;

static void
on_hup(int sig)
{
	(void)sig;
	reload_asked = 1;
}

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --limits FILE        the limits (JSON: \"default\" and "
	    "VENUE:MARKET:SYMBOL keys)\n"
	    "  --state DB           mkt-exec's state store: open orders, "
	    "positions, the day's pnl\n"
	    "  --instruments FILE   instrument events: tick, step, min_qty, "
	    "min_notional\n"
	    "  --halt FILE          while FILE exists every new intent is "
	    "refused\n"
	    "  --price-age DUR      a price older than DUR is no price "
	    "(default 60s)\n"
	    "  --venue VENUE:MARKET of the intents that name none\n"
	    METRICS_USAGE RUN_USAGE, stdout);
	exit(0);
}

/* A configuration file that cannot be used: exit 2, as misuse. */
static noreturn void __attribute__((format(printf, 1, 2)))
die_config(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	warn("%s", msg);
	exit(2);
}

static void
parse_venue(const char *arg, struct opts *o)
{
	const char *colon = strchr(arg, ':');
	size_t vn = colon ? (size_t)(colon - arg) : 0;

	if (!colon || vn == 0 || vn >= sizeof o->venue || !colon[1] ||
	    strchr(colon + 1, ':') || strlen(colon + 1) >= sizeof o->market)
		die_usage("bad --venue '%s': want VENUE:MARKET", arg);
	memcpy(o->venue, arg, vn);
	o->venue[vn] = '\0';
	strcpy(o->market, colon + 1);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_LIMITS = 256, OPT_STATE, OPT_INSTRUMENTS, OPT_HALT,
		OPT_PRICE_AGE, OPT_VENUE };
	static const struct option longopts[] = {
		{ "limits", required_argument, NULL, OPT_LIMITS },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "instruments", required_argument, NULL, OPT_INSTRUMENTS },
		{ "halt", required_argument, NULL, OPT_HALT },
		{ "price-age", required_argument, NULL, OPT_PRICE_AGE },
		{ "venue", required_argument, NULL, OPT_VENUE },
		RUN_LONGOPTS,
		METRICS_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->price_age = PRICE_AGE_MS;
	run_opts_init(&o->run);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_LIMITS:
			o->limits = optarg;
			break;
		case OPT_STATE:
			o->state = optarg;
			break;
		case OPT_INSTRUMENTS:
			o->instruments = optarg;
			break;
		case OPT_HALT:
			o->halt = optarg;
			break;
		case OPT_PRICE_AGE:
			o->price_age = run_duration(optarg, "--price-age");
			break;
		case OPT_VENUE:
			parse_venue(optarg, o);
			break;
		default:
			if (!metrics_option(c, optarg, &o->mo))
				run_option(c, argv, &o->run, usage);
		}
	}
	run_no_operands(argc, argv);
	if (!o->limits)
		die_usage("--limits FILE is required");
}

/* ---- the limits and the instruments ---- */

/* Load the limits file into *l: 0, or -1 with why. */
static int
load_limits(const struct opts *o, struct limits *l, char *why, size_t n)
{
	unsigned need;
	int i;

	if (limits_load(o->limits, l, why, n) < 0)
		return -1;
	need = limits_used(l) & STORE_LIMITS;
	if (need && !o->state) {
		for (i = 0; !(need & LIM_BIT(i)); i++)
			;
		snprintf(why, n, "limit '%s' needs --state",
		    limits_name((enum limit_id)i));
		limits_free(l);
		return -1;
	}
	return 0;
}

/* SIGHUP: a new file replaces the limits only when it is whole. */
static void
reload_limits(struct gate *g)
{
	struct limits fresh;
	char why[512];

	reload_asked = 0;
	if (load_limits(g->o, &fresh, why, sizeof why) < 0) {
		warn("'%s': %s: the limits in force are kept", g->o->limits,
		    why);
		return;
	}
	limits_free(&g->lim);
	g->lim = fresh;
	warn("'%s': limits reloaded", g->o->limits);
}

static void
note_instrument(struct gate *g, const struct event *ev, char *why, size_t n,
    int *ok)
{
	struct instrument in;

	*ok = instrument_read(ev, &in, why, n) == 0;
	if (*ok && risk_note_instrument(&g->rs, &in) < 0)
		die_nomem();
}

static void
load_instruments(struct gate *g, const char *path)
{
	const char *line;
	struct event ev;
	struct in in;
	char why[256];
	size_t len;
	int r, ok;

	if (in_open(&in, path, 0) < 0)
		die_config("cannot open '%s': %s", path, strerror(errno));
	while ((r = in_next(&in, &line, &len)) != IN_EOF) {
		if (r == IN_ERROR && errno == EINTR)
			continue;
		if (r == IN_ERROR)
			die_errno("cannot read '%s'", path);
		if (r == IN_TOOLONG)
			die_config("'%s': line %ld: too long", path, in.lineno);
		if (event_parse(line, len, &ev, why, sizeof why) < 0)
			die_config("'%s': line %ld: %s", path, in.lineno, why);
		if (!tevent_is(&ev, "instrument"))
			die_config("'%s': line %ld: not an instrument event",
			    path, in.lineno);
		note_instrument(g, &ev, why, sizeof why, &ok);
		if (!ok)
			die_config("'%s': line %ld: %s", path, in.lineno, why);
	}
	in_close(&in);
}

/* ---- judging an intent ---- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
halted(const struct gate *g)
{
	struct stat sb;

	if (!g->o->halt)
		return 0;
	if (stat(g->o->halt, &sb) == 0)
		return 1;
	/* A halt file that cannot be looked at may be there: halt. */
	return errno != ENOENT && errno != ENOTDIR;
}

/* Whether the store has the intent id (risk_in_flight's question). */
static int
store_knows(void *ctx, const char *id)
{
	struct gate *g = ctx;
	struct state_intent_row row;
	char err[512];
	int r;

	r = state_intent_get(g->st, id, &row, err, sizeof err);
	if (r < 0)
		die("%s: %s", g->o->state, err);
	return r;
}

static struct fx
text_fx(const struct gate *g, const char *t)
{
	struct fx v = { 0, 0 };

	if (*t && fx_parse(t, strlen(t), &v) != FX_OK)
		die("%s: unreadable decimal '%s'", g->o->state, t);
	return v;
}

/* The open orders and position of the intent's symbol. */
static void
view_book(struct gate *g, const struct intent *it, struct risk_view *v)
{
	struct state_position_row pos;
	char buy[STATE_DEC_SZ], sell[STATE_DEC_SZ], err[512];
	int r;

	if (state_risk_open_orders(g->st, it->venue, it->market, it->symbol,
	    &v->open_orders, buy, sell, err, sizeof err) < 0)
		die("%s: %s", g->o->state, err);
	v->open_buy = text_fx(g, buy);
	v->open_sell = text_fx(g, sell);
	if (risk_in_flight(&g->rs, it->venue, it->market, it->symbol,
	    store_knows, g, &v->open_orders, &v->open_buy, &v->open_sell) < 0)
		die("in-flight quantities out of range");
	r = state_position_get(g->st, it->venue, it->market, it->symbol, &pos,
	    err, sizeof err);
	if (r < 0)
		die("%s: %s", g->o->state, err);
	v->position = r == 1 ? text_fx(g, pos.qty) : (struct fx){ 0, 0 };
}

struct day_sum {
	struct gate *g;
	int unnamed;		/* the intent took --venue's market */
	int64_t at_ms;
	struct fx pnl;
};

/* A position's unrealized pnl at its fresh price, added to the day. */
static int
add_unrealized(void *ctx, const struct state_position_row *row)
{
	struct day_sum *d = ctx;
	struct fx px, u, qty = text_fx(d->g, row->qty);

	if (qty.m == 0 || !row->entry_price[0])
		return 0;
	/* Priced as the intents of that market are (view_fill). */
	if (!risk_price(&d->g->rs, row->venue, row->market, row->symbol,
	    d->at_ms, d->g->o->price_age, &px) && (!d->unnamed ||
	    !risk_price(&d->g->rs, "", "", row->symbol, d->at_ms,
	    d->g->o->price_age, &px)))
		return 0;
	if (risk_unrealized(qty, text_fx(d->g, row->entry_price), px, &u) < 0
	    || fx_add(d->pnl, u, &d->pnl) < 0)
		die("unrealized pnl of %s out of range", row->symbol);
	return 0;
}

static void
view_day(struct gate *g, const struct intent *it, int unnamed, int64_t at_ms,
    struct risk_view *v)
{
	struct day_sum d = { g, unnamed, at_ms, { 0, 0 } };
	char pnl[STATE_DEC_SZ], err[512];

	if (state_risk_day_pnl(g->st, it->venue, it->market, at_ms, pnl, err,
	    sizeof err) < 0)
		die("%s: %s", g->o->state, err);
	d.pnl = text_fx(g, pnl);
	if (state_positions(g->st, it->venue, it->market, add_unrealized, &d,
	    err, sizeof err) < 0)
		die("%s: %s", g->o->state, err);
	v->has_day = 1;
	v->day_pnl = d.pnl;
}

static void
view_fill(struct gate *g, const struct intent *it, int unnamed,
    int64_t at_ms, struct risk_view *v)
{
	memset(v, 0, sizeof *v);
	v->known = limits_for(&g->lim, it->venue, it->market, it->symbol,
	    &v->lim);
	v->instr = risk_instrument(&g->rs, it->venue, it->market, it->symbol,
	    &v->instr_required);
	v->has_price = risk_price(&g->rs, it->venue, it->market, it->symbol,
	    at_ms, g->o->price_age, &v->price);
	/* An intent for --venue's market (the paper venue, say) is priced
	 * by its symbol's market events, whatever venue they come from. */
	if (!v->has_price && unnamed)
		v->has_price = risk_price(&g->rs, "", "", it->symbol, at_ms,
		    g->o->price_age, &v->price);
	if (g->st && v->known && (v->lim.has & (LIM_BIT(LIM_MAX_OPEN_ORDERS) |
	    LIM_BIT(LIM_MAX_POSITION))))
		view_book(g, it, v);
	if (g->st && v->known && (v->lim.has & LIM_BIT(LIM_DAILY_LOSS)))
		view_day(g, it, unnamed, at_ms, v);
	risk_rate_counts(&g->rs, it->venue, it->market, it->symbol, mono_ms(),
	    &v->sent_1s, &v->sent_1m);
}

/* A string member of the raw intent, for a reject of a broken one. */
static void
raw_str(const struct event *ev, const char *name, char *dst, size_t cap)
{
	const struct json_span *v = json_get(&ev->obj, name);

	if (!v || v->type != JSON_STRING || json_str_copy(v, dst, cap) < 0)
		dst[0] = '\0';
}

static int64_t
intent_time(const struct event *ev)
{
	const struct json_span *t = json_get(&ev->obj, "time");
	int64_t ms;

	if (t && t->type == JSON_NUMBER && json_int64(t, &ms) == 0)
		return ms;
	return 0;
}

static void
reject(struct gate *g, const struct event *ev, const char *id,
    enum risk_reason reason, const char *detail)
{
	char venue[TEV_NAME], market[TEV_NAME], symbol[TEV_SYMBOL];
	int64_t t = intent_time(ev);
	struct tev_reject rj = { venue, market, symbol, t ? t : time_now_ms(),
	    id, risk_reason_token(reason), detail };

	raw_str(ev, "venue", venue, sizeof venue);
	raw_str(ev, "market", market, sizeof market);
	raw_str(ev, "symbol", symbol, sizeof symbol);
	if (!venue[0] && g->o->venue[0]) {
		strcpy(venue, g->o->venue);
		strcpy(market, g->o->market);
	}
	tevent_render_reject(&g->r.ob, &rj);
	run_flush_events(&g->r);
	g->rejects[reason]++;
}

/* The intent's venue and market, else --venue's (*unnamed): 0, or -1. */
static int
resolve_venue(const struct gate *g, struct intent *it, int *unnamed)
{
	*unnamed = !it->venue[0] && !it->market[0];
	if (*unnamed && g->o->venue[0]) {
		strcpy(it->venue, g->o->venue);
		strcpy(it->market, g->o->market);
	}
	return it->venue[0] && it->market[0] ? 0 : -1;
}

static void
take_intent(struct gate *g, const struct event *ev, const char *line,
    size_t len)
{
	char id[TEV_ID_MAX + 1], why[256], detail[600];
	enum risk_reason r;
	struct risk_view v;
	struct intent it;
	int64_t at;
	int unnamed;

	raw_str(ev, "id", id, sizeof id);
	if (!id[0]) {
		/* A reject names its intent: without an id, nothing can. */
		err_line(run_lineno(&g->r), "intent without a readable 'id' "
		    "dropped");
		return;
	}
	if (halted(g)) {
		snprintf(detail, sizeof detail, "halt: the halt file '%s' "
		    "exists", g->o->halt);
		reject(g, ev, id, RISK_HALT, detail);
		return;
	}
	if (tevent_intent(ev, &it, why, sizeof why) < 0 ||
	    (resolve_venue(g, &it, &unnamed) < 0 && snprintf(why, sizeof why, "no venue "
	    "and market: name them in the intent or give --venue") > 0)) {
		snprintf(detail, sizeof detail, "bad_intent: %s", why);
		reject(g, ev, id, RISK_BAD_INTENT, detail);
		return;
	}
	at = intent_time(ev);
	view_fill(g, &it, unnamed, at ? at : time_now_ms(), &v);
	r = risk_check(&it, &v, detail, sizeof detail);
	if (r != RISK_OK) {
		reject(g, ev, id, r, detail);
		return;
	}
	/* Kept in flight only where a limit reads it back (view_book),
	 * which is also where the list is pruned. */
	if (risk_note_approved(&g->rs, &it, it.venue, it.market, mono_ms(),
	    g->st && (v.lim.has & (LIM_BIT(LIM_MAX_OPEN_ORDERS) |
	    LIM_BIT(LIM_MAX_POSITION)))) < 0)
		die_nomem();
	/* Its own bytes: what the strategy wrote is what mkt-exec reads. */
	run_keep(&g->r, line, len);
	g->approved++;
}

/* ---- the stream ---- */

static void
take_line(struct gate *g, const char *line, size_t len)
{
	struct event ev;
	char why[256];
	int ok;

	if (event_parse(line, len, &ev, why, sizeof why) < 0) {
		err_line(run_lineno(&g->r), "%s", why);
		return;
	}
	if (ev.type == EV_OTHER && tevent_is(&ev, "intent")) {
		take_intent(g, &ev, line, len);
		return;
	}
	if (ev.type == EV_OTHER && tevent_is(&ev, "cancel")) {
		run_keep(&g->r, line, len);
		return;
	}
	if (ev.type == EV_OTHER && tevent_is(&ev, "instrument")) {
		note_instrument(g, &ev, why, sizeof why, &ok);
		if (!ok)
			err_line(run_lineno(&g->r), "instrument: %s", why);
	} else if (risk_note_market(&g->rs, &ev, time_now_ms()) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		err_line(run_lineno(&g->r), "price is not a decimal above 0");
	}
	run_pass(&g->r, line, len);
}

static void
open_store(struct gate *g)
{
	char err[512];

	g->st = NULL;
	if (!g->o->state)
		return;
	if (state_open(&g->st, g->o->state, err, sizeof err) < 0)
		die("%s: %s", g->o->state, err);
}

/* ---- the metrics ---- */

static void
collect(struct gate *g)
{
	int r, rc = metrics_set_run(&g->ms, &g->r);

	rc |= metrics_set(&g->ms, METRIC_COUNTER, "mkt_risk_approved_total",
	    "Intents approved.", NULL, NULL, (double)g->approved);
	for (r = 1; r < RISK_NREASONS; r++)
		rc |= metrics_set(&g->ms, METRIC_COUNTER,
		    "mkt_risk_rejects_total", "Intents refused, by reason.",
		    "reason", risk_reason_token(r), (double)g->rejects[r]);
	if (rc)
		die_nomem();
}

static void
on_tick(void *ctx)
{
	struct gate *g = ctx;

	collect(g);
	metrics_tick(&g->ms, &g->o->mo, &g->r.ob);
	run_flush_events(&g->r);
}

static void
catch_hup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_hup;
	if (sigaction(SIGHUP, &sa, NULL) < 0)
		die_errno("cannot install the SIGHUP handler");
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct gate g;
	const char *line;
	char why[512];
	size_t len;

	err_init("mkt-risk");
	parse_opts(argc, argv, &o);
	memset(&g, 0, sizeof g);
	g.o = &o;
	if (load_limits(&o, &g.lim, why, sizeof why) < 0)
		die_config("'%s': %s", o.limits, why);
	risk_state_init(&g.rs);
	if (o.instruments)
		load_instruments(&g, o.instruments);
	open_store(&g);
	catch_hup();
	run_open(&g.r, o.run.input, o.run.output, o.run.pass);
	metrics_init(&g.ms, "mkt-risk");
	if (metrics_period(&o.mo))
		run_every(&g.r, metrics_period(&o.mo), on_tick, &g);
	while (run_next(&g.r, &line, &len)) {
		if (reload_asked)
			reload_limits(&g);
		take_line(&g, line, len);
	}
	run_flush_events(&g.r);
	/* The last counts, as of the end of input. */
	if (metrics_period(&o.mo))
		on_tick(&g);
	run_close(&g.r);
	metrics_free(&g.ms);
	state_close(g.st);
	risk_state_free(&g.rs);
	limits_free(&g.lim);
	return 0;
}
