"""The network optimizer end to end: every transfer strategy and the plain-MPI references at
2 to 4 ranks, delivered and wire bytes, the message-size sweep, and the adaptive strategy's
choice on a fast (real, shared-memory) and a slow (emulated) link."""
import h5py
import pandas as pd

from nsperf_testing import TempDirTest, run, run_on_two_nodes

STRATEGIES = {b"blocking", b"nonblocking", b"persistent", b"compressed", b"adaptive"}
# Plain MPI beside them: OSU's methods over the tiles and over one buffer, and a scatter.
REFERENCES = {b"mpi-ping-pong", b"mpi-ping-pong-1buf", b"mpi-stream", b"mpi-stream-1buf",
              b"mpi-scatterv"}


def summary_of(path):
    with h5py.File(path) as f:
        g = f["runs"][list(f["runs"])[-1]]
        return pd.DataFrame(g["samples"][:]), pd.DataFrame(g["summary"][:])


def message_sizes_of(path):
    with h5py.File(path) as f:
        g = f["runs"][list(f["runs"])[-1]]
        return pd.DataFrame(g["message_sizes"][:]) if "message_sizes" in g else None


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
            self.assertEqual(set(summary.strategy), STRATEGIES | REFERENCES)
            self.assertEqual(set(summary.kernel), {b"transfer", b"transfer+compute"})
            self.assertTrue((samples.check_status == b"passed").all(), samples)
            # Every reference measured on every rank in every repetition, and checked.
            for name in REFERENCES:
                mine = samples[samples.strategy == name]
                self.assertEqual(len(mine), 3 * ranks, (name, mine))
                self.assertTrue((mine.check_status == b"passed").all(), (name, mine))
            raw = summary[summary.strategy == b"blocking"].bytes.iloc[0]
            # 8 x 6 tiles of 64 px, 74 x 74 bytes with halo; rank 0 keeps its own.
            own = samples[(samples["rank"] == 0)].tiles.iloc[0]
            self.assertEqual(raw, (48 - own) * 74 * 74)
            for _, row in summary.iterrows():
                if row.strategy == b"compressed":
                    self.assertLess(row.wire_bytes, row.bytes)
                elif row.strategy in (b"blocking", b"nonblocking", b"persistent", b"mpi-scatterv",
                                      b"mpi-stream", b"mpi-stream-1buf"):
                    self.assertEqual((row.wire_bytes, row.bytes), (raw, raw), row.strategy)
                elif row.strategy in (b"mpi-ping-pong", b"mpi-ping-pong-1buf"):
                    self.assertEqual(row.bytes, 2 * raw, "a round trip moves the bytes both ways")
            # Transfers in their own units against plain MPI streaming, from one buffer and from
            # the tiles; nothing against the memory ceiling.
            self.assertIn("tile transfers (effective GB/s = delivered bytes", r.out)
            self.assertRegex(r.out, r"of MPI, 1 buffer +of MPI, tiles ")
            self.assertRegex(r.out, r"\n  mpi-stream-1buf .* 100% ")
            self.assertRegex(r.out, r"\n  mpi-stream .* 100% ")
            self.assertRegex(r.out, r"\n  mpi-ping-pong .* - \(bytes both ways\) ")
            self.assertRegex(r.out, r"one-way latency per message .* us \(mpi-ping-pong-1buf")
            self.assertNotIn("of ceiling", r.out)
            self.assertIsNone(message_sizes_of(self.path(f"n{ranks}.h5")), "no sweep unasked")

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

    def test_a_size_sweep_stores_one_row_per_size_with_the_tile_among_them(self):
        # 3 ranks: rank 2 waits while rank 0 and rank 1 sweep.
        r, _, _ = self.bench(3, "--sizes", "8:64")
        sizes = message_sizes_of(self.path("n3.h5"))
        self.assertIsNotNone(sizes)
        tile = 74 * 74  # the largest tile with its halo, added to the sizes asked for
        self.assertEqual(list(sizes.bytes), [8, 16, 32, 64, tile])
        self.assertEqual(list(sizes.tile), [0, 0, 0, 0, 1])
        self.assertTrue((sizes.repetitions == 3).all(), sizes)
        self.assertTrue((sizes.latency_s > 0).all() and (sizes.gbyte_per_s > 0).all(), sizes)
        self.assertTrue((sizes.latency_ci_low_s <= sizes.latency_s).all(), sizes)
        self.assertTrue((sizes.latency_s <= sizes.latency_ci_high_s).all(), sizes)
        self.assertTrue((sizes.round_trips > 0).all() and (sizes.messages % 64 == 0).all(), sizes)
        self.assertIn("message sizes, rank 0 <-> rank 1", r.out)
        self.assertRegex(r.out, rf"\n  {tile} .* <- the largest tile with its halo")
        # A list that names the tile's size has no second row for it.
        self.bench(2, "--sizes", f"1K,{tile}")
        sizes = message_sizes_of(self.path("n2.h5"))
        self.assertEqual(list(sizes.bytes), [1024, tile])
        self.assertEqual(list(sizes.tile), [0, 1])
        # Exported like any table.
        e = run(["export", self.path("n2.h5"), "--table", "message_sizes", "--format", "csv"])
        self.assertEqual(e.code, 0, e)
        self.assertEqual(len(e.out.strip().splitlines()), 3, e.out)

    def test_rank_zeros_sending_time_is_probed_between_nodes_only(self):
        # Two "nodes" on this machine, over TCP; the shared-core probe, for one node, tells them
        # apart as the run does (by SLURM's node names), and does not pin them together.
        r = run_on_two_nodes(["benchmark", "--network", "--shared-core", "--synthetic", "512x512",
                              "--tile", "64", "--repetitions", "1", "--warmup", "0",
                              "--no-progress", "-o", self.path("two.h5")])
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"network: rank 0 sending \d+ tiles a round to rank 1 on another node while both compute")
        self.assertIn("shared-core probe not measured: ranks 0 and 1 run on different nodes", r.out + r.err)
        with h5py.File(self.path("two.h5")) as f:
            run_ = f["runs"][list(f["runs"])[-1]]
            hosts = run_.attrs["hosts"]
            self.assertIn("node-a", hosts)
            self.assertIn("node-b", hosts)
            self.assertGreater(run_.attrs["sending_ns_per_byte"], 0)
        # One node: the receiver copies there, and nothing is probed.
        r, _, _ = self.bench(2)
        self.assertIn("network: sending probe not measured: ranks 0 and 1 share a node", r.out)
        with h5py.File(self.path("n2.h5")) as f:
            self.assertEqual(f["runs"][list(f["runs"])[-1]].attrs["sending_ns_per_byte"], 0)

    def test_one_rank_has_nothing_to_transfer(self):
        r = run(["benchmark", "--network", "--synthetic", "128x128", "--tile", "64",
                 "--repetitions", "1", "--warmup", "0", "--no-progress", "-o", self.path("n.h5")],
                ranks=1)
        self.assertEqual(r.code, 0, r)
        self.assertIn("network: 1 rank", r.out)
