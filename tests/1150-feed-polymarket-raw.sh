#!/bin/sh
# mkt-feed --raw polymarket:clob: the CLOB market channel's messages to
# mkt events.  The one public capture of a book message comes out as a
# snapshot sorted best first, and its hash is the venue's (SHA-1 of the
# book with min_order_size "5" and neg_risk false, from --markets); the
# other kinds of message (price_change, last_trade_price,
# tick_size_change, a book dump sent as an array, receive-time prefixes)
# build the books mkt-book keeps.
. "$(dirname "$0")/lib.sh"

PM=$DATA/polymarket
CAP=$PM/book-captured.json
TOK=350977769852917329387037893294763093471844346281449484439085576212613048126

mkt-feed --raw polymarket:clob <"$CAP" >"$T/cap.ev" 2>"$T/cap.err"
is "$?" 0 "the captured book: mkt-feed --raw exits 0"
check "nothing on stderr" test ! -s "$T/cap.err"
is "$(jq -r '"\(.type) \(.venue) \(.market) \(.symbol) \(.last_id)"' "$T/cap.ev")" \
    "snapshot polymarket clob $TOK 1786604072222" \
    "one snapshot; the symbol is the token id, last_id the timestamp"
is "$(jq -r '[(.bids | length), .bids[0][0], .bids[-1][0], (.asks | length), .asks[0][0], .asks[-1][0]] | @tsv' "$T/cap.ev")" \
    "$(printf '7\t0.07\t0.01\t57\t0.08\t0.99')" \
    "bids and asks sorted best first (the venue sent the best last)"
is "$(jq -r '[.bids[] | .[0]] == ([.bids[] | .[0]] | sort | reverse)' "$T/cap.ev")" \
    true "every bid below the one before"
is "$(jq -r '[.asks[] | .[0]] == ([.asks[] | .[0]] | sort)' "$T/cap.ev")" \
    true "every ask above the one before"
# Sizes exact, as the venue wrote them.
is "$(grep -o '\[0.01,3149725.72\]' "$T/cap.ev")" "[0.01,3149725.72]" \
    "sizes keep the venue's digits"

# The hash: with the market's metadata it checks; a wrong hash is
# reported with the one computed, which is the venue's.
mkt-feed --raw polymarket:clob --markets "$PM/markets.json" <"$CAP" \
    >"$T/h.ev" 2>"$T/h.err"
is "$?" 0 "--markets: exits 0"
is "$(jq -r .type "$T/h.ev" | tr '\n' ' ')" "snapshot " \
    "the captured hash matches: no status"
sed 's/ed47eb91f3c7985fac1cb18cb7c19535eddd3c0a/0000000000000000000000000000000000000000/' \
    "$CAP" | mkt-feed --raw polymarket:clob --markets "$PM/markets.json" >"$T/bad.ev"
is "$(jq -r 'select(.type == "status") | "\(.state) \(.reason) \(.symbol) \(.computed)"' "$T/bad.ev")" \
    "check_failed hash_mismatch $TOK ed47eb91f3c7985fac1cb18cb7c19535eddd3c0a" \
    "a wrong hash: status hash_mismatch, the computed hash is ed47eb91..."
is "$(jq -r .type "$T/bad.ev" | tr '\n' ' ')" "snapshot status " \
    "the snapshot still comes first: a diagnostic, not a gap"
sed 's/"minimum_order_size":5/"minimum_order_size":6/' "$PM/markets.json" >"$T/m6.json"
mkt-feed --raw polymarket:clob --markets "$T/m6.json" <"$CAP" >"$T/m6.ev"
is "$(jq -r 'select(.type == "status") | .reason' "$T/m6.ev")" hash_mismatch \
    "min_order_size 6: the hash no longer matches"
sed 's/"neg_risk":false/"neg_risk":true/' "$PM/markets.json" >"$T/nr.json"
mkt-feed --raw polymarket:clob --markets "$T/nr.json" <"$CAP" >"$T/nr.ev"
is "$(jq -r 'select(.type == "status") | .reason' "$T/nr.ev")" hash_mismatch \
    "neg_risk true: the hash no longer matches"
printf '{"data":[{"neg_risk":false}]}\n' >"$T/bad.json"
mkt-feed --raw polymarket:clob --markets "$T/bad.json" <"$CAP" >/dev/null 2>"$T/bad.err"
is "$?" 1 "a markets file without min_order_size: exit 1"
is "$(cat "$T/bad.err")" \
    "mkt-feed: '$T/bad.json': a market has no 'minimum_order_size'" \
    "and the reason names the file"

