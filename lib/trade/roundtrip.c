/*
 * roundtrip: fills into round trips from flat to flat, and the
 * statistics of a group of them (roundtrip.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade/roundtrip.h"

/* A position: its signed quantity and, for the trade now open, the cash
 * it moved (sold less bought) and its fees. */
struct rt_pos {
	struct fx qty, cash, fees;
	int64_t open_ms;
	long fills;
	int long_side;
};

static const struct fx fx_zero = { 0, 0 };

void
rt_init(struct rt_book *b)
{
	keymap_init(&b->pos);
}

void
rt_free(struct rt_book *b)
{
	size_t i;

	for (i = 0; i < b->pos.n; i++)
		free(b->pos.e[i].val);
	keymap_free(&b->pos);
}

long
rt_open(const struct rt_book *b)
{
	size_t i;
	long n = 0;

	for (i = 0; i < b->pos.n; i++) {
		const struct rt_pos *p = b->pos.e[i].val;

		n += p->qty.m != 0;
	}
	return n;
}

static struct rt_pos *
position_of(struct rt_book *b, const struct rt_fill *f)
{
	char key[RT_NAME_SZ * 2 + RT_SYMBOL_SZ + 4];
	struct rt_pos *p;
	size_t n;

	if (strlen(f->venue) >= RT_NAME_SZ || strlen(f->market) >= RT_NAME_SZ ||
	    strlen(f->symbol) >= RT_SYMBOL_SZ) {
		errno = EINVAL;
		return NULL;
	}
	n = keymap_key3(key, sizeof key, f->venue, strlen(f->venue),
	    f->market, strlen(f->market), f->symbol, strlen(f->symbol));
	p = keymap_get(&b->pos, key, n);
	if (p != NULL)
		return p;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	if (keymap_put(&b->pos, key, n, p) < 0) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/* Start a trade with q (signed) at price. */
static int
open_trade(struct rt_pos *p, struct fx q, struct fx price, struct fx fee,
    int64_t time_ms)
{
	struct fx flow;

	if (fx_mul(q, price, &flow) < 0)
		return -1;
	flow.m = -flow.m;
	p->qty = q;
	p->cash = flow;
	p->fees = fee;
	p->open_ms = time_ms;
	p->fills = 1;
	p->long_side = q.m > 0;
	return 0;
}

/* Move the open trade by q (signed) at price, with fee. */
static int
move_trade(struct rt_pos *p, struct fx q, struct fx price, struct fx fee)
{
	struct fx flow;

	if (fx_mul(q, price, &flow) < 0 ||
	    fx_sub(p->cash, flow, &p->cash) < 0 ||
	    fx_add(p->fees, fee, &p->fees) < 0 ||
	    fx_add(p->qty, q, &p->qty) < 0)
		return -1;
	p->fills++;
	return 0;
}

static void
close_trade(const struct rt_pos *p, const struct rt_fill *f,
    struct rt_trade *t)
{
	snprintf(t->venue, sizeof t->venue, "%s", f->venue);
	snprintf(t->market, sizeof t->market, "%s", f->market);
	snprintf(t->symbol, sizeof t->symbol, "%s", f->symbol);
	snprintf(t->reason, sizeof t->reason, "%s",
	    f->reason != NULL && f->reason[0] != '\0' ? f->reason : "unknown");
	t->long_side = p->long_side;
	t->open_ms = p->open_ms;
	t->close_ms = f->time_ms;
	t->fees = fx_trim(p->fees);
	t->fills = p->fills;
}

int
rt_add(struct rt_book *b, const struct rt_fill *f, struct rt_trade *out)
{
	struct rt_pos *p;
	struct fx d = f->qty, rest;

	if (f->qty.m <= 0) {
		errno = EINVAL;
		return -1;
	}
	p = position_of(b, f);
	if (p == NULL)
		return -1;
	if (!f->buy)
		d.m = -d.m;
	if (p->qty.m == 0)
		return open_trade(p, d, f->price, f->fee, f->time_ms) < 0 ?
		    (errno = ERANGE, -1) : 0;
	if (fx_add(p->qty, d, &rest) < 0)
		goto overflow;
	/* Still on the same side of zero, or adding to it. */
	if (rest.m != 0 && (rest.m > 0) == (p->qty.m > 0))
		return move_trade(p, d, f->price, f->fee) < 0 ?
		    (errno = ERANGE, -1) : 0;
	/* Reaches or crosses zero: the part that reaches it closes. */
	{
		struct fx part = p->qty;

		part.m = -part.m;
		if (move_trade(p, part, f->price, f->fee) < 0 ||
		    fx_sub(p->cash, p->fees, &out->pnl) < 0)
			goto overflow;
	}
	out->pnl = fx_trim(out->pnl);
	close_trade(p, f, out);
	if (rest.m == 0) {
		p->qty = fx_zero;
		return 1;
	}
	if (open_trade(p, rest, f->price, fx_zero, f->time_ms) < 0)
		goto overflow;
	return 1;
overflow:
	errno = ERANGE;
	return -1;
}

void
rt_stats_init(struct rt_stats *s)
{
	memset(s, 0, sizeof *s);
}

int
rt_stats_add(struct rt_stats *s, const struct rt_trade *t)
{
	struct fx fall;

	if (fx_add(s->pnl, t->pnl, &s->pnl) < 0 ||
	    fx_add(s->fees, t->fees, &s->fees) < 0)
		goto overflow;
	s->trades++;
	if (t->pnl.m > 0) {
		s->wins++;
		s->win_run++;
		s->loss_run = 0;
	} else if (t->pnl.m < 0) {
		s->losses++;
		s->loss_run++;
		s->win_run = 0;
	} else {
		s->win_run = s->loss_run = 0;
	}
	if (s->win_run > s->best_win_run)
		s->best_win_run = s->win_run;
	if (s->loss_run > s->best_loss_run)
		s->best_loss_run = s->loss_run;
	if (fx_cmp(s->pnl, s->peak) > 0)
		s->peak = s->pnl;
	if (fx_sub(s->peak, s->pnl, &fall) < 0)
		goto overflow;
	if (fx_cmp(fall, s->max_drawdown) > 0)
		s->max_drawdown = fx_trim(fall);
	s->pnl = fx_trim(s->pnl);
	s->fees = fx_trim(s->fees);
	return 0;
overflow:
	errno = ERANGE;
	return -1;
}

int
rt_stats_avg(const struct rt_stats *s, struct fx *out)
{
	struct fx n = { s->trades, 0 };
	int scale = s->pnl.s > 8 ? s->pnl.s : 8;

	if (s->trades == 0) {
		*out = fx_zero;
		return 0;
	}
	if (fx_div(s->pnl, n, scale, out) < 0) {
		errno = ERANGE;
		return -1;
	}
	*out = fx_trim(*out);
	return 0;
}
