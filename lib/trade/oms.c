/* oms: one intent becomes exactly one order (see oms.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/keymap.h"
#include "trade/oms.h"

struct oms {
	struct state *s;
	char venue[TEV_NAME], market[TEV_NAME];
	struct oms_hooks h;
	void *ctx;
	struct keymap by_intent, by_client;	/* every order taken */
	struct oms_order **active;		/* not done */
	size_t nactive, capactive;
	struct oms_order **queue;		/* a ring of queued orders */
	size_t qhead, qn, qcap;
};

int
oms_open(struct oms **op, struct state *s, const char *venue,
    const char *market, const struct oms_hooks *h, void *ctx)
{
	struct oms *o = calloc(1, sizeof *o);

	*op = NULL;
	if (!o)
		return -1;
	o->s = s;
	snprintf(o->venue, sizeof o->venue, "%s", venue);
	snprintf(o->market, sizeof o->market, "%s", market);
	o->h = *h;
	o->ctx = ctx;
	keymap_init(&o->by_intent);
	keymap_init(&o->by_client);
	*op = o;
	return 0;
}

void
oms_close(struct oms *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->by_client.n; i++)
		free(o->by_client.e[i].val);
	keymap_free(&o->by_intent);
	keymap_free(&o->by_client);
	free(o->active);
	free(o->queue);
	free(o);
}

struct oms_order *
oms_by_intent(struct oms *o, const char *id)
{
	return keymap_get(&o->by_intent, id, strlen(id));
}

struct oms_order *
oms_by_client(struct oms *o, const char *client_id)
{
	return keymap_get(&o->by_client, client_id, strlen(client_id));
}

struct oms_order *const *
oms_active(const struct oms *o, size_t *n)
{
	*n = o->nactive;
	return o->active;
}

int
oms_fills_missing(const struct oms_order *ord)
{
	return fx_cmp(ord->filled, ord->fills_seen) > 0;
}

size_t
oms_queued(const struct oms *o)
{
	return o->qn;
}

size_t
oms_pending_work(const struct oms *o)
{
	size_t i, n = 0;

	for (i = 0; i < o->nactive; i++) {
		const struct oms_order *ord = o->active[i];

		/* A cancel asked for and not yet sent is work too. */
		if (ord->stalled)
			continue;
		if (ord->phase != OMS_OPEN || ord->busy ||
		    ord->cancel_wanted || oms_fills_missing(ord))
			n++;
	}
	return n;
}

static int
push_active(struct oms *o, struct oms_order *ord)
{
	if (o->nactive == o->capactive) {
		size_t cap = o->capactive ? 2 * o->capactive : 64;
		struct oms_order **p = realloc(o->active, cap * sizeof *p);

		if (!p)
			return -1;
		o->active = p;
		o->capactive = cap;
	}
	o->active[o->nactive++] = ord;
	ord->active_slot = o->nactive;
	return 0;
}

static void
drop_active(struct oms *o, struct oms_order *ord)
{
	size_t i;

	if (!ord->active_slot)
		return;
	i = ord->active_slot - 1;
	o->active[i] = o->active[--o->nactive];
	o->active[i]->active_slot = i + 1;
	ord->active_slot = 0;
}

static int
queue_grow(struct oms *o)
{
	size_t cap = o->qcap ? 2 * o->qcap : 64, i;
	struct oms_order **p = malloc(cap * sizeof *p);

	if (!p)
		return -1;
	for (i = 0; i < o->qn; i++)
		p[i] = o->queue[(o->qhead + i) % o->qcap];
	free(o->queue);
	o->queue = p;
	o->qcap = cap;
	o->qhead = 0;
	return 0;
}

static int
enqueue(struct oms *o, struct oms_order *ord, int front)
{
	if (o->qn == o->qcap && queue_grow(o) < 0)
		return -1;
	if (front) {
		o->qhead = (o->qhead + o->qcap - 1) % o->qcap;
		o->queue[o->qhead] = ord;
	} else {
		o->queue[(o->qhead + o->qn) % o->qcap] = ord;
	}
	o->qn++;
	ord->phase = OMS_QUEUED;
	return 0;
}

struct oms_order *
oms_next(struct oms *o)
{
	struct oms_order *ord;

	while (o->qn) {
		ord = o->queue[o->qhead];
		o->qhead = (o->qhead + 1) % o->qcap;
		o->qn--;
		/* Canceled while it waited: already done. */
		if (ord->phase == OMS_QUEUED)
			return ord;
	}
	return NULL;
}

