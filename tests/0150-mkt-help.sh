#!/bin/sh
# mkt -h lists every program built beside it, each with the summary of
# its man page (the .Nd of man/mkt-NAME.1), and mkt NAME runs it.
. "$(dirname "$0")/lib.sh"

mkt -h >"$T/help"
is "$?" 0 "mkt -h exits 0"
for prog in "$MKT_BIN"/mkt-*; do
	name=${prog##*/mkt-}
	case $name in *.*) continue ;; esac
	nd=$(sed -n 's/^\.Nd //p' "$TOP/man/mkt-$name.1")
	check "mkt -h: $name, $nd" \
	    grep -q "^  $name  *$nd\$" "$T/help"
done
# And nothing it lists is missing.
sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' "$T/help" >"$T/listed"
for name in $(cat "$T/listed"); do
	check "mkt -h lists $name: mkt-$name exists" test -x "$MKT_BIN/mkt-$name"
done
check "mkt -h lists seven programs or more" test "$(wc -l <"$T/listed")" -ge 7
mkt replay --version >"$T/v"
check "mkt replay runs mkt-replay" grep -q '^mkt-replay ' "$T/v"
done_testing
