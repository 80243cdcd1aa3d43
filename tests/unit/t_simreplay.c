/*
 * t_simreplay: a file of mkt events as given steps (lib/simreplay) and
 * the given markets of lib/simmarket -- decimals found from the data,
 * the first snapshot as the initial book, stale depth events dropped,
 * gaps kept, trades and tickers riding with the next step or a step of
 * their own, refused values naming their line, and simmarket_apply()
 * giving the changes as given, depth-limited diffs and a rendered book.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "sim/simmarket.h"
#include "sim/simreplay.h"
#include "tap.h"

static char path[64];
static int nbad;
static long bad_lines[16];

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static int
want_all(void *ctx, const char *venue, const char *market,
    const char *symbol)
{
	(void)ctx;
	(void)symbol;
	return strcmp(venue, "kraken") != 0 && strcmp(market, "x") != 0;
}

static void
on_bad(void *ctx, long line, const char *why)
{
	(void)ctx;
	(void)why;
	if (nbad < 16)
		bad_lines[nbad] = line;
	nbad++;
}

static const char *
book(struct simmarket *m)
{
	static struct buf b;
	static int init;

	if (!init)
		buf_init(&b, 0);
	init = 1;
	buf_reset(&b);
	if (simmarket_render_book(m, &b) < 0)
		buf_adds(&b, "(a price out of range)");
	buf_addc(&b, '\0');
	return b.p;
}

static const char file1[] =
    /* 1: before the snapshot: skipped */
    "{\"type\":\"depth\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"time\":900,\"first_id\":5,\"last_id\":9,"
    "\"bids\":[],\"asks\":[]}\n"
    /* 2: the snapshot: 2 price decimals as written ("1.50") */
    "{\"type\":\"snapshot\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"time\":1000,\"last_id\":10,"
    "\"bids\":[[\"1.50\",\"2\"],[\"1.4\",\"1.5\"]],"
    "\"asks\":[[\"1.6\",\"3\"]]}\n"
    /* 3: stale */
    "{\"type\":\"depth\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"time\":1001,\"first_id\":8,\"last_id\":10,"
    "\"bids\":[[\"9\",\"9\"]],\"asks\":[]}\n"
    /* 4: a trade and 5: a ticker ride with the next step */
    "{\"type\":\"trade\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"time\":1050,\"id\":77,\"price\":1.6,"
    "\"qty\":0.001,\"side\":\"buy\"}\n"
    "{\"type\":\"ticker\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"time\":1060,\"bid\":1.5,\"bid_qty\":2,"
    "\"ask\":1.6,\"ask_qty\":2.999,\"last_id\":11}\n"
    /* 6: the first step; 3 quantity decimals; a no-op delete kept */
    "{\"type\":\"depth\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"time\":1100,\"first_id\":11,\"last_id\":11,"
    "\"bids\":[[\"1.3\",\"0\"]],\"asks\":[[\"1.6\",\"2.999\"]]}\n"
    /* 7: bad */
    "not json\n"
    /* 8: other type, 9: another venue */
    "{\"type\":\"status\",\"state\":\"connected\"}\n"
    "{\"type\":\"depth\",\"venue\":\"kraken\",\"market\":\"spot\","
    "\"symbol\":\"X\",\"last_id\":1,\"bids\":[],\"asks\":[]}\n"
    /* 10: a gap (12 missing): kept */
    "{\"type\":\"depth\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"first_id\":13,\"last_id\":14,"
    "\"bids\":[[\"1.55\",\"1\"]],\"asks\":[]}\n"
    /* 11: a Bybit book without snapshot */
    "{\"type\":\"depth\",\"venue\":\"bybit\",\"market\":\"linear\","
    "\"symbol\":\"BBBUSDT\",\"last_id\":1,\"bids\":[],\"asks\":[]}\n"
    /* 12: a later snapshot resets */
    "{\"type\":\"snapshot\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"time\":1200,\"last_id\":30,"
    "\"bids\":[[\"1.2\",\"1\"]],\"asks\":[[\"1.7\",\"1\"]]}\n"
    /* 13: a trade after the last step: a step of its own */
    "{\"type\":\"trade\",\"venue\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"AAAUSDT\",\"time\":1300,\"id\":\"t-1\",\"price\":1.7,"
    "\"qty\":1,\"side\":\"sell\"}\n";

