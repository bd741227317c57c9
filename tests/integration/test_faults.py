"""A rank that fails: every rank exits non-zero within seconds, the message is printed once,
and no results file (nor a temporary one) is left."""
from nsperf_testing import TempDirTest, run

ARGS = ["benchmark", "--cpu", "--synthetic", "256x256", "--tile", "64", "--repetitions", "3", "--warmup", "1"]


class Faults(TempDirTest):
    def fail_at(self, fault, ranks=3):
        r = run(ARGS + ["-o", self.path("r.h5")], ranks=ranks, env={"NSPERF_FAULT": fault}, timeout=60)
        self.assertNotEqual(r.code, 0, r)
        self.assertLess(r.seconds, 10.0, r)
        self.assertEqual(self.files(), [], "no results file and no temporary file")
        return r

    def test_agreed_failure_during_compute(self):
        r = self.fail_at("rank:1,phase:compute")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.err.count("fault injected"), 1, r)
        self.assertIn("rank 1: fault injected", r.err)

    def test_failure_on_rank_zero_during_setup(self):
        r = self.fail_at("rank:0,phase:setup")
        self.assertEqual(r.err.count("fault injected"), 1, r)

    def test_failure_while_tiles_are_in_flight_aborts_the_job(self):
        # A peer may be blocked in a receive: no agreement is possible, so the job is aborted.
        r = self.fail_at("rank:2,phase:distribute")
        self.assertIn("[rank 2] nsperf benchmark: error: fault injected", r.err)

    def test_failure_before_the_rename_leaves_nothing(self):
        r = self.fail_at("rank:0,phase:results-commit", ranks=2)
        self.assertEqual(r.code, 1, r)

    def test_every_rank_failing_the_same_way_prints_one_line(self):
        r = self.fail_at("rank:*,phase:prepare")
        self.assertEqual(r.err.count("fault injected"), 1, r)
        self.assertNotIn("rank 0:", r.err)
