/*
 * out: NDJSON output.  Every event is rendered by the caller into a buffer
 * and handed over whole (one or more complete lines ending in '\n').
 *
 * Standard output or a file: fstat() picks the policy -- a regular file
 * (or /dev/null-like character device that is not a tty) gets large
 * blocks; a pipe, socket or tty gets each event written at once.  Partial
 * writes and EINTR are handled.
 *
 * "unix:PATH": listen on a Unix stream socket and serve every connected
 * reader.  Each reader has a bounded queue (out_open's queue_max); a
 * reader whose queue would pass it is dropped (closed) and counted, so a
 * slow reader never blocks the producer nor grows memory.  The library
 * does not print: the program warns when out_dropped() grows.  A reader
 * that disconnects is removed silently.  A reader that connects gets the
 * events from the next out_write() (or out_flush()) on, so it starts on
 * a line boundary.  With no reader connected, events are discarded.  A
 * stale socket file (nothing listening) is replaced; a live one makes
 * out_open() fail with EADDRINUSE, and a path that is not a socket is
 * never removed.
 */
#ifndef MKT_OUT_H
#define MKT_OUT_H

#include <stddef.h>

#include "base/attr.h"

/* Default bound on one unix: reader's queue. */
#define OUT_QUEUE_MAX (4u << 20)

struct out;

/*
 * Open "-" or NULL (standard output), "unix:PATH" or a file path
 * (created or truncated, mode 0644 less umask).  queue_max 0 means
 * OUT_QUEUE_MAX.  Sets *o; returns 0, or -1 with errno.  The caller
 * owns *o and releases it with out_close().
 */
int out_open(struct out **o, const char *spec, size_t queue_max) WUR;

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
