#!/bin/sh
# mkt-sim checks signatures exactly as the venues document them: the
# published Binance vectors (spot query, percent-encoded, query + body;
# USD-M) and the Bybit strings of PROTOCOLS.md pass the signature check
# (and then fail only on their old timestamps, -1021 / 10002); a bad
# signature is -1022 / 10004, a stale or early timestamp -1021 / 10002,
# an unknown key -2015 / 10003; recvWindow widens the window up to
# 60000; the keys come from MKT_API_KEY/MKT_API_SECRET or a 0600
# --key-file, and a key file others can read is refused.
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

now_ms() { date +%s%3N; }
hmac() { printf %s "$1" | openssl dgst -sha256 -hmac "$2" -r | cut -d' ' -f1; }
out() { jq -r "$@" "$T/out"; }

# sim NAME ARGS...: start mkt-sim, its base URL in $B.
sim() {
	_name=$1
	shift
	mkt-sim --port-file "$T/$_name.port" --symbols BTCUSDT --rate 5 "$@" \
	    2>"$T/$_name.err" &
	pids="$pids $!"
	wait_file "$T/$_name.port" || return 1
	B=http://127.0.0.1:$(cat "$T/$_name.port")
}

# post KEY URL [BODY]: a Binance POST; prints "STATUS CODE".
post() {
	if [ -n "${3:-}" ]; then
		curl -s -o "$T/out" -w '%{http_code}' -X POST \
		    -H "X-MBX-APIKEY: $1" --data "$3" "$2"
	else
		curl -s -o "$T/out" -w '%{http_code}' -X POST \
		    -H "X-MBX-APIKEY: $1" "$2"
	fi
	printf ' %s\n' "$(out .code)"
}

# --- the published Binance spot vectors --------------------------------
SK=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A
SS=NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j
printf '%s\n%s\n' "$SK" "$SS" >"$T/spot.key"
chmod 600 "$T/spot.key"
check "mkt-sim starts with the doc's spot key (--key-file)" \
	sim spot --key-file "$T/spot.key"
V1=symbol=LTCBTC\&side=BUY\&type=LIMIT\&timeInForce=GTC\&quantity=1\&price=0.1\&recvWindow=5000\&timestamp=1499827319559
is "$(post "$SK" "$B/api/v3/order?$V1&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")" \
	"400 -1021" "spot vector 1: the signature passes, the 2017 timestamp does not"
is "$(post "$SK" "$B/api/v3/order?$V1&signature=C8DB56825AE71D6D79447849E617115F4A920FA2ACDCAB2B053C4B2838BD6B71")" \
	"400 -1021" "spot vector 1: HMAC signatures are case-insensitive"
is "$(post "$SK" "$B/api/v3/order?$V1&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b70")" \
	"400 -1022" "spot vector 1, one digit changed: -1022"
is "$(post "$SK" "$B/api/v3/order" "$V1&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")" \
	"400 -1021" "spot vector 1 in the body"
V2=symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96\&side=BUY\&type=LIMIT\&timeInForce=GTC\&quantity=1\&price=0.1\&recvWindow=5000\&timestamp=1499827319559
is "$(post "$SK" "$B/api/v3/order?$V2&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3")" \
	"400 -1021" "spot vector 2 (percent-encoded symbol)"
is "$(post "$SK" "$B/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC" \
    "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77")" \
	"400 -1021" "spot vector 3 (query + body, no separator)"
is "$(post "$SK" "$B/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC" \
    "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")" \
	"400 -1022" "spot vector 3 with vector 1's signature (an '&' between): -1022"

# --- the USD-M vectors --------------------------------------------------
FK=dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83
FS=2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9
# The environment gives the keys this time.
check "mkt-sim starts with the doc's futures key (environment)" \
	env MKT_API_KEY=$FK MKT_API_SECRET=$FS sh -c '
	mkt-sim --port-file "$1" --symbols BTCUSDT --rate 5 2>"$1.err" &
	echo $! >"$1.pid"' sh "$T/fut.port"
pids="$pids $(cat "$T/fut.port.pid")"
wait_file "$T/fut.port"
B=http://127.0.0.1:$(cat "$T/fut.port")
FV=symbol=BTCUSDT\&side=BUY\&type=LIMIT\&quantity=1\&price=9000\&timeInForce=GTC\&recvWindow=5000\&timestamp=1591702613943
is "$(post "$FK" "$B/fapi/v1/order?$FV&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9")" \
	"400 -1021" "futures vector: the signature passes"
is "$(post "$FK" "$B/fapi/v1/order?symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC" \
    "quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943&signature=30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4")" \
	"400 -1021" "futures mixed vector (query + body)"
is "$(post "$SK" "$B/fapi/v1/order?$FV&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9")" \
	"401 -2015" "an unknown key: -2015"

