/*
 * journal/scan.c: reading segments as recovery, reindex and verify do.
 * Every frame is probed, decompressed and its lines parsed and counted;
 * from where the index ends (everywhere, for reindex) each good frame is
 * indexed, and the first bad frame of the newest segment and everything
 * after it is a torn tail, copied to SEG.torn and cut off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "store/zframe.h"
#include "internal.h"

static ssize_t
pread_all(int fd, void *p, size_t n, uint64_t off)
{
	char *b = p;
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, b + got, n - got, (off_t)(off + got));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Is name "seg-" + 10 digits + suffix?  Sets *seg. */
static int
parse_seg_name(const char *name, const char *suffix, uint64_t *seg)
{
	uint64_t v = 0;
	int i;

	if (strncmp(name, "seg-", 4) != 0)
		return 0;
	for (i = 4; i < 14; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (strcmp(name + 14, suffix) != 0 || v == 0)
		return 0;
	*seg = v;
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The segment files in the directory, sorted; *max_any is the highest
 * number among them and the .torn files.  0, or -1 with errno.
 */
int
jn_disk_segments(struct journal *j, uint64_t **segs, size_t *n,
    uint64_t *max_any)
{
	struct dirent *d;
	DIR *dp;
	int fd;
	uint64_t *v = NULL, s;
	size_t nv = 0, cap = 0;

	*max_any = 0;
	fd = openat(j->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return jn_fail(j, "cannot read directory '%s'", j->dir);
	dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return jn_fail(j, "cannot read directory '%s'", j->dir);
	}
	errno = 0;
	while ((d = readdir(dp))) {
		if (parse_seg_name(d->d_name, ".zst.torn", &s)) {
			if (s > *max_any)
				*max_any = s;
			continue;
		}
		if (!parse_seg_name(d->d_name, ".zst", &s))
			continue;
		if (s > *max_any)
			*max_any = s;
		if (fs_grow((void **)&v, &cap, nv + 1, sizeof *v) < 0) {
			closedir(dp);
			free(v);
			return jn_fail(j, "cannot list segments");
		}
		v[nv++] = s;
		errno = 0;
	}
	if (errno) {
		int e = errno;

		closedir(dp);
		free(v);
		errno = e;
		return jn_fail(j, "cannot read directory '%s'", j->dir);
	}
	closedir(dp);
	if (nv)
		qsort(v, nv, sizeof *v, cmp_u64);
	*segs = v;
	*n = nv;
	return 0;
}

int
jn_segrd_open(struct journal *j, struct segrd *r, uint64_t seg, int flags)
{
	char name[SEG_NAME_LEN];
	struct stat sb;

	memset(r, 0, sizeof *r);
	journal_seg_name(seg, name, sizeof name);
	r->fd = openat(j->dirfd, name, flags | O_CLOEXEC);
	if (r->fd < 0)
		return -1;
	if (fstat(r->fd, &sb) < 0) {
		int e = errno;

		close(r->fd);
		r->fd = -1;
		errno = e;
		return -1;
	}
	r->size = (uint64_t)sb.st_size;
	return 0;
}

void
jn_segrd_close(struct segrd *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->p);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

/*
 * Make file bytes [off, off+want) available at r->p + (off - r->base),
 * fewer at the end of the file.  Returns the bytes available from off,
 * or -1 with errno.
 */
static ssize_t
segrd_at(struct segrd *r, uint64_t off, size_t want)
{
	uint64_t left = r->size > off ? r->size - off : 0;
	ssize_t got;

	if (want > left)
		want = (size_t)left;
	if (off >= r->base && off + want <= r->base + r->n)
		return (ssize_t)(r->base + r->n - off);
	if (want > r->cap) {
		size_t cap = r->cap ? r->cap : READ_CHUNK;
		unsigned char *p;

		while (cap < want)
			cap *= 2;
		p = realloc(r->p, cap);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		r->p = p;
		r->cap = cap;
	}
	/* Read as much as fits: the next frames come with it. */
	got = pread_all(r->fd, r->p, r->size - off < r->cap ?
	    (size_t)(r->size - off) : r->cap, off);
	if (got < 0)
		return -1;
	r->base = off;
	r->n = (size_t)got;
	return got;
}

/*
 * The frame at off: probe it (reading more until it is whole or the file
 * ends).  ZFRAME_OK with *p pointing at it, ZFRAME_SHORT, ZFRAME_BAD
 * with *why; -1 with errno on a read error.
 */
int
jn_segrd_frame(struct segrd *r, uint64_t off, const unsigned char **p,
    size_t *len, uint64_t *raw_len, const char **why)
{
	size_t want = READ_CHUNK;

	for (;;) {
		ssize_t n = segrd_at(r, off, want);
		int st;

		if (n < 0)
			return SEGRD_ERROR;
		*p = r->p + (off - r->base);
		st = zframe_probe(*p, (size_t)n, len, raw_len, why);
		if (st != ZFRAME_SHORT || (uint64_t)n >= r->size - off)
			return st;
		if (want >= ((size_t)1 << 40)) {
			*why = "frame too large";
			return ZFRAME_BAD;
		}
		want *= 2;
	}
}

/*
 * Decompress a probed frame and count its lines into a.  0, or -1 with
 * the reason in j->why; -2 with errno on out of memory.
 */
int
jn_check_frame(struct journal *j, const unsigned char *p, size_t len,
    uint64_t raw_len, struct facc *a)
{
	const char *why, *line, *end, *nl;
	char reason[256];
	uint64_t lineno = 0;

	if (fs_grow((void **)&j->raw, &j->rawcap, (size_t)raw_len + 1, 1) < 0)
		return -2;
	if (zframe_decompress(j->dctx, j->raw, raw_len, p, len, &why) < 0) {
		snprintf(j->why, sizeof j->why, "%s", why);
		return -1;
	}
	if (raw_len == 0) {
		snprintf(j->why, sizeof j->why, "empty frame");
		return -1;
	}
	if (j->raw[raw_len - 1] != '\n') {
		snprintf(j->why, sizeof j->why,
		    "content does not end with a newline");
		return -1;
	}
	jn_facc_reset(j, a);
	line = (const char *)j->raw;
	end = line + raw_len;
	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', end - line);
		lineno++;
		if (event_parse(line, (size_t)(nl - line), &j->ev, reason,
		    sizeof reason) < 0) {
			snprintf(j->why, sizeof j->why, "line %" PRIu64
			    " of the frame: %s", lineno, reason);
			return -1;
		}
		if (jn_facc_add(j, a, &j->ev, (size_t)(nl - line)) < 0)
			return -2;
	}
	return 0;
}

static const struct oldframe *
old_frame(const struct anchors *a, uint64_t seg, uint64_t off)
{
	size_t lo = 0, hi = a ? a->nf : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct oldframe *f = &a->f[mid];

		if (f->seg < seg || (f->seg == seg && f->off < off))
			lo = mid + 1;
		else if (f->seg == seg && f->off == off)
			return f;
		else
			hi = mid;
	}
	return NULL;
}

