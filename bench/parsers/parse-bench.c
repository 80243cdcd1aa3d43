/*
 * parse-bench: the measurement behind the event parser's choice of JSON
 * parser (lib/README, "Parser choice").
 *
 * Reads a file of NDJSON depth events into memory, then times each
 * backend over every line, in two modes:
 *
 *   parse    the parser alone: validate the line (and, for the tree
 *            parsers, build and free the tree);
 *   extract  what our programs need from each event: type, venue, market
 *            and symbol, time, recv, last_id and first_id, and every bid
 *            and ask [price, qty] as an exact decimal (struct fx).
 *
 * Backends: "mkt" is ours, called as mkt-book calls it (event_parse_for,
 * event_fields, event_levels from build/libmkt.a; json_parse_object for
 * "parse"); jq (libjq's jv_parse_sized), json-c, jansson and cJSON are
 * compiled in when build.sh finds them.  For them the extraction work is
 * kept the same: each number's text goes through our fx_parse.  json-c
 * keeps the text of a number with a fraction, so it stays exact; jq 1.6,
 * jansson and cJSON give only a double, which is printed with "%.17g"
 * and then parsed, so the price has passed through binary floating
 * point: an untimed check against our parser counts how many values
 * changed.
 *
 * Each backend runs RUNS times per mode, the runs interleaved across
 * backends; the median is reported.  Output: one table on stdout.
 *
 * Built from this one file, compiled once per part, because our json.h,
 * json-c's and jansson's headers all define enum json_type and JSON_*:
 * without PB_* defined it is the program and our backend (with HAVE_JQ,
 * HAVE_JSONC, HAVE_JANSSON, HAVE_CJSON for the others it links); with
 * one of PB_JQ, PB_JSONC, PB_JANSSON, PB_CJSON it is that backend alone.
 * (At link time the two libraries share two names, json_object_get and
 * json_object_iter_next; both version their symbols, so their own calls
 * stay inside each, and the jansson code here calls json_object_getn.)
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "prog/err.h"
#include "base/fixed.h"

#if defined(PB_JQ) || defined(PB_JSONC) || defined(PB_JANSSON) || \
    defined(PB_CJSON)
#define PB_BACKEND 1
/*
 * As in event.h, which cannot be included next to json-c's or jansson's
 * headers; identical definitions are the same type across translation
 * units.
 */
struct level_fx {
	struct fx px;
	struct fx qty;
};
struct levels {
	struct level_fx *lv;
	size_t n, cap;
};
#else
#include "event/event.h"
#include "base/json.h"
#endif

#ifdef PB_JQ
#include <jv.h>
#endif
#ifdef PB_JSONC
#include <json-c/json.h>
#endif
#ifdef PB_JANSSON
#include <jansson.h>
#endif
#ifdef PB_CJSON
#include <cjson/cJSON.h>
#endif

#define SYM_MAX 64

/* The event types the extraction tells apart. */
enum pb_type {
	PB_OTHER = 0,
	PB_SNAPSHOT,
	PB_DEPTH,
};

/*
 * What a backend extracted from one event.  The level arrays are reused
 * from event to event; whoever set up the struct frees them.
 */
struct extract {
	enum pb_type type;
	char symbol[SYM_MAX];
	int64_t time, recv, last_id, first_id;
	struct levels bids, asks;
};

/* A backend: parse and extract return 0, or -1 on a line they reject. */
struct pb_ops {
	const char *name;
	const char *numbers;	/* how the number text is obtained */
	int exact;		/* prices and quantities stay exact */
	int (*parse)(const char *p, size_t n);
	int (*extract)(const char *p, size_t n, struct extract *x);
};

extern const struct pb_ops pb_jq, pb_jsonc, pb_jansson, pb_cjson;

/* Shared by the backends; defined in the program part. */
enum pb_type pb_type_of(const char *s);
int pb_level_push(struct levels *l, struct fx px, struct fx qty);
void pb_set_symbol(struct extract *x, const char *s, size_t n);
int pb_fx_from_double(double d, struct fx *out);
int pb_int_from_double(double d, int64_t *out);

