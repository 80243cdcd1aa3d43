/*
 * limits: mkt-risk's limits file, read whole and checked before any of
 * it is used (see limits.h).  The objects are walked member by member
 * over the scanner's validated text, so a file may name any number of
 * symbols (the scanner's member table holds 128).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "trade/limits.h"

#define LIMITS_FILE_MAX (16u << 20)
/* Counts and rates above this are typing errors, not limits. */
#define LIMITS_INT_MAX 1000000000LL

enum lim_kind { LK_DECIMAL, LK_COUNT };

static const struct lim_def {
	const char *name;
	enum lim_kind kind;
	size_t off;
} lim_defs[LIM_COUNT] = {
	[LIM_MAX_QTY] = { "max_qty", LK_DECIMAL,
	    offsetof(struct limit_set, max_qty) },
	[LIM_MAX_NOTIONAL] = { "max_notional", LK_DECIMAL,
	    offsetof(struct limit_set, max_notional) },
	[LIM_PRICE_BAND_PCT] = { "price_band_pct", LK_DECIMAL,
	    offsetof(struct limit_set, price_band_pct) },
	[LIM_MAX_OPEN_ORDERS] = { "max_open_orders", LK_COUNT,
	    offsetof(struct limit_set, max_open_orders) },
	[LIM_MAX_POSITION] = { "max_position", LK_DECIMAL,
	    offsetof(struct limit_set, max_position) },
	[LIM_DAILY_LOSS] = { "daily_loss", LK_DECIMAL,
	    offsetof(struct limit_set, daily_loss) },
	[LIM_RATE_PER_S] = { "rate_per_s", LK_COUNT,
	    offsetof(struct limit_set, rate_per_s) },
	[LIM_RATE_PER_MIN] = { "rate_per_min", LK_COUNT,
	    offsetof(struct limit_set, rate_per_min) },
};

const char *
limits_name(enum limit_id id)
{
	return (unsigned)id < LIM_COUNT ? lim_defs[id].name : "?";
}

/* ---- walking an object's members ---- */

struct member_walk {
	const char *p, *end;	/* inside the braces */
};

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/* The span of the validated value at p..q. */
static void
span_of(const char *p, const char *q, struct json_span *s)
{
	memset(s, 0, sizeof *s);
	s->p = p;
	s->n = (uint32_t)(q - p);
	switch (*p) {
	case '"':
		s->p = p + 1;
		s->n = (uint32_t)(q - p - 2);
		s->type = JSON_STRING;
		s->escaped = memchr(s->p, '\\', s->n) != NULL;
		break;
	case '{':
		s->type = JSON_OBJECT;
		break;
	case '[':
		s->type = JSON_ARRAY;
		break;
	case 't':
		s->type = JSON_TRUE;
		break;
	case 'f':
		s->type = JSON_FALSE;
		break;
	case 'n':
		s->type = JSON_NULL;
		break;
	default:
		s->type = JSON_NUMBER;
	}
}

/* Start on a validated object span (its text, braces included). */
static void
walk_init(struct member_walk *w, const struct json_span *obj)
{
	w->p = obj->p + 1;
	w->end = obj->p + obj->n - 1;
}

/* The next member: 1 with key and val, 0 at the end. */
static int
walk_next(struct member_walk *w, struct json_span *key, struct json_span *val)
{
	const char *p = skip_blank(w->p, w->end), *q;

	if (p < w->end && *p == ',')
		p = skip_blank(p + 1, w->end);
	if (p >= w->end)
		return 0;
	q = json_skip(p, w->end);
	span_of(p, q, key);
	p = skip_blank(q, w->end);
	p = skip_blank(p + 1, w->end);	/* the ':' */
	q = json_skip(p, w->end);
	span_of(p, q, val);
	w->p = q;
	return 1;
}

/* ---- one set of limits ---- */

static int
read_decimal(const struct json_span *v, struct fx *out)
{
	if (v->type != JSON_NUMBER && (v->type != JSON_STRING || v->escaped))
		return -1;
	if (fx_parse(v->p, v->n, out) != FX_OK || out->m <= 0)
		return -1;
	*out = fx_trim(*out);
	return 0;
}

