/* tvt: see tvt.h. */
#include <stdio.h>
#include <string.h>

#include "tvt.h"

const char *
tvt_fx(struct fx v)
{
	static char b[8][FX_BUFSZ + 1];
	static int i;
	char *p = b[i++ & 7], *e = fx_format(v, p);

	*e = '\0';
	return p;
}

/* One update in one line, every member of its kind. */
const char *
tvt_show(const struct vt_update *u)
{
	static char s[1024];
	const char *side = u->side == VT_BUY ? "buy" : u->side == VT_SELL ?
	    "sell" : "-";

	switch (u->kind) {
	case VT_U_ORDER:
		snprintf(s, sizeof s, "order %s c=%s o=%s %s %s %s q=%s p=%s "
		    "f=%s avg=%s t=%lld", u->symbol, u->client_id,
		    u->order_id, side, u->status[0] ? u->status : "?",
		    u->okind == VT_MARKET ? "market" : u->okind == VT_LIMIT ?
		    "limit" : "-", tvt_fx(u->qty), tvt_fx(u->price),
		    tvt_fx(u->filled_qty), tvt_fx(u->avg_price),
		    (long long)u->time_ms);
		break;
	case VT_U_FILL:
		snprintf(s, sizeof s, "fill %s c=%s o=%s %s id=%s %s@%s fee=%s"
		    " %s maker=%d t=%lld", u->symbol, u->client_id,
		    u->order_id, side, u->trade_id, tvt_fx(u->fill_qty),
		    tvt_fx(u->fill_price), tvt_fx(u->fee), u->fee_asset, u->maker,
		    (long long)u->time_ms);
		break;
	case VT_U_POSITION:
		snprintf(s, sizeof s, "position %s %s entry=%s upnl=%s t=%lld",
		    u->symbol, tvt_fx(u->pos_qty), tvt_fx(u->entry_price),
		    tvt_fx(u->upnl), (long long)u->time_ms);
		break;
	case VT_U_BALANCE:
		snprintf(s, sizeof s, "balance %s free=%s locked=%s t=%lld",
		    u->asset, tvt_fx(u->free), tvt_fx(u->locked),
		    (long long)u->time_ms);
		break;
	}
	return s;
}

const char *
tvt_all(const struct vt_answer *a)
{
	static char s[8192];
	size_t i, n = 0;

	s[0] = '\0';
	for (i = 0; i < a->up.n && n < sizeof s; i++)
		n += (size_t)snprintf(s + n, sizeof s - n, "%s\n",
		    tvt_show(&a->up.u[i]));
	return s;
}

struct vt_order
tvt_order(const char *symbol, const char *cid, enum vt_side side,
    enum vt_kind kind, enum vt_tif tif, const char *qty, const char *price)
{
	struct vt_order o;

	memset(&o, 0, sizeof o);
	o.symbol = symbol;
	o.client_id = cid;
	o.side = side;
	o.kind = kind;
	o.tif = tif;
	o.qty = qty;
	o.price = price;
	return o;
}
