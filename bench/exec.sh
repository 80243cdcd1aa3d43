#!/bin/sh
# bench/exec.sh: mkt-exec's benchmarks in `make bench` (bench/run.sh
# runs it; `make bench-exec` runs it alone).  Everything runs on
# 127.0.0.1; all processes it starts are stopped at exit.
#
# Latency: intent to signed request on the wire, against mkt-sim.
# bench/exec-lat.py starts the client with its REST base pointing at a
# proxy it serves in front of mkt-sim, writes BENCH_EXEC_INTENTS (200)
# intents into the client's input pipe one at a time, and takes the time
# from writing a line to the recv() at the proxy that completes the
# order's POST (one process holds both ends: one clock, and mkt-sim
# stays as it is).  Each intent waits until the client said the order
# is new, then BENCH_EXEC_GAP_MS (25) more, so that nothing queues (not
# even behind the REST client's pace of 5 requests a host per 100 ms,
# which the last row shows).  Clients, for binance:spot and
# bybit:linear:
#   exec-base (bench/exec-base.c): the baseline, the smallest client
#     doing the same work: reads the line, parses nothing, signs the
#     same order with HMAC-SHA256, writes it on a kept-alive socket;
#   mkt-exec --no-stream with its state store on tmpfs (/dev/shm), and
#     on disk (bench/out/): the difference is what the store's fsyncs
#     cost (mkt-exec commits the intent, then its "sent" mark, before
#     the request leaves: two fdatasync calls).
# Bybit's ack carries no state: mkt-exec learns "new" by a query 200 ms
# later, so its runs take BENCH_EXEC_BYBIT_INTENTS (100).
#
# Paper: the capture of tests/0970-paper.sh with an order at every
# market event (tests/tools/paper_check.py gen --every 1), repeated
# BENCH_EXEC_COPIES (2) times with fresh client ids (bench/paper-input.py),
# read with < FILE, output to /dev/null, median of BENCH_RUNS (3) by wall
# (the disk store: one run).  Baselines on the same input: mkt-book
# --levels 1 (a stage reading the same events) and tests/tools/paper-run
# (the paper venue library alone, no store).  Rows: events/s, intents/s,
# CPU, and the time over paper-run's.  The store is where the time goes:
# on paper mkt-exec commits what one read of input (up to 256 lines)
# changed as one transaction, then writes its events; the fdatasync
# calls are counted by strace when it works, and tmpfs against disk
# splits the store's work from its fsyncs.
#
# Before and after: BENCH_EXEC_BASE_BIN=DIR (another build's bin
# directory) adds its mkt-exec's paper rows, and the ratio of the two.
#
# Environment: MKT_BIN (build/bin), MKT_TOOLS (build/tools), CC (cc),
# BENCH_RUNS, BENCH_EXEC_INTENTS, BENCH_EXEC_BYBIT_INTENTS,
# BENCH_EXEC_GAP_MS, BENCH_EXEC_COPIES, BENCH_EXEC_ONLY=latency or paper
# (that part alone), BENCH_EXEC_DISK=0 (no disk-store rows: they are the
# slow ones).  Needs python3, and libcrypto's headers for exec-base.
# The tables go to standard output and are appended to
# bench/out/results.txt (an mkt-exec section of an earlier run is
# replaced).  Exit status: 0, or 1 when a run failed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
TOOLS=${MKT_TOOLS:-build/tools}
RUNS=${BENCH_RUNS:-3}
NINT=${BENCH_EXEC_INTENTS:-200}
NBYBIT=${BENCH_EXEC_BYBIT_INTENTS:-100}
GAP=${BENCH_EXEC_GAP_MS:-25}
COPIES=${BENCH_EXEC_COPIES:-2}
DISK=${BENCH_EXEC_DISK:-1}
BASE=${BENCH_EXEC_BASE_BIN:-}
OUT=bench/out
RESULTS=$OUT/results.txt
BASEBIN=$OUT/exec-base
SHM=/dev/shm
failed=0
pids=

die() {
	echo "bench/exec: $*" >&2
	exit 1
}

for v in RUNS NINT NBYBIT GAP COPIES; do
	eval "x=\$$v"
	# shellcheck disable=SC2154 # set by the eval
	case $x in
	''|*[!0-9]*) die "$v: not a number" ;;
	esac
done
for p in "$BIN/mkt-sim" "$BIN/mkt-exec" "$BIN/mkt-book" "$TOOLS/paper-run"; do
	[ -x "$p" ] || die "$p not built (run make first)"
done
command -v python3 >/dev/null || die "needs python3"
[ -z "$BASE" ] || [ -x "$BASE/mkt-exec" ] || die "$BASE/mkt-exec not built"
mkdir -p "$OUT" || die "cannot create $OUT"
[ -d "$SHM" ] && [ -w "$SHM" ] || SHM=
T=$(mktemp -d "${TMPDIR:-/tmp}/mkt-exec-bench.XXXXXX") ||
	die "cannot make a temporary directory"
