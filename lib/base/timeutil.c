/*
 * timeutil: durations and times as written on command lines (see
 * timeutil.h).  Calendar arithmetic is done on the proleptic Gregorian
 * calendar with the days-from-civil algorithm (H. Hinnant), so nothing
 * depends on TZ or on timegm(3).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

#define MS_SEC 1000LL
#define MS_MIN (60 * MS_SEC)
#define MS_HOUR (60 * MS_MIN)
#define MS_DAY (24 * MS_HOUR)

/*
 * Parse the unsigned decimal at *s, advancing it.  -1 with EINVAL when
 * there is no digit, ERANGE when the value passes INT64_MAX.
 */
static int
scan_u64(const char **s, int64_t *v)
{
	const char *p = *s;
	int64_t n = 0;

	if (*p < '0' || *p > '9') {
		errno = EINVAL;
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';

		if (n > (INT64_MAX - d) / 10) {
			errno = ERANGE;
			return -1;
		}
		n = n * 10 + d;
	}
	*s = p;
	*v = n;
	return 0;
}

int
dur_parse(const char *s, int64_t *ms)
{
	static const struct {
		const char *name;
		int64_t mult;
	} units[] = {
		{ "ms", 1 },
		{ "s", MS_SEC },
		{ "m", MS_MIN },
		{ "h", MS_HOUR },
		{ "d", MS_DAY },
	};
	const char *p = s;
	int64_t v;
	size_t i;

	if (!s) {
		errno = EINVAL;
		return -1;
	}
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (scan_u64(&p, &v) < 0)
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].name) != 0)
			continue;
		if (v > INT64_MAX / units[i].mult) {
			errno = ERANGE;
			return -1;
		}
		*ms = v * units[i].mult;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

char *
dur_format(int64_t ms, char *dst, size_t n)
{
	static const struct {
		const char *name;
		int64_t mult;
	} units[] = {
		{ "d", MS_DAY },
		{ "h", MS_HOUR },
		{ "m", MS_MIN },
		{ "s", MS_SEC },
	};
	const char *unit = "ms";
	int64_t v = ms;
	size_t i;

	if (n == 0)
		return dst;
	if (ms == 0) {
		snprintf(dst, n, "0");
		return dst;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (ms % units[i].mult == 0) {
			v = ms / units[i].mult;
			unit = units[i].name;
			break;
		}
	}
	snprintf(dst, n, "%lld%s", (long long)v, unit);
	return dst;
}

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int64_t y, int m)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Exactly n digits at *s into *v, advancing *s; 0 or -1. */
static int
digits(const char **s, int n, int *v)
{
	const char *p = *s;
	int x = 0;

	for (; n > 0; n--, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		x = x * 10 + (*p - '0');
	}
	*s = p;
	*v = x;
	return 0;
}

static int
expect(const char **s, char c)
{
	if (**s != c)
		return -1;
	(*s)++;
	return 0;
}

/*
 * RFC 3339 date-time, or its full-date alone (midnight UTC); -1 with
 * errno EINVAL on any deviation.
 */
static int
parse_rfc3339(const char *s, int64_t *ms)
{
	const char *p = s;
	int year, mon, day, hour = 0, min = 0, sec = 0, frac = 0, scale = 100;
	int off = 0, oh, om, sign;

	if (digits(&p, 4, &year) < 0 || expect(&p, '-') < 0 ||
	    digits(&p, 2, &mon) < 0 || expect(&p, '-') < 0 ||
	    digits(&p, 2, &day) < 0)
		goto bad;
	if (*p == '\0')
		goto check;
	if (*p != 'T' && *p != 't' && *p != ' ')
		goto bad;
	p++;
	if (digits(&p, 2, &hour) < 0 || expect(&p, ':') < 0 ||
	    digits(&p, 2, &min) < 0 || expect(&p, ':') < 0 ||
	    digits(&p, 2, &sec) < 0)
		goto bad;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			goto bad;
		/* Any number of digits; beyond milliseconds they are cut. */
		for (; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (digits(&p, 2, &oh) < 0 || expect(&p, ':') < 0 ||
		    digits(&p, 2, &om) < 0 || oh > 23 || om > 59)
			goto bad;
		off = sign * (oh * 60 + om);
	} else {
		goto bad;
	}
	if (*p != '\0')
		goto bad;
check:
	/* A leap second (sec 60) has no epoch value of its own: refused. */
	if (mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon) || hour > 23 || min > 59 ||
	    sec > 59)
		goto bad;
	*ms = days_from_civil(year, mon, day) * MS_DAY + hour * MS_HOUR +
	    min * MS_MIN + sec * MS_SEC + frac - off * MS_MIN;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/*
 * "now", "now-DUR", "now+DUR", "-DUR", "+DUR" (DUR with its unit, as
 * dur_parse() takes it) from now into *ms: 1.  0 when s is none of
 * these, -1 with errno for a bad duration or a time out of range.
 */
