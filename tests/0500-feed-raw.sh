#!/bin/sh
# mkt-feed --raw: recorded raw venue messages through the same
# normalizers and sync procedure as live.  Real captures rebuild exactly;
# a snapshot recorded after the first depth events, a gap and bad frames
# are handled as the venues document.
. "$(dirname "$0")/lib.sh"

CF=$DATA/cryptofeed

# merge HTTP WS: the REST replies and the WebSocket frames of a capture
# in the order they were received (a stable sort on the receive time).
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

count() { jq -c "select($2)" "$1" | wc -l | tr -d ' '; }

for m in spot futures; do
	case $m in
	spot) f=BINANCE points=26 depth=172 ;;
	futures) f=BINANCE_FUTURES points=50 depth=752 ;;
	esac
	merge "$CF/$f.http.0.0" "$CF/$f.ws.1.0" >"$T/$m.raw"
	mkt-feed --raw "binance:$m" <"$T/$m.raw" >"$T/$m.ev" 2>"$T/$m.err"
	is "$?" 0 "$m: mkt-feed --raw exits 0"
	check "$m: nothing on stderr" test ! -s "$T/$m.err"
	is "$(count "$T/$m.ev" '.type == "snapshot"')" 4 "$m: one snapshot per symbol"
	is "$(count "$T/$m.ev" '.type == "depth"')" "$depth" \
	    "$m: $depth depth events continue the snapshots (stale ones dropped)"
	is "$(count "$T/$m.ev" '.type == "status"')" 0 "$m: no gap, no resync"
	# Per symbol the snapshot comes first, although it was recorded after
	# the first depth events.
	is "$(jq -r 'select(.type == "snapshot" or .type == "depth") | "\(.symbol) \(.type)"' "$T/$m.ev" |
	    awk '!seen[$1]++ { print $2 }' | sort -u)" snapshot \
	    "$m: each symbol starts with its snapshot"
	mkt-book --levels 1 <"$T/$m.ev" >"$T/$m.book"
	is "$(python3 "$TOP/tests/tools/check-tickers.py" "$T/$m.ev" "$T/$m.book")" \
	    "checked $points mismatches 0 missing 0" \
	    "$m: the $points bookTicker points equal the rebuilt book"
	is "$(count "$T/$m.book" '.type == "status"')" 0 \
	    "$m: mkt-book finds nothing wrong (no ticker_mismatch)"
done

# Bybit v5 (cryptofeed's JSONL records, linear and spot connections).
zstd -dc "$CF/BYBIT.jsonl.zst" | mkt-feed --raw bybit:linear >"$T/bybit.ev" 2>"$T/bybit.err"
is "$?" 0 "bybit: mkt-feed --raw exits 0"
is "$(jq -r 'select(.type == "depth") | "\(.market):\(.symbol)"' "$T/bybit.ev" |
    sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" \
    "linear:BTCUSDT=413 linear:DOGEUSDT=379 linear:ETHUSDT=420 linear:SOLUSDT=382 spot:BTCUSDT=299 spot:ETHUSDT=249 " \
    "bybit: every delta of the six streams"
is "$(count "$T/bybit.ev" '.type == "snapshot"')" 6 "bybit: one snapshot per stream"
mkt-book --levels 0 <"$T/bybit.ev" >"$T/bybit.book"
is "$(count "$T/bybit.book" '.type == "status"')" 0 "bybit: rebuilds with no gap"
is "$(jq -r 'select(.type == "book") | "\(.bids | length) \(.asks | length)"' "$T/bybit.book" | sort -u)" \
    "200 200" "bybit: every book holds 200 levels a side"

# A gap: one symbol resyncs from the next snapshot, the other flows on.
cat >"$T/gap.raw" <<'EOR'
{"e":"depthUpdate","E":1000,"s":"AAAUSDT","U":9,"u":12,"b":[["1.00","1"]],"a":[]}
https://api.binance.com/api/v3/depth?symbol=AAAUSDT&limit=1000 -> 1.5: {"lastUpdateId":10,"bids":[["1.00","5"]],"asks":[["1.10","5"]]}
https://api.binance.com/api/v3/depth?symbol=BBBUSDT&limit=1000 -> 1.6: {"lastUpdateId":100,"bids":[["2.00","5"]],"asks":[["2.10","5"]]}
{"e":"depthUpdate","E":1100,"s":"AAAUSDT","U":13,"u":14,"b":[["1.01","1"]],"a":[]}
{"e":"depthUpdate","E":1150,"s":"BBBUSDT","U":101,"u":101,"b":[["2.01","1"]],"a":[]}
{"e":"depthUpdate","E":1200,"s":"AAAUSDT","U":17,"u":18,"b":[["1.02","1"]],"a":[]}
{"e":"depthUpdate","E":1250,"s":"BBBUSDT","U":102,"u":103,"b":[["2.02","1"]],"a":[]}
{"e":"depthUpdate","E":1300,"s":"AAAUSDT","U":19,"u":20,"b":[["1.03","1"]],"a":[]}
https://api.binance.com/api/v3/depth?symbol=AAAUSDT&limit=1000 -> 1.7: {"lastUpdateId":15,"bids":[["1.00","5"]],"asks":[["1.10","5"]]}
https://api.binance.com/api/v3/depth?symbol=AAAUSDT&limit=1000 -> 1.8: {"lastUpdateId":19,"bids":[["1.00","6"]],"asks":[["1.10","5"]]}
not json at all
{"e":"depthUpdate","E":1400,"s":"AAAUSDT","U":21,"u":21,"b":[["x","1"]],"a":[]}
{"e":"depthUpdate","E":1500,"s":"AAAUSDT","U":21,"u":21,"b":[["1.04","1"]],"a":[]}
EOR
mkt-feed --raw binance:spot <"$T/gap.raw" >"$T/gap.ev" 2>"$T/gap.err"
is "$?" 0 "gap: exits 0"
is "$(jq -r '[.type, .symbol, (.last_id // ""), (.state // ""), (.reason // "")] | join(" ")' "$T/gap.ev" | tr '\n' ';')" \
"snapshot AAAUSDT 10  ;depth AAAUSDT 12  ;snapshot BBBUSDT 100  ;depth AAAUSDT 14  ;depth BBBUSDT 101  ;status AAAUSDT 14 invalid gap;status AAAUSDT  resyncing gap;depth BBBUSDT 103  ;status AAAUSDT 15 resyncing stale_snapshot;status AAAUSDT 19 synced ;snapshot AAAUSDT 19  ;depth AAAUSDT 20  ;depth AAAUSDT 21  ;" \
    "gap: AAAUSDT resyncs (a snapshot older than the held events is not used), BBBUSDT flows on"
is "$(sed 's/:.*//' "$T/gap.err" | sort -u)" "mkt-feed" "gap: bad frames reported"
is "$(grep -c 'line 1[12]:' "$T/gap.err")" 2 "gap: each bad frame named by its line"
mkt-book --levels 1 <"$T/gap.ev" >"$T/gap.book"
is "$(count "$T/gap.book" '.type == "status" and .source == "mkt-book"')" 0 \
    "gap: mkt-book never sees a broken stream"
done_testing
