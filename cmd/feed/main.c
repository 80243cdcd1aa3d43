/*
 * mkt-feed: exchange market data as mkt events (mkt-feed(1)).
 *
 * Live: WebSocket streams (lib/ws) and REST snapshots through one
 * weight-aware scheduler (lib/rest).  Recorded: raw venue messages on
 * standard input (--raw).  Both go through the same normalizers and the
 * same per-symbol sync (lib/stream).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"
#include "prog/run.h"
#include "base/fsutil.h"
#include "base/timeutil.h"
#include "net/ws.h"
#include "venue/venue.h"
#include "feed.h"

static const char usage_text[] =
    "usage: mkt-feed [--streams LIST] [--depth-limit N] [--ca FILE]\n"
    "                [--stats DUR] [--metrics FILE] [--max-message BYTES]\n"
    "                [--duration DUR] [--symbols-file FILE] [--markets FILE]\n"
    "                [-o OUTPUT]\n"
    "                [VENUE:MARKET:SYMBOL...]\n"
    "       mkt-feed --rest [--once | --interval DUR] [--depth-limit N]\n"
    "                [--duration DUR] [-o OUTPUT] VENUE:MARKET:SYMBOL...\n"
    "       mkt-feed --instruments-only [--instruments-cache FILE]\n"
    "                [--instruments-max-age DUR] [-o OUTPUT]\n"
    "                VENUE:MARKET:SYMBOL...\n"
    "       mkt-feed --raw VENUE:MARKET[:SYMBOL] [--markets FILE] [-i INPUT]\n"
    "                [-o OUTPUT]\n";


static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --streams LIST     depth,trade,ticker (default depth)\n"
	    "  --symbols-file FILE  targets too, one a line\n"
	    "                     (VENUE:MARKET:SYMBOL, or a pattern over\n"
	    "                     the market's symbols: VENUE:MARKET:*USDT),\n"
	    "                     read again on SIGHUP\n"
    "  --instruments      first an instrument event per symbol (its\n"
    "                     trading rules, from the venue's list)\n"
    "  --instruments-only the instrument events, then exit\n"
    "  --instruments-cache FILE  take them from FILE while it is fresh,\n"
    "                     else fetch them and rewrite it\n"
    "  --instruments-max-age DUR  FILE is fresh this long (default 1d)\n"
	    "  --markets FILE     market metadata the venues' checks need\n"
	    "                     (a book hash's inputs; see mkt-feed(1))\n"
	    "  --depth-limit N    levels of REST snapshots (default 5000)\n"
	    "  --rest             poll REST snapshots instead of streaming\n"
	    "  --once             with --rest: one round, then exit\n"
	    "  --interval DUR     with --rest: poll every DUR (default 1m)\n"
	    "  --ca FILE          CA bundle for TLS\n"
	    "  --stats DUR        a status event with the counters, and a line\n"
	    "                     on stderr, every DUR\n"
	    "  --metrics FILE     the counters in Prometheus text format, "
	    "rewritten\n"
	    "                     every --stats DUR (15s without it) and at exit\n"
	    "  --duration DUR     stop after DUR, as on SIGTERM\n"
	    "  --max-message BYTES  skip WebSocket messages larger than this\n"
	    "                     (default 64M)\n"
	    "  --raw VENUE:MARKET[:SYMBOL]  normalize recorded raw messages\n"
	    "                     from standard input\n"
	    RUN_USAGE, stdout);
	exit(0);
}

/* "VENUE:MARKET:SYMBOL" into its parts; the symbol is optional. */
static void
parse_raw_spec(struct opts *o)
{
	const char *s = o->raw, *c1 = strchr(s, ':'), *c2;
	const struct venue_market *m;
	char list[256];
	size_t vn, mn;

	if (!c1)
		die_usage("bad --raw '%s': want VENUE:MARKET[:SYMBOL]", s);
	c2 = strchr(c1 + 1, ':');
	vn = (size_t)(c1 - s);
	mn = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
	if (vn >= RAW_NAME || mn >= sizeof o->market ||
	    (c2 && strlen(c2 + 1) >= sizeof o->symbol))
		die_usage("bad --raw '%s': too long", s);
	m = venue_find(s, vn, c1 + 1, mn);
	if (!m) {
		venue_list(list, sizeof list, " or ");
		die_usage("bad --raw '%s': venue and market must be %s", s,
		    list);
	}
	o->venue = m->venue;
	strcpy(o->market, m->name);
	strcpy(o->symbol, c2 ? c2 + 1 : "");
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_RAW = 256, OPT_STREAMS, OPT_DEPTH_LIMIT, OPT_REST,
	    OPT_ONCE, OPT_INTERVAL, OPT_CA, OPT_MAX_MESSAGE,
	    OPT_DURATION, OPT_INSTRUMENTS, OPT_INSTRUMENTS_ONLY,
	    OPT_INSTRUMENTS_CACHE, OPT_INSTRUMENTS_MAX_AGE, OPT_SYMBOLS_FILE,
	    OPT_MARKETS };
	static const struct option longopts[] = {
		{ "raw", required_argument, NULL, OPT_RAW },
		{ "streams", required_argument, NULL, OPT_STREAMS },
		{ "depth-limit", required_argument, NULL, OPT_DEPTH_LIMIT },
		{ "rest", no_argument, NULL, OPT_REST },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "ca", required_argument, NULL, OPT_CA },
		METRICS_LONGOPTS,
		{ "max-message", required_argument, NULL, OPT_MAX_MESSAGE },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "instruments", no_argument, NULL, OPT_INSTRUMENTS },
		{ "instruments-only", no_argument, NULL,
		  OPT_INSTRUMENTS_ONLY },
		{ "instruments-cache", required_argument, NULL,
		  OPT_INSTRUMENTS_CACHE },
		{ "instruments-max-age", required_argument, NULL,
		  OPT_INSTRUMENTS_MAX_AGE },
		{ "symbols-file", required_argument, NULL, OPT_SYMBOLS_FILE },
		{ "markets", required_argument, NULL, OPT_MARKETS },
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	memset(o, 0, sizeof *o);
	o->streams = VENUE_DEPTH;
	o->depth_limit = 5000;
	o->interval = 60000;
	o->max_message = WS_MESSAGE_MAX;
	o->instruments_max_age = 86400000;
	run_opts_init(&o->run);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_RAW:
			o->raw = optarg;
			break;
		case OPT_STREAMS:
			if (venue_parse_streams(optarg, &o->streams) < 0)
				die_usage("bad --streams '%s': want a list of "
				    "depth, trade, ticker", optarg);
			break;
		case OPT_DEPTH_LIMIT:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 5000)
				die_usage("bad --depth-limit '%s': want 1 to "
				    "5000", optarg);
			o->depth_limit = (int)v;
			break;
		case OPT_REST:
			o->rest = 1;
			break;
		case OPT_ONCE:
			o->once = 1;
			break;
		case OPT_INTERVAL:
			o->interval = run_duration_above0(optarg, "--interval");
			break;
		case OPT_CA:
			o->ca = optarg;
			break;
		case OPT_DURATION:
			o->duration = run_duration_above0(optarg, "--duration");
			break;
		case OPT_INSTRUMENTS:
			o->instruments = 1;
			break;
		case OPT_INSTRUMENTS_ONLY:
			o->instruments = o->instruments_only = 1;
			break;
		case OPT_INSTRUMENTS_CACHE:
			o->instruments = 1;
			o->instruments_cache = optarg;
			break;
		case OPT_INSTRUMENTS_MAX_AGE:
			o->instruments_max_age = run_duration_above0(optarg,
			    "--instruments-max-age");
			break;
		case OPT_SYMBOLS_FILE:
			o->symbols_file = optarg;
			break;
		case OPT_MARKETS:
			o->markets = optarg;
			break;
		case OPT_MAX_MESSAGE:
			o->max_message = run_size(optarg, "--max-message", 4096,
			    (uint64_t)1 << 30);
			break;
		default:
			if (!metrics_option(c, optarg, &o->mo))
				run_option(c, argv, &o->run, usage);
		}
	}
	if (o->raw) {
		if (o->duration)
			die_usage("--duration goes with a live feed, not --raw");
		if (o->instruments)
			die_usage("--instruments goes with a live feed, not "
			    "--raw");
		if (o->symbols_file)
			die_usage("--symbols-file goes with a live feed, not "
			    "--raw");
		run_no_operands(argc, argv);
		parse_raw_spec(o);
		return;
	}
	if (o->once && !o->rest)
		die_usage("--once goes with --rest");
	if (o->instruments_only && (o->rest || o->duration))
		die_usage("--instruments-only writes no market data: it takes "
		    "no --rest or --duration");
	o->targets = argv + optind;
	o->ntargets = argc - optind;
	if (o->symbols_file && (o->once || o->instruments_only))
		die_usage("--symbols-file goes with a feed that runs on, not "
		    "--once or --instruments-only");
	if (o->ntargets == 0 && !o->symbols_file)
		die_usage("no VENUE:MARKET:SYMBOL given");
}

/* The largest --markets file read. */
#define MARKETS_MAX (256u << 20)

/*
 * --markets FILE: the metadata handed to every venue that takes some
 * (venue_ops.markets_load); a file no venue takes is a usage error.
 */
static void
load_markets(const struct opts *o)
{
	struct buf b;
	char why[256];
	size_t i;
	int taken = 0;

	buf_init(&b, 0);
	if (fs_read_file(o->markets, MARKETS_MAX, &b) < 0)
		die_errno("cannot read '%s'", o->markets);
	for (i = 0; venue_table[i]; i++) {
		if (!venue_table[i]->markets_load)
			continue;
		if (venue_table[i]->markets_load(b.p ? b.p : "", b.len, why,
		    sizeof why) < 0)
			die("'%s': %s", o->markets, why);
		taken = 1;
	}
	buf_free(&b);
	if (!taken)
		die_usage("--markets: no venue takes market metadata");
}

int
main(int argc, char **argv)
{
	struct opts o;

	err_init("mkt-feed");
	parse_opts(argc, argv, &o);
	if (o.markets)
		load_markets(&o);
	if (o.raw) {
		feed_raw(&o);
		return 0;
	}
	return feed_live(&o);
}
