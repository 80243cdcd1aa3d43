/*
 * t_metrics: the Prometheus text and the status event of prog/metrics,
 * escaping included, and the file written whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "prog/metrics.h"

static const char want_text[] =
    "# HELP mkt_events_in_total Events read.\n"
    "# TYPE mkt_events_in_total counter\n"
    "mkt_events_in_total{program=\"mkt-t\"} 12\n"
    "# HELP mkt_rejects_total Rejects, a \\\\ and a\\nnewline.\n"
    "# TYPE mkt_rejects_total counter\n"
    "mkt_rejects_total{program=\"mkt-t\",reason=\"tick\"} 2\n"
    "mkt_rejects_total{program=\"mkt-t\",reason=\"a\\\"b\\\\c\\nd\"} 1\n"
    "# HELP mkt_sync_seconds Last sync.\n"
    "# TYPE mkt_sync_seconds gauge\n"
    "mkt_sync_seconds{program=\"mkt-t\"} 0.00125\n";

static const char want_status[] =
    "{\"type\":\"status\",\"source\":\"mkt-t\",\"time\":5,"
    "\"state\":\"stats\",\"metrics\":{\"mkt_events_in_total\":12,"
    "\"mkt_rejects_total\":{\"tick\":2,\"a\\\"b\\\\c\\nd\":1},"
    "\"mkt_sync_seconds\":0.00125}}\n";

static void
fill(struct metrics *ms)
{
	int rc = 0;

	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_events_in_total",
	    "Events read.", NULL, NULL, 3);
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_rejects_total",
	    "Rejects, a \\ and a\nnewline.", "reason", "tick", 2);
	rc |= metrics_set(ms, METRIC_GAUGE, "mkt_sync_seconds", "Last sync.",
	    NULL, NULL, 0.00125);
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_rejects_total",
	    "Rejects, a \\ and a\nnewline.", "reason", "a\"b\\c\nd", 1);
	/* Set again: replaced in place, not added. */
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_events_in_total",
	    "Events read.", NULL, NULL, 12);
	tap_eq_i(rc, 0, "metrics_set");
}

static char *
slurp(const char *path)
{
	static char text[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

int
main(void)
{
	struct metrics ms;
	struct buf b;
	char path[] = "/tmp/t_metrics.XXXXXX";
	char file[64];
	const char *dir;

	metrics_init(&ms, "mkt-t");
	fill(&ms);
	tap_eq_i((int64_t)ms.n, 4, "four samples");
	buf_init(&b, 0);
	metrics_render_text(&ms, &b);
	buf_addc(&b, '\0');
	tap_eq_s(b.p, want_text, "text: grouped, HELP and labels escaped");
	buf_reset(&b);
	metrics_render_status(&ms, &b, 5);
	buf_addc(&b, '\0');
	tap_eq_s(b.p, want_status, "status event: labels as an object");
	dir = mkdtemp(path);
	tap_ok(dir != NULL, "temporary directory");
	snprintf(file, sizeof file, "%s/m.prom", path);
	tap_eq_i(metrics_write_file(&ms, file), 0, "file written");
	tap_eq_s(slurp(file), want_text, "file holds the text");
	snprintf(file, sizeof file, "%s/m.prom.tmp", path);
	tap_ok(slurp(file) == NULL, "no temporary file left");
	snprintf(file, sizeof file, "%s/none/m.prom", path);
	tap_ok(metrics_write_file(&ms, file) < 0, "a missing directory fails");
	snprintf(file, sizeof file, "%s/m.prom", path);
	remove(file);
	remove(path);
	buf_free(&b);
	metrics_free(&ms);
	return tap_done();
}
