#!/bin/sh
# mkt-reconcile against mkt-sim, on binance:futures, bybit:linear and
# binance:spot.  mkt-sim places new orders at once and answers them 30 s
# later (--ack-delay), so a mkt-exec killed in between leaves its store
# behind the venue.  Planted behind the main store M's back:
#   - an intent whose market order filled at the venue while M knows it
#     only as sent (mkt-exec killed): its order and its fill;
#   - an order resting at the venue placed by another client (a second
#     mkt-exec on its own store O), and, on the derivatives, a market
#     order of O that changes the position.
# mkt-reconcile finds each as one mismatch (exit 3) and changes nothing
# (the store's dump is the same); o2's fills, asked as the fills since
# the store's last, are fill mismatches (of an order the store does not
# know) that explain the position; --apply close, fills, adopt each
# repair exactly that difference (the rest of the store unchanged,
# the others still found); a last run finds nothing (exit 0, no output).
# Then mkt-exec on M with a new unknown order at the venue refuses to
# trade (status unreconciled naming it, nothing sent, exit 1, the intent
# left pending); mkt-reconcile --apply cancel cancels it at the venue,
# and mkt-exec then sends the pending intent.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sim.sh"

sim_start --ack-delay 30s

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

# at_venue VENUE MARKET CLIENT_ID: the venue holds an order of it.
# (jq -e passes on empty input: the output is what counts.)
at_venue() {
	curl -s "$B/sim/orders" | jq -c --arg v "$1" --arg m "$2" \
	    --arg c "$3" 'select(.venue == $v and .market == $m and
	    .client_id == $c)' | grep -q .
}
venue_status() {
	curl -s "$B/sim/orders" | jq -r --arg v "$1" --arg m "$2" \
	    --arg c "$3" 'select(.venue == $v and .market == $m and
	    .client_id == $c) | .status'
}

# plant STORE INPUT VENUE CLIENT_ID...: mkt-exec on STORE with INPUT,
# killed once the venue holds every CLIENT_ID (their answers are 30 s
# away, so the store knows them only as sent).
plant() {
	_st=$1 _in=$2 _v=$3
	shift 3
	# shellcheck disable=SC2086
	mkt-exec --venue "$_v" --state "$_st" $EOPTS <"$_in" \
	    >>"$T/plant.out" 2>>"$T/plant.err" &
	EXEC=$!
	for _c in "$@"; do
		if ! wait_for at_venue "${_v%%:*}" "${_v#*:}" "$_c"; then
			tail -n 5 "$T/plant.out" "$T/plant.err" | sed 's/^/# /'
			return 1
		fi
	done
	kill -9 "$EXEC"
	wait "$EXEC" 2>/dev/null
	EXEC=
}

dump() {
	sqlite3 "$1" .dump
}
sql() {
	sqlite3 "$1" "$2"
}

