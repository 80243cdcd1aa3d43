/*
 * state: mkt-exec's state store (see state.h and mkt-state(5)): the
 * schema and its migrations, the statements, intents and their
 * lifecycle, order transitions, the key/value table and the helpers
 * the parts share (state_internal.h); fills, positions, daily figures
 * and balances are in state_fills.c.  A little over 1000 lines: the
 * schema, its migrations and the intent lifecycle share one set of
 * prepared statements, and splitting them would only move that set
 * into a header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "state_internal.h"

/* An intent with its order, as struct state_intent_row has them. */
#define ROW_SELECT "SELECT i.intent_id, i.client_id, i.venue, i.market, " \
	"i.symbol, i.side, i.type, i.qty, i.price, i.tif, i.reduce_only, " \
	"i.state, o.status, o.venue_order_id, coalesce(o.filled_qty, '0'), " \
	"o.avg_price, i.created_ms, coalesce(i.sent_ms, 0), i.updated_ms " \
	"FROM intents i LEFT JOIN orders o USING(client_id) "
#define POS_SELECT "SELECT venue, market, symbol, qty, entry_price, " \
	"realized_pnl, updated_ms FROM positions "

static const char *const stmt_sql[ST_COUNT] = {
	[ST_INTENT] = "INSERT INTO intents(intent_id, client_id, venue, "
	    "market, symbol, side, type, qty, price, state, created_ms, raw, "
	    "tif, reduce_only, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, 'pending', ?10, ?11, ?12, ?13, ?10)",
	[ST_INTENT_FIND] = "SELECT count(*) FROM intents WHERE "
	    "client_id = ?1",
	/* A transition's NULLs keep what the order has. */
	[ST_ORDER] = "INSERT INTO orders VALUES(?1, ?2, ?3, "
	    "coalesce(?4, '0'), ?5, ?6) ON CONFLICT(client_id) DO UPDATE SET "
	    "venue_order_id = coalesce(excluded.venue_order_id, "
	    "venue_order_id), status = excluded.status, "
	    "filled_qty = coalesce(?4, filled_qty), "
	    "avg_price = coalesce(excluded.avg_price, avg_price), "
	    "updated_ms = excluded.updated_ms",
	[ST_ORDER_EVENT] = "INSERT INTO order_events(client_id, status, "
	    "time_ms, source, detail) VALUES(?1, ?2, ?3, ?4, ?5)",
	/* The intent follows its order, never out of done. */
	[ST_INTENT_STEP] = "UPDATE intents SET state = ?2, updated_ms = ?3 "
	    "WHERE client_id = ?1 AND state != 'done' AND "
	    "(?2 = 'done' OR state IN ('pending', 'sent'))",
	[ST_INTENT_STATE] = "SELECT state, sent_ms IS NULL, venue, market "
	    "FROM intents WHERE client_id = ?1",
	[ST_INTENT_MARK] = "UPDATE intents SET state = ?2, updated_ms = ?3, "
	    "sent_ms = CASE WHEN ?2 = 'sent' THEN ?3 ELSE sent_ms END "
	    "WHERE client_id = ?1",
	[ST_DAILY_ORDER] = "INSERT INTO daily(day, venue, market, "
	    "realized_pnl, fees, orders, fills, volume) VALUES(?1, ?2, ?3, "
	    "'0', '0', 1, 0, '0') ON CONFLICT(day, venue, market) DO UPDATE "
	    "SET orders = orders + 1",
	[ST_ROW_GET] = ROW_SELECT "WHERE i.intent_id = ?1 OR "
	    "i.client_id = ?1 ORDER BY i.intent_id = ?1 DESC LIMIT 1",
	[ST_UNFINISHED] = ROW_SELECT "WHERE i.venue = ?1 AND i.market = ?2 "
	    "AND i.state != 'done' ORDER BY i.created_ms, i.rowid",
	[ST_UNFINISHED_COUNT] = "SELECT count(*) FROM intents WHERE "
	    "venue = ?1 AND market = ?2 AND state != 'done'",
	[ST_FILL] = "INSERT INTO fills(venue, venue_trade_id, client_id, "
	    "price, qty, fee, fee_asset, time_ms, market, symbol, side) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_FILL_INTENT] = "SELECT market, symbol, side FROM intents "
	    "WHERE client_id = ?1",
	[ST_FILL_SUM] = "SELECT price, qty FROM fills WHERE client_id = ?1",
	[ST_POS_GET] = POS_SELECT "WHERE venue = ?1 AND market = ?2 AND "
	    "symbol = ?3",
	[ST_POS_PUT] = "INSERT OR REPLACE INTO positions(venue, market, "
	    "symbol, qty, entry_price, realized_pnl, updated_ms) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_POSITIONS] = POS_SELECT "WHERE venue = ?1 AND market = ?2 "
	    "ORDER BY symbol",
	[ST_DAILY_GET] = "SELECT realized_pnl, fees, volume FROM daily "
	    "WHERE day = ?1 AND venue = ?2 AND market = ?3",
	[ST_DAILY_FILL] = "INSERT INTO daily(day, venue, market, "
	    "realized_pnl, fees, orders, fills, volume) VALUES(?1, ?2, ?3, "
	    "?4, ?5, 0, 1, ?6) ON CONFLICT(day, venue, market) DO UPDATE SET "
	    "realized_pnl = excluded.realized_pnl, fees = excluded.fees, "
	    "volume = excluded.volume, fills = fills + 1",
	[ST_FEE_GET] = "SELECT fees FROM daily_fees WHERE day = ?1 AND "
	    "venue = ?2 AND market = ?3 AND asset = ?4",
	[ST_FEE_PUT] = "INSERT OR REPLACE INTO daily_fees(day, venue, market, "
	    "asset, fees) VALUES(?1, ?2, ?3, ?4, ?5)",
	[ST_BAL_PUT] = "INSERT OR REPLACE INTO balances(venue, market, asset, "
	    "free, locked, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_BAL_GET] = "SELECT venue, market, asset, free, locked, updated_ms "
	    "FROM balances WHERE venue = ?1 AND market = ?2 AND asset = ?3",
	[ST_KV_PUT] = "INSERT OR REPLACE INTO kv VALUES(?1, ?2, ?3, ?4)",
	[ST_KV_GET] = "SELECT value FROM kv WHERE owner = ?1 AND key = ?2",
};

