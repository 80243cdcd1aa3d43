/*
 * t_bands: depth bands -- inclusive exact bounds, exact sums, the lazily
 * kept prefix sums checked against brute force over thousands of random
 * updates, coverage and completeness, parsing the band list, and the
 * exact text of a bands event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/bands.h"
#include "market/book.h"
#include "base/buf.h"
#include "event/event.h"
#include "tap.h"

static struct event ev;
static struct levels lb, la;
static struct book_status st;
static int64_t now = 1700000000000LL;

/* Parse a line and hand it to the book as the programs do. */
static int
feed(struct book *b, const char *line)
{
	char why[256];

	if (event_parse(line, strlen(line), &ev, why, sizeof why) < 0 ||
	    event_fields(&ev, why, sizeof why) < 0 ||
	    event_levels(ev.bids, &lb, "bids", why, sizeof why) < 0 ||
	    event_levels(ev.asks, &la, "asks", why, sizeof why) < 0) {
		tap_diag("setup: %s: %.200s", why, line);
		return -100;
	}
	if (ev.type == EV_DEPTH)
		return book_depth(b, &ev, &lb, &la, &st);
	return book_snapshot(b, &ev, &lb, &la, &st);
}

static int
event(struct book *b, const char *type, int64_t id, const char *bids,
    const char *asks)
{
	size_t n = strlen(bids) + strlen(asks) + 512;
	char *line = malloc(n);
	int r;

	if (!line)
		abort();
	now++;
	snprintf(line, n, "{\"type\":\"%s\",\"venue\":\"%s\",\"market\":"
	    "\"%s\",\"symbol\":\"%s\",\"time\":%lld,\"first_id\":%lld,"
	    "\"last_id\":%lld,\"bids\":%s,\"asks\":%s}", type, b->venue,
	    b->market, b->symbol, (long long)now, (long long)id,
	    (long long)id, bids, asks);
	r = feed(b, line);
	free(line);
	return r;
}

static int
snap(struct book *b, int64_t id, const char *bids, const char *asks)
{
	return event(b, "snapshot", id, bids, asks);
}

static int
depth(struct book *b, int64_t id, const char *bids, const char *asks)
{
	return event(b, "depth", id, bids, asks);
}

static struct book *
mk(const char *symbol)
{
	struct book *b = book_new("binance", 7, "spot", 4, symbol,
	    strlen(symbol));

	if (!b)
		abort();
	return b;
}

static struct bands_cfg
cfg_of(const char *s)
{
	struct bands_cfg c;

	if (bands_parse(s, &c) < 0) {
		tap_diag("setup: bands '%s'", s);
		abort();
	}
	return c;
}

static const char *
num(fx_i128 m, int s)
{
	static char t[4][FX_BUFSZ + 1];
	static int k;

	k = (k + 1) % 4;
	*fx_format_ms(m, s, t[k]) = '\0';
	return t[k];
}

/* Check one band's sums and flag, printed exactly. */
static void
band_is(const struct book *b, const struct band_sum *s, const char *bq,
    const char *aq, const char *bv, const char *av, int complete,
    const char *name)
{
	int vs = b->ps + b->qs;
	int ok = strcmp(num(s->bid_qty, b->qs), bq) == 0 &&
	    strcmp(num(s->ask_qty, b->qs), aq) == 0 &&
	    strcmp(num(s->bid_value, vs), bv) == 0 &&
	    strcmp(num(s->ask_value, vs), av) == 0 &&
	    s->complete == complete;

	tap_ok(ok, "%s", name);
	if (!ok)
		tap_diag("got bid_qty %s ask_qty %s bid_value %s ask_value %s "
		    "complete %d", num(s->bid_qty, b->qs),
		    num(s->ask_qty, b->qs), num(s->bid_value, vs),
		    num(s->ask_value, vs), s->complete);
}

static const char *
render(const struct book *b, const struct bands_cfg *c,
    const struct band_sum *s)
{
	static char t[8192];
	struct buf o;

	buf_init(&o, 0);
	bands_render(&o, b, c, s);
	snprintf(t, sizeof t, "%.*s", (int)o.len, o.p);
	buf_free(&o);
	return t;
}

