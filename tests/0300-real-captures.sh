#!/bin/sh
# Real exchange captures (tests/data/cryptofeed): mkt-book and mkt-depth
# rebuild real Binance spot, Binance USD-M futures and Bybit v5 books
# exactly.  The captures are converted to mkt events by
# tests/tools/capture2events.py; the truth is the venue's own bookTicker
# (Binance: every ticker whose last_id equals a depth event's last_id must
# equal the rebuilt top of book), the facts in tests/data/cryptofeed/README.md
# and an independent exact-decimal rebuild in Python.
. "$(dirname "$0")/lib.sh"

# The tools this test needs are installed by .ci/run; a missing one is a
# failure, never a skip.
need_tools python3 jq zstd

CF=$DATA/cryptofeed
TOOLS=$TOP/tests/tools

# conv OUT ARGS...: convert a capture into OUT.
conv() { _o=$1; shift; python3 "$TOOLS/capture2events.py" "$@" >"$_o"; }

# run IN OUT CMD...: CMD <IN >OUT.
run() { _i=$1 _o=$2; shift 2; "$@" <"$_i" >"$_o"; }

# count FILE JQ-FILTER: the number of events of FILE the filter selects.
count() { jq -c "select($2)" "$1" | wc -l | tr -d ' '; }

# The lines a program did not consume, in order (every converted event
# starts with its "type"; pass-through lines must come out byte for byte).
unconsumed() { grep -v -E "^\{\"type\":\"($2)\"" "$1" || :; }

# books_before_synced FILE: book events of a symbol before its first
# synced status.
books_before_synced() {
	jq -r 'select(.type == "book" or (.type == "status" and .state == "synced"))
		| "\(.type) \(.venue)/\(.market)/\(.symbol)"' "$1" |
	awk '$1 == "status" { s[$2] = 1 } $1 == "book" && !s[$2] { n++ }
		END { print n + 0 }'
}

