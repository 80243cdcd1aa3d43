# status.jq: status events as readable lines, with the ids that explain
# them.
#
#   mkt-book < capture.ndjson | jq -r -f contrib/jq/status.jq
#
# 2023-11-14T22:13:20Z mkt-book binance:spot:BTCUSDT invalid gap expected_id=101 got_first_id=105 got_last_id=106
#
# A status about a connection names its venue and market only; every
# status has a time (the local clock's when the exchange gave none).

select(.type == "status")
| [ ((.time // 0) / 1000 | floor | todate),
    .source,
    ([.venue, .market, .symbol] | map(select(. != null)) | join(":")),
    .state,
    (.reason // empty),
    (to_entries[]
     | select(.key | test("_id$"))
     | "\(.key)=\(.value)") ]
| join(" ")
