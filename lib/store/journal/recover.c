/*
 * journal/recover.c: bringing the index in line with the segments, on
 * every open of a writer and for reindex, in one transaction.  The
 * segments are the truth and the index can only lag them (a sync
 * fdatasyncs the frames before it indexes them), so recovery drops rows
 * that no file backs, then scans every segment from where the index
 * ends (scan.c) and indexes what it finds; reindex first empties the
 * index, keeping what it said as anchors so that frame ids and seqs
 * stay.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "internal.h"

/* What the phases of one recovery share. */
struct rstate {
	int wipe;		/* reindex: the index is rebuilt */
	int64_t now;
	uint64_t *disk;		/* the segment files, sorted */
	size_t nd;
	uint64_t max_disk;	/* the highest number, .torn files too */
	uint64_t meta_next, meta_last;
	struct iseg *is;	/* the segment rows */
	size_t ni;
	struct anchors an;	/* reindex: what the old index said */
	int have_tail;		/* the index has a frame ... */
	uint64_t tail_seg, tail_end;	/* ... the last ends here */
};

static const struct iseg *
find_iseg(const struct iseg *v, size_t n, uint64_t seg)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].seg == seg)
			return &v[i];
	return NULL;
}

static int
has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}


static int
load_anchors(struct journal *j, struct anchors *a)
{
	sqlite3_stmt *s;
	size_t cap = 0, scap = 0;
	int rc;

	memset(a, 0, sizeof *a);
	a->next_id = 1;
	if (jn_prepare(j, "SELECT seg, off, count, first_seq, id FROM frames "
	    "ORDER BY seg, off", &s) < 0)
		return -1;
	while ((rc = db_step(s, "read the frames", &j->dbe)) > 0) {
		struct oldframe *f;

		if (fs_grow((void **)&a->f, &cap, a->nf + 1,
		    sizeof *a->f) < 0) {
			sqlite3_finalize(s);
			return jn_fail(j, "cannot read the frames");
		}
		f = &a->f[a->nf++];
		f->seg = (uint64_t)sqlite3_column_int64(s, 0);
		f->off = (uint64_t)sqlite3_column_int64(s, 1);
		f->count = (uint64_t)sqlite3_column_int64(s, 2);
		f->first_seq = (uint64_t)sqlite3_column_int64(s, 3);
		f->id = sqlite3_column_int64(s, 4);
		if (f->id >= a->next_id)
			a->next_id = f->id + 1;
	}
	sqlite3_finalize(s);
	if (rc < 0)
		return jn_fail_db(j);
	if (jn_prepare(j, "SELECT seg, created, closed FROM segments "
	    "ORDER BY seg", &s) < 0)
		return -1;
	while ((rc = db_step(s, "read the segments", &j->dbe)) > 0) {
		struct oldseg *g;

		if (fs_grow((void **)&a->s, &scap, a->ns + 1,
		    sizeof *a->s) < 0) {
			sqlite3_finalize(s);
			return jn_fail(j, "cannot read the segments");
		}
		g = &a->s[a->ns++];
		g->seg = (uint64_t)sqlite3_column_int64(s, 0);
		g->created = sqlite3_column_int64(s, 1);
		g->closed = sqlite3_column_int(s, 2);
	}
	sqlite3_finalize(s);
	if (rc < 0)
		return jn_fail_db(j);
	return 0;
}