binance() { # MARKET FILE-PREFIX TICKER-POINTS BOOK-EVENTS A-CHECKED-TICKER-ID
	m=$1 f=$2 points=$3 nbooks=$4 bad=$5
	ev=$T/$m.events out=$T/$m.book

	# 1. As mkt-feed emits it: each symbol's snapshot first, then the
	#    depth events (stale ones included: the book must drop them).
	check "$m: convert (snapshot first)" conv "$ev" \
		--snapshot-first "binance-$m" "$CF/$f.http.0.0" "$CF/$f.ws.1.0"
	check "$m: mkt-book --levels 1 exits 0" run "$ev" "$out" mkt-book --levels 1
	is "$(python3 "$TOOLS/check-tickers.py" "$ev" "$out")" \
		"checked $points mismatches 0 missing 0" \
		"$m: $points bookTicker points equal the rebuilt top of book"
	is "$(count "$out" '.type == "status" and .state == "invalid"')" 0 \
		"$m: no invalid status"
	is "$(count "$out" '.type == "status" and .reason == "ticker_mismatch"')" 0 \
		"$m: mkt-book reports no ticker_mismatch"
	is "$(count "$out" '.type == "book"')" "$nbooks" \
		"$m: one book per snapshot and per applied depth event ($nbooks)"
	is "$(count "$out" '.type == "book" and ((.bids | length) > 1 or (.asks | length) > 1)')" 0 \
		"$m: --levels 1 gives at most one level a side"
	unconsumed "$ev" 'snapshot|depth' >"$T/$m.pass.want"
	unconsumed "$out" 'book|status' >"$T/$m.pass.got"
	is "$(grep -c '^{"type":"kline"' "$T/$m.pass.got")" \
		"$(grep -c '^{"type":"kline"' "$ev")" "$m: kline events all passed through"
	cmp_file "$T/$m.pass.got" "$T/$m.pass.want" \
		"$m: ticker, trade, kline events pass through unchanged, in order"

	# In the captures every bookTicker arrives before the depth event that
	# reaches its update id: mkt-book holds such a ticker until the book
	# reaches its id.  In capture order, and with each ticker moved just
	# after its depth event, it must check them and find them equal; one
	# corrupted ticker must give exactly one ticker_mismatch, either way.
	sed "/^{\"type\":\"ticker\".*\"last_id\":$bad}\$/s/\"bid_qty\":/&1/" \
		"$ev" >"$T/$m.bad0.events"
	run "$T/$m.bad0.events" "$T/$m.bad0.book" mkt-book --levels 1
	is "$(jq -r 'select(.type == "status" and .state == "invalid")
		| "\(.reason) \(.last_id)"' "$T/$m.bad0.book")" \
		"ticker_mismatch $bad" \
		"$m: a corrupted ticker ahead of its depth event gives one ticker_mismatch"
	evt=$T/$m.tad.events outt=$T/$m.tad.book
	check "$m: convert (tickers after their depth event)" conv "$evt" \
		--snapshot-first --tickers-after-depth \
		"binance-$m" "$CF/$f.http.0.0" "$CF/$f.ws.1.0"
	check "$m: tickers after depth: mkt-book --levels 1 exits 0" \
		run "$evt" "$outt" mkt-book --levels 1
	is "$(count "$outt" '.type == "status" and .state == "invalid"')" 0 \
		"$m: tickers after depth: no invalid status (no ticker_mismatch)"
	is "$(python3 "$TOOLS/check-tickers.py" "$evt" "$outt")" \
		"checked $points mismatches 0 missing 0" \
		"$m: tickers after depth: $points points"
	sed "/^{\"type\":\"ticker\".*\"last_id\":$bad}\$/s/\"bid_qty\":/&1/" \
		"$evt" >"$T/$m.bad.events"
	run "$T/$m.bad.events" "$T/$m.bad.book" mkt-book --levels 1
	is "$(jq -r 'select(.type == "status" and .state == "invalid")
		| "\(.reason) \(.last_id)"' "$T/$m.bad.book")" \
		"ticker_mismatch $bad" \
		"$m: a corrupted ticker gives one ticker_mismatch"

	# 2. In capture order: the REST snapshot arrives after the first depth
	#    events, which meet no book (one no_snapshot per symbol); from the
	#    snapshot on, the same checks hold.
	evc=$T/$m.cap.events outc=$T/$m.cap.book
	check "$m: convert (capture order)" conv "$evc" \
		"binance-$m" "$CF/$f.http.0.0" "$CF/$f.ws.1.0"
	check "$m: capture order: mkt-book --levels 1 exits 0" \
		run "$evc" "$outc" mkt-book --levels 1
	is "$(count "$outc" '.type == "status" and .state == "invalid" and .reason == "no_snapshot"')" 4 \
		"$m: capture order: one no_snapshot per symbol"
	is "$(count "$outc" '.type == "status" and .state == "invalid" and .reason != "no_snapshot"')" 0 \
		"$m: capture order: no other invalid status"
	is "$(count "$outc" '.type == "status" and .state == "synced"')" 4 \
		"$m: capture order: each symbol synced once"
	is "$(books_before_synced "$outc")" 0 \
		"$m: capture order: no book before its symbol is synced"
	is "$(python3 "$TOOLS/check-tickers.py" "$evc" "$outc")" \
		"checked $points mismatches 0 missing 0" \
		"$m: capture order: $points bookTicker points equal the book after synced"
	is "$(count "$outc" '.type == "book"')" "$nbooks" \
		"$m: capture order: $nbooks books"
}

binance spot BINANCE 26 176 499869769
binance futures BINANCE_FUTURES 50 756 600859632653

# Bybit v5: orderbook.200 snapshot then deltas (u + 1 each) for 4 linear
# and 2 spot symbols; books stay at exactly 200 levels a side.
ev=$T/bybit.events out=$T/bybit.book
check "bybit: convert" conv "$ev" bybit "$CF/BYBIT.jsonl.zst"
check "bybit: mkt-book --levels 0 exits 0" run "$ev" "$out" mkt-book --levels 0
is "$(count "$out" '.type == "status" and .state == "invalid"')" 0 \
	"bybit: no invalid status"
