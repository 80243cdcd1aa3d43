/*
 * nats: NATS JetStream as an output and an input, through libnats, for
 * out.c and in.c ("nats://..." specs; mkt(7), NATS).
 *
 *   nats://HOST:PORT[,HOST:PORT...]/SUBJECT[?NAME=VALUE&...]
 *
 * As an output SUBJECT is a prefix: each event line is published on
 * SUBJECT.VENUE.MARKET.SYMBOL.TYPE (SUBJECT.TYPE when it has no symbol),
 * or on what the template= parameter makes of it, with a Nats-Msg-Id
 * that is the same whenever the same event is published again: the
 * venue's ids where the event has them (depth, snapshot, trade; so a
 * restarted collector's re-sent events are dropped by the stream's
 * duplicate window whatever their receive times), else a hash of the
 * line.  Publishing is asynchronous with at most NATS_PUB_MAX events
 * unacknowledged: past that the writer waits.  Every ack is checked; a
 * failed publish, a lost ack or a dropped connection makes the writer
 * publish again, in their order, every event not acknowledged yet,
 * before any newer one, so the stream keeps the producer's order.
 *
 * As an input SUBJECT is a filter (wildcards allowed) read through a
 * durable pull consumer.  A thread fetches messages and writes their
 * bytes (one or more lines each) to a socket that in.c reads as it
 * reads any socket; the messages wait, unacknowledged, until the
 * reader says it is done with their bytes (nats_sub_ack).  At most
 * NATS_SUB_MAX are fetched ahead of the reader.
 *
 * Parameters: stream= (default MKT), durable= (input; default one made
 * of the program's name and a hash of the filter), create=1 (create
 * the stream when absent; else a missing stream is an error that names
 * it), max_age=, dup_window= (durations), replicas= (stream settings
 * used when creating; given for an existing stream they must match),
 * template= (output), start= (input: a time, where a new consumer
 * starts; default the stream's first message).
 */
#ifndef MKT_NATS_H
#define MKT_NATS_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"

#define NATS_PUB_MAX 1024	/* events published and not yet acked */
#define NATS_SUB_MAX 1024	/* messages fetched and not yet acked */

/* Does spec name a NATS input or output? */
int nats_is_spec(const char *spec);

/* The stream a nats: spec names (its stream= or MKT) into dst; 0, or
 * -1 when spec does not parse. */
int nats_spec_stream(const char *spec, char *dst, size_t cap) WUR;

struct nats_pub;

/*
 * Connect, check or create the stream.  Sets *p; 0, or -1 with errno
 * and why[0..whylen) saying what failed in words.
 */
int nats_pub_open(struct nats_pub **p, const char *spec, char *why,
    size_t whylen) WUR;

/*
 * Publish complete event lines p[0..n), one message each.  Waits while
 * NATS_PUB_MAX are unacknowledged or the connection is down.  0, or -1
 * with errno EIO once JetStream refused the events for a minute while
 * connected (nats_pub_why() says why); sticky.
 */
int nats_pub_write(struct nats_pub *p, const char *lines, size_t n) WUR;

/*
 * Wait until every event published is acknowledged, at most timeout_ms
 * (-1: no bound).  0, or -1 with errno (ETIMEDOUT, or EIO as above).
 */
int nats_pub_flush(struct nats_pub *p, int64_t timeout_ms) WUR;

/* What the last failure was, in words ("" when none). */
const char *nats_pub_why(const struct nats_pub *p);

/* Counters: events published, acked as new, acked as duplicates,
 * published again. */
struct nats_pub_stats {
	uint64_t published, stored, duplicates, resent;
};
void nats_pub_stats(const struct nats_pub *p, struct nats_pub_stats *st);

/*
 * nats_pub_flush() with a grace of grace_ms, then close.  0, or -1 with
 * errno when events were left unacknowledged (they may be lost).  NULL
 * is a no-op.
 */
int nats_pub_close(struct nats_pub *p, int64_t grace_ms);

struct nats_sub;

/*
 * Connect and bind a durable pull consumer; start the fetching thread.
 * resume: the caller keeps its own position (mkt-journal append) -- the
 * consumer is made anew to start at stream sequence after + 1 (after 0:
 * where a new consumer starts), so that what the server would redeliver
 * first does not come ahead of what follows the caller's position.
 * *fd is the socket to read the messages' bytes from (owned by *s).
 * 0, or -1 with errno and why.
 */
int nats_sub_open(struct nats_sub **s, const char *spec, int resume,
    uint64_t after, int *fd, char *why, size_t whylen) WUR;

/* The stream sequence of the message holding byte off of the bytes
 * written to *fd so far (0: none). */
uint64_t nats_sub_seq_at(struct nats_sub *s, uint64_t off);

/* The highest stream sequence whose bytes all lie below consumed, of
 * the messages not yet acked (0: none). */
uint64_t nats_sub_done_seq(struct nats_sub *s, uint64_t consumed);

/*
 * Acknowledge, oldest first, the messages whose bytes all lie below
 * consumed and whose stream sequence is at most max_seq.  Returns how
 * many were acked.
 */
size_t nats_sub_ack(struct nats_sub *s, uint64_t consumed, uint64_t max_seq);

/* Nonzero once the fetching thread gave up; why says why. */
int nats_sub_failed(struct nats_sub *s, char *why, size_t whylen);

/* Stop the thread, close the socket and the connection; messages not
 * acked are redelivered to the consumer later.  NULL is a no-op. */
void nats_sub_close(struct nats_sub *s);

#endif
