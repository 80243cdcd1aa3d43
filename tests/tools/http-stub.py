#!/usr/bin/env python3
"""http-stub: a Binance-like REST server on 127.0.0.1 for the lib/rest tests.

    http-stub.py --port-file FILE [--window-ms MS] [--fail-418 N]
                 [--fail-429 N] [--fail-500 N] [--retry-after-418 S]
                 [--retry-after-429 S] [--delay-ms MS] [--others W]

Listens on a free port of 127.0.0.1 and writes the port number to FILE
(atomically: a reader sees either nothing or the whole number).

GET /api/v3/depth?symbol=S&limit=N and GET /fapi/v1/depth?... answer a
small order book in JSON, gzip-compressed when the client accepts it,
with X-MBX-USED-WEIGHT-1M: the weight served in the last --window-ms
(default 60000) including this request, by the weight tables of
PROTOCOLS.md 1.2 and 2.2, plus --others (weight used by other clients
on the same IP).  Every depth request counts, whatever the answer.
--delay-ms delays every depth answer.

Faults, on the depth requests in the order they arrive: the first
--fail-418 answer 418 (Retry-After: --retry-after-418, default 2), the
next --fail-429 answer 429 (Retry-After: --retry-after-429, default 1),
the next --fail-500 answer 500.  A negative Retry-After omits the header.

GET /stats answers {"total":W,"peak":P,"count":N,"window_ms":MS,"log":
[{"t":MS,"status":S,"weight":W,"path":"..."},...]}: the total weight
served, the largest weight within any window, and every depth request
with the epoch milliseconds at which it was answered.
"""

import argparse
import gzip
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def spot_weight(limit):
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250


def futures_weight(limit):
    if limit <= 50:
        return 2
    if limit <= 100:
        return 5
    if limit <= 500:
        return 10
    return 20


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.log = []       # (t_ms, status, weight, path)
        self.n = 0          # depth requests seen
        self.update_id = 1000

    def fault(self):
        """The status and Retry-After for the next depth request."""
        a = self.args
        i = self.n
        self.n += 1
        if i < a.fail_418:
            return 418, a.retry_after_418
        i -= a.fail_418
        if i < a.fail_429:
            return 429, a.retry_after_429
        i -= a.fail_429
        if i < a.fail_500:
            return 500, -1
        return 200, -1

    def used(self, now):
        w = self.args.window_ms
        return sum(e[2] for e in self.log if e[0] > now - w)

    def stats(self):
        w = self.args.window_ms
        peak = 0
        for i, e in enumerate(self.log):
            s = sum(f[2] for f in self.log[:i + 1] if f[0] > e[0] - w)
            peak = max(peak, s)
        return {
            "total": sum(e[2] for e in self.log),
            "peak": peak,
            "count": len(self.log),
            "window_ms": w,
            "log": [{"t": round(e[0], 3), "status": e[1], "weight": e[2],
                     "path": e[3]} for e in self.log],
        }


def book(symbol, limit, update_id):
    n = max(1, min(limit, 100))
    bids = [["%.2f" % (30000 - i * 0.01), "1.00000000"] for i in range(n)]
    asks = [["%.2f" % (30000.01 + i * 0.01), "2.00000000"] for i in range(n)]
    return {"lastUpdateId": update_id, "bids": bids, "asks": asks}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "http-stub"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, obj, headers=()):
        body = json.dumps(obj, separators=(",", ":")).encode()
        gz = "gzip" in self.headers.get("Accept-Encoding", "")
        if gz:
            body = gzip.compress(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        if gz:
            self.send_header("Content-Encoding", "gzip")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/stats":
            with st.lock:
                obj = st.stats()
            self.send(200, obj)
            return
        if u.path not in ("/api/v3/depth", "/fapi/v1/depth"):
            self.send(404, {"code": -1, "msg": "not found"})
            return
        if "symbol" not in q:
            self.send(400, {"code": -1102, "msg": "symbol missing"})
            return
        try:
            limit = int(q.get("limit", ["100"])[0])
        except ValueError:
            self.send(400, {"code": -1100, "msg": "bad limit"})
            return
        if u.path == "/api/v3/depth":
            weight = spot_weight(limit)
        else:
            weight = futures_weight(limit)
        if st.args.delay_ms > 0:
            time.sleep(st.args.delay_ms / 1000)
        with st.lock:
            status, retry = st.fault()
            now = time.time() * 1000
            st.log.append((now, status, weight, self.path))
            used = st.used(now) + st.args.others
            st.update_id += 1
            uid = st.update_id
        headers = [("X-MBX-USED-WEIGHT-1M", str(used))]
        if retry >= 0:
            headers.append(("Retry-After", str(retry)))
        if status == 200:
            self.send(200, book(q["symbol"][0], limit, uid), headers)
        elif status == 429:
            self.send(429, {"code": -1003, "msg": "Too many requests"},
                      headers)
        elif status == 418:
            self.send(418, {"code": -1003, "msg": "IP banned"}, headers)
        else:
            self.send(500, {"code": -1000, "msg": "internal error"}, headers)


def main():
    p = argparse.ArgumentParser(description="Binance-like REST stub")
    p.add_argument("--port-file", required=True)
    p.add_argument("--window-ms", type=int, default=60000)
    p.add_argument("--fail-418", type=int, default=0)
    p.add_argument("--fail-429", type=int, default=0)
    p.add_argument("--fail-500", type=int, default=0)
    p.add_argument("--retry-after-418", type=int, default=2)
    p.add_argument("--retry-after-429", type=int, default=1)
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--others", type=int, default=0)
    args = p.parse_args()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
