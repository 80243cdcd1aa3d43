#!/bin/sh
# mkt-feed --rest --once tells a collector whether it collected: exit 0
# with every requested book, 1 when any is missing, and then standard
# error names each missing book and why it is missing.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

mkt-sim --port-file "$T/port" --symbols BTCUSDT,ETHUSDT --levels 50 \
    2>"$T/sim.err" &
SIM=$!
wait_file "$T/port"
PORT=$(cat "$T/port")

# once NAME REST TARGETS...: mkt-feed --rest --once with REST as the
# Binance spot endpoint; its status in $RC.
once() {
	_name=$1 _rest=$2
	shift 2
	MKT_BINANCE_SPOT_REST=$_rest mkt-feed --rest --once "$@" \
	    >"$T/$_name.ev" 2>"$T/$_name.err"
	RC=$?
}
snapshots() {
	jq -r 'select(.type == "snapshot") | .symbol' "$T/$1.ev" | sort |
	    tr '\n' ' '
}

once all "http://127.0.0.1:$PORT" binance:spot:BTCUSDT binance:spot:ETHUSDT
is "$RC" 0 "every book collected: exit 0"
is "$(snapshots all)" "BTCUSDT ETHUSDT " "every book collected: both snapshots"
is "$(cat "$T/all.err")" "" "every book collected: nothing on stderr"

# A symbol the venue does not have: the other book still comes out.
once one "http://127.0.0.1:$PORT" binance:spot:BTCUSDT binance:spot:XRPUSDT
is "$RC" 1 "a book missing: exit 1"
is "$(snapshots one)" "BTCUSDT " "a book missing: the other one came out"
check "a book missing: its request's failure, with the HTTP status" \
    grep -qx 'mkt-feed: binance spot XRPUSDT: snapshot request failed: HTTP 400' \
    "$T/one.err"
check "a book missing: the summary names it" \
    grep -qx 'mkt-feed: 1 of 2 books not collected: binance:spot:XRPUSDT' \
    "$T/one.err"

# Nothing listens: every book missing, each named, the cause said.
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$T/free"
FREE=$(cat "$T/free")
once refused "http://127.0.0.1:$FREE" binance:spot:BTCUSDT binance:spot:ETHUSDT
is "$RC" 1 "connection refused: exit 1"
is "$(snapshots refused)" "" "connection refused: no snapshot"
check "connection refused: the cause" \
    grep -q "binance spot BTCUSDT: snapshot request failed: .*port $FREE.*" \
    "$T/refused.err"
check "connection refused: the summary names both books" \
    grep -qx 'mkt-feed: 2 of 2 books not collected: binance:spot:BTCUSDT, binance:spot:ETHUSDT' \
    "$T/refused.err"

# A name that does not resolve (.invalid never does, RFC 6761).
once dns "http://nonexistent.invalid:$PORT" binance:spot:BTCUSDT
is "$RC" 1 "unresolvable host: exit 1"
check "unresolvable host: the cause names the host" \
    grep -q "binance spot BTCUSDT: snapshot request failed: .*nonexistent.invalid" \
    "$T/dns.err"
check "unresolvable host: the summary names the book" \
    grep -qx 'mkt-feed: 1 of 1 books not collected: binance:spot:BTCUSDT' \
    "$T/dns.err"

kill -TERM "$SIM"
wait "$SIM"
done_testing
