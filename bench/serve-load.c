/*
 * serve-load: the load generator of bench/serve.sh.  One thread, one
 * poll() loop, plain sockets: what is measured is the server, not a
 * client library.
 *
 *   serve-load --port P [--conns N] [--requests R] MIX
 *	HTTP/1.1 GETs on N kept-alive connections to 127.0.0.1:P, R in
 *	all, the paths of MIX (one "PATH<TAB>ARGS" a line) taken in turn.
 *	Every answer must be a 200 with a Content-Length; its body is
 *	read whole and counted, never parsed.
 *   serve-load --exec [--conns N] [--requests R] MIX -- PROG ARG...
 *	The same requests as processes: PROG ARG... ARGS of the line, N
 *	at a time, stdout read whole through a pipe; exit 0 required.
 *   serve-load --port P --get PATH
 *	One GET; the body on stdout (a 200 required).
 *   serve-load --port P --stream PATH --conns N --events K
 *	    [--ready FILE] [--progress FILE] [--timeout S]
 *	N clients of a server-sent events stream; once each has seen the
 *	stream open (its first line), FILE is written; then each must
 *	receive K "data: " lines.  Reported: the fewest and most lines and
 *	bytes of data a client got; exit 0 only when every client got K
 *	lines and all got the same bytes.  --progress keeps in FILE, as
 *	it changes, the fewest "data: " lines any client has had so far
 *	(one line, rewritten in place at a fixed width, so that a reader
 *	never sees a shorter number), for a feeder that paces itself.
 *
 * The load modes print one line: requests=R seconds=S rps=X p50_ms=A
 * p99_ms=B bytes=N; latency is from the request's first byte written (or
 * the spawn) to the answer's last byte read (or the child's exit).
 * Exit status: 0, 1 on any failure (a message on stderr), 2 on misuse.
 * Built by bench/serve.sh with cc.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 8192
#define LINE_MAX_SSE 65536
#define MIX_MAX 4096
#define CONNS_MAX 1000

extern char **environ;

struct slot {
	int fd;			/* socket or the child's stdout; -1: idle */
	pid_t pid;		/* --exec: the child */
	int mix;		/* the request's line in the mix */
	double t0;		/* when it was sent */
	char head[HEAD_MAX];	/* the answer's header, or a partial line */
	size_t hlen;
	long long body_left;	/* -1 until the header is read */
	/* --stream */
	int open;		/* its first line came */
	long long lines, bytes;
};

static const char *prog = "serve-load";
static int port = -1;
static char *mix_path[MIX_MAX], *mix_args[MIX_MAX];
static int nmix;
static double *lat;
static long long total_bytes;

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: serve-load --port P [--conns N] "
	    "[--requests R] MIX\n"
	    "       serve-load --exec [--conns N] [--requests R] MIX -- "
	    "PROG ARG...\n"
	    "       serve-load --port P --get PATH\n"
	    "       serve-load --port P --stream PATH --conns N --events K "
	    "[--ready FILE] [--progress FILE] [--timeout S]\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A whole number in [lo, hi], or a usage error. */
static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "%s: bad number '%s'\n", prog, s);
		usage();
	}
	return v;
}

/* The mix: "PATH<TAB>ARGS" lines (ARGS for --exec, may be empty). */
static void
read_mix(const char *file)
{
	FILE *f = fopen(file, "r");
	char *line = NULL, *tab;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		die("cannot open '%s'", file);
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (nmix == MIX_MAX)
			die("'%s': too many lines", file);
		tab = strchr(line, '\t');
		if (tab)
			*tab++ = '\0';
		mix_path[nmix] = strdup(line);
		mix_args[nmix] = strdup(tab ? tab : "");
		if (!mix_path[nmix] || !mix_args[nmix])
			die("%s", "out of memory");
		nmix++;
	}
	if (ferror(f) || fclose(f) != 0)
		die("cannot read '%s'", file);
	free(line);
	if (nmix == 0)
		die("'%s': no requests", file);
}

static int
connect_port(void)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("cannot connect: %s", strerror(errno));
	/* A request is one small write: no Nagle delay on it. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
		die("TCP_NODELAY: %s", strerror(errno));
	return fd;
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void
send_get(int fd, const char *path)
{
	char req[HEAD_MAX];
	int n;

	n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d"
	    "\r\nAccept: */*\r\n\r\n", path, port);
	if (n < 0 || (size_t)n >= sizeof req)
		die("path too long: '%s'", path);
	write_all(fd, req, (size_t)n);
}

