#!/usr/bin/env python3
"""paper_check.py: an independent recomputation of the paper venue.

Usage:
  paper_check.py gen EVENTS [--seed N] [--every K]   > INPUT
  paper_check.py expect INPUT [--maker R] [--taker R] > EXPECTED

gen: reads mkt market events (a converted capture) and writes them out
with paper-run commands (paper_place, paper_cancel, paper_reload) mixed
in: orders of every kind near the books' tops, at deterministic points.

expect: prints, from the paper venue's rules alone (lib/venue/paper/
paper.h, "Rules"), the lines tests/tools/paper-run prints for INPUT.
Everything in decimal.Decimal; no code is shared with the C library.
The books here follow the events without the venues' sequence checks,
so INPUT must be a capture without gaps (the Bybit one has none).
"""
import json
import random
import sys
from decimal import Decimal, InvalidOperation, ROUND_HALF_EVEN, ROUND_DOWN, \
    getcontext

getcontext().prec = 120
ZERO = Decimal(0)
BOOK_TYPES = ("snapshot", "depth", "book")
QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD")


def dec(v):
    """A JSON number or numeric string as an exact Decimal, or None."""
    if v is None or isinstance(v, bool):
        return None
    try:
        d = Decimal(v) if isinstance(v, (str, Decimal)) else Decimal(str(v))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def fmt(d):
    if d == 0:
        return "0"
    return format(d.normalize(), "f")


def load_line(line):
    return json.loads(line, parse_float=Decimal)


class Book:
    def __init__(self):
        self.bids = {}
        self.asks = {}
        self.valid = False

    def apply(self, ev):
        if ev["type"] in ("snapshot", "book"):
            self.bids, self.asks = {}, {}
            self.valid = True
        for name, side in (("bids", self.bids), ("asks", self.asks)):
            for px, q in ev.get(name, []):
                px, q = dec(px), dec(q)
                if q == 0:
                    side.pop(px, None)
                else:
                    side[px] = q

    def side(self, name):
        """Levels of a side, best first, as (price, qty)."""
        lv = self.bids if name == "bids" else self.asks
        return sorted(lv.items(), reverse=(name == "bids"))

    def level(self, name, px):
        if not self.valid:
            return ZERO
        return (self.bids if name == "bids" else self.asks).get(px, ZERO)


def own_side(side):
    return "bids" if side == "buy" else "asks"


def other_side(side):
    return "asks" if side == "buy" else "bids"


def within(side, px, limit):
    return px <= limit if side == "buy" else px >= limit


def crossing(book, side, limit):
    """Opposite quantity at or through limit (None: all of it)."""
    if book is None or not book.valid:
        return ZERO
    total = ZERO
    for px, q in book.side(other_side(side)):
        if limit is not None and not within(side, px, limit):
            break
        total += q
    return total


def quote(sym):
    for q in QUOTES:
        if len(sym) > len(q) and sym.endswith(q):
            return q
    return sym[-3:] if len(sym) > 3 else sym


