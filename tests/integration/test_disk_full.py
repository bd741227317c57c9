"""A full disk at the results or output write: refused with a clear message before HDF5 starts
writing, no temporary file left, an earlier results file byte for byte as it was."""
import hashlib
import os

from nsperf_testing import TempDirTest, run, small_filesystem

SMALL = ["--cpu", "--synthetic", "64x64", "--tile", "32", "-r", "1", "--warmup", "0", "--no-progress",
         "--set", "optimizers.cpu.strategies=scalar"]


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class DiskFull(TempDirTest):
    def test_results_and_outputs_that_cannot_fit(self):
        with small_filesystem(self, self.path("disk"), "1m") as disk:
            results = os.path.join(disk, "r.h5")
            r = run(["benchmark"] + SMALL + ["-o", results], ranks=2)
            self.assertEqual(r.code, 0, r)
            before = digest(results)
            # A run whose tables need more than what is left: refused, the file untouched.
            r = run(["benchmark", "--cpu", "--synthetic", "1024x1024", "--tile", "32", "-r", "3",
                     "--warmup", "0", "--no-progress", "-o", results, "--append"], ranks=2)
            self.assertEqual(r.code, 1, r)
            self.assertIn(f"{results}: needs about", r.err)
            self.assertIn("the disk is full", r.err)
            self.assertEqual(r.err.count("needs about"), 1)
            self.assertEqual(digest(results), before)
            self.assertEqual(os.listdir(disk), ["r.h5"], "no temporary file left")
            # nsperf run's output (uncompressed: its size is known before the write).
            out = os.path.join(disk, "o.h5")
            r = run(["run", "--synthetic", "1024x1024", "--no-progress", "-o", out], ranks=2)
            self.assertEqual(r.code, 1, r)
            self.assertIn(f"{out}: needs about 5.", r.err)
            self.assertEqual(os.listdir(disk), ["r.h5"])

    def test_a_disk_that_fills_during_the_write(self):
        # A compressed output's size is not known before it is written, so it is not refused up
        # front: the disk fills while HDF5 writes. The job must end (no hang at the collective
        # close, no crash at MPI_Finalize) with exit 1, the temporary file removed and the
        # earlier output untouched.
        with small_filesystem(self, self.path("disk"), "1m") as disk:
            out = os.path.join(disk, "o.h5")
            r = run(["run", "--synthetic", "128x128", "--tile", "64", "--no-progress", "-o", out], ranks=2)
            self.assertEqual(r.code, 0, r)
            before = digest(out)
            r = run(["run", "--synthetic", "1024x1024", "--tile", "128", "--compression", "deflate",
                     "--no-progress", "--force", "-o", out], ranks=2, timeout=90)
            self.assertEqual(r.code, 1, r)
            self.assertIn(f"nsperf: error: writing {out} failed: H5Dwrite", r.err)
            self.assertIn("the job is aborted", r.err)
            self.assertNotIn("Segmentation", r.err)
            self.assertEqual(digest(out), before)
            self.assertEqual(os.listdir(disk), ["o.h5"], "no temporary file left")
