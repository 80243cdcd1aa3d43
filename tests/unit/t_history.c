/*
 * t_history: the history tables on an in-memory database -- the last
 * event of a minute (by time, ties to the later one), out-of-order
 * minutes across hour and day boundaries, a replaced minute that was an
 * hour's minimum, re-adding changes nothing, pruning keeps the rollups
 * and refuses older minutes afterwards, trades/fills/orders unique, bad
 * events skipped, database errors reported, and the exact text of the
 * queries (series at each resolution, auto, latest, symbols, CSV quoting,
 * numbers never in exponent form, the flush callback).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "store/history.h"
#include "tap.h"

#define T0	1700006400000LL	/* 2023-11-15T00:00:00Z, a day's start */
#define MIN	60000LL
#define HOUR	3600000LL
#define DAY	86400000LL

static sqlite3 *db;
static struct history *h;

static int
add(const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	return history_add(h, line, strlen(line));
}

/* One bands event with one band of pct 1.5. */
static int
band(const char *sym, int64_t t, double bq, double aq, int complete)
{
	return add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"%s\",\"time\":%" PRId64 ",\"best_bid\":1,"
	    "\"bands\":[{\"pct\":1.5,\"bid_qty\":%.17g,\"ask_qty\":%.17g,"
	    "\"bid_value\":%.17g,\"ask_value\":%.17g,\"complete\":%s}]}", sym,
	    t, bq, aq, bq * 10, aq * 10, complete ? "true" : "false");
}

static void
exec(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		tap_diag("%s: %s", sql, msg);
		abort();
	}
}

/* The first column of the first row, as text (static buffer). */
static const char *
q1(const char *fmt, ...)
{
	static char out[1024];
	char sql[1024];
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		tap_diag("%s: %s", sql, sqlite3_errmsg(db));
		abort();
	}
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, sizeof out, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* Every row of every history table, exactly (doubles %.17g). */
static char *
dump(void)
{
	static const char *const tables[] = {
		"hist_symbols", "bands_series", "bands_1m", "bands_1h",
		"bands_1d", "trades", "fills", "orders", "hist_meta",
	};
	struct buf b;
	size_t i;
	int c;

	buf_init(&b, 0);
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		sqlite3_stmt *st;
		char sql[128];

		snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1, 2",
		    tables[i]);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			abort();
		buf_addf(&b, "== %s\n", tables[i]);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (c = 0; c < sqlite3_column_count(st); c++) {
				if (sqlite3_column_type(st, c) == SQLITE_FLOAT)
					buf_addf(&b, "%.17g|",
					    sqlite3_column_double(st, c));
				else
					buf_addf(&b, "%s|",
					    sqlite3_column_text(st, c));
			}
			buf_addc(&b, '\n');
		}
		sqlite3_finalize(st);
	}
	buf_addc(&b, '\0');
	return b.p;
}

static void
open_db(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		abort();
	h = history_new(db);
	if (!h)
		abort();
}

static void
close_db(void)
{
	history_free(h);
	h = NULL;
	sqlite3_close(db);
	db = NULL;
}

static void
flush(void)
{
	if (history_flush(h) < 0) {
		tap_diag("flush: %s", history_errmsg(h));
		abort();
	}
}

/* ---- writing ---- */

