#!/bin/sh
# mkt-sim's private side answers as the venues do to a client id reused
# while its order is open (spot -2010, futures -4116, Bybit linear
# 110072, spot 170141) and accepts it again once the order is closed;
# to a query or cancel of an unknown order (-2013, -2011; Bybit an
# empty list, 110001, 170213); and to new orders beyond the order-rate
# limits (Binance -1015 with HTTP 429 and X-MBX-ORDER-COUNT-10S/-1D,
# Bybit retCode 10006); post-only and FOK orders that cannot be as
# asked.
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
unset MKT_API_KEY MKT_API_SECRET
K=mkt-sim-test-key
S=mkt-sim-test-secret

now_ms() { date +%s%3N; }
hmac() { printf %s "$1" | openssl dgst -sha256 -hmac "$2" -r | cut -d' ' -f1; }
out() { jq -r "$@" "$T/out"; }
# bn METHOD PATH PARAMS: prints "STATUS CODE" (CODE null on success).
bn() {
	_q="$3&timestamp=$(now_ms)"
	_st=$(curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' -X "$1" \
	    -H "X-MBX-APIKEY: $K" "$B$2?$_q&signature=$(hmac "$_q" "$S")")
	echo "$_st $(out .code)"
}
# by PATH JSON|QUERY: a signed Bybit POST (JSON) or GET; prints retCode.
by() {
	_t=$(now_ms)
	case $2 in
	'{'*)	curl -s -o "$T/out" -H "X-BAPI-API-KEY: $K" \
		    -H "X-BAPI-TIMESTAMP: $_t" \
		    -H "X-BAPI-SIGN: $(hmac "$_t${K}5000$2" "$S")" \
		    --data "$2" "$B$1" ;;
	*)	curl -s -o "$T/out" -H "X-BAPI-API-KEY: $K" \
		    -H "X-BAPI-TIMESTAMP: $_t" \
		    -H "X-BAPI-SIGN: $(hmac "$_t${K}5000$2" "$S")" \
		    "$B$1?$2" ;;
	esac
	out .retCode
}
hdr() { grep -i "^$1:" "$T/hdr" | tr -d '\r' | cut -d' ' -f2; }

mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 5 \
    --order-limit binance:spot=4 \
    2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
B=http://127.0.0.1:$(cat "$T/port")
LIM="side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=1000"

# --- duplicates -----------------------------------------------------------
is "$(bn POST /api/v3/order "symbol=BTCUSDT&$LIM&newClientOrderId=d1")" \
	"200 null" "spot: an order with client id d1"
is "$(bn POST /api/v3/order "symbol=BTCUSDT&$LIM&newClientOrderId=d1")" \
	"400 -2010" "spot: d1 again while open: -2010"
is "$(out .msg)" "Duplicate order sent." "... Duplicate order sent."
is "$(bn DELETE /api/v3/order "symbol=BTCUSDT&origClientOrderId=d1")" \
	"200 null" "spot: d1 canceled"
is "$(bn POST /api/v3/order "symbol=BTCUSDT&$LIM&newClientOrderId=d1")" \
	"200 null" "spot: d1 accepted again once closed"
is "$(bn POST /fapi/v1/order "symbol=BTCUSDT&$LIM&newClientOrderId=d1")" \
	"200 null" "futures: d1 is another account's id"
is "$(bn POST /fapi/v1/order "symbol=BTCUSDT&$LIM&newClientOrderId=d1")" \
	"400 -4116" "futures: d1 again while open: -4116"
is "$(out .msg)" "ClientOrderId is duplicated." "... ClientOrderId is duplicated."
is "$(by /v5/order/create '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"1000","orderLinkId":"d1"}')" \
	0 "bybit linear: d1"
is "$(by /v5/order/create '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"1000","orderLinkId":"d1"}')" \
	110072 "bybit linear: d1 again: 110072"
is "$(by /v5/order/create '{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"1000","orderLinkId":"d1"}')" \
	0 "bybit spot: d1"
is "$(by /v5/order/create '{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"1000","orderLinkId":"d1"}')" \
	170141 "bybit spot: d1 again: 170141"
bn POST /api/v3/order "symbol=BTCUSDT&$LIM&newClientOrderId=bad!id" >"$T/st"
is "$(cat "$T/st")" "400 -1100" "spot: a client id outside [a-zA-Z0-9-_]: -1100"

# --- unknown orders ---------------------------------------------------------
is "$(bn GET /api/v3/order "symbol=BTCUSDT&origClientOrderId=nope")" \
	"400 -2013" "spot: query of an unknown order: -2013"
is "$(out .msg)" "Order does not exist." "... Order does not exist."
is "$(bn DELETE /api/v3/order "symbol=BTCUSDT&origClientOrderId=nope")" \
	"400 -2011" "spot: cancel of an unknown order: -2011"
