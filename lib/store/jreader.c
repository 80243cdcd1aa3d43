/*
 * jreader: the journal reader (see jreader.h).
 *
 * The frames to read are fetched from the index in batches, in id order,
 * each row with a flag computed by SQLite saying whether the frame can
 * hold a wanted event.  Each batch is one statement, so one consistent
 * snapshot of the index, and no read transaction stays open while frames
 * are decompressed: the writer's checkpoints are never held back.  The
 * segment last read stays open; frames are read with pread() into a
 * reused buffer and decompressed by a reused ZSTD_DCtx.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "io/db.h"
#include "jreader.h"

/* Frames fetched from the index per statement. */
#define JR_BATCH 256
/* A frame bigger than this (either side) is not believed. */
#define JR_FRAME_MAX (1u << 30)
/* Key values longer than this never match. */
#define JR_KEY_MAX 256

struct jr_frame {
	int64_t id, seg, off, len, raw_len, count, first_seq;
	int wanted;
};

struct jreader {
	char *dir;
	int dirfd;
	sqlite3 *db;		/* read-only */
	sqlite3 *wdb;		/* read-write, for cursors only */
	sqlite3_stmt *batch;
	struct jr_query q;
	int filter_keys;	/* any key field given */
	int parse;		/* events must be parsed */

	int64_t last_id;	/* the last frame id fetched */
	struct jr_frame fr[JR_BATCH];
	size_t nfr, ifr;	/* the batch, and the next frame of it */

	/* The frame being read: lines p..end, the next one's seq. */
	char *raw;
	size_t raw_cap;
	char *z;
	size_t z_cap;
	const char *p, *end;
	int64_t seq;
	int64_t pos;		/* see jr_position() */

	int64_t fd_seg;		/* the segment open on fd, or -1 */
	int fd;
	ZSTD_DCtx *dctx;
	struct json_obj obj;

	unsigned long frames_read;
	uint64_t bytes_read;
	struct db_err dbe;	/* the last database failure */
	char err[512];
};

static void
seterr(struct jreader *jr, const char *fmt, ...) ERR_PRINTF(2, 3);

static void
seterr(struct jreader *jr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(jr->err, sizeof jr->err, fmt, ap);
	va_end(ap);
}

/* The failure in jr->dbe: "DIR/index.db: STEP: sqlite's message";
 * -1. */
static int
dberr(struct jreader *jr)
{
	seterr(jr, "%s/index.db: %s: %s", jr->dir, jr->dbe.step,
	    jr->dbe.msg);
	return -1;
}

void
jr_query_init(struct jr_query *q)
{
	memset(q, 0, sizeof *q);
	q->from_time = INT64_MIN;
	q->to_time = INT64_MAX;
}

