#!/bin/sh
# mkt-replay --from T --book: each book starts with a snapshot of it at T
# (rebuilt from the journal's last snapshot or checkpoint before T), so
# that `mkt-replay J --from T --book | mkt-book` is valid from its first
# line and gives, from T on, the very books of `mkt-replay J | mkt-book`.
# Real Binance spot, USD-M futures and Bybit v5 captures
# (tests/data/cryptofeed), with and without mkt-book --checkpoint in
# front of the journal; and mkt-depth's bands, coverage included, with
# mkt-depth --checkpoint.
. "$(dirname "$0")/lib.sh"

need_tools python3 jq zstd

CF=$DATA/cryptofeed
TOOLS=$TOP/tests/tools
conv() { _o=$1; shift; python3 "$TOOLS/capture2events.py" "$@" >"$_o"; }

python3 "$TOOLS/capture2events.py" --snapshot-first binance-spot \
    "$CF/BINANCE.http.0.0" "$CF/BINANCE.ws.1.0" >"$T/spot.ev"
python3 "$TOOLS/capture2events.py" --snapshot-first binance-futures \
    "$CF/BINANCE_FUTURES.http.0.0" "$CF/BINANCE_FUTURES.ws.1.0" \
    >"$T/futures.ev"
python3 "$TOOLS/capture2events.py" bybit "$CF/BYBIT.jsonl.zst" >"$T/bybit.ev"

# books FILE T: the book events of FILE at or after T.
books() {
	grep '^{"type":"book"' "$1" |
		awk -v t="$2" 'match($0, /"time":[0-9]+/) &&
			substr($0, RSTART + 7, RLENGTH - 7) + 0 >= t'
}

# bands FILE T: the bands events of FILE at or after T.
bands() {
	grep '^{"type":"bands"' "$1" |
		awk -v t="$2" 'match($0, /"time":[0-9]+/) &&
			substr($0, RSTART + 7, RLENGTH - 7) + 0 >= t'
}

# first_not_snapshot FILE: books whose first snapshot or depth event in
# FILE is not a snapshot (0 when every book is valid from its start).
first_not_snapshot() {
	sed -n 's/^{"type":"\(snapshot\|depth\)","venue":"\([^"]*\)","market":"\([^"]*\)","symbol":"\([^"]*\)".*/\2:\3:\4 \1/p' "$1" |
	awk '!seen[$1]++ && $2 != "snapshot" { n++ } END { print n + 0 }'
}

# anchored NAME J EVENTS: at five times across the stream, the anchored
# replay against the whole one.
anchored() {
	name=$1 j=$2 ev=$3
	mkt-replay "$j" | mkt-book --levels 0 >"$T/full"
	a=$(jq -r 'select(.time) | .time' "$ev" | sort -n | head -n 1)
	z=$(jq -r 'select(.time) | .time' "$ev" | sort -n | tail -n 1)
	same=0 valid=0 inval=0 total=0 anch=0
	for k in 1 2 3 4 5; do
		t=$((a + (z - a) * k / 6))
		mkt-replay "$j" --from "$t" --book >"$T/rep" 2>"$T/err" ||
			echo "# $name: mkt-replay --from $t --book failed"
		mkt-book --levels 0 <"$T/rep" >"$T/anch"
		books "$T/full" "$t" >"$T/want"
		books "$T/anch" "$t" >"$T/got"
		cmp -s "$T/got" "$T/want" && same=$((same + 1))
		[ "$(first_not_snapshot "$T/rep")" = 0 ] && valid=$((valid + 1))
		n=$(grep -c '"state":"invalid"' "$T/anch")
		inval=$((inval + n))
		total=$((total + $(wc -l <"$T/want")))
		# The anchors: snapshots stamped before T, each first of its
		# book, marked as checkpoints.
		n=$(grep '^{"type":"snapshot".*"checkpoint":true}$' "$T/rep" |
			awk -v t="$t" 'match($0, /"time":[0-9]+/) &&
				substr($0, RSTART + 7, RLENGTH - 7) + 0 < t' |
			wc -l)
		anch=$((anch + n))
	done
	is "$same" 5 "$name: from 5 times, mkt-book's books equal the whole replay's"
	is "$valid" 5 "$name: every book starts with a snapshot"
	is "$inval" 0 "$name: mkt-book finds no gap after an anchor"
	check "$name: there were books to compare ($total)" [ "$total" -gt 100 ]
	check "$name: books were anchored ($anch)" [ "$anch" -gt 5 ]
}

