/*
 * out: NDJSON output to standard output, a file, or the readers of a
 * listening Unix socket (see out.h).
 *
 * A descriptor output either buffers into OUT_BLOCK-sized writes (regular
 * files, /dev/null) or writes every out_write() at once (pipes, sockets,
 * ttys), chosen by fstat(2) when it is opened.  After out_coalesce(), the
 * latter hold whole events back in the same OUT_BLOCK buffer until it is
 * full, the oldest has waited OUT_HOLD_MS (on the coarse clock), or the
 * program calls out_idle() before it waits: one write(2) then carries
 * many events while input keeps coming, and an idle stream still gets
 * each event at once.  A file's block is written at least once a second
 * while events flow (OUT_FILE_MS): by the out_write() that finds it due,
 * or by out_tick() from a program that waits no longer than
 * out_wait_ms() says, so the last events before a pause are not held
 * until the next ones come.  Write errors are sticky:
 * once a write failed, every later call, out_close() included, fails with
 * the same errno, so an error the caller missed still reaches the exit
 * status.
 *
 * A unix: output never blocks.  Each reader has a queue of the bytes its
 * socket would not take yet; data goes straight to the socket while the
 * queue is empty, and a reader whose queue would pass queue_max is closed
 * and counted in out_dropped().  New readers are accepted at the start of
 * an out_write() (at most once per tick of a coarse clock, so an idle
 * listening socket costs no system call per event) or out_flush(), so a
 * reader always starts on a line boundary.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "nats.h"
#include "out.h"

/* Size of the blocks written to files. */
#define OUT_BLOCK (64u << 10)
/* The longest a file's block holds an event while events flow. */
#define OUT_FILE_MS 1000
/* How long out_close() waits for unix: readers to take their queues. */
#define OUT_GRACE_MS 1000

struct reader {
	int fd;
	char *q;
	size_t off, len, cap;	/* queued bytes are q[off..len) */
};

struct out {
	int fd;			/* descriptor output, or -1 */
	int own_fd;		/* close fd in out_close() */
	int is_stdout;
	int block;		/* buffer into OUT_BLOCK writes */
	int hold;		/* coalescing (out_coalesce) */
	int err;		/* errno of the write that failed, or 0 */
	char *buf;
	size_t len, cap;
	int64_t first;		/* coarse clock when buf was last empty */

	int lfd;		/* unix: listening socket, or -1 */
	char *path;		/* unix: socket path, unlinked at close */
	struct reader *rd;
	size_t nrd, ard;	/* readers in use, allocated */
	size_t queue_max;
	unsigned long dropped;
	int64_t last_accept;	/* coarse clock of the last accept attempt */

	struct nats_pub *nats;	/* a nats: output, else NULL */
};

static int
fail_sticky(struct out *o)
{
	o->err = errno;
	return -1;
}

static int
flush_buf(struct out *o)
{
	if (o->err) {
		errno = o->err;
		return -1;
	}
	if (o->len == 0)
		return 0;
	if (fs_write_all(o->fd, o->buf, o->len) < 0)
		return fail_sticky(o);
	o->len = 0;
	return 0;
}

static struct out *
out_new(void)
{
	struct out *o = calloc(1, sizeof *o);

	if (!o)
		return NULL;
	o->fd = -1;
	o->lfd = -1;
	o->last_accept = -1;
	return o;
}

/* Pick the write policy of a descriptor output and allocate the block. */
static int
fd_setup(struct out *o)
{
	struct stat st;

	if (fstat(o->fd, &st) < 0)
		return -1;
	o->block = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) ||
	    (S_ISCHR(st.st_mode) && !isatty(o->fd));
	if (o->block) {
		o->cap = OUT_BLOCK;
		o->buf = malloc(o->cap);
		if (!o->buf)
			return -1;
	}
	return 0;
}

int
out_fdopen(struct out **op, int fd, int own_fd)
{
	struct out *o = out_new();
	int e;

	*op = NULL;
	if (!o)
		return -1;
	o->fd = fd;
	if (fd_setup(o) < 0) {
		e = errno;
		free(o->buf);
		free(o);
		errno = e;
		return -1;
	}
	o->own_fd = own_fd;
	*op = o;
	return 0;
}

