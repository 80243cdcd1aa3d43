#!/bin/sh
# mkt-feed over TLS, against mkt-sim --tls on 127.0.0.1: the simulator's
# self-signed certificate is a CA for 127.0.0.1 and localhost and leaves
# no key behind; with it as --ca, the books rebuilt over wss:// and
# https:// through mkt-feed | mkt-book equal the simulator's truth, also
# with a gap and reconnections; without it, verification against the
# system's CAs fails, every connection is reported down with a reason and
# no market data ever comes out.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

for tool in python3 jq openssl; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok 1 - $tool is installed"
		echo "1..1"
		exit 1
	fi
done

MSGS=150
TARGETS="binance:spot:BTCUSDT binance:spot:ETHUSDT"
TARGETS="$TARGETS binance:futures:BTCUSDT bybit:linear:BTCUSDT"

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start_sim NAME ARGS...: a TLS simulator on a free port, its certificate
# in $T/NAME.ca.pem and its temporary files under $T/NAME.tmp; sets $SIM
# and $PORT.  (ARGS may hold --wait-clients: markets that start once
# mkt-feed has subscribed, so that it sees every step however slowly it
# starts.)
start_sim() {
	_name=$1
	shift
	rm -f "$T/$_name.port"
	mkdir -p "$T/$_name.tmp"
	TMPDIR=$T/$_name.tmp mkt-sim --tls --cert-file "$T/$_name.ca.pem" \
	    --port-file "$T/$_name.port" --symbols BTCUSDT,ETHUSDT \
	    --levels 300 --rate 100 --messages "$MSGS" --ping 2s \
	    --truth "$T/$_name.truth" "$@" 2>"$T/$_name.sim.err" &
	SIM=$!
	pids="$pids $SIM"
	wait_file "$T/$_name.port"
	PORT=$(cat "$T/$_name.port")
}

# stop_sim: SIGTERM to the simulator; sets $SIM_STATUS.
stop_sim() {
	kill -TERM "$SIM"
	wait "$SIM"
	SIM_STATUS=$?
}

# feed_start NAME CA TARGETS...: mkt-feed over TLS, trusting CA ("" for
# the system's CAs).  It writes to a FIFO (as into a pipe: each event at
# once) that cat copies to $T/NAME.ev, so that its progress shows.
feed_start() {
	_name=$1 _ca=$2
	shift 2
	u=127.0.0.1:$PORT
	rm -f "$T/$_name.fifo"
	mkfifo "$T/$_name.fifo"
	cat "$T/$_name.fifo" >"$T/$_name.ev" &
	_cat=$!
	MKT_BINANCE_SPOT_WS=wss://$u MKT_BINANCE_SPOT_REST=https://$u \
	MKT_BINANCE_FUTURES_WS=wss://$u MKT_BINANCE_FUTURES_REST=https://$u \
	MKT_BYBIT_WS=wss://$u MKT_BYBIT_REST=https://$u \
	    mkt-feed ${_ca:+--ca "$_ca"} --depth-limit 1000 "$@" \
	    >"$T/$_name.fifo" 2>"$T/$_name.err" &
	_feed=$!
	pids="$pids $_feed"
}

# feed_stop: SIGTERM to mkt-feed (sets $FEED_STATUS), then the simulator.
feed_stop() {
	kill -TERM "$_feed" 2>/dev/null
	wait "$_feed"
	FEED_STATUS=$?
	wait "$_cat"
	stop_sim
}

# feed NAME CA TARGETS...: mkt-feed over TLS until it has caught up with
# the simulator's final books (see caught-up.py), then both stopped.
feed() {
	feed_start "$@"
	shift 2
	check "$_name: mkt-feed catches up with the simulator" \
	    python3 "$TOP/tests/tools/caught-up.py" --ca "$_ca" \
	    "$T/$_name.sim.err" "https://$u" "$T/$_name.ev" "$@"
	feed_stop
}

# books_equal NAME N: the last books of N symbols equal the truth.
books_equal() {
	mkt-book --levels 0 --interval 1h <"$T/$1.ev" >"$T/$1.books"
	python3 - "$T/$1.truth" "$T/$1.books" "$2" <<'PY'
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
    if t is None:
        bad += 1
        print("# %s: not in the truth" % (k,))
        continue
    # Bybit streams a 200-level view: compare what both sides hold.
    n = min(len(e["bids"]), len(t["bids"]), 200)
    m = min(len(e["asks"]), len(t["asks"]), 200)
    if (e["last_id"] != t["last_id"] or
            levels(e["bids"])[:n] != levels(t["bids"])[:n] or
            levels(e["asks"])[:m] != levels(t["asks"])[:m]):
        bad += 1
        print("# %s: last_id %s vs %s" % (k, e["last_id"], t["last_id"]))
print("# %d books compared" % len(got))
sys.exit(1 if bad or len(got) != int(sys.argv[3]) else 0)
PY
}

