/*
 * state_internal.h: what the parts of the state store share (state.c:
 * the schema, intents, transitions, key/value; state_fills.c: fills,
 * positions, daily figures, balances).  Not for other modules.
 */
#ifndef MKT_STATE_INTERNAL_H
#define MKT_STATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/fixed.h"
#include "io/db.h"
#include "state.h"

/* The statements, prepared on first use and kept for the handle's
 * life. */
enum {
	ST_INTENT, ST_INTENT_FIND, ST_ORDER, ST_ORDER_EVENT, ST_INTENT_STEP,
	ST_INTENT_STATE, ST_INTENT_MARK, ST_DAILY_ORDER, ST_ROW_GET,
	ST_UNFINISHED, ST_UNFINISHED_COUNT, ST_FILL, ST_FILL_INTENT,
	ST_FILL_SUM, ST_POS_GET, ST_POS_PUT, ST_POSITIONS, ST_DAILY_GET,
	ST_DAILY_FILL, ST_FEE_GET, ST_FEE_PUT, ST_BAL_PUT, ST_BAL_GET,
	ST_KV_PUT, ST_KV_GET, ST_COUNT
};

struct state {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	struct db_err dbe;
	int batch;		/* inside state_batch_begin/end */
};

/*
 * One change's transaction: BEGIN IMMEDIATE and COMMIT, or inside a
 * batch a savepoint, so that a change that fails or is a duplicate
 * undoes itself alone and the batch commits once.  0 or -1 with s->dbe.
 */
int st_begin(struct state *s);
int st_commit(struct state *s);
void st_rollback(struct state *s);

/* Rows read whole before any callback runs. */
struct rows {
	void *p;
	size_t n, cap, size;
};

/* Word the failure in s->dbe: "cannot STEP (MESSAGE)", errno from its
 * code.  -1. */
int st_failed(struct state *s, char *err, size_t errsz);

/* Refuse with EINVAL: "cannot STEP (WHY)".  -1. */
int st_invalid(char *err, size_t errsz, const char *step, const char *why);

/* A stored value the row cannot hold or the store cannot read, or a sum
 * that overflows: ERANGE.  -1. */
int st_unreadable(char *err, size_t errsz, const char *step);

/* The statement i, prepared on first use, under step.  0 or -1. */
int st_prep(struct state *s, int i, sqlite3_stmt **st, const char *step);

/* Bind text, or NULL for v NULL; the text must outlive the use. */
void st_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Reset st and clear its bindings. */
void st_release(sqlite3_stmt *st);

/* Step st to its end and release it.  0 or -1 with s->dbe (its
 * extended code). */
int st_run(struct state *s, sqlite3_stmt *st, const char *step);

/* Whether the last failure was a uniqueness or primary key conflict. */
int st_conflict(const struct db_err *e);

/* Whether v (NULL allowed) is too long for a row's sz bytes. */
int st_too_long(const char *v, size_t sz);

/* Whether v is a decimal that fits a row (NULL counts when may_null). */
int st_decimal(const char *v, int may_null);

/* Column i of st into dst (sz bytes; NULL is ""): 0, or -1 when it does
 * not fit. */
int st_col_text(sqlite3_stmt *st, int i, char *dst, size_t sz);

/* The same, cut to fit: for the read-only readers (reports, strategies),
 * where the store refused longer values when it wrote them and only a
 * free-text column (a tag, a reason) is ever cut. */
void st_col_text_cut(sqlite3_stmt *st, int i, char *dst, size_t sz);

/* Column i of st as a decimal; NULL leaves *v (the default).  0 or -1. */
int st_col_fx(sqlite3_stmt *st, int i, struct fx *v);

/* v as text, trailing zeros dropped, NUL-terminated. */
void st_fx_text(struct fx v, char dst[STATE_DEC_SZ]);

/* The UTC day of ms, "YYYY-MM-DD". */
void st_day_of(int64_t ms, char day[16]);

/*
 * Step st (bound), reading each row with read into r: 0, -1 with
 * s->dbe, -2 for a row that cannot be read, -3 out of memory.  st is
 * released; the caller frees r->p.
 */
int st_rows_read(struct state *s, sqlite3_stmt *st, const char *step,
    struct rows *r, int (*read)(sqlite3_stmt *, void *));

/* Word an st_rows_read() failure.  -1. */
int st_rows_failed(struct state *s, int rc, const char *step, char *err,
    size_t errsz);

#endif
