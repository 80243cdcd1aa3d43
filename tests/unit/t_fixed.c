/*
 * t_fixed: exact decimals -- parsing every JSON number form, the range
 * limits (38 significant digits, scale 36), exact printing, comparison
 * and sums across scales, checked products with a count, exact products
 * and half-to-even quotients, padded rendering, and the rounded
 * rendering of derived figures.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/fixed.h"
#include "tap.h"

/* The most negative mantissa, which has no negation. */
#define I128_MIN ((fx_i128)((unsigned __int128)1 << 127))

static const char *
errname(int r)
{
	switch (r) {
	case FX_OK: return "FX_OK";
	case FX_SYNTAX: return "FX_SYNTAX";
	case FX_RANGE: return "FX_RANGE";
	default: return "?";
	}
}

/* Render v into a static buffer, NUL-terminated. */
static const char *
fmt(struct fx v)
{
	static char s[FX_BUFSZ + 1];
	char *e = fx_format(v, s);

	*e = '\0';
	return s;
}

static struct fx
num(const char *s)
{
	struct fx v = { 0, 0 };

	if (fx_parse(s, strlen(s), &v) != FX_OK)
		tap_diag("setup: cannot parse '%s'", s);
	return v;
}

/*
 * fx_scan() on p[0..n): when fx_parse() accepts the whole, so does the
 * scan, stopping at the end with the same value and scale, and again
 * when a delimiter follows; when it refuses, the scan never takes the
 * whole as a number.
 */
static void
scan_same(const char *p, size_t n, int want)
{
	char t[128];
	const char *stop = NULL;
	struct fx v = { 0, 0 }, w = { 0, 0 };
	int r, rp, ok;

	rp = fx_parse(p, n, &w);
	r = fx_scan(p, p + n, &v, &stop);
	if (want == FX_OK) {
		ok = rp == FX_OK && r == FX_OK && stop == p + n && v.m == w.m && v.s == w.s;
		if (ok && n + 1 < sizeof t) {
			memcpy(t, p, n);
			t[n] = n % 2 ? ',' : ']';
			r = fx_scan(t, t + n + 1, &v, &stop);
			ok = r == FX_OK && stop == t + n && v.m == w.m &&
			    v.s == w.s;
		}
	} else {
		ok = !(r == FX_OK && stop == p + n);
		if (stop == p + n)
			ok = ok && r == want;
	}
	tap_ok(ok, "scan '%.*s' agrees with parse", (int)n, p);
	if (!ok)
		tap_diag("scan r %d, stopped at %td", r, stop ? stop - p : -1);
}

/* s parses, prints as want and has the given scale. */
static void
parse_ok(const char *s, const char *want, int scale)
{
	struct fx v = { 12345, 3 };
	int r = fx_parse(s, strlen(s), &v);
	const char *got = r == FX_OK ? fmt(v) : errname(r);

	tap_ok(r == FX_OK && strcmp(got, want) == 0 && v.s == scale,
	    "parse '%s' -> %s (scale %d)", s, want, scale);
	if (r != FX_OK || strcmp(got, want) != 0 || v.s != scale)
		tap_diag("got %s, scale %d", got, v.s);
	scan_same(s, strlen(s), FX_OK);
}

/* s is refused with error want. */
static void
parse_bad(const char *s, size_t n, int want)
{
	struct fx v = { 0, 0 };
	int r = fx_parse(s, n, &v);

	tap_ok(r == want, "parse '%.*s' -> %s", (int)n, s, errname(want));
	if (r != want)
		tap_diag("got %s (%s)", errname(r), r == FX_OK ? fmt(v) : "");
	scan_same(s, n, want);
}

static void
bad(const char *s, int want)
{
	parse_bad(s, strlen(s), want);
}

