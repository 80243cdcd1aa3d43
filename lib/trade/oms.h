/*
 * oms: one intent becomes exactly one order.
 *
 * The order book of a trading program (mkt-exec): every intent it has
 * taken, by intent id and by client id, with what the venue said of its
 * order.  Each change is written to the state store (store/state) and
 * committed before the program acts on it, so a restarted program
 * continues from the store (oms_recover) and never sends an intent
 * twice: an intent id already in the store is refused (oms_intent
 * answers 1).
 *
 * A venue's news (answers, private streams, polls) comes in as
 * vt_updates (venue/trade.h) and is merged monotonically: a final
 * status is never left, except for "filled" when the venue says the
 * order filled; the filled quantity never shrinks; a fill is counted
 * once per venue trade id however often it is told.  So partial fills,
 * fills racing a cancel and repeated messages all end in the venue's
 * final state.
 *
 * Sending is the caller's: it takes orders from the queue (oms_next),
 * marks them sent (oms_sent) before the request leaves, and reports
 * what came back.  Nothing here does I/O but the store's, or prints.
 */
#ifndef MKT_OMS_H
#define MKT_OMS_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/fixed.h"
#include "event/tevent.h"
#include "store/state.h"
#include "venue/trade.h"

/* Where an order is, for its program. */
enum oms_phase {
	OMS_QUEUED,	/* recorded; its request has not left */
	OMS_SENT,	/* a request left; its answer is awaited */
	OMS_RESOLVE,	/* the outcome is unknown: query by client id */
	OMS_OPEN,	/* the venue holds it */
	OMS_DONE,	/* final */
};

struct oms_order {
	struct intent it;
	char client_id[STATE_CLIENT_ID_MAX + 1];
	char order_id[VT_ID_LEN];
	char status[VT_STATUS_LEN];	/* mkt's word; "pending" at first */
	char reason[240];		/* why it was rejected or expired */
	struct fx filled, avg;		/* cumulative, as the venue said */
	struct fx fills_seen;		/* the quantity of the fills recorded */
	enum oms_phase phase;
	int64_t created_ms;		/* when the intent was recorded */
	int64_t sent_ms;		/* the timestamp its last NEW carried */
	int64_t updated_ms;		/* the time of its last change */
	/* For the caller's scheduling. */
	int64_t next_ms;		/* monotonic: next query (OMS_RESOLVE) */
	int queries;			/* unknown-outcome queries so far */
	int busy;			/* a request about it is in flight */
	int cancel_wanted;		/* a cancel event named it */
	int poll_due;			/* an open order to query */
	int held;			/* final, waiting for its fills */
	int stalled;			/* its fills cannot be read: left for
					   a later run */
	size_t active_slot;		/* index + 1 in the active list */
};

/* What changed, for the program to write (order, fill, position). */
struct oms_hooks {
	void (*order)(void *ctx, const struct oms_order *o,
	    const char *source);
	void (*fill)(void *ctx, const struct oms_order *o,
	    const struct vt_update *f);
	void (*position)(void *ctx, const char *symbol, const char *qty,
	    const char *entry_price, const char *realized_pnl,
	    int64_t time_ms);
};

struct oms;

/*
 * Open the order book of venue:market over the store s (which it does
 * not own).  0, or -1 with errno ENOMEM.
 */
int oms_open(struct oms **op, struct state *s, const char *venue,
    const char *market, const struct oms_hooks *h, void *ctx) WUR;
void oms_close(struct oms *o);

/*
 * Take an intent: record it (pending) with its client id and its line
 * as read (raw, NUL-terminated), commit, and queue it.  0 taken (*out the order, also reported through the order
 * hook as "pending"), 1 the intent id is in the store already (nothing
 * done: it is never sent again), -1 with err.
 */
int oms_intent(struct oms *o, const struct intent *it, const char *raw,
    int64_t now_ms, struct oms_order **out, char *err, size_t errsz) WUR;

/*
 * Load every unfinished intent of this venue:market from the store: a
 * pending one is queued (its request never left), a sent one must be
 * resolved (OMS_RESOLVE), an open one is open.  Returns how many, or -1
 * with err.
 */
int oms_recover(struct oms *o, char *err, size_t errsz) WUR;

/* The next queued order, taken off the queue; NULL when none. */
struct oms_order *oms_next(struct oms *o);
/* Put an order back at the head of the queue (rate limited, clock). */
void oms_requeue(struct oms *o, struct oms_order *ord);
size_t oms_queued(const struct oms *o);

/*
 * Its request leaves now, carrying timestamp ts_ms (the venue's clock):
 * recorded as sent and committed.  0 or -1 with err.
 */
int oms_sent(struct oms *o, struct oms_order *ord, int64_t ts_ms,
    char *err, size_t errsz) WUR;

/* Its outcome is unknown: to be resolved by client id. */
void oms_unknown(struct oms *o, struct oms_order *ord);

/*
 * The venue has no order under its client id and its request can no
 * longer reach the venue (its recvWindow passed): it was never placed,
 * and is queued to be sent again with the same client id.
 */
void oms_not_placed(struct oms *o, struct oms_order *ord);

/*
 * A final answer without an order: rejected (by the venue, source
 * "rest"), or canceled before it was sent (source "local").  0 or -1.
 */
int oms_final(struct oms *o, struct oms_order *ord, const char *status,
    const char *reason, const char *source, int64_t now_ms, char *err,
    size_t errsz) WUR;

/*
 * News from the venue: an order's state or a fill, of one of our
 * orders (anything else is ignored: 0).  source: STATE_SRC_*.  0, or -1
 * with err (the store failed).
 */
int oms_update(struct oms *o, const struct vt_update *u, const char *source,
    int64_t now_ms, char *err, size_t errsz) WUR;

/* An order by intent id or by client id, or NULL. */
struct oms_order *oms_by_intent(struct oms *o, const char *id);
struct oms_order *oms_by_client(struct oms *o, const char *client_id);

/* The orders not done, for the caller's scans: *n of them.  The array
 * changes when an order is done or taken. */
struct oms_order *const *oms_active(const struct oms *o, size_t *n);

/* Orders the program still has work for: queued, sent, unresolved, to
 * be canceled, or with fills the venue told of and the store lacks. */
size_t oms_pending_work(const struct oms *o);

/* The venue told of more filled quantity than the fills recorded. */
int oms_fills_missing(const struct oms_order *ord);

#endif