/* ---- schema ---- */

/* Migration N brings a database from version N - 1 to N. */
static const char *const migrations[] = {
	/* 1: the first schema. */
	"CREATE TABLE intents("
	"intent_id TEXT PRIMARY KEY, client_id TEXT UNIQUE NOT NULL, "
	"venue TEXT NOT NULL, market TEXT NOT NULL, symbol TEXT NOT NULL, "
	"side TEXT NOT NULL, type TEXT NOT NULL, qty TEXT NOT NULL, "
	"price TEXT, state TEXT NOT NULL, created_ms INTEGER NOT NULL, "
	"raw TEXT NOT NULL);\n"
	"CREATE TABLE orders("
	"client_id TEXT PRIMARY KEY REFERENCES intents(client_id), "
	"venue_order_id TEXT, status TEXT NOT NULL, "
	"filled_qty TEXT NOT NULL, avg_price TEXT, "
	"updated_ms INTEGER NOT NULL);\n"
	"CREATE INDEX orders_venue_id ON orders(venue_order_id);\n"
	"CREATE TABLE order_events("
	"id INTEGER PRIMARY KEY, "
	"client_id TEXT NOT NULL REFERENCES intents(client_id), "
	"status TEXT NOT NULL, time_ms INTEGER NOT NULL, "
	"source TEXT NOT NULL CHECK(source IN "
	"('rest', 'stream', 'reconcile', 'local')), detail TEXT);\n"
	"CREATE INDEX order_events_client ON order_events(client_id);\n"
	"CREATE TABLE fills("
	"venue TEXT NOT NULL, venue_trade_id TEXT NOT NULL, client_id TEXT, "
	"price TEXT NOT NULL, qty TEXT NOT NULL, fee TEXT, fee_asset TEXT, "
	"time_ms INTEGER NOT NULL, UNIQUE(venue, venue_trade_id));\n"
	"CREATE INDEX fills_client ON fills(client_id);\n"
	"CREATE TABLE positions("
	"venue TEXT NOT NULL, market TEXT NOT NULL, symbol TEXT NOT NULL, "
	"qty TEXT NOT NULL, entry_price TEXT, updated_ms INTEGER NOT NULL, "
	"PRIMARY KEY(venue, market, symbol));\n"
	"CREATE TABLE balances("
	"venue TEXT NOT NULL, market TEXT NOT NULL, asset TEXT NOT NULL, "
	"free TEXT NOT NULL, locked TEXT NOT NULL, "
	"updated_ms INTEGER NOT NULL, PRIMARY KEY(venue, market, asset));\n"
	"CREATE TABLE daily("
	"day TEXT NOT NULL, venue TEXT NOT NULL, market TEXT NOT NULL, "
	"realized_pnl TEXT NOT NULL, fees TEXT NOT NULL, "
	"orders INTEGER NOT NULL, fills INTEGER NOT NULL, "
	"PRIMARY KEY(day, venue, market));\n"
	"CREATE TABLE kv("
	"owner TEXT NOT NULL, key TEXT NOT NULL, value BLOB, "
	"updated_ms INTEGER NOT NULL, PRIMARY KEY(owner, key));\n",
	/*
	 * 2: the intent lifecycle (state pending/sent/open/done, sent_ms,
	 * tif, reduce_only), fills that say which position they move,
	 * realized pnl, daily volume and fees by asset.  A v1 intent with an
	 * order becomes "done" when the order is final, else "sent" (its
	 * outcome is to be asked: the safe reading).
	 */
	"ALTER TABLE intents ADD COLUMN tif TEXT;\n"
	"ALTER TABLE intents ADD COLUMN reduce_only INTEGER NOT NULL "
	"DEFAULT 0;\n"
	"ALTER TABLE intents ADD COLUMN sent_ms INTEGER;\n"
	"ALTER TABLE intents ADD COLUMN updated_ms INTEGER NOT NULL "
	"DEFAULT 0;\n"
	"UPDATE intents SET updated_ms = created_ms;\n"
	"UPDATE intents SET state = CASE WHEN o.status IN ('filled', "
	"'canceled', 'rejected', 'expired') THEN 'done' ELSE 'sent' END, "
	"sent_ms = o.updated_ms, updated_ms = o.updated_ms "
	"FROM orders o WHERE o.client_id = intents.client_id;\n"
	"CREATE INDEX intents_unfinished ON intents(venue, market, state);\n"
	/* A venue's trade ids are unique per market and symbol only
	 * (Binance counts them per symbol): the key is all four. */
	"CREATE TABLE fills_v2(venue TEXT NOT NULL, venue_trade_id TEXT "
	"NOT NULL, client_id TEXT, price TEXT NOT NULL, qty TEXT NOT NULL, "
	"fee TEXT, fee_asset TEXT, time_ms INTEGER NOT NULL, market TEXT, "
	"symbol TEXT, side TEXT, "
	"UNIQUE(venue, market, symbol, venue_trade_id));\n"
	"INSERT INTO fills_v2(venue, venue_trade_id, client_id, price, qty, "
	"fee, fee_asset, time_ms, market, symbol, side) SELECT f.venue, "
	"f.venue_trade_id, f.client_id, f.price, f.qty, f.fee, f.fee_asset, "
	"f.time_ms, i.market, i.symbol, i.side FROM fills f LEFT JOIN "
	"intents i ON i.client_id = f.client_id;\n"
	"DROP TABLE fills;\n"
	"ALTER TABLE fills_v2 RENAME TO fills;\n"
	"CREATE INDEX fills_client ON fills(client_id);\n"
	"ALTER TABLE positions ADD COLUMN realized_pnl TEXT NOT NULL "
	"DEFAULT '0';\n"
	"ALTER TABLE daily ADD COLUMN volume TEXT NOT NULL DEFAULT '0';\n"
	"CREATE TABLE daily_fees("
	"day TEXT NOT NULL, venue TEXT NOT NULL, market TEXT NOT NULL, "
	"asset TEXT NOT NULL, fees TEXT NOT NULL, "
	"PRIMARY KEY(day, venue, market, asset));\n",
	/*
	 * 3: a status change may come from a journal (mkt-exec --journal
	 * replays it into a store restored from a backup).  SQLite cannot
	 * change a CHECK: the table is made again, its rows and ids kept.
	 */
	"CREATE TABLE order_events_v3("
	"id INTEGER PRIMARY KEY, "
	"client_id TEXT NOT NULL REFERENCES intents(client_id), "
	"status TEXT NOT NULL, time_ms INTEGER NOT NULL, "
	"source TEXT NOT NULL CHECK(source IN "
	"('rest', 'stream', 'reconcile', 'local', 'journal')), "
	"detail TEXT);\n"
	"INSERT INTO order_events_v3(id, client_id, status, time_ms, "
	"source, detail) SELECT id, client_id, status, time_ms, source, "
	"detail FROM order_events;\n"
	"DROP TABLE order_events;\n"
	"ALTER TABLE order_events_v3 RENAME TO order_events;\n"
	"CREATE INDEX order_events_client ON order_events(client_id);\n",
};

