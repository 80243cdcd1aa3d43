#!/bin/sh
# 0800-history: mkt-journal's history tables (lib/history, driven by
# hist-load as mkt-journal drives it) against a brute-force recomputation
# from the events (tests/tools/check-history.py): minute rows, hourly and
# daily rollups, trades, fills and orders, and the queries' answers.
# Re-adding events changes nothing; pruning keeps the rollups.
. "$(dirname "$0")/lib.sh"

CHECK="python3 $TOP/tests/tools/check-history.py"
START=1700000000000	# 2023-11-14T22:13:20Z: minutes cross a day soon

# Several events per minute, minutes out of order across hours and a day.
gen-bands --symbols 3 --markets 2 --minutes 1500 --per-minute 2 \
	--shuffle 90 --seed 7 --start $START >"$T/a.ndjson"
ok hist-load --batch 500 "$T/db" <"$T/a.ndjson" 2>"$T/load.err"
is "$(grep -E '^(bands|minutes_new|skipped)=' "$T/load.err" | tr '\n' ' ')" \
	"bands=18000 minutes_new=54000 skipped=0 " "load figures"
check "tables and queries equal a recomputation" \
	$CHECK "$T/db" "$T/a.ndjson" --query "hist-load $T/db query"

# The check can fail: one rollup value off by a little.
cp "$T/db" "$T/bad.db"
sqlite3 "$T/bad.db" "UPDATE bands_1d SET ask_value_max = ask_value_max * \
	(1 + 1e-12) WHERE sid = 5 AND time = (SELECT max(time) FROM bands_1d)"
check "a wrong rollup is caught" \
	sh -c "! $CHECK '$T/bad.db' '$T/a.ndjson' >/dev/null"

# The same events again, in other batches and in reverse order.
$CHECK --dump "$T/db" >"$T/dump1"
hist-load --batch 777 "$T/db" <"$T/a.ndjson" 2>/dev/null
$CHECK --dump "$T/db" >"$T/dump2"
cmp_file "$T/dump2" "$T/dump1" "re-adding the same events changes nothing"
tac "$T/a.ndjson" | hist-load --batch 100000 "$T/db" 2>"$T/load.err"
$CHECK --dump "$T/db" >"$T/dump3"
cmp_file "$T/dump3" "$T/dump1" "re-adding them in reverse changes nothing"
is "$(grep -E '^minutes_(new|changed)=' "$T/load.err" | tr '\n' ' ')" \
	"minutes_new=0 minutes_changed=0 " "no minute new or changed"

# Pruning at 10:13:20 the next day deletes the minutes before 10:00: the
# 707 minutes from 22:13 of 36 series.
CUT=$((START + 12 * 3600000))
hist-load "$T/db" prune --before $CUT 2>"$T/prune.err"
is "$(cat "$T/prune.err")" "deleted=25452" "prune: whole hours of minutes"
check "after pruning: minutes after the cutoff, rollups all" \
	$CHECK "$T/db" "$T/a.ndjson" --cutoff $CUT \
	--query "hist-load $T/db query"
$CHECK --dump "$T/db" >"$T/dump4"
sed -n '/^== bands_1h/,/^== fills/p' "$T/dump1" >"$T/roll1"
sed -n '/^== bands_1h/,/^== fills/p' "$T/dump4" >"$T/roll4"
cmp_file "$T/roll4" "$T/roll1" "pruning keeps the rollups unchanged"
hist-load "$T/db" <"$T/a.ndjson" 2>"$T/load.err"
$CHECK --dump "$T/db" >"$T/dump5"
cmp_file "$T/dump5" "$T/dump4" "events before the cutoff are refused after"
is "$(grep '^too_old=' "$T/load.err")" "too_old=8484" \
	"and counted: 707 minutes x 6 symbols x 2 events"

# A sparse stream over 104 days, in order, one event per minute: the day
# resolution and the automatic choice on long ranges.
gen-bands --symbols 2 --markets 1 --minutes 300 --every 500 --seed 3 \
	>"$T/b.ndjson"
ok hist-load "$T/db2" <"$T/b.ndjson" 2>/dev/null
check "104 days: tables and queries equal a recomputation" \
	$CHECK "$T/db2" "$T/b.ndjson" --query "hist-load $T/db2 query"
hist-load "$T/db2" query series --venue binance --market spot \
	--symbol BTCUSDT --pct 3 >/dev/null 2>"$T/q.err"
is "$(cat "$T/q.err")" "resolution=day" "auto on 104 days: days"

# mkt-depth's own events: one per depth event, many per minute.
gen-depth --events 3000 --symbols 2 --levels 200 | mkt-depth >"$T/c.ndjson"
ok hist-load --batch 200 "$T/db3" <"$T/c.ndjson" 2>/dev/null
check "mkt-depth events: tables and queries equal a recomputation" \
	$CHECK "$T/db3" "$T/c.ndjson" --query "hist-load $T/db3 query"
gen-depth --events 3000 --symbols 2 --levels 200 |
	mkt-depth --interval 1m >"$T/d.ndjson"
ok hist-load "$T/db4" <"$T/d.ndjson" 2>/dev/null
check "mkt-depth --interval 1m: the same" \
	$CHECK "$T/db4" "$T/d.ndjson" --query "hist-load $T/db4 query"
