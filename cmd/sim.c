/*
 * mkt-sim: a local exchange (mkt-sim(1)).  Serves the Binance spot,
 * Binance USD-M futures and Bybit v5 public WebSocket and REST market
 * data protocols on 127.0.0.1 from deterministic generated markets
 * (lib/simmarket), or from a file of mkt events replayed with its own
 * ids and decimals (lib/simreplay), with fault injection for testing
 * clients.
 *
 * One libwebsockets server context runs everything on its own event
 * loop: a timer steps every market at --rate and queues the resulting
 * messages on each subscribed connection; connections drain their queue
 * one message per writeable callback.  REST requests are answered from
 * the LWS_CALLBACK_HTTP callback.  All state lives in struct sim (the
 * context user pointer) and struct conn (each connection's user space).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "prog/err.h"
#include "base/json.h"
#include "io/sig.h"
#include "prog/run.h"
#include "sim/simmarket.h"
#include "sim/simreplay.h"
#include "base/timeutil.h"

static const char usage_text[] =
    "usage: mkt-sim [--port N] [--port-file FILE] [--tls] [--cert-file FILE]\n"
    "               [--symbols LIST] [--markets LIST] [--seed S] [--rate N]\n"
    "               [--levels N] [--messages N] [--wait-clients N]\n"
    "               [--duration DUR] [--truth FILE]\n"
    "               [--replay FILE] [--replay-speed X]\n"
    "               [--ping DUR] [--pong-timeout DUR] [--close-every N]\n"
    "               [--gap-at K] [--gap-symbol SYM] [--garbage-at K]\n"
    "               [--bad-types-at K] [--huge-at K] [--huge-size BYTES]\n"
    "               [--bybit-snapshot-at K]\n"
    "               [--shutdown-at K] [--rest-429 N] [--rest-418 N]\n"
    "               [--retry-after SECS] [--weight-limit N]\n"
    "               [--limit-grace DUR] [--hold-at K] [--stall] [-v]\n";

/* The markets served; each has one simmarket per symbol. */
enum mk { MK_BN_SPOT, MK_BN_FUT, MK_BY_LINEAR, MK_BY_SPOT, MK_COUNT };

static const struct {
	const char *name;	/* --markets token */
	const char *venue;
	const char *market;
} mk_info[MK_COUNT] = {
	{ "binance:spot", "binance", "spot" },
	{ "binance:futures", "binance", "futures" },
	{ "bybit:linear", "bybit", "linear" },
	{ "bybit:spot", "bybit", "spot" },
};

#define SYMBOLS_MAX 256
#define SUBS_MAX 1024		/* streams per Binance connection */
#define BYBIT_SPOT_ARGS_MAX 10
#define RX_MAX 65536		/* largest control message taken */
#define QUEUE_MAX (64 << 20)	/* queued bytes before a reader is dropped */
#define QUEUE_PACE 256		/* --rate 0 waits while a queue is longer */
#define HTTP_CHUNK 32768
#define SHUTDOWN_GRACE_MS 1000
#define HOUSE_US 100000		/* signal and --duration checks */
#define WEIGHT_WINDOW 60	/* seconds of the rolling REST weight */
#define BAN_MS 120000		/* a 418 ban, Binance's shortest */
#define LIMIT_GRACE_MS 1000	/* requests sent before a 429 arrived */
#define GARBAGE "\x7f\x01 not json {{{"
#define HUGE_MAX (32 << 20)	/* --huge-size bound, within QUEUE_MAX */

struct opts {
	int port;
	const char *replay;	/* --replay FILE; NULL: generated markets */
	double replay_speed;	/* 0: pace by --rate */
	int symbols_given, rate_given, seed_given, levels_given;
	const char *port_file;
	int tls;		/* wss:// and https:// */
	const char *cert_file;
	char *symbols[SYMBOLS_MAX];
	size_t nsym;
	unsigned markets;	/* bit (1 << enum mk) */
	uint64_t seed;
	long rate;		/* steps per second; 0: as fast as read */
	size_t levels;
	uint64_t messages;	/* steps per market; 0: no limit */
	int64_t duration;	/* ms; 0: until a signal */
	const char *truth;
	const char *gap_symbol;	/* --gap-at only on this symbol; NULL: all */
	int64_t ping_ms;	/* Binance server pings; 0: none */
	int64_t pong_ms;
	uint64_t wait_clients;	/* hold the markets until this many */
	uint64_t close_every, gap_at, garbage_at, snapshot_at, shutdown_at;
	uint64_t bad_types_at, huge_at, huge_size;
	uint64_t rest_429, rest_418;
	long retry_after;
	int64_t weight_limit_spot, weight_limit_fut;	/* 0: none */
	int64_t limit_grace_ms;	/* requests after a 429 that still get 429 */
	uint64_t hold_at;	/* hold the markets after K steps; 0: never */
	int stall;
	int verbose;
};

/* One market instance: (market, symbol). */
struct inst {
	enum mk mk;
	struct simmarket *sm;
	/* --replay: the instrument's steps, the next one, and what the last
	 * one was (generated steps leave rp NULL). */
	const struct sr_inst *rp;
	size_t rp_next;
	enum sr_kind kind;
	const struct sr_ticker *ticks;
	size_t nticks;
	int gap_done;		/* --gap-at fired on this stream */
	int snap_done;		/* --bybit-snapshot-at fired */
	int64_t last_trade_px;
	int last_tick_up;
};

enum sub_kind {
	SUB_DEPTH,		/* Binance diff depth */
	SUB_PARTIAL,		/* Binance <sym>@depth5|10|20 */
	SUB_TICKER,		/* Binance bookTicker */
	SUB_TRADE,		/* Binance trade */
	SUB_AGGTRADE,		/* Binance aggTrade */
	SUB_BY_BOOK,		/* Bybit orderbook.N.SYM */
	SUB_BY_TRADE,		/* Bybit publicTrade.SYM */
};

struct sub {
	enum sub_kind kind;
	size_t depth;
	struct inst *in;
	uint64_t ndepth;	/* depth messages made for this stream */
	char name[64];
};

/* Binance futures splits its streams between two URL routes. */
enum route { ROUTE_ANY, ROUTE_PUBLIC, ROUTE_MARKET };

struct msg {
	struct msg *next;
	size_t len;
	int fault;		/* an injected frame, not counted */
	unsigned char data[];	/* LWS_PRE bytes, then the message */
};

struct sim;

/* One connection (lws user space, zeroed by lws), WebSocket or HTTP. */
struct conn {
	struct conn *next, *prev;	/* sim->conns, WebSockets only */
	int linked;
	struct lws *wsi;
	struct sim *sim;
	uint64_t id;
	enum mk mk;
	enum route route;
	int combined;
	struct sub *subs;
	size_t nsubs, capsubs;
	struct msg *qhead, *qtail;
	size_t qlen, qbytes;
	uint64_t nmsg;		/* messages queued so far */
	uint64_t nsent;		/* messages written */
	struct buf rx;
	int64_t next_ping_ms, ping_sent_ms, close_at_ms;
	int ping_due, ping_out;
	char ping_payload[24];
	int close_now;
	enum lws_close_status close_status;
	const char *close_why;
	struct buf body;	/* HTTP response body */
	size_t body_off;
	int body_busy;
};

/* Rolling REST weight of one client address and API. */
struct ipw {
	char ip[64];
	int api;
	int64_t sec[WEIGHT_WINDOW];
	int64_t w[WEIGHT_WINDOW];
	int64_t limited_at_ms;		/* when the last 429 went out */
	int64_t limited_until_ms;	/* answered 429 until then */
	int64_t banned_until_ms;	/* answered 418 until then */
};

struct sim {
	const struct opts *o;
	struct lws_context *ctx;
	struct inst *inst;
	size_t ninst;
	struct conn *conns;
	lws_sorted_usec_list_t step_sul;
	lws_sorted_usec_list_t house_sul;
	int64_t next_step_us;
	int64_t start_ms;
	int started;		/* --wait-clients satisfied */
	uint64_t rounds;	/* steps of every market taken */
	int held, hold_done;	/* --hold-at: holding; released */
	int stop;
	struct buf out;		/* scratch for rendering messages */
	char *arg;		/* scratch for URL arguments */
	char *path;		/* scratch for a WebSocket request's path */
	unsigned char *chunk;	/* LWS_PRE + HTTP_CHUNK */
	uint64_t next_conn_id;
	int garbage_done, bad_types_done, huge_done;
	uint64_t rest_n, rest_faulted;
	int64_t weight_total, weight_peak;
	uint64_t limit_429, limit_418;	/* answers of the weight limit */
	struct ipw *ipw;
	size_t nipw;
	uint64_t dropped;
	struct simreplay rp;	/* --replay */
	int64_t rp_t0;		/* --replay-speed: file time at start */
	int64_t rp_start_us;	/* and when that was; 0: not yet */
};

#define ARG_MAX 16384

/* ---------------------------------------------------------------- */
/* Options */

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --port N             port on 127.0.0.1 (default 0: any free)\n"
	    "  --port-file FILE     write the port there once listening\n"
	    "  --tls                serve wss:// and https:// with a "
	    "self-signed certificate\n"
	    "  --cert-file FILE     write that certificate there, for clients "
	    "to trust\n"
	    "  --symbols LIST       symbols (default BTCUSDT,ETHUSDT)\n"
	    "  --markets LIST       of binance:spot, binance:futures,\n"
	    "                       bybit:linear, bybit:spot (default all)\n"
	    "  --seed S             market seed (default 1)\n"
	    "  --rate N             depth updates per second per market "
	    "(default 10;\n"
	    "                       0: as fast as the readers take them)\n"
	    "  --levels N           levels a side (default 1000)\n"
	    "  --messages N         stop the markets after N updates, keep "
	    "serving\n"
	    "  --wait-clients N     start the markets once N WebSockets have "
	    "subscribed\n"
	    "  --duration DUR       exit after DUR\n"
	    "  --truth FILE         write the final books there at exit\n"
	    "  --replay FILE        serve the mkt events of FILE instead of "
	    "generated\n"
	    "                       markets\n"
	    "  --replay-speed X     pace the replay by the events' time, X "
	    "times real\n"
	    "                       time (instead of --rate)\n"
	    "  --ping DUR           Binance server ping interval (default "
	    "20s; 0: none)\n"
	    "  --pong-timeout DUR   drop a Binance client that does not pong "
	    "(default 1m)\n"
	    "faults:\n"
	    "  --close-every N      close each WebSocket after N messages\n"
	    "  --gap-at K           drop the K-th depth message of each "
	    "stream, once\n"
	    "  --gap-symbol SYM     only the streams of SYM get --gap-at\n"
	    "  --garbage-at K       send a garbage frame before message K, "
	    "once\n"
	    "  --bad-types-at K     a depth message with fields of the wrong "
	    "types\n"
	    "                       before message K, once\n"
	    "  --huge-at K          a frame of --huge-size bytes before "
	    "message K, once\n"
	    "  --huge-size BYTES    (default 2097152; at most 33554432)\n"
	    "  --bybit-snapshot-at K  a snapshot in place of the K-th Bybit "
	    "delta, once\n"
	    "  --shutdown-at K      serverShutdown at Binance message K, then "
	    "close\n"
	    "  --rest-429 N         answer the first N REST requests with "
	    "429\n"
	    "  --rest-418 N         then the next N with 418\n"
	    "  --retry-after SECS   Retry-After of those answers (default 1)\n"
	    "  --weight-limit N     Binance REST weight a client may spend a "
	    "minute\n"
	    "                       (default 6000 spot, 2400 futures; 0: "
	    "none)\n"
	    "  --limit-grace DUR    after a 429, requests within DUR get 429 "
	    "too, later\n"
	    "                       ones a 418 ban (default 1s)\n"
	    "  --hold-at K          hold the markets after K updates until "
	    "SIGUSR1\n"
	    "  --stall              accept WebSockets and never send\n"
	    "  -v, --verbose        log connections and libwebsockets "
	    "notices\n"
	    "  -h, --help           this help\n"
	    "      --version        print the version\n", stdout);
	exit(0);
}

static uint64_t
parse_u64(const char *s, const char *opt, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' ||
	    *s == ' ' || v > max)
		die_usage("bad %s '%s': want a whole number up to %llu", opt,
		    s, (unsigned long long)max);
	return v;
}

/* A positive decimal factor, at most 1e6: "1", "0.5", "60". */
static double
parse_speed(const char *s, const char *opt)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(*s >= '0' && *s <= '9') ||
	    !(v > 0 && v <= 1e6))
		die_usage("bad %s '%s': want a number above 0, at most "
		    "1000000", opt, s);
	return v;
}

static void
parse_symbols(struct opts *o, char *list)
{
	char *tok, *save = NULL;
	size_t i;

	o->nsym = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		char *p;

		if (o->nsym == SYMBOLS_MAX)
			die_usage("too many symbols (at most %d)", SYMBOLS_MAX);
		for (p = tok; *p; p++) {
			if (*p >= 'a' && *p <= 'z')
				*p -= 'a' - 'A';
			if (!((*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9')))
				die_usage("bad symbol '%s'", tok);
		}
		if (p - tok > 20)
			die_usage("bad symbol '%s': too long", tok);
		for (i = 0; i < o->nsym; i++)
			if (strcmp(o->symbols[i], tok) == 0)
				die_usage("symbol '%s' given twice", tok);
		o->symbols[o->nsym++] = tok;
	}
	if (!o->nsym)
		die_usage("--symbols: no symbol given");
}

static void
parse_markets(struct opts *o, char *list)
{
	char *tok, *save = NULL;
	int i;

	o->markets = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < MK_COUNT; i++)
			if (strcmp(tok, mk_info[i].name) == 0)
				break;
		if (i == MK_COUNT)
			die_usage("bad market '%s': want binance:spot, "
			    "binance:futures, bybit:linear or bybit:spot", tok);
		o->markets |= 1u << i;
	}
	if (!o->markets)
		die_usage("--markets: no market given");
}