#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

_Static_assert(NMIGRATIONS == STATE_VERSION,
    "one migration for each schema version");

int
st_failed(struct state *s, char *err, size_t errsz)
{
	snprintf(err, errsz, "cannot %s (%s)", s->dbe.step, s->dbe.msg);
	errno = db_errno(s->dbe.rc);
	return -1;
}

/* The recorded version: 0 for a database without a schema_version
 * table (a new one). */
static int
read_version(struct state *s, int64_t *v)
{
	int64_t n;

	if (db_int(s->db, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'schema_version'", 0, 0, &n,
	    "read the schema version", &s->dbe) < 0)
		return -1;
	if (n == 0) {
		*v = 0;
		return 0;
	}
	if (db_int(s->db, "SELECT max(version) FROM schema_version", 0, 0, v,
	    "read the schema version", &s->dbe) < 0)
		return -1;
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bring the schema to STATE_VERSION in one transaction. */
static int
migrate(struct state *s, char *err, size_t errsz)
{
	int64_t v;
	size_t i;

	if (db_begin(s->db, 1, &s->dbe) < 0)
		return st_failed(s, err, errsz);
	if (read_version(s, &v) < 0)
		goto fail_db;
	if (v > STATE_VERSION) {
		db_rollback(s->db);
		snprintf(err, errsz, "schema version %lld is newer than this "
		    "program's (%d)", (long long)v, STATE_VERSION);
		errno = EPROTO;
		return -1;
	}
	if (v == STATE_VERSION) {
		db_rollback(s->db);
		return 0;
	}
	/* (A schema_version table without rows is version 0 too.) */
	if (v == 0 && db_exec(s->db, "CREATE TABLE IF NOT EXISTS "
	    "schema_version(version INTEGER PRIMARY KEY, "
	    "applied_ms INTEGER NOT NULL)", "create the schema_version table",
	    &s->dbe) < 0)
		goto fail_db;
	for (i = (size_t)v; i < NMIGRATIONS; i++) {
		if (db_exec(s->db, migrations[i], "migrate the schema",
		    &s->dbe) < 0 ||
		    db_change(s->db, "INSERT INTO schema_version "
		    "VALUES(?1, ?2)", (int64_t)i + 1, now_ms(),
		    "record the schema version", &s->dbe) < 0)
			goto fail_db;
	}
	if (db_commit(s->db, &s->dbe) < 0)
		goto fail_db;
	return 0;
fail_db:
	db_rollback(s->db);
	return st_failed(s, err, errsz);
}

int
state_open(struct state **sp, const char *path, char *err, size_t errsz)
{
	struct state *s;

	*sp = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(err, errsz, "cannot allocate the handle (%s)",
		    strerror(errno));
		return -1;
	}
	if (db_open(&s->db, path, DB_CREATE | DB_WAL, "open the database",
	    &s->dbe) < 0)
		goto fail_db;
	/* The write-ahead rule: a commit is on disk when it returns. */
	if (db_exec(s->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
	    "set the pragmas", &s->dbe) < 0)
		goto fail_db;
	if (migrate(s, err, errsz) < 0)
		goto fail;
	*sp = s;
	return 0;
fail_db:
	st_failed(s, err, errsz);
fail:
	state_close(s);
	return -1;
}

