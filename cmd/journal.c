/*
 * mkt-journal: store events in a journal of zstd segments indexed by
 * SQLite, and look after it (mkt-journal(1), the format mkt-journal(5)).
 *
 * append reads events and makes them durable at every --sync; ls, stats,
 * query and verify read a journal without disturbing its writer; reindex
 * and prune take the writer's lock, and so does verify to recover the
 * tail of a writer that is gone.
 *
 * About 1,100 lines because it is one program with seven subcommands,
 * each with its options and usage; what they do lives in store/.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "prog/err.h"
#include "prog/metrics.h"
#include "prog/notify.h"
#include "event/event.h"
#include "store/history.h"
#include "io/in.h"
#include "store/jhistory.h"
#include "store/journal.h"
#include "io/out.h"
#include "io/sig.h"
#include "prog/run.h"
#include "base/timeutil.h"

static const char usage_text[] =
    "usage: mkt-journal append [-i SPEC] [--sync DUR] [--frame-size BYTES]\n"
    "                          [--segment-size BYTES] [--segment-time DUR]\n"
    "                          [--level N] [--ack SPEC] [--stats DUR]\n"
    "                          [--metrics FILE] [-v] DIR\n"
    "       mkt-journal ls [--json] DIR\n"
    "       mkt-journal stats [--json] DIR\n"
    "       mkt-journal verify [--no-recover] [-v] DIR\n"
    "       mkt-journal reindex [-v] DIR\n"
    "       mkt-journal prune (--keep DUR | --keep-raw DUR) "
    "[--keep-minutes DUR]\n"
    "                         [--now TIME] [-v] DIR\n"
    "       mkt-journal query DIR series --symbol S --pct P [--venue V]\n"
    "                         [--market M] [--field F] [--from T] [--to T]\n"
    "                         [--resolution R] [--agg A] [--format F]\n"
    "       mkt-journal query DIR candles --symbol S [--venue V] "
    "[--market M]\n"
    "                         [--from T] [--to T] [--resolution R] "
    "[--format F]\n"
    "       mkt-journal query DIR latest|symbols [--venue V] [--market M]\n"
    "                         [--symbol S] [--format F]\n"
    "       mkt-journal -h | --help | --version\n";

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "append: journal the events read (one JSON object a line)\n"
	    "  -i, --input SPEC       a file or unix:PATH (default stdin)\n"
	    "  --sync DUR             make events durable this often "
	    "(default 1s)\n"
	    "  --frame-size BYTES     close a frame at this size (default 1M)\n"
	    "  --segment-size BYTES   close a segment at this size "
	    "(default 64M)\n"
	    "  --segment-time DUR     ... or at this age (default 1h)\n"
	    "  --level N              zstd level (default 3)\n"
	    "  --ack SPEC             a status line after each sync to a file,\n"
	    "                         - (stdout) or unix:PATH\n"
	    "  --stats DUR            a progress line on stderr this often\n"
	    "  --metrics FILE         counters in Prometheus text format, "
	    "rewritten\n"
	    "                         every --stats DUR (15s without it) and "
	    "at exit\n"
	    "ls, stats: segments; counts and time ranges per symbol\n"
	    "  --json                 NDJSON instead of a table\n"
	    "verify: check every frame against the index (exit 1 on damage)\n"
	    "  --no-recover           leave a crashed writer's tail alone\n"
	    "reindex: rebuild the index from the segments\n"
	    "prune: delete closed segments older than DUR\n"
	    "  --keep DUR             raw segments and minute rows\n"
	    "  --keep-raw DUR         raw segments only\n"
	    "  --keep-minutes DUR     minute rows of the history tables\n"
	    "  --now TIME             the time to count back from "
	    "(default now)\n"
	    "query: chart series, candles, latest bands, symbols of the "
	    "history tables\n"
	    "  --venue V, --market M, --symbol S   which instrument(s)\n"
	    "  --pct P                the band (series)\n"
	    "  --field F              bid_qty (default), ask_qty, bid_value,\n"
	    "                         ask_value, imbalance, value_imbalance\n"
	    "  --from T, --to T       the range, inclusive (epoch ms or "
	    "RFC 3339)\n"
	    "  --resolution R         minute (1m), hour (1h), day (1d) or "
	    "auto (default)\n"
	    "  --agg A                avg (default), min, max, last, sum, "
	    "count\n"
	    "  --format F             ndjson (default) or csv\n"
	    "  -v, --verbose          say what was done\n"
	    "  -h, --help             this text\n"
	    "  --version              the version\n", stdout);
	exit(0);
}

enum {
	OPT_SYNC = 256, OPT_FRAME_SIZE, OPT_SEGMENT_SIZE, OPT_SEGMENT_TIME,
	OPT_LEVEL, OPT_ACK, OPT_STATS, OPT_METRICS, OPT_JSON, OPT_KEEP,
	OPT_KEEP_RAW, OPT_KEEP_MINUTES, OPT_NOW, OPT_VERSION, OPT_VENUE, OPT_MARKET,
	OPT_SYMBOL, OPT_PCT, OPT_FIELD, OPT_FROM, OPT_TO, OPT_RESOLUTION,
	OPT_AGG, OPT_FORMAT, OPT_NO_RECOVER
};

static const struct option longopts[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "sync", required_argument, NULL, OPT_SYNC },
	{ "frame-size", required_argument, NULL, OPT_FRAME_SIZE },
	{ "segment-size", required_argument, NULL, OPT_SEGMENT_SIZE },
	{ "segment-time", required_argument, NULL, OPT_SEGMENT_TIME },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "ack", required_argument, NULL, OPT_ACK },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "keep-raw", required_argument, NULL, OPT_KEEP_RAW },
	{ "keep-minutes", required_argument, NULL, OPT_KEEP_MINUTES },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "venue", required_argument, NULL, OPT_VENUE },
	{ "market", required_argument, NULL, OPT_MARKET },
	{ "symbol", required_argument, NULL, OPT_SYMBOL },
	{ "pct", required_argument, NULL, OPT_PCT },
	{ "field", required_argument, NULL, OPT_FIELD },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "resolution", required_argument, NULL, OPT_RESOLUTION },
	{ "agg", required_argument, NULL, OPT_AGG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "no-recover", no_argument, NULL, OPT_NO_RECOVER },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *cmd, *dir;
	const char *input, *ack;
	int64_t sync, stats;		/* ms; stats -1: none */
	const char *metrics;		/* append --metrics FILE */
	int64_t period;			/* ms of --stats/--metrics; -1 */
	struct journal_opts j;
	int json, verbose;
	int no_recover;			/* verify: change nothing */
	int64_t keep_raw, keep_minutes;	/* ms; -1: not given */
	int64_t now;			/* ms; -1: the clock */
	const char *what;		/* query: series, latest, symbols */
	struct history_series_q q;	/* query options */
	int has_pct;
	enum history_format format;
};

