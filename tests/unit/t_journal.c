/*
 * t_journal: the journal library -- zstd frames as the journal checks
 * them, appending and syncing, the status, the sync hook inside the
 * sync's transaction (and a failing one rolling it back), the lock, and
 * recovery of frames a failed sync left unindexed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/event.h"
#include "store/journal.h"
#include "tap.h"
#include "store/zframe.h"

static char dir[256];

static void
test_zframe(void)
{
	const char text[] = "{\"type\":\"a\"}\n{\"type\":\"b\"}\n";
	size_t n = sizeof text - 1, len = 0, zn = 0;
	unsigned char z[256], out[64];
	uint64_t raw = 0;
	const char *why = NULL;
	ZSTD_CCtx *c = NULL;
	ZSTD_DCtx *d = ZSTD_createDCtx();
	size_t plain;

	tap_ok(zframe_cctx(&c, 3) == 0, "zframe_cctx");
	tap_ok(zframe_cctx(&c, 99) < 0 && errno == EINVAL,
	    "a bad level is EINVAL");
	tap_ok(zframe_compress(c, z, sizeof z, text, n, &zn) == 0,
	    "compress a frame");
	tap_eq_i(zframe_probe(z, zn, &len, &raw, &why), ZFRAME_OK,
	    "probe the whole frame");
	tap_eq_i((int64_t)len, (int64_t)zn, "its compressed size");
	tap_eq_i((int64_t)raw, (int64_t)n, "its content size");
	tap_eq_i(zframe_probe(z, zn - 1, &len, &raw, &why), ZFRAME_SHORT,
	    "one byte short is short");
	tap_eq_i(zframe_probe(z, 3, &len, &raw, &why), ZFRAME_SHORT,
	    "three bytes are short");
	tap_ok(zframe_decompress(d, out, raw, z, zn, &why) == 0 &&
	    memcmp(out, text, n) == 0, "decompress it");
	z[zn - 1] ^= 1;
	why = NULL;
	tap_ok(zframe_decompress(d, out, raw, z, zn, &why) < 0 && why &&
	    strstr(why, "checksum"), "a bad checksum fails");
	tap_ok(zframe_probe("garbage!", 8, &len, &raw, &why) == ZFRAME_BAD &&
	    strstr(why, "bad magic"), "garbage is no frame");
	plain = ZSTD_compress(z, sizeof z, text, n, 3);
	tap_ok(!ZSTD_isError(plain) && zframe_probe(z, plain, &len, &raw,
	    &why) == ZFRAME_BAD && strcmp(why, "frame without a checksum") == 0,
	    "a frame without a checksum is refused");
	ZSTD_freeCCtx(c);
	ZSTD_freeDCtx(d);
}

static int hook_calls;
static int hook_fail;

static int
hook(void *ctx, sqlite3 *db)
{
	(void)ctx;
	hook_calls++;
	if (hook_fail) {
		errno = EIO;
		return -1;
	}
	/* Inside the sync's transaction: written with the frames. */
	return sqlite3_exec(db, "INSERT INTO hist VALUES(1)", NULL, NULL,
	    NULL) == SQLITE_OK ? 0 : -1;
}

static int64_t
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int
append(struct journal *j, const char *line)
{
	struct event ev;
	char why[128];

	if (event_parse(line, strlen(line), &ev, why, sizeof why) < 0)
		return -1;
	return journal_append(j, line, strlen(line), &ev);
}

static void
note(void *ctx, const char *msg)
{
	int *n = ctx;

	(*n)++;
	tap_diag("note: %s", msg);
}

/*
 * The frame the failed sync left is past the index.  Its writer, this
 * process, lives while its pid is in the lock file; once the pid is gone
 * the frame is a hot tail that verify counts and does not call damage.
 */
static void
test_hot_tail(struct journal_totals *t)
{
	struct journal_tail h;
	char path[300];
	int fd;

	tap_ok(journal_check_tail(dir, &h) == 0 && h.bytes > 0 &&
	    h.segments == 1 && h.live, "a live writer's tail is in flight");
	snprintf(path, sizeof path, "%s/lock", dir);
	fd = open(path, O_WRONLY | O_TRUNC);
	tap_ok(fd >= 0 && close(fd) == 0, "the writer is gone");
	tap_ok(journal_check_tail(dir, &h) == 0 && h.bytes > 0 && !h.live,
	    "its tail awaits recovery");
	{
		struct journal *r;
		char what[512];

		tap_ok(journal_open_read(&r, dir, what, sizeof what) == 0 &&
		    journal_verify(r, NULL, NULL, t) == 0,
		    "verify: a hot tail is not damage");
		tap_ok(t->tail_frames == 1 && t->tail_events == 1 &&
		    t->tail_bytes == h.bytes, "verify counts it");
		tap_ok(journal_close(r) == 0, "close the reader");
	}
}

