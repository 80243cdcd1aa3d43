/*
 * out: NDJSON output.  Every event is rendered by the caller into a buffer
 * and handed over whole (one or more complete lines ending in '\n').
 *
 * Standard output or a file: fstat() picks the policy -- a regular file
 * (or /dev/null-like character device that is not a tty) gets large
 * blocks, written at least once a second while events flow (and never
 * later than a second after an event, for a program that waits as
 * out_wait_ms() says); a pipe,
 * socket or tty gets each event written at once, or, once the program
 * asked for coalescing (out_coalesce), batched while the program is busy
 * and pushed before it waits.  Partial writes and EINTR are handled.
 *
 * "unix:PATH": listen on a Unix stream socket and serve every connected
 * reader.  Each reader has a bounded queue (out_open's queue_max); a
 * reader whose queue would pass it is dropped (closed) and counted, so a
 * slow reader never blocks the producer nor grows memory.  The library
 * does not print: the program warns when out_dropped() grows.  A reader
 * that disconnects is removed silently.  A reader that connects gets the
 * events from the next out_write() (or out_flush()) on -- with
 * coalescing, from the next batch the output hands on -- so it starts on
 * a line boundary.  With no reader connected, events are discarded.  A
 * stale socket file (nothing listening) is replaced; a live one makes
 * out_open() fail with EADDRINUSE, and a path that is not a socket is
 * never removed.
 *
 * "nats://...": publish each event to NATS JetStream (nats.h).  Writes
 * wait while NATS_PUB_MAX events are unacknowledged or the server is
 * away; out_flush() and out_idle() wait until every event published is
 * acknowledged, and out_close() does for up to OUT_NATS_GRACE_MS.
 */
#ifndef MKT_OUT_H
#define MKT_OUT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"

/* Default bound on one unix: reader's queue. */
#define OUT_QUEUE_MAX (4u << 20)
/* The longest a coalescing output holds an event back while busy. */
#define OUT_HOLD_MS 5
/* How long out_close() waits for a nats: output's acks. */
#define OUT_NATS_GRACE_MS 30000
/* Room for the reason an open failed, in words. */
#define OUT_WHY 256

struct out;

/*
 * Open "-" or NULL (standard output), "unix:PATH" or a file path
 * (created or truncated, mode 0644 less umask).  queue_max 0 means
 * OUT_QUEUE_MAX.  Sets *o; returns 0, or -1 with errno.  The caller
 * owns *o and releases it with out_close().
 */
int out_open(struct out **o, const char *spec, size_t queue_max) WUR;

/* out_open(), with why[0..whylen) set to the reason in words when errno
 * does not tell it (a nats: spec, say); else "". */
int out_open_why(struct out **o, const char *spec, size_t queue_max,
    char *why, size_t whylen) WUR;

/* A nats: output's last failure in words ("" when none or not nats:). */
const char *out_why(const struct out *o);

/* A nats: output's counters (nats.h): 1 with *st set, else 0. */
struct nats_pub_stats;
int out_nats_stats(const struct out *o, struct nats_pub_stats *st);

/*
 * Write to an open descriptor (a pipe to a child process, say), with the
 * same fstat() policy; out_close() closes it when own_fd is nonzero.
 * Sets *o; returns 0, or -1 with errno (the descriptor is left open).
 */
int out_fdopen(struct out **o, int fd, int own_fd) WUR;

/*
 * Write complete event lines p[0..n).  Returns 0, or -1 with errno
 * (EPIPE: the reader of a pipe left; the caller exits quietly, 0).
 * Errors are sticky: after one, every later call fails the same way.
 * Never fails because of a unix: reader: those are dropped instead.
 */
int out_write(struct out *o, const char *p, size_t n) WUR;

/*
 * Push buffered bytes to the file or pipe now. 0 or -1 with errno.
 * For unix: outputs, accepts waiting readers and pushes their queues
 * without blocking; a program that can sit idle while readers still
 * have queued bytes calls it now and then (from its poll timeout, say).
 */
int out_flush(struct out *o) WUR;

/*
 * Coalescing, for a program that knows when it is about to wait (for
 * input, for a timer): from now on out_write() may hold whole events back
 * on a pipe, socket or tty, or from unix: readers, until 64 KiB are held
 * (one write then carries them all), the oldest has waited OUT_HOLD_MS
 * (checked when out_write() or out_tick() is called), or out_idle() is
 * called.  The caller promises to call out_idle() before every wait, so
 * an idle stream still gets each event at once; a busy one gets large
 * writes.  Regular files keep their blocks.  Events are never split: each
 * write carries whole events.  When the buffer cannot be allocated the
 * output stays as it was (every event written at once).  Not undone.
 */
void out_coalesce(struct out *o);

/*
 * The program is about to wait: push what coalescing holds back, and
 * whatever unix: readers' sockets take of their queues now.  A file's
 * block is not flushed (out_flush() does that).  0, or -1 with errno as
 * for out_write().  A no-op on an output that does not coalesce.
 */
int out_idle(struct out *o) WUR;

/*
 * out_idle() when the oldest event held back has waited OUT_HOLD_MS, and
 * a file's block written once its oldest event has waited a second;
 * else nothing: for a loop that reads lines producing no output while
 * output is held, and for any program's wait (see out_wait_ms()).  0,
 * or -1 with errno as for out_write().
 */
int out_tick(struct out *o) WUR;

/*
 * How long the program may wait before it must call out_tick(), in ms
 * (0: now): a file's block holding events is written within a second
 * (mkt(7): timely files) even when no further event comes.  -1 when
 * nothing waits for time.  Coalescing outputs are out_idle()'s business.
 */
int64_t out_wait_ms(const struct out *o);

/* Bytes held back by coalescing now (0 when none, or not coalescing). */
size_t out_held(const struct out *o);

/*
 * Fill p[0..max) with the sockets of unix: readers whose queues hold
 * bytes, each waiting for POLLOUT; returns how many.  A program that
 * waits for input waits for these too and then calls out_idle(), so
 * that what a reader's socket would not take at once reaches it without
 * waiting for the next event.  Readers past max are served at the next
 * wake.
 */
size_t out_pollfds(const struct out *o, struct pollfd *p, size_t max);

/* Readers dropped so far for falling behind (unix: outputs). */
unsigned long out_dropped(const struct out *o);
/* Readers connected now (unix: outputs). */
unsigned long out_readers(const struct out *o);

/*
 * Flush, close and free.  For standard output also flushes stdio's
 * stdout and checks that fd 1 closes cleanly (it is then reopened on
 * /dev/null).  For unix: outputs, gives connected readers up to a short
 * grace time (1 s) to take their queues, then unlinks the socket.
 * Returns 0, or -1 with errno (a write error seen earlier included).
 * NULL is a no-op.
 */
int out_close(struct out *o) WUR;

#endif
