#!/bin/sh
# mkt-sim --replay: real captures (tests/data/cryptofeed: Binance spot,
# Binance USD-M futures, Bybit linear and spot), converted to events by
# mkt-feed --raw, served by mkt-sim --replay and read live by mkt-feed.
# The simulator's truth equals mkt-book run over the events file itself;
# the books mkt-feed | mkt-book rebuild equal it, with and without
# faults; the depth, trade and ticker events the feed passes on are the
# file's own (ids, levels, values); --replay-speed serves in the events'
# time order; a resync recorded in the file reaches the clients as the
# venue would show it; prices keep the file's decimals; bad input.
. "$(dirname "$0")/lib.sh"

need_tools python3 jq zstd

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

CF=$DATA/cryptofeed

# merge HTTP WS: a capture's REST replies and WebSocket frames in the
# order they were received (as tests/0500-feed-raw.sh does).
merge() {
	python3 - "$1" "$2" <<'PY'
import re, sys
rows = []
for kind, path, pat in ((0, sys.argv[1], r'\S+ -> ([0-9.]+): '),
                        (1, sys.argv[2], r'([0-9.]+): ')):
    for i, l in enumerate(open(path)):
        m = re.match(pat, l)
        if m:
            rows.append((float(m.group(1)), kind, i, l.rstrip('\n')))
rows.sort(key=lambda r: r[:3])
print('\n'.join(r[3] for r in rows))
PY
}

# The comparisons, numbers as exact decimals.
cat >"$T/cmp.py" <<'PY'
import json, re, sys
from decimal import Decimal

HEAD = re.compile(r'\{"type":"book","venue":"([^"]*)","market":"([^"]*)",'
                  r'"symbol":"([^"]*)"')


def events(path, types):
    out = []
    for l in open(path):
        e = json.loads(l, parse_float=Decimal, parse_int=Decimal)
        if e.get("type") in types:
            out.append(e)
    return out


def books(path):
    """The last book event of each symbol (only those are decoded: a
    book a line is a lot of JSON)."""
    last = {}
    for l in open(path):
        m = HEAD.match(l)
        if m:
            last[m.groups()] = l
    return {k: json.loads(l, parse_float=Decimal, parse_int=Decimal)
            for k, l in last.items()}


def same_book(a, b, deep):
    if a["last_id"] != b["last_id"]:
        return False
    # A futures REST snapshot holds at most 1000 levels a side: a book
    # that grew past them (SUSHIUSDT reaches 1012) cannot be rebuilt
    # below the snapshot's reach after a resync; its best 500 can.
    n = 500 if deep else None
    return a["bids"][:n] == b["bids"][:n] and a["asks"][:n] == b["asks"][:n]


def cmd_books(want_path, got_path, deep=""):
    """Every book of want equals the last book of got, and no more."""
    want, got = books(want_path), books(got_path)
    deep = set(deep.split(",")) - {""}
    bad = [k for k in want if k not in got or
           not same_book(want[k], got[k], k[2] in deep)]
    bad += [k for k in got if k not in want]
    for k in deep:
        # The exception holds only for a book that is that deep.
        m = [b for b in want.values() if b["symbol"] == k]
        if m and max(len(m[0]["bids"]), len(m[0]["asks"])) <= 1000:
            bad.append(("not deep", k))
    for k in bad[:5]:
        print("# differs: %s" % (k,))
    if len(want) == 0:
        print("# no books")
    return 1 if bad or not want else 0


def key(e):
    return (e["venue"], e["market"], e["symbol"])


def strip(e, drop):
    return {k: v for k, v in e.items() if k not in drop}


