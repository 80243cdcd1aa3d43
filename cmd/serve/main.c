/*
 * mkt-serve: an HTTP/1.1 API over a journal's history tables and,
 * optionally, mkt-exec's state store and running pipelines' unix:
 * sockets (mkt-serve(1)).
 *
 * main.c: the options and the usage, listening, the port file, the
 * loop until a stop signal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "io/nats.h"
#include "io/sig.h"
#include "prog/err.h"

#include "serve.h"

static const char usage_text[] =
    "usage: mkt-serve --journal DIR [--state DB] [--live unix:PATH]...\n"
    "                 [--listen ADDR:PORT] [--port-file FILE]\n"
    "                 [--client-timeout DUR] [--max-points N]\n"
    "                 [--stale DUR] [--stream-queue BYTES] [--www DIR]\n"
    "                 [--trade unix:PATH --token-file FILE]\n"
    "                 [--metrics FILE] [-v]\n"
    "       mkt-serve -h | --help | --version\n";

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "Answer HTTP requests with JSON from a journal's history "
	    "tables\n"
	    "(GET /health, /api/symbols, /api/latest, /api/chart-data) and "
	    "a state\n"
	    "store (GET /api/orders, /api/positions, /api/fills); with "
	    "--live, the\n"
	    "latest books and bands of running pipelines (GET /api/book, "
	    "/api/depth)\n"
	    "and their events as server-sent events (GET /api/stream); "
	    "the chart page\n(GET /, /static/NAME); with --trade, manual "
	    "orders (POST /api/intent,\n/api/cancel).\n\n"
	    "  --journal DIR          the journal (mkt-journal append DIR)\n"
	    "  --state DB             mkt-exec's state store, read only\n"
	    "  --live unix:PATH       a running pipeline's -o unix:PATH, for "
	    "GET\n"
	    "                         /api/book, /api/depth and /api/stream "
	    "(repeatable);\n"
	    "                         or nats://HOST:PORT/SUBJECT, a JetStream "
	    "subject filter\n"
	    "  --stale DUR            /health is 503 once a --live source is "
	    "silent\n"
	    "                         that long (default 2m)\n"
	    "  --stream-queue BYTES   drop a /api/stream client that falls "
	    "that far\n"
	    "                         behind (default 1048576)\n"
	    "  --listen ADDR:PORT     IPv4 address and port (default "
	    "127.0.0.1:8080;\n"
	    "                         port 0: any free one; not bound when "
	    "systemd\n"
	    "                         hands over a listening socket)\n"
	    "  --port-file FILE       write the port there once listening\n"
	    "  --client-timeout DUR   drop a client that reads nothing of "
	    "an answer\n"
	    "                         for DUR (default 30s)\n"
	    "  --max-points N         points of one chart answer at most "
	    "(default 100000)\n"
	    "  --www DIR              the page's files (default: the "
	    "installed ones,\n"
	    "                         else the build tree's)\n"
	    "  --trade unix:PATH      listen there for mkt-risk -i unix:PATH and "
	    "take\n"
	    "                         POST /api/intent and /api/cancel "
	    "(loopback only)\n"
	    "  --token-file FILE      the bearer token those need (a 0600 "
	    "file)\n"
	    "  --metrics FILE         GET /metrics' text in FILE (for "
	    "node_exporter's\n"
	    "                         textfile collector), rewritten every "
	    "15s and at exit\n"
	    "  -v, --verbose          a line per request on stderr\n"
	    "  -h, --help             this help\n"
	    "      --version          the version\n", stdout);
	exit(0);
}

enum { OPT_JOURNAL = 256, OPT_STATE, OPT_LISTEN, OPT_PORT_FILE,
	OPT_CLIENT_TIMEOUT, OPT_MAX_POINTS, OPT_WWW, OPT_TRADE, OPT_TOKEN_FILE,
	OPT_LIVE, OPT_STALE, OPT_STREAM_QUEUE, OPT_VERSION };

static const struct option longopts[] = {
	{ "journal", required_argument, NULL, OPT_JOURNAL },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT },
	{ "max-points", required_argument, NULL, OPT_MAX_POINTS },
	{ "www", required_argument, NULL, OPT_WWW },
	{ "trade", required_argument, NULL, OPT_TRADE },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "live", required_argument, NULL, OPT_LIVE },
	{ "stale", required_argument, NULL, OPT_STALE },
	{ "stream-queue", required_argument, NULL, OPT_STREAM_QUEUE },
	{ "metrics", required_argument, NULL, METRICS_OPT_FILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* ADDR:PORT, ADDR an IPv4 address, PORT 0 to 65535. */