/* Parse, format, parse again: the same value and the same text. */
static void
round_trip(const char *s)
{
	struct fx a, b;
	char t[FX_BUFSZ + 1];
	size_t n;
	int r1, r2;

	r1 = fx_parse(s, strlen(s), &a);
	n = (size_t)(fx_format(a, t) - t);
	t[n] = '\0';
	r2 = fx_parse(t, n, &b);
	tap_ok(r1 == FX_OK && r2 == FX_OK && fx_cmp(a, b) == 0 &&
	    strcmp(t, s) == 0, "round trip '%s'", s);
	if (strcmp(t, s) != 0)
		tap_diag("printed '%s'", t);
}

static void
test_basic(void)
{
	parse_ok("0", "0", 0);
	parse_ok("-0", "0", 0);
	parse_ok("0.0", "0", 1);
	parse_ok("-0.000", "0", 3);
	parse_ok("1", "1", 0);
	parse_ok("7.611", "7.611", 3);
	parse_ok("0.35210000", "0.3521", 8);
	parse_ok("2.00", "2", 2);
	parse_ok("30000.01", "30000.01", 2);
	parse_ok("100", "100", 0);
	parse_ok("1000.000", "1000", 3);
	parse_ok("0.1", "0.1", 1);
	parse_ok("0.00000001", "0.00000001", 8);
	parse_ok("-1", "-1", 0);
	parse_ok("-0.5", "-0.5", 1);
	parse_ok("-123.4500", "-123.45", 4);
	parse_ok("10", "10", 0);

	round_trip("0");
	round_trip("0.3521");
	round_trip("-42.000001");
	round_trip("30000.01");
	round_trip("0.000000000000000000000000000000000001");
}

static void
test_digits(void)
{
	/* 18, 19, 20 significant digits: across the 64-bit fast path. */
	parse_ok("123456789012345678", "123456789012345678", 0);
	parse_ok("1234567890123456789", "1234567890123456789", 0);
	parse_ok("9999999999999999999", "9999999999999999999", 0);
	parse_ok("12345678901234567890", "12345678901234567890", 0);
	parse_ok("18446744073709551615", "18446744073709551615", 0);
	parse_ok("18446744073709551616", "18446744073709551616", 0);
	parse_ok("-9223372036854775809", "-9223372036854775809", 0);
	parse_ok("0.123456789012345678", "0.123456789012345678", 18);
	parse_ok("1.234567890123456789", "1.234567890123456789", 18);
	parse_ok("123456789.0123456789", "123456789.0123456789", 10);
	/* 38 digits exactly. */
	parse_ok("12345678901234567890123456789012345678",
	    "12345678901234567890123456789012345678", 0);
	parse_ok("99999999999999999999999999999999999999",
	    "99999999999999999999999999999999999999", 0);
	parse_ok("-99999999999999999999999999999999999999",
	    "-99999999999999999999999999999999999999", 0);
	parse_ok("12.345678901234567890123456789012345678",
	    "12.345678901234567890123456789012345678", 36);
	parse_ok("1234567890123456789.0123456789012345678",
	    "1234567890123456789.0123456789012345678", 19);
	/* Leading zeros are not significant. */
	parse_ok("0.00012345678901234567890123456789012",
	    "0.00012345678901234567890123456789012", 35);
	/* 39 and 40 digits. */
	bad("123456789012345678901234567890123456789", FX_RANGE);
	bad("1234567890123456789012345678901234567890", FX_RANGE);
	bad("100000000000000000000000000000000000000", FX_RANGE);
	bad("-123456789012345678901234567890123456789", FX_RANGE);
	bad("1.23456789012345678901234567890123456789", FX_RANGE);
	/* Trailing fractional zeros are digits as written (scale 37). */
	bad("1.0000000000000000000000000000000000000", FX_RANGE);
	/* Scale 36 is the limit. */
	parse_ok("0.000000000000000000000000000000000001",
	    "0.000000000000000000000000000000000001", 36);
	parse_ok("-0.000000000000000000000000000000000001",
	    "-0.000000000000000000000000000000000001", 36);
	bad("0.0000000000000000000000000000000000001", FX_RANGE);
	bad("0.1000000000000000000000000000000000000", FX_RANGE);
	/* Zero with any number of zero digits is still zero. */
	parse_ok("0.0000000000000000000000000000000000000000", "0", 36);
}