# anchored_bands NAME J EVENTS: the same with mkt-depth, whose bands
# also say how far each book is known (the checkpoints carry it).
anchored_bands() {
	name=$1 j=$2 ev=$3
	mkt-replay "$j" | mkt-depth >"$T/full"
	a=$(jq -r 'select(.time) | .time' "$ev" | sort -n | head -n 1)
	z=$(jq -r 'select(.time) | .time' "$ev" | sort -n | tail -n 1)
	same=0 total=0
	for k in 1 3 5; do
		t=$((a + (z - a) * k / 6))
		mkt-replay "$j" --from "$t" --book 2>/dev/null | mkt-depth \
		    >"$T/anch"
		bands "$T/full" "$t" >"$T/want"
		bands "$T/anch" "$t" >"$T/got"
		cmp -s "$T/got" "$T/want" && same=$((same + 1))
		total=$((total + $(wc -l <"$T/want")))
	done
	is "$same" 3 "$name: from 3 times, mkt-depth's bands equal the whole replay's"
	check "$name: there were bands to compare ($total)" [ "$total" -gt 100 ]
}

for v in spot futures bybit; do
	# Checkpoints from mkt-depth, as a collector of bands writes them.
	mkt-depth --checkpoint 2s --interval 1m <"$T/$v.ev" |
		mkt-journal append "$T/jd-$v"
	anchored_bands "$v, mkt-depth checkpoints" "$T/jd-$v" "$T/$v.ev"

	# A collector's journal: checkpoints every 2 s of event time.
	mkt-book --checkpoint 2s --interval 1m <"$T/$v.ev" |
		mkt-journal append "$T/jc-$v"
	check "$v: the collector's journal holds checkpoints" \
		[ "$(mkt-replay "$T/jc-$v" | grep -c '"checkpoint":true')" -gt 3 ]
	anchored "$v, checkpoints" "$T/jc-$v" "$T/$v.ev"
	# Without checkpoints: from the venue's last snapshot before T.
	mkt-journal append "$T/j-$v" <"$T/$v.ev"
	anchored "$v, venue snapshots" "$T/j-$v" "$T/$v.ev"
done

# Filters still apply after the anchor.
a=$(jq -r 'select(.time) | .time' "$T/bybit.ev" | sort -n | head -n 1)
t=$((a + 20000))
mkt-replay "$T/j-bybit" --from "$t" --book --symbol ETHUSDT --type depth \
    >"$T/out"
is "$(jq -r '"\(.symbol) \(.type)"' "$T/out" | sort -u | tr '\n' ' ')" \
    "ETHUSDT depth ETHUSDT snapshot " "--symbol, --type: the anchor, then the events chosen"
is "$(head -n 1 "$T/out" | jq -r .type)" snapshot "--type depth: the anchor first"

# A book with no snapshot before T is said so, and follows as recorded.
t=$(jq -r 'select(.type == "snapshot" and .symbol == "RUNEEUR") | .time' \
    "$T/spot.ev")
mkt-replay "$T/j-spot" --from "$((t - 1))" --book --symbol RUNEEUR \
    >"$T/out" 2>"$T/err"
is "$?" 0 "no book yet at T: exit 0"
check "no book yet at T: said on stderr" \
    grep -q 'binance:spot:RUNEEUR: no valid book at' "$T/err"
is "$(head -n 1 "$T/out" | jq -r '.type, .checkpoint' | tr '\n' ' ')" \
    "snapshot null " "no book yet at T: the venue's snapshot comes as recorded"

# Usage.
mkt-replay "$T/j-spot" --book 2>"$T/err"
is "$?" 2 "--book without --from: exit 2"
check "--book without --from: says so" grep -q -- '--book needs --from' "$T/err"
mkt-replay "$T/j-spot" --book --from 0 --cursor c 2>/dev/null
is "$?" 2 "--book with --cursor: exit 2"

done_testing
