/*
 * journal/maint.c: the maintenance that must not race an appender, so
 * runs on a writer's handle: reindex (recovery over an emptied index)
 * and prune (closed segments older than a time, files first).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "internal.h"

int
journal_reindex(struct journal *j)
{
	if (!j->writer) {
		errno = EBADF;
		return jn_fail(j, "reindex needs the writer's lock");
	}
	if (journal_sync(j) < 0)
		return -1;
	if (j->segfd >= 0) {
		close(j->segfd);
		j->segfd = -1;
	}
	if (jn_recover(j, 1) < 0) {
		j->failed = errno;
		return -1;
	}
	j->durable_seq = j->next_seq;
	return 0;
}

int
journal_prune(struct journal *j, int64_t before, struct journal_pruned *p)
{
	struct victim {
		uint64_t seg, frames, events, bytes;
	} *v = NULL;
	size_t nv = 0, cap = 0, i;
	sqlite3_stmt *s;
	int rc;

	if (!j->writer) {
		errno = EBADF;
		return jn_fail(j, "prune needs the writer's lock");
	}
	if (journal_sync(j) < 0)
		return -1;
	if (jn_prepare(j, "SELECT s.seg, s.bytes, count(f.id), "
	    "coalesce(sum(f.count), 0), coalesce(max(f.max_time), s.created) "
	    "FROM segments s LEFT JOIN frames f ON f.seg = s.seg "
	    "WHERE s.closed = 1 GROUP BY s.seg ORDER BY s.seg", &s) < 0)
		return -1;
	while ((rc = db_step(s, "read the segments", &j->dbe)) > 0) {
		uint64_t seg = (uint64_t)sqlite3_column_int64(s, 0);

		if (sqlite3_column_int64(s, 4) >= before ||
		    (j->segfd >= 0 && seg == j->seg))
			continue;
		if (fs_grow((void **)&v, &cap, nv + 1, sizeof *v) < 0) {
			sqlite3_finalize(s);
			free(v);
			return jn_fail(j, "cannot prune");
		}
		v[nv].seg = seg;
		v[nv].bytes = (uint64_t)sqlite3_column_int64(s, 1);
		v[nv].frames = (uint64_t)sqlite3_column_int64(s, 2);
		v[nv].events = (uint64_t)sqlite3_column_int64(s, 3);
		nv++;
	}
	sqlite3_finalize(s);
	if (rc < 0) {
		free(v);
		return jn_fail_db(j);
	}
	/* Files first: a crash before the rows go leaves rows that point
	 * at missing files, which the next open removes. */
	for (i = 0; i < nv; i++) {
		char name[SEG_NAME_LEN], torn[SEG_NAME_LEN + 8];

		journal_seg_name(v[i].seg, name, sizeof name);
		snprintf(torn, sizeof torn, "%s.torn", name);
		if ((unlinkat(j->dirfd, name, 0) < 0 && errno != ENOENT) ||
		    (unlinkat(j->dirfd, torn, 0) < 0 && errno != ENOENT)) {
			jn_fail(j, "cannot remove '%s'", name);
			free(v);
			return -1;
		}
	}
	if (nv && fsync(j->dirfd) < 0) {
		free(v);
		return jn_fail(j, "cannot sync directory '%s'", j->dir);
	}
	if (jn_begin(j) < 0)
		goto fail;
	for (i = 0; i < nv; i++) {
		if (jn_drop_frames(j, v[i].seg, 0) < 0 ||
		    jn_change(j, "DELETE FROM segments WHERE seg = ?",
		    (int64_t)v[i].seg, 0, "delete a segment") < 0)
			goto fail;
		if (p) {
			p->segments++;
			p->frames += v[i].frames;
			p->events += v[i].events;
			p->bytes += v[i].bytes;
		}
	}
	if (jn_put_meta(j, "last_seg", j->last_seg) < 0 || jn_commit(j) < 0)
		goto fail;
	free(v);
	return 0;
fail:
	{
		int e = errno;

		jn_rollback(j);
		j->failed = e;
		errno = e;
	}
	free(v);
	return -1;
}
