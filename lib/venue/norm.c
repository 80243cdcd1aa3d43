/*
 * norm: field readers and writers shared by the venue normalizers (see
 * norm.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "norm.h"

/* The longest decimal the fast pass takes: well inside fx's range. */
#define NORM_FAST_DEC 36

void
norm_begin(struct norm *m, int fast)
{
	m->fast = fast;
	m->ndone = 0;
}

/* Drop what a failed pass appended, and its failure. */
static void
roll_back(struct buf *out, size_t mark)
{
	out->len = mark;
	out->failed = 0;
}

int
norm_run(struct norm *nm, enum norm_mode mode, const struct norm_passes *p,
    void *m, const char *msg, size_t n)
{
	struct buf *out = nm->out;
	size_t mark = out->len;
	int r = -1;

	if (buf_failed(out))
		return norm_fail(nm, "output buffer has failed");
	if (mode == NORM_ONE_PASS) {
		p->begin(m, 1);
		r = p->fast(m, msg, n);
		if (r < 0 || buf_failed(out)) {
			roll_back(out, mark);
			r = -1;
		}
	}
	if (r < 0) {
		p->begin(m, 0);
		r = p->plain(m, msg, n);
	}
	if (r >= 0 && buf_failed(out)) {
		nm->kind = NULL;
		r = norm_fail(nm, "%s", buf_failed(out) == ENOMEM ?
		    "out of memory" : "event too large for the output buffer");
	}
	if (r < 0)
		roll_back(out, mark);
	return r;
}

static int
is_done(const struct norm *m, const struct json_span *s)
{
	int i;

	for (i = 0; i < m->ndone; i++)
		if (m->done[i] == s)
			return 1;
	return 0;
}

static void
mark_done(struct norm *m, const struct json_span *s)
{
	/* A full list only costs a second validation at the end. */
	if (m->ndone < NORM_DONE_MAX)
		m->done[m->ndone++] = s;
}

/* Is s[0..n) one valid JSON value at the given depth, exactly? */
static int
valid_at(const struct json_span *s, int depth)
{
	const char *why;
	size_t at;

	return json_skip_checked(s->p, s->p + s->n, depth, &why, &at) ==
	    s->p + s->n;
}

int
norm_check_rest(struct norm *m, const struct json_obj *o, int depth)
{
	int i;

	for (i = 0; i < o->n; i++) {
		const struct json_span *v = &o->m[i].val;

		if (v->unchecked && !is_done(m, v) && !valid_at(v, depth))
			return -1;
	}
	return 0;
}

int
norm_check_array(struct norm *m, const struct json_span *s, int depth)
{
	if (!m->fast || !s->unchecked || is_done(m, s))
		return 0;
	if (!valid_at(s, depth))
		return -1;
	mark_done(m, s);
	return 0;
}

int
norm_fail(struct norm *m, const char *fmt, ...)
{
	va_list ap;
	size_t k = 0;
	int r;

	if (m->whylen == 0)
		return -1;
	if (m->kind) {
		r = snprintf(m->why, m->whylen, "%s: ", m->kind);
		k = r < 0 ? 0 : (size_t)r;
		if (k >= m->whylen)
			return -1;
	}
	va_start(ap, fmt);
	vsnprintf(m->why + k, m->whylen - k, fmt, ap);
	va_end(ap);
	return -1;
}

const struct json_span *
norm_need(struct norm *m, const struct json_obj *o, const char *key)
{
	const struct json_span *v = json_get(o, key);

	if (!v)
		norm_fail(m, "missing field '%s'", key);
	return v;
}

int
norm_int(struct norm *m, const struct json_obj *o, const char *key, int64_t *v)
{
	const struct json_span *s = norm_need(m, o, key);

	if (!s)
		return -1;
	if (json_int64(s, v) < 0)
		return norm_fail(m, "field '%s' is not an integer", key);
	if (*v < 0)
		return norm_fail(m, "field '%s' is negative", key);
	return 0;
}

void
norm_key(struct norm *m, const char *name)
{
	buf_addc(m->out, ',');
	buf_addc(m->out, '"');
	buf_adds(m->out, name);
	buf_add(m->out, "\":", 2);
}

int
norm_decimal(const struct json_span *v, struct fx *x)
{
	if (v->type != JSON_STRING && v->type != JSON_NUMBER)
		return FX_SYNTAX;
	return fx_parse(v->p, v->n, x);
}

const char *
norm_fx_reason(int r)
{
	return r == FX_RANGE ? "number out of range" : "not a decimal number";
}

int
norm_put_dec(struct norm *m, const char *name, const struct json_obj *o,
    const char *key)
{
	const struct json_span *v = norm_need(m, o, key);
	struct fx x;
	int r;

	if (!v)
		return -1;
	r = norm_decimal(v, &x);
	if (r != FX_OK)
		return norm_fail(m, "field '%s': %s", key, norm_fx_reason(r));
	if (x.m < 0)
		return norm_fail(m, "field '%s' is negative", key);
	norm_key(m, name);
	buf_add(m->out, v->p, v->n);
	return 0;
}

