/*
 * t_in: the NDJSON line reader -- lines split across reads, a last line
 * without '\n', empty lines, CR kept, NUL bytes, overlong lines.
 */
/* load: 3 (sockets, other processes: make check-load runs it 3 times) */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/in.h"
#include "io/sig.h"
#include "tap.h"

static void
pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static void
write_full(int fd, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		p += r;
		n -= (size_t)r;
	}
}

/*
 * A pipe whose read end is returned; a child writes data[0..n) into it
 * in chunks of the given sizes (cycled), pausing between chunks when
 * pause is set so that every chunk arrives in a read(2) of its own.
 */
static int
feed(const char *data, size_t n, const size_t *chunks, size_t nchunks,
    int pause, pid_t *pid)
{
	size_t off = 0, i = 0, c;
	int pfd[2];

	if (pipe(pfd) < 0)
		return -1;
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		close(pfd[0]);
		while (off < n) {
			c = chunks[i++ % nchunks];
			if (c > n - off)
				c = n - off;
			write_full(pfd[1], data + off, c);
			off += c;
			if (pause)
				pause_us(300);
		}
		_exit(0);
	}
	close(pfd[1]);
	return pfd[0];
}

static void
reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

struct want {
	int res;
	const char *line;	/* NULL: any */
	size_t len;
	long lineno;
};

static void
expect(struct in *in, const struct want *w, size_t nw, const char *name)
{
	const char *line;
	size_t len, i;
	int r;

	for (i = 0; i < nw; i++) {
		line = NULL;
		len = 0;
		r = in_next(in, &line, &len);
		if (r != w[i].res) {
			tap_ok(0, "%s: step %zu result", name, i);
			tap_diag("got %d, want %d", r, w[i].res);
			return;
		}
		if (r == IN_LINE && (len != w[i].len ||
		    memcmp(line, w[i].line, len) != 0)) {
			tap_ok(0, "%s: step %zu line", name, i);
			tap_diag("got '%.*s' (%zu), want '%.*s' (%zu)",
			    (int)len, line, len, (int)w[i].len, w[i].line,
			    w[i].len);
			return;
		}
		if (r == IN_LINE && line[len] != '\0') {
			tap_ok(0, "%s: step %zu NUL-terminated", name, i);
			return;
		}
		if (w[i].lineno && in->lineno != w[i].lineno) {
			tap_ok(0, "%s: step %zu lineno", name, i);
			tap_diag("got %ld, want %ld", in->lineno, w[i].lineno);
			return;
		}
	}
	tap_ok(1, "%s", name);
}

#define L(s) IN_LINE, s, sizeof(s) - 1

static void
test_split(void)
{
	static const char data[] =
	    "{\"a\":1}\n"
	    "\n"
	    "{\"b\":\"two\"}\r\n"
	    "{\"c\":[1,2,3],\"d\":\"a longer line to split\"}\n"
	    "x\n"
	    "last without newline";
	static const struct want w[] = {
		{ L("{\"a\":1}"), 1 },
		{ L(""), 2 },
		{ L("{\"b\":\"two\"}\r"), 3 },
		{ L("{\"c\":[1,2,3],\"d\":\"a longer line to split\"}"), 4 },
		{ L("x"), 5 },
		{ L("last without newline"), 6 },
		{ IN_EOF, NULL, 0, 6 },
		{ IN_EOF, NULL, 0, 6 },
	};
	static const size_t odd[] = { 1, 2, 3, 5, 7, 11, 13 };
	static const size_t one[] = { 1 };
	struct in in;
	pid_t pid;
	int fd;

	fd = feed(data, sizeof data - 1, odd, 7, 1, &pid);
	tap_ok(fd >= 0, "pipe and fork");
	tap_ok(in_fdopen(&in, fd, 1, 0) == 0, "in_fdopen");
	expect(&in, w, sizeof w / sizeof w[0], "odd chunks");
	in_close(&in);
	reap(pid);

	fd = feed(data, sizeof data - 1, one, 1, 1, &pid);
	tap_ok(in_fdopen(&in, fd, 1, 0) == 0, "in_fdopen");
	expect(&in, w, sizeof w / sizeof w[0], "one byte at a time");
	in_close(&in);
	reap(pid);
}

