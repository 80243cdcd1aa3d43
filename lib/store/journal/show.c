/*
 * journal/show.c: what ls and stats print, rendered into a buffer: a
 * segment, a symbol, the totals, as a table line or one JSON object.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/timeutil.h"
#include "internal.h"

static const char *
tfmt(int has, int64_t ms, char *dst, size_t n)
{
	if (!has)
		return "-";
	return time_format(ms, dst, n);
}

static void
jtime(struct buf *b, const char *name, int has, int64_t ms)
{
	buf_adds(b, ",\"");
	buf_adds(b, name);
	buf_adds(b, "\":");
	if (has)
		buf_addi(b, ms);
	else
		buf_adds(b, "null");
}

void
journal_put_segment_header(struct buf *b)
{
	buf_addf(b, "%-18s %7s %9s %11s %12s  %-24s  %s\n", "SEGMENT",
	    "FRAMES", "EVENTS", "BYTES", "RAW", "FIRST", "LAST");
}

void
journal_put_segment(struct buf *b, const struct journal_seginfo *s,
    int json)
{
	char t1[40], t2[40];

	if (json) {
		buf_adds(b, "{\"type\":\"segment\",\"name\":\"");
		buf_adds(b, s->name);
		buf_adds(b, "\",\"seg\":");
		buf_addi(b, (int64_t)s->seg);
		buf_adds(b, ",\"frames\":");
		buf_addi(b, (int64_t)s->frames);
		buf_adds(b, ",\"events\":");
		buf_addi(b, (int64_t)s->events);
		buf_adds(b, ",\"bytes\":");
		buf_addi(b, (int64_t)s->bytes);
		buf_adds(b, ",\"raw_bytes\":");
		buf_addi(b, (int64_t)s->raw_bytes);
		jtime(b, "first_time", s->has_time, s->min_time);
		jtime(b, "last_time", s->has_time, s->max_time);
		buf_adds(b, ",\"created\":");
		buf_addi(b, s->created);
		buf_adds(b, s->closed ? ",\"closed\":true}\n" :
		    ",\"closed\":false}\n");
	} else {
		buf_addf(b, "%-18s %7" PRIu64 " %9" PRIu64 " %11" PRIu64
		    " %12" PRIu64 "  %-24s  %s\n", s->name, s->frames,
		    s->events, s->bytes, s->raw_bytes,
		    tfmt(s->has_time, s->min_time, t1, sizeof t1),
		    tfmt(s->has_time, s->max_time, t2, sizeof t2));
	}
}

void
journal_put_symbol(struct buf *b, const struct journal_syminfo *y, int json)
{
	char t1[40], t2[40];

	if (json) {
		buf_adds(b, "{\"type\":\"symbol_stats\",\"venue\":");
		buf_add_jstr(b, y->venue, strlen(y->venue));
		buf_adds(b, ",\"market\":");
		buf_add_jstr(b, y->market, strlen(y->market));
		buf_adds(b, ",\"symbol\":");
		buf_add_jstr(b, y->symbol, strlen(y->symbol));
		buf_adds(b, ",\"events\":");
		buf_addi(b, (int64_t)y->events);
		jtime(b, "oldest", y->has_time, y->oldest);
		jtime(b, "newest", y->has_time, y->newest);
		buf_adds(b, ",\"days\":");
		buf_addi(b, (int64_t)y->days);
		buf_adds(b, "}\n");
	} else {
		buf_addf(b, "%-10s %-8s %-14s %10" PRIu64 "  %-24s  %-24s"
		    "  %" PRIu64 "\n",
		    *y->venue ? y->venue : "-", *y->market ? y->market : "-",
		    *y->symbol ? y->symbol : "-", y->events,
		    tfmt(y->has_time, y->oldest, t1, sizeof t1),
		    tfmt(y->has_time, y->newest, t2, sizeof t2), y->days);
	}
}

/* Bytes of the index files (index.db and its WAL). */
uint64_t
journal_index_bytes(const char *dir)
{
	static const char *const names[] = { "index.db", "index.db-wal" };
	char path[4096];
	uint64_t n = 0;
	struct stat sb;
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (stat(path, &sb) == 0)
			n += (uint64_t)sb.st_size;
	}
	return n;
}

void
journal_put_totals(struct buf *b, const struct journal_totals *t,
    uint64_t index_bytes, int json)
{
	int has = t->min_time != INT64_MAX;
	double ratio = t->bytes ? (double)t->raw_bytes / (double)t->bytes : 0;
	char t1[40], t2[40];

	if (json) {
		buf_adds(b, "{\"type\":\"journal_stats\",\"events\":");
		buf_addi(b, (int64_t)t->events);
		buf_adds(b, ",\"segments\":");
		buf_addi(b, (int64_t)t->segments);
		buf_adds(b, ",\"frames\":");
		buf_addi(b, (int64_t)t->frames);
		buf_adds(b, ",\"bytes\":");
		buf_addi(b, (int64_t)t->bytes);
		buf_adds(b, ",\"index_bytes\":");
		buf_addi(b, (int64_t)index_bytes);
		buf_adds(b, ",\"raw_bytes\":");
		buf_addi(b, (int64_t)t->raw_bytes);
		buf_addf(b, ",\"ratio\":%.2f", ratio);
		jtime(b, "oldest", has, t->min_time);
		jtime(b, "newest", has, t->max_time);
		buf_adds(b, ",\"next_seq\":");
		buf_addi(b, (int64_t)t->next_seq);
		buf_adds(b, "}\n");
	} else {
		buf_addf(b, "events       %" PRIu64 "\n"
		    "segments     %" PRIu64 "\n"
		    "frames       %" PRIu64 "\n"
		    "bytes        %" PRIu64 "\n"
		    "index_bytes  %" PRIu64 "\n"
		    "raw_bytes    %" PRIu64 "\n"
		    "ratio        %.2f\n"
		    "oldest       %s\n"
		    "newest       %s\n"
		    "next_seq     %" PRIu64 "\n\n"
		    "%-10s %-8s %-14s %10s  %-24s  %-24s  %s\n",
		    t->events, t->segments, t->frames, t->bytes, index_bytes,
		    t->raw_bytes, ratio, tfmt(has, t->min_time, t1, sizeof t1),
		    tfmt(has, t->max_time, t2, sizeof t2), t->next_seq,
		    "VENUE", "MARKET", "SYMBOL", "EVENTS", "OLDEST", "NEWEST",
		    "DAYS");
	}
}