int
jr_open(struct jreader **out, const char *dir, char *why, size_t whylen)
{
	struct jreader *jr;
	char *path = NULL;
	sqlite3_stmt *st = NULL;
	int rc, e = EINVAL;

	*out = NULL;
	jr = calloc(1, sizeof *jr);
	if (!jr) {
		snprintf(why, whylen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	jr->dirfd = -1;
	jr->fd = -1;
	jr->fd_seg = -1;
	jr->dir = strdup(dir);
	if (!jr->dir || asprintf(&path, "%s/index.db", dir) < 0) {
		path = NULL;
		goto fail;
	}
	jr->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (jr->dirfd < 0) {
		snprintf(why, whylen, "cannot open '%s': %s", dir,
		    strerror(errno));
		goto fail_msg;
	}
	if (faccessat(jr->dirfd, "index.db", F_OK, 0) < 0) {
		snprintf(why, whylen, "'%s' is not a journal: index.db: %s",
		    dir, strerror(errno));
		goto fail_msg;
	}
	/* A reader waits out the writer's short exclusive moments (WAL
	 * recovery, checkpoints that truncate): db_open's busy timeout. */
	if (db_open(&jr->db, path, DB_READ, "open", &jr->dbe) < 0) {
		snprintf(why, whylen, "cannot open '%s': %s", path,
		    jr->dbe.msg);
		goto fail_msg;
	}
	rc = db_prepare(jr->db, "SELECT v FROM meta WHERE k = 'format'", 0,
	    &st, "read meta", &jr->dbe);
	if (rc == 0)
		rc = db_step(st, "read meta", &jr->dbe);
	if (rc <= 0) {
		snprintf(why, whylen, "'%s' is not a journal: %s", dir,
		    rc == 0 ? "no format in meta" : jr->dbe.msg);
		goto fail_msg;
	}
	if (!sqlite3_column_text(st, 0) ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "1") != 0) {
		snprintf(why, whylen, "'%s': unsupported journal format '%s'",
		    dir, sqlite3_column_text(st, 0) ?
		    (const char *)sqlite3_column_text(st, 0) : "");
		goto fail_msg;
	}
	sqlite3_finalize(st);
	st = NULL;
	jr->dctx = ZSTD_createDCtx();
	if (!jr->dctx)
		goto fail;
	jr_query_init(&jr->q);
	free(path);
	*out = jr;
	return 0;
fail:
	snprintf(why, whylen, "out of memory");
	e = ENOMEM;
fail_msg:
	sqlite3_finalize(st);
	free(path);
	jr_close(jr);
	errno = e;
	return -1;
}

void
jr_close(struct jreader *jr)
{
	if (!jr)
		return;
	sqlite3_finalize(jr->batch);
	sqlite3_close(jr->db);
	sqlite3_close(jr->wdb);
	if (jr->fd >= 0)
		close(jr->fd);
	if (jr->dirfd >= 0)
		close(jr->dirfd);
	ZSTD_freeDCtx(jr->dctx);
	free(jr->raw);
	free(jr->z);
	free(jr->dir);
	free(jr);
}

const char *
jr_error(const struct jreader *jr)
{
	return jr->err;
}

int64_t
jr_position(const struct jreader *jr)
{
	return jr->pos;
}

unsigned long
jr_frames_read(const struct jreader *jr)
{
	return jr->frames_read;
}

uint64_t
jr_bytes_read(const struct jreader *jr)
{
	return jr->bytes_read;
}

/* Parameters of the batch statement: ?1 last id, ?2 ?3 the time range,
 * then the key values from ?4 on. */
#define P_TIME 2
#define P_KEYS 4

static const char *const key_col[JR_NKEYS] = {
	"venue", "market", "symbol", "type"
};

/*
 * The batch statement: every frame after ?1, with a flag saying whether
 * it can hold a wanted event.
 */
static int
prepare_batch(struct jreader *jr)
{
	const struct jr_query *q = &jr->q;
	struct buf sql;
	int k, np = P_KEYS, rc;
	size_t i;

	buf_init(&sql, 0);
	buf_adds(&sql, "SELECT id, seg, off, len, raw_len, count, first_seq, ");
	if (!q->by_time && !jr->filter_keys)
		buf_adds(&sql, "1");
	else if (!jr->filter_keys)
		buf_adds(&sql, "max_time >= ?2 AND min_time < ?3");
	else {
		buf_adds(&sql, "EXISTS (SELECT 1 FROM frame_keys fk JOIN keys "
		    "k ON k.id = fk.key WHERE fk.frame = frames.id");
		if (q->by_time)
			buf_adds(&sql, " AND fk.max_time >= ?2 AND "
			    "fk.min_time < ?3");
		for (k = 0; k < JR_NKEYS; k++) {
			if (!q->nkeys[k])
				continue;
			buf_addf(&sql, " AND k.%s IN (", key_col[k]);
			for (i = 0; i < q->nkeys[k]; i++)
				buf_addf(&sql, "%s?%d", i ? ", " : "", np++);
			buf_addc(&sql, ')');
		}
		buf_addc(&sql, ')');
	}
	buf_adds(&sql, " FROM frames WHERE id > ?1 ORDER BY id LIMIT ");
	buf_addi(&sql, JR_BATCH);
	buf_addc(&sql, '\0');
	if (buf_failed(&sql)) {
		buf_free(&sql);
		seterr(jr, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	rc = db_prepare(jr->db, sql.p, 0, &jr->batch,
	    "cannot read the frames", &jr->dbe);
	buf_free(&sql);
	if (rc < 0)
		return dberr(jr);
	np = P_KEYS;
	if (q->by_time) {
		sqlite3_bind_int64(jr->batch, P_TIME, q->from_time);
		sqlite3_bind_int64(jr->batch, P_TIME + 1, q->to_time);
	}
	for (k = 0; k < JR_NKEYS; k++)
		for (i = 0; i < q->nkeys[k]; i++)
			sqlite3_bind_text(jr->batch, np++, q->keys[k][i], -1,
			    SQLITE_STATIC);
	return 0;
}

/* One integer from a query with one parameter: 1 row, 0 none or NULL. */
static int
query_int(struct jreader *jr, const char *sql, int64_t arg, int64_t *v)
{
	int64_t got;
	int r = db_int(jr->db, sql, arg, 0, &got, "cannot plan the query",
	    &jr->dbe);

	if (r < 0)
		return dberr(jr);
	if (r > 0)
		*v = got;
	return r;
}

/*
 * The first frame in id order with max_time >= t: exact whatever the
 * order of the times in the journal, so some rows are scanned -- the
 * frames before it in id order, or those late enough through
 * frames_max_time, whichever side looks smaller from one late-enough
 * frame that the index finds at once.  1 with *id, 0 none, -1.
 */
static int
first_frame_from(struct jreader *jr, int64_t t, int64_t *id)
{
	int64_t c, lo, hi;
	int r;

	r = query_int(jr, "SELECT id FROM frames WHERE max_time >= ?1 "
	    "ORDER BY max_time LIMIT 1", t, &c);
	if (r <= 0)
		return r;
	if (query_int(jr, "SELECT min(id) FROM frames", 0, &lo) < 0 ||
	    query_int(jr, "SELECT max(id) FROM frames", 0, &hi) < 0)
		return -1;
	if (c - lo <= hi - c)
		return query_int(jr, "SELECT min(id) FROM frames NOT INDEXED "
		    "WHERE max_time >= ?1", t, id);
	return query_int(jr, "SELECT min(id) FROM frames INDEXED BY "
	    "frames_max_time WHERE max_time >= ?1", t, id);
}

int
jr_query(struct jreader *jr, const struct jr_query *q)
{
	int64_t start = 0, id;
	int k, r;

	jr->q = *q;
	jr->filter_keys = 0;
	for (k = 0; k < JR_NKEYS; k++)
		if (q->nkeys[k])
			jr->filter_keys = 1;
	jr->parse = jr->filter_keys || q->by_time || q->want_time;
	jr->pos = q->from_seq > 0 ? q->from_seq : 0;
	if (prepare_batch(jr) < 0)
		return -1;
	if (db_exec(jr->db, "BEGIN", "BEGIN", &jr->dbe) < 0)
		return dberr(jr);
	/* From a seq: the frame holding it (the last one that starts at or
	 * before it); none when it is older than every frame. */
	if (q->from_seq > 0) {
		r = query_int(jr, "SELECT id FROM frames WHERE first_seq <= ?1 "
		    "ORDER BY first_seq DESC LIMIT 1", q->from_seq, &id);
		if (r < 0)
			goto fail;
		if (r > 0 && id > start)
			start = id;
	}
	/* From a time: the first frame with an event that late, or past
	 * every frame when there is none yet. */
	if (q->by_time && q->from_time != INT64_MIN) {
		r = first_frame_from(jr, q->from_time, &id);
		if (r == 0)
			r = query_int(jr, "SELECT max(id) + 1 FROM frames",
			    0, &id);
		if (r < 0)
			goto fail;
		if (r > 0 && id > start)
			start = id;
	}
	if (db_exec(jr->db, "COMMIT", "COMMIT", &jr->dbe) < 0)
		return dberr(jr);
	jr->last_id = start - 1;
	return 0;
fail:
	db_rollback(jr->db);
	return -1;
}

/* Fetch the next batch of frames; 0 (nfr may be 0) or -1. */
static int
fetch(struct jreader *jr)
{
	sqlite3_stmt *st = jr->batch;
	int rc;

	jr->nfr = jr->ifr = 0;
	sqlite3_bind_int64(st, 1, jr->last_id);
	while ((rc = db_step(st, "cannot read the frames", &jr->dbe)) > 0) {
		struct jr_frame *f = &jr->fr[jr->nfr++];

		f->id = sqlite3_column_int64(st, 0);
		f->seg = sqlite3_column_int64(st, 1);
		f->off = sqlite3_column_int64(st, 2);
		f->len = sqlite3_column_int64(st, 3);
		f->raw_len = sqlite3_column_int64(st, 4);
		f->count = sqlite3_column_int64(st, 5);
		f->first_seq = sqlite3_column_int64(st, 6);
		f->wanted = sqlite3_column_int(st, 7);
		jr->last_id = f->id;
	}
	sqlite3_reset(st);
	if (rc < 0) {
		jr->nfr = 0;
		return dberr(jr);
	}
	return 0;
}

/* Damage: the message names the frame. */
static void
damage(struct jreader *jr, const struct jr_frame *f, const char *fmt, ...)
    ERR_PRINTF(3, 4);

static void
damage(struct jreader *jr, const struct jr_frame *f, const char *fmt, ...)
{
	char reason[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	seterr(jr, "seg-%010" PRId64 ".zst at offset %" PRId64 ": %s",
	    f->seg, f->off, reason);
}

static int
open_segment(struct jreader *jr, int64_t seg)
{
	char name[64];

	if (jr->fd_seg == seg)
		return 0;
	if (jr->fd >= 0)
		close(jr->fd);
	jr->fd_seg = -1;
	snprintf(name, sizeof name, "seg-%010" PRId64 ".zst", seg);
	jr->fd = openat(jr->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (jr->fd < 0)
		return -1;
	jr->fd_seg = seg;
	return 0;
}

/*
 * Read, decompress and check frame f into jr->raw: 1 when it is sound,
 * 0 when it is damaged (the message set), -1 when memory ran out.
 */
static int
load(struct jreader *jr, const struct jr_frame *f)
{
	size_t got = 0, r, lines = 0;
	const char *p, *end;

	if (f->len <= 0 || f->len > JR_FRAME_MAX || f->raw_len <= 0 ||
	    f->raw_len > JR_FRAME_MAX || f->count <= 0 || f->off < 0) {
		damage(jr, f, "bad index row (len %" PRId64 ", raw_len %"
		    PRId64 ", count %" PRId64 ")", f->len, f->raw_len,
		    f->count);
		return 0;
	}
	if (fs_grow((void **)&jr->z, &jr->z_cap, (size_t)f->len, 1) < 0 ||
	    fs_grow((void **)&jr->raw, &jr->raw_cap, (size_t)f->raw_len,
	    1) < 0) {
		seterr(jr, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	if (open_segment(jr, f->seg) < 0) {
		damage(jr, f, "cannot open: %s", strerror(errno));
		return 0;
	}
	while (got < (size_t)f->len) {
		ssize_t n = pread(jr->fd, jr->z + got, f->len - got,
		    f->off + got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			damage(jr, f, "read error: %s", strerror(errno));
			return 0;
		}
		if (n == 0) {
			damage(jr, f, "truncated: the segment ends %zu bytes "
			    "into the frame", got);
			return 0;
		}
		got += n;
	}
	jr->frames_read++;
	r = ZSTD_decompressDCtx(jr->dctx, jr->raw, f->raw_len, jr->z, f->len);
	if (ZSTD_isError(r)) {
		damage(jr, f, "zstd: %s", ZSTD_getErrorName(r));
		return 0;
	}
	if (r != (size_t)f->raw_len) {
		damage(jr, f, "%zu bytes decompressed, the index says %" PRId64,
		    r, f->raw_len);
		return 0;
	}
	if (jr->raw[r - 1] != '\n') {
		damage(jr, f, "does not end with a newline");
		return 0;
	}
	for (p = jr->raw, end = jr->raw + r;
	    (p = memchr(p, '\n', end - p)) != NULL; p++)
		lines++;
	if (lines != (size_t)f->count) {
		damage(jr, f, "%zu events, the index says %" PRId64, lines,
		    f->count);
		return 0;
	}
	jr->bytes_read += r;
	jr->p = jr->raw;
	jr->end = jr->raw + r;
	jr->seq = f->first_seq;
	return 1;
}

/* Is the string value v (absent: "") one of the n values in vals? */
static int
key_match(const struct json_span *v, const char *const *vals, size_t n)
{
	char tmp[JR_KEY_MAX];
	const char *s = "";
	size_t len = 0, i;

	if (v && v->type == JSON_STRING) {
		if (!v->escaped) {
			s = v->p;
			len = v->n;
		} else {
			int l = json_str_copy(v, tmp, sizeof tmp);

			if (l < 0)
				return 0;
			s = tmp;
			len = l;
		}
	}
	for (i = 0; i < n; i++)
		if (strlen(vals[i]) == len && memcmp(vals[i], s, len) == 0)
			return 1;
	return 0;
}

/* Does the event pass the query's per-event filters?  Sets its time. */
static int
event_wanted(struct jreader *jr, struct jr_event *ev)
{
	const struct jr_query *q = &jr->q;
	const struct json_span *t;
	const char *why;
	size_t where;
	int k;

	ev->has_time = 0;
	if (json_parse_object_lazy(ev->line, ev->len, &jr->obj, &why,
	    &where) < 0)
		return !jr->filter_keys && !q->by_time;
	t = json_get(&jr->obj, "time");
	/* An integer, or a string holding one, as lib/event reads it. */
	if (t && json_int64(t, &ev->time) == 0)
		ev->has_time = 1;
	if (q->by_time && (!ev->has_time || ev->time < q->from_time ||
	    ev->time >= q->to_time))
		return 0;
	for (k = 0; k < JR_NKEYS; k++)
		if (q->nkeys[k] && !key_match(json_get(&jr->obj, key_col[k]),
		    q->keys[k], q->nkeys[k]))
			return 0;
	return 1;
}

/*
 * Take the next line of the frame into ev: 1 when it is wanted, 0 when
 * it is passed over.
 */
static int
take_line(struct jreader *jr, struct jr_event *ev)
{
	const char *nl = memchr(jr->p, '\n', jr->end - jr->p);

	ev->line = jr->p;
	ev->len = nl - jr->p;
	ev->seq = jr->seq++;
	ev->count = 1;
	ev->has_time = 0;
	jr->p = nl + 1;
	if (ev->seq < jr->pos)
		return 0;	/* before the starting seq */
	jr->pos = ev->seq + 1;
	return !jr->parse || event_wanted(jr, ev);
}

/* Add the wanted lines that follow ev in its frame, within max bytes. */
static void
extend(struct jreader *jr, struct jr_event *ev, size_t max)
{
	struct jr_event next;

	while (jr->p < jr->end) {
		const char *nl = memchr(jr->p, '\n', jr->end - jr->p);

		if ((size_t)(nl + 1 - ev->line) > max)
			return;
		if (!take_line(jr, &next))
			return;
		ev->len = nl - ev->line;
		ev->count++;
	}
}

int
jr_next(struct jreader *jr, struct jr_event *ev)
{
	return jr_next_run(jr, ev, 0);
}

int
jr_next_run(struct jreader *jr, struct jr_event *ev, size_t max)
{
	for (;;) {
		const struct jr_frame *f;
		int r;

		while (jr->p < jr->end) {
			if (!take_line(jr, ev))
				continue;
			if (max)
				extend(jr, ev, max);
			return JR_EVENT;
		}
		if (jr->ifr == jr->nfr) {
			if (fetch(jr) < 0)
				return JR_ERROR;
			if (jr->nfr == 0)
				return JR_END;
		}
		f = &jr->fr[jr->ifr++];
		if (!f->wanted || f->first_seq + f->count <= jr->pos) {
			if (f->first_seq + f->count > jr->pos)
				jr->pos = f->first_seq + f->count;
			continue;
		}
		r = load(jr, f);
		if (r < 0)
			return JR_ERROR;
		if (r == 0) {
			if (f->first_seq + f->count > jr->pos)
				jr->pos = f->first_seq + f->count;
			return JR_DAMAGE;
		}
		if (f->first_seq > jr->pos)
			jr->pos = f->first_seq;
	}
}

int
jr_cursor_get(struct jreader *jr, const char *name, int64_t *seq)
{
	static const char step[] = "cannot read the cursors";
	sqlite3_stmt *st;
	int found;

	if (db_prepare(jr->db, "SELECT next_seq FROM cursors WHERE name = ?1",
	    0, &st, step, &jr->dbe) < 0)
		return dberr(jr);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = db_step(st, step, &jr->dbe);
	if (found > 0)
		*seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (found < 0)
		return dberr(jr);
	return found;
}

int
jr_cursor_put(struct jreader *jr, const char *name, int64_t seq)
{
	static const char step[] = "cannot store the cursor";
	sqlite3_stmt *st = NULL;
	char *path = NULL;
	int rc;

	if (!jr->wdb) {
		if (asprintf(&path, "%s/index.db", jr->dir) < 0) {
			seterr(jr, "out of memory");
			errno = ENOMEM;
			return -1;
		}
		rc = db_open(&jr->wdb, path, DB_WRITE,
		    "cannot open for the cursor", &jr->dbe);
		free(path);
		if (rc < 0)
			return dberr(jr);
	}
	if (db_prepare(jr->wdb, "INSERT INTO cursors(name, next_seq, "
	    "updated) VALUES(?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET "
	    "next_seq = excluded.next_seq, updated = excluded.updated", 0,
	    &st, step, &jr->dbe) < 0)
		return dberr(jr);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int64(st, 3, time_now_ms());
	rc = db_done(st, step, &jr->dbe);
	sqlite3_finalize(st);
	if (rc < 0)
		return dberr(jr);
	return 0;
}

/* ---- anchors (mkt-replay --book) ---- */

/* Is s one of the n values of list (n 0: any)? */
static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t i;

	if (!n)
		return 1;
	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

int
jr_books(struct jreader *jr, const struct jr_query *q, jr_book_fn *fn,
    void *ctx)
{
	static const char step[] = "cannot list the books";
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(jr->db, "SELECT DISTINCT venue, market, symbol FROM "
	    "keys WHERE type IN ('snapshot', 'depth') AND symbol != '' "
	    "ORDER BY venue, market, symbol", 0, &st, step, &jr->dbe) < 0)
		return dberr(jr);
	while ((rc = db_step(st, step, &jr->dbe)) > 0) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		const char *m = (const char *)sqlite3_column_text(st, 1);
		const char *sy = (const char *)sqlite3_column_text(st, 2);

		if (!v || !m || !sy ||
		    !in_list(v, q->keys[JR_VENUE], q->nkeys[JR_VENUE]) ||
		    !in_list(m, q->keys[JR_MARKET], q->nkeys[JR_MARKET]) ||
		    !in_list(sy, q->keys[JR_SYMBOL], q->nkeys[JR_SYMBOL]))
			continue;
		if (fn(ctx, v, m, sy) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return rc < 0 ? dberr(jr) : 0;
}

int
jr_anchor(struct jreader *jr, const char *venue, const char *market,
    const char *symbol, int64_t t, int64_t *seq, int64_t *time)
{
	static const char step[] = "cannot find a snapshot";
	sqlite3_stmt *st;
	int rc;

	/* frame_keys_key walks the book's snapshot frames from the last. */
	if (db_prepare(jr->db, "SELECT f.first_seq, fk.min_time FROM keys k "
	    "JOIN frame_keys fk ON fk.key = k.id JOIN frames f ON f.id = "
	    "fk.frame WHERE k.venue = ?1 AND k.market = ?2 AND k.symbol = ?3 "
	    "AND k.type = 'snapshot' AND fk.min_time < ?4 "
	    "ORDER BY fk.frame DESC LIMIT 1", 0, &st, step, &jr->dbe) < 0)
		return dberr(jr);
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, market, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, t);
	rc = db_step(st, step, &jr->dbe);
	if (rc > 0) {
		*seq = sqlite3_column_int64(st, 0);
		*time = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc < 0 ? dberr(jr) : rc;
}

int
jr_seq_at(struct jreader *jr, int64_t t, int64_t *seq)
{
	int64_t id;
	int r = first_frame_from(jr, t, &id);

	if (r <= 0)
		return r;
	return query_int(jr, "SELECT first_seq FROM frames WHERE id = ?1",
	    id, seq);
}
