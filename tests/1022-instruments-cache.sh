#!/bin/sh
# 1022-instruments-cache: mkt-feed --instruments-cache FILE.  A fresh
# file that names every symbol is used without a request (the venues'
# endpoints then lead nowhere, so any request would fail); a stale one,
# or one that lacks a symbol, is fetched again and rewritten whole; a
# failed fetch or write leaves the file as it was and writes nothing.
# load: 3
. "$(dirname "$0")/lib.sh"

SIM=
cleanup() {
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkt-sim --port-file "$T/port" --symbols BTCUSDT,ETHUSDT --levels 50 \
    -v 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
SIMURL=http://127.0.0.1:$(cat "$T/port")

# Endpoints that refuse every connection (port 1 is reserved, no one
# listens on it): a run that makes any request fails.
DEAD=http://127.0.0.1:1
at() {
	export MKT_BINANCE_SPOT_REST="$1" MKT_BINANCE_FUTURES_REST="$1"
	export MKT_BYBIT_REST="$1"
}
requests() { grep -c '^mkt-sim: rest /' "$T/sim.err"; }
C=$T/cache.ndjson
SYMS="binance:spot:BTCUSDT bybit:linear:ETHUSDT"

# A first run fetches and writes the cache: the same lines as its output.
at "$SIMURL"
n0=$(requests)
# shellcheck disable=SC2086
mkt-feed --instruments-only --instruments-cache "$C" $SYMS >"$T/o1" \
    2>"$T/e1"
is $? 0 "a first run: exit 0"
is "$(($(requests) - n0))" 2 "it asked both venues"
is "$(nlines "$T/o1")" 2 "two instruments written"
cmp_file "$C" "$T/o1" "the cache holds what was written"
check "no temporary file is left" test ! -e "$C.tmp"

# Fresh: no request at all -- every endpoint is dead.
at "$DEAD"
# shellcheck disable=SC2086
mkt-feed --instruments-only --instruments-cache "$C" $SYMS >"$T/o2" \
    2>"$T/e2"
is $? 0 "a fresh cache with dead endpoints: exit 0"
cmp_file "$T/o2" "$T/o1" "the same events, from the cache"
check "nothing said on stderr" test ! -s "$T/e2"
# shellcheck disable=SC2086
mkt-feed --instruments-only --instruments-cache "$C" \
    binance:spot:BTCUSDT >"$T/o3" 2>/dev/null
is $? 0 "a subset of the cache is served from it"
is "$(cat "$T/o3")" "$(head -1 "$T/o1")" "just the symbol asked for"

# A symbol the cache lacks: fetched (and failing here, the endpoints
# being dead): exit 1, nothing written, the cache untouched.
cp "$C" "$T/before"
mkt-feed --instruments-only --instruments-cache "$C" \
    binance:spot:BTCUSDT bybit:spot:BTCUSDT >"$T/o4" 2>"$T/e4"
is $? 1 "a symbol not in the cache is fetched: exit 1 when that fails"
check "the failure is said" grep -q 'instrument list request failed' \
    "$T/e4"
check "nothing written" test ! -s "$T/o4"
cmp_file "$C" "$T/before" "the cache is left as it was"

# Stale (two days old, the default age being one day): fetched again.
touch -d '2 days ago' "$C"
# shellcheck disable=SC2086
mkt-feed --instruments-only --instruments-cache "$C" $SYMS >"$T/o5" \
    2>"$T/e5"
is $? 1 "a stale cache with dead endpoints: exit 1"
check "nothing written" test ! -s "$T/o5"
cmp_file "$C" "$T/before" "the stale cache is left as it was"
check "no temporary file is left" test ! -e "$C.tmp"
# shellcheck disable=SC2086
mkt-feed --instruments-only --instruments-cache "$C" \
    --instruments-max-age 3d $SYMS >"$T/o6" 2>"$T/e6"
is $? 0 "--instruments-max-age 3d takes the two-day-old cache"
cmp_file "$T/o6" "$T/o1" "the cached events"

at "$SIMURL"
n0=$(requests)
# shellcheck disable=SC2086
mkt-feed --instruments-only --instruments-cache "$C" $SYMS >"$T/o7" \
    2>"$T/e7"
is $? 0 "a stale cache with the venue up: exit 0"
is "$(($(requests) - n0))" 2 "the lists were fetched again"
check "the cache was rewritten" test "$C" -nt "$T/before"
is "$(jq -r .symbol "$T/o7" | tr '\n' ' ')" "BTCUSDT ETHUSDT " \
    "the events of the refetch"
cmp_file "$C" "$T/o7" "and the cache holds them"

# The cache that cannot be written: exit 1 before anything is written.
# shellcheck disable=SC2086
mkt-feed --instruments-only --instruments-cache "$T/no/such/dir/c" \
    $SYMS >"$T/o8" 2>"$T/e8"
is $? 1 "an unwritable cache: exit 1"
check "it says which file" grep -q "cannot open '$T/no/such/dir/c.tmp'" \
    "$T/e8"
check "nothing written" test ! -s "$T/o8"

# A cache file that is not ours (not instrument events) is refetched.
printf 'not json\n{"type":"trade"}\n' >"$C"
n0=$(requests)
# shellcheck disable=SC2086
mkt-feed --instruments-only --instruments-cache "$C" $SYMS >"$T/o9" \
    2>"$T/e9"
is $? 0 "a cache of other lines: refetched, exit 0"
is "$(($(requests) - n0))" 2 "with two requests"
is "$(nlines "$C")" 2 "and rewritten with the instruments"
done_testing
