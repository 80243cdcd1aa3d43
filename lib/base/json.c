/*
 * json: one-pass validating scanner (see json.h).  Recursive descent over
 * the line with an explicit depth limit; the top level records member
 * spans, nested values are only validated and skipped.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json.h"

struct scan {
	const char *start;
	const char *end;
	const char *why;
	const char *where;
	int lazy;	/* top-level arrays: bracket-match only */
	struct json_nested *nest;	/* a member recorded one level down */
};

static const char *scan_value(struct scan *sc, const char *p, int depth,
    struct json_span *out);

static const char *
fail(struct scan *sc, const char *p, const char *why)
{
	sc->why = why;
	sc->where = p;
	return NULL;
}

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Length of a valid UTF-8 sequence at p (first byte >= 0x80), or 0. */
static int
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	int n, i;
	unsigned min, cp;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (end - p < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* p is just past the opening quote; returns the byte past the closing one. */
static const char *
scan_string(struct scan *sc, const char *p, struct json_span *out)
{
	const char *s = p, *end = sc->end;
	int escaped = 0, k;

	for (;;) {
#ifdef __SSE2__
		/* Sixteen bytes a step while none is a quote, a backslash, a
		 * control character or a non-ASCII byte. */
		while (end - p >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i stop = _mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
			    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
			    _mm_cmplt_epi8(x, _mm_set1_epi8(0x20)));
			int mask = _mm_movemask_epi8(stop);

			/* Bytes >= 0x80 are negative: cmplt flags them too. */
			if (mask) {
				p += __builtin_ctz((unsigned)mask);
				break;
			}
			p += 16;
		}
#endif
		/* The common case: printable ASCII. */
		while (p < end && (unsigned char)*p >= 0x20 &&
		    (unsigned char)*p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p >= end)
			return fail(sc, p, "unterminated string");
		if (*p == '"')
			break;
		if (*p == '\\') {
			escaped = 1;
			if (p + 1 >= end)
				return fail(sc, p, "unterminated string");
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				if (end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) ||
				    !is_hex(p[4]) || !is_hex(p[5]))
					return fail(sc, p, "bad \\u escape");
				p += 6;
				continue;
			default:
				return fail(sc, p, "bad escape in string");
			}
		}
		if ((unsigned char)*p < 0x20)
			return fail(sc, p, *p ? "control character in string" :
			    "NUL byte in string");
		k = utf8_len((const unsigned char *)p, (const unsigned char *)end);
		if (!k)
			return fail(sc, p, "invalid UTF-8");
		p += k;
	}
	if (out) {
		out->p = s;
		out->n = (uint32_t)(p - s);
		out->type = JSON_STRING;
		out->escaped = (uint8_t)escaped;
		out->unchecked = 0;
	}
	return p + 1;
}

static inline const char *
scan_digits(const char *p, const char *end)
{
	/* Eight at a time while all are digits (SWAR). */
	while (end - p >= 8) {
		uint64_t x;

		memcpy(&x, p, 8);
		if (((x + 0x4646464646464646ULL) | (x - 0x3030303030303030ULL)) &
		    0x8080808080808080ULL)
			break;
		p += 8;
	}
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

static const char *
scan_number(struct scan *sc, const char *p)
{
	const char *end = sc->end, *q;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
	} else {
		q = scan_digits(p, end);
		if (q == p)
			return fail(sc, p, "bad number");
		p = q;
	}
	if (p < end && *p == '.') {
		q = scan_digits(p + 1, end);
		if (q == p + 1)
			return fail(sc, p, "bad number");
		p = q;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		q = scan_digits(p, end);
		if (q == p)
			return fail(sc, p, "bad number");
		p = q;
	}
	return p;
}

static const char *
scan_literal(struct scan *sc, const char *p, const char *lit, size_t n)
{
	if ((size_t)(sc->end - p) < n || memcmp(p, lit, n) != 0)
		return fail(sc, p, "unexpected character");
	return p + n;
}

