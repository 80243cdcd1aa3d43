#!/bin/sh
# The REST scheduler keeps mkt-feed within its weight budget when many
# symbols resync at once: 100 Binance spot symbols want a 1000-level
# snapshot (weight 50 each, 5000 in all) at the same moment; mkt-feed
# may use half of the 6000-a-minute budget, so the simulator must see at
# most 3000 in any minute -- counted by the simulator, not by mkt-feed.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

syms=$(i=0; while [ $i -lt 100 ]; do printf 'S%03dUSDT,' $i; i=$((i + 1)); done)
syms=${syms%,}
mkt-sim --port-file "$T/port" --markets binance:spot --symbols "$syms" \
    --levels 50 --rate 5 2>"$T/sim.err" &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$T"' EXIT
wait_file "$T/port"
u=127.0.0.1:$(cat "$T/port")
targets=$(echo "$syms" | tr ',' '\n' | sed 's/^/binance:spot:/')

# synced FILE: how many symbols have a snapshot in FILE.
synced() {
	jq -r 'select(.type == "snapshot") | .symbol' "$1" 2>/dev/null |
	    sort -u | wc -l | tr -d ' '
}
synced_at_least() { [ "$(synced "$1")" -ge "$2" ]; }
rate_limited() {
	jq -e -s 'map(select(.type == "status" and .state == "rate_limited")) | length > 0' "$1" >/dev/null 2>&1
}

# start_feed OUT: mkt-feed on every symbol, writing to a FIFO (as into a
# pipe: each event at once) that cat copies to OUT, so that its progress
# shows; sets $feed and $copy.
start_feed() {
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	cat "$T/fifo" >"$1" &
	copy=$!
	MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
	    mkt-feed --depth-limit 1000 $targets >"$T/fifo" 2>"$2" &
	feed=$!
	started=$(date +%s)
}

# watch SECS: what the checks below rule out (more than the budget, a
# 418 ban) would happen within seconds, so mkt-feed is watched for SECS
# seconds from its start before it is stopped.  This is a window of
# observation, not a wait for something to happen: the conditions waited
# for come first, and however slow the machine, a correct mkt-feed
# passes whatever the window.
watch() {
	_left=$((started + $1 - $(date +%s)))
	if [ "$_left" -gt 0 ]; then
		sleep "$_left"
	fi
}

# Half the budget is 3000 a minute: 60 snapshots.  Stopped once the 50
# that the checks below ask for are in (and the 8 s watch is over), well
# within the first minute.
start_feed "$T/out" "$T/err"
wait_for synced_at_least "$T/out" 50
watch 8
kill -TERM "$feed"
wait "$feed"
is "$?" 0 "mkt-feed exits 0"
wait "$copy"
kill -TERM "$sim"
wait "$sim"
line=$(grep 'served .* REST requests' "$T/sim.err")
weight=$(echo "$line" | sed 's/.*weight \([0-9]*\),.*/\1/')
peak=$(echo "$line" | sed 's/.*peak weight\/min \([0-9]*\).*/\1/')
echo "# simulator: $line"
check "the simulator saw REST weight" test "${weight:-0}" -gt 0
check "at most half the budget in any minute ($peak <= 3000)" \
    test "${peak:-99999}" -le 3000
check "the budget was used, not wasted ($peak >= 2500)" \
    test "${peak:-0}" -ge 2500
synced=$(synced "$T/out")
check "the symbols within the budget synced ($synced)" test "$synced" -ge 50
check "the rest wait: not all 100 synced within the minute" test "$synced" -lt 100

# A venue whose limit is lower than mkt-feed assumes: the 429 and its
# Retry-After are obeyed, so the IP is never banned (no 418).
mkt-sim --port-file "$T/port2" --markets binance:spot --symbols "$syms" \
    --levels 50 --rate 5 --weight-limit 1000 2>"$T/sim2.err" &
sim=$!
wait_file "$T/port2"
u=127.0.0.1:$(cat "$T/port2")
# Stopped once mkt-feed was told to wait and the 15 snapshots that the
# checks below ask for are in (the limit allows 20 a minute).
start_feed "$T/out2" "$T/err2"
wait_for rate_limited "$T/out2"
wait_for synced_at_least "$T/out2" 15
watch 6
kill -TERM "$feed"
wait "$feed"
is "$?" 0 "limit 1000: mkt-feed exits 0"
wait "$copy"
kill -TERM "$sim"
wait "$sim"
echo "# simulator: $(tr '\n' ' ' <"$T/sim2.err")"
check "limit 1000: the simulator answered 429" \
    grep -q 'weight limit: [1-9][0-9]* answered 429, 0 answered 418' "$T/sim2.err"
check "limit 1000: mkt-feed said rate_limited" \
    sh -c "jq -e -s 'map(select(.type == \"status\" and .state == \"rate_limited\")) | length > 0' '$T/out2' >/dev/null"
synced=$(synced "$T/out2")
check "limit 1000: the snapshots within the limit synced ($synced)" test "$synced" -ge 15
done_testing
