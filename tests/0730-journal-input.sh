#!/bin/sh
# mkt-journal append and its input: bad lines are rejected with a clear
# message, counted and never written, every valid event around them is
# journaled; a second writer is refused while the first goes on; SIGTERM
# and SIGINT make everything read durable; a write error is exit 1 and
# leaves whole frames only; usage errors are exit 2.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

content() {
	cat "$1"/seg-*.zst | zstd -dcq
}

# Bad lines among good ones.
J=$T/j
gen-events --events 5000 --bad-every 7 --valid "$T/valid" >"$T/in"
nbad=$(($(wc -l <"$T/in") - 5000))
{ cat "$T/in"; printf '{"type":"big","pad":"'; head -c 8400000 /dev/zero |
	tr '\0' x; printf '"}\n'; } >"$T/in2"
check "bad lines do not stop append" \
	mkt-journal append --ack "$T/ack" "$J" <"$T/in2" 2>"$T/err"
cat >"$T/want" <<EOF
mkt-journal: line 7: invalid JSON at byte 34: unterminated object
mkt-journal: line 14: invalid JSON at byte 1: not a JSON object
mkt-journal: line 21: missing field 'type'
mkt-journal: line 28: field 'type' is not a string
mkt-journal: line 42: empty line
EOF
head -6 "$T/err" | grep -v 'line 35:' >"$T/got"
cmp_file "$T/got" "$T/want" "each is named with its line and reason"
is "$(grep 'line 35:' "$T/err")" \
	"mkt-journal: line 35: invalid JSON at byte 26: expected ',' or '}'" \
	"a bad number too"
is "$(sed -n 101p "$T/err")" "mkt-journal: further bad-line messages suppressed" \
	"messages are rate-limited"
is "$(tail -1 "$T/err")" "mkt-journal: $((nbad + 1)) bad lines rejected" \
	"the count is printed at exit (the overlong line included)"
is "$(wc -l <"$T/err")" 102 "and nothing else"
content "$J" >"$T/out"
cmp_file "$T/out" "$T/valid" "every valid event is journaled, nothing else"
is "$(tail -1 "$T/ack" | jq -c '[.seq, .count, .rejected]')" \
	"[5000,5000,$((nbad + 1))]" "the ack counts the rejected lines"
check "verify passes" mkt-journal verify "$J"

# Two writers.
W=$T/w
mkfifo "$T/fifo"
mkt-journal append --sync 10ms --ack "$T/ack1" "$W" <"$T/fifo" \
	2>"$T/err1" &
pid=$!
exec 3>"$T/fifo"
gen-events --events 100 --run 1 >"$T/b1"
cat "$T/b1" >&3
check "the first writer acks its events" wait_for \
	sh -c "tail -1 '$T/ack1' 2>/dev/null | grep -q '\"count\":100'"
mkt-journal append "$W" </dev/null 2>"$T/err2"
is "$?" 1 "a second writer is refused"
is "$(cat "$T/err2")" "mkt-journal: '$W' is locked by another writer (pid $pid)" \
	"with a clear error naming the holder"
mkt-journal reindex "$W" 2>"$T/err2"
is "$?:$(cat "$T/err2")" "1:mkt-journal: '$W' is locked by another writer (pid $pid)" \
	"reindex is refused too"
mkt-journal prune --keep 1d "$W" 2>"$T/err2"
is "$?:$(cat "$T/err2")" "1:mkt-journal: '$W' is locked by another writer (pid $pid)" \
	"and prune"
check "readers are not: ls" sh -c "mkt-journal ls '$W' >/dev/null"
check "verify while the writer runs" mkt-journal verify "$W"
gen-events --events 100 --run 2 >"$T/b2"
cat "$T/b2" >&3
exec 3>&-
wait $pid
is "$?" 0 "the first writer goes on unharmed"
content "$W" >"$T/out"
cat "$T/b1" "$T/b2" >"$T/want"
cmp_file "$T/out" "$T/want" "with all its events"
is "$(cat "$T/err1")" "" "and no complaint"

