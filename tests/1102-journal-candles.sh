#!/bin/sh
# mkt-journal's candle tables: one-minute candle events (mkt-candles)
# appended to a journal fill candles_1m, and candles_1h and candles_1d
# are their exact rollups; `query DIR candles` prints them as candle
# events.  Cross-checked against an independent recomputation in Python
# from the raw trades (exact decimals), whatever the order or repetition
# of the minutes appended, and after the minutes are pruned.
. "$(dirname "$0")/lib.sh"
need_tools python3 sqlite3

# Trades of two symbols on two venues over 50 hours (two UTC midnights):
# prices and quantities with up to 8 decimals, one trade every 0-3
# minutes, deterministic.
python3 - "$T/trades" <<'PY'
import json, random, sys
r = random.Random(12)
t0 = 1700000000000 - 3 * 3600000
out = open(sys.argv[1], "w")
syms = [("binance", "spot", "BTCUSDT", 37000), ("bybit", "linear", "ETHUSDT", 2000),
        ("binance", "futures", "ETHUSDT", 2001)]
t = t0
n = 0
while t < t0 + 50 * 3600000:
    t += r.randint(0, 180000)
    v, m, s, base = syms[r.randrange(3)]
    px = "%d.%08d" % (base + r.randint(-50, 50), r.randint(0, 99999999))
    px = px.rstrip("0").rstrip(".") if r.random() < 0.5 else px
    qty = "%d.%0*d" % (r.randint(0, 3), 6, r.randint(1, 999999))
    n += 1
    out.write(json.dumps({"type": "trade", "venue": v, "market": m, "symbol": s,
        "time": t, "id": n, "price": px, "qty": qty,
        "side": r.choice(["buy", "sell"])}, separators=(",", ":")) + "\n")
PY
ntrades=$(wc -l <"$T/trades" | tr -d ' ')
check "trades made ($ntrades)" test "$ntrades" -gt 1000

# expect SYMBOL VENUE MARKET UNIT-MS: the candles of the trades, per
# bucket of UNIT, recomputed from the trades themselves, as canonical
# lines (time open high low close volume quote_volume trades buy_volume).
cat >"$T/expect.py" <<'PY'
import json, sys
from decimal import Decimal as D
sym, venue, market, unit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = {}
for l in open(sys.argv[5]):
    e = json.loads(l)
    if (e["symbol"], e["venue"], e["market"]) != (sym, venue, market):
        continue
    p, q = D(e["price"]), D(e["qty"])
    k = e["time"] // unit * unit
    if k not in c:
        c[k] = [p, p, p, p, D(0), D(0), 0, D(0)]
    x = c[k]
    x[1] = max(x[1], p); x[2] = min(x[2], p); x[3] = p
    x[4] += q; x[5] += p * q; x[6] += 1
    if e["side"] == "buy":
        x[7] += q
def s(v):
    return str(v) if isinstance(v, int) else format(v.normalize(), "f")
for k in sorted(c):
    print(k, " ".join(s(v) for v in c[k]))
PY
# canon FILE: the same lines from mkt-journal's candle events (and a
# check that each one says the interval asked for).
cat >"$T/canon.py" <<'PY'
import json, sys
from decimal import Decimal as D
unit = int(sys.argv[1])
for l in open(sys.argv[2]):
    e = json.loads(l, parse_float=D)
    assert e["type"] == "candle" and e["interval"] == unit, l
    assert e["time"] == e["open_time"], l
    print(e["time"], " ".join(str(v) if isinstance(v, int) else format(D(v).normalize(), "f")
        for v in (e["open"], e["high"], e["low"], e["close"], e["volume"],
                  e["quote_volume"], e["trades"], e["buy_volume"])))
PY

mkt-candles --interval 1m --keep <"$T/trades" >"$T/events"
grep '"type":"candle"' "$T/events" >"$T/candles"
mkt-journal append "$T/j" <"$T/events" 2>"$T/err"
is "$?" 0 "append trades and candles: exit 0"
is "$(sqlite3 "$T/j/index.db" 'SELECT count(*) FROM candles_1m')" \
	"$(wc -l <"$T/candles" | tr -d ' ')" "one minute row per candle event"

# compare J SYMBOL VENUE MARKET RES UNIT NAME: query J's candles at RES
# and compare them with the recomputation at UNIT.
compare() {
	python3 "$T/expect.py" "$2" "$3" "$4" "$6" "$T/trades" >"$T/want"
	mkt-journal query "$1" candles --symbol "$2" --venue "$3" \
		--market "$4" --resolution "$5" >"$T/got.ev"
	python3 "$T/canon.py" "$6" "$T/got.ev" >"$T/got"
	cmp_file "$T/got" "$T/want" "$7: $3:$4:$2 at $5"
}
for s in "BTCUSDT binance spot" "ETHUSDT bybit linear" "ETHUSDT binance futures"; do
	set -- $s
	compare "$T/j" "$1" "$2" "$3" 1m 60000 "minutes"
	compare "$T/j" "$1" "$2" "$3" 1h 3600000 "hours"
	compare "$T/j" "$1" "$2" "$3" day 86400000 "days"
