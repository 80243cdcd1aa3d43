/*
 * history: mkt-journal's history tables and their queries (see
 * history.h).
 *
 * Writing: a bands event becomes, per band, a pending minute in memory
 * (the event of the series' newest minute with the latest time); when
 * the series moves to another minute, or at history_flush(), the pending
 * minute is written with INSERT OR IGNORE.  A new row is added to the
 * series' hour accumulator (the new minutes of one hour, in memory),
 * which goes into bands_1h and bands_1d as one delta upsert when the
 * series moves to another hour or at the flush.  A row that exists is
 * compared: an earlier event of that minute, or the same values, change
 * nothing; other values replace the row and its hour is recomputed from
 * its minute rows, and its day from its hour rows (sums are never
 * corrected by subtraction, so no rounding error accumulates).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "base/keymap.h"

#define MINUTE	60000LL
#define HOUR	3600000LL
#define DAY	86400000LL
/* Event times beyond this many ms from the epoch are not placed. */
#define TIME_LIMIT 100000000000000000LL
#define NF	4		/* bid_qty, ask_qty, bid_value, ask_value */
#define EV_BANDS_MAX 64	/* bands in one event */
#define OUT_CHUNK (64 * 1024)

static const char *const field_col[NF] = {
	"bid_qty", "ask_qty", "bid_value", "ask_value",
};

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
	int acc;		/* new minutes of hour ahour, not yet rolled up */
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

struct history {
	sqlite3 *db;
	struct keymap syms;	/* "venue\0market\0symbol" -> struct sym */
	int64_t cutoff;		/* minutes before it are pruned */
	sqlite3_stmt *st[ST_COUNT];
	struct history_stats stats;
	struct json_obj band;	/* one element of a bands array */
	struct event ev;	/* the line history_add() parses */
	struct band_in *bands;	/* the bands of one event */
	char why[200];
	char err[400];
};

/* ---- schema ---- */

#define ROLLUP_COLS(t) \
	"CREATE TABLE IF NOT EXISTS " t "(" \
	"sid INTEGER NOT NULL, time INTEGER NOT NULL, " \
	"n INTEGER NOT NULL, n_complete INTEGER NOT NULL, " \
	"first_time INTEGER NOT NULL, last_time INTEGER NOT NULL, " \
	"bid_qty_sum REAL NOT NULL, bid_qty_min REAL NOT NULL, " \
	"bid_qty_max REAL NOT NULL, bid_qty_last REAL NOT NULL, " \
	"ask_qty_sum REAL NOT NULL, ask_qty_min REAL NOT NULL, " \
	"ask_qty_max REAL NOT NULL, ask_qty_last REAL NOT NULL, " \
	"bid_value_sum REAL NOT NULL, bid_value_min REAL NOT NULL, " \
	"bid_value_max REAL NOT NULL, bid_value_last REAL NOT NULL, " \
	"ask_value_sum REAL NOT NULL, ask_value_min REAL NOT NULL, " \
	"ask_value_max REAL NOT NULL, ask_value_last REAL NOT NULL, " \
	"PRIMARY KEY(sid, time)) WITHOUT ROWID;\n"

#define SERIES_VIEW(v, t) \
	"CREATE VIEW IF NOT EXISTS " v " AS SELECT s.venue, s.market, " \
	"s.symbol, b.pct, r.* FROM " t " r JOIN bands_series b ON " \
	"b.id = r.sid JOIN hist_symbols s ON s.id = b.symbol_id;\n"

