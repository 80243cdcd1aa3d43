/*
 * mkt-journal's commands that read a journal or look after it: ls,
 * stats, verify, reindex, prune and query; and what append shares with
 * them (on_note, hist_open).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"
#include "store/jhistory.h"
#include "base/timeutil.h"

#include "journal.h"

/* Recovery and reindex notes: always worth a line on stderr. */
void
on_note(void *ctx, const char *msg)
{
	const char *dir = ctx;

	warn("'%s': %s", dir, msg);
}

/* ---- history tables ---- */

/* Start keeping the history tables of the journal j (a writer), caught
 * up with its index. */
struct jhistory *
hist_open(const struct opts *o, struct journal *j)
{
	struct jhistory *h;
	char why[1024];
	uint64_t n;
	int64_t from;
	int r;

	if (jhistory_open(&h, j, o->dir, on_note, (void *)o->dir, why,
	    sizeof why) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		die("'%s': %s", o->dir, why);
	}
	r = jhistory_catch_up(h, &n, &from, why, sizeof why);
	if (r < 0)
		die("'%s': %s", o->dir, why);
	if (r > 0 && (n || o->verbose))
		note("'%s': history tables caught up with %" PRIu64
		    " event%s from seq %lld", o->dir, n, n == 1 ? "" : "s",
		    (long long)from);
	return h;
}

/* ---- readers ---- */

static struct journal *
open_read(const char *dir)
{
	struct journal *j;
	char what[1024];

	if (journal_open_read(&j, dir, what, sizeof what) < 0) {
		if (errno == ENOENT)
			die("%s", what);
		die_errno("%s", what);
	}
	return j;
}

/* A reader reads what is indexed and changes nothing; a tail that a
 * writer that is gone left is worth a line (a running writer's tail is
 * only in flight). */
static struct journal *
open_reader(const char *dir)
{
	struct journal *j = open_read(dir);
	struct journal_tail t;

	/* Not being able to tell is no reason to stop. */
	if (journal_tail(j, &t) == 0 && !t.live && t.bytes)
		warn("'%s': a writer that is gone left %" PRIu64 " bytes past "
		    "the index; the next append or verify recovers them", dir,
		    t.bytes);
	return j;
}

static struct journal *
open_write(const struct opts *o)
{
	struct journal *j;
	struct journal_opts jo;
	char what[1024];

	journal_opts_init(&jo);
	jo.note = on_note;
	jo.note_ctx = (void *)o->dir;
	if (journal_open(&j, o->dir, &jo, what, sizeof what) < 0) {
		if (errno == EWOULDBLOCK)
			die("%s", what);
		die_errno("%s", what);
	}
	return j;
}

static void
put_out(struct buf *b)
{
	if (buf_failed(b))
		die_nomem();
	if (!b->len)
		return;
	if (fwrite(b->p, 1, b->len, stdout) != b->len) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error");
	}
	buf_reset(b);
}

static void
finish_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		die_errno("write error");
	}
	if (fclose(stdout) == EOF && errno != EPIPE)
		die_errno("write error");
}

struct lsctx {
	int json;
	struct buf b;
};

static int
ls_one(void *ctx, const struct journal_seginfo *s)
{
	struct lsctx *c = ctx;

	journal_put_segment(&c->b, s, c->json);
	put_out(&c->b);
	return 0;
}

int
cmd_ls(const struct opts *o)
{
	struct journal *j = open_reader(o->dir);
	struct lsctx c = { o->json, { 0 } };

	buf_init(&c.b, 0);
	if (!o->json) {
		journal_put_segment_header(&c.b);
		put_out(&c.b);
	}
	if (journal_segments(j, ls_one, &c) < 0)
		die_errno("%s", journal_error(j));
	buf_free(&c.b);
	if (journal_close(j) < 0)
		die_errno("'%s'", o->dir);
	finish_stdout();
	return 0;
}

static int
sym_one(void *ctx, const struct journal_syminfo *y)
{
	struct lsctx *c = ctx;

	journal_put_symbol(&c->b, y, c->json);
	put_out(&c->b);
	return 0;
}

int
cmd_stats(const struct opts *o)
{
	struct journal *j = open_reader(o->dir);
	struct journal_totals t;
	struct lsctx c = { o->json, { 0 } };

	buf_init(&c.b, 0);
	if (journal_totals(j, &t) < 0)
		die_errno("%s", journal_error(j));
	journal_put_totals(&c.b, &t, journal_index_bytes(o->dir), o->json);
	put_out(&c.b);
	if (journal_symbols(j, sym_one, &c) < 0)
		die_errno("%s", journal_error(j));
	buf_free(&c.b);
	if (journal_close(j) < 0)
		die_errno("'%s'", o->dir);
	finish_stdout();
	return 0;
}

static void
on_damage(void *ctx, const char *msg)
{
	struct buf *b = ctx;

	buf_adds(b, msg);
	buf_addc(b, '\n');
	put_out(b);
}

/* Verify j, the damage on standard output: the number of problems. */
static long
verify_journal(struct journal *j, struct journal_totals *t)
{
	struct buf b;
	long n;

	buf_init(&b, 0);
	n = journal_verify(j, on_damage, &b, t);
	if (n < 0)
		die_errno("%s", journal_error(j));
	buf_free(&b);
	return n;
}

/*
 * Recover the hot tail a writer that is gone left, as append does on
 * open (the history tables catch up too), and verify again: the number
 * of problems, or -1 when a writer took the lock first (its open
 * recovers the tail).
 */
