#!/usr/bin/python3
"""The HTML report of nsperf results: one self-contained page (charts embedded as PNG).

Run by `nsperf report FILE.h5 ... -o report.html`, which passes the profiles and the
recommendations it computed (--profile-json); it can also be run by hand:

    /usr/bin/python3 scripts/report.py results.h5 [more.h5 ...] -o report.html

Reads every run of every results file (nsperf benchmark) with h5py and pandas; an output of
nsperf run contributes its provenance (its profile arrives through --profile-json). Each chart
says why when the files hold no data for it. Needs Debian's python3-h5py, python3-pandas and
python3-matplotlib.
"""
import argparse
import base64
import html
import io
import json
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # no display: render to PNG in memory
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

# The kernel that stands for each optimizer in the speedup chart.
MAIN_KERNEL = {"cpu": "pipeline", "memory": "pipeline", "distributed": "pipeline",
               "network": "transfer", "io": "write", "database": "insert"}
OPTIMIZER_ORDER = ["cpu", "memory", "distributed", "network", "io", "database"]
COLORS = {"code": "#4878a8", "mpi": "#d1605e"}


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def table(group, name):
    if name not in group:
        return pd.DataFrame()
    frame = pd.DataFrame(group[name][:])
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(text)
    return frame


class Run:
    """One run of a results file, or the run of an nsperf run output."""

    def __init__(self, path, run_id, attrs, summary, samples, kind, sizes=None, tune=None,
                 whatif=None):
        self.path = path
        self.whatif = whatif if whatif is not None else pd.DataFrame()  # nsperf whatif -o
        self.sizes = sizes if sizes is not None else pd.DataFrame()  # benchmark --network --sizes
        self.tune = tune if tune is not None else pd.DataFrame()  # nsperf tune's job runs
        self.run_id = run_id
        self.attrs = attrs
        self.summary = summary
        self.samples = samples
        self.kind = kind

    @property
    def label(self):
        return f"{os.path.basename(self.path)}: {self.run_id}"


def load(paths):
    runs = []
    for path in paths:
        with h5py.File(path, "r") as f:
            if "schema_version" in f.attrs and "runs" in f:
                for run_id in sorted(f["runs"]):
                    g = f["runs"][run_id]
                    attrs = {k: text(v) for k, v in g.attrs.items()}
                    runs.append(Run(path, run_id, attrs, table(g, "summary"), table(g, "samples"),
                                    "benchmark", table(g, "message_sizes"), table(g, "tune"),
                                    table(g, "whatif")))
            elif "output_version" in f.attrs:
                attrs = {k: text(v) for k, v in f.attrs.items()}
                if "provenance" in f:
                    attrs.update({k: text(v) for k, v in f["provenance"].attrs.items()})
                runs.append(Run(path, attrs.get("run_id", "?"), attrs, pd.DataFrame(),
                                pd.DataFrame(), "run"))
            else:
                raise SystemExit(f"report.py: {path}: neither an nsperf results file nor an "
                                 "output of nsperf run")
    # The same run in two files (a merged file and one of its parts) counts once.
    distinct = {}
    for r in runs:
        distinct.setdefault((r.run_id, r.attrs.get("start_time", "")), r)
    runs = sorted(distinct.values(), key=lambda r: r.run_id)  # run ids sort by time
    return runs


def png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def newest_with(runs, optimizer, kernel=None):
    for run in reversed(runs):
        s = run.summary
        if s.empty:
            continue
        rows = s[s.optimizer == optimizer]
        if kernel is not None:
            rows = rows[rows.kernel == kernel]
        if not rows.empty:
            return run, rows
    return None, None


def plain_ticks(axis):
    """Log-scale tick labels as plain numbers (0.5, 2, 10) rather than powers of ten."""
    formatter = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")
    axis.set_major_formatter(formatter)
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def log_ticks(axis, low, high):
    """Ticks a reader can use on a log axis from low to high: 1-2-5 steps, at least three."""
    low, high = max(low, 1e-9), max(high, low * 1.01)
    candidates = [m * 10 ** e for e in range(-4, 6) for m in (1, 2, 5)]
    ticks = [t for t in candidates if low <= t <= high]
    if len(ticks) < 3:
        candidates = [m * 10 ** e for e in range(-4, 6) for m in (1, 1.5, 2, 3, 5, 7)]
        ticks = [t for t in candidates if low <= t <= high]
    axis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    plain_ticks(axis)


