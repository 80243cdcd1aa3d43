/*
 * state_fills: the fills of mkt-exec's state store (see state.h and
 * mkt-state(5)) and what they move: positions (average cost, exact
 * decimals), the day's figures, fees by asset; balances; the sums a
 * restarted program reads back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_internal.h"

static int
row_position(sqlite3_stmt *st, struct state_position_row *r)
{
	int bad = 0;

	bad |= st_col_text(st, 0, r->venue, sizeof r->venue);
	bad |= st_col_text(st, 1, r->market, sizeof r->market);
	bad |= st_col_text(st, 2, r->symbol, sizeof r->symbol);
	bad |= st_col_text(st, 3, r->qty, sizeof r->qty);
	bad |= st_col_text(st, 4, r->entry_price, sizeof r->entry_price);
	bad |= st_col_text(st, 5, r->realized_pnl, sizeof r->realized_pnl);
	r->updated_ms = sqlite3_column_int64(st, 6);
	return bad ? -1 : 0;
}

/* ---- positions and daily figures ---- */

/* What the steps of a fill answer, besides 0 and -1 (a database
 * failure in s->dbe): a sum that overflows or a stored value that is
 * not a decimal. */
#define NUMBERS (-2)

/* A position in numbers; entry is meaningful only when qty is not 0. */
struct pos {
	struct fx qty, entry, realized;
};

static int
fx_sign(struct fx v)
{
	return (v.m > 0) - (v.m < 0);
}

static struct fx
fx_neg(struct fx v)
{
	v.m = -v.m;
	return v;
}

static int
avg_scale(struct fx a, struct fx b)
{
	int s = a.s > b.s ? a.s : b.s;

	return s > STATE_AVG_SCALE ? s : STATE_AVG_SCALE;
}

/*
 * Apply a fill of qty (> 0) at price, bought when buy, to p (average
 * cost): a fill on the side held (or from flat) averages the entry;
 * against it, the part that closes realizes (price - entry) * part,
 * signed by the side held, and the entry stays; past flat the rest
 * opens at price.  *gain is what was realized.  0, or -1 on overflow.
 */
static int
pos_apply(struct pos *p, int buy, struct fx qty, struct fx price,
    struct fx *gain)
{
	struct fx held = p->qty, mag, cost, add, close, diff, rest;
	int side = buy ? 1 : -1, hs = fx_sign(held);

	*gain = (struct fx){ 0, 0 };
	mag = hs < 0 ? fx_neg(held) : held;
	if (hs == 0 || hs == side) {
		/* entry' = (|held| * entry + qty * price) / (|held| + qty) */
		if (hs == 0)
			p->entry = price;
		else if (fx_mul(mag, p->entry, &cost) < 0 ||
		    fx_mul(qty, price, &add) < 0 ||
		    fx_add(cost, add, &cost) < 0 ||
		    fx_add(mag, qty, &add) < 0 ||
		    fx_div(cost, add, avg_scale(p->entry, price),
		    &p->entry) < 0)
			return -1;
		return fx_add(held, buy ? qty : fx_neg(qty), &p->qty);
	}
	close = fx_cmp(qty, mag) < 0 ? qty : mag;
	if (fx_sub(price, p->entry, &diff) < 0 ||
	    fx_mul(close, hs > 0 ? diff : fx_neg(diff), gain) < 0 ||
	    fx_add(p->realized, *gain, &p->realized) < 0 ||
	    fx_add(held, buy ? qty : fx_neg(qty), &p->qty) < 0 ||
	    fx_sub(qty, close, &rest) < 0)
		return -1;
	if (fx_sign(rest) > 0)
		p->entry = price;
	return 0;
}

/* What a fill is, in numbers and names; the names point into the
 * caller's fill or into the intent's row. */
struct fill_ctx {
	const struct state_fill *f;
	char market[STATE_NAME_SZ], symbol[STATE_SYMBOL_SZ];
	char side[STATE_NAME_SZ];
	struct fx price, qty, fee;
	int has_fee;
	char day[16];
};

