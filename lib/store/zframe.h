/*
 * zframe: single zstd frames as the journal writes and checks them
 * (mkt-journal(5)): every frame carries its content size in the header
 * and a checksum at its end, so that each one can be found, sized and
 * verified on its own in a segment that is a plain concatenation of
 * frames.
 */
#ifndef MKT_ZFRAME_H
#define MKT_ZFRAME_H

#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "base/attr.h"

/* Content sizes above this are taken for damage, not data. */
#define ZFRAME_MAX_RAW (1ull << 32)

/*
 * A compression context set up for journal frames: level (1..19, or
 * ZSTD's negative fast levels), checksum and content size on.  Sets *c;
 * returns 0, or -1 with errno (ENOMEM, EINVAL for a bad level).  The
 * caller frees it with ZSTD_freeCCtx().
 */
int zframe_cctx(ZSTD_CCtx **c, int level) WUR;

/* The most bytes zframe_compress() can produce from n. */
size_t zframe_bound(size_t n);

/*
 * Compress src[0..n) into one frame at dst (cap >= zframe_bound(n));
 * *out is its size.  0, or -1 with errno (ENOMEM, EINVAL).
 */
int zframe_compress(ZSTD_CCtx *c, void *dst, size_t cap, const void *src,
    size_t n, size_t *out) WUR;

enum zframe_probe {
	ZFRAME_OK = 0,		/* a whole frame: *len and *raw_len set */
	ZFRAME_SHORT = 1,	/* p[0..n) ends inside the frame */
	ZFRAME_BAD = -1,	/* not a journal frame: *why says why */
};

/*
 * Look at the frame that starts at p (n bytes available): its compressed
 * size from the block headers and its content size from the frame
 * header.  A frame without a checksum or a content size, a skippable
 * frame and anything that is not a zstd frame are ZFRAME_BAD.  Nothing
 * is decompressed: the checksum is checked by zframe_decompress().
 */
int zframe_probe(const void *p, size_t n, size_t *len, uint64_t *raw_len,
    const char **why);

/*
 * Decompress the one frame p[0..len) into dst[0..raw_len), checking the
 * checksum and that the content is exactly raw_len bytes.  0, or -1 with
 * *why (a static string: zstd's error name or "content size mismatch").
 */
int zframe_decompress(ZSTD_DCtx *d, void *dst, uint64_t raw_len,
    const void *p, size_t len, const char **why) WUR;

#endif
