#!/usr/bin/python3
"""nsperf tune against its targets (docs/tuning.md, docs/benchmarks.md): per workload and rank
count, the racing search and the exhaustive yardstick over the same space, then the defaults,
the tuned settings and the exhaustive search's best run side by side by `nsperf run`.

    bench/tune_targets.py [--nsperf BIN] [--ranks 1,2] [--rounds 10] [--dir DIR]
                          [--space KEY=V1,V2 ...] [--budget B] [--no-exhaustive]
                          WORKLOAD [WORKLOAD ...]

WORKLOAD: an image (as --image takes it: 'file.fits[SCI]') or synthetic:WxH[:SKEW].

Per workload and rank count it prints: the job runs of the search (every run: checks, races and
its closing comparison) against those of the exhaustive search (checks and its 10 runs per
setting, without its closing comparison); then, from --rounds rounds in each of which the three
settings run once in a shuffled order, the median job (read to close, the slowest rank, as
`nsperf run` prints it) of each and the ratios tuned/defaults and tuned/best with Mann-Whitney's
p. With --no-exhaustive (a workload whose yardstick would take hours), only the search and the
side by side of the defaults and the tuned settings. Each command line is printed before it
runs. Run it on a quiet machine."""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile

import h5py

UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0}
# What the settings change: a process's setup (provenance, library probes: the same for every
# setting, and ten times tune's in-process setup) is left out.
STAGES = ("read", "pipeline", "check", "write", "close")


def job_seconds(stdout):
    """read + pipeline (+ check) + write + close from nsperf run's 'times' line."""
    line = next((l for l in stdout.splitlines() if "times (slowest rank):" in l), None)
    if line is None:
        raise SystemExit(f"no 'times' line in nsperf run's output:\n{stdout}")
    total = 0.0
    for stage in STAGES:
        m = re.search(rf"\b{stage} ([0-9.]+) (ns|µs|us|ms|s|min)\b", line)
        if m:
            total += float(m.group(1)) * UNITS[m.group(2)]
    return total


