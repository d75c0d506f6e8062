#!/usr/bin/python3
"""Debian's `memccp --udp` and `memcslap --udp` over libmemcached 1.1.4 and ours.

Starts one `memcached -U PORT` (UDP on the TCP port's number) on a free
loopback port and runs Debian's tools (libmemcached-tools) unchanged, once
plainly (Debian's libmemcached 1.1.4) and once with LD_LIBRARY_PATH pointing
at build/lib (ours), alternating for a few rounds: `memccp --udp` copies the
same few files, `memcslap --udp --test=set` stores 2,000 generated keys from
one thread. Each run is timed whole (process start to exit, so the quit and
free at its end count), which library it loads is checked with
LD_TRACE_LOADED_OBJECTS, and the copied files are read back over TCP.
Appends a section to docs/bench.md (replacing an earlier UDP section) and
prints it.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from tls_bench import free_port, write_section  # same directory

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = os.path.join(REPO, "build", "lib")
ROUNDS = 7
FILES = 5
FILE_BYTES = 1000
MARK = "## UDP (Debian's tools)"


def start_server():
    """memcached with UDP on; its Popen (stopped by PID) and port."""
    for _attempt in range(10):
        port = free_port()
        cmd = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", str(port), "-t", "1"]
        if os.geteuid() == 0:
            cmd += ["-u", "root"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc, port
            except OSError:
                time.sleep(0.02)
        proc.kill()
        proc.wait(timeout=10)
    raise SystemExit("udp_bench: memcached did not start")


def env_for(lib):
    env = dict(os.environ, LC_ALL="C")
    env.pop("LD_PRELOAD", None)
    env.pop("LD_LIBRARY_PATH", None)
    if lib == "ours":
        env["LD_LIBRARY_PATH"] = OURS
    return env


def check_loaded(tool, lib):
    out = subprocess.run([tool], env=dict(env_for(lib), LD_TRACE_LOADED_OBJECTS="1"),
                         capture_output=True, text=True, timeout=30).stdout
    path = next((l.split("=>")[1].split()[0] for l in out.splitlines()
                 if "libmemcached.so.11" in l and "=>" in l), "")
    want = os.path.realpath(OURS) if lib == "ours" else "/usr/lib"
    if not os.path.realpath(path).startswith(want):
        raise SystemExit("udp_bench: %s over %s loads %r" % (tool, lib, path))


def timed(cmd, lib):
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env_for(lib), capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - start
    if proc.returncode != 0 or "Fatal" in proc.stderr:
        raise SystemExit("udp_bench: %s over %s failed (%d):\n%s%s"
                         % (cmd[0], lib, proc.returncode, proc.stdout, proc.stderr))
    return elapsed


def tcp_get(port, key):
    """The value of `key` read over TCP (None when missing); reads bounded by 2 s."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s, s.makefile("rb") as f:
        s.sendall(b"get %s\r\n" % key.encode())
        head = f.readline().split()
        return f.read(int(head[3])) if head[:1] == [b"VALUE"] else None


def main():
    if not os.path.exists(os.path.join(OURS, "libmemcached.so.11")):
        raise SystemExit("udp_bench: run `make lib` first (stages %s)" % OURS)
    tmp = tempfile.mkdtemp(prefix="udp-bench-")
    proc = None
    try:
        proc, port = start_server()
        servers = "--servers=127.0.0.1:%d" % port
        files = []
        for i in range(FILES):
            path = os.path.join(tmp, "udp-bench-%d.txt" % i)
            with open(path, "wb") as f:
                f.write((b"%d " % i) * (FILE_BYTES // 2) + b"\n")
            files.append(path)
        tools = {
            "memccp": ["memccp", "--udp", servers] + files,
            "memcslap": ["memcslap", "--udp", servers, "--test=set", "--execute-number=2000",
                         "--concurrency=1"],
        }
        times = {(t, lib): [] for t in tools for lib in ("1.1.4", "ours")}
        for tool in tools:
            for lib in ("1.1.4", "ours"):
                check_loaded(tool, lib)
        for r in range(ROUNDS):
            order = ["1.1.4", "ours"] if r % 2 == 0 else ["ours", "1.1.4"]
            for tool, cmd in tools.items():
                for lib in order:
                    times[(tool, lib)].append(timed(cmd, lib))
                    if tool == "memccp":
                        for path in files:
                            # UDP is asynchronous: wait (bounded) for the last file.
                            deadline = time.monotonic() + 2
                            want = open(path, "rb").read()
                            while tcp_get(port, os.path.basename(path)) != want:
                                if time.monotonic() > deadline:
                                    raise SystemExit("udp_bench: %s not stored over %s"
                                                     % (path, lib))
                                time.sleep(0.01)
        rows = []
        for tool in tools:
            theirs = statistics.median(times[(tool, "1.1.4")]) * 1e3
            ours = statistics.median(times[(tool, "ours")]) * 1e3
            label = ("memccp --udp, %d files of %d bytes" % (FILES, FILE_BYTES + 1)
                     if tool == "memccp" else "memcslap --udp --test=set, 2,000 keys")
            rows.append("| `%s` | %.1f | %.1f | %.2f× |" % (label, theirs, ours, ours / theirs))
        text = "\n".join([
            MARK, "",
            "Produced by `benches/udp_bench.py` (%s): Debian's tools run unchanged against one "
            "`memcached -U` on loopback, over Debian's libmemcached 1.1.4 and over ours "
            "(LD_LIBRARY_PATH), %d alternating rounds; each time is a whole run, process start "
            "to exit (median)." % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), ROUNDS),
            "",
            "| run | 1.1.4 ms | ours ms | ours/1.1.4 |",
            "|---|---:|---:|---:|",
            *rows, ""])
        write_section(MARK, text)
        print(text)
    finally:
        if proc is not None:
            proc.kill()  # by PID
            proc.wait(timeout=10)
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)


if __name__ == "__main__":
    sys.exit(main())
