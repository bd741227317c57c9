#!/usr/bin/python3
"""Prints a text report of an nsperf results file, using only h5py and pandas.

    scripts/summarize.py results.h5 [--run RUN_ID] [--output summary.txt]

It is also the shortest example of reading results in Python: every table is an HDF5 compound
dataset that pandas.DataFrame() takes as is; text columns arrive as bytes (decoded here) and
"not measured" is NaN in float columns and -1 in integer ones (turned into NaN here). A benchmark
is an (optimizer, strategy, kernel): the io and database optimizers both have a 'batched'
strategy, so never group by strategy alone.
"""
import argparse
import sys

import h5py
import numpy as np
import pandas as pd

# Integer columns where -1 means "not measured" (docs/results-schema.md).
NOT_MEASURED = {"rss_increase_bytes", "held_bytes", "allocations", "queue_bytes", "wire_bytes"}


def table(run, name):
    """One table of a run as a DataFrame: text as str, "not measured" as NaN (also in files of
    schema 4 and older, which stored -1 or 0)."""
    df = pd.DataFrame(run[name][:])
    for column in df.columns:
        if df[column].dtype == object:
            df[column] = df[column].str.decode("utf-8")
        elif column in NOT_MEASURED or column in ("busy_s", "idle_s", "transfer_s", "io_s", "imbalance"):
            df[column] = df[column].where(df[column] >= 0, np.nan)
        elif column.startswith("speedup") or column == "bandwidth_fraction":
            df[column] = df[column].where(df[column] > 0, np.nan)
    return df


def interval(low, high, digits):
    return [f"[{lo:.{digits}f}, {hi:.{digits}f}]" if np.isfinite(lo) else "-" for lo, hi in zip(low, high)]


def coverage(levels):
    """"97.9%" when every interval has the same coverage, else "" (each cell then says it)."""
    levels = levels.dropna().unique()
    return f"{100 * levels[0]:.3g}% " if len(levels) == 1 else ""


def benchmark_table(rows):
    """One (optimizer, kernel): the figures that mean something for that optimizer, in its units."""
    optimizer, kernel = rows.optimizer.iloc[0], rows.kernel.iloc[0]
    view = pd.DataFrame({
        "strategy": rows.strategy,
        "median ms": (rows.median_s * 1e3).round(3),
        coverage(rows.ci_level) + "interval ms": interval(rows.ci_low_s * 1e3, rows.ci_high_s * 1e3, 3),
        "speedup": [f"{v:.2f}x" if np.isfinite(v) else "-" for v in rows.speedup],
        coverage(rows.speedup_ci_level) + "interval": interval(rows.speedup_ci_low, rows.speedup_ci_high, 2),
    })
    if optimizer == "database":
        if kernel == "query":
            view["rows returned"] = rows.pixels
        else:
            view["rows/s"] = (rows.pixels / rows.median_s).round(0).astype(int)
    elif optimizer == "io":
        view["MiB/s"] = (rows.bytes / rows.median_s / (1 << 20)).round(1)
    elif optimizer == "network":
        view["effective GB/s"] = rows.gbyte_per_s.round(2)
    else:
        view["Mpixel/s"] = rows.mpixel_per_s.round(1)
        view["GB/s"] = rows.gbyte_per_s.round(2)
        view["of ceiling"] = [f"{100 * v:.0f}%" if np.isfinite(v) else "-" for v in rows.bandwidth_fraction]
    view["check"] = rows.check_status
    return view


def describe_run(run_id, run, out):
    a = run.attrs
    print(f"run {run_id}", file=out)
    print(f"  command   {a['command_line']}", file=out)
    print(f"  when      {a['start_time']} .. {a['end_time']}", file=out)
    print(f"  where     {a['hosts']}: {a['cpu_model']}, {a['cores']} cores; "
          f"{a['ranks']} ranks x {a['threads_per_rank']} threads (binding {a['rank_binding']})", file=out)
    print(f"  build     nsperf {a['nsperf_version']} (git {a['git_commit']}), {a['compiler']}, "
          f"{a['build_flags']}; SIMD {a['simd_isa']}", file=out)
    if "image" in a:
        print(f"  input     {a['image']}", file=out)
    if a["warnings"]:
        for w in a["warnings"].split("; "):
            print(f"  warning   {w}", file=out)
    summary = table(run, "summary")
    if summary.empty:
        print("  no samples", file=out)
        return
    # The cpu optimizer's single kernels are stages of its pipeline: their speedups go to one
    # table of their own below.
    has_pipeline = summary.groupby("optimizer").kernel.transform(lambda k: (k == "pipeline").any())
    stages = summary[has_pipeline & (summary.kernel != "pipeline")]
    whole = summary.drop(stages.index)
    for (optimizer, kernel), rows in whole.groupby(["optimizer", "kernel"], sort=False):
        print(f"  {optimizer} / {kernel}:", file=out)
        print(benchmark_table(rows).to_string(index=False), file=out)
    memory = whole[whole.held_bytes.notna()]
    if not memory.empty:
        mib = 1 << 20
        print("  memory (peak added: worst rank; buffers and queue: all ranks):", file=out)
        print(pd.DataFrame({
            "optimizer": memory.optimizer,
            "strategy": memory.strategy,
            "peak added MiB": (memory.rss_increase_bytes / mib).round(1),
            "buffers held MiB": (memory.held_bytes / mib).round(1),
            "queue MiB": (memory.queue_bytes / mib).round(1),
            "allocations": memory.allocations.astype("Int64"),
        }).to_string(index=False), file=out)
    for optimizer, rows in stages.groupby("optimizer", sort=False):
        pivot = rows.pivot_table(index="strategy", columns="kernel", values="speedup", sort=False).round(2)
        print(f"  {optimizer}: speedup per kernel (stages of the pipeline):", file=out)
        print(pivot.to_string(), file=out)
    failed = summary[summary.check_status != "passed"]
    print(f"  checks    {len(summary) - len(failed)} of {len(summary)} passed"
          + "".join(f"; FAILED {r.optimizer}/{r.strategy}/{r.kernel}" for r in failed.itertuples()), file=out)
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