enum {
	OPT_PORT = 256, OPT_PORT_FILE, OPT_SYMBOLS, OPT_MARKETS, OPT_SEED,
	OPT_RATE, OPT_LEVELS, OPT_MESSAGES, OPT_DURATION, OPT_TRUTH, OPT_PING,
	OPT_PONG, OPT_CLOSE_EVERY, OPT_GAP_AT, OPT_GARBAGE_AT, OPT_SNAPSHOT_AT,
	OPT_BAD_TYPES_AT, OPT_HUGE_AT, OPT_HUGE_SIZE,
	OPT_SHUTDOWN_AT, OPT_REST_429, OPT_REST_418, OPT_RETRY_AFTER,
	OPT_WEIGHT_LIMIT,
	OPT_STALL, OPT_VERSION, OPT_WAIT_CLIENTS, OPT_TLS, OPT_CERT_FILE,
	OPT_GAP_SYMBOL, OPT_REPLAY, OPT_REPLAY_SPEED, OPT_LIMIT_GRACE,
	OPT_HOLD_AT,
};

static const struct option longopts[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "symbols", required_argument, NULL, OPT_SYMBOLS },
	{ "markets", required_argument, NULL, OPT_MARKETS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "levels", required_argument, NULL, OPT_LEVELS },
	{ "messages", required_argument, NULL, OPT_MESSAGES },
	{ "wait-clients", required_argument, NULL, OPT_WAIT_CLIENTS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "truth", required_argument, NULL, OPT_TRUTH },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "replay-speed", required_argument, NULL, OPT_REPLAY_SPEED },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "cert-file", required_argument, NULL, OPT_CERT_FILE },
	{ "ping", required_argument, NULL, OPT_PING },
	{ "pong-timeout", required_argument, NULL, OPT_PONG },
	{ "close-every", required_argument, NULL, OPT_CLOSE_EVERY },
	{ "gap-at", required_argument, NULL, OPT_GAP_AT },
	{ "gap-symbol", required_argument, NULL, OPT_GAP_SYMBOL },
	{ "garbage-at", required_argument, NULL, OPT_GARBAGE_AT },
	{ "bad-types-at", required_argument, NULL, OPT_BAD_TYPES_AT },
	{ "huge-at", required_argument, NULL, OPT_HUGE_AT },
	{ "huge-size", required_argument, NULL, OPT_HUGE_SIZE },
	{ "bybit-snapshot-at", required_argument, NULL, OPT_SNAPSHOT_AT },
	{ "shutdown-at", required_argument, NULL, OPT_SHUTDOWN_AT },
	{ "rest-429", required_argument, NULL, OPT_REST_429 },
	{ "rest-418", required_argument, NULL, OPT_REST_418 },
	{ "retry-after", required_argument, NULL, OPT_RETRY_AFTER },
	{ "weight-limit", required_argument, NULL, OPT_WEIGHT_LIMIT },
	{ "limit-grace", required_argument, NULL, OPT_LIMIT_GRACE },
	{ "hold-at", required_argument, NULL, OPT_HOLD_AT },
	{ "stall", no_argument, NULL, OPT_STALL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void
opts_defaults(struct opts *o)
{
	static char default_symbols[] = "BTCUSDT,ETHUSDT";

	memset(o, 0, sizeof *o);
	parse_symbols(o, default_symbols);
	o->markets = (1u << MK_COUNT) - 1;
	o->seed = 1;
	o->rate = 10;
	o->levels = 1000;
	o->ping_ms = 20000;
	o->pong_ms = 60000;
	o->retry_after = 1;
	o->weight_limit_spot = 6000;
	o->weight_limit_fut = 2400;
	o->limit_grace_ms = LIMIT_GRACE_MS;
	o->huge_size = 2u << 20;
}

/* The options that take a count: 1 when c was one of them. */
static int
parse_count_opt(struct opts *o, int c, const char *arg)
{
	const struct {
		int opt;
		const char *name;
		uint64_t *v;
	} counts[] = {
		{ OPT_MESSAGES, "--messages", &o->messages },
		{ OPT_WAIT_CLIENTS, "--wait-clients", &o->wait_clients },
		{ OPT_CLOSE_EVERY, "--close-every", &o->close_every },
		{ OPT_GAP_AT, "--gap-at", &o->gap_at },
		{ OPT_GARBAGE_AT, "--garbage-at", &o->garbage_at },
		{ OPT_BAD_TYPES_AT, "--bad-types-at", &o->bad_types_at },
		{ OPT_HUGE_AT, "--huge-at", &o->huge_at },
		{ OPT_SNAPSHOT_AT, "--bybit-snapshot-at", &o->snapshot_at },
		{ OPT_SHUTDOWN_AT, "--shutdown-at", &o->shutdown_at },
		{ OPT_REST_429, "--rest-429", &o->rest_429 },
		{ OPT_REST_418, "--rest-418", &o->rest_418 },
		{ OPT_HOLD_AT, "--hold-at", &o->hold_at },
	};
	size_t i;

	for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		if (counts[i].opt != c)
			continue;
		*counts[i].v = parse_u64(arg, counts[i].name,
		    (uint64_t)1 << 62);
		return 1;
	}
	return 0;
}

static void
parse_flag(struct opts *o, int c)
{
	switch (c) {
	case OPT_STALL:
		o->stall = 1;
		break;
	case OPT_TLS:
		o->tls = 1;
		break;
	case 'v':
		o->verbose = 1;
		break;
	case 'h':
		usage();
		break;
	case OPT_VERSION:
		printf("mkt-sim %s\n", MKT_VERSION);
		exit(0);
	default:
		die_usage("bad usage");
	}
}

static void
parse_opt(struct opts *o, int c, char *arg)
{
	if (parse_count_opt(o, c, arg))
		return;
	switch (c) {
	case OPT_PORT:
		o->port = (int)parse_u64(arg, "--port", 65535);
		break;
	case OPT_PORT_FILE:
		o->port_file = arg;
		break;
	case OPT_SYMBOLS:
		parse_symbols(o, arg);
		o->symbols_given = 1;
		break;
	case OPT_MARKETS:
		parse_markets(o, arg);
		break;
	case OPT_SEED:
		o->seed = parse_u64(arg, "--seed", UINT64_MAX);
		o->seed_given = 1;
		break;
	case OPT_HUGE_SIZE:
		o->huge_size = parse_u64(arg, "--huge-size", HUGE_MAX);
		if (o->huge_size < 64)
			die_usage("--huge-size: at least 64 bytes");
		break;
	case OPT_RATE:
		o->rate = (long)parse_u64(arg, "--rate", 100000);
		o->rate_given = 1;
		break;
	case OPT_LEVELS:
		o->levels = parse_u64(arg, "--levels", SM_LEVELS_MAX);
		if (!o->levels)
			die_usage("bad --levels '0': want at least 1");
		o->levels_given = 1;
		break;
	case OPT_REPLAY:
		o->replay = arg;
		break;
	case OPT_REPLAY_SPEED:
		o->replay_speed = parse_speed(arg, "--replay-speed");
		break;
	case OPT_DURATION:
		o->duration = run_duration(arg, "--duration");
		break;
	case OPT_TRUTH:
		o->truth = arg;
		break;
	case OPT_GAP_SYMBOL:
		o->gap_symbol = arg;
		break;
	case OPT_CERT_FILE:
		o->cert_file = arg;
		break;
	case OPT_PING:
		o->ping_ms = run_duration(arg, "--ping");
		break;
	case OPT_PONG:
		o->pong_ms = run_duration(arg, "--pong-timeout");
		break;
	case OPT_WEIGHT_LIMIT:
		o->weight_limit_spot = o->weight_limit_fut =
		    (int64_t)parse_u64(arg, "--weight-limit", 1000000);
		break;
	case OPT_LIMIT_GRACE:
		o->limit_grace_ms = run_duration(arg, "--limit-grace");
		break;
	case OPT_RETRY_AFTER:
		o->retry_after = (long)parse_u64(arg, "--retry-after", 604800);
		break;
	default:
		parse_flag(o, c);
	}
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	opts_defaults(o);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1) {
		if (c == '?')
			die_usage("unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			die_usage("option '%s' needs a value",
			    argv[optind - 1]);
		parse_opt(o, c, optarg);
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (o->pong_ms == 0)
		die_usage("bad --pong-timeout '0': want a positive duration");
	if (o->cert_file && !o->tls)
		die_usage("--cert-file needs --tls");
	if (o->replay && (!*o->replay || strcmp(o->replay, "-") == 0))
		die_usage("--replay wants a file (it is read twice)");
	if (o->replay && (o->seed_given || o->levels_given))
		die_usage("--seed and --levels do not apply to --replay");
	if (o->replay_speed && !o->replay)
		die_usage("--replay-speed needs --replay");
	if (o->replay_speed && o->rate_given)
		die_usage("--rate and --replay-speed exclude each other");
	if (o->replay_speed && o->hold_at)
		die_usage("--hold-at and --replay-speed exclude each other");
}

/* ---------------------------------------------------------------- */
/* Durable small files */

static void
fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, sizeof dir, ".");
	} else if (slash == path) {
		snprintf(dir, sizeof dir, "/");
	} else {
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	}
	if (fs_sync_dir(dir) < 0)
		die_errno("cannot fsync '%s'", dir);
}

/* Write PATH.tmp, fsync, rename over PATH, fsync the directory. */
static void
write_file_durably(const char *path, const char *p, size_t n)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		die("cannot write '%s': name too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die_errno("cannot open '%s'", tmp);
	if (fs_write_all(fd, p, n) < 0)
		die_errno("cannot write '%s'", tmp);
	if (fsync(fd) < 0)
		die_errno("cannot fsync '%s'", tmp);
	if (close(fd) < 0)
		die_errno("cannot close '%s'", tmp);
	if (rename(tmp, path) < 0)
		die_errno("cannot rename '%s' to '%s'", tmp, path);
	fsync_dir_of(path);
}

/* ---------------------------------------------------------------- */
/* TLS: a self-signed certificate made at start */

/*
 * The certificate and key, as PEM files in a private temporary directory
 * for libwebsockets to load.  Global so that the atexit handler can
 * remove them whichever way the program ends.
 */
static struct {
	char dir[PATH_MAX];	/* "" when there is nothing to remove */
	char cert[PATH_MAX + 16];	/* dir + "/cert.pem" */
	char key[PATH_MAX + 16];
} tls_files;

#define TLS_CN "mkt-sim"
#define TLS_SAN "IP:127.0.0.1,DNS:localhost"
#define TLS_BACKDATE (60 * 60)	/* seconds, for clocks a little behind */
#define TLS_LIFETIME (24 * 60 * 60)	/* seconds from now */

/* Remove the temporary files and directory; again is harmless. */
static void
tls_remove_files(void)
{
	if (!tls_files.dir[0])
		return;
	unlink(tls_files.key);
	unlink(tls_files.cert);
	rmdir(tls_files.dir);
	tls_files.dir[0] = '\0';
}

/* An OpenSSL call failed: say which step and OpenSSL's reason. */
static noreturn void
die_ssl(const char *what)
{
	const char *why = ERR_reason_error_string(ERR_get_error());

	die("cannot make the TLS certificate: %s: %s", what,
	    why ? why : "unknown error");
}

static void
tls_add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	if (!ext)
		die_ssl(OBJ_nid2sn(nid));
	if (!X509_add_ext(x, ext, -1)) {
		X509_EXTENSION_free(ext);
		die_ssl(OBJ_nid2sn(nid));
	}
	X509_EXTENSION_free(ext);
}

/*
 * A certificate for k, signed by k with SHA-256: its own CA (basic
 * constraints CA:TRUE, may sign certificates), so that clients can use
 * it as their trust anchor, and good for 127.0.0.1 and localhost.
 * The caller frees it with X509_free().
 */
static X509 *
tls_make_cert(EVP_PKEY *k)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	uint64_t serial;

	if (!x)
		die_ssl("X509_new");
	if (RAND_bytes((unsigned char *)&serial, sizeof serial) != 1)
		die_ssl("RAND_bytes");
	/* Positive and non-zero, as RFC 5280 wants. */
	serial = (serial >> 2) | 1;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -TLS_BACKDATE) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), TLS_LIFETIME) ||
	    !X509_set_pubkey(x, k))
		die_ssl("X509 fields");
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)TLS_CN, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name))
		die_ssl("X509 name");
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	tls_add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
	/* An EC key signs (ECDHE): no keyEncipherment (RFC 5480). */
	tls_add_ext(x, &v3, NID_key_usage,
	    "critical,digitalSignature,keyCertSign");
	tls_add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
	tls_add_ext(x, &v3, NID_subject_alt_name, TLS_SAN);
	tls_add_ext(x, &v3, NID_subject_key_identifier, "hash");
	tls_add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
	if (!X509_sign(x, k, EVP_sha256()))
		die_ssl("X509_sign");
	return x;
}

