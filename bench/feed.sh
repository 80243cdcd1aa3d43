#!/bin/sh
# bench/feed.sh: the live feed benchmarks of `make bench` (bench/run.sh
# runs it last; it also runs alone).  Everything runs on 127.0.0.1
# against mkt-sim; all processes it starts are stopped at exit.
#
# Throughput: mkt-sim serves Binance spot, BENCH_FEED_SYMBOLS (10)
# symbols, 1000 levels a side, --rate 0 (the markets step as fast as the
# slowest reader takes them), BENCH_FEED_MESSAGES (20000) updates a
# symbol; mkt-feed takes them all and writes its events to /dev/null.
# Wall time runs from the start of mkt-feed to the last of its --stats
# lines (every 20 ms) that counted more frames, once mkt-sim said its
# markets are done; CPU time is mkt-feed's own (rusage), and mkt-sim's
# CPU over the same time is shown, to tell who set the pace.  Baselines,
# on the same frames: the simulator is deterministic, so a recording of
# another one with the same arguments (REST snapshots first, then every
# frame after its receive time; cached in bench/out/ until mkt-sim
# changes) is timed with `cat` and with `mkt-feed --raw binance:spot`
# (parse, sync and render without the network), median of BENCH_RUNS.
#
# Latency: mkt-sim serves BENCH_FEED_LAT_SYMBOLS (100) symbols at 10
# updates a second each (Binance's 100 ms), and tests/tools/latency.py
# reads the output of a pipeline, taking the wall clock as each read
# returns: latency = arrival - recv (mkt-feed's receive time of the
# frame), over BENCH_FEED_LAT_SECONDS (10) once every symbol is synced.
# mkt-feed asks for 100-level snapshots: 100 of 1000 levels would weigh
# 5000, over the 3000 a minute it keeps to on Binance spot.
# Rows: latency.py --emit | latency.py (the pipe and the Python reader
# alone), mkt-feed | latency.py (the baseline), and
# mkt-feed | mkt-book --levels 1 | latency.py.
#
# Before and after: BENCH_BASE_BIN=DIR (the bin directory of a baseline
# build, another checkout's build/bin) runs each mkt-feed measurement
# with that mkt-feed too, against the same mkt-sim (this build's), and
# prints both rows and the ratio (this build / the baseline): CPU per
# message for throughput, p50 and p99 for latency.
#
# The tables go to standard output and are appended to
# bench/out/results.txt (a feed section left there by an earlier run of
# this script is replaced).
#
# Environment: MKT_BIN (build/bin), BENCH_BASE_BIN (none), BENCH_RUNS
# (3), the BENCH_FEED_* above; BENCH_FEED_ONLY=throughput or latency runs
# that part alone.  Needs python3.  Exit status: 0, or 1 when
# a run failed.
set -u
cd "$(dirname "$0")/.." || exit 1

BIN=${MKT_BIN:-build/bin}
BASE=${BENCH_BASE_BIN:-}
RUNS=${BENCH_RUNS:-3}
NSYM=${BENCH_FEED_SYMBOLS:-10}
MSGS=${BENCH_FEED_MESSAGES:-20000}
LAT_NSYM=${BENCH_FEED_LAT_SYMBOLS:-100}
LAT_SECS=${BENCH_FEED_LAT_SECONDS:-10}
LEVELS=1000
OUT=bench/out
RESULTS=$OUT/results.txt
LATENCY=tests/tools/latency.py
failed=0
pids=

die() {
	echo "bench/feed: $*" >&2
	exit 1
}

for v in NSYM MSGS LAT_NSYM LAT_SECS RUNS; do
	eval "x=\$$v"
	# shellcheck disable=SC2154 # set by the eval
	case $x in
	''|*[!0-9]*|0) die "$v: not a number >= 1" ;;
	esac
done
for p in mkt-sim mkt-feed mkt-book; do
	[ -x "$BIN/$p" ] || die "$BIN/$p not built (run make first)"
done
if [ -n "$BASE" ]; then
	[ -x "$BASE/mkt-feed" ] || die "$BASE/mkt-feed not built"
fi
command -v python3 >/dev/null || die "python3 not found"
mkdir -p "$OUT" || die "cannot create $OUT"
T=$(mktemp -d "${TMPDIR:-/tmp}/mkt-feed-bench.XXXXXX") ||
	die "cannot make a temporary directory"
TABLE=$T/table

# Stop what is still running, by process id, then remove the scratch.
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

out() {
	tee -a "$TABLE"
}

