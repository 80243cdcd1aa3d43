/*
 * event: decode mkt events (see event.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

static const struct {
	const char *name;
	enum ev_type type;
} types[] = {
	{ "depth", EV_DEPTH },
	{ "snapshot", EV_SNAPSHOT },
	{ "ticker", EV_TICKER },
	{ "book", EV_BOOK },
	{ "bands", EV_BANDS },
	{ "trade", EV_TRADE },
	{ "status", EV_STATUS },
	{ "imbalance", EV_IMBALANCE },
};

static const struct {
	const char *name;
	size_t len;
} field_names[EVF_COUNT] = {
	[EVF_TYPE] = { "type", 4 }, [EVF_VENUE] = { "venue", 5 },
	[EVF_MARKET] = { "market", 6 }, [EVF_SYMBOL] = { "symbol", 6 },
	[EVF_TIME] = { "time", 4 }, [EVF_RECV] = { "recv", 4 },
	[EVF_FIRST_ID] = { "first_id", 8 }, [EVF_LAST_ID] = { "last_id", 7 },
	[EVF_PREV_ID] = { "prev_id", 7 }, [EVF_BIDS] = { "bids", 4 },
	[EVF_ASKS] = { "asks", 4 }, [EVF_BID] = { "bid", 3 },
	[EVF_BID_QTY] = { "bid_qty", 7 }, [EVF_ASK] = { "ask", 3 },
	[EVF_ASK_QTY] = { "ask_qty", 7 },
};

/* Point ev->field[] at the members the programs read; a repeated key:
 * the last one, as json_get() would. */
static void
index_fields(struct event *ev)
{
	int i, f;

	for (f = 0; f < EVF_COUNT; f++)
		ev->field[f] = NULL;
	for (i = 0; i < ev->obj.n; i++) {
		const struct json_span *k = &ev->obj.m[i].key;

		if (k->escaped)
			continue;
		for (f = 0; f < EVF_COUNT; f++)
			if (k->n == field_names[f].len &&
			    k->p[0] == field_names[f].name[0] &&
			    memcmp(k->p, field_names[f].name, k->n) == 0) {
				ev->field[f] = &ev->obj.m[i].val;
				break;
			}
	}
}

static enum ev_type
classify(const struct json_span *t)
{
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (json_str_is(t, types[i].name))
			return types[i].type;
	return EV_OTHER;
}

int
event_decimal(const struct json_span *v, struct fx *out)
{
	if (v->type != JSON_NUMBER && (v->type != JSON_STRING || v->escaped))
		return FX_SYNTAX;
	return fx_parse(v->p, v->n, out);
}

/* A required string field; -1 with why set when absent or wrong. */
static int
need_string(struct event *ev, enum ev_field f,
    const struct json_span **out, char *why, size_t whylen)
{
	const struct json_span *v = ev->field[f];
	const char *name = field_names[f].name;

	if (!v) {
		snprintf(why, whylen, "missing field '%s'", name);
		return -1;
	}
	if (v->type != JSON_STRING || v->escaped || v->n == 0) {
		snprintf(why, whylen, "field '%s' is not a plain string", name);
		return -1;
	}
	*out = v;
	return 0;
}

/* An optional integer field: flag set in ev->has when present. */
static int
opt_int(struct event *ev, enum ev_field f, int64_t *out, unsigned flag,
    char *why, size_t whylen)
{
	const struct json_span *v = ev->field[f];
	const char *name = field_names[f].name;

	if (!v || v->type == JSON_NULL)
		return 0;
	if (json_int64(v, out) < 0) {
		snprintf(why, whylen, "field '%s' is not an integer", name);
		return -1;
	}
	ev->has |= flag;
	return 0;
}

static int
need_array(struct event *ev, enum ev_field f,
    const struct json_span **out, char *why, size_t whylen)
{
	const struct json_span *v = ev->field[f];
	const char *name = field_names[f].name;

	if (!v) {
		snprintf(why, whylen, "missing field '%s'", name);
		return -1;
	}
	if (v->type != JSON_ARRAY) {
		snprintf(why, whylen, "field '%s' is not an array", name);
		return -1;
	}
	*out = v;
	return 0;
}

