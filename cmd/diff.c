/*
 * mkt-diff: buyer/seller imbalance from depth bands, per symbol and, with
 * --aggregate, summed over the market (mkt-diff(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/bands.h"
#include "prog/err.h"
#include "event/event.h"
#include "base/keymap.h"
#include "prog/run.h"

/* The event types this program takes in (the rest pass through). */
#define CONSUMES (EV_BIT(EV_BANDS))

static const char usage_text[] =
    "usage: mkt-diff [--aggregate] [--stats DUR] [--metrics FILE] [--no-pass]\n"
    "                [-i INPUT] [-o OUTPUT]\n";

struct opts {
	int aggregate;
	struct run_opts run;
};

/* One band of a bands event, as read. */
struct band_in {
	struct fx pct, bid_qty, ask_qty, bid_value, ask_value;
	int complete;
};

/* The latest bands of one symbol, kept for the aggregates. */
struct sym_bands {
	int n;
	int base;		/* BASE_* of the symbol */
	struct band_in b[BANDS_MAX];
};

enum { BASE_OTHER, BASE_BTC, BASE_ETH };

/* Aggregates of one (venue, market). */
struct group {
	char *venue, *market;
	struct keymap syms;	/* symbol -> struct sym_bands */
	int64_t time;
	int have_time;
	int dirty;		/* bands arrived since the last emission */
};

static void
usage(void)
{
	fputs(usage_text, stdout);
	fputs("\n"
	    "  --aggregate      also write TOTAL, TOTAL1 (without BTC) and "
	    "TOTAL2\n"
	    "                   (without BTC and ETH) per venue and market\n"
	    METRICS_USAGE
	    RUN_USAGE, stdout);
	exit(0);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	enum { OPT_AGGREGATE = 256 };
	static const struct option longopts[] = {
		{ "aggregate", no_argument, NULL, OPT_AGGREGATE },
		METRICS_LONGOPTS,
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->aggregate = 0;
	run_opts_init(&o->run);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_AGGREGATE:
			o->aggregate = 1;
			break;
		default:
			run_option(c, argv, &o->run, usage);
		}
	}
	run_no_operands(argc, argv);
}

static int
get_decimal(const struct json_obj *o, const char *name, struct fx *v,
    size_t idx, char *why, size_t whylen)
{
	const struct json_span *s = json_get(o, name);

	if (!s) {
		snprintf(why, whylen, "bands[%zu]: missing field '%s'", idx,
		    name);
		return -1;
	}
	if (event_decimal(s, v) < 0) {
		snprintf(why, whylen, "bands[%zu]: field '%s' is not a number "
		    "in range", idx, name);
		return -1;
	}
	return 0;
}

/* Read the "bands" array of a bands event into out; -1 with why. */
static int
read_bands(const struct event *ev, struct sym_bands *out, char *why,
    size_t whylen)
{
	const struct json_span *arr = json_get(&ev->obj, "bands");
	const struct json_span *c;
	struct json_iter it;
	struct json_span el;
	struct json_obj o;
	const char *reason;
	size_t at;

	if (!arr || arr->type != JSON_ARRAY) {
		snprintf(why, whylen, arr ? "field 'bands' is not an array" :
		    "missing field 'bands'");
		return -1;
	}
	out->n = 0;
	json_iter_init(&it, arr);
	while (json_next(&it, &el)) {
		struct band_in *b = &out->b[out->n];
		size_t i = (size_t)out->n;

		if (out->n == BANDS_MAX) {
			snprintf(why, whylen, "more than %d bands", BANDS_MAX);
			return -1;
		}
		if (el.type != JSON_OBJECT ||
		    json_parse_object(el.p, el.n, &o, &reason, &at) < 0) {
			snprintf(why, whylen, "bands[%zu]: not an object", i);
			return -1;
		}
		if (get_decimal(&o, "pct", &b->pct, i, why, whylen) < 0 ||
		    get_decimal(&o, "bid_qty", &b->bid_qty, i, why,
		    whylen) < 0 ||
		    get_decimal(&o, "ask_qty", &b->ask_qty, i, why,
		    whylen) < 0 ||
		    get_decimal(&o, "bid_value", &b->bid_value, i, why,
		    whylen) < 0 ||
		    get_decimal(&o, "ask_value", &b->ask_value, i, why,
		    whylen) < 0)
			return -1;
		c = json_get(&o, "complete");
		b->complete = c && c->type == JSON_TRUE;
		out->n++;
	}
	return 0;
}

