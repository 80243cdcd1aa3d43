#!/bin/sh
# mkt-sim, the local exchange: real WebSocket handshakes and frames;
# Binance spot (U = previous u + 1) and futures (pu chaining) depth
# streams and Bybit v5 order books (snapshot, then deltas u + 1) that
# rebuild, from a REST snapshot taken mid-stream, exactly the final REST
# book and the --truth file; the faults (--gap-at, --rest-429,
# --close-every, --garbage-at, --shutdown-at, --bybit-snapshot-at, pings,
# --stall); and seeded runs that are identical.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then
	echo "not ok 1 - python3 is installed (apt-get install python3)"
	echo "1..1"
	exit 1
fi

WS=$TOP/tests/tools/ws-client.py
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The checks, on what the clients received (one message a line) and on
# REST answers; numbers compared as exact decimals.
cat >"$T/check.py" <<'PY'
import json, sys, urllib.error, urllib.request
from decimal import Decimal as D


def lines(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def messages(path):
    """(stream, payload) of each JSON message; combined ones unwrapped."""
    out = []
    for l in lines(path):
        if l.startswith("#"):
            continue
        m = json.loads(l)
        if "stream" in m and "data" in m:
            out.append((m["stream"], m["data"]))
        else:
            out.append(("", m))
    return out


def get(url, body_out):
    try:
        r = urllib.request.urlopen(url, timeout=10)
        st, hd, body = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        st, hd, body = e.code, e.headers, e.read()
    with open(body_out, "wb") as f:
        f.write(body)
    print(st, hd.get("retry-after", "-"), hd.get("x-mbx-used-weight-1m", "-"))


def depth_events(path, stream):
    return [d for s, d in messages(path)
            if s == stream and d.get("e") == "depthUpdate"]


def chain(kind, path):
    """Gaps per stream: spot U != prev u + 1, futures pu != prev u."""
    last, events, gaps = {}, 0, 0
    for s, d in messages(path):
        if d.get("e") != "depthUpdate":
            continue
        events += 1
        if s in last:
            if kind == "spot" and d["U"] != last[s] + 1:
                gaps += 1
            if kind == "futures" and d["pu"] != last[s]:
                gaps += 1
        if kind == "futures" and d["U"] <= d["pu"]:
            gaps += 1000
        last[s] = d["u"]
    print("streams %d events %d gaps %d" % (len(last), events, gaps))


def book_of(levels):
    return {D(p): D(q) for p, q in levels}


def apply(book, levels):
    for p, q in levels:
        if D(q) == 0:
            book.pop(D(p), None)
        else:
            book[D(p)] = D(q)


def same(bids, asks, want_bids, want_asks):
    return bids == book_of(want_bids) and asks == book_of(want_asks)


def rebuild(kind, snap, path, stream, final):
    """Binance's procedure from a mid-stream snapshot to the end."""
    s = json.load(open(snap))
    last = s["lastUpdateId"]
    bids, asks = book_of(s["bids"]), book_of(s["asks"])
    first, used = True, 0
    evs = depth_events(path, stream)
    if not evs or evs[0]["U"] > last + 1 or evs[-1]["u"] <= last:
        print("snapshot %d not within the stream" % last)
        return
    for d in evs:
        if d["u"] <= last if kind == "spot" else d["u"] < last:
            continue
        if first:
            ok = d["U"] <= last + 1 <= d["u"] if kind == "spot" else \
                d["U"] <= last <= d["u"]
        else:
            ok = d["U"] == last + 1 if kind == "spot" else d["pu"] == last
        if not ok:
            print("break at U=%d u=%d after %d" % (d["U"], d["u"], last))
            return
        first = False
        apply(bids, d["b"])
        apply(asks, d["a"])
        last = d["u"]
        used += 1
    f = json.load(open(final))
    print("applied %s final %s" % (
        "some" if used > 10 else used,
        "equal" if same(bids, asks, f["bids"], f["asks"]) and
        f["lastUpdateId"] == last else "differ"))


def bybit(path, topic, final, depth):
    """ack, snapshot, deltas u + 1; the rebuilt top equals REST's."""
    acks = snaps = deltas = gaps = 0
    bids, asks, last = {}, {}, None
    for s, m in messages(path):
        if "op" in m:
            acks += m.get("success") is True
            continue
        if m.get("topic") != topic:
            continue
        d = m["data"]
        if m["type"] == "snapshot":
            snaps += 1
            bids, asks = book_of(d["b"]), book_of(d["a"])
        else:
            deltas += 1
            gaps += d["u"] != last + 1
            apply(bids, d["b"])
            apply(asks, d["a"])
        last = d["u"]
    r = json.load(open(final))["result"]
    eq = same(bids, asks, r["b"], r["a"]) and r["u"] == last and \
        len(bids) <= int(depth) and len(asks) <= int(depth)
    print("acks %d snapshots %d deltas %s gaps %d final %s" % (
        acks, snaps, "some" if deltas > 10 else deltas, gaps,
        "equal" if eq else "differ"))


def bybit_gaps(path):
    last, gaps, types = None, 0, []
    for s, m in messages(path):
        if "topic" not in m:
            continue
        types.append(m["type"])
        u = m["data"]["u"]
        if last is not None and u != last + 1:
            gaps += 1
        last = u
    print("gaps %d first %s" % (gaps, ",".join(types[:6])))


def truth(path, *finals):
    """Every line a book; the named books equal the final REST ones."""
    books = {}
    for l in lines(path):
        b = json.loads(l, parse_float=D)
        assert b["type"] == "book", b["type"]
        books[(b["venue"], b["market"], b["symbol"])] = b
    ok = 0
    for spec in finals:
        key, file = spec.split("=")
        b = books[tuple(key.split(":"))]
        f = json.load(open(file))
        f = f.get("result", f)
        fb, fa = f.get("bids", f.get("b")), f.get("asks", f.get("a"))
        lid = f.get("lastUpdateId", f.get("u"))
        tb = {D(str(p)): D(str(q)) for p, q in b["bids"]}
        ta = {D(str(p)): D(str(q)) for p, q in b["asks"]}
        ok += same(tb, ta, fb, fa) and b["last_id"] == lid
    print("books %d equal %d" % (len(books), ok))


def shape(path):
    """One word a line: json, garbage, shutdown, ping, close CODE."""
    for l in lines(path):
        if l.startswith("#close"):
            print("close " + l.split()[1])
        elif l.startswith("#ping"):
            continue
        else:
            try:
                m = json.loads(l)
            except ValueError:
                print("garbage")
                continue
            print("shutdown" if m.get("e") == "serverShutdown" else "json")


globals()[sys.argv[1]](*sys.argv[2:])
PY
chk() { python3 "$T/check.py" "$@"; }

# start_sim NAME ARGS...: mkt-sim on a free port; waits for the port
# file; sets $port and pid_NAME.
start_sim() {
	_name=$1
	shift
	mkt-sim --port-file "$T/$_name.port" "$@" 2>"$T/$_name.err" &
	_pid=$!
	pids="$pids $_pid"
	eval "pid_$_name=$_pid"
	_i=0
	while [ ! -s "$T/$_name.port" ] && [ "$_i" -lt 400 ] &&
	    kill -0 "$_pid" 2>/dev/null; do
		sleep 0.05
		_i=$((_i + 1))
	done
	port=$(cat "$T/$_name.port" 2>/dev/null)
	if [ -z "$port" ]; then
		echo "not ok $((_n + 1)) - mkt-sim $_name starts"
		sed 's/^/# /' "$T/$_name.err"
		echo "1..$((_n + 1))"
		exit 1
	fi
}

# wait_for FILE PATTERN: until a line of FILE matches (at most 30 s).
wait_for() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ "$_i" -lt 600 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}

