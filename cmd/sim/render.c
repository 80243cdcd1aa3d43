/*
 * render.c: the venues' wire formats: Binance depth, partial depth,
 * bookTicker and trade messages, Bybit order book and trade messages,
 * rendered from an instrument's last step.
 */


#include <string.h>

#include "base/timeutil.h"
#include "prog/err.h"

#include "sim.h"

/* ---------------------------------------------------------------- */
/* Rendering: the venues' wire formats */

/* Binance spot writes 8 decimals; the others the instrument's own. */
static int
px_dp(const struct inst *in)
{
	return in->mk == MK_BN_SPOT ? 8 : in->sm->p.px_dp;
}

static int
qty_dp(const struct inst *in)
{
	return in->mk == MK_BN_SPOT ? 8 : simmarket_qty_dp(in->sm);
}

/* A price that does not fit a decimal is a market gone wrong: fatal. */
static void
put_px(struct buf *b, const struct inst *in, int64_t px)
{
	buf_addc(b, '"');
	if (simmarket_put_px(b, in->sm, px, px_dp(in)) < 0)
		die("%s: a price of %lld ticks does not fit a decimal",
		    in->sm->p.symbol, (long long)px);
	buf_addc(b, '"');
}

static void
put_qty(struct buf *b, const struct inst *in, int64_t qty)
{
	buf_addc(b, '"');
	simmarket_put_qty(b, in->sm, qty, qty_dp(in));
	buf_addc(b, '"');
}

/* Levels best first: n of them from first, stride apart (a diff is
 * stored best first, a side best last). */
struct run {
	const struct sm_level *first;
	size_t n;
	ptrdiff_t stride;
};

static struct run
run_of(const struct sm_level *lv, size_t n)
{
	return (struct run){ lv, n, 1 };
}

/* The top n levels of a side. */
static struct run
run_top(const struct sm_side *s, size_t n)
{
	if (!s->n)
		return (struct run){ s->lv, 0, 1 };
	return (struct run){ sm_at(s, 0), n < s->n ? n : s->n, -1 };
}

static void
put_levels(struct buf *b, const struct inst *in, struct run r)
{
	const struct sm_level *lv = r.first;
	size_t i;

	buf_addc(b, '[');
	for (i = 0; i < r.n; i++, lv += r.stride) {
		buf_adds(b, i ? ",[" : "[");
		put_px(b, in, lv->px);
		buf_addc(b, ',');
		put_qty(b, in, lv->qty);
		buf_addc(b, ']');
	}
	buf_addc(b, ']');
}

/* The top n levels of a side. */
void
put_top(struct buf *b, const struct inst *in, const struct sm_side *side,
    size_t n)
{
	put_levels(b, in, run_top(side, n));
}

/* The time of what is served: a replayed event's own, else now. */
int64_t
ev_time(int64_t t)
{
	return t ? t : time_now_ms();
}

void
put_key_int(struct buf *b, const char *key, int64_t v)
{
	buf_adds(b, key);
	buf_addi(b, v);
}

void
put_symbol(struct buf *b, const char *key, const struct inst *in)
{
	buf_adds(b, key);
	buf_add_jstr(b, in->sm->p.symbol, strlen(in->sm->p.symbol));
}

/* depthUpdate with the given levels (a diff, or the top for partial
 * futures streams). */
static void
bn_depth_body(struct buf *b, const struct inst *in, struct run bid,
    struct run ask)
{
	const struct simmarket *m = in->sm;
	int64_t now = ev_time(m->time);

	put_key_int(b, "{\"e\":\"depthUpdate\",\"E\":", now);
	if (in->mk == MK_BN_FUT)
		put_key_int(b, ",\"T\":", now);
	put_symbol(b, ",\"s\":", in);
	put_key_int(b, ",\"U\":", (int64_t)m->first_id);
	put_key_int(b, ",\"u\":", (int64_t)m->last_id);
	if (in->mk == MK_BN_FUT)
		put_key_int(b, ",\"pu\":", (int64_t)m->prev_id);
	buf_adds(b, ",\"b\":");
	put_levels(b, in, bid);
	buf_adds(b, ",\"a\":");
	put_levels(b, in, ask);
	buf_addc(b, '}');
}

