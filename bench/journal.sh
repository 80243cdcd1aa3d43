#!/bin/sh
# bench/journal.sh: the journal benchmarks of `make bench` (bench/run.sh
# runs it after bench/feed.sh; it also runs alone, and `make bench-journal`
# runs it alone).  Every ratio is against a baseline run in the same
# command on the same input; times are medians of several runs, since the
# machine is shared.  Nothing here asserts a time.
#
#   depth    gen-depth's stream (BENCH_EVENTS events, 1000000, 1000 levels
#            a side; bench/out/depth-N.ndjson, shared with bench/run.sh),
#            appended with `mkt-journal append --level L DIR < FILE` at the
#            levels BENCH_LEVELS (3 12) to a fresh journal, median of
#            BENCH_RUNS (3): wall time, MB/s and events/s of the input, the
#            segments' size and ratio.  The high level BENCH_HIGH_LEVEL (19,
#            about 3 MB/s) runs on the first BENCH_PREFIX (100000) lines
#            only, beside level 3 on the same prefix.  Baselines: zstd(1)
#            -T1 of the whole input at each of those levels (-3: median of
#            BENCH_RUNS; the slow levels once, their result cached in
#            bench/out/ until the input or zstd changes: zstd -19 of the
#            whole 710 MB takes about 10 minutes), and the size of the
#            journal against zstd -3 and zstd -19 of the whole file: the
#            cost of cutting the stream into independent 1 MiB frames.
#   replay   `mkt-replay DIR --speed max > /dev/null` on the level 3
#            journal of the whole depth stream, against
#            `cat DIR/seg-* | zstd -dc > /dev/null`, median of BENCH_RUNS.
#   seek     a journal of about BENCH_SEEK_GB (1) GB on disk, from gen-depth
#            piped into mkt-journal append (about 6.4 M events, 4.5 GB of
#            input; built once in bench/out/seek-NGB and reused while
#            bench/out/seek-NGB.stamp says it is complete;
#            BENCH_SEEK_REBUILD=1 builds it again): the time to the first
#            event of `mkt-replay DIR --from T | head -n 1`, T the middle of
#            its time range, by hyperfine (--warmup 3, BENCH_SEEK_RUNS 30
#            runs; a loop of date(1) when hyperfine is missing): median,
#            mean, min and max in ms, process start-up included; the same
#            from the start of the journal (no --from) for reference; and
#            cold-ish: the page cache of the journal's files dropped before
#            each run with posix_fadvise(POSIX_FADV_DONTNEED) (dropping all
#            caches needs privileges; the binaries and, on a VM, the host's
#            cache stay warm).
#   bands    gen-bands, minute bands events as mkt-depth --interval 1m
#            writes them, BENCH_SYMBOLS (100) symbols x BENCH_MARKETS (2)
#            markets x 6 bands over BENCH_DAYS (7) days, piped into
#            `mkt-journal append DIR` (which builds the history tables),
#            one run (the generator runs beside it, on the other CPU; it is
#            timed alone first): MB/s, events/s, minute rows/s, segments and
#            index.db size.  Then `mkt-journal query DIR ...` by hyperfine
#            (BENCH_QUERY_RUNS, 7, after a warm-up run; process start-up
#            included): a BENCH_DAYS-day hourly series and a 1-day minute
#            series of one band, latest and symbols.
#   history  bench/history.sh on the same stream and scale: the history
#            tables alone (hist-load), the seed's approach (every band a
#            plain SQLite row with a unique index) and PostgreSQL 15 (when
#            installed), load time and size as ratios to the mkt-journal
#            append of the bands part, and query times.
#
# BENCH_JOURNAL_PARTS (depth replay seek bands history) chooses the parts.
# At the defaults: about 12 minutes for depth, replay and seek on 2 CPUs
# (plus 10 minutes for zstd -19 of the whole file the first time), and
# about 3 + 15 minutes for bands and history at 7 days (30 days: about 15
# + 40 minutes).  Disk: the depth stream (710 MB, kept), the seek journal
# (1 GB, kept), the bands journal (0.2 GB a day, removed at the end unless
# BENCH_KEEP=1) and bench/history.sh's databases (see there).
#
# The table goes to standard output and to bench/out/journal-results.txt,
# and is appended to bench/out/results.txt (replacing the journal section
# of an earlier run).  Environment: MKT_BIN (build/bin), MKT_TOOLS
# (build/tools), relative to the top of the tree.  Needs python3 and
# zstd(1).  Exit status: 0, or 1 when a command failed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
TOOLS=${MKT_TOOLS:-build/tools}
EVENTS=${BENCH_EVENTS:-1000000}
RUNS=${BENCH_RUNS:-3}
QRUNS=${BENCH_QUERY_RUNS:-7}
LEVELS=${BENCH_LEVELS:-3 12}
HIGH=${BENCH_HIGH_LEVEL:-19}
PREFIX=${BENCH_PREFIX:-100000}
SEEK_GB=${BENCH_SEEK_GB:-1}
SEEK_RUNS=${BENCH_SEEK_RUNS:-30}
DAYS=${BENCH_DAYS:-7}
SYMBOLS=${BENCH_SYMBOLS:-100}
MARKETS=${BENCH_MARKETS:-2}
PARTS=${BENCH_JOURNAL_PARTS:-depth replay seek bands history}
KEEP=${BENCH_KEEP:-0}
OUT=bench/out
FILE=$OUT/depth-$EVENTS.ndjson
PFILE=$OUT/depth-$EVENTS.first-$PREFIX.ndjson
JDEPTH=$OUT/journal-depth-$EVENTS
JB=$OUT/journal.bench
JBANDS=$OUT/journal-bands
SEEK=$OUT/seek-${SEEK_GB}GB
RESULTS=$OUT/results.txt
JRESULTS=$OUT/journal-results.txt
TABLE=$OUT/journal-results.tmp
START=1700000000000
failed=0

