/*
 * db: the SQLite helpers the store shares (see db.h).  Each helper
 * records the step that failed and SQLite's message at the moment of
 * failure, before anything else can replace the handle's message.
 */
#include <errno.h>
#include <stdio.h>

#include "db.h"

int
db_fail(struct db_err *e, sqlite3 *db, int rc, const char *step)
{
	e->rc = rc;
	e->step = step;
	snprintf(e->msg, sizeof e->msg, "%s",
	    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return -1;
}

int
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

int
db_open(sqlite3 **dbp, const char *path, unsigned flags, const char *step,
    struct db_err *e)
{
	int of = SQLITE_OPEN_READONLY, rc;

	if (flags & DB_CREATE)
		of = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	else if (flags & DB_WRITE)
		of = SQLITE_OPEN_READWRITE;
	*dbp = NULL;
	rc = sqlite3_open_v2(path, dbp, of, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	/* Wait out another connection's short exclusive moments (WAL
	 * recovery, checkpoints that truncate). */
	sqlite3_busy_timeout(*dbp, DB_BUSY_MS);
	if (flags & DB_WAL) {
		rc = sqlite3_exec(*dbp, "PRAGMA journal_mode=WAL; "
		    "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			goto fail;
	}
	return 0;
fail:
	db_fail(e, *dbp, rc, step);
	sqlite3_close(*dbp);
	*dbp = NULL;
	return -1;
}

int
db_prepare(sqlite3 *db, const char *sql, unsigned flags, sqlite3_stmt **st,
    const char *step, struct db_err *e)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, flags & DB_PERSISTENT ?
	    SQLITE_PREPARE_PERSISTENT : 0, st, NULL);

	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_fail(e, db, rc, step);
	}
	return 0;
}

int
db_exec(sqlite3 *db, const char *sql, const char *step, struct db_err *e)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return db_fail(e, db, rc, step);
	return 0;
}

int
db_step(sqlite3_stmt *st, const char *step, struct db_err *e)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(e, sqlite3_db_handle(st), rc, step);
}

int
db_done(sqlite3_stmt *st, const char *step, struct db_err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_fail(e, sqlite3_db_handle(st), rc, step);
	return 0;
}

void
db_bind_opt(sqlite3_stmt *st, int i, int has, int64_t v)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Prepare sql and bind a and b to the parameters it has. */
static int
prepare_ab(sqlite3 *db, const char *sql, int64_t a, int64_t b,
    sqlite3_stmt **st, const char *step, struct db_err *e)
{
	if (db_prepare(db, sql, 0, st, step, e) < 0)
		return -1;
	if (sqlite3_bind_parameter_count(*st) >= 1)
		sqlite3_bind_int64(*st, 1, a);
	if (sqlite3_bind_parameter_count(*st) >= 2)
		sqlite3_bind_int64(*st, 2, b);
	return 0;
}

int
db_int(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t *v,
    const char *step, struct db_err *e)
{
	sqlite3_stmt *st;
	int r;

	*v = 0;
	if (prepare_ab(db, sql, a, b, &st, step, e) < 0)
		return -1;
	r = db_step(st, step, e);
	if (r > 0 && sqlite3_column_type(st, 0) == SQLITE_NULL)
		r = 0;
	else if (r > 0)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r;
}

int64_t
db_change(sqlite3 *db, const char *sql, int64_t a, int64_t b,
    const char *step, struct db_err *e)
{
	sqlite3_stmt *st;
	int r;

	if (prepare_ab(db, sql, a, b, &st, step, e) < 0)
		return -1;
	r = db_step(st, step, e);
	sqlite3_finalize(st);
	if (r < 0)
		return -1;
	return sqlite3_changes(db);
}

int
db_begin(sqlite3 *db, int immediate, struct db_err *e)
{
	return db_exec(db, immediate ? "BEGIN IMMEDIATE" : "BEGIN",
	    "begin a transaction", e);
}

int
db_commit(sqlite3 *db, struct db_err *e)
{
	return db_exec(db, "COMMIT", "commit", e);
}

void
db_rollback(sqlite3 *db)
{
	int e = errno;

	if (db && !sqlite3_get_autocommit(db) &&
	    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK) {
		/* Nothing more to do: the handle is failed already. */
	}
	errno = e;
}