def mann_whitney_p(a, b):
    """Two-sided p of the Mann-Whitney U test: normal approximation with tie and continuity
    corrections, as nsperf compare (core::mann_whitney_p) and scipy's asymptotic method."""
    values = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks, i, ties = [0.0] * len(values), 0, 0.0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1][0] == values[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    n = n1 + n2
    u = sum(r for r, (_, side) in zip(ranks, values) if side == 0) - n1 * (n1 + 1) / 2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    if sigma == 0:
        return 1.0
    z = max(abs(u - n1 * n2 / 2) - 0.5, 0) / sigma
    return math.erfc(z / math.sqrt(2))


def default_of(tag, key):
    with open(tag + "-tuned.json") as f:
        return json.load(f)["tuned"]["settings"][key]["default"]


def run(cmd, env):
    print("+", " ".join(cmd), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout


def tune_rows(path):
    with h5py.File(path) as f:
        run_id = sorted(f["runs"])[-1]
        return [r.decode() for r in f["runs"][run_id]["tune"]["race"][:]]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workloads", nargs="+")
    p.add_argument("--nsperf", default=os.path.join(os.path.dirname(__file__), "..", "build", "ci",
                                                    "bin", "nsperf"))
    p.add_argument("--ranks", default="1,2")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--dir", default=None, help="scratch folder (default: a new one in /tmp)")
    p.add_argument("--space", action="append", default=[],
                   help="narrows both searches alike (default: compression none or zstd at its "
                        "default level)")
    p.add_argument("--budget", default="4h", help="the search's budget (default 4h)")
    p.add_argument("--no-exhaustive", action="store_true",
                   help="no yardstick: the search and the defaults against the tuned settings")
    args = p.parse_args()
    space = args.space or ["run.compression=none,zstd", "run.compression_level=0"]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    work = args.dir or tempfile.mkdtemp(prefix="nsperf_tune_targets_")
    rng = random.Random(1)
    table = []
    for workload in args.workloads:
        if workload.startswith("synthetic:"):
            parts = workload.split(":")[1:]
            inp = ["--synthetic", parts[0]] + (["--skew", parts[1]] if len(parts) > 1 else [])
        else:
            inp = ["--image", workload]
        for ranks in [int(r) for r in args.ranks.split(",")]:
            mpi = ["mpirun", "-n", str(ranks), "--oversubscribe", args.nsperf]
            spaced = [a for s in space for a in ("--space", s)]
            tag = os.path.join(work, f"{len(table)}")
            run(mpi + ["tune"] + inp + spaced + ["--budget", args.budget, "--no-progress", "--force",
                                                  "-o", tag + "-tuned.json", "--results",
                                                  tag + "-tune.h5"], env)
            exhaustive = not args.no_exhaustive
            if exhaustive:
                run(mpi + ["tune"] + inp + spaced + ["--exhaustive", "--budget", "8h",
                                                      "--no-progress", "--force", "-o",
                                                      tag + "-best.json", "--results",
                                                      tag + "-ex.h5"], env)
            tune_runs = len(tune_rows(tag + "-tune.h5"))
            ex_runs = sum(1 for r in tune_rows(tag + "-ex.h5") if r != "confirm") if exhaustive else 0
            configs = {"defaults": [], "tuned": ["-c", tag + "-tuned.json"]}
            if exhaustive:
                configs["best"] = ["-c", tag + "-best.json"]
            times = {k: [] for k in configs}
            for _ in range(args.rounds):
                order = list(configs)
                rng.shuffle(order)
                for name in order:
                    out = run(mpi + ["run"] + configs[name] + inp + ["-o", tag + "-out.h5",
                                                                     "--force", "--no-progress"],
                              env)
                    times[name].append(job_seconds(out))
            med = {k: sorted(v)[len(v) // 2] if len(v) % 2 else
                   sum(sorted(v)[len(v) // 2 - 1:len(v) // 2 + 1]) / 2 for k, v in times.items()}
            with open(tag + "-tuned.json") as f:
                tuned = {k: v for k, v in json.load(f)["tuned"]["settings"].items()
                         if v["chosen"] != v["default"]}
            row = {
                "workload": workload, "ranks": ranks, "tune_runs": tune_runs,
                "defaults_s": med["defaults"], "tuned_s": med["tuned"],
                "tuned_over_defaults": med["tuned"] / med["defaults"],
                "p_defaults": mann_whitney_p(times["tuned"], times["defaults"]),
                "changed": ", ".join(f"{k}={v['chosen']}" for k, v in tuned.items()) or "(defaults)",
            }
            if exhaustive:
                with open(tag + "-best.json") as f:
                    best = {k: v["chosen"] for k, v in json.load(f)["tuned"]["settings"].items()}
                row.update({
                    "exhaustive_runs": ex_runs, "runs_share": tune_runs / ex_runs,
                    "best_s": med["best"], "tuned_over_best": med["tuned"] / med["best"],
                    "p_best": mann_whitney_p(times["tuned"], times["best"]),
                    "best": ", ".join(f"{k}={v}" for k, v in best.items()),
                    # Identical settings measured apart show the side-by-side's own noise.
                    "tuned_is_best": all(best[k] == (tuned[k]["chosen"] if k in tuned else None)
                                         or (k not in tuned and best[k] == default_of(tag, k))
                                         for k in best),
                })
            table.append(row)
            print(json.dumps(row), flush=True)
    print("\n| workload | ranks | job runs: tune / exhaustive | tuned / defaults (p) | "
          "tuned / exhaustive best (p) | tuned settings | exhaustive best |")
    print("|---|---|---|---|---|---|---|")
    for r in table:
        if "best" not in r:
            print(f"| {r['workload']} | {r['ranks']} | {r['tune_runs']} / (not run) | "
                  f"{r['tuned_over_defaults']:.3f} ({r['p_defaults']:.2g}) | (not run) | "
                  f"{r['changed']} | (not run) |")
            continue
        same = " (the same settings)" if r["tuned_is_best"] else ""
        print(f"| {r['workload']} | {r['ranks']} | {r['tune_runs']} / {r['exhaustive_runs']} = "
              f"{100 * r['runs_share']:.0f}% | {r['tuned_over_defaults']:.3f} ({r['p_defaults']:.2g}) | "
              f"{r['tuned_over_best']:.3f} ({r['p_best']:.2g}){same} | {r['changed']} | {r['best']} |")
    print(f"\nscratch: {work}")


if __name__ == "__main__":
    sys.exit(main())
