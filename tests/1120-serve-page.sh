#!/bin/sh
# 1120-serve-page: the chart page in a real browser.  mkt-serve, run
# from the build tree with no --www, serves the page and the chart
# library with their types and nothing outside its directory; Debian's
# chromium loads the page headless and its status line says the charts
# hold as many points as /api/chart-data answers for the same query
# (bands of spot and futures, imbalance, the TOTAL sums, candlesticks
# and volume where the journal has candles); the orders
# table lists a paper session's orders; an absent live stream (404)
# leaves the page working; a screenshot is a PNG.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq chromium

# A journal with history: bands of two symbols on two markets and
# mkt-diff's sums of them, 300 minutes.
gen-bands --symbols 2 --markets 2 --minutes 300 --per-minute 2 \
	--seed 7 --start 1700000000000 | mkt-diff --aggregate >"$T/a.ndjson"
mkt-journal append "$T/j" <"$T/a.ndjson"
is "$?" 0 "append: exit 0"
# And one-minute candles of BTCUSDT on spot, from a trade every 20 s.
awk 'BEGIN {
	for (i = 0; i < 900; i++)
		printf "{\"type\":\"trade\",\"venue\":\"binance\",\"market\":" \
		    "\"spot\",\"symbol\":\"BTCUSDT\",\"time\":%.0f,\"id\":%d," \
		    "\"price\":\"%d.%d\",\"qty\":\"0.%03d\",\"side\":\"%s\"}\n",
		    1700000000000 + i * 20000, i + 1, 37000 + (i * 37) % 200,
		    i % 10, 1 + (i * 13) % 999, i % 3 ? "buy" : "sell"
}' | mkt-candles --interval 1m --no-pass | mkt-journal append "$T/j"
is "$?" 0 "candles appended"

