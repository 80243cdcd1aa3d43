#!/bin/sh
# mkt-risk without a state store: the options, the limits file and its
# errors, each limit refusing just outside it and passing just inside
# (exact decimals), the price band with and without a recent price, the
# instrument rules from a cache file and from the stream, bad intents,
# the rate windows, and approved intents and other events passing with
# their exact bytes.
. "$(dirname "$0")/lib.sh"

# judge LIMITS_JSON [OPTION...]: mkt-risk on $T/in into $T/out, $T/err.
judge() {
	printf '%s\n' "$1" >"$T/lim.json"
	shift
	mkt-risk --limits "$T/lim.json" "$@" <"$T/in" >"$T/out" 2>"$T/err"
}
# verdict ID: "pass" when the intent ID came out, else its reject's reason.
verdict() {
	jq -r --arg id "$1" 'select(.id == $id) |
		if .type == "intent" then "pass"
		elif .type == "reject" then .reason else empty end' "$T/out" |
		tr '\n' ' ' | sed 's/ $//'
}
# intent ID SYMBOL SIDE QTY [PRICE [TIME]]: a limit intent (market
# without PRICE) of binance:spot.
intent() {
	if [ -n "${5:-}" ]; then
		printf '{"type":"intent","id":"%s","venue":"binance","market":"spot","symbol":"%s","side":"%s","kind":"limit","qty":"%s","price":"%s","time":%s}\n' \
			"$1" "$2" "$3" "$4" "$5" "${6:-2000}"
	else
		printf '{"type":"intent","id":"%s","venue":"binance","market":"spot","symbol":"%s","side":"%s","kind":"market","qty":"%s","time":%s}\n' \
			"$1" "$2" "$3" "$4" "${6:-2000}"
	fi
}
ticker() {
	printf '{"type":"ticker","venue":"binance","market":"spot","symbol":"%s","time":%s,"bid":"%s","bid_qty":"1","ask":"%s","ask_qty":"1"}\n' \
		"$1" "$2" "$3" "$4"
}

# The options.
check "-h prints the usage" sh -c 'mkt-risk -h | grep -q "^usage: mkt-risk"'
mkt-risk --version >"$T/v"
check "--version names the program" grep -q '^mkt-risk ' "$T/v"
mkt-risk </dev/null 2>"$T/err"
is $? 2 "no --limits is a usage error"
check "and it says so" grep -q '^mkt-risk: --limits FILE is required' "$T/err"
echo '{}' >"$T/empty.json"
mkt-risk --limits "$T/empty.json" --price-age soon </dev/null 2>/dev/null
is $? 2 "a bad --price-age is a usage error"
mkt-risk --limits "$T/empty.json" --venue binance </dev/null 2>/dev/null
is $? 2 "a --venue without a market is a usage error"

# A limits file that cannot be used: exit 2 and the reason.
bad_limits() {
	printf '%s\n' "$1" >"$T/bad.json"
	mkt-risk --limits "$T/bad.json" </dev/null >/dev/null 2>"$T/err"
	is $? 2 "bad limits file ($3): exit 2"
	check "bad limits file ($3): says '$2'" grep -qF -- "$2" "$T/err"
}
bad_limits '{"default": {"max_qty": "1"' "invalid JSON" "not JSON"
bad_limits '[1]' "not a JSON object" "an array"
bad_limits '{"default": {"max_qtty": 1}}' \
	"bad.json': key 'default': unknown limit 'max_qtty'" "unknown limit"
bad_limits '{"binance:spot": {"max_qty": 1}}' \
	"key 'binance:spot': want \"default\" or VENUE:MARKET:SYMBOL" "bad key"
bad_limits '{"default": {"max_qty": "-1"}}' \
	"key 'default': limit 'max_qty': not a decimal above 0" "negative"
bad_limits '{"default": {"max_notional": "1e"}}' \
	"limit 'max_notional': not a decimal above 0" "not a number"
bad_limits '{"default": {"rate_per_s": 1.5}}' \
	"limit 'rate_per_s': not an integer" "a fraction of a rate"
bad_limits '{"default": {"max_open_orders": "x"}}' \
	"limit 'max_open_orders': not an integer" "a count as text"
bad_limits '{"default": 5}' "key 'default': not an object of limits" \
	"not an object"
bad_limits '{"default": {}, "default": {}}' "key 'default' given twice" \
	"a key twice"
bad_limits '{"default": {"max_position": "2"}}' \
	"limit 'max_position' needs --state" "a store limit without --state"
bad_limits '{"default": {"daily_loss": "2"}}' \
	"limit 'daily_loss' needs --state" "daily_loss without --state"
mkt-risk --limits "$T/nowhere.json" </dev/null 2>"$T/err"
is $? 2 "a missing limits file: exit 2"
check "and it says so" grep -q "nowhere.json': cannot read: No such file" \
	"$T/err"

