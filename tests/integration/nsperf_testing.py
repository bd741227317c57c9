"""Helpers for the integration tests: run the real nsperf binary, under mpiexec or alone."""
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import unittest

NSPERF = os.environ.get("NSPERF_BIN", "nsperf")
MPIEXEC = os.environ.get("NSPERF_MPIEXEC", "mpiexec")
SOURCE_DIR = os.environ.get("NSPERF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


class Result:
    def __init__(self, proc, seconds):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.seconds = seconds

    def __repr__(self):
        return f"exit {self.code} after {self.seconds:.1f}s\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run(args, ranks=None, env=None, cwd=None, timeout=120):
    """Runs `nsperf args` (under mpiexec -n ranks when ranks is given)."""
    cmd = [NSPERF] + list(args)
    if ranks is not None:
        cmd = [MPIEXEC, "-n", str(ranks), "--oversubscribe"] + cmd
    return run_command(cmd, env, cwd, timeout)


def run_on_two_nodes(args, timeout=300):
    """Runs `nsperf args` as 2 ranks that tell apart two nodes on this machine: each named as
    SLURM names its node (SLURMD_NODENAME), over TCP as between nodes."""
    return run_command([MPIEXEC, "--oversubscribe", "--mca", "btl", "self,tcp",
                        "-n", "1", "-x", "SLURMD_NODENAME=node-a", NSPERF] + list(args) +
                       [":", "-n", "1", "-x", "SLURMD_NODENAME=node-b", NSPERF] + list(args),
                       timeout=timeout)


def run_command(cmd, env=None, cwd=None, timeout=120):
    """Runs `cmd` (nsperf, launched or not) as root may run MPI, and checks for sanitizer reports."""
    full_env = dict(os.environ)
    full_env.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
    full_env.update(env or {})
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout)
    result = Result(proc, time.monotonic() - start)
    check_sanitizers(result)
    return result


# What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer print (the asan preset's
# binaries exit with 86 after a report): any of them fails the test, whatever it expected.
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer")


def check_sanitizers(result):
    for report in SANITIZER_REPORTS:
        if report in result.err or report in result.out:
            raise AssertionError(f"sanitizer report ({report}):\n{result}")


def flip(path, offset):
    """Inverts the byte at `offset` of the file at `path` (damage for verify and --resume)."""
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


class TempDirTest(unittest.TestCase):
    """A test with its own scratch folder, self.dir."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nsperf_it_")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def files(self):
        return sorted(os.listdir(self.dir))


@contextlib.contextmanager
def small_filesystem(test, path, size):
    """Mounts a tmpfs of `size` (e.g. "256k") on `path` for the block: a disk that fills up.
    Skips the test, saying why, where mounting is not allowed (needs root and CAP_SYS_ADMIN)."""
    os.makedirs(path, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        test.skipTest(f"cannot mount a small tmpfs here to fill a disk: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], capture_output=True)
