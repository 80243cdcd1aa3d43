/*
 * t_trade_binance: the private side of Binance spot and USD-M
 * (venue/binance/binance_trade.c, binance_tanswer.c) -- every request
 * built for a fixed key, secret and timestamp equals its exact URL,
 * body, headers and weight (signatures checked by hand with `openssl
 * dgst -sha256 -hmac`, and the futures example of PROTOCOLS §3.2 comes
 * out of build()), every outcome of an answer, the venues' documented
 * answer and stream bodies as updates, and bodies that are not answers
 * at all.
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

/* PROTOCOLS §3.2: the spot and the futures examples' keys. */
#define SPOT_KEY "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy" \
	"6utIco14y7Ju91duEh8A"
#define SPOT_SECRET "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN" \
	"65XAbvqqM6A7H5fATj0j"
#define FUT_KEY "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c" \
	"2c8867408d28cc83"
#define FUT_SECRET "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765e" \
	"d9821957d82bb4d9"
#define SPOT_TS 1499827319559LL
#define FUT_TS 1591702613943LL

static const struct venue_market *spot, *fut;
static const struct vt_keys spot_keys = {
	SPOT_KEY, sizeof SPOT_KEY - 1, (const unsigned char *)SPOT_SECRET,
	sizeof SPOT_SECRET - 1,
};
static const struct vt_keys fut_keys = {
	FUT_KEY, sizeof FUT_KEY - 1, (const unsigned char *)FUT_SECRET,
	sizeof FUT_SECRET - 1,
};

/* Build and compare everything the request holds. */
static void
builds(const struct venue_market *m, enum vt_what what,
    const struct vt_order *o, int64_t ts, int recv, const char *method,
    const char *url, const char *body, const char *h0, const char *h1,
    int weight, int idem, const char *name)
{
	const struct vt_keys *k = m == spot ? &spot_keys : &fut_keys;
	struct vt_req r;
	char why[128] = "";
	int rc, i;

	rc = m->trade->build(m, what, k, o, ts, recv, NULL, &r, why,
	    sizeof why);
	tap_eq_i(rc, 0, name);
	if (rc < 0)
		tap_diag("why: %s", why);
	tap_eq_s(r.method, method, name);
	tap_eq_s(r.url, url, name);
	tap_eq_s(r.body, body, name);
	tap_eq_s(r.headers[0], h0, name);
	tap_eq_s(r.headers[1], h1, name);
	for (i = 2; i < VT_HEADERS; i++)
		tap_ok(r.headers[i][0] == '\0', "%s: header %d unused", name,
		    i);
	tap_eq_i(r.weight, weight, name);
	tap_eq_i(r.idempotent, idem, name);
}

static void
refused(const struct venue_market *m, enum vt_what what,
    const struct vt_order *o, const struct vt_keys *k, const char *name)
{
	struct vt_req r;
	char why[128] = "";

	tap_ok(m->trade->build(m, what, k, o, SPOT_TS, 5000, NULL, &r, why,
	    sizeof why) < 0 && why[0] && r.url[0] == '\0', "refused: %s (%s)",
	    name, why);
}

#define SPOT_H "X-MBX-APIKEY: " SPOT_KEY
#define FUT_H "X-MBX-APIKEY: " FUT_KEY
#define FORM "Content-Type: application/x-www-form-urlencoded"

