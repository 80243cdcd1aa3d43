/*
 * simorders.c: the matching engine of mkt-sim's private side (see
 * simorders.h).  Orders are found by scanning: a simulator holds
 * thousands of orders, not millions, and a scan keeps "the latest order
 * with this client id" trivially right.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/simorders.h"

/* The liquidity taken from one book since its last step, per side:
 * [0] from the bids (by sells), [1] from the asks (by buys), that the
 * market itself does not show: what resting orders crossed by a step
 * took, and a taker's fills in a replayed market. */
struct so_book {
	int market;
	char symbol[96];
	uint64_t steps;		/* the market's steps when last reset */
	struct sm_level *taken[2];
	size_t n[2], cap[2];
};

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Ids start at a seed-given multiple of a million, so that two runs
 * with different seeds do not share ids, and a run is repeatable. */
static uint64_t
id_base(uint64_t seed, uint64_t salt)
{
	return (mix64(seed ^ (salt * 0x100000001b3ULL)) % 9000 + 1000) *
	    1000000 + 1;
}

void
so_init(struct so_engine *e, uint64_t seed, int64_t fee_ppm)
{
	int i;

	memset(e, 0, sizeof *e);
	e->seed = seed;
	e->fee_ppm = fee_ppm;
	e->next_order_id = id_base(seed, 0);
	for (i = 0; i < SO_MARKETS_MAX; i++)
		e->next_trade_id[i] = id_base(seed, (uint64_t)i + 1);
}

void
so_free(struct so_engine *e)
{
	size_t i;

	for (i = 0; i < e->norders; i++) {
		free(e->orders[i]->fills);
		free(e->orders[i]);
	}
	free(e->orders);
	free(e->pos);
	free(e->bal);
	for (i = 0; i < e->nbooks; i++) {
		free(e->books[i].taken[0]);
		free(e->books[i].taken[1]);
	}
	free(e->books);
	memset(e, 0, sizeof *e);
}

/* Room for one more element of size sz in *p (n used, *cap held). */
static int
grow(void *pp, size_t n, size_t *cap, size_t sz)
{
	void **p = pp;
	size_t nc;
	void *q;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	q = realloc(*p, nc * sz);
	if (!q)
		return -1;
	*p = q;
	*cap = nc;
	return 0;
}

int
so_is_open(const struct so_order *o)
{
	return o->status == SO_NEW || o->status == SO_PARTIAL;
}

void
so_assets(const char *symbol, char q[SO_ASSET_MAX], char b[SO_ASSET_MAX])
{
	static const char *quotes[] = { "USDT", "USDC", "FDUSD", "BUSD",
	    "BTC", "ETH" };
	size_t n = strlen(symbol), i, k;

	for (i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
		k = strlen(quotes[i]);
		if (n > k && strcmp(symbol + n - k, quotes[i]) == 0)
			break;
	}
	if (i == sizeof quotes / sizeof quotes[0]) {
		snprintf(q, SO_ASSET_MAX, "USDT");
		if (b)
			snprintf(b, SO_ASSET_MAX, "%.15s", symbol);
		return;
	}
	snprintf(q, SO_ASSET_MAX, "%s", quotes[i]);
	if (b)
		snprintf(b, SO_ASSET_MAX, "%.*s",
		    (int)(n - k < SO_ASSET_MAX - 1 ? n - k : SO_ASSET_MAX - 1),
		    symbol);
}

int64_t
so_quote(const struct simmarket *m, int64_t px, int64_t qty)
{
	__int128 v = (__int128)px * m->p.tick * qty;
	int i;

	for (i = 0; i < m->p.px_dp; i++)
		v /= 10;
	return (int64_t)v;
}

/* ---------------------------------------------------------------- */
/* Accounts */