def coverage_text(levels):
    """"97.9%" if every interval has that coverage, else the range."""
    levels = sorted({round(100 * v, 1) for v in levels if np.isfinite(v) and v > 0})
    if not levels:
        return "?"
    return f"{levels[0]:g}%" if len(levels) == 1 else f"{levels[0]:g}-{levels[-1]:g}%"


def seconds(s):
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


# ---- charts: each returns (png or None, caption or reason) -----------------------------------

def chart_speedup(runs):
    present = [o for o in OPTIMIZER_ORDER if newest_with(runs, o, MAIN_KERNEL[o])[0] is not None]
    if not present:
        return None, "no benchmark summaries in these files (nsperf benchmark writes them)"
    cols = 2 if len(present) > 1 else 1
    rows_n = (len(present) + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(6.2 * cols, 2.6 * rows_n), squeeze=False)
    for ax in axes.flat[len(present):]:
        ax.axis("off")
    levels = []
    for ax, optimizer in zip(axes.flat, present):
        run, rows = newest_with(runs, optimizer, MAIN_KERNEL[optimizer])
        rows = rows[rows.speedup > 0].sort_values("speedup")
        levels += list(rows.speedup_ci_level)
        low = (rows.speedup - rows.speedup_ci_low).clip(lower=0)
        high = (rows.speedup_ci_high - rows.speedup).clip(lower=0)
        failed = rows.check_status != "passed"
        colors = ["#bbbbbb" if f else "#4878a8" for f in failed]
        # Bars grow from 1 (the baseline): right for faster, left for slower.
        ax.barh(rows.strategy, rows.speedup - 1, left=1, xerr=[low, high], color=colors, capsize=3)
        ax.axvline(1, color="black", linewidth=0.8)
        ax.set_xscale("log")
        lo = min(1.0, rows.speedup_ci_low.min()) / 1.25
        hi = max(1.0, rows.speedup_ci_high.max()) * 1.6  # room for the values
        ax.set_xlim(lo, hi)
        log_ticks(ax.xaxis, lo, hi)
        # The value of every bar, beyond its interval's end.
        for y, (v, top) in enumerate(zip(rows.speedup, rows.speedup_ci_high)):
            ax.text(max(v, top, 1.0) * 1.04, y, f"{v:.2f}x", va="center", fontsize=7)
        ax.set_title(f"{optimizer} ({MAIN_KERNEL[optimizer]}), over {baseline_name(rows)}", fontsize=10)
        ax.set_xlabel("speedup (log scale)")
        ax.grid(True, axis="x", which="major", alpha=0.3)
    fig.tight_layout()
    return png(fig), ("Speedup of every strategy over its optimizer's baseline, median of "
                      f"per-round ratios with its interval (coverage {coverage_text(levels)}; log "
                      "scale); grey bars failed their check. Newest run with each optimizer.")


def baseline_name(rows):
    """The strategy whose speedup is exactly 1 with an interval of [1, 1]: the baseline."""
    base = rows[(rows.speedup == 1) & (rows.speedup_ci_low == 1) & (rows.speedup_ci_high == 1)]
    return base.strategy.iloc[0] if len(base) == 1 else "the baseline"


def input_source(run):
    """What a run read, without its size: "synthetic" (seed) or the file's name."""
    image = str(run.attrs.get("image", ""))
    if image.startswith("synthetic"):
        seed = image.split(" seed ")[-1] if " seed " in image else "?"
        return f"synthetic seed {seed}"
    return os.path.basename(image.split(": ")[0]) if image else "?"


