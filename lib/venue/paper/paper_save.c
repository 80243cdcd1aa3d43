/*
 * paper_save: the resting orders as text and back (the format is in
 * paper.h), so that a restarted program continues where it stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper_int.h"

#define SAVE_VERSION 1
#define ORDER_FIELDS 15		/* "order" and its 14 fields */

static int
plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	    c == '/' || c == '-';
}

/* One field: a space, then its bytes, %XX for anything not plain. */
static void
add_field(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	buf_addc(out, ' ');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (plain(c)) {
			buf_addc(out, (char)c);
			continue;
		}
		buf_addc(out, '%');
		buf_addc(out, hex[c >> 4]);
		buf_addc(out, hex[c & 15]);
	}
}

static void
add_str(struct buf *out, const char *s)
{
	add_field(out, s, strlen(s));
}

static void
add_num(struct buf *out, struct fx v)
{
	char t[FX_BUFSZ];

	add_field(out, t, (size_t)(fx_format(v, t) - t));
}

static const char *const tif_words[] = { "gtc", "ioc", "fok", "post_only" };

static void
save_order(struct buf *out, const struct pbook *pb, const struct porder *o)
{
	const char *v = pb->key, *m = v + strlen(v) + 1;
	const char *s = m + strlen(m) + 1;

	buf_adds(out, "order");
	add_str(out, v);
	add_str(out, m);
	add_str(out, s);
	add_str(out, o->client_id);
	add_str(out, o->order_id);
	add_str(out, o->side == VT_BUY ? "buy" : "sell");
	add_str(out, "limit");
	add_str(out, tif_words[o->tif]);
	add_num(out, o->qty);
	add_num(out, o->price);
	add_num(out, o->filled);
	add_num(out, o->notional);
	add_num(out, o->ahead);
	add_num(out, o->used);
	buf_addc(out, '\n');
}

int
paper_save(const struct paper *p, struct buf *out)
{
	size_t i, k;

	buf_addf(out, "paper %d\ncounters %llu %llu %lld\n", SAVE_VERSION,
	    (unsigned long long)p->nplace, (unsigned long long)p->nfill,
	    (long long)p->last_time);
	for (i = 0; i < p->books.n; i++) {
		const struct pbook *pb = p->books.e[i].val;

		for (k = 0; k < pb->n; k++)
			if (pb->rest[k]->resting)
				save_order(out, pb, pb->rest[k]);
	}
	buf_adds(out, "end\n");
	return buf_failed(out) ? -1 : 0;
}

/* ---- loading ---- */

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode a field into dst (cap bytes with the NUL); -1 when bad. */
static int
field_str(const char *s, size_t n, char *dst, size_t cap)
{
	size_t i, k = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -1;
			h = unhex(s[i + 1]);
			l = unhex(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -1;
			c = h * 16 + l;
			i += 2;
		} else if (!plain((unsigned char)c))
			return -1;
		if (k + 1 >= cap)
			return -1;
		dst[k++] = (char)c;
	}
	dst[k] = '\0';
	return 0;
}

static int
field_num(const char *s, size_t n, struct fx *v)
{
	return fx_parse(s, n, v) == FX_OK && v->m >= 0 ? 0 : -1;
}

struct fields {
	const char *p[ORDER_FIELDS];
	size_t n[ORDER_FIELDS];
	int count;
};

/* Split a line on single spaces; -1 when more than ORDER_FIELDS. */
static int
split(const char *s, size_t n, struct fields *f)
{
	size_t i, start = 0;

	f->count = 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ' ')
			continue;
		if (f->count == ORDER_FIELDS)
			return -1;
		f->p[f->count] = s + start;
		f->n[f->count++] = i - start;
		start = i + 1;
	}
	return 0;
}

static int
is_word(const struct fields *f, int i, const char *w)
{
	return f->n[i] == strlen(w) && memcmp(f->p[i], w, f->n[i]) == 0;
}

static int
read_tif(const struct fields *f, int i, enum vt_tif *t)
{
	if (is_word(f, i, "gtc"))
		*t = VT_GTC;
	else if (is_word(f, i, "post_only"))
		*t = VT_POST_ONLY;
	else
		return -1;
	return 0;
}

