#!/usr/bin/env python3
"""`make test-consumers`: packaged consumers' own tests over Debian's
libmemcached 1.1.4 and over ours.

The same installed Debian binaries run twice: once over Debian's
libmemcached.so.11 (LD_LIBRARY_PATH unset) and once over ours
(LD_LIBRARY_PATH = a snapshot of --ours taken at start, so a concurrent
`make lib` cannot swap the library in the middle of a run). Consumers:

  php-memcached      php8.2-memcached 3.2.0's .phpt suite, PHP's run-tests.php
  perl-libmemcached  Memcached::libmemcached 1.001801's t/, one `prove` per file
  pgmemcache         postgresql-15-pgmemcache in a throwaway PostgreSQL 15
                     cluster, tests/consumers/pgmemcache.sql (binary and ASCII)
  gearmand           gearman-job-server with --queue-type=libmemcached:
                     background jobs survive a killed gearmand

A test that passes over 1.1.4 and not over ours is a regression and fails the
run, unless tests/consumers/exceptions.txt maps it to an id of the README's
"Intentional differences from 1.1.4" table. Every process that ran a test
is checked (/proc/PID/maps) for which libmemcached.so.11 it mapped; a wrong
library is an error, never a pass.

The third-party suites (PHP, Perl) are read from ../shared/consumer-suites
(--suites) and copied to the scratch folder (--work, default
build/consumers) to run; nothing of them is kept in the repository. Without
them the Perl suite is fetched with `apt-get source` when deb-src is
configured; otherwise the suite is skipped with a message.

Servers (memcached, postgres, gearmand) listen on free loopback ports (or a
private unix socket) and are stopped by PID; every wait is bounded.
Results: printed, and written to WORK/results.json.
"""

import argparse
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEBIAN_LIB = "/usr/lib/x86_64-linux-gnu/libmemcached.so.11"
CONSUMERS = ("php-memcached", "perl-libmemcached", "pgmemcache", "gearmand")
IS_ROOT = os.geteuid() == 0
PASS, FAIL, SKIP = "pass", "fail", "skip"


def log(msg):
    print(msg, flush=True)


class SetupError(Exception):
    """A consumer could not be run at all (not a test failure)."""


class MapsError(Exception):
    """A process mapped another libmemcached.so.11 than the one under test."""


# --------------------------------------------------------------------------
# The README's table of intentional differences, and the exceptions file

def readme_ids(readme):
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Intentional differences from 1\.1\.4\s*$(.*?)(?=^## |\Z)",
                  text, re.M | re.S)
    if not m:
        raise SystemExit(f"{readme}: no '## Intentional differences from 1.1.4' section")
    ids = re.findall(r"^\|\s*`([^`]+)`\s*\|", m.group(1), re.M)
    if not ids:
        raise SystemExit(f"{readme}: the intentional differences table has no `id` rows")
    return set(ids)


def read_exceptions(path, ids):
    """{(consumer, test): (id, why)}; refuses unknown consumers and ids."""
    out, errors = {}, []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line, _, why = raw.partition("#")
            fields = line.split()
            if not fields:
                continue
            where = f"{path}:{n}"
            if len(fields) != 3:
                errors.append(f"{where}: expected 'CONSUMER TEST ID  # why', got {raw.strip()!r}")
                continue
            consumer, test, ident = fields
            if consumer not in CONSUMERS:
                errors.append(f"{where}: unknown consumer {consumer!r} (one of {', '.join(CONSUMERS)})")
            if ident not in ids:
                errors.append(f"{where}: {ident!r} is not an id of the README's "
                              f"'Intentional differences from 1.1.4' table")
            if not why.strip():
                errors.append(f"{where}: say why after '#'")
            out[(consumer, test)] = (ident, why.strip())
    if errors:
        raise SystemExit("exceptions file refused:\n  " + "\n  ".join(errors))
    return out


# --------------------------------------------------------------------------
# Libraries, processes, ports

class Lib:
    def __init__(self, label, ld_path, so):
        self.label = label          # "1.1.4" or "ours"
        self.ld_path = ld_path      # None: the system's (Debian's) library
        self.expect = os.path.realpath(so)

    def env(self, extra=None):
        env = dict(os.environ)
        for k in ("LD_LIBRARY_PATH", "LD_PRELOAD", "PERL5OPT", "PERL5LIB", "PHP_INI_SCAN_DIR"):
            env.pop(k, None)
        if self.ld_path:
            env["LD_LIBRARY_PATH"] = self.ld_path
        env.update(extra or {})
        return env

    def check_mapped(self, mapped, what):
        """mapped: the libmemcached.so.11 files one process had mapped."""
        files = {p.replace(" (deleted)", "") for p in mapped}
        if files != {self.expect}:
            raise MapsError(f"{what} mapped {sorted(files) or 'no libmemcached.so.11'}, "
                            f"expected {self.expect} ({self.label})")


def mapped_libs(pid):
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return set(re.findall(r"(/\S*/libmemcached\.so\.11\S*)", text))


