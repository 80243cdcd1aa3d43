#!/bin/sh
# bench/nats.sh: events through NATS JetStream (mkt(7), NATS) beside the
# same events through a pipe, in the same run (bench/run.sh runs it;
# `make bench-nats` runs it alone).  One nats-server -js with file
# storage on 127.0.0.1, in a temporary directory, stopped at exit; every
# run its own stream (the duplicate window would drop a second run's
# events: they have the same ids).
#
# Throughput: BENCH_NATS_EVENTS (100000) depth events of gen-depth
# --symbols 4 (snapshots of 1000 levels a side, then about 19 changed
# levels an event), cached in bench/out/.  Wall time, events/s, and
# events/s as a share of the pipe's (x pipe), for:
#   - cat FILE | mkt-journal append J: the baseline (median of
#     BENCH_RUNS, 3), and mkt-diff < FILE | mkt-journal append J (the
#     same stages as the NATS path, with a pipe between them);
#   - mkt-diff -o nats://... < FILE: publishing alone, until every
#     event is acked (median of BENCH_RUNS);
#   - end to end: mkt-journal append --ack A -i nats://... --sync S
#     started first, then the publisher; from the publisher's start to
#     the ack line that counts every event durable, for each S in
#     BENCH_NATS_SYNCS ("1s 100ms 20ms"; 1s is the default --sync);
#   - a backlog: the stream full, mkt-journal append -i nats:// with the
#     last of those S, until every event is durable; and mkt-diff -i
#     nats:// on it, until it has written every event (a reader that
#     acks as it writes, not at a sync).
# mkt-journal acks a message once its events are durable, at a sync, and
# at most NATS_SUB_MAX (1024) messages wait unacked: a nats input so
# journals at most 1024 events per --sync period, which the rows show.
#
# Latency: bench/nats-lat.py writes BENCH_NATS_LAT_EVENTS (5000) trades
# at BENCH_NATS_LAT_RATE (1000) a second, each stamped with the wall
# clock in microseconds, after 500 not counted (the consumer's start);
# the reader takes its time of reading minus the stamp: p50, p90, p99,
# max.  Through a pipe, gen | mkt-diff | mkt-diff | read (the baseline),
# and through NATS, gen | mkt-diff -o nats://... and mkt-diff -i
# nats://... | read (a consumer acks what it has written).
#
# Environment: MKT_BIN (build/bin), MKT_TOOLS (build/tools), BENCH_RUNS,
# BENCH_NATS_EVENTS, BENCH_NATS_SYNCS, BENCH_NATS_LAT_EVENTS,
# BENCH_NATS_LAT_RATE.  Needs nats-server (without it: a line saying so,
# exit 0) and python3.  The tables go to standard output and to
# bench/out/nats.txt, and are appended to bench/out/results.txt.  Exit
# status 0, or 1 when a run failed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
TOOLS=${MKT_TOOLS:-build/tools}
RUNS=${BENCH_RUNS:-3}
EVENTS=${BENCH_NATS_EVENTS:-100000}
SYNCS=${BENCH_NATS_SYNCS-1s 100ms 20ms}
LATN=${BENCH_NATS_LAT_EVENTS:-5000}
RATE=${BENCH_NATS_LAT_RATE:-1000}
WARM=500
OUT=bench/out
FILE=$OUT/nats-depth-$EVENTS.ndjson
RESULTS=$OUT/results.txt
TABLE=$OUT/nats.txt
failed=0
pids=

die() {
	echo "bench/nats: $*" >&2
	exit 1
}

for v in RUNS EVENTS LATN RATE; do
	eval "x=\$$v"
	# shellcheck disable=SC2154 # set by the eval
	case $x in
	''|*[!0-9]*|0) die "$v: not a number >= 1" ;;
	esac
done
if ! command -v nats-server >/dev/null; then
	echo "bench/nats: nats-server not found: skipped" \
		"(apt-get install nats-server)" | tee -a "$RESULTS"
	exit 0