/* One "order" line into a new porder (and its book's names). */
static struct porder *
read_saved_order(const struct fields *f, char *v, char *m, char *s)
{
	struct porder *o = calloc(1, sizeof *o);
	struct fx *num[6];
	int i;

	if (!o)
		return NULL;
	num[0] = &o->qty;
	num[1] = &o->price;
	num[2] = &o->filled;
	num[3] = &o->notional;
	num[4] = &o->ahead;
	num[5] = &o->used;
	if (f->count != ORDER_FIELDS ||
	    field_str(f->p[1], f->n[1], v, VT_ID_LEN) < 0 ||
	    field_str(f->p[2], f->n[2], m, VT_ID_LEN) < 0 ||
	    field_str(f->p[3], f->n[3], s, VT_SYMBOL_LEN) < 0 ||
	    field_str(f->p[4], f->n[4], o->client_id, VT_ID_LEN) < 0 ||
	    field_str(f->p[5], f->n[5], o->order_id, VT_ID_LEN) < 0 ||
	    !(is_word(f, 6, "buy") || is_word(f, 6, "sell")) ||
	    !is_word(f, 7, "limit") || read_tif(f, 8, &o->tif) < 0)
		goto bad;
	for (i = 0; i < 6; i++)
		if (field_num(f->p[9 + i], f->n[9 + i], num[i]) < 0)
			goto bad;
	if (o->qty.m <= 0 || o->price.m <= 0 || fx_cmp(o->filled, o->qty) >= 0)
		goto bad;
	memcpy(o->symbol, s, strlen(s) + 1);
	o->side = is_word(f, 6, "buy") ? VT_BUY : VT_SELL;
	o->kind = VT_LIMIT;
	o->status = o->filled.m > 0 ? "partially_filled" : "new";
	errno = 0;
	return o;
bad:
	free(o);
	errno = EINVAL;
	return NULL;
}

/* The loaded orders before they are committed to the paper. */
struct loaded {
	struct porder **o;
	char (*names)[3][VT_ID_LEN];
	size_t n, cap;
};

static int
loaded_add(struct loaded *l, struct porder *o, const char *v, const char *m,
    const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct porder **po = realloc(l->o, cap * sizeof *po);
		char (*nm)[3][VT_ID_LEN];

		if (!po)
			return -1;
		l->o = po;
		nm = realloc(l->names, cap * sizeof *nm);
		if (!nm)
			return -1;
		l->names = nm;
		l->cap = cap;
	}
	l->o[l->n] = o;
	snprintf(l->names[l->n][0], VT_ID_LEN, "%s", v);
	snprintf(l->names[l->n][1], VT_ID_LEN, "%s", m);
	snprintf(l->names[l->n][2], VT_ID_LEN, "%s", s);
	l->n++;
	return 0;
}

static void
loaded_free(struct loaded *l, int with_orders)
{
	size_t i;

	if (with_orders)
		for (i = 0; i < l->n; i++)
			free(l->o[i]);
	free(l->o);
	free(l->names);
}

/* Digits only (a '-' first when neg is allowed), whole, in range. */
static int
field_int(const char *s, size_t n, int neg, long long *v)
{
	unsigned long long u = 0;
	size_t i = 0;
	int minus = 0;

	if (neg && n > 1 && s[0] == '-') {
		minus = 1;
		i = 1;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || u > (unsigned long long)
		    INT64_MAX / 10)
			return -1;
		u = u * 10 + (unsigned)(s[i] - '0');
	}
	if (u > (unsigned long long)INT64_MAX)
		return -1;
	*v = minus ? -(long long)u : (long long)u;
	return 0;
}

static int
read_counters(const char *line, size_t len, unsigned long long *np,
    unsigned long long *nf, long long *lt)
{
	struct fields f;
	long long a, b;

	if (split(line, len, &f) < 0 || f.count != 4 ||
	    !is_word(&f, 0, "counters") ||
	    field_int(f.p[1], f.n[1], 0, &a) < 0 ||
	    field_int(f.p[2], f.n[2], 0, &b) < 0 ||
	    field_int(f.p[3], f.n[3], 1, lt) < 0)
		return -1;
	*np = (unsigned long long)a;
	*nf = (unsigned long long)b;
	return 0;
}