static void
test_build_spot(void)
{
	struct vt_order o;

	o = tvt_order("LTCBTC", "x-1_a", VT_BUY, VT_LIMIT, VT_GTC, "1", "0.1");
	builds(spot, VT_REQ_NEW, &o, SPOT_TS, 5000, "POST",
	    "http://127.0.0.1:1/api/v3/order",
	    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&"
	    "price=0.1&newClientOrderId=x-1_a&newOrderRespType=RESULT&"
	    "recvWindow=5000&timestamp=1499827319559&signature="
	    "d5882007cf3912d29c5a7b72daa9e0ba4a301ba2b7d1bd6f63a8d025a8894f1e",
	    SPOT_H, FORM, 1, 0, "spot limit order");
	o = tvt_order("BTCUSDT", "mk1", VT_SELL, VT_LIMIT, VT_POST_ONLY, "0.001",
	    "70000.5");
	builds(spot, VT_REQ_NEW, &o, SPOT_TS, 5000, "POST",
	    "http://127.0.0.1:1/api/v3/order",
	    "symbol=BTCUSDT&side=SELL&type=LIMIT_MAKER&quantity=0.001&"
	    "price=70000.5&newClientOrderId=mk1&newOrderRespType=RESULT&"
	    "recvWindow=5000&timestamp=1499827319559&signature="
	    "3dc1131a262764efa383a3aed1afcd012a7b5d8fbebafbd20072ba0a216a03af",
	    SPOT_H, FORM, 1, 0, "spot post-only is LIMIT_MAKER");
	o = tvt_order("BTCUSDT", "m1", VT_BUY, VT_MARKET, VT_IOC, "0.01", "5");
	builds(spot, VT_REQ_NEW, &o, SPOT_TS, 0, "POST",
	    "http://127.0.0.1:1/api/v3/order",
	    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&"
	    "newClientOrderId=m1&newOrderRespType=RESULT&"
	    "timestamp=1499827319559&signature="
	    "0fa910ae0c3030b4e34ae12739460433f944243604b588ec236ed9ea74409c25",
	    SPOT_H, FORM, 1, 0, "spot market order: no price, no "
	    "timeInForce, no recvWindow when 0");
	o = tvt_order("LTCBTC", "x-1_a", 0, 0, 0, NULL, NULL);
	builds(spot, VT_REQ_CANCEL, &o, SPOT_TS, 5000, "DELETE",
	    "http://127.0.0.1:1/api/v3/order?symbol=LTCBTC&"
	    "origClientOrderId=x-1_a&recvWindow=5000&timestamp=1499827319559"
	    "&signature="
	    "6ddc26b996653792998ef4ca17a0d33abed8cfe7f09827d0e0a99d3f230ce3ce",
	    "", SPOT_H, "", 1, 0, "spot cancel by client id");
	builds(spot, VT_REQ_QUERY, &o, SPOT_TS, 5000, "GET",
	    "http://127.0.0.1:1/api/v3/order?symbol=LTCBTC&"
	    "origClientOrderId=x-1_a&recvWindow=5000&timestamp=1499827319559"
	    "&signature="
	    "6ddc26b996653792998ef4ca17a0d33abed8cfe7f09827d0e0a99d3f230ce3ce",
	    "", SPOT_H, "", 4, 1, "spot query by client id");
	o = tvt_order("LTCBTC", NULL, 0, 0, 0, NULL, NULL);
	builds(spot, VT_REQ_OPEN, &o, SPOT_TS, 5000, "GET",
	    "http://127.0.0.1:1/api/v3/openOrders?symbol=LTCBTC&"
	    "recvWindow=5000&timestamp=1499827319559&signature="
	    "ca06541d8d2b2e0ef5b7c2b4a43fc4cbff34f7c431318650ba7714357347bd70",
	    "", SPOT_H, "", 6, 1, "spot open orders of a symbol");
	builds(spot, VT_REQ_OPEN, NULL, SPOT_TS, 5000, "GET",
	    "http://127.0.0.1:1/api/v3/openOrders?"
	    "recvWindow=5000&timestamp=1499827319559&signature="
	    "82f4e72e95e63d666b6da651e82a701722ad8a785a169318d91f36f279c55821",
	    "", SPOT_H, "", 80, 1, "spot open orders of all symbols");
	builds(spot, VT_REQ_TIME, NULL, SPOT_TS, 5000, "GET",
	    "http://127.0.0.1:1/api/v3/time", "", "", "", 1, 1,
	    "spot time: unsigned, no key");
	o = tvt_order("BNBBTC", "x-1_a", 0, 0, 0, NULL, NULL);
	o.order_id = "100234";
	builds(spot, VT_REQ_TRADES, &o, SPOT_TS, 5000, "GET",
	    "http://127.0.0.1:1/api/v3/myTrades?symbol=BNBBTC&orderId=100234&"
	    "recvWindow=5000&timestamp=1499827319559&signature="
	    "52d7771f50356d5815e354688c09b74bec05bbec515afa9a5cd7974a8cf6afd4",
	    "", SPOT_H, "", 5, 1, "spot trades of an order");
	builds(spot, VT_REQ_BALANCES, NULL, SPOT_TS, 5000, "GET",
	    "http://127.0.0.1:1/api/v3/account?omitZeroBalances=true&"
	    "recvWindow=5000&timestamp=1499827319559&signature="
	    "807e9f33e2180fee3162aaa9fddb73c600a957ca7e8353e2c50ba2a31430a41f",
	    "", SPOT_H, "", 20, 1, "spot balances");
}

static void
test_build_futures(void)
{
	struct vt_order o;

	/* PROTOCOLS §3.2, the USD-M example, as build() makes it. */
	o = tvt_order("BTCUSDT", NULL, VT_BUY, VT_LIMIT, VT_GTC, "1", "9000");
	builds(fut, VT_REQ_NEW, &o, FUT_TS, 5000, "POST",
	    "http://127.0.0.1:2/fapi/v1/order",
	    "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&"
	    "timeInForce=GTC&recvWindow=5000&timestamp=1591702613943&"
	    "signature="
	    "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9",
	    FUT_H, FORM, 0, 0, "futures: the documented example");
	o = tvt_order("BTCUSDT", "a.b:c/d", VT_SELL, VT_LIMIT, VT_POST_ONLY,
	    "0.002", "65000");
	o.reduce_only = 1;
	builds(fut, VT_REQ_NEW, &o, FUT_TS, 5000, "POST",
	    "http://127.0.0.1:2/fapi/v1/order",
	    "symbol=BTCUSDT&side=SELL&type=LIMIT&quantity=0.002&price=65000&"
	    "timeInForce=GTX&reduceOnly=true&newClientOrderId=a.b%3Ac%2Fd&"
	    "recvWindow=5000&timestamp=1591702613943&signature="
	    "a447c0cc572845b9a96b19130860da7cd656f2222125a7281526e8a3a757a466",
	    FUT_H, FORM, 0, 0, "futures post-only reduce-only, id encoded");
	o = tvt_order("BTCUSDT", "q1", 0, 0, 0, NULL, NULL);
	builds(fut, VT_REQ_QUERY, &o, FUT_TS, 5000, "GET",
	    "http://127.0.0.1:2/fapi/v1/order?symbol=BTCUSDT&"
	    "origClientOrderId=q1&recvWindow=5000&timestamp=1591702613943&"
	    "signature="
	    "6cf6922ac65e9dc32a4a5c7fb909efa102abe6fb40291bb908786caba46bc077",
	    "", FUT_H, "", 1, 1, "futures query");
	builds(fut, VT_REQ_CANCEL, &o, FUT_TS, 5000, "DELETE",
	    "http://127.0.0.1:2/fapi/v1/order?symbol=BTCUSDT&"
	    "origClientOrderId=q1&recvWindow=5000&timestamp=1591702613943&"
	    "signature="
	    "6cf6922ac65e9dc32a4a5c7fb909efa102abe6fb40291bb908786caba46bc077",
	    "", FUT_H, "", 1, 0, "futures cancel");
	o.order_id = "25851813";
	builds(fut, VT_REQ_TRADES, &o, FUT_TS, 5000, "GET",
	    "http://127.0.0.1:2/fapi/v1/userTrades?symbol=BTCUSDT&"
	    "orderId=25851813&recvWindow=5000&timestamp=1591702613943&"
	    "signature="
	    "46d7d083901c60158070194c6d9e53ece67f4a116055df36b51648ad426f5e15",
	    "", FUT_H, "", 5, 1, "futures trades of an order");
	builds(fut, VT_REQ_POSITIONS, NULL, FUT_TS, 5000, "GET",
	    "http://127.0.0.1:2/fapi/v3/positionRisk?recvWindow=5000&"
	    "timestamp=1591702613943&signature="
	    "5581570ecf76b9b74c6f1a66ef6520c2959a75c32641affb2634d655d6e64db8",
	    "", FUT_H, "", 5, 1, "futures positions");
	builds(fut, VT_REQ_BALANCES, NULL, FUT_TS, 5000, "GET",
	    "http://127.0.0.1:2/fapi/v3/balance?recvWindow=5000&"
	    "timestamp=1591702613943&signature="
	    "5581570ecf76b9b74c6f1a66ef6520c2959a75c32641affb2634d655d6e64db8",
	    "", FUT_H, "", 5, 1, "futures balances");
	builds(fut, VT_REQ_OPEN, NULL, FUT_TS, 5000, "GET",
	    "http://127.0.0.1:2/fapi/v1/openOrders?recvWindow=5000&"
	    "timestamp=1591702613943&signature="
	    "5581570ecf76b9b74c6f1a66ef6520c2959a75c32641affb2634d655d6e64db8",
	    "", FUT_H, "", 40, 1, "futures open orders, all symbols");
	builds(fut, VT_REQ_TIME, NULL, FUT_TS, 5000, "GET",
	    "http://127.0.0.1:2/fapi/v1/time", "", "", "", 1, 1,
	    "futures time");
	builds(fut, VT_REQ_LISTEN_NEW, NULL, FUT_TS, 5000, "POST",
	    "http://127.0.0.1:2/fapi/v1/listenKey", "", FUT_H, "", 1, 1,
	    "futures listen key: the key header, nothing signed");
	builds(fut, VT_REQ_LISTEN_KEEP, NULL, FUT_TS, 5000, "PUT",
	    "http://127.0.0.1:2/fapi/v1/listenKey", "", FUT_H, "", 1, 1,
	    "futures listen key kept");
}