die() {
	echo "bench/journal: $*" >&2
	exit 1
}

for v in EVENTS RUNS QRUNS PREFIX SEEK_RUNS DAYS SYMBOLS MARKETS; do
	eval "x=\$$v"
	# shellcheck disable=SC2154 # set by the eval
	case $x in
	''|*[!0-9]*|0) echo "bench/journal: BENCH_$v: not a number >= 1" >&2
		exit 2 ;;
	esac
done
case $SEEK_GB in
''|*[!0-9.]*|.|*.*.*) echo "bench/journal: BENCH_SEEK_GB: not a number" >&2
	exit 2 ;;
esac
for p in mkt-journal mkt-replay; do
	[ -x "$BIN/$p" ] || die "$BIN/$p not built (run make first)"
done
for p in gen-depth gen-bands; do
	[ -x "$TOOLS/$p" ] || die "$TOOLS/$p not built (run make first)"
done
command -v python3 >/dev/null || die "python3 needed"
command -v zstd >/dev/null || die "zstd(1) needed: apt-get install zstd"
mkdir -p "$OUT" || die "cannot create $OUT"
if command -v hyperfine >/dev/null; then
	timer=hyperfine
else
	timer="date(1) loop"
fi

part() {
	case " $PARTS " in *" $1 "*) return 0 ;; esac
	return 1
}

out() {
	tee -a "$TABLE"
}

now_ns() {
	date +%s%N
}

# secs NS0 NS1: the seconds between, 3 decimals.
secs() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# median N...: the median of the numbers (the lower one of an even count).
median() {
	printf '%s\n' "$@" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Sizes: the segments of a journal, its index.db (with a WAL if any).
seg_bytes() {
	cat "$1"/seg-*.zst 2>/dev/null | wc -c
}

idx_bytes() {
	_n=0
	for _f in "$1/index.db" "$1/index.db-wal"; do
		[ -f "$_f" ] && _n=$((_n + $(stat -c %s "$_f")))
	done
	echo "$_n"
}

# Thousands grouped with a space, as in bench/run.sh.
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

grp() {
	awk -v x="$1" "$AWK_FMT"' BEGIN { print grp(x) }'
}

# pct A B: how much A is over B, in %, signed, 1 decimal.
pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f %%", 100 * (a / b - 1) }'
}

# wall CMD...: the median wall time of RUNS runs of CMD (its own
# redirections inside), or FAIL.
wall() {
	_walls=
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		_t0=$(now_ns)
		"$@" || { echo FAIL; return; }
		_t1=$(now_ns)
		_walls="$_walls $(secs "$_t0" "$_t1")"
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2086 # numbers
	median $_walls
}