/* Copy r's bytes [off, size) to SEG.torn, then cut the segment there. */
int
jn_cut_tail(struct journal *j, struct segrd *r, uint64_t seg, uint64_t off,
    const char *why)
{
	char name[SEG_NAME_LEN], torn[SEG_NAME_LEN + 8];
	uint64_t pos, n = r->size - off;
	int fd;

	journal_seg_name(seg, name, sizeof name);
	snprintf(torn, sizeof torn, "%s.torn", name);
	fd = openat(j->dirfd, torn, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return jn_fail(j, "cannot open '%s'", torn);
	for (pos = off; pos < r->size; ) {
		ssize_t got = segrd_at(r, pos, READ_CHUNK);

		if (got <= 0) {
			if (got == 0)
				errno = EIO;
			close(fd);
			return jn_fail(j, "cannot read '%s'", name);
		}
		if (fs_write_all(fd, r->p + (pos - r->base), (size_t)got) < 0) {
			close(fd);
			return jn_fail(j, "cannot write '%s'", torn);
		}
		pos += (uint64_t)got;
	}
	if (fsync(fd) < 0) {
		close(fd);
		return jn_fail(j, "cannot sync '%s'", torn);
	}
	if (close(fd) < 0)
		return jn_fail(j, "cannot write '%s'", torn);
	if (ftruncate(r->fd, (off_t)off) < 0 || fsync(r->fd) < 0)
		return jn_fail(j, "cannot cut the torn tail of '%s'", name);
	if (fsync(j->dirfd) < 0)
		return jn_fail(j, "cannot sync directory '%s'", j->dir);
	jn_note(j, "%s: torn tail at offset %" PRIu64 " (%" PRIu64
	    " bytes: %s) moved to %s", name, off, n, why, torn);
	r->size = off;
	r->n = r->base < off ? (size_t)(off - r->base) : 0;
	if (r->n > r->cap)
		r->n = 0;
	return 0;
}

/*
 * Index the frames of segment seg from offset start; *end is where the
 * last good frame ends.  In the newest segment (last) the first bad frame
 * and what follows is a torn tail; elsewhere a bad frame is noted and
 * skipped when its size is known, or ends the scan of that segment.
 */
int
jn_scan_segment(struct journal *j, uint64_t seg, uint64_t start, int last,
    uint64_t *end)
{
	char name[SEG_NAME_LEN];
	struct segrd r;
	struct facc a = { 0 };
	uint64_t off = start, frames = 0, events = 0;
	int rc = -1;

	journal_seg_name(seg, name, sizeof name);
	*end = start;
	if (jn_segrd_open(j, &r, seg, O_RDWR) < 0)
		return jn_fail(j, "cannot open '%s'", name);
	while (off < r.size) {
		const unsigned char *p;
		const char *why = NULL;
		const struct oldframe *of;
		size_t len = 0;
		uint64_t raw = 0;
		int st = jn_segrd_frame(&r, off, &p, &len, &raw, &why);
		int64_t id = 0;

		if (st == SEGRD_ERROR) {
			jn_fail(j, "cannot read '%s'", name);
			goto out;
		}
		if (st == ZFRAME_OK) {
			int c = jn_check_frame(j, p, len, raw, &a);

			if (c == -2) {
				jn_fail(j, "cannot scan '%s'", name);
				goto out;
			}
			if (c == 0) {
				of = old_frame(j->anch, seg, off);
				if (of && of->first_seq >= j->running)
					j->running = of->first_seq;
				if (of)
					id = of->id;
				else if (j->anch)
					id = j->anch->next_id++;
				if (jn_index_frame(j, seg, off, len, j->running,
				    &a.st, a.fk, a.nfk, id) < 0)
					goto out;
				j->running += a.st.count;
				frames++;
				events += a.st.count;
				off += len;
				*end = off;
				continue;
			}
			why = j->why;
		} else if (st == ZFRAME_SHORT) {
			why = "incomplete frame";
		}
		if (last) {
			if (jn_cut_tail(j, &r, seg, off, why) < 0)
				goto out;
			break;
		}
		if (st == ZFRAME_OK) {
			jn_note(j, "%s at offset %" PRIu64 ": %s: frame "
			    "skipped", name, off, why);
			of = old_frame(j->anch, seg, off);
			if (of && of->first_seq >= j->running)
				j->running = of->first_seq + of->count;
			off += len;
			continue;
		}
		jn_note(j, "%s at offset %" PRIu64 ": %s: the rest of the "
		    "segment (%" PRIu64 " bytes) is not indexed", name, off,
		    why, r.size - off);
		break;
	}
	j->scan_frames += frames;
	j->scan_events += events;
	rc = 0;
out:
	free(a.fk);
	jn_segrd_close(&r);
	return rc;
}
