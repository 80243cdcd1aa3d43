/*
 * bybit_instr: the instrument lists of Bybit v5, GET
 * /v5/market/instruments-info?category=linear|spot (docs/v5/market/
 * instrument.mdx; PROTOCOLS.md §4.6), each request weighing 1.  One
 * symbol is asked for by name; several take the whole list, linear's in
 * pages of up to 1000 (nextPageCursor), spot's in one (it has no
 * paging).  The rules: priceFilter.tickSize; linear lotSizeFilter
 * qtyStep, minOrderQty, maxOrderQty, minNotionalValue; spot
 * lotSizeFilter basePrecision (its quantity step), minOrderAmt, and
 * maxLimitOrderQty (maxOrderQty before it) -- spot's minOrderQty is
 * deprecated and no longer checked by the venue, so it is not a rule.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bybit.h"
#include "venue/vinstr.h"

#define PAGE_LIMIT 1000

/* The cursor as the venue wrote it (already percent-encoded), anything
 * outside the unreserved set encoded. */
static int
add_cursor(char *url, size_t cap, size_t len, const char *cursor)
{
	const char *p;
	int k = snprintf(url + len, cap - len, "&cursor=");

	for (p = cursor; k >= 0 && (size_t)k < cap - len; p++) {
		len += (size_t)k;
		if (!*p)
			return 0;
		if (isalnum((unsigned char)*p) || strchr("-._~%", *p))
			k = snprintf(url + len, cap - len, "%c", *p);
		else
			k = snprintf(url + len, cap - len, "%%%02X",
			    (unsigned char)*p);
	}
	return -1;
}

int
bybit_instruments_url(const struct venue_market *m,
    const char *const *symbols, size_t n, const char *cursor, char *url,
    size_t cap, int *weight)
{
	int spot = strcmp(m->name, "spot") == 0;
	int k;

	*weight = 1;
	if (n == 1)
		k = snprintf(url, cap,
		    "%s/v5/market/instruments-info?category=%s&symbol=%s",
		    venue_rest_base(m), m->name, symbols[0]);
	else if (spot)
		k = snprintf(url, cap,
		    "%s/v5/market/instruments-info?category=%s",
		    venue_rest_base(m), m->name);
	else
		k = snprintf(url, cap,
		    "%s/v5/market/instruments-info?category=%s&limit=%d",
		    venue_rest_base(m), m->name, PAGE_LIMIT);
	if (k < 0 || (size_t)k >= cap)
		return -1;
	if (cursor && *cursor && !spot)
		return add_cursor(url, cap, (size_t)k, cursor);
	return 0;
}

/* An object member of o, recorded into out; absent is an empty one. */
static int
member_object(const struct json_obj *o, const char *key,
    struct json_obj *out, const char *symbol, char *why, size_t whylen)
{
	const struct json_span *v = json_get(o, key);

	out->n = 0;
	if (!v || v->type == JSON_NULL)
		return 0;
	if (vinstr_object(v, out, key, why, whylen) < 0) {
		snprintf(why, whylen, "%s: '%s' is not an object", symbol,
		    key);
		return -1;
	}
	return 0;
}

static int
read_lots(struct instrument *in, const struct json_obj *lot, int spot,
    char *why, size_t whylen)
{
	if (spot)
		return vinstr_rule(in, &in->step, INSTR_STEP, lot,
		    "basePrecision", why, whylen) < 0 ||
		    vinstr_rule(in, &in->min_notional, INSTR_MIN_NOTIONAL,
		    lot, "minOrderAmt", why, whylen) < 0 ||
		    vinstr_rule(in, &in->max_qty, INSTR_MAX_QTY, lot,
		    json_get(lot, "maxLimitOrderQty") ? "maxLimitOrderQty" :
		    "maxOrderQty", why, whylen) < 0 ? -1 : 0;
	return vinstr_rule(in, &in->step, INSTR_STEP, lot, "qtyStep", why,
	    whylen) < 0 ||
	    vinstr_rule(in, &in->min_qty, INSTR_MIN_QTY, lot, "minOrderQty",
	    why, whylen) < 0 ||
	    vinstr_rule(in, &in->max_qty, INSTR_MAX_QTY, lot, "maxOrderQty",
	    why, whylen) < 0 ||
	    vinstr_rule(in, &in->min_notional, INSTR_MIN_NOTIONAL, lot,
	    "minNotionalValue", why, whylen) < 0 ? -1 : 0;
}

