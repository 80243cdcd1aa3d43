/*
 * gen-bands: a deterministic stream of minute `bands` events, as
 * mkt-depth --interval 1m writes them, for the history tests and the
 * benchmarks.
 *
 * Each minute, for every market and symbol, K events (--per-minute): with
 * K = 1 one event at the minute's start, as mkt-depth --interval 1m; with
 * more, K events at increasing times inside the minute, each with other
 * values, of which the last one is the one the minute keeps.  Quantities
 * follow a random walk per band (cumulative, so wider bands hold more),
 * prices a random walk per symbol; values are quantity x best price,
 * exact.  Numbers are printed exactly as decimals: quantities with up to 8
 * fraction digits, prices 4, values 12, trailing zeros dropped.
 *
 * --shuffle W writes the events of each window of W minutes in a random
 * order, so that minutes arrive out of order (and the events of a minute
 * too), across hour and day boundaries when the window spans one.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"
#include "base/timeutil.h"

#define MINUTE		60000LL
#define MAX_PCTS	32
#define QTY_DIGITS	8
#define PRICE_DIGITS	4
#define LINE_MAX_LEN	8192

typedef unsigned __int128 u128;

struct band {
	int64_t dq[2];		/* this band's own part, bid and ask, 1e-8 */
};

struct sym {
	const char *venue, *market;
	char name[24];
	int64_t price;		/* best bid, 1e-4 */
	int64_t last_id;
	struct band b[MAX_PCTS];
};

static const char *const names[] = {
	"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT",
	"ADAUSDT", "AVAXUSDT", "LINKUSDT", "DOTUSDT", "TRXUSDT", "LTCUSDT",
};

static const struct {
	const char *venue, *market;
} markets[] = {
	{ "binance", "spot" }, { "binance", "futures" }, { "bybit", "linear" },
};

static const char usage_text[] =
	"usage: gen-bands [--symbols N] [--markets N] [--days D | --minutes M]\n"
	"                 [--start T] [--seed S] [--per-minute K] [--shuffle W]\n"
	"                 [--pcts LIST] [--every N]\n"
	"  --symbols N     symbols per market (100)\n"
	"  --markets N     1: binance spot, 2: and futures, 3: and bybit linear (2)\n"
	"  --days D        days of minutes (30)\n"
	"  --minutes M     minutes instead of days\n"
	"  --start T       the first minute, epoch ms or RFC 3339\n"
	"                  (2023-11-14T22:13:00Z)\n"
	"  --seed S        the same seed gives the same bytes (1)\n"
	"  --per-minute K  events per symbol and minute, the last one counts (1)\n"
	"  --shuffle W     write each window of W minutes in random order (0)\n"
	"  --pcts LIST     the bands (1.5,3,5,8,15,30)\n"
	"  --every N       one minute in N: --minutes M spans M x N minutes (1)\n";

static uint64_t rng;

/* ---- random numbers: splitmix64 seeds xorshift64* ---- */