/* Open seg for appending at its end. */
static int
resume_segment(struct journal *j, uint64_t seg, int64_t created)
{
	char name[SEG_NAME_LEN];
	struct stat sb;

	journal_seg_name(seg, name, sizeof name);
	j->segfd = openat(j->dirfd, name, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (j->segfd < 0 || fstat(j->segfd, &sb) < 0)
		return jn_fail(j, "cannot open '%s'", name);
	j->seg = seg;
	j->seg_off = (uint64_t)sb.st_size;
	j->seg_created = created;
	j->seg_dirty = 0;
	return 0;
}

/*
 * Bring the index in line with the segments, in one transaction (see the
 * file comment).  wipe: reindex -- drop every frame row first, keeping
 * what the old index said as anchors.
 */

/* Reindex: keep the old rows as anchors, empty the index, and put back
 * the rows of the segments still on disk (sizes come with the scan). */
static int
wipe_index(struct journal *j, struct rstate *rs)
{
	size_t k;

	if (load_anchors(j, &rs->an) < 0 ||
	    jn_exec(j, "DELETE FROM frame_keys; DELETE FROM frames; "
	    "DELETE FROM segments", "empty the index") < 0)
		return -1;
	j->anch = &rs->an;
	for (k = 0; k < rs->an.ns; k++)
		if (has_u64(rs->disk, rs->nd, rs->an.s[k].seg) &&
		    jn_put_seg(j, rs->an.s[k].seg, rs->an.s[k].created, 0,
		    rs->an.s[k].closed) < 0)
			return -1;
	return 0;
}

/* Rows that the files no longer back: a missing segment's, and frames
 * past the end of a segment that became shorter. */
static int
drop_unbacked_rows(struct journal *j, struct rstate *rs)
{
	uint64_t end;
	size_t k;

	for (k = 0; k < rs->ni; k++) {
		uint64_t seg = rs->is[k].seg;
		char name[SEG_NAME_LEN];
		struct stat sb;
		int64_t n;

		journal_seg_name(seg, name, sizeof name);
		if (!has_u64(rs->disk, rs->nd, seg)) {
			n = jn_drop_frames(j, seg, 0);
			if (n < 0 || jn_change(j, "DELETE FROM segments WHERE "
			    "seg = ?", (int64_t)seg, 0,
			    "delete a segment") < 0)
				return -1;
			jn_note(j, "%s: missing; its %" PRId64 " frames were "
			    "removed from the index", name, n);
			continue;
		}
		if (fstatat(j->dirfd, name, &sb, 0) < 0)
			return jn_fail(j, "cannot stat '%s'", name);
		if (jn_frames_end(j, seg, &end) < 0)
			return -1;
		if (end > (uint64_t)sb.st_size) {
			n = jn_drop_frames(j, seg, (uint64_t)sb.st_size);
			if (n < 0)
				return -1;
			jn_note(j, "%s: shorter than the index says (%" PRIu64
			    " bytes, not %" PRIu64 "); %" PRId64 " frames past "
			    "its end were removed from the index", name,
			    (uint64_t)sb.st_size, end, n);
		}
	}
	return 0;
}

/* Where the index ends: the last frame in (seg, off) order, and the seq
 * the next frame indexed gets. */
static int
find_index_tail(struct journal *j, struct rstate *rs)
{
	sqlite3_stmt *s;
	int r;

	if (jn_prepare(j, "SELECT seg, off + len, first_seq + count FROM "
	    "frames ORDER BY seg DESC, off DESC LIMIT 1", &s) < 0)
		return -1;
	r = db_step(s, "read the frames", &j->dbe);
	if (r > 0) {
		rs->have_tail = 1;
		rs->tail_seg = (uint64_t)sqlite3_column_int64(s, 0);
		rs->tail_end = (uint64_t)sqlite3_column_int64(s, 1);
		j->running = (uint64_t)sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (r < 0)
		return jn_fail_db(j);
	if (!rs->have_tail)
		j->running = rs->wipe && rs->an.nf ? 0 : rs->meta_next;
	return 0;
}

/* A segment older than the index's last frame is closed: bytes past its
 * indexed end are cut as a torn tail, and its row says so. */
static int
seal_old_segment(struct journal *j, uint64_t seg, const struct iseg *row)
{
	char name[SEG_NAME_LEN];
	struct segrd r;
	uint64_t end;

	journal_seg_name(seg, name, sizeof name);
	if (!row) {
		jn_note(j, "%s: not in the index and older than its newest "
		    "frame: left alone (mkt-journal reindex indexes it)",
		    name);
		return 0;
	}
	if (jn_frames_end(j, seg, &end) < 0)
		return -1;
	if (jn_segrd_open(j, &r, seg, O_RDWR) < 0)
		return jn_fail(j, "cannot open '%s'", name);
	if (r.size > end && jn_cut_tail(j, &r, seg, end,
	    "past the indexed end of a closed segment") < 0) {
		jn_segrd_close(&r);
		return -1;
	}
	jn_segrd_close(&r);
	return jn_put_seg(j, seg, row->created, end, 1);
}

/* A segment file's modification time in ms, for one the index lacks. */
static int64_t
seg_mtime(struct journal *j, uint64_t seg)
{
	char name[SEG_NAME_LEN];
	struct stat sb;
	int64_t now = time_now_ms(), t;

	journal_seg_name(seg, name, sizeof name);
	if (fstatat(j->dirfd, name, &sb, 0) < 0)
		return now;
	t = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	return t < now ? t : now;
}

/* Scan every segment from where the index ends and index what is found;
 * every segment but the newest is closed. */
static int
index_segments(struct journal *j, struct rstate *rs)
{
	size_t k;

	for (k = 0; k < rs->nd; k++) {
		uint64_t seg = rs->disk[k], start = 0, end;
		const struct iseg *row = find_iseg(rs->is, rs->ni, seg);
		int last = k + 1 == rs->nd, closed;
		int64_t created;

		if (rs->have_tail && seg < rs->tail_seg) {
			if (seal_old_segment(j, seg, row) < 0)
				return -1;
			continue;
		}
		if (rs->have_tail && seg == rs->tail_seg)
			start = rs->tail_end;
		if (jn_scan_segment(j, seg, start, last, &end) < 0)
			return -1;
		created = row ? row->created : seg_mtime(j, seg);
		closed = row ? (row->closed || !last) : !last;
		if (jn_put_seg(j, seg, created, end, closed) < 0)
			return -1;
	}
	if (j->scan_frames && !rs->wipe)
		jn_note(j, "indexed %" PRIu64 " frames (%" PRIu64 " events) "
		    "found past the end of the index", j->scan_frames,
		    j->scan_events);
	return 0;
}

/* The next seq and the highest segment number ever used, kept in meta
 * so that neither goes back when files go. */
static int
store_counters(struct journal *j, struct rstate *rs)
{
	int64_t v;
	int r;

	j->next_seq = j->running > rs->meta_next ? j->running :
	    rs->meta_next;
	j->last_seg = rs->max_disk > rs->meta_last ? rs->max_disk :
	    rs->meta_last;
	r = jn_int(j, "SELECT max(seg) FROM segments", 0, 0, &v);
	if (r < 0)
		return -1;
	if (r > 0 && (uint64_t)v > j->last_seg)
		j->last_seg = (uint64_t)v;
	if (jn_put_meta(j, "next_seq", j->next_seq) < 0 ||
	    jn_put_meta(j, "last_seg", j->last_seg) < 0)
		return -1;
	return 0;
}

/* Go on appending to the newest segment if it may grow; else close it. */
static int
resume_newest(struct journal *j, struct rstate *rs)
{
	uint64_t seg = rs->disk[rs->nd - 1], bytes = 0;
	int64_t created = rs->now;
	sqlite3_stmt *s;
	int r, closed = 1;

	if (jn_prepare(j, "SELECT created, bytes, closed FROM segments "
	    "WHERE seg = ?", &s) < 0)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)seg);
	r = db_step(s, "read the segments", &j->dbe);
	if (r > 0) {
		created = sqlite3_column_int64(s, 0);
		bytes = (uint64_t)sqlite3_column_int64(s, 1);
		closed = sqlite3_column_int(s, 2);
	}
	sqlite3_finalize(s);
	if (r < 0)
		return jn_fail_db(j);
	if (r == 0 || closed)
		return 0;
	if (j->writer && bytes < j->o.segment_size &&
	    (j->o.segment_time <= 0 ||
	    rs->now - created < j->o.segment_time))
		return resume_segment(j, seg, created);
	return jn_put_seg(j, seg, created, bytes, 1);
}

