/*
 * t_state: mkt-exec's state store (store/state): the schema and its
 * version, reopening, refusing a newer schema, intents recorded once,
 * an intent that survives kill -9 right after it was recorded,
 * transitions written whole, duplicate fills, the key/value table, the
 * client id rule; the intent lifecycle and its rows, recovery order,
 * positions through buy, sell, flip and close with exact values, fill
 * sums and balances, the migration of a v1 database, and kill -9
 * between two commits and in a loop of fills.
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

static char dir[256];
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

/* One text value, as count(). */
static void
text(const char *path, const char *sql, char *out, size_t n)
{
	struct db_err e;
	sqlite3 *db;
	sqlite3_stmt *st;

	snprintf(out, n, "(none)");
	if (db_open(&db, path, DB_READ, "open", &e) < 0)
		return;
	if (db_prepare(db, sql, 0, &st, "read", &e) == 0) {
		if (db_step(st, "read", &e) == 1 &&
		    sqlite3_column_text(st, 0) != NULL)
			snprintf(out, n, "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

static int
exec_raw(const char *path, const char *sql)
{
	struct db_err e;
	sqlite3 *db;
	int r;

	if (db_open(&db, path, DB_WRITE, "open", &e) < 0)
		return -1;
	r = db_exec(db, sql, "exec", &e);
	sqlite3_close(db);
	return r;
}

static int
exec_raw_create(const char *path, const char *sql)
{
	struct db_err e;
	sqlite3 *db;
	int r;

	if (db_open(&db, path, DB_CREATE, "open", &e) < 0)
		return -1;
	r = db_exec(db, sql, "exec", &e);
	sqlite3_close(db);
	return r;
}

static const struct state_intent intent_a = {
	.intent_id = "a-1", .venue = "binance", .market = "spot",
	.symbol = "BTCUSDT", .side = "buy", .type = "limit",
	.qty = "0.00100000", .price = "30000.01", .created_ms = 1000,
	.raw = "{\"type\":\"intent\",\"id\":\"a-1\"}",
};

static void
test_schema(const char *path)
{
	struct state *s;
	int64_t v = 0;
	char mode[32];

	tap_ok(state_open(&s, path, err, sizeof err) == 0, "create: %s",
	    s ? "ok" : err);
	tap_ok(state_version(s, &v, err, sizeof err) == 0, "read the version");
	tap_eq_i(v, STATE_VERSION, "the version is recorded");
	tap_eq_i(count(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('intents', 'orders', 'order_events', "
	    "'fills', 'positions', 'balances', 'daily', 'kv', "
	    "'schema_version')"), 9, "every table is there");
	tap_eq_i(count(path, "SELECT count(*) FROM schema_version"),
	    STATE_VERSION, "one schema_version row a migration");
	tap_eq_i(count(path, "SELECT applied_ms > 1700000000000 FROM "
	    "schema_version"), 1, "with the time it was applied");
	text(path, "PRAGMA journal_mode", mode, sizeof mode);
	tap_eq_s(mode, "wal", "WAL mode");
	tap_eq_i(count(path, "SELECT count(*) FROM pragma_table_info('fills')"
	    " WHERE type = 'REAL'"), 0, "no REAL columns in fills");
	tap_ok(state_intent_record(s, &intent_a, err, sizeof err) == 0,
	    "record an intent");
	state_close(s);

	tap_ok(state_open(&s, path, err, sizeof err) == 0, "reopen");
	tap_eq_i(count(path, "SELECT count(*) FROM schema_version"),
	    STATE_VERSION, "reopening migrates nothing");
	tap_eq_i(count(path, "SELECT count(*) FROM intents WHERE "
	    "intent_id = 'a-1' AND state = 'pending' AND client_id = 'a-1'"),
	    1, "the intent is kept, pending, with its client id");
	tap_eq_i(state_intent_record(s, &intent_a, err, sizeof err),
	    STATE_EXISTS, "the same intent again: exists");
	tap_eq_i(count(path, "SELECT count(*) FROM intents"), 1,
	    "still one intent");
	state_close(s);
}

static void
test_newer(const char *path)
{
	struct state *s;

	tap_ok(exec_raw(path, "INSERT INTO schema_version VALUES(4, 0)") == 0,
	    "a newer version written by hand");
	errno = 0;
	tap_ok(state_open(&s, path, err, sizeof err) < 0 && s == NULL,
	    "a newer schema is refused");
	tap_eq_i(errno, EPROTO, "EPROTO");
	tap_eq_s(err, "schema version 4 is newer than this program's (3)",
	    "the message says why");
	tap_eq_i(count(path, "SELECT max(version) FROM schema_version"), 4,
	    "the database is left as it was");
	tap_ok(exec_raw(path, "DELETE FROM schema_version WHERE version = 4")
	    == 0, "back to version 3");
}

/* A migration that fails leaves the database as it was. */
static void
test_failed_migration(void)
{
	struct state *s;
	char path[300];

	snprintf(path, sizeof path, "%s/clash.db", dir);
	if (exec_raw_create(path, "CREATE TABLE kv(x)") < 0) {
		tap_ok(0, "create a database with a clashing table");
		return;
	}
	tap_ok(state_open(&s, path, err, sizeof err) < 0 && s == NULL,
	    "a migration that fails is refused");
	tap_eq_s(err, "cannot migrate the schema (table kv already exists)",
	    "naming its step");
	tap_eq_i(count(path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table'"), 1, "no table of it is left");
}

/* A process killed right after state_intent_record() returned: the
 * intent is there, and is not recorded (sent) again. */
static void
test_killed(const char *path)
{
	struct state_intent in = intent_a;
	struct state *s;
	int status = 0;
	pid_t pid;

	in.intent_id = "k-1";
	if ((pid = fork()) < 0) {
		tap_ok(0, "fork");
		return;
	}
	if (pid == 0) {
		if (state_open(&s, path, err, sizeof err) == 0 &&
		    state_intent_record(s, &in, err, sizeof err) == 0)
			raise(SIGKILL);
		_exit(1);
	}
	tap_ok(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL, "killed -9 after recording");
	tap_eq_i(count(path, "SELECT count(*) FROM intents WHERE "
	    "intent_id = 'k-1' AND state = 'pending'"), 1,
	    "the intent survived");
	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "reopen: %s", err);
		return;
	}
	tap_eq_i(state_intent_record(s, &in, err, sizeof err), STATE_EXISTS,
	    "and is not recorded twice");
	state_close(s);
}

static void
test_transitions(const char *path)
{
	struct state_transition t = {
		.client_id = "a-1", .status = "new", .venue_order_id = NULL,
		.time_ms = 1001, .source = STATE_SRC_LOCAL,
	};
	struct state *s;
	char v[64];

	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "open: %s", err);
		return;
	}
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0,
	    "first transition: %s", err);
	text(path, "SELECT status || ' ' || filled_qty FROM orders WHERE "
	    "client_id = 'a-1'", v, sizeof v);
	tap_eq_s(v, "new 0", "the order row, committed");
	t.status = "accepted";
	t.venue_order_id = "12345";
	t.time_ms = 1002;
	t.source = STATE_SRC_REST;
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0,
	    "ack from rest");
	t.status = "partially_filled";
	t.venue_order_id = NULL;
	t.filled_qty = "0.00050000";
	t.avg_price = "30000.01";
	t.time_ms = 1003;
	t.source = STATE_SRC_STREAM;
	t.detail = "{\"e\":\"executionReport\"}";
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0,
	    "partial fill from the stream");
	text(path, "SELECT status || ' ' || venue_order_id || ' ' || "
	    "filled_qty || ' ' || avg_price || ' ' || updated_ms FROM orders",
	    v, sizeof v);
	tap_eq_s(v, "partially_filled 12345 0.00050000 30000.01 1003",
	    "the order keeps its venue id, gains the fill");
	text(path, "SELECT group_concat(status || '/' || source, ' ') FROM "
	    "(SELECT * FROM order_events ORDER BY id)", v, sizeof v);
	tap_eq_s(v, "new/local accepted/rest partially_filled/stream",
	    "every status change with its source");

	/* A failure of the second write leaves the first undone. */
	tap_ok(exec_raw(path, "CREATE TRIGGER boom BEFORE INSERT ON "
	    "order_events WHEN NEW.status = 'boom' BEGIN "
	    "SELECT RAISE(ABORT, 'boom'); END") == 0, "a trigger that fails "
	    "the event row");
	t.status = "boom";
	t.filled_qty = NULL;
	t.avg_price = NULL;
	t.time_ms = 1004;
	tap_ok(state_order_transition(s, &t, err, sizeof err) < 0,
	    "the transition fails");
	tap_eq_s(err, "cannot record the order event (boom)", "naming its "
	    "step");
	text(path, "SELECT status || ' ' || updated_ms FROM orders", v,
	    sizeof v);
	tap_eq_s(v, "partially_filled 1003", "the order row is unchanged");
	tap_eq_i(count(path, "SELECT count(*) FROM order_events"), 3,
	    "no event row");

	t.status = "filled";
	t.source = "guess";
	tap_ok(state_order_transition(s, &t, err, sizeof err) < 0 &&
	    errno == EINVAL, "an unknown source is refused");
	t.source = STATE_SRC_RECONCILE;
	t.client_id = "nobody";
	tap_ok(state_order_transition(s, &t, err, sizeof err) < 0 &&
	    errno == ENOENT, "a client id without an intent is refused");
	tap_eq_i(count(path, "SELECT count(*) FROM orders"), 1,
	    "still one order");
	state_close(s);
}

