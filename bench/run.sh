#!/bin/sh
# bench/run.sh: the benchmarks behind `make bench`.
#
# Generates a synthetic Binance spot depth stream (gen-depth: 1 000 000
# events, 1000 levels a side, cached in bench/out/ until the generator
# changes), then times, on that one file and in this one run, two
# baselines (cat and `jq -c .`) and the mkt programs reading it with
# `< FILE` (not through a pipe), each writing to /dev/null.  Fast commands
# run BENCH_RUNS times (default 3) and the median is reported; jq runs
# once.  What --keep costs (the raw stream passed on, for a journal
# downstream): mkt-depth --interval 1m with and without it, alone and
# with mkt-diff --aggregate behind it, and the ratios of their events/s.
# Last, the memory one 5000-level book costs in mkt-book and
# mkt-depth: peak RSS on a 5000-level stream minus peak RSS on empty input.
#
# The table goes to standard output and to bench/out/results.txt.  Then
# bench/pipeline.sh adds a two-stage pipeline against its stages alone,
# for a baseline build and this one (see there: BENCH_BASE_BIN,
# BENCH_BASE_REF, BENCH_PIPE_EVENTS), bench/feed.sh adds the live feed
# benchmarks (mkt-sim -> mkt-feed throughput, receive-to-output latency)
# to both, and bench/journal.sh the
# journal's (mkt-journal append, compression against zstd(1), mkt-replay,
# seeks, the history tables and queries against plain SQLite rows and
# PostgreSQL; see there for its variables, BENCH_DAYS among them).
#
# Environment: MKT_BIN (build/bin), MKT_TOOLS (build/tools), both relative
# to the top of the tree, where the script runs; BENCH_EVENTS (1000000),
# BENCH_RUNS (3), BENCH_JQ=0 to skip jq (no ratio column then),
# BENCH_PIPE=0 to skip bench/pipeline.sh,
# BENCH_FEED=0 to skip bench/feed.sh (see it for its own variables),
# BENCH_JOURNAL=0 to skip bench/journal.sh,
# BENCH_ANCHOR=0 to skip bench/anchor.sh (mkt-replay --book against the
# plain seek; see there for BENCH_ANCHOR_GB and the rest),
# BENCH_EXEC=0 to skip bench/exec.sh (mkt-exec: intent to request on
# the wire against mkt-sim, intents/s on the paper venue; see there),
# BENCH_RISK=0 to skip bench/risk.sh (mkt-risk against the same checks
# in jq and in Python),
# BENCH_SERVE=0 to skip bench/serve.sh (mkt-serve's chart data against
# mkt-journal query and python3, and its memory with 100 stream
# clients; see there),
# BENCH_NATS=0 to skip bench/nats.sh (events through NATS JetStream into
# the journal, and their latency, against the same through pipes).
# Exit status: 0, or 1 when a program failed or a stream could not be made.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
TOOLS=${MKT_TOOLS:-build/tools}
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-3}
OUT=bench/out
GEN=$TOOLS/gen-depth
FILE=$OUT/depth-$EVENTS.ndjson
FILE5K=$OUT/depth-5000lv.ndjson
RESULTS=$OUT/results.txt
TABLE=$OUT/results.tmp
failed=0

# out: append what is printed to the table as well.
out() {
	tee -a "$TABLE"
}

die() {
	echo "bench: $*" >&2
	exit 1
}

case $EVENTS in
''|*[!0-9]*) echo "bench: BENCH_EVENTS: not a number" >&2; exit 2 ;;
esac
case $RUNS in
''|*[!0-9]*|0) echo "bench: BENCH_RUNS: not a number >= 1" >&2; exit 2 ;;
esac

[ -x "$GEN" ] || die "$GEN not built (run make first)"
mkdir -p "$OUT" || die "cannot create $OUT"

# Peak RSS: GNU time when it is there, else a small python3 wrapper that
# waits for its one child and reads that child's rusage (its figure has a
# floor: the wrapper's own RSS before the exec).  Wall time from date, or
# from the wrapper, which then leaves its own start-up out.
if /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
	rss_tool="GNU time"
elif command -v python3 >/dev/null; then
	rss_tool=python3
else
	rss_tool=none
fi

now_ns() {
	date +%s%N
}

# run_rss INPUT RESFILE CMD...: run CMD < INPUT > /dev/null; "RSS WALL"
# into RESFILE (peak RSS in KiB or "-", wall seconds); CMD's exit status.
run_rss() {
	_in=$1 _res=$2
	shift 2
	case $rss_tool in
	python3)
		python3 -c '
