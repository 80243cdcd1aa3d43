#!/bin/sh
# 1111-serve-state: mkt-serve's store endpoints over a state store that
# a paper session of mkt-exec wrote: /api/orders, /api/positions and
# /api/fills hold what the store holds (read back with sqlite3), the
# filters, a 400 for a bad one, and a 503 for a store that cannot be
# read, while the journal endpoints go on answering.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq sqlite3

cat >"$T/in" <<'EOF2'
{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1000,"last_id":1,"bids":[["100","1"],["99","2"]],"asks":[["101","1"],["102","3"]]}
{"type":"intent","id":"a1","symbol":"BTCUSDT","side":"buy","kind":"market","qty":"1.5"}
{"type":"intent","id":"a2","symbol":"BTCUSDT","side":"sell","kind":"limit","qty":"1","price":"103"}
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":2000,"id":5,"price":"104","qty":"2","side":"buy"}
{"type":"intent","id":"a3","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"50"}
EOF2
mkt-exec --venue paper --state "$T/s.db" --taker-fee 0.001 <"$T/in" \
	>"$T/out" 2>"$T/exec.err"
is "$?" 0 "a paper session exits 0"
mkt-journal append "$T/j" </dev/null

mkt-serve --journal "$T/j" --state "$T/s.db" --listen 127.0.0.1:0 \
	--port-file "$T/port" 2>"$T/serve.err" &
SRV=$!
check "mkt-serve starts" wait_file "$T/port" || exit 1
U=http://127.0.0.1:$(cat "$T/port")
get() {
	curl -s -o "$T/body" -w '%{http_code}' "$U$1"
}
# sql QUERY: the rows, fields joined by '|'.
sql() {
	sqlite3 "$T/s.db" "$1"
}

is "$(get /api/orders)" 200 "orders: 200"
jq -r '.data[] | [.id, .side, .kind, .qty, .price, .state, .filled_qty] |
	map(tostring) | join("|")' "$T/body" >"$T/got"
sql "SELECT i.intent_id, i.side, i.type, i.qty, coalesce(i.price, 'null'),
	i.state, coalesce(o.filled_qty, '0') FROM intents i
	LEFT JOIN orders o ON o.client_id = i.client_id
	ORDER BY i.created_ms, i.rowid" >"$T/want"
check "orders: some" test "$(nlines "$T/want")" -ge 3
cmp_file "$T/got" "$T/want" "orders: the store's intents and their orders"
is "$(jq .count "$T/body")" "$(nlines "$T/want")" "orders: the count"

is "$(get /api/fills)" 200 "fills: 200"
jq -r '.data[] | [.client_id, .side, .price, .qty, .fee, .time] |
	map(tostring) | join("|")' "$T/body" >"$T/got"
sql "SELECT client_id, side, price, qty, coalesce(fee, '0'), time_ms
	FROM fills ORDER BY time_ms, rowid" >"$T/want"
check "fills: some" test -s "$T/want"
cmp_file "$T/got" "$T/want" "fills: the store's"
check "fills: prices are exact decimals in the text" \
	grep -q '"fee":0.101,' "$T/body"

is "$(get /api/positions)" 200 "positions: 200"
jq -r '.data[] | [.venue, .market, .symbol, .qty, .realized_pnl] |
	map(tostring) | join("|")' "$T/body" >"$T/got"
sql "SELECT venue, market, symbol, qty, realized_pnl FROM positions
	ORDER BY venue, market, symbol" >"$T/want"
check "positions: some" test -s "$T/want"
cmp_file "$T/got" "$T/want" "positions: the store's"

is "$(get '/api/fills?venue=bybit')" 200 "fills of another venue: 200"
is "$(jq -c . "$T/body")" '{"data":[],"count":0}' "fills: none there"
is "$(get '/api/positions?venue=paper&market=paper')" 200 "positions by venue and market: 200"
is "$(jq .count "$T/body")" "$(nlines "$T/want")" "positions: paper's"
is "$(get '/api/positions?market=sp%20ot')" 400 "a bad market: 400"
is "$(jq -r .param "$T/body")" market "and it names the market"
is "$(get '/api/orders?id=a1')" 400 "orders: an unknown parameter: 400"
is "$(jq -r .param "$T/body")" id "and it names it"

# A store that cannot be read: 503 for its endpoints alone.
mv "$T/s.db" "$T/s.away"
is "$(get /api/fills)" 503 "fills: 503 without the store"
check "and the reason names it" grep -q "s.db" "$T/body"
is "$(get /health)" 200 "health: the journal still answers"
mv "$T/s.away" "$T/s.db"
is "$(get /api/fills)" 200 "fills: 200 again"

kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"
check "nothing on stderr but the address" \
	test "$(grep -vc '^mkt-serve: listening on' "$T/serve.err")" = 0

done_testing