# timeit N WARMUP PREPARE CMD: time CMD (a shell command line) N times
# after WARMUP runs, PREPARE (a command line, or empty) before each;
# prints "MEDIAN MEAN MIN MAX" in ms, or FAIL.  hyperfine when installed
# (it subtracts the shell's own start-up), else a loop of date(1).
timeit() {
	_n=$1 _w=$2 _p=$3 _c=$4
	if [ "$timer" = hyperfine ]; then
		set -- --style none --runs "$_n" --warmup "$_w" \
			--export-json "$OUT/hf.json"
		[ -n "$_p" ] && set -- "$@" --prepare "$_p"
		if ! hyperfine "$@" "$_c" >/dev/null 2>"$OUT/hf.err"; then
			sed 's/^/  /' "$OUT/hf.err" >&2
			echo FAIL
			return
		fi
		python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.2f %.2f %.2f %.2f" % tuple(1e3 * r[k]
    for k in ("median", "mean", "min", "max")))' "$OUT/hf.json"
		rm -f "$OUT/hf.json" "$OUT/hf.err"
		return
	fi
	_i=0
	while [ "$_i" -lt "$_w" ]; do
		sh -c "$_c" >/dev/null 2>&1
		_i=$((_i + 1))
	done
	_ms=
	_i=0
	while [ "$_i" -lt "$_n" ]; do
		[ -n "$_p" ] && sh -c "$_p" >/dev/null 2>&1
		_t0=$(now_ns)
		sh -c "$_c" >/dev/null || { echo FAIL; return; }
		_t1=$(now_ns)
		_ms="$_ms $(awk -v a="$_t0" -v b="$_t1" \
			'BEGIN { printf "%.3f", (b - a) / 1e6 }')"
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2086 # numbers
	printf '%s\n' $_ms | sort -n | awk '
		{ v[NR] = $1; s += $1 }
		END { printf "%.2f %.2f %.2f %.2f\n", v[int((NR + 1) / 2)],
		    s / NR, v[1], v[NR] }'
}

# An absolute path for command lines run by hyperfine.
abs() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$PWD/$1" ;;
	esac
}
ABIN=$(abs "$BIN")

