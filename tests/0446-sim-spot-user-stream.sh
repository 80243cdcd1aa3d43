#!/bin/sh
# mkt-sim's Binance spot user data stream over the WebSocket API,
# /ws-api/v3: userDataStream.subscribe.signature with the signature of
# the sorted parameters (a bad one refused with -1022, a stale timestamp
# with -1021, an unknown key with -2015); then an executionReport for a
# new order, each of its fills (with the trade ids /api/v3/myTrades
# lists) and its cancel, and an outboundAccountPosition after fills;
# --stream-fault lose=100 loses every event, drop=100 drops the stream.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools curl openssl jq python3
WS=$TOP/tests/tools/ws-client.py

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
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
bn() {
	_q="$3&timestamp=$(now_ms)"
	curl -s -o "$T/out" -w '%{http_code}' -X "$1" -H "X-MBX-APIKEY: $K" \
	    "$B$2?$_q&signature=$(hmac "$_q" "$S")"
}
# sub ID KEY SECRET TIMESTAMP: the subscribe request, signed over
# apiKey=..&timestamp=.. (the parameters but signature, sorted)
sub() {
	printf '{"id":"%s","method":"userDataStream.subscribe.signature","params":{"timestamp":%s,"apiKey":"%s","signature":"%s"}}' \
	    "$1" "$4" "$2" "$(hmac "apiKey=$2&timestamp=$4" "$3")"
}
# one request, one answer
ask() {
	python3 "$WS" "$U" --send "$1" --count 1 --timeout 10 2>/dev/null
}

sim() {
	_name=$1
	shift
	mkt-sim --port-file "$T/$_name.port" --symbols BTCUSDT --rate 5 "$@" \
	    2>"$T/$_name.err" &
	LAST=$!
	pids="$pids $LAST"
	wait_file "$T/$_name.port" || return 1
	B=http://127.0.0.1:$(cat "$T/$_name.port")
	U=ws://127.0.0.1:$(cat "$T/$_name.port")/ws-api/v3
}

check "mkt-sim starts" sim a
is "$(ask "$(sub b1 "$K" wrong "$(now_ms)")" | jq -c '[.id, .status, .error.code, .error.msg]')" \
	'["b1",400,-1022,"Signature for this request is not valid."]' \
	"a bad signature: -1022"
is "$(ask "$(sub 7 "$K" "$S" $(($(now_ms) - 60000)))" | jq -c '[.status, .error.code]')" \
	'[400,-1021]' "a stale timestamp: -1021"
is "$(ask "$(sub 8 nobody "$S" "$(now_ms)")" | jq -c '.error.code')" \
	-2015 "an unknown key: -2015"
is "$(ask "$(sub 9 "$K" "$S" "$(now_ms)")" | jq -c '[.id, .status, .result]')" \
	'["9",200,{"subscriptionId":0}]' "subscribe: status 200, subscriptionId 0"
ts=$(now_ms)
is "$(ask "{\"id\":10,\"method\":\"userDataStream.subscribe.signature\",\"params\":{\"apiKey\":\"$K\",\"recvWindow\":10000,\"timestamp\":$ts,\"signature\":\"$(hmac "apiKey=$K&recvWindow=10000&timestamp=$ts" "$S")\"}}" | jq -c '[.id, .status]')" \
	'[10,200]' "subscribe with recvWindow, signed too"

python3 "$WS" "$U" --send "$(sub s "$K" "$S" "$(now_ms)")" \
    --send '{"id":"p","method":"ping","params":{}}' \
    --timeout 60 --idle 0 >"$T/ev" 2>"$T/ws.err" &
