/*
 * hist-load: drive lib/history on a SQLite file, for the tests and the
 * benchmark, the way mkt-journal does (a WAL database, history_add() for
 * every line inside transactions of --batch lines, history_flush() before
 * each COMMIT), and run its queries.
 *
 *   hist-load [--batch N] [--cache MB] DB < EVENTS      load
 *   hist-load --plain [--batch N] [--cache MB] DB < EVENTS
 *       the seed's approach for comparison: every band of every bands
 *       event as a plain row of one table bands_plain (venue, market,
 *       symbol, pct, minute, values) with a unique index
 *   hist-load DB query series|latest|symbols [options]
 *   hist-load --plain DB query series [options]    (from bands_plain)
 *   hist-load DB prune (--before T | --keep DUR [--now T])
 *   hist-load DB rows      the minute rows as CSV, for PostgreSQL's COPY
 *   hist-load --csv < EVENTS   the plain rows of the events as CSV, in
 *       stream order (venue, market, symbol, pct, minute, values)
 *
 * Load figures go to standard error as NAME=VALUE lines; with --repeat N
 * a query runs N times and its median time is printed as query_ms=X.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "prog/err.h"
#include "event/event.h"
#include "store/history.h"
#include "io/in.h"
#include "base/timeutil.h"

static const char usage_text[] =
	"usage: hist-load [--plain] [--batch N] [--cache MB] DB < EVENTS\n"
	"       hist-load [--plain] DB query series --symbol S [--venue V]\n"
	"           [--market M] --pct P [--field F] [--from T] [--to T]\n"
	"           [--resolution minute|hour|day|auto] [--agg A]\n"
	"           [--format ndjson|csv] [--repeat N]\n"
	"       hist-load DB query latest|symbols [--venue V] [--market M]\n"
	"           [--symbol S] [--format ndjson|csv] [--repeat N]\n"
	"       hist-load DB prune (--before T | --keep DUR [--now T])\n"
	"       hist-load DB rows\n"
	"       hist-load --csv < EVENTS\n";

static int plain, csv_rows;
static long batch = 10000;
static long cache_mb = 64;

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("'%s': %s", sql, msg ? msg : sqlite3_errmsg(db));
}

static sqlite3 *
open_db(const char *path, int readonly)
{
	sqlite3 *db;
	char sql[64];

	if (sqlite3_open_v2(path, &db, readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		die("cannot open '%s': %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	if (!readonly) {
		exec_sql(db, "PRAGMA journal_mode=WAL");
		exec_sql(db, "PRAGMA synchronous=NORMAL");
	}
	snprintf(sql, sizeof sql, "PRAGMA cache_size=%ld", -cache_mb * 1024);
	exec_sql(db, sql);
	return db;
}

static int
flush_stdout(void *arg, struct buf *b)
{
	(void)arg;
	if (b->len > 0 && fwrite(b->p, 1, b->len, stdout) != b->len)
		return -1;
	buf_reset(b);
	return 0;
}

/* ---- the seed's approach: plain rows ---- */

static int
span_double(const struct json_span *v, double *out)
{
	char tmp[128], *end;

	if (!v || v->type != JSON_NUMBER || v->n >= sizeof tmp)
		return -1;
	memcpy(tmp, v->p, v->n);
	tmp[v->n] = '\0';
	*out = strtod(tmp, &end);
	return end == tmp + v->n ? 0 : -1;
}

static void
plain_schema(sqlite3 *db)
{
	exec_sql(db, "CREATE TABLE IF NOT EXISTS bands_plain("
	    "time INTEGER NOT NULL, venue TEXT NOT NULL, market TEXT NOT NULL, "
	    "symbol TEXT NOT NULL, pct REAL NOT NULL, bid_qty REAL NOT NULL, "
	    "ask_qty REAL NOT NULL, bid_value REAL NOT NULL, "
	    "ask_value REAL NOT NULL, complete INTEGER NOT NULL)");
	exec_sql(db, "CREATE UNIQUE INDEX IF NOT EXISTS bands_plain_key ON "
	    "bands_plain(venue, market, symbol, pct, time)");
}

