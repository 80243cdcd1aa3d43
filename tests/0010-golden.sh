#!/bin/sh
# Golden cases: tests/golden/NAME/ holds `cmd` (the command line, run by
# sh), `in` (standard input), `out` and `err` (expected standard output
# and error, compared exactly) and optionally `status` (expected exit
# status, default 0).
. "$(dirname "$0")/lib.sh"

for d in "$TOP"/tests/golden/*/; do
	name=$(basename "$d")
	want_status=0
	[ -f "$d/status" ] && want_status=$(cat "$d/status")
	(cd "$T" && sh -c "$(cat "$d/cmd")" <"$d/in" >"$T/out" 2>"$T/err")
	got_status=$?
	is "$got_status" "$want_status" "$name: exit status"
	cmp_file "$T/out" "$d/out" "$name: stdout"
	cmp_file "$T/err" "$d/err" "$name: stderr"
done
done_testing