/* Which options each command takes (by getopt value). */
static int
allowed(const char *cmd, int c)
{
	switch (c) {
	case 'h':
	case 'v':
	case OPT_VERSION:
		return 1;
	case 'i':
	case OPT_SYNC:
	case OPT_FRAME_SIZE:
	case OPT_SEGMENT_SIZE:
	case OPT_SEGMENT_TIME:
	case OPT_LEVEL:
	case OPT_ACK:
	case OPT_STATS:
	case OPT_METRICS:
		return strcmp(cmd, "append") == 0;
	case OPT_JSON:
		return strcmp(cmd, "ls") == 0 || strcmp(cmd, "stats") == 0;
	case OPT_NO_RECOVER:
		return strcmp(cmd, "verify") == 0;
	case OPT_KEEP:
	case OPT_KEEP_RAW:
	case OPT_KEEP_MINUTES:
	case OPT_NOW:
		return strcmp(cmd, "prune") == 0;
	case OPT_VENUE:
	case OPT_MARKET:
	case OPT_SYMBOL:
	case OPT_PCT:
	case OPT_FIELD:
	case OPT_FROM:
	case OPT_TO:
	case OPT_RESOLUTION:
	case OPT_AGG:
	case OPT_FORMAT:
		return strcmp(cmd, "query") == 0;
	default:
		return 0;
	}
}

/* A size: digits and an optional k, M or G (powers of 1024). */
static uint64_t
parse_bytes(const char *s, const char *opt, uint64_t max)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end != s && *s != '-' && !errno) {
		if (*end == 'k' || *end == 'K')
			mult = 1u << 10;
		else if (*end == 'M')
			mult = 1u << 20;
		else if (*end == 'G')
			mult = 1u << 30;
		if (mult > 1)
			end++;
		if (*end == '\0' && v > 0 && v <= max / mult)
			return v * mult;
	}
	die_usage("bad %s '%s': want a size like 65536, 512k, 1M or 1G",
	    opt, s);
}

static int
parse_level(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -7 || v > 22)
		die_usage("bad --level '%s': want a zstd level from -7 to 22",
		    s);
	return (int)v;
}

