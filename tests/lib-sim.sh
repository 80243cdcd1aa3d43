# tests/lib-sim.sh: what the tests that trade against one mkt-sim share,
# sourced after lib.sh: the tools, the test key pair in $T/key, the
# cleanup that stops the simulator (and kills a mkt-exec left in $EXEC),
# mkt-exec's and mkt-reconcile's options ($EOPTS, $ROPTS), and the
# reconcile helpers.

need_tools curl jq sqlite3

SIM= EXEC=
sim_cleanup() {
	[ -n "$EXEC" ] && kill -9 "$EXEC" 2>/dev/null
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap sim_cleanup EXIT
trap 'exit 1' INT TERM

unset MKT_API_KEY MKT_API_SECRET CREDENTIALS_DIRECTORY
printf 'mkt-sim-test-key\nmkt-sim-test-secret\n' >"$T/key"
chmod 600 "$T/key"

# sim_start ARGS...: mkt-sim on BTCUSDT at 20 updates a second, with
# ARGS; its URL in $B and every venue's REST variable pointed at it.
sim_start() {
	mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 20 "$@" \
	    2>"$T/sim.err" &
	SIM=$!
	check "mkt-sim starts" wait_file "$T/port" || exit 1
	B=http://127.0.0.1:$(cat "$T/port")
	export MKT_BINANCE_SPOT_REST="$B" MKT_BINANCE_FUTURES_REST="$B" \
	    MKT_BYBIT_REST="$B"
}

EOPTS="--key-file $T/key --no-stream --poll 100ms --timeout 60s"
ROPTS="--key-file $T/key --timeout 10s"

# reconcile STORE OUT [ARGS...]: mkt-reconcile on venue $v, its events in
# OUT; its exit status in $rc.
reconcile() {
	_st=$1 _out=$2
	shift 2
	# shellcheck disable=SC2086
	mkt-reconcile --venue "$v" --state "$_st" $ROPTS "$@" >"$_out" \
	    2>>"$T/rec.err"
	rc=$?
}

# count OUT FILTER: how many mismatch events of OUT pass the jq FILTER.
count() {
	jq -c "select(.type == \"mismatch\") | select($2)" "$1" | wc -l |
	    tr -d ' '
}
