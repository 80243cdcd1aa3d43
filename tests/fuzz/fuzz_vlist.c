/*
 * fuzz_vlist: libFuzzer harness for mkt-feed's symbols file parser
 * (venue/vlist).  Whatever it accepts holds targets of known markets
 * whose symbol or pattern fits and is upper-case letters, digits and
 * glob characters, and a pattern matches without failing; whatever it
 * refuses says which line and leaves the list as it was.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "venue/vlist.h"

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
	struct vlist l;
	char why[256] = "";
	size_t i, k, patterns = 0;
	int r;

	vlist_init(&l);
	/* One item first: a refusal must leave it. */
	check(vlist_add(&l, "binance:spot:BTCUSDT", 0, why, sizeof why) == 0);
	r = vlist_parse(&l, (const char *)data, size, why, sizeof why);
	if (r < 0) {
		check(strncmp(why, "line ", 5) == 0);
		check(l.n == 1 && l.patterns == 0);
		vlist_free(&l);
		return 0;
	}
	for (i = 0; i < l.n; i++) {
		const struct vlist_item *it = &l.v[i];
		size_t n = strlen(it->t.symbol);

		check(it->t.m != NULL && n > 0 && n < sizeof it->t.symbol);
		for (k = 0; k < n; k++)
			check(isupper((unsigned char)it->t.symbol[k]) ||
			    isdigit((unsigned char)it->t.symbol[k]) ||
			    (it->pattern && strchr("*?[]!-",
			    it->t.symbol[k])));
		check(it->line >= 0 && (i == 0 || it->line > 0));
		patterns += (size_t)it->pattern;
		(void)vlist_match(it, "BTCUSDT");
		if (!it->pattern)
			check(vlist_match(it, it->t.symbol));
	}
	check(patterns == l.patterns);
	vlist_free(&l);
	return 0;
}
