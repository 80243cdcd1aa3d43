/*
 * t_report: what mkt-report counts.  Round trips (trade/roundtrip): a
 * long and a short from flat to flat, partial closes, a flip through
 * zero with its fee in the trade it closes, exact pnl without an
 * average, the exit reason, positions left open, bad fills; the
 * statistics of a group: win rate, streaks (a zero-pnl trade ends
 * both), drawdown from the first peak and from 0, the rounded average.
 * The store's reader (store/state_report): fills in time order with
 * their intents' reasons or tags, the range and venue filters, a
 * missing store refused and not created.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/state.h"
#include "trade/roundtrip.h"
#include "tap.h"

static struct fx
dec(const char *s)
{
	struct fx v = { 0, 0 };

	if (fx_parse(s, strlen(s), &v) != FX_OK)
		tap_ok(0, "decimal '%s'", s);
	return v;
}

static const char *
str(struct fx v)
{
	static char b[4][FX_BUFSZ];
	static int i;

	i = (i + 1) % 4;
	return fx_str(fx_trim(v), b[i]);
}

/* Add a fill of BTCUSDT; the answer of rt_add. */
static int
fill(struct rt_book *b, const char *symbol, int buy, const char *px,
    const char *qty, const char *fee, int64_t t, const char *reason,
    struct rt_trade *out)
{
	struct rt_fill f = { "binance", "spot", symbol, buy, dec(px),
		dec(qty), dec(fee), t, reason };

	return rt_add(b, &f, out);
}

static void
test_round_trips(void)
{
	struct rt_book b;
	struct rt_trade t;

	rt_init(&b);
	tap_eq_i(fill(&b, "BTCUSDT", 1, "100", "1", "0.1", 1, NULL, &t), 0,
	    "a buy from flat opens a trade");
	tap_eq_i(fill(&b, "BTCUSDT", 1, "102", "1", "0.1", 2, NULL, &t), 0,
	    "a second buy adds to it");
	tap_eq_i(fill(&b, "BTCUSDT", 0, "105", "0.5", "0", 3, "x", &t), 0,
	    "a partial sell does not close it");
	tap_eq_i(rt_open(&b), 1, "one trade open");
	tap_eq_i(fill(&b, "BTCUSDT", 0, "101", "1.5", "0.05", 4, "tp", &t), 1,
	    "the sell that reaches zero closes it");
	/* sold 52.5 + 151.5, bought 202, fees 0.25 */
	tap_eq_s(str(t.pnl), "1.75", "pnl: sold less bought less fees");
	tap_eq_s(str(t.fees), "0.25", "its fees");
	tap_eq_i(t.fills, 4, "four fills");
	tap_eq_i(t.open_ms * 10 + t.close_ms, 14, "opened at 1, closed at 4");
	tap_eq_s(t.reason, "tp", "the closing fill's reason");
	tap_eq_i(t.long_side, 1, "a long");
	tap_eq_i(rt_open(&b), 0, "flat again");

	tap_eq_i(fill(&b, "ETHUSDT", 0, "50", "2", "0", 5, NULL, &t), 0,
	    "a short opens on another symbol");
	tap_eq_i(fill(&b, "ETHUSDT", 1, "45", "5", "0.3", 6, "", &t), 1,
	    "a buy through zero closes it");
	tap_eq_s(str(t.pnl), "9.7", "the short's pnl takes the whole fee");
	tap_eq_s(t.reason, "unknown", "no reason: unknown");
	tap_eq_i(t.long_side, 0, "a short");
	tap_eq_i(rt_open(&b), 1, "and the rest opens a long");
	tap_eq_i(fill(&b, "ETHUSDT", 0, "46", "3", "0", 7, NULL, &t), 1,
	    "which the next sell closes");
	tap_eq_s(str(t.pnl), "3", "3 x (46 - 45), no fee carried over");
	tap_eq_i(t.open_ms, 6, "opened by the flip");

	/* Exact: no average is ever rounded. */
	tap_eq_i(fill(&b, "X", 1, "0.1", "3", "0", 8, NULL, &t), 0, "buy");
	tap_eq_i(fill(&b, "X", 1, "0.2", "3", "0", 8, NULL, &t), 0, "buy");
	tap_eq_i(fill(&b, "X", 0, "0.3333333333333333333", "6", "0", 9, NULL,
	    &t), 1, "sell");
	tap_eq_s(str(t.pnl), "1.0999999999999999998", "exact to the last digit");

	tap_eq_i(fill(&b, "BTCUSDT", 1, "100", "0", "0", 10, NULL, &t), -1,
	    "a quantity of 0 is refused");
	tap_eq_i(errno, EINVAL, "EINVAL");
	{
		char longsym[100];

		memset(longsym, 'A', sizeof longsym - 1);
		longsym[sizeof longsym - 1] = '\0';
		tap_eq_i(fill(&b, longsym, 1, "1", "1", "0", 10, NULL, &t), -1,
		    "a symbol too long is refused");
	}
	rt_free(&b);
}

