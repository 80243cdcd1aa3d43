/*
 * strat: what the example strategies of contrib/strategy share -- the
 * markets they watch (the top of each book, the instrument rules, the
 * fee), the legs they have in flight (their order, fill and reject
 * events), intents and cancels written with deterministic ids, the
 * feedback input, the loop that reads it all, and the legs taken back
 * from mkt-exec's state stores at a restart (--state, recover.c).
 *
 * Program-side code (it prints and exits like prog/): an example of a
 * strategy over the library, not a part of it.
 */
#ifndef MKT_STRAT_H
#define MKT_STRAT_H

#include <getopt.h>
#include <stdint.h>

#include "base/fixed.h"
#include "event/tevent.h"
#include "io/in.h"
#include "prog/run.h"

#define STRAT_MAX_MKT 4
#define STRAT_MAX_LEGS 16
#define STRAT_ID 48
#define STRAT_MAX_STATE 8

/* One venue:market:symbol a strategy watches. */
struct strat_mkt {
	char venue[TEV_NAME], market[TEV_NAME], symbol[TEV_SYMBOL];
	struct fx fee;			/* taker fee rate */
	int has_top;			/* a valid book came */
	int64_t time;			/* its last book's time */
	struct fx bid, bid_qty, ask, ask_qty;
	struct fx tick, step;		/* 0: none known */
	struct fx min_qty, min_notional;
};

/* An intent written and not yet final. */
struct strat_leg {
	char id[STRAT_ID];
	int mkt;			/* index in strat.mkt */
	int buy;
	int tag;			/* the strategy's own mark */
	struct fx qty, filled;
	struct fx price;		/* a limit's; 0: a market order */
	int post_only;			/* tif post_only: a resting maker */
	int children;			/* legs named after it so far */
	int64_t sent;			/* event time it was written at; 0:
					 * recovered, its clock starts at
					 * the next book */
	int cancel_sent;
};

/*
 * An intent of this run found in a --state store at start (recover.c),
 * done or not: filled is the sum of its fills there.
 */
struct strat_past {
	char id[STRAT_ID];
	int mkt;			/* -1: not among the operands */
	int buy, post_only, done;
	struct fx qty, filled, price;
};

struct strat;

/*
 * What a strategy does: on_book after a book of one of its markets
 * changed the top; on_fill for each fill of a leg (before on_final
 * when both come); on_final when a leg's order is final (filled,
 * canceled, rejected, expired), a gate rejected it, or --leg-timeout
 * passed without news.  The leg is removed after on_final returns.
 */
struct strat_hooks {
	void (*on_book)(struct strat *s, int mkt);
	void (*on_fill)(struct strat *s, struct strat_leg *leg,
	    struct fx price, struct fx qty);
	void (*on_final)(struct strat *s, struct strat_leg *leg);
	/* Once, after --state was read and before the first line: the
	 * legs recovered are in s->leg, every intent of the run in
	 * s->past (gone after this returns). */
	void (*on_start)(struct strat *s);
};

struct strat {
	struct run r;
	struct run_opts ro;
	const char *feedback;		/* --feedback PATH */
	struct in fb;
	int has_fb;
	int lockstep;			/* --lockstep */
	char prefix[24];		/* ids: PREFIX-TIME-N */
	struct strat_mkt mkt[STRAT_MAX_MKT];
	int nmkt;
	struct strat_leg leg[STRAT_MAX_LEGS];
	int nleg;
	struct fx taker_fee;		/* --taker-fee */
	struct fx min_edge;		/* --min-edge, as a rate */
	struct fx slippage;		/* --slippage, as a rate */
	struct fx max_qty;		/* --max-qty, 0: none */
	struct fx tick, step;		/* --tick, --step: defaults */
	int max_trades;			/* --max-trades, 0: no bound */
	int trades;			/* entries so far */
	int64_t leg_timeout;		/* ms of event time */
	int64_t now;			/* the last book's time */
	int64_t last_entry;		/* now, when the last intent went */
	int64_t id_time;
	int id_seq;
	const struct strat_hooks *h;
	void *ctx;			/* the strategy's */
	const char *state[STRAT_MAX_STATE];	/* --state DB */
	int nstate;
	struct strat_past *past;	/* during on_start: see there */
	size_t npast;
	char **seen;			/* "ID TRADE_ID" of the fills the
					 * stores had, sorted: not taken
					 * again from the feedback */
	size_t nseen;
	struct metrics_run mr;		/* --stats, --metrics */
};

/* The options every strategy takes, for its getopt_long table. */
enum { STRAT_OPT_FEEDBACK = 2000, STRAT_OPT_LOCKSTEP, STRAT_OPT_RUN_ID,
	STRAT_OPT_TAKER_FEE, STRAT_OPT_FEE, STRAT_OPT_MIN_EDGE,
	STRAT_OPT_MAX_QTY, STRAT_OPT_TICK, STRAT_OPT_STEP,
	STRAT_OPT_MAX_TRADES, STRAT_OPT_LEG_TIMEOUT, STRAT_OPT_SLIPPAGE,
	STRAT_OPT_STATE };