static void
test_last_of_minute(void)
{
	open_db();
	/* Three events in one minute, not in time order, then a tie. */
	tap_eq_i(band("BTCUSDT", T0 + 5000, 5, 50, 1), 0, "add");
	band("BTCUSDT", T0 + 30000, 30, 300, 1);
	band("BTCUSDT", T0 + 10000, 10, 100, 1);
	flush();
	tap_eq_s(q1("SELECT off || ' ' || bid_qty || ' ' || ask_qty FROM "
	    "bands_1m"), "30000 30.0 300.0", "minute keeps the latest event");
	/* After a flush too: an earlier event is ignored, a tie replaces. */
	band("BTCUSDT", T0 + 29999, 1, 1, 1);
	flush();
	tap_eq_s(q1("SELECT bid_qty FROM bands_1m"), "30.0",
	    "an earlier event of a written minute changes nothing");
	band("BTCUSDT", T0 + 30000, 31, 301, 0);
	flush();
	tap_eq_s(q1("SELECT bid_qty || ' ' || complete FROM bands_1m"),
	    "31.0 0", "a tie goes to the event added later");
	tap_eq_s(q1("SELECT n || ' ' || n_complete || ' ' || bid_qty_sum || "
	    "' ' || bid_qty_last FROM bands_1h"), "1 0 31.0 31.0",
	    "the hour follows the replaced minute");
	tap_eq_s(q1("SELECT count(*) FROM bands_1m"), "1", "one row");
	/* Ties inside the pending minute (no flush between). */
	band("BTCUSDT", T0 + MIN, 1, 1, 1);
	band("BTCUSDT", T0 + MIN, 2, 2, 1);
	flush();
	tap_eq_s(q1("SELECT bid_qty FROM bands_1m WHERE time = %" PRId64,
	    T0 + MIN), "2.0", "a tie before the flush: the later one");
	close_db();
}

static void
test_rollups(void)
{
	char *a, *b;

	open_db();
	/* Minutes around midnight, out of order, in two flushes. */
	band("ETHUSDT", T0 + 1 * MIN, 4, 1, 1);		/* day 1, hour 0 */
	band("ETHUSDT", T0 - 1 * MIN, 7, 1, 1);		/* day 0, 23:59 */
	band("ETHUSDT", T0 + 59 * MIN, 2, 1, 0);	/* day 1, hour 0 */
	flush();
	band("ETHUSDT", T0 - 2 * MIN, 9, 1, 1);		/* day 0, 23:58 */
	band("ETHUSDT", T0 + 60 * MIN, 3, 1, 1);	/* day 1, hour 1 */
	band("ETHUSDT", T0, 6, 1, 1);			/* day 1, 00:00 */
	flush();
	tap_eq_s(q1("SELECT group_concat((time - %" PRId64 ") || ':' || n || "
	    "':' || n_complete || ':' || bid_qty_sum || ':' || bid_qty_min || "
	    "':' || bid_qty_max || ':' || bid_qty_last || ':' || "
	    "(first_time - time) || ':' || (last_time - time), ' ') FROM "
	    "(SELECT * FROM bands_1h ORDER BY time)", T0),
	    "-3600000:2:2:16.0:7.0:9.0:7.0:3480000:3540000 "
	    "0:3:2:12.0:2.0:6.0:2.0:0:3540000 "
	    "3600000:1:1:3.0:3.0:3.0:3.0:0:0", "hours");
	tap_eq_s(q1("SELECT group_concat((time - %" PRId64 ") || ':' || n || "
	    "':' || bid_qty_sum || ':' || bid_qty_min || ':' || bid_qty_max || "
	    "':' || bid_qty_last || ':' || ask_value_sum, ' ') FROM "
	    "(SELECT * FROM bands_1d ORDER BY time)", T0),
	    "-86400000:2:16.0:7.0:9.0:7.0:20.0 0:4:15.0:2.0:6.0:3.0:40.0",
	    "days from hours, last by time");

	/* The hour's minimum (2 at 00:59) replaced by a larger value. */
	band("ETHUSDT", T0 + 59 * MIN + 1, 8, 1, 1);
	flush();
	tap_eq_s(q1("SELECT n || ':' || n_complete || ':' || bid_qty_sum || "
	    "':' || bid_qty_min || ':' || bid_qty_max || ':' || bid_qty_last "
	    "FROM bands_1h WHERE time = %" PRId64, T0),
	    "3:3:18.0:4.0:8.0:8.0", "replaced minimum: hour recomputed");
	tap_eq_s(q1("SELECT n || ':' || bid_qty_sum || ':' || bid_qty_min || "
	    "':' || bid_qty_max || ':' || bid_qty_last FROM bands_1d WHERE "
	    "time = %" PRId64, T0), "4:21.0:3.0:8.0:3.0",
	    "replaced minimum: day recomputed");
	tap_eq_i(history_stats(h)->minutes_new, 6, "stats: new minutes");
	tap_eq_i(history_stats(h)->minutes_changed, 1, "stats: changed");

	/* The same events again: nothing changes. */
	a = dump();
	band("ETHUSDT", T0 + 1 * MIN, 4, 1, 1);
	band("ETHUSDT", T0 - 1 * MIN, 7, 1, 1);
	band("ETHUSDT", T0 + 59 * MIN, 2, 1, 0);
	band("ETHUSDT", T0 - 2 * MIN, 9, 1, 1);
	band("ETHUSDT", T0 + 60 * MIN, 3, 1, 1);
	band("ETHUSDT", T0, 6, 1, 1);
	band("ETHUSDT", T0 + 59 * MIN + 1, 8, 1, 1);
	flush();
	b = dump();
	tap_eq_s(b, a, "re-adding the same events changes no table");
	free(a);
	free(b);
	close_db();
}

