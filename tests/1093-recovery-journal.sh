#!/bin/sh
# Recovery's journal step (mkt(7), "Recovery"): a store restored from a
# backup is behind the journal, and mkt-exec --journal replays what it
# lacks before it asks the venue.  Against mkt-sim on binance:futures
# (where positions are compared too):
#   - mkt-exec | mkt-journal append J trades three market orders; the
#     store is copied (sqlite3 .backup); three more market orders and a
#     limit order that rests at the venue are traded;
#   - mkt-exec on the old copy with --journal J: its fills, positions,
#     day's figures, intents and orders are the newer store's, the
#     status event counts what was replayed, the venue holds every
#     order once (none sent again) and no difference holds it back;
#   - a second start replays nothing and changes nothing;
#   - the same old copy without --journal holds trading back (the
#     venue's resting order and the fills it lacks are differences): exit 1;
#   - a journal that is not there, or holds an event that cannot be
#     read, is an error, exit 1, and nothing of the replay is kept.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sim.sh"

sim_start

EOPTS="--venue binance:futures --key-file $T/key --no-stream --poll 100ms
--timeout 60s"

# market ID SIDE, limit ID SIDE PRICE: intent events for BTCUSDT.
market() {
	printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","side":"%s","kind":"market","qty":"0.01"}\n' \
	    "$1" "$2"
}
limit() {
	printf '{"type":"intent","id":"%s","symbol":"BTCUSDT","side":"%s","kind":"limit","qty":"0.01","price":"%s"}\n' \
	    "$1" "$2" "$3"
}

# trade INPUT: mkt-exec on the newer store, its events into the journal;
# the exit status of each in $rc_exec and $rc_journal.
trade() {
	# shellcheck disable=SC2086
	{ mkt-exec $EOPTS --state "$T/new.db" <"$1" 2>>"$T/exec.err"
	  echo $? >"$T/rc_exec"; } |
	    mkt-journal append "$T/j" 2>>"$T/journal.err"
	rc_journal=$?
	rc_exec=$(cat "$T/rc_exec")
}

# restart STORE OUT [ARGS...]: mkt-exec started again with no new
# intents; its exit status in $rc.
restart() {
	_st=$1 _out=$2
	shift 2
	# shellcheck disable=SC2086
	mkt-exec $EOPTS --state "$_st" "$@" </dev/null >"$_out" 2>"$_out.err"
	rc=$?
}

# state STORE: what recovery must bring back, one text.
state() {
	sqlite3 "$1" "SELECT venue_trade_id, client_id, market, symbol,
	    side, price, qty, fee, fee_asset, time_ms FROM fills ORDER BY 1;
	    SELECT * FROM positions ORDER BY symbol;
	    SELECT * FROM daily ORDER BY day;
	    SELECT * FROM daily_fees ORDER BY day, asset;
	    SELECT intent_id, client_id, symbol, side, type, qty,
	    coalesce(price, ''), coalesce(tif, ''), state, sent_ms > 0
	    FROM intents ORDER BY intent_id;
	    SELECT client_id, venue_order_id, status, filled_qty,
	    coalesce(avg_price, '') FROM orders ORDER BY client_id"
}

{ market a1 buy; market a2 buy; market a3 sell; } >"$T/in1"
{ market b1 buy; market b2 buy; market b3 sell
  limit b4 buy 30000; } >"$T/in2"

trade "$T/in1"
is "$rc_exec.$rc_journal" 0.0 "the first orders trade, into the journal"
sqlite3 "$T/new.db" ".backup '$T/old.db'"
cp "$T/old.db" "$T/plain.db"
trade "$T/in2"
is "$rc_exec.$rc_journal" 0.0 "more orders trade after the backup"
# A market order may take two levels of the book: count orders filled.
is "$(sqlite3 "$T/new.db" "SELECT count(DISTINCT client_id) FROM fills")" 6 \
	"the newer store has fills of its six market orders"
is "$(sqlite3 "$T/old.db" "SELECT count(DISTINCT client_id) FROM fills")" 3 \
	"the old copy three"
curl -s "$B/sim/orders" >"$T/venue.before"
is "$(jq -s length "$T/venue.before")" 7 "the venue holds seven orders"

restart "$T/old.db" "$T/r1.out" --journal "$T/j"
is "$rc" 0 "mkt-exec on the old copy with --journal: exit 0"
jq -c 'select(.type == "status" and .state == "replayed")' "$T/r1.out" \
	>"$T/r1.status"
is "$(jq -r '.reason' "$T/r1.status")" journal "a status event says so"
nseq=$(mkt-journal stats --json "$T/j" |
    jq -r 'select(.type == "journal_stats") | .next_seq')
# What the replay must count, from the journal itself: its order and
# fill events; the status changes of the orders after the backup (each
# one further on); the fills the old copy lacked.
mkt-replay "$T/j" | jq -c 'select(.type == "order" or .type == "fill")' \
	>"$T/jevents"
nev=$(nlines "$T/jevents")
nst=$(jq -r 'select(.type == "order" and (.id | startswith("b")) and
    .status != "pending") | [.id, .status, .filled_qty] | @tsv' \
    "$T/jevents" | sort -u | wc -l | tr -d ' ')
