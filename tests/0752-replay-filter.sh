#!/bin/sh
# mkt-replay --filter (a jq program per event) and --speed (pacing by
# event time).
. "$(dirname "$0")/lib.sh"

tools=$TOP/tests/tools
mkj() { python3 "$tools/mkjournal.py" "$@"; }
lines() { wc -l <"$1" | tr -d ' '; }

python3 "$tools/mkevents.py" 1500 >"$T/ev"
mkj --frame-events 100 --segment-frames 4 "$T/j" <"$T/ev"

# Selection: the events come out as their own bytes.
mkt-replay "$T/j" --filter 'select(.symbol == "ETHUSDT" and .type == "trade")' \
    >"$T/out" 2>"$T/err"
is "$?" 0 "--filter select: exit 0"
grep '"type":"trade"' "$T/ev" | grep '"symbol":"ETHUSDT"' >"$T/want"
cmp_file "$T/out" "$T/want" "--filter select: the events, byte for byte"
check "--filter select: exact decimals kept" grep -q '0000000,' "$T/out"
mkt-replay "$T/j" --filter . >"$T/out"
cmp_file "$T/out" "$T/ev" "--filter .: every event unchanged"
mkt-replay "$T/j" --filter 'if .qty then . else . end' >"$T/out"
cmp_file "$T/out" "$T/ev" "--filter: an output equal to its input keeps its bytes"

# Mapping: jq's compact rendering.
mkt-replay "$T/j" --filter '{symbol, time}' >"$T/out"
python3 -c "
import json, sys
for l in open('$T/ev'):
    e = json.loads(l)
    print(json.dumps({'symbol': e.get('symbol'), 'time': e.get('time')},
                     separators=(',', ':')))" >"$T/want"
cmp_file "$T/out" "$T/want" "--filter map: {symbol, time}"
mkt-replay "$T/j" --symbol SOLUSDT --filter '.type, .symbol' >"$T/out"
grep '"symbol":"SOLUSDT"' "$T/ev" | sed 's/{"type":\("[a-z]*"\),.*/\1\
"SOLUSDT"/' >"$T/want"
cmp_file "$T/out" "$T/want" "--filter with two outputs an event, after --symbol"

# Dropping.
mkt-replay "$T/j" --filter empty >"$T/out" 2>"$T/err"
is "$?" 0 "--filter empty: exit 0"
is "$(lines "$T/out")" 0 "--filter empty: nothing"
check "--filter empty: nothing on stderr" test ! -s "$T/err"

# A runtime error on some events: each reported, those dropped, exit 0.
mkt-replay "$T/j" --filter 'if .type == "status" then error("no status") else . end' \
    >"$T/out" 2>"$T/err"
is "$?" 0 "--filter runtime errors: exit 0"
grep -v '"type":"status"' "$T/ev" >"$T/want"
cmp_file "$T/out" "$T/want" "--filter runtime errors: the other events"
is "$(head -n 1 "$T/err")" "mkt-replay: filter: event 49: no status" \
    "--filter runtime errors: named by seq"
is "$(lines "$T/err")" 30 "--filter runtime errors: one line each"
mkt-replay "$T/j" --filter 'select(.price) | .price + "x"' >"$T/out" 2>"$T/err"
is "$(lines "$T/out")" 0 "--filter type errors: dropped"
check "--filter type errors: reported" grep -q 'cannot be added' "$T/err"
check "--filter: errors rate-limited" grep -q 'errors in all' "$T/err"

# A compile error is a usage error.
mkt-replay "$T/j" --filter '.[' >"$T/out" 2>"$T/err"
is "$?" 2 "--filter compile error: exit 2"
check "--filter compile error: said on one line" \
    grep -q '^mkt-replay: filter: syntax error' "$T/err"
mkt-replay "$T/j" --filter 'nosuch(1)' 2>"$T/err"
is "$?" 2 "--filter unknown function: exit 2"

# --speed: 21 events 100 ms apart in event time (2 s) at 4 times real
# time take at least half a second; the first comes at once.
python3 -c "
for i in range(21):
    print('{\"type\":\"trade\",\"symbol\":\"X\",\"time\":%d}' % (1700000000000 + 100 * i))
" >"$T/slow"
mkj --frame-events 5 "$T/js" <"$T/slow"
t0=$(date +%s%N)
mkt-replay "$T/js" --speed 4 >"$T/out"
t1=$(date +%s%N)
cmp_file "$T/out" "$T/slow" "--speed 4: every event"
ms=$(( (t1 - t0) / 1000000 ))
check "--speed 4: 2 s of events took at least 490 ms ($ms ms)" \
    test "$ms" -ge 490
t0=$(date +%s%N)
mkt-replay "$T/js" --speed 4 --from 1700000001500 >"$T/out"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "--speed paces from the first event delivered ($ms ms >= 115)" \
    test "$ms" -ge 115
is "$(lines "$T/out")" 6 "--speed --from: the last 6 events"
mkt-replay "$T/js" --speed 4 2>"$T/err" | head -n 1 >"$T/out"
is "$(lines "$T/out")" 1 "--speed: EPIPE while pacing"
done_testing
