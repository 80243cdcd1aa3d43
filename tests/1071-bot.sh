#!/bin/sh
# load: 3
# Bot runs (contrib/mkt-bot) with mkt-exec on the paper venue over a
# real capture: a run that ends with its data before its time limit, one
# stopped by SIGTERM, one by its time limit, one whose pipeline fails;
# each leaves run.json, report.ndjson, report.csv, equity.csv and
# equity.png, and the report of a real paper store equals the
# recomputation of tests/tools/report_check.py.  Then the systemd unit
# template: its keys, and systemd-analyze verify where it exists.
. "$(dirname "$0")/lib.sh"

BOT=$TOP/contrib/mkt-bot
TOOLS=$TOP/tests/tools
check "-h prints the usage" sh -c "'$BOT' -h | grep -q 'mkt-bot NAME'"
"$BOT" 2>/dev/null
is $? 2 "no name is a usage error"
"$BOT" 'a b' -- true 2>/dev/null
is $? 1 "a name with a space is refused"
"$BOT" x --for soon -- true 2>/dev/null
is $? 1 "a --for that is not a duration is refused"

# A real capture (the events of tests/0900) with a market order every 40
# events that turns its symbol's position round, buy and sell in turn,
# each sell with an exit reason as its tag, so that the run has round
# trips, wins and losses.
python3 "$TOOLS/capture2events.py" bybit \
	"$DATA/cryptofeed/BYBIT.jsonl.zst" >"$T/events"
