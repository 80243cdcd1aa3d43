/*
 * t_paper: the paper venue's rules (lib/venue/paper/paper.h), each with
 * the exact fills it must give; determinism; save and load.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "base/buf.h"
#include "event/event.h"
#include "venue/paper/paper.h"

#define SNAP(sym, t, id, bids, asks) "{\"type\":\"snapshot\",\"venue\":" \
	"\"bybit\",\"market\":\"linear\",\"symbol\":\"" sym "\",\"time\":" \
	#t ",\"last_id\":" #id ",\"bids\":" bids ",\"asks\":" asks "}"
#define DEPTH(sym, t, id, bids, asks) "{\"type\":\"depth\",\"venue\":" \
	"\"bybit\",\"market\":\"linear\",\"symbol\":\"" sym "\",\"time\":" \
	#t ",\"last_id\":" #id ",\"bids\":" bids ",\"asks\":" asks "}"
#define TRADE(sym, t, px, q) "{\"type\":\"trade\",\"venue\":\"bybit\"," \
	"\"market\":\"linear\",\"symbol\":\"" sym "\",\"time\":" #t \
	",\"id\":\"x\",\"price\":\"" px "\",\"qty\":\"" q \
	"\",\"side\":\"sell\"}"

static struct vt_updates up;

static struct paper *
open_paper(void)
{
	/* Rates 0.0002 and 0.0005. */
	struct paper_opts o = { { 2, 4 }, { 5, 4 } };
	struct paper *p = NULL;

	if (paper_open(&p, &o) < 0)
		tap_ok(0, "paper_open");
	return p;
}

static int
feed(struct paper *p, const char *line)
{
	struct event ev;
	char why[200];
	size_t n = strlen(line);

	if (event_parse(line, n, &ev, why, sizeof why) < 0) {
		tap_diag("bad test line: %s", why);
		return -1;
	}
	if (paper_market(p, &ev, &up, why, sizeof why) < 0) {
		tap_diag("paper_market: %s", why);
		return -1;
	}
	return 0;
}

static int
place_at(struct paper *p, const char *venue, const char *market,
    const char *cid, const char *sym, enum vt_side side, enum vt_kind kind,
    enum vt_tif tif, const char *qty, const char *price)
{
	struct vt_order o = { sym, cid, side, kind, tif, qty, price, 0, NULL,
	    NULL, 0, NULL, 0 };
	char why[200];
	int r = paper_place(p, venue, market, &o, &up, why, sizeof why);

	if (r < 0)
		tap_diag("paper_place: %s", why);
	return r;
}

static int
place(struct paper *p, const char *cid, enum vt_side side,
    enum vt_kind kind, enum vt_tif tif, const char *qty, const char *price)
{
	return place_at(p, "bybit", "linear", cid, "BTCUSDT", side, kind, tif,
	    qty, price);
}

static void
add_fx(struct buf *b, struct fx v)
{
	buf_addc(b, ' ');
	buf_add_fx(b, v);
}

/* The updates so far, one short line each, then forget them:
 * "F cid trade px qty fee asset M|T @time" and
 * "O cid status filled avg @time". */
static const char *
took(void)
{
	static struct buf b;
	size_t i;

	if (!b.p)
		buf_init(&b, 0);
	buf_reset(&b);
	for (i = 0; i < up.n; i++) {
		const struct vt_update *u = &up.u[i];

		if (u->kind == VT_U_FILL) {
			buf_addf(&b, "F %s %s", u->client_id, u->trade_id);
			add_fx(&b, u->fill_price);
			add_fx(&b, u->fill_qty);
			add_fx(&b, u->fee);
			buf_addf(&b, " %s %s", u->fee_asset, u->maker ? "M" :
			    "T");
		} else {
			buf_addf(&b, "O %s %s", u->client_id, u->status);
			add_fx(&b, u->filled_qty);
			add_fx(&b, u->avg_price);
		}
		buf_addf(&b, " @%lld\n", (long long)u->time_ms);
	}
	buf_addc(&b, '\0');
	vt_updates_reset(&up);
	return b.p;
}

