/*
 * reconcile: the comparison of the store's view with the venue's (see
 * reconcile.h).  Each rule below says which side it starts from, so a
 * difference is found once: venue orders, then local orders, then venue
 * fills, then positions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"

static const char *const what_names[] = {
	[RC_ORDER] = "order", [RC_FILL] = "fill", [RC_POSITION] = "position",
	[RC_BALANCE] = "balance",
};

static const char *const action_names[RC_ACTION_COUNT] = {
	[RC_NONE] = "none", [RC_ADOPT] = "adopt", [RC_CANCEL] = "cancel",
	[RC_CLOSE] = "close", [RC_FILLS] = "fills",
	[RC_POSITION_TAKE] = "position", [RC_BALANCE_TAKE] = "balance",
};

static int
nomem(char *err, size_t errsz)
{
	snprintf(err, errsz, "out of memory");
	errno = ENOMEM;
	return -1;
}

const char *
rc_what_name(enum rc_what w)
{
	return what_names[w];
}

const char *
rc_action_name(enum rc_action a)
{
	return action_names[a];
}

int
rc_actions_parse(const char *list, unsigned *mask, char *bad, size_t badsz)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 1; i < RC_ACTION_COUNT; i++)
			if (strlen(action_names[i]) == n &&
			    strncmp(p, action_names[i], n) == 0)
				break;
		if (i == RC_ACTION_COUNT) {
			snprintf(bad, badsz, "%.*s", (int)n, p);
			return -1;
		}
		*mask |= 1u << i;
		p += n;
		if (*p == ',')
			p++;
	}
	if (*mask == 0) {
		snprintf(bad, badsz, "%s", list);
		return -1;
	}
	return 0;
}

void
rc_diffs_free(struct rc_diffs *ds)
{
	free(ds->d);
	memset(ds, 0, sizeof *ds);
}

size_t
rc_unexplained(const struct rc_diffs *ds)
{
	size_t i, n = 0;

	for (i = 0; i < ds->n; i++)
		n += !ds->d[i].explained;
	return n;
}

static struct rc_diff *
diff_add(struct rc_diffs *ds, enum rc_what w, enum rc_action a,
    int explained)
{
	struct rc_diff *d;

	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 8;
		struct rc_diff *p = realloc(ds->d, cap * sizeof *p);

		if (!p)
			return NULL;
		ds->d = p;
		ds->cap = cap;
	}
	d = &ds->d[ds->n++];
	memset(d, 0, sizeof *d);
	d->what = w;
	d->action = a;
	d->explained = explained;
	return d;
}

static int
is_final(const char *status)
{
	return strcmp(status, "filled") == 0 ||
	    strcmp(status, "canceled") == 0 ||
	    strcmp(status, "rejected") == 0 ||
	    strcmp(status, "expired") == 0;
}

static const struct state_intent_row *
local_by_client(const struct rc_local *l, const char *client_id)
{
	size_t i;

	if (!client_id[0])
		return NULL;
	for (i = 0; i < l->n_orders; i++)
		if (strcmp(l->orders[i].client_id, client_id) == 0)
			return &l->orders[i];
	return NULL;
}

/* The same order told twice (open list and a query): the first wins. */
static int
seen_before(const struct vt_updates *us, size_t i)
{
	const struct vt_update *u = &us->u[i];
	size_t j;

	for (j = 0; j < i; j++) {
		const struct vt_update *v = &us->u[j];

		if (v->kind != u->kind)
			continue;
		if (u->kind == VT_U_FILL) {
			if (strcmp(v->trade_id, u->trade_id) == 0 &&
			    strcmp(v->symbol, u->symbol) == 0)
				return 1;
		} else if (u->kind == VT_U_BALANCE) {
			if (strcmp(v->asset, u->asset) == 0)
				return 1;
		} else if (u->client_id[0] ?
		    strcmp(v->client_id, u->client_id) == 0 :
		    strcmp(v->order_id, u->order_id) == 0) {
			return 1;
		}
	}
	return 0;
}

