/*
 * mkt-book: keep exact L2 order books from snapshot and depth events and
 * write them as book events (mkt-book(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "market/bookset.h"
#include "prog/err.h"
#include "prog/run.h"
#include "base/timeutil.h"

/* The event types this program takes in (the rest pass through). */
#define CONSUMES (EV_BIT(EV_SNAPSHOT) | EV_BIT(EV_DEPTH))

static const char usage_text[] =
    "usage: mkt-book [--levels N] [--interval DUR] [--checkpoint DUR]\n"
    "                [--stats DUR] [--metrics FILE] [--no-pass]\n"
    "                [-i INPUT] [-o OUTPUT]\n";

struct opts {
	size_t levels;
	int64_t interval;
	struct run_opts run;
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --levels N       levels per side in each book event (0: all; "
	    "default 20)\n"
	    "  --interval DUR   one book per changed symbol per window of "
	    "event time\n"
	    "                   (0: after every update, the default)\n"
	    "  --keep           also pass through the events consumed\n"
	    "                   (snapshot, depth), after what they caused\n"
	    "  --checkpoint DUR a full snapshot of each changed book every "
	    "DUR of event\n"
	    "                   time, beside the snapshot and depth events "
	    "(for journals)\n"
	    METRICS_USAGE
	    RUN_USAGE, stdout);
	exit(0);
}

static size_t
parse_count(const char *s, const char *opt)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > 1000000000ULL)
		die_usage("bad %s '%s': want a number of levels", opt, s);
	return (size_t)v;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_LEVELS = 256, OPT_INTERVAL };
	static const struct option longopts[] = {
		{ "levels", required_argument, NULL, OPT_LEVELS },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		RUN_BOOKS_LONGOPTS,
		METRICS_LONGOPTS,
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->levels = 20;
	o->interval = 0;
	run_opts_init(&o->run);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_LEVELS:
			o->levels = parse_count(optarg, "--levels");
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

static void
render_book(void *ctx, struct buf *out, struct book *b)
{
	const struct opts *o = ctx;

	book_render(out, b, o->levels);
}

int
main(int argc, char **argv)
{
	struct opts o;

	err_init("mkt-book");
	parse_opts(argc, argv, &o);
	run_books(&o.run, "mkt-book", o.interval, render_book, &o, CONSUMES);
	return 0;
}