def cmd_served(file_path, feed_path, kind):
    """The feed's events of a kind are the file's own: for depth, each
    symbol's are a suffix of the file's (the feed syncs mid-stream);
    trades and tickers all arrive.  recv is the feed's own; Binance
    spot bookTicker has no time (the feed stamps it); the feed reads
    `trade` streams, not aggTrade (no "agg")."""
    drop = {"recv", "agg"}
    if kind == "ticker":
        drop.add("time")
    want, got = {}, {}
    for src, dst in ((file_path, want), (feed_path, got)):
        for e in events(src, (kind,)):
            dst.setdefault(key(e), []).append(strip(e, drop))
    bad = 0
    for k, g in got.items():
        w = want.get(k, [])
        if kind != "depth":
            # Events before the symbol's first snapshot are not served.
            w = w[len(w) - len(g):] if len(g) <= len(w) else None
        if not g or w is None or w[len(w) - len(g):] != g:
            bad += 1
            print("# %s %s: %d served, %d in the file" % (kind, k, len(g),
                  len(want.get(k, []))))
    print("# %s: %d symbols, %d events" % (kind, len(got),
          sum(len(g) for g in got.values())))
    return 1 if bad or not got else 0


def cmd_count(file_path, feed_path, kind):
    """How many of the file's events of a kind (after each symbol's first
    snapshot) the feed did not get."""
    first, n = set(), 0
    for e in events(file_path, ("snapshot", kind)):
        if e["type"] == "snapshot":
            first.add(key(e))
        elif key(e) in first:
            n += 1
    print(n - len(events(feed_path, (kind,))))
    return 0


def cmd_time_order(path):
    """Depth events out of time order, across symbols."""
    t = [e["time"] for e in events(path, ("depth",))]
    print("%d %d" % (len(t), sum(1 for a, b in zip(t, t[1:]) if b < a)))
    return 0


sys.exit(globals()["cmd_" + sys.argv[1]](*sys.argv[2:]))
PY
cmp_py() { python3 "$T/cmp.py" "$@"; }

# 1. The events: real captures through mkt-feed --raw, in one file.
merge "$CF/BINANCE.http.0.0" "$CF/BINANCE.ws.1.0" >"$T/spot.raw"
merge "$CF/BINANCE_FUTURES.http.0.0" "$CF/BINANCE_FUTURES.ws.1.0" >"$T/futures.raw"
mkt-feed --raw binance:spot <"$T/spot.raw" >"$T/spot.ev" &&
mkt-feed --raw binance:futures <"$T/futures.raw" >"$T/futures.ev" &&
zstd -dc "$CF/BYBIT.jsonl.zst" | mkt-feed --raw bybit:linear >"$T/bybit.ev"
is "$?" 0 "captures converted by mkt-feed --raw"
cat "$T/spot.ev" "$T/futures.ev" "$T/bybit.ev" >"$T/all.ev"
mkt-book --levels 0 <"$T/all.ev" >"$T/direct.books"
is "$(jq -r 'select(.type == "book") | "\(.venue):\(.market)"' "$T/direct.books" | sort -u | tr '\n' ' ')" \
    "binance:futures binance:spot bybit:linear bybit:spot " \
    "mkt-book over the file: books of all four markets"

TARGETS="binance:spot:NKNUSDT binance:spot:BLZETH binance:spot:LRCBTC
binance:spot:RUNEEUR binance:futures:SUSHIUSDT binance:futures:AKROUSDT
binance:futures:KEEPUSDT binance:futures:CTKUSDT bybit:linear:BTCUSDT
bybit:linear:ETHUSDT bybit:linear:SOLUSDT bybit:linear:DOGEUSDT
bybit:spot:BTCUSDT bybit:spot:ETHUSDT"

