#!/bin/sh
# SIGTERM and SIGINT: stop reading, write what is pending, exit 0.
# EPIPE on the output: exit 0 without a message.  ENOSPC: exit 1.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

snap='{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1000,"last_id":1,"bids":[["100","1"]],"asks":[["101","1"]]}'

# The writer: writes one line to the FIFO, waits until the reader has
# taken it (nothing left in the pipe), says so by creating a file, then
# keeps the FIFO open until it is killed, so that the reader blocks in
# read().
cat >"$T/writer.py" <<'PY'
import fcntl, os, signal, struct, sys, termios, time
fd = os.open(sys.argv[1], os.O_WRONLY)
os.write(fd, (sys.argv[2] + "\n").encode())
while struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]:
    time.sleep(0.01)
open(sys.argv[3], "w").close()
while True:
    signal.pause()
PY

# blocked PID: the process sleeps (in the read that waits for more).
blocked() {
	[ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = S ]
}

for sig in TERM INT; do
	for prog in "mkt-book --interval 1h --levels 1" "mkt-depth --interval 1h"; do
		rm -f "$T/fifo" "$T/taken"
		mkfifo "$T/fifo"
		python3 "$T/writer.py" "$T/fifo" "$snap" "$T/taken" &
		writer=$!
		$prog <"$T/fifo" >"$T/out" 2>"$T/err" &
		pid=$!
		# The program has read the event and blocks for more.
		wait_for test -e "$T/taken"
		wait_for blocked "$pid"
		kill -"$sig" "$pid"
		wait "$pid"
		st=$?
		kill "$writer" 2>/dev/null
		wait "$writer" 2>/dev/null
		name=${prog%% *}
		is "$st" 0 "$name: SIG$sig exits 0"
		is "$(wc -l <"$T/out" | tr -d ' ')" 1 "$name: SIG$sig writes the pending window"
		check "$name: SIG$sig says nothing" test ! -s "$T/err"
	done
done

# A reader that leaves early: quiet exit 0.
gen-depth --events 20000 >"$T/stream"
for prog in mkt-book mkt-depth; do
	( "$prog" <"$T/stream" 2>"$T/err"; echo $? >"$T/status" ) | head -n 1 >/dev/null
	is "$(cat "$T/status")" 0 "$prog: EPIPE exits 0"
	check "$prog: EPIPE says nothing" test ! -s "$T/err"
done
mkt-depth <"$T/stream" | mkt-diff 2>"$T/err" | head -n 1 >/dev/null
check "mkt-diff: EPIPE says nothing" test ! -s "$T/err"
# A full disk is a runtime failure: exit 1 with the reason, once.
for prog in mkt-book mkt-depth mkt-diff; do
	"$prog" <"$T/stream" >/dev/full 2>"$T/err"
	is "$?" 1 "$prog: ENOSPC exits 1"
	is "$(cat "$T/err")" "$prog: write error: No space left on device" \
	    "$prog: ENOSPC reported once"
done
done_testing
