#!/bin/sh
# bench/serve.sh: mkt-serve, chart data and live streams, against what a
# user would otherwise run, in one command on one journal.
#
# The journal: gen-bands, BENCH_SERVE_SYMBOLS (4) symbols x 2 markets x
# 6 bands over BENCH_SERVE_DAYS (30) days of minutes, appended by
# mkt-journal append (history tables built), cached in bench/out/serve/
# until gen-bands or mkt-journal changes.  (bench/history.sh loads the
# same stream at 100 symbols; at 4 the journal takes seconds to make,
# and a query reads one series, whatever the count of the others.)
#
# 1. Chart data.  bench/serve-load (bench/serve-load.c, built here with
#    cc) sends GET /api/chart-data on BENCH_SERVE_CONNS (8) kept-alive
#    connections, a fixed mix taken in turn: per symbol, market and pct
#    (1.5, 5) the whole (30-day) hourly series, the last day's minute
#    series and the last 7 days at resolution auto (hourly), all
#    bid_value.
#    The same requests, in the same turn, go to two baselines:
#      mkt-journal query DIR series ...: a process per request,
#        CONNS at a time (what a CGI script or a cron job pays)
#      bench/serve-base.py: python3's http.server (a thread per
#        connection, keep-alive) and sqlite3 reading the same index.db
#        tables, the same JSON (skipped without python3)
#    BENCH_SERVE_REQUESTS (2000) requests to mkt-serve, a tenth of that
#    to mkt-journal query and a quarter to python3, after one warm-up
#    pass of the mix each; BENCH_RUNS (3) rounds, the three taking turns
#    so that a change in the machine's load falls on all alike, and the
#    round with the median requests/s reported for each.  Before
#    timing, the point counts of the first three requests of the mix
#    (one of each kind) must agree across the three, or the script
#    fails.
# 2. Memory with live clients.  mkt-diff -o unix:SOCK (a fifo in front)
#    fed three hours of gen-bands minute bands of 20 symbols, one hour
#    at a time, and mkt-serve --live unix:SOCK on the same journal.
#    Hour 1 comes at once with no /api/stream client: once mkt-serve has
#    read all of it (its /health counts), its peak RSS (VmHWM).  Then
#    BENCH_SERVE_CLIENTS (100) clients open /api/stream (serve-load
#    --stream); hour 2 comes a minute at a time, each minute once every
#    client has all of the one before (a live pace: the clients' queues
#    drain between minutes), and hour 3 at once (a burst: the queues hold
#    what the clients have not read yet; --stream-queue is 4 MiB, the
#    producer's own queue size, so that no client is dropped for a burst
#    of the bench's making).  The peak RSS after each, and per client
#    above that of hour 1.  Every client must receive every event, the
#    same bytes as mkt-diff wrote, or the script fails.
#
# A markdown table closes the output and goes to
# bench/out/serve-results.md.  About 1.5 minutes on 2 busy CPUs (2.5 the
# first time, with the journal).
#
# Environment: MKT_BIN (build/bin), MKT_TOOLS (build/tools), CC (cc),
# BENCH_RUNS, BENCH_SERVE_SYMBOLS, BENCH_SERVE_DAYS, BENCH_SERVE_CONNS,
# BENCH_SERVE_REQUESTS, BENCH_SERVE_CLIENTS, BENCH_SERVE_MINUTES (60: the
# minutes of an "hour" of part 2), BENCH_SERVE_OUT (bench/out:
# where the journal, serve-load and the results go; tests/1117 points it
# at its own directory).
# Exit status: 0, or 1 when a program failed or the answers disagreed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
TOOLS=${MKT_TOOLS:-build/tools}
RUNS=${BENCH_RUNS:-3}
SYMBOLS=${BENCH_SERVE_SYMBOLS:-4}
DAYS=${BENCH_SERVE_DAYS:-30}
CONNS=${BENCH_SERVE_CONNS:-8}
REQS=${BENCH_SERVE_REQUESTS:-2000}
CLIENTS=${BENCH_SERVE_CLIENTS:-100}
MINUTES=${BENCH_SERVE_MINUTES:-60}
BOUT=${BENCH_SERVE_OUT:-bench/out}
OUT=$BOUT/serve
LOAD=$BOUT/serve-load
RESULTS=$BOUT/serve-results.md
START=1700000000000

