/*
 * data.c: the endpoints over the journal: /health, /api/symbols,
 * /api/latest, /api/chart-data and /api/candles.  The queries are mkt-journal
 * query's (store/jhistory, store/history); their NDJSON lines are
 * wrapped, as they come, into one JSON answer {"data":[...],"count":N}.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "store/history.h"
#include "store/jhistory.h"
#include "prog/err.h"
#include "store/journal.h"

#include "serve.h"

/* Lines of a query on their way into the answer. */
struct wrap {
	struct req *r;
	uint64_t count;
	int points;		/* {"time":ms,...} lines become seconds */
	int capped;		/* at most --max-points lines */
};

/* {"time":MS,"value":V} -> {"time":S,"value":V}: the minute, hour and
 * day buckets all start on a whole second. */
static int
put_point(struct buf *b, const char *p, size_t n)
{
	static const char head[] = "{\"time\":";
	const char *end = p + n, *q;
	char *e;
	long long ms;

	if (n < sizeof head || memcmp(p, head, sizeof head - 1) != 0)
		return -1;
	q = p + sizeof head - 1;
	errno = 0;
	ms = strtoll(q, &e, 10);
	if (errno || e == q || e >= end || *e != ',')
		return -1;
	buf_adds(b, head);
	buf_addi(b, (ms - (((ms % 1000) + 1000) % 1000)) / 1000);
	buf_add(b, e, (size_t)(end - e));
	return 0;
}

static int
wrap_flush(void *arg, struct buf *b)
{
	struct wrap *w = arg;
	const char *p = b->p, *end = b->p + b->len, *nl;
	uint64_t max = (uint64_t)w->r->sv->o->max_points;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (w->capped && w->count == max) {
			errno = E2BIG;
			return -1;
		}
		if (w->count++)
			buf_addc(w->r->body, ',');
		if (!w->points)
			buf_add(w->r->body, p, (size_t)(nl - p));
		else if (put_point(w->r->body, p, (size_t)(nl - p)) < 0) {
			errno = EPROTO;
			return -1;
		}
		p = nl + 1;
	}
	buf_reset(b);
	if (buf_failed(w->r->body)) {
		errno = buf_failed(w->r->body);
		return -1;
	}
	return 0;
}

/*
 * Run query what on the journal and answer its lines as data.  A query
 * error becomes a 404 (ENOENT: nothing of that name) or a 400 (EINVAL:
 * ambiguous, or a field the series does not have), with the library's
 * reason.
 */
static int
run_query(struct req *r, const char *what, const struct history_series_q *q)
{
	struct journal *j;
	struct history_out out;
	struct wrap w = { r, 0, strcmp(what, "series") == 0,
	    strcmp(what, "series") == 0 || strcmp(what, "candles") == 0 };
	struct buf tmp;
	char why[1024];
	int rc, e;

	if (journal_open_read(&j, r->sv->o->journal, why, sizeof why) < 0)
		return req_error(r, 503, NULL, "journal: %s", why);
	buf_init(&tmp, 0);
	out.buf = &tmp;
	out.format = HISTORY_NDJSON;
	out.flush = wrap_flush;
	out.arg = &w;
	buf_adds(r->body, "{\"data\":[");
	rc = jhistory_query(j, what, q, &out, why, sizeof why);
	e = errno;
	buf_free(&tmp);
	(void)!journal_close(j);
	if (rc < 0 && e == E2BIG && w.capped)
		return req_error(r, 400, "resolution", "more than %ld points: "
		    "ask a coarser resolution or a shorter range",
		    r->sv->o->max_points);
	if (rc < 0 && e == E2BIG)
		return req_error(r, 500, NULL, "the answer is larger than "
		    "%u bytes: narrow the query", BODY_MAX);
	if (rc < 0 && e == ENOENT)
		return req_error(r, 404, NULL, "%s", why);
	if (rc < 0 && e == EINVAL)
		return req_error(r, 400, NULL, "%s", why);
	if (rc < 0)
		return req_error(r, 503, NULL, "journal: %s", why);
	buf_adds(r->body, "],\"count\":");
	buf_addf(r->body, "%" PRIu64, w.count);
	buf_adds(r->body, "}\n");
	return 0;
}

/* The venue, market and symbol filters; 0, or -1 after a 400. */
static int
read_filters(struct req *r, struct history_series_q *q)
{
	memset(q, 0, sizeof *q);
	q->from = INT64_MIN;
	q->to = INT64_MAX;
	if (req_name(r, "venue", &q->venue) < 0 ||
	    req_name(r, "market", &q->market) < 0 ||
	    req_name(r, "symbol", &q->symbol) < 0)
		return -1;
	return 0;
}

int
api_symbols(struct req *r)
{
	static const char *const known[] = { "venue", "market", "symbol",
	    NULL };
	struct history_series_q q;

	if (!req_known(r, known) || read_filters(r, &q) < 0)
		return 0;
	return run_query(r, "symbols", &q);
}

int
api_latest(struct req *r)
{
	static const char *const known[] = { "venue", "market", "symbol",
	    NULL };
	struct history_series_q q;

	if (!req_known(r, known) || read_filters(r, &q) < 0)
		return 0;
	return run_query(r, "latest", &q);
}

/* from or to: epoch ms, RFC 3339, now or an offset, as on command
 * lines.  1 when given, 0 when absent, -1 after a 400. */
