"""nsperf run --catalog: the SQLite tile catalog against the HDF5 output of the same run at 1 to 4
ranks, the sqlite3 command-line client on it, odd file names, a read-only and a locked catalog (the
other catalogs it must refuse are cases of the bad-input corpus, test_bad_input.py)."""
import json
import os
import shutil
import sqlite3
import subprocess

import h5py

from nsperf_testing import SOURCE_DIR, TempDirTest, run, small_filesystem

SMALL_PNG = os.path.join(SOURCE_DIR, "tests", "data", "bad_inputs", "small.png")
QUIET = ["--no-progress"]


class Catalog(TempDirTest):
    def run_into(self, catalog, out, ranks, *args):
        return run(["run", "-o", out, "--catalog", catalog] + QUIET + list(args), ranks=ranks)

    def test_rows_equal_the_hdf5_output_at_one_to_four_ranks(self):
        catalog = self.path("tiles.sqlite")
        for ranks in (1, 2, 3, 4):
            with self.subTest(ranks=ranks):
                out = self.path(f"o{ranks}.h5")
                r = self.run_into(catalog, out, ranks, "--synthetic", "300x200:u16", "--tile", "64",
                                  "--check")
                self.assertEqual(r.code, 0, r)
                self.assertIn(f"catalog: {catalog} (run ", r.out)
                with h5py.File(out) as f:
                    tiles = f["tiles"][:]
                    attrs = dict(f.attrs)
                    run_id = f["provenance"].attrs["run_id"]
                    run_id = run_id.decode() if isinstance(run_id, bytes) else run_id
                db = sqlite3.connect(catalog)
                row = db.execute("SELECT ranks, width, height, tile, threshold, "
                                 "negative_space_fraction, check_status, output, provenance "
                                 "FROM runs WHERE run_id = ?", (run_id,)).fetchone()
                self.assertEqual(row[:4], (ranks, 300, 200, 64))
                self.assertEqual(row[4], attrs["threshold"])
                self.assertAlmostEqual(row[5], attrs["negative_space_fraction"], places=12)
                self.assertEqual((row[6], row[7]), ("passed", out))
                self.assertEqual(json.loads(row[8])["ranks"], ranks)
                rows = db.execute("SELECT tile_id, rank, x, y, width, height, negative_space_fraction, "
                                  "gradient_mean, gradient_max, compute_s, mask_checksum, status, "
                                  "threshold FROM tiles WHERE run_id = ? ORDER BY tile_id",
                                  (run_id,)).fetchall()
                db.close()
                self.assertEqual(len(rows), len(tiles))
                for got, want in zip(rows, sorted(tiles, key=lambda t: t["tile_id"])):
                    self.assertEqual(got[:6], (want["tile_id"], want["rank"], want["x"], want["y"],
                                               want["width"], want["height"]))
                    for i, name in ((6, "negative_space_fraction"), (7, "gradient_mean"),
                                    (8, "gradient_max"), (9, "compute_s")):
                        self.assertEqual(got[i], want[name], name)
                    self.assertEqual(got[10], f"{int(want['mask_checksum']):016x}")
                    self.assertEqual(got[11], want["check_status"].decode())
                    self.assertEqual(got[12], attrs["threshold"])
        # Every run kept, and the command-line client answers as users expect.
        p = subprocess.run(["sqlite3", catalog, "select count(*) from runs; "
                            "select count(distinct run_id) from tiles where status = 'passed';"],
                           capture_output=True, text=True)
        self.assertEqual(p.stdout.split(), ["4", "4"], p.stderr)

    def test_a_file_name_with_quotes(self):
        odd = self.path("o'brien \"x\"; drop table runs.png")
        shutil.copy(SMALL_PNG, odd)
        catalog = self.path("c.sqlite")
        r = self.run_into(catalog, self.path("o.h5"), 2, "--image", odd, "--tile", "32")
        self.assertEqual(r.code, 0, r)
        db = sqlite3.connect(catalog)
        self.assertEqual(db.execute("SELECT source_file FROM runs").fetchall(), [(odd,)])
        self.assertEqual(db.execute("SELECT count(*) FROM tiles").fetchone(), (4,))

    def test_a_read_only_catalog_is_refused_before_any_work(self):
        catalog = self.path("c.sqlite")
        self.assertEqual(self.run_into(catalog, self.path("a.h5"), 1, "--synthetic", "64x64",
                                       "--tile", "32").code, 0)
        # Root writes through permission bits; an immutable file it cannot write.
        if subprocess.run(["chattr", "+i", catalog], capture_output=True).returncode != 0:
            self.skipTest("chattr +i is not allowed here")
        try:
            out = self.path("b.h5")
            r = self.run_into(catalog, out, 2, "--synthetic", "64x64", "--tile", "32")
            self.assertEqual(r.code, 2, r)
            self.assertIn(f"catalog {catalog}: read-only", r.err)
            self.assertFalse(os.path.exists(out))
        finally:
            subprocess.run(["chattr", "-i", catalog])

    def test_a_locked_catalog_is_a_clear_error(self):
        catalog = self.path("c.sqlite")
        self.assertEqual(self.run_into(catalog, self.path("a.h5"), 1, "--synthetic", "64x64",
                                       "--tile", "32").code, 0)
        holder = sqlite3.connect(catalog, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            r = self.run_into(catalog, self.path("b.h5"), 2, "--synthetic", "64x64", "--tile", "32")
            self.assertEqual(r.code, 1, r)
            self.assertIn("locked by another process", r.err)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        db = sqlite3.connect(catalog)
        self.assertEqual(db.execute("SELECT count(*) FROM runs").fetchone(), (1,))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone(), ("ok",))

    def test_a_full_disk_is_a_clear_error_and_leaves_the_catalog_consistent(self):
        with small_filesystem(self, self.path("small"), "256k") as disk:
            catalog = os.path.join(disk, "tiles.sqlite")
            self.assertEqual(self.run_into(catalog, self.path("a.h5"), 2, "--synthetic", "128x128",
                                           "--tile", "32").code, 0)
            # 16384 tile rows do not fit in what is left of 256 KiB.
            r = self.run_into(catalog, self.path("b.h5"), 2, "--synthetic", "4096x4096",
                              "--tile", "32")
            self.assertEqual(r.code, 1, r)
            self.assertIn(f"catalog {catalog}", r.err)
            self.assertIn("the disk is full", r.err)
            self.assertEqual(r.err.count("the disk is full"), 1, r)
            db = sqlite3.connect(catalog)
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone(), ("ok",))
            self.assertEqual(db.execute("SELECT count(*) FROM runs").fetchone(), (1,))
            self.assertEqual(db.execute("SELECT count(*) FROM tiles").fetchone(), (16,))
            db.close()
