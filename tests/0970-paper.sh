#!/bin/sh
# The paper venue (lib/venue/paper) against an independent recomputation:
# a real Bybit v5 capture (tests/data/cryptofeed) with orders of every
# kind mixed in by tests/tools/paper_check.py (market, resting at the top
# and deeper, crossing GTC and IOC, FOK that fits and that does not,
# post_only that would take and that rests, a duplicate client id, a
# cancel, a cancel of an unknown id, an ambiguous symbol, a bad quantity,
# a symbol without a book, a save and load in the middle).  The C library
# (through tests/tools/paper-run) and the script, written from the rules
# in paper.h in exact decimals, must print the same lines, byte for byte.
. "$(dirname "$0")/lib.sh"

need_tools python3 zstd

TOOLS=$TOP/tests/tools
FEES="--maker 0.0002 --taker 0.00055"

python3 "$TOOLS/capture2events.py" bybit \
	"$DATA/cryptofeed/BYBIT.jsonl.zst" >"$T/events"
check "capture converted" test -s "$T/events"

# count FILE PATTERN: lines of FILE with PATTERN (fixed string).
count() { grep -cF -- "$2" "$1" || :; }

for seed in 1 2 3; do
	in=$T/in.$seed got=$T/got.$seed want=$T/want.$seed
	python3 "$TOOLS/paper_check.py" gen "$T/events" --seed $seed >"$in"
	check "seed $seed: orders generated" \
		test "$(count "$in" '"type":"paper_place"')" -ge 80
	# shellcheck disable=SC2086
	check "seed $seed: paper-run exits 0" \
		sh -c "paper-run $FEES <'$in' >'$got'"
	# shellcheck disable=SC2086
	python3 "$TOOLS/paper_check.py" expect "$in" $FEES >"$want"
	cmp_file "$got" "$want" \
		"seed $seed: the library's updates equal the recomputation"
	for what in '"status":"rejected"' '"status":"expired"' \
	    '"status":"filled"' '"status":"partially_filled"' \
	    '"status":"canceled"' '"maker":true' '"maker":false' \
	    '"u":"duplicate"' '"u":"cancel_unknown"' '"kind":"market"'; do
		check "seed $seed: the output has $what" \
			test "$(count "$got" "$what")" -ge 1
	done
	is "$(count "$got" '"u":"error"')" 0 "seed $seed: no event refused"
done

# Determinism: the same input gives the same bytes.
# shellcheck disable=SC2086
paper-run $FEES <"$T/in.1" >"$T/again.1"
cmp_file "$T/again.1" "$T/got.1" "a second run gives byte-identical updates"

done_testing
