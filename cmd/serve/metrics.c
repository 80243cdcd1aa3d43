/*
 * metrics.c: GET /metrics, mkt-serve's counters and the journal's, in
 * Prometheus text format (prog/metrics), read like /health: the journal
 * opened read-only for the request; and the same text in --metrics FILE,
 * for node_exporter's textfile collector, rewritten on a timer.
 */
#include <errno.h>
#include <stdio.h>

#include "prog/err.h"
#include "prog/metrics.h"
#include "store/journal.h"

#include "serve.h"

#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The journal's totals as gauges: what it holds, not what we did. */
static int
journal_metrics(struct metrics *ms, const char *dir)
{
	struct journal_totals t;
	struct journal *j;
	char why[1024];
	int ok = 0, rc = 0;

	if (journal_open_read(&j, dir, why, sizeof why) == 0) {
		ok = journal_totals(j, &t) == 0;
		(void)!journal_close(j);
	}
	rc |= metrics_set(ms, METRIC_GAUGE, "mkt_journal_readable",
	    "Whether the journal could be read (1) or not (0).", NULL, NULL,
	    ok);
	if (!ok)
		return rc;
	rc |= metrics_set(ms, METRIC_GAUGE, "mkt_journal_stored_events",
	    "Events the journal holds.", NULL, NULL, (double)t.events);
	rc |= metrics_set(ms, METRIC_GAUGE, "mkt_journal_stored_bytes",
	    "Compressed bytes of its segments.", NULL, NULL, (double)t.bytes);
	rc |= metrics_set(ms, METRIC_GAUGE, "mkt_journal_segments",
	    "Segments of the journal.", NULL, NULL, (double)t.segments);
	rc |= metrics_set(ms, METRIC_GAUGE, "mkt_journal_next_seq",
	    "Sequence number of the next event.", NULL, NULL,
	    (double)t.next_seq);
	if (t.max_time != INT64_MIN && t.max_time != INT64_MAX)
		rc |= metrics_set(ms, METRIC_GAUGE,
		    "mkt_journal_last_event_timestamp_seconds",
		    "Time of the newest event, seconds since the epoch.",
		    NULL, NULL, (double)t.max_time / 1000.0);
	return rc;
}

/* Every sample, into a fresh ms: 0, or -1 (out of memory). */
static int
collect(struct serve *sv, struct metrics *ms)
{
	int rc = 0;

	metrics_init(ms, "mkt-serve");
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_serve_requests_total",
	    "HTTP requests answered.", NULL, NULL, (double)sv->requests);
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_reader_drops_total",
	    "Slow clients dropped.", NULL, NULL, (double)sv->dropped);
	rc |= journal_metrics(ms, sv->o->journal);
	return rc ? -1 : 0;
}

int
api_metrics(struct req *r)
{
	static const char *const known[] = { NULL };
	struct metrics ms;
	int rc;

	if (!req_known(r, known))
		return 0;
	rc = collect(r->sv, &ms);
	if (rc == 0)
		metrics_render_text(&ms, r->body);
	metrics_free(&ms);
	if (rc) {
		errno = ENOMEM;
		return -1;
	}
	r->type = PROM_TYPE;
	return 0;
}

/* Write the file; a failure is reported once until a write succeeds. */
static void
write_file(struct serve *sv)
{
	struct metrics ms;

	if (collect(sv, &ms) < 0)
		die_nomem();
	if (metrics_write_file(&ms, sv->o->mo.file) < 0) {
		if (!sv->metrics_failed)
			warn_errno("cannot write the metrics to '%s'",
			    sv->o->mo.file);
		sv->metrics_failed = 1;
	} else
		sv->metrics_failed = 0;
	metrics_free(&ms);
}

static void
on_metrics_timer(struct loop_timer *t, void *ctx)
{
	struct serve *sv = ctx;

	write_file(sv);
	if (loop_timer_in(sv->loop, t, metrics_period(&sv->o->mo)) < 0)
		die_nomem();
}

void
metrics_file_start(struct serve *sv)
{
	if (!sv->o->mo.file)
		return;
	loop_timer_init(&sv->metrics_timer, on_metrics_timer, sv);
	on_metrics_timer(&sv->metrics_timer, sv);
}

void
metrics_file_stop(struct serve *sv)
{
	if (!sv->o->mo.file)
		return;
	loop_timer_stop(sv->loop, &sv->metrics_timer);
	write_file(sv);
}
