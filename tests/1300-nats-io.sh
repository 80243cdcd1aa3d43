#!/bin/sh
# nats:// as an output and an input, against a real nats-server with
# JetStream on 127.0.0.1: the stream is never made silently and a wrong
# one is named; each event goes to SUBJECT.VENUE.MARKET.SYMBOL.TYPE (or
# the template's subject) with an id that repeats with the event, so a
# second publication adds nothing; a filter selects by subject; a
# durable consumer goes on after what it acked; a slow reader and a
# server that stops answering grow no process's memory.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-nats.sh"
trap 'ns_cleanup; [ -n "$KEEP" ] || rm -rf "$T"' EXIT

# Depth events of three symbols on two venues, and statuses with no
# symbol: N lines.
gen() { # FIRST COUNT
	python3 - "$1" "$2" <<'PY'
import json, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
syms = [("binance", "spot", "BTCUSDT"), ("binance", "futures", "ETHUSDT"),
        ("bybit", "linear", "SOLUSDT")]
for i in range(first, first + n):
    if i % 50 == 49:
        print(json.dumps({"type": "status", "source": "t", "time": i,
                          "state": "idle", "n": i}, separators=(",", ":")))
        continue
    v, m, s = syms[i % 3]
    print(json.dumps({"type": "depth", "venue": v, "market": m, "symbol": s,
                      "time": 1700000000000 + i, "recv": 1700000000000001 + i,
                      "first_id": i, "last_id": i, "bids": [["100.5", str(i)]],
                      "asks": [["101", "0"]], "pad": "x" * 600},
                     separators=(",", ":")))
PY
}
gen 1 3000 >"$T/a.ndjson"
gen 3001 2000 >"$T/b.ndjson"

ns_start one
U=nats://127.0.0.1:$NS_PORT

# A missing stream is an error that names it; nothing is made.
mkt-diff -i "$T/a.ndjson" -o "$U/mkt" >/dev/null 2>"$T/e1"
is "$?" 1 \
    "no stream: exit 1"
check "no stream: the error names it and create=1" \
    grep -q "no stream 'MKT'.*create=1" "$T/e1"
mkt-diff -i "$T/a.ndjson" -o "$U/mkt?colour=red" 2>"$T/e2"
check "an unknown parameter is named" grep -q "unknown parameter 'colour'" \
    "$T/e2"
is "$(stream_msgs one MKT)" "" \
    "nothing was made"

# create=1 makes it with the settings given; the events go in once
# however often they are published.
ok mkt-diff -i "$T/a.ndjson" -o "$U/mkt?create=1&max_age=1h&dup_window=5m"
is "$(stream_msgs one MKT)" 3000 \
    "3000 events stored"
ok mkt-diff --metrics "$T/m.prom" -i "$T/a.ndjson" -o "$U/mkt"
is "$(stream_msgs one MKT)" 3000 \
    "published again: still 3000"
is "$(grep '^mkt_nats_' "$T/m.prom" | sed 's/{[^}]*}//' | tr '\n' ' ')" \
    "mkt_nats_published_total 3000 mkt_nats_stored_total 0 mkt_nats_duplicates_total 3000 mkt_nats_resent_total 0 " \
    "--metrics: 3000 published, 3000 acked as duplicates"
mkt-diff -i "$T/a.ndjson" -o "$U/mkt?max_age=2h" 2>"$T/e3"
check "a setting the stream does not have is an error" \
    grep -q "exists with max_age 3600s, not 7200s" "$T/e3"
mkt-diff -i "$T/a.ndjson" -o "$U/other" 2>"$T/e4"
check "a subject the stream does not take is an error" \
    grep -q "does not take subject 'other\." "$T/e4"
_subj=$(curl -sf "http://127.0.0.1:$NS_MPORT/jsz?streams=true&config=true" |
    jq -r '.account_details[0].stream_detail[0].config.subjects[0]')
is "$_subj" "mkt.>" \
    "the stream's subjects"

# read NAME SPEC N: a consumer (mkt-diff passes what it does not consume)
# until it has written N lines, then SIGTERM; its lines in $T/NAME.
read_n() {
	mkt-diff -i "$2" -o "$T/$1" 2>"$T/$1.err" &
	_r=$!
	check "$1: $3 lines come" wait_lines "$T/$1" "$3"
	kill -TERM "$_r"
	wait "$_r"
	is "$?" 0 \
	    "$1: SIGTERM ends it at once, exit 0"
}

read_n all "$U/mkt.>?durable=all" 3000
check "all: the events, in order, byte for byte" cmp "$T/all" "$T/a.ndjson"
read_n btc "$U/mkt.binance.*.BTCUSDT.>?durable=btc" \
    "$(grep -c '"BTCUSDT"' "$T/a.ndjson")"