static struct so_balance *
balance_of(struct so_engine *e, int market, const char *asset, int64_t start)
{
	size_t i;
	struct so_balance *b;

	for (i = 0; i < e->nbal; i++)
		if (e->bal[i].market == market &&
		    strcmp(e->bal[i].asset, asset) == 0)
			return &e->bal[i];
	if (grow(&e->bal, e->nbal, &e->capbal, sizeof *e->bal) < 0)
		return NULL;
	b = &e->bal[e->nbal++];
	b->market = market;
	snprintf(b->asset, sizeof b->asset, "%s", asset);
	b->amount = start;
	return b;
}

static int64_t
start_of(int derivative, const char *asset, const char *quote)
{
	if (strcmp(asset, quote) == 0)
		return SO_START_QUOTE;
	return derivative ? 0 : SO_START_BASE;
}

int64_t
so_balance(const struct so_engine *e, int market, int derivative,
    const char *asset)
{
	size_t i;

	for (i = 0; i < e->nbal; i++)
		if (e->bal[i].market == market &&
		    strcmp(e->bal[i].asset, asset) == 0)
			return e->bal[i].amount;
	return start_of(derivative, asset, "USDT");
}

static struct so_position *
position_of(struct so_engine *e, int market, const char *symbol)
{
	size_t i;
	struct so_position *p;

	for (i = 0; i < e->npos; i++)
		if (e->pos[i].market == market &&
		    strcmp(e->pos[i].symbol, symbol) == 0)
			return &e->pos[i];
	if (grow(&e->pos, e->npos, &e->cappos, sizeof *e->pos) < 0)
		return NULL;
	p = &e->pos[e->npos++];
	memset(p, 0, sizeof *p);
	p->market = market;
	snprintf(p->symbol, sizeof p->symbol, "%s", symbol);
	return p;
}

const struct so_position *
so_position(const struct so_engine *e, int market, const char *symbol)
{
	size_t i;

	for (i = 0; i < e->npos; i++)
		if (e->pos[i].market == market &&
		    strcmp(e->pos[i].symbol, symbol) == 0)
			return &e->pos[i];
	return NULL;
}

/* A fill of signed quantity dq for quote into p: the part that closes
 * the open quantity realises profit against its share of the cost. */
static int64_t
position_apply(struct so_position *p, int64_t dq, int64_t quote)
{
	int64_t sgn = dq > 0 ? 1 : -1, adq = dq > 0 ? dq : -dq;
	int64_t aq = p->qty > 0 ? p->qty : -p->qty, closing, cost_part;
	int64_t quote_part, realised = 0;

	if (p->qty == 0 || (p->qty > 0) == (dq > 0)) {
		p->qty += dq;
		p->cost += sgn * quote;
		return 0;
	}
	closing = adq < aq ? adq : aq;
	cost_part = (int64_t)((__int128)p->cost * closing / aq);
	quote_part = (int64_t)((__int128)quote * closing / adq);
	realised = (p->qty > 0 ? quote_part : -quote_part) - cost_part;
	p->qty += sgn * closing;
	p->cost -= cost_part;
	if (adq > closing) {
		p->qty += sgn * (adq - closing);
		p->cost += sgn * (quote - quote_part);
	}
	p->realised += realised;
	return realised;
}

