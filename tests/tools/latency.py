#!/usr/bin/env python3
"""latency.py: receive-to-output latency of an mkt event stream.

Reads mkt events (NDJSON) on standard input and takes the wall clock
(time.time_ns(), CLOCK_REALTIME, the clock mkt-feed stamps "recv" with)
as each read() returns; every complete line of that read gets that time.
For each event of the chosen --type that carries "recv" (the epoch
microseconds at which mkt-feed received the frame it came from), the
latency is arrival - recv, in microseconds.

Measuring starts once events of --symbols distinct symbols have been
seen (every book synced: the snapshots, and the held events replayed
after them, fall before the window) and lasts --seconds.  Then one line
goes to standard output and the program exits, which closes the pipe
for the writers before it:

    count=N p50=US p90=US p99=US max=US min=US mean=US seconds=S

Latencies are integers (recv has microsecond resolution); percentiles are
nearest-rank.  The figure includes this program's own wake-up and read,
so measure a baseline with the same program on a shorter pipeline.

--emit RATE writes such a stream instead (one "book" event of --symbols
symbols in turn, RATE lines a second in bursts of --burst, each line
written and flushed on its own with recv stamped just before) for
--warmup + --seconds, to measure the pipe and this reader alone:

    latency.py --emit 1000 --burst 100 --symbols 100 | latency.py --symbols 100

Exit status: 0; 1 when --symbols were not all seen within --timeout or
no event was measured (the line is still written, with count=0).
Standard library only.
"""
import argparse
import os
import re
import select
import sys
import time


TYPE = re.compile(rb'"type"\s*:\s*"([^"]*)"')
RECV = re.compile(rb'"recv"\s*:\s*(\d+)')
SYMBOL = re.compile(rb'"symbol"\s*:\s*"([^"]*)"')


def pct(sorted_v, p):
    """Nearest-rank percentile of a sorted, non-empty list."""
    k = max(0, min(len(sorted_v) - 1, -(-len(sorted_v) * p // 100) - 1))
    return sorted_v[k]


def emit(a):
    """--emit: bursts of --burst lines, RATE lines a second in all."""
    out = sys.stdout.buffer
    period = a.burst / a.emit
    t0 = time.monotonic()
    end = t0 + a.seconds + (a.warmup or 0)
    i = 0
    try:
        while True:
            due = t0 + (i // a.burst) * period
            now = time.monotonic()
            if now >= end:
                break
            if due > now:
                time.sleep(due - now)
            line = '{"type":"%s","venue":"sim","market":"spot","symbol":' \
                '"S%d","recv":%d}\n' % (a.type, i % a.symbols,
                                         time.time_ns() // 1000)
            out.write(line.encode())
            out.flush()
            i += 1
    except BrokenPipeError:
        # The reader is done: no complaint from the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def measure(a):
    fd = sys.stdin.fileno()
    seen = set()
    lat = []
    start = None        # monotonic time the window opened
    deadline = time.monotonic() + a.timeout
    tail = b""
    want = a.type.encode()
    status = 0
    while True:
        mono = time.monotonic()
        if start is None:
            left = deadline - mono
        else:
            left = start + a.seconds - mono
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            chunk = None
        else:
            try:
                chunk = os.read(fd, 1 << 16)
            except InterruptedError:
                continue
            if not chunk:
                break
        now_us = time.time_ns() / 1000.0
        mono = time.monotonic()
        if chunk is None:
            lines = []
        else:
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
        for line in lines:
            # Patterns, not a JSON parser: a line that waits in the pipe
            # while this one is parsed counts that wait as latency.
            m = TYPE.search(line)
            if not m or m.group(1) != want:
                continue
            r = RECV.search(line)
            if not r:
                continue
            if start is None:
                y = SYMBOL.search(line)
                seen.add(y.group(1) if y else None)
                if len(seen) >= a.symbols:
                    start = mono
                continue
            lat.append(now_us - int(r.group(1)))
        if start is None and mono > deadline:
            sys.stderr.write("latency.py: only %d of %d symbols seen in "
                             "%g s\n" % (len(seen), a.symbols, a.timeout))
            status = 1
            break
        if start is not None and mono - start >= a.seconds:
            break
    secs = 0.0 if start is None else time.monotonic() - start
    if not lat:
        print("count=0 p50=- p90=- p99=- max=- min=- mean=- seconds=%.1f"
              % secs)
        sys.stdout.flush()
        return 1
    lat.sort()
    print("count=%d p50=%.0f p90=%.0f p99=%.0f max=%.0f min=%.0f mean=%.0f "
          "seconds=%.1f" % (len(lat), pct(lat, 50), pct(lat, 90),
                            pct(lat, 99), lat[-1], lat[0],
                            sum(lat) / len(lat), secs))
    sys.stdout.flush()
    return status


def main():
    ap = argparse.ArgumentParser(
        description="receive-to-output latency of mkt events")
    ap.add_argument("--type", default="book",
                    help="event type measured (default book)")
    ap.add_argument("--symbols", type=int, default=1,
                    help="start once this many symbols were seen (1)")
    ap.add_argument("--seconds", type=float, default=10.0,
                    help="length of the measuring window (10)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="give up when the symbols are not all seen by "
                    "then (60)")
    ap.add_argument("--emit", type=float, default=0, metavar="RATE",
                    help="write a test stream at RATE lines/s instead")
    ap.add_argument("--burst", type=int, default=1,
                    help="--emit: lines written back to back (1)")
    ap.add_argument("--warmup", type=float, default=1.0,
                    help="--emit: seconds added before --seconds (1)")
    a = ap.parse_args()
    if a.emit > 0:
        return emit(a)
    return measure(a)


if __name__ == "__main__":
    sys.exit(main())
