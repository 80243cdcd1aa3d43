#!/usr/bin/env python3
"""serve-base.py: the baseline of bench/serve.sh, what a user would write
instead of mkt-serve: http.server (a thread per connection, HTTP/1.1
keep-alive) and sqlite3 over the same journal's index.db, answering
GET /api/chart-data with the same JSON ({"data":[{"time":S,"value":V}],
"count":N}).  Like mkt-serve it opens the database read only for each
request.  Only what the benchmark asks is there: venue, market, symbol,
pct, field, from, to and resolution (minute, hour or auto: minute up to 2
days of data in the range, else hour), the average of a rollup.

Usage: serve-base.py INDEX_DB PORT_FILE  (listens on 127.0.0.1, any port)
"""
import http.server
import json
import os
import sqlite3
import sys
import urllib.parse

DAY = 86400000
UNIT = {"minute": 60000, "hour": 3600000}
FIELDS = ("bid_qty", "ask_qty", "bid_value", "ask_value")


def series(db_path, q):
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        row = db.execute(
            "SELECT b.id FROM bands_series b JOIN hist_symbols s "
            "ON s.id = b.symbol_id WHERE s.venue = ? AND s.market = ? "
            "AND s.symbol = ? AND b.pct = ?",
            (q["venue"], q["market"], q["symbol"], float(q["pct"]))).fetchone()
        if row is None:
            return None
        sid = row[0]
        field = q.get("field", "bid_value")
        if field not in FIELDS:
            return None
        lo, hi = int(q["from"]), int(q["to"])
        res = q.get("resolution", "auto")
        if res == "auto":
            first, last = db.execute(
                "SELECT min(first_time), max(last_time) FROM bands_1d "
                "WHERE sid = ?", (sid,)).fetchone()
            a, b = max(lo, first or lo), min(hi, last or hi)
            res = "minute" if max(b, a) - a <= 2 * DAY else "hour"
        lo -= lo % UNIT[res]
        if res == "minute":
            rows = db.execute(
                "SELECT time, %s FROM bands_1m WHERE sid = ? AND time "
                "BETWEEN ? AND ? ORDER BY time" % field, (sid, lo, hi))
        else:
            rows = db.execute(
                "SELECT time, %s_sum / n FROM bands_1h WHERE sid = ? AND "
                "time BETWEEN ? AND ? ORDER BY time" % field, (sid, lo, hi))
        data = [{"time": t // 1000, "value": v} for t, v in rows]
    finally:
        db.close()
    return {"data": data, "count": len(data)}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        ans, status = None, 404
        if u.path == "/api/chart-data":
            try:
                ans = series(self.server.db_path, q)
                status = 200 if ans is not None else 404
            except (KeyError, ValueError):
                status = 400
        body = (json.dumps(ans, separators=(",", ":")) + "\n").encode() \
            if ans is not None else b'{"error":"not found"}\n'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: serve-base.py INDEX_DB PORT_FILE\n")
        sys.exit(2)
    # A listen backlog of 5 (socketserver's) would drop connections of
    # the benchmark's at once and cost it 1 s retransmits, which is not
    # what is measured.
    http.server.ThreadingHTTPServer.request_queue_size = 128
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.db_path = sys.argv[1]
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, sys.argv[2])
    srv.serve_forever()


if __name__ == "__main__":
    main()
