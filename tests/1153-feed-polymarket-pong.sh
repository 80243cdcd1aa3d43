#!/bin/sh
# The Polymarket market channel's keepalive, both ways: mkt-sim answers
# mkt-feed's text PING (every 10 s) with PONG, which keeps a quiet
# connection open; when the PONG stops (mkt-sim --no-pong) and nothing
# else comes, mkt-feed takes the line for dead after two pings, opens it
# again and takes a fresh dump.  (The WebSocket's own pings go on being
# answered all along: only the venue's PING shows that the server still
# serves.)  The two cases run side by side: each takes half a minute.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools jq

Y=71321045679252212594626385532706912750332728571942532289631379312455583992563

# start NAME ARGS...: a simulator (-v: it counts the PONGs it sends)
# that sends 20 updates and falls quiet, and mkt-feed on it, writing
# through a FIFO to NAME.ev; the pids in NAME_sim, NAME_feed, NAME_cat.
start() {
	_name=$1
	shift
	mkt-sim -v --port-file "$T/$_name.port" --markets polymarket:clob \
	    --tokens "$Y" --levels 50 --rate 100 --messages 20 \
	    --wait-clients 1 "$@" 2>"$T/$_name.sim.err" &
	eval "${_name}_sim=$!"
	wait_file "$T/$_name.port"
	mkfifo "$T/$_name.fifo"
	cat "$T/$_name.fifo" >"$T/$_name.ev" &
	eval "${_name}_cat=$!"
	MKT_POLYMARKET_WS=ws://127.0.0.1:$(cat "$T/$_name.port") \
	    mkt-feed polymarket:clob:$Y >"$T/$_name.fifo" 2>"$T/$_name.err" &
	eval "${_name}_feed=$!"
}

# stop NAME: SIGTERM to mkt-feed (its status in FEED_STATUS), then the
# simulator.
stop() {
	eval "_feed=\$${1}_feed _cat=\$${1}_cat _sim=\$${1}_sim"
	kill -TERM "$_feed"
	wait "$_feed"
	FEED_STATUS=$?
	wait "$_cat"
	kill -TERM "$_sim"
	wait "$_sim"
}

count() { jq -c "select($2)" "$1" | wc -l | tr -d ' '; }

start nopong --no-pong
start pong

# PONG stops: the connection is restarted after two pings unanswered.
check "no PONG: mkt-feed says the line is dead" \
    wait_line "$T/nopong.ev" '"state":"disconnected".*no answer to the ping'
two_dumps() { [ "$(count "$T/nopong.ev" '.type == "snapshot"')" -ge 2 ]; }
check "no PONG: and connects again, with a fresh dump" wait_for two_dumps
stop nopong
is "$FEED_STATUS" 0 "no PONG: mkt-feed exits 0"
is "$(jq -r 'select(.type == "status") | .state' "$T/nopong.ev" | head -5 | tr '\n' ' ')" \
    "connected disconnected resyncing connected synced " \
    "no PONG: connected, then dead, resyncing, connected, synced"

# PONG answered: the third ping goes out 30 s after the data stopped,
# past the 25 s that end a silent line -- but the PONGs kept it alive.
check "PONG: mkt-sim answers three pings" \
    wait_line "$T/pong.sim.err" 'PONG 3$'
stop pong
is "$FEED_STATUS" 0 "PONG: mkt-feed exits 0"
is "$(count "$T/pong.ev" '.type == "status" and .state == "disconnected"')" 0 \
    "PONG: the quiet line was never taken for dead"
is "$(count "$T/pong.ev" '.type == "snapshot"')" 1 "PONG: one dump, no reconnect"

done_testing
