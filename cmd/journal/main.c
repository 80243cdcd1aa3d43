/*
 * mkt-journal: store events in a journal of zstd segments indexed by
 * SQLite, and look after it (mkt-journal(1), the format mkt-journal(5)).
 *
 * append reads events and makes them durable at every --sync; ls, stats,
 * query and verify read a journal without disturbing its writer; reindex
 * and prune take the writer's lock, and so does verify to recover the
 * tail of a writer that is gone.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"
#include "prog/metrics.h"
#include "prog/run.h"
#include "base/timeutil.h"

#include "journal.h"

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
	    "  -i, --input SPEC       a file, unix:PATH or "
	    "nats://HOST:PORT/SUBJECT\n"
	    "                         (default stdin)\n"
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