def chart_time_vs_size(runs):
    frames = []
    for run in runs:
        s = run.summary
        if s.empty:
            continue
        frames.append(s[s.kernel == "pipeline"].assign(run=run.run_id, source=input_source(run)))
    if not frames:
        return None, "no pipeline summaries in these files"
    data = pd.concat(frames)
    data = data.assign(pixels=data.width * data.height)
    # A line joins sizes of one input (the synthetic image; a file has one size), one dtype, one
    # strategy and one rank count: anything else is not the same work at another size.
    keys = ["optimizer", "strategy", "ranks", "dtype", "source"]
    groups = [(k, g.sort_values("pixels")) for k, g in data.groupby(keys) if g.pixels.nunique() >= 2]
    if not groups:
        sizes = sorted({f"{w}x{h}:{d}" for w, h, d in zip(data.width, data.height, data.dtype)})
        return None, ("one image size per input, dtype and rank count only (" + ", ".join(sizes) +
                      "): run nsperf benchmark at several --synthetic sizes (into one file with "
                      "--append, or several files) to see time against size")
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    sizes = {}
    for (optimizer, strategy, ranks, dtype, source), g in groups[:12]:
        g = g.groupby("pixels", as_index=False).agg(
            median_s=("median_s", "median"), ci_low_s=("ci_low_s", "median"),
            ci_high_s=("ci_high_s", "median"), width=("width", "first"), height=("height", "first"))
        for p, w, h in zip(g.pixels, g.width, g.height):
            sizes[p] = f"{w}x{h}"
        ax.errorbar(g.pixels, g.median_s, yerr=[g.median_s - g.ci_low_s, g.ci_high_s - g.median_s],
                    marker="o", capsize=3, label=f"{optimizer}/{strategy} {dtype}, {source}, {ranks} rank(s)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(sorted(sizes)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FixedFormatter([sizes[p] for p in sorted(sizes)]))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    lows = [g.ci_low_s.min() for _, g in groups[:12]]
    highs = [g.ci_high_s.max() for _, g in groups[:12]]
    ax.set_ylim(min(lows) / 1.2, max(highs) * 1.2)
    log_ticks(ax.yaxis, min(lows) / 1.2, max(highs) * 1.2)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: seconds(v)))
    ax.set_xlabel("image size (pixels, log scale)")
    ax.set_ylabel("pipeline time, median (log scale)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    ax.grid(True, which="both", alpha=0.3)
    levels = coverage_text(pd.concat([g.ci_level for _, g in groups]))
    return png(fig), (f"Whole-pipeline time against image size (log-log), median with its interval "
                      f"(coverage {levels}); one line per input, dtype, strategy and rank count.")


def pareto(points):
    """Indices of the points no other point beats on both time and memory."""
    front = []
    for i, (t, m) in enumerate(points):
        if not any((t2 <= t and m2 <= m) and (t2 < t or m2 < m) for j, (t2, m2) in enumerate(points) if j != i):
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def chart_memory_vs_time(runs):
    run, rows = newest_with(runs, "memory", "pipeline")
    if run is None:
        return None, "no memory optimizer results (nsperf benchmark --memory)"
    rows = rows[rows.held_bytes > 0]
    if rows.empty:
        return None, "the memory optimizer's rows hold no memory figures"
    points = list(zip(rows.median_s, rows.held_bytes / 2**20))
    front = pareto(points)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    # A marker and colour per strategy, named in the legend: labels beside points overlapped.
    markers = "osD^v<>p*h"
    for i, ((t, m), name) in enumerate(zip(points, rows.strategy)):
        ax.scatter([t * 1e3], [m], marker=markers[i % len(markers)], s=50, zorder=3, label=name)
    fx = [points[i][0] * 1e3 for i in front]
    fy = [points[i][1] for i in front]
    ax.plot(fx, fy, color="#d1605e", linestyle="--", marker="o", markersize=9, fillstyle="none",
            label="best front (nothing is both faster and smaller)", zorder=2)
    ax.set_xlabel("pipeline time, median (ms)")
    ax.set_ylabel("peak bytes held by buffers (MiB)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    ax.grid(True, alpha=0.3)
    return png(fig), f"Memory against time per memory strategy, best front marked ({run.label})."


def chart_rank_busy_idle(runs, profile):
    for optimizer in ("distributed", "network"):
        for run in reversed(runs):
            s = run.samples
            if s.empty:
                continue
            rows = s[(s.optimizer == optimizer) & (s.busy_s >= 0)]
            if rows.empty:
                continue
            parts = ["busy_s", "idle_s", "transfer_s", "io_s"]
            med = rows.groupby(["strategy", "rank"])[parts].median().clip(lower=0).reset_index()
            strategies = list(dict.fromkeys(rows.strategy))
            ranks = sorted(med["rank"].unique())
            fig, axes = plt.subplots(1, len(strategies), figsize=(3.2 * len(strategies), 3.2),
                                     sharey=True, squeeze=False)
            colors = {"busy_s": "#4878a8", "idle_s": "#cccccc", "transfer_s": "#d1605e", "io_s": "#e3a33b"}
            for ax, strategy in zip(axes.flat, strategies):
                g = med[med.strategy == strategy].set_index("rank").reindex(ranks, fill_value=0)
                bottom = np.zeros(len(ranks))
                for part in parts:
                    ax.bar([str(r) for r in ranks], g[part] * 1e3, bottom=bottom, color=colors[part],
                           label=part[:-2])
                    bottom += g[part].to_numpy() * 1e3
                # The console's figure: per repetition max / mean busy, median over repetitions.
                row = run.summary[(run.summary.optimizer == optimizer) & (run.summary.strategy == strategy)
                                  & (run.summary.imbalance > 0)]
                imbalance = f"{row.imbalance.iloc[0]:.2f}" if len(row) else "-"
                ax.set_title(f"{strategy}\nimbalance {imbalance}", fontsize=9)
                ax.set_xlabel("rank")
            axes.flat[0].set_ylabel("time per repetition, median (ms)")
            axes.flat[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1),
                                 borderaxespad=0)
            fig.tight_layout()
            return png(fig), (f"Where each rank's time went, {optimizer} optimizer: busy computing, "
                              f"idle waiting, transferring, cutting tiles, medians over repetitions (imbalance = "
                              f"max/mean busy per repetition, median over repetitions, as the "
                              f"console prints it) ({run.label}).")
    # No optimizer measured it: the profile's time per rank, split into MPI and the rest.
    for r in reversed(profile.get("runs", [])):
        times = r.get("rank_times", [])
        if len(times) >= 1 and any(t["total_s"] > 0 for t in times):
            fig, ax = plt.subplots(figsize=(6, 3.2))
            ranks = [str(t["rank"]) for t in times]
            mpi = np.array([t["mpi_s"] for t in times])
            other = np.array([t["total_s"] for t in times]) - mpi
            ax.bar(ranks, other, color="#4878a8", label="outside MPI")
            ax.bar(ranks, mpi, bottom=other, color="#d1605e", label="in MPI")
            ax.set_xlabel("rank")
            ax.set_ylabel("time (s)")
            ax.legend(fontsize=8)
            return png(fig), (f"Time per rank from the profiled regions, in and outside MPI "
                              f"({os.path.basename(r['file'])}: {r['run_id']}).")
    return None, "no per-rank times (nsperf benchmark --distributed or --network, or a profile)"


def chart_bandwidth(runs):
    run, rows = newest_with(runs, "cpu")
    if run is None:
        return None, "no cpu optimizer results (nsperf benchmark --cpu)"
    ceiling = float(run.attrs.get("bandwidth_gbyte_per_s", 0) or 0)
    kernels = list(dict.fromkeys(rows.kernel))
    strategies = list(dict.fromkeys(rows.strategy))
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / max(1, len(strategies))
    x = np.arange(len(kernels))
    for i, strategy in enumerate(strategies):
        g = rows[rows.strategy == strategy].set_index("kernel").reindex(kernels)
        ax.bar(x + i * width, g.gbyte_per_s.fillna(0), width, label=strategy)
    if ceiling > 0:
        ax.axhline(ceiling, color="black", linestyle="--", linewidth=1,
                   label=f"measured ceiling {ceiling:.3g} GB/s")
    ax.set_xticks(x + width * (len(strategies) - 1) / 2)
    ax.set_xticklabels(kernels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("achieved bandwidth (GB/s)")
    ax.legend(fontsize=7, ncol=3)
    return png(fig), (f"Bytes each kernel reads and writes per second, against the memory-bandwidth "
                      f"ceiling measured at the start of the run (STREAM-style triad, all ranks); "
                      f"kernels whose tiles stay in cache can pass it ({run.label}).")


def chart_hotspots(profile):
    for r in reversed(profile.get("runs", [])):
        spots = r.get("hotspots", [])
        if not spots:
            continue
        spots = spots[:15][::-1]
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(spots) + 1.2))
        labels = [s["path"] for s in spots]
        colors = [COLORS.get(s["kind"], "#4878a8") for s in spots]
        ax.barh(labels, [s["exclusive_max_s"] for s in spots], color=colors, label="slowest rank")
        ax.scatter([s["exclusive_mean_s"] for s in spots], labels, color="black", s=12, zorder=3,
                   label="mean over ranks")
        ax.set_xlabel("exclusive time (s); red: MPI regions")
        ax.tick_params(axis="y", labelsize=7)
        ax.legend(fontsize=7)
        return png(fig), (f"Hotspots: regions ranked by the slowest rank's exclusive time "
                          f"({os.path.basename(r['file'])}: {r['run_id']}).")
    return None, "no profiled regions in these files (results schema 4 and later store them)"


