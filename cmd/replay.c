/*
 * mkt-replay: the events of a journal, in order, byte for byte as they
 * were appended (mkt-replay(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "prog/anchor.h"
#include "prog/err.h"
#include "prog/metrics.h"
#include "event/jqfilter.h"
#include "store/journal.h"
#include "store/jreader.h"
#include "io/out.h"
#include "io/sig.h"
#include "prog/run.h"
#include "base/timeutil.h"

/* How often the cursor is stored while reading, and the follow poll. */
#define CURSOR_EVERY_MS 1000
#define POLL_MS 50
/* Filter errors reported before the rest are only counted. */
#define FILTER_ERR_MAX 100
/* An output rendered by the filter larger than this is a bug. */
#define OUT_EVENT_MAX (256u << 20)

static const char usage_text[] =
    "usage: mkt-replay DIR [--from T] [--to T] [--symbol S]... [--type T]...\n"
    "                  [--venue V]... [--market M]... [--filter JQ]\n"
    "                  [--speed X|max] [--follow] [--cursor NAME] [--book]\n"
    "                  [--duration DUR] [-v] [-o OUTPUT]\n";

/* One repeatable option's values. */
struct list {
	const char **v;
	size_t n;
};

struct opts {
	const char *dir;
	int has_from, has_to;
	int64_t from, to;
	struct list keys[JR_NKEYS];
	const char *filter;
	double speed;		/* 0: max */
	int follow;
	const char *cursor;
	int64_t duration;	/* ms; 0: until the end (or for ever) */
	int verbose;
	const char *output;
	int book;		/* --book: each book starts with its snapshot */
	struct metrics_opts mo;	/* --stats, --metrics */
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --from T           events whose time is T or later (epoch ms, "
	    "RFC 3339,\n"
	    "                     now, -1h ...)\n"
	    "  --to T             events whose time is before T\n"
	    "  --symbol S         events of symbol S (repeatable: any of them)\n"
	    "  --type T           events of type T (repeatable)\n"
	    "  --venue V          events of venue V (repeatable)\n"
	    "  --market M         events of market M (repeatable)\n"
	    "  --filter JQ        a jq program applied to each event\n"
	    "  --speed X|max      pace by event time, X times real time "
	    "(default max)\n"
	    "  --follow           after the end, wait for new events\n"
	    "  --cursor NAME      resume where reader NAME stopped; remember "
	    "where it stops\n"
	    "  --duration DUR     stop after DUR of wall time\n"
	    "  --book             start each book with a snapshot of it at "
	    "--from\n"
	    METRICS_USAGE
	    "  -v, --verbose      say how many frames were read, at the end\n"
	    "  -o, --output SPEC  write to a file, unix:PATH or "
	    "nats://HOST:PORT/SUBJECT\n"
	    "                     (default stdout)\n"
	    "  -h, --help         this text\n"
	    "  --version          the version\n", stdout);
	exit(0);
}

static void
list_add(struct list *l, const char *s)
{
	const char **v = realloc(l->v, (l->n + 1) * sizeof *v);

	if (!v)
		die_nomem();
	v[l->n++] = s;
	l->v = v;
}

static int64_t
parse_time(const char *s, const char *opt)
{
	int64_t ms;

	if (time_parse(s, &ms) < 0)
		die_usage("bad %s '%s': want epoch ms, RFC 3339 like "
		    "2026-11-20T14:30:00Z or 2026-11-20, now, or an offset "
		    "such as -1h", opt, s);
	return ms;
}

static double
parse_speed(const char *s)
{
	char *end;
	double v;

	if (strcmp(s, "max") == 0)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1e9)
		die_usage("bad --speed '%s': want a positive number or max", s);
	return v;
}

