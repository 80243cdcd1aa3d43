#!/bin/sh
# mkt-sim's USD-M futures user data stream: a WebSocket at
# /ws/<listenKey> gets ORDER_TRADE_UPDATE for a new order, each of its
# fills (with the trade ids /sim/orders lists) and its cancel, and an
# ACCOUNT_UPDATE with the position after fills; an unknown key is
# refused; DELETE listenKey sends listenKeyExpired; --stream-fault
# lose=100 loses every event, so that only REST tells.
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
key() {
	curl -s -o "$T/out" -w '%{http_code}' -X "$1" -H "X-MBX-APIKEY: $K" \
	    "$B/fapi/v1/listenKey" >/dev/null
	out .listenKey
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
	U=ws://127.0.0.1:$(cat "$T/$_name.port")
}

check "mkt-sim starts" sim a
lk=$(key POST)
python3 "$WS" "$U/ws/0000000000000000000000000000000000000000000000000000000000000000" \
    --timeout 5 >/dev/null 2>"$T/refused"
is "$?" 1 "an unknown listenKey is refused"
python3 "$WS" "$U/ws/$lk" --timeout 60 --idle 0 >"$T/ev" 2>"$T/ws.err" &
wpid=$!
pids="$pids $wpid"
# The stream is up once an order placed after it is told.
bn POST /fapi/v1/order "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.5&price=1000&newClientOrderId=probe" >/dev/null
told() {
	bn POST /fapi/v1/order "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=1000&newClientOrderId=probe-$(now_ms)" >/dev/null
	grep -q '"c":"probe' "$T/ev"
}
check "the user stream is told of orders" wait_for told
bn POST /fapi/v1/order "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.5&price=900000&newClientOrderId=u1" >/dev/null
bn DELETE /fapi/v1/order "symbol=BTCUSDT&origClientOrderId=u1" >/dev/null
bn POST /fapi/v1/order "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.02&newClientOrderId=u2" >/dev/null
check "ORDER_TRADE_UPDATE for every change" wait_line "$T/ev" '"c":"u2".*"X":"FILLED"'
check "ACCOUNT_UPDATE after the fill" wait_line "$T/ev" ACCOUNT_UPDATE
jq -c 'select(.e == "ORDER_TRADE_UPDATE" and .o.c == "u1") | [.o.x, .o.X]' \
    "$T/ev" | tr '\n' ' ' >"$T/u1"
is "$(cat "$T/u1")" '["NEW","NEW"] ["CANCELED","CANCELED"] ' \
	"u1: NEW, then CANCELED"
jq -r 'select(.e == "ORDER_TRADE_UPDATE" and .o.c == "u2" and .o.x == "TRADE") | .o.t' \
    "$T/ev" | sort >"$T/u2.ws"
curl -s "$B/sim/orders" | jq -r 'select(.client_id == "u2") | .fills[].trade_id' \
    | sort >"$T/u2.truth"
check "u2: a TRADE per fill" [ -s "$T/u2.truth" ]
cmp_file "$T/u2.ws" "$T/u2.truth" "u2: the TRADE events carry the fills' trade ids"
is "$(jq -r 'select(.e == "ORDER_TRADE_UPDATE" and .o.c == "u2") | .o.z' "$T/ev" | tail -1)" \
	0.02 "u2: the last event has the cumulative quantity"
is "$(jq -r 'select(.e == "ACCOUNT_UPDATE") | .a.P[0].pa' "$T/ev" | tail -1)" \
	0.02 "ACCOUNT_UPDATE: the position"
is "$(key DELETE)" null "DELETE listenKey"
wait_line "$T/ev" listenKeyExpired
check "... listenKeyExpired on its stream" [ $? = 0 ]
wait "$wpid"
is "$?" 0 "... which then closes"
lk2=$(key POST)
check "the next POST gives a new key" [ "$lk2" != "$lk" ] && [ ${#lk2} = 64 ]

check "mkt-sim starts with --stream-fault lose=100" sim b -v --stream-fault lose=100
lk=$(key POST)
python3 "$WS" "$U/ws/$lk" --timeout 3 >"$T/lost" 2>/dev/null &
wpid=$!
pids="$pids $wpid"
check "lose: the stream is up" wait_line "$T/b.err" "websocket /ws/$lk"
bn POST /fapi/v1/order "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newClientOrderId=l1" >/dev/null
is "$(bn GET /fapi/v1/order "symbol=BTCUSDT&origClientOrderId=l1") $(out .status)" \
	"200 FILLED" "lose: REST tells the order filled"
wait "$wpid"
is "$(nlines "$T/lost")" 0 "lose: the stream told nothing"
kill "$LAST"
wait "$LAST"
grep -q "^mkt-sim: user streams: [1-9][0-9]* events lost, 0 streams dropped$" \
    "$T/b.err"
check "... of the events it lost (so the stream was up)" [ $? = 0 ]
done_testing
