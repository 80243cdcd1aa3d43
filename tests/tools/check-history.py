#!/usr/bin/env python3
"""check-history: the history tables of a database against a brute-force
recomputation from the events that went into it.

    check-history.py DB EVENTS... [--cutoff MS] [--query CMD] [--tol X]
    check-history.py --dump DB [--digits N]

EVENTS are the NDJSON files appended, in order.  --cutoff: the minute rows
were pruned at that time (rounded down to the hour as the pruning does),
after every event was added.  --query CMD: also run the queries through
CMD (a command prefix that takes `series|latest|symbols [options]`, e.g.
"hist-load DB query" or, later, "mkt-journal query DIR") and check their
output.  Sums and averages are compared with a relative tolerance (the
order of floating-point additions differs); everything else exactly.

Failures are printed as TAP comments ('# ...'); the exit status says
whether all held.  --dump prints every history table, sorted, with exact
float reprs, for comparing two states of a database; --digits N prints
floats to N significant digits instead, for comparing two databases
filled in different batches (a sum is added per batch, and floating-point
addition is not associative, so the last bits depend on where the
batches fell).
"""
import csv
import io
import json
import math
import shlex
import sqlite3
import subprocess
import sys

MINUTE, HOUR, DAY = 60000, 3600000, 86400000
FIELDS = ("bid_qty", "ask_qty", "bid_value", "ask_value")
TABLES = {
    "hist_symbols": "SELECT venue, market, symbol FROM hist_symbols",
    "bands_series": "SELECT venue, market, symbol, pct FROM bands_series b "
                    "JOIN hist_symbols s ON s.id = b.symbol_id",
    "bands_1m": "SELECT * FROM bands_1m_v",
    "bands_1h": "SELECT * FROM bands_1h_v",
    "bands_1d": "SELECT * FROM bands_1d_v",
    "trades": "SELECT * FROM trades_v",
    "fills": "SELECT * FROM fills_v",
    "orders": "SELECT * FROM orders_v",
    "hist_meta": "SELECT * FROM hist_meta",
}

failures = []


def fail(msg):
    failures.append(msg)


def close(a, b, tol):
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return abs(a - b) <= tol * max(abs(a), abs(b), 1.0)


def floor(t, unit):
    return t // unit * unit


def rounded(row, digits):
    return tuple("%.*g" % (digits, v) if isinstance(v, float) else v
                 for v in row)


def dump(path, digits=None):
    db = sqlite3.connect(path)
    for name, sql in TABLES.items():
        rows = db.execute(sql).fetchall()
        if digits is not None:
            rows = [rounded(r, digits) for r in rows]
        print("== %s %d" % (name, len(rows)))
        for r in sorted(rows, key=repr):
            print(repr(r))


