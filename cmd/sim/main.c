/*
 * mkt-sim: a local exchange (mkt-sim(1)).  Serves the Binance spot,
 * Binance USD-M futures and Bybit v5 public WebSocket and REST market
 * data protocols on 127.0.0.1 from deterministic generated markets
 * (lib/sim/simmarket), or from a file of mkt events replayed with its
 * own ids and decimals (lib/sim/simreplay), with fault injection for
 * testing clients.
 *
 * main.c: main, the options and the usage; the port and truth files.
 * sim.h says how the other parts fit together.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "io/sig.h"
#include "prog/err.h"
#include "prog/run.h"

#include "sim.h"

static const char usage_text[] =
    "usage: mkt-sim [--port N] [--port-file FILE] [--tls] [--cert-file FILE]\n"
    "               [--symbols LIST] [--markets LIST] [--tokens LIST]\n"
    "               [--seed S] [--rate N]\n"
    "               [--levels N] [--offset MARKET[:SYMBOL]=BPS]\n"
    "               [--messages N] [--wait-clients N] [--wait-snapshots N]\n"
    "               [--duration DUR] [--truth FILE] [--metrics FILE]\n"
    "               [--replay FILE] [--replay-speed X]\n"
    "               [--ping DUR] [--pong-timeout DUR] [--close-every N]\n"
    "               [--gap-at K] [--gap-symbol SYM] [--garbage-at K]\n"
    "               [--bad-types-at K] [--huge-at K] [--huge-size BYTES]\n"
    "               [--bybit-snapshot-at K]\n"
    "               [--shutdown-at K] [--shutdown-grace DUR]\n"
    "               [--shutdown-lag N]\n"
    "               [--rest-429 N] [--rest-418 N]\n"
    "               [--retry-after SECS] [--weight-limit N]\n"
    "               [--limit-grace DUR] [--hold-at K] [--stall]\n"
    "               [--key-file FILE] [--fee PPM] [--order-limit MARKET=N]\n"
    "               [--order-fault KIND=PCT] [--fault-seed S]\n"
    "               [--ack-delay DUR] [--stream-fault KIND=PCT] [--no-pong]\n"
    "               [-v]\n";

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
	    "                       bybit:linear, bybit:spot (default all these),\n"
	    "                       polymarket:clob\n"
	    "  --tokens LIST        Polymarket token ids (default one market's YES\n"
	    "                       and NO)\n"
	    "  --seed S             market seed (default 1)\n"
	    "  --rate N             depth updates per second per market "
	    "(default 10;\n"
	    "                       0: as fast as the readers take them)\n"
	    "  --levels N           levels a side (default 8000)\n"
	    "  --offset MARKET=BPS  prices of MARKET (binance:spot ...) BPS "
	    "basis points\n"
	    "                       above the others' (-5000 to 5000; "
	    "repeatable);\n"
	    "                       MARKET:SYMBOL=BPS moves one symbol's\n"
	    "  --messages N         stop the markets after N updates, keep "
	    "serving\n"
	    "  --wait-clients N     start the markets once N WebSockets have "
	    "subscribed\n"
	    "  --wait-snapshots N   and N REST order books have been served\n"
	    "  --duration DUR       exit after DUR\n"
	    "  --truth FILE         write the final books there at exit\n"
	    "  --metrics FILE       the counters in Prometheus text format, "
	    "rewritten\n"
	    "                       once listening, every 15s and at exit\n"
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
	    "  --shutdown-grace DUR  ... that long after it (default 1s)\n"
	    "  --shutdown-lag N     ... and hold its messages back until its "
	    "replacement has\n"
	    "                       been sent N\n"
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
	    "  --hold-at K          hold the markets after K updates (0: "
	    "before the first)\n"
	    "                       until SIGUSR1\n"
	    "  --stall              accept WebSockets and never send\n"
	    "  --no-pong            leave Polymarket's PING unanswered\n"
	    "  --key-file FILE      the API key and secret (mode 0600; "
	    "default: MKT_API_KEY\n"
	    "                       and MKT_API_SECRET, else the test pair)\n"
	    "  --fee PPM            fee of every fill, parts per million "
	    "(default 1000)\n"
	    "  --order-limit MARKET=N  new orders per window (Binance 10 s, "
	    "Bybit 1 s)\n"
	    "  --order-fault KIND=PCT  hang, close, 5xx, timeout or reject "
	    "PCT %% of new\n"
	    "                       orders\n"
	    "  --fault-seed S       seed of the fault draws (default: --seed)\n"
	    "  --ack-delay DUR      answer new orders that late\n"
	    "  --stream-fault KIND=PCT  lose or drop: PCT %% of user stream "
	    "events lost,\n"
	    "                       or their streams closed instead\n"
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

/* --tokens: Polymarket token ids, digits, up to 78 of them. */
static void
parse_tokens(struct opts *o, char *list)
{
	char *tok, *save = NULL;
	size_t i, n;

	o->ntok = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		if (o->ntok == SYMBOLS_MAX)
			die_usage("too many tokens (at most %d)", SYMBOLS_MAX);
		n = strspn(tok, "0123456789");
		if (n == 0 || tok[n] != '\0' || n > 78)
			die_usage("bad token '%s': want a token id, 1 to 78 "
			    "digits", tok);
		for (i = 0; i < o->ntok; i++)
			if (strcmp(o->tokens[i], tok) == 0)
				die_usage("token '%s' given twice", tok);
		o->tokens[o->ntok++] = tok;
	}
	if (!o->ntok)
		die_usage("--tokens: no token given");
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

