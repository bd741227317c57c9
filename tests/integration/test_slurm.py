"""The SLURM batch scripts against a real SLURM (slurm/local-cluster: munge, slurmctld and two
emulated nodes on this machine): a benchmark on two nodes, a sweep as a job array followed by
the merge-and-report job (afterok), and failures reported as failures. ctest label: slurm."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import h5py

from nsperf_testing import SOURCE_DIR, TempDirTest

CLUSTER = os.path.join(SOURCE_DIR, "slurm", "local-cluster")
SLURM = os.path.join(SOURCE_DIR, "slurm")
SMALL = "--cpu --synthetic 256x256 -r 2 --warmup 0 --set optimizers.cpu.strategies=scalar,fused"
DONE = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL",
        "DEADLINE", "PREEMPTED"}


def slurm_missing():
    for tool in ("slurmctld", "slurmd", "sbatch", "munged"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            return tool
    return None


class Slurm(TempDirTest):
    @classmethod
    def setUpClass(cls):
        missing = slurm_missing()
        if missing:
            raise unittest.SkipTest(f"SLURM is not installed here ({missing} not found); "
                                    "scripts/install-deps installs slurmctld slurmd slurm-client munge")
        cls.scratch = tempfile.mkdtemp(prefix="nsperf_slurm_")
        cls.env = dict(os.environ, NSPERF_SLURM_DIR=os.path.join(cls.scratch, "cluster"))
        r = subprocess.run([CLUSTER, "start"], env=cls.env, capture_output=True, text=True, timeout=90)
        if r.returncode != 0:
            shutil.rmtree(cls.scratch, ignore_errors=True)
            raise AssertionError(f"local-cluster start failed:\n{r.stdout}\n{r.stderr}")
        cls.env["SLURM_CONF"] = os.path.join(cls.scratch, "cluster", "slurm.conf")

    @classmethod
    def tearDownClass(cls):
        subprocess.run([CLUSTER, "stop"], env=cls.env, capture_output=True, timeout=60)
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def sbatch(self, *args, **env):
        r = subprocess.run(["sbatch", "--parsable"] + list(args), env=dict(self.env, **env),
                           cwd=self.dir, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip().split(";")[0]

    def job(self, job_id):
        """State and exit code of a job (or every task of an array), polled from slurmctld."""
        r = subprocess.run(["scontrol", "-o", "show", "job", job_id], env=self.env,
                           capture_output=True, text=True, timeout=30)
        tasks = []
        for line in r.stdout.splitlines():
            fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
            tasks.append((fields.get("JobState"), fields.get("ExitCode"), fields.get("Reason")))
        return tasks

    def wait(self, *job_ids, timeout=600):  # the jobs take seconds; a stuck one never ends
        # sbatch --wait polls at 2 s, 10 s, then every 32 s: poll ourselves, every half second.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = {j: self.job(j) for j in job_ids}
            if all(tasks and all(t[0] in DONE for t in tasks) for tasks in states.values()):
                return states
            time.sleep(0.5)
        self.fail(f"jobs {job_ids} not done in {timeout} s: {states}")

    def output_of(self, pattern):
        names = [n for n in os.listdir(self.dir) if n.startswith(pattern)]
        return "".join(open(os.path.join(self.dir, n)).read() for n in sorted(names))

    def test_a_benchmark_on_two_nodes(self):
        job = self.sbatch("-N", "2", "--ntasks-per-node=1", os.path.join(SLURM, "nsperf-benchmark.sbatch"),
                          NSPERF_ARGS=SMALL + " --tile 64")
        states = self.wait(job)
        self.assertEqual(states[job], [("COMPLETED", "0:0", "None")], self.output_of("nsperf-benchmark"))
        results = os.path.join(self.dir, "results", f"nsperf-{job}.h5")
        with h5py.File(results) as f:
            run = f["runs"][sorted(f["runs"])[-1]]
            self.assertEqual(run.attrs["ranks"], 2)
            slurm = run.attrs["slurm_job"]
            self.assertIn(f"SLURM_JOB_ID={job}", slurm)
            self.assertIn("SLURM_JOB_NODELIST=nsperf[1-2]", slurm)
            self.assertIn("SLURM_NTASKS_PER_NODE=1", slurm)
            samples = run["samples"][:]
            self.assertEqual(set(samples["rank"]), {0, 1})
        self.assertIn("2 ranks x 1 threads (srun)", self.output_of("nsperf-benchmark"))

    def test_mpirun_as_the_launcher(self):
        job = self.sbatch("-N", "2", "--ntasks-per-node=1", os.path.join(SLURM, "nsperf-benchmark.sbatch"),
                          NSPERF_ARGS=SMALL + " --tile 64", NSPERF_LAUNCHER="mpirun")
        states = self.wait(job)
        self.assertEqual(states[job][0][:2], ("COMPLETED", "0:0"), self.output_of("nsperf-benchmark"))
        with h5py.File(os.path.join(self.dir, "results", f"nsperf-{job}.h5")) as f:
            run = f["runs"][sorted(f["runs"])[-1]]
            self.assertEqual(run.attrs["ranks"], 2)
            self.assertIn(f"SLURM_JOB_ID={job}", run.attrs["slurm_job"])
        self.assertIn("(mpirun)", self.output_of("nsperf-benchmark"))

    def test_a_sweep_then_its_report(self):
        r = subprocess.run([os.path.join(SLURM, "submit-study"), "--tile 32;--tile 64;--tile 128"],
                           env=dict(self.env, NSPERF_ARGS=SMALL), cwd=self.dir, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        ids = dict(line.split() for line in r.stdout.splitlines())
        states = self.wait(ids["sweep"], ids["report"])
        self.assertEqual([t[0] for t in states[ids["sweep"]]], ["COMPLETED"] * 3)
        self.assertEqual(states[ids["report"]][0][:2], ("COMPLETED", "0:0"), self.output_of("nsperf-report"))
        merged = os.path.join(self.dir, "results", f"nsperf-study-{ids['sweep']}.h5")
        with h5py.File(merged) as f:
            runs = [f["runs"][name] for name in sorted(f["runs"])]
            self.assertEqual(len(runs), 3, "one run per array task")
            tasks = set()
            tiles = set()
            for run in runs:
                slurm = run.attrs["slurm_job"]
                self.assertIn(f"SLURM_ARRAY_JOB_ID={ids['sweep']}", slurm)
                tasks.add(next(p for p in slurm.split(";") if p.startswith("SLURM_ARRAY_TASK_ID=")))
                tiles.add(run["tiles"][:]["width"].max())
                self.assertIn("summary", run)
        self.assertEqual(tasks, {f"SLURM_ARRAY_TASK_ID={i}" for i in range(3)})
        self.assertEqual(tiles, {32, 64, 128})
        page = os.path.join(self.dir, "results", f"nsperf-study-{ids['sweep']}.html")
        self.assertGreater(os.path.getsize(page), 10000)

    def test_failures_are_reported_as_failures(self):
        # Bad input: nsperf exits 2, srun passes it on, SLURM records FAILED with exit code 2.
        bad = self.sbatch(os.path.join(SLURM, "nsperf-benchmark.sbatch"), NSPERF_ARGS="--cpu --tile 0")
        # A sweep with a failing task: its report (afterok) can never run and is cancelled.
        r = subprocess.run([os.path.join(SLURM, "submit-study"), "--tile 64;--tile 0"],
                           env=dict(self.env, NSPERF_ARGS=SMALL), cwd=self.dir, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        ids = dict(line.split() for line in r.stdout.splitlines())
        states = self.wait(bad, ids["sweep"], ids["report"])
        self.assertEqual(states[bad], [("FAILED", "2:0", "NonZeroExitCode")])
        self.assertIn("--tile: 'input.tile' must be between 1", self.output_of(f"nsperf-benchmark-{bad}"))
        self.assertEqual(sorted(t[0] for t in states[ids["sweep"]]), ["COMPLETED", "FAILED"])
        state, _, reason = states[ids["report"]][0]
        self.assertEqual(state, "CANCELLED")
        self.assertEqual(reason, "DependencyNeverSatisfied")
