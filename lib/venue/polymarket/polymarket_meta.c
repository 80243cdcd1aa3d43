/*
 * polymarket_meta: what a book's hash needs beyond the message -- each
 * token's min_order_size and neg_risk, market metadata the user loads
 * from a file -- and the hash itself (see polymarket.h).
 *
 * The metadata is process state, not a normalizer argument: the venue
 * table's normalizer signature is the same for every venue, and the
 * file is loaded once, before any message, by mkt-feed --markets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "polymarket.h"
#include "base/keymap.h"

/* A token's metadata, a copy of the file's text. */
struct meta {
	char mos[32];		/* min_order_size as written: "5" */
	int neg_risk;
};

/* Token id -> struct meta; keymap_init() on first use. */
static struct keymap metas;
static int metas_ready;

static int
fail(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -1;
}

/* One token of a market: its id and the market's metadata. */
static int
put_token(const struct json_span *tok, const struct meta *m, char *why,
    size_t whylen)
{
	struct json_obj t;
	const struct json_span *id;
	struct meta *copy;
	const char *reason;
	size_t at;

	if (tok->type != JSON_OBJECT ||
	    json_parse_object(tok->p, tok->n, &t, &reason, &at) < 0)
		return fail(why, whylen, "a token is not an object");
	id = json_get(&t, "token_id");
	if (!id || id->type != JSON_STRING || id->n == 0 || id->escaped)
		return fail(why, whylen, "a token has no 'token_id' string");
	copy = malloc(sizeof *copy);
	if (!copy)
		return fail(why, whylen, "out of memory");
	*copy = *m;
	/* A token listed twice keeps its first metadata. */
	if (keymap_get(&metas, id->p, id->n)) {
		free(copy);
		return 0;
	}
	if (keymap_put(&metas, id->p, id->n, copy) < 0) {
		free(copy);
		return fail(why, whylen, "out of memory");
	}
	return 1;
}

/* One market object: its min_order_size, neg_risk and tokens. */
static int
put_market(const struct json_span *v, char *why, size_t whylen)
{
	struct json_obj o;
	const struct json_span *mos, *nr, *toks;
	struct json_iter it;
	struct json_span tok;
	struct meta m;
	const char *reason;
	size_t at;
	int n = 0, r;

	if (v->type != JSON_OBJECT ||
	    json_parse_object(v->p, v->n, &o, &reason, &at) < 0)
		return fail(why, whylen, "a market is not an object");
	mos = json_get(&o, "minimum_order_size");
	if (!mos)
		mos = json_get(&o, "min_order_size");
	nr = json_get(&o, "neg_risk");
	toks = json_get(&o, "tokens");
	if (!mos || (mos->type != JSON_STRING && mos->type != JSON_NUMBER) ||
	    mos->n == 0 || mos->n >= sizeof m.mos || mos->escaped)
		return fail(why, whylen,
		    "a market has no 'minimum_order_size'");
	if (!nr || (nr->type != JSON_TRUE && nr->type != JSON_FALSE))
		return fail(why, whylen, "a market has no boolean 'neg_risk'");
	if (!toks || toks->type != JSON_ARRAY)
		return fail(why, whylen, "a market has no 'tokens' array");
	memcpy(m.mos, mos->p, mos->n);
	m.mos[mos->n] = '\0';
	m.neg_risk = nr->type == JSON_TRUE;
	json_iter_init(&it, toks);
	while (json_next(&it, &tok)) {
		r = put_token(&tok, &m, why, whylen);
		if (r < 0)
			return -1;
		n += r;
	}
	return n;
}

