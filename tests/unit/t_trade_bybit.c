/*
 * t_trade_bybit: the private side of Bybit v5 linear and spot
 * (venue/bybit/bybit_trade.c, bybit_tanswer.c) -- every request built
 * for a fixed key, secret and timestamp equals its exact URL, body and
 * X-BAPI-* headers (signatures checked by hand with `openssl dgst
 * -sha256 -hmac`; the WebSocket auth gives PROTOCOLS §4.1's vector),
 * every retCode's outcome, the venue's documented answers and private
 * stream messages as updates, and bodies that are not answers at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "venue/venue.h"
#include "venue/trade.h"
#include "base/buf.h"
#include "base/fixed.h"
#include "tap.h"
#include "tvt.h"

/* PROTOCOLS §4.1: the doc's key and a secret of our own. */
#define KEY "XXXXXXXXXX"
#define SECRET "TEST_SECRET_DO_NOT_USE"
#define TS 1658385579423LL

static const struct venue_market *lin, *spot;
static const struct vt_keys keys = {
	KEY, sizeof KEY - 1, (const unsigned char *)SECRET, sizeof SECRET - 1,
};

/* Build and compare everything; sig NULL: unsigned. */
static void
builds(const struct venue_market *m, enum vt_what what,
    const struct vt_order *o, int recv, const char *method, const char *url,
    const char *body, const char *sig, int idem, const char *name)
{
	struct vt_req r;
	char why[128] = "", h[4][VT_HEADER_LEN];
	int rc, i;

	rc = m->trade->build(m, what, &keys, o, TS, recv, NULL, &r, why,
	    sizeof why);
	tap_eq_i(rc, 0, name);
	if (rc < 0)
		tap_diag("why: %s", why);
	tap_eq_s(r.method, method, name);
	tap_eq_s(r.url, url, name);
	tap_eq_s(r.body, body, name);
	if (sig) {
		snprintf(h[0], sizeof h[0], "X-BAPI-API-KEY: " KEY);
		snprintf(h[1], sizeof h[1], "X-BAPI-TIMESTAMP: %lld", TS);
		snprintf(h[2], sizeof h[2], "X-BAPI-SIGN: %s", sig);
		snprintf(h[3], sizeof h[3], "X-BAPI-RECV-WINDOW: %d", recv);
		for (i = 0; i < 4; i++)
			tap_eq_s(r.headers[i], h[i], name);
	} else {
		for (i = 0; i < 4; i++)
			tap_eq_s(r.headers[i], "", name);
	}
	tap_eq_s(r.headers[4], body[0] ? "Content-Type: application/json" :
	    "", name);
	tap_eq_s(r.headers[5], "", name);
	tap_eq_i(r.weight, 1, name);
	tap_eq_i(r.idempotent, idem, name);
}

static void
refused(const struct venue_market *m, enum vt_what what,
    const struct vt_order *o, const char *name)
{
	struct vt_req r;
	char why[128] = "";

	tap_ok(m->trade->build(m, what, &keys, o, TS, 5000, NULL, &r, why,
	    sizeof why) < 0 && why[0] && r.url[0] == '\0', "refused: %s (%s)",
	    name, why);
}