void
oms_requeue(struct oms *o, struct oms_order *ord)
{
	/* The ring grows on demand; on no memory the order stays
	 * unresolved and is found again by the scan of active orders. */
	if (enqueue(o, ord, 1) < 0)
		oms_unknown(o, ord);
}

/* A new order in memory, indexed and active. */
static struct oms_order *
add_order(struct oms *o, const struct intent *it, const char *client_id)
{
	struct oms_order *ord = calloc(1, sizeof *ord);

	if (!ord)
		return NULL;
	ord->it = *it;
	snprintf(ord->client_id, sizeof ord->client_id, "%s", client_id);
	strcpy(ord->status, "pending");
	ord->filled = ord->avg = ord->fills_seen = (struct fx){ 0, 0 };
	if (keymap_put(&o->by_client, ord->client_id, strlen(ord->client_id),
	    ord) < 0) {
		free(ord);
		return NULL;
	}
	/* Both maps point at ord; only by_client frees it. */
	if (keymap_put(&o->by_intent, it->id, strlen(it->id), ord) < 0 ||
	    push_active(o, ord) < 0)
		return NULL;
	return ord;
}

int
oms_intent(struct oms *o, const struct intent *it, const char *raw,
    int64_t now_ms, struct oms_order **out, char *err, size_t errsz)
{
	char cid[STATE_CLIENT_ID_MAX + 1];
	struct state_intent si;
	struct oms_order *ord;
	int r;

	*out = NULL;
	if (oms_by_intent(o, it->id))
		return 1;
	if (state_client_id(it->id, cid) < 0) {
		snprintf(err, errsz, "intent id '%s' has no client id", it->id);
		return -1;
	}
	memset(&si, 0, sizeof si);
	si.intent_id = it->id;
	si.venue = o->venue;
	si.market = o->market;
	si.symbol = it->symbol;
	si.side = it->side;
	si.type = it->kind;
	si.qty = it->qty;
	si.price = it->price[0] ? it->price : NULL;
	si.tif = it->tif;
	si.reduce_only = it->reduce_only;
	si.created_ms = now_ms;
	si.raw = raw;
	r = state_intent_record(o->s, &si, err, errsz);
	if (r != 0)
		return r;
	ord = add_order(o, it, cid);
	if (!ord || enqueue(o, ord, 0) < 0) {
		snprintf(err, errsz, "no memory for an order");
		errno = ENOMEM;
		return -1;
	}
	ord->created_ms = ord->updated_ms = now_ms;
	*out = ord;
	o->h.order(o->ctx, ord, STATE_SRC_LOCAL);
	return 0;
}

int
oms_sent(struct oms *o, struct oms_order *ord, int64_t ts_ms, char *err,
    size_t errsz)
{
	if (state_intent_mark(o->s, ord->client_id, STATE_SENT, ts_ms,
	    err, errsz) < 0)
		return -1;
	ord->sent_ms = ts_ms;
	ord->phase = OMS_SENT;
	return 0;
}

void
oms_unknown(struct oms *o, struct oms_order *ord)
{
	(void)o;
	ord->phase = OMS_RESOLVE;
}

void
oms_not_placed(struct oms *o, struct oms_order *ord)
{
	ord->queries = 0;
	if (enqueue(o, ord, 1) < 0)
		ord->phase = OMS_RESOLVE;
}

static int
is_final(const char *status)
{
	return strcmp(status, "filled") == 0 ||
	    strcmp(status, "canceled") == 0 ||
	    strcmp(status, "rejected") == 0 ||
	    strcmp(status, "expired") == 0;
}

static int
status_rank(const char *status)
{
	if (is_final(status))
		return 3;
	if (strcmp(status, "partially_filled") == 0)
		return 2;
	if (strcmp(status, "new") == 0)
		return 1;
	return 0;
}

