#!/bin/sh
# mkt-collect@.service for real, without systemd: its Environment= lines
# and an instance's environment file, then its ExecStart= shell command
# as systemd runs it (a shell that is the main process, WATCHDOG_PID its
# pid, NOTIFY_SOCKET a datagram socket: tests/tools/notify-listen.py),
# against mkt-sim.  mkt-journal says READY=1 once its journal is open
# (and mkt-feed once it starts: NotifyAccess=all takes the first),
# its stages ping the watchdog for the shell, events reach the journal,
# and SIGTERM to the whole process group (systemd's KillMode=control-
# group) stops it cleanly: STOPPING=1, exit 0, a journal that verifies.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools python3 setsid

LISTENER= PIPE= SIM=
cleanup() {
	[ -n "$PIPE" ] && kill -TERM -"$PIPE" 2>/dev/null
	for _p in $SIM $LISTENER; do
		kill "$_p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID JOURNAL_STREAM

UNIT=$TOP/systemd/mkt-collect@.service

# The unit's defaults (instance "main") as shell assignments, and its
# command with systemd's $$ made $ and the programs those of this build.
python3 "$TOP/tests/tools/unit-cmd.py" "$UNIT" "$MKT_BIN" "$T/unit.env" \
    "$T/unit.cmd"
check "the unit's command and defaults read" \
    grep -q "^MKT_JOURNAL=/var/lib/mkt/collect/main\$" "$T/unit.env"

mkt-sim --port-file "$T/port" --symbols BTCUSDT,ETHUSDT --rate 20 \
    2>"$T/sim.err" &
SIM=$!
wait_file "$T/port"
U=127.0.0.1:$(cat "$T/port")

# /etc/mkt/collect/main.env
cat >"$T/main.env" <<EOF2
MKT_TARGETS='binance:spot:BTCUSDT binance:spot:ETHUSDT'
MKT_JOURNAL=$T/collect/main
MKT_FEED_ARGS='--depth-limit 100'
MKT_BINANCE_SPOT_WS=ws://$U
MKT_BINANCE_SPOT_REST=http://$U
EOF2

# StateDirectory=mkt mkt/collect: the journal's parent exists.
mkdir "$T/collect"
python3 "$TOP/tests/tools/notify-listen.py" "$T/n.sock" "$T/n.log" \
    2>"$T/listen.err" &
LISTENER=$!
wait_sock "$T/n.sock"

# systemd: Environment=, then EnvironmentFile=, then the shell, in a
# process group of its own (the unit's control group).
(
	set -a
	. "$T/unit.env"
	. "$T/main.env"
	NOTIFY_SOCKET=$T/n.sock WATCHDOG_USEC=200000
	set +a
	exec setsid sh -c 'WATCHDOG_PID=$$ exec /bin/sh -c "$0"' \
	    "$(cat "$T/unit.cmd")"
) 2>"$T/pipe.err" &
PIPE=$!

# journal_events: the journal holds durable events.
journal_events() {
	mkt-journal stats --json "$T/collect/main" 2>/dev/null |
	    grep -q '"type":"journal_stats","events":[1-9]'
}

check "READY=1 from mkt-journal append" wait_line "$T/n.log" \
    "^READY=1 | STATUS=appending to '$T/collect/main' at seq 0\$"
check "READY=1 from mkt-feed" wait_line "$T/n.log" \
    '^READY=1 | STATUS=2 targets$'
check "the stages ping the shell's watchdog" \
    wait_for sh -c "[ \$(grep -c '^WATCHDOG=1\$' '$T/n.log') -ge 6 ]"
check "events reach the journal" wait_for journal_events
kill -TERM -"$PIPE"
wait "$PIPE"
is "$?" 0 "SIGTERM to the unit's processes: the shell exits 0"
PIPE=
check "STOPPING=1" grep -q '^STOPPING=1' "$T/n.log"
is "$(cat "$T/pipe.err")" "" "nothing on stderr"
mkt-journal verify "$T/collect/main" >/dev/null 2>"$T/verify.err"
is "$?:$(cat "$T/verify.err")" "0:" "the journal verifies"
check "depth events for both symbols" sh -c \
    "mkt-replay '$T/collect/main' | grep '\"type\":\"depth\"' | \
    grep -q ETHUSDT"

done_testing
