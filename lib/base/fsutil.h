/*
 * fsutil: the small file and memory helpers every layer needs once:
 * whole writes, growing arrays without overflow, durable directories.
 */
#ifndef MKT_FSUTIL_H
#define MKT_FSUTIL_H

#include <stddef.h>

#include "attr.h"

struct buf;

/*
 * Write all of p[0..n) to fd, through partial writes and EINTR; on a
 * descriptor someone made non-blocking, wait until it is writable.
 * 0, or -1 with errno from write(2) or poll(2).
 */
int fs_write_all(int fd, const void *p, size_t n) WUR;

/*
 * Make room for need elements of size bytes in *p (capacity *cap
 * elements), doubling from 16.  0, or -1 with errno ENOMEM (also when
 * need * size would overflow); *p and *cap are unchanged on failure.
 */
int fs_grow(void **p, size_t *cap, size_t need, size_t size) WUR;

/*
 * fsync a directory, so that names created or renamed in it last.
 * EINVAL (a file system that cannot) counts as done.  0, or -1 with
 * errno.
 */
int fs_sync_dir(const char *dir) WUR;

/*
 * Append the whole of the file at path to b, at most max bytes: 0, or -1
 * with errno (EFBIG past max, ENOMEM when b cannot grow, or open(2)'s and
 * read(2)'s).  b keeps what it held before on failure only in part.
 */
int fs_read_file(const char *path, size_t max, struct buf *b) WUR;

#endif
