#!/bin/sh
# sd_notify for real: a unix datagram socket (tests/tools/notify-listen.py,
# in systemd's place) named by NOTIFY_SOCKET, and mkt-journal append,
# mkt-feed against mkt-sim, mkt-exec on the paper venue and mkt-serve
# telling it READY=1 with a STATUS= line, WATCHDOG=1 again and again at
# half of a small WATCHDOG_USEC, and STOPPING=1 on SIGTERM; the watchdog
# is left alone when WATCHDOG_PID names another process.  Then the journald
# priority prefixes on standard error, only when it is the stream
# JOURNAL_STREAM names.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools python3

LISTENER= PROG= SIM=
cleanup() {
	for _p in $PROG $SIM $LISTENER; do
		kill "$_p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID JOURNAL_STREAM

# listen NAME: a listener on $T/NAME.sock logging to $T/NAME.log.
listen() {
	python3 "$TOP/tests/tools/notify-listen.py" "$T/$1.sock" \
	    "$T/$1.log" 2>"$T/$1.listen.err" &
	LISTENER="$LISTENER $!"
	wait_sock "$T/$1.sock"
}

# count LOG PATTERN: lines of LOG matching PATTERN (grep -E).
count() {
	grep -cE "$2" "$1" 2>/dev/null || true
}
_at_least() {
	[ "$(count "$1" "$2")" -ge "$3" ]
}
# wait_count LOG PATTERN N: until N lines match.
wait_count() {
	wait_for _at_least "$@"
}

# stop_prog NAME: SIGTERM to $PROG, STOPPING=1 awaited, its status in $rc.
stop_prog() {
	kill -TERM "$PROG"
	check "$1: STOPPING=1 after SIGTERM" \
	    wait_line "$T/$1.log" '^STOPPING=1'
	wait "$PROG"
	rc=$?
	PROG=
}

# The journal: READY once open, WATCHDOG every 50 ms while no input comes
# (the wait is bounded by the watchdog, not only by syncs), STOPPING.
listen journal
mkfifo "$T/jin"
NOTIFY_SOCKET=$T/journal.sock WATCHDOG_USEC=100000 \
    mkt-journal append "$T/j" <"$T/jin" 2>"$T/journal.err" &
PROG=$!
exec 3>"$T/jin"
check "journal: READY=1" wait_line "$T/journal.log" '^READY=1'
ok grep -qE "^READY=1 \| STATUS=appending to '$T/j' at seq 0\$" \
    "$T/journal.log"
check "journal: WATCHDOG=1 ten times with no input" \
    wait_count "$T/journal.log" '^WATCHDOG=1$' 10
echo '{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1,"price":"1","qty":"1","side":"buy","id":1}' >&3
check "journal: STATUS= says what is durable" \
    wait_line "$T/journal.log" '^STATUS=durable below seq 1, 0 rejected$'
stop_prog journal
exec 3>&-
is "$rc" 0 "journal: exit 0 after SIGTERM"
is "$(sed -n '1s/ |.*//p' "$T/journal.log")" "READY=1" \
    "journal: READY=1 is the first message"
is "$(grep -c STOPPING "$T/journal.log")" 1 "journal: STOPPING=1 once"
is "$(mkt-journal stats --json "$T/j" | sed -n '1s/.*"events":\([0-9]*\).*/\1/p')" \
    1 "journal: the event is kept"

# The watchdog is someone else's (WATCHDOG_PID not ours, nor our
# parent's): no WATCHDOG=1 during a second's sync wait at 50 ms, READY
# and STOPPING all the same.
listen other
printf '%s\n' '{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":2,"price":"1","qty":"1","side":"buy","id":2}' \
    >"$T/one.ndjson"
mkfifo "$T/jin2"
NOTIFY_SOCKET=$T/other.sock WATCHDOG_USEC=100000 WATCHDOG_PID=1 \
    mkt-journal append --sync 1s --ack "$T/ack" "$T/j" <"$T/jin2" \
    2>"$T/other.err" &
PROG=$!
exec 3>"$T/jin2"
check "other's watchdog: READY=1" wait_line "$T/other.log" '^READY=1'
cat "$T/one.ndjson" >&3
check "other's watchdog: the sync a second later" \
    wait_line "$T/ack" '"seq":2,'
stop_prog other
exec 3>&-
is "$(count "$T/other.log" WATCHDOG)" 0 \
    "other's watchdog: no WATCHDOG=1 for another's pid"

# The watchdog is the parent's (a unit's shell running a pipeline):
# pinged.
listen parent
mkfifo "$T/jin3"
NOTIFY_SOCKET=$T/parent.sock WATCHDOG_USEC=100000 WATCHDOG_PID=$$ \
    mkt-journal append "$T/j" <"$T/jin3" 2>"$T/parent.err" &
PROG=$!
exec 3>"$T/jin3"
check "parent's watchdog: WATCHDOG=1 three times" \
    wait_count "$T/parent.log" '^WATCHDOG=1$' 3
stop_prog parent
exec 3>&-
is "$rc" 0 "parent's watchdog: exit 0"

# mkt-feed against mkt-sim: READY with its targets, the watchdog from a
# timer on its loop while it streams, STOPPING on SIGTERM.
listen feed
mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 20 \
    2>"$T/sim.err" &
SIM=$!
wait_file "$T/port"
U=127.0.0.1:$(cat "$T/port")
NOTIFY_SOCKET=$T/feed.sock WATCHDOG_USEC=200000 \
MKT_BINANCE_SPOT_WS=ws://$U MKT_BINANCE_SPOT_REST=http://$U \
    mkt-feed binance:spot:BTCUSDT >"$T/feed.ev" 2>"$T/feed.err" &
PROG=$!
check "feed: READY=1" wait_line "$T/feed.log" '^READY=1'
ok grep -qx 'READY=1 | STATUS=1 targets' "$T/feed.log"
check "feed: events stream" wait_line "$T/feed.ev" '"type":"depth"'
check "feed: WATCHDOG=1 five times" \
    wait_count "$T/feed.log" '^WATCHDOG=1$' 5
stop_prog feed
is "$rc" 0 "feed: exit 0 after SIGTERM"
kill -TERM "$SIM"
wait "$SIM"
SIM=

# mkt-exec on the paper venue: READY names the venue; STOPPING as soon
# as the signal comes (in-flight work is finished after it).
listen exec
mkfifo "$T/ein"
NOTIFY_SOCKET=$T/exec.sock WATCHDOG_USEC=100000 \
    mkt-exec --venue paper --state "$T/exec.db" <"$T/ein" \
    >"$T/exec.ev" 2>"$T/exec.err" &
PROG=$!
exec 3>"$T/ein"
check "exec: READY=1" wait_line "$T/exec.log" '^READY=1'
ok grep -qx 'READY=1 | STATUS=trading on paper' "$T/exec.log"
check "exec: WATCHDOG=1 three times" \
    wait_count "$T/exec.log" '^WATCHDOG=1$' 3
stop_prog exec
exec 3>&-
is "$rc" 0 "exec: exit 0 after SIGTERM"

# mkt-serve over the journal above: READY once it listens, STOPPING.
listen serve
NOTIFY_SOCKET=$T/serve.sock WATCHDOG_USEC=100000 \
    mkt-serve --journal "$T/j" --listen 127.0.0.1:0 \
    --port-file "$T/serve.port" 2>"$T/serve.err" &
PROG=$!
check "serve: READY=1" wait_line "$T/serve.log" '^READY=1'
check "serve: it listens by then" test -s "$T/serve.port"
check "serve: WATCHDOG=1 three times" \
    wait_count "$T/serve.log" '^WATCHDOG=1$' 3
stop_prog serve
is "$rc" 0 "serve: exit 0 after SIGTERM"

# Nothing of this without NOTIFY_SOCKET: the same run says nothing and
# complains of nothing.
printf '' | WATCHDOG_USEC=1000 mkt-journal append "$T/j" 2>"$T/quiet.err"
is "$?:$(cat "$T/quiet.err")" "0:" "no NOTIFY_SOCKET: no message, no error"

# A socket that is gone: one warning, and the work is done.
NOTIFY_SOCKET=$T/gone.sock mkt-journal append "$T/j" <"$T/one.ndjson" \
    2>"$T/gone.err"
is "$?" 0 "a missing notify socket: exit 0"
is "$(grep -c 'cannot notify systemd' "$T/gone.err")" 1 \
    "a missing notify socket: one warning"

# Priority prefixes: <3> errors (and the usage hint), <4> warnings, <6>
# information, when standard error is the file JOURNAL_STREAM names.
: >"$T/p.err"
JS=$(stat -c '%d:%i' "$T/p.err")
printf 'not json\n' | JOURNAL_STREAM=$JS mkt-journal append -v "$T/j" \
    2>>"$T/p.err"
JOURNAL_STREAM=$JS mkt-journal verify "$T/nowhere" 2>>"$T/p.err"
JOURNAL_STREAM=$JS mkt-journal frobnicate 2>>"$T/p.err"
sed "s#$T#T#g" "$T/p.err" >"$T/p.got"
cat >"$T/p.want" <<EOF2
<4>mkt-journal: line 1: invalid JSON at byte 1: not a JSON object
<6>mkt-journal: 'T/j': 0 events appended, seq 3, 0.0 MB raw in 0.0 MB
<4>mkt-journal: 1 bad line rejected
<3>mkt-journal: no journal in 'T/nowhere'
<3>mkt-journal: unknown command 'frobnicate'
<3>try 'mkt-journal --help'
EOF2
cmp_file "$T/p.got" "$T/p.want" "journald prefixes when stderr is the journal"

# JOURNAL_STREAM inherited by a process whose stderr went elsewhere: plain.
JOURNAL_STREAM=$JS mkt-journal verify "$T/nowhere" 2>"$T/plain.err"
is "$(cat "$T/plain.err")" "mkt-journal: no journal in '$T/nowhere'" \
    "no prefixes when stderr is not the journal's stream"

done_testing
