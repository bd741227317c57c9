#!/usr/bin/python3
"""The gate of `nsperf compare`, measured: how often it fails a change that is not there, and how
often it finds one that is.

Runs PAIRS pairs of identical benchmarks, each run its own `mpirun` (separate processes, as a
CI job's baseline and new build are), and PAIRS pairs whose new run is slowed by SLOWDOWN% on
purpose (`--set benchmark.slowdown_percent=30`: every measured repetition spins inside its timed
region for 30% of its own time, so the work is the same and the time is 1.3x). Each pair is
compared with `nsperf compare BASE NEW` and the given compare options (none: the defaults). In
each pair the run that goes first alternates, so a machine that slows down during the
measurement does not favour one side.

Prints one line per pair (exit code, regressions, the smallest and largest change of a gated
benchmark) and the totals:
false alarms (exit 1 on identical pairs) and detections (exit 1 on slowed pairs).

  bench/compare_gate.py --nsperf build/ci/bin/nsperf --pairs 10
  bench/compare_gate.py --nsperf build/ci/bin/nsperf --pairs 10 --benchmark-args "--network"
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nsperf", required=True, help="the nsperf binary")
    p.add_argument("--pairs", type=int, default=10, help="pairs of each kind (default 10)")
    p.add_argument("--ranks", type=int, default=2, help="MPI ranks per run (default 2)")
    p.add_argument("--slowdown", type=int, default=30, help="percent added to the slowed runs (default 30)")
    p.add_argument("--benchmark-args", default="--cpu",
                   help="what each run measures, nsperf benchmark's options (default: --cpu, the "
                        "default image and repetitions)")
    p.add_argument("--compare-args", default="", help="options for nsperf compare (default: none)")
    p.add_argument("--keep", help="keep the results files in this folder")
    args = p.parse_args()
    if args.pairs < 1:
        p.error("--pairs must be at least 1")
    nsperf = os.path.abspath(args.nsperf)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    folder = args.keep or tempfile.mkdtemp(prefix="nsperf-gate-")
    os.makedirs(folder, exist_ok=True)
    launch = ["mpirun", "-n", str(args.ranks)] + (["--oversubscribe"] if args.ranks > 2 else [])

    def bench(name, slowdown):
        out = os.path.join(folder, name)
        extra = ["--set", f"benchmark.slowdown_percent={slowdown}"] if slowdown else []
        cmd = launch + [nsperf, "benchmark"] + shlex.split(args.benchmark_args) + \
            ["--no-progress", "-o", out] + extra
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr}")
        return out

    def compare(base, new):
        cmd = [nsperf, "compare", base, new, "--format", "json"] + shlex.split(args.compare_args)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr}")
        j = json.loads(r.stdout)
        gated = [b for b in j["benchmarks"] if b.get("gated") and "ratio" in b]
        if not gated:
            sys.exit(f"{' '.join(cmd)}: no gated benchmark in the comparison")
        return r.returncode, j["regressions"], sorted(gated, key=lambda b: b["ratio"])

    print(f"nsperf compare's gate: {args.pairs} identical pairs and {args.pairs} pairs slowed by "
          f"{args.slowdown}%; benchmark {args.benchmark_args!r} at {args.ranks} ranks; compare "
          f"{args.compare_args or '(defaults)'}; files in {folder}", flush=True)
    totals = {"identical": 0, "slowed": 0}
    for i in range(args.pairs):
        for kind, slowdown in (("identical", 0), ("slowed", args.slowdown)):
            names = (f"{kind}{i}-base.h5", f"{kind}{i}-new.h5")
            # Alternate which side runs first.
            if i % 2 == 0:
                base = bench(names[0], 0)
                new = bench(names[1], slowdown)
            else:
                new = bench(names[1], slowdown)
                base = bench(names[0], 0)
            code, regressions, gated = compare(base, new)
            totals[kind] += code == 1
            low, high = gated[0], gated[-1]
            print(f"  pair {i + 1:2d} {kind:9s} exit {code}  regressions {regressions:2d} of {len(gated)} gated  "
                  f"changes {100 * (low['ratio'] - 1):+6.1f}% ({low['benchmark'].split()[0]}) to "
                  f"{100 * (high['ratio'] - 1):+6.1f}% ({high['benchmark'].split()[0]})", flush=True)
    print(f"false alarms: {totals['identical']} of {args.pairs} identical pairs failed the gate")
    print(f"detections:   {totals['slowed']} of {args.pairs} pairs slowed by {args.slowdown}% failed the gate")


if __name__ == "__main__":
    main()
