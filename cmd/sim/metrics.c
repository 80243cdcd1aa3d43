/*
 * metrics.c: --metrics FILE, the simulator's counters in the Prometheus
 * text format (prog/metrics), so that a long soak run against it can be
 * watched beside the programs under test: written once it listens,
 * every METRICS_DEFAULT_MS and at exit.
 */
#include <errno.h>

#include "prog/err.h"
#include "prog/metrics.h"

#include "sim.h"

#define C(name, help, v) rc |= metrics_set(ms, METRIC_COUNTER, name, \
	help, NULL, NULL, (double)(v))

static int
collect(const struct sim *s, struct metrics *ms)
{
	/* --rest-429 N answers the first N faulted requests 429, then
	 * --rest-418 the next ones 418 (rest.c). */
	uint64_t f429 = s->rest_faulted < s->o->rest_429 ?
	    s->rest_faulted : s->o->rest_429;
	uint64_t f418 = s->rest_faulted - f429;
	int rc = 0;

	C("mkt_sim_rounds_total", "Steps taken by every market.", s->rounds);
	C("mkt_sim_connections_total", "WebSocket connections accepted.",
	    s->next_conn_id);
	C("mkt_sim_rest_requests_total", "REST requests answered.",
	    s->rest_n);
	C("mkt_sim_rest_snapshots_total", "REST order books served.",
	    s->snapshots);
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_sim_rest_limited_total",
	    "REST requests refused for the weight limit or --rest-429/418, "
	    "by status.", "status", "429", (double)(s->limit_429 + f429));
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_sim_rest_limited_total",
	    "REST requests refused for the weight limit or --rest-429/418, "
	    "by status.", "status", "418", (double)(s->limit_418 + f418));
	C("mkt_reader_drops_total", "Slow readers dropped.", s->dropped);
	return rc ? -1 : 0;
}

/* Write the file; a failure is said once until a write succeeds. */
static void
write_file(struct sim *s)
{
	struct metrics ms;

	metrics_init(&ms, "mkt-sim");
	if (collect(s, &ms) < 0)
		die_nomem();
	if (metrics_write_file(&ms, s->o->metrics) < 0) {
		if (!s->metrics_failed)
			warn_errno("cannot write the metrics to '%s'",
			    s->o->metrics);
		s->metrics_failed = 1;
	} else
		s->metrics_failed = 0;
	metrics_free(&ms);
}

static void
on_timer(struct loop_timer *t, void *ctx)
{
	struct sim *s = ctx;

	write_file(s);
	if (loop_timer_in(s->loop, t, METRICS_DEFAULT_MS) < 0)
		die_nomem();
}

void
sim_metrics_start(struct sim *s)
{
	if (!s->o->metrics)
		return;
	loop_timer_init(&s->metrics_timer, on_timer, s);
	on_timer(&s->metrics_timer, s);
}

void
sim_metrics_stop(struct sim *s)
{
	if (!s->o->metrics)
		return;
	loop_timer_stop(s->loop, &s->metrics_timer);
	write_file(s);
}
