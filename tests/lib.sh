# tests/lib.sh: TAP for the shell tests.  Source it first:
#	. "$(dirname "$0")/lib.sh"
# It puts the fresh build first in PATH (MKT_BIN, default bin/ of the
# tree; MKT_TOOLS for test helpers), makes a temporary directory $T that
# is removed at exit, and gives ok/is/cmp_file/done_testing and the
# waiting helpers (wait_for, wait_file, wait_sock, wait_line, wait_lines).

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

# Waiting.  A test waits for a condition (a file, a socket, a line in a
# log, a count of lines), never for a fixed time: the machine may be
# loaded and the programs built with the sanitizers (several times
# slower).  The condition is polled every 50 ms for up to WAIT_S seconds
# (MKT_WAIT_S, default 120), a bound that only turns a hang into a
# failure; on a timeout the helper says what it waited for on stderr and
# returns 1.
WAIT_S=${MKT_WAIT_S:-120}

# wait_for CMD...: until CMD exits 0.
wait_for() {
	_wf_end=$(($(date +%s) + WAIT_S))
	while ! "$@"; do
		if [ "$(date +%s)" -ge "$_wf_end" ]; then
			echo "# gave up after ${WAIT_S}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# wait_file FILE: until FILE exists and is not empty.
wait_file() {
	wait_for test -s "$1"
}

# wait_sock PATH: until PATH is a socket.
wait_sock() {
	wait_for test -S "$1"
}

# wait_line FILE PATTERN: until a line of FILE matches the basic regular
# expression PATTERN (grep).
wait_line() {
	wait_for _has_line "$1" "$2"
}
_has_line() {
	grep -q -e "$2" "$1" 2>/dev/null
}

# nlines FILE: how many lines FILE holds (0 when there is none).
nlines() {
	if [ -e "$1" ]; then
		wc -l <"$1" | tr -d ' '
	else
		echo 0
	fi
}

# wait_lines FILE N: until FILE holds at least N lines.
wait_lines() {
	wait_for _has_lines "$1" "$2"
}
_has_lines() {
	[ "$(nlines "$1")" -ge "$2" ]
}

# need_tools TOOL...: a test that cannot run without these fails as one
# test that says which package to install, rather than skipping.
need_tools() {
	for _tool in "$@"; do
		if ! command -v "$_tool" >/dev/null 2>&1; then
			echo "not ok 1 - $_tool is installed (apt-get install $_tool)"
			echo "1..1"
			exit 1
		fi
	done
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
