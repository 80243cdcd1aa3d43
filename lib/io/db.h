/*
 * db: the SQLite helpers the store shares.  Open with the journal's
 * pragmas, prepare, step, exec and transactions; each failure is
 * recorded in a struct db_err with the step the caller named ("insert a
 * frame") and SQLite's message, and the caller words it once in its own
 * style ("index.db: cannot insert a frame (database is locked)").  The
 * helpers never print.
 */
#ifndef MKT_DB_H
#define MKT_DB_H

#include <stdint.h>

#include <sqlite3.h>

#include "base/attr.h"

/* How long a statement waits out another connection's lock. */
#define DB_BUSY_MS 5000

/* What failed: set by every helper that returns -1. */
struct db_err {
	int rc;			/* SQLite's result code */
	const char *step;	/* the caller's name of the step (static) */
	char msg[256];		/* SQLite's message for it */
};

/* db_open() flags. */
enum {
	DB_READ = 0,		/* read only */
	DB_WRITE = 1,		/* read-write */
	DB_CREATE = 2,		/* read-write, created when missing */
	DB_WAL = 4,		/* journal_mode=WAL, synchronous=NORMAL */
};

/* db_prepare() flags. */
enum { DB_PERSISTENT = 1 };	/* a statement kept for the handle's life */

/* Record a failure of step with rc and db's message (SQLite's text for
 * rc when db is NULL); returns -1. */
int db_fail(struct db_err *e, sqlite3 *db, int rc, const char *step);

/* The errno that best says what an SQLite result code means (ENOSPC,
 * ENOMEM, EBUSY, EACCES, ENOENT, else EIO). */
int db_errno(int rc);

/*
 * Open path with the busy timeout (DB_BUSY_MS) and, with DB_WAL, the
 * pragmas of a journal's writer.  *dbp is NULL on failure.  0, or -1
 * with e (step: the caller's).  The caller closes with sqlite3_close().
 */
int db_open(sqlite3 **dbp, const char *path, unsigned flags,
    const char *step, struct db_err *e) WUR;

/* Prepare one statement; the caller finalizes it.  0 or -1 with e. */
int db_prepare(sqlite3 *db, const char *sql, unsigned flags,
    sqlite3_stmt **st, const char *step, struct db_err *e) WUR;

/* Run SQL that returns no rows (several statements allowed). */
int db_exec(sqlite3 *db, const char *sql, const char *step,
    struct db_err *e) WUR;

/* Step st: 1 a row, 0 done, -1 with e (st is left as it is). */
int db_step(sqlite3_stmt *st, const char *step, struct db_err *e) WUR;

/* Step a statement that returns no row (a row counts as done), then
 * reset it; its bindings stay.  0 or -1 with e. */
int db_done(sqlite3_stmt *st, const char *step, struct db_err *e) WUR;

/* Bind an optional integer: v, or NULL when !has. */
void db_bind_opt(sqlite3_stmt *st, int i, int has, int64_t v);

/*
 * One integer from a statement with up to two integer parameters (those
 * it has are bound to a and b): 1 with *v, 0 when there is no row or
 * the value is NULL (*v = 0), -1 with e.
 */
int db_int(sqlite3 *db, const char *sql, int64_t a, int64_t b,
    int64_t *v, const char *step, struct db_err *e) WUR;

/* Run a statement with up to two integer parameters; the rows it
 * changed, or -1 with e. */
int64_t db_change(sqlite3 *db, const char *sql, int64_t a, int64_t b,
    const char *step, struct db_err *e) WUR;

/* Transactions: BEGIN (IMMEDIATE when immediate), COMMIT.  0 or -1
 * with e (steps "begin a transaction", "commit"). */
int db_begin(sqlite3 *db, int immediate, struct db_err *e) WUR;
int db_commit(sqlite3 *db, struct db_err *e) WUR;

/* Roll back the open transaction, if any; errno is kept (a failed
 * rollback leaves nothing more to do). */
void db_rollback(sqlite3 *db);

#endif