# Thousands grouped with a thin space, as in bench/run.sh.
AWK_FMT='
function grp(x,    s, r) {
	s = sprintf("%.0f", x)
	r = ""
	while (length(s) > 3) {
		r = " " substr(s, length(s) - 2) r
		s = substr(s, 1, length(s) - 3)
	}
	return s r
}'

# symbols N: SYM0USDT,SYM1USDT,... (outside mkt-sim's table: price 100.00,
# tick 0.01).
symbols() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "%sSYM%dUSDT", i ? "," : "", i }'
}

# targets N: the mkt-feed operands of those symbols.
targets() {
	symbols "$1" | tr ',' '\n' | sed 's/^/binance:spot:/'
}

# start_sim NAME ARGS...: mkt-sim on a free port, Binance spot only;
# sets SIM and PORT.
start_sim() {
	_name=$1
	shift
	rm -f "$T/$_name.port"
	"$BIN/mkt-sim" --port-file "$T/$_name.port" --markets binance:spot \
	    --levels "$LEVELS" "$@" 2>"$T/$_name.sim.err" &
	SIM=$!
	pids="$pids $SIM"
	_i=0
	while [ ! -s "$T/$_name.port" ]; do
		if [ $_i -ge 100 ] || ! kill -0 "$SIM" 2>/dev/null; then
			cat "$T/$_name.sim.err" >&2
			die "mkt-sim did not start"
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	PORT=$(cat "$T/$_name.port")
}

# stop PID: SIGTERM and wait (its status is the function's).
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
}

# ---------------------------------------------------------------- #
# Throughput

TOTAL=$((NSYM * MSGS))
SYMS=$(symbols "$NSYM")
FRAMES=$OUT/feed-frames-${NSYM}x$MSGS.txt
SIM_ARGS="--symbols $SYMS --rate 0 --messages $MSGS --wait-clients 1 --ping 0"

# The recorder: a minimal WebSocket client on the path mkt-feed uses,
# the REST snapshots mkt-feed would ask for (limit 1000) while the
# markets wait for it to read, then every frame, each after the receive
# time of its read in nanoseconds (mkt-feed --raw input).
RECORDER='
import base64, http.client, os, socket, sys, time
port, path, total, syms = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), \
    sys.argv[4].split(",")
url = "/stream?streams=" + "/".join(s.lower() + "@depth@100ms" for s in syms)
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\n\r\n" % (url, port,
           base64.b64encode(os.urandom(16)).decode())).encode())
buf = bytearray()
while b"\r\n\r\n" not in buf:
    c = s.recv(65536)
    if not c:
        sys.exit("recorder: no handshake answer")
    buf += c
if not buf.startswith(b"HTTP/1.1 101 "):
    sys.exit("recorder: handshake refused: %r" % bytes(buf[:40]))
del buf[:buf.index(b"\r\n\r\n") + 4]
f = open(path, "wb")
for sym in syms:
    q = "/api/v3/depth?symbol=%s&limit=1000" % sym
    h = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h.request("GET", q)
    r = h.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("recorder: %s: HTTP %d" % (q, r.status))
    f.write(b"http://127.0.0.1:%d%s -> %.6f: %s\n" % (port, q.encode(),
            time.time(), body.strip()))
    h.close()
got, parts = 0, []
while got < total:
    c = s.recv(1 << 20)
    if not c:
        sys.exit("recorder: connection closed after %d frames" % got)
    stamp = b"%d " % time.time_ns()
    buf += c
    pos, n = 0, len(buf)
    while n - pos >= 2:
        b0, b1 = buf[pos], buf[pos + 1]
        ln, hl = b1 & 0x7F, 2
        if ln == 126:
            if n - pos < 4:
                break
            ln, hl = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
        elif ln == 127:
            if n - pos < 10:
                break
            ln, hl = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
        if n - pos < hl + ln:
            break
        op, data = b0 & 0x0F, bytes(buf[pos + hl:pos + hl + ln])
        pos += hl + ln
        if op == 9:     # ping: pong with a zero mask
            s.sendall(bytes([0x8A, 0x80 | len(data)]) + bytes(4) + data)
        elif op == 8:
            sys.exit("recorder: closed by the server after %d frames" % got)
        elif op in (0, 1):
            parts.append(data)
            if b0 & 0x80:
                f.write(stamp + b"".join(parts) + b"\n")
                parts = []
                got += 1
    del buf[:pos]
f.close()
'