def snapshot_ours(src_dir, work):
    """Copies the staged library directory (files and links) to WORK/lib-ours."""
    so = os.path.join(src_dir, "libmemcached.so.11")
    if not os.path.exists(so):
        raise SystemExit(f"{so} does not exist: run `make lib` first")
    dest = os.path.join(work, "lib-ours")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    for name in sorted(os.listdir(src_dir)):
        if name.startswith("."):
            continue
        path = os.path.join(src_dir, name)
        if os.path.islink(path):
            os.symlink(os.readlink(path), os.path.join(dest, name))
        elif os.path.isfile(path):
            shutil.copy2(path, os.path.join(dest, name))
    with open(os.path.realpath(os.path.join(dest, "libmemcached.so.11")), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    return dest, digest


_used_ports = set()


def free_port():
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _used_ports:
            _used_ports.add(port)
            return port
    raise SetupError("no free loopback port")


_children = []


def spawn(cmd, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(cmd, start_new_session=True, **kw)
    _children.append(p)
    return p


def stop(p, sig=signal.SIGTERM, grace=5.0):
    """Stops one process we started, by its PID (SIGKILL after GRACE s)."""
    if p is None:
        return
    if p.poll() is None:
        try:
            os.kill(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)
    if p in _children:
        _children.remove(p)


def stop_all():
    for p in list(_children):
        stop(p, signal.SIGKILL, 2)


def run(cmd, timeout, input=None, **kw):
    """subprocess.run bounded by TIMEOUT; the whole process group is killed on expiry."""
    kw.setdefault("stdin", subprocess.PIPE if input is not None else subprocess.DEVNULL)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    p = subprocess.Popen(cmd, start_new_session=True, **kw)
    _children.append(p)
    try:
        out, err = p.communicate(input=input, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)   # the group this call created
        except ProcessLookupError:
            pass
        out, err = p.communicate(timeout=10)
        timed_out = True
    finally:
        if p in _children:
            _children.remove(p)

    def text(b):
        return b.decode("utf-8", "replace") if isinstance(b, bytes) else (b or "")
    return subprocess.CompletedProcess(cmd, -9 if timed_out else p.returncode,
                                       text(out) + ("\n[timed out]\n" if timed_out else ""),
                                       text(err))


def wait_until(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def as_user_prefix(user):
    return ["runuser", "-u", user, "--"] if IS_ROOT else []


# --------------------------------------------------------------------------
# memcached

def mc_command(port, command, timeout=3.0, end=(b"END\r\n",)):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(command)
        data = b""
        deadline = time.monotonic() + timeout
        while not any(data.endswith(e) for e in end) and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", "replace")


def mc_stats(port):
    out = mc_command(port, b"stats\r\n")
    return dict(re.findall(r"^STAT (\S+) (\S+)\r$", out, re.M))


def mc_dumpable_keys(port):
    """The keys `stats cachedump` lists (what memcached_dump reads)."""
    keys = set()
    for slab in range(1, 64):
        out = mc_command(port, b"stats cachedump %d 0\r\n" % slab,
                         end=(b"END\r\n", b"ERROR\r\n"))
        keys.update(re.findall(r"^ITEM (\S+) ", out, re.M))
    return keys


class Memcached:
    """A private memcached on a free loopback port; with SASL=(user, password)
    a `memcached -S` with its own sasldb."""

    def __init__(self, work, name, sasl=None):
        self.work, self.name, self.sasl = work, name, sasl
        self.proc = self.port = None

    def start(self):
        env = dict(os.environ)
        args = []
        if self.sasl:
            conf = os.path.join(self.work, f"{self.name}-sasl")
            shutil.rmtree(conf, ignore_errors=True)
            os.makedirs(conf)
            db = os.path.join(conf, "sasldb2")
            p = subprocess.run(["saslpasswd2", "-p", "-a", "memcached", "-c", "-f", db, self.sasl[0]],
                               input=(self.sasl[1] + "\n").encode(), capture_output=True, timeout=30)
            if p.returncode != 0:
                raise SetupError(f"saslpasswd2 failed: {p.stderr.decode(errors='replace')}")
            with open(os.path.join(conf, "memcached.conf"), "w") as f:
                f.write(f"mech_list: PLAIN CRAM-MD5\nsasldb_path: {db}\n")
            env["SASL_CONF_PATH"] = conf
            args.append("-S")
        if IS_ROOT:
            args += ["-u", "root"]
        errors = []
        for _ in range(5):
            port = free_port()
            logf = open(os.path.join(self.work, f"{self.name}.log"), "wb")
            proc = spawn(["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64",
                          "-c", "1024"] + args, env=env, stdout=logf, stderr=logf)
            logf.close()
            if wait_until(lambda: proc.poll() is not None or self._answers(port, proc.pid), 10):
                if proc.poll() is None:
                    self.proc, self.port = proc, port
                    return self
            stop(proc, signal.SIGKILL)
            errors.append(f"port {port}: exit {proc.returncode}")
        raise SetupError(f"memcached {self.name} did not start: {'; '.join(errors)}")

    def _answers(self, port, pid):
        if self.sasl:  # the ASCII protocol is refused under -S: a connection is enough
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return True
            except OSError:
                return False
        try:
            return mc_stats(port).get("pid") == str(pid)
        except OSError:
            return False

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def flush(self):
        mc_command(self.port, b"flush_all\r\n", end=(b"OK\r\n",))

    def stop(self):
        stop(self.proc, signal.SIGKILL)
        self.proc = None


# --------------------------------------------------------------------------
# Results

class Result:
    def __init__(self, status, detail=""):
        self.status, self.detail = status, detail.rstrip()


def summarize(text, limit=25):
    lines = [l for l in text.splitlines() if l.strip()]
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more lines)"]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# php-memcached

PHP = "/usr/bin/php"


def find_run_tests():
    found = sorted(glob.glob("/usr/lib/php/*/build/run-tests.php"))
    if not found:
        raise SetupError("PHP's run-tests.php not found (package php8.2-dev)")
    return found[-1]


def php_suite(ctx):
    suite = os.path.join(ctx.suites, "php-memcached-3.2.0")
    if not os.path.isfile(os.path.join(suite, "config.inc")):
        raise SetupError(f"skipped: the php-memcached 3.2.0 suite is not at {suite} (its "
                         f"upstream tarball is not fetched automatically: Debian's mirror lacks "
                         f"php-memcached's .orig tarball); put upstream's tests/ (tag v3.2.0) "
                         f"there to run it")
    return suite


def run_php(ctx, lib, servers):
    suite = php_suite(ctx)
    if not os.path.exists(PHP):
        raise SetupError("php not installed (package php8.2-cli)")
    run_tests = find_run_tests()
    work = os.path.join(ctx.work, "php", lib.label)
    shutil.rmtree(work, ignore_errors=True)
    tests = os.path.join(work, "tests")
    shutil.copytree(suite, tests)
    for root, dirs, files in os.walk(tests):
        for n in dirs + files:
            os.chmod(os.path.join(root, n), 0o755 if n in dirs else 0o644)
    main, sasl = servers["main"], servers["sasl"]
    with open(os.path.join(tests, "config.inc.local"), "w") as f:
        f.write("<?php\n"
                f"define('MEMC_SERVER_HOST', '127.0.0.1');\n"
                f"define('MEMC_SERVER_PORT', {main.port});\n"
                f"define('MEMC_SASL_SERVER_HOST', '127.0.0.1');\n"
                f"define('MEMC_SASL_SERVER_PORT', {sasl.port});\n"
                f"define('MEMC_SASL_USER', '{SASL_USER}');\n"
                f"define('MEMC_SASL_PASS', '{SASL_PASS}');\n")
    maps_log = os.path.join(work, "maps.log")
    status_file = os.path.join(work, "status.txt")
    main.flush()
    env = lib.env({"TEST_PHP_EXECUTABLE": PHP, "NO_INTERACTION": "1",
                   "CONSUMER_MAPS_LOG": maps_log})
    cmd = [PHP, run_tests, "-q", "-p", PHP, "--set-timeout", "30", "--no-color",
           "-d", "auto_prepend_file=" + os.path.join(HERE, "maps_prepend.php"),
           # The 3.2.0 tests predate PHP 8.2, whose deprecation notices (${var}
           # in strings, Serializable, null to int parameters) would fail them
           # over any library: E_ALL without E_DEPRECATED.
           "-d", "error_reporting=24575",
           "-W", status_file, tests]
    r = run(cmd, 420, cwd=tests, env=env)
    with open(os.path.join(work, "run-tests.out"), "w") as f:
        f.write(r.stdout)
    if not os.path.exists(status_file):
        raise SetupError(f"run-tests.php wrote no results (exit {r.returncode}):\n"
                         + summarize(r.stdout, 30))
    results = {}
    with open(status_file, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^(\w+)\t(.+\.phpt)\s*$", line)
            if not m:
                continue
            status, path = m.group(1), os.path.relpath(m.group(2), tests)
            if status in ("PASS", "PASSED"):
                results[path] = Result(PASS)
            elif status in ("SKIP", "SKIPPED"):
                results[path] = Result(SKIP, skip_reason_php(r.stdout, path))
            else:
                results[path] = Result(FAIL, f"[{status}] " + php_failure(tests, path))
    # Every PHP process that ran a test (or its SKIPIF/CLEAN) mapped the library under test.
    records = read_maps_log(maps_log)
    ran = {os.path.relpath(script, tests) for _, script, _ in records}
    for path, res in results.items():
        if res.status == PASS and path[:-len(".phpt")] + ".php" not in ran:
            raise MapsError(f"{path}: its PHP process recorded no maps in {maps_log}")
    for pid, script, libs in records:
        lib.check_mapped(libs, f"php process {pid} ({script})")
    return results


def skip_reason_php(out, path):
    m = re.search(r"SKIP .*\[" + re.escape(path) + r"\]\s*reason:\s*(.*)", out)
    return m.group(1).strip() if m else ""


def php_failure(tests, path):
    base = os.path.join(tests, path[:-len(".phpt")])
    parts = []
    for ext in (".diff", ".out"):
        if os.path.exists(base + ext):
            with open(base + ext, encoding="utf-8", errors="replace") as f:
                body = f.read()
            if ext == ".diff":
                parts.append("diff (expected -, got +):\n" + summarize(body, 30))
            elif not parts:
                parts.append("output:\n" + summarize(body, 20))
    return "\n".join(parts)


def read_maps_log(path):
    records = []
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if len(fields) >= 3:
                    libs = {x for x in fields[-1].split(",") if x}
                    records.append((fields[0], fields[1], libs))
    return records


# --------------------------------------------------------------------------
# perl-libmemcached

def perl_suite(ctx):
    suite = os.path.join(ctx.suites, "memcached-libmemcached-perl-1.001801")
    if os.path.isdir(os.path.join(suite, "t")):
        return suite
    # Not in the shared folder: Debian's source package has the same t/.
    fetched = os.path.join(ctx.work, "perl-source")
    t_dir = os.path.join(fetched, "suite")
    if os.path.isdir(os.path.join(t_dir, "t")):
        return t_dir
    os.makedirs(fetched, exist_ok=True)
    r = run(["apt-get", "source", "--download-only", "libmemcached-libmemcached-perl"], 180,
            cwd=fetched)
    tarballs = glob.glob(os.path.join(fetched, "libmemcached-libmemcached-perl_*.orig.tar.*"))
    # (apt-get may fail on the Debian part of the source package and still
    # have fetched the upstream tarball, which is all that is needed.)
    if not tarballs:
        raise SetupError(f"skipped: the Memcached::libmemcached suite is not at {suite} and "
                         f"`apt-get source libmemcached-libmemcached-perl` did not fetch it "
                         f"(deb-src not configured?)")
    with tarfile.open(tarballs[0]) as tar:
        members = [m for m in tar.getmembers()
                   if re.match(r"^[^/]+/t/", m.name) and (m.isfile() or m.isdir())]
        for m in members:
            m.name = m.name.split("/", 1)[1]
        tar.extractall(t_dir, members=members)
    log(f"   perl-libmemcached: suite taken from {os.path.basename(tarballs[0])} (apt-get source)")
    return t_dir


def run_perl(ctx, lib, servers):
    suite = perl_suite(ctx)
    work = os.path.join(ctx.work, "perl", lib.label)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    shutil.copytree(os.path.join(suite, "t"), os.path.join(work, "t"))
    maps_log = os.path.join(work, "maps.log")
    addrs = ",".join(s.addr for s in servers["perl"])
    env = lib.env({"PERL_LIBMEMCACHED_TEST_SERVERS": addrs,
                   "PERL5LIB": os.path.join(HERE, "perl"),
                   "PERL5OPT": "-MConsumerMapsCheck",
                   "CONSUMER_MAPS_LOG": maps_log})
    results = {}
    for t in sorted(glob.glob(os.path.join(work, "t", "*.t"))):
        name = os.path.relpath(t, work)
        for s in servers["perl"]:
            s.flush()
        r = run(["prove", "-v", "--merge", name], 90, cwd=work, env=env)
        out = r.stdout
        skip = (re.search(r"^t/\S+ \.+ skipped:\s*(.*)$", out, re.M)
                or re.search(r"^1\.\.0 # (?:SKIP|skip)\s*(.*)$", out, re.M))
        if r.returncode == 0 and skip:
            results[name] = Result(SKIP, skip.group(1))
        elif r.returncode == 0:
            results[name] = Result(PASS)
        else:
            results[name] = Result(FAIL, perl_failure(out))
    records = read_maps_log(maps_log)
    ran = {script for _, script, _ in records}
    for name, res in results.items():
        if res.status != SKIP and name not in ran:
            raise MapsError(f"{name}: its perl process recorded no maps in {maps_log}")
    for pid, script, libs in records:
        lib.check_mapped(libs, f"perl process {pid} ({script})")
    return results


def perl_failure(out):
    keep = []
    for line in out.splitlines():
        if line.startswith("# Testing "):
            continue
        if (re.match(r"^not ok ", line) or line.startswith("#")
                or re.search(r"Dubious|Wstat|planned|Failed|Parse errors|Non-zero|died|SEGV|Signal"
                             r"|at t/\S+ line \d+|Can't|timed out", line)):
            if "TODO" in line and line.startswith("not ok"):
                continue
            keep.append(line)
    return summarize("\n".join(keep) or out, 30)


# --------------------------------------------------------------------------
# pgmemcache

PG_BIN = "/usr/lib/postgresql/15/bin"
PG_USER = "postgres"


def parse_sql_tests(path):
    tests, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^-- test: (\S+)\s*$", line)
            if m:
                cur = {"name": m.group(1), "sql": [], "expect": None, "expect-ascii": None,
                       "error": None, "nosetup": False}
                tests.append(cur)
                continue
            if cur is None:
                continue
            if line.strip() == "-- nosetup":
                cur["nosetup"] = True
            elif line.startswith("-- expect-error:"):
                cur["error"] = line.split(":", 1)[1].strip()
            elif re.match(r"^-- (expect|expect-ascii):", line):
                key, _, value = line[3:].partition(":")
                cur[key] = (cur[key] or []) + [value.strip()]
            elif line.startswith("--") or (not line.strip() and not cur["sql"]):
                continue
            else:
                cur["sql"].append(line)
    names = [t["name"] for t in tests]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"{path}: duplicate test names {sorted(dup)}")
    return tests


class PgCluster:
    """A throwaway PostgreSQL 15 cluster, owned by PG_USER, listening only
    on a unix socket in a private directory."""

    def __init__(self, work):
        self.work = work
        self.data = os.path.join(work, "data")
        self.sock = None
        self.port = None
        self.pid = None

    def prefix(self):
        return as_user_prefix(PG_USER)

    def init(self):
        for b in ("initdb", "pg_ctl", "postgres", "psql"):
            if not os.path.exists(os.path.join(PG_BIN, b)) and not shutil.which(b):
                raise SetupError(f"{b} not found (package postgresql-15)")
        if not os.path.exists("/usr/lib/postgresql/15/lib/pgmemcache.so"):
            raise SetupError("pgmemcache.so not found (package postgresql-15-pgmemcache)")
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        # A short socket path (unix socket paths are limited to 107 bytes).
        self.sock = tempfile.mkdtemp(prefix="lmrs-pg-")
        if IS_ROOT:
            shutil.chown(self.work, PG_USER, PG_USER)
            shutil.chown(self.sock, PG_USER, PG_USER)
        r = run(self.prefix() + [os.path.join(PG_BIN, "initdb"), "-D", self.data, "-A", "trust",
                                 "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"], 120)
        if r.returncode != 0:
            raise SetupError("initdb failed:\n" + summarize(r.stdout))

    def start(self, lib):
        if IS_ROOT and lib.ld_path:
            r = run(self.prefix() + ["test", "-r", lib.expect], 10)
            if r.returncode != 0:
                raise SetupError(f"user {PG_USER} cannot read {lib.expect}: the postgres backends "
                                 f"could not load it (make the path readable, e.g. chmod o+rx "
                                 f"on its parent directories)")
        self.port = free_port()
        logfile = self.logfile = os.path.join(self.work, f"postgres-{lib.label}.log")
        opts = (f"-p {self.port} -k {self.sock} -c listen_addresses='' -c fsync=off "
                f"-c max_connections=20 -c shared_buffers=16MB")
        env = lib.env()
        r = run(self.prefix() + ["env"] + [f"{k}={v}" for k, v in env.items()
                                           if k in ("LD_LIBRARY_PATH",)] +
                [os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l", logfile, "-w", "-t", "60",
                 "-o", opts, "start"], 90, env=env)
        if r.returncode != 0:
            tail = open(logfile, errors="replace").read()[-2000:] if os.path.exists(logfile) else ""
            raise SetupError(f"pg_ctl start failed:\n{r.stdout}\n{tail}")
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            self.pid = int(f.readline())
        r = self.psql("CREATE EXTENSION IF NOT EXISTS pgmemcache;\n", 60)
        if r.returncode != 0:
            raise SetupError("CREATE EXTENSION pgmemcache failed:\n" + r.stdout)

    def psql(self, script, timeout):
        env = dict(os.environ)
        env.pop("LD_LIBRARY_PATH", None)   # psql is a client; the backends load pgmemcache
        env["PGOPTIONS"] = "-c statement_timeout=30000"
        return run(self.prefix() + ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=0",
                                    "-h", self.sock, "-p", str(self.port), "-d", "postgres"],
                   timeout, input=script.encode(), env=env)

    def ready(self):
        return self.psql("SELECT 1;\n", 10).stdout.strip() == "1"

    def stop(self):
        if self.pid is None:
            return
        run(self.prefix() + [os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-w", "-t", "30",
                             "-m", "fast", "stop"], 60)
        if wait_until(lambda: not os.path.exists(f"/proc/{self.pid}"), 5) is False:
            try:
                os.kill(self.pid, signal.SIGKILL)    # the postmaster we started, by PID
            except ProcessLookupError:
                pass
        self.pid = None

    def cleanup(self):
        self.stop()
        if self.sock:
            shutil.rmtree(self.sock, ignore_errors=True)


MAPS_SQL = (r"SELECT '@@MAPS ' || pg_backend_pid() || ' ' || coalesce(string_agg(DISTINCT "
            r"substring(line from '(/\S*/libmemcached\.so\.11\S*)'), ','), '') "
            r"FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), E'\n') AS line "
            r"WHERE line ~ 'libmemcached\.so\.11';")


def run_pgmemcache(ctx, lib, servers):
    tests = parse_sql_tests(ctx.pg_sql)
    cluster = ctx.pg
    cluster.start(lib)
    results = {}
    try:
        dead = free_port()  # reserved, nothing listens there
        subst = {"{server}": servers["main"].addr, "{server2}": servers["second"].addr,
                 "{dead}": f"127.0.0.1:{dead}"}
        for proto in ("binary", "ascii"):
            for s in (servers["main"], servers["second"]):
                s.flush()
            for t in tests:
                name = f"{proto}/{t['name']}"
                results[name] = pg_test(cluster, lib, t, proto, subst)
    finally:
        cluster.stop()
    return results


def pg_test(cluster, lib, t, proto, subst):
    sql = "\n".join(t["sql"])
    for k, v in subst.items():
        sql = sql.replace(k, v)
    lines = ["\\set VERBOSITY terse", "\\pset pager off"]
    if proto == "ascii":
        lines.append("SET pgmemcache.default_behavior = 'BINARY_PROTOCOL:0';")
    lines += ["LOAD 'pgmemcache';", MAPS_SQL]
    if not t["nosetup"]:
        lines.append(f"SELECT memcache_server_add('{subst['{server}']}') AS setup \\g /dev/null")
    lines += ["\\echo @@TEST", sql, "\\echo @@END :SQLSTATE"]
    r = cluster.psql("\n".join(lines) + "\n", 60)
    out = r.stdout
    m = re.search(r"^@@MAPS (\d+) (.*)$", out, re.M)
    if not m:
        if not wait_until(cluster.ready, 60, 0.2):
            raise SetupError("postgres did not come back:\n" + summarize(out))
        return Result(FAIL, "session setup failed:\n" + summarize(out))
    lib.check_mapped({x for x in m.group(2).split(",") if x}, f"postgres backend {m.group(1)}")
    body = out.split("@@TEST\n", 1)[1] if "@@TEST\n" in out else ""
    end = re.search(r"^@@END (\S*)\s*$", body, re.M)
    if not end:
        # The backend died (or psql was stopped): wait for the postmaster's recovery.
        recovered = wait_until(cluster.ready, 60, 0.2)
        if not recovered:
            raise SetupError("postgres did not recover after a backend crash")
        died = ""
        try:
            with open(cluster.logfile, errors="replace") as f:
                died = "\n".join(re.findall(r"^.*(?:terminated by signal|exited with exit code).*$",
                                            f.read(), re.M)[-1:])
        except OSError:
            pass
        return Result(FAIL, "backend crashed / connection lost:\n" + summarize(body or out)
                      + (f"\npostgres log: {died}" if died else ""))
    got = body[:end.start()].rstrip("\n").split("\n") if body[:end.start()].strip() else []
    got = [g.rstrip() for g in got]
    problems = []
    if t["error"] is not None:
        if not any(l.startswith("ERROR:") and t["error"] in l for l in got):
            problems.append(f"expected an ERROR containing {t['error']!r}")
    elif end.group(1) != "00000":
        problems.append(f"SQLSTATE {end.group(1)}")
    expect = t["expect-ascii"] if proto == "ascii" and t["expect-ascii"] is not None else t["expect"]
    if expect is not None and got != expect:
        problems.append("expected:\n  " + "\n  ".join(expect) + "\ngot:\n  " + "\n  ".join(got))
    detail = "output:\n  " + "\n  ".join(got) if not problems else "\n".join(problems)
    if problems and "output:" not in detail and "got:" not in detail:
        detail += "\noutput:\n  " + "\n  ".join(got)
    res = Result(FAIL if problems else PASS, detail)
    res.output = got
    return res


def compare_pg(base, ours):
    """Over ours a pgmemcache test must also print what it printed over 1.1.4."""
    for name, r in ours.items():
        b = base.get(name)
        if b is None or b.status != PASS or r.status != PASS:
            continue
        if getattr(r, "output", None) != getattr(b, "output", None):
            r.status = FAIL
            r.detail = ("output differs from 1.1.4's:\n 1.1.4: " + "\n        ".join(b.output) +
                        "\n ours:  " + "\n        ".join(r.output))


# --------------------------------------------------------------------------
# gearmand

def gearmand_checks(ctx, lib, servers):
    if not shutil.which("gearmand", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", "")):
        raise SetupError("gearmand not found (package gearman-job-server)")
    for tool in ("gearman", "gearadmin"):
        if not shutil.which(tool):
            raise SetupError(f"{tool} not found (package gearman-tools)")
    gearmand = shutil.which("gearmand", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", ""))
    work = os.path.join(ctx.work, "gearmand", lib.label)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    mc = Memcached(work, "gearmand-queue").start()
    results = {}
    state = {"proc": None, "port": None, "n": 0}
    func = "consumer_job"
    payloads = {"normal-1": "payload one", "normal-2": "payload two", "normal-3": "payload three",
                "high": "urgent payload", "low": "background payload"}
    big = "".join(f"{i:08d}" for i in range(16384))  # 128 KiB
    done_file = os.path.join(work, "processed")

    def start_gearmand():
        state["n"] += 1
        for _ in range(3):
            port = free_port()
            logfile = os.path.join(work, f"gearmand-{state['n']}.log")
            proc = spawn([gearmand, "-L", "127.0.0.1", "-p", str(port), "-t", "2",
                          "--queue-type=libmemcached", f"--libmemcached-servers={mc.addr}",
                          "-l", logfile, "--verbose", "INFO",
                          "-P", os.path.join(work, "gearmand.pid")],
                         env=lib.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            def up():
                if proc.poll() is not None:
                    return True
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    return True
                except OSError:
                    return False
            if wait_until(up, 15) and proc.poll() is None:
                state["proc"], state["port"] = proc, port
                lib.check_mapped(mapped_libs(proc.pid) or set(), f"gearmand {proc.pid}")
                return True, f"pid {proc.pid} on port {port}"
            stop(proc, signal.SIGKILL)
        log_text = open(logfile, errors="replace").read()[-1500:] if os.path.exists(logfile) else ""
        return False, "gearmand did not start:\n" + log_text

    def gearman(args, timeout=20, data=None):
        return run(["gearman", "-h", "127.0.0.1", "-p", str(state["port"])] + args, timeout,
                   input=data.encode() if data is not None else None)

    def status():
        r = run(["gearadmin", "-h", "127.0.0.1", "-p", str(state["port"]), "--status"], 15)
        for line in r.stdout.splitlines():
            f = line.split("\t")
            if f[0] == func and len(f) >= 4:
                return tuple(int(x) for x in f[1:4]), r.stdout
        return (0, 0, 0), r.stdout

    def check(name, fn):
        try:
            ok, detail = fn()
        except MapsError:
            raise
        except Exception as e:  # noqa: BLE001 — a check that blew up failed
            ok, detail = False, f"{type(e).__name__}: {e}"
        results[name] = Result(PASS if ok else FAIL, detail if not ok else "")

    def submit():
        rcs = []
        for key, data in payloads.items():
            flag = ["-I"] if key == "high" else ["-L"] if key == "low" else []
            r = gearman(["-f", func, "-b", "-u", key] + flag, data=data)
            rcs.append((key, r.returncode, r.stdout.strip()))
        bad = [x for x in rcs if x[1] != 0]
        return not bad, f"submissions failed: {bad}"

    def queued(n):
        def f():
            ok = wait_until(lambda: status()[0][0] == n, 5, 0.1)
            st = status()
            return ok, f"expected {n} queued jobs for {func}, gearadmin --status says {st[0]}:\n{st[1]}"
        return f

    def in_memcached(n):
        # gearmand deletes a finished job from the queue after the worker's
        # WORK_COMPLETE, maybe after the worker exited: wait (bounded).
        def f():
            items = []

            def count():
                items[:] = [int(mc_stats(mc.port).get("curr_items", "-1"))]
                return items[0] == n
            ok = wait_until(count, 5, 0.1)
            return ok, f"memcached holds {items[0]} items, expected {n} (one per queued job)"
        return f

    def dumpable(n):
        # gearmand replays its queue with memcached_dump (stats cachedump). An
        # item stored a moment before a restart was seen missing from the replay
        # (over both libraries) although memcached held it: wait (bounded) until
        # cachedump lists every job before restarting, so the check is no race.
        def f():
            keys = set()

            def ready():
                keys.clear()
                keys.update(k for k in mc_dumpable_keys(mc.port) if k.startswith("gear_"))
                return len(keys) == n
            ok = wait_until(ready, 15, 0.25)
            return ok, f"stats cachedump lists {sorted(keys)}, expected {n} gear_ keys"
        return f

    def restart(sig):
        def f():
            stop(state["proc"], sig, 10)
            return start_gearmand()
        return f

    def work_all(n, expect_order=None):
        def f():
            if os.path.exists(done_file):
                os.remove(done_file)
            # The worker runs the shell once per job: the job's data on stdin.
            r = run(["gearman", "-h", "127.0.0.1", "-p", str(state["port"]), "-w", "-f", func,
                     "-c", str(n), "--", "sh", "-c",
                     f"cat >> '{done_file}'; printf '\\n--\\n' >> '{done_file}'"], 30)
            got = []
            if os.path.exists(done_file):
                with open(done_file, errors="replace") as fh:
                    got = [x.strip("\n") for x in fh.read().split("\n--\n") if x.strip()]
            if r.returncode != 0 or len(got) != n:
                return False, f"worker exit {r.returncode}, processed {len(got)} of {n}: {got}\n{r.stdout}"
            if expect_order is not None:
                want = expect_order(got)
                if want:
                    return False, want
            return True, ""
        return f

    def all_payloads(got):
        if sorted(got) != sorted(payloads.values()):
            return f"processed {got}, expected {sorted(payloads.values())}"
        if got[0] != payloads["high"] or got[-1] != payloads["low"]:
            return f"high-priority job first and low-priority job last expected, order was {got}"
        return ""

    def big_job():
        r = gearman(["-f", func, "-b", "-u", "big"], data=big)
        return r.returncode == 0, f"gearman -b exit {r.returncode}: {r.stdout}"

    def big_back(got):
        return "" if got == [big] else (f"the 128 KiB job came back as {len(got[0]) if got else 0} "
                                        f"bytes (expected {len(big)})")

    try:
        check("gearmand-starts", start_gearmand)
        if results["gearmand-starts"].status == PASS:
            check("submit-background-jobs", submit)
            check("jobs-queued", queued(len(payloads)))
            check("queue-in-memcached", in_memcached(len(payloads)))
            check("queue-dumpable", dumpable(len(payloads)))
            check("restart-after-kill", restart(signal.SIGKILL))
            check("restart-replays-queue", queued(len(payloads)))
            check("replayed-jobs-processed-in-priority-order", work_all(len(payloads), all_payloads))
            check("queue-drained", queued(0))
            check("memcached-emptied", in_memcached(0))
            check("submit-128k-job", big_job)
            check("128k-job-dumpable", dumpable(1))
            check("restart-after-sigterm", restart(signal.SIGTERM))
            check("128k-job-replayed", queued(1))
            check("128k-job-intact", work_all(1, big_back))
            check("memcached-emptied-again", in_memcached(0))
    finally:
        stop(state["proc"])
        mc.stop()
    return results


# --------------------------------------------------------------------------
# Driver

SASL_USER, SASL_PASS = "consumer", "consumer-secret"


class Ctx:
    pass


def start_servers(ctx, name):
    """The servers a consumer's tests use, started once and shared by the runs
    over both libraries (same ports, so key placement is the same)."""
    work = os.path.join(ctx.work, "servers", name)
    os.makedirs(work, exist_ok=True)
    servers = {}
    try:
        if name == "php-memcached":
            servers["main"] = Memcached(work, "main").start()
            servers["sasl"] = Memcached(work, "sasl", sasl=(SASL_USER, SASL_PASS)).start()
        elif name == "perl-libmemcached":
            # extended-consistent-hashing.t wants at least 5 servers.
            servers["perl"] = [Memcached(work, f"perl{i}").start() for i in range(5)]
        elif name == "pgmemcache":
            servers["main"] = Memcached(work, "main").start()
            servers["second"] = Memcached(work, "second").start()
    except BaseException:
        stop_servers(servers)
        raise
    return servers


def stop_servers(servers):
    for s in servers.values():
        for x in (s if isinstance(s, list) else [s]):
            x.stop()


RUNNERS = {"php-memcached": lambda ctx, lib, servers: run_php(ctx, lib, servers),
           "perl-libmemcached": lambda ctx, lib, servers: run_perl(ctx, lib, servers),
           "pgmemcache": lambda ctx, lib, servers: run_pgmemcache(ctx, lib, servers),
           "gearmand": lambda ctx, lib, servers: gearmand_checks(ctx, lib, servers)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ours", default=os.path.join(REPO, "build", "lib"),
                    help="our staged library directory (make lib): %(default)s")
    ap.add_argument("--debian-lib", default=DEBIAN_LIB)
    ap.add_argument("--suites", default=os.path.join(os.path.dirname(REPO), "shared",
                                                     "consumer-suites"))
    ap.add_argument("--work", default=os.path.join(REPO, "build", "consumers"))
    ap.add_argument("--readme", default=os.path.join(REPO, "README.md"))
    ap.add_argument("--exceptions", default=os.path.join(REPO, "tests", "consumers",
                                                         "exceptions.txt"))
    ap.add_argument("--pg-sql", default=os.path.join(REPO, "tests", "consumers", "pgmemcache.sql"),
                    help="the pgmemcache tests: %(default)s")
    ap.add_argument("--only", default=",".join(CONSUMERS),
                    help="comma-separated consumers to run (default: all)")
    args = ap.parse_args()

    ids = readme_ids(args.readme)
    exceptions = read_exceptions(args.exceptions, ids)
    only = [c.strip() for c in args.only.split(",") if c.strip()]
    for c in only:
        if c not in CONSUMERS:
            raise SystemExit(f"--only: unknown consumer {c!r} (one of {', '.join(CONSUMERS)})")

    ctx = Ctx()
    ctx.suites = os.path.abspath(args.suites)
    ctx.pg_sql = os.path.abspath(args.pg_sql)
    ctx.work = os.path.abspath(args.work)
    os.makedirs(ctx.work, exist_ok=True)
    os.chmod(ctx.work, 0o755)
    # One run at a time per scratch folder (each run replaces its contents).
    lock = open(os.path.join(ctx.work, ".lock"), "w")
    if not wait_until(lambda: try_lock(lock), 600, 1.0):
        raise SystemExit(f"another run holds {ctx.work}/.lock (waited 10 minutes)")
    if not os.path.exists(args.debian_lib):
        raise SystemExit(f"{args.debian_lib} missing: Debian's libmemcached11 is the reference")
    ours_dir, digest = snapshot_ours(os.path.abspath(args.ours), ctx.work)
    libs = [Lib("1.1.4", None, args.debian_lib),
            Lib("ours", ours_dir, os.path.join(ours_dir, "libmemcached.so.11"))]
    log(f"== consumers over {libs[0].expect} (1.1.4) and {libs[1].expect} "
        f"(ours: snapshot of {os.path.abspath(args.ours)}, sha256 {digest})")

    ctx.pg = PgCluster(os.path.join(ctx.work, "pg"))
    all_results, setup_errors, skipped = {}, [], []
    start = time.monotonic()
    try:
        for name in only:
            per, servers = {}, {}
            try:
                if name == "php-memcached":
                    php_suite(ctx)
                elif name == "perl-libmemcached":
                    perl_suite(ctx)
                elif name == "pgmemcache":
                    ctx.pg.init()
                servers = start_servers(ctx, name)
                for lib in libs:
                    t0 = time.monotonic()
                    log(f"-- {name} over {lib.label} ...")
                    per[lib.label] = RUNNERS[name](ctx, lib, servers)
                    log(f"   {len(per[lib.label])} tests in {time.monotonic() - t0:.0f} s")
            except SetupError as e:
                msg = str(e)
                if msg.startswith("skipped:"):
                    skipped.append((name, msg))
                    log(f"   {name}: {msg}")
                else:
                    setup_errors.append((name, msg))
                    log(f"   {name}: SETUP ERROR: {msg}")
                continue
            except MapsError as e:
                setup_errors.append((name, f"wrong library loaded: {e}"))
                log(f"   {name}: WRONG LIBRARY: {e}")
                continue
            finally:
                stop_servers(servers)
                if name == "pgmemcache":
                    ctx.pg.cleanup()
            if name == "pgmemcache":
                compare_pg(per["1.1.4"], per["ours"])
            all_results[name] = per
    finally:
        stop_all()

    return report(all_results, exceptions, setup_errors, skipped, ctx.work,
                  time.monotonic() - start)


def try_lock(f):
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def report(all_results, exceptions, setup_errors, skipped, work, elapsed):
    regressions, accepted, both, fixed, stale = [], [], [], [], []
    passed = 0
    log("")
    for name, per in all_results.items():
        base, ours = per["1.1.4"], per["ours"]
        names = sorted(set(base) | set(ours))
        counted = [t for t in names
                   if not (base.get(t, Result(SKIP)).status == SKIP
                           and ours.get(t, Result(SKIP)).status == SKIP)]
        nb = sum(1 for t in counted if base.get(t) and base[t].status == PASS)
        no = sum(1 for t in counted if ours.get(t) and ours[t].status == PASS)
        nskip = len(names) - len(counted)
        log(f"{name}: passed {nb}/{len(counted)} over 1.1.4, {no}/{len(counted)} over ours"
            + (f" ({nskip} skipped over both)" if nskip else ""))
        for t in counted:
            b = base.get(t, Result(FAIL, "not run"))
            o = ours.get(t, Result(FAIL, "not run"))
            exc = exceptions.get((name, t))
            if b.status == PASS and o.status == PASS:
                passed += 1
                if exc:
                    stale.append((name, t, exc[0]))
            elif b.status == PASS:
                if exc:
                    accepted.append((name, t, exc, o))
                else:
                    regressions.append((name, t, o))
            elif o.status == PASS:
                fixed.append((name, t, b))
            else:
                both.append((name, t, b, o))
    failed = len(regressions) + len(setup_errors)
    if regressions:
        log(f"\n== REGRESSIONS: pass over 1.1.4, fail over ours ({len(regressions)})")
        for name, t, o in regressions:
            log(f"-- {name} {t}")
            log(indent(o.detail or "(no detail)"))
    if accepted:
        log(f"\n== accepted differences (tests/consumers/exceptions.txt): {len(accepted)}")
        for name, t, (ident, why), o in accepted:
            log(f"   {name} {t}: {ident} — {why}")
    if stale:
        log("\n== exceptions no longer needed (the test passes over ours):")
        for name, t, ident in stale:
            log(f"   {name} {t} {ident}")
    if fixed:
        log(f"\n== fail over 1.1.4, pass over ours ({len(fixed)}):")
        for name, t, b in fixed:
            log(f"   {name} {t}: {first_line(b.detail)}")
    if both:
        log(f"\n== fail over both ({len(both)}):")
        for name, t, b, o in both:
            log(f"   {name} {t}: {first_line(b.detail)}")
    skipped_both = [(name, t, r.detail) for name, per in all_results.items()
                    for t, r in sorted(per["1.1.4"].items())
                    if r.status == SKIP and per["ours"].get(t, Result(SKIP)).status == SKIP]
    if skipped_both:
        log(f"\n== skipped over both ({len(skipped_both)}):")
        for name, t, why in skipped_both:
            log(f"   {name} {t}" + (f": {why}" if why else ""))
    for name, msg in skipped:
        log(f"\n== {name} {msg}")
    for name, msg in setup_errors:
        log(f"\n== {name}: could not be checked: {msg}")
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump({name: {lib: {t: {"status": r.status, "detail": r.detail}
                                for t, r in res.items()} for lib, res in per.items()}
                   for name, per in all_results.items()}, f, indent=1, sort_keys=True)
    log(f"\n(details in {os.path.join(work, 'results.json')}; {elapsed:.0f} s)")
    log(f"consumers: {passed} passed, {failed} failed")
    return 1 if failed else 0


def indent(text, pad="     "):
    return "\n".join(pad + l for l in text.splitlines())


def first_line(text):
    """The first informative line of a failure's detail."""
    diff = re.search(r"^\s*(\d{3}[+-] .*)$", text, re.M)
    if diff:
        m = re.match(r"^\s*(\[\w+\])", text)
        return ((m.group(1) + " " if m else "") + diff.group(1).strip())[:200]
    status = ""
    for l in text.splitlines():
        l = l.strip()
        m = re.match(r"^(\[\w+\])\s*(.*)$", l)
        if m:
            status, l = m.group(1) + " ", m.group(2)
        if not l or l.startswith("diff (expected") or l == "--":
            continue
        return (status + l)[:200]
    return status.strip()


if __name__ == "__main__":
    def on_signal(signum, _frame):
        stop_all()
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sys.exit(main())
    finally:
        stop_all()