# stop_sim NAME: SIGTERM; it must exit 0 (and, sanitized, cleanly).
stop_sim() {
	eval "_pid=\$pid_$1"
	kill -TERM "$_pid"
	wait "$_pid"
	is "$?" 0 "$1: SIGTERM: exit 0"
}

ws() { python3 "$WS" "$@"; }
differ() { ! cmp -s "$1" "$2"; }
lacks() { ! grep -q "$1" "$2"; }

# --- command line -------------------------------------------------------

mkt-sim --help >"$T/help" 2>&1
is "$?" 0 "--help exits 0"
check "--help shows the usage" grep -q '^usage: mkt-sim ' "$T/help"
mkt-sim --rate fast 2>"$T/err"
is "$?" 2 "a bad --rate is a usage error"
is "$(head -n 1 "$T/err")" \
	"mkt-sim: bad --rate 'fast': want a whole number up to 100000" \
	"the usage error names the option"
mkt-sim --markets binance:margin 2>/dev/null
is "$?" 2 "an unknown market is a usage error"
is "$(mkt-sim --version)" "mkt-sim 0.1.0" "--version"

# --- the generated market, end to end -----------------------------------

start_sim main --symbols BTCUSDT,ETHUSDT --levels 200 --rate 100 \
	--messages 300 --wait-clients 3 --seed 11 --truth "$T/truth" \
	--hold-at 100