/* Write a new file (O_EXCL) with this mode; no fsync: it is temporary. */
static void
write_new_file(const char *path, mode_t mode, const char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		die_errno("cannot open '%s'", path);
	if (fs_write_all(fd, p, n) < 0)
		die_errno("cannot write '%s'", path);
	if (close(fd) < 0)
		die_errno("cannot close '%s'", path);
}

/* The PEM in a memory BIO, written to path (and to copy, if not NULL). */
static void
write_bio(BIO *bio, const char *path, mode_t mode, const char *copy)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0)
		die_ssl("PEM");
	write_new_file(path, mode, p, (size_t)n);
	if (copy)
		write_file_durably(copy, p, (size_t)n);
}

/*
 * Make a P-256 key and its self-signed certificate, write them as PEM
 * into a new private directory (TMPDIR or /tmp; the key 0600), and the
 * certificate also to --cert-file.  The paths are in tls_files; the
 * files go at exit, or once libwebsockets has loaded them.
 */
static void
tls_setup(const struct opts *o)
{
	const char *tmp = getenv("TMPDIR");
	EVP_PKEY *k;
	X509 *x;
	BIO *kb, *cb;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(tls_files.dir, sizeof tls_files.dir, "%s/mkt-sim.XXXXXX",
	    tmp) >= (int)sizeof tls_files.dir)
		die("cannot make a directory in '%s': name too long", tmp);
	if (!mkdtemp(tls_files.dir))
		die_errno("cannot make a directory in '%s'", tmp);
	if (atexit(tls_remove_files) != 0) {
		tls_remove_files();
		die("cannot register the cleanup of the TLS files");
	}
	snprintf(tls_files.cert, sizeof tls_files.cert, "%s/cert.pem",
	    tls_files.dir);
	snprintf(tls_files.key, sizeof tls_files.key, "%s/key.pem",
	    tls_files.dir);
	k = EVP_EC_gen("P-256");
	if (!k)
		die_ssl("EVP_EC_gen");
	x = tls_make_cert(k);
	kb = BIO_new(BIO_s_mem());
	cb = BIO_new(BIO_s_mem());
	if (!kb || !cb)
		die_nomem();
	if (!PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL))
		die_ssl("PEM_write_bio_PrivateKey");
	if (!PEM_write_bio_X509(cb, x))
		die_ssl("PEM_write_bio_X509");
	write_bio(kb, tls_files.key, 0600, NULL);
	write_bio(cb, tls_files.cert, 0644, o->cert_file);
	BIO_free(kb);
	BIO_free(cb);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* ---------------------------------------------------------------- */
/* Markets */

static int
is_binance(enum mk mk)
{
	return mk == MK_BN_SPOT || mk == MK_BN_FUT;
}

/* The market of a venue and market name, or -1. */
static int
mk_of(const char *venue, const char *market)
{
	int mk;

	for (mk = 0; mk < MK_COUNT; mk++)
		if (strcmp(mk_info[mk].venue, venue) == 0 &&
		    strcmp(mk_info[mk].market, market) == 0)
			return mk;
	return -1;
}

/* --replay: is (venue, market, symbol) served?  Its market, in
 * --markets, its symbol upper case letters and digits (as the venues
 * write them), and in --symbols when that was given. */
static int
replay_want(void *ctx, const char *venue, const char *market,
    const char *symbol)
{
	const struct opts *o = ctx;
	int mk = mk_of(venue, market);
	const char *p;
	size_t i;

	if (mk < 0 || !(o->markets & (1u << mk)) || strlen(symbol) > 20)
		return 0;
	for (p = symbol; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
	if (!o->symbols_given)
		return 1;
	for (i = 0; i < o->nsym; i++)
		if (strcmp(o->symbols[i], symbol) == 0)
			return 1;
	return 0;
}

static void
replay_bad(void *ctx, long line, const char *why)
{
	(void)ctx;
	err_line(line, "%s", why);
}

static void
replay_summary(const struct sim *s)
{
	const struct sr_counts *n = &s->rp.n;

	warn("replay '%s': %llu lines, %zu instruments, %llu updates, "
	    "%llu trades, %llu tickers; skipped: %llu bad lines, %llu of "
	    "other types, %llu of other markets or symbols, %llu before a "
	    "snapshot, %llu stale depth events", s->o->replay,
	    (unsigned long long)n->lines, s->ninst,
	    (unsigned long long)n->steps, (unsigned long long)n->trades,
	    (unsigned long long)n->tickers, (unsigned long long)n->bad,
	    (unsigned long long)n->other, (unsigned long long)n->unserved,
	    (unsigned long long)n->early, (unsigned long long)n->stale);
}

/* The file time the replay starts from: its earliest step time. */
static int64_t
replay_t0(const struct sim *s)
{
	int64_t t0 = 0;
	size_t i, j;

	for (i = 0; i < s->ninst; i++) {
		const struct sr_inst *r = s->inst[i].rp;

		for (j = 0; j < r->nrec; j++)
			if (r->rec[j].at && (!t0 || r->rec[j].at < t0))
				t0 = r->rec[j].at;
	}
	return t0;
}

/* --replay: one instrument per (venue, market, symbol) of the file with
 * a snapshot, its book that snapshot. */
static void
sim_replay_markets(struct sim *s)
{
	const struct opts *o = s->o;
	struct simreplay *r = &s->rp;
	struct sr_step st;
	size_t i;

	if (simreplay_load(r, o->replay, replay_want, replay_bad,
	    (void *)o) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		die("cannot replay '%s': %s", o->replay, r->why);
	}
	s->inst = calloc(r->ninst ? r->ninst : 1, sizeof *s->inst);
	if (!s->inst)
		die_nomem();
	for (i = 0; i < r->ninst; i++) {
		const struct sr_inst *ri = r->inst[i];
		struct inst *in = &s->inst[s->ninst];
		struct sm_params p;

		if (!ri->has_snapshot) {
			warn("replay '%s': %s:%s:%s has no snapshot: not "
			    "served", o->replay, ri->venue, ri->market,
			    ri->symbol);
			continue;
		}
		if (simmarket_params_given(&p, ri->venue, ri->market,
		    ri->symbol, ri->px_dp, ri->qty_dp) < 0)
			die("cannot replay '%s': cannot serve %s:%s:%s",
			    o->replay, ri->venue, ri->market, ri->symbol);
		in->mk = (enum mk)mk_of(ri->venue, ri->market);
		in->sm = simmarket_new(&p);
		if (!in->sm)
			die_nomem();
		simreplay_step(ri, 0, &st);
		if (simmarket_load(in->sm, &st.sm) < 0)
			die_nomem();
		in->rp = ri;
		in->rp_next = 1;
		in->kind = SR_SNAPSHOT;
		s->ninst++;
	}
	if (!s->ninst)
		die("cannot replay '%s': no snapshot of a market and symbol "
		    "served here", o->replay);
	if (r->n.gaps)
		warn("replay '%s': %llu depth events do not continue the one "
		    "before them (the first at line %ld): served as recorded",
		    o->replay, (unsigned long long)r->n.gaps, r->n.gap_line);
	if (o->verbose)
		replay_summary(s);
	s->rp_t0 = replay_t0(s);
}

static void
sim_markets(struct sim *s)
{
	const struct opts *o = s->o;
	size_t i;
	int mk;

	if (o->replay) {
		sim_replay_markets(s);
		return;
	}
	s->inst = calloc(MK_COUNT * o->nsym, sizeof *s->inst);
	if (!s->inst)
		die_nomem();
	for (mk = 0; mk < MK_COUNT; mk++) {
		if (!(o->markets & (1u << mk)))
			continue;
		for (i = 0; i < o->nsym; i++) {
			struct inst *in = &s->inst[s->ninst];
			struct sm_params p;

			if (simmarket_params(&p, mk_info[mk].venue,
			    mk_info[mk].market, o->symbols[i], o->levels,
			    o->seed) < 0)
				die("bad symbol '%s'", o->symbols[i]);
			in->mk = (enum mk)mk;
			in->sm = simmarket_new(&p);
			if (!in->sm)
				die_nomem();
			s->ninst++;
		}
	}
}

/* The instance of (mk, symbol), the symbol in any case; or NULL. */
static struct inst *
find_inst(struct sim *s, enum mk mk, const char *sym, size_t n)
{
	size_t i;

	for (i = 0; i < s->ninst; i++) {
		const char *name = s->inst[i].sm->p.symbol;

		if (s->inst[i].mk == mk && strlen(name) == n &&
		    strncasecmp(name, sym, n) == 0)
			return &s->inst[i];
	}
	return NULL;
}

/* ---------------------------------------------------------------- */
/* Rendering: the venues' wire formats */

/* Binance spot writes 8 decimals; the others the instrument's own. */
static int
px_dp(const struct inst *in)
{
	return in->mk == MK_BN_SPOT ? 8 : in->sm->p.px_dp;
}

static int
qty_dp(const struct inst *in)
{
	return in->mk == MK_BN_SPOT ? 8 : simmarket_qty_dp(in->sm);
}

static void
put_px(struct buf *b, const struct inst *in, int64_t px)
{
	buf_addc(b, '"');
	simmarket_put_px(b, in->sm, px, px_dp(in));
	buf_addc(b, '"');
}

static void
put_qty(struct buf *b, const struct inst *in, int64_t qty)
{
	buf_addc(b, '"');
	simmarket_put_qty(b, in->sm, qty, qty_dp(in));
	buf_addc(b, '"');
}

static void
put_levels(struct buf *b, const struct inst *in, const struct sm_level *lv,
    size_t n)
{
	size_t i;

	buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		buf_adds(b, i ? ",[" : "[");
		put_px(b, in, lv[i].px);
		buf_addc(b, ',');
		put_qty(b, in, lv[i].qty);
		buf_addc(b, ']');
	}
	buf_addc(b, ']');
}

/* The top n levels of a side. */
static void
put_top(struct buf *b, const struct inst *in, const struct sm_side *side,
    size_t n)
{
	put_levels(b, in, side->lv, n < side->n ? n : side->n);
}

/* The time of what is served: a replayed event's own, else now. */
static int64_t
ev_time(int64_t t)
{
	return t ? t : time_now_ms();
}

static void
put_key_int(struct buf *b, const char *key, int64_t v)
{
	buf_adds(b, key);
	buf_addi(b, v);
}

static void
put_symbol(struct buf *b, const char *key, const struct inst *in)
{
	buf_adds(b, key);
	buf_add_jstr(b, in->sm->p.symbol, strlen(in->sm->p.symbol));
}

/* depthUpdate with the given levels (a diff, or the top for partial
 * futures streams). */
static void
bn_depth_body(struct buf *b, const struct inst *in, const struct sm_level *bid,
    size_t nbid, const struct sm_level *ask, size_t nask)
{
	const struct simmarket *m = in->sm;
	int64_t now = ev_time(m->time);

	put_key_int(b, "{\"e\":\"depthUpdate\",\"E\":", now);
	if (in->mk == MK_BN_FUT)
		put_key_int(b, ",\"T\":", now);
	put_symbol(b, ",\"s\":", in);
	put_key_int(b, ",\"U\":", (int64_t)m->first_id);
	put_key_int(b, ",\"u\":", (int64_t)m->last_id);
	if (in->mk == MK_BN_FUT)
		put_key_int(b, ",\"pu\":", (int64_t)m->prev_id);
	buf_adds(b, ",\"b\":");
	put_levels(b, in, bid, nbid);
	buf_adds(b, ",\"a\":");
	put_levels(b, in, ask, nask);
	buf_addc(b, '}');
}

static void
bn_render_depth(struct buf *b, struct inst *in)
{
	struct sm_diff d;

	simmarket_diff(in->sm, 0, &d);
	bn_depth_body(b, in, d.bid, d.nbid, d.ask, d.nask);
}

static void
bn_render_partial(struct buf *b, struct inst *in, size_t depth)
{
	const struct simmarket *m = in->sm;
	size_t nb = depth < m->bid.n ? depth : m->bid.n;
	size_t na = depth < m->ask.n ? depth : m->ask.n;

	if (in->mk == MK_BN_FUT) {
		bn_depth_body(b, in, m->bid.lv, nb, m->ask.lv, na);
		return;
	}
	put_key_int(b, "{\"lastUpdateId\":", (int64_t)m->last_id);
	buf_adds(b, ",\"bids\":");
	put_levels(b, in, m->bid.lv, nb);
	buf_adds(b, ",\"asks\":");
	put_levels(b, in, m->ask.lv, na);
	buf_addc(b, '}');
}

static int
top_changed(const struct simmarket *m)
{
	const struct sm_side *s[2][2] = {
		{ &m->bid, &m->prev_bid }, { &m->ask, &m->prev_ask },
	};
	int i;

	for (i = 0; i < 2; i++) {
		const struct sm_side *cur = s[i][0], *old = s[i][1];

		if (!cur->n || !old->n)
			return cur->n != old->n;
		if (cur->lv[0].px != old->lv[0].px ||
		    cur->lv[0].qty != old->lv[0].qty)
			return 1;
	}
	return 0;
}

