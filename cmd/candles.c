/*
 * mkt-candles: turn trade events into candles -- open, high, low, close,
 * base and quote volume, trade count and taker-buy volume -- one per
 * symbol per window of event time that had trades (mkt-candles(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/keymap.h"
#include "event/candle.h"
#include "event/event.h"
#include "prog/err.h"
#include "prog/run.h"

static const char usage_text[] =
    "usage: mkt-candles --interval DUR [--keep] [--stats DUR]\n"
    "                   [--metrics FILE] [--no-pass] [-i INPUT] [-o OUTPUT]\n";

struct opts {
	int64_t interval;
	struct run_opts run;
};

/* The candles of the open window, in the order their symbols traded. */
struct window {
	int64_t interval;
	int64_t index;		/* floor(time / interval) */
	int open;		/* a trade has opened a window */
	struct keymap by_key;	/* candle per venue, market, symbol */
	struct candle **pending;
	size_t npending, cap;
	unsigned long trades, candles;	/* counted, written: --metrics */
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --interval DUR     one candle per symbol per window of event "
	    "time with trades,\n"
	    "                     aligned to multiples of DUR (1m, 1h, ...)\n"
	    "  --keep             also pass through the trades consumed, "
	    "after the candles\n"
	    "                     they closed\n"
	    METRICS_USAGE
	    RUN_USAGE, stdout);
	exit(0);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_INTERVAL = 256 };
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "keep", no_argument, NULL, RUN_OPT_KEEP },
		METRICS_LONGOPTS,
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->interval = 0;
	run_opts_init(&o->run);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (c == OPT_INTERVAL)
			o->interval = run_duration_above0(optarg,
			    "--interval");
		else
			run_option(c, argv, &o->run, usage);
	}
	run_no_operands(argc, argv);
	if (o->interval == 0)
		die_usage("missing --interval");
}

/* Write the candles of the window and empty it (keeping the memory). */
static void
flush_window(struct window *w, struct buf *out)
{
	size_t i;

	for (i = 0; i < w->npending; i++) {
		candle_render(out, w->pending[i]);
		w->candles++;
		w->pending[i]->trades = 0;
	}
	w->npending = 0;
}

/*
 * A trade of a later window closes the open one.  A late trade, of a
 * window already written, counts in the open window: a candle once
 * written is never taken back.
 */
static void
advance(struct window *w, int64_t time, struct buf *out)
{
	int64_t k = candle_window(time, w->interval);

	if (w->open && k <= w->index)
		return;
	flush_window(w, out);
	w->index = k;
	w->open = 1;
}

/* The candle of the trade's symbol, made on its first trade. */
static struct candle *
candle_of(struct window *w, const struct candle_trade *t)
{
	char key[3 * CANDLE_SYMBOL];
	size_t n = keymap_key3(key, sizeof key, t->venue->p, t->venue->n,
	    t->market->p, t->market->n, t->symbol->p, t->symbol->n);
	struct candle *c;

	if (n == 0)
		return NULL;
	c = keymap_get(&w->by_key, key, n);
	if (c)
		return c;
	c = calloc(1, sizeof *c);
	if (!c || keymap_put(&w->by_key, key, n, c) < 0)
		die_nomem();
	return c;
}

static void
mark_pending(struct window *w, struct candle *c)
{
	if (w->npending == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct candle **p = realloc(w->pending, cap * sizeof *p);

		if (!p)
			die_nomem();
		w->pending = p;
		w->cap = cap;
	}
	w->pending[w->npending++] = c;
}

/* Count one trade in its candle; -1 with why when it cannot be. */
static int
add_trade(struct window *w, const struct candle_trade *t, char *why,
    size_t whylen)
{
	struct candle *c = candle_of(w, t);

	if (!c || (c->trades == 0 && candle_start(c, t, w->interval,
	    w->index * w->interval) < 0)) {
		snprintf(why, whylen, "venue, market or symbol too long");
		return -1;
	}
	if (candle_add(c, t) < 0) {
		snprintf(why, whylen, "candle sum past 38 digits: trade "
		    "left out");
		return -1;
	}
	w->trades++;
	if (c->trades == 1)
		mark_pending(w, c);
	return 0;
}

/* One input line: a trade is counted, the rest passes. */
static void
feed_line(struct run *r, struct window *w, const struct opts *o,
    const char *line, size_t len)
{
	struct event ev;
	struct candle_trade t;
	char why[256];

	if (event_parse(line, len, &ev, why, sizeof why) < 0) {
		err_line(run_lineno(r), "%s", why);
		return;
	}
	if (ev.type != EV_TRADE) {
		run_pass(r, line, len);
		return;
	}
	if (candle_trade_read(&ev, &t, why, sizeof why) < 0) {
		err_line(run_lineno(r), "%s", why);
		return;
	}
	advance(w, t.time, &r->ob);
	run_flush_events(r);
	if (add_trade(w, &t, why, sizeof why) < 0) {
		err_line(run_lineno(r), "%s", why);
		return;
	}
	if (o->run.keep)
		run_keep(r, line, len);
}

static void
window_free(struct window *w)
{
	size_t i;

	for (i = 0; i < w->by_key.n; i++)
		free(w->by_key.e[i].val);
	keymap_free(&w->by_key);
	free(w->pending);
}

static int
collect(struct metrics *ms, void *ctx)
{
	const struct window *w = ctx;
	int rc = 0;

	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_candles_trades_total",
	    "Trades counted in candles.", NULL, NULL, (double)w->trades);
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_candles_total",
	    "Candles written.", NULL, NULL, (double)w->candles);
	return rc ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct run r;
	struct metrics_run mr;
	struct window w = { 0 };
	const char *line;
	size_t len;

	err_init("mkt-candles");
	parse_opts(argc, argv, &o);
	w.interval = o.interval;
	keymap_init(&w.by_key);
	run_open(&r, o.run.input, o.run.output, o.run.pass);
	metrics_run_start(&mr, "mkt-candles", &o.run.mo, &r, collect, &w);
	while (run_next(&r, &line, &len))
		feed_line(&r, &w, &o, line, len);
	/* End of input or a stop signal: the open window is complete. */
	flush_window(&w, &r.ob);
	metrics_run_end(&mr);
	window_free(&w);
	run_close(&r);
	return 0;
}
