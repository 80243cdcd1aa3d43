#!/bin/sh
# load: 3
# contrib/mkt-notify-webhook against a local HTTP listener
# (tests/tools/http-listener.py on 127.0.0.1, port 0): each alert posted
# once as its JSON line, the {"text":...} form, --level, the retries
# with backoff when the listener fails the first attempts, and a dead
# webhook that gives up without holding up its input.
. "$(dirname "$0")/lib.sh"

NOTIFY=$TOP/contrib/mkt-notify-webhook
check "-h prints the usage" sh -c "'$NOTIFY' -h | grep -q 'mkt-notify-webhook'"
"$NOTIFY" </dev/null 2>/dev/null
is $? 2 "no URL is a usage error"
"$NOTIFY" --level loud http://127.0.0.1:1/ </dev/null 2>/dev/null
is $? 2 "an unknown --level is a usage error"

D=1793613600000
cat >"$T/alerts" <<EOF
{"type":"alert","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$D,"level":"info","what":"fill","id":"a1","detail":"buy 1 BTCUSDT at 100, fee 0.1 (a1)"}
{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":$D,"price":"1","qty":"1"}
not json
{"type":"alert","time":$((D + 1)),"level":"critical","what":"halt","detail":"trading halted: intent 'r2' refused"}
{"type":"alert","time":$((D + 2)),"level":"warning","what":"reject_burst","count":3,"detail":"3 rejects within 1m"}
EOF

# listen NAME [ARGS]: a listener writing to $T/NAME.got; its port in $PORT.
listen() {
	name=$1; shift
	python3 "$TOP/tests/tools/http-listener.py" --port-file "$T/$name.port" \
		--out "$T/$name.got" "$@" &
	echo $! >>"$T/pids"
	wait_file "$T/$name.port"
	PORT=$(cat "$T/$name.port")
}
trap 'kill $(cat "$T/pids" 2>/dev/null) 2>/dev/null; rm -rf "$T"' EXIT
got() { jq -r "$2" "$T/$1.got"; }

# 1. Each alert as its own JSON body.
listen plain
"$NOTIFY" "http://127.0.0.1:$PORT/hook" <"$T/alerts" 2>"$T/err"
is $? 0 "the notifier exits 0 at the end of its input"
is "$(nlines "$T/plain.got")" 3 "three posts, one for each alert"
got plain '.body' | jq -c . | sort >"$T/bodies"
grep '"type":"alert"' "$T/alerts" | jq -c . | sort >"$T/want"
cmp_file "$T/bodies" "$T/want" "each body is the alert's line"
is "$(got plain '.method + " " + .path + " " + .content_type' | sort -u)" \
	"POST /hook application/json" "POSTed as application/json"

# 2. Slack/Discord text, and --level.
listen text
"$NOTIFY" --text --level warning "http://127.0.0.1:$PORT/" <"$T/alerts"
is "$(got text '.body | fromjson | .text' | sort | tr '\n' '|')" \
	"[critical] halt: trading halted: intent 'r2' refused|[warning] reject_burst: 3 rejects within 1m|" \
	"--text posts {\"text\":...}; --level warning leaves out info"
is "$(got text '.body | fromjson | .content == .text' | sort -u)" true \
	"with Discord's content beside Slack's text"

# 3. A listener that fails the first three attempts: retried with backoff.
listen flaky --fail 3
grep '"what":"fill"' "$T/alerts" |
	"$NOTIFY" --backoff 0.05 --retries 5 "http://127.0.0.1:$PORT/" \
	2>"$T/flaky.err"
is $? 0 "the notifier exits 0"
is "$(got flaky '.status' | tr '\n' ' ')" "500 500 500 200 " \
	"three failures, then the post goes through"
is "$(got flaky '.body | fromjson | .id' | sort -u)" a1 \
	"the same body every time"
check "nothing said about it" test ! -s "$T/flaky.err"

# 4. A listener that always fails: given up after --retries, said once.
listen dead --fail 1000
grep '"what":"halt"' "$T/alerts" |
	"$NOTIFY" --backoff 0.05 --retries 3 "http://127.0.0.1:$PORT/" \
	2>"$T/dead.err"
is "$(nlines "$T/dead.got")" 3 "three attempts in all"
check "the loss is reported" grep -q 'not delivered after 3 attempts' \
	"$T/dead.err"

# 5. A webhook that never answers (a socket that never accepts): the
# input is still read to its end; what finds --jobs posts under way is
# dropped and said so.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)
' "$T/hang.port" &
echo $! >>"$T/pids"
wait_file "$T/hang.port"
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$T/alerts"; done |
	"$NOTIFY" --jobs 2 --backoff 0.05 --retries 1 --timeout 1 \
	"http://127.0.0.1:$(cat "$T/hang.port")/" 2>"$T/gone.err"
is $? 0 "a webhook that never answers does not stop the notifier"
check "alerts beyond --jobs are dropped and said so" \
	grep -q 'posts under way: an alert dropped' "$T/gone.err"
check "the posts under way give up" \
	grep -q 'not delivered after 1 attempts' "$T/gone.err"

done_testing
