/*
 * loop: the one event loop of a program, on epoll.  It waits for file
 * descriptors (read and write interest, level-triggered), timers on the
 * monotonic clock (time_mono_us) and the stop signals of sig (SIGINT,
 * SIGTERM through sig's self-pipe), and runs "before blocking" hooks
 * each time just before it would wait: output is flushed there, so the
 * events of one wake-up leave in one write.
 *
 * Single-threaded.  Callbacks may add, change and remove descriptors
 * and timers (their own included) and call loop_stop().  Nothing here
 * prints or exits: errors come back as -1 with errno.
 */
#ifndef MKT_LOOP_H
#define MKT_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"

#define LOOP_READ 1
#define LOOP_WRITE 2
#define LOOP_ERROR 4	/* in revents only: error or hang-up */

struct loop;
struct loop_fd;

/*
 * A timer: owned by the caller (embed it), set up with
 * loop_timer_init(), armed with loop_timer_in() or loop_timer_at(),
 * and stopped before its memory goes.  Fields are private.
 */
struct loop_timer {
	void (*cb)(struct loop_timer *t, void *ctx);
	void *ctx;
	int64_t when;		/* monotonic us */
	uint64_t seq;		/* ties fire in the order they were armed */
	size_t slot;		/* heap index + 1; 0 when not armed */
};

/* Create a loop. 0, or -1 with errno.  Free with loop_close(). */
int loop_open(struct loop **l) WUR;

/*
 * Free the loop.  Descriptors still added are forgotten (not closed);
 * timers are disarmed.  NULL is allowed.
 */
void loop_close(struct loop *l);

/*
 * Watch fd for events (LOOP_READ | LOOP_WRITE, or 0 to keep it in the
 * set without interest).  cb(f, fd, revents, ctx) runs with what is
 * ready (LOOP_ERROR included on errors and hang-ups).  Returns the
 * watch (owned by the loop), or NULL with errno (EEXIST: fd is watched
 * already).
 */
struct loop_fd *loop_fd_add(struct loop *l, int fd, int events,
    void (*cb)(struct loop_fd *f, int fd, int revents, void *ctx),
    void *ctx);

/* Change a watch's interest. 0, or -1 with errno. */
int loop_fd_set(struct loop_fd *f, int events) WUR;

/* The interest last set. */
int loop_fd_events(const struct loop_fd *f);

/*
 * Stop watching and free the watch (the descriptor stays open).  Call it
 * before closing the descriptor.  NULL is allowed.
 */
void loop_fd_del(struct loop_fd *f);

/* Set up a timer (not armed). */
void loop_timer_init(struct loop_timer *t,
    void (*cb)(struct loop_timer *t, void *ctx), void *ctx);

/*
 * Arm t to fire once at the monotonic time when_us (time_mono_us()), or
 * in_ms from now; an armed timer is moved.  The callback may arm it
 * again.  0, or -1 with errno ENOMEM.
 */
int loop_timer_at(struct loop *l, struct loop_timer *t, int64_t when_us) WUR;
int loop_timer_in(struct loop *l, struct loop_timer *t, int64_t in_ms) WUR;

/* Disarm t (nothing if it is not armed). */
void loop_timer_stop(struct loop *l, struct loop_timer *t);

/* Whether t is armed. */
int loop_timer_armed(const struct loop_timer *t);

/*
 * Run cb(ctx) each time before the loop waits, in the order added.  A
 * hook may arm timers and change interest; the wait takes that into
 * account.  0, or -1 with errno ENOMEM.
 */
int loop_before_block(struct loop *l, void (*cb)(void *ctx), void *ctx) WUR;

/* Remove the hook added with the same cb and ctx (nothing if none). */
void loop_before_block_del(struct loop *l, void (*cb)(void *ctx), void *ctx);

/*
 * Call cb(sig, ctx) from the loop when SIGINT or SIGTERM has come (sig
 * is the signal); sig_init() must have run.  The flag of
 * sig_stop_requested() is set as before.  0, or -1 with errno.
 */
int loop_on_stop_signal(struct loop *l, void (*cb)(int sig, void *ctx),
    void *ctx) WUR;

/*
 * Run until loop_stop(): wait, then run what is ready (timers that are
 * due first, in time order, then descriptors).  0 once stopped, or -1
 * with errno when waiting failed.
 */
int loop_run(struct loop *l) WUR;

/*
 * One round: run the hooks, wait at most timeout_ms (-1: no bound, 0:
 * do not wait) for the next timer or descriptor, run what is ready.
 * Returns the number of callbacks run, or -1 with errno.
 */
int loop_once(struct loop *l, int timeout_ms) WUR;

/* Make loop_run() return after the current callback. */
void loop_stop(struct loop *l);

#endif