/* --offset MARKET=BPS or MARKET:SYMBOL=BPS: a --markets token (and a
 * symbol), a whole number of basis points, -5000 to 5000. */
static void
parse_offset(struct opts *o, char *arg)
{
	char *eq = strchr(arg, '=');
	char *end, *sym = NULL;
	size_t n;
	long v;
	int i;

	n = eq ? (size_t)(eq - arg) : 0;
	for (i = 0; eq && i < MK_COUNT; i++) {
		size_t k = strlen(mk_info[i].name);

		if (strncmp(arg, mk_info[i].name, k) != 0)
			continue;
		if (k == n)
			break;
		if (k < n && arg[k] == ':' && k + 1 < n) {
			sym = arg + k + 1;
			break;
		}
	}
	if (!eq || i == MK_COUNT)
		die_usage("bad --offset '%s': want MARKET[:SYMBOL]=BPS, MARKET "
		    "one of binance:spot, binance:futures, bybit:linear, "
		    "bybit:spot", arg);
	errno = 0;
	v = strtol(eq + 1, &end, 10);
	if (errno || end == eq + 1 || *end || eq[1] == ' ' || eq[1] == '+' ||
	    v < -5000 || v > 5000)
		die_usage("bad --offset '%s': want basis points from -5000 to "
		    "5000", arg);
	o->offset_given = 1;
	if (!sym) {
		o->offset_bps[i] = (int)v;
		return;
	}
	if (o->nsym_offset == SYMBOLS_MAX)
		die_usage("too many --offset MARKET:SYMBOL");
	*eq = '\0';		/* the symbol ends there: argv is ours */
	o->sym_offset[o->nsym_offset].mk = i;
	o->sym_offset[o->nsym_offset].symbol = sym;
	o->sym_offset[o->nsym_offset++].bps = (int)v;
}

/* --order-limit MARKET=N */
static void
parse_order_limit(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	int i;

	for (i = 0; eq && i < MK_COUNT; i++)
		if (strlen(mk_info[i].name) == (size_t)(eq - arg) &&
		    strncmp(arg, mk_info[i].name, (size_t)(eq - arg)) == 0)
			break;
	if (!eq || i == MK_COUNT)
		die_usage("bad --order-limit '%s': want MARKET=N, MARKET one "
		    "of binance:spot, binance:futures, bybit:linear, "
		    "bybit:spot", arg);
	o->order_limit[i] = (int64_t)parse_u64(eq + 1, "--order-limit",
	    1000000);
	if (!o->order_limit[i])
		die_usage("bad --order-limit '%s': want at least 1", arg);
}

/* --stream-fault lose=PCT or drop=PCT */
static void
parse_stream_fault(struct opts *o, const char *arg)
{
	if (strncmp(arg, "lose=", 5) == 0)
		o->stream_lose = (unsigned)parse_u64(arg + 5, "--stream-fault",
		    100);
	else if (strncmp(arg, "drop=", 5) == 0)
		o->stream_drop = (unsigned)parse_u64(arg + 5, "--stream-fault",
		    100);
	else
		die_usage("bad --stream-fault '%s': want lose=PCT or drop=PCT",
		    arg);
	if (o->stream_lose + o->stream_drop > 100)
		die_usage("bad --stream-fault '%s': the faults add up to more "
		    "than 100 %%", arg);
}

