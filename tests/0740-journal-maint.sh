#!/bin/sh
# ls, stats, prune and reindex: their output checked against what was
# appended, whole closed segments pruned by time (the open one never),
# their rows gone, segment numbers and seqs never reused, reindex keeping
# seqs.
. "$(dirname "$0")/lib.sh"

CHECK=$TOP/tests/tools/journal-check.py
content() {
	cat "$1"/seg-*.zst | zstd -dcq
}
# Epoch ms as mkt prints it: RFC 3339, milliseconds when not zero.
rfc() {
	python3 -c 'import sys, datetime
ms = int(sys.argv[1])
d = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
print(d.strftime("%Y-%m-%dT%H:%M:%S") + (".%03d" % (ms % 1000) if ms % 1000 else "") + "Z")' "$1"
}
DAY=86400000
D1=1793491200000	# 2026-11-01T00:00:00Z
J=$T/j

# Three closed segments a day apart (--segment-size 1: each run's one
# frame fills its segment), then an open one.
i=0
for t in $D1 $((D1 + DAY)) $((D1 + 2 * DAY)) $((D1 + 2 * DAY + 3600000)); do
	i=$((i + 1))
	gen-events --events 100 --run $i --seed $i --time $t >"$T/in$i"
	size=1
	[ $i -eq 4 ] && size=64M
	mkt-journal append --segment-size $size "$J" <"$T/in$i"
done
cat "$T/in1" "$T/in2" "$T/in3" "$T/in4" >"$T/all"

# ls: one line per segment.
mkt-journal ls "$J" >"$T/ls"
is "$(head -1 "$T/ls" | tr -s ' ')" "SEGMENT FRAMES EVENTS BYTES RAW FIRST LAST" \
	"ls has a header"
i=0
for f in "$J"/seg-*.zst; do
	i=$((i + 1))
	lo=$(jq -s '[.[].time | numbers] | min' "$T/in$i")
	hi=$(jq -s '[.[].time | numbers] | max' "$T/in$i")
	is "$(sed -n "$((i + 1))p" "$T/ls" | tr -s ' ')" \
		"${f##*/} 1 100 $(stat -c %s "$f") $(wc -c <"$T/in$i") $(rfc "$lo") $(rfc "$hi")" \
		"ls: segment $i"
done
is "$(mkt-journal ls --json "$J" | jq -c '[.seg, .frames, .events, .closed]' | tr '\n' ' ')" \
	"[1,1,100,true] [2,1,100,true] [3,1,100,true] [4,1,100,false] " \
	"ls --json"
is "$(mkt-journal ls --json "$J" | jq -s '[.[] | .first_time] | .[0]')" \
	"$(jq -s '[.[].time | numbers] | min' "$T/in1")" \
	"ls --json gives times as epoch ms"

# stats: the totals, then per venue, market and symbol.
mkt-journal stats --json "$J" >"$T/stats"
raw=$(wc -c <"$T/all")
bytes=$(cat "$J"/seg-*.zst | wc -c)
is "$(head -1 "$T/stats" | jq -c '[.events, .segments, .frames, .bytes, .raw_bytes, .next_seq]')" \
	"[400,4,4,$bytes,$raw,400]" "stats --json totals"
is "$(head -1 "$T/stats" | jq -c '[.oldest, .newest]')" \
	"$(jq -s -c '[.[].time | numbers] | [min, max]' "$T/all")" \
	"stats: oldest and newest"
