#!/usr/bin/env python3
"""check-candles.py INTERVAL_MS EVENTS CANDLES

An independent recomputation of mkt-candles(1) in exact decimals: the
trades of EVENTS, cut into windows of INTERVAL_MS (a late trade counts
in the window open when it arrives), give the candles, in order, that
CANDLES (mkt-candles' output) must hold.  Prints "candles N trades M
mismatches K" and, for each mismatch, the two candles.
"""
import json
import sys
from decimal import Decimal


def num(v):
    return Decimal(str(v)) if not isinstance(v, Decimal) else v


def text(d):
    s = format(d.normalize(), "f")
    return "0" if s in ("-0", "") else s


def expected(interval, path):
    order, cur, window, ntrades = [], {}, None, 0
    with open(path) as f:
        for line in f:
            e = json.loads(line, parse_float=Decimal)
            if e.get("type") != "trade":
                continue
            ntrades += 1
            k = e["time"] // interval
            if window is None or k > window:
                order.extend(cur.values())
                cur, window = {}, k
            key = (e["venue"], e["market"], e["symbol"])
            p, q = num(e["price"]), num(e["qty"])
            c = cur.get(key)
            if c is None:
                c = cur[key] = {
                    "venue": key[0], "market": key[1], "symbol": key[2],
                    "open_time": window * interval, "open": p, "high": p,
                    "low": p, "close": p, "volume": Decimal(0),
                    "quote_volume": Decimal(0), "trades": 0,
                    "buy_volume": Decimal(0)}
            c["high"] = max(c["high"], p)
            c["low"] = min(c["low"], p)
            c["close"] = p
            c["volume"] += q
            c["quote_volume"] += p * q
            c["trades"] += 1
            if e["side"] == "buy":
                c["buy_volume"] += q
    order.extend(cur.values())
    return order, ntrades


FIELDS = ("venue", "market", "symbol", "open_time", "open", "high", "low",
          "close", "volume", "quote_volume", "trades", "buy_volume")


def canon(c):
    out = []
    for k in FIELDS:
        v = c[k]
        out.append(text(num(v)) if k not in ("venue", "market", "symbol")
                   else v)
    return " ".join(str(x) for x in out)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    interval = int(argv[0])
    want, ntrades = expected(interval, argv[1])
    got = []
    with open(argv[2]) as f:
        for line in f:
            e = json.loads(line, parse_float=Decimal)
            if e.get("type") == "candle":
                if e["interval"] != interval or e["time"] != e["open_time"]:
                    print("bad interval or time: " + line.strip())
                got.append(e)
    bad = 0
    for i in range(max(len(want), len(got))):
        a = canon(want[i]) if i < len(want) else "-"
        b = canon(got[i]) if i < len(got) else "-"
        if a != b:
            bad += 1
            print("want " + a)
            print("got  " + b)
    print("candles %d trades %d mismatches %d" % (len(got), ntrades, bad))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