# The disk store: in bench/out, on the tree's file system.
D=$(mktemp -d "$OUT/exec-store.XXXXXX") || die "cannot make a directory"
S=
[ -n "$SHM" ] && { S=$(mktemp -d "$SHM/mkt-exec-bench.XXXXXX") || S=; }
TABLE=$T/table

# shellcheck disable=SC2317 # run by the trap
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T" "$D" ${S:+"$S"}
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

out() {
	tee -a "$TABLE"
}

load() {
	cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?
}

# The baseline client, built once per change of its source.
build_base() {
	if [ -x "$BASEBIN" ] && [ -z "$(find bench/exec-base.c -newer "$BASEBIN")" ]
	then
		return 0
	fi
	${CC:-cc} -O2 -Wall -Wextra -o "$BASEBIN" bench/exec-base.c -lcrypto \
	    2>"$T/cc.err" && return 0
	cat "$T/cc.err" >&2
	return 1
}

# ---- latency ----

start_sim() {
	"$BIN/mkt-sim" --port-file "$T/port" --symbols BTCUSDT --rate 20 \
	    --markets binance:spot,bybit:linear \
	    --order-limit binance:spot=1000000 \
	    --order-limit bybit:linear=1000000 2>"$T/sim.err" &
	SIM=$!
	pids="$pids $SIM"
	_i=0
	while [ ! -s "$T/port" ]; do
		if [ $_i -ge 200 ] || ! kill -0 "$SIM" 2>/dev/null; then
			cat "$T/sim.err" >&2
			die "mkt-sim did not start"
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	PORT=$(cat "$T/port")
}

# lat VENUE N GAP TAG CMD...: "n p50 p90 p99 max" (µs) or FAIL.
lat() {
	_v=$1 _n=$2 _g=$3 _tag=$4
	shift 4
	python3 bench/exec-lat.py --sim-port "$PORT" --venue "$_v" \
	    --intents "$_n" --gap-ms "$_g" --tag "$_tag" -- "$@" \
	    2>>"$T/lat.err" || echo FAIL
}

# lat_row LABEL RESULT [BASE_P50]
lat_row() {
	# shellcheck disable=SC2086 # "n p50 p90 p99 max" or FAIL
	set -- "$1" $2 "${3:-}"
	if [ "$2" = FAIL ]; then
		failed=1
		printf '%-52s   FAILED (see below)\n' "$1" | out
		return
	fi
	awk -v l="$1" -v p50="$3" -v p90="$4" -v p99="$5" -v mx="$6" \
	    -v b="$7" 'BEGIN {
		x = b == "" ? "-" : sprintf("%.1f", p50 / b)
		printf "%-52s %7d %7d %7d %7d %7s\n", l, p50, p90, p99, mx, x
	}' | out
}

p50_of() {
	# shellcheck disable=SC2086
	set -- $1
	[ "$1" = FAIL ] || echo "$2"
}

exec_cmd() {
	echo "$BIN/mkt-exec --venue $1 --state $2 --key-file $T/key" \
	    "--no-stream --no-pass --poll 1h --order-rate 100000/1s"
}

latency_venue() {
	_venue=$1 _kind=$2 _n=$3
	_base=$(lat "$_kind" "$_n" "$GAP" "b$_kind" "$BASEBIN" "$_kind" "b$_kind")
	lat_row "exec-base $_kind (the baseline)" "$_base"
	_b=$(p50_of "$_base")
	_shm='' _disk=''
	if [ -n "$S" ]; then
		# shellcheck disable=SC2046 # the command line, split
		_shm=$(lat "$_kind" "$_n" "$GAP" "s$_kind" \
		    $(exec_cmd "$_venue" "$S/$_kind.db"))
		lat_row "mkt-exec $_venue, store on tmpfs" "$_shm" "$_b"
	fi
	if [ "$DISK" != 0 ]; then
		# shellcheck disable=SC2046
		_disk=$(lat "$_kind" "$_n" "$GAP" "d$_kind" \
		    $(exec_cmd "$_venue" "$D/$_kind.db"))
		lat_row "mkt-exec $_venue, store on disk" "$_disk" "$_b"
	fi
	if [ -n "$(p50_of "$_shm")" ] && [ -n "$(p50_of "$_disk")" ]; then
		# shellcheck disable=SC2086 # two "n p50 p90 p99 max", split
		set -- $_shm $_disk
		awk -v a="$2" -v b="$7" -v c="$4" -v d="$9" -v base="$_b" 'BEGIN {
			printf "  the store'"'"'s fsyncs (disk - tmpfs): %d us at p50" \
			    " (%.0f %% of it), %d at p99; the rest of the pipeline" \
			    " over the baseline: %d us at p50\n", b - a,
			    100 * (b - a) / b, d - c, a - base
		}' | out
	fi
}

