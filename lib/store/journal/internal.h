/*
 * journal/internal.h: what the parts of the journal share (see
 * journal.h for the module, mkt-journal(5) for the format).  Not for
 * other modules: the names with the jn_ prefix are the journal's own.
 *
 *   index.c    the index's schema and statements, errors and notes
 *   keys.c     keys and the statistics of a frame
 *   open.c     opening, the lock, closing, status
 *   scan.c     reading segments: frames probed, checked, indexed;
 *              torn tails cut
 *   recover.c  recovery on open and reindex
 *   append.c   appending into frames and segments, sync
 *   maint.c    reindex and prune
 *   verify.c   verify
 *   tail.c     the writer's liveness, the hot tail
 *   query.c    ls and stats
 */
#ifndef MKT_JOURNAL_INTERNAL_H
#define MKT_JOURNAL_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include <zstd.h>

#include "base/attr.h"
#include "base/buf.h"
#include "base/keymap.h"
#include "event/event.h"
#include "io/db.h"
#include "store/journal.h"

#define SEG_NAME_LEN 32
#define READ_CHUNK (1u << 20)
#define SEGRD_ERROR (-2)	/* besides the zframe_probe() results */

/* The writer's cached statements. */
enum {
	ST_INS_FRAME, ST_INS_FKEY, ST_INS_KEY, ST_PUT_SEG, ST_PUT_META,
	ST_COUNT
};

/* One (venue, market, symbol, type): its name is the keymap's copy of
 * "venue\0market\0symbol\0type". */
struct jkey {
	int64_t id;		/* keys.id; 0 until inserted */
	uint32_t gen;		/* the accumulator that last counted it */
	uint32_t slot;		/* its place in that accumulator */
	const char *name;
	size_t len;
};

/* Per key of a frame: events and their time range. */
struct fkey {
	struct jkey *k;
	uint64_t count;
	int64_t min_time, max_time;
	int has_time;
};

enum { HAS_TIME = 1, HAS_RECV = 2 };

struct fstats {
	uint64_t count, raw_len;
	int64_t first_time, last_time, min_time, max_time;
	int64_t first_recv, last_recv;
	unsigned has;
};

/* The statistics of one frame being filled or scanned. */
struct facc {
	struct fstats st;
	uint32_t gen;
	struct fkey *fk;
	size_t nfk, capfk;
};

/* A frame written but not yet indexed; its keys are pfk[fk0..fk0+nfk). */
struct pframe {
	uint64_t seg, off, len, first_seq;
	struct fstats st;
	size_t fk0, nfk;
};

/* A segment row to write at the next sync. */
struct pseg {
	uint64_t seg;
	int64_t created;
	uint64_t bytes;
	int closed;
};

/* What the old index said, for reindex: frames sorted by (seg, off). */
struct oldframe {
	uint64_t seg, off, count, first_seq;
	int64_t id;
};

struct oldseg {
	uint64_t seg;
	int64_t created;
	int closed;
};

struct anchors {
	struct oldframe *f;
	size_t nf;
	struct oldseg *s;
	size_t ns;
	int64_t next_id;
};

/* A row of the segments table. */
struct iseg {
	uint64_t seg;
	int64_t created;
	uint64_t bytes;
	int closed;
};

/* A window of a segment file read with pread (never mmap: a reader must
 * survive a writer cutting a torn tail under it). */
struct segrd {
	int fd;
	uint64_t size;
	uint64_t base;		/* file offset of p[0] */
	unsigned char *p;
	size_t n, cap;
};

struct journal {
	char *dir;
	int dirfd, lockfd;
	int writer;
	int failed;		/* errno of a failure: sticky */
	char what[512];
	struct journal_opts o;
	sqlite3 *db;
	struct db_err dbe;	/* the last SQLite failure */
	sqlite3_stmt *st[ST_COUNT];
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;

	struct keymap keys;
	uint32_t gen;
	struct buf kb;		/* the key of the line at hand */
	struct buf sb;		/* a string being unescaped */
	struct event ev;	/* lines parsed while scanning */
	char why[512];		/* a frame's damage, while scanning */

	/* The segment appended to. */
	int segfd;
	uint64_t seg, seg_off;
	int64_t seg_created;
	int seg_dirty;		/* written since its last fdatasync */
	int dir_dirty;		/* a segment file created since the sync */
	uint64_t last_seg;	/* highest segment number ever used */

	/* The open frame. */
	struct buf frame;
	struct facc cur;
	unsigned char *z;	/* compressed frame */
	size_t zcap;