/* --order-fault KIND=PCT */
static void
parse_order_fault(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned sum = 0;
	int i;

	for (i = 0; eq && i < FAULT_COUNT; i++)
		if (strlen(fault_names[i]) == (size_t)(eq - arg) &&
		    strncmp(arg, fault_names[i], (size_t)(eq - arg)) == 0)
			break;
	if (!eq || i == FAULT_COUNT)
		die_usage("bad --order-fault '%s': want KIND=PCT, KIND one "
		    "of hang, close, 5xx, timeout, reject", arg);
	o->fault_pct[i] = (unsigned)parse_u64(eq + 1, "--order-fault", 100);
	for (i = 0; i < FAULT_COUNT; i++)
		sum += o->fault_pct[i];
	if (sum > 100)
		die_usage("bad --order-fault '%s': the faults add up to more "
		    "than 100 %%", arg);
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
			    "binance:futures, bybit:linear, bybit:spot or "
			    "polymarket:clob", tok);
		o->markets |= 1u << i;
	}
	if (!o->markets)
		die_usage("--markets: no market given");
}

enum {
	OPT_PORT = 256, OPT_PORT_FILE, OPT_SYMBOLS, OPT_MARKETS, OPT_SEED,
	OPT_RATE, OPT_LEVELS, OPT_MESSAGES, OPT_DURATION, OPT_TRUTH,
	OPT_METRICS, OPT_PING, OPT_PONG, OPT_CLOSE_EVERY, OPT_GAP_AT,
	OPT_GARBAGE_AT,
	OPT_SNAPSHOT_AT, OPT_BAD_TYPES_AT, OPT_HUGE_AT, OPT_HUGE_SIZE,
	OPT_SHUTDOWN_AT, OPT_REST_429, OPT_REST_418, OPT_RETRY_AFTER,
	OPT_WEIGHT_LIMIT,
	OPT_STALL, OPT_VERSION, OPT_WAIT_CLIENTS, OPT_WAIT_SNAPSHOTS, OPT_TLS,
	OPT_CERT_FILE,
	OPT_GAP_SYMBOL, OPT_REPLAY, OPT_REPLAY_SPEED, OPT_LIMIT_GRACE,
	OPT_SHUTDOWN_GRACE, OPT_SHUTDOWN_LAG,
	OPT_HOLD_AT, OPT_OFFSET,
	OPT_KEY_FILE, OPT_FEE, OPT_ORDER_LIMIT, OPT_ORDER_FAULT, OPT_FAULT_SEED,
	OPT_ACK_DELAY, OPT_STREAM_FAULT, OPT_TOKENS, OPT_NO_PONG,
};

