/*
 * fuzz_nats: libFuzzer harness for what lib/io/nats*.c make of bytes
 * they are given: a nats:// spec (the bytes before the first NUL, after
 * "nats://") and the event lines routed under it (the rest).  A spec is
 * parsed or refused, never half-made; an accepted one has at least one
 * server, a subject and a stream name with no '.', '*', '>' or blank.
 * Every line gets a subject: the spec's subject, a dot, and tokens of
 * its own, none empty and none holding a blank, '*' or '>' (unless a
 * template wrote the subject), and an id
 * that is not empty, holds no control character, and is the same when
 * the same line is routed again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/nats.h"
#include "io/natsint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
check_subject(const char *s, int tmpl)
{
	size_t tok = 0;

	check(*s != 0);
	for (; *s; s++) {
		if (*s == '.') {
			if (!tmpl)
				check(tok > 0);
			tok = 0;
			continue;
		}
		if (!tmpl)
			check((unsigned char)*s > ' ' && *s != '*' &&
			    *s != '>' && *s != 0x7f);
		tok++;
	}
}

static void
check_id(const char *id)
{
	check(*id != 0);
	for (; *id; id++)
		check((unsigned char)*id >= ' ' && *id != 0x7f);
}

static void
route_lines(const struct nspec *ns, const char *p, size_t n)
{
	char subj[NATS_SUBJ_MAX], id[NATS_ID_MAX];
	char subj2[NATS_SUBJ_MAX], id2[NATS_ID_MAX];

	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;

		nats_route(ns, p, len, subj, sizeof subj, id, sizeof id);
		check(strlen(subj) < sizeof subj && strlen(id) < sizeof id);
		if (ns->tmpl) {
			check_subject(subj, 1);
		} else {
			size_t k = strlen(ns->subject);

			check(strncmp(subj, ns->subject, k) == 0 &&
			    subj[k] == '.');
			check_subject(subj + k + 1, 0);
		}
		check_id(id);
		nats_route(ns, p, len, subj2, sizeof subj2, id2, sizeof id2);
		check(strcmp(subj, subj2) == 0 && strcmp(id, id2) == 0);
		if (!nl)
			break;
		n -= len + 1;
		p = nl + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, 0, size);
	size_t sl = nul ? (size_t)(nul - (const char *)data) : size;
	char *spec = malloc(sl + 8), why[256];
	struct nspec ns;
	const char *s;

	if (!spec)
		return 0;
	memcpy(spec, "nats://", 7);
	memcpy(spec + 7, data, sl);
	spec[sl + 7] = 0;
	if (nspec_parse(&ns, spec, why, sizeof why) == 0) {
		check(ns.nservers >= 1 && ns.subject && *ns.subject);
		check(*ns.stream != 0);
		for (s = ns.stream; *s; s++)
			check(*s != '.' && *s != '*' && *s != '>' &&
			    (unsigned char)*s > ' ');
		if (nul)
			route_lines(&ns, nul + 1,
			    size - sl - 1);
	} else {
		check(why[0] != 0);
	}
	nspec_free(&ns);
	free(spec);
	return 0;
}
