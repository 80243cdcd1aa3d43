#!/bin/sh
# Exactly once into the journal through a JetStream cluster: three
# nats-server on loopback ports, the stream with three replicas (R3);
# the collector (mkt-feed against mkt-sim) and the appender (mkt-journal
# append) each know every node.  MKT_TORTURE times (12 by default) the
# collector, the appender, or one node picked at random is killed with
# SIGKILL at a random moment and started again.  At the end the journal
# holds exactly the stream, every message once, in order, as in 1301
# (tests/lib-nats-kill.sh).
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-nats.sh"
NODES=3
. "$TOP/tests/lib-nats-kill.sh"
