/*
 * run: the shared event loop of the filter programs (see run.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/event.h"
#include "venue/venue.h"

#include "err.h"
#include "run.h"
#include "io/sig.h"
#include "base/timeutil.h"

/* Rendered events larger than this are a bug, not input. */
#define RUN_EVENT_MAX (256u << 20)

void
run_open(struct run *r, const char *input, const char *output, int pass)
{
	char why[IN_WHY > OUT_WHY ? IN_WHY : OUT_WHY];

	if (sig_init() < 0)
		die_errno("cannot install signal handlers");
	if (in_open_why(&r->in, input, 0, why, sizeof why) < 0) {
		if (why[0])
			die("cannot open input '%s': %s", input, why);
		die_errno("cannot open input '%s'", input ? input : "-");
	}
	if (out_open_why(&r->out, output, 0, why, sizeof why) < 0) {
		if (why[0])
			die("cannot open output '%s': %s", output, why);
		die_errno("cannot open output '%s'", output ? output : "-");
	}
	buf_init(&r->ob, RUN_EVENT_MAX);
	r->pass = pass;
	r->dropped = 0;
	r->coalescing = 0;
	r->lines_out = 0;
	r->tick = NULL;
}

void
run_every(struct run *r, int64_t ms, void (*tick)(void *ctx), void *ctx)
{
	r->tick = tick;
	r->tick_ctx = ctx;
	r->tick_ms = ms;
	r->tick_next = time_mono_ms() + ms;
}

void
run_tick_due(struct run *r)
{
	int64_t now;

	if (!r->tick)
		return;
	now = time_mono_ms();
	if (now < r->tick_next)
		return;
	r->tick_next = now + r->tick_ms;
	r->tick(r->tick_ctx);
}

int64_t
run_wait_bound(const struct run *r)
{
	int64_t due = out_wait_ms(r->out), left;

	if (!r->tick)
		return due;
	left = r->tick_next - time_mono_ms();
	if (left < 0)
		left = 0;
	return due < 0 || left < due ? left : due;
}

/* A reader of a unix: output fell behind: say so once per reader. */
static void
report_drops(struct run *r)
{
	unsigned long d = out_dropped(r->out);

	if (d != r->dropped) {
		warn("dropped %lu slow reader%s of the output (%lu in all)",
		    d - r->dropped, d - r->dropped == 1 ? "" : "s", d);
		r->dropped = d;
	}
}

/* A write failed: EPIPE means the reader left. */
static void
write_failed(const struct run *r)
{
	if (errno == EPIPE)
		exit(0);
	if (out_why(r->out)[0])
		die("write error: %s", out_why(r->out));
	die_errno("write error");
}

static void
write_or_die(struct run *r, const char *p, size_t n)
{
	const char *nl = p, *end = p + n;

	while ((nl = memchr(nl, '\n', (size_t)(end - nl)))) {
		r->lines_out++;
		nl++;
	}
	if (out_write(r->out, p, n) < 0)
		write_failed(r);
	report_drops(r);
}

/* A read failed: a nats: input says why in words. */
static void
read_failed(struct run *r)
{
	char why[IN_WHY];

	if (in_failed_why(&r->in, why, sizeof why))
		die("read error: %s", why);
	die_errno("read error");
}

void
run_idle(struct run *r)
{
	if (out_idle(r->out) < 0)
		write_failed(r);
	report_drops(r);
}

void
run_flush_events(struct run *r)
{
	if (buf_failed(&r->ob)) {
		errno = r->ob.failed;
		die_errno("cannot render event");
	}
	if (r->ob.len)
		write_or_die(r, r->ob.p, r->ob.len);
	buf_reset(&r->ob);
}

void
run_keep(struct run *r, const char *line, size_t len)
{
	buf_add(&r->ob, line, len);
	buf_addc(&r->ob, '\n');
	run_flush_events(r);
}

void
run_pass(struct run *r, const char *line, size_t len)
{
	if (r->pass)
		run_keep(r, line, len);
}

/*
 * Read the next line, waiting only as long as the output and the stop
 * rule allow: a file's block that must be written (out_wait_ms) and a
 * drain after a stop signal bound the wait; otherwise a plain blocking
 * read, the cheapest.
 */
static int
read_line(struct run *r, const char **line, size_t *len)
{
	struct pollfd readers[IN_WAIT_ALSO_MAX];
	int64_t due = run_wait_bound(r);
	size_t nr;
	int st;

	nr = out_pollfds(r->out, readers, IN_WAIT_ALSO_MAX);
	if (!out_held(r->out) && nr == 0 && due < 0 && !in_draining(&r->in))
		return in_next(&r->in, line, len);
	st = in_next_nowait(&r->in, line, len);
	if (st != IN_AGAIN)
		return st;
	run_idle(r);
	/* A nats: input acks what was read before the wait below: every
	 * event it caused must be out, a file's block included. */
	if (r->in.nats && out_flush(r->out) < 0)
		write_failed(r);
	/* Readers of a unix: output that are behind get their queues as
	 * their sockets drain, not when the next event comes. */
	nr = out_pollfds(r->out, readers, IN_WAIT_ALSO_MAX);
	if (due >= 0 || nr > 0 || in_draining(&r->in)) {
		if (in_wait_also(&r->in, due, readers, nr) < 0)
			die_errno("cannot wait for input");
	}
	return IN_AGAIN;
}