/* The value of one field of a rendered line ("coverage_bid" -> "2"). */
static const char *
field(const char *line, const char *name)
{
	static char v[128];
	char key[64];
	const char *p;
	size_t n;

	snprintf(key, sizeof key, "\"%s\":", name);
	p = strstr(line, key);
	if (!p)
		return "(absent)";
	p += strlen(key);
	n = strcspn(p, ",}");
	snprintf(v, sizeof v, "%.*s", (int)n, p);
	return v;
}

static void
test_bounds(void)
{
	struct book *b = mk("BOUND");
	struct bands_cfg c = cfg_of("1.5,3");
	struct band_sum s[BANDS_MAX];
	char want[2048];

	tap_eq_i(snap(b, 7, "[[\"100\",\"1\"],[\"99\",\"2\"],[\"98.5\",\"4\"],"
	    "[\"98.49\",\"8\"]]", "[[\"200\",\"1\"],[\"203\",\"2\"],"
	    "[\"203.01\",\"4\"]]"), BOOK_APPLIED, "bounds book");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "7", "3", "692", "606", 1,
	    "1.5%: 98.5 and 203 on the bound are in, 98.49 and 203.01 out");
	band_is(b, &s[1], "15", "7", "1479.92", "1418.04", 0,
	    "3%: everything, incomplete");
	snprintf(want, sizeof want, "{\"type\":\"bands\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"BOUND\",\"time\":%lld,"
	    "\"last_id\":7,\"best_bid\":100,\"best_ask\":200,\"mid\":150,"
	    "\"coverage_bid\":1.51,\"coverage_ask\":1.505,\"bands\":["
	    "{\"pct\":1.5,\"bid_qty\":7,\"ask_qty\":3,\"bid_value\":692,"
	    "\"ask_value\":606,\"complete\":true},"
	    "{\"pct\":3,\"bid_qty\":15,\"ask_qty\":7,\"bid_value\":1479.92,"
	    "\"ask_value\":1418.04,\"complete\":false}]}\n", (long long)now);
	tap_eq_s(render(b, &c, s), want, "bands event exact");

	/* The bound spelled with more digits: still exact. */
	tap_eq_i(snap(b, 8, "[[\"100.000\",\"1\"],[\"98.500\",\"4\"],"
	    "[\"98.499\",\"8\"]]", "[[\"200.00\",\"1\"],[\"203.000\",\"2\"],"
	    "[\"203.001\",\"4\"]]"), BOOK_APPLIED, "finer spellings");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "5", "3", "494", "606", 1,
	    "1.5% bound exact at scale 3");

	/* Bands with fraction digits: 0.000001% of 100000000 is 1. */
	c = cfg_of("0.000001,0.000002,100");
	tap_eq_i(snap(b, 9, "[[\"100000000\",\"1\"],[\"99999999\",\"2\"],"
	    "[\"99999998.99\",\"4\"]]", "[[\"100000002\",\"1\"],"
	    "[\"100000003\",\"2\"],[\"100000004.01\",\"4\"]]"), BOOK_APPLIED,
	    "large prices");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "3", "3", "299999998", "300000008", 1,
	    "0.000001%: bound one unit away, inclusive");
	band_is(b, &s[1], "7", "3", "699999993.96", "300000008", 0,
	    "0.000002%: bid bound reaches .99, ask bound short of .01");
	band_is(b, &s[2], "7", "7", "699999993.96", "700000024.04", 0,
	    "100%: every bid, asks to twice the best");
	book_free(b);
}

