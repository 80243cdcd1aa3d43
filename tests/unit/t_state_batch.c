/*
 * t_state_batch: a batch of the state store (state_batch_begin/end):
 * nothing of it is seen or durable before its end, everything after; a
 * duplicate fill and a failed transition inside it undo themselves
 * alone; kill -9 inside a batch leaves the store as before it; a batch
 * cannot nest, nor end when none is open.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/db.h"
#include "store/state.h"
#include "tap.h"

static char err[320];

/* One integer from the database at path, through a connection of its
 * own (so only what is committed is seen); -1 on failure. */
static int64_t
count(const char *path, const char *sql)
{
	struct db_err e;
	sqlite3 *db;
	int64_t v = -1;

	if (db_open(&db, path, DB_READ, "open", &e) < 0)
		return -1;
	if (db_int(db, sql, 0, 0, &v, "count", &e) < 0)
		v = -1;
	sqlite3_close(db);
	return v;
}

static struct state_intent
intent(const char *id)
{
	struct state_intent in = {
		.intent_id = id, .venue = "paper", .market = "paper",
		.symbol = "BTCUSDT", .side = "buy", .type = "limit",
		.qty = "1", .price = "100", .created_ms = 1000, .raw = "{}",
	};

	return in;
}

static void
test_batch(const char *path, struct state *s)
{
	struct state_intent in = intent("b-1");
	struct state_transition t = {
		.client_id = "b-1", .status = "new", .time_ms = 1001,
		.source = STATE_SRC_LOCAL,
	};
	struct state_fill f = {
		.venue = "paper", .venue_trade_id = "t1", .client_id = "b-1",
		.price = "100", .qty = "1", .fee = "0", .fee_asset = "USDT",
		.time_ms = 1002,
	};

	tap_ok(state_batch_begin(s, err, sizeof err) == 0, "begin");
	tap_ok(state_batch_begin(s, err, sizeof err) < 0 && errno == EINVAL,
	    "a batch does not nest");
	tap_ok(state_intent_record(s, &in, err, sizeof err) == 0,
	    "record an intent in the batch");
	tap_eq_i(state_intent_record(s, &in, err, sizeof err), STATE_EXISTS,
	    "the batch knows it already");
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0,
	    "a transition in the batch");
	t.client_id = "nobody";
	tap_ok(state_order_transition(s, &t, err, sizeof err) < 0 &&
	    errno == ENOENT, "a transition of an unknown order fails");
	tap_ok(state_fill_add(s, &f, err, sizeof err) == 0,
	    "a fill in the batch");
	tap_eq_i(state_fill_add(s, &f, err, sizeof err), STATE_DUPLICATE,
	    "the same fill again is a duplicate");
	t.client_id = "b-1";
	t.status = "filled";
	t.filled_qty = "1";
	t.time_ms = 1003;
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0,
	    "the batch goes on after those");
	tap_eq_i(count(path, "SELECT count(*) FROM intents"), 0,
	    "before the end, another connection sees no intent");
	tap_ok(state_batch_end(s, err, sizeof err) == 0, "end");
	tap_eq_i(count(path, "SELECT count(*) FROM intents"), 1,
	    "after it, the intent");
	tap_eq_i(count(path, "SELECT count(*) FROM order_events"), 2,
	    "both transitions");
	tap_eq_i(count(path, "SELECT count(*) FROM fills"), 1,
	    "and the fill once");
	tap_eq_i(count(path, "SELECT CAST(qty AS INTEGER) FROM positions"), 1,
	    "the position moved once");
	tap_ok(state_batch_end(s, err, sizeof err) < 0 && errno == EINVAL,
	    "no batch to end");
	in = intent("b-2");
	tap_ok(state_intent_record(s, &in, err, sizeof err) == 0 &&
	    count(path, "SELECT count(*) FROM intents") == 2,
	    "outside a batch a change commits alone");
}

static void
test_killed(const char *path)
{
	struct state_intent in = intent("k-1");
	struct state *s;
	int status = 0;
	pid_t pid;

	if ((pid = fork()) < 0) {
		tap_ok(0, "fork");
		return;
	}
	if (pid == 0) {
		if (state_open(&s, path, err, sizeof err) == 0 &&
		    state_batch_begin(s, err, sizeof err) == 0 &&
		    state_intent_record(s, &in, err, sizeof err) == 0)
			raise(SIGKILL);
		_exit(1);
	}
	tap_ok(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL, "killed -9 inside a batch");
	tap_eq_i(count(path, "SELECT count(*) FROM intents WHERE "
	    "intent_id = 'k-1'"), 0, "nothing of the batch is there");
	tap_eq_i(count(path, "SELECT count(*) FROM intents"), 2,
	    "what was committed before is");
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[300], cmd[300];
	struct state *s;

	snprintf(dir, sizeof dir, "%s/t_state_batch.XXXXXX",
	    tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/state.db", dir);
	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "open");
		return tap_done();
	}
	test_batch(path, s);
	state_close(s);
	test_killed(path);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