static struct paper *
book_101(void)
{
	struct paper *p = open_paper();

	feed(p, SNAP("BTCUSDT", 1000, 1, "[[\"100.0\",\"5\"],[\"99.5\",\"3\"]]",
	    "[[\"101.0\",\"1\"],[\"102.0\",\"4\"]]"));
	took();
	return p;
}

static void
test_market(void)
{
	struct paper *p = book_101();

	tap_eq_i(place(p, "m1", VT_BUY, VT_MARKET, VT_GTC, "3", NULL), 0,
	    "market: placed");
	tap_eq_s(took(),
	    "O m1 new 0 0 @1000\n"
	    "F m1 paper-T-1 101 1 0.0505 USDT T @1000\n"
	    "O m1 partially_filled 1 101 @1000\n"
	    "F m1 paper-T-2 102 2 0.102 USDT T @1000\n"
	    "O m1 filled 3 101.666666666666666667 @1000\n",
	    "market: walks the book level by level, taker fees");
	place(p, "m2", VT_BUY, VT_MARKET, VT_GTC, "6", NULL);
	tap_eq_s(took(),
	    "O m2 new 0 0 @1000\n"
	    "F m2 paper-T-3 101 1 0.0505 USDT T @1000\n"
	    "O m2 partially_filled 1 101 @1000\n"
	    "F m2 paper-T-4 102 4 0.204 USDT T @1000\n"
	    "O m2 partially_filled 5 101.8 @1000\n"
	    "O m2 expired 5 101.8 @1000\n",
	    "market: a thin book fills what there is, the rest expires "
	    "(our fills did not change the book)");
	feed(p, SNAP("BTCUSDT", 1100, 2, "[[\"100.0\",\"5\"]]", "[]"));
	place(p, "m3", VT_BUY, VT_MARKET, VT_IOC, "1", NULL);
	tap_eq_s(took(), "O m3 new 0 0 @1100\nO m3 expired 0 0 @1100\n",
	    "market: an empty side expires it whole");
	place(p, "m4", VT_SELL, VT_MARKET, VT_FOK, "6", NULL);
	tap_eq_s(took(), "O m4 new 0 0 @1100\nO m4 expired 0 0 @1100\n",
	    "market FOK: all or nothing");
	paper_close(p);
}

static void
test_limit_cross(void)
{
	struct paper *p = book_101();

	place(p, "l1", VT_BUY, VT_LIMIT, VT_GTC, "5", "101.5");
	tap_eq_s(took(),
	    "O l1 new 0 0 @1000\n"
	    "F l1 paper-T-1 101 1 0.0505 USDT T @1000\n"
	    "O l1 partially_filled 1 101 @1000\n",
	    "limit GTC crossing: takes up to its price, the rest rests");
	feed(p, DEPTH("BTCUSDT", 1100, 2, "[[\"99.5\",\"1\"]]", "[]"));
	tap_eq_s(took(), "", "limit: the level it took is not used again");
	feed(p, DEPTH("BTCUSDT", 1200, 3, "[]", "[[\"101.2\",\"2.5\"]]"));
	tap_eq_s(took(),
	    "F l1 paper-T-2 101.5 2.5 0.05075 USDT M @1200\n"
	    "O l1 partially_filled 3.5 101.357142857142857143 @1200\n",
	    "limit: new crossing quantity fills it as a maker at its price");
	feed(p, DEPTH("BTCUSDT", 1300, 4, "[]",
	    "[[\"101.0\",\"0\"],[\"101.2\",\"0.5\"]]"));
	tap_eq_s(took(), "", "limit: crossing quantity that shrank is not "
	    "new");
	feed(p, DEPTH("BTCUSDT", 1400, 5, "[]", "[[\"101.4\",\"1\"]]"));
	tap_eq_s(took(),
	    "F l1 paper-T-3 101.5 1 0.0203 USDT M @1400\n"
	    "O l1 partially_filled 4.5 101.388888888888888889 @1400\n",
	    "limit: crossing quantity beyond what is used fills");
	place(p, "l2", VT_SELL, VT_LIMIT, VT_IOC, "10", "99.5");
	tap_eq_s(took(),
	    "O l2 new 0 0 @1400\n"
	    "F l2 paper-T-4 100 5 0.25 USDT T @1400\n"
	    "O l2 partially_filled 5 100 @1400\n"
	    "F l2 paper-T-5 99.5 1 0.04975 USDT T @1400\n"
	    "O l2 partially_filled 6 99.916666666666666667 @1400\n"
	    "O l2 expired 6 99.916666666666666667 @1400\n",
	    "limit IOC crossing (sell): takes the bids down to its price, "
	    "the rest expires");
	place(p, "l3", VT_SELL, VT_LIMIT, VT_IOC, "1", "100.5");
	tap_eq_s(took(), "O l3 new 0 0 @1400\nO l3 expired 0 0 @1400\n",
	    "limit IOC not crossing: expires");
	paper_close(p);
}

