"""nsperf compare: a run against itself flags nothing; a regression injected on purpose (every
measured run lengthened, benchmark.slowdown_percent) is found and fails the command; runs that
measured different things (settings, ranks, input) are refused unless --allow-mismatch; the verdicts
on times with a known shift; the three formats; bad inputs."""
import json
import os
import shutil

import h5py
import numpy as np

from nsperf_testing import SOURCE_DIR, TempDirTest, run

SHARED = os.environ.get("NSPERF_SHARED_DATA", os.path.join(SOURCE_DIR, "..", "shared", "data"))

NETWORK = ["benchmark", "--network", "--synthetic", "384x256", "--tile", "64", "--warmup", "1",
           "--no-progress", "--set", "optimizers.network.strategies=blocking,nonblocking"]


class Compare(TempDirTest):
    def bench(self, name, *extra, repetitions=9):
        out = self.path(name)
        r = run(NETWORK + ["-r", str(repetitions), "-o", out] + list(extra), ranks=2, timeout=300)
        self.assertEqual(r.code, 0, r)
        return out

    def test_itself_and_an_injected_regression(self):
        base = self.bench("base.h5")
        # The same run: nothing changes.
        r = run(["compare", base, base])
        self.assertEqual(r.code, 0, r)
        self.assertIn("result: no regression", r.out)
        self.assertIn("geometric mean of new/base over 9 benchmark(s): 1\n", r.out)
        # A repeat in a new process is not compared here: how far two processes' times drift
        # apart depends on the machine and its load, so no test of one pair can pass every time;
        # bench/compare_gate.py measures the gate on many pairs (docs/compare.md). The
        # statistics' behaviour is tested below on times with a known shift.
        # Injected: every measured run three times as long.
        slow = self.bench("slow.h5", "--set", "benchmark.slowdown_percent=200")
        r = run(["compare", base, slow])
        self.assertEqual(r.code, 1, r)
        self.assertRegex(r.out, r"network/blocking/transfer 384x256:u8 .* \+[0-9.]+% .* regression")
        self.assertIn("regression(s) beyond 20%", r.out)
        # The slowed run's own warning is passed on.
        self.assertRegex(r.out, r"warning: new run: .*benchmark\.slowdown_percent=200: every measured run "
                                r"was lengthened by 200% on purpose")
        # JSON and markdown say the same; the change is the ratio of the medians.
        j = json.loads(run(["compare", base, slow, "--format", "json"]).out)
        self.assertGreater(j["regressions"], 0)
        self.assertEqual(j["drift"], 0.2)
        self.assertEqual(j["differences"], [])
        rows = {b["benchmark"]: b for b in j["benchmarks"]}
        blocking = rows["network/blocking/transfer 384x256:u8"]
        self.assertEqual(blocking["verdict"], "regression")
        self.assertTrue(blocking["gated"])
        self.assertAlmostEqual(blocking["ratio"], blocking["new_median_s"] / blocking["base_median_s"], delta=1e-12)
        self.assertLessEqual(blocking["ratio_ci"][0], blocking["ratio"])
        self.assertGreaterEqual(blocking["ratio_ci"][1], blocking["ratio"])
        self.assertGreater(blocking["ratio_ci"][0], 1.2)
        self.assertGreaterEqual(blocking["ratio_ci_level"], 0.95)
        self.assertLess(blocking["p_value"], 0.05)
        self.assertEqual(blocking["base_repetitions"], 9)
        md = run(["compare", base, slow, "--format", "markdown"])
        self.assertEqual(md.code, 1)
        self.assertIn("| benchmark | base median | new median | change | interval (coverage) | p | verdict |",
                      md.out)
        # Faster is an improvement: the slowed benchmark in the other order.
        j = json.loads(run(["compare", slow, base, "--format", "json"]).out)
        rows = {b["benchmark"]: b for b in j["benchmarks"]}
        self.assertEqual(rows["network/blocking/transfer 384x256:u8"]["verdict"], "improvement")

    def test_runs_that_measured_different_things_are_refused(self):
        base = self.bench("base.h5")
        # Another setting of the optimizer compared: transfers paced to a 20 MB/s link.
        paced = self.bench("paced.h5", "--set", "optimizers.network.link_mbyte_per_s=20")
        r = run(["compare", base, paced])
        self.assertEqual(r.code, 2, r)
        self.assertIn("measured different things", r.err)
        self.assertIn("optimizers.network.link_mbyte_per_s: 0 (base) vs 20 (new)", r.err)
        self.assertIn("--allow-mismatch", r.err)
        self.assertEqual(r.out, "")
        r = run(["compare", base, paced, "--allow-mismatch"])
        self.assertEqual(r.code, 1, r)  # the paced transfers are far slower
        self.assertIn("warning: measured differently (--allow-mismatch): "
                      "optimizers.network.link_mbyte_per_s: 0 (base) vs 20 (new)", r.out)
        j = json.loads(run(["compare", base, paced, "--allow-mismatch", "--format", "json"]).out)
        self.assertEqual(j["differences"], [{"what": "optimizers.network.link_mbyte_per_s",
                                             "base": "0", "new": "20"}])
        # Another rank count (of the cpu optimizer: the network's needs two ranks).
        cpu = ["benchmark", "--cpu", "--synthetic", "256x256", "--tile", "64", "-r", "2", "--warmup", "0",
               "--no-progress", "--set", "optimizers.cpu.strategies=scalar,simd"]
        files = {}
        for ranks in (1, 2):
            files[ranks] = self.path(f"cpu{ranks}.h5")
            r = run(cpu + ["-o", files[ranks]], ranks=ranks, timeout=300)
            self.assertEqual(r.code, 0, r)
        r = run(["compare", files[2], files[1]])
        self.assertEqual(r.code, 2, r)
        self.assertIn("ranks: 2 (base) vs 1 (new)", r.err)

    def test_the_input_is_its_content_wherever_the_file_is(self):
        image = os.path.join(SHARED, "images", "ihc.png")
        if not os.path.exists(image):
            self.skipTest(f"{image} is absent: the real images come from ../shared/data")
        copy = self.path("moved.png")
        shutil.copy(image, copy)
        cpu = ["benchmark", "--cpu", "--tile", "256", "-r", "2", "--warmup", "0", "--no-progress",
               "--set", "optimizers.cpu.strategies=scalar,simd"]

        def bench(name, *input_args):
            out = self.path(name)
            r = run(cpu + list(input_args) + ["-o", out], ranks=2, timeout=300)
            self.assertEqual(r.code, 0, r)
            return out

        real = bench("real.h5", "--image", image)
        moved = bench("moved.h5", "--image", copy)
        synthetic = bench("synthetic.h5", "--synthetic", "512x512")
        with h5py.File(real, "r") as f:
            digest = [f["runs"][k].attrs["input_sha256"] for k in f["runs"]]
        self.assertEqual(len(digest), 1)
        self.assertRegex(digest[0].decode() if isinstance(digest[0], bytes) else digest[0], "^[0-9a-f]{64}$")
        # The same bytes from another path: compared (whatever the verdicts).
        r = run(["compare", real, moved])
        self.assertIn(r.code, (0, 1), r)
        self.assertIn("cpu/simd/pipeline 512x512:u8", r.out)
        # A synthetic image of the same size is another input.
        r = run(["compare", synthetic, real])
        self.assertEqual(r.code, 2, r)
        self.assertIn("input: synthetic 512x512:u8 seed 1 (base) vs " + image, r.err)

    def test_a_known_shift_of_the_same_times(self):
        """The verdict on the base run's own times multiplied by a factor: below the threshold
        nothing is flagged, whatever the p-value; slower by more than the spread of the repetitions,
        every benchmark is (at a fixed 10x, a repetition slowed by a loaded machine made one
        benchmark's intervals overlap in a fresh-clone run)."""
        base = self.bench("base.h5")

        def scaled(name, factor):
            out = self.path(name)
            shutil.copy(base, out)
            with h5py.File(out, "r+") as f:
                for run_id in f["runs"]:
                    table = f["runs"][run_id]["repetitions"]
                    rows = table[:]
                    rows["makespan_s"] *= factor
                    table[:] = rows
            return out

        r = run(["compare", base, scaled("slower3.h5", 1.03)])
        self.assertEqual(r.code, 0, r)
        self.assertIn("result: no regression", r.out)
        self.assertIn("+3.0%", r.out)
        # Slower by more than the spread of every benchmark's repetitions (at least 10x), so that
        # each slowed repetition is slower than every original one, however noisy the machine.
        with h5py.File(base, "r") as f:
            times = np.concatenate([f["runs"][run_id]["repetitions"][:]["makespan_s"] for run_id in f["runs"]])
        self.assertGreater(len(times), 0)
        factor = max(10.0, 2 * float(times.max() / times.min()))
        r = run(["compare", base, scaled("slower.h5", factor), "--format", "json"])
        self.assertEqual(r.code, 1, r)
        j = json.loads(r.out)
        self.assertGreater(len(j["benchmarks"]), 0)
        self.assertEqual(j["regressions"], len(j["benchmarks"]), r.out)
        for b in j["benchmarks"]:
            self.assertAlmostEqual(b["ratio"], factor, delta=factor * 1e-9)
            self.assertEqual(b["verdict"], "regression")
        self.assertAlmostEqual(j["geometric_mean_ratio"], factor, delta=factor * 1e-9)
        r = run(["compare", scaled("faster.h5", 0.1), base, "--threshold", "30"])
        self.assertEqual(r.code, 1, r)
        r = run(["compare", base, scaled("faster2.h5", 0.1), "--threshold", "30"])
        self.assertEqual(r.code, 0, r)
        self.assertIn("improvement", r.out)

    def test_few_repetitions_warn_and_bad_inputs_exit_2(self):
        small = self.bench("small.h5", repetitions=3)
        r = run(["compare", small, small])
        self.assertEqual(r.code, 0, r)
        self.assertIn("fewer than 9 repetitions", r.out)
        with h5py.File(self.path("plain.h5"), "w") as f:
            f["x"] = [1]
        cpu = self.path("cpu.h5")
        self.assertEqual(run(["benchmark", "--cpu", "--synthetic", "128x128", "--tile", "64", "-r", "2",
                              "--warmup", "0", "--no-progress", "-o", cpu], ranks=1).code, 0)
        for args, message in (
                ([small, self.path("absent.h5")], "absent.h5: no such file"),
                ([small, self.path("plain.h5")], "not an nsperf results file"),
                ([small, cpu], "no benchmark in common"),
                ([small], "compare needs two results files"),
                ([small, small, "--format", "xml"], "--format xml: valid: text, json, markdown"),
                ([small, small, "--base-run", "nope"], "no run 'nope' (runs: ")):
            with self.subTest(args=args):
                r = run(["compare"] + args)
                self.assertEqual(r.code, 2, r)
                self.assertIn(message, r.err)