fi
command -v python3 >/dev/null || die "needs python3"
for p in "$BIN/mkt-journal" "$BIN/mkt-diff" "$TOOLS/gen-depth"; do
	[ -x "$p" ] || die "$p not built (run make first)"
done
mkdir -p "$OUT" || die "cannot create $OUT"
T=$(mktemp -d "${TMPDIR:-/tmp}/mkt-nats-bench.XXXXXX") ||
	die "cannot make a temporary directory"

# shellcheck disable=SC2317 # run by the trap
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ns() {
	date +%s%N
}

out() {
	tee -a "$TABLE"
}

# ---- the input ----

if [ ! -s "$FILE" ] || [ -n "$(find "$TOOLS/gen-depth" -newer "$FILE")" ]
then
	echo "bench/nats: generating $FILE" >&2
	if ! "$TOOLS/gen-depth" --events "$EVENTS" --symbols 4 >"$FILE.tmp" ||
	    ! mv "$FILE.tmp" "$FILE"; then
		rm -f "$FILE.tmp"
		die "cannot generate $FILE"
	fi
fi
bytes=$(wc -c <"$FILE")
cat "$FILE" >/dev/null

# ---- the server ----

PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || die "no free port"
nats-server -js -sd "$T/js" -a 127.0.0.1 -p "$PORT" >"$T/ns.log" 2>&1 &
NS=$!
pids="$pids $NS"
i=0
until grep -q "Server is ready" "$T/ns.log"; do
	if [ $i -ge 400 ] || ! kill -0 "$NS" 2>/dev/null; then
		cat "$T/ns.log" >&2
		die "nats-server did not start"
	fi
	sleep 0.05
	i=$((i + 1))
done
nver=$(nats-server --version 2>/dev/null | sed 's/^nats-server: *//')
URL=nats://127.0.0.1:$PORT

# ---- throughput ----

# median LIST: the median of a list of numbers.
median() {
	# shellcheck disable=SC2086 # a list of numbers, split on purpose
	printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 }
		END { print v[int((NR + 1) / 2)] }'
}

# wall CMD: seconds CMD (a shell command) takes, or FAIL.
wall() {
	_t0=$(now_ns)
	sh -c "$1" >/dev/null 2>>"$T/err" || { echo FAIL; return; }
	awk -v a="$_t0" -v b="$(now_ns)" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'
}

# runs N CMD: the median of N walls of CMD, fresh journal J each time.
runs() {
	_i=0 _all=
	while [ "$_i" -lt "$1" ]; do
		rm -rf "$T/j"
		_w=$(wall "$2")
		[ "$_w" = FAIL ] && { echo FAIL; return; }
		_all="$_all $_w"
		_i=$((_i + 1))
	done
	median "$_all"
}

# count ACKFILE: the events the last ack line says are durable.
count() {
	tail -n 1 "$1" 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}

# until_count ACKFILE PID T0: wait until ACKFILE counts every event, or
# the appender PID is gone, or 15 minutes went by; prints the seconds
# since T0 (ns) or FAIL.
until_count() {
	_end=$(($(date +%s) + 900))
	while :; do
		_c=$(count "$1")
		[ "${_c:-0}" -ge "$EVENTS" ] && break
		kill -0 "$2" 2>/dev/null || { echo FAIL; return; }
		[ "$(date +%s)" -lt "$_end" ] || { echo FAIL; return; }
		sleep 0.02
	done
	awk -v a="$3" -v b="$(now_ns)" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'
}

# append_start NAME SYNC FILTER: mkt-journal append -i nats:// in the
# background into $T/NAME.j, acks into $T/NAME.ack; sets APID.
append_start() {
	rm -rf "$T/$1.j" "$T/$1.ack"
	"$BIN/mkt-journal" append --sync "$2" --ack "$T/$1.ack" \
	    -i "$URL/$3" "$T/$1.j" 2>>"$T/err" &
	APID=$!
	pids="$pids $APID"
}

