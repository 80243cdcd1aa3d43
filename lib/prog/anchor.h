/*
 * anchor: a replay that starts each book with a full snapshot of it
 * (mkt-replay --book).
 *
 * For each book the replay selects, the journal's index names the last
 * frame holding a snapshot of it before the start time T (a checkpoint
 * of mkt-book --checkpoint, or the venue's own).  Reading starts at the
 * earliest of those frames; each book's snapshot and depth events before
 * T are applied to a book of our own under the venue's sync rule,
 * exactly as mkt-book applies them, and not written.  At the book's
 * first event at or after T, its book goes out first as a `snapshot`
 * marked "checkpoint":true, carrying the last_id of the last update
 * applied (so the next depth event continues it under the venue's
 * rule), then that event and every later event of the book, in journal
 * order.  Events of no book are selected by time as without --book.
 */
#ifndef MKT_ANCHOR_H
#define MKT_ANCHOR_H

#include <stdint.h>

#include "base/buf.h"
#include "store/jreader.h"

struct anchor;

/*
 * Plan an anchored query on jr: the books q selects (its venue, market
 * and symbol lists), their anchors before from, and the jr_query that
 * reads from the earliest (q copied, with from_seq set and by_time off;
 * its type list kept for anchor_next() only).  to: the end (exclusive),
 * INT64_MAX for none.  Notes on standard error the books whose last
 * snapshot is long before from.  Dies on failure.
 */
struct anchor *anchor_plan(struct jreader *jr, const struct jr_query *q,
    int64_t from, int64_t to);
void anchor_free(struct anchor *a);

/*
 * The next event to write: JR_EVENT with *ev set -- an anchor snapshot
 * (in memory of the anchor, valid until the next call) or a journal
 * event --, or JR_END, JR_DAMAGE, JR_ERROR as jr_next().
 */
int anchor_next(struct anchor *a, struct jr_event *ev) WUR;

/* Books for which no valid book was found at from (said on stderr). */
unsigned long anchor_missing(const struct anchor *a);

#endif
