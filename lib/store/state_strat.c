/*
 * state_strat: what the example strategies read from mkt-exec's state
 * stores at start (state.h, "read by the strategies"): the intents of
 * one run, by their id's prefix, with what filled of each, and the
 * fills of those intents, over a read-only connection, so that a
 * strategy never takes a lock from the mkt-exec it feeds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/db.h"
#include "store/state.h"
#include "store/state_internal.h"

struct state_strat {
	sqlite3 *db;
	struct db_err dbe;
	int empty;		/* no schema yet: no intents */
};

/* The prefix is compared whole (substr), not with LIKE: a run id may
 * hold '_', LIKE's wildcard.  The tag is the intent line's "tag"
 * string; a line SQLite cannot read as JSON has none. */
static const char intents_sql[] =
	"SELECT i.intent_id, i.venue, i.market, i.symbol, i.side, i.type, "
	"i.qty, i.price, i.tif, i.state, coalesce(o.filled_qty, '0'), "
	"CASE WHEN json_valid(i.raw) AND json_type(i.raw, '$.tag') = 'text' "
	"THEN json_extract(i.raw, '$.tag') END, i.created_ms "
	"FROM intents i LEFT JOIN orders o USING(client_id) "
	"WHERE substr(i.intent_id, 1, length(?1)) = ?1 "
	"ORDER BY i.created_ms, i.rowid";

static const char fills_sql[] =
	"SELECT i.intent_id, f.venue_trade_id, f.price, f.qty "
	"FROM fills f JOIN intents i ON i.client_id = f.client_id "
	"WHERE substr(i.intent_id, 1, length(?1)) = ?1 "
	"ORDER BY f.time_ms, f.rowid";

static int
failed(struct state_strat *r, char *err, size_t errsz)
{
	snprintf(err, errsz, "cannot %s (%s)", r->dbe.step, r->dbe.msg);
	errno = db_errno(r->dbe.rc);
	return -1;
}

/* A store that mkt-exec is creating at this moment has no tables yet
 * (the schema is one transaction): it has no intent either. */
static int
has_schema(struct state_strat *r, int *yes)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(r->db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'intents'", 0, &st, "read the schema",
	    &r->dbe) < 0)
		return -1;
	rc = db_step(st, "read the schema", &r->dbe);
	if (rc == 1)
		*yes = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return rc == 1 ? 0 : -1;
}

int
state_strat_open(struct state_strat **rp, const char *path, char *err,
    size_t errsz)
{
	struct state_strat *r;
	int yes = 0;

	*rp = NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL) {
		snprintf(err, errsz, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	if (db_open(&r->db, path, DB_READ, "open the database",
	    &r->dbe) < 0 || has_schema(r, &yes) < 0) {
		failed(r, err, errsz);
		state_strat_close(r);
		return -1;
	}
	r->empty = !yes;
	*rp = r;
	return 0;
}

void
state_strat_close(struct state_strat *r)
{
	if (r == NULL)
		return;
	sqlite3_close(r->db);
	free(r);
}

static void
read_intent(sqlite3_stmt *st, struct state_strat_intent *in)
{
	st_col_text_cut(st, 0, in->intent_id, sizeof in->intent_id);
	st_col_text_cut(st, 1, in->venue, sizeof in->venue);
	st_col_text_cut(st, 2, in->market, sizeof in->market);
	st_col_text_cut(st, 3, in->symbol, sizeof in->symbol);
	st_col_text_cut(st, 4, in->side, sizeof in->side);
	st_col_text_cut(st, 5, in->type, sizeof in->type);
	st_col_text_cut(st, 6, in->qty, sizeof in->qty);
	st_col_text_cut(st, 7, in->price, sizeof in->price);
	st_col_text_cut(st, 8, in->tif, sizeof in->tif);
	st_col_text_cut(st, 9, in->state, sizeof in->state);
	st_col_text_cut(st, 10, in->filled_qty, sizeof in->filled_qty);
	st_col_text_cut(st, 11, in->tag, sizeof in->tag);
	in->created_ms = sqlite3_column_int64(st, 12);
}

static void
read_fill(sqlite3_stmt *st, struct state_strat_fill *f)
{
	st_col_text_cut(st, 0, f->intent_id, sizeof f->intent_id);
	st_col_text_cut(st, 1, f->trade_id, sizeof f->trade_id);
	st_col_text_cut(st, 2, f->price, sizeof f->price);
	st_col_text_cut(st, 3, f->qty, sizeof f->qty);
}

/* One walk: prepare sql, bind the prefix, call each for every row. */
static int
walk(struct state_strat *r, const char *sql, const char *step,
    const char *prefix, int (*each)(sqlite3_stmt *st, void *cb, void *ctx),
    void *cb, void *ctx, char *err, size_t errsz)
{
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (r->empty)
		return 0;
	if (db_prepare(r->db, sql, 0, &st, step, &r->dbe) < 0)
		return failed(r, err, errsz);
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
	while (stop == 0 && (rc = db_step(st, step, &r->dbe)) == 1)
		stop = each(st, cb, ctx);
	sqlite3_finalize(st);
	if (stop != 0)
		return stop;
	if (rc < 0)
		return failed(r, err, errsz);
	return 0;
}

typedef int (*intent_cb)(void *, const struct state_strat_intent *);
typedef int (*fill_cb)(void *, const struct state_strat_fill *);

static int
each_intent(sqlite3_stmt *st, void *cb, void *ctx)
{
	struct state_strat_intent in;

	read_intent(st, &in);
	return (*(intent_cb *)cb)(ctx, &in);
}

static int
each_fill(sqlite3_stmt *st, void *cb, void *ctx)
{
	struct state_strat_fill f;

	read_fill(st, &f);
	return (*(fill_cb *)cb)(ctx, &f);
}

int
state_strat_intents(struct state_strat *r, const char *prefix,
    int (*cb)(void *ctx, const struct state_strat_intent *in), void *ctx,
    char *err, size_t errsz)
{
	intent_cb f = cb;

	return walk(r, intents_sql, "read the intents", prefix, each_intent,
	    &f, ctx, err, errsz);
}

int
state_strat_fills(struct state_strat *r, const char *prefix,
    int (*cb)(void *ctx, const struct state_strat_fill *f), void *ctx,
    char *err, size_t errsz)
{
	fill_cb f = cb;

	return walk(r, fills_sql, "read the fills", prefix, each_fill, &f,
	    ctx, err, errsz);
}
