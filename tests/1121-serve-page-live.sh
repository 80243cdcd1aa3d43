#!/bin/sh
# 1121-serve-page-live: the chart page's live updates in a real browser.
# A pipeline (mkt-book -o unix:, fed through a fifo held open here)
# feeds mkt-serve --live; Debian's chromium, headless, keeps the page
# open with its /api/stream and is asked over the DevTools protocol
# (tests/tools/cdp.py) what the page shows.  Once the page says it is
# live, a book written into the fifo fills the order-book table with
# the best bid and ask sent, and a bands event puts a new last point,
# of the values sent, on the charts of its instrument; a screenshot of
# the live page is a PNG (kept as DIR/1121-serve-page-live.png when
# MKT_SHOTS=DIR is set, for review); chromium's whole process group
# goes at the end.  (1120 tests the page without a stream: --dump-dom
# needs virtual time to run out, and it stands still while a stream is
# open.)
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq python3 setsid chromium
CDP=$TOP/tests/tools/cdp.py

pids=
CHR=
cleanup() {
	[ -n "$CHR" ] && kill -TERM "-$CHR" 2>/dev/null
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A journal with an hour of bands of BTCUSDT, spot and futures.
gen-bands --symbols 1 --markets 2 --minutes 60 --per-minute 2 \
	--seed 7 --start 1700000000000 | mkt-diff --aggregate >"$T/a.ndjson"
mkt-journal append "$T/j" <"$T/a.ndjson"
is "$?" 0 "append: exit 0"

# The pipeline: mkt-book makes books of the snapshots and passes the
# bands events through; the fifo stays open here so that it stays up.
mkfifo "$T/in"
mkt-book -o "unix:$T/live.sock" <"$T/in" 2>"$T/book.err" &
pids="$pids $!"
exec 3>"$T/in"
check "the pipeline listens" wait_sock "$T/live.sock" || exit 1

mkt-serve --journal "$T/j" --live "unix:$T/live.sock" --listen 127.0.0.1:0 \
	--port-file "$T/port" 2>"$T/serve.err" 3>&- &
SRV=$!
pids="$pids $SRV"
check "mkt-serve starts" wait_file "$T/port" || exit 1
U=http://127.0.0.1:$(cat "$T/port")
connected() {
	curl -s "$U/health" | jq -e '.sources[1].connected' >/dev/null
}
check "its live source is connected" wait_for connected

# chromium in a process group of its own (setsid: the shell's
# background child is no group leader, so setsid does not fork and $!
# is the group), its DevTools on a port it picks and writes to
# $T/chrome/DevToolsActivePort.
setsid chromium --headless --no-sandbox --disable-gpu \
	--remote-debugging-port=0 --user-data-dir="$T/chrome" \
	--hide-scrollbars --window-size=1200,900 \
	"$U/?venue=binance&symbol=BTCUSDT&pct=3" 2>"$T/chromium.err" 3>&- &
CHR=$!

# live_text REGEX: waits until #live matches REGEX (JavaScript) and
# prints it; status_text likewise for #status.
live_text() {
	python3 "$CDP" "$T/chrome" "(function () {
		var e = document.getElementById('live');
		var t = e ? e.textContent : '';
		return /$1/.test(t) && t; })()"
}
status_text() {
	python3 "$CDP" "$T/chrome" "(function () {
		var e = document.getElementById('status');
		var t = e ? e.textContent : '';
		return /$1/.test(t) && t; })()"
}
# field TEXT KEY: the value after 'KEY: ' in a #live or #status text.
field() {
	printf '%s\n' "$1" | tr ';' '\n' | sed -n "s/^ *$2: //p"
}
# points TEXT KEY: the points series KEY holds, from a #status text.
points() {
	printf '%s\n' "$1" | tr ' ;' '\n\n' | sed -n "s/^$2=//p"
}

live=$(live_text '^live: on')
is "$live" "live: on; applied: 0" "the page follows the stream, nothing applied"
status=$(status_text '^points: |^error: ')
K=binance:spot:BTCUSDT
n0=$(points "$status" "$K:bid_value")
f0=$(points "$status" binance:futures:BTCUSDT:bid_value)
check "the spot chart holds the journal's points ($n0)" test "${n0:-0}" -gt 10
is "$(points "$status" "$K:bid_value")" \
	"$(curl -s "$U/api/chart-data?venue=binance&market=spot&symbol=BTCUSDT&pct=3&field=bid_value" |
	jq .count)" "as many as the API answers"
