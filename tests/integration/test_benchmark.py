"""nsperf benchmark end to end: the binary under mpiexec, the results read back with h5py,
pandas and h5dump."""
import hashlib
import json
import os
import re
import subprocess
import unittest

import h5py
import pandas as pd

from nsperf_testing import SOURCE_DIR, TempDirTest, run


def frame(run_group, name):
    return pd.DataFrame(run_group[name][:])


class BenchmarkAtThreeRanks(TempDirTest):
    """The issue's acceptance case, scaled down: 3 ranks, both strategies, every check passed."""

    def test_samples_from_every_rank_for_both_strategies(self):
        out = self.path("r.h5")
        r = run(["benchmark", "--cpu", "--synthetic", "300x200", "--tile", "64", "--repetitions", "3",
                 "--warmup", "1", "-o", out], ranks=3)
        self.assertEqual(r.code, 0, r)
        self.assertIn("results: " + out, r.out)
        self.assertIn("scalar", r.out)
        self.assertIn("openmp", r.out)
        with h5py.File(out) as f:
            self.assertEqual(f.attrs["schema_version"], 5)
            runs = list(f["runs"])
            self.assertEqual(len(runs), 1)
            g = f["runs"][runs[0]]
            samples = frame(g, "samples")
            tiles = frame(g, "tiles")
            summary = frame(g, "summary")
            repetitions = frame(g, "repetitions")
            # The strategies the run's config chose: every registered one (opencv only when built).
            strategies = [s.encode() for s in json.loads(g.attrs["config"])["optimizers"]["cpu"]["strategies"]]
            self.assertEqual(strategies[0], b"scalar")
            self.assertTrue({b"openmp", b"simd", b"blocked", b"fused"} <= set(strategies))
            kernels = set(summary.kernel)
            self.assertEqual(len(kernels), 9, kernels)  # eight kernels and the whole pipeline
            self.assertIn(b"pipeline", kernels)
            # 5 x 4 tiles of 64 px over 3 ranks: 7, 7, 6.
            counts = samples.groupby(["rank", "strategy"]).size()
            for rank in (0, 1, 2):
                for strategy in strategies:
                    self.assertEqual(counts[(rank, strategy)], 9 * 3, counts)
            self.assertTrue((samples.check_status == b"passed").all(), samples[samples.check_status != b"passed"])
            self.assertTrue((samples.max_abs_error <= samples.tolerance).all())
            self.assertTrue((samples.end_s >= samples.start_s).all())
            self.assertEqual(sorted(samples.groupby("rank").tiles.first()), [6, 7, 7])
            self.assertEqual(len(tiles), 20 * len(strategies))
            self.assertTrue((tiles.kernel == b"pipeline").all())
            self.assertEqual(sorted(tiles[tiles.strategy == b"scalar"].tile_id), list(range(20)))
            self.assertTrue(tiles.negative_space_fraction.between(0, 1).all())
            pipeline = summary[summary.kernel == b"pipeline"]
            self.assertEqual(list(pipeline.strategy), strategies)
            self.assertEqual(pipeline.speedup.iloc[0], 1.0)
            self.assertTrue((pipeline.pixels == 300 * 200).all())
            self.assertTrue((summary.repetitions == 3).all())
            self.assertTrue((summary.ci_low_s <= summary.median_s).all())
            self.assertTrue((summary.median_s <= summary.ci_high_s).all())
            self.assertTrue((summary.speedup_ci_low <= summary.speedup).all())
            self.assertTrue((summary.bandwidth_fraction > 0).all())
            self.assertEqual(len(repetitions), 9 * len(strategies) * 3)
            self.assertTrue((repetitions.makespan_s > 0).all())
            self.assertTrue(repetitions.slowest_rank.isin([0, 1, 2]).all())
            a = g.attrs
            self.assertEqual(a["ranks"], 3)
            self.assertIn(":3", a["hosts"])
            self.assertEqual(len(a["rank_binding"].split(";")), 3)
            for key in ("command_line", "start_time", "end_time", "git_commit", "compiler", "build_flags",
                        "cpu_model", "libraries", "omp_binding", "config", "simd_isa", "load_average",
                        "cpu_governor"):
                self.assertTrue(a[key], key)
            self.assertGreater(a["bandwidth_gbyte_per_s"], 0)
            self.assertIn("warnings", a)
            self.assertIn("HDF5", a["libraries"])
            self.assertIn('"tile":64', a["config"])
        dump = subprocess.run(["h5dump", "-H", out], capture_output=True, text=True)
        self.assertEqual(dump.returncode, 0, dump.stderr)
        self.assertIn('DATASET "samples"', dump.stdout)
        summary_txt = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE_DIR, "scripts", "summarize.py"), out],
                                     capture_output=True, text=True)
        self.assertEqual(summary_txt.returncode, 0, summary_txt.stderr)
        # One table per optimizer and kernel; a speedup without a baseline is "-", never 0.00.
        self.assertIn("  cpu / pipeline:", summary_txt.stdout)
        self.assertNotIn("0.00 [0.00, 0.00]", summary_txt.stdout)
        # The one line docs/reading-output.md gives: text as str, "not measured" as NaN.
        with h5py.File(out) as f:
            run_group = f["runs"][sorted(f["runs"])[-1]]
            summary = pd.DataFrame(run_group["summary"][:]).apply(lambda c: c.str.decode("utf-8") if c.dtype == object else c.mask(c == -1) if c.dtype.kind == "i" else c)
        self.assertGreater(len(summary[summary.kernel == "pipeline"]), 0)
        self.assertTrue(summary.held_bytes.isna().all(), "the cpu optimizer measures no memory")
        self.assertTrue(summary.imbalance.isna().all())
        self.assertFalse(summary.groupby(["optimizer", "strategy", "kernel"]).median_s.median().isna().any())
        self.assertIn("samples   %d rows from ranks 0, 1, 2" % len(samples), summary_txt.stdout)


