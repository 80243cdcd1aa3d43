#!/bin/sh
# 1110-serve: mkt-serve over a journal: the options, /health (200 while
# the journal reads, 503 once it is gone, 200 again when it is back),
# /api/symbols and /api/latest equal to `mkt-journal query`, chart data
# equal to `mkt-journal query ... series` point for point (times in
# seconds), every bad parameter a 400 naming it, 404s, the point cap,
# and SIGTERM.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq

START=1700000000000
gen-bands --symbols 2 --markets 2 --minutes 300 --per-minute 2 \
	--seed 7 --start $START >"$T/a.ndjson"
mkt-journal append "$T/j" <"$T/a.ndjson"
is "$?" 0 "append: exit 0"

# The options.
check "-h prints the usage" sh -c 'mkt-serve -h | grep -q "^usage: mkt-serve"'
check "--version names the program" sh -c \
	'mkt-serve --version | grep -q "^mkt-serve "'
mkt-serve 2>"$T/err"
is "$?" 2 "no --journal is a usage error"
check "and it says so" grep -q '^mkt-serve: --journal is required' "$T/err"
mkt-serve --journal "$T/j" --listen localhost 2>/dev/null
is "$?" 2 "a --listen without a port is a usage error"
mkt-serve --journal "$T/j" --listen 127.0.0.1:70000 2>/dev/null
is "$?" 2 "a port above 65535 is a usage error"
mkt-serve --journal "$T/j" --max-points 0 2>/dev/null
is "$?" 2 "--max-points 0 is a usage error"

mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port" \
	--max-points 250 2>"$T/serve.err" &
SRV=$!
check "mkt-serve starts" wait_file "$T/port" || exit 1
U=http://127.0.0.1:$(cat "$T/port")
check "it says where it listens" \
	grep -q "^mkt-serve: listening on $U/\$" "$T/serve.err"

# get PATH?QUERY: the body to $T/body, the status printed.
get() {
	curl -s -o "$T/body" -w '%{http_code}' "$U$1"
}
# lines: the objects of the answer's data, one a line, as they were
# written (the answer's text, not jq's rendering of it).
lines() {
	sed -e 's/^{"data":\[//' -e 's/\],"count":[0-9]*}$//' \
		-e 's/},{"venue":/}\n{"venue":/g' -e 's/},{"time":/}\n{"time":/g' \
		"$T/body" | grep -v '^$'
}

# /health.
is "$(get /health)" 200 "health: 200 while the journal reads"
is "$(jq -c '[.status, .sources[0].name, .sources[0].readable,
	.sources[0].events, .sources[0].last_event]' "$T/body")" \
	"[\"ok\",\"journal\",true,$(nlines "$T/a.ndjson"),$(jq -s 'map(.time) | max' "$T/a.ndjson")]" \
	"health: the journal's events and the time of its last"
is "$(jq '.sources[0].age_ms > 0' "$T/body")" true \
	"health: the age of the last event"

# /api/symbols and /api/latest: the lines of mkt-journal query.
is "$(get /api/symbols)" 200 "symbols: 200"
mkt-journal query "$T/j" symbols >"$T/want"
lines >"$T/got"
cmp_file "$T/got" "$T/want" "symbols: as mkt-journal query symbols"
is "$(jq .count "$T/body")" 4 "symbols: the count"
is "$(get '/api/symbols?market=spot')" 200 "symbols by market: 200"
mkt-journal query "$T/j" symbols --market spot >"$T/want"
lines >"$T/got"
cmp_file "$T/got" "$T/want" "symbols: the market filter"
is "$(get /api/latest)" 200 "latest: 200"
mkt-journal query "$T/j" latest >"$T/want"
lines >"$T/got"
cmp_file "$T/got" "$T/want" "latest: as mkt-journal query latest"

# /api/chart-data against query series: the same values, time in s.
# series ARGS...: the query's points with their times in seconds.
series() {
	mkt-journal query "$T/j" series "$@" |
		sed 's/^{"time":\([0-9]*\)000,/{"time":\1,/'
}
# chart QUERY ARGS...: the answer to QUERY against series ARGS.
chart() {
	_q=$1
	shift
	is "$(get "/api/chart-data?$_q")" 200 "chart $_q: 200"
	series "$@" >"$T/want"
	lines >"$T/got"
	check "chart $_q: points" test -s "$T/want"
	cmp_file "$T/got" "$T/want" "chart $_q: as query series $*"
	is "$(jq '.count == (.data | length)' "$T/body")" true \
		"chart $_q: count"
}
chart 'venue=binance&market=spot&symbol=BTCUSDT&pct=1.5&from=1700000400000&to=2023-11-14T23:00:00Z' \
	--venue binance --market spot --symbol BTCUSDT --pct 1.5 \
	--from 1700000400000 --to 2023-11-14T23:00:00Z