static void
test_load(void)
{
	struct simreplay r;
	struct sr_inst *in;
	struct sr_step st;
	struct sm_params p;
	struct simmarket *m;
	struct sm_diff d;
	int rc;

	write_file(file1);
	nbad = 0;
	rc = simreplay_load(&r, path, want_all, on_bad, NULL);
	tap_eq_i(rc, 0, "load: 0");
	tap_eq_i(nbad, 1, "load: one bad line");
	tap_eq_i(bad_lines[0], 7, "load: the bad line is line 7");
	tap_eq_i((int64_t)r.ninst, 2, "load: two instruments");
	tap_eq_i((int64_t)r.n.lines, 13, "counts: lines");
	tap_eq_i((int64_t)r.n.other, 1, "counts: other types");
	tap_eq_i((int64_t)r.n.unserved, 1, "counts: not wanted");
	tap_eq_i((int64_t)r.n.early, 2, "counts: before a snapshot");
	tap_eq_i((int64_t)r.n.stale, 1, "counts: stale");
	tap_eq_i((int64_t)r.n.gaps, 1, "counts: one gap");
	tap_eq_i(r.n.gap_line, 10, "counts: the gap's line");
	tap_eq_i((int64_t)r.n.steps, 4, "counts: 4 steps");
	in = r.inst[0];
	tap_eq_s(in->symbol, "AAAUSDT", "first instrument");
	tap_eq_i(in->px_dp, 2, "price decimals as written");
	tap_eq_i(in->qty_dp, 3, "quantity decimals as written");
	tap_eq_i(in->has_snapshot, 1, "has a snapshot");
	tap_eq_i(r.inst[1]->has_snapshot, 0, "the Bybit book has none");
	tap_eq_i((int64_t)in->nrec, 5, "initial book and 4 steps");

	simreplay_step(in, 0, &st);
	tap_eq_i(st.kind, SR_SNAPSHOT, "step 0: snapshot");
	tap_eq_i(st.line, 2, "step 0: line 2");
	tap_eq_i(simmarket_params_given(&p, in->venue, in->market,
	    in->symbol, in->px_dp, in->qty_dp), 0, "params");
	m = simmarket_new(&p);
	tap_ok(m != NULL, "new");
	tap_eq_i(simmarket_load(m, &st.sm), 0, "load the snapshot");
	tap_eq_s(book(m), "{\"type\":\"book\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"AAAUSDT\",\"last_id\":10,"
	    "\"bids\":[[1.5,2],[1.4,1.5]],\"asks\":[[1.6,3]]}\n",
	    "the initial book");
	tap_eq_i((int64_t)m->steps, 0, "loading is not a step");

	simreplay_step(in, 1, &st);
	tap_eq_i(st.kind, SR_DEPTH, "step 1: depth");
	tap_eq_i((int64_t)st.sm.ntrades, 1, "step 1: the trade rides");
	tap_eq_i((int64_t)st.ntickers, 1, "step 1: the ticker rides");
	tap_eq_i(st.tickers[0].ask_qty, 299900000, "ticker qty in 1e-8");
	tap_eq_i(st.tickers[0].ask, 160, "ticker price in ticks");
	tap_eq_i((int64_t)st.sm.prev_id, 10, "prev_id: the last id");
	tap_eq_i(simmarket_apply(m, &st.sm), 0, "apply step 1");
	simmarket_diff(m, 0, &d);
	tap_eq_i((int64_t)(d.nbid * 10 + d.nask), 11,
	    "whole-book diff: the changes as given, no-op included");
	tap_eq_i(d.bid[0].px, 130, "the no-op delete is there");
	simmarket_diff(m, 5, &d);
	tap_eq_i((int64_t)(d.nbid * 10 + d.nask), 1,
	    "a depth-limited view: only what changed");
	tap_eq_i(m->trades[0].qty, 100000, "trade qty");
	tap_eq_i((int64_t)m->trades[0].id, 77, "trade id");
	tap_eq_i(m->time, 1100, "step time");

	simreplay_step(in, 2, &st);
	tap_eq_i((int64_t)st.sm.first_id, 13, "step 2: the gap kept");
	tap_eq_i(st.at, 1100, "step 2: no time: paced with the last");
	tap_eq_i(simmarket_apply(m, &st.sm), 0, "apply step 2");
	simreplay_step(in, 3, &st);
	tap_eq_i(st.kind, SR_SNAPSHOT, "step 3: a later snapshot");
	tap_eq_i(simmarket_apply(m, &st.sm), 0, "apply step 3");
	tap_eq_s(book(m), "{\"type\":\"book\",\"venue\":\"binance\","
	    "\"market\":\"spot\",\"symbol\":\"AAAUSDT\",\"last_id\":30,"
	    "\"bids\":[[1.2,1]],\"asks\":[[1.7,1]]}\n",
	    "a snapshot step replaces the book");
	simmarket_diff(m, 0, &d);
	tap_eq_i((int64_t)(d.nbid * 10 + d.nask), 42,
	    "a snapshot step's diff: old levels out, new in");
	simreplay_step(in, 4, &st);
	tap_eq_i(st.kind, SR_EXTRA, "step 4: trades only");
	tap_eq_i((int64_t)st.sm.last_id, 30, "step 4: ids unchanged");
	tap_eq_s(st.sm.trades[0].id_text, "t-1", "a string trade id");
	tap_eq_i(simmarket_apply(m, &st.sm), 0, "apply step 4");
	simmarket_diff(m, 0, &d);
	tap_eq_i((int64_t)(d.nbid + d.nask), 0, "step 4: no change");
	tap_eq_i((int64_t)m->steps, 4, "4 steps taken");
	simmarket_free(m);
	simreplay_free(&r);
}

