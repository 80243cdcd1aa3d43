/*
 * t_strat_state: what the example strategies read from a state store at
 * start (store/state_strat): a run's intents by id prefix, compared byte
 * for byte (a '_' in a run id is no wildcard, another run's ids and ids
 * of a longer prefix are left out), done or not, oldest first, with the
 * order's filled quantity, the tif and the intent line's tag; the fills
 * of those intents with their trade ids; a store without the schema yet
 * has none; a missing store is refused and not created.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/state.h"
#include "tap.h"

static char dir[256];
static char err[512];

struct seen {
	char line[8][1024];
	int n;
};

static void
record(struct state *s, const char *id, int64_t t, const char *tif,
    const char *raw)
{
	struct state_intent in = { id, "bybit", "spot", "BTCUSDT", "buy",
		"limit", "0.5", "100.01", t, raw, tif, 0 };

	if (state_intent_record(s, &in, err, sizeof err) != 0)
		tap_ok(0, "record %s: %s", id, err);
}

static void
transition(struct state *s, const char *id, const char *status,
    const char *filled)
{
	struct state_transition tr = { id, status, "v1", filled, NULL, 5,
		STATE_SRC_REST, NULL };

	if (state_order_transition(s, &tr, err, sizeof err) != 0)
		tap_ok(0, "transition %s: %s", id, err);
}

static void
add_fill(struct state *s, const char *id, const char *trade,
    const char *qty, int64_t t)
{
	struct state_fill f = { "bybit", trade, id, "100.01", qty, NULL,
		NULL, t, NULL, NULL, NULL };

	if (state_fill_add(s, &f, err, sizeof err) != 0)
		tap_ok(0, "fill %s: %s", trade, err);
}

static int
collect_intent(void *ctx, const struct state_strat_intent *in)
{
	struct seen *s = ctx;

	if (s->n < 8)
		snprintf(s->line[s->n++], sizeof s->line[0],
		    "%s %s:%s:%s %s %s %s@%s [%s] %s %s [%s] %lld",
		    in->intent_id, in->venue, in->market, in->symbol,
		    in->side, in->type, in->qty, in->price, in->tif,
		    in->state, in->filled_qty, in->tag,
		    (long long)in->created_ms);
	return 0;
}

static int
collect_fill(void *ctx, const struct state_strat_fill *f)
{
	struct seen *s = ctx;

	if (s->n < 8)
		snprintf(s->line[s->n++], sizeof s->line[0], "%s %s %s@%s",
		    f->intent_id, f->trade_id, f->qty, f->price);
	return 0;
}

static int
stop_at_first(void *ctx, const struct state_strat_intent *in)
{
	(void)ctx;
	(void)in;
	return 7;
}

static void
test_read(void)
{
	struct state *s;
	struct state_strat *r;
	struct seen seen;
	char path[300];

	snprintf(path, sizeof path, "%s/s.db", dir);
	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "open: %s", err);
		return;
	}
	record(s, "r_1-9-1", 3, "post_only",
	    "{\"type\":\"intent\",\"tag\":\"maker\"}");
	record(s, "r_1-2-1", 2, "IOC", "not json");
	record(s, "rx1-2-1", 1, NULL, "{}");
	record(s, "r_12-2-1", 1, NULL, "{}");
	record(s, "r_1-9-1-h1", 4, NULL, "{\"tag\":5}");
	transition(s, "r_1-2-1", "filled", "0.5");
	transition(s, "r_1-9-1", "partially_filled", "0.2");
	add_fill(s, "r_1-9-1", "t2", "0.2", 20);
	add_fill(s, "r_1-2-1", "t1", "0.5", 10);
	add_fill(s, "rx1-2-1", "t0", "0.5", 5);
	state_close(s);

	if (state_strat_open(&r, path, err, sizeof err) < 0) {
		tap_ok(0, "open read only: %s", err);
		return;
	}
	memset(&seen, 0, sizeof seen);
	tap_eq_i(state_strat_intents(r, "r_1-", collect_intent, &seen, err,
	    sizeof err), 0, "read the intents of r_1");
	tap_eq_i(seen.n, 3, "three: not rx1 ('_' is no wildcard), not r_12");
	tap_eq_s(seen.line[0], "r_1-2-1 bybit:spot:BTCUSDT buy limit "
	    "0.5@100.01 [IOC] done 0.5 [] 2", "oldest first; a line that is "
	    "not JSON has no tag");
	tap_eq_s(seen.line[1], "r_1-9-1 bybit:spot:BTCUSDT buy limit "
	    "0.5@100.01 [post_only] open 0.2 [maker] 3",
	    "open, partly filled, its tag");
	tap_eq_s(seen.line[2], "r_1-9-1-h1 bybit:spot:BTCUSDT buy limit "
	    "0.5@100.01 [] pending 0 [] 4",
	    "no order yet: filled 0; no tif; a tag that is not a string");
	memset(&seen, 0, sizeof seen);
	tap_eq_i(state_strat_fills(r, "r_1-", collect_fill, &seen, err,
	    sizeof err), 0, "read their fills");
	tap_eq_i(seen.n, 2, "two");
	tap_eq_s(seen.line[0], "r_1-2-1 t1 0.5@100.01", "in time order");
	tap_eq_s(seen.line[1], "r_1-9-1 t2 0.2@100.01", "with trade ids");
	tap_eq_i(state_strat_intents(r, "r_1-", stop_at_first, NULL, err,
	    sizeof err), 7, "a callback's answer stops the walk");
	state_strat_close(r);
}

static void
test_no_store(void)
{
	struct state_strat *r;
	struct seen seen;
	char path[300];
	FILE *f;

	snprintf(path, sizeof path, "%s/missing.db", dir);
	tap_eq_i(state_strat_open(&r, path, err, sizeof err), -1,
	    "a missing store is refused");
	tap_ok(r == NULL && errno == ENOENT && access(path, F_OK) < 0,
	    "ENOENT, and not created (%s)", err);
	/* An empty file is what SQLite takes for an empty database. */
	snprintf(path, sizeof path, "%s/empty.db", dir);
	f = fopen(path, "w");
	if (f == NULL || fclose(f) != 0) {
		tap_ok(0, "create %s", path);
		return;
	}
	if (state_strat_open(&r, path, err, sizeof err) < 0) {
		tap_ok(0, "open an empty store: %s", err);
		return;
	}
	memset(&seen, 0, sizeof seen);
	tap_eq_i(state_strat_intents(r, "r-", collect_intent, &seen, err,
	    sizeof err) + state_strat_fills(r, "r-", collect_fill, &seen,
	    err, sizeof err), 0, "a store without the schema yet is read");
	tap_eq_i(seen.n, 0, "and has nothing");
	state_strat_close(r);
}

int
main(void)
{
	char cmd[300];

	snprintf(dir, sizeof dir, "%s/t_strat_state.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_read();
	test_no_store();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
