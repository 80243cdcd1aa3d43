#!/bin/sh
# 1117-serve-bench: bench/serve.sh (make bench-serve) at a small scale
# still measures what it says: mkt-serve, mkt-journal query and the
# python3 baseline agree on the points of each kind of series, every
# /api/stream client gets every event of a live pipeline, and the table
# is written; its load generator refuses an answer that is not a 200.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools cc

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# One symbol, 8 days (the mix has a 7-day query), 10 stream clients,
# "hours" of 10 minutes, one round: seconds, not minutes, even under the
# sanitizers.
BENCH_SERVE_OUT=$T/out BENCH_SERVE_SYMBOLS=1 BENCH_SERVE_DAYS=8 \
    BENCH_SERVE_REQUESTS=40 BENCH_SERVE_CLIENTS=10 BENCH_RUNS=1 \
    BENCH_SERVE_MINUTES=10 \
    sh "$TOP/bench/serve.sh" >"$T/bench.out" 2>"$T/bench.err"
st=$?
is "$st" 0 "bench/serve.sh exits 0"
[ "$st" = 0 ] || sed 's/^/# /' "$T/bench.err"
R=$T/out/serve-results.md
check "the results file is written" test -s "$R"
tail -n "$(nlines "$R")" "$T/bench.out" >"$T/table"
cmp_file "$T/table" "$R" "the table closes the output"
# 8 x 24 hours and the one begun, the last day's minutes, 7 x 24 + 1.
check "the three agree on each kind of series" grep -qF \
	"(points: 8-day hourly 193, 1-day minute 1440, 7-day auto 169)" "$R"
check "a row for mkt-serve" grep -q '^| mkt-serve, 8 kept-alive connections | 40 | [0-9]' "$R"
check "a row for mkt-journal query" grep -q '^| mkt-journal query, a process each | 5 | [0-9]' "$R"
if command -v python3 >/dev/null; then
	check "a row for python3" grep -q '^| python3 http.server + sqlite3 | 11 | [0-9]' "$R"
fi
check "every stream client got both hours" \
	grep -q 'each of which got all 800 events' "$R"
check "peak RSS with the clients" \
	grep -q '^| hour 3, 400 events at once, 10 clients | [0-9.]* | [0-9.-]* |$' "$R"

# The load generator against a real mkt-serve: a 404 is a failure.
mkt-serve --journal "$T/out/serve/j-1-8" --listen 127.0.0.1:0 \
	--port-file "$T/port" 2>"$T/serve.err" &
pids="$pids $!"
check "mkt-serve starts on the bench's journal" wait_file "$T/port" || exit 1
L=$T/out/serve-load
"$L" --port "$(cat "$T/port")" --get /api/nothing >/dev/null 2>"$T/get.err"
is "$?" 1 "serve-load --get: a 404 is exit 1"
check "serve-load --get: says so" grep -q '^serve-load: not a 200: HTTP/1.1 404' \
	"$T/get.err"
"$L" --port "$(cat "$T/port")" --get "/api/chart-data?symbol=BTCUSDT&pct=1.5&market=spot" \
	>"$T/body" 2>"$T/get.err"
is "$?" 0 "serve-load --get: a 200 is exit 0"
check "serve-load --get: the whole body" grep -q '"count":[0-9]*}$' "$T/body"

done_testing