static void
add_field(struct buf *out, const char *name, struct fx v)
{
	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_add_fx(out, fx_trim(v));
}

/* 100 * (a - b) / (a + b), 0 when both are 0. */
static double
ratio(struct fx a, struct fx b)
{
	double x = fx_to_double(a), y = fx_to_double(b);

	return x + y == 0 ? 0 : 100.0 * (x - y) / (x + y);
}

static void
add_ratio(struct buf *out, const char *name, double v)
{
	buf_adds(out, ",\"");
	buf_adds(out, name);
	buf_adds(out, "\":");
	buf_add_rounded(out, v, 4);
}

static void
render_head(struct buf *out, const char *venue, size_t vn,
    const char *market, size_t mn, const char *symbol, size_t sn)
{
	buf_adds(out, "{\"type\":\"imbalance\",\"venue\":");
	buf_add_jstr(out, venue, vn);
	buf_adds(out, ",\"market\":");
	buf_add_jstr(out, market, mn);
	buf_adds(out, ",\"symbol\":");
	buf_add_jstr(out, symbol, sn);
}

/* The imbalance event of one symbol's bands; -1 on overflow. */
static int
render_imbalance(struct buf *out, const struct event *ev,
    const struct sym_bands *sb)
{
	int i;

	render_head(out, ev->venue->p, ev->venue->n, ev->market->p,
	    ev->market->n, ev->symbol->p, ev->symbol->n);
	if (ev->has & EV_HAS_TIME) {
		buf_adds(out, ",\"time\":");
		buf_addi(out, ev->time);
	}
	if (ev->has & EV_HAS_RECV) {
		buf_adds(out, ",\"recv\":");
		buf_addi(out, ev->recv);
	}
	buf_adds(out, ",\"bands\":[");
	for (i = 0; i < sb->n; i++) {
		const struct band_in *b = &sb->b[i];
		struct fx d, vd;

		if (fx_sub(b->bid_qty, b->ask_qty, &d) < 0 ||
		    fx_sub(b->bid_value, b->ask_value, &vd) < 0)
			return -1;
		buf_adds(out, i ? ",{\"pct\":" : "{\"pct\":");
		buf_add_fx(out, fx_trim(b->pct));
		add_field(out, "diff", d);
		add_ratio(out, "ratio", ratio(b->bid_qty, b->ask_qty));
		add_field(out, "value_diff", vd);
		add_ratio(out, "value_ratio", ratio(b->bid_value,
		    b->ask_value));
		buf_addc(out, '}');
	}
	buf_adds(out, "]}\n");
	return 0;
}

/*
 * The base asset class of a symbol quoted in a USD stablecoin, or -1
 * when its quote is something else (its values are not in dollars and
 * cannot be summed with the rest).
 */
static int
usd_base(const char *sym, size_t n)
{
	static const char *const quotes[] = {
		"USDT", "USDC", "FDUSD", "BUSD", "TUSD", "DAI", "USD",
	};
	size_t i, q;

	for (i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
		q = strlen(quotes[i]);
		if (n > q && memcmp(sym + n - q, quotes[i], q) == 0)
			break;
	}
	if (i == sizeof quotes / sizeof quotes[0])
		return -1;
	n -= q;
	if (n == 3 && memcmp(sym, "BTC", 3) == 0)
		return BASE_BTC;
	if (n == 3 && memcmp(sym, "ETH", 3) == 0)
		return BASE_ETH;
	return BASE_OTHER;
}

struct aggregator {
	struct keymap groups;	/* "venue\0market" -> struct group */
};

