/*
 * fixed: exact decimals (see fixed.h).  The parser is on the hot path of
 * every program: it accumulates in 64 bits while that cannot overflow and
 * only then moves to 128 bits.
 */
#include <math.h>
#include <stdio.h>

#include "fixed.h"

static const uint64_t pow10_64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL,
};

fx_i128
fx_pow10(int k)
{
	fx_i128 r;

	if (k < 20)
		return (fx_i128)pow10_64[k];
	r = (fx_i128)pow10_64[19];
	for (k -= 19; k > 0; k--)
		r *= 10;
	return r;
}

/* Parse the exponent part after 'e'/'E'; returns FX_OK or an error. */
static int
parse_exponent(const char *p, const char *end, int *exp)
{
	int neg = 0, e = 0;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (p == end)
		return FX_SYNTAX;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return FX_SYNTAX;
		if (e > 10000)
			return FX_RANGE;
		e = e * 10 + (*p - '0');
	}
	*exp = neg ? -e : e;
	return FX_OK;
}

/*
 * The common case: [-]digits[.digits], at most 18 digits, so the
 * mantissa fits 64 bits without checks.  Returns 0 when it handled the
 * text, -1 to leave it to the general parser (which also explains
 * errors).
 */
static inline int
parse_short(const char *p, const char *end, struct fx *out)
{
	const char *q, *f;
	uint64_t m = 0;
	int neg = 0, frac = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (end - p > 19 || end == p)
		return -1;
	for (q = p; q < end && (unsigned)(*q - '0') <= 9; q++)
		m = m * 10 + (unsigned)(*q - '0');
	if (q == p || (q - p > 1 && *p == '0'))
		return -1;
	if (q < end && *q == '.') {
		for (f = ++q; q < end && (unsigned)(*q - '0') <= 9; q++)
			m = m * 10 + (unsigned)(*q - '0');
		frac = (int)(q - f);
		if (frac == 0)
			return -1;
	}
	if (q != end)
		return -1;
	out->m = neg ? -(fx_i128)m : (fx_i128)m;
	out->s = frac;
	return 0;
}

int
fx_parse(const char *p, size_t n, struct fx *out)
{
	const char *end = p + n;
	uint64_t m64 = 0;
	fx_i128 m = 0;
	int neg = 0, digits = 0, frac = 0, seen_point = 0, any = 0, exp = 0;
	int wide = 0, r;

	if (parse_short(p, end, out) == 0)
		return FX_OK;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	/* JSON forbids leading zeros: "0" or "0.x" only. */
	if (end - p >= 2 && p[0] == '0' && p[1] >= '0' && p[1] <= '9')
		return FX_SYNTAX;
	for (; p < end; p++) {
		unsigned d = (unsigned char)*p - '0';

		if (d > 9) {
			if (*p == '.' && !seen_point && any) {
				seen_point = 1;
				if (p + 1 == end)
					return FX_SYNTAX;
				continue;
			}
			break;
		}
		any = 1;
		if (seen_point)
			frac++;
		/* Leading zeros carry no significance. */
		if (digits == 0 && d == 0)
			continue;
		if (++digits > FX_MAX_DIGITS)
			return FX_RANGE;
		if (!wide && digits <= 19) {
			m64 = m64 * 10 + d;
			continue;
		}
		if (!wide) {
			m = (fx_i128)m64;
			wide = 1;
		}
		m = m * 10 + d;
	}
	if (!any)
		return FX_SYNTAX;
	if (p < end) {
		if (*p != 'e' && *p != 'E')
			return FX_SYNTAX;
		if (p[-1] == '.')
			return FX_SYNTAX;
		r = parse_exponent(p + 1, end, &exp);
		if (r != FX_OK)
			return r;
	}
	if (!wide)
		m = (fx_i128)m64;
	/* Apply the exponent to the scale; a negative scale moves into the
	 * mantissa. */
	frac -= exp;
	if (frac > FX_MAX_SCALE) {
		if (m != 0)
			return FX_RANGE;
		frac = FX_MAX_SCALE;
	}
	if (frac < 0) {
		if (m != 0) {
			if (digits - frac > FX_MAX_DIGITS)
				return FX_RANGE;
			m *= fx_pow10(-frac);
		}
		frac = 0;
	}
	out->m = neg ? -m : m;
	out->s = frac;
	return FX_OK;
}

