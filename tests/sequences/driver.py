#!/usr/bin/env python3
"""Differential sequence tester: runs tests/sequences/seqrun.c over Debian's
libmemcached 1.1.4 and over ours, seed by seed, and compares the traces.

For each seed, on freshly flushed memcached servers (started here on free
loopback ports, stopped by PID, reused across seeds with flush_all between
runs), the runner is run over Debian's library, then over ours (same binary,
LD_LIBRARY_PATH swap). The traces must be identical, or their first
difference must match a rule of tests/sequences/explained.txt, whose ids must
be listed in the README's "Intentional differences from 1.1.4" table.
With --self-check, Debian's library runs a second time and both of its traces
must be identical (the runner must be deterministic). A crash (signal) or a
time-out of either side is reported as such.

Examples:
  driver.py --ours build/lib --seeds 0:500 --corpus tests/sequences/corpus.txt --self-check
  driver.py --ours build/lib --fuzz-seconds 60 --sanitizer valgrind
  driver.py --ours build/lib --seeds 17 --show       # print both traces of one seed

The last line is "sequences: N passed, M failed"; the exit status is 0 when
nothing failed.
"""

import argparse
import ctypes
import fcntl
import os
import queue
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RUNNER_SRC = HERE / "seqrun.c"
HARNESS_DIR = REPO / "ctests"
DEBIAN_LIBDIR = "/usr/lib"

RUN_TIMEOUT = 30.0          # seconds for one plain run
SANITIZER_TIMEOUT = 300.0   # seconds for one run under valgrind / ASan
SERVER_START_TIMEOUT = 5.0

# Ketama placement hashes "host:port", so a seed replays the same sequence
# only on the same ports. As root, every worker thread gets a network
# namespace of its own (loopback only) where its servers use these ports.
FIXED_PORTS = (21211, 21212, 21213)
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


# --------------------------------------------------------------------------
# README ids and rules


def readme_ids(readme):
    """The ids (first column) of the README's intentional-differences table."""
    ids = set()
    in_section = False
    for line in Path(readme).read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_section = line.strip().lower().startswith("## intentional differences")
            continue
        if in_section:
            m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
            if m:
                ids.add(m.group(1))
    return ids


class Rule:
    def __init__(self, rid, lineno):
        self.id = rid
        self.lineno = lineno
        self.debian = None   # regex on Debian's first differing line
        self.ours = None     # regex on our first differing line
        self.before = None   # regex that some line of the common prefix must match
        self.note = ""

    def matches(self, prefix, d_line, o_line):
        if self.debian is not None and not self.debian.search(d_line):
            return False
        if self.ours is not None and not self.ours.search(o_line):
            return False
        if self.before is not None and not any(self.before.search(l) for l in prefix):
            return False
        return True


def load_rules(path, ids):
    """Parses explained.txt; unknown ids or syntax errors are fatal."""
    rules = []
    errors = []
    current = None
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            m = re.match(r"rule\s+(\S+)\s*$", line)
            if not m:
                errors.append(f"{path}:{n}: expected 'rule ID', got {line!r}")
                current = None
                continue
            current = Rule(m.group(1), n)
            if current.id not in ids:
                errors.append(f"{path}:{n}: id `{current.id}` is not in README.md's "
                              f"intentional-differences table")
            rules.append(current)
            continue
        if current is None:
            errors.append(f"{path}:{n}: indented line outside a rule")
            continue
        m = re.match(r"\s+(debian|ours|before|note):\s?(.*)$", line)
        if not m:
            errors.append(f"{path}:{n}: expected 'debian:', 'ours:', 'before:' or 'note:'")
            continue
        key, value = m.group(1), m.group(2)
        if key == "note":
            current.note += value
            continue
        try:
            setattr(current, key, re.compile(value))
        except re.error as e:
            errors.append(f"{path}:{n}: bad regex {value!r}: {e}")
    for r in rules:
        if r.debian is None and r.ours is None:
            errors.append(f"{path}:{r.lineno}: rule {r.id} has neither 'debian:' nor 'ours:'")
    if errors:
        raise SystemExit("explained rules rejected:\n  " + "\n  ".join(errors))
    return rules


