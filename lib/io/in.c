/*
 * in: NDJSON line reader (see in.h).
 *
 * One large buffer is filled with read(2) and searched with memchr(3);
 * lines are handed out in place.  The bytes of a line that is not yet
 * complete are moved to the front of the buffer only when more must be
 * read, so the cost of a move is at most one partial line per buffer
 * fill.  The buffer grows up to max_line + 2 bytes: room for the longest
 * allowed line, its '\n', and a terminating NUL.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "in.h"
#include "nats.h"
#include "sig.h"

/* First allocation; large enough that one read(2) brings many lines. */
#define IN_INIT_CAP (256u << 10)

static int
unix_connect(const char *path)
{
	struct sockaddr_un sa;
	size_t len = strlen(path);
	int fd, e;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (len >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (errno == EINTR)
			continue;
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
in_fdopen(struct in *in, int fd, int own_fd, size_t max_line)
{
	struct stat st;

	memset(in, 0, sizeof *in);
	in->fd = fd;
	/* Only a pipe or socket has a writer that may still flush. */
	in->stream = fstat(fd, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	in->own_fd = own_fd;
	in->max_line = max_line ? max_line : IN_MAX_LINE;
	if (in->max_line > SIZE_MAX / 4) {
		errno = EINVAL;
		return -1;
	}
	in->cap = IN_INIT_CAP;
	if (in->cap > in->max_line + 2)
		in->cap = in->max_line + 2;
	/* Tiny caps would make every read(2) tiny; the cap on the line
	 * length is enforced by counting, not by the buffer size. */
	if (in->cap < 4096)
		in->cap = 4096;
	in->buf = malloc(in->cap);
	if (!in->buf)
		return -1;
	return 0;
}

static int
open_nats(struct in *in, const char *spec, size_t max_line, int resume,
    uint64_t after, char *why, size_t whylen)
{
	struct nats_sub *s;
	int fd, e;

	memset(in, 0, sizeof *in);
	in->fd = -1;
	if (nats_sub_open(&s, spec, resume, after, &fd, why, whylen) < 0)
		return -1;
	if (in_fdopen(in, fd, 0, max_line) < 0) {
		e = errno;
		nats_sub_close(s);
		in->fd = -1;
		errno = e;
		return -1;
	}
	in->nats = s;
	in->manual_ack = resume;
	/* What is not read stays in the stream: no drain at a stop. */
	in->stream = 0;
	return 0;
}

int
in_open_resume(struct in *in, const char *spec, size_t max_line,
    uint64_t after, char *why, size_t whylen)
{
	if (why && whylen)
		why[0] = 0;
	if (!nats_is_spec(spec)) {
		snprintf(why, whylen, "not a nats: input");
		errno = EINVAL;
		return -1;
	}
	return open_nats(in, spec, max_line, 1, after, why, whylen);
}

int
in_open(struct in *in, const char *spec, size_t max_line)
{
	return in_open_why(in, spec, max_line, NULL, 0);
}

int
in_open_why(struct in *in, const char *spec, size_t max_line, char *why,
    size_t whylen)
{
	int fd, own = 1, e;

	if (why && whylen)
		why[0] = 0;
	if (nats_is_spec(spec))
		return open_nats(in, spec, max_line, 0, 0, why, whylen);
	if (!spec || strcmp(spec, "-") == 0) {
		fd = 0;
		own = 0;
	} else if (strncmp(spec, "unix:", 5) == 0) {
		fd = unix_connect(spec + 5);
	} else {
		do
			fd = open(spec, O_RDONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
	}
	if (fd < 0)
		return -1;
	if (in_fdopen(in, fd, own, max_line) < 0) {
		e = errno;
		if (own)
			close(fd);
		in->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

/*
 * Make room at buf[end..cap) for at least one more byte: move the unread
 * bytes to the front, and grow when they fill the buffer.  Called only
 * when buf[start..end) holds no '\n' and is not longer than max_line, so
 * the moved bytes are at most one line.
 */
static int
make_room(struct in *in)
{
	size_t n = in->end - in->start, cap;
	char *p;

	if (in->start > 0) {
		if (n > 0)
			memmove(in->buf, in->buf + in->start, n);
		in->start = 0;
		in->end = n;
	}
	/* Keep one byte spare for the NUL after a last line without '\n'. */
	if (in->cap - in->end > 1)
		return 0;
	cap = in->cap * 2;
	if (cap > in->max_line + 2)
		cap = in->max_line + 2;
	if (cap <= in->cap) {
		/* Cannot happen: the caller checks the length first. */
		errno = EOVERFLOW;
		return -1;
	}
	p = realloc(in->buf, cap);
	if (!p)
		return -1;
	in->buf = p;
	in->cap = cap;
	return 0;
}

/* One read(2) into the free space; -1 with errno, 0 at end of input. */
static int
fill(struct in *in)
{
	ssize_t r;

	if (make_room(in) < 0)
		return -1;
	/* Leave the spare byte for the NUL terminator. */
	r = read(in->fd, in->buf + in->end, in->cap - in->end - 1);
	if (r < 0)
		return -1;
	if (r == 0) {
		/* A consumer never ends: its thread stopped on a failure. */
		if (in->nats && nats_sub_failed(in->nats, NULL, 0)) {
			errno = EIO;
			return -1;
		}
		in->eof = 1;
		return 0;
	}
	in->end += (size_t)r;
	in->nread += (uint64_t)r;
	return 1;
}

/*
 * Would a read(2) of fd return at once?  0 when it would wait; 1 when
 * it would not (data, end of input, an error to report); -1 with errno
 * EINTR.
 */
static int
readable(int fd)
{
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	r = poll(&pfd, 1, 0);
	if (r < 0)
		return errno == EINTR ? -1 : 1;
	return r > 0;
}

/* Before a fill: IN_AGAIN or IN_ERROR when a nowait call must stop. */
static int
must_stop(struct in *in, int nowait)
{
	int r;

	if (!nowait) {
		/* About to wait: the program is done with what it read. */
		if (in->nats && readable(in->fd) == 0)
			in_commit(in);
		return 0;
	}
	r = readable(in->fd);
	if (r < 0)
		return IN_ERROR;
	return r ? 0 : IN_AGAIN;
}

static int
next_line(struct in *in, const char **line, size_t *len, int nowait)
{
	char *nl;
	size_t n;
	int st;

	for (;;) {
		if (in->skipping) {
			/* Throw away the rest of an overlong line. */
			nl = memchr(in->buf + in->start, '\n',
			    in->end - in->start);
			if (nl) {
				in->start = nl + 1 - in->buf;
				in->scan = 0;
				in->skipping = 0;
				continue;
			}
			in->start = in->end = in->scan = 0;
			if (in->eof) {
				in->skipping = 0;
				return IN_EOF;
			}
			st = must_stop(in, nowait);
			if (st)
				return st;
			if (fill(in) < 0)
				return IN_ERROR;
			continue;
		}
		n = in->end - in->start;
		nl = memchr(in->buf + in->start + in->scan, '\n',
		    n - in->scan);
		if (nl) {
			n = nl - (in->buf + in->start);
			in->lineno++;
			in->scan = 0;
			if (n > in->max_line) {
				in->start += n + 1;
				return IN_TOOLONG;
			}
			*nl = '\0';
			*line = in->buf + in->start;
			*len = n;
			in->start += n + 1;
			return IN_LINE;
		}
		in->scan = n;
		if (n > in->max_line) {
			/* Report it now; skip the rest on the next calls. */
			in->lineno++;
			in->skipping = 1;
			in->start = in->end = in->scan = 0;
			return IN_TOOLONG;
		}
		if (in->eof) {
			if (n == 0)
				return IN_EOF;
			in->lineno++;
			in->buf[in->end] = '\0';
			*line = in->buf + in->start;
			*len = n;
			in->start = in->end = in->scan = 0;
			return IN_LINE;
		}
		st = must_stop(in, nowait);
		if (st)
			return st;
		if (fill(in) < 0)
			return IN_ERROR;
	}
}

int
in_next(struct in *in, const char **line, size_t *len)
{
	return next_line(in, line, len, 0);
}

int
in_next_nowait(struct in *in, const char **line, size_t *len)
{
	return next_line(in, line, len, 1);
}

size_t
in_pending(const struct in *in)
{
	const char *p = in->buf + in->start, *e = in->buf + in->end, *nl;

	if (p == e)
		return 0;
	if (in->eof)
		return e - p;
	nl = memchr(p + in->scan, '\n', e - p - in->scan);
	/* While skipping, the first '\n' only ends the overlong line. */
	if (nl && in->skipping)
		nl = memchr(nl + 1, '\n', e - nl - 1);
	return nl ? (size_t)(e - p) : 0;
}

int
in_stop_due(struct in *in)
{
	int n = sig_stop_count();

	if (n == 0)
		return 0;
	if (!in->stream)
		return 1;
	if (!in->draining) {
		in->draining = 1;
		in->drain_sigs = n;
		in->drain_until = time_mono_ms() + IN_GRACE_MS;
		sig_drain();
		return 0;
	}
	return n > in->drain_sigs || time_mono_ms() >= in->drain_until;
}

int
in_draining(const struct in *in)
{
	return in->draining;
}

int64_t
in_grace_ms(const struct in *in)
{
	int64_t left;

	if (!in->draining)
		return -1;
	left = in->drain_until - time_mono_ms();
	return left > 0 ? left : 0;
}

int
in_wait(struct in *in, int64_t timeout_ms)
{
	return in_wait_also(in, timeout_ms, NULL, 0);
}

int
in_wait_also(struct in *in, int64_t timeout_ms, struct pollfd *also,
    size_t nalso)
{
	struct pollfd pfd[2 + IN_WAIT_ALSO_MAX];
	int64_t grace = in_grace_ms(in);
	nfds_t n = 1;
	size_t i;
	int r;

	if (grace >= 0 && (timeout_ms < 0 || grace < timeout_ms))
		timeout_ms = grace;
	if (timeout_ms > 60000)
		timeout_ms = 60000;
	in_commit(in);
	pfd[0].fd = in->fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	/* The self-pipe: a stop signal that comes just before the poll
	 * still ends the wait. */
	if (sig_fd() >= 0) {
		pfd[1].fd = sig_fd();
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		n = 2;
	}
	for (i = 0; i < nalso && i < IN_WAIT_ALSO_MAX; i++)
		pfd[n++] = also[i];
	r = poll(pfd, n, (int)timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	return pfd[0].revents != 0;
}

static uint64_t
consumed(const struct in *in)
{
	return in->nread - (in->end - in->start);
}

uint64_t
in_seq(struct in *in)
{
	uint64_t c = consumed(in);

	return in->nats && c ? nats_sub_seq_at(in->nats, c - 1) : 0;
}

uint64_t
in_done_seq(struct in *in)
{
	return in->nats ? nats_sub_done_seq(in->nats, consumed(in)) : 0;
}

void
in_ack(struct in *in, uint64_t max_seq)
{
	if (in->nats)
		(void)nats_sub_ack(in->nats, consumed(in), max_seq);
}

void
in_commit(struct in *in)
{
	if (in->nats && !in->manual_ack)
		(void)nats_sub_ack(in->nats, consumed(in), UINT64_MAX);
}

int
in_failed_why(struct in *in, char *why, size_t whylen)
{
	return in->nats ? nats_sub_failed(in->nats, why, whylen) : 0;
}

void
in_close(struct in *in)
{
	if (in->nats) {
		nats_sub_close(in->nats);
		in->nats = NULL;
		in->fd = -1;
	}
	free(in->buf);
	in->buf = NULL;
	if (in->own_fd && in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	in->own_fd = 0;
}