int
run_next(struct run *r, const char **line, size_t *len)
{
	if (!r->coalescing) {
		out_coalesce(r->out);
		r->coalescing = 1;
	}
	for (;;) {
		/* The stop rule of mkt(7): a pipe is read to its end. */
		if (in_stop_due(&r->in))
			return 0;
		run_tick_due(r);
		if (out_tick(r->out) < 0)
			write_failed(r);
		switch (read_line(r, line, len)) {
		case IN_LINE:
			return 1;
		case IN_AGAIN:
			continue;
		case IN_EOF:
			return 0;
		case IN_TOOLONG:
			err_line(r->in.lineno, "line too long (over %zu bytes)",
			    r->in.max_line);
			continue;
		default:
			if (errno == EINTR)
				continue;
			read_failed(r);
		}
	}
}

void
run_close(struct run *r)
{
	if (out_close(r->out) < 0 && errno != EPIPE)
		die_errno("write error");
	/* Every event out: a nats: input's messages are done with. */
	in_commit(&r->in);
	in_close(&r->in);
	buf_free(&r->ob);
	err_line_summary();
}

void
run_opts_init(struct run_opts *o)
{
	o->pass = 1;
	o->keep = 0;
	o->input = o->output = NULL;
	o->checkpoint = 0;
	o->mo.stats_ms = 0;
	o->mo.file = NULL;
	/* Unknown options are reported here, in the house format. */
	opterr = 0;
}

void
run_option(int c, char **argv, struct run_opts *o, void (*usage)(void))
{
	if (metrics_option(c, optarg, &o->mo))
		return;
	switch (c) {
	case RUN_OPT_NO_PASS:
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
	case RUN_OPT_VERSION:
		printf("%s %s\n", err_progname(), MKT_VERSION);
		exit(0);
	case RUN_OPT_KEEP:
		o->keep = 1;
		break;
	case RUN_OPT_CHECKPOINT:
		o->checkpoint = run_duration_above0(optarg, "--checkpoint");
		break;
	default:
		die_usage("unknown or incomplete option '%s'",
		    argv[optind - 1]);
	}
}

int64_t
run_duration_eg(const char *arg, const char *examples, const char *opt)
{
	int64_t ms;

	if (dur_parse(arg, &ms) < 0)
		die_usage("bad %s '%s': want a duration like %s", opt, arg,
		    examples);
	return ms;
}

int64_t
run_duration(const char *arg, const char *opt)
{
	return run_duration_eg(arg, "250ms, 1s, 1m", opt);
}

uint64_t
run_size(const char *arg, const char *opt, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (end != arg && end[0] && !end[1]) {
		switch (end[0]) {
		case 'k': case 'K': shift = 10; end++; break;
		case 'm': case 'M': shift = 20; end++; break;
		case 'g': case 'G': shift = 30; end++; break;
		}
	}
	if (errno || end == arg || *end || arg[0] == '-' ||
	    v > (max >> shift) || (v << shift) < min)
		die_usage("bad %s '%s': want a size from %llu to %llu bytes "
		    "(suffixes K, M, G)", opt, arg, (unsigned long long)min,
		    (unsigned long long)max);
	return (uint64_t)v << shift;
}

int64_t
run_duration_above0(const char *arg, const char *opt)
{
	int64_t ms = run_duration(arg, opt);

	if (ms <= 0)
		die_usage("bad %s '%s': must be above 0", opt, arg);
	return ms;
}

void
run_no_operands(int argc, char **argv)
{
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
}

/* run_books()'s own counters, besides the run's. */
static int
books_collect(struct metrics *ms, void *ctx)
{
	const struct bookset *bs = ctx;
	int rc = 0;

	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_books_invalid_total",
	    "Books found invalid (a gap, a crossed book, a ticker that "
	    "disagrees), once per spell.", NULL, NULL, (double)bs->invalid);
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_books_restored_total",
	    "Invalid books a snapshot made valid again.", NULL, NULL,
	    (double)bs->restored);
	rc |= metrics_set(ms, METRIC_GAUGE, "mkt_books",
	    "Books kept.", NULL, NULL, (double)bs->map.n);
	return rc ? -1 : 0;
}

void
run_books(const struct run_opts *ro, const char *source, int64_t interval,
    bookset_render_fn *render, void *ctx, unsigned consumes)
{
	struct run run, *r = &run;
	struct bookset books, *bs = &books;
	struct metrics_run mr;
	struct event ev;
	const char *line;
	size_t len;
	char why[256];
	int bad;

	run_open(r, ro->input, ro->output, ro->pass);
	bookset_init(bs, source, interval, render, ctx);
	bookset_rules(bs, venue_seq_rule);
	bookset_checkpoints(bs, ro->checkpoint);
	metrics_run_start(&mr, source, &ro->mo, r, books_collect, bs);

	while (run_next(r, &line, &len)) {
		if (event_parse_for(line, len, &ev, consumes, why,
		    sizeof why) < 0) {
			err_line(run_lineno(r), "%s", why);
			continue;
		}
		if (!(consumes & EV_BIT(ev.type)) && ev.type != EV_TICKER) {
			run_pass(r, line, len);
			continue;
		}
		if (event_fields(&ev, why, sizeof why) < 0) {
			err_line(run_lineno(r), "%s", why);
			continue;
		}
		/* Checkpoints go out before the event that follows them. */
		bookset_checkpoint_due(bs, &ev, &r->ob);
		run_flush_events(r);
		bad = bookset_feed(bs, &ev, &r->ob, why, sizeof why) < 0;
		if (bad) {
			if (errno == ENOMEM)
				die_nomem();
			err_line(run_lineno(r), "%s", why);
		}
		/* Tickers are checked, not consumed; with --keep the good
		 * consumed events go on too, for a journal downstream. */
		if (ev.type == EV_TICKER)
			run_pass(r, line, len);
		else if ((ro->keep || ro->checkpoint) && !bad)
			run_keep(r, line, len);
		run_flush_events(r);
	}
	bookset_finish(bs, &r->ob);
	metrics_run_end(&mr);
	bookset_free(bs);
	run_close(r);
}