run_venue() {
	v=$1 p=$2 deriv=$3
	vn=${v%%:*} mk=${v#*:}
	M=$T/$p.m.db O=$T/$p.o.db
	echo "# $v"

	intent "${p}m1" buy market >"$T/in"
	check "$v: m1 is placed and its exec killed" \
	    plant "$M" "$T/in" "$v" "${p}m1"
	# O knows what M knows: so its own start finds nothing to hold.
	sqlite3 "$M" ".backup '$O'"
	{ intent "${p}o1" buy limit 1000; intent "${p}o2" buy market; } \
	    >"$T/in"
	check "$v: another client places o1 (rests) and o2" \
	    plant "$O" "$T/in" "$v" "${p}o1" "${p}o2"

	dump "$M" >"$T/before"
	reconcile "$M" "$T/r0"
	is "$rc" 3 "$v: differences: exit 3"
	dump "$M" >"$T/after"
	cmp_file "$T/after" "$T/before" "$v: without --apply the store is unchanged"
	is "$(count "$T/r0" '.what == "order" and .client_id == "'"${p}m1"'" and .action == "close" and .explained')" 1 \
	    "$v: m1 finished at the venue: one close, explained"
	nf=$(count "$T/r0" '.what == "fill" and .client_id == "'"${p}m1"'" and .action == "fills" and (.trade_id | length > 0)')
	check "$v: m1's fills the store lacks, each with its trade id ($nf)" \
	    test "$nf" -ge 1
	is "$(count "$T/r0" '.what == "order" and .client_id == "'"${p}o1"'" and .action == "adopt" and (.explained | not)')" 1 \
	    "$v: o1 unknown: one adopt, unexplained"
	is "$(count "$T/r0" '.what == "order" and .client_id == "'"${p}o2"'"')" 0 \
	    "$v: o2 (finished, not ours) is no order difference"
	no=$(count "$T/r0" '.what == "fill" and .action == "fills" and (.trade_id | length > 0) and ((.note // "") | test("does not know"))')
	check "$v: o2's fills, found since the last known one, say whose ($no)" \
	    test "$no" -ge 1
	is "$(count "$T/r0" '.what == "position"')" 0 \
	    "$v: the fills the store lacks explain the position"
	total=$((nf + no + 2))
	is "$(count "$T/r0" 'true')" "$total" "$v: nothing else"
	is "$(count "$T/r0" '.applied')" 0 "$v: nothing applied"

	fills0=$(sql "$M" "SELECT count(*) FROM fills")
	intents0=$(sql "$M" "SELECT count(*) FROM intents")
	pos0=$(sql "$M" "SELECT qty FROM positions WHERE venue = '$vn' AND market = '$mk'")

	reconcile "$M" "$T/r1" --apply close
	is "$(count "$T/r1" '.applied')" 1 "$v: --apply close: one applied"
	is "$(count "$T/r1" '.applied and .action == "close" and .client_id == "'"${p}m1"'"')" 1 \
	    "$v: --apply close closed m1"
	is "$(sql "$M" "SELECT state || ' ' || status FROM intents JOIN orders USING (client_id) WHERE client_id = '${p}m1'")" \
	    "done filled" "$v: m1 is done, filled in the store"
	is "$(sql "$M" "SELECT count(*) FROM fills") $(sql "$M" "SELECT count(*) FROM intents")" \
	    "$fills0 $intents0" "$v: --apply close: no fill, no intent"
	is "$rc" 3 "$v: differences left: exit 3"
	reconcile "$M" "$T/r1b"
	is "$(count "$T/r1b" 'true')" $((total - 1)) \
	    "$v: the others still found"

	reconcile "$M" "$T/r2" --apply fills
	is "$(count "$T/r2" '.applied and .action == "fills"')" $((nf + no)) \
	    "$v: --apply fills copied $nf + $no fills"
	is "$(count "$T/r2" '.applied')" $((nf + no)) "$v: and nothing else"
	is "$(sql "$M" "SELECT count(*) FROM fills")" $((fills0 + nf + no)) \
	    "$v: the store has them"
	is "$(sql "$M" "SELECT count(*) FROM fills WHERE venue_trade_id = ''")" 0 \
	    "$v: each with the venue's trade id"
	is "$(sql "$M" "SELECT count(*) FROM intents")" "$intents0" \
	    "$v: --apply fills: no intent"

	reconcile "$M" "$T/r3" --apply adopt
	is "$(count "$T/r3" '.applied and .action == "adopt" and .client_id == "'"${p}o1"'"')" 1 \
	    "$v: --apply adopt adopted o1"
	is "$(count "$T/r3" '.applied')" 1 "$v: and nothing else"
	is "$(sql "$M" "SELECT state || ' ' || status || ' ' || source FROM intents JOIN order_events USING (client_id) WHERE client_id = '${p}o1'")" \
	    "open new reconcile" "$v: o1 in the store: open, new, from reconcile"

	if [ "$deriv" = 1 ]; then
		is "$(sql "$M" "SELECT qty FROM positions WHERE venue = '$vn' AND market = '$mk'")" \
		    "0.02" "$v: the fills moved the position to the venue's"
		reconcile "$M" "$T/r4" --apply position
		is "$(count "$T/r4" '.what == "position"')" 0 \
		    "$v: --apply position: no position left to take"
	fi
	: "$pos0"
	reconcile "$M" "$T/r5"
	is "$rc" 0 "$v: a last run: exit 0"
	is "$(nlines "$T/r5")" 0 "$v: and nothing found"

	# mkt-exec on M refuses while an unknown order is open.
	intent "${p}o3" buy limit 1000 >"$T/in"
	check "$v: another client places o3 (rests)" \
	    plant "$O" "$T/in" "$v" "${p}o3"
	intent "${p}m2" buy limit 1001 >"$T/in"
	# shellcheck disable=SC2086
	mkt-exec --venue "$v" --state "$M" $EOPTS <"$T/in" >"$T/e1" \
	    2>"$T/e1.err"
	is "$?" 1 "$v: mkt-exec held back: exit 1"
	check "$v: a status unreconciled names o3" \
	    grep -q '"state":"unreconciled".*'"${p}o3" "$T/e1"
	check "$v: and says so on stderr" grep -q 'held back' "$T/e1.err"
	check "$v: m2 was not sent" sh -c "! curl -s '$B/sim/orders' | grep -q '\"${p}m2\"'"
	is "$(sql "$M" "SELECT state FROM intents WHERE intent_id = '${p}m2'")" \
	    "pending" "$v: m2 is pending in the store"
	reconcile "$M" "$T/r6" --apply cancel
	is "$(count "$T/r6" '.applied and .action == "cancel" and .client_id == "'"${p}o3"'"')" 1 \
	    "$v: --apply cancel canceled o3"
	is "$(venue_status "$vn" "$mk" "${p}o3")" canceled \
	    "$v: o3 is canceled at the venue"
	: >"$T/in"
	check "$v: mkt-exec then sends the pending m2" \
	    plant "$M" "$T/in" "$v" "${p}m2"
}

run_venue binance:futures bf 1
run_venue bybit:linear bl 1
run_venue binance:spot bs 0

done_testing
