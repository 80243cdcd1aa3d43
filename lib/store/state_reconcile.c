/*
 * state_reconcile: the store's changes mkt-reconcile makes when told
 * to (--apply): an unknown venue order adopted, a fill copied from a
 * venue record, the venue's position taken.  Each is committed before
 * the caller reports it.  Closing a local order is an order transition
 * (state_order_transition, source "reconcile").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "state_internal.h"

int
state_fill_known(struct state *s, const char *venue, const char *market,
    const char *symbol, const char *trade_id, char *err, size_t errsz)
{
	static const char step[] = "look up a fill";
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(s->db, "SELECT 1 FROM fills WHERE venue = ?1 AND "
	    "market = ?2 AND symbol = ?3 AND venue_trade_id = ?4", 0, &st,
	    step, &s->dbe) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	st_bind_text(st, 3, symbol);
	st_bind_text(st, 4, trade_id);
	rc = db_step(st, step, &s->dbe);
	sqlite3_finalize(st);
	return rc < 0 ? st_failed(s, err, errsz) : rc;
}

struct ids {
	char (*id)[STATE_ID_SZ];
	size_t n, cap;
};

static int
ids_add(struct ids *ids, const char *id)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 16;
		void *p = realloc(ids->id, cap * sizeof *ids->id);

		if (!p)
			return -1;
		ids->id = p;
		ids->cap = cap;
	}
	return str_copy(ids->id[ids->n++], STATE_ID_SZ, id);
}

/* The client ids first, so that cb may write while the rows are read. */
static int
done_ids(struct state *s, const char *venue, const char *market,
    int64_t since_ms, struct ids *ids, char *err, size_t errsz)
{
	static const char step[] = "read the finished intents";
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(s->db, "SELECT client_id FROM intents WHERE "
	    "venue = ?1 AND market = ?2 AND state = 'done' AND "
	    "updated_ms >= ?3 ORDER BY updated_ms, rowid", 0, &st, step,
	    &s->dbe) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	sqlite3_bind_int64(st, 3, since_ms);
	while ((rc = db_step(st, step, &s->dbe)) == 1) {
		const char *id = (const char *)sqlite3_column_text(st, 0);

		if (id && ids_add(ids, id) < 0) {
			sqlite3_finalize(st);
			return st_unreadable(err, errsz, step);
		}
	}
	sqlite3_finalize(st);
	return rc < 0 ? st_failed(s, err, errsz) : 0;
}

int
state_done_since(struct state *s, const char *venue, const char *market,
    int64_t since_ms, int (*cb)(void *ctx, const struct state_intent_row *row),
    void *ctx, char *err, size_t errsz)
{
	struct ids ids = { NULL, 0, 0 };
	struct state_intent_row row;
	size_t i;
	int rc = done_ids(s, venue, market, since_ms, &ids, err, errsz);

	for (i = 0; rc == 0 && i < ids.n; i++) {
		rc = state_intent_get(s, ids.id[i], &row, err, errsz);
		if (rc == 1)
			rc = cb(ctx, &row);
	}
	free(ids.id);
	return rc;
}

/* The intent line an adopted order is recorded with. */
static int
adopt_raw(const struct state_adopt *a, struct buf *b)
{
	buf_adds(b, "{\"type\":\"intent\",\"id\":");
	buf_add_jstr(b, a->client_id, strlen(a->client_id));
	buf_adds(b, ",\"venue\":");
	buf_add_jstr(b, a->venue, strlen(a->venue));
	buf_adds(b, ",\"market\":");
	buf_add_jstr(b, a->market, strlen(a->market));
	buf_adds(b, ",\"symbol\":");
	buf_add_jstr(b, a->symbol, strlen(a->symbol));
	buf_adds(b, ",\"side\":");
	buf_add_jstr(b, a->side, strlen(a->side));
	buf_adds(b, ",\"kind\":");
	buf_add_jstr(b, a->type, strlen(a->type));
	buf_adds(b, ",\"qty\":");
	buf_add_jstr(b, a->qty, strlen(a->qty));
	if (a->price && a->price[0]) {
		buf_adds(b, ",\"price\":");
		buf_add_jstr(b, a->price, strlen(a->price));
	}
	buf_adds(b, ",\"source\":\"reconcile\"}");
	buf_addc(b, '\0');
	return buf_failed(b) ? -1 : 0;
}

