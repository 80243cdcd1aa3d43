/*
 * history/query.c: the queries of the history tables (see history.h):
 * a series at a resolution, the latest minute of every series, and the
 * symbols with what is kept of them; numbers printed exactly enough to
 * read back.
 *
 * About 1,100 lines because the three queries share one state: the
 * choice of resolution, the lookup of a symbol's series (with the errors
 * that name every venue and market holding it, or the known symbols),
 * and the printing of rows in each output format.  Splitting them would
 * put that state behind a header only they use.  The shortest-digits
 * printing of numbers (history_fmt_num, about 130 lines) is the piece
 * that could go to a file of its own next.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- numbers ---- */

/* e holds digits of the subnormal v that read back: the fewest that do
 * (a subnormal's ulp is wide, so the search goes down from 17). */
static void
shortest_subnormal(char *e, size_t size, double v)
{
	char t[40];
	int prec;

	snprintf(e, size, "%.16e", v);
	for (prec = 15; prec >= 0; prec--) {
		snprintf(t, sizeof t, "%.*e", prec, v);
		if (strtod(t, NULL) != v)
			break;
		snprintf(e, size, "%s", t);
	}
}

/*
 * Round the 17 significant digits d17 (of a value with decimal exponent
 * *x) to n, into out: 0, or -1 when the digits cut are exactly half a
 * unit (5 then zeros), where the value itself, whose 17 digits are
 * rounded already, may lie on either side.  A carry out of the first
 * digit raises *x.
 */
static int
round_digits(const char *d17, int n, char *out, int *x)
{
	int i, up, more = 0;

	for (i = n + 1; i < 17; i++)
		more |= d17[i] != '0';
	if (d17[n] == '5' && !more)
		return -1;
	up = d17[n] > '5' || (d17[n] == '5' && more);
	memcpy(out, d17, (size_t)n);
	for (i = n - 1; up && i >= 0; i--) {
		if (out[i] == '9') {
			out[i] = '0';
		} else {
			out[i]++;
			up = 0;
		}
	}
	if (up) {		/* 99..9 became 100..0 */
		out[0] = '1';
		(*x)++;
	}
	return 0;
}

/* "[-]d.ddde[+-]x" of the n digits dig and exponent x, into e. */
static void
put_e(char *e, size_t size, int neg, const char *dig, int n, int x)
{
	snprintf(e, size, "%s%c.%.*se%+d", neg ? "-" : "", dig[0], n - 1,
	    dig + 1, x);
}

/*
 * e holds the fewest digits of the normal double v that read back.  When
 * some decimal of 15 digits or fewer reads back as v, the 15-digit
 * rounding of v is that decimal with zeros after it (v lies within half
 * an ulp of it, less than half a step of the 15th digit; the caller cuts
 * the zeros); otherwise 16 or 17 digits do.  One printf gives the 17
 * digits and the shorter roundings are made from them, a printf of its
 * own only where those digits cannot tell which way to round: printf
 * is most of what formatting a number costs.
 */
static void
shortest_normal(char *e, size_t size, double v)
{
	char e17[40], d17[17], dig[17];
	int n, x, x17, i, k = 0;

	snprintf(e17, sizeof e17, "%.16e", v);
	for (i = 0; e17[i] != 'e'; i++)
		if (e17[i] >= '0' && e17[i] <= '9')
			d17[k++] = e17[i];
	x17 = atoi(e17 + i + 1);
	for (n = 15; n < 17; n++) {
		x = x17;
		if (round_digits(d17, n, dig, &x) == 0)
			put_e(e, size, v < 0, dig, n, x);
		else
			snprintf(e, size, "%.*e", n - 1, v);
		if (strtod(e, NULL) == v)
			return;
	}
	snprintf(e, size, "%s", e17);
}

