/*
 * history/candles.c: the candle history of mkt-journal (see history.h):
 * one-minute candle events into candles_1m, their hours and UTC days
 * rolled up exactly into candles_1h and candles_1d, and the query that
 * reads them back as candle events.
 *
 * Unlike the bands tables, the figures are kept as exact decimal TEXT:
 * a candle is a sum of trades, and its hour is the exact sum of its
 * minutes (high the greatest, low the least, open the first, close the
 * last), which binary doubles could not give back digit for digit.  An
 * hour is recomputed from its minutes and a day from its hours at each
 * flush, so a minute appended twice or out of order changes nothing
 * else, and a day survives the pruning of its minutes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "event/candle.h"
#include "internal.h"

#define CANDLE_COLS \
	"symbol_id INTEGER NOT NULL, time INTEGER NOT NULL, " \
	"open TEXT NOT NULL, high TEXT NOT NULL, low TEXT NOT NULL, " \
	"close TEXT NOT NULL, volume TEXT NOT NULL, " \
	"quote_volume TEXT NOT NULL, trades INTEGER NOT NULL, " \
	"buy_volume TEXT NOT NULL, PRIMARY KEY(symbol_id, time)"

const char hist_candle_schema[] =
	"CREATE TABLE IF NOT EXISTS candles_1m(" CANDLE_COLS
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS candles_1h(" CANDLE_COLS
	") WITHOUT ROWID;\n"
	"CREATE TABLE IF NOT EXISTS candles_1d(" CANDLE_COLS
	") WITHOUT ROWID;\n";

/* The columns after symbol_id and time, in their order. */
#define CANDLE_SELECT "time, open, high, low, close, volume, quote_volume, " \
	"trades, buy_volume"

static const char *const put_sql[3] = {
	"INSERT OR REPLACE INTO candles_1m VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
	"?7, ?8, ?9, ?10)",
	"INSERT OR REPLACE INTO candles_1h VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
	"?7, ?8, ?9, ?10)",
	"INSERT OR REPLACE INTO candles_1d VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
	"?7, ?8, ?9, ?10)",
};

static const char *const range_sql[2] = {
	"SELECT " CANDLE_SELECT " FROM candles_1m WHERE symbol_id = ?1 AND "
	"time >= ?2 AND time < ?3 ORDER BY time",
	"SELECT " CANDLE_SELECT " FROM candles_1h WHERE symbol_id = ?1 AND "
	"time >= ?2 AND time < ?3 ORDER BY time",
};

static void
bind_fx(sqlite3_stmt *st, int i, struct fx v)
{
	char tmp[FX_BUFSZ];

	sqlite3_bind_text(st, i, fx_str(fx_trim(v), tmp), -1,
	    SQLITE_TRANSIENT);
}

static void
bind_candle(sqlite3_stmt *st, int64_t sid, int64_t time,
    const struct candle *c)
{
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, time);
	bind_fx(st, 3, c->open);
	bind_fx(st, 4, c->high);
	bind_fx(st, 5, c->low);
	bind_fx(st, 6, c->close);
	bind_fx(st, 7, c->volume);
	bind_fx(st, 8, c->quote_volume);
	sqlite3_bind_int64(st, 9, c->trades);
	bind_fx(st, 10, c->buy_volume);
}

static int
column_fx(sqlite3_stmt *st, int col, struct fx *v)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	if (!s || fx_parse(s, strlen(s), v) != FX_OK)
		return -1;
	return 0;
}

/* A row of CANDLE_SELECT into c (figures only); -1 when a figure in
 * the table is not a decimal (a table edited by hand). */
static int
hist_candle_row(sqlite3_stmt *st, struct candle *c)
{
	c->open_time = sqlite3_column_int64(st, 0);
	c->trades = sqlite3_column_int64(st, 7);
	if (column_fx(st, 1, &c->open) < 0 || column_fx(st, 2, &c->high) < 0 ||
	    column_fx(st, 3, &c->low) < 0 || column_fx(st, 4, &c->close) < 0 ||
	    column_fx(st, 5, &c->volume) < 0 ||
	    column_fx(st, 6, &c->quote_volume) < 0 ||
	    column_fx(st, 8, &c->buy_volume) < 0)
		return -1;
	return 0;
}