/* The value of 8 ASCII digits loaded little-endian, in a few multiplies. */
static inline uint32_t
eight_digits_value(uint64_t x)
{
	const uint64_t mask = 0x000000ff000000ffULL;

	x -= 0x3030303030303030ULL;
	x = x * 10 + (x >> 8);
	x = ((x & mask) * 0x000f424000000064ULL +
	    ((x >> 16) & mask) * 0x0000271000000001ULL) >> 32;
	return (uint32_t)x;
}

/*
 * Accumulate the digits at q into *m; returns the first non-digit.  Reads
 * eight bytes at a time where the line has them: the digits among them
 * are found with one mask and converted with a few multiplies.
 */
static inline const char *
take_digits(const char *q, const char *end, uint64_t *m)
{
	uint64_t v = *m;

	while (end - q >= 8) {
		uint64_t x, t, bad;
		int n;

		memcpy(&x, q, 8);
		t = x - 0x3030303030303030ULL;
		bad = ((x + 0x4646464646464646ULL) | t) & 0x8080808080808080ULL;
		n = bad ? __builtin_ctzll(bad) >> 3 : 8;
		if (n == 0)
			break;
		/* Keep the first n digits as the last n of eight (little
		 * endian: shift the later bytes out, zeros in). */
		x = (t << (8 * (8 - n))) + 0x3030303030303030ULL;
		v = v * pow10_64[n] + eight_digits_value(x);
		q += n;
		if (n < 8) {
			*m = v;
			return q;
		}
	}
	for (; q < end && (unsigned)(*q - '0') <= 9; q++)
		v = v * 10 + (unsigned)(*q - '0');
	*m = v;
	return q;
}

static int
continues_number(char c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
	    c == '+' || c == '-';
}

int
fx_scan(const char *p, const char *end, struct fx *out, const char **stop)
{
	const char *q = p, *d, *f;
	uint64_t m = 0;
	int neg = 0, frac = 0;

	if (q < end && *q == '-') {
		neg = 1;
		q++;
	}
	/* Overflow past 18 digits is caught below, before m is used. */
	d = q;
	q = take_digits(q, end, &m);
	if (q == d || (q - d > 1 && *d == '0'))
		goto general;
	if (q < end && *q == '.') {
		f = ++q;
		q = take_digits(q, end, &m);
		frac = (int)(q - f);
		if (frac == 0)
			goto general;
	}
	/* Up to 18 digits cannot have overflowed 64 bits. */
	if ((q - d) - (frac > 0) > 18 || (q < end && continues_number(*q)))
		goto general;
	out->m = neg ? -(fx_i128)m : (fx_i128)m;
	out->s = frac;
	*stop = q;
	return FX_OK;
general:
	for (q = p; q < end && continues_number(*q); q++)
		;
	*stop = q;
	return fx_parse(p, (size_t)(q - p), out);
}

int
fx_at_scale_slow(struct fx v, int s, fx_i128 *m)
{
	fx_i128 r;

	if (s < v.s || s - v.s > FX_MAX_DIGITS)
		return -1;
	if (__builtin_mul_overflow(v.m, fx_pow10(s - v.s), &r))
		return -1;
	*m = r;
	return 0;
}

int
fx_add(struct fx a, struct fx b, struct fx *out)
{
	fx_i128 x, y, r;
	int s = a.s > b.s ? a.s : b.s;

	if (fx_at_scale(a, s, &x) < 0 || fx_at_scale(b, s, &y) < 0 ||
	    __builtin_add_overflow(x, y, &r))
		return -1;
	out->m = r;
	out->s = s;
	return 0;
}

