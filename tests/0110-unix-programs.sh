#!/bin/sh
# The programs read `-i unix:PATH` and serve `-o unix:PATH`: a chain of
# real programs over Unix sockets loses nothing.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

n=20000
# A producer serving unix:$T/a waits for one reader; mkt-book reads it
# and passes every event through to a file.
unix-producer "$T/a" 1 "$n" 2>"$T/prod.err" &
prod=$!
wait_sock "$T/a"
timeout 120 mkt-book -i "unix:$T/a" >"$T/got" 2>"$T/err"
is "$?" 0 "mkt-book -i unix: exits 0 when the producer closes"
wait "$prod"
is "$(wc -l <"$T/got" | tr -d ' ')" "$n" "every event arrived through the socket"
is "$(head -n 1 "$T/got" | jq -r .n)/$(tail -n 1 "$T/got" | jq -r .n)" \
    "0/$((n - 1))" "in order, first to last"
check "no message" test ! -s "$T/err"

# mkt-book serving -o unix: to a reader connected before the first
# event: the reader gets exactly what standard output would.
gen-depth --events 2000 >"$T/stream"
mkt-book --levels 1 <"$T/stream" >"$T/want"
mkfifo "$T/connected"
( read -r _ <"$T/connected"; cat "$T/stream" ) |
    mkt-book --levels 1 -o "unix:$T/b" &
srv=$!
python3 - "$T/b" "$T/connected" >"$T/got2" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
deadline = time.monotonic() + 120
while True:
    try:
        s.connect(sys.argv[1])
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("cannot connect to " + sys.argv[1])
        time.sleep(0.01)
open(sys.argv[2], "w").write("connected\n")
while True:
    b = s.recv(65536)
    if not b:
        break
    sys.stdout.buffer.write(b)
PY
rdr=$!
wait "$srv"
is "$?" 0 "mkt-book -o unix: exits 0"
wait "$rdr"
cmp_file "$T/got2" "$T/want" "the reader gets the whole output, byte for byte"
check "the socket is removed at exit" test ! -e "$T/b"
done_testing