append_stop() {
	kill -TERM "$APID" 2>/dev/null
	wait "$APID" 2>/dev/null || { echo "bench/nats: append exited $?" \
		>>"$T/err"; }
}

# The runs below set RES (seconds, or FAIL) instead of printing it, so
# that they run in this shell: their stream numbers (n) and processes
# (pids) stay known to it.
n=0
# publish_run: the file into a new stream.
publish_run() {
	n=$((n + 1))
	RES=$(wall "'$BIN/mkt-diff' -o '$URL/p$n?stream=P$n&create=1' <'$FILE'")
}

# e2e SYNC: the appender first, then the publisher; seconds to all.
e2e() {
	n=$((n + 1))
	append_start "e$n" "$1" "e$n.>?stream=E$n&create=1"
	_t0=$(now_ns)
	if "$BIN/mkt-diff" -o "$URL/e$n?stream=E$n&create=1" <"$FILE" 2>>"$T/err"
	then
		RES=$(until_count "$T/e$n.ack" "$APID" "$_t0")
	else
		RES=FAIL
	fi
	append_stop
}

# backlog SYNC: the stream of the last publish_run, read from the start.
backlog() {
	append_start "b$n" "$1" "p$n.>?stream=P$n"
	RES=$(until_count "$T/b$n.ack" "$APID" "$(now_ns)")
	append_stop
}

# backlog_diff: the same stream read by mkt-diff, which acks a message
# once its output is written rather than at a sync: until N lines came.
backlog_diff() {
	mkfifo "$T/bd.$n" || die "cannot make a fifo"
	"$BIN/mkt-diff" -i "$URL/p$n.>?stream=P$n" >"$T/bd.$n" 2>>"$T/err" &
	_d=$!
	pids="$pids $_d"
	_t0=$(now_ns)
	_got=$(head -n "$EVENTS" <"$T/bd.$n" | wc -l)
	_t1=$(now_ns)
	kill -TERM "$_d" 2>/dev/null
	wait "$_d" 2>/dev/null
	if [ "$_got" -eq "$EVENTS" ]; then
		RES=$(awk -v a="$_t0" -v b="$_t1" \
		    'BEGIN { printf "%.4f", (b - a) / 1e9 }')
	else
		RES=FAIL
	fi
}

pipe=$(runs "$RUNS" "cat '$FILE' | '$BIN/mkt-journal' append '$T/j'")
[ "$pipe" = FAIL ] && die "the pipe baseline failed: $(cat "$T/err")"

row() {
	if [ "$2" = FAIL ]; then
		failed=1
		printf '%-58s   FAILED\n' "$1" | out
		return
	fi
	awk -v l="$1" -v w="$2" -v p="$pipe" -v ev="$EVENTS" 'BEGIN {
		printf "%-58s %8.3f %10.0f %8.3f\n", l, w, ev / w, p / w }' | out
}

{
	echo "== NATS JetStream: $(date -u +%Y-%m-%dT%H:%M:%SZ), nats-server" \
		"$nver (-js, file storage) on 127.0.0.1," \
		"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo ?) CPU," \
		"load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
	awk -v ev="$EVENTS" -v by="$bytes" -v f="$FILE" 'BEGIN {
		printf "%s: %d depth events, 4 symbols, %.1f MB, %.0f bytes/event\n",
		    f, ev, by / 1e6, by / ev }'
	echo "throughput: pipes and publishing the median of $RUNS runs," \
		"end to end one run each"
	printf '%-58s %8s %10s %8s\n' path "wall s" events/s "x pipe"
} >"$TABLE"
cat "$TABLE"
row "cat FILE | mkt-journal append J (baseline)" "$pipe"
row "mkt-diff < FILE | mkt-journal append J" \
	"$(runs "$RUNS" "'$BIN/mkt-diff' <'$FILE' | '$BIN/mkt-journal' append '$T/j'")"
