/*
 * jqfilter: a user's jq program (libjq) applied to one event at a time,
 * for --filter options.
 *
 * libjq 1.6 reads numbers as doubles, so rendering its output would
 * change an exact decimal like 30000.10000000 into 30000.1; an output
 * equal to its input is therefore written as the input's own bytes.
 */
#ifndef MKT_JQFILTER_H
#define MKT_JQFILTER_H

#include <stddef.h>

#include "base/buf.h"
#include "base/attr.h"

struct jqf;

/*
 * Compile program.  Sets *f; returns 0, or -1 with the compiler's first
 * message in why (errno EINVAL), or ENOMEM.  The caller frees *f with
 * jqf_free().
 */
int jqf_compile(struct jqf **f, const char *program, char *why,
    size_t whylen) WUR;

/*
 * Run the program on the JSON text line[0..n) and append each output
 * to out as one compact line ending in '\n' (the line itself, with a
 * '\n', for an output equal to the input).  Returns the number of
 * outputs, or -1 with the reason in why when the input is not JSON or
 * the program raised an error: then nothing is appended.  Memory
 * failures are left in out (buf_failed).
 */
int jqf_run(struct jqf *f, const char *line, size_t n, struct buf *out,
    char *why, size_t whylen) WUR;

/* NULL is a no-op. */
void jqf_free(struct jqf *f);

#endif
