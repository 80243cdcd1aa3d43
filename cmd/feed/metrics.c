/*
 * mkt-feed's counters (prog/metrics): the output's, and those of the
 * connections, the books' syncs and the REST budget.
 */
#include "net/ws.h"

#include "prog/err.h"

#include "feed.h"
#include "live.h"

static int
connections_up(const struct live *lv)
{
	size_t i;
	int up = 0;

	for (i = 0; i < lv->ng; i++)
		up += lv->groups[i]->conn && ws_is_open(lv->groups[i]->conn);
	return up;
}

#define C(name, help, v) rc |= metrics_set(&lv->ms, METRIC_COUNTER, name, \
	help, NULL, NULL, (double)(v))
#define G(name, help, v) rc |= metrics_set(&lv->ms, METRIC_GAUGE, name, \
	help, NULL, NULL, (double)(v))

void
feed_metrics(struct live *lv)
{
	int rc;

	/* What is rendered goes first, so that the counts include it. */
	lv->dirty |= lv->r.ob.len > 0;
	run_flush_events(&lv->r);
	rc = metrics_set_run(&lv->ms, &lv->r);

	C("mkt_feed_frames_total", "WebSocket messages and REST bodies read.",
	    lv->frames + lv->snapshots);
	C("mkt_feed_bad_frames_total", "Messages that could not be read.",
	    lv->bad_frames);
	C("mkt_feed_snapshots_total", "REST snapshots received.",
	    lv->snapshots);
	C("mkt_feed_resyncs_total", "Books that started over from a new "
	    "snapshot (gap, stale snapshot, disconnect, reconnect): the "
	    "resyncing status events.", lv->st.resyncs);
	C("mkt_feed_gaps_total", "Gaps found in a book's update ids (each "
	    "also a resync).", lv->st.gaps);
	C("mkt_feed_resubscribes_total", "Topics subscribed again to resync.",
	    lv->resyncs);
	C("mkt_feed_disconnects_total", "WebSocket connections lost.",
	    lv->disconnects);
	C("mkt_feed_reconnects_total", "WebSocket connections opened again "
	    "after one was lost.", lv->reconnects);
	C("mkt_feed_handovers_total", "WebSocket connections replaced "
	    "without a gap (a server's shutdown, an age limit).",
	    lv->handovers);
	C("mkt_feed_rate_limited_total", "Waits the venues' rate limits "
	    "imposed.", lv->rate_limits);
	G("mkt_feed_connections_up", "WebSocket connections open.",
	    connections_up(lv));
	G("mkt_feed_rest_pending", "REST requests waiting.",
	    rest_pending(lv->rest));
	if (rc)
		die_nomem();
	metrics_tick(&lv->ms, &lv->o->mo, &lv->r.ob);
}