is "$(jq -r 'select(.type == "book") | "\(.market) \(.symbol)"' "$out" | sort | uniq -c |
	awk '{ print $2, $3, $1 }' | tr '\n' ';')" \
	"linear BTCUSDT 414;linear DOGEUSDT 380;linear ETHUSDT 421;linear SOLUSDT 383;spot BTCUSDT 300;spot ETHUSDT 250;" \
	"bybit: one book per snapshot and per delta"
is "$(jq -r 'select(.type == "book") | "\(.market) \(.symbol) \(.bids | length) \(.asks | length)"' "$out" |
	awk '{ last[$1 " " $2] = $3 " " $4 } END { for (k in last) print k, last[k] }' | sort | tr '\n' ';')" \
	"linear BTCUSDT 200 200;linear DOGEUSDT 200 200;linear ETHUSDT 200 200;linear SOLUSDT 200 200;spot BTCUSDT 200 200;spot ETHUSDT 200 200;" \
	"bybit: each final book has 200 levels a side"
is "$(count "$out" '.type == "book" and ((.bids | length) != 200 or (.asks | length) != 200)')" 0 \
	"bybit: every book has 200 levels a side"

# Every book event equals an independent exact rebuild (Python Decimal).
check "bybit: every book equals an exact Python rebuild" \
	python3 - "$ev" "$out" <<'EOF'
import json, sys
from decimal import Decimal
def rd(p):
    with open(p) as f:
        for l in f:
            yield json.loads(l, parse_float=Decimal, parse_int=Decimal)
books, want = {}, {}
for e in rd(sys.argv[1]):
    k = (e["market"], e["symbol"])
    if e["type"] == "snapshot":
        books[k] = [{}, {}]
    elif e["type"] != "depth":
        continue
    b = books[k]
    for side, lv in ((0, e["bids"]), (1, e["asks"])):
        for p, q in lv:
            if q == 0:
                b[side].pop(p, None)
            else:
                b[side][p] = q
    want.setdefault(k, []).append((int(e["last_id"]),
        sorted(b[0].items(), key=lambda x: -x[0]), sorted(b[1].items())))
got = {}
for e in rd(sys.argv[2]):
    if e["type"] == "book":
        got.setdefault((e["market"], e["symbol"]), []).append((int(e["last_id"]),
            [tuple(x) for x in e["bids"]], [tuple(x) for x in e["asks"]]))
bad = 0
for k in want:
    g, w = got.get(k, []), want[k]
    if len(g) != len(w):
        print("# %s: %d books, want %d" % (k, len(g), len(w)))
        bad += 1
    for i, (x, y) in enumerate(zip(g, w)):
        if x != y:
            print("# %s: book %d (last_id %s) differs from the rebuild (want last_id %s)"
                  % (k, i, x[0], y[0]))
            bad += 1
            break
sys.exit(1 if bad else 0)
EOF

unconsumed "$ev" 'snapshot|depth' >"$T/bybit.pass.want"
unconsumed "$out" 'book|status' >"$T/bybit.pass.got"
is "$(grep -c '^{"type":"kline"' "$T/bybit.pass.got")" \
	"$(grep -c '^{"type":"kline"' "$ev")" "bybit: kline events all passed through"
is "$(grep -c '^{"type":"raw"' "$T/bybit.pass.got")" \
	"$(grep -c '^{"type":"raw"' "$ev")" "bybit: raw (tickers) events all passed through"
cmp_file "$T/bybit.pass.got" "$T/bybit.pass.want" \
	"bybit: trade, kline, raw events pass through unchanged, in order"

# mkt-depth on the Binance captures: every bands event against the book
# from mkt-book --levels 0 at the same point, computed independently with
# exact decimals (band rule: bids >= best_bid * (1 - pct/100), asks <=
# best_ask * (1 + pct/100), inclusive), and the coverage of the last
# snapshot (coverage rounded to 4 decimals; complete exactly).
for m in spot futures; do
	ev=$T/$m.events
	check "$m: mkt-depth exits 0" run "$ev" "$T/$m.bands" mkt-depth
	check "$m: mkt-book --levels 0 exits 0" \
		run "$ev" "$T/$m.book0" mkt-book --levels 0
	is "$(count "$T/$m.bands" '.type == "status" and .state == "invalid"')" 0 \
		"$m: mkt-depth: no invalid status"
	check "$m: bands agree with the book (best, mid, band sums, coverage, exact)" \
		python3 - "$ev" "$T/$m.bands" "$T/$m.book0" <<'EOF'
