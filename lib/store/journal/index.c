/*
 * journal/index.c: the index (index.db) as the journal's parts use it:
 * the schema, the writer's cached statements, meta and segment rows,
 * frame rows with their keys; and the handle's errors and notes.  The
 * SQLite calls go through io/db, whose failures become "index.db:
 * cannot STEP (sqlite's message)" here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "internal.h"

/* WAL mode and synchronous=NORMAL come from db_open(DB_WAL). */
static const char schema[] =
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

static const char *const stmt_sql[ST_COUNT] = {
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

/* ---- errors and notes ---- */

int
jn_fail(struct journal *j, const char *fmt, ...)
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

int
jn_fail_db(struct journal *j)
{
	errno = db_errno(j->dbe.rc);
	return jn_fail(j, "index.db: cannot %s (%s)", j->dbe.step,
	    j->dbe.msg);
}

void
jn_note(struct journal *j, const char *fmt, ...)
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

/* ---- statements ---- */

int
jn_prepare(struct journal *j, const char *sql, sqlite3_stmt **st)
{
	if (db_prepare(j->db, sql, 0, st, "prepare a statement", &j->dbe) < 0)
		return jn_fail_db(j);
	return 0;
}

int
jn_exec(struct journal *j, const char *sql, const char *step)
{
	if (db_exec(j->db, sql, step, &j->dbe) < 0)
		return jn_fail_db(j);
	return 0;
}

int
jn_index_setup(struct journal *j)
{
	int i;

	if (jn_exec(j, schema, "create the schema") < 0)
		return -1;
	for (i = 0; i < ST_COUNT; i++)
		if (db_prepare(j->db, stmt_sql[i], DB_PERSISTENT, &j->st[i],
		    "prepare a statement", &j->dbe) < 0)
			return jn_fail_db(j);
	return jn_exec(j, "INSERT OR IGNORE INTO meta(k, v) "
	    "VALUES('format', '1')", "write meta");
}

/* Step a cached statement that returns no row; its bindings go. */
static int
run_stmt(struct journal *j, int which, const char *step)
{
	int r = db_done(j->st[which], step, &j->dbe);

	sqlite3_clear_bindings(j->st[which]);
	if (r < 0)
		return jn_fail_db(j);
	return 0;
}

int
jn_begin(struct journal *j)
{
	if (db_begin(j->db, 1, &j->dbe) < 0)
		return jn_fail_db(j);
	return 0;
}

int
jn_commit(struct journal *j)
{
	if (db_commit(j->db, &j->dbe) < 0)
		return jn_fail_db(j);
	return 0;
}

void
jn_rollback(struct journal *j)
{
	db_rollback(j->db);
}

/* Run a statement with up to two integer parameters; the changes. */
int64_t
jn_change(struct journal *j, const char *sql, int64_t a, int64_t b,
    const char *step)
{
	int64_t n = db_change(j->db, sql, a, b, step, &j->dbe);

	if (n < 0)
		return jn_fail_db(j);
	return n;
}

/* One integer from a query with up to two integer parameters: 1, or 0
 * when there is no row or it is NULL. */
int
jn_int(struct journal *j, const char *sql, int64_t a, int64_t b,
    int64_t *v)
{
	int r = db_int(j->db, sql, a, b, v, "read the index", &j->dbe);

	if (r < 0)
		return jn_fail_db(j);
	return r;
}

/* ---- rows ---- */

int
jn_put_meta(struct journal *j, const char *k, uint64_t v)
{
	char b[32];

	snprintf(b, sizeof b, "%" PRIu64, v);
	sqlite3_bind_text(j->st[ST_PUT_META], 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_text(j->st[ST_PUT_META], 2, b, -1, SQLITE_TRANSIENT);
	return run_stmt(j, ST_PUT_META, "write meta");
}

/* A meta value as a number; *v untouched when absent. */
int
jn_get_meta(struct journal *j, const char *k, uint64_t *v)
{
	sqlite3_stmt *s;
	int r;

	if (jn_prepare(j, "SELECT v FROM meta WHERE k = ?", &s) < 0)
		return -1;
	sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
	r = db_step(s, "read meta", &j->dbe);
	if (r > 0)
		*v = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (r < 0)
		return jn_fail_db(j);
	return 0;
}

int
jn_put_seg(struct journal *j, uint64_t seg, int64_t created, uint64_t bytes,
    int closed)
{
	sqlite3_stmt *s = j->st[ST_PUT_SEG];

	sqlite3_bind_int64(s, 1, (int64_t)seg);
	sqlite3_bind_int64(s, 2, created);
	sqlite3_bind_int64(s, 3, (int64_t)bytes);
	sqlite3_bind_int(s, 4, closed);
	return run_stmt(j, ST_PUT_SEG, "write a segment row");
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
int
jn_index_frame(struct journal *j, uint64_t seg, uint64_t off, uint64_t len,
    uint64_t first_seq, const struct fstats *st, struct fkey *fk,
    size_t nfk, int64_t id)
{
	sqlite3_stmt *s = j->st[ST_INS_FRAME];
	int64_t fid;
	size_t i;

	for (i = 0; i < nfk; i++)
		if (fk[i].k->id == 0 && insert_key(j, fk[i].k) < 0)
			return -1;
	db_bind_opt(s, 1, id != 0, id);
	sqlite3_bind_int64(s, 2, (int64_t)seg);
	sqlite3_bind_int64(s, 3, (int64_t)off);
	sqlite3_bind_int64(s, 4, (int64_t)len);
	sqlite3_bind_int64(s, 5, (int64_t)st->raw_len);
	sqlite3_bind_int64(s, 6, (int64_t)st->count);
	sqlite3_bind_int64(s, 7, (int64_t)first_seq);
	db_bind_opt(s, 8, st->has & HAS_TIME, st->first_time);
	db_bind_opt(s, 9, st->has & HAS_TIME, st->last_time);
	db_bind_opt(s, 10, st->has & HAS_TIME, st->min_time);
	db_bind_opt(s, 11, st->has & HAS_TIME, st->max_time);
	db_bind_opt(s, 12, st->has & HAS_RECV, st->first_recv);
	db_bind_opt(s, 13, st->has & HAS_RECV, st->last_recv);
	if (run_stmt(j, ST_INS_FRAME, "insert a frame") < 0)
		return -1;
	fid = id ? id : sqlite3_last_insert_rowid(j->db);
	s = j->st[ST_INS_FKEY];
	for (i = 0; i < nfk; i++) {
		sqlite3_bind_int64(s, 1, fid);
		sqlite3_bind_int64(s, 2, fk[i].k->id);
		sqlite3_bind_int64(s, 3, (int64_t)fk[i].count);
		db_bind_opt(s, 4, fk[i].has_time, fk[i].min_time);
		db_bind_opt(s, 5, fk[i].has_time, fk[i].max_time);
		if (run_stmt(j, ST_INS_FKEY, "insert a frame key") < 0)
			return -1;
	}
	return 0;
}

/* Delete the rows of frames of seg at or past byte `from`. */
int64_t
jn_drop_frames(struct journal *j, uint64_t seg, uint64_t from)
{
	if (jn_change(j, "DELETE FROM frame_keys WHERE frame IN (SELECT id "
	    "FROM frames WHERE seg = ?1 AND off + len > ?2)", (int64_t)seg,
	    (int64_t)from, "delete frame keys") < 0)
		return -1;
	return jn_change(j, "DELETE FROM frames WHERE seg = ?1 AND "
	    "off + len > ?2", (int64_t)seg, (int64_t)from, "delete frames");
}

/* The end of the last indexed frame of seg (0 when none). */
int
jn_frames_end(struct journal *j, uint64_t seg, uint64_t *end)
{
	int64_t v;

	if (jn_int(j, "SELECT max(off + len) FROM frames WHERE seg = ?",
	    (int64_t)seg, 0, &v) < 0)
		return -1;
	*end = (uint64_t)v;
	return 0;
}

/* The segments table in seg order; the caller frees *out. */
int
jn_load_isegs(struct journal *j, struct iseg **out, size_t *n)
{
	sqlite3_stmt *s;
	struct iseg *v = NULL;
	size_t nv = 0, cap = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (jn_prepare(j, "SELECT seg, created, bytes, closed FROM segments "
	    "ORDER BY seg", &s) < 0)
		return -1;
	while ((r = db_step(s, "read the segments", &j->dbe)) > 0) {
		if (fs_grow((void **)&v, &cap, nv + 1, sizeof *v) < 0) {
			sqlite3_finalize(s);
			free(v);
			return jn_fail(j, "cannot read the segments");
		}
		v[nv].seg = (uint64_t)sqlite3_column_int64(s, 0);
		v[nv].created = sqlite3_column_int64(s, 1);
		v[nv].bytes = (uint64_t)sqlite3_column_int64(s, 2);
		v[nv].closed = sqlite3_column_int(s, 3);
		nv++;
	}
	sqlite3_finalize(s);
	if (r < 0) {
		free(v);
		return jn_fail_db(j);
	}
	*out = v;
	*n = nv;
	return 0;
}
