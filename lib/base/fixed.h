/*
 * fixed: exact decimal numbers.
 *
 * A value is mantissa / 10^scale with a 128-bit mantissa, so exchange
 * prices and quantities ("0.35210000", 30000.01, 1.5e-3) and their sums
 * and products stay exact from parse to print: no binary floating point
 * anywhere on their way.  Up to FX_MAX_DIGITS significant digits and a
 * scale up to FX_MAX_SCALE; anything larger is an overflow error, never a
 * wrap or a rounding.
 */
#ifndef MKT_FIXED_H
#define MKT_FIXED_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "attr.h"

#define FX_MAX_DIGITS 38
#define FX_MAX_SCALE 36
/* Room for the longest rendering: sign, 38 digits, point, leading "0.". */
#define FX_BUFSZ 80

typedef __int128 fx_i128;

struct fx {
	fx_i128 m;	/* mantissa */
	int s;		/* scale: digits after the point, 0..FX_MAX_SCALE */
};

enum fx_err {
	FX_OK = 0,
	FX_SYNTAX = -1,		/* not a decimal number */
	FX_RANGE = -2,		/* too many digits or too large a scale */
};

/*
 * Parse p[0..n) whole: an optional '-', digits, an optional fraction and
 * an optional exponent (JSON number syntax; a leading '+' or '.' and
 * leading zeros like "01" are syntax errors).  The scale is the number of
 * fraction digits as written (less the exponent), so "0.35210000" keeps
 * scale 8.  Returns FX_OK, FX_SYNTAX or FX_RANGE.
 */
int fx_parse(const char *p, size_t n, struct fx *out) WUR;

/*
 * Parse the JSON number that starts at p and ends at the first byte
 * that cannot continue it (bounded by end); *stop is set past it.  The
 * same rules and results as fx_parse(); faster on the hot path, since
 * the text is read once.
 */
int fx_scan(const char *p, const char *end, struct fx *out,
    const char **stop) WUR;

/* 10^k for 0 <= k <= 38. */
fx_i128 fx_pow10(int k);

/*
 * The mantissa of v at scale s (s >= v.s): v.m * 10^(s - v.s).
 * Returns 0, or -1 when that overflows or s < v.s would drop digits
 * that are not zero.
 */
int fx_at_scale_slow(struct fx v, int s, fx_i128 *m) WUR;

static inline int __attribute__((warn_unused_result))
fx_at_scale(struct fx v, int s, fx_i128 *m)
{
	/* Values of one book nearly always share its scale. */
	if (s == v.s) {
		*m = v.m;
		return 0;
	}
	return fx_at_scale_slow(v, s, m);
}

/* a + b and a - b exactly, at the larger scale. 0, or -1 on overflow. */
int fx_add(struct fx a, struct fx b, struct fx *out) WUR;
int fx_sub(struct fx a, struct fx b, struct fx *out) WUR;

/*
 * a * k exactly, at a's scale: a price step times a count of steps, say.
 * Returns 0, or -1 when the product has more than FX_MAX_DIGITS digits
 * (*out is then untouched).
 */
int fx_mul_int(struct fx a, int64_t k, struct fx *out) WUR;

/*
 * a * b exactly, at scale a.s + b.s (trailing fractional zeros dropped
 * when that is above FX_MAX_SCALE).  Returns 0, or -1 when the product
 * has more than FX_MAX_DIGITS digits or too large a scale (*out is then
 * untouched).
 */
int fx_mul(struct fx a, struct fx b, struct fx *out) WUR;

/*
 * a / b at scale (0..FX_MAX_SCALE) decimals, rounded half to even: the
 * one rounding of this module, for averages ("100.5" / "3" at 4 is
 * "33.5000").  Returns 0, or -1 when b is zero, scale is out of range or
 * the quotient or an intermediate product overflows (*out untouched).
 */
int fx_div(struct fx a, struct fx b, int scale, struct fx *out) WUR;

/* Compare exactly: <0, 0, >0. */
int fx_cmp(struct fx a, struct fx b);

/* Drop trailing fractional zeros: 1.500 -> 1.5, 2.00 -> 2. */
struct fx fx_trim(struct fx v);

/*
 * Render exactly, trailing fractional zeros dropped, never an exponent:
 * "0.3521", "-2", "30000.01".  dst holds FX_BUFSZ bytes; returns the end
 * (no NUL is written).
 */
char *fx_format(struct fx v, char *dst);

/* The same, NUL-terminated: returns dst (FX_BUFSZ bytes). */
char *fx_str(struct fx v, char *dst);
void buf_add_fx(struct buf *b, struct fx v);

/*
 * Render with dp decimals, as venues that pad their numbers do:
 * trailing fractional zeros are dropped down to dp, then zeros added up
 * to dp ("60000.1" -> "60000.10000000" for dp 8; "2" -> "2" for dp 0).
 * Digits past dp that are not zero stay: nothing is ever rounded.
 * dp < 0 is fx_format's shortest form; dp above FX_MAX_SCALE counts as
 * FX_MAX_SCALE.  dst holds FX_BUFSZ bytes; returns the end (no NUL).
 */
char *fx_format_dp(struct fx v, int dp, char *dst);
void buf_add_fx_dp(struct buf *b, struct fx v, int dp);

/* Render a mantissa at a scale (the book's integer form). */
char *fx_format_ms(fx_i128 m, int s, char *dst);
/* The same, straight into a buffer. */
void buf_add_ms(struct buf *b, fx_i128 m, int s);

/*
 * Derived figures (ratios, percentages) have no exact decimal value;
 * they are computed in double from the exact operands, never carried
 * from one event to the next, and printed rounded to `decimals` places
 * with trailing zeros dropped ("12.5", "-0.0417", "0").
 */
double fx_to_double(struct fx v);
void buf_add_rounded(struct buf *b, double v, int decimals);

/* How fx_mul_round() rounds digits past the scale it is given. */
enum fx_round {
	FX_ROUND_DOWN,		/* toward zero: cut */
	FX_ROUND_HALF_EVEN,	/* to nearest, a tie to the even digit */
	FX_ROUND_UP,		/* away from zero */
};

/*
 * a * b, exact when the product has at most `scale` fraction digits
 * (a.s + b.s <= scale), otherwise rounded to `scale` digits as r says;
 * trailing zeros are kept (fx_trim drops them).  0 <= scale <=
 * FX_MAX_SCALE.  Returns 0, or -1 (*out untouched) when the exact
 * mantissa a.m * b.m does not fit 128 bits or the result has more than
 * FX_MAX_DIGITS digits.
 */
int fx_mul_round(struct fx a, struct fx b, int scale, enum fx_round r,
    struct fx *out) WUR;

#endif
