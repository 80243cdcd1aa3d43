#!/bin/sh
# liquidity-watch.sh: watch the order-book liquidity of a stream of
# snapshot and depth events, minute by minute.  One line per symbol and
# minute with the value imbalance of each band, the TOTAL, TOTAL1 and
# TOTAL2 lines of every venue and market, and status changes (a gap, a
# resync) as they come.
#
#   liquidity-watch.sh [-b BANDS] [-t PCT] [FILE...]
#
#   -b BANDS  bands in percent, comma-separated (default 1.5,3,5)
#   -t PCT    only the lines whose first band leans more than PCT percent
#             either way (default 0: every line)
#
# Reads the FILEs, or standard input; for a file that grows:
#   tail -n +1 -f capture.ndjson | contrib/liquidity-watch.sh -t 20
#
# An example, not part of mkt proper: copy and adapt it.
set -eu

bands=1.5,3,5
threshold=0
while getopts b:t:h opt; do
	case $opt in
	b) bands=$OPTARG ;;
	t) threshold=$OPTARG ;;
	h) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "usage: liquidity-watch.sh [-b BANDS] [-t PCT] [FILE...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# Prefer the programs of this tree when it has been built.
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/../bin/mkt-depth" ]; then
	PATH=$here/../bin:$PATH
fi

cat -- "$@" |
mkt-depth --bands "$bands" --interval 1m |
mkt-diff --aggregate |
jq -r --argjson t "$threshold" '
	def abs: if . < 0 then -. else . end;
	def when: (.time // 0) / 1000 | floor | todate;
	def book: "\(.venue):\(.market):\(.symbol)";
	if .type == "status" then
		[when, book, .state, (.reason // empty)] | join(" ")
	elif .type == "imbalance" then
		select((.bands[0].value_ratio | abs) >= $t)
		| "\(when) \(book) "
		  + ([.bands[] | "\(.pct)%:\(.value_ratio)"] | join(" "))
	else
		empty
	end'
