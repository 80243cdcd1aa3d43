#!/bin/sh
# bench/risk.sh: mkt-risk, the pre-trade gate, against what a user would
# otherwise write: the same three checks (max_qty, max_notional and a 5 %
# price band around the last book's mid) as a jq program and as a Python
# script with exact decimals, in the same run on the same input.
#
# Input: BENCH_RISK_EVENTS (200000) lines, half Binance spot book events
# (one level a side, the mid walking) and half intents (limit orders, a
# share of them too large, too dear or outside the band), 10 ms apart,
# cached in bench/out/.  Each command reads the file with `< FILE` and
# writes to /dev/null; the median wall time of BENCH_RUNS (3) runs (jq
# and Python once).  Before timing, the three must refuse the same number
# of intents, or the row says so and the script fails.
#
# Environment: MKT_BIN (build/bin), BENCH_RUNS, BENCH_RISK_EVENTS.  Needs
# python3 and jq.  Exit status: 0, or 1 when a run failed or disagreed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
RUNS=${BENCH_RUNS:-3}
EVENTS=${BENCH_RISK_EVENTS:-200000}
OUT=bench/out
IN=$OUT/risk-$EVENTS.ndjson
LIMITS=$OUT/risk-limits.json
failed=0
mkdir -p "$OUT" || exit 1

if [ ! -s "$IN" ] || [ bench/risk.sh -nt "$IN" ]; then
	python3 - "$EVENTS" >"$IN.tmp" <<'PY' || exit 1
import random, sys
n = int(sys.argv[1])
rnd = random.Random(7)
mid = 60000.0
t = 1796000000000
w = sys.stdout.write
for i in range(n // 2):
    mid += rnd.choice((-1, 1)) * rnd.random() * 5
    t += 10
    w('{"type":"book","venue":"binance","market":"spot","symbol":"BTCUSDT",'
      '"time":%d,"last_id":%d,"bids":[[%.2f,1.5]],"asks":[[%.2f,2.5]]}\n'
      % (t, i, mid - 0.05, mid + 0.05))
    t += 10
    qty = rnd.choice(("0.001", "0.01", "0.1", "0.5", "0.9", "1.5"))
    px = mid * (1 + rnd.choice((-0.07, -0.02, 0, 0.01, 0.03, 0.06)))
    w('{"type":"intent","id":"i%d","venue":"binance","market":"spot",'
      '"symbol":"BTCUSDT","time":%d,"side":"%s","kind":"limit",'
      '"qty":"%s","price":"%.2f","tif":"GTC"}\n'
      % (i, t, rnd.choice(("buy", "sell")), qty, px))
PY
	mv "$IN.tmp" "$IN" || exit 1
fi
printf '{"default": {"max_qty": "1", "max_notional": "50000", "price_band_pct": "5"}}\n' \
	>"$LIMITS"

JQ_GATE='
def mid: (.bids[0][0] + .asks[0][0]) / 2;
foreach inputs as $e ({m: null};
    if $e.type == "book" then .m = ($e | mid) else . end;
    if $e.type != "intent" then $e
    else ($e.qty | tonumber) as $q | ($e.price | tonumber) as $p |
        (if $q > 1 then "max_qty"
         elif $q * $p > 50000 then "max_notional"
         elif .m == null then "no_price"
         elif ((($p - .m) / .m) | fabs) * 100 > 5 then "price_band"
         else null end) as $r |
        if $r == null then $e
        else {type: "reject", id: $e.id, reason: $r} end
    end)'
PY_GATE=$OUT/risk-gate.py
cat >"$PY_GATE" <<'PY'
import json, sys
from decimal import Decimal as D
mid = None
out = sys.stdout.write
for line in sys.stdin:
    e = json.loads(line)
    t = e.get("type")
    if t == "book":
        mid = (D(str(e["bids"][0][0])) + D(str(e["asks"][0][0]))) / 2
    if t != "intent":
        out(line)
        continue
    q, p = D(e["qty"]), D(e["price"])
    r = None
    if q > 1:
        r = "max_qty"
    elif q * p > 50000:
        r = "max_notional"
    elif mid is None:
        r = "no_price"
    elif abs(p - mid) / mid * 100 > 5:
        r = "price_band"
    if r is None:
        out(line)
    else:
        out(json.dumps({"type": "reject", "id": e["id"], "reason": r},
                       separators=(",", ":")) + "\n")
PY

RISK="$BIN/mkt-risk --limits $LIMITS"
JQ="jq -cn '$JQ_GATE'"
PYC="python3 $PY_GATE"

# rejects CMD: how many intents CMD refuses.
rejects() {
	sh -c "$1" <"$IN" | grep -c '"type":"reject"'
}
# wall CMD N: the median wall seconds of N runs.
wall() {
	python3 - "$1" "$2" "$IN" <<'PY'
import subprocess, sys, time
cmd, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ws = []
for _ in range(n):
    with open(path, "rb") as f:
        t = time.monotonic()
        r = subprocess.run(cmd, shell=True, stdin=f,
                           stdout=subprocess.DEVNULL)
        ws.append(time.monotonic() - t)
    if r.returncode != 0:
        print("FAIL")
        sys.exit(0)
ws.sort()
print("%.4f" % ws[len(ws) // 2])
PY
}

nr=$(rejects "$RISK") nj=$(rejects "$JQ") np=$(rejects "$PYC")
echo "== mkt-risk: $EVENTS events (half intents), a 5 % band, max_qty, max_notional"
echo "   intents refused: mkt-risk $nr, jq $nj, python $np"
if [ "$nr" != "$nj" ] || [ "$nr" != "$np" ] || [ "$nr" = 0 ]; then
	echo "bench/risk.sh: the gates disagree" >&2
	exit 1
fi
wr=$(wall "$RISK" "$RUNS") wj=$(wall "$JQ" 1) wp=$(wall "$PYC" 1)
for w in "$wr" "$wj" "$wp"; do
	[ "$w" = FAIL ] && { echo "bench/risk.sh: a run failed" >&2; exit 1; }
done
awk -v n="$EVENTS" -v r="$wr" -v j="$wj" -v p="$wp" 'BEGIN {
	printf "%-34s %9s %12s %10s\n", "command", "wall s", "events/s",
	    "mkt-risk x"
	printf "%-34s %9.3f %12.0f %10s\n", "mkt-risk --limits", r, n / r, "1.0"
	printf "%-34s %9.3f %12.0f %10.1f\n", "jq (the same checks)", j, n / j,
	    j / r
	printf "%-34s %9.3f %12.0f %10.1f\n", "python3, Decimal (the same)", p,
	    n / p, p / r
}'
exit "$failed"