static void
test_fok_post_only(void)
{
	struct paper *p = book_101();

	place(p, "f1", VT_BUY, VT_LIMIT, VT_FOK, "5.5", "102");
	tap_eq_s(took(), "O f1 new 0 0 @1000\nO f1 expired 0 0 @1000\n",
	    "FOK: 5 up to its price is not 5.5: expired, no fill");
	place(p, "f2", VT_BUY, VT_LIMIT, VT_FOK, "5", "102");
	tap_eq_s(took(),
	    "O f2 new 0 0 @1000\n"
	    "F f2 paper-T-1 101 1 0.0505 USDT T @1000\n"
	    "O f2 partially_filled 1 101 @1000\n"
	    "F f2 paper-T-2 102 4 0.204 USDT T @1000\n"
	    "O f2 filled 5 101.8 @1000\n",
	    "FOK: exactly enough fills wholly");
	place(p, "p1", VT_BUY, VT_LIMIT, VT_POST_ONLY, "1", "101");
	tap_eq_s(took(), "O p1 rejected 0 0 @1000\n",
	    "post_only that would take: rejected alone");
	place(p, "p2", VT_SELL, VT_LIMIT, VT_POST_ONLY, "1", "101");
	tap_eq_s(took(), "O p2 new 0 0 @1000\n", "post_only passive: rests");
	tap_eq_i(paper_cancel(p, "p2", &up), 0, "cancel: a resting order");
	tap_eq_s(took(), "O p2 canceled 0 0 @1000\n", "cancel: its update");
	tap_eq_i(paper_cancel(p, "p2", &up), 1, "cancel: already final");
	tap_eq_i(paper_cancel(p, "zz", &up), 1, "cancel: unknown");
	tap_eq_i(place(p, "p2", VT_SELL, VT_LIMIT, VT_GTC, "1", "103"), 1,
	    "duplicate client id: 1");
	tap_eq_s(took(), "", "duplicate: nothing appended");
	place(p, "b1", VT_SELL, VT_LIMIT, VT_GTC, "0", "103");
	place(p, "b2", VT_SELL, VT_LIMIT, VT_GTC, "1", "x");
	place(p, "b3", VT_SELL, VT_MARKET, VT_POST_ONLY, "1", NULL);
	place_at(p, "bybit", "spot", "b4", "BTCUSDT", VT_SELL, VT_LIMIT,
	    VT_GTC, "1", "103");
	tap_eq_s(took(), "O b1 rejected 0 0 @1000\nO b2 rejected 0 0 @1000\n"
	    "O b3 rejected 0 0 @1000\nO b4 rejected 0 0 @1000\n",
	    "rejected: zero qty, bad price, post_only market, no book");
	paper_close(p);
}