/* bookTicker: t's prices, its id (else the book's) and time (else now). */
static void
bn_render_ticker(struct buf *b, const struct inst *in,
    const struct sr_ticker *t)
{
	int64_t now = ev_time(t->time);

	if (in->mk == MK_BN_FUT)
		buf_adds(b, "{\"e\":\"bookTicker\",\"u\":");
	else
		buf_adds(b, "{\"u\":");
	buf_addi(b, (int64_t)(t->has_last_id ? t->last_id :
	    in->sm->last_id));
	put_symbol(b, ",\"s\":", in);
	buf_adds(b, ",\"b\":");
	put_px(b, in, t->bid);
	buf_adds(b, ",\"B\":");
	put_qty(b, in, t->bid_qty);
	buf_adds(b, ",\"a\":");
	put_px(b, in, t->ask);
	buf_adds(b, ",\"A\":");
	put_qty(b, in, t->ask_qty);
	if (in->mk == MK_BN_FUT) {
		put_key_int(b, ",\"T\":", now);
		put_key_int(b, ",\"E\":", now);
	}
	buf_addc(b, '}');
}

static void
bn_render_trade(struct buf *b, const struct inst *in, const struct sm_trade *t,
    int agg)
{
	int64_t now = ev_time(t->time);

	buf_adds(b, agg ? "{\"e\":\"aggTrade\"" : "{\"e\":\"trade\"");
	put_key_int(b, ",\"E\":", now);
	if (in->mk == MK_BN_FUT && !agg)
		put_key_int(b, ",\"T\":", now);
	put_symbol(b, ",\"s\":", in);
	put_key_int(b, agg ? ",\"a\":" : ",\"t\":", (int64_t)t->id);
	buf_adds(b, ",\"p\":");
	put_px(b, in, t->px);
	buf_adds(b, ",\"q\":");
	put_qty(b, in, t->qty);
	if (agg) {
		put_key_int(b, ",\"f\":", (int64_t)t->id);
		put_key_int(b, ",\"l\":", (int64_t)t->id);
	}
	if (in->mk == MK_BN_FUT && !agg)
		buf_adds(b, ",\"X\":\"MARKET\"");
	else
		put_key_int(b, ",\"T\":", now);
	buf_adds(b, t->taker_buy ? ",\"m\":false" : ",\"m\":true");
	if (in->mk == MK_BN_SPOT)
		buf_adds(b, ",\"M\":true");
	buf_addc(b, '}');
}

/* Bybit orderbook message: the top `depth` levels (snapshot) or the
 * changes of that view (delta).  Spot writes "ts" before "type". */
static void
by_render_book(struct buf *b, struct inst *in, const struct sub *sub,
    int snapshot)
{
	struct simmarket *m = in->sm;
	int64_t now = ev_time(m->time);
	const char *type = snapshot ? "\"snapshot\"" : "\"delta\"";
	struct sm_diff d;

	buf_adds(b, "{\"topic\":");
	buf_add_jstr(b, sub->name, strlen(sub->name));
	if (in->mk == MK_BY_SPOT)
		put_key_int(b, ",\"ts\":", now);
	buf_adds(b, ",\"type\":");
	buf_adds(b, type);
	if (in->mk != MK_BY_SPOT)
		put_key_int(b, ",\"ts\":", now);
	put_symbol(b, ",\"data\":{\"s\":", in);
	if (snapshot) {
		buf_adds(b, ",\"b\":");
		put_top(b, in, &m->bid, sub->depth);
		buf_adds(b, ",\"a\":");
		put_top(b, in, &m->ask, sub->depth);
	} else {
		simmarket_diff(m, sub->depth, &d);
		buf_adds(b, ",\"b\":");
		put_levels(b, in, d.bid, d.nbid);
		buf_adds(b, ",\"a\":");
		put_levels(b, in, d.ask, d.nask);
	}
	put_key_int(b, ",\"u\":", (int64_t)m->last_id);
	put_key_int(b, ",\"seq\":", (int64_t)m->seq);
	put_key_int(b, "},\"cts\":", now);
	buf_addc(b, '}');
}

static const char *
tick_direction(struct inst *in, int64_t px)
{
	if (px != in->last_trade_px && in->last_trade_px)
		in->last_tick_up = px > in->last_trade_px;
	if (px == in->last_trade_px || !in->last_trade_px) {
		in->last_trade_px = px;
		return in->last_tick_up ? "ZeroPlusTick" : "ZeroMinusTick";
	}
	in->last_trade_px = px;
	return in->last_tick_up ? "PlusTick" : "MinusTick";
}

static void
by_render_trades(struct buf *b, struct inst *in, const struct sub *sub)
{
	const struct simmarket *m = in->sm;
	int64_t now = ev_time(m->time);
	size_t i;

	buf_adds(b, "{\"topic\":");
	buf_add_jstr(b, sub->name, strlen(sub->name));
	put_key_int(b, ",\"type\":\"snapshot\",\"ts\":", now);
	buf_adds(b, ",\"data\":[");
	for (i = 0; i < m->ntrades; i++) {
		const struct sm_trade *t = &m->trades[i];

		put_key_int(b, i ? ",{\"T\":" : "{\"T\":",
		    t->time ? t->time : now);
		put_symbol(b, ",\"s\":", in);
		buf_adds(b, t->taker_buy ? ",\"S\":\"Buy\"" :
		    ",\"S\":\"Sell\"");
		buf_adds(b, ",\"v\":");
		put_qty(b, in, t->qty);
		buf_adds(b, ",\"p\":");
		put_px(b, in, t->px);
		buf_adds(b, ",\"L\":\"");
		buf_adds(b, tick_direction(in, t->px));
		buf_adds(b, "\",\"i\":");
		if (t->id_text[0]) {
			buf_add_jstr(b, t->id_text, strlen(t->id_text));
		} else {
			buf_addc(b, '"');
			buf_addi(b, (int64_t)t->id);
			buf_addc(b, '"');
		}
		put_key_int(b, ",\"BT\":false,\"seq\":", (int64_t)m->seq);
		buf_addc(b, '}');
	}
	buf_adds(b, "]}");
}

/* ---------------------------------------------------------------- */
/* Connections: the send queue */

static void
conn_close_soon(struct conn *c, enum lws_close_status st, const char *why)
{
	if (c->close_now)
		return;
	c->close_now = 1;
	c->close_status = st;
	c->close_why = why;
	lws_callback_on_writable(c->wsi);
}

static void
queue_push(struct conn *c, const char *p, size_t n, int fault)
{
	struct msg *m = malloc(sizeof *m + LWS_PRE + n);

	if (!m)
		die_nomem();
	m->next = NULL;
	m->len = n;
	m->fault = fault;
	memcpy(m->data + LWS_PRE, p, n);
	if (c->qtail)
		c->qtail->next = m;
	else
		c->qhead = m;
	c->qtail = m;
	c->qlen++;
	c->qbytes += n;
}

static void
queue_free(struct conn *c)
{
	struct msg *m, *next;

	for (m = c->qhead; m; m = next) {
		next = m->next;
		free(m);
	}
	c->qhead = c->qtail = NULL;
	c->qlen = c->qbytes = 0;
}

static void conn_arm_timer(struct conn *c);

static void
send_shutdown(struct conn *c)
{
	char line[64];
	int n;

	n = snprintf(line, sizeof line, "{\"e\":\"serverShutdown\",\"E\":%lld}",
	    (long long)time_now_ms());
	queue_push(c, line, (size_t)n, 1);
	c->close_at_ms = time_now_ms() + SHUTDOWN_GRACE_MS;
	conn_arm_timer(c);
}

/*
 * A depth message for the connection's first stream whose fields have
 * the wrong types: well-formed JSON that names a real stream, so only
 * the client's type checks stand between it and the book.
 */
static void
send_bad_types(struct conn *c)
{
	const char *sym = "BTCUSDT", *stream = "btcusdt@depth@100ms";
	char line[512];
	int n;

	if (c->nsubs) {
		sym = c->subs[0].in->sm->p.symbol;
		stream = c->subs[0].name;
	}
	if (is_binance(c->mk))
		n = snprintf(line, sizeof line, "{\"stream\":\"%s\",\"data\":"
		    "{\"e\":\"depthUpdate\",\"E\":\"soon\",\"s\":\"%s\","
		    "\"U\":\"one\",\"u\":[2],\"pu\":{},\"b\":{\"1\":2},"
		    "\"a\":7}}", stream, sym);
	else
		n = snprintf(line, sizeof line, "{\"topic\":\"%s\","
		    "\"type\":\"delta\",\"ts\":\"soon\",\"data\":"
		    "{\"s\":\"%s\",\"b\":7,\"a\":{},\"u\":\"one\","
		    "\"seq\":[]}}", stream, sym);
	queue_push(c, line, (size_t)n, 1);
}

/*
 * A frame of --huge-size bytes: valid JSON, so only the client's size
 * bound stops it.
 */
static void
send_huge(struct conn *c)
{
	static const char head[] = "{\"stream\":\"pad\",\"data\":{\"pad\":\"";
	static const char tail[] = "\"}}";
	size_t n = c->sim->o->huge_size;
	char *p = malloc(n);

	if (!p)
		die_nomem();
	memcpy(p, head, sizeof head - 1);
	memset(p + sizeof head - 1, 'x', n - (sizeof head - 1) -
	    (sizeof tail - 1));
	memcpy(p + n - (sizeof tail - 1), tail, sizeof tail - 1);
	queue_push(c, p, n, 1);
	free(p);
}

/*
 * Queue one message, applying the faults that count messages: a garbage
 * frame before message K (once per server), serverShutdown after it
 * (Binance), and the queue bound (a reader that falls that far behind
 * is dropped).
 */
static void
conn_send(struct conn *c, const char *p, size_t n)
{
	struct sim *s = c->sim;
	const struct opts *o = s->o;

	if (o->stall || c->close_now)
		return;
	c->nmsg++;
	if (o->garbage_at && c->nmsg == o->garbage_at && !s->garbage_done) {
		s->garbage_done = 1;
		queue_push(c, GARBAGE, strlen(GARBAGE), 1);
	}
	if (o->bad_types_at && c->nmsg == o->bad_types_at &&
	    !s->bad_types_done) {
		s->bad_types_done = 1;
		send_bad_types(c);
	}
	if (o->huge_at && c->nmsg == o->huge_at && !s->huge_done) {
		s->huge_done = 1;
		send_huge(c);
	}
	queue_push(c, p, n, 0);
	if (o->shutdown_at && c->nmsg == o->shutdown_at && is_binance(c->mk))
		send_shutdown(c);
	if (c->qbytes > QUEUE_MAX) {
		warn("connection %llu: reader too slow, %zu messages queued: "
		    "dropped", (unsigned long long)c->id, c->qlen);
		s->dropped++;
		conn_close_soon(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    "too slow");
		return;
	}
	lws_callback_on_writable(c->wsi);
}

/* Send the scratch buffer, which the caller rendered. */
static void
conn_send_out(struct conn *c)
{
	struct buf *b = &c->sim->out;

	if (buf_failed(b))
		die("cannot render a message: %s", strerror(buf_failed(b)));
	conn_send(c, b->p, b->len);
}

/* Binance combined streams wrap each payload. */
static struct buf *
wrap_begin(struct conn *c, const struct sub *sub)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	if (c->combined) {
		buf_adds(b, "{\"stream\":");
		buf_add_jstr(b, sub->name, strlen(sub->name));
		buf_adds(b, ",\"data\":");
	}
	return b;
}

static void
wrap_end(struct conn *c)
{
	if (c->combined)
		buf_addc(&c->sim->out, '}');
	conn_send_out(c);
}

/* ---------------------------------------------------------------- */
/* Publishing a step */

/* Is this the K-th depth message that --gap-at drops (once a stream)? */
static int
gap_now(struct conn *c, struct sub *sub)
{
	const struct opts *o = c->sim->o;

	sub->ndepth++;
	if (!o->gap_at || sub->ndepth != o->gap_at || sub->in->gap_done)
		return 0;
	if (o->gap_symbol && strcmp(sub->in->sm->p.symbol, o->gap_symbol) != 0)
		return 0;
	sub->in->gap_done = 1;
	if (o->verbose)
		warn("connection %llu: gap: dropped %s message %llu",
		    (unsigned long long)c->id, sub->name,
		    (unsigned long long)sub->ndepth);
	return 1;
}

static void
publish_binance(struct conn *c, struct sub *sub)
{
	struct inst *in = sub->in;
	size_t i;

	switch (sub->kind) {
	case SUB_DEPTH:
		/* A recorded snapshot is a resync of the recording client:
		 * the stream goes on; the REST book reflects it. */
		if (in->rp && in->kind != SR_DEPTH)
			return;
		if (gap_now(c, sub))
			return;
		bn_render_depth(wrap_begin(c, sub), in);
		wrap_end(c);
		break;
	case SUB_PARTIAL:
		if (in->rp && in->kind == SR_EXTRA)
			return;
		bn_render_partial(wrap_begin(c, sub), in, sub->depth);
		wrap_end(c);
		break;
	case SUB_TICKER:
		if (in->rp) {
			for (i = 0; i < in->nticks; i++) {
				bn_render_ticker(wrap_begin(c, sub), in,
				    &in->ticks[i]);
				wrap_end(c);
			}
			return;
		}
		if (!top_changed(in->sm))
			return;
		bn_render_ticker(wrap_begin(c, sub), in, &(struct sr_ticker){
		    .bid = in->sm->bid.lv[0].px,
		    .bid_qty = in->sm->bid.lv[0].qty,
		    .ask = in->sm->ask.lv[0].px,
		    .ask_qty = in->sm->ask.lv[0].qty,
		});
		wrap_end(c);
		break;
	default:
		for (i = 0; i < in->sm->ntrades; i++) {
			bn_render_trade(wrap_begin(c, sub), in,
			    &in->sm->trades[i], sub->kind == SUB_AGGTRADE);
			wrap_end(c);
		}
	}
}

