#!/usr/bin/env python3
"""http-listener: an HTTP server on 127.0.0.1 that records what it gets.

    http-listener.py --port-file FILE --out FILE [--fail N] [--status S]

Listens on a free port of 127.0.0.1 and writes the port number to
--port-file (atomically).  Every request (any method, any path) is
answered at once and written to --out as one JSON line, flushed:
{"n": N, "method": M, "path": P, "content_type": T, "status": S,
"body": TEXT}.  The first --fail requests are answered with --status
(default 500); the rest with 200 and {"ok":true}.
"""

import argparse
import http.server
import json
import os
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--status", type=int, default=500)
    a = ap.parse_args()
    out = open(a.out, "a")
    lock = threading.Lock()
    count = [0]

    class H(http.server.BaseHTTPRequestHandler):
        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("utf-8", "replace")
            with lock:
                count[0] += 1
                k = count[0]
                status = a.status if k <= a.fail else 200
                out.write(json.dumps({
                    "n": k, "method": self.command, "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "status": status, "body": body}) + "\n")
                out.flush()
            reply = b'{"ok":true}' if status == 200 else b'{"ok":false}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_POST = do_PUT = do_GET = handle_any

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


main()
