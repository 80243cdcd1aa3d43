#!/bin/sh
# mkt-replay on journals written by tests/tools/mkjournal.py (an
# independent writer of the format): byte-identical round trips across
# many segments and frames, --from/--to/--symbol/--type/--venue/--market
# against a recomputation from the input, seeks that never touch the
# frames before them, and damaged frames reported, skipped and survived.
. "$(dirname "$0")/lib.sh"

tools=$TOP/tests/tools
mkj() { python3 "$tools/mkjournal.py" "$@"; }

python3 "$tools/mkevents.py" 6000 >"$T/ev"
# 60 frames of 100 events, 8 frames a segment: 8 segments.
mkj --frame-events 100 --segment-frames 8 "$T/j" <"$T/ev"
is "$(ls "$T/j" | grep -c '^seg-.*\.zst$')" 8 "the journal has 8 segments"

mkt-replay "$T/j" >"$T/out" 2>"$T/err"
is "$?" 0 "a whole replay exits 0"
cmp_file "$T/out" "$T/ev" "round trip: byte-identical lines"
check "round trip: nothing on stderr" test ! -s "$T/err"
mkt-replay "$T/j" -o "$T/out2"
cmp_file "$T/out2" "$T/ev" "round trip to a file (-o)"
mkt-replay "$T/j" | cat >"$T/out3"
cmp_file "$T/out3" "$T/ev" "round trip through a pipe"

# A second writer run appends: seq and frames go on, one more segment.
python3 "$tools/mkevents.py" 500 1700001000000 >"$T/ev2"
mkj --frame-events 70 --segment-frames 8 --new-segment "$T/j" <"$T/ev2"
cat "$T/ev" "$T/ev2" >"$T/all"
mkt-replay "$T/j" >"$T/out"
cmp_file "$T/out" "$T/all" "round trip after an append"

# The expected selection, recomputed from the input: sel FROM TO KEY=V...
# (FROM/TO '-' for none; events without "time" only when both are '-').
cat >"$T/sel.py" <<'EOF'
import json, sys
src, lo, hi = sys.argv[1], sys.argv[2], sys.argv[3]
want = {}
for kv in sys.argv[4:]:
    k, v = kv.split("=", 1)
    want.setdefault(k, set()).add(v)
for line in open(src, "rb"):
    ev = json.loads(line)
    t = ev.get("time")
    if lo != "-" or hi != "-":
        if not isinstance(t, int):
            continue
        if lo != "-" and t < int(lo):
            continue
        if hi != "-" and t >= int(hi):
            continue
    if all(ev.get(k, "") in vs for k, vs in want.items()):
        sys.stdout.buffer.write(line)
EOF
sel() { python3 "$T/sel.py" "$T/all" "$@"; }

t1=1700000012345
t2=1700000031000
sel $t1 $t2 >"$T/want"
mkt-replay "$T/j" --from $t1 --to $t2 >"$T/out"
cmp_file "$T/out" "$T/want" "--from/--to: exactly the events in [from, to)"
check "--from/--to: a real selection" test "$(wc -l <"$T/want")" -gt 1000
sel $t1 - >"$T/want"
mkt-replay "$T/j" --from $t1 >"$T/out"
cmp_file "$T/out" "$T/want" "--from alone"
# A late start: the first frame is found from the other side.
sel 1700000052000 - >"$T/want"
mkt-replay "$T/j" --from 1700000052000 >"$T/out"
cmp_file "$T/out" "$T/want" "--from late in the journal"
sel - $t2 >"$T/want"
mkt-replay "$T/j" --to $t2 >"$T/out"
cmp_file "$T/out" "$T/want" "--to alone (events without time are left out)"
sel 1700000000000 1700000000001 >"$T/want"
mkt-replay "$T/j" --from 2023-11-14T22:13:20Z \
    --to 2023-11-14T22:13:20.001Z >"$T/out"
cmp_file "$T/out" "$T/want" "RFC 3339 times; a 1 ms window"
sel - - symbol=ETHUSDT >"$T/want"
mkt-replay "$T/j" --symbol ETHUSDT >"$T/out"
cmp_file "$T/out" "$T/want" "--symbol"
sel - - symbol=ETHUSDT symbol=SOLUSDT type=trade type=ticker >"$T/want"
mkt-replay "$T/j" --symbol ETHUSDT --type trade --symbol SOLUSDT \
    --type ticker >"$T/out"
cmp_file "$T/out" "$T/want" "--symbol and --type repeated"
sel - - type=status >"$T/want"
mkt-replay "$T/j" --type status >"$T/out"
cmp_file "$T/out" "$T/want" "--type status (events without time)"
check "--type status: some" test -s "$T/want"
sel $t1 $t2 venue=binance market=futures type=depth >"$T/want"
mkt-replay "$T/j" --from $t1 --to $t2 --venue binance --market futures \
    --type depth >"$T/out"
cmp_file "$T/out" "$T/want" "time range, venue, market and type combined"
mkt-replay "$T/j" --symbol NOSUCH >"$T/out"
is "$(wc -c <"$T/out" | tr -d ' ')" 0 "an unknown symbol selects nothing"
mkt-replay -v "$T/j" --symbol NOSUCH 2>"$T/err" >/dev/null
check "an unknown symbol reads no frame" \
    grep -q 'frames read: 0,' "$T/err"
