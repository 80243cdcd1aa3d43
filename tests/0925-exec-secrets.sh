#!/bin/sh
# mkt-exec keeps its API key and secret to itself.  A distinctive pair
# (mkt-sim is given the same one) goes through a real session against
# mkt-sim -- market orders that fill, a limit that rests and is
# canceled -- with the events piped into `mkt-journal append`, three
# times: keys from a 0600 --key-file, from MKT_API_KEY/MKT_API_SECRET,
# and from $CREDENTIALS_DIRECTORY.  The secret, and the key, must be
# absent from the running process's command line (ps -o args) and
# /proc/PID/environ (the environment's copy is removed and wiped), from
# its standard error, its events, the journal (segments decompressed
# with zstd, and the SQLite index) and the state store (and its WAL,
# looked at while the process runs and after).  A key file of mode 0644
# and a symbolic link to a good key file are refused, the message naming
# the mode and holding no secret.
#
# Not dumpable (PR_SET_DUMPABLE 0): the kernel then makes the files of
# /proc/PID (environ, mem, maps...) owned by root instead of the
# process's user, so that another process of the same user can no
# longer read them; there is no field for it in /proc/PID/status.  When
# the test runs as root, root owns everything anyway, so mkt-exec and a
# control process (sleep) run as user nobody (setpriv): the control's
# /proc/PID/environ is owned by nobody and readable by another process
# of nobody; mkt-exec's is owned by root and reading it as nobody fails.
# Without PR_SET_DUMPABLE the two checks on mkt-exec would see what the
# control shows.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"

need_tools curl jq sqlite3 zstd