is "$(out .msg)" "Unknown order sent." "... Unknown order sent."
is "$(bn GET /fapi/v1/order "symbol=BTCUSDT&orderId=12345")" \
	"400 -2013" "futures: query of an unknown order id: -2013"
is "$(bn DELETE /fapi/v1/order "symbol=BTCUSDT&origClientOrderId=nope")" \
	"400 -2011" "futures: cancel of an unknown order: -2011"
is "$(by /v5/order/realtime 'category=linear&symbol=BTCUSDT&orderLinkId=nope') $(out '.result.list | length')" \
	"0 0" "bybit: query of an unknown order: an empty list"
is "$(by /v5/order/cancel '{"category":"linear","symbol":"BTCUSDT","orderLinkId":"nope"}')" \
	110001 "bybit linear: cancel of an unknown order: 110001"
is "$(by /v5/order/cancel '{"category":"spot","symbol":"BTCUSDT","orderLinkId":"nope"}')" \
	170213 "bybit spot: cancel of an unknown order: 170213"

# --- time in force ------------------------------------------------------------
is "$(bn POST /api/v3/order "symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.01&price=900000&newClientOrderId=pm")" \
	"400 -2010" "spot: LIMIT_MAKER that would take: -2010"
is "$(out .msg)" "Order would immediately match and take." "... would take"
is "$(bn POST /fapi/v1/order "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.01&price=900000")" \
	"400 -5022" "futures: GTX that would take: -5022"
bn POST /fapi/v1/order "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=100000&price=900000" >/dev/null
is "$(out '[.status, .executedQty] | join(" ")')" "EXPIRED 0" \
	"futures: FOK beyond the book expires unfilled"

# --- order-rate limits -------------------------------------------------------
# The spot account has placed orders in this 10 s window (4 allowed):
# the next window starts the count afresh.
next_window() { [ $(($(now_ms) / 10000)) != "$W" ]; }
W=$(($(now_ms) / 10000))
wait_for next_window
n=0
for i in 1 2 3 4; do
	bn POST /api/v3/order "symbol=BTCUSDT&$LIM&newClientOrderId=r$i" >"$T/st"
	[ "$(cat "$T/st")" = "200 null" ] && n=$((n + 1))
done
is "$n $(hdr x-mbx-order-count-10s)" "4 4" \
	"spot: 4 orders in a window of 4, counted in X-MBX-ORDER-COUNT-10S"
check "... and X-MBX-ORDER-COUNT-1D" [ "$(hdr x-mbx-order-count-1d)" -ge 4 ]
is "$(bn POST /api/v3/order "symbol=BTCUSDT&$LIM&newClientOrderId=r5")" \
	"429 -1015" "spot: the 5th: HTTP 429, -1015"
grep -q "Too many new orders; current limit is 4 orders per 10 SECOND." "$T/out"
check "... Too many new orders; current limit is 4 orders per 10 SECOND." [ $? = 0 ]
curl -s "$B/sim/orders" | jq -r 'select(.client_id == "r5")' >"$T/r5"
check "the refused order is not at the venue" [ ! -s "$T/r5" ]
kill "$SIM"
wait "$SIM"
SIM=

# Bybit: one create a second on linear; six sent at once, signed
# beforehand, cannot all fall in different seconds.
mkt-sim --port-file "$T/port2" --symbols BTCUSDT --rate 5 \
    --order-limit bybit:linear=1 2>"$T/sim2.err" &
SIM=$!
check "mkt-sim starts with --order-limit bybit:linear=1" wait_file "$T/port2"
B=http://127.0.0.1:$(cat "$T/port2")
t=$(now_ms)
for i in 1 2 3 4 5 6; do
	d="{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.01\",\"price\":\"1000\",\"orderLinkId\":\"q$i\"}"
	printf '%s\n%s\n' "$d" "$(hmac "$t${K}5000$d" "$S")" >"$T/q$i"
done
cpids=
for i in 1 2 3 4 5 6; do
	curl -s -o "$T/q$i.out" -H "X-BAPI-API-KEY: $K" \
	    -H "X-BAPI-TIMESTAMP: $t" -H "X-BAPI-SIGN: $(sed -n 2p "$T/q$i")" \
	    --data "$(sed -n 1p "$T/q$i")" "$B/v5/order/create" &
	cpids="$cpids $!"
done
for p in $cpids; do wait "$p"; done
cat "$T"/q?.out | jq -r .retCode | sort | uniq -c | awk '{ print $2 }' \
    | tr '\n' ' ' >"$T/codes"
is "$(cat "$T/codes")" "0 10006 " \
	"bybit linear: creates beyond 1 a second get 10006"
is "$(curl -s "$B/sim/orders" | wc -l | tr -d ' ')" \
	"$(cat "$T"/q?.out | jq -r .retCode | grep -cx 0)" \
	"only the accepted ones are at the venue"

kill "$SIM"
wait "$SIM"
SIM=
done_testing
