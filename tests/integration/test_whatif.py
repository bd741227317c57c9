"""nsperf whatif end to end: distributed benchmarks at 1, 2 and 4 ranks in one file, predictions
in every format, a user's SimGrid platform, --validate, and the inputs it refuses. The figures
are checked against the model's own arithmetic and the file's rows, never against a timing."""
import json
import os
import re
import shutil

import h5py
import numpy as np
import pandas as pd

from nsperf_testing import TempDirTest, run, run_on_two_nodes

PARTITIONERS = ["static-block", "static-cyclic", "dynamic", "guided"]
PLATFORM = """<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <cluster id="mine" prefix="n" suffix="" radical="0-3" speed="1Gf" core="4" bw="10GBps"
           lat="1us" loopback_bw="20GBps" loopback_lat="0.5us"/>
</platform>
"""


def steady_cores(path):
    """Every rank's busy time in every repetition its median: whatif's cores then keep one speed
    (its draws of their speeds from the repetitions all give 1), so that what a test changes is
    the only thing that moves a prediction."""
    with h5py.File(path, "r+") as f:
        for run_id in f["runs"]:
            if "samples" not in f["runs"][run_id]:
                continue
            s = f["runs"][run_id]["samples"]
            rows = s[()]
            for key in set(zip(rows["strategy"], rows["rank"])):
                m = (rows["strategy"] == key[0]) & (rows["rank"] == key[1])
                rows["busy_s"][m] = np.median(rows["busy_s"][m])
            s[...] = rows