int
fx_sub(struct fx a, struct fx b, struct fx *out)
{
	/* The most negative mantissa has no negation. */
	if (b.m == (fx_i128)((unsigned __int128)1 << 127))
		return -1;
	b.m = -b.m;
	return fx_add(a, b, out);
}

int
fx_mul_int(struct fx a, int64_t k, struct fx *out)
{
	fx_i128 m, lim = fx_pow10(FX_MAX_DIGITS);

	if (__builtin_mul_overflow(a.m, (fx_i128)k, &m) || m >= lim ||
	    m <= -lim)
		return -1;
	out->m = m;
	out->s = a.s;
	return 0;
}

int
fx_mul(struct fx a, struct fx b, struct fx *out)
{
	fx_i128 m, lim = fx_pow10(FX_MAX_DIGITS);
	int s = a.s + b.s;

	if (__builtin_mul_overflow(a.m, b.m, &m) || m >= lim || m <= -lim)
		return -1;
	/* Only zeros may go to bring the scale into range. */
	while (s > FX_MAX_SCALE && m % 10 == 0) {
		m /= 10;
		s--;
	}
	if (s > FX_MAX_SCALE)
		return -1;
	out->m = m;
	out->s = s;
	return 0;
}

/* |v| without overflow, the most negative value included. */
static unsigned __int128
fx_uabs(fx_i128 v)
{
	return v < 0 ? (unsigned __int128)(-(v + 1)) + 1 :
	    (unsigned __int128)v;
}

int
fx_div(struct fx a, struct fx b, int scale, struct fx *out)
{
	fx_i128 n = a.m, d = b.m, q, lim = fx_pow10(FX_MAX_DIGITS);
	unsigned __int128 r, ad;
	int k = scale - a.s + b.s, neg;

	if (d == 0 || scale < 0 || scale > FX_MAX_SCALE)
		return -1;
	/* q = a.m * 10^k / b.m is the quotient's mantissa at scale. */
	if (k > FX_MAX_DIGITS || -k > FX_MAX_DIGITS)
		return -1;
	if (k >= 0 && __builtin_mul_overflow(n, fx_pow10(k), &n))
		return -1;
	if (k < 0 && __builtin_mul_overflow(d, fx_pow10(-k), &d))
		return -1;
	if (d == -1 && n == (fx_i128)((unsigned __int128)1 << 127))
		return -1;
	q = n / d;
	r = fx_uabs(n % d);
	ad = fx_uabs(d);
	neg = (n < 0) != (d < 0);
	/* Half to even: up past the half, and at it when q is odd. */
	if (r > ad - r || (r == ad - r && q % 2 != 0))
		q += neg ? -1 : 1;
	if (q >= lim || q <= -lim)
		return -1;
	out->m = q;
	out->s = scale;
	return 0;
}

int
fx_cmp(struct fx a, struct fx b)
{
	fx_i128 x, y;
	int s = a.s > b.s ? a.s : b.s;

	/* On overflow the larger-magnitude side is obvious from the sign. */
	if (fx_at_scale(a, s, &x) < 0)
		return a.m < 0 ? -1 : 1;
	if (fx_at_scale(b, s, &y) < 0)
		return b.m < 0 ? 1 : -1;
	return (x > y) - (x < y);
}

struct fx
fx_trim(struct fx v)
{
	if (v.m == 0) {
		v.s = 0;
		return v;
	}
	while (v.s > 0 && v.m % 10 == 0) {
		v.m /= 10;
		v.s--;
	}
	return v;
}

