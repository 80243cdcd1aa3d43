#!/bin/sh
# 1141-feed-symbols-instruments: mkt-feed --instruments --symbols-file
# against mkt-sim: every target of the start (the file's exact ones and
# a pattern's symbols) and every target a SIGHUP adds gets one
# instrument event, with the simulator's rules, before its first book
# event; a target the venue does not list fails the new set, which is
# reported and leaves the running one alone.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools jq

SIM= FEED=
cleanup() {
	[ -n "$FEED" ] && kill "$FEED" 2>/dev/null
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	[ -n "$KEEP" ] && cp -r "$T" "$KEEP"; rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkt-sim --port-file "$T/port" --symbols BTCUSDT,ETHUSDT,SOLUSDT,ETHBTC \
    --levels 20 --rate 40 --ping 2s 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
u=127.0.0.1:$(cat "$T/port")
export MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u

# The simulator's own rules, for comparison.
mkt-feed --instruments-only binance:spot:BTCUSDT binance:spot:ETHUSDT \
    binance:spot:SOLUSDT binance:spot:ETHBTC >"$T/rules" 2>"$T/only.err"
is "$?" 0 "--instruments-only: exit 0"
is "$(wc -l <"$T/rules" | tr -d ' ')" 4 "--instruments-only: four rules"

# count FILTER: events of the feed that pass the jq FILTER.
count() {
	jq -c "select($1)" "$T/ev" | wc -l | tr -d ' '
}
has() {
	[ "$(count "$2")" -ge "$1" ]
}
# first_ok SYMBOL: SYMBOL's rules come once, first of its events, and
# equal the simulator's.
first_ok() {
	jq -e -n --arg s "$1" --slurpfile r "$T/rules" '
	    [inputs | select(.symbol == $s and .type != "status")] as $e |
	    ($e | map(select(.type == "instrument")) | length) == 1 and
	    $e[0].type == "instrument" and
	    ($e[0] | del(.time)) ==
	    ($r[] | select(.symbol == $s) | del(.time))' "$T/ev" >/dev/null
}

printf 'binance:spot:BTCUSDT\nbinance:spot:ETH*\n' >"$T/sym"
mkt-feed --instruments --symbols-file "$T/sym" >"$T/ev" 2>"$T/err" &
FEED=$!
check "the start's three books sync" \
    wait_for has 3 '.type == "snapshot"'
for s in BTCUSDT ETHUSDT ETHBTC; do
	check "$s: its rules come once, before its book, as the venue's" \
	    first_ok "$s"
done

# SIGHUP: SOLUSDT in.
printf 'binance:spot:BTCUSDT\nbinance:spot:ETH*\nbinance:spot:SOLUSDT\n' \
    >"$T/sym"
kill -HUP "$FEED"
check "the added target syncs" \
    wait_for has 1 '.type == "snapshot" and .symbol == "SOLUSDT"'
check "SOLUSDT: its rules come once, before its book, as the venue's" \
    first_ok SOLUSDT

# A target the venue does not list: the set is refused, as a whole.
printf 'binance:spot:BTCUSDT\nbinance:spot:NOPEUSDT\n' >"$T/sym"
kill -HUP "$FEED"
check "a target with no rules is reported" \
    wait_line "$T/err" "NOPEUSDT: not in the venue's instrument list"
n=$(count '.type == "depth" and .symbol == "ETHUSDT"')
check "the running set is kept: ETHUSDT goes on" \
    wait_for has $((n + 3)) '.type == "depth" and .symbol == "ETHUSDT"'
is "$(count '.state == "unsubscribed"')" 0 "nothing was unsubscribed"

kill -TERM "$FEED"
wait "$FEED"
is "$?" 0 "mkt-feed exits 0 on SIGTERM"
FEED=
is "$(count '.type == "instrument"')" 4 "four rules in all, each once"

done_testing
