/*
 * pm.c: the Polymarket CLOB market channel (/ws/market): subscriptions
 * by token id, the text PING answered PONG (unless --no-pong), book
 * dumps, price_change and last_trade_price messages rendered from each
 * token's market.  Every token is a market of its own around 0.5, so a
 * market's YES and NO tokens sum to about 1.
 */
#include <stdio.h>
#include <string.h>

#include "prog/err.h"
#include "venue/polymarket/polymarket.h"

#include "sim.h"

/* What the book hash is computed with (the venue's usual values). */
#define PM_MIN_ORDER_SIZE "5"
#define PM_TICK_SIZE "0.001"

/* The condition id of every simulated token: one market for all. */
#define PM_MARKET "0x6d6b7473696d0000000000000000000000000000000000000000000000000000"

static void
put_str_px(struct buf *b, const struct inst *in, int64_t px)
{
	buf_addc(b, '"');
	if (simmarket_put_px(b, in->sm, px, -1) < 0)
		die("%s: a price of %lld ticks does not fit a decimal",
		    in->sm->p.symbol, (long long)px);
	buf_addc(b, '"');
}

static void
put_str_qty(struct buf *b, const struct inst *in, int64_t qty)
{
	buf_addc(b, '"');
	simmarket_put_qty(b, in->sm, qty, -1);
	buf_addc(b, '"');
}