static void
test_build(void)
{
	struct vt_order o;

	o = tvt_order("BTCUSDT", "x-1", VT_SELL, VT_LIMIT, VT_POST_ONLY, "0.002",
	    "65000");
	o.reduce_only = 1;
	builds(lin, VT_REQ_NEW, &o, 5000, "POST",
	    "http://127.0.0.1:5/v5/order/create",
	    "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Sell\","
	    "\"orderType\":\"Limit\",\"qty\":\"0.002\",\"price\":\"65000\","
	    "\"timeInForce\":\"PostOnly\",\"orderLinkId\":\"x-1\","
	    "\"reduceOnly\":true}",
	    "07b2329e5cba7918a59061a403428c0cd8a05e957d510a2423de8aab324b6118",
	    0, "linear post-only reduce-only");
	o = tvt_order("BTCUSDT", "m1", VT_BUY, VT_MARKET, VT_IOC, "0.01", "1");
	builds(spot, VT_REQ_NEW, &o, 5000, "POST",
	    "http://127.0.0.1:5/v5/order/create",
	    "{\"category\":\"spot\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\","
	    "\"orderType\":\"Market\",\"qty\":\"0.01\",\"marketUnit\":"
	    "\"baseCoin\",\"orderLinkId\":\"m1\"}",
	    "c87cacf99e4ef436b2bf4b35aa3a2c4f8435697046d98bb68a26460073539d7c",
	    0, "spot market buy in the base coin");
	o = tvt_order("ETHUSDT", "s_2", VT_SELL, VT_LIMIT, VT_IOC, "1.5",
	    "3000.25");
	builds(spot, VT_REQ_NEW, &o, 10000, "POST",
	    "http://127.0.0.1:5/v5/order/create",
	    "{\"category\":\"spot\",\"symbol\":\"ETHUSDT\",\"side\":\"Sell\","
	    "\"orderType\":\"Limit\",\"qty\":\"1.5\",\"price\":\"3000.25\","
	    "\"timeInForce\":\"IOC\",\"orderLinkId\":\"s_2\"}",
	    "0a64207bb522537a022ff11e92d46d533a5f22084e48a9220139c9ba3b84ed29",
	    0, "spot limit IOC, recvWindow 10000");
	o = tvt_order("BTCUSDT", "x-1", 0, 0, 0, NULL, NULL);
	builds(lin, VT_REQ_CANCEL, &o, 5000, "POST",
	    "http://127.0.0.1:5/v5/order/cancel",
	    "{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"orderLinkId\":"
	    "\"x-1\"}",
	    "330e2bf3510199bb5f55e5006f7937adde8d3f24062fa43ce83a6b1671c062c0",
	    0, "linear cancel by orderLinkId");
	builds(lin, VT_REQ_QUERY, &o, 5000, "GET",
	    "http://127.0.0.1:5/v5/order/realtime?category=linear&"
	    "symbol=BTCUSDT&orderLinkId=x-1", "",
	    "0dec5c5e749b59ec3107a1452cdc0171b63cb20d46671abb6b42777588e6ff0c",
	    1, "linear query by orderLinkId");
	builds(lin, VT_REQ_OPEN, NULL, 5000, "GET",
	    "http://127.0.0.1:5/v5/order/realtime?category=linear&"
	    "settleCoin=USDT&limit=50", "",
	    "0ab5795c7f6fbf10255dd782b73e16a557ed40250495ea805e0def93bbeeaecb",
	    1, "linear open orders, all symbols");
	o = tvt_order("ETHUSDT", NULL, 0, 0, 0, NULL, NULL);
	builds(spot, VT_REQ_OPEN, &o, 5000, "GET",
	    "http://127.0.0.1:5/v5/order/realtime?category=spot&"
	    "symbol=ETHUSDT&limit=50", "",
	    "1c1b90a7abe3ee3ddbea1bff7c36dde156b60f53068e013894b18f3a4235a5af",
	    1, "spot open orders of a symbol");
	builds(lin, VT_REQ_POSITIONS, NULL, 5000, "GET",
	    "http://127.0.0.1:5/v5/position/list?category=linear&"
	    "settleCoin=USDT&limit=200", "",
	    "5bc553efdb1f49b26ec41b7fc1c2883ae4d13afd079e38ab70b680af4408d45c",
	    1, "linear positions");
	builds(spot, VT_REQ_BALANCES, NULL, 5000, "GET",
	    "http://127.0.0.1:5/v5/account/wallet-balance?accountType=UNIFIED",
	    "",
	    "9897856b5a9c043443325b88cf7926ca4a673124228209e889e5f38935bb27d6",
	    1, "wallet balance");
	o = tvt_order("BTCUSDT", "x-1", 0, 0, 0, NULL, NULL);
	o.order_id = "9aac161b-8ed6-450d-9cab-c5cc67c21784";
	builds(lin, VT_REQ_TRADES, &o, 5000, "GET",
	    "http://127.0.0.1:5/v5/execution/list?category=linear&"
	    "symbol=BTCUSDT&orderId=9aac161b-8ed6-450d-9cab-c5cc67c21784&"
	    "limit=100", "",
	    "e899b8d8181b9b29e6192d1b3d80d3a2e92ec71395918a0624aa64c40f45e038",
	    1, "executions of an order by its id");
	o = tvt_order("BTCUSDT", "m1", 0, 0, 0, NULL, NULL);
	builds(spot, VT_REQ_TRADES, &o, 5000, "GET",
	    "http://127.0.0.1:5/v5/execution/list?category=spot&"
	    "symbol=BTCUSDT&orderLinkId=m1&limit=100", "",
	    "a6b1cecbff8f4fc4bb84d1171cd12e159e37b7da404aae85734931c088ea771a",
	    1, "executions of an order by orderLinkId");
	builds(lin, VT_REQ_TIME, NULL, 5000, "GET",
	    "http://127.0.0.1:5/v5/market/time", "", NULL, 1, "server time");

	refused(spot, VT_REQ_POSITIONS, NULL, "spot positions");
	refused(lin, VT_REQ_LISTEN_NEW, NULL, "listen key");
	o = tvt_order("BTCUSDT", "a", VT_BUY, VT_LIMIT, VT_GTC, "1", "1");
	o.reduce_only = 1;
	refused(spot, VT_REQ_NEW, &o, "reduce-only on spot");
	o = tvt_order("BTCUSDT", "a\"b", VT_BUY, VT_LIMIT, VT_GTC, "1", "1");
	refused(lin, VT_REQ_NEW, &o, "a quote in the client id");
	o = tvt_order("BTC\"USDT", "a", VT_BUY, VT_LIMIT, VT_GTC, "1", "1");
	refused(lin, VT_REQ_NEW, &o, "a quote in the symbol");
	o = tvt_order("BTCUSDT", "a", VT_BUY, VT_LIMIT, VT_GTC, "1", "1\",\"x");
	refused(lin, VT_REQ_NEW, &o, "a price that is no decimal");
	o = tvt_order("BTCUSDT", "a", VT_BUY, VT_MARKET, VT_POST_ONLY, "1", NULL);
	refused(lin, VT_REQ_NEW, &o, "post-only market order");
	o = tvt_order("BTCUSDT", NULL, 0, 0, 0, NULL, NULL);
	refused(lin, VT_REQ_QUERY, &o, "query without an id");
}

