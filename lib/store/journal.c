/*
 * journal: the writer, its recovery and the journal's maintenance and
 * queries (see journal.h; the format is mkt-journal(5)).
 *
 * Appending: lines go into the open frame buffer while a small
 * accumulator keeps the frame's statistics (count, times, and per key
 * the count and time range).  A full frame is compressed in one call
 * and written at the segment's end; its row waits in memory until the
 * next sync, which fdatasyncs the segment and then indexes every waiting
 * frame in one transaction.  So the segments are the truth and the
 * index can only lag them, which is what recovery relies on.
 *
 * Recovery (on open) and reindex share one scan: from where the index
 * ends (everywhere, for reindex) every frame is probed, decompressed and
 * its lines parsed, as verify does, and indexed; the first bad frame of
 * the newest segment and everything after it is a torn tail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/json.h"
#include "base/keymap.h"
#include "base/timeutil.h"
#include "zframe.h"

#include "journal.h"

#define SEG_NAME_LEN 32
#define READ_CHUNK (1u << 20)
#define SEGRD_ERROR (-2)	/* besides the zframe_probe() results */

static const char schema[] =
    "PRAGMA journal_mode=WAL;\n"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);\n"
    "CREATE TABLE IF NOT EXISTS segments(\n"
    "    seg INTEGER PRIMARY KEY,\n"
    "    created INTEGER NOT NULL,\n"
    "    bytes INTEGER NOT NULL,\n"
    "    closed INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE TABLE IF NOT EXISTS frames(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    seg INTEGER NOT NULL,\n"
    "    off INTEGER NOT NULL,\n"
    "    len INTEGER NOT NULL,\n"
    "    raw_len INTEGER NOT NULL,\n"
    "    count INTEGER NOT NULL,\n"
    "    first_seq INTEGER NOT NULL,\n"
    "    first_time INTEGER, last_time INTEGER,\n"
    "    min_time INTEGER, max_time INTEGER,\n"
    "    first_recv INTEGER, last_recv INTEGER,\n"
    "    UNIQUE(seg, off));\n"
    "CREATE INDEX IF NOT EXISTS frames_seq ON frames(first_seq);\n"
    "CREATE INDEX IF NOT EXISTS frames_max_time ON frames(max_time);\n"
    "CREATE TABLE IF NOT EXISTS keys(\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    venue TEXT NOT NULL, market TEXT NOT NULL,\n"
    "    symbol TEXT NOT NULL, type TEXT NOT NULL,\n"
    "    UNIQUE(venue, market, symbol, type));\n"
    "CREATE TABLE IF NOT EXISTS frame_keys(\n"
    "    frame INTEGER NOT NULL, key INTEGER NOT NULL,\n"
    "    count INTEGER NOT NULL,\n"
    "    min_time INTEGER, max_time INTEGER,\n"
    "    PRIMARY KEY(frame, key)) WITHOUT ROWID;\n"
    "CREATE INDEX IF NOT EXISTS frame_keys_key ON frame_keys(key, frame);\n"
    "CREATE TABLE IF NOT EXISTS cursors(\n"
    "    name TEXT PRIMARY KEY,\n"
    "    next_seq INTEGER NOT NULL,\n"
    "    updated INTEGER NOT NULL);\n";

/* The writer's cached statements. */
enum {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_INS_FRAME, ST_INS_FKEY,
	ST_INS_KEY, ST_PUT_SEG, ST_PUT_META, ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_INS_FRAME] = "INSERT INTO frames(id, seg, off, len, raw_len, "
	    "count, first_seq, first_time, last_time, min_time, max_time, "
	    "first_recv, last_recv) "
	    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_INS_FKEY] = "INSERT INTO frame_keys(frame, key, count, min_time, "
	    "max_time) VALUES(?, ?, ?, ?, ?)",
	[ST_INS_KEY] = "INSERT INTO keys(venue, market, symbol, type) "
	    "VALUES(?, ?, ?, ?)",
	[ST_PUT_SEG] = "INSERT INTO segments(seg, created, bytes, closed) "
	    "VALUES(?, ?, ?, ?) ON CONFLICT(seg) DO UPDATE SET "
	    "bytes = excluded.bytes, closed = excluded.closed",
	[ST_PUT_META] = "INSERT INTO meta(k, v) VALUES(?, ?) "
	    "ON CONFLICT(k) DO UPDATE SET v = excluded.v",
};

/* One (venue, market, symbol, type): its name is the keymap's copy of
 * "venue\0market\0symbol\0type". */
struct jkey {
	int64_t id;		/* keys.id; 0 until inserted */
	uint32_t gen;		/* the accumulator that last counted it */
	uint32_t slot;		/* its place in that accumulator */
	const char *name;
	size_t len;
};

/* Per key of a frame: events and their time range. */
struct fkey {
	struct jkey *k;
	uint64_t count;
	int64_t min_time, max_time;
	int has_time;
};

enum { HAS_TIME = 1, HAS_RECV = 2 };

struct fstats {
	uint64_t count, raw_len;
	int64_t first_time, last_time, min_time, max_time;
	int64_t first_recv, last_recv;
	unsigned has;
};

/* The statistics of one frame being filled or scanned. */
struct facc {
	struct fstats st;
	uint32_t gen;
	struct fkey *fk;
	size_t nfk, capfk;
};

/* A frame written but not yet indexed; its keys are pfk[fk0..fk0+nfk). */
struct pframe {
	uint64_t seg, off, len, first_seq;
	struct fstats st;
	size_t fk0, nfk;
};

/* A segment row to write at the next sync. */
struct pseg {
	uint64_t seg;
	int64_t created;
	uint64_t bytes;
	int closed;
};

/* What the old index said, for reindex: frames sorted by (seg, off). */
struct oldframe {
	uint64_t seg, off, count, first_seq;
	int64_t id;
};

struct oldseg {
	uint64_t seg;
	int64_t created;
	int closed;
};

struct anchors {
	struct oldframe *f;
	size_t nf;
	struct oldseg *s;
	size_t ns;
	int64_t next_id;
};

/* A window of a segment file read with pread (never mmap: a reader must
 * survive a writer cutting a torn tail under it). */
struct segrd {
	int fd;
	uint64_t size;
	uint64_t base;		/* file offset of p[0] */
	unsigned char *p;
	size_t n, cap;
};

struct journal {
	char *dir;
	int dirfd, lockfd;
	int writer;
	int failed;		/* errno of a failure: sticky */
	char what[512];
	struct journal_opts o;
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;

	struct keymap keys;
	uint32_t gen;
	struct buf kb;		/* the key of the line at hand */
	struct buf sb;		/* a string being unescaped */
	struct event ev;	/* lines parsed while scanning */
	char why[512];		/* a frame's damage, while scanning */

	/* The segment appended to. */
	int segfd;
	uint64_t seg, seg_off;
	int64_t seg_created;
	int seg_dirty;		/* written since its last fdatasync */
	int dir_dirty;		/* a segment file created since the sync */
	uint64_t last_seg;	/* highest segment number ever used */

	/* The open frame. */
	struct buf frame;
	struct facc cur;
	unsigned char *z;	/* compressed frame */
	size_t zcap;

	/* Written, not yet indexed. */
	struct pframe *pf;
	size_t npf, cappf;
	struct fkey *pfk;
	size_t npfk, cappfk;
	struct pseg *ps;
	size_t nps, capps;

	uint64_t next_seq, durable_seq;
	uint64_t appended, durable, raw_bytes, bytes;
	int64_t last_time, last_recv;
	unsigned has;

	int (*hook)(void *ctx, sqlite3 *db);
	void *hook_ctx;

	/* Scanning. */
	unsigned char *raw;
	size_t rawcap;
	uint64_t running;	/* seq of the next frame indexed */
	struct anchors *anch;
	uint64_t scan_frames, scan_events;
};

/* ---- errors and notes ---- */

static int
fail(struct journal *j, const char *fmt, ...) ERR_PRINTF(2, 3);

/* Record the failed step (errno kept) and return -1. */
static int
fail(struct journal *j, const char *fmt, ...)
{
	int e = errno ? errno : EIO;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->what, sizeof j->what, fmt, ap);
	va_end(ap);
	if (j->writer)
		j->failed = e;
	errno = e;
	return -1;
}

static int
db_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return EACCES;
	case SQLITE_CANTOPEN:
		return ENOENT;
	default:
		return EIO;
	}
}

/* A failed SQLite call: "index.db: cannot STEP (sqlite's message)". */
static int
fail_db(struct journal *j, int rc, const char *step)
{
	errno = db_errno(rc);
	return fail(j, "index.db: cannot %s (%s)", step,
	    j->db ? sqlite3_errmsg(j->db) : sqlite3_errstr(rc));
}

static void
note(struct journal *j, const char *fmt, ...) ERR_PRINTF(2, 3);

static void
note(struct journal *j, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!j->o.note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	j->o.note(j->o.note_ctx, msg);
}

const char *
journal_error(const struct journal *j)
{
	return j->what;
}

char *
journal_seg_name(uint64_t seg, char *dst, size_t n)
{
	snprintf(dst, n, "seg-%010" PRIu64 ".zst", seg);
	return dst;
}

/* ---- small helpers ---- */

