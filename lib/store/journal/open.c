/*
 * journal/open.c: opening a journal for writing (the lock, the index,
 * recovery) or for reading, its status, and closing it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/zframe.h"
#include "internal.h"

void
journal_opts_init(struct journal_opts *o)
{
	memset(o, 0, sizeof *o);
	o->frame_size = JOURNAL_FRAME_SIZE;
	o->segment_size = JOURNAL_SEGMENT_SIZE;
	o->segment_time = JOURNAL_SEGMENT_TIME;
	o->level = JOURNAL_LEVEL;
}

void
jn_free(struct journal *j)
{
	int i;

	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(j->st[i]);
	if (j->db)
		sqlite3_close(j->db);
	ZSTD_freeCCtx(j->cctx);
	ZSTD_freeDCtx(j->dctx);
	if (j->segfd >= 0)
		close(j->segfd);
	if (j->lockfd >= 0) {
		/* A clean end: no pid left behind for verify to find. */
		if (j->writer && !j->failed && ftruncate(j->lockfd, 0) < 0) {
			/* The lock goes with the descriptor anyway. */
		}
		close(j->lockfd);
	}
	if (j->dirfd >= 0)
		close(j->dirfd);
	jn_free_keys(j);
	buf_free(&j->kb);
	buf_free(&j->sb);
	buf_free(&j->frame);
	free(j->cur.fk);
	free(j->z);
	free(j->pf);
	free(j->pfk);
	free(j->ps);
	free(j->raw);
	free(j->dir);
	free(j);
}

static struct journal *
journal_new(const char *dir)
{
	struct journal *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	j->dirfd = j->lockfd = j->segfd = -1;
	j->dir = strdup(dir);
	if (!j->dir) {
		free(j);
		return NULL;
	}
	keymap_init(&j->keys);
	buf_init(&j->kb, 0);
	buf_init(&j->sb, 0);
	buf_init(&j->frame, 0);
	journal_opts_init(&j->o);
	return j;
}

