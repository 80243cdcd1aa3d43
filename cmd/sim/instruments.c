/*
 * instruments.c: the venues' instrument lists for the symbols mkt-sim
 * serves, in the venues' shapes (decimals as strings): Binance GET
 * /api/v3/exchangeInfo (all, ?symbol= or ?symbols=[...]) and
 * /fapi/v1/exchangeInfo, Bybit GET /v5/market/instruments-info
 * (category, symbol, limit, cursor).
 *
 * The rules are those the simulator's orders are held to: the tick is
 * its market's price step, the step its lot; the minimum quantity is
 * one lot, the most a thousand times its largest typical level; the
 * minimum notional is 5 (USDT), as on the venues.  Bybit linear lists
 * come in pages of at most SIM_INSTR_PAGE, whatever the limit asked,
 * so that clients' paging is exercised with a handful of symbols.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fixed.h"
#include "base/timeutil.h"

#include "sim.h"

#define SIM_INSTR_PAGE 2
#define MIN_NOTIONAL 500000000	/* 5, in 1e-8 */
#define BN_DP 8			/* Binance spot writes 8 decimals */
#define CURSOR_MARK "next%3D"	/* a cursor as the venue writes one */

/* The rules of one served instrument, as exact fixed point. */
struct rules {
	struct fx tick, step, min_qty, max_qty, min_notional;
	int px_dp, qty_dp;	/* the decimals the venue writes */
};

/* The decimals a lot needs (1000 in 1e-8 is 0.00001: 5). */
static int
lot_dp(int64_t lot)
{
	int dp = SM_QTY_DP;

	while (dp > 0 && lot > 0 && lot % 10 == 0) {
		lot /= 10;
		dp--;
	}
	return dp;
}

static void
rules_of(const struct inst *in, struct rules *r)
{
	const struct sm_params *p = &in->sm->p;
	int64_t lot = p->lot > 0 ? p->lot : 1;
	int64_t max = p->qty_max > 0 ? p->qty_max * 1000 : lot * 1000000000;

	max -= max % lot;
	r->tick = (struct fx){ p->tick, p->px_dp };
	r->step = (struct fx){ lot, SM_QTY_DP };
	r->min_qty = r->step;
	r->max_qty = (struct fx){ max, SM_QTY_DP };
	r->min_notional = (struct fx){ MIN_NOTIONAL, SM_QTY_DP };
	r->px_dp = p->px_dp;
	r->qty_dp = lot_dp(lot);
}

/* ,"key":"v" with dp decimals (the first member of an object when
 * first). */
static void
put_dec(struct buf *b, const char *key, struct fx v, int dp, int first)
{
	buf_adds(b, first ? "\"" : ",\"");
	buf_adds(b, key);
	buf_adds(b, "\":\"");
	buf_add_fx_dp(b, v, dp);
	buf_addc(b, '"');
}

static void
put_str(struct buf *b, const char *key, const char *v)
{
	buf_adds(b, ",\"");
	buf_adds(b, key);
	buf_adds(b, "\":");
	buf_add_jstr(b, v, strlen(v));
}

/* BTCUSDT is BTC in USDT; a symbol of another quote is all base. */
static void
base_of(const char *symbol, char *base, size_t cap)
{
	size_t n = strlen(symbol);

	if (n > 4 && strcmp(symbol + n - 4, "USDT") == 0)
		n -= 4;
	snprintf(base, cap, "%.*s", (int)n, symbol);
}

static const char *
arg(struct sim *s, struct lws *wsi, const char *name)
{
	return lws_get_urlarg_by_name(wsi, name, s->arg, ARG_MAX);
}

/* ---------------------------------------------------------------- */
/* Binance */

