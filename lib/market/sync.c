/*
 * sync: the snapshot + diff-stream procedure per symbol (see sync.h).
 * The id rules are book_sequence()'s, so mkt-feed and mkt-book judge a
 * stream the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "book.h"
#include "sync.h"

struct sync *
sync_new(const char *venue, const char *market, const char *symbol,
    const struct seq_rule *rule)
{
	struct sync *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->venue = strdup(venue);
	s->market = strdup(market);
	s->symbol = strdup(symbol);
	if (!s->venue || !s->market || !s->symbol) {
		sync_free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->rule = rule ? rule : &seq_rule_default;
	buf_init(&s->held, 0);
	return s;
}

void
sync_free(struct sync *s)
{
	if (!s)
		return;
	free(s->venue);
	free(s->market);
	free(s->symbol);
	buf_free(&s->held);
	free(s->ev);
	free(s);
}

/* A status always has a time: the event's, else the local clock's. */
static void
status_head(struct buf *out, const struct sync *s, unsigned has,
    int64_t time, const char *state)
{
	event_render_head(out, "status", s->venue, s->market, s->symbol,
	    EV_HAS_TIME, has & EV_HAS_TIME ? time : time_now_ms(), 0);
	buf_adds(out, ",\"source\":\"mkt-feed\",\"state\":\"");
	buf_adds(out, state);
	buf_addc(out, '"');
}

/* The gap that sends this symbol back to a snapshot. */
static void
render_gap(struct buf *out, const struct sync *s, const struct event *ev,
    const struct book_status *st)
{
	status_head(out, s, ev->has, ev->time, "invalid");
	buf_adds(out, ",\"reason\":\"gap\"");
	book_render_gap_ids(out, s->id, st);
	buf_adds(out, "}\n");
	status_head(out, s, ev->has, ev->time, "resyncing");
	buf_adds(out, ",\"reason\":\"gap\"}\n");
}

static void
emit_line(struct buf *out, const char *line, size_t n)
{
	buf_add(out, line, n);
	buf_addc(out, '\n');
}

static void
hold_clear(struct sync *s)
{
	s->nev = 0;
	buf_reset(&s->held);
}

/* Keep a depth event for when a snapshot comes; the oldest go first
 * past the bound (a snapshot will then have to be newer). */
static int
hold(struct sync *s, const struct event *ev, const char *line, size_t n)
{
	struct sync_held *h;

	if (s->nev == SYNC_HOLD_MAX) {
		size_t cut = s->ev[1].off;
		size_t i;

		memmove(s->held.p, s->held.p + cut, s->held.len - cut);
		s->held.len -= cut;
		memmove(s->ev, s->ev + 1, (s->nev - 1) * sizeof *s->ev);
		s->nev--;
		for (i = 0; i < s->nev; i++)
			s->ev[i].off -= cut;
		s->dropped++;
	}
	if (s->nev == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		h = realloc(s->ev, cap * sizeof *h);
		if (!h)
			return -1;
		s->ev = h;
		s->cap = cap;
	}
	h = &s->ev[s->nev];
	h->off = s->held.len;
	h->len = n;
	h->first_id = ev->first_id;
	h->last_id = ev->last_id;
	h->prev_id = ev->prev_id;
	h->has = ev->has;
	h->time = ev->time;
	h->recv = ev->recv;
	buf_add(&s->held, line, n);
	if (buf_failed(&s->held)) {
		errno = ENOMEM;
		return -1;
	}
	s->nev++;
	return 0;
}

/* The old connection of a handover has this one still to deliver. */
static void
drop_early(struct sync *s, const struct event *ev)
{
	if (ev->last_id > s->early_id)
		s->early_id = ev->last_id;
}

/*
 * A depth event on a live stream: emit it, drop it, or break the sync.
 * Returns 1 when the sync broke (the caller holds the event).
 */
static int
follow(struct sync *s, const struct event *ev, const char *line, size_t n,
    unsigned how, struct buf *out)
{
	struct book_status st;
	int v;

	memset(&st, 0, sizeof st);
	v = book_sequence(s->id, s->fresh, s->rule, ev, &st);
	if (v == BOOK_STALE) {
		s->met = 1;
		return 0;
	}
	if (v == BOOK_BROKEN && (how & SYNC_EARLY)) {
		drop_early(s, ev);
		return 0;
	}
	if (v == BOOK_BROKEN) {
		render_gap(out, s, ev, &st);
		s->gaps++;
		s->resyncs++;
		s->live = 0;
		s->broken = 1;
		return 1;
	}
	emit_line(out, line, n);
	s->id = ev->last_id;
	s->fresh = 0;
	return 0;
}

