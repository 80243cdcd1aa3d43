/*
 * fuzz_journal: libFuzzer harness for the journal's segment scanner.
 * Each input is written as the only segment of a journal without an
 * index; opening it for writing runs recovery, which must index the
 * valid frames and cut the rest as a torn tail.  Whatever the bytes,
 * the journal must then verify clean, and a second open must find
 * nothing left to repair.  Then the input goes past the end of the
 * index, as a crashed writer's tail: a reader must count it all, verify
 * must call it a hot tail exactly when it names no damage, and recovery
 * must index what verify counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static int notes;

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
on_note(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
	notes++;
}

static void
on_damage(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "damage after recovery: %s\n", msg);
	abort();
}

static void
count_damage(void *ctx, const char *msg)
{
	(void)msg;
	(*(long *)ctx)++;
}

static void
rm(const char *name)
{
	char p[128];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	if (unlink(p) < 0 && errno != ENOENT)
		abort();
}

static void
cleanup(void)
{
	static const char *const names[] = { "index.db", "index.db-wal",
	    "index.db-shm", "seg-0000000001.zst", "seg-0000000001.zst.torn",
	    "lock" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		rm(names[i]);
	rmdir(dir);
}

/* The input again, past the index of the journal verified into *t0. */
static void
hot_tail(const uint8_t *data, size_t size, const char *seg,
    const struct journal_totals *t0)
{
	struct journal_opts o;
	struct journal_totals t, t2;
	struct journal_tail h;
	struct journal *j;
	char what[512];
	long damage = 0, n;
	int fd;

	fd = open(seg, O_WRONLY | O_APPEND);
	check(fd >= 0);
	check(size == 0 || write(fd, data, size) == (ssize_t)size);
	check(close(fd) == 0);
	check(journal_check_tail(dir, &h) == 0);
	check(!h.live && h.bytes == size);
	check(journal_open_read(&j, dir, what, sizeof what) == 0);
	n = journal_verify(j, count_damage, &damage, &t);
	check(n >= 0 && n == damage && n <= 1);
	check(t.events == t0->events && t.tail_bytes <= size);
	check(n > 0 || t.tail_bytes == size);
	check(journal_close(j) == 0);
	journal_opts_init(&o);
	check(journal_open(&j, dir, &o, what, sizeof what) == 0);
	check(journal_close(j) == 0);
	check(journal_open_read(&j, dir, what, sizeof what) == 0);
	check(journal_verify(j, on_damage, NULL, &t2) == 0);
	check(journal_close(j) == 0);
	check(n > 0 || t2.events == t.events + t.tail_events);
	check(n > 0 || t2.frames == t.frames + t.tail_frames);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_opts o;
	struct journal_totals t;
	struct journal *j;
	char what[512], p[128];
	int fd;

	if (!dir[0]) {
		/* tmpfs when there is one: fsync costs nothing there. */
		snprintf(dir, sizeof dir, "%s/fuzz_journal.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		check(mkdtemp(dir) != NULL);
		atexit(cleanup);
	}
	rm("index.db");
	rm("index.db-wal");
	rm("index.db-shm");
	rm("seg-0000000001.zst.torn");
	snprintf(p, sizeof p, "%s/seg-0000000001.zst", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0);
	check(size == 0 || write(fd, data, size) == (ssize_t)size);
	check(close(fd) == 0);

	journal_opts_init(&o);
	o.note = on_note;
	check(journal_open(&j, dir, &o, what, sizeof what) == 0);
	check(journal_close(j) == 0);
	check(journal_open_read(&j, dir, what, sizeof what) == 0);
	check(journal_verify(j, on_damage, NULL, &t) == 0);
	check(journal_close(j) == 0);
	notes = 0;
	check(journal_open(&j, dir, &o, what, sizeof what) == 0);
	check(notes == 0);
	check(journal_close(j) == 0);
	hot_tail(data, size, p, &t);
	return 0;
}
