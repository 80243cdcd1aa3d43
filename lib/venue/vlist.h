/*
 * vlist: a list of targets, one a line, as mkt-feed --symbols-file
 * reads it: VENUE:MARKET:SYMBOL, or VENUE:MARKET:PATTERN where the
 * pattern is a shell glob (fnmatch(3): * ? [...]) over the market's
 * instrument list ("binance:spot:*USDT").  A '#' starts a comment;
 * blank lines and the blanks around a target are ignored.
 */
#ifndef MKT_VLIST_H
#define MKT_VLIST_H

#include <stddef.h>

#include "base/attr.h"
#include "venue/venue.h"

struct vlist_item {
	struct venue_target t;	/* t.symbol: the symbol or the pattern */
	int pattern;		/* t.symbol is a pattern */
	int line;		/* where it was read, from 1 */
};

struct vlist {
	struct vlist_item *v;
	size_t n, cap;
	size_t patterns;	/* how many items are patterns */
};

void vlist_init(struct vlist *l);
void vlist_free(struct vlist *l);

/*
 * Append one target or pattern, spec (line: where it came from).  0, or
 * -1 with the reason in why (l as it was); out of memory is errno
 * ENOMEM.
 */
int vlist_add(struct vlist *l, const char *spec, int line, char *why,
    size_t whylen) WUR;

/*
 * Append the targets of a whole file text[0..n).  0, or -1 with the
 * reason in why, starting "line N: " (l as it was: all or nothing).
 */
int vlist_parse(struct vlist *l, const char *text, size_t n, char *why,
    size_t whylen) WUR;

/* Does the item (a pattern or a symbol) take the symbol? */
int vlist_match(const struct vlist_item *it, const char *symbol);

#endif
