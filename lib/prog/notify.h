/*
 * notify: telling systemd how a long-running program is doing
 * (sd_notify(3), libsystemd): READY=1 once it serves, STATUS= lines,
 * STOPPING=1 when a stop signal came, and WATCHDOG=1 at half of
 * $WATCHDOG_USEC while its loop turns.  Outside systemd ($NOTIFY_SOCKET
 * unset) every call does nothing.
 *
 * The watchdog is the program's when $WATCHDOG_PID is unset, names it,
 * or names its parent: a collector unit runs its pipeline from a shell,
 * the unit's main process, and each stage that keeps a loop pings for
 * it (the unit says NotifyAccess=all).
 *
 * A program keeps one struct notify (no global state).  A program on
 * io/loop attaches it to its loop, which then pings from a timer; a
 * program with a loop of its own asks notify_wait_ms() how long it may
 * wait and calls notify_tick() each turn.  A message that cannot be sent
 * is reported once; the program goes on (systemd's timeouts act).
 */
#ifndef MKT_NOTIFY_H
#define MKT_NOTIFY_H

#include <stdint.h>

#include "base/attr.h"
#include "io/loop.h"

struct notify {
	int on;			/* $NOTIFY_SOCKET is set */
	int64_t every_ms;	/* watchdog ping interval; 0: none */
	int64_t next_ms;	/* the next ping, monotonic ms */
	int stopping;		/* STOPPING=1 sent */
	int failed;		/* a send failed (reported) */
	struct loop *loop;	/* attached to, or NULL */
	struct loop_timer timer;
};

/* Read the environment into n; no message is sent yet. */
void notify_init(struct notify *n);

/*
 * Ping the watchdog from a timer on l until notify_detach().  0, or -1
 * with errno ENOMEM.
 */
int notify_attach(struct notify *n, struct loop *l) WUR;

/* Stop the timer of notify_attach() (nothing if not attached). */
void notify_detach(struct notify *n);

/* READY=1 with a STATUS= line in the same message. */
void notify_ready(struct notify *n, const char *fmt, ...) ERR_PRINTF(2, 3);

/* A STATUS= line. */
void notify_status(struct notify *n, const char *fmt, ...) ERR_PRINTF(2, 3);

/* STOPPING=1, once; later calls do nothing. */
void notify_stopping(struct notify *n);

/*
 * For a loop of the program's own: how long it may wait before the next
 * ping is due (-1: no watchdog), and the ping when it is due at now
 * (time_mono_ms()).  notify_tick() also sends STOPPING=1 once a stop
 * signal has come (sig_stop_requested()).
 */
int64_t notify_wait_ms(const struct notify *n, int64_t now);
void notify_tick(struct notify *n, int64_t now);

#endif
