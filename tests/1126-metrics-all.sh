#!/bin/sh
# 1126-metrics-all: --stats and --metrics of the programs 1125 leaves
# out -- mkt-book, mkt-depth, mkt-diff, mkt-candles, mkt-alert and a
# strategy on the shared run loop, mkt-replay --follow, mkt-feed's gaps,
# resyncs, reconnects
# and rate-limit waits against mkt-sim (with mkt-sim's own --metrics),
# and mkt-serve's --metrics FILE.
# Each file passes `promtool check metrics`; its counters equal what the
# test fed (lines in, bad lines, trades, candles, alerts) or what the
# program wrote (events out, invalid books, status events of each
# kind); status events come while the program runs, and the last one
# holds the same samples as the file written at exit.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-metrics.sh"

# count FILE PATTERN: lines of FILE with the fixed string PATTERN.
count() {
	grep -c -F -e "$2" "$1" || :
}
# prom_flat FILE / stat_flat FILE: the samples of a text file and of
# the last status event of an output, as sorted "NAME[.LABEL] VALUE".
prom_flat() {
	awk '!/^#/ { n = $1; sub(/\{.*/, "", n); l = "";
		if (match($1, /,[a-z_]+="[^"]*"/)) {
			l = substr($1, RSTART, RLENGTH); sub(/^,[a-z_]+="/, "", l)
			sub(/"$/, "", l); l = "." l }
		print n l, $2 }' "$1" | sort
}
stat_flat() {
	jq -r -s 'map(select(.state == "stats")) | last | .metrics |
		to_entries[] | if (.value | type) == "object" then
		.key as $k | .value | to_entries[] | "\($k).\(.key) \(.value)"
		else "\(.key) \(.value)" end' "$1" | sort
}
lines_before_last() {
	echo $(($(nlines "$1") - 1))
}

# filter NAME PROG ARG...: run PROG with --stats 1s --metrics $T/NAME.prom
# on $T/NAME.in through a FIFO held open until a status event has come,
# so that one comes while it runs; then check what every program owes.
# $T/NAME.out and $T/NAME.prom stay for the program's own checks.
filter() {
	_fn=$1
	shift
	mkfifo "$T/$_fn.fifo"
	"$@" --stats 1s --metrics "$T/$_fn.prom" <"$T/$_fn.fifo" \
		>"$T/$_fn.out" 2>"$T/$_fn.err" &
	_p=$!
	exec 3>"$T/$_fn.fifo"
	cat "$T/$_fn.in" >&3
	check "$_fn: a status event while it runs" \
		wait_for has_stats "$T/$_fn.out" 1
	check "$_fn: the file is there meanwhile" wait_file "$T/$_fn.prom"
	exec 3>&-
	wait "$_p"
	is "$?" 0 "$_fn: exit 0"
	check "$_fn: promtool check metrics is clean" promtool_ok "$T/$_fn.prom"
	is "$(prom "$T/$_fn.prom" mkt_events_in_total)" "$(nlines "$T/$_fn.in")" \
		"$_fn: events in: the lines given"
	is "$(prom "$T/$_fn.prom" mkt_events_out_total)" \
		"$(lines_before_last "$T/$_fn.out")" \
		"$_fn: events out: every line before the last status"
	is "$(prom "$T/$_fn.prom" mkt_reader_drops_total)" 0 \
		"$_fn: no reader dropped"
	prom_flat "$T/$_fn.prom" >"$T/$_fn.pflat"
	stat_flat "$T/$_fn.out" >"$T/$_fn.sflat"
	cmp_file "$T/$_fn.pflat" "$T/$_fn.sflat" \
		"$_fn: the last status event holds the file's samples"
	check "$_fn: --help names both options" sh -c \
		"$1 -h | grep -q -- '--metrics FILE' && $1 -h | grep -q -- '--stats DUR'"
}

# ---- mkt-book and mkt-depth: a gap makes one book invalid ----
gen-depth --events 400 --levels 20 --symbols 2 >"$T/depth" 2>/dev/null
# The 100th line of the stream, an update, dropped: a gap in its book.
awk 'NR == 100 && /"type":"depth"/ { next } { print }' "$T/depth" \
	>"$T/book.in"
is "$(nlines "$T/book.in")" $(($(nlines "$T/depth") - 1)) \
	"the input lacks one update"
echo 'not json' >>"$T/book.in"
filter book mkt-book --levels 5
is "$(prom "$T/book.prom" mkt_bad_lines_total)" 1 "book: bad lines"
is "$(prom "$T/book.prom" mkt_books_invalid_total)" \
	"$(count "$T/book.out" '"state":"invalid"')" \
	"book: invalid books: the invalid status events"
is "$(prom "$T/book.prom" mkt_books_invalid_total)" 1 "book: one gap"
is "$(prom "$T/book.prom" mkt_books_restored_total)" \
	"$(count "$T/book.out" '"state":"synced"')" \
	"book: restored books: the synced status events"
is "$(prom "$T/book.prom" mkt_books)" 2 "book: two books"
cp "$T/book.in" "$T/depth.in"
filter depth mkt-depth
is "$(prom "$T/depth.prom" mkt_bad_lines_total)" 1 "depth: bad lines"
is "$(prom "$T/depth.prom" mkt_books_invalid_total)" 1 "depth: one gap"

# ---- mkt-diff ----
gen-bands --symbols 3 --markets 1 --minutes 5 --seed 4 \
	--start 1700000000000 >"$T/bands"
cp "$T/bands" "$T/diff.in"
printf '%s\n' '{"type":"bands"}' >>"$T/diff.in"
filter diff mkt-diff --aggregate
is "$(prom "$T/diff.prom" mkt_bad_lines_total)" 1 "diff: bad lines"

# ---- mkt-candles: 20 trades, 4 a second, of 2 symbols: 10 candles ----
awk 'BEGIN { for (i = 0; i < 20; i++)
	printf "{\"type\":\"trade\",\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":\"%s\",\"time\":%.0f,\"id\":%d,\"price\":\"%d\",\"qty\":\"1\",\"side\":\"buy\"}\n",
		i % 2 ? "ETHUSDT" : "BTCUSDT", 1700000000000 + i * 250, i + 1,
		100 + i }' >"$T/candles.in"
echo '{"type":"trade","symbol":1}' >>"$T/candles.in"
filter candles mkt-candles --interval 1s
is "$(prom "$T/candles.prom" mkt_bad_lines_total)" 1 "candles: bad lines"
is "$(prom "$T/candles.prom" mkt_candles_trades_total)" 20 \
	"candles: the trades given"
is "$(prom "$T/candles.prom" mkt_candles_total)" 10 "candles: 10 candles"
is "$(count "$T/candles.out" '"type":"candle"')" 10 \
	"candles: as many written"

# ---- mkt-alert: alerts by what ----
fill() {
	printf '{"type":"fill","venue":"binance","market":"spot","symbol":"BTCUSDT","time":%s,"id":"%s","side":"buy","price":"100","qty":"1","fee":"0"}\n' "$1" "$2"
}
reject() {
	printf '{"type":"reject","venue":"binance","market":"spot","symbol":"BTCUSDT","time":%s,"id":"%s","reason":"max_qty"}\n' "$1" "$2"
}
{
	fill 1700000000000 f1
	fill 1700000001000 f2
	reject 1700000002000 r1
	reject 1700000002100 r2
	reject 1700000002200 r3
	echo 'oops'
} >"$T/alert.in"
filter alert mkt-alert --reject-burst 2
is "$(prom "$T/alert.prom" mkt_bad_lines_total)" 1 "alert: bad lines"
for w in $(jq -r 'select(.type == "alert") | .what' "$T/alert.out" |
    sort -u); do
	is "$(prom "$T/alert.prom" mkt_alerts_total "what=\"$w\"")" \
		"$(jq -r 'select(.type == "alert") | .what' "$T/alert.out" |
		grep -c "^$w\$")" "alert: $w alerts as written"
