/*
 * anchor: mkt-replay --book (see anchor.h).
 */
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/keymap.h"
#include "base/timeutil.h"
#include "event/event.h"
#include "market/bookset.h"
#include "venue/venue.h"

#include "anchor.h"
#include "err.h"

/* A snapshot older than this before T makes a note: a long scan. */
#define LONG_SCAN_MS (60 * 60 * 1000)
/* While books are rebuilt: a progress line this often, after the first
 * PROGRESS_MS. */
#define PROGRESS_MS 2000
/* Events between looks at the clock. */
#define PROGRESS_EVERY 16384

/* One book the replay anchors. */
struct abook {
	int64_t start_seq;	/* its events before are of no use */
	int live;		/* anchored: its events pass from now on */
	char *name;		/* "venue:market:symbol", for messages */
};

struct anchor {
	struct jreader *jr;
	const char *const *types;	/* the --type list; n 0: any */
	size_t ntypes;
	int64_t from, to;
	struct keymap books;		/* key3 -> struct abook */
	struct bookset bs;
	struct buf scratch;		/* the bookset's renders, unread */
	struct buf snap;		/* the anchor snapshot handed out */
	struct jr_event held;		/* the event that follows it */
	int has_held;
	struct event ev;
	int64_t start;			/* the seq reading starts at */
	unsigned long missing;
	uint64_t warmed;		/* events applied before T */
	int64_t t0, shown;		/* monotonic ms: start, last progress */
};

enum { SKIP, PASS, ANCHORED };

static void
render_none(void *ctx, struct buf *out, struct book *b)
{
	(void)ctx;
	(void)out;
	(void)b;
}

/* jr_books callback: find the book's anchor, keep the earliest. */
static int
add_book(void *ctx, const char *venue, const char *market,
    const char *symbol)
{
	struct anchor *a = ctx;
	char key[512], when[40];
	size_t n = keymap_key3(key, sizeof key, venue, strlen(venue), market,
	    strlen(market), symbol, strlen(symbol));
	struct abook *b;
	int64_t seq, t;
	int r;

	if (!n)
		return 0;	/* names too long for any book */
	b = calloc(1, sizeof *b);
	if (!b || asprintf(&b->name, "%s:%s:%s", venue, market, symbol) < 0 ||
	    keymap_put(&a->books, key, n, b) < 0)
		die_nomem();
	r = jr_anchor(a->jr, venue, market, symbol, a->from, &seq, &t);
	if (r < 0)
		die("%s", jr_error(a->jr));
	if (r == 0) {
		b->start_seq = a->start;
		return 0;
	}
	b->start_seq = seq;
	if (seq < a->start)
		a->start = seq;
	if (a->from - t > LONG_SCAN_MS)
		warn("%s: the last snapshot before --from is at %s: its book "
		    "is rebuilt from there (mkt-book --checkpoint in the "
		    "collector keeps this short)", b->name,
		    time_format(t, when, sizeof when));
	return 0;
}

struct anchor *
anchor_plan(struct jreader *jr, const struct jr_query *q, int64_t from,
    int64_t to)
{
	struct anchor *a = calloc(1, sizeof *a);
	struct jr_query rq = *q;
	int r;

	if (!a)
		die_nomem();
	a->jr = jr;
	a->from = from;
	a->to = to;
	a->types = q->keys[JR_TYPE];
	a->ntypes = q->nkeys[JR_TYPE];
	keymap_init(&a->books);
	bookset_init(&a->bs, "mkt-replay", 0, render_none, NULL);
	bookset_rules(&a->bs, venue_seq_rule);
	buf_init(&a->scratch, 0);
	buf_init(&a->snap, 0);
	/* Without an anchor, reading starts at the first frame of T. */
	r = jr_seq_at(jr, from, &a->start);
	if (r < 0)
		die("%s", jr_error(jr));
	if (r == 0)
		a->start = INT64_MAX;
	if (jr_books(jr, q, add_book, a) < 0)
		die("%s", jr_error(jr));
	rq.keys[JR_TYPE] = NULL;
	rq.nkeys[JR_TYPE] = 0;
	/* Frames past --to are not read; before --from, all are. */
	rq.by_time = to != INT64_MAX;
	rq.from_time = INT64_MIN;
	rq.to_time = to;
	rq.want_time = 1;
	/* Nothing at or after T yet: the reader starts past the end. */
	rq.from_seq = a->start == INT64_MAX ? INT64_MAX / 2 : a->start;
	if (jr_query(jr, &rq) < 0)
		die("%s", jr_error(jr));
	a->t0 = a->shown = time_mono_ms();
	return a;
}

void
anchor_free(struct anchor *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->books.n; i++) {
		struct abook *b = a->books.e[i].val;

		free(b->name);
		free(b);
	}
	keymap_free(&a->books);
	bookset_free(&a->bs);
	buf_free(&a->scratch);
	buf_free(&a->snap);
	free(a);
}

unsigned long
anchor_missing(const struct anchor *a)
{
	return a->missing;
}

/* A string member as it is written: the raw span (escaped names are
 * never a book: the index's names are compared unescaped). */
