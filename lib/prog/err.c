/*
 * err: the one place programs print diagnostics.  The program name and the
 * bad-line counter are the only state, set once at start and bumped per
 * bad line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static const char *progname = "mkt";
static long bad_lines;

void
err_init(const char *name)
{
	progname = name;
}

const char *
err_progname(void)
{
	return progname;
}

static void
vmessage(const char *fmt, va_list ap, int errnum)
{
	/* One fprintf per piece would interleave with other writers; build
	 * the whole line first and write it once. */
	char line[1024];
	int n;

	n = snprintf(line, sizeof line, "%s: ", progname);
	if (n < 0)
		return;
	if ((size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (errnum) {
		size_t len = strlen(line);
		snprintf(line + len, sizeof line - len, ": %s", strerror(errnum));
	}
	fprintf(stderr, "%s\n", line);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void
die_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	fprintf(stderr, "try '%s --help'\n", progname);
	exit(2);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
}

void
warn_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, e);
	va_end(ap);
}

void
die_nomem(void)
{
	die("out of memory");
}

void
err_line(long lineno, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	bad_lines++;
	if (bad_lines > ERR_LINE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	warn("line %ld: %s", lineno, reason);
	if (bad_lines == ERR_LINE_MAX)
		warn("further bad-line messages suppressed");
}

long
err_line_count(void)
{
	return bad_lines;
}

void
err_line_summary(void)
{
	if (bad_lines > ERR_LINE_MAX)
		warn("%ld bad lines skipped in all", bad_lines);
}