static void
test_fills_kv(const char *path)
{
	struct state_fill f = {
		.venue = "binance", .venue_trade_id = "777",
		.client_id = "a-1", .price = "30000.01", .qty = "0.00050000",
		.fee = "0.00000050", .fee_asset = "BTC", .time_ms = 1003,
	};
	struct state *s;
	void *val;
	size_t n;
	char v[64];

	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "open: %s", err);
		return;
	}
	tap_ok(state_fill_add(s, &f, err, sizeof err) == 0, "add a fill");
	tap_eq_i(state_fill_add(s, &f, err, sizeof err), STATE_DUPLICATE,
	    "the same trade again: duplicate");
	f.venue = "bybit";
	tap_ok(state_fill_add(s, &f, err, sizeof err) == 0,
	    "the same trade id at another venue is another fill");
	f.venue = "binance";
	f.symbol = "ETHUSDT";
	tap_ok(state_fill_add(s, &f, err, sizeof err) == 0,
	    "the same trade id of another symbol is another fill");
	f.market = "futures";
	tap_ok(state_fill_add(s, &f, err, sizeof err) == 0,
	    "the same trade id in another market is another fill");
	tap_eq_i(state_fill_add(s, &f, err, sizeof err), STATE_DUPLICATE,
	    "and that one again is a duplicate");
	f.venue = "bybit";
	f.symbol = NULL;
	f.market = NULL;
	tap_eq_i(count(path, "SELECT count(*) FROM fills"), 4, "four fills");
	text(path, "SELECT price || ' ' || qty || ' ' || typeof(price) FROM "
	    "fills LIMIT 1", v, sizeof v);
	tap_eq_s(v, "30000.01 0.00050000 text", "decimals kept as written");

	tap_eq_i(state_kv_get(s, "strat", "snap", &val, &n, err, sizeof err),
	    0, "no value yet");
	tap_ok(val == NULL && n == 0, "nothing returned");
	tap_ok(state_kv_put(s, "strat", "snap", "a\0b", 3, 5, err,
	    sizeof err) == 0, "put a value");
	tap_ok(state_kv_put(s, "strat", "snap", "x\0yz", 4, 6, err,
	    sizeof err) == 0, "replace it");
	tap_ok(state_kv_put(s, "other", "snap", "", 0, 6, err, sizeof err) == 0,
	    "an empty value of another owner");
	tap_eq_i(state_kv_get(s, "strat", "snap", &val, &n, err, sizeof err),
	    1, "get it");
	tap_ok(n == 4 && val && memcmp(val, "x\0yz", 4) == 0,
	    "the bytes round trip");
	free(val);
	tap_eq_i(state_kv_get(s, "other", "snap", &val, &n, err, sizeof err),
	    1, "get the empty one");
	tap_ok(n == 0 && val && ((char *)val)[0] == '\0', "empty, not absent");
	free(val);
	state_close(s);
}

