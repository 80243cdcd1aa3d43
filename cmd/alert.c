/*
 * mkt-alert: alert events from a stream of events (mkt-alert(1)): each
 * fill, a risk halt, a burst of rejects, a disconnect that lasts, and a
 * summary of each UTC day's fills.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/keymap.h"
#include "base/timeutil.h"
#include "event/event.h"
#include "io/in.h"
#include "prog/err.h"
#include "prog/run.h"
#include "trade/roundtrip.h"

#define DAY_MS 86400000LL
#define BURST_MAX 10000
#define NAME_SZ 65
/* Distinct alert kinds (what) counted; more would be a bug. */
#define ALERT_KINDS 32

static const char usage_text[] =
    "usage: mkt-alert [--reject-burst N] [--reject-window DUR]\n"
    "                 [--disconnect-after DUR] [--no-fills] [--only-alerts]\n"
    "                 [--stats DUR] [--metrics FILE] [-i INPUT] [-o OUTPUT]\n";

struct opts {
	long burst;		/* more than this many rejects ... */
	int64_t window;		/* ... within this window */
	int64_t disconnect;	/* a disconnect lasting this long */
	int fills;		/* an alert for each fill */
	struct run_opts run;
};

/* A connection that said "disconnected" and has not come back. */
struct link {
	char source[NAME_SZ], venue[NAME_SZ], market[NAME_SZ];
	char symbol[NAME_SZ];
	int down, alerted;
	int64_t since;		/* event time of the disconnect */
	int64_t due_mono;	/* wall-clock deadline, monotonic ms */
};

/* One UTC day's fills. */
struct day {
	int64_t day;		/* its first ms; 0: none yet */
	long fills, trades;
	struct fx volume, fees, pnl;
};

struct alert {
	const struct opts *o;
	struct run r;
	struct keymap links;		/* key -> struct link */
	int64_t *rejects;		/* times of the rejects in the window */
	long nrejects;
	int64_t halt_until;		/* no second halt alert before */
	struct rt_book book;
	struct day day;
	int64_t last_time;
	/* Alerts written by what, for --metrics: the what strings are the
	 * literals alert_begin() is given, few enough to search. */
	struct { const char *what; unsigned long n; } by_what[ALERT_KINDS];
	size_t nkinds;
	struct metrics_run mr;
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --reject-burst N       warn when more than N rejects come "
	    "within\n"
	    "  --reject-window DUR    this window (default 5 in 1m)\n"
	    "  --disconnect-after DUR warn when a connection stays down this "
	    "long (30s)\n"
	    "  --no-fills             no alert for each fill\n"
	    "  --only-alerts          write the alerts alone (as --no-pass)\n"
	    METRICS_USAGE
	    RUN_USAGE, stdout);
	exit(0);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_BURST = 256, OPT_WINDOW, OPT_DISCONNECT, OPT_NO_FILLS,
		OPT_ONLY };
	static const struct option longopts[] = {
		{ "reject-burst", required_argument, NULL, OPT_BURST },
		{ "reject-window", required_argument, NULL, OPT_WINDOW },
		{ "disconnect-after", required_argument, NULL, OPT_DISCONNECT },
		{ "no-fills", no_argument, NULL, OPT_NO_FILLS },
		{ "only-alerts", no_argument, NULL, OPT_ONLY },
		METRICS_LONGOPTS,
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	o->burst = 5;
	o->window = 60000;
	o->disconnect = 30000;
	o->fills = 1;
	run_opts_init(&o->run);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_BURST:
			errno = 0;
			o->burst = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->burst < 0 ||
			    o->burst >= BURST_MAX)
				die_usage("--reject-burst: not a count below "
				    "%d: '%s'", BURST_MAX, optarg);
			break;
		case OPT_WINDOW:
			o->window = run_duration_above0(optarg,
			    "--reject-window");
			break;
		case OPT_DISCONNECT:
			o->disconnect = run_duration_above0(optarg,
			    "--disconnect-after");
			break;
		case OPT_NO_FILLS:
			o->fills = 0;
			break;
		case OPT_ONLY:
			o->run.pass = 0;
			break;
		default:
			run_option(c, argv, &o->run, usage);
		}
	}
	run_no_operands(argc, argv);
}

static void
get_str(const struct json_obj *o, const char *name, char *dst, size_t cap)
{
	const struct json_span *s = json_get(o, name);

	dst[0] = '\0';
	if (s != NULL && s->type == JSON_STRING &&
	    json_str_copy(s, dst, cap) < 0)
		dst[0] = '\0';
}

/* Start an alert event: the head and level, what; the caller adds its
 * fields and alert_end() the detail. */
