#!/bin/sh
# 1118-serve-trade: mkt-serve's manual orders.  POST /api/intent and
# /api/cancel write exactly one line to the reader connected to --trade
# (here a python3 client, as mkt-risk -i unix:PATH would be), 202 with
# the id (one given when the body has none); 401 without or with a wrong
# token, 403 with a cookie, 400 naming the bad field, 404 without
# --trade, 405 for GET on them and POST elsewhere, 413 for a large
# body, 503 with no reader;
# the token file's mode, a symbolic link and a non-loopback --listen
# refused at start; one reader at a time; SIGTERM removes the socket;
# and the real mkt-risk as the reader, passing and rejecting.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
need_tools curl jq python3

mkdir "$T/j"
TOKEN=0123456789abcdef0123456789abcdef
printf '%s\n' "$TOKEN" >"$T/tok"
chmod 600 "$T/tok"

# The refusals at start.
cp "$T/tok" "$T/tok644"
chmod 644 "$T/tok644"
mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --trade "unix:$T/tr" \
	--token-file "$T/tok644" 2>"$T/err"
is "$?" 1 "a token file of mode 0644: exit 1"
check "it says why" grep -q \
	"^mkt-serve: token file '$T/tok644': mode 0644, must be 0600" "$T/err"
ln -s "$T/tok" "$T/toklink"
mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --trade "unix:$T/tr" \
	--token-file "$T/toklink" 2>"$T/err"
is "$?" 1 "a symbolic link as the token file: exit 1"
check "it says why" grep -q "a symbolic link" "$T/err"
mkt-serve --journal "$T/j" --listen 0.0.0.0:0 --trade "unix:$T/tr" \
	--token-file "$T/tok" 2>"$T/err"
is "$?" 2 "--trade with a non-loopback --listen: usage error"
mkt-serve --journal "$T/j" --trade "unix:$T/tr" 2>"$T/err"
is "$?" 2 "--trade without --token-file: usage error"
mkt-serve --journal "$T/j" --trade "$T/tr" --token-file "$T/tok" 2>"$T/err"
is "$?" 2 "--trade without unix: is a usage error"

# Without --trade: 404.
mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port0" \
	2>"$T/serve0.err" &
SRV0=$!
check "mkt-serve without --trade starts" wait_file "$T/port0" || exit 1
is "$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	-d '{"symbol":"BTCUSDT"}' "http://127.0.0.1:$(cat "$T/port0")/api/intent")" \
	404 "no --trade: 404"
kill -TERM $SRV0
wait $SRV0
is "$?" 0 "and SIGTERM: exit 0"

mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port" \
	--trade "unix:$T/tr" --token-file "$T/tok" -v 2>"$T/serve.err" &
SRV=$!
check "mkt-serve with --trade starts" wait_file "$T/port" || exit 1
check "and listens on the trade socket" wait_sock "$T/tr"
U=http://127.0.0.1:$(cat "$T/port")

# post PATH BODY [CURL-ARGS...]: the answer to $T/body, the status printed.
post() {
	_p=$1 _b=$2
	shift 2
	curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		"$@" --data-binary "$_b" "$U$_p"
}
AUTH="Authorization: Bearer $TOKEN"
INTENT='{"id":"m1","venue":"binance","market":"spot","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"0.5","price":"100.25"}'

is "$(post /api/intent "$INTENT" -H "$AUTH")" 503 "no reader yet: 503"

python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
out = open(sys.argv[2], "wb", buffering=0)
while True:
    d = s.recv(4096)
    if not d:
        break
    out.write(d)
' "$T/tr" "$T/lines" &
RD=$!
check "the reader is taken" wait_line "$T/serve.err" 'trade: a reader connected'
is "$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
print("closed" if s.recv(1) == b"" else "data")
' "$T/tr")" closed "a second reader is closed at once"

is "$(post /api/intent "$INTENT" -H "$AUTH")" 202 "an intent: 202"
is "$(cat "$T/body")" '{"id":"m1"}' "with its id"
check "the line arrives" wait_lines "$T/lines" 1
is "$(sed -n 1p "$T/lines")" \
	"{\"type\":\"intent\",${INTENT#\{}" \
	"the body, after its type"

is "$(post /api/intent '{
  "symbol": "ETHUSDT", "side": "sell",
  "kind": "market", "qty": "2"
}' -H "$AUTH")" 202 "an intent over lines without an id: 202"
ID=$(jq -r .id "$T/body")
check "an id is given: serve-MS-N" sh -c 'expr "$1" : "serve-[0-9]*-[0-9]*$" >/dev/null' - "$ID"
check "the line arrives" wait_lines "$T/lines" 2
is "$(sed -n 2p "$T/lines")" \
	"{\"type\":\"intent\",\"id\":\"$ID\",\"symbol\": \"ETHUSDT\", \"side\": \"sell\",   \"kind\": \"market\", \"qty\": \"2\" }" \
	"on one line, with the type and that id"

