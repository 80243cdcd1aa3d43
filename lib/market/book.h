/*
 * book: exact L2 order books and the sync rules they are checked by.
 *
 * Prices and quantities are kept as 64-bit integers at one price scale
 * and one quantity scale per book (the most fraction digits seen; the
 * book is rescaled when a finer number arrives).  Each side is one array
 * sorted so that its best level is last: changes cluster near the top of
 * the book, so inserts and deletes there move few bytes.  Ask prices are
 * stored negated, which makes both sides ascending by key and lets one
 * code path serve both.
 *
 * Sync rules (mkt-events(5)) are data, a struct seq_rule: which ids link
 * an event to the book, whether the first event after a snapshot may
 * overlap it, and where snapshots come from.  This layer knows no
 * venue: the venue layer (venue/venue.h, venue_seq_rule()) says which
 * rule an event's "venue" and "market" follow; without one, a book
 * follows seq_rule_default, the rule mkt-events(5) gives every venue:
 *   an event without prev_id: drop last_id <= book id; the first event
 *           after a snapshot needs first_id <= id+1 <= last_id, every
 *           later one first_id == id+1;
 *   an event with prev_id: drop last_id < book id (later also last_id
 *           == id: a repeat); first event first_id <= id <= last_id (or
 *           prev_id == id), later ones prev_id == id.
 * A gap, a crossed book, a depth event before any snapshot, or a ticker
 * that disagrees with the book at its id makes the book invalid until the
 * next snapshot.
 */
#ifndef MKT_BOOK_H
#define MKT_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "event/event.h"
#include "base/fixed.h"

struct book_level {
	int64_t key;	/* price at the book's scale; negated on the ask side */
	int64_t qty;	/* at the book's quantity scale, > 0 */
};

struct book_side {
	struct book_level *lv;	/* ascending by key: best level last */
	size_t n, cap;
	/* Prefix sums for the bands, from the deepest level up; kept lazily:
	 * valid for indices below `clean`. */
	fx_i128 *cq, *cv;
	size_t ccap, clean;
	int64_t deepest;	/* key of the deepest level of the last snapshot */
	int has_deepest;
	/* Sums of all levels, kept on every change once side_totals() has
	 * computed them (the first bands computation does): a band that
	 * covers the whole side then costs nothing.  total_ok is 0 until
	 * then, after a snapshot or rescale, and after an overflow. */
	fx_i128 total_qty, total_value;
	int total_ok;
};

enum book_state {
	BOOK_EMPTY,	/* no snapshot yet */
	BOOK_FRESH,	/* snapshot applied, waiting for the first update */
	BOOK_LIVE,	/* in sync */
	BOOK_INVALID,	/* out of sync until the next snapshot */
};

/*
 * How a depth event continues a book (or a stream) at update id `id`.
 * An event is stale (dropped, already covered) when its last_id is at
 * or below id; with SEQ_PREV and first_overlaps, the first event after
 * a snapshot may also end exactly at id.
 */
enum seq_link {
	SEQ_NEXT_FIRST,	/* first_id == id + 1 (update ids without holes:
			   the event's first id follows the book's) */
	SEQ_PREV,	/* prev_id == id (the event names the id it
			   follows; ids may have holes) */
	SEQ_NEXT_LAST,	/* last_id == id + 1 (one id per event) */
	SEQ_NONE,	/* no ids link events (a venue without sequence
			   numbers): every event continues the book, which
			   is valid from a snapshot until the stream ends */
};

/*
 * A venue's sync rules, as data.  The venue layer holds one per venue or
 * market; nothing here knows which.
 */
struct seq_rule {
	enum seq_link link;	/* events without prev_id */
	enum seq_link link_prev; /* events that carry prev_id */
	/* The first event after a snapshot may overlap it: it need only
	 * cover the update after the snapshot's id (SEQ_NEXT_*: first_id
	 * <= id + 1; SEQ_PREV: first_id <= id <= last_id, or prev_id ==
	 * id).  0: it continues the snapshot like any later event. */
	int first_overlaps;
	/* Snapshots come in the stream, sent on (re)subscription, rather
	 * than fetched: a snapshot always resets the stream, depth events
	 * before one are of no use (not held), and a gap asks for a
	 * resubscription (SYNC_RESUBSCRIBE) rather than a fetch. */
	int snapshot_in_stream;
};

/* mkt-events(5)'s rule for any venue (see above). */
extern const struct seq_rule seq_rule_default;

/* Which rule the events of venue[0..vn) and market[0..mn) follow; NULL
 * for seq_rule_default.  The venue layer's venue_seq_rule() is one. */
typedef const struct seq_rule *seq_rule_fn(const char *venue, size_t vn,
    const char *market, size_t mn);

/* What an event did to the book. */
enum book_verdict {
	BOOK_APPLIED,	/* applied; the book is valid */
	BOOK_STALE,	/* already covered by the book's id: dropped */
	BOOK_IGNORED,	/* the book is invalid; waiting for a snapshot */
	BOOK_BROKEN,	/* this event made the book invalid: see status */
	BOOK_RESTORED,	/* a snapshot made an invalid book valid again */
};

