#!/usr/bin/python3
"""Prints a text report of an nsperf results file, using only h5py and pandas.

    scripts/summarize.py results.h5 [--run RUN_ID] [--output summary.txt]

It is also the shortest example of reading results in Python: every table is an HDF5 compound
dataset that pandas.DataFrame() takes as is; text columns arrive as bytes (decode them).
"""
import argparse
import sys

import h5py
import pandas as pd


def table(run, name):
    """One table of a run as a DataFrame, text columns decoded to str."""
    df = pd.DataFrame(run[name][:])
    for column in df.columns:
        if df[column].dtype == object:
            df[column] = df[column].str.decode("utf-8")
    return df


def describe_run(run_id, run, out):
    a = run.attrs
    print(f"run {run_id}", file=out)
    print(f"  command   {a['command_line']}", file=out)
    print(f"  when      {a['start_time']} .. {a['end_time']}", file=out)
    print(f"  where     {a['hosts']}: {a['cpu_model']}, {a['cores']} cores; "
          f"{a['ranks']} ranks x {a['threads_per_rank']} threads (binding {a['rank_binding']})", file=out)
    print(f"  build     nsperf {a['nsperf_version']} (git {a['git_commit']}), {a['compiler']}, "
          f"{a['build_flags']}; SIMD {a['simd_isa']}", file=out)
    if a["warnings"]:
        for w in a["warnings"].split("; "):
            print(f"  warning   {w}", file=out)
    summary = table(run, "summary")
    if summary.empty:
        print("  no samples", file=out)
        return
    summary["image"] = summary.width.astype(str) + "x" + summary.height.astype(str) + ":" + summary.dtype
    headline = summary[summary.kernel == "pipeline"] if (summary.kernel == "pipeline").any() else summary
    view = pd.DataFrame({
        "optimizer": headline.optimizer,
        "strategy": headline.strategy,
        "kernel": headline.kernel,
        "image": headline.image,
        "median ms": (headline.median_s * 1e3).round(3),
        "95% CI ms": [f"[{lo * 1e3:.3f}, {hi * 1e3:.3f}]" for lo, hi in zip(headline.ci_low_s, headline.ci_high_s)],
        "speedup": headline.speedup.round(2),
        "speedup 95% CI": [f"[{lo:.2f}, {hi:.2f}]" for lo, hi in zip(headline.speedup_ci_low, headline.speedup_ci_high)],
        "Mpixel/s": headline.mpixel_per_s.round(1),
        "of bandwidth": (100 * headline.bandwidth_fraction).round(0).astype(int).astype(str) + "%",
        "check": headline.check_status,
    })
    print(view.to_string(index=False), file=out)
    memory = headline[headline.held_bytes >= 0]
    if not memory.empty:
        mib = 1 << 20
        print("  memory (peak added: worst rank; buffers and queue: all ranks):", file=out)
        print(pd.DataFrame({
            "strategy": memory.strategy,
            "peak added MiB": (memory.rss_increase_bytes / mib).round(1),
            "buffers held MiB": (memory.held_bytes / mib).round(1),
            "queue MiB": (memory.queue_bytes / mib).round(1),
            "allocations": memory.allocations,
        }).to_string(index=False), file=out)
    kernels = summary[summary.kernel != "pipeline"]
    if not kernels.empty and len(kernels) != len(summary):
        pivot = kernels.pivot_table(index="strategy", columns="kernel", values="speedup", sort=False).round(2)
        print("  speedup per kernel:", file=out)
        print(pivot.to_string(), file=out)
    failed = summary[summary.check_status != "passed"]
    print(f"  checks    {len(summary) - len(failed)} of {len(summary)} passed"
          + "".join(f"; FAILED {r.strategy}/{r.kernel}" for r in failed.itertuples()), file=out)
    samples = table(run, "samples")
    per_rank = samples.groupby("rank").size()
    print(f"  samples   {len(samples)} rows from ranks {', '.join(map(str, per_rank.index))}; "
          f"tiles {len(table(run, 'tiles'))} rows", file=out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", help="nsperf results file (HDF5)")
    parser.add_argument("--run", help="only this run id (default: every run)")
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args()
    try:
        f = h5py.File(args.results, "r")
    except OSError as e:
        sys.exit(f"summarize.py: {args.results}: cannot be read as HDF5 ({e})")
    with f:
        if "schema_version" not in f.attrs or "runs" not in f:
            sys.exit(f"summarize.py: {args.results}: not an nsperf results file")
        runs = [args.run] if args.run else list(f["runs"])
        lines = []

        class Both:
            def write(self, text):
                sys.stdout.write(text)
                lines.append(text)

        out = Both()
        print(f"{args.results}: results schema {f.attrs['schema_version']}, {len(f['runs'])} run(s)", file=out)
        for run_id in runs:
            if run_id not in f["runs"]:
                sys.exit(f"summarize.py: {args.results}: no run {run_id} (runs: {', '.join(f['runs'])})")
            print(file=out)
            describe_run(run_id, f["runs"][run_id], out)
    if args.output:
        with open(args.output, "w") as o:
            o.write("".join(lines))


if __name__ == "__main__":
    main()
