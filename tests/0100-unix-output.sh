#!/bin/sh
# unix: output: a fast reader gets every line, in order and whole; a reader
# that never reads is dropped once its queue is full, without stalling the
# producer or growing its memory.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	echo '1..0 # SKIP python3 not found'
	exit 0
fi

EVENTS=200000
QUEUE_MAX=1048576
# Events per second: about 20 MB/s, which a Python reader follows with
# room to spare (unpaced, the producer outruns it and drops it too).  On
# a busy machine the reader may not run for a while: the producer is
# then held back by at most 256 KiB ahead of what it has received (the
# count it keeps in $T/fast.count), so that a reader that reads is never
# dropped, however late it runs.  The stuck reader is not waited for.
RATE=100000
# Bounds: resident memory well under what an unbounded queue would take
# (36 MB of events), looser under the sanitizers; and time, a bound on a
# stall only (the stream takes 2 s, but the reader that paces it may run
# late on a busy machine).
if [ -n "$MKT_SANITIZED" ]; then
	RSS_MAX_KB=32768
else
	RSS_MAX_KB=16384
fi
TIME_MAX_S=120

SOCK=$T/out.sock
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The readers: connect (retrying until the socket exists), then either
# copy everything to a file or never read at all.
cat >"$T/reader.py" <<'PY'
import os, socket, sys, time
mode, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if mode == "stuck":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
# Two minutes bound a hang only: the producer may be slow to start.
deadline = time.monotonic() + 120
while True:
    try:
        s.connect(path)
        break
    except (FileNotFoundError, ConnectionRefusedError):
        if time.monotonic() > deadline:
            sys.exit("cannot connect to " + path)
        time.sleep(0.01)
if mode == "stuck":
    time.sleep(600)
    sys.exit(0)
count = os.open(sys.argv[4], os.O_WRONLY)
n = 0
with open(sys.argv[3], "wb") as f:
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        f.write(b)
        n += len(b)
        os.pwrite(count, b"%-20d\n" % n, 0)
PY

echo 0 >"$T/fast.count"
start=$(date +%s)
# timeout(1) is only a backstop so that a hang fails instead of blocking.
timeout $((TIME_MAX_S + 30)) unix-producer "$SOCK" 2 "$EVENTS" "$QUEUE_MAX" \
	"$RATE" "$T/fast.count" 2>"$T/producer.err" >/dev/null &
producer=$!
pids="$producer"
python3 "$T/reader.py" stuck "$SOCK" >/dev/null &
pids="$pids $!"
python3 "$T/reader.py" fast "$SOCK" "$T/fast.out" "$T/fast.count" \
	>/dev/null &
fast=$!
pids="$pids $fast"

wait "$producer"
status=$?
end=$(date +%s)
is "$status" 0 "producer exits 0"
check "producer done within ${TIME_MAX_S}s ($((end - start))s)" \
	test $((end - start)) -le "$TIME_MAX_S"
wait "$fast"
is "$?" 0 "fast reader exits 0"

sed 's/^/# /' "$T/producer.err"
dropped=$(sed -n 's/^dropped=\([0-9]*\) .*/\1/p' "$T/producer.err")
rss=$(sed -n 's/.* peak_rss_kb=\([0-9]*\)$/\1/p' "$T/producer.err")
is "$dropped" 1 "the stuck reader was dropped, and only it"
check "peak RSS ${rss:-?} KiB <= $RSS_MAX_KB KiB" \
	test "${rss:-999999999}" -le "$RSS_MAX_KB"

is "$(wc -l <"$T/fast.out" | tr -d ' ')" "$EVENTS" "fast reader got every line"
is "$(tail -c 1 "$T/fast.out" | od -An -c | tr -d ' ')" '\n' \
	"last line complete"
# Every line whole and numbered 0, 1, 2, ... in order.
bad=$(awk -v pad="$(printf '%150s' '' | tr ' ' x)" '
	$0 != "{\"type\":\"x\",\"n\":" NR - 1 ",\"pad\":\"" pad "\"}" {
		bad++
		if (bad <= 3)
			print "line " NR ": " substr($0, 1, 60) > "/dev/stderr"
	}
	END { print bad + 0 }' "$T/fast.out")
is "$bad" 0 "every line whole and in order"
is "$(head -n 1 "$T/fast.out" | cut -d, -f2)" '"n":0' "first is n=0"
is "$(tail -n 1 "$T/fast.out" | cut -d, -f2)" "\"n\":$((EVENTS - 1))" \
	"last is n=$((EVENTS - 1))"
check "socket removed at exit" test ! -e "$SOCK"

done_testing
