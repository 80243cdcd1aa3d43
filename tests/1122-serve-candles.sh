#!/bin/sh
# 1122-serve-candles: GET /api/candles answers the journal's candles as
# `mkt-journal query DIR candles` prints them, event for event, at each
# resolution and over a range; parameters are checked (400 naming the
# parameter), a symbol without candles is a 404, and --max-points caps
# the answer.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq python3

SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Trades of BTCUSDT on binance spot over 30 hours (a UTC midnight), one
# every 0-90 s; then one-minute candles into a journal with bands of the
# same symbol.
python3 - "$T/trades" <<'PY'
import json, random, sys
r = random.Random(4)
t = 1700000000000 - 6 * 3600000
end = t + 30 * 3600000
n = 0
with open(sys.argv[1], "w") as out:
    while t < end:
        t += r.randint(0, 90000)
        n += 1
        px = "%d.%02d" % (37000 + r.randint(-300, 300), r.randint(0, 99))
        out.write(json.dumps({"type": "trade", "venue": "binance",
            "market": "spot", "symbol": "BTCUSDT", "time": t, "id": n,
            "price": px, "qty": "0.%03d" % r.randint(1, 999),
            "side": r.choice(["buy", "sell"])}, separators=(",", ":")) + "\n")
PY
gen-bands --symbols 1 --markets 1 --minutes 120 --seed 3 \
	--start 1700000000000 >"$T/bands"
mkt-candles --interval 1m --no-pass <"$T/trades" | cat - "$T/bands" |
	mkt-journal append "$T/j"
is "$?" 0 "candles and bands appended"

mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port" \
	--max-points 1000 2>"$T/serve.err" &
SRV=$!
check "mkt-serve starts" wait_file "$T/port" || exit 1
U=http://127.0.0.1:$(cat "$T/port")

# same QUERY ARGS...: /api/candles?QUERY holds, in order, exactly the
# events of mkt-journal query DIR candles ARGS, their numbers digit for
# digit, and counts them.
same() {
	_q=$1
	shift
	curl -s "$U/api/candles?$_q" >"$T/ans"
	mkt-journal query "$T/j" candles "$@" >"$T/want"
	python3 - "$T/ans" "$T/want" <<'PY'
import json, sys
from decimal import Decimal
ans = json.load(open(sys.argv[1]), parse_float=Decimal, parse_int=Decimal)
want = [json.loads(l, parse_float=Decimal, parse_int=Decimal)
        for l in open(sys.argv[2])]
sys.exit(0 if want and ans["data"] == want and ans["count"] == len(want)
         else 1)
PY
}
A="venue=binance&market=spot&symbol=BTCUSDT"
O="--venue binance --market spot --symbol BTCUSDT"
FROM=1700000000000
TO=2023-11-15T06:00:00Z
# shellcheck disable=SC2086 # the options
check "hours: the journal's candles" same "$A&resolution=hour" \
	$O --resolution hour
# shellcheck disable=SC2086
check "days: the journal's candles" same "$A&resolution=day" \
	$O --resolution day
# shellcheck disable=SC2086
check "minutes of a range: the journal's candles" \
	same "$A&resolution=minute&from=$FROM&to=$TO" \
	$O --resolution minute --from "$FROM" --to "$TO"
# shellcheck disable=SC2086
check "auto over a range: the journal's candles" \
	same "symbol=BTCUSDT&from=$FROM&to=$TO" \
	--symbol BTCUSDT --from "$FROM" --to "$TO"
is "$(jq -r '.data[0] | [.type, .interval] | @tsv' "$T/ans")" \
	"$(printf 'candle\t60000')" "auto over 12 hours: minutes"

# bad QUERY PARAM: a 400 whose error names PARAM.
bad() {
	_c=$(curl -s -o "$T/err.json" -w '%{http_code}' "$U/api/candles?$1")
	[ "$_c" = 400 ] && [ "$(jq -r .param "$T/err.json")" = "$2" ]
}
check "no symbol: 400 symbol" bad "venue=binance" symbol
check "a bad resolution: 400 resolution" bad "$A&resolution=week" resolution
check "a bad time: 400 from" bad "$A&from=yesterday" from
check "from after to: 400 from" bad "$A&from=$TO&to=$FROM" from
check "an unknown parameter: 400 naming it" bad "$A&pct=1.5" pct
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/candles?symbol=ETHUSDT")" \
	404 "a symbol without candles: 404"
check "more than --max-points: 400 resolution" \
	bad "$A&resolution=minute" resolution

kill -TERM "$SRV"
wait "$SRV"
is "$?" 0 "SIGTERM: exit 0"
SRV=

done_testing