static void
remote_order_text(const struct vt_update *u, char *dst)
{
	char q[FX_BUFSZ], f[FX_BUFSZ], p[FX_BUFSZ];

	snprintf(dst, RC_TEXT, "%s %s %s @ %s filled %s", u->status,
	    u->side == VT_BUY ? "buy" : "sell", fx_str(u->qty, q),
	    u->price.m ? fx_str(u->price, p) : "market",
	    fx_str(u->filled_qty, f));
}

static void
local_order_text(const struct state_intent_row *row, char *dst)
{
	snprintf(dst, RC_TEXT, "%.32s %.32s filled %.60s", row->state,
	    row->status[0] ? row->status : "-", row->filled_qty);
}

static void
diff_order_ids(struct rc_diff *d, const struct vt_update *u,
    const struct state_intent_row *row)
{
	d->u = u;
	d->row = row;
	if (u) {
		snprintf(d->symbol, sizeof d->symbol, "%s", u->symbol);
		snprintf(d->client_id, sizeof d->client_id, "%s",
		    u->client_id);
		snprintf(d->order_id, sizeof d->order_id, "%s", u->order_id);
	} else {
		snprintf(d->symbol, sizeof d->symbol, "%s", row->symbol);
		snprintf(d->client_id, sizeof d->client_id, "%s",
		    row->client_id);
		snprintf(d->order_id, sizeof d->order_id, "%s",
		    row->venue_order_id);
	}
	if (u)
		remote_order_text(u, d->remote);
	else
		snprintf(d->remote, RC_TEXT, "none");
	if (row)
		local_order_text(row, d->local);
	else
		snprintf(d->local, RC_TEXT, "none");
}

/*
 * One venue order against the store.  An open order the store does not
 * know is nobody's to explain; a local order the venue finished is the
 * normal path learnt late; a local final order the venue holds open is
 * for a human.
 */
static int
compare_remote_order(const struct rc_local *l, const struct vt_update *u,
    struct rc_diffs *out)
{
	const struct state_intent_row *row = local_by_client(l, u->client_id);
	int final = is_final(u->status);
	struct rc_diff *d = NULL;

	if (!row) {
		if (final)
			return 0;	/* not ours, and over: positions tell */
		d = diff_add(out, RC_ORDER, RC_ADOPT, 0);
	} else if (final && strcmp(row->state, STATE_DONE) != 0) {
		d = diff_add(out, RC_ORDER, RC_CLOSE, 1);
	} else if (!final && strcmp(row->state, STATE_DONE) == 0) {
		d = diff_add(out, RC_ORDER, RC_NONE, 0);
		if (d)
			snprintf(d->note, RC_TEXT, "the store has it "
			    "finished, the venue holds it open");
	} else if (!final && strcmp(row->state, STATE_OPEN) != 0) {
		/* Sent, and placed: a query of mkt-exec's learns it. */
		d = diff_add(out, RC_ORDER, RC_NONE, 1);
	} else {
		return 0;
	}
	if (!d)
		return -1;
	diff_order_ids(d, u, row);
	return 0;
}

static int
remote_has(const struct vt_updates *us, const char *client_id)
{
	size_t i;

	for (i = 0; us && i < us->n; i++)
		if (us->u[i].kind == VT_U_ORDER &&
		    strcmp(us->u[i].client_id, client_id) == 0)
			return 1;
	return 0;
}

/*
 * A local unfinished order the venue did not mention although it was
 * asked: a sent one was never placed (mkt-exec sends it again once
 * its recvWindow has passed); an open one is for a human,
 * and may be older than the venue's memory.
 */
static int
compare_local_order(const struct rc_local *l, const struct rc_remote *r,
    const struct state_intent_row *row, struct rc_diffs *out)
{
	int open = strcmp(row->state, STATE_OPEN) == 0;
	struct rc_diff *d;

	(void)l;
	/* A pending intent's request never left: nothing to compare. */
	if (strcmp(row->state, STATE_DONE) == 0 ||
	    strcmp(row->state, STATE_PENDING) == 0 || !r->queried ||
	    remote_has(r->orders, row->client_id))
		return 0;
	d = diff_add(out, RC_ORDER, RC_NONE, !open);
	if (!d)
		return -1;
	diff_order_ids(d, NULL, row);
	if (open && r->history_ms > 0 &&
	    row->created_ms < r->now_ms - r->history_ms)
		snprintf(d->note, RC_TEXT, "outside the venue's history (%s):"
		    " cannot tell how it ended", r->history_says ?
		    r->history_says : "too old");
	else if (!open)
		snprintf(d->note, RC_TEXT, "never placed");
	return 0;
}