die() {
	echo "bench/serve: $*" >&2
	exit 1
}

x=
for v in RUNS SYMBOLS DAYS CONNS REQS CLIENTS MINUTES; do
	eval "x=\$$v"
	case $x in
	''|*[!0-9]*|0) echo "bench/serve: $v: not a number >= 1" >&2
		exit 2 ;;
	esac
done
[ "$SYMBOLS" -le 4 ] || die "BENCH_SERVE_SYMBOLS: at most 4 (the mix's)"
[ "$DAYS" -ge 8 ] || die "BENCH_SERVE_DAYS: at least 8 (a 7-day query)"
for p in mkt-serve mkt-journal mkt-diff; do
	[ -x "$BIN/$p" ] || die "$BIN/$p not built (run make first)"
done
[ -x "$TOOLS/gen-bands" ] || die "$TOOLS/gen-bands not built"
mkdir -p "$OUT" || die "cannot create $OUT"
T=$(mktemp -d "${TMPDIR:-/tmp}/mkt-bench-serve.XXXXXX") || die "mktemp failed"
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The load generator, built once per change of its source.
if ! [ -x "$LOAD" ] || [ -n "$(find bench/serve-load.c -newer "$LOAD")" ]
then
	${CC:-cc} -O2 -Wall -Wextra -o "$LOAD" bench/serve-load.c \
	    2>"$T/cc.err" || { cat "$T/cc.err" >&2; die "cannot build $LOAD"; }
fi

# ---- the journal ----
J=$OUT/j-$SYMBOLS-$DAYS
if ! [ -f "$J/done" ] || [ -n "$(find "$TOOLS/gen-bands" \
    "$BIN/mkt-journal" -newer "$J/done")" ]; then
	echo "bench/serve: making $J ..." >&2
	rm -rf "$J"
	"$TOOLS/gen-bands" --symbols "$SYMBOLS" --markets 2 --days "$DAYS" \
	    --start "$START" | "$BIN/mkt-journal" append "$J" ||
		die "cannot make $J"
	: >"$J/done" || die "cannot write $J/done"
fi

# wait_until SECONDS CMD...: poll CMD until it succeeds; 1 at the end.
wait_until() {
	_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.05
	done
}
have() {
	[ -s "$1" ]
}

# ---- the mix ----
END=$((START / 60000 * 60000 + DAYS * 86400000 - 60000))
DAY1=$((END - 86400000 + 60000))
WEEK=$((END - 7 * 86400000 + 60000))
MIX=$T/mix
: >"$MIX"
for sym in BTCUSDT ETHUSDT SOLUSDT BNBUSDT; do
	[ "$sym" = BNBUSDT ] && [ "$SYMBOLS" -lt 4 ] && break
	[ "$sym" = SOLUSDT ] && [ "$SYMBOLS" -lt 3 ] && break
	[ "$sym" = ETHUSDT ] && [ "$SYMBOLS" -lt 2 ] && break
	for m in spot futures; do
		for pct in 1.5 5; do
			u="/api/chart-data?venue=binance&market=$m&symbol=$sym&pct=$pct&field=bid_value"
			a="series --venue binance --market $m --symbol $sym --pct $pct --field bid_value"
			printf '%s&from=%s&to=%s&resolution=hour\t%s --from %s --to %s --resolution hour\n' \
			    "$u" "$START" "$END" "$a" "$START" "$END"
			printf '%s&from=%s&to=%s&resolution=minute\t%s --from %s --to %s --resolution minute\n' \
			    "$u" "$DAY1" "$END" "$a" "$DAY1" "$END"
			printf '%s&from=%s&to=%s\t%s --from %s --to %s\n' \
			    "$u" "$WEEK" "$END" "$a" "$WEEK" "$END"
		done
	done
done >>"$MIX"
NMIX=$(wc -l <"$MIX")

