#!/bin/sh
# mkt-candles: trades into candles per window of event time, exact
# decimals, windows aligned like mkt-depth's, no candle for a window
# without trades, everything else passed through in order, the open
# window written on SIGTERM, bad lines skipped, usage errors exit 2.
# load: 3 (the SIGTERM case waits on another process)
. "$(dirname "$0")/lib.sh"
need_tools python3

# trade TIME PRICE QTY SIDE [SYMBOL [VENUE]]: one trade event line.
trade() {
	printf '{"type":"trade","venue":"%s","market":"spot","symbol":"%s","time":%s,"id":1,"price":"%s","qty":"%s","side":"%s"}\n' \
		"${6:-binance}" "${5:-BTCUSDT}" "$1" "$2" "$3" "$4"
}

# 1. Known OHLCV, exact: prices and quantities whose products and sums
#    have more digits than a double holds.  Minute 28333333 starts at
#    1699999980000; the trade at ...039999 is its last millisecond.
{
	trade 1699999980000 "30000.01000000" "0.00100000" buy
	trade 1700000000123 "30000.99" "1.23456789" sell
	trade 1700000010000 "29999.00000001" "0.1" buy
	trade 1700000039999 "30000.5" "2" sell
} >"$T/ohlc"
mkt-candles --interval 1m <"$T/ohlc" >"$T/out" 2>"$T/err"
is "$?" 0 "known trades: exit 0"
cat >"$T/want" <<'EOT'
{"type":"candle","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1699999980000,"interval":60000,"open_time":1699999980000,"open":30000.01,"high":30000.99,"low":29999.00000001,"close":30000.5,"volume":3.33556789,"quote_volume":100069.1589322121,"trades":4,"buy_volume":0.101}
EOT
cmp_file "$T/out" "$T/want" "one candle: open, high, low, close, volumes exact"
check "known trades: nothing on stderr" test ! -s "$T/err"
is "$(python3 -c 'from decimal import Decimal as D
print(D("30000.01")*D("0.001")+D("30000.99")*D("1.23456789")+D("29999.00000001")*D("0.1")+D("30000.5")*D("2"))')" \
	"100069.1589322121" "the quote volume is the exact sum"

# 2. Alignment: windows [k*dur, (k+1)*dur) of epoch ms; a trade on a
#    boundary opens the next window; 5m and 1h windows too.
{
	trade 1700000039999 100 1 buy
	trade 1700000040000 101 1 buy
	trade 1700000099999 102 1 sell
	trade 1700000100000 103 1 sell
} >"$T/align"
is "$(mkt-candles --interval 1m <"$T/align" | python3 -c 'import json,sys
for l in sys.stdin:
    e=json.loads(l); print(e["open_time"], e["trades"], e["open"], e["close"])' | tr '\n' ';')" \
	"1699999980000 1 100 100;1700000040000 2 101 102;1700000100000 1 103 103;" \
	"1m windows: a trade on a boundary opens the next window"
is "$(mkt-candles --interval 5m <"$T/align" | python3 -c 'import json,sys
for l in sys.stdin:
    e=json.loads(l); print(e["open_time"], e["interval"], e["trades"])' | tr '\n' ';')" \
	"1699999800000 300000 3;1700000100000 300000 1;" \
	"5m windows start at multiples of 5 minutes (1700000100000 is one)"
is "$(mkt-candles --interval 1h <"$T/align" | python3 -c 'import json,sys
for l in sys.stdin:
    e=json.loads(l); print(e["time"], e["open_time"], e["high"], e["low"])' | tr '\n' ';')" \
	"1699999200000 1699999200000 103 100;" "1h windows: time is the window start"

# 3. A window without trades writes nothing: trades in minutes 0 and 3
#    give two candles; a symbol without trades in a window has none.
{
	trade 1700000040000 1 1 buy
	trade 1700000041000 5 2 buy ETHUSDT
	trade 1700000220000 2 1 sell
} >"$T/gap"
mkt-candles --interval 1m <"$T/gap" >"$T/out"
is "$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l); print(e["symbol"], e["open_time"])' "$T/out" | tr '\n' ';')" \
	"BTCUSDT 1700000040000;ETHUSDT 1700000040000;BTCUSDT 1700000220000;" \
	"empty windows and symbols without trades write nothing; first-trade order"
: >"$T/empty"
mkt-candles --interval 1m <"$T/empty" >"$T/out"
check "no trades: no output" test ! -s "$T/out"

# 4. Venues are apart: the same symbol on two venues, two candles.
{
	trade 1700000040000 1 1 buy BTCUSDT binance
	trade 1700000040001 2 3 sell BTCUSDT bybit
} | mkt-candles --interval 1m >"$T/out"
is "$(grep -c '"type":"candle"' "$T/out")" 2 "one candle per venue"

# 5. Pass-through: every other event unchanged, in order; a candle goes
#    out before the event after the trade that closed its window.
stat='{"type":"status","source":"x","state":"synced","time":5}'
kl='{"type":"kline","venue":"binance","market":"spot","symbol":"BTCUSDT","k":{"o":"1"}}'
{
	echo "$stat"
	trade 1700000040000 1 1 buy
	echo "$kl"
	trade 1700000100000 2 1 buy
	echo '{"type":"mystery" , "x" : [1, 2]}'
} >"$T/mixed"
mkt-candles --interval 1m <"$T/mixed" >"$T/out"
is "$(sed 's/^{"type":"\([a-z]*\)".*/\1/' "$T/out" | tr '\n' ' ')" \
	"status kline candle mystery candle " "pass-through order"
grep -v '"type":"candle"' "$T/out" >"$T/passed"
grep -v '"type":"trade"' "$T/mixed" >"$T/want"
cmp_file "$T/passed" "$T/want" "other events pass byte for byte"
mkt-candles --interval 1m --no-pass <"$T/mixed" >"$T/out"
is "$(grep -vc '"type":"candle"' "$T/out")" 0 "--no-pass drops the rest"
mkt-candles --interval 1m --keep <"$T/mixed" >"$T/out"
is "$(sed 's/^{"type":"\([a-z]*\)".*/\1/' "$T/out" | tr '\n' ' ')" \
	"status trade kline candle trade mystery candle " \
	"--keep: each trade after the candles it closed"

# 6. A late trade (of a window already written) counts in the open one.
{
	trade 1700000040000 10 1 buy
	trade 1700000100000 20 1 buy
	trade 1700000099000 5 1 sell
} | mkt-candles --interval 1m >"$T/out"
is "$(tail -n 1 "$T/out" | python3 -c 'import json,sys
e=json.load(sys.stdin); print(e["open_time"], e["trades"], e["low"], e["close"])')" \
	"1700000100000 2 5 5" "a late trade counts in the open window"

# 7. Bad lines: reported with their numbers, skipped; the rest goes on.
{
	trade 1700000040000 10 1 buy
	echo '{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","price":"1","qty":"1","side":"buy"}'
	trade 1700000040001 10 0 buy
	trade 1700000040002 -1 1 buy
	trade 1700000040003 10 1 up
	echo 'not json'
	trade 1700000040004 12 1 sell
} >"$T/bad"
mkt-candles --interval 1m <"$T/bad" >"$T/out" 2>"$T/err"
is "$?" 0 "bad lines: exit 0"
cat >"$T/want" <<'EOT'
mkt-candles: line 2: missing field 'time'
mkt-candles: line 3: field 'qty' must be above 0
mkt-candles: line 4: field 'price' must be above 0
mkt-candles: line 5: field 'side' is not buy or sell
EOT
grep -v 'line 6' "$T/err" >"$T/err4"
cmp_file "$T/err4" "$T/want" "bad trades reported once each, by line"
check "invalid JSON reported" grep -q '^mkt-candles: line 6: invalid JSON' "$T/err"
is "$(python3 -c 'import json,sys
e=json.load(open(sys.argv[1])); print(e["trades"], e["close"], e["volume"])' "$T/out")" \
	"2 12 2" "the good trades around them make the candle"

# 8. SIGTERM: the open window is written, exit 0, nothing on stderr.
#    The writer keeps the FIFO open so the program blocks in read().
cat >"$T/writer.py" <<'PY'
import fcntl, os, signal, struct, sys, termios, time
fd = os.open(sys.argv[1], os.O_WRONLY)
os.write(fd, (sys.argv[2] + "\n").encode())
while struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]:
    time.sleep(0.01)