static void
test_exact(void)
{
	struct book *b = mk("EXACT");
	struct bands_cfg c = cfg_of("1.5");
	struct band_sum s[BANDS_MAX];
	char line[1024];

	tap_eq_i(snap(b, 1, "[[\"0.12345678\",\"123.456789\"],"
	    "[\"0.12345677\",\"0.000001\"]]", "[[\"0.12345679\",\"1000.5\"]]"),
	    BOOK_APPLIED, "many-decimal book");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "123.45679", "1000.5", "15.24157776253619",
	    "123.518518395", 0, "sums exact with many decimals");
	snprintf(line, sizeof line, "%s", render(b, &c, s));
	tap_eq_s(field(line, "mid"), "0.123456785", "mid exact");

	tap_eq_i(snap(b, 2, "[[\"100.01\",\"1\"]]", "[[\"100.02\",\"1\"]]"),
	    BOOK_APPLIED, "odd sum book");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	snprintf(line, sizeof line, "%s", render(b, &c, s));
	tap_eq_s(field(line, "mid"), "100.015", "mid of 100.01 and 100.02");
	tap_eq_i(snap(b, 3, "[[\"100\",\"1\"]]", "[[\"102\",\"1\"]]"),
	    BOOK_APPLIED, "even sum book");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	snprintf(line, sizeof line, "%s", render(b, &c, s));
	tap_eq_s(field(line, "mid"), "101", "mid of 100 and 102");
	tap_eq_i(snap(b, 4, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"),
	    BOOK_APPLIED, "1/2 book");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	snprintf(line, sizeof line, "%s", render(b, &c, s));
	tap_eq_s(field(line, "mid"), "1.5", "mid of 1 and 2");
	tap_eq_s(field(line, "coverage_bid"), "0", "single level: coverage 0");

	/* Updates at the top, the middle and the bottom of a small book. */
	tap_eq_i(snap(b, 10, "[[\"10\",\"1\"],[\"9.9\",\"2\"],[\"9.8\",\"3\"]]",
	    "[[\"10.1\",\"1\"],[\"10.2\",\"2\"],[\"10.3\",\"3\"]]"),
	    BOOK_APPLIED, "small book");
	c = cfg_of("5");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "6", "6", "59.2", "61.4", 0,
	    "5%: all levels, past the coverage");
	tap_eq_i(depth(b, 11, "[[\"10\",\"1.5\"]]", "[[\"10.1\",\"0\"]]"),
	    BOOK_APPLIED, "top changes");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "6.5", "5", "64.2", "51.3", 0, "after top changes");
	tap_eq_i(depth(b, 12, "[[\"9.9\",\"0\"]]", "[[\"10.25\",\"4\"]]"),
	    BOOK_APPLIED, "middle changes");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "4.5", "9", "44.4", "92.3", 0,
	    "after middle changes");
	tap_eq_i(depth(b, 13, "[[\"9.8\",\"1\"],[\"9.7\",\"1\"]]",
	    "[[\"10.3\",\"0\"]]"), BOOK_APPLIED, "bottom changes");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "3.5", "6", "34.5", "61.4", 0,
	    "after bottom changes");
	tap_eq_i(depth(b, 14, "[[\"9.75\",\"0.001\"]]", "[]"), BOOK_APPLIED,
	    "finer price and quantity");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	band_is(b, &s[0], "3.501", "6", "34.50975", "61.4", 0,
	    "after widening both scales");

	/* One side empty: no bands. */
	tap_eq_i(depth(b, 15, "[]", "[[\"10.2\",\"0\"],[\"10.25\",\"0\"]]"),
	    BOOK_APPLIED, "asks emptied");
	errno = 0;
	tap_ok(bands_compute(b, &c, s) == -1 && errno == EDOM,
	    "empty side: EDOM");
	book_free(b);
}