import os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
open(sys.argv[1], "w").write("%d %.4f\n" % (ru.ru_maxrss, wall))
sys.exit(os.waitstatus_to_exitcode(status) & 255)
' "$_res" "$@" <"$_in" >/dev/null
		;;
	*)
		_t0=$(now_ns)
		if [ "$rss_tool" = none ]; then
			echo - >"$_res.rss"
			"$@" <"$_in" >/dev/null
		else
			/usr/bin/time -f %M -o "$_res.rss" "$@" <"$_in" >/dev/null
		fi
		_st=$?
		_t1=$(now_ns)
		echo "$(tail -1 "$_res.rss") $(awk -v a="$_t0" -v b="$_t1" \
			'BEGIN { printf "%.4f", (b - a) / 1e9 }')" >"$_res"
		rm -f "$_res.rss"
		return "$_st"
		;;
	esac
}

# gen_stream FILE ARGS...: FILE and FILE.meta from gen-depth, unless they
# are there and newer than the generator.
gen_stream() {
	_f=$1
	shift
	if [ -s "$_f" ] && [ -s "$_f.meta" ] &&
	    [ -z "$(find "$GEN" -newer "$_f")" ]; then
		return 0
	fi
	echo "bench: generating $_f ($*)" >&2
	_t0=$(now_ns)
	if ! "$GEN" "$@" --meta "$_f.meta.tmp" >"$_f.tmp" ||
	    ! mv "$_f.meta.tmp" "$_f.meta" || ! mv "$_f.tmp" "$_f"; then
		rm -f "$_f.tmp" "$_f.meta.tmp"
		die "cannot generate $_f"
	fi
	echo "bench: generated in $(secs "$_t0" "$(now_ns)") s" >&2
}

secs() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'
}

meta() {
	sed -n "s/^$2=//p" "$1.meta"
}

# measure NAME RUNS CMD...: median wall time (s) and the largest peak RSS
# (KiB) of RUNS runs of CMD < FILE, as "WALL RSS", or "FAIL STATUS".
measure() {
	_runs=$2
	shift 2
	_walls='' _maxrss=0 _i=0
	while [ "$_i" -lt "$_runs" ]; do
		run_rss "$FILE" "$OUT/run.tmp" "$@"
		_st=$?
		if [ "$_st" -ne 0 ]; then
			echo "FAIL $_st"
			return
		fi
		read -r _r _w <"$OUT/run.tmp"
		_walls="$_walls $_w"
		case $_r in
		*[!0-9]*|'') _maxrss=- ;;
		*) if [ "$_maxrss" != - ] && [ "$_r" -gt "$_maxrss" ]; then
			_maxrss=$_r
		   fi ;;
		esac
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2086 # a list of numbers, split on purpose
	_wall=$(printf '%s\n' $_walls | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	echo "$_wall $_maxrss"
}

# Thousands grouped with a thin space, as in MEASUREMENTS.md.
AWK_FMT='
function grp(x,    s, r) {
	s = sprintf("%.0f", x)
	r = ""
	while (length(s) > 3) {
		r = " " substr(s, length(s) - 2) r
		s = substr(s, 1, length(s) - 3)
	}
	return s r
}'

row_header() {
	printf '%-44s %8s %11s %12s %8s %8s %8s\n' \
		command "wall s" "events/s" "levels/s" "MB/s" "RSS MB" "x jq"
}

# row LABEL RESULT: one line of the table from measure's "WALL RSS".
row() {
	_label=$1
	# shellcheck disable=SC2086 # "WALL RSS" or "FAIL STATUS"
	set -- $2
	if [ "$1" = FAIL ]; then
		printf '%-44s   FAILED (exit status %s)\n' "$_label" "$2" | out
		return
	fi
	awk -v label="$_label" -v wall="$1" -v rss="$2" -v ev="$events" \
	    -v lv="$levels" -v by="$bytes" -v jq="${jq_eps:-}" "$AWK_FMT"'
	BEGIN {
		eps = ev / wall
		r = rss == "-" ? "-" : sprintf("%.1f", rss / 1024)
		x = jq == "" ? "-" : sprintf("%.1f", eps / jq)
		printf "%-44s %8.3f %11s %12s %8.1f %8s %8s\n", label, wall,
		    grp(eps), grp(lv / wall), by / 1e6 / wall, r, x
	}' | out
}