	/* Written, not yet indexed. */
	struct pframe *pf;
	size_t npf, cappf;
	struct fkey *pfk;
	size_t npfk, cappfk;
	struct pseg *ps;
	size_t nps, capps;

	uint64_t next_seq, durable_seq;
	uint64_t appended, durable, raw_bytes, bytes;
	int64_t last_time, last_recv;
	unsigned has;

	int (*hook)(void *ctx, sqlite3 *db);
	void *hook_ctx;

	/* journal_set_mark(): kept at the next sync. */
	char mark_key[112];
	uint64_t mark_val, mark_jseq;
	int mark_set, mark_dirty;

	/* Scanning. */
	unsigned char *raw;
	size_t rawcap;
	uint64_t running;	/* seq of the next frame indexed */
	struct anchors *anch;
	uint64_t scan_frames, scan_events;
};

/* ---- index.c: errors, notes, the index ---- */

/* Record the failed step (errno kept; a writer's handle fails for
 * good) and return -1. */
int jn_fail(struct journal *j, const char *fmt, ...) ERR_PRINTF(2, 3);

/* The SQLite failure in j->dbe: "index.db: cannot STEP (sqlite's
 * message)", errno from its code; -1. */
int jn_fail_db(struct journal *j);

/* Tell the note callback, if any. */
void jn_note(struct journal *j, const char *fmt, ...) ERR_PRINTF(2, 3);

/* Create the schema and prepare the writer's statements. */
int jn_index_setup(struct journal *j) WUR;

/* The index helpers: 0 (db_int: 1/0 found), or -1 with the step named. */
int jn_prepare(struct journal *j, const char *sql, sqlite3_stmt **st) WUR;
int jn_exec(struct journal *j, const char *sql, const char *step) WUR;
int jn_begin(struct journal *j) WUR;
int jn_commit(struct journal *j) WUR;
void jn_rollback(struct journal *j);
int jn_put_meta(struct journal *j, const char *k, uint64_t v) WUR;
int jn_get_meta(struct journal *j, const char *k, uint64_t *v) WUR;
int jn_put_seg(struct journal *j, uint64_t seg, int64_t created,
    uint64_t bytes, int closed) WUR;
int jn_index_frame(struct journal *j, uint64_t seg, uint64_t off,
    uint64_t len, uint64_t first_seq, const struct fstats *st,
    struct fkey *fk, size_t nfk, int64_t id) WUR;
int64_t jn_change(struct journal *j, const char *sql, int64_t a, int64_t b,
    const char *step) WUR;
int jn_int(struct journal *j, const char *sql, int64_t a, int64_t b,
    int64_t *v) WUR;
int64_t jn_drop_frames(struct journal *j, uint64_t seg, uint64_t from) WUR;
int jn_frames_end(struct journal *j, uint64_t seg, uint64_t *end) WUR;
int jn_load_isegs(struct journal *j, struct iseg **out, size_t *n) WUR;

/* ---- keys.c ---- */

struct jkey *jn_lookup_key(struct journal *j, const struct event *ev);
void jn_facc_reset(struct journal *j, struct facc *a);
int jn_facc_add(struct journal *j, struct facc *a, const struct event *ev,
    size_t len) WUR;
int jn_load_keys(struct journal *j) WUR;
void jn_free_keys(struct journal *j);

/* ---- open.c ---- */

void jn_free(struct journal *j);

/* ---- scan.c ---- */

int jn_disk_segments(struct journal *j, uint64_t **segs, size_t *n,
    uint64_t *max_any) WUR;
int jn_segrd_open(struct journal *j, struct segrd *r, uint64_t seg,
    int flags) WUR;
void jn_segrd_close(struct segrd *r);
int jn_segrd_frame(struct segrd *r, uint64_t off, const unsigned char **p,
    size_t *len, uint64_t *raw_len, const char **why) WUR;
int jn_check_frame(struct journal *j, const unsigned char *p, size_t len,
    uint64_t raw_len, struct facc *a) WUR;
int jn_cut_tail(struct journal *j, struct segrd *r, uint64_t seg,
    uint64_t off, const char *why) WUR;
int jn_scan_segment(struct journal *j, uint64_t seg, uint64_t start,
    int last, uint64_t *end) WUR;

/* ---- recover.c ---- */

int jn_recover(struct journal *j, int wipe) WUR;

/* ---- tail.c ---- */

/* A writer other than this handle holds the journal (its pid lives). */
int jn_writer_alive(struct journal *j);
int jn_tail_seg(struct journal *j, uint64_t *seg) WUR;

#endif
