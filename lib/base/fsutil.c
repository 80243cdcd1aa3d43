/* fsutil: whole writes, checked growth, durable directories. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"

static int
wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int r;

	do
		r = poll(&pfd, 1, -1);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

int
fs_write_all(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (wait_writable(fd) < 0)
					return -1;
				continue;
			}
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fs_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	if (size == 0 || need > SIZE_MAX / size)
		goto nomem;
	while (c < need)
		c = c > SIZE_MAX / 2 ? need : c * 2;
	if (c > SIZE_MAX / size)
		c = need;
	q = realloc(*p, c * size);
	if (!q)
		goto nomem;
	*p = q;
	*cap = c;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

int
fs_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e;

	if (fd < 0)
		return -1;
	if (fsync(fd) < 0 && errno != EINVAL) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int
fs_read_file(const char *path, size_t max, struct buf *b)
{
	char chunk[65536];
	size_t got = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || got + (size_t)r > max) {
			if (r >= 0)
				errno = EFBIG;
			close(fd);
			return -1;
		}
		got += (size_t)r;
		buf_add(b, chunk, (size_t)r);
	}
	if (buf_failed(b)) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	return close(fd);
}