static void
test_journal(void)
{
	struct journal_opts o;
	struct journal *j, *k;
	struct journal_status st;
	struct journal_totals t;
	char what[512], want[600];
	int i, notes = 0;

	journal_opts_init(&o);
	o.note = note;
	o.note_ctx = &notes;
	tap_ok(journal_open(&j, dir, &o, what, sizeof what) == 0,
	    "open a new journal");
	tap_ok(sqlite3_exec(journal_db(j), "CREATE TABLE hist(x)", NULL,
	    NULL, NULL) == SQLITE_OK, "another module's table in the index");
	journal_set_sync_hook(j, hook, NULL);
	tap_ok(journal_open(&k, dir, &o, what, sizeof what) < 0 &&
	    errno == EWOULDBLOCK, "a second writer is refused");
	snprintf(want, sizeof want, "'%s' is locked by another writer "
	    "(pid %ld)", dir, (long)getpid());
	tap_eq_s(what, want, "naming the holder");
	for (i = 0; i < 10; i++)
		if (append(j, "{\"type\":\"t\",\"venue\":\"v\",\"time\":5}") < 0)
			break;
	tap_eq_i(i, 10, "append 10 events");
	journal_status(j, &st);
	tap_ok(st.next_seq == 10 && st.durable_seq == 0 && st.appended == 10,
	    "10 appended, none durable yet");
	tap_eq_i(journal_sync(j), 1, "sync makes them durable");
	journal_status(j, &st);
	tap_ok(st.durable_seq == 10 && st.durable == 10 &&
	    (st.has & EV_HAS_TIME) && st.last_time == 5,
	    "the status says so, with the last time");
	tap_eq_i(hook_calls, 1, "the hook ran once");
	tap_eq_i(count(journal_db(j), "SELECT count(*) FROM hist"), 1,
	    "and its row is committed");
	tap_eq_i(journal_sync(j), 0, "a sync with nothing new does nothing");
	tap_eq_i(hook_calls, 1, "not even the hook");

	hook_fail = 1;
	tap_ok(append(j, "{\"type\":\"u\"}") == 0, "one more");
	tap_ok(journal_sync(j) < 0, "a failing hook fails the sync");
	tap_eq_i(count(journal_db(j), "SELECT count(*) FROM frames"), 1,
	    "the transaction is rolled back");
	tap_ok(append(j, "{\"type\":\"v\"}") < 0, "the handle is failed");
	tap_ok(journal_close(j) < 0, "close reports the failure");

	hook_fail = 0;
	test_hot_tail(&t);
	tap_ok(journal_open(&j, dir, &o, what, sizeof what) == 0,
	    "reopen after the failure");
	tap_eq_i(notes, 1, "recovery says what it did");
	journal_status(j, &st);
	tap_eq_i((int64_t)st.next_seq, 11,
	    "the frame written before the failed sync is recovered");
	tap_ok(journal_close(j) == 0, "close");
	{
		struct journal_tail h;

		tap_ok(journal_check_tail(dir, &h) == 0 && h.bytes == 0 &&
		    !h.live, "recovered: no tail, no writer");
	}

	tap_ok(journal_open_read(&j, dir, what, sizeof what) == 0,
	    "open for reading");
	tap_eq_i(journal_verify(j, NULL, NULL, &t), 0, "verify: no damage");
	tap_ok(t.events == 11 && t.frames == 2 && t.segments == 1,
	    "verify's totals");
	tap_ok(journal_close(j) == 0, "close the reader");
	tap_ok(journal_open_read(&j, "/nonexistent/journal", what,
	    sizeof what) < 0 && errno == ENOENT, "no journal: ENOENT");
	tap_eq_s(what, "no journal in '/nonexistent/journal'", "and says so");
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[300];

	snprintf(dir, sizeof dir, "%s/t_journal.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_zframe();
	test_journal();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
