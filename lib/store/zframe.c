/*
 * zframe: journal zstd frames (see zframe.h).
 *
 * The frame header is read by hand (RFC 8878, 3.1.1) for the two flags
 * the journal insists on, so that only zstd's stable API is needed.
 */
#include <errno.h>
#include <string.h>

#include <zstd_errors.h>

#include "zframe.h"

#define ZSTD_MAGIC 0xFD2FB528u

int
zframe_cctx(ZSTD_CCtx **c, int level)
{
	ZSTD_CCtx *z;

	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
		errno = EINVAL;
		return -1;
	}
	z = ZSTD_createCCtx();
	if (!z) {
		errno = ENOMEM;
		return -1;
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel,
	    level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag,
	    1))) {
		ZSTD_freeCCtx(z);
		errno = EINVAL;
		return -1;
	}
	*c = z;
	return 0;
}

size_t
zframe_bound(size_t n)
{
	return ZSTD_compressBound(n);
}

int
zframe_compress(ZSTD_CCtx *c, void *dst, size_t cap, const void *src,
    size_t n, size_t *out)
{
	size_t r = ZSTD_compress2(c, dst, cap, src, n);

	if (ZSTD_isError(r)) {
		errno = ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ?
		    ENOMEM : EINVAL;
		return -1;
	}
	*out = r;
	return 0;
}

#define ZFRAME_BLOCK_MAX (128u << 10)	/* content of one zstd block */

/* The frame header's size from its descriptor byte, or 0 when unusable. */
static size_t
header_size(unsigned char fhd)
{
	static const size_t did[4] = { 0, 1, 2, 4 };
	static const size_t fcs[4] = { 0, 2, 4, 8 };
	unsigned fcs_flag = fhd >> 6, single = (fhd >> 5) & 1;
	size_t n = 4 + 1 + (single ? 0 : 1) + did[fhd & 3] + fcs[fcs_flag];

	if (fcs_flag == 0 && single)
		n += 1;
	return n;
}

int
zframe_probe(const void *p, size_t n, size_t *len, uint64_t *raw_len,
    const char **why)
{
	const unsigned char *b = p;
	unsigned long long cs;
	size_t hs, fs;
	uint32_t magic;

	if (n < 5)
		return ZFRAME_SHORT;
	magic = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
	if (magic != ZSTD_MAGIC) {
		*why = (magic & 0xFFFFFFF0u) == 0x184D2A50u ?
		    "skippable frame" : "no zstd frame here (bad magic number)";
		return ZFRAME_BAD;
	}
	if (b[4] & 0x08) {
		*why = "bad frame header (reserved bit set)";
		return ZFRAME_BAD;
	}
	if (!(b[4] & 0x04)) {
		*why = "frame without a checksum";
		return ZFRAME_BAD;
	}
	hs = header_size(b[4]);
	if (n < hs)
		return ZFRAME_SHORT;
	cs = ZSTD_getFrameContentSize(p, n);
	if (cs == ZSTD_CONTENTSIZE_UNKNOWN) {
		*why = "frame without a content size";
		return ZFRAME_BAD;
	}
	if (cs == ZSTD_CONTENTSIZE_ERROR) {
		*why = "bad frame header";
		return ZFRAME_BAD;
	}
	if (cs > ZFRAME_MAX_RAW) {
		*why = "frame content size out of range";
		return ZFRAME_BAD;
	}
	fs = ZSTD_findFrameCompressedSize(p, n);
	if (ZSTD_isError(fs)) {
		if (ZSTD_getErrorCode(fs) == ZSTD_error_srcSize_wrong)
			return ZFRAME_SHORT;
		*why = ZSTD_getErrorName(fs);
		return ZFRAME_BAD;
	}
	/*
	 * Each block holds at most 128 KiB of content and costs at least 4
	 * bytes (header, one RLE byte): a content size beyond that is a lie
	 * that would make a reader allocate it.
	 */
	if (cs > ((unsigned long long)fs / 4 + 1) * ZFRAME_BLOCK_MAX) {
		*why = "frame content size larger than its blocks can hold";
		return ZFRAME_BAD;
	}
	*len = fs;
	*raw_len = cs;
	return ZFRAME_OK;
}

int
zframe_decompress(ZSTD_DCtx *d, void *dst, uint64_t raw_len, const void *p,
    size_t len, const char **why)
{
	size_t r = ZSTD_decompressDCtx(d, dst, (size_t)raw_len, p, len);

	if (ZSTD_isError(r)) {
		*why = ZSTD_getErrorName(r);
		return -1;
	}
	if (r != raw_len) {
		*why = "content size mismatch";
		return -1;
	}
	return 0;
}