static int
read_count(const struct json_span *v, int64_t *out)
{
	if (json_int64(v, out) < 0 || *out < 0 || *out > LIMITS_INT_MAX)
		return -1;
	return 0;
}

static int
read_limit(const struct lim_def *d, const struct json_span *v,
    struct limit_set *set, const char *key, char *why, size_t whylen)
{
	char *slot = (char *)set + d->off;
	struct fx x;
	int64_t k;

	if (d->kind == LK_DECIMAL) {
		if (read_decimal(v, &x) < 0) {
			snprintf(why, whylen, "key '%s': limit '%s': not a "
			    "decimal above 0", key, d->name);
			return -1;
		}
		memcpy(slot, &x, sizeof x);
	} else {
		if (read_count(v, &k) < 0) {
			snprintf(why, whylen, "key '%s': limit '%s': not an "
			    "integer from 0 to %lld", key, d->name,
			    LIMITS_INT_MAX);
			return -1;
		}
		memcpy(slot, &k, sizeof k);
	}
	return 0;
}

static const struct lim_def *
lim_find(const struct json_span *name, enum limit_id *id)
{
	int i;

	for (i = 0; i < LIM_COUNT; i++)
		if (!name->escaped && json_str_is(name, lim_defs[i].name)) {
			*id = (enum limit_id)i;
			return &lim_defs[i];
		}
	return NULL;
}

static int
read_set(const struct json_span *obj, struct limit_set *set, const char *key,
    char *why, size_t whylen)
{
	struct member_walk w;
	struct json_span name, v;
	const struct lim_def *d;
	enum limit_id id;
	char nm[64];

	memset(set, 0, sizeof *set);
	if (obj->type != JSON_OBJECT) {
		snprintf(why, whylen, "key '%s': not an object of limits", key);
		return -1;
	}
	walk_init(&w, obj);
	while (walk_next(&w, &name, &v)) {
		d = lim_find(&name, &id);
		if (!d) {
			if (json_str_copy(&name, nm, sizeof nm) < 0)
				snprintf(nm, sizeof nm, "(too long)");
			snprintf(why, whylen, "key '%s': unknown limit '%s'",
			    key, nm);
			return -1;
		}
		if (set->has & LIM_BIT(id)) {
			snprintf(why, whylen, "key '%s': limit '%s' given "
			    "twice", key, d->name);
			return -1;
		}
		if (read_limit(d, &v, set, key, why, whylen) < 0)
			return -1;
		set->has |= LIM_BIT(id);
	}
	return 0;
}

/* ---- the file ---- */