def chart_scaling(runs):
    frames = []
    for run in runs:
        s = run.summary
        if not s.empty:
            frames.append(s[s.kernel == "pipeline"])
    if not frames:
        return None, "no pipeline summaries in these files"
    data = pd.concat(frames)
    groups = []
    for key, g in data.groupby(["optimizer", "strategy", "width", "height", "dtype"]):
        if g["ranks"].nunique() >= 2:
            groups.append((key, g.groupby("ranks", as_index=False).median_s.median().sort_values("ranks")))
    if not groups:
        counts = sorted(data["ranks"].unique())
        return None, (f"one rank count only ({', '.join(str(c) for c in counts)}): run the same "
                      "benchmark at several rank counts (scripts/scaling-study does) to see scaling")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    top = 1
    for (optimizer, strategy, w, h, dtype), g in groups[:12]:
        base_ranks = g["ranks"].iloc[0]
        speedup = g.median_s.iloc[0] / g.median_s
        efficiency = speedup * base_ranks / g["ranks"]
        label = f"{optimizer}/{strategy} {w}x{h}"
        a1.plot(g["ranks"], speedup, marker="o", label=label)
        a2.plot(g["ranks"], efficiency, marker="o", label=label)
        top = max(top, g["ranks"].max() / base_ranks)
    a1.plot([1, top], [1, top], color="black", linestyle=":", label="ideal")
    a1.set_xlabel("ranks")
    a1.set_ylabel("speedup over the fewest ranks")
    a2.set_xlabel("ranks")
    a2.set_ylabel("parallel efficiency")
    a2.set_ylim(0, 1.2)
    a2.axhline(1, color="black", linestyle=":")
    a1.legend(fontsize=6)
    fig.tight_layout()
    return png(fig), ("Strong scaling of the whole pipeline across runs with different rank counts "
                      "(same image): speedup and efficiency relative to the fewest ranks.")


