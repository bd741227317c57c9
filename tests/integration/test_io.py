"""The io optimizer end to end: every I/O strategy at 1 to 4 ranks with its data verified, the
files' sizes (compressed HDF5 smaller), MiB/s in the summary, cold reads, the scratch folder
(under --io-dir or beside the results) removed afterwards, and a bad --io-dir."""
import os

import h5py
import pandas as pd

from nsperf_testing import TempDirTest, run

STRATEGIES = {b"unbuffered", b"buffered", b"mmap", b"batched", b"posix-shared", b"posix-fpp",
              b"mpiio-independent", b"mpiio-collective", b"hdf5-independent", b"hdf5-collective",
              b"hdf5-chunked-deflate", b"hdf5-chunked-zstd"}
# IOR's methods at the same bytes, measured beside the strategies every time.
REFERENCES = {b"ior-posix", b"ior-hdf5"}


def tables_of(path):
    with h5py.File(path) as f:
        g = f["runs"][list(f["runs"])[-1]]
        return pd.DataFrame(g["samples"][:]), pd.DataFrame(g["summary"][:])


class Io(TempDirTest):
    def bench(self, ranks, *extra, size="400x300", tile=64):
        out = self.path(f"io{ranks}.h5")
        r = run(["benchmark", "--io", "--synthetic", size, "--tile", str(tile), "--repetitions", "2",
                 "--warmup", "1", "--no-progress", "--force", "-o", out] + list(extra),
                ranks=ranks, timeout=300)
        self.assertEqual(r.code, 0, r)
        return (r,) + tables_of(out)

    def test_every_strategy_verified_at_one_to_four_ranks(self):
        for ranks in (1, 2, 3, 4):
            with self.subTest(ranks=ranks):
                r, samples, summary = self.bench(ranks)
                self.assertEqual(set(summary.strategy), STRATEGIES | REFERENCES)
                self.assertEqual(set(summary.kernel), {b"write", b"read"})
                self.assertTrue((samples.check_status == b"passed").all())
                # Every reference written and read back on every rank, and checked.
                for name in REFERENCES:
                    mine = samples[samples.strategy == name]
                    self.assertEqual(len(mine), 2 * 2 * ranks, (name, mine))  # 2 reps x w/r
                    self.assertTrue((mine.check_status == b"passed").all(), (name, mine))
                self.assertEqual(set(samples["rank"]), set(range(ranks)))
                # Every rank's bytes: the float32 gradient of the whole image, per repetition.
                self.assertTrue((summary.bytes == 400 * 300 * 4).all(), summary.bytes)
                for _, row in summary.iterrows():
                    if row.strategy.startswith(b"hdf5-chunked"):
                        self.assertLess(row.wire_bytes, row.bytes, row.strategy)
                    elif row.strategy.startswith(b"hdf5") or row.strategy == b"ior-hdf5":
                        self.assertGreater(row.wire_bytes, row.bytes)  # HDF5's own metadata
                    else:
                        self.assertEqual(row.wire_bytes, row.bytes, row.strategy)
                # One table per kind of operation, MiB/s against plain POSIX, no pixel figures.
                self.assertIn("writes (MiB/s = every rank's bytes / median time", r.out)
                self.assertIn("reads (cold", r.out)
                self.assertRegex(r.out, r"\n  posix-fpp .* 100% ")
                self.assertNotIn("Mpixel/s", r.out)
                self.assertIn("reads are cold", r.out)
                self.assertIn("hdf5-collective writes at", r.out)
                self.assertRegex(r.out, r"hdf5-collective writes at [0-9.]+% of the speed of "
                                        r"ior-hdf5, IOR's method for the same bytes")
                # The scratch folder beside the results file is gone.
                self.assertEqual([f for f in self.files() if f.startswith(".nsperf-io")], [])

    def test_io_dir_and_a_bad_one(self):
        scratch = self.path("scratch")
        os.mkdir(scratch)
        r, samples, _ = self.bench(2, "--io-dir", scratch, "--set",
                                   "optimizers.io.strategies=posix-fpp,hdf5-collective")
        self.assertIn(f"scratch folder under {scratch}", r.out)
        self.assertEqual(set(samples.strategy),
                         {b"unbuffered", b"posix-fpp", b"hdf5-collective"} | REFERENCES)
        self.assertEqual(os.listdir(scratch), [])
        out = self.path("bad.h5")
        r = run(["benchmark", "--io", "--synthetic", "128x128", "--tile", "64", "--io-dir",
                 self.path("absent"), "-o", out, "--no-progress"], ranks=2)
        self.assertEqual(r.code, 2, r)
        self.assertIn("--io-dir " + self.path("absent") + ": not a folder", r.err)
        self.assertFalse(os.path.exists(out))

    def test_a_failing_write_is_agreed_and_cleans_up(self):
        out = self.path("f.h5")
        r = run(["benchmark", "--io", "--synthetic", "128x128", "--tile", "64", "-o", out,
                 "--no-progress"], ranks=2, env={"NSPERF_FAULT": "rank:1,phase:io-write-start"})
        self.assertEqual(r.code, 1, r)
        self.assertIn("rank 1: fault injected by NSPERF_FAULT", r.err)
        self.assertEqual(self.files(), [])
