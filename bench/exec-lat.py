#!/usr/bin/env python3
"""bench/exec-lat.py: intent to request on the wire, for bench/exec.sh.

Usage: exec-lat.py --sim-port P --venue binance|bybit --intents N
                   [--warmup W] [--gap-ms MS] [--tag T] [--samples FILE]
                   -- CMD...

One process is both ends of the measurement, so that both times come
from one clock: it starts CMD (mkt-exec, or the baseline exec-base) with
every MKT_*_REST base pointing at a proxy it serves on 127.0.0.1, which
passes bytes both ways to mkt-sim (on port P) unchanged, and writes the
intents into CMD's standard input one at a time:

  t0  just before the intent line is written to CMD's input pipe;
  t1  when the recv() that completes the POST of its new order returns
      at the proxy (the request's last byte has reached the server
      side; headers and Content-Length parsed, nothing else);
  then it waits for CMD to print the order's state "new" (Binance: the
  ack; Bybit: the query that follows its ack), so that the next intent
  never waits behind the previous one, and then --gap-ms more (0), all
  the while serving the proxy.

The latency is t1 - t0.  The proxy costs both clients alike: one wake-up
of this process.  The first W intents (default 20: connection set-up,
the server-time query) are left out.  Prints "n p50 p90 p99 max" in
microseconds; --samples writes every latency, one a line.
Intents: limit buys of 0.001 BTCUSDT at 1000 (far from the market, so
they rest and nothing else follows), ids TAG0, TAG1, ...
Exit status 0, or 1 when CMD failed or an intent got no answer in 10 s.
"""
import argparse
import json
import os
import selectors
import socket
import subprocess
import sys
import time

ORDER_POST = {"binance": b"/api/v3/order", "bybit": b"/v5/order/create"}
REST_VARS = ("MKT_BINANCE_SPOT_REST", "MKT_BINANCE_FUTURES_REST",
             "MKT_BYBIT_REST")
WAIT_S = 10


class Conn:
    """One client connection through the proxy and its requests."""

    def __init__(self, client, upstream):
        self.client, self.upstream = client, upstream
        self.buf = b""
        self.need = None


class Proxy:
    def __init__(self, sel, sim_port, order_path):
        self.sel, self.sim_port, self.order_path = sel, sim_port, order_path
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.lsock.setblocking(False)
        self.port = self.lsock.getsockname()[1]
        sel.register(self.lsock, selectors.EVENT_READ, ("accept", None))
        self.posts = []		# times of the order POSTs completed

    def accept(self):
        c, _ = self.lsock.accept()
        u = socket.create_connection(("127.0.0.1", self.sim_port))
        for s in (c, u):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn(c, u)
        self.sel.register(c, selectors.EVENT_READ, ("client", conn))
        self.sel.register(u, selectors.EVENT_READ, ("upstream", conn))

    def close(self, conn):
        for s in (conn.client, conn.upstream):
            self.sel.unregister(s)
            s.close()

    def from_client(self, conn):
        data = conn.client.recv(65536)
        t = time.perf_counter_ns()
        if not data:
            self.close(conn)
            return
        conn.upstream.sendall(data)
        conn.buf += data
        self.parse(conn, t)

    def parse(self, conn, t):
        """Mark each order POST whose last byte arrived at time t."""
        while True:
            end = conn.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = conn.buf[:end].split(b"\r\n")
            clen = 0
            for h in head[1:]:
                k, _, v = h.partition(b":")
                if k.strip().lower() == b"content-length":
                    clen = int(v)
            total = end + 4 + clen
            if len(conn.buf) < total:
                return
            method, path = head[0].split(b" ")[:2]
            if method == b"POST" and path.startswith(self.order_path):
                self.posts.append(t)
            conn.buf = conn.buf[total:]

    def from_upstream(self, conn):
        data = conn.upstream.recv(65536)
        if not data:
            self.close(conn)
            return
        conn.client.sendall(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim-port", type=int, required=True)
    ap.add_argument("--venue", choices=ORDER_POST, required=True)
    ap.add_argument("--intents", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--tag", default="L")
    ap.add_argument("--gap-ms", type=float, default=0)
    ap.add_argument("--samples")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()

    sel = selectors.DefaultSelector()
    proxy = Proxy(sel, a.sim_port, ORDER_POST[a.venue])
    env = dict(os.environ)
    for v in REST_VARS:
        env[v] = "http://127.0.0.1:%d" % proxy.port
    p = subprocess.Popen(a.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         env=env)
    os.set_blocking(p.stdout.fileno(), False)
    sel.register(p.stdout, selectors.EVENT_READ, ("out", None))
    state = {"lines": b"", "eof": False}

    def pump(until, timeout=WAIT_S):
        """Serve everything until until() holds; False on time-out."""
        deadline = time.monotonic() + timeout
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for key, _ in sel.select(left):
                what, conn = key.data
                if what == "accept":
                    proxy.accept()
                elif what == "client":
                    proxy.from_client(conn)
                elif what == "upstream":
                    proxy.from_upstream(conn)
                else:
                    chunk = os.read(p.stdout.fileno(), 65536)
                    if not chunk:
                        sel.unregister(p.stdout)
                        state["eof"] = True
                    state["lines"] += chunk
        return True

    lat = []
    ok = True
    for i in range(a.intents + a.warmup):
        iid = "%s%d" % (a.tag, i)
        line = json.dumps({"type": "intent", "id": iid, "symbol": "BTCUSDT",
                           "side": "buy", "kind": "limit", "qty": "0.001",
                           "price": "1000"}, separators=(",", ":")) + "\n"
        want = ('"id":"%s"' % iid).encode()
        nposts = len(proxy.posts)
        state["lines"] = b""

        def answered():
            for ln in state["lines"].split(b"\n"):
                if want in ln and b'"status":"new"' in ln:
                    return True
            return state["eof"]

        t0 = time.perf_counter_ns()
        p.stdin.write(line.encode())
        p.stdin.flush()
        if not pump(lambda: len(proxy.posts) > nposts) or \
                not pump(answered) or state["eof"]:
            sys.stderr.write("exec-lat: no answer to intent %s\n" % iid)
            ok = False
            break
        if i >= a.warmup:
            lat.append((proxy.posts[nposts] - t0) / 1000.0)
        if a.gap_ms:
            pump(lambda: False, a.gap_ms / 1000.0)
    p.stdin.close()
    pump(lambda: state["eof"], 30)
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    if rc != 0:
        sys.stderr.write("exec-lat: %s exited %d\n" % (a.cmd[0], rc))
        ok = False
    if a.samples:
        with open(a.samples, "w") as f:
            f.writelines("%.1f\n" % x for x in lat)
    if lat:
        s = sorted(lat)
        q = lambda f: s[min(len(s) - 1, int(f * len(s)))]
        print("%d %.0f %.0f %.0f %.0f" % (len(s), q(0.5), q(0.9), q(0.99),
                                          s[-1]))
    return 0 if ok and lat else 1


if __name__ == "__main__":
    sys.exit(main())
