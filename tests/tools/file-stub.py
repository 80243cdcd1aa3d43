#!/usr/bin/env python3
"""file-stub: answers fixed files to GET requests on 127.0.0.1.

    file-stub.py --port-file FILE --log FILE [STATUS:]TARGET=PATH...

TARGET is a request target, path and query as the client sends them
("/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22%5D"), matched exactly;
the answer is the bytes of PATH with STATUS (default 200) as
application/json.  Any other target is answered 404.  Every request
target is appended to --log, one a line, before the answer is sent.
The port is written to --port-file atomically once listening.
"""

import argparse
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("routes", nargs="+")
    a = ap.parse_args()
    routes = {}
    for r in a.routes:
        if "=" not in r:
            sys.exit("file-stub: bad route %r" % r)
        # The target itself may hold '=' (a query): split at the last.
        target, path = r.rsplit("=", 1)
        status = 200
        if target[0] != "/":
            status, target = target.split(":", 1)
            status = int(status)
        with open(path, "rb") as f:
            routes[target] = (status, f.read())

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            with open(a.log, "a") as f:
                f.write(self.path + "\n")
            status, body = routes.get(self.path, (404, b'{"code":-1}'))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
