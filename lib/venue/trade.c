/* trade: the lists of updates, the lookup, the codecs' field readers
 * (see trade.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "venue/norm.h"
#include "venue/trade.h"
#include "venue/venue.h"

struct vt_update *
vt_updates_add(struct vt_updates *us, enum vt_upd_kind k)
{
	struct vt_update *u;

	if (us->n == us->cap) {
		size_t cap = us->cap ? us->cap * 2 : 8;
		struct vt_update *p;

		if (cap > SIZE_MAX / sizeof *p)
			return NULL;
		p = realloc(us->u, cap * sizeof *p);
		if (!p)
			return NULL;
		us->u = p;
		us->cap = cap;
	}
	u = &us->u[us->n++];
	memset(u, 0, sizeof *u);
	u->kind = k;
	return u;
}

void
vt_updates_reset(struct vt_updates *us)
{
	us->n = 0;
}

void
vt_updates_free(struct vt_updates *us)
{
	free(us->u);
	memset(us, 0, sizeof *us);
}

const struct venue_trade *
venue_trade_of(const struct venue_market *m)
{
	return m ? m->trade : NULL;
}

/* A string or number member as text into dst; absent or null: "". */
int
vt_text_of(const struct json_obj *o, const char *key, char *dst, size_t cap)
{
	const struct json_span *s = json_get(o, key);

	dst[0] = '\0';
	if (!s || s->type == JSON_NULL)
		return 0;
	if (s->type == JSON_STRING) {
		if (json_str_copy(s, dst, cap) >= 0)
			return 0;
		dst[0] = '\0';	/* the copy may have stopped half way */
		return -1;
	}
	if (s->type != JSON_NUMBER || s->n >= cap)
		return -1;
	memcpy(dst, s->p, s->n);
	dst[s->n] = '\0';
	return 0;
}

/* A decimal member; absent, null or "": zero. */
int
vt_dec_of(const struct json_obj *o, const char *key, struct fx *x)
{
	const struct json_span *s = json_get(o, key);

	x->m = 0;
	x->s = 0;
	if (!s || s->type == JSON_NULL || (s->type == JSON_STRING &&
	    s->n == 0))
		return 0;
	return norm_decimal(s, x) == FX_OK ? 0 : -1;
}

int
vt_object_of(const struct json_span *s, struct json_obj *o)
{
	const char *why;
	size_t where;

	if (!s || s->type != JSON_OBJECT)
		return -1;
	return json_parse_object(s->p, s->n, o, &why, &where);
}

void
vt_answer_clear(struct vt_answer *a)
{
	a->outcome = VT_UNKNOWN;
	a->code = 0;
	a->msg[0] = '\0';
	a->server_time = 0;
	a->listen_key[0] = '\0';
	a->retry_after_ms = 0;
	a->cursor[0] = '\0';
}
