#!/bin/sh
# 0810-journal-history: the history tables as mkt-journal keeps them while
# appending, and `mkt-journal query`, against a brute-force recomputation
# from the events (tests/tools/check-history.py): in the sync's own
# transaction, unchanged by appending the same events again, caught up
# from the segments after a crash or for a journal written without them,
# and pruned by `prune --keep-minutes` with the rollups kept.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

CHECK="python3 $TOP/tests/tools/check-history.py"
MKJ="python3 $TOP/tests/tools/mkjournal.py"
START=1700000000000

gen-bands --symbols 3 --markets 2 --minutes 900 --per-minute 2 \
	--shuffle 90 --seed 7 --start $START >"$T/a.ndjson"
# Trades too: the trades table is built from them.
gen-events --events 3000 >"$T/ev.ndjson"
# (Symbols written with escapes are no symbols of a venue: the history
# tables skip them, and the recomputation does not know that rule.)
grep '"type":"trade"' "$T/ev.ndjson" | grep -v '\\u' >"$T/trades.ndjson"
check "the events have trades" test -s "$T/trades.ndjson"
cat "$T/a.ndjson" "$T/trades.ndjson" >"$T/all.ndjson"

mkt-journal append --sync 20ms --frame-size 64k "$T/j" <"$T/all.ndjson"
is "$?" 0 "append: exit 0"
check "tables and queries equal a recomputation" \
	$CHECK "$T/j/index.db" "$T/all.ndjson" --query "mkt-journal query $T/j"

# Appending the same events again adds no rows and changes nothing.
$CHECK --dump "$T/j/index.db" >"$T/dump1"
mkt-journal append "$T/j" <"$T/all.ndjson"
$CHECK --dump "$T/j/index.db" >"$T/dump2"
cmp_file "$T/dump2" "$T/dump1" "appending the same events again changes nothing"

# A journal written without history tables (here by the independent
# writer of the format): the next append catches them up from the
# segments, in order, before it takes new events.
$MKJ --frame-events 500 "$T/k" <"$T/all.ndjson"
mkt-journal append "$T/k" </dev/null 2>"$T/k.err"
is "$?" 0 "catch-up: exit 0"
is "$(cat "$T/k.err")" \
	"mkt-journal: '$T/k': history tables caught up with $(wc -l <"$T/all.ndjson" | tr -d ' ') events from seq 0" \
	"catch-up: said once, with the count"
# The live append's batches fell where its 20 ms syncs did, the
# catch-up's where the segments' frames end: the sums may differ in
# their last bits (floating-point addition is not associative), so the
# two are compared to 12 significant digits.
$CHECK --dump "$T/j/index.db" --digits 12 >"$T/dump1r"
$CHECK --dump "$T/k/index.db" --digits 12 >"$T/dump3"
cmp_file "$T/dump3" "$T/dump1r" "catch-up: the same tables as appending live"
mkt-journal append "$T/k" </dev/null 2>"$T/k2.err"
is "$(cat "$T/k2.err")" "" "caught up: nothing to do the next time"

# kill -9 while appending: after the journal reopens, the tables hold
# exactly the events of the journal (those synced, and those recovery
# indexed from the segments).
i=0
while [ $i -lt 8 ]; do
	sed -n "$((i * 2000 + 1)),$((i * 2000 + 2000))p" "$T/a.ndjson" >"$T/part"
	(cat "$T/part"; sleep 5) | mkt-journal append --sync 5ms \
	    --ack "$T/c.ack$i" "$T/c" 2>>"$T/c.err" &
	pid=$!
	# Killed once it has made some of its input durable (its first
	# ack): mid-append, or while it waits for more.
	wait_file "$T/c.ack$i"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	i=$((i + 1))
done
mkt-journal append "$T/c" </dev/null 2>>"$T/c.err"
cat "$T"/c/seg-*.zst | zstd -dcq >"$T/c.events"
check "after the kills the journal holds events" test -s "$T/c.events"
check "after kill -9: the tables equal a recomputation from the journal" \
	$CHECK "$T/c/index.db" "$T/c.events"
check "after kill -9: verify passes" mkt-journal verify "$T/c"

# prune --keep-minutes at 10:13:20 the next day: the minutes before 10:00
# go, the rollups stay.
NOW=$((START + 12 * 3600000 + 3600000))
mkt-journal prune --keep-minutes 1h --now $NOW -v "$T/j" 2>"$T/prune.err"
is "$?" 0 "prune --keep-minutes: exit 0"
check "prune says how many minute rows went" \
	grep -q "pruned [1-9][0-9]* minute rows older than" "$T/prune.err"
check "after pruning: minutes after the cutoff, rollups all" \
	$CHECK "$T/j/index.db" "$T/all.ndjson" --cutoff $((NOW - 3600000)) \
	--query "mkt-journal query $T/j"
$CHECK --dump "$T/j/index.db" >"$T/dump4"
sed -n '/^== bands_1h/,/^== fills/p' "$T/dump1" >"$T/roll1"
sed -n '/^== bands_1h/,/^== fills/p' "$T/dump4" >"$T/roll4"
cmp_file "$T/roll4" "$T/roll1" "pruning keeps the rollups unchanged"

# query: usage and errors.
mkt-journal query "$T/j" 2>"$T/q.err"
is "$?" 2 "query without what: usage error"
mkt-journal query "$T/j" series --symbol NOPE --pct 1.5 2>"$T/q.err"
is "$?" 1 "query of an unknown symbol: exit 1"
check "... with a reason" grep -q "^mkt-journal: '$T/j': series: " "$T/q.err"
mkt-journal query "$T/j" latest --format csv >"$T/q.csv"
is "$(head -n 1 "$T/q.csv")" \
	"venue,market,symbol,time,pct,bid_qty,ask_qty,bid_value,ask_value,complete" \
	"query --format csv: a header"
is "$(wc -l <"$T/q.csv" | tr -d ' ')" 37 "latest: 6 symbols x 6 bands, and the header"
done_testing