void
bn_render_depth(struct buf *b, struct inst *in)
{
	struct sm_diff d;

	simmarket_diff(in->sm, 0, &d);
	bn_depth_body(b, in, run_of(d.bid, d.nbid), run_of(d.ask, d.nask));
}

void
bn_render_partial(struct buf *b, struct inst *in, size_t depth)
{
	const struct simmarket *m = in->sm;

	if (in->mk == MK_BN_FUT) {
		bn_depth_body(b, in, run_top(&m->bid, depth),
		    run_top(&m->ask, depth));
		return;
	}
	put_key_int(b, "{\"lastUpdateId\":", (int64_t)m->last_id);
	buf_adds(b, ",\"bids\":");
	put_top(b, in, &m->bid, depth);
	buf_adds(b, ",\"asks\":");
	put_top(b, in, &m->ask, depth);
	buf_addc(b, '}');
}

int
top_changed(const struct simmarket *m)
{
	const struct sm_side *s[2][2] = {
		{ &m->bid, &m->prev_bid }, { &m->ask, &m->prev_ask },
	};
	int i;

	for (i = 0; i < 2; i++) {
		const struct sm_side *cur = s[i][0], *old = s[i][1];

		if (!cur->n || !old->n)
			return cur->n != old->n;
		if (sm_at(cur, 0)->px != sm_at(old, 0)->px ||
		    sm_at(cur, 0)->qty != sm_at(old, 0)->qty)
			return 1;
	}
	return 0;
}

/* bookTicker: t's prices, its id (else the book's) and time (else now). */
void
bn_render_ticker(struct buf *b, const struct inst *in,
    const struct sr_ticker *t)
{
	int64_t now = ev_time(t->time);

	if (in->mk == MK_BN_FUT)
		buf_adds(b, "{\"e\":\"bookTicker\",\"u\":");
	else
		buf_adds(b, "{\"u\":");
	buf_addi(b, (int64_t)(t->has_last_id ? t->last_id :
	    in->sm->last_id));
	put_symbol(b, ",\"s\":", in);
	buf_adds(b, ",\"b\":");
	put_px(b, in, t->bid);
	buf_adds(b, ",\"B\":");
	put_qty(b, in, t->bid_qty);
	buf_adds(b, ",\"a\":");
	put_px(b, in, t->ask);
	buf_adds(b, ",\"A\":");
	put_qty(b, in, t->ask_qty);
	if (in->mk == MK_BN_FUT) {
		put_key_int(b, ",\"T\":", now);
		put_key_int(b, ",\"E\":", now);
	}
	buf_addc(b, '}');
}

void
bn_render_trade(struct buf *b, const struct inst *in, const struct sm_trade *t,
    int agg)
{
	int64_t now = ev_time(t->time);

	buf_adds(b, agg ? "{\"e\":\"aggTrade\"" : "{\"e\":\"trade\"");
	put_key_int(b, ",\"E\":", now);
	if (in->mk == MK_BN_FUT && !agg)
		put_key_int(b, ",\"T\":", now);
	put_symbol(b, ",\"s\":", in);
	put_key_int(b, agg ? ",\"a\":" : ",\"t\":", (int64_t)t->id);
	buf_adds(b, ",\"p\":");
	put_px(b, in, t->px);
	buf_adds(b, ",\"q\":");
	put_qty(b, in, t->qty);
	if (agg) {
		put_key_int(b, ",\"f\":", (int64_t)t->id);
		put_key_int(b, ",\"l\":", (int64_t)t->id);
	}
	if (in->mk == MK_BN_FUT && !agg)
		buf_adds(b, ",\"X\":\"MARKET\"");
	else
		put_key_int(b, ",\"T\":", now);
	buf_adds(b, t->taker_buy ? ",\"m\":false" : ",\"m\":true");
	if (in->mk == MK_BN_SPOT)
		buf_adds(b, ",\"M\":true");
	buf_addc(b, '}');
}