void
state_close(struct state *s)
{
	int e = errno, i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
	errno = e;
}

int
state_version(struct state *s, int64_t *v, char *err, size_t errsz)
{
	if (read_version(s, v) < 0)
		return st_failed(s, err, errsz);
	return 0;
}

/* ---- client ids ---- */

static int
id_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* 'h' and 35 lower-case hex digits: the form of a hashed id. */
static int
hashed_form(const char *id, size_t n)
{
	size_t i;

	if (n != STATE_CLIENT_ID_MAX || id[0] != 'h')
		return 0;
	for (i = 1; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

int
state_client_id(const char *intent_id, char out[STATE_CLIENT_ID_MAX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t n = strlen(intent_id), i;
	int keep = n > 0 && n <= STATE_CLIENT_ID_MAX;

	out[0] = '\0';
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; keep && i < n; i++)
		keep = id_char((unsigned char)intent_id[i]);
	if (keep && !hashed_form(intent_id, n)) {
		memcpy(out, intent_id, n + 1);
		return 0;
	}
	if (EVP_Digest(intent_id, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 18) {
		errno = EIO;
		return -1;
	}
	out[0] = 'h';
	for (i = 0; i < STATE_CLIENT_ID_MAX - 1; i++)
		out[1 + i] = hex[i % 2 ? md[i / 2] & 0xf : md[i / 2] >> 4];
	out[STATE_CLIENT_ID_MAX] = '\0';
	return 0;
}

/* ---- writes ---- */

void
st_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Whether the last failure was a uniqueness or primary key conflict. */
int
st_conflict(const struct db_err *e)
{
	return e->rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    e->rc == SQLITE_CONSTRAINT_UNIQUE;
}

/* The statement i, prepared on first use, under step.  0 or -1. */
int
st_prep(struct state *s, int i, sqlite3_stmt **st, const char *step)
{
	if (s->st[i] == NULL && db_prepare(s->db, stmt_sql[i], DB_PERSISTENT,
	    &s->st[i], step, &s->dbe) < 0)
		return -1;
	*st = s->st[i];
	return 0;
}

/* Let st go for its next use: reset, bindings cleared (they point into
 * the caller's strings). */
void
st_release(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Step st to its end and release it; the extended result code is kept
 * in s->dbe on failure.  0 or -1. */
int
st_run(struct state *s, sqlite3_stmt *st, const char *step)
{
	int r = db_done(st, step, &s->dbe);

	if (r < 0)
		s->dbe.rc = sqlite3_extended_errcode(s->db);
	st_release(st);
	return r;
}

/* Refuse with EINVAL: "cannot STEP (WHY)".  -1. */
int
st_invalid(char *err, size_t errsz, const char *step, const char *why)
{
	snprintf(err, errsz, "cannot %s (%s)", step, why);
	errno = EINVAL;
	return -1;
}

/* Whether v (NULL allowed) is too long for a row's sz bytes. */
int
st_too_long(const char *v, size_t sz)
{
	return v != NULL && strlen(v) >= sz;
}

/* Whether v is a decimal (NULL counts as one when may_null). */
int
st_decimal(const char *v, int may_null)
{
	struct fx x;

	if (v == NULL)
		return may_null;
	return strlen(v) < STATE_DEC_SZ && fx_parse(v, strlen(v), &x) == FX_OK;
}

/* Whether in can be recorded and read back whole; else -1 with err. */
static int
intent_invalid(const struct state_intent *in, char *err, size_t errsz)
{
	static const char step[] = "record an intent";

	if (st_too_long(in->intent_id, STATE_ID_SZ))
		return st_invalid(err, errsz, step, "intent id too long");
	if (!in->venue || !in->market || !in->symbol || !in->side ||
	    !in->type || !in->raw)
		return st_invalid(err, errsz, step, "a field is missing");
	if (st_too_long(in->venue, STATE_NAME_SZ) ||
	    st_too_long(in->market, STATE_NAME_SZ) ||
	    st_too_long(in->symbol, STATE_SYMBOL_SZ) ||
	    st_too_long(in->side, STATE_NAME_SZ) ||
	    st_too_long(in->type, STATE_NAME_SZ) ||
	    st_too_long(in->tif, STATE_NAME_SZ))
		return st_invalid(err, errsz, step, "a field is too long");
	if (!st_decimal(in->qty, 0) || !st_decimal(in->price, 1))
		return st_invalid(err, errsz, step, "qty or price not a decimal");
	return 0;
}

int
state_intent_record(struct state *s, const struct state_intent *in,
    char *err, size_t errsz)
{
	static const char step[] = "record an intent";
	char cid[STATE_CLIENT_ID_MAX + 1];
	sqlite3_stmt *st;

	if (state_client_id(in->intent_id, cid) < 0) {
		snprintf(err, errsz, "cannot record an intent (%s)",
		    errno == EINVAL ? "empty intent id" : "cannot hash its id");
		return -1;
	}
	if (intent_invalid(in, err, errsz))
		return -1;
	if (st_prep(s, ST_INTENT, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, in->intent_id);
	st_bind_text(st, 2, cid);
	st_bind_text(st, 3, in->venue);
	st_bind_text(st, 4, in->market);
	st_bind_text(st, 5, in->symbol);
	st_bind_text(st, 6, in->side);
	st_bind_text(st, 7, in->type);
	st_bind_text(st, 8, in->qty);
	st_bind_text(st, 9, in->price);
	sqlite3_bind_int64(st, 10, in->created_ms);
	st_bind_text(st, 11, in->raw);
	st_bind_text(st, 12, in->tif);
	sqlite3_bind_int(st, 13, in->reduce_only != 0);
	/* Autocommit: the row is committed (synchronous=FULL) on return,
	 * or with its batch. */
	if (st_run(s, st, step) < 0) {
		if (st_conflict(&s->dbe))
			return STATE_EXISTS;
		return st_failed(s, err, errsz);
	}
	return 0;
}

static int
valid_source(const char *src)
{
	return src && (!strcmp(src, STATE_SRC_REST) ||
	    !strcmp(src, STATE_SRC_STREAM) ||
	    !strcmp(src, STATE_SRC_RECONCILE) ||
	    !strcmp(src, STATE_SRC_LOCAL) ||
	    !strcmp(src, STATE_SRC_JOURNAL));
}

int
state_final_status(const char *status)
{
	return !strcmp(status, "filled") || !strcmp(status, "canceled") ||
	    !strcmp(status, "rejected") || !strcmp(status, "expired");
}

/* Move the intent of t's order as state.h says, in t's transaction. */
static int
intent_follows(struct state *s, const struct state_transition *t)
{
	static const char step[] = "move the intent";
	const char *to = NULL;
	sqlite3_stmt *st;

	if (state_final_status(t->status))
		to = STATE_DONE;
	else if (strcmp(t->source, STATE_SRC_LOCAL) != 0 &&
	    (!strcmp(t->status, "new") ||
	    !strcmp(t->status, "partially_filled")))
		to = STATE_OPEN;
	if (to == NULL)
		return 0;
	if (st_prep(s, ST_INTENT_STEP, &st, step) < 0)
		return -1;
	st_bind_text(st, 1, t->client_id);
	st_bind_text(st, 2, to);
	sqlite3_bind_int64(st, 3, t->time_ms);
	return st_run(s, st, step);
}

int
state_order_transition(struct state *s, const struct state_transition *t,
    char *err, size_t errsz)
{
	sqlite3_stmt *st;
	int64_t n;

	if (!valid_source(t->source) || t->status == NULL ||
	    t->client_id == NULL)
		return st_invalid(err, errsz, "record a transition",
		    t->status == NULL ? "no status" : t->client_id == NULL ?
		    "no client id" : "unknown source");
	if (st_too_long(t->status, STATE_NAME_SZ) ||
	    st_too_long(t->venue_order_id, STATE_ID_SZ) ||
	    st_too_long(t->filled_qty, STATE_DEC_SZ) ||
	    st_too_long(t->avg_price, STATE_DEC_SZ))
		return st_invalid(err, errsz, "record a transition",
		    "a field is too long");
	if (st_begin(s) < 0)
		return st_failed(s, err, errsz);
	if (st_prep(s, ST_INTENT_FIND, &st, "find the intent") < 0)
		goto fail_db;
	st_bind_text(st, 1, t->client_id);
	if (db_step(st, "find the intent", &s->dbe) < 0) {
		st_release(st);
		goto fail_db;
	}
	n = sqlite3_column_int64(st, 0);
	st_release(st);
	if (n == 0) {
		st_rollback(s);
		snprintf(err, errsz, "cannot record a transition (no intent "
		    "with client id '%s')", t->client_id);
		errno = ENOENT;
		return -1;
	}
	if (st_prep(s, ST_ORDER, &st, "update the order") < 0)
		goto fail_db;
	st_bind_text(st, 1, t->client_id);
	st_bind_text(st, 2, t->venue_order_id);
	st_bind_text(st, 3, t->status);
	st_bind_text(st, 4, t->filled_qty);
	st_bind_text(st, 5, t->avg_price);
	sqlite3_bind_int64(st, 6, t->time_ms);
	if (st_run(s, st, "update the order") < 0)
		goto fail_db;
	if (st_prep(s, ST_ORDER_EVENT, &st, "record the order event") < 0)
		goto fail_db;
	st_bind_text(st, 1, t->client_id);
	st_bind_text(st, 2, t->status);
	sqlite3_bind_int64(st, 3, t->time_ms);
	st_bind_text(st, 4, t->source);
	st_bind_text(st, 5, t->detail);
	if (st_run(s, st, "record the order event") < 0 ||
	    intent_follows(s, t) < 0)
		goto fail_db;
	if (st_commit(s) < 0)
		goto fail_db;
	return 0;
fail_db:
	st_rollback(s);
	return st_failed(s, err, errsz);
}

/* ---- reading rows ---- */

/* Copy column i of st into dst (sz bytes; NULL is ""): 0, or -1 when it
 * does not fit (a row written by hand). */
int
st_col_text(sqlite3_stmt *st, int i, char *dst, size_t sz)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	size_t n = v ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= sz) {
		dst[0] = '\0';
		return -1;
	}
	memcpy(dst, v ? (const char *)v : "", n);
	dst[n] = '\0';
	return 0;
}

void
st_col_text_cut(sqlite3_stmt *st, int i, char *dst, size_t sz)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(dst, sz, "%s", t != NULL ? (const char *)t : "");
}

/* A stored value the row cannot hold or the store cannot read: -1. */
int
st_unreadable(char *err, size_t errsz, const char *step)
{
	snprintf(err, errsz, "cannot %s (a stored value is too long or not "
	    "a decimal, or a sum overflows)", step);
	errno = ERANGE;
	return -1;
}

static int
row_intent(sqlite3_stmt *st, struct state_intent_row *r)
{
	int bad = 0;

	bad |= st_col_text(st, 0, r->intent_id, sizeof r->intent_id);
	bad |= st_col_text(st, 1, r->client_id, sizeof r->client_id);
	bad |= st_col_text(st, 2, r->venue, sizeof r->venue);
	bad |= st_col_text(st, 3, r->market, sizeof r->market);
	bad |= st_col_text(st, 4, r->symbol, sizeof r->symbol);
	bad |= st_col_text(st, 5, r->side, sizeof r->side);
	bad |= st_col_text(st, 6, r->type, sizeof r->type);
	bad |= st_col_text(st, 7, r->qty, sizeof r->qty);
	bad |= st_col_text(st, 8, r->price, sizeof r->price);
	bad |= st_col_text(st, 9, r->tif, sizeof r->tif);
	r->reduce_only = sqlite3_column_int(st, 10) != 0;
	bad |= st_col_text(st, 11, r->state, sizeof r->state);
	bad |= st_col_text(st, 12, r->status, sizeof r->status);
	bad |= st_col_text(st, 13, r->venue_order_id, sizeof r->venue_order_id);
	bad |= st_col_text(st, 14, r->filled_qty, sizeof r->filled_qty);
	bad |= st_col_text(st, 15, r->avg_price, sizeof r->avg_price);
	r->created_ms = sqlite3_column_int64(st, 16);
	r->sent_ms = sqlite3_column_int64(st, 17);
	r->updated_ms = sqlite3_column_int64(st, 18);
	return bad ? -1 : 0;
}

/* Column i of st as a decimal; NULL is *v unchanged (the default).
 * 0 or -1. */
int
st_col_fx(sqlite3_stmt *st, int i, struct fx *v)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	if (t == NULL)
		return 0;
	return fx_parse(t, strlen(t), v) == FX_OK ? 0 : -1;
}

/* v as text into dst (STATE_DEC_SZ bytes), trailing zeros dropped. */
void
st_fx_text(struct fx v, char dst[STATE_DEC_SZ])
{
	*fx_format(fx_trim(v), dst) = '\0';
}

/* The fill's day, "YYYY-MM-DD" in UTC. */
void
st_day_of(int64_t ms, char day[16])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(day, 16, "%Y-%m-%d", &tm) == 0)
		snprintf(day, 16, "0000-00-00");
}

