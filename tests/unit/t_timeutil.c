/*
 * t_timeutil: durations and times as written on command lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "base/timeutil.h"

static void
dur_ok(const char *s, int64_t want)
{
	int64_t ms = -12345;
	int r = dur_parse(s, &ms);

	tap_ok(r == 0 && ms == want, "dur_parse '%s' = %lld", s,
	    (long long)want);
	if (r != 0 || ms != want)
		tap_diag("r %d, got %lld", r, (long long)ms);
}

static void
dur_bad(const char *s, int want_errno)
{
	int64_t ms = 777;
	int r;

	errno = 0;
	r = dur_parse(s, &ms);
	tap_ok(r == -1 && errno == want_errno && ms == 777,
	    "dur_parse '%s' fails with %s", s,
	    want_errno == ERANGE ? "ERANGE" : "EINVAL");
}

static void
dur_fmt(int64_t ms, const char *want)
{
	char b[32];

	tap_eq_s(dur_format(ms, b, sizeof b), want, want);
}

static void
test_dur(void)
{
	dur_ok("0", 0);
	dur_ok("0ms", 0);
	dur_ok("0s", 0);
	dur_ok("250ms", 250);
	dur_ok("1s", 1000);
	dur_ok("90s", 90000);
	dur_ok("5m", 300000);
	dur_ok("1h", 3600000);
	dur_ok("7d", 7 * 86400000LL);
	dur_ok("0010s", 10000);
	dur_ok("9223372036854775807ms", INT64_MAX);
	dur_ok("106751991167d", 106751991167LL * 86400000);

	dur_bad("", EINVAL);
	dur_bad("5", EINVAL);
	dur_bad("1.5s", EINVAL);
	dur_bad("-1s", EINVAL);
	dur_bad("+1s", EINVAL);
	dur_bad(" 1s", EINVAL);
	dur_bad("1s ", EINVAL);
	dur_bad("1 s", EINVAL);
	dur_bad("1sec", EINVAL);
	dur_bad("1S", EINVAL);
	dur_bad("1ms1", EINVAL);
	dur_bad("1y", EINVAL);
	dur_bad("s", EINVAL);
	dur_bad("ms", EINVAL);
	dur_bad("00", EINVAL);
	dur_bad("9223372036854775808ms", ERANGE);
	dur_bad("106751991168d", ERANGE);
	dur_bad("99999999999999999999999s", ERANGE);

	dur_fmt(0, "0");
	dur_fmt(250, "250ms");
	dur_fmt(1000, "1s");
	dur_fmt(90000, "90s");
	dur_fmt(60000, "1m");
	dur_fmt(5400000, "90m");
	dur_fmt(3600000, "1h");
	dur_fmt(7 * 86400000LL, "7d");
	dur_fmt(1500, "1500ms");
}

static void
time_ok(const char *s, int64_t want)
{
	int64_t ms = -12345;
	int r = time_parse(s, &ms);

	tap_ok(r == 0 && ms == want, "time_parse '%s' = %lld", s,
	    (long long)want);
	if (r != 0 || ms != want)
		tap_diag("r %d, got %lld", r, (long long)ms);
}

static void
time_bad(const char *s, int want_errno)
{
	int64_t ms = 777;
	int r;

	errno = 0;
	r = time_parse(s, &ms);
	tap_ok(r == -1 && errno == want_errno && ms == 777,
	    "time_parse '%s' fails with %s", s,
	    want_errno == ERANGE ? "ERANGE" : "EINVAL");
}

static void
round_trip(const char *s)
{
	char b[64];
	int64_t ms;

	if (time_parse(s, &ms) < 0) {
		tap_ok(0, "round trip '%s': parse", s);
		return;
	}
	tap_eq_s(time_format(ms, b, sizeof b), s, s);
}

static void
test_time(void)
{
	/* 2026-11-20T14:30:00Z, by hand: 20777 days after 1970-01-01. */
	const int64_t t = 20777LL * 86400000 + (14 * 60 + 30) * 60000LL;
	char b[64];

	time_ok("0", 0);
	time_ok("1700000000123", 1700000000123LL);
	time_ok("-1000", -1000);
	time_ok("1970-01-01T00:00:00Z", 0);
	time_ok("2026-11-20T14:30:00Z", t);
	time_ok("2026-11-20t14:30:00z", t);
	time_ok("2026-11-20 14:30:00Z", t);
	time_ok("2026-11-20T14:30:00.250Z", t + 250);
	time_ok("2026-11-20T14:30:00.2Z", t + 200);
	time_ok("2026-11-20T14:30:00.25Z", t + 250);
	time_ok("2026-11-20T14:30:00.123456789Z", t + 123);
	time_ok("2026-11-20T14:30:00.999999999999Z", t + 999);
	time_ok("2026-11-20T15:30:00+01:00", t);
	time_ok("2026-11-20T15:30:00.250+01:00", t + 250);
	time_ok("2026-11-20T09:00:00-05:30", t);
	time_ok("2026-11-21T00:00:00+09:30", t);
	time_ok("2026-11-20T14:30:00+00:00", t);
	time_ok("2026-11-20T14:30:00-00:00", t);
	time_ok("2024-02-29T00:00:00Z", 1709164800000LL);
	time_ok("2000-02-29T12:00:00Z", 951825600000LL);
	time_ok("1969-12-31T23:59:59.999Z", -1);
	time_ok("1900-03-01T00:00:00Z", -2203891200000LL);
	time_ok("2026-12-31T23:59:59Z", 1798761599000LL);

	time_bad("", EINVAL);
	time_bad("-", EINVAL);
	time_bad("12a", EINVAL);
	time_bad("2023-02-29T00:00:00Z", EINVAL);
	time_bad("1900-02-29T00:00:00Z", EINVAL);
	time_bad("2026-13-01T00:00:00Z", EINVAL);
	time_bad("2026-00-01T00:00:00Z", EINVAL);
	time_bad("2026-04-31T00:00:00Z", EINVAL);
	time_bad("2026-01-00T00:00:00Z", EINVAL);
	time_bad("2026-01-32T00:00:00Z", EINVAL);
	time_bad("2026-01-01T24:00:00Z", EINVAL);
	time_bad("2026-01-01T23:60:00Z", EINVAL);
	time_bad("2026-01-01T23:59:60Z", EINVAL);
	time_bad("2026-01-01T00:00:00", EINVAL);
	time_bad("2026-01-01T00:00Z", EINVAL);
	time_bad("2026-1-01T00:00:00Z", EINVAL);
	time_bad("2026-01-01X00:00:00Z", EINVAL);
	time_bad("2026-01-01T00:00:00.Z", EINVAL);
	time_bad("2026-01-01T00:00:00Z ", EINVAL);
	time_bad("2026-01-01T00:00:00+0100", EINVAL);
	time_bad("2026-01-01T00:00:00+01", EINVAL);
	time_bad("2026-01-01T00:00:00+24:00", EINVAL);
	time_bad("2026-01-01T00:00:00+01:60", EINVAL);
	time_bad(" 2026-01-01T00:00:00Z", EINVAL);
	time_bad("99999999999999999999", ERANGE);

	round_trip("2026-11-20T14:30:00Z");
	round_trip("2026-11-20T14:30:00.250Z");
	round_trip("2026-11-20T14:30:00.001Z");
	round_trip("2024-02-29T23:59:59.999Z");
	round_trip("1970-01-01T00:00:00Z");
	round_trip("1969-07-20T20:17:40Z");
	round_trip("2000-01-01T00:00:00Z");
	round_trip("2100-03-01T00:00:00Z");
	round_trip("0001-01-01T00:00:00Z");
	round_trip("9999-12-31T23:59:59.999Z");
	tap_eq_s(time_format(-1, b, sizeof b), "1969-12-31T23:59:59.999Z",
	    "format -1");
	tap_eq_s(time_format(t + 250, b, sizeof b),
	    "2026-11-20T14:30:00.250Z", "format with fraction");

	tap_ok(time_now_ms() > 1700000000000LL, "time_now_ms is plausible");
	tap_ok(time_now_us() / 1000 - time_now_ms() <= 1,
	    "time_now_us agrees with time_now_ms");
}

