/*
 * fuzz_event: libFuzzer harness for the event reader and everything
 * behind it.  Each input line goes through the strict scanner,
 * event_parse() and event_parse_for(), which must agree on what is
 * valid JSON; the scanner's invariants are checked on what it accepted;
 * the fields and level arrays are decoded, and book events feed two
 * booksets (every update, and 1-second windows with checkpoints every
 * second, whose snapshots read back their coverage) whose render
 * callback prints books and bands.  Every line they produce must itself be a
 * valid JSON object.  Intents and cancels go through tevent; an
 * instrument read and rendered reads back as the same rules; a trade
 * makes a candle, and a candle read back (or merged into itself) is
 * the same candle.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/bands.h"
#include "market/book.h"
#include "market/bookset.h"
#include "base/buf.h"
#include "event/candle.h"
#include "event/event.h"
#include "event/instrument.h"
#include "event/tevent.h"
#include "base/fixed.h"
#include "base/json.h"
#include "venue/venue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

/*
 * Walk a value the scanner accepted: array elements lie inside the
 * array and the walk ends; numbers parse as decimals (never a syntax
 * error); strings decode.
 */
static void
walk(const struct json_span *v, int depth)
{
	struct json_iter it;
	struct json_span e;
	struct fx x;
	int64_t i;
	size_t count = 0;
	char *d;
	int r;

	switch (v->type) {
	case JSON_ARRAY:
		check(v->n >= 2 && v->p[0] == '[' && v->p[v->n - 1] == ']');
		json_iter_init(&it, v);
		while (json_next(&it, &e)) {
			const char *lo = v->p + 1, *hi = v->p + v->n - 1;

			check(++count <= v->n);
			if (e.type == JSON_STRING)
				check(e.p - 1 >= lo && e.p + e.n + 1 <= hi);
			else
				check(e.p >= lo && e.p + e.n <= hi && e.n > 0);
			if (depth < 8)
				walk(&e, depth + 1);
		}
		break;
	case JSON_NUMBER:
		r = fx_parse(v->p, v->n, &x);
		check(r == FX_OK || r == FX_RANGE);
		if (json_int64(v, &i) == 0) {
			char t[32];

			check(v->n < sizeof t);
			memcpy(t, v->p, v->n);
			t[v->n] = '\0';
			check(strtoll(t, NULL, 10) == i);
		}
		break;
	case JSON_STRING:
		d = malloc((size_t)v->n + 8);
		check(d != NULL);
		r = json_str_copy(v, d, (size_t)v->n + 8);
		/* Decoding never grows a string; only \u0000 is refused. */
		check(r >= -1 && r <= (int)v->n);
		if (r < 0)
			check(v->escaped);
		else
			check(d[r] == '\0' &&
			    memchr(d, '\0', (size_t)r) == NULL);
		free(d);
		break;
	default:
		break;
	}
}

/* Every line in out[from..] is a complete JSON object. */
static void
check_lines(const struct buf *out, size_t from)
{
	static struct json_obj o;
	const char *p, *end;

	if (!out->p)
		return;
	p = out->p + from;
	end = out->p + out->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *why;
		size_t where;

		check(nl != NULL);
		check(json_parse_object(p, (size_t)(nl - p), &o, &why,
		    &where) == 0);
		p = nl + 1;
	}
}

static void
render(void *ctx, struct buf *out, struct book *b)
{
	const struct bands_cfg *cfg = ctx;
	struct band_sum sum[BANDS_MAX];
	int i;

	check(book_valid(b));
	book_render(out, b, 5);
	if (bands_compute(b, cfg, sum) < 0) {
		check(errno == EDOM || errno == ERANGE || errno == ENOMEM);
		return;
	}
	/* Wider bands hold at least as much, and are complete only when
	 * the narrower ones are. */
	for (i = 1; i < cfg->n; i++) {
		check(sum[i].bid_qty >= sum[i - 1].bid_qty);
		check(sum[i].ask_qty >= sum[i - 1].ask_qty);
		check(sum[i].bid_value >= sum[i - 1].bid_value);
		check(sum[i].ask_value >= sum[i - 1].ask_value);
		check(!sum[i].complete || sum[i - 1].complete);
	}
	bands_render(out, b, cfg, sum);
}

