#!/bin/sh
# 1020-instruments-lists: mkt-feed --instruments-only reads each venue's
# instrument list as the venue writes it (tests/data/instruments, from
# the venues' documented examples: see its README), asks for it the way
# the venue allows (the symbols wanted, pages by cursor), and writes one
# exact instrument event per symbol; a refusal or a bad rule is a clear
# error with nothing written.
# load: 3
. "$(dirname "$0")/lib.sh"

D=$DATA/instruments
STUB=
cleanup() {
	[ -n "$STUB" ] && kill "$STUB" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

SPOT='/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22%2C%22ETHBTC%22%5D'
BAD='/api/v3/exchangeInfo?symbols=%5B%22NOPEUSDT%22%5D'
LIN='/v5/market/instruments-info?category=linear'
python3 "$TOP/tests/tools/file-stub.py" --port-file "$T/port" \
    --log "$T/log" \
    "$SPOT=$D/binance-spot.json" \
    "400:$BAD=$D/binance-spot-400.json" \
    "/fapi/v1/exchangeInfo=$D/binance-futures.json" \
    "$LIN&limit=1000=$D/bybit-linear-1.json" \
    "$LIN&limit=1000&cursor=first%3DBIOUSDT%26last%3DBIOUSDT=$D/bybit-linear-2.json" \
    "/v5/market/instruments-info?category=spot&symbol=BTCUSDT=$D/bybit-spot.json" \
    "$LIN&symbol=BTCUSDT=$D/bybit-bad.json" \
    "$LIN&symbol=XRPUSDT=$D/bybit-linear-2.json" \
    2>"$T/stub.err" &
STUB=$!
check "the stub starts" wait_file "$T/port" || exit 1
B=http://127.0.0.1:$(cat "$T/port")
export MKT_BINANCE_SPOT_REST=$B MKT_BINANCE_FUTURES_REST=$B MKT_BYBIT_REST=$B

# feed NAME ARGS...: mkt-feed --instruments-only ARGS, its output in
# $T/NAME.out, its errors in $T/NAME.err, the requests it made in
# $T/NAME.log; its exit status in $rc.
feed() {
	_name=$1
	shift
	: >"$T/log"
	mkt-feed --instruments-only "$@" >"$T/$_name.out" 2>"$T/$_name.err"
	rc=$?
	cp "$T/log" "$T/$_name.log"
}

# Binance spot: the symbols wanted in one request (weight 20), the
# filters read from their strings; a rule of 0 is no rule (ETHBTC's
# tick) and the older MIN_NOTIONAL counts as the minimum notional.
feed spot binance:spot:BTCUSDT binance:spot:ETHBTC
is "$rc" 0 "binance spot: exit 0"
is "$(cat "$T/spot.log")" "$SPOT" "binance spot asks for the symbols wanted"
cat >"$T/want" <<'EOF2'
{"type":"instrument","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1565246363776,"tick":"0.01","step":"0.00001","min_qty":"0.00001","min_notional":"5","max_qty":"9000"}
{"type":"instrument","venue":"binance","market":"spot","symbol":"ETHBTC","time":1565246363776,"step":"0.0001","min_qty":"0.0001","min_notional":"0.0001","max_qty":"100000"}
EOF2
cmp_file "$T/spot.out" "$T/want" "binance spot: the events, exact"

# USD-M: the whole list (no symbol filter there), BTCUSDT picked out.
feed fut binance:futures:BTCUSDT
is "$rc" 0 "binance futures: exit 0"
is "$(cat "$T/fut.log")" "/fapi/v1/exchangeInfo" "binance futures asks once"
cat >"$T/want" <<'EOF2'
{"type":"instrument","venue":"binance","market":"futures","symbol":"BTCUSDT","time":1565613908500,"tick":"0.1","step":"0.001","min_qty":"0.001","min_notional":"100","max_qty":"1000"}
EOF2
cmp_file "$T/fut.out" "$T/want" "binance futures: MIN_NOTIONAL's notional"

# Bybit linear, two symbols: the list, page after page by the cursor,
# as the venue wrote it.
feed lin bybit:linear:BTCUSDT bybit:linear:BIOUSDT
is "$rc" 0 "bybit linear: exit 0"
printf '%s\n%s\n' "$LIN&limit=1000" \
    "$LIN&limit=1000&cursor=first%3DBIOUSDT%26last%3DBIOUSDT" >"$T/want"
cmp_file "$T/lin.log" "$T/want" "bybit linear: two pages, the cursor verbatim"
cat >"$T/want" <<'EOF2'
{"type":"instrument","venue":"bybit","market":"linear","symbol":"BTCUSDT","time":1735809771618,"tick":"0.1","step":"0.001","min_qty":"0.001","min_notional":"5","max_qty":"1190"}
{"type":"instrument","venue":"bybit","market":"linear","symbol":"BIOUSDT","time":1735810114435,"tick":"0.0001","step":"1","min_qty":"1","min_notional":"5","max_qty":"70000"}
EOF2
cmp_file "$T/lin.out" "$T/want" "bybit linear: the events, exact"

# Bybit spot, one symbol asked by name: basePrecision is the step,
# minOrderAmt the minimum notional, maxLimitOrderQty the most; the
# deprecated minOrderQty is no rule.
feed bspot bybit:spot:BTCUSDT
is "$rc" 0 "bybit spot: exit 0"
cat >"$T/want" <<'EOF2'
{"type":"instrument","venue":"bybit","market":"spot","symbol":"BTCUSDT","time":1760027412300,"tick":"0.1","step":"0.000001","min_notional":"5","max_qty":"83"}
EOF2
cmp_file "$T/bspot.out" "$T/want" "bybit spot: the events, exact"

# All four markets in one run: one request each, in the order given.
feed all bybit:spot:BTCUSDT binance:futures:BTCUSDT binance:spot:BTCUSDT \
    binance:spot:ETHBTC
is "$rc" 0 "several markets: exit 0"
is "$(jq -r '.venue+":"+.market+":"+.symbol' "$T/all.out" | tr '\n' ' ')" \
    "bybit:spot:BTCUSDT binance:futures:BTCUSDT binance:spot:BTCUSDT binance:spot:ETHBTC " \
    "several markets: in the order of the command line"
is "$(nlines "$T/all.log")" 3 "several markets: one request a market"

# Refusals and bad lists: exit 1, one clear line, nothing written.
feed bad binance:spot:NOPEUSDT
is "$rc" 1 "an unknown binance symbol: exit 1"
is "$(cat "$T/bad.err")" \
    "mkt-feed: binance:spot: instrument list: HTTP 400: Invalid symbol. (code -1121)" \
    "the venue's refusal is named"
check "nothing is written" test ! -s "$T/bad.out"

feed miss bybit:linear:XRPUSDT
is "$rc" 1 "a symbol missing from bybit's answer: exit 1"
is "$(cat "$T/miss.err")" \
    "mkt-feed: bybit:linear:XRPUSDT: no such symbol in the venue's instrument list" \
    "the missing symbol is named"
check "nothing is written" test ! -s "$T/miss.out"

feed mal bybit:linear:BTCUSDT
is "$rc" 1 "a rule that is not a number: exit 1"
is "$(cat "$T/mal.err")" \
    "mkt-feed: bybit:linear: instrument list: BTCUSDT: 'tickSize' is not a decimal of 0 or more" \
    "the bad rule is named"
check "nothing is written" test ! -s "$T/mal.out"

feed part binance:spot:BTCUSDT binance:spot:ETHBTC bybit:linear:XRPUSDT
is "$rc" 1 "one market failing fails the whole run"
check "and nothing of the others is written" test ! -s "$T/part.out"

# The options.
mkt-feed --instruments-only --rest binance:spot:BTCUSDT 2>"$T/err"
is $? 2 "--instruments-only with --rest is a usage error"
mkt-feed --instruments --raw binance:spot </dev/null 2>"$T/err"
is $? 2 "--instruments with --raw is a usage error"
mkt-feed --instruments-only --instruments-max-age 0 binance:spot:BTCUSDT \
    2>"$T/err"
is $? 2 "--instruments-max-age 0 is a usage error"
done_testing
