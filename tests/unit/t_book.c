/*
 * t_book: order books through the public API, fed with events parsed
 * from literal lines as the programs do: applying levels, exact scales,
 * each venue's sync rules, invalid states, ticker checks, and the exact
 * text of the book and status events.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/book.h"
#include "market/bookset.h"
#include "venue/venue.h"
#include "base/buf.h"
#include "event/event.h"
#include "tap.h"

/*
 * Allocation failures: this program's realloc stands in for libc's (for
 * the library too), passes every call on, and fails the next one when
 * fail_realloc is set.
 */
static int fail_realloc, failed_reallocs;

void *
realloc(void *p, size_t n)
{
	static void *(*real)(void *, size_t);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "realloc");
	if (fail_realloc) {
		fail_realloc = 0;
		failed_reallocs++;
		errno = ENOMEM;
		return NULL;
	}
	return real(p, n);
}

static struct event ev;
static struct levels lb, la;
static struct book_status st;
static int64_t now = 1700000000000LL;

static const char *const verdicts[] = {
	"APPLIED", "STALE", "IGNORED", "BROKEN", "RESTORED",
};

static const char *
vname(int v)
{
	return v >= 0 && v <= BOOK_RESTORED ? verdicts[v] : "setup error";
}

/* Parse a line and hand it to the book as the programs do. */
static int
feed(struct book *b, const char *line)
{
	char why[256];

	if (event_parse(line, strlen(line), &ev, why, sizeof why) < 0 ||
	    event_fields(&ev, why, sizeof why) < 0) {
		tap_diag("setup: %s: %s", why, line);
		return -100;
	}
	if (ev.type == EV_TICKER)
		return book_check_ticker(b, &ev, &st);
	if (event_levels(ev.bids, &lb, "bids", why, sizeof why) < 0 ||
	    event_levels(ev.asks, &la, "asks", why, sizeof why) < 0) {
		tap_diag("setup: %s: %s", why, line);
		return -100;
	}
	if (ev.type == EV_DEPTH)
		return book_depth(b, &ev, &lb, &la, &st);
	return book_snapshot(b, &ev, &lb, &la, &st);
}

static void
head(char *line, size_t cap, const struct book *b, const char *type)
{
	now++;
	snprintf(line, cap, "{\"type\":\"%s\",\"venue\":\"%s\",\"market\":"
	    "\"%s\",\"symbol\":\"%s\",\"time\":%lld", type, b->venue,
	    b->market, b->symbol, (long long)now);
}

static int
snap(struct book *b, int64_t id, const char *bids, const char *asks)
{
	char line[8192];
	size_t n;

	head(line, sizeof line, b, "snapshot");
	n = strlen(line);
	snprintf(line + n, sizeof line - n, ",\"last_id\":%lld,\"bids\":%s,"
	    "\"asks\":%s}", (long long)id, bids, asks);
	return feed(b, line);
}

/* A depth event; first < 0 or prev < 0 leaves that id out. */
static int
depth(struct book *b, int64_t first, int64_t last, int64_t prev,
    const char *bids, const char *asks)
{
	char line[8192];
	size_t n;

	head(line, sizeof line, b, "depth");
	n = strlen(line);
	if (first >= 0)
		n += (size_t)snprintf(line + n, sizeof line - n,
		    ",\"first_id\":%lld", (long long)first);
	if (prev >= 0)
		n += (size_t)snprintf(line + n, sizeof line - n,
		    ",\"prev_id\":%lld", (long long)prev);
	snprintf(line + n, sizeof line - n, ",\"last_id\":%lld,\"bids\":%s,"
	    "\"asks\":%s}", (long long)last, bids, asks);
	return feed(b, line);
}

/* A ticker; id < 0 leaves last_id out. */
static int
ticker(struct book *b, int64_t id, const char *bid, const char *bq,
    const char *ask, const char *aq)
{
	char line[1024];
	size_t n;

	head(line, sizeof line, b, "ticker");
	n = strlen(line);
	if (id >= 0)
		n += (size_t)snprintf(line + n, sizeof line - n,
		    ",\"last_id\":%lld", (long long)id);
	snprintf(line + n, sizeof line - n, ",\"bid\":%s,\"bid_qty\":%s,"
	    "\"ask\":%s,\"ask_qty\":%s}", bid, bq, ask, aq);
	return feed(b, line);
}

