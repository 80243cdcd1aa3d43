#!/bin/sh
# Signals drain pipelines (mkt(7), SIGNALS): Ctrl-C reaches every
# process of a pipeline at once; the source stops and closes its output,
# and each stage reading a pipe reads on to the end of its input, then
# writes its pending windows, so every window reaches the last stage.
# A stage whose upstream never closes stops anyway after the grace.
# load: 3 (other processes, waits on them: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

# Two markets, three symbols, a depth event every 20 s for three
# minutes: mkt-depth --interval 1m holds the last minute's bands, and
# mkt-diff --aggregate that minute's TOTAL, TOTAL1 and TOTAL2, until
# their input ends.
t0=1700000000000
{
	for m in spot futures; do
		for s in BTCUSDT ETHUSDT SOLUSDT; do
			printf '{"type":"snapshot","venue":"binance","market":"%s","symbol":"%s","time":%d,"last_id":1,"bids":[["100","1"],["99","2"]],"asks":[["101","1"],["102","3"]]}\n' \
			    $m $s $t0
		done
	done
	i=2
	while [ $i -le 10 ]; do
		for m in spot futures; do
			for s in BTCUSDT ETHUSDT SOLUSDT; do
				printf '{"type":"depth","venue":"binance","market":"%s","symbol":"%s","time":%d,"first_id":%d,"last_id":%d,"prev_last_id":%d,"bids":[["100","%d"]],"asks":[]}\n' \
				    $m $s $((t0 + (i - 1) * 20000)) $i $i $((i - 1)) $i
			done
		done
		i=$((i + 1))
	done
} >"$T/events"
mkt-journal append "$T/J" <"$T/events" || exit 1
# What the stages write when their input simply ends.
mkt-depth --interval 1m <"$T/events" | mkt-diff --aggregate >"$T/want"
last=$((t0 + 160000))
is "$(grep -c "\"time\":$last" "$T/want")" 18 \
    "the last minute: 6 symbols' bands and imbalance, and 6 aggregates"

# session_procs SID: the processes of session SID still running.
session_procs() {
	pgrep -s "$1" >/dev/null
}
no_session_procs() {
	! session_procs "$1"
}

# wrote_all PID BYTES: process PID has written at least BYTES bytes.
wrote_all() {
	[ "$(sed -n 's/^wchar: //p' "/proc/$1/io" 2>/dev/null)" -ge "$2" ] \
	    2>/dev/null
}

# start NAME SCRIPT: run the sh SCRIPT (which may use $T) in a session
# of its own, as a terminal would run a pipeline; the shell ignores the
# stop signals so that it can write each stage's exit status to
# $T/NAME.STAGE.  Each program installs its own handlers, so the signal
# is sent once they run (a file written).  Sets $sid and $job.
start() {
	rm -f "$T/$1.sid"
	setsid sh -c 'trap "" INT TERM; echo $$ >"$T/'"$1"'.sid"; '"$2" &
	job=$!
	wait_file "$T/$1.sid"
	sid=$(cat "$T/$1.sid")
}

# stop_group: SIGINT to the whole group, then wait until every process
# of the session is gone (the grace and the sanitizers may take time).
stop_group() {
	kill -INT -"$sid"
	wait_for no_session_procs "$sid"
	wait "$job"
}

# mkt-replay --follow stays up after the journal's end, as a live
# source would: once it has written every event, the group gets SIGINT.
size=$(wc -c <"$T/events" | tr -d ' ')
export T
start three '
{ mkt-replay "$T/J" --follow; echo $? >"$T/three.replay"; } |
{ mkt-depth --interval 1m; echo $? >"$T/three.depth"; } |
{ mkt-diff --aggregate; echo $? >"$T/three.diff"; } >"$T/three.out"'
wait_for pgrep -s "$sid" -x mkt-replay >/dev/null
replay=$(pgrep -s "$sid" -x mkt-replay)
wait_for wrote_all "$replay" "$size"
wait_file "$T/three.out"
stop_group
for s in replay depth diff; do
	is "$(cat "$T/three.$s" 2>/dev/null)" 0 "three stages: mkt-$s exits 0"
done
cmp_file "$T/three.out" "$T/want" "three stages: every window, aggregates too"

# Four stages, into a journal: its appender has pending lines too.
start four '
{ mkt-replay "$T/J" --follow; echo $? >"$T/four.replay"; } |
{ mkt-depth --interval 1m; echo $? >"$T/four.depth"; } |
{ mkt-diff --aggregate; echo $? >"$T/four.diff"; } |
{ mkt-journal append --ack "$T/four.ack" "$T/J4"
  echo $? >"$T/four.journal"; }'
wait_for pgrep -s "$sid" -x mkt-replay >/dev/null
replay=$(pgrep -s "$sid" -x mkt-replay)
wait_for wrote_all "$replay" "$size"
# The first minutes are durable: every stage is in its read loop.
wait_lines "$T/four.ack" 2
stop_group
for s in replay depth diff journal; do
	is "$(cat "$T/four.$s" 2>/dev/null)" 0 "four stages: mkt-$s exits 0"
done
mkt-replay "$T/J4" >"$T/four.out"
cmp_file "$T/four.out" "$T/want" "four stages: every window in the journal"

# The grace: an upstream that ignores the signal and never closes.  The
# stages still stop: mkt-depth after the grace, with its pending window,
# and mkt-diff at the end of its input or of its own grace, with its
# pending aggregates.  (Both graces end at the same moment, so whether
# mkt-depth's last window reaches mkt-diff in time is not asserted:
# mkt(7) says so.)  The holder is killed afterwards.
start grace '
{ cat "$T/events"; : >"$T/grace.written"; exec tail -f /dev/null; } |
{ mkt-depth --interval 1m; echo $? >"$T/grace.depth"; } |
{ mkt-diff --aggregate; echo $? >"$T/grace.diff"; } >"$T/grace.out"'
wait_for test -e "$T/grace.written"
# Both stages are in their read loops (the first minutes are through):
# before, they would inherit the shell's ignored SIGINT.
wait_file "$T/grace.out"
kill -INT -"$sid"
wait_for test -e "$T/grace.diff"
is "$(cat "$T/grace.depth" 2>/dev/null)" 0 "grace: mkt-depth stops, exit 0"
is "$(cat "$T/grace.diff")" 0 "grace: mkt-diff exits 0"
grep -v "\"time\":$last" "$T/want" >"$T/grace.want"
grep -v "\"time\":$last" "$T/grace.out" >"$T/grace.got"
cmp_file "$T/grace.got" "$T/grace.want" \
    "grace: every window before the last, the pending aggregates too"
kill -KILL -"$sid" 2>/dev/null
wait "$job" 2>/dev/null
done_testing