static void
test_client_id(void)
{
	char a[STATE_CLIENT_ID_MAX + 1], b[STATE_CLIENT_ID_MAX + 1];
	const char *bad[] = {
		"0123456789012345678901234567890123456",	/* 37 */
		"a.b", "a:b", "a/b", "a b", "é",
		"h0123456789abcdef0123456789abcdef012",	/* hashed form */
	};
	size_t i;
	int ok = 1;

	tap_ok(state_client_id("a-1_X", a) == 0, "a short id");
	tap_eq_s(a, "a-1_X", "is kept");
	tap_ok(state_client_id("012345678901234567890123456789012345", a) == 0,
	    "36 characters");
	tap_eq_s(a, "012345678901234567890123456789012345", "are kept");
	tap_ok(state_client_id("h0123456789abcdef0123456789abcdef01", a) == 0,
	    "35 characters starting with h");
	tap_eq_s(a, "h0123456789abcdef0123456789abcdef01", "are kept");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t k;

		if (state_client_id(bad[i], a) < 0 || strlen(a) != 36 ||
		    a[0] != 'h' || strcmp(a, bad[i]) == 0) {
			ok = 0;
			tap_diag("'%s' -> '%s'", bad[i], a);
		}
		for (k = 1; k < strlen(a); k++)
			if (!strchr("0123456789abcdef", a[k]))
				ok = 0;
	}
	tap_ok(ok, "long, other characters or the hashed form: hashed");
	tap_ok(state_client_id("a.b", a) == 0 && state_client_id("a.b", b) == 0,
	    "hash twice");
	/* printf 'a.b' | sha256sum | cut -c1-35 */
	tap_eq_s(a, "h2e7336dc8eba87ef472df568c35482abf25", "h and the first "
	    "35 hex digits of SHA-256");
	tap_eq_s(a, b, "deterministic");
	tap_ok(state_client_id("a.c", b) == 0 && strcmp(a, b) != 0,
	    "another id, another hash");
	errno = 0;
	tap_ok(state_client_id("", a) < 0 && errno == EINVAL,
	    "an empty id is refused");
}

/* A fresh database under dir, opened. */
static struct state *
fresh(const char *name, char *path, size_t n)
{
	struct state *s;

	snprintf(path, n, "%s/%s", dir, name);
	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "open %s: %s", name, err);
		return NULL;
	}
	return s;
}

static int
record(struct state *s, const char *id, const char *market, int64_t t)
{
	struct state_intent in = intent_a;

	in.intent_id = id;
	in.market = market;
	in.created_ms = t;
	return state_intent_record(s, &in, err, sizeof err);
}

/* pending -> sent -> sent (a resend) -> open -> done, the moves refused,
 * and the intent following its order's transitions. */
