#!/bin/sh
# 1112-serve-slow: a client that stalls costs mkt-serve nothing but its
# connection: others are answered meanwhile, and the stalled one is
# dropped (--client-timeout) rather than kept for ever.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl python3

gen-bands --symbols 1 --markets 1 --minutes 30 --seed 3 \
	--start 1700000000000 | mkt-journal append "$T/j"
is "$?" 0 "append: exit 0"
mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port" \
	--client-timeout 1s 2>"$T/serve.err" &
SRV=$!
check "mkt-serve starts" wait_file "$T/port" || exit 1
PORT=$(cat "$T/port")

# A client that sends half a request and waits: it writes "sent" once
# the bytes are out, then what the server did ("closed" on end of file).
python3 - "$PORT" >"$T/stall" 2>&1 <<'EOF2' &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
print("sent", flush=True)
s.settimeout(600)
try:
    print("closed" if s.recv(4096) == b"" else "answered", flush=True)
except OSError as e:
    print("error", e, flush=True)
EOF2
STALL=$!
check "the stalling client is connected" wait_line "$T/stall" '^sent$'
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" \
	200 "another client is answered meanwhile"
check "the stalled client is dropped" wait_lines "$T/stall" 2
is "$(sed -n 2p "$T/stall")" closed "by closing its connection"
wait $STALL

kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"
check "nothing on stderr but the address" \
	test "$(grep -vc '^mkt-serve: listening on' "$T/serve.err")" = 0

done_testing