nfi=$(($(sqlite3 "$T/new.db" "SELECT count(*) FROM fills") -
    $(sqlite3 "$T/plain.db" "SELECT count(*) FROM fills")))
is "$(jq -r '.detail' "$T/r1.status")" \
	"seq 0 to $nseq: $nev events, 4 intents, $nst statuses, $nfi fills" \
	"with the counts replayed"
state "$T/new.db" >"$T/new.state"
state "$T/old.db" >"$T/old.state"
cmp_file "$T/old.state" "$T/new.state" \
	"fills, positions, day's figures, intents and orders as the newer store's"
is "$(sqlite3 "$T/old.db" "SELECT count(*) FROM order_events
    WHERE source = 'journal'")" "$nst" "the statuses replayed say where from"
is "$(sqlite3 "$T/old.db" "SELECT value FROM kv WHERE owner = 'mkt-exec'
    AND key = 'journal_seq:' || '$(cd "$T/j" && pwd -P)'")" "$nseq" \
	"the store records the journal's next seq"
curl -s "$B/sim/orders" >"$T/venue.after"
is "$(jq -s length "$T/venue.after")" 7 "no order sent again"
is "$(jq -r '.client_id' "$T/venue.after" | sort | uniq -d)" "" \
	"each client id once at the venue"
is "$(jq -s '[.[] | .side as $s | .fills[] | (.qty | tonumber) as $q |
    if $s == "buy" then $q else -$q end] | add' "$T/venue.after" |
    xargs printf '%.2f')" \
	"$(sqlite3 "$T/old.db" "SELECT printf('%.2f', qty) FROM positions")" \
	"the position is the venue's fills"
jq -c 'select(.type == "mismatch" or .state == "unreconciled")' \
	"$T/r1.out" >"$T/r1.diff"
check "no difference holds it back" test ! -s "$T/r1.diff"

cp "$T/old.db" "$T/again.db"
restart "$T/old.db" "$T/r2.out" --journal "$T/j"
is "$rc" 0 "a second start: exit 0"
is "$(jq -r 'select(.state == "replayed") | .detail' "$T/r2.out")" \
	"seq $nseq to $nseq: 0 events, 0 intents, 0 statuses, 0 fills" \
	"replays nothing"
state "$T/old.db" >"$T/again.state"
cmp_file "$T/again.state" "$T/new.state" "and changes nothing"
is "$(sqlite3 "$T/old.db" "SELECT count(*) FROM order_events")" \
	"$(sqlite3 "$T/again.db" "SELECT count(*) FROM order_events")" \
	"not even a status change"

restart "$T/plain.db" "$T/r3.out"
is "$rc" 1 "without --journal the old copy holds trading back: exit 1"
is "$(jq -r 'select(.state == "unreconciled") | .reason' "$T/r3.out")" \
	order "the venue's resting order is a difference"
jq -c 'select(.type == "mismatch" and .what == "fill")' "$T/r3.out" \
	>"$T/r3.fills"
check "and so are the fills the copy never recorded" test -s "$T/r3.fills"

restart "$T/old.db" "$T/r4.out" --journal "$T/nosuch"
is "$rc" 1 "a journal that is not there: exit 1"
is "$(cat "$T/r4.out.err")" \
	"mkt-exec: $T/old.db: cannot open the journal '$T/nosuch': No such file or directory" \
	"with a message that says why"
mkdir "$T/empty"
restart "$T/old.db" "$T/r5.out" --journal "$T/empty"
is "$rc" 1 "a directory that is no journal: exit 1"
check "named in the message" grep -q "cannot open the journal '$T/empty'" \
	"$T/r5.out.err"

# A journal with an event that cannot be read: a fill the store lacks,
# then an order of an unknown status.  Nothing of the replay is kept.
cp "$T/plain.db" "$T/bad.db"
state "$T/bad.db" >"$T/bad.before"
{ printf '{"type":"fill","venue":"binance","market":"futures","symbol":"BTCUSDT","time":1,"client_id":"x1","trade_id":"t-x","side":"buy","price":100,"qty":1}\n'
  printf '{"type":"order","venue":"binance","market":"futures","symbol":"BTCUSDT","time":2,"id":"x1","client_id":"x1","side":"buy","kind":"market","qty":1,"status":"lost"}\n'
} | mkt-journal append "$T/jbad" 2>>"$T/journal.err"
restart "$T/bad.db" "$T/r6.out" --journal "$T/jbad"
is "$rc" 1 "an order event that cannot be read: exit 1"
is "$(cat "$T/r6.out.err")" \
	"mkt-exec: $T/bad.db: journal '$T/jbad' seq 1: field 'status' is 'lost', not one of pending, new, ..." \
	"the message names the journal, the seq and the field"
state "$T/bad.db" >"$T/bad.after"
cmp_file "$T/bad.after" "$T/bad.before" \
	"the fill before it is not kept: the store is as it was"
is "$(sqlite3 "$T/bad.db" "SELECT count(*) FROM kv")" 0 "no seq recorded"
done_testing
