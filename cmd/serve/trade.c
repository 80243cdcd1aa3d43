/*
 * trade.c: manual orders.  POST /api/intent and /api/cancel check the
 * caller (loopback, no cookie, the bearer token) and the body (one
 * intent or cancel, read as mkt-risk reads it), and write it as one
 * line to the trade socket (event/tbody makes the line).
 *
 * mkt-risk's inputs connect (-i unix:PATH) and never listen, so
 * mkt-serve is the listener: it binds --trade's path and takes one
 * connection at a time, the mkt-risk in front of mkt-exec.  A line goes
 * only to a connected reader (else 503), so nothing an operator sent
 * waits unseen in a buffer of ours for a reader that may never come.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "base/timeutil.h"
#include "event/tbody.h"
#include "prog/err.h"

#include "serve.h"

#define TOKEN_MIN 16		/* bytes of a token at least */
#define TOKEN_MAX 512
#define OUT_MAX (1u << 20)	/* bytes waiting for the reader at most */

struct trade {
	struct serve *sv;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd, cfd;			/* listening; the reader, or -1 */
	struct loop_fd *lw, *cw;
	struct buf out;			/* lines the reader has not taken */
	unsigned char token[SHA256_DIGEST_LENGTH];
	uint64_t seq;			/* of the ids given here */
};

/* ---------------------------------------------------------------- */
/* The token */

/* The token file: a regular file of ours, mode 0600 or stricter, not a
 * link (as mkt-exec's key file); its first line is the token. */
static void
read_token(struct trade *t, const char *path)
{
	char b[TOKEN_MAX + 2];
	struct stat st;
	ssize_t k;
	size_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		die("token file '%s': a symbolic link, give the file itself",
		    path);
	if (fd < 0 || fstat(fd, &st) < 0)
		die_errno("token file '%s'", path);
	if (!S_ISREG(st.st_mode))
		die("token file '%s': not a regular file", path);
	if (st.st_uid != geteuid())
		die("token file '%s': owned by uid %lu, not by uid %lu", path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
	if (st.st_mode & 077)
		die("token file '%s': mode %04o, must be 0600 or stricter",
		    path, (unsigned)(st.st_mode & 07777));
	while (n < sizeof b && (k = read(fd, b + n, sizeof b - n)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die_errno("token file '%s'", path);
		n += (size_t)k;
	}
	close(fd);
	b[n < sizeof b ? n : sizeof b - 1] = '\0';
	n = strcspn(b, "\r\n");
	if (n < TOKEN_MIN || n > TOKEN_MAX || b[n + strspn(b + n, "\r\n")])
		die("token file '%s': want one line of %d to %d bytes", path,
		    TOKEN_MIN, TOKEN_MAX);
	/* Kept as a digest: compared in constant time whatever the
	 * length offered. */
	SHA256((const unsigned char *)b, n, t->token);
	OPENSSL_cleanse(b, sizeof b);
}

static int
token_ok(const struct trade *t, struct lws *wsi)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char h[TOKEN_MAX + 16];
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION), ok;

	if (n <= 7 || n >= (int)sizeof h ||
	    lws_hdr_copy(wsi, h, sizeof h, WSI_TOKEN_HTTP_AUTHORIZATION) != n ||
	    strncmp(h, "Bearer ", 7) != 0)
		return 0;
	SHA256((const unsigned char *)h + 7, (size_t)n - 7, md);
	ok = CRYPTO_memcmp(md, t->token, sizeof md) == 0;
	OPENSSL_cleanse(h, sizeof h);
	return ok;
}

/* The peer is this machine: 127/8, ::1, a v4-mapped 127/8 or a unix
 * socket. */
static int
peer_local(struct lws *wsi)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	const struct sockaddr_in6 *s6 = (const void *)&ss;
	const unsigned char *a = s6->sin6_addr.s6_addr;
	int fd = lws_get_socket_fd(wsi);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_UNIX)
		return 1;
	if (ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)&ss)->
		    sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family != AF_INET6)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && a[12] == 127;
}

/* ---------------------------------------------------------------- */
/* The socket */

static void reader_gone(struct trade *t);

static void
flush_out(struct trade *t)
{
	ssize_t k;

	while (t->out.len) {
		k = send(t->cfd, t->out.p, t->out.len, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (k < 0) {
			reader_gone(t);
			return;
		}
		memmove(t->out.p, t->out.p + k, t->out.len - (size_t)k);
		t->out.len -= (size_t)k;
	}
	if (loop_fd_set(t->cw, LOOP_READ | (t->out.len ? LOOP_WRITE : 0)) < 0)
		die_errno("event loop failed");
}

static void
reader_gone(struct trade *t)
{
	if (t->sv->o->verbose)
		fprintf(stderr, "%s: trade: the reader left\n",
		    err_progname());
	loop_fd_del(t->cw);
	t->cw = NULL;
	close(t->cfd);
	t->cfd = -1;
	buf_reset(&t->out);
}

static void
on_reader(struct loop_fd *f, int fd, int revents, void *ctx)
{
	struct trade *t = ctx;
	char b[512];
	ssize_t k;

	(void)f;
	if (revents & LOOP_WRITE)
		flush_out(t);
	if (t->cfd < 0 || !(revents & (LOOP_READ | LOOP_ERROR)))
		return;
	/* The reader writes nothing: bytes are dropped, EOF is leaving. */
	k = read(fd, b, sizeof b);
	if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN))
		reader_gone(t);
}

