#!/bin/sh
# mkt-strat-tri against mkt-sim on Binance spot's cycle BTCUSDT, ETHBTC,
# ETHUSDT (mkt-sim prices ETHBTC at ETHUSDT / BTCUSDT): with ETHBTC
# moved 40 bps (--offset binance:spot:ETHBTC=40, more than three taker
# fees of 0.1 %) it trades --max-trades cycles of three legs, every leg
# filled, the ETH bought on one book sold on the other; with no offset
# it stays flat.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-strat.sh"

TARGETS="binance:spot:BTCUSDT binance:spot:ETHBTC binance:spot:ETHUSDT"
STRAT="mkt-strat-tri --taker-fee 0.001 --slippage 10 --max-qty 0.05 --step 0.0001"
STRAT="$STRAT --max-trades 2 $TARGETS"
SYMS=BTCUSDT,ETHBTC,ETHUSDT

start_edge_flat $SYMS binance:spot binance:spot:ETHBTC=40 || exit 1

point edge
pipeline edge "$TARGETS" "$STRAT" binance:spot
check "with an edge: two cycles, six legs filled" \
    wait_for at_least "$T/edge.out" '"type":"order".*"status":"filled"' 6
check "the pipeline ends, exit 0" stop_pipeline
is "$(sim_orders tri- | jq -r .symbol | sort | uniq -c | awk '{ $1 = $1; print }' |
    paste -sd, -)" "2 BTCUSDT,2 ETHBTC,2 ETHUSDT" \
    "the venue holds two orders of each book"
is "$(sim_orders tri- | jq -r .status | sort -u)" filled "all filled"
eb=$(net_sym ETHBTC tri-) eu=$(net_sym ETHUSDT tri-)
check "the ETH bought is the ETH sold ($eb, $eu)" \
    test "$eb" -ne 0 -a "$((eb + eu))" -eq 0
is "$(count "$T/edge.strat.err" .)" 0 "the strategy said nothing"

point flat
pipeline flat "$TARGETS" "$STRAT" binance:spot
check "without an edge: 40 books go by" \
    wait_for at_least "$T/flat.out" '"type":"book"' 40
check "the pipeline ends, exit 0" stop_pipeline
is "$(sqlite3 "$T/flat-1.db" 'select count(*) from intents')" 0 "no intent"
is "$(sim_orders '' | wc -l | tr -d ' ')" 0 "no order at the venue"

done_testing
