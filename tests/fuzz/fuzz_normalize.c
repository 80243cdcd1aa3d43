/*
 * fuzz_normalize: libFuzzer harness for the venue normalizers.  The first
 * byte picks the venue and market, whether the receive time and the
 * caller's symbol are known, and a small output buffer; the rest is one
 * raw message.  Each message goes through the one-pass decoder and the
 * plain pass (NORM_ONE_PASS and NORM_PLAIN), which must agree exactly: the
 * result, the events appended, the reason of a failure.  A failure
 * leaves the buffer as it was; every event appended is one line that the
 * event reader takes (event_parse).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "event/event.h"
#include "venue/binance/binance.h"
#include "venue/bybit/bybit.h"
#include "venue/norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* One normalizer call into b (holding a prefix to keep) with its reason. */
static int
normalize(unsigned sel, const char *msg, size_t n, struct buf *b, char *why,
    size_t whylen, enum norm_mode mode)
{
	static const char *const markets[] = { "spot", "futures", "linear",
	    "spot" };
	int64_t recv = sel & 4 ? 1700000000123456 : -1;

	if ((sel & 3) < 2)
		return binance_normalize_mode(msg, n, markets[sel & 3],
		    sel & 8 ? "BTCUSDT" : NULL, recv, b, why, whylen, mode);
	return bybit_normalize_mode(msg, n, markets[sel & 3], recv, b, why,
	    whylen, mode);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] = "{\"kept\":1}\n";
	struct buf fast, plain;
	char why_fast[256], why_plain[256];
	const char *msg, *p, *end;
	unsigned sel;
	size_t n, pre = sizeof prefix - 1;
	int rf, rp;

	if (size < 1)
		return 0;
	sel = data[0];
	msg = (const char *)data + 1;
	n = size - 1;
	/* A small maximum makes some events too large for the buffer. */
	buf_init(&fast, sel & 16 ? 512 : 0);
	buf_init(&plain, sel & 16 ? 512 : 0);
	buf_add(&fast, prefix, pre);
	buf_add(&plain, prefix, pre);
	memset(why_fast, 'x', sizeof why_fast);
	memset(why_plain, 'x', sizeof why_plain);

	rf = normalize(sel, msg, n, &fast, why_fast, sizeof why_fast,
	    NORM_ONE_PASS);
	rp = normalize(sel, msg, n, &plain, why_plain, sizeof why_plain,
	    NORM_PLAIN);

	check(rf == rp);
	check(fast.len == plain.len && !buf_failed(&fast) &&
	    !buf_failed(&plain));
	check(memcmp(fast.p, plain.p, fast.len) == 0);
	check(memcmp(fast.p, prefix, pre) == 0);
	if (rf < 0) {
		check(fast.len == pre);
		check(memchr(why_fast, '\0', sizeof why_fast) != NULL);
		check(strcmp(why_fast, why_plain) == 0);
	} else {
		int lines = 0;

		p = fast.p + pre;
		end = fast.p + fast.len;
		check(p == end || end[-1] == '\n');
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			struct event ev;
			char why[256];

			check(nl != NULL);
			/* Ids out of order are the sync's to find, not the
			 * normalizers': only the form is checked here. */
			check(event_parse(p, (size_t)(nl - p), &ev, why,
			    sizeof why) == 0);
			lines++;
			p = nl + 1;
		}
		if (rf != BINANCE_SHUTDOWN)
			check(lines == rf);
	}
	buf_free(&fast);
	buf_free(&plain);
	return 0;
}
