#!/bin/sh
# Torn tails and damage.  On open, mkt-journal append indexes complete
# frames that a crash left unindexed, and moves a torn or corrupt tail
# to SEG.torn (cutting it off); rows that point past a segment's end or
# at a missing segment go.  verify names the exact segment and offset of
# a damaged frame and of an index that disagrees with its frames.
. "$(dirname "$0")/lib.sh"

CHECK=$TOP/tests/tools/journal-check.py
content() {
	cat "$1"/seg-*.zst | zstd -dcq
}
fsize() {
	stat -c %s "$1"
}
# Flip the byte at offset $2 of file $1.
flip() {
	python3 -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
f = open(p, "r+b"); f.seek(o); b = f.read(1); f.seek(o)
f.write(bytes([b[0] ^ 0xff])); f.close()' "$1" "$2"
}
# A standalone zstd frame (checksum and content size) of file $1.
frame() {
	zstd -q -c "$1"
}

J=$T/j
S=$J/seg-0000000001.zst
gen-events --events 2000 --seed 1 >"$T/in"
check "append" mkt-journal append --frame-size 4k "$J" <"$T/in"
cp "$T/in" "$T/want"

# Garbage after the last frame.
size=$(fsize "$S")
printf 'garbage!' >>"$S"
gen-events --events 10 --seed 2 --run 1 >"$T/in2"
check "reopen after garbage" mkt-journal append "$J" <"$T/in2" 2>"$T/err"
cat "$T/in2" >>"$T/want"
is "$(cat "$T/err")" "mkt-journal: '$J': seg-0000000001.zst: torn tail at offset $size (8 bytes: no zstd frame here (bad magic number)) moved to seg-0000000001.zst.torn" \
	"the torn tail is named"
is "$(cat "$S.torn")" "garbage!" "and kept aside in SEG.torn"
content "$J" >"$T/out"
cmp_file "$T/out" "$T/want" "everything before it survives, the new run follows"
check "verify passes" mkt-journal verify "$J"

# A crash in the middle of writing a frame: half a frame.
gen-events --events 30 --seed 3 --run 2 >"$T/f"
frame "$T/f" >"$T/f.zst"
size=$(fsize "$S")
head -c 40 "$T/f.zst" >>"$S"
check "reopen after half a frame" mkt-journal append "$J" </dev/null \
	2>"$T/err"
is "$(cat "$T/err")" "mkt-journal: '$J': seg-0000000001.zst: torn tail at offset $size (40 bytes: incomplete frame) moved to seg-0000000001.zst.torn" \
	"an incomplete frame is a torn tail"
is "$(fsize "$S.torn")" 48 "SEG.torn collects every cut"
is "$(fsize "$S")" "$size" "the segment is cut where the frame began"

# A crash after a frame was written, before the sync indexed it: kept.
cat "$T/f.zst" >>"$S"
check "reopen after an unindexed frame" \
	mkt-journal append --ack "$T/ack" "$J" </dev/null 2>"$T/err"
cat "$T/f" >>"$T/want"
# Its trades then go into the history tables too.
is "$(cat "$T/err")" "mkt-journal: '$J': indexed 1 frames (30 events) found past the end of the index
mkt-journal: '$J': history tables caught up with $(grep -c '"type":"trade"' "$T/f") events from seq 2010" \
	"a complete frame past the index is indexed"
is "$(jq -c '[.seq, .count]' "$T/ack")" "[2040,0]" "its events have seqs"
content "$J" >"$T/out"
cmp_file "$T/out" "$T/want" "its events are in the journal"
check "verify passes" mkt-journal verify "$J"

# Frames that are whole but not journal frames are torn tails too.
torn_case() {
	size=$(fsize "$S")
	cat >>"$S"
	mkt-journal append "$J" </dev/null 2>"$T/err"
	is "$(cat "$T/err")" "mkt-journal: '$J': seg-0000000001.zst: torn tail at offset $size ($(($(fsize "$S.torn") - $3)) bytes: $1) moved to seg-0000000001.zst.torn" \
		"$2"
}
t=$(fsize "$S.torn")
zstd -q -c --no-check "$T/f" >"$T/x"
torn_case "frame without a checksum" "a frame without a checksum" "$t" <"$T/x"
t=$(fsize "$S.torn")
printf '{"type":"x"}' >"$T/nolf"
frame "$T/nolf" >"$T/x"
torn_case "content does not end with a newline" \
	"content without a final newline" "$t" <"$T/x"