int
history_fmt_num(char *dst, double v)
{
	char e[40], dig[24], *p = dst;
	int nd = 0, exp, i;

	if (!isfinite(v)) {
		memcpy(dst, "null", 5);
		return 4;
	}
	if (v == 0) {
		memcpy(dst, "0", 2);
		return 1;
	}
	if (fabs(v) < DBL_MIN)
		shortest_subnormal(e, sizeof e, v);
	else
		shortest_normal(e, sizeof e, v);
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
	/* The names of mkt-candles' intervals, too. */
	static const char *const short_names[] = {
		[HISTORY_AUTO] = "auto", [HISTORY_MINUTE] = "1m",
		[HISTORY_HOUR] = "1h", [HISTORY_DAY] = "1d",
	};
	int r = name_index(NAMES(res_names), s);

	return r >= 0 ? r : name_index(NAMES(short_names), s);
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
	struct db_err dbe;	/* the last database failure */
};

/* The failure in q->dbe: "STEP: sqlite's message" in why; -1, errno
 * EIO. */
static int
q_failed(struct q *q)
{
	snprintf(q->why, q->whylen, "%s: %s", q->dbe.step, q->dbe.msg);
	errno = EIO;
	return -1;
}

/* A failure of the step `what` just now, as q_failed(). */
static int
q_dbfail(struct q *q, const char *what)
{
	db_fail(&q->dbe, q->db, sqlite3_errcode(q->db), what);
	return q_failed(q);
}