static void
parses(const struct venue_market *m, enum vt_what what, int status,
    const char *body, int rc_want, enum vt_outcome want, long code,
    const char *ups, const char *name)
{
	struct vt_answer a;
	int rc;

	memset(&a, 0, sizeof a);
	rc = m->trade->parse(m, what, status, body, strlen(body), &a);
	tap_eq_i(rc, rc_want, name);
	tap_eq_i(a.outcome, want, name);
	tap_eq_i(a.code, code, name);
	tap_eq_s(tvt_all(&a), ups, name);
	vt_updates_free(&a.up);
}

static void
test_outcomes(void)
{
	static const struct {
		int status;
		long code;
		enum vt_outcome want;
	} t[] = {
		{ 200, 110072, VT_DUPLICATE }, { 200, 170141, VT_DUPLICATE },
		{ 200, 10014, VT_DUPLICATE }, { 200, 110001, VT_NOT_FOUND },
		{ 200, 170213, VT_NOT_FOUND }, { 200, 10002, VT_TIMESTAMP },
		{ 200, 10003, VT_AUTH }, { 200, 10004, VT_AUTH },
		{ 200, 10005, VT_AUTH }, { 200, 10006, VT_RATE },
		{ 200, 10016, VT_UNKNOWN }, { 200, 10001, VT_REJECTED },
		{ 200, 110007, VT_REJECTED }, { 401, 10003, VT_AUTH },
	};
	struct vt_answer a;
	size_t i;
	char body[128];
	int rc;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(body, sizeof body, "{\"retCode\":%ld,\"retMsg\":"
		    "\"words\",\"result\":{},\"retExtInfo\":{},\"time\":"
		    "1672211918471}", t[i].code);
		memset(&a, 0, sizeof a);
		rc = lin->trade->parse(lin, VT_REQ_NEW, t[i].status, body,
		    strlen(body), &a);
		tap_ok(rc == 0 && a.outcome == t[i].want && a.code ==
		    t[i].code && !strcmp(a.msg, "words") && a.up.n == 0,
		    "retCode %ld: outcome %d (got %d)", t[i].code,
		    (int)t[i].want, (int)a.outcome);
		vt_updates_free(&a.up);
	}
	parses(lin, VT_REQ_NEW, -1, "", 0, VT_UNKNOWN, 0, "", "no answer");
	parses(lin, VT_REQ_CANCEL, 502, "<html>", 0, VT_UNKNOWN, 0, "",
	    "HTTP 502");
	parses(lin, VT_REQ_NEW, 429, "", 0, VT_RATE, 0, "", "HTTP 429");
	memset(&a, 0, sizeof a);
	rc = lin->trade->parse(lin, VT_REQ_NEW, 403, "access too frequent",
	    19, &a);
	tap_ok(rc == 0 && a.outcome == VT_RATE && a.retry_after_ms ==
	    600000, "HTTP 403: wait ten minutes");
	parses(lin, VT_REQ_NEW, 401, "", 0, VT_AUTH, 0, "", "HTTP 401");
	{
		static const char *const junk[] = { "", "{", "[]", "null",
		    "{\"retCode\":0}", "{\"retCode\":0,\"result\":{}}",
		    "{\"retCode\":\"x\",\"result\":{}}",
		    "{\"retCode\":0,\"result\":{\"orderId\":\"\"}}" };

		for (i = 0; i < sizeof junk / sizeof junk[0]; i++) {
			memset(&a, 0, sizeof a);
			rc = spot->trade->parse(spot, VT_REQ_NEW, 200, junk[i],
			    strlen(junk[i]), &a);
			tap_ok(rc == -1 && a.outcome == VT_UNKNOWN &&
			    a.up.n == 0 && a.msg[0], "'%s': unknown",
			    junk[i]);
			vt_updates_free(&a.up);
		}
	}
}