def num(v):
    """A JSON number or numeric string as a float, else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def plain(v):
    return isinstance(v, str) and v != "" and "\\" not in json.dumps(v)


class Model:
    """What the tables must hold after the events."""

    def __init__(self):
        self.minutes = {}   # (v, m, s, pct, minute) -> (time, seq, row)
        self.trades = {}
        self.fills = {}
        self.orders = {}
        self.seq = 0

    def add(self, ev):
        self.seq += 1
        if not isinstance(ev, dict):
            return
        t = ev.get("type")
        key = (ev.get("venue"), ev.get("market"), ev.get("symbol"))
        if not all(plain(k) for k in key):
            return
        time = ev.get("time")
        if time is not None and (isinstance(time, bool) or
                                 not isinstance(time, int)):
            return
        if t == "bands":
            self.add_bands(ev, key, time)
        elif t == "imbalance" and "symbols" in ev:
            # mkt-diff's sums: values only, quantities 0.
            self.add_bands(ev, key, time, values_only=True)
        elif t == "trade":
            self.add_trade(ev, key, time)
        elif t == "fill":
            self.add_fill(ev, key, time)
        elif t == "order":
            self.add_order(ev, key, time)

    def add_bands(self, ev, key, time, values_only=False):
        bands = ev.get("bands")
        if time is None or not isinstance(bands, list):
            return
        rows = []
        for b in bands:
            if not isinstance(b, dict):
                return
            pct = num(b.get("pct"))
            vals = [0.0 if values_only and f.endswith("_qty") else
                    num(b.get(f)) for f in FIELDS]
            c = b.get("complete", False)
            if pct is None or not pct > 0 or None in vals or \
                    not isinstance(c, bool):
                return
            rows.append((pct, int(c), vals))
        minute = floor(time, MINUTE)
        for pct, c, vals in rows:
            k = key + (pct, minute)
            old = self.minutes.get(k)
            if old is None or (time, self.seq) >= (old[0], old[1]):
                self.minutes[k] = (time, self.seq, (time - minute, c, vals))

    def add_trade(self, ev, key, time):
        tid = ev.get("id")
        if tid is None or num(ev.get("price")) is None or \
                num(ev.get("qty")) is None:
            return
        k = key + (1 if ev.get("agg") is True else 0, tid)
        if k not in self.trades:
            self.trades[k] = (time, ev.get("side"), num(ev["price"]),
                              num(ev["qty"]))

    def add_fill(self, ev, key, time):
        tid = ev.get("trade_id")
        if tid is None or num(ev.get("price")) is None or \
                num(ev.get("qty")) is None:
            return
        k = key + (ev.get("order_id", ""), tid)
        if k not in self.fills:
            self.fills[k] = (ev.get("id"), time, ev.get("side"),
                             num(ev["price"]), num(ev["qty"]),
                             num(ev.get("fee")), ev.get("fee_asset"))

    def add_order(self, ev, key, time):
        oid = ev.get("id")
        if oid is None:
            return
        k = key + (oid,)
        old = self.orders.get(k)
        if old is None or time is None or old[0] is None or time >= old[0]:
            self.orders[k] = (time, ev.get("status"), num(ev.get("qty")),
                              num(ev.get("filled_qty")))

    def rollups(self):
        """(series, bucket) -> aggregates, for hours and days."""
        out = {}
        for unit in (HOUR, DAY):
            agg = {}
            for k in sorted(self.minutes):
                off, c, vals = self.minutes[k][2]
                minute = k[4]
                bk = k[:4] + (floor(minute, unit),)
                a = agg.get(bk)
                if a is None:
                    a = agg[bk] = {"n": 0, "nc": 0, "first": minute,
                                   "last_t": minute,
                                   "sum": [0.0] * 4, "min": list(vals),
                                   "max": list(vals), "last": list(vals)}
                a["n"] += 1
                a["nc"] += c
                for i in range(4):
                    a["sum"][i] += vals[i]
                    a["min"][i] = min(a["min"][i], vals[i])
                    a["max"][i] = max(a["max"][i], vals[i])
                if minute >= a["last_t"]:
                    a["last_t"] = minute
                    a["last"] = list(vals)
                a["first"] = min(a["first"], minute)
            out[unit] = agg
        return out


def check_tables(db, model, cutoff, tol):
    kept = {k: v for k, v in model.minutes.items()
            if cutoff is None or k[4] >= cutoff}
    got = {}
    for r in db.execute("SELECT venue, market, symbol, pct, time, off, "
                        "complete, bid_qty, ask_qty, bid_value, ask_value "
                        "FROM bands_1m_v"):
        k = tuple(r[:5])
        if k in got:
            fail("bands_1m: duplicate row %r" % (k,))
        got[k] = (r[5], r[6], list(r[7:11]))
    if len(got) != len(kept):
        fail("bands_1m: %d rows, want %d" % (len(got), len(kept)))
    bad = 0
    for k, v in kept.items():
        if got.get(k) != v[2]:
            bad += 1
            if bad <= 5:
                fail("bands_1m %r: got %r want %r" % (k, got.get(k), v[2]))
    for k in got:
        if k not in kept:
            bad += 1
            if bad <= 5:
                fail("bands_1m: unexpected row %r" % (k,))
    rolls = model.rollups()
    for unit, table in ((HOUR, "bands_1h_v"), (DAY, "bands_1d_v")):
        want = rolls[unit]
        cols = ["venue", "market", "symbol", "pct", "time", "n",
                "n_complete", "first_time", "last_time"]
        for f in FIELDS:
            cols += [f + "_sum", f + "_min", f + "_max", f + "_last"]
        got = {}
        for r in db.execute("SELECT %s FROM %s" % (", ".join(cols), table)):
            got[tuple(r[:5])] = r[5:]
        if len(got) != len(want):
            fail("%s: %d rows, want %d" % (table, len(got), len(want)))
        bad = 0
        for k, a in want.items():
            g = got.get(k)
            ok = g is not None and \
                (g[0], g[1], g[2], g[3]) == (a["n"], a["nc"], a["first"],
                                             a["last_t"])
            for i in range(4):
                if not ok:
                    break
                s, mn, mx, last = g[4 + 4 * i: 8 + 4 * i]
                ok = close(s, a["sum"][i], tol) and mn == a["min"][i] and \
                    mx == a["max"][i] and last == a["last"][i]
            if not ok:
                bad += 1
                if bad <= 5:
                    fail("%s %r: got %r want %r" % (table, k, g, a))
    return kept, rolls


def check_others(db, model):
    got = {}
    for r in db.execute("SELECT venue, market, symbol, agg, id, time, side, "
                        "price, qty FROM trades_v"):
        got[tuple(r[:5])] = tuple(r[5:])
    if got != model.trades:
        fail("trades: got %d rows, want %d; first differences: %r" % (
            len(got), len(model.trades),
            sorted(set(got.items()) ^ set(model.trades.items()))[:3]))
    got = {}
    for r in db.execute("SELECT venue, market, symbol, order_id, trade_id, "
                        "id, time, side, price, qty, fee, fee_asset "
                        "FROM fills_v"):
        got[tuple(r[:5])] = tuple(r[5:])
    if got != model.fills:
        fail("fills: got %r, want %r" % (sorted(got.items())[:3],
                                          sorted(model.fills.items())[:3]))
    got = {}
    for r in db.execute("SELECT venue, market, symbol, id, time, status, "
                        "qty, filled_qty FROM orders_v"):
        got[tuple(r[:4])] = tuple(r[4:])
    if got != model.orders:
        fail("orders: got %r, want %r" % (sorted(got.items())[:3],
                                           sorted(model.orders.items())[:3]))


# ---- queries ----

def run(cmd, args):
    argv = shlex.split(cmd) + args
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def ratio(b, a):
    return 0.0 if b + a == 0 else 100 * (b - a) / (b + a)


def bucket_value(a, field, agg):
    if agg == "count":
        return float(a["n"]), False
    if field in ("imbalance", "value_imbalance"):
        i = 0 if field == "imbalance" else 2
        if agg == "last":
            return ratio(a["last"][i], a["last"][i + 1]), False
        return ratio(a["sum"][i], a["sum"][i + 1]), True
    i = FIELDS.index(field)
    if agg == "avg":
        return a["sum"][i] / a["n"], True
    if agg == "sum":
        return a["sum"][i], True
    return a[agg][i], False


def minute_value(vals, field):
    if field == "imbalance":
        return ratio(vals[0], vals[1]), False
    if field == "value_imbalance":
        return ratio(vals[2], vals[3]), False
    return vals[FIELDS.index(field)], False


def expect_series(kept, rolls, cutoff, series, field, res, agg, lo, hi):
    """[(time, value, approximate)] and the resolution used."""
    mins = sorted((k[4], v[2][2]) for k, v in kept.items()
                  if k[:4] == series)
    if res == "auto":
        days = [a for k, a in rolls[DAY].items() if k[:4] == series]
        first = min(a["first"] for a in days)
        last = max(a["last_t"] for a in days)
        a, b = max(lo, first), min(hi, last)
        b = max(a, b)
        c = cutoff if cutoff is not None else -2 ** 63
        if b - a <= 2 * DAY and a >= c:
            res = "minute"
        elif b - a <= 90 * DAY:
            res = "hour"
        else:
            res = "day"
    if res == "minute":
        start = floor(lo, MINUTE)
        return [(t,) + minute_value(v, field) for t, v in mins
                if start <= t <= hi], res
    unit = HOUR if res == "hour" else DAY
    start = floor(lo, unit)
    out = []
    for k in sorted(rolls[unit]):
        if k[:4] == series and start <= k[4] <= hi:
            out.append((k[4],) + bucket_value(rolls[unit][k], field, agg))
    return out, res


def parse_out(text, fmt):
    rows = []
    if fmt == "csv":
        r = list(csv.reader(io.StringIO(text)))
        if not r or r[0] != ["time", "value"]:
            fail("series csv: header %r" % (r[:1],))
            return []
        for row in r[1:]:
            rows.append((int(row[0]), float(row[1])))
        return rows
    for line in text.splitlines():
        o = json.loads(line)
        if sorted(o) != ["time", "value"] or isinstance(o["value"], str):
            fail("series: bad line %r" % line)
        rows.append((o["time"], float(o["value"])))
    return rows


def check_number_text(text):
    # Shortest round-trip, never an exponent.
    for tok in text.replace(",", " ").replace(":", " ").replace(
            "}", " ").replace("]", " ").split():
        if tok[:1].isdigit() or tok[:1] == "-":
            if "e" in tok or "E" in tok:
                fail("a number in exponent form: %r" % tok)
                return


def check_series(cmd, kept, rolls, cutoff, tol):
    series_all = sorted({k[:4] for k in kept} |
                        {k[:4] for k in rolls[HOUR]})
    if not series_all:
        return
    picks = [series_all[0], series_all[len(series_all) // 2],
             series_all[-1]]
    cases = []
    for i, s in enumerate(picks):
        days = [a for k, a in rolls[DAY].items() if k[:4] == s]
        first = min(a["first"] for a in days)
        last = max(a["last_t"] for a in days)
        mid = (first + last) // 2
        cases += [
            (s, FIELDS[i % 4], "minute", "avg", first + 7 * MINUTE + 1,
             mid),
            (s, FIELDS[(i + 1) % 4], "hour", "avg", first, last),
            (s, FIELDS[(i + 2) % 4], "hour", "min", mid, last),
            (s, FIELDS[(i + 3) % 4], "hour", "max", first, mid),
            (s, FIELDS[i % 4], "hour", "last", first - DAY, last + DAY),
            (s, FIELDS[i % 4], "day", "avg", first, last),
            (s, FIELDS[(i + 1) % 4], "day", "sum", first, last),
            (s, FIELDS[(i + 1) % 4], "day", "count", first, last),
            (s, "imbalance", "minute", "avg", mid - HOUR, mid),
            (s, "value_imbalance", "hour", "avg", first, last),
            (s, "imbalance", "day", "last", first, last),
            (s, FIELDS[i % 4], "auto", "avg", mid, mid + HOUR),
            (s, FIELDS[i % 4], "auto", "avg", first, first + 3 * DAY),
            (s, FIELDS[i % 4], "auto", "max", first, first + 91 * DAY),
        ]
    # mkt-diff's sums have values only: a quantity field of them is an
    # error, so their cases ask for the matching value field.
    value_of = {"bid_qty": "bid_value", "ask_qty": "ask_value",
                "imbalance": "value_imbalance"}
    sums = ("TOTAL", "TOTAL1", "TOTAL2")
    cases = [(c[0], value_of.get(c[1], c[1]) if c[0][2] in sums else c[1])
             + c[2:] for c in cases]
    n = 0
    for s, field, res, agg, lo, hi in cases:
        if lo > hi:
            lo, hi = hi, lo
        want, used = expect_series(kept, rolls, cutoff, s, field, res, agg,
                                   lo, hi)
        for fmt in ("ndjson", "csv"):
            args = ["series", "--venue", s[0], "--market", s[1],
                    "--symbol", s[2], "--pct", repr(s[3]), "--field", field,
                    "--resolution", res, "--agg", agg, "--from", str(lo),
                    "--to", str(hi), "--format", fmt]
            rc, out, err = run(cmd, args)
            name = "series %s %s %s %s [%d, %d] %s" % (
                s, field, res, agg, lo, hi, fmt)
            if rc != 0:
                fail("%s: exit %d: %s" % (name, rc, err.strip()))
                continue
            if res == "auto" and "resolution=%s" % used not in err and \
                    "resolution" in err:
                fail("%s: %s, want %s" % (name, err.strip(), used))
            check_number_text(out)
            got = parse_out(out, fmt)
            ok = len(got) == len(want) and all(
                g[0] == w[0] and (close(g[1], w[1], tol) if w[2]
                                  else g[1] == w[1])
                for g, w in zip(got, want))
            if not ok:
                fail("%s: got %d rows %r..., want %d %r..." % (
                    name, len(got), got[:3], len(want), want[:3]))
            n += 1
    # An unknown series is an error, not an empty answer; so is a range
    # that ends before it starts.
    rc, out, err = run(cmd, ["series", "--symbol", "NOSUCH", "--pct", "1"])
    if rc == 0:
        fail("series of an unknown symbol: exit 0")
    s = picks[0]
    rc, out, err = run(cmd, ["series", "--venue", s[0], "--market", s[1],
                             "--symbol", s[2], "--pct", repr(s[3]),
                             "--from", "2", "--to", "1"])
    if rc == 0:
        fail("series from 2 to 1: exit 0")
    return n


def check_latest(cmd, kept):
    want = {}
    for k, v in kept.items():
        sym, t = k[:3], k[4]
        if sym not in want or t > want[sym][0]:
            want[sym] = (t, {})
    for k, v in kept.items():
        sym = k[:3]
        if k[4] == want[sym][0]:
            want[sym][1][k[3]] = v[2]
    rc, out, err = run(cmd, ["latest"])
    if rc != 0:
        fail("latest: exit %d: %s" % (rc, err.strip()))
        return
    check_number_text(out)
    got = {}
    lines = out.splitlines()
    for line in lines:
        o = json.loads(line)
        sym = (o["venue"], o["market"], o["symbol"])
        bands = {}
        for b in o["bands"]:
            bands[b["pct"]] = (0, int(b["complete"]),
                               [float(b[f]) for f in FIELDS])
        got[sym] = (o["time"], bands)
    syms = [(json.loads(x)["venue"], json.loads(x)["market"],
             json.loads(x)["symbol"]) for x in lines]
    if syms != sorted(syms):
        fail("latest: not sorted by venue, market, symbol")
    norm = {s: (t, {p: (0, v[1], v[2]) for p, v in b.items()})
            for s, (t, b) in want.items()}
    if got != norm:
        diff = sorted(set(got) ^ set(norm)) or \
            [s for s in norm if got.get(s) != norm[s]][:2]
        fail("latest: differs at %r" % diff[:3])
    rc, out, err = run(cmd, ["latest", "--format", "csv"])
    r = list(csv.reader(io.StringIO(out)))
    if not r or r[0] != ["venue", "market", "symbol", "time", "pct",
                         "bid_qty", "ask_qty", "bid_value", "ask_value",
                         "complete"]:
        fail("latest csv: header %r" % (r[:1],))
        return
    n = sum(len(b) for t, b in norm.values())
    if len(r) - 1 != n:
        fail("latest csv: %d rows, want %d" % (len(r) - 1, n))
    for row in r[1:]:
        sym = tuple(row[:3])
        t, bands = norm.get(sym, (None, {}))
        v = bands.get(float(row[4]))
        if int(row[3]) != t or v is None or \
                [float(x) for x in row[5:9]] != v[2] or \
                row[9] != ("true" if v[1] else "false"):
            fail("latest csv: row %r" % (row,))
            break
    # Filters.
    s = sorted(norm)[0]
    rc, out, err = run(cmd, ["latest", "--venue", s[0], "--market", s[1],
                             "--symbol", s[2]])
    if len(out.splitlines()) != 1:
        fail("latest with filters: %d lines" % len(out.splitlines()))


def check_symbols(cmd, model, kept, rolls, cutoff):
    want = {}
    for k, a in rolls[DAY].items():
        sym = k[:3]
        w = want.setdefault(sym, {"pcts": set(), "per": {}, "days": set(),
                                  "oldest": a["first"],
                                  "newest": a["last_t"]})
        w["pcts"].add(k[3])
        w["per"][k[3]] = w["per"].get(k[3], 0) + a["n"]
        w["days"].add(k[4])
        w["oldest"] = min(w["oldest"], a["first"])
        w["newest"] = max(w["newest"], a["last_t"])
    kcount, koldest = {}, {}
    for k in kept:
        kcount[k[:4]] = kcount.get(k[:4], 0) + 1
        koldest[k[:3]] = min(koldest.get(k[:3], k[4]), k[4])
    exp = {}
    for sym, w in want.items():
        kc = [kcount.get(sym + (p,), 0) for p in w["pcts"]]
        exp[sym] = {"pcts": sorted(w["pcts"]), "minutes": max(w["per"].values()),
                    "oldest": w["oldest"], "newest": w["newest"],
                    "days": len(w["days"]), "minutes_kept": max(kc),
                    "kept_oldest": koldest.get(sym)}
    rc, out, err = run(cmd, ["symbols"])
    if rc != 0:
        fail("symbols: exit %d: %s" % (rc, err.strip()))
        return
    got = {}
    for line in out.splitlines():
        o = json.loads(line)
        sym = (o.pop("venue"), o.pop("market"), o.pop("symbol"))
        got[sym] = o
    if got != exp:
        bad = [s for s in exp if got.get(s) != exp[s]][:2]
        fail("symbols: got %r want %r" % ([got.get(s) for s in bad],
                                          [exp[s] for s in bad]))
    rc, out, err = run(cmd, ["symbols", "--format", "csv"])
    r = list(csv.reader(io.StringIO(out)))
    if not r or r[0] != ["venue", "market", "symbol", "pcts", "minutes",
                         "oldest", "newest", "days", "minutes_kept",
                         "kept_oldest"]:
        fail("symbols csv: header %r" % (r[:1],))
        return
    for row in r[1:]:
        e = exp.get(tuple(row[:3]))
        if e is None or [float(x) for x in row[3].split(",")] != e["pcts"] \
                or int(row[4]) != e["minutes"] or int(row[7]) != e["days"] \
                or int(row[8]) != e["minutes_kept"] or \
                row[9] != ("" if e["kept_oldest"] is None
                           else str(e["kept_oldest"])):
            fail("symbols csv: row %r, want %r" % (row, e))
            break
    if len(r) - 1 != len(exp):
        fail("symbols csv: %d rows, want %d" % (len(r) - 1, len(exp)))


def main(argv):
    args = argv[1:]
    if args[:1] == ["--dump"]:
        if args[2:3] == ["--digits"]:
            dump(args[1], int(args[3]))
        else:
            dump(args[1])
        return 0
    cutoff = None
    cmd = None
    tol = 1e-9
    pos = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--cutoff":
            cutoff = floor(int(args[i + 1]), HOUR)
            i += 2
        elif a == "--query":
            cmd = args[i + 1]
            i += 2
        elif a == "--tol":
            tol = float(args[i + 1])
            i += 2
        else:
            pos.append(a)
            i += 1
    if len(pos) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    db = sqlite3.connect("file:%s?mode=ro" % pos[0], uri=True)
    model = Model()
    for path in pos[1:]:
        with open(path, "rb") as f:
            for line in f:
                try:
                    ev = json.loads(line)
                except ValueError:
                    model.seq += 1
                    continue
                model.add(ev)
    kept, rolls = check_tables(db, model, cutoff, tol)
    check_others(db, model)
    nq = 0
    if cmd:
        nq = check_series(cmd, kept, rolls, cutoff, tol)
        check_latest(cmd, kept)
        check_symbols(cmd, model, kept, rolls, cutoff)
    for f in failures[:30]:
        print("# " + f)
    print("# %d minute rows, %d hours, %d days, %d trades, %d fills, "
          "%d orders%s: %s" % (
              len(kept), len(rolls[HOUR]), len(rolls[DAY]),
              len(model.trades), len(model.fills), len(model.orders),
              ", %d series queries" % nq if cmd else "",
              "FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