static void
alert_begin(struct alert *a, const char *venue, const char *market,
    const char *symbol, int64_t time, const char *level, const char *what)
{
	struct buf *b = &a->r.ob;
	size_t i;

	for (i = 0; i < a->nkinds && strcmp(a->by_what[i].what, what); i++)
		;
	if (i == a->nkinds && i < ALERT_KINDS) {
		a->by_what[i].what = what;
		a->nkinds++;
	}
	if (i < a->nkinds)
		a->by_what[i].n++;
	buf_adds(b, "{\"type\":\"alert\"");
	if (venue && venue[0]) {
		buf_adds(b, ",\"venue\":");
		buf_add_jstr(b, venue, strlen(venue));
	}
	if (market && market[0]) {
		buf_adds(b, ",\"market\":");
		buf_add_jstr(b, market, strlen(market));
	}
	if (symbol && symbol[0]) {
		buf_adds(b, ",\"symbol\":");
		buf_add_jstr(b, symbol, strlen(symbol));
	}
	buf_addf(b, ",\"time\":%lld,\"level\":\"%s\",\"what\":\"%s\"",
	    (long long)time, level, what);
}

static void
alert_end(struct alert *a, const char *detail)
{
	buf_adds(&a->r.ob, ",\"detail\":");
	buf_add_jstr(&a->r.ob, detail, strlen(detail));
	buf_adds(&a->r.ob, "}\n");
	run_flush_events(&a->r);
}

/* The day's summary, when it had fills. */
static void
day_summary(struct alert *a, int64_t time, int partial)
{
	struct day *d = &a->day;
	char detail[512], day[40], vol[FX_BUFSZ], fees[FX_BUFSZ], pnl[FX_BUFSZ];

	if (d->day == 0 || d->fills == 0)
		return;
	time_format(d->day, day, sizeof day);
	day[10] = '\0';
	fx_str(fx_trim(d->volume), vol);
	fx_str(fx_trim(d->fees), fees);
	fx_str(fx_trim(d->pnl), pnl);
	snprintf(detail, sizeof detail, "%s%s: %ld fills, volume %s, fees %s, "
	    "%ld trades closed, pnl %s", day, partial ? " so far" : "",
	    d->fills, vol, fees, d->trades, pnl);
	alert_begin(a, NULL, NULL, NULL, time, "info", "daily_summary");
	buf_addf(&a->r.ob, ",\"day\":\"%s\",\"fills\":%ld,\"trades\":%ld,"
	    "\"volume\":%s,\"fees\":%s,\"pnl\":%s%s", day, d->fills,
	    d->trades, vol, fees, pnl, partial ? ",\"partial\":true" : "");
	alert_end(a, detail);
}

/* An event's time moves the day on: the finished day is summed up. */
static void
roll_day(struct alert *a, int64_t time)
{
	int64_t day = time - ((time % DAY_MS) + DAY_MS) % DAY_MS;

	if (a->day.day != 0 && day > a->day.day) {
		day_summary(a, time, 0);
		memset(&a->day, 0, sizeof a->day);
	}
	if (a->day.day == 0 || day > a->day.day)
		a->day.day = day;
}

static int
get_dec(const struct json_obj *o, const char *name, struct fx *v)
{
	const struct json_span *s = json_get(o, name);

	return s != NULL && event_decimal(s, v) == FX_OK ? 0 : -1;
}

