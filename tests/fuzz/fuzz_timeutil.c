/*
 * fuzz_timeutil: libFuzzer harness for the command-line parsers of
 * durations and times.  Whatever dur_parse() accepts prints with
 * dur_format() and parses back to the same value; whatever
 * time_parse_at() accepts does not depend on "now" unless it is written
 * relative to it, and, within years 1 to 9999, prints with time_format()
 * and parses back to the same instant.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define YEAR1_MS (-62135596800000LL)	/* 0001-01-01T00:00:00Z */
#define YEAR10000_MS 253402300800000LL	/* 10000-01-01T00:00:00Z */

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
dur_round_trip(const char *s)
{
	char b[64];
	int64_t ms, back;

	if (dur_parse(s, &ms) < 0) {
		check(errno == EINVAL || errno == ERANGE);
		return;
	}
	check(ms >= 0);
	dur_format(ms, b, sizeof b);
	check(dur_parse(b, &back) == 0 && back == ms);
}

static void
time_round_trip(const char *s)
{
	const int64_t now = 1796380000123LL, later = now + 86400000;
	int relative = *s == 'n' || *s == '-' || *s == '+';
	int64_t ms, ms2, back;
	char b[64];
	int r, r2;

	r = time_parse_at(s, now, &ms);
	r2 = time_parse_at(s, later, &ms2);
	check(r == r2);
	if (r < 0) {
		check(errno == EINVAL || errno == ERANGE);
		return;
	}
	if (!relative)
		check(ms == ms2);
	if (ms < YEAR1_MS || ms >= YEAR10000_MS)
		return;
	time_format(ms, b, sizeof b);
	check(time_parse_at(b, later, &back) == 0 && back == ms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128];

	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	dur_round_trip(s);
	time_round_trip(s);
	return 0;
}
