#!/usr/bin/python3
"""`make bench`: Debian's libmemcached 1.1.4 against ours, side by side.

Builds benches/bench.c ONCE against Debian's headers (/usr/include,
-lmemcached, no rpath) and runs every workload against both libraries in
the same run, choosing the library with LD_LIBRARY_PATH (unset: Debian's
/usr/lib copy; set: a snapshot of ours taken at start, so a concurrent
`make lib` cannot change it mid-run). Each run reports which file
memcached_create came from and the script checks it.

Figures, per workload and library:
  throughput    ops/s, median of --rounds runs of --seconds each; the two
                libraries alternate (A B, B A, ...) so drift hits both.
                Measured in two placements (see PLACEMENTS): the client and
                the servers on one CPU (judged against the targets), and
                the client on one CPU with the servers on another
  instructions  client instructions per operation: callgrind total of a run
                with N operations minus one with 0 (same setup and warm-up)
  syscalls      strace -f -c, N operations minus 0, per operation
  allocations   valgrind memcheck "total heap usage", 2N minus N, per op
  peak memory   VmHWM at exit of the throughput runs (median)

Servers: three private memcached processes on free loopback ports, checked
by the PID they report in `stats`, stopped by PID at exit.

Writes a Markdown report (default docs/bench.md) and prints it.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cg_per_op  # noqa: E402  (per-function callgrind costs)
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBIAN_PYTHON = "/usr/bin/python3"
DEBIAN_LIB = "/usr/lib/x86_64-linux-gnu/libmemcached.so.11"
LIBS = ("libmemcached", "ours")

# name, kind, description, op counts (callgrind/strace N, memcheck N), targets
# Targets: instr = max ratio of instructions, thr = min throughput ratio,
# sys = max syscalls/op (ours), alloc = max allocations/op (ours).
WORKLOADS = [
    ("get32-ascii", "c", "get of a 32-byte value, ASCII", 2000, 500,
     dict(instr=0.5, thr=1.0, sys=2, alloc=1)),
    ("get32-binary", "c", "get of a 32-byte value, binary", 2000, 500,
     dict(instr=0.5, thr=1.0, sys=2, alloc=1)),
    ("set32-ascii", "c", "set of a 32-byte value, ASCII", 2000, 500,
     dict(instr=0.5, thr=1.0, alloc=0)),
    ("set32-binary", "c", "set of a 32-byte value, binary", 2000, 500,
     dict(instr=0.5, thr=1.0, alloc=0)),
    ("mget100-1srv", "c", "mget of 100 keys (32-byte values), one server, "
     "all fetched with memcached_fetch_result; op = batch", 200, 50,
     dict(instr=0.5, thr=1.0, alloc=1)),
    ("mget100-3srv-ketama", "c", "the same over three servers, "
     "MEMCACHED_BEHAVIOR_KETAMA; op = batch", 200, 50,
     dict(instr=0.5, thr=1.3, alloc=1)),
    ("mget100-3srv-ketama-binary", "c", "the same in the binary protocol (what "
     "SASL users run)", 200, 50,
     dict(instr=0.5, thr=1.0, alloc=1)),
    ("set512k", "c", "set of a 512 KiB value, ASCII", 40, 10,
     dict(instr=0.1, thr=1.0, alloc=0)),
    ("get512k", "c", "get of a 512 KiB value, ASCII (compared whole outside "
     "the measured loop, sampled inside it)", 40, 10,
     dict(instr=0.1, thr=1.0, alloc=1)),
    ("noreply10k", "c", "10,000 noreply sets (32-byte) then one get; "
     "op = batch", 3, 1,
     dict(instr=0.5, thr=1.0, alloc=1)),
    ("pylibmc", "py", "pylibmc 1.6.3 (Debian python3-pylibmc) Client.set + "
     "Client.get of 32-byte values, ASCII; op = set+get (the interpreter's "
     "and pylibmc's own instructions, the same over both libraries, are shown "
     "apart)", 1000, 250,
     dict(instr=0.6, instr_lib=0.5, thr=1.0)),
]

BUILD = os.path.join(REPO, "build", "bench")
BENCH_BIN = os.path.join(BUILD, "bench")
OURS_SNAP = os.path.join(BUILD, "ours")
PY_LOOP = os.path.join(REPO, "benches", "pylibmc_loop.py")
DELAY_PROXY = os.path.join(REPO, "benches", "delay_proxy.py")

# The round-trip workload (bench.c's `request`: get of a present key, get of
# a missing key, set of it, memcached_quit) through benches/delay_proxy.py,
# which delays every byte RT_DELAY_MS each way, so an application round trip
# costs 2 × RT_DELAY_MS. Settings: name, the server's SASL mechanism list
# (None: no SASL), target (round trips per request, at most).
RT_DELAY_MS = 10.0
RT_SETTINGS = [
    ("no SASL", None, 3.3),
    ("SASL, mechanisms \"plain\"", "plain", 3.3),
    ("SASL, mechanisms \"plain cram-md5\"", "plain cram-md5", 4.3),
]
RT_USER = "benchuser"
RT_PASSWORD = "bench-Pa55word"

# Where the client and the servers run, by CPU list for taskset. Left to the
# scheduler, a run lands either on the servers' CPU or on the other one, and
# on a virtual machine a wake-up that crosses CPUs can cost tens of
# microseconds: the same binary measured 13,000 or 105,000 gets/s here
# depending on where it happened to start. Each placement is pinned so that
# runs compare the libraries, not the placement. "one-cpu" (client, servers
# and their kernel work on CPU 0) is what the targets are judged on;
# "split" (client on CPU 0, servers on CPU 1) shows the cross-CPU regime.
PLACEMENTS = [
    ("one-cpu", "0", "0"),
    ("split", "0", "1"),
]


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class Servers:
    """Three private memcached servers; stop() kills exactly those PIDs."""

    def __init__(self):
        self.procs = []
        self.addrs = []
        # CPU list the client is pinned to (None: not pinned).
        self.client_cpus = None

    @staticmethod
    def _free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    @staticmethod
    def _reports_pid(port, pid):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"stats\r\n")
                data = b""
                deadline = time.monotonic() + 2
                while not data.endswith(b"END\r\n") and time.monotonic() < deadline:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                return b"STAT pid %d\r\n" % pid in data
        except OSError:
            return False

    def start(self, count=3):
        user = ["-u", "root"] if os.geteuid() == 0 else []
        for _ in range(count):
            for _attempt in range(10):
                port = self._free_port()
                proc = subprocess.Popen(
                    ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0",
                     "-t", "1", "-m", "256", "-c", "256"] + user,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for _poll in range(100):  # up to 5 s
                    if self._reports_pid(port, proc.pid):
                        break
                    if proc.poll() is not None:
                        break
                    time.sleep(0.05)
                else:
                    proc.kill()
                    proc.wait(timeout=10)
                    continue
                if proc.poll() is None:
                    self.procs.append(proc)
                    self.addrs.append("127.0.0.1:%d" % port)
                    break
                proc.wait(timeout=10)
            else:
                raise SystemExit("bench: could not start memcached")
        log("memcached pids %s on %s" % (
            " ".join(str(p.pid) for p in self.procs), " ".join(self.addrs)))

    def pin(self, cpus):
        """Move every thread of our servers to the CPUs in `cpus`."""
        for proc in self.procs:
            subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(proc.pid)],
                           check=True, capture_output=True, timeout=30)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()  # by PID (Popen.kill sends SIGKILL to proc.pid)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []


class RoundTrips:
    """memcached (with -S and a sasldb made here when SASL is on) behind a
    delay_proxy.py; everything it starts is stopped by PID."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []

    def sasl_dir(self, mechs):
        d = tempfile.mkdtemp(prefix="sasl-", dir=self.tmp)
        db = os.path.join(d, "sasldb2")
        subprocess.run(["saslpasswd2", "-p", "-a", "memcached", "-c", "-f", db, RT_USER],
                       input=RT_PASSWORD + "\n", text=True, check=True,
                       capture_output=True, timeout=30)
        with open(os.path.join(d, "memcached.conf"), "w") as f:
            f.write("mech_list: %s\nsasldb_path: %s\n" % (mechs, db))
        return d

    @staticmethod
    def _accepts(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    def start_server(self, mechs):
        env = dict(os.environ)
        args = []
        if mechs is not None:
            env["SASL_CONF_PATH"] = self.sasl_dir(mechs)
            args.append("-S")
        if os.geteuid() == 0:
            args += ["-u", "root"]
        for _attempt in range(10):
            port = Servers._free_port()
            proc = subprocess.Popen(
                ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-t", "1"]
                + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append(proc)
            for _poll in range(100):  # up to 5 s
                if proc.poll() is not None:
                    break
                if self._accepts(port):
                    return port
                time.sleep(0.05)
            self.stop_one(proc)
        raise SystemExit("bench: could not start memcached%s" % (" -S" if mechs else ""))

    def start_proxy(self, upstream, stats):
        proc = subprocess.Popen(
            [DEBIAN_PYTHON, DELAY_PROXY, str(upstream), "--delay-ms", str(RT_DELAY_MS),
             "--stats", stats], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs.append(proc)
        line = proc.stdout.readline()  # the proxy prints its port once it listens
        m = re.match(r"port=(\d+)", line)
        if not m:
            self.stop_one(proc)
            raise SystemExit("bench: delay_proxy.py did not start")
        return int(m.group(1))

    def stop_one(self, proc):
        if proc.poll() is None:
            proc.kill()  # by PID
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if proc in self.procs:
            self.procs.remove(proc)

    def stop(self):
        for proc in list(self.procs):
            self.stop_one(proc)


def read_proxy_stats(path):
    try:
        with open(path) as f:
            return {k: int(v) for k, v in (kv.split("=") for kv in f.read().split())}
    except (OSError, ValueError):
        return {"connections": 0, "turnarounds": 0}


def proxy_round_trip(port, exchanges=15):
    """Seconds one request/reply exchange takes through the proxy on
    `port` (median): binary SASL_LIST_MECHS requests (answered without
    authentication, by a server without SASL with an error), one at a
    time, on one connection."""
    request = bytes([0x80, 0x20]) + bytes(22)
    times = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(exchanges):
            t0 = time.monotonic()
            s.sendall(request)
            reply = b""
            while len(reply) < 24 or len(reply) < 24 + int.from_bytes(reply[8:12], "big"):
                chunk = s.recv(4096)
                if not chunk:
                    raise SystemExit("bench: the proxy closed during calibration")
                reply += chunk
            times.append(time.monotonic() - t0)
    return statistics.median(times)


def measure_round_trips(requests):
    """Round trips per request for every RT_SETTINGS entry and library:
    elapsed time of `requests` requests (the first connect included) over
    the 2 × RT_DELAY_MS a round trip costs."""
    res = {}
    tmp = tempfile.mkdtemp(prefix="bench-rt-")
    rt = RoundTrips(tmp)
    try:
        for name, mechs, _target in RT_SETTINGS:
            port = rt.start_server(mechs)
            stats = os.path.join(tmp, "proxy.stats")
            proxy = rt.start_proxy(port, stats)
            for lib in LIBS:
                # The cost of one round trip through the proxy as it runs now
                # (its 2 × RT_DELAY_MS plus its own scheduling delays).
                unit = proxy_round_trip(proxy)
                env_extra = {"BENCH_DIRECT": "127.0.0.1:%d" % port}
                if mechs is not None:
                    env_extra.update(BENCH_SASL_USER=RT_USER, BENCH_SASL_PASSWORD=RT_PASSWORD)
                before = read_proxy_stats(stats)
                cmd = [BENCH_BIN, "request", "127.0.0.1:%d" % proxy, "--ops", str(requests)]
                env = lib_env(lib)
                env.update(env_extra)
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                                      timeout=120 + requests * 2)
                if proc.returncode != 0:
                    raise SystemExit("bench: request/%s (%s) failed (%d):\n%s%s" % (
                        lib, name, proc.returncode, proc.stdout, proc.stderr[-4000:]))
                f = parse_result(proc.stdout, lib, "request/%s" % lib)
                after = read_proxy_stats(stats)
                secs, first = float(f["seconds"]), float(f["first_seconds"])
                nominal = 2 * RT_DELAY_MS / 1000.0
                later = (secs - first) / (requests - 1) if requests > 1 else first
                res[(name, lib)] = {
                    "rt": later / unit,
                    "rt_first": first / unit,
                    "rt_nominal": later / nominal,
                    "unit_ms": unit * 1000.0,
                    "ms": later * 1000.0,
                    "conns": (after["connections"] - before["connections"]) / requests,
                    "turns": (after["turnarounds"] - before["turnarounds"]) / requests,
                }
                log("round trips, %s, %s: %.2f per request" % (name, lib, res[(name, lib)]["rt"]))
            rt.stop()
    finally:
        rt.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          timeout=120, **kw).stdout.strip()


def build_bench():
    os.makedirs(BUILD, exist_ok=True)
    # Debian's headers and library only: no -I include, no rpath.
    subprocess.run(["gcc", "-std=c99", "-O2", "-g", "-Wall", "-Wextra", "-Werror",
                    "-I/usr/include", os.path.join(REPO, "benches", "bench.c"),
                    "-o", BENCH_BIN, "-lmemcached"], check=True, timeout=120)
    dyn = sh(["readelf", "-d", BENCH_BIN])
    if "RPATH" in dyn or "RUNPATH" in dyn:
        raise SystemExit("bench: %s must not carry an rpath" % BENCH_BIN)


def snapshot_ours(src):
    """Copy our staged library so a concurrent `make lib` cannot swap it."""
    src = os.path.abspath(src)
    if not os.path.isfile(os.path.join(src, "libmemcached.so.11.0.0")):
        raise SystemExit("bench: %s has no libmemcached.so.11.0.0 (make lib)" % src)
    shutil.rmtree(OURS_SNAP, ignore_errors=True)
    os.makedirs(OURS_SNAP)
    for so in ("libmemcached.so.11", "libhashkit.so.2", "libmemcachedutil.so.2"):
        if os.path.isfile(os.path.join(src, so + ".0.0")):
            shutil.copy2(os.path.join(src, so + ".0.0"), OURS_SNAP)
            os.symlink(so + ".0.0", os.path.join(OURS_SNAP, so))


def lib_env(lib):
    env = dict(os.environ)
    env.pop("LD_LIBRARY_PATH", None)
    env.pop("LD_PRELOAD", None)
    env["LC_ALL"] = "C"
    # One string hash seed: the interpreter's own instruction count (part
    # of the Python workload's) then repeats from run to run.
    env["PYTHONHASHSEED"] = "0"
    if lib == "ours":
        env["LD_LIBRARY_PATH"] = OURS_SNAP
    return env


def expected_lib(lib):
    if lib == "ours":
        return os.path.realpath(os.path.join(OURS_SNAP, "libmemcached.so.11"))
    return os.path.realpath(DEBIAN_LIB)


def client_pin(servers):
    """The taskset prefix that puts the client on its placement's CPUs."""
    return ["taskset", "-c", servers.client_cpus] if servers.client_cpus else []


def workload_cmd(name, kind, servers, mode, amount):
    """The workload's command line (unpinned: see client_pin)."""
    if kind == "py":
        return [DEBIAN_PYTHON, PY_LOOP, servers.addrs[0], mode, str(amount)]
    return [BENCH_BIN, name, ",".join(servers.addrs), mode, str(amount)]


def parse_result(out, lib, what):
    line = [l for l in out.splitlines() if l.startswith("ops=")]
    if not line:
        raise SystemExit("bench: %s printed no result:\n%s" % (what, out))
    fields = dict(kv.split("=", 1) for kv in line[-1].split())
    if os.path.realpath(fields["lib"]) != expected_lib(lib):
        raise SystemExit("bench: %s loaded %s, expected %s"
                         % (what, fields["lib"], expected_lib(lib)))
    return fields


def run(cmd, lib, what, timeout):
    proc = subprocess.run(cmd, env=lib_env(lib), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit("bench: %s failed (%d):\n%s%s"
                         % (what, proc.returncode, proc.stdout, proc.stderr[-4000:]))
    return parse_result(proc.stdout, lib, what)


def throughput(w, lib, servers, secs):
    name, kind = w[0], w[1]
    f = run(client_pin(servers) + workload_cmd(name, kind, servers, "--seconds", secs), lib,
            "%s/%s throughput" % (name, lib), timeout=secs + 60)
    return float(f["ops_per_sec"]), float(f["cpu_us_per_op"]), int(f["vmhwm_kb"])


def callgrind_total(w, lib, servers, n):
    name, kind = w[0], w[1]
    out = os.path.join(BUILD, "callgrind", "%s.%s.%d.out" % (name, lib, n))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    run(client_pin(servers) + ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
        + workload_cmd(name, kind, servers, "--ops", n), lib,
        "%s/%s callgrind %d" % (name, lib, n), timeout=600)
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1]), out
    raise SystemExit("bench: no totals in " + out)


