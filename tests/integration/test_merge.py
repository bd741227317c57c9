"""nsperf merge: runs copied intact (provenance and tables) into one file that every reader
takes; refusals; and the parallel results reader (scripts/read-results-parallel.py) under
mpirun, against pandas on one process."""
import os
import re

import h5py
import numpy as np
import pandas as pd

from nsperf_testing import MPIEXEC, SOURCE_DIR, TempDirTest, run
import subprocess

BENCH = ["benchmark", "--cpu", "--synthetic", "256x256", "--tile", "64", "-r", "2", "--warmup", "0",
         "--no-progress", "--set", "optimizers.cpu.strategies=scalar,fused"]


class Merge(TempDirTest):
    def make(self, name, ranks, *extra):
        path = self.path(name)
        r = run(BENCH + ["-o", path] + list(extra), ranks=ranks)
        self.assertEqual(r.code, 0, r)
        return path

    def test_runs_are_copied_intact(self):
        a = self.make("a.h5", 2)
        b = self.make("b.h5", 1)
        self.make("b.h5", 2, "--append")
        out = self.path("all.h5")
        r = run(["merge", a, b, "-o", out])
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"merged: {out} (3 runs from 2 files)", r.out)
        with h5py.File(out) as m, h5py.File(a) as fa, h5py.File(b) as fb:
            self.assertEqual(m.attrs["schema_version"], fa.attrs["schema_version"])
            sources = {rid: f for f in (fa, fb) for rid in f["runs"]}
            self.assertEqual(sorted(m["runs"]), sorted(sources))
            for rid, src in sources.items():
                got, want = m["runs"][rid], src["runs"][rid]
                self.assertEqual(dict(got.attrs), dict(want.attrs))
                for table in ("samples", "tiles", "repetitions", "summary", "profile/regions"):
                    # Byte for byte (NaN, "not measured", equals nothing as a number).
                    self.assertGreater(len(want[table][:]), 0, table)
                    self.assertEqual(got[table][:].tobytes(), want[table][:].tobytes(), table)
        # Every reader takes it: profile, compare, export, report.
        self.assertEqual(run(["profile", out]).code, 0)
        self.assertEqual(run(["export", out, "--table", "summary"]).code, 0)
        self.assertEqual(run(["report", out, "-o", self.path("r.html")]).code, 0)

    def test_refusals_write_nothing(self):
        a = self.make("a.h5", 1)
        with h5py.File(self.path("plain.h5"), "w") as f:
            f["x"] = np.arange(3)
        out = self.path("all.h5")
        for args, message in (
                ([a, a, "-o", out], "is in both"),
                ([a, self.path("plain.h5"), "-o", out], "plain.h5: an HDF5 file, but not an nsperf results file"),
                ([a, self.path("absent.h5"), "-o", out], "absent.h5: no such file"),
                ([a], "-o/--output FILE: the merged file is required"),
                ([a, "-o", a], "is one of the input files"),
                ([a, "-o", self.path("no", "x.h5")], "does not exist")):
            with self.subTest(args=args):
                r = run(["merge"] + args)
                self.assertEqual(r.code, 2, r)
                self.assertIn(message, r.err)
                self.assertFalse(os.path.exists(out))
        self.assertEqual(sorted(os.listdir(self.dir)), ["a.h5", "plain.h5"], "no temporary file left")
        self.assertEqual(run(["merge", a, "-o", out]).code, 0)
        r = run(["merge", a, "-o", out])
        self.assertEqual(r.code, 2)
        self.assertIn("exists (--force replaces it)", r.err)
        self.assertEqual(run(["merge", a, "-o", out, "--force"]).code, 0)


class ParallelReader(TempDirTest):
    def test_ranks_read_their_rows_and_agree_with_pandas(self):
        path = self.path("r.h5")
        self.assertEqual(run(BENCH + ["-o", path], ranks=2).code, 0)
        script = os.path.join(SOURCE_DIR, "scripts", "read-results-parallel.py")
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        r = subprocess.run([MPIEXEC, "-n", "3", "--oversubscribe", "/usr/bin/python3", script, path],
                           capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(path) as f:
            run_id = sorted(f["runs"])[0]
            samples = pd.DataFrame(f["runs"][run_id]["samples"][:])
        self.assertIn(f"run {run_id}: {len(samples)} samples, read by 3 ranks", r.stdout)
        for c in ("optimizer", "strategy", "kernel"):
            samples[c] = samples[c].str.decode("utf-8")
        for (o, s, k), g in samples.groupby(["optimizer", "strategy", "kernel"]):
            line = re.search(rf"  {o}/{s}/{k}: (\d+) samples, mean (\S+) s", r.stdout)
            self.assertIsNotNone(line, f"{o}/{s}/{k}")
            self.assertEqual(int(line.group(1)), len(g))
            self.assertAlmostEqual(float(line.group(2)), g.seconds.mean(), delta=1e-5 * g.seconds.mean())
