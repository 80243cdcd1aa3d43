/*
 * simmarket_int.h: what the two halves of simmarket share, private to
 * lib/sim: simmarket.c (params, the sides, given steps, diffs,
 * rendering) and simgen.c (the generated market: its profile and
 * steps).
 */
#ifndef MKT_SIMMARKET_INT_H
#define MKT_SIMMARKET_INT_H

#include "simmarket.h"

/* A level a generated step touched: its quantity before the step
 * (0: none) and when it was touched (the first touch counts). */
struct sm_touch {
	int64_t px;
	int64_t before;
	size_t seq;
};

/* Is price a better than price b on this side? */
int sm_better(int bid, int64_t a, int64_t b);

/* Where px is in s (stored best last), or where it would go; *found
 * says which. */
size_t sm_find(const struct sm_side *s, int bid, int64_t px, int *found);

/* Set a level (qty 0 removes it); no room: nothing.  Remove the level
 * stored at index i. */
void sm_set(struct sm_side *s, int bid, int64_t px, int64_t qty);
void sm_remove(struct sm_side *s, size_t i);

/* Room for the touches of one generated step of each side. */
size_t sm_touch_cap(const struct sm_params *p);

/* simgen.c: the first book, mid and ids of a generated market (sides
 * allocated); the whole-book diff of its last step. */
void simgen_init(struct simmarket *m);
void simgen_diff(struct simmarket *m, struct sm_diff *d);

#endif