class BothOptimizers(TempDirTest):
    def test_cpu_and_memory_in_one_run(self):
        out = self.path("r.h5")
        r = run(["benchmark", "--cpu", "--memory", "--synthetic", "200x150:u16", "--tile", "50", "-r", "2", "-w", "1",
                 "--level", "aggressive", "-o", out], ranks=2)
        self.assertEqual(r.code, 0, r)
        self.assertIn("cpu optimizer", r.out)
        self.assertIn("memory optimizer", r.out)
        self.assertIn("peak added MiB", r.out)
        with h5py.File(out) as f:
            g = f["runs"][list(f["runs"])[0]]
            summary = frame(g, "summary")
            memory = summary[summary.optimizer == b"memory"]
            cpu = summary[summary.optimizer == b"cpu"]
            self.assertEqual(set(memory.strategy), {b"float64", b"float32", b"uint16", b"pooled", b"compressed"})
            self.assertTrue((memory.check_status == b"passed").all(), memory)
            self.assertTrue((memory.held_bytes > 0).all())
            self.assertEqual(int(memory[memory.strategy == b"pooled"].allocations.iloc[0]), 0)
            self.assertTrue((cpu.held_bytes == -1).all(), "not measured by the cpu optimizer")
            self.assertTrue((summary.check_status == b"passed").all())

    def test_uint16_storage_is_skipped_for_float_images_and_says_so(self):
        r = run(["benchmark", "--memory", "--synthetic", "64x64:f32", "--tile", "32", "-r", "2", "-w", "0",
                 "--set", "optimizers.memory.strategies=float64,uint16", "-o", self.path("r.h5")])
        self.assertEqual(r.code, 0, r)
        self.assertIn("memory strategy uint16 skipped: f32 images", r.out)


