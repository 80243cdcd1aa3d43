/*
 * norm: field readers and writers shared by the venue normalizers (see
 * norm.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "norm.h"

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
norm_level(struct norm *m, const char *key, size_t i, const struct json_span *lv)
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
