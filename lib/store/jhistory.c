/*
 * jhistory: the history tables as a journal keeps them (see jhistory.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "io/db.h"
#include "jhistory.h"
#include "jreader.h"

struct jhistory {
	struct journal *j;
	sqlite3 *db;		/* journal_db(j) */
	const char *dir;
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
	struct history *h;
	int attached;		/* the journal's sync hook is ours */
	struct buf held;	/* lines, each with its '\n' */
	char err[512];		/* why the last hook failed */
};

/* Event types the history tables keep. */
static int
keeps_history(const struct event *ev)
{
	const struct json_span *t = ev->field[EVF_TYPE];

	/* Of the imbalance events, mkt-diff's sums (TOTAL...), which carry
	 * "symbols": what no bands event holds. */
	return ev->type == EV_BANDS || ev->type == EV_TRADE ||
	    (ev->type == EV_IMBALANCE && json_get(&ev->obj, "symbols")) ||
	    (ev->type == EV_OTHER && (json_str_is(t, "fill") ||
	    json_str_is(t, "order") || json_str_is(t, "candle")));
}

/* meta('history_seq'): every event below it is in the history tables. */
static int
history_seq_get(sqlite3 *db, int64_t *seq, struct db_err *e)
{
	return db_int(db, "SELECT v FROM meta WHERE k = 'history_seq'", 0, 0,
	    seq, "read the history's seq", e) < 0 ? -1 : 0;
}

static int
history_seq_put(sqlite3 *db, int64_t seq, struct db_err *e)
{
	static const char step[] = "record the history's seq";
	sqlite3_stmt *st;
	char v[24];
	int r;

	snprintf(v, sizeof v, "%lld", (long long)seq);
	if (db_prepare(db, "INSERT INTO meta(k, v) VALUES ('history_seq', "
	    "?1) ON CONFLICT(k) DO UPDATE SET v = excluded.v", 0, &st, step,
	    e) < 0)
		return -1;
	sqlite3_bind_text(st, 1, v, -1, SQLITE_TRANSIENT);
	r = db_done(st, step, e);
	sqlite3_finalize(st);
	return r;
}

/* Feed the held lines to the history tables and record next_seq, the
 * journal's, as the history's seq; -1 with the reason in h->err. */
static int
take_held(struct jhistory *h, int64_t next_seq)
{
	const char *p = h->held.p, *end = p + h->held.len, *nl;
	struct db_err e;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (history_add(h->h, p, (size_t)(nl - p)) < 0)
			goto fail;
	}
	buf_reset(&h->held);
	if (history_flush(h->h) < 0)
		goto fail;
	if (history_seq_put(h->db, next_seq, &e) < 0) {
		snprintf(h->err, sizeof h->err, "index.db: cannot %s (%s)",
		    e.step, e.msg);
		errno = EIO;
		return -1;
	}
	return 0;
fail:
	snprintf(h->err, sizeof h->err, "history tables: %s",
	    history_errmsg(h->h));
	errno = EIO;
	return -1;
}

/* The sync hook: inside the transaction that indexes the frames. */
static int
sync_hook(void *ctx, sqlite3 *db)
{
	struct jhistory *h = ctx;
	struct journal_status st;

	(void)db;
	journal_status(h->j, &st);
	return take_held(h, (int64_t)st.next_seq);
}