static void
on_accept(struct loop_fd *f, int fd, int revents, void *ctx)
{
	struct trade *t = ctx;
	int c;

	(void)f;
	(void)revents;
	c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (c < 0)
		return;
	if (t->cfd >= 0) {
		/* One reader: a second would split the orders. */
		close(c);
		return;
	}
	t->cfd = c;
	t->cw = loop_fd_add(t->sv->loop, c, LOOP_READ, on_reader, t);
	if (!t->cw)
		die_errno("event loop failed");
	if (t->sv->o->verbose)
		fprintf(stderr, "%s: trade: a reader connected\n",
		    err_progname());
}

static void
trade_listen(struct trade *t, const char *path)
{
	struct sockaddr_un sa;
	struct stat st;

	if (strlen(path) == 0 || strlen(path) >= sizeof sa.sun_path)
		die_usage("bad --trade 'unix:%s': want unix:PATH, PATH 1 to "
		    "%zu bytes", path, sizeof sa.sun_path - 1);
	strcpy(t->path, path);
	/* A socket left by an earlier run is ours to replace; nothing
	 * else is. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			die("cannot listen on '%s': exists and is not a socket",
			    path);
		if (unlink(path) < 0)
			die_errno("cannot remove '%s'", path);
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	t->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (t->lfd < 0 || bind(t->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    chmod(path, 0600) < 0 || listen(t->lfd, 4) < 0)
		die_errno("cannot listen on '%s'", path);
	t->lw = loop_fd_add(t->sv->loop, t->lfd, LOOP_READ, on_accept, t);
	if (!t->lw)
		die_errno("event loop failed");
}

void
trade_open(struct serve *sv)
{
	struct trade *t;

	if (!sv->o->trade)
		return;
	if ((t = calloc(1, sizeof *t)) == NULL)
		die_nomem();
	t->sv = sv;
	t->cfd = -1;
	buf_init(&t->out, OUT_MAX);
	read_token(t, sv->o->token_file);
	trade_listen(t, sv->o->trade + 5);
	sv->trade = t;
}

void
trade_close(struct serve *sv)
{
	struct trade *t = sv->trade;

	if (!t)
		return;
	if (t->cfd >= 0) {
		/* What the reader has not taken yet, given a last chance. */
		if (t->out.len)
			flush_out(t);
		if (t->cfd >= 0)
			reader_gone(t);
	}
	loop_fd_del(t->lw);
	close(t->lfd);
	if (unlink(t->path) < 0 && errno != ENOENT)
		warn_errno("cannot remove '%s'", t->path);
	buf_free(&t->out);
	OPENSSL_cleanse(t->token, sizeof t->token);
	free(t);
	sv->trade = NULL;
}

/* ---------------------------------------------------------------- */
/* The requests */

/* The caller may send orders: 0, or the refusal answered and -1. */
static int
caller_ok(struct req *r)
{
	struct trade *t = r->sv->trade;

	if (!t) {
		req_error(r, 404, NULL, "manual orders are off: no --trade");
		return -1;
	}
	if (!peer_local(r->wsi)) {
		req_error(r, 403, NULL, "manual orders only from this "
		    "machine");
		return -1;
	}
	if (lws_hdr_total_length(r->wsi, WSI_TOKEN_HTTP_COOKIE) > 0) {
		req_error(r, 403, NULL, "a request with a cookie is refused");
		return -1;
	}
	if (!token_ok(t, r->wsi)) {
		req_error(r, 401, NULL, "want 'Authorization: Bearer TOKEN'");
		return -1;
	}
	return 0;
}

/* The line after those the reader has not taken: 0, or -1 when
 * OUT_MAX would be passed (nothing is queued then). */
static int
queue_line(struct trade *t, const struct buf *line)
{
	buf_add(&t->out, line->p, line->len);
	if (buf_failed(&t->out)) {
		t->out.failed = 0;
		return -1;
	}
	return 0;
}

/* Check and send one event of type: the whole of both handlers. */
static int
post_event(struct req *r, const char *type)
{
	struct trade *t = r->sv->trade;
	struct tbody tb;
	char newid[64];

	if (caller_ok(r) < 0)
		return 0;
	if (buf_failed(r->in))
		return req_error(r, 413, "body", "a body of at most %u bytes",
		    POST_MAX);
	if (r->in->len == 0)
		return req_error(r, 400, "body", "want a JSON object, sent "
		    "with a Content-Length");
	snprintf(newid, sizeof newid, "serve-%lld-%llu",
	    (long long)time_now_ms(), (unsigned long long)(t->seq + 1));
	tbody_init(&tb, POST_MAX + 256);
	if (tbody_line(&tb, r->in->p, r->in->len, type, newid) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		req_error(r, 400, tb.field, "%s", tb.why);
	} else if (t->cfd < 0) {
		req_error(r, 503, NULL, "no reader on the trade socket");
	} else if (queue_line(t, &tb.line) < 0) {
		req_error(r, 503, NULL, "the trade socket's reader is behind");
	} else {
		/* Counted only once given: ids stay dense in the log. */
		if (strcmp(tb.id, newid) == 0)
			t->seq++;
		flush_out(t);
		r->status = 202;
		buf_adds(r->body, "{\"id\":");
		buf_add_jstr(r->body, tb.id, strlen(tb.id));
		buf_adds(r->body, "}\n");
	}
	tbody_free(&tb);
	return 0;
}

int
api_intent(struct req *r)
{
	return post_event(r, "intent");
}

int
api_cancel(struct req *r)
{
	return post_event(r, "cancel");
}
