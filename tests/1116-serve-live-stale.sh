#!/bin/sh
# 1116-serve-live-stale: a --live socket that is absent at start, closes
# or comes back: mkt-serve says so once on stderr, retries with backoff
# and reconnects, never exits; /health is 503 once the source has been
# silent longer than --stale, and the events count on after it is back.
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

gen-bands --symbols 1 --markets 1 --minutes 5 --seed 2 \
	--start 1700000000000 >"$T/bands"
gen-bands --symbols 1 --markets 1 --minutes 1 --seed 2 \
	--start 1700000000000 | mkt-journal append "$T/j"
is "$?" 0 "append: exit 0"

# The socket does not exist yet.
mkt-serve --journal "$T/j" --live "unix:$T/live.sock" --stale 1s \
	--listen 127.0.0.1:0 --port-file "$T/port" 2>"$T/serve.err" &
SRV=$!
pids="$pids $SRV"
check "mkt-serve starts without its live socket" wait_file "$T/port" || exit 1
U=http://127.0.0.1:$(cat "$T/port")
# health EXPR: /health's answer makes the jq EXPR true.
health() {
	curl -s "$U/health" | jq -e "$1" >/dev/null
}
check "it retries" wait_for health '.sources[1].retries >= 3'
is "$(grep -c "^mkt-serve: live unix:$T/live.sock: .*; retrying\$" \
	"$T/serve.err")" 1 "the absent socket is reported once"
check "health: stale once a --live source is unheard past --stale" \
	wait_for health '.status == "stale"'
is "$(curl -s -o "$T/body" -w '%{http_code}' "$U/health")" 503 \
	"health: and 503"
is "$(jq -c '[.status, .sources[1].connected, .sources[1].stale]' \
	"$T/body")" '["stale",false,true]' "health: which source, and why"

# start_producer: a pipeline serving the socket, its input on fd 3.
start_producer() {
	rm -f "$T/in"
	mkfifo "$T/in"
	mkt-diff -o "unix:$T/live.sock" <"$T/in" 2>>"$T/diff.err" 3>&- &
	pids="$pids $!"
	exec 3>"$T/in"
}
start_producer
check "it connects once the socket is there" \
	wait_for health '.sources[1].connected'
check "and says so" wait_line "$T/serve.err" \
	"^mkt-serve: live unix:$T/live.sock: connected again\$"
# The pipeline ends: the socket closes (after what mkt-diff flushes).
cat "$T/bands" >&3
exec 3>&-
check "the events arrive" wait_for health '.sources[1].events == 10'
check "health: 503 once the source is silent past --stale" \
	wait_for health '.status == "stale" and .sources[1].stale'
check "the close is seen" wait_for health '.sources[1].connected == false'
R=$(curl -s "$U/health" | jq .sources[1].retries)
check "it retries after the close" wait_for health ".sources[1].retries >= $R + 3"
is "$(grep -c 'closed; retrying$' "$T/serve.err")" 1 \
	"the close is reported once"

# The pipeline restarts on the same path: reconnected, events count on.
start_producer
check "it reconnects" wait_for health '.sources[1].connected'
cat "$T/bands" >&3
exec 3>&-
check "the events of the new pipeline arrive" \
	wait_for health '.sources[1].events == 20'
check "the journal stays readable throughout" \
	wait_for health '.sources[0].readable'

kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"

done_testing
