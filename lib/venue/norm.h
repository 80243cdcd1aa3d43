/*
 * norm: what the venue normalizers (binance, bybit) share -- reading the
 * fields of a venue message and writing them into an mkt event, with
 * the exchange's digits kept and every number checked as the event
 * readers will check it, and reasons prefixed with the message kind.
 */
#ifndef MKT_NORM_H
#define MKT_NORM_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "base/fixed.h"
#include "base/json.h"

struct norm {
	const char *kind;	/* what reasons name: "depthUpdate", a topic */
	const char *pair;	/* the venue's word for a level: "[price, qty]" */
	struct buf *out;
	char *why;
	size_t whylen;
};

/* Set the reason ("KIND: ..."); returns -1. */
int norm_fail(struct norm *m, const char *fmt, ...) ERR_PRINTF(2, 3);

/* o[key], or NULL with the reason "missing field 'key'". */
const struct json_span *norm_need(struct norm *m, const struct json_obj *o,
    const char *key);

/* A non-negative integer (or a string holding one). 0 or -1. */
int norm_int(struct norm *m, const struct json_obj *o, const char *key,
    int64_t *v);

/* A decimal as the exchange wrote it (string or number): FX_*. */
int norm_decimal(const struct json_span *v, struct fx *x);
const char *norm_fx_reason(int r);

/* ,"name": */
void norm_key(struct norm *m, const char *name);
/* ,"name":v */
void norm_put_int(struct norm *m, const char *name, int64_t v);
/* ,"name":digits -- a non-negative decimal field, digits verbatim. */
int norm_put_dec(struct norm *m, const char *name, const struct json_obj *o,
    const char *key);
/* ,"name":[[p,q],...] from the level array o[key]. */
int norm_put_levels(struct norm *m, const char *name,
    const struct json_obj *o, const char *key);

#endif
