/*
 * event: reading mkt events (mkt-events(5)) from one NDJSON line.
 *
 * event_parse() validates the line, finds the type and the fields the
 * offline programs use, and checks their types; the level arrays are
 * decoded separately into exact numbers by event_levels(), so a program
 * that only passes an event through never pays for them.
 */
#ifndef MKT_EVENT_H
#define MKT_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/buf.h"
#include "base/fixed.h"
#include "base/json.h"

enum ev_type {
	EV_OTHER = 0,	/* any type these programs do not know */
	EV_SNAPSHOT,
	EV_DEPTH,
	EV_TICKER,
	EV_BOOK,
	EV_BANDS,
	EV_TRADE,
	EV_STATUS,
	EV_IMBALANCE,
};

/* Which fields event_parse() found; the ids and times are optional. */
enum {
	EV_HAS_TIME = 1 << 0,
	EV_HAS_RECV = 1 << 1,
	EV_HAS_FIRST_ID = 1 << 2,
	EV_HAS_LAST_ID = 1 << 3,
	EV_HAS_PREV_ID = 1 << 4,
	EV_HAS_TOP_QTY = 1 << 5,	/* a ticker's bid_qty and ask_qty */
};

/* The fields the programs read, found in one pass over the members. */
enum ev_field {
	EVF_TYPE, EVF_VENUE, EVF_MARKET, EVF_SYMBOL, EVF_TIME, EVF_RECV,
	EVF_FIRST_ID, EVF_LAST_ID, EVF_PREV_ID, EVF_BIDS, EVF_ASKS, EVF_BID,
	EVF_BID_QTY, EVF_ASK, EVF_ASK_QTY, EVF_COUNT
};

struct event {
	enum ev_type type;
	const struct json_span *field[EVF_COUNT];	/* NULL when absent */
	unsigned has;
	int64_t time;		/* exchange event time, epoch ms */
	int64_t recv;		/* local receive time, epoch µs */
	int64_t first_id, last_id, prev_id;
	/* Strings of market events (spans into the line, unescaped). */
	const struct json_span *venue, *market, *symbol;
	/* snapshot, depth, book: the level arrays. */
	const struct json_span *bids, *asks;
	/* ticker: top of book. */
	struct fx bid, bid_qty, ask, ask_qty;
	struct json_obj obj;
};

/*
 * Parse one line: validate it as a JSON object with a string "type" and
 * classify it.  Returns 0, or -1 with a reason in why[0..whylen)
 * ("missing field 'type'", "invalid JSON at byte 12: ...").
 */
int event_parse(const char *line, size_t n, struct event *ev, char *why,
    size_t whylen) WUR;

/*
 * The same, for a program that consumes the types in `consume` (a mask
 * of EV_BIT(type)): the level arrays of those events are then validated
 * only once, while event_levels() decodes them, instead of twice.  Every
 * other array is validated here, so a line passed through is always
 * valid JSON.  The caller must decode (event_levels) the bids and asks
 * of every consumed event it accepts.
 */
#define EV_BIT(t) (1u << (t))
int event_parse_for(const char *line, size_t n, struct event *ev,
    unsigned consume, char *why, size_t whylen) WUR;

/*
 * Read and check the fields of the event's type (common market fields,
 * ids, level arrays, ticker prices).  Programs call it only for the
 * types they consume, so that what they pass through is never judged by
 * rules they do not apply.  0, or -1 with a reason ("missing field
 * 'bids'", "field 'last_id' is not an integer").
 */
int event_fields(struct event *ev, char *why, size_t whylen) WUR;

/*
 * Render the head every market event starts with:
 * {"type":T,"venue":..,"market":..,"symbol":..[,"time":..][,"recv":..]
 * (no closing brace); `has` says which of time and recv to write.
 */
void event_render_head(struct buf *out, const char *type, const char *venue,
    const char *market, const char *symbol, unsigned has, int64_t time,
    int64_t recv);

/* ,"name":v -- an integer member of the event being rendered. */
void event_render_int(struct buf *out, const char *name, int64_t v);

/* A decoded price level. */
struct level_fx {
	struct fx px;
	struct fx qty;
};

/* A growable array of decoded levels; the caller owns and frees it. */
struct levels {
	struct level_fx *lv;
	size_t n, cap;
};
void levels_free(struct levels *l);

/*
 * Decode an array of [price, qty] pairs (numbers or numeric strings)
 * into l, replacing its contents.  Returns 0, or -1 with the reason in
 * why (bad level, number out of range, negative quantity); ENOMEM is
 * reported as a reason too, with errno set.
 */
int event_levels(const struct json_span *arr, struct levels *l,
    const char *field, char *why, size_t whylen) WUR;

/*
 * Decode a decimal field value (number or numeric string): FX_OK,
 * FX_RANGE, or FX_SYNTAX (also for any other JSON type).
 */
int event_decimal(const struct json_span *v, struct fx *out) WUR;

#endif