/* Every band of a bands event as a row; 1 when the line is not one. */
static int
plain_add(sqlite3 *db, sqlite3_stmt *st, struct event *ev, uint64_t *rows)
{
	static struct json_obj o;
	static const char *const f[4] = {
		"bid_qty", "ask_qty", "bid_value", "ask_value",
	};
	char why[200];
	const struct json_span *arr;
	struct json_iter it;
	struct json_span el;
	const char *reason;
	size_t where;
	int i;

	if (ev->type != EV_BANDS || event_fields(ev, why, sizeof why) < 0 ||
	    !(ev->has & EV_HAS_TIME))
		return 1;
	arr = json_get(&ev->obj, "bands");
	if (!arr || arr->type != JSON_ARRAY)
		return 1;
	json_iter_init(&it, arr);
	while (json_next(&it, &el)) {
		const struct json_span *c;
		double d;

		if (json_parse_object(el.p, el.n, &o, &reason, &where) < 0)
			return 1;
		sqlite3_bind_int64(st, 1, ev->time - (ev->time % 60000 +
		    60000) % 60000);
		sqlite3_bind_text(st, 2, ev->venue->p, (int)ev->venue->n,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ev->market->p, (int)ev->market->n,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ev->symbol->p, (int)ev->symbol->n,
		    SQLITE_STATIC);
		if (span_double(json_get(&o, "pct"), &d) < 0)
			return 1;
		sqlite3_bind_double(st, 5, d);
		for (i = 0; i < 4; i++) {
			if (span_double(json_get(&o, f[i]), &d) < 0)
				return 1;
			sqlite3_bind_double(st, 6 + i, d);
		}
		c = json_get(&o, "complete");
		sqlite3_bind_int(st, 10, c && c->type == JSON_TRUE);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(st);
		(*rows)++;
	}
	return 0;
}

/* The same rows as CSV lines. */
static int
csv_add(struct event *ev, uint64_t *rows)
{
	static struct json_obj o;
	static const char *const f[5] = {
		"pct", "bid_qty", "ask_qty", "bid_value", "ask_value",
	};
	char why[200];
	const struct json_span *arr, *c;
	struct json_iter it;
	struct json_span el;
	const char *reason;
	size_t where;
	double d;
	int i;

	if (ev->type != EV_BANDS || event_fields(ev, why, sizeof why) < 0 ||
	    !(ev->has & EV_HAS_TIME))
		return 1;
	arr = json_get(&ev->obj, "bands");
	if (!arr || arr->type != JSON_ARRAY)
		return 1;
	json_iter_init(&it, arr);
	while (json_next(&it, &el)) {
		if (json_parse_object(el.p, el.n, &o, &reason, &where) < 0)
			return 1;
		printf("%.*s,%.*s,%.*s", (int)ev->venue->n, ev->venue->p,
		    (int)ev->market->n, ev->market->p, (int)ev->symbol->n,
		    ev->symbol->p);
		/* The numbers as written: exact, and no time spent here. */
		for (i = 0; i < 5; i++) {
			const struct json_span *v = json_get(&o, f[i]);

			if (span_double(v, &d) < 0)
				return 1;
			if (i == 1)
				printf(",%" PRId64, ev->time - (ev->time %
				    60000 + 60000) % 60000);
			printf(",%.*s", (int)v->n, v->p);
		}
		c = json_get(&o, "complete");
		fputs(c && c->type == JSON_TRUE ? ",1\n" : ",0\n", stdout);
		(*rows)++;
	}
	return 0;
}

/* ---- load ---- */

