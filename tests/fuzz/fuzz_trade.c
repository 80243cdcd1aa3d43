/*
 * fuzz_trade: libFuzzer harness for the private side of the venues
 * (venue/trade.h): every market's parse() and stream_parse(), and
 * build() on fields taken from the input.  The first byte picks the
 * market (bits 0-1), answer or stream message (bit 2) and the request
 * (bits 3-6; 15: build); for an answer the second byte picks the HTTP
 * status.  The rest is the body, or for build() lines: symbol, client
 * id, quantity, price, the venue's order id (and trade id to start
 * from), a page cursor; the length picks the rest.
 *
 * Checked: results and outcomes are in range; an answer to a request
 * that changes something that cannot be read is VT_UNKNOWN; updates
 * already in the list are left alone; every text member of an update
 * is NUL-terminated and every status one of mkt's words; a request
 * that builds is NUL-terminated and holds no line break in its URL or
 * headers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "venue/venue.h"
#include "venue/trade.h"
#include "base/buf.h"

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
terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void
check_update(const struct vt_update *u)
{
	static const char *const words[] = { "", "new", "partially_filled",
	    "filled", "canceled", "rejected", "expired" };
	size_t i;
	int known = 0;

	check(u->kind >= VT_U_ORDER && u->kind <= VT_U_BALANCE);
	check(terminated(u->symbol, sizeof u->symbol));
	check(terminated(u->client_id, sizeof u->client_id));
	check(terminated(u->order_id, sizeof u->order_id));
	check(terminated(u->trade_id, sizeof u->trade_id));
	check(terminated(u->fee_asset, sizeof u->fee_asset));
	check(terminated(u->asset, sizeof u->asset));
	check(terminated(u->status, sizeof u->status));
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		known |= strcmp(u->status, words[i]) == 0;
	check(known);
	check(u->kind != VT_U_ORDER || u->status[0] || u->order_id[0]);
	check(u->kind != VT_U_FILL || u->trade_id[0]);
}

/* The answer's list after a call: the sentinel kept, the rest sound. */
static void
check_answer(const struct vt_answer *a, const struct vt_update *sentinel)
{
	size_t i;

	check(a->up.n >= 1);
	check(memcmp(&a->up.u[0], sentinel, sizeof *sentinel) == 0);
	check(a->outcome >= VT_OK && a->outcome <= VT_AUTH);
	check(terminated(a->msg, sizeof a->msg));
	check(terminated(a->listen_key, sizeof a->listen_key));
	check(terminated(a->cursor, sizeof a->cursor));
	check(a->retry_after_ms >= 0);
	for (i = 1; i < a->up.n; i++)
		check_update(&a->up.u[i]);
}

static void
fuzz_build(const struct venue_market *m, const char *p, size_t n)
{
	static const struct vt_keys k = { "key", 3,
	    (const unsigned char *)"secret", 6 };
	char fields[6][256], why[128];
	struct vt_order o;
	struct vt_req r;
	size_t i, f = 0, len = 0;
	int w, h;

	memset(fields, 0, sizeof fields);
	for (i = 0; i < n && f < 6; i++) {
		if (p[i] == '\n' || len == sizeof fields[0] - 1) {
			f++;
			len = 0;
			continue;
		}
		fields[f][len++] = p[i] ? p[i] : '0';
	}
	memset(&o, 0, sizeof o);
	o.symbol = fields[0];
	o.client_id = fields[1][0] ? fields[1] : NULL;
	o.qty = fields[2];
	o.price = fields[3][0] ? fields[3] : NULL;
	o.order_id = fields[4][0] ? fields[4] : NULL;
	o.side = n & 1 ? VT_BUY : VT_SELL;
	o.kind = n & 2 ? VT_LIMIT : VT_MARKET;
	o.tif = (enum vt_tif)((n >> 2) & 3);
	o.reduce_only = (n >> 4) & 1;
	o.from_id = (n >> 5) & 1 ? o.order_id : NULL;
	o.start_ms = (n >> 6) & 1 ? 1700000000000 - (int64_t)n : 0;
	o.cursor = fields[5][0] ? fields[5] : NULL;
	o.limit = (int)(n % 1200);
	for (w = 0; w < VT_REQ_COUNT; w++) {
		if (m->trade->build(m, (enum vt_what)w, &k, &o, 1700000000000,
		    5000, "abc", &r, why, sizeof why) < 0) {
			check(terminated(why, sizeof why) && why[0]);
			continue;
		}
		check(terminated(r.url, sizeof r.url));
		check(terminated(r.body, sizeof r.body));
		check(!strpbrk(r.url, "\r\n \""));
		check(!strpbrk(r.body, "\r\n"));
		for (h = 0; h < VT_HEADERS; h++) {
			check(terminated(r.headers[h], VT_HEADER_LEN));
			check(!strpbrk(r.headers[h], "\r\n"));
		}
		check(r.weight >= 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int statuses[] = { 200, 400, 401, 403, 404, 418, 429,
	    500, 502, 503, -1, 201, 0, 302, 599, 600 };
	const struct venue_market *m;
	struct vt_update sentinel;
	struct vt_answer a;
	unsigned sel, what;
	int rc, status = 200;
	const char *body;
	size_t n;

	if (size < 1)
		return 0;
	sel = data[0];
	m = market(sel & 3);
	check(m && m->trade);
	what = (sel >> 3) & 15;
	body = (const char *)data + 1;
	n = size - 1;
	if (what == 15) {
		fuzz_build(m, body, n);
		return 0;
	}
	what %= VT_REQ_COUNT;
	memset(&a, 0x5a, sizeof a);
	memset(&a.up, 0, sizeof a.up);
	check(vt_updates_add(&a.up, VT_U_BALANCE) != NULL);
	memcpy(a.up.u[0].asset, "KEEP", 5);
	sentinel = a.up.u[0];
	if (sel & 4) {
		enum vt_stream_kind k = m->trade->stream_parse(m, body, n, &a);

		check(k >= VT_S_IGNORED && k <= VT_S_ERROR);
		check(k != VT_S_DATA || a.up.n > 1);
		check(k != VT_S_ERROR || a.msg[0]);
	} else {
		if (n >= 1) {
			status = statuses[data[1] & 15];
			body++;
			n--;
		}
		rc = m->trade->parse(m, (enum vt_what)what, status, body, n,
		    &a);
		check(rc == 0 || rc == -1);
		check(rc == 0 || a.outcome == VT_UNKNOWN);
		check(rc == 0 || a.up.n == 1);
		check(a.outcome != VT_OK || (status >= 200 && status < 300));
	}
	check_answer(&a, &sentinel);
	vt_updates_free(&a.up);
	return 0;
}