jq -s -c 'group_by([.venue // "", .market // "", .symbol // ""]) | .[] |
	{type: "symbol_stats", venue: (.[0].venue // ""),
	 market: (.[0].market // ""), symbol: (.[0].symbol // ""),
	 events: length,
	 oldest: ([.[].time | numbers] | min),
	 newest: ([.[].time | numbers] | max),
	 days: ([.[].time | numbers | (. / 86400000 | floor)] | unique | length)}' \
	"$T/all" >"$T/want"
tail -n +2 "$T/stats" >"$T/got"
cmp_file "$T/got" "$T/want" "stats: count, oldest, newest, days per symbol"
mkt-journal stats "$J" >"$T/st"
is "$(sed -n 1p "$T/st" | tr -s ' ')" "events 400" "stats: events"
is "$(grep '^ratio' "$T/st" | tr -s ' ')" \
	"ratio $(python3 -c "print('%.2f' % ($raw / $bytes))")" \
	"stats: compression ratio"
is "$(grep -c '' "$T/st")" "$((11 + 1 + $(wc -l <"$T/want")))" \
	"stats: a line per symbol"
is "$(grep '^binance *spot *BTCUSDT ' "$T/st" | awk '{ print $4 }')" \
	"$(jq -s '[.[] | select(.venue == "binance" and .market == "spot" and .symbol == "BTCUSDT")] | length' "$T/all")" \
	"stats: a symbol's count in the table"

# prune: closed segments whose newest event is older than the cut-off.
check "prune --keep-minutes alone leaves the segments" \
	mkt-journal prune --keep-minutes 1d --now $((D1 + 2 * DAY)) "$J"
is "$(ls "$J" | grep -c '^seg-')" 4 "all four are still there"
b12=$(($(stat -c %s "$J/seg-0000000001.zst") + $(stat -c %s "$J/seg-0000000002.zst")))
mkt-journal prune -v --keep 1d --now "2026-11-03T12:00:00Z" "$J" 2>"$T/err"
is "$(cat "$T/err")" "mkt-journal: '$J': pruned 0 minute rows older than 2026-11-02T12:00:00Z
mkt-journal: '$J': pruned 2 segments (2 frames, 200 events, $b12 bytes) older than 2026-11-02T12:00:00Z" \
	"prune says what it did"
is "$(ls "$J" | grep '^seg-' | tr '\n' ' ')" \
	"seg-0000000003.zst seg-0000000004.zst " "the two oldest are gone"
is "$(python3 "$CHECK" sql "$J" 'SELECT count(*) FROM frames WHERE seg < 3;
	SELECT count(*) FROM segments WHERE seg < 3;
	SELECT count(*) FROM frame_keys WHERE frame NOT IN (SELECT id FROM frames)' | tr '\n' ' ')" \
	"0 0 0 " "and their rows"
cat "$T/in3" "$T/in4" >"$T/want"
content "$J" >"$T/out"
cmp_file "$T/out" "$T/want" "the rest is intact"
check "verify passes after prune" mkt-journal verify "$J"
is "$(mkt-journal stats --json "$J" | head -1 | jq -c '[.events, .next_seq]')" \
	"[200,400]" "seqs are not renumbered"
check "prune --keep 0 keeps the open segment" \
	mkt-journal prune --keep 0 "$J"
is "$(ls "$J" | grep '^seg-' | tr '\n' ' ')" "seg-0000000004.zst " \
	"only the open segment is left"

# New events: the full open segment is closed and a new one started;
# once they are pruned, numbers and seqs are still not reused.
gen-events --events 50 --run 5 --seed 5 --time $D1 >"$T/in5"
mkt-journal append --segment-size 1 --ack "$T/ack" "$J" <"$T/in5"
is "$(jq -c '[.seq, .count]' "$T/ack" | tr '\n' ' ')" "[400,0] [450,50] " \
	"seqs go on after the pruned ones"
check "prune --keep-raw 0" mkt-journal prune --keep-raw 0 "$J"
is "$(ls "$J" | grep -c '^seg-')" 0 "every closed segment is gone"
mkt-journal append "$J" <"$T/in1"
is "$(ls "$J" | grep '^seg-')" "seg-0000000006.zst" \
	"segment numbers are not reused"
is "$(python3 "$CHECK" frames "$J" | awk '{ print $6 }')" 450 \
	"nor seqs"

# An open segment that may grow goes on.
mkt-journal append "$J" <"$T/in2"
is "$(ls "$J" | grep '^seg-')" "seg-0000000006.zst" \
	"the next run appends to the open segment"
mkt-journal append --segment-size 1 "$J" <"$T/in3"

# reindex keeps seqs and frame ids; without an index, seqs start at 0.
cp -r "$J" "$T/copy"
check "reindex" mkt-journal reindex "$J"
check "the index is unchanged" \
	python3 "$CHECK" same-index "$T/copy" "$J"
rm "$J/index.db"
check "reindex without an index" mkt-journal reindex "$J" 2>/dev/null
is "$(python3 "$CHECK" frames "$J" | awk '{ print $1, $6 }' | tr '\n' ' ')" \
	"6 0 6 100 7 200 " "numbers seqs from 0 then"
check "verify passes" mkt-journal verify "$J"
cat "$T/in1" "$T/in2" "$T/in3" >"$T/want"
content "$J" >"$T/out"
cmp_file "$T/out" "$T/want" "and the events are all there"
done_testing
