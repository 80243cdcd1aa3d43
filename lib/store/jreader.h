/*
 * jreader: reading a journal (mkt-journal(5)): the index (index.db,
 * opened read-only, so it never blocks the writer) says which frames to
 * read, the segments hold them.
 *
 * A query selects events by seq (from a starting seq on), by their own
 * "time" member (from inclusive, to exclusive) and by their venue, market,
 * symbol and type (each a list of values, any of which matches; the
 * fields combine with AND).  Frames that cannot hold a wanted event are
 * never read: the frames_seq and frames_max_time indexes find the first
 * frame, and frame_keys rules out the frames without a wanted key.  The
 * events of the frames read are then filtered one by one.
 *
 * Events come out in seq order, each the exact bytes that were appended.
 * At the end of what the index holds, jr_next() says JR_END; called
 * again later it picks up the frames committed since (that is how
 * --follow works: the caller sleeps between calls).  A frame that cannot
 * be read, does not decompress, or disagrees with its index row is
 * damage: jr_next() says JR_DAMAGE once, with a message, and goes on
 * with the next frame.
 */
#ifndef MKT_JREADER_H
#define MKT_JREADER_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"

struct jreader;

/* The key fields a query can select on, as named in the keys table. */
enum { JR_VENUE, JR_MARKET, JR_SYMBOL, JR_TYPE, JR_NKEYS };

struct jr_query {
	int64_t from_seq;	/* the first seq wanted; 0 for all */
	int by_time;		/* select by "time": [from_time, to_time) */
	int64_t from_time, to_time;
	int want_time;		/* fill jr_event.time even without by_time */
	/* Per key field: n values (NUL-terminated strings, kept, not
	 * copied: they must live as long as the reader); n 0 is any. */
	const char *const *keys[JR_NKEYS];
	size_t nkeys[JR_NKEYS];
};

/* Defaults: every event from seq 0. */
void jr_query_init(struct jr_query *q);

struct jr_event {
	const char *line;	/* the event's bytes; line[len] is its '\n' */
	size_t len;
	int64_t seq;
	size_t count;		/* events in line[0..len] (jr_next_run) */
	int has_time;		/* when by_time or want_time: the first's */
	int64_t time;
};

enum jr_result {
	JR_ERROR = -1,		/* a failure that stops reading: jr_error() */
	JR_END = 0,		/* nothing more in the index for now */
	JR_EVENT = 1,		/* *ev is set; valid until the next call */
	JR_DAMAGE = 2,		/* a frame was skipped: jr_error() says why */
};

/*
 * Open the journal in dir for reading.  Sets *jr; returns 0, or -1 with
 * the reason in why (no journal there, not format 1, sqlite's error).
 * The caller owns *jr and frees it with jr_close().
 */
int jr_open(struct jreader **jr, const char *dir, char *why,
    size_t whylen) WUR;

/* Close the segments and the database, free everything.  NULL: no-op. */
void jr_close(struct jreader *jr);

/*
 * Plan a query: find the first frame to read.  q is copied (its strings
 * are not).  Call once, before jr_next().  0, or -1 (jr_error()).
 */
int jr_query(struct jreader *jr, const struct jr_query *q) WUR;

/* The next wanted event; see enum jr_result.  ev->count is 1. */
int jr_next(struct jreader *jr, struct jr_event *ev) WUR;

/*
 * The same, but the wanted events that directly follow it in its frame
 * come along, as long as the whole run (with its last '\n') stays within
 * max bytes: ev->line[0..len] holds ev->count events, ev->seq is the
 * first's.  A single event may be longer than max.  For writing many
 * events in one write(2).
 */
int jr_next_run(struct jreader *jr, struct jr_event *ev, size_t max) WUR;

/*
 * The message of the last JR_ERROR or JR_DAMAGE.  Damage reads
 * "seg-NNNNNNNNNN.zst at offset N: reason".
 */
const char *jr_error(const struct jreader *jr);

/*
 * The seq of the first event neither handed out by jr_next() nor passed
 * over (filtered out, in a frame skipped or damaged): where a reader that
 * stopped now resumes.
 */
int64_t jr_position(const struct jreader *jr);

/* Frames decompressed so far, and their bytes. */
unsigned long jr_frames_read(const struct jreader *jr);
uint64_t jr_bytes_read(const struct jreader *jr);

/*
 * Named cursors (the cursors table): the next seq of reader `name`.
 * jr_cursor_get: 1 with *seq set, 0 when there is no such cursor, -1 on
 * error.  jr_cursor_put: store it (through a read-write connection of its
 * own, opened on first use, waiting up to 5 s for the writer); 0 or -1.
 */
int jr_cursor_get(struct jreader *jr, const char *name, int64_t *seq) WUR;
int jr_cursor_put(struct jreader *jr, const char *name, int64_t seq) WUR;

/*
 * Anchors, for a replay that starts each book with a full snapshot
 * (mkt-replay --book).  Snapshots -- the venue's, and the checkpoints
 * mkt-book --checkpoint writes -- are found through frame_keys, whose
 * rows say per frame which (venue, market, symbol, "snapshot") it holds
 * and at what times.
 *
 * jr_books: call fn once per book of the journal -- each (venue,
 * market, symbol) with snapshot or depth events -- that q's venue,
 * market and symbol lists select (its type list is not looked at).
 * fn returns 0, or -1 to stop (the result is then -1 and fn has said
 * why).  0, or -1 (jr_error()).
 *
 * jr_anchor: the last frame that holds a snapshot of the book with a
 * time before t: 1 with *seq its first seq and *time the earliest time
 * of those snapshots in it, 0 when there is none, -1 (jr_error()).
 *
 * jr_seq_at: the first seq of the first frame with an event at or
 * after t: 1 with *seq, 0 when there is none, -1.
 */
typedef int jr_book_fn(void *ctx, const char *venue, const char *market,
    const char *symbol);
int jr_books(struct jreader *jr, const struct jr_query *q, jr_book_fn *fn,
    void *ctx) WUR;
int jr_anchor(struct jreader *jr, const char *venue, const char *market,
    const char *symbol, int64_t t, int64_t *seq, int64_t *time) WUR;
int jr_seq_at(struct jreader *jr, int64_t t, int64_t *seq) WUR;

#endif
