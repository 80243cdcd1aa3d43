#!/bin/sh
# Times wherever they are taken (mkt-journal query, mkt-replay --from and
# --to): epoch ms, RFC 3339, a date alone (midnight UTC), now, and an
# offset from now (-1h, -7d); anything else is a usage error naming the
# forms.
. "$(dirname "$0")/lib.sh"

# Three hours of minute bands from 22:13 on 2023-11-14.
gen-bands --symbols 1 --markets 1 --minutes 180 \
    --start 2023-11-14T22:13:00Z >"$T/b.ndjson"
mkt-journal append "$T/h" <"$T/b.ndjson"
is "$?" 0 "append: exit 0"
series() {
	mkt-journal query "$T/h" series --symbol BTCUSDT --pct 1.5 \
	    --resolution minute "$@"
}
series --from 2023-11-15 >"$T/date"
is "$?" 0 "query series --from 2023-11-15: exit 0"
series --from 2023-11-15T00:00:00Z >"$T/datetime"
is "$(wc -l <"$T/date" | tr -d ' ')" 73 \
    "--from a date alone: the minutes from its midnight (00:00 to 01:12)"
cmp_file "$T/date" "$T/datetime" "--from 2023-11-15 is its midnight UTC"
series --to 2023-11-15 >"$T/before"
is "$(wc -l <"$T/before" | tr -d ' ')" 108 \
    "--to a date alone (inclusive): the minutes to its midnight (22:13 to 00:00)"
is "$(series --from -1h | wc -l | tr -d ' ')" 0 \
    "--from -1h: nothing of 2023 is within the last hour"
is "$(series --from -7d --to now | wc -l | tr -d ' ')" 0 \
    "--from -7d --to now: nor within the last week"
is "$(series --to now | wc -l | tr -d ' ')" 180 \
    "--to now: every minute"

# mkt-replay, with events two hours and half an hour old.
now=$(($(date +%s) * 1000))
for age in 7200000 1800000; do
	printf '{"type":"trade","venue":"binance","market":"spot","symbol":"BTCUSDT","time":%s,"price":1,"qty":1,"side":"buy","age":%s}\n' \
	    $((now - age)) $age
done >"$T/t.ndjson"
mkt-journal append "$T/r" <"$T/t.ndjson"
ages() {
	mkt-replay "$T/r" "$@" | jq -r .age | tr '\n' ' '
}
is "$(ages --from -1h)" "1800000 " "replay --from -1h: the event of 30 minutes ago"
is "$(ages --to -1h)" "7200000 " "replay --to -1h: the event of 2 hours ago"
is "$(ages --from -3h --to now)" "7200000 1800000 " \
    "replay --from -3h --to now: both"
is "$(ages --from now-1d)" "7200000 1800000 " "replay --from now-1d: both"
is "$(ages --from now)" "" "replay --from now: none"
is "$(ages --from "$(date -u +%Y-%m-%d -d @$(((now - 7200000) / 1000)))")" \
    "7200000 1800000 " "replay --from the date of the older event: both"

# Bad times name the forms.
for bad in yesterday 1h now-1 +1000 2023-11-15T00:00 2023-11-31; do
	mkt-replay "$T/r" --from "$bad" >/dev/null 2>"$T/err"
	is "$?" 2 "replay --from '$bad': usage error"
	mkt-journal query "$T/h" series --symbol BTCUSDT --pct 1.5 \
	    --to "$bad" >/dev/null 2>"$T/err2"
	is "$?" 2 "query --to '$bad': usage error"
done
check "the message names the forms" grep -q \
    "bad --from '2023-11-31': want epoch ms, RFC 3339 like 2026-11-20T14:30:00Z or 2026-11-20, now, or an offset such as -1h" "$T/err"
check "query's message too" grep -q \
    "bad --to '2023-11-31': want epoch ms, an RFC 3339 time or date, now, or an offset such as -1h" "$T/err2"
done_testing