/* Answers from bybit-exchange/docs (v5/order, position, account). */
static void
test_answers(void)
{
	parses(spot, VT_REQ_NEW, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"orderId\":\"1321003749386327552\",\"orderLinkId\":"
	    "\"spot-test-postonly\"},\"retExtInfo\":{},\"time\":1672211918471}",
	    0, VT_OK, 0,
	    "order  c=spot-test-postonly o=1321003749386327552 - ? - q=0 p=0 "
	    "f=0 avg=0 t=0\n", "create: the ids, state unknown");
	parses(lin, VT_REQ_CANCEL, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"orderId\":\"c6f055d9-7f21-4079-913d-e6523a9cfffa\","
	    "\"orderLinkId\":\"linear-004\"},\"retExtInfo\":{},\"time\":"
	    "1672217377164}", 0, VT_OK, 0,
	    "order  c=linear-004 o=c6f055d9-7f21-4079-913d-e6523a9cfffa - ? - "
	    "q=0 p=0 f=0 avg=0 t=0\n", "cancel: the ids");
	parses(lin, VT_REQ_QUERY, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"list\":[{\"orderId\":"
	    "\"fd4300ae-7847-404e-b947-b46980a4d140\",\"orderLinkId\":"
	    "\"test-000005\",\"blockTradeId\":\"\",\"symbol\":\"ETHUSDT\","
	    "\"price\":\"1600.00\",\"qty\":\"0.10\",\"side\":\"Buy\","
	    "\"isLeverage\":\"\",\"positionIdx\":1,\"orderStatus\":\"New\","
	    "\"cancelType\":\"UNKNOWN\",\"rejectReason\":\"EC_NoError\","
	    "\"avgPrice\":\"0\",\"leavesQty\":\"0.10\",\"leavesValue\":\"160\","
	    "\"cumExecQty\":\"0.00\",\"cumExecValue\":\"0\",\"cumExecFee\":"
	    "\"0\",\"timeInForce\":\"GTC\",\"orderType\":\"Limit\","
	    "\"stopOrderType\":\"UNKNOWN\",\"orderIv\":\"\",\"triggerPrice\":"
	    "\"0.00\",\"takeProfit\":\"2500.00\",\"stopLoss\":\"1500.00\","
	    "\"tpTriggerBy\":\"LastPrice\",\"slTriggerBy\":\"LastPrice\","
	    "\"triggerDirection\":0,\"triggerBy\":\"UNKNOWN\","
	    "\"lastPriceOnCreated\":\"\",\"reduceOnly\":false,"
	    "\"closeOnTrigger\":false,\"smpType\":\"None\",\"smpGroup\":0,"
	    "\"smpOrderId\":\"\",\"tpslMode\":\"Full\",\"tpLimitPrice\":\"\","
	    "\"slLimitPrice\":\"\",\"placeType\":\"\",\"createdTime\":"
	    "\"1684738540559\",\"updatedTime\":\"1684738540561\"}],"
	    "\"nextPageCursor\":\"page_args%3Dfd4300ae%26symbol%3D6%26\","
	    "\"category\":\"linear\"},\"retExtInfo\":{},\"time\":"
	    "1684765770483}",
	    0, VT_OK, 0,
	    "order ETHUSDT c=test-000005 o=fd4300ae-7847-404e-b947-b46980a4d140"
	    " buy new limit q=0.1 p=1600 f=0 avg=0 t=1684738540561\n",
	    "query: the open order");
	parses(lin, VT_REQ_QUERY, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"list\":[],\"nextPageCursor\":\"\",\"category\":"
	    "\"linear\"},\"retExtInfo\":{},\"time\":1684765770483}", 0,
	    VT_NOT_FOUND, 0, "", "query: an empty list is not found");
	parses(spot, VT_REQ_OPEN, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"list\":[{\"orderId\":\"1\",\"orderLinkId\":\"a\","
	    "\"symbol\":\"BTCUSDT\",\"price\":\"0\",\"qty\":\"0.5\",\"side\":"
	    "\"Sell\",\"orderStatus\":\"PartiallyFilledCanceled\",\"avgPrice\":"
	    "\"60000.5\",\"cumExecQty\":\"0.2\",\"timeInForce\":\"IOC\","
	    "\"orderType\":\"Market\",\"updatedTime\":\"1700000000001\"},"
	    "{\"orderId\":\"2\",\"orderLinkId\":\"\",\"symbol\":\"ETHUSDT\","
	    "\"price\":\"3000\",\"qty\":\"1\",\"side\":\"Buy\",\"orderStatus\":"
	    "\"Filled\",\"avgPrice\":\"\",\"cumExecQty\":\"1\",\"orderType\":"
	    "\"Limit\",\"updatedTime\":\"1700000000002\"}],\"category\":"
	    "\"spot\"},\"time\":1700000000003}", 0, VT_OK, 0,
	    "order BTCUSDT c=a o=1 sell canceled market q=0.5 p=0 f=0.2 "
	    "avg=60000.5 t=1700000000001\n"
	    "order ETHUSDT c= o=2 buy filled limit q=1 p=3000 f=1 avg=0 "
	    "t=1700000000002\n", "open orders: statuses, empty fields");
	parses(lin, VT_REQ_TRADES, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"nextPageCursor\":\"\",\"category\":\"linear\","
	    "\"list\":[{\"symbol\":\"BTCUSDT\",\"orderType\":\"Limit\","
	    "\"underlyingPrice\":\"\",\"orderLinkId\":\"x-1\",\"side\":"
	    "\"Buy\",\"indexPrice\":\"\",\"orderId\":\"o-9\","
	    "\"stopOrderType\":\"UNKNOWN\",\"leavesQty\":\"0\","
	    "\"execTime\":\"1672283754510\",\"feeCurrency\":\"\","
	    "\"isMaker\":true,\"execFee\":\"0.71\",\"feeRate\":"
	    "\"0.0001\",\"execId\":\"e0cbe81d-0f18-5866-9415-cf319b5dab3b\","
	    "\"tradeIv\":\"\",\"blockTradeId\":\"\",\"markPrice\":"
	    "\"1183.54\",\"execPrice\":\"1183.50\",\"markIv\":\"\","
	    "\"orderQty\":\"0.6\",\"orderPrice\":\"1183.50\",\"execValue\""
	    ":\"710.1\",\"execType\":\"Trade\",\"execQty\":\"0.6\","
	    "\"closedSize\":\"\",\"seq\":4688002127}]},\"retExtInfo\":{},"
	    "\"time\":1672283754510}", 0, VT_OK, 0,
	    "fill BTCUSDT c=x-1 o=o-9 buy "
	    "id=e0cbe81d-0f18-5866-9415-cf319b5dab3b"
	    " 0.6@1183.5 fee=0.71  maker=1 t=1672283754510\n",
	    "execution list");
	parses(lin, VT_REQ_TIME, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"timeSecond\":\"1688639403\",\"timeNano\":"
	    "\"1688639403423213947\"},\"retExtInfo\":{},\"time\":"
	    "1688639403423}", 0, VT_OK, 0, "", "server time");
	parses(lin, VT_REQ_POSITIONS, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"list\":[{\"positionIdx\":0,\"riskId\":1,"
	    "\"riskLimitValue\":\"150\",\"symbol\":\"BTCUSDT\",\"side\":"
	    "\"Sell\",\"size\":\"0.300\",\"avgPrice\":\"27464.50441675\","
	    "\"positionValue\":\"8239.35\",\"tradeMode\":0,\"positionStatus\":"
	    "\"Normal\",\"leverage\":\"10\",\"markPrice\":\"28224.50\","
	    "\"liqPrice\":\"\",\"unrealisedPnl\":\"-228.00\","
	    "\"cumRealisedPnl\":\"-0.96902\",\"seq\":5723621632,"
	    "\"createdTime\":\"1676538056258\",\"updatedTime\":"
	    "\"1697673600012\"},{\"positionIdx\":0,\"symbol\":\"ETHUSDT\","
	    "\"side\":\"\",\"size\":\"0\",\"avgPrice\":\"0\",\"unrealisedPnl\":"
	    "\"0\",\"updatedTime\":\"1697673600013\"}],\"nextPageCursor\":\"\","
	    "\"category\":\"linear\"},\"retExtInfo\":{},\"time\":"
	    "1697684980172}",
	    0, VT_OK, 0,
	    "position BTCUSDT -0.3 entry=27464.50441675 upnl=-228 "
	    "t=1697673600012\n"
	    "position ETHUSDT 0 entry=0 upnl=0 t=1697673600013\n",
	    "positions: a short, a flat one");
	parses(spot, VT_REQ_BALANCES, 200, "{\"retCode\":0,\"retMsg\":\"OK\","
	    "\"result\":{\"list\":[{\"totalEquity\":\"3.31216591\","
	    "\"accountType\":\"UNIFIED\",\"totalWalletBalance\":\"3.00326056\","
	    "\"coin\":[{\"availableToBorrow\":\"3\",\"bonus\":\"0\","
	    "\"accruedInterest\":\"0\",\"availableToWithdraw\":\"0\","
	    "\"totalOrderIM\":\"0\",\"equity\":\"0\",\"usdValue\":\"0\","
	    "\"walletBalance\":\"0.5\",\"cumRealisedPnl\":\"0\",\"locked\":"
	    "\"0.1\",\"marginCollateral\":true,\"coin\":\"BTC\"}]}]},"
	    "\"retExtInfo\":{},\"time\":1690872862481}", 0, VT_OK, 0,
	    "balance BTC free=0.4 locked=0.1 t=1690872862481\n",
	    "wallet balance");
}

