/*
 * journal/tail.c: what a writer left past the index.  A writer fdatasyncs
 * its frames before it indexes them, so the newest segments may hold
 * bytes the index does not know: in flight while the writer runs, a
 * "hot tail" once it is gone (killed, crashed), which the next writer's
 * recovery indexes.  Readers only look: they say the tail is there.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Is a writer running?  Its pid is in the lock file while it runs (a
 * writer that ends cleanly empties it). */
int
jn_writer_alive(struct journal *j)
{
	char b[32];
	ssize_t n;
	long pid;
	int fd = openat(j->dirfd, "lock", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = pread(fd, b, sizeof b - 1, 0);
	close(fd);
	if (n <= 0)
		return 0;
	b[n] = '\0';
	pid = strtol(b, NULL, 10);
	if (pid <= 0)
		return 0;
	if (j->writer && pid == (long)getpid())
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* The newest segment that has an indexed frame; 0 when none has.
 * Recovery scans from its indexed end on, through every later segment. */
int
jn_tail_seg(struct journal *j, uint64_t *seg)
{
	int64_t v;

	if (jn_int(j, "SELECT max(seg) FROM frames", 0, 0, &v) < 0)
		return -1;
	*seg = (uint64_t)v;
	return 0;
}

/* Add the bytes of the segments from tail_seg on past their indexed end. */
static int
count_tail(struct journal *j, struct journal_tail *t)
{
	uint64_t *disk = NULL, max_any, from, end;
	size_t nd = 0, k;
	int rc = -1;

	if (jn_tail_seg(j, &from) < 0 ||
	    jn_disk_segments(j, &disk, &nd, &max_any) < 0)
		return -1;
	for (k = 0; k < nd; k++) {
		char name[SEG_NAME_LEN];
		struct stat sb;

		if (disk[k] < from)
			continue;
		journal_seg_name(disk[k], name, sizeof name);
		if (fstatat(j->dirfd, name, &sb, 0) < 0) {
			if (errno == ENOENT)	/* pruned meanwhile */
				continue;
			jn_fail(j, "cannot stat '%s'", name);
			goto out;
		}
		if (jn_frames_end(j, disk[k], &end) < 0)
			goto out;
		if ((uint64_t)sb.st_size > end) {
			t->bytes += (uint64_t)sb.st_size - end;
			t->segments++;
		}
	}
	rc = 0;
out:
	free(disk);
	return rc;
}

int
journal_tail(struct journal *j, struct journal_tail *t)
{
	int rc;

	memset(t, 0, sizeof *t);
	/* One read transaction: the ends and the frames agree. */
	if (jn_exec(j, "BEGIN", "begin a transaction") < 0)
		return -1;
	rc = count_tail(j, t);
	if (sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		/* A read transaction: nothing to lose. */
	}
	if (rc < 0)
		return -1;
	/* Asked last: a writer that started meanwhile owns what was seen. */
	t->live = jn_writer_alive(j);
	return 0;
}

int
journal_check_tail(const char *dir, struct journal_tail *t)
{
	struct journal *j;
	char what[512];
	int rc, e;

	if (journal_open_read(&j, dir, what, sizeof what) < 0)
		return -1;
	rc = journal_tail(j, t);
	e = errno;
	if (journal_close(j) < 0) {
		/* A reader's close has nothing to sync. */
	}
	errno = e;
	return rc;
}