# ---- the servers ----
"$BIN/mkt-serve" --journal "$J" --listen 127.0.0.1:0 \
    --port-file "$T/port" 2>"$T/serve.err" &
SRV=$!
pids="$pids $SRV"
wait_until 30 have "$T/port" || die "mkt-serve did not start: $(cat "$T/serve.err")"
PORT=$(cat "$T/port")
PY=0
if command -v python3 >/dev/null; then
	python3 bench/serve-base.py "$J/index.db" "$T/pyport" \
	    2>"$T/py.err" &
	pids="$pids $!"
	wait_until 30 have "$T/pyport" ||
		die "serve-base.py did not start: $(cat "$T/py.err")"
	PY=1
	PYPORT=$(cat "$T/pyport")
fi
QUERY="$BIN/mkt-journal query $J"

# The point counts of request L of the mix: mkt-serve's, mkt-journal
# query's, python3's (or -).
counts() {
	_path=$(sed -n "$1p" "$MIX" | cut -f1)
	_args=$(sed -n "$1p" "$MIX" | cut -f2)
	_s=$("$LOAD" --port "$PORT" --get "$_path" |
		sed -n 's/.*"count":\([0-9]*\)}$/\1/p')
	# shellcheck disable=SC2086 # the query's arguments
	_q=$($QUERY $_args | wc -l)
	_p=-
	[ "$PY" = 1 ] && _p=$("$LOAD" --port "$PYPORT" --get "$_path" |
		sed -n 's/.*"count":\([0-9]*\)}$/\1/p')
	echo "${_s:-none} $_q $_p"
}
agree=
for l in 1 2 3; do
	# shellcheck disable=SC2046 # three counts
	set -- $(counts $l)
	if [ "$1" != "$2" ] || { [ "$PY" = 1 ] && [ "$1" != "$3" ]; } ||
	    [ "$1" = 0 ]; then
		die "request $l of the mix: mkt-serve $1 points," \
		    "mkt-journal query $2, python3 $3"
	fi
	agree="$agree $1"
done

# ---- chart data: rounds ----
# load LABEL N ARGS...: one run of serve-load, its line into $T/LABEL.
load() {
	_label=$1 _n=$2
	shift 2
	"$LOAD" --conns "$CONNS" --requests "$_n" "$@" >>"$T/$_label" \
	    2>"$T/load.err" || die "$_label: $(cat "$T/load.err")"
}
echo "bench/serve: warm-up ..." >&2
"$LOAD" --port "$PORT" --conns "$CONNS" --requests "$NMIX" "$MIX" \
    >/dev/null || die "mkt-serve: the warm-up failed"
# shellcheck disable=SC2086 # mkt-journal query DIR
"$LOAD" --exec --conns "$CONNS" --requests "$NMIX" "$MIX" -- $QUERY \
    >/dev/null || die "mkt-journal query: the warm-up failed"
[ "$PY" = 1 ] && { "$LOAD" --port "$PYPORT" --conns "$CONNS" \
    --requests "$NMIX" "$MIX" >/dev/null ||
	die "serve-base.py: the warm-up failed"; }
i=0
while [ "$i" -lt "$RUNS" ]; do
	echo "bench/serve: chart data, round $((i + 1)) of $RUNS ..." >&2
	load serve "$REQS" --port "$PORT" "$MIX"
	# shellcheck disable=SC2086 # mkt-journal query DIR
	load query $((REQS / 10 + 1)) --exec "$MIX" -- $QUERY
	[ "$PY" = 1 ] && load py $((REQS / 4 + 1)) --port "$PYPORT" "$MIX"
	i=$((i + 1))
done
kill "$SRV"
wait "$SRV" || die "mkt-serve did not exit 0 on SIGTERM"

# median LABEL: the round with the median requests/s, as
# "REQUESTS RPS P50 P99".
median() {
	sed 's/[a-z_0-9]*=//g' "$T/$1" | sort -k3,3n |
		awk '{ l[NR] = $1 " " $3 " " $4 " " $5 }
		END { print l[int((NR + 1) / 2)] }'
}
SERVE=$(median serve)
QRY=$(median query)
PYR=-
[ "$PY" = 1 ] && PYR=$(median py)