#ifndef PB_BACKEND
enum pb_type
pb_type_of(const char *s)
{
	if (strcmp(s, "depth") == 0)
		return PB_DEPTH;
	if (strcmp(s, "snapshot") == 0)
		return PB_SNAPSHOT;
	return PB_OTHER;
}

/* Append one level to l; -1 when out of memory. */
int
pb_level_push(struct levels *l, struct fx px, struct fx qty)
{
	struct level_fx *p;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		p = realloc(l->lv, cap * sizeof *p);
		if (!p)
			return -1;
		l->lv = p;
		l->cap = cap;
	}
	l->lv[l->n].px = px;
	l->lv[l->n].qty = qty;
	l->n++;
	return 0;
}

void
pb_set_symbol(struct extract *x, const char *s, size_t n)
{
	if (n >= SYM_MAX)
		n = SYM_MAX - 1;
	memcpy(x->symbol, s, n);
	x->symbol[n] = '\0';
}

/*
 * The jq, jansson and cJSON way to an exact decimal: they hold only the
 * double, so print it with enough digits to round-trip and parse that.
 * 30000.01 comes back as 30000.009999999998 and 0.10000000 as 0.1.
 */
int
pb_fx_from_double(double d, struct fx *out)
{
	char b[40];
	int k = snprintf(b, sizeof b, "%.17g", d);

	if (k <= 0 || k >= (int)sizeof b)
		return -1;
	return fx_parse(b, (size_t)k, out) == FX_OK ? 0 : -1;
}

/* An integer field held as a double (exact up to 2^53). */
int
pb_int_from_double(double d, int64_t *out)
{
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) ||
	    d != (double)(int64_t)d)
		return -1;
	*out = (int64_t)d;
	return 0;
}
#endif

/* ---- mkt: our scanner ------------------------------------------------ */

#ifndef PB_BACKEND

static struct event mkt_ev;

static int
mkt_parse(const char *p, size_t n)
{
	const char *why;
	size_t at;

	return json_parse_object(p, n, &mkt_ev.obj, &why, &at);
}

static int
mkt_extract(const char *p, size_t n, struct extract *x)
{
	char why[128];

	/* As mkt-book does: the level arrays are validated while decoded. */
	if (event_parse_for(p, n, &mkt_ev, EV_BIT(EV_SNAPSHOT) |
	    EV_BIT(EV_DEPTH), why, sizeof why) < 0)
		return -1;
	x->type = mkt_ev.type == EV_DEPTH ? PB_DEPTH :
	    mkt_ev.type == EV_SNAPSHOT ? PB_SNAPSHOT : PB_OTHER;
	if (x->type == PB_OTHER)
		return 0;
	if (event_fields(&mkt_ev, why, sizeof why) < 0)
		return -1;
	pb_set_symbol(x, mkt_ev.symbol->p, mkt_ev.symbol->n);
	x->time = mkt_ev.time;
	x->recv = mkt_ev.recv;
	x->last_id = mkt_ev.last_id;
	/* As the others do: a snapshot's first_id is its last_id. */
	x->first_id = mkt_ev.has & EV_HAS_FIRST_ID ? mkt_ev.first_id :
	    mkt_ev.last_id;
	if (event_levels(mkt_ev.bids, &x->bids, "bids", why, sizeof why) < 0 ||
	    event_levels(mkt_ev.asks, &x->asks, "asks", why, sizeof why) < 0)
		return -1;
	return 0;
}

static const struct pb_ops pb_mkt = {
	.name = "mkt", .numbers = "text of the number", .exact = 1,
	.parse = mkt_parse, .extract = mkt_extract,
};
#endif

/* ---- jq: libjq's jv ------------------------------------------------ */

#ifdef PB_JQ
static int
jq_parse(const char *p, size_t n)
{
	jv v = jv_parse_sized(p, (int)n);
	int ok = jv_get_kind(v) == JV_KIND_OBJECT;

	jv_free(v);
	return ok ? 0 : -1;
}

/* o[key], a new reference (jv_object_get consumes both arguments). */
static jv
jq_get(jv o, const char *key)
{
	return jv_object_get(jv_copy(o), jv_string(key));
}

