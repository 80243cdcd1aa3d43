/*
 * t_stream: raw Binance messages through lib/feed/stream as mkt-feed
 * hands them over during a handover: the replacement connection's
 * updates that run ahead of the old connection are early (dropped, no
 * gap); a symbol has caught up (the old connection can go) once an
 * update came twice and the book holds every early one; once the old is
 * gone a hole is a gap again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed/stream.h"
#include "venue/venue.h"
#include "tap.h"

static struct stream st;
static struct buf out;
static const struct venue_ops *binance;
static int needs;

static void
on_need(void *ctx, const char *venue, const char *market, const char *symbol,
    int what)
{
	(void)ctx;
	(void)venue;
	(void)market;
	(void)symbol;
	(void)what;
	needs++;
}

/* One spot depthUpdate of BTCUSDT for update ids first..last. */
static int
depth(int64_t first, int64_t last, unsigned how)
{
	char msg[256], why[256];
	int n, r;

	n = snprintf(msg, sizeof msg, "{\"e\":\"depthUpdate\",\"E\":"
	    "1700000000000,\"s\":\"BTCUSDT\",\"U\":%lld,\"u\":%lld,"
	    "\"b\":[[\"100.00\",\"%lld\"]],\"a\":[[\"101.00\",\"1\"]]}",
	    (long long)first, (long long)last, (long long)last);
	buf_reset(&out);
	r = stream_message(&st, binance, "spot", NULL, msg, (size_t)n, -1,
	    how, &out, why, sizeof why);
	if (r < 0)
		tap_diag("setup: %s", why);
	buf_addc(&out, '\0');
	out.len--;
	return r;
}

static int
snapshot(int64_t id)
{
	char msg[256], why[256];
	int n, r;

	n = snprintf(msg, sizeof msg, "{\"lastUpdateId\":%lld,\"bids\":"
	    "[[\"100.00\",\"5\"]],\"asks\":[[\"101.00\",\"5\"]]}",
	    (long long)id);
	buf_reset(&out);
	r = stream_message(&st, binance, "spot", "BTCUSDT", msg, (size_t)n,
	    -1, 0, &out, why, sizeof why);
	if (r < 0)
		tap_diag("setup: %s", why);
	buf_addc(&out, '\0');
	out.len--;
	return r;
}

/* out holds exactly `lines` lines, one of them containing `has`. */
static void
out_is(int lines, const char *has, const char *name)
{
	const char *p;
	int n = 0;

	for (p = out.p; *p; p++)
		n += *p == '\n';
	tap_eq_i(n, lines, name);
	if (has)
		tap_ok(strstr(out.p, has) != NULL, "%s: has %s", name, has);
	if (n != lines || (has && !strstr(out.p, has)))
		tap_diag("out: %s", out.p);
}

static int
caught_up(void)
{
	return stream_caught_up(&st, "binance", "spot", "BTCUSDT");
}

