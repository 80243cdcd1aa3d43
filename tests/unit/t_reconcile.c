/*
 * t_reconcile: the comparison of trade/reconcile, one rule at a time:
 * an unknown open venue order (adopt, unexplained), a local order the
 * venue finished (close, explained), a local final order the venue
 * holds open, a local open order the venue does not have (and the
 * history note when it is older than the venue's memory), a sent one
 * it does not have (never placed: explained), venue fills the store
 * lacks (fills; unexplained when the order is unknown), positions that
 * the missing fills explain and one they do not, a local position the
 * venue does not list; no difference when both agree.  Then the store's
 * repairs (state_reconcile.c): adopt, fill copy without a trade id
 * refused, the venue's position taken, and a second comparison finds
 * nothing.  Balances: a stored asset whose free + locked differ (action
 * none), one the venue lacks (0 there), a venue asset the store lacks
 * only when it keeps balances of the account; a fill gap; fills named
 * by the venue's order id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/state.h"
#include "trade/reconcile.h"
#include "tap.h"

static const char *known_trades[8];

static int
fill_known(void *ctx, const char *symbol, const char *trade_id)
{
	size_t i;

	(void)ctx;
	(void)symbol;
	for (i = 0; i < 8 && known_trades[i]; i++)
		if (strcmp(known_trades[i], trade_id) == 0)
			return 1;
	return 0;
}

static struct state_intent_row
row(const char *cid, const char *state, const char *status)
{
	struct state_intent_row r;

	memset(&r, 0, sizeof r);
	snprintf(r.intent_id, sizeof r.intent_id, "%s", cid);
	snprintf(r.client_id, sizeof r.client_id, "%s", cid);
	snprintf(r.symbol, sizeof r.symbol, "BTCUSDT");
	snprintf(r.side, sizeof r.side, "buy");
	snprintf(r.state, sizeof r.state, "%s", state);
	snprintf(r.status, sizeof r.status, "%s", status);
	snprintf(r.filled_qty, sizeof r.filled_qty, "0");
	r.created_ms = 1000;
	return r;
}

static struct fx
dec(const char *s)
{
	struct fx v = { 0, 0 };

	if (fx_parse(s, strlen(s), &v) != FX_OK)
		abort();
	return v;
}

static void
order(struct vt_updates *us, const char *cid, const char *oid,
    const char *status, const char *filled)
{
	struct vt_update *u = vt_updates_add(us, VT_U_ORDER);

	if (!u)
		abort();
	snprintf(u->symbol, sizeof u->symbol, "BTCUSDT");
	snprintf(u->client_id, sizeof u->client_id, "%s", cid);
	snprintf(u->order_id, sizeof u->order_id, "%s", oid);
	snprintf(u->status, sizeof u->status, "%s", status);
	u->side = VT_BUY;
	u->okind = VT_LIMIT;
	u->qty = dec("0.02");
	u->price = dec("100");
	u->filled_qty = dec(filled);
}

static void
fill(struct vt_updates *us, const char *cid, const char *tid,
    enum vt_side side, const char *qty)
{
	struct vt_update *u = vt_updates_add(us, VT_U_FILL);

	if (!u)
		abort();
	snprintf(u->symbol, sizeof u->symbol, "BTCUSDT");
	snprintf(u->client_id, sizeof u->client_id, "%s", cid);
	snprintf(u->order_id, sizeof u->order_id, "o-%s", cid);
	snprintf(u->trade_id, sizeof u->trade_id, "%s", tid);
	u->side = side;
	u->fill_price = dec("100");
	u->fill_qty = dec(qty);
}

static void
position(struct vt_updates *us, const char *qty)
{
	struct vt_update *u = vt_updates_add(us, VT_U_POSITION);

	if (!u)
		abort();
	snprintf(u->symbol, sizeof u->symbol, "BTCUSDT");
	u->pos_qty = dec(qty);
	u->entry_price = dec("100");
}

/* Compare and say how many differences, and the first one. */
static size_t
compare(const struct rc_local *l, const struct rc_remote *r,
    struct rc_diffs *ds)
{
	char err[256] = "";

