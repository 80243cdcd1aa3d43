#!/bin/sh
# mkt-feed live, against mkt-sim on 127.0.0.1: the books rebuilt through
# mkt-feed | mkt-book equal the simulator's truth, for Binance spot,
# USD-M futures and Bybit, with faults injected one at a time and several
# at once; a resync of one symbol never interrupts another.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

MSGS=150

# start_sim NAME CLIENTS ARGS...: a simulator on a free port whose markets
# start once CLIENTS WebSocket connections have subscribed (so that they
# see every step, however slowly mkt-feed starts); sets $SIM and $PORT.
start_sim() {
	_name=$1 _clients=$2
	shift 2
	rm -f "$T/$_name.port"
	mkt-sim --port-file "$T/$_name.port" --symbols BTCUSDT,ETHUSDT \
	    --levels 300 --rate 100 --messages "$MSGS" --ping 2s \
	    --wait-clients "$_clients" \
	    --truth "$T/$_name.truth" "$@" 2>"$T/$_name.sim.err" &
	SIM=$!
	wait_file "$T/$_name.port"
	PORT=$(cat "$T/$_name.port")
}

# feed NAME ARGS... TARGETS...: mkt-feed against the simulator until it
# has caught up with the simulator's final books (see caught-up.py), then
# SIGTERM to both.  mkt-feed writes to a FIFO (as into a pipe: each event
# at once) that cat copies to $T/NAME.ev, so that its progress shows.
feed() {
	_name=$1
	shift
	u=127.0.0.1:$PORT
	_targets=
	for _a in "$@"; do
		case $_a in -*) ;; *:*:*) _targets="$_targets $_a" ;; esac
	done
	rm -f "$T/$_name.fifo"
	mkfifo "$T/$_name.fifo"
	cat "$T/$_name.fifo" >"$T/$_name.ev" &
	_cat=$!
	MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
	MKT_BINANCE_FUTURES_WS=ws://$u MKT_BINANCE_FUTURES_REST=http://$u \
	MKT_BYBIT_WS=ws://$u MKT_BYBIT_REST=http://$u \
	    mkt-feed --depth-limit 1000 "$@" >"$T/$_name.fifo" \
	    2>"$T/$_name.err" &
	_feed=$!
	check "$_name: mkt-feed catches up with the simulator" \
	    python3 "$TOP/tests/tools/caught-up.py" "$T/$_name.sim.err" \
	    "http://$u" "$T/$_name.ev" $_targets
	kill -TERM "$_feed"
	wait "$_feed"
	FEED_STATUS=$?
	wait "$_cat"
	kill -TERM "$SIM"
	wait "$SIM"
}

# books_equal NAME: the last book of every symbol equals the truth.
books_equal() {
	mkt-book --levels 0 --interval 1h <"$T/$1.ev" >"$T/$1.books"
	python3 - "$T/$1.truth" "$T/$1.books" <<'PY'
import json, sys
from decimal import Decimal
def levels(x):
    return [[Decimal(str(p)), Decimal(str(q))] for p, q in x]
truth, got = {}, {}
for l in open(sys.argv[1]):
    e = json.loads(l, parse_float=Decimal)
    truth[(e["venue"], e["market"], e["symbol"])] = e
for l in open(sys.argv[2]):
    e = json.loads(l, parse_float=Decimal)
    if e["type"] == "book":
        got[(e["venue"], e["market"], e["symbol"])] = e
bad = 0
for k, e in got.items():
    t = truth.get(k)
    # Bybit streams a 200-level view: compare what both sides hold.
    n = min(len(e["bids"]), len(t["bids"]), 200)
    m = min(len(e["asks"]), len(t["asks"]), 200)
    if (t is None or e["last_id"] != t["last_id"] or
            levels(e["bids"])[:n] != levels(t["bids"])[:n] or
            levels(e["asks"])[:m] != levels(t["asks"])[:m]):
        bad += 1
        print("# %s: last_id %s vs %s" % (k, e["last_id"],
              t and t["last_id"]))
print("# %d books compared" % len(got))
sys.exit(1 if bad or not got else 0)
PY
}

TARGETS="binance:spot:BTCUSDT binance:spot:ETHUSDT binance:futures:BTCUSDT bybit:linear:BTCUSDT"

start_sim clean 3
feed clean $TARGETS
is "$FEED_STATUS" 0 "clean: SIGTERM ends mkt-feed with 0"
check "clean: books equal the simulator's truth" books_equal clean
is "$(jq -c 'select(.type == "status" and .state == "invalid")' "$T/clean.ev" | wc -l | tr -d ' ')" 0 \
    "clean: no invalid status"

