/*
 * fuzz_paper: libFuzzer harness for the paper venue's saved state
 * (paper_load, lib/venue/paper/paper.h).  Whatever it accepts saves to
 * text that loads again and saves to the same bytes; whatever it
 * refuses leaves an empty paper that still loads good text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "venue/paper/paper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static const char good[] = "paper 1\ncounters 1 0 5\norder bybit linear "
    "BTCUSDT a paper-1 buy limit gtc 2 100 0 0 0 0\nend\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct paper_opts o = { { 0, 0 }, { 0, 0 } };
	struct paper *p, *q;
	struct buf s1, s2;
	char why[200];

	check(paper_open(&p, &o) == 0);
	buf_init(&s1, 0);
	buf_init(&s2, 0);
	if (paper_load(p, (const char *)data, size, why, sizeof why) < 0) {
		check(errno == EINVAL || errno == ENOMEM);
		check(paper_load(p, good, sizeof good - 1, why,
		    sizeof why) == 0);
	}
	check(paper_save(p, &s1) == 0);
	check(paper_open(&q, &o) == 0);
	check(paper_load(q, s1.p, s1.len, why, sizeof why) == 0);
	check(paper_save(q, &s2) == 0);
	check(s1.len == s2.len && memcmp(s1.p, s2.p, s1.len) == 0);
	paper_close(q);
	paper_close(p);
	buf_free(&s1);
	buf_free(&s2);
	return 0;
}
