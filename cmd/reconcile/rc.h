/*
 * rc.h: mkt-reconcile's parts -- the run (main.c), asking the venue and
 * reading the store (ask.c), reporting and repairing each difference
 * (repair.c).
 */
#ifndef MKT_CMD_RECONCILE_RC_H
#define MKT_CMD_RECONCILE_RC_H

#include <stdint.h>

#include "event/tevent.h"
#include "io/out.h"
#include "net/rest.h"
#include "prog/tradekeys.h"
#include "store/state.h"
#include "trade/reconcile.h"

#define EXIT_DIFFERENT 3	/* a difference is left (like diff's 1) */
#define TRIES 5			/* a request refused for rate or clock */

struct opts {
	const char *venue, *state, *key_file, *ca, *output;
	unsigned apply;			/* 1 << RC_* */
	int live;
	int64_t timeout, recv_window;
	int64_t since;			/* finished orders this recent */
	int page;			/* fills per request, 0: the most */
};

/* One run: the venue, its answers, the store's rows. */
struct rc {
	const struct opts *o;
	const struct venue_market *m;
	const struct venue_trade *vt;
	struct rest *rest;
	struct secret keys;
	struct vt_keys vk;
	int64_t offset_ms;
	struct state *st;
	struct out *out;
	struct buf ob;
	char venue[TEV_NAME], market[TEV_NAME];
	struct vt_updates orders, fills, positions, balances;
	int positions_asked, balances_asked;
	struct state_balance_row *bals;
	size_t nbals, capbals;
	struct state_fill_mark *marks;	/* symbols whose fills are asked */
	size_t nmarks, capmarks;
	struct rc_gap *gaps;
	size_t ngaps, capgaps;
	struct state_intent_row *rows;
	size_t nrows, caprows;
	struct state_position_row *pos;
	int failed;			/* a repair failed: exit 1 */
	size_t npos, cappos;
};

/* ask.c */
void sync_clock(struct rc *rc);
enum vt_outcome ask(struct rc *rc, enum vt_what what,
    const struct vt_order *vo, struct vt_answer *a, const char *what_for);
void read_store(struct rc *rc);
int fill_known(void *ctx, const char *symbol, const char *trade_id);
void ask_orders(struct rc *rc);
void ask_fills(struct rc *rc);
void ask_fills_since(struct rc *rc);
void ask_positions(struct rc *rc);
void ask_balances(struct rc *rc);

/* repair.c: d reported, and repaired when --apply names its action;
 * the action done, or RC_NONE. */
enum rc_action repair(struct rc *rc, const struct rc_diff *d);

#endif
