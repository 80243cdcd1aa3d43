#!/bin/sh
# The strategies' decisions on hand-made books, no network: the edge test
# is exact (a pair just beyond the fees trades, one exactly at them does
# not), --fee overrides one market's fee, sizes are cut to the step of an
# instrument event and refused below its min_qty, a leg's fill event
# (from the input, without --feedback) makes the hedge strategy hedge
# it, a lost edge cancels the resting order, and usage errors exit 2.
. "$(dirname "$0")/lib.sh"

bn() {	# bn TIME BID BIDQTY ASK ASKQTY: a Binance spot book
	printf '{"type":"book","venue":"binance","market":"spot","symbol":"BTCUSDT","time":%s,"last_id":%s,"bids":[[%s,%s]],"asks":[[%s,%s]]}\n' \
	    "$1" "$1" "$2" "$3" "$4" "$5"
}
by() {	# by TIME BID BIDQTY ASK ASKQTY: a Bybit spot book
	printf '{"type":"book","venue":"bybit","market":"spot","symbol":"BTCUSDT","time":%s,"last_id":%s,"bids":[[%s,%s]],"asks":[[%s,%s]]}\n' \
	    "$1" "$1" "$2" "$3" "$4" "$5"
}
ARB="mkt-strat-arb binance:spot:BTCUSDT bybit:spot:BTCUSDT"

# 100 * 1.001 = 100.1 paid; a bid of b gets b * 0.999.
# 100.2002 * 0.999 = 100.0999998 < 100.1: no pair.
{ bn 1 100.2002 1 101 1; by 2 99 1 100 1; } | $ARB >"$T/a1"
is "$(grep -c intent "$T/a1")" 0 "arb: below two fees, no pair"
# 100.20021 * 0.999 = 100.10000979 > 100.1: a pair.
{ bn 1 100.20021 1 101 1; by 2 99 1 100 1; } | $ARB >"$T/a2"
is "$(grep -c intent "$T/a2")" 2 "arb: just beyond two fees, a pair"
{ bn 1 100.20021 1 101 1; by 2 99 1 100 1; } |
    $ARB --fee bybit:spot=0.002 >"$T/a3"
is "$(grep -c intent "$T/a3")" 0 "arb: --fee raises one market's fee"
{ bn 1 100.20021 1 101 1; by 2 99 1 100 1; } |
    $ARB --min-edge 1 >"$T/a4"
is "$(grep -c intent "$T/a4")" 0 "arb: --min-edge 1 bps refuses it"
is "$(grep -c -v intent "$T/a2")" 2 "arb: the books pass through"
{ bn 1 100.20021 1 101 1; by 2 99 1 100 1; } |
    $ARB --slippage 10 --tick 0.01 >"$T/a8"
check "arb --slippage 10: the buy reaches 10 bps up, floored to the tick" \
    grep -q '"venue":"bybit".*"side":"buy".*"price":100.1,' "$T/a8"
check "  and the sell 10 bps down, raised to the tick" \
    grep -q '"venue":"binance".*"side":"sell".*"price":100.11,' "$T/a8"
{ bn 1 100.20021 1 101 1; by 2 99 1 100 1; } |
    $ARB --slippage 10 >"$T/a9"
check "  without a tick, on the touched price's decimals" \
    grep -q '"venue":"binance".*"side":"sell".*"price":100.10001,' "$T/a9"

INSTR='{"type":"instrument","venue":"bybit","market":"spot","symbol":"BTCUSDT","step":"0.001","min_qty":"0.01"}'
{ echo "$INSTR"; bn 1 110 0.5678 111 1; by 2 99 1 100 1; } | $ARB >"$T/a5"
is "$(grep -o '"qty":[0-9.]*' "$T/a5" | sort -u)" '"qty":0.567' \
    "arb: both legs cut to the instrument's step"
{ echo "$INSTR"; bn 1 110 0.0099 111 1; by 2 99 1 100 1; } | $ARB >"$T/a6"
is "$(grep -c intent "$T/a6")" 0 "arb: below the instrument's min_qty, no pair"
# A second edge on the same books waits for the first pair (no feedback:
# it is given up after --leg-timeout of event time) and a newer book.
{ bn 1 110 1 111 1; by 2 99 1 100 1; bn 3 110 1 111 1; by 40000 99 1 100 1; } |
    $ARB >"$T/a7"
is "$(grep -c intent "$T/a7")" 4 "arb: a second pair after the leg timeout"

HEDGE="mkt-strat-hedge --tick 0.01 --max-qty 0.5 bybit:spot:BTCUSDT binance:spot:BTCUSDT"
{ by 1 100 1 100.1 1; bn 2 100.3 2 100.4 2;
  echo '{"type":"fill","id":"hedge-2-1","price":100.01,"qty":0.2}'; } |
    $HEDGE >"$T/h1"
check "hedge: a post_only buy rests a tick above the bid" \
    grep -q '"id":"hedge-2-1","venue":"bybit".*"side":"buy","kind":"limit","qty":0.5,"price":100.01,"tif":"post_only"' "$T/h1"
check "hedge: its fill is hedged by a market sell of its size" \
    grep -q '"venue":"binance".*"side":"sell","kind":"market","qty":0.2,"tif":"IOC"' "$T/h1"
{ by 1 100 1 100.1 1; bn 2 100.3 2 100.4 2; bn 3 100.1 2 100.2 2; } |
    $HEDGE >"$T/h2"
check "hedge: the edge gone, the resting order is canceled" \
    grep -q '"type":"cancel","id":"hedge-2-1-x",.*"target":"hedge-2-1"' "$T/h2"

mkt-strat-arb binance:spot:BTCUSDT </dev/null 2>"$T/e1"
is "$?" 2 "one market for arb: exit 2"
mkt-strat-arb --lockstep binance:spot:BTCUSDT bybit:spot:BTCUSDT </dev/null 2>"$T/e2"
is "$?" 2 "--lockstep without --feedback: exit 2"
check "  and it says so" grep -q '^mkt-strat-arb: --lockstep needs --feedback' "$T/e2"
mkt-strat-tri --min-edge x a:b:c a:b:d a:b:e </dev/null 2>"$T/e3"
is "$?" 2 "a bad --min-edge: exit 2"
$HEDGE --fee kraken:spot=0.1 </dev/null 2>"$T/e4"
is "$?" 2 "--fee of a market not among the operands: exit 2"
printf 'not json\n' | mkt-strat-tri a:b:c a:b:d a:b:e >/dev/null 2>"$T/e5"
is "$?" 0 "a bad line is skipped: exit 0"
check "  and reported" grep -q '^mkt-strat-tri: line 1: ' "$T/e5"

done_testing
