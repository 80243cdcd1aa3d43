/*
 * run: the event loop every filter program shares -- open the input and
 * output, hand out lines until end of input or SIGINT/SIGTERM, write
 * rendered events, pass unconsumed lines through, close cleanly.
 *
 * Like err, this is program-side code: it reports and exits with the
 * policy of INTERFACE.md (bad lines reported and skipped; EPIPE on the
 * output is a quiet exit 0; other I/O errors exit 1), so each program
 * states that policy once by using it.
 */
#ifndef MKT_RUN_H
#define MKT_RUN_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "market/bookset.h"
#include "base/buf.h"
#include "io/in.h"
#include "io/out.h"
#include "prog/metrics.h"

/*
 * The options every filter program takes: -i/--input, -o/--output,
 * --no-pass, -h/--help, --version.  A program lists RUN_LONGOPTS in its
 * getopt_long table, RUN_SHORTOPTS in its short options, and hands every
 * option it does not know itself to run_option(), which also takes
 * --stats and --metrics (into mo) for a program that lists
 * METRICS_LONGOPTS.
 */
enum { RUN_OPT_NO_PASS = 1000, RUN_OPT_VERSION, RUN_OPT_KEEP,
	RUN_OPT_CHECKPOINT };
#define RUN_SHORTOPTS "hi:o:"
#define RUN_LONGOPTS \
	{ "no-pass", no_argument, NULL, RUN_OPT_NO_PASS }, \
	{ "input", required_argument, NULL, 'i' }, \
	{ "output", required_argument, NULL, 'o' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, RUN_OPT_VERSION }
/* And those of the stages that keep books (run_books). */
#define RUN_BOOKS_LONGOPTS \
	{ "keep", no_argument, NULL, RUN_OPT_KEEP }, \
	{ "checkpoint", required_argument, NULL, RUN_OPT_CHECKPOINT }

/* Their lines in a program's --help text. */
#define RUN_USAGE \
	"  --no-pass          drop events that are not consumed\n" \
	"  -i, --input SPEC   read from a file, unix:PATH or\n" \
	"                     nats://HOST:PORT/SUBJECT[?...] (default stdin)\n" \
	"  -o, --output SPEC  write to a file, unix:PATH or\n" \
	"                     nats://HOST:PORT/SUBJECT[?...] (default stdout)\n" \
	"  -h, --help         this text\n" \
	"  --version          the version\n"

struct run_opts {
	int pass;
	int keep;	/* --keep: pass the consumed events through too */
	const char *input, *output;
	/* run_books: checkpoint period in ms (mkt-book --checkpoint); the
	 * consumed events then pass too, since a checkpoint is of use only
	 * beside the stream it continues.  0: none. */
	int64_t checkpoint;
	/* --stats and --metrics (prog/metrics), for the programs that list
	 * METRICS_LONGOPTS; run_books() keeps them itself. */
	struct metrics_opts mo;
};

/* Defaults: standard input and output, pass-through on, --keep off,
 * no metrics. */
void run_opts_init(struct run_opts *o);

/*
 * Handle option c (from getopt_long) if it is a common one; -h calls
 * usage() (which exits); an unknown option is a usage error.
 */
void run_option(int c, char **argv, struct run_opts *o, void (*usage)(void));

/* A duration option's value in ms; anything else is a usage error. */
int64_t run_duration(const char *arg, const char *opt);
/* The same for an option that 0 would make meaningless. */
int64_t run_duration_above0(const char *arg, const char *opt);
/* The same, with the examples the usage error gives ("250ms, 1s, 1m"). */
int64_t run_duration_eg(const char *arg, const char *examples,
    const char *opt);

/*
 * A size option's value in bytes: digits with an optional K, M or G
 * (powers of 1024), within [min, max]; anything else is a usage error.
 */
uint64_t run_size(const char *arg, const char *opt, uint64_t min,
    uint64_t max);

/* After the options: any operand left is a usage error. */
void run_no_operands(int argc, char **argv);

struct run {
	struct in in;
	struct out *out;
	struct buf ob;		/* rendered events waiting to be written */
	int pass;		/* pass unconsumed events through */
	unsigned long dropped;	/* unix: readers dropped, as last reported */
	int coalescing;		/* run_next() made the output coalesce */
	unsigned long lines_out;	/* lines written: events and passes */
	void (*tick)(void *ctx);	/* run_every() */
	void *tick_ctx;
	int64_t tick_ms, tick_next;	/* period; next, monotonic ms */
};

/* Open input and output specs (NULL = standard); dies on failure. */
void run_open(struct run *r, const char *input, const char *output,
    int pass);

/*
 * Call tick(ctx) every ms from run_next() (on time while it waits for
 * input), for periodic work like --stats; the first call comes after ms.
 */
void run_every(struct run *r, int64_t ms, void (*tick)(void *ctx),
    void *ctx);

/*
 * For a program with its own loop instead of run_next(): call the
 * run_every() callback if its time has come, and the longest it may
 * wait (ms; -1: no bound) -- the output's bound (out_wait_ms()),
 * shortened to the next tick.
 */
void run_tick_due(struct run *r);
int64_t run_wait_bound(const struct run *r);

/*
 * The next input line: 1 with the line and its length set, 0 at end of
 * input or when the stop rule below ends the reading.  Overlong lines
 * are reported and skipped here.
 *
 * From its first call on, the output coalesces (out_coalesce): events
 * written while more input is already waiting are held back and go out
 * in large writes, and run_next() pushes them before it would wait for
 * input (and when the oldest has waited OUT_HOLD_MS), so an idle stream
 * gets each event at once.  A program that waits for anything else
 * between calls calls run_idle() first.  A file's block is written
 * within a second: run_next() waits no longer than that.
 *
 * The stop rule is in_stop_due()'s (mkt(7), Signals): after SIGINT or
 * SIGTERM, a pipe or socket is read on to its end (IN_GRACE_MS at most),
 * so that the caller writes its pending windows after those of the
 * stage before it; a file or terminal ends at the signal.
 */
int run_next(struct run *r, const char **line, size_t *len);

/*
 * Push what the output holds back, before the program waits (a program
 * with its own event loop, or one that waits between run_next() calls);
 * EPIPE is a quiet exit 0, other errors fatal.
 */
void run_idle(struct run *r);

/* Number of the line last returned by run_next(). */
static inline long
run_lineno(const struct run *r)
{
	return r->in.lineno;
}

/* Write what is in r->ob (whole events) and reset it. */
void run_flush_events(struct run *r);

/* Pass an input line through (unless --no-pass). */
void run_pass(struct run *r, const char *line, size_t len);

/*
 * Pass a consumed input line through (--keep: whatever --no-pass says),
 * after the events it caused, which must already be in r->ob.
 */
void run_keep(struct run *r, const char *line, size_t len);

/* Flush, close the output, report the bad-line summary; dies on error. */
void run_close(struct run *r);

/*
 * The whole life of a book-keeping filter (mkt-book, mkt-depth): open
 * ro's input and output, keep a bookset (bookset_init() with source,
 * interval, render and ctx; each venue's sync rule), read every line,
 * feed the event types in `consumes` (a mask of EV_BIT) and tickers to
 * it, pass the rest through, write what it renders, and at the end the
 * pending windows; then close.  With ro->keep, each consumed event goes
 * out too, after what it caused (a window it closed, a status, its book).
 */
void run_books(const struct run_opts *ro, const char *source,
    int64_t interval, bookset_render_fn *render, void *ctx,
    unsigned consumes);

#endif
