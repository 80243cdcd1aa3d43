#!/bin/sh
# mkt-feed live against mkt-sim's Polymarket market channel on
# 127.0.0.1: the books of a market's YES and NO tokens, rebuilt through
# mkt-feed | mkt-book, equal the simulator's truth -- clean, across
# reconnects (each a fresh dump: resyncing, then synced) and past a
# garbage frame; every dump's hash checks with the market's metadata
# (--markets), and a wrong min_order_size shows on every one.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools python3 jq

Y=71321045679252212594626385532706912750332728571942532289631379312455583992563
N=52114319501245915516055106046884209969926127482827954674443846427813813222426
printf '{"data":[{"minimum_order_size":5,"neg_risk":false,"tokens":[{"token_id":"%s","outcome":"Yes"},{"token_id":"%s","outcome":"No"}]}]}\n' \
    "$Y" "$N" >"$T/market.json"

# start_sim NAME ARGS...: a simulator of the two tokens on a free port,
# its markets held until a client subscribes; sets $SIM and $PORT.
start_sim() {
	_name=$1
	shift
	rm -f "$T/$_name.port"
	mkt-sim --port-file "$T/$_name.port" --markets polymarket:clob \
	    --tokens "$Y,$N" --levels 300 --rate 100 --messages 150 \
	    --wait-clients 1 --truth "$T/$_name.truth" "$@" \
	    2>"$T/$_name.sim.err" &
	SIM=$!
	wait_file "$T/$_name.port"
	PORT=$(cat "$T/$_name.port")
}

# feed NAME ARGS...: mkt-feed on both tokens until it has caught up with
# the simulator's final books, then SIGTERM to both.  It writes to a
# FIFO (as into a pipe: each event at once) that cat copies to NAME.ev.
feed() {
	_name=$1
	shift
	rm -f "$T/$_name.fifo"
	mkfifo "$T/$_name.fifo"
	cat "$T/$_name.fifo" >"$T/$_name.ev" &
	_cat=$!
	MKT_POLYMARKET_WS=ws://127.0.0.1:$PORT \
	    mkt-feed --streams depth,trade "$@" polymarket:clob:$Y \
	    polymarket:clob:$N >"$T/$_name.fifo" 2>"$T/$_name.err" &
	_feed=$!
	check "$_name: mkt-feed catches up with the simulator" \
	    python3 "$TOP/tests/tools/pm-caught-up.py" "$T/$_name.sim.err" \
	    "http://127.0.0.1:$PORT" "$T/$_name.ev" "$Y" "$N"
	kill -TERM "$_feed"
	wait "$_feed"
	FEED_STATUS=$?
	wait "$_cat"
	kill -TERM "$SIM"
	wait "$SIM"
}

# books_equal NAME: the last book of each token equals the truth.
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
    truth[e["symbol"]] = e
for l in open(sys.argv[2]):
    e = json.loads(l, parse_float=Decimal)
    if e["type"] == "book":
        got[e["symbol"]] = e
bad = [s for s in truth if s not in got or
       levels(got[s]["bids"]) != levels(truth[s]["bids"]) or
       levels(got[s]["asks"]) != levels(truth[s]["asks"])]
print("# %d books compared, %d differ" % (len(truth), len(bad)))
sys.exit(1 if bad or len(truth) != 2 else 0)
PY
}

count() { jq -c "select($2)" "$1" | wc -l | tr -d ' '; }

start_sim clean
feed clean --markets "$T/market.json"
is "$FEED_STATUS" 0 "clean: SIGTERM ends mkt-feed with 0"
check "clean: books equal the simulator's truth" books_equal clean
is "$(count "$T/clean.ev" '.type == "snapshot"')" 2 "clean: one dump per token"
is "$(count "$T/clean.ev" '.type == "status" and .reason == "hash_mismatch"')" 0 \
    "clean: every dump's hash checks"
check "clean: trades come through" \
    test "$(count "$T/clean.ev" '.type == "trade"')" -gt 0
# Each token wanders on its own from 0.5: a YES bid and a NO ask sum to
# about 1.
is "$(jq -s -r 'map({(.symbol): .}) | add | ((.["'"$Y"'"].bids[0][0] + .["'"$N"'"].asks[0][0]) | . > 0.9 and . < 1.1)' "$T/clean.truth")" \
    true "clean: YES best bid + NO best ask is about 1"

# Every connection closed after 60 messages: each reconnect takes a fresh
# dump, and the books say so.
start_sim close --close-every 60
feed close --markets "$T/market.json"
is "$FEED_STATUS" 0 "--close-every: mkt-feed exits 0"
check "--close-every: books equal the simulator's truth" books_equal close
# (How often depends on how fast it comes back: the markets go on
# meanwhile.)
check "--close-every: it reconnected" \
    test "$(count "$T/close.ev" '.type == "status" and .state == "connected"')" -ge 2
