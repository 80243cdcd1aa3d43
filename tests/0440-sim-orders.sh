#!/bin/sh
# mkt-sim's private side, end to end with curl and openssl as the
# client (independent of mkt's own codecs): on Binance spot, Binance
# USD-M futures, Bybit linear and Bybit spot, a signed order is placed,
# queried by its client id, listed, canceled; a market order fills
# against the simulated book and shows in the trades, the account, the
# positions; a resting order fills once the market reaches it; the
# truth endpoints /sim/orders and /sim/positions list everything.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools curl openssl jq

SIM=
cleanup() {
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The test pair mkt-sim(1) documents.
K=mkt-sim-test-key
S=mkt-sim-test-secret
unset MKT_API_KEY MKT_API_SECRET

now_ms() { date +%s%3N; }
hmac() { printf %s "$1" | openssl dgst -sha256 -hmac "$2" -r | cut -d' ' -f1; }

# bn METHOD PATH PARAMS: a signed Binance request, the parameters in the
# query string; prints the HTTP status, the body in $T/out.
bn() {
	_q="$3&timestamp=$(now_ms)"
	curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -X "$1" \
	    -H "X-MBX-APIKEY: $K" "$B$2?$_q&signature=$(hmac "$_q" "$S")"
}
# bnb METHOD PATH PARAMS: the same with the parameters in the body.
bnb() {
	_q="$3&timestamp=$(now_ms)"
	curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -X "$1" \
	    -H "X-MBX-APIKEY: $K" \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data "$_q&signature=$(hmac "$_q" "$S")" "$B$2"
}
# byget PATH QUERY / bypost PATH JSON: signed Bybit v5 requests.
byget() {
	_t=$(now_ms)
	curl -s -o "$T/out" -w '%{http_code}' -H "X-BAPI-API-KEY: $K" \
	    -H "X-BAPI-TIMESTAMP: $_t" -H "X-BAPI-RECV-WINDOW: 5000" \
	    -H "X-BAPI-SIGN: $(hmac "$_t${K}5000$2" "$S")" "$B$1?$2"
}
bypost() {
	_t=$(now_ms)
	curl -s -o "$T/out" -w '%{http_code}' -H "X-BAPI-API-KEY: $K" \
	    -H "X-BAPI-TIMESTAMP: $_t" -H "X-BAPI-RECV-WINDOW: 5000" \
	    -H "X-BAPI-SIGN: $(hmac "$_t${K}5000$2" "$S")" \
	    -H 'Content-Type: application/json' --data "$2" "$B$1"
}
out() { jq -r "$@" "$T/out"; }

mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 50 \
    2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
B=http://127.0.0.1:$(cat "$T/port")

# --- Binance spot ------------------------------------------------------
st=$(bn POST /api/v3/order "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=1000&newClientOrderId=spot-1")
is "$st $(out '[.status, .clientOrderId, .type, (.fills|length)] | join(" ")')" \
	"200 NEW spot-1 LIMIT 0" "spot: a signed limit order far below rests"
oid=$(out .orderId)
grep -qi '^x-mbx-order-count-10s: 1' "$T/hdr"
check "spot: the answer counts the order (X-MBX-ORDER-COUNT-10S)" [ $? = 0 ]
st=$(bn GET /api/v3/order "symbol=BTCUSDT&origClientOrderId=spot-1")
is "$st $(out '[.orderId, .status, .price, .origQty] | join(" ")')" \
	"200 $oid NEW 1000.00000000 0.01000000" "spot: queried by client id"
st=$(bn GET /api/v3/openOrders "symbol=BTCUSDT")
is "$st $(out '[.[].clientOrderId] | join(",")')" "200 spot-1" \
	"spot: listed among the open orders"
st=$(bn DELETE /api/v3/order "symbol=BTCUSDT&origClientOrderId=spot-1")
is "$st $(out '[.status, .origClientOrderId, .orderId] | join(" ")')" \
	"200 CANCELED spot-1 $oid" "spot: canceled"
st=$(bn GET /api/v3/order "symbol=BTCUSDT&orderId=$oid")
is "$st $(out .status)" "200 CANCELED" "spot: the query by order id says so"
st=$(bnb POST /api/v3/order "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newClientOrderId=spot-2")
is "$st $(out '[.status, .executedQty, (.fills|length > 0)] | join(" ")')" \
	"200 FILLED 0.01000000 true" "spot: a market order in the body fills"
tid=$(out '.fills[0].tradeId')
st=$(bn GET /api/v3/myTrades "symbol=BTCUSDT")
is "$st $(out "[.[] | select(.id == $tid) | .isBuyer] | join(\" \")")" \
	"200 true" "spot: its trade is in myTrades"
st=$(bn GET /api/v3/account "")
is "$st $(out '.balances[] | select(.asset == "BTC") | .free')" \
	"200 100.01000000" "spot: the account holds the bought BTC"

# --- Binance USD-M futures -------------------------------------------
st=$(bn POST /fapi/v1/order "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.5&price=900000&newClientOrderId=fut-1")
is "$st $(out '[.status, .clientOrderId] | join(" ")')" "200 NEW fut-1" \
	"futures: a limit order far above rests"
st=$(bn GET /fapi/v1/order "symbol=BTCUSDT&origClientOrderId=fut-1")
is "$st $(out '[.status, .origQty, .positionSide] | join(" ")')" \
	"200 NEW 0.5 BOTH" "futures: queried by client id"
st=$(bn GET /fapi/v1/openOrders "symbol=BTCUSDT")
is "$st $(out 'length')" "200 1" "futures: one open order"
st=$(bn DELETE /fapi/v1/order "symbol=BTCUSDT&origClientOrderId=fut-1")
is "$st $(out .status)" "200 CANCELED" "futures: canceled"
st=$(bnb POST /fapi/v1/order "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.02&newClientOrderId=fut-2")
is "$st $(out '[.status, .executedQty] | join(" ")')" "200 FILLED 0.02" \
	"futures: a market order fills"
st=$(bn GET /fapi/v3/positionRisk "symbol=BTCUSDT")
is "$st $(out '.[0].positionAmt')" "200 0.02" \
	"futures: positionRisk shows the long position"
st=$(bn GET /fapi/v1/userTrades "symbol=BTCUSDT")
is "$st $(out '[.[].buyer] | all')" "200 true" "futures: userTrades lists it"
st=$(bn GET /fapi/v3/balance "")
is "$st $(out '.[0].asset')" "200 USDT" "futures: the balance"
st=$(curl -s -o "$T/out" -w '%{http_code}' -X POST -H "X-MBX-APIKEY: $K" \
    "$B/fapi/v1/listenKey")
lk=$(out .listenKey)
is "$st ${#lk}" "200 64" "futures: POST listenKey (key only, no signature)"
st=$(curl -s -o "$T/out" -w '%{http_code}' -X PUT -H "X-MBX-APIKEY: $K" \
    "$B/fapi/v1/listenKey")
is "$st $(out .listenKey)" "200 $lk" "futures: PUT keeps the same key"
st=$(curl -s -o "$T/out" -w '%{http_code}' -X DELETE \
    -H "X-MBX-APIKEY: $K" "$B/fapi/v1/listenKey")
is "$st" 200 "futures: DELETE listenKey"

# --- Bybit linear and spot ------------------------------------------
bypost /v5/order/create '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.1","price":"1000","orderLinkId":"lin-1"}' >/dev/null
is "$(out '[.retCode, .result.orderLinkId] | join(" ")')" "0 lin-1" \
	"bybit linear: a limit order created"
yoid=$(out .result.orderId)
byget /v5/order/realtime "category=linear&symbol=BTCUSDT&orderLinkId=lin-1" >/dev/null
is "$(out '[.retCode, .result.list[0].orderStatus, .result.list[0].orderId] | join(" ")')" \
	"0 New $yoid" "bybit linear: realtime by orderLinkId"
byget /v5/order/realtime "category=linear&symbol=BTCUSDT&openOnly=0" >/dev/null
is "$(out '.result.list | length')" 1 "bybit linear: one open order"
bypost /v5/order/cancel '{"category":"linear","symbol":"BTCUSDT","orderLinkId":"lin-1"}' >/dev/null
is "$(out '[.retCode, .result.orderId] | join(" ")')" "0 $yoid" \
	"bybit linear: canceled"
byget /v5/order/realtime "category=linear&symbol=BTCUSDT&orderId=$yoid" >/dev/null
is "$(out '.result.list[0].orderStatus')" Cancelled \
	"bybit linear: the query says Cancelled"
bypost /v5/order/create '{"category":"linear","symbol":"BTCUSDT","side":"Sell","orderType":"Market","qty":"0.03","orderLinkId":"lin-2"}' >/dev/null
is "$(out .retCode)" 0 "bybit linear: a market order created"
byget /v5/execution/list "category=linear&symbol=BTCUSDT&orderLinkId=lin-2" >/dev/null
is "$(out '[.retCode, (.result.list | map(.execQty | tonumber) | add)] | join(" ")')" \
	"0 0.03" "bybit linear: its executions add up to the quantity"
byget /v5/position/list "category=linear&symbol=BTCUSDT" >/dev/null
is "$(out '[.result.list[0].side, .result.list[0].size] | join(" ")')" \
	"Sell 0.03" "bybit linear: a short position"
byget /v5/account/wallet-balance "accountType=UNIFIED" >/dev/null
is "$(out '[.retCode, .result.list[0].coin[0].coin] | join(" ")')" \
	"0 USDT" "bybit: the unified wallet"
bypost /v5/order/create '{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"1000","orderLinkId":"bspot-1"}' >/dev/null
is "$(out .retCode)" 0 "bybit spot: a limit order created"
bypost /v5/order/cancel '{"category":"spot","symbol":"BTCUSDT","orderLinkId":"bspot-1"}' >/dev/null
is "$(out .retCode)" 0 "bybit spot: canceled"
byget /v5/market/time "" >/dev/null
is "$(out .retCode)" 0 "bybit: the server time"

# --- the truth ----------------------------------------------------------
curl -s -o "$T/orders" "$B/sim/orders"
is "$(jq -r .client_id "$T/orders" | sort | tr '\n' ' ')" \
	"bspot-1 fut-1 fut-2 lin-1 lin-2 spot-1 spot-2 " \
	"/sim/orders lists every order placed"
is "$(jq -r 'select(.client_id == "spot-1") | [.venue, .market, .status, .order_id] | join(" ")' "$T/orders")" \
	"binance spot canceled $oid" "... with venue, market, status, order id"
is "$(jq -r "select(.client_id == \"spot-2\") | .fills[0].trade_id" "$T/orders")" \
	"$tid" "... and the fills' trade ids"
curl -s -o "$T/pos" "$B/sim/positions"
is "$(jq -r 'select(.type == "position") | "\(.venue):\(.market) \(.qty)"' "$T/pos" | sort | tr '\n' ' ')" \
	"binance:futures 0.02 bybit:linear -0.03 " \
	"/sim/positions lists the positions"

# --- a resting order fills when the market reaches it ------------------
# One at the best bid and one at the best ask, of which those that did
# not fill at once (the market may have moved since the depth) rest.
# A pair that both filled at once (a fast market) is tried again.
: >"$T/resting"
for try in 1 2 3 4 5; do
	[ -s "$T/resting" ] && break
	curl -s -o "$T/book" "$B/api/v3/depth?symbol=BTCUSDT&limit=5"
	bid=$(jq -r '.bids[0][0]' "$T/book")
	ask=$(jq -r '.asks[0][0]' "$T/book")
	bn POST /api/v3/order "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=$bid&newClientOrderId=rest-b$try" >/dev/null
	[ "$(out .status)" = NEW ] && echo "rest-b$try" >>"$T/resting"
	bn POST /api/v3/order "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.001&price=$ask&newClientOrderId=rest-s$try" >/dev/null
	[ "$(out .status)" = NEW ] && echo "rest-s$try" >>"$T/resting"
done
check "an order at the top of the book rests" [ -s "$T/resting" ]
ids=$(jq -R . "$T/resting" | jq -s -c .)
rest_filled() {
	curl -s "$B/sim/orders" | jq -e -s --argjson ids "$ids" \
	    'map(select(.client_id as $c | $ids | index($c))) |
	     any(.fills | length > 0)' >/dev/null
}
check "a resting order fills as the market moves" wait_for rest_filled
curl -s "$B/sim/orders" | jq -s -r --argjson ids "$ids" \
    '[map(select(.client_id as $c | $ids | index($c))) | .[].fills[] |
      .maker] | all' >"$T/maker"
is "$(cat "$T/maker")" true "... as a maker"

kill "$SIM"
wait "$SIM"
is "$?" 0 "mkt-sim exits 0 on SIGTERM"
SIM=
done_testing