# Drop the page cache of every file of a directory (not privileged:
# POSIX_FADV_DONTNEED on each file; clean pages only).
EVICT=$OUT/evict.py
cat >"$EVICT" <<'EOF' || die "cannot write $EVICT"
import os, sys
for d in sys.argv[1:]:
    for n in os.listdir(d):
        p = os.path.join(d, n)
        if os.path.isfile(p):
            fd = os.open(p, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
EOF

# gen_depth FILE N: gen-depth's stream of N events, with its .meta as
# bench/run.sh makes it, unless there and newer than the generator.
gen_depth() {
	if [ -s "$1" ] && [ -s "$1.meta" ] &&
	    [ -z "$(find "$TOOLS/gen-depth" -newer "$1")" ]; then
		return 0
	fi
	echo "bench/journal: generating $1" >&2
	if ! "$TOOLS/gen-depth" --events "$2" --meta "$1.meta.tmp" \
	    >"$1.tmp" || ! mv "$1.meta.tmp" "$1.meta" || ! mv "$1.tmp" "$1"
	then
		rm -f "$1.tmp" "$1.meta.tmp"
		die "cannot generate $1"
	fi
}

# append_into DIR LEVEL INPUT: a fresh journal DIR of INPUT at LEVEL.
append_into() {
	rm -rf "$1" && "$BIN/mkt-journal" append --level "$2" "$1" <"$3"
}

# zstd_base LEVEL INPUT NAME: "SECONDS BYTES CACHED" of zstd -LEVEL -T1 of
# INPUT; level 3 and below: median of RUNS runs; above: one run, cached in
# bench/out/NAME.zstd-LEVEL while newer than INPUT and of the same zstd.
ZVER=$(zstd -V 2>/dev/null | sed -n 's/.* v\([0-9.]*\).*/\1/p')
zstd_base() {
	_l=$1 _in=$2 _cache=$OUT/$3.zstd-$1
	if [ "$_l" -le 3 ]; then
		_w=$(wall sh -c "zstd -q -c -T1 -$_l '$_in' >/dev/null")
		[ "$_w" = FAIL ] && { echo FAIL; return; }
		echo "$_w $(zstd -q -c -T1 -"$_l" "$_in" | wc -c) fresh"
		return
	fi
	if [ -s "$_cache" ] && [ -z "$(find "$_in" -newer "$_cache")" ] &&
	    [ "$(cut -d' ' -f3 "$_cache")" = "$ZVER" ]; then
		echo "$(cut -d' ' -f1,2 "$_cache") $(cut -d' ' -f4 "$_cache")"
		return
	fi
	echo "bench/journal: zstd -$_l -T1 $_in (once, then cached) ..." >&2
	_t0=$(now_ns)
	_b=$(zstd -q -c -T1 --ultra -"$_l" "$_in" | wc -c)
	_t1=$(now_ns)
	[ "$_b" -gt 0 ] || { echo FAIL; return; }
	echo "$(secs "$_t0" "$_t1") $_b $ZVER $(date -u +%Y-%m-%d)" >"$_cache"
	echo "$(secs "$_t0" "$_t1") $_b fresh"
}

# ---- depth: append throughput and compression ----
depth() {
	gen_depth "$FILE" "$EVENTS"
	if [ ! -s "$PFILE" ] || [ -n "$(find "$FILE" -newer "$PFILE")" ]; then
		head -n "$PREFIX" "$FILE" >"$PFILE.tmp" &&
			mv "$PFILE.tmp" "$PFILE" || die "cannot write $PFILE"
	fi
	fbytes=$(stat -c %s "$FILE")
	flines=$(wc -l <"$FILE")
	pbytes=$(stat -c %s "$PFILE")
	plines=$(wc -l <"$PFILE")
	{
		echo
		echo "depth stream $FILE (gen-depth, 1000 levels a side):" \
			"$(grp "$flines") events, $(awk -v b="$fbytes" \
			'BEGIN { printf "%.1f", b / 1e6 }') MB;"
		echo "  'first $(grp "$plines")': its first $(grp "$plines") lines," \
			"$(awk -v b="$pbytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB" \
			"(level $HIGH runs on these only, at about 3 MB/s)"
		echo
		echo "mkt-journal append --level L DIR < FILE, fresh journal," \
			"median of $RUNS runs; size: the segments (1 MiB frames)"
		printf '%-12s %5s %8s %8s %11s %9s %6s %9s %8s %9s\n' input level \
			"wall s" "MB/s" "events/s" "seg MB" ratio "zstd MB" \
			"vs zstd" "index MB"
	} | out
	cat "$FILE" >/dev/null
	# Each row: the journal, zstd -L of the same input, and the
	# frame-splitting cost at that level.
	zrows=
	for spec in $(for l in $LEVELS; do echo "whole:$l"; done) \
	    "first:3" "first:$HIGH"; do
		which=${spec%%:*} level=${spec#*:}
		if [ "$which" = whole ]; then
			in=$FILE by=$fbytes ln=$flines name=whole-$(grp "$flines" |
				tr -d ' ') zname=depth-$EVENTS.ndjson
		else
			in=$PFILE by=$pbytes ln=$plines name=first-$(grp "$plines" |
				tr -d ' ') zname=depth-$EVENTS.first-$PREFIX.ndjson
		fi
		w=$(wall append_into "$JB" "$level" "$in")
		if [ "$w" = FAIL ]; then
			printf '%-12s %5s   FAILED\n' "$name" "$level" | out
			failed=1
			continue
		fi
		sb=$(seg_bytes "$JB")
		ib=$(idx_bytes "$JB")
		if [ "$which" = whole ] && [ "$level" = 3 ]; then
			rm -rf "$JDEPTH" && mv "$JB" "$JDEPTH" ||
				die "cannot keep $JDEPTH"
			seg3=$sb
		fi
		[ "$which" = first ] && [ "$level" = "$HIGH" ] && segh=$sb
		[ "$which" = whole ] && segl=$sb levl=$level
		z=$(zstd_base "$level" "$in" "$zname")
		# shellcheck disable=SC2086 # "SECONDS BYTES WHEN"
		set -- $z
		if [ "$1" = FAIL ]; then
			failed=1
			set -- 0 0 -
		fi
		zrows="$zrows $name:$level:$1:$2:$3:$by"
		eval "zb_${which}_$level=$2"
		awk -v n="$name" -v l="$level" -v w="$w" -v by="$by" -v ln="$ln" \
		    -v sb="$sb" -v zb="$2" -v ib="$ib" "$AWK_FMT"' BEGIN {
			printf "%-12s %5s %8.3f %8.1f %11s %9.2f %6.2f %9.2f" \
			    " %+7.1f%% %9.2f\n", n, l, w, by / 1e6 / w,
			    grp(ln / w), sb / 1e6, by / sb, zb / 1e6,
			    zb ? 100 * (sb / zb - 1) : 0, ib / 1e6
		}' | out
	done
	rm -rf "$JB"
	{
		echo
		echo "zstd(1) $ZVER -T1 alone on the same inputs (vs zstd: the" \
			"journal's size over zstd's at the same level)"
		printf '%-12s %5s %8s %8s %9s %6s  %s\n' input level "wall s" \
			"MB/s" "MB" ratio ""
		for r in $zrows; do
			echo "$r" | tr ':' ' '
		done | awk '{
			note = $5 == "fresh" ? (($2 <= 3) ? "" : "(one run)") : \
			    "(one run, cached from " $5 ")"
			printf "%-12s %5s %8.3f %8.1f %9.2f %6.2f  %s\n", $1, $2,
			    $3, ($3 > 0 ? $6 / 1e6 / $3 : 0), $4 / 1e6,
			    ($4 ? $6 / $4 : 0), note
		}'
	} | out
	# zstd -19 of the whole file, the issue's reference, if not a row.
	# shellcheck disable=SC2154 # zb_whole_19 is set by the eval, or not
	z19=${zb_whole_19:-}
	if [ -z "$z19" ]; then
		z=$(zstd_base 19 "$FILE" "depth-$EVENTS.ndjson")
		# shellcheck disable=SC2086
		set -- $z
		if [ "$1" = FAIL ]; then
			failed=1
		else
			z19=$2
			awk -v n="whole-$(grp "$flines" | tr -d ' ')" -v w="$1" \
			    -v zb="$2" -v by="$fbytes" -v when="$3" 'BEGIN {
				note = when == "fresh" ? "(one run)" : \
				    "(one run, cached from " when ")"
				printf "%-12s %5s %8.3f %8.1f %9.2f %6.2f  %s\n", n,
				    19, w, by / 1e6 / w, zb / 1e6, by / zb, note
			}' | out
		fi
	fi
	# shellcheck disable=SC2154 # zb_whole_3 is set by the eval
	z3=${zb_whole_3:-}
	{
		echo
		echo "frame splitting, whole stream (target: at most +10 % over" \
			"zstd -3 of the whole file; goal: under zstd -19):"
		if [ -n "${seg3:-}" ] && [ -n "$z3" ]; then
			echo "  journal at level 3 vs zstd -3 of the whole file:" \
				"$(pct "$seg3" "$z3")"
		fi
		if [ -n "${seg3:-}" ] && [ -n "$z19" ]; then
			echo "  journal at level 3 vs zstd -19 of the whole file:" \
				"$(pct "$seg3" "$z19")"
		fi
		if [ -n "${segl:-}" ] && [ "${levl:-3}" != 3 ] && [ -n "$z19" ]; then
			echo "  journal at level $levl vs zstd -19 of the whole" \
				"file: $(pct "$segl" "$z19")"
		fi
		# shellcheck disable=SC2154
		zp=$(eval "echo \${zb_first_$HIGH:-}")
		if [ -n "${segh:-}" ] && [ -n "$zp" ]; then
			echo "  journal at level $HIGH vs zstd -$HIGH, first" \
				"$(grp "$plines") lines: $(pct "$segh" "$zp")"
		fi
	} | out
}