static void
publish_bybit_book(struct conn *c, struct sub *sub)
{
	struct inst *in = sub->in;
	struct sm_diff d;
	int snap = 0;

	if (in->rp && in->kind == SR_EXTRA)
		return;
	if (sub->depth == 1) {
		/* Level 1 is snapshot-only, sent when the top changes. */
		simmarket_diff(in->sm, 1, &d);
		if (d.nbid + d.nask == 0)
			return;
		snap = 1;
	} else if (in->rp && in->kind == SR_SNAPSHOT) {
		snap = 1;	/* a recorded resync, as Bybit sends it */
	} else {
		if (gap_now(c, sub))
			return;
		if (c->sim->o->snapshot_at && !in->snap_done &&
		    sub->ndepth == c->sim->o->snapshot_at) {
			in->snap_done = 1;
			snap = 1;
		}
	}
	buf_reset(&c->sim->out);
	by_render_book(&c->sim->out, in, sub, snap);
	conn_send_out(c);
}

static void
publish(struct conn *c, struct sub *sub)
{
	if (is_binance(c->mk)) {
		publish_binance(c, sub);
	} else if (sub->kind == SUB_BY_BOOK) {
		publish_bybit_book(c, sub);
	} else if (sub->in->sm->ntrades) {
		buf_reset(&c->sim->out);
		by_render_trades(&c->sim->out, sub->in, sub);
		conn_send_out(c);
	}
}

static void
publish_inst(struct sim *s, struct inst *in)
{
	struct conn *c;
	size_t i;

	if (s->o->stall)
		return;
	for (c = s->conns; c; c = c->next)
		for (i = 0; i < c->nsubs; i++)
			if (c->subs[i].in == in && !c->close_now)
				publish(c, &c->subs[i]);
}

/* Has the instrument stopped: --messages reached, the replay ended? */
static int
inst_done(const struct sim *s, const struct inst *in)
{
	if (s->o->messages && in->sm->steps >= s->o->messages)
		return 1;
	return in->rp && in->rp_next >= in->rp->nrec;
}

/* Take the instrument's next step, generated or replayed, and send it. */
static void
step_inst(struct sim *s, struct inst *in)
{
	struct sr_step st;

	if (!in->rp) {
		if (simmarket_step(in->sm) < 0)
			die_nomem();
	} else {
		simreplay_step(in->rp, in->rp_next++, &st);
		if (simmarket_apply(in->sm, &st.sm) < 0)
			die_nomem();
		in->kind = st.kind;
		in->ticks = st.tickers;
		in->nticks = st.ntickers;
	}
	publish_inst(s, in);
}

/* Step every market that has not stopped; 0 when none was left. */
static int
step_all(struct sim *s)
{
	size_t i;
	int any = 0;

	for (i = 0; i < s->ninst; i++) {
		struct inst *in = &s->inst[i];

		if (inst_done(s, in))
			continue;
		step_inst(s, in);
		any = 1;
	}
	s->rounds += any;
	return any;
}

/* With --rate 0 the markets wait for the slowest reader. */
static int
readers_behind(const struct sim *s)
{
	const struct conn *c;

	for (c = s->conns; c; c = c->next)
		if (c->qlen > QUEUE_PACE && !c->close_now)
			return 1;
	return 0;
}

/* --messages reached everywhere, or the replay's end: say so (scripts
 * wait for the line). */
static void
markets_done(const struct sim *s)
{
	uint64_t n = 0;
	size_t i;

	if (!s->o->replay) {
		fprintf(stderr, "%s: markets done: %llu updates each\n",
		    err_progname(), (unsigned long long)s->o->messages);
		return;
	}
	for (i = 0; i < s->ninst; i++)
		n += s->inst[i].sm->steps;
	fprintf(stderr, "%s: markets done: %llu updates replayed\n",
	    err_progname(), (unsigned long long)n);
}

/* --wait-clients: have enough WebSockets subscribed to something? */
static int
clients_ready(struct sim *s)
{
	const struct conn *c;
	uint64_t n = 0;

	if (s->started)
		return 1;
	for (c = s->conns; c; c = c->next)
		n += c->nsubs > 0;
	if (n < s->o->wait_clients)
		return 0;
	s->started = 1;
	s->next_step_us = lws_now_usecs();
	return 1;
}

/* Steps a --replay-speed timer call takes at most before it yields. */
#define SPEED_BATCH 1000

static void on_step(lws_sorted_usec_list_t *sul);

/* SIGUSR1 ends a --hold-at. */
static volatile sig_atomic_t hold_released;

static void
on_usr1(int sig)
{
	(void)sig;
	hold_released = 1;
}

/*
 * --hold-at K: once every market took K steps, hold them (saying so on
 * standard error, which scripts wait for) until SIGUSR1, so that a test
 * can look at the markets at a known step, however long it takes.
 * Nonzero while holding.
 */
static int
holding(struct sim *s)
{
	if (!s->o->hold_at || s->hold_done || s->rounds < s->o->hold_at)
		return 0;
	if (!s->held) {
		s->held = 1;
		fprintf(stderr, "%s: markets held at %llu updates\n",
		    err_progname(), (unsigned long long)s->rounds);
	}
	if (!hold_released)
		return 1;
	s->held = 0;
	s->hold_done = 1;
	s->next_step_us = lws_now_usecs();
	return 0;
}

/*
 * --replay-speed: take every step due by now on the file's clock, the
 * earliest first across instruments, then sleep until the next is due.
 * A step without a time is due with the one before it.
 */
static void
step_by_time(struct sim *s, int64_t now)
{
	int64_t fnow, due, wait;
	int n;

	if (!s->rp_start_us)
		s->rp_start_us = now;
	fnow = s->rp_t0 +
	    (int64_t)((double)(now - s->rp_start_us) / 1000.0 *
	    s->o->replay_speed);
	for (n = 0; n < SPEED_BATCH; n++) {
		struct inst *next = NULL;
		size_t i;

		for (i = 0; i < s->ninst; i++) {
			struct inst *in = &s->inst[i];

			if (inst_done(s, in))
				continue;
			due = in->rp->rec[in->rp_next].at;
			if (!next || due < next->rp->rec[next->rp_next].at)
				next = in;
		}
		if (!next) {
			markets_done(s);
			return;
		}
		due = next->rp->rec[next->rp_next].at;
		if (due > fnow) {
			wait = (int64_t)((double)(due - fnow) * 1000.0 /
			    s->o->replay_speed);
			/* Wake at least once a second: the clock is
			 * recomputed then, whatever the sleep's rounding. */
			if (wait > 1000000)
				wait = 1000000;
			lws_sul_schedule(s->ctx, 0, &s->step_sul, on_step,
			    wait > 0 ? wait : 1);
			return;
		}
		step_inst(s, next);
	}
	lws_sul_schedule(s->ctx, 0, &s->step_sul, on_step, 1);
}

static void
on_step(lws_sorted_usec_list_t *sul)
{
	struct sim *s = lws_container_of(sul, struct sim, step_sul);
	int64_t now = lws_now_usecs(), period;
	int n;

	if (!clients_ready(s)) {
		lws_sul_schedule(s->ctx, 0, &s->step_sul, on_step, 10000);
		return;
	}
	if (s->o->replay_speed) {
		step_by_time(s, now);
		return;
	}

	if (s->o->rate == 0) {
		for (n = 0; n < 16 && !readers_behind(s); n++) {
			if (holding(s)) {
				lws_sul_schedule(s->ctx, 0, &s->step_sul,
				    on_step, 10000);
				return;
			}
			if (!step_all(s)) {
				markets_done(s);
				return;
			}
		}
		lws_sul_schedule(s->ctx, 0, &s->step_sul, on_step,
		    readers_behind(s) ? 1000 : 1);
		return;
	}
	period = 1000000 / s->o->rate;
	/* Catch up when the loop was late, but never by more than 1 s. */
	if (now - s->next_step_us > 1000000)
		s->next_step_us = now;
	while (s->next_step_us <= now) {
		if (holding(s)) {
			lws_sul_schedule(s->ctx, 0, &s->step_sul, on_step,
			    10000);
			return;
		}
		if (!step_all(s)) {
			markets_done(s);
			return;
		}
		s->next_step_us += period;
	}
	lws_sul_schedule(s->ctx, 0, &s->step_sul, on_step,
	    s->next_step_us - now);
}

static void
on_house(lws_sorted_usec_list_t *sul)
{
	struct sim *s = lws_container_of(sul, struct sim, house_sul);

	if (sig_stop_requested())
		s->stop = 1;
	if (s->o->duration && time_now_ms() - s->start_ms >= s->o->duration)
		s->stop = 1;
	lws_sul_schedule(s->ctx, 0, &s->house_sul, on_house, HOUSE_US);
}

/* ---------------------------------------------------------------- */
/* Subscriptions */

