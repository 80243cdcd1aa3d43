/* vinstr: the instrument list parsers' shared readers (vinstr.h). */
#include <stdio.h>
#include <string.h>

#include "vinstr.h"

int
vinstr_begin(struct instrument *in, const struct venue_market *m,
    const struct json_obj *item, const char *key, char *why, size_t whylen)
{
	const struct json_span *v = json_get(item, key);

	memset(in, 0, sizeof *in);
	if (!v || v->type != JSON_STRING) {
		snprintf(why, whylen, "an instrument without a '%s'", key);
		return -1;
	}
	if (json_str_copy(v, in->symbol, sizeof in->symbol) <= 0) {
		snprintf(why, whylen, "an instrument's '%s' is empty or "
		    "longer than %zu bytes", key, sizeof in->symbol - 1);
		return -1;
	}
	snprintf(in->venue, sizeof in->venue, "%s", venue_name(m));
	snprintf(in->market, sizeof in->market, "%s", venue_market(m));
	return 0;
}

int
vinstr_rule(struct instrument *in, struct fx *dst, unsigned bit,
    const struct json_obj *o, const char *key, char *why, size_t whylen)
{
	const struct json_span *v = json_get(o, key);
	struct fx x;

	if (!v || v->type == JSON_NULL ||
	    (v->type == JSON_STRING && v->n == 0))
		return 0;
	if ((v->type != JSON_STRING && v->type != JSON_NUMBER) ||
	    fx_parse(v->p, v->n, &x) != FX_OK || x.m < 0) {
		snprintf(why, whylen, "%s: '%s' is not a decimal of 0 or "
		    "more", in->symbol, key);
		return -1;
	}
	if (x.m == 0)
		return 0;
	*dst = x;
	in->has |= bit;
	return 0;
}

int
vinstr_object(const struct json_span *v, struct json_obj *o,
    const char *what, char *why, size_t whylen)
{
	const char *jwhy;
	size_t where;

	if (v->type != JSON_OBJECT ||
	    json_parse_object(v->p, v->n, o, &jwhy, &where) < 0) {
		snprintf(why, whylen, "an element of '%s' is not an object "
		    "of at most %d members", what, JSON_MAX_MEMBERS);
		return -1;
	}
	return 0;
}