t=$(fsize "$S.torn")
printf '{"type":"x"}\nnot json\n' >"$T/notjson"
frame "$T/notjson" >"$T/x"
torn_case "line 2 of the frame: invalid JSON at byte 1: not a JSON object" \
	"a line that is not an event" "$t" <"$T/x"
t=$(fsize "$S.torn")
frame "$T/f" >"$T/x"
flip "$T/x" $(($(fsize "$T/x") - 2))
torn_case "Restored data doesn't match checksum" "a checksum mismatch" \
	"$t" <"$T/x"
content "$J" >"$T/out"
cmp_file "$T/out" "$T/want" "nothing of them got in"
check "verify passes" mkt-journal verify "$J"

# The segment cut inside indexed frames (a disk that lost them): rows
# past the end go, the piece of a frame left is torn, seqs go on.
python3 "$CHECK" frames "$J" | tail -1 >"$T/last"
read -r seg off len raw count first <"$T/last"
truncate -s $((off + 10)) "$S"
mkt-journal append --ack "$T/ack" "$J" </dev/null 2>"$T/err"
is "$(head -1 "$T/err")" "mkt-journal: '$J': seg-0000000001.zst: shorter than the index says ($((off + 10)) bytes, not $((off + len))); 1 frames past its end were removed from the index" \
	"rows past the end of a segment are removed"
is "$(sed -n 2p "$T/err")" "mkt-journal: '$J': seg-0000000001.zst: torn tail at offset $off (10 bytes: incomplete frame) moved to seg-0000000001.zst.torn" \
	"what is left of the frame is torn"
is "$(jq -c .seq "$T/ack")" "$((first + count))" "seqs are not reused"
head -n "$first" "$T/want" >"$T/want2"
content "$J" >"$T/out"
cmp_file "$T/out" "$T/want2" "the frames before the cut are intact"
check "verify passes" mkt-journal verify "$J"

# A segment the index does not know (crash after a rotation): indexed;
# a segment file that disappeared: its rows go.
M=$T/m
gen-events --events 3000 --seed 4 >"$T/in4"
mkt-journal append --frame-size 4k --segment-size 16k "$M" <"$T/in4"
last=$(ls "$M" | grep '^seg-' | tail -1)
n=$(echo "$last" | sed 's/^seg-0*//; s/\.zst$//')
next=$(printf 'seg-%010d.zst' $((n + 1)))
frame "$T/f" >"$M/$next"
python3 "$CHECK" frames "$M" | awk '$1 == 2' >"$T/seg2"
rm "$M/seg-0000000002.zst"
mkt-journal append "$M" </dev/null 2>"$T/err"
is "$(cat "$T/err")" "mkt-journal: '$M': seg-0000000002.zst: missing; its $(wc -l <"$T/seg2") frames were removed from the index
mkt-journal: '$M': indexed 1 frames (30 events) found past the end of the index
mkt-journal: '$M': history tables caught up with $(grep -c '"type":"trade"' "$T/f") events from seq 3000" \
	"a missing segment's rows go, an unknown one is indexed"
check "verify passes" mkt-journal verify "$M"
is "$(content "$M" | wc -l)" \
	"$((3000 - $(awk '{ n += $5 } END { print n }' "$T/seg2") + 30))" \
	"the journal holds the rest and the new segment"