static void
test_build_refused(void)
{
	struct vt_order o;
	struct vt_keys bad = spot_keys;

	refused(spot, VT_REQ_LISTEN_NEW, NULL, &spot_keys, "spot listen key");
	refused(spot, VT_REQ_POSITIONS, NULL, &spot_keys, "spot positions");
	o = tvt_order("BTCUSDT", "a", VT_BUY, VT_MARKET, VT_POST_ONLY, "1", NULL);
	refused(spot, VT_REQ_NEW, &o, &spot_keys, "post-only market order");
	o = tvt_order("BTCUSDT", "a", VT_BUY, VT_LIMIT, VT_GTC, "1", NULL);
	refused(fut, VT_REQ_NEW, &o, &fut_keys, "limit without a price");
	o = tvt_order("BTCUSDT", "a", VT_BUY, VT_LIMIT, VT_GTC, "1e3", "1");
	refused(fut, VT_REQ_NEW, &o, &fut_keys, "quantity with an exponent");
	o = tvt_order("BTCUSDT", "a&b=c", VT_BUY, VT_LIMIT, VT_GTC, "1", "1");
	refused(spot, VT_REQ_NEW, &o, &spot_keys, "client id with '&'");
	o = tvt_order("BTCUSDT", "a:b", VT_BUY, VT_LIMIT, VT_GTC, "1", "1");
	refused(spot, VT_REQ_NEW, &o, &spot_keys, "':' in a spot client id");
	o = tvt_order("BTCUSDT", "0123456789012345678901234567890123456", VT_BUY,
	    VT_LIMIT, VT_GTC, "1", "1");
	refused(fut, VT_REQ_NEW, &o, &fut_keys, "client id of 37");
	o = tvt_order("BTCUSDT", NULL, 0, 0, 0, NULL, NULL);
	refused(spot, VT_REQ_CANCEL, &o, &spot_keys, "cancel without an id");
	o = tvt_order("BTCUSDT", "a", VT_BUY, VT_LIMIT, VT_GTC, "1", "1");
	o.reduce_only = 1;
	refused(spot, VT_REQ_NEW, &o, &spot_keys, "reduce-only on spot");
	o = tvt_order("BTCUSDT", "a", 0, 0, 0, NULL, NULL);
	refused(spot, VT_REQ_TRADES, &o, &spot_keys, "trades without the "
	    "venue's order id");
	o.order_id = "12a";
	refused(fut, VT_REQ_TRADES, &o, &fut_keys, "an order id not a number");
	o = tvt_order("BTCUSDT", "a", VT_BUY, VT_LIMIT, VT_GTC, "1", "1");
	bad.key = "a b\r\nX-Evil: 1";
	bad.key_len = strlen(bad.key);
	o.reduce_only = 0;
	refused(spot, VT_REQ_NEW, &o, &bad, "a key that would split a header");
	refused(spot, VT_REQ_NEW, &o, NULL, "no key");
}