static void
parse_listen(struct opts *o, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	struct in_addr a;
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - arg) >= sizeof o->addr)
		die_usage("bad --listen '%s': want ADDR:PORT such as "
		    "127.0.0.1:8080", arg);
	memcpy(o->addr, arg, (size_t)(colon - arg));
	o->addr[colon - arg] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (inet_pton(AF_INET, o->addr, &a) != 1 || errno ||
	    end == colon + 1 || *end || port < 0 || port > 65535)
		die_usage("bad --listen '%s': want ADDR:PORT such as "
		    "127.0.0.1:8080", arg);
	o->port = (int)port;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A whole number from 1 to 10000000. */
static long
parse_count(const char *s, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 10000000)
		die_usage("bad %s '%s': want a whole number from 1 to "
		    "10000000", opt, s);
	return v;
}

/* Orders come only from this machine: without TLS a token crossing a
 * network is readable, so --trade keeps --listen on loopback. */
static void
check_trade(const struct opts *o)
{
	if (!o->trade != !o->token_file)
		die_usage("--trade and --token-file go together");
	if (o->trade && strncmp(o->addr, "127.", 4) != 0)
		die_usage("--trade wants a loopback --listen (127.x.x.x), "
		    "not %s", o->addr);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	strcpy(o->addr, "127.0.0.1");
	o->port = 8080;
	o->client_timeout = 30000;
	o->max_points = POINTS_MAX;
	o->stale = 120000;
	o->stream_queue = STREAM_QUEUE;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JOURNAL:
			o->journal = optarg;
			break;
		case OPT_STATE:
			o->state = optarg;
			break;
		case OPT_LISTEN:
			parse_listen(o, optarg);
			break;
		case OPT_PORT_FILE:
			o->port_file = optarg;
			break;
		case OPT_CLIENT_TIMEOUT:
			if (dur_parse(optarg, &o->client_timeout) < 0 ||
			    o->client_timeout < 1000 ||
			    o->client_timeout > 3600000)
				die_usage("bad --client-timeout '%s': want a "
				    "duration from 1s to 1h", optarg);
			break;
		case OPT_MAX_POINTS:
			o->max_points = parse_count(optarg, "--max-points");
			break;
		case OPT_WWW:
			o->www = optarg;
			break;
		case OPT_TRADE:
			if (strncmp(optarg, "unix:", 5) != 0)
				die_usage("bad --trade '%s': want unix:PATH",
				    optarg);
			o->trade = optarg;
			break;
		case OPT_TOKEN_FILE:
			o->token_file = optarg;
			break;
		case OPT_LIVE:
			if ((strncmp(optarg, "unix:", 5) != 0 ||
			    !optarg[5]) && !nats_is_spec(optarg))
				die_usage("bad --live '%s': want unix:PATH or "
				    "nats://HOST:PORT/SUBJECT", optarg);
			if (o->nlive == LIVE_MAX)
				die_usage("more than %d --live sockets",
				    LIVE_MAX);
			o->live[o->nlive++] = optarg;
			break;
		case OPT_STALE:
			if (dur_parse(optarg, &o->stale) < 0 ||
			    o->stale < 1 || o->stale > 86400000)
				die_usage("bad --stale '%s': want a duration "
				    "from 1ms to 1d", optarg);
			break;
		case OPT_STREAM_QUEUE:
			o->stream_queue = parse_count(optarg,
			    "--stream-queue");
			if (o->stream_queue < 4096)
				die_usage("bad --stream-queue '%s': want at "
				    "least 4096", optarg);
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage();
			break;
		case OPT_VERSION:
			printf("mkt-serve %s\n", MKT_VERSION);
			exit(0);
		default:
			if (!metrics_option(c, optarg, &o->mo))
				die_usage("unknown option");
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!o->journal)
		die_usage("--journal is required");
	if (o->www && !is_dir(o->www))
		die_usage("bad --www '%s': not a directory", o->www);
	if (!o->www)
		o->www = www_find(o->www_found, sizeof o->www_found);
	check_trade(o);
}

