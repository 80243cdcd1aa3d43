/*
 * history: the history tables of mkt-journal, kept in its SQLite index
 * (DIR/index.db) next to the journal's own tables, and the queries on
 * them.
 *
 * While appending, the journal hands every accepted line to
 * history_add(), inside the write transaction it keeps open between its
 * syncs; this module never begins or commits, it only prepares and runs
 * statements on the connection it is given.  It keeps:
 *
 *   bands_1m     one row per (venue, market, symbol, pct, minute) from
 *                `bands` events: bid/ask qty and value and `complete` of
 *                the last event of that minute by event time (ties: the
 *                one appended later); unique, so appending or replaying
 *                the same events again adds and changes nothing
 *   bands_1h     per (series, hour) and (series, UTC day): per field sum,
 *   bands_1d     min, max and last, the number of minutes, of complete
 *                minutes, and the first and last minute; kept up to date
 *                incrementally as minutes arrive, in any order (the
 *                equivalent of TimescaleDB's continuous aggregates); a
 *                day is derived from its hours, so it survives pruning
 *   trades       one row per trade (venue, market, symbol, agg, id)
 *   fills        one row per fill (venue, market, symbol, order_id,
 *                trade_id)
 *   orders       the latest state of each order (venue, market, symbol,
 *                id) by event time
 *   candles_1m   one row per (venue, market, symbol, minute) from
 *                one-minute `candle` events (mkt-candles --interval 1m;
 *                the last one appended wins); other intervals are
 *                skipped
 *   candles_1h   per (symbol, hour) and (symbol, UTC day): the candle
 *   candles_1d   of its minutes (of its hours), recomputed exactly at
 *                each flush from the rows below: open the first, close
 *                the last, high the greatest, low the least, volumes and
 *                counts summed; a day survives the pruning of minutes
 *
 * Numbers are stored as REAL (binary doubles, correctly rounded from the
 * event's exact decimal text): these tables are derived analytics; the
 * exact events stay in the journal's segments.  The candle tables are
 * the exception: exact decimal TEXT, so that an hour is the exact sum
 * of its minutes.
 *
 * To keep loading fast, history_add() buffers a little in memory: the
 * latest event of each series' newest minute (so that a stream with many
 * events per minute costs one write per minute), and the minutes of an
 * hour not yet added to their hour and day rows.  history_flush() writes
 * all of it and must be called before every COMMIT of the transaction
 * history_add() ran in; history_free() discards what was not flushed.
 *
 * A large page cache helps bulk loads (PRAGMA cache_size=-65536 or
 * more): the minute rows are clustered by series, so a load in time order
 * writes to one page per series.
 */
#ifndef MKT_HISTORY_H
#define MKT_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "base/buf.h"
#include "base/attr.h"
#include "event/event.h"

struct history;

struct history_stats {
	uint64_t bands;		/* bands events used */
	uint64_t minutes_new;	/* minute rows inserted */
	uint64_t minutes_changed; /* minute rows given other values */
	uint64_t minutes_kept;	/* events that changed no row (an earlier
				 * event of a stored minute, or the same) */
	uint64_t too_old;	/* bands events before the prune cutoff */
	uint64_t trades, fills, orders;	/* rows inserted or updated */
	uint64_t candles;	/* candle minutes written */
	uint64_t skipped;	/* events of a kept type that were unusable */
};

/*
 * Create the tables and indexes when absent (CREATE ... IF NOT EXISTS,
 * stable names; safe to run on every open).  0, or -1 (the reason in
 * sqlite3_errmsg(db)).
 */
int history_schema(sqlite3 *db) WUR;

/*
 * Start keeping history in db (open and writable): creates the schema,
 * prepares the statements and reads the prune cutoff.  The caller keeps
 * db and closes it after history_free().  NULL with errno (EIO for a
 * database error: history_errmsg is then unavailable, use
 * sqlite3_errmsg(db); ENOMEM).
 */
struct history *history_new(sqlite3 *db);

/* Release h without writing anything; h may be NULL. */
void history_free(struct history *h);

/*
 * Take one event line (its bytes, without the newline).  Keeps bands,
 * trade, order and fill events; ignores every other line, including
 * invalid JSON (the journal decides what it accepts).  An event of a
 * kept type that cannot be used (a missing field, a number that is not
 * one) is counted in stats.skipped and described by history_why().
 * Returns 0, or -1 on a database error (history_errmsg()).
 */
int history_add(struct history *h, const char *line, size_t len) WUR;

/*
 * The same for a line the caller has already parsed with event_parse()
 * or event_parse_for() (ev points into that line, which must still be
 * there).  Saves a second parse in a program that reads the line anyway.
 */
int history_add_event(struct history *h, struct event *ev) WUR;

/*
 * Write everything history_add() buffered, inside the caller's open
 * transaction.  Call it before every COMMIT.  0, or -1 on a database
 * error.
 */
int history_flush(struct history *h) WUR;

/*
 * Delete the minute rows older than cutoff_ms rounded down to a whole
 * UTC hour (so every hour keeps all or none of its minutes), after a
 * history_flush().  The hourly and daily rollups, trades, fills and
 * orders stay.  The cutoff is remembered in the database: later bands
 * events for minutes before it are ignored (stats.too_old), since they
 * could no longer be rolled up exactly.  *deleted (when not NULL) gets
 * the number of minute rows deleted.  0, or -1 on a database error.
 */
int history_prune(struct history *h, int64_t cutoff_ms, int64_t *deleted)
    WUR;

const struct history_stats *history_stats(const struct history *h);

/* Why the last skipped event was skipped ("" when none). */
const char *history_why(const struct history *h);

/* The last database error, with the step that failed. */
const char *history_errmsg(const struct history *h);

