#!/usr/bin/python3
"""Reads an `nsperf run` output file in parallel: every MPI rank reads its own band of rows of
/mask and /gradient with h5py's MPI-IO driver, and rank 0 prints what each rank found.

    mpirun -n 4 /usr/bin/python3 scripts/read-output-parallel.py nsperf-output.h5

Needs Debian's python3-h5py-mpi and python3-mpi4py (scripts/install-deps installs them). For
zstd-compressed outputs, set HDF5_PLUGIN_PATH to nsperf's plugin folder (docs/hdf5-zstd.md).
Exits 1 if the negative-space fraction summed over the bands differs from the one nsperf stored.
"""
import sys

import h5py
import numpy as np
from mpi4py import MPI


def main():
    comm = MPI.COMM_WORLD
    if len(sys.argv) != 2:
        if comm.rank == 0:
            print(f"usage: mpirun -n N {sys.argv[0]} OUTPUT.h5", file=sys.stderr)
        return 2
    if not h5py.get_config().mpi:
        # Debian's h5py falls back to its serial build outside mpirun or without python3-h5py-mpi.
        if comm.rank == 0:
            print("read-output-parallel: this h5py has no MPI support: install python3-h5py-mpi "
                  "and run under mpirun", file=sys.stderr)
        return 2
    path = sys.argv[1]
    with h5py.File(path, "r", driver="mpio", comm=comm) as f:
        mask = f["mask"]
        height, width = mask.shape
        # Contiguous bands of rows, one per rank (the last ones may be a row shorter).
        first = comm.rank * height // comm.size
        last = (comm.rank + 1) * height // comm.size
        with mask.collective:
            band = mask[first:last, :]
        with f["gradient"].collective:
            gradient = f["gradient"][first:last, :]
        background = int(np.count_nonzero(band))
        stored = float(f.attrs["negative_space_fraction"])
        threshold = int(f.attrs["threshold"])
    rows = comm.gather((comm.rank, first, last, background, float(gradient.max(initial=0.0))), root=0)
    total = comm.reduce(background, op=MPI.SUM, root=0)
    if comm.rank != 0:
        return 0
    for rank, a, b, bg, gmax in rows:
        print(f"rank {rank}: rows {a}-{b - 1}, negative space {bg / max(1, (b - a) * width):.4f}, "
              f"max gradient {gmax:.4g}")
    fraction = total / (width * height)
    print(f"{path}: {width}x{height}, threshold bin {threshold}, negative space {fraction:.6f} "
          f"(stored: {stored:.6f}) read by {comm.size} ranks")
    if abs(fraction - stored) > 1e-9:
        print("read-output-parallel: the bands disagree with the stored fraction", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