static ssize_t
pread_all(int fd, void *p, size_t n, uint64_t off)
{
	char *b = p;
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, b + got, n - got, (off_t)(off + got));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Is name "seg-" + 10 digits + suffix?  Sets *seg. */
static int
parse_seg_name(const char *name, const char *suffix, uint64_t *seg)
{
	uint64_t v = 0;
	int i;

	if (strncmp(name, "seg-", 4) != 0)
		return 0;
	for (i = 4; i < 14; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (strcmp(name + 14, suffix) != 0 || v == 0)
		return 0;
	*seg = v;
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The segment files in the directory, sorted; *max_any is the highest
 * number among them and the .torn files.  0, or -1 with errno.
 */
static int
disk_segments(struct journal *j, uint64_t **segs, size_t *n,
    uint64_t *max_any)
{
	struct dirent *d;
	DIR *dp;
	int fd;
	uint64_t *v = NULL, s;
	size_t nv = 0, cap = 0;

	*max_any = 0;
	fd = openat(j->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(j, "cannot read directory '%s'", j->dir);
	dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return fail(j, "cannot read directory '%s'", j->dir);
	}
	errno = 0;
	while ((d = readdir(dp))) {
		if (parse_seg_name(d->d_name, ".zst.torn", &s)) {
			if (s > *max_any)
				*max_any = s;
			continue;
		}
		if (!parse_seg_name(d->d_name, ".zst", &s))
			continue;
		if (s > *max_any)
			*max_any = s;
		if (fs_grow((void **)&v, &cap, nv + 1, sizeof *v) < 0) {
			closedir(dp);
			free(v);
			return fail(j, "cannot list segments");
		}
		v[nv++] = s;
		errno = 0;
	}
	if (errno) {
		int e = errno;

		closedir(dp);
		free(v);
		errno = e;
		return fail(j, "cannot read directory '%s'", j->dir);
	}
	closedir(dp);
	if (nv)
		qsort(v, nv, sizeof *v, cmp_u64);
	*segs = v;
	*n = nv;
	return 0;
}

/* ---- SQLite ---- */

static int
prepare(struct journal *j, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(j->db, sql, -1, st, NULL);

	if (rc != SQLITE_OK)
		return fail_db(j, rc, "prepare a statement");
	return 0;
}

/* Step a cached statement that returns no row, then reset it. */
static int
run_stmt(struct journal *j, int which, const char *step)
{
	sqlite3_stmt *s = j->st[which];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return fail_db(j, rc, step);
	return 0;
}

static int
exec_sql(struct journal *j, const char *sql, const char *step)
{
	int rc = sqlite3_exec(j->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return fail_db(j, rc, step);
	return 0;
}

static void
bind_opt(sqlite3_stmt *s, int i, int has, int64_t v)
{
	if (has)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int
put_meta(struct journal *j, const char *k, uint64_t v)
{
	char b[32];

	snprintf(b, sizeof b, "%" PRIu64, v);
	sqlite3_bind_text(j->st[ST_PUT_META], 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(j->st[ST_PUT_META], 2, b, -1, SQLITE_TRANSIENT);
	return run_stmt(j, ST_PUT_META, "write meta");
}

/* A meta value as a number; *v untouched when absent. */
static int
get_meta(struct journal *j, const char *k, uint64_t *v)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(j, "SELECT v FROM meta WHERE k = ?", &s) < 0)
		return -1;
	sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail_db(j, rc, "read meta");
	return 0;
}

static int
put_seg(struct journal *j, uint64_t seg, int64_t created, uint64_t bytes,
    int closed)
{
	sqlite3_stmt *s = j->st[ST_PUT_SEG];

	sqlite3_bind_int64(s, 1, (int64_t)seg);
	sqlite3_bind_int64(s, 2, created);
	sqlite3_bind_int64(s, 3, (int64_t)bytes);
	sqlite3_bind_int(s, 4, closed);
	return run_stmt(j, ST_PUT_SEG, "write a segment row");
}

static int
begin(struct journal *j)
{
	return run_stmt(j, ST_BEGIN, "begin a transaction");
}

static int
commit(struct journal *j)
{
	return run_stmt(j, ST_COMMIT, "commit");
}

static void
rollback(struct journal *j)
{
	if (sqlite3_get_autocommit(j->db))
		return;
	if (sqlite3_step(j->st[ST_ROLLBACK]) != SQLITE_DONE) {
		/* Nothing more to do: the handle is failed already. */
	}
	sqlite3_reset(j->st[ST_ROLLBACK]);
}

/* Split a key name into its four parts and insert it; sets k->id. */
static int
insert_key(struct journal *j, struct jkey *k)
{
	sqlite3_stmt *s = j->st[ST_INS_KEY];
	const char *p = k->name, *end = k->name + k->len;
	int i;

	for (i = 1; i <= 4; i++) {
		const char *z = memchr(p, '\0', end - p);
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);

		sqlite3_bind_text(s, i, p, (int)n, SQLITE_STATIC);
		p = z ? z + 1 : end;
	}
	if (run_stmt(j, ST_INS_KEY, "insert a key") < 0)
		return -1;
	k->id = sqlite3_last_insert_rowid(j->db);
	return 0;
}

/* Insert one frame row and its keys; id 0 lets SQLite choose. */
static int
index_frame(struct journal *j, uint64_t seg, uint64_t off, uint64_t len,
    uint64_t first_seq, const struct fstats *st, struct fkey *fk,
    size_t nfk, int64_t id)
{
	sqlite3_stmt *s = j->st[ST_INS_FRAME];
	int64_t fid;
	size_t i;

	for (i = 0; i < nfk; i++)
		if (fk[i].k->id == 0 && insert_key(j, fk[i].k) < 0)
			return -1;
	if (id)
		sqlite3_bind_int64(s, 1, id);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_int64(s, 2, (int64_t)seg);
	sqlite3_bind_int64(s, 3, (int64_t)off);
	sqlite3_bind_int64(s, 4, (int64_t)len);
	sqlite3_bind_int64(s, 5, (int64_t)st->raw_len);
	sqlite3_bind_int64(s, 6, (int64_t)st->count);
	sqlite3_bind_int64(s, 7, (int64_t)first_seq);
	bind_opt(s, 8, st->has & HAS_TIME, st->first_time);
	bind_opt(s, 9, st->has & HAS_TIME, st->last_time);
	bind_opt(s, 10, st->has & HAS_TIME, st->min_time);
	bind_opt(s, 11, st->has & HAS_TIME, st->max_time);
	bind_opt(s, 12, st->has & HAS_RECV, st->first_recv);
	bind_opt(s, 13, st->has & HAS_RECV, st->last_recv);
	if (run_stmt(j, ST_INS_FRAME, "insert a frame") < 0)
		return -1;
	fid = id ? id : sqlite3_last_insert_rowid(j->db);
	s = j->st[ST_INS_FKEY];
	for (i = 0; i < nfk; i++) {
		sqlite3_bind_int64(s, 1, fid);
		sqlite3_bind_int64(s, 2, fk[i].k->id);
		sqlite3_bind_int64(s, 3, (int64_t)fk[i].count);
		bind_opt(s, 4, fk[i].has_time, fk[i].min_time);
		bind_opt(s, 5, fk[i].has_time, fk[i].max_time);
		if (run_stmt(j, ST_INS_FKEY, "insert a frame key") < 0)
			return -1;
	}
	return 0;
}

/* ---- keys and frame statistics ---- */

/* Append one key part: a string's text (unescaped), else nothing. */
static void
key_part(struct journal *j, const struct json_span *s)
{
	int n;

	if (!s || s->type != JSON_STRING)
		return;
	if (!s->escaped) {
		buf_add(&j->kb, s->p, s->n);
		return;
	}
	buf_reset(&j->sb);
	if (buf_grow(&j->sb, (size_t)s->n + 1) < 0) {
		j->kb.failed = ENOMEM;
		return;
	}
	n = json_str_copy(s, j->sb.p, (size_t)s->n + 1);
	/* A string holding a NUL keeps its escaped text. */
	if (n < 0)
		buf_add(&j->kb, s->p, s->n);
	else
		buf_add(&j->kb, j->sb.p, (size_t)n);
}

static struct jkey *
lookup_key(struct journal *j, const struct event *ev)
{
	struct jkey *k;

	buf_reset(&j->kb);
	key_part(j, ev->field[EVF_VENUE]);
	buf_addc(&j->kb, '\0');
	key_part(j, ev->field[EVF_MARKET]);
	buf_addc(&j->kb, '\0');
	key_part(j, ev->field[EVF_SYMBOL]);
	buf_addc(&j->kb, '\0');
	key_part(j, ev->field[EVF_TYPE]);
	if (buf_failed(&j->kb)) {
		errno = ENOMEM;
		return NULL;
	}
	k = keymap_get(&j->keys, j->kb.p, j->kb.len);
	if (k)
		return k;
	k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	if (keymap_put(&j->keys, j->kb.p, j->kb.len, k) < 0) {
		free(k);
		errno = ENOMEM;
		return NULL;
	}
	k->name = j->keys.e[j->keys.n - 1].key;
	k->len = j->kb.len;
	return k;
}

static void
facc_reset(struct journal *j, struct facc *a)
{
	memset(&a->st, 0, sizeof a->st);
	a->nfk = 0;
	/* A new generation: every key's slot from before is stale. */
	if (++j->gen == 0)
		j->gen = 1;
	a->gen = j->gen;
}

/* Count one event of len bytes (without '\n') into a. */
static int
facc_add(struct journal *j, struct facc *a, const struct event *ev,
    size_t len)
{
	const struct json_span *f;
	struct jkey *k = lookup_key(j, ev);
	struct fkey *fk;
	int64_t t = 0, r = 0;
	int ht = 0, hr = 0;

	if (!k)
		return -1;
	if (k->gen != a->gen) {
		if (fs_grow((void **)&a->fk, &a->capfk, a->nfk + 1,
		    sizeof *a->fk) < 0)
			return -1;
		k->gen = a->gen;
		k->slot = (uint32_t)a->nfk;
		fk = &a->fk[a->nfk++];
		memset(fk, 0, sizeof *fk);
		fk->k = k;
	}
	fk = &a->fk[k->slot];
	f = ev->field[EVF_TIME];
	if (f && json_int64(f, &t) == 0)
		ht = 1;
	f = ev->field[EVF_RECV];
	if (f && json_int64(f, &r) == 0)
		hr = 1;
	fk->count++;
	if (ht) {
		if (!fk->has_time || t < fk->min_time)
			fk->min_time = t;
		if (!fk->has_time || t > fk->max_time)
			fk->max_time = t;
		fk->has_time = 1;
		if (!(a->st.has & HAS_TIME)) {
			a->st.first_time = a->st.min_time = a->st.max_time = t;
			a->st.has |= HAS_TIME;
		}
		if (t < a->st.min_time)
			a->st.min_time = t;
		if (t > a->st.max_time)
			a->st.max_time = t;
		a->st.last_time = t;
	}
	if (hr) {
		if (!(a->st.has & HAS_RECV)) {
			a->st.first_recv = r;
			a->st.has |= HAS_RECV;
		}
		a->st.last_recv = r;
	}
	a->st.count++;
	a->st.raw_len += len + 1;
	return 0;
}

/* ---- opening ---- */

void
journal_opts_init(struct journal_opts *o)
{
	memset(o, 0, sizeof *o);
	o->frame_size = JOURNAL_FRAME_SIZE;
	o->segment_size = JOURNAL_SEGMENT_SIZE;
	o->segment_time = JOURNAL_SEGMENT_TIME;
	o->level = JOURNAL_LEVEL;
}

static void
free_keys(struct journal *j)
{
	size_t i;

	for (i = 0; i < j->keys.n; i++)
		free(j->keys.e[i].val);
	keymap_free(&j->keys);
}

static void
journal_free(struct journal *j)
{
	int i;

	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(j->st[i]);
	if (j->db)
		sqlite3_close(j->db);
	ZSTD_freeCCtx(j->cctx);
	ZSTD_freeDCtx(j->dctx);
	if (j->segfd >= 0)
		close(j->segfd);
	if (j->lockfd >= 0) {
		/* A clean end: no pid left behind for verify to find. */
		if (j->writer && !j->failed && ftruncate(j->lockfd, 0) < 0) {
			/* The lock goes with the descriptor anyway. */
		}
		close(j->lockfd);
	}
	if (j->dirfd >= 0)
		close(j->dirfd);
	free_keys(j);
	buf_free(&j->kb);
	buf_free(&j->sb);
	buf_free(&j->frame);
	free(j->cur.fk);
	free(j->z);
	free(j->pf);
	free(j->pfk);
	free(j->ps);
	free(j->raw);
	free(j->dir);
	free(j);
}

static struct journal *
journal_new(const char *dir)
{
	struct journal *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	j->dirfd = j->lockfd = j->segfd = -1;
	j->dir = strdup(dir);
	if (!j->dir) {
		free(j);
		return NULL;
	}
	keymap_init(&j->keys);
	buf_init(&j->kb, 0);
	buf_init(&j->sb, 0);
	buf_init(&j->frame, 0);
	journal_opts_init(&j->o);
	return j;
}

/* Take the lock; a held one names its holder. */
static int
take_lock(struct journal *j)
{
	char b[32];
	ssize_t n;
	long pid = 0;
	int len;

	j->lockfd = openat(j->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
	    0644);
	if (j->lockfd < 0)
		return fail(j, "cannot open '%s/lock'", j->dir);
	while (flock(j->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return fail(j, "cannot lock '%s/lock'", j->dir);
		n = pread(j->lockfd, b, sizeof b - 1, 0);
		if (n > 0) {
			b[n] = '\0';
			pid = strtol(b, NULL, 10);
		}
		errno = EWOULDBLOCK;
		if (pid > 0)
			return fail(j, "'%s' is locked by another writer "
			    "(pid %ld)", j->dir, pid);
		return fail(j, "'%s' is locked by another writer", j->dir);
	}
	len = snprintf(b, sizeof b, "%ld\n", (long)getpid());
	if (ftruncate(j->lockfd, 0) < 0 ||
	    pwrite(j->lockfd, b, (size_t)len, 0) != len)
		return fail(j, "cannot write '%s/lock'", j->dir);
	return 0;
}

static int
open_db(struct journal *j, int writer)
{
	char path[PATH_MAX];
	uint64_t format = 0;
	int rc, i;

	if (snprintf(path, sizeof path, "%s/index.db", j->dir) >=
	    (int)sizeof path) {
		errno = ENAMETOOLONG;
		return fail(j, "cannot open '%s/index.db'", j->dir);
	}
	if (!writer && access(path, F_OK) < 0)
		return fail(j, "no journal in '%s'", j->dir);
	rc = sqlite3_open_v2(path, &j->db, writer ?
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY,
	    NULL);
	if (rc != SQLITE_OK)
		return fail_db(j, rc, "open the index");
	sqlite3_busy_timeout(j->db, 5000);
	if (writer) {
		if (exec_sql(j, schema, "create the schema") < 0 ||
		    exec_sql(j, "PRAGMA synchronous=NORMAL",
		    "set synchronous") < 0)
			return -1;
		for (i = 0; i < ST_COUNT; i++)
			if (prepare(j, stmt_sql[i], &j->st[i]) < 0)
				return -1;
		if (exec_sql(j, "INSERT OR IGNORE INTO meta(k, v) "
		    "VALUES('format', '1')", "write meta") < 0)
			return -1;
	}
	if (get_meta(j, "format", &format) < 0)
		return -1;
	if (format != 1) {
		errno = EINVAL;
		return fail(j, "'%s': unknown journal format '%" PRIu64 "'",
		    j->dir, format);
	}
	return 0;
}

/* Load the keys table so that known keys keep their ids. */
static int
load_keys(struct journal *j)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(j, "SELECT id, venue, market, symbol, type FROM keys "
	    "ORDER BY id", &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct jkey *k;
		int i;

		buf_reset(&j->kb);
		for (i = 1; i <= 4; i++) {
			if (i > 1)
				buf_addc(&j->kb, '\0');
			buf_add(&j->kb, sqlite3_column_text(s, i),
			    (size_t)sqlite3_column_bytes(s, i));
		}
		if (buf_failed(&j->kb) || keymap_get(&j->keys, j->kb.p,
		    j->kb.len))
			continue;
		k = calloc(1, sizeof *k);
		if (!k || keymap_put(&j->keys, j->kb.p, j->kb.len, k) < 0) {
			free(k);
			sqlite3_finalize(s);
			errno = ENOMEM;
			return fail(j, "cannot load the keys");
		}
		k->id = sqlite3_column_int64(s, 0);
		k->name = j->keys.e[j->keys.n - 1].key;
		k->len = j->kb.len;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail_db(j, rc, "read the keys");
	return 0;
}

static int open_common(struct journal **jp, const char *dir, char *what,
    size_t whatlen, int writer);
static int recover(struct journal *j, int wipe);

int
journal_open(struct journal **jp, const char *dir,
    const struct journal_opts *o, char *what, size_t whatlen)
{
	struct journal *j;

	if (open_common(jp, dir, what, whatlen, 1) < 0)
		return -1;
	j = *jp;
	j->o = *o;
	if (j->o.frame_size == 0)
		j->o.frame_size = 1;
	if (zframe_cctx(&j->cctx, o->level) < 0) {
		fail(j, "bad zstd level %d", o->level);
		goto fail;
	}
	if (load_keys(j) < 0 || recover(j, 0) < 0)
		goto fail;
	j->durable_seq = j->next_seq;
	facc_reset(j, &j->cur);
	return 0;
fail:
	snprintf(what, whatlen, "%s", j->what);
	{
		int e = errno;

		j->failed = e;
		journal_free(j);
		errno = e;
	}
	*jp = NULL;
	return -1;
}

int
journal_open_read(struct journal **jp, const char *dir, char *what,
    size_t whatlen)
{
	return open_common(jp, dir, what, whatlen, 0);
}

static int
open_common(struct journal **jp, const char *dir, char *what,
    size_t whatlen, int writer)
{
	struct journal *j = journal_new(dir);
	int e;

	*jp = NULL;
	if (!j) {
		snprintf(what, whatlen, "cannot open '%s'", dir);
		errno = ENOMEM;
		return -1;
	}
	j->writer = writer;
	if (writer && mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fail(j, "cannot create '%s'", dir);
		goto fail;
	}
	j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0) {
		if (errno == ENOENT && !writer)
			fail(j, "no journal in '%s'", dir);
		else
			fail(j, "cannot open '%s'", dir);
		goto fail;
	}
	if (writer && take_lock(j) < 0)
		goto fail;
	if (open_db(j, writer) < 0)
		goto fail;
	j->dctx = ZSTD_createDCtx();
	if (!j->dctx) {
		errno = ENOMEM;
		fail(j, "cannot create a zstd context");
		goto fail;
	}
	*jp = j;
	return 0;
fail:
	e = errno;
	snprintf(what, whatlen, "%s", j->what);
	/* A lock held by another must not be truncated by our free. */
	j->failed = e;
	journal_free(j);
	errno = e;
	return -1;
}

/* ---- scanning segments (recovery, reindex, verify) ---- */

static int
segrd_open(struct journal *j, struct segrd *r, uint64_t seg, int flags)
{
	char name[SEG_NAME_LEN];
	struct stat sb;

	memset(r, 0, sizeof *r);
	journal_seg_name(seg, name, sizeof name);
	r->fd = openat(j->dirfd, name, flags | O_CLOEXEC);
	if (r->fd < 0)
		return -1;
	if (fstat(r->fd, &sb) < 0) {
		int e = errno;

		close(r->fd);
		r->fd = -1;
		errno = e;
		return -1;
	}
	r->size = (uint64_t)sb.st_size;
	return 0;
}

static void
segrd_close(struct segrd *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->p);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

/*
 * Make file bytes [off, off+want) available at r->p + (off - r->base),
 * fewer at the end of the file.  Returns the bytes available from off,
 * or -1 with errno.
 */
static ssize_t
segrd_at(struct segrd *r, uint64_t off, size_t want)
{
	uint64_t left = r->size > off ? r->size - off : 0;
	ssize_t got;

	if (want > left)
		want = (size_t)left;
	if (off >= r->base && off + want <= r->base + r->n)
		return (ssize_t)(r->base + r->n - off);
	if (want > r->cap) {
		size_t cap = r->cap ? r->cap : READ_CHUNK;
		unsigned char *p;

		while (cap < want)
			cap *= 2;
		p = realloc(r->p, cap);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		r->p = p;
		r->cap = cap;
	}
	/* Read as much as fits: the next frames come with it. */
	got = pread_all(r->fd, r->p, r->size - off < r->cap ?
	    (size_t)(r->size - off) : r->cap, off);
	if (got < 0)
		return -1;
	r->base = off;
	r->n = (size_t)got;
	return got;
}

/*
 * The frame at off: probe it (reading more until it is whole or the file
 * ends).  ZFRAME_OK with *p pointing at it, ZFRAME_SHORT, ZFRAME_BAD
 * with *why; -1 with errno on a read error.
 */
static int
segrd_frame(struct segrd *r, uint64_t off, const unsigned char **p,
    size_t *len, uint64_t *raw_len, const char **why)
{
	size_t want = READ_CHUNK;

	for (;;) {
		ssize_t n = segrd_at(r, off, want);
		int st;

		if (n < 0)
			return SEGRD_ERROR;
		*p = r->p + (off - r->base);
		st = zframe_probe(*p, (size_t)n, len, raw_len, why);
		if (st != ZFRAME_SHORT || (uint64_t)n >= r->size - off)
			return st;
		if (want >= ((size_t)1 << 40)) {
			*why = "frame too large";
			return ZFRAME_BAD;
		}
		want *= 2;
	}
}

/*
 * Decompress a probed frame and count its lines into a.  0, or -1 with
 * the reason in j->why; -2 with errno on out of memory.
 */
static int
check_frame(struct journal *j, const unsigned char *p, size_t len,
    uint64_t raw_len, struct facc *a)
{
	const char *why, *line, *end, *nl;
	char reason[256];
	uint64_t lineno = 0;

	if (raw_len + 1 > j->rawcap) {
		unsigned char *q = realloc(j->raw, (size_t)raw_len + 1);

		if (!q) {
			errno = ENOMEM;
			return -2;
		}
		j->raw = q;
		j->rawcap = (size_t)raw_len + 1;
	}
	if (zframe_decompress(j->dctx, j->raw, raw_len, p, len, &why) < 0) {
		snprintf(j->why, sizeof j->why, "%s", why);
		return -1;
	}
	if (raw_len == 0) {
		snprintf(j->why, sizeof j->why, "empty frame");
		return -1;
	}
	if (j->raw[raw_len - 1] != '\n') {
		snprintf(j->why, sizeof j->why,
		    "content does not end with a newline");
		return -1;
	}
	facc_reset(j, a);
	line = (const char *)j->raw;
	end = line + raw_len;
	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', end - line);
		lineno++;
		if (event_parse(line, (size_t)(nl - line), &j->ev, reason,
		    sizeof reason) < 0) {
			snprintf(j->why, sizeof j->why, "line %" PRIu64
			    " of the frame: %s", lineno, reason);
			return -1;
		}
		if (facc_add(j, a, &j->ev, (size_t)(nl - line)) < 0)
			return -2;
	}
	return 0;
}

static const struct oldframe *
old_frame(const struct anchors *a, uint64_t seg, uint64_t off)
{
	size_t lo = 0, hi = a ? a->nf : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct oldframe *f = &a->f[mid];

		if (f->seg < seg || (f->seg == seg && f->off < off))
			lo = mid + 1;
		else if (f->seg == seg && f->off == off)
			return f;
		else
			hi = mid;
	}
	return NULL;
}