check "listening on the port it wrote" \
	grep -q "^mkt-sim: listening on 127.0.0.1:$port\$" "$T/main.err"
B=http://127.0.0.1:$port
# Three clients (the markets start when all three have subscribed), each
# until every message of the 300 updates came: one a stream and update,
# and Bybit's ack and first snapshot.  The markets hold after 100
# updates for the REST snapshots, mid-stream however slow the machine;
# SIGUSR1 lets them go on.
ws "ws://127.0.0.1:$port/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms" \
	--count 600 --timeout 120 >"$T/spot.ws" &
c1=$!
ws "ws://127.0.0.1:$port/public/stream?streams=btcusdt@depth@100ms" \
	--count 300 --timeout 120 >"$T/fut.ws" &
c2=$!
ws "ws://127.0.0.1:$port/v5/public/linear" --count 302 --timeout 120 \
	--send '{"op":"subscribe","args":["orderbook.50.BTCUSDT"],"req_id":"r1"}' \
	>"$T/bybit.ws" &
c3=$!
wait_for "$T/main.err" '^mkt-sim: markets held at 100 updates$'
chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=5000" "$T/spot.snap" >"$T/h1"
chk get "$B/fapi/v1/depth?symbol=BTCUSDT&limit=1000" "$T/fut.snap" >"$T/h2"
kill -USR1 "$pid_main"
is "$(cat "$T/h1")" "200 - 250" "spot REST depth: 200, weight 250 (limit 5000)"
is "$(cat "$T/h2")" "200 - 20" "futures REST depth: 200, weight 20 (limit 1000)"
wait_for "$T/main.err" '^mkt-sim: markets done: 300 updates each$'
check "--messages: the markets stop" \
	grep -q '^mkt-sim: markets done: 300 updates each$' "$T/main.err"
wait $c1 $c2 $c3
# The markets stopped after 300 updates: these are the final books.
chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=5000" "$T/spot.final" >/dev/null
chk get "$B/api/v3/depth?symbol=ETHUSDT&limit=5000" "$T/eth.final" >/dev/null
chk get "$B/fapi/v1/depth?symbol=BTCUSDT&limit=1000" "$T/fut.final" >/dev/null
chk get "$B/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=50" \
	"$T/bybit.final" >/dev/null
chk get "$B/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=1000" \
	"$T/bybit.full" >/dev/null

check "combined stream: every message wrapped with its stream name" \
	test "$(grep -c '^{"stream":"[a-z]*usdt@depth@100ms","data":{"e":"depthUpdate"' \
	"$T/spot.ws")" -eq "$(wc -l <"$T/spot.ws")"
is "$(chk chain spot "$T/spot.ws" | sed 's/events [0-9]*/events N/')" \
	"streams 2 events N gaps 0" "spot: U = previous u + 1 throughout"
is "$(chk chain futures "$T/fut.ws" | sed 's/events [0-9]*/events N/')" \
	"streams 1 events N gaps 0" "futures: pu = previous u, U > pu"
is "$(chk rebuild spot "$T/spot.snap" "$T/spot.ws" btcusdt@depth@100ms \
	"$T/spot.final")" "applied some final equal" \
	"spot: mid-stream snapshot + stream = final REST book"
is "$(chk rebuild futures "$T/fut.snap" "$T/fut.ws" btcusdt@depth@100ms \
	"$T/fut.final")" "applied some final equal" \
	"futures: mid-stream snapshot + stream = final REST book"
is "$(chk bybit "$T/bybit.ws" orderbook.50.BTCUSDT "$T/bybit.final" 50)" \
	"acks 1 snapshots 1 deltas some gaps 0 final equal" \
	"bybit: ack, snapshot, deltas u+1 = final REST top 50"
check "bybit: the ack echoes req_id" grep -q \
	'^{"success":true,"ret_msg":"","conn_id":"[^"]*","req_id":"r1","op":"subscribe"}$' \
	"$T/bybit.ws"

stop_sim main
is "$(chk truth "$T/truth" "binance:spot:BTCUSDT=$T/spot.final" \
	"binance:spot:ETHUSDT=$T/eth.final" \
	"binance:futures:BTCUSDT=$T/fut.final" \
	"bybit:linear:BTCUSDT=$T/bybit.full")" "books 8 equal 4" \
	"--truth at SIGTERM: 8 books, equal to the final REST books"
check "the summary counts REST requests and weight" grep -q \
	'^mkt-sim: served 7 REST requests, weight 790, peak weight/min 750$' \
	"$T/main.err"

# --- seeded runs --------------------------------------------------------