# ---- the page -------------------------------------------------------------------------------

CHARTS = [
    ("speedup", "Speedup per optimizer and strategy"),
    ("time-vs-size", "Time against image size"),
    ("memory-vs-time", "Memory against time"),
    ("rank-busy-idle", "Busy and idle time per rank"),
    ("bandwidth", "Achieved bandwidth against the measured ceiling"),
    ("hotspots", "Hotspots"),
    ("scaling", "Scaling efficiency"),
    ("message-sizes", "Latency and bandwidth against message size"),
    ("tune", "The search of nsperf tune"),
    ("whatif", "Predicted scaling (nsperf whatif, simulated)"),
]

PROVENANCE = ["command_line", "start_time", "hosts", "ranks", "threads_per_rank", "rank_binding",
              "cpu_model", "cores", "compiler", "build_type", "simd_isa", "git_commit",
              "nsperf_version", "libraries", "image", "bandwidth_gbyte_per_s", "slurm_job",
              "warnings"]

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
figure.chart img { max-width: 100%; } figcaption { font-size: 0.9em; color: #555; }
p.absent { color: #8a5a00; background: #fff6e0; padding: 0.5em; }
table { border-collapse: collapse; font-size: 0.8em; } td, th { border: 1px solid #ddd; padding: 3px 6px;
vertical-align: top; text-align: left; }
#provenance-table { table-layout: fixed; width: 100%; } #provenance-table td, #provenance-table th {
overflow-wrap: anywhere; } #provenance-table th:first-child { width: 14em; } ol.recs li { margin-bottom: 0.8em; } code { background: #f3f3f3; }
"""

CHECK_SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('figure.chart img');
  var ok = 0;
  imgs.forEach(function (img) { if (img.complete && img.naturalWidth > 0) ok++; });
  document.body.setAttribute('data-charts-loaded', String(ok));
  document.body.setAttribute('data-charts-broken', String(imgs.length - ok));
});
"""


def recommendations_html(recs):
    if not recs:
        return ("<p>None: no rule found a change its data supports (docs/profiling.md lists the "
                "rules and the data each needs).</p>")

    def item(r):
        expected = "not measured"
        if r.get("expected_speedup"):
            expected = f"{r['expected_speedup']:.3g}x"
            if r.get("expected_ci"):
                expected += f" [{r['expected_ci'][0]:.3g}, {r['expected_ci'][1]:.3g}]"
        key = ""
        if r.get("key"):
            what = "set" if r.get("run_key") else "measure: nsperf benchmark"
            key = f"<br>{what}: <code>--set {html.escape(r['key'])}={html.escape(r['value'])}</code>"
        return (f"<li><b>[{html.escape(r['rule'])}]</b> {html.escape(r['finding'])}<br>"
                f"do: {html.escape(r['action'])}{key}<br>expected: {html.escape(expected)}; "
                f"{html.escape(r['evidence'])}</li>")

    # Settings nsperf run takes first; then what the benchmarks found among strategies it does
    # not choose between.
    parts = []
    run = [r for r in recs if r.get("run_key")]
    found = [r for r in recs if not r.get("run_key")]
    if run:
        parts.append("<h3>For nsperf run</h3><ol class='recs'>" + "".join(item(r) for r in run) + "</ol>")
    if found:
        parts.append("<h3>Benchmark findings (strategies nsperf run does not choose between)</h3>"
                     "<ol class='recs'>" + "".join(item(r) for r in found) + "</ol>")
    return "".join(parts)


# Fields whose 0 is the file's "not recorded" (a run of nsperf whatif measures no bandwidth and
# runs no ranks' threads): shown as such, not as a figure.
UNRECORDED_AT_ZERO = {"bandwidth_gbyte_per_s": "not measured", "threads_per_rank": "not recorded"}


def provenance_value(field, value):
    """A field as a reader wants it: numbers to 4 significant digits, with their unit."""
    if field in UNRECORDED_AT_ZERO and isinstance(value, (int, float)) and value == 0:
        return UNRECORDED_AT_ZERO[field]
    if isinstance(value, float):
        return f"{value:.4g} GB/s" if field == "bandwidth_gbyte_per_s" else f"{value:.4g}"
    return str(value)


def provenance_html(runs):
    head = "<tr><th>field</th>" + "".join(f"<th>{html.escape(r.label)}</th>" for r in runs) + "</tr>"
    body = []
    for field in PROVENANCE:
        cells = "".join(f"<td>{html.escape(provenance_value(field, r.attrs.get(field, '')))}</td>"
                        for r in runs)
        body.append(f"<tr><th>{field}</th>{cells}</tr>")
    return f"<table id='provenance-table'>{head}{''.join(body)}</table>"


def chart_message_sizes(runs):
    run = next((r for r in reversed(runs) if not r.sizes.empty), None)
    if run is None:
        return None, "no message-size sweep in these files (nsperf benchmark --network --sizes 8:4M)"
    t = run.sizes.sort_values("bytes")
    fig, (lat, bw) = plt.subplots(1, 2, figsize=(11, 4))
    x = t.bytes.to_numpy(dtype=float)
    us = 1e6
    lat.errorbar(x, t.latency_s * us, yerr=[(t.latency_s - t.latency_ci_low_s) * us,
                                             (t.latency_ci_high_s - t.latency_s) * us],
                 marker="o", markersize=3, capsize=2)
    bw.errorbar(x, t.gbyte_per_s, yerr=[t.gbyte_per_s - t.gbyte_per_s_ci_low,
                                        t.gbyte_per_s_ci_high - t.gbyte_per_s],
                marker="o", markersize=3, capsize=2)
    tile = t[t.tile == 1]
    for ax in (lat, bw):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("message size (bytes)")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _: f"{v / 2**20:g} MiB" if v >= 2**20 else f"{v / 2**10:g} KiB" if v >= 2**10
            else f"{v:g} B"))
        ax.grid(True, which="major", alpha=0.3)
        if not tile.empty:
            ax.axvline(float(tile.bytes.iloc[0]), color="black", linestyle="--", linewidth=1,
                       label=f"the largest tile with its halo ({int(tile.bytes.iloc[0]):,} B)")
            ax.legend(fontsize=7, loc="upper left")
    lat.set_yscale("log")
    plain_ticks(lat.yaxis)
    lat.set_ylabel("one-way latency (µs): half a round trip")
    bw.set_ylabel("streaming bandwidth (GB/s)")
    levels = list(t.latency_ci_level) + list(t.gbyte_per_s_ci_level)
    return png(fig), (f"Rank 0 and rank 1, one reused buffer each (the methods of osu_latency and "
                      f"osu_bw): medians of {int(t.repetitions.iloc[0])} repetitions with their "
                      f"intervals (coverage {coverage_text(levels)}); the dashed line is the "
                      f"workload's tile, to read its transfer against the curve ({run.label}).")


