#!/bin/sh
# mkt-feed --duration DUR stops by itself after DUR, as on SIGTERM: every
# event written whole, exit 0, whether the connection is up, down, or
# polled (--rest).  Status events name venue, market, the symbol when
# they concern one, and a time, so contrib/jq/status.jq prints them
# without null or 1970.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

mkt-sim --port-file "$T/port" --symbols BTCUSDT,ETHUSDT --levels 50 \
    --rate 50 --close-every 40 --ping 2s 2>"$T/sim.err" &
SIM=$!
wait_file "$T/port"
PORT=$(cat "$T/port")
export MKT_BINANCE_SPOT_WS=ws://127.0.0.1:$PORT
export MKT_BINANCE_SPOT_REST=http://127.0.0.1:$PORT

# Streaming, into a regular file; timeout only guards against a hang.
timeout 60 mkt-feed --duration 3s binance:spot:BTCUSDT binance:spot:ETHUSDT \
    >"$T/live.ev" 2>"$T/live.err"
is "$?" 0 "--duration 3s: stops by itself, exit 0"
check "--duration: every line whole JSON" \
    sh -c "jq -e . '$T/live.ev' >/dev/null"
is "$(jq -r 'select(.type == "snapshot") | .symbol' "$T/live.ev" |
    sort -u | tr '\n' ' ')" "BTCUSDT ETHUSDT " "--duration: both books came"
check "--duration: depth events came" \
    grep -q '"type":"depth"' "$T/live.ev"

# The server closes every 40 messages: disconnected, resyncing, synced.
jq -c 'select(.type == "status")' "$T/live.ev" >"$T/status"
check "statuses of the connection and of each book" sh -c "
    grep -q '\"state\":\"disconnected\"' '$T/status' &&
    grep -q '\"state\":\"resyncing\"' '$T/status'"
is "$(jq -c 'select((.time | type) != "number" or .venue != "binance" or
    .market != "spot" or (.state == "resyncing" or .state == "synced") and
    (.symbol | type) != "string")' "$T/status" | wc -l | tr -d ' ')" 0 \
    "every status has a time, venue and market, a book's its symbol"
jq -r -f "$TOP/contrib/jq/status.jq" "$T/live.ev" >"$T/status.txt"
is "$(wc -l <"$T/status.txt" | tr -d ' ')" "$(wc -l <"$T/status" | tr -d ' ')" \
    "status.jq: a line for each status"
is "$(grep -c 'null\|1970-' "$T/status.txt")" 0 \
    "status.jq: no null, no 1970"
check "status.jq: a book's resync names venue:market:symbol" \
    grep -q ' mkt-feed binance:spot:BTCUSDT resyncing disconnected$' \
    "$T/status.txt"
check "status.jq: a connection's status names venue:market" \
    grep -q ' mkt-feed binance:spot disconnected closed by the server$' \
    "$T/status.txt"

# Nothing to connect to: --duration ends it all the same.
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' >"$T/free"
MKT_BINANCE_SPOT_WS=ws://127.0.0.1:$(cat "$T/free") \
    timeout 60 mkt-feed --duration 1500ms binance:spot:BTCUSDT \
    >"$T/down.ev" 2>"$T/down.err"
is "$?" 0 "--duration with the connection down: exit 0"
check "--duration with the connection down: it said why" \
    grep -q 'Connection refused' "$T/down.err"

# Polling.
timeout 60 mkt-feed --rest --interval 500ms --duration 2s \
    binance:spot:BTCUSDT >"$T/rest.ev" 2>"$T/rest.err"
is "$?" 0 "--rest --duration: exit 0"
check "--rest --duration: snapshots came" \
    grep -q '"type":"snapshot"' "$T/rest.ev"

# Usage.
mkt-feed --duration 0 binance:spot:BTCUSDT 2>"$T/u1.err"
is "$?" 2 "--duration 0: usage error"
mkt-feed --duration 5 binance:spot:BTCUSDT 2>"$T/u2.err"
is "$?" 2 "--duration without a unit: usage error"
mkt-feed --raw binance:spot --duration 1s </dev/null 2>"$T/u3.err"
is "$?" 2 "--duration with --raw: usage error"

kill -TERM "$SIM"
wait "$SIM"
done_testing
