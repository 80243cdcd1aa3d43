/*
 * tap: TAP output for the C unit tests (see tap.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int count, failed;

static void
vreport(int cond, const char *fmt, va_list ap)
{
	count++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", count);
	vprintf(fmt, ap);
	putchar('\n');
}

void
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cond, fmt, ap);
	va_end(ap);
}

void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void
tap_eq_i(int64_t got, int64_t want, const char *name)
{
	tap_ok(got == want, "%s", name);
	if (got != want)
		tap_diag("got %" PRId64 ", want %" PRId64, got, want);
}

void
tap_eq_s(const char *got, const char *want, const char *name)
{
	int same = got && want ? strcmp(got, want) == 0 : got == want;

	tap_ok(same, "%s", name);
	if (!same)
		tap_diag("got '%s', want '%s'", got ? got : "(null)",
		    want ? want : "(null)");
}

int
tap_done(void)
{
	printf("1..%d\n", count);
	fflush(stdout);
	return failed ? 1 : 0;
}
