/*
 * The state store's transactions: one per change, or one for a batch
 * of changes (state_batch_begin/end), where each change is a savepoint
 * so that one that fails undoes itself alone.
 */
#include <errno.h>
#include <sqlite3.h>

#include "state_internal.h"

int
st_begin(struct state *s)
{
	if (s->batch)
		return db_exec(s->db, "SAVEPOINT st_change", "begin a change",
		    &s->dbe);
	return db_begin(s->db, 1, &s->dbe);
}

int
st_commit(struct state *s)
{
	if (s->batch)
		return db_exec(s->db, "RELEASE st_change", "end a change",
		    &s->dbe);
	return db_commit(s->db, &s->dbe);
}

void
st_rollback(struct state *s)
{
	int e = errno;

	if (!s->batch) {
		db_rollback(s->db);
		return;
	}
	/* The batch stays open; a failure here fails its commit. */
	if (sqlite3_exec(s->db, "ROLLBACK TO st_change; RELEASE st_change",
	    NULL, NULL, NULL) != SQLITE_OK) {
		/* Nothing more to do: the handle reports it next. */
	}
	errno = e;
}

int
state_batch_begin(struct state *s, char *err, size_t errsz)
{
	if (s->batch)
		return st_invalid(err, errsz, "begin a batch", "one is open");
	if (db_begin(s->db, 1, &s->dbe) < 0)
		return st_failed(s, err, errsz);
	s->batch = 1;
	return 0;
}

int
state_batch_end(struct state *s, char *err, size_t errsz)
{
	if (!s->batch)
		return st_invalid(err, errsz, "end a batch", "none is open");
	s->batch = 0;
	if (db_commit(s->db, &s->dbe) < 0) {
		db_rollback(s->db);
		return st_failed(s, err, errsz);
	}
	return 0;
}

void
state_batch_abort(struct state *s)
{
	if (!s->batch)
		return;
	s->batch = 0;
	db_rollback(s->db);
}
