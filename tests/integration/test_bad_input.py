"""Bad input: exit code 2, one clear message from rank 0 naming the thing and what is valid, no
output file, no hang, no crash. Each case runs under mpiexec with 2 ranks."""
import json
import os

from nsperf_testing import TempDirTest, run

BENCH = ["benchmark", "--cpu", "--repetitions", "1", "--warmup", "0"]


class BadInput(TempDirTest):
    def config(self, content):
        path = self.path("cfg.json")
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def expect_usage_error(self, args, *fragments, ranks=2):
        out = self.path("out.h5")
        before = set(self.files())
        r = run(list(args) + (["-o", out] if args and args[0] == "benchmark" and "-o" not in args else []),
                ranks=ranks, timeout=60)
        self.assertEqual(r.code, 2, r)
        for fragment in fragments:
            self.assertIn(fragment, r.err, r)
            self.assertEqual(r.err.count(fragment), 1, f"printed once, by rank 0:\n{r}")
        for crash in ("Segmentation", "core dumped", "terminate called", "Aborted"):
            self.assertNotIn(crash, r.err)
        self.assertEqual(set(self.files()), before, "nothing written")
        return r

    def test_missing_config(self):
        self.expect_usage_error(BENCH + ["--config", self.path("absent.json")], "absent.json: no such file")

    def test_malformed_config(self):
        path = self.config('{"schema_version": 1,,}')
        self.expect_usage_error(BENCH + ["--config", path], "cfg.json: not valid JSON", "line 1")

    def test_unknown_key_with_suggestion(self):
        path = self.config({"schema_version": 1, "benchmark": {"repetitons": 3}})
        self.expect_usage_error(BENCH + ["--config", path],
                                "unknown key 'benchmark.repetitons'; did you mean 'benchmark.repetitions'?")

    def test_wrong_type(self):
        path = self.config({"schema_version": 1, "benchmark": {"tile": "big"}})
        self.expect_usage_error(BENCH + ["--config", path], "'benchmark.tile' must be an integer, got string \"big\"")

    def test_every_problem_at_once(self):
        path = self.config({"schema_version": 1, "benchmark": {"tile": -1, "warmup": "x"}, "optimisation_level": 1})
        r = self.expect_usage_error(BENCH + ["--config", path], "3 problems:")
        for fragment in ("'benchmark.tile' must be between", "'benchmark.warmup' must be an integer",
                         "did you mean 'optimization_level'"):
            self.assertIn(fragment, r.err)

    def test_newer_schema_and_not_an_object(self):
        self.expect_usage_error(BENCH + ["--config", self.config({"schema_version": 9})], "written by a newer nsperf")
        self.expect_usage_error(BENCH + ["--config", self.config([1, 2])], "must be a JSON object")

    def test_tile_zero_and_negative(self):
        self.expect_usage_error(BENCH + ["--tile", "0"], "--tile: 'benchmark.tile' must be between 1 and 1048576, got 0")
        self.expect_usage_error(BENCH + ["--tile=-5"], "--tile: 'benchmark.tile' must be between 1 and 1048576, got -5")

    def test_tile_larger_than_image(self):
        self.expect_usage_error(BENCH + ["--synthetic", "100x50", "--tile", "64"],
                                "'benchmark.tile' 64 is larger than the 100x50 image", "valid: 1..50")

    def test_empty_and_malformed_image(self):
        self.expect_usage_error(BENCH + ["--synthetic", "0x0"], "'0x0' has a zero or negative side")
        self.expect_usage_error(BENCH + ["--synthetic", "100x100:u32"], "unknown pixel type", "u8, u16 or f32")
        self.expect_usage_error(BENCH + ["--synthetic", "banana"], "'banana' is not an image size")

    def test_absurdly_large_image(self):
        self.expect_usage_error(BENCH + ["--synthetic", "99999999999x2"], "is too large")
        self.expect_usage_error(BENCH + ["--synthetic", "1048576x1048576:f32"], "needs 4 TiB", "of memory")

    def test_output_folder_missing(self):
        self.expect_usage_error(BENCH + ["-o", self.path("no", "such", "r.h5")], "does not exist")

    def test_output_folder_not_writable(self):
        folder = "/sys"  # sysfs refuses new files, even to root
        try:
            with open(os.path.join(folder, "nsperf-writable-probe"), "w"):
                pass
            self.skipTest(f"{folder} is writable here; no unwritable folder to test with")
        except OSError:
            pass
        self.expect_usage_error(BENCH + ["-o", os.path.join(folder, "r.h5")], "folder /sys is not writable")

    def test_output_is_a_folder(self):
        os.mkdir(self.path("sub"))
        self.expect_usage_error(BENCH + ["-o", self.path("sub"), "--force"], "is a folder, not a file")

    def test_unknown_command(self):
        self.expect_usage_error(["benchmrk"], "unknown command 'benchmrk'; did you mean 'benchmark'?", ranks=None)

    def test_unknown_option(self):
        self.expect_usage_error(BENCH + ["--tiles", "4"], "unknown option '--tiles'; did you mean '--tile'?")
        self.expect_usage_error(["config", "--shwo"], "did you mean '--show'?", ranks=None)

    def test_bad_option_value(self):
        self.expect_usage_error(BENCH + ["--tile", "abc"], "--tile")
        self.expect_usage_error(BENCH + ["--level", "fast"], "unknown value 'fast'", "conservative, balanced, aggressive")
        self.expect_usage_error(BENCH + ["--set", "benchmark.tile"], "expected key=value")

    def test_conflicting_options(self):
        self.expect_usage_error(BENCH + ["--force", "--append"], "--force and --append exclude each other")

    def test_disabled_optimizer(self):
        path = self.config({"schema_version": 1, "optimizers": {"cpu": {"enabled": False}}})
        self.expect_usage_error(BENCH + ["--config", path], "the cpu optimizer is disabled")