static void
test_prune(void)
{
	int64_t deleted = -1, i;
	char *a, *b;

	open_db();
	for (i = 0; i < 180; i++)
		band("BTCUSDT", T0 + i * MIN, (double)i, 1, 1);
	flush();
	a = dump();
	/* 01:30 is rounded down to 01:00: the first hour goes. */
	tap_eq_i(history_prune(h, T0 + 90 * MIN, &deleted), 0, "prune");
	tap_eq_i(deleted, 60, "prune deletes whole hours of minutes");
	tap_eq_s(q1("SELECT count(*) || ' ' || (min(time) - %" PRId64 ") FROM "
	    "bands_1m", T0), "120 3600000", "the minutes after stay");
	tap_eq_s(q1("SELECT count(*) || ' ' || sum(n) FROM bands_1h"),
	    "3 180", "hours stay");
	tap_eq_s(q1("SELECT n FROM bands_1d"), "180", "the day stays");
	tap_eq_s(q1("SELECT v FROM hist_meta WHERE k = 'minute_cutoff'"),
	    "1700010000000", "the cutoff is kept");
	/* Older minutes now are refused, newer ones taken. */
	band("BTCUSDT", T0 + 10 * MIN, 1000, 1, 1);
	band("BTCUSDT", T0 + 59 * MIN, 1000, 1, 1);
	flush();
	tap_eq_i(history_stats(h)->too_old, 2, "older minutes are refused");
	tap_eq_s(q1("SELECT bid_qty_max FROM bands_1h WHERE time = %" PRId64,
	    T0), "59.0", "and do not reach the rollups");
	/* A new history on the same database knows the cutoff. */
	history_free(h);
	h = history_new(db);
	band("BTCUSDT", T0 + 5 * MIN, 1000, 1, 1);
	flush();
	tap_eq_i(history_stats(h)->too_old, 1, "the cutoff survives reopen");
	b = dump();
	/* Only bands_1m and hist_meta differ from before the prune. */
	tap_ok(strstr(b, "== bands_1h") && strstr(a, "== bands_1h") &&
	    strcmp(strstr(b, "== bands_1h"), strstr(a, "== bands_1h")) != 0 &&
	    strncmp(strstr(b, "== bands_1h"), strstr(a, "== bands_1h"),
	    strstr(a, "== trades") - strstr(a, "== bands_1h")) == 0,
	    "rollups identical after the prune");
	/* A newer minute in a kept hour replaces the value normally. */
	band("BTCUSDT", T0 + 120 * MIN + 1, 500, 1, 1);
	flush();
	tap_eq_s(q1("SELECT n || ' ' || bid_qty_max FROM bands_1h WHERE "
	    "time = %" PRId64, T0 + 2 * HOUR), "60 500.0",
	    "a kept hour still recomputes from its minutes");
	/* An earlier cutoff than the kept one deletes nothing. */
	tap_eq_i(history_prune(h, T0, &deleted), 0, "prune earlier");
	tap_eq_i(deleted, 0, "nothing more to delete");
	tap_eq_s(q1("SELECT v FROM hist_meta WHERE k = 'minute_cutoff'"),
	    "1700010000000", "the cutoff never moves back");
	free(a);
	free(b);
	close_db();
}