for run in a b c; do
	seed=5
	[ "$run" = c ] && seed=6
	start_sim "seed$run" --rate 0 --messages 500 --levels 300 \
		--seed "$seed" --truth "$T/seed.$run"
	wait_for "$T/seed$run.err" 'markets done'
	stop_sim "seed$run"
done
cmp_file "$T/seed.b" "$T/seed.a" "same seed and --messages: same truth"
check "another seed: another market" differ "$T/seed.a" "$T/seed.c"

# --- faults -------------------------------------------------------------

start_sim gap --symbols BTCUSDT --levels 50 --rate 100 --gap-at 5 \
	--rest-429 2 --rest-418 1 --retry-after 7
ws "ws://127.0.0.1:$port/ws/btcusdt@depth" --count 20 >"$T/gap.spot"
ws "ws://127.0.0.1:$port/public/ws/btcusdt@depth@100ms" --count 20 \
	>"$T/gap.fut"
ws "ws://127.0.0.1:$port/v5/public/spot" --count 22 \
	--send '{"op":"subscribe","args":["orderbook.200.BTCUSDT"]}' \
	>"$T/gap.bybit"
is "$(chk chain spot "$T/gap.spot")" "streams 1 events 20 gaps 1" \
	"--gap-at: one id jump on a spot stream"
is "$(chk chain futures "$T/gap.fut")" "streams 1 events 20 gaps 1" \
	"--gap-at: one pu break on a futures stream"
is "$(chk bybit_gaps "$T/gap.bybit")" \
	"gaps 1 first snapshot,delta,delta,delta,delta,delta" \
	"--gap-at: one u jump on a Bybit stream"
ws "ws://127.0.0.1:$port/ws/btcusdt@depth" --count 20 >"$T/gap.again"
is "$(chk chain spot "$T/gap.again")" "streams 1 events 20 gaps 0" \
	"--gap-at fires once a stream"
B=http://127.0.0.1:$port
is "$(chk get "$B/api/v3/depth?symbol=BTCUSDT" "$T/r1")" "429 7 0" \
	"--rest-429: 429 with Retry-After"
check "the 429 body is Binance's -1003" grep -q '"code":-1003' "$T/r1"
is "$(chk get "$B/api/v3/depth?symbol=BTCUSDT" "$T/r2")" "429 7 0" \
	"--rest-429 2: the second request too"
is "$(chk get "$B/api/v3/depth?symbol=BTCUSDT" "$T/r3")" "418 7 0" \
	"--rest-418 1: then a 418 with Retry-After"
is "$(chk get "$B/api/v3/depth?symbol=BTCUSDT" "$T/r4")" "200 - 5" \
	"then the snapshot, weight 5"
stop_sim gap

# The IP weight limit: a request past it gets 429 with the seconds until
# it fits; asking again within them is a 418 ban.  Limit 100: two
# 50-weight snapshots fit, the third does not.  Requests within
# --limit-grace of the 429 (an hour here: "as the 429 went out" on any
# machine) get 429 too.
start_sim limit --symbols BTCUSDT --levels 50 --rate 100 --weight-limit 100 \
	--limit-grace 1h
B=http://127.0.0.1:$port
is "$(chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=1000" "$T/l1")" "200 - 50" \
	"--weight-limit: the first 50 fit"
is "$(chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=1000" "$T/l2")" "200 - 100" \
	"--weight-limit: the next 50 reach the limit"
chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=1000" "$T/l3" >"$T/l3.h"
check "--weight-limit: past it, 429 with a Retry-After up to a minute" \
	awk '$1 == 429 && $2 >= 1 && $2 <= 61 && $3 == 100 { ok = 1 } END { exit !ok }' "$T/l3.h"
check "the limit's 429 body is Binance's -1003" grep -q '"code":-1003' "$T/l3"
chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=5" "$T/l3b" >"$T/l3b.h"
check "--weight-limit: a request sent as the 429 went out: 429 too" \
	awk '$1 == 429 { ok = 1 } END { exit !ok }' "$T/l3b.h"
is "$(chk get "$B/fapi/v1/ping" "$T/l5")" "200 - 1" \
	"--weight-limit: futures counts its own weight"
stop_sim limit
check "the summary counts the limit's answers" grep -q \
	'^mkt-sim: weight limit: 2 answered 429, 0 answered 418$' "$T/limit.err"
# Past the grace (none here), asking again within Retry-After is a ban.
start_sim ban --symbols BTCUSDT --levels 50 --rate 100 --weight-limit 100 \
	--limit-grace 0
