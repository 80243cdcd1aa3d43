#!/bin/sh
# bench/parsers/build.sh: build (and with --run, run) parse-bench, the
# measurement behind the event parser's choice of JSON parser
# (lib/README, "Parser choice").  Optional: nothing else in mkt needs it
# or the libraries it compares.
#
#   bench/parsers/build.sh                 build build/parsers/parse-bench
#   bench/parsers/build.sh --run [EVENTS]  build, make the input, run it
#
# Our scanner (build/libmkt.a: run make first) is always built in; libjq
# (libjq-dev), json-c (libjson-c-dev), jansson (libjansson-dev) and cJSON
# (libcjson-dev) each when a test program compiles and links against it;
# the others are listed as skipped.
#
# The input, EVENTS (default 200000) depth events, comes from
# build/tools/gen-depth, or from a small Python generator of the same
# shape when that is not built, and is cached next to the program.
#
# Environment: CC (cc), CFLAGS (-O2 -g), LDFLAGS, B (build), BENCH_RUNS (3),
# MKT_TOOLS (where gen-depth is: $B/tools).
# Exit status: 0; 1 when the build, the input or a run failed; 2 on misuse.
set -u

CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2 -g}
B=${B:-build}
RUNS=${BENCH_RUNS:-3}
OUT=$B/parsers
PROG=$OUT/parse-bench
SRC=bench/parsers/parse-bench.c
WARN="-std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
-Wmissing-prototypes -Wno-sign-compare -D_GNU_SOURCE"

die() {
	echo "parse-bench: $*" >&2
	exit 1
}

usage() {
	echo "usage: bench/parsers/build.sh [--run [EVENTS]]" >&2
	exit 2
}

run=0 events=200000
case ${1-} in
'') ;;
--run)
	run=1
	[ $# -ge 2 ] && events=$2
	[ $# -le 2 ] || usage
	case $events in ''|*[!0-9]*|0) usage;; esac
	;;
-h|--help)
	echo "usage: bench/parsers/build.sh [--run [EVENTS]]"
	exit 0
	;;
*) usage;;
esac
case $RUNS in ''|*[!0-9]*|0) die "BENCH_RUNS: not a number >= 1";; esac

[ -f "$SRC" ] || die "run from the top of the tree"
[ -f "$B/libmkt.a" ] || die "$B/libmkt.a not built (run make first)"
mkdir -p "$OUT" || die "cannot create $OUT"

# try NAME PART 'CFLAGS' 'LIBS' HEADER CALL: build the backend's part of
# parse-bench.c when a program including HEADER and calling CALL compiles
# and links against LIBS.  Each part is its own object: json-c's,
# jansson's and our json.h define the same names.
objs='' defs='' libs='' skipped='' found=''
try() {
	printf '#include <%s>\nint main(void) { %s; return 0; }\n' "$5" "$6" \
		>"$OUT/try.c"
	# $3 and $4 are word lists from pkg-config: split on purpose.
	# shellcheck disable=SC2086
	if $CC $3 -o "$OUT/try" "$OUT/try.c" $4 2>/dev/null; then
		# shellcheck disable=SC2086
		$CC $WARN -Ilib $CFLAGS -DPB_$2 $3 -c -o "$OUT/pb-$1.o" "$SRC" ||
			die "cannot compile the $1 part"
		objs="$objs $OUT/pb-$1.o"
		defs="$defs -DHAVE_$2"
		libs="$libs $4"
		found="$found $1"
	else
		skipped="$skipped $1"
	fi
	rm -f "$OUT/try" "$OUT/try.c"
}

pc_cflags() {
	pkg-config --cflags "$1" 2>/dev/null || :
}
pc_libs() {
	pkg-config --libs "$1" 2>/dev/null || echo "$2"
}