# ---- replay ----
replay() {
	if [ ! -f "$JDEPTH/index.db" ]; then
		gen_depth "$FILE" "$EVENTS"
		echo "bench/journal: making $JDEPTH" >&2
		append_into "$JDEPTH" 3 "$FILE" || die "cannot make $JDEPTH"
	fi
	raw=$("$BIN/mkt-journal" stats --json "$JDEPTH" | sed -n \
		's/.*"type":"journal_stats".*"raw_bytes":\([0-9]*\).*/\1/p')
	ev=$("$BIN/mkt-journal" stats --json "$JDEPTH" | sed -n \
		's/.*"type":"journal_stats","events":\([0-9]*\).*/\1/p')
	[ -n "$raw" ] && [ -n "$ev" ] || die "$JDEPTH: no stats"
	cat "$JDEPTH"/seg-*.zst >/dev/null
	{
		echo
		echo "replay of $JDEPTH (level 3, $(grp "$ev") events," \
			"$(awk -v b="$raw" 'BEGIN { printf "%.1f", b / 1e6 }')" \
			"MB decompressed), to /dev/null, median of $RUNS runs"
		printf '%-44s %8s %8s %11s %7s\n' command "wall s" "MB/s" \
			"events/s" "x zstd"
	} | out
	wz=$(wall sh -c "cat '$JDEPTH'/seg-*.zst | zstd -dc >/dev/null")
	wr=$(wall sh -c "'$BIN/mkt-replay' '$JDEPTH' --speed max >/dev/null")
	for r in "cat DIR/seg-* | zstd -dc:$wz" \
	    "mkt-replay DIR --speed max:$wr"; do
		label=${r%:*} w=${r##*:}
		if [ "$w" = FAIL ]; then
			printf '%-44s   FAILED\n' "$label" | out
			failed=1
			continue
		fi
		awk -v n="$label" -v w="$w" -v by="$raw" -v ev="$ev" -v wz="$wz" \
		    "$AWK_FMT"' BEGIN {
			printf "%-44s %8.3f %8.1f %11s %7s\n", n, w, by / 1e6 / w,
			    grp(ev / w), wz == "FAIL" ? "-" : sprintf("%.2f", wz / w)
		}' | out
	done
}

