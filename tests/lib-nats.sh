# tests/lib-nats.sh: nats-server for the tests, sourced after lib.sh.
# Servers run on 127.0.0.1 with JetStream in $T/ns-NAME, and are all
# killed at exit.  ns_start NAME [ARGS...] starts one on free ports
# (client port in $NS_PORT, monitoring port in $NS_MPORT, remembered
# as NS_PORT_NAME, NS_MPORT_NAME, NS_PID_NAME) and waits until it
# accepts clients; ns_kill NAME [SIGNAL] stops it; ns_restart NAME
# starts it again on the same ports and store.

need_tools nats-server curl jq python3

NS_PIDS=
ns_cleanup() {
	for _p in $NS_PIDS; do
		kill -9 "$_p" 2>/dev/null
	done
}

# free_port: a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# ns_ready MPORT: the server answers on its monitoring port, JetStream on.
ns_ready() {
	curl -sf "http://127.0.0.1:$1/jsz" 2>/dev/null | grep -q '"config"'
}

_ns_run() {
	_nsname=$1
	shift
	eval "_port=\$NS_PORT_$_nsname _mport=\$NS_MPORT_$_nsname"
	mkdir -p "$T/ns-$_nsname"
	nats-server -js -sd "$T/ns-$_nsname" -a 127.0.0.1 -p "$_port" \
	    -m "$_mport" --server_name "$_nsname" "$@" \
	    >>"$T/ns-$_nsname.log" 2>&1 &
	eval "NS_PID_$_nsname=$!"
	NS_PIDS="$NS_PIDS $!"
	eval "NS_ARGS_$_nsname=\$*"
	NS_PORT=$_port NS_MPORT=$_mport
}

# ns_start NAME [ARGS...]
ns_start() {
	_nsn=$1
	eval "NS_PORT_$_nsn=\${NS_PORT_$_nsn:-$(free_port)}"
	eval "NS_MPORT_$_nsn=\${NS_MPORT_$_nsn:-$(free_port)}"
	_ns_run "$@"
	check "nats-server $_nsn starts" wait_for ns_ready "$NS_MPORT" ||
	    exit 1
}

# ns_kill NAME [SIGNAL]: stop it and wait until it is gone.
ns_kill() {
	eval "_pid=\$NS_PID_$1"
	kill "-${2:-KILL}" "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
}

# ns_restart NAME: the same ports, store and arguments again.
ns_restart() {
	eval "_args=\$NS_ARGS_$1"
	# shellcheck disable=SC2086
	_ns_run "$1" $_args
	wait_for ns_ready "$NS_MPORT"
}

# stream_last NAME STREAM: the stream's last sequence, as server NAME
# reports it (empty while it cannot say).
stream_last() {
	eval "_mp=\$NS_MPORT_$1"
	curl -sf "http://127.0.0.1:$_mp/jsz?streams=true" 2>/dev/null |
	    jq -r --arg s "$2" '.account_details[]?.stream_detail[]? |
	    select(.name == $s) | .state.last_seq'
}

# stream_msgs NAME STREAM: how many messages the stream holds.
stream_msgs() {
	eval "_mp=\$NS_MPORT_$1"
	curl -sf "http://127.0.0.1:$_mp/jsz?streams=true" 2>/dev/null |
	    jq -r --arg s "$2" '.account_details[]?.stream_detail[]? |
	    select(.name == $s) | .state.messages'
}

# cluster_ready: every server of the cluster knows the JetStream leader.
cluster_ready() {
	for _k in $(seq "$NODES"); do
		eval "_mp=\$NS_MPORT_n$_k"
		curl -sf "http://127.0.0.1:$_mp/jsz" 2>/dev/null |
		    jq -e '.meta_cluster.leader // empty' >/dev/null || return 1
	done
}
