/*
 * fuzz_limits: libFuzzer harness for mkt-risk's limits file parser
 * (trade/limits).  Whatever it accepts holds only limits above zero
 * (counts at or above zero), gives every symbol it names a set, and is
 * freed whole; whatever it refuses says why and leaves nothing behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trade/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
check_set(const struct limit_set *s)
{
	if (s->has & LIM_BIT(LIM_MAX_QTY))
		check(s->max_qty.m > 0);
	if (s->has & LIM_BIT(LIM_MAX_NOTIONAL))
		check(s->max_notional.m > 0);
	if (s->has & LIM_BIT(LIM_PRICE_BAND_PCT))
		check(s->price_band_pct.m > 0);
	if (s->has & LIM_BIT(LIM_MAX_POSITION))
		check(s->max_position.m > 0);
	if (s->has & LIM_BIT(LIM_DAILY_LOSS))
		check(s->daily_loss.m > 0);
	check(s->max_open_orders >= 0 && s->rate_per_s >= 0 &&
	    s->rate_per_min >= 0);
	check(s->has < LIM_BIT(LIM_COUNT));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct limit_set set;
	struct limits l;
	char why[256] = "", key[LIMITS_KEY_MAX], *v, *m;
	size_t i;

	if (limits_parse((const char *)data, size, &l, why, sizeof why) < 0) {
		check(why[0] != '\0');
		check(l.by_key.n == 0 && !l.has_default);
		return 0;
	}
	if (l.has_default)
		check_set(&l.def);
	for (i = 0; i < l.by_key.n; i++) {
		check_set(l.by_key.e[i].val);
		check(l.by_key.e[i].len < sizeof key);
		memcpy(key, l.by_key.e[i].key, l.by_key.e[i].len);
		key[l.by_key.e[i].len] = '\0';
		v = key;
		m = strchr(v, ':');
		check(m != NULL);
		*m++ = '\0';
		check(strchr(m, ':') != NULL);
		*strchr(m, ':') = '\0';
		check(limits_for(&l, v, m, m + strlen(m) + 1, &set) == 1);
		check_set(&set);
	}
	limits_free(&l);
	return 0;
}
