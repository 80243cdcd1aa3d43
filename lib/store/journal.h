/*
 * journal: the mkt journal (mkt-journal(5)) -- a directory of segment
 * files, each a concatenation of independent zstd frames of whole event
 * lines, indexed by a SQLite database (index.db, WAL mode).
 *
 * A writer (journal_open) holds the directory's lock for its whole life:
 * it appends lines into frames, closes a frame when it is full or at a
 * sync, rotates segments by size and age, and at each sync makes the
 * frames durable (fdatasync) before indexing them in one transaction.
 * On open it brings the index back in line with the segments: frames
 * written but not indexed are indexed, a torn or corrupt tail is moved
 * aside to SEG.torn and cut off.  The same handle does the maintenance
 * that must not race an appender: reindex and prune.
 *
 * A reader (journal_open_read) takes no lock and opens the index
 * read-only: verify, ls and stats.  It changes nothing: bytes that a
 * writer that is gone left past the index (a "hot tail") are only
 * counted (journal_tail), and the next writer's recovery indexes them.
 *
 * Nothing here prints: failures return -1 with errno, and
 * journal_error() names the step that failed ("cannot write
 * 'seg-0000000003.zst'", "index.db: cannot insert frame (disk I/O
 * error)"); recovery and reindex describe what they repaired through
 * the note callback.
 */
#ifndef MKT_JOURNAL_H
#define MKT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/attr.h"
#include "base/buf.h"
#include "event/event.h"

/* Defaults of the writer's options. */
#define JOURNAL_FRAME_SIZE (1u << 20)
#define JOURNAL_SEGMENT_SIZE (64ull << 20)
#define JOURNAL_SEGMENT_TIME (3600 * 1000LL)
#define JOURNAL_LEVEL 3

struct journal;

struct journal_opts {
	size_t frame_size;	/* close a frame at this many content bytes */
	uint64_t segment_size;	/* close a segment at this many bytes */
	int64_t segment_time;	/* ... or when it is this old (ms, 0: never) */
	int level;		/* zstd level */
	/* What recovery and reindex repaired, one message at a time
	 * ("seg-0000000002.zst: torn tail at offset 123 (45 bytes) moved
	 * to seg-0000000002.zst.torn").  NULL: not told. */
	void (*note)(void *ctx, const char *msg);
	void *note_ctx;
};

/* The defaults above, no note callback. */
void journal_opts_init(struct journal_opts *o);

/*
 * Open the journal in dir for writing: create the directory and the
 * index if missing, take the lock, recover.  Sets *j; returns 0, or -1
 * with errno and what[0..whatlen) describing the failure.  A journal
 * that another writer holds fails with errno EWOULDBLOCK and what set
 * to "'DIR' is locked by another writer (pid N)".  The caller owns *j
 * and releases it with journal_close().
 */
int journal_open(struct journal **j, const char *dir,
    const struct journal_opts *o, char *what, size_t whatlen) WUR;

/*
 * Open the journal in dir for reading only (verify, ls, stats): no lock,
 * no recovery, index.db opened read-only.  As journal_open() otherwise;
 * a directory without index.db fails with ENOENT.
 */
int journal_open_read(struct journal **j, const char *dir, char *what,
    size_t whatlen) WUR;

/* The step that failed last, for a message; "" when none did. */
const char *journal_error(const struct journal *j);

/*
 * Append one event line (without its '\n'; line[0..len) is stored byte
 * for byte, followed by '\n').  ev is event_parse()'s result for this
 * very line: the caller validates, the journal reads venue, market,
 * symbol, type, time and recv from it.  The event is durable only after
 * the next journal_sync().  0, or -1 with errno (ENOSPC, EIO, ENOMEM
 * ...); after a failure the handle refuses everything but
 * journal_close().
 */
int journal_append(struct journal *j, const char *line, size_t len,
    const struct event *ev) WUR;

/*
 * Make everything appended durable: close the open frame, fdatasync the
 * segments written to, then one SQLite transaction indexing the new
 * frames (and running the sync hook) and commit.  Returns 1 when events
 * became durable, 0 when there was nothing to do, -1 with errno.
 */
