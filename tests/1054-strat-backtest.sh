#!/bin/sh
# The three strategies as backtests: a feed of mkt-sim (Binance spot 30
# bps above Bybit spot, Bybit's ETHBTC 40 bps off its cross price) is
# recorded into a journal; mkt-replay | mkt-book | strategy --lockstep |
# mkt-exec --venue paper, its output tee'd back as the feedback, trades
# (fills on paper) and is deterministic: two runs, the same bytes.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-strat.sh"

start_sim rec --rate 50 --symbols BTCUSDT,ETHBTC,ETHUSDT \
    --markets binance:spot,bybit:spot --offset binance:spot=30 \
    --offset bybit:spot:ETHBTC=40 || exit 1
point rec
mkt-feed binance:spot:BTCUSDT bybit:spot:BTCUSDT bybit:spot:ETHBTC \
    bybit:spot:ETHUSDT >"$T/rec.ndjson" 2>"$T/rec.feed.err" &
FEED=$!
check "a recording of 2000 events" \
    wait_lines "$T/rec.ndjson" 2000
kill "$FEED"
wait "$FEED"
FEED=
# A torn last line (none is expected: the feed ends cleanly) would be a
# bad line to mkt-journal; the first 2000 are whole.
head -n 2000 "$T/rec.ndjson" | mkt-journal append "$T/J" 2>"$T/j.err"
is "$?" 0 "mkt-journal append takes it"

# backtest TAG STRATEGY...: replay the journal through STRATEGY and the
# paper venue; the output in $T/TAG.out.
backtest() {
	_t=$1
	shift
	rm -rf "$T/$_t.fb" "$T/$_t.db"*
	mkfifo "$T/$_t.fb"
	mkt-replay "$T/J" | mkt-book --levels 5 |
	    "$@" --lockstep --feedback "$T/$_t.fb" 2>"$T/$_t.strat.err" |
	    mkt-exec --venue paper --state "$T/$_t.db" --taker-fee 0.001 \
	    2>"$T/$_t.exec.err" |
	    tee -p "$T/$_t.fb" >"$T/$_t.out"
}

# run_twice NAME STRATEGY...: two backtests, compared.
run_twice() {
	_bt=$1
	shift
	backtest "$_bt-1" "$@"
	is "$?" 0 "$_bt: the backtest exits 0"
	backtest "$_bt-2" "$@"
	check "$_bt: it fills on paper" \
	    grep -q '"type":"fill"' "$T/$_bt-1.out"
	cmp_file "$T/$_bt-2.out" "$T/$_bt-1.out" "$_bt: two runs, the same bytes"
	is "$(cat "$T/$_bt-1.strat.err" "$T/$_bt-1.exec.err")" "" \
	    "$_bt: nothing on standard error"
}

run_twice arb mkt-strat-arb --taker-fee 0.001 --max-qty 0.01 \
    --max-trades 5 binance:spot:BTCUSDT bybit:spot:BTCUSDT
run_twice tri mkt-strat-tri --taker-fee 0.001 --max-qty 0.05 \
    --step 0.0001 --max-trades 5 \
    bybit:spot:BTCUSDT bybit:spot:ETHBTC bybit:spot:ETHUSDT
run_twice hedge mkt-strat-hedge --taker-fee 0.001 --tick 0.01 \
    --max-qty 0.01 --max-trades 5 bybit:spot:BTCUSDT binance:spot:BTCUSDT

done_testing