static void
streams(const struct venue_market *m, const char *msg,
    enum vt_stream_kind want, const char *ups, const char *name)
{
	struct vt_answer a;
	enum vt_stream_kind k;

	memset(&a, 0, sizeof a);
	k = m->trade->stream_parse(m, msg, strlen(msg), &a);
	tap_eq_i(k, want, name);
	tap_eq_s(tvt_all(&a), ups, name);
	if (k == VT_S_ERROR)
		tap_ok(a.msg[0] != '\0', "%s: a reason", name);
	vt_updates_free(&a.up);
}

static void
test_stream_plan(void)
{
	struct buf url, msgs;
	const char *second;

	buf_init(&url, 0);
	buf_init(&msgs, 0);
	/* expires = 1662350395000 + 5000: PROTOCOLS §4.1's vector. */
	tap_eq_i(lin->trade->stream_plan(lin, &keys, 1662350395000LL, 5000,
	    NULL, &url, &msgs), 0, "stream plan");
	buf_addc(&url, '\0');
	tap_eq_s(url.p, "ws://127.0.0.1:6/v5/private", "the private URL");
	tap_eq_s(msgs.p, "{\"req_id\":\"auth\",\"op\":\"auth\",\"args\":[\""
	    KEY "\",1662350400000,"
	    "\"6380b120036dd6c87d0f4a94e9ce767d9b050862e9c4fc8ba1b4739db6bb48db"
	    "\"]}", "auth: the documented signature");
	second = msgs.p + strlen(msgs.p) + 1;
	tap_ok(second < msgs.p + msgs.len, "a second message");
	if (second < msgs.p + msgs.len)
		tap_eq_s(second, "{\"req_id\":\"subscribe\",\"op\":"
		    "\"subscribe\",\"args\":[\"order\",\"execution\","
		    "\"position\",\"wallet\"]}",
		    "subscribe to the four topics");
	tap_eq_i(msgs.len, strlen(msgs.p) + 1 + strlen(second) + 1,
	    "two messages");
	buf_free(&url);
	buf_free(&msgs);
	tap_ok(lin->trade->stream_ping && !strcmp(lin->trade->stream_ping,
	    "{\"op\":\"ping\"}") && lin->trade->stream_ping_ms == 20000,
	    "ping every 20 s");
	tap_ok(lin->trade->order_n == 10 && lin->trade->order_ms == 1000 &&
	    spot->trade->order_n == 20 && spot->trade->order_ms == 1000,
	    "order-rate limits");
}