/* Many trades before one step: SM_TRADES_MAX a step, the rest before. */
static void
test_many_trades(void)
{
	struct simreplay r;
	struct sr_step st;
	char *text = malloc(1 << 16);
	size_t n = 0, i;
	int rc;

	n += (size_t)sprintf(text + n, "{\"type\":\"snapshot\",\"venue\":"
	    "\"bybit\",\"market\":\"spot\",\"symbol\":\"CCCUSDT\","
	    "\"last_id\":1,\"seq\":5,\"bids\":[[1,1]],\"asks\":[[2,1]]}\n");
	for (i = 0; i < SM_TRADES_MAX + 3; i++)
		n += (size_t)sprintf(text + n, "{\"type\":\"trade\",\"venue\":"
		    "\"bybit\",\"market\":\"spot\",\"symbol\":\"CCCUSDT\","
		    "\"time\":%zu,\"id\":\"%zu\",\"price\":1.5,\"qty\":1,"
		    "\"side\":\"buy\"}\n", 100 + i, i);
	sprintf(text + n, "{\"type\":\"depth\",\"venue\":\"bybit\","
	    "\"market\":\"spot\",\"symbol\":\"CCCUSDT\",\"last_id\":2,"
	    "\"bids\":[],\"asks\":[]}\n");
	write_file(text);
	free(text);
	rc = simreplay_load(&r, path, want_all, on_bad, NULL);
	tap_eq_i(rc, 0, "many trades: load");
	tap_eq_i((int64_t)r.inst[0]->nrec, 3, "many trades: two steps");
	simreplay_step(r.inst[0], 1, &st);
	tap_eq_i(st.kind, SR_EXTRA, "many trades: a trades-only step");
	tap_eq_i((int64_t)st.sm.ntrades, SM_TRADES_MAX, "... of the first");
	tap_eq_i((int64_t)st.sm.seq, 5, "... seq kept");
	tap_eq_i(st.sm.time, 100 + SM_TRADES_MAX - 1, "... its last time");
	simreplay_step(r.inst[0], 2, &st);
	tap_eq_i((int64_t)st.sm.ntrades, 3, "then the rest with the depth");
	tap_eq_i(r.inst[0]->qty_dp, 0, "whole quantities: 0 decimals");
	simreplay_free(&r);
}

static void
refused(const char *text, long line, const char *why, const char *name)
{
	struct simreplay r;
	int rc;

	write_file(text);
	errno = 0;
	rc = simreplay_load(&r, path, want_all, on_bad, NULL);
	tap_ok(rc == -1 && errno == EINVAL, "%s: refused", name);
	tap_eq_i(r.line, line, name);
	tap_eq_s(r.why, why, name);
	simreplay_free(&r);
}