# bench LABEL RUNS CMD...: measure and print a row; a missing program is
# a row saying so, a failing one a failed row and exit status 1.
bench() {
	_label=$1 _n=$2
	shift 2
	case $1 in
	*/*)	if ! [ -x "$1" ]; then
			printf '%-44s   not built\n' "$_label" | out
			return
		fi ;;
	esac
	_res=$(measure "$_label" "$_n" "$@")
	case $_res in FAIL*) failed=1 ;; esac
	row "$_label" "$_res"
}

# keep_cost: mkt-depth --interval 1m without and with --keep, alone and
# with mkt-diff --aggregate behind it (the pipe and the next stage's
# reading are what passing the raw stream on costs there), then the
# events/s with --keep as a share of those without, from this one run.
# The four commands take turns, run by run, so that a change in the
# machine's load falls on all of them alike.
keep_cost() {
	_pipe="$BIN/mkt-depth --interval 1m"
	_diff="| $BIN/mkt-diff --aggregate"
	_w0='' _w1='' _w2='' _w3='' _i=0
	while [ "$_i" -lt "$RUNS" ]; do
		_w0="$_w0 $(measure "" 1 "$BIN/mkt-depth" --interval 1m)"
		_w1="$_w1 $(measure "" 1 "$BIN/mkt-depth" --interval 1m --keep)"
		_w2="$_w2 $(measure "" 1 sh -c "$_pipe $_diff")"
		_w3="$_w3 $(measure "" 1 sh -c "$_pipe --keep $_diff")"
		_i=$((_i + 1))
	done
	case "$_w0$_w1$_w2$_w3" in
	*FAIL*)	failed=1
		printf '%-44s   FAILED\n' "mkt-depth --interval 1m [--keep]" | out
		return ;;
	esac
	_r0=$(median_pairs "$_w0") _r1=$(median_pairs "$_w1")
	_r2=$(median_pairs "$_w2") _r3=$(median_pairs "$_w3")
	row "mkt-depth --interval 1m" "$_r0"
	row "mkt-depth --interval 1m --keep" "$_r1"
	row "  ... | mkt-diff --aggregate" "$_r2"
	row "  ... --keep | mkt-diff --aggregate" "$_r3"
	# shellcheck disable=SC2086 # "WALL RSS" pairs, split on purpose
	set -- $_r0 $_r1 $_r2 $_r3
	awk -v a="$1" -v b="$3" -v c="$5" -v d="$7" 'BEGIN {
		printf "--keep: events/s x%.2f of those without (mkt-depth", a / b
		printf " alone), x%.2f (mkt-diff behind it)\n", c / d
	}' | out
}

# median_pairs "W R W R ...": the median wall and the largest RSS, as
# "WALL RSS" (RSS "-" when any is).
median_pairs() {
	# shellcheck disable=SC2086 # a list of numbers, split on purpose
	printf '%s %s\n' $1 | sort -n | awk '
	{ w[NR] = $1; if ($2 == "-" || r == "-") r = "-"
	  else if ($2 + 0 > r + 0) r = $2 }
	END { print w[int((NR + 1) / 2)], r }'
}

# rss_of INPUT CMD...: peak RSS in KiB of one run, or "-" when it failed.
rss_of() {
	_in=$1
	shift
	if run_rss "$_in" "$OUT/run.tmp" "$@"; then
		read -r _r _w <"$OUT/run.tmp"
		echo "$_r"
	else
		echo -
	fi
}

# book_mem LABEL CMD...: MB one 5000-level book costs in CMD.
book_mem() {
	_label=$1
	shift
	if ! [ -x "$1" ]; then
		printf '%-44s   not built\n' "$_label" | out
		return
	fi
	_full=$(rss_of "$FILE5K" "$@")
	_empty=$(rss_of /dev/null "$@")
	case $_full$_empty in *-*) failed=1 ;; esac
	awk -v label="$_label" -v full="$_full" -v empty="$_empty" 'BEGIN {
		if (full == "-" || empty == "-") {
			printf "%-44s   no measurement\n", label
			exit
		}
		printf "%-44s %6.2f MB per 5000-level book" \
		    " (peak %.1f, empty input %.1f)\n",
		    label, (full - empty) / 1024, full / 1024, empty / 1024
	}' | out
}

gen_stream "$FILE" --events "$EVENTS"
gen_stream "$FILE5K" --levels 5000 --events 20000

events=$(meta "$FILE" events)
levels=$(meta "$FILE" levels)
bytes=$(meta "$FILE" bytes)
deletions=$(meta "$FILE" deletions)
[ "$events" -gt 0 ] 2>/dev/null || die "$FILE: no events"

{
	echo "mkt bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m)," \
		"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo ?) CPU" \
		"($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null |
			head -1))"
	awk -v f="$FILE" -v ev="$events" -v lv="$levels" -v by="$bytes" \
	    -v del="$deletions" -v bl="$(meta "$FILE" book_levels)" 'BEGIN {
		printf "stream %s: %d depth events after a %d-level" \
		    " snapshot, %.1f MB,\n", f, ev, bl, by / 1e6
		printf "  %.0f bytes/event, %.1f changed levels/event, %.1f %% deletions\n",
		    by / ev, lv / ev, 100 * del / lv
	}'
	echo "median of $RUNS runs (jq: 1), input with < FILE, output to /dev/null," \
		"peak RSS by $rss_tool"
	if [ "$rss_tool" = python3 ]; then
		echo "  (RSS floor of the python3 wrapper: $(rss_of /dev/null true |
			awk '{ printf "%.1f", $1 / 1024 }') MB; smaller peaks show as that)"
	fi
	echo
	row_header
} >"$TABLE"
cat "$TABLE"

# Warm the page cache so that the first timed command does not pay for
# the disk.
cat "$FILE" >/dev/null

jq_eps=
bench "cat FILE" "$RUNS" cat
if [ "${BENCH_JQ:-1}" != 0 ] && command -v jq >/dev/null; then
	jq_res=$(measure "jq -c ." 1 jq -c .)
	case $jq_res in
	FAIL*) failed=1 ;;
	*) jq_eps=$(echo "$jq_res" |
		awk -v ev="$events" '{ printf "%.3f", ev / $1 }') ;;
	esac
	row "jq -c ." "$jq_res"
fi
bench "mkt-book --levels 20 --interval 1s" "$RUNS" \
	"$BIN/mkt-book" --levels 20 --interval 1s
bench "mkt-book --levels 1" "$RUNS" "$BIN/mkt-book" --levels 1
bench "mkt-depth (bands after every event)" "$RUNS" "$BIN/mkt-depth"
keep_cost
echo | out
book_mem "mkt-book --levels 1 --interval 1h" \
	"$BIN/mkt-book" --levels 1 --interval 1h
book_mem "mkt-depth --interval 1h" "$BIN/mkt-depth" --interval 1h

rm -f "$OUT/run.tmp"
mv "$TABLE" "$RESULTS" || die "cannot write $RESULTS"
if [ "${BENCH_PIPE:-1}" != 0 ]; then
	echo
	MKT_BIN=$BIN MKT_TOOLS=$TOOLS BENCH_RUNS=$RUNS bench/pipeline.sh ||
		failed=1
fi
if [ "${BENCH_FEED:-1}" != 0 ]; then
	echo
	MKT_BIN=$BIN BENCH_RUNS=$RUNS bench/feed.sh || failed=1
fi
if [ "${BENCH_JOURNAL:-1}" != 0 ]; then
	echo
	MKT_BIN=$BIN MKT_TOOLS=$TOOLS BENCH_RUNS=$RUNS BENCH_EVENTS=$EVENTS \
		bench/journal.sh || failed=1
fi
if [ "${BENCH_ANCHOR:-1}" != 0 ]; then
	echo
	MKT_BIN=$BIN MKT_TOOLS=$TOOLS bench/anchor.sh || failed=1
fi
if [ "${BENCH_EXEC:-1}" != 0 ]; then
	echo
	MKT_BIN=$BIN MKT_TOOLS=$TOOLS BENCH_RUNS=$RUNS bench/exec.sh ||
		failed=1
fi
if [ "${BENCH_RISK:-1}" != 0 ]; then
	echo
	MKT_BIN=$BIN BENCH_RUNS=$RUNS bench/risk.sh || failed=1
fi
if [ "${BENCH_SERVE:-1}" != 0 ]; then
	echo
	MKT_BIN=$BIN MKT_TOOLS=$TOOLS BENCH_RUNS=$RUNS bench/serve.sh ||
		failed=1
fi
if [ "${BENCH_NATS:-1}" != 0 ]; then
	echo
	MKT_BIN=$BIN MKT_TOOLS=$TOOLS BENCH_RUNS=$RUNS bench/nats.sh ||
		failed=1
fi
exit "$failed"
