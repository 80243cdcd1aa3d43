/*
 * t_out: output to files, pipes and unix: readers -- exact bytes, EPIPE
 * without dying, readers joining mid-stream, a stuck reader dropped;
 * coalescing (held events, pushed whole by out_idle, a full buffer or
 * out_close).
 */
/* load: 3 (sockets, other processes: make check-load runs it 3 times) */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "io/out.h"
#include "io/sig.h"
#include "tap.h"

static char dir[] = "/tmp/t_out.XXXXXX";

/* Read a whole descriptor until EOF into a malloc'd buffer. */
static char *
slurp_fd(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	ssize_t r;

	for (;;) {
		if (n == cap) {
			cap *= 2;
			p = realloc(p, cap);
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return p;
}

/* A test pattern: lines of varying length, n bytes in all. */
static char *
pattern(size_t n)
{
	char *p = malloc(n);
	size_t i, col = 0;

	for (i = 0; i < n; i++) {
		if (col == 37 + i % 91 || i == n - 1) {
			p[i] = '\n';
			col = 0;
		} else {
			p[i] = (char)('a' + i % 26);
			col++;
		}
	}
	return p;
}

static void
test_file(void)
{
	static const size_t sizes[] = { 1, 100, 70000, 3, 65536, 65535, 200000,
		10, 0, 4096 };
	char path[64], *data, *got;
	size_t total = 0, off = 0, i, len;
	struct out *o;
	int fd, ok = 1;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		total += sizes[i];
	data = pattern(total);
	snprintf(path, sizeof path, "%s/file.ndjson", dir);
	tap_ok(out_open(&o, path, 0) == 0, "out_open file");
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (out_write(o, data + off, sizes[i]) < 0)
			ok = 0;
		off += sizes[i];
	}
	tap_ok(ok, "file writes");
	tap_ok(out_close(o) == 0, "out_close file");
	fd = open(path, O_RDONLY);
	got = slurp_fd(fd, &len);
	close(fd);
	unlink(path);
	tap_ok(len == total && memcmp(got, data, total) == 0,
	    "file holds exactly the bytes written");
	free(got);
	free(data);

	errno = 0;
	tap_ok(out_open(&o, "/nonexistent/dir/x", 0) < 0 && errno == ENOENT,
	    "out_open into a missing directory: ENOENT");
}

/* /dev/null takes blocks too, and is not an error. */
static void
test_devnull(void)
{
	struct out *o;

	tap_ok(out_open(&o, "/dev/null", 0) == 0, "out_open /dev/null");
	tap_ok(out_write(o, "x\n", 2) == 0, "write /dev/null");
	tap_ok(out_close(o) == 0, "close /dev/null");
}

static void
test_pipe(void)
{
	size_t total = 60000, len;
	char *data = pattern(total), *got;
	struct out *o;
	int pfd[2], ok = 1;
	size_t off, n;

	if (pipe(pfd) < 0)
		return;
	tap_ok(out_fdopen(&o, pfd[1], 1) == 0, "out_fdopen pipe");
	for (off = 0; off < total; off += n) {
		n = total - off < 777 ? total - off : 777;
		if (out_write(o, data + off, n) < 0)
			ok = 0;
	}
	tap_ok(ok, "pipe writes");
	/* Per-event policy: the bytes are in the pipe before any flush. */
	tap_ok(poll(&(struct pollfd){ .fd = pfd[0], .events = POLLIN }, 1, 0)
	    == 1, "pipe output is not held back");
	tap_ok(out_close(o) == 0, "out_close pipe");
	got = slurp_fd(pfd[0], &len);
	close(pfd[0]);
	tap_ok(len == total && memcmp(got, data, total) == 0,
	    "pipe carries exactly the bytes written");
	free(got);
	free(data);
}

/* Bytes waiting in the read end of a pipe, without blocking. */
static int
pipe_ready(int fd)
{
	return poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0) == 1;
}

/*
 * Coalescing: events held back until out_idle(), a full buffer or
 * out_close(); every write whole events; the same bytes in the end.
 */