static void
rng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	rng = z ^ (z >> 31);
	if (rng == 0)
		rng = 1;
}

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n). */
static uint64_t
uniform(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- output ---- */

static char *
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_u128(char *p, u128 v)
{
	char tmp[48], *e = tmp + sizeof tmp, *s = e;

	do {
		*--s = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	memcpy(p, s, e - s);
	return p + (e - s);
}

/* v / 10^digits as a decimal, trailing fraction zeros dropped. */
static char *
put_fixed(char *p, u128 v, int digits)
{
	u128 scale = 1;
	u128 frac;
	char tmp[48];
	int i, n;

	for (i = 0; i < digits; i++)
		scale *= 10;
	p = put_u128(p, v / scale);
	frac = v % scale;
	if (frac == 0)
		return p;
	for (i = digits - 1; i >= 0; i--) {
		tmp[i] = (char)('0' + (int)(frac % 10));
		frac /= 10;
	}
	for (n = digits; n > 0 && tmp[n - 1] == '0'; n--)
		;
	*p++ = '.';
	memcpy(p, tmp, n);
	return p + n;
}

/* ---- the model ---- */

static int npct;
static int64_t pct_e4[MAX_PCTS];	/* pct x 10^4 */

static void
parse_pcts(const char *s)
{
	npct = 0;
	while (*s) {
		char *end;
		double d = strtod(s, &end);

		if (end == s || d <= 0 || d > 100 || npct == MAX_PCTS)
			die_usage("bad --pcts '%s'", s);
		pct_e4[npct++] = (int64_t)(d * 10000 + 0.5);
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			die_usage("bad --pcts '%s'", s);
	}
	if (npct == 0)
		die_usage("empty --pcts");
}

static void
init_sym(struct sym *y, int market, int idx)
{
	int i;

	y->venue = markets[market].venue;
	y->market = markets[market].market;
	if (idx < (int)(sizeof names / sizeof names[0]))
		snprintf(y->name, sizeof y->name, "%s", names[idx]);
	else
		snprintf(y->name, sizeof y->name, "S%04dUSDT", idx);
	/* BTC about 30000, ETH 2000, the rest 0.01 .. 500. */
	y->price = idx == 0 ? 300000000 : idx == 1 ? 20000000 :
	    (int64_t)(100 + uniform(5000000));
	y->last_id = 1000000000 + (int64_t)uniform(1000000000);
	for (i = 0; i < npct; i++) {
		/* Worth about 100k .. 10M quote per band part. */
		int64_t q = (int64_t)((u128)(100000 + uniform(10000000)) *
		    100000000 * 10000 / (u128)y->price);

		y->b[i].dq[0] = q + (int64_t)uniform(q / 4 + 1);
		y->b[i].dq[1] = q + (int64_t)uniform(q / 4 + 1);
	}
}

/* One step of the walk: +-2 % per band part, +-0.1 % on the price. */
static void
step_sym(struct sym *y)
{
	int i, s;
	int64_t d = y->price / 1000 + 1;

	y->price += (int64_t)uniform(2 * d + 1) - d;
	if (y->price < 1)
		y->price = 1;
	y->last_id += 1 + (int64_t)uniform(5000);
	for (i = 0; i < npct; i++)
		for (s = 0; s < 2; s++) {
			int64_t q = y->b[i].dq[s], m = q / 50 + 1;

			q += (int64_t)uniform(2 * m + 1) - m;
			y->b[i].dq[s] = q < 1 ? 1 : q;
		}
}

static char *
put_band(char *p, int i, u128 bq, u128 aq, int64_t bid, int64_t ask,
    int complete)
{
	p = put_str(p, i ? ",{\"pct\":" : "{\"pct\":");
	p = put_fixed(p, (u128)pct_e4[i], 4);
	p = put_str(p, ",\"bid_qty\":");
	p = put_fixed(p, bq, QTY_DIGITS);
	p = put_str(p, ",\"ask_qty\":");
	p = put_fixed(p, aq, QTY_DIGITS);
	p = put_str(p, ",\"bid_value\":");
	p = put_fixed(p, bq * (u128)bid, QTY_DIGITS + PRICE_DIGITS);
	p = put_str(p, ",\"ask_value\":");
	p = put_fixed(p, aq * (u128)ask, QTY_DIGITS + PRICE_DIGITS);
	p = put_str(p, complete ? ",\"complete\":true}" :
	    ",\"complete\":false}");
	return p;
}

/* One event of y at time t into p; returns its end (with '\n'). */
static char *
put_event(char *p, const struct sym *y, int64_t t)
{
	int64_t bid = y->price, ask = y->price + 1 + (int64_t)uniform(5);
	int64_t cov_bid = 50000 + (int64_t)uniform(300000);	/* 1e-4 % */
	int64_t cov_ask = 50000 + (int64_t)uniform(300000);
	int64_t cov = cov_bid < cov_ask ? cov_bid : cov_ask;
	u128 bq = 0, aq = 0;
	int i;

	p = put_str(p, "{\"type\":\"bands\",\"venue\":\"");
	p = put_str(p, y->venue);
	p = put_str(p, "\",\"market\":\"");
	p = put_str(p, y->market);
	p = put_str(p, "\",\"symbol\":\"");
	p = put_str(p, y->name);
	p = put_str(p, "\",\"time\":");
	p = put_u128(p, (u128)t);
	p = put_str(p, ",\"recv\":");
	p = put_u128(p, (u128)(t * 1000 + 1000 + (int64_t)uniform(50000)));
	p = put_str(p, ",\"last_id\":");
	p = put_u128(p, (u128)y->last_id);
	p = put_str(p, ",\"best_bid\":");
	p = put_fixed(p, (u128)bid, PRICE_DIGITS);
	p = put_str(p, ",\"best_ask\":");
	p = put_fixed(p, (u128)ask, PRICE_DIGITS);
	p = put_str(p, ",\"mid\":");
	p = put_fixed(p, (u128)(bid + ask) * 5, PRICE_DIGITS + 1);
	p = put_str(p, ",\"coverage_bid\":");
	p = put_fixed(p, (u128)cov_bid, 4);
	p = put_str(p, ",\"coverage_ask\":");
	p = put_fixed(p, (u128)cov_ask, 4);
	p = put_str(p, ",\"bands\":[");
	for (i = 0; i < npct; i++) {
		bq += (u128)y->b[i].dq[0];
		aq += (u128)y->b[i].dq[1];
		p = put_band(p, i, bq, aq, bid, ask, pct_e4[i] <= cov);
	}
	return put_str(p, "]}\n");
}

/* ---- the shuffle window ---- */

struct window {
	char *p;		/* the lines */
	size_t len, cap;
	size_t *off;		/* where each starts */
	size_t n, ncap;
};

static void
window_add(struct window *w, const char *line, size_t n)
{
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 1 << 20;

		while (cap < w->len + n)
			cap *= 2;
		w->p = realloc(w->p, cap);
		if (!w->p)
			die_nomem();
		w->cap = cap;
	}
	if (w->n == w->ncap) {
		w->ncap = w->ncap ? 2 * w->ncap : 4096;
		w->off = realloc(w->off, (w->ncap + 1) * sizeof *w->off);
		if (!w->off)
			die_nomem();
	}
	w->off[w->n++] = w->len;
	memcpy(w->p + w->len, line, n);
	w->len += n;
}

static void
window_flush(struct window *w)
{
	size_t i, *order;

	if (w->n == 0)
		return;
	w->off[w->n] = w->len;
	order = malloc(w->n * sizeof *order);
	if (!order)
		die_nomem();
	for (i = 0; i < w->n; i++)
		order[i] = i;
	for (i = w->n; i > 1; i--) {
		size_t j = uniform(i), t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
	for (i = 0; i < w->n; i++) {
		size_t k = order[i];

		fwrite(w->p + w->off[k], 1, w->off[k + 1] - w->off[k], stdout);
	}
	free(order);
	w->n = 0;
	w->len = 0;
}

static uint64_t
parse_num(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max)
		die_usage("bad %s '%s'", opt, arg);
	return v;
}

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "symbols", required_argument, NULL, 'k' },
		{ "markets", required_argument, NULL, 'm' },
		{ "days", required_argument, NULL, 'd' },
		{ "minutes", required_argument, NULL, 'M' },
		{ "start", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "per-minute", required_argument, NULL, 'K' },
		{ "shuffle", required_argument, NULL, 'w' },
		{ "pcts", required_argument, NULL, 'p' },
		{ "every", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char obuf[1 << 20];
	uint64_t nsym = 100, nmarket = 2, minutes = 30 * 1440, seed = 1;
	uint64_t per = 1, shuffle = 0, every = 1, m;
	int64_t start = 1700000000000LL / MINUTE * MINUTE;
	struct sym *syms;
	struct window w = { 0 };
	char line[LINE_MAX_LEN];
	size_t ns, i;
	int c;

	err_init("gen-bands");
	parse_pcts("1.5,3,5,8,15,30");
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			nsym = parse_num("--symbols", optarg, 1, 100000);
			break;
		case 'm':
			nmarket = parse_num("--markets", optarg, 1, 3);
			break;
		case 'd':
			minutes = 1440 * parse_num("--days", optarg, 0, 36500);
			break;
		case 'M':
			minutes = parse_num("--minutes", optarg, 0, 100000000);
			break;
		case 't':
			if (time_parse(optarg, &start) < 0)
				die_usage("bad --start '%s'", optarg);
			start = start / MINUTE * MINUTE;
			break;
		case 's':
			seed = parse_num("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'K':
			per = parse_num("--per-minute", optarg, 1, 60000);
			break;
		case 'w':
			shuffle = parse_num("--shuffle", optarg, 0, 100000);
			break;
		case 'p':
			parse_pcts(optarg);
			break;
		case 'e':
			every = parse_num("--every", optarg, 1, 1000000);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			fprintf(stderr, "try 'gen-bands --help'\n");
			return 2;
		}
	}
	if (optind != argc)
		die_usage("unexpected argument '%s'", argv[optind]);

	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	rng_seed(seed);
	ns = (size_t)(nsym * nmarket);
	syms = calloc(ns, sizeof *syms);
	if (!syms)
		die_nomem();
	for (i = 0; i < ns; i++)
		init_sym(&syms[i], (int)(i / nsym), (int)(i % nsym));
	for (m = 0; m < minutes; m++) {
		int64_t t0 = start + (int64_t)(m * every) * MINUTE;
		uint64_t k;

		for (k = 0; k < per; k++) {
			/* Slot k of K in the minute, at a random time in it;
			 * with one event, the minute's start. */
			int64_t slot = MINUTE / (int64_t)per;

			for (i = 0; i < ns; i++) {
				int64_t t = per == 1 ? t0 : t0 + (int64_t)k *
				    slot + (int64_t)uniform((uint64_t)slot);
				size_t n;

				step_sym(&syms[i]);
				n = (size_t)(put_event(line, &syms[i], t) -
				    line);
				if (shuffle)
					window_add(&w, line, n);
				else
					fwrite(line, 1, n, stdout);
			}
		}
		if (shuffle && (m + 1) % shuffle == 0)
			window_flush(&w);
	}
	window_flush(&w);
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write error");
	free(w.p);
	free(w.off);
	free(syms);
	return 0;
}
