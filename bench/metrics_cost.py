#!/usr/bin/python3
"""What publishing metrics costs a benchmark (docs/monitoring.md, "What it costs"):

    bench/metrics_cost.py --pushgateway URL [--pairs 6] [--nsperf BIN]

Runs `mpirun -n 2 nsperf benchmark --cpu --synthetic 2048x2048 --tile 512 -r 10` without and
with `--metrics-push URL` in pairs, the order alternating (ABBA), compares every pair with
`nsperf compare` (regressions flagged, of how many benchmarks), prints the geometric mean of
with / without over every benchmark of every pair, the same for pairs of runs that both
publish nothing (the machine's own noise), and the push times rank 0 printed. Then one
`benchmark --all` run with the push, for the time a full run's push takes. Start a Pushgateway
first (monitoring/local-stack start prints PUSHGATEWAY_URL).
"""
import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
CPU = ["--cpu", "--synthetic", "2048x2048", "--tile", "512", "-r", "10"]


def bench(nsperf, out, args):
    r = subprocess.run(["mpirun", "-n", "2", nsperf, "benchmark", *args, "--no-progress", "--force",
                        "-o", out], capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        sys.exit(f"benchmark failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    if "--metrics-push" not in args:
        return None
    m = re.search(r"metrics: pushed to \S+ \((\d+) series, ([0-9.]+) ms\)", r.stdout)
    if not m:
        sys.exit(f"benchmark with --metrics-push: no push reported:\n{r.stdout}\n{r.stderr}")
    return int(m.group(1)), float(m.group(2))


def medians(path):
    with h5py.File(path) as f:
        rows = f["runs"][sorted(f["runs"])[-1]]["summary"][:]
    return {(r["strategy"], r["kernel"]): float(r["median_s"]) for r in rows}


def log_ratios(a, b):
    ma, mb = medians(a), medians(b)
    return [math.log(mb[k] / ma[k]) for k in ma if k in mb]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pushgateway", required=True)
    p.add_argument("--pairs", type=int, default=6)
    p.add_argument("--nsperf", default=os.path.join(HERE, "..", "build", "ci", "bin", "nsperf"))
    args = p.parse_args()
    push = ["--metrics-push", args.pushgateway]
    with tempfile.TemporaryDirectory(prefix="nsperf-metrics-cost-") as d:
        pushes, flagged, ratios, offs = [], [], [], []
        for i in range(args.pairs):
            off, on = os.path.join(d, f"off-{i}.h5"), os.path.join(d, f"on-{i}.h5")
            if i % 4 in (0, 3):
                bench(args.nsperf, off, CPU)
                pushes.append(bench(args.nsperf, on, CPU + push))
            else:
                pushes.append(bench(args.nsperf, on, CPU + push))
                bench(args.nsperf, off, CPU)
            offs.append(off)
            c = subprocess.run([args.nsperf, "compare", off, on], capture_output=True, text=True)
            rows = [l for l in c.stdout.splitlines() if l.startswith("  cpu/")]
            flagged.append((sum(l.rstrip().endswith(" regression") for l in rows), len(rows)))
            ratios.append(log_ratios(off, on))
            print(f"pair {i + 1}/{args.pairs}: with/without {math.exp(statistics.mean(ratios[-1])):.3f}, "
                  f"compare flags {flagged[-1][0]} of {flagged[-1][1]}", file=sys.stderr)
        noise = [log_ratios(a, b) for a, b in zip(offs[::2], offs[1::2])]
        every = [x for r in ratios for x in r]
        print(f"benchmark --cpu, 2 ranks, {args.pairs} pairs (ABBA)")
        print("  with/without --metrics-push, geometric mean over benchmarks, per pair: "
              + ", ".join(f"{math.exp(statistics.mean(r)):.3f}" for r in ratios))
        print(f"  all pairs: {math.exp(statistics.mean(every)):.3f} "
              f"(with slower in {sum(x > 0 for x in every)} of {len(every)})")
        print("  without/without (noise), per pair of runs: "
              + ", ".join(f"{math.exp(statistics.mean(r)):.3f}" for r in noise))
        print("  nsperf compare, regressions flagged per pair: "
              + ", ".join(f"{f} of {n}" for f, n in flagged))
        print("  push at the end: " + ", ".join(f"{s} series in {ms:.1f} ms" for s, ms in pushes))
        full = bench(args.nsperf, os.path.join(d, "all.h5"),
                     ["--all", "--synthetic", "1024x1024", "--tile", "256", "-r", "5"] + push)
        print(f"benchmark --all (1024x1024, -r 5): push of {full[0]} series in {full[1]:.1f} ms")


if __name__ == "__main__":
    main()
