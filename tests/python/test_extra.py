"""Our pylibmc tests for what pylibmc 1.6.3's own suite does not cover.

Run by tests/pylibmc.rs with pytest, once for pylibmc built from the sdist
against our library and once for Debian's python3-pylibmc over our library
(LD_LIBRARY_PATH). Environment:

* ``EXTRA_SERVERS`` -- three "127.0.0.1:PORT" servers, comma-separated, each
  started with ``-I 1m`` (1 MiB item size limit);
* ``PYLIBMC_EXPECT_LIB`` -- checked by conftest.py: the libmemcached.so.11
  that must be loaded;
* ``EXTRA_ORACLE=debian`` -- set when the run is the oracle run over Debian's
  libmemcached 1.1.4 itself, which refuses ``hash=hsieh`` (error 38).

Covered: the binary protocol, three servers with ketama (values land on the
server ``Client.hash()`` names and come back), ``hash=`` each algorithm
(hsieh included: it works on our library, Debian's build refuses it),
``TooBig`` for an incompressible value over the item size, the shape of
``get_stats()``, and namespaces (key prefixes).
"""

import os

import pylibmc
import pytest

SERVERS = os.environ["EXTRA_SERVERS"].split(",")
HASHES = ["md5", "crc", "fnv1_32", "fnv1a_32", "fnv1_64", "fnv1a_64",
          "murmur", "jenkins", "hsieh"]
STAT_KEYS = {
    "bytes", "bytes_read", "bytes_written", "cmd_get", "cmd_set",
    "connection_structures", "curr_connections", "curr_items", "evictions",
    "get_hits", "get_misses", "limit_maxbytes", "pid", "pointer_size",
    "rusage_system", "rusage_user", "threads", "time", "total_connections",
    "total_items", "uptime", "version",
}


@pytest.fixture
def single():
    """A text-protocol client per server, each flushed first."""
    clients = [pylibmc.Client([s]) for s in SERVERS]
    for c in clients:
        assert c.flush_all()
    yield clients
    for c in clients:
        c.disconnect_all()


def test_binary_protocol(single):
    mc = pylibmc.Client(SERVERS[:1], binary=True, behaviors={"cas": True})
    assert mc.binary
    assert mc.set("b:str", "text") and mc.get("b:str") == "text"
    assert mc.set("b:bytes", b"\x00\x01raw") and mc.get("b:bytes") == b"\x00\x01raw"
    assert mc.set("b:obj", {"a": [1, 2]}) and mc.get("b:obj") == {"a": [1, 2]}
    assert not mc.add("b:str", "again")
    assert mc.add("b:new", "fresh")
    assert mc.replace("b:new", "replaced") and mc.get("b:new") == "replaced"
    with pytest.raises(pylibmc.NotFound):  # binary NOT_FOUND (text says NOT_STORED)
        mc.replace("b:missing", "x")
    assert mc.set("b:cat", b"mid")
    assert mc.append("b:cat", b">") and mc.prepend("b:cat", b"<")
    assert mc.get("b:cat") == b"<mid>"
    assert mc.set("b:n", 10)
    assert mc.incr("b:n", 5) == 15 and mc.decr("b:n", 20) == 0
    with pytest.raises(pylibmc.NotFound):
        mc.incr("b:nonexistent")
    value, cas = mc.gets("b:str")
    assert value == "text"
    assert mc.cas("b:str", "swapped", cas)
    assert not mc.cas("b:str", "stale", cas)
    assert mc.get("b:str") == "swapped"
    assert mc.touch("b:str", 100) and not mc.touch("b:missing", 100)
    assert mc.set_multi({"m1": 1, "m2": "two", "m\x00nul": b"3"}) == []
    assert mc.get_multi(["m1", "m2", "m\x00nul", "absent"]) == {
        "m1": 1, "m2": "two", "m\x00nul": b"3"}
    assert mc.delete_multi(["m1", "m2"])
    assert mc.get_multi(["m1", "m2"]) == {}
    assert mc.delete("b:str") and not mc.delete("b:str")
    assert mc.get("b:str") is None
    # The server saw binary traffic: text-protocol clients read the same data.
    assert single[0].get("b:cat") == b"<mid>"


def _check_placement(mc, single, prefix, count=60):
    """Every key lands on the server Client.hash() names, and comes back."""
    keys = [f"{prefix}{i}" for i in range(count)]
    assert mc.set_multi({k: f"v-{k}" for k in keys}) == []
    assert mc.get_multi(keys) == {k: f"v-{k}" for k in keys}
    used = set()
    for k in keys:
        idx = mc.hash(k)
        assert 0 <= idx < len(SERVERS), (k, idx)
        assert single[idx].get(k) == f"v-{k}", (k, idx)
        for other, c in enumerate(single):
            if other != idx:
                assert c.get(k) is None, (k, idx, other)
        used.add(idx)
    return used


