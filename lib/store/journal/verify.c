/*
 * journal/verify.c: verify reads every segment and every index row in
 * one read transaction and reports each disagreement as damage: rows
 * without files and files without rows, frames that overlap, gaps, seqs
 * that go back, frames that do not decompress or parse, and statistics
 * or keys that differ from what the frame holds.  A running writer's
 * newest, not yet indexed bytes are not damage, nor is the hot tail of
 * one that is gone when recovery can index it (tail.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/zframe.h"
#include "internal.h"

struct vstate {
	struct journal *j;
	void (*damage)(void *ctx, const char *msg);
	void *ctx;
	long problems;
	struct journal_totals *t;
	int live;		/* a writer runs */
	sqlite3_stmt *fq;	/* the frame rows of a segment */
	sqlite3_stmt *kq;	/* the key rows of a frame */
	uint64_t *disk;		/* the segment files, sorted */
	size_t nd;
	struct iseg *is;	/* the segment rows */
	size_t ni;
	uint64_t last_iseg;	/* the newest segment row */
	uint64_t tail_seg;	/* the newest segment with a frame row */
	int have_prev;		/* a frame row was read ... */
	uint64_t prev_end;	/* ... its events end at this seq */
	struct facc a;		/* the frame read */
};

/* One row of the frame query. */
struct vrow {
	int64_t id;
	uint64_t off, len, raw, count, seq;
};
static void
damage(struct vstate *vs, uint64_t seg, uint64_t off, const char *fmt, ...)
    ERR_PRINTF(4, 5);

static void
damage(struct vstate *vs, uint64_t seg, uint64_t off, const char *fmt, ...)
{
	char name[SEG_NAME_LEN], reason[768], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	journal_seg_name(seg, name, sizeof name);
	snprintf(msg, sizeof msg, "%s at offset %" PRIu64 ": %s", name, off,
	    reason);
	vs->problems++;
	if (vs->damage)
		vs->damage(vs->ctx, msg);
}

/* A key name as venue/market/symbol/type, for messages. */
static void
key_text(const char *name, size_t len, char *dst, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 1 < n; i++)
		dst[o++] = name[i] ? name[i] : '/';
	dst[o] = '\0';
}

/* An optional integer for a message: the number or "null". */
static const char *
opt_text(int has, int64_t v, char *dst, size_t n)
{
	if (has)
		snprintf(dst, n, "%" PRId64, v);
	else
		snprintf(dst, n, "null");
	return dst;
}

/* Compare an index row with the statistics of the frame read. */
static int
compare_stats(struct vstate *vs, uint64_t seg, uint64_t off,
    sqlite3_stmt *s, const struct fstats *st)
{
	static const struct {
		const char *name;
		int col;
		unsigned has;
		size_t at;
	} cols[] = {
		{ "first_time", 6, HAS_TIME,
		    offsetof(struct fstats, first_time) },
		{ "last_time", 7, HAS_TIME,
		    offsetof(struct fstats, last_time) },
		{ "min_time", 8, HAS_TIME,
		    offsetof(struct fstats, min_time) },
		{ "max_time", 9, HAS_TIME,
		    offsetof(struct fstats, max_time) },
		{ "first_recv", 10, HAS_RECV,
		    offsetof(struct fstats, first_recv) },
		{ "last_recv", 11, HAS_RECV,
		    offsetof(struct fstats, last_recv) },
	};
	char a[32], b[32];
	size_t i;

	if ((uint64_t)sqlite3_column_int64(s, 4) != st->count) {
		damage(vs, seg, off, "the index says %" PRId64 " events, the "
		    "frame holds %" PRIu64, (int64_t)sqlite3_column_int64(s, 4),
		    st->count);
		return -1;
	}
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		int ihas = sqlite3_column_type(s, cols[i].col) != SQLITE_NULL;
		int fhas = (st->has & cols[i].has) != 0;
		int64_t iv = sqlite3_column_int64(s, cols[i].col);
		int64_t fv = *(const int64_t *)(const void *)
		    ((const char *)st + cols[i].at);

		if (ihas == fhas && (!ihas || iv == fv))
			continue;
		damage(vs, seg, off, "the index says %s %s, the frame has %s",
		    cols[i].name, opt_text(ihas, iv, a, sizeof a),
		    opt_text(fhas, fv, b, sizeof b));
		return -1;
	}
	return 0;
}

