#!/usr/bin/env python3
"""Run the examples of man pages as tests, printing TAP.

In a `.Bd -literal` block, a line starting with "$ " is a command; the
indented lines after it continue it; the other lines are its exact
expected standard output.  Blocks that do not start with "$ " are
illustrations and are not run.  Commands run under bash with pipefail,
in a temporary directory, with the fresh build first in PATH.
"""
import os
import subprocess
import sys
import tempfile


def examples(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith(".Bd -literal"):
            i += 1
            continue
        start = i + 1
        j = start
        while lines[j] != ".Ed":
            j += 1
        block = [l.replace("\\e", "\\") for l in lines[start:j]]
        i = j + 1
        if not block or not block[0].startswith("$ "):
            continue
        cmd, out, k = [], [], 0
        while k < len(block):
            if block[k].startswith("$ "):
                cmd.append(block[k][2:])
                k += 1
                while k < len(block) and block[k].startswith("  "):
                    cmd.append(block[k])
                    k += 1
            else:
                out.append(block[k])
                k += 1
        yield start + 1, "\n".join(cmd), out


def main():
    n = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in sys.argv[1:]:
            for line, script, want in examples(path):
                n += 1
                r = subprocess.run(["bash", "-c", "set -o pipefail\n" + script],
                                   capture_output=True, text=True, cwd=tmp)
                got = r.stdout.rstrip("\n").split("\n") if r.stdout else []
                name = f"{os.path.basename(path)}:{line}"
                if got == want and r.returncode == 0:
                    print(f"ok {n} - {name}")
                    continue
                failed += 1
                print(f"not ok {n} - {name}")
                for l in (["exit %d" % r.returncode, "want:"] + want +
                          ["got:"] + got + ["stderr:"] + r.stderr.split("\n")):
                    print("# " + l)
    print(f"1..{n}")
    return 1 if failed or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