/* Prepare the candle statements (once, with the others). */
int
hist_candle_prepare(struct history *h)
{
	int i;

	for (i = 0; i < 3; i++)
		if (db_prepare(h->db, put_sql[i], DB_PERSISTENT,
		    &h->cput[i], "prepare a statement", &h->dbe) < 0)
			return -1;
	for (i = 0; i < 2; i++)
		if (db_prepare(h->db, range_sql[i], DB_PERSISTENT,
		    &h->crange[i], "prepare a statement", &h->dbe) < 0)
			return -1;
	return 0;
}

void
hist_candle_free(struct history *h)
{
	int i;

	for (i = 0; i < 3; i++)
		sqlite3_finalize(h->cput[i]);
	for (i = 0; i < 2; i++)
		sqlite3_finalize(h->crange[i]);
	free(h->cdirty);
}

/* Remember that the hour of (sid, minute) needs its rollups. */
static int
mark_dirty(struct history *h, int64_t sid, int64_t hour)
{
	struct hist_dirty *d;

	if (h->ncdirty && h->cdirty[h->ncdirty - 1].sid == sid &&
	    h->cdirty[h->ncdirty - 1].time == hour)
		return 0;
	if (fs_grow((void **)&h->cdirty, &h->capcdirty, h->ncdirty + 1,
	    sizeof *h->cdirty) < 0) {
		snprintf(h->err, sizeof h->err, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	d = &h->cdirty[h->ncdirty++];
	d->sid = sid;
	d->time = hour;
	return 0;
}

int
hist_add_candle(struct history *h, struct event *ev)
{
	struct candle c;
	struct sym *y;
	int r;

	if (candle_read(ev, &c, h->why, sizeof h->why) < 0) {
		h->stats.skipped++;
		return 0;
	}
	if (c.interval != MINUTE)
		return hist_skip(h, "a candle of %s: only 1m candles are "
		    "kept", "another interval");
	if (c.open_time % MINUTE != 0 || c.open_time < -TIME_LIMIT ||
	    c.open_time > TIME_LIMIT)
		return hist_skip(h, "field '%s' is not the start of a "
		    "minute", "open_time");
	if (c.open_time < h->cutoff) {
		h->stats.too_old++;
		return 0;
	}
	r = hist_market_fields(h, ev, &y);
	if (r != 0)
		return r < 0 ? -1 : 0;
	bind_candle(h->cput[0], y->id, c.open_time, &c);
	if (hist_done(h, h->cput[0], "insert into candles_1m") < 0)
		return -1;
	h->stats.candles++;
	return mark_dirty(h, y->id, floor_to(c.open_time, HOUR));
}

/*
 * A bucket whose sums pass 38 digits (candles no venue trades), or
 * with a row whose figures cannot be read back, has no row rather than
 * a wrong one; counted as skipped, not a failure, so that one bad event
 * cannot stop the journal's syncs.
 */
static int
drop_bucket(struct history *h, int level, int64_t sid, int64_t from)
{
	static const char *const sql[2] = {
		"DELETE FROM candles_1h WHERE symbol_id = ?1 AND time = ?2",
		"DELETE FROM candles_1d WHERE symbol_id = ?1 AND time = ?2",
	};

	h->stats.skipped++;
	snprintf(h->why, sizeof h->why, "candles of %lld: a sum past 38 "
	    "digits", (long long)from);
	if (db_change(h->db, sql[level], sid, from, "prune candles",
	    &h->dbe) < 0)
		return hist_db_failed(h);
	return 0;
}

/*
 * Roll the rows of one table (0: minutes, 1: hours) in [from, from +
 * span) up into one row at from of the next table; no rows, no row.
 */
static int
roll_up(struct history *h, int level, int64_t sid, int64_t from,
    int64_t span)
{
	sqlite3_stmt *st = h->crange[level];
	struct candle sum, one;
	int r;

	memset(&sum, 0, sizeof sum);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, from + span);
	while ((r = db_step(st, "read candles", &h->dbe)) > 0) {
		/* A row whose figure cannot be read back (a sum at the
		 * edge of 38 digits) is treated as one past them. */
		if (hist_candle_row(st, &one) < 0 ||
		    candle_merge(&sum, &one) < 0) {
			sqlite3_reset(st);
			return drop_bucket(h, level, sid, from);
		}
	}
	sqlite3_reset(st);
	if (r < 0)
		return hist_db_failed(h);
	if (sum.trades == 0)
		return 0;
	bind_candle(h->cput[level + 1], sid, from, &sum);
	return hist_done(h, h->cput[level + 1], level ? "insert into "
	    "candles_1d" : "insert into candles_1h");
}

static int
dirty_cmp(const void *a, const void *b)
{
	const struct hist_dirty *x = a, *y = b;

	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return x->time < y->time ? -1 : x->time > y->time;
}

int
hist_candle_flush(struct history *h)
{
	size_t i;
	int64_t sid = 0, day = 0;
	int have = 0;

	if (h->ncdirty == 0)
		return 0;
	qsort(h->cdirty, h->ncdirty, sizeof *h->cdirty, dirty_cmp);
	/* Sorted, the hours of one day follow each other: each hour
	 * once, then its day once after its last hour. */
	for (i = 0; i < h->ncdirty; i++) {
		const struct hist_dirty *d = &h->cdirty[i];

		if (i && d->sid == d[-1].sid && d->time == d[-1].time)
			continue;
		if (have && (d->sid != sid || floor_to(d->time, DAY) != day) &&
		    roll_up(h, 1, sid, day, DAY) < 0)
			return -1;
		if (roll_up(h, 0, d->sid, d->time, HOUR) < 0)
			return -1;
		sid = d->sid;
		day = floor_to(d->time, DAY);
		have = 1;
	}
	if (roll_up(h, 1, sid, day, DAY) < 0)
		return -1;
	h->ncdirty = 0;
	return 0;
}

int
hist_candle_prune(struct history *h, int64_t cutoff, int64_t *deleted)
{
	static const char step[] = "prune candles_1m";
	sqlite3_stmt *st;

	if (db_prepare(h->db, "DELETE FROM candles_1m WHERE time < ?1", 0,
	    &st, step, &h->dbe) < 0)
		return hist_db_failed(h);
	sqlite3_bind_int64(st, 1, cutoff);
	if (db_done(st, step, &h->dbe) < 0) {
		sqlite3_finalize(st);
		return hist_db_failed(h);
	}
	*deleted += sqlite3_changes(h->db);
	sqlite3_finalize(st);
	return 0;
}

/* ---- the query ---- */

/* Query state: the output and where errors go. */
struct cq {
	sqlite3 *db;
	struct history_out *out;
	char *why;
	size_t whylen;
	struct db_err dbe;
};

static int
cq_dbfail(struct cq *q, const char *step)
{
	db_fail(&q->dbe, q->db, sqlite3_errcode(q->db), step);
	snprintf(q->why, q->whylen, "%s: %s", q->dbe.step, q->dbe.msg);
	errno = EIO;
	return -1;
}

static int
cq_prepare(struct cq *q, const char *sql, sqlite3_stmt **st)
{
	if (db_prepare(q->db, sql, 0, st, "query", &q->dbe) < 0) {
		snprintf(q->why, q->whylen, "%s: %s", q->dbe.step,
		    q->dbe.msg);
		errno = EIO;
		return -1;
	}
	return 0;
}

/* After each output line: the buffer's health, and a flush when due. */
static int
cq_line(struct cq *q, int last)
{
	struct buf *b = q->out->buf;

	if (buf_failed(b)) {
		errno = buf_failed(b);
		snprintf(q->why, q->whylen, "output: %s", strerror(errno));
		return -1;
	}
	if (q->out->flush && (b->len >= OUT_CHUNK || (last && b->len > 0)) &&
	    q->out->flush(q->out->arg, b) < 0) {
		int e = errno;

		snprintf(q->why, q->whylen, "output: %s", strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}

/* Does the journal have candle tables? 1, 0, or -1. */
static int
cq_has_tables(struct cq *q)
{
	sqlite3_stmt *st;
	int r;

	if (cq_prepare(q, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
	    "AND name = 'candles_1d'", &st) < 0)
		return -1;
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return cq_dbfail(q, "query");
	return r == SQLITE_ROW;
}

/* Append to why the venue:market pairs (or symbols, all) of sql. */
static int
cq_list(struct cq *q, struct buf *b, const char *sql, const char *symbol)
{
	sqlite3_stmt *st;
	int r, n = 0;

	if (cq_prepare(q, sql, &st) < 0)
		return -1;
	if (symbol)
		sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 12) {
			buf_adds(b, ", ...");
			break;
		}
		if (n > 1)
			buf_adds(b, ", ");
		buf_adds(b, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return cq_dbfail(q, "query");
	if (n == 0)
		buf_adds(b, "none");
	return n;
}

/* The symbol's id with its names: 0, or -1 with ENOENT / EINVAL. */
static int
find_symbol(struct cq *q, const struct history_series_q *s, int64_t *id,
    struct candle *names)
{
	sqlite3_stmt *st;
	struct buf b;
	int r, n = 0;

	if (cq_prepare(q, "SELECT s.id, s.venue, s.market FROM "
	    "hist_symbols s WHERE s.symbol = ?1 AND (?2 IS NULL OR "
	    "s.venue = ?2) AND (?3 IS NULL OR s.market = ?3) AND EXISTS "
	    "(SELECT 1 FROM candles_1d d WHERE d.symbol_id = s.id) "
	    "ORDER BY s.venue, s.market", &st) < 0)
		return -1;
	sqlite3_bind_text(st, 1, s->symbol, -1, SQLITE_STATIC);
	if (s->venue)
		sqlite3_bind_text(st, 2, s->venue, -1, SQLITE_STATIC);
	if (s->market)
		sqlite3_bind_text(st, 3, s->market, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0) {
			*id = sqlite3_column_int64(st, 0);
			snprintf(names->venue, sizeof names->venue, "%s",
			    (const char *)sqlite3_column_text(st, 1));
			snprintf(names->market, sizeof names->market, "%s",
			    (const char *)sqlite3_column_text(st, 2));
			snprintf(names->symbol, sizeof names->symbol, "%s",
			    s->symbol);
		}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return cq_dbfail(q, "query");
	if (n == 1)
		return 0;
	buf_init(&b, 1 << 16);
	if (n > 1) {
		buf_addf(&b, "symbol '%s' has candles in ", s->symbol);
		r = cq_list(q, &b, "SELECT s.venue || ':' || s.market FROM "
		    "hist_symbols s WHERE s.symbol = ?1 AND EXISTS (SELECT 1 "
		    "FROM candles_1d d WHERE d.symbol_id = s.id) ORDER BY 1",
		    s->symbol);
		buf_adds(&b, ": give the venue and market");
		errno = EINVAL;
	} else {
		buf_addf(&b, "no candles of symbol '%s'%s%s%s%s; the journal "
		    "has candles of ", s->symbol, s->venue ? " in " : "",
		    s->venue ? s->venue : "", s->market ? ":" : "",
		    s->market ? s->market : "");
		r = cq_list(q, &b, "SELECT DISTINCT s.symbol FROM "
		    "hist_symbols s JOIN candles_1d d ON d.symbol_id = s.id "
		    "ORDER BY 1", NULL);
		errno = ENOENT;
	}
	if (r >= 0)
		snprintf(q->why, q->whylen, "%.*s", buf_failed(&b) ? 0 :
		    (int)b.len, b.p);
	buf_free(&b);
	return -1;
}

/* The resolution for HISTORY_AUTO: by the range as far as the symbol
 * has candles, as history_series() picks it. */
static int
candle_auto_res(struct cq *q, int64_t id, int64_t from, int64_t to,
    enum history_res *res)
{
	int64_t lo = from, hi = to, cutoff = INT64_MIN;
	sqlite3_stmt *st;
	int r;

	if (cq_prepare(q, "SELECT min(time), max(time), (SELECT v FROM "
	    "hist_meta WHERE k = 'minute_cutoff') FROM candles_1h WHERE "
	    "symbol_id = ?1", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		int64_t first = sqlite3_column_int64(st, 0);
		int64_t last = sqlite3_column_int64(st, 1) + HOUR - 1;

		if (lo < first)
			lo = first;
		if (hi > last)
			hi = last;
	}
	if (r == SQLITE_ROW && sqlite3_column_type(st, 2) != SQLITE_NULL)
		cutoff = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return cq_dbfail(q, "query");
	if (hi < lo)
		hi = lo;
	if (lo == INT64_MIN || hi == INT64_MAX)
		*res = HISTORY_DAY;
	else if (hi - lo <= 2 * DAY && lo >= cutoff)
		*res = HISTORY_MINUTE;
	else if (hi - lo <= 90 * DAY)
		*res = HISTORY_HOUR;
	else
		*res = HISTORY_DAY;
	return 0;
}

static void
put_csv_fx(struct buf *b, struct fx v)
{
	buf_addc(b, ',');
	buf_add_fx(b, fx_trim(v));
}

static void
put_candle(struct buf *b, const struct candle *c, int csv)
{
	if (!csv) {
		candle_render(b, c);
		return;
	}
	buf_addi(b, c->open_time);
	put_csv_fx(b, c->open);
	put_csv_fx(b, c->high);
	put_csv_fx(b, c->low);
	put_csv_fx(b, c->close);
	put_csv_fx(b, c->volume);
	put_csv_fx(b, c->quote_volume);
	buf_addc(b, ',');
	buf_addi(b, c->trades);
	put_csv_fx(b, c->buy_volume);
	buf_addc(b, '\n');
}

/* Write the rows of the table of c->interval in [from, to]. */
static int
put_rows(struct cq *q, int64_t id, struct candle *c, int64_t from,
    int64_t to)
{
	static const char *const sql[] = {
		"SELECT " CANDLE_SELECT " FROM candles_1m WHERE "
		"symbol_id = ?1 AND time BETWEEN ?2 AND ?3 ORDER BY time",
		"SELECT " CANDLE_SELECT " FROM candles_1h WHERE "
		"symbol_id = ?1 AND time BETWEEN ?2 AND ?3 ORDER BY time",
		"SELECT " CANDLE_SELECT " FROM candles_1d WHERE "
		"symbol_id = ?1 AND time BETWEEN ?2 AND ?3 ORDER BY time",
	};
	int csv = q->out->format == HISTORY_CSV;
	int level = c->interval == MINUTE ? 0 : c->interval == HOUR ? 1 : 2;
	sqlite3_stmt *st;
	int r;

	if (cq_prepare(q, sql[level], &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	if (csv)
		buf_adds(q->out->buf, "time,open,high,low,close,volume,"
		    "quote_volume,trades,buy_volume\n");
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (hist_candle_row(st, c) < 0) {
			snprintf(q->why, q->whylen, "candles: a figure that "
			    "is not a decimal at %lld",
			    (long long)sqlite3_column_int64(st, 0));
			sqlite3_finalize(st);
			errno = EIO;
			return -1;
		}
		put_candle(q->out->buf, c, csv);
		if (cq_line(q, 0) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return cq_dbfail(q, "query");
	return cq_line(q, 1);
}

int
history_candles(sqlite3 *db, const struct history_series_q *s,
    struct history_out *out, enum history_res *used, char *why,
    size_t whylen)
{
	struct cq q = { .db = db, .out = out, .why = why, .whylen = whylen };
	enum history_res res = s->res;
	int64_t id = 0, from = s->from, unit;
	struct candle c;
	int r;

	why[0] = '\0';
	memset(&c, 0, sizeof c);
	if (s->from > s->to) {
		snprintf(why, whylen, "the range ends before it starts");
		errno = EINVAL;
		return -1;
	}
	r = cq_has_tables(&q);
	if (r <= 0) {
		if (r == 0) {
			snprintf(why, whylen, "no history tables");
			errno = ENOENT;
		}
		return -1;
	}
	if (find_symbol(&q, s, &id, &c) < 0)
		return -1;
	if (res == HISTORY_AUTO &&
	    candle_auto_res(&q, id, s->from, s->to, &res) < 0)
		return -1;
	if (used)
		*used = res;
	unit = res == HISTORY_MINUTE ? MINUTE : res == HISTORY_HOUR ? HOUR :
	    DAY;
	/* A bucket is in when it overlaps the range. */
	if (from > INT64_MIN + unit)
		from = floor_to(from, unit);
	c.interval = unit;
	return put_rows(&q, id, &c, from, s->to);
}
