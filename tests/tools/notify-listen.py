#!/usr/bin/env python3
"""notify-listen.py SOCKET LOG: systemd's end of sd_notify(3) for tests.

Binds a unix datagram socket at SOCKET and appends each message received
to LOG as one line, its NAME=VALUE assignments joined by ' | ', flushed at
once so that a test can wait for a line.  Runs until SIGTERM.
"""
import os
import signal
import socket
import sys


def main():
    path, log = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    # Bound under another name and renamed: the test waits for the
    # socket, which then already takes messages.
    tmp = path + ".tmp"
    s.bind(tmp)
    os.rename(tmp, path)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(log, "a") as f:
        while True:
            msg = s.recv(4096).decode("utf-8", "replace")
            f.write(" | ".join(msg.rstrip("\n").split("\n")) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
