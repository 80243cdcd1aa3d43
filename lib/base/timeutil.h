/*
 * timeutil: durations ("250ms", "1s", "5m", "1h", "7d", "0") and times
 * (epoch milliseconds, RFC 3339, "2026-11-20T14:30:00Z",
 * "2026-11-20T14:30:00.250+01:00", a date alone, "2026-11-20", "now",
 * or an offset from now, "-1h", "-7d") as they appear on command lines.
 */
#ifndef MKT_TIMEUTIL_H
#define MKT_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "attr.h"

/*
 * Parse a duration into milliseconds.  A bare "0" is zero; otherwise a
 * non-negative integer followed by one unit: ms, s, m, h, d.  Anything
 * else (no unit, trailing bytes, overflow) is -1 with errno EINVAL or
 * ERANGE.
 */
int dur_parse(const char *s, int64_t *ms) WUR;

/* Render ms as the shortest exact duration ("90s", "1m", "250ms"). */
char *dur_format(int64_t ms, char *dst, size_t n);

/*
 * Parse a time: an integer (signed) is epoch milliseconds; "now" is now;
 * "-DUR" and "+DUR", or "now-DUR" and "now+DUR", are DUR (a duration
 * with its unit, as dur_parse() takes it: "-90m", "-7d") before or after
 * now; otherwise RFC 3339: a full-date alone ("2026-11-20", midnight
 * UTC), or a date-time with "T" or " ", an optional fraction of any
 * length (truncated to milliseconds), and "Z" or a +hh:mm/-hh:mm offset.
 * -1 with errno EINVAL or ERANGE on anything else.  time_parse() counts
 * from the wall clock, time_parse_at() from now (epoch ms).
 */
int time_parse(const char *s, int64_t *ms) WUR;
int time_parse_at(const char *s, int64_t now, int64_t *ms) WUR;

/* "2026-11-20T14:30:00.250Z" (fraction omitted when zero) into dst. */
char *time_format(int64_t ms, char *dst, size_t n);

/* Wall clock, epoch microseconds and milliseconds. */
int64_t time_now_us(void);
int64_t time_now_ms(void);

/*
 * The one monotonic clock (CLOCK_MONOTONIC), for timeouts and intervals:
 * milliseconds and microseconds from an arbitrary start.
 */
int64_t time_mono_ms(void);
int64_t time_mono_us(void);

/* The same clock, coarse (a few ms) but read without a system call. */
int64_t time_coarse_ms(void);

#endif
