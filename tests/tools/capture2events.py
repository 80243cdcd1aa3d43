#!/usr/bin/env python3
"""capture2events.py: convert a cryptofeed sample capture into mkt NDJSON.

Usage:
  capture2events.py [OPTIONS] binance-spot HTTPFILE WSFILE
  capture2events.py [OPTIONS] binance-futures HTTPFILE WSFILE
  capture2events.py [OPTIONS] bybit FILE.jsonl.zst

Options:
  --snapshot-first       (Binance) each symbol's snapshot before its first
                         WebSocket event, instead of at its receive time
  --tickers-after-depth  hold each ticker whose last_id is ahead of the
                         last depth event of its symbol until the depth
                         event that reaches it, and write it just after
                         that one (a consumer then sees the ticker while
                         its book is exactly at the ticker's last_id;
                         in the captures the bookTicker comes first)

Prices and quantities are never converted to float: the exchange's decimal
strings are written verbatim as JSON numbers.  Receive times are converted
exactly (decimal seconds -> integer microseconds, truncated).

Binance: REST lines "URL -> RECV: BODY" become snapshot events, WebSocket
lines "RECV: FRAME" (combined-stream wrapper) become depth, ticker, trade and
kline events.  Both are merged into one stream ordered by receive time (each
file keeps its own order).  With --snapshot-first, each symbol's snapshot is
moved to just before the first WebSocket event of that symbol (what mkt-feed
emits: a snapshot, then the depth events, stale ones included here so that
the consumer has to drop them).

Bybit: orderbook.200 snapshot -> snapshot, delta -> depth (first_id =
last_id = u), publicTrade -> trade, kline -> kline, any other topic -> a
"raw" event carrying the topic and the data object unchanged.  Replies
without a topic (subscribe acknowledgements) and the REST instruments-info
records are skipped.

Standard library only; zstd files are read through the zstd CLI.
"""

import heapq
import json
import re
import subprocess
import sys
from decimal import Decimal
from urllib.parse import urlparse, parse_qs

PROG = "capture2events.py"
NUM_RE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")


class Num(str):
    """A decimal written verbatim as a JSON number."""


def num(s):
    """An exchange decimal (string) -> Num, digits kept as they are."""
    if isinstance(s, Num):
        return s
    if isinstance(s, Decimal):
        s = format(s, "f")
    elif isinstance(s, int) and not isinstance(s, bool):
        s = str(s)
    if not isinstance(s, str):
        die("not a decimal: %r" % (s,))
    if NUM_RE.match(s):
        return Num(s)
    # Not JSON number syntax ("1.", ".5", "1e-3", "+1"): normalise exactly.
    try:
        d = Decimal(s)
    except Exception:
        die("not a decimal: %r" % (s,))
    if not d.is_finite():
        die("not a decimal: %r" % (s,))
    return Num(format(d, "f"))


def levels(arr):
    return [[num(p), num(q)] for p, q in arr]


def dump(v):
    if isinstance(v, Num):
        return str(v)
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dump(x)
                              for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, Decimal):
        return format(v, "f")
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def die(msg):
    sys.stderr.write("%s: %s\n" % (PROG, msg))
    sys.exit(1)


def sec2us(s):
    """Decimal seconds (string or Decimal) -> integer microseconds."""
    d = Decimal(s)
    return int(d.scaleb(6).to_integral_value(rounding="ROUND_FLOOR"))


def ev(typ, venue, market, symbol, time, recv):
    e = {"type": typ, "venue": venue, "market": market, "symbol": symbol}
    if time is not None:
        e["time"] = int(time)
    if recv is not None:
        e["recv"] = recv
    return e


def loads(s):
    return json.loads(s, parse_float=Decimal)


# ---------------------------------------------------------------- Binance