/* The client id is its own intent id by the rule of state.h. */
static int
own_client_id(const char *client_id)
{
	char cid[STATE_CLIENT_ID_MAX + 1];

	return client_id[0] && state_client_id(client_id, cid) == 0 &&
	    strcmp(cid, client_id) == 0;
}

static int
adopt_rows(struct state *s, const struct state_adopt *a, const char *raw,
    char *err, size_t errsz)
{
	struct state_intent in;
	struct state_transition t;
	int r;

	memset(&in, 0, sizeof in);
	in.intent_id = a->client_id;
	in.venue = a->venue;
	in.market = a->market;
	in.symbol = a->symbol;
	in.side = a->side;
	in.type = a->type;
	in.qty = a->qty;
	in.price = a->price && a->price[0] ? a->price : NULL;
	in.created_ms = a->time_ms;
	in.raw = raw;
	r = state_intent_record(s, &in, err, errsz);
	if (r != 0)
		return r;
	memset(&t, 0, sizeof t);
	t.client_id = a->client_id;
	t.status = a->status;
	t.venue_order_id = a->venue_order_id;
	t.filled_qty = a->filled_qty;
	t.avg_price = a->avg_price && a->avg_price[0] ? a->avg_price : NULL;
	t.time_ms = a->time_ms;
	t.source = STATE_SRC_RECONCILE;
	t.detail = "adopted";
	return state_order_transition(s, &t, err, errsz);
}

int
state_reconcile_adopt(struct state *s, const struct state_adopt *a,
    char *err, size_t errsz)
{
	struct buf raw;
	char e2[256];
	int r;

	if (!own_client_id(a->client_id))
		return st_invalid(err, errsz, "adopt an order", "its client "
		    "id is not one the store can query it by");
	buf_init(&raw, 4096);
	if (adopt_raw(a, &raw) < 0) {
		buf_free(&raw);
		return st_invalid(err, errsz, "adopt an order",
		    "a field too long");
	}
	if (state_batch_begin(s, err, errsz) < 0) {
		buf_free(&raw);
		return -1;
	}
	r = adopt_rows(s, a, raw.p, err, errsz);
	buf_free(&raw);
	if (r != 0) {
		/* Roll back whatever of the two rows was written. */
		int saved = errno;

		db_rollback(s->db);
		s->batch = 0;
		errno = saved;
		return r;
	}
	if (state_batch_end(s, e2, sizeof e2) < 0) {
		snprintf(err, errsz, "%s", e2);
		return -1;
	}
	return 0;
}

int
state_reconcile_fill(struct state *s, const struct state_fill *f,
    char *err, size_t errsz)
{
	if (!f->venue_trade_id || !f->venue_trade_id[0])
		return st_invalid(err, errsz, "copy a fill",
		    "no venue trade id");
	return state_fill_add(s, f, err, errsz);
}