/* Write the order's present state to the store, then tell. */
static int
commit_order(struct oms *o, struct oms_order *ord, const char *source,
    int64_t time_ms, char *err, size_t errsz)
{
	char filled[FX_BUFSZ], avg[FX_BUFSZ];
	struct state_transition t;

	/*
	 * Final at the venue, but not all its fills are recorded: held
	 * back until they are, so that a restart finds the intent
	 * unfinished and fetches them.
	 */
	if (is_final(ord->status) && oms_fills_missing(ord)) {
		ord->held = 1;
		ord->phase = OMS_OPEN;
		return 0;
	}
	ord->held = 0;
	fx_str(ord->filled, filled);
	fx_str(ord->avg, avg);
	memset(&t, 0, sizeof t);
	t.client_id = ord->client_id;
	t.status = ord->status;
	t.venue_order_id = ord->order_id[0] ? ord->order_id : NULL;
	t.filled_qty = filled;
	t.avg_price = ord->avg.m ? avg : NULL;
	t.time_ms = time_ms;
	t.source = source;
	t.detail = ord->reason[0] ? ord->reason : NULL;
	if (state_order_transition(o->s, &t, err, errsz) < 0)
		return -1;
	ord->updated_ms = time_ms;
	if (is_final(ord->status)) {
		ord->phase = OMS_DONE;
		drop_active(o, ord);
	} else if (ord->phase != OMS_QUEUED && status_rank(ord->status) > 0) {
		ord->phase = OMS_OPEN;	/* "pending": an ack, state unknown */
	}
	o->h.order(o->ctx, ord, source);
	return 0;
}

int
oms_final(struct oms *o, struct oms_order *ord, const char *status,
    const char *reason, const char *source, int64_t now_ms, char *err,
    size_t errsz)
{
	snprintf(ord->status, sizeof ord->status, "%s", status);
	snprintf(ord->reason, sizeof ord->reason, "%s", reason ? reason : "");
	return commit_order(o, ord, source, now_ms, err, errsz);
}

/*
 * Merge what the venue says into ord: 1 when something changed.  The
 * rules of oms.h: a final status stays (but for "filled"), a status
 * never goes back, the filled quantity never shrinks.
 */
static int
merge_order(struct oms_order *ord, const struct vt_update *u)
{
	int changed = 0, cmp = fx_cmp(u->filled_qty, ord->filled);

	if (u->order_id[0] && strcmp(u->order_id, ord->order_id) != 0) {
		snprintf(ord->order_id, sizeof ord->order_id, "%s",
		    u->order_id);
		changed = 1;
	}
	if (cmp > 0) {
		ord->filled = u->filled_qty;
		if (u->avg_price.m)
			ord->avg = u->avg_price;
		changed = 1;
	}
	if (is_final(ord->status)) {
		if (strcmp(u->status, "filled") == 0 &&
		    strcmp(ord->status, "filled") != 0) {
			strcpy(ord->status, "filled");
			changed = 1;
		}
		return changed;
	}
	if (u->status[0] && strcmp(u->status, ord->status) != 0 &&
	    status_rank(u->status) >= status_rank(ord->status) &&
	    (cmp >= 0 || is_final(u->status))) {
		snprintf(ord->status, sizeof ord->status, "%s", u->status);
		changed = 1;
	}
	return changed;
}

static void
tell_position(struct oms *o, const char *symbol, int64_t time_ms)
{
	struct state_position_row p;
	char err[256];

	if (!o->h.position)
		return;
	if (state_position_get(o->s, o->venue, o->market, symbol, &p, err,
	    sizeof err) != 1)
		return;
	o->h.position(o->ctx, symbol, p.qty, p.entry_price, p.realized_pnl,
	    time_ms);
}

static int
add_fill(struct oms *o, struct oms_order *ord, const struct vt_update *u,
    char *err, size_t errsz)
{
	char px[FX_BUFSZ], qty[FX_BUFSZ], fee[FX_BUFSZ];
	struct state_fill f;
	struct fx sum;
	int r;

	fx_str(u->fill_price, px);
	fx_str(u->fill_qty, qty);
	fx_str(u->fee, fee);
	memset(&f, 0, sizeof f);
	f.venue = o->venue;
	f.market = o->market;
	f.symbol = ord->it.symbol;
	f.side = ord->it.side;
	f.venue_trade_id = u->trade_id;
	f.client_id = ord->client_id;
	f.price = px;
	f.qty = qty;
	f.fee = fee;
	f.fee_asset = u->fee_asset[0] ? u->fee_asset : NULL;
	f.time_ms = u->time_ms;
	r = state_fill_add(o->s, &f, err, errsz);
	if (r != 0)
		return r < 0 ? -1 : 0;	/* a fill told twice counts once */
	if (fx_add(ord->fills_seen, u->fill_qty, &sum) == FX_OK)
		ord->fills_seen = sum;
	o->h.fill(o->ctx, ord, u);
	tell_position(o, ord->it.symbol, u->time_ms);
	if (ord->held && !oms_fills_missing(ord))
		return commit_order(o, ord, STATE_SRC_REST, u->time_ms, err,
		    errsz);
	return 0;
}