static void
test_coalesce(void)
{
	size_t total = 0, len, off, n, held, sent = 0, batches = 0;
	char *data = malloc(400000), *got, *p;
	struct out *o;
	int pfd[2], ok = 1, whole = 1, i;

	/* Events of 20 to 250 bytes, 300 000 bytes or so in all. */
	for (i = 0; total < 300000; i++) {
		int pad = 1 + (i * 37) % 231;

		total += (size_t)sprintf(data + total, "{\"n\":%06d,\"p\":\"%*s\"}\n",
		    i, pad, "");
	}

	if (pipe(pfd) < 0)
		return;
	/* Room for everything, so the writer never blocks. */
	fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20);
	tap_ok(out_fdopen(&o, pfd[1], 1) == 0, "out_fdopen pipe");
	out_coalesce(o);
	tap_ok(out_write(o, "{\"n\":1}\n", 8) == 0, "held write");
	tap_eq_i(out_held(o), 8, "one event held");
	tap_ok(!pipe_ready(pfd[0]), "held back: nothing in the pipe");
	tap_ok(out_idle(o) == 0, "out_idle");
	tap_eq_i(out_held(o), 0, "nothing held after out_idle");
	tap_ok(pipe_ready(pfd[0]), "out_idle pushed the event");
	tap_ok(out_idle(o) == 0 && out_tick(o) == 0,
	    "out_idle and out_tick with nothing held");
	got = malloc(1 << 20);
	tap_ok(read(pfd[0], got, 1 << 20) == 8 && memcmp(got, "{\"n\":1}\n",
	    8) == 0, "exactly the event");
	/* Lines of the pattern as events: each write holds whole lines. */
	for (off = 0; off < total; off += n) {
		p = memchr(data + off, '\n', total - off);
		n = (size_t)(p - (data + off)) + 1;
		held = out_held(o);
		if (out_write(o, data + off, n) < 0)
			ok = 0;
		if (out_held(o) != held + n) {
			/* A batch went out: it must end on a line. */
			ssize_t r = read(pfd[0], got, 1 << 20);

			if (r <= 0 || got[r - 1] != '\n')
				whole = 0;
			else
				sent += (size_t)r;
			batches++;
		}
	}
	tap_ok(ok, "coalesced writes");
	tap_ok(whole && batches >= 4 && batches < (size_t)i / 4,
	    "%zu batches, each ending on a whole event (%zu bytes)", batches,
	    sent);
	tap_ok(out_held(o) <= 64u << 10, "at most 64 KiB held");
	tap_ok(out_close(o) == 0, "out_close pushes the rest");
	free(got);
	got = slurp_fd(pfd[0], &len);
	close(pfd[0]);
	tap_ok(sent + len == total, "every byte arrives once (%zu + %zu)", sent,
	    len);
	free(got);
	free(data);
}

/* Coalescing leaves files in blocks; out_idle() does not flush them. */
static void
test_coalesce_file(void)
{
	char path[64];
	struct out *o;
	struct stat st;

	snprintf(path, sizeof path, "%s/coalesce", dir);
	tap_ok(out_open(&o, path, 0) == 0, "out_open file");
	out_coalesce(o);
	tap_ok(out_write(o, "{\"n\":1}\n", 8) == 0 && out_idle(o) == 0,
	    "file: write, idle");
	tap_ok(stat(path, &st) == 0 && st.st_size == 0,
	    "file: the block is kept");
	tap_eq_i(out_held(o), 0, "file: nothing counted as held");
	tap_ok(out_close(o) == 0 && stat(path, &st) == 0 && st.st_size == 8,
	    "file: written at close");
	unlink(path);
}

/*
 * A file's block is written within a second even when no event follows:
 * out_wait_ms() says how long the program may wait, out_tick() writes.
 */
static void
test_file_timely(void)
{
	char path[64];
	struct out *o;
	struct stat st;
	int64_t w, end;
	int written = 0;

	snprintf(path, sizeof path, "%s/timely", dir);
	tap_ok(out_open(&o, path, 0) == 0, "out_open file");
	tap_eq_i(out_wait_ms(o), -1, "timely: nothing to wait for");
	tap_ok(out_write(o, "{\"n\":1}\n", 8) == 0, "timely: write");
	w = out_wait_ms(o);
	tap_ok(w >= 0 && w <= 1000, "timely: due within a second");
	/* Not a measure of the second: a bound that turns a hang into a
	 * failure on a loaded machine. */
	end = time_mono_ms() + 60000;
	while (!written && time_mono_ms() < end) {
		struct timespec ts = { 0, 20 * 1000000 };

		if (out_tick(o) < 0)
			break;
		written = stat(path, &st) == 0 && st.st_size == 8;
		if (!written)
			nanosleep(&ts, NULL);
	}
	tap_ok(written, "timely: out_tick writes the block when due");
	tap_eq_i(out_wait_ms(o), -1, "timely: then nothing to wait for");
	tap_ok(out_close(o) == 0, "timely: close");
	unlink(path);
}