#define STRAT_LONGOPTS \
	METRICS_LONGOPTS, \
	{ "feedback", required_argument, NULL, STRAT_OPT_FEEDBACK }, \
	{ "lockstep", no_argument, NULL, STRAT_OPT_LOCKSTEP }, \
	{ "run-id", required_argument, NULL, STRAT_OPT_RUN_ID }, \
	{ "taker-fee", required_argument, NULL, STRAT_OPT_TAKER_FEE }, \
	{ "fee", required_argument, NULL, STRAT_OPT_FEE }, \
	{ "min-edge", required_argument, NULL, STRAT_OPT_MIN_EDGE }, \
	{ "max-qty", required_argument, NULL, STRAT_OPT_MAX_QTY }, \
	{ "tick", required_argument, NULL, STRAT_OPT_TICK }, \
	{ "step", required_argument, NULL, STRAT_OPT_STEP }, \
	{ "max-trades", required_argument, NULL, STRAT_OPT_MAX_TRADES }, \
	{ "leg-timeout", required_argument, NULL, STRAT_OPT_LEG_TIMEOUT }, \
	{ "slippage", required_argument, NULL, STRAT_OPT_SLIPPAGE }, \
	{ "state", required_argument, NULL, STRAT_OPT_STATE }
#define STRAT_USAGE \
	"  --feedback PATH    read order, fill and reject events from PATH\n" \
	"                     (a FIFO that mkt-exec's output is tee'd to)\n" \
	"  --lockstep         backtests: wait for each line to come back\n" \
	"                     through --feedback while legs are open\n" \
	"  --run-id ID        intent ids start ID- (default: the name)\n" \
	"  --taker-fee RATE   fee rate of every market (default 0.001)\n" \
	"  --fee V:M=RATE     the fee rate of one venue's market\n" \
	"  --min-edge BPS     edge beyond fees to trade (default 0)\n" \
	"  --slippage BPS     IOC legs reach BPS past the touched price\n" \
	"                     (default 0: the touched price itself)\n" \
	"  --max-qty QTY      size of an entry, at most\n" \
	"  --tick T, --step S price and size grids without instrument events\n" \
	"  --max-trades N     entries at most (default: no bound)\n" \
	"  --leg-timeout DUR  a leg with no news is given up (default 30s)\n" \
	"  --state DB         at start, take this run's legs in flight from\n" \
	"                     mkt-exec's store DB (repeatable: one a venue)\n" \
	METRICS_USAGE

/* Defaults; `name` is the id prefix unless --run-id. */
void strat_init(struct strat *s, const char *name);

/* Handle a strategy or run option; unknown ones are usage errors. */
void strat_option(struct strat *s, int c, char **argv, void (*usage)(void));

/*
 * The operands VENUE:MARKET:SYMBOL, exactly n of them (a usage error
 * otherwise), as the strategy's markets 0..n-1.
 */
void strat_markets(struct strat *s, int argc, char **argv, int n);

/*
 * A strategy without options of its own, as a whole program: the
 * options, n markets, the run.  progname ("mkt-strat-NAME", a string
 * that lives as long as the program) in errors, NAME as the id prefix.
 * Returns main's exit status.
 */
int strat_main(int argc, char **argv, const char *progname, int n,
    const struct strat_hooks *h, void (*usage)(void));

/* Read the input (and feedback) to its end, calling the hooks. */
void strat_run(struct strat *s, const struct strat_hooks *h, void *ctx);

/*
 * Write an intent on market m: IOC limit at price when price is given
 * (m > 0), a market order when kind_market, GTC (or post_only) resting
 * when tif says so.  An IOC limit's price is moved --slippage past the
 * given one, on market m's tick.  Returns the leg (tag set by the caller), or NULL
 * when no room is left for another leg.
 */
struct strat_leg *strat_intent(struct strat *s, int m, int buy,
    struct fx qty, const struct fx *price, const char *tif);

/* The same with the id given (a leg named after another: see
 * strat_child_id()). */
struct strat_leg *strat_intent_id(struct strat *s, const char *id, int m,
    int buy, struct fx qty, const struct fx *price, const char *tif);

/*
 * The id of parent's next child leg: PARENT-hN, N counting from
 * parent's children (which it increments).  Ids of this form are not
 * entries for --max-trades.
 */
void strat_child_id(struct strat_leg *parent, char *dst, size_t cap);

/*
 * Read the --state stores (recover.c): the intents whose id starts
 * PREFIX-, those not done as legs (their fills so far as filled), the
 * entries among them as trades; then on_start, and on_final for each
 * intent done in the store.  Dies when a store cannot be read.
 */
void strat_recover(struct strat *s);

/* Did a store have this fill of leg id already (counted in filled)? */
int strat_fill_seen(const struct strat *s, const char *id,
    const char *trade_id);

/* Write a cancel of leg's order. */
void strat_cancel(struct strat *s, struct strat_leg *leg);

/* Write what the hooks rendered. */
void strat_flush(struct strat *s);

/*
 * Has every market a book newer than the last intent?  A book from
 * before it may still show the liquidity that intent took.
 */
int strat_fresh(const struct strat *s);

/* Legs open with a given tag (-1: any). */
int strat_open_legs(const struct strat *s, int tag);

/* qty rounded down to market m's step; 0 when below it. */
struct fx strat_floor_step(const struct strat *s, int m, struct fx qty);

/* The same, rounded up to the step. */
struct fx strat_ceil_step(const struct strat *s, int m, struct fx qty);

/* Does qty at price meet m's minimum quantity and notional? */
int strat_meets_min(const struct strat *s, int m, struct fx qty,
    struct fx price);

/* a * (1 - fee) or a * (1 + fee), exactly; dies on overflow. */
struct fx strat_less_fee(struct fx a, struct fx fee);
struct fx strat_plus_fee(struct fx a, struct fx fee);

/* Exact arithmetic that dies on overflow (never the case for prices). */
struct fx strat_mul(struct fx a, struct fx b);
struct fx strat_min(struct fx a, struct fx b);

/* The rate of a BPS option value ("3" -> 0.0003). */
struct fx strat_bps(const char *arg, const char *opt);
/* A decimal option value >= 0. */
struct fx strat_decimal(const char *arg, const char *opt);

#endif
