#!/bin/sh
# mkt-report on a hand-made store with known answers (six round trips
# over two markets and two days, tests/data/report/hand.sql): the
# totals, the groups, a flip through zero, the exit reasons, the time
# range, the CSV and NDJSON shapes, the equity curve and its PNG; the
# figures against tests/tools/report_check.py; fill events as input.
. "$(dirname "$0")/lib.sh"

check "-h prints the usage" sh -c 'mkt-report -h | grep -q "^usage: mkt-report"'
mkt-report --version >"$T/v"
check "--version names the program" grep -q '^mkt-report ' "$T/v"
mkt-report 2>"$T/err"
is $? 2 "no --state nor --input is a usage error"
mkt-report --state x.db --format xml 2>/dev/null
is $? 2 "an unknown --format is a usage error"
mkt-report --state x.db --from yesterday 2>/dev/null
is $? 2 "a --from that is not a time is a usage error"
mkt-report --state "$T/missing.db" 2>"$T/err"
is $? 1 "a missing store is a runtime error"
check "and it names the file" grep -q "^mkt-report: '$T/missing.db': " "$T/err"
test ! -e "$T/missing.db"
is $? 0 "and it is not created"

DB=$T/h.db
mkt-exec --venue paper --state "$DB" </dev/null && \
	sqlite3 "$DB" <"$DATA/report/hand.sql"
is $? 0 "the hand-made store"
mkt-report --state "$DB" >"$T/r.ndjson" 2>"$T/err"
is $? 0 "mkt-report exits 0"
tot() { jq -r --arg f "$1" 'select(.group == "total") | .[$f] | tostring' \
	"${2:-$T/r.ndjson}"; }
grp() { jq -r --arg g "$1" --arg k "$2" --arg f "$3" \
	'select(.group == $g and .key == $k) | .[$f] | tostring' \
	"${4:-$T/r.ndjson}"; }
is "$(tot trades)" 6 "six round trips"
is "$(tot wins)/$(tot losses)" 4/2 "four wins, two losses"
is "$(tot win_rate)" 0.6667 "win rate 2/3"
is "$(tot pnl)" 9 "pnl 9 after fees"
is "$(tot fees)" 0.5 "fees 0.5 (the flip's whole fee in the trade it closes)"
is "$(tot avg_pnl)" 1.5 "average pnl 1.5"
is "$(tot max_drawdown)" 11.5 "max drawdown 11.5 (from 20.5 to 9)"
is "$(tot longest_win_streak)/$(tot longest_loss_streak)" 3/1 \
	"the longest streaks: 3 wins, 1 loss"
is "$(tot fills)/$(tot open_trades)" 12/0 "12 fills, nothing left open"
is "$(grp market binance:spot:BTCUSDT pnl)" 10.5 "BTCUSDT's pnl"
is "$(grp market bybit:linear:ETHUSDT trades)" 2 "ETHUSDT's trades"
is "$(grp reason tp trades)/$(grp reason tp avg_pnl)" 3/8.6 \
	"exit reason tp (a reason, a tag, a reason beside a tag): 3, avg 8.6"
is "$(grp reason sl avg_pnl)" -9 "exit reason sl"
is "$(grp reason unknown trades)" 2 \
	"no reason, or one that is not a string: unknown"
is "$(grp weekday mon trades)/$(grp weekday tue trades)" 2/4 "by weekday"
is "$(grp hour 11 trades)/$(grp hour 11 pnl)" 2/13.5 "by hour (UTC)"
is "$(jq -s 'map(select(.group == "hour")) | length' "$T/r.ndjson")" 5 \
	"only the hours that had a trade"
is "$(jq -s 'map(select(.type == "report")) | length' "$T/r.ndjson")" 13 \
	"13 report objects"
python3 "$TOP/tests/tools/report_check.py" "$DB" "$T/r.ndjson" >"$T/chk"
is $? 0 "every group equals the recomputation ($(cat "$T/chk"))"

