/*
 * mkt-exec's counters (prog/metrics): the stream's, order events by
 * status, fills, and the waits of the rate limits (ours and the
 * venue's).
 */
#include <string.h>

#include "base/timeutil.h"
#include "prog/err.h"

#include "exec.h"

/* The order statuses of mkt-events(5), in by_status's order. */
static const char *const statuses[] = { "pending", "new",
	"partially_filled", "filled", "canceled", "rejected", "expired",
	"other" };
#define NSTATUS (sizeof statuses / sizeof statuses[0])

void
exec_metrics_order(struct exec *ex, const char *status)
{
	size_t i;

	for (i = 0; i < NSTATUS - 1; i++)
		if (status && strcmp(status, statuses[i]) == 0)
			break;
	ex->by_status[i]++;
}

void
exec_metrics(struct exec *ex)
{
	size_t i;
	int rc;

	if (!metrics_period(&ex->o->mo))
		return;
	exec_flush(ex);
	rc = metrics_set_run(&ex->ms, &ex->r);
	for (i = 0; i < NSTATUS; i++)
		rc |= metrics_set(&ex->ms, METRIC_COUNTER, "mkt_exec_orders_total",
		    "Order events written, by status.", "status", statuses[i],
		    (double)ex->by_status[i]);
	rc |= metrics_set(&ex->ms, METRIC_COUNTER, "mkt_exec_fills_total",
	    "Fill events written.", NULL, NULL, (double)ex->fills);
	rc |= metrics_set(&ex->ms, METRIC_COUNTER, "mkt_exec_rate_waits_total",
	    "Waits for the order-rate limit or the venue's rate answer.",
	    NULL, NULL,
	    (double)ex->rate_waits);
	rc |= metrics_set(&ex->ms, METRIC_COUNTER,
	    "mkt_exec_stream_losses_total", "Times the private stream was "
	    "lost (closed, refused, expired) and had to be connected again.",
	    NULL, NULL, (double)ex->stream_losses);
	if (rc)
		die_nomem();
	metrics_tick(&ex->ms, &ex->o->mo, &ex->r.ob);
	exec_flush(ex);
}

static void
on_stats(struct loop_timer *t, void *ctx)
{
	struct exec *ex = ctx;

	exec_metrics(ex);
	if (loop_timer_in(ex->loop, t, metrics_period(&ex->o->mo)) < 0)
		die_nomem();
}

void
exec_metrics_start(struct exec *ex)
{
	int64_t ms = metrics_period(&ex->o->mo);

	metrics_init(&ex->ms, "mkt-exec");
	loop_timer_init(&ex->stats, on_stats, ex);
	if (ms && loop_timer_in(ex->loop, &ex->stats, ms) < 0)
		die_nomem();
}