/* ---- queries: they only read, on any connection to the database ---- */

enum history_format {
	HISTORY_NDJSON,
	HISTORY_CSV,		/* RFC 4180, with a header line */
};

/*
 * Where query output goes: lines are appended to buf; when flush is not
 * NULL it is called whenever buf holds 64 KiB or more and once at the
 * end, and must consume the buffer (write it out and buf_reset it),
 * returning 0 or -1 to stop the query (its errno is kept).  Without a
 * flush callback the whole output stays in buf.
 */
struct history_out {
	struct buf *buf;
	enum history_format format;
	int (*flush)(void *arg, struct buf *b);
	void *arg;
};

enum history_res {
	HISTORY_AUTO,		/* by the range: <= 2 days minute, <= 90 days
				 * hour, else day; hour too when minutes
				 * before the range's start were pruned */
	HISTORY_MINUTE,
	HISTORY_HOUR,
	HISTORY_DAY,
};

enum history_agg {
	HISTORY_AVG,		/* sum / n */
	HISTORY_MIN,
	HISTORY_MAX,
	HISTORY_LAST,
	HISTORY_SUM,
	HISTORY_COUNT,		/* minutes in the bucket */
};

enum history_field {
	HISTORY_BID_QTY,
	HISTORY_ASK_QTY,
	HISTORY_BID_VALUE,
	HISTORY_ASK_VALUE,
	/* 100 * (bid - ask) / (bid + ask), 0 when both are 0, as the ratio of
	 * mkt-diff; of an hour or day: of the sums (avg) or of the last
	 * values (last); no min, max or sum. */
	HISTORY_IMBALANCE,
	HISTORY_VALUE_IMBALANCE,
};

/* Names as on command lines; -1 for an unknown one. */
int history_res_parse(const char *s);
int history_agg_parse(const char *s);
int history_field_parse(const char *s);
const char *history_res_name(enum history_res r);

struct history_series_q {
	const char *venue;	/* NULL: any, when the symbol is in only one */
	const char *market;	/* venue and market */
	const char *symbol;
	double pct;
	enum history_field field;
	int field_set;		/* 0: field is the default (bid_qty; of
				 * mkt-diff's TOTAL sums, bid_value) */
	enum history_res res;
	enum history_agg agg;	/* for hour and day; minutes are values */
	int64_t from, to;	/* epoch ms, inclusive; INT64_MIN, INT64_MAX:
				 * open */
};

/*
 * A chart series: one line {"time":T,"value":V} (CSV: time,value) per
 * minute, hour or UTC day, oldest first; T is the bucket's start (epoch
 * ms), and a bucket is in when it overlaps [from, to].  *used (when not
 * NULL) gets the resolution used.  An unknown symbol or band is an error
 * (ENOENT), as is an ambiguous one (EINVAL) or an aggregate the field
 * does not have; why gets the reason, with what to ask instead: every
 * venue and market holding the symbol, or the symbols there are.  Of
 * mkt-diff's sums (TOTAL, TOTAL1, TOTAL2) only the value fields are
 * kept: field_set 0 means bid_value for them, and a quantity field is
 * an error (EINVAL).  0, or -1 with errno and why.
 */
int history_series(sqlite3 *db, const struct history_series_q *q,
    struct history_out *out, enum history_res *used, char *why,
    size_t whylen) WUR;

/*
 * The newest minute of each symbol (NULL filters match all), one line
 * {"venue":..,"market":..,"symbol":..,"time":T,"bands":[{"pct":..,
 * "bid_qty":..,"ask_qty":..,"bid_value":..,"ask_value":..,
 * "complete":true},...]}; CSV: one row per band, venue,market,symbol,
 * time,pct,bid_qty,ask_qty,bid_value,ask_value,complete.  A symbol whose
 * minutes were all pruned shows the last values of its newest hour.
 */
int history_latest(sqlite3 *db, const char *venue, const char *market,
    const char *symbol, struct history_out *out, char *why, size_t whylen)
    WUR;

/*
 * Per symbol with bands (NULL filters match all): {"venue":..,"market":..,
 * "symbol":..,"pcts":[..],"minutes":N,"oldest":T,"newest":T,"days":N,
 * "minutes_kept":N,"kept_oldest":T}: minutes ever recorded (those of the
 * band with the most), the first and last minute, the UTC days with
 * data, and the minutes still held at minute resolution and the first of
 * them (null when none).  CSV has the same columns, pcts joined by ','.
 */
int history_symbols(sqlite3 *db, const char *venue, const char *market,
    const char *symbol, struct history_out *out, char *why, size_t whylen)
    WUR;

/*
 * Candles of one symbol (venue and market may be NULL when the symbol
 * has candles in only one), as candle events (mkt-events(5)) with
 * interval 60000, 3600000 or 86400000 and time the bucket's start, one
 * per minute, hour or UTC day with trades that overlaps [from, to],
 * oldest first; CSV: time,open,high,low,close,volume,quote_volume,
 * trades,buy_volume.  q's pct, field and agg are not used.  HISTORY_AUTO
 * picks as history_series() does.  *used (when not NULL) gets the
 * resolution used.  An unknown or ambiguous symbol is an error (ENOENT,
 * EINVAL) whose why says what there is.  0, or -1 with errno and why.
 */
int history_candles(sqlite3 *db, const struct history_series_q *q,
    struct history_out *out, enum history_res *used, char *why,
    size_t whylen) WUR;

/*
 * A double as the shortest decimal that reads back as the same double,
 * never in exponent form ("100000", "0.00000125"); "null" when not
 * finite.  dst needs HISTORY_NUM_MAX bytes.  Returns the length.
 */
#define HISTORY_NUM_MAX 352
int history_fmt_num(char *dst, double v);

#endif
