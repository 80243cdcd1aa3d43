/*
 * orders_truth.c: what mkt-sim's private side holds, for tests to
 * compare a client's state with: GET /sim/orders (every order placed,
 * with its fills) and GET /sim/positions (positions and balances), as
 * NDJSON, unsigned.
 */
#include <string.h>

#include "base/fixed.h"

#include "orders.h"

static const char *
status_word(enum so_status st)
{
	static const char *w[] = { "new", "partially_filled", "filled",
	    "canceled", "expired" };

	return w[st];
}

/* An id as the venue's API shows it: Bybit's as UUIDs, Binance's as
 * numbers. */
static void
put_venue_id(struct buf *b, const struct mk_info *mi, const char *prefix,
    uint64_t id)
{
	if (strcmp(mi->venue, "bybit") == 0)
		put_uuid(b, prefix, id);
	else
		buf_addi(b, (int64_t)id);
}

void
truth_orders(struct sim *s, struct buf *b)
{
	size_t i, j;

	for (i = 0; i < s->eng.norders; i++) {
		const struct so_order *o = s->eng.orders[i];
		const struct mk_info *mi = &mk_info[o->market];

		buf_adds(b, "{\"venue\":\"");
		buf_adds(b, mi->venue);
		buf_adds(b, "\",\"market\":\"");
		buf_adds(b, mi->market);
		buf_adds(b, "\",\"symbol\":\"");
		buf_adds(b, o->symbol);
		buf_adds(b, "\",\"client_id\":");
		buf_add_jstr(b, o->client_id, strlen(o->client_id));
		put_key_int(b, ",\"order_id\":", (int64_t)o->order_id);
		/* And as the venue's API writes it (Bybit: a UUID). */
		buf_adds(b, ",\"venue_order_id\":\"");
		put_venue_id(b, mi, "5a1d0000", o->order_id);
		buf_addc(b, '"');
		buf_adds(b, o->side == SO_BUY ? ",\"side\":\"buy\"" :
		    ",\"side\":\"sell\"");
		buf_adds(b, ",\"status\":\"");
		buf_adds(b, status_word(o->status));
		buf_adds(b, "\",\"price\":\"");
		if (o->type == SO_LIMIT)
			put_px(b, s, o, o->px, -1);
		buf_adds(b, "\",\"qty\":\"");
		put_qty(b, o->qty, -1);
		buf_adds(b, "\",\"filled\":\"");
		put_qty(b, o->filled, -1);
		buf_adds(b, "\",\"fills\":[");
		for (j = 0; j < o->nfills; j++) {
			const struct so_fill *f = &o->fills[j];

			buf_adds(b, j ? ",{" : "{");
			put_key_int(b, "\"trade_id\":", (int64_t)f->trade_id);
			buf_adds(b, ",\"venue_trade_id\":\"");
			put_venue_id(b, mi, "e0ec0000", f->trade_id);
			buf_addc(b, '"');
			buf_adds(b, ",\"price\":\"");
			put_px(b, s, o, f->px, -1);
			buf_adds(b, "\",\"qty\":\"");
			put_qty(b, f->qty, -1);
			buf_adds(b, "\",\"fee\":\"");
			put_amount(b, f->fee, -1);
			buf_adds(b, f->maker ? "\",\"maker\":true}" :
			    "\",\"maker\":false}");
		}
		buf_adds(b, "]}\n");
	}
}

void
truth_positions(struct sim *s, struct buf *b)
{
	size_t i;

	for (i = 0; i < s->eng.npos; i++) {
		const struct so_position *p = &s->eng.pos[i];
		const struct mk_info *mi = &mk_info[p->market];

		buf_adds(b, "{\"type\":\"position\",\"venue\":\"");
		buf_adds(b, mi->venue);
		buf_adds(b, "\",\"market\":\"");
		buf_adds(b, mi->market);
		buf_adds(b, "\",\"symbol\":\"");
		buf_adds(b, p->symbol);
		buf_adds(b, "\",\"qty\":\"");
		put_qty(b, p->qty, -1);
		buf_adds(b, "\",\"entry\":\"");
		if (p->qty)
			buf_add_fx(b, fx_trim((struct fx){ (fx_i128)p->cost *
			    100000000 / p->qty, 8 }));
		else
			buf_addc(b, '0');
		buf_adds(b, "\",\"realised\":\"");
		put_amount(b, p->realised, -1);
		buf_adds(b, "\"}\n");
	}
	for (i = 0; i < s->eng.nbal; i++) {
		const struct so_balance *a = &s->eng.bal[i];
		const struct mk_info *mi = &mk_info[a->market];

		buf_adds(b, "{\"type\":\"balance\",\"venue\":\"");
		buf_adds(b, mi->venue);
		buf_adds(b, "\",\"market\":\"");
		buf_adds(b, mi->market);
		buf_adds(b, "\",\"asset\":\"");
		buf_adds(b, a->asset);
		buf_adds(b, "\",\"amount\":\"");
		put_amount(b, a->amount, -1);
		buf_adds(b, "\"}\n");
	}
}