# record_frames: $FRAMES, unless it is there and newer than mkt-sim.
record_frames() {
	if [ -s "$FRAMES" ] && [ -z "$(find "$BIN/mkt-sim" -newer "$FRAMES")" ]
	then
		return 0
	fi
	echo "bench/feed: recording $TOTAL frames into $FRAMES" >&2
	# shellcheck disable=SC2086 # SIM_ARGS: options, split on purpose
	start_sim rec $SIM_ARGS
	if ! python3 -c "$RECORDER" "$PORT" "$FRAMES.tmp" "$TOTAL" "$SYMS"; then
		stop "$SIM"
		rm -f "$FRAMES.tmp"
		die "cannot record the frames"
	fi
	stop "$SIM"
	mv "$FRAMES.tmp" "$FRAMES" || die "cannot write $FRAMES"
}

# The live driver: starts mkt-feed (the command in its arguments) and
# reads its --stats lines as they come; once mkt-sim said its markets
# are done and the frame count stood still for 0.3 s, stops mkt-feed
# with SIGTERM and takes its rusage.  Prints "WALL FEED_CPU SIM_CPU
# FRAMES": seconds from the start to the last stats line that counted
# more frames, CPU seconds, mkt-sim's over the same time, frames.  Exit
# 1 when the frames stopped coming for 10 s before the markets were done.
# (The count is not exact: mkt-feed names 8 streams in the URL and
# subscribes the rest with a message, and the markets start at the
# first subscription, so steps can pass before the others are in.)
DRIVER='
import os, select, signal, subprocess, sys, time
simpid, simerr, errf = sys.argv[1], sys.argv[2], open(sys.argv[3], "w")
tick = os.sysconf("SC_CLK_TCK")
def simcpu():
    try:
        f = open("/proc/%s/stat" % simpid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / tick
    except (OSError, IndexError, ValueError):
        return float("nan")
def simdone():
    try:
        return "markets done" in open(simerr).read()
    except OSError:
        return False
s0 = simcpu()
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[4:], stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE)
def stopped(sig, frame):
    p.send_signal(signal.SIGTERM)
    p.wait()
    sys.exit(1)
signal.signal(signal.SIGTERM, stopped)
frames, last, s1, tail, ok = 0, t0, s0, b"", False
while p.poll() is None:
    now = time.perf_counter()
    if now - last > 0.3 and simdone():
        ok = frames > 0
        break
    if now - last > 10:
        break
    if not select.select([p.stderr], [], [], 0.1)[0]:
        continue
    c = os.read(p.stderr.fileno(), 65536)
    now = time.perf_counter()
    if not c:
        break
    errf.write(c.decode("utf-8", "replace"))
    lines = (tail + c).split(b"\n")
    tail = lines.pop()
    for l in lines:
        w = l.split()
        if len(w) > 2 and w[0] == b"mkt-feed:" and w[2] == b"frames":
            n = int(w[1])
            if n > frames:
                frames, last, s1 = n, now, simcpu()
if p.poll() is None:
    p.send_signal(signal.SIGTERM)
_, st, ru = os.wait4(p.pid, 0)
errf.write(p.stderr.read().decode("utf-8", "replace"))
print("%.4f %.4f %.2f %d" % (last - t0, ru.ru_utime + ru.ru_stime, s1 - s0,
                            frames))
sys.exit(0 if ok else 1)
'

# The timer of the baselines: "WALL CPU" in seconds of CMD < IN > /dev/null.
TIMER='
import os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
open(sys.argv[1], "w").write("%.4f %.4f\n" % (wall, ru.ru_utime + ru.ru_stime))
sys.exit(os.waitstatus_to_exitcode(status) & 255)
'

# measure_raw CMD...: "WALL CPU" of the median (by wall) of RUNS runs of
# CMD < $FRAMES > /dev/null, or "FAIL STATUS".
measure_raw() {
	: >"$T/runs"
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		python3 -c "$TIMER" "$T/run" "$@" <"$FRAMES" >/dev/null
		_st=$?
		if [ "$_st" -ne 0 ]; then
			echo "FAIL $_st"
			return
		fi
		cat "$T/run" >>"$T/runs"
		_i=$((_i + 1))
	done
	sort -n "$T/runs" | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'
}

thr_header() {
	printf '%-44s %8s %11s %8s %11s %8s %9s\n' \
		command "wall s" "msgs/s" "MB/s" "CPU us/msg" "CPU %" "CPU x raw"
}

