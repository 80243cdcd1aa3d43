#!/bin/sh
# The systemd units of systemd/: systemd-analyze verify says nothing of
# any of them (offline: it parses every key, loads the units a timer or
# socket names, checks that each command is an executable, and
# --man=no skips the Documentation= pages); the keys the design asks of
# every service (a dynamic user mkt, StateDirectory=mkt, ProtectSystem=
# strict, NoNewPrivileges=, RestrictAddressFamilies=, SystemCallFilter=
# @system-service, no capabilities), Type=notify with a watchdog for the
# long-running ones, API keys as the credentials mkt-exec reads; and
# systemd-analyze security --offline=yes rates each service's exposure
# 2.0 or better (out of 10).
. "$(dirname "$0")/lib.sh"

need_tools systemd-analyze python3

# The units name /usr/local/bin (make install writes BINDIR there): here
# the programs of this build, and contrib's mkt-bot.
mkdir "$T/bin" "$T/units"
for p in "$MKT_BIN"/mkt-*; do
	ln -s "$p" "$T/bin/"
done
ln -s "$TOP/contrib/mkt-bot" "$T/bin/mkt-bot"
missing=
for p in $(sed -n 's#.*/usr/local/bin/\(mkt-[a-z-]*\).*#\1#p' \
    "$TOP"/systemd/*.service | sort -u); do
	[ -e "$T/bin/$p" ] || missing="$missing $p"
done
is "$missing" "" "every program the units run is built here"
for u in "$TOP"/systemd/*.service "$TOP"/systemd/*.socket \
    "$TOP"/systemd/*.timer; do
	b=${u##*/}
	case $b in *@.*) b=${b%%@.*}@main.${b#*@.} ;; esac
	sed "s#/usr/local/bin/#$T/bin/#g" "$u" >"$T/units/$b"
done
is "$(ls "$T/units" | tr '\n' ' ')" "mkt-bot@main.service \
mkt-collect@main.service mkt-exec@main.service mkt-poll@main.service \
mkt-poll@main.timer mkt-prune@main.service mkt-prune@main.timer \
mkt-serve.service mkt-serve.socket " "the units"

cd "$T/units" || exit 1
for u in *; do
	systemd-analyze verify --man=no "$u" >"$T/verify" 2>&1
	is "$?:$(cat "$T/verify")" "0:" "systemd-analyze verify $u says nothing"
done

# The keys, read as systemd reads them (last assignment wins, an empty
# one resets a list).
python3 - "$TOP/lib/net/secret.c" *.service >"$T/keys" <<'PY'
import re, sys

def parse(path):
    sec, keys = None, {}
    for line in open(path):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            sec = line[1:-1]
            continue
        k, v = line.split("=", 1)
        keys.setdefault(sec + "." + k, []).append(v)
    return keys

creds = set(re.findall(r'load_credential\(dir, "([a-z-]+)"',
                       open(sys.argv[1]).read()))
long_running = ("mkt-collect@", "mkt-serve.", "mkt-exec@", "mkt-bot@")
for path in sys.argv[2:]:
    k = parse(path)
    s = lambda key: k.get("Service." + key, [None])[-1]
    bad = []
    for key, want in (("DynamicUser", "yes"), ("User", "mkt"),
                      ("ProtectSystem", "strict"),
                      ("NoNewPrivileges", "yes"),
                      ("CapabilityBoundingSet", "")):
        if s(key) != want:
            bad.append("%s=%s" % (key, s(key)))
    if (s("StateDirectory") or "").split()[:1] != ["mkt"]:
        bad.append("StateDirectory=%s" % s("StateDirectory"))
    if "AF_PACKET" in (s("RestrictAddressFamilies") or "AF_PACKET"):
        bad.append("RestrictAddressFamilies=%s" % s("RestrictAddressFamilies"))
    if "@system-service" not in k.get("Service.SystemCallFilter", []):
        bad.append("no SystemCallFilter=@system-service")
    if path.startswith(long_running):
        if s("Type") != "notify" or not s("WatchdogSec"):
            bad.append("Type=%s WatchdogSec=%s" % (s("Type"), s("WatchdogSec")))
        # A shell's pipeline notifies from its stages.
        if "sh -c" in s("ExecStart") or "bot" in path:
            if s("NotifyAccess") != "all":
                bad.append("NotifyAccess=%s" % s("NotifyAccess"))
    if path.startswith("mkt-exec@"):
        got = {c.split(":")[0] for c in k.get("Service.LoadCredential", [])}
        if got != creds or len(creds) != 2:
            bad.append("LoadCredential %s, mkt-exec reads %s"
                       % (sorted(got), sorted(creds)))
    print(path, " ".join(bad) or "ok")
PY
while read -r u verdict; do
	is "$verdict" ok "$u: hardened, and notifies if it runs long"
done <"$T/keys"
is "$(wc -l <"$T/keys")" 6 "six services checked"

check "mkt-poll runs a REST round" \
    grep -q 'mkt-feed --rest --once .*| .*mkt-journal append' \
    mkt-poll@main.service
check "mkt-prune runs mkt-journal prune" \
    grep -q '^ExecStart=.*mkt-journal prune ' mkt-prune@main.service
check "mkt-prune stops the collector, the journal's one writer" \
    grep -qx 'Conflicts=mkt-collect@%i.service' mkt-prune@main.service
for t in *.timer; do
	check "$t starts ${t%.timer}.service" test -f "${t%.timer}.service"
done
check "mkt-serve.socket listens where mkt-serve does by default" \
    grep -qx 'ListenStream=127.0.0.1:8080' mkt-serve.socket
check "mkt-serve.service takes that socket" sh -c \
    'grep -qx Sockets=mkt-serve.socket mkt-serve.service &&
    grep -qx Requires=mkt-serve.socket mkt-serve.service'

for u in *.service; do
	systemd-analyze security --offline=yes --threshold=20 "$u" \
	    >"$T/sec" 2>&1
	rc=$?
	echo "# $(grep 'Overall exposure' "$T/sec")"
	is "$rc" 0 "$u: exposure 2.0 or better"
done

# make install(-units): every unit, BINDIR written into its commands.
cd "$TOP" || exit 1
# A make of its own: not the flags (-w, SANITIZE=...) of a make check
# that runs this test.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
    install-units DESTDIR="$T/inst" PREFIX=/opt/mkt >"$T/install.out" 2>&1
is "$?:$(cat "$T/install.out")" 0: "make install-units"
is "$(ls "$T/inst/opt/mkt/lib/systemd/system" | wc -l)" 9 \
    "make install installs the nine units"
check "installed units run BINDIR's programs" \
    sh -c "! grep -rq /usr/local/bin '$T/inst/opt/mkt/lib/systemd/system' &&
	grep -q '^ExecStart=/opt/mkt/bin/mkt-exec ' \
	'$T/inst/opt/mkt/lib/systemd/system/mkt-exec@.service'"

done_testing