/*
 * Bring the index in line with the segments, in one transaction (see
 * the file comment).  wipe: reindex -- drop every frame row first,
 * keeping what the old index said as anchors.
 */
int
jn_recover(struct journal *j, int wipe)
{
	struct rstate rs;
	int rc = -1;

	memset(&rs, 0, sizeof rs);
	rs.wipe = wipe;
	rs.now = time_now_ms();
	j->scan_frames = j->scan_events = 0;
	if (jn_disk_segments(j, &rs.disk, &rs.nd, &rs.max_disk) < 0)
		return -1;
	if (jn_begin(j) < 0)
		goto out;
	if (jn_get_meta(j, "next_seq", &rs.meta_next) < 0 ||
	    jn_get_meta(j, "last_seg", &rs.meta_last) < 0)
		goto out;
	if (wipe && wipe_index(j, &rs) < 0)
		goto out;
	if (jn_load_isegs(j, &rs.is, &rs.ni) < 0 ||
	    drop_unbacked_rows(j, &rs) < 0 ||
	    find_index_tail(j, &rs) < 0 ||
	    index_segments(j, &rs) < 0 ||
	    store_counters(j, &rs) < 0)
		goto out;
	if (rs.nd && resume_newest(j, &rs) < 0)
		goto out;
	if (jn_commit(j) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		jn_rollback(j);
	j->anch = NULL;
	free(rs.an.f);
	free(rs.an.s);
	free(rs.is);
	free(rs.disk);
	return rc;
}
