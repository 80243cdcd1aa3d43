#!/bin/sh
# 0131-keep: a stage that derives events keeps its inputs where a journal
# downstream needs them: mkt-book and mkt-depth --keep pass the events
# they consume, each after what it caused (a window it closed, a status,
# its book); --keep is independent of --no-pass; a bad event is not
# kept.  mkt-diff passes the bands through after their imbalance (and
# --no-pass drops them).
. "$(dirname "$0")/lib.sh"

S='{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1000,"last_id":10,"bids":[[100,1]],"asks":[[101,1]]}'
D1='{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":2000,"first_id":11,"last_id":11,"bids":[[100,2]],"asks":[]}'
D2='{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":61000,"first_id":12,"last_id":12,"bids":[],"asks":[[101,3]]}'
GAP='{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":62000,"first_id":20,"last_id":20,"bids":[],"asks":[[101,4]]}'
BAD='{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":63000,"first_id":13,"last_id":13,"bids":"none","asks":[]}'
TR='{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":2500,"id":1,"price":100,"qty":1,"side":"buy"}'
printf '%s\n' "$S" "$D1" "$TR" "$D2" "$GAP" "$BAD" >"$T/in"

# shape FILE: one word a line: the type, and for what was passed or kept
# its time, so that the order shows.
shape() {
	jq -r 'if .type == "status" then "status:\(.state)"
		elif .type == "snapshot" or .type == "depth" or .type == "trade"
		then "\(.type):\(.time)" else "\(.type)" end' "$1" | tr '\n' ' '
}

for prog in mkt-book mkt-depth; do
	case $prog in
	mkt-book) out=book ;;
	mkt-depth) out=bands ;;
	esac
	"$prog" <"$T/in" >"$T/plain" 2>/dev/null
	"$prog" --keep <"$T/in" >"$T/keep" 2>"$T/err"
	is "$?" 0 "$prog --keep: exit 0"
	is "$(shape "$T/keep")" \
		"$out snapshot:1000 $out depth:2000 trade:2500 $out depth:61000 status:invalid depth:62000 " \
		"$prog --keep: each consumed event after what it caused; the bad one not kept"
	check "$prog --keep: the bad line is still reported" \
		grep -q "^$prog: line 6: " "$T/err"
	grep -v -E '^\{"type":"(snapshot|depth)"' "$T/keep" >"$T/derived"
	cmp_file "$T/derived" "$T/plain" "$prog --keep: the rest is what it writes without"
	grep -E '^\{"type":"(snapshot|depth)"' "$T/keep" >"$T/kept"
	head -n 5 "$T/in" | grep -v trade >"$T/kept.want"
	cmp_file "$T/kept" "$T/kept.want" "$prog --keep: kept byte for byte"

	# Windows: the bands or books of a window come before the event that
	# closed it, so event time only moves forward in the journal.
	"$prog" --keep --no-pass --interval 1m <"$T/in" >"$T/win" 2>/dev/null
	is "$(shape "$T/win")" \
		"snapshot:1000 depth:2000 $out depth:61000 status:invalid depth:62000 " \
		"$prog --keep --interval 1m --no-pass: the window before the event of the next; the trade dropped"
done

# mkt-depth takes book events too, and keeps them.
printf '%s\n' "$S" | mkt-book | mkt-depth --keep >"$T/bk"
is "$(shape "$T/bk")" "bands book " "mkt-depth --keep: a book it consumed goes on"

# mkt-diff: bands pass through, after their imbalance; --no-pass drops
# them with the other events it does not derive.
printf '%s\n' "$S" "$D1" | mkt-depth --bands 1 >"$T/bands"
mkt-diff <"$T/bands" >"$T/diff"
is "$(shape "$T/diff")" "imbalance bands imbalance bands " \
	"mkt-diff: each bands event after its imbalance"
grep '"type":"bands"' "$T/diff" >"$T/diff.bands"
cmp_file "$T/diff.bands" "$T/bands" "mkt-diff: the bands unchanged"
mkt-diff --no-pass <"$T/bands" >"$T/diff.np"
is "$(shape "$T/diff.np")" "imbalance imbalance " "mkt-diff --no-pass: imbalance only"

# --keep is listed in the help of both, and not taken by mkt-diff.
for prog in mkt-book mkt-depth; do
	check "$prog -h lists --keep" sh -c "$prog -h | grep -q -- '--keep'"
done
mkt-diff --keep </dev/null >/dev/null 2>&1
is "$?" 2 "mkt-diff --keep is a usage error (it passes bands anyway)"
done_testing
