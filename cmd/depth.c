/*
 * mkt-depth: turn order books into depth bands: bid and ask quantity and value
 * within a percentage of the best price (mkt-depth(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "market/bands.h"
#include "market/bookset.h"
#include "prog/err.h"
#include "prog/run.h"
#include "base/timeutil.h"

/* The event types this program takes in (the rest pass through). */
#define CONSUMES (EV_BIT(EV_SNAPSHOT) | EV_BIT(EV_DEPTH) | EV_BIT(EV_BOOK))

static const char usage_text[] =
    "usage: mkt-depth [--bands LIST] [--interval DUR] [--checkpoint DUR]\n"
    "                 [--stats DUR] [--metrics FILE] [--no-pass]\n"
    "                 [-i INPUT] [-o OUTPUT]\n";

struct opts {
	struct bands_cfg bands;
	struct band_sum sum[BANDS_MAX];
	unsigned long overflows;
	int64_t interval;
	struct run_opts run;
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
	    "  --keep           also pass through the events consumed\n"
	    "                   (snapshot, depth, book), after what they "
	    "caused\n"
	    "  --checkpoint DUR a full snapshot of each changed book every "
	    "DUR of event\n"
	    "                   time, beside the snapshot and depth events "
	    "(for journals)\n"
	    METRICS_USAGE
	    RUN_USAGE, stdout);
	exit(0);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_BANDS = 256, OPT_INTERVAL };
	static const struct option longopts[] = {
		{ "bands", required_argument, NULL, OPT_BANDS },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		RUN_BOOKS_LONGOPTS,
		METRICS_LONGOPTS,
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	bands_default(&o->bands);
	o->overflows = 0;
	o->interval = 0;
	run_opts_init(&o->run);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_BANDS:
			if (bands_parse(optarg, &o->bands) < 0)
				die_usage("bad --bands '%s': want percentages "
				    "like 1.5,3,5 (each above 0, at most 100)",
				    optarg);
			break;
		case OPT_INTERVAL:
			o->interval = run_duration(optarg, "--interval");
			break;
		default:
			run_option(c, argv, &o->run, usage);
		}
	}
	run_no_operands(argc, argv);
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

	err_init("mkt-depth");
	parse_opts(argc, argv, &o);
	run_books(&o.run, "mkt-depth", o.interval, render_bands, &o, CONSUMES);
	return 0;
}
