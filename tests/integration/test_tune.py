"""nsperf tune end to end: the settings it writes run as they are, every job run is stored,
impossible combinations are never tried, bad input stops before any work, a failing candidate
is dropped and recorded, a stop signal keeps the runs made so far, several images tuned as one job."""
import json
import os

import h5py

from nsperf_testing import TempDirTest, run

QUIET = ["--no-progress"]
TUNABLE = {"run.strategy", "optimizers.cpu.threads", "input.tile", "run.partitioner",
           "run.partition_chunk", "run.compression", "run.compression_level"}
ONE_THREAD = {"scalar", "simd"}
COMPUTES = ("run.strategy", "optimizers.cpu.threads", "input.tile")


def trials_of(path):
    """The tune table's rows as dicts, and the summary's strategies."""
    with h5py.File(path) as f:
        runs = sorted(f["runs"])
        assert len(runs) == 1, runs
        group = f["runs"][runs[0]]
        rows = [{k: (v.decode() if isinstance(v, bytes) else v.item())
                 for k, v in zip(row.dtype.names, row)} for row in group["tune"][:]]
        return rows, {s.decode() for s in group["summary"]["strategy"]}


class Tune(TempDirTest):
    def tune(self, args, ranks=2, env=None, timeout=300):
        return run(["tune"] + args + QUIET, ranks=ranks, env=env, cwd=self.dir, timeout=timeout)

    def test_the_tuned_settings_run_as_they_are_and_every_run_is_stored(self):
        size = 384
        r = self.tune(["--synthetic", f"{size}x{size}", "--budget", "80",
                       "--space", "run.strategy=fused,simd,scalar", "-o", "t.json",
                       "--results", "t.h5"])
        self.assertEqual(r.code, 0, r)
        self.assertIn("tuned settings:", r.out)
        # The settings file is a config every command takes as it is.
        v = run(["config", "--validate", self.path("t.json")])
        self.assertEqual(v.code, 0, v)
        with open(self.path("t.json")) as f:
            doc = json.load(f)
        self.assertEqual(set(doc["tuned"]["settings"]), TUNABLE)
        out = run(["run", "-c", self.path("t.json"), "--synthetic", f"{size}x{size}", "-o",
                   self.path("o.h5")] + QUIET, ranks=2)
        self.assertEqual(out.code, 0, out)
        self.assertIn("strategy " + doc["run"]["strategy"], out.out)

        trials, summarized = trials_of(self.path("t.h5"))
        self.assertTrue(trials, "no job runs stored")
        self.assertLessEqual(len(trials), 80, "the budget is a bound")
        self.assertIn(f"search: {len(trials)} job runs", r.out)
        self.assertEqual([t["trial"] for t in trials], list(range(len(trials))))
        seen = {}
        checked = set()
        for t in trials:
            settings = json.loads(t["settings"])
            self.assertEqual(set(settings), TUNABLE, t)
            self.assertEqual(t["status"], "ok", t)
            # Never an impossible combination: one thread for a one-thread strategy, no more
            # threads than cores, no tile larger than the image.
            if settings["run.strategy"] in ONE_THREAD:
                self.assertEqual(settings["optimizers.cpu.threads"], 1, t)
            self.assertLessEqual(settings["optimizers.cpu.threads"], os.cpu_count(), t)
            self.assertLessEqual(settings["input.tile"], size, t)
            self.assertIn(settings["run.strategy"], {"fused", "simd", "scalar"}, t)
            # A candidate's first run is its check against the reference, unless one that
            # computes alike (strategy, threads, tile; not partitioner or compression) had it.
            computes = tuple(settings[k] for k in COMPUTES)
            if t["repetition"] == -1:
                self.assertNotIn(computes, checked, "one check per way of computing")
                checked.add(computes)
            if t["candidate"] not in seen:
                seen[t["candidate"]] = t["settings"]
                if t["race"] != "confirm":
                    self.assertIn(computes, checked, t)
            else:
                self.assertEqual(seen[t["candidate"]], t["settings"], "one number, one settings")
            self.assertGreater(t["seconds"], 0, t)
            self.assertGreater(t["output_bytes"], 0, t)
        self.assertGreater(len(seen), 1, "more than one candidate raced")
        measured = [t for t in trials if t["repetition"] >= 0 and t["race"] != "confirm"]
        self.assertTrue(measured, "no measured runs")
        self.assertTrue(all(t["outcome"] for t in measured), "every raced run has its fate")
        # The closing comparison, when the tuned settings are not the defaults, is a summary that
        # compare reads like a benchmark's.
        if "closing comparison" in r.out:
            self.assertEqual(summarized, {"default", "tuned"})

    def test_a_pinned_space_at_one_rank(self):
        r = self.tune(["--synthetic", "256x256", "--budget", "40", "--space", "run.strategy=simd",
                       "--space", "run.compression=none"], ranks=1)
        self.assertEqual(r.code, 0, r)
        trials, _ = trials_of(self.path("nsperf-tune.h5"))
        raced = [t for t in trials if t["race"] != "confirm"]  # the closing one runs the defaults
        self.assertTrue(raced)
        for t in raced:
            settings = json.loads(t["settings"])
            self.assertEqual(settings["run.strategy"], "simd", t)
            self.assertEqual(settings["optimizers.cpu.threads"], 1, t)
            self.assertEqual(settings["run.compression"], "none", t)
        self.assertTrue(os.path.exists(self.path("nsperf-tuned.json")))

    def test_bad_input_stops_before_any_work(self):
        cases = [
            (["--space", "input.tile="], "no values"),
            (["--space", "run.stratgy=simd"], "did you mean 'run.strategy'"),
            (["--space", "run.strategy=simd,fsued"], "fused"),
            (["--space", "input.seed=1,2"], "tune does not vary"),
            (["--space", "run.compression=none", "--space", "run.compression_level=5"],
             "none has no level"),
            (["--space", "input.tile=8192"], "larger than the image"),
            (["--budget", "0"], "zero runs"),
            (["--budget", "5x"], "unknown unit"),
            (["--budget", "21"], "give at least 22"),
            (["--budget", "30"], None),  # a valid budget: the control
            (["-o", "/nonexistent/folder/t.json"], "/nonexistent/folder"),
            (["--scratch", "/nonexistent/folder"], "/nonexistent/folder"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                for name in os.listdir(self.dir):
                    os.remove(self.path(name))
                r = self.tune(["--synthetic", "256x256"] + args, ranks=2)
                if message is None:
                    self.assertEqual(r.code, 0, r)
                    continue
                self.assertEqual(r.code, 2, r)
                self.assertIn(message, r.err, r)
                self.assertEqual(os.listdir(self.dir), [], "nothing is written")
        r = self.tune([], ranks=1)
        self.assertEqual(r.code, 2, r)
        self.assertIn("no input", r.err)

    def test_a_failing_candidate_is_dropped_and_recorded(self):
        r = self.tune(["--synthetic", "256x256", "--budget", "40", "--space",
                       "run.strategy=fused,simd,scalar", "--space", "run.compression=none"],
                      env={"NSPERF_FAULT": "rank:1,phase:tune-run-1"})
        self.assertEqual(r.code, 0, r)
        trials, _ = trials_of(self.path("nsperf-tune.h5"))
        failed = [t for t in trials if t["status"] != "ok"]
        self.assertEqual([t["trial"] for t in failed], [1], trials)
        self.assertEqual(failed[0]["outcome"], "failed")
        self.assertIn("fault injected", r.out)
        # The search went on past it, and the failed candidate never ran again.
        self.assertGreater(len(trials), 2)
        self.assertFalse([t for t in trials[2:] if t["candidate"] == failed[0]["candidate"]
                          and t["race"] != "confirm"])

    def test_a_stop_signal_keeps_the_runs_made_so_far(self):
        r = self.tune(["--synthetic", "256x256", "--budget", "60"],
                      env={"NSPERF_FAULT": "rank:0,phase:tune-run-6,signal:TERM"})
        self.assertEqual(r.code, 3, r)
        self.assertIn("stopped", r.out)
        trials, _ = trials_of(self.path("nsperf-tune.h5"))
        self.assertEqual([t["trial"] for t in trials], list(range(6)))
        self.assertFalse(os.path.exists(self.path("nsperf-tuned.json")),
                         "no settings from a search that did not finish")
        leftovers = [n for n in os.listdir(self.dir) if n.startswith("nsperf-tune-")]
        self.assertEqual(leftovers, [], "no job output left behind")
        # --resume replays the runs made (as measured) and finishes the search.
        r = self.tune(["--synthetic", "256x256", "--budget", "60", "--resume"])
        self.assertEqual(r.code, 0, r)
        self.assertIn("6 job runs replayed as measured", r.out)
        resumed, _ = trials_of(self.path("nsperf-tune.h5"))
        self.assertGreater(len(resumed), 6)
        for before, after in zip(trials, resumed[:6]):
            for key in ("settings", "race", "repetition", "seconds", "output_bytes", "status"):
                self.assertEqual(before[key], after[key], (before, after))
        self.assertTrue(os.path.exists(self.path("nsperf-tuned.json")))
        # A search that ended has nothing to continue; another input is not this search.
        r = self.tune(["--synthetic", "256x256", "--budget", "60", "--resume", "--force"])
        self.assertEqual(r.code, 2, r)
        self.assertIn("nothing to continue", r.err)

    def test_the_exhaustive_yardstick_runs_every_setting_alike(self):
        r = self.tune(["--synthetic", "512x512", "--exhaustive", "--budget", "200",
                       "--space", "run.strategy=fused,simd", "--space", "input.tile=128,256",
                       "--space", "run.compression=none", "--space", "run.partitioner=static-block"])
        self.assertEqual(r.code, 0, r)
        trials, _ = trials_of(self.path("nsperf-tune.h5"))
        every = [t for t in trials if t["race"] == "exhaustive"]
        candidates = {t["candidate"] for t in every}
        # fused at 1 and 2 threads (where the ranks have 2 cores) and simd at 1, two tiles each.
        self.assertIn(len(candidates), (4, 6), every)
        self.assertIn(f"the space holds {len(candidates)} settings", r.out)
        for c in candidates:
            runs = [t for t in every if t["candidate"] == c]
            self.assertEqual([t["repetition"] for t in runs], [-1] + list(range(10)), runs)
        chosen = {t["candidate"] for t in every if t["outcome"] == "chosen"}
        self.assertEqual(len(chosen), 1, "one fastest median")

    def test_the_catalog_remembers_workloads_and_run_tuned_uses_the_nearest(self):
        catalog = self.path("tuned.sqlite")
        r = self.tune(["--synthetic", "512x512", "--skew", "50", "--budget", "40", "--catalog",
                       catalog, "--space", "run.compression=none"])
        self.assertEqual(r.code, 0, r)
        self.assertIn("no workload recorded yet; starting from the defaults", r.out)
        self.assertIn(f"catalog: {catalog}", r.out)
        with open(self.path("nsperf-tuned.json")) as f:
            tuned = json.load(f)
        run_id = tuned["tuned"]["run_id"]
        # A like image, not seen by the catalog: run --tuned names the search it used and how
        # near it was, and runs with its settings.
        out = run(["run", "--synthetic", "640x560", "--skew", "40", "--tuned", catalog, "-o",
                   self.path("o.h5")] + QUIET, ranks=2)
        self.assertEqual(out.code, 0, out)
        self.assertIn(f"tuned: tune run {run_id} of synthetic 512x512:u8", out.out)
        self.assertRegex(out.out, r"distance [0-9.]+: pixels x1\.3")
        self.assertNotIn("note: tile", out.out)
        self.assertIn(f"strategy {tuned['run']['strategy']}, tile {tuned['input']['tile']}", out.out)
        # An option given on the command line wins over the catalog's.
        out = run(["run", "--synthetic", "600x500", "--tuned", catalog, "--strategy", "scalar",
                   "-o", self.path("o.h5"), "--force"] + QUIET, ranks=2)
        self.assertEqual(out.code, 0, out)
        self.assertIn("strategy scalar", out.out)
        # The next search starts from the nearest workload's settings.
        r = self.tune(["--synthetic", "600x500", "--budget", "40", "--catalog", catalog,
                       "--space", "run.compression=none", "--force"])
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"starting from the settings of tune run {run_id}", r.out)
        # Bad catalogs stop before any work.
        for args, message in [
            (["--tuned", self.path("absent.sqlite")], "no such catalog"),
            (["--tuned", self.path("runs.sqlite")], "no tuned workload recorded"),
        ]:
            if "runs.sqlite" in args[1]:
                made = run(["run", "--synthetic", "256x256", "--catalog", args[1], "-o",
                            self.path("c.h5")] + QUIET, ranks=1)
                self.assertEqual(made.code, 0, made)
            bad = run(["run", "--synthetic", "256x256", "-o", self.path("x.h5")] + args + QUIET,
                      ranks=2)
            self.assertEqual(bad.code, 2, bad)
            self.assertIn(message, bad.err)
            self.assertFalse(os.path.exists(self.path("x.h5")))

    def test_several_images_are_tuned_as_one_job(self):
        import numpy as np
        rng = np.random.default_rng(1)
        shapes = {"a": ((200, 300), np.uint16), "b": ((256, 256), np.uint8),
                  "c": ((300, 400), np.float32)}
        for name, (shape, dtype) in shapes.items():
            with h5py.File(self.path(f"{name}.h5"), "w") as f:
                pixels = rng.integers(0, 200, size=shape).astype(dtype)
                pixels[:, : shape[1] // 3] = 7  # an empty part, as real images have
                f["img"] = pixels
        with open(self.path("list.txt"), "w") as f:
            f.write("# two of the three\na.h5:/img\n\nb.h5:/img\n")
        r = self.tune(["--images", "list.txt", "--image", "c.h5:/img", "--budget", "40",
                       "--space", "run.strategy=fused,simd", "--space", "run.compression=none",
                       "-o", "t.json", "--results", "t.h5"])
        self.assertEqual(r.code, 0, r)
        self.assertIn("tuning: 3 images (c.h5:/img, a.h5:/img, b.h5:/img), timed together as one "
                      "job", r.out)
        trials, _ = trials_of(self.path("t.h5"))
        self.assertTrue(trials)
        for t in trials:
            self.assertEqual(t["status"], "ok", t)
            self.assertGreater(t["output_bytes"], 0, t)
            # The shortest side of the three (a: 200) bounds the tile.
            self.assertLessEqual(json.loads(t["settings"])["input.tile"], 200, t)
        leftovers = [n for n in os.listdir(self.dir) if n.startswith("nsperf-tune-")]
        self.assertEqual(leftovers, [], "every job run's outputs are removed after it")
        # The settings run the same images as nsperf run takes them.
        out = run(["run", "-c", "t.json", "--images", "list.txt", "--image", "c.h5:/img",
                   "--output-dir", "out"] + QUIET, ranks=2, cwd=self.dir)
        self.assertEqual(out.code, 0, out)
        self.assertEqual(sorted(os.listdir(self.path("out"))), ["a.h5", "b.h5", "c.h5", "index.h5"])

        before = sorted(os.listdir(self.dir))
        for args, message in (
                (["--catalog", "cat.sqlite"], "--catalog takes one image"),
                (["--synthetic", "64x64"], "--synthetic is one image"),
                (["--image", "missing.h5:/img"], "missing.h5"),
                (["--image", "nothing-*.h5"], "matches no file")):
            with self.subTest(args=args):
                r = self.tune(["--images", "list.txt", "-o", "u.json", "--results", "u.h5",
                               "--budget", "30"] + args)
                self.assertEqual(r.code, 2, r)
                self.assertIn(message, r.err)
                self.assertEqual(sorted(os.listdir(self.dir)), before, "nothing is written")
