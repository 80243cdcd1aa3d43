/*
 * mkt-report: trades, fees, realised pnl, win rate, drawdown and streaks
 * of a state store's fills (or of fill events), in total and by market,
 * hour, weekday and exit reason (mkt-report(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "event/event.h"
#include "io/in.h"
#include "prog/err.h"
#include "prog/run.h"
#include "store/state.h"
#include "report.h"

static const char usage_text[] =
    "usage: mkt-report (--state DB | -i INPUT) [--from T] [--to T]\n"
    "                  [--venue VENUE:MARKET] [--format ndjson|csv|text]\n"
    "                  [--equity FILE] [--png FILE]\n";

struct opts {
	const char *state, *input;
	const char *venue, *market;
	char vbuf[64];
	int64_t from, to;
	enum rep_format fmt;
	const char *equity, *png;
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --state DB         read the fills of this state store\n"
	    "  -i, --input SPEC   read fill and intent events instead\n"
	    "  --from T, --to T   count the trades that closed in [T, T)\n"
	    "  --venue V:M        only this venue and market\n"
	    "  --format F         ndjson (default), csv or text\n"
	    "  --equity FILE      write the equity curve as CSV\n"
	    "  --png FILE         draw the equity curve with gnuplot\n"
	    "  -h, --help         this text\n"
	    "  --version          the version\n", stdout);
	exit(0);
}

static int64_t
time_opt(const char *arg, const char *opt)
{
	int64_t t;

	if (time_parse(arg, &t) < 0)
		die_usage("%s: not a time: '%s'", opt, arg);
	return t;
}

static void
venue_opt(struct opts *o, const char *arg)
{
	char *colon;

	if (snprintf(o->vbuf, sizeof o->vbuf, "%s", arg) >=
	    (int)sizeof o->vbuf || (colon = strchr(o->vbuf, ':')) == NULL ||
	    colon == o->vbuf || colon[1] == '\0' || strchr(colon + 1, ':'))
		die_usage("--venue: not VENUE:MARKET: '%s'", arg);
	*colon = '\0';
	o->venue = o->vbuf;
	o->market = colon + 1;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_STATE = 256, OPT_FROM, OPT_TO, OPT_VENUE, OPT_FORMAT,
		OPT_EQUITY, OPT_PNG, OPT_VERSION };
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, OPT_STATE },
		{ "input", required_argument, NULL, 'i' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "venue", required_argument, NULL, OPT_VENUE },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "equity", required_argument, NULL, OPT_EQUITY },
		{ "png", required_argument, NULL, OPT_PNG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->from = INT64_MIN;
	o->to = INT64_MAX;
	while ((c = getopt_long(argc, argv, "hi:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_STATE: o->state = optarg; break;
		case 'i': o->input = optarg; break;
		case OPT_FROM: o->from = time_opt(optarg, "--from"); break;
		case OPT_TO: o->to = time_opt(optarg, "--to"); break;
		case OPT_VENUE: venue_opt(o, optarg); break;
		case OPT_EQUITY: o->equity = optarg; break;
		case OPT_PNG: o->png = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "ndjson") == 0)
				o->fmt = FMT_NDJSON;
			else if (strcmp(optarg, "csv") == 0)
				o->fmt = FMT_CSV;
			else if (strcmp(optarg, "text") == 0)
				o->fmt = FMT_TEXT;
			else
				die_usage("--format: not ndjson, csv or text: "
				    "'%s'", optarg);
			break;
		case 'h': usage(); break;
		case OPT_VERSION:
			printf("mkt-report %s\n", MKT_VERSION);
			exit(0);
		default:
			die_usage("unknown option");
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if ((o->state == NULL) == (o->input == NULL))
		die_usage("one of --state and --input is required");
	if (o->from >= o->to)
		die_usage("--from must be before --to");
}

/* The statistics of key in m, created empty. */
static struct rt_stats *
stats_of(struct keymap *m, const char *key)
{
	struct rt_stats *s = keymap_get(m, key, strlen(key));

	if (s != NULL)
		return s;
	s = malloc(sizeof *s);
	if (s == NULL)
		die_nomem();
	rt_stats_init(s);
	if (keymap_put(m, key, strlen(key), s) < 0)
		die_nomem();
	return s;
}

static void
add_point(struct report *r, const struct rt_trade *t, const char *market)
{
	struct rep_point *p;

	if (r->npt == r->cappt) {
		size_t cap = r->cappt ? r->cappt * 2 : 256;

		p = realloc(r->pt, cap * sizeof *p);
		if (p == NULL)
			die_nomem();
		r->pt = p;
		r->cappt = cap;
	}
	p = &r->pt[r->npt++];
	p->time_ms = t->close_ms;
	p->pnl = t->pnl;
	p->equity = r->total.pnl;
	snprintf(p->market, sizeof p->market, "%s", market);
}

