/*
 * mkt-feed's parts: the options main.c parses, and the two ways it
 * runs: recorded messages (raw.c) and live connections (live.c).
 */
#ifndef MKT_FEED_PARTS_H
#define MKT_FEED_PARTS_H

#include <stddef.h>
#include <stdint.h>

#include "prog/run.h"
#include "venue/venue.h"

#define RAW_NAME 16	/* --raw's venue and market names, at most */

struct opts {
	const char *raw;
	const struct venue_ops *venue;	/* --raw's */
	char market[RAW_NAME], symbol[64];
	unsigned streams;
	int depth_limit;
	int rest, once;
	int64_t interval, stats;
	int64_t duration;	/* --duration, ms; 0: run until stopped */
	const char *ca;
	size_t max_message;
	char **targets;
	int ntargets;
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

#endif
