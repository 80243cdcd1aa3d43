/*
 * mkt-depth: turn order books into depth bands: bid and ask quantity and value
 * within a percentage of the best price (mkt-depth(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "bands.h"
#include "bookset.h"
#include "err.h"
#include "event.h"
#include "run.h"
#include "timeutil.h"

/* The event types this program takes in (the rest pass through). */
#define CONSUMES (EV_BIT(EV_SNAPSHOT) | EV_BIT(EV_DEPTH) | EV_BIT(EV_BOOK))

static const char usage_text[] =
    "usage: mkt-depth [--bands LIST] [--interval DUR] [--no-pass]\n"
    "                 [-i INPUT] [-o OUTPUT]\n";

struct opts {
	struct bands_cfg bands;
	struct band_sum sum[BANDS_MAX];
	unsigned long overflows;
	int64_t interval;
	int pass;
	const char *input, *output;
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --bands LIST     band percentages (default "
	    "1.5,3,5,8,15,30)\n"
	    "  --interval DUR   one bands event per changed symbol per window "
	    "of event\n"
	    "                   time, aligned to multiples of DUR\n"
	    "                   (0: after every update, the default)\n"
	    "  --no-pass        drop events that are not consumed\n"
	    "  -i, --input SPEC   read from a file or unix:PATH (default "
	    "stdin)\n"
	    "  -o, --output SPEC  write to a file or unix:PATH (default "
	    "stdout)\n"
	    "  -h, --help       this text\n"
	    "  --version        the version\n", stdout);
	exit(0);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_BANDS = 256, OPT_INTERVAL, OPT_NO_PASS, OPT_VERSION };
	static const struct option longopts[] = {
		{ "bands", required_argument, NULL, OPT_BANDS },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "no-pass", no_argument, NULL, OPT_NO_PASS },
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	bands_default(&o->bands);
	o->overflows = 0;
	o->interval = 0;
	o->pass = 1;
	o->input = o->output = NULL;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hi:o:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_BANDS:
			if (bands_parse(optarg, &o->bands) < 0)
				die_usage("bad --bands '%s': want percentages "
				    "like 1.5,3,5 (each above 0, at most 100)",
				    optarg);
			break;
		case OPT_INTERVAL:
			if (dur_parse(optarg, &o->interval) < 0)
				die_usage("bad --interval '%s': want a duration "
				    "like 250ms, 1s, 1m", optarg);
			break;
		case OPT_NO_PASS:
			o->pass = 0;
			break;
		case 'i':
			o->input = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			usage();
			break;
		case OPT_VERSION:
			printf("mkt-depth %s\n", MKT_VERSION);
			exit(0);
		default:
			die_usage("unknown or incomplete option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
}

/* A book with an empty side has no best price and so no bands. */
static void
render_bands(void *ctx, struct buf *out, struct book *b)
{
	struct opts *o = ctx;

	if (bands_compute(b, &o->bands, o->sum) == 0) {
		bands_render(out, b, &o->bands, o->sum);
		return;
	}
	if (errno == ENOMEM)
		die_nomem();
	if (errno == ERANGE && o->overflows++ == 0)
		warn("%s %s %s: band value past 128 bits: no bands", b->venue,
		    b->market, b->symbol);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct run r;
	struct bookset bs;
	struct event ev;
	const char *line;
	size_t len;
	char why[256];

	err_init("mkt-depth");
	parse_opts(argc, argv, &o);
	run_open(&r, o.input, o.output, o.pass);
	bookset_init(&bs, "mkt-depth", o.interval, render_bands, &o);
	while (run_next(&r, &line, &len)) {
		if (event_parse_for(line, len, &ev, CONSUMES, why,
		    sizeof why) < 0) {
			err_line(run_lineno(&r), "%s", why);
			continue;
		}
		if (!bookset_wants(ev.type)) {
			run_pass(&r, line, len);
			continue;
		}
		if (event_fields(&ev, why, sizeof why) < 0) {
			err_line(run_lineno(&r), "%s", why);
			continue;
		}
		if (bookset_feed(&bs, &ev, &r.ob, why, sizeof why) < 0) {
			if (errno == ENOMEM)
				die_nomem();
			err_line(run_lineno(&r), "%s", why);
		}
		/* Tickers are checked, not consumed. */
		if (ev.type == EV_TICKER)
			run_pass(&r, line, len);
		run_flush_events(&r);
	}
	bookset_finish(&bs, &r.ob);
	run_flush_events(&r);
	bookset_free(&bs);
	run_close(&r);
	return 0;
}
