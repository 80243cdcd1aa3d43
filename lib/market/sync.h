/*
 * sync: the venues' documented local-order-book procedure for one symbol,
 * as mkt-feed runs it, live or on a recorded capture, under the venue's
 * rules as data (struct seq_rule, book.h; the venue layer has them).
 *
 * Fetched snapshots (!snapshot_in_stream; Binance spot and USD-M
 * futures): depth events are buffered until a snapshot arrives; a
 * snapshot older than the first buffered event is refused (another is
 * needed); buffered events it already covers are dropped; the first
 * event must straddle it (SEQ_NEXT_FIRST: U <= L+1 <= u, SEQ_PREV: U <=
 * L <= u) and every later one continue it (U == previous u + 1, or pu
 * == previous u).  Snapshots in the stream (Bybit v5): a snapshot always
 * resets; every delta continues it (SEQ_NEXT_LAST: u == previous u + 1).
 *
 * What comes out, per symbol: a snapshot followed by the depth events
 * that continue it.  On a gap only this symbol resyncs: a `status`
 * invalid (reason gap, with the ids), `status` resyncing, and, once a new
 * snapshot fits, `status` synced before that snapshot.
 */
#ifndef MKT_SYNC_H
#define MKT_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "event/event.h"
#include "book.h"

/* What the caller should do next for this symbol. */
enum sync_need {
	SYNC_OK = 0,		/* nothing */
	SYNC_SNAPSHOT = 1,	/* fetch a REST snapshot */
	SYNC_RESUBSCRIBE = 2,	/* resubscribe to get a snapshot
				   (snapshot_in_stream) */
};

/*
 * How sync_feed() takes an event.  SYNC_EARLY: it comes from a
 * connection replacing one that is still open (a handover); an update
 * the book cannot take yet is early, not a gap (the old connection has
 * the ones before it to deliver): it is dropped, and so is one that
 * arrives while the book waits for a snapshot.
 */
#define SYNC_EARLY 1u

/* Depth events held while waiting for a snapshot, at most. */
#define SYNC_HOLD_MAX 100000

struct sync_held {
	size_t off, len;	/* the line in held */
	int64_t first_id, last_id, prev_id;
	unsigned has;
	int64_t time, recv;
};

struct sync {
	char *venue, *market, *symbol;
	const struct seq_rule *rule;
	int live;		/* a snapshot has been applied and followed */
	int fresh;		/* nothing applied since that snapshot */
	int broken;		/* a gap since the last snapshot: say synced */
	int64_t id;		/* update id the stream has reached */
	int64_t dropped;	/* held events dropped for the bound */
	/* Counted for --metrics: gaps found in the update ids, and the
	 * "resyncing" status events written (a gap, a stale snapshot). */
	unsigned long gaps, resyncs;
	/* Since sync_handover(): */
	int met;		/* an update came that the stream had */
	int64_t early_id;	/* the last id of those dropped as early */
	struct buf held;	/* lines of held depth events */
	struct sync_held *ev;
	size_t nev, cap;
};

/* A new sync for these names (copied), under rule (not copied: it must
 * outlive the sync; NULL: seq_rule_default).  NULL with errno ENOMEM. */
struct sync *sync_new(const char *venue, const char *market,
    const char *symbol, const struct seq_rule *rule);
void sync_free(struct sync *s);

/*
 * Feed one normalized snapshot or depth event: its parsed fields (event
 * ev) and its line (line[0..n), without '\n'), taken as `how` says
 * (0 or SYNC_EARLY).  Appends to out the lines to emit, each with '\n'.
 * Returns an enum sync_need, or -1 with errno ENOMEM.
 */
int sync_feed(struct sync *s, const struct event *ev, const char *line,
    size_t n, unsigned how, struct buf *out) WUR;

/*
 * Start over: the connection that carried the stream is gone or new.
 * Held events are dropped; the next snapshot starts the book again.
 * Returns 1 when the stream had been in sync (worth a status), else 0.
 */
int sync_restart(struct sync *s);

/*
 * A handover starts: the replacement connection's updates come with
 * SYNC_EARLY.  sync_caught_up() says when this symbol no longer needs
 * the old connection: an update arrived that the stream already had
 * (the two connections have met), and the stream has every update
 * dropped as early.
 */
void sync_handover(struct sync *s);
int sync_caught_up(const struct sync *s);

#endif