/* Parse body (status) for what; the outcome, code and updates. */
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
		const char *body;
		enum vt_outcome want;
		long code;
	} t[] = {
		{ -1, "", VT_UNKNOWN, 0 },
		{ 500, "", VT_UNKNOWN, 0 },
		{ 503, "{\"code\":-1007,\"msg\":\"Timeout waiting for "
		    "response from backend server. Send status unknown; "
		    "execution status unknown.\"}", VT_UNKNOWN, -1007 },
		{ 400, "{\"code\":-1006,\"msg\":\"An unexpected response was "
		    "received from the message bus. Execution status "
		    "unknown.\"}", VT_UNKNOWN, -1006 },
		{ 400, "{\"code\":-2010,\"msg\":\"Duplicate order sent.\"}",
		    VT_DUPLICATE, -2010 },
		{ 400, "{\"code\":-4116,\"msg\":\"ClientOrderId is "
		    "duplicated.\"}", VT_DUPLICATE, -4116 },
		{ 400, "{\"code\":-2010,\"msg\":\"Account has insufficient "
		    "balance for requested action.\"}", VT_REJECTED, -2010 },
		{ 400, "{\"code\":-2013,\"msg\":\"Order does not exist.\"}",
		    VT_NOT_FOUND, -2013 },
		{ 400, "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}",
		    VT_NOT_FOUND, -2011 },
		{ 400, "{\"code\":-1021,\"msg\":\"Timestamp for this request "
		    "is outside of the recvWindow.\"}", VT_TIMESTAMP, -1021 },
		{ 400, "{\"code\":-1022,\"msg\":\"Signature for this request "
		    "is not valid.\"}", VT_AUTH, -1022 },
		{ 401, "{\"code\":-2014,\"msg\":\"API-key format invalid.\"}",
		    VT_AUTH, -2014 },
		{ 401, "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or "
		    "permissions for action.\"}", VT_AUTH, -2015 },
		{ 429, "{\"code\":-1003,\"msg\":\"Too many requests.\"}",
		    VT_RATE, -1003 },
		{ 418, "{\"code\":-1003,\"msg\":\"Way too many requests; IP "
		    "banned until 1659146400123.\"}", VT_RATE, -1003 },
		{ 429, "", VT_RATE, 0 },
		{ 400, "{\"code\":-1015,\"msg\":\"Too many new orders.\"}",
		    VT_RATE, -1015 },
		{ 400, "{\"code\":-1013,\"msg\":\"Filter failure: "
		    "LOT_SIZE\"}", VT_REJECTED, -1013 },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct vt_answer a;
		char name[64];
		int rc;

		snprintf(name, sizeof name, "outcome %zu: HTTP %d code %ld",
		    i, t[i].status, t[i].code);
		memset(&a, 0, sizeof a);
		rc = fut->trade->parse(fut, VT_REQ_NEW, t[i].status,
		    t[i].body, strlen(t[i].body), &a);
		tap_ok(rc == 0 && a.outcome == t[i].want && a.code ==
		    t[i].code && a.up.n == 0 && a.retry_after_ms == 0,
		    "%s (got rc %d outcome %d code %ld)", name, rc,
		    (int)a.outcome, a.code);
		vt_updates_free(&a.up);
	}
	/* What a body that is no answer gives for a new order. */
	{
		static const char *const junk[] = { "", "{", "<html>502</html>",
		    "[1,2]", "{\"symbol\":\"BTCUSDT\"}", "null",
		    "{\"code\":\"x\"}", "{\"orderId\":1,\"status\":\"NEW\"}" };

		for (i = 0; i < sizeof junk / sizeof junk[0]; i++) {
			struct vt_answer a;
			int rc, s;

			for (s = 200; s <= 403; s += 203) {
				memset(&a, 0, sizeof a);
				rc = spot->trade->parse(spot, VT_REQ_NEW, s,
				    junk[i], strlen(junk[i]), &a);
				tap_ok(rc == -1 && a.outcome == VT_UNKNOWN &&
				    a.up.n == 0 && a.msg[0], "HTTP %d '%s': "
				    "unknown", s, junk[i]);
				vt_updates_free(&a.up);
			}
		}
	}
}

