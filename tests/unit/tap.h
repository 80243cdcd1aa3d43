/*
 * tap: the smallest TAP producer for the C unit tests.  Each check prints
 * "ok N - name" or "not ok N - name" with the values that differed;
 * tap_done() prints the plan and returns the exit status.
 */
#ifndef MKT_TAP_H
#define MKT_TAP_H

#include <stdint.h>

void tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_eq_i(int64_t got, int64_t want, const char *name);
void tap_eq_s(const char *got, const char *want, const char *name);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_done(void);

#endif