/* The query options; 1 when c was one of them. */
static int
parse_query_opt(struct opts *o, int c, const char *arg)
{
	char *end;
	int v;

	switch (c) {
	case OPT_VENUE:
		o->q.venue = arg;
		return 1;
	case OPT_MARKET:
		o->q.market = arg;
		return 1;
	case OPT_SYMBOL:
		o->q.symbol = arg;
		return 1;
	case OPT_PCT:
		errno = 0;
		o->q.pct = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->q.pct > 0))
			die_usage("bad --pct '%s': want a band such as 1.5",
			    arg);
		o->has_pct = 1;
		return 1;
	case OPT_FIELD:
		if ((v = history_field_parse(arg)) < 0)
			die_usage("bad --field '%s': want bid_qty, ask_qty, "
			    "bid_value, ask_value, imbalance or "
			    "value_imbalance", arg);
		o->q.field = v;
		o->q.field_set = 1;
		return 1;
	case OPT_FROM:
	case OPT_TO:
		if (time_parse(arg, c == OPT_FROM ? &o->q.from : &o->q.to) < 0)
			die_usage("bad %s '%s': want epoch ms, an RFC 3339 "
			    "time or date, now, or an offset such as -1h",
			    c == OPT_FROM ? "--from" : "--to", arg);
		return 1;
	case OPT_RESOLUTION:
		if ((v = history_res_parse(arg)) < 0)
			die_usage("bad --resolution '%s': want minute, hour, "
			    "day (1m, 1h, 1d) or auto", arg);
		o->q.res = v;
		return 1;
	case OPT_AGG:
		if ((v = history_agg_parse(arg)) < 0)
			die_usage("bad --agg '%s': want avg, min, max, last, "
			    "sum or count", arg);
		o->q.agg = v;
		return 1;
	case OPT_FORMAT:
		if (strcmp(arg, "ndjson") == 0)
			o->format = HISTORY_NDJSON;
		else if (strcmp(arg, "csv") == 0)
			o->format = HISTORY_CSV;
		else
			die_usage("bad --format '%s': want ndjson or csv", arg);
		return 1;
	}
	return 0;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int c, at;

	memset(o, 0, sizeof *o);
	journal_opts_init(&o->j);
	o->sync = 1000;
	o->stats = -1;
	o->keep_raw = o->keep_minutes = o->now = -1;
	o->q.from = INT64_MIN;
	o->q.to = INT64_MAX;
	o->cmd = argv[0];
	opterr = 0;
	for (at = optind; (c = getopt_long(argc, argv, "hi:v", longopts,
	    NULL)) != -1; at = optind) {
		if (c != '?' && !allowed(o->cmd, c))
			die_usage("'%s' does not take option '%s'", o->cmd,
			    argv[at]);
		if (parse_query_opt(o, c, optarg))
			continue;
		switch (c) {
		case 'h':
			usage();
			break;
		case OPT_VERSION:
			printf("mkt-journal %s\n", MKT_VERSION);
			exit(0);
		case 'v':
			o->verbose = 1;
			break;
		case 'i':
			o->input = optarg;
			break;
		case OPT_SYNC:
			o->sync = run_duration_eg(optarg, "250ms, 1s, 1m, 7d", "--sync");
			break;
		case OPT_FRAME_SIZE:
			o->j.frame_size = (size_t)parse_bytes(optarg,
			    "--frame-size", 1ull << 30);
			break;
		case OPT_SEGMENT_SIZE:
			o->j.segment_size = parse_bytes(optarg,
			    "--segment-size", 1ull << 40);
			break;
		case OPT_SEGMENT_TIME:
			o->j.segment_time = run_duration_eg(optarg,
			    "250ms, 1s, 1m, 7d", "--segment-time");
			break;
		case OPT_LEVEL:
			o->j.level = parse_level(optarg);
			break;
		case OPT_ACK:
			o->ack = optarg;
			break;
		case OPT_STATS:
			o->stats = run_duration_eg(optarg, "250ms, 1s, 1m, 7d", "--stats");
			if (o->stats == 0)
				die_usage("bad --stats '0': want a duration "
				    "above 0");
			break;
		case OPT_METRICS:
			o->metrics = optarg;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_NO_RECOVER:
			o->no_recover = 1;
			break;
		case OPT_KEEP:
			o->keep_raw = run_duration_eg(optarg, "250ms, 1s, 1m, 7d", "--keep");
			if (o->keep_minutes < 0)
				o->keep_minutes = o->keep_raw;
			break;
		case OPT_KEEP_RAW:
			o->keep_raw = run_duration_eg(optarg, "250ms, 1s, 1m, 7d", "--keep-raw");
			break;
		case OPT_KEEP_MINUTES:
			o->keep_minutes = run_duration_eg(optarg,
			    "250ms, 1s, 1m, 7d", "--keep-minutes");
			break;
		case OPT_NOW:
			if (time_parse(optarg, &o->now) < 0)
				die_usage("bad --now '%s': want epoch ms, an "
				    "RFC 3339 time or date, or an offset such "
				    "as -1h", optarg);
			break;
		default:
			die_usage("unknown or incomplete option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die_usage("'%s' needs a journal directory", o->cmd);
	o->dir = argv[optind++];
	o->period = o->stats > 0 ? o->stats :
	    o->metrics ? METRICS_DEFAULT_MS : -1;
	if (strcmp(o->cmd, "query") == 0) {
		if (optind >= argc)
			die_usage("query: series, candles, latest or "
			    "symbols?");
		o->what = argv[optind++];
		if (strcmp(o->what, "series") == 0 &&
		    (!o->q.symbol || !o->has_pct))
			die_usage("query series needs --symbol and --pct");
		if (strcmp(o->what, "candles") == 0 && !o->q.symbol)
			die_usage("query candles needs --symbol");
		if (strcmp(o->what, "series") != 0 &&
		    strcmp(o->what, "candles") != 0 &&
		    strcmp(o->what, "latest") != 0 &&
		    strcmp(o->what, "symbols") != 0)
			die_usage("unknown query '%s': want series, candles, "
			    "latest or symbols", o->what);
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (strcmp(o->cmd, "prune") == 0 && o->keep_raw < 0 &&
	    o->keep_minutes < 0)
		die_usage("prune needs --keep, --keep-raw or --keep-minutes");
}

/* Recovery and reindex notes: always worth a line on stderr. */
static void
on_note(void *ctx, const char *msg)
{
	const char *dir = ctx;

	warn("'%s': %s", dir, msg);
}

/* ---- history tables ---- */

/* Start keeping the history tables of the journal j (a writer), caught
 * up with its index. */
static struct jhistory *
hist_open(const struct opts *o, struct journal *j)
{
	struct jhistory *h;
	char why[1024];
	uint64_t n;
	int64_t from;
	int r;

	if (jhistory_open(&h, j, o->dir, on_note, (void *)o->dir, why,
	    sizeof why) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		die("'%s': %s", o->dir, why);
	}
	r = jhistory_catch_up(h, &n, &from, why, sizeof why);
	if (r < 0)
		die("'%s': %s", o->dir, why);
	if (r > 0 && (n || o->verbose))
		note("'%s': history tables caught up with %" PRIu64
		    " event%s from seq %lld", o->dir, n, n == 1 ? "" : "s",
		    (long long)from);
	return h;
}

/* ---- append ---- */

struct appender {
	const struct opts *o;
	struct journal *j;
	struct jhistory *hist;
	struct out *ack;
	struct buf ab;
	unsigned long rejected;
	struct journal_status acked;	/* as the last ack said */
	unsigned long acked_rejected;
	int acks;			/* ack lines sent */
	int64_t started;		/* mono ms */
	uint64_t stats_events;		/* at the last --stats line */
	int64_t stats_at;
	struct notify sd;		/* systemd's READY and watchdog */
	struct metrics ms;		/* --metrics */
	long lines;			/* input lines read */
	unsigned long syncs;
	int64_t sync_us, last_sync_us;	/* in all; the last one */
};

static void
send_ack(struct appender *a)
{
	struct journal_status st;

	if (!a->ack)
		return;
	journal_status(a->j, &st);
	/* Nothing new since the last ack: no line. */
	if (a->acks && st.durable_seq == a->acked.durable_seq &&
	    st.durable == a->acked.durable && a->rejected == a->acked_rejected)
		return;
	a->acked = st;
	a->acked_rejected = a->rejected;
	a->acks++;
	buf_reset(&a->ab);
	buf_adds(&a->ab, "{\"type\":\"status\",\"source\":\"mkt-journal\","
	    "\"state\":\"durable\",\"seq\":");
	buf_addi(&a->ab, (int64_t)st.durable_seq);
	buf_adds(&a->ab, ",\"count\":");
	buf_addi(&a->ab, (int64_t)st.durable);
	buf_adds(&a->ab, ",\"rejected\":");
	buf_addi(&a->ab, (int64_t)a->rejected);
	if (st.has & EV_HAS_TIME) {
		buf_adds(&a->ab, ",\"last_time\":");
		buf_addi(&a->ab, st.last_time);
	}
	if (st.has & EV_HAS_RECV) {
		buf_adds(&a->ab, ",\"last_recv\":");
		buf_addi(&a->ab, st.last_recv);
	}
	/* A status carries the local clock's time, as every status does. */
	buf_adds(&a->ab, ",\"time\":");
	buf_addi(&a->ab, time_now_ms());
	buf_adds(&a->ab, "}\n");
	if (buf_failed(&a->ab))
		die_nomem();
	if (out_write(a->ack, a->ab.p, a->ab.len) < 0 ||
	    out_flush(a->ack) < 0) {
		if (errno != EPIPE)
			die_errno("cannot write acks to '%s'", a->o->ack);
		/* The reader of the acks left: journal on without them. */
		warn("the reader of '%s' left: no more acks", a->o->ack);
		if (out_close(a->ack) < 0) {
			/* EPIPE again: nothing to add. */
		}
		a->ack = NULL;
	}
}

static void
sync_or_die(struct appender *a)
{
	struct journal_status st;
	int64_t t0 = time_mono_us();
	int r = journal_sync(a->j);

	if (r < 0 && jhistory_error(a->hist)[0])
		die("'%s': %s", a->o->dir, jhistory_error(a->hist));
	if (r < 0)
		die_errno("%s", journal_error(a->j));
	if (r > 0) {
		a->syncs++;
		a->last_sync_us = time_mono_us() - t0;
		a->sync_us += a->last_sync_us;
		send_ack(a);
		journal_status(a->j, &st);
		/* systemctl status shows where the journal stands. */
		notify_status(&a->sd, "durable below seq %" PRIu64 ", %lu "
		    "rejected", st.durable_seq, a->rejected);
	}
}

/* --metrics: the journal's counters, written whole. */
static void
write_metrics(struct appender *a)
{
	struct metrics_opts mo = { 0, a->o->metrics };
	struct journal_status st;
	int rc = 0;

	if (!mo.file)
		return;
	journal_status(a->j, &st);
#define C(name, help, v) rc |= metrics_set(&a->ms, METRIC_COUNTER, name, \
	    help, NULL, NULL, (double)(v))
	C("mkt_events_in_total", "Input lines read.", a->lines);
	C("mkt_bad_lines_total", "Input lines refused as bad.", a->rejected);
	C("mkt_journal_events_total", "Events appended.", st.appended);
	C("mkt_journal_durable_events_total", "Events appended and synced.",
	    st.durable);
	C("mkt_journal_raw_bytes_total", "Bytes of the events appended.",
	    st.raw_bytes);
	C("mkt_journal_bytes_total", "Compressed bytes written.", st.bytes);
	C("mkt_journal_syncs_total", "Syncs that made events durable.",
	    a->syncs);
	C("mkt_journal_sync_seconds_total", "Time spent in those syncs.",
	    a->sync_us / 1e6);
#undef C
	rc |= metrics_set(&a->ms, METRIC_GAUGE, "mkt_journal_last_sync_seconds",
	    "Duration of the last sync.", NULL, NULL, a->last_sync_us / 1e6);
	rc |= metrics_set(&a->ms, METRIC_GAUGE, "mkt_journal_next_seq",
	    "Sequence number of the next event.", NULL, NULL,
	    (double)st.next_seq);
	if (rc)
		die_nomem();
	metrics_tick(&a->ms, &mo, NULL);
}

static void
print_stats(struct appender *a, int64_t now)
{
	struct journal_status st;
	double secs = (now - a->stats_at) / 1000.0;

	journal_status(a->j, &st);
	note("seq %" PRIu64 ", %" PRIu64 " events (%.0f/s), %lu rejected, "
	    "%" PRIu64 " durable, %.1f MB raw in %.1f MB (%.2fx)",
	    st.next_seq, st.appended,
	    secs > 0 ? (st.appended - a->stats_events) / secs : 0.0,
	    a->rejected, st.durable, st.raw_bytes / 1e6, st.bytes / 1e6,
	    st.bytes ? (double)st.raw_bytes / st.bytes : 0.0);
	a->stats_events = st.appended;
	a->stats_at = now;
}

/*
 * Wait until the input is readable or timeout_ms (-1: no limit) passed.
 * SIGINT and SIGTERM are unblocked only inside ppoll(), so a stop signal
 * cannot slip in between the check of the flag and the wait.
 */
static void
wait_input(struct in *in, int64_t timeout_ms)
{
	struct pollfd p = { .fd = in->fd, .events = POLLIN };
	struct timespec ts, *tp = NULL;
	sigset_t block, old;
	int64_t grace = in_grace_ms(in);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0)
		die_errno("cannot block signals");
	/* Draining after a stop signal: not past the grace. */
	if (grace >= 0 && (timeout_ms < 0 || grace < timeout_ms))
		timeout_ms = grace;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tp = &ts;
	}
	if (!in_stop_due(in) && ppoll(&p, 1, tp, &old) < 0 &&
	    errno != EINTR)
		die_errno("cannot wait for input");
	if (sigprocmask(SIG_SETMASK, &old, NULL) < 0)
		die_errno("cannot unblock signals");
}

