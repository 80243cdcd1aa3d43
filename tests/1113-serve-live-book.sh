#!/bin/sh
# 1113-serve-live-book: mkt-serve --live reads running pipelines' unix:
# sockets: /api/book is the top N of the pipeline's latest book event,
# /api/depth puts the live spot and futures band side by side (the
# journal's latest where no live one is), /health lists each source;
# the options and the parameters are checked.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The options.
mkt-serve --journal "$T/j" --live "$T/x.sock" 2>"$T/err"
is "$?" 2 "--live without unix: is a usage error"
check "and it says so" grep -q "^mkt-serve: bad --live" "$T/err"
mkt-serve --journal "$T/j" --stale soon 2>/dev/null
is "$?" 2 "a bad --stale is a usage error"
mkt-serve --journal "$T/j" --stream-queue 10 2>/dev/null
is "$?" 2 "a --stream-queue below 4096 is a usage error"
check "-h names --live" sh -c 'mkt-serve -h | grep -q -- "--live unix:PATH"'

# A journal with an older futures history only.
gen-bands --symbols 1 --markets 2 --minutes 10 --seed 5 \
	--start 1700000000000 | jq -c 'select(.market == "futures")' |
	mkt-journal append "$T/j"
is "$?" 0 "append: exit 0"

# Two pipelines, fed through fifos held open here so they stay up:
# books (mkt-book) and bands (mkt-diff, which adds imbalance).
mkfifo "$T/book.in" "$T/bands.in"
mkt-book --levels 50 -o "unix:$T/book.sock" <"$T/book.in" 2>"$T/book.err" &
pids="$pids $!"
exec 3>"$T/book.in"
# (3>&-: only this shell holds the fifos open, so closing them here
# ends each pipeline's input.)
mkt-diff -o "unix:$T/bands.sock" <"$T/bands.in" 2>"$T/diff.err" 3>&- &
pids="$pids $!"
exec 4>"$T/bands.in"
wait_sock "$T/book.sock"
wait_sock "$T/bands.sock"

mkt-serve --journal "$T/j" --live "unix:$T/book.sock" \
	--live "unix:$T/bands.sock" --stale 1h --listen 127.0.0.1:0 \
	--port-file "$T/port" 2>"$T/serve.err" 3>&- 4>&- &
SRV=$!
pids="$pids $SRV"
check "mkt-serve starts" wait_file "$T/port" || exit 1
U=http://127.0.0.1:$(cat "$T/port")

get() {
	curl -s -o "$T/body" -w '%{http_code}' "$U$1"
}
connected() {
	curl -s "$U/health" | jq -e '[.sources[] | select(.name == "live") |
		.connected] == [true, true]' >/dev/null
}
check "health: both sources connected" wait_for connected
is "$(curl -s "$U/health" | jq -c '[.sources[1:][] | .path, .events]')" \
	"[\"unix:$T/book.sock\",0,\"unix:$T/bands.sock\",0]" \
	"health: each source by its path, no event yet"
is "$(get '/api/book?symbol=BTCUSDT')" 404 "book: 404 before any book"

# The books: /api/book is the latest book event, cut to N levels.
gen-depth --events 300 --levels 200 --seed 9 >"$T/depth"
mkt-book --levels 50 <"$T/depth" | jq -c 'select(.type == "book")' |
	tail -n 1 >"$T/last-book"
# The end of input makes mkt-book flush and close: a unix: output
# holds what a reader's socket did not take until the next event.
cat "$T/depth" >&3
exec 3>&-
# book_is N QUERY: the answer to QUERY is the last book cut to N levels.
book_is() {
	jq -S -c ".bids |= .[:$1] | .asks |= .[:$1]" "$T/last-book" \
		>"$T/want-book"
	curl -s "$U/api/book?$2" | jq -S -c . >"$T/got-book" 2>/dev/null &&
		cmp -s "$T/got-book" "$T/want-book"
}
check "book: the latest book's top 20 by default" \
	wait_for book_is 20 'symbol=BTCUSDT'
check "book: levels=5" book_is 5 'venue=binance&market=spot&symbol=BTCUSDT&levels=5'
check "book: levels=1000 is the whole (50-level) book" \
	book_is 1000 'symbol=BTCUSDT&levels=1000'
