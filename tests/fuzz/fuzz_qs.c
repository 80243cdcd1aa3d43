/*
 * fuzz_qs: libFuzzer harness for the query-string parser (base/qs) that
 * mkt-serve reads its parameters with.  Whatever it accepts stays within
 * its limits, has names of the allowed characters, no name twice and no
 * control character in a value, and the value of each name is found
 * again by qs_get(); a failure sets errno to EINVAL or E2BIG.  The same
 * bytes handed over as one decoded parameter (qs_add) obey the same.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/qs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
check_parsed(const struct qs *q)
{
	size_t i, k;
	const char *p;

	check(q->n <= QS_MAX && q->used <= QS_BYTES);
	for (i = 0; i < q->n; i++) {
		k = strlen(q->name[i]);
		check(k >= 1 && k <= QS_NAME_MAX);
		for (p = q->name[i]; *p; p++)
			check(strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *p) !=
			    NULL);
		for (p = q->val[i]; *p; p++)
			check((unsigned char)*p >= 0x20 && *p != 0x7f);
		check(qs_get(q, q->name[i]) == q->val[i]);
		check(q->name[i] >= q->store &&
		    q->val[i] < q->store + QS_BYTES);
	}
}

static struct qs q;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	qs_init(&q);
	if (qs_parse(&q, (const char *)data, size) == 0)
		check_parsed(&q);
	else
		check(errno == EINVAL || errno == E2BIG);
	check(strlen(q.bad) <= QS_NAME_MAX);
	qs_init(&q);
	if (qs_add(&q, (const char *)data, size) == 0) {
		check(q.n <= 1);
		check_parsed(&q);
	} else {
		check(errno == EINVAL || errno == E2BIG);
	}
	return 0;
}
