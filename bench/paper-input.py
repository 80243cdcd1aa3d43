#!/usr/bin/env python3
"""bench/paper-input.py: the paper venue's input for bench/exec.sh.

Usage: paper-input.py GEN COPIES RUN_OUT EXEC_OUT

GEN is tests/tools/paper_check.py gen's output (a real capture with
paper_place and paper_cancel commands mixed in).  It is repeated COPIES
times, each copy's client ids prefixed with "cN-" so that every order is
new; paper_reload lines are dropped (mkt-exec has no such command).
RUN_OUT gets it as tests/tools/paper-run reads it, EXEC_OUT the same
lines with the commands as intent and cancel events, as
tests/0900-exec-paper.sh turns them (mkt-exec and mkt-book read that
one).  Prints "EVENTS INTENTS": lines in the market's part, orders.
"""
import json
import sys

TIF = {"gtc": "GTC", "ioc": "IOC", "fok": "FOK"}


def as_intent(e):
    i = {"type": "intent", "id": e["client_id"]}
    for k in ("venue", "market", "symbol", "side", "kind", "qty", "price"):
        if k in e:
            i[k] = e[k]
    tif = TIF.get(e.get("tif"), e.get("tif"))
    if e.get("kind") == "limit" and tif:
        i["tif"] = tif
    return i


def main():
    gen, copies, run_out, exec_out = sys.argv[1], int(sys.argv[2]), \
        sys.argv[3], sys.argv[4]
    lines = open(gen).read().splitlines()
    nmarket = norders = 0
    with open(run_out, "w") as fr, open(exec_out, "w") as fe:
        for c in range(copies):
            pre = "c%d-" % c
            for line in lines:
                if '"paper_' not in line:
                    fr.write(line + "\n")
                    fe.write(line + "\n")
                    nmarket += 1
                    continue
                e = json.loads(line)
                t = e["type"]
                if t == "paper_reload":
                    continue
                e["client_id"] = pre + e["client_id"]
                fr.write(json.dumps(e) + "\n")
                if t == "paper_cancel":
                    x = {"type": "cancel", "id": "x" + e["client_id"],
                         "target": e["client_id"]}
                else:
                    x = as_intent(e)
                    norders += 1
                fe.write(json.dumps(x) + "\n")
    print(nmarket, norders)


if __name__ == "__main__":
    main()
