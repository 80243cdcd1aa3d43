/*
 * mkt-exec's parts: options and setup (main.c), the input (input.c),
 * a venue over REST (remote.c) and the paper venue (paper.c), around
 * one order book (trade/oms) and one state store.
 */
#ifndef MKT_EXEC_PARTS_H
#define MKT_EXEC_PARTS_H

#include <stddef.h>
#include <stdint.h>

#include "io/loop.h"
#include "net/rest.h"
#include "net/ws.h"
#include "net/secret.h"
#include "prog/metrics.h"
#include "prog/notify.h"
#include "prog/run.h"
#include "store/state.h"
#include "trade/oms.h"
#include "venue/paper/paper.h"
#include "venue/trade.h"
#include "venue/venue.h"

struct opts {
	const char *venue;		/* "binance:spot", "paper" */
	const char *state;		/* --state */
	const char *journal;		/* --journal: replayed at start */
	const char *key_file;
	const char *ca;
	int live;
	int cancel_on_exit;
	int64_t recv_window;		/* ms */
	int64_t poll;			/* ms: REST poll of open orders */
	int64_t timeout;		/* ms: one request, at most */
	struct fx maker_fee, taker_fee;	/* paper */
	int order_n;			/* --order-rate N/DUR; 0: the venue's */
	int64_t order_ms;
	int stream;			/* use the private stream (default) */
	struct run_opts run;
	struct metrics_opts mo;		/* --stats, --metrics */
};

/* The private stream (stream.c). */
struct pstream {
	struct ws *ws;
	struct ws_conn *conn;
	char listen_key[128];		/* "" when none (yet) */
	int up;				/* connected, subscribed, trusted */
	int key_busy;			/* a listen key request in flight */
	struct loop_timer ping, keep;
};

struct exec {
	const struct opts *o;
	struct run r;
	struct loop *loop;
	struct loop_fd *in_fd;
	struct loop_timer more_input;	/* read on without waiting */
	struct loop_timer wake;		/* the next due work */
	struct loop_timer poll;		/* REST poll of open orders */
	struct loop_timer out_due;	/* a file's held events are due */
	struct state *st;
	struct oms *oms;
	char venue[TEV_NAME], market[TEV_NAME];
	int input_done;			/* end of input or a stop */
	int input_paused;		/* the queue is full: not read */
	int stopping;			/* a stop signal came */
	int canceling;			/* --cancel-on-exit's cancels sent */
	int failed;			/* exit 1 at the end */
	struct notify sd;		/* systemd's READY and watchdog */
	int fatal;			/* nothing more may be sent */
	/* A venue over REST. */
	const struct venue_market *m;
	const struct venue_trade *vt;
	struct rest *rest;
	struct secret keys;
	struct vt_keys vk;
	int64_t offset_ms;		/* venue clock - local clock */
	int clock_known, clock_busy;
	int order_n;			/* the order-rate limit in use */
	int64_t order_ms;
	int64_t *sent_at;		/* ring of NEW send times (mono ms) */
	size_t sent_head, sent_n;
	int inflight;			/* NEW requests in flight */
	int nreqs;			/* requests in flight, all kinds */
	unsigned long poll_ticks;	/* poll periods so far */
	int waiting_said;		/* the rate-limit status was written */
	int64_t blocked_until;		/* mono ms: 429 / 418 / 10006 */
	struct pstream ps;
	/* The paper venue. */
	struct paper *paper;
	int paper_dirty;		/* its resting orders changed */
	int64_t last_time;		/* the last market event's time */
	int holding;			/* a store batch is open: events wait */
	/* The comparison with the venue (recon.c). */
	struct recon *recon;		/* under way, or NULL */
	int recon_due;			/* start one at the next pump */
	int recon_done;			/* one has been made */
	int recon_failed;		/* an answer of this one failed */
	int held_back;			/* an unexplained difference is open */
	int64_t recon_next_ms;		/* mono: compare again while held */
	/* --stats and --metrics (metrics.c) */
	struct metrics ms;
	struct loop_timer stats;
	unsigned long fills, rate_waits;
	unsigned long stream_losses;	/* the private stream lost */
	unsigned long by_status[8];	/* order events, by exec_statuses */
};

/* The store's rows a comparison reads (recon.c). */
struct recon_rows {
	struct state_intent_row *rows;
	size_t n, cap;
	struct state_position_row *pos;
	size_t npos, cappos;
};

/* main.c */
/* metrics.c: the tick started (when asked for), an order event
 * counted, the counters out (once more at exit). */
void exec_metrics_start(struct exec *ex);
void exec_metrics_order(struct exec *ex, const char *status);
void exec_metrics(struct exec *ex);

void exec_status(struct exec *ex, const char *state, const char *reason,
    const char *detail);
int64_t exec_now_ms(void);
/* Write the events rendered into ex->r.ob, unless a batch holds them. */
void exec_flush(struct exec *ex);

/* input.c: read the input on the loop; 1 when it is all read. */
int input_start(struct exec *ex);
void input_stop(struct exec *ex);
void input_resume(struct exec *ex);

/* remote.c */
void remote_open(struct exec *ex);
void remote_close(struct exec *ex);
void remote_pump(struct exec *ex);
void remote_cancel(struct exec *ex, struct oms_order *ord);
void remote_cancel_all(struct exec *ex, const char *symbol);
int remote_busy(const struct exec *ex);
/* Ask for a listen key (keep 0) or extend it (keep 1). */
void remote_listen_key(struct exec *ex, int keep);
/* A request of the comparison (VT_REQ_OPEN of every symbol,
 * VT_REQ_POSITIONS); its answer goes to recon_answer(). */
void remote_submit_recon(struct exec *ex, enum vt_what what);
/* One page of the fills of symbol since from_id (>= 0: Binance) or
 * start_ms, after cursor (NULL: the first); to recon_answer(). */
void remote_submit_fills(struct exec *ex, const char *symbol, int64_t from_id,
    int64_t start_ms, const char *cursor);
/* The venue's codec can build request what for this market. */
int remote_can(struct exec *ex, enum vt_what what);

/* recon.c: the comparison with the venue at start and after every
 * private-stream reconnection. */
void recon_due(struct exec *ex);
void recon_pump(struct exec *ex);
void recon_answer(struct exec *ex, enum vt_what what, const char *symbol,
    int64_t start_ms, const struct vt_answer *a);
/* New orders wait: no comparison made yet, one under way, or an
 * unexplained difference open. */
int recon_holds(const struct exec *ex);
void recon_close(struct exec *ex);

/* stream.c */
void stream_open(struct exec *ex);
void stream_close(struct exec *ex);
void stream_pump(struct exec *ex);
/* A listen key came (NULL: the old one is gone). */
void stream_listen_key(struct exec *ex, const char *key);
int stream_trusted(const struct exec *ex);

/* paper.c */
void paper_venue_open(struct exec *ex);
void paper_venue_close(struct exec *ex);
void paper_venue_market(struct exec *ex, struct event *ev);
void paper_venue_place(struct exec *ex);
void paper_venue_pump(struct exec *ex);
void paper_venue_cancel(struct exec *ex, struct oms_order *ord);
void paper_venue_cancel_all(struct exec *ex, const char *symbol);

/* The order hooks of the oms: events out. */
extern const struct oms_hooks exec_hooks;

#endif