static struct rt_trade
trade_of(const char *pnl, const char *fees)
{
	struct rt_trade t;

	memset(&t, 0, sizeof t);
	t.pnl = dec(pnl);
	t.fees = dec(fees);
	return t;
}

static void
add(struct rt_stats *s, const char *pnl)
{
	struct rt_trade t = trade_of(pnl, "0.1");

	if (rt_stats_add(s, &t) < 0)
		tap_ok(0, "add %s", pnl);
}

static void
test_stats(void)
{
	struct rt_stats s;
	struct fx avg;

	rt_stats_init(&s);
	tap_ok(rt_stats_avg(&s, &avg) == 0 && avg.m == 0, "no trade: avg 0");
	add(&s, "-2");
	tap_eq_s(str(s.max_drawdown), "2", "a first loss: drawdown from 0");
	add(&s, "5");
	add(&s, "1");
	add(&s, "0");
	add(&s, "3");
	add(&s, "4");
	add(&s, "2.5");
	add(&s, "-4");
	add(&s, "-6");
	add(&s, "1");
	tap_eq_i(s.trades, 10, "ten trades");
	tap_eq_i(s.wins * 100 + s.losses, 603, "six wins, three losses");
	tap_eq_i(s.best_win_run, 3, "a zero-pnl trade ends a streak: 3");
	tap_eq_i(s.best_loss_run, 2, "two losses in a row");
	tap_eq_s(str(s.pnl), "4.5", "the sum");
	tap_eq_s(str(s.fees), "1", "the fees");
	/* equity: -2 3 4 4 7 11 13.5 9.5 3.5 4.5: from 13.5 to 3.5 */
	tap_eq_s(str(s.max_drawdown), "10", "max drawdown from the peak");
	tap_ok(rt_stats_avg(&s, &avg) == 0, "the average");
	tap_eq_s(str(avg), "0.45", "4.5 / 10");
	rt_stats_init(&s);
	add(&s, "1");
	add(&s, "1");
	add(&s, "0.000000001");
	tap_ok(rt_stats_avg(&s, &avg) == 0, "an average that repeats");
	tap_eq_s(str(avg), "0.666666667", "rounded half to even at 9 decimals "
	    "(the pnl's scale)");
	rt_stats_init(&s);
	add(&s, "2");
	add(&s, "0");
	add(&s, "0");
	tap_ok(rt_stats_avg(&s, &avg) == 0, "2 / 3");
	tap_eq_s(str(avg), "0.66666667", "at 8 decimals");
}

static char dir[256];
static char err[320];

struct seen {
	char line[16][1024];
	int n;
};

static int
collect(void *ctx, const struct state_report_fill *f)
{
	struct seen *s = ctx;

	if (s->n < 16)
		snprintf(s->line[s->n++], sizeof s->line[0],
		    "%s %s %s %s %s@%s fee %s %s [%s] %lld", f->venue, f->market,
		    f->symbol, f->side, f->qty, f->price, f->fee, f->trade_id,
		    f->reason, (long long)f->time_ms);
	return 0;
}