/* How long the input may be waited for: until the next sync when events
 * wait for one, the next --stats line, or (-1) for ever. */
static int64_t
wait_ms(const struct appender *a, int pending, int64_t next_sync,
    int64_t next_stats, int64_t now)
{
	const struct opts *o = a->o;
	int64_t t = notify_wait_ms(&a->sd, now);

	if (pending && (t < 0 || next_sync - now < t))
		t = next_sync - now;
	if (o->period > 0 && (t < 0 || next_stats - now < t))
		t = next_stats - now;
	if (t < 0 && (pending || o->period > 0))
		t = 0;
	return t;
}

/*
 * Open the input.  Pipes and sockets are read without blocking, so that
 * a sync is never late for a producer that stops mid-line: their old
 * file status flags are returned, to restore (else -1); a terminal gives
 * whole lines and is polled (*poll_first); a file never blocks.
 */
static int
open_input(const struct opts *o, struct in *in, int *poll_first)
{
	struct stat sb;
	int fl = -1;

	*poll_first = 0;
	if (in_open(in, o->input, 0) < 0)
		die_errno("cannot open input '%s'", o->input ? o->input : "-");
	if (fstat(in->fd, &sb) < 0)
		die_errno("cannot stat the input");
	if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)) {
		fl = fcntl(in->fd, F_GETFL);
		if (fl < 0 || fcntl(in->fd, F_SETFL, fl | O_NONBLOCK) < 0)
			die_errno("cannot set up the input");
	} else if (!S_ISREG(sb.st_mode)) {
		*poll_first = 1;
	}
	return fl;
}

