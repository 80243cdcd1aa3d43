#!/bin/sh
# mkt-strat-arb against mkt-sim, in the whole pipeline (feed, book,
# strategy, one mkt-exec per venue, the output tee'd back as feedback):
# with Binance spot 30 bps above Bybit spot (more than two taker fees of
# 0.1 %) it trades -- --max-trades pairs, each a buy at Bybit and a sell
# at Binance, both filled, the positions opposite and equal; with no
# offset it stays flat: no intent, no order at the venue.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-strat.sh"

TARGETS="binance:spot:BTCUSDT bybit:spot:BTCUSDT"
STRAT="mkt-strat-arb --taker-fee 0.001 --slippage 10 --max-qty 0.01"
STRAT="$STRAT --max-trades 2 $TARGETS"

start_edge_flat BTCUSDT binance:spot,bybit:spot binance:spot=30 || exit 1

point edge
pipeline edge "$TARGETS" "$STRAT" binance:spot bybit:spot
check "with an edge: two pairs, four legs filled" \
    wait_for at_least "$T/edge.out" '"type":"order".*"status":"filled"' 4
check "the pipeline ends, exit 0" stop_pipeline
is "$(sim_orders arb- | jq -r 'select(.venue == "binance") | .side' |
    sort -u)" sell "Binance spot: only sells"
is "$(sim_orders arb- | jq -r 'select(.venue == "bybit") | .side' |
    sort -u)" buy "Bybit spot: only buys"
is "$(sim_orders arb- | jq -r .status | sort | uniq -c | tr -s ' ')" \
    " 4 filled" "the venue holds four filled orders"
bn=$(net binance arb-) by=$(net bybit arb-)
check "the positions are opposite and equal ($bn, $by)" \
    test "$bn" -lt 0 -a "$((bn + by))" -eq 0
is "$(count "$T/edge.strat.err" .)" 0 "the strategy said nothing"

point flat
pipeline flat "$TARGETS" "$STRAT" binance:spot bybit:spot
check "without an edge: 40 books go by" \
    wait_for at_least "$T/flat.out" '"type":"book"' 40
check "the pipeline ends, exit 0" stop_pipeline
is "$(sqlite3 "$T/flat-1.db" 'select count(*) from intents')$(sqlite3 \
    "$T/flat-2.db" 'select count(*) from intents')" 00 "no intent"
is "$(sim_orders '' | wc -l | tr -d ' ')" 0 "no order at the venue"

done_testing