/* A closed trade into every group it belongs to. */
static void
count_trade(struct report *r, const struct rt_trade *t)
{
	char market[sizeof r->pt->market];
	struct tm tm;
	time_t secs = (time_t)(t->close_ms / 1000 -
	    (t->close_ms % 1000 < 0));

	if (t->close_ms < r->from)
		return;
	snprintf(market, sizeof market, "%s:%s:%s", t->venue, t->market,
	    t->symbol);
	if (gmtime_r(&secs, &tm) == NULL)
		die("trade closed at %lld: not a time", (long long)t->close_ms);
	if (rt_stats_add(&r->total, t) < 0 ||
	    rt_stats_add(stats_of(&r->markets, market), t) < 0 ||
	    rt_stats_add(stats_of(&r->reasons, t->reason), t) < 0 ||
	    rt_stats_add(&r->hour[tm.tm_hour], t) < 0 ||
	    rt_stats_add(&r->wday[tm.tm_wday], t) < 0)
		die("the sums overflow at the trade closed at %lld",
		    (long long)t->close_ms);
	add_point(r, t, market);
}

/* One fill, from the store or an event (report.h). */
int
rep_add_fill(struct report *r, const struct rt_fill *f, const char *what)
{
	struct rt_trade t;
	int rc = rt_add(&r->book, f, &t);

	if (rc < 0) {
		warn("%s: %s", what, errno == ERANGE ? "the sums overflow" :
		    errno == ENOMEM ? "out of memory" : "bad quantity or name");
		return -1;
	}
	if (f->time_ms >= r->from)
		r->fills++;
	if (rc == 1)
		count_trade(r, &t);
	return 0;
}

static int
parse_dec(const char *s, struct fx *v)
{
	return fx_parse(s, strlen(s), v) == FX_OK ? 0 : -1;
}

static int
store_fill(void *ctx, const struct state_report_fill *sf)
{
	struct report *r = ctx;
	struct rt_fill f = { sf->venue, sf->market, sf->symbol,
		strcmp(sf->side, "buy") == 0, { 0, 0 }, { 0, 0 }, { 0, 0 },
		sf->time_ms, sf->reason };
	char what[STATE_ID_SZ + 32];

	snprintf(what, sizeof what, "fill '%s'", sf->trade_id);
	if (parse_dec(sf->price, &f.price) < 0 ||
	    parse_dec(sf->qty, &f.qty) < 0 || parse_dec(sf->fee, &f.fee) < 0 ||
	    (!f.buy && strcmp(sf->side, "sell") != 0)) {
		warn("%s: not a decimal price, quantity or fee, or a bad "
		    "side", what);
		return 1;
	}
	return rep_add_fill(r, &f, what) < 0 ? 1 : 0;
}

static void
read_store(struct report *r, const struct opts *o)
{
	struct state_report *sr;
	char err[320];
	int rc;

	if (state_report_open(&sr, o->state, err, sizeof err) < 0)
		die("'%s': %s", o->state, err);
	rc = state_report_fills(sr, o->to, o->venue, o->market, store_fill, r,
	    err, sizeof err);
	if (rc < 0)
		die("'%s': %s", o->state, err);
	state_report_close(sr);
	if (rc != 0)
		exit(1);
}

static void
free_map(struct keymap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->e[i].val);
	keymap_free(m);
}

static void
report_free(struct report *r)
{
	rt_free(&r->book);
	free_map(&r->markets);
	free_map(&r->reasons);
	free(r->pt);
}

int
main(int argc, char **argv)
{
	struct report r;
	struct opts o;

	err_init("mkt-report");
	parse_opts(argc, argv, &o);
	memset(&r, 0, sizeof r);
	r.from = o.from;
	r.to = o.to;
	rt_init(&r.book);
	rt_stats_init(&r.total);
	keymap_init(&r.markets);
	keymap_init(&r.reasons);
	if (o.state != NULL)
		read_store(&r, &o);
	else if (rep_read_events(&r, o.input, o.venue, o.market) < 0)
		exit(1);
	if (o.equity != NULL)
		rep_write_equity(&r, o.equity);
	if (o.png != NULL)
		rep_write_png(&r, o.png);
	rep_write(&r, o.fmt);
	report_free(&r);
	return 0;
}
