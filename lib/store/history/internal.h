/*
 * history/internal.h: what the parts of the history module share (see
 * history.h).  Not for other modules.
 *
 *   tables.c   the schema, the statements, the handle
 *   ingest.c   events into minute rows, rollups, trades, fills, orders;
 *              pruning
 *   query.c    the queries: series, latest, symbols
 *   candles.c  candle events into minute rows and exact hourly and
 *              daily rollups; their query
 */
#ifndef MKT_HISTORY_INTERNAL_H
#define MKT_HISTORY_INTERNAL_H

#include <stdint.h>

#include "base/keymap.h"
#include "io/db.h"
#include "store/history.h"

#define MINUTE	60000LL
#define HOUR	3600000LL
#define DAY	86400000LL
/* Event times beyond this many ms from the epoch are not placed. */
#define TIME_LIMIT 100000000000000000LL
#define NF	4		/* bid_qty, ask_qty, bid_value, ask_value */
#define EV_BANDS_MAX 64	/* bands in one event */
#define OUT_CHUNK (64 * 1024)

/* The columns of the NF fields, in their order. */
extern const char *const hist_field_col[NF];

/* The aggregates of some minutes of one series. */
struct agg {
	int64_t n, nc;		/* minutes, complete minutes */
	int64_t first, last_t;	/* first and last minute */
	double sum[NF], min[NF], max[NF], last[NF];
};

/* One band of an event, read. */
struct band_in {
	double pct;
	double v[NF];
	int complete;
};

/* One band of one symbol: a row of bands_series. */
struct series {
	int64_t sid;
	double pct;
	int pend;		/* a pending minute, not yet written */
	int pcomplete;
	int64_t pmin;		/* its start */
	int64_t poff;		/* event time - minute start */
	double pv[NF];
	int acc;		/* new minutes of hour ahour, not rolled up */
	int64_t ahour;
	struct agg a;
};

struct sym {
	int64_t id;
	struct series *s;
	size_t n, cap;
};

enum {
	ST_SYM_INS, ST_SYM_GET, ST_SER_INS, ST_SER_GET,
	ST_M_INS, ST_M_GET, ST_M_UPD, ST_M_RANGE,
	ST_H_UP, ST_D_UP, ST_H_PUT, ST_D_PUT, ST_H_RANGE,
	ST_TRADE, ST_FILL, ST_ORDER, ST_COUNT
};

/* An hour of a symbol whose candles changed: rolled up at the flush. */
struct hist_dirty {
	int64_t sid, time;
};

struct history {
	sqlite3 *db;
	struct keymap syms;	/* "venue\0market\0symbol" -> struct sym */
	int64_t cutoff;		/* minutes before it are pruned */
	sqlite3_stmt *st[ST_COUNT];
	struct history_stats stats;
	struct json_obj band;	/* one element of a bands array */
	struct event ev;	/* the line history_add() parses */
	struct band_in *bands;	/* the bands of one event */
	struct db_err dbe;	/* the last database failure */
	sqlite3_stmt *cput[3];	/* candles_1m, _1h, _1d: put a row */
	sqlite3_stmt *crange[2];	/* candles_1m, _1h: rows of a range */
	struct hist_dirty *cdirty;	/* hours to roll up */
	size_t ncdirty, capcdirty;
	char why[200];
	char err[400];
};

/* The database failure in h->dbe as history_errmsg() says it ("STEP:
 * sqlite's message"); -1 with errno EIO. */
int hist_db_failed(struct history *h);

/* Step a statement that returns no row, then reset it; 0, or -1 as
 * hist_db_failed(). */
int hist_done(struct history *h, sqlite3_stmt *st, const char *what);

/* Step a statement that must return one row (a missing row is a failure
 * too); 0 with the row to read, or -1 as hist_db_failed() with st
 * reset. */
int hist_row(struct history *h, sqlite3_stmt *st, const char *what);

/* Skip an event: count it, say why (fmt with one %s); returns 0. */
int hist_skip(struct history *h, const char *fmt, const char *arg);

/* venue, market, symbol of an event of a kept type: 0 with *y, 1 when
 * skipped, -1 on a database error. */
int hist_market_fields(struct history *h, struct event *ev,
    struct sym **y);

/* candles.c: the schema, statements, ingest, rollups and pruning. */
extern const char hist_candle_schema[];
int hist_candle_prepare(struct history *h);
void hist_candle_free(struct history *h);
int hist_add_candle(struct history *h, struct event *ev);
int hist_candle_flush(struct history *h);
int hist_candle_prune(struct history *h, int64_t cutoff, int64_t *deleted);

/* t rounded down to a multiple of unit. */
static inline int64_t
floor_to(int64_t t, int64_t unit)
{
	int64_t q = t / unit;

	if (t % unit < 0)
		q--;
	return q * unit;
}

/* Read a rollup row whose n is column `c` (then the same order). */
static inline void
column_agg(sqlite3_stmt *st, int c, struct agg *a)
{
	int f;

	a->n = sqlite3_column_int64(st, c);
	a->nc = sqlite3_column_int64(st, c + 1);
	a->first = sqlite3_column_int64(st, c + 2);
	a->last_t = sqlite3_column_int64(st, c + 3);
	for (f = 0; f < NF; f++) {
		a->sum[f] = sqlite3_column_double(st, c + 4 + 4 * f);
		a->min[f] = sqlite3_column_double(st, c + 5 + 4 * f);
		a->max[f] = sqlite3_column_double(st, c + 6 + 4 * f);
		a->last[f] = sqlite3_column_double(st, c + 7 + 4 * f);
	}
}

#endif