static int
cmd_append(const struct opts *o)
{
	struct appender a;
	struct in in;
	struct event ev;
	struct journal_status st;
	char what[1024], why[256];
	int64_t next_sync = 0, next_stats = 0, now;
	int pending = 0, poll_first = 0, fl = -1;
	struct journal_opts jo = o->j;

	memset(&a, 0, sizeof a);
	a.o = o;
	metrics_init(&a.ms, "mkt-journal");
	buf_init(&a.ab, 0);
	if (sig_init() < 0)
		die_errno("cannot install signal handlers");
	jo.note = on_note;
	jo.note_ctx = (void *)o->dir;
	if (journal_open(&a.j, o->dir, &jo, what, sizeof what) < 0) {
		if (errno == EWOULDBLOCK)
			die("%s", what);
		die_errno("%s", what);
	}
	a.hist = hist_open(o, a.j);
	jhistory_attach(a.hist);
	fl = open_input(o, &in, &poll_first);
	if (o->ack && out_open(&a.ack, o->ack, 0) < 0)
		die_errno("cannot open '%s'", o->ack);
	/* Where the journal stands before anything is read. */
	send_ack(&a);
	a.started = a.stats_at = time_mono_ms();
	next_stats = a.started + o->period;
	journal_status(a.j, &st);
	notify_init(&a.sd);
	notify_ready(&a.sd, "appending to '%s' at seq %" PRIu64, o->dir,
	    st.next_seq);

	for (;;) {
		const char *line;
		size_t len;
		int r;

		/* The stop rule of mkt(7): a pipe is read to its end. */
		if (in_stop_due(&in))
			break;
		now = time_mono_ms();
		notify_tick(&a.sd, now);
		if (pending && now >= next_sync) {
			sync_or_die(&a);
			pending = 0;
		}
		if (o->period > 0 && now >= next_stats) {
			if (o->stats > 0)
				print_stats(&a, now);
			write_metrics(&a);
			next_stats = now + o->period;
		}
		if (poll_first && !in_pending(&in)) {
			struct pollfd p = { .fd = in.fd, .events = POLLIN };

			wait_input(&in, wait_ms(&a, pending, next_sync,
			    next_stats, now));
			if (poll(&p, 1, 0) <= 0)
				continue;
		}
		r = in_next(&in, &line, &len);
		if (r == IN_LINE || r == IN_TOOLONG)
			a.lines = in.lineno;
		if (r == IN_LINE) {
			if (event_parse(line, len, &ev, why, sizeof why) < 0) {
				a.rejected++;
				err_line(in.lineno, "%s", why);
				continue;
			}
			if (journal_append(a.j, line, len, &ev) < 0)
				die_errno("%s", journal_error(a.j));
			if (!pending) {
				pending = 1;
				next_sync = now + o->sync;
			}
			/* Many lines held for the history tables: sync
			 * early. */
			r = jhistory_hold(a.hist, line, len, &ev);
			if (r < 0)
				die_nomem();
			if (r > 0)
				next_sync = now;
			continue;
		}
		if (r == IN_TOOLONG) {
			a.rejected++;
			err_line(in.lineno, "line too long (over %zu bytes)",
			    in.max_line);
			continue;
		}
		if (r == IN_EOF)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			die_errno("read error");
		wait_input(&in, wait_ms(&a, pending, next_sync, next_stats,
		    now));
	}

	/* End of input or a stop signal: everything read becomes durable,
	 * and a last ack says so (rejected lines may have come since). */
	notify_stopping(&a.sd);
	sync_or_die(&a);
	send_ack(&a);
	write_metrics(&a);
	metrics_free(&a.ms);
	journal_status(a.j, &st);
	if (o->verbose)
		note("'%s': %" PRIu64 " events appended, seq %" PRIu64
		    ", %.1f MB raw in %.1f MB", o->dir, st.appended,
		    st.next_seq, st.raw_bytes / 1e6, st.bytes / 1e6);
	jhistory_close(a.hist);
	if (journal_close(a.j) < 0)
		die_errno("'%s': cannot close the journal", o->dir);
	if (fl >= 0 && fcntl(in.fd, F_SETFL, fl) < 0) {
		/* The input is ours alone or gone: nothing to restore. */
	}
	in_close(&in);
	if (a.ack && out_close(a.ack) < 0 && errno != EPIPE)
		die_errno("cannot write acks to '%s'", o->ack);
	buf_free(&a.ab);
	if (a.rejected)
		warn("%lu bad line%s rejected", a.rejected,
		    a.rejected == 1 ? "" : "s");
	return 0;
}

