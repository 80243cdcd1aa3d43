/*
 * fuzz_history: libFuzzer harness for lib/history.  Each input's lines go
 * to history_add() on an in-memory database (kept across inputs, renewed
 * every 500), then history_flush(); no line may be a database error, and
 * afterwards every hourly row must count the minute rows of its hour and
 * every daily row the minutes of its hours.  The latest and symbols
 * queries must write valid JSON objects; a series query of mkt-diff's
 * TOTAL sum (and of a symbol that may be ambiguous or unknown) answers
 * with valid lines or fails with a reason.  Every candle hour (day) that
 * is there counts the trades of its minutes (hours), and the candle
 * queries write candle events or fail with a reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "store/history.h"
#include "base/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;
static struct history *h;
static int inputs;

static void
check(int cond)
{
	if (!cond)
		abort();
}

static long
count(const char *sql)
{
	sqlite3_stmt *st;
	long n;

	check(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
	check(sqlite3_step(st) == SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Every line of b is a JSON object. */
static void
check_lines(const struct buf *b)
{
	static struct json_obj o;
	const char *p = b->p, *end, *nl, *why;
	size_t where;

	if (b->len == 0)
		return;
	end = p + b->len;
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		check(nl != NULL);
		check(json_parse_object(p, nl - p, &o, &why, &where) == 0);
		p = nl + 1;
	}
}

/* A series of the 1.5% band of symbol: lines, or a reason. */
static void
series(struct history_out *out, const char *symbol)
{
	struct history_series_q q;
	char why[1024];

	memset(&q, 0, sizeof q);
	q.symbol = symbol;
	q.pct = 1.5;
	q.from = INT64_MIN;
	q.to = INT64_MAX;
	buf_reset(out->buf);
	if (history_series(db, &q, out, NULL, why, sizeof why) == 0)
		check_lines(out->buf);
	else
		check(why[0] != '\0');
}

/* The candles of symbol at res: lines, or a reason. */
static void
candles(struct history_out *out, const char *symbol, enum history_res res)
{
	struct history_series_q q;
	char why[1024];

	memset(&q, 0, sizeof q);
	q.symbol = symbol;
	q.res = res;
	q.from = INT64_MIN;
	q.to = INT64_MAX;
	buf_reset(out->buf);
	if (history_candles(db, &q, out, NULL, why, sizeof why) == 0)
		check_lines(out->buf);
	else
		check(why[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = size ? p + size : p, *nl;
	struct buf b;
	struct history_out out;
	char why[256];

	if (inputs++ % 500 == 0) {
		history_free(h);
		if (db)
			sqlite3_close(db);
		check(sqlite3_open(":memory:", &db) == SQLITE_OK);
		h = history_new(db);
		check(h != NULL);
	}
	check(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		check(history_add(h, p, nl - p) == 0);
		p = nl + 1;
	}
	check(history_flush(h) == 0);
	check(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);

	check(count("SELECT count(*) FROM bands_1h r WHERE n != (SELECT "
	    "count(*) FROM bands_1m m WHERE m.sid = r.sid AND m.time >= r.time "
	    "AND m.time < r.time + 3600000)") == 0);
	check(count("SELECT count(*) FROM bands_1d r WHERE n != (SELECT "
	    "sum(n) FROM bands_1h m WHERE m.sid = r.sid AND m.time >= r.time "
	    "AND m.time < r.time + 86400000)") == 0);
	check(count("SELECT count(*) FROM bands_1m m WHERE NOT EXISTS (SELECT "
	    "1 FROM bands_1h r WHERE r.sid = m.sid AND r.time = m.time / "
	    "3600000 * 3600000 - (m.time % 3600000 < 0) * 3600000)") == 0);

	check(count("SELECT count(*) FROM candles_1h r WHERE trades != "
	    "(SELECT sum(trades) FROM candles_1m m WHERE m.symbol_id = "
	    "r.symbol_id AND m.time >= r.time AND m.time < r.time + "
	    "3600000)") == 0);
	check(count("SELECT count(*) FROM candles_1d r WHERE trades != "
	    "(SELECT sum(trades) FROM candles_1h m WHERE m.symbol_id = "
	    "r.symbol_id AND m.time >= r.time AND m.time < r.time + "
	    "86400000)") == 0);

	buf_init(&b, 0);
	out.buf = &b;
	out.format = HISTORY_NDJSON;
	out.flush = NULL;
	out.arg = NULL;
	check(history_latest(db, NULL, NULL, NULL, &out, why, sizeof why) ==
	    0);
	check_lines(&b);
	buf_reset(&b);
	check(history_symbols(db, NULL, NULL, NULL, &out, why, sizeof why) ==
	    0);
	check_lines(&b);
	series(&out, "TOTAL");
	series(&out, "BTCUSDT");
	candles(&out, "BTCUSDT", HISTORY_AUTO);
	candles(&out, "BTCUSDT", HISTORY_MINUTE);
	candles(&out, "BTCUSDT", HISTORY_DAY);
	buf_free(&b);
	return 0;
}
