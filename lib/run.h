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

#include <stddef.h>

#include "buf.h"
#include "in.h"
#include "out.h"

struct run {
	struct in in;
	struct out *out;
	struct buf ob;		/* rendered events waiting to be written */
	int pass;		/* pass unconsumed events through */
	unsigned long dropped;	/* unix: readers dropped, as last reported */
};

/* Open input and output specs (NULL = standard); dies on failure. */
void run_open(struct run *r, const char *input, const char *output,
    int pass);

/*
 * The next input line: 1 with the line and its length set, 0 at end of
 * input or when a stop signal came.  Overlong lines are reported and
 * skipped here.
 */
int run_next(struct run *r, const char **line, size_t *len);

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

/* Flush, close the output, report the bad-line summary; dies on error. */
void run_close(struct run *r);

#endif