static int
need_decimal(struct event *ev, enum ev_field f, struct fx *out, char *why,
    size_t whylen)
{
	const struct json_span *v = ev->field[f];
	const char *name = field_names[f].name;
	int r;

	if (!v) {
		snprintf(why, whylen, "missing field '%s'", name);
		return -1;
	}
	if (v->type != JSON_NUMBER && (v->type != JSON_STRING || v->escaped)) {
		snprintf(why, whylen, "field '%s' is not a number", name);
		return -1;
	}
	r = fx_parse(v->p, v->n, out);
	if (r != FX_OK) {
		snprintf(why, whylen, "field '%s': %s", name, r == FX_RANGE ?
		    "number out of range" : "not a number");
		return -1;
	}
	return 0;
}

static int
parse_market_fields(struct event *ev, char *why, size_t whylen)
{
	if (need_string(ev, EVF_VENUE, &ev->venue, why, whylen) < 0 ||
	    need_string(ev, EVF_MARKET, &ev->market, why, whylen) < 0 ||
	    need_string(ev, EVF_SYMBOL, &ev->symbol, why, whylen) < 0 ||
	    opt_int(ev, EVF_TIME, &ev->time, EV_HAS_TIME, why, whylen) < 0 ||
	    opt_int(ev, EVF_RECV, &ev->recv, EV_HAS_RECV, why, whylen) < 0 ||
	    opt_int(ev, EVF_LAST_ID, &ev->last_id, EV_HAS_LAST_ID, why,
	    whylen) < 0)
		return -1;
	return 0;
}

static int
parse_book_fields(struct event *ev, char *why, size_t whylen)
{
	if (need_array(ev, EVF_BIDS, &ev->bids, why, whylen) < 0 ||
	    need_array(ev, EVF_ASKS, &ev->asks, why, whylen) < 0)
		return -1;
	if (ev->type != EV_BOOK && !(ev->has & EV_HAS_LAST_ID)) {
		snprintf(why, whylen, "missing field 'last_id'");
		return -1;
	}
	if (ev->type != EV_DEPTH)
		return 0;
	if (opt_int(ev, EVF_FIRST_ID, &ev->first_id, EV_HAS_FIRST_ID, why,
	    whylen) < 0 ||
	    opt_int(ev, EVF_PREV_ID, &ev->prev_id, EV_HAS_PREV_ID, why,
	    whylen) < 0)
		return -1;
	/* Venues that give one id per update (Bybit) need no first_id. */
	if (!(ev->has & EV_HAS_FIRST_ID)) {
		ev->first_id = ev->last_id;
		ev->has |= EV_HAS_FIRST_ID;
	}
	if (ev->first_id > ev->last_id) {
		snprintf(why, whylen, "first_id %lld after last_id %lld",
		    (long long)ev->first_id, (long long)ev->last_id);
		return -1;
	}
	return 0;
}

/* The sizes are optional (a venue may give prices only), but come as a
 * pair. */
static int
parse_ticker_fields(struct event *ev, char *why, size_t whylen)
{
	int qb = ev->field[EVF_BID_QTY] != NULL;
	int qa = ev->field[EVF_ASK_QTY] != NULL;

	if (need_decimal(ev, EVF_BID, &ev->bid, why, whylen) < 0 ||
	    need_decimal(ev, EVF_ASK, &ev->ask, why, whylen) < 0)
		return -1;
	if (qb != qa) {
		snprintf(why, whylen, "missing field '%s'", qb ? "ask_qty" :
		    "bid_qty");
		return -1;
	}
	if (!qb) {
		memset(&ev->bid_qty, 0, sizeof ev->bid_qty);
		memset(&ev->ask_qty, 0, sizeof ev->ask_qty);
		return 0;
	}
	if (need_decimal(ev, EVF_BID_QTY, &ev->bid_qty, why, whylen) < 0 ||
	    need_decimal(ev, EVF_ASK_QTY, &ev->ask_qty, why, whylen) < 0)
		return -1;
	ev->has |= EV_HAS_TOP_QTY;
	return 0;
}

/* Validate the arrays the lazy scan left unchecked, but for levels the
 * caller will decode. */
