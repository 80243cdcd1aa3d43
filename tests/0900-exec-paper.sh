#!/bin/sh
# mkt-exec on the paper venue: the options, a hand-made session with
# every kind of outcome (exact fills, fees, positions, a cancel), the
# state store (an intent id is never placed twice, across runs), the
# events that pass through, determinism, and the fills of a real capture
# with orders of every kind against the independent recomputation of
# tests/tools/paper_check.py.
. "$(dirname "$0")/lib.sh"

# count FILE PATTERN: lines of FILE with PATTERN (fixed string).
count() { grep -cF -- "$2" "$1" || :; }

# The options.
check "-h prints the usage" sh -c 'mkt-exec -h | grep -q "^usage: mkt-exec"'
mkt-exec --version >"$T/v"
check "--version names the program" grep -q '^mkt-exec ' "$T/v"
mkt-exec </dev/null 2>"$T/err"
is $? 2 "no --venue is a usage error"
check "and it says so" grep -q '^mkt-exec: --venue is required' "$T/err"
mkt-exec --venue kraken:spot </dev/null 2>"$T/err"
is $? 2 "an unknown venue is a usage error"
check "the error lists the venues" grep -q 'binance:spot' "$T/err"
mkt-exec --venue paper --recv-window 2m </dev/null 2>/dev/null
is $? 2 "a recvWindow above 60s is refused"