/* What mkt-depth consumes; its level arrays are validated late. */
#define CONSUMES (EV_BIT(EV_SNAPSHOT) | EV_BIT(EV_DEPTH) | EV_BIT(EV_BOOK))

/* Are the levels of a consumed event refused, as invalid JSON must be? */
static int
levels_refused(struct event *ev, struct levels *l)
{
	char why[256];

	if (!(CONSUMES & EV_BIT(ev->type)))
		return 0;
	if (event_fields(ev, why, sizeof why) < 0)
		return 1;
	return event_levels(ev->bids, l, "bids", why, sizeof why) < 0 ||
	    event_levels(ev->asks, l, "asks", why, sizeof why) < 0;
}

/*
 * The strict scanner and the lazy one with the programs' late checks
 * must agree on what is valid JSON: a line the strict scanner refuses
 * is refused by event_parse(), and by event_parse_for() either at once
 * or when its levels are decoded.
 */
static void
differential(const char *p, size_t n, struct levels *l)
{
	static struct json_obj o;
	static struct event ev;
	const char *swhy;
	size_t where;
	char why[256];
	int strict, r;

	strict = json_parse_object(p, n, &o, &swhy, &where) == 0;
	r = event_parse(p, n, &ev, why, sizeof why);
	if (strict)
		check(r == 0 || strncmp(why, "invalid JSON", 12) != 0);
	else
		check(r < 0);
	r = event_parse_for(p, n, &ev, CONSUMES, why, sizeof why);
	if (strict)
		check(r == 0 || strncmp(why, "invalid JSON", 12) != 0);
	else
		check(r < 0 || levels_refused(&ev, l));
}

/*
 * An intent or cancel that tevent accepts holds what mkt-exec relies
 * on: a positive quantity whose text reads back as the same value, a
 * price exactly for limits, known words; rendered back into an order
 * event, it is valid JSON.
 */
static void
trading(const struct event *ev, struct buf *out)
{
	static struct intent it;
	static struct cancel c;
	struct tev_order o;
	struct fx v;
	char why[256];

	if (tevent_is(ev, "intent") &&
	    tevent_intent(ev, &it, why, sizeof why) == 0) {
		check(it.id[0] && it.symbol[0] && it.qty_fx.m > 0);
		check(fx_parse(it.qty, strlen(it.qty), &v) == FX_OK &&
		    fx_cmp(v, it.qty_fx) == 0);
		check(strcmp(it.side, "buy") == 0 ||
		    strcmp(it.side, "sell") == 0);
		check((strcmp(it.kind, "limit") == 0) == (it.price[0] != 0));
		if (it.price[0])
			check(fx_parse(it.price, strlen(it.price), &v) ==
			    FX_OK && v.m > 0 && fx_cmp(v, it.price_fx) == 0);
		memset(&o, 0, sizeof o);
		o.venue = it.venue;
		o.market = it.market;
		o.symbol = it.symbol;
		o.id = it.id;
		o.side = it.side;
		o.kind = it.kind;
		o.qty = it.qty;
		o.price = it.price;
		o.tif = it.tif;
		o.status = "pending";
		buf_reset(out);
		tevent_render_order(out, &o);
		check(!buf_failed(out));
		check_lines(out, 0);
	}
	if (tevent_is(ev, "cancel") &&
	    tevent_cancel(ev, &c, why, sizeof why) == 0)
		check(c.id[0] && (c.target[0] || c.symbol[0]));
}

/*
 * An order or fill event that tevent reads back (a journal's replay)
 * renders into a line that reads back as the same fields.
 */