/* The header in s->head is whole: check the 200, take the length, and
 * leave what came of the body counted.  -1 when it is not whole yet. */
static int
parse_head(struct slot *s, int want_length)
{
	char *end, *p;
	size_t hl;

	s->head[s->hlen] = '\0';
	end = strstr(s->head, "\r\n\r\n");
	if (end == NULL) {
		if (s->hlen >= HEAD_MAX - 1)
			die("%s", "answer header too long");
		return -1;
	}
	hl = (size_t)(end + 4 - s->head);
	if (strncmp(s->head, "HTTP/1.1 200 ", 13) != 0) {
		*end = '\0';
		die("not a 200: %s", s->head);
	}
	s->body_left = -2;
	for (p = strstr(s->head, "\r\n"); p && p < end;
	    p = strstr(p + 2, "\r\n"))
		if (strncasecmp(p + 2, "content-length:", 15) == 0)
			s->body_left = strtoll(p + 17, NULL, 10);
	if (want_length && s->body_left < 0)
		die("%s", "an answer without a Content-Length");
	if (want_length)
		s->body_left -= (long long)(s->hlen - hl);
	memmove(s->head, s->head + hl, s->hlen - hl);
	s->hlen -= hl;
	return 0;
}

/* ---- the load modes ---- */

static char **exec_argv;
static int exec_argc;

/* Start request i of the run on slot s. */
static void
start(struct slot *s, long i, int exec_mode)
{
	s->mix = (int)(i % nmix);
	s->hlen = 0;
	s->body_left = -1;
	s->t0 = now_s();
	if (!exec_mode) {
		send_get(s->fd, mix_path[s->mix]);
		return;
	}
	/* PROG ARG... and the line's ARGS, split on spaces. */
	char *args = strdup(mix_args[s->mix]), *tok, *save = NULL;
	char *argv[256];
	int argc = 0, pfd[2];
	posix_spawn_file_actions_t fa;

	if (args == NULL)
		die("%s", "out of memory");
	for (int k = 0; k < exec_argc && argc < 250; k++)
		argv[argc++] = exec_argv[k];
	for (tok = strtok_r(args, " ", &save); tok && argc < 255;
	    tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	/* O_CLOEXEC: the other children must not hold this pipe open. */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1) != 0)
		die("%s", "posix_spawn_file_actions failed");
	errno = posix_spawn(&s->pid, argv[0], &fa, NULL, argv, environ);
	if (errno != 0)
		die("cannot run '%s'", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	if (close(pfd[1]) < 0)
		die("close: %s", strerror(errno));
	s->fd = pfd[0];
	free(args);
}