/* --book anchors the books at --from; a cursor resumes by position. */
static void
check_book_opts(const struct opts *o)
{
	if (!o->book)
		return;
	if (!o->has_from)
		die_usage("--book needs --from");
	if (o->cursor)
		die_usage("--book and --cursor cannot go together");
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_FROM = 256, OPT_TO, OPT_SYMBOL, OPT_TYPE, OPT_VENUE,
		OPT_MARKET, OPT_FILTER, OPT_SPEED, OPT_FOLLOW, OPT_CURSOR,
		OPT_DURATION, OPT_VERSION, OPT_BOOK };
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "symbol", required_argument, NULL, OPT_SYMBOL },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "venue", required_argument, NULL, OPT_VENUE },
		{ "market", required_argument, NULL, OPT_MARKET },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "cursor", required_argument, NULL, OPT_CURSOR },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "book", no_argument, NULL, OPT_BOOK },
		METRICS_LONGOPTS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro;
	int c;

	memset(o, 0, sizeof *o);
	memset(&ro, 0, sizeof ro);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:v", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FROM:
			o->from = parse_time(optarg, "--from");
			o->has_from = 1;
			break;
		case OPT_TO:
			o->to = parse_time(optarg, "--to");
			o->has_to = 1;
			break;
		case OPT_SYMBOL:
			list_add(&o->keys[JR_SYMBOL], optarg);
			break;
		case OPT_TYPE:
			list_add(&o->keys[JR_TYPE], optarg);
			break;
		case OPT_VENUE:
			list_add(&o->keys[JR_VENUE], optarg);
			break;
		case OPT_MARKET:
			list_add(&o->keys[JR_MARKET], optarg);
			break;
		case OPT_FILTER:
			o->filter = optarg;
			break;
		case OPT_SPEED:
			o->speed = parse_speed(optarg);
			break;
		case OPT_FOLLOW:
			o->follow = 1;
			break;
		case OPT_CURSOR:
			if (!*optarg)
				die_usage("bad --cursor '': want a name");
			o->cursor = optarg;
			break;
		case OPT_DURATION:
			o->duration = run_duration_above0(optarg, "--duration");
			break;
		case 'v':
			o->verbose = 1;
			break;
		case OPT_BOOK:
			o->book = 1;
			break;
		case OPT_VERSION:
			run_option(RUN_OPT_VERSION, argv, &ro, usage);
			break;
		case METRICS_OPT_STATS:
		case METRICS_OPT_FILE:
			(void)metrics_option(c, optarg, &o->mo);
			break;
		default:
			/* -o, -h and misuse, as every program takes them. */
			run_option(c, argv, &ro, usage);
			o->output = ro.output;
		}
	}
	if (optind == argc)
		die_usage("no journal directory given");
	o->dir = argv[optind++];
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (o->has_from && o->has_to && o->to <= o->from)
		die_usage("--to must be later than --from");
	check_book_opts(o);
}

/* The state of one run. */
struct replay {
	struct opts *o;
	struct jreader *jr;
	struct out *out;
	struct jqf *jqf;
	struct anchor *anchor;	/* --book */
	struct buf fb;		/* the filter's outputs for one event */
	int64_t undelivered;	/* seq of an event not written (EPIPE), or -1 */
	int64_t cursor_at;	/* monotonic ms of the last cursor store */
	int damaged;
	size_t run_max;		/* events written together, bytes */
	unsigned long filter_errors;
	/* --speed: the first paced event's time and when it was written */
	int paced;
	int64_t t0;
	struct timespec w0;
	int64_t deadline;	/* monotonic ms of --duration's end, or 0 */
	/* --stats, --metrics */
	struct metrics ms;
	int64_t tick_at;	/* monotonic ms of the next tick */
	uint64_t events_out;	/* journal events delivered */
	unsigned long damage;	/* damaged frames passed over */
	int64_t last_time;	/* the last event's time, or 0 */
};

/* A stop signal came, or --duration has passed: stop reading. */
static int
must_stop(const struct replay *r)
{
	return sig_stop_requested() ||
	    (r->deadline && time_mono_ms() >= r->deadline);
}

static void
flush_or_die(struct replay *r)
{
	if (out_flush(r->out) < 0 && errno != EPIPE)
		die_errno("write error");
}

/* Where the cursor goes: after the last event written. */
static void
store_cursor(struct replay *r)
{
	int64_t seq = r->undelivered >= 0 ? r->undelivered :
	    jr_position(r->jr);

	if (!r->o->cursor)
		return;
	if (jr_cursor_put(r->jr, r->o->cursor, seq) < 0)
		die("cursor '%s': %s", r->o->cursor, jr_error(r->jr));
	r->cursor_at = time_mono_ms();
}

/* Now and then while reading: flush first, so what the cursor counts as
 * delivered has left this process. */
static void
maybe_store_cursor(struct replay *r)
{
	if (!r->o->cursor || time_mono_ms() - r->cursor_at < CURSOR_EVERY_MS)
		return;
	flush_or_die(r);
	store_cursor(r);
}