static void
test_file(void)
{
	static const char data[] = "one\ntwo\n\nfour\n";
	static const struct want w[] = {
		{ L("one"), 1 },
		{ L("two"), 2 },
		{ L(""), 3 },
		{ L("four"), 4 },
		{ IN_EOF, NULL, 0, 4 },
	};
	char path[] = "/tmp/t_in.XXXXXX";
	struct in in;
	int fd;

	fd = mkstemp(path);
	write_full(fd, data, sizeof data - 1);
	close(fd);
	tap_ok(in_open(&in, path, 0) == 0, "in_open file");
	expect(&in, w, sizeof w / sizeof w[0], "file lines");
	in_close(&in);
	unlink(path);

	errno = 0;
	tap_ok(in_open(&in, "/nonexistent/x", 0) < 0 && errno == ENOENT,
	    "missing file: ENOENT");
	errno = 0;
	tap_ok(in_open(&in, "unix:/nonexistent/sock", 0) < 0 &&
	    errno == ENOENT, "missing socket: ENOENT");
}

static void
test_nul(void)
{
	static const char data[] = "a\0b\0c\n\0\nend";
	static const struct want w[] = {
		{ IN_LINE, "a\0b\0c", 5, 1 },
		{ IN_LINE, "\0", 1, 2 },
		{ L("end"), 3 },
		{ IN_EOF, NULL, 0, 3 },
	};
	static const size_t two[] = { 2 };
	struct in in;
	pid_t pid;
	int fd;

	fd = feed(data, sizeof data - 1, two, 1, 1, &pid);
	tap_ok(in_fdopen(&in, fd, 1, 0) == 0, "in_fdopen");
	expect(&in, w, sizeof w / sizeof w[0], "NUL bytes kept");
	in_close(&in);
	reap(pid);
}

static void
test_toolong(void)
{
	char data[1024], *p = data;
	struct want w[8];
	static const size_t sizes[] = { 7, 100, 3, 50 };
	struct in in;
	pid_t pid;
	int fd, i;

	/* Line 1: 64 bytes (allowed); line 2: 65 (too long); line 3: ok;
	 * line 4: 300 bytes (too long, spans reads); line 5: ok; line 6:
	 * too long and last, without '\n'. */
	memset(p, 'a', 64);
	p += 64;
	*p++ = '\n';
	memset(p, 'b', 65);
	p += 65;
	*p++ = '\n';
	memcpy(p, "three\n", 6);
	p += 6;
	memset(p, 'd', 300);
	p += 300;
	*p++ = '\n';
	memcpy(p, "five\n", 5);
	p += 5;
	memset(p, 'f', 70);
	p += 70;

	i = 0;
	w[i++] = (struct want){ IN_LINE, data, 64, 1 };
	w[i++] = (struct want){ IN_TOOLONG, NULL, 0, 2 };
	w[i++] = (struct want){ L("three"), 3 };
	w[i++] = (struct want){ IN_TOOLONG, NULL, 0, 4 };
	w[i++] = (struct want){ L("five"), 5 };
	w[i++] = (struct want){ IN_TOOLONG, NULL, 0, 6 };
	w[i++] = (struct want){ IN_EOF, NULL, 0, 6 };

	fd = feed(data, p - data, sizes, 4, 1, &pid);
	tap_ok(in_fdopen(&in, fd, 1, 64) == 0, "in_fdopen max_line 64");
	expect(&in, w, i, "overlong lines skipped, counted");
	in_close(&in);
	reap(pid);

	/* The same through one big read. */
	fd = feed(data, p - data, sizes + 1, 1, 0, &pid);
	reap(pid);
	tap_ok(in_fdopen(&in, fd, 1, 64) == 0, "in_fdopen max_line 64");
	expect(&in, w, i, "overlong lines in one read");
	in_close(&in);
}

static void
test_huge(void)
{
	size_t n = 10u << 20, total = n + 64;
	static const size_t chunk[] = { 65536 };
	static const struct want w[] = {
		{ L("first"), 1 },
		{ IN_TOOLONG, NULL, 0, 2 },
		{ L("{\"after\":true}"), 3 },
		{ IN_EOF, NULL, 0, 3 },
	};
	char *data = malloc(total), *p = data;
	struct in in;
	pid_t pid;
	int fd;

	memcpy(p, "first\n", 6);
	p += 6;
	memset(p, 'x', n);
	p += n;
	memcpy(p, "\n{\"after\":true}\n", 16);
	p += 16;
	fd = feed(data, p - data, chunk, 1, 0, &pid);
	tap_ok(in_fdopen(&in, fd, 1, 0) == 0, "in_fdopen default cap");
	expect(&in, w, sizeof w / sizeof w[0], "10 MB line: IN_TOOLONG");
	tap_ok(in.cap <= IN_MAX_LINE + 2, "buffer stayed under the cap");
	in_close(&in);
	reap(pid);
	free(data);
}