static int
norm_level(struct norm *m, const char *key, size_t i,
    const struct json_span *lv)
{
	struct json_iter it;
	struct json_span px, qty, extra;
	struct fx p, q;
	int r;

	if (lv->type != JSON_ARRAY)
		goto shape;
	json_iter_init(&it, lv);
	if (!json_next(&it, &px) || !json_next(&it, &qty) ||
	    json_next(&it, &extra))
		goto shape;
	r = norm_decimal(&px, &p);
	if (r != FX_OK)
		return norm_fail(m, "%s[%zu]: price: %s", key, i,
		    norm_fx_reason(r));
	r = norm_decimal(&qty, &q);
	if (r != FX_OK)
		return norm_fail(m, "%s[%zu]: quantity: %s", key, i,
		    norm_fx_reason(r));
	if (p.m <= 0)
		return norm_fail(m, "%s[%zu]: price not positive", key, i);
	if (q.m < 0)
		return norm_fail(m, "%s[%zu]: negative quantity", key, i);
	buf_addc(m->out, '[');
	buf_add(m->out, px.p, px.n);
	buf_addc(m->out, ',');
	buf_add(m->out, qty.p, qty.n);
	buf_addc(m->out, ']');
	return 0;
shape:
	return norm_fail(m, "%s[%zu]: not a %s pair", key, i, m->pair);
}

/*
 * Copy one decimal of a level at p (quoted or bare) to d, checking it as
 * it goes: digits, at most one point with digits after it, no leading
 * zero, at most NORM_FAST_DEC characters -- a valid JSON number or
 * string that fx_parse() takes, non-negative.  Sets *nz when a digit is
 * not 0.  Returns the byte past it (past the closing quote), or NULL for
 * anything else.
 */
static inline const char *
fast_dec(const char *p, const char *end, char **dp, int *nz)
{
	const char *s;
	char *d = *dp;
	int quoted = 0, any = 0;

	if (p < end && *p == '"') {
		quoted = 1;
		p++;
	}
	s = p;
	if (p < end && *p == '0') {
		*d++ = *p++;
		if (p < end && *p >= '0' && *p <= '9')
			return NULL;
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			any |= *p - '0';
			*d++ = *p++;
		}
		if (p == s)
			return NULL;
	}
	if (p < end && *p == '.') {
		const char *f;

		*d++ = *p++;
		f = p;
		while (p < end && *p >= '0' && *p <= '9') {
			any |= *p - '0';
			*d++ = *p++;
		}
		if (p == f)
			return NULL;
	}
	if (p - s > NORM_FAST_DEC)
		return NULL;
	if (quoted) {
		if (p >= end || *p != '"')
			return NULL;
		p++;
	}
	*nz = any != 0;
	*dp = d;
	return p;
}

/*
 * The fast pass's level array: validated and copied in one walk into
 * room reserved up front (the events' form is never longer: the quotes
 * go).  Only the compact form [["p","q"],...] with fast_dec() decimals
 * and a positive price; anything else returns -1 for the plain pass.
 */
static int
fast_levels(struct norm *m, const struct json_span *arr)
{
	const char *p = arr->p, *end = arr->p + arr->n;
	struct buf *b = m->out;
	char *d;
	int nz, qnz;

	if (buf_grow(b, arr->n) < 0)
		return -1;
	d = b->p + b->len;
	if (p == end || *p != '[')
		return -1;
	*d++ = *p++;
	if (p < end && *p == ']')
		goto close;
	for (;;) {
		if (p == end || *p != '[')
			return -1;
		*d++ = *p++;
		p = fast_dec(p, end, &d, &nz);
		if (!p || !nz || p == end || *p != ',')
			return -1;
		*d++ = *p++;
		p = fast_dec(p, end, &d, &qnz);
		if (!p || p == end || *p != ']')
			return -1;
		*d++ = *p++;
		if (p < end && *p == ',') {
			*d++ = *p++;
			continue;
		}
		break;
	}
	if (p == end || *p != ']')
		return -1;
close:
	*d++ = *p++;
	if (p != end)
		return -1;
	b->len = (size_t)(d - b->p);
	return 0;
}

int
norm_put_levels(struct norm *m, const char *name, const struct json_obj *o,
    const char *key)
{
	const struct json_span *arr = norm_need(m, o, key);
	struct json_iter it;
	struct json_span lv;
	size_t i;

	if (!arr)
		return -1;
	if (arr->type != JSON_ARRAY)
		return norm_fail(m, "field '%s' is not an array", key);
	if (m->fast && arr->unchecked) {
		norm_key(m, name);
		if (fast_levels(m, arr) < 0)
			return -1;
		mark_done(m, arr);
		return 0;
	}
	norm_key(m, name);
	buf_addc(m->out, '[');
	json_iter_init(&it, arr);
	for (i = 0; json_next(&it, &lv); i++) {
		if (i)
			buf_addc(m->out, ',');
		if (norm_level(m, key, i, &lv) < 0)
			return -1;
	}
	buf_addc(m->out, ']');
	return 0;
}

void
norm_put_int(struct norm *m, const char *name, int64_t v)
{
	norm_key(m, name);
	buf_addi(m->out, v);
}