/* Copy r's bytes [off, size) to SEG.torn, then cut the segment there. */
static int
cut_tail(struct journal *j, struct segrd *r, uint64_t seg, uint64_t off,
    const char *why)
{
	char name[SEG_NAME_LEN], torn[SEG_NAME_LEN + 8];
	uint64_t pos, n = r->size - off;
	int fd;

	journal_seg_name(seg, name, sizeof name);
	snprintf(torn, sizeof torn, "%s.torn", name);
	fd = openat(j->dirfd, torn, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return fail(j, "cannot open '%s'", torn);
	for (pos = off; pos < r->size; ) {
		ssize_t got = segrd_at(r, pos, READ_CHUNK);

		if (got <= 0) {
			if (got == 0)
				errno = EIO;
			close(fd);
			return fail(j, "cannot read '%s'", name);
		}
		if (fs_write_all(fd, r->p + (pos - r->base), (size_t)got) < 0) {
			close(fd);
			return fail(j, "cannot write '%s'", torn);
		}
		pos += (uint64_t)got;
	}
	if (fsync(fd) < 0) {
		close(fd);
		return fail(j, "cannot sync '%s'", torn);
	}
	if (close(fd) < 0)
		return fail(j, "cannot write '%s'", torn);
	if (ftruncate(r->fd, (off_t)off) < 0 || fsync(r->fd) < 0)
		return fail(j, "cannot cut the torn tail of '%s'", name);
	if (fsync(j->dirfd) < 0)
		return fail(j, "cannot sync directory '%s'", j->dir);
	note(j, "%s: torn tail at offset %" PRIu64 " (%" PRIu64 " bytes: %s) "
	    "moved to %s", name, off, n, why, torn);
	r->size = off;
	r->n = r->base < off ? (size_t)(off - r->base) : 0;
	if (r->n > r->cap)
		r->n = 0;
	return 0;
}

/*
 * Index the frames of segment seg from offset start; *end is where the
 * last good frame ends.  In the newest segment (last) the first bad frame
 * and what follows is a torn tail; elsewhere a bad frame is noted and
 * skipped when its size is known, or ends the scan of that segment.
 */
static int
scan_segment(struct journal *j, uint64_t seg, uint64_t start, int last,
    uint64_t *end)
{
	char name[SEG_NAME_LEN];
	struct segrd r;
	struct facc a = { 0 };
	uint64_t off = start, frames = 0, events = 0;
	int rc = -1;

	journal_seg_name(seg, name, sizeof name);
	*end = start;
	if (segrd_open(j, &r, seg, O_RDWR) < 0)
		return fail(j, "cannot open '%s'", name);
	while (off < r.size) {
		const unsigned char *p;
		const char *why = NULL;
		const struct oldframe *of;
		size_t len = 0;
		uint64_t raw = 0;
		int st = segrd_frame(&r, off, &p, &len, &raw, &why);
		int64_t id = 0;

		if (st == SEGRD_ERROR) {
			fail(j, "cannot read '%s'", name);
			goto out;
		}
		if (st == ZFRAME_OK) {
			int c = check_frame(j, p, len, raw, &a);

			if (c == -2) {
				fail(j, "cannot scan '%s'", name);
				goto out;
			}
			if (c == 0) {
				of = old_frame(j->anch, seg, off);
				if (of && of->first_seq >= j->running)
					j->running = of->first_seq;
				if (of)
					id = of->id;
				else if (j->anch)
					id = j->anch->next_id++;
				if (index_frame(j, seg, off, len, j->running,
				    &a.st, a.fk, a.nfk, id) < 0)
					goto out;
				j->running += a.st.count;
				frames++;
				events += a.st.count;
				off += len;
				*end = off;
				continue;
			}
			why = j->why;
		} else if (st == ZFRAME_SHORT) {
			why = "incomplete frame";
		}
		if (last) {
			if (cut_tail(j, &r, seg, off, why) < 0)
				goto out;
			break;
		}
		if (st == ZFRAME_OK) {
			note(j, "%s at offset %" PRIu64 ": %s: frame skipped",
			    name, off, why);
			of = old_frame(j->anch, seg, off);
			if (of && of->first_seq >= j->running)
				j->running = of->first_seq + of->count;
			off += len;
			continue;
		}
		note(j, "%s at offset %" PRIu64 ": %s: the rest of the segment "
		    "(%" PRIu64 " bytes) is not indexed", name, off, why,
		    r.size - off);
		break;
	}
	j->scan_frames += frames;
	j->scan_events += events;
	rc = 0;
out:
	free(a.fk);
	segrd_close(&r);
	return rc;
}

/* ---- recovery ---- */

struct iseg {
	uint64_t seg;
	int64_t created;
	uint64_t bytes;
	int closed;
};

static int
load_isegs(struct journal *j, struct iseg **out, size_t *n)
{
	sqlite3_stmt *s;
	struct iseg *v = NULL;
	size_t nv = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (prepare(j, "SELECT seg, created, bytes, closed FROM segments "
	    "ORDER BY seg", &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fs_grow((void **)&v, &cap, nv + 1, sizeof *v) < 0) {
			sqlite3_finalize(s);
			free(v);
			return fail(j, "cannot read the segments");
		}
		v[nv].seg = (uint64_t)sqlite3_column_int64(s, 0);
		v[nv].created = sqlite3_column_int64(s, 1);
		v[nv].bytes = (uint64_t)sqlite3_column_int64(s, 2);
		v[nv].closed = sqlite3_column_int(s, 3);
		nv++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return fail_db(j, rc, "read the segments");
	}
	*out = v;
	*n = nv;
	return 0;
}

static const struct iseg *
find_iseg(const struct iseg *v, size_t n, uint64_t seg)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].seg == seg)
			return &v[i];
	return NULL;
}

