# status.jq: status events as readable lines, with the ids that explain
# them.
#
#   mkt-book < capture.ndjson | jq -r -f contrib/jq/status.jq
#
# 2023-11-14T22:13:20Z mkt-book binance:spot:BTCUSDT invalid gap expected_id=101 got_first_id=105 got_last_id=106

select(.type == "status")
| [ ((.time // 0) / 1000 | floor | todate),
    .source,
    "\(.venue):\(.market):\(.symbol)",
    .state,
    (.reason // empty),
    (to_entries[]
     | select(.key | test("_id$"))
     | "\(.key)=\(.value)") ]
| join(" ")
