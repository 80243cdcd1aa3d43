#!/bin/sh
# Output coalescing in the filter programs: while more input is waiting,
# events go out in large writes; before a program would wait for input it
# pushes what it holds, so an event written into an idle pipeline reaches
# its end at once, without more input and without end of input.
# load: 3 (pipelines of processes: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

SNAP='http://127.0.0.1/api/v3/depth?symbol=BTCUSDT&limit=1000 -> 1700000000.000000: {"lastUpdateId":100,"bids":[["100.00","1.0"]],"asks":[["101.00","1.0"]]}'
D1='1700000000100000000 {"e":"depthUpdate","E":1700000000100,"s":"BTCUSDT","U":101,"u":101,"b":[["100.50","2.0"]],"a":[]}'
D2='1700000000200000000 {"e":"depthUpdate","E":1700000000200,"s":"BTCUSDT","U":102,"u":102,"b":[],"a":[["100.90","3.0"]]}'

# The driver: mkt-feed --raw | mkt-book --levels 1, fed one message at a
# time through a pipe it keeps open; each book must arrive before the
# next message is written (a deadline of 20 s per wait, not a sleep).
python3 - "$SNAP" "$D1" "$D2" >"$T/idle.out" 2>&1 <<'PY'
import os, select, subprocess, sys, time
snap, d1, d2 = sys.argv[1:4]
feed = subprocess.Popen(["mkt-feed", "--raw", "binance:spot:BTCUSDT"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
book = subprocess.Popen(["mkt-book", "--levels", "1"], stdin=feed.stdout,
                        stdout=subprocess.PIPE)
feed.stdout.close()
fd = book.stdout.fileno()
got = b""

def wait_lines(n):
    global got
    deadline = time.monotonic() + 20
    while got.count(b"\n") < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            print("timeout: %d of %d lines" % (got.count(b"\n"), n))
            return False
        c = os.read(fd, 65536)
        if not c:
            print("end of output after %d lines" % got.count(b"\n"))
            return False
        got += c
    return True

def send(line):
    feed.stdin.write(line.encode() + b"\n")
    feed.stdin.flush()

send(snap)
ok1 = wait_lines(1)
send(d1)
ok2 = wait_lines(2)
send(d2)
ok3 = wait_lines(3)
feed.stdin.close()
rest = book.stdout.read()
print("arrived %d %d %d" % (ok1, ok2, ok3))
for l in (got + rest).decode().splitlines():
    print(l.split('"last_id":')[1].split(",")[0])
print("exit %d %d" % (feed.wait(), book.wait()))
PY
is "$(cat "$T/idle.out")" "arrived 1 1 1
100
101
102
exit 0 0" "each event reaches the end of an idle pipeline at once"

# A busy stream: the same bytes as to a file, in far fewer writes.
gen-depth --events 3000 --levels 16 >"$T/ev"
mkt-book --levels 1 <"$T/ev" >"$T/file.out"
mkt-book --levels 1 <"$T/ev" | cat >"$T/pipe.out"
cmp_file "$T/pipe.out" "$T/file.out" "a pipe gets what a file gets"
is "$(wc -l <"$T/pipe.out" | tr -d ' ')" 3001 "one book an event"
if command -v strace >/dev/null &&
    strace -f -qq -e trace=write -o "$T/st" true 2>/dev/null; then
	strace -f -qq -e trace=write -o "$T/st" mkt-book --levels 1 \
	    <"$T/ev" | cat >/dev/null
	n=$(grep -c 'write(1,' "$T/st")
	check "busy: $n writes for 3001 events (want at most 300)" \
	    test "$n" -le 300
else
	echo "ok $((_n = _n + 1)) - # SKIP no usable strace"
fi

# EPIPE on a held batch: the reader left, exit 0, nothing said.
gen-depth --events 20000 --levels 16 >"$T/big"
(mkt-book --levels 1 <"$T/big" 2>"$T/epipe.err"; echo $? >"$T/epipe.rc") |
    head -1 >/dev/null
is "$(cat "$T/epipe.rc")" 0 "the reader leaves: exit 0"
check "the reader leaves: nothing on stderr" test ! -s "$T/epipe.err"

done_testing
