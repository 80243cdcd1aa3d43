/*
 * err: the one place programs print diagnostics.  The program name, whether
 * standard error is the journal, and the bad-line counter are the only
 * state, set once at start and bumped per bad line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-daemon.h>

#include "err.h"

static const char *progname = "mkt";
static int to_journal;
static long bad_lines;

/*
 * Whether standard error is the journal's stream: $JOURNAL_STREAM names
 * its device and inode (systemd.exec(5)); a stderr redirected elsewhere
 * by a shell keeps the variable but not the file, and gets no prefixes.
 */
static int
stderr_is_journal(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat sb;
	int n = 0;

	if (!s || sscanf(s, "%ju:%ju%n", &dev, &ino, &n) != 2 || s[n])
		return 0;
	if (fstat(2, &sb) < 0)
		return 0;
	return (uintmax_t)sb.st_dev == dev && (uintmax_t)sb.st_ino == ino;
}

void
err_init(const char *name)
{
	progname = name;
	to_journal = stderr_is_journal();
}

const char *
err_progname(void)
{
	return progname;
}

/* level: SD_ERR, SD_WARNING or SD_INFO, the journal's priority prefix. */
static void
vmessage(const char *level, const char *fmt, va_list ap, int errnum)
{
	/* One fprintf per piece would interleave with other writers; build
	 * the whole line first and write it once. */
	char line[1024];
	int n;

	n = snprintf(line, sizeof line, "%s%s: ", to_journal ? level : "",
	    progname);
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
	vmessage(SD_ERR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void
die_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(SD_ERR, fmt, ap, e);
	va_end(ap);
	exit(1);
}

void
die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(SD_ERR, fmt, ap, 0);
	va_end(ap);
	fprintf(stderr, "%stry '%s --help'\n", to_journal ? SD_ERR : "",
	    progname);
	exit(2);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(SD_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
warn_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(SD_WARNING, fmt, ap, e);
	va_end(ap);
}

void
note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(SD_INFO, fmt, ap, 0);
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