@pytest.mark.parametrize("binary", [False, True])
def test_ketama_three_servers(single, binary):
    mc = pylibmc.Client(SERVERS, binary=binary, behaviors={"ketama": True})
    b = mc.behaviors
    assert b["ketama"] and b["distribution"] == "consistent ketama"
    used = _check_placement(mc, single, "ketama-key-")
    assert used == {0, 1, 2}, "60 keys over 3 servers should use them all"
    # Placement does not depend on the protocol or on the order of operations.
    again = pylibmc.Client(SERVERS, binary=not binary, behaviors={"ketama": True})
    assert [again.hash(f"k{i}") for i in range(50)] == [mc.hash(f"k{i}") for i in range(50)]


ORACLE = os.environ.get("EXTRA_ORACLE") == "debian"


@pytest.mark.parametrize("name", HASHES)
def test_hash_algorithm(single, name):
    if name == "hsieh" and ORACLE:
        # Debian builds libhashkit without hsieh; ours implements it.
        with pytest.raises(pylibmc.Error, match="returned 38 for behavior 'hash' = 7"):
            pylibmc.Client(SERVERS, behaviors={"hash": name})
        return
    mc = pylibmc.Client(SERVERS, behaviors={"hash": name})
    assert mc.behaviors["hash"] == name
    used = _check_placement(mc, single, f"h-{name}-")
    assert len(used) >= 2, f"hash={name} put 60 keys on {used}"
    ketama = pylibmc.Client(SERVERS, behaviors={"hash": name, "ketama": True})
    for c in single:
        c.flush_all()
    _check_placement(ketama, single, f"hk-{name}-")


@pytest.mark.parametrize("binary", [False, True])
def test_too_big(single, binary):
    mc = pylibmc.Client(SERVERS[:1], binary=binary)
    big = os.urandom(2 * 1024 * 1024)  # incompressible, over -I 1m
    with pytest.raises(pylibmc.TooBig) as err:
        mc.set("too-big", big, min_compress_len=0)
    assert err.value.retcode == 37
    assert mc.get("too-big") is None
    # The connection is still usable afterwards.
    assert mc.set("after-big", b"small") and mc.get("after-big") == b"small"
    almost = os.urandom(512 * 1024)
    assert mc.set("half-meg", almost, min_compress_len=0)
    assert mc.get("half-meg") == almost


def test_get_stats_shape(single):
    mc = pylibmc.Client(SERVERS)
    mc.set("stat-key", "x")
    stats = mc.get_stats()
    assert len(stats) == len(SERVERS)
    for idx, (label, values) in enumerate(stats):
        host, port = SERVERS[idx].split(":")
        assert label == f"{host}:{port} ({idx})".encode()
        assert set(values) == STAT_KEYS
        assert all(isinstance(v, bytes) for v in values.values())
        assert values["limit_maxbytes"].isdigit()
        assert int(values["pid"]) > 0
    # 1.1.4 reports the same 22 general keys whatever the sub-command.
    for arg in ("slabs", "items", "settings"):
        for label, values in mc.get_stats(arg):
            assert set(values) == STAT_KEYS, arg


@pytest.mark.parametrize("binary", [False, True])
def test_namespace(single, binary):
    mc = pylibmc.Client(SERVERS[:1], binary=binary, behaviors={"namespace": b"ns_"})
    assert mc.set("nk", "namespaced")
    assert mc.get("nk") == "namespaced"
    assert single[0].get("ns_nk") == "namespaced"
    assert single[0].get("nk") is None
    assert mc.get_multi(["nk", "other"]) == {"nk": "namespaced"}
    assert mc.set_multi({"a": 1, "b": 2}) == []
    assert single[0].get_multi(["ns_a", "ns_b"]) == {"ns_a": 1, "ns_b": 2}
    assert mc.delete("nk") and single[0].get("ns_nk") is None
    # pylibmc's own key_prefix on top of the namespace.
    assert mc.set_multi({"x": 1}, key_prefix="kp_") == []
    assert single[0].get("ns_kp_x") == 1
    assert mc.get_multi(["x"], key_prefix="kp_") == {"x": 1}
    with pytest.raises(ValueError, match="bad key provided: bad key"):
        pylibmc.Client(SERVERS[:1], behaviors={"namespace": b"bad key"})
