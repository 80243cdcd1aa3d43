/*
 * state: mkt-exec's state store (mkt-state(5)), one SQLite database in
 * WAL mode with synchronous=FULL: intents, orders and their status
 * changes, fills, positions, balances, daily figures and a key/value
 * table for a program's own durable state.
 *
 * The write-ahead rule: an intent is recorded (state "pending") and
 * committed by state_intent_record() before its request may leave, and
 * every order transition is committed by state_order_transition()
 * before it is acted on.  An intent id already in the store is never
 * sent again: state_intent_record() answers STATE_EXISTS.
 *
 * Prices and quantities are TEXT decimals as the caller wrote them
 * (never REAL); what the store computes (positions, realized pnl,
 * daily sums, average prices) is exact decimal arithmetic (base/fixed),
 * but for an average, rounded half to even at STATE_AVG_SCALE decimals
 * (or the operands' scale when larger).  Times are milliseconds since the epoch, from the
 * caller.  Every function returns -1 on failure with errno set and a
 * line in the caller's buffer err (errsz bytes) that names the step
 * and SQLite's message: "cannot record an intent (database is
 * locked)"; the caller adds the file's name.  Nothing here prints or
 * exits.
 */
#ifndef MKT_STATE_H
#define MKT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"

/* The schema version this code creates and understands. */
#define STATE_VERSION 3

/*
 * The client id rule.  The venues' common ground: Binance's
 * newClientOrderId (FIX ClOrdID, ^[a-zA-Z0-9-_]{1,36}$; the REST
 * pattern ^[\.A-Z\:/a-z0-9_-]{1,36}$ allows more) and Bybit's
 * orderLinkId (at most 36 characters, letters, digits, '-' and '_').
 * So:
 *
 *   - an intent id of 1 to 36 characters of [A-Za-z0-9_-] is its own
 *     client id, unless it has the form of a hashed id (below);
 *   - any other intent id (longer, another character, or of the form
 *     'h' followed by 35 lower-case hex digits) becomes "h" followed
 *     by the first 35 lower-case hex digits of the SHA-256 of its
 *     bytes: 36 characters.
 *
 * The map is deterministic and, but for SHA-256 collisions in 140
 * bits, one to one: a kept id never has the hashed form.
 */
#define STATE_CLIENT_ID_MAX 36

/* Where a status change was learnt (order_events.source). */
#define STATE_SRC_REST "rest"
#define STATE_SRC_STREAM "stream"
#define STATE_SRC_RECONCILE "reconcile"
#define STATE_SRC_LOCAL "local"
/* Replayed from a journal into a store that lacked it (mkt-exec
 * --journal, store/jreplay.h). */
#define STATE_SRC_JOURNAL "journal"

/*
 * An intent's state (intents.state), kept in step with its order:
 *   pending  recorded; its request may not have left
 *   sent     a request left; its outcome may be unknown (sent_ms: when
 *            the last one left, for the recvWindow rule)
 *   open     the venue holds the order
 *   done     final: filled, canceled, rejected or expired
 * The moves: pending -> sent, open or done; sent -> sent (a resend,
 * new sent_ms), open or done; open -> done; a state to itself is no
 * change; done is never left.
 */
#define STATE_PENDING "pending"
#define STATE_SENT "sent"
#define STATE_OPEN "open"
#define STATE_DONE "done"

/* An order status that is never left: filled, canceled, rejected or
 * expired.  1 or 0. */
int state_final_status(const char *status);

/* The sizes of the text a row holds (NUL included); longer values are
 * refused when written. */
#define STATE_ID_SZ 129		/* intent ids, venue order and trade ids */
#define STATE_NAME_SZ 33	/* venue, market, side, type, tif, states */
#define STATE_SYMBOL_SZ 65	/* symbols and assets */
#define STATE_DEC_SZ 97		/* decimals as text */