done
check "days span midnights" test "$(wc -l <"$T/got")" -ge 3

# The same candles again, in reverse order, into the same journal, and
# into a fresh one: the rollups do not change.
tac "$T/candles" | mkt-journal append "$T/j"
tac "$T/candles" | mkt-journal append "$T/r"
for j in j r; do
	set -- BTCUSDT binance spot
	compare "$T/$j" "$1" "$2" "$3" hour 3600000 "again, reversed ($j)"
	compare "$T/$j" "$1" "$2" "$3" 1d 86400000 "again, reversed ($j)"
done
is "$(sqlite3 "$T/j/index.db" 'SELECT count(*) FROM candles_1m')" \
	"$(wc -l <"$T/candles" | tr -d ' ')" "a minute seen again is one row"

# Another interval is journaled but not taken into the tables.
mkt-candles --interval 5m <"$T/trades" | mkt-journal append "$T/j"
compare "$T/j" BTCUSDT binance spot 1h 3600000 "after 5m candles"

# Ranges: a bucket is in when it overlaps [from, to]; auto picks minutes
# for two hours, hours for all (the data span 50 hours).
first=$(head -n 1 "$T/candles" | python3 -c 'import json,sys; print(json.load(sys.stdin)["time"])')
from=$((first + 3600000 + 30000))
to=$((from + 2 * 3600000))
mkt-journal query "$T/j" candles --symbol BTCUSDT --market spot \
	--from "$from" --to "$to" >"$T/range"
is "$(python3 -c 'import json,sys
ls=[json.loads(l) for l in open(sys.argv[1])]
print(len(set(e["interval"] for e in ls)), ls[0]["interval"], ls[0]["time"] >= int(sys.argv[2]) // 60000 * 60000, ls[-1]["time"] <= int(sys.argv[3]))' \
	"$T/range" "$from" "$to")" "1 60000 True True" \
	"auto: minutes for a two-hour range, from the minute of --from"
is "$(mkt-journal query "$T/j" candles --symbol BTCUSDT --market spot |
	python3 -c 'import json,sys; print(set(json.loads(l)["interval"] for l in sys.stdin))')" \
	"{3600000}" "auto: hours for an open range over 50 hours of data"
mkt-journal query "$T/j" candles --symbol BTCUSDT --market spot \
	--resolution 1h --format csv >"$T/csv"
is "$(head -n 1 "$T/csv")" "time,open,high,low,close,volume,quote_volume,trades,buy_volume" \
	"csv: the header"
is "$(wc -l <"$T/csv" | tr -d ' ')" \
	"$(($(python3 "$T/expect.py" BTCUSDT binance spot 3600000 "$T/trades" | wc -l) + 1))" \
	"csv: one row per hour"

# Pruning the minutes leaves the hours and days as they were; auto then
# takes hours where minutes are gone.
mkt-journal query "$T/j" candles --symbol ETHUSDT --venue bybit \
	--resolution 1h >"$T/hours.before"
mkt-journal prune --keep-minutes 1h --now "$((first + 30 * 3600000))" "$T/j" 2>"$T/err"
is "$?" 0 "prune --keep-minutes: exit 0"
is "$(sqlite3 "$T/j/index.db" "SELECT count(*) FROM candles_1m WHERE time < $((first + 29 * 3600000 - 3600000))")" \
	0 "prune: old minute rows gone"
mkt-journal query "$T/j" candles --symbol ETHUSDT --venue bybit \
	--resolution 1h >"$T/hours.after"
cmp_file "$T/hours.after" "$T/hours.before" "prune: the hours stay"
compare "$T/j" ETHUSDT bybit linear 1d 86400000 "after prune"

# Errors: what is asked must be there, and be one.
mkt-journal query "$T/j" candles --symbol ETHUSDT >"$T/out" 2>"$T/err"
is "$?" 1 "ambiguous symbol: exit 1"
is "$(cat "$T/err")" "mkt-journal: '$T/j': candles: symbol 'ETHUSDT' has candles in binance:futures, bybit:linear: give the venue and market" \
	"ambiguous symbol: where it is"
mkt-journal query "$T/j" candles --symbol XRPUSDT >"$T/out" 2>"$T/err"
is "$?" 1 "unknown symbol: exit 1"
is "$(cat "$T/err")" "mkt-journal: '$T/j': candles: no candles of symbol 'XRPUSDT'; the journal has candles of BTCUSDT, ETHUSDT" \
	"unknown symbol: the symbols there are"
mkt-journal query "$T/j" candles >"$T/out" 2>"$T/err"
is "$?" 2 "no --symbol: usage error"
is "$(head -n 1 "$T/err")" "mkt-journal: query candles needs --symbol" \
	"no --symbol: says so"
mkt-journal query "$T/j" candles --symbol BTCUSDT --resolution 5m \
	>"$T/out" 2>"$T/err"
is "$?" 2 "bad --resolution: usage error"
done_testing