static void
test_lifecycle(void)
{
	struct state_intent in = intent_a;
	struct state_transition t = {
		.client_id = "m-1", .status = "new", .time_ms = 2100,
		.source = STATE_SRC_LOCAL,
	};
	struct state_intent_row r;
	char path[300];
	struct state *s = fresh("life.db", path, sizeof path);

	if (s == NULL)
		return;
	in.intent_id = "life.1";	/* hashed: ids and client ids differ */
	in.type = "market";
	in.price = NULL;
	in.tif = "IOC";
	in.reduce_only = 1;
	in.created_ms = 1764806400000;	/* 2025-12-04 00:00:00 UTC */
	tap_ok(state_intent_record(s, &in, err, sizeof err) == 0,
	    "record a market intent");
	tap_eq_i(state_intent_get(s, "life.1", &r, err, sizeof err), 1,
	    "get it by intent id");
	tap_ok(strlen(r.client_id) == 36 && r.client_id[0] == 'h',
	    "with its hashed client id");
	tap_eq_s(r.state, "pending", "pending");
	tap_ok(!strcmp(r.price, "") && !strcmp(r.tif, "IOC") &&
	    r.reduce_only == 1 && !strcmp(r.type, "market") &&
	    !strcmp(r.qty, "0.00100000") && !strcmp(r.symbol, "BTCUSDT"),
	    "no price, its tif, reduce-only, type, qty and symbol");
	tap_ok(!strcmp(r.status, "") && !strcmp(r.filled_qty, "0") &&
	    !strcmp(r.avg_price, "") && r.sent_ms == 0 &&
	    r.created_ms == 1764806400000 && r.updated_ms == r.created_ms,
	    "no order yet, nothing sent");
	tap_eq_i(state_intent_get(s, r.client_id, &r, err, sizeof err), 1,
	    "get it by client id");
	tap_eq_s(r.intent_id, "life.1", "the same intent");
	tap_eq_i(state_intent_get(s, "nobody", &r, err, sizeof err), 0,
	    "an unknown id: 0");
	in.intent_id = "bad-qty";
	in.qty = "1.";
	errno = 0;
	tap_ok(state_intent_record(s, &in, err, sizeof err) < 0 &&
	    errno == EINVAL, "a qty that is not a decimal is refused");
	in.qty = "1";
	in.symbol = "S123456789012345678901234567890123456789012345678901234"
	    "5678901234";
	tap_ok(state_intent_record(s, &in, err, sizeof err) < 0 &&
	    errno == EINVAL, "a symbol longer than a row holds is refused");
	tap_eq_s(err, "cannot record an intent (a field is too long)",
	    "saying so");

	tap_ok(state_intent_mark(s, r.client_id, STATE_SENT, 1764806401000,
	    err, sizeof err) == 0, "pending -> sent");
	tap_ok(state_intent_mark(s, r.client_id, STATE_SENT, 1764806402000,
	    err, sizeof err) == 0, "sent -> sent: a resend");
	tap_ok(state_intent_get(s, "life.1", &r, err, sizeof err) == 1 &&
	    r.sent_ms == 1764806402000 && !strcmp(r.state, "sent"),
	    "sent_ms is the last request's");
	tap_eq_i(count(path, "SELECT orders FROM daily WHERE "
	    "day = '2025-12-04' AND venue = 'binance' AND market = 'spot'"),
	    1, "one order in the day's figures, not two");
	errno = 0;
	tap_ok(state_intent_mark(s, r.client_id, STATE_PENDING, 1, err,
	    sizeof err) < 0 && errno == EINVAL, "sent -> pending is refused");
	tap_eq_s(err, "cannot mark the intent (from sent to pending)",
	    "saying which move");
	tap_ok(state_intent_mark(s, r.client_id, STATE_OPEN, 1764806403000,
	    err, sizeof err) == 0, "sent -> open");
	errno = 0;
	tap_ok(state_intent_mark(s, r.client_id, STATE_SENT, 1, err,
	    sizeof err) < 0 && errno == EINVAL, "open -> sent is refused");
	tap_ok(state_intent_mark(s, r.client_id, STATE_DONE, 1764806404000,
	    err, sizeof err) == 0, "open -> done");
	errno = 0;
	tap_ok(state_intent_mark(s, r.client_id, STATE_OPEN, 1, err,
	    sizeof err) < 0 && errno == EINVAL, "done is never left");
	tap_ok(state_intent_mark(s, r.client_id, STATE_DONE, 1764806405000,
	    err, sizeof err) == 0, "done -> done is no change");
	errno = 0;
	tap_ok(state_intent_mark(s, r.client_id, "filled", 1, err, sizeof err)
	    < 0 && errno == EINVAL, "an order status is not an intent state");
	errno = 0;
	tap_ok(state_intent_mark(s, "nobody", STATE_SENT, 1, err, sizeof err)
	    < 0 && errno == ENOENT, "no such intent: ENOENT");

	/* The intent follows its order. */
	tap_ok(record(s, "m-1", "spot", 2000) == 0 &&
	    state_intent_mark(s, "m-1", STATE_SENT, 2050, err, sizeof err) ==
	    0, "another intent, sent");
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0 &&
	    state_intent_get(s, "m-1", &r, err, sizeof err) == 1,
	    "a local 'new'");
	tap_eq_s(r.state, "sent", "does not make it open");
	t.source = STATE_SRC_STREAM;
	t.venue_order_id = "99";
	t.time_ms = 2200;
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0 &&
	    state_intent_get(s, "m-1", &r, err, sizeof err) == 1,
	    "'new' from the stream");
	tap_ok(!strcmp(r.state, "open") && !strcmp(r.status, "new") &&
	    !strcmp(r.venue_order_id, "99") && r.updated_ms == 2200,
	    "makes it open, with the order's status and id");
	t.status = "canceled";
	t.time_ms = 2300;
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0 &&
	    state_intent_get(s, "m-1", &r, err, sizeof err) == 1,
	    "canceled");
	tap_eq_s(r.state, "done", "makes it done");
	t.status = "partially_filled";
	t.filled_qty = "0.0005";
	t.time_ms = 2400;
	tap_ok(state_order_transition(s, &t, err, sizeof err) == 0 &&
	    state_intent_get(s, "m-1", &r, err, sizeof err) == 1,
	    "a late fill after the cancel");
	tap_ok(!strcmp(r.state, "done") && !strcmp(r.status,
	    "partially_filled") && !strcmp(r.filled_qty, "0.0005") &&
	    r.updated_ms == 2300, "is recorded; the intent stays done");
	state_close(s);
}

/* Collects intent ids, "a b c"; stops with 7 at "stop". */
struct seen {
	char ids[256];
	struct state *s;
};

static int
collect(void *ctx, const struct state_intent_row *r)
{
	struct seen *v = ctx;
	size_t n = strlen(v->ids);

	snprintf(v->ids + n, sizeof v->ids - n, "%s%s", n ? " " : "",
	    r->intent_id);
	if (!strcmp(r->intent_id, "stop"))
		return 7;
	/* Writing from the callback is allowed: rows are read first. */
	if (v->s && state_intent_mark(v->s, r->client_id, STATE_DONE, 9, err,
	    sizeof err) < 0)
		return -1;
	return 0;
}

