"""What a user or a tool reads about the registries comes from them: adding a strategy, a
partitioner or an optimizer setting in its own file leaves nothing stale. Checks the surfaces
that are not generated at run time against what the binary registers."""
import glob
import json
import importlib.machinery
import importlib.util
import os
import re
import tempfile
import unittest

from nsperf_testing import run

SOURCE = os.environ.get("NSPERF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def registered_strategies():
    """{optimizer: [strategy, ...]} from `nsperf benchmark --list`."""
    r = run(["benchmark", "--list"], ranks=1)
    assert r.code == 0, r
    found, optimizer = {}, None
    for line in r.out.splitlines():
        if m := re.match(r"^  --(\S+)  ", line):
            optimizer = m.group(1)
            found[optimizer] = []
        elif (m := re.match(r"^      (\S+)\s+(\S+)", line)) and optimizer:
            if m.group(2) != "reference":  # measured beside the strategies, never configured
                found[optimizer].append(m.group(1))
        elif line.startswith("kernels"):
            optimizer = None
    return found


def listed_keys():
    r = run(["config", "--keys"])
    assert r.code == 0, r
    return [m.group(1) for m in re.finditer(r"^(\S+)  \(", r.out, re.M)]


def dictionary_words():
    with open(os.path.join(SOURCE, "fuzz", "config.dict")) as f:
        return {line.strip()[1:-1] for line in f if line.startswith('"')}


def generate_docs():
    """scripts/generate-docs as a module (its file name has no .py)."""
    path = os.path.join(SOURCE, "scripts", "generate-docs")
    loader = importlib.machinery.SourceFileLoader("generate_docs", path)
    spec = importlib.util.spec_from_loader("generate_docs", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class RegistrySurfaces(unittest.TestCase):
    def test_the_list_and_the_keys_are_not_empty(self):
        strategies = registered_strategies()
        self.assertEqual(sorted(strategies), ["cpu", "database", "distributed", "io", "memory", "network"])
        for optimizer, names in strategies.items():
            self.assertGreaterEqual(len(names), 2, optimizer)
        keys = listed_keys()
        self.assertIn("input.tile", keys)
        self.assertIn("optimizers.distributed.chunk", keys, "a setting an optimizer declares")

    def test_fuzz_dictionary_knows_every_key_and_strategy(self):
        # fuzz/make-seeds.py writes fuzz/config.dict; a key or strategy it lacks is fuzzed blind.
        words = dictionary_words()
        self.assertTrue(words)
        missing = [k for k in listed_keys() if k not in words]
        missing += [s for names in registered_strategies().values() for s in names if s not in words]
        self.assertEqual(missing, [], "add them to fuzz/make-seeds.py and run it")

    def test_references_are_listed_apart_and_refused_as_strategies(self):
        r = run(["benchmark", "--list"], ranks=1)
        self.assertEqual(r.code, 0, r)
        for name in ("mpi-ping-pong", "mpi-scatterv", "rank0-writer", "per-rank-merge"):
            self.assertRegex(r.out, r"\n      %s\s+reference\s" % re.escape(name))
        self.assertNotIn("mpi-ping-pong", registered_strategies()["network"])
        with tempfile.TemporaryDirectory() as folder:
            cfg = os.path.join(folder, "cfg.json")
            with open(cfg, "w") as f:
                json.dump({"schema_version": 1,
                           "optimizers": {"network": {"strategies": ["mpi-ping-pong"]}}}, f)
            r = run(["config", "--validate", cfg])
        self.assertEqual(r.code, 2, r)
        self.assertIn("has unknown name 'mpi-ping-pong'", r.err)

    def test_run_help_lists_every_cpu_strategy(self):
        r = run(["run", "--help"])
        self.assertEqual(r.code, 0, r)
        text = " ".join(r.out.split())
        line = text[text.index("CPU strategy:"):text.index("(run.strategy")]
        cpu = registered_strategies()["cpu"]
        self.assertTrue(cpu)
        for name in cpu:
            self.assertRegex(line, r"\b%s\b" % re.escape(name))

    def test_generated_doc_tables_are_current(self):
        gen = generate_docs()
        found = []
        for path in sorted(glob.glob(os.path.join(SOURCE, "docs", "*.md"))):
            with open(path) as f:
                for args, body in gen.blocks(f.read()):
                    found.append(args)
                    r = run(args.split(), ranks=1 if args.startswith("benchmark") else None)
                    self.assertEqual(r.code, 0, r)
                    self.assertTrue(r.out.startswith("| "), r.out[:200])
                    self.assertEqual(body, r.out, f"{os.path.basename(path)}: the block of "
                                     f"'nsperf {args}' is stale: run scripts/generate-docs")
        self.assertIn("config --keys=markdown", found)
        self.assertIn("benchmark --list=markdown", found)


if __name__ == "__main__":
    unittest.main()