is "$(python3 "$CDP" --once "$T/chrome" \
	"document.getElementById('book-panel').hidden")" true \
	"no book yet: the book table is hidden"

# A book: the table shows it, best first.
printf '%s\n' '{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700004000000,"last_id":7,"bids":[["30001.25","1.5"],["30000","2"]],"asks":[["30001.5","0.25"],["30002.75","3"]]}' >&3
live=$(live_text 'applied: 1;')
is "$(field "$live" bid)" 30001.25 "the page says the best bid sent"
is "$(field "$live" ask)" 30001.5 "and the best ask"
is "$(python3 "$CDP" --once "$T/chrome" "Array.prototype.map.call(
	document.querySelectorAll('#book tbody tr'), function (tr) {
		return Array.prototype.map.call(tr.cells, function (td) {
			return td.textContent; }).join(' '); }).join(',')")" \
	"1.5 30001.25 30001.5 0.25,2 30000 30002.75 3" \
	"the book table: both levels of each side, best first"

# A band of the charted pct, after the journal's last point: a new last
# point of the values sent on the bid and ask lines and the imbalance.
printf '%s\n' '{"type":"bands","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700004000000,"last_id":7,"best_bid":30001.25,"best_ask":30001.5,"mid":30001.375,"bands":[{"pct":1.5,"bid_qty":1,"ask_qty":1,"bid_value":1,"ask_value":1,"complete":true},{"pct":3,"bid_qty":400.5,"ask_qty":100.25,"bid_value":12345678.75,"ask_value":4115226.25,"complete":true}]}' >&3
live=$(live_text 'applied: 2;')
field "$live" last | tr ' ' '\n' >"$T/last"
cat >"$T/want" <<EOF
$K:bid_value=12345678.75
$K:ask_value=4115226.25
$K:value_imbalance=50
EOF
cmp_file "$T/last" "$T/want" "the charts' last points: the band sent"
status=$(status_text "$K:bid_value=$((n0 + 1))( |;|\$)")
is "$(points "$status" "$K:bid_value")" "$((n0 + 1))" \
	"the bid line holds one point more"
is "$(points "$status" binance:futures:BTCUSDT:bid_value)" "$f0" \
	"the futures line did not move"
is "$(field "$live" bid)" 30001.25 "the book table is as it was"

# A book of the other market is not the table's; a band of the same
# minute replaces the last point rather than adding one.
printf '%s\n' '{"type":"snapshot","venue":"binance","market":"futures","symbol":"BTCUSDT","time":1700004000000,"last_id":8,"bids":[["29990","4"]],"asks":[["29991","5"]]}' >&3
printf '%s\n' '{"type":"bands","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700004000500,"last_id":8,"best_bid":30001.25,"best_ask":30001.5,"mid":30001.375,"bands":[{"pct":3,"bid_qty":1,"ask_qty":1,"bid_value":5000001.25,"ask_value":3000000.75,"complete":true}]}' >&3
live=$(live_text 'applied: 3;')
is "$(field "$live" bid) $(field "$live" ask)" "30001.25 30001.5" \
	"the futures book left the spot table alone"
is "$(field "$live" last)" "$K:bid_value=5000001.25 $K:ask_value=3000000.75 $K:value_imbalance=25" \
	"the charts' last points: the newer band"
status=$(status_text "^points: ")
is "$(points "$status" "$K:bid_value")" "$((n0 + 1))" \
	"in the same place: no point more"

# A screenshot of the live page, for review.
python3 "$CDP" --screenshot "$T/live.png" "$T/chrome"
is "$?" 0 "a screenshot"
is "$(od -An -tx1 -N8 "$T/live.png" | tr -d ' ')" 89504e470d0a1a0a \
	"the screenshot is a PNG"
[ -n "$MKT_SHOTS" ] && cp "$T/live.png" "$MKT_SHOTS/1121-serve-page-live.png"

# chromium's whole group goes.
kill -TERM "-$CHR"
wait "$CHR"
group_gone() {
	! kill -0 "-$CHR" 2>/dev/null
}
check "chromium's process group is gone" wait_for group_gone
CHR=

kill -TERM $SRV
wait $SRV
is "$?" 0 "mkt-serve: SIGTERM: exit 0"
exec 3>&-
check "nothing on stderr but the address" \
	test "$(grep -vc '^mkt-serve: listening on' "$T/serve.err")" = 0
grep -v '^mkt-serve: listening on' "$T/serve.err" | sed 's/^/# mkt-serve: /'

done_testing
