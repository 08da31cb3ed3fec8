#!/usr/bin/env python3
"""Tabulates the last `cargo bench -p anax-benches --bench dash` run: dash vs hashbrown.

Reads criterion's saved results, target/criterion/<op>_<kind>/{dash,hashbrown}/<N>/new/,
and prints the median time per operation (per insert, lookup or delete) of both tables and
their ratio (above 1: the dashtable is slower). Each size shows its latest run, so a size
not in the last run (10M, from an ANAX_BENCH_BIG=1 run) may be older. Usage:
    python3 benches/ratios.py [path/to/target/criterion]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "target", "criterion")


def per_op(path):
    """Median nanoseconds per element of one benchmark, or None when it has not run."""
    try:
        with open(os.path.join(path, "new", "estimates.json")) as f:
            median = json.load(f)["median"]["point_estimate"]
        with open(os.path.join(path, "new", "benchmark.json")) as f:
            elements = (json.load(f).get("throughput") or {}).get("Elements", 1)
    except FileNotFoundError:
        return None
    return median / elements


print(f"{'group':<16}{'N':>9}{'dash ns/op':>12}{'hb ns/op':>10}{'dash/hb':>9}")
for op in ["insert", "hit", "hit_chain", "miss", "delete"]:
    for kind in ["u64", "bytes"]:
        group = os.path.join(ROOT, f"{op}_{kind}")
        sizes = os.listdir(os.path.join(group, "dash")) if os.path.isdir(group) else []
        for n in sorted((s for s in sizes if s.isdigit()), key=int):
            d = per_op(os.path.join(group, "dash", n))
            h = per_op(os.path.join(group, "hashbrown", n))
            if d is not None and h is not None:
                print(f"{op + '/' + kind:<16}{n:>9}{d:>12.1f}{h:>10.1f}{d / h:>9.2f}")
