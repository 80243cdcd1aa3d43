/*
 * jqfilter: --filter programs through libjq (see jqfilter.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jq.h>
#include <jv.h>

#include "jqfilter.h"

struct jqf {
	jq_state *jq;
	int identity;		/* the program is "." */
	char msg[512];		/* the first compile error */
	int nmsg;
};

/* libjq's messages: keep the first one (the callback owns msg). */
static void
error_cb(void *data, jv msg)
{
	struct jqf *f = data;

	if (f->nmsg++ == 0) {
		const char *s;
		size_t n;

		msg = jq_format_error(msg);
		s = jv_get_kind(msg) == JV_KIND_STRING ?
		    jv_string_value(msg) : "error";
		/* One line: "jq: error: " and the echoed source go. */
		if (strncmp(s, "jq: error: ", 11) == 0)
			s += 11;
		n = strcspn(s, "\n");
		if (n > 0 && s[n - 1] == ':')
			n--;
		snprintf(f->msg, sizeof f->msg, "%.*s", (int)n, s);
	}
	jv_free(msg);
}

int
jqf_compile(struct jqf **out, const char *program, char *why, size_t whylen)
{
	struct jqf *f;
	const char *p = program;

	*out = NULL;
	f = calloc(1, sizeof *f);
	if (!f || !(f->jq = jq_init())) {
		free(f);
		snprintf(why, whylen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	jq_set_error_cb(f->jq, error_cb, f);
	if (!jq_compile(f->jq, program)) {
		snprintf(why, whylen, "%s", f->nmsg ? f->msg :
		    "cannot compile");
		jqf_free(f);
		errno = EINVAL;
		return -1;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p == '.') {
		p++;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		f->identity = *p == '\0';
	}
	*out = f;
	return 0;
}

/* A message for an invalid jv (consumed). */
static void
invalid_msg(jv v, char *why, size_t whylen)
{
	jv m = jv_invalid_get_msg(v);

	if (jv_get_kind(m) == JV_KIND_STRING)
		snprintf(why, whylen, "%s", jv_string_value(m));
	else {
		m = jv_dump_string(m, 0);
		snprintf(why, whylen, "%s (not a string)",
		    jv_string_value(m));
	}
	jv_free(m);
}

int
jqf_run(struct jqf *f, const char *line, size_t n, struct buf *out,
    char *why, size_t whylen)
{
	size_t start = out->len;
	int count = 0;
	jv in, r;

	if (f->identity) {
		buf_add(out, line, n);
		buf_addc(out, '\n');
		return 1;
	}
	if (n > (size_t)1 << 30) {
		snprintf(why, whylen, "event too large");
		return -1;
	}
	in = jv_parse_sized(line, (int)n);
	if (!jv_is_valid(in)) {
		invalid_msg(in, why, whylen);
		return -1;
	}
	jq_start(f->jq, jv_copy(in), 0);
	for (;;) {
		r = jq_next(f->jq);
		if (!jv_is_valid(r)) {
			if (!jv_invalid_has_msg(jv_copy(r))) {
				jv_free(r);
				break;
			}
			invalid_msg(r, why, whylen);
			out->len = start;
			count = -1;
			break;
		}
		if (jv_equal(jv_copy(in), jv_copy(r))) {
			jv_free(r);
			buf_add(out, line, n);
		} else {
			jv s = jv_dump_string(r, 0);

			buf_add(out, jv_string_value(s),
			    jv_string_length_bytes(jv_copy(s)));
			jv_free(s);
		}
		buf_addc(out, '\n');
		count++;
		if (jq_halted(f->jq))
			break;
	}
	jv_free(in);
	return count;
}

void
jqf_free(struct jqf *f)
{
	if (!f)
		return;
	jq_teardown(&f->jq);
	free(f);
}