static void
test_trades(void)
{
	char *a, *b;
	int i;

	open_db();
	for (i = 0; i < 2; i++) {
		add("{\"type\":\"trade\",\"venue\":\"binance\",\"market\":"
		    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ","
		    "\"id\":42,\"price\":30000.01,\"qty\":0.5,\"side\":\"buy\"}",
		    T0);
		add("{\"type\":\"trade\",\"venue\":\"binance\",\"market\":"
		    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ","
		    "\"id\":42,\"price\":30000,\"qty\":1,\"side\":\"sell\","
		    "\"agg\":true}", T0);
		add("{\"type\":\"trade\",\"venue\":\"bybit\",\"market\":"
		    "\"linear\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ","
		    "\"id\":\"a-42\",\"price\":\"30000.5\",\"qty\":2,"
		    "\"side\":\"sell\"}", T0);
		add("{\"type\":\"fill\",\"venue\":\"binance\",\"market\":"
		    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ","
		    "\"id\":\"i1\",\"order_id\":7,\"trade_id\":42,\"price\":30000,"
		    "\"qty\":0.1,\"fee\":0.0001,\"fee_asset\":\"BNB\"}", T0);
		add("{\"type\":\"order\",\"venue\":\"binance\",\"market\":"
		    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ","
		    "\"id\":\"i1\",\"order_id\":7,\"status\":\"filled\","
		    "\"qty\":0.1,\"filled_qty\":0.1}", T0 + 2);
		add("{\"type\":\"order\",\"venue\":\"binance\",\"market\":"
		    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ","
		    "\"id\":\"i1\",\"order_id\":7,\"status\":\"new\","
		    "\"qty\":0.1,\"filled_qty\":0}", T0 + 1);
		flush();
		if (i == 0)
			a = dump();
	}
	b = dump();
	tap_eq_s(b, a, "trades, fills, orders: re-adding adds nothing");
	tap_eq_s(q1("SELECT group_concat(agg || ':' || id || ':' || typeof(id) "
	    "|| ':' || price || ':' || side, ' ') FROM (SELECT * FROM trades "
	    "ORDER BY symbol_id, agg)"),
	    "0:42:integer:30000.01:buy 1:42:integer:30000.0:sell "
	    "0:a-42:text:30000.5:sell", "trades unique by symbol, agg, id");
	tap_eq_s(q1("SELECT count(*) || ' ' || fee || ' ' || fee_asset FROM "
	    "fills"), "1 0.0001 BNB", "one fill");
	tap_eq_s(q1("SELECT status || ' ' || filled_qty FROM orders"),
	    "filled 0.1", "the order's latest state by time");
	tap_eq_i(history_stats(h)->trades, 3, "stats: trades");
	free(a);
	free(b);
	close_db();
}

static void
test_bad(void)
{
	char *a, *b;
	int r = 0;

	open_db();
	band("BTCUSDT", T0, 1, 1, 1);
	flush();
	a = dump();
	r |= add("not json");
	r |= add("{\"type\":\"depth\",\"venue\":\"binance\"}");
	r |= add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"BTCUSDT\",\"bands\":[]}");
	r |= add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ",\"bands\":"
	    "[{\"pct\":1.5,\"bid_qty\":1,\"ask_qty\":\"x\",\"bid_value\":1,"
	    "\"ask_value\":1}]}", T0 + MIN);
	r |= add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ",\"bands\":"
	    "[{\"pct\":1.5,\"bid_qty\":1,\"ask_qty\":1,\"bid_value\":1,"
	    "\"ask_value\":1},7]}", T0 + MIN);
	r |= add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ",\"bands\":"
	    "[{\"pct\":0,\"bid_qty\":1,\"ask_qty\":1,\"bid_value\":1,"
	    "\"ask_value\":1}]}", T0 + MIN);
	r |= add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"time\":%" PRId64 ",\"bands\":[]}", T0 + MIN);
	r |= add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":1.5,\"bands\":[]}");
	r |= add("{\"type\":\"trade\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"BTCUSDT\",\"id\":1,\"qty\":1}");
	r |= add("{\"type\":\"fill\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"BTCUSDT\",\"price\":1,\"qty\":1}");
	r |= add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ",\"bands\":"
	    "[{\"pct\":1.5,\"bid_qty\":1,\"ask_qty\":1,\"bid_value\":1,"
	    "\"ask_value\":1e999}]}", T0 + MIN);
	flush();
	tap_eq_i(r, 0, "bad events are not errors");
	tap_eq_i(history_stats(h)->skipped, 9, "and are counted");
	tap_eq_s(history_why(h), "band field 'ask_value' missing or not a "
	    "number", "the last reason");
	b = dump();
	tap_eq_s(b, a, "and change nothing");
	free(a);
	free(b);

	/* A database error is one. */
	exec("DROP TABLE bands_1h");
	band("BTCUSDT", T0 + 2 * MIN, 1, 1, 1);
	band("BTCUSDT", T0 + 3 * MIN, 1, 1, 1);
	tap_eq_i(history_flush(h), -1, "a database error fails the flush");
	tap_ok(strstr(history_errmsg(h), "bands_1h") != NULL,
	    "and says what failed: %s", history_errmsg(h));
	close_db();
}

