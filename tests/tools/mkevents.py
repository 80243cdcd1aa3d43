#!/usr/bin/env python3
"""mkevents.py N [T0]: N deterministic mixed events for the journal tests.

Trades, tickers and depth events of three symbols on two venues, about
ten a millisecond apart in "time" with some jitter (so a frame's times are
not sorted), every 50th a status event without "time", prices written
with trailing zeros (30000.10000000) so that exactness shows.
"""
import random
import sys


def main():
    n = int(sys.argv[1])
    t = int(sys.argv[2]) if len(sys.argv) > 2 else 1700000000000
    rnd = random.Random(7)
    syms = [("binance", "spot", "BTCUSDT"), ("binance", "futures", "ETHUSDT"),
            ("bybit", "linear", "SOLUSDT")]
    out = sys.stdout
    for i in range(n):
        t += rnd.randint(0, 20)
        v, m, s = syms[rnd.randrange(3)]
        jt = t + rnd.randint(-30, 30)
        head = '"venue":"%s","market":"%s","symbol":"%s","time":%d,' \
            '"recv":%d' % (v, m, s, jt, jt * 1000 + rnd.randint(0, 999))
        if i % 50 == 49:
            out.write('{"type":"status","source":"mkt-feed","state":'
                      '"connected","seq_no":%d}\n' % i)
            continue
        k = rnd.randrange(3)
        px = "%d.%02d000000" % (30000 + rnd.randint(0, 99), rnd.randint(0, 99))
        if k == 0:
            out.write('{"type":"trade",%s,"id":%d,"price":%s,"qty":0.%08d,'
                      '"side":"%s"}\n' % (head, i, px, rnd.randint(1, 10**8 - 1),
                                          rnd.choice(["buy", "sell"])))
        elif k == 1:
            out.write('{"type":"ticker",%s,"bid":%s,"bid_qty":1.50000000,'
                      '"ask":%s,"ask_qty":2.00000000}\n' % (head, px, px))
        else:
            out.write('{"type":"depth",%s,"first_id":%d,"last_id":%d,'
                      '"bids":[[%s,0.10000000]],"asks":[]}\n'
                      % (head, 2 * i, 2 * i + 1, px))


main()
