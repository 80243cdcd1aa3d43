#!/bin/sh
# mkt-journal append stores lines byte for byte: a million varied events
# through small frames and segments (many rotations) come back identical
# from the segments alone (zstd -dc) and from mkt-replay, the index
# accounts for every one,
# and verify passes.  Also: appending to an existing journal, odd but
# valid lines, a line larger than a frame, rotation by age, zstd level
# 19, input from a unix: socket, and `mkt journal`.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

CHECK=$TOP/tests/tools/journal-check.py
N=1000000
[ -n "$MKT_SANITIZED" ] && N=200000

# The segments alone, decompressed in order.
content() {
	cat "$1"/seg-*.zst | zstd -dcq
}

gen-events --events $N --seed 7 >"$T/in"
J=$T/j
check "append $N events" mkt-journal append --frame-size 64k \
	--segment-size 256k --ack "$T/ack" "$J" <"$T/in"
content "$J" >"$T/out"
cmp_file "$T/out" "$T/in" "the segments hold exactly the lines appended"
mkt-replay "$J" >"$T/out"
cmp_file "$T/out" "$T/in" "mkt-replay gives back exactly the lines appended"
nseg=$(ls "$J" | grep -c '^seg-[0-9]*\.zst$')
check "many segments ($nseg)" test "$nseg" -ge 20
is "$(tail -1 "$T/ack" | jq -c '[.seq, .count, .rejected]')" \
	"[$N,$N,0]" "the last ack: every event durable"
is "$(jq -c 'select((.time | type) != "number" or .time < 1700000000000)' \
	"$T/ack")" "" "every ack, a status, carries the local clock's time"
check "verify passes" mkt-journal verify "$J"
python3 "$CHECK" frames "$J" >"$T/frames"
is "$(awk -v s=0 '$6 != s { bad = 1 } { s += $5 } END { print bad + 0, s }' \
	"$T/frames")" "0 $N" "frames hold contiguous seqs, $N events in all"
is "$(awk 'NR > 1 && $1 == seg && $2 != end { bad = 1 }
	{ seg = $1; end = $2 + $3 } END { print bad + 0 }' "$T/frames")" 0 \
	"frames are back to back in their segments"
is "$(awk '$4 > 65536 + 1024 { n++ } END { print n + 0 }' "$T/frames")" 0 \
	"no frame holds much more than --frame-size"
is "$(mkt-journal stats --json "$J" | jq -s '.[0].events')" "$N" \
	"stats counts them"
is "$(mkt journal ls "$J" | wc -l)" "$((nseg + 1))" "mkt journal ls works"

# A second run appends to the same journal, seqs going on.
gen-events --events 1000 --seed 8 >"$T/in2"
check "append again" mkt-journal append --frame-size 64k --segment-size 256k \
	--ack "$T/ack2" "$J" <"$T/in2"
content "$J" >"$T/out"
cat "$T/in" "$T/in2" >"$T/want"
cmp_file "$T/out" "$T/want" "the second run follows the first"
is "$(head -1 "$T/ack2" | jq -c '[.seq, .count]')" "[$N,0]" \
	"the first ack of a run says where the journal stands"
is "$(tail -1 "$T/ack2" | jq -c '[.seq, .count]')" "[$((N + 1000)),1000]" \
	"its last ack counts this run's events"

# Odd but valid lines: spaces around, CR before the LF, escapes, UTF-8,
# a big line (over the frame size), no time, a last line without LF.
K=$T/k
{
	printf ' {"type":"a","venue":"v","symbol":"S"} \n'
	printf '{"type":"b","time":5}\r\n'
	printf '{"type":"c","symbol":"\\u00e9\\n\\"","time":-3,"recv":7}\n'
	printf '{"type":"d","note":"caf\303\251 \342\202\254"}\n'
	printf '{"type":"e","pad":"'
	head -c 300000 /dev/zero | tr '\0' x
	printf '"}\n'
	printf '{"type":"f","time":"12","recv":1.5}\n'
	printf '{"type":"g"}'
} >"$T/odd"
check "odd lines" mkt-journal append --frame-size 1k "$K" <"$T/odd"
content "$K" >"$T/out"
{ cat "$T/odd"; echo; } >"$T/want"
cmp_file "$T/out" "$T/want" "odd lines kept byte for byte (a last LF added)"
check "verify passes on them" mkt-journal verify "$K"
is "$(mkt-journal ls --json "$K" | jq -c '[.events, .first_time, .last_time]')" \
	"[7,-3,12]" "times read from integers (and integer strings)"

# Rotation by age, at a frame boundary.  The events come for 3 s, 30
# times the segment age, so that a busy machine that runs the appender
# late still sees several ages go by.
A=$T/a
gen-events --events 3000 --rate 1000 --seed 9 >"$T/in3"
gen-events --events 3000 --rate 1000 --seed 9 |
	mkt-journal append --sync 20ms --segment-time 100ms "$A"
content "$A" >"$T/out"
cmp_file "$T/out" "$T/in3" "rotated by age, nothing lost"
nseg=$(ls "$A" | grep -c '^seg-')
check "segments closed by age ($nseg)" test "$nseg" -ge 3
# Every segment before the newest is closed; the newest is open, or
# closed too when its age ran out with the last frame (which end of
# input on a busy machine can meet).
is "$(mkt-journal ls --json "$A" | jq -s 'sort_by(.seg) | [.[:-1][] | select(.closed | not)] | length')" \
	0 "only the newest segment can be open"

# zstd level 19, and the index agrees.
Z=$T/z
check "level 19" mkt-journal append --level 19 "$Z" <"$T/in2"
content "$Z" >"$T/out"
cmp_file "$T/out" "$T/in2" "level 19 round trip"
check "verify passes at level 19" mkt-journal verify "$Z"

# Input from a unix: socket served by another program.
U=$T/u
unix-producer "$T/sock" 1 5000 2>/dev/null &
ppid=$!
wait_sock "$T/sock"
check "append -i unix:PATH" mkt-journal append -i "unix:$T/sock" "$U"
wait $ppid
is "$(content "$U" | jq -s 'map(.n) == [range(5000)]')" true \
	"every event of the socket, in order"
done_testing