# max_qty: the symbol's own limit overrides the default's; the rest of
# the default (max_notional) still holds for it.
{
	intent q1 BTCUSDT buy 0.5 200
	intent q2 BTCUSDT buy 0.50000001 1
	intent q3 ETHUSDT buy 1 1
	intent q4 ETHUSDT buy 1.00000001 1
	intent q5 BTCUSDT buy 0.5 200.00000002
} >"$T/in"
judge '{"default": {"max_qty": 1, "max_notional": "100"},
	"binance:spot:BTCUSDT": {"max_qty": "0.5"}}'
is $? 0 "max_qty: exit 0"
is "$(verdict q1)" pass "max_qty: 0.5 passes the symbol's 0.5"
is "$(verdict q2)" max_qty "max_qty: 0.50000001 is refused by the symbol's 0.5"
is "$(verdict q3)" pass "max_qty: 1 passes the default's 1"
is "$(verdict q4)" max_qty "max_qty: 1.00000001 is refused by the default's 1"
is "$(verdict q5)" max_notional \
	"max_notional: the default's 100 holds for the symbol: 100.00000001 refused"
check "the detail says the limit and the value" grep -qF \
	'"id":"q2","reason":"max_qty","detail":"max_qty: qty 0.50000001 above 0.5"' \
	"$T/out"
check "a reject names venue, market, symbol and the intent's time" grep -qF \
	'{"type":"reject","venue":"binance","market":"spot","symbol":"BTCUSDT","time":2000,"id":"q2"' \
	"$T/out"
is "$(jq -r 'select(.id == "q5") | .detail' "$T/out")" \
	"max_notional: notional 100.00000001 above 100" "the notional, exact"

# The price band: around the mid of a ticker, a snapshot or a book, the
# mid of bands, or the last trade; a price older than --price-age (60s)
# or none at all is no price, refused, not waved through.
{
	ticker BTCUSDT 1000 99 101
	intent b1 BTCUSDT buy 1 105
	intent b2 BTCUSDT buy 1 105.00000001
	intent b3 BTCUSDT sell 1 95
	intent b4 BTCUSDT sell 1 94.99999999
	intent b5 BTCUSDT buy 1 100 61000
	intent b6 BTCUSDT buy 1 100 61001
	intent b7 ETHUSDT buy 1 100
	intent b8 BTCUSDT buy 1 "" 2000
	intent b9 ETHUSDT buy 1 "" 2000
	echo '{"type":"snapshot","venue":"binance","market":"spot","symbol":"SOLUSDT","time":1000,"last_id":1,"bids":[["50","1"],["49","1"]],"asks":[["52","1"]]}'
	intent s1 SOLUSDT buy 1 53.55
	intent s2 SOLUSDT buy 1 53.55000001
	echo '{"type":"book","venue":"binance","market":"spot","symbol":"SOLUSDT","time":1500,"last_id":2,"bids":[[60,1]],"asks":[[60.2,1]]}'
	intent s3 SOLUSDT buy 1 63.105
	intent s4 SOLUSDT buy 1 63.10500001
	echo '{"type":"trade","venue":"binance","market":"spot","symbol":"XRPUSDT","time":1000,"id":7,"price":"2","qty":"5","side":"buy"}'
	intent x1 XRPUSDT sell 1 1.9
	intent x2 XRPUSDT sell 1 1.89999999
	echo '{"type":"bands","venue":"binance","market":"spot","symbol":"ADAUSDT","time":1000,"best_bid":0.9,"best_ask":1.1,"mid":1,"coverage_bid":1,"coverage_ask":1,"bands":[]}'
	intent d1 ADAUSDT buy 1 1.05
	intent d2 ADAUSDT buy 1 1.05000001
} >"$T/in"
judge '{"default": {"price_band_pct": "5"}}'
is $? 0 "price band: exit 0"
is "$(verdict b1)" pass "price band: 105 is 5% above the mid 100: passes"
is "$(verdict b2)" price_band "price band: 105.00000001 is refused"
is "$(verdict b3)" pass "price band: 95 is 5% below: passes"
is "$(verdict b4)" price_band "price band: 94.99999999 is refused"
is "$(verdict b5)" pass "price band: a price 60s old is recent"
is "$(verdict b6)" no_price "price band: a price 60.001s old is no price"
is "$(verdict b7)" no_price "price band: no price at all is refused"
is "$(verdict b8)" pass "a market intent with a price passes the band"
is "$(verdict b9)" no_price "a market intent with no price is no_price"
is "$(verdict s1)$(verdict s2)" passprice_band "the mid of a snapshot"
is "$(verdict s3)$(verdict s4)" passprice_band \
	"the mid of a later book replaces it"