static void
test_coverage(void)
{
	struct book *b = mk("COVER");
	struct bands_cfg c = cfg_of("1.5,2,3");
	struct band_sum s[BANDS_MAX];
	char line[4096];

	tap_eq_i(snap(b, 1, "[[\"100\",\"1\"],[\"99\",\"1\"],[\"98\",\"1\"]]",
	    "[[\"101\",\"1\"],[\"102\",\"1\"],[\"103.02\",\"1\"]]"),
	    BOOK_APPLIED, "snapshot 2% deep each side");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	tap_ok(s[0].complete, "1.5%%: complete");
	tap_ok(s[1].complete, "2%%: bound == deepest on both sides: complete");
	tap_ok(!s[2].complete, "3%%: incomplete");
	snprintf(line, sizeof line, "%s", render(b, &c, s));
	tap_eq_s(field(line, "coverage_bid"), "2", "coverage_bid 2");
	tap_eq_s(field(line, "coverage_ask"), "2", "coverage_ask 2");

	tap_eq_i(depth(b, 2, "[[\"90\",\"1\"]]", "[[\"110\",\"1\"]]"),
	    BOOK_APPLIED, "depth adds levels past the snapshot");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	tap_ok(!s[2].complete, "depth levels do not extend coverage");
	snprintf(line, sizeof line, "%s", render(b, &c, s));
	tap_eq_s(field(line, "coverage_bid"), "2", "coverage_bid unchanged");

	tap_eq_i(depth(b, 3, "[[\"100.5\",\"1\"]]", "[]"), BOOK_APPLIED,
	    "new best bid");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	snprintf(line, sizeof line, "%s", render(b, &c, s));
	tap_eq_s(field(line, "coverage_bid"), "2.4876",
	    "coverage from the new best, rounded to 4 places");
	tap_ok(s[1].complete, "2%% of 100.5 is 98.49: still complete");

	tap_eq_i(depth(b, 4, "[[\"98\",\"0\"]]", "[]"), BOOK_APPLIED,
	    "deepest snapshot bid removed");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	tap_ok(s[1].complete, "coverage stays what the snapshot reached");

	tap_eq_i(snap(b, 5, "[[\"100\",\"1\"],[\"96\",\"1\"]]",
	    "[[\"101\",\"1\"],[\"104.03\",\"1\"]]"), BOOK_APPLIED,
	    "deeper snapshot");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	tap_ok(s[2].complete, "3%%: complete (ask bound == deepest ask)");
	tap_eq_i(snap(b, 6, "[[\"100\",\"1\"],[\"96\",\"1\"]]",
	    "[[\"101\",\"1\"],[\"104.02\",\"1\"]]"), BOOK_APPLIED,
	    "asks just short");
	tap_ok(bands_compute(b, &c, s) == 0, "bands_compute");
	tap_ok(!s[2].complete, "3%%: ask side short -> incomplete");
	tap_ok(s[1].complete, "2%%: complete");
	snprintf(line, sizeof line, "%s", render(b, &c, s));
	tap_eq_s(field(line, "coverage_bid"), "4", "coverage_bid 4");
	tap_eq_s(field(line, "coverage_ask"), "2.9901", "coverage_ask 2.9901");
	book_free(b);
}

static void
parse_is(const char *s, const char *want)
{
	struct bands_cfg c;
	char got[512];
	size_t n = 0;
	int i;

	if (bands_parse(s, &c) < 0) {
		snprintf(got, sizeof got, "error");
	} else {
		got[0] = '\0';
		for (i = 0; i < c.n; i++) {
			char t[FX_BUFSZ + 1];

			*fx_format(c.pct[i], t) = '\0';
			n += (size_t)snprintf(got + n, sizeof got - n, "%s%s",
			    i ? "," : "", t);
		}
	}
	tap_ok(strcmp(got, want) == 0, "bands_parse '%s' -> %s", s, want);
	if (strcmp(got, want) != 0)
		tap_diag("got %s", got);
}

static void
test_parse(void)
{
	struct bands_cfg c;
	char many[256];
	size_t n = 0;
	int i;

	parse_is("1.5,3,5", "1.5,3,5");
	parse_is("5,1.5,3,3,1.50,5", "1.5,3,5");
	parse_is("100", "100");
	parse_is("0.000001", "0.000001");
	parse_is("1.1234560", "1.123456");
	parse_is("30,15,8,5,3,1.5", "1.5,3,5,8,15,30");
	parse_is("", "error");
	parse_is("0", "error");
	parse_is("0.0", "error");
	parse_is("-1", "error");
	parse_is("101", "error");
	parse_is("100.000001", "error");
	parse_is("1,,2", "error");
	parse_is("1,", "error");
	parse_is(",1", "error");
	parse_is("abc", "error");
	parse_is("1.1234567", "error");
	parse_is("0.0000001", "error");
	parse_is(" 1", "error");
	parse_is("1 ,2", "error");
	parse_is("1;2", "error");

	for (i = 1; i <= BANDS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof many - n, "%s%d",
		    i > 1 ? "," : "", i);
	tap_ok(bands_parse(many, &c) == 0 && c.n == BANDS_MAX,
	    "%d bands accepted", BANDS_MAX);
	snprintf(many + n, sizeof many - n, ",%d", BANDS_MAX + 1);
	tap_ok(bands_parse(many, &c) == -1, "%d bands refused", BANDS_MAX + 1);

	bands_default(&c);
	{
		char got[128];
		size_t k = 0;

		got[0] = '\0';
		for (i = 0; i < c.n; i++) {
			char t[FX_BUFSZ + 1];

			*fx_format(c.pct[i], t) = '\0';
			k += (size_t)snprintf(got + k, sizeof got - k, "%s%s",
			    i ? "," : "", t);
		}
		tap_eq_s(got, "1.5,3,5,8,15,30", "default bands");
	}
}

