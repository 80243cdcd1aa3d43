/*
 * t_db: the SQLite helpers (io/db): open with the writer's pragmas,
 * prepare, step, exec, one-integer queries, changes, transactions, and
 * that every failure names its step with SQLite's message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/db.h"
#include "tap.h"

static char dir[256];

static void
test_open(const char *path)
{
	struct db_err e;
	sqlite3 *db, *ro;
	sqlite3_stmt *st;
	char missing[300];

	snprintf(missing, sizeof missing, "%s/none/x.db", dir);
	tap_ok(db_open(&db, missing, DB_CREATE, "open the index", &e) < 0 &&
	    db == NULL, "open fails where no file can be");
	tap_eq_s(e.step, "open the index", "the step is named");
	tap_eq_s(e.msg, "unable to open database file", "with sqlite's "
	    "message");
	tap_eq_i(db_errno(e.rc), ENOENT, "CANTOPEN is ENOENT");

	tap_ok(db_open(&db, path, DB_CREATE | DB_WAL, "open", &e) == 0,
	    "create with the writer's pragmas");
	tap_ok(db_prepare(db, "PRAGMA journal_mode", 0, &st, "read the mode",
	    &e) == 0 && db_step(st, "read the mode", &e) == 1,
	    "read the journal mode");
	tap_eq_s((const char *)sqlite3_column_text(st, 0), "wal", "WAL mode");
	sqlite3_finalize(st);
	tap_ok(db_exec(db, "CREATE TABLE t(k INTEGER PRIMARY KEY, v)",
	    "create t", &e) == 0, "exec");

	tap_ok(db_open(&ro, path, DB_READ, "open", &e) == 0, "open read-only");
	tap_ok(db_exec(ro, "INSERT INTO t VALUES(1, 1)", "insert a row",
	    &e) < 0, "a read-only handle cannot write");
	tap_eq_s(e.step, "insert a row", "the step is named");
	tap_eq_s(e.msg, "attempt to write a readonly database", "sqlite's "
	    "message");
	tap_eq_i(db_errno(e.rc), EACCES, "READONLY is EACCES");
	sqlite3_close(ro);
	sqlite3_close(db);
}

static void
test_statements(const char *path)
{
	struct db_err e;
	sqlite3 *db, *other;
	sqlite3_stmt *st;
	int64_t v;
	int i, r;

	if (db_open(&db, path, DB_WRITE, "open", &e) < 0) {
		tap_ok(0, "open: %s", e.msg);
		return;
	}
	tap_ok(db_prepare(db, "SELECT nonsense FROM WHERE", 0, &st,
	    "prepare a statement", &e) < 0 && st == NULL,
	    "a bad statement does not prepare");
	tap_eq_s(e.step, "prepare a statement", "the step is named");
	tap_ok(strstr(e.msg, "syntax error") != NULL, "syntax error: '%s'",
	    e.msg);

	tap_ok(db_begin(db, 1, &e) == 0, "begin immediate");
	tap_ok(db_prepare(db, "INSERT INTO t VALUES(?1, ?2)", DB_PERSISTENT,
	    &st, "prepare", &e) == 0, "prepare a kept statement");
	for (i = 1, r = 0; i <= 3 && r == 0; i++) {
		sqlite3_bind_int64(st, 1, i);
		db_bind_opt(st, 2, i != 2, 10 * i);
		r = db_done(st, "insert frame row", &e);
	}
	tap_ok(r == 0, "three rows, one with a NULL");
	sqlite3_bind_int64(st, 1, 1);
	tap_ok(db_done(st, "insert frame row", &e) < 0, "a duplicate fails");
	tap_eq_s(e.step, "insert frame row", "the step is named");
	tap_eq_s(e.msg, "UNIQUE constraint failed: t.k", "sqlite's message");
	sqlite3_finalize(st);
	tap_ok(db_commit(db, &e) == 0, "commit");

	tap_eq_i(db_int(db, "SELECT v FROM t WHERE k = ?1", 3, 0, &v, "read",
	    &e), 1, "db_int: a value");
	tap_eq_i(v, 30, "the value");
	tap_eq_i(db_int(db, "SELECT v FROM t WHERE k = ?1", 2, 0, &v, "read",
	    &e), 0, "db_int: NULL is none");
	tap_eq_i(db_int(db, "SELECT v FROM t WHERE k = ?1 AND v > ?2", 9, 0,
	    &v, "read", &e), 0, "db_int: no row is none");
	tap_eq_i(db_change(db, "DELETE FROM t WHERE k >= ?1 AND k <= ?2", 2,
	    3, "delete", &e), 2, "db_change: the rows deleted");

	tap_ok(db_begin(db, 0, &e) == 0 && db_exec(db, "INSERT INTO t "
	    "VALUES(5, 5)", "insert", &e) == 0, "a transaction");
	errno = EINTR;
	db_rollback(db);
	tap_eq_i(errno, EINTR, "rollback keeps errno");
	tap_eq_i(db_int(db, "SELECT count(*) FROM t", 0, 0, &v, "count", &e),
	    1, "count");
	tap_eq_i(v, 1, "rolled back");
	db_rollback(db);
	tap_ok(1, "a rollback without a transaction does nothing");

	/* Another writer holds the lock: the step says what waited. */
	if (db_open(&other, path, DB_WRITE, "open", &e) < 0) {
		tap_ok(0, "open a second handle: %s", e.msg);
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(other, 0);
	tap_ok(db_begin(db, 1, &e) == 0, "the first handle writes");
	tap_ok(db_begin(other, 1, &e) < 0, "the second cannot begin");
	tap_eq_s(e.step, "begin a transaction", "the step is named");
	tap_eq_s(e.msg, "database is locked", "sqlite's message");
	tap_eq_i(db_errno(e.rc), EBUSY, "BUSY is EBUSY");
	tap_ok(db_commit(db, &e) == 0, "commit");
	sqlite3_close(other);
	sqlite3_close(db);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[300], cmd[300];

	snprintf(dir, sizeof dir, "%s/t_db.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/x.db", dir);
	test_open(path);
	test_statements(path);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