is "$(jq '.bids | length' "$T/got-book")" 50 "book: all 50 levels"
is "$(get '/api/book?symbol=ETHUSDT')" 404 "book: 404 for a symbol without one"
is "$(get '/api/book?symbol=BTCUSDT&market=futures')" 404 \
	"book: 404 for a market without one"
is "$(get '/api/book?symbol=BTCUSDT&levels=0')/$(jq -r .param "$T/body")" \
	400/levels "book: levels=0 is a 400 naming it"
is "$(get '/api/book?symbol=BTCUSDT&levels=1001')/$(jq -r .param "$T/body")" \
	400/levels "book: levels above 1000 is a 400"
is "$(get '/api/book')/$(jq -r .param "$T/body")" 400/symbol \
	"book: symbol is required"
is "$(get '/api/book?symbol=BTCUSDT&side=bid')/$(jq -r .param "$T/body")" \
	400/side "book: an unknown parameter is a 400"

# The bands: spot from the live socket, futures from the journal until
# live futures bands come.
gen-bands --symbols 1 --markets 1 --minutes 3 --seed 6 \
	--start 1700100000000 >"$T/spot"
cat "$T/spot" >&4
spot_live() {
	curl -s "$U/api/depth?symbol=BTCUSDT&pct=3" >"$T/depth.json" &&
		jq -e '.spot.source == "live"' "$T/depth.json" >/dev/null
}
check "depth: the live spot band" wait_for spot_live
is "$(jq -S -c '.spot.band' "$T/depth.json")" \
	"$(jq -S -c --argjson t "$(jq .spot.time "$T/depth.json")" \
	'select(.time == $t) | .bands[] | select(.pct == 3)' "$T/spot")" \
	"depth: spot's band as the bands event of its time has it"
mkt-journal query "$T/j" latest --market futures >"$T/jlatest"
is "$(jq -c '[.pct, .futures.source, .futures.time]' "$T/depth.json")" \
	"[3,\"journal\",$(jq .time "$T/jlatest")]" \
	"depth: futures from the journal's latest"
is "$(jq -S -c '.futures.band' "$T/depth.json")" \
	"$(jq -S -c '.bands[] | select(.pct == 3)' "$T/jlatest")" \
	"depth: the journal's band"
gen-bands --symbols 1 --markets 2 --minutes 2 --seed 8 \
	--start 1700200000000 | jq -c 'select(.market == "futures")' \
	>"$T/fut"
cat "$T/fut" >&4
exec 4>&-
tail -n 1 "$T/fut" >"$T/last-fut"
fut_live() {
	curl -s "$U/api/depth?symbol=BTCUSDT&pct=1.5" >"$T/depth.json" &&
		jq -e --slurpfile s "$T/last-fut" \
		'.futures.source == "live" and .futures.time == $s[0].time' \
		"$T/depth.json" >/dev/null
}
check "depth: live futures bands replace the journal's" wait_for fut_live
is "$(jq -c '[.spot.source, .futures.band.pct]' "$T/depth.json")" \
	'["live",1.5]' "depth: side by side, pct 1.5"
is "$(get '/api/depth?symbol=BTCUSDT&pct=2')" 200 "depth: an unknown band: 200"
is "$(jq -c '[.spot, .futures]' "$T/body")" '[null,null]' \
	"depth: and null on both sides"
is "$(get '/api/depth?symbol=BTCUSDT')/$(jq -r .param "$T/body")" 400/pct \
	"depth: pct is required"
is "$(get '/api/depth?pct=3')/$(jq -r .param "$T/body")" 400/symbol \
	"depth: symbol is required"
is "$(get '/api/depth?symbol=BTCUSDT&pct=x')/$(jq -r .param "$T/body")" \
	400/pct "depth: a bad pct"

is "$(curl -s "$U/health" | jq -c '[.status, (.sources[1:][] | .events > 0)]')" \
	'["ok",true,true]' "health: ok, and events counted per source"
is "$(get '/api/book?symbol=BTCUSDT&levels=1')" 200 \
	"book: the last one is kept after its pipeline ends"

kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"
check "on stderr: the address, and each socket's close once" \
	test "$(grep -vc -e '^mkt-serve: listening on' \
	-e '^mkt-serve: live unix:.*: closed; retrying$' "$T/serve.err")" = 0

done_testing
