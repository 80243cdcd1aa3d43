/*
 * limits: mkt-risk's limits file (mkt-risk(1)).  One JSON object whose
 * keys are "default" and "VENUE:MARKET:SYMBOL", each an object of
 * limits; a symbol's limits override the default's one by one.
 * Decimals (quantities, notionals, percentages, losses) are JSON
 * numbers or strings and read exactly; counts and rates are integers.
 * An unknown key or limit name, or a value out of its range, refuses
 * the whole file with a reason naming the key and the limit.
 */
#ifndef MKT_LIMITS_H
#define MKT_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/fixed.h"
#include "base/keymap.h"

/* The limits, in the order the file format lists them. */
enum limit_id {
	LIM_MAX_QTY,
	LIM_MAX_NOTIONAL,
	LIM_PRICE_BAND_PCT,
	LIM_MAX_OPEN_ORDERS,
	LIM_MAX_POSITION,
	LIM_DAILY_LOSS,
	LIM_RATE_PER_S,
	LIM_RATE_PER_MIN,
	LIM_COUNT
};

#define LIM_BIT(id) (1u << (id))

/* One set of limits; a limit whose bit is clear in has is not set. */
struct limit_set {
	unsigned has;
	struct fx max_qty, max_notional, price_band_pct, max_position;
	struct fx daily_loss;
	int64_t max_open_orders, rate_per_s, rate_per_min;
};

/* The longest key, "venue:market:symbol", with its NUL. */
#define LIMITS_KEY_MAX 160

struct limits {
	int has_default;
	struct limit_set def;
	struct keymap by_key;	/* "venue:market:symbol" -> limit_set * */
};

/* The name of a limit as the file writes it ("max_qty"). */
const char *limits_name(enum limit_id id);

/*
 * Read a limits file's text p[0..n) into *l (which the caller then
 * frees with limits_free; on failure nothing is left to free).  0, or
 * -1 with the reason in why: "key 'binance:spot:BTCUSDT': limit
 * 'max_qty': not a decimal above 0"; errno ENOMEM is worded too.
 */
int limits_parse(const char *p, size_t n, struct limits *l, char *why,
    size_t whylen) WUR;

/*
 * The same from the file at path (at most 16 MiB): -1 with why
 * ("cannot read: No such file or directory") otherwise.
 */
int limits_load(const char *path, struct limits *l, char *why,
    size_t whylen) WUR;

void limits_free(struct limits *l);

/*
 * The limits of venue:market:symbol into *out: the default's, each
 * overridden by the symbol's own.  1, or 0 when the file names neither
 * the symbol nor a default (an unknown symbol).
 */
int limits_for(struct limits *l, const char *venue, const char *market,
    const char *symbol, struct limit_set *out);

/* Which limits any set of the file has (a mask of LIM_BIT). */
unsigned limits_used(const struct limits *l);

#endif
