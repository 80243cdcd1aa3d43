#!/bin/sh
# Polymarket books through the programs every venue's books go through,
# unchanged: mkt-depth's percent bands on a 0-1 price scale (around a
# price of 0.5 a band of 2% is about a cent), mkt-diff's imbalance of
# them, and mkt-journal's history and queries for symbols that are
# 76-digit token ids.
. "$(dirname "$0")/lib.sh"

Y=1111111111111111111111111111111111111111111111111111111111111111111111111111
N=2222222222222222222222222222222222222222222222222222222222222222222222222222

# One book, mid 0.5: bids 0.49 (10), 0.48 (20), 0.45 (100); asks 0.51
# (30), 0.52 (40), 0.55 (300).  A band of P% reaches P% away from the
# best price on its side: 2% of 0.49 is 0.4802, of 0.51 is 0.5202.
printf '{"event_type":"book","asset_id":"%s","market":"0xab","timestamp":"1700000000000","hash":"x","bids":[{"price":"0.45","size":"100"},{"price":"0.48","size":"20"},{"price":"0.49","size":"10"}],"asks":[{"price":"0.55","size":"300"},{"price":"0.52","size":"40"},{"price":"0.51","size":"30"}]}\n' "$Y" |
    mkt-feed --raw polymarket:clob | mkt-depth --bands 2,5,10 >"$T/bands" 2>"$T/bands.err"
is "$?" 0 "mkt-depth exits 0"
check "nothing on stderr" test ! -s "$T/bands.err"
is "$(jq -c '[.best_bid, .best_ask, .mid]' "$T/bands")" "[0.49,0.51,0.5]" \
    "best bid, best ask and mid on the 0-1 scale"
is "$(jq -c '[.bands[] | [.pct, .bid_qty, .ask_qty, .bid_value, .ask_value, .complete]]' "$T/bands")" \
    "[[2,10,70,4.9,36.1,true],[5,30,70,14.5,36.1,true],[10,130,370,59.5,201.1,false]]" \
    "2%: 0.49 and 0.51-0.52; 5%: down to 0.4655 and up to 0.5355; 10% is past the book (incomplete)"
is "$(jq -c '[.coverage_bid, .coverage_ask]' "$T/bands")" "[8.1633,7.8431]" \
    "coverage: the deepest level's distance in percent (0.45 from 0.49, 0.55 from 0.51)"

mkt-diff <"$T/bands" >"$T/imb"
is "$(jq -c 'select(.type == "imbalance") | [.bands[] | [.pct, .diff, .ratio]]' "$T/imb")" \
    "[[2,-60,-75],[5,-40,-40],[10,-240,-48]]" \
    "mkt-diff: the imbalance of each band (2%: 10 bid against 70 ask, -75%)"

# Ten minutes of a market's two outcomes into a journal: the dump, a
# change of each book every 2 s, a trade every 20 s.
python3 - "$Y" "$N" >"$T/frames" <<'PY'
import json, sys
Y, N = sys.argv[1], sys.argv[2]
t = 1700000000000
def book(a, ts):
    return {"event_type": "book", "asset_id": a, "market": "0xab",
            "timestamp": str(ts), "hash": "x",
            "bids": [{"price": "%.2f" % (0.49 - 0.01 * i), "size": str(100 + i)} for i in range(5)][::-1],
            "asks": [{"price": "%.2f" % (0.51 + 0.01 * i), "size": str(50 + i)} for i in range(5)][::-1]}
print(json.dumps([book(Y, t), book(N, t)]))
for k in range(1, 300):
    ts = t + k * 2000
    print(json.dumps({"event_type": "price_change", "market": "0xab", "timestamp": str(ts),
        "price_changes": [{"asset_id": Y, "price": "0.49", "size": str(100 + k % 7), "side": "BUY"},
                          {"asset_id": N, "price": "0.51", "size": str(50 + k % 5), "side": "SELL"}]}))
    if k % 10 == 0:
        print(json.dumps({"event_type": "last_trade_price", "asset_id": Y, "market": "0xab",
            "price": "0.51", "side": "BUY", "size": "3", "timestamp": str(ts + 1),
            "transaction_hash": "0x%x" % k}))
PY
mkt-feed --raw polymarket:clob <"$T/frames" | mkt-depth --keep --interval 1s >"$T/ev"
is "$(jq -r 'select(.type == "status") | .state' "$T/ev" | wc -l | tr -d ' ')" 0 \
    "the books stay valid through 598 changes"
mkt-journal append "$T/j" <"$T/ev" 2>"$T/j.err"
is "$?" 0 "mkt-journal append exits 0"
is "$(mkt-journal query "$T/j" symbols | jq -r '"\(.venue):\(.market):\(.symbol) \(.minutes)"' | tr '\n' ' ')" \
    "polymarket:clob:$Y 11 polymarket:clob:$N 11 " \
    "query symbols: both tokens, eleven minutes of history each"
mkt-journal query "$T/j" series --venue polymarket --symbol "$Y" --pct 1.5 \
    --resolution 1m >"$T/series"
is "$(wc -l <"$T/series" | tr -d ' ')" 11 "query series: one value a minute"
# The minute's value is its last bands event's (bid_qty within 1.5%).
is "$(tail -1 "$T/series" | jq -c .)" \
    "$(jq -c --arg y "$Y" 'select(.type == "bands" and .symbol == $y) | {time: (.time - .time % 60000), value: .bands[0].bid_qty}' "$T/ev" | tail -1)" \
    "the last minute's value is the last bands event's"
is "$(mkt-journal query "$T/j" latest --symbol "$N" | jq -c '[.symbol == "'"$N"'", .bands[0].ask_qty]')" \
    "$(jq -c --arg n "$N" 'select(.type == "bands" and .symbol == $n) | [true, .bands[0].ask_qty]' "$T/ev" | tail -1)" \
    "query latest: the NO token's last bands"
is "$(mkt-journal stats "$T/j" | awk -v y="$Y" '$3 == y { print $1, $2, $4 }')" \
    "polymarket clob 629" "stats: the YES token's events (snapshot, depth, trades, bands)"

done_testing
