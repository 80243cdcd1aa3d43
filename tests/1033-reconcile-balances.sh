#!/bin/sh
# mkt-reconcile compares the venue's balances with the store's balances
# table, on binance:spot, binance:futures and bybit:linear against
# mkt-sim.  A store that keeps no balance of the account is not
# compared (a first run finds nothing).  A stored USDT balance that is
# not the venue's is one `balance` mismatch (asset, both figures,
# action none), and with it every venue asset the store lacks; without
# --apply balance nothing changes (--apply fills leaves the table as it
# was); --apply balance copies the venue's figures, and a second run
# finds nothing.  Another client's trade behind the store's back
# changes the venue's USDT: found again.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sim.sh"

sim_start

sql() {
	sqlite3 "$1" "$2"
}

run_venue() {
	v=$1 p=$2
	vn=${v%%:*} mk=${v#*:}
	M=$T/$p.m.db O=$T/$p.o.db
	echo "# $v"

	reconcile "$M" "$T/r0"
	is "$rc" 0 "$v: a store without balances: exit 0"
	is "$(nlines "$T/r0")" 0 "$v: and nothing compared"

	sql "$M" "INSERT INTO balances VALUES('$vn', '$mk', 'USDT', '1', '0', 0)"
	sql "$M" "SELECT * FROM balances ORDER BY asset" >"$T/bal0"
	reconcile "$M" "$T/r1"
	is "$rc" 3 "$v: a stored USDT not the venue's: exit 3"
	is "$(count "$T/r1" '.what == "balance" and .asset == "USDT" and .local == "free 1 locked 0" and (.remote | startswith("free ")) and .action == "none" and (.applied | not)')" \
	    1 "$v: one balance mismatch of USDT, both figures, action none"
	nb=$(count "$T/r1" '.what == "balance"')
	is "$(count "$T/r1" 'true')" "$nb" "$v: balances alone"
	reconcile "$M" "$T/r1f" --apply fills
	sql "$M" "SELECT * FROM balances ORDER BY asset" >"$T/bal1"
	cmp_file "$T/bal1" "$T/bal0" "$v: --apply fills changes no balance"

	reconcile "$M" "$T/r2" --apply balance
	is "$(count "$T/r2" '.what == "balance" and .applied and .action == "balance"')" \
	    "$nb" "$v: --apply balance copied the venue's $nb"
	usdt=$(jq -r 'select(.asset == "USDT") | .remote' "$T/r1")
	is "free $(sql "$M" "SELECT free || ' locked ' || locked FROM balances WHERE venue = '$vn' AND market = '$mk' AND asset = 'USDT'")" \
	    "$usdt" "$v: the store's USDT is the venue's"
	reconcile "$M" "$T/r3"
	is "$rc" 0 "$v: a second run: exit 0"
	is "$(nlines "$T/r3")" 0 "$v: and nothing found"

	sqlite3 "$M" ".backup '$O'"
	printf '{"type":"intent","id":"%so1","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"0.01"}\n' \
	    "$p" >"$T/in"
	# shellcheck disable=SC2086
	mkt-exec --venue "$v" --state "$O" $EOPTS <"$T/in" >"$T/trade.out" \
	    2>>"$T/trade.err"
	is "$?" 0 "$v: another client trades behind the store's back"
	reconcile "$M" "$T/r4"
	is "$rc" 3 "$v: exit 3"
	is "$(count "$T/r4" '.what == "balance" and .asset == "USDT" and .local == "'"$usdt"'" and .remote != .local')" \
	    1 "$v: the venue's USDT changed: one balance mismatch"
}

run_venue binance:spot bs
run_venue binance:futures bf
run_venue bybit:linear bl

done_testing