static int
check_arrays(struct event *ev, unsigned consume, const char *line, char *why,
    size_t whylen)
{
	int keep = (consume & EV_BIT(ev->type)) &&
	    (ev->type == EV_SNAPSHOT || ev->type == EV_DEPTH ||
	    ev->type == EV_BOOK);
	const char *reason;
	size_t at;
	int i;

	for (i = 0; i < ev->obj.n; i++) {
		struct json_member *m = &ev->obj.m[i];

		/* Only the members event_levels() will read are left to it;
		 * a repeated key's earlier value is checked here. */
		if (!m->val.unchecked || (keep &&
		    (&m->val == ev->field[EVF_BIDS] ||
		    &m->val == ev->field[EVF_ASKS])))
			continue;
		if (json_check(&m->val, &reason, &at) < 0) {
			snprintf(why, whylen, "invalid JSON at byte %zu: %s",
			    (size_t)(m->val.p - line) + at + 1, reason);
			return -1;
		}
	}
	return 0;
}

int
event_parse(const char *line, size_t n, struct event *ev, char *why,
    size_t whylen)
{
	return event_parse_for(line, n, ev, 0, why, whylen);
}

int
event_parse_for(const char *line, size_t n, struct event *ev,
    unsigned consume, char *why, size_t whylen)
{
	const struct json_span *t;
	const char *reason;
	size_t at;

	ev->has = 0;
	ev->venue = ev->market = ev->symbol = NULL;
	ev->bids = ev->asks = NULL;
	if (json_parse_object_lazy(line, n, &ev->obj, &reason, &at) < 0) {
		if (n == 0)
			snprintf(why, whylen, "empty line");
		else
			snprintf(why, whylen, "invalid JSON at byte %zu: %s",
			    at + 1, reason);
		return -1;
	}
	index_fields(ev);
	t = ev->field[EVF_TYPE];
	if (!t) {
		snprintf(why, whylen, "missing field 'type'");
		return -1;
	}
	if (t->type != JSON_STRING) {
		snprintf(why, whylen, "field 'type' is not a string");
		return -1;
	}
	ev->type = classify(t);
	return check_arrays(ev, consume, line, why, whylen);
}

int
event_fields(struct event *ev, char *why, size_t whylen)
{
	switch (ev->type) {
	case EV_SNAPSHOT:
	case EV_DEPTH:
	case EV_BOOK:
		if (parse_market_fields(ev, why, whylen) < 0)
			return -1;
		return parse_book_fields(ev, why, whylen);
	case EV_TICKER:
		if (parse_market_fields(ev, why, whylen) < 0)
			return -1;
		return parse_ticker_fields(ev, why, whylen);
	case EV_BANDS:
		return parse_market_fields(ev, why, whylen);
	default:
		return 0;
	}
}

void
event_render_head(struct buf *out, const char *type, const char *venue,
    const char *market, const char *symbol, unsigned has, int64_t time,
    int64_t recv)
{
	buf_adds(out, "{\"type\":\"");
	buf_adds(out, type);
	buf_adds(out, "\",\"venue\":");
	buf_add_jstr(out, venue, strlen(venue));
	buf_adds(out, ",\"market\":");
	buf_add_jstr(out, market, strlen(market));
	buf_adds(out, ",\"symbol\":");
	buf_add_jstr(out, symbol, strlen(symbol));
	if (has & EV_HAS_TIME) {
		buf_adds(out, ",\"time\":");
		buf_addi(out, time);
	}
	if (has & EV_HAS_RECV) {
		buf_adds(out, ",\"recv\":");
		buf_addi(out, recv);
	}
}

void
event_render_int(struct buf *out, const char *name, int64_t v)
{
	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_addi(out, v);
}

void
levels_free(struct levels *l)
{
	free(l->lv);
	l->lv = NULL;
	l->n = l->cap = 0;
}