/* Read what slot s has; 1 when its answer is complete. */
static int
step(struct slot *s, int exec_mode)
{
	char buf[65536];
	ssize_t n;
	int st;

	if (exec_mode) {
		n = read(s->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			return 0;
		if (n < 0)
			die("read: %s", strerror(errno));
		total_bytes += n;
		if (n > 0)
			return 0;
		if (close(s->fd) < 0)
			die("close: %s", strerror(errno));
		s->fd = -1;
		while (waitpid(s->pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("a child failed: args '%s'", mix_args[s->mix]);
		return 1;
	}
	if (s->body_left < 0) {
		n = read(s->fd, s->head + s->hlen, HEAD_MAX - 1 - s->hlen);
		if (n > 0) {
			s->hlen += (size_t)n;
			if (parse_head(s, 1) < 0)
				return 0;
			total_bytes += (long long)s->hlen;
			s->hlen = 0;
			return s->body_left <= 0;
		}
	} else {
		n = read(s->fd, buf, sizeof buf);
		if (n > 0) {
			total_bytes += n;
			s->body_left -= n;
			if (s->body_left < 0)
				die("%s", "more bytes than the Content-Length");
			return s->body_left == 0;
		}
	}
	if (n < 0 && errno == EINTR)
		return 0;
	if (n == 0)
		die("%s", "the server closed a kept-alive connection");
	die("read: %s", strerror(errno));
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
run_load(int conns, long requests, int exec_mode)
{
	struct slot *s = calloc((size_t)conns, sizeof *s);
	struct pollfd *pf = calloc((size_t)conns, sizeof *pf);
	long sent = 0, done = 0;
	double t0, t1;
	int i;

	lat = calloc((size_t)requests, sizeof *lat);
	if (s == NULL || pf == NULL || lat == NULL)
		die("%s", "out of memory");
	t0 = now_s();
	for (i = 0; i < conns; i++) {
		s[i].fd = exec_mode ? -1 : connect_port();
		if (sent < requests)
			start(&s[i], sent++, exec_mode);
		else
			s[i].t0 = -1;
	}
	while (done < requests) {
		for (i = 0; i < conns; i++) {
			pf[i].fd = s[i].t0 >= 0 ? s[i].fd : -1;
			pf[i].events = POLLIN;
		}
		if (poll(pf, (nfds_t)conns, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (i = 0; i < conns; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents &
			    (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!step(&s[i], exec_mode))
				continue;
			lat[done++] = now_s() - s[i].t0;
			if (sent < requests)
				start(&s[i], sent++, exec_mode);
			else
				s[i].t0 = -1;
		}
	}
	t1 = now_s();
	qsort(lat, (size_t)requests, sizeof *lat, cmp_double);
	printf("requests=%ld seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f "
	    "bytes=%lld\n", requests, t1 - t0, requests / (t1 - t0),
	    lat[(requests - 1) / 2] * 1e3,
	    lat[(long)((requests - 1) * 0.99)] * 1e3, total_bytes);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("%s", "cannot write stdout");
	for (i = 0; i < conns; i++)
		if (s[i].fd >= 0 && close(s[i].fd) < 0)
			die("close: %s", strerror(errno));
	free(lat);
	free(pf);
	free(s);
	return 0;
}

/* ---- --get ---- */

static int
run_get(const char *path)
{
	struct slot s = { .fd = connect_port(), .body_left = -1 };
	char buf[65536];
	ssize_t n;

	send_get(s.fd, path);
	while (s.body_left < 0) {
		n = read(s.fd, s.head + s.hlen, HEAD_MAX - 1 - s.hlen);
		if (n <= 0)
			die("%s", "the answer ended early");
		s.hlen += (size_t)n;
		(void)parse_head(&s, 1);
	}
	fwrite(s.head, 1, s.hlen, stdout);
	while (s.body_left > 0) {
		n = read(s.fd, buf, sizeof buf);
		if (n <= 0)
			die("%s", "the answer ended early");
		fwrite(buf, 1, (size_t)n, stdout);
		s.body_left -= n;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		die("%s", "cannot write the answer");
	return 0;
}

/* ---- --stream ---- */

/* One whole line of a stream (without its newline). */
static void
sse_line(struct slot *s, const char *p, size_t n)
{
	if (!s->open) {
		s->open = 1;
		return;
	}
	if (n >= 6 && memcmp(p, "data: ", 6) == 0) {
		s->lines++;
		s->bytes += (long long)n + 1;
	}
}

/* Read what a stream client has; -1 when the server closed it. */
static int
sse_read(struct slot *s)
{
	char *nl, *p;
	ssize_t n;

	n = read(s->fd, s->head + s->hlen, HEAD_MAX - 1 - s->hlen);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0)
		die("read: %s", strerror(errno));
	if (n == 0)
		return -1;
	s->hlen += (size_t)n;
	if (s->body_left == -1 && parse_head(s, 0) < 0)
		return 0;
	p = s->head;
	while ((nl = memchr(p, '\n', s->hlen - (size_t)(p - s->head)))) {
		sse_line(s, p, (size_t)(nl - p));
		p = nl + 1;
	}
	s->hlen -= (size_t)(p - s->head);
	memmove(s->head, p, s->hlen);
	if (s->hlen >= HEAD_MAX - 1)
		die("%s", "a stream line longer than the buffer");
	return 0;
}

static void
write_ready(const char *file)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", file);
	f = fopen(tmp, "w");
	if (f == NULL || fputs("ready\n", f) < 0 || fclose(f) != 0 ||
	    rename(tmp, file) < 0)
		die("cannot write '%s'", file);
}

/* The fewest lines any client has had, into the progress file. */
static void
put_progress(int fd, const struct slot *s, int conns, long long *last)
{
	long long lo = s[0].lines;
	char line[32];
	int i, n;

	for (i = 1; i < conns; i++)
		lo = s[i].lines < lo ? s[i].lines : lo;
	if (lo == *last)
		return;
	*last = lo;
	n = snprintf(line, sizeof line, "%20lld\n", lo);
	if (pwrite(fd, line, (size_t)n, 0) != n)
		die("cannot write the progress file: %s", strerror(errno));
}

static int
run_stream(const char *path, int conns, long long events, const char *ready,
    const char *progress, double timeout)
{
	struct slot *s = calloc((size_t)conns, sizeof *s);
	struct pollfd *pf = calloc((size_t)conns, sizeof *pf);
	long long lo, hi, blo, bhi, last = -1;
	double end = now_s() + timeout;
	int i, nopen = 0, ndone = 0, closed = 0, readied = 0, pfd = -1;

	if (s == NULL || pf == NULL)
		die("%s", "out of memory");
	if (progress && (pfd = open(progress, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0644)) < 0)
		die("cannot open '%s'", progress);
	for (i = 0; i < conns; i++) {
		s[i].fd = connect_port();
		s[i].body_left = -1;
		send_get(s[i].fd, path);
	}
	while (ndone + closed < conns && now_s() < end) {
		for (i = 0; i < conns; i++) {
			pf[i].fd = s[i].fd;
			pf[i].events = POLLIN;
		}
		if (poll(pf, (nfds_t)conns, 200) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (i = 0; i < conns; i++) {
			int was_open = s[i].open;
			int was_done = s[i].lines >= events;

			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			if (sse_read(&s[i]) < 0) {
				/* The server dropped it: reported below. */
				if (close(s[i].fd) < 0)
					die("close: %s", strerror(errno));
				s[i].fd = -1;
				closed++;
				continue;
			}
			nopen += s[i].open && !was_open;
			ndone += !was_done && s[i].lines >= events;
		}
		if (pfd >= 0)
			put_progress(pfd, s, conns, &last);
		if (!readied && nopen == conns) {
			readied = 1;
			if (ready)
				write_ready(ready);
		}
	}
	lo = hi = s[0].lines;
	blo = bhi = s[0].bytes;
	for (i = 1; i < conns; i++) {
		lo = s[i].lines < lo ? s[i].lines : lo;
		hi = s[i].lines > hi ? s[i].lines : hi;
		blo = s[i].bytes < blo ? s[i].bytes : blo;
		bhi = s[i].bytes > bhi ? s[i].bytes : bhi;
	}
	printf("clients=%d open=%d closed=%d events_min=%lld events_max=%lld "
	    "bytes_min=%lld bytes_max=%lld\n", conns, nopen, closed, lo, hi,
	    blo, bhi);
	if (fflush(stdout) != 0)
		die("%s", "cannot write stdout");
	if (pfd >= 0 && close(pfd) < 0)
		die("cannot close '%s'", progress);
	for (i = 0; i < conns; i++)
		if (s[i].fd >= 0 && close(s[i].fd) < 0)
			die("close: %s", strerror(errno));
	free(pf);
	free(s);
	return lo == events && hi == events && blo == bhi && closed == 0 ?
	    0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'n' },
		{ "exec", no_argument, NULL, 'x' },
		{ "get", required_argument, NULL, 'g' },
		{ "stream", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "ready", required_argument, NULL, 'r' },
		{ "progress", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *get = NULL, *stream = NULL, *ready = NULL;
	const char *progress = NULL;
	long conns = 8, requests = 1000, events = -1, timeout = 60;
	int c, exec_mode = 0;

	/* A server that closes must be an error message, not a signal. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("%s", "cannot ignore SIGPIPE");
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = (int)num(optarg, 1, 65535); break;
		case 'c': conns = num(optarg, 1, CONNS_MAX); break;
		case 'n': requests = num(optarg, 1, 100000000); break;
		case 'x': exec_mode = 1; break;
		case 'g': get = optarg; break;
		case 's': stream = optarg; break;
		case 'e': events = num(optarg, 0, 1000000000); break;
		case 'r': ready = optarg; break;
		case 'P': progress = optarg; break;
		case 't': timeout = num(optarg, 1, 86400); break;
		default: usage();
		}
	}
	if (get)
		return port < 0 || optind != argc ? (usage(), 2) :
		    run_get(get);
	if (stream)
		return port < 0 || events < 0 || optind != argc ?
		    (usage(), 2) : run_stream(stream, (int)conns, events,
		    ready, progress, (double)timeout);
	if (optind >= argc || (!exec_mode && (port < 0 || optind + 1 != argc)))
		usage();
	read_mix(argv[optind]);
	if (exec_mode) {
		if (optind + 2 >= argc || strcmp(argv[optind + 1], "--") != 0)
			usage();
		exec_argv = argv + optind + 2;
		exec_argc = argc - optind - 2;
	}
	return run_load((int)conns, requests, exec_mode);
}