	rc_diffs_free(ds);
	if (reconcile_compare(l, r, ds, err, sizeof err) < 0) {
		tap_diag("compare failed: %s", err);
		return (size_t)-1;
	}
	return ds->n;
}

static void
test_orders(void)
{
	struct state_intent_row rows[4];
	struct vt_updates orders = { 0 };
	struct rc_local l = { .orders = rows, .fill_known = fill_known };
	struct rc_remote r = { .orders = &orders, .queried = 1,
	    .history_ms = 86400000, .now_ms = 1000 + 2 * 86400000LL,
	    .history_says = "24 h" };
	struct rc_diffs ds = { 0 };

	/* Agreement: nothing. */
	rows[0] = row("c1", STATE_OPEN, "new");
	l.n_orders = 1;
	order(&orders, "c1", "o1", "new", "0");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 0, "agreeing orders: none");

	/* An unknown open order: adopt, unexplained. */
	order(&orders, "x9", "o9", "new", "0");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "unknown order: one");
	tap_ok(ds.d[0].what == RC_ORDER && ds.d[0].action == RC_ADOPT &&
	    !ds.d[0].explained, "unknown order: adopt, unexplained");
	tap_eq_s(ds.d[0].local, "none", "unknown order: local none");
	tap_eq_s(ds.d[0].client_id, "x9", "unknown order: its client id");
	tap_eq_i((int64_t)rc_unexplained(&ds), 1, "one unexplained");

	/* The same order told twice (open list and query): once. */
	order(&orders, "x9", "o9", "new", "0");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "told twice: once");

	/* A finished unknown order is not ours and not open: nothing. */
	vt_updates_reset(&orders);
	order(&orders, "c1", "o1", "new", "0");
	order(&orders, "x8", "o8", "canceled", "0");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 0,
	    "a finished unknown order: none");

	/* The venue finished a local open order: close, explained. */
	vt_updates_reset(&orders);
	order(&orders, "c1", "o1", "canceled", "0");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "finished: one");
	tap_ok(ds.d[0].action == RC_CLOSE && ds.d[0].explained &&
	    ds.d[0].row == &rows[0], "finished: close, explained");

	/* A local final order the venue holds open: for a human. */
	rows[0] = row("c1", STATE_DONE, "canceled");
	vt_updates_reset(&orders);
	order(&orders, "c1", "o1", "new", "0");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "done here, open there");
	tap_ok(ds.d[0].action == RC_NONE && !ds.d[0].explained,
	    "done here, open there: none, unexplained");

	/* A local open order the venue does not have, older than its
	 * memory: said so. */
	rows[0] = row("c1", STATE_OPEN, "new");
	vt_updates_reset(&orders);
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "missing at the venue");
	tap_ok(!ds.d[0].explained && strstr(ds.d[0].note, "24 h") != NULL,
	    "missing and old: the history note (%s)", ds.d[0].note);
	r.now_ms = 2000;
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "missing, recent");
	tap_ok(ds.d[0].note[0] == '\0', "missing, recent: no history note");

	/* Only the open list asked: an absent local order is no news. */
	r.queried = 0;
	tap_eq_i((int64_t)compare(&l, &r, &ds), 0, "open list only: none");
	r.queried = 1;

	/* A sent order the venue does not have: never placed, explained. */
	rows[0] = row("c1", STATE_SENT, "");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "sent, not there");
	tap_ok(ds.d[0].explained && ds.d[0].action == RC_NONE,
	    "sent, not there: explained");
	/* A pending one never left: no difference. */
	rows[0] = row("c1", STATE_PENDING, "");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 0, "pending: none");
	rc_diffs_free(&ds);
	vt_updates_free(&orders);
}

