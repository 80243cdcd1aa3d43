/*
 * bookset: books per symbol and interval windows (see bookset.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bookset.h"

void
bookset_init(struct bookset *bs, const char *source, int64_t interval,
    bookset_render_fn *render, void *ctx)
{
	memset(bs, 0, sizeof *bs);
	keymap_init(&bs->map);
	bs->source = source;
	bs->interval = interval;
	bs->render = render;
	bs->ctx = ctx;
}

void
bookset_rules(struct bookset *bs, seq_rule_fn *rule_of)
{
	bs->rule_of = rule_of;
}

void
bookset_free(struct bookset *bs)
{
	size_t i;

	for (i = 0; i < bs->map.n; i++)
		book_free(bs->map.e[i].val);
	keymap_free(&bs->map);
	levels_free(&bs->bids);
	levels_free(&bs->asks);
	free(bs->pending);
}

int
bookset_wants(enum ev_type t)
{
	return t == EV_SNAPSHOT || t == EV_DEPTH || t == EV_BOOK ||
	    t == EV_TICKER;
}

/* The book of the event's symbol; created unless create is 0. */
static struct book *
find_book(struct bookset *bs, const struct event *ev, int create)
{
	char key[512];
	size_t n = keymap_key3(key, sizeof key, ev->venue->p, ev->venue->n,
	    ev->market->p, ev->market->n, ev->symbol->p, ev->symbol->n);
	struct book *b;

	errno = 0;
	if (!n) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	b = keymap_get(&bs->map, key, n);
	if (b || !create)
		return b;
	b = book_new(ev->venue->p, ev->venue->n, ev->market->p, ev->market->n,
	    ev->symbol->p, ev->symbol->n);
	if (!b)
		return NULL;
	if (bs->rule_of) {
		const struct seq_rule *r = bs->rule_of(ev->venue->p,
		    ev->venue->n, ev->market->p, ev->market->n);

		if (r)
			b->rule = r;
	}
	if (keymap_put(&bs->map, key, n, b) < 0) {
		book_free(b);
		return NULL;
	}
	return b;
}

static void
flush_window(struct bookset *bs, struct buf *out)
{
	size_t i;

	for (i = 0; i < bs->npending; i++) {
		struct book *b = bs->pending[i];
		int64_t t = b->time;
		unsigned has = b->has;

		/* A book that broke after changing has nothing to show. */
		if (b->pending && book_valid(b)) {
			/* Like a candle: the state at the window's close,
			 * stamped with its start, so every symbol of one
			 * window carries the same time. */
			if (bs->have_window) {
				b->time = bs->window * bs->interval;
				b->has |= EV_HAS_TIME;
			}
			bs->render(bs->ctx, out, b);
			b->time = t;
			b->has = has;
		}
		b->pending = 0;
	}
	bs->npending = 0;
}

/* Move to the event's window, emitting the one that ends. */
static void
advance_window(struct bookset *bs, const struct event *ev, struct buf *out)
{
	int64_t w;

	if (!bs->interval || !(ev->has & EV_HAS_TIME))
		return;
	/* Floor division: times before 1970 are odd but not wrong. */
	w = ev->time / bs->interval - (ev->time % bs->interval < 0);
	if (bs->have_window && w <= bs->window)
		return;
	flush_window(bs, out);
	bs->window = w;
	bs->have_window = 1;
}

static int
mark_changed(struct bookset *bs, struct book *b, struct buf *out)
{
	if (!bs->interval) {
		bs->render(bs->ctx, out, b);
		return 0;
	}
	if (b->pending)
		return 0;
	if (bs->npending == bs->cap) {
		size_t cap = bs->cap ? bs->cap * 2 : 16;
		struct book **p = realloc(bs->pending, cap * sizeof *p);

		if (!p)
			return -1;
		bs->pending = p;
		bs->cap = cap;
	}
	bs->pending[bs->npending++] = b;
	b->pending = 1;
	return 0;
}

static int
decode_sides(struct bookset *bs, const struct event *ev, char *why,
    size_t whylen)
{
	if (event_levels(ev->bids, &bs->bids, "bids", why, whylen) < 0 ||
	    event_levels(ev->asks, &bs->asks, "asks", why, whylen) < 0)
		return -1;
	return 0;
}

/* Render what a verdict calls for; mark a valid changed book. */
static int
handle_verdict(struct bookset *bs, struct book *b, int v,
    const struct book_status *st, struct buf *out)
{
	switch (v) {
	case BOOK_BROKEN:
		/* Only the first reason of an invalid spell is news. */
		if (!b->reported) {
			book_render_status(out, b, bs->source, st);
			bs->invalid++;
		}
		b->reported = 1;
		return 0;
	case BOOK_RESTORED:
		book_render_synced(out, b, bs->source);
		bs->restored++;
		b->ckpt_dirty = 1;
		return mark_changed(bs, b, out);
	case BOOK_APPLIED:
		b->ckpt_dirty = 1;
		return mark_changed(bs, b, out);
	default:
		return 0;
	}
}

int
bookset_feed(struct bookset *bs, struct event *ev, struct buf *out,
    char *why, size_t whylen)
{
	struct book_status st;
	struct book *b;
	int v;

	errno = 0;
	if (ev->type != EV_TICKER && decode_sides(bs, ev, why, whylen) < 0)
		return -1;
	advance_window(bs, ev, out);
	b = find_book(bs, ev, ev->type != EV_TICKER);
	if (!b) {
		if (ev->type == EV_TICKER && errno != ENAMETOOLONG)
			return 0;
		snprintf(why, whylen, "%s", errno == ENAMETOOLONG ?
		    "venue, market and symbol too long" : "out of memory");
		return -1;
	}
	switch (ev->type) {
	case EV_TICKER:
		v = book_check_ticker(b, ev, &st);
		if (v == BOOK_BROKEN)
			return handle_verdict(bs, b, v, &st, out);
		return 0;
	case EV_DEPTH:
		v = book_depth(b, ev, &bs->bids, &bs->asks, &st);
		break;
	default:
		v = book_snapshot(b, ev, &bs->bids, &bs->asks, &st);
		break;
	}
	if (v < 0 || handle_verdict(bs, b, v, &st, out) < 0) {
		snprintf(why, whylen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
bookset_finish(struct bookset *bs, struct buf *out)
{
	flush_window(bs, out);
}

void
bookset_checkpoints(struct bookset *bs, int64_t every)
{
	bs->ckpt_every = every;
}

void
bookset_checkpoint_due(struct bookset *bs, const struct event *ev,
    struct buf *out)
{
	int64_t w;
	size_t i;

	if (!bs->ckpt_every || !(ev->has & EV_HAS_TIME))
		return;
	w = ev->time / bs->ckpt_every - (ev->time % bs->ckpt_every < 0);
	if (bs->have_ckpt_window && w <= bs->ckpt_window)
		return;
	/* The first period starts with the stream: nothing to save yet. */
	if (bs->have_ckpt_window)
		for (i = 0; i < bs->map.n; i++) {
			struct book *b = bs->map.e[i].val;

			/* A fresh book's snapshot is in the stream already:
			 * it is the anchor. */
			if (b->state != BOOK_LIVE || !b->ckpt_dirty)
				continue;
			book_render_snapshot(out, b);
			b->ckpt_dirty = 0;
		}
	bs->ckpt_window = w;
	bs->have_ckpt_window = 1;
}