/* EPIPE found when a held batch goes out: sticky, as without coalescing. */
static void
test_coalesce_epipe(void)
{
	struct out *o;
	int pfd[2], r;

	if (pipe(pfd) < 0)
		return;
	tap_ok(out_fdopen(&o, pfd[1], 1) == 0, "out_fdopen pipe");
	out_coalesce(o);
	close(pfd[0]);
	tap_ok(out_write(o, "{\"x\":1}\n", 8) == 0, "held: no error yet");
	errno = 0;
	r = out_idle(o);
	tap_ok(r == -1 && errno == EPIPE, "out_idle: EPIPE");
	errno = 0;
	r = out_write(o, "{\"x\":2}\n", 8);
	tap_ok(r == -1 && errno == EPIPE, "EPIPE is sticky");
	errno = 0;
	r = out_close(o);
	tap_ok(r == -1 && errno == EPIPE, "out_close reports EPIPE");
}

static void
test_epipe(void)
{
	struct out *o;
	int pfd[2], r, e;

	if (pipe(pfd) < 0)
		return;
	tap_ok(out_fdopen(&o, pfd[1], 1) == 0, "out_fdopen pipe");
	close(pfd[0]);
	errno = 0;
	r = out_write(o, "{\"x\":1}\n", 8);
	e = errno;
	tap_ok(r == -1 && e == EPIPE, "reader gone: -1, EPIPE, still alive");
	errno = 0;
	r = out_write(o, "{\"x\":2}\n", 8);
	tap_ok(r == -1 && errno == EPIPE, "EPIPE is sticky");
	errno = 0;
	r = out_close(o);
	tap_ok(r == -1 && errno == EPIPE, "out_close reports EPIPE");

}

static int
connect_to(const char *path, int rcvbuf)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
test_unix(void)
{
	char path[64], spec[80], line[64], want[4096], *got;
	size_t wlen = 0, len;
	struct out *o, *o2;
	struct stat st;
	int c, i, ok = 1, n;

	snprintf(path, sizeof path, "%s/sock", dir);
	snprintf(spec, sizeof spec, "unix:%s", path);
	tap_ok(out_open(&o, spec, 0) == 0, "out_open unix:");
	tap_ok(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "socket exists");
	tap_eq_i(out_readers(o), 0, "no readers yet");
	tap_ok(out_write(o, "{\"n\":-1}\n", 9) == 0,
	    "write with no reader is discarded, not an error");

	errno = 0;
	tap_ok(out_open(&o2, spec, 0) < 0 && errno == EADDRINUSE,
	    "second listener on a live socket: EADDRINUSE");

	c = connect_to(path, 0);
	tap_ok(c >= 0, "reader connects");
	tap_ok(out_flush(o) == 0, "out_flush accepts");
	tap_eq_i(out_readers(o), 1, "one reader");
	for (i = 0; i < 50; i++) {
		n = snprintf(line, sizeof line, "{\"n\":%d}\n", i);
		memcpy(want + wlen, line, n);
		wlen += n;
		if (out_write(o, line, n) < 0)
			ok = 0;
	}
	tap_ok(ok, "unix writes");
	tap_ok(out_close(o) == 0, "out_close unix:");
	tap_ok(stat(path, &st) < 0 && errno == ENOENT, "socket unlinked");
	got = slurp_fd(c, &len);
	close(c);
	tap_ok(len == wlen && memcmp(got, want, wlen) == 0,
	    "reader got exactly the lines written after it joined");
	if (len != wlen)
		tap_diag("got %zu bytes, want %zu", len, wlen);
	free(got);
}

/* A leftover socket file is replaced; a file that is no socket is not. */
static void
test_stale(void)
{
	char path[64], spec[80];
	struct sockaddr_un sa;
	struct out *o;
	int fd;

	snprintf(path, sizeof path, "%s/stale", dir);
	snprintf(spec, sizeof spec, "unix:%s", path);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	tap_ok(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0,
	    "stale socket file made");
	close(fd);
	tap_ok(out_open(&o, spec, 0) == 0, "stale socket replaced");
	tap_ok(out_close(o) == 0, "close");

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	close(fd);
	errno = 0;
	tap_ok(out_open(&o, spec, 0) < 0 && errno == EADDRINUSE,
	    "a regular file at the path: EADDRINUSE");
	tap_ok(access(path, F_OK) == 0, "and it is left alone");
	unlink(path);
}

