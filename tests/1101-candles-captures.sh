#!/bin/sh
# mkt-candles on real captures (tests/data/cryptofeed: Binance USD-M
# futures aggTrades, Bybit v5 linear and spot publicTrades), converted by
# tests/tools/capture2events.py, cross-checked candle by candle against
# an independent exact-decimal recomputation (tests/tools/check-candles.py)
# at 1s, 5s and 1m windows; everything but the trades passes through
# byte for byte.
. "$(dirname "$0")/lib.sh"
need_tools python3 zstd

CF=$DATA/cryptofeed
TOOLS=$TOP/tests/tools

python3 "$TOOLS/capture2events.py" binance-futures \
	"$CF/BINANCE_FUTURES.http.0.0" "$CF/BINANCE_FUTURES.ws.1.0" >"$T/futures"
python3 "$TOOLS/capture2events.py" bybit "$CF/BYBIT.jsonl.zst" >"$T/bybit"
is "$(grep -c '^{"type":"trade"' "$T/futures")" 91 "futures: 91 trades"
is "$(grep -c '^{"type":"trade"' "$T/bybit")" 347 "bybit: 347 trades"

# capture INTERVAL-MS CANDLES: the candles each capture must give.
capture() {
	for c in futures bybit; do
		mkt-candles --interval "$1ms" <"$T/$c" >"$T/$c.out" 2>"$T/err"
		is "$?" 0 "$c ${1}ms: exit 0"
		check "$c ${1}ms: nothing on stderr" test ! -s "$T/err"
		python3 "$TOOLS/check-candles.py" "$1" "$T/$c" "$T/$c.out" \
			>"$T/check"
		is "$(tail -n 1 "$T/check")" \
			"candles $(eval echo \$$c$1) trades $(eval echo \$t$c) mismatches 0" \
			"$c ${1}ms: every candle as recomputed, in order"
	done
}
tfutures=91 tbybit=347
futures1000=54 bybit1000=57
futures5000=19 bybit5000=30
futures60000=8 bybit60000=7
capture 1000
capture 5000
capture 60000

# Pass-through: the non-trade events, byte for byte and in order.
for c in futures bybit; do
	grep -v '^{"type":"trade"' "$T/$c" >"$T/want"
	grep -v '^{"type":"candle"' "$T/$c.out" >"$T/got"
	cmp_file "$T/got" "$T/want" "$c: the rest passes through unchanged"
done

# The sums of the candles equal the sums of the trades (each trade once).
is "$(python3 -c 'import json,sys
from decimal import Decimal as D
v=[D(0),D(0)]
for l in open(sys.argv[1]):
    e=json.loads(l, parse_float=D)
    if e["type"] == "trade":
        v[0]+=D(str(e["qty"])); v[1]+=1
for l in open(sys.argv[2]):
    e=json.loads(l, parse_float=D)
    if e["type"] == "candle":
        v[0]-=e["volume"]; v[1]-=e["trades"]
print(v[0] == 0, v[1])' "$T/bybit" "$T/bybit.out")" "True 0" \
	"bybit: volumes and counts add up to the trades'"
done_testing
