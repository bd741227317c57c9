"""nsperf report (and benchmark --visualize): one self-contained HTML page, opened in headless
Chromium to check that it renders with every chart; bad inputs write nothing."""
import os
import re
import shutil
import subprocess
import tempfile

import h5py
import numpy as np

from nsperf_testing import TempDirTest, run

COMMON = ["--skew", "50", "-r", "3", "--warmup", "1", "--no-progress", "--tile", "64"]
ALL = ["benchmark", "--all", "--synthetic", "512x512", "--set", "optimizers.database.rows=40",
       "--set", "optimizers.database.query_rows=4000", "--sizes", "8:64K"] + COMMON
CHARTS = ["speedup", "time-vs-size", "memory-vs-time", "rank-busy-idle", "bandwidth", "hotspots",
          "scaling", "message-sizes", "tune", "whatif"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def rendered_dom(test, page):
    """The page's DOM after its scripts ran, as headless Chromium renders it."""
    browser = chromium()
    if browser is None:
        test.skipTest("no Chromium here to render the report (scripts/install-deps installs it)")
    profile = tempfile.mkdtemp(prefix="nsperf_chromium_")
    try:
        # The flags keep a root, offline, display-less Chromium quiet and local.
        r = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync",
                            f"--user-data-dir={profile}", "--virtual-time-budget=10000",
                            "--dump-dom", "file://" + os.path.abspath(page)],
                           capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    test.assertEqual(r.returncode, 0, r.stderr)
    return r.stdout


class Report(TempDirTest):
    def test_every_chart_renders_in_chromium(self):
        a = self.path("all.h5")
        self.assertEqual(run(ALL + ["-o", a], ranks=2, timeout=600).code, 0)
        # A second size (time against size) and a second rank count (scaling), in one file.
        b = self.path("more.h5")
        cpu = ["benchmark", "--cpu", "--set", "optimizers.cpu.strategies=scalar,fused"] + COMMON
        self.assertEqual(run(cpu + ["--synthetic", "1024x512", "-o", b], ranks=2).code, 0)
        self.assertEqual(run(cpu + ["--synthetic", "512x512", "-o", b, "--append"], ranks=1).code, 0)
        # A search of nsperf tune whose space varies the compression (the time-size front).
        t = self.path("tune.h5")
        tune = run(["tune", "--synthetic", "256x256", "--budget", "60", "--space",
                    "run.strategy=fused", "--space", "input.tile=128", "--results", t, "-o",
                    self.path("tuned.json"), "--no-progress"], ranks=2)
        self.assertEqual(tune.code, 0, tune)
        # nsperf whatif's predictions from the distributed optimizer's tile costs in `a`.
        w = self.path("whatif.h5")
        whatif = run(["whatif", a, "--ranks", "1,2,16", "-o", w, "--no-progress"])
        self.assertEqual(whatif.code, 0, whatif)
        out = self.path("report.html")
        r = run(["report", a, b, t, w, "-o", out, "--title", "test report"])
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"report: {out} (5 distinct runs from 4 files)", r.out)
        with open(out) as f:
            page = f.read()
        self.assertNotIn("src='http", page, "self-contained: nothing is fetched")
        dom = rendered_dom(self, out)
        body = re.search(r"<body([^>]*)>", dom).group(1)
        attrs = dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', body))
        self.assertEqual(attrs["data-charts-total"], str(len(CHARTS)))
        self.assertEqual(attrs["data-charts-expected"], str(len(CHARTS)), dom[:3000])
        self.assertEqual(attrs["data-charts-loaded"], str(len(CHARTS)), "every image decoded")
        self.assertEqual(attrs["data-charts-broken"], "0")
        for chart in CHARTS:
            figure = re.search(rf"<figure class=\"chart\" id=\"chart-{chart}\"[^>]*>(.*?)</figure>", dom, re.S)
            self.assertIsNotNone(figure, chart)
            self.assertIn("<img", figure.group(1), chart)
        self.assertIn('id="recommendations"', dom)
        self.assertIn("static-block", dom)  # the imbalance recommendation
        self.assertIn('id="provenance-table"', dom)
        self.assertEqual(dom.count("<th>more.h5: "), 2)
        self.assertIn("each candidate's median time against its output's size", dom)
        self.assertIn("Predictions, not measurements", dom)
        # What the charts say: values on the speedup bars (drawn into the image) are announced
        # by the caption's true coverage; series join sizes of one input and dtype only.
        self.assertRegex(dom, r"with its interval \(coverage [0-9.]+%")
        self.assertIn("one line per input, dtype, strategy and rank count", dom)
        self.assertNotIn("95% interval", dom)
        # A run found in two files (a merged file and one of its parts) counts once.
        merged = self.path("merged.h5")
        self.assertEqual(run(["merge", a, b, "-o", merged]).code, 0)
        r = run(["report", merged, b, "-o", self.path("again.html")])
        self.assertEqual(r.code, 0, r)
        self.assertIn("(3 distinct runs from 2 files)", r.out)
        with open(self.path("again.html")) as f:
            self.assertIn("3 distinct run(s) from 2 file(s)", f.read())

    def test_a_chart_without_data_says_why_and_benchmark_visualize(self):
        results = self.path("cpu.h5")
        r = run(["benchmark", "--cpu", "--synthetic", "256x256", "-o", results, "--visualize"] + COMMON,
                ranks=2)
        self.assertEqual(r.code, 0, r)
        page = self.path("cpu.html")
        self.assertIn(f"report: {page}", r.out)
        dom = rendered_dom(self, page)
        self.assertRegex(dom, r'id="chart-memory-vs-time" data-present="no"><p class="absent">Not drawn: no memory optimizer results')
        self.assertRegex(dom, r'id="chart-scaling" data-present="no"><p class="absent">Not drawn: one rank count only')
        self.assertRegex(dom, r'id="chart-message-sizes" data-present="no"><p class="absent">Not drawn: no message-size sweep')
        self.assertRegex(dom, r'id="chart-tune" data-present="no"><p class="absent">Not drawn: no nsperf tune run')
        self.assertRegex(dom, r'id="chart-whatif" data-present="no"><p class="absent">Not drawn: no nsperf whatif predictions')
        self.assertIn('id="chart-speedup" data-present="yes"', dom)
        self.assertEqual(os.stat(page).st_mode & 0o777, 0o644 & ~self.umask())

    def umask(self):
        mask = os.umask(0)
        os.umask(mask)
        return mask

    def test_bad_inputs_write_nothing(self):
        with h5py.File(self.path("plain.h5"), "w") as f:
            f["x"] = np.arange(3)
        out = self.path("r.html")
        for args, message in (
                ([self.path("absent.h5"), "-o", out], "absent.h5: no such file"),
                ([self.path("plain.h5"), "-o", out], "not an nsperf results file"),
                (["-o", out], "give one or more results files"),
                ([self.path("plain.h5"), "-o", self.path("plain.h5")], "is one of the input files")):
            with self.subTest(args=args):
                r = run(["report"] + args)
                self.assertEqual(r.code, 2, r)
                self.assertIn(message, r.err)
                self.assertFalse(os.path.exists(out))
        self.assertEqual(sorted(os.listdir(self.dir)), ["plain.h5"], "no temporary file left")