#define SYMBOL_VIEW(v, t) \
	"CREATE VIEW IF NOT EXISTS " v " AS SELECT s.venue, s.market, " \
	"s.symbol, r.* FROM " t " r JOIN hist_symbols s ON " \
	"s.id = r.symbol_id;\n"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS hist_meta("
	"k TEXT PRIMARY KEY, v TEXT NOT NULL);\n"
	"INSERT OR IGNORE INTO hist_meta VALUES('format', '1');\n"
	"CREATE TABLE IF NOT EXISTS hist_symbols("
	"id INTEGER PRIMARY KEY, venue TEXT NOT NULL, market TEXT NOT NULL, "
	"symbol TEXT NOT NULL, UNIQUE(venue, market, symbol));\n"
	"CREATE TABLE IF NOT EXISTS bands_series("
	"id INTEGER PRIMARY KEY, symbol_id INTEGER NOT NULL, "
	"pct REAL NOT NULL, UNIQUE(symbol_id, pct));\n"
	"CREATE TABLE IF NOT EXISTS bands_1m("
	"sid INTEGER NOT NULL, time INTEGER NOT NULL, off INTEGER NOT NULL, "
	"complete INTEGER NOT NULL, bid_qty REAL NOT NULL, "
	"ask_qty REAL NOT NULL, bid_value REAL NOT NULL, "
	"ask_value REAL NOT NULL, PRIMARY KEY(sid, time)) WITHOUT ROWID;\n"
	ROLLUP_COLS("bands_1h")
	ROLLUP_COLS("bands_1d")
	"CREATE TABLE IF NOT EXISTS trades("
	"symbol_id INTEGER NOT NULL, agg INTEGER NOT NULL, id NOT NULL, "
	"time INTEGER, side TEXT, price REAL NOT NULL, qty REAL NOT NULL, "
	"PRIMARY KEY(symbol_id, agg, id)) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS trades_time ON trades(symbol_id, time);\n"
	"CREATE TABLE IF NOT EXISTS fills("
	"symbol_id INTEGER NOT NULL, order_id NOT NULL, trade_id NOT NULL, "
	"id, time INTEGER, side TEXT, price REAL NOT NULL, "
	"qty REAL NOT NULL, fee REAL, fee_asset TEXT, "
	"PRIMARY KEY(symbol_id, order_id, trade_id)) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS fills_time ON fills(time);\n"
	"CREATE TABLE IF NOT EXISTS orders("
	"symbol_id INTEGER NOT NULL, id NOT NULL, time INTEGER, "
	"client_id, order_id, side TEXT, kind TEXT, status TEXT, qty REAL, "
	"price REAL, filled_qty REAL, avg_price REAL, "
	"PRIMARY KEY(symbol_id, id)) WITHOUT ROWID;\n"
	SERIES_VIEW("bands_1m_v", "bands_1m")
	SERIES_VIEW("bands_1h_v", "bands_1h")
	SERIES_VIEW("bands_1d_v", "bands_1d")
	SYMBOL_VIEW("trades_v", "trades")
	SYMBOL_VIEW("fills_v", "fills")
	SYMBOL_VIEW("orders_v", "orders");

int
history_schema(sqlite3 *db)
{
	if (sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* The upsert that adds an accumulator (a delta) to a rollup row: the
 * same combination as agg_merge(). */
static void
rollup_upsert_sql(char *dst, size_t cap, const char *table)
{
	size_t n;
	int f;

	n = (size_t)snprintf(dst, cap, "INSERT INTO %s VALUES(?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
	    "?18, ?19, ?20, ?21, ?22) ON CONFLICT(sid, time) DO UPDATE SET "
	    "n = n + excluded.n, n_complete = n_complete + excluded.n_complete, "
	    "first_time = min(first_time, excluded.first_time), "
	    "last_time = max(last_time, excluded.last_time)", table);
	for (f = 0; f < NF && n < cap; f++) {
		const char *c = field_col[f];

		n += (size_t)snprintf(dst + n, cap - n, ", %s_sum = %s_sum + "
		    "excluded.%s_sum, %s_min = min(%s_min, excluded.%s_min), "
		    "%s_max = max(%s_max, excluded.%s_max), %s_last = CASE "
		    "WHEN excluded.last_time >= last_time THEN excluded.%s_last "
		    "ELSE %s_last END", c, c, c, c, c, c, c, c, c, c, c, c);
	}
}

static const char *const stmt_sql[ST_COUNT] = {
	[ST_SYM_INS] = "INSERT OR IGNORE INTO hist_symbols(venue, market, "
	    "symbol) VALUES(?1, ?2, ?3)",
	[ST_SYM_GET] = "SELECT id FROM hist_symbols WHERE venue = ?1 AND "
	    "market = ?2 AND symbol = ?3",
	[ST_SER_INS] = "INSERT OR IGNORE INTO bands_series(symbol_id, pct) "
	    "VALUES(?1, ?2)",
	[ST_SER_GET] = "SELECT id FROM bands_series WHERE symbol_id = ?1 AND "
	    "pct = ?2",
	[ST_M_INS] = "INSERT OR IGNORE INTO bands_1m VALUES(?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8)",
	[ST_M_GET] = "SELECT off, complete, bid_qty, ask_qty, bid_value, "
	    "ask_value FROM bands_1m WHERE sid = ?1 AND time = ?2",
	[ST_M_UPD] = "UPDATE bands_1m SET off = ?3, complete = ?4, "
	    "bid_qty = ?5, ask_qty = ?6, bid_value = ?7, ask_value = ?8 "
	    "WHERE sid = ?1 AND time = ?2",
	[ST_M_RANGE] = "SELECT time, complete, bid_qty, ask_qty, bid_value, "
	    "ask_value FROM bands_1m WHERE sid = ?1 AND time >= ?2 AND "
	    "time < ?3 ORDER BY time",
	[ST_H_PUT] = "INSERT OR REPLACE INTO bands_1h VALUES(?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
	    "?19, ?20, ?21, ?22)",
	[ST_D_PUT] = "INSERT OR REPLACE INTO bands_1d VALUES(?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
	    "?19, ?20, ?21, ?22)",
	[ST_H_RANGE] = "SELECT * FROM bands_1h WHERE sid = ?1 AND "
	    "time >= ?2 AND time < ?3 ORDER BY time",
	[ST_TRADE] = "INSERT OR IGNORE INTO trades VALUES(?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7)",
	[ST_FILL] = "INSERT OR IGNORE INTO fills VALUES(?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10)",
	/* An order's latest state by event time; an event without a time
	 * counts as the latest. */
	[ST_ORDER] = "INSERT INTO orders VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	    "?8, ?9, ?10, ?11, ?12) ON CONFLICT(symbol_id, id) DO UPDATE SET "
	    "time = excluded.time, client_id = excluded.client_id, "
	    "order_id = excluded.order_id, side = excluded.side, "
	    "kind = excluded.kind, status = excluded.status, "
	    "qty = excluded.qty, price = excluded.price, "
	    "filled_qty = excluded.filled_qty, avg_price = excluded.avg_price "
	    "WHERE excluded.time IS NULL OR time IS NULL OR "
	    "excluded.time >= time",
};

/* Record a database error with the step that failed; -1, errno EIO. */
static int
db_fail(struct history *h, const char *what)
{
	snprintf(h->err, sizeof h->err, "%s: %s", what,
	    sqlite3_errmsg(h->db));
	errno = EIO;
	return -1;
}

/* Run a statement that returns no row, then reset it. */
static int
step_done(struct history *h, sqlite3_stmt *st, const char *what)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_fail(h, what);
	return 0;
}

struct history *
history_new(sqlite3 *db)
{
	struct history *h;
	sqlite3_stmt *st = NULL;
	char sql[2048];
	int i, r;

	h = calloc(1, sizeof *h);
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->db = db;
	h->cutoff = INT64_MIN;
	keymap_init(&h->syms);
	h->bands = calloc(EV_BANDS_MAX, sizeof *h->bands);
	if (!h->bands) {
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	if (history_schema(db) < 0)
		goto fail;
	for (i = 0; i < ST_COUNT; i++) {
		const char *s = stmt_sql[i];

		if (i == ST_H_UP || i == ST_D_UP) {
			rollup_upsert_sql(sql, sizeof sql, i == ST_H_UP ?
			    "bands_1h" : "bands_1d");
			s = sql;
		}
		if (sqlite3_prepare_v3(db, s, -1, SQLITE_PREPARE_PERSISTENT,
		    &h->st[i], NULL) != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_prepare_v2(db, "SELECT v FROM hist_meta WHERE "
	    "k = 'minute_cutoff'", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		h->cutoff = sqlite3_column_int64(st, 0);
	else if (r != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return h;
fail:
	sqlite3_finalize(st);
	history_free(h);
	errno = EIO;
	return NULL;
}

void
history_free(struct history *h)
{
	size_t i;
	int j;

	if (!h)
		return;
	for (j = 0; j < ST_COUNT; j++)
		sqlite3_finalize(h->st[j]);
	for (i = 0; i < h->syms.n; i++) {
		struct sym *s = h->syms.e[i].val;

		free(s->s);
		free(s);
	}
	keymap_free(&h->syms);
	free(h->bands);
	free(h);
}

const struct history_stats *
history_stats(const struct history *h)
{
	return &h->stats;
}

const char *
history_why(const struct history *h)
{
	return h->why;
}

const char *
history_errmsg(const struct history *h)
{
	return h->err;
}

/* ---- aggregates ---- */

static int64_t
floor_to(int64_t t, int64_t unit)
{
	int64_t q = t / unit;

	if (t % unit < 0)
		q--;
	return q * unit;
}

/* Combine b (another set of minutes, none of them in a) into a. */
static void
agg_merge(struct agg *a, const struct agg *b)
{
	int f;

	if (b->n == 0)
		return;
	if (a->n == 0) {
		*a = *b;
		return;
	}
	a->n += b->n;
	a->nc += b->nc;
	if (b->first < a->first)
		a->first = b->first;
	for (f = 0; f < NF; f++) {
		a->sum[f] += b->sum[f];
		if (b->min[f] < a->min[f])
			a->min[f] = b->min[f];
		if (b->max[f] > a->max[f])
			a->max[f] = b->max[f];
	}
	if (b->last_t >= a->last_t) {
		a->last_t = b->last_t;
		memcpy(a->last, b->last, sizeof a->last);
	}
}

static void
agg_minute(struct agg *a, int64_t t, int complete, const double *v)
{
	struct agg m;
	int f;

	m.n = 1;
	m.nc = complete != 0;
	m.first = m.last_t = t;
	for (f = 0; f < NF; f++)
		m.sum[f] = m.min[f] = m.max[f] = m.last[f] = v[f];
	agg_merge(a, &m);
}

/* Bind sid, time and the aggregates as ?1..?22 (the rollup columns). */
static void
bind_agg(sqlite3_stmt *st, int64_t sid, int64_t time, const struct agg *a)
{
	int f;

	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, time);
	sqlite3_bind_int64(st, 3, a->n);
	sqlite3_bind_int64(st, 4, a->nc);
	sqlite3_bind_int64(st, 5, a->first);
	sqlite3_bind_int64(st, 6, a->last_t);
	for (f = 0; f < NF; f++) {
		sqlite3_bind_double(st, 7 + 4 * f, a->sum[f]);
		sqlite3_bind_double(st, 8 + 4 * f, a->min[f]);
		sqlite3_bind_double(st, 9 + 4 * f, a->max[f]);
		sqlite3_bind_double(st, 10 + 4 * f, a->last[f]);
	}
}

/* Read a rollup row whose n is column `c` (then the same order). */
static void
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

/* Add the accumulated new minutes to their hour and day rows. */
static int
acc_flush(struct history *h, struct series *s)
{
	sqlite3_stmt *st;

	if (!s->acc)
		return 0;
	st = h->st[ST_H_UP];
	bind_agg(st, s->sid, s->ahour, &s->a);
	if (step_done(h, st, "add to bands_1h") < 0)
		return -1;
	st = h->st[ST_D_UP];
	bind_agg(st, s->sid, floor_to(s->ahour, DAY), &s->a);
	if (step_done(h, st, "add to bands_1d") < 0)
		return -1;
	s->acc = 0;
	return 0;
}

static int
acc_add(struct history *h, struct series *s, int64_t minute, int complete,
    const double *v)
{
	int64_t hour = floor_to(minute, HOUR);

	if (s->acc && s->ahour != hour && acc_flush(h, s) < 0)
		return -1;
	if (!s->acc) {
		memset(&s->a, 0, sizeof s->a);
		s->acc = 1;
		s->ahour = hour;
	}
	agg_minute(&s->a, minute, complete, v);
	return 0;
}

/* An hour's row from its minute rows. */
static int
recompute_hour(struct history *h, int64_t sid, int64_t hour)
{
	sqlite3_stmt *st = h->st[ST_M_RANGE];
	struct agg a;
	double v[NF];
	int r, f;

	memset(&a, 0, sizeof a);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, hour);
	sqlite3_bind_int64(st, 3, hour + HOUR);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		for (f = 0; f < NF; f++)
			v[f] = sqlite3_column_double(st, 2 + f);
		agg_minute(&a, sqlite3_column_int64(st, 0),
		    sqlite3_column_int(st, 1), v);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_fail(h, "read bands_1m");
	if (a.n == 0)
		return 0;
	st = h->st[ST_H_PUT];
	bind_agg(st, sid, hour, &a);
	return step_done(h, st, "write bands_1h");
}

/* A day's row from its hour rows. */
static int
recompute_day(struct history *h, int64_t sid, int64_t day)
{
	sqlite3_stmt *st = h->st[ST_H_RANGE];
	struct agg a, b;
	int r;

	memset(&a, 0, sizeof a);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, day);
	sqlite3_bind_int64(st, 3, day + DAY);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		column_agg(st, 2, &b);
		agg_merge(&a, &b);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return db_fail(h, "read bands_1h");
	if (a.n == 0)
		return 0;
	st = h->st[ST_D_PUT];
	bind_agg(st, sid, day, &a);
	return step_done(h, st, "write bands_1d");
}

static void
bind_minute(sqlite3_stmt *st, const struct series *s)
{
	int f;

	sqlite3_bind_int64(st, 1, s->sid);
	sqlite3_bind_int64(st, 2, s->pmin);
	sqlite3_bind_int64(st, 3, s->poff);
	sqlite3_bind_int(st, 4, s->pcomplete);
	for (f = 0; f < NF; f++)
		sqlite3_bind_double(st, 5 + f, s->pv[f]);
}

/* Write the series' pending minute. */
static int
write_minute(struct history *h, struct series *s)
{
	sqlite3_stmt *st = h->st[ST_M_INS];
	int64_t old_off;
	double old[NF];
	int r, f, old_complete, same;

	s->pend = 0;
	bind_minute(st, s);
	if (step_done(h, st, "insert into bands_1m") < 0)
		return -1;
	if (sqlite3_changes(h->db) == 1) {
		h->stats.minutes_new++;
		return acc_add(h, s, s->pmin, s->pcomplete, s->pv);
	}

	/* The minute is there: keep the later event, ties to this one. */
	st = h->st[ST_M_GET];
	sqlite3_bind_int64(st, 1, s->sid);
	sqlite3_bind_int64(st, 2, s->pmin);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(h, "read bands_1m");
	}
	old_off = sqlite3_column_int64(st, 0);
	old_complete = sqlite3_column_int(st, 1);
	for (f = 0; f < NF; f++)
		old[f] = sqlite3_column_double(st, 2 + f);
	sqlite3_reset(st);
	if (s->poff < old_off)
		return 0;
	same = old_complete == s->pcomplete;
	for (f = 0; f < NF; f++)
		if (old[f] != s->pv[f])
			same = 0;
	if (same && s->poff == old_off)
		return 0;
	st = h->st[ST_M_UPD];
	bind_minute(st, s);
	if (step_done(h, st, "update bands_1m") < 0)
		return -1;
	if (same)
		return 0;

	/* Other values: the hour from its minutes (including the new ones
	 * accumulated for it), the day from its hours. */
	h->stats.minutes_changed++;
	if (s->acc && s->ahour == floor_to(s->pmin, HOUR))
		s->acc = 0;
	if (recompute_hour(h, s->sid, floor_to(s->pmin, HOUR)) < 0 ||
	    recompute_day(h, s->sid, floor_to(s->pmin, DAY)) < 0)
		return -1;
	return 0;
}

int
history_flush(struct history *h)
{
	size_t i, j;

	for (i = 0; i < h->syms.n; i++) {
		struct sym *y = h->syms.e[i].val;

		for (j = 0; j < y->n; j++)
			if (y->s[j].pend && write_minute(h, &y->s[j]) < 0)
				return -1;
	}
	for (i = 0; i < h->syms.n; i++) {
		struct sym *y = h->syms.e[i].val;

		for (j = 0; j < y->n; j++)
			if (acc_flush(h, &y->s[j]) < 0)
				return -1;
	}
	return 0;
}

/* ---- reading events ---- */

/* The symbol's state, made (and its row) on first sight. */
static int
get_sym(struct history *h, const struct json_span *venue,
    const struct json_span *market, const struct json_span *symbol,
    struct sym **out)
{
	char key[512];
	size_t kn;
	struct sym *y;
	sqlite3_stmt *st;
	int r, i;
	const struct json_span *v[3] = { venue, market, symbol };

	kn = keymap_key3(key, sizeof key, venue->p, venue->n, market->p,
	    market->n, symbol->p, symbol->n);
	if (kn == 0) {
		snprintf(h->why, sizeof h->why, "venue, market and symbol too "
		    "long");
		return 1;
	}
	y = keymap_get(&h->syms, key, kn);
	if (y) {
		*out = y;
		return 0;
	}
	st = h->st[ST_SYM_INS];
	for (i = 0; i < 3; i++)
		sqlite3_bind_text(st, i + 1, v[i]->p, (int)v[i]->n,
		    SQLITE_TRANSIENT);
	if (step_done(h, st, "insert into hist_symbols") < 0)
		return -1;
	st = h->st[ST_SYM_GET];
	for (i = 0; i < 3; i++)
		sqlite3_bind_text(st, i + 1, v[i]->p, (int)v[i]->n,
		    SQLITE_TRANSIENT);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(h, "read hist_symbols");
	}
	y = calloc(1, sizeof *y);
	if (!y) {
		sqlite3_reset(st);
		snprintf(h->err, sizeof h->err, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	y->id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (keymap_put(&h->syms, key, kn, y) < 0) {
		free(y);
		snprintf(h->err, sizeof h->err, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	*out = y;
	return 0;
}

/* The series of pct in y (hint: where it was last time). */
static struct series *
get_series(struct history *h, struct sym *y, double pct, size_t hint)
{
	struct series *s;
	sqlite3_stmt *st;
	size_t i;
	int r;

	if (hint < y->n && y->s[hint].pct == pct)
		return &y->s[hint];
	for (i = 0; i < y->n; i++)
		if (y->s[i].pct == pct)
			return &y->s[i];
	if (y->n == y->cap) {
		size_t cap = y->cap ? 2 * y->cap : 8;

		s = realloc(y->s, cap * sizeof *s);
		if (!s) {
			snprintf(h->err, sizeof h->err, "out of memory");
			errno = ENOMEM;
			return NULL;
		}
		y->s = s;
		y->cap = cap;
	}
	st = h->st[ST_SER_INS];
	sqlite3_bind_int64(st, 1, y->id);
	sqlite3_bind_double(st, 2, pct);
	if (step_done(h, st, "insert into bands_series") < 0)
		return NULL;
	st = h->st[ST_SER_GET];
	sqlite3_bind_int64(st, 1, y->id);
	sqlite3_bind_double(st, 2, pct);
	r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		sqlite3_reset(st);
		db_fail(h, "read bands_series");
		return NULL;
	}
	s = &y->s[y->n++];
	memset(s, 0, sizeof *s);
	s->sid = sqlite3_column_int64(st, 0);
	s->pct = pct;
	sqlite3_reset(st);
	return s;
}

/*
 * A decimal (a JSON number, or a plain string holding one) as the
 * nearest double; -1 when it is not one or is out of range.
 */
static int
span_double(const struct json_span *v, double *out)
{
	char tmp[128], *end;
	uint32_t i;

	if (!v || (v->type != JSON_NUMBER && (v->type != JSON_STRING ||
	    v->escaped)) || v->n == 0 || v->n >= sizeof tmp)
		return -1;
	/* strtod would also take " 1", "inf", "0x1p3". */
	for (i = 0; i < v->n; i++) {
		char c = v->p[i];

		if (!((c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '+' || c == 'e' || c == 'E'))
			return -1;
	}
	if (v->p[0] != '-' && (v->p[0] < '0' || v->p[0] > '9'))
		return -1;
	memcpy(tmp, v->p, v->n);
	tmp[v->n] = '\0';
	*out = strtod(tmp, &end);
	if (end != tmp + v->n || !isfinite(*out))
		return -1;
	return 0;
}

static int
plain_string(const struct json_span *v)
{
	return v && v->type == JSON_STRING && !v->escaped && v->n > 0;
}

/* Skip an event: count it and say why; returns 0 (not an error). */
static int
skip(struct history *h, const char *fmt, const char *arg)
{
	h->stats.skipped++;
	snprintf(h->why, sizeof h->why, fmt, arg);
	return 0;
}

/* venue, market, symbol of an event of a kept type; 1: skipped. */
static int
market_fields(struct history *h, struct event *ev, struct sym **y)
{
	static const char *const names[3] = { "venue", "market", "symbol" };
	const struct json_span *v[3];
	int i, r;

	v[0] = ev->field[EVF_VENUE];
	v[1] = ev->field[EVF_MARKET];
	v[2] = ev->field[EVF_SYMBOL];
	for (i = 0; i < 3; i++)
		if (!plain_string(v[i])) {
			skip(h, "field '%s' missing or not a plain string",
			    names[i]);
			return 1;
		}
	r = get_sym(h, v[0], v[1], v[2], y);
	if (r == 1)
		h->stats.skipped++;
	return r;
}

/* An optional integer "time"; 1 (skipped) when present and not one. */
static int
event_time(struct history *h, struct event *ev, int64_t *t, int *has)
{
	const struct json_span *v = ev->field[EVF_TIME];

	*has = 0;
	if (!v || v->type == JSON_NULL)
		return 0;
	if (json_int64(v, t) < 0 || *t < -TIME_LIMIT || *t > TIME_LIMIT) {
		skip(h, "field '%s' is not a time", "time");
		return 1;
	}
	*has = 1;
	return 0;
}

static int
add_bands(struct history *h, struct event *ev)
{
	struct band_in *bands = h->bands;
	const struct json_span *arr = json_get(&ev->obj, "bands");
	struct json_span a;
	struct json_iter it;
	struct json_span el;
	struct sym *y;
	const char *reason;
	size_t where, nb = 0, i;
	int64_t t, minute;
	int has, r, f;

	if (!arr || arr->type != JSON_ARRAY)
		return skip(h, "field '%s' missing or not an array", "bands");
	a = *arr;
	if (a.unchecked && json_check(&a, &reason, &where) < 0)
		return skip(h, "field '%s' is not valid JSON", "bands");
	if (event_time(h, ev, &t, &has) != 0)
		return 0;
	if (!has)
		return skip(h, "missing field '%s'", "time");
	json_iter_init(&it, &a);
	while (json_next(&it, &el)) {
		struct band_in *b = &bands[nb];
		const struct json_span *c;

		if (nb == EV_BANDS_MAX)
			return skip(h, "more than %s bands", "64");
		if (el.type != JSON_OBJECT || json_parse_object(el.p, el.n,
		    &h->band, &reason, &where) < 0)
			return skip(h, "a band is not an %s", "object");
		if (span_double(json_get(&h->band, "pct"), &b->pct) < 0 ||
		    !(b->pct > 0))
			return skip(h, "band field '%s' missing or not a "
			    "positive number", "pct");
		for (f = 0; f < NF; f++)
			if (span_double(json_get(&h->band, field_col[f]),
			    &b->v[f]) < 0)
				return skip(h, "band field '%s' missing or "
				    "not a number", field_col[f]);
		c = json_get(&h->band, "complete");
		b->complete = c && c->type == JSON_TRUE;
		if (c && c->type != JSON_TRUE && c->type != JSON_FALSE)
			return skip(h, "band field '%s' is not a boolean",
			    "complete");
		nb++;
	}
	r = market_fields(h, ev, &y);
	if (r != 0)
		return r < 0 ? -1 : 0;
	minute = floor_to(t, MINUTE);
	if (minute < h->cutoff) {
		h->stats.too_old++;
		return 0;
	}
	h->stats.bands++;
	for (i = 0; i < nb; i++) {
		struct series *s = get_series(h, y, bands[i].pct, i);

		if (!s)
			return -1;
		if (s->pend && s->pmin == minute) {
			/* Same minute: the later event, ties to this one. */
			if (t - minute < s->poff)
				continue;
		} else if (s->pend && write_minute(h, s) < 0) {
			return -1;
		}
		s->pend = 1;
		s->pmin = minute;
		s->poff = t - minute;
		s->pcomplete = bands[i].complete;
		memcpy(s->pv, bands[i].v, sizeof s->pv);
	}
	return 0;
}

/*
 * Bind an id as the venue gives it: an integer stays one, a string is
 * text, any other number its text; absent or null: `dflt` ("" for key
 * columns, NULL when dflt is NULL).
 */
static void
bind_id(sqlite3_stmt *st, int i, const struct json_span *v, const char *dflt)
{
	char tmp[256];
	int64_t n;
	int len;

	if (!v || v->type == JSON_NULL) {
		if (dflt)
			sqlite3_bind_text(st, i, dflt, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, i);
		return;
	}
	if (v->type == JSON_NUMBER && json_int64(v, &n) == 0) {
		sqlite3_bind_int64(st, i, n);
		return;
	}
	if (v->type == JSON_STRING && v->escaped) {
		len = json_str_copy(v, tmp, sizeof tmp);
		if (len >= 0) {
			sqlite3_bind_text(st, i, tmp, len, SQLITE_TRANSIENT);
			return;
		}
	}
	sqlite3_bind_text(st, i, v->p, (int)v->n, SQLITE_TRANSIENT);
}

/* An optional plain string member as text, else NULL. */
static void
bind_str(sqlite3_stmt *st, int i, const struct json_span *v)
{
	if (plain_string(v))
		sqlite3_bind_text(st, i, v->p, (int)v->n, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* An optional decimal member; 1 when present and not a number. */
static int
bind_num(struct history *h, sqlite3_stmt *st, int i, struct event *ev,
    const char *name, int required)
{
	const struct json_span *v = json_get(&ev->obj, name);
	double d;

	if (!v || v->type == JSON_NULL) {
		if (required) {
			skip(h, "missing field '%s'", name);
			return 1;
		}
		sqlite3_bind_null(st, i);
		return 0;
	}
	if (span_double(v, &d) < 0) {
		skip(h, "field '%s' is not a number", name);
		return 1;
	}
	sqlite3_bind_double(st, i, d);
	return 0;
}

static int
need_id(struct history *h, struct event *ev, const char *name,
    const struct json_span **v)
{
	*v = json_get(&ev->obj, name);
	if (!*v || (*v)->type == JSON_NULL || ((*v)->type != JSON_NUMBER &&
	    (*v)->type != JSON_STRING) || (*v)->n == 0) {
		skip(h, "field '%s' missing or not a number or string", name);
		return 1;
	}
	return 0;
}

static int
add_trade(struct history *h, struct event *ev)
{
	sqlite3_stmt *st = h->st[ST_TRADE];
	const struct json_span *id, *agg;
	struct sym *y;
	int64_t t;
	int has, r;

	if (need_id(h, ev, "id", &id) || event_time(h, ev, &t, &has))
		return 0;
	agg = json_get(&ev->obj, "agg");
	sqlite3_clear_bindings(st);
	if (bind_num(h, st, 6, ev, "price", 1) ||
	    bind_num(h, st, 7, ev, "qty", 1))
		return 0;
	r = market_fields(h, ev, &y);
	if (r != 0) {
		sqlite3_clear_bindings(st);
		return r < 0 ? -1 : 0;
	}
	sqlite3_bind_int64(st, 1, y->id);
	sqlite3_bind_int(st, 2, agg && agg->type == JSON_TRUE);
	bind_id(st, 3, id, NULL);
	if (has)
		sqlite3_bind_int64(st, 4, t);
	bind_str(st, 5, json_get(&ev->obj, "side"));
	if (step_done(h, st, "insert into trades") < 0)
		return -1;
	h->stats.trades += sqlite3_changes(h->db);
	return 0;
}

static int
add_fill(struct history *h, struct event *ev)
{
	sqlite3_stmt *st = h->st[ST_FILL];
	const struct json_span *tid;
	struct sym *y;
	int64_t t;
	int has, r;

	if (need_id(h, ev, "trade_id", &tid) || event_time(h, ev, &t, &has))
		return 0;
	sqlite3_clear_bindings(st);
	if (bind_num(h, st, 7, ev, "price", 1) ||
	    bind_num(h, st, 8, ev, "qty", 1) ||
	    bind_num(h, st, 9, ev, "fee", 0))
		return 0;
	r = market_fields(h, ev, &y);
	if (r != 0)
		return r < 0 ? -1 : 0;
	sqlite3_bind_int64(st, 1, y->id);
	bind_id(st, 2, json_get(&ev->obj, "order_id"), "");
	bind_id(st, 3, tid, NULL);
	bind_id(st, 4, json_get(&ev->obj, "id"), NULL);
	if (has)
		sqlite3_bind_int64(st, 5, t);
	bind_str(st, 6, json_get(&ev->obj, "side"));
	bind_str(st, 10, json_get(&ev->obj, "fee_asset"));
	if (step_done(h, st, "insert into fills") < 0)
		return -1;
	h->stats.fills += sqlite3_changes(h->db);
	return 0;
}

static int
add_order(struct history *h, struct event *ev)
{
	static const char *const nums[4] = {
		"qty", "price", "filled_qty", "avg_price",
	};
	sqlite3_stmt *st = h->st[ST_ORDER];
	const struct json_span *id;
	struct sym *y;
	int64_t t;
	int has, r, i;

	if (need_id(h, ev, "id", &id) || event_time(h, ev, &t, &has))
		return 0;
	sqlite3_clear_bindings(st);
	for (i = 0; i < 4; i++)
		if (bind_num(h, st, 9 + i, ev, nums[i], 0))
			return 0;
	r = market_fields(h, ev, &y);
	if (r != 0)
		return r < 0 ? -1 : 0;
	sqlite3_bind_int64(st, 1, y->id);
	bind_id(st, 2, id, NULL);
	if (has)
		sqlite3_bind_int64(st, 3, t);
	bind_id(st, 4, json_get(&ev->obj, "client_id"), NULL);
	bind_id(st, 5, json_get(&ev->obj, "order_id"), NULL);
	bind_str(st, 6, json_get(&ev->obj, "side"));
	bind_str(st, 7, json_get(&ev->obj, "kind"));
	bind_str(st, 8, json_get(&ev->obj, "status"));
	if (step_done(h, st, "insert into orders") < 0)
		return -1;
	h->stats.orders += sqlite3_changes(h->db);
	return 0;
}

int
history_add_event(struct history *h, struct event *ev)
{
	const struct json_span *t = ev->field[EVF_TYPE];

	switch (ev->type) {
	case EV_BANDS:
		return add_bands(h, ev);
	case EV_TRADE:
		return add_trade(h, ev);
	case EV_OTHER:
		if (json_str_is(t, "fill"))
			return add_fill(h, ev);
		if (json_str_is(t, "order"))
			return add_order(h, ev);
		return 0;
	default:
		return 0;
	}
}

int
history_add(struct history *h, const char *line, size_t len)
{
	/* Parse with every array validated (no type consumed). */
	if (event_parse_for(line, len, &h->ev, 0, h->why, sizeof h->why) < 0)
		return 0;
	return history_add_event(h, &h->ev);
}

/* ---- pruning ---- */

int
history_prune(struct history *h, int64_t cutoff_ms, int64_t *deleted)
{
	sqlite3_stmt *st = NULL, *del = NULL;
	int64_t c, total = 0, *sids = NULL;
	size_t n = 0, cap = 0, i;
	int r;

	if (deleted)
		*deleted = 0;
	if (history_flush(h) < 0)
		return -1;
	if (cutoff_ms < -TIME_LIMIT)
		return 0;
	if (cutoff_ms > TIME_LIMIT)
		cutoff_ms = TIME_LIMIT;
	c = floor_to(cutoff_ms, HOUR);
	if (c > h->cutoff) {
		if (sqlite3_prepare_v2(h->db, "INSERT OR REPLACE INTO "
		    "hist_meta VALUES('minute_cutoff', ?1)", -1, &st,
		    NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, c);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		sqlite3_finalize(st);
		st = NULL;
		h->cutoff = c;
	}
	/* Per series, so each delete is a range of the primary key. */
	if (sqlite3_prepare_v2(h->db, "SELECT id FROM bands_series", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *p;

			cap = cap ? 2 * cap : 256;
			p = realloc(sids, cap * sizeof *p);
			if (!p) {
				snprintf(h->err, sizeof h->err,
				    "out of memory");
				errno = ENOMEM;
				goto out;
			}
			sids = p;
		}
		sids[n++] = sqlite3_column_int64(st, 0);
	}
	if (r != SQLITE_DONE)
		goto fail;
	if (sqlite3_prepare_v2(h->db, "DELETE FROM bands_1m WHERE sid = ?1 "
	    "AND time < ?2", -1, &del, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(del, 1, sids[i]);
		sqlite3_bind_int64(del, 2, c);
		r = sqlite3_step(del);
		sqlite3_reset(del);
		if (r != SQLITE_DONE)
			goto fail;
		total += sqlite3_changes(h->db);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	free(sids);
	if (deleted)
		*deleted = total;
	return 0;
fail:
	db_fail(h, "prune bands_1m");
out:
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	free(sids);
	return -1;
}

/* ---- numbers ---- */

int
history_fmt_num(char *dst, double v)
{
	char e[40], dig[24], *p = dst;
	int prec, nd = 0, exp, i;

	if (!isfinite(v)) {
		memcpy(dst, "null", 5);
		return 4;
	}
	if (v == 0) {
		memcpy(dst, "0", 2);
		return 1;
	}
	/* The shortest %e that reads back: most values need 15 to 17
	 * digits, short decimals fewer. */
	snprintf(e, sizeof e, "%.14e", v);
	if (strtod(e, NULL) == v) {
		for (prec = 13; prec >= 0; prec--) {
			char t[40];

			snprintf(t, sizeof t, "%.*e", prec, v);
			if (strtod(t, NULL) != v)
				break;
			memcpy(e, t, sizeof e);
		}
	} else {
		snprintf(e, sizeof e, "%.15e", v);
		if (strtod(e, NULL) != v)
			snprintf(e, sizeof e, "%.16e", v);
	}
	/* e is "[-]d.ddde[+-]x": digits and exponent, then plain form. */
	for (i = 0; e[i] != 'e'; i++)
		if (e[i] >= '0' && e[i] <= '9')
			dig[nd++] = e[i];
	exp = atoi(e + i + 1);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	if (v < 0)
		*p++ = '-';
	if (exp < 0) {
		*p++ = '0';
		*p++ = '.';
		for (i = 0; i < -exp - 1; i++)
			*p++ = '0';
		memcpy(p, dig, nd);
		p += nd;
	} else {
		for (i = 0; i <= exp; i++)
			*p++ = i < nd ? dig[i] : '0';
		if (nd > exp + 1) {
			*p++ = '.';
			memcpy(p, dig + exp + 1, nd - exp - 1);
			p += nd - exp - 1;
		}
	}
	*p = '\0';
	return (int)(p - dst);
}

/* ---- queries ---- */

static const char *const res_names[] = {
	[HISTORY_AUTO] = "auto", [HISTORY_MINUTE] = "minute",
	[HISTORY_HOUR] = "hour", [HISTORY_DAY] = "day",
};
static const char *const agg_names[] = {
	[HISTORY_AVG] = "avg", [HISTORY_MIN] = "min", [HISTORY_MAX] = "max",
	[HISTORY_LAST] = "last", [HISTORY_SUM] = "sum",
	[HISTORY_COUNT] = "count",
};
static const char *const field_names[] = {
	[HISTORY_BID_QTY] = "bid_qty", [HISTORY_ASK_QTY] = "ask_qty",
	[HISTORY_BID_VALUE] = "bid_value", [HISTORY_ASK_VALUE] = "ask_value",
	[HISTORY_IMBALANCE] = "imbalance",
	[HISTORY_VALUE_IMBALANCE] = "value_imbalance",
};

static int
name_index(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

#define NAMES(a) a, (int)(sizeof a / sizeof a[0])

int
history_res_parse(const char *s)
{
	return name_index(NAMES(res_names), s);
}

int
history_agg_parse(const char *s)
{
	return name_index(NAMES(agg_names), s);
}

int
history_field_parse(const char *s)
{
	return name_index(NAMES(field_names), s);
}

const char *
history_res_name(enum history_res r)
{
	return r <= HISTORY_DAY ? res_names[r] : "?";
}

/* Query state: the output and where errors go. */
struct q {
	sqlite3 *db;
	struct history_out *out;
	char *why;
	size_t whylen;
};

static int
q_dbfail(struct q *q, const char *what)
{
	snprintf(q->why, q->whylen, "%s: %s", what, sqlite3_errmsg(q->db));
	errno = EIO;
	return -1;
}

static int
q_prepare(struct q *q, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(q->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return q_dbfail(q, "query");
	}
	return 0;
}

/* After each output line: the buffer's health, and a flush when due. */
static int
q_line(struct q *q, int last)
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

static void
put_num(struct buf *b, double v, int csv)
{
	char tmp[HISTORY_NUM_MAX];
	int n = history_fmt_num(tmp, v);

	if (csv && !isfinite(v))
		return;
	buf_add(b, tmp, n);
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void
put_csv(struct buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* Does the database have the history tables? 1, 0, or -1. */
static int
q_has_tables(struct q *q)
{
	sqlite3_stmt *st;
	int r;

	if (q_prepare(q, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
	    "AND name = 'bands_1d'", &st) < 0)
		return -1;
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return q_dbfail(q, "query");
	return r == SQLITE_ROW;
}

static int
q_cutoff(struct q *q, int64_t *cutoff)
{
	sqlite3_stmt *st;
	int r;

	*cutoff = INT64_MIN;
	if (q_prepare(q, "SELECT v FROM hist_meta WHERE k = 'minute_cutoff'",
	    &st) < 0)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*cutoff = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return q_dbfail(q, "query");
	return 0;
}

static double
ratio(double b, double a)
{
	return b + a == 0 ? 0 : 100 * (b - a) / (b + a);
}

/* The value of a bucket for field and aggregate (checked before). */
static double
bucket_value(const struct agg *a, enum history_field f, enum history_agg g)
{
	if (g == HISTORY_COUNT)
		return (double)a->n;
	if (f == HISTORY_IMBALANCE || f == HISTORY_VALUE_IMBALANCE) {
		int i = f == HISTORY_IMBALANCE ? 0 : 2;

		if (g == HISTORY_LAST)
			return ratio(a->last[i], a->last[i + 1]);
		return ratio(a->sum[i], a->sum[i + 1]);
	}
	switch (g) {
	case HISTORY_MIN:
		return a->min[f];
	case HISTORY_MAX:
		return a->max[f];
	case HISTORY_LAST:
		return a->last[f];
	case HISTORY_SUM:
		return a->sum[f];
	default:
		return a->sum[f] / (double)a->n;
	}
}

static double
minute_value(const double *v, enum history_field f)
{
	if (f == HISTORY_IMBALANCE)
		return ratio(v[0], v[1]);
	if (f == HISTORY_VALUE_IMBALANCE)
		return ratio(v[2], v[3]);
	return v[f];
}

/* Find the series: 0, or -1 with ENOENT / EINVAL and why. */
static int
find_series(struct q *q, const struct history_series_q *s, int64_t *sid)
{
	sqlite3_stmt *st;
	char first[256] = "";
	char pct[HISTORY_NUM_MAX];
	int r, n = 0;

	if (q_prepare(q, "SELECT b.id, s.venue, s.market FROM hist_symbols s "
	    "JOIN bands_series b ON b.symbol_id = s.id WHERE s.symbol = ?1 "
	    "AND (?2 IS NULL OR s.venue = ?2) AND (?3 IS NULL OR "
	    "s.market = ?3) AND b.pct = ?4 ORDER BY s.venue, s.market",
	    &st) < 0)
		return -1;
	sqlite3_bind_text(st, 1, s->symbol, -1, SQLITE_STATIC);
	if (s->venue)
		sqlite3_bind_text(st, 2, s->venue, -1, SQLITE_STATIC);
	if (s->market)
		sqlite3_bind_text(st, 3, s->market, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, s->pct);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 1);
		const char *m = (const char *)sqlite3_column_text(st, 2);

		if (n++ == 0) {
			*sid = sqlite3_column_int64(st, 0);
			snprintf(first, sizeof first, "%s:%s", v, m);
		} else {
			snprintf(q->why, q->whylen, "symbol '%s' is in %s and "
			    "%s:%s: give the venue and market", s->symbol,
			    first, v, m);
			sqlite3_finalize(st);
			errno = EINVAL;
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return q_dbfail(q, "query");
	if (n == 0) {
		history_fmt_num(pct, s->pct);
		snprintf(q->why, q->whylen, "no bands of %s%%%s%s%s%s for "
		    "symbol '%s'", pct, s->venue ? " in " : "",
		    s->venue ? s->venue : "", s->market ? ":" : "",
		    s->market ? s->market : "", s->symbol);
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int
history_series(sqlite3 *db, const struct history_series_q *s,
    struct history_out *out, enum history_res *used, char *why,
    size_t whylen)
{
	struct q q = { db, out, why, whylen };
	sqlite3_stmt *st = NULL;
	enum history_res res = s->res;
	int64_t sid, from = s->from, to = s->to, cutoff, unit;
	int csv = out->format == HISTORY_CSV, r, f;
	char sql[256];

	why[0] = '\0';
	if ((s->field == HISTORY_IMBALANCE ||
	    s->field == HISTORY_VALUE_IMBALANCE) && (s->agg == HISTORY_MIN ||
	    s->agg == HISTORY_MAX || s->agg == HISTORY_SUM) &&
	    res != HISTORY_MINUTE) {
		snprintf(why, whylen, "field '%s' has no aggregate '%s'",
		    field_names[s->field], agg_names[s->agg]);
		errno = EINVAL;
		return -1;
	}
	if (from > to) {
		snprintf(why, whylen, "the range ends before it starts");
		errno = EINVAL;
		return -1;
	}
	r = q_has_tables(&q);
	if (r <= 0) {
		if (r == 0) {
			snprintf(why, whylen, "no history tables");
			errno = ENOENT;
		}
		return -1;
	}
	if (find_series(&q, s, &sid) < 0 || q_cutoff(&q, &cutoff) < 0)
		return -1;
	if (res == HISTORY_AUTO) {
		/* The range as far as the series has data. */
		int64_t lo = from, hi = to;

		if (q_prepare(&q, "SELECT min(first_time), max(last_time) "
		    "FROM bands_1d WHERE sid = ?1", &st) < 0)
			return -1;
		sqlite3_bind_int64(st, 1, sid);
		r = sqlite3_step(st);
		if (r == SQLITE_ROW && sqlite3_column_type(st, 0) !=
		    SQLITE_NULL) {
			int64_t first = sqlite3_column_int64(st, 0);
			int64_t last = sqlite3_column_int64(st, 1);

			if (lo < first)
				lo = first;
			if (hi > last)
				hi = last;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (r != SQLITE_ROW)
			return q_dbfail(&q, "query");
		if (hi < lo)
			hi = lo;
		if (lo == INT64_MIN || hi == INT64_MAX)
			res = HISTORY_DAY;
		else if (hi - lo <= 2 * DAY && lo >= cutoff)
			res = HISTORY_MINUTE;
		else if (hi - lo <= 90 * DAY)
			res = HISTORY_HOUR;
		else
			res = HISTORY_DAY;
	}
	if (used)
		*used = res;
	if (res == HISTORY_AUTO || res > HISTORY_DAY) {
		snprintf(why, whylen, "bad resolution");
		errno = EINVAL;
		return -1;
	}
	unit = res == HISTORY_MINUTE ? MINUTE : res == HISTORY_HOUR ? HOUR :
	    DAY;
	if (from > INT64_MIN + unit)
		from = floor_to(from, unit);
	if (res == HISTORY_MINUTE)
		snprintf(sql, sizeof sql, "SELECT time, bid_qty, ask_qty, "
		    "bid_value, ask_value FROM bands_1m WHERE sid = ?1 AND "
		    "time BETWEEN ?2 AND ?3 ORDER BY time");
	else
		snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE sid = ?1 "
		    "AND time BETWEEN ?2 AND ?3 ORDER BY time",
		    res == HISTORY_HOUR ? "bands_1h" : "bands_1d");
	if (q_prepare(&q, sql, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	if (csv)
		buf_adds(out->buf, "time,value\n");
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		/* sid comes first in the rollup tables. */
		int64_t t = sqlite3_column_int64(st, res == HISTORY_MINUTE ?
		    0 : 1);
		double v;

		if (res == HISTORY_MINUTE) {
			double m[NF];

			for (f = 0; f < NF; f++)
				m[f] = sqlite3_column_double(st, 1 + f);
			v = minute_value(m, s->field);
		} else {
			struct agg a;

			column_agg(st, 2, &a);
			v = bucket_value(&a, s->field, s->agg);
		}
		if (csv) {
			buf_addi(out->buf, t);
			buf_addc(out->buf, ',');
			put_num(out->buf, v, 1);
			buf_addc(out->buf, '\n');
		} else {
			buf_adds(out->buf, "{\"time\":");
			buf_addi(out->buf, t);
			buf_adds(out->buf, ",\"value\":");
			put_num(out->buf, v, 0);
			buf_adds(out->buf, "}\n");
		}
		if (q_line(&q, 0) < 0)
			goto fail;
	}
	if (r != SQLITE_DONE) {
		q_dbfail(&q, "query");
		goto fail;
	}
	sqlite3_finalize(st);
	return q_line(&q, 1);
fail:
	sqlite3_finalize(st);
	return -1;
}

/* The symbols matching the filters, and each one's series. */
static int
q_symbols(struct q *q, const char *venue, const char *market,
    const char *symbol, sqlite3_stmt **st)
{
	if (q_prepare(q, "SELECT id, venue, market, symbol FROM hist_symbols "
	    "WHERE (?1 IS NULL OR venue = ?1) AND (?2 IS NULL OR "
	    "market = ?2) AND (?3 IS NULL OR symbol = ?3) "
	    "ORDER BY venue, market, symbol", st) < 0)
		return -1;
	if (venue)
		sqlite3_bind_text(*st, 1, venue, -1, SQLITE_STATIC);
	if (market)
		sqlite3_bind_text(*st, 2, market, -1, SQLITE_STATIC);
	if (symbol)
		sqlite3_bind_text(*st, 3, symbol, -1, SQLITE_STATIC);
	return 0;
}

struct qser {
	int64_t sid;
	double pct;
};

/* The series of one symbol, by pct; *n 0 when none.  Caller frees *out. */
static int
q_series_of(struct q *q, sqlite3_stmt *st, int64_t symid, struct qser **out,
    size_t *n)
{
	size_t cap = 0;
	int r;

	*out = NULL;
	*n = 0;
	sqlite3_bind_int64(st, 1, symid);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct qser *p;

			cap = cap ? 2 * cap : 8;
			p = realloc(*out, cap * sizeof *p);
			if (!p) {
				sqlite3_reset(st);
				free(*out);
				*out = NULL;
				snprintf(q->why, q->whylen, "out of memory");
				errno = ENOMEM;
				return -1;
			}
			*out = p;
		}
		(*out)[*n].sid = sqlite3_column_int64(st, 0);
		(*out)[*n].pct = sqlite3_column_double(st, 1);
		(*n)++;
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		return q_dbfail(q, "query");
	}
	return 0;
}

/* Head of a per-symbol JSON line. */
static void
put_symbol_json(struct buf *b, sqlite3_stmt *sy)
{
	int i;
	static const char *const k[3] = {
		"{\"venue\":", ",\"market\":", ",\"symbol\":",
	};

	for (i = 0; i < 3; i++) {
		buf_adds(b, k[i]);
		buf_add_jstr(b, (const char *)sqlite3_column_text(sy, 1 + i),
		    (size_t)sqlite3_column_bytes(sy, 1 + i));
	}
}

static void
put_symbol_csv(struct buf *b, sqlite3_stmt *sy)
{
	int i;

	for (i = 0; i < 3; i++) {
		put_csv(b, (const char *)sqlite3_column_text(sy, 1 + i));
		buf_addc(b, ',');
	}
}

/* Step st (one-row query) into an int64 of column 0: 1 found, 0 none. */
static int
q_int(struct q *q, sqlite3_stmt *st, int64_t *v)
{
	int r = sqlite3_step(st);
	int found = r == SQLITE_ROW && sqlite3_column_type(st, 0) !=
	    SQLITE_NULL;

	if (found)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return q_dbfail(q, "query");
	return found;
}

enum { LQ_SYM, LQ_SER, LQ_NEWEST, LQ_ROW, LQ_COUNT };

int
history_latest(sqlite3 *db, const char *venue, const char *market,
    const char *symbol, struct history_out *out, char *why, size_t whylen)
{
	struct q q = { db, out, why, whylen };
	sqlite3_stmt *st[LQ_COUNT] = { NULL };
	struct qser *ser = NULL;
	struct buf *b = out->buf;
	int csv = out->format == HISTORY_CSV, r, ret = -1, f;
	size_t n, i;

	why[0] = '\0';
	if (csv)
		buf_adds(b, "venue,market,symbol,time,pct,bid_qty,ask_qty,"
		    "bid_value,ask_value,complete\n");
	r = q_has_tables(&q);
	if (r <= 0)
		return r < 0 ? -1 : q_line(&q, 1);
	if (q_symbols(&q, venue, market, symbol, &st[LQ_SYM]) < 0 ||
	    q_prepare(&q, "SELECT id, pct FROM bands_series WHERE "
	    "symbol_id = ?1 ORDER BY pct", &st[LQ_SER]) < 0 ||
	    q_prepare(&q, "SELECT time FROM bands_1m WHERE sid = ?1 "
	    "ORDER BY time DESC LIMIT 1", &st[LQ_NEWEST]) < 0 ||
	    q_prepare(&q, "SELECT complete, bid_qty, ask_qty, bid_value, "
	    "ask_value FROM bands_1m WHERE sid = ?1 AND time = ?2",
	    &st[LQ_ROW]) < 0)
		goto out;
	while ((r = sqlite3_step(st[LQ_SYM])) == SQLITE_ROW) {
		int64_t t = INT64_MIN, ti;
		int first = 1;

		if (q_series_of(&q, st[LQ_SER], sqlite3_column_int64(
		    st[LQ_SYM], 0), &ser, &n) < 0)
			goto out;
		for (i = 0; i < n; i++) {
			sqlite3_bind_int64(st[LQ_NEWEST], 1, ser[i].sid);
			r = q_int(&q, st[LQ_NEWEST], &ti);
			if (r < 0)
				goto out;
			if (r == 1 && ti > t)
				t = ti;
		}
		if (t == INT64_MIN) {
			free(ser);
			ser = NULL;
			continue;
		}
		if (!csv) {
			put_symbol_json(b, st[LQ_SYM]);
			buf_adds(b, ",\"time\":");
			buf_addi(b, t);
			buf_adds(b, ",\"bands\":[");
		}
		for (i = 0; i < n; i++) {
			sqlite3_stmt *row = st[LQ_ROW];

			sqlite3_bind_int64(row, 1, ser[i].sid);
			sqlite3_bind_int64(row, 2, t);
			r = sqlite3_step(row);
			if (r != SQLITE_ROW) {
				sqlite3_reset(row);
				if (r == SQLITE_DONE)
					continue;
				q_dbfail(&q, "query");
				goto out;
			}
			if (csv) {
				put_symbol_csv(b, st[LQ_SYM]);
				buf_addi(b, t);
				buf_addc(b, ',');
				put_num(b, ser[i].pct, 1);
				for (f = 0; f < NF; f++) {
					buf_addc(b, ',');
					put_num(b, sqlite3_column_double(row,
					    1 + f), 1);
				}
				buf_adds(b, sqlite3_column_int(row, 0) ?
				    ",true\n" : ",false\n");
			} else {
				buf_adds(b, first ? "{\"pct\":" : ",{\"pct\":");
				put_num(b, ser[i].pct, 0);
				for (f = 0; f < NF; f++) {
					buf_adds(b, ",\"");
					buf_adds(b, field_col[f]);
					buf_adds(b, "\":");
					put_num(b, sqlite3_column_double(row,
					    1 + f), 0);
				}
				buf_adds(b, sqlite3_column_int(row, 0) ?
				    ",\"complete\":true}" :
				    ",\"complete\":false}");
			}
			first = 0;
			sqlite3_reset(row);
		}
		if (!csv)
			buf_adds(b, "]}\n");
		free(ser);
		ser = NULL;
		if (q_line(&q, 0) < 0)
			goto out;
	}
	if (r != SQLITE_DONE) {
		q_dbfail(&q, "query");
		goto out;
	}
	ret = q_line(&q, 1);
out:
	free(ser);
	for (i = 0; i < LQ_COUNT; i++)
		sqlite3_finalize(st[i]);
	return ret;
}

enum {
	SQ_SYM, SQ_SER, SQ_DAYS, SQ_NDAYS, SQ_KEPT, SQ_KEPT_D, SQ_KEPT_H,
	SQ_COUNT
};

/* The figures of one symbol for history_symbols(). */
struct symstat {
	int64_t minutes, oldest, newest, days, kept, kept_oldest;
	int has_kept;
};

static int
symbol_stats(struct q *q, sqlite3_stmt **st, const struct qser *ser,
    size_t n, int64_t symid, struct symstat *ss)
{
	size_t i;
	int r;

	memset(ss, 0, sizeof *ss);
	ss->oldest = INT64_MAX;
	ss->newest = INT64_MIN;
	ss->kept_oldest = INT64_MAX;
	for (i = 0; i < n; i++) {
		int64_t minutes, first, kept, k, hour, day;

		sqlite3_bind_int64(st[SQ_DAYS], 1, ser[i].sid);
		r = sqlite3_step(st[SQ_DAYS]);
		if (r != SQLITE_ROW) {
			sqlite3_reset(st[SQ_DAYS]);
			return q_dbfail(q, "query");
		}
		if (sqlite3_column_type(st[SQ_DAYS], 0) == SQLITE_NULL) {
			sqlite3_reset(st[SQ_DAYS]);
			continue;
		}
		minutes = sqlite3_column_int64(st[SQ_DAYS], 0);
		first = sqlite3_column_int64(st[SQ_DAYS], 1);
		if (minutes > ss->minutes)
			ss->minutes = minutes;
		if (first < ss->oldest)
			ss->oldest = first;
		if (sqlite3_column_int64(st[SQ_DAYS], 2) > ss->newest)
			ss->newest = sqlite3_column_int64(st[SQ_DAYS], 2);
		sqlite3_reset(st[SQ_DAYS]);

		/* Minutes still held: pruning removes whole hours, so they
		 * are all the minutes of the hours from the first held. */
		sqlite3_bind_int64(st[SQ_KEPT], 1, ser[i].sid);
		r = q_int(q, st[SQ_KEPT], &k);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		if (k < ss->kept_oldest)
			ss->kept_oldest = k;
		ss->has_kept = 1;
		hour = floor_to(k, HOUR);
		if (hour <= floor_to(first, HOUR)) {
			kept = minutes;
		} else {
			day = floor_to(k, DAY);
			sqlite3_bind_int64(st[SQ_KEPT_D], 1, ser[i].sid);
			sqlite3_bind_int64(st[SQ_KEPT_D], 2, day + DAY);
			if (q_int(q, st[SQ_KEPT_D], &kept) < 0)
				return -1;
			sqlite3_bind_int64(st[SQ_KEPT_H], 1, ser[i].sid);
			sqlite3_bind_int64(st[SQ_KEPT_H], 2, hour);
			sqlite3_bind_int64(st[SQ_KEPT_H], 3, day + DAY);
			r = q_int(q, st[SQ_KEPT_H], &k);
			if (r < 0)
				return -1;
			kept += k;
		}
		if (kept > ss->kept)
			ss->kept = kept;
	}
	sqlite3_bind_int64(st[SQ_NDAYS], 1, symid);
	if (q_int(q, st[SQ_NDAYS], &ss->days) < 0)
		return -1;
	return 0;
}

int
history_symbols(sqlite3 *db, const char *venue, const char *market,
    const char *symbol, struct history_out *out, char *why, size_t whylen)
{
	static const char *const sql[SQ_COUNT] = {
		[SQ_SER] = "SELECT id, pct FROM bands_series WHERE "
		    "symbol_id = ?1 ORDER BY pct",
		[SQ_DAYS] = "SELECT sum(n), min(first_time), max(last_time) "
		    "FROM bands_1d WHERE sid = ?1",
		[SQ_NDAYS] = "SELECT count(DISTINCT d.time) FROM bands_series "
		    "b JOIN bands_1d d ON d.sid = b.id WHERE b.symbol_id = ?1",
		[SQ_KEPT] = "SELECT time FROM bands_1m WHERE sid = ?1 "
		    "ORDER BY time LIMIT 1",
		[SQ_KEPT_D] = "SELECT coalesce(sum(n), 0) FROM bands_1d "
		    "WHERE sid = ?1 AND time >= ?2",
		[SQ_KEPT_H] = "SELECT coalesce(sum(n), 0) FROM bands_1h "
		    "WHERE sid = ?1 AND time >= ?2 AND time < ?3",
	};
	struct q q = { db, out, why, whylen };
	sqlite3_stmt *st[SQ_COUNT] = { NULL };
	struct qser *ser = NULL;
	struct symstat ss;
	struct buf *b = out->buf;
	int csv = out->format == HISTORY_CSV, r, ret = -1, i;
	size_t n, j;

	why[0] = '\0';
	if (csv)
		buf_adds(b, "venue,market,symbol,pcts,minutes,oldest,newest,"
		    "days,minutes_kept,kept_oldest\n");
	r = q_has_tables(&q);
	if (r <= 0)
		return r < 0 ? -1 : q_line(&q, 1);
	if (q_symbols(&q, venue, market, symbol, &st[SQ_SYM]) < 0)
		goto out;
	for (i = 1; i < SQ_COUNT; i++)
		if (q_prepare(&q, sql[i], &st[i]) < 0)
			goto out;
	while ((r = sqlite3_step(st[SQ_SYM])) == SQLITE_ROW) {
		int64_t symid = sqlite3_column_int64(st[SQ_SYM], 0);

		if (q_series_of(&q, st[SQ_SER], symid, &ser, &n) < 0 ||
		    symbol_stats(&q, st, ser, n, symid, &ss) < 0)
			goto out;
		if (n == 0 || ss.minutes == 0) {
			free(ser);
			ser = NULL;
			continue;
		}
		if (csv) {
			put_symbol_csv(b, st[SQ_SYM]);
			if (n > 1)
				buf_addc(b, '"');
		} else {
			put_symbol_json(b, st[SQ_SYM]);
			buf_adds(b, ",\"pcts\":[");
		}
		for (j = 0; j < n; j++) {
			if (j > 0)
				buf_addc(b, ',');
			put_num(b, ser[j].pct, csv);
		}
		if (csv) {
			buf_adds(b, n > 1 ? "\"," : ",");
			buf_addf(b, "%" PRId64 ",%" PRId64 ",%" PRId64 ",%"
			    PRId64 ",%" PRId64 ",", ss.minutes, ss.oldest,
			    ss.newest, ss.days, ss.kept);
			if (ss.has_kept)
				buf_addi(b, ss.kept_oldest);
			buf_addc(b, '\n');
		} else {
			buf_addf(b, "],\"minutes\":%" PRId64 ",\"oldest\":%"
			    PRId64 ",\"newest\":%" PRId64 ",\"days\":%" PRId64
			    ",\"minutes_kept\":%" PRId64 ",\"kept_oldest\":",
			    ss.minutes, ss.oldest, ss.newest, ss.days,
			    ss.kept);
			if (ss.has_kept)
				buf_addi(b, ss.kept_oldest);
			else
				buf_adds(b, "null");
			buf_adds(b, "}\n");
		}
		free(ser);
		ser = NULL;
		if (q_line(&q, 0) < 0)
			goto out;
	}
	if (r != SQLITE_DONE) {
		q_dbfail(&q, "query");
		goto out;
	}
	ret = q_line(&q, 1);
out:
	free(ser);
	for (i = 0; i < SQ_COUNT; i++)
		sqlite3_finalize(st[i]);
	return ret;
}