# SIGTERM and SIGINT: whatever was read is durable, and acked.
for sig in TERM INT; do
	S=$T/s$sig
	mkfifo "$T/f$sig"
	mkt-journal append --sync 1h --stats 10ms --ack "$T/a$sig" "$S" \
		<"$T/f$sig" 2>"$T/e$sig" &
	pid=$!
	exec 4>"$T/f$sig"
	gen-events --events 1000 --run 3 >"$T/in$sig"
	cat "$T/in$sig" >&4
	check "SIG$sig: the events are read" wait_for \
		grep -q ', 1000 events (' "$T/e$sig"
	kill -$sig $pid
	wait $pid
	is "$?" 0 "SIG$sig: exit 0"
	exec 4>&-
	is "$(tail -1 "$T/a$sig" | jq -c '[.seq, .count]')" "[1000,1000]" \
		"SIG$sig: the last ack has every event read"
	content "$S" >"$T/out"
	cmp_file "$T/out" "$T/in$sig" "SIG$sig: and they are in the segments"
done

# A write error (the file size limit): exit 1, whole frames only left.
F=$T/f
gen-events --events 40000 --seed 5 >"$T/in5"
sh -c "trap '' XFSZ; ulimit -f 1000; exec mkt-journal append \
	--sync 1h --frame-size 64k --ack '$T/ack5' '$F'" <"$T/in5" 2>"$T/err5"
is "$?" 1 "a failed write is exit 1"
is "$(cat "$T/err5")" "mkt-journal: cannot write 'seg-0000000001.zst': File too large" \
	"and says what failed"
check "reopen after the error" mkt-journal append "$F" </dev/null \
	2>"$T/err7"
check "which indexes the frames written before it" \
	grep -q 'found past the end of the index$' "$T/err7"
check "no torn tail was left" sh -c "! ls '$F' | grep -q torn"
check "verify passes" mkt-journal verify "$F"
n=$(content "$F" | wc -l)
head -n "$n" "$T/in5" >"$T/want"
content "$F" >"$T/out"
cmp_file "$T/out" "$T/want" "what was written is a prefix of the input"
check "holding every acked event" \
	test "$n" -ge "$(tail -1 "$T/ack5" | jq .count)"
mkt-journal append --ack /dev/full "$T/full" </dev/null 2>"$T/err6"
is "$?:$(cat "$T/err6")" "1:mkt-journal: cannot write acks to '/dev/full': No space left on device" \
	"an ack that cannot be written is exit 1"

# Usage.
usage() {
	_want=$1
	shift
	"$@" >/dev/null 2>"$T/uerr"
	is "$?:$(head -1 "$T/uerr")" "2:mkt-journal: $_want" "usage: $*"
}
usage "no command: append, ls, stats, verify, reindex, prune or query" mkt-journal
usage "unknown command 'frob'" mkt-journal frob "$J"
usage "'append' needs a journal directory" mkt-journal append
usage "bad --sync '5': want a duration like 250ms, 1s, 1m, 7d" \
	mkt-journal append --sync 5 "$J"
usage "bad --frame-size '0': want a size like 65536, 512k, 1M or 1G" \
	mkt-journal append --frame-size 0 "$J"
usage "bad --level '23': want a zstd level from -7 to 22" \
	mkt-journal append --level 23 "$J"
usage "'ls' does not take option '--sync'" mkt-journal ls --sync 1s "$J"
usage "prune needs --keep, --keep-raw or --keep-minutes" \
	mkt-journal prune "$J"
usage "unexpected argument 'extra'" mkt-journal verify "$J" extra
usage "unknown or incomplete option '--frob'" mkt-journal ls --frob "$J"
check "-h prints the usage" sh -c 'mkt-journal -h | grep -q "^usage: mkt-journal append"'
check "append -h too" sh -c 'mkt-journal append -h | grep -q "^usage:"'
is "$(mkt-journal --version)" "mkt-journal $(mkt --version | cut -d' ' -f2)" \
	"--version"
done_testing
