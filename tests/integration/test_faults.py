"""A rank that fails: every rank exits non-zero, the message is printed once, and no results file
(nor a temporary one) is left. A hang fails a test by its timeout, far above the few seconds the
job takes here, so that a loaded machine never fails one: how long the ends take is not asserted."""
import os

from nsperf_testing import SOURCE_DIR, TempDirTest, run

HANG_S = 180  # these jobs end in seconds (17 s seen on a loaded machine); a hung one never does
ARGS = ["benchmark", "--cpu", "--synthetic", "128x128", "--tile", "64", "--repetitions", "3", "--warmup", "1"]
# nsperf benchmark decodes a PNG whole on rank 0, which sends every other rank its tiles (the
# synthetic image and the formats read by region have no tiles in flight).
SENT = ["benchmark", "--cpu", "--image", os.path.join(SOURCE_DIR, "tests", "data", "bad_inputs", "small.png"),
        "--tile", "32", "--repetitions", "3", "--warmup", "1"]


class Faults(TempDirTest):
    def fail_at(self, fault, ranks=3, args=ARGS):
        r = run(args + ["-o", self.path("r.h5")], ranks=ranks, env={"NSPERF_FAULT": fault},
                timeout=HANG_S)
        self.assertNotEqual(r.code, 0, r)
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
        r = self.fail_at("rank:2,phase:distribute", args=SENT)
        self.assertIn("[rank 2] nsperf benchmark: error: fault injected", r.err)

    def test_failure_before_the_rename_leaves_nothing(self):
        r = self.fail_at("rank:0,phase:results-commit", ranks=2)
        self.assertEqual(r.code, 1, r)

    def test_every_rank_failing_the_same_way_prints_one_line(self):
        r = self.fail_at("rank:*,phase:prepare")
        self.assertEqual(r.err.count("fault injected"), 1, r)
        self.assertNotIn("rank 0:", r.err)


class FaultsInTransfers(TempDirTest):
    """A rank failing while tiles move point to point, at 2, 3 and 4 ranks: no agreement is
    possible, so the job is aborted; every rank exits non-zero."""

    def test_a_rank_failing_in_the_transfer_phase_ends_the_job(self):
        for optimizer in ("--distributed", "--network"):
            for ranks in (2, 3, 4):
                r = run(["benchmark", optimizer, "--synthetic", "256x256", "--tile", "32",
                         "--repetitions", "3", "--warmup", "1", "-o", self.path("r.h5")],
                        ranks=ranks, env={"NSPERF_FAULT": "rank:1,phase:transfer"}, timeout=HANG_S)
                self.assertNotEqual(r.code, 0, r)
                self.assertEqual(r.err.count("fault injected"), 1, r)
                self.assertIn("[rank 1] nsperf benchmark: error: fault injected", r.err)
                self.assertEqual(self.files(), [], "no results file and no temporary file")


