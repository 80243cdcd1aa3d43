#!/bin/sh
# Recovery of a whole trading pipeline (mkt(7), "Recovery"):
#	mkt-feed | mkt-book | mkt-strat-arb | mkt-risk |
#	    mkt-exec binance:spot | mkt-exec bybit:spot | tee -p FIFO |
#	    mkt-journal append
# against mkt-sim offering an edge between the venues and faulting a
# share of the new orders (never answered, closed, HTTP 503, -1007,
# refused), killed with SIGKILL as a whole (its process group) at random
# moments, MKT_TORTURE times (20 by default), and started again each
# time on the same state stores and journal (the strategy reads them
# too, --state: it takes back its legs in flight).  After a last run
# stopped cleanly:
#   - every intent in the stores is exactly one order at the venue, and
#     every order of the strategy at the venue is an intent of a store
#     (none lost, none twice);
#   - the stores' fills are the venue's, trade id for trade id, and no
#     fill is counted twice: not in the stores, not in the journal;
#   - each store's position is the sum of the venue's fills;
#   - the journal verifies.
# Kill moments are random delays (0 to 1.5 s, from the seed) after a run
# starts; nothing waits on them.  The counts go to the TAP output.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-strat.sh"

RUNS=${MKT_TORTURE:-20}
SEED=${MKT_TORTURE_SEED:-$(date +%s)}
echo "# $RUNS killed runs, seed $SEED"

# A pipeline run is a process group of its own, killed as one.
RUN=
recovery_cleanup() {
	[ -n "$RUN" ] && kill -KILL "-$RUN" 2>/dev/null
	strat_cleanup
}
trap recovery_cleanup EXIT

# No REST weight limit: a pipeline started again every second or so
# spends, on its snapshots and start comparisons, more weight a minute
# than Binance allows one address, which the venue answers with a ban
# (418), and a long kill loop would end banned, not trading (0400 and
# 0620 test the limits).
start_sim edge --symbols BTCUSDT --markets binance:spot,bybit:spot \
    --weight-limit 0 \
    --offset binance:spot=30 --order-fault hang=5 --order-fault close=3 \
    --order-fault 5xx=5 --order-fault timeout=3 --order-fault reject=3 \
    --fault-seed "$SEED" || exit 1
point edge

cat >"$T/limits.json" <<'EOF'
{"default": {"max_qty": "0.05", "max_notional": "10000",
  "price_band_pct": "5", "rate_per_s": 50, "rate_per_min": 3000}}
EOF
mkfifo "$T/fb"
TARGETS="binance:spot:BTCUSDT bybit:spot:BTCUSDT"
EXEC_OPTS="--key-file $T/key --no-stream --poll 100ms --timeout 300ms
--recv-window 1s"
# shellcheck disable=SC2086
PIPELINE="mkt-feed $TARGETS 2>>'$T/feed.err' | mkt-book --levels 5 |
mkt-strat-arb --taker-fee 0.001 --max-qty 0.01 --run-id r
    --feedback '$T/fb' --state '$T/bn.db' --state '$T/by.db'
    $TARGETS 2>>'$T/strat.err' |
mkt-risk --limits '$T/limits.json' 2>>'$T/risk.err' |
mkt-exec --venue binance:spot --state '$T/bn.db' $(echo $EXEC_OPTS)
    2>>'$T/bn.err' |
mkt-exec --venue bybit:spot --state '$T/by.db' $(echo $EXEC_OPTS)
    2>>'$T/by.err' |
tee -p '$T/fb' | mkt-journal append --sync 20ms '$T/j' 2>>'$T/j.err'"
PIPELINE=$(printf '%s' "$PIPELINE" | tr '\n' ' ')

# start_run: the pipeline in a new session (its process group is $RUN),
# once the session exists: a kill before setsid(2) ran would find no
# group, and the pipeline would run on.
leads_group() { [ "$(cut -d' ' -f5 "/proc/$1/stat" 2>/dev/null)" = "$1" ]; }
start_run() {
	setsid sh -c "$PIPELINE" </dev/null &
	RUN=$!
	wait_for leads_group "$RUN"
}

awk -v n="$RUNS" -v seed="$SEED" 'BEGIN { srand(seed);
	for (i = 0; i < n; i++) printf "%.3f\n", rand() * 1.5 }' >"$T/delays"
killed=0
while read -r delay; do
	start_run
	sleep "$delay"
	kill -KILL "-$RUN" 2>/dev/null && killed=$((killed + 1))
	wait "$RUN" 2>/dev/null
	RUN=
done <"$T/delays"
echo "# $killed runs killed"
check "every run was killed" test "$killed" -eq "$RUNS"