# Objects of the Python workload that are not a C library's work: the
# interpreter and pylibmc's extension module (the same code over both
# libraries).
INTERPRETER_OBJECTS = ("python3", "_pylibmc")


def interpreter_share(base_file, full_file):
    """Instructions of INTERPRETER_OBJECTS in a run of N minus a run of 0."""
    diff, objs = cg_per_op.difference(base_file, full_file)
    return sum(cost for func, cost in diff.items()
               if any(o in objs.get(func, "") for o in INTERPRETER_OBJECTS))


def strace_counts(w, lib, servers, n):
    name, kind = w[0], w[1]
    out = os.path.join(BUILD, "strace", "%s.%s.%d.txt" % (name, lib, n))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    run(client_pin(servers) + ["strace", "-f", "-c", "-o", out]
        + workload_cmd(name, kind, servers, "--ops", n), lib,
        "%s/%s strace %d" % (name, lib, n), timeout=600)
    counts = {}
    with open(out) as f:
        for line in f:
            t = line.split()
            if len(t) >= 5 and re.fullmatch(r"[\d.]+", t[0]) and t[3].isdigit():
                counts[t[-1]] = int(t[3])
    counts.pop("total", None)
    return counts


def heap_usage(w, lib, servers, n):
    name, kind = w[0], w[1]
    out = os.path.join(BUILD, "memcheck", "%s.%s.%d.txt" % (name, lib, n))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    run(client_pin(servers) + ["valgrind", "--tool=memcheck", "--leak-check=no", "--log-file=" + out]
        + workload_cmd(name, kind, servers, "--ops", n), lib,
        "%s/%s memcheck %d" % (name, lib, n), timeout=600)
    with open(out) as f:
        m = re.search(r"total heap usage: ([\d,]+) allocs, [\d,]+ frees, "
                      r"([\d,]+) bytes allocated", f.read())
    if not m:
        raise SystemExit("bench: no heap summary in " + out)
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def trace_one_op(w, lib, servers):
    """strace of one operation: the lines between the two getppid markers."""
    name, kind = w[0], w[1]
    out = os.path.join(BUILD, "strace", "%s.%s.one.txt" % (name, lib))
    run(client_pin(servers) + ["strace", "-f", "-s", "48", "-o", out]
        + workload_cmd(name, kind, servers, "--ops", 1), lib,
        "%s/%s strace one" % (name, lib), timeout=120)
    lines, inside = [], False
    with open(out) as f:
        for line in f:
            if "getppid()" in line:
                if inside:
                    break
                inside = True
                continue
            if inside:
                # Drop the PID prefix strace -f adds.
                lines.append(re.sub(r"^\d+\s+", "", line.rstrip()))
    return lines


