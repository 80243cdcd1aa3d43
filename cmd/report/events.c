/*
 * mkt-report's event input: fill events (mkt-events(5)) and the reasons
 * of the intents before them, from a journal's replay or any NDJSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "event/event.h"
#include "io/in.h"
#include "prog/err.h"
#include "report.h"

/* A string member into dst; 0 when absent (dst ""), -1 when not a
 * string or too long. */
static int
get_str(const struct json_obj *o, const char *name, char *dst, size_t cap)
{
	const struct json_span *s = json_get(o, name);

	dst[0] = '\0';
	if (s == NULL)
		return 0;
	if (s->type != JSON_STRING || json_str_copy(s, dst, cap) < 0)
		return -1;
	return 0;
}

static int
get_dec(const struct json_obj *o, const char *name, struct fx *v,
    int required)
{
	const struct json_span *s = json_get(o, name);

	if (s == NULL || s->type == JSON_NULL)
		return required ? -1 : 0;
	return event_decimal(s, v) == FX_OK ? 0 : -1;
}

/* An intent's reason (or tag), kept by its id. */
static void
keep_reason(struct keymap *reasons, const struct json_obj *o)
{
	char id[129], reason[RT_REASON_SZ], *copy;

	if (get_str(o, "id", id, sizeof id) < 0 || id[0] == '\0' ||
	    get_str(o, "reason", reason, sizeof reason) < 0)
		return;
	if (reason[0] == '\0' && get_str(o, "tag", reason, sizeof reason) < 0)
		return;
	/* An intent id is used once: mkt-exec refuses it again. */
	if (reason[0] == '\0' || keymap_get(reasons, id, strlen(id)) != NULL)
		return;
	copy = strdup(reason);
	if (copy == NULL)
		die_nomem();
	if (keymap_put(reasons, id, strlen(id), copy) < 0)
		die_nomem();
}

struct names {
	char venue[RT_NAME_SZ], market[RT_NAME_SZ], symbol[RT_SYMBOL_SZ];
	char side[8], id[129];
};

/* A fill event into rt_fill; -1 with why. */
static int
read_fill(const struct json_obj *o, struct names *n, struct rt_fill *f,
    const char **why)
{
	const struct json_span *t = json_get(o, "time");

	memset(f, 0, sizeof *f);
	if (get_str(o, "venue", n->venue, sizeof n->venue) < 0 ||
	    get_str(o, "market", n->market, sizeof n->market) < 0 ||
	    get_str(o, "symbol", n->symbol, sizeof n->symbol) < 0 ||
	    get_str(o, "id", n->id, sizeof n->id) < 0 ||
	    n->venue[0] == '\0' || n->market[0] == '\0' ||
	    n->symbol[0] == '\0')
		return *why = "fill: venue, market and symbol are required", -1;
	if (get_str(o, "side", n->side, sizeof n->side) < 0 ||
	    (strcmp(n->side, "buy") != 0 && strcmp(n->side, "sell") != 0))
		return *why = "fill: side must be buy or sell", -1;
	if (t == NULL || json_int64(t, &f->time_ms) < 0)
		return *why = "fill: time must be an integer", -1;
	if (get_dec(o, "price", &f->price, 1) < 0 ||
	    get_dec(o, "qty", &f->qty, 1) < 0 ||
	    get_dec(o, "fee", &f->fee, 0) < 0)
		return *why = "fill: price, qty and fee must be decimals", -1;
	f->venue = n->venue;
	f->market = n->market;
	f->symbol = n->symbol;
	f->buy = n->side[0] == 'b';
	return 0;
}

static void
one_line(struct report *r, struct keymap *reasons, const char *line,
    size_t len, long lineno, const char *venue, const char *market)
{
	struct json_obj o;
	struct names n;
	struct rt_fill f;
	const struct json_span *type;
	const char *why;
	size_t where;
	char what[160];

	if (json_parse_object(line, len, &o, &why, &where) < 0) {
		err_line(lineno, "invalid JSON at byte %zu: %s", where, why);
		return;
	}
	type = json_get(&o, "type");
	if (type == NULL)
		return;
	if (json_str_is(type, "intent")) {
		keep_reason(reasons, &o);
		return;
	}
	if (!json_str_is(type, "fill"))
		return;
	if (read_fill(&o, &n, &f, &why) < 0) {
		err_line(lineno, "%s", why);
		return;
	}
	if (f.time_ms >= r->to || (venue != NULL && (strcmp(venue, n.venue)
	    != 0 || strcmp(market, n.market) != 0)))
		return;
	f.reason = keymap_get(reasons, n.id, strlen(n.id));
	snprintf(what, sizeof what, "line %ld", lineno);
	(void)rep_add_fill(r, &f, what);
}

int
rep_read_events(struct report *r, const char *spec, const char *venue,
    const char *market)
{
	struct keymap reasons;
	struct in in;
	const char *line;
	size_t len, i;
	int rc, ret = 0;

	if (in_open(&in, spec, IN_MAX_LINE) < 0) {
		warn_errno("cannot open '%s'", spec);
		return -1;
	}
	keymap_init(&reasons);
	while ((rc = in_next(&in, &line, &len)) != IN_EOF) {
		if (rc == IN_LINE)
			one_line(r, &reasons, line, len, in.lineno, venue,
			    market);
		else if (rc == IN_TOOLONG)
			err_line(in.lineno, "line too long");
		else if (rc == IN_ERROR && errno != EINTR) {
			warn_errno("cannot read '%s'", spec);
			ret = -1;
			break;
		}
	}
	for (i = 0; i < reasons.n; i++)
		free(reasons.e[i].val);
	keymap_free(&reasons);
	in_close(&in);
	err_line_summary();
	return ret;
}
