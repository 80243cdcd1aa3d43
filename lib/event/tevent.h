/*
 * tevent: the trading events of mkt-events(5).  intent and cancel are
 * read (a strategy writes them); order, fill and position are written
 * (mkt-exec).  Reading checks every field a venue would otherwise
 * refuse later, so a bad intent is a bad line, reported at once, and
 * never a request.
 */
#ifndef MKT_TEVENT_H
#define MKT_TEVENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/buf.h"
#include "base/fixed.h"
#include "event/event.h"

#define TEV_ID_MAX 128		/* an intent id, at most */
#define TEV_NAME 16		/* venue and market names */
#define TEV_SYMBOL 32
#define TEV_NUM 48		/* a decimal as text */

struct intent {
	char id[TEV_ID_MAX + 1];
	char venue[TEV_NAME], market[TEV_NAME];	/* "" when absent */
	char symbol[TEV_SYMBOL];
	char side[5];		/* "buy" or "sell" */
	char kind[7];		/* "limit" or "market" */
	char tif[10];		/* "GTC", "IOC", "FOK", "post_only" */
	char qty[TEV_NUM];	/* as written, > 0 */
	char price[TEV_NUM];	/* limit: as written, > 0; market: "" */
	struct fx qty_fx, price_fx;
	int reduce_only;
	int64_t time;		/* the event's time, 0 when absent */
};

/*
 * A cancel: of one intent's order (target), or of every open order of
 * a symbol (target "" and symbol set: cancel-all).
 */
struct cancel {
	char id[TEV_ID_MAX + 1];
	char target[TEV_ID_MAX + 1];
	char symbol[TEV_SYMBOL];
};

/*
 * Read an intent from a parsed event (ev->obj; ev->type is EV_OTHER
 * with "type":"intent").  0, or -1 with the reason in why ("field
 * 'qty' must be above 0").
 */
int tevent_intent(const struct event *ev, struct intent *it, char *why,
    size_t whylen) WUR;
int tevent_cancel(const struct event *ev, struct cancel *c, char *why,
    size_t whylen) WUR;

/* The event's type is this string. */
int tevent_is(const struct event *ev, const char *type);

/*
 * An order event (mkt-events(5)): what mkt-exec knows of an intent's
 * order.  order_id, avg_price and reason may be NULL or "".
 */
struct tev_order {
	const char *venue, *market, *symbol;
	int64_t time;			/* epoch ms */
	const char *id, *client_id, *order_id;
	const char *side, *kind, *qty, *price, *tif;
	const char *status, *filled_qty, *avg_price;
	const char *reason;		/* why (rejected, expired, ...) */
	const char *source;		/* rest, stream, reconcile, local */
};
void tevent_render_order(struct buf *out, const struct tev_order *o);

struct tev_fill {
	const char *venue, *market, *symbol;
	int64_t time;
	const char *id, *client_id, *order_id, *trade_id;
	const char *side, *price, *qty, *fee, *fee_asset;
	int maker;			/* -1: unknown */
};
void tevent_render_fill(struct buf *out, const struct tev_fill *f);

/*
 * An order or fill event read back (a journal's replay into a state
 * store): the fields as written, NUL-terminated; "" when absent.
 * Reading checks what the store would refuse: ids printable, side,
 * kind and status words of mkt-events(5), quantities and prices
 * decimals (qty and price above 0, filled_qty not below 0).
 */
#define TEV_STATUS 24
struct tev_order_in {
	char venue[TEV_NAME], market[TEV_NAME], symbol[TEV_SYMBOL];
	int64_t time;			/* epoch ms, needed */
	char id[TEV_ID_MAX + 1], client_id[TEV_ID_MAX + 1];
	char order_id[TEV_ID_MAX + 1];
	char side[5], kind[7], tif[10];
	char qty[TEV_NUM], price[TEV_NUM];
	char status[TEV_STATUS];
	char filled_qty[TEV_NUM];	/* "0" when absent */
	char avg_price[TEV_NUM];
};

struct tev_fill_in {
	char venue[TEV_NAME], market[TEV_NAME], symbol[TEV_SYMBOL];
	int64_t time;
	char id[TEV_ID_MAX + 1], client_id[TEV_ID_MAX + 1];
	char order_id[TEV_ID_MAX + 1], trade_id[TEV_ID_MAX + 1];
	char side[5];
	char price[TEV_NUM], qty[TEV_NUM];
	char fee[TEV_NUM], fee_asset[TEV_SYMBOL];
};

/* Read an order (a fill) event: 0, or -1 with the reason in why. */
int tevent_order_in(const struct event *ev, struct tev_order_in *o,
    char *why, size_t whylen) WUR;
int tevent_fill_in(const struct event *ev, struct tev_fill_in *f,
    char *why, size_t whylen) WUR;

struct tev_position {
	const char *venue, *market, *symbol;
	int64_t time;
	const char *qty, *entry_price, *unrealized_pnl, *realized_pnl;
};
void tevent_render_position(struct buf *out, const struct tev_position *p);

/*
 * A reject (mkt-risk): the intent id refused, a stable reason token and
 * a detail that says the limit and the value.  venue, market and symbol
 * may be "" (an intent too broken to name them); time is epoch ms.
 */
struct tev_reject {
	const char *venue, *market, *symbol;
	int64_t time;
	const char *id, *reason, *detail;
};
void tevent_render_reject(struct buf *out, const struct tev_reject *r);

/*
 * A mismatch event (mkt-events(5)): one difference between the state
 * store and the venue, found by mkt-reconcile or mkt-exec.  what is
 * "order", "fill" or "position"; local and remote say each side's view
 * in words; action the proposed repair ("adopt", "cancel", "close",
 * "fills", "position", "none"); applied 1 when it was carried out.
 * client_id, order_id, trade_id and note may be NULL or "".
 */
struct tev_mismatch {
	const char *venue, *market, *symbol;
	int64_t time;
	const char *what, *client_id, *order_id, *trade_id;
	const char *asset;		/* what "balance": which */
	const char *local, *remote, *action, *note;
	int explained;			/* mkt-exec resolves it by itself */
	int applied;
};
void tevent_render_mismatch(struct buf *out, const struct tev_mismatch *m);

#endif