static void
bn_filters(struct buf *b, const struct rules *r, int spot)
{
	int pdp = spot ? BN_DP : r->px_dp, qdp = spot ? BN_DP : r->qty_dp;

	buf_adds(b, ",\"filters\":[{\"filterType\":\"PRICE_FILTER\",");
	put_dec(b, "minPrice", r->tick, pdp, 1);
	put_dec(b, "maxPrice", (struct fx){ 1000000, 0 }, pdp, 0);
	put_dec(b, "tickSize", r->tick, pdp, 0);
	buf_adds(b, "},{\"filterType\":\"LOT_SIZE\",");
	put_dec(b, "minQty", r->min_qty, qdp, 1);
	put_dec(b, "maxQty", r->max_qty, qdp, 0);
	put_dec(b, "stepSize", r->step, qdp, 0);
	if (spot) {
		buf_adds(b, "},{\"filterType\":\"NOTIONAL\",");
		put_dec(b, "minNotional", r->min_notional, BN_DP, 1);
		buf_adds(b, ",\"applyMinToMarket\":true,");
		put_dec(b, "maxNotional", (struct fx){ 9000000, 0 }, BN_DP, 1);
		buf_adds(b, ",\"applyMaxToMarket\":false,"
		    "\"avgPriceMins\":5}]");
		return;
	}
	buf_adds(b, "},{\"filterType\":\"MIN_NOTIONAL\",");
	put_dec(b, "notional", r->min_notional, 0, 1);
	buf_adds(b, "}]");
}

static void
bn_symbol(struct buf *b, const struct inst *in, int spot)
{
	struct rules r;
	char base[32];

	rules_of(in, &r);
	base_of(in->sm->p.symbol, base, sizeof base);
	put_symbol(b, "{\"symbol\":", in);
	if (spot) {
		put_str(b, "status", "TRADING");
		put_str(b, "baseAsset", base);
		buf_adds(b, ",\"baseAssetPrecision\":8");
		put_str(b, "quoteAsset", "USDT");
		buf_adds(b, ",\"quotePrecision\":8,\"quoteAssetPrecision\":8,"
		    "\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\"],"
		    "\"isSpotTradingAllowed\":true");
	} else {
		put_str(b, "pair", in->sm->p.symbol);
		put_str(b, "contractType", "PERPETUAL");
		put_str(b, "status", "TRADING");
		put_str(b, "baseAsset", base);
		put_str(b, "quoteAsset", "USDT");
		put_str(b, "marginAsset", "USDT");
		put_key_int(b, ",\"pricePrecision\":", r.px_dp);
		put_key_int(b, ",\"quantityPrecision\":", r.qty_dp);
	}
	bn_filters(b, &r, spot);
	buf_addc(b, '}');
}

/* Is sym one of the names of the ?symbols=["A","B"] list? */
static int
listed(const char *list, const char *sym)
{
	size_t n = strlen(sym);
	const char *p;

	for (p = strstr(list, sym); p; p = strstr(p + 1, sym))
		if (p > list && p[-1] == '"' && p[n] == '"')
			return 1;
	return 0;
}

/* Every name of list served in mk: 1, else 0 (the venue refuses the
 * whole request for one unknown name). */
static int
all_served(struct sim *s, enum mk mk, const char *list)
{
	const char *p = list, *q;

	while ((p = strchr(p, '"')) != NULL) {
		q = strchr(p + 1, '"');
		if (!q)
			return 0;
		if (!find_inst(s, mk, p + 1, (size_t)(q - p - 1)))
			return 0;
		p = q + 1;
	}
	return 1;
}