static int
compare_keys(struct vstate *vs, uint64_t seg, uint64_t off, sqlite3_stmt *q,
    int64_t frame, const struct facc *a)
{
	struct journal *j = vs->j;
	char *seen = calloc(a->nfk ? a->nfk : 1, 1);
	char kt[256];
	int rc, bad = 0;
	size_t i;

	if (!seen) {
		errno = ENOMEM;
		return -2;
	}
	sqlite3_bind_int64(q, 1, frame);
	while ((rc = db_step(q, "read the frame keys", &j->dbe)) > 0) {
		struct jkey *k;
		int c;

		buf_reset(&j->kb);
		for (c = 0; c < 4; c++) {
			if (c)
				buf_addc(&j->kb, '\0');
			buf_add(&j->kb, sqlite3_column_text(q, c),
			    (size_t)sqlite3_column_bytes(q, c));
		}
		if (buf_failed(&j->kb)) {
			bad = -2;
			break;
		}
		key_text(j->kb.p, j->kb.len, kt, sizeof kt);
		k = keymap_get(&j->keys, j->kb.p, j->kb.len);
		if (!k || k->gen != a->gen) {
			damage(vs, seg, off, "the index lists key %s, which "
			    "the frame does not hold", kt);
			bad = -1;
			break;
		}
		seen[k->slot] = 1;
		{
			const struct fkey *f = &a->fk[k->slot];
			int inull = sqlite3_column_type(q, 5) == SQLITE_NULL;

			if ((uint64_t)sqlite3_column_int64(q, 4) != f->count ||
			    inull != !f->has_time || (!inull &&
			    (sqlite3_column_int64(q, 5) != f->min_time ||
			    sqlite3_column_int64(q, 6) != f->max_time))) {
				damage(vs, seg, off, "the index's count or "
				    "time range of key %s differs from the "
				    "frame's", kt);
				bad = -1;
				break;
			}
		}
	}
	if (rc < 0) {
		jn_fail_db(j);
		bad = -2;
	}
	sqlite3_reset(q);
	for (i = 0; !bad && i < a->nfk; i++)
		if (!seen[i]) {
			key_text(a->fk[i].k->name, a->fk[i].k->len, kt,
			    sizeof kt);
			damage(vs, seg, off, "the frame holds key %s, which "
			    "the index does not list", kt);
			bad = -1;
		}
	free(seen);
	return bad;
}


/* The segment rows, the files and the two queries, in the transaction. */
static int
load_state(struct vstate *vs)
{
	struct journal *j = vs->j;
	uint64_t max_disk;

	if (jn_get_meta(j, "next_seq", &vs->t->next_seq) < 0 ||
	    jn_load_isegs(j, &vs->is, &vs->ni) < 0 ||
	    jn_disk_segments(j, &vs->disk, &vs->nd, &max_disk) < 0)
		return -1;
	if (vs->ni)
		vs->last_iseg = vs->is[vs->ni - 1].seg;
	if (jn_tail_seg(j, &vs->tail_seg) < 0)
		return -1;
	if (jn_prepare(j, "SELECT id, off, len, raw_len, count, first_seq, "
	    "first_time, last_time, min_time, max_time, first_recv, last_recv "
	    "FROM frames WHERE seg = ? ORDER BY off", &vs->fq) < 0 ||
	    jn_prepare(j, "SELECT k.venue, k.market, k.symbol, k.type, "
	    "fk.count, fk.min_time, fk.max_time FROM frame_keys fk JOIN keys "
	    "k ON k.id = fk.key WHERE fk.frame = ?", &vs->kq) < 0)
		return -1;
	return 0;
}

/* Add a frame row to the totals and check that its seqs follow those of
 * the frame row before. */
static void
count_row(struct vstate *vs, uint64_t seg, const struct vrow *w)
{
	struct journal_totals *t = vs->t;

	t->frames++;
	t->events += w->count;
	t->bytes += w->len;
	t->raw_bytes += w->raw;
	if (sqlite3_column_type(vs->fq, 8) != SQLITE_NULL) {
		int64_t lo = sqlite3_column_int64(vs->fq, 8);
		int64_t hi = sqlite3_column_int64(vs->fq, 9);

		if (lo < t->min_time)
			t->min_time = lo;
		if (hi > t->max_time)
			t->max_time = hi;
	}
	if (vs->have_prev && w->seq < vs->prev_end)
		damage(vs, seg, w->off, "first_seq %" PRIu64 " overlaps the "
		    "frame before (its events end at seq %" PRIu64 ")", w->seq,
		    vs->prev_end);
	vs->have_prev = 1;
	vs->prev_end = w->seq + w->count;
}

/*
 * Check where a frame row lies against the frame before (*off: where it
 * ended) and the file's size; *fend: where the row says it ends.  1 when
 * the frame is in the file to be read, 0 when not (damage reported).
 */
