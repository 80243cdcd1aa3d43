/*
 * mkt-feed's parts: the options main.c parses, and the two ways it
 * runs: recorded messages (raw.c) and live connections (live.c).
 */
#ifndef MKT_FEED_PARTS_H
#define MKT_FEED_PARTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "io/loop.h"
#include "net/rest.h"
#include "prog/metrics.h"
#include "prog/run.h"
#include "venue/venue.h"

#define RAW_NAME 16	/* --raw's venue and market names, at most */

struct opts {
	const char *raw;
	const struct venue_ops *venue;	/* --raw's */
	char market[RAW_NAME], symbol[VENUE_SYMBOL_LEN];
	unsigned streams;
	int depth_limit;
	int rest, once;
	/* --instruments, --instruments-only, --instruments-cache and
	 * --instruments-max-age (ms) */
	int instruments, instruments_only;
	const char *instruments_cache;
	int64_t instruments_max_age;
	int64_t interval;
	struct metrics_opts mo;	/* --stats, --metrics */
	int64_t duration;	/* --duration, ms; 0: run until stopped */
	const char *ca;
	size_t max_message;
	char **targets;
	int ntargets;
	const char *symbols_file;	/* re-read on SIGHUP */
	const char *markets;	/* --markets: the venues' metadata */
	struct run_opts run;
};

/* --raw: venue messages from the input, through the stream, to events. */
void feed_raw(struct opts *o);

/*
 * Live: WebSocket streams and REST snapshots on one event loop, until a
 * stop signal, --duration, or the end of --once.  The exit status: 1 when
 * --once did not collect every book (named on standard error), else 0.
 */
int feed_live(struct opts *o);

/*
 * --instruments: one instrument event per target t[0..n) appended to out
 * (the events to be written), from the fresh cache file or the venues' lists
 * fetched through rest on loop (attached, its budgets set); the cache
 * rewritten after a fetch.  0; -1 when a stop signal came first (out
 * then untouched).  A failure is reported and exits 1, before anything
 * is appended (instr.c).
 */
int feed_instruments(struct opts *o, const struct venue_target *t, size_t n,
    struct rest *rest, struct loop *loop, struct buf *out);

#endif
