#!/usr/bin/python3
"""TLS against plain text with our library (libmemcached 1.1.4 has no TLS).

Runs the same benches/bench.c binary (`make bench` builds it) against three
plain `memcached` servers and three `memcached -Z` servers on free loopback
ports, with our library; TLS is turned on the way unchanged programs get it,
through the LIBMEMCACHED_TLS* environment. Certificates (a CA and a server
certificate for 127.0.0.1) are made with openssl in a temporary directory.
Rounds alternate plain and TLS; the report gives median ops/s and client CPU
per operation, and the ratio TLS/plain. Appends a section to docs/bench.md
(replacing an earlier TLS section) and prints it.
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_BIN = os.path.join(REPO, "build", "bench", "bench")
OURS = os.path.join(REPO, "build", "lib")
WORKLOADS = ["get32-ascii", "get32-binary", "mget100-3srv-ketama"]
ROUNDS = 11
SECONDS = 0.3
MARK = "## TLS (ours only)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_section(mark, text):
    """Put `text` into docs/bench.md in place of the section headed `mark`
    (up to the next `## ` heading), or at its end."""
    path = os.path.join(REPO, "docs", "bench.md")
    doc = open(path).read() if os.path.exists(path) else ""
    if mark in doc:
        start = doc.index(mark)
        nxt = doc.find("\n## ", start + len(mark))
        doc = doc[:start] + (doc[nxt + 1:] if nxt >= 0 else "")
    with open(path, "w") as f:
        f.write(doc.rstrip() + "\n\n" + text)


def make_pki(d):
    def ossl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench ca",
         "-keyout", "ca.key", "-out", "ca.pem")
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=server", "-keyout", "server.key",
         "-out", "server.csr")
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-days", "2", "-out", "server.pem", "-extfile", "server.ext")


def start_server(tls_dir=None):
    port = free_port()
    cmd = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-t", "1"]
    if os.geteuid() == 0:
        cmd += ["-u", "root"]
    if tls_dir:
        cmd += ["-Z", "-o", "ssl_chain_cert=%s,ssl_key=%s" % (
            os.path.join(tls_dir, "server.pem"), os.path.join(tls_dir, "server.key"))]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 5
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            if time.time() > deadline:
                proc.kill()
                raise SystemExit("tls_bench: memcached did not start")
            time.sleep(0.02)


def run(workload, servers, env):
    out = subprocess.run([BENCH_BIN, workload, servers, "--seconds", str(SECONDS)], env=env,
                         capture_output=True, text=True, timeout=60)
    m = re.search(r"ops_per_sec=([\d.]+) cpu_us_per_op=([\d.]+) .* lib=(\S+)", out.stdout)
    if out.returncode != 0 or not m:
        raise SystemExit("tls_bench: %s failed: %s%s" % (workload, out.stdout, out.stderr))
    if not m.group(3).startswith(os.path.realpath(OURS)) and OURS not in m.group(3):
        raise SystemExit("tls_bench: loaded %s, not our library" % m.group(3))
    return float(m.group(1)), float(m.group(2))


def main():
    if not os.path.exists(BENCH_BIN) or not os.path.exists(os.path.join(OURS, "libmemcached.so.11")):
        raise SystemExit("tls_bench: run `make bench` first (builds %s and %s)" % (BENCH_BIN, OURS))
    tmp = tempfile.mkdtemp(prefix="tls-bench-")
    procs = []
    try:
        make_pki(tmp)
        plain, tls = [], []
        for _ in range(3):
            p, port = start_server()
            procs.append(p)
            plain.append("127.0.0.1:%d" % port)
            p, port = start_server(tmp)
            procs.append(p)
            tls.append("127.0.0.1:%d" % port)
        base = dict(os.environ, LD_LIBRARY_PATH=OURS)
        base.pop("LIBMEMCACHED_TLS", None)
        tls_env = dict(base, LIBMEMCACHED_TLS="1",
                       LIBMEMCACHED_TLS_CA_FILE=os.path.join(tmp, "ca.pem"))
        rows = []
        for w in WORKLOADS:
            res = {"plain": [], "tls": []}
            ratios = []
            for r in range(ROUNDS):
                order = [("plain", plain, base), ("tls", tls, tls_env)]
                if r % 2:
                    order.reverse()
                got = {}
                for name, servers, env in order:
                    got[name] = run(w, ",".join(servers), env)
                    res[name].append(got[name])
                ratios.append(got["tls"][0] / got["plain"][0])
            med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
                   for k, v in res.items()}
            rows.append("| %s | %s | %s | %.2f× | %.1f | %.1f |" % (
                w, format(int(med["plain"][0]), ","), format(int(med["tls"][0]), ","),
                statistics.median(ratios), med["plain"][1], med["tls"][1]))
        text = "\n".join([
            MARK, "",
            "Produced by `benches/tls_bench.py` (%s). Our library only (libmemcached 1.1.4 has no "
            "TLS): the same `benches/bench.c` binary against three plain `memcached` and three "
            "`memcached -Z` servers (`-t 1`) on loopback, TLS turned on through the environment "
            "(`LIBMEMCACHED_TLS=1`, `LIBMEMCACHED_TLS_CA_FILE`), %d alternating rounds of %.2f s; "
            "ratio = median of the per-round TLS/plain ratios." % (
                time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), ROUNDS, SECONDS),
            "",
            "| workload | plain ops/s | TLS ops/s | TLS/plain | plain CPU µs/op | TLS CPU µs/op |",
            "|---|---:|---:|---:|---:|---:|",
            *rows, ""])
        write_section(MARK, text)
        print(text)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
