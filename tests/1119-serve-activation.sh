#!/bin/sh
# 1119-serve-activation: mkt-serve on a listening socket systemd hands
# over (sd_listen_fds), here by systemd-socket-activate as a .socket
# unit would: a TCP socket on a port picked free, and a unix socket;
# requests are answered through it, --listen is not bound (the same
# port given there would be in use), and SIGTERM
# exits 0.  Two handed sockets are refused.
# load: 2 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq python3 systemd-socket-activate

gen-bands --symbols 1 --markets 1 --minutes 30 --per-minute 1 --seed 3 \
	--start 1700000000000 >"$T/a.ndjson"
mkt-journal append "$T/j" <"$T/a.ndjson"
is "$?" 0 "append: exit 0"

# A port free now (the kernel's pick, released for the activator).
PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
# systemd-socket-activate starts the program at the first connection.
systemd-socket-activate -l "127.0.0.1:$PORT" mkt-serve --journal "$T/j" \
	--listen "127.0.0.1:$PORT" 2>"$T/err" &
SRV=$!
check "the activator listens" wait_line "$T/err" "^Listening on 127.0.0.1:$PORT"
U=http://127.0.0.1:$PORT
is "$(curl -s -o "$T/body" -w '%{http_code}' "$U/health")" 200 \
	"/health through the handed socket: 200"
is "$(jq -r .status "$T/body")" ok "the journal's health"
check "it says it took the handed socket" grep -q \
	"^mkt-serve: listening on the socket systemd handed over, $U/\$" "$T/err"
is "$(curl -s -w '%{http_code}%{num_connects}\n' -o /dev/null "$U/health" \
	-o /dev/null "$U/api/symbols" | tr '\n' ' ')" "2001 2000 " \
	"two requests on one adopted connection"
kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"

# A unix socket handed over.
systemd-socket-activate -l "$T/http.sock" mkt-serve --journal "$T/j" \
	2>"$T/err2" &
SRV=$!
check "the activator listens on the unix socket" wait_sock "$T/http.sock"
is "$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$T/http.sock" \
	http://localhost/api/symbols)" 200 "/api/symbols over a unix socket: 200"
is "$(jq .count "$T/body")" 1 "its symbol"
kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"

# Two sockets: one ListenStream= only.
PORT2=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
systemd-socket-activate -l "127.0.0.1:$PORT2" -l "$T/two.sock" \
	mkt-serve --journal "$T/j" 2>"$T/err3" &
SRV=$!
check "the activator listens on two" wait_sock "$T/two.sock"
curl -s -o /dev/null "http://127.0.0.1:$PORT2/health"
wait $SRV
is "$?" 1 "two handed sockets: exit 1"
check "it says why" grep -q "^mkt-serve: systemd handed over 2 sockets" \
	"$T/err3"

done_testing