static void
lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	(void)level;
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	fprintf(stderr, "%s: lws: %.*s\n", err_progname(), (int)n, line);
}

static void
on_stop_signal(int sig, void *ctx)
{
	struct serve *sv = ctx;

	(void)sig;
	loop_stop(sv->loop);
}

/* ---------------------------------------------------------------- */
/* Socket activation */

/*
 * The listening socket systemd handed over (a .socket unit), or -1.
 * The variables are unset: a child never takes the socket for its own.
 */
static int
activated_socket(const struct opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	const struct sockaddr_in *s4 = (const void *)&ss;
	int n = sd_listen_fds(1), fd = SD_LISTEN_FDS_START;

	if (n < 0) {
		errno = -n;
		die_errno("cannot read the sockets systemd handed over");
	}
	if (n == 0)
		return -1;
	if (n > 1)
		die("systemd handed over %d sockets: want one (one "
		    "ListenStream=)", n);
	if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
		die("the socket systemd handed over is not a listening stream "
		    "socket");
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die_errno("cannot read the handed socket's address");
	/* As for --listen: orders only where no network carries them. */
	if (o->trade && !(ss.ss_family == AF_UNIX ||
	    (ss.ss_family == AF_INET &&
	    (ntohl(s4->sin_addr.s_addr) >> 24) == 127)))
		die("--trade wants a loopback socket: systemd handed over "
		    "another");
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		die_errno("cannot set up the handed socket");
	return fd;
}

/* Each connection waiting on the handed socket, given to lws as if
 * its own listener had accepted it. */
static void
on_activated(struct loop_fd *f, int fd, int revents, void *ctx)
{
	struct serve *sv = ctx;
	int c;

	(void)f;
	(void)revents;
	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		if (!lws_adopt_socket_vhost(lws_get_vhost_by_name(sv->ctx,
		    "default"), c) && sv->o->verbose)
			warn("cannot take a connection");
}

static void
serve_listen(struct serve *sv)
{
	const struct opts *o = sv->o;
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	if (loop_open(&sv->loop) < 0)
		die_errno("cannot make the event loop");
	if (loop_on_stop_signal(sv->loop, on_stop_signal, sv) < 0)
		die_errno("cannot set up the event loop");
	memset(&info, 0, sizeof info);
	info.port = sv->lfd >= 0 ? CONTEXT_PORT_NO_LISTEN_SERVER : o->port;
	info.iface = sv->lfd >= 0 ? NULL : o->addr;
	info.protocols = serve_protocols;
	info.user = sv;
	info.vhost_name = "default";
	info.server_string = "mkt-serve";
	info.max_http_header_data = 4096;
	info.timeout_secs = (unsigned)((o->client_timeout + 999) / 1000);
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	if (lwsloop_open(&sv->ll, sv->loop, &info) < 0) {
		if (errno != EIO)
			die_errno("cannot listen on %s:%d", o->addr, o->port);
		die("cannot listen on %s:%d", o->addr, o->port);
	}
	sv->ctx = lwsloop_context(sv->ll);
	vh = lws_get_vhost_by_name(sv->ctx, "default");
	if (!vh || (sv->lfd < 0 && lws_get_vhost_listen_port(vh) <= 0))
		die("cannot listen on %s:%d", o->addr, o->port);
	if (sv->lfd >= 0 && !(sv->lw = loop_fd_add(sv->loop, sv->lfd,
	    LOOP_READ, on_activated, sv)))
		die_errno("event loop failed");
}