unsigned
sim_bn_exchange_info(struct sim *s, struct lws *wsi, struct conn *c,
    int api, int64_t *weight)
{
	enum mk mk = api == API_SPOT ? MK_BN_SPOT : MK_BN_FUT;
	char want[ARG_MAX];
	const char *v;
	size_t i;
	int n = 0;

	*weight = api == API_SPOT ? 20 : 1;
	want[0] = '\0';
	v = api == API_SPOT ? arg(s, wsi, "symbol=") : NULL;
	if (v) {
		snprintf(want, sizeof want, "[\"%s\"]", v);
	} else if (api == API_SPOT && (v = arg(s, wsi, "symbols=")) != NULL) {
		snprintf(want, sizeof want, "%s", v);
	}
	if (want[0] && (want[0] != '[' || !all_served(s, mk, want))) {
		bn_error_body(&c->body, -1121, "Invalid symbol.");
		return 400;
	}
	put_key_int(&c->body, "{\"timezone\":\"UTC\",\"serverTime\":",
	    time_now_ms());
	buf_adds(&c->body, ",\"rateLimits\":[],\"exchangeFilters\":[],"
	    "\"symbols\":[");
	for (i = 0; i < s->ninst; i++) {
		const struct inst *in = &s->inst[i];

		if (in->mk != mk || (want[0] && !listed(want,
		    in->sm->p.symbol)))
			continue;
		if (n++)
			buf_addc(&c->body, ',');
		bn_symbol(&c->body, in, api == API_SPOT);
	}
	buf_adds(&c->body, "]}");
	return 200;
}

/* ---------------------------------------------------------------- */
/* Bybit */

static void
by_linear(struct buf *b, const struct inst *in, const struct rules *r)
{
	char base[32];

	base_of(in->sm->p.symbol, base, sizeof base);
	put_str(b, "contractType", "LinearPerpetual");
	put_str(b, "status", "Trading");
	put_str(b, "baseCoin", base);
	put_str(b, "quoteCoin", "USDT");
	buf_adds(b, ",\"launchTime\":\"1585526400000\",\"deliveryTime\":"
	    "\"0\",\"deliveryFeeRate\":\"\"");
	put_key_int(b, ",\"priceScale\":\"", r->px_dp);
	buf_adds(b, "\",\"leverageFilter\":{\"minLeverage\":\"1\","
	    "\"maxLeverage\":\"100.00\",\"leverageStep\":\"0.01\"},"
	    "\"priceFilter\":{");
	put_dec(b, "minPrice", r->tick, r->px_dp, 1);
	put_dec(b, "maxPrice", (struct fx){ 1999999, 0 }, r->px_dp, 0);
	put_dec(b, "tickSize", r->tick, r->px_dp, 0);
	buf_adds(b, "},\"lotSizeFilter\":{");
	put_dec(b, "maxOrderQty", r->max_qty, r->qty_dp, 1);
	put_dec(b, "minOrderQty", r->min_qty, r->qty_dp, 0);
	put_dec(b, "qtyStep", r->step, r->qty_dp, 0);
	put_dec(b, "postOnlyMaxOrderQty", r->max_qty, r->qty_dp, 0);
	put_dec(b, "maxMktOrderQty", r->max_qty, r->qty_dp, 0);
	put_dec(b, "minNotionalValue", r->min_notional, 0, 0);
	buf_adds(b, "},\"unifiedMarginTrade\":true,\"fundingInterval\":480,"
	    "\"settleCoin\":\"USDT\",\"copyTrading\":\"both\","
	    "\"upperFundingRate\":\"0.00375\",\"lowerFundingRate\":"
	    "\"-0.00375\",\"isPreListing\":false,\"preListingInfo\":null,"
	    "\"symbolType\":\"\"");
}

static void
by_spot(struct buf *b, const struct inst *in, const struct rules *r)
{
	char base[32];

	base_of(in->sm->p.symbol, base, sizeof base);
	put_str(b, "baseCoin", base);
	put_str(b, "quoteCoin", "USDT");
	buf_adds(b, ",\"innovation\":\"0\",\"status\":\"Trading\","
	    "\"marginTrading\":\"utaOnly\",\"stTag\":\"0\","
	    "\"lotSizeFilter\":{");
	put_dec(b, "basePrecision", r->step, r->qty_dp, 1);
	put_dec(b, "quotePrecision", (struct fx){ 1, 8 }, 8, 0);
	put_dec(b, "minOrderQty", r->min_qty, r->qty_dp, 0);
	put_dec(b, "maxOrderQty", r->max_qty, r->qty_dp, 0);
	put_dec(b, "minOrderAmt", r->min_notional, 0, 0);
	put_dec(b, "maxOrderAmt", (struct fx){ 8000000, 0 }, 0, 0);
	put_dec(b, "maxLimitOrderQty", r->max_qty, r->qty_dp, 0);
	put_dec(b, "maxMarketOrderQty", r->max_qty, r->qty_dp, 0);
	buf_adds(b, "},\"priceFilter\":{");
	put_dec(b, "tickSize", r->tick, r->px_dp, 1);
	buf_adds(b, "},\"symbolType\":\"\"");
}