static long
recover_tail(const struct opts *o, struct journal_totals *t)
{
	struct journal *j;
	struct journal_opts jo;
	char what[1024];
	long n;

	journal_opts_init(&jo);
	jo.note = on_note;
	jo.note_ctx = (void *)o->dir;
	if (journal_open(&j, o->dir, &jo, what, sizeof what) < 0) {
		if (errno != EWOULDBLOCK)
			die_errno("%s", what);
		return -1;
	}
	jhistory_close(hist_open(o, j));
	n = verify_journal(j, t);
	if (journal_close(j) < 0)
		die_errno("'%s': cannot close the journal", o->dir);
	return n;
}

/* What became of the hot tail the first pass found. */
static void
say_tail(const struct opts *o, const struct journal_totals *t, long n,
    int recovered)
{
	char what[160];

	snprintf(what, sizeof what, "%" PRIu64 " bytes past the index (%"
	    PRIu64 " whole frame%s, %" PRIu64 " events)", t->tail_bytes,
	    t->tail_frames, t->tail_frames == 1 ? "" : "s", t->tail_events);
	if (recovered)
		warn("'%s': recovered what a writer that is gone left: %s",
		    o->dir, what);
	else if (n > 0)
		warn("'%s': a writer that is gone left %s, not recovered "
		    "because of the damage", o->dir, what);
	else if (o->no_recover)
		warn("'%s': a writer that is gone left %s, not recovered "
		    "(--no-recover); the next append or verify recovers them",
		    o->dir, what);
	else
		warn("'%s': a writer that is gone left %s; the writer that "
		    "has just started recovers them", o->dir, what);
}

/*
 * A reader's pass first, which changes nothing; when all it found
 * wrong is a hot tail, recover it and verify again.
 */
int
cmd_verify(const struct opts *o)
{
	struct journal *j = open_read(o->dir);
	struct journal_totals t, tail;
	int recovered = 0;
	long n;

	n = verify_journal(j, &t);
	if (journal_close(j) < 0)
		die_errno("'%s'", o->dir);
	tail = t;
	if (n == 0 && t.tail_bytes && !o->no_recover) {
		n = recover_tail(o, &t);
		recovered = n >= 0;
		if (n < 0)
			n = 0;
	}
	finish_stdout();
	if (tail.tail_bytes)
		say_tail(o, &tail, n, recovered);
	if (n > 0)
		warn("'%s': %ld problem%s found", o->dir, n, n == 1 ? "" : "s");
	else if (o->verbose)
		warn("'%s': %" PRIu64 " segments, %" PRIu64 " frames, %"
		    PRIu64 " events: no damage", o->dir, t.segments, t.frames,
		    t.events);
	return n > 0 ? 1 : 0;
}

int
cmd_reindex(const struct opts *o)
{
	struct journal *j = open_write(o);
	struct journal_status st;

	if (journal_reindex(j) < 0)
		die_errno("%s", journal_error(j));
	journal_status(j, &st);
	if (journal_close(j) < 0)
		die_errno("'%s': cannot close the journal", o->dir);
	if (o->verbose)
		warn("'%s': index rebuilt, next seq %" PRIu64, o->dir,
		    st.next_seq);
	return 0;
}

/*
 * The minute rows of the history tables older than `before` (rounded
 * down to an hour by the history module); the rollups stay.
 */
static void
prune_minutes(const struct opts *o, struct journal *j, int64_t before)
{
	struct jhistory *h = hist_open(o, j);
	int64_t deleted;
	char t[40], why[1024];

	if (jhistory_prune_minutes(h, before, &deleted, why, sizeof why) < 0)
		die("'%s': %s", o->dir, why);
	jhistory_close(h);
	if (o->verbose)
		warn("'%s': pruned %lld minute rows older than %s", o->dir,
		    (long long)deleted, time_format(before, t, sizeof t));
}

/*
 * Prune what is older than the cut-offs (epoch ms, -1: keep all): the
 * raw segments, and the minute rows of the history tables.
 */
static void
prune_journal(const struct opts *o, struct journal *j, int64_t raw_before,
    int64_t minutes_before)
{
	struct journal_pruned p = { 0 };
	char t[40];

	if (minutes_before >= 0)
		prune_minutes(o, j, minutes_before);
	if (raw_before < 0)
		return;
	if (journal_prune(j, raw_before, &p) < 0)
		die_errno("%s", journal_error(j));
	if (o->verbose)
		warn("'%s': pruned %" PRIu64 " segments (%" PRIu64 " frames, %"
		    PRIu64 " events, %" PRIu64 " bytes) older than %s", o->dir,
		    p.segments, p.frames, p.events, p.bytes,
		    time_format(raw_before, t, sizeof t));
}

int
cmd_prune(const struct opts *o)
{
	int64_t now = o->now >= 0 ? o->now : time_now_ms();
	struct journal *j = open_write(o);

	prune_journal(o, j, o->keep_raw >= 0 ? now - o->keep_raw : -1,
	    o->keep_minutes >= 0 ? now - o->keep_minutes : -1);
	if (journal_close(j) < 0)
		die_errno("'%s': cannot close the journal", o->dir);
	return 0;
}

/* Query output goes out in 64 KiB blocks. */
static int
query_flush(void *arg, struct buf *b)
{
	(void)arg;
	put_out(b);
	return 0;
}

int
cmd_query(const struct opts *o)
{
	struct journal *j = open_reader(o->dir);
	struct history_series_q q = o->q;
	struct history_out out;
	struct buf b;
	char why[512];
	int r;

	buf_init(&b, 0);
	out.buf = &b;
	out.format = o->format;
	out.flush = query_flush;
	out.arg = NULL;
	r = jhistory_query(j, o->what, &q, &out, why, sizeof why);
	if (r < 0)
		die("'%s': %s: %s", o->dir, o->what, why);
	put_out(&b);
	buf_free(&b);
	if (journal_close(j) < 0)
		die_errno("'%s'", o->dir);
	finish_stdout();
	return 0;
}
