#!/bin/sh
# 0132-total-window: mkt-diff --aggregate writes the TOTAL sums of a time
# as soon as an event of a later time comes -- in the collector, the
# first depth event of the next minute, which mkt-depth --keep passes
# right after the minute's bands -- not when the next minute's bands come
# (a minute late).
# load: 3 (waits on other processes)
. "$(dirname "$0")/lib.sh"

b() { # SYMBOL TIME BID_VALUE ASK_VALUE
	printf '{"type":"bands","venue":"binance","market":"spot","symbol":"%s","time":%s,"bands":[{"pct":1.5,"bid_qty":1,"ask_qty":1,"bid_value":%s,"ask_value":%s,"complete":true}]}\n' "$1" "$2" "$3" "$4"
}
d() { # TIME
	printf '{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":%s,"first_id":1,"last_id":1,"bids":[],"asks":[]}\n' "$1"
}

# In the stream: the sums of minute 0 before the first event of minute 1.
{ b BTCUSDT 0 10 5; b ETHUSDT 0 4 4; d 60100; b BTCUSDT 60000 1 1; } |
	mkt-diff --aggregate --no-pass >"$T/out"
{ b BTCUSDT 0 10 5; b ETHUSDT 0 4 4; d 60100; b BTCUSDT 60000 1 1; } |
	mkt-diff --aggregate >"$T/pass"
is "$(jq -r 'select(.type != "imbalance" or (.symbol | startswith("TOTAL"))) | "\(.type):\(.symbol):\(.time)"' "$T/pass" | tr '\n' ' ')" \
	"bands:BTCUSDT:0 bands:ETHUSDT:0 imbalance:TOTAL:0 imbalance:TOTAL1:0 depth:BTCUSDT:60100 bands:BTCUSDT:60000 imbalance:TOTAL:60000 imbalance:TOTAL1:60000 " \
	"the sums of a time come before the first event of a later time"
is "$(jq -c 'select(.symbol == "TOTAL") | [.time, .symbols, .bands[0].bid_value, .bands[0].complete]' "$T/out" | tr '\n' ' ')" \
	"[0,2,14,true] [60000,2,5,true] " \
	"each sum holds the latest bands of its symbols, and says whether all were complete"

# Live: the whole collector on a pipe that stays open.  The sums of the
# first minute must come out while the second minute is still going.
mkfifo "$T/fifo"
mkt-depth --interval 1m --keep <"$T/fifo" | mkt-diff --aggregate |
	cat >"$T/live" &
pid=$!
exec 3>"$T/fifo"
S='{"type":"snapshot","venue":"binance","market":"spot","symbol":"%s","time":%s,"last_id":10,"bids":[[100,1]],"asks":[[101,1]]}\n'
printf "$S" BTCUSDT 1000 >&3
printf "$S" ETHUSDT 2000 >&3
printf '{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":60500,"first_id":11,"last_id":11,"bids":[[100,2]],"asks":[]}\n' >&3
check "live: TOTAL of the first minute while the second goes on" \
	wait_line "$T/live" '"symbol":"TOTAL","time":0,'
is "$(jq -r 'select(.symbol == "TOTAL") | .symbols' "$T/live")" 2 \
	"live: it sums both symbols"
wait_line "$T/live" '"type":"depth"'
is "$(jq -r 'select(.type != "bands") | "\(.type):\(.symbol)"' "$T/live" | tail -n 4 | tr '\n' ' ')" \
	"imbalance:ETHUSDT imbalance:TOTAL imbalance:TOTAL1 depth:BTCUSDT " \
	"live: the event that opened the second minute follows them"
exec 3>&-
wait $pid
is "$?" 0 "live: the pipeline ends at end of input"
is "$(jq -r 'select(.symbol == "TOTAL") | .time' "$T/live" | tr '\n' ' ')" "0 60000 " \
	"live: at the end, the second minute's sums"
done_testing
