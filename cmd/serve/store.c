/*
 * store.c: the endpoints over mkt-exec's state store (--state):
 * /api/orders, /api/positions and /api/fills, each read through a
 * read-only connection of its own per request (store/state.h), so that
 * a running mkt-exec never waits for a reader.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/state.h"

#include "serve.h"

struct rows {
	struct req *r;
	uint64_t count;
};

static void
put_str(struct buf *b, const char *key, const char *v)
{
	buf_addc(b, '"');
	buf_adds(b, key);
	buf_adds(b, "\":");
	buf_add_jstr(b, v, strlen(v));
}

static void
put_num(struct buf *b, const char *key, const char *v)
{
	buf_addc(b, '"');
	buf_adds(b, key);
	buf_adds(b, "\":");
	put_dec(b, v);
}

/* The next row's separator; non-zero stops a walk whose answer is too
 * large already. */
static int
next_row(struct rows *w)
{
	if (w->count++)
		buf_addc(w->r->body, ',');
	return buf_failed(w->r->body) != 0;
}

static int
put_order(void *ctx, const struct state_strat_intent *in)
{
	struct rows *w = ctx;
	struct buf *b = w->r->body;

	if (next_row(w))
		return 1;
	buf_addc(b, '{');
	put_str(b, "id", in->intent_id);
	buf_addc(b, ',');
	put_str(b, "venue", in->venue);
	buf_addc(b, ',');
	put_str(b, "market", in->market);
	buf_addc(b, ',');
	put_str(b, "symbol", in->symbol);
	buf_addc(b, ',');
	put_str(b, "side", in->side);
	buf_addc(b, ',');
	put_str(b, "kind", in->type);
	buf_addc(b, ',');
	put_num(b, "qty", in->qty);
	buf_addc(b, ',');
	put_num(b, "price", in->price);
	buf_addc(b, ',');
	put_str(b, "state", in->state);
	buf_addc(b, ',');
	put_num(b, "filled_qty", in->filled_qty);
	buf_adds(b, ",\"created\":");
	buf_addi(b, in->created_ms);
	buf_addc(b, '}');
	return 0;
}

static int
put_position(void *ctx, const struct state_position_row *p)
{
	struct rows *w = ctx;
	struct buf *b = w->r->body;

	if (next_row(w))
		return 1;
	buf_addc(b, '{');
	put_str(b, "venue", p->venue);
	buf_addc(b, ',');
	put_str(b, "market", p->market);
	buf_addc(b, ',');
	put_str(b, "symbol", p->symbol);
	buf_addc(b, ',');
	put_num(b, "qty", p->qty);
	buf_addc(b, ',');
	put_num(b, "entry_price", p->entry_price);
	buf_addc(b, ',');
	put_num(b, "realized_pnl", p->realized_pnl);
	buf_adds(b, ",\"updated\":");
	buf_addi(b, p->updated_ms);
	buf_addc(b, '}');
	return 0;
}

static int
put_fill(void *ctx, const struct state_report_fill *f)
{
	struct rows *w = ctx;
	struct buf *b = w->r->body;

	if (next_row(w))
		return 1;
	buf_addc(b, '{');
	put_str(b, "venue", f->venue);
	buf_addc(b, ',');
	put_str(b, "market", f->market);
	buf_addc(b, ',');
	put_str(b, "symbol", f->symbol);
	buf_addc(b, ',');
	put_str(b, "side", f->side);
	buf_addc(b, ',');
	put_num(b, "price", f->price);
	buf_addc(b, ',');
	put_num(b, "qty", f->qty);
	buf_addc(b, ',');
	put_num(b, "fee", f->fee);
	buf_addc(b, ',');
	put_str(b, "fee_asset", f->fee_asset);
	buf_addc(b, ',');
	put_str(b, "client_id", f->client_id);
	buf_addc(b, ',');
	put_str(b, "trade_id", f->trade_id);
	buf_adds(b, ",\"time\":");
	buf_addi(b, f->time_ms);
	buf_addc(b, '}');
	return 0;
}

/* The store's answer, or its failure: 404 without --state, 503 when it
 * cannot be read. */
static int
finish(struct req *r, struct rows *w, int rc, const char *err)
{
	if (rc < 0)
		return req_error(r, 503, NULL, "state: '%s': %s",
		    r->sv->o->state, err);
	if (rc > 0)
		return 0;	/* the body failed: http.c answers */
	buf_adds(r->body, "],\"count\":");
	buf_addf(r->body, "%" PRIu64, w->count);
	buf_adds(r->body, "}\n");
	return 0;
}

static int
no_store(struct req *r)
{
	return req_error(r, 404, NULL, "no state store: start mkt-serve "
	    "with --state DB");
}

int
api_orders(struct req *r)
{
	static const char *const known[] = { NULL };
	struct state_strat *s;
	struct rows w = { r, 0 };
	char err[512];
	int rc;

	if (!r->sv->o->state)
		return no_store(r);
	if (!req_known(r, known))
		return 0;
	if (state_strat_open(&s, r->sv->o->state, err, sizeof err) < 0)
		return finish(r, &w, -1, err);
	buf_adds(r->body, "{\"data\":[");
	rc = state_strat_intents(s, "", put_order, &w, err, sizeof err);
	state_strat_close(s);
	return finish(r, &w, rc, err);
}

int
api_positions(struct req *r)
{
	static const char *const known[] = { "venue", "market", NULL };
	const char *venue, *market;
	struct state_report *s;
	struct rows w = { r, 0 };
	char err[512];
	int rc;

	if (!r->sv->o->state)
		return no_store(r);
	if (!req_known(r, known) || req_name(r, "venue", &venue) < 0 ||
	    req_name(r, "market", &market) < 0)
		return 0;
	if (state_report_open(&s, r->sv->o->state, err, sizeof err) < 0)
		return finish(r, &w, -1, err);
	buf_adds(r->body, "{\"data\":[");
	rc = state_report_positions(s, venue, market, put_position, &w, err,
	    sizeof err);
	state_report_close(s);
	return finish(r, &w, rc, err);
}

int
api_fills(struct req *r)
{
	static const char *const known[] = { "venue", "market", NULL };
	const char *venue, *market;
	struct state_report *s;
	struct rows w = { r, 0 };
	char err[512];
	int rc;

	if (!r->sv->o->state)
		return no_store(r);
	if (!req_known(r, known) || req_name(r, "venue", &venue) < 0 ||
	    req_name(r, "market", &market) < 0)
		return 0;
	if (state_report_open(&s, r->sv->o->state, err, sizeof err) < 0)
		return finish(r, &w, -1, err);
	buf_adds(r->body, "{\"data\":[");
	rc = state_report_fills(s, INT64_MAX, venue, market, put_fill, &w,
	    err, sizeof err);
	state_report_close(s);
	return finish(r, &w, rc, err);
}
