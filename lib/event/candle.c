/* candle: trades summed into candles, and the candle event (candle.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "event/candle.h"

static int
need_name(const struct json_span *v, const char *key, char *why,
    size_t whylen)
{
	if (!v) {
		snprintf(why, whylen, "missing field '%s'", key);
		return -1;
	}
	if (v->type != JSON_STRING || v->escaped || v->n == 0) {
		snprintf(why, whylen, "field '%s' is not a plain string", key);
		return -1;
	}
	return 0;
}

/* A decimal member above 0 (or, with zero_ok, not below 0). */
static int
need_decimal(const struct event *ev, const char *key, int zero_ok,
    struct fx *x, char *why, size_t whylen)
{
	const struct json_span *v = json_get(&ev->obj, key);

	if (!v) {
		snprintf(why, whylen, "missing field '%s'", key);
		return -1;
	}
	if (event_decimal(v, x) != FX_OK) {
		snprintf(why, whylen, "field '%s' is not a decimal number",
		    key);
		return -1;
	}
	if (x->m < 0 || (x->m == 0 && !zero_ok)) {
		snprintf(why, whylen, zero_ok ? "field '%s' must not be "
		    "below 0" : "field '%s' must be above 0", key);
		return -1;
	}
	return 0;
}

static int
need_int(const struct event *ev, const char *key, int64_t *v, char *why,
    size_t whylen)
{
	const struct json_span *s = json_get(&ev->obj, key);

	if (!s) {
		snprintf(why, whylen, "missing field '%s'", key);
		return -1;
	}
	if (json_int64(s, v) < 0) {
		snprintf(why, whylen, "field '%s' is not an integer", key);
		return -1;
	}
	return 0;
}

int
candle_trade_read(const struct event *ev, struct candle_trade *t, char *why,
    size_t whylen)
{
	const struct json_span *side;

	t->venue = json_get(&ev->obj, "venue");
	t->market = json_get(&ev->obj, "market");
	t->symbol = json_get(&ev->obj, "symbol");
	if (need_name(t->venue, "venue", why, whylen) < 0 ||
	    need_name(t->market, "market", why, whylen) < 0 ||
	    need_name(t->symbol, "symbol", why, whylen) < 0 ||
	    need_int(ev, "time", &t->time, why, whylen) < 0 ||
	    need_decimal(ev, "price", 0, &t->price, why, whylen) < 0 ||
	    need_decimal(ev, "qty", 0, &t->qty, why, whylen) < 0)
		return -1;
	side = json_get(&ev->obj, "side");
	if (!side) {
		snprintf(why, whylen, "missing field 'side'");
		return -1;
	}
	if (json_str_is(side, "buy"))
		t->buy = 1;
	else if (json_str_is(side, "sell"))
		t->buy = 0;
	else {
		snprintf(why, whylen, "field 'side' is not buy or sell");
		return -1;
	}
	return 0;
}

int64_t
candle_window(int64_t time, int64_t interval)
{
	/* Floor division: times before 1970 are odd but not wrong. */
	return time / interval - (time % interval < 0);
}

/* Copy a plain string span into dst; -1 when it does not fit. */
static int
copy_name(const struct json_span *v, char *dst, size_t cap)
{
	if (v->n >= cap) {
		errno = EOVERFLOW;
		return -1;
	}
	memcpy(dst, v->p, v->n);
	dst[v->n] = '\0';
	return 0;
}

int
candle_start(struct candle *c, const struct candle_trade *t,
    int64_t interval, int64_t open_time)
{
	static const struct fx zero = { 0, 0 };

	if (copy_name(t->venue, c->venue, sizeof c->venue) < 0 ||
	    copy_name(t->market, c->market, sizeof c->market) < 0 ||
	    copy_name(t->symbol, c->symbol, sizeof c->symbol) < 0)
		return -1;
	c->interval = interval;
	c->open_time = open_time;
	c->open = c->high = c->low = c->close = zero;
	c->volume = c->quote_volume = c->buy_volume = zero;
	c->trades = 0;
	return 0;
}

int
candle_add(struct candle *c, const struct candle_trade *t)
{
	struct fx value, vol, qvol, bvol = c->buy_volume;

	if (fx_mul(t->price, t->qty, &value) < 0 ||
	    fx_add(c->volume, t->qty, &vol) < 0 ||
	    fx_add(c->quote_volume, value, &qvol) < 0 ||
	    (t->buy && fx_add(c->buy_volume, t->qty, &bvol) < 0)) {
		errno = ERANGE;
		return -1;
	}
	if (c->trades == 0)
		c->open = c->high = c->low = t->price;
	if (fx_cmp(t->price, c->high) > 0)
		c->high = t->price;
	if (fx_cmp(t->price, c->low) < 0)
		c->low = t->price;
	c->close = t->price;
	c->volume = vol;
	c->quote_volume = qvol;
	c->buy_volume = bvol;
	c->trades++;
	return 0;
}

