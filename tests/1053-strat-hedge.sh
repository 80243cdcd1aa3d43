#!/bin/sh
# mkt-strat-hedge against mkt-sim: a post_only buy rests a tick inside
# Bybit spot's bid while Binance spot is 30 bps above (more than the
# hedge's 0.1 % taker fee); each fill is hedged by a market sell of the
# same size on Binance: --max-trades rests, all filled, each hedged,
# the positions opposite and equal.  With no offset it stays flat.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-strat.sh"

TARGETS="bybit:spot:BTCUSDT binance:spot:BTCUSDT"
STRAT="mkt-strat-hedge --taker-fee 0.001 --tick 0.01 --max-qty 0.01"
STRAT="$STRAT --max-trades 2 $TARGETS"

start_edge_flat BTCUSDT binance:spot,bybit:spot binance:spot=30 || exit 1

point edge
pipeline edge "$TARGETS" "$STRAT" bybit:spot binance:spot
check "with an edge: two rests filled and hedged" \
    wait_for at_least "$T/edge.out" \
    '"type":"order","venue":"binance".*"kind":"market".*"status":"filled"' 2
check "the pipeline ends, exit 0" stop_pipeline
is "$(sim_orders hedge- | jq -r '[.venue, .side, .status] | join(" ")' |
    sort | uniq -c | awk '{ $1 = $1; print }' | paste -sd, -)" \
    "2 binance sell filled,2 bybit buy filled" \
    "Bybit: two buys filled; Binance: two sells filled"
check "the rests were a tick inside the bid, post_only" \
    grep -q '"venue":"bybit".*"tif":"post_only"' "$T/edge.out"
bn=$(net binance hedge-) by=$(net bybit hedge-)
check "the positions are opposite and equal ($bn, $by)" \
    test "$by" -gt 0 -a "$((bn + by))" -eq 0

point flat
pipeline flat "$TARGETS" "$STRAT" bybit:spot binance:spot
check "without an edge: 40 books go by" \
    wait_for at_least "$T/flat.out" '"type":"book"' 40
check "the pipeline ends, exit 0" stop_pipeline
is "$(sqlite3 "$T/flat-1.db" 'select count(*) from intents')$(sqlite3 \
    "$T/flat-2.db" 'select count(*) from intents')" 00 "no intent"
is "$(sim_orders '' | wc -l | tr -d ' ')" 0 "no order at the venue"

done_testing