/* Averages (entry prices, fill prices) are rounded half to even at
 * this many decimals, or at the operands' scale when it is larger. */
#define STATE_AVG_SCALE 12

/* The answers besides 0 and -1. */
enum {
	STATE_EXISTS = 1,	/* state_intent_record: id already there */
	STATE_DUPLICATE = 1,	/* state_fill_add: (venue, trade id) there */
};

struct state;

/* One intent as recorded; price may be NULL (a market order); raw is
 * the intent event's line as read; tif may be NULL (the venue's
 * default); reduce_only 0 or 1. */
struct state_intent {
	const char *intent_id;
	const char *venue, *market, *symbol;
	const char *side, *type;
	const char *qty, *price;
	int64_t created_ms;
	const char *raw;
	const char *tif;
	int reduce_only;
};

/* An intent and its order as stored, copied: nothing to free.  Text
 * that is NULL in the database is "" here (price of a market order,
 * tif, and status and venue_order_id before the first transition);
 * filled_qty is "0" and avg_price "" before any; sent_ms is 0 until a
 * request left. */
struct state_intent_row {
	char intent_id[STATE_ID_SZ];
	char client_id[STATE_CLIENT_ID_MAX + 1];
	char venue[STATE_NAME_SZ], market[STATE_NAME_SZ];
	char symbol[STATE_SYMBOL_SZ];
	char side[STATE_NAME_SZ], type[STATE_NAME_SZ];
	char qty[STATE_DEC_SZ], price[STATE_DEC_SZ];
	char tif[STATE_NAME_SZ];
	int reduce_only;
	char state[STATE_NAME_SZ];
	char status[STATE_NAME_SZ];
	char venue_order_id[STATE_ID_SZ];
	char filled_qty[STATE_DEC_SZ], avg_price[STATE_DEC_SZ];
	int64_t created_ms, sent_ms, updated_ms;
};

/* One order transition.  venue_order_id, filled_qty and avg_price may
 * be NULL: the order's stored value is kept (filled_qty "0" for a new
 * row).  source is one of STATE_SRC_*; detail may be NULL. */
struct state_transition {
	const char *client_id;
	const char *status;
	const char *venue_order_id;
	const char *filled_qty, *avg_price;
	int64_t time_ms;
	const char *source;
	const char *detail;
};

/* One fill; client_id may be NULL (a fill of an order not ours),
 * fee and fee_asset may be NULL.  market, symbol and side ("buy" or
 * "sell") say which position it moves; when NULL they are taken from
 * the intent of client_id (a fill without them and without an intent is
 * refused). */
struct state_fill {
	const char *venue, *venue_trade_id;
	const char *client_id;
	const char *price, *qty;
	const char *fee, *fee_asset;
	int64_t time_ms;
	const char *market, *symbol;
	const char *side;
};

/* A position as stored, copied: qty signed (short below zero),
 * entry_price "" when flat, realized_pnl the sum over its life, in the
 * quote asset, before fees. */
struct state_position_row {
	char venue[STATE_NAME_SZ], market[STATE_NAME_SZ];
	char symbol[STATE_SYMBOL_SZ];
	char qty[STATE_DEC_SZ], entry_price[STATE_DEC_SZ];
	char realized_pnl[STATE_DEC_SZ];
	int64_t updated_ms;
};

/* A balance as stored, copied. */
struct state_balance_row {
	char venue[STATE_NAME_SZ], market[STATE_NAME_SZ];
	char asset[STATE_SYMBOL_SZ];
	char free[STATE_DEC_SZ], locked[STATE_DEC_SZ];
	int64_t updated_ms;
};

/* The client id of intent_id into out (STATE_CLIENT_ID_MAX + 1 bytes,
 * NUL-terminated).  0, or -1 with errno EINVAL for an empty id. */
int state_client_id(const char *intent_id,
    char out[STATE_CLIENT_ID_MAX + 1]) WUR;