# ---- seek ----
seek() {
	stamp=$SEEK.stamp
	if [ "${BENCH_SEEK_REBUILD:-0}" = 1 ] || [ ! -s "$stamp" ] ||
	    [ ! -f "$SEEK/index.db" ]; then
		# Events for SEEK_GB on disk, from the bytes an event takes in
		# the level 3 journal of the depth stream (157 when none).
		bpe=157
		if [ -f "$JDEPTH/index.db" ]; then
			bpe=$(awk -v s="$(seg_bytes "$JDEPTH")" \
			    -v e="$(wc -l <"$FILE")" 'BEGIN { printf "%.3f", s / e }')
		fi
		n=$(awk -v g="$SEEK_GB" -v b="$bpe" \
			'BEGIN { printf "%.0f", g * 1e9 / b }')
		echo "bench/journal: building $SEEK: gen-depth --events $n |" \
			"mkt-journal append (a few minutes) ..." >&2
		rm -rf "$SEEK" "$stamp"
		t0=$(now_ns)
		"$TOOLS/gen-depth" --events "$n" |
			"$BIN/mkt-journal" append "$SEEK" ||
			die "cannot build $SEEK"
		t1=$(now_ns)
		echo "events=$n built=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
			"seconds=$(secs "$t0" "$t1")" >"$stamp"
	fi
	st=$("$BIN/mkt-journal" stats --json "$SEEK" |
		grep '"type":"journal_stats"') || die "$SEEK: no stats"
	js() {
		echo "$st" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"
	}
	sev=$(js events) sraw=$(js raw_bytes) sseg=$(js bytes)
	sidx=$(js index_bytes)
	old=$(js oldest) new=$(js newest)
	mid=$(((old + new) / 2))
	# The first event of the seek must be at or after the middle.
	first=$("$BIN/mkt-replay" "$SEEK" --from "$mid" | head -n 1 |
		sed -n 's/.*"time":\([0-9]*\).*/\1/p')
	if [ -z "$first" ] || [ "$first" -lt "$mid" ]; then
		echo "bench/journal: seek to $mid gave time '$first'" >&2
		failed=1
	fi
	segs=$(ls "$SEEK"/seg-*.zst | wc -l)
	{
		echo
		echo "seek: $SEEK, $(grp "$sev") events," \
			"$(awk -v s="$sseg" -v i="$sidx" -v r="$sraw" 'BEGIN {
				printf "%.2f GB on disk (segments %.2f + index %.1f MB), " \
				    "%.2f GB of events", (s + i) / 1e9, s / 1e9,
				    i / 1e6, r / 1e9 }'), $segs segments;" \
			"$(sed -n 's/.*built=\([^ ]*\) seconds=\([0-9.]*\).*/built \1 in \2 s/p' \
			    "$stamp")"
		echo "time to the first event, process start-up included" \
			"($timer; ms; middle: --from $mid, first event at $first)"
		printf '%-48s %5s %8s %8s %8s %8s\n' command runs median mean \
			min max
	} | out
	SRC="'$ABIN/mkt-replay' '$(abs "$SEEK")'"
	for r in "warm, from the start:$SEEK_RUNS::$SRC | head -n 1" \
	    "warm, --from the middle:$SEEK_RUNS::$SRC --from $mid | head -n 1" \
	    "cold-ish, --from the middle:10:python3 '$(abs "$EVICT")' '$(abs "$SEEK")':$SRC --from $mid | head -n 1"
	do
		label=${r%%:*} r=${r#*:}
		n=${r%%:*} r=${r#*:}
		prep=${r%%:*} cmd=${r#*:}
		case $label in cold*) w=0 ;; *) w=3 ;; esac
		res=$(timeit "$n" "$w" "$prep" "$cmd")
		if [ "$res" = FAIL ]; then
			printf '%-48s   FAILED\n' "$label" | out
			failed=1
			continue
		fi
		# shellcheck disable=SC2086
		set -- $res
		printf '%-48s %5s %8s %8s %8s %8s\n' "$label" "$n" "$1" "$2" \
			"$3" "$4" | out
	done
	# Did the eviction take?  fincore(1) of the segment the seek reads.
	if command -v fincore >/dev/null; then
		python3 "$EVICT" "$SEEK"
		"$BIN/mkt-replay" "$SEEK" --from "$mid" | head -n 1 >/dev/null
		res=$(fincore -b -n -o RES "$SEEK"/seg-*.zst "$SEEK/index.db" |
			awk '{ s += $1 } END { printf "%.1f", s / 1e6 }')
		echo "  cold-ish: after a seek, $res MB of the journal is in the" \
			"page cache (fincore)" | out
	fi
}