is "$(verdict x1)$(verdict x2)" passprice_band "the last trade's price"
is "$(verdict d1)$(verdict d2)" passprice_band "the mid of bands"
check "the band's detail" grep -qF \
	'"detail":"price_band: price 105.00000001 is 5.00000001% from 100, above 5"' \
	"$T/out"
judge '{"default": {"price_band_pct": "5"}}' --price-age 1s
is "$(verdict b1)$(verdict b5)" passno_price \
	"--price-age 1s: a price 1s old counts, one 60s old does not"

# max_notional: a limit order's price, a market order's at the mid.
{
	ticker BTCUSDT 1000 99 101
	intent n1 BTCUSDT buy 10 100
	intent n2 BTCUSDT buy 10 100.00000001
	intent n3 BTCUSDT buy 10
	intent n4 BTCUSDT buy 10.00000001
	intent n5 ETHUSDT buy 1
	intent n6 ETHUSDT buy 1 5
} >"$T/in"
judge '{"default": {"max_notional": 1000}}'
is "$(verdict n1)$(verdict n2)" passmax_notional \
	"max_notional: 1000 passes, 1000.0000001 is refused"
is "$(verdict n3)$(verdict n4)" passmax_notional \
	"max_notional: a market order at the mid"
is "$(verdict n5)" no_price "max_notional: a market order with no price"
is "$(verdict n6)" pass "max_notional: a limit order needs no market price"

# The instrument rules, from a cache file of instrument events (as
# mkt-feed --instruments writes them) and from the stream.
cat >"$T/instr" <<'EOF'
{"type":"instrument","venue":"binance","market":"spot","symbol":"BTCUSDT","tick":"0.01","step":"0.001","min_qty":"0.002","min_notional":"5","max_qty":"100"}
EOF
{
	intent i1 BTCUSDT buy 0.05 100.01
	intent i2 BTCUSDT buy 0.05 100.005
	intent i3 BTCUSDT buy 0.0505 100
	intent i4 BTCUSDT buy 0.001 100
	intent i5 BTCUSDT buy 0.002 100
	intent i6 BTCUSDT buy 0.05 100
	intent i7 BTCUSDT buy 0.049 100
	intent i8 BTCUSDT buy 100 100
	intent i9 BTCUSDT buy 100.001 100
	intent u1 ETHUSDT buy 1 100
	printf '{"type":"intent","id":"u2","venue":"bybit","market":"linear","symbol":"ETHUSDT","side":"buy","kind":"limit","qty":"1","price":"100.25"}\n'
	echo '{"type":"instrument","venue":"bybit","market":"linear","symbol":"ETHUSDT","tick":"0.5"}'
	printf '{"type":"intent","id":"u3","venue":"bybit","market":"linear","symbol":"ETHUSDT","side":"buy","kind":"limit","qty":"1","price":"100.25"}\n'
	printf '{"type":"intent","id":"u4","venue":"bybit","market":"linear","symbol":"ETHUSDT","side":"buy","kind":"limit","qty":"1","price":"100.5"}\n'
	printf '{"type":"intent","id":"u5","venue":"bybit","market":"linear","symbol":"SOLUSDT","side":"buy","kind":"limit","qty":"1","price":"1"}\n'
} >"$T/in"
judge '{"default": {}}' --instruments "$T/instr"
is $? 0 "instruments: exit 0"
is "$(verdict i1)" pass "instrument: on the tick and step, notional 5.0005"
is "$(verdict i2)" tick "tick: 100.005 is not a multiple of 0.01"
is "$(verdict i3)" step "step: 0.0505 is not a multiple of 0.001"
is "$(verdict i4)" min_qty "min_qty: 0.001 is below 0.002"
is "$(verdict i5)" min_notional "min_notional: 0.002 at 100 is 0.2, below 5"
is "$(verdict i6)" pass "min_notional: 0.05 at 100 is 5: passes"
is "$(verdict i7)" min_notional "min_notional: 4.9 is refused"
is "$(verdict i8)" pass "the instrument's max_qty 100 passes"
is "$(verdict i9)" max_qty "the instrument's max_qty refuses 100.001"
is "$(verdict u1)" unknown_symbol \
	"unknown_symbol: a market with instrument rules, none for the symbol"
is "$(verdict u2)" pass "a market without instrument rules: no rule applies"
is "$(verdict u3)" tick "an instrument event in the stream teaches its rules"
is "$(verdict u4)" pass "and its tick then passes"
is "$(verdict u5)" unknown_symbol "the market's other symbols are then unknown"
check "the instrument event passes through" \
	grep -qF '{"type":"instrument","venue":"bybit"' "$T/out"
echo '{"type":"instrument","venue":"binance","market":"spot","symbol":"X","tick":"0"}' \
	>"$T/badinstr"