/*
 * Open (creating it when missing) the state database at path and bring
 * its schema to STATE_VERSION, all migrations in one transaction.  A
 * database of a newer version than STATE_VERSION is refused (errno
 * EPROTO) and left as it is.  *sp is NULL on failure.  The caller
 * closes with state_close().
 */
int state_open(struct state **sp, const char *path, char *err,
    size_t errsz) WUR;

/* Close the handle (NULL is allowed). */
void state_close(struct state *s);

/* The schema version recorded in the database. */
int state_version(struct state *s, int64_t *v, char *err, size_t errsz) WUR;

/*
 * Record an intent as "pending" with its client id and commit: 0
 * recorded, STATE_EXISTS when the intent id (or its client id) is
 * already in the store, -1 with err (EINVAL: a qty or price that is not
 * a decimal, or a field longer than its row holds, STATE_*_SZ).  Only
 * after 0 may its request leave.
 */
int state_intent_record(struct state *s, const struct state_intent *in,
    char *err, size_t errsz) WUR;

/*
 * Record a transition: the order's row in orders (created on the first
 * transition) and a row in order_events, in one transaction, committed
 * before this returns.  The client id must be an intent's (ENOENT
 * otherwise).  The intent moves with it, in the same transaction: to
 * "done" on a final status (filled, canceled, rejected, expired), to
 * "open" from "pending" or "sent" on "new" or "partially_filled" learnt
 * from the venue (any source but "local").  0 or -1 with err (EINVAL
 * also for a field longer than a row holds, STATE_*_SZ).
 */
int state_order_transition(struct state *s, const struct state_transition *t,
    char *err, size_t errsz) WUR;

/*
 * Add a fill and, in the same transaction, move its position and the
 * day's figures (mkt-state(5)): 0 added, STATE_DUPLICATE when its
 * (venue, market, symbol, venue trade id) is already there (nothing
 * changes), -1 with
 * err (EINVAL: a price, quantity or fee that is not a decimal, a
 * quantity not above zero, a side not "buy" or "sell", no market,
 * symbol or side).  Committed when it returns.
 */
int state_fill_add(struct state *s, const struct state_fill *f, char *err,
    size_t errsz) WUR;

/*
 * The fills of client_id so far: their number (>= 0), the summed
 * quantity into qty ("0" for none) and the average price, weighted by
 * quantity, into avg ("" for none; rounded as STATE_AVG_SCALE says).
 * -1 with err.
 */
int state_fill_sum(struct state *s, const char *client_id,
    char qty[STATE_DEC_SZ], char avg[STATE_DEC_SZ], char *err,
    size_t errsz) WUR;

/*
 * Move the intent of client_id to state (STATE_*) at time_ms and
 * commit; "sent" also sets sent_ms to time_ms and, the first time,
 * counts an order in the day's figures.  0, or -1 with err: ENOENT for
 * no such intent, EINVAL for a state that is not one or a move the
 * rule above does not allow ("done" to anything else, "open" to
 * "sent" ...).
 */
int state_intent_mark(struct state *s, const char *client_id,
    const char *state, int64_t time_ms, char *err, size_t errsz) WUR;

/*
 * The intent whose intent id, or else whose client id, is id, with its
 * order: 1 with *out, 0 when there is none, -1 with err.
 */
int state_intent_get(struct state *s, const char *id,
    struct state_intent_row *out, char *err, size_t errsz) WUR;

/*
 * Call cb for every intent of venue:market that is not "done", oldest
 * first (created_ms, then the order recorded): what a restart must
 * resolve.  The rows are read first, so cb may write (mark, transition).
 * A cb that returns non-zero stops the walk, and that value is
 * returned; else 0, or -1 with err.
 */
int state_unfinished(struct state *s, const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_intent_row *row), void *ctx,
    char *err, size_t errsz) WUR;

/* How many intents of venue:market are not "done" (an index lookup).
 * 0 or -1 with err. */
