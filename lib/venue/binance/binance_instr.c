/*
 * binance_instr: the instrument lists of Binance spot (GET
 * /api/v3/exchangeInfo, weight 20, asked for the symbols wanted) and
 * USD-M futures (GET /fapi/v1/exchangeInfo, weight 1, every symbol).
 * The rules are filters of each symbol (spot filters.md, USD-M "Exchange
 * Information"): PRICE_FILTER tickSize, LOT_SIZE stepSize, minQty and
 * maxQty, and the minimum notional, spot's NOTIONAL (or the older
 * MIN_NOTIONAL) minNotional, futures' MIN_NOTIONAL notional.
 */
#include <stdio.h>
#include <string.h>

#include "binance.h"
#include "venue/vinstr.h"

#define SPOT_WEIGHT 20
#define FUTURES_WEIGHT 1

/*
 * ?symbols=["A","B"] percent-encoded: the venue reads a JSON array.  A
 * list too long for the URL asks for every symbol instead.
 */
int
binance_spot_instruments_url(const struct venue_market *m,
    const char *const *symbols, size_t n, const char *cursor, char *url,
    size_t cap, int *weight)
{
	size_t i, len;
	int k;

	(void)cursor;	/* one page */
	*weight = SPOT_WEIGHT;
	k = snprintf(url, cap, "%s/api/v3/exchangeInfo", venue_rest_base(m));
	if (k < 0 || (size_t)k >= cap)
		return -1;
	len = (size_t)k;
	if (n == 0)
		return 0;	/* the whole list */
	for (i = 0; i < n; i++) {
		k = snprintf(url + len, cap - len, "%s%%22%s%%22",
		    i ? "%2C" : "?symbols=%5B", symbols[i]);
		if (k < 0 || (size_t)k >= cap - len)
			break;
		len += (size_t)k;
	}
	if (i == n && len + 3 < cap) {
		memcpy(url + len, "%5D", 4);
		return 0;
	}
	k = snprintf(url, cap, "%s/api/v3/exchangeInfo", venue_rest_base(m));
	return k < 0 || (size_t)k >= cap ? -1 : 0;
}

int
binance_futures_instruments_url(const struct venue_market *m,
    const char *const *symbols, size_t n, const char *cursor, char *url,
    size_t cap, int *weight)
{
	int k;

	(void)symbols;
	(void)n;
	(void)cursor;
	*weight = FUTURES_WEIGHT;
	k = snprintf(url, cap, "%s/fapi/v1/exchangeInfo", venue_rest_base(m));
	return k < 0 || (size_t)k >= cap ? -1 : 0;
}

/* One filter of a symbol into its rules; other filter types are not
 * ours. */
static int
read_filter(struct instrument *in, const struct json_obj *f, char *why,
    size_t whylen)
{
	const struct json_span *t = json_get(f, "filterType");

	if (!t || t->type != JSON_STRING) {
		snprintf(why, whylen, "%s: a filter without a 'filterType'",
		    in->symbol);
		return -1;
	}
	if (json_str_is(t, "PRICE_FILTER"))
		return vinstr_rule(in, &in->tick, INSTR_TICK, f, "tickSize",
		    why, whylen);
	if (json_str_is(t, "LOT_SIZE"))
		return vinstr_rule(in, &in->step, INSTR_STEP, f, "stepSize",
		    why, whylen) < 0 ||
		    vinstr_rule(in, &in->min_qty, INSTR_MIN_QTY, f, "minQty",
		    why, whylen) < 0 ||
		    vinstr_rule(in, &in->max_qty, INSTR_MAX_QTY, f, "maxQty",
		    why, whylen) < 0 ? -1 : 0;
	if (json_str_is(t, "NOTIONAL") || json_str_is(t, "MIN_NOTIONAL"))
		return vinstr_rule(in, &in->min_notional, INSTR_MIN_NOTIONAL,
		    f, json_get(f, "minNotional") ? "minNotional" : "notional",
		    why, whylen);
	return 0;
}

/* One element of "symbols". */
static int
read_symbol(const struct venue_market *m, const struct json_span *v,
    int64_t time, venue_instrument_fn *each, void *ctx, char *why,
    size_t whylen)
{
	struct json_obj s, f;
	const struct json_span *filters;
	struct json_span e;
	struct json_iter it;
	struct instrument in;

	if (vinstr_object(v, &s, "symbols", why, whylen) < 0 ||
	    vinstr_begin(&in, m, &s, "symbol", why, whylen) < 0)
		return -1;
	in.time = time > 0 ? time : 0;	/* a venue clock before 1970: none */
	filters = json_get(&s, "filters");
	if (filters && filters->type == JSON_ARRAY) {
		json_iter_init(&it, filters);
		while (json_next(&it, &e))
			if (vinstr_object(&e, &f, "filters", why,
			    whylen) < 0 ||
			    read_filter(&in, &f, why, whylen) < 0)
				return -1;
	} else if (filters && filters->type != JSON_NULL) {
		snprintf(why, whylen, "%s: 'filters' is not an array",
		    in.symbol);
		return -1;
	}
	if (each(&in, ctx) < 0) {
		snprintf(why, whylen, "stopped");
		return -1;
	}
	return 0;
}

/* A refusal: {"code":-1121,"msg":"Invalid symbol."}, or just the
 * status. */
static int
refused(int status, const struct json_obj *o, int parsed, char *why,
    size_t whylen)
{
	const struct json_span *msg = parsed ? json_get(o, "msg") : NULL;
	const struct json_span *code = parsed ? json_get(o, "code") : NULL;
	char text[160];
	int64_t c = 0;

	if (msg && msg->type == JSON_STRING &&
	    json_str_copy(msg, text, sizeof text) >= 0 && code &&
	    json_int64(code, &c) == 0)
		snprintf(why, whylen, "HTTP %d: %s (code %lld)", status,
		    text, (long long)c);
	else
		snprintf(why, whylen, "HTTP %d", status);
	return -1;
}

int
binance_instruments_parse(const struct venue_market *m, int status,
    const char *body, size_t n, venue_instrument_fn *each, void *ctx,
    char *cursor, size_t cap, char *why, size_t whylen)
{
	struct json_obj o;
	const struct json_span *syms;
	struct json_span v;
	struct json_iter it;
	const char *jwhy;
	size_t where;
	int64_t time = 0;
	int parsed = body && n &&
	    json_parse_object(body, n, &o, &jwhy, &where) == 0;

	if (cap)
		cursor[0] = '\0';	/* one page */
	if (status != 200)
		return refused(status, &o, parsed, why, whylen);
	if (!parsed) {
		snprintf(why, whylen, "the answer is not a JSON object");
		return -1;
	}
	syms = json_get(&o, "symbols");
	if (!syms || syms->type != JSON_ARRAY) {
		snprintf(why, whylen, "the answer has no 'symbols' array");
		return -1;
	}
	if (json_get(&o, "serverTime") &&
	    json_int64(json_get(&o, "serverTime"), &time) < 0)
		time = 0;
	json_iter_init(&it, syms);
	while (json_next(&it, &v))
		if (read_symbol(m, &v, time, each, ctx, why, whylen) < 0)
			return -1;
	return 0;
}
