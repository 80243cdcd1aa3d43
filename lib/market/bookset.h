/*
 * bookset: the books of a stream, one per (venue, market, symbol), fed
 * with events, with the interval windows of mkt-book and mkt-depth.
 *
 * bookset_feed() applies snapshot, depth, book and ticker events under
 * the sync rules and renders the status events they cause.  Which rule a
 * book follows is the caller's to say (bookset_rules(): the venue
 * layer's venue_seq_rule()); without, every book follows
 * seq_rule_default.  A book that
 * an event left changed and valid is handed to the program's render
 * callback: at once (interval 0), or once per window of event time
 * [k*interval, (k+1)*interval) with its latest state, in the order the
 * books first changed, when an event of a later window arrives or at
 * bookset_finish().  Interval output is stamped with the window's start
 * time, as a candle is.
 */
#ifndef MKT_BOOKSET_H
#define MKT_BOOKSET_H

#include <stdint.h>

#include "book.h"
#include "base/buf.h"
#include "event/event.h"
#include "base/keymap.h"

typedef void bookset_render_fn(void *ctx, struct buf *out, struct book *b);

struct bookset {
	struct keymap map;
	struct levels bids, asks;	/* decoding scratch */
	const char *source;		/* program name for status events */
	int64_t interval;		/* ms; 0 = every update */
	int64_t window;			/* current window index */
	int have_window;
	struct book **pending;		/* changed in this window */
	size_t npending, cap;
	bookset_render_fn *render;
	void *ctx;
	seq_rule_fn *rule_of;		/* NULL: seq_rule_default for all */
	int64_t ckpt_every;		/* checkpoint period, ms; 0: none */
	int64_t ckpt_window;		/* current checkpoint period index */
	int have_ckpt_window;
	/* Counted for --metrics: books found invalid (once per spell: a
	 * gap, a crossed book, a ticker that disagrees), and books a
	 * snapshot made valid again. */
	unsigned long invalid, restored;
};

void bookset_init(struct bookset *bs, const char *source, int64_t interval,
    bookset_render_fn *render, void *ctx);
void bookset_free(struct bookset *bs);

/* Books made from now on follow the rule rule_of gives for their venue
 * and market (or seq_rule_default when it gives NULL). */
void bookset_rules(struct bookset *bs, seq_rule_fn *rule_of);

/* Does this program's bookset take events of this type? */
int bookset_wants(enum ev_type t);

/*
 * Feed one parsed event of a type bookset_wants().  Appends to out any
 * status events and book renderings due.  Returns 0, or -1 when the event
 * is bad (reason in why; nothing changed) -- ENOMEM is fatal for the
 * caller (errno ENOMEM).
 */
int bookset_feed(struct bookset *bs, struct event *ev, struct buf *out,
    char *why, size_t whylen) WUR;

/*
 * Checkpoints (mkt-book --checkpoint): every `every` ms of event time
 * (0: never), a `snapshot` event marked "checkpoint":true of each book
 * that is live and changed since its last checkpoint, so that a journal
 * of the stream holds a full book at least once a period and a reader
 * can start there (mkt-replay --book).
 */
void bookset_checkpoints(struct bookset *bs, int64_t every);

/*
 * Call with each event that has a time before feeding it: when its time
 * opens a new period, append the checkpoints of the books as they stand
 * before it.  They must reach the output before the event itself, so
 * that the next depth event continues the checkpoint's last_id.
 */
void bookset_checkpoint_due(struct bookset *bs, const struct event *ev,
    struct buf *out);

/* End of input: render what the current window holds. */
void bookset_finish(struct bookset *bs, struct buf *out);

#endif