B=http://127.0.0.1:$port
chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=1000" "$T/b1" >"$T/b1.h"
chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=1000" "$T/b2" >"$T/b2.h"
chk get "$B/api/v3/depth?symbol=BTCUSDT&limit=1000" "$T/b3" >"$T/b3.h"
is "$(cut -d' ' -f1 "$T/b1.h" "$T/b2.h" "$T/b3.h" | tr '\n' ' ')" \
	"200 200 429 " "--limit-grace 0: two fit, the third is a 429"
chk get "$B/api/v3/ping" "$T/l4" >"$T/l4.h"
check "--weight-limit: asking again within Retry-After: 418 ban" \
	awk '$1 == 418 && $2 >= 100 && $2 <= 120 { ok = 1 } END { exit !ok }' "$T/l4.h"
stop_sim ban
check "the summary counts the ban" grep -q \
	'^mkt-sim: weight limit: 1 answered 429, 1 answered 418$' "$T/ban.err"

start_sim conn --symbols BTCUSDT --levels 20 --rate 100 --close-every 10 \
	--garbage-at 3 --shutdown-at 6 --bybit-snapshot-at 3
ws "ws://127.0.0.1:$port/ws/btcusdt@depth" --control --timeout 5 \
	>"$T/conn.spot"
is "$(chk shape "$T/conn.spot" | tr '\n' ' ')" \
	"json json garbage json json json json shutdown json json json json close 1001 " \
	"garbage before message 3, serverShutdown after 6, closed after 10"
ws "ws://127.0.0.1:$port/v5/public/linear" --count 6 \
	--send '{"op":"subscribe","args":["orderbook.50.BTCUSDT"]}' \
	>"$T/conn.bybit"
is "$(chk bybit_gaps "$T/conn.bybit")" \
	"gaps 0 first snapshot,delta,delta,snapshot,delta" \
	"--bybit-snapshot-at 3: a snapshot in place of the third delta"
ws "ws://127.0.0.1:$port/v5/public/linear" --count 1 \
	--send '{"op":"ping","req_id":"p1"}' >"$T/conn.ping"
check "bybit ping: pong" grep -q \
	'^{"success":true,"ret_msg":"pong","conn_id":"[^"]*","req_id":"p1","op":"ping"}$' \
	"$T/conn.ping"
ws "ws://127.0.0.1:$port/ws/nosuch@depth" --count 1 2>"$T/conn.404"
is "$?" 1 "an unknown stream is refused"
check "with 404" grep -q '404' "$T/conn.404"
stop_sim conn

# The markets hold while a client subscribes and lists its streams, so
# that both answers come before any update however the two frames
# arrive; then they go on.
start_sim sub --symbols BTCUSDT --levels 20 --rate 100 --hold-at 1
wait_for "$T/sub.err" '^mkt-sim: markets held at 1 updates$'
ws "ws://127.0.0.1:$port/ws" --count 3 --timeout 60 \
	--send '{"method":"SUBSCRIBE","params":["btcusdt@depth"],"id":7}' \
	--send '{"method":"LIST_SUBSCRIPTIONS","id":"x"}' >"$T/conn.sub" &
c1=$!
wait_for "$T/conn.sub" '"id":"x"'
kill -USR1 "$pid_sub"
wait $c1
is "$(head -n 2 "$T/conn.sub" | tr '\n' ' ')" \
	'{"result":null,"id":7} {"result":["btcusdt@depth"],"id":"x"} ' \
	"SUBSCRIBE and LIST_SUBSCRIPTIONS answered"
check "then the subscribed stream" grep -q '"e":"depthUpdate"' "$T/conn.sub"
stop_sim sub

start_sim ping --symbols BTCUSDT --levels 20 --rate 5 --ping 200ms \
	--pong-timeout 1500ms
ws "ws://127.0.0.1:$port/public/ws/btcusdt@depth" --control --no-pong \
	--timeout 5 >"$T/ping.none"
check "server pings" grep -q '^#ping ' "$T/ping.none"
is "$(tail -n 1 "$T/ping.none")" "#close 1008 no pong" \
	"no pong: dropped with 1008"
ws "ws://127.0.0.1:$port/public/ws/btcusdt@depth" --control --timeout 2.5 \
	>"$T/ping.ok"
check "a client that pongs stays" lacks '^#close' "$T/ping.ok"
stop_sim ping

start_sim stall --symbols BTCUSDT --levels 20 --stall
ws "ws://127.0.0.1:$port/ws/btcusdt@depth" --count 1 --timeout 1 >/dev/null
is "$?" 3 "--stall: the handshake completes, nothing is sent"
is "$(chk get "http://127.0.0.1:$port/api/v3/depth?symbol=BTCUSDT&limit=5" \
	"$T/stall.snap")" "200 - 5" "--stall: REST still answers"
stop_sim stall

done_testing
