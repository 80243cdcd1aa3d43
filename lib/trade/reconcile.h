/*
 * reconcile: what the state store believes against what the venue
 * says, as a list of differences.  Pure: no I/O, no store access but
 * through the caller's fill_known callback.  mkt-reconcile prints the
 * differences and acts on the ones an operator names; mkt-exec runs
 * the same comparison at start and after every private-stream
 * reconnect and refuses new intents while a difference it cannot
 * explain is open.
 *
 * Nothing is invented: a proposed "fills" action always points at a
 * venue record (a trade id), an "adopt" at an order the venue holds.
 */
#ifndef MKT_RECONCILE_H
#define MKT_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "store/state.h"
#include "venue/trade.h"

enum rc_what { RC_ORDER, RC_FILL, RC_POSITION, RC_BALANCE };

/* What the difference proposes; RC_NONE: only a human can decide. */
enum rc_action {
	RC_NONE = 0,
	RC_ADOPT,	/* an unknown open venue order: take it into the store */
	RC_CANCEL,	/* ... or cancel it at the venue */
	RC_CLOSE,	/* the venue finished a local order: record how */
	RC_FILLS,	/* a venue fill the store lacks: copy it */
	RC_POSITION_TAKE,	/* take the venue's position */
	RC_BALANCE_TAKE,	/* copy the venue's balance: never proposed,
				   only done when named (--apply balance) */
	RC_ACTION_COUNT
};

/* The local side; the arrays belong to the caller. */
struct rc_local {
	/* Intents of the venue:market that are not done (state_unfinished);
	 * done ones may be given too (their order's last status). */
	const struct state_intent_row *orders;
	size_t n_orders;
	const struct state_position_row *positions;
	size_t n_positions;
	/* The account's balances as stored; none: the store keeps no
	 * balances of it, and only its assets are compared. */
	const struct state_balance_row *balances;
	size_t n_balances;
	/* 1 when the store has the fill (symbol, venue trade id), 0 when
	 * not, -1 on failure (the comparison stops with -1). */
	int (*fill_known)(void *ctx, const char *symbol, const char *trade_id);
	void *ctx;
};

/* A question of fills the venue no longer answers: which symbol, from
 * when (the store's last fill), and the venue's words. */
struct rc_gap {
	char symbol[STATE_SYMBOL_SZ];
	int64_t from_ms;
	const char *says;
};

/* The venue's side: vt_update lists from the codecs, or NULL. */
struct rc_remote {
	const struct vt_updates *orders;	/* VT_U_ORDER: open + queried */
	const struct vt_updates *fills;		/* VT_U_FILL, with client ids */
	const struct vt_updates *positions;	/* NULL: not asked (spot) */
	const struct vt_updates *balances;	/* VT_U_BALANCE; NULL: not
						   asked */
	const struct rc_gap *gaps;	/* fills that could not be asked */
	size_t n_gaps;
	/* Every unfinished local order was asked for by client id: one
	 * missing from orders is not at the venue.  0: orders is the open
	 * list alone, and a local order absent from it may just have
	 * finished (the caller's queries tell). */
	int queried;
	/* A local order older than this (ms before now_ms) may be past
	 * what the venue still answers about; 0: no limit known. */
	int64_t history_ms;
	int64_t now_ms;
	const char *history_says;	/* the venue's words for it */
};

#define RC_TEXT 160

struct rc_diff {
	enum rc_what what;
	enum rc_action action;
	int explained;		/* mkt-exec resolves it on its normal path */
	char symbol[STATE_SYMBOL_SZ];
	char client_id[STATE_ID_SZ], order_id[STATE_ID_SZ];
	char trade_id[STATE_ID_SZ];
	char asset[STATE_SYMBOL_SZ];	/* RC_BALANCE */
	char local[RC_TEXT], remote[RC_TEXT];
	char note[RC_TEXT];	/* "" or why it cannot be told */
	const struct vt_update *u;	/* the venue's record, or NULL */
	const struct state_intent_row *row;	/* the local one, or NULL */
	struct fx qty;		/* RC_POSITION: the venue's signed qty */
	struct fx free, locked;	/* RC_BALANCE: the venue's */
};

/* Zero it to start; rc_diffs_free() it. */
struct rc_diffs {
	struct rc_diff *d;
	size_t n, cap;
};

/*
 * Compare l with r, appending one rc_diff per difference to out, in
 * this order: venue orders the store does not know, local orders the
 * venue finished or does not have, fills that could not be asked, venue
 * fills the store lacks, positions, balances (each asset whose free +
 * locked differ).  The rc_diffs point into l and r: they live as long.  0, or
 * -1 with err (out of memory: ENOMEM; fill_known failed: its errno).
 */
int reconcile_compare(const struct rc_local *l, const struct rc_remote *r,
    struct rc_diffs *out, char *err, size_t errsz) WUR;

void rc_diffs_free(struct rc_diffs *ds);

/*
 * Name the client id of each fill of fills that has none (Binance's
 * trade lists know only the venue's order id): from a venue order of
 * orders with its order id, else a local order with it as the venue's
 * order id.  A fill of an order neither knows keeps none.
 */
void rc_fills_name(struct vt_updates *fills, const struct vt_updates *orders,
    const struct state_intent_row *rows, size_t n_rows);

/* How many of ds are not explained. */
size_t rc_unexplained(const struct rc_diffs *ds);

const char *rc_what_name(enum rc_what w);
const char *rc_action_name(enum rc_action a);

/*
 * "adopt,close" into a mask of (1 << RC_*): 0, or -1 naming the word
 * that is not an action in bad (badsz bytes).
 */
int rc_actions_parse(const char *list, unsigned *mask, char *bad,
    size_t badsz) WUR;

#endif