is "$(jq -r .symbol "$T/btc" | sort -u)" BTCUSDT \
    "a filter: only BTCUSDT"
is "$(nlines "$T/btc")" "$(grep -c '"BTCUSDT"' "$T/a.ndjson")" \
    "a filter: all of it"
read_n st "$U/mkt.status?durable=st" 60
is "$(jq -r .type "$T/st" | sort -u)" status \
    "statuses go to SUBJECT.TYPE"

# The durable goes on after what it acked: more events, then the same
# consumer again reads exactly those.  (MID: a time after the first
# events were stored and before these are, 200 ms into a second: see
# start_ns() in lib/io/natssub.c.)
MID=$((($(date +%s) + 1) * 1000 + 200))
wait_for sh -c "test \$(date +%s%3N) -gt $MID"
ok mkt-diff -i "$T/b.ndjson" -o "$U/mkt"
read_n all2 "$U/mkt.>?durable=all" 2000
check "the durable resumes: the new events only, in order" \
    cmp "$T/all2" "$T/b.ndjson"
read_n from "$U/mkt.>?durable=from&start=$MID" 2000
check "start=: a new consumer starts at that time" cmp "$T/from" "$T/b.ndjson"

# A template names the subject.
ok mkt-diff -i "$T/a.ndjson" \
    -o "$U/tpl?stream=TPL&create=1&template=tpl.{venue}.{type}"
read_n tpl "$U/tpl.bybit.depth?stream=TPL&durable=t" \
    "$(grep -c '"bybit"' "$T/a.ndjson")"
is "$(jq -r .venue "$T/tpl" | sort -u)" bybit \
    "template: bybit's depth events"

# mkt-serve reads a subject filter as a --live source: all 5000 events
# of the stream come (more than a consumer lets wait unacked).
ok mkt-journal append "$T/sj" </dev/null
mkt-serve --journal "$T/sj" --live "$U/mkt.>?durable=serve" \
    --listen 127.0.0.1:0 --port-file "$T/serve.port" 2>"$T/serve.err" &
SERVE=$!
check "mkt-serve starts" wait_file "$T/serve.port"
served() {
	curl -s "http://127.0.0.1:$(cat "$T/serve.port")/health" |
	    jq -e '[.sources[] | select(.name == "live") | .events] == [5000]' \
	    >/dev/null
}
check "mkt-serve: the 5000 events of the stream reach it" wait_for served
kill -TERM "$SERVE"
wait "$SERVE"
is "$?" 0 "mkt-serve stops cleanly"

# rss PID: resident KiB.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# A reader that stops reading: its memory stays bounded while the
# stream grows by 40 MB.
mkfifo "$T/slow.fifo"
mkt-diff -i "$U/mkt.>?durable=slow" -o "$T/slow.fifo" 2>"$T/slow.err" &
SLOW=$!
exec 7<"$T/slow.fifo"
ok dd bs=64k count=4 of=/dev/null <&7 status=none
gen 5001 30000 >"$T/c.ndjson"
ok mkt-diff -i "$T/c.ndjson" -o "$U/mkt"
r1=$(rss "$SLOW")
ok mkt-diff -i "$T/c.ndjson" -o "$U/mkt?template=mkt.again.{symbol}"
r2=$(rss "$SLOW")
echo "# slow reader: $r1 KiB, then $r2 KiB after 30000 more events"
check "a slow reader's memory stays bounded ($r1 -> $r2 KiB)" \
    test "$r2" -lt $((r1 + 16384))
kill -TERM "$SLOW"
exec 7<&-
wait "$SLOW"

# A server that stops answering: the producer waits, with bounded
# memory, and everything goes in once it answers again.
_before=$(stream_msgs one MKT)
gen 40001 20000 >"$T/d.ndjson"
kill -STOP "$NS_PID_one"
mkt-diff -i "$T/d.ndjson" -o "$U/mkt" 2>"$T/stall.err" &
PROD=$!
# It has published what it may without acks, and waits.
check "the producer waits while the server does not answer" \
    wait_for sh -c "grep -q '^State:.*S (sleeping)' /proc/$PROD/status"
r3=$(rss "$PROD")
kill -CONT "$NS_PID_one"
wait "$PROD"
is "$?" 0 \
    "the producer ends well once the server answers"
echo "# a stalled producer's memory: $r3 KiB"
check "a stalled producer's memory is bounded ($r3 KiB)" test "$r3" -lt 65536
is "$(stream_msgs one MKT)" $((_before + 20000)) \
    "every event stored once"

done_testing