static int
conn_find_sub(const struct conn *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Add a subscription unless it is there; 1 added, 0 already, -1 full. */
static int
conn_add_sub(struct conn *c, const struct sub *sub)
{
	if (conn_find_sub(c, sub->name) >= 0)
		return 0;
	if (c->nsubs == SUBS_MAX)
		return -1;
	if (c->nsubs == c->capsubs) {
		size_t cap = c->capsubs ? 2 * c->capsubs : 8;
		struct sub *p = realloc(c->subs, cap * sizeof *p);

		if (!p)
			die_nomem();
		c->subs = p;
		c->capsubs = cap;
	}
	c->subs[c->nsubs++] = *sub;
	return 1;
}

static void
conn_del_sub(struct conn *c, const char *name)
{
	int i = conn_find_sub(c, name);

	if (i < 0)
		return;
	memmove(&c->subs[i], &c->subs[i + 1],
	    (c->nsubs - (size_t)i - 1) * sizeof *c->subs);
	c->nsubs--;
}

/* "depth", "depth@100ms", "depth10@500ms" ...: 0 diff depth, N partial
 * depth, -1 not a depth stream. */
static int
bn_depth_kind(const char *rest)
{
	static const char *const speeds[] = {
		"", "@0ms", "@100ms", "@250ms", "@500ms", "@1000ms",
	};
	int n = 0;
	size_t i;

	if (strncmp(rest, "depth", 5) != 0)
		return -1;
	rest += 5;
	if (strncmp(rest, "20", 2) == 0 || strncmp(rest, "10", 2) == 0) {
		n = (rest[0] - '0') * 10;
		rest += 2;
	} else if (rest[0] == '5') {
		n = 5;
		rest++;
	}
	for (i = 0; i < sizeof speeds / sizeof speeds[0]; i++)
		if (strcmp(rest, speeds[i]) == 0)
			return n;
	return -1;
}

static int
route_allows(enum route r, enum sub_kind k)
{
	if (r == ROUTE_PUBLIC)
		return k == SUB_DEPTH || k == SUB_PARTIAL || k == SUB_TICKER;
	if (r == ROUTE_MARKET)
		return k == SUB_TRADE || k == SUB_AGGTRADE;
	return 1;
}

/* A Binance stream name into *sub; 0, or -1 when not served here. */
static int
bn_parse_stream(struct sim *s, const struct conn *c, const char *name,
    struct sub *sub)
{
	const char *at = strchr(name, '@'), *rest;
	int depth;

	memset(sub, 0, sizeof *sub);
	if (!at || strlen(name) >= sizeof sub->name)
		return -1;
	rest = at + 1;
	depth = bn_depth_kind(rest);
	if (depth == 0)
		sub->kind = SUB_DEPTH;
	else if (depth > 0)
		sub->kind = SUB_PARTIAL;
	else if (strcasecmp(rest, "bookTicker") == 0)
		sub->kind = SUB_TICKER;
	else if (strcmp(rest, "trade") == 0)
		sub->kind = SUB_TRADE;
	else if (strcasecmp(rest, "aggTrade") == 0)
		sub->kind = SUB_AGGTRADE;
	else
		return -1;
	sub->depth = depth > 0 ? (size_t)depth : 0;
	if (!route_allows(c->route, sub->kind))
		return -1;
	sub->in = find_inst(s, c->mk, name, (size_t)(at - name));
	if (!sub->in)
		return -1;
	snprintf(sub->name, sizeof sub->name, "%s", name);
	return 0;
}

/* A Bybit topic into *sub; 0, or -1 when not served here. */
static int
by_parse_topic(struct sim *s, const struct conn *c, const char *t,
    struct sub *sub)
{
	const char *sym;
	char *end;
	unsigned long d;

	memset(sub, 0, sizeof *sub);
	if (strlen(t) >= sizeof sub->name)
		return -1;
	if (strncmp(t, "orderbook.", 10) == 0) {
		d = strtoul(t + 10, &end, 10);
		if (*end != '.' || !(d == 1 || d == 50 || d == 200 ||
		    d == 1000) || t[10] == '0')
			return -1;
		sub->kind = SUB_BY_BOOK;
		sub->depth = d;
		sym = end + 1;
	} else if (strncmp(t, "publicTrade.", 12) == 0) {
		sub->kind = SUB_BY_TRADE;
		sym = t + 12;
	} else {
		return -1;
	}
	sub->in = find_inst(s, c->mk, sym, strlen(sym));
	/* Bybit symbols are case-sensitive. */
	if (!sub->in || strcmp(sub->in->sm->p.symbol, sym) != 0)
		return -1;
	snprintf(sub->name, sizeof sub->name, "%s", t);
	return 0;
}

/* Subscribe to the '/'-separated Binance streams of a URL; 0 or -1. */
static int
bn_url_streams(struct sim *s, struct conn *c, char *list)
{
	char *tok, *save = NULL;
	struct sub sub;

	for (tok = strtok_r(list, "/", &save); tok;
	    tok = strtok_r(NULL, "/", &save)) {
		if (bn_parse_stream(s, c, tok, &sub) < 0) {
			if (s->o->verbose)
				warn("refused stream '%s'", tok);
			return -1;
		}
		if (conn_add_sub(c, &sub) < 0)
			return -1;
	}
	return 0;
}

static const struct {
	const char *raw;	/* "/ws" and "/ws/<streams>" */
	const char *combined;	/* "/stream?streams=..." */
	enum mk mk;
	enum route route;
} bn_paths[] = {
	{ "/ws", "/stream", MK_BN_SPOT, ROUTE_ANY },
	{ "/public/ws", "/public/stream", MK_BN_FUT, ROUTE_PUBLIC },
	{ "/market/ws", "/market/stream", MK_BN_FUT, ROUTE_MARKET },
};

/* Match a Binance WebSocket path; 0 (c->mk, route, combined set, the
 * URL's streams subscribed), or -1. */
static int
bn_target(struct sim *s, struct lws *wsi, struct conn *c, char *path)
{
	size_t i, n;
	const char *v;

	for (i = 0; i < sizeof bn_paths / sizeof bn_paths[0]; i++) {
		c->mk = bn_paths[i].mk;
		c->route = bn_paths[i].route;
		n = strlen(bn_paths[i].raw);
		if (strncmp(path, bn_paths[i].raw, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return bn_url_streams(s, c, path + n);
		if (strcmp(path, bn_paths[i].combined) == 0) {
			c->combined = 1;
			v = lws_get_urlarg_by_name(wsi, "streams=", s->arg,
			    ARG_MAX);
			return v ? bn_url_streams(s, c, (char *)v) : 0;
		}
	}
	return -1;
}

/* Decide what a WebSocket request is for; 0 to accept, -1 to refuse. */
static int
ws_target(struct sim *s, struct lws *wsi, struct conn *c)
{
	char *path = s->path;

	if (lws_hdr_copy(wsi, path, ARG_MAX, WSI_TOKEN_GET_URI) <= 0)
		return -1;
	if (strcmp(path, "/v5/public/linear") == 0)
		c->mk = MK_BY_LINEAR;
	else if (strcmp(path, "/v5/public/spot") == 0)
		c->mk = MK_BY_SPOT;
	else if (bn_target(s, wsi, c, path) < 0)
		return -1;
	if (!(s->o->markets & (1u << c->mk)))
		return -1;
	if (s->o->verbose)
		warn("websocket %s: %zu streams", path, c->nsubs);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Control messages */

/* The id of a Binance request echoed back: number, string or null. */
static void
put_req_id(struct buf *b, const struct json_span *id)
{
	if (id && id->type == JSON_STRING) {
		buf_addc(b, '"');
		buf_add(b, id->p, id->n);
		buf_addc(b, '"');
	} else if (id && id->type == JSON_NUMBER) {
		buf_add(b, id->p, id->n);
	} else {
		buf_adds(b, "null");
	}
}

static void
bn_reply_error(struct conn *c, int code, const char *msg,
    const struct json_span *id)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	put_key_int(b, "{\"error\":{\"code\":", code);
	buf_adds(b, ",\"msg\":");
	buf_add_jstr(b, msg, strlen(msg));
	buf_adds(b, "},\"id\":");
	put_req_id(b, id);
	buf_addc(b, '}');
	conn_send_out(c);
}

static void
bn_reply_result(struct conn *c, const char *result, const struct json_span *id)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	buf_adds(b, "{\"result\":");
	buf_adds(b, result);
	buf_adds(b, ",\"id\":");
	put_req_id(b, id);
	buf_addc(b, '}');
	conn_send_out(c);
}

static void
bn_list(struct conn *c, const struct json_span *id)
{
	struct buf *b = &c->sim->out;
	size_t i;

	buf_reset(b);
	buf_adds(b, "{\"result\":[");
	for (i = 0; i < c->nsubs; i++) {
		if (i)
			buf_addc(b, ',');
		buf_add_jstr(b, c->subs[i].name, strlen(c->subs[i].name));
	}
	buf_adds(b, "],\"id\":");
	put_req_id(b, id);
	buf_addc(b, '}');
	conn_send_out(c);
}

static int
json_count(const struct json_span *arr)
{
	struct json_iter it;
	struct json_span v;
	int n = 0;

	json_iter_init(&it, arr);
	while (json_next(&it, &v))
		n++;
	return n;
}

/* SUBSCRIBE / UNSUBSCRIBE: every name is checked before any is used. */
static void
bn_subscribe(struct conn *c, const struct json_span *params,
    const struct json_span *id, int add)
{
	struct json_iter it;
	struct json_span v;
	char name[128];
	struct sub sub;
	int pass;

	if (!params || params->type != JSON_ARRAY) {
		bn_reply_error(c, 2, "Invalid request: missing params", id);
		return;
	}
	if (add && c->nsubs + (size_t)json_count(params) > SUBS_MAX) {
		bn_reply_error(c, 2, "Invalid request: too many streams", id);
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		json_iter_init(&it, params);
		while (json_next(&it, &v)) {
			if (v.type != JSON_STRING ||
			    json_str_copy(&v, name, sizeof name) < 0 ||
			    (add &&
			    bn_parse_stream(c->sim, c, name, &sub) < 0)) {
				bn_reply_error(c, 2, "Invalid request: "
				    "invalid stream name", id);
				return;
			}
			if (pass == 0)
				continue;
			if (!add)
				conn_del_sub(c, name);
			else if (conn_add_sub(c, &sub) < 0)
				break;
		}
	}
	bn_reply_result(c, "null", id);
}

static void
bn_property(struct conn *c, const struct json_span *params,
    const struct json_span *id, int set)
{
	struct json_iter it;
	struct json_span v[2];
	int n = 0;

	if (params && params->type == JSON_ARRAY) {
		json_iter_init(&it, params);
		while (n < 2 && json_next(&it, &v[n]))
			n++;
	}
	if (n < 1 || !json_str_is(&v[0], "combined")) {
		bn_reply_error(c, 0, "Unknown property", id);
		return;
	}
	if (!set) {
		bn_reply_result(c, c->combined ? "true" : "false", id);
		return;
	}
	if (n < 2 || (v[1].type != JSON_TRUE && v[1].type != JSON_FALSE)) {
		bn_reply_error(c, 1, "Invalid value type: expected Boolean",
		    id);
		return;
	}
	c->combined = v[1].type == JSON_TRUE;
	bn_reply_result(c, "null", id);
}

static void
bn_control(struct conn *c, const char *p, size_t n)
{
	struct json_obj o;
	const struct json_span *method, *params, *id;
	const char *why;
	size_t where;

	if (json_parse_object(p, n, &o, &why, &where) < 0) {
		bn_reply_error(c, 3, "Invalid JSON", NULL);
		return;
	}
	method = json_get(&o, "method");
	params = json_get(&o, "params");
	id = json_get(&o, "id");
	if (method && json_str_is(method, "SUBSCRIBE"))
		bn_subscribe(c, params, id, 1);
	else if (method && json_str_is(method, "UNSUBSCRIBE"))
		bn_subscribe(c, params, id, 0);
	else if (method && json_str_is(method, "LIST_SUBSCRIPTIONS"))
		bn_list(c, id);
	else if (method && json_str_is(method, "SET_PROPERTY"))
		bn_property(c, params, id, 1);
	else if (method && json_str_is(method, "GET_PROPERTY"))
		bn_property(c, params, id, 0);
	else
		bn_reply_error(c, 2, "Invalid request: unknown method", id);
}

/* {"success":..,"ret_msg":..,"conn_id":..,"req_id":..,"op":..} */
static void
by_reply(struct conn *c, int ok, const char *msg, const char *req_id,
    const char *op)
{
	struct buf *b = &c->sim->out;

	buf_reset(b);
	buf_adds(b, ok ? "{\"success\":true" : "{\"success\":false");
	buf_adds(b, ",\"ret_msg\":");
	buf_add_jstr(b, msg, strlen(msg));
	put_key_int(b, ",\"conn_id\":\"mktsim-", (int64_t)c->id);
	buf_addc(b, '"');
	if (req_id) {
		buf_adds(b, ",\"req_id\":");
		buf_add_jstr(b, req_id, strlen(req_id));
	}
	buf_adds(b, ",\"op\":");
	buf_add_jstr(b, op, strlen(op));
	buf_addc(b, '}');
	conn_send_out(c);
}

/* Check every topic of a (un)subscribe; NULL, or the error message
 * (in msg). */
static const char *
by_check_args(struct conn *c, const struct json_span *args, char *msg,
    size_t cap)
{
	struct json_iter it;
	struct json_span v;
	char t[128];
	struct sub sub;

	if (!args || args->type != JSON_ARRAY)
		return "error:args missing";
	if (c->mk == MK_BY_SPOT && json_count(args) > BYBIT_SPOT_ARGS_MAX)
		return "error:args size >10";
	if (c->nsubs + (size_t)json_count(args) > SUBS_MAX)
		return "error:too many topics";
	json_iter_init(&it, args);
	while (json_next(&it, &v)) {
		if (v.type == JSON_STRING &&
		    json_str_copy(&v, t, sizeof t) >= 0 &&
		    by_parse_topic(c->sim, c, t, &sub) == 0)
			continue;
		snprintf(msg, cap, "error:handler not found,topic:%.100s",
		    v.type == JSON_STRING ? t : "?");
		return msg;
	}
	return NULL;
}

/* Subscribe: the ack, then a snapshot for each new order book topic. */
static void
by_subscribe(struct conn *c, const struct json_span *args,
    const char *req_id, int add)
{
	const char *op = add ? "subscribe" : "unsubscribe";
	struct json_iter it;
	struct json_span v;
	struct sub sub;
	char t[128];
	size_t first = c->nsubs, i;
	const char *err;
	char msg[192];

	err = by_check_args(c, args, msg, sizeof msg);
	if (err) {
		by_reply(c, 0, err, req_id, op);
		return;
	}
	json_iter_init(&it, args);
	while (json_next(&it, &v)) {
		if (json_str_copy(&v, t, sizeof t) < 0 ||
		    by_parse_topic(c->sim, c, t, &sub) < 0)
			continue;
		if (!add)
			conn_del_sub(c, t);
		else if (conn_add_sub(c, &sub) < 0)
			break;
	}
	by_reply(c, 1, "", req_id, op);
	for (i = add ? first : c->nsubs; i < c->nsubs; i++) {
		if (c->subs[i].kind != SUB_BY_BOOK)
			continue;
		buf_reset(&c->sim->out);
		by_render_book(&c->sim->out, c->subs[i].in, &c->subs[i], 1);
		conn_send_out(c);
	}
}

static void
by_control(struct conn *c, const char *p, size_t n)
{
	struct json_obj o;
	const struct json_span *op, *rid;
	char req_id[128], opname[32];
	const char *why;
	size_t where;

	if (json_parse_object(p, n, &o, &why, &where) < 0) {
		by_reply(c, 0, "error:request not json", NULL, "");
		return;
	}
	rid = json_get(&o, "req_id");
	if (!rid || rid->type != JSON_STRING ||
	    json_str_copy(rid, req_id, sizeof req_id) < 0)
		req_id[0] = '\0';
	op = json_get(&o, "op");
	if (!op || op->type != JSON_STRING ||
	    json_str_copy(op, opname, sizeof opname) < 0)
		opname[0] = '\0';
	if (strcmp(opname, "subscribe") == 0 ||
	    strcmp(opname, "unsubscribe") == 0)
		by_subscribe(c, json_get(&o, "args"), rid ? req_id : NULL,
		    opname[0] == 's');
	else if (strcmp(opname, "ping") == 0)
		by_reply(c, 1, "pong", rid ? req_id : NULL, "ping");
	else
		by_reply(c, 0, "error:invalid op", rid ? req_id : NULL,
		    opname);
}

/* ---------------------------------------------------------------- */
/* WebSocket connection life */

static void
conn_arm_timer(struct conn *c)
{
	const struct opts *o = c->sim->o;
	int64_t now = time_now_ms(), due = INT64_MAX;

	if (c->next_ping_ms && c->next_ping_ms < due)
		due = c->next_ping_ms;
	if (c->ping_out && c->ping_sent_ms + o->pong_ms < due)
		due = c->ping_sent_ms + o->pong_ms;
	if (c->close_at_ms && c->close_at_ms < due)
		due = c->close_at_ms;
	if (due == INT64_MAX)
		return;
	lws_set_timer_usecs(c->wsi, due > now ? (due - now) * 1000 : 1000);
}

static void
conn_established(struct sim *s, struct conn *c, struct lws *wsi)
{
	c->wsi = wsi;
	c->sim = s;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	c->linked = 1;
	if (is_binance(c->mk) && s->o->ping_ms && !s->o->stall) {
		c->next_ping_ms = time_now_ms() + s->o->ping_ms;
		conn_arm_timer(c);
	}
}

/* Free what a connection holds; safe to call twice. */
static void
conn_release(struct sim *s, struct conn *c)
{
	if (c->linked) {
		if (c->prev)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		c->linked = 0;
		if (s->o->verbose)
			warn("connection %llu closed after %llu messages",
			    (unsigned long long)c->id,
			    (unsigned long long)c->nsent);
	}
	queue_free(c);
	free(c->subs);
	c->subs = NULL;
	c->nsubs = c->capsubs = 0;
	buf_free(&c->rx);
	buf_free(&c->body);
}

/* The per-connection timer: pings, pong deadline, delayed close. */
static int
conn_timer(struct conn *c)
{
	const struct opts *o = c->sim->o;
	int64_t now = time_now_ms();

	if (c->close_at_ms && now >= c->close_at_ms) {
		conn_close_soon(c, LWS_CLOSE_STATUS_GOINGAWAY, "shutdown");
		return 0;
	}
	if (c->ping_out && now - c->ping_sent_ms >= o->pong_ms) {
		if (o->verbose)
			warn("connection %llu: no pong: dropped",
			    (unsigned long long)c->id);
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    (unsigned char *)"no pong", 7);
		return -1;
	}
	if (c->next_ping_ms && now >= c->next_ping_ms) {
		snprintf(c->ping_payload, sizeof c->ping_payload, "%lld",
		    (long long)now);
		if (!c->ping_out)
			c->ping_sent_ms = now;
		c->ping_out = 1;
		c->ping_due = 1;
		c->next_ping_ms = now + o->ping_ms;
		lws_callback_on_writable(c->wsi);
	}
	conn_arm_timer(c);
	return 0;
}

static void
conn_pong(struct conn *c, const void *in, size_t len)
{
	/* Only a pong that echoes the latest ping keeps the client. */
	if (c->ping_out && len == strlen(c->ping_payload) &&
	    memcmp(in, c->ping_payload, len) == 0)
		c->ping_out = 0;
}

static int
write_ping(struct conn *c)
{
	unsigned char b[LWS_PRE + sizeof c->ping_payload];
	size_t n = strlen(c->ping_payload);

	c->ping_due = 0;
	memcpy(b + LWS_PRE, c->ping_payload, n);
	if (lws_write(c->wsi, b + LWS_PRE, n, LWS_WRITE_PING) < (int)n)
		return -1;
	if (c->qhead)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* One queued message per writeable callback; -1 closes. */
static int
conn_writeable(struct conn *c)
{
	const struct opts *o = c->sim->o;
	struct msg *m;
	int w, fault;

	if (c->close_now) {
		lws_close_reason(c->wsi, c->close_status,
		    (unsigned char *)c->close_why, strlen(c->close_why));
		return -1;
	}
	if (c->ping_due)
		return write_ping(c);
	m = c->qhead;
	if (!m)
		return 0;
	c->qhead = m->next;
	if (!c->qhead)
		c->qtail = NULL;
	c->qlen--;
	c->qbytes -= m->len;
	w = lws_write(c->wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
	fault = m->fault;
	free(m);
	if (w < 0)
		return -1;
	if (!fault && ++c->nsent == o->close_every) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_GOINGAWAY,
		    (unsigned char *)"close-every", 11);
		return -1;
	}
	if (c->qhead)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static int
conn_receive(struct conn *c, const void *in, size_t len)
{
	if (c->sim->o->stall)
		return 0;
	buf_add(&c->rx, in, len);
	if (buf_failed(&c->rx)) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    (unsigned char *)"too large", 9);
		return -1;
	}
	if (!lws_is_final_fragment(c->wsi) ||
	    lws_remaining_packet_payload(c->wsi))
		return 0;
	if (is_binance(c->mk))
		bn_control(c, c->rx.p, c->rx.len);
	else
		by_control(c, c->rx.p, c->rx.len);
	buf_reset(&c->rx);
	return 0;
}

