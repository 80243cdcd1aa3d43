# imbalance.jq: one line per imbalance event: the time (UTC), the book,
# and the value ratio of every band (positive: more bid than asked).
#
#   mkt-depth --interval 1m < capture.ndjson | mkt-diff --aggregate |
#       jq -r -f contrib/jq/imbalance.jq
#
# 2023-11-14T22:13:20Z binance:spot:BTCUSDT 1.5%:-1.1609 3%:38.446

select(.type == "imbalance")
| [ (.time / 1000 | floor | todate),
    "\(.venue):\(.market):\(.symbol)",
    (.bands[] | "\(.pct)%:\(.value_ratio)") ]
| join(" ")