int
state_reconcile_position(struct state *s, const char *venue,
    const char *market, const char *symbol, const char *qty,
    const char *entry_price, int64_t time_ms, char *err, size_t errsz)
{
	static const char step[] = "take the venue's position";
	sqlite3_stmt *st;

	if (!st_decimal(qty, 0) || !st_decimal(entry_price && *entry_price ?
	    entry_price : NULL, 1))
		return st_invalid(err, errsz, step, "not a decimal");
	if (db_prepare(s->db, "INSERT INTO positions(venue, market, symbol, "
	    "qty, entry_price, realized_pnl, updated_ms) VALUES(?1, ?2, ?3, "
	    "?4, ?5, '0', ?6) ON CONFLICT(venue, market, symbol) DO UPDATE "
	    "SET qty = ?4, entry_price = ?5, updated_ms = ?6", 0, &st, step,
	    &s->dbe) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	st_bind_text(st, 3, symbol);
	st_bind_text(st, 4, qty);
	st_bind_text(st, 5, entry_price && *entry_price ? entry_price : NULL);
	sqlite3_bind_int64(st, 6, time_ms);
	if (db_done(st, step, &s->dbe) < 0) {
		sqlite3_finalize(st);
		return st_failed(s, err, errsz);
	}
	sqlite3_finalize(st);
	return 0;
}

int
state_fill_marks(struct state *s, const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_fill_mark *mk), void *ctx,
    char *err, size_t errsz)
{
	static const char step[] = "read the last fills";
	struct state_fill_mark mk;
	sqlite3_stmt *st;
	int rc, r = 0;

	/* Binance's trade ids are numbers that grow: the highest is the
	 * last; Bybit's are not, and its time says. */
	if (db_prepare(s->db, "SELECT symbol, MAX(time_ms), "
	    "MAX(CASE WHEN venue_trade_id GLOB '[0-9]*' AND venue_trade_id "
	    "NOT GLOB '*[^0-9]*' AND length(venue_trade_id) <= 18 THEN "
	    "CAST(venue_trade_id AS INTEGER) END) FROM fills WHERE venue = ?1 "
	    "AND market = ?2 AND symbol IS NOT NULL GROUP BY symbol "
	    "ORDER BY symbol", 0, &st, step, &s->dbe) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	while (r == 0 && (rc = db_step(st, step, &s->dbe)) == 1) {
		memset(&mk, 0, sizeof mk);
		if (st_col_text(st, 0, mk.symbol, sizeof mk.symbol)) {
			sqlite3_finalize(st);
			return st_unreadable(err, errsz, step);
		}
		mk.time_ms = sqlite3_column_int64(st, 1);
		mk.max_id = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 2);
		r = cb(ctx, &mk);
	}
	sqlite3_finalize(st);
	if (r != 0)
		return r;
	return rc < 0 ? st_failed(s, err, errsz) : 0;
}

int
state_balances(struct state *s, const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_balance_row *row), void *ctx,
    char *err, size_t errsz)
{
	static const char step[] = "read the balances";
	struct state_balance_row b;
	sqlite3_stmt *st;
	int rc, r = 0, bad;

	if (db_prepare(s->db, "SELECT venue, market, asset, free, locked, "
	    "updated_ms FROM balances WHERE venue = ?1 AND market = ?2 "
	    "ORDER BY asset", 0, &st, step, &s->dbe) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	while (r == 0 && (rc = db_step(st, step, &s->dbe)) == 1) {
		bad = st_col_text(st, 0, b.venue, sizeof b.venue);
		bad |= st_col_text(st, 1, b.market, sizeof b.market);
		bad |= st_col_text(st, 2, b.asset, sizeof b.asset);
		bad |= st_col_text(st, 3, b.free, sizeof b.free);
		bad |= st_col_text(st, 4, b.locked, sizeof b.locked);
		b.updated_ms = sqlite3_column_int64(st, 5);
		if (bad) {
			sqlite3_finalize(st);
			return st_unreadable(err, errsz, step);
		}
		r = cb(ctx, &b);
	}
	sqlite3_finalize(st);
	if (r != 0)
		return r;
	return rc < 0 ? st_failed(s, err, errsz) : 0;
}

int
state_client_of_order(struct state *s, const char *venue, const char *market,
    const char *symbol, const char *venue_order_id, char *out, size_t outsz,
    char *err, size_t errsz)
{
	static const char step[] = "look up an order by the venue's id";
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(s->db, "SELECT o.client_id FROM orders o JOIN intents i "
	    "USING (client_id) WHERE i.venue = ?1 AND i.market = ?2 AND "
	    "i.symbol = ?3 AND o.venue_order_id = ?4", 0, &st, step,
	    &s->dbe) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	st_bind_text(st, 3, symbol);
	st_bind_text(st, 4, venue_order_id);
	rc = db_step(st, step, &s->dbe);
	if (rc == 1 && st_col_text(st, 0, out, outsz)) {
		sqlite3_finalize(st);
		return st_unreadable(err, errsz, step);
	}
	sqlite3_finalize(st);
	return rc < 0 ? st_failed(s, err, errsz) : rc;
}
