"""nsperf export: every table of a results file as CSV and JSON, equal to what h5py reads, with
"not measured" (-1 in the integer columns that use it) as NaN."""
import io
import json

import h5py
import numpy as np
import pandas as pd

from nsperf_testing import TempDirTest, run


# Integer columns where -1 means "not measured" (docs/results-schema.md): export writes NaN.
NOT_MEASURED = {"rss_increase_bytes", "held_bytes", "allocations", "queue_bytes", "wire_bytes"}


class Export(TempDirTest):
    def test_every_table_as_csv_and_json_equals_h5py(self):
        out = self.path("r.h5")
        self.assertEqual(run(["benchmark", "--cpu", "--synthetic", "192x128", "--tile", "64", "-r", "2",
                              "--warmup", "0", "--no-progress", "-o", out], ranks=2).code, 0)
        with h5py.File(out) as f:
            run_id = list(f["runs"])[0]
            stored = {t: pd.DataFrame(f["runs"][run_id][t][:])
                      for t in ("samples", "tiles", "repetitions", "summary")}
        for table, want in stored.items():
            with self.subTest(table=table):
                r = run(["export", out, "--table", table])
                self.assertEqual(r.code, 0, r)
                got = pd.read_csv(io.StringIO(r.out), keep_default_na=False, float_precision="round_trip")
                self.assertEqual(list(got.columns), ["run_id"] + list(want.columns))
                self.assertEqual(len(got), len(want))
                self.assertTrue((got.run_id == run_id).all())
                for column in want.columns:
                    w = want[column]
                    if w.dtype.kind in "SO":
                        self.assertEqual(list(got[column].astype(str)),
                                         [v.decode() for v in w], column)
                    elif w.dtype.kind == "u":
                        self.assertEqual([int(v) for v in got[column]], [int(v) for v in w], column)
                    else:
                        expected = w.to_numpy(dtype=float)
                        if column in NOT_MEASURED:
                            self.assertTrue((w == -1).any(), f"{column}: no row left unmeasured")
                            expected[w.to_numpy() == -1] = np.nan
                        np.testing.assert_array_equal(got[column].to_numpy(dtype=float), expected,
                                                      err_msg=column)
                # Floats store "not measured" as NaN themselves (schema 5).
                if "imbalance" in want.columns:
                    self.assertTrue(want.imbalance.isna().any(), "the cpu optimizer measures no imbalance")
                    self.assertFalse((want.imbalance == -1).any())
                j = run(["export", out, "--table", table, "--format", "json", "-o",
                         self.path(table + ".json")])
                self.assertEqual(j.code, 0, j)
                with open(self.path(table + ".json")) as f:
                    rows = json.load(f)
                self.assertEqual(len(rows), len(want))
                self.assertEqual(set(rows[0]), {"run_id"} | set(want.columns))

    def test_bad_arguments_exit_2(self):
        out = self.path("r.h5")
        self.assertEqual(run(["benchmark", "--cpu", "--synthetic", "128x128", "--tile", "64", "-r", "1",
                              "--warmup", "0", "--no-progress", "-o", out], ranks=1).code, 0)
        for args, message in ((["--table", "nope"], "--table nope: valid: samples, tiles"),
                              (["--format", "xml"], "--format xml: valid: csv, json"),
                              (["--run", "x"], "no run 'x' (runs: ")):
            with self.subTest(args=args):
                r = run(["export", out] + args)
                self.assertEqual(r.code, 2, r)
                self.assertIn(message, r.err)
        r = run(["export", self.path("absent.h5")])
        self.assertEqual(r.code, 2, r)
        self.assertIn("absent.h5: no such file", r.err)
