#!/bin/sh
# mkt-sim's matching engine moves its market: a market buy larger than
# the best ask level takes that level out of the simulated book and part
# of the next, so that the REST depth snapshot right after no longer
# shows the first and shows the second reduced by exactly what was
# taken; and a live mkt-feed binance:spot:BTCUSDT piped into mkt-book,
# synced before the order, stays synced across it (no invalid status)
# and ends equal to the simulator's final book; the next depth update
# carries the removal.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools curl openssl jq python3

SIM= FEED= CAT=
cleanup() {
	for p in $FEED $CAT $SIM; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

K=mkt-sim-test-key
S=mkt-sim-test-secret
unset MKT_API_KEY MKT_API_SECRET
now_ms() { date +%s%3N; }
hmac() { printf %s "$1" | openssl dgst -sha256 -hmac "$2" -r | cut -d' ' -f1; }
bn() {
	_q="$3&timestamp=$(now_ms)"
	curl -s -o "$T/out" -w '%{http_code}' -X "$1" \
	    -H "X-MBX-APIKEY: $K" "$B$2?$_q&signature=$(hmac "$_q" "$S")"
}

# The markets start once mkt-feed has subscribed and fetched its
# snapshot, and hold after 50 steps for the order; 150 in all.
mkt-sim --port-file "$T/port" --markets binance:spot --symbols BTCUSDT \
    --levels 300 --rate 100 --messages 150 --hold-at 50 \
    --wait-clients 1 --wait-snapshots 1 --truth "$T/truth" \
    2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
u=127.0.0.1:$(cat "$T/port")
B=http://$u

mkfifo "$T/fifo"
cat "$T/fifo" >"$T/ev" &
CAT=$!
MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
    mkt-feed --depth-limit 1000 binance:spot:BTCUSDT >"$T/fifo" \
    2>"$T/feed.err" &
FEED=$!

check "the markets hold at 50 steps" \
    wait_line "$T/sim.err" '^mkt-sim: markets held at 50 updates$'
curl -s "$B/api/v3/depth?symbol=BTCUSDT&limit=1000" >"$T/before"
# Buy all of the best ask and half of the second (in lots of 0.00001).
qty=$(python3 - "$T/before" <<'PY'
import json, sys
from decimal import Decimal as D, ROUND_DOWN
a = json.load(open(sys.argv[1]))["asks"]
half = (D(a[1][1]) / 2).quantize(D("0.00001"), rounding=ROUND_DOWN)
print(D(a[0][1]) + half)
PY
)
st=$(bn POST /api/v3/order "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=$qty&newClientOrderId=move-1")
is "$st $(jq -r '[.status, (.fills | length)] | map(tostring) | join(" ")' "$T/out")" \
    "200 FILLED 2" "a market buy past the best ask fills on two levels"
curl -s "$B/api/v3/depth?symbol=BTCUSDT&limit=1000" >"$T/after"
is "$(python3 - "$T/before" "$T/after" "$T/out" <<'PY'
import json, sys
from decimal import Decimal as D
b, a, o = (json.load(open(p)) for p in sys.argv[1:4])
ba = {D(p): D(q) for p, q in b["asks"]}
aa = {D(p): D(q) for p, q in a["asks"]}
f = [(D(x["price"]), D(x["qty"])) for x in o["fills"]]
(p0, q0), (p1, q1) = f
print("first", "gone" if p0 not in aa and q0 == ba[p0] else "there",
      "second", aa.get(p1, 0) == ba[p1] - q1,
      "rest", all(aa.get(p) == q for p, q in ba.items() if p not in (p0, p1)),
      "bids", a["bids"] == b["bids"],
      "id", a["lastUpdateId"] == b["lastUpdateId"])
PY
)" "first gone second True rest True bids True id True" \
    "REST depth: the first ask gone, the second reduced by what was taken"

kill -USR1 "$SIM"
check "mkt-feed catches up with the simulator's final book" \
    python3 "$TOP/tests/tools/caught-up.py" "$T/sim.err" "$B" "$T/ev" \
    binance:spot:BTCUSDT
kill -TERM "$FEED"
wait "$FEED"
is "$?" 0 "mkt-feed exits 0 on SIGTERM"
FEED=
wait "$CAT"
CAT=
kill -TERM "$SIM"
wait "$SIM"
SIM=
is "$(jq -c 'select(.type == "status" and .state == "invalid")' "$T/ev" | wc -l | tr -d ' ')" 0 \
    "no invalid status across the order"
# The first depth update after the order's (held) step removes the level.
is "$(jq -r --argjson id "$(jq .lastUpdateId "$T/before")" \
    --arg px "$(jq -r '.fills[0].price' "$T/out")" \
    'select(.type == "depth" and .first_id == $id + 1) |
     [.asks[] | select((.[0] | tonumber) == ($px | tonumber)) | .[1] |
     tonumber] | tostring' "$T/ev")" "[0]" \
    "the next depth update carries the first ask's removal"
mkt-book --levels 0 --interval 1h <"$T/ev" >"$T/books"
is "$(jq -c 'select(.type == "status" and .state == "invalid")' "$T/books" | wc -l | tr -d ' ')" 0 \
    "mkt-book: no invalid status"
is "$(python3 - "$T/truth" "$T/books" <<'PY'
import json, sys
from decimal import Decimal as D
def lv(x):
    return [[D(str(p)), D(str(q))] for p, q in x]
t = json.loads(open(sys.argv[1]).readline(), parse_float=D)
got = [json.loads(l, parse_float=D) for l in open(sys.argv[2])]
e = [g for g in got if g["type"] == "book"][-1]
print(e["last_id"] == t["last_id"], lv(e["bids"]) == lv(t["bids"]),
      lv(e["asks"]) == lv(t["asks"]))
PY
)" "True True True" "mkt-feed | mkt-book ends equal to the simulator's book"

done_testing