static void
replayed(const struct event *ev, struct buf *out)
{
	static struct tev_order_in a, b;
	static struct tev_fill_in f, g;
	static struct event back;
	struct tev_order o;
	struct tev_fill w;
	char why[256];

	if (tevent_is(ev, "order") &&
	    tevent_order_in(ev, &a, why, sizeof why) == 0) {
		check(a.client_id[0] && a.status[0] && a.filled_qty[0]);
		memset(&o, 0, sizeof o);
		o.venue = a.venue;
		o.market = a.market;
		o.symbol = a.symbol;
		o.time = a.time;
		o.id = a.id;
		o.client_id = a.client_id;
		o.order_id = a.order_id;
		o.side = a.side;
		o.kind = a.kind;
		o.qty = a.qty;
		o.price = a.price;
		o.tif = a.tif;
		o.status = a.status;
		o.filled_qty = a.filled_qty;
		o.avg_price = a.avg_price;
		buf_reset(out);
		tevent_render_order(out, &o);
		check(!buf_failed(out));
		check_lines(out, 0);
		check(event_parse(out->p, out->len - 1, &back, why,
		    sizeof why) == 0);
		check(tevent_order_in(&back, &b, why, sizeof why) == 0);
		check(!strcmp(a.client_id, b.client_id) &&
		    !strcmp(a.status, b.status) && a.time == b.time);
	}
	if (tevent_is(ev, "fill") &&
	    tevent_fill_in(ev, &f, why, sizeof why) == 0) {
		check(f.trade_id[0] && f.price[0] && f.qty[0]);
		memset(&w, 0, sizeof w);
		w.venue = f.venue;
		w.market = f.market;
		w.symbol = f.symbol;
		w.time = f.time;
		w.id = f.id;
		w.client_id = f.client_id;
		w.order_id = f.order_id;
		w.trade_id = f.trade_id;
		w.side = f.side;
		w.price = f.price;
		w.qty = f.qty;
		w.fee = f.fee;
		w.fee_asset = f.fee_asset;
		w.maker = -1;
		buf_reset(out);
		tevent_render_fill(out, &w);
		check(!buf_failed(out));
		check_lines(out, 0);
		check(event_parse(out->p, out->len - 1, &back, why,
		    sizeof why) == 0);
		check(tevent_fill_in(&back, &g, why, sizeof why) == 0);
		check(!strcmp(f.trade_id, g.trade_id) && f.time == g.time);
	}
}

/* The rules an instrument reader accepts survive their rendering. */
static void
instrument_roundtrip(const struct event *ev, struct buf *out)
{
	static struct instrument a, b;
	static struct event back;
	char why[256];

	if (!tevent_is(ev, "instrument") ||
	    instrument_read(ev, &a, why, sizeof why) < 0)
		return;
	check(a.venue[0] && a.market[0] && a.symbol[0]);
	buf_reset(out);
	instrument_render(out, &a);
	check(!buf_failed(out));
	check_lines(out, 0);
	check(event_parse(out->p, out->len - 1, &back, why,
	    sizeof why) == 0);
	check(instrument_read(&back, &b, why, sizeof why) == 0);
	check(a.has == b.has && strcmp(a.symbol, b.symbol) == 0);
	check(fx_cmp(a.tick, b.tick) == 0 && fx_cmp(a.step, b.step) == 0 &&
	    fx_cmp(a.min_qty, b.min_qty) == 0 &&
	    fx_cmp(a.min_notional, b.min_notional) == 0 &&
	    fx_cmp(a.max_qty, b.max_qty) == 0);
	if (a.has & INSTR_TICK)
		check(instrument_on_step(a.tick, a.tick));
}

static int
same_candle(const struct candle *a, const struct candle *b)
{
	return a->interval == b->interval && a->open_time == b->open_time &&
	    a->trades == b->trades && !strcmp(a->symbol, b->symbol) &&
	    fx_cmp(a->open, b->open) == 0 && fx_cmp(a->high, b->high) == 0 &&
	    fx_cmp(a->low, b->low) == 0 && fx_cmp(a->close, b->close) == 0 &&
	    fx_cmp(a->volume, b->volume) == 0 &&
	    fx_cmp(a->quote_volume, b->quote_volume) == 0 &&
	    fx_cmp(a->buy_volume, b->buy_volume) == 0;
}

/* Render c, read it back: the same candle. */
static void
candle_roundtrip(const struct candle *c, struct buf *out)
{
	static struct candle back;
	static struct event ev;
	char why[256];

	buf_reset(out);
	candle_render(out, c);
	check(!buf_failed(out));
	check_lines(out, 0);
	check(event_parse(out->p, out->len - 1, &ev, why, sizeof why) == 0);
	check(candle_read(&ev, &back, why, sizeof why) == 0);
	check(same_candle(c, &back));
}

/*
 * A trade that reads makes a one-trade candle whose prices are its
 * own; a candle that reads survives rendering, and merged with itself
 * keeps its prices and doubles its count.
 */