static void
by_item(struct buf *b, const struct inst *in)
{
	struct rules r;

	rules_of(in, &r);
	put_symbol(b, "{\"symbol\":", in);
	if (in->mk == MK_BY_SPOT)
		by_spot(b, in, &r);
	else
		by_linear(b, in, &r);
	buf_addc(b, '}');
}

/* A cursor: the index of the page's first instrument, as given back by
 * the client, decoded or not; -1 when it is not one of ours. */
static long
parse_cursor(const char *v)
{
	const char *p;
	char *end;
	long i;

	if (!v || !*v)
		return 0;
	if (strncmp(v, "next=", 5) == 0)
		p = v + 5;
	else if (strncmp(v, CURSOR_MARK, strlen(CURSOR_MARK)) == 0)
		p = v + strlen(CURSOR_MARK);
	else
		return -1;
	i = strtol(p, &end, 10);
	return *end || end == p || i < 0 ? -1 : i;
}

static unsigned
by_fail(struct conn *c, const char *msg)
{
	by_envelope(&c->body, 10001, msg);
	buf_adds(&c->body, "{}");
	by_envelope_end(&c->body);
	return 200;
}

unsigned
sim_by_instruments(struct sim *s, struct lws *wsi, struct conn *c)
{
	const char *v = arg(s, wsi, "category=");
	const char *sym, *lim, *cat;
	enum mk mk;
	long from, limit = 500, k = 0;
	size_t i;
	int n = 0;

	/* Each arg() reuses one buffer: the category is kept as a name. */
	if (v && strcmp(v, "linear") == 0)
		mk = MK_BY_LINEAR;
	else if (v && strcmp(v, "spot") == 0)
		mk = MK_BY_SPOT;
	else
		return by_fail(c, "Illegal category");
	cat = mk == MK_BY_SPOT ? "spot" : "linear";
	lim = arg(s, wsi, "limit=");
	if (lim && (limit = strtol(lim, NULL, 10)) < 1)
		return by_fail(c, "params error: limit");
	from = mk == MK_BY_SPOT ? 0 : parse_cursor(arg(s, wsi, "cursor="));
	if (from < 0)
		return by_fail(c, "params error: cursor");
	if (limit > SIM_INSTR_PAGE && mk == MK_BY_LINEAR)
		limit = SIM_INSTR_PAGE;
	sym = arg(s, wsi, "symbol=");
	by_envelope(&c->body, 0, "OK");
	buf_adds(&c->body, "{\"category\":");
	buf_add_jstr(&c->body, cat, strlen(cat));
	buf_adds(&c->body, ",\"list\":[");
	for (i = 0; i < s->ninst; i++) {
		const struct inst *in = &s->inst[i];

		if (in->mk != mk || (sym && strcmp(sym, in->sm->p.symbol)))
			continue;
		if (k++ < from)
			continue;
		if (mk == MK_BY_LINEAR && n == limit) {
			buf_adds(&c->body, "],\"nextPageCursor\":\"");
			put_key_int(&c->body, CURSOR_MARK, k - 1);
			buf_adds(&c->body, "\"}");
			by_envelope_end(&c->body);
			return 200;
		}
		if (n++)
			buf_addc(&c->body, ',');
		by_item(&c->body, in);
	}
	buf_adds(&c->body, mk == MK_BY_LINEAR ?
	    "],\"nextPageCursor\":\"\"}" : "]}");
	by_envelope_end(&c->body);
	return 200;
}