/* A side as the venue sends it: {price, size} objects, best last. */
static void
put_side(struct buf *b, const struct inst *in, const struct sm_side *s)
{
	size_t i;

	buf_addc(b, '[');
	for (i = 0; i < s->n; i++) {
		buf_adds(b, i ? ",{\"price\":" : "{\"price\":");
		put_str_px(b, in, s->lv[i].px);
		buf_adds(b, ",\"size\":");
		put_str_qty(b, in, s->lv[i].qty);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

/*
 * A book message for in, appended to b, with the venue's hash: the
 * message is written with an empty hash, hashed, and the hash put in.
 */
static void
pm_render_book(struct buf *b, const struct inst *in, int rest)
{
	const struct simmarket *m = in->sm;
	size_t start = b->len, at, where;
	struct json_obj o;
	const char *why;
	char hex[41];

	buf_adds(b, "{\"market\":\"" PM_MARKET "\",\"asset_id\":");
	buf_add_jstr(b, m->p.symbol, strlen(m->p.symbol));
	buf_addf(b, ",\"timestamp\":\"%lld\",\"hash\":\"",
	    (long long)ev_time(m->time));
	at = b->len;
	buf_adds(b, "0000000000000000000000000000000000000000\",\"bids\":");
	put_side(b, in, &m->bid);
	buf_adds(b, ",\"asks\":");
	put_side(b, in, &m->ask);
	/* A REST reply names the metadata instead of the event. */
	buf_adds(b, rest ? ",\"min_order_size\":\"" PM_MIN_ORDER_SIZE "\","
	    "\"tick_size\":\"" PM_TICK_SIZE "\",\"neg_risk\":false" :
	    ",\"tick_size\":\"" PM_TICK_SIZE "\",\"event_type\":\"book\"");
	buf_adds(b, ",\"last_trade_price\":");
	put_str_px(b, in, in->last_trade_px ? in->last_trade_px : m->mid);
	buf_addc(b, '}');
	if (buf_failed(b))
		return;
	if (json_parse_object(b->p + start, b->len - start, &o, &why,
	    &where) < 0 || polymarket_book_hash(&o, PM_MIN_ORDER_SIZE,
	    strlen(PM_MIN_ORDER_SIZE), 0, hex) < 0)
		die("%s: cannot hash a book message", m->p.symbol);
	memcpy(b->p + at, hex, 40);
}

/* The dump of subs[from..] of c: one JSON array of book messages. */
static void
pm_dump(struct conn *c, size_t from)
{
	struct buf *b = &c->sim->out;
	size_t i;
	int n = 0;

	buf_reset(b);
	buf_addc(b, '[');
	for (i = from; i < c->nsubs; i++) {
		if (n++)
			buf_addc(b, ',');
		pm_render_book(b, c->subs[i].in, 0);
	}
	buf_addc(b, ']');
	if (n)
		conn_send_out(c);
}

/* Subscribe (add) or unsubscribe the tokens of ids; a new token's book
 * is dumped when dump is set.  Unknown tokens are ignored, as the venue
 * does. */
static void
pm_subscribe(struct conn *c, const struct json_span *ids, int add, int dump)
{
	struct json_iter it;
	struct json_span v;
	struct sub sub;
	char id[sizeof sub.name];
	size_t first = c->nsubs;

	if (!ids || ids->type != JSON_ARRAY)
		return;
	json_iter_init(&it, ids);
	while (json_next(&it, &v)) {
		if (v.type != JSON_STRING ||
		    json_str_copy(&v, id, sizeof id) <= 0)
			continue;
		if (!add) {
			conn_del_sub(c, id);
			continue;
		}
		memset(&sub, 0, sizeof sub);
		sub.kind = SUB_PM_BOOK;
		sub.in = find_inst(c->sim, MK_PM_CLOB, id, strlen(id));
		if (!sub.in)
			continue;
		snprintf(sub.name, sizeof sub.name, "%s", id);
		if (conn_add_sub(c, &sub) < 0)
			break;
	}
	if (add && dump)
		pm_dump(c, first);
}

void
pm_control(struct conn *c, const char *p, size_t n)
{
	struct json_obj o;
	const struct json_span *op, *dump;
	const char *why;
	size_t where;

	if (n == 4 && memcmp(p, "PING", 4) == 0) {
		if (c->sim->o->no_pong)
			return;
		c->pongs++;
		if (c->sim->o->verbose)
			warn("connection %llu: PONG %llu",
			    (unsigned long long)c->id,
			    (unsigned long long)c->pongs);
		buf_reset(&c->sim->out);
		buf_adds(&c->sim->out, "PONG");
		conn_send_out(c);
		return;
	}
	if (json_parse_object(p, n, &o, &why, &where) < 0)
		return;
	op = json_get(&o, "operation");
	dump = json_get(&o, "initial_dump");
	if (json_str_is(op, "unsubscribe"))
		pm_subscribe(c, json_get(&o, "assets_ids"), 0, 0);
	else
		pm_subscribe(c, json_get(&o, "assets_ids"), 1,
		    !dump || dump->type != JSON_FALSE);
}

/* One price_change item per level of a diff side. */
static int
put_changes(struct buf *b, const struct inst *in, const struct sm_level *lv,
    size_t n, const char *side, int k)
{
	size_t i;

	for (i = 0; i < n; i++, k++) {
		buf_adds(b, k ? ",{\"asset_id\":" : "{\"asset_id\":");
		buf_add_jstr(b, in->sm->p.symbol, strlen(in->sm->p.symbol));
		buf_adds(b, ",\"price\":");
		put_str_px(b, in, lv[i].px);
		buf_adds(b, ",\"size\":");
		put_str_qty(b, in, lv[i].qty);
		buf_addf(b, ",\"side\":\"%s\",\"hash\":\"\"}", side);
	}
	return k;
}

static void
pm_render_changes(struct buf *b, struct inst *in, const struct sm_diff *d)
{
	int k;

	buf_addf(b, "{\"market\":\"" PM_MARKET "\",\"price_changes\":[");
	k = put_changes(b, in, d->bid, d->nbid, "BUY", 0);
	put_changes(b, in, d->ask, d->nask, "SELL", k);
	buf_addf(b, "],\"timestamp\":\"%lld\",\"event_type\":\"price_change\"}",
	    (long long)ev_time(in->sm->time));
}

static void
pm_render_trade(struct buf *b, struct inst *in, const struct sm_trade *t)
{
	buf_adds(b, "{\"asset_id\":");
	buf_add_jstr(b, in->sm->p.symbol, strlen(in->sm->p.symbol));
	buf_adds(b, ",\"event_type\":\"last_trade_price\",\"fee_rate_bps\":"
	    "\"0\",\"market\":\"" PM_MARKET "\",\"price\":");
	put_str_px(b, in, t->px);
	buf_addf(b, ",\"side\":\"%s\",\"size\":", t->taker_buy ? "BUY" :
	    "SELL");
	put_str_qty(b, in, t->qty);
	buf_addf(b, ",\"timestamp\":\"%lld\",\"transaction_hash\":\"0x%064llx\"}",
	    (long long)ev_time(t->time ? t->time : in->sm->time),
	    (unsigned long long)t->id);
	in->last_trade_px = t->px;
}

/* A step of the token of sub: its changes, then its trades. */
void
pm_publish(struct conn *c, struct sub *sub)
{
	struct inst *in = sub->in;
	struct sm_diff d;
	size_t i;

	simmarket_diff(in->sm, SM_VIEW_MAX, &d);
	if (d.nbid + d.nask) {
		buf_reset(&c->sim->out);
		pm_render_changes(&c->sim->out, in, &d);
		conn_send_out(c);
	}
	for (i = 0; i < in->sm->ntrades; i++) {
		buf_reset(&c->sim->out);
		pm_render_trade(&c->sim->out, in, &in->sm->trades[i]);
		conn_send_out(c);
	}
}

/* GET /book?token_id=ID: the token's book as the venue answers it, or
 * 404 {"error":...} for a token not served. */
unsigned
pm_rest_book(struct sim *s, struct lws *wsi, struct conn *c)
{
	const char *id = lws_get_urlarg_by_name(wsi, "token_id=", s->arg,
	    ARG_MAX);
	struct inst *in = id ? find_inst(s, MK_PM_CLOB, id, strlen(id)) : NULL;

	if (!in) {
		buf_adds(&c->body, "{\"error\":\"No orderbook exists for the "
		    "requested token id\"}");
		return 404;
	}
	pm_render_book(&c->body, in, 1);
	return 200;
}
