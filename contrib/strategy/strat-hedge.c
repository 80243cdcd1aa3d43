/*
 * mkt-strat-hedge: a resting limit order on one venue, hedged on
 * another (mkt-strat-hedge(1)).  It rests a post_only order one tick
 * inside the touch of the first market on the side where the second
 * market's touch, after fees, pays more than --min-edge; each fill of
 * it is hedged at once by a market order of the same size the other way
 * on the second market; the resting order is canceled when the edge
 * against the second market's touch is gone.
 *
 * A hedge leg's id is its resting order's with -hN added (the Nth
 * hedge of it), so that after a restart the stores (--state) tell
 * which fills of a resting order were hedged: what filled beyond the
 * quantity of its hedge legs is hedged at start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"
#include "strat.h"

enum { MAKER, HEDGE };		/* the markets, and the legs' tags */

struct hedge {
	struct fx maker_fee;	/* --maker-fee */
};

static const char usage_text[] =
    "usage: mkt-strat-hedge [--min-edge BPS] [--maker-fee RATE] "
    "[--taker-fee RATE]\n"
    "                       [--fee V:M=RATE]... [--max-qty QTY] [--tick T]"
    " [--step S]\n"
    "                       [--max-trades N] [--feedback PATH "
    "[--lockstep]]\n"
    "                       [--run-id ID] [--leg-timeout DUR] [--state DB]..."
    "\n"
    "                       [--stats DUR] [--metrics FILE] [--no-pass]\n"
    "                       [-i INPUT] [-o OUTPUT]\n"
    "                       MAKER:MARKET:SYMBOL HEDGE:MARKET:SYMBOL\n";

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --maker-fee RATE   fee rate of the resting order (default 0)\n"
	    STRAT_USAGE RUN_USAGE, stdout);
	exit(0);
}

static struct fx
tick_of(const struct strat *st)
{
	return st->mkt[MAKER].tick.m ? st->mkt[MAKER].tick : st->tick;
}

/* Buying at p on the maker market, selling the hedge's bid: an edge? */
static int
buy_pays(const struct strat *st, const struct hedge *h, struct fx p)
{
	const struct strat_mkt *b = &st->mkt[HEDGE];
	struct fx got = strat_less_fee(b->bid, b->fee);
	struct fx paid = strat_plus_fee(p, h->maker_fee);

	return fx_cmp(got, strat_plus_fee(paid, st->min_edge)) > 0;
}

/* Selling at p on the maker market, buying the hedge's ask. */
static int
sell_pays(const struct strat *st, const struct hedge *h, struct fx p)
{
	const struct strat_mkt *b = &st->mkt[HEDGE];
	struct fx got = strat_less_fee(p, h->maker_fee);
	struct fx paid = strat_plus_fee(b->ask, b->fee);

	return fx_cmp(got, strat_plus_fee(paid, st->min_edge)) > 0;
}

/* One tick inside the touch, unless that reaches the other side; the
 * touch itself when no tick is known. */
static struct fx
inside(const struct strat *st, int buy)
{
	const struct strat_mkt *a = &st->mkt[MAKER];
	struct fx t = tick_of(st), p;

	if (!t.m)
		return buy ? a->bid : a->ask;
	if ((buy ? fx_add(a->bid, t, &p) : fx_sub(a->ask, t, &p)) < 0)
		die("decimal overflow");
	if (buy ? fx_cmp(p, a->ask) >= 0 : fx_cmp(p, a->bid) <= 0)
		return buy ? a->bid : a->ask;
	return fx_trim(p);
}

static void
rest(struct strat *st, struct hedge *h, int buy)
{
	const struct strat_mkt *b = &st->mkt[HEDGE];
	struct fx p = inside(st, buy);
	struct fx q = buy ? b->bid_qty : b->ask_qty;
	struct strat_leg *leg;

	if (buy ? !buy_pays(st, h, p) : !sell_pays(st, h, p))
		return;
	if (st->max_qty.m)
		q = strat_min(q, st->max_qty);
	q = strat_floor_step(st, HEDGE, strat_floor_step(st, MAKER, q));
	if (!strat_meets_min(st, MAKER, q, p) ||
	    !strat_meets_min(st, HEDGE, q, buy ? b->bid : b->ask))
		return;
	leg = strat_intent(st, MAKER, buy, q, &p, "post_only");
	if (!leg)
		die("no room for a leg");
	leg->tag = MAKER;
	st->trades++;
}

