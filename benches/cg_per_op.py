#!/usr/bin/python3
"""Per-operation callgrind profile: a run of N operations minus a run of 0.

    cg_per_op.py BASE.out FULL.out N [--inclusive] [--top K] [--object SUBSTR]

BASE.out and FULL.out are callgrind files of the same workload with 0 and N
operations (as `make bench` leaves them in build/bench/callgrind/, named
WORKLOAD.LIB.N.out). Prints the top K functions by instructions per
operation, with inlined code folded into the function it was inlined into
(callgrind_annotate lists it once per source file). --object keeps only
functions of objects whose path contains SUBSTR (e.g. libmemcached).
"""

import argparse
import collections
import re
import subprocess

LINE = re.compile(r"^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S.*)$")


def per_function(path, inclusive):
    out = subprocess.run(
        ["callgrind_annotate", "--threshold=100", "--auto=no",
         "--inclusive=" + ("yes" if inclusive else "no"), path], check=True, capture_output=True, text=True, timeout=300).stdout
    costs = collections.Counter()
    in_table = False
    for line in out.splitlines():
        if line.strip().endswith("file:function"):
            in_table = True
            continue
        m = LINE.match(line)
        if not in_table or not m:
            continue
        name = m.group(2)
        obj = ""
        om = re.search(r"\s\[(.*)\]$", name)
        if om:
            obj = om.group(1)
            name = name[: om.start()]
        # "file:function": drop the file, keep the function (and its object).
        func = name.split(":", 1)[1] if ":" in name else name
        costs[(func, obj.rsplit("/", 1)[-1])] += int(m.group(1).replace(",", ""))
    return costs


def difference(base_path, full_path, inclusive=False):
    """Cost per function of FULL minus BASE, and each function's object.
    Objects are only known where callgrind_annotate printed them; the
    object-less entries of a function are merged into its object entry."""
    base = per_function(base_path, inclusive)
    full = per_function(full_path, inclusive)
    diff = collections.Counter()
    objs = {}
    for (func, obj), v in list(full.items()) + [(k, -v) for k, v in base.items()]:
        if obj:
            objs.setdefault(func, obj)
        diff[func] += v
    return diff, objs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("full")
    ap.add_argument("n", type=int)
    ap.add_argument("--inclusive", action="store_true")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--object", default="")
    args = ap.parse_args()
    diff, objs = difference(args.base, args.full, args.inclusive)
    rows = [(v / args.n, f, objs.get(f, "")) for f, v in diff.items()]
    rows = [r for r in rows if args.object in r[2]]
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    print("%10s  %s" % ("Ir/op", "function [object]   (total of listed: %.0f)" % total))
    for per, f, obj in rows[: args.top]:
        print("%10.1f  %s [%s]" % (per, f, obj))


if __name__ == "__main__":
    main()