/* Parse every line; nothing is committed here. */
static int
parse_saved(struct paper *p, const char *s, size_t n, struct loaded *l,
    char *why, size_t whylen)
{
	unsigned long long np = 0, nf = 0;
	long long lt = 0;
	size_t at = 0, lineno = 0;
	int ended = 0;

	while (at < n && !ended) {
		const char *e = memchr(s + at, '\n', n - at);
		size_t len = e ? (size_t)(e - (s + at)) : n - at;
		char line[1024], v[VT_ID_LEN], m[VT_ID_LEN], sym[VT_ID_LEN];
		struct fields f;
		struct porder *o;

		lineno++;
		if (len >= sizeof line)
			goto bad;
		memcpy(line, s + at, len);
		line[len] = '\0';
		at += len + 1;
		if (lineno == 1) {
			if (strcmp(line, "paper 1") != 0)
				goto bad;
		} else if (lineno == 2) {
			if (read_counters(line, len, &np, &nf, &lt) < 0)
				goto bad;
		} else if (strcmp(line, "end") == 0) {
			ended = 1;
		} else {
			if (split(line, len, &f) < 0 ||
			    !is_word(&f, 0, "order"))
				goto bad;
			o = read_saved_order(&f, v, m, sym);
			if (!o && errno == ENOMEM)
				goto nomem;
			if (!o)
				goto bad;
			if (loaded_add(l, o, v, m, sym) < 0) {
				free(o);
				goto nomem;
			}
		}
	}
	if (!ended)
		goto bad;
	p->nplace = np;
	p->nfill = nf;
	p->last_time = lt;
	return 0;
bad:
	snprintf(why, whylen, "saved paper state: line %zu: not what "
	    "paper_save() writes (version %d)", lineno, SAVE_VERSION);
	errno = EINVAL;
	return -1;
nomem:
	snprintf(why, whylen, "out of memory");
	errno = ENOMEM;
	return -1;
}

/* Is a client id saved twice?  0 no, 1 yes, -1 out of memory. */
static int
saved_twice(const struct loaded *l)
{
	struct keymap seen;
	size_t i;
	int r = 0;

	keymap_init(&seen);
	for (i = 0; i < l->n && !r; i++) {
		const char *c = l->o[i]->client_id;

		if (keymap_get(&seen, c, strlen(c)))
			r = 1;
		else if (keymap_put(&seen, c, strlen(c), l->o[i]) < 0)
			r = -1;
	}
	keymap_free(&seen);
	return r;
}

int
paper_load(struct paper *p, const char *s, size_t n, char *why,
    size_t whylen)
{
	struct loaded l = { 0 };
	size_t i;
	int twice;

	if (p->orders.n || p->nplace) {
		snprintf(why, whylen, "orders were placed already");
		errno = EBUSY;
		return -1;
	}
	if (parse_saved(p, s, n, &l, why, whylen) < 0)
		goto fail;
	twice = saved_twice(&l);
	if (twice) {
		snprintf(why, whylen, twice < 0 ? "out of memory" :
		    "saved paper state: a client id twice");
		errno = twice < 0 ? ENOMEM : EINVAL;
		goto fail;
	}
	/* Only memory can fail from here on. */
	for (i = 0; i < l.n; i++) {
		struct porder *o = l.o[i];
		struct pbook *pb = paper_pbook(p, l.names[i][0],
		    l.names[i][1], l.names[i][2], 1);

		if (!pb || keymap_put(&p->orders, o->client_id,
		    strlen(o->client_id), o) < 0)
			goto nomem;
		l.o[i] = NULL;	/* the paper's now */
		if (paper_rest(pb, o) < 0)
			goto nomem;
	}
	loaded_free(&l, 0);
	return 0;
nomem:
	snprintf(why, whylen, "out of memory");
	errno = ENOMEM;
fail:
	loaded_free(&l, 1);
	p->nplace = 0;
	p->nfill = 0;
	return -1;
}
