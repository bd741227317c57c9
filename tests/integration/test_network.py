"""The network optimizer end to end: every transfer strategy and the plain-MPI references at
2 to 4 ranks, delivered and wire bytes, and the adaptive strategy's choice on a fast (real,
shared-memory) and a slow (emulated) link."""
import h5py
import pandas as pd

from nsperf_testing import TempDirTest, run

STRATEGIES = {b"blocking", b"nonblocking", b"persistent", b"compressed", b"adaptive"}


def summary_of(path):
    with h5py.File(path) as f:
        g = f["runs"][list(f["runs"])[-1]]
        return pd.DataFrame(g["samples"][:]), pd.DataFrame(g["summary"][:])


class Network(TempDirTest):
    def bench(self, ranks, *extra, size="512x384", tile=64):
        out = self.path(f"n{ranks}.h5")
        r = run(["benchmark", "--network", "--synthetic", size, "--tile", str(tile),
                 "--repetitions", "3", "--warmup", "1", "--no-progress", "--force", "-o", out] + list(extra),
                ranks=ranks, timeout=300)
        self.assertEqual(r.code, 0, r)
        return (r,) + summary_of(out)

    def test_every_strategy_at_two_three_and_four_ranks(self):
        for ranks in (2, 3, 4):
            r, samples, summary = self.bench(ranks)
            self.assertEqual(set(summary.strategy), STRATEGIES | {b"mpi-ping-pong", b"mpi-scatterv"})
            self.assertEqual(set(summary.kernel), {b"transfer", b"transfer+compute"})
            self.assertTrue((samples.check_status == b"passed").all(), samples)
            raw = summary[summary.strategy == b"blocking"].bytes.iloc[0]
            # 8 x 6 tiles of 64 px, 74 x 74 bytes with halo; rank 0 keeps its own.
            own = samples[(samples["rank"] == 0)].tiles.iloc[0]
            self.assertEqual(raw, (48 - own) * 74 * 74)
            for _, row in summary.iterrows():
                if row.strategy == b"compressed":
                    self.assertLess(row.wire_bytes, row.bytes)
                elif row.strategy in (b"blocking", b"nonblocking", b"persistent", b"mpi-scatterv"):
                    self.assertEqual(row.wire_bytes, row.bytes)
            # Transfers in their own units against plain MPI; nothing against the memory ceiling.
            self.assertIn("tile transfers (effective GB/s = delivered bytes", r.out)
            self.assertRegex(r.out, r"\n  mpi-ping-pong .* 100% ")
            self.assertNotIn("of ceiling", r.out)

    def test_adaptive_sends_raw_on_shared_memory_and_compresses_on_a_slow_link(self):
        _, _, fast = self.bench(2)
        adaptive = fast[fast.strategy == b"adaptive"]
        self.assertTrue((adaptive.wire_bytes == adaptive.bytes).all(), adaptive)
        r, _, slow = self.bench(2, "--set", "optimizers.network.link_mbyte_per_s=5", size="512x512",
                               tile=128)
        self.assertIn("emulated at 5 MB/s", r.out)
        adaptive = slow[slow.strategy == b"adaptive"]
        compressed = slow[slow.strategy == b"compressed"]
        self.assertTrue((adaptive.wire_bytes < adaptive.bytes).all(), adaptive)
        self.assertEqual(list(adaptive.wire_bytes), list(compressed.wire_bytes))

    def test_one_rank_has_nothing_to_transfer(self):
        r = run(["benchmark", "--network", "--synthetic", "128x128", "--tile", "64",
                 "--repetitions", "1", "--warmup", "0", "--no-progress", "-o", self.path("n.h5")],
                ranks=1)
        self.assertEqual(r.code, 0, r)
        self.assertIn("network: 1 rank", r.out)