# start_sim NAME ARGS...: mkt-sim on a free port; sets $SIM and $PORT.
start_sim() {
	_name=$1
	shift
	rm -f "$T/$_name.port"
	mkt-sim --port-file "$T/$_name.port" --truth "$T/$_name.truth" \
	    "$@" 2>"$T/$_name.sim.err" &
	SIM=$!
	pids="$pids $SIM"
	_i=0
	while [ ! -s "$T/$_name.port" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	PORT=$(cat "$T/$_name.port")
}

# run_feed NAME WANT TARGETS...: mkt-feed against the simulator until the
# replay is done and the books it rebuilds equal WANT's (at most 30 s
# more: reconnects back off), then both stop; FEED_STATUS, SIM_STATUS.
# The feed writes into a pipe, which it flushes at every event.  With
# HELD=1 the simulator holds its markets (--hold-at 0) until the feed
# has written the first snapshot of every target.
run_feed() {
	_name=$1 _want=$2
	shift 2
	u=127.0.0.1:$PORT
	mkfifo "$T/$_name.fifo"
	cat "$T/$_name.fifo" >"$T/$_name.ev" &
	_cat=$!
	MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u \
	MKT_BINANCE_FUTURES_WS=ws://$u MKT_BINANCE_FUTURES_REST=http://$u \
	MKT_BYBIT_WS=ws://$u MKT_BYBIT_REST=http://$u \
	    mkt-feed --depth-limit 5000 --streams depth,trade,ticker "$@" \
	    >"$T/$_name.fifo" 2>"$T/$_name.err" &
	_feed=$!
	pids="$pids $_feed $_cat"
	_i=0
	while [ -n "${HELD:-}" ] && [ $_i -lt 600 ] &&
	    [ "$(grep -o '^{"type":"snapshot","venue":"[^"]*","market":"[^"]*","symbol":"[^"]*"' \
	    "$T/$_name.ev" | sort -u | wc -l)" -lt $# ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -n "${HELD:-}" ] && kill -USR1 "$SIM"
	_i=0
	while ! grep -q 'markets done' "$T/$_name.sim.err" && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	_i=0
	while [ $_i -lt 30 ]; do
		mkt-book --levels 0 --interval 1h <"$T/$_name.ev" >"$T/$_name.books"
		cmp_py books "$_want" "$T/$_name.books" SUSHIUSDT >/dev/null && break
		sleep 1
		_i=$((_i + 1))
	done
	kill -TERM "$_feed"
	wait "$_feed"
	FEED_STATUS=$?
	wait "$_cat"
	kill -TERM "$SIM"
	wait "$SIM"
	SIM_STATUS=$?
	mkt-book --levels 0 --interval 1h <"$T/$_name.ev" >"$T/$_name.books"
}

count() { jq -c "select($2)" "$1" | wc -l | tr -d ' '; }

# 2. Clean: everything the file holds, at 100 updates a second, from
# when the feed has every book (so that every ticker meets a book).
start_sim clean --replay "$T/all.ev" --rate 100 --wait-clients 5 \
    --hold-at 0
HELD=1
run_feed clean "$T/direct.books" $TARGETS
HELD=
is "$FEED_STATUS $SIM_STATUS" "0 0" "clean: mkt-feed and mkt-sim exit 0"
is "$(grep -c 'markets done: 3076 updates replayed' "$T/clean.sim.err")" 1 \
    "clean: every update of the file replayed"
check "clean: the truth equals mkt-book over the file, exactly" \
    cmp_py books "$T/direct.books" "$T/clean.truth"
check "clean: the books rebuilt from the feed equal the truth" \
    cmp_py books "$T/clean.truth" "$T/clean.books" SUSHIUSDT
is "$(count "$T/clean.ev" '.type == "status" and .state != "connected"')" 0 \
    "clean: no gap, no resync"
check "clean: the feed's depth events are the file's, ids and levels" \
    cmp_py served "$T/all.ev" "$T/clean.ev" depth
check "clean: its trades are the file's" \
    cmp_py served "$T/all.ev" "$T/clean.ev" trade
check "clean: its tickers are the file's" \
    cmp_py served "$T/all.ev" "$T/clean.ev" ticker
is "$(cmp_py count "$T/all.ev" "$T/clean.ev" trade) $(cmp_py count "$T/all.ev" "$T/clean.ev" ticker)" \
    "0 0" "clean: no trade or ticker lost"
mkt-book --levels 1 <"$T/clean.ev" >"$T/clean.top"
is "$(python3 "$TOP/tests/tools/check-tickers.py" "$T/clean.ev" "$T/clean.top")" \
    "checked 76 mismatches 0 missing 0" \
    "clean: the 76 recorded bookTicker points equal the rebuilt top of book"
is "$(count "$T/clean.top" '.type == "status" and .source == "mkt-book"')" 0 \
    "clean: mkt-book finds nothing wrong (no ticker_mismatch)"

# 3. Faults: a dropped update, reconnects, a Bybit snapshot in place of a
# delta, a garbage frame and a rate limit, all in one run.
start_sim faults --replay "$T/all.ev" --rate 100 --wait-clients 5 \
    --gap-at 40 --close-every 150 --bybit-snapshot-at 30 --garbage-at 20 \
    --rest-429 1
run_feed faults "$T/direct.books" $TARGETS
is "$FEED_STATUS $SIM_STATUS" "0 0" "faults: mkt-feed and mkt-sim exit 0"
check "faults: the truth equals mkt-book over the file" \
    cmp_py books "$T/direct.books" "$T/faults.truth"
check "faults: the books rebuilt from the feed equal the truth" \
    cmp_py books "$T/faults.truth" "$T/faults.books" SUSHIUSDT
is "$(jq -r 'select(.type == "status") | .state + " " + (.reason // "")' "$T/faults.ev" |
    grep -E '^(invalid gap|disconnected|rate_limited)' | cut -d' ' -f1 | sort -u | tr '\n' ' ')" \
    "disconnected invalid rate_limited " \
    "faults: the gap, the closes and the rate limit were seen"
check "faults: the garbage frame was reported" grep -q 'bad frame' "$T/faults.err"

# 4. --replay-speed: the spot capture at 20 times its pace, every symbol
# on one connection: the updates come in the events' time order (paced
# by --rate they come round robin, one per symbol and tick).  The
# markets wait for the feed's four REST snapshots (it asks for them as
# it connects), so that every update of the file follows one.
mkt-book --levels 0 <"$T/spot.ev" >"$T/spot.books"
SPOT="binance:spot:NKNUSDT binance:spot:BLZETH binance:spot:LRCBTC binance:spot:RUNEEUR"
start_sim speed --replay "$T/spot.ev" --replay-speed 20 --wait-clients 1 \
    --wait-snapshots 4
run_feed speed "$T/spot.books" $SPOT
is "$FEED_STATUS $SIM_STATUS" "0 0" "speed: mkt-feed and mkt-sim exit 0"
check "speed: the books equal the truth" \
    cmp_py books "$T/speed.truth" "$T/speed.books"
check "speed: the truth equals mkt-book over the file" \
    cmp_py books "$T/spot.books" "$T/speed.truth"
is "$(cmp_py time_order "$T/speed.ev")" "172 0" \
    "speed: all 172 depth events, in time order across symbols"
start_sim rate --replay "$T/spot.ev" --rate 200 --wait-clients 1
run_feed rate "$T/spot.books" $SPOT
is "$(cmp_py time_order "$T/rate.ev" | awk '{ print ($2 > 0) }')" 1 \
    "rate: the same, paced by --rate, is not in time order"

# 5. A resync recorded in the file, and decimals: a Binance futures book
# whose recording resynced (a snapshot at id 300 after a gap: the stream
# jumps, the REST book reflects it) and a Bybit book with a recorded
# snapshot (sent as a Bybit snapshot message).  Prices and quantities
# are written with trailing zeros: served with the file's decimals.
B='"venue":"binance","market":"futures","symbol":"AAAUSDT"'
Y='"venue":"bybit","market":"linear","symbol":"BBBUSDT"'
cat >"$T/resync.in" <<EOF
{"type":"snapshot",$B,"time":1000,"last_id":100,"bids":[["0.12340","10.500"],["0.12330","1"]],"asks":[["0.12350","2.250"]]}
{"type":"snapshot",$Y,"time":1000,"last_id":10,"seq":500,"bids":[["5.10","1"]],"asks":[["5.20","1"]]}
{"type":"depth",$B,"time":1100,"first_id":101,"last_id":105,"prev_id":100,"bids":[["0.12340","9"]],"asks":[]}
{"type":"depth",$Y,"time":1100,"last_id":11,"seq":501,"bids":[["5.10","2"]],"asks":[]}
{"type":"depth",$B,"time":1200,"first_id":106,"last_id":110,"prev_id":105,"bids":[],"asks":[["0.12360","3"]]}
{"type":"depth",$Y,"time":1200,"last_id":12,"seq":502,"bids":[],"asks":[["5.30","1"]]}
{"type":"snapshot",$B,"time":1300,"last_id":300,"bids":[["0.12300","7.000"]],"asks":[["0.12400","1.125"]]}
{"type":"snapshot",$Y,"time":1300,"last_id":20,"seq":600,"bids":[["5.00","4"]],"asks":[["5.40","4"]]}
{"type":"depth",$B,"time":1400,"first_id":301,"last_id":302,"prev_id":300,"bids":[["0.12310","1"]],"asks":[]}
{"type":"depth",$Y,"time":1400,"last_id":21,"seq":601,"bids":[["5.05","1"]],"asks":[]}
EOF
mkt-book --levels 0 <"$T/resync.in" >"$T/resync.direct"
# Three WebSockets: Bybit's, and Binance futures' two (its depth and
# ticker streams on /public, trades on /market); the markets wait for
# all three, so that Bybit's first snapshot is the file's first, and
# for Binance's REST snapshot, so that the feed's book is synced before
# the recorded resync makes the ids jump.
start_sim resync --replay "$T/resync.in" --rate 5 --wait-clients 3 \
    --wait-snapshots 1
run_feed resync "$T/resync.direct" binance:futures:AAAUSDT bybit:linear:BBBUSDT
is "$FEED_STATUS $SIM_STATUS" "0 0" "resync: mkt-feed and mkt-sim exit 0"
check "resync: the truth equals mkt-book over the file" \
    cmp_py books "$T/resync.direct" "$T/resync.truth"
check "resync: the books rebuilt from the feed equal the truth" \
    cmp_py books "$T/resync.truth" "$T/resync.books"
is "$(jq -r 'select(.type == "snapshot" and .symbol == "BBBUSDT") | "\(.last_id) \(.seq)"' "$T/resync.ev" | tr '\n' ' ')" \
    "10 500 20 600 " \
    "resync: Bybit gets the recorded snapshot as a snapshot message"
is "$(jq -r 'select(.symbol == "AAAUSDT" and .type == "status" and .state == "invalid") | "\(.reason) \(.got_first_id)"' "$T/resync.ev")" \
    "gap 301" "resync: Binance sees the ids jump past the recorded snapshot"
is "$(jq -r 'select(.symbol == "AAAUSDT" and .type == "snapshot") | .last_id' "$T/resync.ev" | tail -1)" \
    302 "resync: and takes the REST book, which reflects it"
start_sim decimals --replay "$T/resync.in" --rate 0
_i=0
while ! grep -q 'markets done' "$T/decimals.sim.err" && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
python3 - "$PORT" >"$T/decimals.out" <<'PY'
import sys, time, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
for path in ("/fapi/v1/depth?symbol=AAAUSDT&limit=5",
             "/v5/market/orderbook?category=linear&symbol=BBBUSDT&limit=5"):
    print(urllib.request.urlopen(base + path, timeout=10).read().decode())
PY
kill -TERM "$SIM"
wait "$SIM"
is "$(head -1 "$T/decimals.out")" \
    '{"lastUpdateId":302,"E":1400,"T":1400,"bids":[["0.12310","1.000"],["0.12300","7.000"]],"asks":[["0.12400","1.125"]]}' \
    "decimals: the REST book is the file's last, with its decimals and time"
is "$(tail -1 "$T/decimals.out" | sed 's/"time":[0-9]*/"time":T/')" \
    '{"retCode":0,"retMsg":"OK","result":{"s":"BBBUSDT","b":[["5.05","1"],["5.00","4"]],"a":[["5.40","4"]],"ts":1400,"u":21,"seq":601,"cts":1400},"retExtInfo":{},"time":T}' \
    "decimals: Bybit's too, with u and seq"

# 6. Bad input: bad lines are reported by number and skipped; an
# instrument without a snapshot is not served; other types are counted.
cat >"$T/bad.ev" <<EOF
{"type":"snapshot",$B,"time":1000,"last_id":10,"bids":[["1.50","2"]],"asks":[["1.60","3"]]}
not json
{"type":"depth",$B,"time":1100,"first_id":11,"last_id":12,"prev_id":10,"asks":[]}
{"type":"status","source":"mkt-feed","state":"connected"}
{"type":"depth","venue":"kraken","market":"spot","symbol":"XBTUSD","last_id":1,"bids":[],"asks":[]}
{"type":"depth",$Y,"last_id":1,"bids":[],"asks":[]}
{"type":"trade",$B,"time":1250,"id":5,"price":1.55,"qty":1,"side":"up"}
{"type":"depth",$B,"time":1300,"first_id":11,"last_id":16,"prev_id":10,"bids":[["1.55","0.5"],["x","1"]],"asks":[]}
{"type":"depth",$B,"time":1300,"first_id":11,"last_id":16,"prev_id":10,"bids":[["1.55","0.5"]],"asks":[]}
EOF
mkt-sim --replay "$T/bad.ev" --rate 0 --duration 1s -v --truth "$T/bad.truth" \
    2>"$T/bad.err"
is "$?" 0 "bad lines: mkt-sim runs"
is "$(grep -v -e 'lws:' -e 'listening on' -e 'served [0-9]' "$T/bad.err")" \
"mkt-sim: line 2: invalid JSON at byte 1: not a JSON object
mkt-sim: line 3: missing field 'bids'
mkt-sim: line 7: field 'side' is neither \"buy\" nor \"sell\"
mkt-sim: line 8: bids[1]: not a number
mkt-sim: replay '$T/bad.ev': bybit:linear:BBBUSDT has no snapshot: not served
mkt-sim: replay '$T/bad.ev': 9 lines, 1 instruments, 1 updates, 0 trades, 0 tickers; skipped: 4 bad lines, 1 of other types, 1 of other markets or symbols, 1 before a snapshot, 0 stale depth events
mkt-sim: markets done: 1 updates replayed" \
    "bad lines: reported by line, skipped, counted"
is "$(cat "$T/bad.truth")" \
    '{"type":"book","venue":"binance","market":"futures","symbol":"AAAUSDT","last_id":16,"bids":[[1.55,0.5],[1.5,2]],"asks":[[1.6,3]]}' \
    "bad lines: the good ones make the book"
mkt-sim --replay "$T/resync.in" --rate 0 --messages 2 --duration 1s \
    --truth "$T/msgs.truth" 2>"$T/msgs.err"
is "$(jq -r '"\(.symbol) \(.last_id)"' "$T/msgs.truth" | tr '\n' ' ')" \
    "AAAUSDT 110 BBBUSDT 12 " "--messages 2: two updates each, then stop"

# A value the simulator cannot hold exactly refuses the file.
printf '%s\n' "{\"type\":\"snapshot\",$Y,\"last_id\":1,\"bids\":[[\"5.1\",\"1\"]],\"asks\":[]}" \
    "{\"type\":\"depth\",$Y,\"last_id\":2,\"bids\":[[\"5.1\",\"0.000000001\"]],\"asks\":[]}" \
    >"$T/refuse.ev"
mkt-sim --replay "$T/refuse.ev" --duration 1s 2>"$T/refuse.err"
is "$?" 1 "refused: exit 1"
is "$(cat "$T/refuse.err")" \
    "mkt-sim: cannot replay '$T/refuse.ev': line 2: quantity '0.000000001' has more than 8 decimals" \
    "refused: the line and the value named"
printf '%s\n' "{\"type\":\"snapshot\",$Y,\"last_id\":1,\"bids\":[[\"123456789012.123456789\",\"1\"]],\"asks\":[]}" \
    >"$T/refuse2.ev"
mkt-sim --replay "$T/refuse2.ev" --duration 1s 2>"$T/refuse2.err"
is "$?:$(cat "$T/refuse2.err")" \
    "1:mkt-sim: cannot replay '$T/refuse2.ev': line 1: price '123456789012.123456789' is out of range (more than 64 bits at 9 decimals)" \
    "refused: a price too large"
: >"$T/empty.ev"
mkt-sim --replay "$T/empty.ev" --duration 1s 2>"$T/empty.err"
is "$?:$(cat "$T/empty.err")" \
    "1:mkt-sim: cannot replay '$T/empty.ev': no snapshot of a market and symbol served here" \
    "an empty file: nothing to serve"
for args in "--replay -" "--replay $T/bad.ev --seed 2" \
    "--replay $T/bad.ev --levels 5" "--replay-speed 2" \
    "--replay $T/bad.ev --replay-speed 0" \
    "--replay $T/bad.ev --replay-speed 1 --rate 5"; do
	mkt-sim $args >/dev/null 2>&1
	is "$?" 2 "usage error: $args"
done
done_testing
