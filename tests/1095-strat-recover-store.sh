#!/bin/sh
# The strategies' --state, no network: a store that mkt-exec's paper
# venue filled holds two resting orders of run "hedge", one filled and
# done, one open and partly filled, none of their fills hedged.  Started
# on it, mkt-strat-hedge reports the open one as a leg, hedges what filled
# of both at once (hedge ids named after the resting order), counts a
# fill the store had only once when it comes again, hedges a new one,
# cancels the recovered order when the edge goes, and counts the two
# entries against --max-trades; without --state it knows none of it.
# mkt-strat-arb counts a pair of the store as one entry.
. "$(dirname "$0")/lib.sh"
need_tools jq sqlite3

pp() {	# pp TIME BID BIDQTY ASK ASKQTY: a book of the paper venue
	printf '{"type":"book","venue":"paper","market":"paper","symbol":"BTCUSDT","time":%s,"last_id":%s,"bids":[[%s,%s]],"asks":[[%s,%s]]}\n' \
	    "$1" "$1" "$2" "$3" "$4" "$5"
}
bn() {	# bn TIME BID BIDQTY ASK ASKQTY: a Binance spot book
	printf '{"type":"book","venue":"binance","market":"spot","symbol":"BTCUSDT","time":%s,"last_id":%s,"bids":[[%s,%s]],"asks":[[%s,%s]]}\n' \
	    "$1" "$1" "$2" "$3" "$4" "$5"
}
rest() {	# rest ID TIME QTY PRICE: a post_only buy
	printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","time":%s,"side":"%s","kind":"limit","qty":%s,"price":%s,"tif":"%s"}\n' \
	    "$1" "$2" buy "$3" "$4" post_only
}
fill() {	# fill ID TRADE_ID QTY
	printf '{"type":"fill","id":"%s","trade_id":"%s","price":100.01,"qty":%s}\n' \
	    "$1" "$2" "$3"
}

# hedge-3-1 fills whole (paper-T-1, 0.3); hedge-6-1 fills 0.2 of 0.5
# (paper-T-2) and rests.
{ pp 1 100 1 100.1 1; rest hedge-3-1 3 0.3 100.01; pp 4 99.5 1 100.0 1;
  pp 5 100 1 100.1 1; rest hedge-6-1 6 0.5 100.01;
  pp 7 99.5 1 100.0 0.2; } |
    mkt-exec --venue paper --state "$T/s.db" >/dev/null
is "$(sqlite3 "$T/s.db" "select intent_id || ' ' || state || ' ' ||
    coalesce(o.filled_qty, '') from intents left join orders o
    using(client_id) order by intent_id" | paste -sd, -)" \
    "hedge-3-1 done 0.3,hedge-6-1 sent 0.2" "the store: one done, one open"

HEDGE="mkt-strat-hedge --tick 0.01 --max-qty 0.5 paper:paper:BTCUSDT binance:spot:BTCUSDT"
EDGE="$(pp 10 100 1 100.1 1; bn 11 100.3 2 100.4 2)"
LATER="$(pp 100000 100 1 100.1 1; bn 100001 100.3 2 100.4 2)"
{ echo "$EDGE"; fill hedge-6-1 paper-T-2 0.2; fill hedge-6-1 paper-T-3 0.1;
  echo "$LATER"; } |
    $HEDGE --max-trades 2 --state "$T/s.db" >"$T/h1" 2>"$T/h1.err"
is "$?" 0 "hedge --state: exit 0"
check "  the open resting order is reported as a leg" grep -q \
    "^mkt-strat-hedge: leg 'hedge-6-1' recovered: buy, filled 0.2 of 0.5" \
    "$T/h1.err"
check "  and the count of what the stores hold" grep -q \
    "^mkt-strat-hedge: 2 intents of run 'hedge' in the stores, 2 entries, 1 legs in flight" \
    "$T/h1.err"
is "$(jq -r 'select(.type == "intent") |
    [.id, .venue, .side, (.qty | tostring)] | join(" ")' "$T/h1" |
    paste -sd, -)" "hedge-3-1-h1 binance sell 0.3,hedge-6-1-h1 binance sell\
 0.2,hedge-6-1-h2 binance sell 0.1" \
    "  the unhedged fills hedged at start, the new fill once, no new rest"

{ echo "$EDGE"; bn 12 99 2 99.1 2; } |
    $HEDGE --state "$T/s.db" >"$T/h2" 2>/dev/null
check "hedge --state: the edge gone, the recovered order is canceled" \
    grep -q '"type":"cancel","id":"hedge-6-1-x",.*"target":"hedge-6-1"' "$T/h2"

{ echo "$EDGE"; echo "$LATER"; } |
    $HEDGE --max-trades 3 --state "$T/s.db" >"$T/h3" 2>/dev/null
is "$(grep -c '"tif":"post_only"' "$T/h3")" 1 \
    "hedge --max-trades 3 --state: the one entry left, once the legs are gone"

{ echo "$EDGE"; fill hedge-6-1 paper-T-2 0.2; echo "$LATER"; } |
    $HEDGE --max-trades 2 >"$T/h4" 2>"$T/h4.err"
is "$(grep -c '"type":"intent"' "$T/h4")" 2 \
    "without --state: a new rest at once, and one after the leg timeout"
is "$(grep -c -e '-h1"' "$T/h4")" 0 "  and no hedge of the store's fills"

# An arb pair: two IOC legs of one entry time.
ioc() {	# ioc ID SIDE
	printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","time":5,"side":"%s","kind":"limit","qty":0.1,"price":100,"tif":"IOC"}\n' \
	    "$1" "$2"
}
{ pp 1 100 1 100.1 1; ioc arb-5-1 buy; ioc arb-5-2 sell; } |
    mkt-exec --venue paper --state "$T/a.db" >/dev/null
ARB="mkt-strat-arb --max-trades 1 paper:paper:BTCUSDT binance:spot:BTCUSDT"
ARB_EDGE="$(pp 10 100 1 100.1 1; bn 11 100.5 2 100.6 2)"
echo "$ARB_EDGE" |
    $ARB --state "$T/a.db" >"$T/a1" 2>"$T/a1.err"
is "$(grep -c intent "$T/a1")" 0 "arb --max-trades 1 --state: the pair in the store was the one"
check "  its two done legs are one entry" grep -q \
    "2 intents of run 'arb' in the stores, 1 entries, 0 legs in flight" "$T/a1.err"
echo "$ARB_EDGE" | $ARB >"$T/a2"
is "$(grep -c intent "$T/a2")" 2 "  without --state, a pair"

echo "$ARB_EDGE" | $ARB --state "$T/none.db" >"$T/a3" 2>"$T/a3.err"
is "$?:$(grep -c intent "$T/a3")" 0:2 "a store not created yet: a first start"
echo 'not a database' >"$T/bad.db"
$ARB --state "$T/bad.db" </dev/null >/dev/null 2>"$T/e1"
is "$?" 1 "a store that cannot be read: exit 1"
check "  and it says which" grep -q "^mkt-strat-arb: cannot read state '.*bad.db': " "$T/e1"

done_testing