/* Spot answers from rest-api.md. */
static void
test_answers_spot(void)
{
	parses(spot, VT_REQ_NEW, 200,
	    "{\"symbol\":\"BTCUSDT\",\"orderId\":28,\"orderListId\":-1,"
	    "\"clientOrderId\":\"6gCrw2kRUAF9CvJDGP16IP\",\"transactTime\":"
	    "1507725176595,\"price\":\"0.00000000\",\"origQty\":"
	    "\"10.00000000\",\"executedQty\":\"10.00000000\","
	    "\"origQuoteOrderQty\":\"0.000000\",\"cummulativeQuoteQty\":"
	    "\"10.00000000\",\"status\":\"FILLED\",\"timeInForce\":\"GTC\","
	    "\"type\":\"MARKET\",\"side\":\"SELL\",\"workingTime\":"
	    "1507725176595,\"selfTradePreventionMode\":\"NONE\"}",
	    0, VT_OK, 0,
	    "order BTCUSDT c=6gCrw2kRUAF9CvJDGP16IP o=28 sell filled market "
	    "q=10 p=0 f=10 avg=1 t=1507725176595\n", "spot RESULT answer");
	parses(spot, VT_REQ_NEW, 200,
	    "{\"symbol\":\"BTCUSDT\",\"orderId\":28,\"orderListId\":-1,"
	    "\"clientOrderId\":\"6gCrw2kRUAF9CvJDGP16IP\",\"transactTime\":"
	    "1507725176595,\"price\":\"0.00000000\",\"origQty\":"
	    "\"10.00000000\",\"executedQty\":\"10.00000000\","
	    "\"cummulativeQuoteQty\":\"39.99400000\",\"status\":\"FILLED\","
	    "\"timeInForce\":\"GTC\",\"type\":\"MARKET\",\"side\":\"SELL\","
	    "\"fills\":[{\"price\":\"4000.00000000\",\"qty\":\"1.00000000\","
	    "\"commission\":\"4.00000000\",\"commissionAsset\":\"USDT\","
	    "\"tradeId\":56},{\"price\":\"3999.00000000\",\"qty\":"
	    "\"5.00000000\",\"commission\":\"19.99500000\","
	    "\"commissionAsset\":\"USDT\",\"tradeId\":57},{\"price\":"
	    "\"3998.00000000\",\"qty\":\"2.00000000\",\"commission\":"
	    "\"7.99600000\",\"commissionAsset\":\"USDT\",\"tradeId\":58},"
	    "{\"price\":\"3997.00000000\",\"qty\":\"1.00000000\","
	    "\"commission\":\"3.99700000\",\"commissionAsset\":\"USDT\","
	    "\"tradeId\":59},{\"price\":\"3995.00000000\",\"qty\":"
	    "\"1.00000000\",\"commission\":\"3.99500000\","
	    "\"commissionAsset\":\"USDT\",\"tradeId\":60}]}",
	    0, VT_OK, 0,
	    "order BTCUSDT c=6gCrw2kRUAF9CvJDGP16IP o=28 sell filled market "
	    "q=10 p=0 f=10 avg=3.9994 t=1507725176595\n"
	    "fill BTCUSDT c=6gCrw2kRUAF9CvJDGP16IP o=28 sell id=56 1@4000 "
	    "fee=4 USDT maker=0 t=1507725176595\n"
	    "fill BTCUSDT c=6gCrw2kRUAF9CvJDGP16IP o=28 sell id=57 5@3999 "
	    "fee=19.995 USDT maker=0 t=1507725176595\n"
	    "fill BTCUSDT c=6gCrw2kRUAF9CvJDGP16IP o=28 sell id=58 2@3998 "
	    "fee=7.996 USDT maker=0 t=1507725176595\n"
	    "fill BTCUSDT c=6gCrw2kRUAF9CvJDGP16IP o=28 sell id=59 1@3997 "
	    "fee=3.997 USDT maker=0 t=1507725176595\n"
	    "fill BTCUSDT c=6gCrw2kRUAF9CvJDGP16IP o=28 sell id=60 1@3995 "
	    "fee=3.995 USDT maker=0 t=1507725176595\n",
	    "spot FULL answer with fills");
	/* A quotient that does not end: cut at 16 decimals. */
	parses(spot, VT_REQ_QUERY, 200,
	    "{\"symbol\":\"LTCBTC\",\"orderId\":1,\"orderListId\":-1,"
	    "\"clientOrderId\":\"myOrder1\",\"price\":\"0.1\",\"origQty\":"
	    "\"3.0\",\"executedQty\":\"3.0\",\"cummulativeQuoteQty\":\"1.0\","
	    "\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":"
	    "\"LIMIT\",\"side\":\"BUY\",\"stopPrice\":\"0.0\",\"icebergQty\":"
	    "\"0.0\",\"time\":1499827319559,\"updateTime\":1499827319559,"
	    "\"isWorking\":true,\"workingTime\":1499827319559,"
	    "\"origQuoteOrderQty\":\"0.000000\",\"selfTradePreventionMode\":"
	    "\"NONE\"}",
	    0, VT_OK, 0,
	    "order LTCBTC c=myOrder1 o=1 buy partially_filled limit q=3 p=0.1 "
	    "f=3 avg=0.3333333333333333 t=1499827319559\n",
	    "spot query (rest-api.md), avg cut at 16 decimals");
	parses(spot, VT_REQ_CANCEL, 200,
	    "{\"symbol\":\"LTCBTC\",\"origClientOrderId\":\"myOrder1\","
	    "\"orderId\":4,\"orderListId\":-1,\"clientOrderId\":"
	    "\"cancelMyOrder1\",\"transactTime\":1684804350068,\"price\":"
	    "\"2.00000000\",\"origQty\":\"1.00000000\",\"executedQty\":"
	    "\"0.00000000\",\"cummulativeQuoteQty\":\"0.00000000\",\"status\":"
	    "\"CANCELED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":"
	    "\"BUY\",\"selfTradePreventionMode\":\"NONE\"}",
	    0, VT_OK, 0,
	    "order LTCBTC c=myOrder1 o=4 buy canceled limit q=1 p=2 f=0 avg=0 "
	    "t=1684804350068\n", "spot cancel: the order's own client id");
	parses(spot, VT_REQ_OPEN, 200, " [ ] ", 0, VT_OK, 0, "",
	    "spot no open orders");
}

/* USD-M answers from its documents (New Order, Account, Trades), and
 * spot's trade and account lists. */