# ---- memory with live clients ----
echo "bench/serve: memory with $CLIENTS stream clients ..." >&2
# Three hours of bands of 20 symbols (of MINUTES minutes each, for a
# test), an hour a stream, and what mkt-diff
# makes of them: each stream's events are the difference of the counts
# (mkt-diff writes the events of a line as it reads it).
GENL="$TOOLS/gen-bands --symbols 10 --markets 2 --minutes $MINUTES --seed 4"
for h in 1 2 3; do
	$GENL --start $((START + (h - 1) * MINUTES * 60000)) >"$T/b$h" ||
		die "gen-bands failed"
done
"$BIN/mkt-diff" <"$T/b1" >"$T/e1" || die "mkt-diff failed"
cat "$T/b1" "$T/b2" | "$BIN/mkt-diff" >"$T/e2" || die "mkt-diff failed"
cat "$T/b1" "$T/b2" "$T/b3" | "$BIN/mkt-diff" >"$T/e3" ||
	die "mkt-diff failed"
N1=$(wc -l <"$T/e1")
N2=$(($(wc -l <"$T/e2") - N1))
N3=$(($(wc -l <"$T/e3") - N1 - N2))
# What a client gets of the second and third: "data: " and each line.
B23=$(($(wc -c <"$T/e3") - $(wc -c <"$T/e1") + 6 * (N2 + N3)))
# The second stream a minute at a time: 20 lines.
split -l 20 "$T/b2" "$T/minute." || die "split failed"
mkfifo "$T/in" || die "mkfifo failed"
"$BIN/mkt-diff" -o "unix:$T/live.sock" <"$T/in" 2>"$T/diff.err" &
pids="$pids $!"
exec 3>"$T/in"
sock() {
	[ -S "$T/live.sock" ]
}
wait_until 30 sock || die "mkt-diff did not listen: $(cat "$T/diff.err")"
"$BIN/mkt-serve" --journal "$J" --live "unix:$T/live.sock" \
    --stream-queue 4194304 --listen 127.0.0.1:0 --port-file "$T/port2" \
    2>"$T/serve2.err" 3>&- &
SRV=$!
pids="$pids $SRV"
wait_until 30 have "$T/port2" ||
	die "mkt-serve --live did not start: $(cat "$T/serve2.err")"
PORT=$(cat "$T/port2")
# live_events: what /health says mkt-serve read from the socket.
live_events() {
	"$LOAD" --port "$PORT" --get /health 2>/dev/null |
		sed -n 's/.*"name":"live"[^}]*"events":\([0-9]*\).*/\1/p'
}
live_is() {
	[ "$(live_events)" = "$1" ]
}
hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SRV/status"
}
connected() {
	"$LOAD" --port "$PORT" --get /health 2>/dev/null |
		grep -q '"name":"live","path":"[^"]*","connected":true'
}
# caught_up PREV: mkt-serve has read more than PREV events, and every
# client has all it read since the first stream.
caught_up() {
	_le=$(live_events)
	_pr=$(tr -d ' ' <"$T/progress" 2>/dev/null)
	[ -n "$_le" ] && [ "$_le" -gt "$1" ] &&
	    [ "${_pr:--1}" -eq $((_le - N1)) ]
}
wait_until 30 connected || die "mkt-serve did not connect to mkt-diff"
HWM_START=$(hwm)
cat "$T/b1" >&3 || die "cannot feed mkt-diff"
wait_until 60 live_is "$N1" ||
	die "mkt-serve read $(live_events) events, want $N1"
HWM0=$(hwm)
"$LOAD" --port "$PORT" --stream /api/stream --conns "$CLIENTS" \
    --events $((N2 + N3)) --ready "$T/ready" --progress "$T/progress" \
    --timeout 300 >"$T/stream" 2>"$T/stream.err" &
LPID=$!
pids="$pids $LPID"
wait_until 60 have "$T/ready" ||
	die "the stream clients did not open: $(cat "$T/stream.err")"
