"""Files written by an earlier nsperf read the same today.

tests/data/written-before-reshape holds a results file (`benchmark --all`, 2 ranks) and a
`run` output (zstd) written by main at 7f68b35, before the orchestration was reshaped
(issue 19), with what report, compare, verify, export and profile printed for them then.
A change that alters what these commands print for the same file shows here; when the change
is meant, regenerate the expected outputs with the commands in EXPECTED and say so in the
commit.
"""
import gzip
import json
import math
import os
import shutil

from nsperf_testing import SOURCE_DIR, TempDirTest, run

DATA = os.path.join(SOURCE_DIR, "tests", "data", "written-before-reshape")

# expected output -> the arguments that printed it (in the folder holding both files)
EXPECTED = {
    "verify.txt": ["verify", "results.h5", "output.h5"],
    "compare.txt": ["compare", "results.h5", "results.h5"],
    "compare.json": ["compare", "results.h5", "results.h5", "--format", "json"],
    "profile.txt": ["profile", "results.h5"],
    "profile-tree.txt": ["profile", "results.h5", "--tree"],
    "profile.json": ["profile", "results.h5", "--format", "json"],
    "export-samples.csv": ["export", "results.h5", "--table", "samples"],
    "export-tiles.csv": ["export", "results.h5", "--table", "tiles"],
    "export-repetitions.csv": ["export", "results.h5", "--table", "repetitions"],
    "export-summary.csv": ["export", "results.h5", "--table", "summary"],
    "export-summary.json": ["export", "results.h5", "--table", "summary", "--format", "json"],
}


def unpack(name, into):
    with gzip.open(os.path.join(DATA, name + ".gz"), "rb") as src, open(os.path.join(into, name), "wb") as dst:
        shutil.copyfileobj(src, dst)


def expected(name):
    with gzip.open(os.path.join(DATA, name + ".gz"), "rt") as f:
        return f.read()


def assert_close(test, got, want, where="$"):
    """JSON values equal, numbers to 1e-9 relative (a build with other floating-point
    contraction may differ in the last digits of a computed statistic)."""
    if isinstance(want, dict):
        test.assertIsInstance(got, dict, where)
        test.assertEqual(sorted(got), sorted(want), where)
        for k in want:
            assert_close(test, got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        test.assertIsInstance(got, list, where)
        test.assertEqual(len(got), len(want), where)
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(test, g, w, f"{where}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        test.assertIsInstance(got, (int, float), where)
        test.assertTrue(math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-300) or (math.isnan(got) and math.isnan(want)),
                        f"{where}: {got} != {want}")
    else:
        test.assertEqual(got, want, where)


class OldFiles(TempDirTest):
    def setUp(self):
        super().setUp()
        if not os.path.isdir(DATA):
            self.fail(f"{DATA} is missing: it is part of the source tree")
        for name in ("results.h5", "output.h5"):
            unpack(name, self.dir)

    def test_every_command_prints_what_it_printed_then(self):
        self.assertTrue(EXPECTED)
        for name, args in EXPECTED.items():
            with self.subTest(output=name):
                r = run(args, cwd=self.dir)
                self.assertEqual(r.code, 0, r)
                want = expected(name)
                if name.endswith(".json"):
                    assert_close(self, json.loads(r.out), json.loads(want))
                else:
                    self.assertEqual(r.out, want)

    def test_export_refuses_an_output_file_as_it_did(self):
        r = run(["export", "output.h5"], cwd=self.dir)
        self.assertEqual(r.code, 2, r)
        with open(os.path.join(DATA, "export-output.txt")) as f:
            self.assertEqual(r.err, f.read())

    def test_report_draws_both_files(self):
        r = run(["report", "results.h5", "output.h5", "-o", "report.html"], cwd=self.dir)
        self.assertEqual(r.code, 0, r)
        with open(self.path("report.html")) as f:
            html = f.read()
        self.assertIn("20261204T220005Z-7c0f", html)  # the results file's run
        self.assertIn("output.h5", html)
        for section in ("Speedup per optimizer and strategy", "Hotspots", "Recommendations", "Provenance"):
            self.assertIn(f"<h2>{section}", html)
        self.assertGreater(html.count("data:image/png;base64,"), 3)