static void
test_unfinished(void)
{
	struct seen v = { "", NULL };
	char path[300];
	struct state *s = fresh("unfinished.db", path, sizeof path);
	int64_t n = -1;

	if (s == NULL)
		return;
	/* Recorded out of time order; u-4 is done, f-1 another market. */
	tap_ok(record(s, "u-3", "spot", 300) == 0 &&
	    record(s, "u-1", "spot", 100) == 0 &&
	    record(s, "u-2b", "spot", 200) == 0 &&
	    record(s, "u-2a", "spot", 200) == 0 &&
	    record(s, "u-4", "spot", 50) == 0 &&
	    record(s, "f-1", "futures", 10) == 0 &&
	    state_intent_mark(s, "u-4", STATE_DONE, 60, err, sizeof err) == 0 &&
	    state_intent_mark(s, "u-3", STATE_SENT, 310, err, sizeof err) ==
	    0 && state_intent_mark(s, "u-1", STATE_OPEN, 110, err,
	    sizeof err) == 0, "six intents, one done");
	tap_ok(state_unfinished_count(s, "binance", "spot", &n, err,
	    sizeof err) == 0, "count");
	tap_eq_i(n, 4, "four unfinished on binance:spot");
	tap_eq_i(state_unfinished(s, "binance", "spot", collect, &v, err,
	    sizeof err), 0, "walk them");
	tap_eq_s(v.ids, "u-1 u-2b u-2a u-3", "oldest first, ties in the "
	    "order recorded, done and other markets left out");
	tap_ok(record(s, "stop", "spot", 150) == 0, "one that stops the walk");
	v.ids[0] = '\0';
	tap_eq_i(state_unfinished(s, "binance", "spot", collect, &v, err,
	    sizeof err), 7, "the callback's answer is returned");
	tap_eq_s(v.ids, "u-1 stop", "and nothing after it is seen");
	tap_ok(state_intent_mark(s, "stop", STATE_DONE, 160, err, sizeof err)
	    == 0, "finish it");
	v.ids[0] = '\0';
	v.s = s;
	tap_eq_i(state_unfinished(s, "binance", "spot", collect, &v, err,
	    sizeof err), 0, "a walk that marks each done");
	tap_eq_s(v.ids, "u-1 u-2b u-2a u-3", "sees each once");
	tap_ok(state_unfinished_count(s, "binance", "spot", &n, err,
	    sizeof err) == 0 && n == 0, "then none is left");
	tap_ok(state_unfinished_count(s, "binance", "futures", &n, err,
	    sizeof err) == 0 && n == 1, "the other market keeps its one");
	state_close(s);
}

/* Add a fill of venue binance, market futures, symbol BTCUSDT. */
static int
fill(struct state *s, const char *trade, const char *side, const char *qty,
    const char *price, const char *fee, const char *asset, int64_t t)
{
	struct state_fill f = {
		.venue = "binance", .venue_trade_id = trade, .price = price,
		.qty = qty, .fee = fee, .fee_asset = asset, .time_ms = t,
		.market = "futures", .symbol = "BTCUSDT", .side = side,
	};

	return state_fill_add(s, &f, err, sizeof err);
}

/* The position of BTCUSDT as "qty entry realized". */
static const char *
pos(struct state *s)
{
	static char v[3 * STATE_DEC_SZ + 8];
	struct state_position_row r;

	if (state_position_get(s, "binance", "futures", "BTCUSDT", &r, err,
	    sizeof err) != 1)
		return "(none)";
	snprintf(v, sizeof v, "%s %s %s", r.qty, r.entry_price[0] ?
	    r.entry_price : "-", r.realized_pnl);
	return v;
}

static int
count_pos(void *ctx, const struct state_position_row *r)
{
	struct seen *v = ctx;
	size_t n = strlen(v->ids);

	snprintf(v->ids + n, sizeof v->ids - n, "%s%s=%s", n ? " " : "",
	    r->symbol, r->qty);
	return 0;
}

/*
 * Average cost, by hand (time 1764806400000 is 2025-12-04):
 *   buy 1 @ 100            qty 1,  entry 100, realized 0
 *   buy 3 @ 104            qty 4,  entry (100 + 312) / 4 = 103
 *   sell 2 @ 110           qty 2,  entry 103, realized 2 * (110 - 103) = 14
 *   sell 5 @ 90  (flip)    closes 2: 2 * (90 - 103) = -26, realized -12;
 *                          qty -3, entry 90 (the rest opens at the price)
 *   buy 1 @ 80             qty -2, entry 90, short gains 1 * (90 - 80) = 10:
 *                          realized -2
 *   buy 2 @ 95  (close)    2 * (90 - 95) = -10: realized -12, qty 0, flat
 * volume 100 + 312 + 220 + 450 + 80 + 190 = 1352; fees in USDT
 * 0.1 + 0.3 + 0.25 = 0.65, and 0.01 in BNB apart.
 */
