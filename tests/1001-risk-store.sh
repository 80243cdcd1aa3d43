#!/bin/sh
# mkt-risk with mkt-exec's state store: max_position and max_open_orders
# from the orders and positions a real `mkt-exec --venue paper` run
# wrote, with the intents mkt-risk approved that the store does not know
# yet counted as in flight; the daily loss, realized from the store's
# fills and unrealized at the mid; and a store written by mkt-exec while
# mkt-risk reads it (WAL), where an intent is counted once, not both as
# in flight and as stored.
# load: 3
. "$(dirname "$0")/lib.sh"

judge() {
	printf '%s\n' "$1" >"$T/lim.json"
	shift
	mkt-risk --limits "$T/lim.json" --venue paper:paper "$@" <"$T/in" \
		>"$T/out" 2>"$T/err"
}
verdict() {
	jq -r --arg id "$1" 'select(.id == $id) |
		if .type == "intent" then "pass"
		elif .type == "reject" then .reason else empty end' "$T/out" |
		tr '\n' ' ' | sed 's/ $//'
}
# intent ID SIDE QTY PRICE [TIME [REDUCE_ONLY]]: a paper limit intent.
intent() {
	printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","side":"%s","kind":"limit","qty":"%s","price":"%s","time":%s,"reduce_only":%s}\n' \
		"$1" "$2" "$3" "$4" "${5:-3000}" "${6:-false}"
}
snapshot() {
	printf '{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":%s,"last_id":%s,"bids":[["%s","10"]],"asks":[["%s","10"]]}\n' \
		"$1" "$1" "$2" "$3"
}

# The store: a position of 1.5 bought, a resting buy of 1 and a resting
# sell of 0.5 (two open orders).
{
	snapshot 1000 100 101
	echo '{"type":"intent","id":"o1","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"1.5"}'
	echo '{"type":"intent","id":"o2","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"50"}'
	echo '{"type":"intent","id":"o3","symbol":"BTCUSDT","side":"sell","kind":"limit","qty":"0.5","price":"200"}'
} >"$T/ex.in"
mkt-exec --venue paper --state "$T/s.db" <"$T/ex.in" >/dev/null 2>"$T/exerr"
is $? 0 "mkt-exec writes the store"
is "$(sqlite3 "$T/s.db" "select qty from positions")" 1.5 "its position"

# max_position: the long side is 1.5 + 1 open + the intent, the short
# side 0.5 open less 1.5 + the intent; approved intents count in flight.
{
	intent p1 buy 0.5 60
	intent p2 buy 0.00000001 60
	intent p3 sell 4 200
	intent p4 sell 0.00000001 200
} >"$T/in"
judge '{"default": {"max_position": "3"}}' --state "$T/s.db"
is $? 0 "max_position: exit 0"
is "$(verdict p1)" pass "max_position: 1.5 held + 1 open + 0.5 = 3 passes"
is "$(verdict p2)" max_position \
	"max_position: 0.00000001 more is refused (p1 in flight)"
check "its detail" grep -qF '"detail":"max_position: position 1.5 with 1.5 open on the buy side would reach 3.00000001, above 3"' "$T/out"
is "$(verdict p3)" pass "max_position: a sell of 4 makes the short side 3"
is "$(verdict p4)" max_position "max_position: 0.00000001 more is refused"
intent p2 buy 0.00000001 60 >"$T/in"
judge '{"default": {"max_position": "3"}}' --state "$T/s.db"
is "$(verdict p2)" pass "without p1 in flight the same intent passes"
is "$(sqlite3 "$T/s.db" "select count(*) from intents")" 3 \
	"mkt-risk wrote nothing to the store"

# max_open_orders: the store's unfinished orders and those in flight.
{ intent q1 buy 0.1 60; intent q2 buy 0.1 60; } >"$T/in"
judge '{"default": {"max_open_orders": 3}}' --state "$T/s.db"
is "$(verdict q1)$(verdict q2)" passmax_open_orders \
	"max_open_orders 3: 2 open pass one more, then 3 are open"
check "its detail" grep -qF '"detail":"max_open_orders: 3 open, at most 3"' \
	"$T/out"
