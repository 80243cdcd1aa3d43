#!/usr/bin/env python3
"""layers.py: check lib/'s layer rule (lib/README, "Layers").

    layers.py [--objects DIR] [--venues] TOP

Reads the rule from TOP/lib/README: its lines "  LAYER/  may include: A/ B/"
("-" for none).
A file in lib/L/ (or below) may include base/, L itself and the layers
named on L's line; an include without a directory must name a header in
the file's own directory.  With --objects DIR (the build's lib/ objects),
no object outside prog/ may call a function that prints or exits.  With
--venues, venue names ("binance", "bybit", "polymarket") may appear in code (comments
aside) only in lib/venue/, lib/sim/ and cmd/sim*.  Prints one line per
violation and exits 1 if there was any.
"""
import os
import re
import subprocess
import sys

PRINTS_OR_EXITS = {
    "exit", "_exit", "_Exit", "quick_exit", "abort", "printf", "fprintf",
    "vprintf", "vfprintf", "puts", "fputs", "putchar", "fputc", "putc",
    "perror", "dprintf", "vdprintf", "fwrite", "psignal", "err", "errx",
    "warn", "warnx", "verr", "vwarn", "die", "die_errno", "die_usage",
    "die_nomem", "warn_errno", "err_line", "err_line_summary",
}
VENUES = re.compile(r"binance|bybit|polymarket", re.I)


def read_rule(top):
    rule = {}
    with open(os.path.join(top, "lib", "README")) as f:
        text = f.read()
    for line in text.splitlines():
        w = re.match(r"\s*(\w+)/\s+may include:\s*(.*)$", line)
        if w:
            rule[w.group(1)] = set(w.group(2).replace("/", " ").split()) - {"-"}
    if not rule:
        sys.exit("layers.py: lib/README names no layer")
    return rule


def sources(top, sub):
    for d, _, files in os.walk(os.path.join(top, sub)):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def strip_comments(code):
    """Code without comments, strings kept (a venue name in a string is
    what the check is for)."""
    out, i, n = [], 0, len(code)
    while i < n:
        if code.startswith("/*", i):
            j = code.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " + "\n" * code.count("\n", i, j))
            i = j
        elif code.startswith("//", i):
            j = code.find("\n", i)
            i = n if j < 0 else j
        elif code[i] in "\"'":
            q, j = code[i], i + 1
            while j < n and code[j] != q:
                j += 2 if code[j] == "\\" else 1
            out.append(code[i:j + 1])
            i = j + 1
        else:
            out.append(code[i])
            i += 1
    return "".join(out)


def check_includes(top, rule, bad):
    lib = os.path.join(top, "lib")
    for path in sources(top, "lib"):
        rel = os.path.relpath(path, lib)
        layer = rel.split(os.sep)[0]
        if layer not in rule:
            bad.append(f"lib/{rel}: layer '{layer}' is not in lib/README")
            continue
        allowed = rule[layer] | {"base", layer}
        with open(path) as f:
            for no, line in enumerate(f, 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                inc = m.group(1)
                if "/" not in inc:
                    if not os.path.exists(os.path.join(os.path.dirname(path), inc)):
                        bad.append(f"lib/{rel}:{no}: '{inc}' is not in its directory")
                    continue
                to = inc.split("/")[0]
                if to not in allowed:
                    bad.append(f"lib/{rel}:{no}: {layer}/ may not include '{inc}'")


def check_objects(objdir, bad):
    for d, _, files in os.walk(objdir):
        for f in sorted(files):
            if not f.endswith(".o"):
                continue
            path = os.path.join(d, f)
            parts = os.path.relpath(path, objdir).split(os.sep)
            # Objects outside a layer directory are left from a build of
            # the flat tree that came before the layers.
            if len(parts) < 2 or parts[0] == "prog":
                continue
            out = subprocess.run(["nm", "-u", path], capture_output=True,
                                 text=True, check=True).stdout
            for sym in out.split():
                name = sym.split("@")[0]
                if name in PRINTS_OR_EXITS:
                    bad.append(f"{os.path.relpath(path, objdir)}: calls {name} "
                               "(only prog/ prints or exits)")


def check_venues(top, bad):
    for sub in ("lib", "cmd"):
        for path in sources(top, sub):
            rel = os.path.relpath(path, top)
            if rel.startswith(("lib/venue/", "lib/sim/", "cmd/sim")):
                continue
            with open(path) as f:
                code = strip_comments(f.read())
            for no, line in enumerate(code.splitlines(), 1):
                if VENUES.search(line):
                    bad.append(f"{rel}:{no}: venue name outside venue/ and sim/: "
                               f"{line.strip()}")


def main(argv):
    objdir, venues, args = None, False, []
    it = iter(argv)
    for a in it:
        if a == "--objects":
            objdir = next(it)
        elif a == "--venues":
            venues = True
        else:
            args.append(a)
    if len(args) != 1:
        sys.exit("usage: layers.py [--objects DIR] [--venues] TOP")
    top = args[0]
    bad = []
    check_includes(top, read_rule(top), bad)
    if objdir:
        check_objects(objdir, bad)
    if venues:
        check_venues(top, bad)
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