class Paper:
    def __init__(self, maker, taker, out):
        self.maker, self.taker, self.out = maker, taker, out
        self.books = {}        # (venue, market, symbol) -> Book
        self.orders = {}       # client id -> order dict
        self.resting = {}      # key -> [order], in the order they rest
        self.nplace = self.nfill = 0
        self.last_time = 0

    def emit(self, d):
        self.out.append(json.dumps(d, separators=(",", ":")))

    def order_line(self, o, t):
        avg = ZERO
        if o["filled"] > 0:
            avg = (o["notional"] / o["filled"]).quantize(
                Decimal(1).scaleb(-18), rounding=ROUND_HALF_EVEN)
        self.emit({"u": "order", "symbol": o["symbol"], "time": t,
                   "client_id": o["cid"], "order_id": o["oid"],
                   "side": o["side"], "status": o["status"],
                   "kind": o["kind"], "qty": fmt(o["qty"]),
                   "price": fmt(o["price"]), "filled_qty": fmt(o["filled"]),
                   "avg_price": fmt(avg)})

    def fill(self, o, px, q, maker, t):
        self.nfill += 1
        rate = self.maker if maker else self.taker
        self.emit({"u": "fill", "symbol": o["symbol"], "time": t,
                   "client_id": o["cid"], "order_id": o["oid"],
                   "side": o["side"], "trade_id": "paper-T-%d" % self.nfill,
                   "price": fmt(px), "qty": fmt(q), "fee": fmt(px * q * rate),
                   "fee_asset": quote(o["symbol"]), "maker": bool(maker)})
        o["filled"] += q
        o["notional"] += px * q
        o["status"] = "filled" if o["filled"] >= o["qty"] else \
            "partially_filled"
        if o["status"] == "filled":
            o["rests"] = False
        self.order_line(o, t)

    def tidy(self, key):
        self.resting[key] = [o for o in self.resting.get(key, [])
                             if o["rests"]]

    # -- market events --
    def market(self, ev):
        typ = ev.get("type")
        if typ not in BOOK_TYPES + ("ticker", "trade"):
            return
        key = (ev["venue"], ev["market"], ev["symbol"])
        if "time" in ev:
            self.last_time = int(ev["time"])
        t = self.last_time
        if typ == "trade":
            self.trade(key, dec(ev["price"]), dec(ev["qty"]), t)
            return
        if typ == "ticker":
            return
        book = self.books.setdefault(key, Book())
        rest = self.resting.get(key, [])
        before = [book.level(own_side(o["side"]), o["price"]) for o in rest]
        book.apply(ev)
        for o, b in zip(rest, before):
            after = book.level(own_side(o["side"]), o["price"])
            if after < b:
                o["ahead"] = max(ZERO, o["ahead"] - (b - after))
        for o in rest:
            if not o["rests"]:
                continue
            cross = crossing(book, o["side"], o["price"])
            o["used"] = min(o["used"], cross)
            f = min(o["qty"] - o["filled"], cross - o["used"])
            if f > 0:
                o["used"] += f
                self.fill(o, o["price"], f, True, t)
        self.tidy(key)

    def trade(self, key, tp, tq, t):
        avail = tq
        for o in self.resting.get(key, []):
            left = o["qty"] - o["filled"]
            f = ZERO
            if tp == o["price"]:
                take = min(o["ahead"], tq)
                o["ahead"] -= take
                f = max(ZERO, min(left, avail - take))
            elif (tp < o["price"]) if o["side"] == "buy" else \
                    (tp > o["price"]):
                o["ahead"] = ZERO
                f = min(left, avail)
            if f > 0:
                avail -= f
                self.fill(o, o["price"], f, True, t)
        self.tidy(key)

    # -- commands --
    def find_book(self, venue, market, symbol):
        found = [k for k in self.books
                 if k[2] == symbol and venue in (None, k[0]) and
                 market in (None, k[1])]
        return found[0] if len(found) == 1 else None

    def place(self, c):
        cid = c["client_id"]
        if cid in self.orders:
            self.emit({"u": "duplicate", "client_id": cid})
            return
        self.nplace += 1
        o = {"cid": cid, "oid": "paper-%d" % self.nplace,
             "symbol": c.get("symbol", ""), "side": c.get("side"),
             "kind": c.get("kind"), "tif": c.get("tif"),
             "qty": dec(c.get("qty")) or ZERO,
             "price": (dec(c.get("price")) or ZERO) if c.get("kind") ==
             "limit" else ZERO,
             "filled": ZERO, "notional": ZERO, "ahead": ZERO, "used": ZERO,
             "status": "new", "rests": False}
        self.orders[cid] = o
        key = self.rejection(c, o)
        t = self.last_time
        if key is None:
            o["status"] = "rejected"
            self.order_line(o, t)
            return
        self.order_line(o, t)
        book = self.books[key]
        limit = o["price"] if o["kind"] == "limit" else None
        if o["tif"] == "fok" and crossing(book, o["side"], limit) < o["qty"]:
            o["status"] = "expired"
            self.order_line(o, t)
            return
        if book.valid:
            for px, q in book.side(other_side(o["side"])):
                left = o["qty"] - o["filled"]
                if left <= 0 or (limit is not None and
                                 not within(o["side"], px, limit)):
                    break
                self.fill(o, px, min(left, q), False, t)
        if o["filled"] >= o["qty"]:
            return
        if o["kind"] == "market" or o["tif"] in ("ioc", "fok"):
            o["status"] = "expired"
            self.order_line(o, t)
            return
        o["ahead"] = book.level(own_side(o["side"]), o["price"])
        o["used"] = o["filled"]
        o["rests"] = True
        self.resting.setdefault(key, []).append(o)

    def rejection(self, c, o):
        """The order's book key, or None when it is rejected."""
        if o["side"] not in ("buy", "sell") or \
                o["kind"] not in ("limit", "market") or \
                o["tif"] not in ("gtc", "ioc", "fok", "post_only"):
            return None
        if o["qty"] <= 0:
            return None
        if o["kind"] == "limit" and o["price"] <= 0:
            return None
        if o["kind"] == "market" and o["tif"] == "post_only":
            return None
        key = self.find_book(c.get("venue"), c.get("market"), o["symbol"])
        if key is None:
            return None
        if o["tif"] == "post_only" and \
                crossing(self.books[key], o["side"], o["price"]) > 0:
            return None
        return key

    def cancel(self, c):
        o = self.orders.get(c["client_id"])
        if o is None or not o["rests"]:
            self.emit({"u": "cancel_unknown", "client_id": c["client_id"]})
            return
        o["status"] = "canceled"
        o["rests"] = False
        self.order_line(o, self.last_time)
        for key in self.resting:
            self.tidy(key)

    def reload(self):
        # Only resting orders survive a save and load; books do not.
        self.orders = {cid: o for cid, o in self.orders.items() if o["rests"]}
        self.books = {}


