"""django-pylibmc check: Django's cache API over pylibmc over our libmemcached.

Usage: ``python check.py api`` or ``python check.py failover``, with
DJANGO_SETTINGS_MODULE=settings (this directory on sys.path),
DJANGO_MEMCACHED_SERVERS="127.0.0.1:P1,127.0.0.1:P2" and, optionally,
PYLIBMC_EXPECT_LIB (the libmemcached.so.11 that must be loaded).

``failover`` also needs DJANGO_CHECK_SIGNAL_DIR: the script asks the test
harness (tests/pylibmc.rs), which owns the servers, to kill the second server
by creating ``kill`` there and waits for ``killed``; later ``restart`` /
``restarted``. Every wait and loop is bounded; the exit status is 0 only when
every check passed. Progress goes to stdout, one line per step.
"""

import logging
import os
import sys
import time

import django

django.setup()

import pylibmc  # noqa: E402
from django.core.cache import cache  # noqa: E402

SERVERS = os.environ["DJANGO_MEMCACHED_SERVERS"].split(",")


class _OneLine(logging.Filter):
    """django-pylibmc logs every pylibmc error with a traceback: keep one line."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True


_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("  django.pylibmc: %(message)s"))
_handler.addFilter(_OneLine())
logging.getLogger("django.pylibmc").addHandler(_handler)
logging.getLogger("django.pylibmc").propagate = False
MISSING = object()


def say(*args):
    print(*args, flush=True)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    say("ok:", what)


def loaded_libmemcached():
    with open("/proc/self/maps") as maps:
        return sorted({os.path.realpath(line.split()[5]) for line in maps
                       if len(line.split()) >= 6 and "libmemcached.so" in line.split()[5]})


def direct(idx):
    """A plain pylibmc client on one server, to see where Django's keys landed."""
    return pylibmc.Client([SERVERS[idx]], binary=True)


def check_library():
    loaded = loaded_libmemcached()
    say("pylibmc:", pylibmc.build_info(), "libmemcached loaded:", loaded)
    expect = os.environ.get("PYLIBMC_EXPECT_LIB")
    if expect:
        check(loaded == [os.path.realpath(expect)], f"only {expect} is loaded")


def check_behaviors():
    b = cache._cache.behaviors
    want = {
        "tcp_nodelay": 1, "tcp_keepalive": 1, "connect_timeout": 2000,
        "send_timeout": 750000, "receive_timeout": 750000, "_poll_timeout": 2000,
        "ketama": 1, "distribution": "consistent ketama", "remove_failed": 1,
        "auto_eject": 1, "retry_timeout": 2, "dead_timeout": 30,
    }
    got = {k: b[k] for k in want}
    check(got == want, f"behaviors read back {got}")
    check(cache._cache.binary, "binary protocol on")


def api():
    check_library()
    check(cache.get_backend_timeout() == 0, "TIMEOUT None means no expiry (0)")
    cache.clear()
    check(cache.set("a", 1) is not False, "set")
    check(cache.get("a") == 1, "get")
    check(cache.get("nope", MISSING) is MISSING, "get of a missing key gives the default")
    check(cache.add("a", 2) is False, "add of an existing key is refused")
    check(cache.add("b", {"x": [1, 2]}) is True, "add of a new key")
    check(cache.get_many(["a", "b", "nope"]) == {"a": 1, "b": {"x": [1, 2]}}, "get_many")
    many = {f"k{i}": f"value {i}" for i in range(40)}
    check(cache.set_many(many) == [], "set_many (no failed keys)")
    check(cache.get_many(list(many)) == many, "get_many of 40 keys")
    check(cache.set("n", 10) is not False, "set counter")
    check(cache.incr("n") == 11 and cache.incr("n", 9) == 20, "incr")
    check(cache.decr("n", 5) == 15, "decr")
    try:
        cache.incr("no-counter")
        check(False, "incr of a missing key raises ValueError")
    except ValueError:
        say("ok: incr of a missing key raises ValueError")
    check(cache.touch("a", 300) is True, "touch")
    check(cache.touch("nope", 300) is False, "touch of a missing key")
    check(cache.has_key("a") and not cache.has_key("nope"), "has_key")
    cache.delete_many([f"k{i}" for i in range(20)])
    left = cache.get_many(list(many))
    check(set(left) == {f"k{i}" for i in range(20, 40)}, "delete_many")
    check(cache.delete("a") is True and cache.get("a") is None, "delete")
    check_behaviors()
    # Both servers hold some of the keys (ketama over two servers).
    counts = [len(direct(i).get_multi([cache.make_key(k) for k in many])) for i in (0, 1)]
    check(counts[0] > 0 and counts[1] > 0 and sum(counts) == 20,
          f"the 20 remaining keys are spread over both servers: {counts}")
    cache.clear()
    check(cache.get_many(list(many) + ["b", "n"]) == {}, "clear")
    cache.close()
    check(cache.set("after-close", "v") is not False and cache.get("after-close") == "v",
          "the cache works again after close()")
    cache.close()
    say("django api: all checks passed")