done
is "$(prom "$T/alert.prom" mkt_alerts_total 'what="fill"')" 2 \
	"alert: the two fills"

# ---- a strategy: the run's counters and its entries ----
gen-depth --events 50 --levels 5 --symbols 1 >"$T/strat.in" 2>/dev/null
filter strat mkt-strat-arb binance:spot:BTCUSDT bybit:spot:BTCUSDT
is "$(prom "$T/strat.prom" mkt_strat_entries_total)" \
	"$(count "$T/strat.out" '"type":"intent"')" \
	"strat: entries: the intents written"

# ---- mkt-serve --metrics FILE: what GET /metrics answers ----
mkdir "$T/j"
mkt-journal append -i "$T/bands" "$T/j"
is "$?" 0 "a journal for mkt-serve"
mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port" \
	--metrics "$T/serve.prom" 2>"$T/serve.err" &
SRV=$!
check "mkt-serve starts" wait_file "$T/port"
check "mkt-serve: the file is there once it listens" \
	wait_file "$T/serve.prom"
U=http://127.0.0.1:$(cat "$T/port")
curl -s -o /dev/null "$U/health"
curl -s -o "$T/serve.get" "$U/metrics"
kill -TERM "$SRV"
wait "$SRV"
is "$?" 0 "mkt-serve: SIGTERM, exit 0"
SRV=
check "mkt-serve: promtool check metrics is clean" promtool_ok "$T/serve.prom"
cmp_file "$T/serve.get" "$T/serve.prom" \
	"mkt-serve: the file at exit is GET /metrics' answer"
