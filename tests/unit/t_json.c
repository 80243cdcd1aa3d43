/*
 * t_json: the validating scanner -- what it accepts (objects, nesting,
 * escapes, UTF-8), what it refuses and why, and reading values back:
 * json_get, array iteration, string decoding, integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "tap.h"

/* A literal with its length, NUL bytes included. */
#define LIT(s) s, sizeof(s) - 1

static struct json_obj obj;

static void
show(const char *p, size_t n, char *dst, size_t cap)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 5 < cap; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f)
			dst[k++] = (char)c;
		else
			k += (size_t)snprintf(dst + k, cap - k, "\\x%02x", c);
	}
	if (i < n && k + 4 < cap) {
		memcpy(dst + k, "...", 3);
		k += 3;
	}
	dst[k] = '\0';
}

/* p[0..n) parses; returns the member count or -1. */
static int
good(const char *p, size_t n, const char *name)
{
	const char *why = NULL;
	size_t where = 0;
	int r = json_parse_object(p, n, &obj, &why, &where);

	tap_ok(r == 0, "valid: %s", name);
	if (r != 0)
		tap_diag("refused at byte %zu: %s", where, why);
	return r == 0 ? obj.n : -1;
}

static void
good_lit(const char *p, size_t n)
{
	char s[200];

	show(p, n, s, sizeof s);
	(void)good(p, n, s);
}

/* p[0..n) is refused with reason want (NULL: any) at byte at (-1: any). */
static void
refused(const char *p, size_t n, const char *want, long at)
{
	const char *why = NULL;
	size_t where = 0;
	char s[200];
	int r = json_parse_object(p, n, &obj, &why, &where);
	int ok = r == -1 && why && (!want || strcmp(why, want) == 0) &&
	    (at < 0 || where == (size_t)at);

	show(p, n, s, sizeof s);
	tap_ok(ok, "invalid: %s -> %s", s, want ? want : "refused");
	if (!ok)
		tap_diag("r %d, why '%s', where %zu", r, why ? why : "(null)",
		    where);
}

static void
refused_lazy(const char *p, const char *want)
{
	const char *why = NULL;
	size_t where = 0;
	int r = json_parse_object_lazy(p, strlen(p), &obj, &why, &where);

	tap_ok(r == -1 && why && strcmp(why, want) == 0, "lazy refuses: %s",
	    want);
	if (r != -1 || !why || strcmp(why, want) != 0)
		tap_diag("r %d, why '%s'", r, why ? why : "(null)");
}

/* The text of a span, NUL-terminated, in a static buffer. */
static const char *
text(const struct json_span *s)
{
	static char t[4096];
	size_t n = s->n < sizeof t - 1 ? s->n : sizeof t - 1;

	memcpy(t, s->p, n);
	t[n] = '\0';
	return t;
}

