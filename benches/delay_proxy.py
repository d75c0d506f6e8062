#!/usr/bin/python3
"""A TCP proxy on loopback that delays every byte by a fixed time each way.

    delay_proxy.py UPSTREAM_PORT [--delay-ms 10] [--stats FILE]

Listens on a free 127.0.0.1 port, prints `port=N` on stdout once it
accepts, and forwards every connection to 127.0.0.1:UPSTREAM_PORT. Every
chunk read from either side is written to the other side DELAY ms after it
was read (order kept), so one request/reply exchange costs 2 × DELAY on top
of the loopback time; the TCP handshake itself is not delayed. A side that
closes is closed on the other side once what it sent has been delivered.

Counts, per connection, the turn-arounds: client-to-server chunks read
after the server last spoke (each is one request the client had to wait
for, or the connection's first). With --stats the totals are written to
FILE as `connections=C turnarounds=T` whenever they change.

Run by benches/bench.py, which stops it by PID.
"""

import argparse
import os
import queue
import socket
import sys
import threading
import time


class Totals:
    def __init__(self, path):
        self.path = path
        self.connections = 0
        self.turnarounds = 0
        self.lock = threading.Lock()

    def add(self, connections=0, turnarounds=0):
        with self.lock:
            self.connections += connections
            self.turnarounds += turnarounds
            if self.path:
                with open(self.path + ".tmp", "w") as f:
                    f.write("connections=%d turnarounds=%d\n"
                            % (self.connections, self.turnarounds))
                os.replace(self.path + ".tmp", self.path)


def nodelay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def pump(src, dst, delay, on_chunk, done):
    """Copy src to dst, each chunk DELAY seconds after it was read: a reader
    and a writer thread, so reading never waits for a delivery. time.sleep
    wakes within tens of microseconds (an event loop's timers round to the
    millisecond, which over many hops shows as extra round trips)."""
    chunks = queue.Queue()

    def writer():
        while True:
            due, data = chunks.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if data is None:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                break
            try:
                dst.sendall(data)
            except OSError:
                break
        done()

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        if not data:
            break
        on_chunk()
        chunks.put((time.monotonic() + delay, data))
    chunks.put((time.monotonic() + delay, None))


def handle(client, upstream, delay, totals):
    try:
        server = socket.create_connection(("127.0.0.1", upstream))
    except OSError:
        client.close()
        return
    nodelay(client)
    nodelay(server)
    totals.add(connections=1)
    state = {"server_spoke": True, "open": 2}
    lock = threading.Lock()

    def from_client():
        if state["server_spoke"]:
            totals.add(turnarounds=1)
        state["server_spoke"] = False

    def from_server():
        state["server_spoke"] = True

    def done():
        with lock:
            state["open"] -= 1
            last = state["open"] == 0
        if last:
            client.close()
            server.close()

    threading.Thread(target=pump, args=(server, client, delay, from_server, done),
                     daemon=True).start()
    pump(client, server, delay, from_client, done)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("upstream", type=int)
    ap.add_argument("--delay-ms", type=float, default=10.0)
    ap.add_argument("--stats", default="")
    args = ap.parse_args()
    # A thread woken by its socket or its timer must not wait for another
    # to give up the interpreter lock (5 ms by default).
    sys.setswitchinterval(0.0001)
    totals = Totals(args.stats)
    totals.add()
    delay = args.delay_ms / 1000.0
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(128)
    print("port=%d" % lsock.getsockname()[1], flush=True)
    while True:
        client, _ = lsock.accept()
        threading.Thread(target=handle, args=(client, args.upstream, delay, totals),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