is "$(jq -r --arg y "$Y" 'select(.type == "status" and .symbol == $y) | .state' "$T/close.ev" | uniq | sort | uniq -c | awk '{ print $2 }' | tr '\n' ',')" \
    "resyncing,synced," \
    "--close-every: a book goes resyncing, then synced again, and nothing else"
is "$(jq -r 'select(.type == "status" and .state == "resyncing") | .reason' "$T/close.ev" | sort -u | grep -v -e disconnected -e reconnect)" "" \
    "--close-every: because the connection closed"
check "--close-every: as often as the connection opened again" \
    test "$(count "$T/close.ev" '.type == "status" and .state == "synced"')" -eq \
    "$(( 2 * ($(count "$T/close.ev" '.type == "status" and .state == "connected"') - 1) ))"
is "$(count "$T/close.ev" '.type == "status" and .reason == "hash_mismatch"')" 0 \
    "--close-every: every dump's hash checks"

# A garbage frame and a price_change of the wrong types are reported and
# skipped; the books stay exact.
start_sim garbage --garbage-at 30 --bad-types-at 40
sed 's/"minimum_order_size":5/"minimum_order_size":6/' "$T/market.json" >"$T/m6.json"
feed garbage --markets "$T/m6.json"
is "$FEED_STATUS" 0 "--garbage-at: mkt-feed exits 0"
check "--garbage-at: books equal the simulator's truth" books_equal garbage
is "$(grep -c 'bad frame' "$T/garbage.err")" 2 "--garbage-at, --bad-types-at: each reported once"
check "--bad-types-at: the reason names the field" \
    grep -q "bad frame .*price_change: field 'timestamp' is not an integer" "$T/garbage.err"
# With a wrong min_order_size no hash checks: each dump says so, and the
# book is kept.
is "$(count "$T/garbage.ev" '.type == "status" and .reason == "hash_mismatch"')" \
    "$(count "$T/garbage.ev" '.type == "snapshot"')" \
    "min_order_size 6: every dump's hash mismatches (a status each)"

# A recorded market replayed: mkt-feed's own events of two tokens (from
# raw frames), served again by mkt-sim and taken in again by mkt-feed,
# give the recorded books back.
RY=1111111111111111111111111111111111111111111111111111111111111111111111111111
RN=2222222222222222222222222222222222222222222222222222222222222222222222222222
python3 - "$RY" "$RN" >"$T/frames" <<'PY'
import json, sys
Y, N = sys.argv[1], sys.argv[2]
t = 1700000000000
def book(a, ts):
    return {"event_type": "book", "asset_id": a, "market": "0xab",
            "timestamp": str(ts), "hash": "x",
            "bids": [{"price": "%.2f" % (0.49 - 0.01 * i), "size": str(100 + i)} for i in range(20)],
            "asks": [{"price": "%.2f" % (0.51 + 0.01 * i), "size": str(50 + i)} for i in range(20)]}
print(json.dumps([book(Y, t), book(N, t)]))
for k in range(1, 200):
    ts = t + k * 100
    a, p, side = (Y, 0.49 - 0.01 * (k % 20), "BUY") if k % 2 else (N, 0.51 + 0.01 * (k % 20), "SELL")
    print(json.dumps({"event_type": "price_change", "market": "0xab", "timestamp": str(ts),
        "price_changes": [{"asset_id": a, "price": "%.2f" % p, "size": str(k % 9), "side": side}]}))
PY
mkt-feed --raw polymarket:clob <"$T/frames" >"$T/recorded.ev"
mkt-book --levels 0 --interval 1h <"$T/recorded.ev" |
    jq -c 'select(.type == "book") | {type, venue, market, symbol, bids, asks}' >"$T/recorded.books"
rm -f "$T/replay.port"
mkt-sim --port-file "$T/replay.port" --markets polymarket:clob \
    --replay "$T/recorded.ev" --rate 200 --wait-clients 1 \
    --truth "$T/replay.truth" 2>"$T/replay.sim.err" &
SIM=$!
wait_file "$T/replay.port"
PORT=$(cat "$T/replay.port")
Y=$RY N=$RN
feed replay
is "$FEED_STATUS" 0 "replay: mkt-feed exits 0"
check "replay: books equal the simulator's truth" books_equal replay
is "$(jq -c 'select(.type == "book") | {type, venue, market, symbol, bids, asks}' "$T/replay.books" | tail -2)" \
    "$(tail -2 "$T/recorded.books")" "replay: and the books recorded"

done_testing
