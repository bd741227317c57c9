"""nsperf config: --set writes atomically, --show prints the effective config, --validate
reports every problem; benchmark picks up ./optimization_config.json."""
import json
import os

import h5py

from nsperf_testing import TempDirTest, run


class ConfigCommand(TempDirTest):
    def test_set_show_and_use(self):
        r = run(["config", "--set", "input.tile=32", "--set", "optimizers.cpu.strategies=openmp"], cwd=self.dir)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.files(), ["optimization_config.json"])
        with open(self.path("optimization_config.json")) as f:
            doc = json.load(f)
        self.assertEqual(doc, {"schema_version": 1, "input": {"tile": 32},
                               "optimizers": {"cpu": {"strategies": ["openmp"]}}})
        r = run(["config", "--show"], cwd=self.dir)
        self.assertEqual(r.code, 0, r)
        shown = json.loads(r.out)
        self.assertEqual(shown["input"]["tile"], 32)
        self.assertEqual(shown["benchmark"]["repetitions"], 10, "defaults included")
        self.assertEqual(shown["optimizers"]["cpu"]["strategies"], ["scalar", "openmp"], "baseline always runs")
        r = run(["benchmark", "--synthetic", "64x64", "--repetitions", "1", "--warmup", "0", "-o", "r.h5"],
                ranks=2, cwd=self.dir)
        self.assertEqual(r.code, 0, r)
        with h5py.File(self.path("r.h5")) as f:
            g = f["runs"][list(f["runs"])[0]]
            cpu = (g["tiles"]["optimizer"] == b"cpu").sum()
            self.assertEqual(cpu, 4 * 2, "tile 32 from the config file in the working directory")

    def test_invalid_set_writes_nothing(self):
        self.assertEqual(run(["config", "--set", "input.tile=32"], cwd=self.dir).code, 0)
        with open(self.path("optimization_config.json")) as f:
            before = f.read()
        r = run(["config", "--set", "input.tile=0"], cwd=self.dir)
        self.assertEqual(r.code, 2, r)
        self.assertIn("'input.tile' must be between 1", r.err)
        with open(self.path("optimization_config.json")) as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(self.files(), ["optimization_config.json"])

    def test_validate(self):
        good = self.path("good.json")
        with open(good, "w") as f:
            json.dump({"schema_version": 1, "optimization_level": "conservative"}, f)
        r = run(["config", "--validate", good])
        self.assertEqual(r.code, 0, r)
        self.assertIn("valid", r.out)
        bad = self.path("bad.json")
        with open(bad, "w") as f:
            json.dump({"schema_version": 1, "input": {"tile": 0, "synthetic": "1x"}, "x": 1}, f)
        r = run(["config", "--validate", bad])
        self.assertEqual(r.code, 2, r)
        self.assertIn("3 problems", r.err)
        for fragment in ("'input.tile'", "'input.synthetic'", "unknown key 'x'"):
            self.assertIn(fragment, r.err)

    def test_keys_are_listed(self):
        r = run(["config", "--keys"])
        self.assertEqual(r.code, 0, r)
        for key in ("schema_version", "optimization_level", "input.tile", "optimizers.cpu.strategies",
                    "optimizers.distributed.chunk", "optimizers.database.query_rows"):
            self.assertIn(key, r.out)

    def test_old_input_keys_still_load_with_a_note(self):
        # Config files written before the input settings moved to input.* hold benchmark.tile etc.
        old = self.path("old.json")
        with open(old, "w") as f:
            json.dump({"schema_version": 1, "benchmark": {"tile": 32, "synthetic": "64x64", "repetitions": 1}}, f)
        r = run(["config", "--validate", old])
        self.assertEqual(r.code, 0, r)
        self.assertIn("'benchmark.tile' is now 'input.tile'", r.out)
        r = run(["config", "--show", "-c", old])
        self.assertEqual(r.code, 0, r)
        shown = json.loads(r.out[r.out.index("{"):])
        self.assertEqual((shown["input"]["tile"], shown["input"]["synthetic"]), (32, "64x64"))
        self.assertEqual(shown["benchmark"]["repetitions"], 1)
        self.assertNotIn("tile", shown["benchmark"])
        r = run(["benchmark", "--cpu", "--warmup", "0", "--no-progress", "-c", "old.json", "-o", "r.h5"],
                ranks=2, cwd=self.dir)
        self.assertEqual(r.code, 0, r)
        self.assertIn("note: old.json: 'benchmark.synthetic' is now 'input.synthetic' (read as such)", r.out)
        with h5py.File(self.path("r.h5")) as f:
            g = f["runs"][list(f["runs"])[0]]
            cpu = g["tiles"][g["tiles"]["optimizer"] == b"cpu"]
            self.assertEqual(len(cpu) > 0 and set(cpu["width"]), {32}, "tile 32 of a 64x64 image")
            self.assertEqual(len(set(cpu["tile_id"])), 4)
        # --set with an old name writes the new one; both names set is a problem naming both.
        r = run(["config", "--set", "benchmark.tile=48", "-c", old])
        self.assertEqual(r.code, 0, r)
        self.assertIn("'benchmark.tile' is now 'input.tile'", r.out)
        with open(old) as f:
            doc = json.load(f)
        self.assertEqual(doc["input"], {"tile": 48, "synthetic": "64x64"})
        self.assertEqual(doc["benchmark"], {"repetitions": 1})
        both = self.path("both.json")
        with open(both, "w") as f:
            json.dump({"schema_version": 1, "benchmark": {"tile": 32}, "input": {"tile": 16}}, f)
        r = run(["config", "--validate", both])
        self.assertEqual(r.code, 2, r)
        self.assertIn("'benchmark.tile' is the old name of 'input.tile', which is set too: keep one", r.err)

    def test_no_action_is_a_usage_error(self):
        r = run(["config"])
        self.assertEqual(r.code, 2, r)
        self.assertIn("usage:", r.err)