# The time range: trades that closed in [from, to).
mkt-report --state "$DB" --from 2026-11-03 >"$T/from.ndjson"
is "$(tot trades "$T/from.ndjson")/$(tot pnl "$T/from.ndjson")" 4/8.2 \
	"--from: the second day's four trades"
is "$(tot from "$T/from.ndjson")" 1793664000000 "the range is in the report"
python3 "$TOP/tests/tools/report_check.py" "$DB" "$T/from.ndjson" \
	--from 1793664000000 >/dev/null
is $? 0 "--from equals the recomputation"
mkt-report --state "$DB" --to 1793664000000 >"$T/to.ndjson"
is "$(tot trades "$T/to.ndjson")/$(tot pnl "$T/to.ndjson")/$(tot max_drawdown "$T/to.ndjson")" \
	2/0.8/9 "--to: the first day's two trades"
mkt-report --state "$DB" --from 2026-11-03T11:00:00Z \
	--to 2026-11-03T13:00:00Z >"$T/mid.ndjson"
is "$(tot trades "$T/mid.ndjson")/$(tot pnl "$T/mid.ndjson")" 2/9.7 \
	"an RFC 3339 range: the flip and the trade it opened"
mkt-report --state "$DB" --venue bybit:linear >"$T/v.ndjson"
is "$(tot trades "$T/v.ndjson")/$(tot pnl "$T/v.ndjson")" 2/-1.5 \
	"--venue: one venue's trades"

# CSV: one table, a header and one row a group.
mkt-report --state "$DB" --format csv >"$T/r.csv"
is "$(head -n 1 "$T/r.csv")" \
	"group,key,trades,wins,losses,win_rate,pnl,fees,avg_pnl,max_drawdown,longest_win_streak,longest_loss_streak" \
	"the CSV header"
is "$(sed -n 2p "$T/r.csv")" "total,all,6,4,2,0.6667,9,0.5,1.5,11.5,3,1" \
	"the CSV totals"
is "$(awk -F, 'NF != 12' "$T/r.csv" | wc -l | tr -d ' ')" 0 \
	"every row has 12 fields"
is "$(nlines "$T/r.csv")" 14 "a row for each of the 13 groups"
mkt-report --state "$DB" --format text >"$T/r.txt"
check "the text form has the totals" grep -q '^total  *all  *6 ' "$T/r.txt"

# The equity curve and its picture.
mkt-report --state "$DB" --equity "$T/eq.csv" --png "$T/eq.png" >/dev/null
is $? 0 "--equity and --png"
is "$(tail -n 1 "$T/eq.csv")" \
	"1793714400000,2026-11-03T14:00:00Z,bybit:linear:ETHUSDT,-11.5,9" \
	"the last point of the equity curve"
is "$(nlines "$T/eq.csv")" 7 "a point for each trade, and a header"
is "$(head -c 8 "$T/eq.png" | od -An -tx1 | tr -d ' \n')" \
	89504e470d0a1a0a "the PNG starts with the PNG signature"
mkdir "$T/nobin"
ln -s "$(command -v mkt-report)" "$T/nobin/mkt-report"
PATH=$T/nobin "$T/nobin/mkt-report" --state "$DB" --png "$T/no.png" \
	>/dev/null 2>"$T/err"
is $? 1 "no gnuplot: exit 1"
check "and it names the package" grep -q 'apt-get install gnuplot-nox' \
	"$T/err"

# Fill and intent events as input give the same figures.
sqlite3 -json "$DB" "select i.raw, f.* from fills f join intents i \
	using(client_id) order by f.time_ms" | jq -c '.[] |
	(.raw | fromjson), {type: "fill", venue, market, symbol, side,
	 id: .client_id, price, qty, fee, time: .time_ms}' >"$T/ev"
mkt-report -i "$T/ev" >"$T/ev.ndjson"
cmp_file "$T/ev.ndjson" "$T/r.ndjson" "fill events: the same report"

done_testing
