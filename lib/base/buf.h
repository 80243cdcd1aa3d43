/*
 * buf: one growable byte buffer with a hard maximum.
 *
 * Appends are "sticky": once an append fails (the maximum would be passed,
 * or memory ran out) the buffer is marked failed, further appends do
 * nothing, and buf_failed() says so.  Rendering code appends freely and
 * checks once at the end, which keeps the hot path free of branches on
 * every piece while still checking every error.  The buffer owns its
 * memory; buf_free() releases it, buf_reset() keeps it for reuse.
 */
#ifndef MKT_BUF_H
#define MKT_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "attr.h"

struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;	/* hard limit on len; 0 means SIZE_MAX/2 */
	int failed;	/* 0, ENOMEM or E2BIG */
};

void buf_init(struct buf *b, size_t max);

/*
 * Copy the string src into dst[0..cap), NUL-terminated: 0, or -1 when
 * it did not fit (dst then holds what fit).  For fixed-size fields.
 */
int str_copy(char *dst, size_t cap, const char *src) WUR;
void buf_free(struct buf *b);

/* Make room for n more bytes; 0, or -1 (and failed set) when impossible. */
int buf_grow(struct buf *b, size_t n) WUR;

static inline void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
}

static inline int
buf_failed(const struct buf *b)
{
	return b->failed;
}

static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	/* An empty piece may come from a buffer never written (p NULL). */
	if (n == 0)
		return;
	if (b->cap - b->len < n && buf_grow(b, n) < 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void
buf_addc(struct buf *b, char c)
{
	if (b->cap == b->len && buf_grow(b, 1) < 0)
		return;
	b->p[b->len++] = c;
}

static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addi(struct buf *b, int64_t v);
void buf_addf(struct buf *b, const char *fmt, ...) ERR_PRINTF(2, 3);
/* A JSON string with quotes, escaping what JSON requires. */
void buf_add_jstr(struct buf *b, const char *s, size_t n);

#endif
