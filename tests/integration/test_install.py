"""cmake --install gives the binary (with its git commit), the headers, the scripts and a CMake
package another project can find_package(nsperf) and link."""
import os
import subprocess

from nsperf_testing import SOURCE_DIR, TempDirTest

BUILD_DIR = os.environ.get("NSPERF_BUILD_DIR", os.path.join(SOURCE_DIR, "build", "release"))


class Install(TempDirTest):
    def sh(self, *cmd, **kw):
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
        self.assertEqual(p.returncode, 0, f"{' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
        return p.stdout

    def test_install_and_find_package(self):
        prefix = self.path("prefix")
        self.sh("cmake", "--install", BUILD_DIR, "--prefix", prefix)
        out = self.sh(os.path.join(prefix, "bin", "nsperf"), "--version")
        self.assertRegex(out, r"^nsperf \d+\.\d+\.\d+ \(git ")
        for header in ("core/config.hpp", "core/profiler.hpp", "kernels/cpu_strategy.hpp",
                       "io/results_file.hpp", "mpi/phase.hpp"):
            self.assertTrue(os.path.isfile(os.path.join(prefix, "include", "nsperf", header)), header)
        for script in ("install-deps", "run-example", "test", "summarize.py", "report.py"):
            self.assertTrue(os.path.isfile(os.path.join(prefix, "share", "nsperf", "scripts", script)), script)
        consumer = self.path("consumer")
        self.sh("cmake", "-S", os.path.join(SOURCE_DIR, "tests", "integration", "consumer"), "-B", consumer,
                f"-DCMAKE_PREFIX_PATH={prefix}")
        self.sh("cmake", "--build", consumer, "-j2")
        out = self.sh(os.path.join(consumer, "consumer"))
        self.assertIn("scalar\n", out)
        self.assertIn("openmp\n", out)
        self.assertIn("region blur calls ", out)
        self.assertIn("region blur/scalar calls 1\n", out)
        # The installed nsperf finds its helper and its report script beside it.
        nsperf = os.path.join(prefix, "bin", "nsperf")
        self.assertIn("median wall", self.sh(nsperf, "profile", "-r", "1", "--", "true"))
        results = self.path("r.h5")
        self.sh(nsperf, "benchmark", "--cpu", "--synthetic", "128x128", "--tile", "64", "-r", "2",
                "--warmup", "0", "--no-progress", "-o", results,
                env=dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1"))
        report = self.path("r.html")
        self.sh(nsperf, "report", results, "-o", report)
        self.assertTrue(os.path.getsize(report) > 10000)
