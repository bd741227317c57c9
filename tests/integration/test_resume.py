"""A stop signal and nsperf run --resume: a run stopped between tiles writes its complete tiles as
an incomplete run and exits 3; --resume continues it, and the output equals an uninterrupted
run's (mask, gradient, per-tile figures, threshold). Signals come at a chosen tile
(NSPERF_FAULT=rank:R,tile:N,signal:S, raised by the rank itself) and at random moments, sent from
outside as SLURM (to the ranks) and a user (to mpirun) send them."""
import os
import random
import signal
import subprocess
import tempfile
import time
import shutil
import unittest

import h5py
import numpy as np

from nsperf_testing import MPIEXEC, NSPERF, TempDirTest, flip, run


def job(synthetic="1024x768", tile="96"):
    return ["run", "--synthetic", synthetic, "--tile", tile, "--no-progress"]


ARGS = job()
TILES = 11 * 8
RANKS = 2
# The per-tile figures that do not depend on timing or on which rank held the tile.
SAME_COLUMNS = ["tile_id", "x", "y", "width", "height", "negative_space_fraction", "gradient_mean",
                "gradient_max", "mask_checksum", "gradient_checksum", "check_status",
                "differing_pixels"]


class Resume(TempDirTest):
    @classmethod
    def setUpClass(cls):
        cls.base_dir = tempfile.mkdtemp(prefix="nsperf_resume_")
        cls.base = os.path.join(cls.base_dir, "base.h5")
        r = run(ARGS + ["-o", cls.base], ranks=RANKS)
        if r.code != 0:
            raise AssertionError(f"the uninterrupted run failed: {r}")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base_dir, ignore_errors=True)

    def interrupted(self, out, fault, ranks=RANKS, extra=()):
        r = run(ARGS + ["-o", out] + list(extra), ranks=ranks, env={"NSPERF_FAULT": fault})
        self.assertEqual(r.code, 3, r)
        return r

    def assert_incomplete(self, path, complete):
        with h5py.File(path) as f:
            self.assertEqual(f.attrs["status"], "incomplete")
            self.assertEqual(f.attrs["tiles_complete"], complete)
            self.assertEqual(f.attrs["tiles_total"], TILES)
            self.assertEqual(len(f["tiles"]), complete)
            self.assertNotIn("threshold", f.attrs)

    def assert_equals_uninterrupted(self, path, same_ranks=True):
        with h5py.File(self.base) as a, h5py.File(path) as b:
            self.assertEqual(b.attrs["status"], "complete")
            for name in ("mask", "gradient"):
                self.assertTrue(np.array_equal(a[name][...], b[name][...]), f"/{name} differs")
            columns = SAME_COLUMNS + (["rank"] if same_ranks else [])
            ta, tb = a["tiles"][...], b["tiles"][...]
            for c in columns:
                self.assertTrue(np.array_equal(ta[c], tb[c]), f"/tiles column {c} differs")
            for k in ("threshold", "max_magnitude", "histogram_scale", "negative_space_fraction"):
                self.assertEqual(a.attrs[k], b.attrs[k], k)

    def resume(self, out, ranks=RANKS, env=None):
        r = run(ARGS + ["-o", out, "--resume"], ranks=ranks, env=env)
        self.assertEqual(r.code, 0, r)
        return r

    def test_signal_at_a_chosen_tile_then_resume(self):
        # Static blocks: 44 tiles per rank. Rank 1 stops before its 6th tile, rank 0 finishes.
        for sig in ("TERM", "INT", "USR1"):
            with self.subTest(signal=sig):
                out = self.path(f"{sig}.h5")
                r = self.interrupted(out, f"rank:1,tile:5,signal:{sig}")
                self.assertIn(f"interrupted by SIG{sig}: 49 of {TILES} tiles were complete", r.err)
                self.assertIn("--resume", r.err)
                self.assert_incomplete(out, 49)
                v = run(["verify", out])
                self.assertEqual(v.code, 1, v)
                self.assertIn("INCOMPLETE", v.out)
                self.assertNotIn("DAMAGED", v.out)
                r = self.resume(out)
                self.assertIn(f"resumed: ", r.out)
                self.assert_equals_uninterrupted(out)
                with h5py.File(out) as f:
                    self.assertGreater(f.attrs["tiles_resumed"], 0)
                    self.assertLessEqual(f.attrs["tiles_resumed"], 49)
                self.assertEqual(run(["verify", out]).code, 0)
        self.assertEqual(self.files(), ["INT.h5", "TERM.h5", "USR1.h5"])  # no temporary file left

    def test_every_rank_stopped_at_once_then_resumed_twice(self):
        out = self.path("o.h5")
        self.interrupted(out, "rank:*,tile:0,signal:TERM")
        self.assert_incomplete(out, 0)
        # Interrupted again while resuming: the second incomplete run keeps what both computed.
        self.interrupted(out, "rank:0,tile:10,signal:TERM", extra=["--resume"])
        self.assert_incomplete(out, 44 + 10)
        self.resume(out)
        self.assert_equals_uninterrupted(out)
        self.assertEqual(self.files(), ["o.h5"])  # no temporary file left

    def test_resume_at_another_rank_count(self):
        out = self.path("o.h5")
        self.interrupted(out, "rank:0,tile:20,signal:TERM")
        self.resume(out, ranks=3)
        self.assert_equals_uninterrupted(out, same_ranks=False)

    def test_resume_refuses_what_it_cannot_continue(self):
        missing = self.path("missing.h5")
        r = run(ARGS + ["-o", missing, "--resume"], ranks=RANKS)
        self.assertEqual(r.code, 2, r)
        self.assertIn(f"{missing}: no such file, so nothing to resume", r.err)
        r = run(ARGS + ["-o", self.base, "--resume"], ranks=RANKS)
        self.assertEqual(r.code, 2, r)
        self.assertIn("holds a complete run", r.err)

        out = self.path("o.h5")
        self.interrupted(out, "rank:1,tile:3,signal:TERM")
        before = open(out, "rb").read()
        for args, fragment in ((ARGS + ["--strategy", "scalar"], "was run with strategy fused, this run has scalar"),
                               (job(tile="128"), "was run with tile 96, this run has 128"),
                               (job(synthetic="1024x1024"), "was run with height 768, this run has 1024"),
                               (ARGS + ["--seed", "2"], "was run with image synthetic")):
            with self.subTest(args=args):
                r = run(args + ["-o", out, "--resume"], ranks=RANKS)
                self.assertEqual(r.code, 2, r)
                self.assertIn(fragment, r.err)
                self.assertEqual(open(out, "rb").read(), before, "a refused resume changed the file")

        # A damaged recorded gradient is named, not silently used.
        with h5py.File(out) as f:
            chunk = f["gradient"].id.get_chunk_info(0)
        flip(out, chunk.byte_offset + chunk.size // 2)
        r = run(ARGS + ["-o", out, "--resume"], ranks=RANKS)
        self.assertEqual(r.code, 2, r)
        self.assertIn("tile 0's /gradient differs from its checksum in /tiles", r.err)

    def test_a_hard_kill_records_nothing(self):
        # SIGKILL cannot be caught: no tile is recorded and nothing is left under the output's
        # name or as a temporary file; --resume says there is nothing to continue.
        out = self.path("o.h5")
        r = run(ARGS + ["-o", out], ranks=RANKS, env={"NSPERF_FAULT": "rank:1,tile:2,signal:KILL"})
        self.assertNotEqual(r.code, 0, r)
        self.assertEqual(self.files(), [])
        r = run(ARGS + ["-o", out, "--resume"], ranks=RANKS)
        self.assertEqual(r.code, 2, r)

    def test_signals_at_random_moments(self):
        # From outside, at a random moment of the run: SIGTERM to every rank (what SLURM does at a
        # time limit) or SIGUSR1 to mpirun (which forwards it). Whatever the moment, the run ends
        # as complete, incomplete (resumed here), or - when the signal came before nsperf set its
        # handlers up, during MPI start-up - killed with nothing left behind.
        # The moments come from a fixed seed (NSPERF_TEST_SEED chooses others); what each moment
        # hits still depends on the machine's load, and every outcome is checked for what it is.
        seed = int(os.environ.get("NSPERF_TEST_SEED", "1"))
        rng = random.Random(seed)
        outcomes = []
        for attempt in range(4):
            out = self.path(f"r{attempt}.h5")
            delay = rng.uniform(0.3, 1.5)
            to_ranks = attempt % 2 == 0
            cmd = [MPIEXEC, "-n", str(RANKS), "--oversubscribe", NSPERF] + ARGS + ["-o", out]
            env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            time.sleep(delay)
            if to_ranks:
                ranks = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
                for pid in ranks:
                    try:
                        os.kill(int(pid), signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            else:
                proc.send_signal(signal.SIGUSR1)
            stdout, stderr = proc.communicate(timeout=120)
            where = f"seed {seed}, attempt {attempt}, delay {delay:.2f} s, exit {proc.returncode}\n{stderr}"
            if proc.returncode == 0:
                outcomes.append("complete")
            elif proc.returncode == 3:
                outcomes.append("incomplete")
                self.assertIn("interrupted by", stderr, where)
                self.resume(out)
            else:
                outcomes.append("killed")
                self.assertFalse(os.path.exists(out), where)
                self.assertEqual([f for f in self.files() if f.startswith(".")], [], where)
                continue
            self.assert_equals_uninterrupted(out)
        print(f"random stop signals (seed {seed}): {outcomes}")


if __name__ == "__main__":
    unittest.main()