int
jhistory_open(struct jhistory **out, struct journal *j, const char *dir,
    void (*note)(void *ctx, const char *msg), void *note_ctx, char *why,
    size_t whylen)
{
	struct jhistory *h = calloc(1, sizeof *h);

	*out = NULL;
	if (!h) {
		snprintf(why, whylen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	h->j = j;
	h->db = journal_db(j);
	h->dir = dir;
	h->note = note;
	h->note_ctx = note_ctx;
	buf_init(&h->held, 0);
	h->h = history_new(h->db);
	if (!h->h) {
		int e = errno;

		if (e == ENOMEM)
			snprintf(why, whylen, "out of memory");
		else
			snprintf(why, whylen, "index.db: cannot set up the "
			    "history tables (%s)", sqlite3_errmsg(h->db));
		buf_free(&h->held);
		free(h);
		errno = e;
		return -1;
	}
	*out = h;
	return 0;
}

/* A reader of the events from seq from of the kinds the tables keep. */
static int
plan_read_back(struct jhistory *h, int64_t from, struct jreader **jrp,
    char *why, size_t whylen)
{
	static const char *const types[] = { "bands", "trade", "fill",
	    "order", "candle" };
	struct jr_query q;

	if (jr_open(jrp, h->dir, why, whylen) < 0)
		return -1;
	jr_query_init(&q);
	q.from_seq = from;
	q.keys[JR_TYPE] = types;
	q.nkeys[JR_TYPE] = sizeof types / sizeof types[0];
	if (jr_query(*jrp, &q) < 0) {
		snprintf(why, whylen, "%s", jr_error(*jrp));
		jr_close(*jrp);
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Read the events back from the segments into the tables (*n: how
 * many); damaged frames are noted and skipped.  Closes jr. */
static int
read_back(struct jhistory *h, struct jreader *jr, uint64_t *n, char *why,
    size_t whylen)
{
	struct jr_event ev;
	char msg[600];
	int r;

	while ((r = jr_next(jr, &ev)) != JR_END) {
		if (r == JR_ERROR) {
			snprintf(why, whylen, "%s", jr_error(jr));
			goto fail;
		}
		if (r == JR_DAMAGE) {
			snprintf(msg, sizeof msg, "%s (history tables catch "
			    "up without it)", jr_error(jr));
			if (h->note)
				h->note(h->note_ctx, msg);
			continue;
		}
		if (history_add(h->h, ev.line, ev.len) < 0) {
			snprintf(why, whylen, "history tables: %s",
			    history_errmsg(h->h));
			goto fail;
		}
		(*n)++;
	}
	jr_close(jr);
	return 0;
fail:
	jr_close(jr);
	errno = EIO;
	return -1;
}

int
jhistory_catch_up(struct jhistory *h, uint64_t *n, int64_t *from, char *why,
    size_t whylen)
{
	struct journal_status st;
	struct jreader *jr;
	struct db_err e;

	*n = 0;
	journal_status(h->j, &st);
	if (history_seq_get(h->db, from, &e) < 0) {
		snprintf(why, whylen, "index.db: cannot %s (%s)", e.step,
		    e.msg);
		errno = EIO;
		return -1;
	}
	if (*from >= (int64_t)st.next_seq)
		return 0;
	if (plan_read_back(h, *from, &jr, why, whylen) < 0)
		return -1;
	if (db_exec(h->db, "BEGIN IMMEDIATE", "begin", &e) < 0) {
		jr_close(jr);
		goto fail_db;
	}
	if (read_back(h, jr, n, why, whylen) < 0)
		goto fail;
	if (take_held(h, (int64_t)st.next_seq) < 0) {
		snprintf(why, whylen, "%s", h->err);
		goto fail;
	}
	if (db_exec(h->db, "COMMIT", "commit", &e) < 0)
		goto fail_db;
	return 1;
fail_db:
	snprintf(why, whylen, "index.db: cannot %s (%s)", e.step, e.msg);
	errno = EIO;
fail:
	db_rollback(h->db);
	return -1;
}

void
jhistory_attach(struct jhistory *h)
{
	journal_set_sync_hook(h->j, sync_hook, h);
	h->attached = 1;
}

int
jhistory_hold(struct jhistory *h, const char *line, size_t len,
    const struct event *ev)
{
	if (!keeps_history(ev))
		return 0;
	buf_add(&h->held, line, len);
	buf_addc(&h->held, '\n');
	if (buf_failed(&h->held)) {
		errno = ENOMEM;
		return -1;
	}
	return h->held.len > JHISTORY_HELD_MAX;
}

const char *
jhistory_error(const struct jhistory *h)
{
	return h->err;
}

int
jhistory_prune_minutes(struct jhistory *h, int64_t before, int64_t *deleted,
    char *why, size_t whylen)
{
	struct db_err e;

	if (db_exec(h->db, "BEGIN IMMEDIATE", "begin", &e) < 0)
		goto fail_db;
	if (history_prune(h->h, before, deleted) < 0) {
		snprintf(why, whylen, "history tables: %s",
		    history_errmsg(h->h));
		errno = EIO;
		db_rollback(h->db);
		return -1;
	}
	if (db_exec(h->db, "COMMIT", "commit", &e) < 0)
		goto fail_db;
	return 0;
fail_db:
	snprintf(why, whylen, "index.db: cannot %s (%s)", e.step, e.msg);
	db_rollback(h->db);
	errno = EIO;
	return -1;
}

void
jhistory_close(struct jhistory *h)
{
	if (!h)
		return;
	if (h->attached)
		journal_set_sync_hook(h->j, NULL, NULL);
	history_free(h->h);
	buf_free(&h->held);
	free(h);
}

int
jhistory_query(struct journal *j, const char *what,
    const struct history_series_q *q, struct history_out *out, char *why,
    size_t whylen)
{
	sqlite3 *db = journal_db(j);

	if (strcmp(what, "series") == 0)
		return history_series(db, q, out, NULL, why, whylen);
	if (strcmp(what, "candles") == 0)
		return history_candles(db, q, out, NULL, why, whylen);
	if (strcmp(what, "latest") == 0)
		return history_latest(db, q->venue, q->market, q->symbol, out,
		    why, whylen);
	return history_symbols(db, q->venue, q->market, q->symbol, out, why,
	    whylen);
}