/* ---- readers ---- */

static struct journal *
open_read(const char *dir)
{
	struct journal *j;
	char what[1024];

	if (journal_open_read(&j, dir, what, sizeof what) < 0) {
		if (errno == ENOENT)
			die("%s", what);
		die_errno("%s", what);
	}
	return j;
}

/* A reader reads what is indexed and changes nothing; a tail that a
 * writer that is gone left is worth a line (a running writer's tail is
 * only in flight). */
static struct journal *
open_reader(const char *dir)
{
	struct journal *j = open_read(dir);
	struct journal_tail t;

	/* Not being able to tell is no reason to stop. */
	if (journal_tail(j, &t) == 0 && !t.live && t.bytes)
		warn("'%s': a writer that is gone left %" PRIu64 " bytes past "
		    "the index; the next append or verify recovers them", dir,
		    t.bytes);
	return j;
}

static struct journal *
open_write(const struct opts *o)
{
	struct journal *j;
	struct journal_opts jo;
	char what[1024];

	journal_opts_init(&jo);
	jo.note = on_note;
	jo.note_ctx = (void *)o->dir;
	if (journal_open(&j, o->dir, &jo, what, sizeof what) < 0) {
		if (errno == EWOULDBLOCK)
			die("%s", what);
		die_errno("%s", what);
	}
	return j;
}