static int
set_path(struct sockaddr_un *sa, const char *path)
{
	size_t len = strlen(path);

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (len >= sizeof sa->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

/*
 * Is the socket file at sa a leftover of a process that is gone?  Only
 * a socket that refuses connections is; a listening one, a busy one
 * (backlog full) or something that is not a socket is not ours to remove.
 */
static int
socket_is_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r, e;

	if (lstat(sa->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	e = errno;
	close(fd);
	return r < 0 && e == ECONNREFUSED;
}

static int
unix_listen(struct out *o, const char *path)
{
	struct sockaddr_un sa;
	int fd, e;

	if (set_path(&sa, path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (errno != EADDRINUSE)
			goto fail;
		if (!socket_is_stale(&sa)) {
			errno = EADDRINUSE;
			goto fail;
		}
		if (unlink(path) < 0 && errno != ENOENT)
			goto fail;
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
			goto fail;
	}
	o->path = strdup(path);
	if (!o->path)
		goto fail_bound;
	if (listen(fd, SOMAXCONN) < 0)
		goto fail_bound;
	o->lfd = fd;
	return 0;
fail_bound:
	e = errno;
	unlink(path);
	errno = e;
fail:
	e = errno;
	close(fd);
	free(o->path);
	o->path = NULL;
	errno = e;
	return -1;
}

static int
nats_open(struct out **op, const char *spec, char *why, size_t whylen)
{
	struct out *o = out_new();
	int e;

	if (!o)
		return -1;
	if (nats_pub_open(&o->nats, spec, why, whylen) < 0) {
		e = errno;
		free(o);
		errno = e;
		return -1;
	}
	*op = o;
	return 0;
}

int
out_open(struct out **op, const char *spec, size_t queue_max)
{
	return out_open_why(op, spec, queue_max, NULL, 0);
}

const char *
out_why(const struct out *o)
{
	return o && o->nats ? nats_pub_why(o->nats) : "";
}

int
out_nats_stats(const struct out *o, struct nats_pub_stats *st)
{
	if (!o || !o->nats)
		return 0;
	nats_pub_stats(o->nats, st);
	return 1;
}

int
out_open_why(struct out **op, const char *spec, size_t queue_max, char *why,
    size_t whylen)
{
	struct out *o;
	int fd, e;

	*op = NULL;
	if (why && whylen)
		why[0] = 0;
	if (nats_is_spec(spec))
		return nats_open(op, spec, why, whylen);
	if (!spec || strcmp(spec, "-") == 0) {
		if (out_fdopen(op, 1, 0) < 0)
			return -1;
		(*op)->is_stdout = 1;
		return 0;
	}
	if (strncmp(spec, "unix:", 5) == 0) {
		o = out_new();
		if (!o)
			return -1;
		o->queue_max = queue_max ? queue_max : OUT_QUEUE_MAX;
		if (unix_listen(o, spec + 5) < 0) {
			e = errno;
			free(o);
			errno = e;
			return -1;
		}
		*op = o;
		return 0;
	}
	do
		fd = open(spec, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	if (out_fdopen(op, fd, 1) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return 0;
}

static void
reader_remove(struct out *o, size_t i)
{
	close(o->rd[i].fd);
	free(o->rd[i].q);
	o->rd[i] = o->rd[--o->nrd];
}

static void
drop(struct out *o, size_t i)
{
	reader_remove(o, i);
	o->dropped++;
}

/* Take every connection waiting on the listening socket. */
static void
accept_readers(struct out *o)
{
	struct reader *rd;
	size_t n;
	int fd;

	for (;;) {
		fd = accept4(o->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* EAGAIN: no one waiting.  EMFILE and the like:
			 * leave them in the backlog and try again later. */
			return;
		}
		if (o->nrd == o->ard) {
			n = o->ard ? o->ard * 2 : 8;
			rd = realloc(o->rd, n * sizeof *rd);
			if (!rd) {
				/* Counted, like any reader we cannot serve. */
				close(fd);
				o->dropped++;
				continue;
			}
			o->rd = rd;
			o->ard = n;
		}
		rd = &o->rd[o->nrd++];
		memset(rd, 0, sizeof *rd);
		rd->fd = fd;
	}
}

static void
maybe_accept(struct out *o)
{
	int64_t now = time_coarse_ms();

	if (now == o->last_accept)
		return;
	o->last_accept = now;
	accept_readers(o);
}

/*
 * Send without blocking; the number of bytes the socket took (0 when it
 * is full), or -1 when the reader is gone.
 */
static ssize_t
send_some(int fd, const char *p, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = send(fd, p + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* Push a reader's queue to its socket; 0, or -1 when the reader is gone. */
static int
reader_send(struct reader *r)
{
	ssize_t s;

	if (r->off == r->len)
		return 0;
	s = send_some(r->fd, r->q + r->off, r->len - r->off);
	if (s < 0)
		return -1;
	r->off += (size_t)s;
	if (r->off == r->len)
		r->off = r->len = 0;
	return 0;
}

enum { PUSH_OK, PUSH_GONE, PUSH_DROP };

/* Hand p[0..n) to one reader: to its socket, the rest to its queue. */
static int
reader_push(struct out *o, struct reader *r, const char *p, size_t n)
{
	size_t pending, cap;
	ssize_t s;
	char *q;

	if (reader_send(r) < 0)
		return PUSH_GONE;
	pending = r->len - r->off;
	if (pending == 0) {
		s = send_some(r->fd, p, n);
		if (s < 0)
			return PUSH_GONE;
		p += s;
		n -= (size_t)s;
		if (n == 0)
			return PUSH_OK;
	}
	if (n > o->queue_max - pending)
		return PUSH_DROP;
	if (r->cap - r->len < n) {
		if (r->off > 0) {
			memmove(r->q, r->q + r->off, pending);
			r->off = 0;
			r->len = pending;
		}
		if (r->cap - r->len < n) {
			cap = r->cap ? r->cap : 64u << 10;
			while (cap < r->len + n)
				cap *= 2;
			if (cap > o->queue_max)
				cap = o->queue_max;
			q = realloc(r->q, cap);
			if (!q)
				return PUSH_DROP;
			r->q = q;
			r->cap = cap;
		}
	}
	memcpy(r->q + r->len, p, n);
	r->len += n;
	return PUSH_OK;
}

static void
unix_write(struct out *o, const char *p, size_t n)
{
	size_t i = 0;

	maybe_accept(o);
	while (i < o->nrd) {
		switch (reader_push(o, &o->rd[i], p, n)) {
		case PUSH_GONE:
			reader_remove(o, i);
			break;
		case PUSH_DROP:
			drop(o, i);
			break;
		default:
			i++;
		}
	}
}

/*
 * Has the reader hung up?  Readers are not expected to send anything;
 * what they do send is read and thrown away.
 */
static int
reader_gone(const struct reader *r)
{
	char junk[512];
	ssize_t n;

	do
		n = recv(r->fd, junk, sizeof junk, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 1;
	return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
}

/*
 * Accept waiting readers, remove those that hung up, and push every
 * queue, without blocking.
 */
static void
unix_service(struct out *o)
{
	size_t i = 0;

	o->last_accept = time_coarse_ms();
	accept_readers(o);
	while (i < o->nrd) {
		if (reader_gone(&o->rd[i]) || reader_send(&o->rd[i]) < 0)
			reader_remove(o, i);
		else
			i++;
	}
}

void
out_coalesce(struct out *o)
{
	/* A nats: output batches by itself (asynchronous publishes). */
	if (o->block || o->hold || o->nats)
		return;
	if (!o->buf) {
		o->buf = malloc(OUT_BLOCK);
		/* Without the buffer, every event is written at once. */
		if (!o->buf)
			return;
		o->cap = OUT_BLOCK;
		o->len = 0;
	}
	o->hold = 1;
}

/* Hand what is held to the descriptor or the readers. */
static int
push_held(struct out *o)
{
	if (o->lfd >= 0) {
		if (o->len)
			unix_write(o, o->buf, o->len);
		o->len = 0;
		return 0;
	}
	return flush_buf(o);
}

/* out_write() on a coalescing output. */
static int
hold_write(struct out *o, const char *p, size_t n)
{
	int64_t now;

	if (o->err) {
		errno = o->err;
		return -1;
	}
	if (n > o->cap - o->len && push_held(o) < 0)
		return -1;
	if (n >= o->cap) {
		if (o->lfd >= 0) {
			unix_write(o, p, n);
			return 0;
		}
		if (fs_write_all(o->fd, p, n) < 0)
			return fail_sticky(o);
		return 0;
	}
	now = time_coarse_ms();
	if (o->len == 0)
		o->first = now;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	if (o->len == o->cap || now - o->first >= OUT_HOLD_MS)
		return push_held(o);
	return 0;
}

int
out_write(struct out *o, const char *p, size_t n)
{
	int64_t now;

	if (o->nats)
		return nats_pub_write(o->nats, p, n);
	if (o->hold)
		return hold_write(o, p, n);
	if (o->lfd >= 0) {
		unix_write(o, p, n);
		return 0;
	}
	if (o->err) {
		errno = o->err;
		return -1;
	}
	if (!o->block) {
		if (fs_write_all(o->fd, p, n) < 0)
			return fail_sticky(o);
		return 0;
	}
	if (n > o->cap - o->len) {
		if (flush_buf(o) < 0)
			return -1;
		if (n >= o->cap) {
			if (fs_write_all(o->fd, p, n) < 0)
				return fail_sticky(o);
			return 0;
		}
	}
	now = time_coarse_ms();
	if (o->len == 0)
		o->first = now;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	/* A file that fills slowly is still written once a second. */
	if (now - o->first >= OUT_FILE_MS)
		return flush_buf(o);
	return 0;
}

int
out_flush(struct out *o)
{
	if (o->nats)
		return nats_pub_flush(o->nats, -1);
	if (o->lfd >= 0) {
		if (push_held(o) < 0)
			return -1;
		unix_service(o);
		return 0;
	}
	return flush_buf(o);
}

int
out_idle(struct out *o)
{
	size_t i = 0;

	if (o->nats)
		return nats_pub_flush(o->nats, -1);
	if (!o->hold)
		return 0;
	if (push_held(o) < 0)
		return -1;
	/* Readers with queued bytes: as much as their sockets take now. */
	while (i < o->nrd) {
		if (reader_send(&o->rd[i]) < 0)
			reader_remove(o, i);
		else
			i++;
	}
	return 0;
}

/* A file's block whose oldest event has waited OUT_FILE_MS. */
static int
file_due(const struct out *o, int64_t now)
{
	return o->block && o->len && now - o->first >= OUT_FILE_MS;
}

int
out_tick(struct out *o)
{
	int64_t now;

	if (!o->len)
		return 0;
	now = time_coarse_ms();
	if (file_due(o, now))
		return flush_buf(o);
	if (!o->hold || now - o->first < OUT_HOLD_MS)
		return 0;
	return out_idle(o);
}

int64_t
out_wait_ms(const struct out *o)
{
	int64_t left;

	if (!o->block || !o->len)
		return -1;
	left = o->first + OUT_FILE_MS - time_coarse_ms();
	return left > 0 ? left : 0;
}

size_t
out_held(const struct out *o)
{
	return o->hold ? o->len : 0;
}

size_t
out_pollfds(const struct out *o, struct pollfd *p, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < o->nrd && n < max; i++) {
		if (o->rd[i].off == o->rd[i].len)
			continue;
		p[n].fd = o->rd[i].fd;
		p[n].events = POLLOUT;
		p[n].revents = 0;
		n++;
	}
	return n;
}

unsigned long
out_dropped(const struct out *o)
{
	return o->dropped;
}

unsigned long
out_readers(const struct out *o)
{
	return o->nrd;
}

/* Give readers up to OUT_GRACE_MS to take their queues, then close. */
static void
unix_close(struct out *o)
{
	int64_t deadline = time_mono_ms() + OUT_GRACE_MS, left;
	struct pollfd *pfd;
	size_t i, k;

	unix_service(o);
	pfd = calloc(o->nrd ? o->nrd : 1, sizeof *pfd);
	while (pfd) {
		k = 0;
		for (i = 0; i < o->nrd; i++) {
			if (o->rd[i].off == o->rd[i].len)
				continue;
			pfd[k].fd = o->rd[i].fd;
			pfd[k].events = POLLOUT;
			k++;
		}
		left = deadline - time_mono_ms();
		if (k == 0 || left <= 0)
			break;
		if (poll(pfd, k, (int)left) < 0 && errno != EINTR)
			break;
		i = 0;
		while (i < o->nrd) {
			if (reader_send(&o->rd[i]) < 0)
				reader_remove(o, i);
			else
				i++;
		}
	}
	free(pfd);
	while (o->nrd > 0)
		reader_remove(o, o->nrd - 1);
	free(o->rd);
	close(o->lfd);
	unlink(o->path);
	free(o->path);
}

/*
 * Close fd 1 and report what close(2) says (a file on NFS reports its
 * write errors only here), then park /dev/null on fd 1 so that a stray
 * later write cannot land in whatever file is opened next.
 */
static int
close_stdout(void)
{
	int rc = 0, e = 0, fd;

	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		e = errno ? errno : EIO;
		rc = -1;
	}
	if (close(1) < 0 && errno != EINTR && rc == 0) {
		e = errno;
		rc = -1;
	}
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && fd != 1)
		close(fd);
	errno = e;
	return rc;
}

int
out_close(struct out *o)
{
	int rc = 0, e = 0;

	if (!o)
		return 0;
	if (o->nats) {
		rc = nats_pub_close(o->nats, OUT_NATS_GRACE_MS);
		e = errno;
		free(o);
		errno = e;
		return rc;
	}
	if (o->lfd >= 0) {
		if (o->len)
			unix_write(o, o->buf, o->len);
		unix_close(o);
		free(o->buf);
		free(o);
		return 0;
	}
	if (flush_buf(o) < 0) {
		e = errno;
		rc = -1;
	}
	if (o->is_stdout) {
		if (close_stdout() < 0 && rc == 0) {
			e = errno;
			rc = -1;
		}
	} else if (o->own_fd) {
		if (close(o->fd) < 0 && errno != EINTR && rc == 0) {
			e = errno;
			rc = -1;
		}
	}
	free(o->buf);
	free(o);
	errno = e;
	return rc;
}