static void
test_fills_positions(void)
{
	struct state_intent_row rows[1];
	struct state_position_row pos;
	struct vt_updates orders = { 0 }, fills = { 0 }, ps = { 0 };
	struct rc_local l = { .orders = rows, .n_orders = 1,
	    .fill_known = fill_known };
	struct rc_remote r = { .orders = &orders, .fills = &fills,
	    .positions = &ps, .queried = 1 };
	struct rc_diffs ds = { 0 };

	rows[0] = row("c1", STATE_OPEN, "partially_filled");
	order(&orders, "c1", "o1", "partially_filled", "0.02");
	known_trades[0] = "t1";
	fill(&fills, "c1", "t1", VT_BUY, "0.01");
	fill(&fills, "c1", "t2", VT_BUY, "0.01");
	fill(&fills, "c1", "", VT_BUY, "0.01");	/* no id: never copied */
	memset(&pos, 0, sizeof pos);
	snprintf(pos.symbol, sizeof pos.symbol, "BTCUSDT");
	snprintf(pos.qty, sizeof pos.qty, "0.01");
	l.positions = &pos;
	l.n_positions = 1;
	position(&ps, "0.02");
	/* The store's 0.01 and the missing 0.01 make the venue's 0.02. */
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "a missing fill: one");
	tap_ok(ds.d[0].what == RC_FILL && ds.d[0].action == RC_FILLS &&
	    ds.d[0].explained, "a missing fill of ours: fills, explained");
	tap_eq_s(ds.d[0].trade_id, "t2", "the missing fill's trade id");

	/* A position the fills do not explain. */
	vt_updates_reset(&ps);
	position(&ps, "0.05");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 2, "fill and position");
	tap_ok(ds.d[1].what == RC_POSITION &&
	    ds.d[1].action == RC_POSITION_TAKE && !ds.d[1].explained,
	    "position: take it, unexplained");
	tap_eq_s(ds.d[1].local, "0.01", "position: local");
	tap_eq_s(ds.d[1].remote, "0.05", "position: remote");

	/* A local position the venue does not list is flat there. */
	vt_updates_reset(&ps);
	known_trades[1] = "t2";
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "unlisted position");
	tap_eq_s(ds.d[0].remote, "0", "unlisted: flat at the venue");

	/* A fill of an order the store does not know: unexplained. */
	/* (its sale takes the store's 0.01 to the venue's 0) */
	fill(&fills, "zz", "t3", VT_SELL, "0.01");
	position(&ps, "0");
	tap_eq_i((int64_t)compare(&l, &r, &ds), 1, "foreign fill: one");
	tap_ok(ds.d[0].what == RC_FILL && !ds.d[0].explained &&
	    ds.d[0].note[0], "foreign fill: unexplained, with a note");
	known_trades[0] = known_trades[1] = NULL;
	rc_diffs_free(&ds);
	vt_updates_free(&orders);
	vt_updates_free(&fills);
	vt_updates_free(&ps);
}

static void
test_actions(void)
{
	unsigned m;
	char bad[32];

	tap_ok(rc_actions_parse("adopt,close", &m, bad, sizeof bad) == 0 &&
	    m == ((1u << RC_ADOPT) | (1u << RC_CLOSE)), "actions parsed");
	tap_ok(rc_actions_parse("adopt,flatten", &m, bad, sizeof bad) < 0 &&
	    strcmp(bad, "flatten") == 0, "a bad action named");
	tap_ok(rc_actions_parse("", &m, bad, sizeof bad) < 0, "none refused");
}