int state_unfinished_count(struct state *s, const char *venue,
    const char *market, int64_t *n, char *err, size_t errsz) WUR;

/* The position of (venue, market, symbol): 1 with *out, 0 when it never
 * had a fill, -1 with err. */
int state_position_get(struct state *s, const char *venue,
    const char *market, const char *symbol, struct state_position_row *out,
    char *err, size_t errsz) WUR;

/* Call cb for every position of venue:market, by symbol; as
 * state_unfinished() for cb's answer and the result. */
int state_positions(struct state *s, const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_position_row *row), void *ctx,
    char *err, size_t errsz) WUR;

/*
 * Put the balance of asset in the account venue:market (Binance's spot
 * and futures wallets are two accounts) and commit.  free and locked
 * are decimals (EINVAL otherwise).  0 or -1 with err.
 */
int state_balance_put(struct state *s, const char *venue, const char *market,
    const char *asset, const char *free, const char *locked, int64_t time_ms,
    char *err, size_t errsz) WUR;

/* The balance of asset in venue:market: 1 with *out, 0 when none was
 * put, -1 with err. */
int state_balance_get(struct state *s, const char *venue, const char *market,
    const char *asset, struct state_balance_row *out, char *err,
    size_t errsz) WUR;

/* Put value (n bytes) under (owner, key), replacing any, and commit. */
int state_kv_put(struct state *s, const char *owner, const char *key,
    const void *value, size_t n, int64_t now_ms, char *err,
    size_t errsz) WUR;

/*
 * Get the value under (owner, key): 1 with *value (malloc'd, the caller
 * frees it; NUL-terminated after its n bytes) and *n, 0 when there is
 * none (*value NULL), -1 with err.
 */
int state_kv_get(struct state *s, const char *owner, const char *key,
    void **value, size_t *n, char *err, size_t errsz) WUR;

/*
 * Group every change until state_batch_end() into one transaction: one
 * commit and one fsync instead of one per change.  Nothing of the batch
 * is durable before state_batch_end() returns 0, so a program keeps the
 * write-ahead rule only if it acts on none of the batch's changes (sends
 * nothing, writes no event about them) before then.  A change that
 * fails inside the batch undoes itself alone.  0, or -1 with err (a
 * failed end rolls the whole batch back).
 */
int state_batch_begin(struct state *s, char *err, size_t errsz) WUR;
int state_batch_end(struct state *s, char *err, size_t errsz) WUR;
/* Undo the whole batch and close it (none open: nothing happens). */
void state_batch_abort(struct state *s);

/*
 * Read by mkt-report (state_report.c): the fills in time order, through
 * a read-only connection of its own, so that a report never takes a
 * write lock from a running mkt-exec (the store is in WAL mode: the
 * report sees the last commit when its query starts).
 */

/* The reason an intent gave for itself (its optional "reason" or, else,
 * "tag" string, mkt-events(5)), cut to this size. */
#define STATE_REASON_SZ 65

/* One fill with what the report needs of its intent, copied.  fee is
 * "0" when the store has none; fee_asset and reason "" when none. */
struct state_report_fill {
	char venue[STATE_NAME_SZ], market[STATE_NAME_SZ];
	char symbol[STATE_SYMBOL_SZ], side[STATE_NAME_SZ];
	char price[STATE_DEC_SZ], qty[STATE_DEC_SZ], fee[STATE_DEC_SZ];
	char fee_asset[STATE_SYMBOL_SZ];
	char client_id[STATE_ID_SZ], trade_id[STATE_ID_SZ];
	char reason[STATE_REASON_SZ];
	int64_t time_ms;
};

struct state_report;

/* Open the store at path read only (a missing file is ENOENT, never
 * created); *rp is NULL on failure.  0 or -1 with err. */
int state_report_open(struct state_report **rp, const char *path,
    char *err, size_t errsz) WUR;

