/*
 * paper_int: what the parts of the paper venue share (paper.c: books
 * and fills; paper_order.c: trades, placing, canceling; paper_save.c:
 * the saved text).  Not for use outside lib/venue/paper/.
 */
#ifndef MKT_PAPER_INT_H
#define MKT_PAPER_INT_H

#include <stdint.h>

#include "paper.h"
#include "base/keymap.h"
#include "market/book.h"
#include "market/bookset.h"

struct pbook;

/* One order, from placement on; never freed before paper_close(). */
struct porder {
	struct pbook *pb;		/* where it rests (or rested) */
	char client_id[VT_ID_LEN], order_id[VT_ID_LEN];
	char symbol[VT_SYMBOL_LEN];
	enum vt_side side;
	enum vt_kind kind;
	enum vt_tif tif;
	struct fx qty, price;		/* price 0 for a market order */
	struct fx filled, notional;	/* sum of qty and of price * qty */
	struct fx ahead;		/* queue estimate before it */
	struct fx used;			/* crossing quantity taken */
	struct fx before;		/* scratch: its level before */
	const char *status;		/* mkt's status word (static) */
	int resting;
};

/* The orders resting on one book, in the order they came to rest. */
struct pbook {
	struct porder **rest;		/* canceled ones too, until compacted */
	size_t n, cap;
	size_t dead;			/* canceled, not yet compacted */
	size_t keylen;
	/* venue\0market\0symbol\0: the first keylen bytes are the
	 * bookset's key. */
	char key[];
};

struct paper {
	struct fx maker, taker;
	struct bookset bs;
	struct buf scratch;		/* bookset's status lines */
	struct keymap orders;		/* client id -> struct porder */
	struct keymap books;		/* key -> struct pbook */
	uint64_t nplace, nfill;
	int64_t last_time;		/* of the last market event */
};

struct fx paper_level_qty(const struct book *b, enum vt_side side,
    struct fx price);
void paper_order_state(const struct porder *o, int64_t t,
    struct vt_update *u);
int paper_fill(struct paper *p, struct porder *o, struct fx px, struct fx q,
    int maker, int64_t t, struct vt_updates *out) WUR;
int paper_remaining(const struct porder *o, struct fx *left) WUR;
void paper_compact(struct pbook *pb);
/* The pbook of venue:market:symbol; created when create is set.  NULL
 * with errno (ENAMETOOLONG, ENOMEM) or when absent. */
struct pbook *paper_pbook(struct paper *p, const char *venue,
    const char *market, const char *symbol, int create);
int paper_rest(struct pbook *pb, struct porder *o) WUR;
/* The opposite side's quantity at or through limit (has_limit 0: all of
 * it); 0 for a book out of sync.  0, or -1 on overflow. */
int paper_crossing(const struct book *b, enum vt_side side, int has_limit,
    struct fx limit, struct fx *sum) WUR;
int paper_take(struct paper *p, struct porder *o, const struct book *b,
    int64_t t, struct vt_updates *out) WUR;
struct fx paper_min(struct fx a, struct fx b);
int paper_trade(struct paper *p, struct event *ev, struct vt_updates *out,
    char *why, size_t whylen) WUR;

#endif
