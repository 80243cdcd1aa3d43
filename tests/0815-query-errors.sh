#!/bin/sh
# 0815-query-errors: `mkt-journal query ... series` errors say what to
# type instead: an ambiguous symbol names every venue and market that
# holds it, an unknown one lists the symbols there are, a band missing
# from one venue says where the symbol is.
. "$(dirname "$0")/lib.sh"

b() { # VENUE MARKET SYMBOL
	printf '{"type":"bands","venue":"%s","market":"%s","symbol":"%s","time":1700000000000,"bands":[{"pct":1.5,"bid_qty":1,"ask_qty":2,"bid_value":3,"ask_value":4,"complete":true}]}\n' "$1" "$2" "$3"
}
{
	b binance spot BTCUSDT
	b binance futures BTCUSDT
	b bybit linear BTCUSDT
	b binance spot ETHUSDT
	b bybit linear SOLUSDT
} | mkt-journal append "$T/j"
is "$?" 0 "append: exit 0"

q() { mkt-journal query "$T/j" series --pct 1.5 "$@" 2>&1 >/dev/null; }

is "$(q --symbol BTCUSDT; echo "exit $?")" \
	"mkt-journal: '$T/j': series: symbol 'BTCUSDT' is in binance:futures, binance:spot and bybit:linear: give the venue and market
exit 1" "an ambiguous symbol: every venue and market named"
is "$(q --symbol BTCUSDT --venue binance; echo "exit $?")" \
	"mkt-journal: '$T/j': series: symbol 'BTCUSDT' is in binance:futures, binance:spot and bybit:linear: give the venue and market
exit 1" "ambiguous within a venue: the same list"
is "$(q --symbol XRPUSDT; echo "exit $?")" \
	"mkt-journal: '$T/j': series: unknown symbol 'XRPUSDT': the journal has BTCUSDT, ETHUSDT and SOLUSDT
exit 1" "an unknown symbol: the known ones listed"
is "$(q --symbol SOLUSDT --venue binance; echo "exit $?")" \
	"mkt-journal: '$T/j': series: no bands of 1.5% in binance for symbol 'SOLUSDT'; it is in bybit:linear
exit 1" "a symbol not in that venue: where it is"
is "$(q --symbol ETHUSDT --pct 3; echo "exit $?")" \
	"mkt-journal: '$T/j': series: no bands of 3% for symbol 'ETHUSDT'; it is in binance:spot
exit 1" "a band the symbol lacks: where the symbol is"
is "$(mkt-journal query "$T/j" series --pct 1.5 --symbol BTCUSDT --venue bybit | jq -c .)" \
	'{"time":1699999980000,"value":1}' "the venue alone picks it when it is enough"

# Many symbols: the first twelve, then how many more.
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15; do
	b binance spot "S${i}USDT"
done | mkt-journal append "$T/j"
is "$(q --symbol NOPE)" \
	"mkt-journal: '$T/j': series: unknown symbol 'NOPE': the journal has BTCUSDT, ETHUSDT, S01USDT, S02USDT, S03USDT, S04USDT, S05USDT, S06USDT, S07USDT, S08USDT, S09USDT, S10USDT and 6 more" \
	"many symbols: twelve, then how many more"
done_testing
