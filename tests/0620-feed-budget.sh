#!/bin/sh
# The REST scheduler keeps mkt-feed within its weight budget when many
# symbols resync at once: 100 Binance spot symbols want a 1000-level
# snapshot (weight 50 each, 5000 in all) at the same moment; mkt-feed
# may use half of the 6000-a-minute budget, so the simulator must see at
# most 3000 in any minute -- counted by the simulator, not by mkt-feed.
. "$(dirname "$0")/lib.sh"

syms=$(i=0; while [ $i -lt 100 ]; do printf 'S%03dUSDT,' $i; i=$((i + 1)); done)
syms=${syms%,}
mkt-sim --port-file "$T/port" --markets binance:spot --symbols "$syms" \
    --levels 50 --rate 5 2>"$T/sim.err" &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
u=127.0.0.1:$(cat "$T/port")
targets=$(echo "$syms" | tr ',' '\n' | sed 's/^/binance:spot:/')
MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
    mkt-feed --depth-limit 1000 $targets >"$T/out" 2>"$T/err" &
feed=$!
sleep 8
kill -TERM "$feed"
wait "$feed"
is "$?" 0 "mkt-feed exits 0"
kill -TERM "$sim"
wait "$sim"
line=$(grep 'served .* REST requests' "$T/sim.err")
weight=$(echo "$line" | sed 's/.*weight \([0-9]*\),.*/\1/')
peak=$(echo "$line" | sed 's/.*peak weight\/min \([0-9]*\).*/\1/')
echo "# simulator: $line"
check "the simulator saw REST weight" test "${weight:-0}" -gt 0
check "at most half the budget in any minute ($peak <= 3000)" \
    test "${peak:-99999}" -le 3000
check "the budget was used, not wasted ($peak >= 2500)" \
    test "${peak:-0}" -ge 2500
synced=$(jq -r 'select(.type == "snapshot") | .symbol' "$T/out" | sort -u | wc -l)
check "the symbols within the budget synced ($synced)" test "$synced" -ge 50
check "the rest wait: not all 100 synced within the minute" test "$synced" -lt 100

# A venue whose limit is lower than mkt-feed assumes: the 429 and its
# Retry-After are obeyed, so the IP is never banned (no 418).
mkt-sim --port-file "$T/port2" --markets binance:spot --symbols "$syms" \
    --levels 50 --rate 5 --weight-limit 1000 2>"$T/sim2.err" &
sim=$!
i=0
while [ ! -s "$T/port2" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
u=127.0.0.1:$(cat "$T/port2")
MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
    mkt-feed --depth-limit 1000 $targets >"$T/out2" 2>"$T/err2" &
feed=$!
sleep 6
kill -TERM "$feed"
wait "$feed"
is "$?" 0 "limit 1000: mkt-feed exits 0"
kill -TERM "$sim"
wait "$sim"
echo "# simulator: $(tr '\n' ' ' <"$T/sim2.err")"
check "limit 1000: the simulator answered 429" \
    grep -q 'weight limit: [1-9][0-9]* answered 429, 0 answered 418' "$T/sim2.err"
check "limit 1000: mkt-feed said rate_limited" \
    sh -c "jq -e -s 'map(select(.type == \"status\" and .state == \"rate_limited\")) | length > 0' '$T/out2' >/dev/null"
synced=$(jq -r 'select(.type == "snapshot") | .symbol' "$T/out2" | sort -u | wc -l)
check "limit 1000: the snapshots within the limit synced ($synced)" test "$synced" -ge 15
done_testing