static void
is(int got, int want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
is(int got, int want, const char *fmt, ...)
{
	char name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	tap_ok(got == want, "%s: %s", name, vname(want));
	if (got != want)
		tap_diag("got %s (reason %s)", vname(got),
		    got == BOOK_BROKEN && st.reason ? st.reason : "-");
}

static struct book *
mk(const char *venue, const char *market, const char *symbol)
{
	struct book *b = book_new(venue, strlen(venue), market, strlen(market),
	    symbol, strlen(symbol));
	const struct seq_rule *r;

	if (!b) {
		tap_diag("book_new failed");
		exit(1);
	}
	/* The rules are the venue's, as mkt-book looks them up. */
	r = venue_seq_rule(venue, strlen(venue), market, strlen(market));
	if (r)
		b->rule = r;
	return b;
}

static char rendered[16384];

static const char *
render(const struct book *b, size_t levels)
{
	struct buf o;

	buf_init(&o, 0);
	book_render(&o, b, levels);
	snprintf(rendered, sizeof rendered, "%.*s", (int)o.len, o.p);
	buf_free(&o);
	return rendered;
}

static const char *
render_status(const struct book *b)
{
	struct buf o;

	buf_init(&o, 0);
	book_render_status(&o, b, "mkt-book", &st);
	snprintf(rendered, sizeof rendered, "%.*s", (int)o.len, o.p);
	buf_free(&o);
	return rendered;
}

/* The rendered bids and asks only: "[[..]],[[..]]" */
static const char *
sides(const struct book *b)
{
	static char s[16384];
	const char *p = strstr(render(b, 0), "\"bids\":");

	if (!p)
		return "(none)";
	snprintf(s, sizeof s, "%s", p + 7);
	/* "[..],\"asks\":[..]}\n" -> "[..] [..]" */
	{
		char *a = strstr(s, ",\"asks\":");
		char *e = strrchr(s, '}');

		if (!a || !e)
			return "(bad)";
		*e = '\0';
		memmove(a + 1, a + 8, strlen(a + 8) + 1);
		*a = ' ';
	}
	return s;
}

static void
test_apply(void)
{
	struct book *b = mk("binance", "spot", "BTCUSDT");
	char want[1024];

	tap_ok(b->state == BOOK_EMPTY && !book_valid(b), "new book is empty");
	is(snap(b, 100,
	    "[[\"100.5\",\"1\"],[\"100.4\",\"2\"],[\"100.3\",\"3\"]]",
	    "[[\"100.6\",\"1\"],[\"100.7\",\"2\"]]"), BOOK_APPLIED, "snapshot");
	tap_ok(b->state == BOOK_FRESH && book_valid(b), "snapshot: fresh");
	snprintf(want, sizeof want, "{\"type\":\"book\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%lld,"
	    "\"last_id\":100,\"bids\":[[100.5,1],[100.4,2],[100.3,3]],"
	    "\"asks\":[[100.6,1],[100.7,2]]}\n", (long long)now);
	tap_eq_s(render(b, 0), want, "render after snapshot");
	tap_eq_i(book_best_bid(b), 1005, "best bid at scale 1");
	tap_eq_i(book_best_ask(b), 1006, "best ask at scale 1");

	is(depth(b, 101, 101, -1, "[[\"100.4\",\"5\"],[\"100.3\",\"0\"],"
	    "[\"100.45\",\"1\"]]", "[[\"100.6\",\"0\"],[\"100.65\",\"0.5\"]]"),
	    BOOK_APPLIED, "depth: replace, remove, insert");
	tap_ok(b->state == BOOK_LIVE, "depth: live");
	tap_eq_s(sides(b), "[[100.5,1],[100.45,1],[100.4,5]] "
	    "[[100.65,0.5],[100.7,2]]", "levels after depth");
	is(depth(b, 102, 102, -1, "[[\"99\",\"0\"],[\"100.41\",\"0\"]]",
	    "[[\"1000\",\"0\"]]"), BOOK_APPLIED, "removing unknown levels");
	tap_eq_s(sides(b), "[[100.5,1],[100.45,1],[100.4,5]] "
	    "[[100.65,0.5],[100.7,2]]", "unknown removals are harmless");
	is(depth(b, 103, 103, -1, "[]", "[]"), BOOK_APPLIED, "empty depth");
	tap_eq_i(b->last_id, 103, "empty depth moves the id");
	is(depth(b, 104, 104, -1, "[[\"100.5\",\"0\"],[\"100.45\",\"0\"],"
	    "[\"100.4\",\"0\"]]", "[]"), BOOK_APPLIED, "remove every bid");
	tap_eq_s(sides(b), "[] [[100.65,0.5],[100.7,2]]", "bids empty");
	tap_eq_i(book_best_bid(b), 0, "best bid of an empty side is 0");
	is(depth(b, 105, 105, -1, "[[\"100.1\",\"1\"],[\"100.2\",\"2\"],"
	    "[\"100.1\",\"3\"]]", "[]"), BOOK_APPLIED,
	    "same price twice in one depth");
	tap_eq_s(sides(b), "[[100.2,2],[100.1,3]] [[100.65,0.5],[100.7,2]]",
	    "the later of two changes wins");
	snprintf(want, sizeof want, "{\"type\":\"book\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%lld,"
	    "\"last_id\":105,\"bids\":[[100.2,2]],\"asks\":[[100.65,0.5]]}\n",
	    (long long)now);
	tap_eq_s(render(b, 1), want, "render one level a side");
	book_free(b);
}

static void
test_snapshot_order(void)
{
	struct book *b = mk("binance", "spot", "ETHUSDT");
	char want[1024], line[512];

	is(snap(b, 1, "[[\"1\",\"1\"],[\"3\",\"1\"],[\"2\",\"1\"]]",
	    "[[\"6\",\"1\"],[\"4\",\"1\"],[\"5\",\"1\"]]"), BOOK_APPLIED,
	    "snapshot in any order");
	tap_eq_s(sides(b), "[[3,1],[2,1],[1,1]] [[4,1],[5,1],[6,1]]",
	    "sorted best first");
	is(snap(b, 2, "[[\"1\",\"1\"],[\"2\",\"1\"],[\"3\",\"1\"]]",
	    "[[\"6\",\"1\"],[\"5\",\"1\"],[\"4\",\"1\"]]"), BOOK_APPLIED,
	    "snapshot worst first");
	tap_eq_s(sides(b), "[[3,1],[2,1],[1,1]] [[4,1],[5,1],[6,1]]",
	    "worst first sorted");
	is(snap(b, 3, "[[\"3\",\"1\"],[\"2\",\"0\"],[\"1\",\"2\"]]",
	    "[[\"4\",\"0\"],[\"5\",\"1\"]]"), BOOK_APPLIED,
	    "snapshot with zero quantities");
	tap_eq_s(sides(b), "[[3,1],[1,2]] [[5,1]]", "zero levels dropped");
	is(snap(b, 4, "[]", "[]"), BOOK_APPLIED, "empty snapshot");
	tap_eq_s(sides(b), "[] []", "empty book");
	/* A snapshot replaces everything, scales included. */
	is(snap(b, 5, "[[\"1.123\",\"1.5\"]]", "[]"), BOOK_APPLIED, "fine");
	is(snap(b, 6, "[[\"2\",\"3\"]]", "[[\"2.5\",\"1\"]]"), BOOK_APPLIED,
	    "coarse after fine");
	tap_ok(b->ps == 1 && b->qs == 0, "scales restart at each snapshot");
	tap_eq_s(sides(b), "[[2,3]] [[2.5,1]]", "coarse snapshot exact");

	/* A book event is a snapshot too; last_id is optional. */
	now++;
	snprintf(line, sizeof line, "{\"type\":\"book\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"ETHUSDT\",\"time\":%lld,"
	    "\"recv\":1700000000000999,\"bids\":[[1,2]],\"asks\":[[3,4]]}",
	    (long long)now);
	is(feed(b, line), BOOK_APPLIED, "book event as a snapshot");
	snprintf(want, sizeof want, "{\"type\":\"book\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"ETHUSDT\",\"time\":%lld,"
	    "\"recv\":1700000000000999,\"last_id\":0,\"bids\":[[1,2]],"
	    "\"asks\":[[3,4]]}\n", (long long)now);
	tap_eq_s(render(b, 0), want, "render with recv, last_id 0");
	book_free(b);
}

static void
test_scales(void)
{
	struct book *b = mk("binance", "spot", "SCALE");
	char want[1024];

	is(snap(b, 10, "[[\"100.25\",\"1.5\"],[\"100.10\",\"2\"]]",
	    "[[\"100.50\",\"2\"]]"), BOOK_APPLIED, "2-decimal snapshot");
	tap_ok(b->ps == 2 && b->qs == 1, "scales 2 and 1");
	is(depth(b, 11, 11, -1, "[[\"100.2575\",\"0.001\"]]",
	    "[[\"100.5001\",\"1.123456789\"]]"), BOOK_APPLIED,
	    "4-decimal depth");
	tap_ok(b->ps == 4 && b->qs == 9, "scales widened to 4 and 9");
	snprintf(want, sizeof want, "{\"type\":\"book\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"SCALE\",\"time\":%lld,"
	    "\"last_id\":11,\"bids\":[[100.2575,0.001],[100.25,1.5],"
	    "[100.1,2]],\"asks\":[[100.5,2],[100.5001,1.123456789]]}\n",
	    (long long)now);
	tap_eq_s(render(b, 0), want, "both scales exact after widening");
	is(depth(b, 12, 12, -1, "[[\"100.2500\",\"0\"]]",
	    "[[\"100.5\",\"3.0\"]]"),
	    BOOK_APPLIED, "finer spelling of a coarse level");
	tap_eq_s(sides(b), "[[100.2575,0.001],[100.1,2]] "
	    "[[100.5,3],[100.5001,1.123456789]]", "same price, any spelling");
	is(depth(b, 13, 13, -1, "[[\"1e2\",\"5e-3\"]]", "[]"), BOOK_APPLIED,
	    "exponent forms");
	tap_eq_s(sides(b), "[[100.2575,0.001],[100.1,2],[100,0.005]] "
	    "[[100.5,3],[100.5001,1.123456789]]", "exponent forms exact");
	book_free(b);
}

static void
test_bad_level(void)
{
	struct book *b = mk("binance", "spot", "BIG");
	char want[1024];

	is(snap(b, 1, "[[\"10000000000000000000\",\"1\"]]", "[]"), BOOK_BROKEN,
	    "price past 64 bits");
	tap_eq_s(st.reason, "bad_level", "reason bad_level");
	snprintf(want, sizeof want, "{\"type\":\"status\","
	    "\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"BIG\",\"time\":%lld,"
	    "\"source\":\"mkt-book\",\"state\":\"invalid\",\"reason\":"
	    "\"bad_level\",\"got_last_id\":1}\n", (long long)now);
	tap_eq_s(render_status(b), want,
	    "bad_level status names the snapshot's id");
	is(snap(b, 2, "[[\"100000000000000000\",\"1\"]]",
	    "[[\"100000000000000001\",\"1\"]]"), BOOK_RESTORED,
	    "1e17 fits at scale 0");
	is(depth(b, 3, 3, -1, "[[\"0.01\",\"1\"]]", "[]"), BOOK_BROKEN,
	    "widening 1e17 by 100 overflows");
	tap_eq_s(st.reason, "bad_level", "widening overflow is bad_level");
	is(depth(b, 4, 4, -1, "[]", "[]"), BOOK_IGNORED, "then ignored");
	is(snap(b, 5, "[[\"1\",\"1\"]]", "[[\"2\",\"9223372036854775807\"]]"),
	    BOOK_RESTORED, "INT64_MAX quantity fits");
	is(depth(b, 6, 6, -1, "[]", "[[\"2\",\"9223372036854775808\"]]"),
	    BOOK_BROKEN, "INT64_MAX+1 quantity does not");
	book_free(b);

	/*
	 * The deepest ask of the last snapshot is rescaled with the book.
	 * Once that level is gone, the book itself can still be widened, so
	 * a finer price must apply.
	 */
	b = mk("binance", "spot", "DEEP");
	is(snap(b, 1, "[[\"1\",\"1\"]]", "[[\"1000000000000000000\",\"1\"]]"),
	    BOOK_APPLIED, "ask at 1e18");
	is(depth(b, 2, 2, -1, "[]", "[[\"1000000000000000000\",\"0\"],"
	    "[\"2\",\"1\"]]"), BOOK_APPLIED, "1e18 removed");
	is(depth(b, 3, 3, -1, "[[\"1.5\",\"1\"]]", "[]"), BOOK_APPLIED,
	    "finer bid with a removed 1e18 deepest ask");
	book_free(b);
}

static void
test_spot(void)
{
	struct book *b = mk("binance", "spot", "NKNUSDT");
	char want[1024];

	is(snap(b, 100, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_APPLIED,
	    "spot snapshot L=100");
	is(depth(b, 90, 100, -1, "[[\"1\",\"9\"]]", "[]"), BOOK_STALE,
	    "spot: u == L is stale");
	is(depth(b, 95, 99, -1, "[[\"1\",\"9\"]]", "[]"), BOOK_STALE,
	    "spot: u < L is stale");
	tap_eq_s(sides(b), "[[1,1]] [[2,1]]", "stale events change nothing");
	tap_ok(b->state == BOOK_FRESH, "still fresh after stale events");
	is(depth(b, 101, 105, -1, "[[\"1\",\"2\"]]", "[]"), BOOK_APPLIED,
	    "spot: first U == L+1 (NKNUSDT)");
	is(depth(b, 106, 106, -1, "[]", "[]"), BOOK_APPLIED,
	    "spot: U == prev u + 1");
	is(depth(b, 100, 106, -1, "[]", "[]"), BOOK_STALE,
	    "spot: live stale (u == id)");
	is(depth(b, 106, 110, -1, "[]", "[]"), BOOK_BROKEN,
	    "spot: overlapping U == prev u is a gap once live");
	tap_eq_i(st.expected_id, 107, "gap: expected_id");
	is(depth(b, 111, 111, -1, "[]", "[]"), BOOK_IGNORED,
	    "spot: ignored while invalid");
	is(snap(b, 200, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_RESTORED,
	    "spot: snapshot restores");
	is(depth(b, 198, 203, -1, "[]", "[]"), BOOK_APPLIED,
	    "spot: first U < L+1 < u");
	is(depth(b, 205, 210, -1, "[]", "[]"), BOOK_BROKEN,
	    "spot: later U != prev u + 1");
	tap_ok(st.expected_id == 204 && st.got_first_id == 205 &&
	    st.got_last_id == 210 && !st.has_prev, "gap ids");
	snprintf(want, sizeof want, "{\"type\":\"status\","
	    "\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"NKNUSDT\",\"time\":%lld,"
	    "\"source\":\"mkt-book\",\"state\":\"invalid\",\"reason\":\"gap\","
	    "\"last_id\":203,\"expected_id\":204,\"got_first_id\":205,"
	    "\"got_last_id\":210}\n", (long long)now);
	tap_eq_s(render_status(b), want, "gap status exact");
	tap_eq_i(b->time, now, "status carries the depth's time");

	is(snap(b, 300, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_RESTORED,
	    "snapshot L=300");
	is(depth(b, 302, 310, -1, "[]", "[]"), BOOK_BROKEN,
	    "spot: first U > L+1 is a gap");
	tap_ok(st.expected_id == 301 && st.got_first_id == 302,
	    "first-event gap ids");
	is(snap(b, 400, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_RESTORED,
	    "snapshot L=400");
	is(depth(b, 401, 401, -1, "[]", "[]"), BOOK_APPLIED,
	    "spot: first U == u == L+1");
	is(snap(b, 500, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_APPLIED,
	    "a snapshot on a valid book is APPLIED");
	is(depth(b, 500, 501, -1, "[]", "[]"), BOOK_APPLIED,
	    "spot: first U == L, u == L+1");
	book_free(b);
}

static void
test_futures(void)
{
	struct book *b = mk("binance", "futures", "AKROUSDT");
	char want[1024];

	is(snap(b, 100, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_APPLIED,
	    "futures snapshot L=100");
	is(depth(b, 90, 99, 89, "[]", "[]"), BOOK_STALE,
	    "futures: u < L dropped");
	is(depth(b, 95, 100, 94, "[[\"1\",\"3\"]]", "[]"), BOOK_APPLIED,
	    "futures: first u == L (AKROUSDT)");
	tap_eq_s(sides(b), "[[1,3]] [[2,1]]", "u == L event applied");
	/* Futures U is not prev u + 1: continuity is pu == prev u. */
	is(depth(b, 103, 108, 100, "[]", "[[\"2\",\"4\"]]"), BOOK_APPLIED,
	    "futures: pu == prev u, U != prev u + 1");
	is(depth(b, 109, 112, 108, "[]", "[]"), BOOK_APPLIED,
	    "futures: pu == prev u again");
	is(depth(b, 90, 99, 89, "[]", "[]"), BOOK_STALE,
	    "futures: old event dropped when live");
	is(depth(b, 114, 115, 113, "[]", "[]"), BOOK_BROKEN,
	    "futures: later pu != prev u is a gap");
	tap_ok(st.expected_id == 112 && st.got_prev_id == 113 && st.has_prev,
	    "futures gap ids");
	snprintf(want, sizeof want, "{\"type\":\"status\","
	    "\"venue\":\"binance\","
	    "\"market\":\"futures\",\"symbol\":\"AKROUSDT\",\"time\":%lld,"
	    "\"source\":\"mkt-book\",\"state\":\"invalid\",\"reason\":\"gap\","
	    "\"last_id\":112,\"expected_id\":112,\"got_first_id\":114,"
	    "\"got_last_id\":115,\"got_prev_id\":113}\n", (long long)now);
	tap_eq_s(render_status(b), want, "futures gap status exact");
	is(depth(b, 116, 117, 115, "[]", "[]"), BOOK_IGNORED,
	    "futures: ignored while invalid");
	book_free(b);

	b = mk("binance", "futures", "SUSHIUSDT");
	is(snap(b, 200, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_APPLIED,
	    "futures snapshot L=200");
	is(depth(b, 200, 205, 199, "[]", "[]"), BOOK_APPLIED,
	    "futures: first U == L (SUSHIUSDT)");
	is(depth(b, 206, 207, 205, "[]", "[]"), BOOK_APPLIED,
	    "futures: continues");
	is(snap(b, 300, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_APPLIED,
	    "futures snapshot L=300");
	is(depth(b, 290, 310, 289, "[]", "[]"), BOOK_APPLIED,
	    "futures: first U < L < u");
	is(snap(b, 400, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_APPLIED,
	    "futures snapshot L=400");
	is(depth(b, 401, 410, 400, "[]", "[]"), BOOK_APPLIED,
	    "futures: first pu == L");
	is(snap(b, 500, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_APPLIED,
	    "futures snapshot L=500");
	is(depth(b, 502, 510, 501, "[]", "[]"), BOOK_BROKEN,
	    "futures: first U > L is a gap");
	tap_eq_i(st.expected_id, 500, "futures first-event gap expected_id");
	book_free(b);
}

static void
test_bybit(void)
{
	struct book *b = mk("bybit", "linear", "BTCUSDT");

	is(depth(b, -1, 5, -1, "[]", "[]"), BOOK_BROKEN,
	    "bybit: delta before a snapshot");
	is(snap(b, 10, "[[\"100\",\"1\"]]", "[[\"101\",\"1\"]]"), BOOK_RESTORED,
	    "bybit snapshot u=10");
	is(depth(b, -1, 11, -1, "[[\"100\",\"2\"]]", "[]"), BOOK_APPLIED,
	    "bybit: u == prev u + 1");
	is(depth(b, -1, 11, -1, "[[\"100\",\"7\"]]", "[]"), BOOK_STALE,
	    "bybit: repeated u is stale");
	is(depth(b, -1, 9, -1, "[[\"100\",\"7\"]]", "[]"), BOOK_STALE,
	    "bybit: older u is stale");
	tap_eq_s(sides(b), "[[100,2]] [[101,1]]", "bybit: stale not applied");
	is(depth(b, -1, 13, -1, "[]", "[]"), BOOK_BROKEN,
	    "bybit: u != prev u + 1 is a gap");
	tap_ok(st.expected_id == 12 && st.got_last_id == 13 &&
	    st.got_first_id == 13, "bybit gap ids");
	is(depth(b, -1, 14, -1, "[]", "[]"), BOOK_IGNORED,
	    "bybit: ignored while invalid");
	is(snap(b, 20, "[[\"99\",\"1\"]]", "[[\"102\",\"1\"]]"), BOOK_RESTORED,
	    "bybit: snapshot after a gap restores");
	is(depth(b, -1, 21, -1, "[]", "[[\"101.5\",\"1\"]]"), BOOK_APPLIED,
	    "bybit: continues");
	is(snap(b, 30, "[[\"50\",\"5\"]]", "[[\"60\",\"6\"]]"), BOOK_APPLIED,
	    "bybit: snapshot mid-stream resets");
	tap_eq_s(sides(b), "[[50,5]] [[60,6]]", "bybit: old levels gone");
	is(depth(b, -1, 31, -1, "[]", "[]"), BOOK_APPLIED,
	    "bybit: delta after reset");
	is(snap(b, 1, "[[\"50\",\"5\"]]", "[[\"60\",\"6\"]]"), BOOK_APPLIED,
	    "bybit: snapshot with a lower u still resets");
	tap_eq_i(b->last_id, 1, "bybit: id from the new snapshot");
	is(depth(b, -1, 2, -1, "[]", "[]"), BOOK_APPLIED, "bybit: u=2 after 1");
	is(depth(b, 3, 3, -1, "[]", "[]"), BOOK_APPLIED,
	    "bybit: first_id == last_id given");
	book_free(b);
}

static void
test_no_snapshot(void)
{
	struct book *b = mk("binance", "spot", "NEW");
	char want[1024];

	is(depth(b, 5, 6, -1, "[[\"1\",\"1\"]]", "[]"), BOOK_BROKEN,
	    "depth before any snapshot");
	tap_eq_s(st.reason, "no_snapshot", "reason no_snapshot");
	snprintf(want, sizeof want, "{\"type\":\"status\","
	    "\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"NEW\",\"time\":%lld,"
	    "\"source\":\"mkt-book\",\"state\":\"invalid\",\"reason\":"
	    "\"no_snapshot\",\"got_first_id\":5,\"got_last_id\":6}\n",
	    (long long)now);
	tap_eq_s(render_status(b), want, "no_snapshot status exact");
	is(depth(b, 7, 7, -1, "[]", "[]"), BOOK_IGNORED, "then IGNORED");
	is(depth(b, 8, 8, -1, "[]", "[]"), BOOK_IGNORED, "still IGNORED");
	is(snap(b, 7, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_RESTORED,
	    "snapshot restores");
	is(depth(b, 8, 8, -1, "[]", "[]"), BOOK_APPLIED, "then applies");
	book_free(b);
}

static void
test_crossed(void)
{
	struct book *b = mk("binance", "spot", "CROSS");
	char want[1024];

	is(snap(b, 1, "[[\"100\",\"1\"]]", "[[\"101\",\"1\"]]"), BOOK_APPLIED,
	    "snapshot");
	is(depth(b, 2, 2, -1, "[[\"101.5\",\"1\"]]", "[]"), BOOK_BROKEN,
	    "bid above the ask");
	tap_eq_s(st.reason, "crossed", "reason crossed");
	snprintf(want, sizeof want, "{\"type\":\"status\","
	    "\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"CROSS\",\"time\":%lld,"
	    "\"source\":\"mkt-book\",\"state\":\"invalid\",\"reason\":"
	    "\"crossed\",\"last_id\":2,\"best_bid\":101.5,\"best_ask\":101}\n",
	    (long long)now);
	tap_eq_s(render_status(b), want, "crossed status exact");
	is(depth(b, 3, 3, -1, "[[\"101.5\",\"0\"]]", "[]"), BOOK_IGNORED,
	    "invalid stays invalid even when uncrossed");
	is(snap(b, 10, "[[\"100\",\"1\"]]", "[[\"101\",\"1\"]]"), BOOK_RESTORED,
	    "snapshot restores");
	is(depth(b, 11, 11, -1, "[]", "[[\"100\",\"1\"]]"), BOOK_BROKEN,
	    "ask equal to the bid is crossed");
	is(snap(b, 20, "[[\"100\",\"1\"]]", "[[\"99\",\"1\"]]"), BOOK_BROKEN,
	    "crossed snapshot");
	tap_eq_s(st.reason, "crossed", "crossed snapshot reason");
	tap_ok(!book_valid(b), "crossed snapshot leaves the book invalid");
	is(depth(b, 21, 21, -1, "[]", "[]"), BOOK_IGNORED,
	    "ignored after a crossed snapshot");
	is(snap(b, 30, "[[\"100\",\"1\"]]", "[]"), BOOK_RESTORED,
	    "one-sided snapshot is valid");
	book_free(b);
}

static void
test_ticker(void)
{
	struct book *b = mk("binance", "spot", "TICK");
	char want[2048];

	is(ticker(b, 100, "1", "1", "2", "1"), BOOK_APPLIED,
	    "ticker before any snapshot is not checked");
	is(snap(b, 100, "[[\"100.5\",\"1.25\"],[\"100.4\",\"1\"]]",
	    "[[\"100.6\",\"0.5\"]]"), BOOK_APPLIED, "snapshot");
	is(ticker(b, 100, "\"100.5\"", "\"1.25\"", "\"100.6\"", "\"0.5\""),
	    BOOK_APPLIED, "ticker agrees");
	is(ticker(b, 100, "100.5", "1.25", "100.6", "0.5"), BOOK_APPLIED,
	    "ticker with numbers agrees");
	is(ticker(b, 100, "\"100.50000000\"", "\"1.25000000\"",
	    "\"100.60000000\"", "\"0.50000000\""), BOOK_APPLIED,
	    "ticker with more trailing zeros agrees");
	is(ticker(b, 99, "1", "1", "2", "1"), BOOK_APPLIED,
	    "ticker with an older last_id is not checked");
	is(ticker(b, -1, "1", "1", "2", "1"), BOOK_APPLIED,
	    "ticker without last_id is not checked");
	tap_ok(book_valid(b), "book still valid");
	is(ticker(b, 100, "\"100.501\"", "\"1.25\"", "\"100.6\"", "\"0.5\""),
	    BOOK_BROKEN, "ticker finer than the book disagrees");
	is(snap(b, 100, "[[\"100.5\",\"1.25\"],[\"100.4\",\"1\"]]",
	    "[[\"100.6\",\"0.5\"]]"), BOOK_RESTORED, "snapshot again");
	is(ticker(b, 100, "\"100.5\"", "\"1.30\"", "\"100.6\"", "\"0.5\""),
	    BOOK_BROKEN, "ticker disagrees");
	tap_eq_s(st.reason, "ticker_mismatch", "reason ticker_mismatch");
	snprintf(want, sizeof want, "{\"type\":\"status\","
	    "\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"TICK\",\"time\":%lld,"
	    "\"source\":\"mkt-book\",\"state\":\"invalid\",\"reason\":"
	    "\"ticker_mismatch\",\"last_id\":100,\"bid\":100.5,\"bid_qty\":1.3,"
	    "\"ask\":100.6,\"ask_qty\":0.5,\"book_bid\":100.5,"
	    "\"book_bid_qty\":1.25,\"book_ask\":100.6,\"book_ask_qty\":0.5}\n",
	    (long long)now);
	tap_eq_s(render_status(b), want, "ticker_mismatch status exact");
	tap_ok(!book_valid(b), "mismatch invalidates");
	is(depth(b, 101, 101, -1, "[]", "[]"), BOOK_IGNORED,
	    "ignored after a mismatch");

	/* Tickers ahead of the book wait for it. */
	is(snap(b, 200, "[[\"10\",\"1\"]]", "[[\"11\",\"1\"]]"), BOOK_RESTORED,
	    "snapshot L=200");
	is(ticker(b, 202, "10", "5", "11", "1"), BOOK_APPLIED,
	    "ticker ahead is held");
	is(depth(b, 201, 201, -1, "[[\"10\",\"4\"]]", "[]"), BOOK_APPLIED,
	    "book not yet at the ticker's id");
	is(depth(b, 202, 202, -1, "[[\"10\",\"5\"]]", "[]"), BOOK_APPLIED,
	    "book reaches the held ticker, which agrees");
	is(ticker(b, 203, "10", "6", "11", "1"), BOOK_APPLIED,
	    "wrong ticker ahead is held");
	is(depth(b, 203, 203, -1, "[[\"10\",\"5.5\"]]", "[]"), BOOK_BROKEN,
	    "held ticker disagrees when the book reaches it");
	tap_ok(st.reason && strcmp(st.reason, "ticker_mismatch") == 0 &&
	    st.got_last_id == 203, "held mismatch reason and id");
	is(snap(b, 300, "[[\"10\",\"1\"]]", "[[\"11\",\"1\"]]"), BOOK_RESTORED,
	    "snapshot L=300");
	is(ticker(b, 302, "99", "9", "100", "9"), BOOK_APPLIED,
	    "another ticker ahead");
	is(depth(b, 301, 305, -1, "[]", "[]"), BOOK_APPLIED,
	    "a depth jumping past the ticker drops it");
	is(depth(b, 306, 306, -1, "[]", "[]"), BOOK_APPLIED,
	    "dropped ticker never checked");
	is(ticker(b, 310, "10", "1", "11", "1"), BOOK_APPLIED,
	    "ticker ahead of a snapshot");
	is(snap(b, 310, "[[\"10\",\"1\"]]", "[[\"11\",\"2\"]]"), BOOK_BROKEN,
	    "snapshot at the held ticker's id checks it");
	book_free(b);
}

static void
test_synced(void)
{
	struct book *b = mk("binance", "spot", "SYNC");
	struct buf o;
	char want[512];

	is(snap(b, 42, "[[\"1\",\"1\"]]", "[[\"2\",\"1\"]]"), BOOK_APPLIED,
	    "snapshot");
	buf_init(&o, 0);
	book_render_synced(&o, b, "mkt-depth");
	snprintf(want, sizeof want, "{\"type\":\"status\","
	    "\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"SYNC\",\"time\":%lld,"
	    "\"source\":\"mkt-depth\",\"state\":\"synced\",\"last_id\":42}\n",
	    (long long)now);
	tap_ok(o.len == strlen(want) && memcmp(o.p, want, o.len) == 0,
	    "synced status exact");
	buf_free(&o);
	book_free(b);
}

/* A deterministic PRNG (xorshift64*). */
static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/*
 * Random depth events against a reference array indexed by price (in
 * cents): bids 1.00..4.99, asks 5.00..8.99, never crossed.
 */
static void
test_random(void)
{
	enum { NPX = 900 };
	static int64_t ref[NPX];
	struct book *b = mk("binance", "spot", "RANDOM");
	char bids[4096], asks[4096];
	int64_t id = 1;
	int i, k, ok = 1;

	is(snap(b, 1, "[]", "[]"), BOOK_APPLIED, "empty snapshot");
	for (i = 0; i < 3000 && ok; i++) {
		size_t nb = 0, na = 0;
		int changes = 1 + (int)(rnd() % 6);

		nb += (size_t)snprintf(bids, sizeof bids, "[");
		na += (size_t)snprintf(asks, sizeof asks, "[");
		for (k = 0; k < changes; k++) {
			int px = 100 + (int)(rnd() % 800);
			int64_t q = rnd() % 3 == 0 ? 0 :
			    (int64_t)(rnd() % 100000);
			char *d = px < 500 ? bids : asks;
			size_t *n = px < 500 ? &nb : &na;

			/* Quantities written with 3 decimals. */
			*n += (size_t)snprintf(d + *n, 4096 - *n,
			    "%s[\"%d.%02d\",\"%lld.%03lld\"]",
			    *n > 1 ? "," : "", px / 100, px % 100,
			    (long long)(q / 1000), (long long)(q % 1000));
			ref[px] = q;
		}
		snprintf(bids + nb, sizeof bids - nb, "]");
		snprintf(asks + na, sizeof asks - na, "]");
		id++;
		if (depth(b, id, id, -1, bids, asks) != BOOK_APPLIED) {
			tap_diag("update %d not applied", i);
			ok = 0;
			break;
		}
		/* Compare the whole book with the reference. */
		{
			size_t j, nbid = 0, nask = 0;
			int64_t pf = 1, qf = 1;

			for (k = 0; k < b->ps - 2; k++)
				pf *= 10;
			for (k = 0; k < b->qs - 3; k++)
				qf *= 10;
			for (k = 100; k < 900; k++)
				if (ref[k])
					k < 500 ? nbid++ : nask++;
			if (nbid != b->bid.n || nask != b->ask.n)
				ok = 0;
			for (j = 0; ok && j < b->bid.n; j++) {
				int64_t key = b->bid.lv[j].key;

				if (key % pf || key / pf < 100 ||
				    key / pf >= 500 ||
				    ref[key / pf] * qf != b->bid.lv[j].qty ||
				    (j && b->bid.lv[j - 1].key >= key))
					ok = 0;
			}
			for (j = 0; ok && j < b->ask.n; j++) {
				int64_t key = -b->ask.lv[j].key;

				if (key % pf || key / pf < 500 ||
				    key / pf >= 900 ||
				    ref[key / pf] * qf != b->ask.lv[j].qty ||
				    (j && -b->ask.lv[j - 1].key <= key))
					ok = 0;
			}
			if (!ok)
				tap_diag("mismatch after update %d", i);
		}
	}
	tap_ok(ok, "3000 random updates match a reference book");
	book_free(b);
}

/* "[[\"P\",\"1\"],...]": n levels from price `top` down by 0.01. */
static void
ladder(char *out, size_t cap, int top, int n)
{
	size_t len = 0;
	int i;

	out[len++] = '[';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s[\"%d.%02d\","
		    "\"1\"]", i ? "," : "", (top * 100 - i) / 100,
		    (top * 100 - i) % 100);
	snprintf(out + len, cap - len, "]");
}

static void
render_none(void *ctx, struct buf *out, struct book *b)
{
	(void)ctx;
	(void)out;
	(void)b;
}

/* Out of memory is the caller's end, never a status of the book. */
static void
test_nomem(void)
{
	struct book *b = mk("binance", "spot", "NOMEM");
	struct bookset bs;
	struct buf out;
	char bids[4096], line[8192], why[256];
	int r;

	/* 64 bids fill the side's first allocation: a new level needs
	 * more. */
	ladder(bids, sizeof bids, 100, 64);
	is(snap(b, 10, bids, "[[\"200\",\"1\"]]"), BOOK_APPLIED,
	    "nomem: a snapshot of 64 bids");
	fail_realloc = 1;
	failed_reallocs = 0;
	errno = 0;
	r = depth(b, 11, 11, -1, "[[\"150\",\"1\"]]", "[]");
	tap_ok(failed_reallocs == 1, "nomem: the new level asked for memory");
	tap_ok(r == -1 && errno == ENOMEM,
	    "nomem: a level that cannot be stored is ENOMEM, not a status");
	tap_ok(!book_valid(b), "nomem: the book is invalid after it");
	is(snap(b, 20, bids, "[[\"200\",\"1\"]]"), BOOK_RESTORED,
	    "nomem: the next snapshot restores it");
	/* 200 bids, decoded first: the book's own copy is what fails. */
	ladder(bids, sizeof bids, 100, 200);
	snprintf(line, sizeof line, "{\"type\":\"snapshot\",\"venue\":"
	    "\"binance\",\"market\":\"spot\",\"symbol\":\"NOMEM\","
	    "\"last_id\":30,\"bids\":%s,\"asks\":[[\"200\",\"1\"]]}",
	    bids);
	if (event_parse(line, strlen(line), &ev, why, sizeof why) < 0 ||
	    event_fields(&ev, why, sizeof why) < 0 ||
	    event_levels(ev.bids, &lb, "bids", why, sizeof why) < 0 ||
	    event_levels(ev.asks, &la, "asks", why, sizeof why) < 0) {
		tap_diag("setup: %s", why);
		r = -100;
	} else {
		fail_realloc = 1;
		failed_reallocs = 0;
		errno = 0;
		r = book_snapshot(b, &ev, &lb, &la, &st);
	}
	tap_ok(failed_reallocs == 1 && r == -1 && errno == ENOMEM,
	    "nomem: a snapshot too big for memory is ENOMEM, not bad_level");
	book_free(b);

	/* Through bookset_feed(), as mkt-book and mkt-depth run it. */
	bookset_init(&bs, "mkt-book", 0, render_none, NULL);
	bookset_rules(&bs, venue_seq_rule);
	buf_init(&out, 0);
	ladder(bids, sizeof bids, 100, 64);
	snprintf(line, sizeof line, "{\"type\":\"snapshot\",\"venue\":"
	    "\"bybit\",\"market\":\"linear\",\"symbol\":\"X\","
	    "\"last_id\":5,\"bids\":%s,\"asks\":[[\"200\",\"1\"]]}",
	    bids);
	r = event_parse(line, strlen(line), &ev, why, sizeof why) < 0 ||
	    event_fields(&ev, why, sizeof why) < 0 ? -100 :
	    bookset_feed(&bs, &ev, &out, why, sizeof why);
	tap_ok(r == 0, "nomem: bookset takes the snapshot");
	snprintf(line, sizeof line, "{\"type\":\"depth\",\"venue\":"
	    "\"bybit\",\"market\":\"linear\",\"symbol\":\"X\","
	    "\"first_id\":6,\"last_id\":6,\"bids\":[[\"150\",\"1\"]],"
	    "\"asks\":[]}");
	if (event_parse(line, strlen(line), &ev, why, sizeof why) < 0 ||
	    event_fields(&ev, why, sizeof why) < 0) {
		tap_diag("setup: %s", why);
		r = -100;
	} else {
		out.len = 0;
		fail_realloc = 1;
		failed_reallocs = 0;
		errno = 0;
		r = bookset_feed(&bs, &ev, &out, why, sizeof why);
	}
	tap_ok(failed_reallocs == 1 && r == -1 && errno == ENOMEM,
	    "nomem: bookset_feed() hands ENOMEM to the program");
	tap_ok(out.len == 0, "nomem: and renders no status");
	fail_realloc = 0;
	buf_free(&out);
	bookset_free(&bs);
}

int
main(void)
{
	test_apply();
	test_snapshot_order();
	test_scales();
	test_bad_level();
	test_spot();
	test_futures();
	test_bybit();
	test_no_snapshot();
	test_crossed();
	test_ticker();
	test_synced();
	test_random();
	test_nomem();
	levels_free(&lb);
	levels_free(&la);
	return tap_done();
}
