# tests/lib-strat.sh: what the strategy tests (1051-1054) share, sourced
# after lib.sh: simulators, the venue variables, and a whole pipeline
#	mkt-feed | mkt-book | STRATEGY --feedback FIFO | mkt-exec ... |
#	    tee -p FIFO > OUT
# started in the background and stopped by stopping its feed.  The
# simulators step twice a second, and the strategies' IOC legs reach
# --slippage past the touched price: a leg that reaches the venue after
# a step moved or thinned the top still fills, even on a loaded machine.

need_tools curl jq sqlite3

SIMS= FEED= PIPE=
strat_cleanup() {
	[ -n "$KEEP_T" ] && cp -r "$T" "$KEEP_T"
	[ -n "$FEED" ] && kill "$FEED" 2>/dev/null
	[ -n "$PIPE" ] && wait "$PIPE" 2>/dev/null
	for p in $SIMS; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap strat_cleanup EXIT
trap 'exit 1' INT TERM

unset MKT_API_KEY MKT_API_SECRET CREDENTIALS_DIRECTORY
printf 'mkt-sim-test-key\nmkt-sim-test-secret\n' >"$T/key"
chmod 600 "$T/key"

# start_sim NAME ARGS...: a simulator whose port is in $T/NAME.port.
start_sim() {
	_sn=$1
	shift
	mkt-sim --port-file "$T/$_sn.port" --rate 2 --levels 200 \
	    --order-limit binance:spot=100000 --order-limit bybit:spot=100000 \
	    "$@" 2>"$T/$_sn.err" &
	SIMS="$SIMS $!"
	wait_file "$T/$_sn.port"
}

# start_edge_flat SYMBOLS MARKETS OFFSET: simulators "edge", with the
# --offset OFFSET that makes the strategy trade, and "flat", without.
start_edge_flat() {
	start_sim edge --symbols "$1" --markets "$2" --offset "$3" &&
	    start_sim flat --symbols "$1" --markets "$2"
}

# point NAME: the venues' variables at simulator NAME; its URL in $B.
point() {
	_p=127.0.0.1:$(cat "$T/$1.port")
	export MKT_BINANCE_SPOT_REST=http://$_p MKT_BINANCE_SPOT_WS=ws://$_p
	export MKT_BYBIT_REST=http://$_p MKT_BYBIT_WS=ws://$_p
	B=http://$_p
}

# pipeline TAG "FEED TARGETS" "STRATEGY ARGS" VENUE...: the pipeline of
# the header in the background, one mkt-exec per VENUE (its store
# $T/TAG-N.db), its output in $T/TAG.out.
pipeline() {
	_t=$1 _targets=$2 _strat=$3
	shift 3
	rm -f "$T/$_t.fb" "$T/$_t.feed"
	mkfifo "$T/$_t.fb" "$T/$_t.feed"
	# shellcheck disable=SC2086
	mkt-feed $_targets >"$T/$_t.feed" 2>"$T/$_t.feed.err" &
	FEED=$!
	_cmd="mkt-book --levels 5 <'$T/$_t.feed' |"
	_cmd="$_cmd $_strat --feedback '$T/$_t.fb' 2>'$T/$_t.strat.err'"
	_i=0
	for _v in "$@"; do
		_i=$((_i + 1))
		_cmd="$_cmd | mkt-exec --venue $_v --state '$T/$_t-$_i.db'"
		_cmd="$_cmd --key-file '$T/key' --no-stream --poll 100ms"
		_cmd="$_cmd 2>'$T/$_t-$_i.err'"
	done
	sh -c "$_cmd | tee -p '$T/$_t.fb' >'$T/$_t.out'" &
	PIPE=$!
}

# stop_pipeline: stop the feed; the stages drain and end; 0 when the
# pipeline's last stage exited 0.
stop_pipeline() {
	kill "$FEED" 2>/dev/null
	FEED=
	wait "$PIPE"
	_st=$?
	PIPE=
	return $_st
}

# count FILE PATTERN: lines of FILE matching PATTERN (grep -c, 0 if none).
count() {
	if [ -e "$1" ]; then
		grep -c -e "$2" "$1"
	else
		echo 0
	fi
}
at_least() {
	[ "$(count "$1" "$2")" -ge "$3" ]
}

# sim_orders PREFIX: the simulator's orders whose client id starts so.
sim_orders() {
	curl -s "$B/sim/orders" | jq -c --arg p "$1" \
	    'select(.client_id | startswith($p))'
}

# net VENUE PREFIX: the signed filled quantity of PREFIX's orders there.
net() {
	sim_orders "$2" | jq -s --arg v "$1" '[.[] | select(.venue == $v) |
	    (.filled | tonumber) * (if .side == "buy" then 1 else -1 end)] |
	    add // 0 | . * 100000000 | round'
}

# net_sym SYMBOL PREFIX: the same for one symbol, on every venue.
net_sym() {
	sim_orders "$2" | jq -s --arg s "$1" '[.[] | select(.symbol == $s) |
	    (.filled | tonumber) * (if .side == "buy" then 1 else -1 end)] |
	    add // 0 | . * 100000000 | round'
}