/* Write the decimal digits of v just before e; returns the first. */
static char *
u64_digits(uint64_t v, char *e)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "62636465666768697071727374757677787980818283848586878889909192"
	    "939495969798990";

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		*--e = pairs[2 * r + 1];
		*--e = pairs[2 * r];
	}
	if (v >= 10) {
		*--e = pairs[2 * v + 1];
		*--e = pairs[2 * v];
	} else {
		*--e = (char)('0' + v);
	}
	return e;
}

/* Number of decimal digits of v (at least 1). */
static inline int
u64_ndigits(uint64_t v)
{
	int n = 1;

	while (n < 20 && v >= pow10_64[n])
		n++;
	return n;
}

/*
 * v / 10^s rendered straight into dst, trailing fractional zeros
 * dropped: the digits go to their final place two at a time, and the
 * few integer digits step aside for the point.
 */
static char *
format_u64(uint64_t v, int s, char *dst)
{
	int nd, ip, i;
	char *e;

	while (s > 0 && v % 10 == 0) {
		v /= 10;
		s--;
	}
	if (v == 0)
		s = 0;
	nd = u64_ndigits(v);
	if (s == 0) {
		u64_digits(v, dst + nd);
		return dst + nd;
	}
	if (nd > s) {
		ip = nd - s;
		e = dst + nd + 1;
		u64_digits(v, e);
		for (i = 0; i < ip; i++)
			dst[i] = dst[i + 1];
		dst[ip] = '.';
		return e;
	}
	dst[0] = '0';
	dst[1] = '.';
	for (i = 0; i < s - nd; i++)
		dst[2 + i] = '0';
	e = dst + 2 + s;
	u64_digits(v, e);
	return e;
}

char *
fx_format_ms(fx_i128 m, int s, char *dst)
{
	char tmp[FX_BUFSZ];
	char *e = tmp + sizeof tmp, *q;
	unsigned __int128 u = m < 0 ? -(unsigned __int128)m : (unsigned __int128)m;
	const uint64_t e19 = 10000000000000000000ULL;
	int nd;

	if (u <= UINT64_MAX) {
		if (m < 0)
			*dst++ = '-';
		return format_u64((uint64_t)u, s, dst);
	}
	/* Most values fit 64 bits, where division by a constant is a
	 * multiplication; larger ones take one 128-bit division to split
	 * them into two 64-bit halves (|m| <= 2^127, so u / 10^19 fits). */
	if (u <= UINT64_MAX) {
		q = u64_digits((uint64_t)u, e);
	} else {
		unsigned __int128 hi = u / e19;

		q = u64_digits((uint64_t)(u - hi * e19), e);
		while (q > e - 19)
			*--q = '0';
		q = u64_digits((uint64_t)hi, q);
	}
	nd = (int)(e - q);
	/* Drop trailing fractional zeros. */
	while (s > 0 && e[-1] == '0' && nd > 1) {
		e--;
		nd--;
		s--;
	}
	if (s > 0 && nd == 1 && *q == '0')
		s = 0;
	if (m < 0)
		*dst++ = '-';
	if (s == 0) {
		memcpy(dst, q, nd);
		return dst + nd;
	}
	if (nd <= s) {
		*dst++ = '0';
		*dst++ = '.';
		memset(dst, '0', s - nd);
		dst += s - nd;
		memcpy(dst, q, nd);
		return dst + nd;
	}
	memcpy(dst, q, nd - s);
	dst += nd - s;
	*dst++ = '.';
	memcpy(dst, q + nd - s, s);
	return dst + s;
}

char *
fx_format(struct fx v, char *dst)
{
	return fx_format_ms(v.m, v.s, dst);
}

char *
fx_format_dp(struct fx v, int dp, char *dst)
{
	char *e = fx_format(v, dst), *q;
	int n = 0;

	if (dp > FX_MAX_SCALE)
		dp = FX_MAX_SCALE;
	/* The shortest form's fractional digits, then the padding. */
	for (q = e; q > dst && q[-1] != '.'; q--)
		;
	if (q > dst)
		n = (int)(e - q);
	else if (dp > 0)
		*e++ = '.';
	for (; n < dp; n++)
		*e++ = '0';
	return e;
}

