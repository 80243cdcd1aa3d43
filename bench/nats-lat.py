#!/usr/bin/env python3
"""bench/nats-lat.py: the two ends of bench/nats.sh's latency runs.

  nats-lat.py gen N RATE   N trade events on standard output, RATE a
                           second, each stamped with the wall clock:
                           its "id" is the time in microseconds when it
                           was written (unique and increasing, so the
                           NATS message ids, made of the trade's id,
                           differ), flushed one by one
  nats-lat.py read N [SKIP]
                           read event lines until SKIP (0) and then N
                           trades came, then print "n p50 p90 p99 max"
                           in microseconds of the N: the time each was
                           read minus its stamp

Both ends run on this machine and read the same clock (CLOCK_REALTIME),
so the difference is the time the event spent between them: the
programs, pipes, sockets and the NATS server in the middle.  Lines
that are not trades (status lines) are skipped.
"""
import json
import sys
import time


def gen(n, rate):
    out = sys.stdout
    gap = 1.0 / rate
    t0 = time.monotonic()
    last = 0
    for i in range(n):
        # Paced against the start, so a late wake-up does not slow the
        # whole run down.
        due = t0 + i * gap
        d = due - time.monotonic()
        if d > 0:
            time.sleep(d)
        us = time.time_ns() // 1000
        if us <= last:
            us = last + 1
        last = us
        out.write('{"type":"trade","venue":"binance","market":"spot",'
                  '"symbol":"BTCUSDT","time":%d,"id":%d,"price":"100.5",'
                  '"qty":"0.01","side":"buy"}\n' % (us // 1000, us))
        out.flush()


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def read(n, skip):
    lat = []
    for line in sys.stdin:
        now = time.time_ns() // 1000
        if '"trade"' not in line:
            continue
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("type") != "trade":
            continue
        if skip > 0:
            skip -= 1
            continue
        lat.append(now - int(e["id"]))
        if len(lat) >= n:
            break
    if len(lat) < n:
        print("nats-lat: %d of %d trades came" % (len(lat), n),
              file=sys.stderr)
        return 1
    lat.sort()
    print("%d %d %d %d %d" % (len(lat), pct(lat, 50), pct(lat, 90),
                              pct(lat, 99), lat[-1]))
    sys.stdout.flush()
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "gen":
        gen(int(a[1]), float(a[2]))
        return 0
    if len(a) in (2, 3) and a[0] == "read":
        return read(int(a[1]), int(a[2]) if len(a) == 3 else 0)
    print("usage: nats-lat.py gen N RATE | read N [SKIP]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(0)
