/*
 * qs: the query string of an HTTP request (RFC 3986 §3.4, with the
 * application/x-www-form-urlencoded '+'), split into name=value
 * parameters and percent-decoded into a fixed store: no allocation, a
 * hard limit on parameters and bytes, so a hostile URL costs a bounded
 * amount and is refused whole rather than read in part.
 *
 * A name is 1 to QS_NAME_MAX bytes of [A-Za-z0-9_.-]; a value may be
 * empty ("a=" and "a" both give ""); empty pieces ("a=1&&b=2") are
 * skipped; a name given twice is refused (a server must not pick one of
 * two answers silently).  A decoded value may not hold NUL or another
 * control character.
 */
#ifndef MKT_QS_H
#define MKT_QS_H

#include <stddef.h>

#include "base/attr.h"

#define QS_MAX 16		/* parameters */
#define QS_NAME_MAX 32		/* bytes of a name */
#define QS_BYTES 4096		/* decoded names and values, NULs included */

struct qs {
	size_t n;
	const char *name[QS_MAX];
	const char *val[QS_MAX];
	size_t used;
	char store[QS_BYTES];
	/* The parameter the last failure was about ("" when none is
	 * known), for the caller's error. */
	char bad[QS_NAME_MAX + 1];
};

/* Empty q. */
void qs_init(struct qs *q);

/*
 * Add the parameters of the raw query string s (n bytes, without the
 * '?'): percent-decoded, '+' as a space.  0, or -1 with errno EINVAL (a
 * bad escape, name or character, a repeated name) or E2BIG (too many
 * parameters or bytes), q->bad naming the parameter when it can; q is
 * then unusable until qs_init().
 */
int qs_parse(struct qs *q, const char *s, size_t n) WUR;

/*
 * Add one parameter "name=value" (n bytes) already decoded, as a server
 * library hands them over.  As qs_parse() for the errors.
 */
int qs_add(struct qs *q, const char *s, size_t n) WUR;

/* The value of name, or NULL when the query has none. */
const char *qs_get(const struct qs *q, const char *name);

/* The index of the first parameter whose name is not in the NULL-ended
 * list known, or -1 when every one is known. */
int qs_unknown(const struct qs *q, const char *const *known);

#endif
