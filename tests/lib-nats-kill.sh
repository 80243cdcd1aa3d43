# tests/lib-nats-kill.sh: the body of the JetStream kill tests (1301:
# one server, 1302: a cluster of three with R3 streams), sourced after
# lib.sh and lib-nats.sh with NODES set.  See 1301 for what it proves.

RUNS=${MKT_TORTURE:-12}
SEED=${MKT_TORTURE_SEED:-$(date +%s)}
echo "# $RUNS kills, seed $SEED"

SIM= FEED= APP=
kill_cleanup() {
	for _p in $FEED $APP $SIM; do
		kill -9 "$_p" 2>/dev/null
	done
	ns_cleanup
	rm -rf "$T"
}
trap kill_cleanup EXIT

mkt-sim --port-file "$T/sim.port" --symbols BTCUSDT,ETHUSDT --rate 40 \
    --weight-limit 0 2>"$T/sim.err" &
SIM=$!
check "mkt-sim starts" wait_file "$T/sim.port" || exit 1
u=127.0.0.1:$(cat "$T/sim.port")
export MKT_BINANCE_SPOT_WS=ws://$u MKT_BINANCE_SPOT_REST=http://$u

# The servers: one, or NODES in a cluster on loopback ports.
if [ "$NODES" -eq 1 ]; then
	ns_start n1
	U=nats://127.0.0.1:$NS_PORT
	OPTS="create=1&dup_window=10m"
else
	_routes= _hosts=
	for _k in $(seq "$NODES"); do
		eval "NS_CPORT_n$_k=$(free_port) NS_PORT_n$_k=$(free_port)"
		eval "_routes=\${_routes:+\$_routes,}nats://127.0.0.1:\$NS_CPORT_n$_k"
		eval "_hosts=\${_hosts:+\$_hosts,}127.0.0.1:\$NS_PORT_n$_k"
	done
	for _k in $(seq "$NODES"); do
		eval "_cp=\$NS_CPORT_n$_k"
		ns_start "n$_k" --cluster_name mkt \
		    --cluster "nats://127.0.0.1:$_cp" --routes "$_routes"
	done
	check "the cluster elects a JetStream leader" wait_for cluster_ready
	U=nats://$_hosts
	OPTS="create=1&dup_window=10m&replicas=$NODES"
fi

start_feed() {
	mkt-feed binance:spot:BTCUSDT binance:spot:ETHUSDT \
	    -o "$U/mkt?$OPTS" 2>>"$T/feed.err" &
	FEED=$!
}
APPS=0
start_app() {
	APPS=$((APPS + 1))
	mkt-journal append -v "$T/j" --sync 500ms --frame-size 4096 -i "$U/mkt.>?durable=journal" \
	    --ack "$T/ack.$APPS" 2>>"$T/app.err" &
	APP=$!
}

# last: the stream's last sequence, the highest any node reports.
last() {
	for _k in $(seq "$NODES"); do
		stream_last "n$_k" MKT
	done | sort -n | tail -n 1
}
# grown N: the stream's last sequence is past N.
grown() { _l=$(last); [ -n "$_l" ] && [ "$_l" -gt "$1" ]; }

start_feed
check "the collector's events reach the stream" wait_for grown 0
start_app

# rand_delay I: a delay of 0.1 to 1.2 s, from the seed and I.
rand_delay() {
	awk -v s="$SEED" -v i="$1" 'BEGIN { srand(s + i); printf "%.2f", 0.1 + rand() * 1.1 }'
}

k_feed=0 k_app=0 k_srv=0 i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	_at=$(last)
	wait_for grown "${_at:-0}" || break
	sleep "$(rand_delay "$i")"
	case $((i % 3)) in
	1)	kill -9 "$APP"; wait "$APP" 2>/dev/null
		k_app=$((k_app + 1))
		start_app ;;
	2)	kill -9 "$FEED"; wait "$FEED" 2>/dev/null
		k_feed=$((k_feed + 1))
		start_feed ;;
	0)	# The whole server, or one node of the cluster.
		_node=n$(awk -v s="$SEED" -v i="$i" -v n="$NODES" \
		    'BEGIN { srand(s * 7 + i); print 1 + int(rand() * n) }')
		ns_kill "$_node" KILL
		k_srv=$((k_srv + 1))
		ns_restart "$_node" || break ;;
	esac
done
is "$i" "$RUNS" "all $RUNS kills done"
echo "# killed: collector $k_feed, appender $k_app, server or node $k_srv"

# The collector stops cleanly: what it published is acked.
_at=$(last)
check "the stream grows after the last kill" wait_for grown "${_at:-0}"
kill -TERM "$FEED"
wait "$FEED"
is "$?" 0 "the collector stops cleanly"
FEED=
LAST=$(last)
echo "# the stream's last sequence: $LAST"

acked_to() { tail -n 1 "$T/ack.$APPS" 2>/dev/null | grep -q "\"stream_seq\":$1,"; }
check "the appender makes the whole stream durable" wait_for acked_to "$LAST"
kill -TERM "$APP"
wait "$APP"
is "$?" 0 "the appender stops cleanly"
APP=

# A reader never killed: the stream as it is.
mkt-journal append "$T/ref" --sync 50ms -i "$U/mkt.>?durable=ref" \
    --ack "$T/ref.ack" 2>"$T/ref.err" &
APP=$!
ref_to() { tail -n 1 "$T/ref.ack" 2>/dev/null | grep -q "\"stream_seq\":$1,"; }
check "a reference reader reads the whole stream" wait_for ref_to "$LAST"
kill -TERM "$APP"
wait "$APP"
APP=

ok mkt-journal verify "$T/j"
mkt-replay "$T/j" >"$T/j.ndjson"
mkt-replay "$T/ref" >"$T/ref.ndjson"
N=$(nlines "$T/j.ndjson")
MSGS=$(stream_msgs n1 MKT)
echo "# journal: $N events; stream: $MSGS messages; reference: $(nlines "$T/ref.ndjson")"
is "$N" "$MSGS" "the journal holds as many events as the stream"
check "the journal is the stream, in order" cmp "$T/j.ndjson" "$T/ref.ndjson"
DUP=$(sort "$T/j.ndjson" | uniq -d | wc -l | tr -d ' ')
is "$DUP" 0 "no event twice"
jq -r 'select(.type == "depth") | "\(.symbol) \(.first_id) \(.last_id)"' \
    "$T/j.ndjson" >"$T/ids"
DUPID=$(cut -d' ' -f1,3 "$T/ids" | sort | uniq -d | wc -l | tr -d ' ')
is "$DUPID" 0 "no depth update id twice"
BACK=$(awk '{ if ($1 in l && $3 <= l[$1]) n++; l[$1] = $3 } END { print n + 0 }' "$T/ids")
is "$BACK" 0 "each symbol's depth updates in increasing order"
echo "# lost: $((MSGS - N)), duplicated: $DUP lines, $DUPID update ids"
echo "# appender restarts that skipped events the journal had: $(grep -c "some events again" "$T/app.err")"

done_testing
