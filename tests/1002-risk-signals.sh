#!/bin/sh
# mkt-risk while it runs: the halt file created mid-stream refuses the
# very next intent while cancels still pass, and removing it lets
# intents through again; SIGHUP reloads the limits file, and a bad new
# file keeps the limits in force and says why.
# load: 3
. "$(dirname "$0")/lib.sh"

# intent ID QTY [SYMBOL]
intent() {
	printf '{"type":"intent","id":"%s","venue":"binance","market":"spot","symbol":"%s","side":"buy","kind":"limit","qty":"%s","price":"100"}\n' \
		"$1" "${3:-BTCUSDT}" "$2"
}
# verdict ID: as soon as mkt-risk answered about ID, "pass" or the reason.
verdict() {
	wait_line "$T/out" "\"id\":\"$1\"" || return
	jq -r --arg id "$1" 'select(.id == $id) |
		if .type == "intent" then "pass"
		elif .type == "reject" then .reason else empty end' "$T/out"
}

printf '{"default": {"max_qty": "1"}}\n' >"$T/lim.json"
mkfifo "$T/fifo"
mkt-risk --limits "$T/lim.json" --halt "$T/HALT" <"$T/fifo" >"$T/out" \
	2>"$T/err" &
risk=$!
exec 3>"$T/fifo"

intent h1 1 >&3
is "$(verdict h1)" pass "before the halt file, an intent passes"
touch "$T/HALT"
intent h2 1 >&3
is "$(verdict h2)" halt "the next intent after the halt file appears is refused"
check "the detail names the file" grep -qF \
	"\"detail\":\"halt: the halt file '$T/HALT' exists\"" "$T/out"
echo '{"type":"cancel","id":"c1","target":"h1"}' >&3
wait_line "$T/out" '"id":"c1"'
check "a cancel passes while halted" \
	grep -qF '{"type":"cancel","id":"c1","target":"h1"}' "$T/out"
intent h3 5 >&3
is "$(verdict h3)" halt "the halt comes before every other check"
rm "$T/HALT"
intent h4 1 >&3
is "$(verdict h4)" pass "without the halt file, intents pass again"

# SIGHUP.
intent s1 2 >&3
is "$(verdict s1)" max_qty "max_qty 1 refuses 2"
printf '{"default": {"max_qty": "3"}}\n' >"$T/lim.json"
kill -HUP $risk
intent s2 2 >&3
is "$(verdict s2)" pass "after SIGHUP the new max_qty 3 lets 2 pass"
check "the reload is reported" grep -q "lim.json': limits reloaded$" "$T/err"
printf '{"default": {"max_qty": 3' >"$T/lim.json"
kill -HUP $risk
intent s3 2.5 >&3
is "$(verdict s3)" pass "a bad new file keeps the limits in force"
check "and says why" grep -q \
	"lim.json': invalid JSON at byte .*: the limits in force are kept$" \
	"$T/err"
intent s4 3.5 >&3
is "$(verdict s4)" max_qty "the kept limits still refuse above 3"
printf '{"default": {"max_qty": 3, "rate_per_s": 1}, "binance:spot:BTCUSDT": {}}\n' \
	>"$T/lim.json"
kill -HUP $risk
# Written together: the second follows the first within microseconds.
{ intent s5 3 ETHUSDT; intent s6 3 ETHUSDT; } >&3
is "$(verdict s5)$(verdict s6)" passrate "a reload adds a limit"

exec 3>&-
wait $risk
is $? 0 "mkt-risk exits 0 at the end of its input"

done_testing
