/*
 * tbody: a body made an intent or cancel line (see tbody.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "event/event.h"
#include "event/tbody.h"

void
tbody_init(struct tbody *tb, size_t max)
{
	memset(tb, 0, sizeof *tb);
	buf_init(&tb->line, max);
}

void
tbody_free(struct tbody *tb)
{
	buf_free(&tb->line);
}

static int
refuse(struct tbody *tb, const char *field, const char *why)
{
	snprintf(tb->field, sizeof tb->field, "%s", field);
	snprintf(tb->why, sizeof tb->why, "%s", why);
	errno = EINVAL;
	return -1;
}

/* The field a reader's reason names ("field 'qty' must be above 0"),
 * else "body". */
static int
refuse_why(struct tbody *tb, const char *why)
{
	const char *a = strchr(why, '\''), *b = a ? strchr(a + 1, '\'') : NULL;

	refuse(tb, "body", why);
	if (a && b && b > a + 1 && (size_t)(b - a - 1) < sizeof tb->field) {
		memcpy(tb->field, a + 1, (size_t)(b - a - 1));
		tb->field[b - a - 1] = '\0';
	}
	return -1;
}

/* The line itself: what the body lacks, then its members. */
static void
build(struct tbody *tb, const struct json_obj *o, const char *body,
    size_t n, const char *type, const char *newid)
{
	const char *p = memchr(body, '{', n) + 1, *end = body + n;
	struct buf *l = &tb->line;
	int comma = 0;

	buf_addc(l, '{');
	if (!json_get(o, "type")) {
		buf_addf(l, "\"type\":\"%s\"", type);
		comma = 1;
	}
	if (!json_get(o, "id")) {
		buf_addf(l, "%s\"id\":", comma ? "," : "");
		buf_add_jstr(l, newid, strlen(newid));
		comma = 1;
	}
	while (p < end && strchr(" \t\r\n", *p))
		p++;
	if (p < end && *p != '}' && comma)
		buf_addc(l, ',');
	/* A valid object has its line breaks only between tokens. */
	for (; p < end; p++)
		buf_addc(l, *p == '\r' || *p == '\n' ? ' ' : *p);
	while (l->len && l->p[l->len - 1] != '}')
		l->len--;
	buf_addc(l, '\n');
}

int
tbody_line(struct tbody *tb, const char *body, size_t n, const char *type,
    const char *newid)
{
	struct json_obj o;
	const struct json_span *v;
	struct event ev;
	struct intent it;
	struct cancel c;
	const char *why = NULL;
	char msg[256];
	size_t where = 0;
	int r;

	buf_reset(&tb->line);
	tb->id[0] = tb->field[0] = tb->why[0] = '\0';
	if (json_parse_object(body, n, &o, &why, &where) < 0) {
		snprintf(msg, sizeof msg, "want one JSON object: %s at byte "
		    "%zu", why ? why : "invalid JSON", where);
		return refuse(tb, "body", msg);
	}
	v = json_get(&o, "type");
	if (v && !json_str_is(v, type)) {
		snprintf(msg, sizeof msg, "field 'type' must be '%s'", type);
		return refuse(tb, "type", msg);
	}
	build(tb, &o, body, n, type, newid);
	if (buf_failed(&tb->line)) {
		refuse(tb, "body", "too long");
		errno = ENOMEM;
		return -1;
	}
	if (event_parse(tb->line.p, tb->line.len - 1, &ev, msg,
	    sizeof msg) < 0)
		return refuse_why(tb, msg);
	/* What mkt-risk will take it for (a repeated "type" included). */
	if (!tevent_is(&ev, type)) {
		snprintf(msg, sizeof msg, "field 'type' must be '%s'", type);
		return refuse(tb, "type", msg);
	}
	if (strcmp(type, "intent") == 0)
		r = tevent_intent(&ev, &it, msg, sizeof msg);
	else
		r = tevent_cancel(&ev, &c, msg, sizeof msg);
	if (r < 0)
		return refuse_why(tb, msg);
	snprintf(tb->id, sizeof tb->id, "%s", strcmp(type, "intent") == 0 ?
	    it.id : c.id);
	return 0;
}