static int
levels_push(struct levels *l)
{
	struct level_fx *p;
	size_t cap;

	if (l->n < l->cap)
		return 0;
	cap = l->cap ? l->cap * 2 : 64;
	p = realloc(l->lv, cap * sizeof *p);
	if (!p)
		return -1;
	l->lv = p;
	l->cap = cap;
	return 0;
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/*
 * Decode one decimal in a validated array: a JSON number, or a plain
 * string holding one.  Returns the byte past it, or NULL with *r set to
 * FX_SYNTAX (not a number) or FX_RANGE.
 */
static const char *
scan_decimal(const char *p, const char *end, struct fx *v, int *r)
{
	const char *q;

	if (*p == '"') {
		for (q = p + 1; q < end && *q != '"' && *q != '\\'; q++)
			;
		if (q >= end || *q != '"') {
			*r = FX_SYNTAX;
			return NULL;
		}
		*r = fx_parse(p + 1, (size_t)(q - p - 1), v);
		return *r == FX_OK ? q + 1 : NULL;
	}
	if (*p != '-' && (*p < '0' || *p > '9')) {
		*r = FX_SYNTAX;
		return NULL;
	}
	*r = fx_scan(p, end, v, &q);
	return *r == FX_OK ? q : NULL;
}

/*
 * Decode one "[price, qty]" starting at p (a validated array element),
 * the hot loop of every book program, without going through the
 * general iterator.  Returns the byte past the pair, or NULL with why.
 */
static const char *
decode_pair_at(const char *p, const char *end, struct level_fx *out,
    const char *field, size_t idx, char *why, size_t whylen)
{
	const char *q;
	int r;

	if (*p != '[')
		goto shape;
	q = skip_ws(p + 1, end);
	if (q >= end || *q == ']')
		goto shape;
	if (!(q = scan_decimal(q, end, &out->px, &r)))
		goto number;
	q = skip_ws(q, end);
	if (q >= end || *q != ',')
		goto shape;
	q = skip_ws(q + 1, end);
	if (!(q = scan_decimal(q, end, &out->qty, &r)))
		goto number;
	/* Some venues append fields to a level; only two are ours, the
	 * others are validated and skipped. */
	for (q = skip_ws(q, end); q < end && *q == ','; q = skip_ws(q, end)) {
		struct json_span extra;
		const char *reason;
		size_t at;

		extra.p = skip_ws(q + 1, end);
		if (extra.p >= end)
			goto shape;
		/* An extra value sits inside the object, the array and the
		 * pair: depth 4. */
		q = json_skip_checked(extra.p, end, 4, &reason, &at);
		if (!q)
			goto shape;
	}
	if (q >= end || *q != ']')
		goto shape;
	if (out->qty.m < 0 || out->px.m <= 0) {
		snprintf(why, whylen, "%s[%zu]: %s", field, idx,
		    out->qty.m < 0 ? "negative quantity" :
		    "price not positive");
		return NULL;
	}
	return q + 1;
number:
	snprintf(why, whylen, "%s[%zu]: %s", field, idx,
	    r == FX_RANGE ? "number out of range" : "not a number");
	return NULL;
shape:
	snprintf(why, whylen, "%s[%zu]: not a [price, qty] pair", field, idx);
	return NULL;
}

int
event_levels(const struct json_span *arr, struct levels *l,
    const char *field, char *why, size_t whylen)
{
	const char *p = arr->p + 1, *end = arr->p + arr->n - 1;

	/* The array may be unchecked (event_parse_for): its brackets match,
	 * everything between them is validated here. */
	l->n = 0;
	if (arr->n < 2 || arr->p[0] != '[' || arr->p[arr->n - 1] != ']') {
		snprintf(why, whylen, "field '%s' is not an array", field);
		return -1;
	}
	p = skip_ws(p, end);
	if (p >= end)
		return 0;
	for (;;) {
		if (levels_push(l) < 0) {
			snprintf(why, whylen, "out of memory");
			errno = ENOMEM;
			return -1;
		}
		p = decode_pair_at(p, end, &l->lv[l->n], field, l->n, why,
		    whylen);
		if (!p)
			return -1;
		l->n++;
		p = skip_ws(p, end);
		if (p >= end)
			return 0;
		if (*p != ',' || (p = skip_ws(p + 1, end)) >= end) {
			snprintf(why, whylen, "%s: invalid JSON after level %zu",
			    field, l->n - 1);
			return -1;
		}
	}
}
