#!/bin/sh
# mkt-strat-hedge --state against mkt-sim: a post_only buy rests on Bybit
# spot while the simulator's markets are held (mkt-sim --hold-at 0: the
# books are there, nothing moves, so nothing fills); the whole pipeline
# is killed with SIGKILL (its process group) and started again on the
# same stores.  With --state the strategy takes the resting order back
# as its leg; once the markets move (SIGUSR1) and it fills, each fill is
# hedged on Binance exactly once, under the resting order's id with -hN.
# The control, the same without --state: the order fills and nobody
# hedges it.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-strat.sh"

# A pipeline run is a process group of its own, killed as one.
RUN=
recover_cleanup() {
	[ -n "$RUN" ] && kill -KILL "-$RUN" 2>/dev/null
	strat_cleanup
}
trap recover_cleanup EXIT

TARGETS="bybit:spot:BTCUSDT binance:spot:BTCUSDT"
STRAT="mkt-strat-hedge --taker-fee 0.001 --tick 0.01 --max-qty 0.01"
STRAT="$STRAT --max-trades 1 --leg-timeout 10m --run-id r"

# start_run TAG STRATEGY-OPTIONS: mkt-feed | mkt-book | the strategy |
# mkt-exec bybit:spot | mkt-exec binance:spot | tee -p FIFO, in a new
# session ($RUN its process group), appending to $T/TAG.out.
start_run() {
	rm -f "$T/$1.fb"
	mkfifo "$T/$1.fb"
	_x="--key-file '$T/key' --no-stream --poll 100ms"
	setsid sh -c "mkt-feed $TARGETS 2>>'$T/$1.feed.err' |
	    mkt-book --levels 5 |
	    $STRAT $2 --feedback '$T/$1.fb' $TARGETS 2>>'$T/$1.strat.err' |
	    mkt-exec --venue bybit:spot --state '$T/$1-by.db' $_x \
		2>>'$T/$1-by.err' |
	    mkt-exec --venue binance:spot --state '$T/$1-bn.db' $_x \
		2>>'$T/$1-bn.err' |
	    tee -p '$T/$1.fb' >>'$T/$1.out'" </dev/null &
	RUN=$!
}
kill_run() {
	kill -KILL "-$RUN"
	wait "$RUN" 2>/dev/null
	RUN=
}
stop_run() {
	pkill -TERM -g "$RUN" -x mkt-feed
	wait "$RUN"
	_st=$?
	RUN=
	return $_st
}
RESTED='"type":"order","venue":"bybit".*"tif":"post_only","status":"new"'
# rest_id TAG: the id of the order that rested.
rest_id() {
	grep -e "$RESTED" "$T/$1.out" | head -n 1 | jq -r .id
}
# sim_status ID: its status at the simulator.
sim_status() {
	sim_orders "$1" | jq -r --arg id "$1" 'select(.client_id == $id) |
	    .status'
}
is_filled() { [ "$(sim_status "$1")" = filled ]; }
sim_pid() { echo "$SIMS" | awk -v n="$1" '{ print $n }'; }

start_sim on --symbols BTCUSDT --markets binance:spot,bybit:spot \
    --offset binance:spot=30 --hold-at 0 || exit 1
start_sim off --symbols BTCUSDT --markets binance:spot,bybit:spot \
    --offset binance:spot=30 --hold-at 0 || exit 1

# With --state.
point on
start_run on "--state '$T/on-by.db' --state '$T/on-bn.db'"
check "a post_only buy rests on Bybit" \
    wait_for at_least "$T/on.out" "$RESTED" 1
kill_run
ID=$(rest_id on)
is "$(sim_status "$ID")" new "killed with it resting, unfilled ($ID)"
start_run on "--state '$T/on-by.db' --state '$T/on-bn.db'"
check "restarted, the strategy takes it back" wait_for grep -q \
    "leg '$ID' recovered: buy, filled 0 of" "$T/on.strat.err"
kill -USR1 "$(sim_pid 1)"
check "the markets move: it fills" wait_for is_filled "$ID"
hedged() {
	[ "$(net binance "$ID-h")" -ne 0 ] &&
	    [ "$(net binance "$ID-h")" -eq "$((-$(net bybit "$ID")))" ]
}
check "its fills are hedged on Binance, the same quantity" wait_for hedged
check "the pipeline ends, exit 0" stop_run
is "$(sim_orders "$ID-h" | jq -r .client_id | sort | uniq -d | wc -l |
    tr -d ' ')" 0 "each hedge once at the venue"
is "$(sim_orders r- | jq -r 'select(.venue == "bybit") | .client_id')" \
    "$ID" "--max-trades 1: no second rest after the restart"
is "$(sqlite3 "$T/on-bn.db" "select count(*) from intents where
    substr(intent_id, 1, length('$ID-h')) != '$ID-h'")" 0 \
    "every Binance intent is a hedge of it"

# Without --state: the same kill, then nobody knows the order.
point off
start_run off ""
check "control: a post_only buy rests on Bybit" \
    wait_for at_least "$T/off.out" "$RESTED" 1
kill_run
ID=$(rest_id off)
start_run off ""
kill -USR1 "$(sim_pid 2)"
check "control: the markets move: it fills" wait_for is_filled "$ID"
# The fill reached the strategy's feedback: 20 books went by since.
n=$(count "$T/off.out" '"type":"book"')
check "control: the pipeline runs on" \
    wait_for at_least "$T/off.out" '"type":"book"' $((n + 20))
check "control: the pipeline ends, exit 0" stop_run
is "$(sim_orders "$ID-h" | wc -l | tr -d ' ')" 0 \
    "control: without --state the fill is not hedged"

done_testing
