#!/bin/sh
# 1125-metrics: --stats and --metrics of mkt-risk, mkt-journal append,
# mkt-exec (paper) and mkt-feed (against mkt-sim), and mkt-serve's GET
# /metrics: every file and answer passes `promtool check metrics`, the
# counters equal what the test fed (lines, bad lines, rejects by reason,
# orders by status, events appended), status events come while the
# program runs, and the last one agrees with the file written at exit.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-metrics.sh"

# stats_rise FILE: the status events' times rise.
stats_rise() {
	jq -s -e '[.[] | select(.state == "stats") | .time] |
		. == sort and length == (unique | length)' "$1" >/dev/null
}
# last_stat FILE NAME: NAME in the last status event.
last_stat() {
	jq -c -s --arg n "$2" 'map(select(.state == "stats")) | last |
		.metrics[$n]' "$1"
}
# lines_before_last FILE: the lines before the last one.
lines_before_last() {
	echo $(($(nlines "$1") - 1))
}

# ---- mkt-risk: rejects by reason ----
printf '%s\n' '{"default":{"max_qty":"1"}}' >"$T/lim.json"
intent() {
	printf '{"type":"intent","id":"%s","venue":"binance","market":"spot","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"%s","time":1}\n' "$1" "$2"
}
mkfifo "$T/risk.in"
mkt-risk --limits "$T/lim.json" --stats 100ms --metrics "$T/risk.prom" \
	<"$T/risk.in" >"$T/risk.out" 2>"$T/risk.err" &
R=$!
exec 3>"$T/risk.in"
{
	intent a 5
	intent b 0.5
	echo 'not json'
	intent c 2
	printf '%s\n' '{"type":"hello"}'
} >&3
check "mkt-risk: status events while it runs" \
	wait_for has_stats "$T/risk.out" 3
check "mkt-risk: the file is there meanwhile" wait_file "$T/risk.prom"
exec 3>&-
wait "$R"
is "$?" 0 "mkt-risk: exit 0"
check "mkt-risk: promtool check metrics is clean" promtool_ok "$T/risk.prom"
is "$(prom "$T/risk.prom" mkt_events_in_total)" 5 "mkt-risk: events in"
is "$(prom "$T/risk.prom" mkt_bad_lines_total)" 1 "mkt-risk: bad lines"
is "$(prom "$T/risk.prom" mkt_risk_rejects_total 'reason="max_qty"')" 2 \
	"mkt-risk: rejects by reason: max_qty"
is "$(prom "$T/risk.prom" mkt_risk_rejects_total 'reason="tick"')" 0 \
	"mkt-risk: and none of another"
is "$(prom "$T/risk.prom" mkt_risk_approved_total)" 1 "mkt-risk: approved"
is "$(prom "$T/risk.prom" mkt_events_out_total)" \
	"$(lines_before_last "$T/risk.out")" \
	"mkt-risk: events out: every line before the last status"
is "$(last_stat "$T/risk.out" mkt_risk_rejects_total | jq .max_qty)" 2 \
	"mkt-risk: the last status event says the same"
check "mkt-risk: status times rise" stats_rise "$T/risk.out"
check "mkt-risk: the help names both options" sh -c \
	'mkt-risk -h | grep -q -- "--metrics FILE"'
mkt-risk --limits "$T/lim.json" --stats 0 </dev/null 2>"$T/err"
is "$?" 2 "mkt-risk: --stats 0 is a usage error"

# ---- mkt-journal append: events, bytes and syncs ----
gen-bands --symbols 2 --markets 1 --minutes 30 --seed 3 \
	--start 1700000000000 >"$T/bands"
N=$(nlines "$T/bands")
mkfifo "$T/j.in"
mkt-journal append --sync 50ms --stats 100ms --metrics "$T/j.prom" \
	-i "$T/j.in" "$T/j" 2>"$T/j.err" &
J=$!
exec 3>"$T/j.in"
{ cat "$T/bands"; echo 'bad line'; } >&3
durable_all() {
	[ "$(prom "$T/j.prom" mkt_journal_durable_events_total)" = "$N" ]
}
check "mkt-journal: the file shows every event durable while it runs" \
	wait_for durable_all
exec 3>&-
wait "$J"
is "$?" 0 "mkt-journal: exit 0"
check "mkt-journal: promtool check metrics is clean" promtool_ok "$T/j.prom"
is "$(prom "$T/j.prom" mkt_events_in_total)" $((N + 1)) "mkt-journal: lines in"
is "$(prom "$T/j.prom" mkt_bad_lines_total)" 1 "mkt-journal: bad lines"
is "$(prom "$T/j.prom" mkt_journal_events_total)" "$N" \
	"mkt-journal: events appended"
is "$(prom "$T/j.prom" mkt_journal_raw_bytes_total)" \
	"$(wc -c <"$T/bands" | tr -d ' ')" "mkt-journal: raw bytes"
check "mkt-journal: syncs counted and timed" awk '
	$1 ~ /^mkt_journal_syncs_total/ { n = $2 }
	$1 ~ /^mkt_journal_sync_seconds_total/ { s = $2 }
	END { exit !(n >= 1 && s > 0) }' "$T/j.prom"