/* Messages as wss-authentication.mdx and the private topics show them. */
static void
test_stream_messages(void)
{

	streams(lin, "{\"success\":true,\"ret_msg\":\"\",\"op\":\"auth\","
	    "\"conn_id\":\"cejreaspqfh3sjdnldmg-p\"}", VT_S_IGNORED, "",
	    "auth answered");
	streams(lin, "{\"success\":false,\"ret_msg\":\"error sign! "
	    "origin_string[GET/realtime1662350400000]\",\"op\":\"auth\","
	    "\"conn_id\":\"cejreaspqfh3sjdnldmg-p\"}", VT_S_ERROR, "",
	    "auth refused");
	streams(lin, "{\"success\":true,\"ret_msg\":\"\",\"op\":\"subscribe\","
	    "\"conn_id\":\"cejreassvfrsfvb9v1a0-2m\",\"req_id\":\"subscribe\"}",
	    VT_S_READY, "", "subscribed: ready");
	streams(lin, "{\"success\":false,\"ret_msg\":\"Request not "
	    "authorized\",\"op\":\"subscribe\",\"conn_id\":\"x\"}", VT_S_ERROR,
	    "", "subscribe refused");
	streams(lin, "{\"req_id\":\"test\",\"op\":\"pong\",\"args\":"
	    "[\"1675418560633\"],\"conn_id\":\"cfcb820po2cuhon5k1tg-oe\"}",
	    VT_S_IGNORED, "", "pong");
	streams(lin, "{\"id\":\"5923240c6880ab-c59f-420b-9adb-3639adc9dd90\","
	    "\"topic\":\"order\",\"creationTime\":1672364262474,\"data\":[{"
	    "\"symbol\":\"ETH-30DEC22-1400-C\",\"orderId\":"
	    "\"5cf98598-39a7-459e-97bf-76ca765ee020\",\"side\":\"Sell\","
	    "\"orderType\":\"Market\",\"price\":\"72.5\",\"qty\":\"1\","
	    "\"timeInForce\":\"IOC\",\"orderStatus\":\"Filled\",\"orderLinkId\""
	    ":\"\",\"cumExecQty\":\"1\",\"cumExecValue\":\"75\",\"avgPrice\":"
	    "\"75\",\"cumExecFee\":\"0.358635\",\"createdTime\":"
	    "\"1672364262444\",\"updatedTime\":\"1672364262457\",\"category\":"
	    "\"option\",\"feeCurrency\":\"\"},{\"symbol\":\"BTCUSDT\","
	    "\"orderId\":\"o-9\",\"side\":\"Buy\",\"orderType\":\"Limit\","
	    "\"price\":\"60000\",\"qty\":\"0.010\",\"timeInForce\":\"GTC\","
	    "\"orderStatus\":\"PartiallyFilled\",\"orderLinkId\":\"x-1\","
	    "\"cumExecQty\":\"0.004\",\"avgPrice\":\"60000\",\"updatedTime\":"
	    "\"1672364262460\",\"category\":\"linear\"}]}", VT_S_DATA,
	    "order BTCUSDT c=x-1 o=o-9 buy partially_filled limit q=0.01 "
	    "p=60000 f=0.004 avg=60000 t=1672364262460\n",
	    "order: another category's order left out");
	streams(spot, "{\"topic\":\"order.linear\",\"creationTime\":1,\"data\":"
	    "[{\"symbol\":\"BTCUSDT\",\"orderId\":\"o-9\",\"side\":\"Buy\","
	    "\"orderType\":\"Limit\",\"price\":\"1\",\"qty\":\"1\","
	    "\"orderStatus\":\"New\",\"orderLinkId\":\"x\",\"category\":"
	    "\"linear\"}]}", VT_S_IGNORED, "", "spot: nothing of linear");
	streams(lin, "{\"topic\":\"execution\",\"id\":"
	    "\"386825804_BTCUSDT_140612148849382\",\"creationTime\":"
	    "1746270400355,\"data\":[{\"category\":\"linear\",\"symbol\":"
	    "\"BTCUSDT\",\"closedSize\":\"0.5\",\"execFee\":\"26.3725275\","
	    "\"execId\":\"0ab1bdf7-4219-438b-b30a-32ec863018f7\",\"execPrice\":"
	    "\"95900.1\",\"execQty\":\"0.5\",\"execType\":\"Trade\","
	    "\"execValue\":\"47950.05\",\"feeRate\":\"0.00055\",\"tradeIv\":"
	    "\"\",\"markIv\":\"\",\"blockTradeId\":\"\",\"markPrice\":"
	    "\"95901.48\",\"indexPrice\":\"\",\"underlyingPrice\":\"\","
	    "\"leavesQty\":\"0\",\"orderId\":"
	    "\"9aac161b-8ed6-450d-9cab-c5cc67c21784\",\"orderLinkId\":\"\","
	    "\"orderPrice\":\"94942.5\",\"orderQty\":\"0.5\",\"orderType\":"
	    "\"Market\",\"stopOrderType\":\"UNKNOWN\",\"side\":\"Sell\","
	    "\"execTime\":\"1746270400353\",\"isLeverage\":\"0\",\"isMaker\":"
	    "false,\"seq\":140612148849382,\"marketUnit\":\"\",\"execPnl\":"
	    "\"0.05\",\"createType\":\"CreateByUser\"},{\"category\":"
	    "\"linear\",\"symbol\":\"BTCUSDT\",\"execFee\":\"0.1\",\"execId\":"
	    "\"f-1\",\"execPrice\":\"95000\",\"execQty\":\"0.5\",\"execType\":"
	    "\"Funding\",\"orderId\":\"\",\"orderLinkId\":\"\",\"side\":"
	    "\"Sell\",\"execTime\":\"1746270400400\",\"isMaker\":false}]}",
	    VT_S_DATA,
	    "fill BTCUSDT c= o=9aac161b-8ed6-450d-9cab-c5cc67c21784 sell "
	    "id=0ab1bdf7-4219-438b-b30a-32ec863018f7 0.5@95900.1 "
	    "fee=26.3725275  maker=0 t=1746270400353\n",
	    "execution: the trade, not the funding");
	streams(lin, "{\"id\":"
	    "\"1003076014fb7eedb-c7e6-45d6-a8c1-270f0169171a\","
	    "\"topic\":\"position\",\"creationTime\":1697682317044,\"data\":[{"
	    "\"positionIdx\":2,\"tradeMode\":0,\"riskId\":1,\"riskLimitValue\":"
	    "\"2000000\",\"symbol\":\"BTCUSDT\",\"side\":\"\",\"size\":\"0\","
	    "\"entryPrice\":\"0\",\"leverage\":\"10\",\"positionValue\":\"0\","
	    "\"positionBalance\":\"0\",\"markPrice\":\"28184.5\","
	    "\"positionIM\":\"0\",\"positionMM\":\"0\",\"takeProfit\":\"0\","
	    "\"stopLoss\":\"0\",\"trailingStop\":\"0\",\"unrealisedPnl\":\"0\","
	    "\"cumRealisedPnl\":\"-25.06579337\",\"createdTime\":"
	    "\"1694402496913\",\"updatedTime\":\"1697682317038\",\"tpslMode\":"
	    "\"Full\",\"liqPrice\":\"0\",\"bustPrice\":\"\",\"category\":"
	    "\"linear\",\"positionStatus\":\"Normal\",\"adlRankIndicator\":0,"
	    "\"autoAddMargin\":0,\"leverageSysUpdatedTime\":\"\","
	    "\"mmrSysUpdatedTime\":\"\",\"seq\":8327597863,\"isReduceOnly\":"
	    "false},{\"symbol\":\"ETHUSDT\",\"side\":\"Buy\",\"size\":\"1.5\","
	    "\"entryPrice\":\"3000.5\",\"unrealisedPnl\":\"12\","
	    "\"updatedTime\":"
	    "\"1697682317039\",\"category\":\"linear\"}]}", VT_S_DATA,
	    "position BTCUSDT 0 entry=0 upnl=0 t=1697682317038\n"
	    "position ETHUSDT 1.5 entry=3000.5 upnl=12 t=1697682317039\n",
	    "position");
	streams(spot, "{\"id\":\"592324d2bce751-ad38-48eb-8f42-4671d1fb4d4e\","
	    "\"topic\":\"wallet\",\"creationTime\":1700034722104,\"data\":[{"
	    "\"accountIMRate\":\"0\",\"accountMMRate\":\"0\",\"totalEquity\":"
	    "\"10262.91335023\",\"totalWalletBalance\":\"9684.46297164\","
	    "\"coin\":[{\"coin\":\"BTC\",\"equity\":\"0.00102964\","
	    "\"usdValue\":"
	    "\"36.70759517\",\"walletBalance\":\"0.00102964\","
	    "\"availableToWithdraw\":\"0.00102964\",\"availableToBorrow\":\"\","
	    "\"borrowAmount\":\"0\",\"accruedInterest\":\"0\",\"totalOrderIM\":"
	    "\"\",\"totalPositionIM\":\"\",\"totalPositionMM\":\"\","
	    "\"unrealisedPnl\":\"0\",\"cumRealisedPnl\":\"-0.00000973\","
	    "\"bonus\":\"0\",\"collateralSwitch\":true,\"marginCollateral\":"
	    "true,\"locked\":\"0\",\"spotHedgingQty\":\"0.01592413\"}],"
	    "\"accountLTV\":\"0\",\"accountType\":\"UNIFIED\"}]}", VT_S_DATA,
	    "balance BTC free=0.00102964 locked=0 t=1700034722104\n", "wallet");
	streams(lin, "{\"topic\":\"order\",\"creationTime\":1,\"data\":[{"
	    "\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderStatus\":"
	    "\"Weird\",\"category\":\"linear\"}]}", VT_S_IGNORED, "",
	    "an order of an unknown status hands on nothing");
	streams(lin, "{\"topic\":\"greeks\",\"data\":[]}", VT_S_IGNORED, "",
	    "another topic");
	streams(lin, "]", VT_S_IGNORED, "", "garbage");
}

int
main(void)
{
	setenv("MKT_BYBIT_REST", "http://127.0.0.1:5", 1);
	setenv("MKT_BYBIT_WS", "ws://127.0.0.1:6", 1);
	lin = venue_find("bybit", 5, "linear", 6);
	spot = venue_find("bybit", 5, "spot", 4);
	tap_ok(lin && lin->trade && spot && spot->trade,
	    "bybit linear and spot trade");
	if (!lin || !lin->trade || !spot || !spot->trade)
		return tap_done();
	test_build();
	test_outcomes();
	test_answers();
	test_stream_plan();
	test_stream_messages();
	return tap_done();
}