static void
put_out(struct buf *b)
{
	if (buf_failed(b))
		die_nomem();
	if (!b->len)
		return;
	if (fwrite(b->p, 1, b->len, stdout) != b->len) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error");
	}
	buf_reset(b);
}

static void
finish_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error");
	}
	if (fclose(stdout) == EOF && errno != EPIPE)
		die_errno("write error");
}

struct lsctx {
	int json;
	struct buf b;
};

static int
ls_one(void *ctx, const struct journal_seginfo *s)
{
	struct lsctx *c = ctx;

	journal_put_segment(&c->b, s, c->json);
	put_out(&c->b);
	return 0;
}

static int
cmd_ls(const struct opts *o)
{
	struct journal *j = open_reader(o->dir);
	struct lsctx c = { o->json, { 0 } };

	buf_init(&c.b, 0);
	if (!o->json) {
		journal_put_segment_header(&c.b);
		put_out(&c.b);
	}
	if (journal_segments(j, ls_one, &c) < 0)
		die_errno("%s", journal_error(j));
	buf_free(&c.b);
	if (journal_close(j) < 0)
		die_errno("'%s'", o->dir);
	finish_stdout();
	return 0;
}

static int
sym_one(void *ctx, const struct journal_syminfo *y)
{
	struct lsctx *c = ctx;

	journal_put_symbol(&c->b, y, c->json);
	put_out(&c->b);
	return 0;
}

static int
cmd_stats(const struct opts *o)
{
	struct journal *j = open_reader(o->dir);
	struct journal_totals t;
	struct lsctx c = { o->json, { 0 } };

	buf_init(&c.b, 0);
	if (journal_totals(j, &t) < 0)
		die_errno("%s", journal_error(j));
	journal_put_totals(&c.b, &t, journal_index_bytes(o->dir), o->json);
	put_out(&c.b);
	if (journal_symbols(j, sym_one, &c) < 0)
		die_errno("%s", journal_error(j));
	buf_free(&c.b);
	if (journal_close(j) < 0)
		die_errno("'%s'", o->dir);
	finish_stdout();
	return 0;
}

static void
on_damage(void *ctx, const char *msg)
{
	struct buf *b = ctx;

	buf_adds(b, msg);
	buf_addc(b, '\n');
	put_out(b);
}

/* Verify j, the damage on standard output: the number of problems. */
static long
verify_journal(struct journal *j, struct journal_totals *t)
{
	struct buf b;
	long n;

	buf_init(&b, 0);
	n = journal_verify(j, on_damage, &b, t);
	if (n < 0)
		die_errno("%s", journal_error(j));
	buf_free(&b);
	return n;
}

/*
 * Recover the hot tail a writer that is gone left, as append does on
 * open (the history tables catch up too), and verify again: the number
 * of problems, or -1 when a writer took the lock first (its open
 * recovers the tail).
 */
static long
recover_tail(const struct opts *o, struct journal_totals *t)
{
	struct journal *j;
	struct journal_opts jo;
	char what[1024];
	long n;

	journal_opts_init(&jo);
	jo.note = on_note;
	jo.note_ctx = (void *)o->dir;
	if (journal_open(&j, o->dir, &jo, what, sizeof what) < 0) {
		if (errno != EWOULDBLOCK)
			die_errno("%s", what);
		return -1;
	}
	jhistory_close(hist_open(o, j));
	n = verify_journal(j, t);
	if (journal_close(j) < 0)
		die_errno("'%s': cannot close the journal", o->dir);
	return n;
}

/* What became of the hot tail the first pass found. */
static void
say_tail(const struct opts *o, const struct journal_totals *t, long n,
    int recovered)
{
	char what[160];

	snprintf(what, sizeof what, "%" PRIu64 " bytes past the index (%"
	    PRIu64 " whole frame%s, %" PRIu64 " events)", t->tail_bytes,
	    t->tail_frames, t->tail_frames == 1 ? "" : "s", t->tail_events);
	if (recovered)
		warn("'%s': recovered what a writer that is gone left: %s",
		    o->dir, what);
	else if (n > 0)
		warn("'%s': a writer that is gone left %s, not recovered "
		    "because of the damage", o->dir, what);
	else if (o->no_recover)
		warn("'%s': a writer that is gone left %s, not recovered "
		    "(--no-recover); the next append or verify recovers them",
		    o->dir, what);
	else
		warn("'%s': a writer that is gone left %s; the writer that "
		    "has just started recovers them", o->dir, what);
}

/*
 * A reader's pass first, which changes nothing; when all it found
 * wrong is a hot tail, recover it and verify again.
 */