static int
compare_fill(const struct rc_local *l, const struct vt_update *u,
    struct rc_diffs *out, char *err, size_t errsz)
{
	char p[FX_BUFSZ], q[FX_BUFSZ];
	struct rc_diff *d;
	int known;

	/* A venue record without its id cannot be copied: never guess. */
	if (!u->trade_id[0])
		return 0;
	known = l->fill_known(l->ctx, u->symbol, u->trade_id);
	if (known < 0) {
		snprintf(err, errsz, "cannot look up fill '%s'", u->trade_id);
		return -1;
	}
	if (known)
		return 0;
	d = diff_add(out, RC_FILL, RC_FILLS,
	    local_by_client(l, u->client_id) != NULL);
	if (!d)
		return nomem(err, errsz);
	d->u = u;
	d->row = local_by_client(l, u->client_id);
	snprintf(d->symbol, sizeof d->symbol, "%s", u->symbol);
	snprintf(d->client_id, sizeof d->client_id, "%s", u->client_id);
	snprintf(d->order_id, sizeof d->order_id, "%s", u->order_id);
	snprintf(d->trade_id, sizeof d->trade_id, "%s", u->trade_id);
	snprintf(d->local, RC_TEXT, "none");
	snprintf(d->remote, RC_TEXT, "%s %s @ %s",
	    u->side == VT_BUY ? "buy" : "sell", fx_str(u->fill_qty, q),
	    fx_str(u->fill_price, p));
	if (!d->row)
		snprintf(d->note, RC_TEXT, "of an order the store does not "
		    "know: still the venue's record");
	return 0;
}

void
rc_fills_name(struct vt_updates *fills, const struct vt_updates *orders,
    const struct state_intent_row *rows, size_t n_rows)
{
	size_t i, j;

	for (i = 0; i < fills->n; i++) {
		struct vt_update *f = &fills->u[i];
		const char *cid = NULL;

		if (f->kind != VT_U_FILL || f->client_id[0] || !f->order_id[0])
			continue;
		for (j = 0; orders && !cid && j < orders->n; j++)
			if (orders->u[j].kind == VT_U_ORDER &&
			    orders->u[j].client_id[0] &&
			    strcmp(orders->u[j].order_id, f->order_id) == 0 &&
			    strcmp(orders->u[j].symbol, f->symbol) == 0)
				cid = orders->u[j].client_id;
		for (j = 0; !cid && j < n_rows; j++)
			if (strcmp(rows[j].venue_order_id, f->order_id) == 0 &&
			    strcmp(rows[j].symbol, f->symbol) == 0)
				cid = rows[j].client_id;
		if (cid)
			snprintf(f->client_id, sizeof f->client_id, "%s", cid);
	}
}

/* Fills the venue was not asked about: a human must look. */
static int
compare_gap(const struct rc_gap *g, struct rc_diffs *out)
{
	struct rc_diff *d = diff_add(out, RC_FILL, RC_NONE, 0);

	if (!d)
		return -1;
	snprintf(d->symbol, sizeof d->symbol, "%s", g->symbol);
	snprintf(d->local, RC_TEXT, "last fill at %lld",
	    (long long)g->from_ms);
	snprintf(d->remote, RC_TEXT, "not asked");
	snprintf(d->note, RC_TEXT, "outside the venue's history (%.120s)",
	    g->says ? g->says : "too old");
	return 0;
}

/* The signed quantity of the fills of symbol the store lacks. */
static int
missing_fills_qty(const struct rc_diffs *ds, const char *symbol,
    struct fx *sum)
{
	size_t i;

