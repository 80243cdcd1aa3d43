#!/bin/sh
# 1114-serve-stream: GET /api/stream sends a running pipeline's bands,
# imbalance and book events as server-sent events, each line as the
# socket gave it, filtered by venue, market and symbol; without --live
# there is nothing to stream (404).
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

gen-bands --symbols 2 --markets 2 --minutes 20 --seed 4 \
	--start 1700000000000 >"$T/bands"
mkt-diff <"$T/bands" >"$T/events"
# (grep, not jq: the lines as they were written, numbers untouched)
grep '"venue":"binance","market":"futures","symbol":"ETHUSDT",' \
	"$T/events" >"$T/want-eth"

mkfifo "$T/in"
mkt-diff -o "unix:$T/live.sock" <"$T/in" 2>"$T/diff.err" &
pids="$pids $!"
exec 3>"$T/in"
wait_sock "$T/live.sock"
mkt-serve --journal "$T/j" --live "unix:$T/live.sock" --listen 127.0.0.1:0 \
	--port-file "$T/port" 2>"$T/serve.err" 3>&- &
SRV=$!
pids="$pids $SRV"
check "mkt-serve starts" wait_file "$T/port" || exit 1
U=http://127.0.0.1:$(cat "$T/port")
connected() {
	curl -s "$U/health" | jq -e '.sources[1].connected' >/dev/null
}
check "the live source is connected" wait_for connected

# Two clients: everything, and one symbol of one market.  The bound on
# time only turns a hang into a failure.
curl -sN --max-time 120 -D "$T/all.head" "$U/api/stream" >"$T/all" 3>&- &
pids="$pids $!"
curl -sN --max-time 120 \
	"$U/api/stream?venue=binance&market=futures&symbol=ETHUSDT" \
	>"$T/eth" 3>&- &
pids="$pids $!"
check "stream: the first client is open" wait_line "$T/all" '^: mkt-serve$'
check "stream: the second client is open" wait_line "$T/eth" '^: mkt-serve$'
check "stream: Content-Type text/event-stream" \
	grep -qi '^content-type: text/event-stream' "$T/all.head"

cat "$T/bands" >&3
exec 3>&-
# data N FILE: FILE holds N events.
data() {
	test "$(grep -c '^data: ' "$2")" -ge "$1"
}
check "stream: every event arrives" wait_for data "$(nlines "$T/events")" "$T/all"
sed -n 's/^data: //p' "$T/all" >"$T/got-all"
cmp_file "$T/got-all" "$T/events" \
	"stream: bands and imbalance as the pipeline wrote them, in order"
is "$(grep -c '^$' "$T/all")" "$(($(nlines "$T/events") + 1))" \
	"stream: each event ends with an empty line"
check "stream: the filtered client's events arrive" \
	wait_for data "$(nlines "$T/want-eth")" "$T/eth"
sed -n 's/^data: //p' "$T/eth" >"$T/got-eth"
cmp_file "$T/got-eth" "$T/want-eth" "stream: only futures ETHUSDT"

is "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/stream?symbol=a%20b")" \
	400 "stream: a bad symbol is a 400"
is "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/stream?side=bid")" \
	400 "stream: an unknown parameter is a 400"

kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM with streams open: exit 0"

# Without --live: 404.
mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port2" \
	2>/dev/null &
SRV=$!
pids="$pids $SRV"
check "mkt-serve without --live starts" wait_file "$T/port2" || exit 1
is "$(curl -s -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$(cat "$T/port2")/api/stream")" 404 \
	"stream: 404 without --live"
kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"

done_testing