static const char *
scan_array(struct scan *sc, const char *p, int depth)
{
	p = skip_ws(p + 1, sc->end);
	if (p < sc->end && *p == ']')
		return p + 1;
	for (;;) {
		/* Books are arrays of arrays of numbers: take those without
		 * the general dispatch. */
		if (p < sc->end && ((*p >= '0' && *p <= '9') || *p == '-'))
			p = scan_number(sc, p);
		else if (p < sc->end && *p == '[' && depth + 1 <= JSON_MAX_DEPTH)
			p = scan_array(sc, p, depth + 1);
		else
			p = scan_value(sc, p, depth + 1, NULL);
		if (!p)
			return NULL;
		p = skip_ws(p, sc->end);
		if (p >= sc->end)
			return fail(sc, p, "unterminated array");
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return fail(sc, p, "expected ',' or ']'");
		p = skip_ws(p + 1, sc->end);
	}
}

/*
 * Find the end of the array at p by matching brackets, stepping over
 * strings, without validating anything else (lazy mode).
 */
/* The next byte at or after p that is a quote or a bracket, or end. */
static inline const char *
next_structural(const char *p, const char *end)
{
#ifdef __SSE2__
	/* Sixteen bytes a step: books are long runs of digits. */
	const __m128i q = _mm_set1_epi8('"'), ob = _mm_set1_epi8('['),
	    cb = _mm_set1_epi8(']'), oc = _mm_set1_epi8('{'),
	    cc = _mm_set1_epi8('}');

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q),
		    _mm_cmpeq_epi8(x, ob)), _mm_or_si128(_mm_cmpeq_epi8(x, cb),
		    _mm_or_si128(_mm_cmpeq_epi8(x, oc), _mm_cmpeq_epi8(x, cc))));
		int mask = _mm_movemask_epi8(hit);

		if (mask)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#endif
	while (p < end && *p != '"' && *p != '[' && *p != ']' && *p != '{' &&
	    *p != '}')
		p++;
	return p;
}

/* Bits set in a 16-bit mask, without a library call on plain x86-64. */
static inline int
pop16(unsigned x)
{
	x = x - ((x >> 1) & 0x5555);
	x = (x & 0x3333) + ((x >> 2) & 0x3333);
	x = (x + (x >> 4)) & 0x0f0f;
	return (int)((x + (x >> 8)) & 0x1f);
}

static const char *
match_array(struct scan *sc, const char *p, int base)
{
	const char *end = sc->end;
	uint64_t kinds = 0;	/* bit d: the container at depth d is '[' */
	int depth = 0;

#ifdef __SSE2__
	/*
	 * Sixteen bytes a step while the block holds no backslash and no
	 * brace outside strings, cannot nest too deeply and cannot close
	 * the array: strings are found from the quotes (a prefix XOR), the
	 * brackets outside them counted.  Anything else is left to the byte
	 * loop below, from the start of that block, in the same state.
	 */
	if (p < end && *p == '[' && base <= JSON_MAX_DEPTH) {
		const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
		    ob = _mm_set1_epi8('['), cb = _mm_set1_epi8(']'),
		    oc = _mm_set1_epi8('{'), cc = _mm_set1_epi8('}');
		/* 0xffff: the block starts inside a string. */
		unsigned carry = 0;

		depth = 1;
		p++;
		while (end - p >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)
			    (const void *)p);
			unsigned s, o, c;
			int no, nc;

			if (_mm_movemask_epi8(_mm_cmpeq_epi8(x, bs)))
				break;
			s = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, q));
			s ^= s << 1;
			s ^= s << 2;
			s ^= s << 4;
			s ^= s << 8;
			s = (s ^ carry) & 0xffff;
			if ((unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(x, oc), _mm_cmpeq_epi8(x, cc))) & ~s)
				break;
			o = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, ob)) &
			    ~s;
			c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, cb)) &
			    ~s;
			no = pop16(o);
			nc = pop16(c);
			if (depth + no + base > JSON_MAX_DEPTH || depth <= nc)
				break;
			depth += no - nc;
			carry = s & 0x8000 ? 0xffff : 0;
			p += 16;
		}
		/* Every container so far is an array. */
		kinds = (2ULL << depth) - 2;
		if (carry) {
			for (; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return fail(sc, p, "unterminated string");
			p++;
		}
	}