/* One element of result.list. */
static int
read_item(const struct venue_market *m, const struct json_span *v,
    int64_t time, venue_instrument_fn *each, void *ctx, char *why,
    size_t whylen)
{
	struct json_obj item, price, lot;
	struct instrument in;

	if (vinstr_object(v, &item, "list", why, whylen) < 0 ||
	    vinstr_begin(&in, m, &item, "symbol", why, whylen) < 0 ||
	    member_object(&item, "priceFilter", &price, in.symbol, why,
	    whylen) < 0 ||
	    member_object(&item, "lotSizeFilter", &lot, in.symbol, why,
	    whylen) < 0 ||
	    vinstr_rule(&in, &in.tick, INSTR_TICK, &price, "tickSize", why,
	    whylen) < 0 ||
	    read_lots(&in, &lot, strcmp(m->name, "spot") == 0, why,
	    whylen) < 0)
		return -1;
	in.time = time > 0 ? time : 0;	/* a venue clock before 1970: none */
	if (each(&in, ctx) < 0) {
		snprintf(why, whylen, "stopped");
		return -1;
	}
	return 0;
}

/* The envelope: retCode 0, or the venue's refusal in why. */
static int
envelope_ok(int status, const struct json_obj *o, int parsed, char *why,
    size_t whylen)
{
	const struct json_span *msg = parsed ? json_get(o, "retMsg") : NULL;
	const struct json_span *code = parsed ? json_get(o, "retCode") : NULL;
	char text[160] = "";
	int64_t c = 0;

	if (!code || json_int64(code, &c) < 0) {
		if (status != 200)
			snprintf(why, whylen, "HTTP %d", status);
		else
			snprintf(why, whylen, "the answer has no 'retCode'");
		return -1;
	}
	if (status == 200 && c == 0)
		return 0;
	if (msg && msg->type == JSON_STRING &&
	    json_str_copy(msg, text, sizeof text) < 0)
		text[0] = '\0';
	snprintf(why, whylen, "HTTP %d: %s (retCode %lld)", status, text,
	    (long long)c);
	return -1;
}

int
bybit_instruments_parse(const struct venue_market *m, int status,
    const char *body, size_t n, venue_instrument_fn *each, void *ctx,
    char *cursor, size_t cap, char *why, size_t whylen)
{
	struct json_obj o, res;
	const struct json_span *list, *next;
	struct json_span v;
	struct json_iter it;
	const char *jwhy;
	size_t where;
	int64_t time = 0;
	int parsed = body && n &&
	    json_parse_object(body, n, &o, &jwhy, &where) == 0;

	if (cap)
		cursor[0] = '\0';
	if (envelope_ok(status, &o, parsed, why, whylen) < 0)
		return -1;
	if (member_object(&o, "result", &res, "the answer", why, whylen) < 0)
		return -1;
	list = json_get(&res, "list");
	if (!list || list->type != JSON_ARRAY) {
		snprintf(why, whylen, "the answer has no 'result.list' array");
		return -1;
	}
	if (json_get(&o, "time") && json_int64(json_get(&o, "time"),
	    &time) < 0)
		time = 0;
	json_iter_init(&it, list);
	while (json_next(&it, &v))
		if (read_item(m, &v, time, each, ctx, why, whylen) < 0)
			return -1;
	next = json_get(&res, "nextPageCursor");
	if (next && next->type == JSON_STRING && next->n &&
	    json_str_copy(next, cursor, cap) < 0) {
		snprintf(why, whylen, "'nextPageCursor' is longer than %zu "
		    "bytes", cap - 1);
		return -1;
	}
	return 0;
}