# --------------------------------------------------------------------------
# Servers


def enter_private_netns():
    """Moves the calling thread (and the processes it starts from now on)
    into a new network namespace whose loopback interface is up."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWNET): {os.strerror(err)}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, ifr))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))


def netns_available():
    """True when a thread can get a private network namespace (root)."""
    if os.geteuid() != 0:
        return False
    result = []

    def probe():
        try:
            enter_private_netns()
            result.append(True)
        except OSError:
            result.append(False)
    t = threading.Thread(target=probe)
    t.start()
    t.join()
    return result[0]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerSet:
    """The three servers of one worker thread, started afresh for every run:
    memcached keeps state that flush_all does not reset (what its slabs held
    before: 1.6.18's incr/decr parsing can read it), so a run must not depend
    on the runs before it. Stopped by PID."""

    def __init__(self, logdir, ports, tag):
        self.logdir, self.tag = logdir, tag
        self.ports = list(ports) if ports else [free_port() for _ in range(3)]
        self.fixed = bool(ports)
        self.procs = []
        self.fresh()

    def _spawn(self, port):
        args = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0",
                "-t", "1", "-R", "100000", "-m", "64", "-c", "256",
                "-o", "no_lru_crawler,no_lru_maintainer"]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        with open(Path(self.logdir) / f"memcached{self.tag}-{port}.log", "ab") as log:
            return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)

    def fresh(self):
        """Kills the running servers and starts new, empty ones."""
        self.stop()
        for attempt in range(10):
            self.procs = [self._spawn(p) for p in self.ports]
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            pending = list(zip(self.ports, self.procs))
            while pending and time.monotonic() < deadline:
                still = []
                for port, proc in pending:
                    if proc.poll() is not None:
                        still = None
                        break
                    try:
                        with socket.create_connection(("127.0.0.1", port), timeout=1):
                            pass
                    except OSError:
                        still.append((port, proc))
                if still is None:
                    break
                pending = still
                if pending:
                    time.sleep(0.002)
            if pending == []:
                return
            self.stop()
            if self.fixed and attempt >= 2:
                break
            if not self.fixed:
                self.ports = [free_port() for _ in range(3)]
            time.sleep(0.05)
        raise RuntimeError(f"memcached on ports {self.ports} did not start")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []

    def arg(self):
        return ",".join(str(p) for p in self.ports)


# --------------------------------------------------------------------------
# Runs


class Run:
    def __init__(self, lines, status, stderr, timed_out, partial):
        self.lines = lines          # complete trace lines (+ a pseudo-line for a crash)
        self.status = status        # exit status, or -signal
        self.stderr = stderr
        self.timed_out = timed_out
        self.partial = partial      # text after the last newline (the call that crashed)

    def failed(self):
        return self.timed_out or self.status != 0

    def describe(self):
        if self.timed_out:
            return "timed out"
        if self.status < 0:
            try:
                name = __import__("signal").Signals(-self.status).name
            except ValueError:
                name = f"signal {-self.status}"
            return f"crashed with {name}"
        if self.status == 99:
            return "memory errors (sanitizer exit 99)"
        return f"exit status {self.status}"


def run_runner(cmd, env, timeout, stdin_bytes=None):
    try:
        p = subprocess.run(cmd, env=env, input=stdin_bytes,
                           stdin=None if stdin_bytes is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        out, err, status, timed_out = p.stdout, p.stderr, p.returncode, False
    except subprocess.TimeoutExpired as e:
        out, err, status, timed_out = e.stdout or b"", e.stderr or b"", None, True
    text = out.decode("utf-8", "replace")
    lines = text.split("\n")
    partial = lines.pop()  # "" when the output ended with a newline
    run = Run(lines, status if status is not None else -9, err.decode("utf-8", "replace"),
              timed_out, partial)
    if run.failed():
        tail = f" (during: {partial})" if partial else ""
        run.lines = lines + [f"<{run.describe()}{tail}>"]
    return run


def first_difference(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return None if len(a) == len(b) else n


def line_at(lines, i):
    return lines[i] if i < len(lines) else "<end of trace>"


# --------------------------------------------------------------------------
# The tester


class Tester:
    def __init__(self, args):
        self.args = args
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        # Traces of an earlier run would be taken for this run's.
        for old in list(self.out.glob("seed-*")) + list(self.out.glob("memcached*.log")) + \
                [self.out / "failures.tsv"]:
            if old.is_file():
                old.unlink()
        self.ids = readme_ids(args.readme)
        if not self.ids:
            raise SystemExit(f"{args.readme}: no intentional-differences ids found")
        self.rules = load_rules(args.explained, self.ids)
        self.ours = str(Path(args.ours).resolve())
        if not Path(self.ours, "libmemcached.so.11").exists():
            raise SystemExit(f"{self.ours} has no libmemcached.so.11 (run make lib)")
        self.runner = self.build_runner(asan=False)
        self.asan_runner = self.build_runner(asan=True) if args.sanitizer == "asan" else None
        self.netns = args.netns and netns_available()
        if not self.netns:
            print("note: no private network namespace (not root?): servers use free ports, and "
                  "ketama placement (so a seed's sequence) changes from run to run", file=sys.stderr)
        self.lock = threading.Lock()
        self.passed = 0
        self.identical = 0
        self.explained = {}
        self.failures = []   # (seed, text, signature)

    def build_runner(self, asan):
        name = "seqrun-asan" if asan else "seqrun"
        exe = self.out / name
        cmd = ["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-g", "-O1",
               "-I", str(HARNESS_DIR), str(RUNNER_SRC), str(HARNESS_DIR / "harness.c"),
               "-o", str(exe), "-lmemcached", "-lmemcachedutil"]
        if asan:
            cmd[1:1] = ["-fsanitize=address", "-fno-omit-frame-pointer"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            raise SystemExit("building the runner failed:\n" + " ".join(cmd) + "\n"
                             + p.stdout.decode("utf-8", "replace"))
        return str(exe)

    def env(self, ours):
        env = {k: v for k, v in os.environ.items()
               if k not in ("LD_LIBRARY_PATH", "LD_PRELOAD", "MEMCACHED_SERVERS")
               and not k.startswith("LIBMEMCACHED_")}
        env["LD_BIND_NOW"] = "1"
        if self.args.avoid:
            env["SEQRUN_AVOID"] = self.args.avoid
        if ours:
            env["LD_LIBRARY_PATH"] = self.ours
            env["HARNESS_EXPECT_LIB"] = self.ours
        else:
            env["HARNESS_EXPECT_LIB"] = DEBIAN_LIBDIR
        if self.args.sanitizer == "asan":
            env["ASAN_OPTIONS"] = "detect_leaks=1:exitcode=99:abort_on_error=0"
        return env

    def one_run(self, servers, seed, ours, fuzz=None, sanitize=False, extra_env=None):
        servers.fresh()
        ports = servers.arg()
        timeout = self.args.timeout
        if sanitize and self.args.sanitizer == "valgrind":
            cmd = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                   "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
                   self.runner]
            timeout = max(timeout, SANITIZER_TIMEOUT)
        elif sanitize and self.args.sanitizer == "asan":
            cmd = [self.asan_runner]
            timeout = max(timeout, SANITIZER_TIMEOUT)
        else:
            cmd = [self.runner]
        cmd += [str(seed), ports]
        if fuzz is not None:
            cmd.append("-")
        env = self.env(ours)
        env.update(extra_env or {})
        return run_runner(cmd, env, timeout, fuzz)

    def explain(self, prefix, d_line, o_line):
        for r in self.rules:
            if r.matches(prefix, d_line, o_line):
                return r.id
        return None

    def report(self, seed, what, a_name, a, b_name, b, i, fuzz_file=None):
        ctx = self.args.context
        lines = [f"seed {seed}: {what}"]
        if fuzz_file:
            lines.append(f"  fuzz bytes: {fuzz_file}")
            lines.append(f"  corpus line: {seed} {Path(fuzz_file).read_bytes().hex()}")
        for name, run in ((a_name, a), (b_name, b)):
            if run.failed():
                lines.append(f"  {name}: {run.describe()}")
                err = [l for l in run.stderr.splitlines() if not l.startswith("harness: loaded")]
                for l in err[-12:]:
                    lines.append(f"    stderr| {l}")
        lines.append(f"  common lines before the difference ({i} in all, last {ctx}):")
        for l in a.lines[max(0, i - ctx):i]:
            lines.append(f"      {l}")
        for name, run in ((a_name, a), (b_name, b)):
            lines.append(f"  {name}:")
            for l in run.lines[i:i + self.args.after]:
                lines.append(f"    | {l}")
            if i >= len(run.lines):
                lines.append("    | <end of trace>")
        return "\n".join(lines)

    def save(self, seed, tag, run):
        path = self.out / f"seed-{seed}.{tag}.txt"
        path.write_text("\n".join(run.lines) + "\n" + (f"(partial) {run.partial}\n" if run.partial and not run.failed() else ""))
        if run.stderr.strip():
            (self.out / f"seed-{seed}.{tag}.stderr").write_text(run.stderr)
        return path

    def compare(self, deb, ours):
        """(outcome, index of the first difference): outcome is "identical", a
        rule id, or "failed"."""
        i = first_difference(deb.lines, ours.lines)
        if i is None and not ours.failed() and not deb.failed():
            return "identical", None
        if i is None:
            i = len(deb.lines)
        if ours.failed() and ours.status == 99:
            return "failed", i
        rid = self.explain(deb.lines[:i], line_at(deb.lines, i), line_at(ours.lines, i))
        return (rid, i) if rid is not None else ("failed", i)

    def minimize(self, seed):
        """Shrinks a failing seed: fewer operations (SEQRUN_OPS), then fewer
        choice bytes (SEQRUN_RECORD's replay), as long as the first
        difference keeps its signature. Prints the shortest pair of traces."""
        servers = self.start_servers()
        try:
            rec = self.out / f"seed-{seed}.rec"
            deb = self.one_run(servers, seed, ours=False, extra_env={"SEQRUN_RECORD": str(rec)})
            ours = self.one_run(servers, seed, ours=True)
            outcome, i = self.compare(deb, ours)
            if outcome != "failed":
                print(f"seed {seed}: nothing to shrink ({outcome})")
                return 0
            target = shrink_signature(line_at(deb.lines, i), line_at(ours.lines, i))
            data = rec.read_bytes()
            m = re.search(r"ops=(\d+)", deb.lines[0] if deb.lines else "")
            ops = int(m.group(1)) if m else 80
            tries = [0]
            best = [deb, ours, i]

            recorded = [data, []]
            cand_rec = self.out / f"seed-{seed}.cand.rec"

            def fails(cand, n):
                if tries[0] >= self.args.shrink_tries:
                    return False
                tries[0] += 1
                env = {"SEQRUN_OPS": str(n)}
                d = self.one_run(servers, seed, False, fuzz=cand,
                                 extra_env=dict(env, SEQRUN_RECORD=str(cand_rec)))
                o = self.one_run(servers, seed, True, fuzz=cand, extra_env=env)
                out, j = self.compare(d, o)
                if out == "failed" and shrink_signature(line_at(d.lines, j), line_at(o.lines, j)) == target:
                    best[:] = [d, o, j]
                    steps_file = Path(str(cand_rec) + ".steps")
                    recorded[:] = [cand_rec.read_bytes(),
                                   [int(x) for x in steps_file.read_text().split()]]
                    return True
                return False

            if not fails(data, ops):
                print(f"seed {seed}: the recorded choices do not replay the difference; not shrunk")
                return 1
            # Fewest operations: the smallest count that fails, by halving.
            lo, hi = 0, ops
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if fails(data, mid):
                    hi = mid
                else:
                    lo = mid
            ops = hi
            fails(data, ops)
            data, steps = recorded[0], recorded[1]
            # Then drop whole operations, last first, while it still fails.
            changed = True
            while changed and tries[0] < self.args.shrink_tries:
                changed = False
                k = min(ops, len(steps) - 1) - 1
                while k >= 0 and tries[0] < self.args.shrink_tries:
                    cand = data[:steps[k]] + data[steps[k + 1]:]
                    if fails(cand, ops - 1):
                        ops -= 1
                        data, steps = recorded[0], recorded[1]
                        changed = True
                    k = min(k - 1, len(steps) - 2)
            fails(data, ops)  # leaves the final traces in best
            d, o, j = best
            path = self.out / f"seed-{seed}.min.fuzz"
            path.write_bytes(data)
            print(f"seed {seed}: shrunk to {ops} operations, {len(data)} choice bytes "
                  f"({tries[0]} runs); difference at trace line {j}")
            print(f"  replay: SEQRUN_OPS={ops} {self.runner} {seed} PORT,PORT,PORT {path}")
            for name, run in (("debian", d), ("ours", o)):
                print(f"  --- {name}" + (f" ({run.describe()})" if run.failed() else ""))
                for k, l in enumerate(run.lines):
                    if l.startswith("dump ") and k < j:
                        continue  # the dump matters only where it differs
                    print(f"    {'>' if k == j else ' '} {l}")
            return 0
        finally:
            servers.stop()

    def check_seed(self, servers, seed, fuzz=None):
        """Returns (ok, outcome, text, signature)."""
        deb = self.one_run(servers, seed, ours=False, fuzz=fuzz)
        ours = self.one_run(servers, seed, ours=True, fuzz=fuzz,
                            sanitize=self.args.sanitizer is not None)
        fuzz_file = None
        if fuzz is not None:
            fuzz_file = self.out / f"seed-{seed}.fuzz"
        if self.args.self_check:
            deb2 = self.one_run(servers, seed, ours=False, fuzz=fuzz)
            i = first_difference(deb.lines, deb2.lines)
            if i is not None or deb.failed() != deb2.failed():
                if fuzz is not None:
                    fuzz_file.write_bytes(fuzz)
                self.save(seed, "debian", deb)
                self.save(seed, "debian2", deb2)
                text = self.report(seed, "NONDETERMINISTIC: two runs over Debian's library differ",
                                   "debian run 1", deb, "debian run 2", deb2, i or 0, fuzz_file)
                return False, "nondeterministic", text, "nondeterministic"
        if self.args.show:
            print(f"=== seed {seed} debian ===")
            print("\n".join(deb.lines))
            print(f"=== seed {seed} ours ===")
            print("\n".join(ours.lines))
        outcome, i = self.compare(deb, ours)
        if outcome != "failed":
            return True, outcome, None, None
        d_line, o_line = line_at(deb.lines, i), line_at(ours.lines, i)
        if fuzz is not None:
            fuzz_file.write_bytes(fuzz)
        self.save(seed, "debian", deb)
        self.save(seed, "ours", ours)
        if ours.failed() and ours.status == 99:
            what = "MEMORY ERRORS in our library (sanitizer)"
        elif ours.failed():
            what = f"OURS {ours.describe().upper()}"
        elif deb.failed():
            what = f"DEBIAN {deb.describe().upper()} (no rule explains it)"
        else:
            what = "traces differ (no rule explains it)"
        text = self.report(seed, what, "debian", deb, "ours", ours, i, fuzz_file)
        return False, "failed", text, signature(d_line, o_line)

    def start_servers(self):
        """Three servers for the calling thread: in a private network
        namespace on FIXED_PORTS (reproducible placement), or on free ports."""
        tag = f"-t{threading.get_ident()}"
        if self.netns:
            enter_private_netns()
            return ServerSet(self.out, FIXED_PORTS, tag)
        return ServerSet(self.out, None, tag)

    def worker(self, jobs):
        servers = None
        try:
            servers = self.start_servers()
            while True:
                try:
                    seed, fuzz = jobs.get_nowait()
                except queue.Empty:
                    return
                if self.deadline is not None and time.monotonic() > self.deadline:
                    return
                ok = None
                for attempt in (1, 2):
                    try:
                        ok, outcome, text, sig = self.check_seed(servers, seed, fuzz)
                        break
                    except Exception as e:  # a server died, a flush failed...
                        text = f"seed {seed}: driver error (attempt {attempt}): {e!r}"
                        print(text, file=sys.stderr, flush=True)
                        ok, outcome, sig = False, "failed", "driver-error"
                        servers.stop()
                with self.lock:
                    self.done += 1
                    if ok:
                        self.passed += 1
                        if outcome == "identical":
                            self.identical += 1
                        else:
                            self.explained.setdefault(outcome, []).append(seed)
                    else:
                        self.failures.append((seed, text, sig))
                        if not self.args.quiet_failures:
                            print(text, flush=True)
                            print(flush=True)
                    if self.args.progress and self.done % self.args.progress == 0:
                        print(f"... {self.done} sequences, {len(self.failures)} failed",
                              flush=True)
        finally:
            if servers is not None:
                servers.stop()

    def run(self, seeds):
        self.done = 0
        self.deadline = None
        if self.args.fuzz_seconds:
            self.deadline = time.monotonic() + self.args.fuzz_seconds
        jobs = queue.Queue()
        for item in seeds:
            jobs.put(item)
        threads = [threading.Thread(target=self.worker, args=(jobs,), daemon=True)
                   for _ in range(max(1, self.args.jobs))]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        return elapsed


def signature(d_line, o_line):
    """A coarse grouping key for a difference: the call and both results."""
    def norm(l):
        l = re.sub(r"^\d+ ", "", l)
        l = re.sub(r"v=\d+/\d+/[0-9a-f]{8}", "v=…", l)
        l = re.sub(r"k=\S+", "k=…", l)
        l = re.sub(r"keys=\S+", "keys=…", l)
        l = re.sub(r"g=('[^']*'|\S+)", "g=…", l)
        return l
    return f"{norm(d_line)}  <>  {norm(o_line)}"


def shrink_signature(d_line, o_line):
    """What must stay the same while shrinking: the calls and their results."""
    def norm(l):
        l = re.sub(r"^\d+ (h\d|--) ", "", l)
        l = re.sub(r"\(during: (\d+ (h\d|--) )?(\S+).*\)", r"(during: \3)", l)
        for field in ("v", "k", "keys", "e", "cas", "off", "init"):
            l = re.sub(field + r"=('[^']*'|\S+)", field + "=…", l)
        l = re.sub(r"g=('[^']*'|\S+)", "g=…", l)
        l = re.sub(r"n=\d+", "n=…", l)
        l = re.sub(r"^\s+item \S+", "item", l)
        l = re.sub(r"^dump s\d \S+", "dump", l)
        l = re.sub(r"misses=\d+", "misses=…", l)
        return l
    return norm(d_line) + " <> " + norm(o_line)


def corpus_entries(path):
    """(seed, fuzz bytes or None) for each line "SEED [HEX-BYTES] [# comment]"."""
    entries = []
    if path and Path(path).exists():
        for n, line in enumerate(Path(path).read_text().splitlines(), 1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            try:
                entries.append((int(fields[0]), bytes.fromhex(fields[1]) if len(fields) > 1 else None))
            except ValueError as e:
                raise SystemExit(f"{path}:{n}: bad corpus line ({e}): {line!r}")
    return entries


def parse_seeds(spec):
    seeds = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if ":" in part:
            a, b = part.split(":", 1)
            seeds.extend(range(int(a), int(b)))
        else:
            seeds.append(int(part))
    return seeds


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True, help="directory holding our libmemcached.so.11")
    ap.add_argument("--seeds", default="", help="A:B (half-open range) and/or single seeds, comma-separated")
    ap.add_argument("--corpus", default=str(HERE / "corpus.txt"),
                    help="file of seeds that always run (default tests/sequences/corpus.txt)")
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--explained", default=str(HERE / "explained.txt"))
    ap.add_argument("--readme", default=str(REPO / "README.md"))
    ap.add_argument("--out", default=str(REPO / "target" / "sequences"),
                    help="where the runner is built and failing traces are saved")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--self-check", action="store_true",
                    help="also run Debian's library twice per seed; the traces must be identical")
    ap.add_argument("--fuzz-seconds", type=float, default=0,
                    help="open-ended: random seeds (half of them with random fuzzer bytes) for N seconds")
    ap.add_argument("--fuzz-bytes", action="store_true",
                    help="with --fuzz-seconds, give half of the runs random fuzzer bytes too "
                         "(a failing one is printed as a corpus line: SEED HEX)")
    ap.add_argument("--sanitizer", choices=["valgrind", "asan"], default=None,
                    help="run our side under valgrind memcheck or an ASan-built runner")
    ap.add_argument("--timeout", type=float, default=RUN_TIMEOUT)
    ap.add_argument("--context", type=int, default=8, help="common lines shown before a difference")
    ap.add_argument("--after", type=int, default=4, help="lines shown from the difference on")
    ap.add_argument("--show", action="store_true", help="print both traces of every seed")
    ap.add_argument("--progress", type=int, default=0, help="print progress every N sequences")
    ap.add_argument("--quiet-failures", action="store_true",
                    help="print only the summary, not every failure")
    ap.add_argument("--avoid", default="",
                    help="leave out calls that only show known differences: any of "
                         "abandon,binbuf,hsieh,bufget (comma-separated; see seqrun.c)")
    ap.add_argument("--no-netns", dest="netns", action="store_false",
                    help="do not use private network namespaces (servers on free ports)")
    ap.add_argument("--shrink", type=int, default=None, metavar="SEED",
                    help="shrink one failing seed to its shortest sequence and print it")
    ap.add_argument("--shrink-tries", type=int, default=400,
                    help="runs (of both libraries) the shrinking may use")
    args = ap.parse_args()

    tester = Tester(args)
    if args.shrink is not None:
        status = []
        t = threading.Thread(target=lambda: status.append(tester.minimize(args.shrink)))
        t.start()
        t.join()
        return status[0] if status else 1
    items = []
    seen = set()
    for entry in [(s, None) for s in parse_seeds(args.seeds)] + \
            ([] if args.no_corpus else corpus_entries(args.corpus)):
        if entry not in seen:
            seen.add(entry)
            items.append(entry)
    if args.fuzz_seconds:
        import random
        rng = random.SystemRandom()
        for _ in range(1_000_000):
            seed = rng.randrange(1 << 40, 1 << 48)
            fuzz = bytes(rng.randrange(256) for _ in range(rng.randrange(64, 512))) \
                if args.fuzz_bytes and rng.random() < 0.5 else None
            items.append((seed, fuzz))
    if not items:
        raise SystemExit("no seeds given (--seeds, --corpus or --fuzz-seconds)")

    elapsed = tester.run(items)

    total = tester.passed + len(tester.failures)
    print()
    print(f"sequence tester: {total} sequences in {elapsed:.1f} s "
          f"({args.jobs} jobs{', self-check' if args.self_check else ''}"
          f"{', ours under ' + args.sanitizer if args.sanitizer else ''})")
    print(f"  identical traces: {tester.identical}")
    for rid, seeds in sorted(tester.explained.items()):
        print(f"  explained by `{rid}`: {len(seeds)} (e.g. seed {seeds[0]})")
    if tester.failures:
        groups = {}
        for seed, text, sig in tester.failures:
            groups.setdefault(sig, []).append(seed)
        print(f"  FAILED: {len(tester.failures)}, by first difference (debian <> ours):")
        for sig, seeds in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            shown = " ".join(str(s) for s in sorted(seeds)[:12])
            print(f"    {len(seeds):4d}  {sig}\n          seeds: {shown}{' ...' if len(seeds) > 12 else ''}")
        with open(Path(args.out) / "failures.tsv", "w") as f:
            for seed, text, sig in sorted(tester.failures):
                f.write(f"{seed}\t{sig}\n")
        print(f"  failing traces saved in {args.out} (list: failures.tsv)")
        print(f"  reproduce one: {sys.argv[0]} --ours {args.ours} --seeds SEED --no-corpus --show")
    print(f"sequences: {tester.passed} passed, {len(tester.failures)} failed")
    return 0 if not tester.failures else 1


if __name__ == "__main__":
    sys.exit(main())