static void
test_answers_futures(void)
{
	parses(fut, VT_REQ_NEW, 200,
	    "{\"clientOrderId\":\"testOrder\",\"cumQty\":\"0\",\"cumQuote\":"
	    "\"0\",\"executedQty\":\"0\",\"orderId\":22542179,\"avgPrice\":"
	    "\"0.00000\",\"origQty\":\"10\",\"price\":\"0\",\"reduceOnly\":"
	    "false,\"side\":\"BUY\",\"positionSide\":\"SHORT\",\"status\":"
	    "\"NEW\",\"stopPrice\":\"9300\",\"closePosition\":false,"
	    "\"symbol\":\"BTCUSDT\",\"timeInForce\":\"GTD\",\"type\":"
	    "\"TRAILING_STOP_MARKET\",\"origType\":\"TRAILING_STOP_MARKET\","
	    "\"activatePrice\":\"9020\",\"priceRate\":\"0.3\",\"updateTime\":"
	    "1566818724722,\"workingType\":\"CONTRACT_PRICE\","
	    "\"priceProtect\":false,\"priceMatch\":\"NONE\","
	    "\"selfTradePreventionMode\":\"NONE\",\"goodTillDate\":"
	    "1693207680000}",
	    0, VT_OK, 0,
	    "order BTCUSDT c=testOrder o=22542179 buy new limit q=10 p=0 f=0 "
	    "avg=0 t=1566818724722\n", "futures new order answer");
	parses(fut, VT_REQ_OPEN, 200,
	    "[{\"avgPrice\":\"64000.5\",\"clientOrderId\":\"abc\",\"cumQuote\":"
	    "\"64.0005\",\"executedQty\":\"0.001\",\"orderId\":1917641,"
	    "\"origQty\":\"0.004\",\"origType\":\"LIMIT\","
	    "\"price\":\"64000.5\","
	    "\"reduceOnly\":false,\"side\":\"SELL\",\"positionSide\":\"BOTH\","
	    "\"status\":\"PARTIALLY_FILLED\",\"stopPrice\":\"0\","
	    "\"closePosition\":false,\"symbol\":\"BTCUSDT\",\"time\":"
	    "1579276756075,\"timeInForce\":\"GTC\",\"type\":\"LIMIT\","
	    "\"updateTime\":1579276756080}]",
	    0, VT_OK, 0,
	    "order BTCUSDT c=abc o=1917641 sell partially_filled limit "
	    "q=0.004 p=64000.5 f=0.001 avg=64000.5 t=1579276756080\n",
	    "futures open orders");
	parses(fut, VT_REQ_TIME, 200, "{\"serverTime\":1499827319559}", 0,
	    VT_OK, 0, "", "futures time");
	parses(fut, VT_REQ_LISTEN_NEW, 200, "{\"listenKey\":\"pqia91ma19a5s61"
	    "cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1\"}", 0, VT_OK,
	    0, "", "futures listen key");
	parses(fut, VT_REQ_LISTEN_KEEP, 200, "{}", 0, VT_OK, 0, "",
	    "futures listen key kept");
	parses(fut, VT_REQ_POSITIONS, 200,
	    "[{\"symbol\":\"ADAUSDT\",\"positionSide\":\"BOTH\","
	    "\"positionAmt\":\"-30\",\"entryPrice\":\"0.385\","
	    "\"breakEvenPrice\":\"0.385077\",\"markPrice\":\"0.41047590\","
	    "\"unRealizedProfit\":\"-0.76427700\",\"liquidationPrice\":\"0\","
	    "\"isolatedMargin\":\"0\",\"notional\":\"-12.31427700\","
	    "\"marginAsset\":\"USDT\",\"isolatedWallet\":\"0\","
	    "\"initialMargin\":\"0.61571385\",\"maintMargin\":\"0.08004280\","
	    "\"positionInitialMargin\":\"0.61571385\",\"openOrderInitialMargin"
	    "\":\"0\",\"adl\":2,\"bidNotional\":\"0\",\"askNotional\":\"0\","
	    "\"updateTime\":1720736417660}]",
	    0, VT_OK, 0,
	    "position ADAUSDT -30 entry=0.385 upnl=-0.764277 t=1720736417660\n",
	    "futures positionRisk v3");
	parses(fut, VT_REQ_BALANCES, 200,
	    "[{\"accountAlias\":\"SgsR\",\"asset\":\"USDT\",\"balance\":"
	    "\"122607.35137903\",\"crossWalletBalance\":\"23.72469206\","
	    "\"crossUnPnl\":\"0.00000000\",\"availableBalance\":"
	    "\"23.72469206\",\"maxWithdrawAmount\":\"23.72469206\","
	    "\"marginAvailable\":true,\"updateTime\":1617939110373}]",
	    0, VT_OK, 0,
	    "balance USDT free=23.72469206 locked=122583.62668697 "
	    "t=1617939110373\n", "futures balance v3");
	parses(spot, VT_REQ_TRADES, 200,
	    "[{\"symbol\":\"BNBBTC\",\"id\":28457,\"orderId\":100234,"
	    "\"orderListId\":-1,\"price\":\"4.00000100\",\"qty\":"
	    "\"12.00000000\",\"quoteQty\":\"48.000012\",\"commission\":"
	    "\"10.10000000\",\"commissionAsset\":\"BNB\",\"time\":"
	    "1499865549590,\"isBuyer\":true,\"isMaker\":false,"
	    "\"isBestMatch\":true}]",
	    0, VT_OK, 0,
	    "fill BNBBTC c= o=100234 buy id=28457 12@4.000001 fee=10.1 BNB "
	    "maker=0 t=1499865549590\n", "spot myTrades (rest-api.md)");
	parses(fut, VT_REQ_TRADES, 200,
	    "[{\"buyer\":false,\"commission\":\"-0.07819010\","
	    "\"commissionAsset\":\"USDT\",\"id\":698759,\"maker\":true,"
	    "\"orderId\":25851813,\"price\":\"7819.01\",\"qty\":"
	    "\"0.002\",\"quoteQty\":\"15.63802\",\"realizedPnl\":"
	    "\"-0.91539999\",\"side\":\"SELL\",\"positionSide\":"
	    "\"SHORT\",\"symbol\":\"BTCUSDT\",\"time\":1569514978020}]",
	    0, VT_OK, 0,
	    "fill BTCUSDT c= o=25851813 sell id=698759 0.002@7819.01 "
	    "fee=-0.0781901 USDT maker=1 t=1569514978020\n",
	    "futures userTrades (a rebate is a negative fee)");
	parses(spot, VT_REQ_BALANCES, 200,
	    "{\"makerCommission\":15,\"takerCommission\":15,\"canTrade\":true,"
	    "\"updateTime\":123456789,\"accountType\":\"SPOT\",\"balances\":"
	    "[{\"asset\":\"BTC\",\"free\":\"4723846.89208129\",\"locked\":"
	    "\"0.00000000\"},{\"asset\":\"LTC\",\"free\":\"4763368.68006011\","
	    "\"locked\":\"0.00000000\"}],\"permissions\":[\"SPOT\"],\"uid\":"
	    "354937868}",
	    0, VT_OK, 0,
	    "balance BTC free=4723846.89208129 locked=0 t=0\n"
	    "balance LTC free=4763368.68006011 locked=0 t=0\n",
	    "spot account balances");
}

/* One stream message: its kind and updates. */
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
test_stream_plans(void)
{
	struct buf url, msgs;

	buf_init(&url, 0);
	buf_init(&msgs, 0);
	setenv("MKT_BINANCE_SPOT_WSAPI", "ws://127.0.0.1:3", 1);
	tap_eq_i(spot->trade->stream_plan(spot, &spot_keys, SPOT_TS, 5000,
	    NULL, &url, &msgs), 0, "spot stream plan");
	buf_addc(&url, '\0');
	tap_eq_s(url.p, "ws://127.0.0.1:3/ws-api/v3",
	    "spot: the WebSocket API");
	tap_eq_s(msgs.p, "{\"id\":\"subscribe\",\"method\":"
	    "\"userDataStream.subscribe.signature\",\"params\":{\"apiKey\":\""
	    SPOT_KEY "\",\"recvWindow\":5000,\"timestamp\":1499827319559,"
	    "\"signature\":"
	    "\"e272787f858fe175d42f29d9b855d65a49dddfccb3f79f6ff5f8827b5208545d"
	    "\"}}", "spot: subscribe signed over the sorted parameters");
	tap_eq_i(msgs.len, strlen(msgs.p) + 1, "spot: one message");
	buf_reset(&url);
	buf_reset(&msgs);
	tap_eq_i(fut->trade->stream_plan(fut, &fut_keys, FUT_TS, 5000,
	    "pqia91ma19a5s61cv6a81va65sdf19v8a65a1", &url, &msgs), 0,
	    "futures stream plan");
	buf_addc(&url, '\0');
	tap_eq_s(url.p, "ws://127.0.0.1:4/ws/"
	    "pqia91ma19a5s61cv6a81va65sdf19v8a65a1", "futures: the listen key");
	tap_eq_i(msgs.len, 0, "futures: nothing to send");
	buf_reset(&url);
	tap_ok(fut->trade->stream_plan(fut, &fut_keys, FUT_TS, 5000, NULL,
	    &url, &msgs) < 0, "futures: no plan without a listen key");
	tap_ok(fut->trade->stream_plan(fut, &fut_keys, FUT_TS, 5000, "a/../b",
	    &url, &msgs) < 0, "futures: a listen key is letters and digits");
	buf_free(&url);
	buf_free(&msgs);
	tap_ok(fut->trade->needs_listen_key && !spot->trade->needs_listen_key,
	    "only futures needs a listen key");
	tap_eq_i(fut->trade->listen_keep_ms, 30 * 60 * 1000,
	    "listen key kept every 30 min");
	tap_ok(spot->trade->order_n == 50 && spot->trade->order_ms == 10000 &&
	    fut->trade->order_n == 300 && fut->trade->order_ms == 10000,
	    "order-rate limits");
}

