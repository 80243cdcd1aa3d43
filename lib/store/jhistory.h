/*
 * jhistory: the history tables as a journal keeps them (mkt-journal(1)):
 * when and how they are caught up, fed, pruned and queried.
 *
 * The lines for the history tables wait in memory until the sync that
 * makes them durable, and enter the tables in that sync's transaction
 * (the journal's sync hook): the tables never hold an event the journal
 * could lose.  meta('history_seq') says below which seq every event is
 * in the tables; events the index holds past it -- frames that recovery
 * indexed after a crash -- are read back from the segments and added in
 * one transaction (jhistory_catch_up).
 *
 * Nothing here prints: failures return -1 with errno and the reason in a
 * why-buffer ("index.db: cannot begin (database is locked)").
 */
#ifndef MKT_JHISTORY_H
#define MKT_JHISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "event/event.h"
#include "store/history.h"
#include "store/journal.h"

/* Held lines past this many bytes ask for an early sync. */
#define JHISTORY_HELD_MAX (16u << 20)

struct jhistory;

/*
 * Start keeping the history tables of j, a writer open on dir: the
 * tables are created when missing.  note (NULL: not told) hears of
 * frames that catching up had to skip.  Sets *out; 0, or -1 with errno
 * (ENOMEM, EIO) and why.  Free with jhistory_close().
 */
int jhistory_open(struct jhistory **out, struct journal *j, const char *dir,
    void (*note)(void *ctx, const char *msg), void *note_ctx, char *why,
    size_t whylen) WUR;

/*
 * Add the events that the index holds and the tables do not.  1 when
 * there were any to look for (*n added, from seq *from), 0 when the
 * tables were up to date, -1 with errno and why.
 */
int jhistory_catch_up(struct jhistory *h, uint64_t *n, int64_t *from,
    char *why, size_t whylen) WUR;

/* Feed the tables at every sync of the journal from now on; undone by
 * jhistory_close(). */
void jhistory_attach(struct jhistory *h);

/*
 * Hold line (ev: its parse) for the next sync when its type is one the
 * tables keep (bands, trade, fill, order, candle).  1 when the lines held ask
 * for an early sync, 0, or -1 with errno ENOMEM.
 */
int jhistory_hold(struct jhistory *h, const char *line, size_t len,
    const struct event *ev) WUR;

/* Why the last sync's history work failed ("" when it did not): say it
 * rather than journal_error() then. */
const char *jhistory_error(const struct jhistory *h);

/*
 * Delete the minute rows older than before (rounded down to an hour by
 * the history module) in one transaction; the rollups stay.  *deleted
 * gets the rows.  0, or -1 with errno and why.
 */
int jhistory_prune_minutes(struct jhistory *h, int64_t before,
    int64_t *deleted, char *why, size_t whylen) WUR;

/* Stop feeding the tables and free h; NULL: no-op. */
void jhistory_close(struct jhistory *h);

/*
 * Run query what ("series", "candles", "latest" or "symbols") on the
 * history tables of j (open for reading or writing): series takes all
 * of q, candles its venue, market, symbol, range and resolution, latest
 * and symbols its venue, market and symbol filters.  As
 * history_series(), history_candles(), history_latest(),
 * history_symbols().
 */
int jhistory_query(struct journal *j, const char *what,
    const struct history_series_q *q, struct history_out *out, char *why,
    size_t whylen) WUR;

#endif