static void
test_refused(void)
{
	const char *head = "{\"type\":\"snapshot\",\"venue\":\"binance\","
	    "\"market\":\"futures\",\"symbol\":\"DDDUSDT\",\"last_id\":1,";
	char text[1024];

	snprintf(text, sizeof text, "%s\"bids\":[[1,1]],\"asks\":[]}\n"
	    "%s\"bids\":[[1,\"0.000000001\"]],\"asks\":[]}\n", head, head);
	refused(text, 2, "line 2: quantity '0.000000001' has more than 8 "
	    "decimals", "9 quantity decimals");
	snprintf(text, sizeof text, "%s\"bids\":[[1,\"100000000000\"]],"
	    "\"asks\":[]}\n", head);
	refused(text, 1, "line 1: quantity '100000000000' is out of range "
	    "(at most 92233720368.54775807)", "a quantity too large");
	snprintf(text, sizeof text, "%s\"bids\":[[\"0.0000000000000000001\","
	    "1]],\"asks\":[]}\n", head);
	refused(text, 1, "line 1: price '0.0000000000000000001' has more "
	    "than 18 decimals", "19 price decimals");
	snprintf(text, sizeof text, "%s\"bids\":[[\"100000000000\",1]],"
	    "\"asks\":[[\"1.00000001\",1]]}\n", head);
	refused(text, 1, "line 1: price '100000000000' is out of range (more "
	    "than 64 bits at 8 decimals, the most a price of DDDUSDT has)",
	    "prices too large at the instrument's decimals");
}

/* Trailing zeros beyond the limits are fine: the value is exact. */
static void
test_trailing_zeros(void)
{
	struct simreplay r;
	int rc;

	write_file("{\"type\":\"snapshot\",\"venue\":\"binance\",\"market\":"
	    "\"spot\",\"symbol\":\"EEEUSDT\",\"last_id\":1,\"bids\":"
	    "[[\"1.000000000000000000000\",\"1.50000000000\"]],"
	    "\"asks\":[]}\n");
	rc = simreplay_load(&r, path, want_all, on_bad, NULL);
	tap_eq_i(rc, 0, "trailing zeros: load");
	tap_eq_i(r.inst[0]->px_dp, SM_PX_DP_MAX, "price decimals capped");
	tap_eq_i(r.inst[0]->qty_dp, SM_QTY_DP, "quantity decimals capped");
	simreplay_free(&r);
}

static void
test_not_found(void)
{
	struct simreplay r;
	int rc;

	errno = 0;
	rc = simreplay_load(&r, "/nonexistent/x", want_all, on_bad, NULL);
	tap_ok(rc == -1 && errno == ENOENT, "missing file: ENOENT");
	simreplay_free(&r);
	rc = simreplay_load(&r, "/dev/null", want_all, on_bad, NULL);
	tap_ok(rc == -1 && errno == EINVAL, "not a regular file: EINVAL");
	tap_eq_s(r.why, "not a regular file (it is read twice)",
	    "not a regular file: why");
	simreplay_free(&r);
}

static void
test_generated_refuses(void)
{
	struct sm_params p;
	struct simmarket *m;
	struct sm_step st;

	memset(&st, 0, sizeof st);
	st.snapshot = 1;
	if (simmarket_params(&p, "binance", "spot", "BTCUSDT", 10, 1) < 0)
		tap_ok(0, "params");
	m = simmarket_new(&p);
	errno = 0;
	tap_ok(simmarket_apply(m, &st) == -1 && errno == EINVAL,
	    "a generated market takes no given step");
	simmarket_free(m);
	tap_ok(simmarket_params_given(&p, "binance", "spot", "BTCUSDT",
	    19, 8) == -1 && errno == EINVAL, "19 price decimals: EINVAL");
	tap_ok(simmarket_params_given(&p, "binance", "spot", "BTCUSDT",
	    2, 9) == -1 && errno == EINVAL, "9 quantity decimals: EINVAL");
}

int
main(void)
{
	int fd;

	snprintf(path, sizeof path, "/tmp/t_simreplay.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	test_load();
	test_many_trades();
	test_refused();
	test_trailing_zeros();
	test_not_found();
	test_generated_refuses();
	unlink(path);
	return tap_done();
}