static void
candles(const struct event *ev, struct buf *out)
{
	static struct candle c, d;
	struct candle_trade t;
	char why[256];

	if (ev->type == EV_TRADE &&
	    candle_trade_read(ev, &t, why, sizeof why) == 0 &&
	    candle_start(&c, &t, 60000, candle_window(t.time, 60000) *
	    60000) == 0 && candle_add(&c, &t) == 0) {
		check(c.trades == 1 && fx_cmp(c.open, t.price) == 0 &&
		    fx_cmp(c.high, c.low) == 0 &&
		    fx_cmp(c.volume, t.qty) == 0);
		check(c.open_time <= t.time && t.time - c.open_time < 60000);
		candle_roundtrip(&c, out);
	}
	if (tevent_is(ev, "candle") &&
	    candle_read(ev, &c, why, sizeof why) == 0) {
		candle_roundtrip(&c, out);
		d = c;
		if (candle_merge(&d, &c) == 0)
			check(d.trades == 2 * c.trades &&
			    fx_cmp(d.high, c.high) == 0 &&
			    fx_cmp(d.low, c.low) == 0);
	}
}

static void
one_line(const char *p, size_t n, struct bookset *bs, int nbs,
    struct levels *l, struct buf *out)
{
	static struct event ev;
	char why[256];
	size_t from;
	int i, r;

	differential(p, n, l);
	if (event_parse_for(p, n, &ev, CONSUMES, why, sizeof why) < 0) {
		check(memchr(why, '\0', sizeof why) != NULL);
		return;
	}
	for (i = 0; i < ev.obj.n; i++) {
		struct json_span v = ev.obj.m[i].val;
		const char *cwhy;
		size_t at;

		check(ev.obj.m[i].key.type == JSON_STRING);
		/* Only the consumed levels may be left unchecked. */
		if (v.unchecked && json_check(&v, &cwhy, &at) < 0)
			continue;
		walk(&v, 0);
	}
	if (ev.type == EV_OTHER) {
		trading(&ev, out);
		replayed(&ev, out);
		instrument_roundtrip(&ev, out);
	}
	candles(&ev, out);
	if (event_fields(&ev, why, sizeof why) < 0)
		return;
	if (ev.bids) {
		r = event_levels(ev.bids, l, "bids", why, sizeof why);
		for (i = 0; r == 0 && (size_t)i < l->n; i++)
			check(l->lv[i].px.m > 0 && l->lv[i].qty.m >= 0);
	}
	if (ev.asks)
		(void)event_levels(ev.asks, l, "asks", why, sizeof why);
	if (!bookset_wants(ev.type))
		return;
	for (i = 0; i < nbs; i++) {
		buf_reset(out);
		from = out->len;
		bookset_checkpoint_due(&bs[i], &ev, out);
		if (bookset_feed(&bs[i], &ev, out, why, sizeof why) < 0)
			check(errno != ENOMEM);
		check(!buf_failed(out));
		check_lines(out, from);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bands_cfg cfg;
	static int once;
	const char *p = (const char *)data, *end = p + size;
	struct bookset bs[2];
	struct levels l = { NULL, 0, 0 };
	struct buf out;

	if (!once) {
		check(bands_parse("0.000001,0.01,1.5,3,5,8,15,30,100",
		    &cfg) == 0);
		once = 1;
	}
	bookset_init(&bs[0], "fuzz", 0, render, &cfg);
	bookset_init(&bs[1], "fuzz", 1000, render, &cfg);
	/* The venues' sync rules, as mkt-book takes them. */
	bookset_rules(&bs[0], venue_seq_rule);
	bookset_rules(&bs[1], venue_seq_rule);
	bookset_checkpoints(&bs[1], 1000);
	buf_init(&out, 1 << 24);

	/* The whole input as one line, then line by line. */
	one_line(p, size, bs, 2, &l, &out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		one_line(p, n, bs, 2, &l, &out);
		p += n + (nl != NULL);
	}
	buf_reset(&out);
	bookset_finish(&bs[1], &out);
	check(!buf_failed(&out));
	check_lines(&out, 0);

	buf_free(&out);
	levels_free(&l);
	bookset_free(&bs[0]);
	bookset_free(&bs[1]);
	return 0;
}