/* A fill: its alert, and its part in the day's figures. */
static void
on_fill(struct alert *a, const struct json_obj *o, int64_t time,
    long lineno)
{
	char venue[NAME_SZ], market[NAME_SZ], symbol[NAME_SZ], side[8];
	char id[129], detail[512], px[FX_BUFSZ], qty[FX_BUFSZ], fee[FX_BUFSZ];
	struct rt_fill f = { venue, market, symbol, 0, { 0, 0 }, { 0, 0 },
		{ 0, 0 }, time, NULL };
	struct rt_trade t;
	struct fx notional;
	int rc;

	get_str(o, "venue", venue, sizeof venue);
	get_str(o, "market", market, sizeof market);
	get_str(o, "symbol", symbol, sizeof symbol);
	get_str(o, "side", side, sizeof side);
	get_str(o, "id", id, sizeof id);
	if (get_dec(o, "price", &f.price) < 0 ||
	    get_dec(o, "qty", &f.qty) < 0 ||
	    (json_get(o, "fee") != NULL && get_dec(o, "fee", &f.fee) < 0)) {
		err_line(lineno, "fill: price, qty and fee must be decimals");
		return;
	}
	f.buy = strcmp(side, "buy") == 0;
	snprintf(detail, sizeof detail, "%s %s %s at %s, fee %s (%s)", side,
	    fx_str(f.qty, qty), symbol, fx_str(f.price, px), fx_str(f.fee, fee),
	    id);
	if (a->o->fills) {
		alert_begin(a, venue, market, symbol, time, "info", "fill");
		buf_adds(&a->r.ob, ",\"id\":");
		buf_add_jstr(&a->r.ob, id, strlen(id));
		alert_end(a, detail);
	}
	a->day.fills++;
	if (fx_mul(f.price, f.qty, &notional) < 0 ||
	    fx_add(a->day.volume, notional, &a->day.volume) < 0 ||
	    fx_add(a->day.fees, f.fee, &a->day.fees) < 0)
		goto overflow;
	rc = rt_add(&a->book, &f, &t);
	if (rc < 0 && errno != ERANGE) {
		err_line(lineno, "fill: a quantity above zero, venue, market "
		    "and symbol are needed");
		return;
	}
	if (rc < 0)
		goto overflow;
	if (rc == 1) {
		a->day.trades++;
		if (fx_add(a->day.pnl, t.pnl, &a->day.pnl) < 0)
			goto overflow;
	}
	return;
overflow:
	err_line(lineno, "fill: the day's sums overflow");
}

/* A reject: a halt is critical at once; many in a window are a burst. */
static void
on_reject(struct alert *a, const struct json_obj *o, int64_t time)
{
	char reason[NAME_SZ], id[129], detail[512], dur[32];
	long i, kept = 0;

	get_str(o, "reason", reason, sizeof reason);
	get_str(o, "id", id, sizeof id);
	if (strcmp(reason, "halt") == 0 && time >= a->halt_until) {
		/* One alert a window, however many intents the halt stops. */
		a->halt_until = time + a->o->window;
		snprintf(detail, sizeof detail, "trading halted: intent '%s' "
		    "refused", id);
		alert_begin(a, NULL, NULL, NULL, time, "critical", "halt");
		alert_end(a, detail);
	}
	for (i = 0; i < a->nrejects; i++)
		if (a->rejects[i] > time - a->o->window)
			a->rejects[kept++] = a->rejects[i];
	a->nrejects = kept;
	a->rejects[a->nrejects++] = time;
	if (a->nrejects <= a->o->burst)
		return;
	dur_format(a->o->window, dur, sizeof dur);
	snprintf(detail, sizeof detail, "%ld rejects within %s, the last "
	    "'%s' (%s)", a->nrejects, dur, id, reason);
	alert_begin(a, NULL, NULL, NULL, time, "warning", "reject_burst");
	buf_addf(&a->r.ob, ",\"count\":%ld", a->nrejects);
	alert_end(a, detail);
	a->nrejects = 0;
}

static struct link *
link_of(struct alert *a, const struct json_obj *o)
{
	struct link l, *p;
	char key[NAME_SZ * 4 + 4];
	int n;

	memset(&l, 0, sizeof l);
	get_str(o, "source", l.source, sizeof l.source);
	get_str(o, "venue", l.venue, sizeof l.venue);
	get_str(o, "market", l.market, sizeof l.market);
	get_str(o, "symbol", l.symbol, sizeof l.symbol);
	n = snprintf(key, sizeof key, "%s|%s|%s|%s", l.source, l.venue,
	    l.market, l.symbol);
	p = keymap_get(&a->links, key, (size_t)n);
	if (p != NULL)
		return p;
	p = malloc(sizeof *p);
	if (p == NULL)
		die_nomem();
	*p = l;
	if (keymap_put(&a->links, key, (size_t)n, p) < 0)
		die_nomem();
	return p;
}

static void
link_alert(struct alert *a, struct link *l, int64_t now)
{
	char detail[512], dur[32], since[40];

	l->alerted = 1;
	dur_format(a->o->disconnect, dur, sizeof dur);
	snprintf(detail, sizeof detail, "%s%s%s disconnected for more than "
	    "%s, since %s", l->source[0] ? l->source : "a connection",
	    l->symbol[0] ? " " : "", l->symbol, dur,
	    time_format(l->since, since, sizeof since));
	alert_begin(a, l->venue, l->market, l->symbol, now, "warning",
	    "disconnect");
	buf_addf(&a->r.ob, ",\"since\":%lld", (long long)l->since);
	alert_end(a, detail);
}

/* A status: "disconnected" starts the watch, "connected" or "synced"
 * ends it (and says so when it had been alerted). */
/* mkt-exec holds new orders back: a difference with the venue it cannot
 * explain (its detail says which). */
