#!/usr/bin/env python3
"""mkjournal.py: an independent writer of the mkt journal format, version 1.

Usage:
  mkjournal.py [OPTIONS] DIR < events.ndjson

Writes the events of standard input (or --input FILE), one per line, into
the journal DIR as /work/journal-spec.md (mkt-journal(5)) lays it out:
zstd segments of independent frames and the SQLite index.  When DIR already
holds a journal, the events are appended to it: seq and frame ids go on,
the last segment is continued unless it is closed or full.  It is written
for the tests, as a second implementation of the format that shares no code
with lib/journal.c, so it also checks that the format is specified enough.

Options:
  --frame-events N   events per frame (default 1000)
  --frame-bytes B    close a frame when its content reaches B bytes
                     (default 1 MiB)
  --segment-frames K start a new segment after K frames (default: no limit)
  --segment-bytes B  start a new segment when it reaches B bytes
                     (default 64 MiB)
  --step-events N    commit the index after every N events (a "sync": the
                     open frame is closed first), and sleep --step-sleep
                     seconds after each commit; default: one commit at end
  --step-sleep S     seconds, default 0
  --new-segment      start a new segment even if the last one is open
  --level L          zstd level (default 3)
  --fsync            fsync the segments before each commit
  --input FILE       read events from FILE instead of standard input

Frames are compressed by the zstd(1) command, one process per frame, with
--check and --stream-size so that the header carries the content size (as
ZSTD_c_contentSizeFlag does).

A line's "time" (and "recv") is indexed when it is a JSON integer or a
string holding one, as lib/json's json_int64 reads it; venue, market,
symbol and type go into the keys table as strings, '' when absent or not
a string.
"""
import fcntl
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS segments(
    seg INTEGER PRIMARY KEY,
    created INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS frames(
    id INTEGER PRIMARY KEY,
    seg INTEGER NOT NULL,
    off INTEGER NOT NULL,
    len INTEGER NOT NULL,
    raw_len INTEGER NOT NULL,
    count INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    first_time INTEGER, last_time INTEGER,
    min_time INTEGER, max_time INTEGER,
    first_recv INTEGER, last_recv INTEGER,
    UNIQUE(seg, off));
CREATE INDEX IF NOT EXISTS frames_seq ON frames(first_seq);
CREATE INDEX IF NOT EXISTS frames_max_time ON frames(max_time);
CREATE TABLE IF NOT EXISTS keys(
    id INTEGER PRIMARY KEY,
    venue TEXT NOT NULL, market TEXT NOT NULL,
    symbol TEXT NOT NULL, type TEXT NOT NULL,
    UNIQUE(venue, market, symbol, type));
CREATE TABLE IF NOT EXISTS frame_keys(
    frame INTEGER NOT NULL, key INTEGER NOT NULL,
    count INTEGER NOT NULL,
    min_time INTEGER, max_time INTEGER,
    PRIMARY KEY(frame, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS frame_keys_key ON frame_keys(key, frame);
CREATE TABLE IF NOT EXISTS cursors(
    name TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL,
    updated INTEGER NOT NULL);
"""

INT_RE = re.compile(r"-?(0|[1-9][0-9]*)\Z")
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def usage(msg):
    sys.stderr.write("mkjournal.py: %s\n" % msg)
    sys.exit(2)


def int_member(ev, name):
    v = ev.get(name)
    if isinstance(v, bool):
        return None
    if isinstance(v, str) and INT_RE.match(v):
        v = int(v)
    if isinstance(v, int) and INT64_MIN <= v <= INT64_MAX:
        return v
    return None


def str_member(ev, name):
    v = ev.get(name)
    return v if isinstance(v, str) else ""


def compress(raw, level):
    r = subprocess.run(["zstd", "-q", "-c", "--check", "-%d" % level,
                        "--stream-size=%d" % len(raw)],
                       input=raw, stdout=subprocess.PIPE, check=True)
    return r.stdout


class Journal:
    def __init__(self, d, opts):
        self.dir = d
        self.opts = opts
        os.makedirs(d, exist_ok=True)
        self.lockf = open(os.path.join(d, "lock"), "a+")
        try:
            fcntl.flock(self.lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            usage("%s: locked by another writer" % d)
        self.lockf.truncate(0)
        self.lockf.write("%d\n" % os.getpid())
        self.lockf.flush()
        self.db = sqlite3.connect(os.path.join(d, "index.db"),
                                  isolation_level=None)
        # A bound on a hang only: a reader may hold the lock a while on a
        # busy machine or in a sanitized build.
        self.db.execute("PRAGMA busy_timeout=60000")
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")
        self.db.execute("INSERT OR IGNORE INTO meta VALUES('format','1')")
        self.db.execute("INSERT OR IGNORE INTO meta VALUES('next_seq','0')")
        self.db.execute("COMMIT")
        fmt = self.db.execute("SELECT v FROM meta WHERE k='format'").fetchone()
        if fmt[0] != "1":
            usage("%s: format %s" % (d, fmt[0]))
        self.next_seq = int(self.db.execute(
            "SELECT v FROM meta WHERE k='next_seq'").fetchone()[0])
        self.keys = {}
        for kid, v, m, s, t in self.db.execute(
                "SELECT id, venue, market, symbol, type FROM keys"):
            self.keys[(v, m, s, t)] = kid
        last = self.db.execute("SELECT seg, bytes, closed FROM segments "
                               "ORDER BY seg DESC LIMIT 1").fetchone()
        nframes = 0
        if last:
            nframes = self.db.execute("SELECT count(*) FROM frames WHERE "
                                      "seg=?", (last[0],)).fetchone()[0]
        self.pending_close = None
        if (last and not last[2] and not opts["new_segment"]
                and not self.full(last[1], nframes)):
            self.seg, self.seg_bytes, self.seg_frames = last[0], last[1], nframes
            self.seg_new = False
            # Anything past the indexed end is a torn tail: cut it.
            path = self.seg_path(self.seg)
            if os.path.getsize(path) > self.seg_bytes:
                os.truncate(path, self.seg_bytes)
        else:
            if last and not last[2]:
                self.pending_close = last[0]
            self.start_segment((last[0] + 1) if last else 1)
        self.frames = []        # written, not yet committed
        self.raw = []           # lines of the open frame
        self.raw_len = 0
        self.dirty_fds = set()

    def seg_path(self, seg):
        return os.path.join(self.dir, "seg-%010d.zst" % seg)

    def full(self, nbytes, nframes):
        o = self.opts
        return ((o["segment_frames"] and nframes >= o["segment_frames"])
                or nbytes >= o["segment_bytes"])

    def start_segment(self, seg):
        self.seg, self.seg_bytes, self.seg_frames = seg, 0, 0
        self.seg_new = True
        self.seg_created = int(time.time() * 1000)

    def add(self, line):
        self.raw.append(line)
        self.raw_len += len(line)
        if (len(self.raw) >= self.opts["frame_events"]
                or self.raw_len >= self.opts["frame_bytes"]):
            self.close_frame()

    def close_frame(self):
        if not self.raw:
            return
        if self.full(self.seg_bytes, self.seg_frames):
            self.pending_close = self.seg
            self.frames.append(("close", self.seg, self.seg_bytes))
            self.start_segment(self.seg + 1)
            self.frames.append(("new", self.seg, self.seg_created))
        elif self.seg_new:
            self.frames.append(("new", self.seg, self.seg_created))
        self.seg_new = False
        raw = b"".join(self.raw)
        z = compress(raw, self.opts["level"])
        with open(self.seg_path(self.seg), "ab") as f:
            f.write(z)
            if self.opts["fsync"]:
                f.flush()
                os.fdatasync(f.fileno())
        info = {"seg": self.seg, "off": self.seg_bytes, "len": len(z),
                "raw_len": len(raw), "count": len(self.raw),
                "first_seq": self.next_seq}
        times, recvs, keys = [], [], {}
        for line in self.raw:
            ev = json.loads(line)
            t = int_member(ev, "time")
            r = int_member(ev, "recv")
            if t is not None:
                times.append(t)
            if r is not None:
                recvs.append(r)
            k = (str_member(ev, "venue"), str_member(ev, "market"),
                 str_member(ev, "symbol"), str_member(ev, "type"))
            c = keys.setdefault(k, [0, None, None])
            c[0] += 1
            if t is not None:
                c[1] = t if c[1] is None else min(c[1], t)
                c[2] = t if c[2] is None else max(c[2], t)
        info["times"] = (times[0] if times else None,
                         times[-1] if times else None,
                         min(times) if times else None,
                         max(times) if times else None,
                         recvs[0] if recvs else None,
                         recvs[-1] if recvs else None)
        info["keys"] = keys
        self.frames.append(("frame", info))
        self.next_seq += len(self.raw)
        self.seg_bytes += len(z)
        self.seg_frames += 1
        self.raw, self.raw_len = [], 0

    def commit(self):
        """A sync: close the open frame, index what was written."""
        self.close_frame()
        if not self.frames:
            return
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        if self.pending_close is not None:
            db.execute("UPDATE segments SET closed=1 WHERE seg=?",
                       (self.pending_close,))
            self.pending_close = None
        seg_bytes = {}
        for item in self.frames:
            if item[0] == "new":
                db.execute("INSERT INTO segments(seg, created, bytes) "
                           "VALUES(?, ?, 0)", (item[1], item[2]))
                continue
            if item[0] == "close":
                db.execute("UPDATE segments SET closed=1, bytes=? "
                           "WHERE seg=?", (item[2], item[1]))
                continue
            f = item[1]
            cur = db.execute(
                "INSERT INTO frames(seg, off, len, raw_len, count, first_seq,"
                " first_time, last_time, min_time, max_time, first_recv,"
                " last_recv) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                (f["seg"], f["off"], f["len"], f["raw_len"], f["count"],
                 f["first_seq"]) + f["times"])
            fid = cur.lastrowid
            for k, (n, tmin, tmax) in f["keys"].items():
                kid = self.keys.get(k)
                if kid is None:
                    kid = db.execute("INSERT INTO keys(venue, market, symbol,"
                                     " type) VALUES(?,?,?,?)", k).lastrowid
                    self.keys[k] = kid
                db.execute("INSERT INTO frame_keys VALUES(?,?,?,?,?)",
                           (fid, kid, n, tmin, tmax))
            seg_bytes[f["seg"]] = f["off"] + f["len"]
        for seg, b in seg_bytes.items():
            db.execute("UPDATE segments SET bytes=? WHERE seg=?", (b, seg))
        db.execute("UPDATE meta SET v=? WHERE k='next_seq'",
                   (str(self.next_seq),))
        db.execute("COMMIT")
        self.frames = []

    def close(self):
        self.commit()
        self.db.close()
        self.lockf.close()


def main():
    opts = {"frame_events": 1000, "frame_bytes": 1 << 20,
            "segment_frames": 0, "segment_bytes": 64 << 20,
            "step_events": 0, "step_sleep": 0.0, "new_segment": False,
            "level": 3, "fsync": False, "input": None}
    args = sys.argv[1:]
    d = None
    while args:
        a = args.pop(0)
        if a in ("-h", "--help"):
            print(__doc__)
            return 0
        if a in ("--new-segment", "--fsync"):
            opts[a[2:].replace("-", "_")] = True
            continue
        if a.startswith("--"):
            name = a[2:].replace("-", "_")
            if name not in opts or not args:
                usage("bad option '%s'" % a)
            v = args.pop(0)
            if name == "input":
                opts[name] = v
            elif name == "step_sleep":
                opts[name] = float(v)
            else:
                opts[name] = int(v)
            continue
        if d is not None:
            usage("one DIR only")
        d = a
    if d is None:
        usage("usage: mkjournal.py [OPTIONS] DIR < events")
    j = Journal(d, opts)
    src = open(opts["input"], "rb") if opts["input"] else sys.stdin.buffer
    n = 0
    for line in src:
        if not line.endswith(b"\n"):
            line += b"\n"
        j.add(line)
        n += 1
        if opts["step_events"] and n % opts["step_events"] == 0:
            j.commit()
            if opts["step_sleep"]:
                time.sleep(opts["step_sleep"])
    j.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
