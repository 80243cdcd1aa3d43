#!/bin/sh
# load: 3
# mkt-alert: an alert for each fill, a risk halt (once a window), a
# reject burst, a disconnect that lasts (on the events' times, and on
# the wall clock while the input is quiet), the reconnect, the daily
# summary when the UTC day rolls over and at the end; pass-through and
# --only-alerts; the options; stops (a stop-loss exit, mkt-exec holding
# its orders, bot runs ending).
. "$(dirname "$0")/lib.sh"

check "-h prints the usage" sh -c 'mkt-alert -h | grep -q "^usage: mkt-alert"'
mkt-alert --version >"$T/v"
check "--version names the program" grep -q '^mkt-alert ' "$T/v"
mkt-alert --reject-burst many </dev/null 2>/dev/null
is $? 2 "a --reject-burst that is not a count is a usage error"
mkt-alert --disconnect-after 0 </dev/null 2>/dev/null
is $? 2 "a --disconnect-after of 0 is a usage error"

D=1793613600000		# 2026-11-02T10:00:00Z
cat >"$T/in" <<EOF
{"type":"fill","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$D,"id":"a1","side":"buy","price":"100","qty":"1","fee":"0.1"}
{"type":"status","source":"mkt-feed","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$((D + 1000)),"state":"disconnected"}
{"type":"reject","id":"r1","reason":"max_qty","detail":"qty 2 above max_qty 1","time":$((D + 2000))}
{"type":"reject","id":"r2","reason":"halt","detail":"halt file","time":$((D + 3000))}
{"type":"reject","id":"r3","reason":"halt","detail":"halt file","time":$((D + 4000))}
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$((D + 20000)),"price":"1","qty":"1"}
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$((D + 41000)),"price":"1","qty":"1"}
{"type":"status","source":"mkt-feed","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$((D + 42000)),"state":"synced"}
{"type":"reject","id":"r4","reason":"halt","detail":"halt file","time":$((D + 70000))}
{"type":"fill","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$((D + 3600000)),"id":"a2","side":"sell","price":"110","qty":"1","fee":"0.1"}
not json
{"type":"fill","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$((D + 86400000)),"id":"a3","side":"buy","price":"100","qty":"1"}
EOF
mkt-alert --reject-burst 2 <"$T/in" >"$T/out" 2>"$T/err"
is $? 0 "mkt-alert exits 0"
check "a bad line is reported" grep -q '^mkt-alert: line 11: ' "$T/err"
what() { jq -r --arg w "$1" 'select(.type == "alert" and .what == $w) |
	.level + " " + (.time | tostring)' "$T/out" | tr '\n' ' ' | sed 's/ $//'; }
field() { jq -r --arg w "$1" "select(.type == \"alert\" and .what == \$w) | $2" \
	"$T/out" | head -n 1; }
is "$(jq -c 'select(.type != "alert")' "$T/out" | wc -l | tr -d ' ')" 11 \
	"the 11 events pass through"
is "$(what fill)" "info $D info $((D + 3600000)) info $((D + 86400000))" \
	"an info alert for each fill"
is "$(field fill .detail)" "buy 1 BTCUSDT at 100, fee 0.1 (a1)" \
	"the fill's detail"
is "$(field fill '.venue + ":" + .market + ":" + .symbol + ":" + .id')" \
	"binance:spot:BTCUSDT:a1" "the fill's venue, market, symbol and id"
is "$(what halt)" "critical $((D + 3000)) critical $((D + 70000))" \
	"a critical halt alert, once a window"
is "$(what reject_burst)" "warning $((D + 4000))" \
	"more than 2 rejects within a minute: a burst, counted afresh after"
is "$(field reject_burst .count)" 3 "the burst's count"
is "$(what disconnect)" "warning $((D + 41000))" \
	"a disconnect warned when the events' time passes 30s"
is "$(field disconnect .since)" $((D + 1000)) "since the disconnect"
is "$(what reconnect)" "info $((D + 42000))" "and the reconnect said"
is "$(what daily_summary)" \
	"info $((D + 86400000)) info $((D + 86400000))" \
	"a summary when the day rolls over, and one at the end"
is "$(field daily_summary '[.day, .fills, .trades, .volume, .fees, .pnl, .partial] | tostring')" \
	'["2026-11-02",2,1,210,0.2,9.8,null]' \
	"the day's fills, round trips, volume, fees and pnl"
is "$(jq -r 'select(.what == "daily_summary") | .day + " " + (.partial | tostring)' "$T/out" | tail -n 1)" \
	"2026-11-03 true" "the day so far, marked partial"
# Each alert after the event that caused it.
is "$(jq -r 'select(.id == "a1") | .type' "$T/out" | tr '\n' ' ')" \
	"fill alert " "an alert follows its event"

mkt-alert --only-alerts --no-fills --reject-burst 2 <"$T/in" >"$T/only" \
	2>/dev/null
is "$(jq -r .type "$T/only" | sort -u)" alert "--only-alerts: alerts alone"
is "$(grep -c '"what":"fill"' "$T/only")" 0 "--no-fills: no fill alerts"

# Stops: a stop-loss exit, mkt-exec holding its orders, bot runs ending.
cat >"$T/stops" <<EOF
{"type":"intent","id":"x1","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$D,"side":"sell","kind":"market","qty":"0.50","tag":"sl"}
{"type":"intent","id":"x2","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$((D + 1)),"side":"sell","kind":"market","qty":"0.5","tag":"tp"}
{"type":"status","source":"mkt-exec","venue":"bybit","market":"linear","time":$((D + 2)),"state":"unreconciled","reason":"order","detail":"order 7 at the venue"}
{"type":"bot_run","name":"demo","run":"r","state":"s","start":$D,"end":$((D + 3)),"exit":1,"why":"exit"}
{"type":"bot_run","name":"demo","run":"r","state":"s","start":$D,"end":$((D + 4)),"exit":0,"why":"time_up"}
EOF
mkt-alert --only-alerts <"$T/stops" >"$T/stops.out" 2>/dev/null
is "$(jq -r 'select(.what == "stop") | .level + " " + (.time | tostring)' \
    "$T/stops.out" | tr '\n' ' ' | sed 's/ $//')" \
    "warning $D critical $((D + 2)) critical $((D + 3)) info $((D + 4))" \
    "stop alerts: a stop-loss exit, a hold, a failed run, a run at its time"
is "$(jq -r 'select(.what == "stop") | .detail' "$T/stops.out" | head -n 2 |
    paste -sd'|' -)" \
    "stop-loss exit: intent 'x1' sell 0.5 BTCUSDT|trading stopped until the difference is resolved: order 7 at the venue" \
    "their details"

# The wall clock: a disconnect with nothing after it on an open pipe.
mkfifo "$T/fifo"
mkt-alert --only-alerts --disconnect-after 1s <"$T/fifo" >"$T/wall" \
	2>"$T/wall.err" &
AP=$!
exec 3>"$T/fifo"
echo "{\"type\":\"status\",\"source\":\"mkt-feed\",\"venue\":\"bybit\",\"market\":\"linear\",\"time\":$D,\"state\":\"disconnected\"}" >&3
wait_line "$T/wall" '"what":"disconnect"'
is $? 0 "a disconnect is warned by the wall clock while the input is quiet"
check "with the event's venue" grep -q '"venue":"bybit","market":"linear"' \
	"$T/wall"
echo "{\"type\":\"status\",\"source\":\"mkt-feed\",\"venue\":\"bybit\",\"market\":\"linear\",\"time\":$((D + 5000)),\"state\":\"connected\"}" >&3
wait_line "$T/wall" '"what":"reconnect"'
is $? 0 "then the reconnect"
exec 3>&-
wait "$AP"
is $? 0 "mkt-alert ends with its input"
is "$(grep -c '"what":"disconnect"' "$T/wall")" 1 "one disconnect alert"

done_testing