static void
test_store(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[300], err[320];
	struct state *s;
	struct state_adopt a;
	struct state_fill f;
	struct state_intent_row got;
	struct state_position_row p;

	snprintf(dir, sizeof dir, "%s/t_reconcile.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof path, "%s/s.db", dir);
	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "open: %s", err);
		return;
	}
	memset(&a, 0, sizeof a);
	a.venue = "v";
	a.market = "m";
	a.symbol = "BTCUSDT";
	a.client_id = "x9";
	a.venue_order_id = "o9";
	a.side = "buy";
	a.type = "limit";
	a.qty = "0.02";
	a.price = "100";
	a.status = "new";
	a.filled_qty = "0";
	a.time_ms = 5;
	tap_eq_i(state_reconcile_adopt(s, &a, err, sizeof err), 0, "adopt");
	tap_ok(state_intent_get(s, "x9", &got, err, sizeof err) == 1 &&
	    strcmp(got.state, STATE_OPEN) == 0 &&
	    strcmp(got.venue_order_id, "o9") == 0, "adopted: open, its id");
	tap_eq_i(state_reconcile_adopt(s, &a, err, sizeof err), STATE_EXISTS,
	    "adopted twice: exists");
	a.client_id = "h0123456789abcdef0123456789abcdef012";
	tap_eq_i(state_reconcile_adopt(s, &a, err, sizeof err), -1,
	    "a hashed-form client id: refused");
	a.client_id = "";
	tap_eq_i(state_reconcile_adopt(s, &a, err, sizeof err), -1,
	    "no client id: refused");

	memset(&f, 0, sizeof f);
	f.venue = "v";
	f.client_id = "x9";
	f.price = "100";
	f.qty = "0.01";
	f.time_ms = 6;
	tap_eq_i(state_reconcile_fill(s, &f, err, sizeof err), -1,
	    "a fill without a trade id: refused");
	f.venue_trade_id = "t9";
	tap_eq_i(state_reconcile_fill(s, &f, err, sizeof err), 0,
	    "a fill with one: copied");
	tap_eq_i(state_fill_known(s, "v", "m", "BTCUSDT", "t9", err,
	    sizeof err), 1, "the copied fill is known");
	tap_eq_i(state_fill_known(s, "v", "m", "BTCUSDT", "t8", err,
	    sizeof err), 0, "another is not");
	tap_eq_i(state_reconcile_position(s, "v", "m", "BTCUSDT", "-0.5",
	    "101", 7, err, sizeof err), 0, "position taken");
	tap_ok(state_position_get(s, "v", "m", "BTCUSDT", &p, err,
	    sizeof err) == 1 && strcmp(p.qty, "-0.5") == 0 &&
	    strcmp(p.entry_price, "101") == 0, "the venue's position: %s @ %s",
	    p.qty, p.entry_price);
	tap_eq_i(state_reconcile_position(s, "v", "m", "BTCUSDT", "x", NULL,
	    7, err, sizeof err), -1, "a position that is not a decimal");
	state_close(s);
	unlink(path);
	snprintf(path, sizeof path, "%s/s.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/s.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

static void
balance(struct vt_updates *us, const char *asset, const char *free,
    const char *locked)
{
	struct vt_update *u = vt_updates_add(us, VT_U_BALANCE);

	if (!u)
		abort();
	snprintf(u->asset, sizeof u->asset, "%s", asset);
	u->free = dec(free);
	u->locked = dec(locked);
}

static struct state_balance_row
bal_row(const char *asset, const char *free, const char *locked)
{
	struct state_balance_row b;

	memset(&b, 0, sizeof b);
	snprintf(b.asset, sizeof b.asset, "%s", asset);
	snprintf(b.free, sizeof b.free, "%s", free);
	snprintf(b.locked, sizeof b.locked, "%s", locked);
	return b;
}

static void
test_balances(void)
{
	struct vt_updates bs = { 0 };
	struct state_balance_row rows[3];
	struct rc_local l = { .fill_known = fill_known };
	struct rc_remote r = { 0 };
	struct rc_diffs ds = { 0 };
	struct rc_gap gap = { "ETHUSDT", 1000, "the venue's words" };
	char err[128];

	balance(&bs, "USDT", "90", "10");	/* 100: as stored */
	balance(&bs, "BTC", "1", "0");		/* stored 2 */
	balance(&bs, "ETH", "3", "0");		/* not stored */
	balance(&bs, "BNB", "0", "0");		/* zero: nothing */
	rows[0] = bal_row("USDT", "100", "0");
	rows[1] = bal_row("BTC", "1.5", "0.5");
	rows[2] = bal_row("XRP", "5", "0");	/* the venue has none */
	r.balances = &bs;
	tap_ok(reconcile_compare(&l, &r, &ds, err, sizeof err) == 0 &&
	    ds.n == 0, "balances: a store without any is not compared");
	rc_diffs_free(&ds);
	l.balances = rows;
	l.n_balances = 3;
	tap_ok(reconcile_compare(&l, &r, &ds, err, sizeof err) == 0,
	    "balances: compared");
	tap_eq_i((int64_t)ds.n, 3, "balances: BTC, XRP and ETH differ");
	if (ds.n == 3) {
		tap_ok(ds.d[0].what == RC_BALANCE && ds.d[0].action == RC_NONE &&
		    !ds.d[0].explained && strcmp(ds.d[0].asset, "BTC") == 0 &&
		    strcmp(ds.d[0].symbol, "BTC") == 0,
		    "balances: BTC, action none, unexplained");
		tap_eq_s(ds.d[0].local, "free 1.5 locked 0.5", "balances: local");
		tap_eq_s(ds.d[0].remote, "free 1 locked 0", "balances: remote");
		tap_ok(strcmp(ds.d[1].asset, "XRP") == 0 && !ds.d[1].u,
		    "balances: XRP, none at the venue");
		tap_ok(strcmp(ds.d[2].asset, "ETH") == 0 &&
		    strcmp(ds.d[2].local, "none") == 0,
		    "balances: ETH, none in the store");
	}
	rc_diffs_free(&ds);
	tap_eq_s(rc_action_name(RC_BALANCE_TAKE), "balance",
	    "balances: the action's word");

	memset(&r, 0, sizeof r);
	r.gaps = &gap;
	r.n_gaps = 1;
	tap_ok(reconcile_compare(&l, &r, &ds, err, sizeof err) == 0 &&
	    ds.n == 1 && ds.d[0].what == RC_FILL &&
	    ds.d[0].action == RC_NONE && !ds.d[0].explained &&
	    strstr(ds.d[0].note, "the venue's words") != NULL,
	    "a fill gap: one unexplained difference saying why");
	rc_diffs_free(&ds);
	vt_updates_free(&bs);
}

static void
test_fills_name(void)
{
	struct vt_updates fs = { 0 }, os = { 0 };
	struct state_intent_row rows[1];

	fill(&fs, "", "t1", VT_BUY, "1");
	snprintf(fs.u[0].order_id, sizeof fs.u[0].order_id, "111");
	fill(&fs, "", "t2", VT_BUY, "1");
	snprintf(fs.u[1].order_id, sizeof fs.u[1].order_id, "222");
	fill(&fs, "", "t3", VT_BUY, "1");
	snprintf(fs.u[2].order_id, sizeof fs.u[2].order_id, "333");
	order(&os, "c-open", "111", "new", "0");
	rows[0] = row("c-row", "open", "new");
	snprintf(rows[0].venue_order_id, sizeof rows[0].venue_order_id,
	    "222");
	rc_fills_name(&fs, &os, rows, 1);
	tap_eq_s(fs.u[0].client_id, "c-open", "fills named by a venue order");
	tap_eq_s(fs.u[1].client_id, "c-row", "fills named by a local order");
	tap_eq_s(fs.u[2].client_id, "", "a fill of an order neither knows");
	vt_updates_free(&fs);
	vt_updates_free(&os);
}

int
main(void)
{
	test_orders();
	test_fills_positions();
	test_actions();
	test_store();
	test_balances();
	test_fills_name();
	return tap_done();
}
