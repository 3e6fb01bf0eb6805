#!/usr/bin/env python3
"""serial-relay.py PORT PID LOG: the terminal end of Bochs' COM1 for run-bochs.sh. Bochs
(process PID) serves its COM1 on 127.0.0.1:PORT (bochsrc's com1 mode=socket-server); this
connects to it, copies what the serial line sends to standard output and to the file LOG,
and what is typed on standard input to the serial line, until Bochs closes the connection
or ends. A terminal on standard input is put in raw mode meanwhile, so that each key goes as
it is typed (Enter as CR, as a serial terminal sends it)."""

import os
import select
import socket
import sys
import termios
import time
import tty


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def connect(port, pid):
    """Bochs listens once it has read its configuration: try until then, or until it ends."""
    while alive(pid):
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            time.sleep(0.05)
    return None


def relay(line, log, pid):
    stdin = sys.stdin.fileno()
    watched = [line, stdin]
    while True:
        ready, _, _ = select.select(watched, [], [], 0.5)
        if not ready and not alive(pid):
            return
        if line in ready:
            data = line.recv(65536)
            if not data:
                return
            os.write(sys.stdout.fileno(), data)
            log.write(data)
            log.flush()
        if stdin in ready:
            keys = os.read(stdin, 4096)
            if keys:
                line.sendall(keys)
            else:
                watched.remove(stdin)  # no more input: go on with the output alone


def main():
    port, pid, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    line = connect(port, pid)
    if line is None:
        return 1
    saved = None
    if os.isatty(sys.stdin.fileno()):
        saved = termios.tcgetattr(sys.stdin.fileno())
        tty.setraw(sys.stdin.fileno())
    try:
        with open(log_path, "ab") as log:
            relay(line, log, pid)
    finally:
        if saved is not None:
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
        line.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
