/*
 * gen-events: numbered, varied events for the journal tests.
 *
 *	gen-events [--events N] [--run R] [--seed S] [--bad-every K]
 *	           [--valid FILE] [--time T0] [--step MS] [--rate N]
 *
 * Writes N events (0: without end, until the reader leaves) on standard
 * output, one JSON object a line, 100 to 300 bytes each: trades, depth,
 * tickers, book, status and an unknown type, over two venues, three
 * markets and a dozen symbols, most with "time" and "recv", some without
 * (and a symbol with an escaped character now and then).  Every event
 * carries "run":R and "n":I, I counting the valid events from 0, so a
 * checker can tell which were journaled.  --bad-every K makes every K-th
 * line a bad one (not JSON, not an object, no "type", "type" not a
 * string); --valid FILE also writes the valid lines alone to FILE.
 * --time and --step: the first event's "time" (epoch ms) and the most
 * it grows from one event to the next.  --rate N: at most N events a
 * second, written in bursts of 100.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prog/err.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(next_rand() % n);
}

static long long
num(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		die_usage("bad %s '%s'", what, s);
	return v;
}

static const char *const venues[] = { "binance", "bybit" };
static const char *const markets[] = { "spot", "futures", "linear" };
static const char *const symbols[] = {
	"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT",
	"BNBUSDT", "LTCUSDT", "LINKUSDT", "AVAXUSDT", "DOTUSDT", "TRXUSDT",
};

static const char *const bad[] = {
	"this is not json",
	"{\"type\":\"trade\",\"venue\":\"binance\"",
	"[1,2,3]",
	"{\"venue\":\"binance\",\"symbol\":\"BTCUSDT\"}",
	"{\"type\":5,\"venue\":\"binance\"}",
	"{\"type\":\"trade\",\"price\":01}",
	"",
};

/* One valid event numbered n into line (cap bytes); its length. */
static int
event(char *line, size_t cap, long long run, long long n, long long t)
{
	const char *venue = venues[pick(2)];
	const char *market = markets[pick(3)];
	const char *sym = symbols[pick(12)];
	char head[256], tm[64] = "";
	unsigned kind = pick(20);
	long long px = 1000000 + pick(100000), q = 1 + pick(1000000);
	int k;

	if (pick(10) != 0)
		snprintf(tm, sizeof tm, ",\"time\":%lld,\"recv\":%lld", t,
		    t * 1000 + 250 + pick(5000));
	if (pick(50) == 0)
		sym = "BTC\\u002fUSDT";
	snprintf(head, sizeof head, "\"venue\":\"%s\",\"market\":\"%s\","
	    "\"symbol\":\"%s\"%s,\"run\":%lld,\"n\":%lld", venue, market, sym,
	    tm, run, n);
	if (kind < 7)
		return snprintf(line, cap, "{\"type\":\"trade\",%s,\"id\":%lld,"
		    "\"price\":%lld.%02lld,\"qty\":0.%06lld,\"side\":\"%s\"}",
		    head, n * 7 + 1, px / 100, px % 100, q,
		    pick(2) ? "buy" : "sell");
	if (kind < 13) {
		int len = snprintf(line, cap, "{\"type\":\"depth\",%s,"
		    "\"first_id\":%lld,\"last_id\":%lld,\"bids\":[", head,
		    n * 3, n * 3 + 2);
		int levels = 1 + (int)pick(6);

		for (k = 0; k < levels; k++)
			len += snprintf(line + len, cap - len,
			    "%s[\"%lld.%02d\",\"%u.%04u\"]", k ? "," : "",
			    px / 100 - k, (int)pick(100), pick(20),
			    pick(10000));
		len += snprintf(line + len, cap - len, "],\"asks\":[[\"%lld."
		    "%02d\",\"0\"]]}", px / 100 + 1, (int)pick(100));
		return len;
	}
	if (kind < 16)
		return snprintf(line, cap, "{\"type\":\"ticker\",%s,"
		    "\"bid\":%lld.5,\"bid_qty\":%lld,\"ask\":%lld.6,"
		    "\"ask_qty\":%u,\"last_id\":%lld}", head, px / 100, q % 97,
		    px / 100, pick(50) + 1, n * 3 + 1);
	if (kind < 18)
		return snprintf(line, cap, "{\"type\":\"book\",%s,\"last_id\":"
		    "%lld,\"bids\":[[%lld,1],[%lld,2]],\"asks\":[[%lld,3]]}",
		    head, n, px, px - 1, px + 1);
	if (kind < 19)
		return snprintf(line, cap, "{\"type\":\"status\",\"source\":"
		    "\"mkt-feed\",\"state\":\"connected\",%s,\"reason\":"
		    "\"reconnect\",\"note\":\"caf\\u00e9 \\\"quoted\\\"\"}",
		    head);
	/* An unknown type without venue/market/symbol. */
	return snprintf(line, cap, "{\"type\":\"kline\",\"run\":%lld,"
	    "\"n\":%lld%s,\"open\":\"%lld.1\",\"close\":\"%lld.2\","
	    "\"interval\":\"1m\",\"pad\":\"%.*s\"}", run, n, tm, px, px,
	    (int)pick(120), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxx");
}

int
main(int argc, char **argv)
{
	enum { OPT_EVENTS = 256, OPT_RUN, OPT_SEED, OPT_BAD, OPT_VALID,
	    OPT_TIME, OPT_STEP, OPT_RATE };
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, OPT_EVENTS },
		{ "run", required_argument, NULL, OPT_RUN },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "bad-every", required_argument, NULL, OPT_BAD },
		{ "valid", required_argument, NULL, OPT_VALID },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ NULL, 0, NULL, 0 },
	};
	long long events = 1000, run = 0, bad_every = 0, t = 1700000000000LL;
	long long step = 7, n = 0, lineno = 0, rate = 0;
	const char *valid_path = NULL;
	FILE *valid = NULL;
	char line[2048];
	int c;

	err_init("gen-events");
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_EVENTS:
			events = num(optarg, "--events");
			break;
		case OPT_RUN:
			run = num(optarg, "--run");
			break;
		case OPT_SEED:
			rng = (uint64_t)num(optarg, "--seed") * 2654435761u + 1;
			break;
		case OPT_BAD:
			bad_every = num(optarg, "--bad-every");
			break;
		case OPT_VALID:
			valid_path = optarg;
			break;
		case OPT_TIME:
			t = num(optarg, "--time");
			break;
		case OPT_STEP:
			step = num(optarg, "--step");
			break;
		case OPT_RATE:
			rate = num(optarg, "--rate");
			break;
		default:
			die_usage("unknown option");
		}
	}
	if (valid_path && !(valid = fopen(valid_path, "w")))
		die_errno("cannot open '%s'", valid_path);
	while (events == 0 || n < events) {
		int len;

		lineno++;
		if (bad_every && lineno % bad_every == 0) {
			if (printf("%s\n", bad[lineno / bad_every % 7]) < 0)
				break;
			continue;
		}
		len = event(line, sizeof line, run, n, t);
		if (len < 0 || (size_t)len >= sizeof line)
			die("event too long");
		if (printf("%s\n", line) < 0)
			break;
		if (valid && fprintf(valid, "%s\n", line) < 0)
			die_errno("cannot write '%s'", valid_path);
		n++;
		t += (long long)pick((unsigned)step + 1);
		if (rate > 0 && n % 100 == 0) {
			struct timespec ts;
			long long ns = 100 * 1000000000LL / rate;

			if (fflush(stdout) == EOF)
				break;
			ts.tv_sec = ns / 1000000000LL;
			ts.tv_nsec = ns % 1000000000LL;
			nanosleep(&ts, NULL);
		}
	}
	if (valid && fclose(valid) == EOF)
		die_errno("cannot write '%s'", valid_path);
	if (fflush(stdout) == EOF && errno != EPIPE)
		die_errno("write error");
	return 0;
}