SIM= EXEC= JPID= CTL=
cleanup() {
	[ -n "$EXEC" ] && kill -9 "$EXEC" 2>/dev/null
	[ -n "$CTL" ] && kill "$CTL" 2>/dev/null
	[ -n "$JPID" ] && kill "$JPID" 2>/dev/null
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

unset MKT_API_KEY MKT_API_SECRET CREDENTIALS_DIRECTORY
K=KeyQ7vX2mPz9Lw4Rt8Yb
S=SecZq3Wn6Hj1Kd5Vf0Gc8Ua2Xe
printf '%s\n%s\n' "$K" "$S" >"$T/key"
chmod 600 "$T/key"

mkt-sim --port-file "$T/port" --symbols BTCUSDT --rate 20 \
    --key-file "$T/key" 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts with the pair" wait_file "$T/port" || exit 1
B=http://127.0.0.1:$(cat "$T/port")
export MKT_BINANCE_SPOT_REST="$B" MKT_BINANCE_FUTURES_REST="$B" \
    MKT_BYBIT_REST="$B"

# leaks FILE...: the files (binary or not) that hold the secret or key.
leaks() {
	for _f in "$@"; do
		[ -e "$_f" ] || continue
		if grep -a -q -F -e "$S" -e "$K" "$_f"; then
			echo "$_f"
		fi
	done
}

has_state() {
	grep -q "\"id\":\"$2\",.*\"status\":\"$3\"" "$1" 2>/dev/null
}

intent() {
	if [ -n "$4" ]; then
		printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","side":"%s","kind":"%s","qty":"0.01","price":"%s"}\n' \
		    "$1" "$2" "$3" "$4"
	else
		printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","side":"%s","kind":"%s","qty":"0.01"}\n' \
		    "$1" "$2" "$3"
	fi
}

# session MODE VENUE [OPTIONS...]: a session with keys from MODE (the
# caller set the environment), events through mkt-journal.
session() {
	m=$1 v=$2
	shift 2
	rm -f "$T/in" "$T/ev"
	mkfifo "$T/in" "$T/ev"
	tee "$T/$m.ev" <"$T/ev" | mkt-journal append "$T/J-$m" \
	    2>"$T/$m.jerr" &
	JPID=$!
	mkt-exec --venue "$v" --state "$T/$m.db" --no-stream --poll 100ms \
	    "$@" <"$T/in" >"$T/ev" 2>"$T/$m.err" &
	EXEC=$!
	exec 3>"$T/in"
	{ intent "$m-1" buy market; intent "$m-2" sell market;
	  intent "$m-3" buy limit 1000; } >&3
	wait_for has_state "$T/$m.ev" "$m-1" filled &&
	    wait_for has_state "$T/$m.ev" "$m-2" filled &&
	    wait_for has_state "$T/$m.ev" "$m-3" new
	check "$m: two orders fill and one rests" [ $? = 0 ]
	# While it runs.
	ps -o args= -p "$EXEC" >"$T/$m.ps"
	check "$m: ps shows the process" grep -q 'mkt-exec' "$T/$m.ps"
	cat "/proc/$EXEC/environ" >"$T/$m.environ"
	check "$m: its environment is readable here" test -s "$T/$m.environ"
	cp "$T/$m.db" "$T/$m.run.db"
	[ -e "$T/$m.db-wal" ] && cp "$T/$m.db-wal" "$T/$m.run.db-wal"
	is "$(leaks "$T/$m.ps" "$T/$m.environ")" "" \
	    "$m: not in ps -o args nor /proc/PID/environ of the running process"
	is "$(leaks "$T/$m.run.db" "$T/$m.run.db-wal")" "" \
	    "$m: not in the state store nor its WAL while it runs"
	echo "{\"type\":\"cancel\",\"id\":\"$m-c\",\"target\":\"$m-3\"}" >&3
	check "$m: the resting order is canceled" \
	    wait_for has_state "$T/$m.ev" "$m-3" canceled
	exec 3>&-
	wait "$EXEC"
	is $? 0 "$m: the session exits 0"
	EXEC=
	wait "$JPID"
	is $? 0 "$m: mkt-journal appended the events"
	JPID=
	is "$(curl -s "$B/sim/orders" | jq -r --arg p "$m-" \
	    'select(.client_id | startswith($p)) | .status' | tr '\n' ' ')" \
	    "filled filled canceled " "$m: the venue has the three orders"
	# After it.
	for _z in "$T/J-$m"/*.zst "$T/J-$m"/*/*.zst; do
		[ -e "$_z" ] && zstd -q -d -c "$_z"
	done >"$T/$m.journal"
	check "$m: the journal holds the events" \
	    grep -q "\"id\":\"$m-3\"" "$T/$m.journal"
	is "$(leaks "$T/$m.err" "$T/$m.ev" "$T/$m.jerr" "$T/$m.journal" \
	    "$T/J-$m"/* "$T/$m.db" "$T/$m.db-wal")" "" \
	    "$m: not in stderr, the events, the journal, its index, the store"
}

session file binance:spot --key-file "$T/key"

MKT_API_KEY=$K MKT_API_SECRET=$S
export MKT_API_KEY MKT_API_SECRET
session env bybit:linear
unset MKT_API_KEY MKT_API_SECRET

mkdir "$T/creds"
printf '%s' "$K" >"$T/creds/mkt-api-key"
printf '%s' "$S" >"$T/creds/mkt-api-secret"
chmod 400 "$T/creds/mkt-api-key" "$T/creds/mkt-api-secret"
chmod 500 "$T/creds"
CREDENTIALS_DIRECTORY=$T/creds
export CREDENTIALS_DIRECTORY
session creds binance:futures
unset CREDENTIALS_DIRECTORY

# Key files that are refused.
cp "$T/key" "$T/key644"
chmod 644 "$T/key644"
intent r-1 buy market | mkt-exec --venue binance:spot --state "$T/r.db" \
    --no-stream --key-file "$T/key644" >"$T/r.out" 2>"$T/r.err"
rc=$?
check "a key file of mode 0644 is refused (exit $rc)" test "$rc" -ge 1
check "the reason names the mode" grep -q '0644' "$T/r.err"
is "$(leaks "$T/r.err" "$T/r.out")" "" "the message holds no secret"
ln -s "$T/key" "$T/keylink"
intent r-2 buy market | mkt-exec --venue binance:spot --state "$T/r.db" \
    --no-stream --key-file "$T/keylink" >"$T/r.out" 2>"$T/r.err"
rc=$?
check "a symbolic link to a key file is refused (exit $rc)" test "$rc" -ge 1
check "the reason says so" grep -q 'symbolic link' "$T/r.err"
is "$(curl -s "$B/sim/orders" | jq -r 'select(.client_id | startswith("r-"))')" \
    "" "nothing was sent with them"

# Not dumpable: mkt-exec and a control as a user other than root.
if [ "$(id -u)" = 0 ]; then
	if ! command -v setpriv >/dev/null 2>&1; then
		echo "not ok - setpriv is installed (util-linux)"
		exit 1
	fi
	NB=$(id -u nobody 2>/dev/null || echo 65534)
	# shellcheck disable=SC2086
	AS="setpriv --reuid=$NB --regid=$NB --clear-groups"
	chmod 711 "$T"
	mkdir "$T/nb"
	chown "$NB" "$T/nb"
else
	NB=$(id -u)
	AS=
	mkdir "$T/nb"
fi
$AS sleep 120 &
CTL=$!
rm -f "$T/in"
mkfifo "$T/in"
MKT_API_KEY=$K MKT_API_SECRET=$S $AS mkt-exec --venue binance:spot \
    --state "$T/nb/s.db" --no-stream <"$T/in" >"$T/nb.out" \
    2>"$T/nb.err" &
EXEC=$!
exec 3>"$T/in"
intent nb-1 buy market >&3
check "as uid $NB: mkt-exec runs a session" \
    wait_for has_state "$T/nb.out" nb-1 filled
wait_for sh -c "grep -q '^Uid:.*$NB' /proc/$CTL/status"
is "$(stat -c %u "/proc/$CTL/environ")" "$NB" \
    "control: a dumpable process's /proc/PID/environ is its user's"
readable() { $AS cat "$1" >/dev/null 2>&1; }
check "control: another process of the user reads it" \
    readable "/proc/$CTL/environ"
is "$(awk '/^Uid:/ { print $2 }' "/proc/$EXEC/status")" "$NB" \
    "mkt-exec runs as uid $NB"
is "$(stat -c %u "/proc/$EXEC/environ") $(stat -c %u "/proc/$EXEC/mem")" \
    "0 0" "mkt-exec is not dumpable: its /proc/PID files are root's"
unreadable() { ! $AS cat "$1" >/dev/null 2>&1; }
check "another process of the user cannot read its environ" \
    unreadable "/proc/$EXEC/environ"
exec 3>&-
wait "$EXEC"
is $? 0 "mkt-exec exits 0"
EXEC=
kill "$CTL"
wait "$CTL" 2>/dev/null
CTL=

kill "$SIM"
wait "$SIM"
SIM=
is "$(leaks "$T/sim.err")" "" "mkt-sim says nothing of the secret either"

done_testing