class KilledRank(TempDirTest):
    """A rank killed with SIGKILL mid-run: the job ends, nothing appears under the final name,
    and an earlier results file is untouched."""

    def test_sigkill_mid_run(self):
        import hashlib
        import signal
        import subprocess
        import time
        from nsperf_testing import MPIEXEC, NSPERF

        out = self.path("r.h5")
        first = run(["benchmark", "--distributed", "--synthetic", "128x128", "--tile", "64",
                     "--repetitions", "1", "--warmup", "0", "-o", out], ranks=2)
        self.assertEqual(first.code, 0, first)
        before = hashlib.sha256(open(out, "rb").read()).hexdigest()
        env = dict(__import__("os").environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        job = subprocess.Popen([MPIEXEC, "-n", "3", "--oversubscribe", NSPERF, "benchmark", "--distributed",
                                "--synthetic", "2048x2048", "--tile", "128", "--repetitions", "1000",
                                "--force", "--no-progress", "-o", out],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            victim = None
            deadline = time.monotonic() + HANG_S
            while victim is None and time.monotonic() < deadline:
                time.sleep(0.5)
                for pid in subprocess.run(["pgrep", "-P", str(job.pid)], capture_output=True,
                                          text=True).stdout.split():
                    try:
                        environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
                    except OSError:
                        continue
                    if b"OMPI_COMM_WORLD_RANK=1" in environ:
                        victim = int(pid)
            self.assertIsNotNone(victim, "rank 1 never started")
            time.sleep(2)  # well into the repetitions
            __import__("os").kill(victim, signal.SIGKILL)
            job.communicate(timeout=HANG_S)
            self.assertNotEqual(job.returncode, 0)
        finally:
            if job.poll() is None:
                job.kill()
                job.communicate()
        self.assertEqual(self.files(), ["r.h5"], "no temporary file left")
        self.assertEqual(hashlib.sha256(open(out, "rb").read()).hexdigest(), before)


class BenchmarkStopped(TempDirTest):
    """A stop signal (a SLURM time limit, Ctrl-C) ends nsperf benchmark at once with one message
    and exit 3: its results are written whole, so nothing is written and an earlier file stays."""

    @staticmethod
    def digest(path):
        import hashlib
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def earlier(self):
        out = self.path("r.h5")
        first = run(["benchmark", "--cpu", "--synthetic", "128x128", "--tile", "64", "--repetitions", "1",
                     "--warmup", "0", "--no-progress", "-o", out])
        self.assertEqual(first.code, 0, first)
        return out, self.digest(out)

    def assert_untouched(self, out, digest, r):
        self.assertEqual(r.err.count("nsperf benchmark: stopped by SIGTERM: nothing was written"), 1, r)
        self.assertEqual(self.files(), ["r.h5"], "no temporary file left")
        self.assertEqual(self.digest(out), digest)

    def test_a_signal_while_the_results_are_written(self):
        out, digest = self.earlier()
        # The temporary file is complete and not yet renamed when rank 0 gets the signal.
        for ranks in (None, 2):
            with self.subTest(ranks=ranks):
                r = run(ARGS + ["--force", "--no-progress", "-o", out], ranks=ranks, timeout=HANG_S,
                        env={"NSPERF_FAULT": "rank:0,phase:results-commit,signal:TERM"})
                self.assertEqual(r.code, 3, r)
                self.assert_untouched(out, digest, r)

    def test_sigterm_to_mpirun_mid_measurement(self):
        import signal
        import subprocess
        import time
        from nsperf_testing import MPIEXEC, NSPERF, Result, check_sanitizers

        out, digest = self.earlier()
        env = dict(__import__("os").environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        job = subprocess.Popen([MPIEXEC, "-n", "2", NSPERF, "benchmark", "--cpu", "--synthetic", "1024x1024",
                                "--repetitions", "100000", "--force", "-o", out],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        def catching_sigterm():  # the ranks whose handler is installed (SigCgt bit 15 - 1)
            ranks = 0
            for pid in subprocess.run(["pgrep", "-P", str(job.pid)], capture_output=True,
                                      text=True).stdout.split():
                try:
                    status = open(f"/proc/{pid}/status").read()
                except OSError:
                    continue
                caught = [line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")]
                ranks += bool(caught and int(caught[0], 16) & (1 << (signal.SIGTERM - 1)))
            return ranks

        try:
            deadline = time.monotonic() + HANG_S
            while catching_sigterm() < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(0.5)  # measuring: 100000 repetitions take hours
            self.assertIsNone(job.poll(), "the job ended early")
            start = time.monotonic()
            job.send_signal(signal.SIGTERM)  # mpirun passes it to the ranks
            stdout, stderr = job.communicate(timeout=HANG_S)
            seconds = time.monotonic() - start
        finally:
            if job.poll() is None:
                job.kill()
                job.communicate()
        r = Result(subprocess.CompletedProcess(job.args, job.returncode, stdout, stderr), seconds)
        check_sanitizers(r)
        self.assertNotEqual(r.code, 0, r)
        self.assert_untouched(out, digest, r)