/* Messages as user-data-stream.md and the USD-M docs show them. */
static void
test_stream_spot(void)
{
	streams(spot, "{\"id\":\"subscribe\",\"status\":200,\"result\":"
	    "{\"subscriptionId\":0},\"rateLimits\":[{\"rateLimitType\":"
	    "\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,"
	    "\"limit\":6000,\"count\":2}]}", VT_S_READY, "", "subscribed");
	streams(spot, "{\"id\":\"subscribe\",\"status\":400,\"error\":{"
	    "\"code\":-1022,\"msg\":\"Signature for this request is not "
	    "valid.\"}}", VT_S_ERROR, "", "subscription refused");
	streams(spot, "{\"subscriptionId\":0,\"event\":{\"e\":"
	    "\"executionReport\",\"E\":1499405658658,\"s\":\"ETHBTC\",\"c\":"
	    "\"mUvoqJxFIILMdfAW5iGSOW\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":"
	    "\"GTC\",\"q\":\"1.00000000\",\"p\":\"0.10264410\",\"P\":"
	    "\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":"
	    "\"NEW\",\"X\":\"NEW\",\"r\":\"NONE\",\"i\":4293153,\"l\":"
	    "\"0.00000000\",\"z\":\"0.00000000\",\"L\":\"0.00000000\",\"n\":"
	    "\"0\",\"N\":null,\"T\":1499405658657,\"t\":-1,\"v\":3,"
	    "\"I\":8641984,"
	    "\"w\":true,\"m\":false,\"M\":false,\"O\":1499405658657,\"Z\":"
	    "\"0.00000000\",\"Y\":\"0.00000000\",\"Q\":\"0.00000000\",\"W\":"
	    "1499405658657,\"V\":\"NONE\"}}", VT_S_DATA,
	    "order ETHBTC c=mUvoqJxFIILMdfAW5iGSOW o=4293153 buy new limit q=1 "
	    "p=0.1026441 f=0 avg=0 t=1499405658657\n", "executionReport NEW");
	streams(spot, "{\"subscriptionId\":0,\"event\":{\"e\":"
	    "\"executionReport\",\"E\":1499405658700,\"s\":\"ETHBTC\",\"c\":"
	    "\"mUvoqJxFIILMdfAW5iGSOW\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":"
	    "\"GTC\",\"q\":\"1.00000000\",\"p\":\"0.10264410\",\"C\":\"\","
	    "\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"r\":\"NONE\",\"i\":"
	    "4293153,\"l\":\"0.40000000\",\"z\":\"0.40000000\",\"L\":"
	    "\"0.10264400\",\"n\":\"0.00004000\",\"N\":\"ETH\",\"T\":"
	    "1499405658699,\"t\":77,\"m\":true,\"Z\":\"0.04105760\"}}",
	    VT_S_DATA,
	    "order ETHBTC c=mUvoqJxFIILMdfAW5iGSOW o=4293153 buy "
	    "partially_filled limit q=1 p=0.1026441 f=0.4 avg=0.102644 "
	    "t=1499405658699\n"
	    "fill ETHBTC c=mUvoqJxFIILMdfAW5iGSOW o=4293153 buy id=77 "
	    "0.4@0.102644 fee=0.00004 ETH maker=1 t=1499405658699\n",
	    "executionReport TRADE: the order and its fill");
	streams(spot, "{\"subscriptionId\":0,\"event\":{\"e\":"
	    "\"executionReport\",\"E\":1499405659000,\"s\":\"ETHBTC\",\"c\":"
	    "\"cancel-1\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"q\":\"1.00000000\","
	    "\"p\":\"0.10264410\",\"C\":\"mUvoqJxFIILMdfAW5iGSOW\",\"x\":"
	    "\"CANCELED\",\"X\":\"CANCELED\",\"i\":4293153,\"l\":\"0\",\"z\":"
	    "\"0.40000000\",\"L\":\"0\",\"T\":1499405658999,\"t\":-1,\"Z\":"
	    "\"0.04105760\"}}", VT_S_DATA,
	    "order ETHBTC c=mUvoqJxFIILMdfAW5iGSOW o=4293153 buy canceled "
	    "limit q=1 p=0.1026441 f=0.4 avg=0.102644 t=1499405658999\n",
	    "executionReport CANCELED: the original client id");
	streams(spot, "{\"subscriptionId\":0,\"event\":{\"e\":"
	    "\"outboundAccountPosition\",\"E\":1564034571105,\"u\":"
	    "1564034571073,\"B\":[{\"a\":\"ETH\",\"f\":\"10000.000000\",\"l\":"
	    "\"0.000000\"}]}}", VT_S_DATA,
	    "balance ETH free=10000 locked=0 t=1564034571105\n",
	    "outboundAccountPosition");
	streams(spot, "{\"subscriptionId\":0,\"event\":{\"e\":"
	    "\"balanceUpdate\","
	    "\"E\":1573200697110,\"a\":\"BTC\",\"d\":\"100.00000000\",\"T\":"
	    "1573200697068}}", VT_S_IGNORED, "", "balanceUpdate: no news");
	streams(spot, "{\"subscriptionId\":0,\"event\":{\"e\":"
	    "\"eventStreamTerminated\",\"E\":1728973001334}}", VT_S_EXPIRED,
	    "", "eventStreamTerminated");
	streams(spot, "{\"subscriptionId\":0,\"event\":{\"e\":"
	    "\"executionReport\",\"s\":\"ETHBTC\"}}", VT_S_IGNORED, "",
	    "an executionReport without its fields hands on nothing");
}