/* A deterministic PRNG (xorshift64*). */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* Brute force over the book's arrays; 0 when every band matches. */
static int
brute_check(const struct book *b, const struct bands_cfg *c,
    const struct band_sum *s)
{
	int64_t bb = b->bid.lv[b->bid.n - 1].key;
	int64_t ba = -b->ask.lv[b->ask.n - 1].key;
	int i;
	size_t j;

	for (i = 0; i < c->n; i++) {
		fx_i128 d = 100 * fx_pow10(c->pct[i].s), pm = c->pct[i].m;
		fx_i128 bq = 0, aq = 0, bv = 0, av = 0;
		int bk, ak;

		for (j = 0; j < b->bid.n; j++) {
			int64_t px = b->bid.lv[j].key;

			if ((fx_i128)px * d >= (fx_i128)bb * (d - pm)) {
				bq += b->bid.lv[j].qty;
				bv += (fx_i128)px * b->bid.lv[j].qty;
			}
		}
		for (j = 0; j < b->ask.n; j++) {
			int64_t px = -b->ask.lv[j].key;

			if ((fx_i128)px * d <= (fx_i128)ba * (d + pm)) {
				aq += b->ask.lv[j].qty;
				av += (fx_i128)px * b->ask.lv[j].qty;
			}
		}
		bk = b->bid.has_deepest &&
		    (fx_i128)b->bid.deepest * d <= (fx_i128)bb * (d - pm);
		ak = b->ask.has_deepest &&
		    (fx_i128)-b->ask.deepest * d >= (fx_i128)ba * (d + pm);
		if (bq != s[i].bid_qty || aq != s[i].ask_qty ||
		    bv != s[i].bid_value || av != s[i].ask_value ||
		    (bk && ak) != s[i].complete) {
			tap_diag("band %d: qty %s/%s value %s/%s "
			    "complete %d/%d", i, num(s[i].bid_qty, b->qs),
			    num(bq, b->qs),
			    num(s[i].bid_value, b->ps + b->qs),
			    num(bv, b->ps + b->qs), s[i].complete, bk && ak);
			return -1;
		}
	}
	return 0;
}

/* Append one [price, qty] pair to a JSON array being built. */
static void
add_level(struct buf *o, int64_t key, int ps, const char *qty)
{
	char t[FX_BUFSZ];

	if (o->len > 1)
		buf_addc(o, ',');
	buf_adds(o, "[\"");
	buf_add(o, t, fx_format_ms(key, ps, t) - t);
	buf_adds(o, "\",\"");
	buf_adds(o, qty);
	buf_adds(o, "\"]");
}

/*
 * 2000 random updates on a 300-level book: changes at the top, in the
 * middle and at the bottom, removals, new levels, and now and then a
 * finer price or quantity that rescales the book.  Bids stay below
 * 1300, asks at or above it, so the book never crosses.
 */
