/*
 * vlist: target lists, one a line (see vlist.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vlist.h"

#define LINE_MAX_LEN 256	/* a longer line is no target */

void
vlist_init(struct vlist *l)
{
	memset(l, 0, sizeof *l);
}

void
vlist_free(struct vlist *l)
{
	free(l->v);
	vlist_init(l);
}

static int
is_glob(int ch)
{
	return ch == '*' || ch == '?' || ch == '[' || ch == ']' ||
	    ch == '!' || ch == '-';
}

/* A pattern "VENUE:MARKET:GLOB" into it; 0, or -1 with why. */
static int
parse_pattern(const char *spec, struct vlist_item *it, char *why,
    size_t whylen)
{
	const char *c1 = strchr(spec, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *g;
	size_t gn;

	if (!c2) {
		snprintf(why, whylen, "'%s': want VENUE:MARKET:SYMBOL", spec);
		return -1;
	}
	it->t.m = venue_find(spec, (size_t)(c1 - spec), c1 + 1,
	    (size_t)(c2 - c1 - 1));
	if (!it->t.m) {
		snprintf(why, whylen, "'%s': unknown venue and market", spec);
		return -1;
	}
	g = c2 + 1;
	gn = strlen(g);
	if (gn == 0 || gn >= sizeof it->t.symbol) {
		snprintf(why, whylen, "'%s': bad pattern", spec);
		return -1;
	}
	for (; *g; g++) {
		unsigned char ch = (unsigned char)*g;

		if (!isupper(ch) && !isdigit(ch) && !is_glob(ch)) {
			snprintf(why, whylen, "'%s': a pattern is upper-case "
			    "letters, digits and * ? [ ]", spec);
			return -1;
		}
	}
	memcpy(it->t.symbol, c2 + 1, gn + 1);
	it->pattern = 1;
	return 0;
}

int
vlist_add(struct vlist *l, const char *spec, int line, char *why,
    size_t whylen)
{
	struct vlist_item it;
	const char *c = strrchr(spec, ':');

	memset(&it, 0, sizeof it);
	it.line = line;
	if (c && strpbrk(c, "*?[")) {
		if (parse_pattern(spec, &it, why, whylen) < 0)
			return -1;
	} else if (venue_parse_target(spec, &it.t, why, whylen) < 0) {
		return -1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct vlist_item *p = realloc(l->v, cap * sizeof *p);

		if (!p) {
			snprintf(why, whylen, "out of memory");
			errno = ENOMEM;
			return -1;
		}
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = it;
	l->patterns += (size_t)it.pattern;
	return 0;
}

/* One line p[0..n) (its comment and blanks cut) into l. */
static int
parse_line(struct vlist *l, const char *p, size_t n, int line, char *why,
    size_t whylen)
{
	const char *hash = memchr(p, '#', n);
	char spec[LINE_MAX_LEN], err[200];
	size_t i;

	if (hash)
		n = (size_t)(hash - p);
	while (n && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (isspace((unsigned char)p[i]) || p[i] == '\0') {
			snprintf(why, whylen, "line %d: want one target a "
			    "line", line);
			return -1;
		}
	if (n >= sizeof spec) {
		snprintf(why, whylen, "line %d: too long", line);
		return -1;
	}
	memcpy(spec, p, n);
	spec[n] = '\0';
	if (vlist_add(l, spec, line, err, sizeof err) < 0) {
		snprintf(why, whylen, "line %d: %s", line, err);
		return -1;
	}
	return 0;
}

int
vlist_parse(struct vlist *l, const char *text, size_t n, char *why,
    size_t whylen)
{
	size_t start = 0, i, n0 = l->n, p0 = l->patterns;
	int line = 1;

	for (i = 0; i <= n; i++) {
		if (i < n && text[i] != '\n')
			continue;
		if (parse_line(l, text + start, i - start, line, why,
		    whylen) < 0) {
			l->n = n0;
			l->patterns = p0;
			return -1;
		}
		start = i + 1;
		line++;
	}
	return 0;
}

int
vlist_match(const struct vlist_item *it, const char *symbol)
{
	if (!it->pattern)
		return strcmp(it->t.symbol, symbol) == 0;
	return fnmatch(it->t.symbol, symbol, 0) == 0;
}