prev=$N1
for m in "$T"/minute.*; do
	cat "$m" >&3 || die "cannot feed mkt-diff"
	wait_until 60 caught_up "$prev" ||
		die "the clients did not catch up: $(live_events) events read," \
		    "the slowest client has $(cat "$T/progress")"
	prev=$(live_events)
done
HWM1=$(hwm)
cat "$T/b3" >&3 || die "cannot feed mkt-diff"
wait "$LPID"
LST=$?
exec 3>&-
HWM2=$(hwm)
STREAM=$(cat "$T/stream")
[ "$LST" -eq 0 ] || die "not every client got every event" \
    "($((N2 + N3)), $B23 bytes): $STREAM $(cat "$T/stream.err")"
case $STREAM in
*"bytes_min=$B23 "*) ;;
*) die "the clients got other bytes than mkt-diff wrote ($B23): $STREAM" ;;
esac
kill "$SRV"
wait "$SRV" || die "mkt-serve --live did not exit 0 on SIGTERM"

# ---- the table ----
{
	echo "mkt-serve bench, $(date -u +%Y-%m-%dT%H:%M:%SZ)," \
	    "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo ?) CPU, load" \
	    "$(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "Chart data: a journal of $SYMBOLS symbols x 2 markets x 6 bands," \
	    "$DAYS days of minutes; a mix of $NMIX requests"
	# shellcheck disable=SC2086 # three counts
	set -- $agree
	echo "(points: $DAYS-day hourly $1, 1-day minute $2, 7-day auto $3)," \
	    "$CONNS at a time; the median of $RUNS rounds."
	echo
	echo "| server | requests | requests/s | p50 ms | p99 ms | mkt-serve x |"
	echo "|---|--:|--:|--:|--:|--:|"
	awk -v s="$SERVE" -v q="$QRY" -v p="$PYR" -v c="$CONNS" 'BEGIN {
		split(s, a, " ")
		printf "| mkt-serve, %d kept-alive connections | %d | %.0f |" \
		    " %.2f | %.2f | 1.0 |\n", c, a[1], a[2], a[3], a[4]
		split(q, b, " ")
		printf "| mkt-journal query, a process each | %d | %.0f |" \
		    " %.2f | %.2f | %.1f |\n", b[1], b[2], b[3], b[4],
		    a[2] / b[2]
		if (p != "-") {
			split(p, d, " ")
			printf "| python3 http.server + sqlite3 | %d | %.0f |" \
			    " %.2f | %.2f | %.1f |\n", d[1], d[2], d[3],
			    d[4], a[2] / d[2]
		}
	}'
	[ "$PY" = 1 ] || echo "(python3 not found: no http.server baseline)"
	echo
	echo "Memory: mkt-serve --live reading mkt-diff -o unix:, bands and" \
	    "imbalance of 20 symbols; $CLIENTS /api/stream"
	echo "clients from the second hour on, each of which got all" \
	    "$((N2 + N3)) events ($B23 bytes)."
	echo
	echo "| mkt-serve --live | peak RSS (VmHWM) MB | per client KiB |"
	echo "|---|--:|--:|"
	awk -v a="$HWM_START" -v b="$HWM0" -v c="$HWM1" -v d="$HWM2" \
	    -v n="$CLIENTS" -v n1="$N1" -v n2="$N2" -v n3="$N3" 'BEGIN {
		printf "| started, no event yet | %.1f | |\n", a / 1024
		printf "| hour 1, %d events at once, 0 clients | %.1f | |\n",
		    n1, b / 1024
		printf "| hour 2, a minute at a time (%d events), %d clients" \
		    " | %.1f | %.1f |\n", n2, n, c / 1024, (c - b) / n
		printf "| hour 3, %d events at once, %d clients | %.1f |" \
		    " %.1f |\n", n3, n, d / 1024, (d - b) / n
	}'
} >"$RESULTS.tmp" || die "cannot write $RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS" || die "cannot write $RESULTS"
echo
echo "== mkt-serve: chart data and live streams"
cat "$RESULTS"