TUNE_OUTCOMES = {  # marker, filled, legend text
    "chosen": ("o", True, "chosen in its race"),
    "tied": ("o", False, "tied with the fastest"),
    "slower": ("x", True, "significantly slower: dropped"),
    "default": ("s", False, "closing comparison: defaults"),
    "tuned": ("D", True, "closing comparison: tuned"),
}


def chart_tune(runs):
    run = next((r for r in reversed(runs) if not r.tune.empty), None)
    if run is None:
        return None, "no nsperf tune run in these files (nsperf tune --synthetic 1024x1024)"
    t = run.tune.copy()
    settings = t.settings.map(json.loads)
    t["compression"] = ["none" if s["run.compression"] == "none" else
                        f"{s['run.compression']}, default level" if s["run.compression_level"] == 0
                        else f"{s['run.compression']} level {s['run.compression_level']}"
                        for s in settings]
    measured = t[(t.repetition >= 0) & (t.status == "ok")]
    if measured.empty:
        return None, f"the tune run {run.run_id} has no measured job run (stopped before any)"
    # The output's size against time only where the search varied the compression.
    front = measured[measured.race != "confirm"]
    varied = front.compression.nunique() > 1
    fig, axes = plt.subplots(1, 2 if varied else 1, figsize=(12 if varied else 7.5, 4.2),
                             squeeze=False)
    ax = axes[0][0]
    races = [k for k in dict.fromkeys(measured.race) if k != "confirm"]
    colours = {k: plt.cm.tab10(i % 10) for i, k in enumerate(races)}
    colours["confirm"] = "black"
    for (race, outcome), g in measured.groupby(["race", "outcome"], sort=False):
        marker, filled, _ = TUNE_OUTCOMES.get(outcome, (".", True, outcome))
        c = colours[race]
        # A line marker (x) has no face: its colour is its face's.
        colour = {"color": c} if marker == "x" else {"facecolors": c if filled else "none",
                                                     "edgecolors": c}
        ax.scatter(g.trial, g.seconds * 1e3, marker=marker, s=22, linewidths=1, zorder=3, **colour)
    failed = t[t.status != "ok"]
    if not failed.empty:
        ax.scatter(failed.trial, [measured.seconds.max() * 1e3] * len(failed), marker="v",
                   color="#d1605e", s=30, label="failed (check or error)", zorder=4)
    low, high = measured.seconds.min() * 1e3, measured.seconds.max() * 1e3
    if high > 4 * low:  # a slow compression would flatten the rest on a linear axis
        ax.set_yscale("log")
        log_ticks(ax.yaxis, low * 0.9, high * 1.1)
    handles = [matplotlib.lines.Line2D([], [], color=colours[k], marker="o", linestyle="",
                                       label=f"race of {k}") for k in races]
    for outcome in TUNE_OUTCOMES:
        if outcome in set(measured.outcome):
            marker, filled, text_ = TUNE_OUTCOMES[outcome]
            handles.append(matplotlib.lines.Line2D([], [], color="grey", marker=marker,
                                                   linestyle="", fillstyle="full" if filled else "none",
                                                   label=text_))
    if not failed.empty:
        handles.append(matplotlib.lines.Line2D([], [], color="#d1605e", marker="v", linestyle="",
                                               label="failed (check or error)"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1),
              borderaxespad=0)
    ax.set_xlabel("job run, in the order run")
    ax.set_ylabel("the job, slowest rank (ms)")
    ax.grid(True, alpha=0.3)
    caption = (f"The measured job runs of nsperf tune ({run.label}; {len(t)} job runs in all, the "
               f"checked run of each candidate not drawn), in the order run: colour is the key "
               f"raced, the marker the candidate's fate in its race")
    if varied:
        bx = axes[0][1]
        per = front.groupby("candidate").agg(seconds=("seconds", "median"),
                                             mib=("output_bytes", "median"),
                                             compression=("compression", "first"))
        per["mib"] = per.mib / 2**20
        points = list(zip(per.seconds, per.mib))
        best = pareto(points)
        markers = "osD^v<>p*h"
        for i, (name, g) in enumerate(per.groupby("compression")):
            bx.scatter(g.seconds * 1e3, g.mib, marker=markers[i % len(markers)], s=30,
                       label=f"compression {name}", zorder=3)
        bx.plot([points[i][0] * 1e3 for i in best], [points[i][1] for i in best], color="#d1605e",
                linestyle="--", marker="o", markersize=9, fillstyle="none", zorder=2,
                label="front: nothing is both faster and smaller")
        bx.set_xlabel("the job, median over its runs (ms)")
        bx.set_ylabel("output file (MiB)")
        bx.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
        bx.grid(True, alpha=0.3)
        caption += ("; right: each candidate's median time against its output's size, the front "
                    "of those nothing beats on both marked")
    fig.tight_layout()
    return png(fig), caption + "."