static int
do_load(const char *path)
{
	static struct event ev;
	sqlite3 *db = open_db(path, 0);
	struct history *h = NULL;
	sqlite3_stmt *st = NULL;
	struct in in;
	const char *line;
	size_t len;
	uint64_t lines = 0, rows = 0;
	long in_batch = 0;
	double t0 = now_s(), dt;
	char why[200];
	int r;

	if (plain) {
		plain_schema(db);
		if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO bands_plain "
		    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &st,
		    NULL) != SQLITE_OK)
			die("prepare: %s", sqlite3_errmsg(db));
	} else {
		h = history_new(db);
		if (!h)
			die("history: %s", errno == EIO ? sqlite3_errmsg(db) :
			    strerror(errno));
	}
	if (in_open(&in, NULL, 0) < 0)
		die_errno("stdin");
	while ((r = in_next(&in, &line, &len)) != IN_EOF) {
		if (r == IN_ERROR)
			die_errno("read");
		if (r == IN_TOOLONG)
			continue;
		if (in_batch == 0)
			exec_sql(db, "BEGIN");
		lines++;
		if (plain) {
			if (event_parse(line, len, &ev, why, sizeof why) == 0)
				plain_add(db, st, &ev, &rows);
		} else if (history_add(h, line, len) < 0) {
			die("line %" PRIu64 ": %s", lines, history_errmsg(h));
		}
		if (++in_batch == batch) {
			if (h && history_flush(h) < 0)
				die("flush: %s", history_errmsg(h));
			exec_sql(db, "COMMIT");
			in_batch = 0;
		}
	}
	if (in_batch) {
		if (h && history_flush(h) < 0)
			die("flush: %s", history_errmsg(h));
		exec_sql(db, "COMMIT");
	}
	exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	dt = now_s() - t0;
	in_close(&in);
	fprintf(stderr, "lines=%" PRIu64 "\nseconds=%.3f\nlines_per_s=%.0f\n",
	    lines, dt, dt > 0 ? lines / dt : 0);
	if (h) {
		const struct history_stats *s = history_stats(h);

		fprintf(stderr, "bands=%" PRIu64 "\nminutes_new=%" PRIu64
		    "\nminutes_changed=%" PRIu64 "\ntoo_old=%" PRIu64
		    "\ntrades=%" PRIu64 "\nfills=%" PRIu64 "\norders=%" PRIu64
		    "\nskipped=%" PRIu64 "\nrows_per_s=%.0f\n", s->bands,
		    s->minutes_new, s->minutes_changed, s->too_old, s->trades,
		    s->fills, s->orders, s->skipped, dt > 0 ?
		    s->minutes_new / dt : 0);
		if (s->skipped)
			fprintf(stderr, "last_skip=%s\n", history_why(h));
		history_free(h);
	} else {
		fprintf(stderr, "rows=%" PRIu64 "\nrows_per_s=%.0f\n", rows,
		    dt > 0 ? rows / dt : 0);
		sqlite3_finalize(st);
	}
	if (sqlite3_close(db) != SQLITE_OK)
		die("close: %s", sqlite3_errmsg(db));
	return 0;
}

static int
do_csv(void)
{
	static struct event ev;
	struct in in;
	const char *line;
	size_t len;
	uint64_t rows = 0;
	char why[200];
	int r;

	if (in_open(&in, NULL, 0) < 0)
		die_errno("stdin");
	while ((r = in_next(&in, &line, &len)) != IN_EOF) {
		if (r == IN_ERROR)
			die_errno("read");
		if (r == IN_LINE && event_parse(line, len, &ev, why,
		    sizeof why) == 0)
			csv_add(&ev, &rows);
	}
	in_close(&in);
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write");
	fprintf(stderr, "rows=%" PRIu64 "\n", rows);
	return 0;
}

/* ---- queries ---- */

struct qopt {
	const char *venue, *market, *symbol;
	double pct;
	int has_pct;
	enum history_field field;
	enum history_res res;
	enum history_agg agg;
	int64_t from, to;
	enum history_format format;
	int repeat;
};