# The last event of a minute is the one of mkt-depth --interval 1m, which
# writes the book as it was at the end of the window.
sqlite3 "$T/db3" "SELECT venue, market, symbol, pct, time, bid_qty, \
	ask_qty, bid_value, ask_value FROM bands_1m_v ORDER BY 1, 2, 3, 4, 5" \
	>"$T/m3"
sqlite3 "$T/db4" "SELECT venue, market, symbol, pct, time, bid_qty, \
	ask_qty, bid_value, ask_value FROM bands_1m_v ORDER BY 1, 2, 3, 4, 5" \
	>"$T/m4"
cmp_file "$T/m3" "$T/m4" "every event, or one per minute: the same minutes"

# Trades, fills, orders; odd and bad events.
cat >"$T/e.ndjson" <<'EOF'
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000001,"id":1,"price":30000.01,"qty":0.5,"side":"buy"}
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000002,"id":2,"price":30000,"qty":1,"side":"sell"}
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000002,"id":2,"price":30000,"qty":1,"side":"sell","agg":true}
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000009,"id":1,"price":1,"qty":1,"side":"buy"}
{"type":"trade","venue":"bybit","market":"linear","symbol":"BTCUSDT","time":1700000000003,"id":"9f-1","price":"30001.5","qty":"0.010","side":"buy"}
{"type":"trade","venue":"bybit","market":"linear","symbol":"BTCUSDT","time":1700000000004,"id":"9f-2","qty":1}
{"type":"order","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000010,"id":"s1-1","client_id":"s1-1","order_id":77,"side":"buy","kind":"limit","qty":0.2,"price":29999,"status":"new","filled_qty":0}
{"type":"fill","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000020,"id":"s1-1","order_id":77,"trade_id":5,"price":29999,"qty":0.1,"fee":0.00001,"fee_asset":"BTC"}
{"type":"order","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000030,"id":"s1-1","client_id":"s1-1","order_id":77,"side":"buy","kind":"limit","qty":0.2,"price":29999,"status":"filled","filled_qty":0.2}
{"type":"fill","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000025,"id":"s1-1","order_id":77,"trade_id":6,"price":29999,"qty":0.1,"fee":0.00001,"fee_asset":"BTC"}
{"type":"order","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000020,"id":"s1-1","client_id":"s1-1","order_id":77,"side":"buy","kind":"limit","qty":0.2,"price":29999,"status":"partially_filled","filled_qty":0.1}
{"type":"fill","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000020,"id":"s1-1","order_id":77,"trade_id":5,"price":29999,"qty":0.1,"fee":0.00001,"fee_asset":"BTC"}
{"type":"bands","venue":"sim","market":"spot","symbol":"A,B","time":1700000000000,"bands":[{"pct":2,"bid_qty":100000,"ask_qty":0.000001,"bid_value":1e3,"ask_value":"7.5","complete":true}]}
{"type":"bands","venue":"sim","market":"spot","symbol":"A,B","time":1700000000000,"bands":[{"pct":2,"bid_qty":1,"ask_qty":"x","bid_value":1,"ask_value":1}]}
{"type":"bands","venue":"sim","market":"spot","symbol":"A,B","bands":[{"pct":2,"bid_qty":1,"ask_qty":1,"bid_value":1,"ask_value":1}]}
{"type":"bands","venue":"sim","market":"spot","symbol":"A,B","time":1700000060000,"bands":[{"pct":2,"bid_qty":1,"ask_qty":1,"bid_value":1,"ask_value":1},"x"]}
{"type":"depth","venue":"sim","market":"spot","symbol":"A,B","time":1,"first_id":1,"last_id":1,"bids":[],"asks":[]}
not json
{"type":"bands","venue":"sim","market":"spot","symbol":"A,B","time":1700000120000,"bands":[{"pct":2,"bid_qty":3,"ask_qty":4,"bid_value":5,"ask_value":6}]}
EOF
ok hist-load "$T/db5" <"$T/e.ndjson" 2>"$T/load.err"
is "$(grep -E '^(bands|trades|fills|orders|skipped)=' "$T/load.err" |
	tr '\n' ' ')" "bands=2 trades=4 fills=2 orders=2 skipped=4 " \
	"trades, fills, orders kept (not an older order state); bad skipped"
check "trades, fills, orders, odd bands equal a recomputation" \
	$CHECK "$T/db5" "$T/e.ndjson" --query "hist-load $T/db5 query"
$CHECK --dump "$T/db5" >"$T/dump6"
hist-load "$T/db5" <"$T/e.ndjson" 2>/dev/null
$CHECK --dump "$T/db5" >"$T/dump7"
cmp_file "$T/dump7" "$T/dump6" "re-adding trades, fills, orders: no duplicate"
is "$(hist-load "$T/db5" query symbols --format csv)" \
"venue,market,symbol,pcts,minutes,oldest,newest,days,minutes_kept,kept_oldest
sim,spot,\"A,B\",2,2,1699999980000,1700000100000,1,2,1699999980000" \
	"symbols as CSV: quoted"
is "$(hist-load "$T/db5" query latest --format csv)" \
"venue,market,symbol,time,pct,bid_qty,ask_qty,bid_value,ask_value,complete
sim,spot,\"A,B\",1700000100000,2,3,4,5,6,false" "latest as CSV"
is "$(hist-load "$T/db5" query series --symbol A,B --pct 2 \
	--field ask_qty --from 1699999980000 --to 1699999980000 2>/dev/null)" \
	'{"time":1699999980000,"value":0.000001}' "numbers never in exponent form"

done_testing