mkt-replay "$T/j" --from 1800000000000 >"$T/out"
is "$(wc -c <"$T/out" | tr -d ' ')" 0 "--from after the end: nothing"

# A seek starts at the right frame: with the first frames of the journal
# damaged, a seek past them reads only frames it needs and meets no damage.
cp -r "$T/j" "$T/jd"
cat >"$T/flip.py" <<'EOF'
import sqlite3, sys
d, fid = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect("file:%s/index.db?mode=ro" % d, uri=True)
seg, off, n = db.execute("SELECT seg, off, len FROM frames WHERE id=?",
                         (fid,)).fetchone()
with open("%s/seg-%010d.zst" % (d, seg), "r+b") as f:
    # Flip bytes well inside the compressed blocks.
    for p in (off + n // 2, off + n // 2 + 1, off + n // 3):
        f.seek(p)
        b = f.read(1)
        f.seek(p)
        f.write(bytes([b[0] ^ 0x5a]))
print("seg-%010d.zst at offset %d" % (seg, off))
EOF
for i in 1 2 3 4 5 6 7 8 9 10; do python3 "$T/flip.py" "$T/jd" $i; done \
    >"$T/damaged"
tmid=1700000030000
sel $tmid - >"$T/want"
mkt-replay -v "$T/jd" --from $tmid >"$T/out" 2>"$T/err"
is "$?" 0 "a seek past damaged frames exits 0"
cmp_file "$T/out" "$T/want" "a seek past damaged frames: the events"
check "a seek past damaged frames meets no damage" \
    test "$(grep -c 'at offset' "$T/err")" -eq 0
nread=$(sed -n 's/.*frames read: \([0-9]*\),.*/\1/p' "$T/err")
nneed=$(python3 -c "
import sqlite3
db = sqlite3.connect('$T/j/index.db')
print(db.execute('SELECT count(*) FROM frames WHERE max_time >= $tmid').fetchone()[0])")
is "$nread" "$nneed" "a seek decompresses only the frames from the first one it needs"
sel - - >"$T/want"
mkt-replay "$T/jd" --from $tmid --symbol SOLUSDT -v 2>"$T/err" >/dev/null
check "a keyed seek reads no damaged frame" \
    test "$(grep -c 'at offset' "$T/err")" -eq 0

# Damage in the middle: named on stderr, skipped, the rest all there.
cp -r "$T/j" "$T/jm"
python3 "$T/flip.py" "$T/jm" 30 >"$T/where"
mkt-replay "$T/jm" >"$T/out" 2>"$T/err"
is "$?" 1 "damage: exit status 1"
is "$(sed 's/: zstd: .*//' "$T/err")" "mkt-replay: $(cat "$T/where")" \
    "damage: stderr names the segment and the offset, once"
# Frame 30 holds events 2900..2999.
python3 -c "
import sys
lines = open('$T/all', 'rb').readlines()
sys.stdout.buffer.write(b''.join(lines[:2900] + lines[3000:]))" >"$T/want"
cmp_file "$T/out" "$T/want" "damage: every other frame's events come out"
# Damage of other kinds: a frame past the end of its segment, a size and
# a count the index disagrees with.
cp -r "$T/j" "$T/jt"
python3 - "$T/jt" <<'EOF'
import sqlite3, sys, os
d = sys.argv[1]
db = sqlite3.connect(d + "/index.db")
seg, off = db.execute("SELECT seg, off FROM frames WHERE id=8").fetchone()
os.truncate("%s/seg-%010d.zst" % (d, seg), off + 10)
db.execute("UPDATE frames SET raw_len = raw_len + 1 WHERE id=20")
db.execute("UPDATE frames SET count = count - 1 WHERE id=40")
db.commit()
EOF
mkt-replay "$T/jt" >"$T/out" 2>"$T/err"
is "$?" 1 "damage kinds: exit status 1"
is "$(sed 's/.* at offset [0-9]*: //; s/[0-9][0-9]*/N/g' "$T/err")" \
"truncated: the segment ends N bytes into the frame
N bytes decompressed, the index says N
N events, the index says N" "damage kinds: each reason said"
is "$(wc -l <"$T/out" | tr -d ' ')" 6200 "damage kinds: the other 62 frames"

# Errors.
mkt-replay "$T/nosuch" 2>"$T/err"
is "$?" 1 "a missing journal: exit 1"
check "a missing journal: said" grep -q "nosuch" "$T/err"
mkt-replay 2>/dev/null
is "$?" 2 "no directory: usage error"
mkt-replay "$T/j" --from yesterday 2>/dev/null
is "$?" 2 "a bad time: usage error"
mkt-replay "$T/j" --speed 0 2>/dev/null
is "$?" 2 "--speed 0: usage error"
mkt-replay "$T/j" --to 1 --from 2 2>/dev/null
is "$?" 2 "--to before --from: usage error"
mkt-replay "$T/j" 2>"$T/err" | head -n 1 >/dev/null
check "EPIPE: quiet" test ! -s "$T/err"
mkt-replay "$T/j" >/dev/full 2>"$T/err"
is "$?" 1 "ENOSPC: exit 1"
done_testing
