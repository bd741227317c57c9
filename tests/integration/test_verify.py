"""nsperf verify: intact results and outputs pass; a byte flipped in a copy (a results table, a
mask or gradient chunk, the tiles table) is found and named; files of another kind exit 2."""
import os
import shutil

import h5py
import numpy as np

from nsperf_testing import TempDirTest, flip, run


class Verify(TempDirTest):
    def setUp(self):
        super().setUp()
        self.results = self.path("r.h5")
        self.assertEqual(run(["benchmark", "--cpu", "--synthetic", "256x256", "--tile", "64", "-r", "2",
                              "--warmup", "0", "--no-progress", "-o", self.results], ranks=2).code, 0)
        self.output = self.path("o.h5")
        self.assertEqual(run(["run", "--synthetic", "300x200", "--tile", "64", "--no-progress",
                              "-o", self.output], ranks=3).code, 0)
        self.zstd = self.path("z.h5")
        self.assertEqual(run(["run", "--synthetic", "300x200", "--tile", "64", "--no-progress",
                              "--compression", "zstd", "-o", self.zstd], ranks=2).code, 0)

    def copy(self, source, name):
        target = self.path(name)
        shutil.copy(source, target)
        return target

    def test_intact_files_pass(self):
        r = run(["verify", self.results, self.output, self.zstd])
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"{self.results} (results): intact", r.out)
        self.assertIn(f"{self.output} (output): intact", r.out)
        self.assertRegex(r.out, r"/samples: \d+ rows, checksum matches")
        self.assertIn("/mask: 20 tiles, checksums match /tiles", r.out)
        self.assertIn("/gradient: 20 tiles, checksums match /tiles", r.out)
        self.assertNotIn("DAMAGED", r.out)

    def test_a_flipped_byte_is_found_and_named(self):
        with h5py.File(self.results) as f:
            run_id = sorted(f["runs"])[0]
            samples = f["runs"][run_id]["samples"]
            offset = samples.id.get_offset() + samples.id.get_storage_size() // 2
        bad = self.copy(self.results, "bad-results.h5")
        flip(bad, offset)
        r = run(["verify", bad])
        self.assertEqual(r.code, 1, r)
        self.assertIn(f"DAMAGED runs/{run_id}/samples", r.out)
        self.assertEqual(r.out.count("DAMAGED "), 1, r.out)

        for name, source in (("mask", self.output), ("gradient", self.zstd)):
            with h5py.File(source) as f:
                chunk = f[name].id.get_chunk_info(5)
            bad = self.copy(source, f"bad-{name}.h5")
            flip(bad, chunk.byte_offset + chunk.size // 2)
            r = run(["verify", bad])
            self.assertNotEqual(r.code, 0, r)
            self.assertIn(f"/{name}", r.out[r.out.index("DAMAGED"):])

        with h5py.File(self.output) as f:
            tiles = f["tiles"]
            offset = tiles.id.get_offset() + 3
        bad = self.copy(self.output, "bad-tiles.h5")
        flip(bad, offset)
        r = run(["verify", bad])
        self.assertEqual(r.code, 1, r)
        self.assertIn("DAMAGED tiles", r.out)

    def test_other_files_exit_2(self):
        with h5py.File(self.path("plain.h5"), "w") as f:
            f["x"] = np.arange(3)
        truncated = self.copy(self.results, "truncated.h5")
        with open(truncated, "r+b") as f:
            f.truncate(os.path.getsize(truncated) // 2)
        for path, message in ((self.path("plain.h5"), "neither an nsperf results file, an output of nsperf run"),
                              (self.path("absent.h5"), "absent.h5: no such file")):
            r = run(["verify", path])
            self.assertEqual(r.code, 2, r)
            self.assertIn(message, r.err)
        r = run(["verify", truncated])
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("truncated.h5", r.out + r.err)
