/* instrument: the instrument event, read and written. */
#include <stdio.h>
#include <string.h>

#include "event/instrument.h"

/* The rules, their names and bits, in the order they are written. */
static const struct rule {
	const char *name;
	unsigned bit;
	size_t off;
} rules[] = {
	{ "tick", INSTR_TICK, offsetof(struct instrument, tick) },
	{ "step", INSTR_STEP, offsetof(struct instrument, step) },
	{ "min_qty", INSTR_MIN_QTY, offsetof(struct instrument, min_qty) },
	{ "min_notional", INSTR_MIN_NOTIONAL,
	  offsetof(struct instrument, min_notional) },
	{ "max_qty", INSTR_MAX_QTY, offsetof(struct instrument, max_qty) },
};

static struct fx *
rule_of(struct instrument *in, const struct rule *r)
{
	return (struct fx *)(void *)((char *)in + r->off);
}

static struct fx
rule_value(const struct instrument *in, const struct rule *r)
{
	struct fx v;

	memcpy(&v, (const char *)in + r->off, sizeof v);
	return v;
}

static int
need_name(const struct json_span *v, const char *key, char *dst, size_t cap,
    char *why, size_t whylen)
{
	if (!v || v->type != JSON_STRING) {
		snprintf(why, whylen, v ? "field '%s' is not a string" :
		    "missing field '%s'", key);
		return -1;
	}
	if (json_str_copy(v, dst, cap) < 0) {
		snprintf(why, whylen, "field '%s' is longer than %zu bytes",
		    key, cap - 1);
		return -1;
	}
	if (dst[0] == '\0') {
		snprintf(why, whylen, "field '%s' is empty", key);
		return -1;
	}
	return 0;
}

static int
read_rule(const struct event *ev, const struct rule *r, struct instrument *in,
    char *why, size_t whylen)
{
	const struct json_span *v = json_get(&ev->obj, r->name);
	struct fx *x = rule_of(in, r);

	if (!v || v->type == JSON_NULL)
		return 0;
	if (event_decimal(v, x) != FX_OK) {
		snprintf(why, whylen, "field '%s' is not a decimal number",
		    r->name);
		return -1;
	}
	if (x->m <= 0) {
		snprintf(why, whylen, "field '%s' must be above 0", r->name);
		return -1;
	}
	in->has |= r->bit;
	return 0;
}

/* event_parse() reads "time" of market events only: read it here. */
static int
read_time(const struct event *ev, struct instrument *in, char *why,
    size_t whylen)
{
	const struct json_span *v = json_get(&ev->obj, "time");

	if (!v || v->type == JSON_NULL)
		return 0;
	if (json_int64(v, &in->time) < 0 || in->time < 0) {
		snprintf(why, whylen, "field 'time' is not a time in "
		    "milliseconds");
		return -1;
	}
	return 0;
}

int
instrument_read(const struct event *ev, struct instrument *in, char *why,
    size_t whylen)
{
	size_t i;

	memset(in, 0, sizeof *in);
	if (need_name(json_get(&ev->obj, "venue"), "venue", in->venue,
	    sizeof in->venue, why, whylen) < 0 ||
	    need_name(json_get(&ev->obj, "market"), "market", in->market,
	    sizeof in->market, why, whylen) < 0 ||
	    need_name(json_get(&ev->obj, "symbol"), "symbol", in->symbol,
	    sizeof in->symbol, why, whylen) < 0)
		return -1;
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (read_rule(ev, &rules[i], in, why, whylen) < 0)
			return -1;
	return read_time(ev, in, why, whylen);
}

void
instrument_render(struct buf *out, const struct instrument *in)
{
	size_t i;

	event_render_head(out, "instrument", in->venue, in->market,
	    in->symbol, in->time > 0 ? EV_HAS_TIME : 0, in->time, 0);
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if (!(in->has & rules[i].bit))
			continue;
		buf_adds(out, ",\"");
		buf_adds(out, rules[i].name);
		buf_adds(out, "\":\"");
		buf_add_fx(out, fx_trim(rule_value(in, &rules[i])));
		buf_adds(out, "\"");
	}
	buf_adds(out, "}\n");
}

int
instrument_on_step(struct fx v, struct fx step)
{
	int s = v.s > step.s ? v.s : step.s;
	fx_i128 a, b;

	if (step.m == 0)
		return 1;
	if (fx_at_scale(v, s, &a) < 0 || fx_at_scale(step, s, &b) < 0)
		return 0;
	return a % b == 0;
}