/* Close the handle (NULL is allowed). */
void state_report_close(struct state_report *r);

/*
 * Call cb for every fill before to_ms (INT64_MAX: all) of venue and
 * market (NULL: any), in time order, then the order they were stored
 * in.  Fills that do not say which position they move (a v1 fill of an
 * order not ours) are left out.  A cb that returns non-zero stops the
 * walk and that value is returned; else 0, or -1 with err.
 */
int state_report_fills(struct state_report *r, int64_t to_ms,
    const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_report_fill *f), void *ctx,
    char *err, size_t errsz) WUR;

/*
 * Call cb for every position (NULL venue or market: any), by venue,
 * market and symbol, over the report's read-only connection; as
 * state_report_fills() for cb and the result.
 */
int state_report_positions(struct state_report *r, const char *venue,
    const char *market,
    int (*cb)(void *ctx, const struct state_position_row *row), void *ctx,
    char *err, size_t errsz) WUR;

/* ---- read by mkt-risk (state_risk.c) ---- */

/*
 * The intents of venue:market:symbol that are not "done" (pending,
 * sent or open: orders the venue holds or may come to hold): their
 * number into *count and what each may still fill (qty less its
 * filled_qty) summed by side into buy and sell ("0" for none).  0, or
 * -1 with err.
 */
int state_risk_open_orders(struct state *s, const char *venue,
    const char *market, const char *symbol, int64_t *count,
    char buy[STATE_DEC_SZ], char sell[STATE_DEC_SZ], char *err,
    size_t errsz) WUR;

/*
 * The realized pnl of venue:market on the UTC day of day_ms, before
 * fees (the daily figures of mkt-state(5)), into pnl ("0" when the day
 * has no fill).  0, or -1 with err.
 */
int state_risk_day_pnl(struct state *s, const char *venue,
    const char *market, int64_t day_ms, char pnl[STATE_DEC_SZ], char *err,
    size_t errsz) WUR;

/* ---- written by mkt-reconcile (state_reconcile.c) ---- */

/*
 * Whether the store has the fill (venue, market, symbol, venue trade
 * id): 1 yes, 0 no, -1 with err.
 */
int state_fill_known(struct state *s, const char *venue, const char *market,
    const char *symbol, const char *trade_id, char *err, size_t errsz) WUR;

/*
 * A venue order the store did not know, taken as its own: recorded as
 * an intent (its id the venue's client id, raw a line marked
 * "source":"reconcile") and an order with the venue's status (source
 * "reconcile"), in one transaction, so a later mkt-exec manages it.
 * The client id must be its own by the client id rule (EINVAL
 * otherwise: an order without one, or with another form, cannot be
 * queried by it -- cancel it instead).  STATE_EXISTS when the id is
 * there already.  0 or -1 with err.
 */
struct state_adopt {
	const char *venue, *market, *symbol;
	const char *client_id, *venue_order_id;
	const char *side, *type, *qty, *price;	/* price NULL: market */
	const char *status, *filled_qty, *avg_price;
	int64_t time_ms;
};
int state_reconcile_adopt(struct state *s, const struct state_adopt *a,
    char *err, size_t errsz) WUR;

/*
 * Call cb with every intent of venue:market that is done and changed
 * at or after since_ms (the orders whose fills a reconciliation may
 * still have to ask for), oldest first; as state_unfinished() for cb
 * and the result.
 */
int state_done_since(struct state *s, const char *venue, const char *market,
    int64_t since_ms, int (*cb)(void *ctx, const struct state_intent_row *row),
    void *ctx, char *err, size_t errsz) WUR;

/*
 * Add a fill copied from a venue record: as state_fill_add(), but one
 * without a venue trade id is refused (EINVAL): a fill is never
 * invented.
 */
int state_reconcile_fill(struct state *s, const struct state_fill *f,
    char *err, size_t errsz) WUR;

