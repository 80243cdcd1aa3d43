/*
 * fuzz_fixed: libFuzzer harness for the exact decimal parsers (fx_scan()
 * must agree with fx_parse() on the bytes it takes).  Whatever
 * fx_parse() accepts must print within FX_BUFSZ bytes, without an
 * exponent or trailing fractional zeros, and parse back to the same
 * value; sums with zero and with itself stay exact.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fixed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

/*
 * fx_scan() on the same bytes: where it stops, what it read must be what
 * fx_parse() makes of those bytes; over the whole input, the same result.
 */
static void
scan_agrees(const char *p, size_t n, int rc, const struct fx *a)
{
	const char *stop = NULL;
	struct fx v, w;
	int r, r2;

	r = fx_scan(p, p + n, &v, &stop);
	check(stop >= p && stop <= p + n);
	r2 = fx_parse(p, (size_t)(stop - p), &w);
	check(r == r2);
	if (r == FX_OK)
		check(v.m == w.m && v.s == w.s);
	if (stop == p + n) {
		check(r == rc);
		if (r == FX_OK)
			check(v.m == a->m && v.s == a->s);
	} else {
		/* A number cannot continue with the byte where it stopped. */
		check(r != FX_OK || !((*stop >= '0' && *stop <= '9') ||
		    *stop == '.' || *stop == 'e' || *stop == 'E'));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fx zero = { 0, 0 };
	struct fx a, b, t, r;
	char s[FX_BUFSZ + 1], s2[FX_BUFSZ + 1], copy[128];
	size_t n, n2;
	struct buf o;
	double x, y;
	int rc;

	rc = fx_parse((const char *)data, size, &a);
	check(rc == FX_OK || rc == FX_SYNTAX || rc == FX_RANGE);
	scan_agrees((const char *)data, size, rc, &a);
	if (rc != FX_OK)
		return 0;
	check(a.s >= 0 && a.s <= FX_MAX_SCALE);

	n = (size_t)(fx_format(a, s) - s);
	check(n > 0 && n <= FX_BUFSZ);
	s[n] = '\0';
	check(strchr(s, 'e') == NULL && strchr(s, 'E') == NULL);
	if (strchr(s, '.'))
		check(s[n - 1] != '0' && s[n - 1] != '.');
	check(strcmp(s, "-0") != 0);

	/* Parse it back: the same value, and printing is a fixed point. */
	check(fx_parse(s, n, &b) == FX_OK);
	check(fx_cmp(a, b) == 0 && fx_cmp(b, a) == 0);
	n2 = (size_t)(fx_format(b, s2) - s2);
	check(n2 == n && memcmp(s, s2, n) == 0);

	/* Trimming changes the scale, never the value. */
	t = fx_trim(a);
	check(fx_cmp(a, t) == 0 && t.s <= a.s);
	n2 = (size_t)(fx_format(t, s2) - s2);
	check(n2 == n && memcmp(s, s2, n) == 0);

	/* a + 0 == a, a - a == 0. */
	check(fx_add(a, zero, &r) == 0 && fx_cmp(r, a) == 0);
	check(fx_sub(a, a, &r) == 0 && r.m == 0);
	if (fx_add(a, a, &r) == 0)
		check(fx_cmp(r, a) == (a.m > 0) - (a.m < 0));

	/* The double is close to what strtod makes of the same text. */
	x = fx_to_double(a);
	check(isfinite(x));
	if (size < sizeof copy) {
		memcpy(copy, data, size);
		copy[size] = '\0';
		y = strtod(copy, NULL);
		check(fabs(x - y) <= 1e-12 * fabs(y) || fabs(x - y) < 1e-300);
	}
	buf_init(&o, 0);
	buf_add_rounded(&o, x, 4);
	buf_add_fx(&o, a);
	check(!buf_failed(&o));
	buf_free(&o);
	return 0;
}
