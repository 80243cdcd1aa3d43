#!/bin/sh
# mkt-reconcile asks the venue for the fills since the store's last one
# (Binance: myTrades / userTrades from the next trade id, or from a time
# while the store has none; Bybit: execution/list from the last fill's
# time, page by cursor), on binance:futures, bybit:linear and
# binance:spot against mkt-sim.  The main store M has one filled order
# of its own; another client (mkt-exec on a copy O) then trades five
# market orders behind its back.  mkt-reconcile on M finds each of
# their fills as one `fill` mismatch (action fills, the trade id, a note
# that the store does not know the order), the same with --page 2 as in
# one page; mkt-exec on M refuses to trade while they are open (exit 1,
# a status unreconciled naming a fill); --apply fills records exactly
# them, and a second run finds nothing.  A fill of M's own order the
# store lost is recorded by mkt-exec's start comparison, which then
# trades.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sim.sh"

sim_start

# intents PREFIX N: N market buys of 0.01 BTCUSDT, ids PREFIX1..PREFIXN.
intents() {
	_i=1
	while [ "$_i" -le "$2" ]; do
		printf '{"type":"intent","id":"%s%d","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"0.01"}\n' \
		    "$1" "$_i"
		_i=$((_i + 1))
	done
}

# trade STORE PREFIX N: mkt-exec on STORE places and finishes N orders.
trade() {
	intents "$2" "$3" >"$T/in"
	# shellcheck disable=SC2086
	mkt-exec --venue "$v" --state "$1" $EOPTS <"$T/in" >"$T/trade.out" \
	    2>>"$T/trade.err"
}

trade_ids() {
	jq -r 'select(.type == "mismatch" and .what == "fill") | .trade_id' \
	    "$1" | sort
}
sql() {
	sqlite3 "$1" "$2"
}

run_venue() {
	v=$1 p=$2
	vn=${v%%:*} mk=${v#*:}
	M=$T/$p.m.db O=$T/$p.o.db
	echo "# $v"

	trade "$M" "${p}m" 1
	is "$?" 0 "$v: M trades one order of its own"
	mine=$(sql "$M" "SELECT count(*) FROM fills")
	check "$v: and has its fills ($mine)" test "$mine" -ge 1
	sqlite3 "$M" ".backup '$O'"
	trade "$O" "${p}o" 5
	is "$?" 0 "$v: another client trades five orders behind M's back"
	theirs=$(($(sql "$O" "SELECT count(*) FROM fills") - mine))
	check "$v: their fills ($theirs)" test "$theirs" -ge 5

	reconcile "$M" "$T/r0"
	is "$rc" 3 "$v: differences: exit 3"
	is "$(count "$T/r0" '.what == "fill" and .action == "fills" and (.trade_id | length > 0) and (.applied | not) and ((.note // "") | test("does not know"))')" \
	    "$theirs" "$v: each of their fills: one fill mismatch, not ours"
	is "$(count "$T/r0" 'true')" "$theirs" "$v: nothing else"
	trade_ids "$T/r0" >"$T/ids0"
	sql "$O" "SELECT venue_trade_id FROM fills EXCEPT SELECT venue_trade_id FROM fills WHERE client_id LIKE '${p}m%'" |
	    sort >"$T/idsO"
	cmp_file "$T/ids0" "$T/idsO" "$v: their trade ids, as the venue's"

	reconcile "$M" "$T/r0p" --page 2
	is "$rc" 3 "$v: --page 2: exit 3"
	trade_ids "$T/r0p" >"$T/ids0p"
	cmp_file "$T/ids0p" "$T/ids0" "$v: --page 2 finds the same fills, page by page"

	intents "${p}n" 1 >"$T/in"
	# shellcheck disable=SC2086
	mkt-exec --venue "$v" --state "$M" $EOPTS <"$T/in" >"$T/e1" \
	    2>"$T/e1.err"
	is "$?" 1 "$v: mkt-exec on M held back: exit 1"
	check "$v: a status unreconciled names a fill" \
	    grep -q '"state":"unreconciled","reason":"fill"' "$T/e1"
	is "$(sql "$M" "SELECT state FROM intents WHERE intent_id = '${p}n1'")" \
	    "pending" "$v: its intent is pending"

	fills0=$(sql "$M" "SELECT count(*) FROM fills")
	reconcile "$M" "$T/r1" --apply fills
	is "$(count "$T/r1" '.applied and .action == "fills"')" "$theirs" \
	    "$v: --apply fills copied $theirs fills"
	is "$(count "$T/r1" '.applied | not')" 0 "$v: and left nothing"
	is "$(sql "$M" "SELECT count(*) FROM fills")" $((fills0 + theirs)) \
	    "$v: the store has them"
	is "$(sql "$M" "SELECT count(*) FROM fills WHERE client_id IS NULL")" \
	    "$theirs" "$v: as fills of no order of the store's"
	trade_ids "$T/r1" >"$T/ids1"
	cmp_file "$T/ids1" "$T/ids0" "$v: exactly those"

	reconcile "$M" "$T/r2" --apply fills
	is "$rc" 0 "$v: a second run: exit 0"
	is "$(nlines "$T/r2")" 0 "$v: and nothing found"
	is "$(sql "$M" "SELECT count(*) FROM fills")" $((fills0 + theirs)) \
	    "$v: and nothing recorded twice"

	pos=$(sql "$M" "SELECT qty FROM positions WHERE venue = '$vn' AND market = '$mk'")
	: >"$T/in"
	# shellcheck disable=SC2086
	mkt-exec --venue "$v" --state "$M" $EOPTS <"$T/in" >"$T/e2" \
	    2>"$T/e2.err"
	is "$?" 0 "$v: mkt-exec on M then trades: exit 0"
	is "$(sql "$M" "SELECT state FROM intents WHERE intent_id = '${p}n1'")" \
	    "done" "$v: and sent the pending intent"

	# The last fills, of M's own order, lost: mkt-exec records them.
	sql "$M" "SELECT venue_trade_id FROM fills WHERE client_id = '${p}n1' ORDER BY 1" >"$T/lost"
	check "$v: n1 has fills" test -s "$T/lost"
	# (and the position they made: what the store held before them)
	sql "$M" "DELETE FROM fills WHERE client_id = '${p}n1'"
	[ -n "$pos" ] && sql "$M" "UPDATE positions SET qty = '$pos' WHERE venue = '$vn' AND market = '$mk'"
	# shellcheck disable=SC2086
	mkt-exec --venue "$v" --state "$M" $EOPTS <"$T/in" >"$T/e3" \
	    2>"$T/e3.err"
	is "$?" 0 "$v: mkt-exec on M with its own fills lost: exit 0"
	sql "$M" "SELECT venue_trade_id FROM fills WHERE client_id = '${p}n1' ORDER BY 1" >"$T/found"
	cmp_file "$T/found" "$T/lost" "$v: its start comparison recorded them for n1"
	check "$v: explained, not held" sh -c "! grep -q unreconciled '$T/e3'"
	is "$(count "$T/e3" '.what == "fill" and .explained and (.note | not)')" \
	    "$(nlines "$T/lost")" "$v: one explained fill mismatch each"
}

run_venue binance:futures bf
run_venue bybit:linear bl
run_venue binance:spot bs

done_testing
