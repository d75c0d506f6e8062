"""pytest glue for running pylibmc 1.6.3's own test suite against a private server.

tests/pylibmc.rs copies this file next to the sdist's ``tests/`` and
``src/pylibmc/`` and runs ``pytest --doctest-modules src tests`` with:

* ``MEMCACHED_TYPE`` / ``MEMCACHED_HOST`` / ``MEMCACHED_PORT`` -- read by
  ``pylibmc.test.make_test_client`` itself (tcp: host and port; unix: the
  socket path as host, port 0);
* ``PYLIBMC_AUTOCONF_HOST`` / ``PYLIBMC_AUTOCONF_PORT`` -- a TCP server for the
  three ``test_autoconf`` tests, which hard-code 127.0.0.1:11211 (in
  ``PylibmcTestCase.memcached_host/port`` and ``autoconf.elasticache``'s default
  address). The ElastiCache autoconf protocol is TCP only, so in unix mode
  these tests run against this TCP companion server;
* ``PYLIBMC_EXPECT_LIB`` -- the path of the ``libmemcached.so.11`` file that must
  be mapped into this process once ``_pylibmc`` is imported; the session is
  aborted when another libmemcached is loaded.

The suite's server probe (``pylibmc.test.get_version``) raises
NotImplementedError for unix sockets, so every test would error in unix mode:
here it is replaced by one that speaks ``version`` over a unix socket too.
"""

import os
import socket
import sys

import pytest

# The doctests are collected from the copied src/pylibmc: make `import pylibmc`
# (here and in the tests) resolve to that same copy, as pytest's rootdir-based
# import of src/pylibmc/*.py does, or pytest reports an import file mismatch.
# The Python files are pylibmc 1.6.3's, identical in the sdist and in Debian's
# python3-pylibmc; the C extension _pylibmc is the build under test.
_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src")
if os.path.isdir(os.path.join(_SRC, "pylibmc")):
    sys.path.insert(0, _SRC)


def _loaded_libmemcached():
    """Real paths of every libmemcached shared object mapped into this process."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and "libmemcached.so" in parts[5]:
                found.add(os.path.realpath(parts[5]))
    return sorted(found)


def _version_any_socket(addr):
    """pylibmc.test.get_version, extended to unix sockets (bounded by a timeout)."""
    import _pylibmc

    (type_, host, port) = addr
    if type_ == _pylibmc.server_type_unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target = host
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host, port)
    s.settimeout(5)
    try:
        s.connect(target)
        s.sendall(b"version\r\n")
        version = s.recv(4096)
    finally:
        s.close()
    if not version.startswith(b"VERSION ") or not version.endswith(b"\r\n"):
        raise ValueError(f"unexpected version return: {version!r}")
    return version[8:-2]


def pytest_configure(config):
    import _pylibmc
    import pylibmc
    import pylibmc.test

    pylibmc.test.get_version = _version_any_socket

    expect = os.environ.get("PYLIBMC_EXPECT_LIB")
    loaded = _loaded_libmemcached()
    print(f"\nconftest: {pylibmc.build_info()}; _pylibmc from {_pylibmc.__file__}; "
          f"libmemcached loaded: {loaded}")
    if expect and loaded != [os.path.realpath(expect)]:
        raise pytest.UsageError(
            f"expected only {os.path.realpath(expect)} to be loaded, found {loaded}")


@pytest.fixture(autouse=True)
def _autoconf_server(request, monkeypatch):
    """Point the autoconf tests at PYLIBMC_AUTOCONF_HOST:PORT over TCP."""
    if not request.node.nodeid.startswith("tests/test_autoconf.py"):
        yield
        return
    host = os.environ["PYLIBMC_AUTOCONF_HOST"]
    port = os.environ["PYLIBMC_AUTOCONF_PORT"]
    import pylibmc.autoconf

    monkeypatch.setenv("MEMCACHED_TYPE", "tcp")
    monkeypatch.setenv("MEMCACHED_HOST", host)
    monkeypatch.setenv("MEMCACHED_PORT", port)
    monkeypatch.setattr(request.cls, "memcached_host", host)
    monkeypatch.setattr(request.cls, "memcached_port", port)
    defaults = pylibmc.autoconf.elasticache.__defaults__
    monkeypatch.setattr(pylibmc.autoconf.elasticache, "__defaults__",
                        (f"{host}:{port}",) + defaults[1:])
    yield
