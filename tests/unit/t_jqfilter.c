/*
 * t_jqfilter: --filter programs -- outputs equal to the input keep its
 * bytes, new values are rendered compactly, errors drop the event whole,
 * compile errors are one line.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "event/jqfilter.h"
#include "tap.h"

static const char ev[] =
    "{\"type\":\"trade\",\"symbol\":\"BTCUSDT\",\"time\":1700000000000,"
    "\"price\":30000.10000000,\"qty\":0.50000000}";

/* Run program on line; the outputs as a string, or "ERR: why". */
static const char *
run(const char *program, const char *line)
{
	static char res[1024];
	struct jqf *f;
	struct buf b;
	char why[256];
	int n;

	if (jqf_compile(&f, program, why, sizeof why) < 0) {
		snprintf(res, sizeof res, "COMPILE: %s", why);
		return res;
	}
	buf_init(&b, 0);
	buf_adds(&b, "<");
	n = jqf_run(f, line, strlen(line), &b, why, sizeof why);
	if (n < 0)
		snprintf(res, sizeof res, "ERR: %s [%.*s]", why, (int)b.len,
		    b.p);
	else
		snprintf(res, sizeof res, "%d %.*s", n, (int)b.len, b.p);
	buf_free(&b);
	jqf_free(f);
	return res;
}

int
main(void)
{
	char want[1024];

	snprintf(want, sizeof want, "1 <%s\n", ev);
	tap_eq_s(run(".", ev), want, "identity: the bytes");
	tap_eq_s(run(" . ", ev), want, "identity with blanks");
	tap_eq_s(run("select(.price > 1)", ev), want,
	    "select: the bytes, exact decimals");
	tap_eq_s(run(".qty = 0.5", ev), want,
	    "an equal value: the bytes");
	tap_eq_s(run("select(.price < 1)", ev), "0 <", "select: nothing");
	tap_eq_s(run("empty", ev), "0 <", "empty");
	tap_eq_s(run("{symbol, price}", ev),
	    "1 <{\"symbol\":\"BTCUSDT\",\"price\":30000.1}\n",
	    "a new value: jq's compact rendering");
	tap_eq_s(run(".symbol, .time", ev),
	    "2 <\"BTCUSDT\"\n1700000000000\n", "two outputs");
	tap_eq_s(run(".symbol, error(\"boom\")", ev), "ERR: boom [<]",
	    "an error drops the event's outputs");
	tap_eq_s(run("error({a: 1})", ev), "ERR: {\"a\":1} (not a string) [<]",
	    "an error that is not a string");
	tap_eq_s(run(".", "{\"a\":"), "1 <{\"a\":\n",
	    "identity passes even what is not JSON");
	tap_ok(strncmp(run(".a", "{\"a\":"), "ERR: ", 5) == 0,
	    "not JSON: an error (%s)", run(".a", "{\"a\":"));
	tap_eq_s(run(".[", ev), "COMPILE: syntax error, unexpected $end "
	    "(Unix shell quoting issues?) at <top-level>, line 1",
	    "a compile error, one line");
	tap_eq_s(run("nosuch", ev), "COMPILE: nosuch/0 is not defined at "
	    "<top-level>, line 1", "an unknown function");
	return tap_done();
}