wpid=$!
pids="$pids $wpid"
check "subscribed" wait_line "$T/ev" '"id":"s","status":200'
check "ping answered" wait_line "$T/ev" '"id":"p","status":200'
bn POST /api/v3/order "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.5&price=900000&newClientOrderId=w1" >/dev/null
bn DELETE /api/v3/order "symbol=BTCUSDT&origClientOrderId=w1" >/dev/null
bn POST /api/v3/order "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.02&newClientOrderId=w2" >/dev/null
check "executionReport FILLED" wait_line "$T/ev" '"c":"w2".*"X":"FILLED"'
check "outboundAccountPosition after the fill" wait_line "$T/ev" outboundAccountPosition
ev() { jq -c "select(.event) | .event | select($1) | $2" "$T/ev"; }
is "$(ev '.e == "executionReport" and .c == "w1"' '[.x, .X]' | tr '\n' ' ')" \
	'["NEW","NEW"] ["CANCELED","CANCELED"] ' "w1: NEW, then CANCELED"
is "$(jq -r 'select(.event) | .subscriptionId' "$T/ev" | sort -u)" 0 \
	"events carry the subscriptionId"
is "$(ev '.c == "w2"' '.x' | head -1)" '"NEW"' "w2: NEW first"
is "$(ev '.c == "w2"' '[.x, .X, .q, .z]' | tail -1)" \
	'["TRADE","FILLED","0.02000000","0.02000000"]' \
	"w2: the last is a TRADE, FILLED, with its quantities"
ev '.c == "w2" and .x == "TRADE"' .t | sort >"$T/w2.ws"
oid=$(ev '.c == "w2"' .i | head -1)
bn GET /api/v3/myTrades "symbol=BTCUSDT&orderId=$oid" >/dev/null
out '.[].id' | sort >"$T/w2.rest"
check "w2: traded" [ -s "$T/w2.rest" ]
cmp_file "$T/w2.ws" "$T/w2.rest" "w2: a TRADE per fill, with the trade ids of myTrades"
is "$(ev '.c == "w2" and .x == "TRADE"' '.l | tonumber' | jq -s 'add')" \
	0.02 "w2: the TRADEs' quantities add up"
bn GET /api/v3/account "" >/dev/null
is "$(ev '.e == "outboundAccountPosition"' '.B[] | select(.a == "BTC") | .f' | tail -1 | jq -r 'tonumber')" \
	"$(out '.balances[] | select(.asset == "BTC") | .free | tonumber')" \
	"outboundAccountPosition: the BTC balance /api/v3/account has"

check "mkt-sim starts with --stream-fault lose=100" sim b --stream-fault lose=100
python3 "$WS" "$U" --send "$(sub l "$K" "$S" "$(now_ms)")" --timeout 3 \
    >"$T/lost" 2>/dev/null &
wpid=$!
pids="$pids $wpid"
check "lose: subscribed" wait_line "$T/lost" '"status":200'
bn POST /api/v3/order "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newClientOrderId=l1" >/dev/null
is "$(bn GET /api/v3/order "symbol=BTCUSDT&origClientOrderId=l1") $(out .status)" \
	"200 FILLED" "lose: REST tells the order filled"
wait "$wpid"
is "$(grep -c '"event"' "$T/lost")" 0 "lose: the stream told nothing"
kill "$LAST"
wait "$LAST"
grep -q "^mkt-sim: user streams: [1-9][0-9]* events lost, 0 streams dropped$" \
    "$T/b.err"
check "... of the events it lost (so the stream was up)" [ $? = 0 ]

check "mkt-sim starts with --stream-fault drop=100" sim c --stream-fault drop=100
python3 "$WS" "$U" --send "$(sub d "$K" "$S" "$(now_ms)")" --timeout 60 \
    --control >"$T/drop" 2>/dev/null &
wpid=$!
pids="$pids $wpid"
check "drop: subscribed" wait_line "$T/drop" '"status":200'
bn POST /api/v3/order "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newClientOrderId=d1" >/dev/null
check "drop: the stream is closed" wait_line "$T/drop" '^#close 1001 stream fault'
is "$(grep -c '"event"' "$T/drop")" 0 "drop: before telling anything"
done_testing
