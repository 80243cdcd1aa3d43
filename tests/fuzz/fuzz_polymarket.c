/*
 * fuzz_polymarket: libFuzzer harness for the Polymarket normalizer and
 * its market metadata reader.  The first byte picks whether the receive
 * time is known, a small output buffer, and whether the rest is a
 * markets file (loaded, then the same bytes normalized, so that the
 * hash check runs on books whose tokens are known) or one raw message.
 * A failure leaves the buffer as it was; every event appended is one
 * line that the event reader takes (event_parse), and their number is
 * the result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "event/event.h"
#include "venue/polymarket/polymarket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] = "{\"kept\":1}\n";
	struct buf b;
	char why[256];
	const char *msg, *p, *end;
	unsigned sel;
	size_t n, pre = sizeof prefix - 1;
	int r, lines = 0;

	if (size < 1)
		return 0;
	sel = data[0];
	msg = (const char *)data + 1;
	n = size - 1;
	if (sel & 8) {
		memset(why, 'x', sizeof why);
		if (polymarket_markets_load(msg, n, why, sizeof why) < 0)
			check(memchr(why, '\0', sizeof why) != NULL);
	}
	buf_init(&b, sel & 16 ? 512 : 0);
	buf_add(&b, prefix, pre);
	memset(why, 'x', sizeof why);
	r = polymarket_normalize(msg, n, "clob", sel & 4 ? 1700000000123456 :
	    -1, &b, why, sizeof why);
	check(!buf_failed(&b));
	check(memcmp(b.p, prefix, pre) == 0);
	if (r < 0) {
		check(b.len == pre);
		check(memchr(why, '\0', sizeof why) != NULL);
	} else {
		p = b.p + pre;
		end = b.p + b.len;
		check(p == end || end[-1] == '\n');
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			struct event ev;
			char ewhy[256];

			check(nl != NULL);
			check(event_parse(p, (size_t)(nl - p), &ev, ewhy,
			    sizeof ewhy) == 0);
			lines++;
			p = nl + 1;
		}
		check(lines == r);
	}
	buf_free(&b);
	return 0;
}