# verify: damaged frames are named by segment and offset.
C=$T/c
gen-events --events 5000 --seed 5 >"$T/in5"
mkt-journal append --frame-size 4k --segment-size 64k "$C" <"$T/in5"
python3 "$CHECK" frames "$C" >"$T/frames"
nf=$(wc -l <"$T/frames")
sed -n "$((nf / 2))p" "$T/frames" >"$T/mid"
read -r seg off len raw count first <"$T/mid"
name=$(printf 'seg-%010d.zst' "$seg")
flip "$C/$name" $((off + len / 2))
mkt-journal verify "$C" >"$T/out" 2>"$T/err"
is "$?" 1 "verify exits 1 on damage"
is "$(cut -d: -f1 "$T/out")" "$name at offset $off" \
	"it names the segment and offset of the damaged frame, and only it"
is "$(cat "$T/err")" "mkt-journal: '$C': 1 problem found" "and counts"
sed -n "$((nf / 4))p" "$T/frames" >"$T/q"
read -r seg2 off2 len2 raw2 count2 first2 <"$T/q"
name2=$(printf 'seg-%010d.zst' "$seg2")
flip "$C/$name2" "$off2"
mkt-journal verify "$C" >"$T/out" 2>/dev/null
is "$(head -1 "$T/out")" "$name2 at offset $off2: no zstd frame here (bad magic number)" \
	"a broken frame header is named"
is "$(sed -n 2p "$T/out" | cut -d: -f1)" "$name at offset $off" \
	"the first damage is still named"
# reindex (of a copy) skips damage and cuts nothing but a torn tail.
cp -r "$C" "$T/c2"
check "reindex of a damaged journal" mkt-journal reindex "$T/c2" 2>"$T/err"
check "notes what it could not index" grep -q \
	"^mkt-journal: '$T/c2': $name2 at offset $off2: no zstd frame here (bad magic number): the rest of the segment ([0-9]* bytes) is not indexed$" \
	"$T/err"
for f in "$C"/seg-*; do cmp -s "$f" "$T/c2/${f##*/}" || echo "$f"; done >"$T/changed"
is "$(cat "$T/changed")" "" "and changes no segment"
mkt-journal verify "$T/c2" >"$T/out" 2>/dev/null
is "$(head -1 "$T/out" | cut -d: -f1)" "$name2 at offset $off2" \
	"verify still names the damage"
flip "$C/$name2" "$off2"
flip "$C/$name" $((off + len / 2))
check "repaired: verify passes" mkt-journal verify "$C"

# verify: an index that disagrees with the frames.
python3 "$CHECK" sql "$C" "UPDATE frames SET count = count + 1 WHERE seg = $seg AND off = $off"
mkt-journal verify "$C" >"$T/out" 2>/dev/null
is "$(head -1 "$T/out")" "$name at offset $off: the index says $((count + 1)) events, the frame holds $count" \
	"a wrong count is named"
python3 "$CHECK" sql "$C" "UPDATE frames SET count = count - 1, max_time = max_time + 1 WHERE seg = $seg AND off = $off"
mkt-journal verify "$C" >"$T/out" 2>/dev/null
is "$(cut -d, -f1 "$T/out")" "$name at offset $off: the index says max_time $(python3 "$CHECK" sql "$C" "SELECT max_time FROM frames WHERE seg = $seg AND off = $off")" \
	"a wrong time is named"
python3 "$CHECK" sql "$C" "UPDATE frames SET max_time = max_time - 1 WHERE seg = $seg AND off = $off; DELETE FROM frame_keys WHERE frame = (SELECT id FROM frames WHERE seg = $seg AND off = $off) AND key = (SELECT min(key) FROM frame_keys WHERE frame = (SELECT id FROM frames WHERE seg = $seg AND off = $off))"
mkt-journal verify "$C" >"$T/out" 2>/dev/null
check "a key missing from the index is named" \
	grep -q "^$name at offset $off: the frame holds key .* which the index does not list$" "$T/out"
rm "$C/$name2"
mkt-journal verify "$C" >"$T/out" 2>/dev/null
check "a missing segment is named" grep -qx "$name2 at offset 0: segment file missing" "$T/out"
mkt-journal verify "$T/nothing" 2>"$T/err"
is "$?" 1 "verify of a directory without a journal fails"
is "$(cat "$T/err")" "mkt-journal: no journal in '$T/nothing'" "and says so"
done_testing