i=0 all=
while [ "$i" -lt "$RUNS" ]; do
	publish_run
	all="$all $RES"
	i=$((i + 1))
done
case $all in *FAIL*) pub=FAIL ;; *) pub=$(median "$all") ;; esac
row "mkt-diff -o nats:// < FILE (published, all acked)" "$pub"
last=
for s in $SYNCS; do
	e2e "$s"
	row "publish -> JetStream -> append -i nats:// --sync $s" "$RES"
	last=$s
done
if [ -n "$last" ]; then
	publish_run
	if [ "$RES" = FAIL ]; then
		row "backlog: publishing" FAIL
	else
		backlog "$last"
		row "backlog: append -i nats:// --sync $last, stream full" "$RES"
		backlog_diff
		row "backlog: mkt-diff -i nats:// (acks as it writes)" "$RES"
	fi
fi

# ---- latency ----

lat_pipe() {
	RES=$(python3 bench/nats-lat.py gen "$((LATN + WARM))" "$RATE" |
		"$BIN/mkt-diff" | "$BIN/mkt-diff" |
		python3 bench/nats-lat.py read "$LATN" "$WARM" 2>>"$T/err") ||
		RES=FAIL
}

# lat_nats: the consumer (mkt-diff -i nats:// into a fifo that the
# reader reads) first, then the producer; the consumer never ends by
# itself: it is stopped once the reader has all it wanted.
lat_nats() {
	n=$((n + 1))
	mkfifo "$T/fifo.$n" || die "cannot make a fifo"
	"$BIN/mkt-diff" -i "$URL/l$n.>?stream=L$n&create=1" \
	    >"$T/fifo.$n" 2>>"$T/err" &
	_c=$!
	python3 bench/nats-lat.py read "$LATN" "$WARM" <"$T/fifo.$n" \
	    >"$T/lat.$n" 2>>"$T/err" &
	_r=$!
	pids="$pids $_c $_r"
	python3 bench/nats-lat.py gen "$((LATN + WARM))" "$RATE" |
		"$BIN/mkt-diff" -o "$URL/l$n?stream=L$n&create=1" 2>>"$T/err"
	_st=$?
	if [ "$_st" -eq 0 ]; then
		wait "$_r"
		_st=$?
	fi
	kill -TERM "$_c" "$_r" 2>/dev/null
	wait "$_c" 2>/dev/null
	RES=FAIL
	if [ "$_st" -eq 0 ] && [ -s "$T/lat.$n" ]; then
		RES=$(cat "$T/lat.$n")
	fi
}

lat_pipe
lp=$RES
lat_nats
ln=$RES
{
	echo "latency: $LATN trades at $RATE/s (after $WARM more), the" \
		"producer's wall clock to the reader's, microseconds"
	printf '%-58s %7s %7s %7s %7s %7s\n' path p50 p90 p99 max "x pipe"
} | out
lat_row() {
	# shellcheck disable=SC2086 # "n p50 p90 p99 max" or FAIL
	set -- "$1" $2
	if [ "$2" = FAIL ]; then
		failed=1
		printf '%-58s   FAILED\n' "$1" | out
		return
	fi
	awk -v l="$1" -v a="$3" -v b="$4" -v c="$5" -v d="$6" -v p="$base" \
	    'BEGIN { printf "%-58s %7d %7d %7d %7d %7.1f\n", l, a, b, c, d,
		(p > 0 ? a / p : 0) }' | out
}
base=0
case $lp in FAIL) ;; *) base=$(echo "$lp" | cut -d' ' -f2) ;; esac
lat_row "gen | mkt-diff | mkt-diff | read (baseline)" "$lp"
lat_row "gen | mkt-diff -o nats://, mkt-diff -i nats:// | read" "$ln"

if [ -s "$T/err" ]; then
	echo "bench/nats: what the programs said:" >&2
	tail -n 20 "$T/err" >&2
fi
cat "$TABLE" >>"$RESULTS"
exit "$failed"