static void
on_book(struct strat *st, int m)
{
	struct hedge *h = st->ctx;
	struct strat_leg *r;
	int i;

	(void)m;
	if (!st->mkt[MAKER].has_top || !st->mkt[HEDGE].has_top)
		return;
	for (i = 0; i < st->nleg; i++) {
		r = &st->leg[i];
		if (r->tag != MAKER || r->cancel_sent)
			continue;
		if (r->buy ? !buy_pays(st, h, r->price) :
		    !sell_pays(st, h, r->price))
			strat_cancel(st, r);
	}
	if (st->nleg || !strat_fresh(st))
		return;
	if (st->max_trades && st->trades >= st->max_trades)
		return;
	rest(st, h, 1);
	if (!st->nleg)
		rest(st, h, 0);
}

/* qty of maker the other way on the hedge market, at once. */
static void
hedge(struct strat *st, struct strat_leg *maker, struct fx qty)
{
	struct strat_leg *hl;
	char id[STRAT_ID];

	qty = strat_floor_step(st, HEDGE, qty);
	if (!qty.m) {
		warn("fill of '%s' below the hedge's step: not hedged",
		    maker->id);
		return;
	}
	strat_child_id(maker, id, sizeof id);
	hl = strat_intent_id(st, id, HEDGE, !maker->buy, qty, NULL, NULL);
	if (!hl)
		die("no room for a hedge leg");
	hl->tag = HEDGE;
}

/* A fill of the resting order: the same size the other way. */
static void
on_fill(struct strat *st, struct strat_leg *leg, struct fx price,
    struct fx qty)
{
	(void)price;
	if (leg->tag == MAKER)
		hedge(st, leg, qty);
}

/* The quantity of p's hedge legs among the run's intents, and their
 * number into *n. */
static struct fx
hedged(const struct strat *st, const struct strat_past *p, int *n)
{
	struct fx sum = { 0, 0 };
	size_t i, len = strlen(p->id);

	*n = 0;
	for (i = 0; i < st->npast; i++) {
		if (strncmp(st->past[i].id, p->id, len) != 0 ||
		    strncmp(st->past[i].id + len, "-h", 2) != 0)
			continue;
		if (fx_add(sum, st->past[i].qty, &sum) < 0)
			die("decimal overflow");
		++*n;
	}
	return sum;
}

static struct strat_leg *
leg_by_id(struct strat *st, const char *id)
{
	int i;

	for (i = 0; i < st->nleg; i++)
		if (strcmp(st->leg[i].id, id) == 0)
			return &st->leg[i];
	return NULL;
}

/*
 * After a restart: the recovered legs are resting orders (post_only)
 * or hedges; a resting order's fills that its hedge legs do not cover
 * (the strategy stopped between the fill and its hedge) are hedged now.
 */
static void
on_start(struct strat *st)
{
	struct strat_leg *l, done;
	const struct strat_past *p;
	char text[FX_BUFSZ];
	struct fx open;
	size_t i;
	int j, n;

	for (j = 0; j < st->nleg; j++)
		st->leg[j].tag = st->leg[j].post_only ? MAKER : HEDGE;
	for (i = 0; i < st->npast; i++) {
		p = &st->past[i];
		if (!p->post_only || p->mkt != MAKER)
			continue;
		if (fx_sub(p->filled, hedged(st, p, &n), &open) < 0)
			die("decimal overflow");
		if (open.m <= 0)
			continue;
		l = leg_by_id(st, p->id);
		if (!l) {
			/* Done: a stand-in that names the hedge. */
			memset(&done, 0, sizeof done);
			snprintf(done.id, sizeof done.id, "%s", p->id);
			done.buy = p->buy;
			done.children = n;
			l = &done;
		}
		warn("'%s': %s filled unhedged: hedged now", p->id,
		    fx_str(open, text));
		hedge(st, l, open);
	}
}

static const struct strat_hooks hooks = { on_book, on_fill, NULL, on_start };

int
main(int argc, char **argv)
{
	enum { OPT_MAKER_FEE = 3000 };
	static const struct option longopts[] = {
		{ "maker-fee", required_argument, NULL, OPT_MAKER_FEE },
		STRAT_LONGOPTS,
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct hedge h = { { 0, 0 } };
	struct strat st;
	int c;

	err_init("mkt-strat-hedge");
	strat_init(&st, "hedge");
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (c == OPT_MAKER_FEE)
			h.maker_fee = strat_decimal(optarg, "--maker-fee");
		else
			strat_option(&st, c, argv, usage);
	}
	strat_markets(&st, argc, argv, 2);
	strat_run(&st, &hooks, &h);
	return 0;
}
