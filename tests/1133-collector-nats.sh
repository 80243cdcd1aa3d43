#!/bin/sh
# mkt-collect@.service across machines, without systemd: its ExecStart=
# shell command as systemd runs it (as in tests/1132-collector-unit.sh),
# twice: an instance "edge" whose environment file sets MKT_OUTPUT to a
# nats:// URL (mkt-feed | mkt-depth | mkt-diff -o nats://, no journal),
# against mkt-sim, and an instance "store" whose file sets MKT_INPUT
# (mkt-journal append -i nats://), both through one nats-server -js on
# 127.0.0.1.  Each says READY=1 and pings its shell's watchdog, the
# feed's events reach the store's journal through the stream, SIGTERM to
# each unit's process group stops it cleanly, and the journal verifies
# and holds every event the stream does, once.
# load: 4 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools python3 setsid nats-server

NS= SIM= EDGE= STORE= L1= L2=
cleanup() {
	for _g in $EDGE $STORE; do
		kill -TERM -"$_g" 2>/dev/null
	done
	for _p in $SIM $L1 $L2 $NS; do
		kill "$_p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID JOURNAL_STREAM

UNIT=$TOP/systemd/mkt-collect@.service

# The unit's defaults as shell assignments, and its command with
# systemd's $$ made $ and the programs those of this build.
python3 "$TOP/tests/tools/unit-cmd.py" "$UNIT" "$MKT_BIN" "$T/unit.env" \
    "$T/unit.cmd"
check "the unit's command reads MKT_INPUT and MKT_OUTPUT" sh -c \
    "grep -q 'MKT_INPUT' '$T/unit.cmd' && grep -q 'MKT_OUTPUT' '$T/unit.cmd'"

mkt-sim --port-file "$T/port" --symbols BTCUSDT,ETHUSDT --rate 20 \
    2>"$T/sim.err" &
SIM=$!
wait_file "$T/port"
U=127.0.0.1:$(cat "$T/port")

# A port for nats-server: it cannot report one it picked itself.
NP=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
nats-server -js -sd "$T/js" -a 127.0.0.1 -p "$NP" >"$T/ns.log" 2>&1 &
NS=$!
check "nats-server is ready" wait_line "$T/ns.log" "Server is ready"
URL=nats://127.0.0.1:$NP

# /etc/mkt/collect/edge.env and store.env.  $T/collect/edge is not made:
# the edge writes no journal.  The first to start creates the stream:
# both give its settings (they must agree).
mkdir "$T/collect"
cat >"$T/edge.env" <<EOF
MKT_TARGETS='binance:spot:BTCUSDT binance:spot:ETHUSDT'
MKT_FEED_ARGS='--depth-limit 100'
MKT_OUTPUT='$URL/md?create=1&dup_window=10m'
MKT_JOURNAL=$T/collect/edge
MKT_BINANCE_SPOT_WS=ws://$U
MKT_BINANCE_SPOT_REST=http://$U
EOF
cat >"$T/store.env" <<EOF
MKT_INPUT='$URL/md.>?create=1&dup_window=10m'
MKT_JOURNAL=$T/collect/store
MKT_JOURNAL_ARGS='--sync 100ms --ack $T/store.ack'
EOF

# unit NAME: the unit's shell as systemd runs it, its environment the
# unit's then NAME.env, in a process group of its own, notifying to
# $T/NAME.sock (a listener logs to $T/NAME.log); sets UNIT_PID, the
# group's id.
unit() {
	(
		set -a
		. "$T/unit.env"
		. "$T/$1.env"
		NOTIFY_SOCKET=$T/$1.sock WATCHDOG_USEC=200000
		set +a
		exec setsid sh -c 'WATCHDOG_PID=$$ exec /bin/sh -c "$0"' \
		    "$(cat "$T/unit.cmd")"
	) >"$T/$1.out" 2>"$T/$1.err" &
	UNIT_PID=$!
}

python3 "$TOP/tests/tools/notify-listen.py" "$T/store.sock" \
    "$T/store.log" 2>"$T/l1.err" &
L1=$!
python3 "$TOP/tests/tools/notify-listen.py" "$T/edge.sock" \
    "$T/edge.log" 2>"$T/l2.err" &
L2=$!
wait_sock "$T/store.sock"
wait_sock "$T/edge.sock"

# stream_last: the stream's last sequence, read with a JetStream API
# request over NATS's plain text protocol; status 1 while there is no
# stream.
stream_last() {
	python3 - "$NP" <<'PY'
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
f = s.makefile("rb")
f.readline()
s.sendall(b'CONNECT {"verbose":false,"headers":true}\r\nSUB _r 1\r\n'
          b'PUB $JS.API.STREAM.INFO.MKT _r 0\r\n\r\nPING\r\n')
while True:
    line = f.readline().decode()
    if not line:
        sys.exit(1)
    if line.startswith("MSG"):
        n = int(line.split()[-1])
        body = json.loads(f.read(n + 2)[:n])
        if "state" not in body:
            sys.exit(1)
        print(body["state"]["last_seq"])
        break
PY
}
unit store
STORE=$UNIT_PID
check "store: READY=1 from mkt-journal append" wait_line "$T/store.log" \
    "^READY=1 | STATUS=appending to '$T/collect/store' at seq 0\$"
# The store made the stream: the edge finds it (no race to create it).
stream_exists() {
	stream_last >/dev/null 2>&1
}
check "store: the stream is there" wait_for stream_exists
unit edge
EDGE=$UNIT_PID
check "edge: READY=1 from mkt-feed" wait_line "$T/edge.log" \
    '^READY=1 | STATUS=2 targets$'
check "edge: the stages ping the shell's watchdog" \
    wait_for sh -c "[ \$(grep -c '^WATCHDOG=1\$' '$T/edge.log') -ge 6 ]"
check "store: mkt-journal pings the shell's watchdog" \
    wait_for sh -c "[ \$(grep -c '^WATCHDOG=1\$' '$T/store.log') -ge 3 ]"

# symbol_durable SYMBOL: the store's journal holds events of it.
symbol_durable() {
	mkt-journal stats --json "$T/collect/store" 2>/dev/null |
	    grep '"type":"symbol_stats"' | grep -q "\"symbol\":\"$1\""
}
check "BTCUSDT's events reach the store's journal" wait_for \
    symbol_durable BTCUSDT
check "ETHUSDT's events reach the store's journal" wait_for \
    symbol_durable ETHUSDT

kill -TERM -"$EDGE"
wait "$EDGE"
is "$?" 0 "edge: SIGTERM to the unit's processes: the shell exits 0"
EDGE=
check "edge: STOPPING=1" grep -q '^STOPPING=1' "$T/edge.log"
is "$(cat "$T/edge.err")" "" "edge: nothing on stderr"
check "edge: no journal of its own" test ! -e "$T/collect/edge"

# The edge has stopped: every event it published is in the stream.
SEQ=$(stream_last)
check "the stream holds the edge's events ($SEQ)" test "${SEQ:-0}" -gt 0
check "store: its ack lines reach the stream's last seq" wait_line \
    "$T/store.ack" "\"stream_seq\":$SEQ,"
kill -TERM -"$STORE"
wait "$STORE"
is "$?" 0 "store: SIGTERM to the unit's processes: the shell exits 0"
STORE=
check "store: STOPPING=1" grep -q '^STOPPING=1' "$T/store.log"
is "$(cat "$T/store.err")" "" "store: nothing on stderr"

mkt-journal verify "$T/collect/store" >/dev/null 2>"$T/verify.err"
is "$?:$(cat "$T/verify.err")" "0:" "the store's journal verifies"
# One message an event: the journal holds as many events as the stream.
n=$(mkt-replay "$T/collect/store" | wc -l | tr -d ' ')
is "$n" "$SEQ" "the journal holds each of the stream's $SEQ events once"
check "depth events of both symbols" sh -c \
    "mkt-replay '$T/collect/store' | grep '\"type\":\"depth\"' | \
    grep -q ETHUSDT"

done_testing
