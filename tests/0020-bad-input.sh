#!/bin/sh
# Bad input never stops a program and never disturbs the good events
# around it: each bad line is reported as "mkt-NAME: line N: reason" and
# skipped, and the output equals the output of the good lines alone.
. "$(dirname "$0")/lib.sh"

good="$T/good"
mixed="$T/mixed"

# Good events for all three programs: a book stream and a bands event.
cat >"$good" <<'EOT'
{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1000,"last_id":1,"bids":[["100","1"],["99","2"]],"asks":[["101","1"],["102","2"]]}
{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1010,"first_id":2,"last_id":2,"bids":[["100","2"]],"asks":[]}
{"type":"bands","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1010,"bands":[{"pct":1.5,"bid_qty":3,"ask_qty":1,"bid_value":299.5,"ask_value":101,"complete":true}]}
{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1020,"first_id":3,"last_id":3,"bids":[],"asks":[["101","0.5"]]}
EOT

# bad KIND LINE: append a bad line to the mixed input.  KIND says who
# must reject it: "all" (not a valid event at all), "books" (a bad
# snapshot or depth: mkt-book and mkt-depth reject it, mkt-diff passes it
# through untouched) or "bands" (the reverse).
n=0
: >"$mixed"
: >"$T/kinds"
bad() {
	printf '%s\n' "$2" >>"$mixed"
	n=$((n + 1))
	echo "$n $1" >>"$T/kinds"
}
goodline() {
	sed -n "$1p" "$good" >>"$mixed"
	n=$((n + 1))
}

bad all '{"type":"depth","venue":"binance"'			# truncated
goodline 1
bad all "$(printf '{"type":"x","s":"\377"}')"			# invalid UTF-8
printf '{"type":"x","s":"a\000b"}\n' >>"$mixed"		# NUL byte
n=$((n + 1)); echo "$n all" >>"$T/kinds"
python3 -c 'import sys; sys.stdout.write("{\"type\":\"x\",\"pad\":\"" + "a" * (10 << 20) + "\"}\n")' >>"$mixed"
n=$((n + 1)); echo "$n all" >>"$T/kinds"			# 10 MB line
goodline 2
bad books '{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","first_id":"two","last_id":3,"bids":[],"asks":[]}'
bad books '{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","last_id":3,"asks":[]}'
bad books '{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","first_id":3,"last_id":3,"bids":[["1234567890123456789012345678901234567890","1"]],"asks":[]}'
bad bands '{"type":"bands","venue":"binance","market":"spot","symbol":"BTCUSDT","bands":[{"pct":1.5,"bid_qty":1234567890123456789012345678901234567890,"ask_qty":1,"bid_value":1,"ask_value":1}]}'
bad bands '{"type":"bands","venue":"binance","market":"spot","symbol":"BTCUSDT","bands":"none"}'
bad all '{"type":7}'
bad all 'null'
bad all ''
goodline 3
goodline 4

for prog in mkt-book mkt-depth mkt-diff; do
	case $prog in
	mkt-diff) mine=bands ;;
	*) mine=books ;;
	esac
	"$prog" <"$good" >"$T/want" 2>"$T/want.err"
	"$prog" <"$mixed" >"$T/got" 2>"$T/got.err"
	is "$?" 0 "$prog: exit 0 despite bad lines"
	want_lines=$(awk -v k="$mine" '$2 == "all" || $2 == k { printf "%s ", $1 }' "$T/kinds")
	got_lines=$(sed -n "s/^$prog: line \([0-9]*\): .*/\1/p" "$T/got.err" |
	    tr '\n' ' ')
	is "$got_lines" "$want_lines" "$prog: each bad line reported once by number"
	# What it does not consume passes through untouched; the rest of the
	# output is exactly what the good lines alone give.
	awk -v k="$mine" '$2 != "all" && $2 != k { print $1 }' "$T/kinds" |
	while read -r l; do sed -n "${l}p" "$mixed"; done >"$T/passed"
	grep -vxF -f "$T/passed" "$T/got" >"$T/got.rest"
	cmp_file "$T/got.rest" "$T/want" "$prog: good events unchanged around bad ones"
	is "$(grep -cxF -f "$T/passed" "$T/got")" "$(wc -l <"$T/passed")" \
	    "$prog: events of other programs pass through unchanged"
	check "$prog: 10 MB line named as too long" \
	    grep -q "^$prog: line 5: line too long" "$T/got.err"
done

# Empty input: no output, no message, exit 0.
for prog in mkt-book mkt-depth mkt-diff; do
	"$prog" </dev/null >"$T/out" 2>"$T/err"
	is "$?" 0 "$prog: empty input exits 0"
	check "$prog: empty input writes nothing" test ! -s "$T/out" -a ! -s "$T/err"
done

# A flood of bad lines is rate-limited with a closing count.
yes 'garbage' | head -n 1000 >"$T/flood"
mkt-book <"$T/flood" >/dev/null 2>"$T/err"
is "$(grep -c 'line [0-9]*:' "$T/err")" 100 "mkt-book: first 100 bad lines reported"
check "mkt-book: the rest counted" grep -q '^mkt-book: 1000 bad lines skipped in all$' "$T/err"
done_testing
