#!/usr/bin/env python3
"""caught-up.py: wait until mkt-feed has caught up with mkt-sim's books.

    caught-up.py [--ca FILE] [--timeout S] SIM-ERR URL EVENTS TARGET...

Waits until the simulator's standard error (SIM-ERR) says that its
markets are done (--messages), then until EVENTS, mkt-feed's output as it
grows, holds a depth or snapshot event for every TARGET
(venue:market:symbol), then asks the simulator at URL (http://HOST:PORT
or https://, trusting --ca) for each TARGET's final update id over REST,
and waits until the latest depth or snapshot event of every TARGET in
EVENTS carries that id, with no status since that leaves its book
invalid, resyncing, disconnected or rate limited.  The simulator's
books no longer change once its markets are done, so from then on the
books that mkt-feed's events rebuild are the simulator's final ones.

The REST requests come after mkt-feed's first answers, so that faults
counted on the simulator's first requests (--rest-429) reach mkt-feed.

Exit status: 0 once caught up; 1 when --timeout seconds (default 120, a
bound on a hang only) pass first, with what was missing on stderr.
"""
import argparse
import json
import ssl
import sys
import time
import urllib.error
import urllib.request

PENDING = {"invalid", "resyncing", "disconnected", "rate_limited"}


def rest_path(venue, market, symbol):
    if venue == "binance" and market == "spot":
        return "/api/v3/depth?symbol=%s&limit=5" % symbol, "lastUpdateId"
    if venue == "binance" and market == "futures":
        return "/fapi/v1/depth?symbol=%s&limit=5" % symbol, "lastUpdateId"
    if venue == "bybit":
        return ("/v5/market/orderbook?category=%s&symbol=%s&limit=1"
                % (market, symbol), "u")
    sys.exit("caught-up.py: unknown venue:market %s:%s" % (venue, market))


def final_id(url, ctx, target):
    """The simulator's last update id for target, or None for now."""
    path, key = rest_path(*target)
    try:
        with urllib.request.urlopen(url + path, timeout=30,
                                    context=ctx) as r:
            body = json.loads(r.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    if key == "u":
        body = body.get("result") or {}
    v = body.get(key)
    return int(v) if isinstance(v, int) else None


class Feed:
    """mkt-feed's output, read as it grows."""

    def __init__(self, path, targets):
        self.path, self.off, self.rest = path, 0, b""
        self.last = {t: None for t in targets}
        self.pending = {t: False for t in targets}

    def read(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                b = f.read()
        except FileNotFoundError:
            return
        self.off += len(b)
        lines = (self.rest + b).split(b"\n")
        self.rest = lines.pop()
        for l in lines:
            try:
                e = json.loads(l)
            except ValueError:
                continue
            if isinstance(e, dict):
                self.event(e)

    def event(self, e):
        k = (e.get("venue"), e.get("market"), e.get("symbol"))
        if e.get("type") in ("depth", "snapshot") and k in self.last:
            if isinstance(e.get("last_id"), int):
                self.last[k] = e["last_id"]
                self.pending[k] = False
        elif e.get("type") == "status" and e.get("state") in PENDING:
            for t in self.last:
                if t[:2] == k[:2] and k[2] in (None, t[2]):
                    self.pending[t] = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ca")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("sim_err")
    ap.add_argument("url")
    ap.add_argument("events")
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    targets = [tuple(t.split(":", 2)) for t in a.targets]
    ctx = ssl.create_default_context(cafile=a.ca) if a.ca else None
    feed = Feed(a.events, targets)
    final = {}
    deadline = time.monotonic() + a.timeout
    done = False
    while True:
        feed.read()
        if not done:
            try:
                done = "markets done" in open(a.sim_err).read()
            except FileNotFoundError:
                pass
        if done and all(v is not None for v in feed.last.values()):
            for t in targets:
                if t not in final:
                    v = final_id(a.url, ctx, t)
                    if v is not None:
                        final[t] = v
        if len(final) == len(targets) and all(
                feed.last[t] == final[t] and not feed.pending[t]
                for t in targets):
            return 0
        if time.monotonic() > deadline:
            sys.stderr.write(
                "caught-up.py: not caught up after %g s: markets done %s;"
                " %s\n" % (a.timeout, done, "; ".join(
                    "%s last %s final %s%s" % (
                        ":".join(t), feed.last[t], final.get(t),
                        " pending" if feed.pending[t] else "")
                    for t in targets)))
            return 1
        time.sleep(0.05)


sys.exit(main())