static int
read_time(struct req *r, const char *param, int64_t *ms)
{
	const char *v = qs_get(&r->q, param);

	if (v == NULL)
		return 0;
	if (time_parse(v, ms) < 0) {
		req_error(r, 400, param, "bad %s '%s': want epoch ms, an "
		    "RFC 3339 time or date, now, or an offset such as -1h",
		    param, v);
		return -1;
	}
	return 1;
}

/* from, to and resolution (auto when absent); 0, or -1 after a 400. */
static int
read_range(struct req *r, struct history_series_q *q)
{
	const char *v;
	int k;

	q->res = HISTORY_AUTO;
	if ((v = qs_get(&r->q, "resolution")) != NULL &&
	    (k = history_res_parse(v)) < 0)
		return req_error(r, 400, "resolution", "bad resolution '%s': "
		    "want minute, hour, day or auto", v), -1;
	if (v != NULL)
		q->res = k;
	if (read_time(r, "from", &q->from) < 0 ||
	    read_time(r, "to", &q->to) < 0)
		return -1;
	if (q->from > q->to)
		return req_error(r, 400, "from", "from is after to"), -1;
	return 0;
}

/* The series' own parameters beyond the filters; 0, or -1 after a 400. */
static int
read_series(struct req *r, struct history_series_q *q)
{
	const char *v;
	char *end;
	int k;

	if (q->symbol == NULL)
		return req_error(r, 400, "symbol", "symbol is required"), -1;
	if ((v = qs_get(&r->q, "pct")) == NULL)
		return req_error(r, 400, "pct", "pct is required"), -1;
	errno = 0;
	q->pct = strtod(v, &end);
	if (errno || end == v || *end || !(q->pct > 0) || q->pct > 100)
		return req_error(r, 400, "pct", "bad pct '%s': want a band "
		    "such as 1.5", v), -1;
	if ((v = qs_get(&r->q, "field")) != NULL) {
		if ((k = history_field_parse(v)) < 0)
			return req_error(r, 400, "field", "bad field '%s': "
			    "want bid_qty, ask_qty, bid_value, ask_value, "
			    "imbalance or value_imbalance", v), -1;
		q->field = k;
		q->field_set = 1;
	}
	if ((v = qs_get(&r->q, "agg")) != NULL &&
	    (k = history_agg_parse(v)) < 0)
		return req_error(r, 400, "agg", "bad agg '%s': want avg, "
		    "min, max, last, sum or count", v), -1;
	if (v != NULL)
		q->agg = k;
	return read_range(r, q);
}

int
api_chart_data(struct req *r)
{
	static const char *const known[] = { "venue", "market", "symbol",
	    "pct", "field", "from", "to", "resolution", "agg", NULL };
	struct history_series_q q;

	if (!req_known(r, known) || read_filters(r, &q) < 0 ||
	    read_series(r, &q) < 0)
		return 0;
	return run_query(r, "series", &q);
}

int
api_candles(struct req *r)
{
	static const char *const known[] = { "venue", "market", "symbol",
	    "from", "to", "resolution", NULL };
	struct history_series_q q;

	if (!req_known(r, known) || read_filters(r, &q) < 0)
		return 0;
	if (q.symbol == NULL)
		return req_error(r, 400, "symbol", "symbol is required");
	if (read_range(r, &q) < 0)
		return 0;
	return run_query(r, "candles", &q);
}

int
api_health(struct req *r)
{
	static const char *const known[] = { NULL };
	const char *dir = r->sv->o->journal;
	struct journal_totals t;
	struct journal *j;
	struct buf *b = r->body, live;
	char why[1024];
	int64_t now = time_now_ms();
	int ok = 0, stale;

	if (!req_known(r, known))
		return 0;
	if (journal_open_read(&j, dir, why, sizeof why) == 0) {
		ok = journal_totals(j, &t) == 0;
		if (!ok)
			snprintf(why, sizeof why, "'%s': %s", dir,
			    strerror(errno));
		(void)!journal_close(j);
	}
	/* The --live sources: a silent one makes the whole unhealthy. */
	buf_init(&live, 0);
	stale = live_health(r->sv, &live, now);
	buf_adds(b, !ok ? "{\"status\":\"unavailable\"" :
	    stale ? "{\"status\":\"stale\"" : "{\"status\":\"ok\"");
	buf_adds(b, ",\"sources\":[{\"name\":\"journal\",\"path\":");
	buf_add_jstr(b, dir, strlen(dir));
	if (!ok) {
		buf_adds(b, ",\"readable\":false,\"error\":");
		buf_add_jstr(b, why, strlen(why));
	} else {
		buf_adds(b, ",\"readable\":true,\"events\":");
		buf_addf(b, "%" PRIu64, t.events);
	}
	if (ok && (t.max_time == INT64_MIN || t.max_time == INT64_MAX)) {
		buf_adds(b, ",\"last_event\":null,\"age_ms\":null");
	} else if (ok) {
		buf_adds(b, ",\"last_event\":");
		buf_addi(b, t.max_time);
		buf_adds(b, ",\"age_ms\":");
		buf_addi(b, now > t.max_time ? now - t.max_time : 0);
	}
	buf_addc(b, '}');
	buf_add(b, live.p, live.len);
	buf_adds(b, "]}\n");
	if (buf_failed(&live))
		die_nomem();
	buf_free(&live);
	if (!ok || stale)
		r->status = 503;
	return 0;
}