static void
test_positions(void)
{
	struct state_position_row r;
	struct seen v = { "", NULL };
	char path[300], d[128];
	struct state *s = fresh("pos.db", path, sizeof path);
	int64_t t = 1764806400000;

	if (s == NULL)
		return;
	tap_eq_i(state_position_get(s, "binance", "futures", "BTCUSDT", &r,
	    err, sizeof err), 0, "no position before a fill");
	tap_ok(fill(s, "1", "buy", "1", "100", "0.1", "USDT", t) == 0,
	    "buy 1 @ 100");
	tap_eq_s(pos(s), "1 100 0", "long 1 at 100");
	tap_ok(fill(s, "2", "buy", "3", "104", "0.3", "USDT", t) == 0,
	    "buy 3 @ 104");
	tap_eq_s(pos(s), "4 103 0", "long 4 at the average 103");
	tap_ok(fill(s, "3", "sell", "2", "110", "0.01", "BNB", t) == 0,
	    "sell 2 @ 110");
	tap_eq_s(pos(s), "2 103 14", "a reduction realizes, the entry stays");
	tap_eq_i(fill(s, "3", "sell", "2", "110", "0.01", "BNB", t),
	    STATE_DUPLICATE, "the same trade again: duplicate");
	tap_eq_s(pos(s), "2 103 14", "the position is unchanged");
	tap_ok(fill(s, "4", "sell", "5", "90", NULL, NULL, t) == 0,
	    "sell 5 @ 90");
	tap_eq_s(pos(s), "-3 90 -12", "flipped: short 3 at 90");
	tap_ok(fill(s, "5", "buy", "1", "80", NULL, NULL, t) == 0,
	    "buy 1 @ 80");
	tap_eq_s(pos(s), "-2 90 -2", "a short's reduction gains");
	tap_ok(fill(s, "6", "buy", "2", "95", "0.25", "USDT", t + 1) == 0,
	    "buy 2 @ 95");
	tap_eq_s(pos(s), "0 - -12", "flat: no entry price");
	text(path, "SELECT fills || ' ' || volume || ' ' || fees || ' ' || "
	    "realized_pnl FROM daily WHERE day = '2025-12-04' AND "
	    "venue = 'binance' AND market = 'futures'", d, sizeof d);
	tap_eq_s(d, "6 1352 0.65 -12", "the day: fills, volume, fees in the "
	    "quote asset, realized pnl");
	text(path, "SELECT group_concat(asset || '=' || fees, ' ') FROM "
	    "(SELECT * FROM daily_fees ORDER BY asset)", d, sizeof d);
	tap_eq_s(d, "BNB=0.01 USDT=0.65", "fees by asset");
	tap_eq_i(count(path, "SELECT count(*) FROM pragma_table_info("
	    "'positions') WHERE type = 'REAL'"), 0, "no REAL columns in "
	    "positions");

	/*
	 * Rounding: buy 0.001 @ 30000.01 and 0.002 @ 30000.02 on ETHUSDT:
	 * entry (30.00001 + 60.00004) / 0.003 = 30000.0166666..., half to
	 * even at 12 decimals: 30000.016666666667.
	 */
	tap_ok(state_fill_add(s, &(struct state_fill){ .venue = "binance",
	    .venue_trade_id = "7", .price = "30000.01", .qty = "0.001",
	    .time_ms = t, .market = "futures", .symbol = "ETHUSDT",
	    .side = "buy" }, err, sizeof err) == 0 &&
	    state_fill_add(s, &(struct state_fill){ .venue = "binance",
	    .venue_trade_id = "8", .price = "30000.02", .qty = "0.002",
	    .time_ms = t, .market = "futures", .symbol = "ETHUSDT",
	    .side = "buy" }, err, sizeof err) == 0, "two buys of ETHUSDT");
	tap_ok(state_position_get(s, "binance", "futures", "ETHUSDT", &r, err,
	    sizeof err) == 1, "its position");
	tap_eq_s(r.entry_price, "30000.016666666667", "the average entry, "
	    "rounded half to even at 12 decimals");
	tap_eq_s(r.qty, "0.003", "and its exact quantity");
	tap_eq_i(state_positions(s, "binance", "futures", count_pos, &v, err,
	    sizeof err), 0, "list the positions");
	tap_eq_s(v.ids, "BTCUSDT=0 ETHUSDT=0.003", "by symbol");

	errno = 0;
	tap_ok(fill(s, "9", "hold", "1", "1", NULL, NULL, t) < 0 &&
	    errno == EINVAL, "a side not buy or sell is refused");
	tap_ok(fill(s, "9", "buy", "0", "1", NULL, NULL, t) < 0 &&
	    errno == EINVAL, "a zero quantity is refused");
	tap_ok(fill(s, "9", "buy", "1", "1,5", NULL, NULL, t) < 0 &&
	    errno == EINVAL, "a price that is not a decimal is refused");
	tap_ok(state_fill_add(s, &(struct state_fill){ .venue = "binance",
	    .venue_trade_id = "9", .price = "1", .qty = "1", .time_ms = t },
	    err, sizeof err) < 0 && errno == EINVAL,
	    "no symbol and no intent: refused");
	tap_eq_i(count(path, "SELECT count(*) FROM fills"), 8,
	    "no refused fill is stored");
	tap_ok(exec_raw(path, "UPDATE positions SET qty = 'x' WHERE "
	    "symbol = 'BTCUSDT'") == 0, "a position spoilt by hand");
	errno = 0;
	tap_ok(fill(s, "10", "buy", "1", "1", NULL, NULL, t) < 0 &&
	    errno == ERANGE, "a fill on it fails");
	tap_eq_s(err, "cannot move the position (a stored value is too long "
	    "or not a decimal, or a sum overflows)", "saying why");
	tap_eq_i(count(path, "SELECT count(*) FROM fills"), 8,
	    "and is not stored: the fill and its position are one");
	state_close(s);
}

/* Fills of an order summed for a restart; balances. */
static void
test_sums_balances(void)
{
	struct state_balance_row b;
	char path[300], q[STATE_DEC_SZ], a[STATE_DEC_SZ];
	struct state *s = fresh("sums.db", path, sizeof path);
	struct state_fill f = {
		.venue = "binance", .client_id = "a-1", .price = "30000.01",
		.qty = "0.001", .time_ms = 5,
	};

	if (s == NULL)
		return;
	tap_eq_i(state_fill_sum(s, "a-1", q, a, err, sizeof err), 0,
	    "no fills");
	tap_ok(!strcmp(q, "0") && !strcmp(a, ""), "qty 0, no average");
	tap_ok(state_intent_record(s, &intent_a, err, sizeof err) == 0,
	    "an intent");
	f.venue_trade_id = "t1";
	tap_ok(state_fill_add(s, &f, err, sizeof err) == 0, "a fill of it, "
	    "its side and symbol from the intent");
	f.venue_trade_id = "t2";
	f.price = "30000.02";
	f.qty = "0.002";
	tap_ok(state_fill_add(s, &f, err, sizeof err) == 0 &&
	    state_fill_add(s, &f, err, sizeof err) == STATE_DUPLICATE,
	    "another, and it again");
	/* (0.001 * 30000.01 + 0.002 * 30000.02) / 0.003, as above */
	tap_eq_i(state_fill_sum(s, "a-1", q, a, err, sizeof err), 2,
	    "two fills");
	tap_eq_s(q, "0.003", "their quantity");
	tap_eq_s(a, "30000.016666666667", "their average price");
	text(path, "SELECT qty || ' ' || entry_price FROM positions WHERE "
	    "venue = 'binance' AND market = 'spot' AND symbol = 'BTCUSDT'", a,
	    sizeof a);
	tap_eq_s(a, "0.003 30000.016666666667", "the intent's market and "
	    "symbol hold the position");

	tap_eq_i(state_balance_get(s, "binance", "spot", "USDT", &b, err,
	    sizeof err), 0, "no balance yet");
	tap_ok(state_balance_put(s, "binance", "spot", "USDT", "100.50",
	    "20.00000000", 7, err, sizeof err) == 0 &&
	    state_balance_put(s, "binance", "spot", "USDT", "90.5",
	    "30.00000000", 8, err, sizeof err) == 0, "put a balance twice");
	tap_eq_i(state_balance_get(s, "binance", "spot", "USDT", &b, err,
	    sizeof err), 1, "get it");
	tap_ok(!strcmp(b.free, "90.5") && !strcmp(b.locked, "30.00000000") &&
	    b.updated_ms == 8 && !strcmp(b.asset, "USDT"),
	    "the last one, as written");
	tap_eq_i(state_balance_get(s, "binance", "futures", "USDT", &b, err,
	    sizeof err), 0, "another account's is apart");
	errno = 0;
	tap_ok(state_balance_put(s, "binance", "spot", "BTC", "1e", "0", 9,
	    err, sizeof err) < 0 && errno == EINVAL, "not a decimal: refused");
	state_close(s);
}

