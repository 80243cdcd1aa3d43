#!/bin/sh
# mkt-sim's Bybit private WebSocket, /v5/private: auth with the
# signature of "GET/realtime" + expires (a bad one and an expired one
# refused, a subscribe before auth refused), subscribe to order,
# execution, position and wallet, ping answered with pong; an order
# created over REST and filled is told on each topic, with the
# execution ids of /v5/execution/list.
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
auth_msg() {
	printf '{"op":"auth","args":["%s",%s,"%s"]}' "$1" "$2" \
	    "$(hmac "GET/realtime$2" "$3")"
}

mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 5 -v 2>"$T/sim.err" &
SIM=$!
pids=$SIM
check "mkt-sim starts" wait_file "$T/port" || exit 1
B=http://127.0.0.1:$(cat "$T/port")
U=ws://127.0.0.1:$(cat "$T/port")/v5/private
exp=$(($(now_ms) + 60000))

python3 "$WS" "$U" --send "$(auth_msg "$K" "$exp" wrong)" --count 1 \
    --timeout 10 >"$T/bad" 2>/dev/null
is "$(jq -c '[.op, .success]' "$T/bad")" '["auth",false]' "a bad signature: auth fails"
python3 "$WS" "$U" --send "$(auth_msg "$K" $(($(now_ms) - 1000)) "$S")" \
    --count 1 --timeout 10 >"$T/old" 2>/dev/null
is "$(jq -c '[.op, .success]' "$T/old")" '["auth",false]' "an expired auth fails"
python3 "$WS" "$U" --send '{"op":"subscribe","args":["order"],"req_id":"s0"}' \
    --count 1 --timeout 10 >"$T/noauth" 2>/dev/null
is "$(jq -c '[.op, .success, .req_id]' "$T/noauth")" '["subscribe",false,"s0"]' \
	"subscribe before auth fails"

python3 "$WS" "$U" --send "$(auth_msg "$K" "$exp" "$S")" \
    --send '{"op":"subscribe","args":["order","execution","position","wallet"],"req_id":"s1"}' \
    --send '{"op":"ping","req_id":"p1"}' --timeout 60 >"$T/ev" 2>/dev/null &
pids="$pids $!"
check "auth succeeds" wait_line "$T/ev" '"op":"auth"'
is "$(jq -c 'select(.op == "auth") | .success' "$T/ev")" true "... success"
check "subscribe succeeds" wait_line "$T/ev" '"req_id":"s1"'
check "ping: pong" wait_line "$T/ev" '"op":"pong"'
by /v5/order/create '{"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"0.02","orderLinkId":"bp1"}' >/dev/null
check "wallet told" wait_line "$T/ev" '"topic":"wallet"'
is "$(jq -r 'select(.topic == "order") | .data[0] | [.category, .orderLinkId, .orderStatus] | join(" ")' "$T/ev" | tail -1)" \
	"linear bp1 Filled" "order: the order Filled"
jq -r 'select(.topic == "execution") | .data[].execId' "$T/ev" | sort >"$T/ws.ids"
by /v5/execution/list 'category=linear&symbol=BTCUSDT&orderLinkId=bp1' >/dev/null
out '.result.list[].execId' | sort >"$T/rest.ids"
check "execution: told" [ -s "$T/ws.ids" ]
cmp_file "$T/ws.ids" "$T/rest.ids" "execution: the ids /v5/execution/list has"
is "$(jq -r 'select(.topic == "position") | .data[0] | [.side, .size] | join(" ")' "$T/ev" | tail -1)" \
	"Buy 0.02" "position: long 0.02"
by /v5/order/create '{"category":"spot","symbol":"BTCUSDT","side":"Sell","orderType":"Limit","qty":"0.01","price":"900000","orderLinkId":"bp2"}' >/dev/null
by /v5/order/cancel '{"category":"spot","symbol":"BTCUSDT","orderLinkId":"bp2"}' >/dev/null
check "a spot cancel is told" wait_line "$T/ev" '"orderLinkId":"bp2".*"Cancelled"'
done_testing