#endif
	/* The array's own depth is base (2 for a top-level member's). */
	for (; (p = next_structural(p, end)) < end; p++) {
		switch (*p) {
		case '"':
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return fail(sc, p, "unterminated string");
			break;
		case '[': case '{':
			if (depth + base > JSON_MAX_DEPTH)
				return fail(sc, p, "nested too deeply");
			depth++;
			if (*p == '[')
				kinds |= 1ULL << depth;
			else
				kinds &= ~(1ULL << depth);
			break;
		case ']': case '}':
			if (((kinds >> depth) & 1) != (*p == ']'))
				return fail(sc, p, "mismatched bracket");
			if (--depth == 0)
				return p + 1;
			break;
		}
	}
	return fail(sc, p, "unterminated array");
}

/* An object; members are recorded into o when o is not NULL. */
static const char *
scan_object(struct scan *sc, const char *p, int depth, struct json_obj *o)
{
	struct json_span key, val;

	p = skip_ws(p + 1, sc->end);
	if (p < sc->end && *p == '}')
		return p + 1;
	for (;;) {
		if (p >= sc->end || *p != '"')
			return fail(sc, p, "expected a member name");
		p = scan_string(sc, p + 1, &key);
		if (!p)
			return NULL;
		p = skip_ws(p, sc->end);
		if (p >= sc->end || *p != ':')
			return fail(sc, p, "expected ':'");
		p = skip_ws(p + 1, sc->end);
		if (o && depth == 1 && sc->nest && !sc->nest->at &&
		    p < sc->end && *p == '{' && !key.escaped &&
		    key.n == strlen(sc->nest->key) &&
		    memcmp(key.p, sc->nest->key, key.n) == 0) {
			/* The one member recorded one level down. */
			val.p = p;
			p = scan_object(sc, p, 2, &sc->nest->obj);
			if (!p)
				return NULL;
			sc->nest->at = val.p;
			val.n = (uint32_t)(p - val.p);
			val.type = JSON_OBJECT;
			val.escaped = 0;
			val.unchecked = 0;
		} else if (o && sc->lazy && p < sc->end && *p == '[') {
			val.p = p;
			p = match_array(sc, p, depth + 1);
			if (!p)
				return NULL;
			val.n = (uint32_t)(p - val.p);
			val.type = JSON_ARRAY;
			val.escaped = 0;
			val.unchecked = 1;
		} else {
			p = scan_value(sc, p, depth + 1, o ? &val : NULL);
			if (!p)
				return NULL;
		}
		if (o) {
			if (o->n == JSON_MAX_MEMBERS)
				return fail(sc, key.p, "too many members");
			o->m[o->n].key = key;
			o->m[o->n].val = val;
			o->n++;
		}
		p = skip_ws(p, sc->end);
		if (p >= sc->end)
			return fail(sc, p, "unterminated object");
		if (*p == '}')
			return p + 1;
		if (*p != ',')
			return fail(sc, p, "expected ',' or '}'");
		p = skip_ws(p + 1, sc->end);
	}
}

static const char *
scan_value(struct scan *sc, const char *p, int depth, struct json_span *out)
{
	const char *start = p, *q;
	uint8_t type;

	if (p >= sc->end)
		return fail(sc, p, "unexpected end of line");
	/* Only containers nest: a scalar at the deepest level is fine. */
	if ((*p == '[' || *p == '{') && depth > JSON_MAX_DEPTH)
		return fail(sc, p, "nested too deeply");
	switch (*p) {
	case '"':
		return scan_string(sc, p + 1, out);
	case '{':
		q = scan_object(sc, p, depth, NULL);
		type = JSON_OBJECT;
		break;
	case '[':
		q = scan_array(sc, p, depth);
		type = JSON_ARRAY;
		break;
	case 't':
		q = scan_literal(sc, p, "true", 4);
		type = JSON_TRUE;
		break;
	case 'f':
		q = scan_literal(sc, p, "false", 5);
		type = JSON_FALSE;
		break;
	case 'n':
		q = scan_literal(sc, p, "null", 4);
		type = JSON_NULL;
		break;
	default:
		if (*p != '-' && (*p < '0' || *p > '9'))
			return fail(sc, p, *p ? "unexpected character" :
			    "NUL byte");
		q = scan_number(sc, p);
		type = JSON_NUMBER;
		break;
	}
	if (q && out) {
		out->p = start;
		out->n = (uint32_t)(q - start);
		out->type = type;
		out->escaped = 0;
		out->unchecked = 0;
	}
	return q;
}

