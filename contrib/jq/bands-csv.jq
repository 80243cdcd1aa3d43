# bands-csv.jq: bands events as CSV, one row per band.
#
#   mkt-depth --interval 1m < capture.ndjson |
#       jq -r -f contrib/jq/bands-csv.jq > bands.csv
#
# Columns: time,venue,market,symbol,pct,bid_qty,ask_qty,bid_value,
# ask_value,complete.  No header line: add one with
#   echo time,venue,market,symbol,pct,bid_qty,ask_qty,bid_value,ask_value,complete

select(.type == "bands")
| . as $e
| .bands[]
| [$e.time, $e.venue, $e.market, $e.symbol, .pct, .bid_qty, .ask_qty,
   .bid_value, .ask_value, .complete]
| @csv