/* ---- intents ---- */

static int
intent_state(const char *v)
{
	return v && (!strcmp(v, STATE_PENDING) || !strcmp(v, STATE_SENT) ||
	    !strcmp(v, STATE_OPEN) || !strcmp(v, STATE_DONE));
}

/* Whether the rule of state.h lets an intent move from to to. */
static int
move_allowed(const char *from, const char *to)
{
	if (!strcmp(from, to))
		return 1;
	if (!strcmp(from, STATE_PENDING))
		return 1;
	if (!strcmp(from, STATE_SENT))
		return strcmp(to, STATE_PENDING) != 0;
	if (!strcmp(from, STATE_OPEN))
		return !strcmp(to, STATE_DONE);
	return 0;
}

/* Count an order in the day of time_ms for venue:market. */
static int
daily_order(struct state *s, const char *venue, const char *market,
    int64_t time_ms)
{
	char day[16];
	sqlite3_stmt *st;

	st_day_of(time_ms, day);
	if (st_prep(s, ST_DAILY_ORDER, &st, "count the day's order") < 0)
		return -1;
	st_bind_text(st, 1, day);
	st_bind_text(st, 2, venue);
	st_bind_text(st, 3, market);
	return st_run(s, st, "count the day's order");
}

int
state_intent_mark(struct state *s, const char *client_id, const char *to,
    int64_t time_ms, char *err, size_t errsz)
{
	static const char step[] = "mark the intent";
	char from[STATE_NAME_SZ], venue[STATE_NAME_SZ], market[STATE_NAME_SZ];
	sqlite3_stmt *st;
	int rc, first = 0;

	if (!intent_state(to) || client_id == NULL)
		return st_invalid(err, errsz, step, "not an intent state");
	if (st_begin(s) < 0)
		return st_failed(s, err, errsz);
	if (st_prep(s, ST_INTENT_STATE, &st, step) < 0)
		goto fail_db;
	st_bind_text(st, 1, client_id);
	if ((rc = db_step(st, step, &s->dbe)) == 1) {
		(void)st_col_text(st, 0, from, sizeof from);
		first = sqlite3_column_int(st, 1);
		(void)st_col_text(st, 2, venue, sizeof venue);
		(void)st_col_text(st, 3, market, sizeof market);
	}
	st_release(st);
	if (rc < 0)
		goto fail_db;
	if (rc == 0 || !move_allowed(from, to)) {
		st_rollback(s);
		if (rc == 0) {
			snprintf(err, errsz, "cannot mark the intent (no "
			    "intent with client id '%s')", client_id);
			errno = ENOENT;
			return -1;
		}
		snprintf(err, errsz, "cannot mark the intent (from %s to %s)",
		    from, to);
		errno = EINVAL;
		return -1;
	}
	if (st_prep(s, ST_INTENT_MARK, &st, step) < 0)
		goto fail_db;
	st_bind_text(st, 1, client_id);
	st_bind_text(st, 2, to);
	sqlite3_bind_int64(st, 3, time_ms);
	if (st_run(s, st, step) < 0 || (first && !strcmp(to, STATE_SENT) &&
	    daily_order(s, venue, market, time_ms) < 0) ||
	    st_commit(s) < 0)
		goto fail_db;
	return 0;
fail_db:
	st_rollback(s);
	return st_failed(s, err, errsz);
}