# ---- bands: append with the history tables, queries ----
EVB=$((SYMBOLS * MARKETS * DAYS * 1440))
ROWS=$((EVB * 6))
END=$((START / 60000 * 60000 + DAYS * 86400000 - 60000))
DAY1=$((END - 86400000 + 60000))
GENB="$TOOLS/gen-bands --symbols $SYMBOLS --markets $MARKETS --days $DAYS"
bands() {
	echo "bench/journal: bands, $DAYS days: generator alone ..." >&2
	t0=$(now_ns)
	bb=$($GENB | wc -c)
	t1=$(now_ns)
	gens=$(secs "$t0" "$t1")
	[ "$bb" -gt 0 ] || die "gen-bands failed"
	echo "bench/journal: bands, $DAYS days: mkt-journal append ..." >&2
	rm -rf "$JBANDS"
	t0=$(now_ns)
	# shellcheck disable=SC2086 # the generator's command line
	if ! $GENB | "$BIN/mkt-journal" append "$JBANDS"; then
		echo "bench/journal: mkt-journal append of the bands failed" >&2
		failed=1
		return
	fi
	t1=$(now_ns)
	bsecs=$(secs "$t0" "$t1")
	bseg=$(seg_bytes "$JBANDS")
	bidx=$(idx_bytes "$JBANDS")
	n=$("$BIN/mkt-journal" stats --json "$JBANDS" | sed -n \
		's/.*"type":"journal_stats","events":\([0-9]*\).*/\1/p')
	[ "$n" = "$EVB" ] || { echo "bench/journal: $JBANDS: $n events," \
		"want $EVB" >&2; failed=1; }
	{
		echo
		echo "bands: gen-bands $SYMBOLS symbols x $MARKETS markets x 6" \
			"bands, $DAYS days (BENCH_DAYS): $(grp "$EVB") events," \
			"$(grp "$ROWS") minute rows, $(awk -v b="$bb" \
			'BEGIN { printf "%.1f", b / 1e6 }') MB"
		echo "gen-bands | mkt-journal append DIR (level 3; history" \
			"tables built), one run; the generator alone: $gens s"
		awk -v w="$bsecs" -v by="$bb" -v ev="$EVB" -v rows="$ROWS" \
		    -v sb="$bseg" -v ib="$bidx" "$AWK_FMT"' BEGIN {
			printf "%8s %8s %11s %11s %9s %6s %9s %9s\n", "wall s",
			    "MB/s", "events/s", "rows/s", "seg MB", "ratio",
			    "index MB", "total MB"
			printf "%8.1f %8.1f %11s %11s %9.1f %6.2f %9.1f %9.1f\n",
			    w, by / 1e6 / w, grp(ev / w), grp(rows / w), sb / 1e6,
			    by / sb, ib / 1e6, (sb + ib) / 1e6
			printf "  (index MB: index.db, the frame index and the" \
			    " history tables, %.1f bytes a minute row)\n", ib / rows
		}'
		echo
		echo "mkt-journal query DIR ..., $timer, $QRUNS runs after" \
			"one warm-up, process start-up included (ms)"
		printf '%-44s %7s %8s %8s %8s %8s\n' query points median mean \
			min max
	} | out
	SER="--venue binance --market spot --symbol BTCUSDT --pct 1.5 --field bid_value"
	Q="$ABIN/mkt-journal query $(abs "$JBANDS")"
	for r in "$DAYS-day hourly series:series $SER --resolution hour --from $START --to $END" \
	    "1-day minute series:series $SER --resolution minute --from $DAY1 --to $END" \
	    "$DAYS-day series, resolution auto:series $SER --from $START --to $END" \
	    "latest, $((SYMBOLS * MARKETS)) symbols:latest" \
	    "symbols, $((SYMBOLS * MARKETS)) symbols:symbols"; do
		label=${r%%:*} args=${r#*:}
		# shellcheck disable=SC2086 # the query's arguments
		pts=$($Q $args | wc -l)
		res=$(timeit "$QRUNS" 1 "" "$Q $args")
		if [ "$res" = FAIL ] || [ "$pts" -eq 0 ]; then
			printf '%-44s   FAILED\n' "$label" | out
			failed=1
			continue
		fi
		# shellcheck disable=SC2086
		set -- $res
		printf '%-44s %7s %8s %8s %8s %8s\n' "$label" "$pts" "$1" "$2" \
			"$3" "$4" | out
	done
}

