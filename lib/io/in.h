/*
 * in: NDJSON input.  Reads lines from standard input, a file, a Unix
 * stream socket ("unix:PATH", connected to as a reader), or a NATS
 * JetStream consumer ("nats://...", nats.h), with a hard cap on the line
 * length and a line counter for error messages.
 *
 * A nats: input acknowledges a message once the program is done with
 * its lines: when the program is about to wait for more input (by then
 * it has pushed its output: out_idle()), and at in_commit(); or, after
 * in_open_resume(), only as the program says (in_ack()).  A stop signal
 * ends a nats: input at once, as for a file: what was not read stays in
 * the stream.
 *
 * Lines are returned in place (no copy when the line fits the buffer) and
 * stay valid until the next in_next() call.  Each returned line is also
 * NUL-terminated in place (its '\n' overwritten), but *len is what counts:
 * a line may hold NUL bytes of its own.  A '\r' before the '\n' is kept.
 */
#ifndef MKT_IN_H
#define MKT_IN_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"

/* Default cap on one input line: an overlong line is a bad line. */
#define IN_MAX_LINE (8u << 20)

/* How long a pipe or socket is read on after a stop signal (mkt(7)). */
#define IN_GRACE_MS 5000

enum in_result {
	IN_LINE = 1,	/* *line, *len: the next line, without its '\n' */
	IN_EOF = 0,	/* end of input; a last line without '\n' came first */
	IN_ERROR = -1,	/* read failed: errno; EINTR when a signal came in */
	IN_TOOLONG = 2,	/* the line passed max_line; skipped whole, counted */
	IN_AGAIN = 3,	/* in_next_nowait(): a read would wait */
};

struct nats_sub;

struct in {
	int fd;
	int own_fd;		/* close fd in in_close() */
	char *buf;
	size_t cap;		/* allocated size of buf */
	size_t start, end;	/* unread bytes are buf[start..end) */
	size_t scan;		/* bytes of buf[start..) searched for '\n' */
	size_t max_line;
	long lineno;		/* number of the line last returned */
	int eof;
	int skipping;		/* inside an overlong line */
	int stream;		/* a pipe or socket: drained on a stop signal */
	int draining;		/* reading on after a stop signal */
	int drain_sigs;		/* sig_stop_count() when the drain began */
	int64_t drain_until;	/* monotonic ms: the grace ends */
	struct nats_sub *nats;	/* a nats: input, else NULL */
	int manual_ack;		/* in_open_resume(): in_ack() only */
	uint64_t nread;		/* bytes read from fd so far */
};

/* Room for the reason an open or a read failed, in words. */
#define IN_WHY 256

/*
 * Open "-" or NULL (standard input), "unix:PATH" (connect to a listening
 * mkt output), or a file path.  max_line 0 means IN_MAX_LINE.
 * Returns 0, or -1 with errno.
 */
int in_open(struct in *in, const char *spec, size_t max_line) WUR;

/*
 * in_open(), with why[0..whylen) set to the reason in words when it
 * fails for a reason errno does not tell (a nats: spec, say); else "".
 */
int in_open_why(struct in *in, const char *spec, size_t max_line,
    char *why, size_t whylen) WUR;

/*
 * Open a nats: spec for a reader that keeps its own position
 * (mkt-journal append): the consumer is made anew to start at stream
 * sequence after + 1 (after 0: the spec's start, or the stream's
 * first message), and messages are acked only by in_ack().  0, or -1
 * with errno and why.
 */
int in_open_resume(struct in *in, const char *spec, size_t max_line,
    uint64_t after, char *why, size_t whylen) WUR;

/* A nats: input: the stream sequence of the message that held the line
 * last returned (0: not nats:, or none). */
uint64_t in_seq(struct in *in);

/* A nats: input: the highest stream sequence of the messages whose
 * lines have all been returned and that are not acked yet (0: none). */
uint64_t in_done_seq(struct in *in);

/* A nats: input: ack the messages whose lines have all been returned,
 * up to stream sequence max_seq. */
void in_ack(struct in *in, uint64_t max_seq);

/*
 * The program has written the output of every line returned so far:
 * a nats: input acks their messages (not after in_open_resume()).  A
 * no-op on other inputs.
 */
void in_commit(struct in *in);

/* Nonzero when the input failed for a reason in words (a nats: input
 * whose consumer went away); why gets it. */
int in_failed_why(struct in *in, char *why, size_t whylen);

/*
 * Read from an open descriptor (a pipe from a child process, say);
 * in_close() closes it when own_fd is nonzero.  Returns 0, or -1 with
 * errno (the descriptor is then left open).
 */
int in_fdopen(struct in *in, int fd, int own_fd, size_t max_line) WUR;

/*
 * Next line; see enum in_result.  On IN_TOOLONG, in->lineno names it and
 * the rest of that line is skipped by the following calls.  IN_ERROR
 * with errno EINTR leaves the reader usable: check the stop flag, then
 * call again.
 */
int in_next(struct in *in, const char **line, size_t *len) WUR;

/*
 * in_next(), except that where it would wait for input it returns
 * IN_AGAIN instead: nothing buffered makes a line and poll(2) says the
 * descriptor has nothing to read yet.  For a program that holds output
 * back while more input is waiting: on IN_AGAIN it pushes its output,
 * then calls in_next() to wait.  A line that was already buffered costs
 * no system call.
 */
int in_next_nowait(struct in *in, const char **line, size_t *len) WUR;

/*
 * Bytes already read and waiting, when they hold a complete line (or the
 * end of input was seen): nonzero means in_next() won't block.
 */
size_t in_pending(const struct in *in);

/*
 * The stop rule of every program that reads events (mkt(7), SIGNALS):
 * nonzero when the reader should stop reading now, 0 to read on.
 * Before any SIGINT or SIGTERM (sig.h): 0.  After one, a file or a
 * terminal stops at once; a pipe or socket is drained -- read on until
 * end of input, so that what the stages upstream flush as they stop
 * still arrives -- for at most IN_GRACE_MS, and a second stop signal
 * ends the drain at once.  The first call that sees the signal starts
 * the drain (and empties sig's self-pipe, so that in_wait() can wait
 * for the second).  Call it before every read.
 */
int in_stop_due(struct in *in);

/* Reading on after a stop signal: waits must be bounded (in_wait). */
int in_draining(const struct in *in);

/* Milliseconds left of the grace while draining (0: over), else -1. */
int64_t in_grace_ms(const struct in *in);

/*
 * Wait until the input is readable, a stop signal comes, or timeout_ms
 * passed (-1: no bound; while draining, never past the grace).  For a
 * program that reads with in_next_nowait() and got IN_AGAIN.  1 when
 * the input is readable, 0 otherwise (check in_stop_due() and call
 * again), -1 with errno.
 */
int in_wait(struct in *in, int64_t timeout_ms) WUR;

/*
 * in_wait() that also ends when one of also[0..nalso) is ready (at most
 * IN_WAIT_ALSO_MAX of them are watched): for a program whose output has
 * sockets to serve while it waits (out_pollfds()).
 */
#define IN_WAIT_ALSO_MAX 16
int in_wait_also(struct in *in, int64_t timeout_ms, struct pollfd *also,
    size_t nalso) WUR;

/* Free the buffer and close the descriptor if it is ours (not stdin). */
void in_close(struct in *in);

#endif