int
state_intent_get(struct state *s, const char *id,
    struct state_intent_row *out, char *err, size_t errsz)
{
	static const char step[] = "read the intent";
	sqlite3_stmt *st;
	int rc;

	if (st_prep(s, ST_ROW_GET, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, id);
	rc = db_step(st, step, &s->dbe);
	if (rc == 1 && row_intent(st, out) < 0)
		rc = -2;
	st_release(st);
	if (rc == -2)
		return st_unreadable(err, errsz, step);
	return rc < 0 ? st_failed(s, err, errsz) : rc;
}

/* Room for one more row; NULL when out of memory. */
static void *
rows_next(struct rows *r)
{
	void *p;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;

		if ((p = realloc(r->p, cap * r->size)) == NULL)
			return NULL;
		r->p = p;
		r->cap = cap;
	}
	return (char *)r->p + r->n++ * r->size;
}

/*
 * Step st (bound), reading each row with read into r: 0, -1 with
 * s->dbe, -2 for a row that cannot be read, -3 out of memory.  st is
 * released.
 */
int
st_rows_read(struct state *s, sqlite3_stmt *st, const char *step,
    struct rows *r, int (*read)(sqlite3_stmt *, void *))
{
	void *row;
	int rc;

	while ((rc = db_step(st, step, &s->dbe)) == 1) {
		if ((row = rows_next(r)) == NULL) {
			rc = -3;
			break;
		}
		if (read(st, row) < 0) {
			rc = -2;
			break;
		}
	}
	st_release(st);
	return rc;
}