def chart_whatif(runs):
    run = next((r for r in reversed(runs) if not r.whatif.empty), None)
    if run is None:
        return None, "no nsperf whatif predictions in these files (nsperf whatif FILE.h5 -o OUT.h5)"
    t = run.whatif
    several_tiles = t.tile.nunique() > 1
    fig, (eff, span) = plt.subplots(1, 2, figsize=(11, 4))
    # Partitioners often predict alike: distinct markers and dashes keep an overlaid line visible.
    styles = [("o", "-"), ("s", "--"), ("^", "-."), ("D", ":"), ("v", "-"), ("x", "--")]
    for k, ((partitioner, tile), g) in enumerate(t.groupby(["partitioner", "tile"], sort=False)):
        g = g.sort_values("ranks")
        label = f"{partitioner}, tiles of {tile}" if several_tiles else partitioner
        marker, dash = styles[k % len(styles)]
        for ax, y in ((eff, 100 * g.efficiency), (span, g.makespan_s * 1e3)):
            ax.plot(g["ranks"], y, marker=marker, linestyle=dash, markersize=5,
                    fillstyle="none", label=label)
    least = int(t.ranks.min())
    counts = sorted(int(r) for r in t.ranks.unique())
    for ax in (eff, span):
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(counts))
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel("ranks (simulated)")
        ax.grid(True, which="major", alpha=0.3)
    eff.set_ylabel(f"parallel efficiency against {least} rank{'s' if least > 1 else ''} (%)")
    eff.set_ylim(0, 105)
    span.set_yscale("log")
    ms = t.makespan_s * 1e3
    log_ticks(span.yaxis, float(ms.min()) * 0.9, float(ms.max()) * 1.1)
    span.set_ylabel("predicted makespan (ms)")
    eff.legend(fontsize=7)
    fig.tight_layout()
    source = next((line for line in str(run.attrs.get("notes", "")).splitlines()
                   if line.startswith("whatif of ")), "")
    images = t[["image_width", "image_height"]].drop_duplicates()
    image = ", ".join(f"{w}x{h}" for w, h in images.itertuples(index=False))
    written = (t.write_s > 0).any()
    return png(fig), (f"Predictions, not measurements: {source.replace('whatif of ', 'the costs of ')} "
                      f"replayed on a simulated platform at each rank count ({image} image; "
                      f"makespan {'including the collective write' if written else 'of the pipeline, no write'}); "
                      f"efficiency = speedup x {least} / ranks ({run.label}). docs/whatif.md has "
                      "the model and its measured errors")