open(sys.argv[3], "w").close()
while True:
    signal.pause()
PY
blocked() {
	[ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = S ]
}
mkfifo "$T/fifo"
python3 "$T/writer.py" "$T/fifo" "$(trade 1700000040000 7 3 buy)" "$T/taken" &
writer=$!
mkt-candles --interval 1h <"$T/fifo" >"$T/out" 2>"$T/err" &
pid=$!
wait_for test -e "$T/taken"
wait_for blocked "$pid"
# The second signal ends the drain of the pipe at once.
kill -TERM "$pid" 2>/dev/null
kill -TERM "$pid" 2>/dev/null
wait "$pid"
st=$?
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
is "$st" 0 "SIGTERM: exit 0"
is "$(grep -c '"type":"candle".*"trades":1' "$T/out")" 1 \
	"SIGTERM: the open window's candle is written"
check "SIGTERM: nothing on stderr" test ! -s "$T/err"

# 9. Output errors: EPIPE quiet, ENOSPC exit 1 with one message.
i=0
while [ $i -lt 3000 ]; do
	echo "$stat"
	i=$((i + 1))
done >"$T/many"
( mkt-candles --interval 1m <"$T/many" 2>"$T/err"; echo $? >"$T/status" ) |
	head -n 1 >/dev/null
is "$(cat "$T/status")" 0 "EPIPE: exit 0"
check "EPIPE: nothing on stderr" test ! -s "$T/err"
mkt-candles --interval 1m <"$T/many" >/dev/full 2>"$T/err"
is "$?" 1 "ENOSPC: exit 1"
is "$(cat "$T/err")" "mkt-candles: write error: No space left on device" \
	"ENOSPC: reported once"

# 10. Usage: --interval needed and above 0; no operands; -h, --version.
usage_err() { # WANT-MESSAGE ARGS...
	_w=$1
	shift
	mkt-candles "$@" </dev/null >"$T/out" 2>"$T/err"
	is "$?" 2 "usage: mkt-candles $* exits 2"
	is "$(head -n 1 "$T/err")" "mkt-candles: $_w" "usage: mkt-candles $*: message"
}
usage_err "missing --interval"
usage_err "bad --interval '0': must be above 0" --interval 0
usage_err "bad --interval '1x': want a duration like 250ms, 1s, 1m" --interval 1x
usage_err "unexpected argument 'foo'" --interval 1m foo
usage_err "unknown or incomplete option '--bogus'" --bogus
check "usage: the try line" grep -q "^try 'mkt-candles --help'$" "$T/err"
mkt-candles -h >"$T/out"
is "$?" 0 "-h exits 0"
check "-h: the usage and every option" sh -c \
	"grep -q '^usage: mkt-candles --interval DUR' '$T/out' && grep -q -- --keep '$T/out' && grep -q -- --no-pass '$T/out'"
is "$(mkt-candles --version | cut -d' ' -f1)" "mkt-candles" "--version"
is "$(mkt candles --interval 1m <"$T/ohlc" | grep -c candle)" 1 "mkt candles runs it"
done_testing
