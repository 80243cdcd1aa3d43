#!/bin/sh
# mkt-exec end to end against mkt-sim on each venue (binance:spot,
# binance:futures, bybit:linear, bybit:spot), the venue's truth being
# mkt-sim's GET /sim/orders and /sim/positions.  Private streams are
# not used (--no-stream: mkt-exec polls the open orders).  For each:
#   - market orders both ways fill; a limit far from the price rests
#     (new) and a cancel of its intent cancels it at the venue; a
#     cancel-all (symbol, no target) cancels every open order;
#   - a second run on the same store does not send a known intent again
#     (status duplicate_intent, the venue's orders unchanged);
#   - SIGTERM with --cancel-on-exit while orders rest: exit 0, the
#     venue's orders canceled;
#   - --order-rate 1/300ms with 3 intents: a status event `queued`, all
#     three placed in the end;
#   - at the end the store's orders, fills and (derivatives) position,
#     and the last position event, are the venue's;
#   - without --live a production host (no MKT_*_REST) is refused with
#     exit 2 and nothing sent; a wrong secret is an auth failure (exit 1,
#     status auth_failed, no order at the venue);
#   - on a second simulator that places every new order and then never
#     answers it, closes the connection, or answers 503 or -1007/10016
#     (--order-fault), each unknown outcome is resolved by a query:
#     exactly one order per intent, in the venue's state.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools curl jq sqlite3 python3

SIM= HSIM= EXEC=
cleanup() {
	[ -n "$EXEC" ] && kill -9 "$EXEC" 2>/dev/null
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	[ -n "$HSIM" ] && kill "$HSIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

unset MKT_API_KEY MKT_API_SECRET CREDENTIALS_DIRECTORY
# The test pair mkt-sim(1) documents, and one with a wrong secret.
printf 'mkt-sim-test-key\nmkt-sim-test-secret\n' >"$T/key"
printf 'mkt-sim-test-key\nnot-the-secret\n' >"$T/badkey"
chmod 600 "$T/key" "$T/badkey"

LIMITS="--order-limit binance:spot=100000 --order-limit binance:futures=100000
--order-limit bybit:linear=100000 --order-limit bybit:spot=100000"
# shellcheck disable=SC2086
mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 20 $LIMITS \
    2>"$T/sim.err" &
SIM=$!
# shellcheck disable=SC2086
mkt-sim --port-file "$T/hport" --symbols BTCUSDT --rate 20 $LIMITS \
    --order-fault hang=40 --order-fault close=20 --order-fault 5xx=20 \
    --order-fault timeout=20 2>"$T/hsim.err" &
HSIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
check "the faulty mkt-sim starts" wait_file "$T/hport" || exit 1
B=http://127.0.0.1:$(cat "$T/port")
H=http://127.0.0.1:$(cat "$T/hport")

# point BASE: the REST variables of every venue at BASE.
point() {
	MKT_BINANCE_SPOT_REST=$1 MKT_BINANCE_FUTURES_REST=$1 MKT_BYBIT_REST=$1
	export MKT_BINANCE_SPOT_REST MKT_BINANCE_FUTURES_REST MKT_BYBIT_REST
}
point "$B"

OPTS="--key-file $T/key --no-stream --poll 100ms --timeout 2s"

# intent ID SIDE KIND [PRICE]: an intent event for BTCUSDT.
intent() {
	if [ -n "$4" ]; then
		printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","side":"%s","kind":"%s","qty":"0.01","price":"%s"}\n' \
		    "$1" "$2" "$3" "$4"
	else
		printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","side":"%s","kind":"%s","qty":"0.01"}\n' \
		    "$1" "$2" "$3"
	fi
}

# start_exec VENUE OUT [OPTIONS...]: mkt-exec in the background on the
# store of VENUE, its input a FIFO held open on descriptor 3, its output
# a pipe to OUT (a pipe gets each event at once; a file, within a second).
start_exec() {
	_v=$1 _out=$2
	shift 2
	rm -f "$T/fifo" "$T/ofifo"
	mkfifo "$T/fifo" "$T/ofifo"
	cat <"$T/ofifo" >"$_out" &
	CAT=$!
	# shellcheck disable=SC2086
	mkt-exec --venue "$_v" --state "$T/$_v.db" $OPTS "$@" <"$T/fifo" \
	    >"$T/ofifo" 2>>"$T/$_v.err" &
	EXEC=$!
	exec 3>"$T/fifo"
}

# end_exec: wait for mkt-exec; its exit status in $rc.
end_exec() {
	wait "$EXEC"
	rc=$?
	EXEC=
	wait "$CAT"
}

# state OUT ID STATUS: OUT has an order event of ID with STATUS.
has_state() {
	grep -q "\"id\":\"$2\",.*\"status\":\"$3\"" "$1" 2>/dev/null
}
wait_state() {
	wait_for has_state "$@"
}

# venue_orders BASE VENUE MARKET PREFIX: the venue's orders of PREFIX.
venue_orders() {
	curl -s "$1/sim/orders" | jq -c --arg v "$2" --arg m "$3" \
	    --arg p "$4" 'select(.venue == $v and .market == $m and
	    (.client_id | startswith($p)))'
}