/* The v1 schema as it was released (state.c's first migration). */
static const char v1_schema[] =
	"CREATE TABLE schema_version(version INTEGER PRIMARY KEY, "
	"applied_ms INTEGER NOT NULL);"
	"INSERT INTO schema_version VALUES(1, 1764800000000);"
	"CREATE TABLE intents(intent_id TEXT PRIMARY KEY, client_id TEXT "
	"UNIQUE NOT NULL, venue TEXT NOT NULL, market TEXT NOT NULL, "
	"symbol TEXT NOT NULL, side TEXT NOT NULL, type TEXT NOT NULL, "
	"qty TEXT NOT NULL, price TEXT, state TEXT NOT NULL, created_ms "
	"INTEGER NOT NULL, raw TEXT NOT NULL);"
	"CREATE TABLE orders(client_id TEXT PRIMARY KEY REFERENCES "
	"intents(client_id), venue_order_id TEXT, status TEXT NOT NULL, "
	"filled_qty TEXT NOT NULL, avg_price TEXT, updated_ms INTEGER NOT "
	"NULL);"
	"CREATE INDEX orders_venue_id ON orders(venue_order_id);"
	"CREATE TABLE order_events(id INTEGER PRIMARY KEY, client_id TEXT "
	"NOT NULL REFERENCES intents(client_id), status TEXT NOT NULL, "
	"time_ms INTEGER NOT NULL, source TEXT NOT NULL CHECK(source IN "
	"('rest', 'stream', 'reconcile', 'local')), detail TEXT);"
	"CREATE INDEX order_events_client ON order_events(client_id);"
	"CREATE TABLE fills(venue TEXT NOT NULL, venue_trade_id TEXT NOT "
	"NULL, client_id TEXT, price TEXT NOT NULL, qty TEXT NOT NULL, fee "
	"TEXT, fee_asset TEXT, time_ms INTEGER NOT NULL, UNIQUE(venue, "
	"venue_trade_id));"
	"CREATE INDEX fills_client ON fills(client_id);"
	"CREATE TABLE positions(venue TEXT NOT NULL, market TEXT NOT NULL, "
	"symbol TEXT NOT NULL, qty TEXT NOT NULL, entry_price TEXT, "
	"updated_ms INTEGER NOT NULL, PRIMARY KEY(venue, market, symbol));"
	"CREATE TABLE balances(venue TEXT NOT NULL, market TEXT NOT NULL, "
	"asset TEXT NOT NULL, free TEXT NOT NULL, locked TEXT NOT NULL, "
	"updated_ms INTEGER NOT NULL, PRIMARY KEY(venue, market, asset));"
	"CREATE TABLE daily(day TEXT NOT NULL, venue TEXT NOT NULL, market "
	"TEXT NOT NULL, realized_pnl TEXT NOT NULL, fees TEXT NOT NULL, "
	"orders INTEGER NOT NULL, fills INTEGER NOT NULL, PRIMARY KEY(day, "
	"venue, market));"
	"CREATE TABLE kv(owner TEXT NOT NULL, key TEXT NOT NULL, value BLOB, "
	"updated_ms INTEGER NOT NULL, PRIMARY KEY(owner, key));"
	/* Three intents: pending, an open order, a filled one. */
	"INSERT INTO intents VALUES('p', 'p', 'binance', 'spot', 'BTCUSDT', "
	"'buy', 'limit', '1', '10', 'pending', 100, '{}');"
	"INSERT INTO intents VALUES('o', 'o', 'binance', 'spot', 'BTCUSDT', "
	"'buy', 'limit', '2', '11', 'pending', 200, '{}');"
	"INSERT INTO intents VALUES('f', 'f', 'binance', 'spot', 'BTCUSDT', "
	"'sell', 'market', '3', NULL, 'pending', 300, '{}');"
	"INSERT INTO orders VALUES('o', '77', 'new', '0', NULL, 210);"
	"INSERT INTO orders VALUES('f', '78', 'filled', '3', '12.5', 310);"
	"INSERT INTO order_events VALUES(1, 'f', 'filled', 310, 'rest', NULL);"
	"INSERT INTO fills VALUES('binance', 't1', 'f', '12.5', '3', NULL, "
	"NULL, 305);"
	"INSERT INTO kv VALUES('strat', 'snap', 'v1 bytes', 50);";

static int
ids(void *ctx, const struct state_intent_row *r)
{
	return collect(ctx, r);
}

