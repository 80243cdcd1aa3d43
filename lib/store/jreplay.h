/*
 * jreplay: a journal's order and fill events replayed into a state
 * store that lacks them (mkt-exec --journal, mkt(7) "Recovery").
 *
 * mkt-exec's store is written ahead of its output, so the journal at a
 * pipeline's end holds a subset of what the store had.  A store
 * restored from a backup, or an older copy, is behind the journal: the
 * replay brings it forward, from the journal seq the store recorded at
 * the last replay (kv owner "mkt-exec", key "journal_seq:" and the
 * journal's absolute path; 0 when none) to the journal's end, taking
 * only the order and fill events of one venue:market:
 *
 *   - a fill whose (venue, market, symbol, trade id) the store does not
 *     hold is added by state_fill_add(), moving its position and the
 *     day's figures as any fill does;
 *   - an order event whose client id the store does not know records
 *     its intent (its raw line the order event's) and marks it "sent":
 *     the request may have left, so a restart asks the venue by client
 *     id before it sends anything;
 *   - a known order's status is recorded (source "journal") when it is
 *     further on than the store's: a higher rank (new, then
 *     partially_filled, then final) or more filled; a final status
 *     only once the store holds the fills that make its filled
 *     quantity, as mkt-exec itself records it.
 *
 * The seq after the last event read is stored in the same transaction
 * as the changes, so a replay is all or nothing, and a second one
 * changes nothing.
 */
#ifndef MKT_JREPLAY_H
#define MKT_JREPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "store/state.h"

/* The kv owner of the recorded seq. */
#define JREPLAY_OWNER "mkt-exec"

struct jreplay_counts {
	int64_t from_seq, next_seq;	/* the journal range read */
	uint64_t events;		/* order and fill events read */
	uint64_t intents;		/* intents the store did not know */
	uint64_t statuses;		/* status changes recorded */
	uint64_t fills;			/* fills added */
};

/*
 * Replay the journal in dir into s for venue:market, as above.  0, or
 * -1 with err naming the step: a journal that does not exist or cannot
 * be read ("cannot open the journal 'DIR': ..."), damage in it, an
 * event that cannot be read or a change the store refuses ("journal
 * 'DIR' seq N: ...").
 * Nothing of a failed replay is kept.  now_ms: the seq's kv time.  *c
 * is set either way.
 */
int jreplay_run(struct state *s, const char *dir, const char *venue,
    const char *market, int64_t now_ms, struct jreplay_counts *c,
    char *err, size_t errsz) WUR;

#endif