judge '{"default": {"max_open_orders": 2}}' --state "$T/s.db"
is "$(verdict q1)" max_open_orders "max_open_orders 2: the store's 2 refuse it"
judge '{"binance:spot:BTCUSDT": {"max_open_orders": 2}, "default": {}}' \
	--state "$T/s.db"
is "$(verdict q1)" pass "the limits of another venue's symbol do not apply"

# The daily loss: bought 1 at 101, sold 1 at 90 (-11 realized), then
# bought 2 at 91.
{
	snapshot 1000 100 101
	echo '{"type":"intent","id":"l1","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"1"}'
	snapshot 2000 90 91
	echo '{"type":"intent","id":"l2","symbol":"BTCUSDT","side":"sell","kind":"market","qty":"1"}'
	echo '{"type":"intent","id":"l3","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"2"}'
} >"$T/ex.in"
mkt-exec --venue paper --state "$T/l.db" <"$T/ex.in" >/dev/null 2>"$T/exerr"
is "$(sqlite3 "$T/l.db" "select realized_pnl from daily")" -11 \
	"the store's day: -11 realized"
intent d1 buy 0.1 90 >"$T/in"
judge '{"default": {"daily_loss": "11"}}' --state "$T/l.db"
is "$(verdict d1)" daily_loss "daily_loss 11: a loss of 11 reaches it"
check "its detail" grep -qF '"detail":"daily_loss: loss 11 reaches 11"' "$T/out"
judge '{"default": {"daily_loss": "11.00000001"}}' --state "$T/l.db"
is "$(verdict d1)" pass "daily_loss 11.00000001: passes"
{
	printf '{"type":"ticker","venue":"binance","market":"spot","symbol":"BTCUSDT","time":2500,"bid":"89.5","bid_qty":"1","ask":"90.5","ask_qty":"1"}\n'
	intent d1 buy 0.1 90
	intent d2 sell 0.1 90 3000 true
	intent d3 buy 0.1 90 86401000
} >"$T/in"
judge '{"default": {"daily_loss": "13"}}' --state "$T/l.db"
is "$(verdict d1)" daily_loss \
	"daily_loss 13: 11 realized and 2 x (90 - 91) unrealized at the mid reach it"
is "$(verdict d2)" pass "a reduce_only intent is not held back"
is "$(verdict d3)" pass "the next day starts at 0 (and the mid is stale then)"
judge '{"default": {"daily_loss": "13.00000001"}}' --state "$T/l.db"
is "$(verdict d1)" pass "daily_loss 13.00000001: passes"

# mkt-exec writes the store while mkt-risk reads it: each intent waits
# until the one before is in the store, where mkt-risk must count it
# once.  Two open orders at most.
mkfifo "$T/fifo"
printf '{"default": {"max_open_orders": 2}}\n' >"$T/lim2.json"
mkt-risk --limits "$T/lim2.json" --state "$T/c.db" --venue paper:paper \
	<"$T/fifo" 2>"$T/rerr" |
	mkt-exec --venue paper --state "$T/c.db" >"$T/cout" 2>"$T/cerr" &
pipeline=$!
exec 3>"$T/fifo"
stored() {
	[ "$(sqlite3 "$T/c.db" "select count(*) from intents where intent_id = '$1'" 2>/dev/null)" = 1 ]
}
snapshot 1000 100 101 >&3
intent w1 buy 0.1 60 >&3
wait_for stored w1
intent w2 buy 0.1 60 >&3
wait_for stored w2
intent w3 buy 0.1 60 >&3
intent w4 sell 0.1 200 >&3
exec 3>&-
wait $pipeline
is $? 0 "the pipeline ends at the end of its input"
is "$(sqlite3 "$T/c.db" "select group_concat(intent_id) from intents")" w1,w2 \
	"w2 passed (w1 counted once, from the store), w3 and w4 did not"
is "$(jq -r 'select(.type == "reject") | .id + " " + .reason' "$T/cout" |
	tr '\n' ' ')" "w3 max_open_orders w4 max_open_orders " \
	"the rejects pass through mkt-exec"

done_testing