# libjq.so pulls in libonig itself; a static libjq needs -lonig too
# (libonig-dev).
jq_libs=-ljq
printf '#include <jv.h>\nint main(void) { return 0; }\n' >"$OUT/try.c"
$CC -o "$OUT/try" "$OUT/try.c" -ljq 2>/dev/null || jq_libs='-ljq -lonig'
rm -f "$OUT/try" "$OUT/try.c"
try jq JQ '' "$jq_libs" jv.h 'jv_free(jv_parse_sized("1", 1))'
try json-c JSONC "$(pc_cflags json-c)" "$(pc_libs json-c -ljson-c)" \
	json-c/json.h 'json_object_put(json_tokener_parse("1"))'
try jansson JANSSON "$(pc_cflags jansson)" "$(pc_libs jansson -ljansson)" \
	jansson.h 'json_decref(json_loads("1", 0, 0))'
try cJSON CJSON "$(pc_cflags libcjson)" "$(pc_libs libcjson -lcjson)" \
	cjson/cJSON.h 'cJSON_Delete(cJSON_ParseWithLength("1", 1))'

echo "parse-bench: built in: mkt$found"
[ -n "$skipped" ] && echo "parse-bench: skipped (not installed):$skipped" \
	"-- apt-get install libjq-dev libjson-c-dev libjansson-dev libcjson-dev"

# shellcheck disable=SC2086
{ $CC $WARN -Ilib $CFLAGS $defs -c -o "$OUT/parse-bench.o" "$SRC" &&
	$CC $CFLAGS ${LDFLAGS-} -o "$PROG" "$OUT/parse-bench.o" $objs \
		"$B/libmkt.a" $libs -lm; } ||
	die "cannot build $PROG"
[ $run = 1 ] || exit 0

in=$OUT/depth-$events.ndjson
gen=${MKT_TOOLS:-$B/tools}/gen-depth
# Made again when the generator is newer than the cached stream.
if [ ! -s "$in" ] || { [ -x "$gen" ] && [ -n "$(find "$gen" -newer "$in")" ]; }
then
	if [ -x "$gen" ]; then
		"$gen" --events "$events" >"$in.tmp" || die "gen-depth failed"
	else
		# The same shape as gen-depth: a 1000-level snapshot, then
		# depth events of 5..32 changed levels, Binance's 8 decimals.
		if ! python3 - "$events" >"$in.tmp" <<'EOF'
import random, sys
n = int(sys.argv[1]); r = random.Random(1); lid = 40000000000
def lv(side, k):
    t = 3000000 - k if side == 'b' else 3000001 + k
    q = 0 if r.random() < 0.17 else r.randrange(1, 2000000000)
    return '[%d.%02d000000,%d.%08d]' % (t // 100, t % 100, q // 10**8,
                                        q % 10**8)
def ev(i, typ, nb, na, ids, deep):
    global lid
    first = lid + 1; lid += ids; ms = 1700000000000 + i * 100
    pos = (lambda k: r.randrange(deep)) if deep else (lambda k: k)
    b = ','.join(lv('b', pos(k)) for k in range(nb))
    a = ','.join(lv('a', pos(k)) for k in range(na))
    f = '"first_id":%d,' % first if typ == 'depth' else ''
    return ('{"type":"%s","venue":"binance","market":"spot",'
            '"symbol":"BTCUSDT","time":%d,"recv":%d,%s"last_id":%d,'
            '"bids":[%s],"asks":[%s]}\n'
            % (typ, ms, ms * 1000 + 1343, f, lid, b, a))
for i in range(n):
    if i == 0:
        sys.stdout.write(ev(i, 'snapshot', 1000, 1000, 1, 0))
    else:
        k = r.randint(5, 32); nb = r.randint(0, k)
        sys.stdout.write(ev(i, 'depth', nb, k - nb, r.randint(1, 8), 60))
EOF
		then
			die "python3 generator failed"
		fi
	fi
	mv "$in.tmp" "$in" || die "cannot write $in"
fi
echo "parse-bench: $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs," \
	"$(date -u +%Y-%m-%d), $CC $CFLAGS"
"$PROG" --runs "$RUNS" "$in" || die "run failed"