class OutputFileRules(TempDirTest):
    ARGS = ["benchmark", "--cpu", "--synthetic", "64x64", "--tile", "32", "--repetitions", "2", "--warmup", "0"]

    def digest(self, path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def test_single_rank_without_launcher(self):
        r = run(self.ARGS + ["-o", self.path("one.h5")])
        self.assertEqual(r.code, 0, r)
        with h5py.File(self.path("one.h5")) as f:
            g = f["runs"][list(f["runs"])[0]]
            self.assertEqual(g.attrs["ranks"], 1)
            self.assertEqual(set(frame(g, "samples")["rank"]), {0})

    def test_existing_file_needs_force_or_append(self):
        out = self.path("r.h5")
        self.assertEqual(run(self.ARGS + ["-o", out], ranks=2).code, 0)
        before = self.digest(out)
        r = run(self.ARGS + ["-o", out], ranks=2)
        self.assertEqual(r.code, 2, r)
        self.assertIn("file exists; use --force", r.err)
        self.assertEqual(r.err.count("file exists"), 1, "printed once, by rank 0")
        self.assertEqual(self.digest(out), before, "an earlier file is untouched")
        r = run(self.ARGS + ["-o", out, "--append"], ranks=2)
        self.assertEqual(r.code, 0, r)
        with h5py.File(out) as f:
            self.assertEqual(len(f["runs"]), 2)
        r = run(self.ARGS + ["-o", out, "--force"], ranks=2)
        self.assertEqual(r.code, 0, r)
        with h5py.File(out) as f:
            self.assertEqual(len(f["runs"]), 1)
        self.assertEqual(self.files(), ["r.h5"], "no temporary file left behind")

    def test_append_to_a_file_that_is_not_results(self):
        bad = self.path("notes.h5")
        with open(bad, "w") as f:
            f.write("not hdf5")
        r = run(self.ARGS + ["-o", bad, "--append"])
        self.assertEqual(r.code, 2, r)
        self.assertIn("not an HDF5 file", r.err)


class Progress(TempDirTest):
    def test_batch_logs_get_plain_progress_lines_from_rank_zero(self):
        r = run(["benchmark", "--cpu", "--synthetic", "256x256", "--tile", "32", "-r", "5", "-o", self.path("r.h5")],
                ranks=2, env={"NSPERF_PROGRESS_AFTER": "0"})
        self.assertEqual(r.code, 0, r)
        lines = [line for line in r.err.splitlines() if line.startswith("progress: ")]
        self.assertGreaterEqual(len(lines), 5, r)
        # Sparse: one line per 10%, and another within the same 10% only after a minute (a long
        # step; a loaded machine may make one), so the lines are not counted.
        def seconds(text):  # "5s", "1m3s", "1h2m"
            parts = re.findall(r"(\d+)([hms])", text)
            return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)
        shown = [(int(m.group(1)) // 10, seconds(m.group(2)))
                 for m in (re.match(r"progress: (\d+)%.* elapsed (\S+),", line) for line in lines)]
        self.assertEqual(len(shown), len(lines), lines)
        for (decile, at), (next_decile, next_at) in zip(shown, shown[1:]):
            self.assertGreaterEqual(next_decile, decile, lines)
            if next_decile == decile:
                self.assertGreaterEqual(next_at - at, 59, lines)  # durations are rounded
        # 64 tiles x strategies x 9 kernels x 7 runs
        strategies = len(json.loads(run(["config", "--show"]).out)["optimizers"]["cpu"]["strategies"])
        total = 64 * strategies * 9 * 7
        self.assertIn("progress: 100%% (%d/%d tile runs)" % (total, total), r.err)
        self.assertNotIn("\r", r.err, "no terminal redraws in a log")

    def test_the_header_comes_first_and_names_every_source_of_settings(self):
        # A config file in the current folder is read without being named on the command line:
        # the header says so, before anything is measured.
        with open(self.path("optimization_config.json"), "w") as f:
            json.dump({"schema_version": 1, "input": {"tile": 64},
                       "optimizers": {"cpu": {"strategies": ["scalar", "simd"]}}}, f)
        r = run(["benchmark", "--cpu", "--synthetic", "256x256", "-r", "2", "-w", "0", "-o", "r.h5"],
                ranks=2, cwd=self.dir, env={"NSPERF_PROGRESS_AFTER": "0"})
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.startswith("nsperf benchmark, run "), r.out[:300])
        header = r.out[:r.out.index("\n\n")]
        self.assertIn("  input:   synthetic 256x256:u8 seed 1, tiles of 64 px", header)
        self.assertRegex(header, r"  ranks:   2 x \d+ threads? on .* \(cores per rank .*; OpenMP ")
        self.assertIn("  config:  optimization_config.json (found in the current folder and read; "
                      "--config names another file); command line: --synthetic 256x256, "
                      "--repetitions 2, --warmup 0, --output r.h5", header)
        self.assertIn("  running: cpu (2 strategies); 2 repetitions + 0 warm-up each", header)
        self.assertIn("  results: r.h5", header)
        # Progress never passes 100% nor shows a negative ETA, for every optimizer's units.
        r = run(["benchmark", "--database", "--synthetic", "256x256", "-r", "2", "-w", "1", "-o", "d.h5",
                 "--set", "optimizers.database.rows=50", "--set", "optimizers.database.query_rows=1000"],
                ranks=2, cwd=self.dir, env={"NSPERF_PROGRESS_AFTER": "0"})
        self.assertEqual(r.code, 0, r)
        shown = re.findall(r"progress: (\d+)% \((\d+)/(\d+) tile runs\).*ETA (-?\d+)", r.err)
        self.assertTrue(shown, r.err)
        for percent, done, total, eta in shown:
            self.assertLessEqual(int(percent), 100, r.err)
            self.assertLessEqual(int(done), int(total), r.err)
            self.assertGreaterEqual(int(eta), 0, r.err)
        self.assertEqual(shown[-1][1], shown[-1][2], "the last line is the whole count")

    def test_no_progress_option(self):
        r = run(["benchmark", "--synthetic", "256x256", "--tile", "32", "-r", "2", "--no-progress",
                 "-o", self.path("r.h5")], env={"NSPERF_PROGRESS_AFTER": "0"})
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("progress:", r.err)


