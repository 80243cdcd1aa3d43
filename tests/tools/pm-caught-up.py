#!/usr/bin/env python3
"""pm-caught-up.py: wait until mkt-feed has caught up with mkt-sim's
Polymarket books.

    pm-caught-up.py [--timeout S] SIM-ERR URL EVENTS TOKEN...

Polymarket has no sequence numbers, so there is no final update id to
wait for: waits until the simulator's standard error (SIM-ERR) says that
its markets are done (--messages; its books no longer change), asks the
simulator at URL for each TOKEN's book (GET /book?token_id=), then
waits until the books rebuilt from EVENTS, mkt-feed's output as it grows
(the snapshot and depth events, applied in order), equal them, with no
status since that leaves a book resyncing or disconnected.

Exit status: 0 once caught up; 1 when --timeout seconds (default 120, a
bound on a hang only) pass first, with what was missing on stderr.
"""
import argparse
import json
import sys
import time
import urllib.request
from decimal import Decimal

PENDING = {"invalid", "resyncing", "disconnected"}


def rest_book(url, token):
    with urllib.request.urlopen("%s/book?token_id=%s" % (url, token),
                                timeout=30) as r:
        b = json.loads(r.read())
    return ({Decimal(l["price"]): Decimal(l["size"]) for l in b["bids"]},
            {Decimal(l["price"]): Decimal(l["size"]) for l in b["asks"]})


class Books:
    """The books of EVENTS, read on as the file grows."""

    def __init__(self, path):
        self.f = open(path)
        self.part = ""
        self.books, self.pending = {}, set()

    def read(self):
        self.part += self.f.read()
        lines = self.part.split("\n")
        self.part = lines.pop()
        for l in lines:
            e = json.loads(l, parse_float=Decimal)
            s, t = e.get("symbol"), e.get("type")
            if t == "snapshot":
                self.books[s] = ({Decimal(str(p)): Decimal(str(q)) for p, q in e["bids"]},
                                 {Decimal(str(p)): Decimal(str(q)) for p, q in e["asks"]})
                self.pending.discard(s)
            elif t == "depth" and s in self.books:
                for side, key in ((0, "bids"), (1, "asks")):
                    for p, q in e[key]:
                        p, q = Decimal(str(p)), Decimal(str(q))
                        if q == 0:
                            self.books[s][side].pop(p, None)
                        else:
                            self.books[s][side][p] = q
            elif t == "status" and e.get("state") in PENDING:
                if s:
                    self.pending.add(s)
                else:
                    self.pending.update(self.books)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("sim_err")
    ap.add_argument("url")
    ap.add_argument("events")
    ap.add_argument("tokens", nargs="+")
    a = ap.parse_args()
    end = time.time() + a.timeout
    while "markets done" not in open(a.sim_err).read():
        if time.time() > end:
            sys.exit("pm-caught-up.py: the simulator's markets never ended")
        time.sleep(0.05)
    want = {t: rest_book(a.url, t) for t in a.tokens}
    books = Books(a.events)
    while True:
        books.read()
        missing = [t for t in a.tokens
                   if t in books.pending or books.books.get(t) != want[t]]
        if not missing:
            return 0
        if time.time() > end:
            sys.exit("pm-caught-up.py: not caught up: %s" %
                     " ".join(t[:8] for t in missing))
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