def expect(path, maker, taker):
    out = []
    p = Paper(maker, taker, out)
    with open(path) as f:
        for line in f:
            ev = load_line(line)
            typ = ev.get("type")
            if typ == "paper_place":
                p.place(ev)
            elif typ == "paper_cancel":
                p.cancel(ev)
            elif typ == "paper_reload":
                p.reload()
            else:
                p.market(ev)
            for s in out:
                print(s)
            out.clear()


# ---- generating orders ----

def qty_like(rng, q):
    """A quantity near q, with q's number of decimals."""
    f = Decimal(rng.choice(["0.3", "0.5", "1", "1.7", "2.5", "6"]))
    r = (q * f).quantize(q, rounding=ROUND_DOWN) if q.as_tuple().exponent \
        < 0 else (q * f).to_integral_value(rounding=ROUND_DOWN)
    return r if r > 0 else q


KINDS = ["market", "rest_top", "rest_deep", "cross_gtc", "cross_ioc",
         "passive_ioc", "fok_ok", "fok_short", "post_cross", "post_passive",
         "rest_top", "rest_top"]


def make_order(rng, n, key, book, kind):
    side = rng.choice(["buy", "sell"])
    own, opp = book.side(own_side(side)), book.side(other_side(side))
    if len(own) < 3 or len(opp) < 3:
        return None
    c = {"type": "paper_place", "venue": key[0], "market": key[1],
         "client_id": "c%d" % n, "symbol": key[2], "side": side,
         "kind": "limit", "tif": "gtc"}
    if kind == "market":
        c.update(kind="market", qty=fmt(qty_like(rng, opp[0][1])))
        c["tif"] = rng.choice(["gtc", "ioc"])
    elif kind in ("rest_top", "rest_deep", "post_passive", "passive_ioc"):
        px, q = own[0] if kind != "rest_deep" else own[2]
        c.update(price=str(px), qty=str(qty_like(rng, q)))
        c["tif"] = {"post_passive": "post_only",
                    "passive_ioc": "ioc"}.get(kind, "gtc")
    elif kind in ("cross_gtc", "cross_ioc", "post_cross"):
        px = opp[1][0]
        q = opp[0][1] + opp[1][1] + qty_like(rng, opp[0][1])
        c.update(price=str(px), qty=str(q))
        c["tif"] = {"cross_ioc": "ioc", "post_cross": "post_only"}.get(
            kind, "gtc")
    elif kind in ("fok_ok", "fok_short"):
        px = opp[1][0]
        avail = opp[0][1] + opp[1][1]
        q = avail if kind == "fok_ok" else avail + opp[2][1]
        c.update(price=str(px), qty=str(q), tif="fok")
    return c