static void
at_ok(const char *s, int64_t now, int64_t want)
{
	int64_t ms = -12345;
	int r = time_parse_at(s, now, &ms);

	tap_ok(r == 0 && ms == want, "time_parse_at '%s' from %lld = %lld", s,
	    (long long)now, (long long)want);
	if (r != 0 || ms != want)
		tap_diag("r %d, got %lld", r, (long long)ms);
}

static void
at_bad(const char *s, int64_t now, int want_errno)
{
	int64_t ms = 777;
	int r;

	errno = 0;
	r = time_parse_at(s, now, &ms);
	tap_ok(r == -1 && errno == want_errno && ms == 777,
	    "time_parse_at '%s' fails with %s", s,
	    want_errno == ERANGE ? "ERANGE" : "EINVAL");
}

/* A date alone, now, and offsets from now. */
static void
test_relative(void)
{
	const int64_t now = 1796380000123LL, h = 3600000, d = 24 * h;
	const int64_t day = 20777LL * 86400000;	/* 2026-11-20 */
	int64_t a, b;

	time_ok("2026-11-20", day);
	time_ok("2024-02-29", 1709164800000LL);
	time_ok("1970-01-01", 0);
	time_bad("2026-02-29", EINVAL);
	time_bad("2026-11-20T", EINVAL);
	time_bad("2026-11-20Z", EINVAL);
	time_bad("2026-11-2", EINVAL);
	at_ok("now", now, now);
	at_ok("-1h", now, now - h);
	at_ok("-7d", now, now - 7 * d);
	at_ok("-90m", now, now - 90 * 60000);
	at_ok("-250ms", now, now - 250);
	at_ok("+1h", now, now + h);
	at_ok("now-1h", now, now - h);
	at_ok("now+2d", now, now + 2 * d);
	at_ok("now-0", now, now);
	/* Integers stay epoch milliseconds; dates do not move with now. */
	at_ok("-1000", now, -1000);
	at_ok("1700000000000", now, 1700000000000LL);
	at_ok("2026-11-20", now, day);
	at_bad("now-", now, EINVAL);
	at_bad("now-1", now, EINVAL);
	at_bad("now1h", now, EINVAL);
	at_bad("now 1h", now, EINVAL);
	at_bad("-1x", now, EINVAL);
	at_bad("-1h ", now, EINVAL);
	at_bad("--1h", now, EINVAL);
	at_bad("-h", now, EINVAL);
	at_bad("+1000", now, EINVAL);
	at_bad("Now", now, EINVAL);
	at_bad("-99999999999999999999d", now, ERANGE);
	at_bad("-106751991167d", -now, ERANGE);
	at_bad("+106751991167d", now, ERANGE);
	/* time_parse() counts from the wall clock. */
	a = time_now_ms();
	tap_ok(time_parse("-1h", &b) == 0 && b >= a - h &&
	    b <= time_now_ms() - h, "time_parse '-1h' is an hour ago");
}

/* Every day of 400 years survives format and parse. */
static void
test_days(void)
{
	int64_t d, ms, back;
	long bad = 0;
	char b[64];

	for (d = -146097; d < 146097; d++) {
		ms = d * 86400000 + 45296789;
		time_format(ms, b, sizeof b);
		if (time_parse(b, &back) < 0 || back != ms)
			bad++;
	}
	tap_eq_i(bad, 0, "800 years of days round trip");
}

int
main(void)
{
	test_dur();
	test_time();
	test_relative();
	test_days();
	return tap_done();
}
