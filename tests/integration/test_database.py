"""The database optimizer end to end: every insert and query strategy at 1 to 4 ranks with its
data verified, rows/s and query plans in the output, and the scratch folder removed."""
import h5py
import pandas as pd

from nsperf_testing import TempDirTest, run

INSERT = {b"naive", b"pooled-connection", b"prepared", b"batched", b"wal"}
QUERY = {b"no-index", b"indexed"}
DESIGNS = {b"rank0-writer", b"per-rank-merge"}


class Database(TempDirTest):
    def test_every_strategy_verified_at_one_to_four_ranks(self):
        for ranks in (1, 2, 3, 4):
            with self.subTest(ranks=ranks):
                out = self.path(f"db{ranks}.h5")
                r = run(["benchmark", "--database", "--synthetic", "256x256", "--tile", "64",
                         "--repetitions", "2", "--warmup", "0", "--no-progress", "-o", out,
                         "--set", "optimizers.database.rows=60", "--set",
                         "optimizers.database.query_rows=5000", "--set", "optimizers.database.batch=25",
                         "--level", "aggressive"], ranks=ranks, timeout=300)
                self.assertEqual(r.code, 0, r)
                with h5py.File(out) as f:
                    g = f["runs"][list(f["runs"])[0]]
                    samples = pd.DataFrame(g["samples"][:])
                    notes = g.attrs["notes"]
                    notes = notes.decode() if isinstance(notes, bytes) else notes
                    summary = pd.DataFrame(g["summary"][:])
                self.assertEqual(set(summary.strategy), INSERT | QUERY | DESIGNS)
                # The two ways to one catalog from every rank: all the rows, checked on rank 0.
                designs = summary[summary.kernel == b"catalog"]
                self.assertTrue((designs.pixels == 60 * ranks).all(), designs.pixels)
                self.assertTrue((samples.check_status == b"passed").all())
                self.assertEqual(set(samples["rank"]), set(range(ranks)))
                inserts = summary[summary.kernel == b"insert"]
                self.assertTrue((inserts.pixels == 60 * ranks).all(), inserts.pixels)  # rows
                queries = summary[summary.kernel == b"query"]
                self.assertEqual(len(set(queries.pixels)), 1)  # both answer with the same rows
                self.assertIn("rows/s", r.out)
                self.assertIn("query plan, indexed: slowest: SCAN tiles USING INDEX tiles_compute_s",
                              r.out)
                self.assertIn("query plan, no-index: slowest: SCAN tiles", r.out)
                # The plans are stored beside the timings, in the run's notes.
                self.assertIn("database: query plan, indexed: slowest: SCAN tiles USING INDEX", notes)
                # One table per kind of operation, in rows; queries measured against no-index.
                self.assertIn("inserts (rows/s = every rank's rows", r.out)
                self.assertIn("speedup over naive", r.out)
                self.assertIn("speedup over no-index", r.out)
                self.assertIn("one catalog from every rank's rows", r.out)
                self.assertIn("speedup over rank0-writer", r.out)
                self.assertNotIn("Mpixel/s", r.out)
                self.assertNotIn("tiles of", r.out.split("database optimizer:")[1].split("\n")[0])
                indexed = queries[queries.strategy == b"indexed"]
                self.assertGreater(len(indexed), 0, queries)
                self.assertTrue((indexed.speedup > 0).all(), queries)
                self.assertEqual([f for f in self.files() if f.startswith(".nsperf-io")], [])
