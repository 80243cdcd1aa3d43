#!/bin/sh
# bench/anchor.sh: replay anchored on a book (mkt-replay --from T --book)
# against the plain seek (mkt-replay --from T), in the middle of a large
# journal, in the same run.
#
# The journal: gen-depth (BENCH_ANCHOR_SYMBOLS symbols, default 4, about
# ten events a second each) through `mkt-book --checkpoint 1m --interval
# 1h --levels 1` (a collector's checkpoints, one book an hour) into
# `mkt-journal append`, about BENCH_ANCHOR_GB (1) GB on disk; built once
# in bench/out/anchor-NGB and reused while bench/out/anchor-NGB.stamp says
# it is complete (BENCH_ANCHOR_REBUILD=1 builds it again).
#
# Measured, process start-up included, median of BENCH_ANCHOR_RUNS (15)
# runs after 3 warm-up runs, page cache warm, T the middle of the
# journal's time range:
#   - time to the first event of `mkt-replay J --from T | head -n 1`;
#   - the same with --book: the first event is the first book's anchor,
#     rebuilt from its last checkpoint before T;
#   - the same with --book over every book (time to the last anchor:
#     `... --book | grep checkpoint | head -n N`, N the number of books);
# and the ratio of each to the plain seek.  Then the frames an anchored
# replay reads to reach T (mkt-replay -v with --to just after T).
#
# The table goes to standard output and is appended to
# bench/out/results.txt.  Environment: MKT_BIN (build/bin), MKT_TOOLS
# (build/tools).  Exit status 0, or 1 when a step failed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
TOOLS=${MKT_TOOLS:-build/tools}
GB=${BENCH_ANCHOR_GB:-1}
NSYM=${BENCH_ANCHOR_SYMBOLS:-4}
RUNS=${BENCH_ANCHOR_RUNS:-15}
OUT=bench/out
J=$OUT/anchor-${GB}GB
STAMP=$J.stamp
RESULTS=$OUT/results.txt

die() {
	echo "bench/anchor: $*" >&2
	exit 1
}

now_ns() {
	date +%s%N
}

[ -x "$TOOLS/gen-depth" ] || die "$TOOLS/gen-depth not built (run make)"
mkdir -p "$OUT" || die "cannot create $OUT"

# About 160 bytes an event on disk at zstd level 3 (bench/journal.sh's
# depth stream), a little more with the checkpoints.
if [ "${BENCH_ANCHOR_REBUILD:-0}" = 1 ] || [ ! -s "$STAMP" ] ||
    [ ! -f "$J/index.db" ]; then
	n=$(awk -v g="$GB" 'BEGIN { printf "%.0f", g * 1e9 / 175 }')
	echo "bench/anchor: building $J: gen-depth --events $n --symbols" \
		"$NSYM | mkt-book --checkpoint 1m | mkt-journal append" \
		"(minutes) ..." >&2
	rm -rf "$J" "$STAMP"
	t0=$(now_ns)
	"$TOOLS/gen-depth" --events "$n" --symbols "$NSYM" |
		"$BIN/mkt-book" --checkpoint 1m --interval 1h --levels 1 |
		"$BIN/mkt-journal" append "$J" || die "cannot build $J"
	t1=$(now_ns)
	echo "events=$n symbols=$NSYM seconds=$(((t1 - t0) / 1000000000))" \
		>"$STAMP"
fi

st=$("$BIN/mkt-journal" stats --json "$J" | grep '"type":"journal_stats"') ||
	die "$J: no stats"
js() { echo "$st" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
old=$(js oldest) new=$(js newest) bytes=$(js bytes) events=$(js events)
mid=$(((old + new) / 2))
books=$("$BIN/mkt-journal" stats --json "$J" |
	grep -c '"type":"symbol_stats"')

# ms CMD: the median wall time of CMD in ms over RUNS runs, after 3.
ms() {
	_i=0
	while [ "$_i" -lt 3 ]; do
		sh -c "$1" >/dev/null 2>&1
		_i=$((_i + 1))
	done
	_i=0 _all=
	while [ "$_i" -lt "$RUNS" ]; do
		_t0=$(now_ns)
		sh -c "$1" >/dev/null 2>&1 || { echo FAIL; return; }
		_t1=$(now_ns)
		_all="$_all $(((_t1 - _t0) / 1000))"
		_i=$((_i + 1))
	done
	# shellcheck disable=SC2086
	printf '%s\n' $_all | sort -n |
		awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1e3 }'
}

# The anchored replay must start with a checkpoint snapshot of a book.
first=$("$BIN/mkt-replay" "$J" --from "$mid" --book | head -n 1)
case $first in
'{"type":"snapshot"'*'"checkpoint":true}') ;;
*) die "--book from $mid did not start with an anchor" ;;
esac

R="'$BIN/mkt-replay' '$J' --from $mid"
plain=$(ms "$R | head -n 1")
one=$(ms "$R --book | head -n 1")
# (grep -m with its output on /dev/null reads on to the end: head stops.)
all=$(ms "$R --book | grep --line-buffered -F '\"checkpoint\":true}' |
	head -n $books")
frames=$("$BIN/mkt-replay" "$J" --from "$mid" --to "$((mid + 1))" --book -v \
	2>&1 >/dev/null | sed -n 's/.*frames read: \([0-9]*\),.*/\1/p')
ratio() {
	awk -v a="$1" -v b="$plain" 'BEGIN {
		if (a == "FAIL" || b == "FAIL" || b == 0) print "-";
		else printf "%.2f", a / b }'
}
{
	echo
	echo "anchored replay: $J, $events events, $(awk -v b="$bytes" \
		'BEGIN { printf "%.2f", b / 1e9 }') GB of segments, $books books," \
		"checkpoints every 1m; --from $mid (the middle)"
	echo "time to the first event, process start-up included, median of" \
		"$RUNS runs (ms)"
	printf '%-52s %9s %8s\n' command ms "x seek"
	printf '%-52s %9s %8s\n' "mkt-replay J --from T | head -n 1" "$plain" 1.00
	printf '%-52s %9s %8s\n' "mkt-replay J --from T --book | head -n 1" \
		"$one" "$(ratio "$one")"
	printf '%-52s %9s %8s\n' "... --book, every book's anchor ($books)" \
		"$all" "$(ratio "$all")"
	echo "  frames read by --book to reach T: $frames"
} | tee -a "$RESULTS"
case "$plain $one $all" in
*FAIL*) exit 1 ;;
esac
exit 0