def binance_rest(path, market):
    """-> list of (recv_decimal_seconds, symbol, event)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            try:
                url, rest = line.split(" -> ", 1)
                rtime, body = rest.split(": ", 1)
                rtime = Decimal(rtime)
            except Exception:
                die("%s:%d: not 'URL -> RECV: BODY'" % (path, n))
            q = parse_qs(urlparse(url).query)
            if "symbol" not in q:
                die("%s:%d: no symbol= in the URL" % (path, n))
            sym = q["symbol"][0].upper()
            b = loads(body)
            recv = sec2us(rtime)
            t = b.get("E")
            if t is None:
                t = recv // 1000
            e = ev("snapshot", "binance", market, sym, t, recv)
            e["last_id"] = int(b["lastUpdateId"])
            e["bids"] = levels(b["bids"])
            e["asks"] = levels(b["asks"])
            out.append((rtime, sym, e))
    return out


def binance_ws(path, market):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("wss://") or line.startswith("ws://"):
                continue          # the stream URL header line
            try:
                rtime, frame = line.split(": ", 1)
                rtime = Decimal(rtime)
            except Exception:
                die("%s:%d: not 'RECV: FRAME'" % (path, n))
            msg = loads(frame)
            d = msg.get("data", msg) if isinstance(msg, dict) else None
            if not isinstance(d, dict):
                continue
            stream = msg.get("stream", "")
            recv = sec2us(rtime)
            sym = d.get("s")
            kind = d.get("e")
            if kind is None and "bookTicker" in stream:
                kind = "bookTicker"
            if kind == "depthUpdate":
                e = ev("depth", "binance", market, sym, d["E"], recv)
                e["first_id"] = int(d["U"])
                e["last_id"] = int(d["u"])
                if "pu" in d:
                    e["prev_id"] = int(d["pu"])
                e["bids"] = levels(d["b"])
                e["asks"] = levels(d["a"])
            elif kind == "bookTicker":
                t = d.get("E")
                if t is None:
                    t = recv // 1000
                e = ev("ticker", "binance", market, sym, t, recv)
                e["bid"] = num(d["b"])
                e["bid_qty"] = num(d["B"])
                e["ask"] = num(d["a"])
                e["ask_qty"] = num(d["A"])
                if "u" in d:
                    e["last_id"] = int(d["u"])
            elif kind in ("aggTrade", "trade"):
                t = d.get("T", d.get("E"))
                e = ev("trade", "binance", market, sym, t, recv)
                e["id"] = int(d["a"] if kind == "aggTrade" else d["t"])
                e["price"] = num(d["p"])
                e["qty"] = num(d["q"])
                e["side"] = "sell" if d["m"] else "buy"
            elif kind == "kline":
                k = d["k"]
                e = ev("kline", "binance", market, sym, d.get("E"), recv)
                e["interval"] = k["i"]
                e["start"] = int(k["t"])
                e["end"] = int(k["T"])
                for name, key in (("open", "o"), ("high", "h"), ("low", "l"),
                                  ("close", "c"), ("volume", "v")):
                    e[name] = num(k[key])
                e["trades"] = int(k["n"])
                e["closed"] = bool(k["x"])
            else:
                e = ev("raw", "binance", market, sym, d.get("E"), recv)
                e["stream"] = stream
                e["data"] = d
            out.append((rtime, sym, e))
    return out


def binance(market, http, ws, snapshot_first):
    rest = binance_rest(http, market)
    wsev = binance_ws(ws, market)
    if not snapshot_first:
        # Merge by receive time; ties: WebSocket first (heapq.merge is
        # stable across its inputs).  Each file keeps its own order.
        for _, _, e in heapq.merge(wsev, rest, key=lambda x: x[0]):
            yield e
        return
    snaps = {}
    for rt, sym, e in rest:
        snaps.setdefault(sym, []).append((rt, e))
    seen = set()
    # Snapshots of symbols that never appear on the WebSocket keep their
    # receive-time place.
    wssyms = {s for _, s, _ in wsev}
    orphan = [(rt, sym, e) for rt, sym, e in rest if sym not in wssyms]
    for rt, sym, e in heapq.merge(wsev, orphan, key=lambda x: x[0]):
        if e["type"] == "snapshot":
            yield e
            continue
        if sym not in seen:
            seen.add(sym)
            for _, s in snaps.get(sym, []):
                yield s
        yield e


# ---------------------------------------------------------------- Bybit

def bybit(path):
    try:
        p = subprocess.run(["zstd", "-dc", "--", path], stdout=subprocess.PIPE,
                           check=True)
    except (OSError, subprocess.CalledProcessError) as x:
        die("zstd -dc %s: %s" % (path, x))
    markets = {}
    for n, line in enumerate(p.stdout.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        r = loads(line)
        t = r.get("t")
        if t == "connect":
            addr = r.get("addr") or r.get("url") or ""
            markets[r.get("conn")] = urlparse(addr).path.rstrip("/").split("/")[-1]
            continue
        if t != "recv":
            continue
        market = markets.get(r.get("conn"))
        if market is None:
            die("line %d: recv on unknown connection %r" % (n, r.get("conn")))
        recv = sec2us(r["ts"])
        m = loads(r["data"])
        topic = m.get("topic") if isinstance(m, dict) else None
        if not topic:
            continue            # subscribe replies, pongs
        parts = topic.split(".")
        kind = parts[0]
        sym = parts[-1]
        if kind == "orderbook":
            d = m["data"]
            sym = d.get("s", sym)
            if m["type"] == "snapshot":
                e = ev("snapshot", "bybit", market, sym, m.get("ts"), recv)
                e["last_id"] = int(d["u"])
            elif m["type"] == "delta":
                e = ev("depth", "bybit", market, sym, m.get("ts"), recv)
                e["first_id"] = int(d["u"])
                e["last_id"] = int(d["u"])
            else:
                die("line %d: orderbook type %r" % (n, m["type"]))
            e["bids"] = levels(d["b"])
            e["asks"] = levels(d["a"])
            yield e
        elif kind == "publicTrade":
            for d in m["data"]:
                e = ev("trade", "bybit", market, d.get("s", sym), d.get("T"), recv)
                e["id"] = d["i"]
                e["price"] = num(d["p"])
                e["qty"] = num(d["v"])
                e["side"] = d["S"].lower()
                yield e
        elif kind == "kline":
            for d in m["data"]:
                e = ev("kline", "bybit", market, sym, m.get("ts"), recv)
                e["interval"] = d["interval"]
                e["start"] = int(d["start"])
                e["end"] = int(d["end"])
                for name in ("open", "high", "low", "close", "volume"):
                    e[name] = num(d[name])
                e["turnover"] = num(d["turnover"])
                e["closed"] = bool(d["confirm"])
                yield e
        else:
            e = ev("raw", "bybit", market, sym, m.get("ts"), recv)
            e["topic"] = topic
            e["kind"] = m.get("type")
            e["data"] = m.get("data")
            yield e


def tickers_after_depth(gen):
    last = {}       # symbol key -> last_id of its latest depth event
    held = {}       # symbol key -> tickers waiting for their depth event
    for e in gen:
        k = (e.get("venue"), e.get("market"), e.get("symbol"))
        t = e["type"]
        if t == "ticker" and e.get("last_id") is not None and \
                (k not in last or e["last_id"] > last[k]):
            held.setdefault(k, []).append(e)
            continue
        yield e
        if t == "depth":
            last[k] = e["last_id"]
            keep = []
            for x in held.get(k, []):
                if x["last_id"] <= last[k]:
                    yield x
                else:
                    keep.append(x)
            held[k] = keep
    for v in held.values():
        yield from v


# ---------------------------------------------------------------- main

def usage():
    sys.stderr.write(
        "usage: %s [--snapshot-first] [--tickers-after-depth] "
        "binance-spot|binance-futures HTTPFILE WSFILE\n"
        "       %s [--tickers-after-depth] bybit FILE.jsonl.zst\n" % (PROG, PROG))
    sys.exit(2)


def main(argv):
    snapshot_first = False
    after_depth = False
    args = []
    for a in argv:
        if a == "--snapshot-first":
            snapshot_first = True
        elif a == "--tickers-after-depth":
            after_depth = True
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        elif a.startswith("-") and a != "-":
            usage()
        else:
            args.append(a)
    if not args:
        usage()
    mode = args[0]
    if mode in ("binance-spot", "binance-futures") and len(args) == 3:
        gen = binance("spot" if mode == "binance-spot" else "futures",
                      args[1], args[2], snapshot_first)
    elif mode == "bybit" and len(args) == 2:
        gen = bybit(args[1])
    else:
        usage()
    if after_depth:
        gen = tickers_after_depth(gen)
    out = sys.stdout
    try:
        for e in gen:
            out.write(dump(e) + "\n")
        out.flush()
    except BrokenPipeError:
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