class RanksSharingCores(TempDirTest):
    """More ranks than cores with Open MPI's mpi_yield_when_idle off (as under a rankfile, where
    mpirun does not turn it on): every wait busy-polls a core away, and the run says so."""

    def run_oversubscribed(self, yields):
        cores = os.cpu_count() or 1
        if cores > 4:
            self.skipTest(f"needs more ranks than cores; this machine has {cores} cores")
        out = self.path(f"yield{yields}.h5")
        r = run(["benchmark", "--cpu", "--synthetic", "64x64", "--tile", "32", "-r", "2", "-w", "0",
                 "--no-progress", "-o", out], ranks=cores + 1,
                env={"OMPI_MCA_mpi_yield_when_idle": str(yields)})
        self.assertEqual(r.code, 0, r)
        with h5py.File(out) as f:
            warnings = f["runs"][list(f["runs"])[0]].attrs["warnings"]
        return r, warnings.decode() if isinstance(warnings, bytes) else str(warnings)

    def test_busy_polling_is_a_warning_in_the_output_and_the_file(self):
        r, warnings = self.run_oversubscribed(0)
        lines = [l for l in r.out.splitlines() if "busy-polls" in l]
        self.assertEqual(len(lines), 1, r)
        self.assertTrue(lines[0].startswith("warning: "), lines)
        self.assertIn(f"{(os.cpu_count() or 1) + 1} ranks x 1 threads share", lines[0])
        self.assertIn("--mca mpi_yield_when_idle 1", lines[0])
        self.assertIn("busy-polls", warnings)

    def test_no_warning_when_waits_yield(self):
        r, warnings = self.run_oversubscribed(1)
        self.assertIn("oversubscribe rank 0's node", r.out, "the run is oversubscribed")
        self.assertNotIn("busy-polls", r.out)
        self.assertNotIn("busy-polls", warnings)


class Help(unittest.TestCase):
    def test_every_command_has_help(self):
        for command in ("benchmark", "config", "info"):
            r = run([command, "--help"])
            self.assertEqual(r.code, 0, r)
            self.assertIn("usage: ", r.out)
        r = run(["--help"])
        self.assertEqual(r.code, 0)
        for command in ("benchmark", "config", "info"):
            self.assertIn(command, r.out)

    def test_version_names_the_commit(self):
        r = run(["--version"])
        self.assertEqual(r.code, 0)
        self.assertRegex(r.out, r"^nsperf \d+\.\d+\.\d+ \(git [0-9a-f]{12}(-dirty)?|unknown\)")

    def test_list_comes_from_the_registries(self):
        r = run(["benchmark", "--list"], ranks=2)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out.count("--cpu"), 1, "printed by rank 0 only")
        self.assertIn("scalar", r.out)
        self.assertIn("gaussian5x5", r.out)

    def test_info(self):
        r = run(["info", "--no-bandwidth"])
        self.assertEqual(r.code, 0, r)
        for word in ("Open MPI", "HDF5", "parallel", "cpu:", "simd"):
            self.assertIn(word, r.out)
        # Every library the build links, with its version.
        libraries = next(line for line in r.out.splitlines() if line.startswith("libraries"))
        for name in ("cfitsio", "SQLite", "zstd", "libtiff", "OpenJPEG", "libpng", "libjpeg-turbo",
                     "OpenSSL"):
            self.assertRegex(libraries, name + r" [0-9]", libraries)


if __name__ == "__main__":
    unittest.main()