/* Replay held events after a snapshot; those past a new gap stay held. */
static int
replay_held(struct sync *s, struct buf *out)
{
	struct buf keep;
	size_t i, j;

	for (i = 0; i < s->nev; i++) {
		struct sync_held *h = &s->ev[i];
		struct event ev;

		memset(&ev, 0, sizeof ev);
		ev.type = EV_DEPTH;
		ev.first_id = h->first_id;
		ev.last_id = h->last_id;
		ev.prev_id = h->prev_id;
		ev.has = h->has;
		ev.time = h->time;
		ev.recv = h->recv;
		if (follow(s, &ev, s->held.p + h->off, h->len, 0, out))
			break;
	}
	if (i == s->nev) {
		hold_clear(s);
		return SYNC_OK;
	}
	/* Keep the rest, from the event that broke the sync on. */
	buf_init(&keep, 0);
	for (j = i; j < s->nev; j++) {
		size_t off = keep.len;

		buf_add(&keep, s->held.p + s->ev[j].off, s->ev[j].len);
		s->ev[j - i] = s->ev[j];
		s->ev[j - i].off = off;
	}
	if (buf_failed(&keep)) {
		buf_free(&keep);
		errno = ENOMEM;
		return -1;
	}
	buf_free(&s->held);
	s->held = keep;
	s->nev -= i;
	return SYNC_SNAPSHOT;
}

/*
 * Fetched snapshots: can the snapshot start a book that the first held
 * event continues?  Events linked by prev_id need U <= L (the first
 * event straddles L); where ids have no holes, U == L + 1 continues it
 * too.  (Binance's documented "L < U: fetch again" is stricter than it
 * needs to be on spot.)
 */
static int
stale_snapshot(const struct sync *s, const struct event *ev)
{
	const struct sync_held *h = s->ev;
	enum seq_link link;

	if (s->rule->snapshot_in_stream || s->nev == 0)
		return 0;
	link = h->has & EV_HAS_PREV_ID ? s->rule->link_prev : s->rule->link;
	if (link == SEQ_PREV)
		return ev->last_id < h->first_id;
	return ev->last_id + 1 < h->first_id;
}

static int
feed_snapshot(struct sync *s, const struct event *ev, const char *line,
    size_t n, struct buf *out)
{
	/* A fetched snapshot older than the first held event cannot start
	 * a book from it; ask for a newer one. */
	if (stale_snapshot(s, ev)) {
		status_head(out, s, ev->has, ev->time, "resyncing");
		s->resyncs++;
		buf_adds(out, ",\"reason\":\"stale_snapshot\"");
		event_render_int(out, "last_id", ev->last_id);
		event_render_int(out, "expected_id", s->ev[0].first_id);
		buf_adds(out, "}\n");
		return SYNC_SNAPSHOT;
	}
	if (s->broken) {
		status_head(out, s, ev->has, ev->time, "synced");
		event_render_int(out, "last_id", ev->last_id);
		buf_adds(out, "}\n");
		s->broken = 0;
	}
	emit_line(out, line, n);
	s->id = ev->last_id;
	s->live = 1;
	s->fresh = 1;
	if (s->rule->snapshot_in_stream) {
		hold_clear(s);
		return SYNC_OK;
	}
	return replay_held(s, out);
}

int
sync_feed(struct sync *s, const struct event *ev, const char *line,
    size_t n, unsigned how, struct buf *out)
{
	int r;

	if (ev->type == EV_SNAPSHOT)
		r = feed_snapshot(s, ev, line, n, out);
	else if (s->live && !follow(s, ev, line, n, how, out))
		r = SYNC_OK;
	else if (how & SYNC_EARLY) {
		/* The old connection holds these for the snapshot. */
		drop_early(s, ev);
		r = SYNC_OK;
	}
	else if (s->rule->snapshot_in_stream)
		/* The venue sends a new snapshot on resubscription: deltas
		 * in between are of no use. */
		r = SYNC_RESUBSCRIBE;
	else
		r = hold(s, ev, line, n) < 0 ? -1 : SYNC_SNAPSHOT;
	if (r >= 0 && buf_failed(out)) {
		errno = ENOMEM;
		return -1;
	}
	return r;
}

int
sync_restart(struct sync *s)
{
	int was = s->live;

	if (s->live)
		s->broken = 1;
	s->live = 0;
	s->fresh = 0;
	hold_clear(s);
	return was;
}

void
sync_handover(struct sync *s)
{
	s->met = 0;
	s->early_id = 0;
}

int
sync_caught_up(const struct sync *s)
{
	return s->met && s->id >= s->early_id;
}