	*sum = (struct fx){ 0, 0 };
	for (i = 0; i < ds->n; i++) {
		const struct rc_diff *d = &ds->d[i];
		struct fx q;

		if (d->what != RC_FILL || strcmp(d->symbol, symbol) != 0)
			continue;
		q = d->u->fill_qty;
		if (d->u->side == VT_SELL)
			q.m = -q.m;
		if (fx_add(*sum, q, sum) != 0)
			return -1;
	}
	return 0;
}

static const struct state_position_row *
local_position(const struct rc_local *l, const char *symbol)
{
	size_t i;

	for (i = 0; i < l->n_positions; i++)
		if (strcmp(l->positions[i].symbol, symbol) == 0)
			return &l->positions[i];
	return NULL;
}

static int
position_diff(struct rc_diffs *out, const char *symbol, const char *local,
    struct fx remote, const struct vt_update *u)
{
	char q[FX_BUFSZ];
	struct rc_diff *d = diff_add(out, RC_POSITION, RC_POSITION_TAKE, 0);

	if (!d)
		return -1;
	d->u = u;
	d->qty = remote;
	snprintf(d->symbol, sizeof d->symbol, "%s", symbol);
	snprintf(d->local, RC_TEXT, "%s", local);
	snprintf(d->remote, RC_TEXT, "%s", fx_str(remote, q));
	return 0;
}

/*
 * A position differs when the store's, moved by the venue fills it
 * lacks (those are differences of their own), is not the venue's.
 */
static int
compare_position(const struct rc_local *l, const char *symbol,
    struct fx remote, const struct vt_update *u, struct rc_diffs *out,
    char *err, size_t errsz)
{
	const struct state_position_row *p = local_position(l, symbol);
	struct fx have = { 0, 0 }, miss;

	if (p && fx_parse(p->qty, strlen(p->qty), &have) != FX_OK) {
		snprintf(err, errsz, "stored position of %s is not a "
		    "decimal: '%s'", symbol, p->qty);
		errno = ERANGE;
		return -1;
	}
	if (missing_fills_qty(out, symbol, &miss) < 0 ||
	    fx_add(have, miss, &have) != 0) {
		snprintf(err, errsz, "position of %s out of range", symbol);
		errno = ERANGE;
		return -1;
	}
	if (fx_cmp(have, remote) == 0)
		return 0;
	if (position_diff(out, symbol, p ? p->qty : "0", remote, u) < 0)
		return nomem(err, errsz);
	return 0;
}

static int
compare_positions(const struct rc_local *l, const struct vt_updates *ps,
    struct rc_diffs *out, char *err, size_t errsz)
{
	size_t i, j;

	for (i = 0; i < ps->n; i++)
		if (ps->u[i].kind == VT_U_POSITION &&
		    compare_position(l, ps->u[i].symbol, ps->u[i].pos_qty,
		    &ps->u[i], out, err, errsz) < 0)
			return -1;
	/* A local position the venue does not list is flat there. */
	for (i = 0; i < l->n_positions; i++) {
		const char *sym = l->positions[i].symbol;

		for (j = 0; j < ps->n; j++)
			if (ps->u[j].kind == VT_U_POSITION &&
			    strcmp(ps->u[j].symbol, sym) == 0)
				break;
		if (j == ps->n && compare_position(l, sym,
		    (struct fx){ 0, 0 }, NULL, out, err, errsz) < 0)
			return -1;
	}
	return 0;
}

static int
balance_total(const char *free, const char *locked, struct fx *t)
{
	struct fx f, l;

	return fx_parse(free, strlen(free), &f) != FX_OK ||
	    fx_parse(locked, strlen(locked), &l) != FX_OK ||
	    fx_add(f, l, t) != 0 ? -1 : 0;
}