/* A ticker waiting for the book to reach its id. */
struct book_tick {
	int64_t id;
	int64_t time;
	unsigned has;		/* EV_HAS_TIME, EV_HAS_RECV */
	int64_t recv;
	struct fx bid, bid_qty, ask, ask_qty;
};

/* Tickers held per book; when more come, the oldest is dropped. */
#define BOOK_TICKS 32

/* Why a book became invalid, with the ids and prices that show it. */
struct book_status {
	const char *reason;	/* gap, crossed, no_snapshot, ticker_mismatch,
				   bad_level */
	int64_t expected_id, got_first_id, got_last_id, got_prev_id;
	int has_prev;
	struct book_tick tick;		/* ticker_mismatch: the ticker */
};

struct book {
	struct book_side bid, ask;
	int ps, qs;		/* price and quantity scales */
	int64_t last_id;
	enum book_state state;
	int reported;		/* an invalid status was emitted for this state */
	int64_t time, recv;	/* of the last event applied */
	unsigned has;		/* EV_HAS_TIME / EV_HAS_RECV of that event */
	char *venue, *market, *symbol;	/* NUL-terminated copies */
	const struct seq_rule *rule;	/* book_new(): seq_rule_default; the
					   caller may set another */
	/* Tickers ahead of the book, oldest first. */
	struct book_tick ticks[BOOK_TICKS];
	int nticks;
	/* Free for the program: interval bookkeeping. */
	int pending;
	int ckpt_dirty;		/* changed since its last checkpoint */
	/* Scratch for converting an event's levels. */
	struct book_level *tmp;
	size_t tmpcap;
};

/* A new empty book for these names (copied), following
 * seq_rule_default.  NULL with errno ENOMEM. */
struct book *book_new(const char *venue, size_t vn, const char *market,
    size_t mn, const char *symbol, size_t sn);
void book_free(struct book *b);

/*
 * Replace the book with a snapshot (or a full `book` event) whose id is
 * last_id.  Returns BOOK_APPLIED, BOOK_RESTORED, or BOOK_BROKEN with *st
 * filled (crossed, bad_level); -1 with errno ENOMEM when memory ran out
 * (the book is then invalid, nothing reported).
 */
int book_snapshot(struct book *b, const struct event *ev,
    const struct levels *bids, const struct levels *asks,
    struct book_status *st);

/*
 * The sync rules alone: may a depth event follow a book (or a stream)
 * at update id `id`?  fresh: nothing applied since the snapshot.
 * Returns BOOK_APPLIED (go ahead), BOOK_STALE (already covered) or
 * BOOK_BROKEN (a gap; *st holds the ids) under rule.  mkt-feed's sync
 * and mkt-sim's replay use it too.
 */
int book_sequence(int64_t id, int fresh, const struct seq_rule *rule,
    const struct event *ev, struct book_status *st);

/* Apply a depth event under the book's rule; see enum book_verdict.
 * -1 with errno ENOMEM when memory ran out (as book_snapshot()). */
int book_depth(struct book *b, const struct event *ev,
    const struct levels *bids, const struct levels *asks,
    struct book_status *st);

/*
 * Check a ticker that carries the book update id it reflects: when the
 * book is at that id, its top must equal the ticker's bid/ask and
 * quantities.  A ticker ahead of the book (venues send tickers in real
 * time and depth in batches) is held until the book reaches its id
 * exactly, and dropped when an update jumps past it.  BOOK_APPLIED when
 * it agrees or cannot (yet) be checked, BOOK_BROKEN (ticker_mismatch)
 * when it does not.  book_depth() and book_snapshot() check the held
 * tickers as the book moves.
 */
int book_check_ticker(struct book *b, const struct event *ev,
    struct book_status *st);

/* Compute a side's totals from its levels and keep them from now on. */
void side_totals(struct book_side *s);

static inline int
book_valid(const struct book *b)
{
	return b->state == BOOK_FRESH || b->state == BOOK_LIVE;
}

/* Best price (positive, at the book's scale) of a side; 0 when empty. */
int64_t book_best_bid(const struct book *b);
int64_t book_best_ask(const struct book *b);

/*
 * Render events.  Each appends one complete line with '\n'.
 * book: at most `levels` a side (0 = all).  status: `source` names the
 * program.  Errors are the buffer's (buf_failed).
 */
void book_render(struct buf *out, const struct book *b, size_t levels);
/*
 * A checkpoint: the whole book as a `snapshot` event marked
 * "checkpoint":true, with the book's last_id, time and recv, so that a
 * reader that starts from it continues the stream under the venue's
 * rule: the next depth event follows last_id as it followed the book.
 */
void book_render_snapshot(struct buf *out, const struct book *b);
void book_render_status(struct buf *out, const struct book *b,
    const char *source, const struct book_status *st);
void book_render_synced(struct buf *out, const struct book *b,
    const char *source);
/*
 * Part of a status event (no line of its own): the ids of a gap,
 * ,"last_id":last_id,"expected_id":..,"got_first_id":..,"got_last_id":..
 * [,"got_prev_id":..].
 */
void book_render_gap_ids(struct buf *out, int64_t last_id,
    const struct book_status *st);
/* The common head: {"type":T,"venue":..,"market":..,"symbol":..,"time":..,
 * "recv":.. (without a closing brace). */
void book_render_head(struct buf *out, const struct book *b,
    const char *type);

#endif
