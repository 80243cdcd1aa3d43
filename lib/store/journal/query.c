/*
 * journal/query.c: what ls and stats show, read from the index alone:
 * the segments, the totals and the symbols.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

int
journal_segments(struct journal *j,
    int (*fn)(void *ctx, const struct journal_seginfo *s), void *ctx)
{
	sqlite3_stmt *s;
	int rc;

	if (jn_prepare(j, "SELECT s.seg, s.created, s.closed, count(f.id), "
	    "coalesce(sum(f.count), 0), s.bytes, coalesce(sum(f.raw_len), 0), "
	    "min(f.min_time), max(f.max_time) "
	    "FROM segments s LEFT JOIN frames f ON f.seg = s.seg "
	    "GROUP BY s.seg ORDER BY s.seg", &s) < 0)
		return -1;
	while ((rc = db_step(s, "read the segments", &j->dbe)) > 0) {
		struct journal_seginfo g;
		char name[SEG_NAME_LEN];

		g.seg = (uint64_t)sqlite3_column_int64(s, 0);
		g.name = journal_seg_name(g.seg, name, sizeof name);
		g.created = sqlite3_column_int64(s, 1);
		g.closed = sqlite3_column_int(s, 2);
		g.frames = (uint64_t)sqlite3_column_int64(s, 3);
		g.events = (uint64_t)sqlite3_column_int64(s, 4);
		g.bytes = (uint64_t)sqlite3_column_int64(s, 5);
		g.raw_bytes = (uint64_t)sqlite3_column_int64(s, 6);
		g.has_time = sqlite3_column_type(s, 7) != SQLITE_NULL;
		g.min_time = sqlite3_column_int64(s, 7);
		g.max_time = sqlite3_column_int64(s, 8);
		if (fn(ctx, &g) < 0) {
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	if (rc < 0)
		return jn_fail_db(j);
	return 0;
}

int
journal_totals(struct journal *j, struct journal_totals *t)
{
	sqlite3_stmt *s;
	int rc;

	memset(t, 0, sizeof *t);
	t->min_time = INT64_MAX;
	t->max_time = INT64_MIN;
	if (jn_get_meta(j, "next_seq", &t->next_seq) < 0)
		return -1;
	if (jn_prepare(j, "SELECT (SELECT count(*) FROM segments), count(*), "
	    "coalesce(sum(count), 0), coalesce(sum(len), 0), "
	    "coalesce(sum(raw_len), 0), min(min_time), max(max_time) "
	    "FROM frames", &s) < 0)
		return -1;
	rc = db_step(s, "read the frames", &j->dbe);
	if (rc > 0) {
		t->segments = (uint64_t)sqlite3_column_int64(s, 0);
		t->frames = (uint64_t)sqlite3_column_int64(s, 1);
		t->events = (uint64_t)sqlite3_column_int64(s, 2);
		t->bytes = (uint64_t)sqlite3_column_int64(s, 3);
		t->raw_bytes = (uint64_t)sqlite3_column_int64(s, 4);
		if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
			t->min_time = sqlite3_column_int64(s, 5);
			t->max_time = sqlite3_column_int64(s, 6);
		}
	}
	sqlite3_finalize(s);
	if (rc <= 0) {
		if (rc == 0)
			db_fail(&j->dbe, j->db, SQLITE_DONE, "read the frames");
		return jn_fail_db(j);
	}
	return 0;
}

int
journal_symbols(struct journal *j,
    int (*fn)(void *ctx, const struct journal_syminfo *s), void *ctx)
{
	sqlite3_stmt *s;
	int rc;

	/* Days: the distinct UTC days on which a frame's events of the
	 * symbol begin or end (frames are short: that is every day). */
	if (jn_prepare(j, "WITH d AS (SELECT fk.key AS key, fk.min_time / "
	    "86400000 AS day FROM frame_keys fk WHERE fk.min_time IS NOT NULL "
	    "UNION SELECT fk.key, fk.max_time / 86400000 FROM frame_keys fk "
	    "WHERE fk.max_time IS NOT NULL), "
	    "c AS (SELECT k.venue AS venue, k.market AS market, "
	    "k.symbol AS symbol, sum(fk.count) AS n, min(fk.min_time) AS lo, "
	    "max(fk.max_time) AS hi FROM frame_keys fk JOIN keys k "
	    "ON k.id = fk.key GROUP BY 1, 2, 3), "
	    "dd AS (SELECT k.venue AS venue, k.market AS market, "
	    "k.symbol AS symbol, count(DISTINCT d.day) AS days FROM d "
	    "JOIN keys k ON k.id = d.key GROUP BY 1, 2, 3) "
	    "SELECT c.venue, c.market, c.symbol, c.n, c.lo, c.hi, "
	    "coalesce(dd.days, 0) FROM c LEFT JOIN dd ON dd.venue = c.venue "
	    "AND dd.market = c.market AND dd.symbol = c.symbol "
	    "ORDER BY 1, 2, 3", &s) < 0)
		return -1;
	while ((rc = db_step(s, "read the keys", &j->dbe)) > 0) {
		struct journal_syminfo y;

		y.venue = (const char *)sqlite3_column_text(s, 0);
		y.market = (const char *)sqlite3_column_text(s, 1);
		y.symbol = (const char *)sqlite3_column_text(s, 2);
		y.events = (uint64_t)sqlite3_column_int64(s, 3);
		y.has_time = sqlite3_column_type(s, 4) != SQLITE_NULL;
		y.oldest = sqlite3_column_int64(s, 4);
		y.newest = sqlite3_column_int64(s, 5);
		y.days = (uint64_t)sqlite3_column_int64(s, 6);
		if (!y.venue || !y.market || !y.symbol) {
			sqlite3_finalize(s);
			errno = ENOMEM;
			return jn_fail(j, "cannot read the keys");
		}
		if (fn(ctx, &y) < 0) {
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	if (rc < 0)
		return jn_fail_db(j);
	return 0;
}