/* The port, in FILE.tmp renamed to FILE: a reader sees all or none. */
static void
write_port_file(const char *path, int port)
{
	char tmp[4096], line[32];
	int fd, n;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		die("cannot write '%s': name too long", path);
	n = snprintf(line, sizeof line, "%d\n", port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die_errno("cannot create '%s'", tmp);
	if (fs_write_all(fd, line, (size_t)n) < 0)
		die_errno("cannot write '%s'", tmp);
	if (close(fd) < 0)
		die_errno("cannot close '%s'", tmp);
	if (rename(tmp, path) < 0)
		die_errno("cannot rename '%s' to '%s'", tmp, path);
}

static void
announce(struct serve *sv)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char addr[INET6_ADDRSTRLEN] = "";
	const struct sockaddr_in *s4 = (const void *)&ss;
	const struct sockaddr_in6 *s6 = (const void *)&ss;
	int port;

	if (sv->lfd < 0) {
		port = lws_get_vhost_listen_port(lws_get_vhost_by_name(
		    sv->ctx, "default"));
		fprintf(stderr, "%s: listening on http://%s:%d/\n",
		    err_progname(), sv->o->addr, port);
	} else {
		memset(&ss, 0, sizeof ss);
		if (getsockname(sv->lfd, (struct sockaddr *)&ss, &len) < 0)
			die_errno("cannot read the handed socket's address");
		port = ss.ss_family == AF_INET ? ntohs(s4->sin_port) :
		    ss.ss_family == AF_INET6 ? ntohs(s6->sin6_port) : 0;
		if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
		else if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
		if (ss.ss_family == AF_UNIX)
			fprintf(stderr, "%s: listening on the socket systemd "
			    "handed over, unix:%s\n", err_progname(),
			    ((const struct sockaddr_un *)(const void *)&ss)->
			    sun_path);
		else
			fprintf(stderr, "%s: listening on the socket systemd "
			    "handed over, http://%s%s%s:%d/\n", err_progname(),
			    ss.ss_family == AF_INET6 ? "[" : "", addr,
			    ss.ss_family == AF_INET6 ? "]" : "", port);
	}
	if (sv->o->port_file)
		write_port_file(sv->o->port_file, port);
}

static void
serve_run(struct serve *sv)
{
	int e;

	notify_init(&sv->sd);
	if (notify_attach(&sv->sd, sv->loop) < 0)
		die_nomem();
	notify_ready(&sv->sd, "serving %s on %s", sv->o->journal,
	    sv->o->addr);
	if (!sig_stop_requested() && loop_run(sv->loop) < 0)
		die_errno("event loop failed");
	notify_stopping(&sv->sd);
	notify_detach(&sv->sd);
	e = lwsloop_error(sv->ll);
	if (e) {
		errno = e;
		die_errno("event loop failed");
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct serve sv;

	err_init("mkt-serve");
	parse_opts(argc, argv, &o);
	if (sig_init() < 0)
		die_errno("cannot install signal handlers");
	lws_set_log_level(o.verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE :
	    LLL_ERR, lws_log);
	memset(&sv, 0, sizeof sv);
	sv.o = &o;
	sv.lfd = activated_socket(&o);
	if ((sv.chunk = malloc(LWS_PRE + HTTP_CHUNK)) == NULL)
		die_nomem();
	serve_listen(&sv);
	trade_open(&sv);
	if (live_open(&sv) < 0)
		die_nomem();
	announce(&sv);
	metrics_file_start(&sv);
	serve_run(&sv);
	metrics_file_stop(&sv);
	trade_close(&sv);
	if (sv.lfd >= 0) {
		loop_fd_del(sv.lw);
		close(sv.lfd);
	}
	lwsloop_close(sv.ll);
	live_close(&sv);
	stream_close(&sv);
	loop_close(sv.loop);
	if (o.verbose || sv.dropped)
		fprintf(stderr, "%s: served %llu requests, dropped %llu "
		    "clients mid-answer\n", err_progname(),
		    (unsigned long long)sv.requests,
		    (unsigned long long)sv.dropped);
	free(sv.chunk);
	return 0;
}