/* Sleep ms, or less when a stop signal comes. */
static void
nap(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * --speed: wait until the event's time, relative to the first paced
 * event, has passed on the wall clock divided by the speed.  0 when a
 * stop signal came while waiting.
 */
static int
pace(struct replay *r, const struct jr_event *ev)
{
	struct timespec now;
	double due;

	if (!r->o->speed || !ev->has_time)
		return 1;
	if (!r->paced) {
		r->paced = 1;
		r->t0 = ev->time;
		clock_gettime(CLOCK_MONOTONIC, &r->w0);
		return 1;
	}
	due = (double)(ev->time - r->t0) / r->o->speed;
	flush_or_die(r);
	/* While waiting, a cursor stored counts this event undelivered. */
	r->undelivered = ev->seq;
	for (;;) {
		double el;

		if (must_stop(r))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (now.tv_sec - r->w0.tv_sec) * 1e3 +
		    (now.tv_nsec - r->w0.tv_nsec) / 1e6;
		if (el >= due)
			break;
		maybe_store_cursor(r);
		nap(due - el > 100 ? 100 : (int64_t)ceil(due - el));
	}
	r->undelivered = -1;
	return 1;
}

/* Write whole lines; 0, or -1 when the reader left (EPIPE). */
static int
emit(struct replay *r, const char *p, size_t n)
{
	if (out_write(r->out, p, n) < 0) {
		if (errno == EPIPE)
			return -1;
		die_errno("write error");
	}
	return 0;
}

/* One event: filter, write.  0, or -1 when the output is gone. */
static int
deliver(struct replay *r, const struct jr_event *ev)
{
	char why[512];
	int n;

	if (!r->jqf)
		return emit(r, ev->line, ev->len + 1);
	buf_reset(&r->fb);
	n = jqf_run(r->jqf, ev->line, ev->len, &r->fb, why, sizeof why);
	if (buf_failed(&r->fb)) {
		errno = r->fb.failed;
		die_errno("filter: event %" PRId64, ev->seq);
	}
	if (n < 0) {
		if (++r->filter_errors <= FILTER_ERR_MAX)
			warn("filter: event %" PRId64 ": %s", ev->seq, why);
		if (r->filter_errors == FILTER_ERR_MAX)
			warn("filter: further errors not reported");
		return 0;
	}
	return r->fb.len ? emit(r, r->fb.p, r->fb.len) : 0;
}

/* The counters into the registry; -1 when out of memory. */
static int
collect(struct replay *r)
{
	struct metrics *ms = &r->ms;
	int64_t now = time_now_ms();

	if (metrics_set(ms, METRIC_COUNTER, "mkt_events_out_total",
	    "Journal events delivered.", NULL, NULL,
	    (double)r->events_out) < 0 ||
	    metrics_set(ms, METRIC_COUNTER, "mkt_replay_filter_errors_total",
	    "Events the --filter program failed on.", NULL, NULL,
	    (double)r->filter_errors) < 0 ||
	    metrics_set(ms, METRIC_COUNTER, "mkt_replay_damage_total",
	    "Damaged stretches of the journal passed over.", NULL, NULL,
	    (double)r->damage) < 0 ||
	    metrics_set(ms, METRIC_COUNTER, "mkt_reader_drops_total",
	    "Slow readers of a unix: output dropped.", NULL, NULL,
	    (double)out_dropped(r->out)) < 0 ||
	    metrics_set(ms, METRIC_GAUGE, "mkt_replay_position",
	    "The journal sequence number of the next event.", NULL, NULL,
	    (double)jr_position(r->jr)) < 0)
		return -1;
	/* How far behind the wall clock the last event is (--follow). */
	if (r->last_time && metrics_set(ms, METRIC_GAUGE,
	    "mkt_replay_lag_seconds", "Wall clock minus the last event's "
	    "time.", NULL, NULL, (double)(now - r->last_time) / 1e3) < 0)
		return -1;
	return 0;
}

/* --stats and --metrics: a tick when one is due (or now when forced):
 * the status event into the output, the file rewritten. */
static void
maybe_tick(struct replay *r, int force)
{
	int64_t period = metrics_period(&r->o->mo), now;
	struct buf b;

	if (period == 0)
		return;
	now = time_mono_ms();
	if (!force && now < r->tick_at)
		return;
	r->tick_at = now + period;
	if (collect(r) < 0)
		die_nomem();
	buf_init(&b, 0);
	metrics_tick(&r->ms, &r->o->mo, &b);
	if (buf_failed(&b))
		die_nomem();
	if (b.len)
		(void)emit(r, b.p, b.len);
	buf_free(&b);
}

static void
plan(struct replay *r)
{
	struct opts *o = r->o;
	struct jr_query q;
	int k;

	jr_query_init(&q);
	if (o->cursor) {
		int64_t seq;
		int found = jr_cursor_get(r->jr, o->cursor, &seq);

		if (found < 0)
			die("cursor '%s': %s", o->cursor, jr_error(r->jr));
		if (found)
			q.from_seq = seq;
	}
	q.by_time = o->has_from || o->has_to;
	if (o->has_from)
		q.from_time = o->from;
	if (o->has_to)
		q.to_time = o->to;
	/* The lag gauge of --stats and --metrics needs the times too. */
	q.want_time = o->speed != 0 || metrics_period(&o->mo) != 0;
	for (k = 0; k < JR_NKEYS; k++) {
		q.keys[k] = o->keys[k].v;
		q.nkeys[k] = o->keys[k].n;
	}
	if (o->book) {
		r->anchor = anchor_plan(r->jr, &q, o->from,
		    o->has_to ? o->to : INT64_MAX);
		return;
	}
	if (jr_query(r->jr, &q) < 0)
		die("%s", jr_error(r->jr));
}

static void
run(struct replay *r)
{
	struct jr_event ev;
	unsigned tick = 0;

	while (!must_stop(r)) {
		switch (r->anchor ? anchor_next(r->anchor, &ev) :
		    jr_next_run(r->jr, &ev, r->run_max)) {
		case JR_EVENT:
			/* Stopped while pacing, or the reader left: these
			 * events are not delivered. */
			if (!pace(r, &ev) || deliver(r, &ev) < 0) {
				r->undelivered = ev.seq;
				return;
			}
			r->events_out += ev.count;
			if (ev.has_time)
				r->last_time = ev.time;
			maybe_tick(r, 0);
			if ((tick += ev.count) >= 256) {
				tick = 0;
				maybe_store_cursor(r);
			}
			break;
		case JR_DAMAGE:
			warn("%s", jr_error(r->jr));
			r->damaged = 1;
			r->damage++;
			break;
		case JR_END:
			if (!r->o->follow)
				return;
			maybe_tick(r, 0);
			flush_or_die(r);
			maybe_store_cursor(r);
			nap(POLL_MS);
			break;
		default:
			die("%s", jr_error(r->jr));
		}
	}
}

/*
 * Replay reads what is indexed and changes nothing; bytes that a writer
 * that is gone left past the index are worth a line, since they come
 * out only once a writer recovers them.  A running writer's tail is
 * only in flight.  Not being able to tell is no reason to stop.
 */
static void
say_hot_tail(const char *dir)
{
	struct journal_tail t;

	if (journal_check_tail(dir, &t) == 0 && !t.live && t.bytes)
		warn("'%s': a writer that is gone left %" PRIu64 " bytes past "
		    "the index; the next append or verify recovers them", dir,
		    t.bytes);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct replay r;
	char why[512];
	int k;

	err_init("mkt-replay");
	parse_opts(argc, argv, &o);
	memset(&r, 0, sizeof r);
	r.o = &o;
	r.undelivered = -1;
	buf_init(&r.fb, OUT_EVENT_MAX);
	if (o.filter && jqf_compile(&r.jqf, o.filter, why, sizeof why) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		die_usage("filter: %s", why);
	}
	if (sig_init() < 0)
		die_errno("cannot install signal handlers");
	if (jr_open(&r.jr, o.dir, why, sizeof why) < 0)
		die("%s", why);
	say_hot_tail(o.dir);
	plan(&r);
	if (out_open_why(&r.out, o.output, 0, why, sizeof why) < 0) {
		if (why[0])
			die("cannot open output '%s': %s", o.output, why);
		die_errno("cannot open output '%s'", o.output ? o.output : "-");
	}
	/*
	 * Events that are all there are written in runs of up to PIPE_BUF
	 * bytes: a write to a pipe that small is atomic, so a reader that
	 * leaves (EPIPE) has had every run written before, and none of the
	 * one that failed -- the cursor stays exact.  Each event goes alone
	 * when it is filtered or paced.
	 */
	if (!r.jqf && !o.speed && !o.book)
		r.run_max = PIPE_BUF;
	r.cursor_at = time_mono_ms();
	if (o.duration)
		r.deadline = r.cursor_at + o.duration;
	metrics_init(&r.ms, "mkt-replay");
	r.tick_at = r.cursor_at + metrics_period(&o.mo);
	run(&r);
	maybe_tick(&r, 1);
	metrics_free(&r.ms);
	/* What was written must be out before the cursor says so. */
	if (out_close(r.out) < 0 && errno != EPIPE)
		die_errno("write error");
	store_cursor(&r);
	if (r.filter_errors > FILTER_ERR_MAX)
		warn("filter: %lu errors in all", r.filter_errors);
	if (o.verbose)
		warn("frames read: %lu, bytes: %" PRIu64 ", next seq: %" PRId64,
		    jr_frames_read(r.jr), jr_bytes_read(r.jr),
		    jr_position(r.jr));
	anchor_free(r.anchor);
	jr_close(r.jr);
	jqf_free(r.jqf);
	buf_free(&r.fb);
	for (k = 0; k < JR_NKEYS; k++)
		free(o.keys[k].v);
	return r.damaged ? 1 : 0;
}
