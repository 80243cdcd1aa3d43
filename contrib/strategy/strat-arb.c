/*
 * mkt-strat-arb: arbitrage of one symbol between two venues
 * (mkt-strat-arb(1)).  When one book's best bid, less its taker fee,
 * exceeds the other's best ask, plus its fee, by more than --min-edge,
 * it buys the ask and sells the bid at once, both legs IOC limits at
 * the touched prices, sized by the smaller top and --max-qty.  One pair
 * at a time: the next waits until both legs are final.
 */
#include <stdio.h>
#include <stdlib.h>

#include "prog/err.h"
#include "strat.h"

static const char usage_text[] =
    "usage: mkt-strat-arb [--min-edge BPS] [--taker-fee RATE] "
    "[--fee V:M=RATE]...\n"
    "                     [--max-qty QTY] [--step S] [--max-trades N]\n"
    "                     [--feedback PATH [--lockstep]] [--run-id ID]\n"
    "                     [--leg-timeout DUR] [--state DB]...\n"
    "                     [--stats DUR] [--metrics FILE] [--no-pass]\n"
    "                     [-i INPUT] [-o OUTPUT]\n"
    "                     VENUE:MARKET:SYMBOL VENUE:MARKET:SYMBOL\n";

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n" STRAT_USAGE RUN_USAGE, stdout);
	exit(0);
}

/*
 * Is buying b's ask and selling s's bid worth it?  bid * (1 - fee_s)
 * above ask * (1 + fee_b) * (1 + min_edge), exactly.
 */
static int
has_edge(const struct strat *st, int b, int s)
{
	struct fx got = strat_less_fee(st->mkt[s].bid, st->mkt[s].fee);
	struct fx paid = strat_plus_fee(st->mkt[b].ask, st->mkt[b].fee);

	return fx_cmp(got, strat_plus_fee(paid, st->min_edge)) > 0;
}

/* The pair's size: the smaller top, --max-qty, both steps. */
static struct fx
pair_qty(const struct strat *st, int b, int s)
{
	struct fx q = strat_min(st->mkt[b].ask_qty, st->mkt[s].bid_qty);

	if (st->max_qty.m)
		q = strat_min(q, st->max_qty);
	q = strat_floor_step(st, b, q);
	return strat_floor_step(st, s, q);
}

static void
try_pair(struct strat *st, int b, int s)
{
	struct fx q;

	if (!has_edge(st, b, s))
		return;
	q = pair_qty(st, b, s);
	if (!strat_meets_min(st, b, q, st->mkt[b].ask) ||
	    !strat_meets_min(st, s, q, st->mkt[s].bid))
		return;
	if (!strat_intent(st, b, 1, q, &st->mkt[b].ask, "IOC") ||
	    !strat_intent(st, s, 0, q, &st->mkt[s].bid, "IOC"))
		die("no room for a pair's legs");
	st->trades++;
}

static void
on_book(struct strat *st, int m)
{
	(void)m;
	if (st->nleg || !strat_fresh(st))
		return;
	if (st->max_trades && st->trades >= st->max_trades)
		return;
	try_pair(st, 0, 1);
	if (!st->nleg)
		try_pair(st, 1, 0);
}

static const struct strat_hooks hooks = { on_book, NULL, NULL, NULL };

int
main(int argc, char **argv)
{
	return strat_main(argc, argv, "mkt-strat-arb", 2, &hooks, usage);
}