/* Move the position of c by its fill: read, apply, write; *gain is the
 * pnl realized.  0, -1 with s->dbe, or NUMBERS. */
static int
position_move(struct state *s, const struct fill_ctx *c, struct fx *gain)
{
	struct pos p = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
	char q[STATE_DEC_SZ], e[STATE_DEC_SZ], r[STATE_DEC_SZ];
	sqlite3_stmt *st;
	int rc;

	if (st_prep(s, ST_POS_GET, &st, "read the position") < 0)
		return -1;
	st_bind_text(st, 1, c->f->venue);
	st_bind_text(st, 2, c->market);
	st_bind_text(st, 3, c->symbol);
	rc = db_step(st, "read the position", &s->dbe);
	if (rc == 1 && (st_col_fx(st, 3, &p.qty) < 0 || st_col_fx(st, 4, &p.entry)
	    < 0 || st_col_fx(st, 5, &p.realized) < 0))
		rc = -2;
	st_release(st);
	if (rc < 0 || pos_apply(&p, !strcmp(c->side, "buy"), c->qty,
	    c->price, gain) < 0) {
		return rc == -1 ? -1 : NUMBERS;
	}
	st_fx_text(p.qty, q);
	st_fx_text(p.entry, e);
	st_fx_text(p.realized, r);
	if (st_prep(s, ST_POS_PUT, &st, "write the position") < 0)
		return -1;
	st_bind_text(st, 1, c->f->venue);
	st_bind_text(st, 2, c->market);
	st_bind_text(st, 3, c->symbol);
	st_bind_text(st, 4, q);
	st_bind_text(st, 5, fx_sign(p.qty) ? e : NULL);
	st_bind_text(st, 6, r);
	sqlite3_bind_int64(st, 7, c->f->time_ms);
	return st_run(s, st, "write the position");
}

/* Whether the fee of c is in its symbol's quote asset: the symbol ends
 * with the fee's asset (BTCUSDT and USDT). */
static int
fee_in_quote(const struct fill_ctx *c)
{
	size_t n = strlen(c->symbol), k;

	if (!c->has_fee || c->f->fee_asset == NULL)
		return 0;
	k = strlen(c->f->fee_asset);
	return k > 0 && k < n && !strcmp(c->symbol + n - k, c->f->fee_asset);
}

/* Add the fee of c to its day's sum for its asset: 0, -1 or NUMBERS. */
static int
fee_add(struct state *s, const struct fill_ctx *c)
{
	struct fx sum = { 0, 0 };
	char t[STATE_DEC_SZ];
	sqlite3_stmt *st;
	int rc;

	if (!c->has_fee || c->f->fee_asset == NULL)
		return 0;
	if (st_prep(s, ST_FEE_GET, &st, "read the day's fees") < 0)
		return -1;
	st_bind_text(st, 1, c->day);
	st_bind_text(st, 2, c->f->venue);
	st_bind_text(st, 3, c->market);
	st_bind_text(st, 4, c->f->fee_asset);
	rc = db_step(st, "read the day's fees", &s->dbe);
	if (rc == 1 && st_col_fx(st, 0, &sum) < 0)
		rc = -2;
	st_release(st);
	if (rc < 0 || fx_add(sum, c->fee, &sum) < 0) {
		return rc == -1 ? -1 : NUMBERS;
	}
	st_fx_text(sum, t);
	if (st_prep(s, ST_FEE_PUT, &st, "write the day's fees") < 0)
		return -1;
	st_bind_text(st, 1, c->day);
	st_bind_text(st, 2, c->f->venue);
	st_bind_text(st, 3, c->market);
	st_bind_text(st, 4, c->f->fee_asset);
	st_bind_text(st, 5, t);
	return st_run(s, st, "write the day's fees");
}

