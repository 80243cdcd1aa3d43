#!/bin/sh
# bench/pipeline.sh: a two-stage pipeline against its stages, for a
# baseline build and this one in the same run (`make bench` runs it
# after bench/run.sh's own table; it also runs alone).
#
# Input: BENCH_PIPE_EVENTS (200000) Binance spot depth events as
# mkt-feed --raw reads them: gen-depth's stream (1000 levels a side)
# turned into a REST snapshot line and combined-stream depthUpdate frames
# ({"stream":..,"data":{..}}, prices and quantities as strings, each after
# its receive time in nanoseconds), cached in bench/out/ until gen-depth
# changes.  Rows, each for the baseline and the current build, median of
# BENCH_RUNS (3) by wall time:
#   mkt-feed --raw binance:spot:BTCUSDT < FRAMES > /dev/null
#   mkt-book --levels 1 < EVENTS > /dev/null   (EVENTS: what feed writes)
#   mkt-feed --raw ... < FRAMES | mkt-book --levels 1 > /dev/null
# with events/s, user and system CPU seconds (all processes), the ratio
# new/base of the rates, and the write(2) calls of one more run under
# strace -f -c (when strace works here).  Last, the pipeline's time over
# its slowest stage's, for both builds.
#
# The baseline: BENCH_BASE_BIN=DIR (its mkt-feed and mkt-book), else
# BENCH_BASE_REF (default 1630e54, main before output coalescing and the
# one-pass normalizers) exported with git archive into bench/out/base-REF
# and built there once (no baseline when this clone lacks that commit);
# BENCH_BASE_REF= (empty) for no baseline.
#
# Environment: MKT_BIN (build/bin), MKT_TOOLS (build/tools), BENCH_RUNS,
# BENCH_PIPE_EVENTS, BENCH_BASE_BIN, BENCH_BASE_REF.  Needs python3.
# The table goes to standard output and is appended to
# bench/out/results.txt (a section left there by an earlier run of this
# script is replaced).  Exit status: 0, or 1 when a run failed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
TOOLS=${MKT_TOOLS:-build/tools}
RUNS=${BENCH_RUNS:-3}
EVENTS=${BENCH_PIPE_EVENTS:-200000}
BASE_REF=${BENCH_BASE_REF-1630e54}
OUT=bench/out
RESULTS=$OUT/results.txt
FRAMES=$OUT/pipe-frames-$EVENTS.txt
SYMBOL=BTCUSDT
failed=0

die() {
	echo "bench/pipeline: $*" >&2
	exit 1
}

for v in EVENTS RUNS; do
	eval "x=\$$v"
	# shellcheck disable=SC2154 # set by the eval
	case $x in
	''|*[!0-9]*|0) echo "bench/pipeline: $v: not a number >= 1" >&2
		exit 2 ;;
	esac
done
command -v python3 >/dev/null || die "needs python3"
[ -x "$TOOLS/gen-depth" ] || die "$TOOLS/gen-depth not built (run make first)"
mkdir -p "$OUT" || die "cannot create $OUT"

# The baseline's binaries.
if [ -n "${BENCH_BASE_BIN:-}" ]; then
	BASE=$BENCH_BASE_BIN
elif [ -n "$BASE_REF" ] &&
    ! git rev-parse -q --verify "$BASE_REF^{commit}" >/dev/null 2>&1; then
	echo "bench/pipeline: no commit $BASE_REF here: no baseline" >&2
	BASE=
elif [ -n "$BASE_REF" ]; then
	BASE_DIR=$OUT/base-$BASE_REF
	BASE=$BASE_DIR/build/bin
	if [ ! -x "$BASE/mkt-feed" ] || [ ! -x "$BASE/mkt-book" ]; then
		echo "bench/pipeline: building the baseline $BASE_REF" \
		    "in $BASE_DIR" >&2
		rm -rf "$BASE_DIR" && mkdir -p "$BASE_DIR" &&
		    git archive "$BASE_REF" | tar -x -C "$BASE_DIR" &&
		    make -C "$BASE_DIR" -j2 >"$BASE_DIR.log" 2>&1 ||
		    die "cannot build $BASE_REF (see $BASE_DIR.log)"
	fi