static void
test_valid(void)
{
	const struct json_span *v;
	static const char nested[] =
	    "{\"a\":{\"b\":[1,{\"c\":[true,false,null]}],\"e\":{}},"
	    "\"d\":\"x\",\"f\":[],\"g\":-1.5e+3}";

	tap_eq_i(good(LIT("{}"), "{}"), 0, "{} has no members");
	tap_eq_i(good(LIT(" \t\r\n{ \t\r\n} \t\r\n"), "whitespace around {}"),
	    0, "whitespace {} has no members");
	tap_eq_i(good(LIT("{ \"a\" : 1 , \"b\" :\t[ 1 , 2 ] }\n"),
	    "whitespace inside"), 2, "two members");
	v = json_get(&obj, "b");
	tap_ok(v && v->type == JSON_ARRAY && strcmp(text(v), "[ 1 , 2 ]") == 0,
	    "array span covers the brackets exactly");
	v = json_get(&obj, "a");
	tap_ok(v && v->type == JSON_NUMBER && strcmp(text(v), "1") == 0,
	    "number span is the number");

	tap_eq_i(good(LIT(nested), "nested arrays and objects"), 4,
	    "nested: 4 top-level members");
	v = json_get(&obj, "a");
	tap_ok(v && v->type == JSON_OBJECT && strcmp(text(v),
	    "{\"b\":[1,{\"c\":[true,false,null]}],\"e\":{}}") == 0,
	    "object span exact");
	v = json_get(&obj, "d");
	tap_ok(v && v->type == JSON_STRING && strcmp(text(v), "x") == 0 &&
	    !v->escaped, "string span without quotes");
	v = json_get(&obj, "g");
	tap_ok(v && v->type == JSON_NUMBER && strcmp(text(v), "-1.5e+3") == 0,
	    "exponent number span");
	tap_ok(json_get(&obj, "c") == NULL, "nested keys are not top-level");
	tap_ok(obj.n == 4 && obj.m[0].key.n == 1 && obj.m[0].key.p[0] == 'a' &&
	    obj.m[3].key.p[0] == 'g', "members kept in order");

	(void)good(LIT("{\"t\":true,\"f\":false,\"n\":null}"), "literals");
	tap_ok(json_get(&obj, "t")->type == JSON_TRUE &&
	    json_get(&obj, "f")->type == JSON_FALSE &&
	    json_get(&obj, "n")->type == JSON_NULL, "literal types");

	good_lit(LIT("{\"a\":-0,\"b\":0,\"c\":0.5e-3,\"d\":1E+2,\"e\":12e05}"));
	good_lit(LIT("{\"e\":\"\\u00e9\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"));
	good_lit(LIT("{\"s\":\"\\ud83d\\ude00\"}"));
	good_lit(LIT("{\"s\":\"\\uD83D\\uDE00\\uABCD\"}"));
	good_lit(LIT("{\"s\":\"\\ud800\"}"));	/* lone surrogate escape */
	good_lit(LIT("{\"s\":\"\xc3\xa9\"}"));	/* 2 bytes */
	good_lit(LIT("{\"s\":\"\xe2\x82\xac\"}"));	/* 3 bytes */
	good_lit(LIT("{\"s\":\"\xf0\x9f\x98\x80\"}"));	/* 4 bytes */
	good_lit(LIT("{\"s\":\"\xc2\x80\xdf\xbf\"}"));	/* U+80, U+7FF */
	/* U+800, U+FFFF; U+D7FF, U+E000 around the surrogates. */
	good_lit(LIT("{\"s\":\"\xe0\xa0\x80\xef\xbf\xbf\"}"));
	good_lit(LIT("{\"s\":\"\xed\x9f\xbf\xee\x80\x80\"}"));
	good_lit(LIT("{\"s\":\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"}"));
	good_lit(LIT("{\"\xc3\xa9\":\"\x7f\"}"));	/* UTF-8 key, DEL */
	good_lit(LIT("{\"\":\"\"}"));
	good_lit(LIT("{\"a\":\"]\",\"b\":\"}\",\"c\":\"\\\"}\"}"));
}

static void
test_invalid(void)
{
	static const char *const truncated[] = {
		"{", "{\"", "{\"a", "{\"a\"", "{\"a\":", "{\"a\":1",
		"{\"a\":1,", "{\"a\":[1,2", "{\"a\":[1,2]", "{\"a\":\"x",
		"{\"a\":\"x\\", "{\"a\":tru", "{\"a\":nul", "{\"a\":fals",
		"{\"a\":-", "{\"a\":1.", "{\"a\":1e", "{\"a\":1e+",
		"{\"a\":{\"b\":1", "{\"a\":\"\\u12",
	};
	size_t i;

	for (i = 0; i < sizeof truncated / sizeof truncated[0]; i++)
		refused(truncated[i], strlen(truncated[i]), NULL, -1);

	refused(LIT("{\"a\":1,}"), "expected a member name", 7);
	refused(LIT("{\"a\":[1,]}"), "unexpected character", 8);
	refused(LIT("{\"a\":[,1]}"), "unexpected character", 6);
	refused(LIT("{,}"), "expected a member name", 1);
	refused(LIT("{\"a\" 1}"), "expected ':'", 5);
	refused(LIT("{\"a\",1}"), "expected ':'", 4);
	refused(LIT("{a:1}"), "expected a member name", 1);
	refused(LIT("{'a':1}"), "expected a member name", 1);
	refused(LIT("{\"a\":1 \"b\":2}"), "expected ',' or '}'", 7);
	refused(LIT("{\"a\":[1 2]}"), "expected ',' or ']'", 8);
	refused(LIT("{\"a\":True}"), "unexpected character", 5);
	refused(LIT("{\"a\":undefined}"), "unexpected character", 5);
	refused(LIT("{\"a\":01}"), NULL, -1);
	refused(LIT("{\"a\":+1}"), NULL, 5);
	refused(LIT("{\"a\":.5}"), NULL, 5);
	refused(LIT("{\"a\":1.}"), "bad number", 6);
	refused(LIT("{\"a\":1.e5}"), "bad number", 6);
	refused(LIT("{\"a\":0x10}"), NULL, -1);
	refused(LIT("{\"a\":NaN}"), NULL, 5);
	refused(LIT("{\"a\":-Infinity}"), "bad number", 6);

	/* Invalid UTF-8, inside values and keys. */
	refused(LIT("{\"s\":\"\xc0\x80\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xc1\xbf\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"a\x80\"}"), "invalid UTF-8", 7);
	refused(LIT("{\"s\":\"\xbf\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xed\xa0\x80\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xed\xbf\xbf\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xe0\x80\x80\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xe0\x9f\xbf\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xf0\x80\x80\x80\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xf0\x8f\xbf\xbf\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xf4\x90\x80\x80\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xf5\x80\x80\x80\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xf8\x88\x80\x80\x80\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xfe\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xff\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xe2\x82\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xf0\x9f\x98\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xc3"), "invalid UTF-8", 6);
	refused(LIT("{\"s\":\"\xe2\x82x\"}"), "invalid UTF-8", 6);
	refused(LIT("{\"\xc3\x28\":1}"), "invalid UTF-8", 2);
	refused(LIT("{\"s\":\xc3\xa9}"), "unexpected character", 5);

	/* NUL bytes and control characters. */
	refused(LIT("{\"s\":\"a\0b\"}"), "NUL byte in string", 7);
	refused(LIT("{\"s\":\0}"), "NUL byte", 5);
	refused(LIT("{\"s\":1\0}"), NULL, 6);
	refused(LIT("{\"s\":1}\0"), "trailing bytes after the object", 7);
	refused(LIT("\0{\"s\":1}"), "not a JSON object", 0);
	refused(LIT("{\"s\":\"\x01\"}"), "control character in string", 6);
	refused(LIT("{\"s\":\"\x1f\"}"), "control character in string", 6);
	refused(LIT("{\"s\":\"a\tb\"}"), "control character in string", 7);
	refused(LIT("{\"s\":\"a\nb\"}"), "control character in string", 7);
	refused(LIT("{\"\n\":1}"), "control character in string", 2);

	/* Escapes. */
	refused(LIT("{\"s\":\"\\x41\"}"), "bad escape in string", 6);
	refused(LIT("{\"s\":\"\\'\"}"), "bad escape in string", 6);
	refused(LIT("{\"s\":\"\\U0041\"}"), "bad escape in string", 6);
	refused(LIT("{\"s\":\"\\ \"}"), "bad escape in string", 6);
	refused(LIT("{\"s\":\"\\u12\"}"), "bad \\u escape", 6);
	refused(LIT("{\"s\":\"\\u12G4\"}"), "bad \\u escape", 6);
	refused(LIT("{\"s\":\"\\u-123\"}"), "bad \\u escape", 6);

	/* Trailing garbage, other top levels, empty lines. */
	refused(LIT("{\"a\":1}x"), "trailing bytes after the object", 7);
	refused(LIT("{\"a\":1} {}"), "trailing bytes after the object", 8);
	refused(LIT("{\"a\":1}\n{\"a\":1}"), "trailing bytes after the object",
	    8);
	refused(LIT("{\"a\":1},"), "trailing bytes after the object", 7);
	refused(LIT("[1]"), "not a JSON object", 0);
	refused(LIT("  [{\"a\":1}]"), "not a JSON object", 2);
	refused(LIT("1"), "not a JSON object", 0);
	refused(LIT("\"a\""), "not a JSON object", 0);
	refused(LIT("null"), "not a JSON object", 0);
	refused(LIT(""), "empty line", 0);
	refused(LIT(" \t\r\n"), "empty line", 0);
	refused(LIT("\xef\xbb\xbf{}"), "not a JSON object", 0);
}

/*
 * {"a": + k opening brackets + inner + k closing + }: k+1 containers
 * deep, a scalar (or nothing) innermost.
 */
static void
nest(int k, char open, char close, const char *inner, int want_ok)
{
	size_t n = 0, cap = (size_t)k * 6 + 32;
	char *s = malloc(cap);
	const char *why = NULL;
	size_t where;
	int i, r;

	if (!s)
		abort();
	n += (size_t)sprintf(s, "{\"a\":");
	for (i = 0; i < k; i++) {
		s[n++] = open;
		if (open == '{' && i + 1 < k)
			n += (size_t)sprintf(s + n, "\"a\":");
	}
	n += (size_t)sprintf(s + n, "%s", inner);
	for (i = 0; i < k; i++)
		s[n++] = close;
	s[n++] = '}';
	r = json_parse_object(s, n, &obj, &why, &where);
	if (want_ok)
		tap_ok(r == 0, "%d containers deep (%c%s) accepted", k + 1,
		    open, inner);
	else
		tap_ok(r == -1 && why && strcmp(why, "nested too deeply") == 0,
		    "%d containers deep (%c%s) refused", k + 1, open, inner);
	if (r != (want_ok ? 0 : -1))
		tap_diag("why '%s'", why ? why : "(null)");
	free(s);
}

static void
test_depth(void)
{
	nest(JSON_MAX_DEPTH - 1, '[', ']', "", 1);
	nest(JSON_MAX_DEPTH, '[', ']', "", 0);
	nest(JSON_MAX_DEPTH - 1, '{', '}', "", 1);
	nest(JSON_MAX_DEPTH, '{', '}', "", 0);
	nest(100000, '[', ']', "", 0);
	/* A scalar inside the deepest container is not one more level,
	 * whatever its kind. */
	nest(JSON_MAX_DEPTH - 1, '[', ']', "1", 1);
	nest(JSON_MAX_DEPTH - 1, '[', ']', "\"a\"", 1);
	nest(JSON_MAX_DEPTH - 1, '[', ']', "true", 1);
	nest(JSON_MAX_DEPTH - 1, '[', ']', "null", 1);
	nest(JSON_MAX_DEPTH, '[', ']', "1", 0);
	nest(JSON_MAX_DEPTH, '[', ']', "\"a\"", 0);
}

static void
test_members(void)
{
	char s[JSON_MAX_MEMBERS * 16 + 16];
	size_t n;
	int i, k;

	for (k = JSON_MAX_MEMBERS; k <= JSON_MAX_MEMBERS + 1; k++) {
		const char *why = NULL;
		size_t where;
		int r;

		n = 1;
		s[0] = '{';
		for (i = 0; i < k; i++)
			n += (size_t)sprintf(s + n, "%s\"k%d\":%d",
			    i ? "," : "", i, i);
		s[n++] = '}';
		r = json_parse_object(s, n, &obj, &why, &where);
		if (k == JSON_MAX_MEMBERS)
			tap_ok(r == 0 && obj.n == k, "%d members accepted", k);
		else
			tap_ok(r == -1 && why &&
			    strcmp(why, "too many members") == 0,
			    "%d members refused", k);
	}
}

static void
test_get(void)
{
	const struct json_span *v;

	(void)good(LIT("{\"a\":1,\"b\":2,\"a\":3}"), "duplicate key");
	v = json_get(&obj, "a");
	tap_ok(v && strcmp(text(v), "3") == 0, "json_get: last duplicate wins");
	tap_ok(json_get(&obj, "c") == NULL, "json_get: absent -> NULL");
	tap_ok(json_get(&obj, "") == NULL, "json_get: empty key absent");
	tap_ok(json_get(&obj, "aa") == NULL && json_get(&obj, "A") == NULL,
	    "json_get: exact key only");

	(void)good(LIT("{\"v\":\"spot\",\"e\":\"sp\\u006ft\",\"n\":1}"),
	    "strings for json_str_is");
	tap_ok(json_str_is(json_get(&obj, "v"), "spot"), "str_is spot");
	tap_ok(!json_str_is(json_get(&obj, "v"), "spo"), "str_is prefix no");
	tap_ok(!json_str_is(json_get(&obj, "v"), "spots"), "str_is longer no");
	tap_ok(!json_str_is(json_get(&obj, "e"), "spot"),
	    "str_is: escaped span never matches");
	tap_ok(!json_str_is(json_get(&obj, "n"), "1"), "str_is: number no");
	tap_ok(!json_str_is(json_get(&obj, "zz"), "1"), "str_is: NULL no");
}

static void
test_iter(void)
{
	static const char line[] =
	    "{\"a\":[ 1 , \"a]b,c\" ,\"q\\\"]\",[2,[3,\"]\"]],{\"k\":\"]\","
	    "\"j\":[1]},true,false,null,-1.5e3,\"\",[]] }";
	static const struct {
		int type;
		const char *text;
	} want[] = {
		{ JSON_NUMBER, "1" },
		{ JSON_STRING, "a]b,c" },
		{ JSON_STRING, "q\\\"]" },
		{ JSON_ARRAY, "[2,[3,\"]\"]]" },
		{ JSON_OBJECT, "{\"k\":\"]\",\"j\":[1]}" },
		{ JSON_TRUE, "true" },
		{ JSON_FALSE, "false" },
		{ JSON_NULL, "null" },
		{ JSON_NUMBER, "-1.5e3" },
		{ JSON_STRING, "" },
		{ JSON_ARRAY, "[]" },
	};
	struct json_iter it, it2;
	struct json_span v, w, sub;
	size_t i = 0;
	int bad = 0, n;
	char d[32];

	(void)good(LIT(line), "array for iteration");
	json_iter_init(&it, json_get(&obj, "a"));
	while (json_next(&it, &v)) {
		if (i >= sizeof want / sizeof want[0] ||
		    v.type != want[i].type || strcmp(text(&v), want[i].text)) {
			tap_diag("element %zu: type %d '%s'", i, v.type,
			    text(&v));
			bad = 1;
		}
		if (i == 2)
			tap_ok(v.escaped &&
			    json_str_copy(&v, d, sizeof d) == 3 &&
			    strcmp(d, "q\"]") == 0,
			    "iter: escaped string decodes");
		if (i == 3)
			sub = v;
		i++;
	}
	tap_ok(!bad && i == sizeof want / sizeof want[0],
	    "iter: 11 elements, types and spans exact");

	/* A nested array from the iterator iterates too. */
	json_iter_init(&it2, &sub);
	n = 0;
	while (json_next(&it2, &w))
		n++;
	tap_eq_i(n, 2, "iter: nested array has 2 elements");

	(void)good(LIT("{\"e\":[],\"s\":[ ],\"w\":[\t1\t,\n2\r]}"), "empties");
	json_iter_init(&it, json_get(&obj, "e"));
	tap_ok(!json_next(&it, &v), "iter: [] is empty");
	json_iter_init(&it, json_get(&obj, "s"));
	tap_ok(!json_next(&it, &v), "iter: [ ] is empty");
	json_iter_init(&it, json_get(&obj, "w"));
	tap_ok(json_next(&it, &v) && strcmp(text(&v), "1") == 0 &&
	    json_next(&it, &v) && strcmp(text(&v), "2") == 0 &&
	    !json_next(&it, &v), "iter: whitespace around elements");
	tap_ok(!json_next(&it, &v), "iter: stays finished");
}

static void
copy_is(const char *line, size_t n, const char *want, size_t wantn,
    const char *name)
{
	char d[64];
	int r = -2;

	if (json_parse_object(line, n, &obj, &(const char *){ NULL },
	    &(size_t){ 0 }) == 0 && json_get(&obj, "s"))
		r = json_str_copy(json_get(&obj, "s"), d, sizeof d);
	tap_ok(r == (int)wantn && memcmp(d, want, wantn) == 0 &&
	    d[wantn] == '\0', "str_copy: %s", name);
	if (r != (int)wantn)
		tap_diag("returned %d", r);
}

static void
test_str_copy(void)
{
	const struct json_span *v;
	char d[8], d9[9];

	copy_is(LIT("{\"s\":\"plain\"}"), LIT("plain"), "plain");
	copy_is(LIT("{\"s\":\"\"}"), LIT(""), "empty");
	copy_is(LIT("{\"s\":\"\\u00e9\"}"), LIT("\xc3\xa9"), "\\u00e9");
	copy_is(LIT("{\"s\":\"\\u0041\\u20AC\\uffff\"}"),
	    LIT("A\xe2\x82\xac\xef\xbf\xbf"), "1, 3 byte escapes");
	copy_is(LIT("{\"s\":\"\\ud83d\\ude00\"}"), LIT("\xf0\x9f\x98\x80"),
	    "surrogate pair");
	copy_is(LIT("{\"s\":\"\\udbff\\udfff\"}"), LIT("\xf4\x8f\xbf\xbf"),
	    "highest surrogate pair");
	copy_is(LIT("{\"s\":\"\\ud800\"}"), LIT("\xef\xbf\xbd"),
	    "lone high surrogate -> U+FFFD");
	copy_is(LIT("{\"s\":\"\\udc00x\"}"), LIT("\xef\xbf\xbdx"),
	    "lone low surrogate -> U+FFFD");
	copy_is(LIT("{\"s\":\"\\ud83d\\u0041\"}"), LIT("\xef\xbf\xbd" "A"),
	    "high surrogate then non-low");
	copy_is(LIT("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
	    LIT("\"\\/\b\f\n\r\t"), "short escapes");
	copy_is(LIT("{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}"),
	    LIT("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "raw UTF-8 kept");

	(void)good(LIT("{\"s\":\"a\\u0000b\",\"n\":12,\"t\":\"abc\","
	    "\"l\":\"abcdefgh\"}"), "copy errors");
	tap_ok(json_str_copy(json_get(&obj, "s"), d, sizeof d) == -1,
	    "str_copy: \\u0000 refused");
	tap_ok(json_str_copy(json_get(&obj, "n"), d, sizeof d) == -1,
	    "str_copy: number refused");
	tap_ok(json_str_copy(json_get(&obj, "l"), d, sizeof d) == -1,
	    "str_copy: 8 bytes do not fit 8");
	tap_ok(json_str_copy(json_get(&obj, "t"), d, 0) == -1,
	    "str_copy: cap 0");
	/* The contract: at most cap-1 bytes, so 3 bytes fit cap 4. */
	v = json_get(&obj, "t");
	tap_ok(json_str_copy(v, d, 4) == 3 && strcmp(d, "abc") == 0,
	    "str_copy: 'abc' fits cap 4");
	v = json_get(&obj, "l");
	tap_ok(json_str_copy(v, d9, sizeof d9) == 8 &&
	    strcmp(d9, "abcdefgh") == 0, "str_copy: 8 bytes fit cap 9");
}

static void
int_is(const char *line, size_t n, int ok, int64_t want, const char *name)
{
	int64_t v = 4242;
	int r = -2;

	if (json_parse_object(line, n, &obj, &(const char *){ NULL },
	    &(size_t){ 0 }) == 0 && json_get(&obj, "v"))
		r = json_int64(json_get(&obj, "v"), &v);
	if (ok)
		tap_ok(r == 0 && v == want, "int64 %s", name);
	else
		tap_ok(r == -1 && v == 4242, "int64 %s refused", name);
	if (ok ? r != 0 || v != want : r != -1)
		tap_diag("r %d, v %lld", r, (long long)v);
}

static void
test_int64(void)
{
	int_is(LIT("{\"v\":0}"), 1, 0, "0");
	int_is(LIT("{\"v\":-0}"), 1, 0, "-0");
	int_is(LIT("{\"v\":42}"), 1, 42, "42");
	int_is(LIT("{\"v\":-42}"), 1, -42, "-42");
	int_is(LIT("{\"v\":9223372036854775807}"), 1, INT64_MAX, "INT64_MAX");
	int_is(LIT("{\"v\":-9223372036854775808}"), 1, INT64_MIN, "INT64_MIN");
	int_is(LIT("{\"v\":\"123\"}"), 1, 123, "string \"123\"");
	int_is(LIT("{\"v\":\"-9223372036854775808\"}"), 1, INT64_MIN,
	    "string INT64_MIN");
	int_is(LIT("{\"v\":9223372036854775808}"), 0, 0, "INT64_MAX+1");
	int_is(LIT("{\"v\":-9223372036854775809}"), 0, 0, "INT64_MIN-1");
	int_is(LIT("{\"v\":18446744073709551616}"), 0, 0, "2^64");
	int_is(LIT("{\"v\":99999999999999999999}"), 0, 0, "20 nines");
	int_is(LIT("{\"v\":1.5}"), 0, 0, "1.5");
	int_is(LIT("{\"v\":1.0}"), 0, 0, "1.0");
	int_is(LIT("{\"v\":1e3}"), 0, 0, "1e3");
	int_is(LIT("{\"v\":\"01\"}"), 0, 0, "string \"01\"");
	int_is(LIT("{\"v\":\"\"}"), 0, 0, "empty string");
	int_is(LIT("{\"v\":\"-\"}"), 0, 0, "string \"-\"");
	int_is(LIT("{\"v\":\" 1\"}"), 0, 0, "string \" 1\"");
	int_is(LIT("{\"v\":\"12a\"}"), 0, 0, "string \"12a\"");
	int_is(LIT("{\"v\":\"\\u0031\"}"), 0, 0, "escaped string");
	int_is(LIT("{\"v\":true}"), 0, 0, "true");
	int_is(LIT("{\"v\":null}"), 0, 0, "null");
	int_is(LIT("{\"v\":[1]}"), 0, 0, "array");
}

/* Nested arrays k deep as the value of member "a": k + 1 containers. */
static char *
deep(int k, size_t *n)
{
	char *s = malloc((size_t)k * 2 + 16);
	int i;

	if (!s)
		abort();
	*n = (size_t)sprintf(s, "{\"a\":");
	for (i = 0; i < k; i++)
		s[(*n)++] = '[';
	for (i = 0; i < k; i++)
		s[(*n)++] = ']';
	s[(*n)++] = '}';
	return s;
}

/* Lazy mode: top-level arrays bracket-matched, checked on demand. */
static void
test_lazy(void)
{
	static struct json_obj strict;
	static const char line[] =
	    "{\"a\":[1,[2,\"]\"]],\"b\":{\"c\":[1]},\"d\":\"x\",\"e\":[ ]}";
	const char *why = NULL;
	size_t where = 0, n;
	struct json_span v;
	int i, same, r, r2;
	char *d;

	r = json_parse_object_lazy(LIT(line), &obj, &why, &where);
	r2 = json_parse_object(LIT(line), &strict, &why, &where);
	same = r == 0 && r2 == 0 && obj.n == strict.n;
	for (i = 0; same && i < obj.n; i++)
		same = obj.m[i].val.p == strict.m[i].val.p &&
		    obj.m[i].val.n == strict.m[i].val.n &&
		    obj.m[i].val.type == strict.m[i].val.type &&
		    obj.m[i].key.n == strict.m[i].key.n;
	tap_ok(same, "lazy: same members and spans as strict");
	tap_ok(r == 0 && obj.m[0].val.unchecked && obj.m[3].val.unchecked &&
	    !obj.m[1].val.unchecked && !obj.m[2].val.unchecked &&
	    !strict.m[0].val.unchecked,
	    "lazy: only top-level arrays are unchecked");
	v = obj.m[0].val;
	tap_ok(json_check(&v, &why, &where) == 0 && !v.unchecked,
	    "json_check: a valid array, cleared");
	tap_ok(json_check(&v, &why, &where) == 0, "json_check: again is 0");

	r = json_parse_object_lazy(LIT("{\"a\":[1,x],\"b\":2}"), &obj, &why,
	    &where);
	tap_ok(r == 0 && obj.n == 2 && obj.m[0].val.unchecked,
	    "lazy: invalid array content passes the scan");
	v = obj.m[0].val;
	why = NULL;
	tap_ok(json_check(&v, &why, &where) == -1 && why &&
	    strcmp(why, "unexpected character") == 0 && where == 3 &&
	    v.unchecked, "json_check: refused, offset from the span");
	r = json_parse_object_lazy(LIT("{\"a\":[},\"b\":1}"), &obj, &why,
	    &where);
	v = obj.m[0].val;
	tap_ok(r != 0 || json_check(&v, &why, &where) == -1,
	    "lazy + json_check: '[}' refused");
	r = json_parse_object_lazy(LIT("{\"a\":[[1]},\"b\":1}"), &obj, &why,
	    &where);
	v = obj.m[0].val;
	tap_ok(r != 0 || json_check(&v, &why, &where) == -1,
	    "lazy + json_check: '[[1]}' refused");
	r = json_parse_object_lazy(LIT("{\"a\":[\"]\",1],\"b\":[\"\\\"]\"]}"),
	    &obj, &why, &where);
	tap_ok(r == 0 && obj.n == 2 && obj.m[0].val.n == 7 &&
	    obj.m[1].val.n == 7, "lazy: brackets inside strings skipped");

	refused_lazy("{\"a\":[1],\"b\":tru}", "unexpected character");
	refused_lazy("{\"a\":[1", "unterminated array");
	refused_lazy("{\"a\":[\"]", "unterminated string");
	refused_lazy("{\"a\":[\"\\", "unterminated string");
	refused_lazy("{\"a\":[1]", "unterminated object");
	refused_lazy("{\"a\":[1]}x", "trailing bytes after the object");
	refused_lazy("{\"\x01\":[1]}", "control character in string");

	/* Lazy and checked, the depth limit is the strict one. */
	d = deep(JSON_MAX_DEPTH - 1, &n);
	r = json_parse_object_lazy(d, n, &obj, &why, &where);
	v = obj.m[0].val;
	tap_ok(r == 0 && json_check(&v, &why, &where) == 0,
	    "lazy + json_check: %d containers accepted", JSON_MAX_DEPTH);
	free(d);
	d = deep(JSON_MAX_DEPTH, &n);
	r = json_parse_object_lazy(d, n, &obj, &why, &where);
	v = obj.m[0].val;
	tap_ok(r != 0 || json_check(&v, &why, &where) == -1,
	    "lazy + json_check: %d containers refused, as strict",
	    JSON_MAX_DEPTH + 1);
	free(d);
	d = deep(100000, &n);
	r = json_parse_object_lazy(d, n, &obj, &why, &where);
	tap_ok(r == -1 && strcmp(why, "nested too deeply") == 0,
	    "lazy: 100000 deep refused");
	free(d);
}

static void
test_skip(void)
{
	static const char a[] = "[1,{\"b\":\"]\"}] ,";
	static const char b[] = "{\"x\":[1,2]}x";
	static const char c[] = "-1.5e3,";
	static const char t[] = "tru,", u[] = "\"a\x01\"", w[] = "[1,]";
	const char *why = NULL, *q;
	size_t where = 0;

	q = json_skip_checked(a, a + sizeof a - 1, 2, &why, &where);
	tap_ok(q == a + 13, "skip_checked: past the array");
	tap_ok(json_skip(a, a + sizeof a - 1) == a + 13, "skip: the same");
	tap_ok(json_skip(b, b + sizeof b - 1) == b + 11, "skip: an object");
	tap_ok(json_skip(c, c + sizeof c - 1) == c + 6, "skip: a number");
	why = NULL;
	tap_ok(json_skip_checked(t, t + sizeof t - 1, 2, &why, &where) == NULL,
	    "skip_checked: refuses 'tru'");
	tap_ok(json_skip_checked(u, u + sizeof u - 1, 2, &why, &where) == NULL &&
	    why && strcmp(why, "control character in string") == 0 &&
	    where == 2, "skip_checked: control character, offset 2");
	tap_ok(json_skip_checked(w, w + sizeof w - 1, 2, &why, &where) == NULL,
	    "skip_checked: refuses [1,]");
}

static void
test_big(void)
{
	size_t n = 1 << 20, i;
	char *s = malloc(n + 16);

	if (!s)
		abort();
	memcpy(s, "{\"s\":\"", 6);
	for (i = 6; i < n + 6; i++)
		s[i] = (char)('a' + i % 26);
	memcpy(s + n + 6, "\"}", 2);
	(void)good(s, n + 8, "a 1 MiB string");
	tap_ok(json_get(&obj, "s") && json_get(&obj, "s")->n == n,
	    "1 MiB span length");
	free(s);
}

/* json_parse_object_nested(): the wrapped payload's members, one scan. */
static void
test_nested(void)
{
	static const char msg[] = "{\"stream\":\"s\",\"data\":{\"a\":[1,[2]],"
	    "\"b\":\"x\"},\"c\":[3]}";
	static const char esc[] = "{\"d\\u0061ta\":{\"x\":1}}";
	struct json_obj o;
	struct json_nested nest;
	const struct json_span *d, *a;
	const char *why;
	size_t where;
	int r;

	nest.key = "data";
	r = json_parse_object_nested(msg, strlen(msg), &o, &nest, &why, &where);
	d = json_get(&o, "data");
	tap_ok(r == 0 && o.n == 3 && d && d->type == JSON_OBJECT &&
	    !d->unchecked && nest.at == d->p && nest.obj.n == 2,
	    "nested: members of both levels");
	a = json_get(&nest.obj, "a");
	tap_ok(a && a->type == JSON_ARRAY && a->unchecked && a->n == 7 &&
	    json_get(&o, "c")->unchecked &&
	    json_str_is(json_get(&nest.obj, "b"), "x"),
	    "nested: arrays of both levels unchecked, the rest read");
	tap_ok(json_skip_checked(a->p, a->p + a->n, 3, &why, &where) ==
	    a->p + a->n, "nested: its array validates at depth 3");

	r = json_parse_object_nested("{\"data\":{\"x\":1},\"data\":{\"y\":[1]}}",
	    33, &o, &nest, &why, &where);
	tap_ok(r == 0 && nest.at && json_get(&o, "data")->p != nest.at &&
	    nest.obj.n == 1 && json_get(&nest.obj, "x"),
	    "nested: a repeated key: the first recorded, json_get the last");
	r = json_parse_object_nested(esc, strlen(esc), &o,
	    &nest, &why, &where);
	tap_ok(r == 0 && !nest.at && nest.obj.n == 0,
	    "nested: an escaped key is not the key");
	r = json_parse_object_nested("{\"data\":[{\"x\":1}]}", 18, &o, &nest,
	    &why, &where);
	tap_ok(r == 0 && !nest.at, "nested: not an object, not recorded");
	r = json_parse_object_nested("{\"data\":{\"x\":tru}}", 18, &o, &nest,
	    &why, &where);
	tap_ok(r < 0 && where == 13, "nested: its scalars are validated");
}

/*
 * The lazy scan's bracket matching, sixteen bytes a step: strings with
 * brackets, quotes and backslashes at every offset around a block edge
 * give the span the strict scan gives.
 */
static void
test_lazy_blocks(void)
{
	static const char *const inner[] = { "\"]\"", "\"[\"", "\"a\\\"]\"",
	    "\"\\\\\"", "{\"k\":[1]}", "[[],[[]]]", "\"}{\"", "1.5" };
	char line[256];
	struct json_obj strict, lazy;
	const char *why;
	size_t where, i, pad;
	int bad = 0;

	for (i = 0; i < sizeof inner / sizeof inner[0]; i++)
		for (pad = 0; pad < 40; pad++) {
			int n = snprintf(line, sizeof line,
			    "{\"a\":[\"%*s\",%s,[\"%*s\"]],\"b\":1}", (int)pad, "",
			    inner[i], (int)(pad % 7), "");

			if (json_parse_object(line, (size_t)n, &strict, &why,
			    &where) < 0 || json_parse_object_lazy(line,
			    (size_t)n, &lazy, &why, &where) < 0 ||
			    lazy.n != 2 || lazy.m[0].val.n !=
			    strict.m[0].val.n || json_check(&lazy.m[0].val,
			    &why, &where) < 0)
				bad++;
		}
	tap_ok(bad == 0, "lazy blocks: the strict span every time (%d bad)",
	    bad);
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_depth();
	test_members();
	test_get();
	test_iter();
	test_str_copy();
	test_int64();
	test_lazy();
	test_skip();
	test_big();
	test_nested();
	test_lazy_blocks();
	return tap_done();
}