static int
parse_object(const char *p, size_t n, struct json_obj *o, const char **why,
    size_t *where, int lazy, struct json_nested *nest)
{
	struct scan sc = { p, p + n, NULL, NULL, lazy, nest };
	const char *q;

	o->n = 0;
	if (nest) {
		nest->obj.n = 0;
		nest->at = NULL;
	}
	if (n > UINT32_MAX) {
		*why = "line too long";
		*where = 0;
		return -1;
	}
	q = skip_ws(p, sc.end);
	if (q >= sc.end) {
		*why = "empty line";
		*where = 0;
		return -1;
	}
	if (*q != '{') {
		*why = "not a JSON object";
		*where = q - p;
		return -1;
	}
	q = scan_object(&sc, q, 1, o);
	if (q) {
		q = skip_ws(q, sc.end);
		if (q == sc.end)
			return 0;
		fail(&sc, q, "trailing bytes after the object");
	}
	*why = sc.why;
	*where = sc.where - p;
	return -1;
}

int
json_parse_object(const char *p, size_t n, struct json_obj *o,
    const char **why, size_t *where)
{
	return parse_object(p, n, o, why, where, 0, NULL);
}

int
json_parse_object_lazy(const char *p, size_t n, struct json_obj *o,
    const char **why, size_t *where)
{
	return parse_object(p, n, o, why, where, 1, NULL);
}

int
json_parse_object_nested(const char *p, size_t n, struct json_obj *o,
    struct json_nested *nest, const char **why, size_t *where)
{
	return parse_object(p, n, o, why, where, 1, nest);
}

int
json_check(struct json_span *s, const char **why, size_t *where)
{
	struct scan sc = { s->p, s->p + s->n, NULL, NULL, 0, NULL };
	const char *q;

	if (!s->unchecked)
		return 0;
	/* A top-level member's value: inside the object, at depth 2. */
	q = scan_value(&sc, s->p, 2, NULL);
	if (q && q != sc.end)
		fail(&sc, q, "trailing bytes after the array");
	if (!q || q != sc.end) {
		*why = sc.why;
		*where = (size_t)(sc.where - s->p);
		return -1;
	}
	s->unchecked = 0;
	return 0;
}

const struct json_span *
json_get(const struct json_obj *o, const char *key)
{
	size_t n = strlen(key);
	int i;

	for (i = o->n - 1; i >= 0; i--) {
		const struct json_span *k = &o->m[i].key;

		if (k->n == n && memcmp(k->p, key, n) == 0 && !k->escaped)
			return &o->m[i].val;
	}
	return NULL;
}

int
json_str_is(const struct json_span *s, const char *lit)
{
	size_t n = strlen(lit);

	return s && s->type == JSON_STRING && !s->escaped && s->n == n &&
	    memcmp(s->p, lit, n) == 0;
}

void
json_iter_init(struct json_iter *it, const struct json_span *arr)
{
	/* Inside the brackets. */
	it->p = arr->p + 1;
	it->end = arr->p + arr->n - 1;
}

/* Skip one validated value starting at p; returns the byte past it. */
static const char *
skip_value(const char *p, const char *end)
{
	int depth = 0;

	do {
		switch (*p) {
		case '"':
			for (p++; *p != '"'; p++)
				if (*p == '\\')
					p++;
			p++;
			break;
		case '[': case '{':
			depth++;
			p++;
			break;
		case ']': case '}':
			depth--;
			p++;
			break;
		default:
			/* Scalars and separators inside containers. */
			if (depth == 0) {
				while (p < end && *p != ',' && *p != ']' &&
				    *p != '}' && *p != ' ' && *p != '\t' &&
				    *p != '\n' && *p != '\r')
					p++;
				return p;
			}
			p++;
		}
	} while (depth > 0);
	return p;
}