is "$(prom "$T/serve.prom" mkt_serve_requests_total)" 2 \
	"mkt-serve: the requests made"
is "$(prom "$T/serve.prom" mkt_journal_stored_events)" \
	"$(nlines "$T/bands")" "mkt-serve: the journal's events"
mkt-serve --journal "$T/j" --metrics '' 2>/dev/null
is "$?" 2 "mkt-serve: --metrics '' is a usage error"

# ---- mkt-replay --follow: events out, the position, the lag ----
gen-bands --symbols 1 --markets 1 --minutes 150 --seed 5 \
	--start 1700000000000 >"$T/r.events"
mkt-journal append "$T/rj" <"$T/r.events"
mkt-replay --follow --stats 1s --metrics "$T/r.prom" "$T/rj" \
	>"$T/r.out" 2>"$T/r.err" &
RP=$!
check "mkt-replay --follow: a status event while it follows" \
	wait_for has_stats "$T/r.out" 1
kill -TERM "$RP"
wait "$RP"
is "$?" 0 "mkt-replay: SIGTERM: exit 0"
check "mkt-replay: promtool check metrics is clean" promtool_ok "$T/r.prom"
is "$(prom "$T/r.prom" mkt_events_out_total)" "$(nlines "$T/r.events")" \
	"mkt-replay: events out: the journal's"
is "$(grep -vc '"state":"stats"' "$T/r.out")" "$(nlines "$T/r.events")" \
	"mkt-replay: and they are what it wrote besides the status events"
is "$(prom "$T/r.prom" mkt_replay_position)" "$(nlines "$T/r.events")" \
	"mkt-replay: the position: after the last event"
check "mkt-replay: the lag of an old journal is years" test \
	"$(prom "$T/r.prom" mkt_replay_lag_seconds | cut -d. -f1)" -gt 1000000
prom_flat "$T/r.prom" >"$T/r.pflat"
stat_flat "$T/r.out" >"$T/r.sflat"
# The lag moves between the two; the rest is the same.
grep -v lag "$T/r.pflat" >"$T/r.p2"
grep -v lag "$T/r.sflat" >"$T/r.s2"
cmp_file "$T/r.p2" "$T/r.s2" \
	"mkt-replay: the last status event holds the file's samples"

# ---- mkt-feed: a gap, lost connections, a REST 429, against mkt-sim ----
mkt-sim --port-file "$T/sim.port" --symbols BTCUSDT --markets binance:spot \
	--levels 50 --rate 100 --gap-at 150 --close-every 300 --rest-429 1 \
	--retry-after 1 --metrics "$T/sim.prom" 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/sim.port"