int
oms_update(struct oms *o, const struct vt_update *u, const char *source,
    int64_t now_ms, char *err, size_t errsz)
{
	struct oms_order *ord;

	if (u->kind != VT_U_ORDER && u->kind != VT_U_FILL)
		return 0;
	ord = u->client_id[0] ? oms_by_client(o, u->client_id) : NULL;
	if (!ord)
		return 0;
	if (u->kind == VT_U_FILL) {
		if (!ord->order_id[0] && u->order_id[0])
			snprintf(ord->order_id, sizeof ord->order_id, "%s",
			    u->order_id);
		return add_fill(o, ord, u, err, errsz);
	}
	if (ord->phase == OMS_QUEUED)
		return 0;	/* news of an order we are sending again */
	if (!merge_order(ord, u)) {
		/* Resolved: the venue holds it as we knew it. */
		if (ord->phase == OMS_RESOLVE || ord->phase == OMS_SENT)
			ord->phase = is_final(ord->status) ? OMS_DONE :
			    OMS_OPEN;
		if (ord->phase == OMS_DONE && !oms_fills_missing(ord))
			drop_active(o, ord);
		return 0;
	}
	return commit_order(o, ord, source, u->time_ms ? u->time_ms : now_ms,
	    err, errsz);
}

/* A stored intent back into memory, in the phase its state says. */
static int
recover_one(void *ctx, const struct state_intent_row *row)
{
	struct oms *o = ctx;
	struct oms_order *ord;
	struct intent it;
	char qty[STATE_DEC_SZ], avg[STATE_DEC_SZ], err[256];

	memset(&it, 0, sizeof it);
	if (str_copy(it.id, sizeof it.id, row->intent_id) < 0 ||
	    str_copy(it.symbol, sizeof it.symbol, row->symbol) < 0 ||
	    str_copy(it.side, sizeof it.side, row->side) < 0 ||
	    str_copy(it.kind, sizeof it.kind, row->type) < 0 ||
	    str_copy(it.tif, sizeof it.tif, row->tif[0] ? row->tif :
	    "GTC") < 0 ||
	    str_copy(it.qty, sizeof it.qty, row->qty) < 0 ||
	    str_copy(it.price, sizeof it.price, row->price) < 0)
		return 2;
	it.reduce_only = row->reduce_only;
	if (fx_parse(it.qty, strlen(it.qty), &it.qty_fx) != FX_OK ||
	    (it.price[0] && fx_parse(it.price, strlen(it.price),
	    &it.price_fx) != FX_OK))
		return 2;
	ord = add_order(o, &it, row->client_id);
	if (!ord)
		return 3;
	ord->created_ms = row->created_ms;
	ord->sent_ms = row->sent_ms;
	if (str_copy(ord->order_id, sizeof ord->order_id,
	    row->venue_order_id) < 0 ||
	    (row->status[0] && str_copy(ord->status, sizeof ord->status,
	    row->status) < 0))
		return 2;
	if (fx_parse(row->filled_qty, strlen(row->filled_qty), &ord->filled) !=
	    FX_OK)
		ord->filled = (struct fx){ 0, 0 };
	if (row->avg_price[0] && fx_parse(row->avg_price,
	    strlen(row->avg_price), &ord->avg) != FX_OK)
		ord->avg = (struct fx){ 0, 0 };
	if (state_fill_sum(o->s, ord->client_id, qty, avg, err,
	    sizeof err) < 0 ||
	    fx_parse(qty, strlen(qty), &ord->fills_seen) != FX_OK)
		return 4;
	if (strcmp(row->state, STATE_PENDING) == 0)
		return enqueue(o, ord, 0) < 0 ? 3 : 0;
	ord->phase = strcmp(row->state, STATE_OPEN) == 0 ? OMS_OPEN :
	    OMS_RESOLVE;
	return 0;
}

int
oms_recover(struct oms *o, char *err, size_t errsz)
{
	size_t before = o->nactive;
	int r;

	r = state_unfinished(o->s, o->venue, o->market, recover_one, o, err,
	    errsz);
	if (r > 0) {
		snprintf(err, errsz, "%s", r == 3 ? "no memory for the "
		    "orders" : "an unfinished intent cannot be read back");
		errno = r == 3 ? ENOMEM : EINVAL;
		return -1;
	}
	if (r < 0)
		return -1;
	return (int)(o->nactive - before);
}