static void
parse_qopt(int argc, char **argv, struct qopt *o)
{
	static const struct option longopts[] = {
		{ "venue", required_argument, NULL, 'v' },
		{ "market", required_argument, NULL, 'm' },
		{ "symbol", required_argument, NULL, 's' },
		{ "pct", required_argument, NULL, 'p' },
		{ "field", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "resolution", required_argument, NULL, 'r' },
		{ "agg", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'o' },
		{ "repeat", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c, v;

	memset(o, 0, sizeof *o);
	o->from = INT64_MIN;
	o->to = INT64_MAX;
	o->repeat = 1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			o->venue = optarg;
			break;
		case 'm':
			o->market = optarg;
			break;
		case 's':
			o->symbol = optarg;
			break;
		case 'p':
			o->pct = strtod(optarg, &end);
			if (end == optarg || *end || !(o->pct > 0))
				die_usage("bad --pct '%s'", optarg);
			o->has_pct = 1;
			break;
		case 'f':
			v = history_field_parse(optarg);
			if (v < 0)
				die_usage("bad --field '%s'", optarg);
			o->field = v;
			break;
		case 'F':
			if (time_parse(optarg, &o->from) < 0)
				die_usage("bad --from '%s'", optarg);
			break;
		case 'T':
			if (time_parse(optarg, &o->to) < 0)
				die_usage("bad --to '%s'", optarg);
			break;
		case 'r':
			v = history_res_parse(optarg);
			if (v < 0)
				die_usage("bad --resolution '%s'", optarg);
			o->res = v;
			break;
		case 'a':
			v = history_agg_parse(optarg);
			if (v < 0)
				die_usage("bad --agg '%s'", optarg);
			o->agg = v;
			break;
		case 'o':
			if (strcmp(optarg, "ndjson") == 0)
				o->format = HISTORY_NDJSON;
			else if (strcmp(optarg, "csv") == 0)
				o->format = HISTORY_CSV;
			else
				die_usage("bad --format '%s'", optarg);
			break;
		case 'n':
			o->repeat = (int)strtol(optarg, &end, 10);
			if (*end || o->repeat < 1 || o->repeat > 10000)
				die_usage("bad --repeat '%s'", optarg);
			break;
		default:
			usage(stderr);
			fprintf(stderr, "try 'hist-load --help'\n");
			exit(2);
		}
	}
	if (optind != argc)
		die_usage("unexpected argument '%s'", argv[optind]);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The seed's series query: GROUP BY over the plain rows. */
static int
plain_series(sqlite3 *db, const struct qopt *o, struct buf *b)
{
	static const char *const col[] = {
		"bid_qty", "ask_qty", "bid_value", "ask_value",
	};
	sqlite3_stmt *st;
	char sql[512];
	int64_t unit = o->res == HISTORY_MINUTE ? 60000 : o->res ==
	    HISTORY_DAY ? 86400000 : 3600000;
	int r;

	if (o->field > HISTORY_ASK_VALUE)
		die_usage("--plain: only the four plain fields");
	snprintf(sql, sizeof sql, "SELECT time / %" PRId64 " * %" PRId64
	    " AS t, avg(%s) FROM bands_plain WHERE venue = ?1 AND market = ?2 "
	    "AND symbol = ?3 AND pct = ?4 AND time BETWEEN ?5 AND ?6 "
	    "GROUP BY t ORDER BY t", unit, unit, col[o->field]);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("prepare: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, o->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->market, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, o->pct);
	sqlite3_bind_int64(st, 5, o->from);
	sqlite3_bind_int64(st, 6, o->to);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		char num[HISTORY_NUM_MAX];

		history_fmt_num(num, sqlite3_column_double(st, 1));
		buf_addf(b, "{\"time\":%" PRId64 ",\"value\":%s}\n",
		    (int64_t)sqlite3_column_int64(st, 0), num);
	}
	if (r != SQLITE_DONE)
		die("query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return 0;
}

static int
do_query(const char *path, int argc, char **argv)
{
	sqlite3 *db;
	struct qopt o;
	struct buf b;
	struct history_out out;
	enum history_res used = HISTORY_AUTO;
	double *ms;
	char why[300];
	int i, r = 0;

	if (argc < 1)
		die_usage("query: series, latest or symbols?");
	parse_qopt(argc, argv, &o);
	db = open_db(path, 1);
	buf_init(&b, 0);
	out.buf = &b;
	out.format = o.format;
	out.flush = NULL;
	out.arg = NULL;
	ms = calloc(o.repeat, sizeof *ms);
	if (!ms)
		die_nomem();
	for (i = 0; i < o.repeat; i++) {
		double t0 = now_s();

		buf_reset(&b);
		if (strcmp(argv[0], "series") == 0) {
			struct history_series_q q;

			if (!o.symbol || !o.has_pct)
				die_usage("series: --symbol and --pct");
			if (plain) {
				if (!o.venue || !o.market)
					die_usage("--plain: --venue and "
					    "--market");
				r = plain_series(db, &o, &b);
			} else {
				q.venue = o.venue;
				q.market = o.market;
				q.symbol = o.symbol;
				q.pct = o.pct;
				q.field = o.field;
				q.field_set = 1;
				q.res = o.res;
				q.agg = o.agg;
				q.from = o.from;
				q.to = o.to;
				r = history_series(db, &q, &out, &used, why,
				    sizeof why);
			}
		} else if (strcmp(argv[0], "latest") == 0) {
			r = history_latest(db, o.venue, o.market, o.symbol,
			    &out, why, sizeof why);
		} else if (strcmp(argv[0], "symbols") == 0) {
			r = history_symbols(db, o.venue, o.market, o.symbol,
			    &out, why, sizeof why);
		} else {
			die_usage("unknown query '%s'", argv[0]);
		}
		if (r < 0)
			die("%s: %s", argv[0], why);
		ms[i] = (now_s() - t0) * 1000;
	}
	if (flush_stdout(NULL, &b) < 0)
		die_errno("write");
	qsort(ms, o.repeat, sizeof *ms, cmp_double);
	if (strcmp(argv[0], "series") == 0 && !plain)
		fprintf(stderr, "resolution=%s\n", history_res_name(used));
	if (o.repeat > 1)
		fprintf(stderr, "query_ms=%.3f\n", ms[o.repeat / 2]);
	free(ms);
	buf_free(&b);
	sqlite3_close(db);
	return 0;
}

/* ---- prune, rows ---- */

static int
do_prune(const char *path, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "before", required_argument, NULL, 'b' },
		{ "keep", required_argument, NULL, 'k' },
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t before = INT64_MIN, keep = -1, now = time_now_ms(), deleted;
	sqlite3 *db;
	struct history *h;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (time_parse(optarg, &before) < 0)
				die_usage("bad --before '%s'", optarg);
			break;
		case 'k':
			if (dur_parse(optarg, &keep) < 0)
				die_usage("bad --keep '%s'", optarg);
			break;
		case 'n':
			if (time_parse(optarg, &now) < 0)
				die_usage("bad --now '%s'", optarg);
			break;
		default:
			exit(2);
		}
	}
	if (keep >= 0)
		before = now - keep;
	if (before == INT64_MIN)
		die_usage("prune: --before or --keep");
	db = open_db(path, 0);
	h = history_new(db);
	if (!h)
		die("history: %s", sqlite3_errmsg(db));
	exec_sql(db, "BEGIN");
	if (history_prune(h, before, &deleted) < 0)
		die("prune: %s", history_errmsg(h));
	exec_sql(db, "COMMIT");
	history_free(h);
	exec_sql(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	fprintf(stderr, "deleted=%" PRId64 "\n", deleted);
	return 0;
}

