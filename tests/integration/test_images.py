"""Image files as inputs: the real images in ../shared/data (skipped when absent) and HDF5 and raw
inputs made here. Bad image files are cases of the bad-input corpus
(tests/data/bad_inputs/cases.json), run by test_bad_input.py."""
import os
import shutil

import h5py
import numpy as np

from nsperf_testing import SOURCE_DIR, TempDirTest, run

CORPUS = os.path.join(SOURCE_DIR, "tests", "data", "bad_inputs")
SHARED = os.environ.get("NSPERF_SHARED_DATA", os.path.join(SOURCE_DIR, "..", "shared", "data"))
IMAGES = os.path.join(SHARED, "images")
# file (with selection), width, height, pipeline type
REAL = [("flower.png", 2268, 1512, "u8"), ("hdr_room_16bit.png", 676, 449, "u16"),
        ("ihc.png", 512, 512, "u8"), ("retina.jpg", 1411, 1411, "u8"),
        ("j8bt06nyq_flt.fits[SCI]", 1024, 1024, "f32")]
QUICK = ["--repetitions", "2", "--warmup", "0", "--no-progress"]


def only_run(path):
    with h5py.File(path, "r") as f:
        runs = list(f["runs"].values())
        assert len(runs) == 1
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in runs[0].attrs.items()}, \
            runs[0]["samples"][:]


class RealImages(TempDirTest):
    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(IMAGES, "MANIFEST.txt")):
            self.skipTest(f"no real images at {IMAGES}")

    def test_cpu_and_memory_pass_their_checks_on_every_image(self):
        for name, width, height, dtype in REAL:
            with self.subTest(image=name):
                out = self.path(name.split("[")[0] + ".h5")
                r = run(["benchmark", "--cpu", "--memory", "--image", os.path.join(IMAGES, name),
                         "--tile", "256", "-o", out] + QUICK, ranks=2, timeout=300)
                self.assertEqual(r.code, 0, r)
                self.assertIn("passed", r.out)
                self.assertNotIn("FAILED", r.out)
                attrs, samples = only_run(out)
                self.assertIn(f"{width}x{height}", attrs["image"])
                self.assertTrue(all(s == b"passed" or s == b"skipped" for s in samples["check_status"]),
                                set(samples["check_status"]))
                self.assertTrue((samples["width"] == width).all() and (samples["height"] == height).all())
                self.assertTrue((samples["dtype"] == dtype.encode()).all())

    def test_distributed_and_network_on_a_real_image_at_three_ranks(self):
        out = self.path("r.h5")
        r = run(["benchmark", "--distributed", "--network", "--image", os.path.join(IMAGES, "retina.jpg"),
                 "--tile", "128", "-o", out] + QUICK, ranks=3, timeout=300)
        self.assertEqual(r.code, 0, r)
        attrs, samples = only_run(out)
        self.assertIn("jpeg 1411x1411 u8 RGB -> u8 luminance", attrs["image"])
        self.assertEqual(set(samples["rank"]), {0, 1, 2})
        self.assertTrue(all(s == b"passed" for s in samples["check_status"]), set(samples["check_status"]))


class MadeInputs(TempDirTest):
    def test_hdf5_plane_and_raw_big_endian_give_the_same_masks(self):
        """The same pixels as an HDF5 plane (f64) and as raw big-endian f32 run with identical
        pipeline outputs: the checksums of the reference strategy agree."""
        rng = np.random.default_rng(3)
        pixels = rng.normal(100, 20, size=(300, 400)).astype(np.float32)
        with h5py.File(self.path("in.h5"), "w") as f:
            f["group/cube"] = np.stack([np.zeros_like(pixels), pixels]).astype(np.float64)
        pixels.astype(">f4").tofile(self.path("in.raw"))
        checksums = []
        for args in (["--image", self.path("in.h5") + ":/group/cube[1]"],
                     ["--image", self.path("in.raw"), "--raw", "400x300:f32:be"]):
            out = self.path(f"r{len(checksums)}.h5")
            r = run(["benchmark", "--cpu", "--tile", "96", "-o", out] + QUICK + args, ranks=2)
            self.assertEqual(r.code, 0, r)
            # HDF5 and raw allow partial reads: rank 1 reads its tiles' rows, not the file.
            self.assertIn("the other ranks read only their tiles with halos (1: ", r.out)
            attrs, samples = only_run(out)
            self.assertIn("400x300", attrs["image"])
            scalar = samples[samples["strategy"] == b"scalar"]
            checksums.append(sorted(set(zip(scalar["kernel"], scalar["rank"], scalar["checksum"]))))
        self.assertEqual(checksums[0], checksums[1])

    def test_a_file_named_like_a_selection_is_read_as_a_file(self):
        shutil.copy(os.path.join(CORPUS, "small.png"), self.path("odd[1].png"))
        r = run(["benchmark", "--cpu", "--tile", "32", "--image", self.path("odd[1].png"), "-o",
                 self.path("r.h5")] + QUICK, ranks=1)
        self.assertEqual(r.code, 0, r)

    def test_a_default_tile_fits_a_small_image_and_an_explicit_one_is_refused(self):
        """Without --tile, an image smaller than the default tile runs with tiles of its shorter
        side (and says so); a tile the user gave is never changed."""
        small = os.path.join(CORPUS, "small.png")  # 64x48
        np.zeros((40, 30), dtype="<u2").tofile(self.path("small.raw"))
        for args in (["--image", small], ["--image", self.path("small.raw"), "--raw", "30x40:u16"]):
            with self.subTest(args=args):
                out = self.path("o.h5")
                r = run(["run", "-o", out, "--force", "--no-progress"] + args, ranks=2)
                self.assertEqual(r.code, 0, r)
                side = 48 if args[1] == small else 30
                self.assertEqual(r.out.count(f"note: tile {side}: the default, 512, is larger"), 1, r)
                with h5py.File(out, "r") as f:
                    self.assertEqual(int(f.attrs["tile"]), side)
        r = run(["run", "-o", self.path("x.h5"), "--image", small, "--tile", "64"], ranks=2)
        self.assertEqual(r.code, 2, r)
        self.assertIn("--tile (input.tile) 64 is larger than the 64x48 image; valid: 32..48", r.err)
        self.assertFalse(os.path.exists(self.path("x.h5")))
