#!/usr/bin/env python3
"""Checks on mkt journals for the tests (python3 stdlib + the zstd CLI).

journal-check.py runs DIR PLAN
    PLAN has one line per append run, in order: "RUN killed ACKFILE" or
    "RUN clean ACKFILE COUNT".  The events of the journal (decompressed
    with zstd -dc, segments in order) must be, run after run, exactly
    the first k events of each run (their "n" 0..k-1, in order, no
    duplicates), with k >= the count of the run's last ack (an ack line
    cut by the kill is ignored) and k == COUNT for a clean run.  Every
    ack's seq minus its count must be where the run starts in the
    journal (seqs are positions: nothing was pruned), and the index's
    frames, in (seg, off) order, must hold contiguous seqs from 0 and
    the same number of events.

journal-check.py same-index DIR1 DIR2 [loose]
    The two indexes hold the same frames (every column), the same keys
    per frame (compared by value), the same keys (with their ids), the
    same segments (seg, bytes, closed) and the same next_seq.  loose:
    for an index rebuilt from nothing, key ids and whether the newest
    segment is closed are not compared.

journal-check.py sql DIR SQL
    Run SQL (one or more statements) on DIR/index.db, committed; print
    the rows of each query, columns separated by spaces.  (The sqlite3
    CLI need not be installed.)

journal-check.py frames DIR
    One line per frame: "seg off len raw_len count first_seq", in
    (seg, off) order.
"""
import glob
import json
import os
import sqlite3
import subprocess
import sys


def events(d):
    segs = sorted(glob.glob(os.path.join(d, "seg-*.zst")))
    if not segs:
        return []
    out = subprocess.run(["zstd", "-dcq"] + segs, check=True,
                         capture_output=True).stdout
    lines = out.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def db(d):
    return sqlite3.connect("file:%s/index.db?mode=ro" % d, uri=True)


def last_ack(path):
    try:
        data = open(path, "rb").read()
    except FileNotFoundError:
        return None
    acks = [json.loads(l) for l in data.split(b"\n")[:-1]]
    return acks


def fail(msg):
    print("journal-check: " + msg, file=sys.stderr)
    sys.exit(1)


def check_runs(d, plan_path):
    plan = [l.split() for l in open(plan_path) if l.strip()]
    evs = events(d)
    pos = 0
    for p in plan:
        run, kind, ackfile = int(p[0]), p[1], p[2]
        start = pos
        n = 0
        while pos < len(evs):
            e = json.loads(evs[pos])
            if e.get("run") != run:
                break
            if e.get("n") != n:
                fail("run %d: event %d of the run is n=%s at position %d"
                     % (run, n, e.get("n"), pos))
            n += 1
            pos += 1
        acks = last_ack(ackfile) or []
        acked = acks[-1]["count"] if acks else 0
        if n < acked:
            fail("run %d (%s): %d events journaled, %d acked" %
                 (run, kind, n, acked))
        if kind == "clean":
            want = int(p[3])
            if n != want:
                fail("run %d: %d events journaled, want %d" % (run, n, want))
            if acked != want:
                fail("run %d: last ack count %d, want %d" % (run, acked, want))
        for a in acks:
            if a["seq"] - a["count"] != start:
                fail("run %d: ack seq %d count %d, but the run starts at %d"
                     % (run, a["seq"], a["count"], start))
    if pos != len(evs):
        fail("%d events after the last run (first: %r)" %
             (len(evs) - pos, evs[pos][:80]))
    c = db(d)
    seq = 0
    total = 0
    for first, count in c.execute(
            "SELECT first_seq, count FROM frames ORDER BY seg, off"):
        if first != seq:
            fail("frame with first_seq %d, want %d" % (first, seq))
        seq += count
        total += count
    if total != len(evs):
        fail("index counts %d events, segments hold %d" % (total, len(evs)))
    (nxt,) = c.execute("SELECT v FROM meta WHERE k = 'next_seq'").fetchone()
    if int(nxt) != total:
        fail("next_seq %s, want %d" % (nxt, total))
    print("# %d runs, %d events, %d frames" % (len(plan), len(evs),
          c.execute("SELECT count(*) FROM frames").fetchone()[0]))


def dump(d, loose=False):
    c = db(d)
    frames = c.execute("SELECT * FROM frames ORDER BY id").fetchall()
    fkeys = c.execute(
        "SELECT fk.frame, k.venue, k.market, k.symbol, k.type, fk.count, "
        "fk.min_time, fk.max_time FROM frame_keys fk JOIN keys k "
        "ON k.id = fk.key ORDER BY 1, 2, 3, 4, 5").fetchall()
    keys = c.execute("SELECT id, venue, market, symbol, type FROM keys "
                     "ORDER BY id").fetchall()
    segs = c.execute("SELECT seg, bytes, closed FROM segments "
                     "ORDER BY seg").fetchall()
    meta = c.execute("SELECT v FROM meta WHERE k = 'next_seq'").fetchone()
    if loose:
        keys = sorted(k[1:] for k in keys)
        segs = [s[:2] if i == len(segs) - 1 else s
                for i, s in enumerate(segs)]
    return {"frames": frames, "frame_keys": fkeys, "keys": keys,
            "segments": segs, "next_seq": meta}


def same_index(a, b, loose=False):
    x, y = dump(a, loose), dump(b, loose)
    for k in x:
        if x[k] != y[k]:
            xs = x[k] if isinstance(x[k], list) else [x[k]]
            ys = y[k] if isinstance(y[k], list) else [y[k]]
            for i in range(max(len(xs), len(ys))):
                u = xs[i] if i < len(xs) else None
                v = ys[i] if i < len(ys) else None
                if u != v:
                    fail("%s differ at row %d: %r != %r" % (k, i, u, v))
    print("# same: %d frames, %d frame keys, %d keys, %d segments" %
          (len(x["frames"]), len(x["frame_keys"]), len(x["keys"]),
           len(x["segments"])))


def frames(d):
    for r in db(d).execute("SELECT seg, off, len, raw_len, count, first_seq "
                           "FROM frames ORDER BY seg, off"):
        print(" ".join(str(v) for v in r))


def sql(d, text):
    c = sqlite3.connect(os.path.join(d, "index.db"))
    for stmt in [x for x in text.split(";") if x.strip()]:
        for r in c.execute(stmt):
            print(" ".join("" if v is None else str(v) for v in r))
    c.commit()
    c.close()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "runs":
        check_runs(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "same-index":
        same_index(sys.argv[2], sys.argv[3], len(sys.argv) == 5)
    elif len(sys.argv) == 4 and sys.argv[1] == "sql":
        sql(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "frames":
        frames(sys.argv[2])
    else:
        fail("usage: see the top of this file")


if __name__ == "__main__":
    main()