# A paper session's store, as in 1111.
cat >"$T/in" <<'EOF2'
{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1000,"last_id":1,"bids":[["100","1"],["99","2"]],"asks":[["101","1"],["102","3"]]}
{"type":"intent","id":"a1","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"1.5"}
{"type":"intent","id":"a2","symbol":"BTCUSDT","side":"sell","kind":"limit","qty":"1","price":"103"}
{"type":"intent","id":"a3","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"50"}
EOF2
mkt-exec --venue paper --state "$T/s.db" <"$T/in" >"$T/out" 2>"$T/exec.err"
is "$?" 0 "a paper session exits 0"

check "-h names --www" sh -c 'mkt-serve -h | grep -q -- "--www DIR"'
mkt-serve --journal "$T/j" --www "$T/none" 2>"$T/err"
is "$?" 2 "a --www that is no directory is a usage error"
check "and it says so" grep -q "^mkt-serve: bad --www '$T/none'" "$T/err"

mkt-serve --journal "$T/j" --state "$T/s.db" --listen 127.0.0.1:0 \
	--port-file "$T/port" 2>"$T/serve.err" &
SRV=$!
check "mkt-serve starts" wait_file "$T/port" || exit 1
U=http://127.0.0.1:$(cat "$T/port")

# get PATH: the body to $T/body; the status and the type printed.
get() {
	curl -s --path-as-is -o "$T/body" -w '%{http_code} %{content_type}' \
		"$U$1"
}

# The files, from the build tree's copy (no --www given).
is "$(get /)" "200 text/html; charset=utf-8" "/: the page"
check "/: it is index.html" cmp -s "$T/body" "$TOP/www/index.html"
is "$(get /static/app.js)" "200 text/javascript; charset=utf-8" \
	"app.js: a script"
is "$(get /static/style.css)" "200 text/css; charset=utf-8" \
	"style.css: a style sheet"
is "$(get /static/lightweight-charts.standalone.production.js)" \
	"200 text/javascript; charset=utf-8" "the chart library: a script"
check "the chart library: npm's file" cmp -s "$T/body" \
	"$TOP/www/node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js"
is "$(get /static/NOTICE)" "200 text/plain; charset=utf-8" "NOTICE: text"
check "NOTICE: the Apache-2.0 notice" grep -q "Apache License, Version 2.0" \
	"$T/body"
check "the page links to tradingview.com" \
	grep -q 'href="https://www.tradingview.com/"' "$TOP/www/index.html"
for p in /static/../Makefile /static/%2e%2e/Makefile /static/.gitignore \
	/static/node_modules/lightweight-charts/package.json \
	/static/package.json.bak /static/ /static/index; do
	is "$(get "$p" | cut -d' ' -f1)" 404 "$p: 404"
done
is "$(get /api/chart-data?symbol=BTCUSDT\&market=spot\&pct=1.5 |
	cut -d' ' -f2)" application/json "the API still answers JSON"

# browse QUERY ARGS...: the page's DOM after its scripts ran, to
# $T/dom.  Virtual time runs only while no fetch is pending, so the
# page has every answer before the budget ends, however slow.
browse() {
	_q=$1
	shift
	timeout 300 chromium --headless --no-sandbox --disable-gpu \
		--user-data-dir="$T/chrome" --virtual-time-budget=10000 \
		"$@" "$U/?$_q" 2>>"$T/chromium.err"
}
# status KEY: the points the page says series KEY holds.
status() {
	sed -n 's/.*<div id="status"[^>]*>\([^<]*\)<.*/\1/p' "$T/dom" |
		tr ' ;' '\n\n' | sed -n "s/^$1=//p"
}
# points QUERY: how many points /api/chart-data answers for QUERY.
points() {
	curl -s "$U/api/chart-data?$1" | jq .count
}

FROM=1700003000000
TO=2023-11-14T23:30:00Z
browse "venue=binance&symbol=BTCUSDT&pct=3&from=$FROM&to=$TO&live=0" \
	--dump-dom >"$T/dom"
is "$?" 0 "chromium: exit 0"
check "the page says what it holds" grep -q '<div id="status"[^>]*>points: ' \
	"$T/dom"
R="pct=3&from=$FROM&to=$TO"
for k in spot:BTCUSDT:bid_value spot:BTCUSDT:ask_value \
	futures:BTCUSDT:bid_value futures:BTCUSDT:ask_value \
	spot:BTCUSDT:value_imbalance futures:BTCUSDT:value_imbalance \
	spot:TOTAL:bid_value spot:TOTAL:ask_value spot:TOTAL1:bid_value; do
	m=${k%%:*}
	f=${k##*:}
	s=${k#*:}
	s=${s%:*}
	want=$(points "venue=binance&market=$m&symbol=$s&field=$f&$R")
	check "$k: some points" test "$want" -gt 10
	is "$(status "binance:$k")" "$want" "$k: the chart holds the API's points"
done
# candles QUERY: how many candles /api/candles answers for QUERY.
candles() {
	curl -s "$U/api/candles?$1" | jq .count
}
want=$(candles "venue=binance&market=spot&symbol=BTCUSDT&from=$FROM&to=$TO")
check "candles: some" test "$want" -gt 10
is "$(status binance:spot:BTCUSDT:candles)" "$want" \
	"the candlesticks: as many as /api/candles answers"
is "$(status binance:spot:BTCUSDT:volume)" "$want" \
	"and a volume bar each"
check "the candles panel is shown" \
	grep -q '<div class="panel" id="candles-panel">' "$T/dom"
for id in a1 a2 a3; do
	check "the orders table lists $id" grep -q "<tr data-id=\"$id\">" \
		"$T/dom"
done
sed -n 's/.*<div id="status"[^>]*>\([^<]*\)<.*/\1/p' "$T/dom" |
	tr ';' '\n' | sed 's/^ //' >"$T/parts"
is "$(grep '^orders: ' "$T/parts")" \
	"orders: $(curl -s "$U/api/orders" | jq .count)" \
	"the orders table: as many rows as /api/orders"
check "and those are the store's three" grep -qx 'orders: 3' "$T/parts"
check "the fills table has the market order's fill" \
	grep -q '^fills: [1-9]' "$T/parts"
check "the positions table has its position" \
	grep -q '^positions: [1-9]' "$T/parts"
check "no error on the page" sh -c "! grep -q 'error: ' '$T/dom'"

# Quantities and the other market, picked by the query string.
browse "venue=binance&market=futures&symbol=ETHUSDT&pct=1.5&unit=qty&range=all&live=0" \
	--dump-dom >"$T/dom"
want=$(points "venue=binance&market=futures&symbol=ETHUSDT&pct=1.5&field=bid_qty")
check "all of it: more than the pinned range" test "$want" -gt 200
is "$(status binance:futures:ETHUSDT:bid_qty)" "$want" \
	"quantities: the chart holds the API's points"
is "$(status binance:spot:ETHUSDT:imbalance)" \
	"$(points "venue=binance&market=spot&symbol=ETHUSDT&pct=1.5&field=imbalance")" \
	"imbalance of quantities: the API's points"
is "$(status binance:futures:TOTAL:bid_value)" \
	"$(points "venue=binance&market=futures&symbol=TOTAL&pct=1.5&field=bid_value")" \
	"the sums of the picked market: the API's points"
check "a market without candles: the page says so" \
	grep -q 'candles: none' "$T/dom"
check "and the candles panel stays hidden" \
	grep -q '<div class="panel" id="candles-panel" hidden="">' "$T/dom"

# The live stream: without it (404 here) the page goes on working.
browse "venue=binance&symbol=BTCUSDT&pct=3&from=$FROM&to=$TO" \
	--dump-dom >"$T/dom"
is "$(status binance:spot:BTCUSDT:bid_value)" \
	"$(points "venue=binance&market=spot&symbol=BTCUSDT&field=bid_value&$R")" \
	"no stream: the charts are full"
check "no stream: the page says it is not live" \
	grep -q '<div id="live">live: off (no stream)</div>' "$T/dom"

# A screenshot for review.
browse "venue=binance&symbol=BTCUSDT&pct=3&live=0" --hide-scrollbars \
	--window-size=1200,800 --screenshot="$T/page.png" >/dev/null
check "a screenshot" test -s "$T/page.png"
is "$(od -An -tx1 -N8 "$T/page.png" | tr -d ' ')" 89504e470d0a1a0a \
	"the screenshot is a PNG"

# --www: another directory's page.
mkdir "$T/www"
echo '<p>other</p>' >"$T/www/index.html"
mkt-serve --journal "$T/j" --www "$T/www" --listen 127.0.0.1:0 \
	--port-file "$T/port2" 2>"$T/serve2.err" &
SRV2=$!
check "mkt-serve --www starts" wait_file "$T/port2"
is "$(curl -s "http://127.0.0.1:$(cat "$T/port2")/")" "<p>other</p>" \
	"--www: that directory's index.html"
is "$(curl -s -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$(cat "$T/port2")/static/app.js")" 404 \
	"--www: and only its files"
ln -s "$TOP/www/app.js" "$T/www/link.js"
is "$(curl -s -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$(cat "$T/port2")/static/link.js")" 404 \
	"--www: no symbolic link followed"

kill -TERM $SRV $SRV2
wait $SRV
is "$?" 0 "SIGTERM: exit 0"
wait $SRV2
is "$?" 0 "SIGTERM: the other exits 0"
check "nothing on stderr but the address" \
	test "$(grep -vc '^mkt-serve: listening on' "$T/serve.err")" = 0

done_testing
