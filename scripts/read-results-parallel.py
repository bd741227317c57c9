#!/usr/bin/python3
"""Reads an nsperf results file in parallel: every MPI rank reads its own share of the rows of
each run's `samples` table with h5py's MPI-IO driver (collectively), and the ranks combine what
they read: per optimizer, strategy and kernel the sample count, mean, min and max seconds. For
files too large for one process, or as a template for your own parallel analysis.

    mpirun -n 4 /usr/bin/python3 scripts/read-results-parallel.py results.h5

Needs Debian's python3-h5py-mpi and python3-mpi4py (scripts/install-deps installs them). Rank 0
prints one line per group; exits 1 if the rows the ranks read do not add up to the table.
"""
import sys

import h5py
import numpy as np
from mpi4py import MPI


def main():
    comm = MPI.COMM_WORLD
    if len(sys.argv) != 2:
        if comm.rank == 0:
            print(f"usage: mpirun -n N {sys.argv[0]} RESULTS.h5", file=sys.stderr)
        return 2
    if not h5py.get_config().mpi:
        # Debian's h5py falls back to its serial build outside mpirun or without python3-h5py-mpi.
        if comm.rank == 0:
            print("read-results-parallel: this h5py has no MPI support: install python3-h5py-mpi "
                  "and run under mpirun", file=sys.stderr)
        return 2
    failed = False
    with h5py.File(sys.argv[1], "r", driver="mpio", comm=comm) as f:
        for run_id in sorted(f["runs"]):
            table = f["runs"][run_id]["samples"]
            n = table.shape[0]
            # Contiguous shares of rows, one per rank.
            first = comm.rank * n // comm.size
            last = (comm.rank + 1) * n // comm.size
            with table.collective:
                rows = table[first:last]
            # Per group: [count, sum, min, max] of this rank's rows, then combined on rank 0.
            local = {}
            for opt, strat, kern, sec in zip(rows["optimizer"], rows["strategy"], rows["kernel"],
                                             rows["seconds"]):
                key = (opt.decode(), strat.decode(), kern.decode())
                c, s, lo, hi = local.get(key, (0, 0.0, np.inf, -np.inf))
                local[key] = (c + 1, s + float(sec), min(lo, float(sec)), max(hi, float(sec)))
            parts = comm.gather(local, root=0)
            counts = comm.gather(last - first, root=0)
            if comm.rank != 0:
                continue
            merged = {}
            for part in parts:
                for key, (c, s, lo, hi) in part.items():
                    c0, s0, lo0, hi0 = merged.get(key, (0, 0.0, np.inf, -np.inf))
                    merged[key] = (c0 + c, s0 + s, min(lo0, lo), max(hi0, hi))
            read = sum(counts)
            print(f"run {run_id}: {n} samples, read by {comm.size} ranks ({', '.join(map(str, counts))})")
            for (opt, strat, kern), (c, s, lo, hi) in merged.items():
                print(f"  {opt}/{strat}/{kern}: {c} samples, mean {s / c:.6g} s, min {lo:.6g} s, max {hi:.6g} s")
            if read != n or sum(v[0] for v in merged.values()) != n:
                print(f"read-results-parallel: the ranks read {read} rows of {n}", file=sys.stderr)
                failed = True
    failed = comm.bcast(failed, root=0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