static int
has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* Run a statement with one or two integer parameters; the changes. */
static int64_t
exec_i(struct journal *j, const char *sql, int64_t a, int64_t b,
    const char *step)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(j, sql, &s) < 0)
		return -1;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail_db(j, rc, step);
	return sqlite3_changes(j->db);
}

/* One integer from a query with up to two integer parameters. */
static int
query_i(struct journal *j, const char *sql, int64_t a, int64_t b,
    int64_t *v, int *isnull)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(j, sql, &s) < 0)
		return -1;
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*isnull = sqlite3_column_type(s, 0) == SQLITE_NULL;
		*v = sqlite3_column_int64(s, 0);
	} else {
		*isnull = 1;
		*v = 0;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail_db(j, rc, "read the index");
	return 0;
}

/* Delete the rows of frames of seg at or past byte `from`. */
static int64_t
drop_frames(struct journal *j, uint64_t seg, uint64_t from)
{
	if (exec_i(j, "DELETE FROM frame_keys WHERE frame IN (SELECT id FROM "
	    "frames WHERE seg = ?1 AND off + len > ?2)", (int64_t)seg,
	    (int64_t)from, "delete frame keys") < 0)
		return -1;
	return exec_i(j, "DELETE FROM frames WHERE seg = ?1 AND off + len > ?2",
	    (int64_t)seg, (int64_t)from, "delete frames");
}

/* The end of the last indexed frame of seg (0 when none). */
static int
frames_end(struct journal *j, uint64_t seg, uint64_t *end)
{
	int64_t v;
	int isnull;

	if (query_i(j, "SELECT max(off + len) FROM frames WHERE seg = ?",
	    (int64_t)seg, 0, &v, &isnull) < 0)
		return -1;
	*end = isnull ? 0 : (uint64_t)v;
	return 0;
}

