/*
 * history/ingest.c: events into the history tables.
 *
 * A bands event becomes, per band, a pending minute in memory (the event
 * of the series' newest minute with the latest time); when the series
 * moves to another minute, or at history_flush(), the pending minute is
 * written with INSERT OR IGNORE.  A new row is added to the series' hour
 * accumulator (the new minutes of one hour, in memory), which goes into
 * bands_1h and bands_1d as one delta upsert when the series moves to
 * another hour or at the flush.  A row that exists is compared: an
 * earlier event of that minute, or the same values, change nothing;
 * other values replace the row and its hour is recomputed from its
 * minute rows, and its day from its hour rows (sums are never corrected
 * by subtraction, so no rounding error accumulates).  Trades, fills and
 * orders are rows of their own.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "internal.h"

/* ---- aggregates ---- */

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

static int
acc_flush(struct history *h, struct series *s)
{
	sqlite3_stmt *st;

	if (!s->acc)
		return 0;
	st = h->st[ST_H_UP];
	bind_agg(st, s->sid, s->ahour, &s->a);
	if (hist_done(h, st, "add to bands_1h") < 0)
		return -1;
	st = h->st[ST_D_UP];
	bind_agg(st, s->sid, floor_to(s->ahour, DAY), &s->a);
	if (hist_done(h, st, "add to bands_1d") < 0)
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
	while ((r = db_step(st, "read bands_1m", &h->dbe)) > 0) {
		for (f = 0; f < NF; f++)
			v[f] = sqlite3_column_double(st, 2 + f);
		agg_minute(&a, sqlite3_column_int64(st, 0),
		    sqlite3_column_int(st, 1), v);
	}
	sqlite3_reset(st);
	if (r < 0)
		return hist_db_failed(h);
	if (a.n == 0)
		return 0;
	st = h->st[ST_H_PUT];
	bind_agg(st, sid, hour, &a);
	return hist_done(h, st, "write bands_1h");
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
	while ((r = db_step(st, "read bands_1h", &h->dbe)) > 0) {
		column_agg(st, 2, &b);
		agg_merge(&a, &b);
	}
	sqlite3_reset(st);
	if (r < 0)
		return hist_db_failed(h);
	if (a.n == 0)
		return 0;
	st = h->st[ST_D_PUT];
	bind_agg(st, sid, day, &a);
	return hist_done(h, st, "write bands_1d");
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
	int f, old_complete, same;

	s->pend = 0;
	bind_minute(st, s);
	if (hist_done(h, st, "insert into bands_1m") < 0)
		return -1;
	if (sqlite3_changes(h->db) == 1) {
		h->stats.minutes_new++;
		return acc_add(h, s, s->pmin, s->pcomplete, s->pv);
	}

	/* The minute is there: keep the later event, ties to this one. */
	st = h->st[ST_M_GET];
	sqlite3_bind_int64(st, 1, s->sid);
	sqlite3_bind_int64(st, 2, s->pmin);
	if (hist_row(h, st, "read bands_1m") < 0)
		return -1;
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
	if (hist_done(h, st, "update bands_1m") < 0)
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
	return hist_candle_flush(h);
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
	int i;
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
	if (hist_done(h, st, "insert into hist_symbols") < 0)
		return -1;
	st = h->st[ST_SYM_GET];
	for (i = 0; i < 3; i++)
		sqlite3_bind_text(st, i + 1, v[i]->p, (int)v[i]->n,
		    SQLITE_TRANSIENT);
	if (hist_row(h, st, "read hist_symbols") < 0)
		return -1;
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
	if (hist_done(h, st, "insert into bands_series") < 0)
		return NULL;
	st = h->st[ST_SER_GET];
	sqlite3_bind_int64(st, 1, y->id);
	sqlite3_bind_double(st, 2, pct);
	if (hist_row(h, st, "read bands_series") < 0)
		return NULL;
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
int
hist_skip(struct history *h, const char *fmt, const char *arg)
{
	h->stats.skipped++;
	snprintf(h->why, sizeof h->why, fmt, arg);
	return 0;
}

/* venue, market, symbol of an event of a kept type; 1: skipped. */
int
hist_market_fields(struct history *h, struct event *ev, struct sym **y)
{
	static const char *const names[3] = { "venue", "market", "symbol" };
	const struct json_span *v[3];
	int i, r;

	v[0] = ev->field[EVF_VENUE];
	v[1] = ev->field[EVF_MARKET];
	v[2] = ev->field[EVF_SYMBOL];
	for (i = 0; i < 3; i++)
		if (!plain_string(v[i])) {
			hist_skip(h, "field '%s' missing or not a plain string",
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
		hist_skip(h, "field '%s' is not a time", "time");
		return 1;
	}
	*has = 1;
	return 0;
}

/*
 * A bands event, or (values_only) the imbalance event of one of
 * mkt-diff's sums (TOTAL, TOTAL1, TOTAL2): its bands have values and no
 * quantities, which are summed across symbols only as values; their
 * quantities are stored as 0.
 */
static int
add_bands(struct history *h, struct event *ev, int values_only)
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
		return hist_skip(h, "field '%s' missing or not an array",
		    "bands");
	a = *arr;
	if (a.unchecked && json_check(&a, &reason, &where) < 0)
		return hist_skip(h, "field '%s' is not valid JSON", "bands");
	if (event_time(h, ev, &t, &has) != 0)
		return 0;
	if (!has)
		return hist_skip(h, "missing field '%s'", "time");
	json_iter_init(&it, &a);
	while (json_next(&it, &el)) {
		struct band_in *b = &bands[nb];
		const struct json_span *c;

		if (nb == EV_BANDS_MAX)
			return hist_skip(h, "more than %s bands", "64");
		if (el.type != JSON_OBJECT || json_parse_object(el.p, el.n,
		    &h->band, &reason, &where) < 0)
			return hist_skip(h, "a band is not an %s", "object");
		if (span_double(json_get(&h->band, "pct"), &b->pct) < 0 ||
		    !(b->pct > 0))
			return hist_skip(h, "band field '%s' missing or not a "
			    "positive number", "pct");
		b->v[0] = b->v[1] = 0;
		for (f = values_only ? 2 : 0; f < NF; f++)
			if (span_double(json_get(&h->band, hist_field_col[f]),
			    &b->v[f]) < 0)
				return hist_skip(h, "band field '%s' missing "
				    "or not a number", hist_field_col[f]);
		c = json_get(&h->band, "complete");
		b->complete = c && c->type == JSON_TRUE;
		if (c && c->type != JSON_TRUE && c->type != JSON_FALSE)
			return hist_skip(h, "band field '%s' is not a boolean",
			    "complete");
		nb++;
	}
	r = hist_market_fields(h, ev, &y);
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
			hist_skip(h, "missing field '%s'", name);
			return 1;
		}
		sqlite3_bind_null(st, i);
		return 0;
	}
	if (span_double(v, &d) < 0) {
		hist_skip(h, "field '%s' is not a number", name);
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
		hist_skip(h, "field '%s' missing or not a number or string",
		    name);
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
	r = hist_market_fields(h, ev, &y);
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
	if (hist_done(h, st, "insert into trades") < 0)
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
	r = hist_market_fields(h, ev, &y);
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
	if (hist_done(h, st, "insert into fills") < 0)
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
	r = hist_market_fields(h, ev, &y);
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
	if (hist_done(h, st, "insert into orders") < 0)
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
		return add_bands(h, ev, 0);
	case EV_IMBALANCE:
		/* The sums carry "symbols"; a symbol's imbalance is derived
		 * from bands the tables hold already. */
		if (json_get(&ev->obj, "symbols"))
			return add_bands(h, ev, 1);
		return 0;
	case EV_TRADE:
		return add_trade(h, ev);
	case EV_OTHER:
		if (json_str_is(t, "fill"))
			return add_fill(h, ev);
		if (json_str_is(t, "order"))
			return add_order(h, ev);
		if (json_str_is(t, "candle"))
			return hist_add_candle(h, ev);
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
	static const char step[] = "prune bands_1m";
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
		if (db_prepare(h->db, "INSERT OR REPLACE INTO hist_meta "
		    "VALUES('minute_cutoff', ?1)", 0, &st, step, &h->dbe) < 0)
			goto fail;
		sqlite3_bind_int64(st, 1, c);
		if (db_done(st, step, &h->dbe) < 0)
			goto fail;
		sqlite3_finalize(st);
		st = NULL;
		h->cutoff = c;
	}
	/* Per series, so each delete is a range of the primary key. */
	if (db_prepare(h->db, "SELECT id FROM bands_series", 0, &st, step,
	    &h->dbe) < 0)
		goto fail;
	while ((r = db_step(st, step, &h->dbe)) > 0) {
		if (fs_grow((void **)&sids, &cap, n + 1, sizeof *sids) < 0) {
			snprintf(h->err, sizeof h->err, "out of memory");
			errno = ENOMEM;
			goto out;
		}
		sids[n++] = sqlite3_column_int64(st, 0);
	}
	if (r < 0)
		goto fail;
	if (db_prepare(h->db, "DELETE FROM bands_1m WHERE sid = ?1 AND "
	    "time < ?2", 0, &del, step, &h->dbe) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(del, 1, sids[i]);
		sqlite3_bind_int64(del, 2, c);
		if (db_done(del, step, &h->dbe) < 0)
			goto fail;
		total += sqlite3_changes(h->db);
	}
	if (hist_candle_prune(h, c, &total) < 0)
		goto out;
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	free(sids);
	if (deleted)
		*deleted = total;
	return 0;
fail:
	hist_db_failed(h);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	free(sids);
	return -1;
}