cat >"$T/in" <<'EOF'
{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1000,"last_id":1,"bids":[["100","1"],["99","2"]],"asks":[["101","1"],["102","3"]]}
{"type":"intent","id":"a1","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"1.5"}
{"type":"intent","id":"a2","symbol":"BTCUSDT","side":"sell","kind":"limit","qty":"1","price":"103"}
not json
{"type":"intent","id":"bad","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"-1","price":"50"}
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":2000,"id":5,"price":"104","qty":"2","side":"buy"}
{"type":"intent","id":"a3","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"50"}
{"type":"cancel","id":"c1","target":"a3"}
{"type":"intent","id":"a4","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"200","tif":"post_only"}
{"type":"hello","x":1}
EOF

mkt-exec --venue paper --state "$T/s.db" --taker-fee 0.001 <"$T/in" \
	>"$T/out" 2>"$T/err"
is $? 0 "a paper session exits 0"
check "a line that is not JSON is reported" grep -q '^mkt-exec: line 4: ' "$T/err"
check "a bad intent is reported" \
	grep -q "^mkt-exec: line 5: intent: field 'qty' must be above 0" "$T/err"
jq -c 'select(.type == "fill") | [.id, .price, .qty, .fee, .maker]' \
	"$T/out" >"$T/fills"
cat >"$T/want" <<'EOF'
["a1",101,1,0.101,false]
["a1",102,0.5,0.051,false]
["a2",103,1,0,true]
EOF
cmp_file "$T/fills" "$T/want" "the fills: a market order walks, a resting sell fills when a trade goes through it"
last_status() {
	jq -r --arg id "$1" 'select(.type == "order" and .id == $id) | .status' \
		"$T/out" | tail -n 1
}
is "$(last_status a1)" filled "the market order is filled"
is "$(last_status a2)" filled "the resting sell is filled"
is "$(last_status a3)" canceled "the cancel ends a3"
is "$(last_status a4)" rejected "a post_only that would take is rejected"
is "$(jq -r 'select(.type == "position") | .qty' "$T/out" | tail -n 1)" 0.5 \
	"the position is 1.5 bought less 1 sold"
is "$(count "$T/out" '"type":"snapshot"')" 1 "the snapshot passes through"
is "$(count "$T/out" '"type":"hello"')" 1 "an unknown event passes through"
is "$(count "$T/out" '"type":"intent"')" 0 "intents are consumed"
mkt-exec --venue paper --state "$T/np.db" --no-pass <"$T/in" >"$T/np" \
	2>/dev/null
is "$(count "$T/np" '"type":"snapshot"')$(count "$T/np" '"type":"hello"')" 00 \
	"--no-pass drops them"

# The store holds what the events said.
is "$(sqlite3 "$T/s.db" 'select count(*) from fills')" 3 "three fills stored"
is "$(sqlite3 "$T/s.db" "select qty from positions where symbol = 'BTCUSDT'")" \
	0.5 "the position stored"
is "$(sqlite3 "$T/s.db" "select count(*) from intents where state = 'done'")" 4 \
	"every intent is done"

# The same input again, same store: nothing is placed twice.
mkt-exec --venue paper --state "$T/s.db" <"$T/in" >"$T/again" 2>/dev/null
is "$(count "$T/again" '"type":"order"')" 0 "no order a second time"
is "$(count "$T/again" '"state":"duplicate_intent"')" 4 \
	"each known intent is said to be known"
is "$(sqlite3 "$T/s.db" 'select count(*) from fills')" 3 "still three fills"

# Determinism: a fresh store, the same bytes.
mkt-exec --venue paper --state "$T/d.db" --taker-fee 0.001 <"$T/in" \
	>"$T/out2" 2>/dev/null
cmp_file "$T/out2" "$T/out" "the same input gives the same output"

# A real capture with orders of every kind: mkt-exec's fills equal the
# recomputation from the paper venue's rules (tests/tools/paper_check.py).
TOOLS=$TOP/tests/tools
python3 "$TOOLS/capture2events.py" bybit \
	"$DATA/cryptofeed/BYBIT.jsonl.zst" >"$T/events"
python3 "$TOOLS/paper_check.py" gen "$T/events" --seed 2 >"$T/gen"
python3 "$TOOLS/paper_check.py" expect "$T/gen" --maker 0.0002 \
	--taker 0.00055 >"$T/expect"
# paper-run's commands as intents and cancels, the rest as it is.
python3 - "$T/gen" >"$T/cap.in" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    t = e.get("type")
    if t == "paper_reload":
        continue
    if t == "paper_cancel":
        line = json.dumps({"type": "cancel", "id": "x" + e["client_id"],
                           "target": e["client_id"]}) + "\n"
    elif t == "paper_place":
        i = {"type": "intent", "id": e["client_id"]}
        for k in ("venue", "market", "symbol", "side", "kind", "qty", "price"):
            if k in e:
                i[k] = e[k]
        tif = {"gtc": "GTC", "ioc": "IOC", "fok": "FOK"}.get(e.get("tif"),
                                                            e.get("tif"))
        if e.get("kind") == "limit" and tif:
            i["tif"] = tif
        line = json.dumps(i) + "\n"
    sys.stdout.write(line)
EOF
mkt-exec --venue paper --state "$T/cap.db" --maker-fee 0.0002 \
	--taker-fee 0.00055 <"$T/cap.in" >"$T/cap.out" 2>"$T/cap.err"
is $? 0 "the capture session exits 0"
# The fills of both, as exact decimals, in order.
python3 - "$T/cap.out" "$T/expect" >"$T/cap.cmp" <<'EOF'
import json, sys
from decimal import Decimal
def norm(d):
    return format(Decimal(str(d)).normalize(), "f")
got, want = [], []
for line in open(sys.argv[1]):
    e = json.loads(line, parse_float=Decimal)
    if e.get("type") == "fill":
        got.append((e["client_id"], e["trade_id"], norm(e["price"]),
                    norm(e["qty"]), norm(e["fee"]), e["maker"]))
for line in open(sys.argv[2]):
    e = json.loads(line, parse_float=Decimal)
    if e.get("u") == "fill":
        want.append((e["client_id"], e["trade_id"], norm(e["price"]),
                     norm(e["qty"]), norm(e["fee"]), e["maker"]))
print(len(got), len(want), "same" if got == want else "differ")
EOF
read -r ngot nwant verdict <"$T/cap.cmp"
check "the capture gives fills ($ngot)" test "$ngot" -ge 20
is "$verdict" same "mkt-exec's $ngot fills equal the recomputation's $nwant"

done_testing
