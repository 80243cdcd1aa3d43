#!/bin/sh
# mkt-sim's faults on demand for new orders (--order-fault KIND=PCT,
# --fault-seed, --ack-delay), each visible to a client and in the
# truth: hang (placed, never answered), close (placed, the connection
# closed unanswered), 5xx (placed, HTTP 503), timeout (placed, Binance
# -1007 with HTTP 408, Bybit 10016), reject (HTTP 503, not placed);
# acks delayed while the order is already at the venue; 20 % of the
# orders faulted, the same ones again with the same seed.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools curl openssl jq

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

# sim NAME ARGS...: start mkt-sim, its base URL in $B.
sim() {
	_name=$1
	shift
	mkt-sim --port-file "$T/$_name.port" --symbols BTCUSDT --rate 5 "$@" \
	    2>"$T/$_name.err" &
	LAST=$!
	pids="$pids $LAST"
	wait_file "$T/$_name.port" || return 1
	B=http://127.0.0.1:$(cat "$T/$_name.port")
}
# order CID [CURL ARGS]: a spot limit order; prints "CURLEXIT STATUS CODE".
order() {
	_cid=$1
	shift
	_q="symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=1000&newClientOrderId=$_cid&timestamp=$(now_ms)"
	rm -f "$T/out"
	_st=$(curl -s -o "$T/out" -w '%{http_code}' "$@" -X POST \
	    -H "X-MBX-APIKEY: $K" "$B/api/v3/order?$_q&signature=$(hmac "$_q" "$S")")
	_rc=$?
	echo "$_rc $_st $( [ -s "$T/out" ] && out .code)"
}
# byorder CID: a Bybit linear limit order; prints "STATUS RETCODE".
byorder() {
	_t=$(now_ms)
	_d="{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.01\",\"price\":\"1000\",\"orderLinkId\":\"$1\"}"
	_st=$(curl -s -o "$T/out" -w '%{http_code}' -H "X-BAPI-API-KEY: $K" \
	    -H "X-BAPI-TIMESTAMP: $_t" \
	    -H "X-BAPI-SIGN: $(hmac "$_t${K}5000$_d" "$S")" --data "$_d" \
	    "$B/v5/order/create")
	echo "$_st $(out .retCode)"
}
# at_venue CID: the truth's status of the order, "" when not placed.
at_venue() {
	curl -s "$B/sim/orders" | jq -r "select(.client_id == \"$1\") | .status"
}

check "mkt-sim starts with hang=100" sim hang --order-fault hang=100
is "$(order h1 --max-time 2)" "28 000 " \
	"hang: the request gets no answer (curl times out)"
is "$(at_venue h1)" new "hang: the order is at the venue all the same"
kill "$LAST"
wait "$LAST"
is "$?" 0 "mkt-sim exits 0 on SIGTERM with a request held"
grep -q "^mkt-sim: orders: 1 placed; faults: hang 1, close 0, 5xx 0, timeout 0, reject 0$" "$T/hang.err"
check "... and says how many orders it faulted" [ $? = 0 ]

check "mkt-sim starts with close=100" sim close --order-fault close=100
is "$(order c1)" "52 000 " "close: the connection closes with no answer"
is "$(at_venue c1)" new "close: the order is at the venue"

check "mkt-sim starts with 5xx=100" sim 5xx --order-fault 5xx=100
is "$(order x1)" "0 503 -1001" "5xx: HTTP 503"
is "$(at_venue x1)" new "5xx: the order is at the venue"
is "$(byorder x2)" "503 10016" "5xx on Bybit: HTTP 503"
is "$(at_venue x2)" new "... the order is at the venue"

check "mkt-sim starts with timeout=100" sim timeout --order-fault timeout=100
is "$(order t1)" "0 408 -1007" "timeout: -1007 with HTTP 408"
grep -q "Send status unknown; execution status unknown." "$T/out"
check "... execution status unknown" [ $? = 0 ]
is "$(at_venue t1)" new "timeout: the order is at the venue"
is "$(byorder t2)" "200 10016" "timeout on Bybit: retCode 10016"
is "$(at_venue t2)" new "... the order is at the venue"

check "mkt-sim starts with reject=100" sim reject --order-fault reject=100
is "$(order j1)" "0 503 -1001" "reject: HTTP 503"
is "$(at_venue j1)" "" "reject: the order is not at the venue"

check "mkt-sim starts with --ack-delay 800ms" sim delay --ack-delay 800ms
t0=$(now_ms)
order d1 >"$T/d1" &
cpid=$!
check "ack delay: the order is at the venue before its ack" \
	wait_for eval '[ "$(at_venue d1)" = new ]'
wait "$cpid"
t1=$(now_ms)
is "$(cat "$T/d1")" "0 200 null" "ack delay: then the ack comes"
check "... no sooner than 800 ms after the request" [ $((t1 - t0)) -ge 800 ]

# 20 % of 40 orders, twice with the same seed: the same ones.
for run in a b; do
	check "mkt-sim starts with 5xx=20 ($run)" \
	    sim "p$run" --order-fault 5xx=20 --fault-seed 42
	for i in $(seq 1 40); do
		order "p$i" | cut -d' ' -f2
	done >"$T/p$run"
	curl -s "$B/sim/orders" | jq -r .client_id | wc -l | tr -d ' ' \
	    >"$T/p$run.n"
done
n=$(grep -c 503 "$T/pa")
check "5xx=20: some but not all of 40 orders get 503 ($n)" \
	[ "$n" -ge 1 ] && [ "$n" -le 20 ]
cmp_file "$T/pb" "$T/pa" "the same seed faults the same orders"
is "$(cat "$T/pa.n") $(cat "$T/pb.n")" "40 40" \
	"every faulted order is at the venue"
done_testing