# venue_status BASE VENUE MARKET CLIENT_ID: the venue's statuses of it.
venue_status() {
	venue_orders "$1" "$2" "$3" "$4" | jq -r --arg c "$4" \
	    'select(.client_id == $c) | .status' | tr '\n' ' ' | sed 's/ $//'
}

run_venue() {
	v=$1 p=$2 deriv=$3
	vn=${v%%:*} mk=${v#*:}
	out=$T/$p.out
	echo "# $v"

	# A session: fills, a rest, a cancel, a cancel-all.
	start_exec "$v" "$out"
	{ intent "$p-m1" buy market; intent "$p-m2" sell market; } >&3
	check "$v: the market buy fills" wait_state "$out" "$p-m1" filled
	check "$v: the market sell fills" wait_state "$out" "$p-m2" filled
	intent "$p-l1" buy limit 1000 >&3
	check "$v: a limit far below rests" wait_state "$out" "$p-l1" new
	echo "{\"type\":\"cancel\",\"id\":\"$p-c1\",\"target\":\"$p-l1\"}" >&3
	check "$v: its cancel cancels it" wait_state "$out" "$p-l1" canceled
	{ intent "$p-l2" buy limit 1000; intent "$p-l3" sell limit 900000; } >&3
	wait_state "$out" "$p-l2" new && wait_state "$out" "$p-l3" new
	check "$v: two more rest" [ $? = 0 ]
	echo "{\"type\":\"cancel\",\"id\":\"$p-c2\",\"symbol\":\"BTCUSDT\"}" >&3
	wait_state "$out" "$p-l2" canceled && wait_state "$out" "$p-l3" canceled
	check "$v: a cancel-all cancels both" [ $? = 0 ]
	exec 3>&-
	end_exec
	is "$rc" 0 "$v: the session ends with its input, exit 0"
	is "$(venue_status "$B" "$vn" "$mk" "$p-m1") $(venue_status "$B" "$vn" "$mk" "$p-m2")" \
	    "filled filled" "$v: the venue filled both market orders, once each"
	is "$(venue_status "$B" "$vn" "$mk" "$p-l1") $(venue_status "$B" "$vn" "$mk" "$p-l2") $(venue_status "$B" "$vn" "$mk" "$p-l3")" \
	    "canceled canceled canceled" "$v: the venue canceled the three"

	# A known intent is not sent again.
	before=$(venue_orders "$B" "$vn" "$mk" "$p-" | wc -l)
	# shellcheck disable=SC2086
	intent "$p-m1" buy market | mkt-exec --venue "$v" --state "$T/$v.db" \
	    $OPTS >"$T/dup" 2>>"$T/$v.err"
	is $? 0 "$v: a second run with a known intent exits 0"
	check "$v: it says duplicate_intent" \
	    grep -q '"state":"duplicate_intent"' "$T/dup"
	is "$(venue_orders "$B" "$vn" "$mk" "$p-" | wc -l)" "$before" \
	    "$v: the venue's orders are unchanged"

	# SIGTERM with --cancel-on-exit.
	start_exec "$v" "$T/term" --cancel-on-exit
	{ intent "$p-t1" buy limit 1000; intent "$p-t2" sell limit 900000; } >&3
	wait_state "$T/term" "$p-t1" new && wait_state "$T/term" "$p-t2" new
	check "$v: two orders rest" [ $? = 0 ]
	kill -TERM "$EXEC"
	end_exec
	exec 3>&-
	is "$rc" 0 "$v: SIGTERM with --cancel-on-exit exits 0"
	is "$(venue_status "$B" "$vn" "$mk" "$p-t1") $(venue_status "$B" "$vn" "$mk" "$p-t2")" \
	    "canceled canceled" "$v: the venue's open orders are canceled"
	cat "$T/term" >>"$out"

	# The order-rate queue.
	{ intent "$p-q1" buy market; intent "$p-q2" sell market;
	  intent "$p-q3" buy market; } >"$T/q.in"
	# shellcheck disable=SC2086
	mkt-exec --venue "$v" --state "$T/$v.db" $OPTS --order-rate 1/300ms \
	    <"$T/q.in" >"$T/q" 2>>"$T/$v.err"
	is $? 0 "$v: --order-rate 1/300ms: exit 0"
	check "$v: a status event says intents are queued" \
	    grep -q '"state":"queued"' "$T/q"
	is "$(venue_status "$B" "$vn" "$mk" "$p-q1") $(venue_status "$B" "$vn" "$mk" "$p-q2") $(venue_status "$B" "$vn" "$mk" "$p-q3")" \
	    "filled filled filled" "$v: all three placed, once each"
	cat "$T/q" >>"$out"

	# The store and the events against the venue.
	venue_orders "$B" "$vn" "$mk" "$p-" >"$T/venue"
	curl -s "$B/sim/positions" | jq -c --arg v "$vn" --arg m "$mk" \
	    'select(.type == "position" and .venue == $v and .market == $m
	    and .symbol == "BTCUSDT")' >"$T/vpos"
	sqlite3 -json "$T/$v.db" 'select client_id, status, filled_qty
	    from orders' >"$T/lorders"
	sqlite3 -json "$T/$v.db" 'select venue_trade_id, client_id, price, qty
	    from fills' >"$T/lfills"
	sqlite3 "$T/$v.db" "select qty from positions
	    where symbol = 'BTCUSDT'" >"$T/lpos"
	python3 - "$T/venue" "$out" "$T/lorders" "$T/lfills" "$T/lpos" \
	    "$T/vpos" >"$T/verdict" <<'EOF'
import json, sys
from decimal import Decimal as D
def tid(t):
    # Bybit execution ids are UUIDs ending in the trade number in hex.
    t = str(t)
    return str(int(t[-12:], 16)) if "-" in t else t
def rows(p):
    t = open(p).read().strip()
    return json.loads(t) if t else []
venue = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
events = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
lorders = {o["client_id"]: o for o in rows(sys.argv[3])}
lfills = {tid(f["venue_trade_id"]): (f["client_id"], D(f["price"]),
          D(f["qty"])) for f in rows(sys.argv[4])}
vfills = {str(f["trade_id"]): (o["client_id"], D(f["price"]), D(f["qty"]))
          for o in venue for f in o["fills"]}
last = {}
efills = {}
epos = None
for e in events:
    if e["type"] == "order":
        last[e["client_id"]] = e
    elif e["type"] == "fill":
        efills[tid(e["trade_id"])] = (e["client_id"], D(str(e["price"])),
                                      D(str(e["qty"])))
    elif e["type"] == "position":
        epos = D(str(e["qty"]))
bad_store = [o["client_id"] for o in venue
             if o["client_id"] not in lorders or
             lorders[o["client_id"]]["status"] != o["status"] or
             D(lorders[o["client_id"]]["filled_qty"]) != D(o["filled"])]
bad_events = [o["client_id"] for o in venue
              if o["client_id"] not in last or
              last[o["client_id"]]["status"] != o["status"] or
              D(str(last[o["client_id"]]["filled_qty"])) != D(o["filled"])]
vpos = [json.loads(l) for l in open(sys.argv[6]) if l.strip()]
vq = D(vpos[0]["qty"]) if vpos else D(0)
lp = open(sys.argv[5]).read().strip()
print("orders", len(venue))
print("store_states", len(bad_store), " ".join(bad_store[:4]))
print("event_states", len(bad_events), " ".join(bad_events[:4]))
print("venue_fills", len(vfills))
print("store_fills", "equal" if lfills == vfills else "differ")
print("event_fills", "equal" if efills == vfills else "differ")
print("store_position", "equal" if lp and D(lp) == vq else
      "differ %s %s" % (lp, vq))
print("event_position", "equal" if epos == vq else "differ %s %s" % (epos, vq))
EOF
	# Spot has balances, not positions: the position lines are for
	# the derivatives.
	if [ "$deriv" = 1 ]; then
		sed 's/^/# /' "$T/verdict"
	else
		grep -v position "$T/verdict" | sed 's/^/# /'
	fi
	val() { awk -v k="$1" '$1 == k { print $2 }' "$T/verdict"; }
	is "$(val orders)" 10 "$v: ten orders at the venue, one per intent"
	is "$(val store_states)" 0 "$v: the store's orders end in the venue's states"
	is "$(val event_states)" 0 "$v: so do the order events"
	check "$v: the venue filled some ($(val venue_fills))" \
	    test "$(val venue_fills)" -ge 5
	is "$(val store_fills)" equal "$v: the store's fills are the venue's"
	is "$(val event_fills)" equal "$v: the fill events are the venue's"
	if [ "$deriv" = 1 ]; then
		is "$(val store_position)" equal \
		    "$v: the store's position is the venue's"
		is "$(val event_position)" equal \
		    "$v: the last position event is the venue's"
	fi

	# A production host without --live.
	case $v in
	binance:spot) var=MKT_BINANCE_SPOT_REST ;;
	binance:futures) var=MKT_BINANCE_FUTURES_REST ;;
	*) var=MKT_BYBIT_REST ;;
	esac
	before=$(curl -s "$B/sim/orders" | wc -l)
	# shellcheck disable=SC2086
	intent "$p-x1" buy market | env -u "$var" mkt-exec --venue "$v" \
	    --state "$T/prod.db" $OPTS >"$T/prod" 2>"$T/prod.err"
	is $? 2 "$v: a production host without --live: exit 2"
	check "$v: the error says so" grep -q '^mkt-exec: .*production' \
	    "$T/prod.err"
	is "$(grep -c '"type":"order"' "$T/prod")$(curl -s "$B/sim/orders" | wc -l)" \
	    "0$before" "$v: nothing is sent"

	# A wrong secret.
	intent "$p-w1" buy market | mkt-exec --venue "$v" --state "$T/w$p.db" \
	    --key-file "$T/badkey" --no-stream --poll 100ms --timeout 2s \
	    >"$T/bad" 2>"$T/bad.err"
	is $? 1 "$v: a wrong secret: exit 1"
	check "$v: a status event auth_failed" \
	    grep -q '"state":"auth_failed"' "$T/bad"
	is "$(venue_status "$B" "$vn" "$mk" "$p-w1")" "" \
	    "$v: no order at the venue"

	# Unknown outcomes: the venue places every order and then never
	# answers, closes the connection, answers 503 or a backend timeout.
	point "$H"
	{ intent "$p-h1" buy market; intent "$p-h2" sell market;
	  intent "$p-h3" buy market; intent "$p-h4" sell market; } |
	    mkt-exec --venue "$v" --state "$T/h$p.db" --key-file "$T/key" \
	    --no-stream --poll 100ms --timeout 300ms --recv-window 1s \
	    >"$T/hang" 2>>"$T/$v.err"
	is $? 0 "$v: unknown outcomes: exit 0"
	point "$B"
	hs=
	for i in 1 2 3 4; do
		hs="$hs$(venue_status "$H" "$vn" "$mk" "$p-h$i") $(jq -r \
		    --arg id "$p-h$i" 'select(.type == "order" and .id == $id)
		    | .status' "$T/hang" | tail -n 1);"
	done
	is "$hs" "filled filled;filled filled;filled filled;filled filled;" \
	    "$v: each intent is exactly one order at the venue, filled, and its last event says so"
}

run_venue binance:spot bs 0
run_venue binance:futures bf 1
run_venue bybit:linear yl 1
run_venue bybit:spot ys 0

for v in binance:spot binance:futures bybit:linear bybit:spot; do
	grep -v '^mkt-exec: line' "$T/$v.err" | sort | uniq -c | head -5 |
	    sed "s/^/# $v: /"
done
kill "$SIM" "$HSIM"
wait "$SIM"
is $? 0 "mkt-sim exits 0"
wait "$HSIM"
SIM= HSIM=
check "the faulty one injected faults" grep -q 'faults: hang [1-9]' "$T/hsim.err"
sed 's/^/# /' "$T/hsim.err"

done_testing