static void
test_migration(void)
{
	struct state_intent_row r;
	struct seen v = { "", NULL };
	struct state *s;
	char path[300], q[STATE_DEC_SZ], a[STATE_DEC_SZ];
	int64_t ver = 0;
	void *val;
	size_t n;

	snprintf(path, sizeof path, "%s/v1.db", dir);
	tap_ok(exec_raw_create(path, v1_schema) == 0, "a version 1 database");
	tap_ok(state_open(&s, path, err, sizeof err) == 0, "opened: %s",
	    s ? "migrated" : err);
	if (s == NULL)
		return;
	tap_ok(state_version(s, &ver, err, sizeof err) == 0 && ver == STATE_VERSION,
	    "now version %d", STATE_VERSION);
	tap_eq_i(count(path, "SELECT count(*) FROM schema_version"),
	    STATE_VERSION, "the v1 row kept, one row a migration");
	tap_ok(state_intent_get(s, "p", &r, err, sizeof err) == 1 &&
	    !strcmp(r.state, "pending") && r.sent_ms == 0 &&
	    r.updated_ms == 100 && !strcmp(r.price, "10"),
	    "an intent without an order stays pending");
	tap_ok(state_intent_get(s, "o", &r, err, sizeof err) == 1 &&
	    !strcmp(r.state, "sent") && r.sent_ms == 210 &&
	    !strcmp(r.venue_order_id, "77"),
	    "one with an open order becomes sent, to be asked about");
	tap_ok(state_intent_get(s, "f", &r, err, sizeof err) == 1 &&
	    !strcmp(r.state, "done") && !strcmp(r.avg_price, "12.5") &&
	    !strcmp(r.price, ""), "one with a filled order becomes done");
	tap_eq_i(state_unfinished(s, "binance", "spot", ids, &v, err,
	    sizeof err), 0, "the unfinished ones");
	tap_eq_s(v.ids, "p o", "are the pending and the open one");
	tap_ok(state_fill_sum(s, "f", q, a, err, sizeof err) == 1 &&
	    !strcmp(q, "3") && !strcmp(a, "12.5"), "the v1 fill is kept");
	tap_ok(state_kv_get(s, "strat", "snap", &val, &n, err, sizeof err) ==
	    1 && n == 8 && !memcmp(val, "v1 bytes", 8), "and the kv value");
	free(val);
	state_close(s);
}

/*
 * kill -9 between two commits: the child records c-1, tells the parent
 * and waits for a byte that never comes before it would record c-2;
 * the parent kills it there.  Then a child adding fills in a loop is
 * killed at whatever moment it has reached: every stored fill has moved
 * the position and the day's count, and nothing else has.
 */
static void
test_crash(void)
{
	char path[300], b;
	struct state *s;
	int go[2], hold[2], status;
	pid_t pid;

	snprintf(path, sizeof path, "%s/crash.db", dir);
	if (pipe(go) < 0 || pipe(hold) < 0 || (pid = fork()) < 0) {
		tap_ok(0, "pipe, fork");
		return;
	}
	if (pid == 0) {
		close(go[0]);
		close(hold[1]);
		if (state_open(&s, path, err, sizeof err) < 0 ||
		    record(s, "c-1", "spot", 1) != 0 || write(go[1], "1", 1) != 1
		    || read(hold[0], &b, 1) != 0)
			_exit(1);
		(void)record(s, "c-2", "spot", 2);
		_exit(0);
	}
	close(go[1]);
	close(hold[0]);
	tap_ok(read(go[0], &b, 1) == 1, "the child committed c-1");
	kill(pid, SIGKILL);
	tap_ok(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status),
	    "killed -9 before its second commit");
	close(go[0]);
	close(hold[1]);
	if (state_open(&s, path, err, sizeof err) < 0) {
		tap_ok(0, "reopen: %s", err);
		return;
	}
	tap_eq_i(count(path, "SELECT count(*) FROM intents WHERE "
	    "intent_id = 'c-1'"), 1, "the first commit is there");
	tap_eq_i(count(path, "SELECT count(*) FROM intents"), 1,
	    "and nothing of the second");

	if (pipe(go) < 0 || (pid = fork()) < 0) {
		tap_ok(0, "pipe, fork");
		return;
	}
	if (pid == 0) {
		char id[32];
		int i;

		close(go[0]);
		state_close(s);
		if (state_open(&s, path, err, sizeof err) < 0)
			_exit(1);
		for (i = 0;; i++) {
			snprintf(id, sizeof id, "k%d", i);
			if (fill(s, id, "buy", "0.5", "10", "0.01", "USDT",
			    1764806400000) != 0)
				_exit(1);
			if (i == 20 && write(go[1], "1", 1) != 1)
				_exit(1);
		}
	}
	close(go[1]);
	tap_ok(read(go[0], &b, 1) == 1, "the child is adding fills");
	kill(pid, SIGKILL);
	tap_ok(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status),
	    "killed -9 somewhere in its loop");
	close(go[0]);
	tap_ok(count(path, "SELECT count(*) FROM fills") > 20, "its fills "
	    "are there");
	tap_eq_i(count(path, "SELECT count(*) FROM fills") * 5,
	    count(path, "SELECT CAST(CAST(qty AS REAL) * 10 AS INTEGER) FROM "
	    "positions"), "the position is their sum, no more, no less");
	tap_eq_i(count(path, "SELECT count(*) FROM fills"),
	    count(path, "SELECT fills FROM daily"), "the day counts each");
	tap_eq_i(fill(s, "k0", "buy", "0.5", "10", NULL, NULL, 1),
	    STATE_DUPLICATE, "the reopened store knows them");
	state_close(s);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[300], cmd[300];

	snprintf(dir, sizeof dir, "%s/t_state.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/state.db", dir);
	test_schema(path);
	test_newer(path);
	test_failed_migration();
	test_killed(path);
	test_transitions(path);
	test_fills_kv(path);
	test_client_id();
	test_lifecycle();
	test_unfinished();
	test_positions();
	test_sums_balances();
	test_migration();
	test_crash();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	return tap_done();
}