static int
balance_diff(const struct state_balance_row *b, const struct vt_update *u,
    const char *asset, struct rc_diffs *out)
{
	char f[FX_BUFSZ], k[FX_BUFSZ];
	struct rc_diff *d = diff_add(out, RC_BALANCE, RC_NONE, 0);

	if (!d)
		return -1;
	d->u = u;
	/* Events always name a symbol: the asset's is itself. */
	snprintf(d->asset, sizeof d->asset, "%s", asset);
	snprintf(d->symbol, sizeof d->symbol, "%s", asset);
	if (u) {
		d->free = u->free;
		d->locked = u->locked;
	}
	if (b)
		snprintf(d->local, RC_TEXT, "free %.60s locked %.60s",
		    b->free, b->locked);
	else
		snprintf(d->local, RC_TEXT, "none");
	snprintf(d->remote, RC_TEXT, "free %s locked %s",
	    fx_str(d->free, f), fx_str(d->locked, k));
	return 0;
}

static const struct vt_update *
remote_balance(const struct vt_updates *bs, const char *asset)
{
	size_t i;

	for (i = 0; i < bs->n; i++)
		if (bs->u[i].kind == VT_U_BALANCE &&
		    strcmp(bs->u[i].asset, asset) == 0)
			return &bs->u[i];
	return NULL;
}

static const struct state_balance_row *
local_balance(const struct rc_local *l, const char *asset)
{
	size_t i;

	for (i = 0; i < l->n_balances; i++)
		if (strcmp(l->balances[i].asset, asset) == 0)
			return &l->balances[i];
	return NULL;
}

/*
 * Each stored asset against the venue's (absent there: nothing), then
 * the venue's assets the store lacks, when it keeps this account's
 * balances at all.  Free + locked: an open order moves between them.
 */
static int
compare_balances(const struct rc_local *l, const struct vt_updates *bs,
    struct rc_diffs *out, char *err, size_t errsz)
{
	size_t i;

	for (i = 0; i < l->n_balances; i++) {
		const struct state_balance_row *b = &l->balances[i];
		const struct vt_update *u = remote_balance(bs, b->asset);
		struct fx have, want = { 0, 0 };

		if (balance_total(b->free, b->locked, &have) < 0 ||
		    (u && fx_add(u->free, u->locked, &want) != 0)) {
			snprintf(err, errsz, "stored balance of %s is not a "
			    "decimal", b->asset);
			errno = ERANGE;
			return -1;
		}
		if (fx_cmp(have, want) != 0 &&
		    balance_diff(b, u, b->asset, out) < 0)
			return nomem(err, errsz);
	}
	for (i = 0; l->n_balances && i < bs->n; i++) {
		const struct vt_update *u = &bs->u[i];

		if (u->kind != VT_U_BALANCE || local_balance(l, u->asset) ||
		    (u->free.m == 0 && u->locked.m == 0) ||
		    seen_before(bs, i))
			continue;
		if (balance_diff(NULL, u, u->asset, out) < 0)
			return nomem(err, errsz);
	}
	return 0;
}

int
reconcile_compare(const struct rc_local *l, const struct rc_remote *r,
    struct rc_diffs *out, char *err, size_t errsz)
{
	size_t i;

	for (i = 0; r->orders && i < r->orders->n; i++)
		if (r->orders->u[i].kind == VT_U_ORDER &&
		    !seen_before(r->orders, i) &&
		    compare_remote_order(l, &r->orders->u[i], out) < 0)
			return nomem(err, errsz);
	for (i = 0; i < l->n_orders; i++)
		if (compare_local_order(l, r, &l->orders[i], out) < 0)
			return nomem(err, errsz);
	for (i = 0; i < r->n_gaps; i++)
		if (compare_gap(&r->gaps[i], out) < 0)
			return nomem(err, errsz);
	for (i = 0; r->fills && i < r->fills->n; i++) {
		if (r->fills->u[i].kind != VT_U_FILL ||
		    seen_before(r->fills, i))
			continue;
		if (compare_fill(l, &r->fills->u[i], out, err, errsz) < 0)
			return -1;
	}
	if (r->positions &&
	    compare_positions(l, r->positions, out, err, errsz) < 0)
		return -1;
	if (r->balances &&
	    compare_balances(l, r->balances, out, err, errsz) < 0)
		return -1;
	return 0;
}