/* Add the fill of c (realizing gain) to its day's figures: 0, -1 or
 * NUMBERS. */
static int
daily_add(struct state *s, const struct fill_ctx *c, struct fx gain)
{
	struct fx pnl = { 0, 0 }, fees = { 0, 0 }, vol = { 0, 0 }, v;
	char tp[STATE_DEC_SZ], tf[STATE_DEC_SZ], tv[STATE_DEC_SZ];
	sqlite3_stmt *st;
	int rc;

	if (st_prep(s, ST_DAILY_GET, &st, "read the day's figures") < 0)
		return -1;
	st_bind_text(st, 1, c->day);
	st_bind_text(st, 2, c->f->venue);
	st_bind_text(st, 3, c->market);
	rc = db_step(st, "read the day's figures", &s->dbe);
	if (rc == 1 && (st_col_fx(st, 0, &pnl) < 0 || st_col_fx(st, 1, &fees) < 0
	    || st_col_fx(st, 2, &vol) < 0))
		rc = -2;
	st_release(st);
	if (rc < 0 || fx_add(pnl, gain, &pnl) < 0 ||
	    (fee_in_quote(c) && fx_add(fees, c->fee, &fees) < 0) ||
	    fx_mul(c->qty, c->price, &v) < 0 || fx_add(vol, v, &vol) < 0) {
		return rc == -1 ? -1 : NUMBERS;
	}
	st_fx_text(pnl, tp);
	st_fx_text(fees, tf);
	st_fx_text(vol, tv);
	if (st_prep(s, ST_DAILY_FILL, &st, "write the day's figures") < 0)
		return -1;
	st_bind_text(st, 1, c->day);
	st_bind_text(st, 2, c->f->venue);
	st_bind_text(st, 3, c->market);
	st_bind_text(st, 4, tp);
	st_bind_text(st, 5, tf);
	st_bind_text(st, 6, tv);
	if (st_run(s, st, "write the day's figures") < 0)
		return -1;
	return fee_add(s, c);
}

/* ---- fills ---- */

/* Check f's numbers and names into c.  0, or -1 with err (EINVAL). */
static int
fill_check(const struct state_fill *f, struct fill_ctx *c, char *err,
    size_t errsz)
{
	static const char step[] = "add a fill";

	memset(c, 0, sizeof *c);
	c->f = f;
	if (!f->venue || !f->venue_trade_id || !f->price || !f->qty)
		return st_invalid(err, errsz, step, "a field is missing");
	if (fx_parse(f->price, strlen(f->price), &c->price) != FX_OK ||
	    fx_parse(f->qty, strlen(f->qty), &c->qty) != FX_OK ||
	    (f->fee && fx_parse(f->fee, strlen(f->fee), &c->fee) != FX_OK))
		return st_invalid(err, errsz, step, "not a decimal");
	if (fx_sign(c->qty) <= 0)
		return st_invalid(err, errsz, step, "quantity not above zero");
	if (st_too_long(f->market, STATE_NAME_SZ) ||
	    st_too_long(f->symbol, STATE_SYMBOL_SZ) ||
	    st_too_long(f->side, STATE_NAME_SZ))
		return st_invalid(err, errsz, step, "a field is too long");
	c->has_fee = f->fee != NULL;
	snprintf(c->market, sizeof c->market, "%s", f->market ? f->market :
	    "");
	snprintf(c->symbol, sizeof c->symbol, "%s", f->symbol ? f->symbol :
	    "");
	snprintf(c->side, sizeof c->side, "%s", f->side ? f->side : "");
	st_day_of(f->time_ms, c->day);
	return 0;
}

/* Fill in what c lacks from the intent of its client id.  0, or -1 with
 * err. */