static int
read_intent(sqlite3_stmt *st, void *row)
{
	return row_intent(st, row);
}

/* Word a st_rows_read() failure.  -1. */
int
st_rows_failed(struct state *s, int rc, const char *step, char *err,
    size_t errsz)
{
	if (rc == -2)
		return st_unreadable(err, errsz, step);
	if (rc == -3) {
		snprintf(err, errsz, "cannot %s (%s)", step, strerror(ENOMEM));
		errno = ENOMEM;
		return -1;
	}
	return st_failed(s, err, errsz);
}

int
state_unfinished(struct state *s, const char *venue, const char *market,
    int (*cb)(void *ctx, const struct state_intent_row *row), void *ctx,
    char *err, size_t errsz)
{
	static const char step[] = "read the unfinished intents";
	struct rows r = { NULL, 0, 0, sizeof(struct state_intent_row) };
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (st_prep(s, ST_UNFINISHED, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	if ((rc = st_rows_read(s, st, step, &r, read_intent)) < 0) {
		free(r.p);
		return st_rows_failed(s, rc, step, err, errsz);
	}
	for (i = 0; i < r.n && rc == 0; i++)
		rc = cb(ctx, (struct state_intent_row *)r.p + i);
	free(r.p);
	return rc;
}

int
state_unfinished_count(struct state *s, const char *venue,
    const char *market, int64_t *n, char *err, size_t errsz)
{
	static const char step[] = "count the unfinished intents";
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (st_prep(s, ST_UNFINISHED_COUNT, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, venue);
	st_bind_text(st, 2, market);
	if ((rc = db_step(st, step, &s->dbe)) == 1)
		*n = sqlite3_column_int64(st, 0);
	st_release(st);
	return rc < 0 ? st_failed(s, err, errsz) : 0;
}

/* ---- key/value ---- */

int
state_kv_put(struct state *s, const char *owner, const char *key,
    const void *value, size_t n, int64_t now_ms, char *err, size_t errsz)
{
	static const char step[] = "put a value";
	sqlite3_stmt *st;

	if (st_prep(s, ST_KV_PUT, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, owner);
	st_bind_text(st, 2, key);
	sqlite3_bind_blob64(st, 3, n ? value : "", n, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	if (st_run(s, st, step) < 0)
		return st_failed(s, err, errsz);
	return 0;
}

int
state_kv_get(struct state *s, const char *owner, const char *key,
    void **value, size_t *n, char *err, size_t errsz)
{
	static const char step[] = "get a value";
	sqlite3_stmt *st;
	const void *b;
	int r;

	*value = NULL;
	*n = 0;
	if (st_prep(s, ST_KV_GET, &st, step) < 0)
		return st_failed(s, err, errsz);
	st_bind_text(st, 1, owner);
	st_bind_text(st, 2, key);
	if ((r = db_step(st, step, &s->dbe)) <= 0) {
		st_release(st);
		return r < 0 ? st_failed(s, err, errsz) : 0;
	}
	b = sqlite3_column_blob(st, 0);
	*n = (size_t)sqlite3_column_bytes(st, 0);
	if ((*value = malloc(*n + 1)) == NULL) {
		snprintf(err, errsz, "cannot %s: %s", step, strerror(errno));
		st_release(st);
		*n = 0;
		return -1;
	}
	if (*n)
		memcpy(*value, b, *n);
	((char *)*value)[*n] = '\0';
	st_release(st);
	return 1;
}
