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
 * reader whose queue would pass it is dropped with a warning and counted,
 * so a slow reader never blocks the producer nor grows memory.  With no
 * reader connected, events are discarded.
 */
#ifndef MKT_OUT_H
#define MKT_OUT_H

#include <stddef.h>

#include "err.h"

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
 * Write complete event lines p[0..n).  Returns 0, or -1 with errno
 * (EPIPE: the reader of a pipe left; the caller exits quietly, 0).
 * Never fails because of a unix: reader: those are dropped instead.
 */
int out_write(struct out *o, const char *p, size_t n) WUR;

/* Push buffered bytes to the file or pipe now. 0 or -1 with errno. */
int out_flush(struct out *o) WUR;

/* Readers dropped so far for falling behind (unix: outputs). */
unsigned long out_dropped(const struct out *o);
/* Readers connected now (unix: outputs). */
unsigned long out_readers(const struct out *o);

/*
 * Flush, close and free.  For standard output also checks that the
 * stream closes cleanly.  For unix: outputs, gives connected readers up
 * to a short grace time to take their queues, then unlinks the socket.
 * Returns 0, or -1 with errno.
 */
int out_close(struct out *o) WUR;

#endif
