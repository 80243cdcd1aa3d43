#!/bin/sh
# mkt-feed --symbols-file against mkt-sim on 127.0.0.1, for Binance spot
# (SUBSCRIBE/UNSUBSCRIBE on the open combined stream) and Bybit linear
# (op subscribe/unsubscribe): a SIGHUP after the file changed subscribes
# the new target (synced from its snapshot), unsubscribes the removed one
# (a status "unsubscribed", then not one event of it), and leaves the
# kept one alone: one snapshot, no resync, update ids without a hole.  A
# bad line is reported with its number and a missing file is reported,
# each keeping the set; a pattern resolves against the simulator's
# instrument list, taking a removed symbol back.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools jq python3

# KEEP=DIR: the temporary files copied there at the end, to look into.
SIM= FEED=
cleanup() {
	[ -n "$FEED" ] && kill "$FEED" 2>/dev/null
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	[ -n "$KEEP" ] && cp -r "$T" "$KEEP"; rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkt-sim --port-file "$T/port" --symbols BTCUSDT,ETHUSDT,SOLUSDT,ETHBTC \
    --levels 50 --rate 40 --ping 2s 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
u=127.0.0.1:$(cat "$T/port")
export MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
    MKT_BINANCE_FUTURES_WS=ws://$u MKT_BINANCE_FUTURES_REST=http://$u \
    MKT_BYBIT_WS=ws://$u MKT_BYBIT_REST=http://$u

# count EV FILTER: the events of EV that pass the jq FILTER.
count() {
	jq -c "select($2)" "$1" | wc -l | tr -d ' '
}

# has EV N FILTER: at least N events of EV pass the jq FILTER.
has() {
	[ "$(count "$1" "$3")" -ge "$2" ]
}

# after EV TYPE SYMBOL STATE N: at least N events TYPE of SYMBOL follow
# the first status STATE (a symbol's) in EV.
after() {
	[ "$(jq -c -n --arg t "$2" --arg s "$3" --arg st "$4" '
	    [inputs] as $e |
	    ($e | map(.state == $st) | index(true)) as $i |
	    if $i == null then empty else
	    $e[$i + 1:][] | select(.type == $t and .symbol == $s) end
	    ' "$1" | wc -l | tr -d ' ')" -ge "$5" ]
}

# more EV SYMBOL N: EV holds N more depth events of SYMBOL than now.
more() {
	_base=$(count "$1" ".type == \"depth\" and .symbol == \"$2\"")
	wait_for _at_least "$1" "$2" $((_base + $3))
}
_at_least() {
	[ "$(count "$1" ".type == \"depth\" and .symbol == \"$2\"")" -ge "$3" ]
}

# ids_continuous EV SYMBOL: from its first snapshot on, every depth event
# of SYMBOL continues the one before (the first straddles the snapshot;
# then Binance spot: starts one past its last id; futures: its prev_id
# is that id; Bybit: its u rises by one), and there is one snapshot.
ids_continuous() {
	python3 - "$1" "$2" <<'PY'
import json, sys
last, snaps, bad, straddle = None, 0, 0, False
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("symbol") != sys.argv[2]:
        continue
    if e["type"] == "snapshot":
        snaps += 1
        last, straddle = e["last_id"], True
    elif e["type"] == "depth" and last is not None:
        first = e.get("first_id", e["last_id"])
        if straddle:
            # The first after a snapshot straddles it (futures: or
            # names it as the one before).
            ok = e.get("prev_id") == last or \
                (first <= last + 1 and e["last_id"] >= last)
        elif "prev_id" in e:
            ok = e["prev_id"] == last
        else:
            ok = first == last + 1
        if not ok:
            print("# hole: %s after %s" % (first, last), file=sys.stderr)
            bad += 1
        last, straddle = e["last_id"], False
sys.exit(0 if snaps == 1 and bad == 0 and last is not None else 1)
PY
}

# run_venue NAME VENUE:MARKET [ARGS...]: the whole story on one market,
# mkt-feed run with ARGS.
run_venue() {
	n=$1 vm=$2
	shift 2
	ev=$T/$n.ev err=$T/$n.err f=$T/$n.symbols
	printf '# kept, removed\n%s:BTCUSDT\n\n  %s:ETHUSDT   # eth\n' \
	    "$vm" "$vm" >"$f"
	mkt-feed --symbols-file "$f" "$@" >"$ev" 2>"$err" &
	FEED=$!
	check "$n: both targets of the file sync" \
	    wait_for has "$ev" 2 '.type == "snapshot"'
	more "$ev" BTCUSDT 3

	# The file changes: SOLUSDT in, ETHUSDT out.
	printf '%s:BTCUSDT\n%s:SOLUSDT\n' "$vm" "$vm" >"$f.new"
	mv "$f.new" "$f"
	kill -HUP "$FEED"
	check "$n: the new target syncs" wait_for has "$ev" 1 \
	    '.type == "snapshot" and .symbol == "SOLUSDT"'
	check "$n: the removed one is unsubscribed" wait_for has "$ev" 1 \
	    '.state == "unsubscribed" and .symbol == "ETHUSDT"'
	check "$n: the new one's book goes on" more "$ev" SOLUSDT 5
	check "$n: the kept one's book goes on" wait_for after "$ev" depth \
	    BTCUSDT unsubscribed 10

	# A bad line: reported with its number, the set kept.
	printf '%s:BTCUSDT\nnot a target\n' "$vm" >"$f"
	kill -HUP "$FEED"
	check "$n: a bad line is reported with its number" \
	    wait_line "$err" "symbols: line 2: want one target a line"
	check "$n: after a bad line the new one goes on" more "$ev" SOLUSDT 5

	# A missing file: reported, the set kept.
	rm "$f"
	kill -HUP "$FEED"
	check "$n: a missing file is reported" wait_line "$err" "cannot read"
	check "$n: after a missing file the new one goes on" \
	    more "$ev" SOLUSDT 5

	# A pattern over the instrument list: *USDT takes ETHUSDT back,
	# not ETHBTC.
	printf '%s:*USDT\n' "$vm" >"$f"
	kill -HUP "$FEED"
	check "$n: a pattern takes a removed symbol back" wait_for has "$ev" 1 \
	    '.state == "subscribed" and .symbol == "ETHUSDT"'
	check "$n: and it syncs again" wait_for has "$ev" 2 \
	    '.type == "snapshot" and .symbol == "ETHUSDT"'
	more "$ev" BTCUSDT 3
	if [ "$n" = futures ]; then
		# Two connections a group (the book and the trades): both told.
		check "futures: the new symbol's trades come" wait_for \
		    has "$ev" 1 '.type == "trade" and .symbol == "SOLUSDT"'
		check "futures: the kept symbol's trades go on" wait_for \
		    after "$ev" trade BTCUSDT unsubscribed 1
	fi
	kill -TERM "$FEED"
	wait "$FEED"
	is "$?" 0 "$n: mkt-feed exits 0 on SIGTERM"
	FEED=

	# Nothing of ETHUSDT between its unsubscribe and its return.
	is "$(jq -c -n '[inputs] as $e |
	    ($e | map(.state == "unsubscribed") | index(true)) as $i |
	    ($e | map(.state == "subscribed" and .symbol == "ETHUSDT") |
	    index(true)) as $j |
	    $e[$i + 1:$j][] | select(.symbol == "ETHUSDT")' "$ev" | wc -l |
	    tr -d ' ')" 0 "$n: not one event of the removed symbol after"
	is "$(count "$ev" '.symbol == "ETHBTC"')" 0 "$n: ETHBTC is no match"
	is "$(count "$ev" '.type == "status" and .symbol == "BTCUSDT"')" 0 \
	    "$n: the kept one never resyncs"
	check "$n: the kept one's update ids have no hole" \
	    ids_continuous "$ev" BTCUSDT
	mkt-book --levels 1 --interval 1h <"$ev" >"$T/$n.books"
	is "$?" 0 "$n: mkt-book reads it all"
	is "$(count "$T/$n.books" '.state == "invalid"')" 0 \
	    "$n: mkt-book finds no book invalid"
	is "$(count "$ev" '.type == "status" and .state != "subscribed" and
	    .symbol == "SOLUSDT"')" 0 "$n: the new one never resyncs"
	is "$(wc -l <"$err" | tr -d ' ')" 2 \
	    "$n: standard error holds the two reports only"
}

run_venue binance binance:spot
run_venue bybit bybit:linear
run_venue futures binance:futures --streams depth,trade

done_testing