static const struct option longopts[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "symbols", required_argument, NULL, OPT_SYMBOLS },
	{ "markets", required_argument, NULL, OPT_MARKETS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "levels", required_argument, NULL, OPT_LEVELS },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "messages", required_argument, NULL, OPT_MESSAGES },
	{ "wait-clients", required_argument, NULL, OPT_WAIT_CLIENTS },
	{ "wait-snapshots", required_argument, NULL, OPT_WAIT_SNAPSHOTS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "truth", required_argument, NULL, OPT_TRUTH },
	{ "metrics", required_argument, NULL, OPT_METRICS },
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
	{ "shutdown-grace", required_argument, NULL, OPT_SHUTDOWN_GRACE },
	{ "shutdown-lag", required_argument, NULL, OPT_SHUTDOWN_LAG },
	{ "hold-at", required_argument, NULL, OPT_HOLD_AT },
	{ "stall", no_argument, NULL, OPT_STALL },
	{ "tokens", required_argument, NULL, OPT_TOKENS },
	{ "no-pong", no_argument, NULL, OPT_NO_PONG },
	{ "key-file", required_argument, NULL, OPT_KEY_FILE },
	{ "fee", required_argument, NULL, OPT_FEE },
	{ "order-limit", required_argument, NULL, OPT_ORDER_LIMIT },
	{ "order-fault", required_argument, NULL, OPT_ORDER_FAULT },
	{ "fault-seed", required_argument, NULL, OPT_FAULT_SEED },
	{ "ack-delay", required_argument, NULL, OPT_ACK_DELAY },
	{ "stream-fault", required_argument, NULL, OPT_STREAM_FAULT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void
opts_defaults(struct opts *o)
{
	static char default_symbols[] = "BTCUSDT,ETHUSDT";
	/* One market's YES and NO tokens. */
	static char default_tokens[] =
	    "71321045679252212594626385532706912750332728571942532289631379312455583992563,"
	    "52114319501245915516055106046884209969926127482827954674443846427813813222426";

	memset(o, 0, sizeof *o);
	parse_symbols(o, default_symbols);
	parse_tokens(o, default_tokens);
	/* Polymarket only when named: its tokens are not the symbols. */
	o->markets = ((1u << MK_COUNT) - 1) & ~(1u << MK_PM_CLOB);
	o->seed = 1;
	o->rate = 10;
	o->levels = 8000;
	o->ping_ms = 20000;
	o->pong_ms = 60000;
	o->retry_after = 1;
	o->weight_limit_spot = 6000;
	o->weight_limit_fut = 2400;
	o->limit_grace_ms = LIMIT_GRACE_MS;
	o->shutdown_grace_ms = SHUTDOWN_GRACE_MS;
	o->huge_size = 2u << 20;
	o->fee_ppm = 1000;
}

/* The options of the private side: 1 when c was one of them. */
static int
parse_order_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_KEY_FILE:
		o->key_file = arg;
		return 1;
	case OPT_FEE:
		o->fee_ppm = (int64_t)parse_u64(arg, "--fee", 100000);
		return 1;
	case OPT_ORDER_LIMIT:
		parse_order_limit(o, arg);
		return 1;
	case OPT_ORDER_FAULT:
		parse_order_fault(o, arg);
		return 1;
	case OPT_FAULT_SEED:
		o->fault_seed = parse_u64(arg, "--fault-seed", UINT64_MAX);
		o->fault_seed_given = 1;
		return 1;
	case OPT_ACK_DELAY:
		o->ack_delay_ms = run_duration(arg, "--ack-delay");
		return 1;
	case OPT_STREAM_FAULT:
		parse_stream_fault(o, arg);
		return 1;
	default:
		return 0;
	}
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
		{ OPT_WAIT_SNAPSHOTS, "--wait-snapshots", &o->wait_snapshots },
		{ OPT_CLOSE_EVERY, "--close-every", &o->close_every },
		{ OPT_GAP_AT, "--gap-at", &o->gap_at },
		{ OPT_GARBAGE_AT, "--garbage-at", &o->garbage_at },
		{ OPT_BAD_TYPES_AT, "--bad-types-at", &o->bad_types_at },
		{ OPT_HUGE_AT, "--huge-at", &o->huge_at },
		{ OPT_SNAPSHOT_AT, "--bybit-snapshot-at", &o->snapshot_at },
		{ OPT_SHUTDOWN_AT, "--shutdown-at", &o->shutdown_at },
		{ OPT_SHUTDOWN_LAG, "--shutdown-lag", &o->shutdown_lag },
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
	if (c == OPT_HOLD_AT)
		o->hold_given = 1;
	if (parse_count_opt(o, c, arg) || parse_order_opt(o, c, arg))
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
	case OPT_TOKENS:
		parse_tokens(o, arg);
		o->tokens_given = 1;
		break;
	case OPT_NO_PONG:
		o->no_pong = 1;
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
	case OPT_OFFSET:
		parse_offset(o, arg);
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
	case OPT_METRICS:
		if (!arg[0])
			die_usage("bad --metrics '': want a file");
		o->metrics = arg;
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
	case OPT_SHUTDOWN_GRACE:
		o->shutdown_grace_ms = run_duration(arg, "--shutdown-grace");
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
	if (o->replay && (o->seed_given || o->levels_given ||
	    o->offset_given))
		die_usage("--seed, --levels and --offset do not apply to "
		    "--replay");
	if (o->replay_speed && !o->replay)
		die_usage("--replay-speed needs --replay");
	if (o->replay_speed && o->rate_given)
		die_usage("--rate and --replay-speed exclude each other");
	if (o->replay_speed && o->hold_at)
		die_usage("--replay-speed takes only --hold-at 0");
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
void
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
		if (simmarket_render_book(s->inst[i].sm, &b) < 0)
			die("cannot write '%s': %s: a price does not fit a "
			    "decimal", s->o->truth, s->inst[i].sm->p.symbol);
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
	orders_init(s);
}

static void
sim_free(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->ninst; i++)
		simmarket_free(s->inst[i].sm);
	orders_free(s);
	free(s->inst);
	simreplay_free(&s->rp);
	free(s->ipw);
	free(s->arg);
	free(s->path);
	free(s->chunk);
	buf_free(&s->out);
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
	if (o.hold_given && signal(SIGUSR1, on_usr1) == SIG_ERR)
		die_errno("cannot install signal handlers");
	lws_set_log_level(o.verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE :
	    LLL_ERR, lws_log);
	sim_init(&s, &o);
	sim_listen(&s);
	announce(&s);
	sim_metrics_start(&s);
	sim_run(&s);
	sim_metrics_stop(&s);
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
	orders_report(&s);
	if (s.dropped)
		fprintf(stderr, "%s: dropped %llu slow readers\n",
		    err_progname(), (unsigned long long)s.dropped);
	sim_close(&s);
	sim_free(&s);
	return 0;
}
