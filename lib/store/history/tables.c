/*
 * history/tables.c: mkt-journal's history tables in its SQLite index:
 * the schema, the statements kept prepared, the handle and its errors
 * (see history.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

const char *const hist_field_col[NF] = {
	"bid_qty", "ask_qty", "bid_value", "ask_value",
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

#define CANDLE_VIEWS \
	SYMBOL_VIEW("candles_1m_v", "candles_1m") \
	SYMBOL_VIEW("candles_1h_v", "candles_1h") \
	SYMBOL_VIEW("candles_1d_v", "candles_1d")

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
	struct db_err e;

	if (db_exec(db, schema_sql, "create the history tables", &e) < 0 ||
	    db_exec(db, hist_candle_schema, "create the candle tables",
	    &e) < 0 ||
	    db_exec(db, CANDLE_VIEWS, "create the candle views", &e) < 0) {
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
	    "n = n + excluded.n, "
	    "n_complete = n_complete + excluded.n_complete, "
	    "first_time = min(first_time, excluded.first_time), "
	    "last_time = max(last_time, excluded.last_time)", table);
	for (f = 0; f < NF && n < cap; f++) {
		const char *c = hist_field_col[f];

		n += (size_t)snprintf(dst + n, cap - n, ", %s_sum = %s_sum + "
		    "excluded.%s_sum, %s_min = min(%s_min, excluded.%s_min), "
		    "%s_max = max(%s_max, excluded.%s_max), %s_last = CASE "
		    "WHEN excluded.last_time >= last_time "
		    "THEN excluded.%s_last "
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

int
hist_db_failed(struct history *h)
{
	snprintf(h->err, sizeof h->err, "%s: %s", h->dbe.step, h->dbe.msg);
	errno = EIO;
	return -1;
}

int
hist_done(struct history *h, sqlite3_stmt *st, const char *what)
{
	if (db_done(st, what, &h->dbe) < 0)
		return hist_db_failed(h);
	return 0;
}

int
hist_row(struct history *h, sqlite3_stmt *st, const char *what)
{
	int r = db_step(st, what, &h->dbe);

	if (r > 0)
		return 0;
	if (r == 0)
		db_fail(&h->dbe, h->db, SQLITE_DONE, what);
	sqlite3_reset(st);
	return hist_db_failed(h);
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
		if (db_prepare(db, s, DB_PERSISTENT, &h->st[i],
		    "prepare a statement", &h->dbe) < 0)
			goto fail;
	}
	if (hist_candle_prepare(h) < 0)
		goto fail;
	if (db_prepare(db, "SELECT v FROM hist_meta WHERE "
	    "k = 'minute_cutoff'", 0, &st, "read hist_meta", &h->dbe) < 0)
		goto fail;
	r = db_step(st, "read hist_meta", &h->dbe);
	if (r > 0)
		h->cutoff = sqlite3_column_int64(st, 0);
	else if (r < 0)
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
	hist_candle_free(h);
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