for fault in "--gap-at 40" "--close-every 60" "--garbage-at 30" \
    "--rest-429 2 --retry-after 1" "--shutdown-at 50 --shutdown-grace 2m --shutdown-lag 10" \
    "--bybit-snapshot-at 45" \
    "--gap-at 40 --close-every 70 --garbage-at 20"; do
	name=$(echo "$fault" | tr -c 'a-z0-9\n' '_')
	start_sim "$name" 3 $fault
	feed "$name" $TARGETS
	is "$FEED_STATUS" 0 "$fault: mkt-feed exits 0"
	check "$fault: books equal the simulator's truth" books_equal "$name"
done

# Bad frames: wrong types in a real stream's depth message, and a frame
# past the size bound (valid JSON): each reported and skipped, while the
# connection stays up and the books stay exact.
start_sim badframes 3 --bad-types-at 25 --huge-at 35 --huge-size 3000000
feed badframes --max-message 1M $TARGETS
is "$FEED_STATUS" 0 "bad frames: mkt-feed exits 0"
check "bad frames: books equal the simulator's truth" books_equal badframes
check "bad frames: the huge frame is reported with its size" \
    grep -q 'too large (3000000 bytes), skipped' "$T/badframes.err"
is "$(grep -c 'bad frame' "$T/badframes.err")" 2 \
    "bad frames: the wrong-typed one is reported too, once each"
is "$(jq -c 'select(.type == "status" and (.state == "disconnected" or .state == "invalid"))' "$T/badframes.ev" | wc -l | tr -d ' ')" 0 \
    "bad frames: no disconnect, no invalid book"

# The gap shows in the stream; only the symbol that had it resyncs.
check "--gap-at: invalid status with the ids" \
    sh -c "jq -e -s 'map(select(.type == \"status\" and .state == \"invalid\" and .reason == \"gap\" and .expected_id != null)) | length > 0' '$T/__gap_at_40.ev' >/dev/null"
check "--rest-429: rate_limited status" \
    sh -c "jq -e -s 'map(select(.type == \"status\" and .state == \"rate_limited\")) | length > 0' '$T/__rest_429_2___retry_after_1.ev' >/dev/null"
check "--close-every: disconnected and connected again" \
    sh -c "[ \$(jq -c 'select(.type == \"status\" and .state == \"connected\")' '$T/__close_every_60.ev' | wc -l) -gt 4 ]"
check "--garbage-at: the bad frame is reported" \
    grep -q 'bad frame' "$T/__garbage_at_30.err"
# serverShutdown: a replacement connection takes over with no gap: no
# resync, no invalid book, a handover in the status events.  The old
# connection stays up for two minutes (--shutdown-grace), so that a
# loaded machine has the time to open the replacement, and falls ten
# messages behind it (--shutdown-lag): the replacement's first updates
# are early, not gaps.  (A snapshot older than the stream at the start
# is fetched again, as the venue's procedure says: no gap, and a loaded
# machine's REST timing.)
is "$(jq -c 'select(.type == "status" and (.state == "invalid" or (.state == "resyncing" and .reason != "stale_snapshot")))' "$T/__shutdown_at_50___shutdown_grace_2m___shutdown_lag_10.ev" | wc -l | tr -d ' ')" 0 \
    "--shutdown-at: no resync, no gap"
check "--shutdown-at: a handover connection" \
    sh -c "jq -e -s 'map(select(.type == \"status\" and .reason == \"handover\")) | length > 0' '$T/__shutdown_at_50___shutdown_grace_2m___shutdown_lag_10.ev' >/dev/null"
# One symbol resyncs; the other's events keep flowing and its book is
# never invalid.
start_sim iso 1 --gap-at 40 --gap-symbol ETHUSDT --markets binance:spot
feed iso binance:spot:BTCUSDT binance:spot:ETHUSDT
check "one symbol's gap: books equal the truth" books_equal iso
is "$(jq -r 'select(.type == "status" and .source == "mkt-feed" and .symbol != null) | "\(.symbol) \(.state)"' "$T/iso.ev" | tr '\n' ';')" \
    "ETHUSDT invalid;ETHUSDT resyncing;ETHUSDT synced;" \
    "one symbol's gap: only ETHUSDT resyncs"
is "$(jq -r 'select(.type == "depth" and .symbol == "BTCUSDT") | "\(.first_id) \(.last_id)"' "$T/iso.ev" |
    awk 'NR > 1 && $1 != prev + 1 { broken++ } { prev = $2; n++ }
         END { print (n > 100 && !broken) ? "unbroken" : "broken " n " " broken }')" unbroken \
    "one symbol's gap: the other's depth events flow on, unbroken"
mkt-book --levels 1 <"$T/iso.ev" >"$T/iso.book"
is "$(jq -r 'select(.type == "status" and .source == "mkt-book") | .symbol' "$T/iso.book" | sort -u | tr '\n' ' ')" "" \
    "one symbol's gap: mkt-book never sees an invalid book"
done_testing
