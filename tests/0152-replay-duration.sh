#!/bin/sh
# mkt-replay --duration DUR stops after DUR of wall time, as on SIGTERM:
# --follow and --speed end by themselves with exit 0, what was written is
# whole, and a cursor says where the reader stopped, so the next run goes
# on from there.
# load: 3 (other processes: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

for i in 0 1 2 3 4 5 6 7 8 9; do
	printf '{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":%s,"price":1,"qty":1,"side":"buy","n":%s}\n' \
	    $((1700000000000 + i * 1000)) $i
done >"$T/t.ndjson"
mkt-journal append "$T/j" <"$T/t.ndjson"

# --follow would wait for new events for ever.
timeout 60 mkt-replay "$T/j" --follow --duration 1s >"$T/follow"
is "$?" 0 "--follow --duration 1s: ends by itself, exit 0"
cmp_file "$T/follow" "$T/t.ndjson" "--follow --duration: every event, whole"

# --speed 1 would take 9 s: stopped while pacing, a cursor where it
# stopped; the next run delivers the rest, each event once.
timeout 60 mkt-replay "$T/j" --speed 1 --duration 2500ms --cursor c \
    >"$T/paced"
is "$?" 0 "--speed 1 --duration 2500ms: ends by itself, exit 0"
n=$(wc -l <"$T/paced" | tr -d ' ')
check "--speed: stopped part way ($n of 10 events)" \
    test "$n" -ge 1 -a "$n" -lt 10
mkt-replay "$T/j" --cursor c >"$T/rest"
cat "$T/paced" "$T/rest" >"$T/both"
cmp_file "$T/both" "$T/t.ndjson" "the cursor: the next run goes on from there"

mkt-replay "$T/j" --duration 0 >/dev/null 2>&1
is "$?" 2 "--duration 0: usage error"
mkt-replay "$T/j" --duration soon >/dev/null 2>&1
is "$?" 2 "--duration soon: usage error"
done_testing