static int
q_prepare(struct q *q, const char *sql, sqlite3_stmt **st)
{
	if (db_prepare(q->db, sql, 0, st, "query", &q->dbe) < 0)
		return q_failed(q);
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

/*
 * Append the text column 0 (and 1, joined by ':', when two) of each row
 * of st to b, as "a, b and c"; at most `max` of them, then "and N more".
 * The rows are counted first (a second step through st).  Returns the
 * number of rows, or -1 (the statement failed).
 */
static int
list_rows(struct buf *b, sqlite3_stmt *st, int two, int max)
{
	char more[40];
	int n = 0, i = 0, r;

	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		n++;
	if (r != SQLITE_DONE)
		return -1;
	sqlite3_reset(st);
	while (i < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *c = two ? (const char *)sqlite3_column_text(st,
		    1) : NULL;

		if (i++)
			buf_adds(b, i == n && n <= max ? " and " : ", ");
		buf_adds(b, a ? a : "");
		if (two) {
			buf_addc(b, ':');
			buf_adds(b, c ? c : "");
		}
	}
	if (i < max && r != SQLITE_DONE)
		return -1;
	if (n > max) {
		snprintf(more, sizeof more, " and %d more", n - max);
		buf_adds(b, more);
	}
	return n;
}

/* The reason in why: a list of rows of sql (with the symbol as ?1). */
static int
why_with_list(struct q *q, const char *head, const char *sql,
    const char *symbol, int two, const char *tail)
{
	struct buf b;
	sqlite3_stmt *st;
	int n;

	if (q_prepare(q, sql, &st) < 0)
		return -1;
	if (symbol)
		sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
	buf_init(&b, 1 << 16);
	buf_adds(&b, head);
	n = list_rows(&b, st, two, 12);
	sqlite3_finalize(st);
	if (n < 0) {
		buf_free(&b);
		return q_dbfail(q, "query");
	}
	if (n == 0)
		buf_adds(&b, "none");
	buf_adds(&b, tail);
	snprintf(q->why, q->whylen, "%.*s", buf_failed(&b) ? 0 :
	    (int)b.len, b.p);
	buf_free(&b);
	return n;
}

/*
 * Find the series: 0, or -1 with ENOENT / EINVAL and why.  An error
 * says what to type instead: every venue and market holding the symbol,
 * or the symbols there are.
 */
static int
find_series(struct q *q, const struct history_series_q *s, int64_t *sid)
{
	sqlite3_stmt *st;
	char pct[HISTORY_NUM_MAX], head[1024];
	int r, n = 0;

	if (q_prepare(q, "SELECT b.id FROM hist_symbols s "
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
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0)
			*sid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return q_dbfail(q, "query");
	if (n == 1)
		return 0;
	history_fmt_num(pct, s->pct);
	if (n > 1) {
		snprintf(head, sizeof head, "symbol '%s' is in ", s->symbol);
		if (why_with_list(q, head, "SELECT venue, market FROM "
		    "hist_symbols WHERE symbol = ?1 ORDER BY venue, market",
		    s->symbol, 1, ": give the venue and market") < 0)
			return -1;
		errno = EINVAL;
		return -1;
	}
	snprintf(head, sizeof head, "no bands of %s%%%s%s%s%s for symbol "
	    "'%s'; it is in ", pct, s->venue ? " in " : "",
	    s->venue ? s->venue : "", s->market ? ":" : "",
	    s->market ? s->market : "", s->symbol);
	r = why_with_list(q, head, "SELECT venue, market FROM hist_symbols "
	    "WHERE symbol = ?1 ORDER BY venue, market", s->symbol, 1, "");
	/* Unknown: the symbols there are, to pick from. */
	if (r == 0 && (r = why_with_list(q, "", "SELECT DISTINCT symbol "
	    "FROM hist_symbols ORDER BY symbol", NULL, 0, "")) >= 0) {
		snprintf(head, sizeof head, "%s", q->why);
		snprintf(q->why, q->whylen, "unknown symbol '%s': the "
		    "journal has %s", s->symbol, head);
	}
	if (r < 0)
		return -1;
	errno = ENOENT;
	return -1;
}

/* The resolution for HISTORY_AUTO, by the range as far as the series
 * has data (see history.h). */
static int
auto_res(struct q *q, int64_t sid, int64_t from, int64_t to,
    int64_t cutoff, enum history_res *res)
{
	int64_t lo = from, hi = to;
	sqlite3_stmt *st;
	int r;

	if (q_prepare(q, "SELECT min(first_time), max(last_time) "
	    "FROM bands_1d WHERE sid = ?1", &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		int64_t first = sqlite3_column_int64(st, 0);
		int64_t last = sqlite3_column_int64(st, 1);

		if (lo < first)
			lo = first;
		if (hi > last)
			hi = last;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return q_dbfail(q, "query");
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

/* mkt-diff's sums (its --aggregate): values of many symbols, whose
 * quantities are not kept (mkt-journal(1)). */
static int
is_aggregate(const char *symbol)
{
	return strcmp(symbol, "TOTAL") == 0 || strcmp(symbol, "TOTAL1") == 0 ||
	    strcmp(symbol, "TOTAL2") == 0;
}

/* An aggregate has values only: bid_value unless a field was asked for,
 * and a quantity field is an error.  0, or -1 with why. */
static int
aggregate_field(struct history_series_q *s, char *why, size_t whylen)
{
	if (!is_aggregate(s->symbol) || s->field == HISTORY_BID_VALUE ||
	    s->field == HISTORY_ASK_VALUE ||
	    s->field == HISTORY_VALUE_IMBALANCE)
		return 0;
	if (!s->field_set) {
		s->field = HISTORY_BID_VALUE;
		return 0;
	}
	snprintf(why, whylen, "'%s' sums values, not quantities: use "
	    "--field bid_value, ask_value or value_imbalance", s->symbol);
	errno = EINVAL;
	return -1;
}

int
history_series(sqlite3 *db, const struct history_series_q *sq,
    struct history_out *out, enum history_res *used, char *why,
    size_t whylen)
{
	struct q q = { .db = db, .out = out, .why = why, .whylen = whylen };
	struct history_series_q sc = *sq, *s = &sc;
	sqlite3_stmt *st = NULL;
	enum history_res res = s->res;
	int64_t sid = 0, from = s->from, to = s->to, cutoff, unit;
	int csv = out->format == HISTORY_CSV, r, f;
	char sql[256];

	why[0] = '\0';
	if (aggregate_field(s, why, whylen) < 0)
		return -1;
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
	if (res == HISTORY_AUTO && auto_res(&q, sid, from, to, cutoff,
	    &res) < 0)
		return -1;
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
	struct q q = { .db = db, .out = out, .why = why, .whylen = whylen };
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
					buf_adds(b, hist_field_col[f]);
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
	struct q q = { .db = db, .out = out, .why = why, .whylen = whylen };
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