else
	BASE=
fi
if [ -n "$BASE" ]; then
	for p in mkt-feed mkt-book; do
		[ -x "$BASE/$p" ] || die "$BASE/$p: not there"
	done
fi

# The frames, from gen-depth's events: exact decimals kept as text.
CONVERT='
import json, sys
for line in sys.stdin:
    e = json.loads(line, parse_float=str, parse_int=int)
    lv = lambda a: [[str(p), str(q)] for p, q in a]
    if e["type"] == "snapshot":
        body = {"lastUpdateId": e["last_id"], "bids": lv(e["bids"]),
                "asks": lv(e["asks"])}
        sys.stdout.write("http://127.0.0.1/api/v3/depth?symbol=%s&limit=1000"
                         " -> %.6f: %s\n" % (e["symbol"], e["recv"] / 1e6,
                         json.dumps(body, separators=(",", ":"))))
    elif e["type"] == "depth":
        d = {"e": "depthUpdate", "E": e["time"], "s": e["symbol"],
             "U": e["first_id"], "u": e["last_id"], "b": lv(e["bids"]),
             "a": lv(e["asks"])}
        w = {"stream": e["symbol"].lower() + "@depth@100ms", "data": d}
        sys.stdout.write("%d %s\n" % (e["recv"] * 1000,
                         json.dumps(w, separators=(",", ":"))))
'
if [ ! -s "$FRAMES" ] || [ -n "$(find "$TOOLS/gen-depth" -newer "$FRAMES")" ]
then
	echo "bench/pipeline: making $EVENTS frames into $FRAMES" >&2
	"$TOOLS/gen-depth" --events "$EVENTS" --levels 1000 |
	    python3 -c "$CONVERT" >"$FRAMES.tmp" &&
	    mv "$FRAMES.tmp" "$FRAMES" || die "cannot make $FRAMES"
fi
cat "$FRAMES" >/dev/null

T=$(mktemp -d "${TMPDIR:-/tmp}/mkt-bench.XXXXXX") ||
    die "no temporary directory"
trap 'rm -rf "$T"' EXIT

# measure CMD: "WALL USER SYS" of the median (by wall) of RUNS runs of
# sh -c CMD, all its processes counted; FAIL when a run failed.
MEASURE='
import os, resource, subprocess, sys
cmd, runs = sys.argv[1], int(sys.argv[2])
res = []
for _ in range(runs):
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
	python3 -c "$MEASURE" "$1" "$RUNS"
}

# writes CMD: write(2) calls of one run of sh -c CMD, or "-".
have_strace=0
if command -v strace >/dev/null &&
    strace -f -qq -c -e trace=write -o /dev/null true 2>/dev/null; then
	have_strace=1
fi
writes() {
	if [ "$have_strace" = 0 ]; then
		echo -
		return
	fi
	strace -f -qq -c -e trace=write -o "$T/strace" sh -c "$1" ||
	    { echo -; return; }
	awk '$NF == "write" { print $4; found = 1 }
	    END { if (!found) print 0 }' "$T/strace"
}

# The events each mkt-book reads: what that build's mkt-feed writes.
for b in new ${BASE:+base}; do
	case $b in new) d=$BIN ;; base) d=$BASE ;; esac
	"$d/mkt-feed" --raw "binance:spot:$SYMBOL" <"$FRAMES" >"$T/ev-$b" ||
	    die "$d/mkt-feed failed"
done
if [ -n "$BASE" ] && ! cmp -s "$T/ev-new" "$T/ev-base"; then
	echo "bench/pipeline: mkt-feed's output differs from the baseline's" >&2
	failed=1
fi

# cmd ROW BUILD: the command line of a row for one build.
cmd() {
	case $2 in new) d=$BIN ;; base) d=$BASE ;; esac
	case $1 in
	feed) echo "$d/mkt-feed --raw binance:spot:$SYMBOL" \
	    "<$FRAMES >/dev/null" ;;
	book) echo "$d/mkt-book --levels 1 <$T/ev-$2 >/dev/null" ;;
	pipe) echo "$d/mkt-feed --raw binance:spot:$SYMBOL <$FRAMES |" \
	    "$d/mkt-book --levels 1 >/dev/null" ;;
	esac
}