/* VENUE:MARKET:SYMBOL: three non-empty parts of [A-Za-z0-9_-]. */
static int
key_ok(const char *k)
{
	int parts = 1, len = 0;

	for (; *k; k++) {
		if (*k == ':') {
			if (len == 0)
				return 0;
			parts++;
			len = 0;
		} else if ((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z')
		    || (*k >= '0' && *k <= '9') || *k == '_' || *k == '-') {
			len++;
		} else {
			return 0;
		}
	}
	return parts == 3 && len > 0;
}

static int
add_symbol(struct limits *l, const char *key, const struct limit_set *set,
    char *why, size_t whylen)
{
	struct limit_set *copy;

	if (keymap_get(&l->by_key, key, strlen(key))) {
		snprintf(why, whylen, "key '%s' given twice", key);
		return -1;
	}
	copy = malloc(sizeof *copy);
	if (!copy)
		goto nomem;
	*copy = *set;
	if (keymap_put(&l->by_key, key, strlen(key), copy) < 0) {
		free(copy);
		goto nomem;
	}
	return 0;
nomem:
	snprintf(why, whylen, "out of memory");
	errno = ENOMEM;
	return -1;
}

static int
read_member(struct limits *l, const struct json_span *k,
    const struct json_span *v, char *why, size_t whylen)
{
	struct limit_set set;
	char key[LIMITS_KEY_MAX];

	if (json_str_copy(k, key, sizeof key) < 0) {
		snprintf(why, whylen, "a key is longer than %d bytes",
		    LIMITS_KEY_MAX - 1);
		return -1;
	}
	if (strcmp(key, "default") != 0 && !key_ok(key)) {
		snprintf(why, whylen, "key '%s': want \"default\" or "
		    "VENUE:MARKET:SYMBOL", key);
		return -1;
	}
	if (read_set(v, &set, key, why, whylen) < 0)
		return -1;
	if (strcmp(key, "default") != 0)
		return add_symbol(l, key, &set, why, whylen);
	if (l->has_default) {
		snprintf(why, whylen, "key 'default' given twice");
		return -1;
	}
	l->has_default = 1;
	l->def = set;
	return 0;
}

int
limits_parse(const char *p, size_t n, struct limits *l, char *why,
    size_t whylen)
{
	const char *end = p + n, *start, *q, *msg;
	struct member_walk w;
	struct json_span top, k, v;
	size_t where;

	memset(l, 0, sizeof *l);
	keymap_init(&l->by_key);
	start = skip_blank(p, end);
	if (start == end || *start != '{') {
		snprintf(why, whylen, "not a JSON object");
		goto fail;
	}
	q = json_skip_checked(start, end, 1, &msg, &where);
	if (!q) {
		snprintf(why, whylen, "invalid JSON at byte %zu: %s",
		    (size_t)(start - p) + where, msg);
		goto fail;
	}
	if (skip_blank(q, end) != end) {
		snprintf(why, whylen, "text after the object at byte %zu",
		    (size_t)(q - p));
		goto fail;
	}
	span_of(start, q, &top);
	walk_init(&w, &top);
	while (walk_next(&w, &k, &v))
		if (read_member(l, &k, &v, why, whylen) < 0)
			goto fail;
	return 0;
fail:
	limits_free(l);
	return -1;
}

/* The file's bytes, malloc'd (the caller frees), NUL-terminated. */
static char *
slurp(const char *path, size_t *n, char *why, size_t whylen)
{
	struct stat st;
	char *b = NULL;
	size_t got = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (st.st_size > LIMITS_FILE_MAX) {
		errno = EFBIG;
		goto fail;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b)
		goto fail;
	while (got < (size_t)st.st_size) {
		r = read(fd, b + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	b[got] = '\0';
	*n = got;
	return b;
fail:
	snprintf(why, whylen, "cannot read: %s", strerror(errno));
	free(b);
	if (fd >= 0)
		close(fd);
	return NULL;
}

int
limits_load(const char *path, struct limits *l, char *why, size_t whylen)
{
	char *text;
	size_t n;
	int r;

	text = slurp(path, &n, why, whylen);
	if (!text)
		return -1;
	r = limits_parse(text, n, l, why, whylen);
	free(text);
	return r;
}

void
limits_free(struct limits *l)
{
	size_t i;

	for (i = 0; i < l->by_key.n; i++)
		free(l->by_key.e[i].val);
	keymap_free(&l->by_key);
	memset(l, 0, sizeof *l);
	keymap_init(&l->by_key);
}

int
limits_for(struct limits *l, const char *venue, const char *market,
    const char *symbol, struct limit_set *out)
{
	const struct limit_set *own;
	char key[LIMITS_KEY_MAX];
	int i, n;

	n = snprintf(key, sizeof key, "%s:%s:%s", venue, market, symbol);
	own = n > 0 && (size_t)n < sizeof key ?
	    keymap_get(&l->by_key, key, (size_t)n) : NULL;
	if (!own && !l->has_default)
		return 0;
	if (l->has_default)
		*out = l->def;
	else
		memset(out, 0, sizeof *out);
	if (!own)
		return 1;
	/* One by one: a symbol's limit replaces only that limit. */
	for (i = 0; i < LIM_COUNT; i++) {
		if (!(own->has & LIM_BIT(i)))
			continue;
		memcpy((char *)out + lim_defs[i].off,
		    (const char *)own + lim_defs[i].off,
		    lim_defs[i].kind == LK_DECIMAL ? sizeof(struct fx) :
		    sizeof(int64_t));
	}
	out->has |= own->has;
	return 1;
}

unsigned
limits_used(const struct limits *l)
{
	unsigned used = l->has_default ? l->def.has : 0;
	size_t i;

	for (i = 0; i < l->by_key.n; i++)
		used |= ((const struct limit_set *)l->by_key.e[i].val)->has;
	return used;
}