const char *
json_skip(const char *p, const char *end)
{
	return skip_value(p, end);
}

const char *
json_skip_checked(const char *p, const char *end, int depth,
    const char **why, size_t *where)
{
	struct scan sc = { p, end, NULL, NULL, 0, NULL };
	const char *q = scan_value(&sc, p, depth, NULL);

	if (!q) {
		*why = sc.why;
		*where = (size_t)(sc.where - p);
	}
	return q;
}

int
json_next(struct json_iter *it, struct json_span *v)
{
	const char *p = skip_ws(it->p, it->end), *q;

	if (p < it->end && *p == ',')
		p = skip_ws(p + 1, it->end);
	if (p >= it->end)
		return 0;
	q = skip_value(p, it->end);
	switch (*p) {
	case '"':
		v->p = p + 1;
		v->n = (uint32_t)(q - p - 2);
		v->type = JSON_STRING;
		v->escaped = memchr(v->p, '\\', v->n) != NULL;
		v->unchecked = 0;
		break;
	case '[': v->type = JSON_ARRAY; goto span;
	case '{': v->type = JSON_OBJECT; goto span;
	case 't': v->type = JSON_TRUE; goto span;
	case 'f': v->type = JSON_FALSE; goto span;
	case 'n': v->type = JSON_NULL; goto span;
	default:
		v->type = JSON_NUMBER;
	span:
		v->p = p;
		v->n = (uint32_t)(q - p);
		v->escaped = 0;
		v->unchecked = 0;
	}
	it->p = q;
	return 1;
}

static int
hexval(char c)
{
	if (c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

/* Encode code point cp as UTF-8 into d; returns the length. */
static int
put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int
json_str_copy(const struct json_span *s, char *dst, size_t cap)
{
	const char *p = s->p, *end = s->p + s->n;
	size_t n = 0;

	if (s->type != JSON_STRING || cap == 0)
		return -1;
	while (p < end) {
		char c = *p++;
		unsigned cp;
		char u8[4];
		int k;

		if (c != '\\') {
			if (n + 1 >= cap)
				return -1;
			dst[n++] = c;
			continue;
		}
		if (n + 1 >= cap)
			return -1;
		c = *p++;
		switch (c) {
		case 'b': dst[n++] = '\b'; break;
		case 'f': dst[n++] = '\f'; break;
		case 'n': dst[n++] = '\n'; break;
		case 'r': dst[n++] = '\r'; break;
		case 't': dst[n++] = '\t'; break;
		case 'u':
			cp = (unsigned)(hexval(p[0]) << 12 | hexval(p[1]) << 8 |
			    hexval(p[2]) << 4 | hexval(p[3]));
			p += 4;
			/* A surrogate pair makes one code point; a lone
			 * surrogate becomes U+FFFD. */
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u') {
				unsigned lo = (unsigned)(hexval(p[2]) << 12 |
				    hexval(p[3]) << 8 | hexval(p[4]) << 4 |
				    hexval(p[5]));

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					p += 6;
				}
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			if (cp == 0)
				return -1;
			k = put_utf8(u8, cp);
			if (n + k >= cap)
				return -1;
			memcpy(dst + n, u8, k);
			n += k;
			break;
		default:
			dst[n++] = c;
		}
	}
	dst[n] = '\0';
	return (int)n;
}

int
json_int64(const struct json_span *s, int64_t *v)
{
	const char *p = s->p, *end = s->p + s->n;
	uint64_t u = 0, lim;
	int neg = 0;

	if (s->type != JSON_NUMBER && !(s->type == JSON_STRING && !s->escaped))
		return -1;
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == end || (*p == '0' && end - p > 1))
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		unsigned d = (unsigned char)*p - '0';

		if (d > 9)
			return -1;
		if (u > (lim - d) / 10)
			return -1;
		u = u * 10 + d;
	}
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}