def wait_for_file(path, limit):
    deadline = time.monotonic() + limit
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {limit} s")
        time.sleep(0.02)


def signal(name, reply, limit=15):
    sigdir = os.environ["DJANGO_CHECK_SIGNAL_DIR"]
    with open(os.path.join(sigdir, name), "w"):
        pass
    wait_for_file(os.path.join(sigdir, reply), limit)


def round_trip(tag, n=10):
    """n fresh keys set and read back; returns the keys that failed."""
    failed = []
    for i in range(n):
        key, value = f"{tag}-{i}", f"value of {tag}-{i}"
        if cache.set(key, value) is False or cache.get(key, MISSING) != value:
            failed.append(key)
    return failed


def failover():
    check_library()
    cache.clear()
    check_behaviors()
    mc = cache._cache
    pre = {f"pre{i}": i for i in range(100)}
    check(cache.set_many(pre) == [], "100 keys stored on two servers")
    on_first = [k for k in pre if mc.hash(cache.make_key(k)) == 0]
    check(0 < len(on_first) < 100, f"{len(on_first)} of 100 keys live on the first server")

    signal("kill", "killed")
    t0 = time.monotonic()
    say("second server killed")
    serving_at = None
    rounds = 0
    # Rounds of 10 keys every 50 ms or so (the bound on rounds is a backstop).
    window = float(os.environ.get("DJANGO_FAILOVER_WINDOW", "5"))
    while time.monotonic() - t0 < window and rounds < 40 * window:
        rounds += 1
        failed = round_trip(f"down{rounds}")
        elapsed = time.monotonic() - t0
        say(f"after {elapsed:.2f} s: round {rounds}: {len(failed)} of 10 failed")
        if not failed:
            serving_at = elapsed
            break
        time.sleep(0.05)
    check(serving_at is not None,
          f"every set and get succeeds again within {window:g} s of the kill")
    stable = [round_trip(f"stable{i}") for i in range(5)]
    check(all(not f for f in stable), "and keeps succeeding (5 more rounds of 10 keys)")
    # Requests every 0.2 s, each closed as Django closes it, across the dead
    # server's retry probes (retry_timeout 2 s): none fails (issue 16).
    failed_requests = []
    for r in range(20):
        if round_trip(f"req{r}", 4):
            failed_requests.append(r)
        cache.close()
        time.sleep(0.2)
    say(f"requests: {len(failed_requests)} of 20 failed, one every 0.2 s after the first")
    check(not failed_requests, "no request fails after the first one (20 requests in 4 s)")
    first_left = cache.get_many(on_first)
    check(first_left == {k: pre[k] for k in on_first},
          "keys on the surviving server are still there")
    say(f"failover: serving again {serving_at:.2f} s after the kill")

    signal("restart", "restarted")
    t1 = time.monotonic()
    second = direct(1)
    back_at = None
    rounds = 0
    # 1.1.4 retries an ejected server after dead_timeout (30 s).
    while time.monotonic() - t1 < 45.0 and rounds < 2000:
        rounds += 1
        tag = f"back{rounds}"
        failed = round_trip(tag)
        landed = second.get_multi([cache.make_key(f"{tag}-{i}") for i in range(10)])
        if failed:
            say(f"after restart {time.monotonic() - t1:.2f} s: {len(failed)} of 10 failed")
        if landed and not failed:
            back_at = time.monotonic() - t1
            break
        time.sleep(0.2)
    check(back_at is not None, "the restarted server receives keys again within 45 s")
    say(f"rejoin: the restarted server is used again {back_at:.2f} s after the restart")
    say("django failover: all checks passed")


if __name__ == "__main__":
    {"api": api, "failover": failover}[sys.argv[1]]()