static int
do_rows(const char *path)
{
	sqlite3 *db = open_db(path, 1);
	sqlite3_stmt *st;
	int r, i;

	if (sqlite3_prepare_v2(db, "SELECT venue, market, symbol, pct, time, "
	    "bid_qty, ask_qty, bid_value, ask_value, complete FROM bands_1m_v",
	    -1, &st, NULL) != SQLITE_OK)
		die("prepare: %s", sqlite3_errmsg(db));
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		char num[HISTORY_NUM_MAX];

		printf("%s,%s,%s,", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
		history_fmt_num(num, sqlite3_column_double(st, 3));
		printf("%s,%" PRId64, num, (int64_t)sqlite3_column_int64(st, 4));
		for (i = 5; i < 9; i++) {
			history_fmt_num(num, sqlite3_column_double(st, i));
			printf(",%s", num);
		}
		printf(",%d\n", sqlite3_column_int(st, 9));
	}
	if (r != SQLITE_DONE)
		die("rows: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plain", no_argument, NULL, 'P' },
		{ "csv", no_argument, NULL, 'C' },
		{ "batch", required_argument, NULL, 'b' },
		{ "cache", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char obuf[1 << 16];
	const char *path;
	char *end;
	int c;

	err_init("hist-load");
	/* Options before DB only: the subcommands parse their own. */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			plain = 1;
			break;
		case 'C':
			csv_rows = 1;
			break;
		case 'b':
			batch = strtol(optarg, &end, 10);
			if (*end || batch < 1)
				die_usage("bad --batch '%s'", optarg);
			break;
		case 'c':
			cache_mb = strtol(optarg, &end, 10);
			if (*end || cache_mb < 1 || cache_mb > 65536)
				die_usage("bad --cache '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			fprintf(stderr, "try 'hist-load --help'\n");
			return 2;
		}
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	if (csv_rows)
		return do_csv();
	if (optind >= argc)
		die_usage("no database");
	path = argv[optind++];
	if (optind == argc)
		return do_load(path);
	if (strcmp(argv[optind], "query") == 0)
		return do_query(path, argc - optind - 1, argv + optind + 1);
	if (strcmp(argv[optind], "prune") == 0)
		return do_prune(path, argc - optind, argv + optind);
	if (strcmp(argv[optind], "rows") == 0)
		return do_rows(path);
	die_usage("unknown command '%s'", argv[optind]);
}
