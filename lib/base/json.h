/*
 * json: the event parser's scanner.  One pass validates a whole NDJSON
 * line (RFC 8259: syntax, string escapes, UTF-8, no control characters,
 * nesting depth) and records where each top-level member of the object
 * is; nothing is copied or allocated.  Values are then read from those
 * spans on demand.  Chosen over libjq's jv, json-c, jansson and cJSON by
 * measurement (lib/README).
 */
#ifndef MKT_JSON_H
#define MKT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "attr.h"

enum json_type {
	JSON_NONE = 0,		/* member absent */
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/*
 * A value inside the line.  For strings p/n exclude the quotes and
 * `escaped` says whether a backslash occurs inside; for everything else
 * p/n cover the value's text exactly.
 */
struct json_span {
	const char *p;
	uint32_t n;
	uint8_t type;
	uint8_t escaped;
	uint8_t unchecked;	/* an array only bracket-matched (lazy mode) */
};

struct json_member {
	struct json_span key;
	struct json_span val;
};

#define JSON_MAX_MEMBERS 128
#define JSON_MAX_DEPTH 64

struct json_obj {
	int n;
	struct json_member m[JSON_MAX_MEMBERS];
};

/*
 * Validate p[0..n) as one JSON object (whitespace around it allowed) and
 * record its top-level members in order.  Returns 0, or -1 with *why set
 * to a static message and *where to the byte offset of the problem.
 */
int json_parse_object(const char *p, size_t n, struct json_obj *o,
    const char **why, size_t *where) WUR;

/*
 * The same, but top-level array values are only bracket-matched, not
 * validated: their spans are marked `unchecked`.  The caller must either
 * parse such an array with a validating reader of its own (as
 * event_levels() does) or call json_check() on it before trusting it.
 */
int json_parse_object_lazy(const char *p, size_t n, struct json_obj *o,
    const char **why, size_t *where) WUR;

/*
 * One member of an object recorded one level down, for messages that
 * wrap their payload ({"stream":..,"data":{..}}): the first top-level
 * member named `key` (unescaped) whose value is an object has that
 * object's members recorded into obj, lazily too (its array values only
 * bracket-matched and marked unchecked; they are at depth 3), in the same
 * pass; `at` is then the first byte ('{') of that value, else NULL.  A
 * later member of the same name is validated as usual, not recorded:
 * json_get(o, key)->p == at says whether obj is that member's.
 */
struct json_nested {
	const char *key;	/* in */
	const char *at;		/* out */
	struct json_obj obj;	/* out */
};

/* json_parse_object_lazy(), recording nest->key's members as well. */
int json_parse_object_nested(const char *p, size_t n, struct json_obj *o,
    struct json_nested *nest, const char **why, size_t *where) WUR;

/*
 * Validate an unchecked span in full; clears `unchecked`.  0, or -1 with
 * *why and *where (offset from the span's start).
 */
int json_check(struct json_span *s, const char **why, size_t *where) WUR;

/* The member named key (the last one when a key repeats), or NULL. */
const struct json_span *json_get(const struct json_obj *o, const char *key);

/* Is span s the string lit, exactly (unescaped spans only)? */
int json_str_is(const struct json_span *s, const char *lit);

/*
 * Iterate the elements of a validated array span: set *it to the span
 * and call json_next() until it returns 0.  Only valid on spans that
 * json_parse_object() produced.
 */
struct json_iter {
	const char *p;
	const char *end;
};
void json_iter_init(struct json_iter *it, const struct json_span *arr);
int json_next(struct json_iter *it, struct json_span *v);

/*
 * The byte past the validated value that starts at p (end bounds the
 * enclosing span).
 */
const char *json_skip(const char *p, const char *end);

/*
 * Validate the one value that starts at p (end bounds it), found at
 * nesting depth `depth` (a top-level member's value is at depth 2), and
 * return the byte past it, or NULL with *why and *where (offset from p).
 */
const char *json_skip_checked(const char *p, const char *end, int depth,
    const char **why, size_t *where);

/*
 * Copy a string value into dst (at most cap-1 bytes, NUL-terminated),
 * decoding escapes.  Returns the length, or -1 when it does not fit or
 * holds a NUL.
 */
int json_str_copy(const struct json_span *s, char *dst, size_t cap) WUR;

/*
 * A JSON integer (no fraction or exponent) that fits int64.  Also
 * accepted: a string holding one.  0, or -1.
 */
int json_int64(const struct json_span *s, int64_t *v) WUR;

#endif
