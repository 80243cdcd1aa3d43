#!/bin/sh
# 0760-replay-journal: mkt-replay on journals that mkt-journal writes (the
# reader's other tests use an independent writer of the format): a round
# trip across rotations, --follow while mkt-journal appends and rotates,
# and a cursor that resumes where a reader stopped.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

N=200000
[ -n "${MKT_SANITIZED:-}" ] && N=50000
gen-events --events $N >"$T/in"
mkt-journal append --segment-size 256k --frame-size 64k "$T/j" <"$T/in"
is "$?" 0 "append: exit 0"
check "many segments" test "$(ls "$T"/j/seg-*.zst | wc -l)" -gt 5
mkt-replay "$T/j" >"$T/out"
is "$?" 0 "replay: exit 0"
cmp_file "$T/out" "$T/in" "replay gives back every line byte for byte"

# --follow while the appender writes at a steady rate and rotates.
M=20000
gen-events --events $M --run 1 >"$T/slow.in"
mkdir -p "$T/f"
# The journal exists before the follower starts.
head -n 1 "$T/slow.in" | mkt-journal append "$T/f"
tail -n +2 "$T/slow.in" >"$T/slow.rest"
mkt-replay --follow "$T/f" >"$T/follow.out" 2>"$T/follow.err" &
follower=$!
# Feed the rest in bursts of 1000, rotating every 64k.
{
	split -l 1000 "$T/slow.rest" "$T/chunk."
	for c in "$T"/chunk.*; do
		cat "$c"
		sleep 0.05
	done
} | mkt-journal append --sync 20ms --segment-size 64k --frame-size 16k "$T/f"
is "$?" 0 "follow: the appender exits 0"
wait_lines "$T/follow.out" $M
kill -TERM $follower
wait $follower
is "$?" 0 "follow: SIGTERM exits 0"
check "follow: the appender rotated" test "$(ls "$T"/f/seg-*.zst | wc -l)" -gt 3
cmp_file "$T/follow.out" "$T/slow.in" "follow: every event once, in order"

# A cursor: a reader stopped part way resumes after the last event it
# wrote.  (Through a pipe, what the next program had read but not used
# when it left is past the cursor: a cursor counts what was written.)
mkt-replay --cursor c1 --speed 20 "$T/j" >"$T/c.1" &
r=$!
# Stopped once it has written something (--speed 20 makes the whole
# run take much longer).
wait_file "$T/c.1"
kill -TERM $r
wait $r
is "$?" 0 "cursor: SIGTERM exits 0"
mkt-replay --cursor c1 "$T/j" >"$T/c.2"
cat "$T/c.1" "$T/c.2" >"$T/c.all"
check "cursor: the first reader stopped part way" \
	test "$(wc -l <"$T/c.1")" -gt 0 -a "$(wc -l <"$T/c.2")" -gt 0
cmp_file "$T/c.all" "$T/in" "cursor: the two runs are every event exactly once"
mkt-replay --cursor c1 "$T/j" >"$T/c.3"
is "$(wc -l <"$T/c.3" | tr -d ' ')" 0 "cursor: a third run has nothing left"
done_testing