# --- the Bybit strings, with PROTOCOLS.md's derived secret -------------
printf 'key=XXXXXXXXXX\nsecret=TEST_SECRET_DO_NOT_USE\n' >"$T/by.key"
chmod 600 "$T/by.key"
check "mkt-sim starts with key= / secret= lines" sim by --key-file "$T/by.key"
# byraw TS SIGN PATH QUERY [BODY]: prints retCode.
byraw() {
	if [ -n "${5:-}" ]; then
		curl -s -o "$T/out" -H "X-BAPI-API-KEY: ${KEY:-XXXXXXXXXX}" \
		    -H "X-BAPI-TIMESTAMP: $1" -H "X-BAPI-RECV-WINDOW: 5000" \
		    -H "X-BAPI-SIGN: $2" --data "$5" "$B$3"
	else
		curl -s -o "$T/out" -H "X-BAPI-API-KEY: ${KEY:-XXXXXXXXXX}" \
		    -H "X-BAPI-TIMESTAMP: $1" -H "X-BAPI-RECV-WINDOW: 5000" \
		    -H "X-BAPI-SIGN: $2" "$B$3?$4"
	fi
	out .retCode
}
is "$(byraw 1658384314791 0732b85d286ff2e8ccdeffe1ffbd41b4766a153e804f0604bbff970ac75075ad \
    /v5/order/realtime 'category=option&symbol=BTC-29JUL22-25000-C')" \
	10002 "bybit GET string: the signature passes, the timestamp does not"
is "$(byraw 1658385579423 469e179c90d29a941481334c6ac2a05b023a0daf74a47c8e2caa5c4f3b2d4041 \
    /v5/order/create '' '{"category": "option"}')" \
	10002 "bybit POST string (the exact body bytes)"
is "$(byraw 1658385579423 469e179c90d29a941481334c6ac2a05b023a0daf74a47c8e2caa5c4f3b2d4041 \
    /v5/order/create '' '{"category":"option"}')" \
	10004 "bybit: the same body without its space: 10004"
t=$(now_ms)
is "$(byraw "$t" "$(hmac "${t}XXXXXXXXXX5000category=linear&symbol=BTCUSDT" TEST_SECRET_DO_NOT_USE)" \
    /v5/order/realtime 'category=linear&symbol=BTCUSDT')" 0 \
	"bybit: a fresh signed GET passes"
t=$(($(now_ms) - 6000))
is "$(byraw "$t" "$(hmac "${t}XXXXXXXXXX5000category=linear&symbol=BTCUSDT" TEST_SECRET_DO_NOT_USE)" \
    /v5/order/realtime 'category=linear&symbol=BTCUSDT')" 10002 \
	"bybit: 6 s old with recv_window 5000: 10002"
t=$(($(now_ms) + 3000))
is "$(byraw "$t" "$(hmac "${t}XXXXXXXXXX5000category=linear&symbol=BTCUSDT" TEST_SECRET_DO_NOT_USE)" \
    /v5/order/realtime 'category=linear&symbol=BTCUSDT')" 10002 \
	"bybit: 3 s ahead: 10002"
is "$(KEY=YYYY byraw "$t" 00 /v5/order/realtime 'category=linear')" 10003 \
	"bybit: an unknown key: 10003"

# --- fresh requests with the test pair ----------------------------------
check "mkt-sim starts with the test pair" sim test
K=mkt-sim-test-key
S=mkt-sim-test-secret
# signed TS [RECVWINDOW]: a signed spot order query; "STATUS CODE".
signed() {
	_q="symbol=BTCUSDT&origClientOrderId=none${2:+&recvWindow=$2}&timestamp=$1"
	curl -s -o "$T/out" -w '%{http_code}' -H "X-MBX-APIKEY: $K" \
	    "$B/api/v3/order?$_q&signature=$(hmac "$_q" "$S")"
	printf ' %s\n' "$(out .code)"
}
is "$(signed "$(now_ms)")" "400 -2013" \
	"a fresh signed request passes (the order does not exist: -2013)"
is "$(signed $(($(now_ms) - 6000)))" "400 -1021" \
	"6 s old, recvWindow 5000 by default: -1021"
is "$(signed $(($(now_ms) - 6000)) 10000)" "400 -2013" \
	"6 s old with recvWindow 10000: accepted"
is "$(signed $(($(now_ms) + 3000)))" "400 -1021" \
	"3 s ahead of the server: -1021"
grep -q "ahead" "$T/out"
check "... saying it was ahead" [ $? = 0 ]
is "$(signed "$(now_ms)" 60001)" "400 -1131" "recvWindow above 60000: -1131"
_q="symbol=BTCUSDT&origClientOrderId=none&timestamp=$(now_ms)"
curl -s -o "$T/out" -H "X-MBX-APIKEY: $K" \
    "$B/api/v3/order?$_q&signature=$(hmac "$_q" wrong-secret)"
is "$(out .code)" -1022 "signed with another secret: -1022"
curl -s -o "$T/out" -H "X-MBX-APIKEY: $K" "$B/api/v3/order?$_q"
is "$(out .code)" -1102 "no signature: -1102"

# --- a key file others can read is refused ------------------------------
chmod 644 "$T/spot.key"
mkt-sim --port 0 --key-file "$T/spot.key" --duration 1s 2>"$T/bad.err"
is "$?" 1 "a key file of mode 0644: exit 1"
grep -q "^mkt-sim: key file '.*': mode 0644, must be 0600" "$T/bad.err"
check "... saying why" [ $? = 0 ]
grep -q "$SS" "$T/bad.err" "$T"/*.err
check "the secret appears in no error output" [ $? = 1 ]

done_testing
