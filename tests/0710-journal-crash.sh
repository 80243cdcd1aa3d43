#!/bin/sh
# Crash safety: mkt-journal append is killed with SIGKILL at random
# moments (MKT_TORTURE times, 100 by default; `make torture` runs 1000)
# while a producer streams numbered events and --sync 10ms acks them.
# After most kills a clean run appends a few more events (and recovers
# what the kill left); now and then two killed runs follow each other,
# so that kills land in recovery too.  At the end: every event acked
# before a kill is in the journal exactly once and in order, each run a
# prefix of what it was given, the acks' seqs are the events' positions,
# verify passes, and the index is the one a fresh reindex builds.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

N=${MKT_TORTURE:-100}
SEED=${MKT_TORTURE_SEED:-$(date +%s)}
echo "# $N kills, seed $SEED (MKT_TORTURE_SEED=$SEED to repeat)"
J=$T/j
PLAN=$T/plan
: >"$PLAN"
: >"$T/err"
awk -v n="$N" -v seed="$SEED" 'BEGIN { srand(seed);
	for (i = 0; i < n; i++) printf "%.3f %d\n", rand() * 0.08, rand() * 3 }' \
	>"$T/delays"

run=0
bad=0
while read -r delay twice; do
	run=$((run + 1))
	gen-events --run $run --seed $run --events 0 --rate 20000 |
		mkt-journal append --sync 10ms --frame-size 4k \
		--segment-size 64k --ack "$T/ack.$run" "$J" 2>>"$T/err" &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null
	wait
	echo "$run killed $T/ack.$run" >>"$PLAN"
	# One time in three, the next killed run does the recovery.
	[ "$twice" -eq 0 ] && continue
	run=$((run + 1))
	if ! gen-events --run $run --seed $run --events 5 |
		mkt-journal append --ack "$T/ack.$run" "$J" 2>>"$T/err"; then
		bad=$((bad + 1))
	fi
	echo "$run clean $T/ack.$run 5" >>"$PLAN"
done <"$T/delays"
# The journal ends with a clean run, which recovers the last kill.
run=$((run + 1))
gen-events --run $run --seed $run --events 5 |
	mkt-journal append --ack "$T/ack.$run" "$J" 2>>"$T/err" ||
	bad=$((bad + 1))
echo "$run clean $T/ack.$run 5" >>"$PLAN"

is "$bad" 0 "every clean run after a kill exits 0"
check "no error but recovery notes" \
	sh -c "! grep -v -e 'torn tail' -e 'past the end of the index' -e 'history tables caught up' '$T/err'"
echo "# recoveries: $(grep -c 'past the end of the index' "$T/err")," \
	"torn tails: $(grep -c 'torn tail' "$T/err")"
grep 'torn tail' "$T/err" | head -3 | sed 's/^/# /'
check "each run journaled a prefix, every acked event, in order" \
	python3 "$TOP/tests/tools/journal-check.py" runs "$J" "$PLAN"
check "verify passes" mkt-journal verify "$J"
cp -r "$J" "$T/re"
check "reindex runs" mkt-journal reindex "$T/re"
check "the index is what a fresh reindex builds" \
	python3 "$TOP/tests/tools/journal-check.py" same-index "$J" "$T/re"
rm -f "$T/re/index.db" "$T/re/index.db-wal" "$T/re/index.db-shm"
check "reindex without an index" mkt-journal reindex "$T/re" 2>/dev/null
check "builds the same index" \
	python3 "$TOP/tests/tools/journal-check.py" same-index "$J" "$T/re" loose
done_testing
