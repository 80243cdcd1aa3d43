# incomplete.jq: the bands events that have bands reaching past the part
# of the book that is known (complete: false), with how deep it is known.
#
#   mkt-depth < capture.ndjson | jq -r -f contrib/jq/incomplete.jq
#
# binance:spot:BTCUSDT known to 3% (bids) 8.9109% (asks): incomplete 5 8 15 30

select(.type == "bands")
| [.bands[] | select(.complete | not) | .pct] as $inc
| select($inc | length > 0)
| "\(.venue):\(.market):\(.symbol) known to \(.coverage_bid)% (bids) "
  + "\(.coverage_ask)% (asks): incomplete \($inc | map(tostring) | join(" "))"
