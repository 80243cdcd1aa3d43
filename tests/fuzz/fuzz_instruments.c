/*
 * fuzz_instruments: libFuzzer harness for the venues' instrument list
 * parsers (venue.h, venue_instruments_parse_fn) and the URLs built from
 * what they return.  The first byte picks the market (bits 0-1) and the
 * HTTP status (bits 2-4); the rest is the answer's body.
 *
 * Checked: every instrument has its venue, market and a symbol, each
 * NUL-terminated and not empty; every rule it states is above zero and
 * has its bit; it renders as one event line that reads back as the same
 * instrument; the cursor is NUL-terminated, and a URL built on it has
 * no byte a request line cannot carry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "event/event.h"
#include "event/instrument.h"
#include "venue/venue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static const struct venue_market *
market(unsigned i)
{
	static const char *const v[] = { "binance", "binance", "bybit",
	    "bybit" };
	static const char *const m[] = { "spot", "futures", "linear",
	    "spot" };

	return venue_find(v[i], strlen(v[i]), m[i], strlen(m[i]));
}

static int
name_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL && s[0] != '\0';
}

static int
same_fx(struct fx a, struct fx b)
{
	return fx_cmp(a, b) == 0;
}

/* Rendered and read back, an instrument is itself. */
static void
round_trip(const struct instrument *in)
{
	struct buf b;
	struct event ev;
	struct instrument back;
	char why[256];

	buf_init(&b, 0);
	instrument_render(&b, in);
	check(!buf_failed(&b) && b.len > 0 && b.p[b.len - 1] == '\n');
	check(memchr(b.p, '\n', b.len - 1) == NULL);
	check(event_parse(b.p, b.len - 1, &ev, why, sizeof why) == 0);
	check(instrument_read(&ev, &back, why, sizeof why) == 0);
	check(strcmp(back.symbol, in->symbol) == 0);
	check(back.has == in->has);
	check(!(in->has & INSTR_TICK) || same_fx(back.tick, in->tick));
	check(!(in->has & INSTR_STEP) || same_fx(back.step, in->step));
	check(!(in->has & INSTR_MIN_QTY) ||
	    same_fx(back.min_qty, in->min_qty));
	check(!(in->has & INSTR_MIN_NOTIONAL) ||
	    same_fx(back.min_notional, in->min_notional));
	check(!(in->has & INSTR_MAX_QTY) ||
	    same_fx(back.max_qty, in->max_qty));
	buf_free(&b);
}

static int
each(const struct instrument *in, void *ctx)
{
	const struct venue_market *m = ctx;

	check(name_ok(in->venue, sizeof in->venue));
	check(name_ok(in->market, sizeof in->market));
	check(name_ok(in->symbol, sizeof in->symbol));
	check(strcmp(in->venue, venue_name(m)) == 0);
	check(strcmp(in->market, venue_market(m)) == 0);
	check((in->has & ~0x1fu) == 0);
	check(!(in->has & INSTR_TICK) || in->tick.m > 0);
	check(!(in->has & INSTR_STEP) || in->step.m > 0);
	check(!(in->has & INSTR_MIN_QTY) || in->min_qty.m > 0);
	check(!(in->has & INSTR_MIN_NOTIONAL) || in->min_notional.m > 0);
	check(!(in->has & INSTR_MAX_QTY) || in->max_qty.m > 0);
	/* Names the event format cannot hold in full are cut when read
	 * back: only a whole one must come back as it went. */
	if (strlen(in->symbol) < sizeof in->symbol - 1)
		round_trip(in);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int statuses[] = { 200, 200, 200, 200, 400, 403, 429,
	    500 };
	static const char *const syms[] = { "BTCUSDT", "ETHUSDT" };
	const struct venue_market *m;
	char cursor[VENUE_CURSOR_LEN], why[512], url[1024];
	size_t i;
	int weight;

	if (size < 1)
		return 0;
	m = market(data[0] & 3);
	check(m != NULL);
	memset(cursor, 'x', sizeof cursor);
	if (venue_instruments_parse(m, statuses[(data[0] >> 2) & 7],
	    (const char *)data + 1, size - 1, each, (void *)m, cursor,
	    sizeof cursor, why, sizeof why) < 0) {
		check(memchr(why, '\0', sizeof why) != NULL && why[0]);
		return 0;
	}
	check(memchr(cursor, '\0', sizeof cursor) != NULL);
	if (venue_instruments_url(m, syms, 2, cursor, url, sizeof url,
	    &weight) < 0)
		return 0;
	check(weight > 0);
	for (i = 0; url[i]; i++)
		check(url[i] > ' ' && url[i] < 0x7f);
	return 0;
}