int journal_sync(struct journal *j) WUR;

/*
 * Work of another module (the history tables) that must be committed
 * with the frames: fn runs inside each sync's transaction, after the
 * frames are inserted and before the commit; returning -1 rolls the
 * transaction back and fails the sync (set errno).  db is the handle of
 * journal_db().
 */
void journal_set_sync_hook(struct journal *j,
    int (*fn)(void *ctx, sqlite3 *db), void *ctx);

/*
 * A source's position, for a writer that reads from a source with its
 * own numbering (a JetStream stream's sequence): value is the source's
 * position after which nothing is in the journal yet, jseq the journal
 * seq of the first event after it.  Kept in the index by the next sync
 * that makes events durable, in the same transaction, under key (at
 * most 100 bytes), or by a sync of its own when it changed and no event
 * waits; read back with journal_get_mark().  On restart the
 * events from jseq to the journal's next seq (what recovery found past
 * the index) are the first ones the source gives again after value.
 */
void journal_set_mark(struct journal *j, const char *key, uint64_t value,
    uint64_t jseq);

/* The mark kept under key: 1 with *value and *jseq, 0 when none, -1
 * with errno. */
int journal_get_mark(struct journal *j, const char *key, uint64_t *value,
    uint64_t *jseq) WUR;

/* The index database (owned by the journal; valid until close). */
sqlite3 *journal_db(struct journal *j);

struct journal_status {
	uint64_t next_seq;	/* seq of the next event appended */
	uint64_t durable_seq;	/* every event with seq below is durable */
	uint64_t appended;	/* events appended through this handle */
	uint64_t durable;	/* ... of which durable */
	uint64_t raw_bytes;	/* bytes appended (lines and '\n') */
	uint64_t bytes;		/* compressed bytes written */
	int64_t last_time;	/* "time" of the last durable event with one */
	int64_t last_recv;	/* "recv" likewise */
	unsigned has;		/* EV_HAS_TIME, EV_HAS_RECV for those two */
	uint64_t seg;		/* segment appended to (0: none yet) */
};

void journal_status(const struct journal *j, struct journal_status *st);

/*
 * Sync (for a writer) and release everything, the lock last.  Returns 0,
 * or -1 with errno when the sync failed or had failed before; j is freed
 * either way.  NULL is a no-op.
 */
int journal_close(struct journal *j) WUR;

/*
 * Writer maintenance.
 *
 * journal_reindex(): rebuild frames, frame_keys and segments from the
 * segment files in one transaction.  Seqs stay what they were: each
 * segment's first frame keeps the first_seq the old index gave it, and
 * frames follow contiguously; a segment the old index did not know
 * continues from the one before; with no old index at all seqs start at
 * 0.  Frame ids the old index had for the same (seg, off) are kept,
 * keys, cursors and the other tables are left alone, and meta next_seq
 * never goes down.  Damage in a segment other than the last is noted and
 * skipped (a frame whose size is known) or ends that segment's indexing;
 * a torn tail of the last segment is cut as on open.
 */
int journal_reindex(struct journal *j) WUR;

struct journal_pruned {
	uint64_t segments, frames, events, bytes;
};

/*
 * Delete the closed segments whose newest event time (their creation
 * time when no event has a "time") is before `before` (epoch ms): the
 * files (and their .torn), then their index rows.  The segment that is
 * being appended to is never pruned, seqs and segment numbers are never
 * reused.  Adds what went to *p.  0, or -1 with errno.
 */
int journal_prune(struct journal *j, int64_t before,
    struct journal_pruned *p) WUR;

