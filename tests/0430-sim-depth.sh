#!/bin/sh
# The offline demo is worth watching: mkt-sim's generated books reach
# past 30 % of the price and thin out away from the best, so that
# mkt-sim | mkt-feed | mkt-depth (with mkt-feed's defaults, as in the
# README's offline command) gives six different bands, complete to 15 %
# after a 5000-level Binance spot snapshot; the REST snapshots stop where
# the venues' do (Binance spot 5000, USD-M futures 1000 of a fixed set of
# limits, Bybit 1000); --offset puts one venue's prices above another's.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

TARGETS="binance:spot:BTCUSDT binance:futures:BTCUSDT bybit:linear:BTCUSDT"

mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 20 \
    --offset bybit:linear=100 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/port" || exit 1
u=127.0.0.1:$(cat "$T/port")
B=http://$u

# mkt-feed gets the environment of the README's offline command.
MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u
MKT_BINANCE_FUTURES_WS=ws://$u MKT_BINANCE_FUTURES_REST=http://$u
MKT_BYBIT_WS=ws://$u MKT_BYBIT_REST=http://$u
export MKT_BINANCE_SPOT_WS MKT_BINANCE_SPOT_REST MKT_BINANCE_FUTURES_WS \
    MKT_BINANCE_FUTURES_REST MKT_BYBIT_WS MKT_BYBIT_REST

# get URL OUT: the body to OUT; prints "STATUS WEIGHT".
get() {
	curl -s -o "$2" -D "$2.h" "$1"
	awk 'NR == 1 { st = $2 }
	    tolower($1) == "x-mbx-used-weight-1m:" { w = $2 + 0 }
	    END { print st, (w == "" ? "-" : w) }' "$2.h" | tr -d '\r'
}

# jqtrue ARGS...: jq -e, quiet.
jqtrue() {
	jq -e "$@" >/dev/null
}

# --- the venues' snapshot limits --------------------------------------
get "$B/api/v3/depth?symbol=BTCUSDT&limit=5000" "$T/s1" >"$T/s1.st"
is "$(cut -d' ' -f1 "$T/s1.st") $(jq -c '[(.bids|length), (.asks|length)]' "$T/s1")" \
	"200 [5000,5000]" "Binance spot: 5000 levels a side"
get "$B/api/v3/depth?symbol=BTCUSDT&limit=9000" "$T/s2" >"$T/s2.st"
is "$(cut -d' ' -f1 "$T/s2.st") $(jq -c '[(.bids|length), (.asks|length)]' "$T/s2")" \
	"200 [5000,5000]" "Binance spot: a limit over 5000 returns 5000"
w1=$(cut -d' ' -f2 "$T/s1.st") w2=$(cut -d' ' -f2 "$T/s2.st")
is "$((w2 - w1))" 250 "Binance spot: 5000 levels weigh 250"
get "$B/fapi/v1/depth?symbol=BTCUSDT&limit=1000" "$T/f1" >"$T/f1.st"
is "$(cut -d' ' -f1 "$T/f1.st") $(jq -c '[(.bids|length), (.asks|length)]' "$T/f1")" \
	"200 [1000,1000]" "Binance futures: 1000 levels a side"
for lim in 5000 2000 200 7; do
	get "$B/fapi/v1/depth?symbol=BTCUSDT&limit=$lim" "$T/f$lim" >"$T/f$lim.st"
	is "$(cut -d' ' -f1 "$T/f$lim.st") $(jq -c .code "$T/f$lim")" "400 -1130" \
		"Binance futures: limit $lim is not one of the venue's: -1130"
done
get "$B/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=1000" \
	"$T/y1" >/dev/null
is "$(jq -c '[.retCode, (.result.b|length), (.result.a|length)]' "$T/y1")" \
	"[0,1000,1000]" "Bybit: 1000 levels a side"
get "$B/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=5000" \
	"$T/y2" >/dev/null
is "$(jq -c '[.retCode, (.result.b|length)]' "$T/y2")" "[0,1000]" \
	"Bybit: a limit over 1000 returns 1000"