static int
fill_names(struct state *s, struct fill_ctx *c, char *err, size_t errsz)
{
	static const char step[] = "read the fill's intent";
	sqlite3_stmt *st;
	int rc = 0;

	if (c->f->client_id && !(c->market[0] && c->symbol[0] &&
	    c->side[0])) {
		if (st_prep(s, ST_FILL_INTENT, &st, step) < 0)
			return st_failed(s, err, errsz);
		st_bind_text(st, 1, c->f->client_id);
		if ((rc = db_step(st, step, &s->dbe)) == 1) {
			if (!c->market[0])
				(void)st_col_text(st, 0, c->market,
				    sizeof c->market);
			if (!c->symbol[0])
				(void)st_col_text(st, 1, c->symbol,
				    sizeof c->symbol);
			if (!c->side[0])
				(void)st_col_text(st, 2, c->side, sizeof c->side);
		}
		st_release(st);
		if (rc < 0)
			return st_failed(s, err, errsz);
	}
	if (!c->market[0] || !c->symbol[0])
		return st_invalid(err, errsz, "add a fill", "no market or symbol, "
		    "and no intent to take them from");
	if (strcmp(c->side, "buy") != 0 && strcmp(c->side, "sell") != 0)
		return st_invalid(err, errsz, "add a fill", "side not buy or sell");
	return 0;
}

int
state_fill_add(struct state *s, const struct state_fill *f, char *err,
    size_t errsz)
{
	static const char step[] = "add a fill";
	struct fill_ctx c;
	struct fx gain;
	sqlite3_stmt *st;
	int rc;

	if (fill_check(f, &c, err, errsz) < 0)
		return -1;
	if (st_begin(s) < 0)
		return st_failed(s, err, errsz);
	if (fill_names(s, &c, err, errsz) < 0)
		goto fail;
	if (st_prep(s, ST_FILL, &st, step) < 0)
		goto fail_db;
	st_bind_text(st, 1, f->venue);
	st_bind_text(st, 2, f->venue_trade_id);
	st_bind_text(st, 3, f->client_id);
	st_bind_text(st, 4, f->price);
	st_bind_text(st, 5, f->qty);
	st_bind_text(st, 6, f->fee);
	st_bind_text(st, 7, f->fee_asset);
	sqlite3_bind_int64(st, 8, f->time_ms);
	st_bind_text(st, 9, c.market);
	st_bind_text(st, 10, c.symbol);
	st_bind_text(st, 11, c.side);
	if (st_run(s, st, step) < 0) {
		if (!st_conflict(&s->dbe))
			goto fail_db;
		/* Seen before: nothing moves. */
		st_rollback(s);
		return STATE_DUPLICATE;
	}
	if ((rc = position_move(s, &c, &gain)) == 0)
		rc = daily_add(s, &c, gain);
	if (rc == NUMBERS) {
		st_rollback(s);
		return st_unreadable(err, errsz, "move the position");
	}
	if (rc < 0)
		goto fail_db;
	if (st_commit(s) < 0)
		goto fail_db;
	return 0;
fail_db:
	st_failed(s, err, errsz);
fail:
	st_rollback(s);
	return -1;
}

