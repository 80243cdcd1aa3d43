/*
 * t_jreader: the journal reader on journals written here with libzstd and
 * sqlite3 directly -- the frames a query reads, positions, following new
 * frames, damage, cursors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zstd.h>

#include "store/jreader.h"
#include "tap.h"

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE segments(seg INTEGER PRIMARY KEY, created INTEGER NOT NULL,"
    " bytes INTEGER NOT NULL, closed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE frames(id INTEGER PRIMARY KEY, seg INTEGER NOT NULL,"
    " off INTEGER NOT NULL, len INTEGER NOT NULL, raw_len INTEGER NOT NULL,"
    " count INTEGER NOT NULL, first_seq INTEGER NOT NULL,"
    " first_time INTEGER, last_time INTEGER, min_time INTEGER,"
    " max_time INTEGER, first_recv INTEGER, last_recv INTEGER,"
    " UNIQUE(seg, off));"
    "CREATE INDEX frames_seq ON frames(first_seq);"
    "CREATE INDEX frames_max_time ON frames(max_time);"
    "CREATE TABLE keys(id INTEGER PRIMARY KEY, venue TEXT NOT NULL,"
    " market TEXT NOT NULL, symbol TEXT NOT NULL, type TEXT NOT NULL,"
    " UNIQUE(venue, market, symbol, type));"
    "CREATE TABLE frame_keys(frame INTEGER NOT NULL, key INTEGER NOT NULL,"
    " count INTEGER NOT NULL, min_time INTEGER, max_time INTEGER,"
    " PRIMARY KEY(frame, key)) WITHOUT ROWID;"
    "CREATE INDEX frame_keys_key ON frame_keys(key, frame);"
    "CREATE TABLE cursors(name TEXT PRIMARY KEY, next_seq INTEGER NOT NULL,"
    " updated INTEGER NOT NULL);"
    "INSERT INTO meta VALUES('format', '1'), ('next_seq', '0');";

static char dir[] = "/tmp/t_jreader.XXXXXX";
static sqlite3 *db;
static int64_t next_seq;
static int64_t seg_off[8];

static void
sql(const char *s)
{
	char *msg = NULL;

	if (sqlite3_exec(db, s, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "t_jreader: %s: %s\n", s, msg);
		exit(1);
	}
}

/*
 * Append a frame of n trades of symbol sym to segment seg, event i with
 * time t0 + i, and index it.  Returns the frame's offset.
 */
static int64_t
frame(int seg, const char *sym, int n, int64_t t0)
{
	char raw[4096], z[4096], path[256], q[512];
	size_t len = 0, zlen;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	int64_t off = seg_off[seg], kid;
	int i, fd;

	for (i = 0; i < n; i++)
		len += snprintf(raw + len, sizeof raw - len,
		    "{\"type\":\"trade\",\"symbol\":\"%s\",\"time\":%" PRId64
		    ",\"seq\":%" PRId64 "}\n", sym, t0 + i, next_seq + i);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
	zlen = ZSTD_compress2(cc, z, sizeof z, raw, len);
	ZSTD_freeCCtx(cc);
	snprintf(path, sizeof path, "%s/seg-%010d.zst", dir, seg);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (ZSTD_isError(zlen) || fd < 0 || write(fd, z, zlen) != (ssize_t)zlen)
		exit(1);
	close(fd);
	snprintf(q, sizeof q, "INSERT OR IGNORE INTO segments VALUES(%d, 0, 0, 0);"
	    "INSERT OR IGNORE INTO keys(venue, market, symbol, type) "
	    "VALUES('', '', '%s', 'trade');"
	    "INSERT INTO frames VALUES(NULL, %d, %" PRId64 ", %zu, %zu, %d, %"
	    PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
	    ", NULL, NULL);", seg, sym, seg, off, zlen, len, n, next_seq,
	    t0, t0 + n - 1, t0, t0 + n - 1);
	sql(q);
	kid = 0;
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db, "SELECT id FROM keys WHERE symbol = ?1",
		    -1, &st, NULL);
		sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			kid = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	snprintf(q, sizeof q, "INSERT INTO frame_keys VALUES(%" PRId64 ", %"
	    PRId64 ", %d, %" PRId64 ", %" PRId64 ");",
	    (int64_t)sqlite3_last_insert_rowid(db), kid, n, t0, t0 + n - 1);
	sql(q);
	next_seq += n;
	seg_off[seg] += zlen;
	return off;
}