/* ---------------------------------------------------------------- */
/* REST */

enum api { API_SPOT, API_FUT, API_BYBIT };

/* The rolling weight of (ip, api), made on first use. */
static struct ipw *
weight_of(struct sim *s, const char *ip, int api)
{
	struct ipw *e, *p;
	size_t i;

	for (i = 0; i < s->nipw; i++)
		if (s->ipw[i].api == api && strcmp(s->ipw[i].ip, ip) == 0)
			return &s->ipw[i];
	p = realloc(s->ipw, (s->nipw + 1) * sizeof *p);
	if (!p)
		die_nomem();
	s->ipw = p;
	e = &s->ipw[s->nipw++];
	memset(e, 0, sizeof *e);
	snprintf(e->ip, sizeof e->ip, "%s", ip);
	e->api = api;
	return e;
}

/* The weight spent in the minute up to second `now`. */
static int64_t
weight_used(const struct ipw *e, int64_t now)
{
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < WEIGHT_WINDOW; i++)
		if (e->sec[i] > now - WEIGHT_WINDOW)
			sum += e->w[i];
	return sum;
}

/* Seconds until `w` more fits under `limit` as old weight expires. */
static int64_t
weight_wait(const struct ipw *e, int64_t now, int64_t w, int64_t limit)
{
	int64_t used = weight_used(e, now), t;
	size_t i;

	for (t = now - WEIGHT_WINDOW + 1; t <= now && used + w > limit; t++)
		for (i = 0; i < WEIGHT_WINDOW; i++)
			if (e->sec[i] == t)
				used -= e->w[i];
	return t - (now - WEIGHT_WINDOW + 1) + 1;
}

/* Add weight to the rolling minute; the minute's total. */
static int64_t
weight_add(struct sim *s, struct ipw *e, int64_t w)
{
	int64_t now = time_now_ms() / 1000, sum;
	size_t i = (size_t)(now % WEIGHT_WINDOW);

	if (e->sec[i] != now) {
		e->sec[i] = now;
		e->w[i] = 0;
	}
	e->w[i] += w;
	sum = weight_used(e, now);
	s->weight_total += w;
	if (sum > s->weight_peak)
		s->weight_peak = sum;
	return sum;
}

/* Headers beyond the common ones, "name:" form. */
struct hdr {
	const char *name;
	char val[32];
};