# ---- mkt-serve: GET /metrics, its own and the journal's ----
mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port" \
	2>"$T/serve.err" &
SRV=$!
check "mkt-serve starts" wait_file "$T/port"
U=http://127.0.0.1:$(cat "$T/port")
curl -s -o /dev/null "$U/health"
curl -s -D "$T/hdr" -o "$T/serve.prom" "$U/metrics"
check "mkt-serve: the text format's content type" \
	grep -qi '^content-type: text/plain; version=0.0.4' "$T/hdr"
check "mkt-serve: promtool check metrics is clean" promtool_ok "$T/serve.prom"
is "$(prom "$T/serve.prom" mkt_journal_stored_events)" "$N" \
	"mkt-serve: the journal's events"
is "$(prom "$T/serve.prom" mkt_serve_requests_total)" 2 \
	"mkt-serve: requests, this one included"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/metrics?x=1")" 400 \
	"mkt-serve: /metrics takes no parameter"
kill -TERM "$SRV"
wait "$SRV"
is "$?" 0 "mkt-serve: SIGTERM, exit 0"
SRV=

# ---- mkt-exec on paper: orders by status ----
cat >"$T/ex.in" <<'X'
{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1000,"last_id":1,"bids":[["100","1"],["99","2"]],"asks":[["101","1"],["102","3"]]}
{"type":"intent","id":"a1","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"1.5"}
{"type":"intent","id":"a2","symbol":"BTCUSDT","side":"sell","kind":"limit","qty":"1","price":"103"}
not json
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":2000,"id":5,"price":"104","qty":"2","side":"buy"}
{"type":"intent","id":"a3","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"50"}
{"type":"cancel","id":"c1","target":"a3"}
{"type":"intent","id":"a4","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"200","tif":"post_only"}
X
mkfifo "$T/e.in"
mkt-exec --venue paper --state "$T/s.db" --stats 100ms \
	--metrics "$T/e.prom" <"$T/e.in" >"$T/e.out" 2>"$T/e.err" &
E=$!
exec 3>"$T/e.in"
cat "$T/ex.in" >&3
check "mkt-exec: status events while it runs" wait_for has_stats "$T/e.out" 3
exec 3>&-
wait "$E"
is "$?" 0 "mkt-exec: exit 0"
check "mkt-exec: promtool check metrics is clean" promtool_ok "$T/e.prom"
is "$(prom "$T/e.prom" mkt_events_in_total)" 8 "mkt-exec: events in"
is "$(prom "$T/e.prom" mkt_bad_lines_total)" 1 "mkt-exec: bad lines"
for s in pending new partially_filled filled canceled rejected; do
	is "$(prom "$T/e.prom" mkt_exec_orders_total "status=\"$s\"")" \
		"$(jq -r 'select(.type == "order") | .status' "$T/e.out" |
		grep -c "^$s\$")" "mkt-exec: $s orders as written"
done
is "$(prom "$T/e.prom" mkt_exec_fills_total)" \
	"$(grep -c '"type":"fill"' "$T/e.out")" "mkt-exec: fills as written"
is "$(prom "$T/e.prom" mkt_events_out_total)" \
	"$(lines_before_last "$T/e.out")" "mkt-exec: events out"
check "mkt-exec: status times rise" stats_rise "$T/e.out"

# ---- mkt-feed against mkt-sim ----
mkt-sim --port-file "$T/sim.port" --symbols BTCUSDT --levels 50 \
	--rate 50 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/sim.port"
u=127.0.0.1:$(cat "$T/sim.port")
MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
	mkt-feed --stats 100ms --metrics "$T/f.prom" binance:spot:BTCUSDT \
	>"$T/f.out" 2>"$T/f.err" &
F=$!
# Up and streaming: a status event counts frames on an open connection.
streaming() {
	jq -s -e 'map(select(.state == "stats")) | any(
		.metrics.mkt_feed_connections_up == 1 and
		.metrics.mkt_feed_frames_total > 5)' "$T/f.out" >/dev/null 2>&1
}
check "mkt-feed: status events show it streaming" wait_for streaming
kill -TERM "$F"
wait "$F"
is "$?" 0 "mkt-feed: SIGTERM, exit 0"
kill "$SIM"
wait "$SIM"
SIM=
check "mkt-feed: promtool check metrics is clean" promtool_ok "$T/f.prom"
check "mkt-feed: several status events" has_stats "$T/f.out" 2
check "mkt-feed: status times rise" stats_rise "$T/f.out"
is "$(prom "$T/f.prom" mkt_events_out_total)" \
	"$(lines_before_last "$T/f.out")" \
	"mkt-feed: events out: every line before the last status"
is "$(prom "$T/f.prom" mkt_feed_snapshots_total)" \
	"$(last_stat "$T/f.out" mkt_feed_snapshots_total)" \
	"mkt-feed: the file and the last status agree"
is "$(prom "$T/f.prom" mkt_feed_bad_frames_total)" 0 "mkt-feed: no bad frame"

done_testing
