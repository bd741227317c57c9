"""Bad input: every case of the corpus tests/data/bad_inputs/cases.json (image files, configs,
command lines, catalogs, results files given to report / compare / verify / merge / export /
profile, commands for `profile --`). Each case must end with its exit code (2 bad usage or input,
1 at run time), print its message once (rank 0 only under mpiexec), crash nowhere (no signal, no
sanitizer report), finish within the timeout, and leave its scratch folder as it found it:
nothing written under the output name, no temporary file, no input changed.

The cases run a few at a time (NSPERF_TEST_JOBS, default 6): most of a case's time is MPI start-up
and teardown, not CPU. The results files the cases need are made once, in setUpClass."""
import concurrent.futures
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import h5py

from nsperf_testing import SOURCE_DIR, run

CORPUS_DIR = os.path.join(SOURCE_DIR, "tests", "data", "bad_inputs")
CORPUS = os.path.join(CORPUS_DIR, "cases.json")
JOBS = int(os.environ.get("NSPERF_TEST_JOBS", "6"))
TIMEOUT_S = 300  # generous: a sanitizer build on a busy machine; a hang still fails
CRASHES = ("Segmentation", "core dumped", "terminate called", "Aborted", "AddressSanitizer",
           "LeakSanitizer", "runtime error:")
OUT = re.compile(r"\{OUT(\.\w+)?\}")


def load_corpus():
    with open(CORPUS) as f:
        return json.load(f)


def expand(corpus):
    """(case, name, argv) per run: a case with 'commands' runs once per command."""
    runs = []
    for index, case in enumerate(corpus["cases"]):
        for command in case.get("commands", [None]):
            argv = []
            for arg in case["args"]:
                if arg == "{command}":
                    argv += corpus["command_lines"][command]
                else:
                    argv.append(arg)
            name = f"#{index} {case['class']}" + (f" [{command}]" if command else "")
            runs.append((case, name, argv))
    return runs


def make_fixtures(corpus, folder):
    """The results files the cases copy, in the corpus's order (a derived one after its source)."""
    specs = corpus["fixtures"]

    def made_by_nsperf(name):
        argv = [a.replace("{file}", os.path.join(folder, name)) for a in specs[name]["nsperf"]]
        r = run(argv, cwd=folder, timeout=TIMEOUT_S)
        if r.code != 0:
            raise RuntimeError(f"fixture {name}: {r}")

    with concurrent.futures.ThreadPoolExecutor(max(1, JOBS)) as pool:
        list(pool.map(made_by_nsperf, [n for n, s in specs.items() if "nsperf" in s]))
    for name, spec in specs.items():
        path = os.path.join(folder, name)
        if "h5py" in spec:
            with h5py.File(path, "w") as f:
                for key, value in spec["h5py"].items():
                    if value is None:
                        f.create_group(key)
                    else:
                        f[key] = value
        elif "from" in spec:
            shutil.copy(os.path.join(folder, spec["from"]), path)
        if "truncate" in spec:
            os.truncate(path, int(os.path.getsize(path) * spec["truncate"]))
        if spec.get("delete"):
            with h5py.File(path, "a") as f:
                for pattern in spec["delete"]:
                    for target in matches(f, pattern.split("/")):
                        del f[target]
        if spec.get("hard_link"):
            with h5py.File(path, "a") as f:
                for link, target in spec["hard_link"].items():
                    f[run_id(f, link)] = f[run_id(f, target)]
        for target, count in spec.get("link_count", {}).items():
            set_link_count(path, target, count)
        if "heap" in spec:
            damage_heap(path, **spec["heap"])


def run_id(f, text):
    """'{run}' in a path is the file's first run."""
    return text.replace("{run}", list(f["runs"])[0]) if "{run}" in text else text


def set_link_count(path, target, count):
    """Rewrites the link count in the (version 1) object header of `target`: a damaged file
    whose group is reached by more links than its header counts, as when it contains itself."""
    with h5py.File(path, "r") as f:
        address = h5py.h5o.get_info(f[run_id(f, target)].id).addr
    with open(path, "r+b") as f:
        f.seek(address)
        assert f.read(1) == b"\x01", "a version 1 object header"
        f.seek(address + 4)
        f.write(count.to_bytes(4, "little"))


def damage_heap(path, free_space=None, object_size=None):
    """Damages the file's first global heap collection (which holds its variable-length
    strings) as the fuzzer found HDF5 1.10 cannot bear: the free space's size (0 makes HDF5
    decode forever), or the first object's size (past the collection, read out of bounds)."""
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        start = data.index(b"GCOL\x01\x00\x00\x00")
        end = start + int.from_bytes(data[start + 8:start + 16], "little")
        p = start + 16
        first = True
        while p + 16 <= end:
            index = int.from_bytes(data[p:p + 2], "little")
            size = int.from_bytes(data[p + 8:p + 16], "little")
            if index == 0 and free_space is not None:
                data[p + 8:p + 16] = free_space.to_bytes(8, "little")
                break
            if index != 0 and first and object_size is not None:
                data[p + 8:p + 16] = object_size.to_bytes(8, "little")
                break
            first = False
            p += size if index == 0 else 16 + (size + 7) // 8 * 8
        else:
            raise AssertionError(f"{path}: nothing to damage in the global heap")
        f.seek(0)
        f.write(data)


