#!/bin/sh
# 0101-unix-output-late: a reader of a unix: output that reads late gets
# its whole queue while the producer waits for input, not only when the
# next event comes (the producer waits for the reader's socket as well
# as for its input).
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools python3

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# About 3 MB out: well past a socket's buffers, under the 4 MiB queue.
gen-bands --symbols 1 --markets 1 --days 2 --seed 5 \
	--start 1700000000000 | head -n 1500 >"$T/bands"
mkt-diff <"$T/bands" >"$T/events"
N=$(nlines "$T/events")

# reader.py SOCK OUT GO: connect, say so, wait for GO to exist (at
# once when GO is "-"), then copy what comes to OUT until N lines.
cat >"$T/reader.py" <<'PY'
import os, socket, sys, time
path, out, go, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(path)
print("connected", flush=True)
# Waiting for the test's word, not pacing: two minutes bound a hang.
deadline = time.monotonic() + 120
while go != "-" and not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.05)
s.settimeout(120)
n = 0
with open(out, "wb") as f:
    try:
        while n < want:
            b = s.recv(65536)
            if not b:
                break
            f.write(b)
            f.flush()
            n += b.count(b"\n")
    except OSError as e:
        print("error", e, flush=True)
print("got", n, flush=True)
PY

mkfifo "$T/in"
mkt-diff -o "unix:$T/out.sock" <"$T/in" 2>"$T/diff.err" &
DIFF=$!
pids="$pids $DIFF"
exec 3>"$T/in"
check "the socket is there" wait_sock "$T/out.sock"
python3 "$T/reader.py" "$T/out.sock" "$T/late" "$T/go" "$N" \
	>"$T/late.say" 2>&1 3>&- &
pids="$pids $!"
python3 "$T/reader.py" "$T/out.sock" "$T/fast" - "$N" \
	>"$T/fast.say" 2>&1 3>&- &
pids="$pids $!"
check "the late reader is connected" wait_line "$T/late.say" '^connected$'
check "the fast reader is connected" wait_line "$T/fast.say" '^connected$'

cat "$T/bands" >&3
# The input stays open: no further event will come.
check "the fast reader has every event" wait_line "$T/fast.say" '^got '
touch "$T/go"
check "the late reader is done" wait_line "$T/late.say" '^got \|^error'
is "$(sed -n 's/^got //p' "$T/late.say")" "$N" \
	"the late reader gets all $N events with no further input"
cmp_file "$T/late" "$T/events" "the late reader: all of them, in order"
cmp_file "$T/fast" "$T/events" "the fast reader: all of them, in order"

exec 3>&-
wait $DIFF
is "$?" 0 "mkt-diff exits 0 at the end of its input"
check "nobody was dropped" test ! -s "$T/diff.err"

done_testing