import json, sys
from decimal import Decimal, localcontext
def rd(p, t):
    out = {}
    with open(p) as f:
        for l in f:
            e = json.loads(l, parse_float=Decimal, parse_int=Decimal)
            if e["type"] == t:
                out.setdefault((e["venue"], e["market"], e["symbol"]), []).append(e)
    return out
snaps = rd(sys.argv[1], "snapshot")
bands, books = rd(sys.argv[2], "bands"), rd(sys.argv[3], "book")
bad = n = 0
def err(msg):
    global bad
    bad += 1
    if bad <= 10:
        print("# " + msg)
if set(bands) != set(books):
    err("symbols differ: bands %s, books %s" % (sorted(bands), sorted(books)))
with localcontext() as c:
    c.prec = 200
    for k in books:
        bl, kl = bands.get(k, []), books[k]
        if len(bl) != len(kl):
            err("%s: %d bands events, %d books" % (k, len(bl), len(kl)))
        if len(snaps.get(k, [])) != 1:
            err("%s: want one snapshot" % (k,))
            continue
        deep_bid = min(p for p, q in snaps[k][0]["bids"])
        deep_ask = max(p for p, q in snaps[k][0]["asks"])
        for b, book in zip(bl, kl):
            n += 1
            where = "%s last_id %s" % ("/".join(k), book["last_id"])
            if "last_id" in b and b["last_id"] != book["last_id"]:
                err("%s: bands last_id %s" % (where, b["last_id"]))
                continue
            bb, ba = book["bids"][0][0], book["asks"][0][0]
            if b["best_bid"] != bb or b["best_ask"] != ba:
                err("%s: best %s/%s, book %s/%s"
                    % (where, b["best_bid"], b["best_ask"], bb, ba))
            if b["mid"] != (bb + ba) / 2:
                err("%s: mid %s" % (where, b["mid"]))
            cb = 100 * (bb - deep_bid) / bb
            ca = 100 * (deep_ask - ba) / ba
            if abs(b["coverage_bid"] - cb) > Decimal("0.00005") or \
               abs(b["coverage_ask"] - ca) > Decimal("0.00005"):
                err("%s: coverage %s/%s, want %s/%s" % (where, b["coverage_bid"],
                    b["coverage_ask"], round(cb, 6), round(ca, 6)))
            if [x["pct"] for x in b["bands"]] != \
               [Decimal(x) for x in ("1.5", "3", "5", "8", "15", "30")]:
                err("%s: default bands %s" % (where, [x["pct"] for x in b["bands"]]))
            for x in b["bands"]:
                pct = x["pct"]
                lo = bb * (1 - pct / 100)
                hi = ba * (1 + pct / 100)
                bq = sum((q for p, q in book["bids"] if p >= lo), Decimal(0))
                aq = sum((q for p, q in book["asks"] if p <= hi), Decimal(0))
                bv = sum((p * q for p, q in book["bids"] if p >= lo), Decimal(0))
                av = sum((p * q for p, q in book["asks"] if p <= hi), Decimal(0))
                if (x["bid_qty"], x["ask_qty"]) != (bq, aq):
                    err("%s pct %s: qty %s/%s, want %s/%s"
                        % (where, pct, x["bid_qty"], x["ask_qty"], bq, aq))
                if (x.get("bid_value"), x.get("ask_value")) != (bv, av):
                    err("%s pct %s: value %s/%s, want %s/%s" % (where, pct,
                        x.get("bid_value"), x.get("ask_value"), bv, av))
                if x.get("complete") is not (pct <= cb and pct <= ca):
                    err("%s pct %s: complete %s, coverage %s/%s" % (where, pct,
                        x.get("complete"), round(cb, 6), round(ca, 6)))
print("# %d bands events checked, %d mismatches" % (n, bad))
sys.exit(1 if bad or not n else 0)
EOF
done

done_testing
