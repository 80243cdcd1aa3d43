#!/bin/sh
# Timely files (mkt(7)): output to a regular file is written at least
# once a second while events come, even when no further event follows,
# so tail -f shows it; and at exit.  Before, a file's 64 KiB block waited
# for the next event, however long that took.
# load: 3 (other processes, waits on them: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

snap='{"type":"snapshot","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000000000,"last_id":1,"bids":[["100","1"]],"asks":[["101","1"]]}'
next='{"type":"depth","venue":"binance","market":"spot","symbol":"BTCUSDT","time":1700000060000,"first_id":2,"last_id":2,"bids":[["100","2"]],"asks":[]}'

# A slow input: the test holds the FIFO open and writes when it likes.
# The bound of the waits turns a held block into a failure; it is not a
# measure of the second.
for prog in "mkt-depth --interval 1m" mkt-diff; do
	name=${prog%% *}
	rm -f "$T/fifo" "$T/out"
	mkfifo "$T/fifo"
	$prog <"$T/fifo" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 3>"$T/fifo"
	if [ "$name" = mkt-depth ]; then
		# The second minute's first event closes the first window.
		printf '%s\n%s\n' "$snap" "$next" >&3
	else
		# Unknown to mkt-diff: passed through.
		echo '{"type":"note","venue":"binance","n":1}' >&3
	fi
	check "$name: the file gets the line while the input stays open" \
	    wait_file "$T/out"
	check "$name: still running" kill -0 "$pid"
	is "$(nlines "$T/out")" 1 "$name: one line"
	# At exit: mkt-depth's pending window.
	exec 3>&-
	wait "$pid"
	is "$?" 0 "$name: exit 0 at end of input"
	if [ "$name" = mkt-depth ]; then
		is "$(nlines "$T/out")" 2 "$name: the pending window at exit"
	fi
	check "$name: says nothing" test ! -s "$T/err"
done
done_testing