static int
span_is(const struct json_span *s, const char *v)
{
	return s && s->type == JSON_STRING && !s->escaped &&
	    strlen(v) == (size_t)s->n && memcmp(s->p, v, s->n) == 0;
}

static int
type_wanted(const struct anchor *a, const struct event *ev, int parsed)
{
	size_t i;

	if (!a->ntypes)
		return 1;
	if (!parsed)
		return 0;
	for (i = 0; i < a->ntypes; i++)
		if (span_is(ev->field[EVF_TYPE], a->types[i]))
			return 1;
	return 0;
}

/* The book an event belongs to, if the replay anchors it. */
static struct abook *
book_of(struct anchor *a, const struct event *ev, char *key, size_t cap,
    size_t *n)
{
	const struct json_span *v = ev->field[EVF_VENUE],
	    *m = ev->field[EVF_MARKET], *s = ev->field[EVF_SYMBOL];

	if (!v || !m || !s || v->type != JSON_STRING ||
	    m->type != JSON_STRING || s->type != JSON_STRING)
		return NULL;
	*n = keymap_key3(key, cap, v->p, v->n, m->p, m->n, s->p, s->n);
	return *n ? keymap_get(&a->books, key, *n) : NULL;
}

/* Now and then while books are rebuilt: how far it got. */
static void
progress(struct anchor *a, const struct jr_event *e)
{
	char when[40];
	int64_t now;

	if (++a->warmed % PROGRESS_EVERY)
		return;
	now = time_mono_ms();
	if (now - a->t0 < PROGRESS_MS || now - a->shown < PROGRESS_MS)
		return;
	a->shown = now;
	warn("rebuilding books: %" PRIu64 " events read, at %s", a->warmed,
	    e->has_time ? time_format(e->time, when, sizeof when) : "?");
}

/* An event of a book before T: applied, as mkt-book would. */
static void
warm(struct anchor *a, const struct jr_event *e)
{
	char why[256];

	progress(a, e);
	if (a->ev.type != EV_SNAPSHOT && a->ev.type != EV_DEPTH)
		return;
	if (event_fields(&a->ev, why, sizeof why) < 0)
		return;		/* a bad line: mkt-book skips it too */
	if (bookset_feed(&a->bs, &a->ev, &a->scratch, why, sizeof why) < 0 &&
	    errno == ENOMEM)
		die_nomem();
	buf_reset(&a->scratch);
}

/* T reached for book b: its book, when valid, into a->snap. */
static int
anchor_book(struct anchor *a, struct abook *b, const char *key, size_t n)
{
	struct book *bk = keymap_get(&a->bs.map, key, n);
	char when[40];

	b->live = 1;
	if (!bk || !book_valid(bk)) {
		a->missing++;
		warn("%s: no valid book at %s: its events follow as "
		    "recorded, without a snapshot first", b->name,
		    time_format(a->from, when, sizeof when));
		return 0;
	}
	buf_reset(&a->snap);
	book_render_snapshot(&a->snap, bk);
	if (buf_failed(&a->snap))
		die_nomem();
	return 1;
}

/* What to do with a journal event. */
static int
classify(struct anchor *a, const struct jr_event *e)
{
	char why[256], key[512];
	size_t n = 0;
	int parsed = event_parse_for(e->line, e->len, &a->ev,
	    EV_BIT(EV_SNAPSHOT) | EV_BIT(EV_DEPTH), why, sizeof why) == 0;
	struct abook *b = parsed ? book_of(a, &a->ev, key, sizeof key, &n) :
	    NULL;
	int before = !e->has_time || e->time < a->from;
	int in_range = e->has_time && e->time < a->to;
	int sel = type_wanted(a, &a->ev, parsed);

	if (!b)
		return !before && in_range && sel ? PASS : SKIP;
	/* After its anchor a book's events all pass, whatever their time
	 * (a venue snapshot may be stamped after the depth that follows
	 * it): a gap would break the book downstream. */
	if (b->live)
		return sel && (!e->has_time || e->time < a->to) ? PASS : SKIP;
	if (e->seq < b->start_seq)
		return SKIP;
	if (before) {
		warm(a, e);
		return SKIP;
	}
	if (anchor_book(a, b, key, n)) {
		if (sel && in_range) {
			a->held = *e;
			a->has_held = 1;
		}
		return ANCHORED;
	}
	return sel && in_range ? PASS : SKIP;
}

int
anchor_next(struct anchor *a, struct jr_event *ev)
{
	struct jr_event e;
	int r;

	if (a->has_held) {
		a->has_held = 0;
		*ev = a->held;
		return JR_EVENT;
	}
	for (;;) {
		r = jr_next(a->jr, &e);
		if (r != JR_EVENT)
			return r;
		switch (classify(a, &e)) {
		case PASS:
			*ev = e;
			return JR_EVENT;
		case ANCHORED:
			memset(ev, 0, sizeof *ev);
			ev->line = a->snap.p;
			ev->len = a->snap.len - 1;
			ev->seq = e.seq;
			ev->count = 1;
			ev->has_time = 1;
			ev->time = e.has_time ? e.time : a->from;
			return JR_EVENT;
		default:
			break;
		}
	}
}