static int
place_row(struct vstate *vs, uint64_t seg, const struct segrd *r,
    const struct vrow *w, uint64_t *off, uint64_t *fend)
{
	if (w->off < *off) {
		damage(vs, seg, w->off, "indexed frame overlaps the frame "
		    "before");
		return 0;
	}
	if (w->off > *off)
		damage(vs, seg, *off, "%" PRIu64 " bytes not in the index",
		    w->off - *off);
	*off = w->off;
	*fend = w->off + w->len;
	if (w->off + w->len > r->size) {
		damage(vs, seg, w->off, "indexed frame reaches past the end "
		    "of the file (%" PRIu64 " bytes)", r->size);
		*off = r->size > *off ? r->size : *off;
		return 0;
	}
	*off = w->off + w->len;
	return 1;
}

/* Read the frame a row names and compare it with the row: 0 (damage is
 * reported), -1 when verify cannot go on (j->what says why). */
static int
check_row_frame(struct vstate *vs, uint64_t seg, struct segrd *r,
    const struct vrow *w)
{
	struct journal *j = vs->j;
	char name[SEG_NAME_LEN];
	const unsigned char *p;
	const char *why = NULL;
	size_t len = 0;
	uint64_t raw = 0;
	int st, c;

	st = jn_segrd_frame(r, w->off, &p, &len, &raw, &why);
	if (st == SEGRD_ERROR)
		return jn_fail(j, "cannot read '%s'",
		    journal_seg_name(seg, name, sizeof name));
	if (st == ZFRAME_SHORT) {
		damage(vs, seg, w->off, "incomplete frame");
		return 0;
	}
	if (st == ZFRAME_BAD) {
		damage(vs, seg, w->off, "%s", why);
		return 0;
	}
	if (len != w->len || raw != w->raw) {
		damage(vs, seg, w->off, "the index says %" PRIu64 " bytes (%"
		    PRIu64 " decompressed), the frame is %zu (%" PRIu64 ")",
		    w->len, w->raw, len, raw);
		return 0;
	}
	c = jn_check_frame(j, p, len, raw, &vs->a);
	if (c == -2)
		return jn_fail(j, "cannot verify");
	if (c == -1) {
		damage(vs, seg, w->off, "%s", j->why);
		return 0;
	}
	if (compare_stats(vs, seg, w->off, vs->fq, &vs->a.st) < 0)
		return 0;
	if (compare_keys(vs, seg, w->off, vs->kq, w->id, &vs->a) == -2)
		return -1;
	return 0;
}

/*
 * The bytes of seg from off on, past the indexed end of the newest
 * segments, that a writer that is gone left: whole frames are the hot
 * tail recovery indexes, and so is a frame cut short at the end of the
 * file (a write the crash interrupted; recovery moves it aside).  A
 * frame that is there but bad is damage.  0, or -1 when verify cannot
 * go on.
 */
static int
probe_tail(struct vstate *vs, uint64_t seg, struct segrd *r, uint64_t off)
{
	struct journal *j = vs->j;
	struct journal_totals *t = vs->t;
	char name[SEG_NAME_LEN];
	uint64_t start = off;

	while (off < r->size) {
		const unsigned char *p;
		const char *why = NULL;
		size_t len = 0;
		uint64_t raw = 0;
		int st = jn_segrd_frame(r, off, &p, &len, &raw, &why), c;

		if (st == SEGRD_ERROR)
			return jn_fail(j, "cannot read '%s'",
			    journal_seg_name(seg, name, sizeof name));
		if (st == ZFRAME_SHORT) {
			off = r->size;
			break;
		}
		if (st == ZFRAME_OK) {
			c = jn_check_frame(j, p, len, raw, &vs->a);
			if (c == -2)
				return jn_fail(j, "cannot verify");
			if (c == 0) {
				t->tail_frames++;
				t->tail_events += vs->a.st.count;
				off += len;
				continue;
			}
			why = j->why;
		}
		damage(vs, seg, off, "%" PRIu64 " bytes past the indexed end "
		    "that recovery cannot index: %s", r->size - off, why);
		break;
	}
	t->tail_bytes += off - start;
	return 0;
}

/* A segment file newer than every frame row: all of it is tail. */
static int
probe_file(struct vstate *vs, uint64_t seg)
{
	char name[SEG_NAME_LEN];
	struct segrd r;
	int rc;

	if (jn_segrd_open(vs->j, &r, seg, O_RDONLY) < 0)
		return jn_fail(vs->j, "cannot open '%s'",
		    journal_seg_name(seg, name, sizeof name));
	rc = probe_tail(vs, seg, &r, 0);
	jn_segrd_close(&r);
	return rc;
}

/* Bytes past the indexed end of seg at off: in flight, hot tail, or
 * damage (see journal_verify()). */