static void
on_held(struct alert *a, const struct json_obj *o, int64_t time)
{
	char venue[NAME_SZ], market[NAME_SZ], what[320], detail[400];

	get_str(o, "venue", venue, sizeof venue);
	get_str(o, "market", market, sizeof market);
	get_str(o, "detail", what, sizeof what);
	snprintf(detail, sizeof detail, "trading stopped until the "
	    "difference is resolved: %s", what);
	alert_begin(a, venue, market, NULL, time, "critical", "stop");
	alert_end(a, detail);
}

static void
on_status(struct alert *a, const struct json_obj *o, int64_t time)
{
	char state[NAME_SZ], detail[256], dur[32];
	struct link *l;

	get_str(o, "state", state, sizeof state);
	if (strcmp(state, "unreconciled") == 0) {
		on_held(a, o, time);
		return;
	}
	if (strcmp(state, "disconnected") == 0) {
		l = link_of(a, o);
		if (!l->down) {
			l->down = 1;
			l->alerted = 0;
			l->since = time;
			l->due_mono = time_mono_ms() + a->o->disconnect;
		}
		return;
	}
	if (strcmp(state, "connected") != 0 && strcmp(state, "synced") != 0)
		return;
	l = link_of(a, o);
	if (l->down && l->alerted) {
		dur_format(time > l->since ? time - l->since : 0, dur,
		    sizeof dur);
		snprintf(detail, sizeof detail, "%s back after %s",
		    l->source[0] ? l->source : "the connection", dur);
		alert_begin(a, l->venue, l->market, l->symbol, time, "info",
		    "reconnect");
		alert_end(a, detail);
	}
	l->down = l->alerted = 0;
}

/* Disconnects that have lasted: by an event's time (now_ev, 0: none)
 * or by the wall clock. */
static void
check_links(struct alert *a, int64_t now_ev)
{
	int64_t mono = time_mono_ms();
	size_t i;

	for (i = 0; i < a->links.n; i++) {
		struct link *l = a->links.e[i].val;

		if (!l->down || l->alerted)
			continue;
		if (now_ev != 0 && now_ev - l->since >= a->o->disconnect)
			link_alert(a, l, now_ev);
		else if (mono >= l->due_mono)
			link_alert(a, l, time_now_ms());
	}
}

