/*
 * state_risk: what mkt-risk reads from the state store (state.h, "read
 * by mkt-risk"): the unfinished orders of a symbol and their rest, the
 * realized pnl of a day.  Reads only; each question is one statement,
 * so mkt-exec may write the store meanwhile (WAL: a reader sees the
 * last commit and waits for no writer).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/fixed.h"
#include "state_internal.h"

/* What an unfinished order still may fill: qty less filled_qty. */
static int
add_rest(sqlite3_stmt *st, struct fx *buy, struct fx *sell)
{
	struct fx qty = { 0, 0 }, filled = { 0, 0 }, rest;
	const char *side = (const char *)sqlite3_column_text(st, 0);
	struct fx *sum;

	if (!side || st_col_fx(st, 1, &qty) < 0 ||
	    st_col_fx(st, 2, &filled) < 0 || fx_sub(qty, filled, &rest) < 0)
		return -1;
	if (rest.m <= 0)
		return 0;
	sum = strcmp(side, "buy") == 0 ? buy : sell;
	return fx_add(*sum, rest, sum);
}

int
state_risk_open_orders(struct state *s, const char *venue,
    const char *market, const char *symbol, int64_t *count,
    char buy[STATE_DEC_SZ], char sell[STATE_DEC_SZ], char *err,
    size_t errsz)
{
	static const char step[] = "read the open orders";
	struct fx b = { 0, 0 }, x = { 0, 0 };
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(s->db, "SELECT i.side, i.qty, o.filled_qty FROM "
	    "intents i LEFT JOIN orders o ON o.client_id = i.client_id "
	    "WHERE i.venue = ?1 AND i.market = ?2 AND i.state != 'done' "
	    "AND i.symbol = ?3", 0, &st, step, &s->dbe) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	st_bind_text(st, 3, symbol);
	*count = 0;
	while ((rc = db_step(st, step, &s->dbe)) == 1) {
		if (add_rest(st, &b, &x) < 0) {
			sqlite3_finalize(st);
			return st_unreadable(err, errsz, step);
		}
		(*count)++;
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return st_failed(s, err, errsz);
	st_fx_text(b, buy);
	st_fx_text(x, sell);
	return 0;
}

int
state_risk_day_pnl(struct state *s, const char *venue, const char *market,
    int64_t day_ms, char pnl[STATE_DEC_SZ], char *err, size_t errsz)
{
	static const char step[] = "read the day's figures";
	sqlite3_stmt *st;
	char day[16];
	int rc;

	st_day_of(day_ms, day);
	if (db_prepare(s->db, "SELECT realized_pnl FROM daily WHERE day = ?1 "
	    "AND venue = ?2 AND market = ?3", 0, &st, step, &s->dbe) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, day);
	st_bind_text(st, 2, venue);
	st_bind_text(st, 3, market);
	snprintf(pnl, STATE_DEC_SZ, "0");
	rc = db_step(st, step, &s->dbe);
	if (rc == 1 && st_col_text(st, 0, pnl, STATE_DEC_SZ) < 0) {
		sqlite3_finalize(st);
		return st_unreadable(err, errsz, step);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return st_failed(s, err, errsz);
	if (!pnl[0])
		snprintf(pnl, STATE_DEC_SZ, "0");
	return 0;
}