static void
record(struct state *s, const char *id, const char *side, const char *raw)
{
	struct state_intent in = { id, "paper", "paper", "BTCUSDT", side,
		"market", "1", NULL, 1, raw, NULL, 0 };

	if (state_intent_record(s, &in, err, sizeof err) != 0)
		tap_ok(0, "record %s: %s", id, err);
}

static void
add_fill(struct state *s, const char *id, const char *trade,
    const char *price, int64_t t, const char *fee)
{
	struct state_fill f = { "paper", trade, id, price, "1", fee, "USDT",
		t, NULL, NULL, NULL };

	if (state_fill_add(s, &f, err, sizeof err) != 0)
		tap_ok(0, "fill %s: %s", trade, err);
}

static void
test_store(void)
{
	struct state *s;
	struct state_report *r;
	struct seen seen;
	char path[300];

	snprintf(path, sizeof path, "%s/missing.db", dir);
	tap_eq_i(state_report_open(&r, path, err, sizeof err), -1,
	    "a missing store is refused");
	tap_ok(r == NULL && access(path, F_OK) < 0, "and not created (%s)",
	    err);
	snprintf(path, sizeof path, "%s/s.db", dir);
	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "open: %s", err);
		return;
	}
	record(s, "a", "buy", "{\"type\":\"intent\",\"id\":\"a\"}");
	record(s, "b", "sell", "{\"type\":\"intent\",\"reason\":\"tp\"}");
	record(s, "c", "sell", "{\"type\":\"intent\",\"tag\":\"sl\"}");
	record(s, "d", "buy", "{\"type\":\"intent\",\"reason\":5}");
	record(s, "e", "buy", "not json");
	add_fill(s, "b", "t2", "110", 2000, NULL);
	add_fill(s, "a", "t1", "100", 1000, "0.1");
	add_fill(s, "c", "t3", "90", 3000, "0");
	add_fill(s, "d", "t4", "80", 3000, "0");
	add_fill(s, "e", "t5", "70", 4000, "0");
	state_close(s);

	if (state_report_open(&r, path, err, sizeof err) < 0) {
		tap_ok(0, "open for the report: %s", err);
		return;
	}
	memset(&seen, 0, sizeof seen);
	tap_eq_i(state_report_fills(r, INT64_MAX, NULL, NULL, collect, &seen,
	    err, sizeof err), 0, "read the fills");
	tap_eq_i(seen.n, 5, "five fills");
	tap_eq_s(seen.line[0], "paper paper BTCUSDT buy 1@100 fee 0.1 t1 [] "
	    "1000", "in time order, the intent's market and side");
	tap_eq_s(seen.line[1], "paper paper BTCUSDT sell 1@110 fee 0 t2 [tp] "
	    "2000", "a reason; no fee is 0");
	tap_eq_s(seen.line[2], "paper paper BTCUSDT sell 1@90 fee 0 t3 [sl] "
	    "3000", "a tag");
	tap_eq_s(seen.line[3], "paper paper BTCUSDT buy 1@80 fee 0 t4 [] 3000",
	    "a reason that is not a string is none");
	tap_eq_s(seen.line[4], "paper paper BTCUSDT buy 1@70 fee 0 t5 [] 4000",
	    "an intent line that is not JSON has none");
	memset(&seen, 0, sizeof seen);
	tap_eq_i(state_report_fills(r, 3000, "paper", "paper", collect, &seen,
	    err, sizeof err), 0, "read before 3000");
	tap_eq_i(seen.n, 2, "--to is exclusive");
	memset(&seen, 0, sizeof seen);
	tap_eq_i(state_report_fills(r, INT64_MAX, "binance", NULL, collect,
	    &seen, err, sizeof err), 0, "another venue");
	tap_eq_i(seen.n, 0, "has none");
	state_report_close(r);
}

int
main(void)
{
	char cmd[300];

	snprintf(dir, sizeof dir, "%s/t_report.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trips();
	test_stats();
	test_store();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
