# tests/lib.sh: TAP for the shell tests.  Source it first:
#	. "$(dirname "$0")/lib.sh"
# It puts the fresh build first in PATH (MKT_BIN, default bin/ of the
# tree; MKT_TOOLS for test helpers), makes a temporary directory $T that
# is removed at exit, and gives ok/is/cmp_file/done_testing.

TOP=$(cd "$(dirname "$0")/.." && pwd)
MKT_BIN=${MKT_BIN:-$TOP/build/bin}
MKT_TOOLS=${MKT_TOOLS:-$TOP/build/tools}
PATH=$MKT_BIN:$MKT_TOOLS:$PATH
export PATH MKT_BIN MKT_TOOLS TOP
DATA=$TOP/tests/data
T=$(mktemp -d "${TMPDIR:-/tmp}/mkt-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
_n=0
_failed=0

# ok CMD...: pass when CMD exits 0; the test name is the command line.
ok() {
	_n=$((_n + 1))
	if "$@"; then
		echo "ok $_n - $*"
	else
		echo "not ok $_n - $*"
		_failed=$((_failed + 1))
	fi
}

# check NAME CMD...: like ok, with a name of its own.
check() {
	_name=$1
	shift
	_n=$((_n + 1))
	if "$@"; then
		echo "ok $_n - $_name"
	else
		echo "not ok $_n - $_name"
		_failed=$((_failed + 1))
	fi
}

# is GOT WANT NAME: string equality.
is() {
	_n=$((_n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		printf '# got:  %s\n# want: %s\n' "$1" "$2"
		_failed=$((_failed + 1))
	fi
}

# cmp_file GOT WANT NAME: files equal; the diff goes to the TAP output.
cmp_file() {
	_n=$((_n + 1))
	if cmp -s "$1" "$2"; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		diff -u "$2" "$1" | head -40 | sed 's/^/# /'
		_failed=$((_failed + 1))
	fi
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
