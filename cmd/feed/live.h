/*
 * mkt-feed live's parts (live.c): targets, groups of targets on one
 * connection, and the program's state, shared with targets.c (the
 * target set, changed on SIGHUP).
 */
#ifndef MKT_FEED_LIVE_H
#define MKT_FEED_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/keymap.h"
#include "feed/stream.h"
#include "io/loop.h"
#include "net/rest.h"
#include "net/ws.h"
#include "prog/notify.h"
#include "prog/run.h"
#include "venue/venue.h"
#include "feed.h"

#define REPORT_CAUSES 4	/* the causes of failure a group remembers */

/* One cause of failure of a group's connection, as last reported. */
struct cause {
	char why[512];
	int64_t reported;	/* monotonic ms; 0: slot unused */
	unsigned long repeats;	/* failures since, not reported */
};

struct live;
struct resolver;

struct target {
	struct venue_target t;
	struct live *lv;
	struct group *g;
	struct rest_req req;
	int pending;		/* req is with the scheduler */
	int polled;		/* --rest --once: answered */
	int collected;		/* a book (snapshot) came out for it */
	int64_t last_resub;
	int gone;		/* unsubscribed (--symbols-file): kept for
				 * the keymap, skipped everywhere */
	int wanted;		/* in the set being applied (targets.c) */
};

struct group {
	struct live *lv;
	const struct venue_market *m;
	int part;		/* of the market's parts; 0 carries the book */
	struct ws_conn *conn;
	struct ws_conn *old;	/* being replaced by conn: see handover() */
	const char *again;	/* a handover asked for during one: its why */
	int opened;		/* a connection of it has opened before */
	char *url;
	struct target **t;
	size_t n, cap;
	int64_t last_ping;
	int64_t last_frame;	/* monotonic ms: conn's last message */
	struct buf subs;	/* the plan's messages, each ended by '\0' */
	size_t next_sub;	/* offset of the next to send */
	int64_t last_sub;
	struct loop_timer ping;		/* the next application ping */
	struct loop_timer sub;		/* the next message of the plan */
	struct loop_timer rotate;	/* the venue's connection age limit */
	int resend;		/* changed while not open: on open, the
				 * change messages for every symbol */
	struct cause causes[REPORT_CAUSES];
};

struct live {
	struct opts *o;
	struct run r;
	struct stream st;
	struct ws *ws;
	struct rest *rest;
	struct loop *loop;
	struct loop_timer stats, poll, end;
	struct loop_timer readers;	/* unix: readers behind: push again */
	int64_t batch_us;	/* recv of the oldest event not yet written */
	int dirty;		/* events written since the last out_flush */
	struct target **targets;	/* gone ones included */
	size_t nt, tcap;
	struct group **groups;
	size_t ng, gcap;
	struct loop_fd *hup;	/* --symbols-file: SIGHUP's signalfd */
	int hup_fd;
	struct resolver *resolver;	/* patterns being resolved */
	struct keymap bykey;	/* venue\0market\0symbol -> target */
	unsigned long frames, bad_frames, snapshots, resyncs;
	unsigned long disconnects, rate_limits;		/* --metrics */
	unsigned long reconnects, handovers;		/* --metrics */
	struct metrics ms;
	struct notify sd;	/* systemd's READY and watchdog */
};

/* A status event of a market (symbol NULL: of the market), extra the
 * members to add (",\"k\":v..." or NULL); written at once. */
void feed_status(struct live *lv, const struct venue_market *m,
    const char *symbol, const char *state, const char *extra);

/* The target of venue, market and symbol (gone ones too), or NULL. */
struct target *feed_find_target(struct live *lv, const char *venue,
    const char *market, const char *symbol);

/* Ask the scheduler for a REST order book of the target, once. */
void feed_snapshot(struct target *t);

/* A new group of market m, part `part`, without a connection. */
struct group *feed_new_group(struct live *lv, const struct venue_market *m,
    int part);

/* Add t to g (g carries t's book when it is part 0). */
void feed_group_add(struct group *g, struct target *t);

/* Open the group's connection to its plan (URL and messages). */
void feed_group_connect(struct group *g);

/* Subscribe (on = 1) or unsubscribe t[0..n) on the group's open
 * connection: the venue's change messages, else its subscribe ones. */
void feed_group_change(struct group *g, struct target **t, size_t n, int on);

/* A group's connection goes for good (its last target went). */
void feed_group_drop(struct group *g);

/*
 * The target set (targets.c): the command line's and --symbols-file's
 * targets, at start (a bad file is fatal) and on SIGHUP (a bad file is
 * reported, the set kept).  feed_targets_start(): the exact targets into
 * lv; feed_targets_watch(), from the loop's start: SIGHUP watched, the
 * patterns resolved; feed_targets_place(): a target into groups with
 * room (not connected: make_groups() does that); feed_targets_stop():
 * all of it freed but the targets.
 */
void feed_targets_start(struct live *lv);
void feed_targets_watch(struct live *lv);
void feed_targets_place(struct live *lv, struct target *t);
void feed_targets_stop(struct live *lv);

/* --stats and --metrics: the counters out (metrics.c). */
void feed_metrics(struct live *lv);

#endif