/* Send the status, headers and c->body (which the caller filled). */
static int
http_send(struct lws *wsi, struct conn *c, unsigned status,
    const struct hdr *h, size_t nh)
{
	unsigned char hb[LWS_PRE + 2048];
	unsigned char *start = hb + LWS_PRE, *p = start;
	unsigned char *end = hb + sizeof hb - 1;
	size_t i;

	if (buf_failed(&c->body))
		die("cannot render a response: %s",
		    strerror(buf_failed(&c->body)));
	if (lws_add_http_common_headers(wsi, status, "application/json",
	    c->body.len, &p, end))
		return -1;
	for (i = 0; i < nh; i++)
		if (lws_add_http_header_by_name(wsi,
		    (const unsigned char *)h[i].name,
		    (const unsigned char *)h[i].val, (int)strlen(h[i].val),
		    &p, end))
			return -1;
	if (lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	c->body_off = 0;
	c->body_busy = 1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int
http_writeable(struct sim *s, struct lws *wsi, struct conn *c)
{
	size_t n = c->body.len - c->body_off;
	int last = n <= HTTP_CHUNK;

	if (!c->body_busy)
		return 0;
	if (!last)
		n = HTTP_CHUNK;
	memcpy(s->chunk + LWS_PRE, c->body.p + c->body_off, n);
	if (lws_write(wsi, s->chunk + LWS_PRE, n,
	    last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
		return -1;
	c->body_off += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	c->body_busy = 0;
	buf_reset(&c->body);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* A URL argument, or NULL. */
static const char *
url_arg(struct sim *s, struct lws *wsi, const char *name)
{
	return lws_get_urlarg_by_name(wsi, name, s->arg, ARG_MAX);
}

/* The limit argument: 1..20 digits, at least 1; -1 when malformed. */
static long
parse_limit(const char *v, long dflt)
{
	long n = 0;
	size_t i;

	if (!v)
		return dflt;
	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' || i >= 9)
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return i && n > 0 ? n : -1;
}

static int64_t
bn_weight(int api, long limit)
{
	if (api == API_SPOT)
		return limit <= 100 ? 5 : limit <= 500 ? 25 :
		    limit <= 1000 ? 50 : 250;
	return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
}

static void
bn_error_body(struct buf *b, int code, const char *msg)
{
	put_key_int(b, "{\"code\":", code);
	buf_adds(b, ",\"msg\":");
	buf_add_jstr(b, msg, strlen(msg));
	buf_addc(b, '}');
}

static unsigned
bn_bad_request(struct conn *c, int code, const char *msg)
{
	bn_error_body(&c->body, code, msg);
	return 400;
}

/* The body of GET /api/v3/depth or /fapi/v1/depth, or an error; the
 * HTTP status and the request's weight. */
static unsigned
bn_depth(struct sim *s, struct lws *wsi, struct conn *c, int api,
    int64_t *weight)
{
	enum mk mk = api == API_SPOT ? MK_BN_SPOT : MK_BN_FUT;
	long limit, max = api == API_SPOT ? 5000 : 1000;
	const char *sym = url_arg(s, wsi, "symbol=");
	struct inst *in;

	if (!sym || !*sym)
		return bn_bad_request(c, -1102, "Mandatory parameter 'symbol' "
		    "was not sent, was empty/null, or malformed.");
	in = find_inst(s, mk, sym, strlen(sym));
	if (!in || strcmp(in->sm->p.symbol, sym) != 0)
		return bn_bad_request(c, -1121, "Invalid symbol.");
	limit = parse_limit(url_arg(s, wsi, "limit="),
	    api == API_SPOT ? 100 : 500);
	if (limit < 0)
		return bn_bad_request(c, -1100, "Illegal characters found in "
		    "parameter 'limit'; legal range is '^[0-9]{1,20}$'.");
	if (limit > max)
		limit = max;
	*weight = bn_weight(api, limit);
	put_key_int(&c->body, "{\"lastUpdateId\":",
	    (int64_t)in->sm->last_id);
	if (api == API_FUT) {
		put_key_int(&c->body, ",\"E\":", ev_time(in->sm->time));
		put_key_int(&c->body, ",\"T\":", ev_time(in->sm->time));
	}
	buf_adds(&c->body, ",\"bids\":");
	put_top(&c->body, in, &in->sm->bid, (size_t)limit);
	buf_adds(&c->body, ",\"asks\":");
	put_top(&c->body, in, &in->sm->ask, (size_t)limit);
	buf_addc(&c->body, '}');
	return 200;
}

static void
by_envelope(struct buf *b, int code, const char *msg)
{
	put_key_int(b, "{\"retCode\":", code);
	buf_adds(b, ",\"retMsg\":");
	buf_add_jstr(b, msg, strlen(msg));
	buf_adds(b, ",\"result\":");
}

static void
by_envelope_end(struct buf *b)
{
	put_key_int(b, ",\"retExtInfo\":{},\"time\":", time_now_ms());
	buf_addc(b, '}');
}

static unsigned
by_error(struct conn *c, const char *msg)
{
	by_envelope(&c->body, 10001, msg);
	buf_adds(&c->body, "{}");
	by_envelope_end(&c->body);
	return 200;
}

/* GET /v5/market/orderbook?category=linear|spot&symbol=S&limit=N */
static unsigned
by_orderbook(struct sim *s, struct lws *wsi, struct conn *c)
{
	const char *cat = url_arg(s, wsi, "category=");
	enum mk mk;
	const char *sym;
	struct inst *in;
	long limit;
	int64_t now;

	if (cat && strcmp(cat, "linear") == 0)
		mk = MK_BY_LINEAR;
	else if (cat && strcmp(cat, "spot") == 0)
		mk = MK_BY_SPOT;
	else
		return by_error(c, "Illegal category");
	sym = url_arg(s, wsi, "symbol=");
	in = sym ? find_inst(s, mk, sym, strlen(sym)) : NULL;
	if (!in || strcmp(in->sm->p.symbol, sym) != 0)
		return by_error(c, "The requested symbol is invalid.");
	limit = parse_limit(url_arg(s, wsi, "limit="),
	    mk == MK_BY_SPOT ? 1 : 25);
	if (limit < 0)
		return by_error(c, "Invalid limit");
	if (limit > 1000)
		limit = 1000;
	now = ev_time(in->sm->time);
	by_envelope(&c->body, 0, "OK");
	put_symbol(&c->body, "{\"s\":", in);
	buf_adds(&c->body, ",\"b\":");
	put_top(&c->body, in, &in->sm->bid, (size_t)limit);
	buf_adds(&c->body, ",\"a\":");
	put_top(&c->body, in, &in->sm->ask, (size_t)limit);
	put_key_int(&c->body, ",\"ts\":", now);
	put_key_int(&c->body, ",\"u\":", (int64_t)in->sm->last_id);
	put_key_int(&c->body, ",\"seq\":", (int64_t)in->sm->seq);
	put_key_int(&c->body, ",\"cts\":", now);
	buf_addc(&c->body, '}');
	by_envelope_end(&c->body);
	return 200;
}

enum rest_ep { EP_DEPTH, EP_PING, EP_TIME, EP_BY_BOOK, EP_BY_TIME };

static const struct {
	const char *path;
	enum rest_ep ep;
	int api;
	enum mk mk;
} rest_paths[] = {
	{ "/api/v3/depth", EP_DEPTH, API_SPOT, MK_BN_SPOT },
	{ "/api/v3/ping", EP_PING, API_SPOT, MK_BN_SPOT },
	{ "/api/v3/time", EP_TIME, API_SPOT, MK_BN_SPOT },
	{ "/fapi/v1/depth", EP_DEPTH, API_FUT, MK_BN_FUT },
	{ "/fapi/v1/ping", EP_PING, API_FUT, MK_BN_FUT },
	{ "/fapi/v1/time", EP_TIME, API_FUT, MK_BN_FUT },
	{ "/v5/market/orderbook", EP_BY_BOOK, API_BYBIT, MK_BY_LINEAR },
	{ "/v5/market/time", EP_BY_TIME, API_BYBIT, MK_BY_LINEAR },
};

/* --rest-429 then --rest-418: the status of this request, or 0. */
static unsigned
rest_fault(struct sim *s, struct conn *c, int api, struct hdr *h)
{
	const struct opts *o = s->o;
	unsigned st;

	if (s->rest_faulted >= o->rest_429 + o->rest_418)
		return 0;
	st = s->rest_faulted < o->rest_429 ? 429 : 418;
	s->rest_faulted++;
	h->name = "retry-after:";
	snprintf(h->val, sizeof h->val, "%ld", o->retry_after);
	if (api == API_BYBIT) {
		by_envelope(&c->body, 10006, "Too many visits!");
		buf_adds(&c->body, "{}");
		by_envelope_end(&c->body);
	} else if (st == 429) {
		bn_error_body(&c->body, -1003, "Too many requests; current "
		    "limit of IP(127.0.0.1) request weight per minute is "
		    "6000. Please use WebSocket Streams for live updates to "
		    "avoid polling the API.");
	} else {
		bn_error_body(&c->body, -1003, "Way too many requests; IP "
		    "banned. Please use WebSocket Streams for live updates "
		    "to avoid bans.");
	}
	return st;
}

static unsigned
rest_answer(struct sim *s, struct lws *wsi, struct conn *c, size_t ep,
    int64_t *weight)
{
	struct buf *b = &c->body;
	int api = rest_paths[ep].api;

	switch (rest_paths[ep].ep) {
	case EP_DEPTH:
		return bn_depth(s, wsi, c, api, weight);
	case EP_PING:
		*weight = 1;
		buf_adds(b, "{}");
		return 200;
	case EP_TIME:
		*weight = 1;
		put_key_int(b, "{\"serverTime\":", time_now_ms());
		buf_addc(b, '}');
		return 200;
	case EP_BY_BOOK:
		return by_orderbook(s, wsi, c);
	default:
		by_envelope(b, 0, "OK");
		put_key_int(b, "{\"timeSecond\":\"", time_now_ms() / 1000);
		put_key_int(b, "\",\"timeNano\":\"", time_now_ms() * 1000000);
		buf_adds(b, "\"}");
		by_envelope_end(b);
		return 200;
	}
}

/*
 * Binance's IP weight limit: a request that would pass it is answered
 * 429 with the seconds until it fits; a client that keeps asking during
 * that time is banned (418) for BAN_MS -- unless its requests came
 * within --limit-grace of the 429 (none: 0), when they may have been on their way
 * before it arrived: those get 429 too.  The status to answer instead
 * of st (and its body and Retry-After in c->body and h), or st.
 */
static unsigned
weight_limit(struct sim *s, struct conn *c, struct ipw *e, int64_t weight,
    unsigned st, struct hdr *h)
{
	int64_t now_ms = time_now_ms(), now = now_ms / 1000, wait;
	int64_t limit = e->api == API_FUT ? s->o->weight_limit_fut :
	    s->o->weight_limit_spot;

	if (!limit)
		return st;
	if (e->banned_until_ms <= now_ms && e->limited_until_ms > now_ms &&
	    (now_ms - e->limited_at_ms > s->o->limit_grace_ms ||
	    !s->o->limit_grace_ms)) {
		e->banned_until_ms = now_ms + BAN_MS;
		e->limited_until_ms = 0;
	}
	if (e->banned_until_ms <= now_ms &&
	    weight_used(e, now) + weight <= limit)
		return st;
	buf_reset(&c->body);
	h->name = "retry-after:";
	if (e->banned_until_ms > now_ms) {
		s->limit_418++;
		snprintf(h->val, sizeof h->val, "%lld",
		    (long long)((e->banned_until_ms - now_ms + 999) / 1000));
		bn_error_body(&c->body, -1003, "Way too many requests; IP "
		    "banned. Please use WebSocket Streams for live updates "
		    "to avoid bans.");
		return 418;
	}
	wait = weight_wait(e, now, weight, limit);
	if (e->limited_until_ms <= now_ms)
		e->limited_at_ms = now_ms;
	e->limited_until_ms = now_ms + wait * 1000;
	s->limit_429++;
	snprintf(h->val, sizeof h->val, "%lld", (long long)wait);
	bn_error_body(&c->body, -1003, "Too many requests; current limit of "
	    "IP(127.0.0.1) request weight per minute is exceeded. Please use "
	    "WebSocket Streams for live updates to avoid polling the API.");
	return 429;
}

static int
http_request(struct sim *s, struct lws *wsi, struct conn *c, const char *path)
{
	struct hdr h[3];
	size_t i, nh = 0;
	unsigned st = 0;
	int64_t weight = 0, used;
	struct ipw *e;
	char ip[64];

	s->rest_n++;
	buf_reset(&c->body);
	for (i = 0; i < sizeof rest_paths / sizeof rest_paths[0]; i++)
		if (strcmp(path, rest_paths[i].path) == 0 &&
		    (rest_paths[i].api == API_BYBIT ||
		    (s->o->markets & (1u << rest_paths[i].mk))))
			break;
	if (i == sizeof rest_paths / sizeof rest_paths[0]) {
		bn_error_body(&c->body, -1, "Not found.");
		return http_send(wsi, c, 404, h, 0);
	}
	if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
		bn_error_body(&c->body, -1, "Method not allowed.");
		return http_send(wsi, c, 405, h, 0);
	}
	st = rest_fault(s, c, rest_paths[i].api, &h[0]);
	if (st)
		nh = 1;
	else
		st = rest_answer(s, wsi, c, i, &weight);
	if (rest_paths[i].api != API_BYBIT) {
		lws_get_peer_simple(wsi, ip, sizeof ip);
		e = weight_of(s, ip, rest_paths[i].api);
		if (st == 200) {
			st = weight_limit(s, c, e, weight, st, &h[nh]);
			if (st != 200) {
				nh++;
				weight = 0;
			}
		}
		used = weight_add(s, e, weight);
		h[nh].name = "x-mbx-used-weight-1m:";
		snprintf(h[nh].val, sizeof h[nh].val, "%lld", (long long)used);
		nh++;
	}
	if (s->o->verbose)
		warn("rest %s: %u, weight %lld", path, st, (long long)weight);
	return http_send(wsi, c, st, h, nh);
}

/* ---------------------------------------------------------------- */
/* The libwebsockets callback */

static void
conn_bind(struct sim *s, struct conn *c)
{
	if (c->sim)
		return;
	c->sim = s;
	c->id = ++s->next_conn_id;
	buf_init(&c->rx, RX_MAX);
	buf_init(&c->body, 0);
}

static int
sim_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct sim *s = lws_context_user(lws_get_context(wsi));
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		conn_bind(s, c);
		if (ws_target(s, wsi, c) < 0) {
			conn_release(s, c);
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND,
			    NULL);
			return -1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		conn_established(s, c, wsi);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return conn_writeable(c);
	case LWS_CALLBACK_RECEIVE:
		return conn_receive(c, in, len);
	case LWS_CALLBACK_RECEIVE_PONG:
		conn_pong(c, in, len);
		return 0;
	case LWS_CALLBACK_TIMER:
		return c && c->sim ? conn_timer(c) : 0;
	case LWS_CALLBACK_HTTP:
		conn_bind(s, c);
		return http_request(s, wsi, c, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c ? http_writeable(s, wsi, c) : 0;
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (c && c->sim)
			conn_release(s, c);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{ "mkt-sim", sim_callback, sizeof(struct conn), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---------------------------------------------------------------- */
/* Start and stop */

static void
lws_log(int level, const char *line)
{
	size_t n = strlen(line);

	(void)level;
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	fprintf(stderr, "%s: lws: %.*s\n", err_progname(), (int)n, line);
}

/* Listen on 127.0.0.1, with TLS on --tls. */
static void
sim_listen(struct sim *s)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof info);
	info.port = s->o->port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.user = s;
	info.vhost_name = "default";
	info.server_string = "mkt-sim";
	info.max_http_header_data = ARG_MAX;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
	    LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (s->o->tls) {
		tls_setup(s->o);
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = tls_files.cert;
		info.ssl_private_key_filepath = tls_files.key;
		/* HTTP/1.1 only: libwebsockets 4.1 loses HTTP/2 response
		 * bodies past the first flow control window. */
		info.alpn = "http/1.1";
	}
	s->ctx = lws_create_context(&info);
	/* The vhost has loaded the key: no need to keep it on disk. */
	tls_remove_files();
	if (!s->ctx)
		die("cannot listen on 127.0.0.1:%d", s->o->port);
	vh = lws_get_vhost_by_name(s->ctx, "default");
	if (!vh || lws_get_vhost_listen_port(vh) <= 0)
		die("cannot listen on 127.0.0.1:%d", s->o->port);
	s->start_ms = time_now_ms();
}

static void
announce(struct sim *s)
{
	int port = lws_get_vhost_listen_port(lws_get_vhost_by_name(s->ctx,
	    "default"));
	char line[32];
	int n;

	fprintf(stderr, "%s: listening on 127.0.0.1:%d%s\n", err_progname(),
	    port, s->o->tls ? " (TLS)" : "");
	if (s->o->port_file) {
		n = snprintf(line, sizeof line, "%d\n", port);
		write_file_durably(s->o->port_file, line, (size_t)n);
	}
}

static void
write_truth(struct sim *s)
{
	struct buf b;
	size_t i;

	if (!s->o->truth)
		return;
	buf_init(&b, 0);
	for (i = 0; i < s->ninst; i++)
		simmarket_render_book(s->inst[i].sm, &b);
	if (buf_failed(&b))
		die_nomem();
	write_file_durably(s->o->truth, b.p, b.len);
	buf_free(&b);
}

static void
sim_init(struct sim *s, const struct opts *o)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	buf_init(&s->out, 256 << 20);
	s->arg = malloc(ARG_MAX);
	s->path = malloc(ARG_MAX);
	s->chunk = malloc(LWS_PRE + HTTP_CHUNK);
	if (!s->arg || !s->path || !s->chunk)
		die_nomem();
	sim_markets(s);
}

static void
sim_free(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->ninst; i++)
		simmarket_free(s->inst[i].sm);
	free(s->inst);
	simreplay_free(&s->rp);
	free(s->ipw);
	free(s->arg);
	free(s->path);
	free(s->chunk);
	buf_free(&s->out);
}

static void
sim_run(struct sim *s)
{
	s->next_step_us = lws_now_usecs();
	lws_sul_schedule(s->ctx, 0, &s->step_sul, on_step, 1);
	lws_sul_schedule(s->ctx, 0, &s->house_sul, on_house, HOUSE_US);
	while (!s->stop) {
		if (lws_service(s->ctx, 0) < 0 && !sig_stop_requested())
			die("event loop failed");
		if (sig_stop_requested())
			s->stop = 1;
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct sim s;

	err_init("mkt-sim");
	parse_opts(argc, argv, &o);
	if (sig_init() < 0)
		die_errno("cannot install signal handlers");
	if (o.hold_at && signal(SIGUSR1, on_usr1) == SIG_ERR)
		die_errno("cannot install signal handlers");
	lws_set_log_level(o.verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE :
	    LLL_ERR, lws_log);
	sim_init(&s, &o);
	sim_listen(&s);
	announce(&s);
	sim_run(&s);
	write_truth(&s);
	fprintf(stderr, "%s: served %llu REST requests, weight %lld, "
	    "peak weight/min %lld\n", err_progname(),
	    (unsigned long long)s.rest_n, (long long)s.weight_total,
	    (long long)s.weight_peak);
	if (s.limit_429 || s.limit_418)
		fprintf(stderr, "%s: weight limit: %llu answered 429, %llu "
		    "answered 418\n", err_progname(),
		    (unsigned long long)s.limit_429,
		    (unsigned long long)s.limit_418);
	if (s.dropped)
		fprintf(stderr, "%s: dropped %llu slow readers\n",
		    err_progname(), (unsigned long long)s.dropped);
	lws_context_destroy(s.ctx);
	sim_free(&s);
	return 0;
}
