#!/bin/sh
# Exactly once into the journal through JetStream, with things killed:
#	mkt-feed (against mkt-sim) -o nats://... ;
#	mkt-journal append DIR -i nats://...
# on one nats-server with JetStream.  MKT_TORTURE times (12 by default)
# one of them is killed with SIGKILL at a random moment and started
# again: the collector, the appender, or the whole server (then
# restarted on the same store).  At the end, after the collector
# stopped cleanly:
#   - the journal holds exactly the stream: every message once, in the
#     stream's order (compared with a journal made by a reader that was
#     never killed), and the appender's last ack says the stream's last
#     sequence;
#   - no event twice (no line twice, no depth update id twice), and the
#     depth updates of each symbol in increasing order;
#   - the journal verifies; mkt-replay reads it.
# Kill moments are random delays (0.1 to 1.2 s, from the seed) after the
# stream has grown; nothing waits on them.  The counts go to the TAP
# output.
# load: 3 (other processes, sockets: make check-load runs it 3 times)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lib-nats.sh"
NODES=1
. "$TOP/tests/lib-nats-kill.sh"
