#!/usr/bin/env python3
"""check-tickers.py: check rebuilt books against the venue's ticker.

Usage: check-tickers.py [--allow-missing] [-q] EVENTS BOOKS

EVENTS is the converted capture (NDJSON from capture2events.py), BOOKS the
output of `mkt-book --levels 1` (or any --levels >= 1, interval 0) run on
it.  A check point is a ticker event whose last_id equals the last_id of a
depth event of the same venue/market/symbol: the book event with that
last_id (the last one, when several carry it) must have bids[0] and asks[0]
equal to the ticker's bid, bid_qty, ask, ask_qty, compared as exact
decimals.

A point with no book event of that last_id is "missing": an error, unless
--allow-missing (for streams where the book is legitimately not valid at
every point, e.g. before the first snapshot).

Prints "checked N mismatches M missing K" on standard output (and each
mismatch on standard error); exits 1 on any mismatch (or missing point
without --allow-missing), 2 on usage errors.
"""

import json
import sys
from decimal import Decimal

PROG = "check-tickers.py"


def key(e):
    return (e.get("venue"), e.get("market"), e.get("symbol"))


def read(path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line, parse_float=Decimal, parse_int=Decimal)
            except ValueError as x:
                sys.stderr.write("%s: %s:%d: %s\n" % (PROG, path, n, x))
                sys.exit(1)


def D(v):
    return None if v is None else Decimal(str(v))


def main(argv):
    allow_missing = False
    quiet = False
    args = []
    for a in argv:
        if a == "--allow-missing":
            allow_missing = True
        elif a == "-q":
            quiet = True
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        elif a.startswith("-"):
            args = None
            break
        else:
            args.append(a)
    if not args or len(args) != 2:
        sys.stderr.write("usage: %s [--allow-missing] [-q] EVENTS BOOKS\n" % PROG)
        return 2

    depth_ids = {}          # symbol key -> set of depth last_id
    tickers = []
    for e in read(args[0]):
        t = e.get("type")
        if t == "depth" and e.get("last_id") is not None:
            depth_ids.setdefault(key(e), set()).add(int(e["last_id"]))
        elif t == "ticker" and e.get("last_id") is not None:
            tickers.append(e)

    books = {}              # (symbol key, last_id) -> (bid, bidqty, ask, askqty)
    for e in read(args[1]):
        if e.get("type") != "book":
            continue
        bids = e.get("bids") or []
        asks = e.get("asks") or []
        top = (D(bids[0][0]) if bids else None, D(bids[0][1]) if bids else None,
               D(asks[0][0]) if asks else None, D(asks[0][1]) if asks else None)
        if e.get("last_id") is not None:
            books[(key(e), int(e["last_id"]))] = top

    checked = mismatches = missing = 0
    for t in tickers:
        k = key(t)
        lid = int(t["last_id"])
        if lid not in depth_ids.get(k, ()):
            continue
        top = books.get((k, lid))
        if top is None:
            missing += 1
            if not allow_missing and not quiet:
                sys.stderr.write("%s: %s last_id %s: no book event\n"
                                 % (PROG, "/".join(map(str, k)), lid))
            continue
        checked += 1
        want = (D(t["bid"]), D(t["bid_qty"]), D(t["ask"]), D(t["ask_qty"]))
        if top != want:
            mismatches += 1
            if not quiet:
                sys.stderr.write(
                    "%s: %s last_id %s: ticker %s %s / %s %s, book %s %s / %s %s\n"
                    % ((PROG, "/".join(map(str, k)), lid) + want + top))
    print("checked %d mismatches %d missing %d" % (checked, mismatches, missing))
    if mismatches or (missing and not allow_missing):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
