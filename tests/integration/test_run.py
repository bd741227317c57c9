"""nsperf run, the production job: output layout read back with h5py, tiled output equal to the
whole-image run at 1-4 ranks, the float64 reference check, real images, compression, the
parallel h5py reader example under mpirun, and failures that leave nothing behind."""
import hashlib
import json
import os

import h5py
import numpy as np

from nsperf_testing import MPIEXEC, SOURCE_DIR, TempDirTest, run

SHARED = os.environ.get("NSPERF_SHARED_DATA", os.path.join(SOURCE_DIR, "..", "shared", "data"))
IMAGES = os.path.join(SHARED, "images")
REAL = ["flower.png", "hdr_room_16bit.png", "ihc.png", "retina.jpg", "j8bt06nyq_flt.fits[SCI]"]
PLUGINS = os.path.join(os.environ.get("NSPERF_BUILD_DIR", ""), "hdf5-plugins")
QUIET = ["--no-progress"]


def read(path):
    with h5py.File(path, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        return attrs, f["mask"][:], f["gradient"][:], f["tiles"][:]


class Synthetic(TempDirTest):
    def whole(self, spec, strategy):
        """The whole image as one tile at one rank: the reference the tiled runs must equal."""
        side = min(int(v) for v in spec.split(":")[0].split("x"))
        out = self.path(f"whole-{strategy}.h5")
        r = run(["run", "--synthetic", spec, "--tile", str(side), "--strategy", strategy, "-o", out]
                + QUIET, ranks=1)
        self.assertEqual(r.code, 0, r)
        return read(out)

    def test_every_stage_of_the_job_is_printed_and_stored_per_rank(self):
        """start (launcher to MPI_Init), setup, read, pipeline, write (flushed), close, finalize:
        printed, and per rank in /ranks with the wall time in wall_s (never a timing target)."""
        out = self.path("o.h5")
        r = run(["run", "--synthetic", "512x384", "--tile", "128", "-o", out] + QUIET, ranks=3)
        self.assertEqual(r.code, 0, r)
        for stage in ("start ", "to MPI_Init done), setup ", ", read ", ", pipeline ", ", write ",
                      "flushed to disk), close ", "start to MPI_Finalize done; the stages above"):
            self.assertIn(stage, r.out)
        self.assertIn("input: every rank rendered only its tiles with halos", r.out)
        with h5py.File(out, "r") as f:
            ranks = f["ranks"][:]
            wall = float(f.attrs["wall_s"])
        self.assertIn("ok      ranks: 3 rows, checksum matches", run(["verify", out]).out)
        self.assertEqual(list(ranks["rank"]), [0, 1, 2])
        for column in ("start_s", "read_s", "pipeline_s", "write_s"):
            self.assertTrue((ranks[column] > 0).all(), (column, ranks))
        self.assertTrue((ranks["check_s"] == 0).all(), "no --check, no check time")
        self.assertTrue((ranks["bytes_read"] == 0).all(), "the synthetic image is rendered, not read")
        row = ranks[0]
        self.assertGreaterEqual(wall, row["start_s"] + row["read_s"] + row["pipeline_s"] + row["write_s"])

    def test_tiled_equals_whole_image_at_1_to_4_ranks(self):
        spec = "610x403:u16"
        for strategy in ("fused", "scalar"):
            w_attrs, w_mask, w_grad, _ = self.whole(spec, strategy)
            for ranks in (1, 2, 3, 4):
                with self.subTest(strategy=strategy, ranks=ranks):
                    out = self.path(f"t{ranks}-{strategy}.h5")
                    r = run(["run", "--synthetic", spec, "--tile", "97", "--strategy", strategy, "--check",
                             "-o", out] + QUIET, ranks=ranks)
                    self.assertEqual(r.code, 0, r)
                    self.assertIn("check: passed on every tile", r.out)
                    attrs, mask, grad, tiles = read(out)
                    self.assertEqual(mask.shape, (403, 610))
                    self.assertEqual(mask.dtype, np.uint8)
                    self.assertEqual(grad.dtype, np.float32)
                    # Bit for bit, whatever the tiling and the rank count.
                    self.assertTrue(np.array_equal(mask, w_mask))
                    self.assertTrue(np.array_equal(grad, w_grad))
                    self.assertEqual(attrs["threshold"], w_attrs["threshold"])
                    self.assertEqual(attrs["check_status"], "passed")
                    self.assertEqual(set(np.unique(mask)) <= {0, 1}, True)
                    self.assertAlmostEqual(attrs["negative_space_fraction"], mask.mean(), places=12)
                    # Every tile once, from the rank that owns it, with figures that match the images.
                    self.assertEqual(sorted(tiles["tile_id"]), list(range(len(tiles))))
                    self.assertEqual(set(tiles["rank"]), set(range(min(ranks, len(tiles)))))
                    self.assertEqual(int((tiles["width"] * tiles["height"]).sum()), 610 * 403)
                    for t in tiles[:: max(1, len(tiles) // 7)]:
                        window = np.s_[t["y"]:t["y"] + t["height"], t["x"]:t["x"] + t["width"]]
                        self.assertAlmostEqual(t["negative_space_fraction"], mask[window].mean(), places=12)
                        self.assertAlmostEqual(t["gradient_max"], float(grad[window].max()), places=3)
                        self.assertEqual(t["check_status"], b"passed")

    def test_compressed_outputs_hold_the_same_values(self):
        plain = self.path("plain.h5")
        self.assertEqual(run(["run", "--synthetic", "512x384", "--tile", "128", "-o", plain] + QUIET,
                             ranks=2).code, 0)
        _, mask, grad, _ = read(plain)
        for compression, filter_name in (("deflate", "gzip"), ("zstd", "32015")):
            with self.subTest(compression=compression):
                out = self.path(f"{compression}.h5")
                r = run(["run", "--synthetic", "512x384", "--tile", "128", "--compression", compression,
                         "-o", out] + QUIET, ranks=2)
                self.assertEqual(r.code, 0, r)
                self.assertLess(os.path.getsize(out), os.path.getsize(plain))
                env_before = os.environ.get("HDF5_PLUGIN_PATH")
                os.environ["HDF5_PLUGIN_PATH"] = PLUGINS  # read in this process by h5py
                try:
                    with h5py.File(out, "r") as f:
                        self.assertEqual(f["mask"].chunks, (128, 128))
                        self.assertIn(filter_name, str(f["mask"]._filters))
                        self.assertTrue(np.array_equal(f["mask"][:], mask))
                        self.assertTrue(np.array_equal(f["gradient"][:], grad))
                finally:
                    if env_before is None:
                        del os.environ["HDF5_PLUGIN_PATH"]
                    else:
                        os.environ["HDF5_PLUGIN_PATH"] = env_before

    def test_early_writeback_on_and_off_write_the_same_output(self):
        # 2048x2048 writes 10 MiB a rank: the writeback is started during the write (every
        # 4 MiB), not only at its end.
        outputs = {}
        for value in ("true", "false"):
            out = self.path(f"writeback-{value}.h5")
            r = run(["run", "--synthetic", "2048x2048", "--tile", "256", "-o", out,
                     "--set", f"run.early_writeback={value}"] + QUIET, ranks=2)
            self.assertEqual(r.code, 0, r)
            outputs[value] = read(out)
        _, mask_on, grad_on, _ = outputs["true"]
        _, mask_off, grad_off, _ = outputs["false"]
        self.assertEqual(mask_on.shape, (2048, 2048))
        self.assertTrue(np.array_equal(mask_on, mask_off))
        self.assertTrue(np.array_equal(grad_on, grad_off))

    def test_parallel_h5py_reader_example(self):
        out = self.path("o.h5")
        self.assertEqual(run(["run", "--synthetic", "640x480", "--tile", "160", "--compression", "zstd",
                              "-o", out] + QUIET, ranks=2).code, 0)
        import subprocess
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   HDF5_PLUGIN_PATH=PLUGINS)
        script = os.path.join(SOURCE_DIR, "scripts", "read-output-parallel.py")
        p = subprocess.run([MPIEXEC, "-n", "3", "--oversubscribe", "/usr/bin/python3", script, out],
                           capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("read by 3 ranks", p.stdout)
        for rank in range(3):
            self.assertIn(f"rank {rank}: rows", p.stdout)

    def test_existing_output_needs_force_and_a_failure_leaves_nothing(self):
        out = self.path("o.h5")
        args = ["run", "--synthetic", "256x256", "--tile", "64", "-o", out] + QUIET
        self.assertEqual(run(args, ranks=2).code, 0)
        before = os.path.getmtime(out), os.path.getsize(out)
        r = run(args, ranks=2)
        self.assertEqual(r.code, 2, r)
        self.assertIn("file exists; use --force", r.err)
        # One rank fails while the others compute: agreed, exit 1, the old file untouched and no
        # temporary file left.
        r = run(args + ["--force"], ranks=2, env={"NSPERF_FAULT": "rank:1,phase:prepare"})
        self.assertEqual(r.code, 1, r)
        self.assertIn("rank 1: fault injected by NSPERF_FAULT", r.err)
        self.assertEqual((os.path.getmtime(out), os.path.getsize(out)), before)
        self.assertEqual(self.files(), ["o.h5"])
        r = run(args + ["--force"], ranks=2, env={"NSPERF_FAULT": "rank:0,phase:output-commit"})
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.files(), ["o.h5"])
        self.assertEqual(run(args + ["--force"], ranks=2).code, 0)

    def test_help_names_the_layout_and_options(self):
        r = run(["run", "--help"], ranks=1)
        self.assertEqual(r.code, 0, r)
        for text in ("--image", "--synthetic", "--compression", "--check", "--strategy", "/mask",
                     "docs/output-layout.md"):
            self.assertIn(text, r.out)


class RealImages(TempDirTest):
    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(IMAGES, "MANIFEST.txt")):
            self.skipTest(f"no real images at {IMAGES}")

    def test_every_image_checked_and_equal_across_rank_counts(self):
        for name in REAL:
            with self.subTest(image=name):
                image = os.path.join(IMAGES, name)
                outputs = []
                for ranks, tile in ((1, 400), (3, 128)):
                    out = self.path(f"{name.split('[')[0]}-{ranks}.h5")
                    r = run(["run", "--image", image, "--tile", str(tile), "--check", "-o", out]
                            + QUIET, ranks=ranks, timeout=300)
                    self.assertEqual(r.code, 0, r)
                    self.assertIn("check: passed on every tile", r.out)
                    outputs.append(read(out))
                (attrs, mask, grad, tiles), (attrs3, mask3, grad3, tiles3) = outputs
                self.assertTrue(np.array_equal(mask, mask3))
                self.assertTrue(np.array_equal(grad, grad3))
                self.assertEqual(mask.shape, (attrs["height"], attrs["width"]))
                self.assertEqual(attrs["source_file"], image)
                with open(image.split("[")[0], "rb") as f:
                    self.assertEqual(attrs["source_sha256"], hashlib.sha256(f.read()).hexdigest())
                self.assertTrue(0 < attrs["negative_space_fraction"] < 1)
                self.assertEqual(set(tiles3["check_status"]), {b"passed"})

    def test_static_cyclic_shares_tiles_out_in_turn_and_writes_the_same_output(self):
        """run.partitioner static-cyclic on each way tiles reach the ranks (rendered, read in
        part from a FITS file, streamed from a PNG): the owners follow runs of the chunk, and the
        output equals the one-rank run's bit for bit."""
        inputs = [["--synthetic", "700x500:u16", "--skew", "50"],
                  ["--image", os.path.join(IMAGES, "j8bt06nyq_flt.fits[SCI]")],
                  ["--image", os.path.join(IMAGES, "ihc.png")]]
        for source in inputs:
            with self.subTest(input=source[1]):
                one = self.path("one.h5")
                self.assertEqual(run(["run"] + source + ["--tile", "128", "-o", one, "--force"]
                                     + QUIET, ranks=1, timeout=300).code, 0)
                _, mask, grad, _ = read(one)
                out = self.path("cyclic.h5")
                r = run(["run"] + source + ["--tile", "128", "--set", "run.partitioner=static-cyclic",
                                            "--set", "run.partition_chunk=2", "--check", "-o", out,
                                            "--force"] + QUIET, ranks=3, timeout=300)
                self.assertEqual(r.code, 0, r)
                self.assertIn("shared out static-cyclic in runs of 2", r.out)
                self.assertIn("check: passed on every tile", r.out)
                _, mask3, grad3, rows = read(out)
                self.assertTrue(np.array_equal(mask, mask3))
                self.assertTrue(np.array_equal(grad, grad3))
                owners = list(rows["rank"][np.argsort(rows["tile_id"])])
                self.assertGreater(len(owners), 6)
                expected = [(i // 2) % 3 for i in range(len(owners))]
                if "--image" in source and source[1].endswith(".png"):
                    # A stream gives rank 0 the last rank's tiles (see workload.hpp).
                    expected = [2 - k for k in expected]
                self.assertEqual(owners, expected)

    def test_partial_reads_split_the_fits_file(self):
        out = self.path("f.h5")
        r = run(["run", "--image", os.path.join(IMAGES, "j8bt06nyq_flt.fits[SCI]"), "--tile", "128",
                 "-o", out] + QUIET, ranks=4, timeout=300)
        self.assertEqual(r.code, 0, r)
        self.assertIn("input: every rank read only its tiles with halos (0: ", r.out)

    def test_png_and_jpeg_are_streamed_by_rank_0_to_ranks_that_compute(self):
        """Rank 0 decodes top to bottom and sends tiles as their rows are ready; the ranks own
        blocks in reverse order (rank 0 the last) and the output equals the 1-rank run's."""
        for name in ("flower.png", "retina.jpg"):
            with self.subTest(image=name):
                image = os.path.join(IMAGES, name)
                outputs = []
                for ranks in (1, 2, 4):
                    out = self.path(f"{name}-{ranks}.h5")
                    r = run(["run", "--image", image, "--tile", "96", "-o", out] + QUIET,
                            ranks=ranks, timeout=300)
                    self.assertEqual(r.code, 0, r)
                    self.assertIn("input: rank 0 decoded the image top to bottom (", r.out)
                    self.assertEqual("the other ranks computed meanwhile" in r.out, ranks > 1,
                                     r.out)
                    outputs.append(read(out))
                    with h5py.File(out, "r") as f:
                        stages = f["ranks"][:]
                    self.assertGreater(stages["bytes_read"][0], 0)
                    self.assertTrue((stages["bytes_read"][1:] == 0).all(), stages)
                    self.assertTrue((stages["read_s"] > 0).all(), stages)
                    rows = outputs[-1][3]
                    owners = list(rows["rank"][np.argsort(rows["tile_id"])])
                    self.assertEqual(owners[0], ranks - 1)
                    self.assertEqual(owners[-1], 0)
                    self.assertEqual(owners, sorted(owners, reverse=True))
                _, mask, grad, _ = outputs[0]
                for _, mask_n, grad_n, _ in outputs[1:]:
                    self.assertTrue(np.array_equal(mask, mask_n))
                    self.assertTrue(np.array_equal(grad, grad_n))

    def test_a_stream_damaged_halfway_fails_on_every_rank_and_leaves_nothing(self):
        """The header is fine, a chunk two thirds in is not: rank 0 finds it while the others
        wait for or compute tiles; every rank stops, exit 2 naming the file, no output."""
        with open(os.path.join(IMAGES, "flower.png"), "rb") as f:
            data = bytearray(f.read())
        at = len(data) * 2 // 3
        data[at:at + 64] = bytes(b ^ 0x5A for b in data[at:at + 64])
        bad = self.path("damaged.png")
        with open(bad, "wb") as f:
            f.write(data)
        for ranks in (1, 3):
            with self.subTest(ranks=ranks):
                r = run(["run", "--image", bad, "--tile", "64", "-o", self.path("o.h5")] + QUIET,
                        ranks=ranks, timeout=120)
                self.assertEqual(r.code, 2, r)
                self.assertIn(f"--image '{bad}': the png decoder could not read it", r.err)
                self.assertEqual(self.files(), ["damaged.png"])

    def test_a_streamed_run_stopped_halfway_resumes_to_the_same_output(self):
        image = os.path.join(IMAGES, "flower.png")
        args = ["run", "--image", image, "--tile", "64"] + QUIET
        whole = self.path("whole.h5")
        self.assertEqual(run(args + ["-o", whole], ranks=1, timeout=300).code, 0)
        out = self.path("o.h5")
        r = run(args + ["-o", out], ranks=3, timeout=300,
                env={"NSPERF_FAULT": "rank:2,tile:5,signal:TERM"})
        self.assertEqual(r.code, 3, r)
        r = run(args + ["-o", out, "--resume"], ranks=3, timeout=300)
        self.assertEqual(r.code, 0, r)
        attrs, mask, grad, _ = read(out)
        self.assertGreater(attrs["tiles_resumed"], 0)
        _, mask1, grad1, _ = read(whole)
        self.assertTrue(np.array_equal(mask, mask1))
        self.assertTrue(np.array_equal(grad, grad1))


class Usage(TempDirTest):
    def test_no_input_is_a_usage_error_and_a_config_may_name_it(self):
        """The usage line requires --image or --synthetic: without either (or a config naming
        one), run and profile exit 2 with the usage and write nothing."""
        for command in ("run", "profile"):
            with self.subTest(command=command):
                r = run([command, "-o", self.path("o.h5")] + QUIET, ranks=2)
                self.assertEqual(r.code, 2, r)
                self.assertIn("no input: give --image FILE or --synthetic WxH", r.err)
                self.assertIn(f"usage: mpirun -n N nsperf {command} (--image FILE | --synthetic WxH)",
                              r.err)
                self.assertEqual(self.files(), [])
        config = self.path("c.json")
        with open(config, "w") as f:
            json.dump({"schema_version": 1, "input": {"synthetic": "96x64", "tile": 32}}, f)
        ids = set()
        for k in range(6):
            out = self.path(f"o{k}.h5")
            r = run(["run", "-c", config, "-o", out] + QUIET, ranks=2)
            self.assertEqual(r.code, 0, r)
            self.assertIn("synthetic 96x64", r.out)
            with h5py.File(out, "r") as f:
                run_id = f["provenance"].attrs["run_id"]
                ids.add(run_id.decode() if isinstance(run_id, bytes) else run_id)
        # Always 4 hex digits after the time, leading zeros kept (as docs/results-schema.md says).
        self.assertEqual(len(ids), 6, ids)
        for run_id in ids:
            self.assertRegex(run_id, r"^\d{8}T\d{6}Z-[0-9a-f]{4}$")