static void
test_queue(void)
{
	struct paper *p = book_101();
	struct vt_update u;

	place(p, "q1", VT_BUY, VT_LIMIT, VT_GTC, "2", "100");
	place(p, "q2", VT_BUY, VT_LIMIT, VT_GTC, "1", "100");
	tap_eq_s(took(), "O q1 new 0 0 @1000\nO q2 new 0 0 @1000\n",
	    "queue: two orders rest behind 5");
	feed(p, TRADE("BTCUSDT", 1100, "100.0", "3"));
	tap_eq_s(took(), "", "queue: a trade of 3 at our price: 2 ahead");
	feed(p, DEPTH("BTCUSDT", 1200, 2, "[[\"100\",\"4\"]]", "[]"));
	feed(p, DEPTH("BTCUSDT", 1300, 3, "[[\"100\",\"9\"]]", "[]"));
	tap_eq_s(took(), "", "queue: the level fell by 1 (1 ahead), then "
	    "grew behind us");
	feed(p, TRADE("BTCUSDT", 1400, "100", "1.5"));
	tap_eq_s(took(),
	    "F q1 paper-T-1 100 0.5 0.01 USDT M @1400\n"
	    "O q1 partially_filled 0.5 100 @1400\n",
	    "queue: 1 ahead, then what of the trade is left fills the "
	    "first; the second, behind it, gets nothing");
	feed(p, TRADE("BTCUSDT", 1500, "99.9", "2"));
	tap_eq_s(took(),
	    "F q1 paper-T-2 100 1.5 0.03 USDT M @1500\n"
	    "O q1 filled 2 100 @1500\n"
	    "F q2 paper-T-3 100 0.5 0.01 USDT M @1500\n"
	    "O q2 partially_filled 0.5 100 @1500\n",
	    "queue: a trade through our price fills at our price, shared "
	    "in the order they rest");
	feed(p, TRADE("BTCUSDT", 1600, "100.5", "9"));
	feed(p, TRADE("BTCUSDT", 1700, "100", "0.2"));
	tap_eq_s(took(),
	    "F q2 paper-T-4 100 0.2 0.004 USDT M @1700\n"
	    "O q2 partially_filled 0.7 100 @1700\n",
	    "queue: a trade above a buy is nothing; after a through-trade "
	    "nothing is ahead");
	feed(p, DEPTH("BTCUSDT", 1800, 4, "[]", "[[\"100\",\"7\"]]"));
	tap_eq_s(took(), "", "a crossed book is out of sync: no fill");
	tap_eq_i(paper_query(p, "q2", &u), 1, "query: found");
	tap_eq_s(u.status, "partially_filled", "query: status");
	tap_eq_s(u.order_id, "paper-2", "query: order id counts placements");
	tap_eq_i(paper_query(p, "nope", &u), 0, "query: not found");
	paper_close(p);
}

static void
test_symbols(void)
{
	struct paper *p = open_paper();

	feed(p, SNAP("ETHBTC", 5, 1, "[[\"0.05\",\"10\"]]",
	    "[[\"0.051\",\"10\"]]"));
	feed(p, "{\"type\":\"snapshot\",\"venue\":\"bybit\",\"market\":"
	    "\"spot\",\"symbol\":\"ETHBTC\",\"time\":6,\"last_id\":1,"
	    "\"bids\":[],\"asks\":[]}");
	feed(p, SNAP("SOLUSDC", 7, 1, "[]", "[[\"80\",\"2\"]]"));
	took();
	place_at(p, NULL, NULL, "s1", "ETHBTC", VT_BUY, VT_MARKET, VT_GTC,
	    "1", NULL);
	tap_eq_s(took(), "O s1 rejected 0 0 @7\n",
	    "venue and market NULL, two books: rejected");
	place_at(p, NULL, "linear", "s2", "ETHBTC", VT_BUY, VT_MARKET, VT_GTC,
	    "1", NULL);
	place_at(p, NULL, NULL, "s3", "SOLUSDC", VT_BUY, VT_MARKET, VT_GTC,
	    "1", NULL);
	tap_eq_s(took(),
	    "O s2 new 0 0 @7\n"
	    "F s2 paper-T-1 0.051 1 0.0000255 BTC T @7\n"
	    "O s2 filled 1 0.051 @7\n"
	    "O s3 new 0 0 @7\n"
	    "F s3 paper-T-2 80 1 0.04 USDC T @7\n"
	    "O s3 filled 1 80 @7\n",
	    "the only book of a symbol; fee assets BTC and USDC");
	paper_close(p);
}

