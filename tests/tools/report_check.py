#!/usr/bin/env python3
"""report_check: mkt-report's figures recomputed from a state store.

    report_check.py DB REPORT.ndjson [--from MS] [--to MS]

Reads the fills of the store (sqlite3, in time order), splits each
position's fills into round trips from flat to flat (a fill that
crosses zero is cut in two; its fee goes with the trade it closes),
and computes every group mkt-report(1) writes with Python's Decimal:
trades, wins, losses, win rate, pnl, fees, average pnl (half to even
at 8 decimals or the pnl's scale), max drawdown and the longest
streaks.  Prints "same N" when REPORT holds exactly those groups with
those values, else the differences, and exits 1.
"""

import argparse
import datetime
import json
import sqlite3
import sys
from decimal import Decimal, ROUND_HALF_EVEN

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def fills(db, to):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    q = ("SELECT f.venue, f.market, f.symbol, f.side, f.price, f.qty, "
         "coalesce(f.fee, '0'), f.time_ms, i.raw FROM fills f LEFT JOIN "
         "intents i ON i.client_id = f.client_id WHERE f.time_ms < ? "
         "AND f.side IS NOT NULL ORDER BY f.time_ms, f.rowid")
    for row in con.execute(q, (to,)):
        reason = "unknown"
        try:
            raw = json.loads(row[8]) if row[8] else {}
        except ValueError:
            raw = {}
        for k in ("reason", "tag"):
            if isinstance(raw.get(k), str) and raw[k]:
                reason = raw[k]
                break
        yield (row[0], row[1], row[2], row[3], Decimal(row[4]),
               Decimal(row[5]), Decimal(row[6]), row[7], reason)


def trades(db, to):
    pos = {}
    for venue, market, symbol, side, px, qty, fee, t, reason in fills(db, to):
        key = "%s:%s:%s" % (venue, market, symbol)
        d = qty if side == "buy" else -qty
        p = pos.setdefault(key, {"q": Decimal(0), "cash": Decimal(0),
                                 "fees": Decimal(0)})
        if p["q"] == 0 or (p["q"] > 0) == (p["q"] + d > 0) and p["q"] + d != 0:
            p["q"] += d
            p["cash"] -= d * px
            p["fees"] += fee
            continue
        close = -p["q"]
        p["cash"] -= close * px
        p["fees"] += fee
        yield (key, t, p["cash"] - p["fees"], p["fees"], reason)
        rest = d - close
        pos[key] = {"q": rest, "cash": -rest * px, "fees": Decimal(0)}


class Group:
    def __init__(self):
        self.pnls = []
        self.fees = Decimal(0)

    def figures(self):
        n = len(self.pnls)
        wins = sum(1 for p in self.pnls if p > 0)
        losses = sum(1 for p in self.pnls if p < 0)
        eq, peak, dd = Decimal(0), Decimal(0), Decimal(0)
        run_w = run_l = best_w = best_l = 0
        for p in self.pnls:
            eq += p
            peak = max(peak, eq)
            dd = max(dd, peak - eq)
            run_w = run_w + 1 if p > 0 else 0
            run_l = run_l + 1 if p < 0 else 0
            best_w, best_l = max(best_w, run_w), max(best_l, run_l)
        total = sum(self.pnls, Decimal(0))
        if n:
            exp = -total.normalize().as_tuple().exponent
            q = Decimal(1).scaleb(-max(8, exp))
            avg = (total / n).quantize(q, rounding=ROUND_HALF_EVEN)
        else:
            avg = Decimal(0)
        return {"trades": n, "wins": wins, "losses": losses,
                "win_rate": round(wins / n, 4) if n else 0,
                "pnl": total, "fees": self.fees, "avg_pnl": avg,
                "max_drawdown": dd, "longest_win_streak": best_w,
                "longest_loss_streak": best_l}


def expect(db, frm, to):
    groups = {}

    def add(g, k, pnl, fees):
        grp = groups.setdefault((g, k), Group())
        grp.pnls.append(pnl)
        grp.fees += fees

    for key, t, pnl, fees, reason in trades(db, to):
        if t < frm:
            continue
        dt = datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc)
        add("total", "all", pnl, fees)
        add("market", key, pnl, fees)
        add("hour", "%02d" % dt.hour, pnl, fees)
        add("weekday", DAYS[dt.weekday()], pnl, fees)
        add("reason", reason, pnl, fees)
    groups.setdefault(("total", "all"), Group())
    return {k: g.figures() for k, g in groups.items()}


def same(a, b):
    if isinstance(a, (int, Decimal)) and not isinstance(a, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("report")
    ap.add_argument("--from", dest="frm", type=int, default=-2**63)
    ap.add_argument("--to", type=int, default=2**63 - 1)
    a = ap.parse_args()
    want = expect(a.db, a.frm, a.to)
    got = {}
    for line in open(a.report):
        e = json.loads(line, parse_float=Decimal)
        got[(e["group"], e["key"])] = e
    bad = []
    for k in sorted(set(want) | set(got)):
        if k not in got or k not in want:
            bad.append("group %s: only in %s" % (
                k, "the report" if k in got else "the recomputation"))
            continue
        for f, v in want[k].items():
            if f == "win_rate":
                ok = abs(float(got[k][f]) - v) < 1e-9
            else:
                ok = same(v, got[k].get(f))
            if not ok:
                bad.append("group %s: %s is %s, recomputed %s" % (
                    k, f, got[k].get(f), v))
    if bad:
        print("\n".join(bad))
        sys.exit(1)
    print("same", len(want))


main()