def paired_ratio(theirs, ours):
    """Median over rounds of ours/theirs (runs of one round are adjacent)."""
    ratios = [o / t for t, o in zip(theirs, ours) if t > 0]
    return statistics.median(ratios) if ratios else None


def cpu_ratio(theirs_us, ours_us):
    """Throughput ratio by client CPU time: median over rounds of
    theirs/ours µs per operation."""
    ratios = [t / o for t, o in zip(theirs_us, ours_us) if o > 0]
    return statistics.median(ratios) if ratios else None


def thirds(values):
    """`values` split into three consecutive runs (rounds 1..n/3, ...)."""
    n = len(values) // 3
    return [values[i * n:(i + 1) * n] for i in range(3)] if n else []


def fmt_num(v, digits):
    if v is None:
        return "—"
    if digits == 0:
        return "{:,.0f}".format(v)
    return "{:,.{}f}".format(v, digits)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ours", default=os.path.join(REPO, "build", "lib"),
                    help="staged directory of our library (default build/lib)")
    ap.add_argument("--out", default=os.path.join(REPO, "docs", "bench.md"))
    ap.add_argument("--rounds", type=int, default=21,
                    help="throughput runs per library and workload (default 21)")
    ap.add_argument("--seconds", type=float, default=0.15,
                    help="length of one throughput run (default 0.15)")
    ap.add_argument("--workloads", default="",
                    help="comma-separated subset of workloads")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply the valgrind/strace operation counts")
    ap.add_argument("--command", default="",
                    help="command line to record in the report")
    ap.add_argument("--requests", type=int, default=25,
                    help="requests per library and setting in the round-trip "
                    "workload (default 25; 0 skips it)")
    args = ap.parse_args()

    started = time.monotonic()
    args.load_before = os.getloadavg()
    workloads = WORKLOADS
    if args.workloads:
        wanted = args.workloads.split(",")
        unknown = set(wanted) - {w[0] for w in WORKLOADS}
        if unknown:
            raise SystemExit("bench: unknown workloads: " + ", ".join(sorted(unknown)))
        workloads = [w for w in WORKLOADS if w[0] in wanted]
    have_pylibmc = subprocess.run(
        [DEBIAN_PYTHON, "-c", "import pylibmc"], capture_output=True).returncode == 0
    if not have_pylibmc:
        log("python3-pylibmc is not installed: skipping the pylibmc workload")
        workloads = [w for w in workloads if w[1] != "py"]

    build_bench()
    snapshot_ours(args.ours)
    servers = Servers()

    def on_signal(signum, _frame):
        raise SystemExit("bench: signal %d" % signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        rts = measure_round_trips(args.requests) if args.requests > 0 else {}
        servers.start(3)
        results = measure(workloads, servers, args)
        results["round_trips"] = rts
        traces = {}
        for w in workloads:
            if w[0] in ("get32-ascii", "get32-binary"):
                for lib in LIBS:
                    traces[(w[0], lib)] = trace_one_op(w, servers=servers, lib=lib)
    finally:
        servers.stop()

    args.load_after = os.getloadavg()
    report = render(workloads, results, traces, args, time.monotonic() - started)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(report)
    print(report)
    log("wrote %s in %.0f s" % (args.out, time.monotonic() - started))


def placements():
    """The placements this machine can run (split needs a second CPU)."""
    have = os.sched_getaffinity(0)
    return [p for p in PLACEMENTS
            if all(int(c) in have for c in (p[1] + "," + p[2]).split(","))]


def measure(workloads, servers, args):
    res = {}
    for place, client_cpus, server_cpus in placements():
        servers.pin(server_cpus)
        servers.client_cpus = client_cpus
        for w in workloads:
            for lib in LIBS:
                res[(w[0], lib, place)] = {"thr": [], "cpu": [], "hwm": []}
        # Throughput: rounds outermost, the library order alternating per round.
        for r in range(args.rounds):
            order = LIBS if r % 2 == 0 else LIBS[::-1]
            log("%s: throughput round %d/%d" % (place, r + 1, args.rounds))
            for w in workloads:
                for lib in order:
                    ops, cpu, hwm = throughput(w, lib, servers, args.seconds)
                    res[(w[0], lib, place)]["thr"].append(ops)
                    res[(w[0], lib, place)]["cpu"].append(cpu)
                    res[(w[0], lib, place)]["hwm"].append(hwm)
    # The judged placement's throughput is the main table's; the
    # deterministic figures are taken in it too.
    place, client_cpus, server_cpus = placements()[0]
    servers.pin(server_cpus)
    servers.client_cpus = client_cpus
    for w in workloads:
        for lib in LIBS:
            res[(w[0], lib)] = res[(w[0], lib, place)]
    # Deterministic figures.
    for w in workloads:
        name = w[0]
        n = max(1, int(w[3] * args.scale))
        hn = max(1, int(w[4] * args.scale))
        for lib in LIBS:
            log("%s/%s: callgrind, strace, memcheck" % (name, lib))
            r = res[(name, lib)]
            base, base_file = callgrind_total(w, lib, servers, 0)
            full, cg_file = callgrind_total(w, lib, servers, n)
            r["instr"] = (full - base) / n
            r["callgrind_file"] = cg_file
            if w[1] == "py":
                r["instr_lib"] = r["instr"] - interpreter_share(base_file, cg_file) / n
            s0 = strace_counts(w, lib, servers, 0)
            s1 = strace_counts(w, lib, servers, n)
            per = {k: (s1.get(k, 0) - s0.get(k, 0)) / n for k in set(s0) | set(s1)}
            r["sys_by_name"] = {k: v for k, v in per.items() if abs(v) >= 0.005}
            r["sys"] = (sum(s1.values()) - sum(s0.values())) / n
            a1, b1 = heap_usage(w, lib, servers, hn)
            a2, b2 = heap_usage(w, lib, servers, 2 * hn)
            r["alloc"] = (a2 - a1) / hn
            r["alloc_bytes"] = (b2 - b1) / hn
    return res


def machine_facts():
    facts = []
    try:
        with open("/proc/cpuinfo") as f:
            model = re.search(r"model name\s*:\s*(.*)", f.read())
        facts.append("CPU: %s, %d online" % (model.group(1) if model else "?",
                                                os.cpu_count() or 0))
    except OSError:
        pass
    facts.append("kernel: " + os.uname().release)
    try:
        facts.append("memcached: " + sh(["memcached", "-V"]))
    except (subprocess.SubprocessError, OSError):
        pass
    try:
        facts.append("libmemcached: Debian libmemcached11 " + sh(
            ["dpkg-query", "-W", "-f", "${Version}", "libmemcached11"]))
    except (subprocess.SubprocessError, OSError):
        pass
    try:
        head = sh(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
        dirty = sh(["git", "-C", REPO, "status", "--porcelain", "--", "src"])
        digest = sh(["sha256sum", os.path.join(OURS_SNAP, "libmemcached.so.11.0.0")])
        facts.append("ours: libmemcached-rs at %s%s, libmemcached.so.11.0.0 sha256 %s…"
                     % (head, " with uncommitted changes in src/" if dirty else "",
                        digest.split()[0][:16]))
    except (subprocess.SubprocessError, OSError):
        pass
    return facts


def render(workloads, res, traces, args, elapsed):
    cmd = args.command or " ".join(["benches/bench.py"] + sys.argv[1:])
    out = []
    out.append("# Benchmark: Debian libmemcached 1.1.4 vs libmemcached-rs\n")
    out.append("Produced by `%s` (%s), in %.0f s.\n"
               % (cmd, time.strftime("%Y-%m-%d %H:%M %Z"), elapsed))
    facts = machine_facts()
    facts.append("load average (1/5/15 min) before: %s, after: %s" % (
        " ".join("%.2f" % x for x in args.load_before),
        " ".join("%.2f" % x for x in args.load_after)))
    out.append("\n".join("- " + f for f in facts) + "\n")
    out.append(
        "One C program (`benches/bench.c`), compiled once against Debian's 1.1.4 "
        "headers, and `benches/pylibmc_loop.py` under Debian's python3-pylibmc run "
        "against both libraries, the library chosen with `LD_LIBRARY_PATH` (each "
        "run checks which file it loaded). Three private memcached servers "
        "(`-t 1`) on loopback. Placement: the client and the servers pinned to "
        "CPU 0 (`taskset`; left to the scheduler, a run lands on the servers' CPU or "
        "on the other one, and on a virtual machine a wake-up across CPUs can cost "
        "tens of microseconds, so the same binary's throughput changes several-fold "
        "with where it started); the table after this one repeats the throughput "
        "runs with the servers on CPU 1. Throughput, CPU (the judged figure): "
        "operations per second of the client's own CPU time (user + system, "
        "`CLOCK_PROCESS_CPUTIME_ID` around the measured loop), median of %d "
        "alternating runs of %.2f s each, its ratio the median of the per-round "
        "ratios; throughput, wall: operations per wall-clock second of the same "
        "runs (noisy on a shared machine, shown beside it). Instructions (callgrind), system calls (`strace -f -c`): a run of N "
        "operations minus a run of 0, divided by N, so setup and the warm-up "
        "operation cancel. Allocations: valgrind memcheck's `total heap usage`, "
        "2N operations minus N, divided by N. Peak memory: VmHWM of the "
        "throughput runs (median). Client CPU µs/op: the same CPU time per "
        "operation, median of the throughput runs. Ratio = "
        "ours / libmemcached: higher is better for throughput, lower for "
        "everything else.\n"
        % (args.rounds, args.seconds))
    out.append("| workload | metric | libmemcached | ours | ratio | target | met |")
    out.append("|---|---|---:|---:|---:|---|---|")
    misses = []
    for w in workloads:
        name, t = w[0], w[5]
        d, o = res[(name, "libmemcached")], res[(name, "ours")]
        rows = [
            ("throughput, CPU (ops per client CPU s)", 1e6 / statistics.median(d["cpu"]),
             1e6 / statistics.median(o["cpu"]), 0, "ratio>=", t.get("thr"),
             cpu_ratio(d["cpu"], o["cpu"])),
            ("throughput, wall (ops/s)", statistics.median(d["thr"]),
             statistics.median(o["thr"]), 0, None, None,
             paired_ratio(d["thr"], o["thr"])),
            ("client CPU µs/op", statistics.median(d["cpu"]),
             statistics.median(o["cpu"]), 1, None, None),
            ("instructions/op", d["instr"], o["instr"], 0, "ratio<=", t.get("instr")),
        ]
        if "instr_lib" in d:
            rows.append(("instructions/op without the interpreter's and pylibmc's",
                         d["instr_lib"], o["instr_lib"], 0, "ratio<=", t.get("instr_lib")))
        rows += [
            ("syscalls/op", d["sys"], o["sys"], 2, "abs<=", t.get("sys")),
            ("allocations/op", d["alloc"], o["alloc"], 2, "abs<=", t.get("alloc")),
            ("heap bytes/op", d["alloc_bytes"], o["alloc_bytes"], 0, None, None),
            ("peak RSS (KiB)", statistics.median(d["hwm"]),
             statistics.median(o["hwm"]), 0, None, None),
        ]
        for metric, dv, ov, digits, kind, target, *paired in rows:
            ratio = paired[0] if paired else (ov / dv if dv else None)
            tgt, met = "", ""
            if target is not None:
                if kind == "ratio>=":
                    tgt = "≥ %.1f×" % target
                    ok = ratio is not None and ratio >= target
                elif kind == "ratio<=":
                    tgt = "≤ %.1f×" % target
                    ok = ratio is not None and ratio <= target
                else:
                    tgt = "≤ %g" % target
                    ok = ov <= target + 0.005
                met = "yes" if ok else "**no**"
                if not ok:
                    misses.append("%s %s: %s %s (target %s)" % (
                        name, metric, fmt_num(ov, digits),
                        "(%.2f×)" % ratio if ratio is not None else "", tgt))
            out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                name, metric, fmt_num(dv, digits), fmt_num(ov, digits),
                "%.2f×" % ratio if ratio is not None else "—", tgt, met))
    out.append("")
    split = [p for p in placements() if p[0] != placements()[0][0]]
    for place, client_cpus, server_cpus in split:
        out.append("## Throughput with the client on CPU %s and the servers on CPU %s\n"
                   % (client_cpus, server_cpus))
        out.append(
            "Every wake-up now crosses CPUs. Both libraries make the same system "
            "calls for a single get or set, so there the cost of those wake-ups "
            "decides; in the multi-gets our client finishes each reply sooner and "
            "so more often sleeps until the next server answers. Not judged against "
            "the targets (see the placement note above).\n")
        out.append("| workload | libmemcached (ops/s) | ours (ops/s) | ratio | "
                   "client CPU µs/op libmemcached | ours |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for w in workloads:
            d, o = res[(w[0], "libmemcached", place)], res[(w[0], "ours", place)]
            out.append("| %s | %s | %s | %.2f× | %s | %s |" % (
                w[0], fmt_num(statistics.median(d["thr"]), 0),
                fmt_num(statistics.median(o["thr"]), 0),
                paired_ratio(d["thr"], o["thr"]),
                fmt_num(statistics.median(d["cpu"]), 1),
                fmt_num(statistics.median(o["cpu"]), 1)))
        out.append("")
    rts = res.get("round_trips") or {}
    if rts:
        out.append("## Round trips per web request\n")
        out.append(
            "`benches/bench.c request`: per request a get of a present key, a get of a "
            "missing key, a set of it and `memcached_quit`, with the README's Django "
            "settings (binary protocol), %d requests per run on one handle (its first "
            "connection included), through `benches/delay_proxy.py`, which delays every "
            "byte %.0f ms each way (the TCP handshake is not delayed). Round trips = "
            "time per request / the measured time of one request/reply exchange through "
            "the proxy just before the run (median of 15 binary requests; %.0f ms plus the proxy's own "
            "scheduling delays, shown as \"unit\"; \"nominal\" divides by %.0f ms "
            "instead), for the requests after the first (the target allows the handle's "
            "first connection one more) and for the first alone; 3 are the operations "
            "themselves. "
            "Client turn-arounds: the proxy's count of client writes after the server "
            "last spoke (includes the `quit`, which nobody waits for).\n"
            % (args.requests, RT_DELAY_MS, 2 * RT_DELAY_MS, 2 * RT_DELAY_MS))
        out.append("| server | round trips libmemcached | ours | target (ours) | met "
                   "| nominal libmemcached | ours | unit (ms) libmemcached | ours "
                   "| first request libmemcached | ours "
                   "| ms/request libmemcached | ours | turn-arounds libmemcached | ours "
                   "| connections/request libmemcached | ours |")
        out.append("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, _mechs, target in RT_SETTINGS:
            d, o = rts[(name, "libmemcached")], rts[(name, "ours")]
            ok = o["rt"] <= target and o["rt_first"] <= target + 1
            if not ok:
                misses.append("round trips per request, %s: %.2f (target ≤ %.1f)"
                              % (name, o["rt"], target))
            out.append("| %s | %.2f | %.2f | ≤ %.1f | %s | %.2f | %.2f | %.2f | %.2f "
                       "| %.2f | %.2f | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f |" % (
                name, d["rt"], o["rt"], target, "yes" if ok else "**no**",
                d["rt_nominal"], o["rt_nominal"], d["unit_ms"], o["unit_ms"],
                d["rt_first"], o["rt_first"], d["ms"], o["ms"],
                d["turns"], o["turns"], d["conns"], o["conns"]))
        out.append("")
    out.append("## Throughput by client CPU time, in three runs\n")
    out.append(
        "Ops per second of client CPU time (user + system, "
        "`CLOCK_PROCESS_CPUTIME_ID` around the measured loop), placement %s: the "
        "rounds split into three consecutive runs, each run's ratio the median of its "
        "per-round ratios (libmemcached's CPU µs/op over ours). Unlike wall-clock "
        "throughput this does not count time the client spends waiting for a server "
        "that shares its CPU.\n" % placements()[0][0])
    out.append("| workload | run 1 | run 2 | run 3 | spread |")
    out.append("|---|---:|---:|---:|---:|")
    for w in workloads:
        d, o = res[(w[0], "libmemcached")], res[(w[0], "ours")]
        runs = [cpu_ratio(a, b) for a, b in zip(thirds(d["cpu"]), thirds(o["cpu"]))]
        if runs:
            spread = (max(runs) - min(runs)) / statistics.median(runs) * 100
            out.append("| %s | %s | %.0f %% |" % (
                w[0], " | ".join("%.2f×" % r for r in runs), spread))
        else:
            out.append("| %s | — | — | — | (fewer than 3 rounds) |" % w[0])
    out.append("")
    if misses:
        out.append("Targets not met:\n")
        out.extend("- " + m for m in misses)
        out.append("")
    out.append("## Workloads\n")
    out.extend("- `%s`: %s" % (w[0], w[2]) for w in workloads)
    out.append("")
    out.append("## Throughput runs\n")
    out.append(
        "Wall-clock throughput on a shared machine is noisy (see the load "
        "average above); the main table's ratio is the median of per-round "
        "ratios (the two runs of a round are adjacent in time). Two other views "
        "of the same runs: the ratio of the best runs and the ratio of the "
        "medians.\n")
    out.append("| placement | workload | best libmemcached | best ours | ratio of bests "
               "| ratio of medians | runs libmemcached (ops/s) "
               "| runs ours (ops/s) |")
    out.append("|---|---|---:|---:|---:|---:|---|---|")
    for place, _c, _s in placements():
        for w in workloads:
            d = res[(w[0], "libmemcached", place)]["thr"]
            o = res[(w[0], "ours", place)]["thr"]
            out.append("| %s | %s | %s | %s | %.2f× | %.2f× | %s | %s |" % (
                place, w[0], fmt_num(max(d), 0), fmt_num(max(o), 0), max(o) / max(d),
                statistics.median(o) / statistics.median(d),
                " ".join(fmt_num(v, 0) for v in d), " ".join(fmt_num(v, 0) for v in o)))
    out.append("")
    out.append("## System calls per operation, by name\n")
    out.append("| workload | libmemcached | ours |")
    out.append("|---|---|---|")
    for w in workloads:
        cells = []
        for lib in LIBS:
            by = res[(w[0], lib)]["sys_by_name"]
            cells.append(", ".join("%s %.2f" % (k, by[k]) for k in sorted(by, key=lambda k: -by[k]))
                         or "—")
        out.append("| %s | %s | %s |" % (w[0], cells[0], cells[1]))
    out.append("")
    if traces:
        out.append("## One get, as strace sees it\n")
        for (name, lib), lines in traces.items():
            out.append("`%s`, %s:\n" % (name, lib))
            out.append("```")
            out.extend(lines)
            out.append("```\n")
    n = max(1, int(WORKLOADS[1][3] * args.scale))
    out.append("Raw files (callgrind profiles, strace and memcheck logs) are in "
               "`build/bench/`. A per-operation profile (N-operation run minus the "
               "0-operation run, per function): `benches/cg_per_op.py "
               "build/bench/callgrind/get32-binary.ours.0.out "
               "build/bench/callgrind/get32-binary.ours.%d.out %d`.\n" % (n, n))
    return "\n".join(out)


if __name__ == "__main__":
    main()