def resnapshot(key, book, last):
    """The book as a snapshot event at its last id and time."""
    ev = {"type": "snapshot", "venue": key[0], "market": key[1],
          "symbol": key[2], "time": last[1], "last_id": last[0],
          "bids": [[str(p), str(q)] for p, q in book.side("bids")],
          "asks": [[str(p), str(q)] for p, q in book.side("asks")]}
    return json.dumps(ev, separators=(",", ":"))


def gen(path, seed, every):
    rng = random.Random(seed)
    books, placed, resting_ids, last = {}, 0, [], {}
    specials = ["dup", "cancel", "cancel_unknown", "ambiguous", "bad_qty",
                "no_book", "reload"]
    with open(path) as f:
        lines = f.read().splitlines()
    out, nmarket = [], 0
    for line in lines:
        out.append(line)
        ev = load_line(line)
        if ev.get("type") in BOOK_TYPES:
            key = (ev["venue"], ev["market"], ev["symbol"])
            books.setdefault(key, Book()).apply(ev)
            last[key] = (ev.get("last_id"), ev.get("time"))
        elif ev.get("type") != "trade":
            continue
        nmarket += 1
        if nmarket % every or not books:
            continue
        key = rng.choice(sorted(books))
        extra = None
        if placed % 6 == 5 and specials:
            extra = specials.pop(0)
        if extra == "reload":
            # A restarted program gets each book's snapshot again.
            out.append('{"type":"paper_reload"}')
            out.extend(resnapshot(k, books[k], last[k]) for k in sorted(books))
            continue
        if extra in ("cancel", "cancel_unknown"):
            cid = resting_ids[-1] if extra == "cancel" and resting_ids \
                else "nobody"
            out.append(json.dumps({"type": "paper_cancel",
                                   "client_id": cid}))
            continue
        c = make_order(rng, placed + 1, key, books[key],
                       KINDS[placed % len(KINDS)])
        if c is None:
            continue
        placed += 1
        if extra == "dup" and resting_ids:
            c["client_id"] = resting_ids[0]
        elif extra == "ambiguous":
            c.pop("venue")
            c.pop("market")
            c["symbol"] = "BTCUSDT"
        elif extra == "bad_qty":
            c["qty"] = "0"
        elif extra == "no_book":
            c["symbol"] = "NOSUCHUSDT"
        if c["tif"] in ("gtc", "post_only") and c["kind"] == "limit":
            resting_ids.append(c["client_id"])
        out.append(json.dumps(c, separators=(",", ":")))
    for line in out:
        print(line)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("gen", "expect"):
        sys.exit(__doc__)
    opts = {"--seed": "1", "--every": "25", "--maker": "0", "--taker": "0"}
    rest = argv[3:]
    while rest:
        if rest[0] not in opts or len(rest) < 2:
            sys.exit(__doc__)
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    if argv[1] == "gen":
        gen(argv[2], int(opts["--seed"]), int(opts["--every"]))
    else:
        expect(argv[2], Decimal(opts["--maker"]), Decimal(opts["--taker"]))


if __name__ == "__main__":
    main(sys.argv)
