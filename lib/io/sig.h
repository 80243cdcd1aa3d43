/*
 * sig: SIGINT/SIGTERM set a flag that the event loop reads and write a
 * byte to a self-pipe that an event loop can wait on (loop.h); SIGPIPE
 * is ignored so that EPIPE comes back from write().  The handlers are
 * installed without SA_RESTART, so a blocking read() returns EINTR and
 * the loop sees the flag at once.
 */
#ifndef MKT_SIG_H
#define MKT_SIG_H

#include "base/attr.h"

/* Install the handlers (and make the pipe, once). 0, or -1 with errno. */
int sig_init(void) WUR;

/* Nonzero once SIGINT or SIGTERM arrived; the value is the signal. */
int sig_stop_requested(void);

/*
 * How many stop signals arrived (capped at 1000): a reader that reads
 * on after the first (in_stop_due) stops at the next.
 */
int sig_stop_count(void);

/*
 * The read end of the self-pipe (non-blocking, close-on-exec): readable
 * once a stop signal has come; -1 before sig_init().  sig_drain() empties
 * it.
 */
int sig_fd(void);
void sig_drain(void);

#endif
