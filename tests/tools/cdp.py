#!/usr/bin/env python3
"""cdp.py: evaluate JavaScript in a page of a running chromium, for the
tests that need a page that stays open (a live stream keeps
--virtual-time-budget from ever ending, so --dump-dom cannot serve).

    cdp.py [--once] [--timeout S] DIR EXPR
    cdp.py [--timeout S] --screenshot FILE DIR

DIR is chromium's --user-data-dir; chromium started with
--remote-debugging-port=0 writes the port it picked to
DIR/DevToolsActivePort.  EXPR is evaluated in the first page target
(Runtime.evaluate, by value) every 50 ms until it is truthy, and the
value is printed: a string as it is, anything else as JSON; an
exception in the page counts as not yet.  --once prints the first
value, truthy or not, and an exception is an error.  A bound (--timeout, default
MKT_WAIT_S or 120 seconds) turns a hang into exit 1 with the last value
on stderr; chromium's and the protocol's errors exit 1 too.
--screenshot writes a PNG of the page as it is to FILE.

The DevTools protocol runs over a WebSocket: ws-client.py's handshake
and frames (standard library only).  No Origin header is sent, which
chromium accepts without --remote-allow-origins.
"""
import base64
import importlib.util
import json
import os
import sys
import time
import urllib.request

POLL_S = 0.05


class Fail(Exception):
    pass


class EvalFail(Fail):
    """The page or the protocol refused one call; the connection is
    fine (a page that is still loading has no context yet, or loses it
    to the navigation)."""


def read_port(d, deadline):
    """The port chromium listens on, once it has said so."""
    path = os.path.join(d, "DevToolsActivePort")
    while True:
        try:
            with open(path) as f:
                first = f.readline().strip()
            if first.isdigit():
                return int(first)
        except FileNotFoundError:
            pass
        if time.monotonic() > deadline:
            raise Fail("no port in '%s'" % path)
        time.sleep(POLL_S)


def page_url(port, deadline):
    """The WebSocket address of the first page target."""
    while True:
        try:
            with urllib.request.urlopen(
                    "http://127.0.0.1:%d/json/list" % port,
                    timeout=30) as r:
                targets = json.load(r)
            for t in targets:
                if t.get("type") == "page" and \
                        t.get("webSocketDebuggerUrl"):
                    return t["webSocketDebuggerUrl"]
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise Fail("no page target on port %d" % port)
        time.sleep(POLL_S)


def load_ws_client():
    """tests/tools/ws-client.py, the tests' one WebSocket client: its
    handshake, frames and reader (its name is no module name)."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "ws_client", os.path.join(here, "ws-client.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


WS = load_ws_client()


class WebSocket:
    """Text messages over ws-client.py's connection."""

    def __init__(self, url, deadline):
        self.deadline = deadline
        self.conn = WS.handshake(url, deadline)

    def send(self, text):
        self.conn.sock.sendall(WS.frame(0x1, text.encode()))

    def recv(self):
        """The next whole text message (fragments joined, pings
        answered)."""
        parts = []
        while True:
            # A call made just before the bound still gets its answer,
            # so that a wait that runs out says what it last saw.
            try:
                fin, op, payload = self.conn.read_frame(
                    max(self.deadline, time.monotonic() + 10))
            except TimeoutError:
                raise Fail("no answer from chromium")
            except EOFError:
                raise Fail("chromium closed the connection")
            if op == 0x8:
                raise Fail("chromium closed the WebSocket")
            if op == 0x9:
                self.conn.sock.sendall(WS.frame(0xa, payload))
                continue
            if op == 0xa:
                continue
            parts.append(payload)
            if fin:
                return b"".join(parts).decode()


class Page:
    def __init__(self, url, deadline):
        self.ws = WebSocket(url, deadline)
        self.id = 0

    def call(self, method, params):
        """The result of METHOD; the events that come first are
        dropped."""
        self.id += 1
        self.ws.send(json.dumps({
            "id": self.id, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.id:
                break
        if "error" in m:
            raise EvalFail("%s: %s" % (method, m["error"]))
        return m["result"]

    def evaluate(self, expr):
        """EXPR's value; an exception in the page is a Fail."""
        r = self.call("Runtime.evaluate",
                      {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise EvalFail("exception in the page: %s" % d.get(
                "exception", {}).get("description", d.get("text")))
        return r["result"].get("value")


def show(v):
    return v if isinstance(v, str) else json.dumps(v)


def main(argv):
    once = False
    shot = None
    timeout = float(os.environ.get("MKT_WAIT_S") or 120)
    while argv and argv[0].startswith("--"):
        if argv[0] == "--once":
            once = True
            argv = argv[1:]
        elif argv[0] == "--screenshot" and len(argv) > 1:
            shot = argv[1]
            argv = argv[2:]
        elif argv[0] == "--timeout" and len(argv) > 1:
            timeout = float(argv[1])
            argv = argv[2:]
        else:
            break
    if len(argv) != (1 if shot else 2):
        sys.stderr.write("usage: cdp.py [--once] [--timeout S] DIR EXPR\n"
                         "       cdp.py [--timeout S] --screenshot FILE "
                         "DIR\n")
        return 2
    deadline = time.monotonic() + timeout
    port = read_port(argv[0], deadline)
    page = Page(page_url(port, deadline), deadline)
    if shot:
        png = base64.b64decode(page.call("Page.captureScreenshot",
                                          {"format": "png"})["data"])
        with open(shot, "wb") as f:
            f.write(png)
        return 0
    while True:
        try:
            v = page.evaluate(argv[1])
        except EvalFail as e:
            if once:
                raise
            v = "(%s)" % e
        else:
            if once or v:
                print(show(v))
                return 0
        if time.monotonic() > deadline:
            sys.stderr.write("cdp.py: gave up after %gs waiting for: %s "
                             "(last: %s)\n" % (timeout, argv[1], show(v)))
            return 1
        time.sleep(POLL_S)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (Fail, OSError, ValueError) as e:
        sys.stderr.write("cdp.py: %s\n" % e)
        sys.exit(1)