int
candle_merge(struct candle *a, const struct candle *b)
{
	struct fx vol, qvol, bvol;

	if (b->trades == 0)
		return 0;
	if (a->trades == 0) {
		int64_t interval = a->interval, open_time = a->open_time;

		*a = *b;
		a->interval = interval;
		a->open_time = open_time;
		return 0;
	}
	if (fx_add(a->volume, b->volume, &vol) < 0 ||
	    fx_add(a->quote_volume, b->quote_volume, &qvol) < 0 ||
	    fx_add(a->buy_volume, b->buy_volume, &bvol) < 0 ||
	    a->trades > INT64_MAX - b->trades) {
		errno = ERANGE;
		return -1;
	}
	if (fx_cmp(b->high, a->high) > 0)
		a->high = b->high;
	if (fx_cmp(b->low, a->low) < 0)
		a->low = b->low;
	a->close = b->close;
	a->volume = vol;
	a->quote_volume = qvol;
	a->buy_volume = bvol;
	a->trades += b->trades;
	return 0;
}

static void
render_fx(struct buf *out, const char *name, struct fx v)
{
	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_add_fx(out, fx_trim(v));
}

void
candle_render(struct buf *out, const struct candle *c)
{
	event_render_head(out, "candle", c->venue, c->market, c->symbol,
	    EV_HAS_TIME, c->open_time, 0);
	event_render_int(out, "interval", c->interval);
	event_render_int(out, "open_time", c->open_time);
	render_fx(out, "open", c->open);
	render_fx(out, "high", c->high);
	render_fx(out, "low", c->low);
	render_fx(out, "close", c->close);
	render_fx(out, "volume", c->volume);
	render_fx(out, "quote_volume", c->quote_volume);
	event_render_int(out, "trades", c->trades);
	render_fx(out, "buy_volume", c->buy_volume);
	buf_adds(out, "}\n");
}

static int
read_names(const struct event *ev, struct candle *c, char *why,
    size_t whylen)
{
	static const char *const keys[] = { "venue", "market", "symbol" };
	char *dst[] = { c->venue, c->market, c->symbol };
	size_t cap[] = { sizeof c->venue, sizeof c->market,
	    sizeof c->symbol };
	size_t i;

	for (i = 0; i < 3; i++) {
		const struct json_span *v = json_get(&ev->obj, keys[i]);

		if (need_name(v, keys[i], why, whylen) < 0)
			return -1;
		if (copy_name(v, dst[i], cap[i]) < 0) {
			snprintf(why, whylen, "field '%s' is longer than %zu "
			    "bytes", keys[i], cap[i] - 1);
			return -1;
		}
	}
	return 0;
}

/* The figures must be those of some trades. */
static int
check_consistent(const struct candle *c, char *why, size_t whylen)
{
	const char *bad = NULL;

	if (c->interval <= 0)
		bad = "field 'interval' must be above 0";
	else if (c->trades <= 0)
		bad = "field 'trades' must be above 0";
	else if (fx_cmp(c->low, c->high) > 0)
		bad = "low above high";
	else if (fx_cmp(c->open, c->low) < 0 || fx_cmp(c->open, c->high) > 0)
		bad = "open outside low..high";
	else if (fx_cmp(c->close, c->low) < 0 ||
	    fx_cmp(c->close, c->high) > 0)
		bad = "close outside low..high";
	else if (fx_cmp(c->buy_volume, c->volume) > 0)
		bad = "buy_volume above volume";
	if (bad) {
		snprintf(why, whylen, "%s", bad);
		return -1;
	}
	return 0;
}

int
candle_read(const struct event *ev, struct candle *c, char *why,
    size_t whylen)
{
	if (read_names(ev, c, why, whylen) < 0 ||
	    need_int(ev, "interval", &c->interval, why, whylen) < 0 ||
	    need_int(ev, "open_time", &c->open_time, why, whylen) < 0 ||
	    need_decimal(ev, "open", 0, &c->open, why, whylen) < 0 ||
	    need_decimal(ev, "high", 0, &c->high, why, whylen) < 0 ||
	    need_decimal(ev, "low", 0, &c->low, why, whylen) < 0 ||
	    need_decimal(ev, "close", 0, &c->close, why, whylen) < 0 ||
	    need_decimal(ev, "volume", 1, &c->volume, why, whylen) < 0 ||
	    need_decimal(ev, "quote_volume", 1, &c->quote_volume, why,
	    whylen) < 0 ||
	    need_int(ev, "trades", &c->trades, why, whylen) < 0 ||
	    need_decimal(ev, "buy_volume", 1, &c->buy_volume, why,
	    whylen) < 0)
		return -1;
	return check_consistent(c, why, whylen);
}