chart 'venue=binance&market=futures&symbol=ETHUSDT&pct=3&field=ask_value&resolution=hour' \
	--venue binance --market futures --symbol ETHUSDT --pct 3 \
	--field ask_value --resolution hour
chart 'venue=binance&market=spot&symbol=ETHUSDT&pct=30&field=imbalance&resolution=day&agg=last' \
	--venue binance --market spot --symbol ETHUSDT --pct 30 \
	--field imbalance --resolution day --agg last
chart 'venue=binance&market=spot&symbol=BTCUSDT&pct=5&from=2023-11-14T22%3A20%3A00%2B00%3A00&to=2023-11-15T00:00:00%2B01:00' \
	--venue binance --market spot --symbol BTCUSDT --pct 5 \
	--from 2023-11-14T22:20:00+00:00 --to 2023-11-14T23:00:00Z
is "$(lines | head -n 1)" \
	"$(series --venue binance --market spot --symbol BTCUSDT --pct 5 \
	--from 2023-11-14T22:20:00Z | head -n 1)" \
	"chart: RFC 3339 times with offsets, percent-encoded"

# The point cap (--max-points 250 here): 300 minutes are refused,
# naming the resolution, their hours are not.
is "$(get '/api/chart-data?venue=binance&market=spot&symbol=BTCUSDT&pct=1.5&resolution=minute')" \
	400 "more points than --max-points: 400"
is "$(jq -r .param "$T/body")" resolution "and it names the resolution"
is "$(get '/api/chart-data?venue=binance&market=spot&symbol=BTCUSDT&pct=1.5&resolution=hour')" \
	200 "the same range by the hour: 200"

# Bad parameters: 400, naming the parameter.
# bad QUERY PARAM NAME: QUERY answers 400 with param PARAM.
bad() {
	_st=$(get "/api/chart-data?$1")
	is "$_st $(jq -r .param "$T/body")" "400 $2" "400 naming $2: $3"
}
B='venue=binance&market=spot&symbol=BTCUSDT'
bad "venue=binance&market=spot&pct=1.5" symbol "no symbol"
bad "$B" pct "no pct"
bad "$B&pct=abc" pct "pct not a number"
bad "$B&pct=-1" pct "pct below 0"
bad "$B&pct=1.5&field=volume" field "an unknown field"
bad "$B&pct=1.5&resolution=week" resolution "an unknown resolution"
bad "$B&pct=1.5&agg=median" agg "an unknown aggregate"
bad "$B&pct=1.5&from=yesterday" from "a time that is none"
bad "$B&pct=1.5&to=1700000000000x" to "a time with trailing bytes"
bad "$B&pct=1.5&from=1700003000000&to=1700000000000" from "from after to"
bad "$B&pct=1.5&colour=red" colour "an unknown parameter"
bad "$B&pct=1.5&pct=3" pct "a parameter given twice"
bad "venue=bin%20ance&market=spot&symbol=BTCUSDT&pct=1.5" venue \
	"a venue with a space"
is "$(jq '.error | length > 0' "$T/body")" true "an error says why"
is "$(get '/api/symbols?symbol=')" 400 "symbols: an empty symbol is a 400"
is "$(get '/api/latest?page=2')" 400 "latest: an unknown parameter is a 400"
is "$(get '/health?x=1')" 400 "health: takes no parameters"

# Names the journal does not have: 404, with the query's reason.
is "$(get '/api/chart-data?symbol=XRPUSDT&pct=1.5')" 404 \
	"an unknown symbol: 404"
check "the reason lists the symbols" \
	grep -q 'the journal has BTCUSDT and ETHUSDT' "$T/body"
is "$(get '/api/chart-data?symbol=BTCUSDT&pct=1.5')" 400 \
	"an ambiguous symbol: 400"
is "$(get /api/nothing)" 404 "an unknown path: 404"
is "$(get /)" 200 "the root: the page (1120 tests it)"
is "$(get /api/orders)" 404 "orders without --state: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$U/health")" 405 \
	"a method other than GET: 405"

# The journal gone: 503; back: 200.
mv "$T/j" "$T/j.away"
is "$(get /health)" 503 "health: 503 once the journal is gone"
is "$(jq -c '[.status, .sources[0].readable]' "$T/body")" \
	'["unavailable",false]' "health: says which source"
is "$(get '/api/symbols')" 503 "symbols: 503 without the journal"
mv "$T/j.away" "$T/j"
is "$(get /health)" 200 "health: 200 again when it is back"

# Keep-alive: several requests over one connection.
is "$(curl -s -w '%{http_code}%{num_connects}\n' -o /dev/null \
	"$U/health" -o /dev/null "$U/api/symbols" -o /dev/null \
	"$U/api/latest" | tr '\n' ' ')" \
	"2001 2000 2000 " "three requests on one connection"

kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"
check "nothing on stderr but the address" \
	test "$(grep -vc '^mkt-serve: listening on' "$T/serve.err")" = 0

done_testing