# thr_row LABEL "WALL CPU [FRAMES]" | "FAIL STATUS": a row (FRAMES:
# $TOTAL unless given); the ratio is CPU per message over that of
# mkt-feed --raw ($raw_cpm).
thr_row() {
	_label=$1
	# shellcheck disable=SC2086 # "WALL CPU [FRAMES]" or "FAIL STATUS"
	set -- $2
	if [ "$1" = FAIL ]; then
		printf '%-44s   FAILED (exit status %s)\n' "$_label" "$2" | out
		failed=1
		return
	fi
	awk -v label="$_label" -v wall="$1" -v cpu="$2" -v n="${3:-$TOTAL}" \
	    -v by="$frame_bytes" -v t="$TOTAL" -v raw="${raw_cpm:-}" "$AWK_FMT"'
	BEGIN {
		by = by * n / t
		cpm = cpu * 1e6 / n
		x = raw == "" ? "-" : sprintf("%.2f", cpm / raw)
		printf "%-44s %8.3f %11s %8.1f %11.2f %8.0f %9s\n", label, wall,
		    grp(n / wall), by / 1e6 / wall, cpm, 100 * cpu / wall, x
	}' | out
}

throughput() {
	record_frames
	frame_bytes=$(wc -c <"$FRAMES" | tr -d ' ')
	_lines=$(wc -l <"$FRAMES" | tr -d ' ')
	[ "$_lines" -eq $((TOTAL + NSYM)) ] ||
		die "$FRAMES: $_lines lines, want $((TOTAL + NSYM))"
	{
		echo "mkt-feed bench, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo
		awk -v ns="$NSYM" -v m="$MSGS" -v t="$TOTAL" -v by="$frame_bytes" \
		    -v lv="$LEVELS" -v runs="$RUNS" "$AWK_FMT"'BEGIN {
			printf "throughput: mkt-sim --rate 0, Binance spot, %d symbols" \
			    " x %s depth updates = %s frames,\n", ns, grp(m), grp(t)
			printf "  %d levels a side, %.0f bytes/frame" \
			    " (the recorded baseline input: %.1f MB);\n", lv, by / t,
			    by / 1e6
			printf "  baselines median of %d runs, < FILE > /dev/null;" \
			    " live: 1 run, output to /dev/null\n", runs
		}'
		echo
		thr_header
	} | out

	cat "$FRAMES" >/dev/null	# warm the page cache
	raw_cpm=
	_cat=$(measure_raw cat)
	_raw=$(measure_raw "$BIN/mkt-feed" --raw binance:spot)
	case $_raw in
	FAIL*) ;;
	*) raw_cpm=$(echo "$_raw" | awk -v n="$TOTAL" '{ print $2 * 1e6 / n }') ;;
	esac
	thr_row "cat FILE" "$_cat"
	thr_row "mkt-feed --raw binance:spot < FILE" "$_raw"
	if [ -n "$BASE" ]; then
		thr_row "  baseline: mkt-feed --raw" \
		    "$(measure_raw "$BASE/mkt-feed" --raw binance:spot)"
	fi

	live_thr "$BIN" "mkt-sim -> mkt-feed > /dev/null (live)"
	_cpm=$live_cpm
	if [ -n "$BASE" ]; then
		live_thr "$BASE" "  baseline: mkt-feed (live)"
		awk -v a="$_cpm" -v b="$live_cpm" 'BEGIN {
			if (a != "" && b != "" && b > 0)
				printf "  live CPU per message: %.2f us, baseline" \
				    " %.2f us: x %.2f\n", a, b, a / b
		}' | out
	fi
}

