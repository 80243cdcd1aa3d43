#!/bin/sh
# mkt-exec routes by venue: an intent or cancel naming another venue or
# market than its own passes through byte-identical and is not placed,
# so that `mkt-exec --venue binance:spot | mkt-exec --venue bybit:spot`
# places each leg of a cross-venue strategy on its own venue.  One
# naming no venue, or its own, is placed as before.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sim.sh"

sim_start --markets binance:spot,bybit:spot \
    --order-limit binance:spot=100000 --order-limit bybit:spot=100000
OPTS="--key-file $T/key --no-stream --poll 100ms --timeout 5s"

# intent ID VENUE MARKET: a market buy of BTCUSDT naming VENUE:MARKET.
intent() {
	printf '{"type":"intent","id":"%s","venue":"%s","market":"%s","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"0.01"}\n' \
	    "$1" "$2" "$3"
}
{
	intent rt-bn binance spot
	intent rt-by bybit spot
	intent rt-bf binance futures
	printf '{"type":"intent","id":"rt-none","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"0.01"}\n'
	printf '{"type":"cancel","id":"rt-c","venue":"bybit","market":"spot","target":"rt-old"}\n'
} >"$T/in"
grep -e rt-by -e rt-bf -e rt-c "$T/in" >"$T/want"

# One mkt-exec alone: the other venues' lines pass as they came.
# shellcheck disable=SC2086
mkt-exec --venue binance:spot --state "$T/a.db" $OPTS <"$T/in" \
    >"$T/a.out" 2>"$T/a.err"
is "$?" 0 "mkt-exec --venue binance:spot exits 0"
grep -v -e '"type":"order"' -e '"type":"fill"' -e '"type":"position"' \
    -e '"type":"status"' -e '"type":"balance"' "$T/a.out" >"$T/a.pass"
cmp_file "$T/a.pass" "$T/want" "the other venues' intents and cancel pass byte-identical"
check "its own venue's intent is placed" \
    grep -q '"id":"rt-bn",.*"status":"filled"' "$T/a.out"
check "an intent naming no venue is placed" \
    grep -q '"id":"rt-none",.*"status":"filled"' "$T/a.out"
is "$(grep -c -e '"type":"order".*"id":"rt-by"' -e '"type":"order".*"id":"rt-bf"' "$T/a.out")" 0 \
    "no order event for another venue's intent"
is "$(sqlite3 "$T/a.db" 'select count(*) from intents' 2>/dev/null || echo x)" 2 \
    "the store holds only its own two intents"

# venue_ids VENUE MARKET: the client ids of the sim's orders there.
venue_ids() {
	curl -s "$B/sim/orders" | jq -r --arg v "$1" --arg m "$2" \
	    'select(.venue == $v and .market == $m) | .client_id' | sort |
	    tr '\n' ' '
}
is "$(venue_ids binance spot)" "rt-bn rt-none " "binance spot holds rt-bn and rt-none"
is "$(venue_ids bybit spot)" "" "bybit spot holds nothing yet"

# Two in a pipeline: each places its own leg.
# shellcheck disable=SC2086
mkt-exec --venue binance:spot --state "$T/b.db" $OPTS <"$T/in" 2>"$T/b.err" |
    mkt-exec --venue bybit:spot --state "$T/c.db" $OPTS >"$T/c.out" \
    2>"$T/c.err"
is "$?" 0 "the pipeline of two exits 0"
check "the bybit leg is placed by the second" \
    grep -q '"venue":"bybit","market":"spot".*"id":"rt-by",.*"status":"filled"' "$T/c.out"
check "the futures intent passes the second too" \
    grep -qx "$(grep rt-bf "$T/in")" "$T/c.out"
is "$(venue_ids bybit spot)" "rt-by " "bybit spot holds rt-by alone"

done_testing