# verify_cert FILE: OpenSSL takes the certificate, trusting itself, for a
# TLS server on 127.0.0.1, strictly.
verify_cert() {
	openssl verify -x509_strict -purpose sslserver -verify_ip 127.0.0.1 \
	    -CAfile "$1" "$1" >/dev/null
}

# count FILE JQ-FILTER: how many events of FILE the filter selects.
count() {
	jq -c "select($2)" "$1" | wc -l | tr -d ' '
}

# status NAME STATE [JQ-FILTER]: how many status events of that state
# (and filter) mkt-feed wrote in run NAME.
status() {
	count "$T/$1.ev" \
	    ".type == \"status\" and .state == \"$2\" and (${3:-true})"
}

# down_with_reason NAME: the venue:market of each connection reported
# disconnected with a reason in run NAME, on one line.
down_with_reason() {
	jq -r 'select(.type == "status" and .state == "disconnected" and
	    (.reason | length) > 0) | .venue + ":" + .market' "$T/$1.ev" |
	    sort -u | tr '\n' ' '
}

# The options.
mkt-sim --cert-file "$T/x.pem" >/dev/null 2>"$T/usage.err"
is "$?" 2 "--cert-file without --tls is a usage error"
check "the usage error says why" grep -q -- '--cert-file needs --tls' \
    "$T/usage.err"

# The certificate: its own CA, for the loopback address and localhost.
start_sim clean --wait-clients 3
check "--tls: listening with TLS" \
    grep -q "^mkt-sim: listening on 127.0.0.1:$PORT (TLS)\$" \
    "$T/clean.sim.err"
openssl x509 -in "$T/clean.ca.pem" -noout -text >"$T/cert.txt" 2>&1
check "--cert-file: a certificate for IP 127.0.0.1 and localhost" \
    grep -q 'IP Address:127.0.0.1, DNS:localhost' "$T/cert.txt"
check "--cert-file: a CA certificate" grep -q 'CA:TRUE' "$T/cert.txt"
check "--cert-file: signed with SHA-256" grep -q 'ecdsa-with-SHA256' \
    "$T/cert.txt"
check "--cert-file: it verifies as its own trust anchor" \
    verify_cert "$T/clean.ca.pem"
is "$(ls -A "$T/clean.tmp")" "" "--tls: no key left in TMPDIR once loaded"

# Clean run over wss:// and https://.
feed clean "$T/clean.ca.pem" $TARGETS
is "$FEED_STATUS" 0 "clean: SIGTERM ends mkt-feed with 0"
is "$SIM_STATUS" 0 "clean: SIGTERM ends mkt-sim with 0"
check "clean: books equal the simulator's truth" books_equal clean 4
is "$(status clean connected '.url | startswith("wss://")')" 3 \
    "clean: three wss:// connections"
is "$(status clean invalid)" 0 "clean: no invalid status"
check "clean: the snapshots came over https://" \
    grep -q '^mkt-sim: served [1-9][0-9]* REST requests' "$T/clean.sim.err"

# A gap and reconnections over TLS.
start_sim fault --wait-clients 3 --gap-at 40 --close-every 60
feed fault "$T/fault.ca.pem" $TARGETS
is "$FEED_STATUS" 0 "--gap-at 40 --close-every 60: mkt-feed exits 0"
check "--gap-at 40 --close-every 60: books equal the simulator's truth" \
    books_equal fault 4
check "--gap-at 40 --close-every 60: the gap is reported" \
    test "$(status fault invalid '.reason == "gap"')" -gt 0
check "--gap-at 40 --close-every 60: reconnected over TLS" \
    test "$(status fault connected)" -gt 4

# Without --ca the self-signed certificate is refused: every connection is
# reported down with a reason, none comes up, no data is trusted.
start_sim noca
feed_start noca "" $TARGETS
# Until each connection has been reported down with its reason.
all_down() {
	[ "$(down_with_reason noca 2>/dev/null)" = \
	    "binance:futures binance:spot bybit:linear " ]
}
wait_for all_down
feed_stop
is "$FEED_STATUS" 0 "no --ca: SIGTERM ends mkt-feed with 0"
is "$(down_with_reason noca)" "binance:futures binance:spot bybit:linear " \
    "no --ca: each connection reported disconnected with a reason"
is "$(status noca connected)" 0 "no --ca: no connection comes up"
is "$(count "$T/noca.ev" '.type != "status"')" 0 \
    "no --ca: no market data"
mkt-book --levels 0 --interval 1h <"$T/noca.ev" >"$T/noca.books"
is "$(count "$T/noca.books" '.type == "book"')" 0 "no --ca: no book event"
check "no --ca: no REST request reached the simulator" \
    grep -q '^mkt-sim: served 0 REST requests' "$T/noca.sim.err"
done_testing