is "$(post /api/cancel '{"type":"cancel","id":"c1","target":"m1"}' -H "$AUTH")" \
	202 "a cancel: 202"
check "the line arrives" wait_lines "$T/lines" 3
is "$(sed -n 3p "$T/lines")" '{"type":"cancel","id":"c1","target":"m1"}' \
	"exactly the cancel"

# Refusals: none of them writes a line.
is "$(post /api/intent "$INTENT")" 401 "no token: 401"
is "$(post /api/intent "$INTENT" -H "Authorization: Bearer ${TOKEN}x")" 401 \
	"a wrong token: 401"
is "$(post /api/intent "$INTENT" -H "Authorization: Basic $TOKEN")" 401 \
	"not a bearer token: 401"
is "$(post /api/intent "$INTENT" -H "$AUTH" -H 'Cookie: s=1')" 403 \
	"a cookie: 403"
is "$(jq -r .error "$T/body")" "a request with a cookie is refused" "it says so"
is "$(post /api/intent '{"symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"0","price":"1"}' \
	-H "$AUTH")" 400 "qty 0: 400"
is "$(jq -r .param "$T/body")" qty "naming qty"
is "$(post /api/intent '{"symbol":"BTCUSDT","side":"up","kind":"limit","qty":"1","price":"1"}' \
	-H "$AUTH")" 400 "a bad side: 400"
is "$(jq -r .param "$T/body")" side "naming side"
is "$(post /api/intent '{"type":"cancel","symbol":"BTCUSDT"}' -H "$AUTH")" 400 \
	"another type: 400"
is "$(jq -r .param "$T/body")" type "naming type"
is "$(post /api/cancel '{"id":"c2"}' -H "$AUTH")" 400 "a cancel of nothing: 400"
is "$(post /api/intent '{"symbol":' -H "$AUTH")" 400 "not JSON: 400"
is "$(jq -r .param "$T/body")" body "naming the body"
is "$(post /api/intent '' -H "$AUTH")" 400 "no body: 400"
is "$(post /api/intent "{\"symbol\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}" \
	-H "$AUTH")" 413 "a body over 4096 bytes: 413"
is "$(curl -s -o "$T/body" -w '%{http_code}' "$U/api/intent")" 405 "GET /api/intent: 405"
is "$(curl -s -o "$T/body" -w '%{http_code}' "$U/api/cancel")" 405 "GET /api/cancel: 405"
is "$(post /health '{}')" 405 "POST /health: 405"
is "$(nlines "$T/lines")" 3 "no refused request wrote a line"

# The reader leaves: 503 again.
kill $RD
wait $RD
check "the reader's leaving is seen" wait_line "$T/serve.err" 'trade: the reader left'
is "$(post /api/cancel '{"id":"c3","target":"m1"}' -H "$AUTH")" 503 \
	"no reader: 503"

kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"
check "the trade socket is removed" test ! -e "$T/tr"

# The deployment: mkt-risk reads the trade socket.  Its output once
# mkt-serve stops (mkt-risk's input then ends): the intent it passes and
# the reject of the one above its limits.
printf '{"default": {"max_qty": "10"}}\n' >"$T/limits.json"
mkt-serve --journal "$T/j" --listen 127.0.0.1:0 --port-file "$T/port2" \
	--trade "unix:$T/tr" --token-file "$T/tok" -v 2>"$T/serve2.err" &
SRV=$!
check "mkt-serve starts again" wait_sock "$T/tr" || exit 1
wait_file "$T/port2"
U=http://127.0.0.1:$(cat "$T/port2")
mkt-risk --limits "$T/limits.json" --venue binance:spot -i "unix:$T/tr" \
	>"$T/risk.out" 2>"$T/risk.err" &
RISK=$!
check "mkt-risk connects" wait_line "$T/serve2.err" 'trade: a reader connected'
is "$(post /api/intent '{"id":"r1","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"1","price":"100"}' \
	-H "$AUTH")" 202 "an intent for mkt-risk: 202"
is "$(post /api/intent '{"id":"r2","symbol":"BTCUSDT","side":"buy","kind":"limit","qty":"11","price":"100"}' \
	-H "$AUTH")" 202 "one above its limits: 202 (mkt-risk rejects it)"
kill -TERM $SRV
wait $SRV
is "$?" 0 "SIGTERM: exit 0"
wait $RISK
is "$?" 0 "mkt-risk ends with its input"
is "$(jq -c '[.type, .id, .reason]' "$T/risk.out" | tr '\n' ' ')" \
	'["intent","r1",null] ["reject","r2","max_qty"] ' \
	"mkt-risk passed the one and rejected the other"

done_testing