static int
jq_need_string(jv o, const char *key, jv *out)
{
	*out = jq_get(o, key);
	if (jv_get_kind(*out) != JV_KIND_STRING) {
		jv_free(*out);
		return -1;
	}
	return 0;
}

static int
jq_opt_int(jv o, const char *key, int64_t *out)
{
	jv v = jq_get(o, key);
	int r = 0;

	/* A missing key gives an invalid value, not null. */
	if (jv_get_kind(v) == JV_KIND_NUMBER)
		r = pb_int_from_double(jv_number_value(v), out);
	else if (jv_get_kind(v) != JV_KIND_NULL &&
	    jv_get_kind(v) != JV_KIND_INVALID)
		r = -1;
	jv_free(v);
	return r;
}

static int
jq_levels(jv o, const char *key, struct levels *l)
{
	jv arr = jq_get(o, key), lv, a, b;
	struct fx px, qty;
	int i, len, r = -1;

	l->n = 0;
	if (jv_get_kind(arr) != JV_KIND_ARRAY)
		goto out;
	len = jv_array_length(jv_copy(arr));
	for (i = 0; i < len; i++) {
		lv = jv_array_get(jv_copy(arr), i);
		if (jv_get_kind(lv) != JV_KIND_ARRAY ||
		    jv_array_length(jv_copy(lv)) != 2) {
			jv_free(lv);
			goto out;
		}
		a = jv_array_get(jv_copy(lv), 0);
		b = jv_array_get(lv, 1);
		if (jv_get_kind(a) != JV_KIND_NUMBER ||
		    jv_get_kind(b) != JV_KIND_NUMBER ||
		    pb_fx_from_double(jv_number_value(a), &px) < 0 ||
		    pb_fx_from_double(jv_number_value(b), &qty) < 0 ||
		    pb_level_push(l, px, qty) < 0) {
			jv_free(a);
			jv_free(b);
			goto out;
		}
		jv_free(a);
		jv_free(b);
	}
	r = 0;
out:
	jv_free(arr);
	return r;
}

static int
jq_extract(const char *p, size_t n, struct extract *x)
{
	jv o = jv_parse_sized(p, (int)n), t, s;
	int r = -1;

	if (jv_get_kind(o) != JV_KIND_OBJECT)
		goto out;
	if (jq_need_string(o, "type", &t) < 0)
		goto out;
	x->type = pb_type_of(jv_string_value(t));
	jv_free(t);
	if (x->type == PB_OTHER) {
		r = 0;
		goto out;
	}
	if (jq_need_string(o, "venue", &s) < 0)
		goto out;
	jv_free(s);
	if (jq_need_string(o, "market", &s) < 0)
		goto out;
	jv_free(s);
	if (jq_need_string(o, "symbol", &s) < 0)
		goto out;
	pb_set_symbol(x, jv_string_value(s), (size_t)jv_string_length_bytes(
	    jv_copy(s)));
	jv_free(s);
	x->first_id = -1;
	if (jq_opt_int(o, "time", &x->time) < 0 ||
	    jq_opt_int(o, "recv", &x->recv) < 0 ||
	    jq_opt_int(o, "last_id", &x->last_id) < 0 ||
	    jq_opt_int(o, "first_id", &x->first_id) < 0 ||
	    jq_levels(o, "bids", &x->bids) < 0 ||
	    jq_levels(o, "asks", &x->asks) < 0)
		goto out;
	if (x->first_id < 0)
		x->first_id = x->last_id;
	r = 0;
out:
	jv_free(o);
	return r;
}

const struct pb_ops pb_jq = {
	.name = "jq", .numbers = "double only (libjq 1.6)", .exact = 0,
	.parse = jq_parse, .extract = jq_extract,
};
#endif

/* ---- json-c ----------------------------------------------------------- */

#ifdef PB_JSONC
static struct json_tokener *jc_tok;

