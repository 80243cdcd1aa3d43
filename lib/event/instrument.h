/*
 * instrument: the venue's trading rules for one symbol, as an
 * `instrument` event (mkt-events(5)): tick (price step), step
 * (quantity step), min_qty, min_notional and max_qty.  mkt-feed
 * --instruments writes them from the venues' instrument lists; mkt-risk
 * reads them from its input or a cache file of such lines.
 *
 * A rule the venue does not state is absent from the event and 0 here
 * (its has bit clear): no rule, not a rule of zero.
 */
#ifndef MKT_INSTRUMENT_H
#define MKT_INSTRUMENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/buf.h"
#include "base/fixed.h"
#include "event/event.h"

#define INSTR_NAME 16
#define INSTR_SYMBOL 64

enum {
	INSTR_TICK = 1 << 0,
	INSTR_STEP = 1 << 1,
	INSTR_MIN_QTY = 1 << 2,
	INSTR_MIN_NOTIONAL = 1 << 3,
	INSTR_MAX_QTY = 1 << 4,
};

struct instrument {
	char venue[INSTR_NAME], market[INSTR_NAME];
	char symbol[INSTR_SYMBOL];
	int64_t time;			/* 0 when absent */
	unsigned has;			/* INSTR_* */
	struct fx tick, step, min_qty, min_notional, max_qty;	/* > 0 */
};

/*
 * Read an instrument event (type "instrument"; venue, market and symbol
 * required; each rule a decimal above zero, as a number or a string,
 * or absent or null).  0, or -1 with the reason in why ("field 'tick'
 * must be above 0").
 */
int instrument_read(const struct event *ev, struct instrument *in,
    char *why, size_t whylen) WUR;

/* Append in as one event line (with its newline); rules whose has bit
 * is clear are left out, decimals written as JSON strings. */
void instrument_render(struct buf *out, const struct instrument *in);

/*
 * Does v sit on the grid of step (v = k * step for an integer k)?  1
 * yes, 0 no; a step of 0 accepts anything.  Both exact.
 */
int instrument_on_step(struct fx v, struct fx step);

#endif