latency() {
	build_base || { failed=1; echo "bench/exec: cannot build exec-base" \
	    "(libssl-dev?): no latency rows" | out; return; }
	if ! printf 'mkt-sim-test-key\nmkt-sim-test-secret\n' >"$T/key" ||
	    ! chmod 600 "$T/key"; then
		die "cannot write the key file"
	fi
	MKT_API_KEY=mkt-sim-test-key MKT_API_SECRET=mkt-sim-test-secret
	export MKT_API_KEY MKT_API_SECRET
	start_sim
	{
		echo "intent to signed request on the wire, us: one intent at a" \
		    "time, $GAP ms apart, the first 20 left out;"
		echo "time from writing the line into the client's input pipe" \
		    "to the request's last byte at a proxy in front of mkt-sim"
		echo "(load average before: $(load))"
		echo
		printf '%-52s %7s %7s %7s %7s %7s\n' client p50 p90 p99 max \
		    "x base"
	} | out
	echo "binance:spot, $NINT intents" | out
	latency_venue binance:spot binance "$NINT"
	echo "bybit:linear, $NBYBIT intents" | out
	latency_venue bybit:linear bybit "$NBYBIT"
	if [ -n "$S" ]; then
		echo "binance:spot back to back (no gap), $NINT intents:" \
		    "the REST client starts at most 5 requests a host in 100 ms" |
		    out
		# shellcheck disable=SC2046
		lat_row "mkt-exec binance:spot, store on tmpfs, no gap" \
		    "$(lat binance "$NINT" 0 "g" \
		    $(exec_cmd binance:spot "$S/gap.db"))"
	fi
	if [ -s "$T/lat.err" ]; then
		sed 's/^/  /' "$T/lat.err" | out
	fi
	echo | out
	kill -TERM "$SIM" 2>/dev/null
	wait "$SIM" 2>/dev/null
}

# ---- paper ----

# measure CMD: "WALL USER SYS" of the median (by wall) of N runs of
# sh -c CMD, or FAIL.  Each run may start with PREP (a fresh store).
MEASURE='
import os, resource, subprocess, sys
cmd, runs, prep = sys.argv[1], int(sys.argv[2]), sys.argv[3]
res = []
for _ in range(runs):
    if prep and subprocess.call(["sh", "-c", prep]) != 0:
        print("FAIL")
        sys.exit(0)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = os.times().elapsed
    rc = subprocess.call(["sh", "-c", "set -e; " + cmd])
    t1 = os.times().elapsed
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0:
        print("FAIL")
        sys.exit(0)
    res.append((t1 - t0, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime))
