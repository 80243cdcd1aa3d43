/*
 * mkt-strat-tri: triangular arbitrage on one venue (mkt-strat-tri(1)).
 * Three books X/Q, Y/X and Y/Q (BTCUSDT, ETHBTC, ETHUSDT): when going
 * round the cycle one way, after three taker fees, gives back more than
 * 1 + --min-edge of what it started with, three IOC legs at the touched
 * prices, sized by the tops (in Y, the asset of the second and third
 * books) and --max-qty.  One cycle at a time.
 */
#include <stdio.h>
#include <stdlib.h>

#include "prog/err.h"
#include "strat.h"

/* The markets, in operand order. */
enum { XQ, YX, YQ };

static const char usage_text[] =
    "usage: mkt-strat-tri [--min-edge BPS] [--taker-fee RATE] "
    "[--fee V:M=RATE]...\n"
    "                     [--max-qty QTY] [--step S] [--max-trades N]\n"
    "                     [--feedback PATH [--lockstep]] [--run-id ID]\n"
    "                     [--leg-timeout DUR] [--state DB]...\n"
    "                     [--stats DUR] [--metrics FILE] [--no-pass]\n"
    "                     [-i INPUT] [-o OUTPUT]\n"
    "                     V:M:X/Q V:M:Y/X V:M:Y/Q\n";

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  the markets: X/Q, Y/X and Y/Q, for example\n"
	    "  binance:spot:BTCUSDT binance:spot:ETHBTC binance:spot:ETHUSDT"
	    "\n" STRAT_USAGE RUN_USAGE, stdout);
	exit(0);
}

/* What one unit of Q comes back as, compared: got > paid*(1+edge). */
static int
beats(const struct strat *st, struct fx got, struct fx paid)
{
	int i;

	for (i = 0; i < 3; i++)
		got = strat_less_fee(got, st->mkt[i].fee);
	return fx_cmp(got, strat_plus_fee(paid, st->min_edge)) > 0;
}

static struct fx
quotient(struct fx a, struct fx b)
{
	struct fx r;

	if (fx_div(a, b, 12, &r) < 0)
		die("decimal overflow");
	return fx_trim(r);
}

/* Y to trade: the tops in Y, --max-qty, the steps of both Y books. */
static struct fx
y_qty(const struct strat *st, struct fx y1, struct fx y2, struct fx x_in_y)
{
	struct fx y = strat_min(strat_min(y1, y2), x_in_y);

	if (st->max_qty.m)
		y = strat_min(y, st->max_qty);
	y = strat_floor_step(st, YX, y);
	return strat_floor_step(st, YQ, y);
}

static void
legs(struct strat *st, const int *mkt, const int *buy, const struct fx *q,
    const struct fx *px)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strat_meets_min(st, mkt[i], q[i], px[i]))
			return;
	for (i = 0; i < 3; i++)
		if (!strat_intent(st, mkt[i], buy[i], q[i], &px[i], "IOC"))
			die("no room for a cycle's legs");
	st->trades++;
}

/* Q -> X (buy X/Q) -> Y (buy Y/X) -> Q (sell Y/Q). */
static void
try_forward(struct strat *st)
{
	const struct strat_mkt *m = st->mkt;
	static const int mkt[3] = { XQ, YX, YQ }, buy[3] = { 1, 1, 0 };
	struct fx q[3], px[3], y, x;

	if (!beats(st, m[YQ].bid, strat_mul(m[XQ].ask, m[YX].ask)))
		return;
	y = y_qty(st, m[YX].ask_qty, m[YQ].bid_qty,
	    quotient(m[XQ].ask_qty, m[YX].ask));
	/* Enough X for the Y: rounded up, and the top must hold it. */
	x = strat_ceil_step(st, XQ, strat_mul(y, m[YX].ask));
	if (!y.m || fx_cmp(x, m[XQ].ask_qty) > 0)
		return;
	q[0] = x, q[1] = y, q[2] = y;
	px[0] = m[XQ].ask, px[1] = m[YX].ask, px[2] = m[YQ].bid;
	legs(st, mkt, buy, q, px);
}

/* Q -> Y (buy Y/Q) -> X (sell Y/X) -> Q (sell X/Q). */
static void
try_reverse(struct strat *st)
{
	const struct strat_mkt *m = st->mkt;
	static const int mkt[3] = { YQ, YX, XQ }, buy[3] = { 1, 0, 0 };
	struct fx q[3], px[3], y, x;

	if (!beats(st, strat_mul(m[YX].bid, m[XQ].bid), m[YQ].ask))
		return;
	y = y_qty(st, m[YQ].ask_qty, m[YX].bid_qty,
	    quotient(m[XQ].bid_qty, m[YX].bid));
	/* The X the Y sells for, rounded down: never more than we get. */
	x = strat_floor_step(st, XQ, strat_mul(y, m[YX].bid));
	if (!y.m || !x.m)
		return;
	q[0] = y, q[1] = y, q[2] = x;
	px[0] = m[YQ].ask, px[1] = m[YX].bid, px[2] = m[XQ].bid;
	legs(st, mkt, buy, q, px);
}

static void
on_book(struct strat *st, int m)
{
	(void)m;
	if (st->nleg || !strat_fresh(st))
		return;
	if (st->max_trades && st->trades >= st->max_trades)
		return;
	try_forward(st);
	if (!st->nleg)
		try_reverse(st);
}

static const struct strat_hooks hooks = { on_book, NULL, NULL, NULL };

int
main(int argc, char **argv)
{
	return strat_main(argc, argv, "mkt-strat-tri", 3, &hooks, usage);
}