static struct json_object *
jc_load(const char *p, size_t n)
{
	struct json_object *o;

	/* One tokener for the run, made at first use (never freed). */
	if (!jc_tok) {
		jc_tok = json_tokener_new();
		if (!jc_tok)
			return NULL;
	}
	json_tokener_reset(jc_tok);
	o = json_tokener_parse_ex(jc_tok, p, (int)n);
	if (json_tokener_get_error(jc_tok) != json_tokener_success) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int
jc_parse(const char *p, size_t n)
{
	struct json_object *o = jc_load(p, n);
	int ok = o && json_object_is_type(o, json_type_object);

	json_object_put(o);
	return ok ? 0 : -1;
}

/*
 * json-c keeps a number with a fraction or exponent as a double plus its
 * original text (json_object_new_double_s(): the text is the userdata,
 * which json_object_get_string() would also return, through a per-object
 * print buffer); integers are int64.  Either way the value is exact.
 */
static int
jc_decimal(struct json_object *v, struct fx *out)
{
	const char *s;

	if (json_object_is_type(v, json_type_int)) {
		out->m = json_object_get_int64(v);
		out->s = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_double))
		return -1;
	s = json_object_get_userdata(v);
	if (!s)
		s = json_object_get_string(v);
	return fx_parse(s, strlen(s), out) == FX_OK ? 0 : -1;
}