def build(runs, profile, title, paths):
    rendered = {
        "speedup": chart_speedup(runs),
        "time-vs-size": chart_time_vs_size(runs),
        "memory-vs-time": chart_memory_vs_time(runs),
        "rank-busy-idle": chart_rank_busy_idle(runs, profile),
        "bandwidth": chart_bandwidth(runs),
        "hotspots": chart_hotspots(profile),
        "scaling": chart_scaling(runs),
        "message-sizes": chart_message_sizes(runs),
        "tune": chart_tune(runs),
        "whatif": chart_whatif(runs),
    }
    sections = []
    present = 0
    for key, heading in CHARTS:
        image, caption = rendered[key]
        if image is not None:
            present += 1
            inner = (f"<img alt='{html.escape(heading)}' src='data:image/png;base64,{image}'>"
                     f"<figcaption>{html.escape(caption)}</figcaption>")
        else:
            inner = f"<p class='absent'>Not drawn: {html.escape(caption)}.</p>"
        sections.append(f"<h2>{html.escape(heading)}</h2><figure class='chart' id='chart-{key}' "
                        f"data-present='{'yes' if image is not None else 'no'}'>{inner}</figure>")
    files = sorted(set(paths))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head>
<body data-charts-expected="{present}" data-charts-total="{len(CHARTS)}">
<h1>{html.escape(title)}</h1>
<p>{len(runs)} distinct run(s) from {len(files)} file(s): {html.escape(', '.join(os.path.basename(f) for f in files))}.
Every figure is a median over repetitions with a distribution-free interval whose true coverage
each caption gives; ratios come from measurements taken side by side in one run.</p>
{''.join(sections)}
<h2>Recommendations</h2><section id="recommendations">{recommendations_html(profile.get('recommendations', []))}</section>
<h2>Provenance</h2><section id="provenance">{provenance_html(runs)}</section>
<script>{CHECK_SCRIPT}</script>
</body></html>
"""


def main():
    parser = argparse.ArgumentParser(description="HTML report of nsperf results files")
    parser.add_argument("files", nargs="+")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--profile-json", help="profiles and recommendations from nsperf report")
    parser.add_argument("--title", default="nsperf report")
    args = parser.parse_args()
    profile = {}
    if args.profile_json:
        with open(args.profile_json) as f:
            profile = json.load(f)
    runs = load(args.files)
    page = build(runs, profile, args.title, args.files)
    with open(args.output, "w") as f:
        f.write(page)


if __name__ == "__main__":
    main()