/*
 * Where the store's fills of each symbol of venue:market end: the
 * latest fill time, and the highest venue trade id when the ids are
 * numbers (Binance; -1 otherwise), for asking the venue the fills
 * after.  cb is called once per symbol, in symbol order, while the rows
 * are read: it must not write the store; a non-zero return stops and is
 * returned.  0, or -1 with err.
 */
struct state_fill_mark {
	char symbol[STATE_SYMBOL_SZ];
	int64_t time_ms;
	int64_t max_id;
};
int state_fill_marks(struct state *s, const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_fill_mark *mk), void *ctx,
    char *err, size_t errsz) WUR;

/*
 * The client id of the order the venue knows as venue_order_id in
 * (venue, market, symbol) into out: 1, 0 when the store has no such
 * order, -1 with err.  For a venue's fill list that names only its
 * order ids.
 */
int state_client_of_order(struct state *s, const char *venue,
    const char *market, const char *symbol, const char *venue_order_id,
    char *out, size_t outsz, char *err, size_t errsz) WUR;

/* Every balance of venue:market, by asset; cb as for
 * state_fill_marks(). */
int state_balances(struct state *s, const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_balance_row *row), void *ctx,
    char *err, size_t errsz) WUR;

/*
 * Take the venue's position of (venue, market, symbol): qty (signed)
 * and entry_price ("" or NULL when unknown or flat) replace the
 * store's; its realized pnl is kept.  Committed; 0 or -1 with err.
 */
int state_reconcile_position(struct state *s, const char *venue,
    const char *market, const char *symbol, const char *qty,
    const char *entry_price, int64_t time_ms, char *err,
    size_t errsz) WUR;

/* ---- read by the example strategies (state_strat.c) ---- */

/*
 * One intent of a strategy's run, with what its order filled, copied.
 * price, tif and tag are "" when none (a market order, the venue's
 * default, no "tag" string in the intent line); filled_qty is the
 * order's ("0" before any transition).
 */
struct state_strat_intent {
	char intent_id[STATE_ID_SZ];
	char venue[STATE_NAME_SZ], market[STATE_NAME_SZ];
	char symbol[STATE_SYMBOL_SZ];
	char side[STATE_NAME_SZ], type[STATE_NAME_SZ];
	char qty[STATE_DEC_SZ], price[STATE_DEC_SZ];
	char tif[STATE_NAME_SZ], state[STATE_NAME_SZ];
	char filled_qty[STATE_DEC_SZ];
	char tag[STATE_REASON_SZ];
	int64_t created_ms;
};

/* One fill of such an intent, copied. */
struct state_strat_fill {
	char intent_id[STATE_ID_SZ];
	char trade_id[STATE_ID_SZ];
	char price[STATE_DEC_SZ], qty[STATE_DEC_SZ];
};

struct state_strat;

/* Open the store at path read only (a missing file is ENOENT, never
 * created; a file without the schema yet has no intents); *rp is NULL
 * on failure.  0 or -1 with err. */
int state_strat_open(struct state_strat **rp, const char *path, char *err,
    size_t errsz) WUR;

/* Close the handle (NULL is allowed). */
void state_strat_close(struct state_strat *r);

/*
 * Call cb for every intent whose intent id starts with prefix (compared
 * byte for byte), done or not, oldest first (created_ms, then the order
 * recorded).  A cb that returns non-zero stops the walk and that value
 * is returned; else 0, or -1 with err.
 */
int state_strat_intents(struct state_strat *r, const char *prefix,
    int (*cb)(void *ctx, const struct state_strat_intent *in), void *ctx,
    char *err, size_t errsz) WUR;

/* Call cb for every fill of those intents, in time order; as
 * state_strat_intents() for cb and the result. */
int state_strat_fills(struct state_strat *r, const char *prefix,
    int (*cb)(void *ctx, const struct state_strat_fill *f), void *ctx,
    char *err, size_t errsz) WUR;

#endif
