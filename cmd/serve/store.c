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

/* One member of a row's object: a JSON string, an exact decimal, or an
 * integer (ms). */
struct col {
	const char *key;
	enum { COL_STR, COL_DEC, COL_INT } kind;
	const char *s;
	int64_t i;
};

#define STR(k, v) { k, COL_STR, v, 0 }
#define DEC(k, v) { k, COL_DEC, v, 0 }
#define INT(k, v) { k, COL_INT, NULL, v }

/* The next row, as an object of n members; non-zero stops a walk whose
 * answer is too large already. */
static int
put_row(struct rows *w, const struct col *c, size_t n)
{
	struct buf *b = w->r->body;
	size_t i;

	if (w->count++)
		buf_addc(b, ',');
	buf_addc(b, '{');
	for (i = 0; i < n; i++) {
		if (i)
			buf_addc(b, ',');
		buf_addc(b, '"');
		buf_adds(b, c[i].key);
		buf_adds(b, "\":");
		if (c[i].kind == COL_STR)
			buf_add_jstr(b, c[i].s, strlen(c[i].s));
		else if (c[i].kind == COL_DEC)
			put_dec(b, c[i].s);
		else
			buf_addi(b, c[i].i);
	}
	buf_addc(b, '}');
	return buf_failed(b) != 0;
}

static int
put_order(void *ctx, const struct state_strat_intent *in)
{
	const struct col c[] = {
		STR("id", in->intent_id), STR("venue", in->venue),
		STR("market", in->market), STR("symbol", in->symbol),
		STR("side", in->side), STR("kind", in->type),
		DEC("qty", in->qty), DEC("price", in->price),
		STR("state", in->state), DEC("filled_qty", in->filled_qty),
		INT("created", in->created_ms),
	};

	return put_row(ctx, c, sizeof c / sizeof c[0]);
}

static int
put_position(void *ctx, const struct state_position_row *p)
{
	const struct col c[] = {
		STR("venue", p->venue), STR("market", p->market),
		STR("symbol", p->symbol), DEC("qty", p->qty),
		DEC("entry_price", p->entry_price),
		DEC("realized_pnl", p->realized_pnl),
		INT("updated", p->updated_ms),
	};

	return put_row(ctx, c, sizeof c / sizeof c[0]);
}

static int
put_fill(void *ctx, const struct state_report_fill *f)
{
	const struct col c[] = {
		STR("venue", f->venue), STR("market", f->market),
		STR("symbol", f->symbol), STR("side", f->side),
		DEC("price", f->price), DEC("qty", f->qty), DEC("fee", f->fee),
		STR("fee_asset", f->fee_asset), STR("client_id", f->client_id),
		STR("trade_id", f->trade_id), INT("time", f->time_ms),
	};

	return put_row(ctx, c, sizeof c / sizeof c[0]);
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

/*
 * The report side of the store for /api/positions and /api/fills: their
 * venue and market filters read, the store opened and the answer begun.
 * 1 with *s open; 0 when the request is answered already (an error),
 * or -1 as req_error() fails.
 */
static int
report_begin(struct req *r, struct state_report **s, const char **venue,
    const char **market)
{
	static const char *const known[] = { "venue", "market", NULL };
	char err[512];

	if (!r->sv->o->state)
		return no_store(r) < 0 ? -1 : 0;
	if (!req_known(r, known) || req_name(r, "venue", venue) < 0 ||
	    req_name(r, "market", market) < 0)
		return 0;
	if (state_report_open(s, r->sv->o->state, err, sizeof err) < 0)
		return finish(r, NULL, -1, err) < 0 ? -1 : 0;
	buf_adds(r->body, "{\"data\":[");
	return 1;
}

int
api_positions(struct req *r)
{
	const char *venue, *market;
	struct state_report *s;
	struct rows w = { r, 0 };
	char err[512];
	int rc;

	if ((rc = report_begin(r, &s, &venue, &market)) <= 0)
		return rc;
	rc = state_report_positions(s, venue, market, put_position, &w, err,
	    sizeof err);
	state_report_close(s);
	return finish(r, &w, rc, err);
}

int
api_fills(struct req *r)
{
	const char *venue, *market;
	struct state_report *s;
	struct rows w = { r, 0 };
	char err[512];
	int rc;

	if ((rc = report_begin(r, &s, &venue, &market)) <= 0)
		return rc;
	rc = state_report_fills(s, INT64_MAX, venue, market, put_fill, &w,
	    err, sizeof err);
	state_report_close(s);
	return finish(r, &w, rc, err);
}