static void
test_exponent(void)
{
	parse_ok("1e5", "100000", 0);
	parse_ok("1.5e-3", "0.0015", 4);
	parse_ok("1E+2", "100", 0);
	parse_ok("1e+2", "100", 0);
	parse_ok("-2.5e1", "-25", 0);
	parse_ok("1.50e1", "15", 1);
	parse_ok("12345e-2", "123.45", 2);
	parse_ok("0.001e3", "1", 0);
	parse_ok("1e0", "1", 0);
	parse_ok("1e-0", "1", 0);
	parse_ok("1e05", "100000", 0);
	parse_ok("1e-36", "0.000000000000000000000000000000000001", 36);
	parse_ok("1e37", "10000000000000000000000000000000000000", 0);
	parse_ok("0e999", "0", 0);
	parse_ok("-0e-5", "0", 5);
	bad("1e-37", FX_RANGE);
	bad("1e38", FX_RANGE);
	bad("1e400", FX_RANGE);
	bad("-1e400", FX_RANGE);
	bad("1e-400", FX_RANGE);
	bad("1e99999999999999999999", FX_RANGE);
	bad("12e37", FX_RANGE);
}

static void
test_syntax(void)
{
	static const char *const cases[] = {
		".5", "1.", "01", "00", "-01", "+1", "1e", "1e+", "1e-",
		"--1", "1.2.3", "", "-", "1 ", " 1", "0x10", "NaN", "nan",
		"Infinity", "-Infinity", "1.e5", "-.5", "1e5.5", "1ee5",
		"e5", "1_000", "1,5", "0.", "1e5e5", "\"1\"", "1-",
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		bad(cases[i], FX_SYNTAX);
	/* A NUL inside the span is not a digit. */
	parse_bad("1\0002", 3, FX_SYNTAX);
	/* Only n bytes are read: "12" of "123". */
	{
		struct fx v;

		tap_ok(fx_parse("123", 2, &v) == FX_OK && v.m == 12 &&
		    v.s == 0, "parse reads exactly n bytes");
	}
}

/* fx_scan on s (to its end): result want, stopping at byte stop_at. */
static void
scan_is(const char *s, int want, char stop_at, const char *value)
{
	const char *stop = NULL;
	struct fx v = { 0, 0 };
	int r = fx_scan(s, s + strlen(s), &v, &stop);
	int ok = r == want && (want != FX_OK ||
	    (stop && *stop == stop_at && strcmp(fmt(v), value) == 0));

	tap_ok(ok, "scan '%s' -> %s", s, errname(want));
	if (!ok)
		tap_diag("got %s", errname(r));
}

/*
 * The scanner reads eight digits at a time: every length and point
 * position across those boundaries, bounded by end even when digits
 * follow it.
 */
static void
test_scan(void)
{
	static const char digits[] =
	    "9876543210123456789098765432101234567890987654321";
	char t[64];
	int len, pt, k, bad = 0, cases = 0;

	for (len = 1; len <= 40; len++) {
		for (pt = 0; pt < len; pt++) {
			struct fx v, w;
			const char *stop;
			int n = 0, r1, r2;

			/* len digits, a point after pt of them (none at 0). */
			for (k = 0; k < len; k++) {
				if (pt && k == pt)
					t[n++] = '.';
				t[n++] = digits[k];
			}
			/* Digits after the end must not be read. */
			memcpy(t + n, "12345678", 8);
			r1 = fx_parse(t, (size_t)n, &w);
			r2 = fx_scan(t, t + n, &v, &stop);
			cases++;
			if (r1 != r2 || stop != t + n ||
			    (r1 == FX_OK && (v.m != w.m || v.s != w.s)) ||
			    (r1 == FX_OK) != (len <= FX_MAX_DIGITS &&
			    (pt ? len - pt : 0) <= FX_MAX_SCALE)) {
				if (!bad)
					tap_diag("'%.*s': parse %d, scan %d",
					    n, t, r1, r2);
				bad++;
			}
		}
	}
	tap_ok(!bad, "scan equals parse for %d digit layouts", cases);

	/* Each prefix of a long run of digits. */
	bad = 0;
	for (k = 1; k <= 38; k++) {
		struct fx v;
		const char *stop;

		if (fx_scan(digits, digits + k, &v, &stop) != FX_OK ||
		    stop != digits + k || strncmp(fmt(v), digits, k) != 0 ||
		    (int)strlen(fmt(v)) != k)
			bad++;
	}
	tap_ok(!bad, "scan stops at end for every prefix length");
	scan_is("-0.00012345678901234567x", FX_OK, 'x',
	    "-0.00012345678901234567");
	scan_is("1e5,", FX_OK, ',', "100000");
	scan_is("12345678.87654321]", FX_OK, ']', "12345678.87654321");
	scan_is("01,", FX_SYNTAX, 0, NULL);
	scan_is("-]", FX_SYNTAX, 0, NULL);
	scan_is("1.]", FX_SYNTAX, 0, NULL);
	scan_is("1e400,", FX_RANGE, 0, NULL);
}

static void
cmp_is(const char *a, const char *b, int want)
{
	int r = fx_cmp(num(a), num(b));

	r = (r > 0) - (r < 0);
	tap_ok(r == want, "cmp %s %s %s", a, want < 0 ? "<" : want > 0 ? ">" :
	    "==", b);
}

static void
test_cmp(void)
{
	const char *big = "99999999999999999999999999999999999999";
	const char *nbig = "-99999999999999999999999999999999999999";

	cmp_is("1.5", "1.50", 0);
	cmp_is("1.5", "1.51", -1);
	cmp_is("1.51", "1.5", 1);
	cmp_is("-1", "0.5", -1);
	cmp_is("0", "-0.000", 0);
	cmp_is("2", "1.999999999999999999999999999999999999", 1);
	cmp_is("100", "1e2", 0);
	cmp_is("0.0015", "1.5e-3", 0);
	cmp_is("-0.1", "-0.10000001", 1);
	/* Rescaling the integer side overflows: decided by the sign. */
	cmp_is(big, "0.1", 1);
	cmp_is(nbig, "0.1", -1);
	cmp_is("0.1", big, -1);
	cmp_is("0.1", nbig, 1);
	cmp_is(big, big, 0);
	cmp_is(nbig, big, -1);
}

static void
add_is(const char *a, const char *b, int sub, const char *want, int scale)
{
	struct fx r = { 0, 0 };
	int rc = sub ? fx_sub(num(a), num(b), &r) : fx_add(num(a), num(b), &r);

	tap_ok(rc == 0 && strcmp(fmt(r), want) == 0 && r.s == scale,
	    "%s %s %s = %s", a, sub ? "-" : "+", b, want);
	if (rc != 0 || strcmp(fmt(r), want) != 0 || r.s != scale)
		tap_diag("rc %d, got %s scale %d", rc, fmt(r), r.s);
}

static void
test_add(void)
{
	const char *big = "99999999999999999999999999999999999999";
	struct fx r, min = { I128_MIN, 0 }, zero = { 0, 0 };

	add_is("0.1", "0.2", 0, "0.3", 1);
	add_is("1.005", "2", 0, "3.005", 3);
	add_is("1", "-1.0001", 0, "-0.0001", 4);
	add_is("1", "1.0001", 1, "-0.0001", 4);
	add_is("0.35210000", "0.6479", 0, "1", 8);
	add_is("-5", "-5", 1, "0", 0);
	add_is(big, "-1", 0, "99999999999999999999999999999999999998", 0);
	add_is("-99999999999999999999999999999999999998", "1", 1,
	    "-99999999999999999999999999999999999999", 0);
	add_is("0.000000000000000000000000000000000001", "1", 0,
	    "1.000000000000000000000000000000000001", 36);
	/* Overflow is an error, never a wrap. */
	tap_ok(fx_add(num(big), num(big), &r) < 0, "big + big overflows");
	tap_ok(fx_add(num(big), num("0.1"), &r) < 0,
	    "big + 0.1 overflows (rescale)");
	tap_ok(fx_sub(num("-" "99999999999999999999999999999999999999"),
	    num(big), &r) < 0, "-big - big overflows");
	tap_ok(fx_sub(zero, min, &r) < 0, "0 - most negative fails");
	tap_ok(fx_add(num("85070591730234615865843651857942052864"),
	    num("85070591730234615865843651857942052864"), &r) < 0,
	    "2^126 + 2^126 overflows");
	tap_ok(fx_add(num("85070591730234615865843651857942052863"),
	    num("85070591730234615865843651857942052864"), &r) == 0 &&
	    strcmp(fmt(r), "170141183460469231731687303715884105727") == 0,
	    "2^126-1 + 2^126 = 2^127-1");
}

static void
trim_is(fx_i128 m, int s, fx_i128 wm, int ws)
{
	struct fx v = { m, s }, t = fx_trim(v);

	tap_ok(t.m == wm && t.s == ws, "trim %s (scale %d) -> scale %d",
	    fmt(v), s, ws);
}

static void
test_trim_format(void)
{
	char t[FX_BUFSZ + 1];
	struct fx v;

	trim_is(1500, 3, 15, 1);
	trim_is(200, 2, 2, 0);
	trim_is(0, 5, 0, 0);
	trim_is(-310, 2, -31, 1);
	trim_is(100, 0, 100, 0);
	trim_is(1234, 2, 1234, 2);

	*fx_format_ms(-5, 3, t) = '\0';
	tap_eq_s(t, "-0.005", "format_ms -5 at scale 3");
	*fx_format_ms(12300, 2, t) = '\0';
	tap_eq_s(t, "123", "format_ms 12300 at scale 2");
	*fx_format_ms(I128_MIN, 0, t) = '\0';
	tap_eq_s(t, "-170141183460469231731687303715884105728",
	    "format_ms most negative");
	*fx_format_ms(1, 72, t) = '\0';
	tap_ok(strlen(t) == 74 && t[73] == '1', "format_ms 1 at scale 72");
	v.m = I128_MIN;
	v.s = 36;
	tap_ok((size_t)(fx_format(v, t) - t) <= FX_BUFSZ,
	    "longest rendering fits FX_BUFSZ");

	tap_ok(fx_pow10(0) == 1 &&
	    fx_pow10(19) == (fx_i128)10000000000000000000ULL &&
	    fx_pow10(38) / fx_pow10(19) / fx_pow10(19) == 1, "pow10");
	{
		fx_i128 m = 0;

		tap_ok(fx_at_scale(num("1.5"), 3, &m) == 0 && m == 1500,
		    "at_scale 1.5 -> 1500 at 3");
		tap_ok(fx_at_scale(num("1.5"), 0, &m) < 0,
		    "at_scale refuses a smaller scale");
		tap_ok(fx_at_scale(num(
		    "99999999999999999999999999999999999999"), 1, &m) < 0,
		    "at_scale overflow");
	}
	tap_ok(fabs(fx_to_double(num("-0.0015")) + 0.0015) < 1e-18,
	    "to_double -0.0015");
}

static void
rounded_is(double v, int dec, const char *want)
{
	struct buf b;
	char name[64];

	buf_init(&b, 0);
	buf_add_rounded(&b, v, dec);
	buf_addc(&b, '\0');
	snprintf(name, sizeof name, "rounded %g/%d -> %s", v, dec, want);
	tap_eq_s(b.p, want, name);
	buf_free(&b);
}

static void
test_rounded(void)
{
	rounded_is(12.5, 4, "12.5");
	rounded_is(-0.041666, 4, "-0.0417");
	rounded_is(1.23456, 4, "1.2346");
	rounded_is(-1.23454, 4, "-1.2345");
	rounded_is(0.99999, 4, "1");
	rounded_is(5, 4, "5");
	rounded_is(100, 4, "100");
	rounded_is(10.1, 4, "10.1");
	rounded_is(0, 4, "0");
	rounded_is(-0.0, 4, "0");
	rounded_is(-0.00001, 4, "0");
	rounded_is(0.00004, 4, "0");
	rounded_is(-0.4, 0, "0");
	rounded_is(2.4, 0, "2");
	rounded_is(-2.6, 0, "-3");
	rounded_is(1e20, 4, "100000000000000000000");
	rounded_is(NAN, 4, "0");
	rounded_is(INFINITY, 4, "0");
	rounded_is(-INFINITY, 4, "0");
}

/* fx_format_dp(m / 10^s, dp) is want. */
static void
dp_is(fx_i128 m, int s, int dp, const char *want)
{
	char t[FX_BUFSZ + 1];
	struct buf b;

	*fx_format_dp((struct fx){ m, s }, dp, t) = '\0';
	tap_eq_s(t, want, "format_dp");
	buf_init(&b, 0);
	buf_adds(&b, "x");
	buf_add_fx_dp(&b, (struct fx){ m, s }, dp);
	buf_addc(&b, '\0');
	tap_ok(!buf_failed(&b) && strcmp(b.p + 1, want) == 0,
	    "buf_add_fx_dp appends the same");
	buf_free(&b);
}

/* Prices as ticks times the tick, rendered as the venues pad them. */
static void
test_mul_dp(void)
{
	struct fx v = { 7, 2 }, w;
	char t[FX_BUFSZ + 1];
	fx_i128 big = fx_pow10(37);

	tap_ok(fx_mul_int((struct fx){ 1, 1 }, 600001, &w) == 0 &&
	    w.m == 600001 && w.s == 1, "mul_int: 600001 ticks of 0.1");
	tap_ok(fx_mul_int(v, -3, &w) == 0 && w.m == -21 && w.s == 2,
	    "mul_int: negative");
	tap_ok(fx_mul_int(v, 0, &w) == 0 && w.m == 0 && w.s == 2,
	    "mul_int: zero");
	tap_ok(fx_mul_int((struct fx){ 1, 0 }, INT64_MIN, &w) == 0 &&
	    w.m == (fx_i128)INT64_MIN, "mul_int: INT64_MIN ticks");
	tap_ok(fx_mul_int((struct fx){ INT64_MAX, 0 }, INT64_MIN, &w) == 0 &&
	    w.m == (fx_i128)INT64_MAX * INT64_MIN,
	    "mul_int: two 64-bit extremes fit");
	w = v;
	tap_ok(fx_mul_int((struct fx){ big, 0 }, 10, &w) < 0 && w.m == 7 &&
	    w.s == 2, "mul_int: 39 digits is an overflow, out untouched");
	tap_ok(fx_mul_int((struct fx){ -big, 0 }, 10, &w) < 0,
	    "mul_int: negative overflow");
	tap_ok(fx_mul_int((struct fx){ I128_MIN, 0 }, -1, &w) < 0,
	    "mul_int: overflow of the mantissa itself");
	tap_ok(fx_mul_int((struct fx){ big, 0 }, 9, &w) == 0 &&
	    w.m == 9 * big, "mul_int: 38 digits fit");

	dp_is(600001, 1, -1, "60000.1");
	dp_is(600001, 1, 8, "60000.10000000");
	dp_is(600001, 1, 0, "60000.1");
	dp_is(600000, 1, 0, "60000");
	dp_is(600000, 1, 2, "60000.00");
	dp_is(200000000, 8, -1, "2");
	dp_is(200000000, 8, 0, "2");
	dp_is(250000000, 8, 3, "2.500");
	dp_is(123456789, 8, 3, "1.23456789");
	dp_is(0, 8, -1, "0");
	dp_is(0, 8, 2, "0.00");
	dp_is(0, 0, 1, "0.0");
	dp_is(5, 0, 2, "5.00");
	dp_is(-5, 2, 4, "-0.0500");
	dp_is(-5, 2, -1, "-0.05");
	dp_is((fx_i128)INT64_MIN, 8, 8, "-92233720368.54775808");
	dp_is((fx_i128)INT64_MIN, 0, 2, "-9223372036854775808.00");
	*fx_format_dp((struct fx){ 1, 0 }, 1000, t) = '\0';
	tap_ok(strlen(t) == 2 + FX_MAX_SCALE,
	    "format_dp: dp past FX_MAX_SCALE counts as FX_MAX_SCALE");
	v.m = I128_MIN;
	v.s = 1;
	tap_ok((size_t)(fx_format_dp(v, FX_MAX_SCALE, t) - t) <= FX_BUFSZ,
	    "format_dp: the longest padding fits FX_BUFSZ");
}

/* a op b, rendered exactly (or "fail"), against want. */
static void
mul_is(const char *a, const char *b, const char *want)
{
	struct fx w = { 0, 0 };
	int r = fx_mul(num(a), num(b), &w);

	const char *got = r == 0 ? fmt(w) : "fail";

	tap_ok(strcmp(got, want) == 0, "mul %s * %s = %s (got %s)", a, b,
	    want, got);
}

static void
div_is(const char *a, const char *b, int scale, const char *want)
{
	struct fx w = { 0, 0 };
	int r = fx_div(num(a), num(b), scale, &w);

	const char *got = r == 0 ? fmt(w) : "fail";

	tap_ok(strcmp(got, want) == 0, "div %s / %s at %d = %s (got %s)", a,
	    b, scale, want, got);
}

/* Exact products; quotients rounded half to even at the given scale. */
static void
test_mul_div(void)
{
	struct fx w = { 7, 2 };

	mul_is("30000.01", "0.00100000", "30.00001");
	mul_is("-1.5", "2", "-3");
	mul_is("0", "123.45", "0");
	mul_is("1e-20", "1e-16", "0.000000000000000000000000000000000001");
	/* Scale 39, but the mantissa ends in zeros: 1.0e-20 * 1.00e-16 */
	mul_is("0.000000000000000000010", "0.000000000000000100",
	    "0.000000000000000000000000000000000001");
	mul_is("1e-20", "1e-17", "fail");
	mul_is("10000000000000000000", "10000000000000000000", "fail");
	tap_ok(fx_mul(num("1e20"), num("1e19"), &w) < 0 && w.m == 7 &&
	    w.s == 2, "mul: overflow leaves out untouched");
	/* 1/3 = 0.333..: down; 2/3 = 0.666..: up */
	div_is("1", "3", 4, "0.3333");
	div_is("2", "3", 4, "0.6667");
	div_is("-2", "3", 4, "-0.6667");
	div_is("2", "-3", 4, "-0.6667");
	/* Halves go to the even neighbour: 0.125 -> 0.12, 0.375 -> 0.38 */
	div_is("1", "8", 2, "0.12");
	div_is("3", "8", 2, "0.38");
	div_is("-1", "8", 2, "-0.12");
	div_is("-3", "8", 2, "-0.38");
	div_is("5", "2", 0, "2");
	div_is("7", "2", 0, "4");
	/* An average price: (1 * 100 + 2 * 101) / 3 = 100.666.. */
	div_is("302", "3", 12, "100.666666666667");
	div_is("30000.01", "0.001", 2, "30000010");
	div_is("0.00000001", "100000000", 20, "0.0000000000000001");
	div_is("1", "0", 4, "fail");
	div_is("1", "3", FX_MAX_SCALE + 1, "fail");
	div_is("1e30", "1e-10", 0, "fail");
	tap_ok(fx_div((struct fx){ I128_MIN, 0 }, num("-1"), 0, &w) < 0 &&
	    w.m == 7, "div: the most negative mantissa by -1 overflows");
	tap_ok(fx_div(num("1e37"), num("0.1"), 0, &w) < 0,
	    "div: a quotient of 39 digits overflows");
}

/* fx_mul_round: exact products, rounding only past the given scale. */
static void
mulr_is(const char *a, const char *b, int scale, enum fx_round r,
    const char *want)
{
	struct fx x, y, z;
	char t[FX_BUFSZ];

	if (fx_parse(a, strlen(a), &x) != FX_OK ||
	    fx_parse(b, strlen(b), &y) != FX_OK ||
	    fx_mul_round(x, y, scale, r, &z) < 0) {
		tap_ok(0, "mul %s * %s", a, b);
		return;
	}
	*fx_format(z, t) = '\0';
	tap_eq_s(t, want, "mul: product");
}

static void
test_mul(void)
{
	struct fx x = { 7, 2 }, big = { fx_pow10(19), 0 };

	mulr_is("65114.20", "0.004", FX_MAX_SCALE, FX_ROUND_DOWN, "260.4568");
	mulr_is("260.4568", "0.0005", FX_MAX_SCALE, FX_ROUND_HALF_EVEN,
	    "0.1302284");
	mulr_is("-1.5", "2", 0, FX_ROUND_DOWN, "-3");
	mulr_is("0.125", "1", 2, FX_ROUND_HALF_EVEN, "0.12");
	mulr_is("0.135", "1", 2, FX_ROUND_HALF_EVEN, "0.14");
	mulr_is("0.1251", "1", 2, FX_ROUND_HALF_EVEN, "0.13");
	mulr_is("-0.125", "1", 2, FX_ROUND_HALF_EVEN, "-0.12");
	mulr_is("-0.135", "1", 2, FX_ROUND_HALF_EVEN, "-0.14");
	mulr_is("0.129", "1", 2, FX_ROUND_DOWN, "0.12");
	mulr_is("-0.129", "1", 2, FX_ROUND_DOWN, "-0.12");
	mulr_is("0.121", "1", 2, FX_ROUND_UP, "0.13");
	mulr_is("-0.121", "1", 2, FX_ROUND_UP, "-0.13");
	mulr_is("0.12", "1", 2, FX_ROUND_UP, "0.12");
	mulr_is("1e-30", "1e-30", 0, FX_ROUND_UP, "1");
	mulr_is("1e-30", "1e-30", 0, FX_ROUND_HALF_EVEN, "0");
	tap_ok(fx_mul_round(big, big, 0, FX_ROUND_DOWN, &x) < 0 && x.m == 7 &&
	    x.s == 2, "mul: 39 digits is an overflow, out untouched");
	big.m = fx_pow10(20);
	tap_ok(fx_mul_round(big, big, 0, FX_ROUND_DOWN, &x) < 0,
	    "mul: a mantissa past 128 bits is an overflow");
	tap_ok(fx_mul_round(x, x, FX_MAX_SCALE + 1, FX_ROUND_DOWN, &x) < 0,
	    "mul: a scale past FX_MAX_SCALE is refused");
}

int
main(void)
{
	test_basic();
	test_digits();
	test_exponent();
	test_syntax();
	test_scan();
	test_cmp();
	test_add();
	test_trim_format();
	test_mul_dp();
	test_mul_div();
	test_rounded();
	test_mul();
	return tap_done();
}