/* Book a fill of o in its account: balances, or position and wallet. */
static int
account_apply(struct so_engine *e, const struct so_order *o,
    const struct so_fill *f)
{
	char qa[SO_ASSET_MAX], ba[SO_ASSET_MAX];
	int64_t sgn = o->side == SO_BUY ? 1 : -1, realised;
	struct so_balance *q, *b;
	struct so_position *p;

	so_assets(o->symbol, qa, ba);
	q = balance_of(e, o->market, qa, SO_START_QUOTE);
	if (!q)
		return -1;
	if (o->derivative) {
		p = position_of(e, o->market, o->symbol);
		if (!p)
			return -1;
		realised = position_apply(p, sgn * f->qty, f->quote);
		p->updated = f->time;
		q->amount += realised - f->fee;
		return 0;
	}
	b = balance_of(e, o->market, ba, SO_START_BASE);
	if (!b)
		return -1;
	b->amount += sgn * f->qty;
	q->amount -= sgn * f->quote + f->fee;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Liquidity taken */

static struct so_book *
book_of(struct so_engine *e, int market, const struct simmarket *m)
{
	size_t i;
	struct so_book *b;

	for (i = 0; i < e->nbooks; i++) {
		b = &e->books[i];
		if (b->market == market && strcmp(b->symbol, m->p.symbol) == 0)
			goto found;
	}
	if (grow(&e->books, e->nbooks, &e->capbooks, sizeof *e->books) < 0)
		return NULL;
	b = &e->books[e->nbooks++];
	memset(b, 0, sizeof *b);
	b->market = market;
	snprintf(b->symbol, sizeof b->symbol, "%s", m->p.symbol);
	b->steps = m->steps;
found:
	if (b->steps != m->steps) {
		b->n[0] = b->n[1] = 0;
		b->steps = m->steps;
	}
	return b;
}

static int64_t
taken_at(const struct so_book *b, int side, int64_t px)
{
	size_t i;

	for (i = 0; i < b->n[side]; i++)
		if (b->taken[side][i].px == px)
			return b->taken[side][i].qty;
	return 0;
}

static int
take(struct so_book *b, int side, int64_t px, int64_t qty)
{
	size_t i;

	for (i = 0; i < b->n[side]; i++)
		if (b->taken[side][i].px == px) {
			b->taken[side][i].qty += qty;
			return 0;
		}
	if (grow(&b->taken[side], b->n[side], &b->cap[side],
	    sizeof *b->taken[side]) < 0)
		return -1;
	b->taken[side][b->n[side]++] = (struct sm_level){ px, qty };
	return 0;
}

/* The side of the book an order of side s takes from (index of taken)
 * and the simmarket side itself. */
static const struct sm_side *
opposite(const struct simmarket *m, enum so_side s, int *idx)
{
	*idx = s == SO_BUY ? 1 : 0;
	return s == SO_BUY ? &m->ask : &m->bid;
}

/* Does level price lp satisfy the limit of o? */
static int
within(const struct so_order *o, int64_t lp)
{
	if (o->type == SO_MARKET)
		return 1;
	return o->side == SO_BUY ? lp <= o->px : lp >= o->px;
}

/* The quantity o could take from the book now (up to its remaining). */
static int64_t
takeable(const struct so_order *o, const struct simmarket *m,
    const struct so_book *b)
{
	int idx;
	const struct sm_side *s = opposite(m, o->side, &idx);
	int64_t want = o->qty - o->filled, got = 0, a;
	size_t i;

	for (i = 0; i < s->n && got < want; i++) {
		const struct sm_level *lv = sm_at(s, i);

		if (!within(o, lv->px))
			break;
		a = lv->qty - taken_at(b, idx, lv->px);
		if (a > 0)
			got += a;
	}
	return got < want ? got : want;
}

/* ---------------------------------------------------------------- */
/* Fills */

static int
add_fill(struct so_engine *e, struct so_order *o, const struct simmarket *m,
    int64_t px, int64_t qty, int maker, int64_t now)
{
	struct so_fill *f;

	if (grow(&o->fills, o->nfills, &o->capfills, sizeof *o->fills) < 0)
		return -1;
	f = &o->fills[o->nfills];
	f->trade_id = e->next_trade_id[o->market];
	f->px = px;
	f->qty = qty;
	f->quote = so_quote(m, px, qty);
	f->fee = (int64_t)((__int128)f->quote * e->fee_ppm / 1000000);
	f->maker = maker;
	f->time = now;
	if (account_apply(e, o, f) < 0)
		return -1;
	o->nfills++;
	e->next_trade_id[o->market]++;
	o->filled += qty;
	o->quote_filled += f->quote;
	o->fee += f->fee;
	o->status = o->filled == o->qty ? SO_FILLED : SO_PARTIAL;
	o->updated = now;
	return 0;
}

/* Take q at level px of side idx: out of the market itself, so that
 * its next diff and every snapshot show it; a replayed market, or one
 * whose take log is full, only has it marked as taken until its step. */
static int
take_from(struct simmarket *m, struct so_book *b, int idx, int64_t px,
    int64_t q)
{
	if (simmarket_take(m, idx == 0, px, q) == 0)
		return 0;
	return take(b, idx, px, q);
}

/* Take what o can from the book, level by level, as a taker. */
static int
match_taker(struct so_engine *e, struct so_order *o, struct simmarket *m,
    struct so_book *b, int64_t now)
{
	int idx;
	const struct sm_side *s = opposite(m, o->side, &idx);
	int64_t a, q, px;
	size_t i = 0, n;

	while (i < s->n && o->filled < o->qty) {
		const struct sm_level *lv = sm_at(s, i);

		if (!within(o, lv->px))
			break;
		a = lv->qty - taken_at(b, idx, lv->px);
		if (a <= 0) {
			i++;
			continue;
		}
		q = a < o->qty - o->filled ? a : o->qty - o->filled;
		px = lv->px;
		n = s->n;
		if (add_fill(e, o, m, px, q, 0, now) < 0 ||
		    take_from(m, b, idx, px, q) < 0)
			return -1;
		if (s->n == n)
			i++;	/* the level stays, what is left of it taken */
	}
	return 0;
}

static struct so_order *
open_with_cid(struct so_engine *e, int market, const char *cid)
{
	size_t i;

	for (i = e->norders; i-- > 0;) {
		struct so_order *o = e->orders[i];

		if (o->market == market && so_is_open(o) &&
		    strcmp(o->client_id, cid) == 0)
			return o;
	}
	return NULL;
}

static struct so_order *
new_order(struct so_engine *e, const struct so_req *r)
{
	struct so_order *o;

	if (grow(&e->orders, e->norders, &e->caporders,
	    sizeof *e->orders) < 0)
		return NULL;
	o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->market = r->market;
	o->derivative = r->derivative;
	snprintf(o->symbol, sizeof o->symbol, "%s", r->symbol);
	o->order_id = e->next_order_id;
	if (r->client_id && *r->client_id)
		snprintf(o->client_id, sizeof o->client_id, "%s",
		    r->client_id);
	else
		snprintf(o->client_id, sizeof o->client_id, "sim-%llu",
		    (unsigned long long)o->order_id);
	o->side = r->side;
	o->type = r->type;
	o->tif = r->type == SO_MARKET ? SO_IOC : r->tif;
	o->px = r->px;
	o->qty = r->qty;
	o->status = SO_NEW;
	o->created = o->updated = r->now;
	return o;
}

enum so_err
so_place(struct so_engine *e, const struct so_req *r,
    struct simmarket *m, struct so_order **out)
{
	struct so_order *o;
	struct so_book *b;
	int64_t can;

	*out = NULL;
	if (r->client_id && *r->client_id) {
		o = open_with_cid(e, r->market, r->client_id);
		if (o) {
			*out = o;
			return SO_DUPLICATE;
		}
	}
	b = book_of(e, r->market, m);
	o = b ? new_order(e, r) : NULL;
	if (!o)
		return SO_NOMEM;
	e->orders[e->norders++] = o;
	e->next_order_id++;
	*out = o;
	can = takeable(o, m, b);
	if (o->tif == SO_POST_ONLY && can > 0) {
		o->status = SO_EXPIRED;
		o->would_take = 1;
		return SO_OK;
	}
	if (o->tif == SO_FOK && can < o->qty) {
		o->status = SO_EXPIRED;
		return SO_OK;
	}
	if (match_taker(e, o, m, b, r->now) < 0)
		return SO_NOMEM;
	if (so_is_open(o) && o->tif != SO_GTC && o->tif != SO_POST_ONLY) {
		o->status = SO_EXPIRED;
		o->updated = r->now;
	}
	return SO_OK;
}

struct so_order *
so_find(struct so_engine *e, int market, const char *symbol, uint64_t oid,
    const char *cid)
{
	size_t i;

	for (i = e->norders; i-- > 0;) {
		struct so_order *o = e->orders[i];

		if (o->market != market ||
		    (symbol && strcmp(o->symbol, symbol) != 0))
			continue;
		if (oid ? o->order_id == oid :
		    (cid && strcmp(o->client_id, cid) == 0))
			return o;
	}
	return NULL;
}

enum so_err
so_cancel(struct so_engine *e, int market, const char *symbol, uint64_t oid,
    const char *cid, int64_t now, struct so_order **out)
{
	struct so_order *o = NULL;

	if (!oid && cid)
		o = open_with_cid(e, market, cid);
	if (o && symbol && strcmp(o->symbol, symbol) != 0)
		o = NULL;
	if (!o)
		o = so_find(e, market, symbol, oid, cid);
	*out = o;
	if (!o || !so_is_open(o))
		return SO_UNKNOWN;
	o->status = SO_CANCELED;
	o->updated = now;
	return SO_OK;
}

/* The volume of the last step's trades that went through or reached the
 * price of a resting order of side s at px. */
static int64_t
traded_through(const struct simmarket *m, enum so_side s, int64_t px)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < m->ntrades; i++) {
		const struct sm_trade *t = &m->trades[i];

		if (s == SO_BUY && !t->taker_buy && t->px <= px)
			v += t->qty;
		if (s == SO_SELL && t->taker_buy && t->px >= px)
			v += t->qty;
	}
	return v;
}