/* ---- queries ---- */

static char out_text[1 << 20];

static const char *
run_series(const char *sym, const char *venue, enum history_field f,
    enum history_res res, enum history_agg g, int64_t from, int64_t to,
    enum history_format fmt, enum history_res *used, int *err)
{
	struct history_series_q q = {
		.venue = venue, .market = venue ? "spot" : NULL,
		.symbol = sym, .pct = 1.5, .field = f, .res = res, .agg = g,
		.from = from, .to = to,
	};
	struct buf b;
	struct history_out o = { &b, fmt, NULL, NULL };
	char why[256];
	int r;

	buf_init(&b, 0);
	r = history_series(db, &q, &o, used, why, sizeof why);
	*err = r < 0 ? errno : 0;
	if (r < 0)
		snprintf(out_text, sizeof out_text, "error: %s", why);
	else
		snprintf(out_text, sizeof out_text, "%.*s", (int)b.len,
		    b.p ? b.p : "");
	buf_free(&b);
	return out_text;
}

static int chunks;

static int
collect(void *arg, struct buf *b)
{
	buf_add(arg, b->p, b->len);
	buf_reset(b);
	chunks++;
	return 0;
}

static void
test_queries(void)
{
	enum history_res used;
	struct buf b, c, d;
	struct history_out o;
	char why[256];
	int err, i;

	open_db();
	/* 00:00 .. 02:59 of day 1, value = minute number; and 23:00 of the
	 * day before. */
	for (i = 0; i < 180; i++)
		band("BTCUSDT", T0 + i * MIN + 7, i, 180 - i, i % 2);
	band("BTCUSDT", T0 - HOUR, 100000, 0.0000001, 1);
	band("ETHUSDT", T0, 1, 3, 1);
	add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":\"spot\","
	    "\"symbol\":\"A,B\",\"time\":%" PRId64 ",\"bands\":[{\"pct\":3,"
	    "\"bid_qty\":1e21,\"ask_qty\":0.5,\"bid_value\":1,\"ask_value\":1,"
	    "\"complete\":false},{\"pct\":1.5,\"bid_qty\":2,\"ask_qty\":2,"
	    "\"bid_value\":2,\"ask_value\":2}]}", T0);
	band("BTCUSDT", T0 + 2 * MIN, 2, 178, 0);	/* spot again: same */
	add("{\"type\":\"bands\",\"venue\":\"binance\",\"market\":\"futures\","
	    "\"symbol\":\"BTCUSDT\",\"time\":%" PRId64 ",\"bands\":[{\"pct\":"
	    "1.5,\"bid_qty\":1,\"ask_qty\":1,\"bid_value\":1,\"ask_value\":1}]}",
	    T0);
	flush();

	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_BID_QTY,
	    HISTORY_MINUTE, HISTORY_AVG, T0 + MIN + 1, T0 + 3 * MIN,
	    HISTORY_NDJSON, &used, &err),
	    "{\"time\":1700006460000,\"value\":1}\n"
	    "{\"time\":1700006520000,\"value\":2}\n"
	    "{\"time\":1700006580000,\"value\":3}\n",
	    "minute series: the minute overlapping from, to inclusive");
	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_BID_QTY,
	    HISTORY_HOUR, HISTORY_AVG, T0 - HOUR, T0 + 2 * HOUR - 1,
	    HISTORY_CSV, &used, &err),
	    "time,value\n1700002800000,100000\n1700006400000,29.5\n"
	    "1700010000000,89.5\n", "hourly avg, csv");
	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_ASK_QTY,
	    HISTORY_HOUR, HISTORY_MIN, T0 - HOUR, T0, HISTORY_NDJSON, &used,
	    &err), "{\"time\":1700002800000,\"value\":0.0000001}\n"
	    "{\"time\":1700006400000,\"value\":121}\n",
	    "hourly min, no exponent");
	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_BID_VALUE,
	    HISTORY_DAY, HISTORY_MAX, INT64_MIN, INT64_MAX, HISTORY_NDJSON,
	    &used, &err), "{\"time\":1699920000000,\"value\":1000000}\n"
	    "{\"time\":1700006400000,\"value\":1790}\n", "daily max");
	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_BID_QTY, HISTORY_DAY,
	    HISTORY_LAST, T0, T0, HISTORY_NDJSON, &used, &err),
	    "{\"time\":1700006400000,\"value\":179}\n", "daily last");
	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_BID_QTY, HISTORY_DAY,
	    HISTORY_COUNT, T0, T0, HISTORY_NDJSON, &used, &err),
	    "{\"time\":1700006400000,\"value\":180}\n", "daily count");
	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_IMBALANCE,
	    HISTORY_HOUR, HISTORY_AVG, T0, T0, HISTORY_NDJSON, &used, &err),
	    "{\"time\":1700006400000,\"value\":-67.22222222222223}\n",
	    "hourly imbalance: of the sums (1770 vs 9030)");
	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_IMBALANCE,
	    HISTORY_HOUR, HISTORY_MIN, T0, T0, HISTORY_NDJSON, &used, &err),
	    "error: field 'imbalance' has no aggregate 'min'",
	    "imbalance has no min");
	tap_eq_i(err, EINVAL, "EINVAL");
	tap_eq_s(run_series("BTCUSDT", "binance", HISTORY_VALUE_IMBALANCE,
	    HISTORY_MINUTE, HISTORY_AVG, T0 + 90 * MIN, T0 + 90 * MIN,
	    HISTORY_NDJSON, &used, &err),
	    "{\"time\":1700011800000,\"value\":0}\n", "minute imbalance");

	/* Latest, before pruning. */
	buf_init(&b, 0);
	o.buf = &b;
	o.format = HISTORY_NDJSON;
	o.flush = NULL;
	o.arg = NULL;
	tap_eq_i(history_latest(db, NULL, "spot", NULL, &o, why, sizeof why),
	    0, "latest");
	buf_addc(&b, '\0');
	tap_eq_s(b.p,
	    "{\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":\"A,B\","
	    "\"time\":1700006400000,\"bands\":[{\"pct\":1.5,\"bid_qty\":2,"
	    "\"ask_qty\":2,\"bid_value\":2,\"ask_value\":2,\"complete\":false},"
	    "{\"pct\":3,\"bid_qty\":1000000000000000000000,\"ask_qty\":0.5,"
	    "\"bid_value\":1,\"ask_value\":1,\"complete\":false}]}\n"
	    "{\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":\"BTCUSDT\","
	    "\"time\":1700017140000,\"bands\":[{\"pct\":1.5,\"bid_qty\":179,"
	    "\"ask_qty\":1,\"bid_value\":1790,\"ask_value\":10,"
	    "\"complete\":true}]}\n"
	    "{\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":\"ETHUSDT\","
	    "\"time\":1700006400000,\"bands\":[{\"pct\":1.5,\"bid_qty\":1,"
	    "\"ask_qty\":3,\"bid_value\":10,\"ask_value\":30,"
	    "\"complete\":true}]}\n", "latest, ndjson");
	/* Auto: by the range as far as there is data. */
	run_series("BTCUSDT", "binance", HISTORY_BID_QTY, HISTORY_AUTO,
	    HISTORY_AVG, T0, T0 + 10 * DAY, HISTORY_NDJSON, &used, &err);
	tap_eq_s(history_res_name(used), "minute",
	    "auto: 10 days asked, 3 hours of data: minutes");
	run_series("BTCUSDT", "binance", HISTORY_BID_QTY, HISTORY_AUTO,
	    HISTORY_AVG, INT64_MIN, INT64_MAX, HISTORY_NDJSON, &used, &err);
	tap_eq_s(history_res_name(used), "minute", "auto: open range");
	tap_eq_i(history_prune(h, T0 + HOUR, NULL), 0, "prune");
	run_series("BTCUSDT", "binance", HISTORY_BID_QTY, HISTORY_AUTO,
	    HISTORY_AVG, T0, T0 + DAY, HISTORY_NDJSON, &used, &err);
	tap_eq_s(history_res_name(used), "hour",
	    "auto: hours when the minutes at the start were pruned");
	run_series("BTCUSDT", "binance", HISTORY_BID_QTY, HISTORY_AUTO,
	    HISTORY_AVG, T0 + HOUR, T0 + DAY, HISTORY_NDJSON, &used, &err);
	tap_eq_s(history_res_name(used), "minute", "auto: minutes after it");

	/* Finding the series. */
	tap_eq_s(run_series("BTCUSDT", NULL, HISTORY_BID_QTY, HISTORY_MINUTE,
	    HISTORY_AVG, 0, 1, HISTORY_NDJSON, &used, &err),
	    "error: symbol 'BTCUSDT' is in binance:futures and binance:spot: "
	    "give the venue and market", "an ambiguous symbol");
	tap_eq_i(err, EINVAL, "EINVAL");
	run_series("ETHUSDT", NULL, HISTORY_BID_QTY, HISTORY_MINUTE,
	    HISTORY_AVG, T0, T0, HISTORY_NDJSON, &used, &err);
	tap_eq_i(err, 0, "an unambiguous one needs no venue");
	tap_eq_s(run_series("XRPUSDT", "binance", HISTORY_BID_QTY,
	    HISTORY_MINUTE, HISTORY_AVG, 0, 1, HISTORY_NDJSON, &used, &err),
	    "error: unknown symbol 'XRPUSDT': the journal has A,B, BTCUSDT "
	    "and ETHUSDT", "an unknown symbol: the known ones listed");
	tap_eq_i(err, ENOENT, "ENOENT");

	buf_reset(&b);
	o.format = HISTORY_CSV;
	tap_eq_i(history_symbols(db, NULL, "spot", NULL, &o, why, sizeof why),
	    0, "symbols");
	buf_addc(&b, '\0');
	tap_eq_s(b.p,
	    "venue,market,symbol,pcts,minutes,oldest,newest,days,"
	    "minutes_kept,kept_oldest\n"
	    "binance,spot,\"A,B\",\"1.5,3\",1,1700006400000,1700006400000,1,"
	    "0,\n"
	    "binance,spot,BTCUSDT,1.5,181,1700002800000,1700017140000,2,120,"
	    "1700010000000\n"
	    "binance,spot,ETHUSDT,1.5,1,1700006400000,1700006400000,1,0,\n",
	    "symbols, csv: quoting, pruned minutes");
	buf_reset(&b);
	o.format = HISTORY_NDJSON;
	tap_eq_i(history_symbols(db, "binance", "spot", "BTCUSDT", &o, why,
	    sizeof why), 0, "symbols, one");
	buf_addc(&b, '\0');
	tap_eq_s(b.p, "{\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":"
	    "\"BTCUSDT\",\"pcts\":[1.5],\"minutes\":181,\"oldest\":"
	    "1700002800000,\"newest\":1700017140000,\"days\":2,"
	    "\"minutes_kept\":120,\"kept_oldest\":1700010000000}\n",
	    "symbols, ndjson");

	/* Through the flush callback, in chunks: the same bytes. */
	for (i = 0; i < 3000; i++)
		band("SOLUSDT", T0 + 10 * DAY + i * MIN, i + 0.25, 1, 1);
	flush();
	buf_reset(&b);
	buf_init(&c, 0);
	buf_init(&d, 0);
	{
		struct history_series_q q = {
			.venue = "binance", .market = "spot",
			.symbol = "SOLUSDT", .pct = 1.5,
			.field = HISTORY_BID_QTY, .res = HISTORY_MINUTE,
			.from = INT64_MIN, .to = INT64_MAX,
		};

		tap_eq_i(history_series(db, &q, &o, NULL, why, sizeof why), 0,
		    "series into one buffer");
		o.buf = &d;
		o.flush = collect;
		o.arg = &c;
		tap_eq_i(history_series(db, &q, &o, NULL, why, sizeof why), 0,
		    "series through the callback");
		tap_ok(chunks >= 2 && c.len == b.len && memcmp(b.p, c.p,
		    b.len) == 0, "the same bytes in %d chunks", chunks);
	}
	buf_free(&b);
	buf_free(&c);
	buf_free(&d);
	close_db();

	/* A database without the tables. */
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		abort();
	buf_init(&b, 0);
	o.buf = &b;
	o.format = HISTORY_CSV;
	o.flush = NULL;
	tap_eq_i(history_latest(db, NULL, NULL, NULL, &o, why, sizeof why), 0,
	    "latest without tables");
	buf_addc(&b, '\0');
	tap_eq_s(b.p, "venue,market,symbol,time,pct,bid_qty,ask_qty,"
	    "bid_value,ask_value,complete\n", "is the CSV header only");
	run_series("BTCUSDT", NULL, HISTORY_BID_QTY, HISTORY_MINUTE,
	    HISTORY_AVG, 0, 1, HISTORY_NDJSON, &used, &err);
	tap_eq_i(err, ENOENT, "series without tables: ENOENT");
	buf_free(&b);
	sqlite3_close(db);
}

