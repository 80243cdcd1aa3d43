/*
 * fuzz_event: libFuzzer harness for the event reader and everything
 * behind it.  Each input line goes through the strict scanner,
 * event_parse() and event_parse_for(), which must agree on what is
 * valid JSON; the scanner's invariants are checked on what it accepted;
 * the fields and level arrays are decoded, and book events feed two
 * booksets (every update, and 1-second windows with checkpoints every
 * second, whose snapshots read back their coverage) whose render
 * callback prints books and bands.  Every line they produce must itself be a
 * valid JSON object.
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
#include "event/event.h"
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
