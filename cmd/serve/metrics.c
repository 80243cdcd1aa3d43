/*
 * metrics.c: GET /metrics, mkt-serve's counters and the journal's, in
 * Prometheus text format (prog/metrics), read like /health: the journal
 * opened read-only for the request.
 */
#include <errno.h>
#include <stdio.h>

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

int
api_metrics(struct req *r)
{
	static const char *const known[] = { NULL };
	struct serve *sv = r->sv;
	struct metrics ms;
	int rc = 0;

	if (!req_known(r, known))
		return 0;
	metrics_init(&ms, "mkt-serve");
	rc |= metrics_set(&ms, METRIC_COUNTER, "mkt_serve_requests_total",
	    "HTTP requests answered.", NULL, NULL, (double)sv->requests);
	rc |= metrics_set(&ms, METRIC_COUNTER, "mkt_reader_drops_total",
	    "Slow clients dropped.", NULL, NULL, (double)sv->dropped);
	rc |= journal_metrics(&ms, sv->o->journal);
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