/* One session of events and orders; reload: save and load half way. */
static const char *
session(int reload, struct buf *saved)
{
	static const char *const ev[] = {
		SNAP("BTCUSDT", 1000, 1, "[[\"100\",\"5\"],[\"99\",\"2\"]]",
		    "[[\"101\",\"1\"],[\"102\",\"4\"]]"),
		TRADE("BTCUSDT", 1100, "100", "4.5"),
		DEPTH("BTCUSDT", 1200, 2, "[[\"100\",\"3\"]]", "[]"),
		TRADE("BTCUSDT", 1300, "100", "1"),
		DEPTH("BTCUSDT", 1400, 3, "[]", "[[\"100.5\",\"1\"]]"),
		TRADE("BTCUSDT", 1500, "98", "9"),
	};
	struct paper *p = open_paper();
	static struct buf all;
	char why[200];
	size_t i;

	if (!all.p)
		buf_init(&all, 0);
	buf_reset(&all);
	feed(p, ev[0]);
	place(p, "a", VT_BUY, VT_LIMIT, VT_GTC, "2", "100");
	place(p, "b", VT_BUY, VT_LIMIT, VT_POST_ONLY, "3", "100.5");
	place(p, "c", VT_SELL, VT_LIMIT, VT_GTC, "1%", "101");
	place(p, "d", VT_BUY, VT_LIMIT, VT_GTC, "1.5", "101");
	for (i = 1; i < 6; i++) {
		if (i == 3 && reload) {
			buf_reset(saved);
			if (paper_save(p, saved) < 0)
				tap_ok(0, "paper_save");
			paper_close(p);
			p = open_paper();
			if (paper_load(p, saved->p, saved->len, why,
			    sizeof why) < 0)
				tap_diag("paper_load: %s", why);
			/* A restarted program gets the snapshot again. */
			feed(p, SNAP("BTCUSDT", 1200, 2,
			    "[[\"100\",\"3\"],[\"99\",\"2\"]]",
			    "[[\"101\",\"1\"],[\"102\",\"4\"]]"));
		}
		feed(p, ev[i]);
	}
	buf_adds(&all, took());
	paper_close(p);
	buf_addc(&all, '\0');
	return all.p;
}

