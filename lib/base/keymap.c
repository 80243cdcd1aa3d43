/*
 * keymap: open addressing over an insertion-ordered entry array.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"

static uint64_t
hash_bytes(const char *p, size_t n)
{
	/* FNV-1a: keys are short and few; quality matters less than speed. */
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= (unsigned char)*p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
keymap_init(struct keymap *m)
{
	memset(m, 0, sizeof *m);
}

void
keymap_free(struct keymap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->e[i].key);
	free(m->e);
	free(m->slot);
	keymap_init(m);
}

static int
same(const struct keymap_entry *e, const char *key, size_t len, uint64_t h)
{
	return e->hash == h && e->len == len && memcmp(e->key, key, len) == 0;
}

void *
keymap_get(struct keymap *m, const char *key, size_t len)
{
	uint64_t h;
	size_t i, mask;

	if (m->last) {
		const struct keymap_entry *e = &m->e[m->last - 1];

		if (e->len == len && memcmp(e->key, key, len) == 0)
			return e->val;
	}
	if (!m->nslot)
		return NULL;
	h = hash_bytes(key, len);
	mask = m->nslot - 1;
	for (i = h & mask; m->slot[i]; i = (i + 1) & mask) {
		const struct keymap_entry *e = &m->e[m->slot[i] - 1];

		if (same(e, key, len, h)) {
			m->last = m->slot[i];
			return e->val;
		}
	}
	return NULL;
}

static int
rehash(struct keymap *m, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof *slot);
	size_t i, j;

	if (!slot)
		return -1;
	for (i = 0; i < m->n; i++) {
		for (j = m->e[i].hash & (nslot - 1); slot[j];
		    j = (j + 1) & (nslot - 1))
			;
		slot[j] = (uint32_t)(i + 1);
	}
	free(m->slot);
	m->slot = slot;
	m->nslot = nslot;
	return 0;
}

int
keymap_put(struct keymap *m, const char *key, size_t len, void *val)
{
	struct keymap_entry *e;
	size_t j;

	if (m->n == UINT32_MAX - 1) {
		errno = ENOMEM;
		return -1;
	}
	if ((m->n + 1) * 2 > m->nslot &&
	    rehash(m, m->nslot ? m->nslot * 2 : 64) < 0)
		return -1;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;

		e = realloc(m->e, cap * sizeof *e);
		if (!e)
			return -1;
		m->e = e;
		m->cap = cap;
	}
	e = &m->e[m->n];
	e->key = malloc(len ? len : 1);
	if (!e->key)
		return -1;
	memcpy(e->key, key, len);
	e->len = len;
	e->hash = hash_bytes(key, len);
	e->val = val;
	for (j = e->hash & (m->nslot - 1); m->slot[j];
	    j = (j + 1) & (m->nslot - 1))
		;
	m->slot[j] = (uint32_t)(m->n + 1);
	m->n++;
	return 0;
}

size_t
keymap_key3(char *dst, size_t cap, const char *a, size_t an, const char *b,
    size_t bn, const char *c, size_t cn)
{
	size_t n = an + bn + cn + 2;

	if (n > cap)
		return 0;
	memcpy(dst, a, an);
	dst[an] = '\0';
	memcpy(dst + an + 1, b, bn);
	dst[an + 1 + bn] = '\0';
	memcpy(dst + an + bn + 2, c, cn);
	return n;
}