static void
test_numbers(void)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{ 100000, "100000" }, { 0.1, "0.1" }, { -2.5, "-2.5" },
		{ 1e21, "1000000000000000000000" }, { 1e-7, "0.0000001" },
		{ 123456789.123, "123456789.123" }, { -0.0, "0" },
		{ 0.30000000000000004, "0.30000000000000004" },
		{ 41348349.7584160223, "41348349.75841602" },
		{ 1.25e-5, "0.0000125" },
		/* 16 digits; 17 rounded up with a carry to one digit */
		{ 0.9999999999999999, "0.9999999999999999" },
		{ 9.9999999999999999e22, "100000000000000000000000" },
		/* 15 digits; a subnormal */
		{ 123.456789012345, "123.456789012345" },
		{ 1.5e-323,
		    "0.00000000000000000000000000000000000000000000000000000000"
		    "0000000000000000000000000000000000000000000000000000000000"
		    "0000000000000000000000000000000000000000000000000000000000"
		    "0000000000000000000000000000000000000000000000000000000000"
		    "0000000000000000000000000000000000000000000000000000000000"
		    "000000000000000000000000000000000015" },
	};
	char s[HISTORY_NUM_MAX];
	size_t i;
	int n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		history_fmt_num(s, cases[i].v);
		tap_eq_s(s, cases[i].s, cases[i].s);
	}
	history_fmt_num(s, NAN);
	tap_eq_s(s, "null", "NaN is null");
	n = history_fmt_num(s, 4.9406564584124654e-324);
	tap_ok(n == 326 && strtod(s, NULL) == 4.9406564584124654e-324,
	    "the smallest double: %d bytes, reads back", n);
	n = history_fmt_num(s, -1.7976931348623157e308);
	tap_ok(n == 310 && strtod(s, NULL) == -1.7976931348623157e308,
	    "the largest: %d bytes, reads back", n);
	tap_eq_i(history_field_parse("ask_value"), HISTORY_ASK_VALUE,
	    "field names");
	tap_eq_i(history_agg_parse("median"), -1, "unknown aggregate");
	tap_eq_i(history_res_parse("day"), HISTORY_DAY, "resolution names");
}

int
main(void)
{
	test_last_of_minute();
	test_rollups();
	test_prune();
	test_trades();
	test_bad();
	test_queries();
	test_numbers();
	return tap_done();
}
