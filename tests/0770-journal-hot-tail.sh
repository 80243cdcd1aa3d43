#!/bin/sh
# A crashed writer's tail, as SQLite treats a hot journal: mkt-journal
# append killed with SIGKILL while it writes leaves whole frames past
# the end of the index.  Readers (ls, stats, query, mkt-replay) read what
# is indexed, change nothing and say once that the tail awaits recovery;
# verify --no-recover says the same and changes nothing; verify recovers
# it (as the next append would), exits 0 and says what it recovered.
# A running writer's tail is in flight: nothing is said.  Real damage
# still fails verify, and then nothing is recovered.
# load: 3 (a writer killed while a producer streams into it)
. "$(dirname "$0")/lib.sh"

J=$T/j
S=$J/seg-0000000001.zst
fsize() {
	stat -c %s "$1"
}
# Flip the byte at offset $2 of file $1.
flip() {
	python3 -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
f = open(p, "r+b"); f.seek(o); b = f.read(1); f.seek(o)
f.write(bytes([b[0] ^ 0xff])); f.close()' "$1" "$2"
}
# What a reader must not change: the index's files and the segments.
snapshot() {
	(cd "$J" && ls | grep -v -e '^index.db-shm$' -e '^lock$' |
		while read -r f; do echo "$f $(fsize "$f") $(cksum <"$f")"; done)
}
grown() {
	[ "$(fsize "$S")" -ge "$1" ]
}
# Start a writer that never syncs on its own: every frame it writes is
# past the index until it ends.  Sets $wpid.
start_writer() {
	gen-events --run "$1" --seed "$1" --events 0 --rate 20000 |
		mkt-journal append --sync 1h --frame-size 4k "$J" \
		2>"$T/werr.$1" &
	wpid=$!
}

gen-events --events 2000 --seed 1 >"$T/in"
check "append" mkt-journal append --frame-size 4k "$J" <"$T/in"
indexed=$(fsize "$S")

# A writer killed while it writes.
start_writer 1
wait_for grown $((indexed + 20000))
mkt-journal ls "$J" >/dev/null 2>"$T/err"
is "$(cat "$T/err")" "" "while the writer runs, its tail is not worth a word"
kill -9 "$wpid"
wait
tail=$(($(fsize "$S") - indexed))
echo "# $tail bytes past the index"
msg="'$J': a writer that is gone left $tail bytes past the index; the next append or verify recovers them"
snapshot >"$T/before"

for c in ls stats "query $J symbols"; do
	set -- $c
	if [ $# -eq 1 ]; then set -- "$1" "$J"; fi
	mkt-journal "$@" >"$T/out" 2>"$T/err"
	is "$?" 0 "mkt-journal $1 after the crash exits 0"
	is "$(cat "$T/err")" "mkt-journal: $msg" "and says once what awaits recovery"
done
mkt-journal ls --json "$J" >"$T/ls" 2>/dev/null
check "ls shows the indexed part" grep -q '"events":2000' "$T/ls"
mkt-replay "$J" >"$T/out" 2>"$T/err"
is "$?" 0 "mkt-replay after the crash exits 0"
is "$(cat "$T/err")" "mkt-replay: $msg" "and says it once"
cmp_file "$T/out" "$T/in" "and replays the indexed events"

mkt-journal verify --no-recover "$J" >"$T/out" 2>"$T/err"
is "$?" 0 "verify --no-recover: a hot tail is not damage"
is "$(cat "$T/out")" "" "nothing is named as damage"
check "it says the tail was left alone" grep -q \
	"^mkt-journal: '$J': a writer that is gone left $tail bytes past the index ([0-9]* whole frames, [0-9]* events), not recovered (--no-recover)" \
	"$T/err"
snapshot >"$T/after"
cmp_file "$T/after" "$T/before" "readers and verify --no-recover change nothing"

mkt-journal verify "$J" >"$T/out" 2>"$T/err"
is "$?" 0 "verify recovers the tail and exits 0"
is "$(cat "$T/out")" "" "no damage named"
frames=$(sed -n 's/.*(\([0-9]*\) whole frames, \([0-9]*\) events).*/\1 \2/p' "$T/err" | head -1)
set -- $frames
check "it indexed the whole frames" grep -qx \
	"mkt-journal: '$J': indexed $1 frames ($2 events) found past the end of the index" "$T/err"
check "and says what it recovered" grep -q \
	"^mkt-journal: '$J': recovered what a writer that is gone left: $tail bytes past the index" "$T/err"
recovered=$2
mkt-replay "$J" >"$T/out" 2>"$T/err"
is "$(cat "$T/err")" "" "after verify, readers have nothing to say"
is "$(wc -l <"$T/out")" $((2000 + recovered)) "and read the recovered events"
is "$(sed -n '2001,$p' "$T/out" | sed 's/.*"n":\([0-9]*\).*/\1/' |
	awk '$1 != NR - 1' | head -1)" "" "in order, from the killed run's first"
check "verify passes again" mkt-journal verify "$J"
gen-events --events 1 --seed 9 --run 9 |
	mkt-journal append "$J" 2>"$T/err"
is "$(cat "$T/err")" "" "the next append has nothing left to recover"

# Real damage: a flipped byte inside an indexed frame fails verify, and
# a hot tail is then left alone.
python3 "$TOP/tests/tools/journal-check.py" frames "$J" | sed -n 5p >"$T/f"
read -r seg off len raw count first <"$T/f"
indexed=$(fsize "$S")
start_writer 2
wait_for grown $((indexed + 10000))
kill -9 "$wpid"
wait
flip "$S" $((off + len / 2))
snapshot >"$T/before"
mkt-journal verify "$J" >"$T/out" 2>"$T/err"
is "$?" 1 "verify fails on a damaged indexed frame"
is "$(cut -d: -f1 "$T/out")" "seg-0000000001.zst at offset $off" \
	"and names it, only it"
check "the tail is not recovered over damage" grep -q \
	"^mkt-journal: '$J': a writer that is gone left [0-9]* bytes past the index (.*), not recovered because of the damage$" "$T/err"
snapshot >"$T/after"
cmp_file "$T/after" "$T/before" "and nothing changed"
flip "$S" $((off + len / 2))
check "repaired: verify recovers and passes" mkt-journal verify "$J" \
	2>/dev/null

# Maintenance recovers first too.
indexed=$(fsize "$S")
start_writer 3
wait_for grown $((indexed + 10000))
kill -9 "$wpid"
wait
mkt-journal prune --keep-raw 10000d "$J" 2>"$T/err"
is "$?" 0 "prune after a crash exits 0"
check "and recovered the tail first" grep -q \
	"^mkt-journal: '$J': indexed [0-9]* frames ([0-9]* events) found past the end of the index$" \
	"$T/err"
mkt-journal ls "$J" >/dev/null 2>"$T/err"
is "$(cat "$T/err")" "" "nothing is left awaiting recovery"

# Bytes past the index that are not frames are no crash's doing.
printf 'garbage!' >>"$S"
mkt-journal verify --no-recover "$J" >"$T/out" 2>/dev/null
is "$?" 1 "garbage past the index is damage"
check "named as what recovery cannot index" grep -q \
	"^seg-0000000001.zst at offset $(($(fsize "$S") - 8)): 8 bytes past the indexed end that recovery cannot index: no zstd frame here" \
	"$T/out"
done_testing