# What mkt-feed asks for by default: the deepest each venue gives.
mkt-feed --rest --once $TARGETS >"$T/rest.ev" 2>"$T/rest.err"
is "$(jq -r 'select(.type == "snapshot") | "\(.venue):\(.market) \(.bids|length) \(.asks|length)"' \
	"$T/rest.ev" | sort | tr '\n' ';')" \
	"binance:futures 1000 1000;binance:spot 5000 5000;bybit:linear 1000 1000;" \
	"mkt-feed --rest: by default the deepest snapshot of each venue"

# --- the pipeline ------------------------------------------------------
# mkt-feed streams into a FIFO that cat copies to a file (each event
# written at once, as into a pipe); mkt-depth reads the file until every
# market has bands.
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/ev" &
CAT=$!
mkt-feed $TARGETS >"$T/fifo" 2>"$T/feed.err" &
FEED=$!
markets_with_bands() {
	mkt-depth --no-pass <"$T/ev" 2>/dev/null |
	    jq -r '"\(.venue):\(.market)"' 2>/dev/null | sort -u | tr '\n' ' '
}
all_bands() {
	[ "$(markets_with_bands)" = \
	    "binance:futures binance:spot bybit:linear " ]
}
check "every market gets bands" wait_for all_bands
kill -TERM "$FEED"
wait "$FEED"
wait "$CAT"
kill -TERM "$SIM"
wait "$SIM"
is "$?" 0 "mkt-sim: SIGTERM, exit 0"

# The last complete line of each market's bands.
mkt-depth --no-pass <"$T/ev" 2>/dev/null | jq -c 'select(.type == "bands")' \
	>"$T/bands"
last() {
	grep "\"venue\":\"$1\",\"market\":\"$2\"" "$T/bands" | tail -n 1
}
last binance spot >"$T/spot"
last binance futures >"$T/fut"
last bybit linear >"$T/bybit"

is "$(jq -c '[.bands[] | .pct]' "$T/spot")" "[1.5,3,5,8,15,30]" \
	"spot: mkt-depth's six bands"
is "$(jq -c '[.bands[] | .complete]' "$T/spot")" \
	"[true,true,true,true,true,false]" \
	"spot: after the 5000-level snapshot, 1.5 to 15 % complete, 30 % not"
is "$(jq '[.bands[] | .bid_qty] as $b | [.bands[] | .ask_qty] as $a |
	[range(1; 6) | select($b[.] > $b[. - 1] and $a[.] > $a[. - 1])] |
	length' "$T/spot")" 5 \
	"spot: each band holds more than the one inside it, both sides"
check "spot: the snapshot reaches past 15 % on both sides" \
	jqtrue '.coverage_bid > 15 and .coverage_ask > 15 and
	    .coverage_bid < 30 and .coverage_ask < 30' "$T/spot"
is "$(jq -c '[.bands[] | .complete]' "$T/fut")" \
	"[true,false,false,false,false,false]" \
	"futures: a 1000-level snapshot completes 1.5 % only"
check "--offset bybit:linear=100: Bybit's mid 1 % above Binance spot's" \
	jqtrue -n --slurpfile s "$T/spot" --slurpfile y "$T/bybit" \
	    '($y[0].mid / $s[0].mid) as $r | $r > 1.0095 and $r < 1.0105'
check "without --offset, futures and spot start at the same price" \
	jqtrue -n --slurpfile s "$T/spot" --slurpfile f "$T/fut" \
	    '($f[0].mid / $s[0].mid) as $r | $r > 0.9995 and $r < 1.0005'

# --- usage ---------------------------------------------------------------
mkt-sim --offset bybit:inverse=5 2>"$T/u1"
is "$?" 2 "--offset: an unknown market is a usage error"
is "$(head -n 1 "$T/u1")" \
	"mkt-sim: bad --offset 'bybit:inverse=5': want MARKET[:SYMBOL]=BPS, MARKET one of binance:spot, binance:futures, bybit:linear, bybit:spot" \
	"... naming the markets"
mkt-sim --offset binance:spot=5001 2>"$T/u2"
is "$?" 2 "--offset: beyond 5000 basis points is a usage error"
mkt-sim --offset binance:spot=10 --replay "$T/ev" 2>"$T/u3"
is "$?" 2 "--offset does not apply to --replay"

done_testing
