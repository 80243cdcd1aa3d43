/*
 * journal/append.c: the writer's way in.  Lines go into the open frame
 * buffer while a small accumulator keeps the frame's statistics (count,
 * times, and per key the count and time range).  A full frame is
 * compressed in one call and written at the segment's end; its row waits
 * in memory until the next sync, which fdatasyncs the segment and then
 * indexes every waiting frame in one transaction.  So the segments are
 * the truth and the index can only lag them, which is what recovery
 * relies on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "store/zframe.h"
#include "internal.h"

static struct pseg *
pending_seg(struct journal *j, uint64_t seg)
{
	size_t i;

	for (i = j->nps; i-- > 0; )
		if (j->ps[i].seg == seg)
			return &j->ps[i];
	if (fs_grow((void **)&j->ps, &j->capps, j->nps + 1, sizeof *j->ps) < 0)
		return NULL;
	memset(&j->ps[j->nps], 0, sizeof j->ps[j->nps]);
	j->ps[j->nps].seg = seg;
	return &j->ps[j->nps++];
}

static int
new_segment(struct journal *j)
{
	char name[SEG_NAME_LEN];
	uint64_t seg = j->last_seg + 1;
	struct pseg *p;

	journal_seg_name(seg, name, sizeof name);
	j->segfd = openat(j->dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_APPEND | O_CLOEXEC, 0644);
	if (j->segfd < 0)
		return jn_fail(j, "cannot create '%s'", name);
	j->seg = seg;
	j->last_seg = seg;
	j->seg_off = 0;
	j->seg_created = time_now_ms();
	j->seg_dirty = 0;
	j->dir_dirty = 1;
	p = pending_seg(j, seg);
	if (!p)
		return jn_fail(j, "cannot start '%s'", name);
	p->created = j->seg_created;
	p->bytes = 0;
	p->closed = 0;
	return 0;
}

/* Close the segment appended to: durable now, closed in the next sync. */
static int
close_segment(struct journal *j)
{
	char name[SEG_NAME_LEN];
	struct pseg *p = pending_seg(j, j->seg);

	journal_seg_name(j->seg, name, sizeof name);
	if (!p)
		return jn_fail(j, "cannot close '%s'", name);
	p->created = j->seg_created;
	p->bytes = j->seg_off;
	p->closed = 1;
	if (j->seg_dirty && fdatasync(j->segfd) < 0)
		return jn_fail(j, "cannot sync '%s'", name);
	if (close(j->segfd) < 0) {
		j->segfd = -1;
		return jn_fail(j, "cannot close '%s'", name);
	}
	j->segfd = -1;
	j->seg_dirty = 0;
	return 0;
}

/* Compress the open frame and write it at the segment's end. */
static int
close_frame(struct journal *j)
{
	char name[SEG_NAME_LEN];
	size_t need, zlen;
	struct pframe *f;
	struct pseg *p;
	int64_t now;

	if (!j->frame.len)
		return 0;
	if (buf_failed(&j->frame)) {
		errno = j->frame.failed;
		return jn_fail(j, "cannot buffer the frame");
	}
	need = zframe_bound(j->frame.len);
	if (fs_grow((void **)&j->z, &j->zcap, need, 1) < 0)
		return jn_fail(j, "cannot compress a frame");
	if (zframe_compress(j->cctx, j->z, j->zcap, j->frame.p, j->frame.len,
	    &zlen) < 0)
		return jn_fail(j, "cannot compress a frame");
	if (j->segfd < 0 && new_segment(j) < 0)
		return -1;
	journal_seg_name(j->seg, name, sizeof name);
	if (fs_grow((void **)&j->pf, &j->cappf, j->npf + 1,
	    sizeof *j->pf) < 0 ||
	    fs_grow((void **)&j->pfk, &j->cappfk, j->npfk + j->cur.nfk,
	    sizeof *j->pfk) < 0)
		return jn_fail(j, "cannot keep a frame");
	if (fs_write_all(j->segfd, j->z, zlen) < 0) {
		int e = errno;

		/* Leave no partial frame behind. */
		if (ftruncate(j->segfd, (off_t)j->seg_off) < 0) {
			/* Recovery cuts it as a torn tail then. */
		}
		errno = e;
		return jn_fail(j, "cannot write '%s'", name);
	}
	f = &j->pf[j->npf++];
	f->seg = j->seg;
	f->off = j->seg_off;
	f->len = zlen;
	f->first_seq = j->next_seq - j->cur.st.count;
	f->st = j->cur.st;
	f->fk0 = j->npfk;
	f->nfk = j->cur.nfk;
	memcpy(j->pfk + j->npfk, j->cur.fk, j->cur.nfk * sizeof *j->pfk);
	j->npfk += j->cur.nfk;
	j->seg_off += zlen;
	j->bytes += zlen;
	j->seg_dirty = 1;
	p = pending_seg(j, j->seg);
	if (!p)
		return jn_fail(j, "cannot keep a frame");
	p->created = j->seg_created;
	p->bytes = j->seg_off;
	buf_reset(&j->frame);
	jn_facc_reset(j, &j->cur);
	now = time_now_ms();
	if (j->seg_off >= j->o.segment_size || (j->o.segment_time > 0 &&
	    now - j->seg_created >= j->o.segment_time))
		return close_segment(j);
	return 0;
}

