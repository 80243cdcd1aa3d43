#!/usr/bin/env python3
"""unit-cmd.py UNIT BINDIR ENVOUT CMDOUT [INSTANCE]: a systemd unit's
Environment= defaults as shell assignments (ENVOUT) and its
ExecStart=/bin/sh -c '...' command (CMDOUT), with systemd's $$ made $,
%i made INSTANCE (default "main") and /usr/local/bin/ made BINDIR, so a
test can run what the unit would run."""
import shlex
import sys


def main():
    unit, bindir, envout, cmdout = sys.argv[1:5]
    inst = sys.argv[5] if len(sys.argv) > 5 else "main"
    env, cmd = [], None
    for line in open(unit):
        line = line.strip().replace("%i", inst)
        if line.startswith("Environment="):
            env += shlex.split(line.split("=", 1)[1])
        elif line.startswith("ExecStart=/bin/sh -c '"):
            cmd = line[len("ExecStart=/bin/sh -c '"):-1]
    if cmd is None:
        sys.exit("%s: no ExecStart=/bin/sh -c '...'" % unit)
    with open(envout, "w") as f:
        for a in env:
            k, v = a.split("=", 1)
            f.write("%s=%s\n" % (k, shlex.quote(v)))
    with open(cmdout, "w") as f:
        f.write(cmd.replace("$$", "$").replace("/usr/local/bin/",
                                                bindir + "/"))


main()