res.sort()
print("%.4f %.4f %.4f" % res[len(res) // 2])
'
measure() {
	python3 -c "$MEASURE" "$1" "$2" "${3:-}"
}

# paper_row LABEL "WALL USER SYS" [BASE_WALL]
paper_row() {
	# shellcheck disable=SC2086
	set -- "$1" $2 "${3:-}"
	if [ "$2" = FAIL ]; then
		failed=1
		printf '%-44s   FAILED\n' "$1" | out
		return
	fi
	awk -v l="$1" -v w="$2" -v u="$3" -v s="$4" -v b="$5" \
	    -v ev="$nev" -v it="$nint" 'BEGIN {
		x = b == "" ? "-" : sprintf("%.1f", w / b)
		printf "%-44s %8.3f %10.0f %10.0f %7.2f %7.2f %8s\n", l, w,
		    ev / w, it / w, u, s, x
	}' | out
}

# syncs CMD: fdatasync and fsync calls of one run, or "-".
syncs() {
	if ! command -v strace >/dev/null ||
	    ! strace -f -qq -c -o /dev/null true 2>/dev/null; then
		echo -
		return
	fi
	strace -f -qq -c -e trace=fdatasync,fsync -o "$T/strace" sh -c "$1" \
	    || { echo -; return; }
	awk '$NF == "fdatasync" || $NF == "fsync" { n += $4 }
	    END { print n + 0 }' "$T/strace"
}

# paper_exec BIN ARGS PAPER_RUN_WALL: the rows of BIN/mkt-exec ARGS,
# store on tmpfs and on disk; their walls in _w_base_* or _w_new_*.
paper_exec() {
	_who=new _lab=mkt-exec
	if [ "$1" != "$BIN" ]; then
		_who=base _lab="base mkt-exec"
	fi
	_ws='' _wd=''
	if [ -n "$S" ]; then
		_r=$(measure "$1/mkt-exec $2 --state $S/p.db" "$RUNS" \
		    "rm -f $S/p.db*")
		paper_row "$_lab --venue paper, store on tmpfs" "$_r" "$3"
		_ws=${_r%% *}
	fi
	if [ "$DISK" != 0 ]; then
		_r=$(measure "$1/mkt-exec $2 --state $D/p.db" 1 "rm -f $D/p.db*")
		paper_row "$_lab --venue paper, store on disk" "$_r" "$3"
		_wd=${_r%% *}
	fi
	[ "$_ws" = FAIL ] && _ws=
	[ "$_wd" = FAIL ] && _wd=
	eval "_w_${_who}_shm=\$_ws _w_${_who}_disk=\$_wd"
}

paper() {
	_gen=$OUT/paper-gen.ndjson
	if [ ! -s "$_gen" ] ||
	    [ -n "$(find tests/tools/paper_check.py tests/tools/capture2events.py \
	    -newer "$_gen")" ]; then
		if ! python3 tests/tools/capture2events.py bybit \
		    tests/data/cryptofeed/BYBIT.jsonl.zst >"$T/events" ||
		    ! python3 tests/tools/paper_check.py gen "$T/events" \
		    --seed 1 --every 1 >"$_gen.tmp" ||
		    ! mv "$_gen.tmp" "$_gen"; then
			die "cannot make $_gen"
		fi
	fi
	# shellcheck disable=SC2046
	set -- $(python3 bench/paper-input.py "$_gen" "$COPIES" "$T/run.in" \
	    "$T/exec.in") || die "cannot make the paper input"
	nev=$1 nint=$2
	_fees="--maker-fee 0.0002 --taker-fee 0.00055"
	_x="--venue paper $_fees <$T/exec.in >/dev/null 2>>$T/paper.err"
	{
		echo "paper venue: the Bybit capture of tests/0970 with an order" \
		    "at every market event, x$COPIES:"
		echo "$nev market events, $nint intents; < FILE, output to" \
		    "/dev/null, median of $RUNS by wall (disk: 1 run)"
		echo "(load average before: $(load))"
		echo
		printf '%-44s %8s %10s %10s %7s %7s %8s\n' command "wall s" \
		    events/s intents/s "user s" "sys s" "x paper"
	} | out
	paper_row "mkt-book --levels 1 (same input)" \
	    "$(measure "$BIN/mkt-book --levels 1 <$T/exec.in >/dev/null" "$RUNS")"
	_pr=$(measure "$TOOLS/paper-run --maker 0.0002 --taker 0.00055 \
	    <$T/run.in >/dev/null" "$RUNS")
	paper_row "paper-run (the library, no store)" "$_pr"
	# shellcheck disable=SC2086
	set -- $_pr
	_b1=$1
	[ "$_b1" = FAIL ] && _b1=
	_w_base_shm='' _w_base_disk='' _w_new_shm='' _w_new_disk=''
	for _b in ${BASE:+"$BASE"} "$BIN"; do
		paper_exec "$_b" "$_x" "$_b1"
	done
	if [ -n "$BASE" ]; then
		awk -v a="$_w_base_shm" -v b="$_w_new_shm" -v c="$_w_base_disk" \
		    -v d="$_w_new_disk" 'BEGIN {
			printf "  this build over the base: intents/s x%s on" \
			    " tmpfs, x%s on disk\n",
			    a && b ? sprintf("%.1f", a / b) : "-",
			    c && d ? sprintf("%.1f", c / d) : "-" }' | out
	fi
	# The count is the same on tmpfs, where it takes less time.
	for _b in ${BASE:+"$BASE"} "$BIN"; do
		rm -f "${S:-$D}"/p.db*
		_n=$(syncs "$_b/mkt-exec $_x --state ${S:-$D}/p.db")
		[ "$_n" != - ] && awk -v n="$_n" -v it="$nint" -v b="$_b" 'BEGIN {
			printf "  %s/mkt-exec: %d fdatasync calls, %.2f an" \
			    " intent\n", b, n, n / it }' | out
	done
	echo | out
}

{
	echo "mkt-exec bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m)," \
	    "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo ?) CPU"
	[ -n "$S" ] || echo "(no writable /dev/shm: no tmpfs rows)"
} | out
case ${BENCH_EXEC_ONLY:-} in
latency) latency ;;
paper) paper ;;
*) latency; paper ;;
esac

# Replace the mkt-exec section of an earlier run, append this one.
: >"$T/results"
if [ -s "$RESULTS" ]; then
	awk '
		/^mkt(-[a-z]+)? bench, / { skip = /^mkt-exec bench, / }
		skip { next }
		NF { for (; blank > 0; blank--) print ""; print; any = 1; next }
		{ blank++ }
		END { if (any) print "" }' "$RESULTS" >"$T/results" ||
	    die "cannot read $RESULTS"
fi
if ! cat "$TABLE" >>"$T/results" || ! mv "$T/results" "$RESULTS"; then
	die "cannot write $RESULTS"
fi
exit "$failed"