# The last run trades on until both venues filled ten more orders, then
# stops as an operator would: SIGTERM to the feed, the rest drains.
intents_now() {
	n=0
	for db in "$T/bn.db" "$T/by.db"; do
		[ -e "$db" ] || continue
		n=$((n + $(sqlite3 "$db" "select count(*) from intents
		    where state = 'done'" 2>/dev/null || echo 0)))
	done
	echo "$n"
}
base=$(intents_now)
start_run
more_done() { [ "$(intents_now)" -ge $((base + 10)) ]; }
check "the restarted pipeline trades again" wait_for more_done
pkill -TERM -g "$RUN" -x mkt-feed
wait "$RUN"
is $? 0 "the last run stops cleanly, exit 0"
RUN=

curl -s "$B/sim/orders" | jq -c 'select(.client_id | startswith("r-"))' \
	>"$T/venue"
for v in bn by; do
	sqlite3 -json "$T/$v.db" "select i.intent_id, o.client_id, o.status,
	    o.filled_qty, i.venue from intents i left join orders o
	    on o.client_id = i.client_id" >"$T/$v.orders"
	sqlite3 -json "$T/$v.db" "select venue_trade_id, client_id, qty
	    from fills" >"$T/$v.fills"
	sqlite3 "$T/$v.db" "select coalesce(sum(qty), 0) from positions" \
		>"$T/$v.pos"
done
mkt-journal verify "$T/j" >/dev/null 2>"$T/verify.err"
is $? 0 "the journal verifies"
mkt-replay "$T/j" | jq -c 'select(.type == "fill")' >"$T/jfills"

python3 - "$T" >"$T/verdict" <<'EOF'
import json, os, sys
from decimal import Decimal as D
t = sys.argv[1]
def rows(p):
    s = open(p).read().strip()
    return json.loads(s) if s else []
venue = [json.loads(l) for l in open(os.path.join(t, "venue")) if l.strip()]
vname = {"bn": "binance", "by": "bybit"}
intents, orders, lost, dup, orphans = 0, len(venue), [], [], []
fills_equal, pos_equal, store_fills = True, True, 0
per = {}
for o in venue:
    per.setdefault((o["venue"], o["client_id"]), []).append(o)
known = set()
for v in ("bn", "by"):
    name = vname[v]
    rs = rows(os.path.join(t, v + ".orders"))
    intents += len(rs)
    for r in rs:
        k = (name, r["client_id"])
        known.add(k)
        n = len(per.get(k, []))
        if n == 0:
            lost.append(r["intent_id"])
        elif n > 1:
            dup.append(r["intent_id"])
    vf = {}
    side = {}
    for o in venue:
        if o["venue"] != name:
            continue
        side[o["client_id"]] = o["side"]
        for f in o["fills"]:
            vf[str(f["venue_trade_id"])] = (o["client_id"], D(f["qty"]))
    lf = rows(os.path.join(t, v + ".fills"))
    store_fills += len(lf)
    lfd = {str(f["venue_trade_id"]): (f["client_id"], D(f["qty"]))
           for f in lf}
    if len(lfd) != len(lf) or lfd != vf:
        fills_equal = False
    pos = sum((q if side[c] == "buy" else -q) for c, q in vf.values())
    lpos = D(open(os.path.join(t, v + ".pos")).read().strip() or "0")
    if lpos != pos:
        pos_equal = False
for k in per:
    if k not in known:
        orphans.append(k[1])
jf = [json.loads(l) for l in open(os.path.join(t, "jfills")) if l.strip()]
keys = [(f.get("venue"), f.get("symbol"), str(f.get("trade_id")))
        for f in jf]
print("intents", intents)
print("orders", orders)
print("lost", len(lost), " ".join(lost[:5]))
print("duplicated", len(dup), " ".join(dup[:5]))
print("orphans", len(orphans), " ".join(orphans[:5]))
print("store_fills", store_fills)
print("fills_equal", "yes" if fills_equal else "no")
print("position", "equal" if pos_equal else "differ")
print("journal_fills", len(jf))
print("journal_fills_twice", len(keys) - len(set(keys)))
EOF
sed 's/^/# /' "$T/verdict"
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/verdict"; }
check "the strategy traded ($(val intents) intents)" \
	test "$(val intents)" -gt 10
is "$(val orders)" "$(val intents)" "one order at the venue per intent"
is "$(val lost)" 0 "no intent lost"
is "$(val duplicated)" 0 "no intent placed twice"
is "$(val orphans)" 0 "no order at the venue that no store knows"
is "$(val fills_equal)" yes "the stores' fills are the venue's, once each"
is "$(val position)" equal "the stores' positions are the venue's fills"
is "$(val journal_fills_twice)" 0 "no fill twice in the journal"
kill "$(echo "$SIMS" | awk '{ print $1 }')"
wait 2>/dev/null
sed 's/^/# /' "$T/edge.err" | grep -i fault
SIMS=
done_testing
