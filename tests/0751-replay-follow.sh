#!/bin/sh
# mkt-replay --follow while a writer appends in steps and rotates
# segments: every event once, in order.  --cursor: a reader that stops
# (SIGTERM, a reader that leaves, kill -9) resumes where it stopped.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

tools=$TOP/tests/tools
mkj() { python3 "$tools/mkjournal.py" "$@"; }
lines() { wc -l <"$1" | tr -d ' '; }
cursor() {
	python3 -c "
import sqlite3, sys
db = sqlite3.connect('file:$1/index.db?mode=ro', uri=True)
r = db.execute('SELECT next_seq FROM cursors WHERE name=?', ('$2',)).fetchone()
print(r[0] if r else 'none')"
}

python3 "$tools/mkevents.py" 4000 >"$T/ev"
head -n 200 "$T/ev" >"$T/ev0"
sed -n '201,2600p' "$T/ev" >"$T/ev1"
sed -n '2601,$p' "$T/ev" >"$T/ev2"

# --follow: the reader starts first, on a journal with a little in it.
mkj --frame-events 50 --segment-frames 3 "$T/j" <"$T/ev0"
mkt-replay "$T/j" --follow >"$T/out" 2>"$T/err" &
reader=$!
# The reader has given what is there, and follows.
wait_lines "$T/out" 200
# Steps of 100 events (each a commit of whole frames: 30+30+30+10), a new
# segment every 3 frames, then a second writer that starts a segment.
mkj --frame-events 30 --segment-frames 3 --step-events 100 \
    --step-sleep 0.03 "$T/j" <"$T/ev1"
mkj --frame-events 40 --segment-frames 2 --step-events 50 \
    --step-sleep 0.02 --new-segment "$T/j" <"$T/ev2"
wait_lines "$T/out" 4000
kill -TERM $reader
wait $reader
is "$?" 0 "--follow: SIGTERM exits 0"
check "--follow: the writers rotated segments" \
    test "$(ls "$T/j" | grep -c '^seg-')" -gt 20
cmp_file "$T/out" "$T/ev" "--follow: every event once, in order"
check "--follow: nothing on stderr" test ! -s "$T/err"

# --follow from a time: only the later events, then the new ones.
rm -rf "$T/j2"
mkj --frame-events 50 "$T/j2" <"$T/ev0"
mkt-replay "$T/j2" --follow --type trade >"$T/out" 2>"$T/err" &
reader=$!
wait_lines "$T/out" "$(grep -c '"type":"trade"' "$T/ev0")"
mkj --frame-events 25 --segment-frames 4 --step-events 75 "$T/j2" <"$T/ev1"
grep '"type":"trade"' "$T/ev0" "$T/ev1" | cut -d: -f2- >"$T/want"
wait_lines "$T/out" "$(lines "$T/want")"
kill -INT $reader
wait $reader
is "$?" 0 "--follow --type: SIGINT exits 0"
cmp_file "$T/out" "$T/want" "--follow --type: the selected events, once"

# --cursor: stopped by SIGTERM mid-way (--speed makes it take its time),
# resumed: the two parts are every event exactly once.
rm -rf "$T/j"
mkj --frame-events 100 --segment-frames 5 "$T/j" <"$T/ev"
mkt-replay "$T/j" --cursor a --speed 4 -o "$T/p1" 2>"$T/err" &
reader=$!
# Stored every second while pacing too: the cursor exists mid-run.
cursor_stored() {
	_c=$(cursor "$1" "$2" 2>/dev/null)
	[ -n "$_c" ] && [ "$_c" != none ] && [ "$_c" -gt 0 ]
}
wait_for cursor_stored "$T/j" a
c=$(cursor "$T/j" a)
if [ "$c" != none ] && [ "$c" -gt 0 ]; then echo "$c" >"$T/cur_mid"; fi
kill -TERM $reader
wait $reader
is "$?" 0 "--cursor: SIGTERM exits 0"
n1=$(lines "$T/p1")
check "--cursor: stopped part way ($n1 events)" \
    test "$n1" -gt 0 -a "$n1" -lt 4000
