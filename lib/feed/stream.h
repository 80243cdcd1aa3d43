/*
 * stream: mkt-feed's way from a raw venue message to synced events, the
 * same for live connections and recorded captures: the venue's
 * normalizer (its table's, venue.h), then, for order book events, the
 * sync of their symbol under its venue's rules (sync), then out.  What
 * the syncs need next -- a REST snapshot, a resubscription -- is handed
 * to the caller's callback.
 */
#ifndef MKT_STREAM_H
#define MKT_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "base/keymap.h"
#include "market/sync.h"
#include "venue/venue.h"

/* What stream_message() returns besides -1. */
enum {
	STREAM_OK = 0,
	STREAM_SHUTDOWN = 1,	/* the server announced a shutdown */
};

/* A sync needs something: what is an enum sync_need. */
typedef void stream_need_fn(void *ctx, const char *venue, const char *market,
    const char *symbol, int what);

/* Should the events of this symbol go out?  0 drops them (a symbol
 * unsubscribed whose last messages are still on the way). */
typedef int stream_keep_fn(void *ctx, const char *venue, size_t vn,
    const char *market, size_t mn, const char *symbol, size_t sn);

struct stream {
	struct keymap syncs;	/* venue\0market\0symbol -> struct sync */
	struct buf norm;	/* one message's normalized events */
	stream_need_fn *need;
	void *ctx;
	stream_keep_fn *keep;	/* NULL: every event goes out */
	void *keep_ctx;
	char only_symbol[64];	/* the one symbol seen so far, if one */
	int symbols;		/* distinct symbols seen, counted to 2 */
	/* For --metrics, all symbols: gaps in the update ids, and the
	 * "resyncing" status events written (gap, stale snapshot,
	 * stream_resync()). */
	unsigned long gaps, resyncs;
};

void stream_init(struct stream *s, stream_need_fn *need, void *ctx);
void stream_free(struct stream *s);

/*
 * Normalize one raw message of a venue (its table) and market ("spot")
 * and append the events to emit to out.  symbol names the symbol of a
 * REST body (NULL: the only symbol seen so far, if there is one).
 * recv_us: local receive time, or -1.  how: 0, or SYNC_EARLY for a
 * message from a connection that replaces one still open (see
 * sync_feed()).  Returns STREAM_OK, STREAM_SHUTDOWN, or -1 with a
 * reason in why (a bad message: nothing appended).  Out of
 * memory is fatal to the caller: -1 with errno ENOMEM.
 */
int stream_message(struct stream *s, const struct venue_ops *venue,
    const char *market, const char *symbol, const char *msg, size_t n,
    int64_t recv_us, unsigned how, struct buf *out, char *why,
    size_t whylen) WUR;

/*
 * The connection that carried this symbol is gone or new: its book must
 * be synced again from a fresh snapshot.  Appends a status resyncing
 * (reason given) when the symbol was in sync.
 */
void stream_resync(struct stream *s, const char *venue, const char *market,
    const char *symbol, const char *reason, struct buf *out);

/*
 * Handovers, per symbol (see sync_handover()): one starts; has the
 * symbol caught up (a symbol never seen has nothing to lose: yes)?
 */
void stream_handover(struct stream *s, const char *venue, const char *market,
    const char *symbol);
int stream_caught_up(struct stream *s, const char *venue, const char *market,
    const char *symbol);

/*
 * From now on, ask keep() about each event's symbol (stream_keep_fn).
 */
void stream_filter(struct stream *s, stream_keep_fn *keep, void *ctx);

/*
 * A symbol is no longer taken: its book is forgotten (held events
 * dropped, no status); if it is taken again it starts from a snapshot.
 */
void stream_forget(struct stream *s, const char *venue, const char *market,
    const char *symbol);

/* The sync of a symbol, or NULL when none has been seen. */
struct sync *stream_sync(struct stream *s, const char *venue,
    const char *market, const char *symbol);

#endif