python3 - "$T/events" >"$T/cap.in" <<'PY'
import json, sys
turns = {}
for k, line in enumerate(open(sys.argv[1])):
    e = json.loads(line)
    if k % 40 == 39 and e.get("symbol"):
        m = turns[e["symbol"]] = turns.get(e["symbol"], -1) + 1
        side = "buy" if m % 2 == 0 else "sell"
        i = {"type": "intent", "id": "rt%d" % k, "symbol": e["symbol"],
             "side": side, "kind": "market", "qty": "0.01"}
        if side == "sell":
            i["tag"] = ["tp", "sl"][m // 2 % 2]
        sys.stdout.write(json.dumps(i) + "\n")
    sys.stdout.write(line)
PY
EXEC="mkt-exec --venue paper --state \"\$MKT_BOT_STATE\" --maker-fee 0.0002 --taker-fee 0.00055"

# run_dir NAME: the one run directory of NAME.
run_dir() { d=$(ls -d "$T/runs/$1"/*/ | head -n 1); echo "${d%/}"; }
# has_report DIR WHAT: the report files of a run.
has_report() {
	for f in run.json report.ndjson report.csv equity.csv equity.png; do
		check "$2: $f" test -s "$1/$f"
	done
}

# 1. The data ends before the time limit.
"$BOT" paper1 --dir "$T/runs" --for 10m -- "$EXEC <'$T/cap.in'" \
	>"$T/out1" 2>"$T/err1"
is $? 0 "a run to the data's end exits 0"
R1=$(run_dir paper1)
cmp_file "$T/out1" "$R1/run.json" \
	"run.json's record on standard output too (for mkt-alert)"
has_report "$R1" "data's end"
is "$(jq -r .why "$R1/run.json")" end "run.json says why: end"
check "mkt-bot says where the report is" grep -q "report in $R1" "$T/err1"
is "$(jq -r 'select(.group == "total") | .fills' "$R1/report.ndjson")" \
	"$(jq -c 'select(.type == "fill")' "$R1/events.ndjson" | wc -l | tr -d ' ')" \
	"the report counts every fill of the run"
NTRADES=$(jq -r 'select(.group == "total") | .trades' "$R1/report.ndjson")
check "the run made round trips ($NTRADES)" test "$NTRADES" -ge 20
check "with exit reasons" grep -q '"group":"reason","key":"tp"' \
	"$R1/report.ndjson"
python3 "$TOOLS/report_check.py" "$R1/state.db" "$R1/report.ndjson" \
	>"$T/chk" 2>&1
is $? 0 "the paper run's report equals the recomputation ($(head -n 3 "$T/chk"))"
is "$(head -n 1 "$R1/report.csv" | cut -d, -f1-3)" group,key,trades \
	"report.csv is the CSV table"
is "$(head -c 4 "$R1/equity.png" | od -An -tx1 | tr -d ' \n')" 89504e47 \
	"equity.png is a PNG"
rm "$R1/report.ndjson" "$R1/report.csv"
"$BOT" paper1 --dir "$T/runs" --report >/dev/null
is $? 0 "--report writes the last run's report again"
check "report.ndjson again" test -s "$R1/report.ndjson"

# 2. SIGTERM to mkt-bot: the pipeline stops, the report is written.
NFILLS=$(jq -c 'select(.type == "fill")' "$R1/events.ndjson" | wc -l)
"$BOT" paper2 --dir "$T/runs" -- \
	"{ cat '$T/cap.in'; exec sleep 600; } | $EXEC" >/dev/null 2>"$T/err2" &
BP=$!
wait_for test -d "$T/runs/paper2"
R2=$(run_dir paper2)
fills_of() { jq -c 'select(.type == "fill")' "$1/events.ndjson" | wc -l; }
all_fills() { [ "$(fills_of "$R2")" -ge "$NFILLS" ]; }
wait_for all_fills
kill -TERM "$BP"
wait "$BP"
is $? 0 "a bot stopped by SIGTERM exits 0"
has_report "$R2" "SIGTERM"
is "$(jq -r .why "$R2/run.json")" signal "run.json says why: signal"
python3 "$TOOLS/report_check.py" "$R2/state.db" "$R2/report.ndjson" >/dev/null
is $? 0 "its report equals the recomputation"

# 3. The time limit.
"$BOT" paper3 --dir "$T/runs" --for 1s -- \
	"{ cat '$T/cap.in'; exec sleep 600; } | $EXEC" >/dev/null 2>"$T/err3"
is $? 0 "a bot stopped by its time limit exits 0"
R3=$(run_dir paper3)
has_report "$R3" "time limit"
is "$(jq -r .why "$R3/run.json")" time_up "run.json says why: time_up"

# 4. A stage that fails.
"$BOT" paper4 --dir "$T/runs" -- "$EXEC <'$T/cap.in' && exit 3" \
	>/dev/null 2>"$T/err4"
is $? 3 "a failed pipeline's status is mkt-bot's"
R4=$(run_dir paper4)
has_report "$R4" "a failure"
is "$(jq -r '.why + " " + (.exit | tostring)' "$R4/run.json")" "exit 3" \
	"run.json says why: exit 3"

# 5. A config file, as the systemd unit's environment file.
cat >"$T/bot.env" <<EOF2
MKT_BOT_DIR=$T/runs
MKT_BOT_FOR=10m
MKT_BOT_PIPELINE='mkt-exec --venue paper --state "\$MKT_BOT_STATE" --maker-fee 0.0002 --taker-fee 0.00055 <"$T/cap.in"'
EOF2
"$BOT" paper5 --config "$T/bot.env" >/dev/null 2>&1
is $? 0 "a run from a config file"
cmp_file "$(run_dir paper5)/report.ndjson" "$R1/report.ndjson" \
	"the same data, the same report"

# The unit template: the keys it must have, always checked.
UNIT=$TOP/systemd/mkt-bot@.service
python3 - "$UNIT" >"$T/unit" <<'PY'
import sys
sec, keys = None, {}
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.strip()
    if not line or line[0] in "#;":
        continue
    if line.startswith("[") and line.endswith("]"):
        sec = line[1:-1]
        continue
    if "=" not in line or sec is None:
        print("line %d: not KEY=VALUE in a section" % n)
        continue
    k, v = line.split("=", 1)
    keys.setdefault(sec + "." + k, []).append(v)
for k in ("Service.EnvironmentFile", "Service.ExecStart",
          "Service.ExecStopPost", "Service.RuntimeMaxSec",
          "Service.DynamicUser", "Service.StateDirectory",
          "Install.WantedBy"):
    print(k, keys.get(k, ["MISSING"])[0])
PY
check "the unit is KEY=VALUE lines in sections" sh -c "! grep -q '^line ' '$T/unit'"
check "EnvironmentFile names the bot's file" \
	grep -qx 'Service.EnvironmentFile /etc/mkt/bots/%i.env' "$T/unit"
check "ExecStart runs mkt-bot with the instance name" \
	grep -q '^Service.ExecStart .*mkt-bot %i$' "$T/unit"
check "ExecStopPost writes the report" \
	grep -q '^Service.ExecStopPost .*mkt-bot %i --report$' "$T/unit"
check "RuntimeMaxSec is set" grep -q '^Service.RuntimeMaxSec [0-9]' "$T/unit"
check "DynamicUser and a StateDirectory" \
	sh -c "grep -qx 'Service.DynamicUser yes' '$T/unit' && grep -qx 'Service.StateDirectory mkt' '$T/unit'"
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$T/unit.d"
	sed "s#/usr/local/bin/mkt-bot#$BOT#" "$UNIT" >"$T/unit.d/mkt-bot@demo.service"
	systemd-analyze verify --man=no "$T/unit.d/mkt-bot@demo.service" \
		>"$T/verify" 2>&1
	is "$?:$(cat "$T/verify")" "0:" "systemd-analyze verify says nothing"
else
	ok 1 "# SKIP systemd-analyze is not installed"
fi

done_testing