/* Milliseconds until the next wall-clock deadline, -1 for none. */
static int64_t
next_due(struct alert *a)
{
	int64_t mono = time_mono_ms(), best = -1;
	size_t i;

	for (i = 0; i < a->links.n; i++) {
		struct link *l = a->links.e[i].val;
		int64_t left = l->due_mono - mono;

		if (!l->down || l->alerted)
			continue;
		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best;
}

/*
 * Trading that stopped: a stop-loss exit (an intent whose tag says so,
 * as the strategies mark exits), mkt-exec holding its orders back on a
 * difference with the venue, and a bot run that ended.
 */
static int
is_stop_tag(const char *tag)
{
	return strcmp(tag, "sl") == 0 || strcmp(tag, "stop") == 0 ||
	    strcmp(tag, "stop_loss") == 0;
}

static void
on_intent(struct alert *a, const struct json_obj *o, int64_t time)
{
	char tag[NAME_SZ], id[129], side[16], qty[FX_BUFSZ + 1] = "?";
	char venue[NAME_SZ], market[NAME_SZ], symbol[NAME_SZ], detail[320];
	struct fx q;

	get_str(o, "tag", tag, sizeof tag);
	if (!is_stop_tag(tag))
		return;
	get_str(o, "id", id, sizeof id);
	get_str(o, "side", side, sizeof side);
	if (get_dec(o, "qty", &q) == 0)
		*fx_format(q, qty) = '\0';
	get_str(o, "venue", venue, sizeof venue);
	get_str(o, "market", market, sizeof market);
	get_str(o, "symbol", symbol, sizeof symbol);
	snprintf(detail, sizeof detail, "stop-loss exit: intent '%s' %s %s "
	    "%s", id, side, qty, symbol);
	alert_begin(a, venue, market, symbol, time, "warning", "stop");
	alert_end(a, detail);
}

static void
on_bot_run(struct alert *a, const struct json_obj *o, int64_t time)
{
	char name[NAME_SZ], why[NAME_SZ], detail[256];
	const struct json_span *x = json_get(o, "exit");
	int64_t rc = 0, end;
	int fine;

	get_str(o, "name", name, sizeof name);
	get_str(o, "why", why, sizeof why);
	if (x == NULL || json_int64(x, &rc) < 0)
		rc = -1;
	/* A run's record has no time; it ended at its end. */
	x = json_get(o, "end");
	if (x != NULL && json_int64(x, &end) == 0)
		time = end;
	/* The data's end and the time limit are how a run is meant to end. */
	fine = rc == 0 && (strcmp(why, "end") == 0 ||
	    strcmp(why, "time_up") == 0 || strcmp(why, "signal") == 0);
	snprintf(detail, sizeof detail, "bot '%s' stopped: %s, exit %lld",
	    name, why, (long long)rc);
	alert_begin(a, NULL, NULL, NULL, time, fine ? "info" : "critical",
	    "stop");
	alert_end(a, detail);
}

static void
on_line(struct alert *a, const char *line, size_t len)
{
	struct json_obj o;
	const struct json_span *type, *t;
	const char *why;
	size_t where;
	int64_t time = 0;
	int has_time;

	if (json_parse_object(line, len, &o, &why, &where) < 0) {
		err_line(run_lineno(&a->r), "invalid JSON at byte %zu: %s",
		    where, why);
		return;
	}
	t = json_get(&o, "time");
	has_time = t != NULL && json_int64(t, &time) == 0;
	if (!has_time)
		time = time_now_ms();
	if (has_time) {
		roll_day(a, time);
		check_links(a, time);
	} else {
		/* A busy stream of untimed events never waits: the wall
		 * clock is looked at here too. */
		check_links(a, 0);
	}
	/* The event first, then what it caused. */
	run_pass(&a->r, line, len);
	type = json_get(&o, "type");
	if (type == NULL)
		return;
	if (json_str_is(type, "fill"))
		on_fill(a, &o, time, run_lineno(&a->r));
	else if (json_str_is(type, "reject"))
		on_reject(a, &o, time);
	else if (json_str_is(type, "status"))
		on_status(a, &o, time);
	else if (json_str_is(type, "intent"))
		on_intent(a, &o, time);
	else if (json_str_is(type, "bot_run"))
		on_bot_run(a, &o, time);
	if (has_time && time > a->last_time)
		a->last_time = time;
}

/* Wait for input no longer than the next disconnect deadline (and the
 * output's own bound); then look at the deadlines. */
static void
wait_input(struct alert *a)
{
	int64_t due = next_due(a), out = run_wait_bound(&a->r);

	run_idle(&a->r);
	if (out >= 0 && (due < 0 || out < due))
		due = out;
	if (in_wait(&a->r.in, due) < 0)
		die_errno("cannot wait for input");
	check_links(a, 0);
	if (out_tick(a->r.out) < 0 && errno != EPIPE)
		die_errno("write error");
}

static void
read_all(struct alert *a)
{
	const char *line;
	size_t len;

	for (;;) {
		if (in_stop_due(&a->r.in))
			return;
		run_tick_due(&a->r);
		switch (in_next_nowait(&a->r.in, &line, &len)) {
		case IN_LINE:
			on_line(a, line, len);
			break;
		case IN_AGAIN:
			wait_input(a);
			break;
		case IN_EOF:
			return;
		case IN_TOOLONG:
			err_line(a->r.in.lineno, "line too long (over %zu "
			    "bytes)", a->r.in.max_line);
			break;
		default:
			if (errno != EINTR)
				die_errno("read error");
		}
	}
}

static int
collect(struct metrics *ms, void *ctx)
{
	const struct alert *a = ctx;
	size_t i;
	int rc = 0;

	for (i = 0; i < a->nkinds; i++)
		rc |= metrics_set(ms, METRIC_COUNTER, "mkt_alerts_total",
		    "Alerts written, by what.", "what", a->by_what[i].what,
		    (double)a->by_what[i].n);
	return rc ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct alert a;
	size_t i;

	err_init("mkt-alert");
	parse_opts(argc, argv, &o);
	memset(&a, 0, sizeof a);
	a.o = &o;
	keymap_init(&a.links);
	rt_init(&a.book);
	a.rejects = calloc((size_t)o.burst + 1, sizeof *a.rejects);
	if (a.rejects == NULL)
		die_nomem();
	run_open(&a.r, o.run.input, o.run.output, o.run.pass);
	metrics_run_start(&a.mr, "mkt-alert", &o.run.mo, &a.r, collect, &a);
	read_all(&a);
	/* The day so far, so that a run that stops still says it. */
	day_summary(&a, a.last_time ? a.last_time : time_now_ms(), 1);
	metrics_run_end(&a.mr);
	run_close(&a.r);
	for (i = 0; i < a.links.n; i++)
		free(a.links.e[i].val);
	keymap_free(&a.links);
	rt_free(&a.book);
	free(a.rejects);
	return 0;
}
