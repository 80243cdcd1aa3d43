#!/bin/sh
# mkt-book --checkpoint DUR: a full snapshot of each changed live book
# every DUR of event time, beside the stream; a journal of it lets
# mkt-replay --from T --book replay at most about one period.
. "$(dirname "$0")/lib.sh"

need_tools python3 jq

# Two symbols, about 10 events a second each, 1000 s of event time.
gen-depth --events 20000 --levels 200 --symbols 2 >"$T/ev"
mkt-book --checkpoint 1m --interval 1m <"$T/ev" >"$T/ck"
is "$?" 0 "mkt-book --checkpoint 1m: exit 0"

first=$(head -n 1 "$T/ev" | jq .time)
last=$(tail -n 1 "$T/ev" | jq .time)
periods=$((last / 60000 - first / 60000))
is "$(grep -c '^{"type":"snapshot".*"checkpoint":true}$' "$T/ck")" \
    "$((2 * periods))" "one checkpoint per book at each of the $periods period starts"
is "$(grep -v '"type":"book"' "$T/ck" | grep -v '"checkpoint":true' |
    cmp - "$T/ev" && echo same)" same \
    "the snapshot and depth events pass, unchanged and in order"

# Each checkpoint is stamped in the period before, and the next depth
# event of its book continues its last_id (Binance: first_id = id + 1).
python3 - "$T/ck" >"$T/res" <<'PY'
import json, sys
held, bad, n = {}, 0, 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    k = e.get("symbol")
    if e["type"] == "snapshot" and e.get("checkpoint"):
        held[k] = e
    elif e["type"] == "depth" and k in held:
        c = held.pop(k)
        n += 1
        if (e["first_id"] != c["last_id"] + 1 or
                c["time"] // 60000 >= e["time"] // 60000):
            bad += 1
print(n, bad)
PY
is "$(cat "$T/res")" "$((2 * periods)) 0" "every checkpoint is continued by its book's next depth event"

# A checkpoint changes no book.
grep -v '"type":"book"' "$T/ck" | mkt-book --interval 1m --levels 0 >"$T/b1"
mkt-book --interval 1m --levels 0 <"$T/ev" >"$T/b2"
cmp_file "$T/b1" "$T/b2" "mkt-book on the stream with checkpoints: the same books"

# Seeking: small frames, so that the frames read say how far back the
# replay went.  With checkpoints, from the middle, about one period.
grep -v '"type":"book"' "$T/ck" |
    mkt-journal append --frame-size 16K "$T/jc"
mkt-journal append --frame-size 16K "$T/j" <"$T/ev"
mid=$(((first + last) / 2))
# frames J: the frames read to rebuild the books at mid (--to stops the
# reading there).
frames() {
	mkt-replay "$1" --from "$mid" --to "$((mid + 1))" --book -v 2>&1 \
	    >/dev/null | sed -n 's/.*frames read: \([0-9]*\),.*/\1/p'
}
fc=$(frames "$T/jc")
fr=$(frames "$T/j")
total=$(mkt-journal stats --json "$T/j" |
    sed -n 's/.*"type":"journal_stats".*"frames":\([0-9]*\).*/\1/p')
per=$((total / (periods + 1) + 1))
check "with checkpoints, at most about one period read ($fc frames; $per a period)" \
    [ "$fc" -le $((per + 2)) ]
check "without, from the venue's snapshot at the start ($fr frames)" \
    [ "$fr" -gt $((total / 2 - 2)) ]

# books FILE: the book events at or after mid.
books() {
	grep '^{"type":"book"' "$1" | awk -v t="$mid" \
	    'match($0, /"time":[0-9]+/) && substr($0, RSTART + 7, RLENGTH - 7) + 0 >= t'
}
for j in jc j; do
	mkt-replay "$T/$j" | mkt-book --levels 0 >"$T/full"
	mkt-replay "$T/$j" --from "$mid" --book | mkt-book --levels 0 >"$T/anch"
	books "$T/full" >"$T/want"
	books "$T/anch" >"$T/got"
	check "$j: books to compare" [ -s "$T/want" ]
	cmp_file "$T/got" "$T/want" "$j: from the anchor, the books of the whole replay"
done

# A book whose last snapshot is more than an hour before T: said, once.
gen-depth --events 40000 --levels 50 >"$T/long"
mkt-journal append "$T/jl" <"$T/long"
t0=$(head -n 1 "$T/long" | jq .time)
mkt-replay "$T/jl" --from "$((t0 + 3700000))" --book >"$T/out" 2>"$T/err"
is "$?" 0 "an old snapshot: exit 0"
is "$(grep -c 'binance:spot:BTCUSDT: the last snapshot before --from is at' \
    "$T/err")" 1 "an old snapshot: the long scan is said once"
is "$(head -n 1 "$T/out" | jq -r '.type, .checkpoint' | tr '\n' ' ')" \
    "snapshot true " "an old snapshot: the book still comes first"

# Usage.
mkt-book --checkpoint 0 </dev/null 2>"$T/err"
is "$?" 2 "--checkpoint 0: exit 2"
mkt-book --checkpoint soon </dev/null 2>/dev/null
is "$?" 2 "--checkpoint soon: exit 2"

done_testing
