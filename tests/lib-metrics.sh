# tests/lib-metrics.sh: what the tests of --stats and --metrics share,
# sourced after lib.sh: the tools, a cleanup that stops $SIM and $SRV,
# and readers of a metrics file and of status events.

need_tools promtool jq curl

SIM= SRV=
metrics_cleanup() {
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	rm -rf "$T"
}
trap metrics_cleanup EXIT
trap 'exit 1' INT TERM

# prom FILE NAME [LABEL="VALUE"]: the value of a sample in a text file
# (nothing while there is no file yet).
prom() {
	awk -v n="$2{" -v l="${3:-}" 'index($1, n) == 1 &&
		(l == "" || index($1, l)) { print $2 }' "$1" 2>/dev/null
}
# promtool_ok FILE: promtool finds nothing to say.
promtool_ok() {
	promtool check metrics <"$1" >"$1.lint" 2>&1 && ! [ -s "$1.lint" ]
}
# nstats FILE: how many status events of --stats FILE holds.
nstats() {
	grep -c '"state":"stats"' "$1" 2>/dev/null || :
}
has_stats() {
	[ "$(nstats "$1")" -ge "$2" ]
}