class Whatif(TempDirTest):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.shared = tempfile.mkdtemp(prefix="nsperf_whatif_")
        cls.file = os.path.join(cls.shared, "d.h5")
        for ranks in (1, 2, 4):
            r = run(["benchmark", "--distributed", "--synthetic", "512x512", "--skew", "50",
                     "--tile", "64", "--repetitions", "5", "--warmup", "1", "--no-progress",
                     "-o", cls.file] + (["--append"] if ranks > 1 else []), ranks=ranks, timeout=300)
            assert r.code == 0, r

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.shared, ignore_errors=True)

    def whatif(self, *args, code=0):
        r = run(["whatif"] + list(args), timeout=300)
        self.assertEqual(r.code, code, r)
        return r

    def predictions(self, *args):
        rows = json.loads(self.whatif(self.file, "--format", "json", *args).out)
        self.assertTrue(rows)
        return rows

    def run_ids(self):
        with h5py.File(self.file) as f:
            return sorted(f["runs"])

    def test_every_rank_count_and_partitioner_with_its_figures(self):
        rows = self.predictions("--ranks", "1,2,8,64", "--no-progress")
        self.assertEqual({(r["ranks"], r["partitioner"]) for r in rows},
                         {(n, p) for n in (1, 2, 8, 64) for p in PARTITIONERS})
        for r in rows:
            for key in ("ranks", "partitioner", "makespan_s", "efficiency", "imbalance",
                        "bottleneck"):
                self.assertIn(key, r)
            self.assertGreater(r["makespan_s"], 0)
            self.assertGreaterEqual(r["imbalance"], 1.0 - 1e-9)
            self.assertIn(r["bottleneck"], {"compute", "coordination", "network", "write"})
            self.assertGreaterEqual(r["coordination_share"], 0)
            self.assertLessEqual(r["coordination_share"], 1)
            self.assertAlmostEqual(r["efficiency"], r["speedup"] / r["ranks"], places=9)
            self.assertEqual(r["write_s"], 0)  # no io benchmark in the file: left out
            if r["ranks"] == 1:
                self.assertEqual(r["speedup"], 1.0)
                self.assertEqual(r["coordination_s"], 0)
        # 64 ranks on an image of 64 tiles: the measured image as is.
        self.assertEqual({r["tiles"] for r in rows}, {64})

    def test_one_rank_is_the_sum_of_the_measured_tile_costs(self):
        # At one rank nothing overlaps: the makespan is every tile's stages plus rank 0 cutting
        # each tile at its rate. As whatif reads a tile's stages: each partitioner's rows scaled
        # so they add up to its ranks' median busy time, the median over the partitioners, plus
        # the ranks' median time a tile outside the stages.
        newest_unoversubscribed = self.run_ids()[1]  # 2 ranks on 2 cores
        with h5py.File(self.file) as f:
            tiles = pd.DataFrame(f["runs"][newest_unoversubscribed]["tiles"][:])
            samples = pd.DataFrame(f["runs"][newest_unoversubscribed]["samples"][:])
        tiles = tiles[tiles.optimizer == b"distributed"]
        samples = samples[samples.optimizer == b"distributed"]
        self.assertFalse(tiles.empty)
        self.assertFalse(samples.empty)
        busy = samples.groupby(["strategy", "rank"]).busy_s.median().groupby("strategy").sum()
        scale = busy / tiles.groupby("strategy").compute_s.sum()
        self.assertEqual(len(scale.dropna()), 4, "a factor for every partitioner")
        k = tiles.strategy.map(scale)
        tiles = tiles.assign(stage_a_s=k * tiles.stage_a_s, stage_b_s=k * tiles.stage_b_s,
                             histogram_s=k * (tiles.compute_s - tiles.stage_a_s - tiles.stage_b_s).clip(lower=0))
        per_tile = tiles.groupby("tile_id")[["stage_a_s", "histogram_s", "stage_b_s"]].median()
        rest = samples.seconds - samples.busy_s - samples.idle_s - samples.transfer_s - samples.io_s
        samples = samples.assign(rest=rest.clip(lower=0) / samples.tiles)[samples.tiles > 0]
        overhead = samples.groupby(["strategy", "rank"]).rest.median().median()
        cut = tiles[tiles.io_s > 0]
        self.assertFalse(cut.empty)
        rate = cut.raw_bytes.sum() / cut.io_s.sum()
        raw = tiles.groupby("tile_id").raw_bytes.first()
        expected = per_tile.to_numpy().sum() + overhead * len(per_tile) + raw.sum() / rate
        rows = self.predictions("--run", newest_unoversubscribed, "--ranks", "1", "--partitioner",
                                "static-block")
        self.assertAlmostEqual(rows[0]["makespan_s"], expected, delta=1e-6 * expected)

    def test_the_skew_shows_in_static_block_and_not_in_cyclic(self):
        # Skew 50 puts the image's detail in one corner: static-block's contiguous runs of tiles
        # give some ranks most of the work.
        # With steady cores: the imbalance then holds the partition alone, not also the cores'
        # speeds drawn from the repetitions (under the sanitizers they varied enough to give
        # static-cyclic 2.9).
        steady = self.path("steady.h5")
        shutil.copy(self.file, steady)
        steady_cores(steady)
        rows = json.loads(self.whatif(steady, "--format", "json", "--ranks", "8", "--partitioner",
                                      "static-block", "static-cyclic").out)
        self.assertEqual(len(rows), 2)
        by = {r["partitioner"]: r for r in rows}
        self.assertGreater(by["static-block"]["imbalance"], by["static-cyclic"]["imbalance"])

    def test_more_ranks_than_tiles_scales_the_image_and_says_so(self):
        r = self.whatif(self.file, "--ranks", "2,1024", "--partitioner", "dynamic")
        self.assertIn("scaled 4x a side, 2048x2048", r.out)
        self.assertIn("1024", r.out)
        rows = self.predictions("--ranks", "2,1024", "--partitioner", "dynamic")
        self.assertEqual({r["tiles"] for r in rows}, {1024})
        rows = self.predictions("--ranks", "2", "--image-size", "1024x512", "--tile", "64", "128")
        self.assertEqual({(r["tile"], r["tiles"]) for r in rows}, {(64, 128), (128, 32)})

    def test_text_and_markdown_name_their_inputs(self):
        text = self.whatif(self.file, "--ranks", "2,4", "--write-bandwidth", "2").out
        for needle in ("tile costs: the median over", "rank 0 cutting tiles", "point to point",
                       "collective write: 2 GB/s (--write-bandwidth)", "of it write",
                       "rank 0 coordinating", "bottleneck"):
            self.assertIn(needle, text)
        # The replayed run's (static partitioners', 5 repetitions) cores' speeds, their range as
        # the file's samples give it.
        speed = [l for l in text.splitlines() if "a core's speed from one repetition" in l]
        self.assertEqual(len(speed), 1)
        run_id = re.search(r"nsperf whatif: \S+, run (\S+)", text).group(1)
        with h5py.File(self.file) as f:
            s = pd.DataFrame(f["runs"][run_id]["samples"][()])
        s = s[s["optimizer"] == b"distributed"]
        ratios = []
        for _, g in s.groupby(["strategy", "rank"]):
            if g["tiles"].nunique() == 1 and g["busy_s"].median() > 0:
                ratios += list(g["busy_s"] / g["busy_s"].median())
        self.assertGreaterEqual(len(ratios), 5)
        self.assertIn(f"): {len(ratios)} measured, ", speed[0])
        low, high = re.search(r"measured, ([0-9.]+) to ([0-9.]+),", speed[0]).groups()
        # Over their middle one (the lower of two; whatif divides them by it), printed to 3
        # significant digits: within half a unit of the third.
        ratios = np.sort(ratios) / np.sort(ratios)[(len(ratios) - 1) // 2]
        self.assertAlmostEqual(float(low), ratios.min(), delta=0.006 * ratios.min())
        self.assertAlmostEqual(float(high), ratios.max(), delta=0.006 * ratios.max())
        md = self.whatif(self.file, "--ranks", "2,4", "--format", "markdown").out
        self.assertIn("| ranks | partitioner |", md)
        self.assertNotIn("of it write", md)  # no write bandwidth: no write column

    def test_a_request_costs_rank_0_a_small_messages_latency(self):
        # Without a network run: the default, named.
        text = self.whatif(self.file, "--ranks", "2").out
        self.assertIn("the bandwidth above): 1.00 us (default", text)
        # With a size sweep of 16-byte messages: that row's latency, not the tile's.
        mine = self.path("net.h5")
        shutil.copy(self.file, mine)
        r = run(["benchmark", "--network", "--sizes", "16", "--synthetic", "512x512", "--skew",
                 "50", "--tile", "64", "--repetitions", "3", "--no-progress", "--append", "-o",
                 mine], ranks=2, timeout=300)
        self.assertEqual(r.code, 0, r)
        with h5py.File(mine) as f:
            rows = [f["runs"][k]["message_sizes"][:] for k in f["runs"]
                    if "message_sizes" in f["runs"][k]]
        self.assertEqual(len(rows), 1)
        small = [row for row in rows[0] if row["bytes"] == 16]
        self.assertEqual(len(small), 1)
        text = self.whatif(mine, "--ranks", "2").out
        line = [l for l in text.splitlines() if "a small message, the links" in l]
        self.assertEqual(len(line), 1, text)
        self.assertIn("one-way latency at 16 bytes, message_sizes of run", line[0])
        shown = re.search(r"\): ([0-9.]+) us \(", line[0])
        self.assertIsNotNone(shown, line[0])
        self.assertAlmostEqual(float(shown.group(1)), small[0]["latency_s"] * 1e6,
                               delta=0.01 * small[0]["latency_s"] * 1e6 + 0.005)

    def test_a_shared_cores_hand_over_is_measured_and_charged(self):
        # Without the probe: said, and nothing charged.
        text = self.whatif(self.file, "--ranks", "4").out
        self.assertIn("yielding a core it shares (nodes with more ranks than cores): not measured, "
                      "not charged: no `nsperf benchmark --network --shared-core` run", text)
        probed = self.path("probed.h5")
        shutil.copy(self.file, probed)
        before = set(self.run_ids())
        r = run(["benchmark", "--network", "--shared-core", "--synthetic", "512x512", "--skew",
                 "50", "--tile", "64", "--repetitions", "3", "--no-progress", "--append", "-o",
                 probed], ranks=2, timeout=300)
        self.assertEqual(r.code, 0, r)
        self.assertIn("an MPI call that yields a core shared by ranks 0 and 1", r.err + r.out)
        with h5py.File(probed, "r+") as f:
            network = sorted(set(f["runs"]) - before)  # the probe's run, the one appended
            self.assertEqual(len(network), 1)
            attrs = f["runs"][network[0]].attrs
            # Both hand-over figures are differences of two passes, which the probe clamps at 0
            # where noise made them negative (the waiting one under ASan, the computing one,
            # several us, once in a few dozen runs here).
            self.assertGreaterEqual(attrs["handover_waiting_s"], 0)
            self.assertGreaterEqual(attrs["handover_computing_s"], 0)
            # A waiting rank's wait for its turn: some scheduler ticks' worth, not nothing.
            self.assertGreater(attrs["handover_slice_s"], 0)
            self.assertLess(attrs["handover_slice_s"], 0.05)
            # What whatif reads and charges, from here on: figures it is known to charge
            # (the computing one a clamped 0 would leave out), as this machine measures them.
            if not attrs["handover_computing_s"] > 0:
                attrs["handover_computing_s"] = 5e-6
            waiting = attrs["handover_waiting_s"]
            computing = attrs["handover_computing_s"]
        inputs = self.whatif(probed, "--ranks", "4").out.splitlines()
        turn = [l for l in inputs if "until it gets the core (the rest of a time slice)" in l]
        self.assertEqual(len(turn), 1)
        self.assertIn(f"(shared-core probe of run {network[0]})", turn[0])
        line = [l for l in inputs if "yielding a core it shares" in l]
        self.assertEqual(len(line), 1)
        self.assertIn(f"(shared-core probe of run {network[0]})", line[0])
        # As format_seconds prints them: "1.63 us", "850 ns", "0 s".
        shown = re.findall(r"([0-9.]+) (ns|us|ms|s) with", line[0])
        self.assertEqual(len(shown), 2, line[0])
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
        for (value, name), measured in zip(shown, (waiting, computing)):
            self.assertAlmostEqual(float(value) * unit[name], measured,
                                   delta=0.01 * measured + 0.005 * unit[name])
        # With other ranks on the node the probe is not run, and says why.
        crowded = self.path("crowded.h5")
        r = run(["benchmark", "--network", "--shared-core", "--synthetic", "256x256", "--tile",
                 "64", "--repetitions", "1", "--warmup", "0", "--no-progress", "-o", crowded],
                ranks=4, timeout=300)
        self.assertEqual(r.code, 0, r)
        self.assertIn("shared-core probe not measured: 4 ranks share rank 0's node", r.err + r.out)
        with h5py.File(crowded) as f:
            stored = [f["runs"][k].attrs["handover_waiting_s"] for k in f["runs"]]
        self.assertEqual(stored, [0])
        # The same file with the probe's figures taken out: the same predictions where each rank
        # has a core (2 ranks on one node of the measured node's 2 cores), lower ones at 4 ranks
        # on it.
        steady_cores(probed)  # the hand-over alone moves the predictions below
        unprobed = self.path("unprobed.h5")
        shutil.copy(probed, unprobed)
        with h5py.File(unprobed, "r+") as f:
            f["runs"][network[0]].attrs["handover_waiting_s"] = 0.0
            f["runs"][network[0]].attrs["handover_computing_s"] = 0.0
            f["runs"][network[0]].attrs["handover_slice_s"] = 0.0
        base = self.run_ids()[0]  # the 1-rank run: its tile costs in both
        def makespans(path):
            rows = json.loads(self.whatif(path, "--run", base, "--ranks", "2,4", "--nodes", "1",
                                          "--partitioner", "static-block", "--format",
                                          "json").out)
            return {r["ranks"]: r["makespan_s"] for r in rows}
        charged, free = makespans(probed), makespans(unprobed)
        self.assertEqual(charged[2], free[2])
        self.assertGreater(charged[4], free[4])

    def test_busy_cores_are_measured_and_scale_the_tiles(self):
        # Without the probe: said, and the tiles cost as measured.
        text = self.whatif(self.file, "--ranks", "2").out
        self.assertIn("has no busy-cores probe (`nsperf benchmark --distributed --busy-cores`",
                      text)
        if (os.cpu_count() or 1) < 2:
            self.skipTest("the busy-cores probe needs a node of 2 cores or more")
        probed = self.path("busy.h5")
        r = run(["benchmark", "--distributed", "--busy-cores", "--synthetic", "512x512", "--skew",
                 "50", "--tile", "64", "--repetitions", "3", "--no-progress", "-o", probed],
                ranks=1, timeout=300)
        self.assertEqual(r.code, 0, r)
        with h5py.File(probed) as f:
            (run_id,) = list(f["runs"])
            slowdown = f["runs"][run_id].attrs["busy_cores_slowdown"]
            cores = f["runs"][run_id].attrs["busy_cores"]
        self.assertGreater(slowdown, 0)
        self.assertGreaterEqual(cores, 2)  # rank 0's and at least one other
        self.assertLessEqual(cores, os.cpu_count())
        line = [l for l in self.whatif(probed, "--ranks", "2").out.splitlines()
                if "a core computing while its node's other cores compute" in l]
        self.assertEqual(len(line), 1)
        self.assertIn(f"busy-cores probe of run {run_id}", line[0])
        if slowdown > 1:
            self.assertIn(f"x slower with {cores} cores computing than alone", line[0])
        else:  # no slower with the other cores busy: within the probe's noise, taken as 1
            self.assertIn(f"with {cores} cores computing, below 1, which is the probe's noise",
                          line[0])
        # The same run with a made-up slowdown of 1.5 and of 1: the 1-rank prediction does not
        # move, 2 ranks on one node of its cores compute their tiles 1.5 times over.
        def makespans(value):
            path = self.path(f"busy-{value}.h5")
            shutil.copy(probed, path)
            with h5py.File(path, "r+") as f:
                f["runs"][run_id].attrs["busy_cores_slowdown"] = value
                f["runs"][run_id].attrs["busy_cores"] = 2
            rows = json.loads(self.whatif(path, "--ranks", "1,2", "--nodes", "1",
                                          "--cores-per-node", "2", "--partitioner",
                                          "static-block", "--format", "json").out)
            return {r["ranks"]: r["makespan_s"] for r in rows}
        slow, plain = makespans(1.5), makespans(1.0)
        self.assertEqual(sorted(slow), [1, 2])
        self.assertEqual(slow[1], plain[1])
        self.assertGreater(slow[2], 1.2 * plain[2])
        # With another rank on the node the probe is not run, and says why.
        crowded = self.path("busy-crowded.h5")
        r = run(["benchmark", "--distributed", "--busy-cores", "--synthetic", "256x256",
                 "--tile", "64", "--repetitions", "1", "--warmup", "0", "--no-progress", "-o",
                 crowded], ranks=2, timeout=300)
        self.assertEqual(r.code, 0, r)
        self.assertIn("busy-cores probe not measured: 2 ranks share rank 0's node", r.err + r.out)
        with h5py.File(crowded) as f:
            stored = [f["runs"][k].attrs["busy_cores_slowdown"] for k in f["runs"]]
        self.assertEqual(stored, [0])
        # Asked of a benchmark without the distributed optimizer: refused, nothing written.
        r = run(["benchmark", "--cpu", "--busy-cores", "--synthetic", "64x64", "--tile", "32",
                 "--no-progress", "-o", self.path("busy-cpu.h5")], ranks=1)
        self.assertEqual(r.code, 2, r)
        self.assertIn("--busy-cores (optimizers.distributed.busy_cores): only the distributed "
                      "optimizer runs the busy-cores probe", r.err)
        self.assertFalse(os.path.exists(self.path("busy-cpu.h5")))

    def test_rank_zeros_sending_between_nodes_is_measured_and_charged(self):
        # The file's network figures are of one node: said, nothing charged.
        text = self.whatif(self.file, "--ranks", "2").out
        self.assertIn("rank 0 sending a tile to another node, inside its MPI calls, and the rank "
                      "receiving it (the transport's processor time: TCP copies every byte on each "
                      "end, RDMA hardly any; the receiver's taken as the sender's): not measured, "
                      "not charged", text)
        probed = self.path("two-nodes.h5")
        shutil.copy(self.file, probed)
        r = run_on_two_nodes(["benchmark", "--network", "--synthetic", "512x512", "--skew", "50",
                              "--tile", "64", "--repetitions", "3", "--no-progress", "--append",
                              "-o", probed])
        self.assertEqual(r.code, 0, r)
        with h5py.File(probed) as f:
            network = [k for k in f["runs"] if f["runs"][k].attrs.get("sending_ns_per_byte", 0) > 0]
            self.assertEqual(len(network), 1)
            ns = f["runs"][network[0]].attrs["sending_ns_per_byte"]
        base = self.run_ids()[0]  # the 1-rank run: its tile costs
        def predict(path):
            r = self.whatif(path, "--run", base, "--ranks", "2", "--nodes", "2", "--cores-per-node",
                            "1", "--partitioner", "static-block")
            line = [l for l in r.out.splitlines() if "rank 0 sending a tile to another node" in l]
            self.assertEqual(len(line), 1, r.out)
            rows = json.loads(self.whatif(path, "--run", base, "--ranks", "2", "--nodes", "2",
                                          "--cores-per-node", "1", "--partitioner", "static-block",
                                          "--format", "json").out)
            return line[0], rows[0]["coordination_s"]
        line, charged = predict(probed)
        self.assertIn(f"ns a byte (sending probe of run {network[0]}, two nodes)", line)
        shown = re.findall(r": ([0-9.]+) ns a byte", line)
        self.assertEqual(len(shown), 1, line)
        # Printed to 3 significant digits: within half a unit of the third.
        self.assertAlmostEqual(float(shown[0]), ns, delta=0.006 * ns)
        # Without the figure (a file of an nsperf before the probe): said, and rank 0 coordinates
        # for less.
        with h5py.File(probed, "r+") as f:
            f["runs"][network[0]].attrs["sending_ns_per_byte"] = 0.0
        line, free = predict(probed)
        self.assertIn(f"not measured, not charged: run {network[0]} has no sending probe", line)
        self.assertGreater(charged, free)

    def test_a_users_platform(self):
        xml = self.path("cluster.xml")
        with open(xml, "w") as f:
            f.write(PLATFORM)
        rows = self.predictions("--platform", xml, "--ranks", "1,4,16,32")
        by = {(r["ranks"], r["partitioner"]): r for r in rows}
        self.assertEqual(by[(16, "static-block")]["nodes"], 4)  # 4 cores a node
        self.assertEqual(by[(4, "static-block")]["nodes"], 1)
        self.assertEqual(by[(32, "static-block")]["nodes"], 4)  # oversubscribed, not more nodes

    def test_validate_compares_with_every_other_rank_count(self):
        runs = self.run_ids()
        r = self.whatif("--validate", self.file, "--format", "json")
        report = json.loads(r.out)
        rows = report["rows"]
        self.assertTrue(rows)
        # The 4-rank run on 2 cores is oversubscribed: predicted, never predicted from.
        self.assertEqual({x["base_ranks"] for x in rows}, {1, 2})
        self.assertEqual({(x["base_ranks"], x["ranks"]) for x in rows}, {(1, 2), (1, 4), (2, 1), (2, 4)})
        with h5py.File(self.file) as f:
            for x in rows:
                self.assertTrue(x["runs"])
                reps = pd.concat([pd.DataFrame(f["runs"][run]["repetitions"][:]) for run in x["runs"]])
                reps = reps[(reps.optimizer == b"distributed") & (reps.strategy == x["partitioner"].encode())]
                self.assertFalse(reps.empty)
                self.assertAlmostEqual(x["measured_median_s"], float(np.median(reps.makespan_s)), places=12)
                self.assertEqual(len(x["predictions_s"]), len(x["base_runs"]))
                self.assertAlmostEqual(x["predicted_s"], float(np.median(x["predictions_s"])), places=12)
                self.assertGreater(x["predicted_s"], 0)
                self.assertAlmostEqual(x["error"], (x["predicted_s"] - x["measured_median_s"]) / x["measured_median_s"])
                # The tiles' cost: the measured runs' sum of their tiles' compute times (this
                # partitioner's) against the base runs' (any partitioner's), medians.
                def tiles(run, partitioner=None):
                    t = pd.DataFrame(f["runs"][run]["tiles"][:])
                    t = t[t.optimizer == b"distributed"]
                    if partitioner:
                        t = t[t.strategy == partitioner.encode()]
                    self.assertFalse(t.empty, run)
                    return [g for _, g in t.groupby("strategy")]
                measured = [g for run in x["runs"] for g in tiles(run, x["partitioner"])]
                base = [g for run in x["base_runs"] for g in tiles(run)]
                # Per measured run, its tiles against the same tiles' median in the base runs:
                # the whole run's sum, and the slowest of its ranks; medians over the runs.
                each = pd.concat(base).groupby("tile_id").compute_s.median()
                whole, slowest = [], []
                for g in measured:
                    g = g.assign(base=g.tile_id.map(each))
                    whole.append(float(g.compute_s.sum() / g.base.sum() - 1))
                    sums = g.groupby("rank")[["compute_s", "base"]].sum()
                    slowest.append(float((sums.compute_s / sums.base - 1).max()))
                self.assertAlmostEqual(x["tile_cost_change"], float(np.median(whole)), places=9)
                self.assertAlmostEqual(x["slowest_rank_tile_cost_change"],
                                       float(np.median(slowest)), places=9)
                if x["ranks"] == 1:  # one rank: its slowest is the whole run
                    self.assertAlmostEqual(x["slowest_rank_tile_cost_change"],
                                           x["tile_cost_change"], places=12)
        text = self.whatif("--validate", self.file).out
        self.assertIn("tiles' cost  slowest rank's", text)
        self.assertIn("ranking at 2 ranks", text)
        self.assertIn(runs[0], text)
        # The ranking as the text gives it, pair by pair: every pair of partitioners of each
        # measured configuration, the faster measured first, tested on the pooled makespans.
        rankings = report["rankings"]
        self.assertEqual({(k["base_ranks"], k["ranks"]) for k in rankings},
                         {(x["base_ranks"], x["ranks"]) for x in rows})
        by = {(x["base_ranks"], x["ranks"], x["partitioner"]): x for x in rows}
        lines = [l.strip() for l in text.splitlines() if l.strip().startswith("ranking at")]
        self.assertEqual(len(lines), len(rankings))
        for k in rankings:
            self.assertEqual(len(k["pairs"]), 6)  # 4 partitioners
            for p in k["pairs"]:
                fast = by[(k["base_ranks"], k["ranks"], p["faster_measured"])]
                slow = by[(k["base_ranks"], k["ranks"], p["slower_measured"])]
                self.assertEqual(p["measured_s"], [fast["measured_median_s"], slow["measured_median_s"]])
                self.assertLessEqual(fast["measured_median_s"], slow["measured_median_s"])
                self.assertEqual(p["predicted_s"], [fast["predicted_s"], slow["predicted_s"]])
                self.assertEqual(p["ordered_as_measured"], fast["predicted_s"] <= slow["predicted_s"])
                self.assertEqual(p["significant"], p["p"] < 0.05)
            self.assertEqual(k["significant_pairs"], sum(p["significant"] for p in k["pairs"]))
            self.assertEqual(k["ordered_otherwise"],
                             sum(p["significant"] and not p["ordered_as_measured"] for p in k["pairs"]))
            line = next(l for l in lines if l.startswith(f"ranking at {k['ranks']} rank")
                        and f"from {'runs' if len(k['base_runs']) > 1 else 'run'} {k['base_runs'][0]}" in l)
            if k["significant_pairs"] == 0:
                self.assertIn("nothing to rank", line)
            elif k["ordered_otherwise"] == 0:
                self.assertIn(f"orders all {k['significant_pairs']} significantly", line)
            else:
                self.assertIn(f"{k['ordered_otherwise']} of {k['significant_pairs']} significantly", line)

    def test_validate_pools_the_runs_of_one_configuration(self):
        # A second launch at 2 ranks: its repetitions join the first's in one row per
        # partitioner, and as a base it adds a second prediction to each row it predicts.
        pooled = self.path("pooled.h5")
        shutil.copy(self.file, pooled)
        r = run(["benchmark", "--distributed", "--synthetic", "512x512", "--skew", "50",
                 "--tile", "64", "--repetitions", "5", "--warmup", "1", "--no-progress",
                 "-o", pooled, "--append"], ranks=2, timeout=300)
        self.assertEqual(r.code, 0, r)
        rows = json.loads(self.whatif("--validate", pooled, "--format", "json").out)["rows"]
        keys = [(x["base_ranks"], x["ranks"], x["partitioner"]) for x in rows]
        self.assertEqual(len(keys), len(set(keys)), "one row per configuration and partitioner")
        to_two = [x for x in rows if x["ranks"] == 2]
        from_two = [x for x in rows if x["base_ranks"] == 2]
        self.assertEqual(len(to_two), 4)
        self.assertEqual(len(from_two), 8)  # predicting 1 and 4 ranks
        for x in to_two:
            self.assertEqual(len(x["runs"]), 2)
        for x in from_two:
            self.assertEqual(len(x["base_runs"]), 2)
            self.assertEqual(len(x["predictions_s"]), 2)
        text = self.whatif("--validate", pooled).out
        self.assertIn(" +1 ", text)

    def test_output_file_and_its_chart(self):
        out = self.path("whatif.h5")
        r = self.whatif(self.file, "--ranks", "1,2,8", "--partitioner", "static-block", "dynamic",
                        "-o", out, "--format", "json")
        rows = json.loads(r.out)
        self.assertEqual(len(rows), 6)  # 3 rank counts x 2 partitioners
        self.assertIn("predictions stored in", r.err)
        with h5py.File(out) as f:
            runs = list(f["runs"])
            self.assertEqual(len(runs), 1)
            stored = pd.DataFrame(f["runs"][runs[0]]["whatif"][:])
            notes = f["runs"][runs[0]].attrs["notes"]
        self.assertEqual(len(stored), len(rows))
        self.assertIn("whatif of", notes if isinstance(notes, str) else notes.decode())
        for x, (_, y) in zip(rows, stored.iterrows()):
            self.assertEqual(x["ranks"], y.ranks)
            self.assertEqual(x["partitioner"].encode(), y.partitioner)
            self.assertAlmostEqual(x["makespan_s"], y.makespan_s, places=12)
            self.assertEqual(x["bottleneck"].encode(), y.bottleneck)
        self.assertEqual(run(["verify", out]).code, 0)
        html = self.path("report.html")
        self.assertEqual(run(["report", out, "-o", html]).code, 0)
        with open(html) as f:
            page = f.read()
        self.assertIn("id='chart-whatif' data-present='yes'", page)
        # A simulation measured no bandwidth: its provenance says so rather than "0 GB/s".
        self.assertIn("<th>bandwidth_gbyte_per_s</th><td>not measured</td>", page)
        # Never into an input, never over a file without --force.
        r = self.whatif(self.file, "--ranks", "2", "-o", self.file, code=2)
        self.assertIn("--output", r.err)
        r = self.whatif(self.file, "--ranks", "2", "-o", out, code=2)
        self.assertIn("--force", r.err)
        self.whatif(self.file, "--ranks", "2", "-o", out, "--force")

    def test_refused(self):
        cases = [
            (["--ranks", "0"], "--ranks 0: a rank count must be a whole number from 1 to 1000000"),
            (["--ranks=-3"], "--ranks -3"),
            (["--ranks", "2000000"], "from 1 to 1000000"),
            (["--partitioner", "nope"], "valid: all, static-block"),
            (["--link", "12"], "expected BANDWIDTH,LATENCY"),
            (["--platform", "absent.xml"], "absent.xml: no such file"),
            (["--tile", "8"], "--tile 8"),
            (["--platform", self.file, "--nodes", "2"], "--nodes: describes a generated platform"),
        ]
        for args, message in cases:
            r = self.whatif(self.file, *args, code=2)
            self.assertIn(message, r.err, args)
        bad = self.path("bad.xml")
        with open(bad, "w") as f:
            f.write('<platform version="4.1"><bad')
        r = self.whatif(self.file, "--platform", bad, code=2)
        self.assertIn("bad.xml: SimGrid cannot load it as a platform", r.err)
        self.assertIn("Parse error", r.err)
        # A file without tile costs names the command that records them.
        cpu = self.path("cpu.h5")
        self.assertEqual(run(["benchmark", "--cpu", "--synthetic", "64x64", "--tile", "32", "-r", "1",
                              "--warmup", "0", "--no-progress", "-o", cpu], ranks=1).code, 0)
        r = self.whatif(cpu, code=2)
        self.assertIn("no run has per-tile costs of the distributed optimizer", r.err)
        self.assertIn("nsperf benchmark --distributed", r.err)
        # --validate with one rank count.
        one = self.path("one.h5")
        self.assertEqual(run(["benchmark", "--distributed", "--synthetic", "128x128", "--tile", "32",
                              "-r", "2", "--warmup", "0", "--no-progress", "-o", one], ranks=1).code, 0)
        r = self.whatif("--validate", one, code=2)
        self.assertIn("needs distributed runs at a second rank count", r.err)
        self.assertIn("add one: mpirun -n 2 nsperf benchmark", r.err)  # a count the file lacks
        two = self.path("two.h5")
        self.assertEqual(run(["benchmark", "--distributed", "--synthetic", "128x128", "--tile", "32",
                              "-r", "2", "--warmup", "0", "--no-progress", "-o", two], ranks=2).code, 0)
        r = self.whatif("--validate", two, code=2)
        self.assertIn("at 2 rank(s); add one: mpirun -n 1 nsperf benchmark", r.err)
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["bad.xml", "cpu.h5", "one.h5", "two.h5"])  # nothing written


if __name__ == "__main__":
    import unittest
    unittest.main()
