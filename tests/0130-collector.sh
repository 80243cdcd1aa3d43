#!/bin/sh
# 0130-collector: the README's whole collector, over recorded input
# (generated depth streams of two markets, merged in time order):
# mkt-depth --interval 1m --keep | mkt-diff --aggregate | mkt-journal
# append.  The raw depth, the minute bands, the imbalance and the TOTAL
# sums all reach the journal, and `query symbols` and `query series`
# answer from it, TOTAL included.
. "$(dirname "$0")/lib.sh"

# merge FILE...: the events of the files in time order (stable).
merge() {
	python3 - "$@" <<'PY'
import json, sys
rows = []
for k, path in enumerate(sys.argv[1:]):
    for i, line in enumerate(open(path)):
        rows.append((json.loads(line)["time"], k, i, line))
rows.sort(key=lambda r: r[:3])
sys.stdout.write("".join(r[3] for r in rows))
PY
}

# About 3.3 minutes of three symbols in each of binance spot and futures
# (gen-depth writes spot; futures follows the same continuity rule).
gen-depth --events 6000 --symbols 3 --levels 200 --seed 1 >"$T/spot"
gen-depth --events 6000 --symbols 3 --levels 200 --seed 2 |
	sed 's/"market":"spot"/"market":"futures"/' >"$T/fut"
merge "$T/spot" "$T/fut" >"$T/in"

mkt-depth --interval 1m --keep <"$T/in" | mkt-diff --aggregate >"$T/out"
is "$?" 0 "the collector exits 0"
mkt-journal append "$T/j" <"$T/out"
is "$?" 0 "mkt-journal append exits 0"

# mkt-depth --keep: every snapshot and depth event, byte for byte, in order.
grep -E '^\{"type":"(snapshot|depth)"' "$T/in" >"$T/raw.want"
grep -E '^\{"type":"(snapshot|depth)"' "$T/out" >"$T/raw.got"
cmp_file "$T/raw.got" "$T/raw.want" "--keep: the raw stream goes on whole"
mkt-replay "$T/j" --type snapshot --type depth >"$T/raw.journal"
cmp_file "$T/raw.journal" "$T/raw.want" "the raw stream is in the journal"
is "$(mkt-replay "$T/j" --type bands | wc -l | tr -d ' ')" \
	"$(grep -c '"type":"bands"' "$T/out")" \
	"mkt-diff passes the bands on: all of them are in the journal"
check "there are minute bands" test "$(grep -c '"type":"bands"' "$T/out")" -ge 24

# The history tables and every query equal a brute-force recomputation
# from the events (the sums included).
check "tables and queries equal a recomputation" \
	python3 "$TOP/tests/tools/check-history.py" "$T/j/index.db" "$T/out" \
	--query "mkt-journal query $T/j"

# symbols: three symbols and three sums in each market.
mkt-journal query "$T/j" symbols >"$T/symbols"
is "$?" 0 "query symbols: exit 0"
is "$(jq -r '"\(.market):\(.symbol):\(.minutes)"' "$T/symbols" | tr '\n' ' ')" \
	"futures:BNBUSDT:4 futures:BTCUSDT:4 futures:ETHUSDT:4 futures:TOTAL:4 futures:TOTAL1:4 futures:TOTAL2:4 spot:BNBUSDT:4 spot:BTCUSDT:4 spot:ETHUSDT:4 spot:TOTAL:4 spot:TOTAL1:4 spot:TOTAL2:4 " \
	"query symbols: every symbol and every sum, four minutes each"

# series of a symbol: one point a minute, the bands' own figures.
mkt-journal query "$T/j" series --symbol BTCUSDT --venue binance \
	--market spot --pct 1.5 >"$T/btc"
is "$?" 0 "query series of BTCUSDT: exit 0"
is "$(jq -r .value "$T/btc" | tr '\n' ' ')" \
	"$(jq -r 'select(.type == "bands" and .market == "spot" and .symbol == "BTCUSDT") | .bands[0].bid_qty' "$T/out" | tr '\n' ' ')" \
	"query series of BTCUSDT: the minute bands' bid_qty"

# series of TOTAL: its values (bid_value unless told), one point a minute,
# equal to the sum's events as doubles.
for f in "" bid_value ask_value value_imbalance; do
	mkt-journal query "$T/j" series --symbol TOTAL --venue binance \
		--market futures --pct 3 ${f:+--field $f} >"$T/total"
	is "$?" 0 "query series of TOTAL ${f:-(default field)}: exit 0"
	is "$(python3 - "$T/out" "$T/total" "${f:-bid_value}" <<'PY'
import json, sys
want = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "imbalance" and e["market"] == "futures" and e["symbol"] == "TOTAL":
        b = e["bands"][1]
        bv, av = float(b["bid_value"]), float(b["ask_value"])
        v = {"bid_value": bv, "ask_value": av,
             "value_imbalance": 100 * (bv - av) / (bv + av)}[sys.argv[3]]
        want.append((e["time"], v))
got = [(json.loads(l)["time"], json.loads(l)["value"]) for l in open(sys.argv[2])]
ok = len(got) == len(want) == 4 and all(
    g[0] == w[0] and abs(g[1] - w[1]) <= 1e-9 * abs(w[1]) for g, w in zip(got, want))
print("same" if ok else "got %r want %r" % (got, want))
PY
)" same "query series of TOTAL ${f:-(default field)}: the sums, minute by minute"
done
mkt-journal query "$T/j" series --symbol TOTAL2 --venue binance \
	--market spot --pct 1.5 --field bid_qty >/dev/null 2>"$T/err"
is "$?" 1 "TOTAL2 has no quantities: exit 1"
is "$(cat "$T/err")" \
	"mkt-journal: '$T/j': series: 'TOTAL2' sums values, not quantities: use --field bid_value, ask_value or value_imbalance" \
	"TOTAL2 has no quantities: says which fields it has"

# Without --keep the raw stream stops at mkt-depth (as documented).
mkt-depth --interval 1m <"$T/in" | mkt-diff --aggregate >"$T/out2"
is "$(grep -c '"type":"depth"' "$T/out2")" 0 "without --keep, depth is consumed"
done_testing
