#!/bin/sh
# 1115-serve-stream-slow: a /api/stream client that reads nothing is
# dropped once its queue would pass --stream-queue, while a client that
# reads gets every event; mkt-serve's memory stays bounded by the queue,
# not by what the slow client missed (21 MB of events).
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq python3

# Peak resident memory: well under what the slow client missed plus
# the baseline; looser under the sanitizers.
if [ -n "$MKT_SANITIZED" ]; then
	RSS_MAX_KB=40960
	# AddressSanitizer keeps freed memory aside (256 MB by default):
	# a small quarantine, so that what is measured is what is held.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
	export ASAN_OPTIONS
else
	RSS_MAX_KB=16384
fi

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

gen-bands --symbols 2 --markets 2 --days 2 --seed 3 \
	--start 1700000000000 >"$T/bands"
mkt-diff <"$T/bands" >"$T/events"
# Batches of 200 bands events (400 with imbalance, about 370 KB): a
# burst a client's queue (--stream-queue, 1 MiB here) holds whole.
split -l 200 "$T/bands" "$T/batch."

mkfifo "$T/in"
mkt-diff -o "unix:$T/live.sock" <"$T/in" 2>"$T/diff.err" &
pids="$pids $!"
exec 3>"$T/in"
wait_sock "$T/live.sock"
mkt-serve --journal "$T/j" --live "unix:$T/live.sock" --listen 127.0.0.1:0 \
	--port-file "$T/port" --stream-queue 1048576 2>"$T/serve.err" 3>&- &
SRV=$!
pids="$pids $SRV"
check "mkt-serve starts" wait_file "$T/port" || exit 1
PORT=$(cat "$T/port")
U=http://127.0.0.1:$PORT
connected() {
	curl -s "$U/health" | jq -e '.sources[1].connected' >/dev/null
}
check "the live source is connected" wait_for connected

# The slow client: asks for the stream with a small receive buffer and
# reads nothing until $T/go exists; then it reads to the end and says
# whether the server closed the stream.
python3 - "$PORT" "$T/go" >"$T/slow" 2>&1 3>&- <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n")
print("sent", flush=True)
# Waiting for the test's word, not pacing: two minutes bound a hang.
deadline = time.monotonic() + 120
while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
    time.sleep(0.05)
s.settimeout(120)
n = 0
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        n += len(b)
    print("closed", n, flush=True)
except OSError as e:
    print("error", e, flush=True)
PY
pids="$pids $!"
curl -sN --max-time 300 "$U/api/stream" >"$T/fast" 3>&- &
pids="$pids $!"
check "the slow client has asked" wait_line "$T/slow" '^sent$'
check "the fast client is open" wait_line "$T/fast" '^: mkt-serve$'
# data N: the fast client holds N events.
data() {
	test "$(grep -c '^data: ' "$T/fast")" -ge "$1"
}
# Before each batch, the fast client holds the events of all but the
# last batch (whose tail mkt-diff may hold until more input comes): the
# pipeline's own unix: reader, mkt-serve, never falls a queue behind.
prev=0
cur=0
for b in "$T"/batch.*; do
	wait_for data "$prev" || break
	cat "$b" >&3
	prev=$cur
	cur=$((cur + $(nlines "$b") * 2))
done
exec 3>&-
if ! check "the fast client gets every event" \
    wait_for data "$(nlines "$T/events")"; then
	echo "# the fast client holds $(grep -c '^data: ' "$T/fast") events"
	sed 's/^/# mkt-serve: /' "$T/serve.err"
	sed 's/^/# mkt-diff: /' "$T/diff.err"
fi
sed -n 's/^data: //p' "$T/fast" >"$T/got"
cmp_file "$T/got" "$T/events" "the fast client: all of them, in order"

touch "$T/go"
check "the slow client is answered" wait_line "$T/slow" '^closed\|^error'
set -- $(sed -n 2p "$T/slow")
is "$1" closed "the slow client is dropped: its stream closed"
check "having had less than the stream ($2 bytes)" \
	test "$2" -lt "$(wc -c <"$T/fast")"

RSS=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SRV/status")
echo "# mkt-serve peak RSS ${RSS} kB (bound ${RSS_MAX_KB})"
check "mkt-serve's memory stays bounded" test "$RSS" -lt "$RSS_MAX_KB"

kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"
check "it counts the drop" grep -q 'dropped 1 clients' "$T/serve.err"

done_testing
