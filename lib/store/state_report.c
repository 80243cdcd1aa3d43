/*
 * state_report: what mkt-report reads from mkt-exec's state store
 * (state.h, "read by mkt-report"): the fills in time order with the
 * reason their intent gave, over a read-only connection.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/db.h"
#include "store/state.h"
#include "store/state_internal.h"

struct state_report {
	sqlite3 *db;
	struct db_err dbe;
};

/* The reason is the intent's "reason" string, else its "tag" string;
 * an intent line SQLite cannot read as JSON gives none rather than
 * failing the whole report. */
static const char fills_sql[] =
	"SELECT f.venue, f.market, f.symbol, f.side, f.price, f.qty, "
	"coalesce(f.fee, '0'), f.fee_asset, f.client_id, f.venue_trade_id, "
	"CASE WHEN json_valid(i.raw) THEN coalesce("
	"CASE json_type(i.raw, '$.reason') WHEN 'text' THEN "
	"json_extract(i.raw, '$.reason') END, "
	"CASE json_type(i.raw, '$.tag') WHEN 'text' THEN "
	"json_extract(i.raw, '$.tag') END) END, f.time_ms "
	"FROM fills f LEFT JOIN intents i ON i.client_id = f.client_id "
	"WHERE f.time_ms < ?1 AND (?2 IS NULL OR f.venue = ?2) AND "
	"(?3 IS NULL OR f.market = ?3) AND f.market IS NOT NULL AND "
	"f.symbol IS NOT NULL AND f.side IS NOT NULL "
	"ORDER BY f.time_ms, f.rowid";

static int
failed(struct state_report *r, char *err, size_t errsz)
{
	snprintf(err, errsz, "cannot %s (%s)", r->dbe.step, r->dbe.msg);
	errno = db_errno(r->dbe.rc);
	return -1;
}

int
state_report_open(struct state_report **rp, const char *path, char *err,
    size_t errsz)
{
	struct state_report *r;

	*rp = NULL;
	r = calloc(1, sizeof *r);
	if (r == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (db_open(&r->db, path, DB_READ, "open the database", &r->dbe) < 0) {
		failed(r, err, errsz);
		state_report_close(r);
		return -1;
	}
	*rp = r;
	return 0;
}

void
state_report_close(struct state_report *r)
{
	if (r == NULL)
		return;
	sqlite3_close(r->db);
	free(r);
}

static void
read_fill(sqlite3_stmt *st, struct state_report_fill *f)
{
	st_col_text_cut(st, 0, f->venue, sizeof f->venue);
	st_col_text_cut(st, 1, f->market, sizeof f->market);
	st_col_text_cut(st, 2, f->symbol, sizeof f->symbol);
	st_col_text_cut(st, 3, f->side, sizeof f->side);
	st_col_text_cut(st, 4, f->price, sizeof f->price);
	st_col_text_cut(st, 5, f->qty, sizeof f->qty);
	st_col_text_cut(st, 6, f->fee, sizeof f->fee);
	st_col_text_cut(st, 7, f->fee_asset, sizeof f->fee_asset);
	st_col_text_cut(st, 8, f->client_id, sizeof f->client_id);
	st_col_text_cut(st, 9, f->trade_id, sizeof f->trade_id);
	st_col_text_cut(st, 10, f->reason, sizeof f->reason);
	f->time_ms = sqlite3_column_int64(st, 11);
}

int
state_report_fills(struct state_report *r, int64_t to_ms, const char *venue,
    const char *market,
    int (*cb)(void *ctx, const struct state_report_fill *f), void *ctx,
    char *err, size_t errsz)
{
	struct state_report_fill f;
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (db_prepare(r->db, fills_sql, 0, &st, "read the fills",
	    &r->dbe) < 0)
		return failed(r, err, errsz);
	sqlite3_bind_int64(st, 1, to_ms);
	if (venue != NULL)
		sqlite3_bind_text(st, 2, venue, -1, SQLITE_TRANSIENT);
	if (market != NULL)
		sqlite3_bind_text(st, 3, market, -1, SQLITE_TRANSIENT);
	while (stop == 0 && (rc = db_step(st, "read the fills",
	    &r->dbe)) == 1) {
		read_fill(st, &f);
		stop = cb(ctx, &f);
	}
	sqlite3_finalize(st);
	if (stop != 0)
		return stop;
	if (rc < 0)
		return failed(r, err, errsz);
	return 0;
}

static const char positions_sql[] =
	"SELECT venue, market, symbol, qty, coalesce(entry_price, ''), "
	"realized_pnl, updated_ms FROM positions "
	"WHERE (?1 IS NULL OR venue = ?1) AND (?2 IS NULL OR market = ?2) "
	"ORDER BY venue, market, symbol";

int
state_report_positions(struct state_report *r, const char *venue,
    const char *market,
    int (*cb)(void *ctx, const struct state_position_row *row), void *ctx,
    char *err, size_t errsz)
{
	struct state_position_row p;
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (db_prepare(r->db, positions_sql, 0, &st, "read the positions",
	    &r->dbe) < 0)
		return failed(r, err, errsz);
	if (venue != NULL)
		sqlite3_bind_text(st, 1, venue, -1, SQLITE_TRANSIENT);
	if (market != NULL)
		sqlite3_bind_text(st, 2, market, -1, SQLITE_TRANSIENT);
	while (stop == 0 && (rc = db_step(st, "read the positions",
	    &r->dbe)) == 1) {
		st_col_text_cut(st, 0, p.venue, sizeof p.venue);
		st_col_text_cut(st, 1, p.market, sizeof p.market);
		st_col_text_cut(st, 2, p.symbol, sizeof p.symbol);
		st_col_text_cut(st, 3, p.qty, sizeof p.qty);
		st_col_text_cut(st, 4, p.entry_price, sizeof p.entry_price);
		st_col_text_cut(st, 5, p.realized_pnl, sizeof p.realized_pnl);
		p.updated_ms = sqlite3_column_int64(st, 6);
		stop = cb(ctx, &p);
	}
	sqlite3_finalize(st);
	if (stop != 0)
		return stop;
	if (rc < 0)
		return failed(r, err, errsz);
	return 0;
}
