#!/usr/bin/python3
"""nsperf's network and io optimizers side by side with the standard peers, alternating runs
and quoting medians and ratios (docs/benchmarks.md has the table this prints).

    bench/vs_peers.py network --osu DIR [--nsperf BIN] [--rounds 3]
    bench/vs_peers.py io --ior BIN [--nsperf BIN] [--rounds 3] [--dir DIR]
    bench/vs_peers.py run-write [--nsperf BIN] [--rounds 5] [--dir DIR]

network: osu_bw and osu_latency (DIR holds them, built from the OSU micro-benchmarks' public
source in a scratch folder), bench/plain_tiles.c (built here with mpicc) and `nsperf benchmark
--network --synthetic 4096x4096 --tile 512`, each at the tile's size (272,484 B), 2 ranks, one
after the other in every round. io: IOR (-a HDF5 -c -e -w and -a POSIX -e -w, -b = one
rank's share of the 64 MiB stream, -t 4m, -i 10: the median iteration) and `nsperf benchmark
--io` on the same image (-r 10: the median repetition).
run-write: `nsperf run` on that image (or --synthetic WxH --tile N; compression none, a new
output each time: replacing an existing file adds the old one's unlinking to the write), with
and without run.early_writeback, against `nsperf benchmark --io`'s hdf5-collective, MiB/s of
the write stage (open to the durable rename) against MiB/s of open to durable close, the three
in a different order every round, each after a sync. Peers are never part of nsperf: build them elsewhere and point at them.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

import h5py
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
TILE_BYTES = 522 * 522  # a 512-pixel u8 tile with its 5-pixel halo
IMAGE = ["--synthetic", "4096x4096", "--tile", "512"]


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout


def mpirun(*cmd):
    return sh(["mpirun", "-n", "2"] + list(cmd))


def osu(binary, column):
    out = mpirun(binary, "-m", f"{TILE_BYTES}:{TILE_BYTES}")
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == str(TILE_BYTES):
            return float(parts[column])
    sys.exit(f"{binary}: no line for {TILE_BYTES} bytes in:\n{out}")


def summary(path):
    with h5py.File(path) as f:
        run = f["runs"][sorted(f["runs"])[-1]]
        df = pd.DataFrame(run["summary"][:])
        notes = run.attrs.get("notes", b"")
    for c in ("optimizer", "strategy", "kernel"):
        df[c] = df[c].str.decode("utf-8")
    return df, notes.decode() if isinstance(notes, bytes) else str(notes)


def network(args, scratch):
    plain = os.path.join(scratch, "plain_tiles")
    sh(["mpicc", "-O2", os.path.join(HERE, "plain_tiles.c"), "-o", plain])
    rows = {}

    def add(name, value):
        rows.setdefault(name, []).append(value)

    out = os.path.join(scratch, "net.h5")
    for round_ in range(args.rounds):
        add("osu_bw GB/s", osu(os.path.join(args.osu, "osu_bw"), 1) / 1e3)
        add("osu_latency us", osu(os.path.join(args.osu, "osu_latency"), 1))
        # 32 tiles go to rank 1 at 4096x4096 with 512-pixel tiles on 2 ranks.
        plain_figures = json.loads(mpirun(plain, str(TILE_BYTES), "32", "20"))
        add("plain C ping-pong over the tiles us", plain_figures["ping_pong_latency_us"])
        add("plain C stream over the tiles GB/s", plain_figures["stream_gbyte_per_s"])
        warm = json.loads(mpirun(plain, str(TILE_BYTES), "32", "20", "warm"))
        add("plain C ping-pong over warm tiles us", warm["ping_pong_latency_us"])
        add("plain C stream over warm tiles GB/s", warm["stream_gbyte_per_s"])
        mpirun(args.nsperf, "benchmark", "--network", *IMAGE, "-r", "10", "--no-progress",
               "--force", "-o", out)
        df, notes = summary(out)
        t = df[df.kernel == "transfer"].set_index("strategy")
        for s in ("blocking", "nonblocking", "persistent", "mpi-stream-1buf", "mpi-stream",
                  "mpi-scatterv"):
            add(f"nsperf {s} GB/s", t.loc[s, "gbyte_per_s"])
        for s in ("mpi-ping-pong-1buf", "mpi-ping-pong"):
            m = re.search(rf"([0-9.]+) us \({s},", notes)
            add(f"nsperf {s} us", float(m.group(1)) if m else float("nan"))
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in rows.items()}
    for k, v in rows.items():
        print(f"{k:45s} median {med[k]:9.3f}   runs {', '.join(f'{x:.3f}' for x in v)}")
    print()
    bw, lat = med["osu_bw GB/s"], med["osu_latency us"]
    for s in ("blocking", "nonblocking", "persistent", "mpi-stream-1buf", "mpi-stream"):
        print(f"nsperf {s} / osu_bw: {med[f'nsperf {s} GB/s'] / bw:.2f}")
    print(f"nsperf blocking / nsperf mpi-stream (same tiles): "
          f"{med['nsperf blocking GB/s'] / med['nsperf mpi-stream GB/s']:.2f}")
    print(f"nsperf mpi-stream / plain C stream: "
          f"{med['nsperf mpi-stream GB/s'] / med['plain C stream over the tiles GB/s']:.2f}")
    print(f"nsperf mpi-ping-pong-1buf latency / osu_latency: "
          f"{med['nsperf mpi-ping-pong-1buf us'] / lat:.2f}")
    print(f"nsperf mpi-ping-pong latency / plain C ping-pong: "
          f"{med['nsperf mpi-ping-pong us'] / med['plain C ping-pong over the tiles us']:.2f}")


def ior(binary, api, block, folder):
    test = os.path.join(folder, f"ior-{api.lower()}.dat")
    flags = ["-c"] if api == "HDF5" else []
    # 10 iterations, as nsperf's 10 repetitions; the median of IOR's per-iteration lines (its
    # first iteration, on a file system that just lost the last run's file, is the slowest).
    out = mpirun(binary, "-a", api, *flags, "-e", "-w", "-i", "10", "-b", block, "-t", "4m",
                 "-o", test)
    runs = [float(m) for m in re.findall(r"^write\s+([0-9.]+)", out, re.M)]
    if not runs:
        sys.exit(f"ior: no write line in:\n{out}")
    return statistics.median(runs)  # MiB/s


def io(args, scratch):
    folder = args.dir or scratch
    rows = {}
    out = os.path.join(scratch, "io.h5")
    for round_ in range(args.rounds):
        rows.setdefault("IOR HDF5 collective MiB/s", []).append(ior(args.ior, "HDF5", "32m", folder))
        rows.setdefault("IOR POSIX MiB/s", []).append(ior(args.ior, "POSIX", "32m", folder))
        mpirun(args.nsperf, "benchmark", "--io", *IMAGE, "-r", "10", "--no-progress", "--force",
               "-o", out, "--io-dir", folder)
        df, _ = summary(out)
        w = df[df.kernel == "write"].set_index("strategy")
        for s in w.index:
            rows.setdefault(f"nsperf {s} MiB/s", []).append(w.loc[s, "gbyte_per_s"] * 1e9 / 2**20)
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in rows.items()}
    for k, v in rows.items():
        print(f"{k:45s} median {med[k]:8.0f}   runs {', '.join(f'{x:.0f}' for x in v)}")
    print()
    h5 = med["IOR HDF5 collective MiB/s"]
    print(f"nsperf hdf5-collective / IOR HDF5: {med['nsperf hdf5-collective MiB/s'] / h5:.2f}")
    print(f"nsperf ior-hdf5 / IOR HDF5: {med['nsperf ior-hdf5 MiB/s'] / h5:.2f}")
    print(f"nsperf ior-posix / IOR POSIX: {med['nsperf ior-posix MiB/s'] / med['IOR POSIX MiB/s']:.2f}")
    print(f"nsperf hdf5-collective / nsperf posix-fpp: "
          f"{med['nsperf hdf5-collective MiB/s'] / med['nsperf posix-fpp MiB/s']:.2f}")
    print(f"IOR HDF5 / IOR POSIX: {h5 / med['IOR POSIX MiB/s']:.2f}")


def run_write(args, scratch):
    folder = args.dir or scratch
    image = ["--synthetic", args.synthetic, "--tile", str(args.tile)]
    names = ["nsperf run write", "nsperf run write, early_writeback=false", "hdf5-collective"]
    rows = {n: [] for n in names}

    def run(extra):
        out = os.path.join(folder, "run.h5")
        text = mpirun(args.nsperf, "run", *image, "--compression", "none", "--no-progress",
                      "-o", out, *extra)
        m = re.search(r"write [0-9.]+ m?s \(([0-9.]+) MiB, ([0-9.]+) MiB/s", text)
        if not m:
            sys.exit(f"nsperf run: no write figure in:\n{text}")
        os.remove(out)
        return float(m.group(2))

    def collective():
        res = os.path.join(scratch, "io.h5")
        mpirun(args.nsperf, "benchmark", "--io", *image, "-r", "5", "--no-progress", "--force",
               "-o", res, "--io-dir", folder, "--set", "optimizers.io.strategies=hdf5-collective")
        df, _ = summary(res)
        w = df[(df.kernel == "write") & (df.strategy == "hdf5-collective")]
        return w.gbyte_per_s.iloc[0] * 1e9 / 2**20

    measure = {names[0]: lambda: run([]),
               names[1]: lambda: run(["--set", "run.early_writeback=false"]),
               names[2]: collective}
    for round_ in range(args.rounds):
        # A different order every round; each command starts with nothing of the one before
        # still on its way to disk (sync: the other's deleted files discarded, its pages written).
        for name in names[round_ % 3:] + names[:round_ % 3]:
            os.sync()
            rows[name].append(measure[name]())
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"{' '.join(image)}, 2 ranks, MiB/s (runs in order; medians)")
    for k, v in rows.items():
        print(f"{k:45s} median {med[k]:8.0f}   runs {', '.join(f'{x:.0f}' for x in v)}")
    for k in names[:2]:
        print(f"{k} / hdf5-collective: {med[k] / med['hdf5-collective']:.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    n = sub.add_parser("network")
    n.add_argument("--osu", required=True, help="folder holding osu_bw and osu_latency")
    i = sub.add_parser("io")
    i.add_argument("--ior", required=True, help="the ior binary (built with HDF5)")
    i.add_argument("--dir", help="where the files go (default: a scratch folder)")
    w = sub.add_parser("run-write")
    w.add_argument("--dir", help="where the files go (default: a scratch folder)")
    w.add_argument("--synthetic", default="4096x4096", help="the image (default 4096x4096)")
    w.add_argument("--tile", type=int, default=512, help="its tile (default 512)")
    for s in (n, i, w):
        s.add_argument("--nsperf", default=os.path.join(HERE, "..", "build", "ci", "bin", "nsperf"))
        s.add_argument("--rounds", type=int, default=5 if s is w else 3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="nsperf-vs-peers-") as scratch:
        {"network": network, "io": io, "run-write": run_write}[args.what](args, scratch)


if __name__ == "__main__":
    main()