/* A reader that never reads is dropped once its queue is full. */
static void
test_drop(void)
{
	char path[64], spec[80], line[128];
	struct out *o;
	int slow, fast, i, ok = 1;
	size_t len;
	char *got;

	snprintf(path, sizeof path, "%s/drop", dir);
	snprintf(spec, sizeof spec, "unix:%s", path);
	tap_ok(out_open(&o, spec, 8192) == 0, "out_open queue_max 8192");
	slow = connect_to(path, 4096);
	tap_ok(out_flush(o) == 0 && out_readers(o) == 1, "slow reader in");
	memset(line, 'x', sizeof line);
	line[sizeof line - 1] = '\n';
	/* Well past the socket buffers and the queue. */
	for (i = 0; i < 20000 && out_readers(o) > 0; i++)
		if (out_write(o, line, sizeof line) < 0)
			ok = 0;
	tap_ok(ok, "writes never fail");
	tap_eq_i(out_readers(o), 0, "slow reader dropped");
	tap_eq_i(out_dropped(o), 1, "drop counted");

	/* A reader that leaves is removed, not counted. */
	fast = connect_to(path, 0);
	tap_ok(out_flush(o) == 0 && out_readers(o) == 1, "next reader in");
	close(fast);
	for (i = 0; i < 10; i++)
		if (out_write(o, line, sizeof line) < 0)
			ok = 0;
	tap_eq_i(out_readers(o), 0, "closed reader removed");
	tap_eq_i(out_dropped(o), 1, "and not counted as dropped");

	tap_ok(out_close(o) == 0, "out_close");
	/* Drain the dropped reader: it gets EOF after a part. */
	got = slurp_fd(slow, &len);
	tap_ok(len > 0, "dropped reader got a part, then EOF");
	free(got);
	close(slow);
}

/*
 * What a reader has not taken yet when the producer closes is still
 * delivered, if it reads within the grace time: a child reads late, once
 * the producer has written everything and is about to close (told by a
 * byte on a pipe, not by a delay, so that a slow machine changes
 * nothing).
 */
static void
test_close_drain(void)
{
	char path[64], spec[80], line[200];
	size_t len, want = 0;
	struct out *o;
	int c, i, st, pfd[2], gfd[2];
	pid_t pid;
	char go;

	snprintf(path, sizeof path, "%s/drain", dir);
	snprintf(spec, sizeof spec, "unix:%s", path);
	tap_ok(out_open(&o, spec, 16u << 20) == 0, "out_open 16 MiB queue");
	c = connect_to(path, 0);
	if (c < 0 || pipe(pfd) < 0)
		return;
	if (pipe(gfd) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		close(gfd[1]);
		if (read(gfd[0], &go, 1) != 1)
			_exit(1);
		free(slurp_fd(c, &len));
		(void)!write(pfd[1], &len, sizeof len);
		_exit(0);
	}
	close(pfd[1]);
	close(gfd[0]);
	tap_ok(out_flush(o) == 0 && out_readers(o) == 1, "late reader in");
	close(c);
	memset(line, 'y', sizeof line);
	line[sizeof line - 1] = '\n';
	for (i = 0; i < 20000; i++) {
		if (out_write(o, line, sizeof line) < 0)
			break;
		want += sizeof line;
	}
	tap_eq_i(out_readers(o), 1, "late reader still there");
	if (write(gfd[1], "g", 1) != 1)
		tap_diag("cannot tell the reader to start: %s",
		    strerror(errno));
	close(gfd[1]);
	tap_ok(out_close(o) == 0, "out_close waits for it");
	len = 0;
	if (read(pfd[0], &len, sizeof len) != sizeof len)
		len = 0;
	close(pfd[0]);
	waitpid(pid, &st, 0);
	tap_eq_i(len, want, "every queued byte delivered at close");
}

int
main(void)
{
	if (sig_init() < 0 || !mkdtemp(dir)) {
		perror("t_out");
		return 1;
	}
	test_file();
	test_devnull();
	test_pipe();
	test_epipe();
	test_coalesce();
	test_coalesce_file();
	test_file_timely();
	test_coalesce_epipe();
	test_unix();
	test_stale();
	test_drop();
	test_close_drain();
	rmdir(dir);
	return tap_done();
}