static void
test_save_load(void)
{
	struct buf s1, s2;
	char straight[4096], why[200];
	struct paper *p;

	buf_init(&s1, 0);
	buf_init(&s2, 0);
	snprintf(straight, sizeof straight, "%s", session(0, &s1));
	tap_eq_s(session(0, &s1), straight, "determinism: the same input "
	    "gives byte-identical updates");
	tap_eq_s(straight,
	    "O a new 0 0 @1000\n"
	    "O b new 0 0 @1000\n"
	    "O c rejected 0 0 @1000\n"
	    "O d new 0 0 @1000\n"
	    "F d paper-T-1 101 1 0.0505 USDT T @1000\n"
	    "O d partially_filled 1 101 @1000\n"
	    "F b paper-T-2 100.5 3 0.0603 USDT M @1100\n"
	    "O b filled 3 100.5 @1100\n"
	    "F d paper-T-3 101 0.5 0.0101 USDT M @1100\n"
	    "O d filled 1.5 101 @1100\n"
	    "F a paper-T-4 100 1 0.02 USDT M @1300\n"
	    "O a partially_filled 1 100 @1300\n"
	    "F a paper-T-5 100 1 0.02 USDT M @1500\n"
	    "O a filled 2 100 @1500\n",
	    "session: a trade through two orders' prices fills both in "
	    "turn; a's queue (5) is used up by the trade of 4.5 and the "
	    "level's fall to 3");
	tap_eq_s(session(1, &s1), straight,
	    "save and load half way: the same updates");
	tap_eq_s(s1.p ? (buf_addc(&s1, '\0'), s1.p) : "",
	    "paper 1\ncounters 4 3 1200\n"
	    "order bybit linear BTCUSDT a paper-1 buy limit gtc 2 100 0 0 0 0\n"
	    "end\n", "saved text, version 1: the one resting order");
	s1.len--;
	p = open_paper();
	tap_ok(paper_load(p, s1.p, s1.len, why, sizeof why) == 0 &&
	    paper_save(p, &s2) == 0 && s2.len == s1.len &&
	    memcmp(s1.p, s2.p, s1.len) == 0, "load then save: the same text");
	tap_ok(paper_load(p, s1.p, s1.len, why, sizeof why) < 0 &&
	    errno == EBUSY, "load into a used paper: EBUSY");
	paper_close(p);
	p = open_paper();
	tap_ok(paper_load(p, "paper 2\n", 8, why, sizeof why) < 0 &&
	    errno == EINVAL, "another version: EINVAL (%s)", why);
	tap_ok(paper_load(p, s1.p, s1.len - 4, why, sizeof why) < 0 &&
	    errno == EINVAL, "no end line: EINVAL");
	tap_ok(paper_load(p, s1.p, s1.len, why, sizeof why) == 0,
	    "a failed load left nothing behind");
	paper_close(p);
	buf_free(&s1);
	buf_free(&s2);
}

static void
test_cancel_lazily(void)
{
	struct paper *p = book_101();
	struct buf s;

	buf_init(&s, 0);
	place(p, "k1", VT_BUY, VT_LIMIT, VT_GTC, "1", "99");
	place(p, "k2", VT_BUY, VT_LIMIT, VT_GTC, "1", "99");
	place(p, "k3", VT_BUY, VT_LIMIT, VT_GTC, "1", "99");
	tap_eq_i(paper_cancel(p, "k2", &up), 0, "cancel in the middle");
	took();
	feed(p, TRADE("BTCUSDT", 1100, "98", "2.5"));
	tap_eq_s(took(),
	    "F k1 paper-T-1 99 1 0.0198 USDT M @1100\n"
	    "O k1 filled 1 99 @1100\n"
	    "F k3 paper-T-2 99 1 0.0198 USDT M @1100\n"
	    "O k3 filled 1 99 @1100\n",
	    "a canceled order takes no part in later fills");
	place(p, "k4", VT_SELL, VT_LIMIT, VT_GTC, "1", "103");
	place(p, "k5", VT_SELL, VT_LIMIT, VT_GTC, "1", "104");
	tap_eq_i(paper_cancel(p, "k4", &up), 0, "cancel the first of two");
	tap_ok(paper_save(p, &s) == 0 && (buf_addc(&s, '\0'),
	    !buf_failed(&s)) && strstr(s.p, " k4 ") == NULL &&
	    strstr(s.p, " k5 ") != NULL, "save skips canceled orders");
	paper_close(p);
	buf_free(&s);
}

int
main(void)
{
	test_market();
	test_limit_cross();
	test_fok_post_only();
	test_queue();
	test_symbols();
	test_save_load();
	test_cancel_lazily();
	vt_updates_free(&up);
	return tap_done();
}