u=127.0.0.1:$(cat "$T/sim.port")
MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
	mkt-feed --stats 100ms --metrics "$T/f.prom" binance:spot:BTCUSDT \
	>"$T/f.out" 2>"$T/f.err" &
F=$!
# The faults are behind it: a gap, two reconnects, a book streaming.
faults_seen() {
	jq -s -e 'map(select(.state == "stats")) | any(
		.metrics.mkt_feed_gaps_total >= 1 and
		.metrics.mkt_feed_reconnects_total >= 2 and
		.metrics.mkt_feed_rate_limited_total >= 1 and
		.metrics.mkt_feed_connections_up == 1)' "$T/f.out" \
		>/dev/null 2>&1
}
check "mkt-feed: status events show the faults" wait_for faults_seen
kill -TERM "$F"
wait "$F"
is "$?" 0 "mkt-feed: SIGTERM, exit 0"
kill "$SIM"
wait "$SIM"
is "$?" 0 "mkt-sim: SIGTERM, exit 0"
SIM=
check "mkt-sim: promtool check metrics is clean" promtool_ok "$T/sim.prom"
is "$(prom "$T/sim.prom" mkt_sim_rest_limited_total 'status="429"')" 1 \
	"mkt-sim: the one 429 it was told to answer"
is "$(prom "$T/sim.prom" mkt_sim_rest_limited_total 'status="429"')" \
	"$(prom "$T/f.prom" mkt_feed_rate_limited_total)" \
	"mkt-sim: as many 429s as mkt-feed's rate-limit waits"
# mkt-feed stopped first: a request or connection of its last moment may
# have reached the simulator only.
check "mkt-sim: every snapshot mkt-feed got was served" test \
	"$(prom "$T/sim.prom" mkt_sim_rest_snapshots_total)" -ge \
	"$(prom "$T/f.prom" mkt_feed_snapshots_total)"
check "mkt-sim: every connection mkt-feed made was accepted" test \
	"$(prom "$T/sim.prom" mkt_sim_connections_total)" -ge \
	"$(count "$T/f.out" '"state":"connected"')"
check "mkt-feed: promtool check metrics is clean" promtool_ok "$T/f.prom"
is "$(prom "$T/f.prom" mkt_feed_gaps_total)" \
	"$(count "$T/f.out" '"state":"invalid","reason":"gap"')" \
	"mkt-feed: gaps: the invalid status events of a gap"
check "mkt-feed: a gap at least" test "$(prom "$T/f.prom" \
	mkt_feed_gaps_total)" -ge 1
is "$(prom "$T/f.prom" mkt_feed_resyncs_total)" \
	"$(count "$T/f.out" '"state":"resyncing"')" \
	"mkt-feed: resyncs: the resyncing status events"
check "mkt-feed: more resyncs than gaps (the lost connections)" test \
	"$(prom "$T/f.prom" mkt_feed_resyncs_total)" -gt \
	"$(prom "$T/f.prom" mkt_feed_gaps_total)"
is "$(prom "$T/f.prom" mkt_feed_reconnects_total)" \
	$(($(count "$T/f.out" '"state":"connected"') - 1)) \
	"mkt-feed: reconnects: the connected status events after the first"
is "$(prom "$T/f.prom" mkt_feed_disconnects_total)" \
	"$(count "$T/f.out" '"state":"disconnected"')" \
	"mkt-feed: disconnects: the disconnected status events"
is "$(prom "$T/f.prom" mkt_feed_rate_limited_total)" \
	"$(count "$T/f.out" '"state":"rate_limited"')" \
	"mkt-feed: rate-limit waits: the rate_limited status events"
prom_flat "$T/f.prom" >"$T/f.pflat"
stat_flat "$T/f.out" >"$T/f.sflat"
cmp_file "$T/f.pflat" "$T/f.sflat" \
	"mkt-feed: the last status event holds the file's samples"

done_testing