static void
test_stream_futures(void)
{
	streams(fut, "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1568879465651,\"T\":"
	    "1568879465650,\"o\":{\"s\":\"BTCUSDT\",\"c\":\"TEST\",\"S\":"
	    "\"SELL\",\"o\":\"TRAILING_STOP_MARKET\",\"f\":\"GTC\",\"q\":"
	    "\"0.001\",\"p\":\"0\",\"ap\":\"0\",\"sp\":\"7103.04\",\"x\":"
	    "\"NEW\",\"X\":\"NEW\",\"i\":8886774,\"l\":\"0\",\"z\":\"0\",\"L\":"
	    "\"0\",\"N\":\"USDT\",\"n\":\"0\",\"T\":1568879465650,\"t\":0,"
	    "\"b\":\"0\",\"a\":\"9.91\",\"m\":false,\"R\":false,\"wt\":"
	    "\"CONTRACT_PRICE\",\"ot\":\"TRAILING_STOP_MARKET\",\"ps\":"
	    "\"LONG\",\"cp\":false,\"AP\":\"7476.89\",\"cr\":\"5.0\",\"pP\":"
	    "false,\"si\":0,\"ss\":0,\"rp\":\"0\",\"V\":"
	    "\"EXPIRE_TAKER\",\"pm\":\"OPPONENT\",\"gtd\":0}}", VT_S_DATA,
	    "order BTCUSDT c=TEST o=8886774 sell new limit q=0.001 p=0 f=0 "
	    "avg=0 t=1568879465650\n", "ORDER_TRADE_UPDATE NEW");
	streams(fut, "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1568879465700,\"T\":"
	    "1568879465699,\"o\":{\"s\":\"BTCUSDT\",\"c\":\"c1\",\"S\":\"BUY\","
	    "\"o\":\"MARKET\",\"f\":\"GTC\",\"q\":\"0.010\",\"p\":\"0\",\"ap\":"
	    "\"64000.10\",\"x\":\"TRADE\",\"X\":\"FILLED\",\"i\":9,\"l\":"
	    "\"0.010\",\"z\":\"0.010\",\"L\":\"64000.10\",\"N\":\"USDT\",\"n\":"
	    "\"0.25600040\",\"T\":1568879465699,\"t\":123456,\"m\":false,"
	    "\"rp\":\"0\"}}", VT_S_DATA,
	    "order BTCUSDT c=c1 o=9 buy filled market q=0.01 p=0 f=0.01 "
	    "avg=64000.1 t=1568879465699\n"
	    "fill BTCUSDT c=c1 o=9 buy id=123456 0.01@64000.1 fee=0.2560004 "
	    "USDT maker=0 t=1568879465699\n", "ORDER_TRADE_UPDATE TRADE");
	streams(fut, "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1564745798939,\"T\":"
	    "1564745798938,\"a\":{\"m\":\"ORDER\",\"B\":[{\"a\":\"USDT\","
	    "\"wb\":\"122624.12345678\",\"cw\":\"100.12345678\",\"bc\":"
	    "\"50.12345678\"}],\"P\":[{\"s\":\"BTCUSDT\",\"pa\":\"-0.002\","
	    "\"ep\":\"60000.0\",\"bep\":\"0\",\"cr\":\"200\",\"up\":\"-1.5\","
	    "\"mt\":\"cross\",\"iw\":\"0.00000000\",\"ps\":\"BOTH\"}]}}",
	    VT_S_DATA,
	    "balance USDT free=122624.12345678 locked=0 t=1564745798939\n"
	    "position BTCUSDT -0.002 entry=60000 upnl=-1.5 t=1564745798939\n",
	    "ACCOUNT_UPDATE");
	streams(fut, "{\"e\":\"listenKeyExpired\",\"E\":1576653824250,"
	    "\"listenKey\":\"WsCMN0a4KHUPTQuX6IUnqEZfB1inxmv1qR4kbf1LuEjur5"
	    "VdbzqvyxqG9TSjVVxv\"}",
	    VT_S_EXPIRED, "", "listenKeyExpired");
	streams(fut, "{\"e\":\"TRADE_LITE\",\"E\":1721895408092}",
	    VT_S_IGNORED, "", "TRADE_LITE: no news");
	streams(fut, "not json", VT_S_IGNORED, "", "garbage");
}

int
main(void)
{
	setenv("MKT_BINANCE_SPOT_REST", "http://127.0.0.1:1", 1);
	setenv("MKT_BINANCE_FUTURES_REST", "http://127.0.0.1:2", 1);
	setenv("MKT_BINANCE_FUTURES_WS", "ws://127.0.0.1:4", 1);
	spot = venue_find("binance", 7, "spot", 4);
	fut = venue_find("binance", 7, "futures", 7);
	tap_ok(spot && spot->trade && fut && fut->trade,
	    "binance spot and futures trade");
	if (!spot || !spot->trade || !fut || !fut->trade)
		return tap_done();
	test_build_spot();
	test_build_futures();
	test_build_refused();
	test_outcomes();
	test_answers_spot();
	test_answers_futures();
	test_stream_plans();
	test_stream_spot();
	test_stream_futures();
	return tap_done();
}
