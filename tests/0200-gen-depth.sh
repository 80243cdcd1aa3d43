#!/bin/sh
# gen-depth, the synthetic depth stream the benchmarks and the book tests
# run on: deterministic, valid JSON, ids without gaps, every deletion names
# a level that exists, the book never crosses, and --truth is the book the
# stream leaves behind (rebuilt here independently, with exact decimals).
. "$(dirname "$0")/lib.sh"

cat >"$T/check.py" <<'EOF'
# check.py STREAM TRUTH META: rebuild every symbol's book from STREAM with
# decimal.Decimal and check the stream's invariants; compare the final
# books with TRUTH and the counts with META.  Prints the first problem.
import json, sys
from decimal import Decimal

stream, truth, meta = sys.argv[1:4]
books = {}
events = levels = deletions = nbytes = 0
last_time = last_recv = None

def fail(n, msg):
    sys.exit("line %d: %s" % (n, msg))

def side(levels_, n, what, desc):
    prices = [p for p, q in levels_]
    if prices != sorted(prices, reverse=desc):
        fail(n, "%s not best first" % what)
    if len(set(prices)) != len(prices):
        fail(n, "%s: a price twice" % what)
    for p, q in levels_:
        if p <= 0 or q < 0 or p != p.quantize(Decimal("0.01")) \
           or q != q.quantize(Decimal("0.00000001")):
            fail(n, "%s: bad level %s %s" % (what, p, q))

with open(stream, "rb") as f:
    for n, raw in enumerate(f, 1):
        nbytes += len(raw)
        ev = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
        sym = ev["symbol"]
        side(ev["bids"], n, "bids", True)
        side(ev["asks"], n, "asks", False)
        if last_time is not None and ev["time"] < last_time:
            fail(n, "time goes back")
        if last_recv is not None and ev["recv"] <= last_recv:
            fail(n, "recv does not advance")
        last_time, last_recv = ev["time"], ev["recv"]
        if ev["type"] == "snapshot":
            if sym in books:
                fail(n, "second snapshot")
            books[sym] = {"bids": dict(ev["bids"]), "asks": dict(ev["asks"]),
                          "last_id": ev["last_id"], "time": ev["time"],
                          "recv": ev["recv"]}
            if any(q == 0 for q in books[sym]["bids"].values()) or \
               any(q == 0 for q in books[sym]["asks"].values()):
                fail(n, "snapshot with a zero quantity")
            continue
        if ev["type"] != "depth":
            fail(n, "unexpected type")
        b = books.get(sym)
        if b is None:
            fail(n, "depth before snapshot")
        if ev["first_id"] != b["last_id"] + 1:
            fail(n, "first_id %s after last_id %s"
                 % (ev["first_id"], b["last_id"]))
        if ev["last_id"] < ev["first_id"]:
            fail(n, "last_id before first_id")
        for s in ("bids", "asks"):
            for p, q in ev[s]:
                levels += 1
                if q == 0:
                    deletions += 1
                    if p not in b[s]:
                        fail(n, "deletes %s %s, not in the book" % (s, p))
                    del b[s][p]
                else:
                    b[s][p] = q
        if not b["bids"] or not b["asks"]:
            fail(n, "a side is empty")
        if max(b["bids"]) >= min(b["asks"]):
            fail(n, "crossed: %s >= %s" % (max(b["bids"]), min(b["asks"])))
        b["last_id"] = ev["last_id"]
        b["time"], b["recv"] = ev["time"], ev["recv"]
        events += 1

with open(truth) as f:
    got = [json.loads(l, parse_float=Decimal, parse_int=Decimal) for l in f]
if sorted(t["symbol"] for t in got) != sorted(books):
    sys.exit("truth: not one book per symbol")
for t in got:
    b = books[t["symbol"]]
    want_bids = sorted(b["bids"].items(), reverse=True)
    want_asks = sorted(b["asks"].items())
    if t["type"] != "book" or t["last_id"] != b["last_id"] or \
       t["time"] != b["time"] or t["recv"] != b["recv"]:
        sys.exit("truth %s: header differs" % t["symbol"])
    if [tuple(l) for l in t["bids"]] != want_bids or \
       [tuple(l) for l in t["asks"]] != want_asks:
        sys.exit("truth %s: levels differ" % t["symbol"])

m = dict(l.strip().split("=", 1) for l in open(meta))
for k, v in (("events", events), ("levels", levels),
             ("deletions", deletions), ("bytes", nbytes)):
    if int(m[k]) != v:
        sys.exit("meta %s: %s, counted %d" % (k, m[k], v))
if events:
    print("# %d events, %.1f levels/event, %.1f%% deletions, %.0f bytes/event"
          % (events, levels / events, 100.0 * deletions / levels,
             nbytes / events))
EOF

gen() {
	gen-depth "$@"
}

differ() {
	! cmp -s "$1" "$2"
}

# gen_to FILE ARGS...: the stream into FILE (ok's own output stays out).
gen_to() {
	_out=$1
	shift
	gen-depth "$@" >"$_out"
}

ok gen_to "$T/a" --events 2000 --truth "$T/a.truth" --meta "$T/a.meta"
ok gen_to "$T/b" --events 2000 --truth "$T/b.truth" --meta "$T/b.meta"
cmp_file "$T/b" "$T/a" "same seed, same stream"
cmp_file "$T/b.truth" "$T/a.truth" "same seed, same truth"
ok gen_to "$T/c" --events 2000 --seed 2
check "another seed, another stream" differ "$T/a" "$T/c"
is "$(wc -l <"$T/a" | tr -d ' ')" 2001 "a snapshot and 2000 events"

if command -v jq >/dev/null; then
	is "$(jq -c . "$T/a" | wc -l | tr -d ' ')" 2001 "every line is JSON (jq)"
fi
check "book rebuilt exactly, never crossed, truth and meta agree" \
	python3 "$T/check.py" "$T/a" "$T/a.truth" "$T/a.meta"

ok gen_to "$T/k" --events 3000 --symbols 3 --levels 200 --seed 7 \
	--truth "$T/k.truth" --meta "$T/k.meta"
is "$(head -3 "$T/k" | grep -c '"type":"snapshot"')" 3 "three snapshots first"
check "three symbols interleaved: the same checks per symbol" \
	python3 "$T/check.py" "$T/k" "$T/k.truth" "$T/k.meta"

ok gen_to "$T/z" --events 0 --truth "$T/z.truth" --meta "$T/z.meta"
check "no events: the truth is the snapshot" \
	python3 "$T/check.py" "$T/z" "$T/z.truth" "$T/z.meta"

gen --events x >/dev/null 2>"$T/err"
is "$?" 2 "a bad number is a usage error"
is "$(head -1 "$T/err")" "gen-depth: --events: not a number: 'x'" \
	"and says so"
gen --levels 3 >/dev/null 2>&1
is "$?" 2 "too few levels is a usage error"
gen -h >"$T/help"
is "$?" 0 "-h exits 0"
check "-h prints the usage to stdout" grep -q '^usage: gen-depth' "$T/help"

done_testing
