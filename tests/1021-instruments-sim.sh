#!/bin/sh
# 1021-instruments-sim: mkt-sim serves the instrument lists of its four
# markets, and mkt-feed --instruments reads them: one instrument event
# per symbol ahead of the market data, with rules the simulator's own
# books keep (every price of a snapshot on the tick, every quantity on
# the step), so that intents priced on its books pass a tick and step
# check.  An unknown symbol is a clear error with nothing written.
# load: 3
. "$(dirname "$0")/lib.sh"

SIM=
cleanup() {
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkt-sim --port-file "$T/port" --symbols BTCUSDT,ETHUSDT,DOGEUSDT \
    --levels 200 -v 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
B=http://127.0.0.1:$(cat "$T/port")
export MKT_BINANCE_SPOT_REST=$B MKT_BINANCE_FUTURES_REST=$B MKT_BYBIT_REST=$B

TARGETS=
for m in binance:spot binance:futures bybit:linear bybit:spot; do
	for s in BTCUSDT ETHUSDT DOGEUSDT; do
		TARGETS="$TARGETS $m:$s"
	done
done

# shellcheck disable=SC2086
mkt-feed --instruments --rest --once --depth-limit 100 $TARGETS \
    >"$T/out" 2>"$T/err"
is $? 0 "mkt-feed --instruments --rest --once: exit 0"
is "$(head -12 "$T/out" | jq -r .type | sort -u)" instrument \
    "the first 12 events are the instruments"
is "$(jq -r 'select(.type=="instrument") | .venue+":"+.market+":"+.symbol' \
    "$T/out" | tr '\n' ' ')" "$(echo $TARGETS | tr ' ' '\n' | tr '\n' ' ')" \
    "one per symbol, in the order given"
is "$(sed -n '13,$p' "$T/out" | jq -r .type | sort -u)" snapshot \
    "the market data follows"
is "$(jq -s '[.[] | select(.type=="instrument") | select((.tick and .step
    and .min_notional and .max_qty and (.min_qty or .venue+.market ==
    "bybitspot")) | not)] | length' "$T/out")" 0 \
    "every instrument states all five rules but bybit spot's min_qty"
is "$(jq -r 'select(.type=="instrument" and .symbol=="BTCUSDT") |
    .venue+":"+.market+" "+.tick+" "+.step' "$T/out" | tr '\n' ';')" \
    "binance:spot 0.01 0.00001;binance:futures 0.1 0.001;bybit:linear 0.1 0.001;bybit:spot 0.01 0.00001;" \
    "BTCUSDT's tick and step per market, as the simulator trades it"

# Every level of every snapshot on its instrument's grid, exactly.
cat >"$T/grid.py" <<'EOF2'
import json, sys
from decimal import Decimal
rules, bad, levels = {}, 0, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    k = (e["venue"], e["market"], e["symbol"])
    if e["type"] == "instrument":
        rules[k] = e
        continue
    r = rules[k]
    for p, q in e["bids"] + e["asks"]:
        levels += 1
        p, q = Decimal(str(p)), Decimal(str(q))
        if p % Decimal(r["tick"]) or q % Decimal(r["step"]) or \
           q < Decimal(r["min_qty"] if "min_qty" in r else "0"):
            bad += 1
            print("# off the grid:", k, p, q)
print(levels, bad)
EOF2
set -- $(python3 "$T/grid.py" "$T/out")
check "the snapshots have levels ($1)" test "${1:-0}" -gt 1000
is "${2:-x}" 0 "every price on the tick, every quantity on the step"

# Unknown symbols, refused as each venue refuses them.
mkt-feed --instruments-only binance:spot:BTCUSDT binance:spot:NOPEUSDT \
    >"$T/o1" 2>"$T/e1"
is $? 1 "an unknown binance spot symbol: exit 1"
is "$(cat "$T/e1")" \
    "mkt-feed: binance:spot: instrument list: HTTP 400: Invalid symbol. (code -1121)" \
    "the venue's refusal"
check "nothing written" test ! -s "$T/o1"
mkt-feed --instruments bybit:linear:BTCUSDT bybit:linear:ETHUSDT \
    bybit:linear:NOPEUSDT >"$T/o2" 2>"$T/e2"
is $? 1 "an unknown bybit linear symbol, with a live feed: exit 1"
is "$(cat "$T/e2")" \
    "mkt-feed: bybit:linear:NOPEUSDT: no such symbol in the venue's instrument list" \
    "the symbol is named"
check "nothing written, no market data either" test ! -s "$T/o2"

# The simulator's paging: three linear symbols come in two pages of two
# (mkt-sim -v names each REST request it answers).
pages() { grep -c 'rest /v5/market/instruments-info: 200' "$T/sim.err"; }
before=$(pages)
mkt-feed --instruments-only bybit:linear:BTCUSDT bybit:linear:ETHUSDT \
    bybit:linear:DOGEUSDT >"$T/o3" 2>"$T/e3"
is $? 0 "three bybit linear symbols: exit 0"
is "$(nlines "$T/o3")" 3 "all three instruments"
is "$(($(pages) - before))" 2 "in two pages"
done_testing