void
buf_add_fx_dp(struct buf *b, struct fx v, int dp)
{
	if (b->cap - b->len < FX_BUFSZ && buf_grow(b, FX_BUFSZ) < 0)
		return;
	b->len = (size_t)(fx_format_dp(v, dp, b->p + b->len) - b->p);
}

void
buf_add_ms(struct buf *b, fx_i128 m, int s)
{
	if (b->cap - b->len < FX_BUFSZ && buf_grow(b, FX_BUFSZ) < 0)
		return;
	b->len = (size_t)(fx_format_ms(m, s, b->p + b->len) - b->p);
}

void
buf_add_fx(struct buf *b, struct fx v)
{
	buf_add_ms(b, v.m, v.s);
}

double
fx_to_double(struct fx v)
{
	return (double)((long double)v.m / (long double)fx_pow10(v.s));
}

void
buf_add_rounded(struct buf *b, double v, int decimals)
{
	char tmp[64];
	int n, i;

	if (!isfinite(v))
		v = 0;
	/* Within 2^53 the scaled value rounds exactly in an integer, and an
	 * integer prints far faster than printf prints a double.  Ties go
	 * away from zero, as printf's do for such values in practice. */
	if (decimals >= 0 && decimals <= 9) {
		double scaled = v * (double)pow10_64[decimals];

		if (fabs(scaled) < 9007199254740992.0) {
			int64_t r = (int64_t)llround(scaled);

			buf_add_ms(b, r, r == 0 ? 0 : decimals);
			return;
		}
	}
	n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		buf_add(b, "0", 1);
		return;
	}
	if (memchr(tmp, '.', n)) {
		while (tmp[n - 1] == '0')
			n--;
		if (tmp[n - 1] == '.')
			n--;
	}
	/* "-0" after rounding is just 0. */
	for (i = tmp[0] == '-'; i < n && (tmp[i] == '0' || tmp[i] == '.'); i++)
		;
	if (i == n) {
		buf_add(b, "0", 1);
		return;
	}
	buf_add(b, tmp, n);
}

/* m / 10^k rounded as r says; k > 38 leaves at most a rounding unit. */
static fx_i128
div_pow10_round(fx_i128 m, int k, enum fx_round r)
{
	fx_i128 d, q, rem, half_twice;
	int neg = m < 0;

	if (k > FX_MAX_DIGITS) {
		/* |m| < 2^127 < 10^39: below half of 10^k for any k > 38. */
		if (r == FX_ROUND_UP && m != 0)
			return neg ? -1 : 1;
		return 0;
	}
	d = fx_pow10(k);
	q = m / d;
	rem = m % d;
	if (rem == 0 || r == FX_ROUND_DOWN)
		return q;
	if (rem < 0)
		rem = -rem;
	if (r == FX_ROUND_HALF_EVEN) {
		/* Compare 2*rem with d without overflow: rem < d <= 10^38. */
		half_twice = d - rem;
		if (rem < half_twice || (rem == half_twice && q % 2 == 0))
			return q;
	}
	return neg ? q - 1 : q + 1;
}

int
fx_mul_round(struct fx a, struct fx b, int scale, enum fx_round r,
    struct fx *out)
{
	fx_i128 m, lim = fx_pow10(FX_MAX_DIGITS);
	int s = a.s + b.s;

	if (scale < 0 || scale > FX_MAX_SCALE ||
	    __builtin_mul_overflow(a.m, b.m, &m))
		return -1;
	if (s > scale) {
		m = div_pow10_round(m, s - scale, r);
		s = scale;
	}
	if (m >= lim || m <= -lim)
		return -1;
	out->m = m;
	out->s = s;
	return 0;
}

char *
fx_str(struct fx v, char *dst)
{
	*fx_format(v, dst) = '\0';
	return dst;
}
