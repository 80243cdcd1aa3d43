/*
 * qs: query strings split and decoded into a fixed store (qs.h).
 */
#include <errno.h>
#include <string.h>

#include "base/qs.h"

void
qs_init(struct qs *q)
{
	q->n = 0;
	q->used = 0;
	q->bad[0] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Remember the name for the error, cut to fit, then fail with e. */
static int
fail(struct qs *q, const char *name, size_t n, int e)
{
	size_t i, k = 0;

	for (i = 0; i < n && k < QS_NAME_MAX; i++)
		if (name_char((unsigned char)name[i]))
			q->bad[k++] = name[i];
	q->bad[k] = '\0';
	errno = e;
	return -1;
}

/*
 * Decode s[0..n) into the store, NUL-terminated; dec: percent escapes
 * and '+' are decoded (else s is taken as it is).  The start in the
 * store, or NULL with errno.
 */
static const char *
put(struct qs *q, const char *s, size_t n, int dec)
{
	char *start = q->store + q->used, *d = start;
	char *end = q->store + QS_BYTES;
	size_t i;
	int hi, lo;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (dec && c == '+') {
			c = ' ';
		} else if (dec && c == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0) {
				errno = EINVAL;
				return NULL;
			}
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f) {
			errno = EINVAL;
			return NULL;
		}
		if (d == end) {
			errno = E2BIG;
			return NULL;
		}
		*d++ = (char)c;
	}
	if (d == end) {
		errno = E2BIG;
		return NULL;
	}
	*d++ = '\0';
	q->used = (size_t)(d - q->store);
	return start;
}

static int
add_piece(struct qs *q, const char *s, size_t n, int dec)
{
	const char *eq = memchr(s, '=', n);
	size_t nn = eq ? (size_t)(eq - s) : n, i;
	const char *name, *val;

	if (n == 0)
		return 0;
	if (nn == 0 || nn > QS_NAME_MAX)
		return fail(q, s, nn, EINVAL);
	for (i = 0; i < nn; i++)
		if (!name_char((unsigned char)s[i]))
			return fail(q, s, nn, EINVAL);
	if (q->n == QS_MAX)
		return fail(q, s, nn, E2BIG);
	/* Names are plain characters: decoding them changes nothing. */
	if ((name = put(q, s, nn, 0)) == NULL)
		return fail(q, s, nn, errno);
	if (qs_get(q, name) != NULL)
		return fail(q, s, nn, EINVAL);
	val = eq ? put(q, eq + 1, n - nn - 1, dec) : put(q, "", 0, 0);
	if (val == NULL)
		return fail(q, s, nn, errno);
	q->name[q->n] = name;
	q->val[q->n] = val;
	q->n++;
	return 0;
}

int
qs_parse(struct qs *q, const char *s, size_t n)
{
	const char *amp;
	size_t k;

	while (n > 0) {
		amp = memchr(s, '&', n);
		k = amp ? (size_t)(amp - s) : n;
		if (add_piece(q, s, k, 1) < 0)
			return -1;
		if (!amp)
			break;
		s += k + 1;
		n -= k + 1;
	}
	return 0;
}

int
qs_add(struct qs *q, const char *s, size_t n)
{
	return add_piece(q, s, n, 0);
}

const char *
qs_get(const struct qs *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->name[i], name) == 0)
			return q->val[i];
	return NULL;
}

int
qs_unknown(const struct qs *q, const char *const *known)
{
	size_t i, k;

	for (i = 0; i < q->n; i++) {
		for (k = 0; known[k]; k++)
			if (strcmp(q->name[i], known[k]) == 0)
				break;
		if (!known[k])
			return (int)i;
	}
	return -1;
}
