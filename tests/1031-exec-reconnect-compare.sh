#!/bin/sh
# mkt-exec compares the store with the venue again after every
# reconnection of its private stream.  On bybit:linear and
# binance:futures, against mkt-sim --stream-fault drop=100 (a user
# stream is closed instead of sent an event): mkt-exec M is up with its
# stream; another client places a resting order o1 on the same account;
# its event drops M's stream; M reconnects, compares, finds o1 (a
# mismatch event, a status unreconciled naming it) and holds new
# orders back: an intent m1 is taken (pending) and not sent.  Once
# mkt-reconcile --apply cancel cancels o1 at the venue, M's next
# comparison finds nothing (status reconciled) and m1 is placed.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sim.sh"

sim_start --stream-fault drop=100
P=$(cat "$T/port")
export MKT_BINANCE_FUTURES_WS="ws://127.0.0.1:$P" MKT_BYBIT_WS="ws://127.0.0.1:$P"

intent() {
	printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"0.01","price":"%s"}\n' \
	    "$1" "$2"
}

at_venue() {
	curl -s "$B/sim/orders" | jq -c --arg v "$1" --arg m "$2" \
	    --arg c "$3" 'select(.venue == $v and .market == $m and
	    .client_id == $c)' | grep -q .
}

# count_lines FILE PATTERN: lines of FILE matching PATTERN.
count_lines() {
	grep -c -e "$2" "$1" 2>/dev/null
}

run_venue() {
	v=$1 p=$2
	vn=${v%%:*} mk=${v#*:}
	o=$T/$p.out
	echo "# $v"
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	mkt-exec --venue "$v" --state "$T/$p.m.db" --key-file "$T/key" \
	    --poll 100ms <"$T/fifo" >"$o" 2>"$T/$p.err" &
	EXEC=$!
	exec 3>"$T/fifo"
	check "$v: M's stream is up" \
	    wait_line "$o" '"state":"connected","reason":"private_stream"'
	check "$v: M compared once at start and found nothing" \
	    test "$(count_lines "$o" '"type":"mismatch"')" -eq 0

	intent "${p}o1" 1000 >"$T/in"
	mkt-exec --venue "$v" --state "$T/$p.o.db" --key-file "$T/key" \
	    --no-stream --poll 100ms <"$T/in" >"$T/$p.o.out" \
	    2>"$T/$p.o.err" &
	O=$!
	check "$v: another client places o1" \
	    wait_for at_venue "$vn" "$mk" "${p}o1"
	wait "$O"
	check "$v: after the reconnection M names o1 as unreconciled" \
	    wait_line "$o" "\"state\":\"unreconciled\".*${p}o1"
	check "$v: with one mismatch event" \
	    grep -q "\"type\":\"mismatch\".*\"client_id\":\"${p}o1\".*\"action\":\"adopt\"" "$o"
	intent "${p}m1" 1001 >&3
	check "$v: m1 is taken" \
	    wait_line "$o" "\"id\":\"${p}m1\".*\"status\":\"pending\""
	check "$v: and not sent" sh -c "! curl -s '$B/sim/orders' | grep -q '\"${p}m1\"'"
	check "$v: held back until then (no reconciled status)" \
	    test "$(count_lines "$o" '"state":"reconciled"')" -eq 0
	mkt-reconcile --venue "$v" --state "$T/$p.m.db" --key-file "$T/key" \
	    --apply cancel >"$T/$p.rec" 2>>"$T/$p.err"
	is "$?" 0 "$v: mkt-reconcile --apply cancel: every difference repaired"
	check "$v: M compares again and finds nothing" \
	    wait_line "$o" '"state":"reconciled"'
	check "$v: then m1 is placed" wait_for at_venue "$vn" "$mk" "${p}m1"
	exec 3>&-
	kill "$EXEC"
	wait "$EXEC"
	EXEC=
}

run_venue bybit:linear bl
run_venue binance:futures bf

done_testing