: >"$T/rows"
for row in feed book pipe; do
	for b in ${BASE:+base} new; do
		m=$(measure "$(cmd "$row" "$b")")
		[ "$m" = FAIL ] && failed=1
		w=$(writes "$(cmd "$row" "$b")")
		echo "$row $b $m $w" >>"$T/rows"
	done
done

{
	echo "mkt-pipeline bench, $EVENTS Binance spot depth events" \
	    "($(($(wc -c <"$FRAMES") / EVENTS)) bytes a frame)," \
	    "median of $RUNS by wall, output to /dev/null"
	if [ -z "$BASE" ]; then
		echo "baseline: none"
	elif [ -n "${BENCH_BASE_BIN:-}" ]; then
		echo "baseline: $BASE (BENCH_BASE_BIN)"
	else
		echo "baseline: git $BASE_REF, built in $BASE_DIR"
	fi
	awk -v n="$EVENTS" '
	function name(r) {
		return r == "feed" ? "mkt-feed --raw" : r == "book" ? \
		    "mkt-book --levels 1" : "feed --raw | book --levels 1"
	}
	function eps(k) {
		return wall[k] == "FAIL" ? "-" : sprintf("%.0f", n / wall[k])
	}
	{
		k = $1 SUBSEP $2
		wall[k] = $3; usr[k] = $4; sys[k] = $5; wr[k] = $6
	}
	END {
		fmt = "%-30s %5s %10s %8s %8s %8s %10s %9s\n"
		printf fmt, "command", "build", "events/s", "user s", \
		    "sys s", "wall s", "write(2)", "new/base"
		split("feed book pipe", order, " ")
		for (i = 1; i <= 3; i++) {
			r = order[i]
			for (j = 1; j <= 2; j++) {
				b = j == 1 ? "base" : "new"
				k = r SUBSEP b
				if (!(k in wall))
					continue
				if (wall[k] == "FAIL") {
					printf "%-30s %5s %10s\n", name(r), b, \
					    "FAIL"
					continue
				}
				bk = r SUBSEP "base"
				ratio = "-"
				if (b == "new" && (bk in wall) && \
				    wall[bk] != "FAIL")
					ratio = sprintf("%.2fx", \
					    wall[bk] / wall[k])
				printf fmt, name(r), b, eps(k), \
				    sprintf("%.2f", usr[k]), \
				    sprintf("%.2f", sys[k]), \
				    sprintf("%.2f", wall[k]), wr[k], ratio
			}
		}
		for (j = 1; j <= 2; j++) {
			b = j == 1 ? "base" : "new"
			p = "pipe" SUBSEP b
			f = "feed" SUBSEP b
			o = "book" SUBSEP b
			if (!(p in wall) || wall[p] == "FAIL" || \
			    wall[f] == "FAIL" || wall[o] == "FAIL")
				continue
			s = wall[f] > wall[o] ? wall[f] : wall[o]
			printf "pipeline / slowest stage alone (%s): %.2f\n", \
			    b, wall[p] / s
		}
	}' "$T/rows"
} >"$T/table"
cat "$T/table"

# Into results.txt in place of an earlier run's section (from its first
# line to the next section or the end), as bench/feed.sh does.
: >"$T/results"
if [ -s "$RESULTS" ]; then
	awk '
		/^mkt(-[a-z]+)? bench, / { skip = /^mkt-pipeline bench, / }
		skip { next }
		NF { for (; blank > 0; blank--) print ""; print; any = 1; next }
		{ blank++ }
		END { if (any) print "" }' "$RESULTS" >"$T/results" ||
	    die "cannot read $RESULTS"
fi
if ! cat "$T/table" >>"$T/results" || ! mv "$T/results" "$RESULTS"; then
	die "cannot write $RESULTS"
fi
exit "$failed"