mkt-risk --limits "$T/empty.json" --instruments "$T/badinstr" </dev/null \
	2>"$T/err"
is $? 2 "a bad instruments file: exit 2"
check "and the reason" grep -qF "badinstr': line 1: field 'tick' must be above 0" \
	"$T/err"

# unknown_symbol: no default and no limits of the symbol's own.
{ intent k1 BTCUSDT buy 1 1; intent k2 ETHUSDT buy 1 1; } >"$T/in"
judge '{"binance:spot:BTCUSDT": {"max_qty": 2}}'
is "$(verdict k1)$(verdict k2)" passunknown_symbol \
	"unknown_symbol: a symbol the limits file does not name, with no default"

# bad_intent: the intent cannot be read, or names no venue; an intent
# without an id cannot be answered and is dropped with a message.
{
	intent e1 BTCUSDT buy -1 1
	echo '{"type":"intent","id":"e2","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"1"}'
	echo '{"type":"intent","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"1"}'
	echo 'not json'
} >"$T/in"
judge '{"default": {}}'
is $? 0 "bad intents: exit 0"
is "$(verdict e1)" bad_intent "bad_intent: a quantity below 0"
check "its detail says why" grep -qF \
	"\"detail\":\"bad_intent: field 'qty' must be above 0\"" "$T/out"
is "$(verdict e2)" bad_intent "bad_intent: no venue and no --venue"
is "$(grep -c '"type":"intent"' "$T/out")" 0 "no bad intent passes"
check "an intent without an id is reported" \
	grep -q "^mkt-risk: line 3: intent without a readable 'id' dropped" "$T/err"
check "a line that is not JSON is reported" grep -q '^mkt-risk: line 4: ' "$T/err"
judge '{"default": {}}' --venue binance:spot
is "$(verdict e2)" pass "--venue names the venue of intents without one"

# The rate windows count approved intents only: a burst's N+1th
# approval is refused (all within the second: these lines take
# microseconds).
{
	intent r1 BTCUSDT buy 1 1
	intent r2 BTCUSDT buy 1 1
	intent r3 BTCUSDT buy 2 1
	intent r4 BTCUSDT buy 1 1
	intent r5 BTCUSDT buy 1 1
	intent r6 ETHUSDT buy 1 1
} >"$T/in"
judge '{"default": {"rate_per_s": 3, "max_qty": 1}}'
is "$(verdict r1)$(verdict r2)$(verdict r3)$(verdict r4)$(verdict r5)" \
	passpassmax_qtypassrate \
	"rate_per_s 3: the 4th approval in a second is refused; a refusal does not count"
is "$(verdict r6)" pass "the rate is counted by symbol"
i=0
while [ $i -lt 101 ]; do
	intent "m$i" BTCUSDT buy 1 1
	i=$((i + 1))
done >"$T/in"
judge '{"default": {"rate_per_min": 100}}'
is "$(grep -c '"type":"intent"' "$T/out")" 100 "rate_per_min 100: 100 pass"
is "$(verdict m100)" rate "the 101st in the minute is refused"
check "its detail" grep -qF \
	'"detail":"rate: 100 approved in the last minute, at most 100"' "$T/out"

# Approved intents, cancels and other events pass with their exact bytes,
# in order; --no-pass drops only the events that are not trading ones.
cat >"$T/in" <<'EOF'
{ "type" : "ticker","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1000,"bid":99.50,"bid_qty":1,"ask":100.50,"ask_qty":2, "extra":[1,{"a":null}]}
{"symbol":"BTCUSDT","type":"intent","id":"p1","venue":"binance","market":"spot","side":"buy","kind":"limit","qty":1.000,"price":"100.0","time":2000,"strategy":"x"}
{"type":"cancel","id":"c1","target":"p1"}
{"type":"hello","n":1e3}
{"type":"cancel","id":"c2","symbol":"BTCUSDT"}
{"type":"intent","id":"p2","venue":"binance","market":"spot","symbol":"BTCUSDT","side":"sell","kind":"market","qty":"0.25","time":2000}
EOF
judge '{"default": {"max_qty": "1", "price_band_pct": "1"}}'
cmp_file "$T/out" "$T/in" "approved intents and every other event pass byte for byte"
judge '{"default": {"max_qty": "1", "price_band_pct": "1"}}' --no-pass
grep -v -e '"ticker"' -e '"hello"' "$T/in" >"$T/want"
cmp_file "$T/out" "$T/want" "--no-pass: intents and cancels still pass"
judge '{"default": {"max_qty": "0.5"}}' --no-pass
is "$(jq -r '.type' "$T/out" | tr '\n' ' ')" "reject cancel cancel intent " \
	"--no-pass: a refused intent is a reject in its place"

done_testing