static struct group *
find_group(struct aggregator *ag, const struct event *ev)
{
	char key[512];
	size_t n = keymap_key3(key, sizeof key, ev->venue->p, ev->venue->n,
	    ev->market->p, ev->market->n, "", 0);
	struct group *g;

	if (!n)
		return NULL;
	g = keymap_get(&ag->groups, key, n);
	if (g)
		return g;
	g = calloc(1, sizeof *g);
	if (!g)
		die_nomem();
	g->venue = strndup(ev->venue->p, ev->venue->n);
	g->market = strndup(ev->market->p, ev->market->n);
	if (!g->venue || !g->market)
		die_nomem();
	keymap_init(&g->syms);
	if (keymap_put(&ag->groups, key, n, g) < 0)
		die_nomem();
	return g;
}

/* Sum one aggregate (excluding BTC from level 1, ETH from level 2). */
static void
render_total(struct buf *out, const struct group *g, const char *name,
    int level)
{
	const struct sym_bands *first = NULL;
	struct fx bid[BANDS_MAX], ask[BANDS_MAX];
	int complete[BANDS_MAX];
	size_t i;
	int j, n = 0, overflow = 0;

	for (i = 0; i < g->syms.n; i++) {
		const struct sym_bands *sb = g->syms.e[i].val;

		if ((level >= 1 && sb->base == BASE_BTC) ||
		    (level >= 2 && sb->base == BASE_ETH))
			continue;
		if (!first) {
			first = sb;
			for (j = 0; j < sb->n; j++) {
				bid[j] = sb->b[j].bid_value;
				ask[j] = sb->b[j].ask_value;
				complete[j] = sb->b[j].complete;
			}
			n = 1;
			continue;
		}
		n++;
		/* Sum band by band where the percentages agree. */
		for (j = 0; j < first->n && j < sb->n; j++) {
			if (fx_cmp(first->b[j].pct, sb->b[j].pct) != 0)
				continue;
			if (fx_add(bid[j], sb->b[j].bid_value, &bid[j]) < 0 ||
			    fx_add(ask[j], sb->b[j].ask_value, &ask[j]) < 0)
				overflow = 1;
			complete[j] &= sb->b[j].complete;
		}
	}
	if (!first || overflow)
		return;
	buf_adds(out, "{\"type\":\"imbalance\",\"venue\":");
	buf_add_jstr(out, g->venue, strlen(g->venue));
	buf_adds(out, ",\"market\":");
	buf_add_jstr(out, g->market, strlen(g->market));
	buf_adds(out, ",\"symbol\":\"");
	buf_adds(out, name);
	buf_adds(out, "\",\"time\":");
	buf_addi(out, g->time);
	buf_adds(out, ",\"symbols\":");
	buf_addi(out, n);
	buf_adds(out, ",\"bands\":[");
	for (j = 0; j < first->n; j++) {
		struct fx vd;

		if (fx_sub(bid[j], ask[j], &vd) < 0)
			vd.m = 0, vd.s = 0;
		buf_adds(out, j ? ",{\"pct\":" : "{\"pct\":");
		buf_add_fx(out, fx_trim(first->b[j].pct));
		add_field(out, "bid_value", bid[j]);
		add_field(out, "ask_value", ask[j]);
		add_field(out, "value_diff", vd);
		add_ratio(out, "value_ratio", ratio(bid[j], ask[j]));
		buf_adds(out, complete[j] ? ",\"complete\":true}" :
		    ",\"complete\":false}");
	}
	buf_adds(out, "]}\n");
}

static void
emit_group(struct buf *out, struct group *g)
{
	if (!g->dirty)
		return;
	render_total(out, g, "TOTAL", 0);
	render_total(out, g, "TOTAL1", 1);
	render_total(out, g, "TOTAL2", 2);
	g->dirty = 0;
}

/*
 * An event of time t has come: the sums of every earlier time are
 * complete.  mkt-depth --interval writes a window's bands together and
 * then, with --keep, the event that closed the window, so the sums come
 * right after the bands of their own window, not with the next one.
 */