int
state_fill_sum(struct state *s, const char *client_id,
    char qty[STATE_DEC_SZ], char avg[STATE_DEC_SZ], char *err, size_t errsz)
{
	static const char step[] = "sum the fills";
	struct fx q = { 0, 0 }, cost = { 0, 0 }, p, x, v;
	struct fx top = { 0, 0 };	/* the scale of the finest price */
	sqlite3_stmt *st;
	int n = 0, rc, bad = 0;

	qty[0] = avg[0] = '\0';
	if (st_prep(s, ST_FILL_SUM, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, client_id);
	while ((rc = db_step(st, step, &s->dbe)) == 1) {
		p = x = (struct fx){ 0, 0 };
		if (st_col_fx(st, 0, &p) < 0 || st_col_fx(st, 1, &x) < 0 ||
		    fx_add(q, x, &q) < 0 || fx_mul(p, x, &v) < 0 ||
		    fx_add(cost, v, &cost) < 0)
			bad = 1;
		if (p.s > top.s)
			top.s = p.s;
		n++;
	}
	st_release(st);
	if (rc < 0)
		return st_failed(s, err, errsz);
	if (bad || (n > 0 && fx_sign(q) != 0 &&
	    fx_div(cost, q, avg_scale(top, top), &v) < 0))
		return st_unreadable(err, errsz, step);
	st_fx_text(q, qty);
	if (n > 0 && fx_sign(q) != 0)
		st_fx_text(v, avg);
	return n;
}

static int
read_position(sqlite3_stmt *st, void *row)
{
	return row_position(st, row);
}

/* ---- positions and balances ---- */

int
state_position_get(struct state *s, const char *venue, const char *market,
    const char *symbol, struct state_position_row *out, char *err,
    size_t errsz)
{
	static const char step[] = "read the position";
	sqlite3_stmt *st;
	int rc;

	if (st_prep(s, ST_POS_GET, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	st_bind_text(st, 3, symbol);
	rc = db_step(st, step, &s->dbe);
	if (rc == 1 && row_position(st, out) < 0)
		rc = -2;
	st_release(st);
	if (rc == -2)
		return st_unreadable(err, errsz, step);
	return rc < 0 ? st_failed(s, err, errsz) : rc;
}

int
state_positions(struct state *s, const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_position_row *row), void *ctx,
    char *err, size_t errsz)
{
	static const char step[] = "read the positions";
	struct rows r = { NULL, 0, 0, sizeof(struct state_position_row) };
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (st_prep(s, ST_POSITIONS, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	if ((rc = st_rows_read(s, st, step, &r, read_position)) < 0) {
		free(r.p);
		return st_rows_failed(s, rc, step, err, errsz);
	}
	for (i = 0; i < r.n && rc == 0; i++)
		rc = cb(ctx, (struct state_position_row *)r.p + i);
	free(r.p);
	return rc;
}

int
state_balance_put(struct state *s, const char *venue, const char *market,
    const char *asset, const char *free, const char *locked, int64_t time_ms,
    char *err, size_t errsz)
{
	static const char step[] = "put a balance";
	sqlite3_stmt *st;

	if (!venue || !market || !asset || st_too_long(venue, STATE_NAME_SZ) ||
	    st_too_long(market, STATE_NAME_SZ) ||
	    st_too_long(asset, STATE_SYMBOL_SZ))
		return st_invalid(err, errsz, step, "a name is missing or too "
		    "long");
	if (!st_decimal(free, 0) || !st_decimal(locked, 0))
		return st_invalid(err, errsz, step, "not a decimal");
	if (st_prep(s, ST_BAL_PUT, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	st_bind_text(st, 3, asset);
	st_bind_text(st, 4, free);
	st_bind_text(st, 5, locked);
	sqlite3_bind_int64(st, 6, time_ms);
	return st_run(s, st, step) < 0 ? st_failed(s, err, errsz) : 0;
}

int
state_balance_get(struct state *s, const char *venue, const char *market,
    const char *asset, struct state_balance_row *out, char *err,
    size_t errsz)
{
	static const char step[] = "read a balance";
	sqlite3_stmt *st;
	int rc, bad = 0;

	if (st_prep(s, ST_BAL_GET, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	st_bind_text(st, 3, asset);
	if ((rc = db_step(st, step, &s->dbe)) == 1) {
		bad |= st_col_text(st, 0, out->venue, sizeof out->venue);
		bad |= st_col_text(st, 1, out->market, sizeof out->market);
		bad |= st_col_text(st, 2, out->asset, sizeof out->asset);
		bad |= st_col_text(st, 3, out->free, sizeof out->free);
		bad |= st_col_text(st, 4, out->locked, sizeof out->locked);
		out->updated_ms = sqlite3_column_int64(st, 5);
	}
	st_release(st);
	if (bad)
		return st_unreadable(err, errsz, step);
	return rc < 0 ? st_failed(s, err, errsz) : rc;
}