/*
 * Reader queries.
 *
 * journal_verify(): read every frame of every segment and compare it
 * with the index: decompress (checksum), content ending in '\n', every
 * line a valid event, count, sizes, times and keys equal to the index
 * row; segment files and index rows that do not match; overlapping
 * seqs.  Each problem is handed to damage() as
 * "seg-NNNNNNNNNN.zst at offset N: reason".  Bytes past the indexed end
 * of the newest segments (from the newest that has an indexed frame on)
 * are not damage: a running writer has not synced them yet, and those a
 * writer that is gone left are a hot tail, counted in t->tail_*, as long
 * as they are whole frames, and at most one frame cut short at the end
 * of the file -- what recovery indexes; anything else there is damage.
 * Returns the number of problems, or -1 with errno when the journal
 * could not be read.
 */
struct journal_totals {
	uint64_t segments, frames, events, bytes, raw_bytes;
	uint64_t next_seq;
	int64_t min_time, max_time;	/* INT64_MAX/MIN when no time */
	/* verify: the hot tail a writer that is gone left past the index,
	 * which recovery indexes (tail_frames whole frames of tail_events
	 * events; the rest of tail_bytes a write the crash cut short). */
	uint64_t tail_bytes, tail_frames, tail_events;
};

long journal_verify(struct journal *j,
    void (*damage)(void *ctx, const char *msg), void *ctx,
    struct journal_totals *t) WUR;

/* One segment, as ls shows it. */
struct journal_seginfo {
	uint64_t seg;
	const char *name;	/* "seg-0000000001.zst" */
	int64_t created;
	int closed;
	uint64_t frames, events, bytes, raw_bytes;
	int64_t min_time, max_time;	/* valid when frames hold a time */
	int has_time;
};

/*
 * Call fn for each segment of the index, in order; fn returning -1 stops
 * the walk and the call returns -1 (fn sets errno).  0, or -1 with errno.
 */
int journal_segments(struct journal *j,
    int (*fn)(void *ctx, const struct journal_seginfo *s), void *ctx) WUR;

/* Counts over the whole index. 0, or -1 with errno. */
int journal_totals(struct journal *j, struct journal_totals *t) WUR;

/* Events of one (venue, market, symbol), every type together. */
struct journal_syminfo {
	const char *venue, *market, *symbol;
	uint64_t events;
	int64_t oldest, newest;		/* "time" range, valid with has_time */
	int has_time;
	uint64_t days;			/* distinct UTC days with events */
};

/* Call fn for each (venue, market, symbol) of the index, sorted. */
int journal_symbols(struct journal *j,
    int (*fn)(void *ctx, const struct journal_syminfo *s), void *ctx) WUR;

/*
 * What the writer left past the index of the newest segments, without
 * changing anything.  live: a writer runs (the bytes are in flight);
 * else bytes in segments is the hot tail that the next writer's
 * recovery (append, verify, reindex, prune) indexes.  A writer is
 * running when the pid in the lock file is alive.
 */
struct journal_tail {
	int live;
	uint64_t bytes, segments;
};

int journal_tail(struct journal *j, struct journal_tail *t) WUR;

/* The same for the journal in dir, opened and closed for it (a reader
 * of another kind, such as jreader, asks this way).  0, or -1 with errno
 * when it cannot be read (the reader's own open says why). */
int journal_check_tail(const char *dir, struct journal_tail *t) WUR;

/* "seg-%010llu.zst" into dst (at least 19 bytes); returns dst. */
char *journal_seg_name(uint64_t seg, char *dst, size_t n);

/*
 * What ls and stats print, appended to b (b's sticky failure says when
 * memory ran out): the ls table's header line; one segment, one symbol
 * or the totals as a table line (the totals: their lines and the symbol
 * table's header) or, with json, one JSON object and '\n'.
 */
void journal_put_segment_header(struct buf *b);
void journal_put_segment(struct buf *b, const struct journal_seginfo *s,
    int json);
void journal_put_symbol(struct buf *b, const struct journal_syminfo *y,
    int json);
void journal_put_totals(struct buf *b, const struct journal_totals *t,
    uint64_t index_bytes, int json);

/* Bytes of the index files of the journal in dir (index.db and its WAL;
 * 0 for one that is missing). */
uint64_t journal_index_bytes(const char *dir);

#endif