/* Bybit orderbook message: the top `depth` levels (snapshot) or the
 * changes of that view (delta).  Spot writes "ts" before "type". */
void
by_render_book(struct buf *b, struct inst *in, const struct sub *sub,
    int snapshot)
{
	struct simmarket *m = in->sm;
	int64_t now = ev_time(m->time);
	const char *type = snapshot ? "\"snapshot\"" : "\"delta\"";
	struct sm_diff d;

	buf_adds(b, "{\"topic\":");
	buf_add_jstr(b, sub->name, strlen(sub->name));
	if (in->mk == MK_BY_SPOT)
		put_key_int(b, ",\"ts\":", now);
	buf_adds(b, ",\"type\":");
	buf_adds(b, type);
	if (in->mk != MK_BY_SPOT)
		put_key_int(b, ",\"ts\":", now);
	put_symbol(b, ",\"data\":{\"s\":", in);
	if (snapshot) {
		buf_adds(b, ",\"b\":");
		put_top(b, in, &m->bid, sub->depth);
		buf_adds(b, ",\"a\":");
		put_top(b, in, &m->ask, sub->depth);
	} else {
		simmarket_diff(m, sub->depth, &d);
		buf_adds(b, ",\"b\":");
		put_levels(b, in, run_of(d.bid, d.nbid));
		buf_adds(b, ",\"a\":");
		put_levels(b, in, run_of(d.ask, d.nask));
	}
	put_key_int(b, ",\"u\":", (int64_t)m->last_id);
	put_key_int(b, ",\"seq\":", (int64_t)m->seq);
	put_key_int(b, "},\"cts\":", now);
	buf_addc(b, '}');
}

static const char *
tick_direction(struct inst *in, int64_t px)
{
	if (px != in->last_trade_px && in->last_trade_px)
		in->last_tick_up = px > in->last_trade_px;
	if (px == in->last_trade_px || !in->last_trade_px) {
		in->last_trade_px = px;
		return in->last_tick_up ? "ZeroPlusTick" : "ZeroMinusTick";
	}
	in->last_trade_px = px;
	return in->last_tick_up ? "PlusTick" : "MinusTick";
}

void
by_render_trades(struct buf *b, struct inst *in, const struct sub *sub)
{
	const struct simmarket *m = in->sm;
	int64_t now = ev_time(m->time);
	size_t i;

	buf_adds(b, "{\"topic\":");
	buf_add_jstr(b, sub->name, strlen(sub->name));
	put_key_int(b, ",\"type\":\"snapshot\",\"ts\":", now);
	buf_adds(b, ",\"data\":[");
	for (i = 0; i < m->ntrades; i++) {
		const struct sm_trade *t = &m->trades[i];

		put_key_int(b, i ? ",{\"T\":" : "{\"T\":",
		    t->time ? t->time : now);
		put_symbol(b, ",\"s\":", in);
		buf_adds(b, t->taker_buy ? ",\"S\":\"Buy\"" :
		    ",\"S\":\"Sell\"");
		buf_adds(b, ",\"v\":");
		put_qty(b, in, t->qty);
		buf_adds(b, ",\"p\":");
		put_px(b, in, t->px);
		buf_adds(b, ",\"L\":\"");
		buf_adds(b, tick_direction(in, t->px));
		buf_adds(b, "\",\"i\":");
		if (t->id_text[0]) {
			buf_add_jstr(b, t->id_text, strlen(t->id_text));
		} else {
			buf_addc(b, '"');
			buf_addi(b, (int64_t)t->id);
			buf_addc(b, '"');
		}
		put_key_int(b, ",\"BT\":false,\"seq\":", (int64_t)m->seq);
		buf_addc(b, '}');
	}
	buf_adds(b, "]}");
}