static int
cmd_verify(const struct opts *o)
{
	struct journal *j = open_read(o->dir);
	struct journal_totals t, tail;
	int recovered = 0;
	long n;

	n = verify_journal(j, &t);
	if (journal_close(j) < 0)
		die_errno("'%s'", o->dir);
	tail = t;
	if (n == 0 && t.tail_bytes && !o->no_recover) {
		n = recover_tail(o, &t);
		recovered = n >= 0;
		if (n < 0)
			n = 0;
	}
	finish_stdout();
	if (tail.tail_bytes)
		say_tail(o, &tail, n, recovered);
	if (n > 0)
		warn("'%s': %ld problem%s found", o->dir, n, n == 1 ? "" : "s");
	else if (o->verbose)
		warn("'%s': %" PRIu64 " segments, %" PRIu64 " frames, %"
		    PRIu64 " events: no damage", o->dir, t.segments, t.frames,
		    t.events);
	return n > 0 ? 1 : 0;
}

static int
cmd_reindex(const struct opts *o)
{
	struct journal *j = open_write(o);
	struct journal_status st;

	if (journal_reindex(j) < 0)
		die_errno("%s", journal_error(j));
	journal_status(j, &st);
	if (journal_close(j) < 0)
		die_errno("'%s': cannot close the journal", o->dir);
	if (o->verbose)
		warn("'%s': index rebuilt, next seq %" PRIu64, o->dir,
		    st.next_seq);
	return 0;
}

/*
 * The minute rows of the history tables older than `before` (rounded
 * down to an hour by the history module); the rollups stay.
 */
static void
prune_minutes(const struct opts *o, struct journal *j, int64_t before)
{
	struct jhistory *h = hist_open(o, j);
	int64_t deleted;
	char t[40], why[1024];

	if (jhistory_prune_minutes(h, before, &deleted, why, sizeof why) < 0)
		die("'%s': %s", o->dir, why);
	jhistory_close(h);
	if (o->verbose)
		warn("'%s': pruned %lld minute rows older than %s", o->dir,
		    (long long)deleted, time_format(before, t, sizeof t));
}

/*
 * Prune what is older than the cut-offs (epoch ms, -1: keep all): the
 * raw segments, and the minute rows of the history tables.
 */
static void
prune_journal(const struct opts *o, struct journal *j, int64_t raw_before,
    int64_t minutes_before)
{
	struct journal_pruned p = { 0 };
	char t[40];

	if (minutes_before >= 0)
		prune_minutes(o, j, minutes_before);
	if (raw_before < 0)
		return;
	if (journal_prune(j, raw_before, &p) < 0)
		die_errno("%s", journal_error(j));
	if (o->verbose)
		warn("'%s': pruned %" PRIu64 " segments (%" PRIu64 " frames, %"
		    PRIu64 " events, %" PRIu64 " bytes) older than %s", o->dir,
		    p.segments, p.frames, p.events, p.bytes,
		    time_format(raw_before, t, sizeof t));
}

static int
cmd_prune(const struct opts *o)
{
	int64_t now = o->now >= 0 ? o->now : time_now_ms();
	struct journal *j = open_write(o);

	prune_journal(o, j, o->keep_raw >= 0 ? now - o->keep_raw : -1,
	    o->keep_minutes >= 0 ? now - o->keep_minutes : -1);
	if (journal_close(j) < 0)
		die_errno("'%s': cannot close the journal", o->dir);
	return 0;
}

/* Query output goes out in 64 KiB blocks. */
static int
query_flush(void *arg, struct buf *b)
{
	(void)arg;
	put_out(b);
	return 0;
}

static int
cmd_query(const struct opts *o)
{
	struct journal *j = open_reader(o->dir);
	struct history_series_q q = o->q;
	struct history_out out;
	struct buf b;
	char why[512];
	int r;

	buf_init(&b, 0);
	out.buf = &b;
	out.format = o->format;
	out.flush = query_flush;
	out.arg = NULL;
	r = jhistory_query(j, o->what, &q, &out, why, sizeof why);
	if (r < 0)
		die("'%s': %s: %s", o->dir, o->what, why);
	put_out(&b);
	buf_free(&b);
	if (journal_close(j) < 0)
		die_errno("'%s'", o->dir);
	finish_stdout();
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(const struct opts *o);
	} cmds[] = {
		{ "append", cmd_append },
		{ "ls", cmd_ls },
		{ "stats", cmd_stats },
		{ "verify", cmd_verify },
		{ "reindex", cmd_reindex },
		{ "prune", cmd_prune },
		{ "query", cmd_query },
	};
	struct opts o;
	size_t i;

	err_init("mkt-journal");
	if (argc < 2)
		die_usage("no command: append, ls, stats, verify, reindex, "
		    "prune or query");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage();
	if (strcmp(argv[1], "--version") == 0) {
		printf("mkt-journal %s\n", MKT_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		parse_opts(argc - 1, argv + 1, &o);
		return cmds[i].run(&o);
	}
	die_usage("unknown command '%s'", argv[1]);
}