# live_thr BINDIR LABEL: the live throughput run with BINDIR's mkt-feed
# (and this build's mkt-sim); sets live_cpm (CPU us a message, or "").
live_thr() {
	_fbin=$1 _flabel=$2
	live_cpm=

	# shellcheck disable=SC2086 # SIM_ARGS: options, split on purpose
	start_sim thr $SIM_ARGS
	u=127.0.0.1:$PORT
	# shellcheck disable=SC2046 # one operand per symbol
	python3 -c "$DRIVER" "$SIM" "$T/thr.sim.err" "$T/thr.feed.err" \
	    env MKT_BINANCE_SPOT_WS="ws://$u" MKT_BINANCE_SPOT_REST="http://$u" \
	    "$_fbin/mkt-feed" --stats 20ms $(targets "$NSYM") >"$T/thr.live" &
	_drv=$!
	pids="$pids $_drv"
	wait "$_drv"
	_st=$?
	_live=$(cat "$T/thr.live")
	stop "$SIM"
	# shellcheck disable=SC2086 # "WALL FEED_CPU SIM_CPU FRAMES"
	set -- $_live
	if [ "$_st" -ne 0 ] || [ $# -ne 4 ]; then
		printf '%-44s   FAILED: %s of %s frames; they said:\n' \
		    "$_flabel" "${4:-?}" "$TOTAL" | out
		grep -v ' frames (' "$T/thr.feed.err" | tail -5 | sed 's/^/  /' | out
		sed 's/^/  /' "$T/thr.sim.err" | out
		failed=1
		return
	fi
	thr_row "$_flabel" "$1 $2 $4"
	live_cpm=$(awk -v cpu="$2" -v n="$4" 'BEGIN { print cpu * 1e6 / n }')
	awk -v wall="$1" -v cpu="$2" -v sim="$3" -v n="$4" -v t="$TOTAL" \
	    "$AWK_FMT"'BEGIN {
		printf "  live: %s frames taken; mkt-sim used %.2f s CPU meanwhile" \
		    " (%.0f %% of one CPU, %.1f us a message)\n", grp(n), sim,
		    100 * sim / wall, sim * 1e6 / n
		if (sim / wall > 0.85)
			printf "  so mkt-sim set the pace; at %.1f us CPU a message" \
			    " mkt-feed could take ~%s msgs/s on one CPU\n",
			    cpu * 1e6 / n, grp(n / cpu)
		if (n < t)
			printf "  (%s updates went by before mkt-feed had" \
			    " subscribed all symbols)\n", grp(t - n)
	}' | out
}

# ---------------------------------------------------------------- #
# Latency

lat_header() {
	printf '%-50s %7s %7s %7s %7s %7s %7s\n' \
		"pipeline (us from recv to read)" events p50 p90 p99 max "p50 x"
}

# lat_row LABEL "count=.. p50=.." | FAIL: a row; the ratio is p50 over the
# baseline's ($base_p50).
lat_row() {
	_label=$1
	case $2 in
	count=*) ;;
	*)	printf '%-50s   FAILED%s\n' "$_label" "${3:+: $3}" | out
		failed=1
		return ;;
	esac
	echo "$2" | awk -v label="$_label" -v base="${base_p50:-}" "$AWK_FMT"'{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		x = "-"
		if (base != "" && base > 0 && v["p50"] != "-")
			x = sprintf("%.2f", v["p50"] / base)
		printf "%-50s %7s %7s %7s %7s %7s %7s\n", label, grp(v["count"]),
		    v["p50"], v["p90"], v["p99"], v["max"], x
	}' | out
}

# lat_pipe NAME WITH_BOOK FEEDBIN: mkt-feed (FEEDBIN's) [| mkt-book
# --levels 1] | latency.py
# against the running simulator, through named pipes so that every
# process has its id; latency.py's line goes to $T/NAME.lat.
lat_pipe() {
	_n=$1 _book=$2 _fbin=${3:-$BIN}
	rm -f "$T/$_n.f1" "$T/$_n.f2"
	mkfifo "$T/$_n.f1" "$T/$_n.f2" || die "mkfifo failed"
	u=127.0.0.1:$PORT
	# shellcheck disable=SC2046 # one operand per symbol
	MKT_BINANCE_SPOT_WS="ws://$u" MKT_BINANCE_SPOT_REST="http://$u" \
	    "$_fbin/mkt-feed" --depth-limit 100 $(targets "$LAT_NSYM") \
	    >"$T/$_n.f1" 2>"$T/$_n.feed.err" &
	_feed=$!
	pids="$pids $_feed"
	_bk=
	if [ "$_book" = 1 ]; then
		"$BIN/mkt-book" --levels 1 <"$T/$_n.f1" >"$T/$_n.f2" \
		    2>"$T/$_n.book.err" &
		_bk=$!
		pids="$pids $_bk"
		_type=book _in=$T/$_n.f2
	else
		_type=depth _in=$T/$_n.f1
	fi
	python3 "$LATENCY" --type "$_type" --symbols "$LAT_NSYM" \
	    --seconds "$LAT_SECS" --timeout 30 <"$_in" >"$T/$_n.lat" \
	    2>"$T/$_n.lat.err" &
	_lat=$!
	pids="$pids $_lat"
	wait "$_lat"
	stop "$_feed" 2>/dev/null
	[ -z "$_bk" ] || stop "$_bk" 2>/dev/null
}

