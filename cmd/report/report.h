/*
 * mkt-report: the parts of the program (mkt-report(1)): main.c reads
 * the fills (a state store or events) into trades and groups, render.c
 * writes the groups, the equity curve and its picture.
 */
#ifndef MKT_REPORT_H
#define MKT_REPORT_H

#include <stdint.h>

#include "base/keymap.h"
#include "trade/roundtrip.h"

enum rep_format { FMT_NDJSON, FMT_CSV, FMT_TEXT };

/* One point of the equity curve: after a trade closed. */
struct rep_point {
	int64_t time_ms;
	struct fx pnl, equity;
	char market[RT_NAME_SZ * 2 + RT_SYMBOL_SZ + 2];
};

struct report {
	int64_t from, to;		/* [from, to), epoch ms */
	struct rt_book book;
	long fills;			/* fills read in the range */
	struct rt_stats total;
	struct keymap markets;		/* "venue:market:symbol" -> rt_stats */
	struct keymap reasons;		/* exit reason -> rt_stats */
	struct rt_stats hour[24], wday[7];
	struct rep_point *pt;
	size_t npt, cappt;
};

/* Count a fill: into its position, and the trade it closes into the
 * groups.  what names it in a warning.  0, or -1 after a warning. */
int rep_add_fill(struct report *r, const struct rt_fill *f,
    const char *what);

/* Read fill and intent events from spec (a file, "-" or unix:PATH) up
 * to r->to, of venue and market when not NULL; bad lines are reported
 * and skipped.  0, or -1 after a message. */
int rep_read_events(struct report *r, const char *spec, const char *venue,
    const char *market);

/* Write the groups to stdout in fmt; dies on a write error. */
void rep_write(const struct report *r, enum rep_format fmt);

/* The equity curve as CSV into path; dies on failure. */
void rep_write_equity(const struct report *r, const char *path);

/* The equity curve as a PNG through gnuplot into path; dies on
 * failure, with the package to install when gnuplot is missing. */
void rep_write_png(const struct report *r, const char *path);

#endif