int
journal_append(struct journal *j, const char *line, size_t len,
    const struct event *ev)
{
	if (j->failed) {
		errno = j->failed;
		return -1;
	}
	if (j->frame.len && j->frame.len + len + 1 > j->o.frame_size &&
	    close_frame(j) < 0)
		return -1;
	if (jn_facc_add(j, &j->cur, ev, len) < 0)
		return jn_fail(j, "cannot keep a key");
	buf_add(&j->frame, line, len);
	buf_addc(&j->frame, '\n');
	if (buf_failed(&j->frame)) {
		errno = j->frame.failed;
		return jn_fail(j, "cannot buffer the frame");
	}
	j->next_seq++;
	j->appended++;
	j->raw_bytes += len + 1;
	if (j->frame.len >= j->o.frame_size)
		return close_frame(j);
	return 0;
}

void
journal_set_mark(struct journal *j, const char *key, uint64_t value,
    uint64_t jseq)
{
	if (!j->mark_set || value != j->mark_val || jseq != j->mark_jseq ||
	    strcmp(key, j->mark_key) != 0)
		j->mark_dirty = 1;
	snprintf(j->mark_key, sizeof j->mark_key, "%s", key);
	j->mark_val = value;
	j->mark_jseq = jseq;
	j->mark_set = 1;
}

/* The mark, into the sync's transaction. */
static int
put_mark(struct journal *j)
{
	char k[sizeof j->mark_key + 8];

	if (!j->mark_set)
		return 0;
	snprintf(k, sizeof k, "%s.jseq", j->mark_key);
	if (jn_put_meta(j, j->mark_key, j->mark_val) < 0 ||
	    jn_put_meta(j, k, j->mark_jseq) < 0)
		return -1;
	return 0;
}

int
journal_get_mark(struct journal *j, const char *key, uint64_t *value,
    uint64_t *jseq)
{
	char k[sizeof j->mark_key + 8];
	uint64_t v = UINT64_MAX, js = UINT64_MAX;

	snprintf(k, sizeof k, "%s.jseq", key);
	if (jn_get_meta(j, key, &v) < 0 || jn_get_meta(j, k, &js) < 0)
		return -1;
	if (v == UINT64_MAX || js == UINT64_MAX)
		return 0;
	*value = v;
	*jseq = js;
	return 1;
}

int
journal_sync(struct journal *j)
{
	char name[SEG_NAME_LEN];
	size_t i;

	if (j->failed) {
		errno = j->failed;
		return -1;
	}
	if (!j->writer)
		return 0;
	if (close_frame(j) < 0)
		return -1;
	if (!j->npf && !j->nps && !j->mark_dirty)
		return 0;
	if (j->segfd >= 0 && j->seg_dirty) {
		journal_seg_name(j->seg, name, sizeof name);
		if (fdatasync(j->segfd) < 0)
			return jn_fail(j, "cannot sync '%s'", name);
		j->seg_dirty = 0;
	}
	if (j->dir_dirty) {
		if (fsync(j->dirfd) < 0)
			return jn_fail(j, "cannot sync directory '%s'", j->dir);
		j->dir_dirty = 0;
	}
	if (jn_begin(j) < 0)
		goto fail;
	for (i = 0; i < j->npf; i++) {
		struct pframe *f = &j->pf[i];

		if (jn_index_frame(j, f->seg, f->off, f->len, f->first_seq,
		    &f->st, j->pfk + f->fk0, f->nfk, 0) < 0)
			goto fail;
	}
	for (i = 0; i < j->nps; i++)
		if (jn_put_seg(j, j->ps[i].seg, j->ps[i].created,
		    j->ps[i].bytes, j->ps[i].closed) < 0)
			goto fail;
	if (jn_put_meta(j, "next_seq", j->next_seq) < 0 ||
	    jn_put_meta(j, "last_seg", j->last_seg) < 0 || put_mark(j) < 0)
		goto fail;
	if (j->hook && j->hook(j->hook_ctx, j->db) < 0) {
		jn_fail(j, "sync hook failed");
		goto fail;
	}
	if (jn_commit(j) < 0)
		goto fail;
	for (i = 0; i < j->npf; i++) {
		const struct fstats *st = &j->pf[i].st;

		if (st->has & HAS_TIME) {
			j->last_time = st->last_time;
			j->has |= EV_HAS_TIME;
		}
		if (st->has & HAS_RECV) {
			j->last_recv = st->last_recv;
			j->has |= EV_HAS_RECV;
		}
	}
	j->durable += j->next_seq - j->durable_seq;
	j->durable_seq = j->next_seq;
	j->mark_dirty = 0;
	j->npf = j->npfk = j->nps = 0;
	return 1;
fail:
	{
		int e = errno;

		jn_rollback(j);
		j->failed = e;
		errno = e;
	}
	return -1;
}