static void
test_handover(void)
{
	tap_ok(caught_up(), "a symbol never seen has nothing to wait for");
	tap_eq_i(snapshot(100), STREAM_OK, "snapshot at 100");
	out_is(1, "\"type\":\"snapshot\"", "the snapshot");
	tap_eq_i(depth(101, 102, 0), STREAM_OK, "101-102 follows it");
	out_is(1, "\"last_id\":102", "101-102 emitted");

	/* The replacement runs ahead of the old connection. */
	stream_handover(&st, "binance", "spot", "BTCUSDT");
	tap_ok(!caught_up(), "handover: not caught up at the start");
	tap_eq_i(depth(105, 106, SYNC_EARLY), STREAM_OK,
	    "replacement: 105-106 is early");
	out_is(0, NULL, "early: nothing out, no gap");
	tap_eq_i(depth(103, 104, 0), STREAM_OK, "old: 103-104");
	out_is(1, "\"last_id\":104", "old: 103-104 emitted");
	/* The replacement's 107-108 continues 103-104's book? No: 105-106
	 * is missing; early again. */
	tap_eq_i(depth(107, 108, SYNC_EARLY), STREAM_OK,
	    "replacement: 107-108 is early too");
	out_is(0, NULL, "early again: nothing out");
	tap_eq_i(depth(105, 106, 0), STREAM_OK, "old: 105-106");
	out_is(1, "\"last_id\":106", "old: 105-106 emitted");
	tap_ok(!caught_up(), "not caught up: 107-108 is still to come");
	tap_eq_i(depth(107, 108, 0), STREAM_OK, "old: 107-108");
	out_is(1, "\"last_id\":108", "old: 107-108 emitted");
	tap_ok(!caught_up(), "not caught up: nothing came twice yet");
	/* Now the replacement continues the book itself. */
	tap_eq_i(depth(109, 110, SYNC_EARLY), STREAM_OK,
	    "replacement: 109-110 continues the book");
	out_is(1, "\"last_id\":110", "replacement: 109-110 emitted");
	tap_eq_i(depth(109, 110, 0), STREAM_OK, "old: 109-110 again");
	out_is(0, NULL, "twice: nothing out");
	tap_ok(caught_up(), "the two met, nothing early missing: caught up");

	/* The old connection is gone: a hole is a gap again. */
	tap_eq_i(depth(111, 112, 0), STREAM_OK, "replacement alone: 111-112");
	out_is(1, "\"last_id\":112", "111-112 emitted");
	tap_eq_i(needs, 0, "no snapshot needed through the handover");
	tap_eq_i(depth(115, 116, 0), STREAM_OK, "115-116 after a hole");
	out_is(2, "\"reason\":\"gap\"", "the hole is a gap");
	tap_ok(needs > 0, "the gap asks for a snapshot");
}

/* While a book waits for its snapshot, the replacement's updates are
 * not held: the old connection's are, and they come in order. */
static void
test_early_not_held(void)
{
	tap_eq_i(depth(117, 118, SYNC_EARLY), STREAM_OK,
	    "waiting: the replacement's 117-118");
	out_is(0, NULL, "waiting: nothing out");
	tap_eq_i(snapshot(116), STREAM_OK, "snapshot at 116");
	out_is(2, "\"state\":\"synced\"", "synced and the snapshot only: "
	    "117-118 was not held");
	tap_eq_i(depth(117, 118, 0), STREAM_OK, "old: 117-118");
	out_is(1, "\"last_id\":118", "old: 117-118 follows the snapshot");
}

/* Met, but an early update is still missing: not caught up. */
static void
test_met_not_caught_up(void)
{
	stream_handover(&st, "binance", "spot", "BTCUSDT");
	tap_eq_i(depth(119, 120, 0), STREAM_OK, "old: 119-120");
	tap_eq_i(depth(119, 120, SYNC_EARLY), STREAM_OK,
	    "replacement: 119-120 again");
	tap_ok(caught_up(), "met, nothing early: caught up");
	tap_eq_i(depth(123, 124, SYNC_EARLY), STREAM_OK,
	    "replacement: 123-124 early");
	tap_ok(!caught_up(), "met, but 123-124 missing: not caught up");
	tap_eq_i(depth(121, 122, 0), STREAM_OK, "old: 121-122");
	tap_eq_i(depth(123, 124, 0), STREAM_OK, "old: 123-124");
	out_is(1, "\"last_id\":124", "old: 123-124 emitted");
	tap_ok(caught_up(), "the book holds 123-124: caught up");
}

int
main(void)
{
	binance = venue_by_name("binance", 7);
	if (!binance) {
		tap_ok(0, "the binance venue is in the table");
		return tap_done();
	}
	stream_init(&st, on_need, NULL);
	buf_init(&out, 0);
	test_handover();
	test_early_not_held();
	test_met_not_caught_up();
	stream_free(&st);
	buf_free(&out);
	return tap_done();
}
