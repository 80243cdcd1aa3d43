#!/bin/sh
# Streaming: each connection failure names its cause, on standard error
# (once per cause and connection within a minute) and in the status
# event's reason (every time, the same text): a refused port, a name that
# does not resolve, a TLS handshake with a server that does not speak
# TLS, an HTTP error status instead of the WebSocket upgrade, a server
# that hangs up before it answers (libwebsockets says nothing of that one:
# it was never tried again).  Every
# status event carries venue, market and time.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

mkt-sim --port-file "$T/port" --symbols BTCUSDT --levels 50 \
    2>"$T/sim.err" &
SIM=$!
wait_file "$T/port"
PORT=$(cat "$T/port")
# A port nothing listens on: bound, then closed.
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$T/free"
FREE=$(cat "$T/free")
# A server that accepts and hangs up at once.
cat >"$T/hangup.py" <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    c.close()
PY
python3 "$T/hangup.py" "$T/hangup.port" &
HANGUP=$!
wait_file "$T/hangup.port"
HPORT=$(cat "$T/hangup.port")

# start NAME WS: mkt-feed streaming from WS (Binance spot), its events
# through a FIFO (as into a pipe: each at once) into $T/NAME.ev.
start() {
	rm -f "$T/$1.fifo"
	mkfifo "$T/$1.fifo"
	cat "$T/$1.fifo" >"$T/$1.ev" &
	eval "CAT_$1=\$!"
	MKT_BINANCE_SPOT_WS=$2 MKT_BINANCE_SPOT_REST=http://127.0.0.1:$PORT \
	    mkt-feed binance:spot:BTCUSDT >"$T/$1.fifo" 2>"$T/$1.err" &
	eval "FEED_$1=\$!"
}
downs() {
	jq -r 'select(.type == "status" and .state == "disconnected") |
	    .reason' "$T/$1.ev" 2>/dev/null | wc -l | tr -d ' '
}
three_downs() {
	[ "$(downs "$1")" -ge 3 ]
}

start refused "ws://127.0.0.1:$FREE"
start dns "ws://nonexistent.invalid:$PORT"
start tls "wss://127.0.0.1:$PORT"
start http "ws://127.0.0.1:$PORT/nope"
start hangup "ws://127.0.0.1:$HPORT"

# case NAME PATTERN: the reason, on stderr once and in each status event.
case_ok() {
	c=$1 _want=$2
	wait_for three_downs "$c"
	eval "kill -TERM \$FEED_$c; wait \$FEED_$c; _rc=\$?"
	eval "wait \$CAT_$c"
	is "$_rc" 0 "$c: SIGTERM ends mkt-feed with 0"
	check "$c: three failures or more" three_downs "$c"
	jq -r 'select(.type == "status" and .state == "disconnected") |
	    .reason' "$T/$c.ev" | sort -u >"$T/$c.reasons"
	is "$(wc -l <"$T/$c.reasons" | tr -d ' ')" 1 \
	    "$c: one reason, each time"
	_why=$(cat "$T/$c.reasons")
	check "$c: the reason says why: $_why" \
	    sh -c "printf '%s\n' \"\$1\" | grep -qE \"\$2\"" sh "$_why" "$_want"
	is "$(wc -l <"$T/$c.err" | tr -d ' ')" 1 \
	    "$c: said once on stderr (rate-limited)"
	check "$c: stderr names the connection and the same reason" \
	    grep -qF "mkt-feed: binance spot: $_why; again in " "$T/$c.err"
	is "$(jq -c 'select(.type == "status" and (.venue != "binance" or
	    .market != "spot" or (.time | type) != "number"))' \
	    "$T/$c.ev" | wc -l | tr -d ' ')" 0 \
	    "$c: every status has venue, market and time"
}

case_ok refused "^cannot connect to 127\.0\.0\.1:$FREE: Connection refused\$"
case_ok dns "^cannot resolve 'nonexistent\.invalid': "
case_ok tls "^TLS handshake with 127\.0\.0\.1:$PORT failed: "
case_ok http "^WebSocket upgrade refused: HTTP 404\$"
case_ok hangup "^connection to 127\.0\.0\.1:$HPORT closed by the server before the WebSocket handshake ended\$"
kill "$HANGUP"

kill -TERM "$SIM"
wait "$SIM"
done_testing