# A market's two outcomes: the dump as one array, changes, a trade, a
# tick size change; receive times in front.  YES and NO prices sum to
# about 1.
Y=1111111111111111111111111111111111111111111111111111111111111111111111111111
N=2222222222222222222222222222222222222222222222222222222222222222222222222222
cat >"$T/frames" <<EOF
1700000000.100: [{"event_type":"book","asset_id":"$Y","market":"0xab","timestamp":"1700000000000","hash":"x","bids":[{"price":"0.48","size":"100"},{"price":"0.49","size":"50"}],"asks":[{"price":"0.52","size":"30"},{"price":"0.51","size":"40"}]},{"event_type":"book","asset_id":"$N","market":"0xab","timestamp":"1700000000000","hash":"y","bids":[{"price":"0.49","size":"40"},{"price":"0.48","size":"30"}],"asks":[{"price":"0.52","size":"100"},{"price":"0.51","size":"50"}]}]
1700000000.200: {"event_type":"price_change","market":"0xab","timestamp":"1700000000150","price_changes":[{"asset_id":"$Y","price":"0.49","size":"0","side":"BUY","hash":"a","best_bid":"0.48","best_ask":"0.51"},{"asset_id":"$N","price":"0.51","size":"0","side":"SELL","hash":"b","best_bid":"0.49","best_ask":"0.52"},{"asset_id":"$Y","price":"0.505","size":"12.5","side":"SELL","hash":"c","best_bid":"0.48","best_ask":"0.505"}]}
1700000000.300: {"event_type":"last_trade_price","asset_id":"$Y","market":"0xab","price":"0.505","side":"BUY","size":"2.5","fee_rate_bps":"0","timestamp":"1700000000250","transaction_hash":"0xdead"}
1700000000.400: {"event_type":"tick_size_change","asset_id":"$N","market":"0xab","old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"1700000000300"}
1700000000.500: {"event_type":"best_bid_ask","asset_id":"$Y","market":"0xab","best_bid":"0.48","best_ask":"0.505","spread":"0.025","timestamp":"1700000000350"}
1700000000.600: {"event_type":"new_market","market":"0xcd","timestamp":"1700000000400"}
EOF
mkt-feed --raw polymarket:clob <"$T/frames" >"$T/two.ev" 2>"$T/two.err"
is "$?" 0 "two outcomes: exits 0"
check "nothing on stderr" test ! -s "$T/two.err"
is "$(jq -r '"\(.type) \(.symbol | .[0:1])"' "$T/two.ev" | tr '\n' ',')" \
    "snapshot 1,snapshot 2,depth 1,depth 2,trade 1,instrument 2,ticker 1," \
    "events: both dumps, one depth per token named, the trade, the tick, the ticker"
is "$(jq -c 'select(.type == "depth") | [.first_id, .last_id, .bids, .asks, .recv]' "$T/two.ev" | tr '\n' ' ')" \
    "[1700000000150,1700000000150,[[0.49,0]],[[0.505,12.5]],1700000000200000] [1700000000150,1700000000150,[],[[0.51,0]],1700000000200000] " \
    "price_change: BUY to bids, SELL to asks, size 0 kept (it removes)"
is "$(jq -c 'select(.type == "trade") | [.id, .price, .qty, .side, .time]' "$T/two.ev")" \
    '["0xdead",0.505,2.5,"buy",1700000000250]' "last_trade_price: a trade"
is "$(jq -c 'select(.type == "instrument") | [.tick, .time]' "$T/two.ev")" \
    '["0.001",1700000000300]' "tick_size_change: an instrument event"
is "$(jq -c 'select(.type == "ticker") | [.bid, .ask, .time, has("bid_qty")]' "$T/two.ev")" \
    '[0.48,0.505,1700000000350,false]' "best_bid_ask: a ticker of prices (no sizes)"
mkt-book --levels 2 <"$T/two.ev" >"$T/two.book"
is "$(jq -c 'select(.type == "book") | [(.symbol | .[0:1]), .bids, .asks]' "$T/two.book" | tail -2 | tr '\n' ' ')" \
    '["1",[[0.48,100]],[[0.505,12.5],[0.51,40]]] ["2",[[0.49,40],[0.48,30]],[[0.52,100]]] ' \
    "mkt-book applies the changes without ids: the books after them"
is "$(jq -c 'select(.type == "status")' "$T/two.book" | wc -l | tr -d ' ')" 0 \
    "mkt-book finds nothing wrong"

# Bad messages are bad lines, not the end of the feed.
printf '%s\n' '{"event_type":"book","asset_id":"12a","timestamp":"1","bids":[],"asks":[]}' \
    '{"event_type":"price_change","timestamp":"1","price_changes":[{"asset_id":"1","price":"0.5","size":"1","side":"BID"}]}' \
    "$(cat "$CAP")" | mkt-feed --raw polymarket:clob >"$T/mixed.ev" 2>"$T/mixed.err"
is "$(jq -r .type "$T/mixed.ev")" snapshot "the good message after two bad ones"
is "$(sed 's/^mkt-feed: //' "$T/mixed.err")" \
    "$(printf "line 1: book: field 'asset_id' is not a token id\nline 2: price_change: price_changes[0]: side is neither BUY nor SELL")" \
    "each bad one reported with its line and reason"

done_testing
