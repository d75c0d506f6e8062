"""The pylibmc workload of `make bench`: a set/get loop of 32-byte values.

Run with Debian's /usr/bin/python3 and python3-pylibmc; benches/bench.py
swaps the libmemcached.so.11 that _pylibmc loads with LD_LIBRARY_PATH.

    pylibmc_loop.py HOST:PORT (--ops N | --seconds S)

One operation is one `Client.set` plus one `Client.get` (ASCII protocol,
pylibmc's defaults). Setup stores 100 keys and does one warm-up operation;
the measured loop is marked by two getppid() system calls for strace. Every
get is checked. Prints the same line as bench.c:
`ops=N seconds=S ops_per_sec=R cpu_us_per_op=C vmhwm_kb=K lib=PATH`.
"""

import os
import resource
import sys
import time

import pylibmc

NKEYS = 100


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def vmhwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def loaded_libmemcached():
    with open("/proc/self/maps") as f:
        for line in f:
            if "libmemcached.so" in line:
                return os.path.realpath(line.split()[-1])
    return "?"


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("--ops", "--seconds"):
        sys.exit("usage: pylibmc_loop.py HOST:PORT (--ops N | --seconds S)")
    addr, mode, amount = sys.argv[1:]
    by_time = mode == "--seconds"
    want_ops = 0 if by_time else int(amount)
    want_secs = float(amount) if by_time else 0.0

    client = pylibmc.Client([addr], binary=False)
    keys = ["bench:pylibmc:%03d" % i for i in range(NKEYS)]
    vals = [(b"value-%03d-" % i).ljust(32, b"p") for i in range(NKEYS)]
    for k, v in zip(keys, vals):
        client.set(k, v)
    client.set(keys[0], vals[0])
    if client.get(keys[0]) != vals[0]:
        sys.exit("pylibmc_loop: warm-up get returned a wrong value")

    get, put, clock = client.get, client.set, time.monotonic
    cpu0 = cpu_seconds()
    os.getppid()
    t0 = clock()
    ops = 0
    while True:
        if by_time:
            if clock() - t0 >= want_secs:
                break
        elif ops >= want_ops:
            break
        k = ops % NKEYS
        if not put(keys[k], vals[k]):
            sys.exit("pylibmc_loop: set failed")
        if get(keys[k]) != vals[k]:
            sys.exit("pylibmc_loop: get returned a wrong value")
        ops += 1
    elapsed = clock() - t0
    os.getppid()
    cpu = cpu_seconds() - cpu0

    rate = ops / elapsed if elapsed > 0 else 0.0
    cpu_us = cpu * 1e6 / ops if ops else 0.0
    print(
        "ops=%d seconds=%.6f ops_per_sec=%.1f cpu_us_per_op=%.3f vmhwm_kb=%d lib=%s"
        % (ops, elapsed, rate, cpu_us, vmhwm_kb(), loaded_libmemcached())
    )


if __name__ == "__main__":
    main()
