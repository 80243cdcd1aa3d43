#!/bin/sh
# bench/journal.sh: mkt-journal append throughput and compression.
#
# Appends gen-depth's stream (BENCH_EVENTS events, default 200000) to a
# fresh journal at zstd levels 3 and 19 (BENCH_LEVELS), BENCH_RUNS times
# each (default 3; the median is reported), and compares the journal's
# size with zstd(1) compressing the whole file at the same level.
# Environment: MKT_BIN (build/bin), MKT_TOOLS (build/tools), relative to
# the top of the tree.  Exit status 0, or 1 when a command failed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
TOOLS=${MKT_TOOLS:-build/tools}
EVENTS=${BENCH_EVENTS:-200000}
RUNS=${BENCH_RUNS:-3}
LEVELS=${BENCH_LEVELS:-3 19}
OUT=bench/out
FILE=$OUT/depth-$EVENTS.ndjson
J=$OUT/journal.bench

mkdir -p "$OUT" || exit 1
if [ ! -s "$FILE" ] || [ "$TOOLS/gen-depth" -nt "$FILE" ]; then
	"$TOOLS/gen-depth" --events "$EVENTS" >"$FILE.tmp" &&
		mv "$FILE.tmp" "$FILE" || exit 1
fi
bytes=$(wc -c <"$FILE")
lines=$(wc -l <"$FILE")

# secs CMD...: wall-clock seconds of one run.
secs() {
	_t0=$(date +%s.%N)
	"$@" || return 1
	_t1=$(date +%s.%N)
	echo "$_t1 - $_t0" | bc
}

printf 'mkt-journal append: %s events, %s bytes (gen-depth)\n' "$lines" "$bytes"
printf '%-6s %10s %12s %8s %8s\n' level MB/s events/s ratio zstd-cli
for level in $LEVELS; do
	times=
	for r in $(seq "$RUNS"); do
		rm -rf "$J"
		t=$(secs "$BIN/mkt-journal" append --level "$level" "$J" \
			<"$FILE") || exit 1
		times="$times $t"
	done
	med=$(echo $times | tr ' ' '\n' | sort -n | sed -n "$(((RUNS + 1) / 2))p")
	jbytes=$(cat "$J"/seg-*.zst | wc -c)
	zbytes=$(zstd -q -c -T1 -"$level" "$FILE" | wc -c)
	printf '%-6s %10.1f %12.0f %8.2f %8.2f\n' "$level" \
		"$(echo "$bytes / 1000000 / $med" | bc -l)" \
		"$(echo "$lines / $med" | bc -l)" \
		"$(echo "$bytes / $jbytes" | bc -l)" \
		"$(echo "$bytes / $zbytes" | bc -l)"
done
rm -rf "$J"