def matches(group, parts, prefix=""):
    """HDF5 paths matching a pattern whose parts may be '*' (any member)."""
    names = list(group.keys()) if parts[0] == "*" else [parts[0]]
    found = []
    for name in names:
        if name not in group:
            continue
        path = prefix + name
        found += [path] if len(parts) == 1 else matches(group[name], parts[1:], path + "/")
    return found


def make_files(case, folder, fixtures):
    for name, spec in case.get("files", {}).items():
        path = os.path.join(folder, name)
        if isinstance(spec, str):
            with open(path, "w") as f:
                f.write(spec)
        elif "json" in spec:
            with open(path, "w") as f:
                json.dump(spec["json"], f)
        elif "copy" in spec:
            shutil.copy(os.path.join(CORPUS_DIR, spec["copy"]), path)
        elif "fixture" in spec:
            shutil.copy(os.path.join(fixtures, spec["fixture"]), path)
        elif "sqlite" in spec:
            db = sqlite3.connect(path)
            for statement in spec["sqlite"]:
                db.execute(statement)
            db.commit()
            db.close()
        elif spec.get("folder"):
            os.mkdir(path)
        elif "symlink" in spec:
            os.symlink(spec["symlink"], path)
        elif spec.get("fifo"):
            os.mkfifo(path)
        else:
            raise ValueError(f"unknown file spec for {name}: {spec}")


def snapshot(folder):
    """Every entry under folder, dot files included, with size and mtime for files."""
    state = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            state[os.path.relpath(os.path.join(root, name), folder) + "/"] = None
        for name in files:
            st = os.lstat(os.path.join(root, name))  # a link or a FIFO replaced by a file shows
            state[os.path.relpath(os.path.join(root, name), folder)] = (st.st_mode, st.st_size,
                                                                        st.st_mtime_ns)
    return state


def run_case(case, argv, fixtures):
    """Runs one case in a fresh scratch folder; returns what the assertions need."""
    folder = tempfile.mkdtemp(prefix="nsperf_bad_")
    try:
        make_files(case, folder, fixtures)
        outputs = []

        def output(m):
            outputs.append(os.path.join(folder, "OUT" + (m.group(1) or ".h5")))
            return outputs[-1]

        args = [OUT.sub(output, a.replace("{dir}", folder).replace("{corpus}", CORPUS_DIR))
                for a in argv]
        before = snapshot(folder)
        try:
            result = run(args, ranks=case.get("ranks"), cwd=folder, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            result = None
        after = snapshot(folder)
        return {"result": result, "args": args, "before": before, "after": after,
                "outputs_left": [o for o in outputs if os.path.exists(o)]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class BadInputCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.corpus = load_corpus()
        cls.fixtures = tempfile.mkdtemp(prefix="nsperf_bad_fixtures_")
        make_fixtures(cls.corpus, cls.fixtures)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.fixtures, ignore_errors=True)

    def test_corpus_is_well_formed(self):
        classes = set()
        for case in self.corpus["cases"]:
            with self.subTest(case=case):
                self.assertLessEqual({"class", "args", "ranks", "exit", "message"}, set(case))
                self.assertIn(case["exit"], (1, 2))
                self.assertTrue(case["message"])
                classes.add(case["class"])
                for spec in case.get("files", {}).values():
                    if isinstance(spec, dict) and "copy" in spec:
                        self.assertTrue(os.path.isfile(os.path.join(CORPUS_DIR, spec["copy"])),
                                        spec)
                    if isinstance(spec, dict) and "fixture" in spec:
                        self.assertIn(spec["fixture"], self.corpus["fixtures"])
        self.assertLessEqual({"image", "config", "cli", "results", "catalog"}, classes)

    def test_every_case(self):
        runs = expand(self.corpus)
        with concurrent.futures.ThreadPoolExecutor(max(1, JOBS)) as pool:
            futures = [pool.submit(run_case, case, argv, self.fixtures) for case, _, argv in runs]
            times = []
            for (case, name, argv), future in zip(runs, futures):
                with self.subTest(name, args=" ".join(case["args"])):
                    got = future.result()
                    if got["result"] is not None:
                        times.append((got["result"].seconds, " ".join(argv)))
                    self.check(case, got)
        # Where the time goes (shown, never asserted).
        times.sort(reverse=True)
        cases = len(self.corpus["cases"])
        print(f"\n{len(runs)} runs of {cases} cases, {JOBS} at a time; slowest:",
              *(f"  {s:5.1f} s  nsperf {a}" for s, a in times[:5]), sep="\n", file=sys.stderr)

    def check(self, case, got):
        r = got["result"]
        self.assertIsNotNone(r, f"no exit within {TIMEOUT_S} s: nsperf {' '.join(got['args'])}")
        for crash in CRASHES:
            self.assertNotIn(crash, r.out + r.err, r)
        self.assertGreaterEqual(r.code, 0, f"killed by a signal: {r}")
        if "known" in case:
            self.skipTest(f"known defect: {case['known']}")
        self.assertEqual(r.code, case["exit"], r)
        text = r.out if case.get("stream") == "stdout" else r.err
        self.assertEqual(text.count(case["message"]), 1,
                         f"{case['message']!r} once (rank 0 only):\n{r}")
        for fragment in case.get("also", []):
            self.assertIn(fragment, text, r)
        self.assertEqual(got["outputs_left"], [], "nothing written under the output name")
        self.assertEqual(got["after"], got["before"], "the scratch folder unchanged (no output, no "
                                                      "temporary file, inputs untouched)")


if __name__ == "__main__":
    unittest.main()