static int
load_anchors(struct journal *j, struct anchors *a)
{
	sqlite3_stmt *s;
	size_t cap = 0, scap = 0;
	int rc;

	memset(a, 0, sizeof *a);
	a->next_id = 1;
	if (prepare(j, "SELECT seg, off, count, first_seq, id FROM frames "
	    "ORDER BY seg, off", &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct oldframe *f;

		if (fs_grow((void **)&a->f, &cap, a->nf + 1, sizeof *a->f) < 0) {
			sqlite3_finalize(s);
			return fail(j, "cannot read the frames");
		}
		f = &a->f[a->nf++];
		f->seg = (uint64_t)sqlite3_column_int64(s, 0);
		f->off = (uint64_t)sqlite3_column_int64(s, 1);
		f->count = (uint64_t)sqlite3_column_int64(s, 2);
		f->first_seq = (uint64_t)sqlite3_column_int64(s, 3);
		f->id = sqlite3_column_int64(s, 4);
		if (f->id >= a->next_id)
			a->next_id = f->id + 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail_db(j, rc, "read the frames");
	if (prepare(j, "SELECT seg, created, closed FROM segments ORDER BY seg",
	    &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct oldseg *g;

		if (fs_grow((void **)&a->s, &scap, a->ns + 1, sizeof *a->s) < 0) {
			sqlite3_finalize(s);
			return fail(j, "cannot read the segments");
		}
		g = &a->s[a->ns++];
		g->seg = (uint64_t)sqlite3_column_int64(s, 0);
		g->created = sqlite3_column_int64(s, 1);
		g->closed = sqlite3_column_int(s, 2);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail_db(j, rc, "read the segments");
	return 0;
}

/* A segment file's modification time in ms, for one the index lacks. */
static int64_t
seg_mtime(struct journal *j, uint64_t seg)
{
	char name[SEG_NAME_LEN];
	struct stat sb;
	int64_t now = time_now_ms(), t;

	journal_seg_name(seg, name, sizeof name);
	if (fstatat(j->dirfd, name, &sb, 0) < 0)
		return now;
	t = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	return t < now ? t : now;
}

/* Open seg for appending at its end. */
static int
resume_segment(struct journal *j, uint64_t seg, int64_t created)
{
	char name[SEG_NAME_LEN];
	struct stat sb;

	journal_seg_name(seg, name, sizeof name);
	j->segfd = openat(j->dirfd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (j->segfd < 0 || fstat(j->segfd, &sb) < 0)
		return fail(j, "cannot open '%s'", name);
	j->seg = seg;
	j->seg_off = (uint64_t)sb.st_size;
	j->seg_created = created;
	j->seg_dirty = 0;
	return 0;
}

/*
 * Bring the index in line with the segments, in one transaction (see the
 * file comment).  wipe: reindex -- drop every frame row first, keeping
 * what the old index said as anchors.
 */
static int
recover(struct journal *j, int wipe)
{
	uint64_t *disk = NULL, max_disk = 0, meta_next = 0, meta_last = 0;
	uint64_t tail_seg = 0, tail_end = 0, end;
	struct iseg *is = NULL;
	size_t nd = 0, ni = 0, k;
	struct anchors an;
	int have_tail = 0, rc = -1, isnull;
	int64_t v, now = time_now_ms();

	memset(&an, 0, sizeof an);
	j->scan_frames = j->scan_events = 0;
	if (disk_segments(j, &disk, &nd, &max_disk) < 0)
		return -1;
	if (begin(j) < 0)
		goto out;
	if (get_meta(j, "next_seq", &meta_next) < 0 ||
	    get_meta(j, "last_seg", &meta_last) < 0)
		goto out;
	if (wipe) {
		if (load_anchors(j, &an) < 0 ||
		    exec_sql(j, "DELETE FROM frame_keys; DELETE FROM frames; "
		    "DELETE FROM segments", "empty the index") < 0)
			goto out;
		j->anch = &an;
		for (k = 0; k < an.ns; k++)
			if (has_u64(disk, nd, an.s[k].seg) &&
			    put_seg(j, an.s[k].seg, an.s[k].created, 0,
			    an.s[k].closed) < 0)
				goto out;
	}
	if (load_isegs(j, &is, &ni) < 0)
		goto out;

	/* Rows that the files no longer back. */
	for (k = 0; k < ni; k++) {
		char name[SEG_NAME_LEN];
		struct stat sb;
		int64_t n;

		journal_seg_name(is[k].seg, name, sizeof name);
		if (!has_u64(disk, nd, is[k].seg)) {
			n = drop_frames(j, is[k].seg, 0);
			if (n < 0 || exec_i(j, "DELETE FROM segments WHERE "
			    "seg = ?", (int64_t)is[k].seg, 0,
			    "delete a segment") < 0)
				goto out;
			note(j, "%s: missing; its %" PRId64 " frames were "
			    "removed from the index", name, n);
			continue;
		}
		if (fstatat(j->dirfd, name, &sb, 0) < 0) {
			fail(j, "cannot stat '%s'", name);
			goto out;
		}
		if (frames_end(j, is[k].seg, &end) < 0)
			goto out;
		if (end > (uint64_t)sb.st_size) {
			n = drop_frames(j, is[k].seg, (uint64_t)sb.st_size);
			if (n < 0)
				goto out;
			note(j, "%s: shorter than the index says (%" PRIu64
			    " bytes, not %" PRIu64 "); %" PRId64 " frames past "
			    "its end were removed from the index", name,
			    (uint64_t)sb.st_size, end, n);
		}
	}

	/* Where the index ends: the last frame in (seg, off) order. */
	{
		sqlite3_stmt *s;
		int r;

		if (prepare(j, "SELECT seg, off + len, first_seq + count FROM "
		    "frames ORDER BY seg DESC, off DESC LIMIT 1", &s) < 0)
			goto out;
		r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			have_tail = 1;
			tail_seg = (uint64_t)sqlite3_column_int64(s, 0);
			tail_end = (uint64_t)sqlite3_column_int64(s, 1);
			j->running = (uint64_t)sqlite3_column_int64(s, 2);
		}
		sqlite3_finalize(s);
		if (r != SQLITE_ROW && r != SQLITE_DONE) {
			fail_db(j, r, "read the frames");
			goto out;
		}
	}
	if (!have_tail)
		j->running = wipe && an.nf ? 0 : meta_next;

	for (k = 0; k < nd; k++) {
		uint64_t seg = disk[k], start = 0;
		const struct iseg *row = find_iseg(is, ni, seg);
		int last = k + 1 == nd, closed;
		int64_t created;
		char name[SEG_NAME_LEN];

		journal_seg_name(seg, name, sizeof name);
		if (have_tail && seg < tail_seg) {
			struct segrd r;

			if (!row) {
				note(j, "%s: not in the index and older than "
				    "its newest frame: left alone (mkt-journal "
				    "reindex indexes it)", name);
				continue;
			}
			if (frames_end(j, seg, &end) < 0)
				goto out;
			if (segrd_open(j, &r, seg, O_RDWR) < 0) {
				fail(j, "cannot open '%s'", name);
				goto out;
			}
			if (r.size > end && cut_tail(j, &r, seg, end,
			    "past the indexed end of a closed segment") < 0) {
				segrd_close(&r);
				goto out;
			}
			segrd_close(&r);
			if (put_seg(j, seg, row->created, end, 1) < 0)
				goto out;
			continue;
		}
		if (have_tail && seg == tail_seg)
			start = tail_end;
		if (scan_segment(j, seg, start, last, &end) < 0)
			goto out;
		created = row ? row->created : seg_mtime(j, seg);
		closed = row ? (row->closed || !last) : !last;
		if (put_seg(j, seg, created, end, closed) < 0)
			goto out;
	}
	if (j->scan_frames && !wipe)
		note(j, "indexed %" PRIu64 " frames (%" PRIu64 " events) found "
		    "past the end of the index", j->scan_frames,
		    j->scan_events);

	j->next_seq = j->running > meta_next ? j->running : meta_next;
	j->last_seg = max_disk > meta_last ? max_disk : meta_last;
	if (query_i(j, "SELECT max(seg) FROM segments", 0, 0, &v,
	    &isnull) < 0)
		goto out;
	if (!isnull && (uint64_t)v > j->last_seg)
		j->last_seg = (uint64_t)v;
	if (put_meta(j, "next_seq", j->next_seq) < 0 ||
	    put_meta(j, "last_seg", j->last_seg) < 0)
		goto out;

	/* Go on appending to the newest segment if it may grow. */
	if (nd) {
		uint64_t seg = disk[nd - 1];
		sqlite3_stmt *s;
		int r, closed = 1;
		int64_t created = now;
		uint64_t bytes = 0;

		if (prepare(j, "SELECT created, bytes, closed FROM segments "
		    "WHERE seg = ?", &s) < 0)
			goto out;
		sqlite3_bind_int64(s, 1, (int64_t)seg);
		r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			created = sqlite3_column_int64(s, 0);
			bytes = (uint64_t)sqlite3_column_int64(s, 1);
			closed = sqlite3_column_int(s, 2);
		}
		sqlite3_finalize(s);
		if (r != SQLITE_ROW && r != SQLITE_DONE) {
			fail_db(j, r, "read the segments");
			goto out;
		}
		if (r == SQLITE_ROW && !closed) {
			if (j->writer && bytes < j->o.segment_size &&
			    (j->o.segment_time <= 0 ||
			    now - created < j->o.segment_time)) {
				if (resume_segment(j, seg, created) < 0)
					goto out;
			} else if (put_seg(j, seg, created, bytes, 1) < 0) {
				goto out;
			}
		}
	}
	if (commit(j) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		int e = errno;

		rollback(j);
		errno = e;
	}
	j->anch = NULL;
	free(an.f);
	free(an.s);
	free(is);
	free(disk);
	return rc;
}

/* ---- appending ---- */

static struct pseg *
pending_seg(struct journal *j, uint64_t seg)
{
	size_t i;

	for (i = j->nps; i-- > 0; )
		if (j->ps[i].seg == seg)
			return &j->ps[i];
	if (fs_grow((void **)&j->ps, &j->capps, j->nps + 1, sizeof *j->ps) < 0)
		return NULL;
	memset(&j->ps[j->nps], 0, sizeof j->ps[j->nps]);
	j->ps[j->nps].seg = seg;
	return &j->ps[j->nps++];
}

static int
new_segment(struct journal *j)
{
	char name[SEG_NAME_LEN];
	uint64_t seg = j->last_seg + 1;
	struct pseg *p;

	journal_seg_name(seg, name, sizeof name);
	j->segfd = openat(j->dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_APPEND | O_CLOEXEC, 0644);
	if (j->segfd < 0)
		return fail(j, "cannot create '%s'", name);
	j->seg = seg;
	j->last_seg = seg;
	j->seg_off = 0;
	j->seg_created = time_now_ms();
	j->seg_dirty = 0;
	j->dir_dirty = 1;
	p = pending_seg(j, seg);
	if (!p)
		return fail(j, "cannot start '%s'", name);
	p->created = j->seg_created;
	p->bytes = 0;
	p->closed = 0;
	return 0;
}

/* Close the segment appended to: durable now, closed in the next sync. */
static int
close_segment(struct journal *j)
{
	char name[SEG_NAME_LEN];
	struct pseg *p = pending_seg(j, j->seg);

	journal_seg_name(j->seg, name, sizeof name);
	if (!p)
		return fail(j, "cannot close '%s'", name);
	p->created = j->seg_created;
	p->bytes = j->seg_off;
	p->closed = 1;
	if (j->seg_dirty && fdatasync(j->segfd) < 0)
		return fail(j, "cannot sync '%s'", name);
	if (close(j->segfd) < 0) {
		j->segfd = -1;
		return fail(j, "cannot close '%s'", name);
	}
	j->segfd = -1;
	j->seg_dirty = 0;
	return 0;
}

/* Compress the open frame and write it at the segment's end. */
static int
close_frame(struct journal *j)
{
	char name[SEG_NAME_LEN];
	size_t need, zlen;
	struct pframe *f;
	struct pseg *p;
	int64_t now;

	if (!j->frame.len)
		return 0;
	if (buf_failed(&j->frame)) {
		errno = j->frame.failed;
		return fail(j, "cannot buffer the frame");
	}
	need = zframe_bound(j->frame.len);
	if (need > j->zcap) {
		unsigned char *z = realloc(j->z, need);

		if (!z) {
			errno = ENOMEM;
			return fail(j, "cannot compress a frame");
		}
		j->z = z;
		j->zcap = need;
	}
	if (zframe_compress(j->cctx, j->z, j->zcap, j->frame.p, j->frame.len,
	    &zlen) < 0)
		return fail(j, "cannot compress a frame");
	if (j->segfd < 0 && new_segment(j) < 0)
		return -1;
	journal_seg_name(j->seg, name, sizeof name);
	if (fs_grow((void **)&j->pf, &j->cappf, j->npf + 1, sizeof *j->pf) < 0 ||
	    fs_grow((void **)&j->pfk, &j->cappfk, j->npfk + j->cur.nfk,
	    sizeof *j->pfk) < 0)
		return fail(j, "cannot keep a frame");
	if (fs_write_all(j->segfd, j->z, zlen) < 0) {
		int e = errno;

		/* Leave no partial frame behind. */
		if (ftruncate(j->segfd, (off_t)j->seg_off) < 0) {
			/* Recovery cuts it as a torn tail then. */
		}
		errno = e;
		return fail(j, "cannot write '%s'", name);
	}
	f = &j->pf[j->npf++];
	f->seg = j->seg;
	f->off = j->seg_off;
	f->len = zlen;
	f->first_seq = j->next_seq - j->cur.st.count;
	f->st = j->cur.st;
	f->fk0 = j->npfk;
	f->nfk = j->cur.nfk;
	memcpy(j->pfk + j->npfk, j->cur.fk, j->cur.nfk * sizeof *j->pfk);
	j->npfk += j->cur.nfk;
	j->seg_off += zlen;
	j->bytes += zlen;
	j->seg_dirty = 1;
	p = pending_seg(j, j->seg);
	if (!p)
		return fail(j, "cannot keep a frame");
	p->created = j->seg_created;
	p->bytes = j->seg_off;
	buf_reset(&j->frame);
	facc_reset(j, &j->cur);
	now = time_now_ms();
	if (j->seg_off >= j->o.segment_size || (j->o.segment_time > 0 &&
	    now - j->seg_created >= j->o.segment_time))
		return close_segment(j);
	return 0;
}

int
journal_append(struct journal *j, const char *line, size_t len,
    const struct event *ev)
{
	if (j->failed) {
		errno = j->failed;
		return -1;
	}
	if (j->frame.len && j->frame.len + len + 1 > j->o.frame_size &&
	    close_frame(j) < 0)
		return -1;
	if (facc_add(j, &j->cur, ev, len) < 0)
		return fail(j, "cannot keep a key");
	buf_add(&j->frame, line, len);
	buf_addc(&j->frame, '\n');
	if (buf_failed(&j->frame)) {
		errno = j->frame.failed;
		return fail(j, "cannot buffer the frame");
	}
	j->next_seq++;
	j->appended++;
	j->raw_bytes += len + 1;
	if (j->frame.len >= j->o.frame_size)
		return close_frame(j);
	return 0;
}

int
journal_sync(struct journal *j)
{
	char name[SEG_NAME_LEN];
	size_t i;

	if (j->failed) {
		errno = j->failed;
		return -1;
	}
	if (!j->writer)
		return 0;
	if (close_frame(j) < 0)
		return -1;
	if (!j->npf && !j->nps)
		return 0;
	if (j->segfd >= 0 && j->seg_dirty) {
		journal_seg_name(j->seg, name, sizeof name);
		if (fdatasync(j->segfd) < 0)
			return fail(j, "cannot sync '%s'", name);
		j->seg_dirty = 0;
	}
	if (j->dir_dirty) {
		if (fsync(j->dirfd) < 0)
			return fail(j, "cannot sync directory '%s'", j->dir);
		j->dir_dirty = 0;
	}
	if (begin(j) < 0)
		goto fail;
	for (i = 0; i < j->npf; i++) {
		struct pframe *f = &j->pf[i];

		if (index_frame(j, f->seg, f->off, f->len, f->first_seq,
		    &f->st, j->pfk + f->fk0, f->nfk, 0) < 0)
			goto fail;
	}
	for (i = 0; i < j->nps; i++)
		if (put_seg(j, j->ps[i].seg, j->ps[i].created,
		    j->ps[i].bytes, j->ps[i].closed) < 0)
			goto fail;
	if (put_meta(j, "next_seq", j->next_seq) < 0 ||
	    put_meta(j, "last_seg", j->last_seg) < 0)
		goto fail;
	if (j->hook && j->hook(j->hook_ctx, j->db) < 0) {
		fail(j, "sync hook failed");
		goto fail;
	}
	if (commit(j) < 0)
		goto fail;
	for (i = 0; i < j->npf; i++) {
		const struct fstats *st = &j->pf[i].st;

		if (st->has & HAS_TIME) {
			j->last_time = st->last_time;
			j->has |= EV_HAS_TIME;
		}
		if (st->has & HAS_RECV) {
			j->last_recv = st->last_recv;
			j->has |= EV_HAS_RECV;
		}
	}
	j->durable += j->next_seq - j->durable_seq;
	j->durable_seq = j->next_seq;
	j->npf = j->npfk = j->nps = 0;
	return 1;
fail:
	{
		int e = errno;

		rollback(j);
		j->failed = e;
		errno = e;
	}
	return -1;
}

void
journal_set_sync_hook(struct journal *j, int (*fn)(void *ctx, sqlite3 *db),
    void *ctx)
{
	j->hook = fn;
	j->hook_ctx = ctx;
}

sqlite3 *
journal_db(struct journal *j)
{
	return j->db;
}

void
journal_status(const struct journal *j, struct journal_status *st)
{
	memset(st, 0, sizeof *st);
	st->next_seq = j->next_seq;
	st->durable_seq = j->durable_seq;
	st->appended = j->appended;
	st->durable = j->durable;
	st->raw_bytes = j->raw_bytes;
	st->bytes = j->bytes;
	st->last_time = j->last_time;
	st->last_recv = j->last_recv;
	st->has = j->has;
	st->seg = j->segfd >= 0 ? j->seg : 0;
}

int
journal_close(struct journal *j)
{
	int rc = 0, e = 0;

	if (!j)
		return 0;
	if (j->writer) {
		if (journal_sync(j) < 0) {
			rc = -1;
			e = errno;
		} else if (j->segfd >= 0) {
			char name[SEG_NAME_LEN];

			journal_seg_name(j->seg, name, sizeof name);
			if (close(j->segfd) < 0) {
				rc = -1;
				e = errno;
				fail(j, "cannot close '%s'", name);
			}
			j->segfd = -1;
		}
	}
	journal_free(j);
	if (rc < 0)
		errno = e;
	return rc;
}

/* ---- maintenance ---- */

int
journal_reindex(struct journal *j)
{
	if (!j->writer) {
		errno = EBADF;
		return fail(j, "reindex needs the writer's lock");
	}
	if (journal_sync(j) < 0)
		return -1;
	if (j->segfd >= 0) {
		close(j->segfd);
		j->segfd = -1;
	}
	if (recover(j, 1) < 0) {
		j->failed = errno;
		return -1;
	}
	j->durable_seq = j->next_seq;
	return 0;
}

int
journal_prune(struct journal *j, int64_t before, struct journal_pruned *p)
{
	struct victim {
		uint64_t seg, frames, events, bytes;
	} *v = NULL;
	size_t nv = 0, cap = 0, i;
	sqlite3_stmt *s;
	int rc;

	if (!j->writer) {
		errno = EBADF;
		return fail(j, "prune needs the writer's lock");
	}
	if (journal_sync(j) < 0)
		return -1;
	if (prepare(j, "SELECT s.seg, s.bytes, count(f.id), "
	    "coalesce(sum(f.count), 0), coalesce(max(f.max_time), s.created) "
	    "FROM segments s LEFT JOIN frames f ON f.seg = s.seg "
	    "WHERE s.closed = 1 GROUP BY s.seg ORDER BY s.seg", &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uint64_t seg = (uint64_t)sqlite3_column_int64(s, 0);

		if (sqlite3_column_int64(s, 4) >= before ||
		    (j->segfd >= 0 && seg == j->seg))
			continue;
		if (fs_grow((void **)&v, &cap, nv + 1, sizeof *v) < 0) {
			sqlite3_finalize(s);
			free(v);
			return fail(j, "cannot prune");
		}
		v[nv].seg = seg;
		v[nv].bytes = (uint64_t)sqlite3_column_int64(s, 1);
		v[nv].frames = (uint64_t)sqlite3_column_int64(s, 2);
		v[nv].events = (uint64_t)sqlite3_column_int64(s, 3);
		nv++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return fail_db(j, rc, "read the segments");
	}
	/* Files first: a crash before the rows go leaves rows that point
	 * at missing files, which the next open removes. */
	for (i = 0; i < nv; i++) {
		char name[SEG_NAME_LEN], torn[SEG_NAME_LEN + 8];

		journal_seg_name(v[i].seg, name, sizeof name);
		snprintf(torn, sizeof torn, "%s.torn", name);
		if ((unlinkat(j->dirfd, name, 0) < 0 && errno != ENOENT) ||
		    (unlinkat(j->dirfd, torn, 0) < 0 && errno != ENOENT)) {
			fail(j, "cannot remove '%s'", name);
			free(v);
			return -1;
		}
	}
	if (nv && fsync(j->dirfd) < 0) {
		free(v);
		return fail(j, "cannot sync directory '%s'", j->dir);
	}
	if (begin(j) < 0)
		goto fail;
	for (i = 0; i < nv; i++) {
		if (drop_frames(j, v[i].seg, 0) < 0 ||
		    exec_i(j, "DELETE FROM segments WHERE seg = ?",
		    (int64_t)v[i].seg, 0, "delete a segment") < 0)
			goto fail;
		if (p) {
			p->segments++;
			p->frames += v[i].frames;
			p->events += v[i].events;
			p->bytes += v[i].bytes;
		}
	}
	if (put_meta(j, "last_seg", j->last_seg) < 0 || commit(j) < 0)
		goto fail;
	free(v);
	return 0;
fail:
	{
		int e = errno;

		rollback(j);
		j->failed = e;
		errno = e;
	}
	free(v);
	return -1;
}

/* ---- reader queries ---- */

/* Is a writer running?  Its pid is in the lock file while it runs. */
static int
writer_alive(struct journal *j)
{
	char b[32];
	ssize_t n;
	long pid;
	int fd = openat(j->dirfd, "lock", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = pread(fd, b, sizeof b - 1, 0);
	close(fd);
	if (n <= 0)
		return 0;
	b[n] = '\0';
	pid = strtol(b, NULL, 10);
	if (pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

struct vstate {
	struct journal *j;
	void (*damage)(void *ctx, const char *msg);
	void *ctx;
	long problems;
};

static void
damage(struct vstate *vs, uint64_t seg, uint64_t off, const char *fmt, ...)
    ERR_PRINTF(4, 5);

static void
damage(struct vstate *vs, uint64_t seg, uint64_t off, const char *fmt, ...)
{
	char name[SEG_NAME_LEN], reason[768], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	journal_seg_name(seg, name, sizeof name);
	snprintf(msg, sizeof msg, "%s at offset %" PRIu64 ": %s", name, off,
	    reason);
	vs->problems++;
	if (vs->damage)
		vs->damage(vs->ctx, msg);
}

/* A key name as venue/market/symbol/type, for messages. */
static void
key_text(const char *name, size_t len, char *dst, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 1 < n; i++)
		dst[o++] = name[i] ? name[i] : '/';
	dst[o] = '\0';
}

/* An optional integer for a message: the number or "null". */
static const char *
opt_text(int has, int64_t v, char *dst, size_t n)
{
	if (has)
		snprintf(dst, n, "%" PRId64, v);
	else
		snprintf(dst, n, "null");
	return dst;
}

/* Compare an index row with the statistics of the frame read. */
static int
compare_stats(struct vstate *vs, uint64_t seg, uint64_t off,
    sqlite3_stmt *s, const struct fstats *st)
{
	static const struct {
		const char *name;
		int col;
		unsigned has;
		size_t at;
	} cols[] = {
		{ "first_time", 6, HAS_TIME, offsetof(struct fstats, first_time) },
		{ "last_time", 7, HAS_TIME, offsetof(struct fstats, last_time) },
		{ "min_time", 8, HAS_TIME, offsetof(struct fstats, min_time) },
		{ "max_time", 9, HAS_TIME, offsetof(struct fstats, max_time) },
		{ "first_recv", 10, HAS_RECV, offsetof(struct fstats, first_recv) },
		{ "last_recv", 11, HAS_RECV, offsetof(struct fstats, last_recv) },
	};
	char a[32], b[32];
	size_t i;

	if ((uint64_t)sqlite3_column_int64(s, 4) != st->count) {
		damage(vs, seg, off, "the index says %" PRId64 " events, the "
		    "frame holds %" PRIu64, (int64_t)sqlite3_column_int64(s, 4),
		    st->count);
		return -1;
	}
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		int ihas = sqlite3_column_type(s, cols[i].col) != SQLITE_NULL;
		int fhas = (st->has & cols[i].has) != 0;
		int64_t iv = sqlite3_column_int64(s, cols[i].col);
		int64_t fv = *(const int64_t *)(const void *)
		    ((const char *)st + cols[i].at);

		if (ihas == fhas && (!ihas || iv == fv))
			continue;
		damage(vs, seg, off, "the index says %s %s, the frame has %s",
		    cols[i].name, opt_text(ihas, iv, a, sizeof a),
		    opt_text(fhas, fv, b, sizeof b));
		return -1;
	}
	return 0;
}

static int
compare_keys(struct vstate *vs, uint64_t seg, uint64_t off, sqlite3_stmt *q,
    int64_t frame, const struct facc *a)
{
	struct journal *j = vs->j;
	char *seen = calloc(a->nfk ? a->nfk : 1, 1);
	char kt[256];
	int rc, bad = 0;
	size_t i;

	if (!seen) {
		errno = ENOMEM;
		return -2;
	}
	sqlite3_bind_int64(q, 1, frame);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct jkey *k;
		int c;

		buf_reset(&j->kb);
		for (c = 0; c < 4; c++) {
			if (c)
				buf_addc(&j->kb, '\0');
			buf_add(&j->kb, sqlite3_column_text(q, c),
			    (size_t)sqlite3_column_bytes(q, c));
		}
		if (buf_failed(&j->kb)) {
			bad = -2;
			break;
		}
		key_text(j->kb.p, j->kb.len, kt, sizeof kt);
		k = keymap_get(&j->keys, j->kb.p, j->kb.len);
		if (!k || k->gen != a->gen) {
			damage(vs, seg, off, "the index lists key %s, which "
			    "the frame does not hold", kt);
			bad = -1;
			break;
		}
		seen[k->slot] = 1;
		{
			const struct fkey *f = &a->fk[k->slot];
			int inull = sqlite3_column_type(q, 5) == SQLITE_NULL;

			if ((uint64_t)sqlite3_column_int64(q, 4) != f->count ||
			    inull != !f->has_time || (!inull &&
			    (sqlite3_column_int64(q, 5) != f->min_time ||
			    sqlite3_column_int64(q, 6) != f->max_time))) {
				damage(vs, seg, off, "the index's count or "
				    "time range of key %s differs from the "
				    "frame's", kt);
				bad = -1;
				break;
			}
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail_db(j, rc, "read the frame keys");
		bad = -2;
	}
	sqlite3_reset(q);
	for (i = 0; !bad && i < a->nfk; i++)
		if (!seen[i]) {
			key_text(a->fk[i].k->name, a->fk[i].k->len, kt,
			    sizeof kt);
			damage(vs, seg, off, "the frame holds key %s, which "
			    "the index does not list", kt);
			bad = -1;
		}
	free(seen);
	return bad;
}

long
journal_verify(struct journal *j, void (*dmg)(void *ctx, const char *msg),
    void *ctx, struct journal_totals *t)
{
	struct vstate vs = { j, dmg, ctx, 0 };
	sqlite3_stmt *fq = NULL, *kq = NULL;
	uint64_t *disk = NULL, max_disk = 0, prev_end = 0, last_iseg = 0;
	struct iseg *is = NULL;
	size_t nd = 0, ni = 0, di = 0, ii = 0;
	struct facc a = { 0 };
	int live = writer_alive(j), have_prev = 0, rc = -1;

	memset(t, 0, sizeof *t);
	t->min_time = INT64_MAX;
	t->max_time = INT64_MIN;
	/* One read transaction: a consistent snapshot of the index. */
	if (exec_sql(j, "BEGIN", "begin a transaction") < 0)
		return -1;
	if (get_meta(j, "next_seq", &t->next_seq) < 0 ||
	    load_isegs(j, &is, &ni) < 0 ||
	    disk_segments(j, &disk, &nd, &max_disk) < 0)
		goto out;
	if (ni)
		last_iseg = is[ni - 1].seg;
	if (prepare(j, "SELECT id, off, len, raw_len, count, first_seq, "
	    "first_time, last_time, min_time, max_time, first_recv, last_recv "
	    "FROM frames WHERE seg = ? ORDER BY off", &fq) < 0 ||
	    prepare(j, "SELECT k.venue, k.market, k.symbol, k.type, fk.count, "
	    "fk.min_time, fk.max_time FROM frame_keys fk JOIN keys k "
	    "ON k.id = fk.key WHERE fk.frame = ?", &kq) < 0)
		goto out;
	while (di < nd || ii < ni) {
		uint64_t seg, off = 0, fend = 0;
		const struct iseg *row = NULL;
		int on_disk;
		struct segrd r;
		int q;

		if (ii < ni && (di >= nd || is[ii].seg <= disk[di]))
			seg = is[ii].seg;
		else
			seg = disk[di];
		on_disk = di < nd && disk[di] == seg;
		if (ii < ni && is[ii].seg == seg)
			row = &is[ii++];
		if (on_disk)
			di++;
		if (!row) {
			if (!(live && seg > last_iseg))
				damage(&vs, seg, 0, "segment not in the index");
			continue;
		}
		t->segments++;
		if (!on_disk) {
			damage(&vs, seg, 0, "segment file missing");
			continue;
		}
		if (segrd_open(j, &r, seg, O_RDONLY) < 0) {
			char name[SEG_NAME_LEN];

			fail(j, "cannot open '%s'",
			    journal_seg_name(seg, name, sizeof name));
			goto out;
		}
		sqlite3_bind_int64(fq, 1, (int64_t)seg);
		while ((q = sqlite3_step(fq)) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(fq, 0);
			uint64_t foff = (uint64_t)sqlite3_column_int64(fq, 1);
			uint64_t flen = (uint64_t)sqlite3_column_int64(fq, 2);
			uint64_t fraw = (uint64_t)sqlite3_column_int64(fq, 3);
			uint64_t fcount = (uint64_t)sqlite3_column_int64(fq, 4);
			uint64_t fseq = (uint64_t)sqlite3_column_int64(fq, 5);
			const unsigned char *p;
			const char *why = NULL;
			size_t len = 0;
			uint64_t raw = 0;
			int st, c;

			t->frames++;
			t->events += fcount;
			t->bytes += flen;
			t->raw_bytes += fraw;
			if (sqlite3_column_type(fq, 8) != SQLITE_NULL) {
				int64_t lo = sqlite3_column_int64(fq, 8);
				int64_t hi = sqlite3_column_int64(fq, 9);

				if (lo < t->min_time)
					t->min_time = lo;
				if (hi > t->max_time)
					t->max_time = hi;
			}
			if (have_prev && fseq < prev_end)
				damage(&vs, seg, foff, "first_seq %" PRIu64
				    " overlaps the frame before (its events "
				    "end at seq %" PRIu64 ")", fseq, prev_end);
			have_prev = 1;
			prev_end = fseq + fcount;
			if (foff < off) {
				damage(&vs, seg, foff, "indexed frame overlaps "
				    "the frame before");
				continue;
			}
			if (foff > off)
				damage(&vs, seg, off, "%" PRIu64 " bytes not "
				    "in the index", foff - off);
			off = foff;
			fend = foff + flen;
			if (foff + flen > r.size) {
				damage(&vs, seg, foff, "indexed frame reaches "
				    "past the end of the file (%" PRIu64
				    " bytes)", r.size);
				off = r.size > off ? r.size : off;
				continue;
			}
			off = foff + flen;
			st = segrd_frame(&r, foff, &p, &len, &raw, &why);
			if (st == SEGRD_ERROR) {
				char name[SEG_NAME_LEN];

				segrd_close(&r);
				fail(j, "cannot read '%s'",
				    journal_seg_name(seg, name, sizeof name));
				goto out;
			}
			if (st == ZFRAME_SHORT) {
				damage(&vs, seg, foff, "incomplete frame");
				continue;
			}
			if (st == ZFRAME_BAD) {
				damage(&vs, seg, foff, "%s", why);
				continue;
			}
			if (len != flen || raw != fraw) {
				damage(&vs, seg, foff, "the index says %" PRIu64
				    " bytes (%" PRIu64 " decompressed), the "
				    "frame is %zu (%" PRIu64 ")", flen, fraw,
				    len, raw);
				continue;
			}
			c = check_frame(j, p, len, raw, &a);
			if (c == -2) {
				segrd_close(&r);
				fail(j, "cannot verify");
				goto out;
			}
			if (c == -1) {
				damage(&vs, seg, foff, "%s", j->why);
				continue;
			}
			if (compare_stats(&vs, seg, foff, fq, &a.st) < 0)
				continue;
			if (compare_keys(&vs, seg, foff, kq, id, &a) == -2) {
				segrd_close(&r);
				goto out;
			}
		}
		sqlite3_reset(fq);
		if (q != SQLITE_DONE) {
			segrd_close(&r);
			fail_db(j, q, "read the frames");
			goto out;
		}
		if (off < r.size && !(live && seg >= last_iseg))
			damage(&vs, seg, off, "%" PRIu64 " bytes past the "
			    "indexed end", r.size - off);
		if (row->bytes != fend)
			damage(&vs, seg, row->bytes, "the index says the "
			    "segment holds %" PRIu64 " bytes, its frames end "
			    "at %" PRIu64, row->bytes, fend);
		segrd_close(&r);
	}
	if (have_prev && t->next_seq < prev_end)
		damage(&vs, last_iseg, 0, "meta next_seq %" PRIu64 " is below "
		    "the end of the last frame (%" PRIu64 ")", t->next_seq,
		    prev_end);
	rc = 0;
out:
	sqlite3_finalize(fq);
	sqlite3_finalize(kq);
	if (sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		/* A read transaction: nothing to lose. */
	}
	free(a.fk);
	free(is);
	free(disk);
	return rc < 0 ? -1 : vs.problems;
}

int
journal_segments(struct journal *j,
    int (*fn)(void *ctx, const struct journal_seginfo *s), void *ctx)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(j, "SELECT s.seg, s.created, s.closed, count(f.id), "
	    "coalesce(sum(f.count), 0), s.bytes, coalesce(sum(f.raw_len), 0), "
	    "min(f.min_time), max(f.max_time) "
	    "FROM segments s LEFT JOIN frames f ON f.seg = s.seg "
	    "GROUP BY s.seg ORDER BY s.seg", &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct journal_seginfo g;
		char name[SEG_NAME_LEN];

		g.seg = (uint64_t)sqlite3_column_int64(s, 0);
		g.name = journal_seg_name(g.seg, name, sizeof name);
		g.created = sqlite3_column_int64(s, 1);
		g.closed = sqlite3_column_int(s, 2);
		g.frames = (uint64_t)sqlite3_column_int64(s, 3);
		g.events = (uint64_t)sqlite3_column_int64(s, 4);
		g.bytes = (uint64_t)sqlite3_column_int64(s, 5);
		g.raw_bytes = (uint64_t)sqlite3_column_int64(s, 6);
		g.has_time = sqlite3_column_type(s, 7) != SQLITE_NULL;
		g.min_time = sqlite3_column_int64(s, 7);
		g.max_time = sqlite3_column_int64(s, 8);
		if (fn(ctx, &g) < 0) {
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail_db(j, rc, "read the segments");
	return 0;
}

int
journal_totals(struct journal *j, struct journal_totals *t)
{
	sqlite3_stmt *s;
	int rc;

	memset(t, 0, sizeof *t);
	t->min_time = INT64_MAX;
	t->max_time = INT64_MIN;
	if (get_meta(j, "next_seq", &t->next_seq) < 0)
		return -1;
	if (prepare(j, "SELECT (SELECT count(*) FROM segments), count(*), "
	    "coalesce(sum(count), 0), coalesce(sum(len), 0), "
	    "coalesce(sum(raw_len), 0), min(min_time), max(max_time) "
	    "FROM frames", &s) < 0)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		t->segments = (uint64_t)sqlite3_column_int64(s, 0);
		t->frames = (uint64_t)sqlite3_column_int64(s, 1);
		t->events = (uint64_t)sqlite3_column_int64(s, 2);
		t->bytes = (uint64_t)sqlite3_column_int64(s, 3);
		t->raw_bytes = (uint64_t)sqlite3_column_int64(s, 4);
		if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
			t->min_time = sqlite3_column_int64(s, 5);
			t->max_time = sqlite3_column_int64(s, 6);
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return fail_db(j, rc, "read the frames");
	return 0;
}

int
journal_symbols(struct journal *j,
    int (*fn)(void *ctx, const struct journal_syminfo *s), void *ctx)
{
	sqlite3_stmt *s;
	int rc;

	/* Days: the distinct UTC days on which a frame's events of the
	 * symbol begin or end (frames are short: that is every day). */
	if (prepare(j, "WITH d AS (SELECT fk.key AS key, fk.min_time / "
	    "86400000 AS day FROM frame_keys fk WHERE fk.min_time IS NOT NULL "
	    "UNION SELECT fk.key, fk.max_time / 86400000 FROM frame_keys fk "
	    "WHERE fk.max_time IS NOT NULL), "
	    "c AS (SELECT k.venue AS venue, k.market AS market, "
	    "k.symbol AS symbol, sum(fk.count) AS n, min(fk.min_time) AS lo, "
	    "max(fk.max_time) AS hi FROM frame_keys fk JOIN keys k "
	    "ON k.id = fk.key GROUP BY 1, 2, 3), "
	    "dd AS (SELECT k.venue AS venue, k.market AS market, "
	    "k.symbol AS symbol, count(DISTINCT d.day) AS days FROM d "
	    "JOIN keys k ON k.id = d.key GROUP BY 1, 2, 3) "
	    "SELECT c.venue, c.market, c.symbol, c.n, c.lo, c.hi, "
	    "coalesce(dd.days, 0) FROM c LEFT JOIN dd ON dd.venue = c.venue "
	    "AND dd.market = c.market AND dd.symbol = c.symbol "
	    "ORDER BY 1, 2, 3", &s) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct journal_syminfo y;

		y.venue = (const char *)sqlite3_column_text(s, 0);
		y.market = (const char *)sqlite3_column_text(s, 1);
		y.symbol = (const char *)sqlite3_column_text(s, 2);
		y.events = (uint64_t)sqlite3_column_int64(s, 3);
		y.has_time = sqlite3_column_type(s, 4) != SQLITE_NULL;
		y.oldest = sqlite3_column_int64(s, 4);
		y.newest = sqlite3_column_int64(s, 5);
		y.days = (uint64_t)sqlite3_column_int64(s, 6);
		if (!y.venue || !y.market || !y.symbol) {
			sqlite3_finalize(s);
			errno = ENOMEM;
			return fail(j, "cannot read the keys");
		}
		if (fn(ctx, &y) < 0) {
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return fail_db(j, rc, "read the keys");
	return 0;
}