/* Many lines through a pipe: count and content, with buffer compaction. */
static void
test_many(void)
{
	size_t n = 200000, i, len, bad = 0, got = 0;
	static const size_t chunk[] = { 4093, 65536, 17 };
	char *data = malloc(n * 40), *p = data, want[64];
	const char *line;
	struct in in;
	pid_t pid;
	int fd, r, wl;

	for (i = 0; i < n; i++)
		p += sprintf(p, "{\"n\":%zu,\"pad\":\"%.*s\"}\n", i,
		    (int)(i % 13), "abcdefghijklm");
	fd = feed(data, p - data, chunk, 3, 0, &pid);
	tap_ok(in_fdopen(&in, fd, 1, 0) == 0, "in_fdopen");
	while ((r = in_next(&in, &line, &len)) == IN_LINE) {
		wl = snprintf(want, sizeof want, "{\"n\":%zu,\"pad\":\"%.*s\"}",
		    got, (int)(got % 13), "abcdefghijklm");
		if (len != (size_t)wl || memcmp(line, want, len) != 0)
			bad++;
		got++;
	}
	tap_eq_i(r, IN_EOF, "many lines: EOF");
	tap_eq_i(got, n, "many lines: count");
	tap_eq_i(bad, 0, "many lines: all intact");
	tap_eq_i(in.lineno, n, "many lines: lineno");
	in_close(&in);
	reap(pid);
	free(data);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * A signal during a blocked read comes back as IN_ERROR/EINTR.  The timer
 * repeats until then (a busy machine may run the first one before the
 * read blocks), and is stopped before the next read.
 */
static void
test_eintr(void)
{
	struct itimerval it = { { 0, 50000 }, { 0, 50000 } };
	struct itimerval stop = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;
	const char *line;
	struct in in;
	size_t len;
	int pfd[2], r;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (pipe(pfd) < 0)
		return;
	tap_ok(in_fdopen(&in, pfd[0], 1, 0) == 0, "in_fdopen");
	write_full(pfd[1], "partial", 7);
	setitimer(ITIMER_REAL, &it, NULL);
	r = in_next(&in, &line, &len);
	tap_ok(r == IN_ERROR && errno == EINTR, "EINTR reported");
	setitimer(ITIMER_REAL, &stop, NULL);
	write_full(pfd[1], " line\nnext\n", 11);
	close(pfd[1]);
	r = in_next(&in, &line, &len);
	tap_ok(r == IN_LINE && len == 12 && memcmp(line, "partial line", 12)
	    == 0, "line after EINTR intact");
	r = in_next(&in, &line, &len);
	tap_ok(r == IN_LINE && len == 4, "next line");
	tap_eq_i(in_next(&in, &line, &len), IN_EOF, "EOF");
	in_close(&in);
}

static void
test_pending(void)
{
	const char *line;
	struct in in;
	size_t len;
	int pfd[2];

	if (pipe(pfd) < 0)
		return;
	tap_ok(in_fdopen(&in, pfd[0], 1, 0) == 0, "in_fdopen");
	tap_eq_i(in_pending(&in), 0, "nothing pending at start");
	write_full(pfd[1], "a\nb\nc", 5);
	tap_ok(in_next(&in, &line, &len) == IN_LINE && len == 1, "line a");
	tap_ok(in_pending(&in) > 0, "line b pending");
	tap_ok(in_next(&in, &line, &len) == IN_LINE && *line == 'b',
	    "line b");
	tap_eq_i(in_pending(&in), 0, "partial c is not pending");
	close(pfd[1]);
	tap_ok(in_next(&in, &line, &len) == IN_LINE && *line == 'c',
	    "line c");
	in_close(&in);
}

/* in_next_nowait(): IN_AGAIN where in_next() would wait, lines else. */
static void
test_nowait(void)
{
	const char *line;
	struct in in;
	size_t len;
	int pfd[2];

	if (pipe(pfd) < 0)
		return;
	tap_ok(in_fdopen(&in, pfd[0], 1, 0) == 0, "in_fdopen");
	tap_eq_i(in_next_nowait(&in, &line, &len), IN_AGAIN,
	    "nowait: empty pipe is IN_AGAIN");
	write_full(pfd[1], "a\nb\nc", 5);
	tap_ok(in_next_nowait(&in, &line, &len) == IN_LINE && len == 1 &&
	    *line == 'a', "nowait: line a");
	tap_ok(in_next_nowait(&in, &line, &len) == IN_LINE && *line == 'b',
	    "nowait: line b, from the buffer");
	tap_eq_i(in_next_nowait(&in, &line, &len), IN_AGAIN,
	    "nowait: a partial line is IN_AGAIN");
	write_full(pfd[1], "d\n", 2);
	tap_ok(in_next_nowait(&in, &line, &len) == IN_LINE && len == 2 &&
	    memcmp(line, "cd", 2) == 0, "nowait: the partial line completed");
	tap_eq_i(in.lineno, 3, "nowait: lines counted once");
	close(pfd[1]);
	tap_eq_i(in_next_nowait(&in, &line, &len), IN_EOF,
	    "nowait: end of input is not IN_AGAIN");
	in_close(&in);
}

/* "unix:PATH" connects to a listening socket. */
static void
test_unix(void)
{
	char dir[] = "/tmp/t_in.XXXXXX", path[64], spec[80];
	struct sockaddr_un sa;
	const char *line;
	struct in in;
	size_t len;
	int lfd, cfd;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof path, "%s/s", dir);
	snprintf(spec, sizeof spec, "unix:%s", path);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	tap_ok(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    listen(lfd, 4) == 0, "listening");
	tap_ok(in_open(&in, spec, 0) == 0, "in_open unix:");
	cfd = accept(lfd, NULL, NULL);
	write_full(cfd, "{\"x\":1}\n{\"y\":2}\n", 16);
	close(cfd);
	tap_ok(in_next(&in, &line, &len) == IN_LINE && len == 7,
	    "unix: line 1");
	tap_ok(in_next(&in, &line, &len) == IN_LINE && len == 7,
	    "unix: line 2");
	tap_eq_i(in_next(&in, &line, &len), IN_EOF, "unix: EOF");
	in_close(&in);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

/*
 * The stop rule: after a stop signal a file stops at once; a pipe is
 * read on (its writer may still flush) until its end, the grace or a
 * second signal; in_wait() returns for the signal.  Last: the signal
 * count cannot be taken back.
 */
static void
test_stop_rule(void)
{
	struct in fin, pin;
	const char *line;
	size_t len;
	int pfd[2], r;

	if (sig_init() < 0 || pipe(pfd) < 0) {
		tap_ok(0, "stop rule: set up");
		return;
	}
	write_full(pfd[1], "a\n", 2);
	r = in_fdopen(&pin, pfd[0], 1, 0);
	tap_ok(r == 0 && in_open(&fin, "/dev/null", 0) == 0, "stop rule: open");
	tap_ok(!in_stop_due(&pin) && !in_stop_due(&fin) &&
	    in_grace_ms(&pin) == -1, "stop rule: no signal, no stop");
	raise(SIGINT);
	tap_ok(in_stop_due(&fin), "stop rule: a file stops at the signal");
	tap_ok(!in_stop_due(&pin) && in_draining(&pin),
	    "stop rule: a pipe drains");
	tap_ok(in_grace_ms(&pin) > 0 && in_grace_ms(&pin) <= IN_GRACE_MS,
	    "stop rule: within the grace");
	tap_ok(in_wait(&pin, -1) == 1 && in_next_nowait(&pin, &line, &len) ==
	    IN_LINE && len == 1, "stop rule: the pipe is read on");
	tap_ok(in_next_nowait(&pin, &line, &len) == IN_AGAIN,
	    "stop rule: nothing more yet");
	tap_ok(!in_stop_due(&pin), "stop rule: still draining");
	raise(SIGTERM);
	tap_ok(in_wait(&pin, -1) == 0,
	    "stop rule: in_wait returns for a signal");
	tap_ok(in_stop_due(&pin), "stop rule: a second signal stops the drain");
	in_close(&pin);
	in_close(&fin);
	close(pfd[1]);
}

int
main(void)
{
	test_split();
	test_file();
	test_nul();
	test_toolong();
	test_huge();
	test_many();
	test_eintr();
	test_pending();
	test_nowait();
	test_unix();
	test_stop_rule();
	return tap_done();
}