static void
test_random(void)
{
	struct book *b = mk("RANDOM");
	struct bands_cfg c = cfg_of("0.01,0.05,0.1,0.25,0.5,0.75,1,1.25,1.5,"
	    "1.75,2,2.25,2.5,3,5,8,15,30,100");
	struct band_sum s[BANDS_MAX];
	struct buf bids, asks;
	int i, k, checks = 0, bad = 0;
	int64_t id = 1;

	buf_init(&bids, 0);
	buf_init(&asks, 0);
	buf_adds(&bids, "[");
	buf_adds(&asks, "[");
	for (i = 0; i < 150; i++) {
		char q[32];

		snprintf(q, sizeof q, "%d.%04d", 1 + i % 7, (i * 37) % 10000);
		add_level(&bids, 129990 - 20 * i, 2, q);
		add_level(&asks, 130010 + 20 * i, 2, q);
	}
	buf_adds(&bids, "]");
	buf_adds(&asks, "]");
	buf_addc(&bids, '\0');
	buf_addc(&asks, '\0');
	tap_eq_i(snap(b, id, bids.p, asks.p), BOOK_APPLIED,
	    "300-level snapshot");
	tap_ok(b->bid.n == 150 && b->ask.n == 150, "150 levels a side");

	for (i = 0; i < 2000 && !bad; i++) {
		int changes = 1 + (int)(rnd() % 4);

		buf_reset(&bids);
		buf_reset(&asks);
		buf_addc(&bids, '[');
		buf_addc(&asks, '[');
		for (k = 0; k < changes; k++) {
			int ask = (int)(rnd() % 2);
			struct book_side *sd = ask ? &b->ask : &b->bid;
			struct buf *o = ask ? &asks : &bids;
			int64_t unit = 1, mid, key, lo, hi;
			size_t j, n = sd->n;
			char q[32];
			int kind = (int)(rnd() % 4), e;

			for (e = 2; e < b->ps; e++)
				unit *= 10;
			mid = 130000 * unit;
			/* Where: 0 top, 1 middle, 2 bottom, 3 anywhere. */
			if (kind == 0)
				j = n - 1 - (size_t)(rnd() % (n < 4 ? n : 4));
			else if (kind == 1)
				j = (size_t)(rnd() % n);
			else
				j = (size_t)(rnd() % (n < 4 ? n : 4));
			key = ask ? -sd->lv[j].key : sd->lv[j].key;
			if (kind == 3 || rnd() % 2)
				key += ((int64_t)(rnd() % 41) - 20) * unit;
			/* Sometimes a finer price: rescales the book. */
			if (rnd() % 300 == 0)
				key = key * 10 + 5, e = b->ps + 1;
			else
				e = b->ps;
			lo = ask ? mid : unit;
			hi = ask ? 200000 * unit : mid - 1;
			if (e != b->ps)
				lo *= 10, hi *= 10;
			if (key < lo)
				key = lo;
			if (key > hi)
				key = hi;
			/* Removals, but never the last levels of a side. */
			if (rnd() % 4 == 0 && n > 8)
				snprintf(q, sizeof q, "0");
			else if (rnd() % 250 == 0)
				snprintf(q, sizeof q, "0.%06d",
				    1 + (int)(rnd() % 999999));
			else
				snprintf(q, sizeof q, "%d.%04d",
				    (int)(rnd() % 50), 1 + (int)(rnd() % 9999));
			add_level(o, key, e, q);
		}
		buf_addc(&bids, ']');
		buf_addc(&asks, ']');
		buf_addc(&bids, '\0');
		buf_addc(&asks, '\0');
		id++;
		if (depth(b, id, bids.p, asks.p) != BOOK_APPLIED) {
			tap_diag("update %d not applied: %s %s", i, bids.p,
			    asks.p);
			bad = 1;
			break;
		}
		/* Not after every update: changes accumulate lazily. */
		if (rnd() % 3 == 0 && i != 1999)
			continue;
		if (bands_compute(b, &c, s) < 0) {
			tap_diag("update %d: bands_compute failed", i);
			bad = 1;
			break;
		}
		checks++;
		if (brute_check(b, &c, s) < 0) {
			tap_diag("after update %d", i);
			bad = 1;
		}
	}
	tap_ok(!bad, "2000 random updates: every band equals brute force "
	    "(%d checks)", checks);
	tap_ok(b->ps > 2 && b->qs > 4, "the random run rescaled the book");
	buf_free(&bids);
	buf_free(&asks);
	book_free(b);
}

int
main(void)
{
	test_bounds();
	test_exact();
	test_coverage();
	test_parse();
	test_random();
	levels_free(&lb);
	levels_free(&la);
	return tap_done();
}
