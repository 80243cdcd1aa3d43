/*
 * keymap: a hash map from byte-string keys to pointers, for finding the
 * state kept per (venue, market, symbol).  Keys are copied; values are
 * the caller's.  Insertion order is kept, so iterating gives a stable,
 * reproducible output order.
 */
#ifndef MKT_KEYMAP_H
#define MKT_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#include "attr.h"

struct keymap_entry {
	char *key;
	size_t len;
	uint64_t hash;
	void *val;
};

struct keymap {
	struct keymap_entry *e;	/* in insertion order */
	size_t n, cap;
	uint32_t *slot;		/* index+1 into e, 0 = empty */
	size_t nslot;		/* a power of two */
	size_t last;		/* index+1 of the last hit: runs of one key */
};

void keymap_init(struct keymap *m);
/* Frees the keys and the table, not the values. */
void keymap_free(struct keymap *m);

/* The value stored under key, or NULL. */
void *keymap_get(struct keymap *m, const char *key, size_t len);

/* Store val under a new key (not present). 0, or -1 with errno ENOMEM. */
int keymap_put(struct keymap *m, const char *key, size_t len, void *val) WUR;

/*
 * Build the usual key "venue\0market\0symbol" into dst (cap bytes).
 * Returns its length, or 0 when it does not fit.
 */
size_t keymap_key3(char *dst, size_t cap, const char *a, size_t an,
    const char *b, size_t bn, const char *c, size_t cn);

#endif