static int
parse_relative(const char *s, int64_t now, int64_t *ms)
{
	const char *p = s;
	int64_t d;

	if (strncmp(p, "now", 3) == 0) {
		p += 3;
		if (*p == '\0') {
			*ms = now;
			return 1;
		}
	} else if (*p != '-' && *p != '+') {
		return 0;
	} else if (p[1 + strspn(p + 1, "0123456789")] == '\0') {
		return 0;	/* -1000: epoch milliseconds */
	}
	if (*p != '-' && *p != '+') {
		errno = EINVAL;
		return -1;
	}
	if (dur_parse(p + 1, &d) < 0)
		return -1;
	if (*p == '-' ? __builtin_sub_overflow(now, d, ms) :
	    __builtin_add_overflow(now, d, ms)) {
		errno = ERANGE;
		return -1;
	}
	return 1;
}

int
time_parse(const char *s, int64_t *ms)
{
	return time_parse_at(s, time_now_ms(), ms);
}

int
time_parse_at(const char *s, int64_t now, int64_t *ms)
{
	const char *p = s;
	int64_t v;
	int neg = 0, r;

	if (!s) {
		errno = EINVAL;
		return -1;
	}
	r = parse_relative(s, now, &v);
	if (r < 0)
		return -1;
	if (r > 0) {
		*ms = v;
		return 0;
	}
	if (*p == '-') {
		neg = 1;
		p++;
	}
	/* All digits: epoch milliseconds. */
	if (*p >= '0' && *p <= '9' && p[strspn(p, "0123456789")] == '\0') {
		if (scan_u64(&p, &v) < 0)
			return -1;
		*ms = neg ? -v : v;
		return 0;
	}
	if (neg) {
		errno = EINVAL;
		return -1;
	}
	return parse_rfc3339(s, ms);
}

char *
time_format(int64_t ms, char *dst, size_t n)
{
	int64_t days, rem, y;
	int m, d, frac;

	if (n == 0)
		return dst;
	/* Floor division, so times before 1970 come out right. */
	days = ms / MS_DAY;
	rem = ms % MS_DAY;
	if (rem < 0) {
		rem += MS_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	frac = (int)(rem % MS_SEC);
	if (frac)
		snprintf(dst, n, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
		    (long long)y, m, d, (int)(rem / MS_HOUR),
		    (int)(rem / MS_MIN % 60), (int)(rem / MS_SEC % 60), frac);
	else
		snprintf(dst, n, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
		    (long long)y, m, d, (int)(rem / MS_HOUR),
		    (int)(rem / MS_MIN % 60), (int)(rem / MS_SEC % 60));
	return dst;
}

/* One clock's reading in units per second (1000 or 1000000). */
static int64_t
clock_read(clockid_t clock, int64_t per_sec)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * per_sec +
	    ts.tv_nsec / (1000000000 / per_sec);
}

int64_t
time_now_us(void)
{
	return clock_read(CLOCK_REALTIME, 1000000);
}

int64_t
time_now_ms(void)
{
	return clock_read(CLOCK_REALTIME, 1000);
}

int64_t
time_mono_us(void)
{
	return clock_read(CLOCK_MONOTONIC, 1000000);
}

int64_t
time_mono_ms(void)
{
	return clock_read(CLOCK_MONOTONIC, 1000);
}

int64_t
time_coarse_ms(void)
{
	return clock_read(CLOCK_MONOTONIC_COARSE, 1000);
}