/* Take the lock; a held one names its holder. */
static int
take_lock(struct journal *j)
{
	char b[32];
	ssize_t n;
	long pid = 0;
	int len;

	j->lockfd = openat(j->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
	    0644);
	if (j->lockfd < 0)
		return jn_fail(j, "cannot open '%s/lock'", j->dir);
	while (flock(j->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return jn_fail(j, "cannot lock '%s/lock'", j->dir);
		n = pread(j->lockfd, b, sizeof b - 1, 0);
		if (n > 0) {
			b[n] = '\0';
			pid = strtol(b, NULL, 10);
		}
		errno = EWOULDBLOCK;
		if (pid > 0)
			return jn_fail(j, "'%s' is locked by another writer "
			    "(pid %ld)", j->dir, pid);
		return jn_fail(j, "'%s' is locked by another writer", j->dir);
	}
	len = snprintf(b, sizeof b, "%ld\n", (long)getpid());
	if (ftruncate(j->lockfd, 0) < 0 ||
	    pwrite(j->lockfd, b, (size_t)len, 0) != len)
		return jn_fail(j, "cannot write '%s/lock'", j->dir);
	return 0;
}

static int
open_db(struct journal *j, int writer)
{
	char path[PATH_MAX];
	uint64_t format = 0;

	if (snprintf(path, sizeof path, "%s/index.db", j->dir) >=
	    (int)sizeof path) {
		errno = ENAMETOOLONG;
		return jn_fail(j, "cannot open '%s/index.db'", j->dir);
	}
	if (!writer && access(path, F_OK) < 0)
		return jn_fail(j, "no journal in '%s'", j->dir);
	if (db_open(&j->db, path, writer ? DB_CREATE | DB_WAL : DB_READ,
	    "open the index", &j->dbe) < 0)
		return jn_fail_db(j);
	if (writer && jn_index_setup(j) < 0)
		return -1;
	if (jn_get_meta(j, "format", &format) < 0)
		return -1;
	if (format != 1) {
		errno = EINVAL;
		return jn_fail(j, "'%s': unknown journal format '%" PRIu64 "'",
		    j->dir, format);
	}
	return 0;
}



static int open_common(struct journal **jp, const char *dir, char *what,
    size_t whatlen, int writer);

int
journal_open(struct journal **jp, const char *dir,
    const struct journal_opts *o, char *what, size_t whatlen)
{
	struct journal *j;

	if (open_common(jp, dir, what, whatlen, 1) < 0)
		return -1;
	j = *jp;
	j->o = *o;
	if (j->o.frame_size == 0)
		j->o.frame_size = 1;
	if (zframe_cctx(&j->cctx, o->level) < 0) {
		jn_fail(j, "bad zstd level %d", o->level);
		goto fail;
	}
	if (jn_load_keys(j) < 0 || jn_recover(j, 0) < 0)
		goto fail;
	j->durable_seq = j->next_seq;
	jn_facc_reset(j, &j->cur);
	return 0;
fail:
	snprintf(what, whatlen, "%s", j->what);
	{
		int e = errno;

		j->failed = e;
		jn_free(j);
		errno = e;
	}
	*jp = NULL;
	return -1;
}

int
journal_open_read(struct journal **jp, const char *dir, char *what,
    size_t whatlen)
{
	return open_common(jp, dir, what, whatlen, 0);
}

static int
open_common(struct journal **jp, const char *dir, char *what,
    size_t whatlen, int writer)
{
	struct journal *j = journal_new(dir);
	int e;

	*jp = NULL;
	if (!j) {
		snprintf(what, whatlen, "cannot open '%s'", dir);
		errno = ENOMEM;
		return -1;
	}
	j->writer = writer;
	if (writer && mkdir(dir, 0755) < 0 && errno != EEXIST) {
		jn_fail(j, "cannot create '%s'", dir);
		goto fail;
	}
	j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0) {
		if (errno == ENOENT && !writer)
			jn_fail(j, "no journal in '%s'", dir);
		else
			jn_fail(j, "cannot open '%s'", dir);
		goto fail;
	}
	if (writer && take_lock(j) < 0)
		goto fail;
	if (open_db(j, writer) < 0)
		goto fail;
	j->dctx = ZSTD_createDCtx();
	if (!j->dctx) {
		errno = ENOMEM;
		jn_fail(j, "cannot create a zstd context");
		goto fail;
	}
	*jp = j;
	return 0;
fail:
	e = errno;
	snprintf(what, whatlen, "%s", j->what);
	/* A lock held by another must not be truncated by our free. */
	j->failed = e;
	jn_free(j);
	errno = e;
	return -1;
}

void
journal_set_sync_hook(struct journal *j, int (*fn)(void *ctx, sqlite3 *db),
    void *ctx)
{
	j->hook = fn;
	j->hook_ctx = ctx;
}

sqlite3 *
journal_db(struct journal *j)
{
	return j->db;
}

void
journal_status(const struct journal *j, struct journal_status *st)
{
	memset(st, 0, sizeof *st);
	st->next_seq = j->next_seq;
	st->durable_seq = j->durable_seq;
	st->appended = j->appended;
	st->durable = j->durable;
	st->raw_bytes = j->raw_bytes;
	st->bytes = j->bytes;
	st->last_time = j->last_time;
	st->last_recv = j->last_recv;
	st->has = j->has;
	st->seg = j->segfd >= 0 ? j->seg : 0;
}

int
journal_close(struct journal *j)
{
	int rc = 0, e = 0;

	if (!j)
		return 0;
	if (j->writer) {
		if (journal_sync(j) < 0) {
			rc = -1;
			e = errno;
		} else if (j->segfd >= 0) {
			char name[SEG_NAME_LEN];

			journal_seg_name(j->seg, name, sizeof name);
			if (close(j->segfd) < 0) {
				rc = -1;
				e = errno;
				jn_fail(j, "cannot close '%s'", name);
			}
			j->segfd = -1;
		}
	}
	jn_free(j);
	if (rc < 0)
		errno = e;
	return rc;
}