# ---- history: the seed's approach on the same stream ----
history() {
	echo | out
	if [ -n "${bsecs:-}" ]; then
		set -- BENCH_JOURNAL_DIR="$JBANDS" BENCH_JOURNAL_SECONDS="$bsecs" \
			BENCH_JOURNAL_SEG_BYTES="$bseg" \
			BENCH_JOURNAL_INDEX_BYTES="$bidx"
	else
		set --
	fi
	env "$@" MKT_TOOLS="$TOOLS" BENCH_DAYS="$DAYS" \
	    BENCH_SYMBOLS="$SYMBOLS" BENCH_MARKETS="$MARKETS" \
	    BENCH_RUNS="$QRUNS" bench/history.sh >"$OUT/history.out"
	st=$?
	out <"$OUT/history.out"
	rm -f "$OUT/history.out"
	if [ "$st" -ne 0 ]; then
		echo "bench/history.sh failed (exit status $st)" | out
		failed=1
	fi
}

{
	echo "mkt-journal bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m)," \
		"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo ?) CPU," \
		"load $(cut -d' ' -f1-3 /proc/loadavg) at start"
	echo "parts: $PARTS"
} >"$TABLE"
cat "$TABLE"
part depth && depth
part replay && replay
part seek && seek
part bands && bands
part history && history
echo "load $(cut -d' ' -f1-3 /proc/loadavg) at the end" | out

rm -f "$EVICT" "$OUT/hf.json" "$OUT/hf.err"
if [ "$KEEP" != 1 ]; then
	rm -rf "$JBANDS" "$JB"
fi

# Keep this table, and put it in results.txt in place of the journal
# section of an earlier run (from its first line to the next section, or
# the end), after the others.
cp "$TABLE" "$JRESULTS" || die "cannot write $JRESULTS"
if [ -s "$RESULTS" ]; then
	awk '
		/^mkt(-[a-z]+)? bench, / { skip = /^mkt-journal bench, / }
		skip { next }
		NF { for (; blank > 0; blank--) print ""; print; any = 1; next }
		{ blank++ }
		END { if (any) print "" }' "$RESULTS" >"$RESULTS.tmp" ||
	    die "cannot read $RESULTS"
else
	: >"$RESULTS.tmp"
fi
if ! cat "$TABLE" >>"$RESULTS.tmp" || ! mv "$RESULTS.tmp" "$RESULTS"; then
	die "cannot write $RESULTS"
fi
rm -f "$TABLE"
exit "$failed"