static void
aggregate_until(struct aggregator *ag, int64_t t, struct buf *out)
{
	size_t i;

	for (i = 0; i < ag->groups.n; i++) {
		struct group *g = ag->groups.e[i].val;

		if (g->dirty && g->have_time && g->time < t)
			emit_group(out, g);
	}
}

/* The time of any event, for aggregate_until(); 0 when it has none. */
static int
event_time(const struct event *ev, int64_t *t)
{
	const struct json_span *v = ev->field[EVF_TIME];

	if (ev->has & EV_HAS_TIME) {
		*t = ev->time;
		return 1;
	}
	return v && v->type == JSON_NUMBER && json_int64(v, t) == 0;
}

/* Keep a symbol's latest bands for the sums of its group. */
static void
aggregate(struct aggregator *ag, const struct event *ev,
    const struct sym_bands *sb)
{
	struct group *g = find_group(ag, ev);
	struct sym_bands *mine;
	int base = usd_base(ev->symbol->p, ev->symbol->n);

	if (!g || base < 0)
		return;
	if (ev->has & EV_HAS_TIME) {
		g->time = ev->time;
		g->have_time = 1;
	}
	mine = keymap_get(&g->syms, ev->symbol->p, ev->symbol->n);
	if (!mine) {
		mine = malloc(sizeof *mine);
		if (!mine || keymap_put(&g->syms, ev->symbol->p,
		    ev->symbol->n, mine) < 0)
			die_nomem();
	}
	*mine = *sb;
	mine->base = base;
	g->dirty = 1;
}

static void
aggregate_finish(struct aggregator *ag, struct buf *out)
{
	size_t i;

	for (i = 0; i < ag->groups.n; i++)
		emit_group(out, ag->groups.e[i].val);
}

static void
aggregate_free(struct aggregator *ag)
{
	size_t i, j;

	for (i = 0; i < ag->groups.n; i++) {
		struct group *g = ag->groups.e[i].val;

		for (j = 0; j < g->syms.n; j++)
			free(g->syms.e[j].val);
		keymap_free(&g->syms);
		free(g->venue);
		free(g->market);
		free(g);
	}
	keymap_free(&ag->groups);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct run r;
	struct metrics_run mr;
	struct event ev;
	struct sym_bands sb;
	struct aggregator ag;
	const char *line;
	size_t len, mark;
	int64_t t;
	char why[256];

	err_init("mkt-diff");
	parse_opts(argc, argv, &o);
	run_open(&r, o.run.input, o.run.output, o.run.pass);
	keymap_init(&ag.groups);
	/* The run's counters say it all: bands in, imbalances out. */
	metrics_run_start(&mr, "mkt-diff", &o.run.mo, &r, NULL, NULL);
	while (run_next(&r, &line, &len)) {
		if (event_parse_for(line, len, &ev, CONSUMES, why,
		    sizeof why) < 0) {
			err_line(run_lineno(&r), "%s", why);
			continue;
		}
		if (ev.type != EV_BANDS) {
			if (o.aggregate && event_time(&ev, &t))
				aggregate_until(&ag, t, &r.ob);
			run_pass(&r, line, len);
			continue;
		}
		if (event_fields(&ev, why, sizeof why) < 0 ||
		    read_bands(&ev, &sb, why, sizeof why) < 0) {
			err_line(run_lineno(&r), "%s", why);
			continue;
		}
		if (o.aggregate) {
			if (event_time(&ev, &t))
				aggregate_until(&ag, t, &r.ob);
			aggregate(&ag, &ev, &sb);
		}
		mark = r.ob.len;
		if (render_imbalance(&r.ob, &ev, &sb) < 0) {
			r.ob.len = mark;
			err_line(run_lineno(&r), "imbalance out of range");
		}
		/* The bands go on too: a journal builds its history from
		 * them, and the imbalance only annotates them. */
		run_pass(&r, line, len);
	}
	if (o.aggregate)
		aggregate_finish(&ag, &r.ob);
	metrics_run_end(&mr);
	aggregate_free(&ag);
	run_close(&r);
	return 0;
}
