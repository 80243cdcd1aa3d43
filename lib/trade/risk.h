/*
 * risk: mkt-risk's pre-trade checks (mkt-risk(1)).
 *
 * risk_check() is pure: given an intent and a view of everything it is
 * judged by (its limits, the instrument's rules, a recent price, the
 * position and open orders, the day's pnl, the recent approvals), it
 * approves or names the first limit the intent breaks, with a detail
 * that says the limit and the value ("max_qty: qty 2 above 1").
 *
 * struct risk_state is what a gate learns from its input as it runs:
 * the latest price of each symbol (mid of a ticker, book or snapshot,
 * the mid of bands, or the last trade), the instrument rules, the times
 * of the intents it approved (the rate windows) and the approved
 * intents the state store does not know yet (in flight to mkt-exec).
 * Nothing here does I/O or prints.
 */
#ifndef MKT_RISK_H
#define MKT_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/fixed.h"
#include "base/keymap.h"
#include "event/event.h"
#include "event/instrument.h"
#include "event/tevent.h"
#include "trade/limits.h"

/* The reasons, in the order the checks run; the tokens are stable. */
enum risk_reason {
	RISK_OK = 0,
	RISK_HALT,
	RISK_BAD_INTENT,
	RISK_UNKNOWN_SYMBOL,
	RISK_TICK,
	RISK_STEP,
	RISK_MIN_QTY,
	RISK_MAX_QTY,
	RISK_NO_PRICE,
	RISK_PRICE_BAND,
	RISK_MAX_NOTIONAL,
	RISK_MIN_NOTIONAL,
	RISK_MAX_OPEN_ORDERS,
	RISK_MAX_POSITION,
	RISK_DAILY_LOSS,
	RISK_RATE,
	RISK_NREASONS
};

/* "max_qty", "price_band", ...; "" for RISK_OK. */
const char *risk_reason_token(enum risk_reason r);

/* Everything an intent is judged by; the caller fills it. */
struct risk_view {
	int halted;
	int known;			/* the limits file covers the symbol */
	struct limit_set lim;		/* its limits (known) */
	const struct instrument *instr;	/* NULL: no rules for it */
	int instr_required;		/* rules are known for its
					 * venue:market, so none is unknown */
	int has_price;
	struct fx price;		/* a recent mid or last price */
	/* From the store and in flight (unfinished orders' rest). */
	int64_t open_orders;
	struct fx position;		/* signed */
	struct fx open_buy, open_sell;	/* > = 0 */
	int has_day;
	struct fx day_pnl;		/* realized today + unrealized */
	/* Intents approved in the last second and minute. */
	int64_t sent_1s, sent_1m;
};

/*
 * Judge it against v: RISK_OK, or the first reason in the order of
 * enum risk_reason, with the detail in detail[0..n).  A check whose
 * limit is not set is skipped; a limit that needs a price the view has
 * not (the price band; notionals of a market order) is RISK_NO_PRICE.
 * reduce_only intents are not held back by daily_loss (they can only
 * lower the exposure it protects).
 */
enum risk_reason risk_check(const struct intent *it,
    const struct risk_view *v, char *detail, size_t n);

/* ---- what a gate learns as it runs ---- */

struct risk_state {
	struct keymap syms;	/* keymap_key3(venue, market, symbol) ->
				 * struct risk_sym * */
	struct keymap markets;	/* venue\0market with instrument rules */
};

void risk_state_init(struct risk_state *rs);
void risk_state_free(struct risk_state *rs);

/*
 * Learn a price from a market event (ticker, book, snapshot: the mid of
 * the best bid and ask; bands: its mid; trade: its price) that
 * event_parse() read; its time is the event's, else now_ms.  Other
 * events and one-sided books are ignored.  0, or -1 with errno ENOMEM
 * (or EINVAL for a price field that is not a decimal).
 */
int risk_note_market(struct risk_state *rs, const struct event *ev,
    int64_t now_ms) WUR;

/* Keep the rules of one instrument (replacing any).  0, or -1 ENOMEM. */
int risk_note_instrument(struct risk_state *rs,
    const struct instrument *in) WUR;

/* The rules of the symbol, or NULL; *required: rules are known for its
 * venue:market. */
const struct instrument *risk_instrument(struct risk_state *rs,
    const char *venue, const char *market, const char *symbol,
    int *required);

/*
 * The last price of the symbol when it is at most max_age_ms older than
 * at_ms (a price from the future counts as fresh): 1 with *px, else 0.
 * venue and market "" ask for its last price on any venue (an intent
 * for the paper venue, priced by another venue's market events).
 */
int risk_price(struct risk_state *rs, const char *venue, const char *market,
    const char *symbol, int64_t at_ms, int64_t max_age_ms, struct fx *px);

/* The symbol's approvals in (now_ms - 1 s, now_ms] and (now - 1 min,
 * now]. */
void risk_rate_counts(struct risk_state *rs, const char *venue,
    const char *market, const char *symbol, int64_t now_ms, int64_t *n1s,
    int64_t *n1m);

/*
 * Note an approved intent (venue and market as the gate resolved them):
 * its time in the rate windows and, with track, its remaining quantity
 * as in flight until the store knows it.  0, or -1 with errno ENOMEM.
 */
int risk_note_approved(struct risk_state *rs, const struct intent *it,
    const char *venue, const char *market, int64_t now_ms, int track) WUR;

/*
 * The approved intents of the symbol not in the store yet: each is
 * asked of known (1: the store has it, and it is forgotten here; 0:
 * still in flight; -1: stop, returned); the rest are counted into
 * *count and their quantities added to *buy and *sell.  0 or -1.
 */
int risk_in_flight(struct risk_state *rs, const char *venue,
    const char *market, const char *symbol,
    int (*known)(void *ctx, const char *id), void *ctx, int64_t *count,
    struct fx *buy, struct fx *sell) WUR;

/* The unrealized pnl of a position of qty (signed) entered at entry, at
 * price: (price - entry) * qty.  0, or -1 on overflow. */
int risk_unrealized(struct fx qty, struct fx entry, struct fx price,
    struct fx *out) WUR;

#endif