# lat_ratio NEW BASE: "  this build / baseline: p50 x.., p99 x.." from
# two latency.py lines.
lat_ratio() {
	printf '%s\n%s\n' "$1" "$2" | awk '
	/count=/ {
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[NR, kv[1]] = kv[2]
		}
	}
	END {
		if (v[1, "p50"] + 0 <= 0 || v[2, "p50"] + 0 <= 0 ||
		    v[2, "p99"] + 0 <= 0)
			exit
		printf "  this build / baseline: p50 x %.2f, p99 x %.2f\n",
		    v[1, "p50"] / v[2, "p50"], v[1, "p99"] / v[2, "p99"]
	}' | out
}

latency() {
	{
		echo
		echo "latency: mkt-sim --rate 10, Binance spot, $LAT_NSYM symbols" \
			"(~$((LAT_NSYM * 10)) updates/s, a burst of $LAT_NSYM every 100 ms)," \
			"$LEVELS levels;"
		echo "  mkt-feed --depth-limit 100; $LAT_SECS s once every symbol" \
			"synced; arrival = when latency.py's read returned"
		echo
		lat_header
	} | out

	_floor=$(python3 "$LATENCY" --emit 1000 --symbols 100 \
	    --seconds "$LAT_SECS" --type book |
	    python3 "$LATENCY" --symbols 100 --seconds "$LAT_SECS" --type book)
	lat_row "latency.py --emit 1000 | latency.py (the floor)" "$_floor"

	start_sim lat --symbols "$(symbols "$LAT_NSYM")" --rate 10 \
	    --duration $((4 * LAT_SECS + 120))s
	lat_pipe base 0
	_base=$(cat "$T/base.lat")
	base_p50=$(echo "$_base" | sed -n 's/.*p50=\([0-9]*\).*/\1/p')
	lat_row "mkt-feed | latency.py" "$_base" \
	    "$(cat "$T/base.lat.err" "$T/base.feed.err" 2>/dev/null | tail -3)"
	if [ -n "$BASE" ]; then
		lat_pipe obase 0 "$BASE"
		_obase=$(cat "$T/obase.lat")
		lat_row "  baseline: mkt-feed | latency.py" "$_obase" \
		    "$(cat "$T/obase.lat.err" "$T/obase.feed.err" 2>/dev/null |
		    tail -3)"
		lat_ratio "$_base" "$_obase"
	fi
	lat_pipe book 1
	_book=$(cat "$T/book.lat")
	lat_row "mkt-feed | mkt-book --levels 1 | latency.py" "$_book" \
	    "$(cat "$T/book.lat.err" "$T/book.feed.err" 2>/dev/null | tail -3)"
	if [ -n "$BASE" ]; then
		lat_pipe bbase 1 "$BASE"
		_bbase=$(cat "$T/bbase.lat")
		lat_row "  baseline: mkt-feed | mkt-book | latency.py" \
		    "$_bbase" "$(cat "$T/bbase.lat.err" "$T/bbase.feed.err" \
		    2>/dev/null | tail -3)"
		lat_ratio "$_book" "$_bbase"
	fi
	stop "$SIM"
	{ echo "$_base"; echo "$_book"; } | awk '
	/count=/ {
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[NR, kv[1]] = kv[2]
		}
	}
	END {
		if (v[1, "p50"] == "" || v[2, "p50"] == "" || v[1, "p50"] == "-" ||
		    v[2, "p50"] == "-")
			exit
		printf "  mkt-book and its pipe add %d us at p50, %d at p99\n",
		    v[2, "p50"] - v[1, "p50"], v[2, "p99"] - v[1, "p99"]
	}' | out
}

: >"$TABLE"
case ${BENCH_FEED_ONLY:-} in
throughput) throughput ;;
latency) latency ;;
*) throughput; latency ;;
esac

# Replace the feed section of an earlier run (from its first line to the
# next section, bench/journal.sh's, or the end, with the blank lines
# before it), append this one.
: >"$T/results"
if [ -s "$RESULTS" ]; then
	awk '
		/^mkt(-[a-z]+)? bench, / { skip = /^mkt-feed bench, / }
		skip { next }
		NF { for (; blank > 0; blank--) print ""; print; any = 1; next }
		{ blank++ }
		END { if (any) print "" }' >"$T/results" ||
	    die "cannot read $RESULTS"
fi
if ! cat "$TABLE" >>"$T/results" || ! mv "$T/results" "$RESULTS"; then
	die "cannot write $RESULTS"
fi
exit "$failed"