static int
jc_opt_int(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static int
jc_levels(struct json_object *o, const char *key, struct levels *l)
{
	struct json_object *arr, *lv;
	struct fx px, qty;
	size_t i, len;

	l->n = 0;
	if (!json_object_object_get_ex(o, key, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -1;
	len = json_object_array_length(arr);
	for (i = 0; i < len; i++) {
		lv = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(lv, json_type_array) ||
		    json_object_array_length(lv) != 2 ||
		    jc_decimal(json_object_array_get_idx(lv, 0), &px) < 0 ||
		    jc_decimal(json_object_array_get_idx(lv, 1), &qty) < 0 ||
		    pb_level_push(l, px, qty) < 0)
			return -1;
	}
	return 0;
}

static const char *
jc_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
jc_extract(const char *p, size_t n, struct extract *x)
{
	struct json_object *o = jc_load(p, n);
	const char *s;
	int r = -1;

	if (!o || !json_object_is_type(o, json_type_object))
		goto out;
	s = jc_string(o, "type");
	if (!s)
		goto out;
	x->type = pb_type_of(s);
	if (x->type == PB_OTHER) {
		r = 0;
		goto out;
	}
	if (!jc_string(o, "venue") || !jc_string(o, "market"))
		goto out;
	s = jc_string(o, "symbol");
	if (!s)
		goto out;
	pb_set_symbol(x, s, strlen(s));
	x->first_id = -1;
	if (jc_opt_int(o, "time", &x->time) < 0 ||
	    jc_opt_int(o, "recv", &x->recv) < 0 ||
	    jc_opt_int(o, "last_id", &x->last_id) < 0 ||
	    jc_opt_int(o, "first_id", &x->first_id) < 0 ||
	    jc_levels(o, "bids", &x->bids) < 0 ||
	    jc_levels(o, "asks", &x->asks) < 0)
		goto out;
	if (x->first_id < 0)
		x->first_id = x->last_id;
	r = 0;
out:
	json_object_put(o);
	return r;
}

const struct pb_ops pb_jsonc = {
	.name = "json-c", .numbers = "text kept for reals, int64",
	.exact = 1,
	.parse = jc_parse, .extract = jc_extract,
};
#endif

/* ---- jansson ---------------------------------------------------------- */

#ifdef PB_JANSSON
static int
ja_parse(const char *p, size_t n)
{
	json_error_t e;
	json_t *o = json_loadb(p, n, 0, &e);
	int ok = o && json_is_object(o);

	json_decref(o);
	return ok ? 0 : -1;
}

/* Integers are json_int_t and exact; a real is only a double. */
static int
ja_decimal(const json_t *v, struct fx *out)
{
	if (json_is_integer(v)) {
		out->m = json_integer_value(v);
		out->s = 0;
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	return pb_fx_from_double(json_real_value(v), out);
}

static int
ja_opt_int(const json_t *o, const char *key, int64_t *out)
{
	const json_t *v = json_object_getn(o, key, strlen(key));

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int
ja_levels(const json_t *o, const char *key, struct levels *l)
{
	const json_t *arr = json_object_getn(o, key, strlen(key)), *lv;
	struct fx px, qty;
	size_t i, len;

	l->n = 0;
	if (!json_is_array(arr))
		return -1;
	len = json_array_size(arr);
	for (i = 0; i < len; i++) {
		lv = json_array_get(arr, i);
		if (!json_is_array(lv) || json_array_size(lv) != 2 ||
		    ja_decimal(json_array_get(lv, 0), &px) < 0 ||
		    ja_decimal(json_array_get(lv, 1), &qty) < 0 ||
		    pb_level_push(l, px, qty) < 0)
			return -1;
	}
	return 0;
}

static const char *
ja_string(const json_t *o, const char *key, size_t *len)
{
	const json_t *v = json_object_getn(o, key, strlen(key));

	if (!json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

static int
ja_extract(const char *p, size_t n, struct extract *x)
{
	json_error_t e;
	json_t *o = json_loadb(p, n, 0, &e);
	const char *s;
	size_t len;
	int r = -1;

	if (!json_is_object(o))
		goto out;
	s = ja_string(o, "type", &len);
	if (!s)
		goto out;
	x->type = pb_type_of(s);
	if (x->type == PB_OTHER) {
		r = 0;
		goto out;
	}
	if (!ja_string(o, "venue", &len) || !ja_string(o, "market", &len))
		goto out;
	s = ja_string(o, "symbol", &len);
	if (!s)
		goto out;
	pb_set_symbol(x, s, len);
	x->first_id = -1;
	if (ja_opt_int(o, "time", &x->time) < 0 ||
	    ja_opt_int(o, "recv", &x->recv) < 0 ||
	    ja_opt_int(o, "last_id", &x->last_id) < 0 ||
	    ja_opt_int(o, "first_id", &x->first_id) < 0 ||
	    ja_levels(o, "bids", &x->bids) < 0 ||
	    ja_levels(o, "asks", &x->asks) < 0)
		goto out;
	if (x->first_id < 0)
		x->first_id = x->last_id;
	r = 0;
out:
	json_decref(o);
	return r;
}

const struct pb_ops pb_jansson = {
	.name = "jansson", .numbers = "double for reals, int64", .exact = 0,
	.parse = ja_parse, .extract = ja_extract,
};
#endif

/* ---- cJSON ------------------------------------------------------------ */

#ifdef PB_CJSON
static int
cj_parse(const char *p, size_t n)
{
	cJSON *o = cJSON_ParseWithLength(p, n);
	int ok = cJSON_IsObject(o);

	cJSON_Delete(o);
	return ok ? 0 : -1;
}

static int
cj_opt_int(const cJSON *o, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v))
		return -1;
	return pb_int_from_double(v->valuedouble, out);
}

/* Walk the child list: cJSON_GetArrayItem() is linear in the index. */
static int
cj_levels(const cJSON *o, const char *key, struct levels *l)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key), *lv, *a;
	struct fx px, qty;

	l->n = 0;
	if (!cJSON_IsArray(arr))
		return -1;
	cJSON_ArrayForEach(lv, arr) {
		a = lv->child;
		if (!cJSON_IsArray(lv) || !a || !a->next || a->next->next ||
		    !cJSON_IsNumber(a) || !cJSON_IsNumber(a->next) ||
		    pb_fx_from_double(a->valuedouble, &px) < 0 ||
		    pb_fx_from_double(a->next->valuedouble, &qty) < 0 ||
		    pb_level_push(l, px, qty) < 0)
			return -1;
	}
	return 0;
}

static const char *
cj_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
cj_extract(const char *p, size_t n, struct extract *x)
{
	cJSON *o = cJSON_ParseWithLength(p, n);
	const char *s;
	int r = -1;

	if (!cJSON_IsObject(o))
		goto out;
	s = cj_string(o, "type");
	if (!s)
		goto out;
	x->type = pb_type_of(s);
	if (x->type == PB_OTHER) {
		r = 0;
		goto out;
	}
	if (!cj_string(o, "venue") || !cj_string(o, "market"))
		goto out;
	s = cj_string(o, "symbol");
	if (!s)
		goto out;
	pb_set_symbol(x, s, strlen(s));
	x->first_id = -1;
	if (cj_opt_int(o, "time", &x->time) < 0 ||
	    cj_opt_int(o, "recv", &x->recv) < 0 ||
	    cj_opt_int(o, "last_id", &x->last_id) < 0 ||
	    cj_opt_int(o, "first_id", &x->first_id) < 0 ||
	    cj_levels(o, "bids", &x->bids) < 0 ||
	    cj_levels(o, "asks", &x->asks) < 0)
		goto out;
	if (x->first_id < 0)
		x->first_id = x->last_id;
	r = 0;
out:
	cJSON_Delete(o);
	return r;
}

const struct pb_ops pb_cjson = {
	.name = "cJSON", .numbers = "double only", .exact = 0,
	.parse = cj_parse, .extract = cj_extract,
};
#endif

/* ---- the benchmark ---------------------------------------------------- */

#ifndef PB_BACKEND
#define MAX_RUNS 99

static const char usage_str[] =
    "usage: parse-bench [-r RUNS] [-b BACKEND,...] [-v LINES] FILE\n";

/* One line of the input, in the one buffer that holds the whole file. */
struct line {
	const char *p;
	size_t n;
};

/* Folded over every event so that no work can be optimised away. */
struct sink {
	uint64_t events, levels, hash;
};

struct backend {
	const struct pb_ops *ops;
	int selected;
	double t_parse[MAX_RUNS], t_extract[MAX_RUNS];
	struct sink sink;
	/* from the exactness check */
	uint64_t v_values, v_changed, v_rescaled, v_mismatch;
};

/* Ours first: it is the reference of the exactness check. */
static struct backend backends[] = {
	{ .ops = &pb_mkt, .selected = 1 },
#ifdef HAVE_JQ
	{ .ops = &pb_jq, .selected = 1 },
#endif
#ifdef HAVE_JSONC
	{ .ops = &pb_jsonc, .selected = 1 },
#endif
#ifdef HAVE_JANSSON
	{ .ops = &pb_jansson, .selected = 1 },
#endif
#ifdef HAVE_CJSON
	{ .ops = &pb_cjson, .selected = 1 },
#endif
};

/* The backends this build left out (build.sh did not find them). */
static const char *const skipped[] = {
#ifndef HAVE_JQ
	"jq (libjq-dev)",
#endif
#ifndef HAVE_JSONC
	"json-c (libjson-c-dev)",
#endif
#ifndef HAVE_JANSSON
	"jansson (libjansson-dev)",
#endif
#ifndef HAVE_CJSON
	"cJSON (libcjson-dev)",
#endif
	NULL,
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static void
fold_levels(struct sink *k, const struct levels *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		k->hash = mix(k->hash, (uint64_t)l->lv[i].px.m);
		k->hash = mix(k->hash, (uint64_t)l->lv[i].qty.m);
	}
	k->levels += l->n;
}

static double
time_parse(struct backend *b, const struct line *lines, size_t nlines)
{
	double t0 = now();
	size_t i;

	for (i = 0; i < nlines; i++)
		if (b->ops->parse(lines[i].p, lines[i].n) < 0)
			die("%s: line %zu: not parsed", b->ops->name, i + 1);
	return now() - t0;
}

static double
time_extract(struct backend *b, const struct line *lines, size_t nlines,
    struct extract *x)
{
	struct sink k = { 0, 0, 0 };
	double t0 = now(), t;
	size_t i;

	for (i = 0; i < nlines; i++) {
		if (b->ops->extract(lines[i].p, lines[i].n, x) < 0)
			die("%s: line %zu: not extracted", b->ops->name, i + 1);
		k.events++;
		if (x->type == PB_OTHER)
			continue;
		k.hash = mix(k.hash, (uint64_t)x->last_id);
		k.hash = mix(k.hash, (uint64_t)(unsigned char)x->symbol[0]);
		fold_levels(&k, &x->bids);
		fold_levels(&k, &x->asks);
	}
	t = now() - t0;
	b->sink = k;
	return t;
}

static int
same_levels(struct backend *b, const struct levels *ref,
    const struct levels *got)
{
	size_t i;
	const struct fx *r, *g;

	if (ref->n != got->n)
		return 0;
	for (i = 0; i < 2 * ref->n; i++) {
		r = i & 1 ? &ref->lv[i / 2].qty : &ref->lv[i / 2].px;
		g = i & 1 ? &got->lv[i / 2].qty : &got->lv[i / 2].px;
		b->v_values++;
		if (fx_cmp(*r, *g) != 0)
			b->v_changed++;
		else if (r->s != g->s)
			b->v_rescaled++;
	}
	return 1;
}

/*
 * Untimed: compare each backend's extraction with ours on the first
 * `limit` lines.  A value that differs from the text changed; a value
 * that is equal but lost the digits as written (0.10000000 -> 0.1) was
 * rescaled.
 */
static void
verify(const struct line *lines, size_t nlines, size_t limit)
{
	struct extract ref, got;
	size_t i, j;

	memset(&ref, 0, sizeof ref);
	memset(&got, 0, sizeof got);
	if (limit > nlines)
		limit = nlines;
	for (i = 0; i < limit; i++) {
		if (mkt_extract(lines[i].p, lines[i].n, &ref) < 0)
			die("mkt: line %zu: not extracted", i + 1);
		for (j = 1; j < NBACKENDS; j++) {
			struct backend *b = &backends[j];

			if (!b->selected)
				continue;
			if (b->ops->extract(lines[i].p, lines[i].n, &got) < 0) {
				b->v_mismatch++;
				continue;
			}
			if (got.type != ref.type) {
				b->v_mismatch++;
				continue;
			}
			if (ref.type == PB_OTHER)
				continue;
			if (strcmp(got.symbol, ref.symbol) != 0 ||
			    got.last_id != ref.last_id ||
			    got.first_id != ref.first_id ||
			    got.time != ref.time || got.recv != ref.recv ||
			    !same_levels(b, &ref.bids, &got.bids) ||
			    !same_levels(b, &ref.asks, &got.asks))
				b->v_mismatch++;
		}
	}
	free(ref.bids.lv);
	free(ref.asks.lv);
	free(got.bids.lv);
	free(got.asks.lv);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *t, int n)
{
	double s[MAX_RUNS];

	memcpy(s, t, n * sizeof *t);
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Read the whole file; returns the buffer (the caller frees it). */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *p;

	if (!f)
		die_errno("cannot open '%s'", path);
	if (fstat(fileno(f), &st) < 0)
		die_errno("cannot stat '%s'", path);
	p = malloc(st.st_size + 1);
	if (!p)
		die_nomem();
	*len = fread(p, 1, st.st_size, f);
	if (ferror(f))
		die_errno("cannot read '%s'", path);
	fclose(f);
	p[*len] = '\0';
	return p;
}

static struct line *
split_lines(char *p, size_t len, size_t *nlines)
{
	struct line *v = NULL;
	size_t n = 0, cap = 0;
	char *end = p + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		if (nl > p) {
			if (n == cap) {
				cap = cap ? cap * 2 : 4096;
				v = realloc(v, cap * sizeof *v);
				if (!v)
					die_nomem();
			}
			/* The tree parsers may want the NUL; ours does not. */
			*nl = '\0';
			v[n].p = p;
			v[n].n = nl - p;
			n++;
		}
		p = nl + 1;
	}
	*nlines = n;
	return v;
}

static void
select_backends(char *list)
{
	char *tok, *save = NULL;
	size_t i;
	int found;

	for (i = 0; i < NBACKENDS; i++)
		backends[i].selected = 0;
	backends[0].selected = 1;	/* the reference for the check */
	for (tok = strtok_r(list, ",", &save); tok;
	    tok = strtok_r(NULL, ",", &save)) {
		found = 0;
		for (i = 0; i < NBACKENDS; i++)
			if (strcmp(tok, backends[i].ops->name) == 0) {
				backends[i].selected = 1;
				found = 1;
			}
		if (!found)
			die("backend '%s' not built in", tok);
	}
}

static long
parse_count(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die_usage("%s: not a number from %ld to %ld: '%s'", what, min,
		    max, s);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "backends", required_argument, NULL, 'b' },
		{ "verify", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct extract x;
	struct line *lines;
	size_t len, nlines, i, verify_lines = 20000;
	double bytes, tp, te;
	char *data;
	int c, r, others, runs = 3;

	err_init("parse-bench");
	while ((c = getopt_long(argc, argv, "r:b:v:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			runs = (int)parse_count(optarg, "--runs", 1, MAX_RUNS);
			break;
		case 'b':
			select_backends(optarg);
			break;
		case 'v':
			verify_lines = (size_t)parse_count(optarg, "--verify",
			    0, 1000000000);
			break;
		case 'h':
			fputs(usage_str, stdout);
			return 0;
		default:
			fputs(usage_str, stderr);
			fprintf(stderr, "try 'parse-bench --help'\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_str, stderr);
		fprintf(stderr, "try 'parse-bench --help'\n");
		return 2;
	}

	data = slurp(argv[optind], &len);
	lines = split_lines(data, len, &nlines);
	if (nlines == 0)
		die("'%s': no lines", argv[optind]);
	bytes = 0;
	for (i = 0; i < nlines; i++)
		bytes += lines[i].n + 1;
	memset(&x, 0, sizeof x);

	printf("input: %s: %zu events, %.0f bytes/event on average\n",
	    argv[optind], nlines, bytes / nlines);
	printf("runs: %d per backend and mode, interleaved; median shown\n",
	    runs);
	fflush(stdout);
	for (r = 0; r < runs; r++)
		for (i = 0; i < NBACKENDS; i++) {
			if (!backends[i].selected)
				continue;
			backends[i].t_parse[r] = time_parse(&backends[i],
			    lines, nlines);
			backends[i].t_extract[r] = time_extract(&backends[i],
			    lines, nlines, &x);
		}
	verify(lines, nlines, verify_lines);

	printf("\n%-8s %12s %12s %9s  %-6s %s\n", "backend", "parse ev/s",
	    "extract ev/s", "MB/s", "exact", "numbers");
	for (i = 0; i < NBACKENDS; i++) {
		struct backend *b = &backends[i];

		if (!b->selected)
			continue;
		tp = median(b->t_parse, runs);
		te = median(b->t_extract, runs);
		printf("%-8s %12.0f %12.0f %9.1f  %-6s %s\n", b->ops->name,
		    nlines / tp, nlines / te, bytes / te / 1e6,
		    b->ops->exact ? "yes" : "no", b->ops->numbers);
	}
	printf("\nparse: validate (tree parsers: build and free the tree);"
	    " extract: type,\nsymbol, ids, times and every [price, qty] as"
	    " an exact decimal; MB/s is\nfor extract.\n");

	others = 0;
	for (i = 1; i < NBACKENDS; i++)
		others += backends[i].selected;
	if (others && verify_lines)
		printf("\nexactness, first %zu events against mkt:\n",
		    verify_lines < nlines ? verify_lines : nlines);
	for (i = 1; i < NBACKENDS; i++) {
		struct backend *b = &backends[i];

		if (!b->selected || !verify_lines)
			continue;
		printf("%-8s %" PRIu64 " numbers: %" PRIu64 " changed value"
		    " (%.1f %%), %" PRIu64 " more lost their written digits;"
		    "\n         events with another field or level count: %"
		    PRIu64 "%s\n", b->ops->name, b->v_values, b->v_changed,
		    b->v_values ? 100.0 * b->v_changed / b->v_values : 0.0,
		    b->v_rescaled, b->v_mismatch,
		    b->sink.hash == backends[0].sink.hash ?
		    "; timed checksum equal to mkt's" : "");
	}
	if (others)
		printf("(reals held as a double are printed with %%.17g and "
		    "that text parsed;\nlibjq 1.6, jansson and cJSON keep no "
		    "number text to recover)\n");
	for (i = 0; skipped[i]; i++)
		printf("%s %s", i ? "," : "\nnot built in:", skipped[i]);
	if (i)
		printf("\n");

	free(x.bids.lv);
	free(x.asks.lv);
	free(lines);
	free(data);
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("cannot write to standard output");
	return 0;
}
#endif