/* Read everything there is now: the seqs as "a,b,c", the last result. */
static const char *
drain(struct jreader *jr, int *last)
{
	static char s[4096];
	struct jr_event ev;
	size_t n = 0;
	int r;

	s[0] = '\0';
	while ((r = jr_next(jr, &ev)) == JR_EVENT || r == JR_DAMAGE) {
		if (r == JR_DAMAGE) {
			n += snprintf(s + n, sizeof s - n, "%sD", n ? "," : "");
			continue;
		}
		n += snprintf(s + n, sizeof s - n, "%s%" PRId64, n ? "," : "",
		    ev.seq);
	}
	*last = r;
	return s;
}

static struct jreader *
query(struct jr_query *q)
{
	struct jreader *jr;
	char why[256];

	if (jr_open(&jr, dir, why, sizeof why) < 0) {
		tap_diag("jr_open: %s", why);
		exit(1);
	}
	if (jr_query(jr, q) < 0) {
		tap_diag("jr_query: %s", jr_error(jr));
		exit(1);
	}
	return jr;
}

int
main(void)
{
	struct jreader *jr;
	struct jr_query q;
	struct jr_event ev;
	char why[256], path[256];
	const char *syms[] = { "A" };
	int64_t off3, seq;
	int last, fd;

	if (!mkdtemp(dir))
		return 1;
	tap_ok(jr_open(&jr, "/nonexistent/j", why, sizeof why) < 0 &&
	    strstr(why, "/nonexistent/j") != NULL, "no such journal: %s", why);
	tap_ok(jr_open(&jr, dir, why, sizeof why) < 0 &&
	    strstr(why, "not a journal") != NULL, "no index.db: %s", why);

	snprintf(path, sizeof path, "%s/index.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 1;
	sql(schema);
	/* Seqs 0-4 A, 5-9 B, 10-14 A in segment 1; 15-19 B in segment 2;
	 * time = 100 + seq. */
	frame(1, "A", 5, 100);
	frame(1, "B", 5, 105);
	off3 = frame(1, "A", 5, 110);
	frame(2, "B", 5, 115);

	jr_query_init(&q);
	jr = query(&q);
	tap_ok(jr_next(jr, &ev) == JR_EVENT && ev.seq == 0 && ev.len > 0 &&
	    ev.line[ev.len] == '\n' && memcmp(ev.line, "{\"type\":\"trade\","
	    "\"symbol\":\"A\",\"time\":100,\"seq\":0}", ev.len) == 0,
	    "the first event, its bytes");
	tap_eq_s(drain(jr, &last), "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
	    "17,18,19", "everything, in order, across segments");
	tap_eq_i(last, JR_END, "then the end");
	tap_eq_i(jr_position(jr), 20, "position: past the end");
	tap_eq_i(jr_frames_read(jr), 4, "4 frames read");
	/* Following: a frame committed later is picked up. */
	frame(2, "A", 3, 120);
	tap_eq_s(drain(jr, &last), "20,21,22", "a new frame, after the end");
	tap_eq_i(jr_position(jr), 23, "position: past it");
	tap_eq_s(drain(jr, &last), "", "nothing more");
	jr_close(jr);

	jr_query_init(&q);
	q.from_seq = 7;
	jr = query(&q);
	tap_eq_s(drain(jr, &last), "7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
	    "21,22", "from seq 7, in the middle of a frame");
	tap_eq_i(jr_frames_read(jr), 4, "from seq 7: frames 2 to 5 read");
	jr_close(jr);

	jr_query_init(&q);
	q.keys[JR_SYMBOL] = syms;
	q.nkeys[JR_SYMBOL] = 1;
	jr = query(&q);
	tap_ok(jr_next(jr, &ev) == JR_EVENT && ev.seq == 0, "symbol A: 0");
	tap_eq_i(jr_position(jr), 1, "position: after the event handed out");
	tap_eq_s(drain(jr, &last), "1,2,3,4,10,11,12,13,14,20,21,22",
	    "symbol A: its events");
	tap_eq_i(jr_frames_read(jr), 3, "symbol A: only its 3 frames read");
	tap_eq_i(jr_position(jr), 23, "symbol A: passed over the rest");
	jr_close(jr);

	jr_query_init(&q);
	q.by_time = 1;
	q.from_time = 107;
	q.to_time = 112;
	jr = query(&q);
	tap_ok(jr_next(jr, &ev) == JR_EVENT && ev.seq == 7 && ev.has_time &&
	    ev.time == 107, "time [107, 112): the first event and its time");
	tap_eq_s(drain(jr, &last), "8,9,10,11", "time [107, 112)");
	tap_eq_i(jr_frames_read(jr), 2, "time [107, 112): 2 frames read");
	tap_eq_i(jr_position(jr), 23, "time [107, 112): passed over the rest");
	jr_close(jr);

	/* Runs: the wanted events that follow in the frame, within max. */
	jr_query_init(&q);
	q.from_seq = 1;
	jr = query(&q);
	tap_ok(jr_next_run(jr, &ev, 1 << 20) == JR_EVENT && ev.seq == 1 &&
	    ev.count == 4 && ev.line[ev.len] == '\n' &&
	    memchr(ev.line, '\n', ev.len) != NULL &&
	    memcmp(ev.line + ev.len - 8, "\"seq\":4}", 8) == 0,
	    "a run: the rest of the frame");
	tap_eq_i(jr_position(jr), 5, "a run: position past it");
	tap_ok(jr_next_run(jr, &ev, 100) == JR_EVENT && ev.seq == 5 &&
	    ev.count == 2, "a run within 100 bytes: 2 events");
	tap_ok(jr_next_run(jr, &ev, 10) == JR_EVENT && ev.seq == 7 &&
	    ev.count == 1, "a run within 10 bytes: the one event");
	jr_close(jr);
	jr_query_init(&q);
	q.by_time = 1;
	q.from_time = 101;
	q.to_time = 103;
	jr = query(&q);
	tap_ok(jr_next_run(jr, &ev, 1 << 20) == JR_EVENT && ev.seq == 1 &&
	    ev.count == 2, "a run ends at an event not wanted");
	tap_eq_i(jr_position(jr), 4, "... which is passed over");
	tap_eq_i(jr_next_run(jr, &ev, 1 << 20), JR_END, "then the end");
	jr_close(jr);

	/* Damage: bytes of frame 3 flipped. */
	snprintf(path, sizeof path, "%s/seg-0000000001.zst", dir);
	fd = open(path, O_RDWR);
	if (fd < 0 || pwrite(fd, "XXXX", 4, off3 + 12) != 4)
		return 1;
	close(fd);
	jr_query_init(&q);
	q.from_seq = 8;
	jr = query(&q);
	tap_eq_s(drain(jr, &last), "8,9,D,15,16,17,18,19,20,21,22",
	    "damage: the frame skipped, the rest read");
	jr_close(jr);
	jr_query_init(&q);
	jr = query(&q);
	while (jr_next(jr, &ev) == JR_EVENT)
		;
	snprintf(why, sizeof why, "seg-0000000001.zst at offset %" PRId64
	    ": zstd: ", off3);
	tap_ok(strncmp(jr_error(jr), why, strlen(why)) == 0,
	    "damage: named (%s)", jr_error(jr));
	tap_eq_i(jr_position(jr), 15, "damage: position past the frame");
	jr_close(jr);

	/* Cursors. */
	jr_query_init(&q);
	jr = query(&q);
	tap_eq_i(jr_cursor_get(jr, "c", &seq), 0, "no cursor yet");
	tap_eq_i(jr_cursor_put(jr, "c", 7), 0, "cursor stored");
	tap_ok(jr_cursor_get(jr, "c", &seq) == 1 && seq == 7, "cursor read");
	tap_eq_i(jr_cursor_put(jr, "c", 9), 0, "cursor stored again");
	tap_ok(jr_cursor_get(jr, "c", &seq) == 1 && seq == 9,
	    "cursor replaced");
	jr_close(jr);

	sqlite3_close(db);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
