#!/usr/bin/env python3
"""ws-client.py: a minimal RFC 6455 WebSocket client for the tests.

Connects to ws://HOST:PORT/PATH, sends each --send TEXT as a masked text
frame, then prints every text message it receives on its own line on
standard output.  Pings are answered with a pong echoing their payload
(unless --no-pong).  With --control, pings and the close frame are
printed too, as "#ping PAYLOAD" and "#close CODE REASON".

Exit status: 0 when --count messages arrived, or (without --count) when
the server closed, --timeout passed or nothing came for --idle seconds; 1 on a refused handshake (the
status line goes to standard error) or a broken connection; 3 when
--count messages did not arrive within --timeout.  Standard library only.
"""
import argparse
import base64
import hashlib
import os
import socket
import struct
import sys
import time
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload):
    """A masked client frame, FIN set."""
    head = bytearray([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head.append(0x80 | n)
    elif n < 65536:
        head.append(0x80 | 126)
        head += struct.pack("!H", n)
    else:
        head.append(0x80 | 127)
        head += struct.pack("!Q", n)
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes(head) + mask + body


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def read(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self, deadline):
        b0, b1 = self.read(2, deadline)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.read(2, deadline))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.read(8, deadline))[0]
        mask = self.read(4, deadline) if b1 & 0x80 else None
        data = self.read(n, deadline)
        if mask:
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        return b0 & 0x80, b0 & 0x0F, data


def handshake(url, deadline):
    u = urllib.parse.urlsplit(url)
    if u.scheme != "ws":
        sys.exit("ws-client: only ws:// URLs")
    sock = socket.create_connection((u.hostname, u.port or 80),
                                    timeout=max(deadline - time.monotonic(), 0.1))
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, u.netloc, key))
    sock.sendall(req.encode())
    conn = Conn(sock)
    head = b""
    try:
        while b"\r\n\r\n" not in head:
            head += conn.read(1, deadline)
    except (EOFError, OSError, TimeoutError):
        sys.stderr.write("ws-client: handshake refused: no answer\n")
        sys.exit(1)
    lines = head.decode("latin-1").split("\r\n")
    if " 101 " not in lines[0] + " ":
        sys.stderr.write("ws-client: handshake refused: %s\n" % lines[0])
        sys.exit(1)
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest())
    accept = [l.split(":", 1)[1].strip() for l in lines
              if l.lower().startswith("sec-websocket-accept:")]
    if accept != [want.decode()]:
        sys.stderr.write("ws-client: bad Sec-WebSocket-Accept\n")
        sys.exit(1)
    return conn


def main():
    ap = argparse.ArgumentParser(description="minimal WebSocket client")
    ap.add_argument("url")
    ap.add_argument("--send", action="append", default=[],
                    help="text message to send after connecting")
    ap.add_argument("--count", type=int, default=0,
                    help="exit after this many text messages")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--idle", type=float, default=0,
                    help="exit once nothing came for this long")
    ap.add_argument("--no-pong", action="store_true")
    ap.add_argument("--control", action="store_true",
                    help="print pings and the close frame")
    a = ap.parse_args()
    deadline = time.monotonic() + a.timeout
    conn = handshake(a.url, deadline)
    for text in a.send:
        conn.sock.sendall(frame(0x1, text.encode()))
    out = sys.stdout
    got = 0
    parts = []
    try:
        while not a.count or got < a.count:
            limit = deadline
            if a.idle:
                limit = min(deadline, time.monotonic() + a.idle)
            fin, op, data = conn.read_frame(limit)
            if op == 0x9:
                if a.control:
                    out.write("#ping %s\n" % data.decode("latin-1"))
                if not a.no_pong:
                    conn.sock.sendall(frame(0xA, data))
                continue
            if op == 0xA:
                continue
            if op == 0x8:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 0
                if a.control:
                    out.write("#close %d %s\n" % (code, data[2:].decode("utf-8", "replace")))
                try:
                    conn.sock.sendall(frame(0x8, data[:2]))
                except OSError:
                    pass
                break
            parts.append(data)
            if not fin:
                continue
            out.write(b"".join(parts).decode("utf-8", "replace") + "\n")
            out.flush()
            parts = []
            got += 1
    except TimeoutError:
        if a.count and got < a.count:
            out.flush()
            sys.exit(3)
    except (EOFError, OSError) as e:
        out.flush()
        if a.count and got < a.count:
            sys.stderr.write("ws-client: connection lost: %s\n" % e)
            sys.exit(1)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
