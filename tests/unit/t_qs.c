/*
 * t_qs: query strings split, decoded and refused (base/qs).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "base/qs.h"

static struct qs q;

/* Parse s; 0 or the errno of the failure. */
static int
parse(const char *s)
{
	qs_init(&q);
	return qs_parse(&q, s, strlen(s)) == 0 ? 0 : errno;
}

static void
bad(const char *s, int want_errno, const char *want_param)
{
	int e = parse(s);

	tap_eq_i(e, want_errno, s);
	tap_eq_s(q.bad, want_param, "  names the parameter");
}

int
main(void)
{
	char big[QS_BYTES + 64];
	const char *v;
	int i;

	tap_eq_i(parse("venue=binance&pct=1.5&from=2023-11-14T22%3A20%3A00"
	    "%2B01%3A00&to="), 0, "a chart query parses");
	tap_eq_i((int64_t)q.n, 4, "  four parameters");
	tap_eq_s(qs_get(&q, "venue"), "binance", "  venue");
	tap_eq_s(qs_get(&q, "from"), "2023-11-14T22:20:00+01:00",
	    "  percent escapes decoded");
	tap_eq_s(qs_get(&q, "to"), "", "  an empty value");
	tap_ok(qs_get(&q, "symbol") == NULL, "  an absent name is NULL");
	tap_eq_i(parse("a=x+y%20z&&b&"), 0, "'+', empty pieces, a bare name");
	tap_eq_s(qs_get(&q, "a"), "x y z", "  '+' is a space");
	tap_eq_s(qs_get(&q, "b"), "", "  a bare name has an empty value");
	tap_eq_i((int64_t)q.n, 2, "  empty pieces skipped");
	tap_eq_i(parse(""), 0, "an empty query");
	{
		static const char *const known[] = { "a", "b", NULL };

		tap_eq_i(parse("a=1&c=2&b=3"), 0, "for qs_unknown");
		tap_eq_i(qs_unknown(&q, known), 1, "  the unknown one's index");
	}

	bad("pct=1&pct=2", EINVAL, "pct");
	bad("a=%zz", EINVAL, "a");
	bad("a=%4", EINVAL, "a");
	bad("a=%00", EINVAL, "a");
	bad("a=%0a", EINVAL, "a");
	bad("=1", EINVAL, "");
	bad("bad name=1", EINVAL, "badname");
	bad("a%41=1", EINVAL, "a41");
	bad("abcdefghijabcdefghijabcdefghijabc=1", EINVAL,
	    "abcdefghijabcdefghijabcdefghijab");
	strcpy(big, "");
	for (i = 0; i <= QS_MAX; i++)
		sprintf(big + strlen(big), "p%d=1&", i);
	bad(big, E2BIG, "p16");
	memcpy(big, "v=", 2);
	memset(big + 2, 'x', QS_BYTES);
	big[QS_BYTES + 2] = '\0';
	bad(big, E2BIG, "v");

	qs_init(&q);
	tap_ok(qs_add(&q, "x=a&b", 5) == 0, "qs_add: one decoded parameter");
	v = qs_get(&q, "x");
	tap_eq_s(v ? v : "(null)", "a&b", "  '&' kept, nothing decoded");
	tap_ok(qs_add(&q, "x=2", 3) < 0 && errno == EINVAL,
	    "qs_add: a name again is refused");
	return tap_done();
}
