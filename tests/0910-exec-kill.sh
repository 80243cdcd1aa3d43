#!/bin/sh
# One intent is exactly one order, whatever breaks: mkt-exec is killed
# with SIGKILL at random moments (MKT_TORTURE times, 100 by default;
# `make torture` runs 1000) while intents stream to mkt-sim, which
# answers a share of the new orders with faults after placing them
# (never answered, connection closed, HTTP 503, -1007) or refuses them
# before placing (503).  Each run starts again on the same input and
# state store.  After a last run to the end:
#   - every intent id is exactly one order at the venue (none lost, none
#     twice: Binance spot takes a client id again once its order filled,
#     so a blind resend would show as a second order);
#   - the store's fills are the venue's, trade id for trade id, and its
#     orders end in the venue's states;
#   - the store's position is the sum of the venue's fills.
# Kill moments are random delays (0 to 200 ms, from the seed) after a
# run starts; nothing waits on them.  The counts go to the TAP output.  MKT_KILL_VENUE picks the venue (binance:spot).
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools curl jq sqlite3 python3

KILLS=${MKT_TORTURE:-100}
INTENTS=$((KILLS * 3 + 20))
SEED=${MKT_TORTURE_SEED:-$(date +%s)}
VENUE=${MKT_KILL_VENUE:-binance:spot}
echo "# $KILLS kills, $INTENTS intents on $VENUE, seed $SEED"

SIM= EXEC=
cleanup() {
	[ -n "$EXEC" ] && kill -9 "$EXEC" 2>/dev/null
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

unset MKT_API_KEY MKT_API_SECRET
printf 'mkt-sim-test-key\nmkt-sim-test-secret\n' >"$T/key"
chmod 600 "$T/key"

mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 50 \
    --order-fault hang=8 --order-fault close=4 --order-fault 5xx=8 \
    --order-fault timeout=5 --order-fault reject=5 --fault-seed "$SEED" \
    --order-limit binance:spot=100000 --order-limit binance:futures=100000 \
    --order-limit bybit:linear=100000 --order-limit bybit:spot=100000 \
    2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
B=http://127.0.0.1:$(cat "$T/port")
export MKT_BINANCE_SPOT_REST=$B MKT_BINANCE_FUTURES_REST=$B MKT_BYBIT_REST=$B
export MKT_BINANCE_SPOT_WSAPI=ws://127.0.0.1:$(cat "$T/port")
export MKT_BINANCE_FUTURES_WS=ws://127.0.0.1:$(cat "$T/port")
export MKT_BYBIT_WS=ws://127.0.0.1:$(cat "$T/port")

# Intents: market orders both ways, limit orders that cross (they fill
# at once) and limit orders far from the price (they rest).
python3 - "$INTENTS" "$SEED" >"$T/in" <<'EOF'
import json, random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed)
for i in range(n):
    side = r.choice(("buy", "sell"))
    qty = "0.00%d" % r.randint(1, 9)
    k = r.random()
    e = {"type": "intent", "id": "k%d" % i, "symbol": "BTCUSDT",
         "side": side, "qty": qty}
    if k < 0.6:
        e["kind"] = "market"
    elif k < 0.8:
        e.update(kind="limit", tif="IOC",
                 price="90000" if side == "buy" else "30000")
    else:
        e.update(kind="limit", price="1000" if side == "buy" else "900000")
    print(json.dumps(e))
EOF

EXEC_OPTS="--venue $VENUE --state $T/s.db --key-file $T/key --no-stream
--timeout 300ms --recv-window 1s --poll 200ms --order-rate 20/100ms"

awk -v n="$KILLS" -v seed="$SEED" 'BEGIN { srand(seed);
	for (i = 0; i < n; i++) printf "%.3f\n", rand() * 0.2 }' >"$T/delays"