int
polymarket_markets_load(const char *body, size_t n, char *why,
    size_t whylen)
{
	struct json_span all, v;
	struct json_iter it;
	struct json_obj o;
	const struct json_span *data;
	const char *reason;
	size_t at, i = 0;
	int count = 0, r;

	if (!metas_ready) {
		keymap_init(&metas);
		metas_ready = 1;
	}
	while (i < n && (body[i] == ' ' || body[i] == '\n' ||
	    body[i] == '\r' || body[i] == '\t'))
		i++;
	while (n > i && (body[n - 1] == ' ' || body[n - 1] == '\n' ||
	    body[n - 1] == '\r' || body[n - 1] == '\t'))
		n--;
	memset(&all, 0, sizeof all);
	all.p = body + i;
	all.n = (uint32_t)(n - i);
	if (n - i == 0 || n - i > UINT32_MAX)
		return fail(why, whylen, "empty or too large");
	if (body[i] == '{') {
		if (json_parse_object(all.p, all.n, &o, &reason, &at) < 0) {
			snprintf(why, whylen, "invalid JSON at byte %zu: %s",
			    i + at, reason);
			return -1;
		}
		data = json_get(&o, "data");
		if (!data) {
			all.type = JSON_OBJECT;
			return put_market(&all, why, whylen);
		}
		if (data->type != JSON_ARRAY)
			return fail(why, whylen, "'data' is not an array");
		all = *data;
	} else {
		all.type = JSON_ARRAY;
		all.unchecked = 1;
		if (body[i] != '[' || json_check(&all, &reason, &at) < 0)
			return fail(why, whylen, "neither a JSON object nor "
			    "an array");
	}
	json_iter_init(&it, &all);
	while (json_next(&it, &v)) {
		r = put_market(&v, why, whylen);
		if (r < 0)
			return -1;
		count += r;
	}
	return count;
}

int
polymarket_meta(const char *id, size_t n, const char **mos, size_t *mos_n,
    int *neg_risk)
{
	const struct meta *m;

	if (!metas_ready)
		return -1;
	m = keymap_get(&metas, id, n);
	if (!m)
		return -1;
	*mos = m->mos;
	*mos_n = strlen(m->mos);
	*neg_risk = m->neg_risk;
	return 0;
}

/* "key":"value" (a string member of o, as written) appended to b. */
static int
put_str(struct buf *b, const struct json_obj *o, const char *key)
{
	const struct json_span *v = json_get(o, key);

	if (!v || v->type != JSON_STRING)
		return -1;
	buf_addf(b, "\"%s\":\"", key);
	buf_add(b, v->p, v->n);
	buf_addc(b, '"');
	return 0;
}

/* "key":[{"price":"P","size":"S"},...] in the order sent. */
static int
put_side(struct buf *b, const struct json_obj *o, const char *key)
{
	const struct json_span *arr = json_get(o, key);
	struct json_iter it;
	struct json_span lv;
	struct json_obj l;
	const char *reason;
	size_t at;
	int i = 0;

	if (!arr || arr->type != JSON_ARRAY)
		return -1;
	buf_addf(b, "\"%s\":[", key);
	json_iter_init(&it, arr);
	while (json_next(&it, &lv)) {
		if (lv.type != JSON_OBJECT ||
		    json_parse_object(lv.p, lv.n, &l, &reason, &at) < 0)
			return -1;
		buf_adds(b, i++ ? ",{" : "{");
		if (put_str(b, &l, "price") < 0)
			return -1;
		buf_addc(b, ',');
		if (put_str(b, &l, "size") < 0)
			return -1;
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	return 0;
}

/* SHA-1 of b's bytes into hex[41]. */
static int
sha1_hex(const struct buf *b, char hex[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (EVP_Digest(b->p, b->len, md, &len, EVP_sha1(), NULL) != 1 ||
	    len != 20)
		return -1;
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
polymarket_book_hash(const struct json_obj *o, const char *mos,
    size_t mos_n, int neg_risk, char hex[41])
{
	struct buf b;
	int r = -1;

	buf_init(&b, 0);
	buf_addc(&b, '{');
	if (put_str(&b, o, "market") < 0)
		goto out;
	buf_addc(&b, ',');
	if (put_str(&b, o, "asset_id") < 0)
		goto out;
	buf_addc(&b, ',');
	if (put_str(&b, o, "timestamp") < 0)
		goto out;
	buf_adds(&b, ",\"hash\":\"\",");
	if (put_side(&b, o, "bids") < 0)
		goto out;
	buf_addc(&b, ',');
	if (put_side(&b, o, "asks") < 0)
		goto out;
	buf_adds(&b, ",\"min_order_size\":\"");
	buf_add(&b, mos, mos_n);
	buf_adds(&b, "\",");
	if (put_str(&b, o, "tick_size") < 0)
		goto out;
	buf_adds(&b, neg_risk ? ",\"neg_risk\":true," : ",\"neg_risk\":false,");
	if (put_str(&b, o, "last_trade_price") < 0)
		goto out;
	buf_addc(&b, '}');
	if (buf_failed(&b))
		goto out;
	r = sha1_hex(&b, hex);
out:
	buf_free(&b);
	return r;
}