/* One resting order after a step: the trades that reached it (shared
 * with the orders of its side before it, *used[side]) then the levels
 * that now cross it, all at its own price, as a maker. */
static int
fill_resting(struct so_engine *e, struct so_order *o,
    const struct simmarket *m, struct so_book *b, int64_t used[2],
    int64_t now)
{
	int64_t want = o->qty - o->filled, v, q;
	int side = o->side == SO_BUY;

	v = traded_through(m, o->side, o->px) - used[side];
	if (v > 0) {
		q = v < want ? v : want;
		used[side] += q;
		if (add_fill(e, o, m, o->px, q, 1, now) < 0)
			return -1;
		want -= q;
	}
	if (want <= 0)
		return 1;
	q = takeable(o, m, b);
	if (q <= 0)
		return v > 0;
	/* Mark the crossing levels as taken, best first. */
	{
		int idx;
		const struct sm_side *s = opposite(m, o->side, &idx);
		int64_t left = q, a;
		size_t i;

		for (i = 0; i < s->n && left > 0; i++) {
			const struct sm_level *lv = sm_at(s, i);

			if (!within(o, lv->px))
				break;
			a = lv->qty - taken_at(b, idx, lv->px);
			if (a <= 0)
				continue;
			a = a < left ? a : left;
			if (take(b, idx, lv->px, a) < 0)
				return -1;
			left -= a;
		}
	}
	if (add_fill(e, o, m, o->px, q, 1, now) < 0)
		return -1;
	return 1;
}

int
so_step(struct so_engine *e, int market, const struct simmarket *m,
    int64_t now)
{
	struct so_book *b = book_of(e, market, m);
	int64_t used[2] = { 0, 0 };
	size_t i;
	int n = 0, r;

	if (!b)
		return -1;
	for (i = 0; i < e->norders; i++) {
		struct so_order *o = e->orders[i];

		if (o->market != market || !so_is_open(o) ||
		    o->type != SO_LIMIT || strcmp(o->symbol, m->p.symbol) != 0)
			continue;
		r = fill_resting(e, o, m, b, used, now);
		if (r < 0)
			return -1;
		n += r;
	}
	return n;
}
