#!/bin/sh
# mkt-exec with the venues' private streams, against mkt-sim (Binance
# spot's WebSocket API, USD-M's listen key stream, Bybit's private
# WebSocket): on each, the stream connects (a
# status event says so), order states arrive by it (events with source
# "stream": the simulator answers the requests a second late), a resting
# order is canceled, and the fills equal the venue's.  Then the same with a simulator that loses every stream event
# (--stream-fault lose=100): the slow poll that runs beside a trusted
# stream still learns every state, and the fills still equal the
# venue's; and one that drops the streams now and then
# (--stream-fault drop=30): reconnections, and still the venue's state.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools curl jq python3

SIMS= EXEC=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$EXEC" ] && kill -9 "$EXEC" 2>/dev/null
	for p in $SIMS; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

unset MKT_API_KEY MKT_API_SECRET
printf 'mkt-sim-test-key\nmkt-sim-test-secret\n' >"$T/key"
chmod 600 "$T/key"

# start_sim NAME [FAULT...]: a simulator; its port in $T/NAME.port.
start_sim() {
	_sn=$1
	shift
	mkt-sim --port-file "$T/$_sn.port" --symbols BTCUSDT --rate 50 \
	    --order-limit binance:futures=100000 \
	    --order-limit binance:spot=100000 \
	    --order-limit bybit:linear=100000 "$@" 2>"$T/$_sn.err" &
	SIMS="$SIMS $!"
	wait_file "$T/$_sn.port"
}

# point NAME: the venues' variables at simulator NAME.
point() {
	_p=$(cat "$T/$1.port")
	export MKT_BINANCE_SPOT_REST=http://127.0.0.1:$_p
	export MKT_BINANCE_SPOT_WSAPI=ws://127.0.0.1:$_p
	export MKT_BINANCE_FUTURES_REST=http://127.0.0.1:$_p
	export MKT_BINANCE_FUTURES_WS=ws://127.0.0.1:$_p
	export MKT_BYBIT_REST=http://127.0.0.1:$_p
	export MKT_BYBIT_WS=ws://127.0.0.1:$_p
	B=http://127.0.0.1:$_p
}

# session VENUE TAG: mkt-exec on VENUE with its stream, fed through a
# FIFO: a resting limit order, then once the stream is up a market
# order and the cancel of the resting one; the end of input ends it.
session() {
	_v=$1 _t=$2 _o=$T/$2.out
	rm -f "$T/$_t.fifo"
	mkfifo "$T/$_t.fifo"
	mkt-exec --venue "$_v" --state "$T/$_t.db" --key-file "$T/key" \
	    --poll 100ms <"$T/$_t.fifo" >"$_o" 2>"$T/$_t.err" &
	EXEC=$!
	exec 3>"$T/$_t.fifo"
	echo "{\"type\":\"intent\",\"id\":\"$_t-r\",\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"kind\":\"limit\",\"qty\":\"0.01\",\"price\":\"1000\"}" >&3
	wait_line "$_o" '"state":"connected","reason":"private_stream"' &&
	wait_line "$_o" "\"id\":\"$_t-r\".*\"status\":\"new\"" || return 1
	echo "{\"type\":\"intent\",\"id\":\"$_t-m\",\"symbol\":\"BTCUSDT\",\"side\":\"sell\",\"kind\":\"market\",\"qty\":\"0.02\"}" >&3
	wait_line "$_o" "\"id\":\"$_t-m\".*\"status\":\"filled\"" || return 1
	echo "{\"type\":\"cancel\",\"id\":\"$_t-c\",\"target\":\"$_t-r\"}" >&3
	wait_line "$_o" "\"id\":\"$_t-r\".*\"status\":\"canceled\"" || return 1
	exec 3>&-
	wait "$EXEC"
	_st=$?
	EXEC=
	return $_st
}

# same_fills TAG: the store's fills are the venue's for TAG's orders.
same_fills() {
	curl -s "$B/sim/orders" | jq -c --arg t "$1" \
	    'select(.client_id | startswith($t)) | .fills[] |
	     [.venue_trade_id, (.qty | tonumber)]' | sort >"$T/$1.vf"
	sqlite3 "$T/$1.db" "select venue_trade_id, qty from fills" |
	    awk -F'|' '{ printf "[\"%s\",%s]\n", $1, $2 + 0 }' | sort >"$T/$1.lf"
	test -s "$T/$1.vf" && cmp -s "$T/$1.vf" "$T/$1.lf"
}

# Acks a second late: what the stream tells comes first.
start_sim ok --ack-delay 1s || exit 1
start_sim lose --stream-fault lose=100 || exit 1
start_sim drop --stream-fault drop=30 || exit 1

for v in binance:spot binance:futures bybit:linear; do
	t=$(echo "$v" | tr -d ':')
	point ok
	check "$v: a session with the stream ends, exit 0" session "$v" "$t"
	check "$v: order states came by the stream" \
		grep -q '"source":"stream"' "$T/$t.out"
	check "$v: the fills are the venue's" same_fills "$t"

	point lose
	check "$v, every stream event lost: the session ends, exit 0" \
		session "$v" "${t}l"
	is "$(grep -c '"source":"stream"' "$T/${t}l.out")" 0 \
		"$v, every stream event lost: none came by the stream"
	check "$v, every stream event lost: the fills are the venue's" \
		same_fills "${t}l"

	point drop
	check "$v, streams dropped: the session ends, exit 0" \
		session "$v" "${t}d"
	check "$v, streams dropped: the fills are the venue's" \
		same_fills "${t}d"
done

done_testing