static int
past_end(struct vstate *vs, uint64_t seg, struct segrd *r, uint64_t off)
{
	if (vs->live && seg >= vs->last_iseg)
		return 0;
	if (!vs->live && seg >= vs->tail_seg)
		return probe_tail(vs, seg, r, off);
	damage(vs, seg, off, "%" PRIu64 " bytes past the indexed end",
	    r->size - off);
	return 0;
}

/* Verify the frames of one segment that has a row and a file. */
static int
verify_segment(struct vstate *vs, uint64_t seg, const struct iseg *row)
{
	struct journal *j = vs->j;
	sqlite3_stmt *fq = vs->fq;
	char name[SEG_NAME_LEN];
	uint64_t off = 0, fend = 0;
	struct segrd r;
	struct vrow w;
	int q;

	if (jn_segrd_open(j, &r, seg, O_RDONLY) < 0)
		return jn_fail(j, "cannot open '%s'",
		    journal_seg_name(seg, name, sizeof name));
	sqlite3_bind_int64(fq, 1, (int64_t)seg);
	while ((q = db_step(fq, "read the frames", &j->dbe)) > 0) {
		w.id = sqlite3_column_int64(fq, 0);
		w.off = (uint64_t)sqlite3_column_int64(fq, 1);
		w.len = (uint64_t)sqlite3_column_int64(fq, 2);
		w.raw = (uint64_t)sqlite3_column_int64(fq, 3);
		w.count = (uint64_t)sqlite3_column_int64(fq, 4);
		w.seq = (uint64_t)sqlite3_column_int64(fq, 5);
		count_row(vs, seg, &w);
		if (!place_row(vs, seg, &r, &w, &off, &fend))
			continue;
		if (check_row_frame(vs, seg, &r, &w) < 0) {
			jn_segrd_close(&r);
			return -1;
		}
	}
	sqlite3_reset(fq);
	if (q < 0) {
		jn_segrd_close(&r);
		return jn_fail_db(j);
	}
	if (off < r.size && past_end(vs, seg, &r, off) < 0) {
		jn_segrd_close(&r);
		return -1;
	}
	if (row->bytes != fend)
		damage(vs, seg, row->bytes, "the index says the segment holds %"
		    PRIu64 " bytes, its frames end at %" PRIu64, row->bytes,
		    fend);
	jn_segrd_close(&r);
	return 0;
}

/* Walk the segment rows and the files together, in number order. */
static int
verify_segments(struct vstate *vs)
{
	size_t di = 0, ii = 0;

	while (di < vs->nd || ii < vs->ni) {
		const struct iseg *row = NULL;
		uint64_t seg;
		int on_disk;

		if (ii < vs->ni && (di >= vs->nd ||
		    vs->is[ii].seg <= vs->disk[di]))
			seg = vs->is[ii].seg;
		else
			seg = vs->disk[di];
		on_disk = di < vs->nd && vs->disk[di] == seg;
		if (ii < vs->ni && vs->is[ii].seg == seg)
			row = &vs->is[ii++];
		if (on_disk)
			di++;
		if (!row) {
			if (vs->live && seg > vs->last_iseg)
				continue;
			if (!vs->live && seg > vs->tail_seg) {
				if (probe_file(vs, seg) < 0)
					return -1;
				continue;
			}
			damage(vs, seg, 0, "segment not in the index");
			continue;
		}
		vs->t->segments++;
		if (!on_disk) {
			damage(vs, seg, 0, "segment file missing");
			continue;
		}
		if (verify_segment(vs, seg, row) < 0)
			return -1;
	}
	return 0;
}

long
journal_verify(struct journal *j, void (*dmg)(void *ctx, const char *msg),
    void *ctx, struct journal_totals *t)
{
	struct vstate vs;
	int rc = -1;

	memset(&vs, 0, sizeof vs);
	vs.j = j;
	vs.damage = dmg;
	vs.ctx = ctx;
	vs.t = t;
	vs.live = jn_writer_alive(j);
	memset(t, 0, sizeof *t);
	t->min_time = INT64_MAX;
	t->max_time = INT64_MIN;
	/* One read transaction: a consistent snapshot of the index. */
	if (jn_exec(j, "BEGIN", "begin a transaction") < 0)
		return -1;
	if (load_state(&vs) < 0 || verify_segments(&vs) < 0)
		goto out;
	if (vs.have_prev && t->next_seq < vs.prev_end)
		damage(&vs, vs.last_iseg, 0, "meta next_seq %" PRIu64 " is "
		    "below the end of the last frame (%" PRIu64 ")",
		    t->next_seq, vs.prev_end);
	rc = 0;
out:
	sqlite3_finalize(vs.fq);
	sqlite3_finalize(vs.kq);
	if (sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		/* A read transaction: nothing to lose. */
	}
	free(vs.a.fk);
	free(vs.is);
	free(vs.disk);
	return rc < 0 ? -1 : vs.problems;
}
