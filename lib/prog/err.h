/*
 * err: diagnostics for programs, one line each, "mkt-NAME: message".
 *
 * Only programs (cmd/) call these; library code returns errors instead.
 * Bad input lines go through err_line(), which is rate-limited by count
 * so that a flood of garbage cannot flood standard error, and the number
 * of suppressed messages is reported once by err_line_summary().
 */
#ifndef MKT_ERR_H
#define MKT_ERR_H

#include <stdarg.h>
#include <stdnoreturn.h>

#include "base/attr.h"

/* Name printed before every message; the argument is kept, not copied.
 * Also decides, once, whether standard error is the journal's stream
 * ($JOURNAL_STREAM) and messages carry priority prefixes. */
void err_init(const char *progname);
const char *err_progname(void);

noreturn void die(const char *fmt, ...) ERR_PRINTF(1, 2);
noreturn void die_errno(const char *fmt, ...) ERR_PRINTF(1, 2);
/* Usage error: message, the usage hint, exit 2. */
noreturn void die_usage(const char *fmt, ...) ERR_PRINTF(1, 2);
void warn(const char *fmt, ...) ERR_PRINTF(1, 2);
void warn_errno(const char *fmt, ...) ERR_PRINTF(1, 2);
/* What a program did, not a fault: "<6>" in the journal, where die and
 * usage errors say "<3>" and warnings "<4>" (sd-daemon(3)); elsewhere a
 * line like the others. */
void note(const char *fmt, ...) ERR_PRINTF(1, 2);

/* Out of memory in a program: a message and exit 1. */
noreturn void die_nomem(void);

/*
 * A bad input line: "mkt-NAME: line N: reason".  The first ERR_LINE_MAX
 * are printed, the rest counted; err_line_summary() prints the count of
 * bad lines once (at exit) when any message was suppressed.
 */
#define ERR_LINE_MAX 100
void err_line(long lineno, const char *fmt, ...) ERR_PRINTF(2, 3);
long err_line_count(void);
void err_line_summary(void);

#endif