killed=0 ran_out=0
while read -r delay; do
	# shellcheck disable=SC2086
	mkt-exec $EXEC_OPTS <"$T/in" >>"$T/out" 2>>"$T/err" &
	EXEC=$!
	sleep "$delay"
	if kill -9 "$EXEC" 2>/dev/null; then
		killed=$((killed + 1))
	else
		ran_out=$((ran_out + 1))
	fi
	wait "$EXEC" 2>/dev/null
	EXEC=
done <"$T/delays"
echo "# $killed runs killed, $ran_out ended by themselves first"
check "at least half of the runs were killed while they ran" \
	test "$killed" -ge $((KILLS / 2))

# shellcheck disable=SC2086
mkt-exec $EXEC_OPTS <"$T/in" >>"$T/out" 2>>"$T/err"
is $? 0 "the last run ends by itself, exit 0"
grep -v '^mkt-exec: line' "$T/err" | sort | uniq -c | sed 's/^/# /' | head -20

curl -s "$B/sim/orders" >"$T/venue"
sqlite3 -json "$T/s.db" 'select client_id, status, filled_qty
    from orders' >"$T/local.orders"
sqlite3 -json "$T/s.db" 'select venue_trade_id, client_id, price, qty
    from fills' >"$T/local.fills"
sqlite3 "$T/s.db" "select qty from positions where symbol = 'BTCUSDT'" \
	>"$T/local.pos"
python3 - "$T/in" "$T/venue" "$T/local.orders" "$T/local.fills" \
    "$T/local.pos" >"$T/verdict" <<'EOF'
import json, sys
from decimal import Decimal as D
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
venue = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
lorders = {o["client_id"]: o for o in json.load(open(sys.argv[3]) or [])} \
    if open(sys.argv[3]).read().strip() else {}
lfills = json.load(open(sys.argv[4])) if open(sys.argv[4]).read().strip() \
    else []
lpos = open(sys.argv[5]).read().strip() or "0"
per = {}
for o in venue:
    per.setdefault(o["client_id"], []).append(o)
lost = [i for i in ids if i not in per]
dup = [i for i in ids if len(per.get(i, [])) > 1]
vfills = {}
for o in venue:
    for f in o["fills"]:
        vfills[f["venue_trade_id"]] = (o["client_id"], D(f["price"]),
                                      D(f["qty"]))
lf = {str(f["venue_trade_id"]): (f["client_id"], D(f["price"]), D(f["qty"]))
      for f in lfills}
status_diff = [i for i in ids if i in per and len(per[i]) == 1 and
               (i not in lorders or
                lorders[i]["status"] != per[i][0]["status"] or
                D(lorders[i]["filled_qty"]) != D(per[i][0]["filled"]))]
pos = sum((q if vfills_side[c] == "buy" else -q)
          for c, p, q in vfills.values()
          for vfills_side in [{o["client_id"]: o["side"] for o in venue}])
print("intents", len(ids))
print("orders", len(venue))
print("lost", len(lost), " ".join(lost[:5]))
print("duplicated", len(dup), " ".join(dup[:5]))
print("venue_fills", len(vfills))
print("fills_equal", "yes" if lf == vfills else "no")
print("states_differ", len(status_diff), " ".join(status_diff[:5]))
print("position", "equal" if D(lpos) == pos else "differ %s %s" % (lpos, pos))
EOF
sed 's/^/# /' "$T/verdict"
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/verdict"; }
is "$(val orders)" "$(val intents)" "one order at the venue per intent"
is "$(val lost)" 0 "no intent lost"
is "$(val duplicated)" 0 "no intent placed twice"
check "the venue filled some ($(val venue_fills))" test "$(val venue_fills)" -gt 0
is "$(val fills_equal)" yes "the store's fills are the venue's"
is "$(val states_differ)" 0 "every order ends in the venue's state"
is "$(val position)" equal "the store's position is the venue's fills"
# mkt-sim says at exit how many orders it placed and faulted.
kill "$SIM"
wait "$SIM"
SIM=
sed 's/^/# /' "$T/sim.err"
check "the simulator injected faults" grep -q 'fault' "$T/sim.err"

done_testing