is "$(cursor "$T/j" a)" "$n1" "--cursor: next_seq is the count delivered"
check "--cursor: stored while pacing, before the end" \
    grep -q . "$T/cur_mid"
mkt-replay "$T/j" --cursor a >"$T/p2"
cat "$T/p1" "$T/p2" >"$T/out"
cmp_file "$T/out" "$T/ev" "--cursor: resumed, every event exactly once"
mkt-replay "$T/j" --cursor a >"$T/p3"
is "$(lines "$T/p3")" 0 "--cursor: at the end, nothing more"
is "$(cursor "$T/j" a)" 4000 "--cursor: at the end, next_seq = events"
mkt-replay "$T/j" --cursor other >"$T/out"
cmp_file "$T/out" "$T/ev" "a new cursor name starts from the beginning"

# A reader that leaves (EPIPE): what it was handed is counted.
mkt-replay "$T/j" --cursor b 2>"$T/err" | head -n 1000 >"$T/p1"
check "--cursor, EPIPE: quiet" test ! -s "$T/err"
head -n 1000 "$T/ev" >"$T/want"
cmp_file "$T/p1" "$T/want" "--cursor, EPIPE: the first part"
nb=$(cursor "$T/j" b)
check "--cursor, EPIPE: next_seq $nb is at least what the reader took" \
    test "$nb" -ge 1000 -a "$nb" -lt 4000
mkt-replay "$T/j" --cursor b >"$T/p2"
sed -n "$((nb + 1)),\$p" "$T/ev" >"$T/want"
cmp_file "$T/p2" "$T/want" "--cursor, EPIPE: resumes at next_seq"

# With filters, the cursor counts every event passed over.
mkt-replay "$T/j" --cursor c --symbol SOLUSDT --to 1700000020000 >/dev/null
is "$(cursor "$T/j" c)" 4000 "--cursor with filters: next_seq past all"

# --cursor --from: the cursor, once it exists, is where reading starts.
mkt-replay "$T/j" --cursor d --from 1700000020000 --speed 1000 | head -n 1 \
    >/dev/null
nd=$(cursor "$T/j" d)
check "--cursor --from: stored past the start ($nd)" test "$nd" -gt 1000
mkt-replay "$T/j" --cursor d --from 1700000020000 >"$T/p2"
python3 -c "
import json, sys
for i, l in enumerate(open('$T/ev', 'rb')):
    t = json.loads(l).get('time')
    if i >= $nd and isinstance(t, int) and t >= 1700000020000:
        sys.stdout.buffer.write(l)" >"$T/want"
cmp_file "$T/p2" "$T/want" "--cursor --from: resumed at the cursor"

# kill -9 while following: the cursor is stored every second, so the
# next run starts where the killed one stopped.
rm -rf "$T/j"
mkj --frame-events 100 "$T/j" <"$T/ev0"
mkt-replay "$T/j" --follow --cursor k >"$T/p1" &
reader=$!
mkj --frame-events 50 --step-events 100 --step-sleep 0.05 "$T/j" <"$T/ev1"
wait_lines "$T/p1" 2600
# Stored within about a second of the last event: wait for it.
cursor_is() { [ "$(cursor "$1" "$2" 2>/dev/null)" = "$3" ]; }
wait_for cursor_is "$T/j" k 2600
kill -KILL $reader
wait $reader 2>/dev/null
nk=$(cursor "$T/j" k)
is "$nk" 2600 "kill -9 while following: the cursor was stored"
mkj --frame-events 50 "$T/j" <"$T/ev2"
mkt-replay "$T/j" --cursor k >"$T/p2"
cat "$T/p1" "$T/p2" >"$T/out"
cmp_file "$T/out" "$T/ev" "kill -9 while following: resumed, nothing lost"
done_testing
