"""nsperf run over many images in one job: every output equal to the image's run alone (bit for
bit) at 1-3 ranks whichever way the images were shared, the summary in DIR/index.h5 and on
stdout, a failing image recorded while the others are written, and --resume after a stop signal
and after damage. The refusals before any work are cases of the bad-input corpus."""
import os
import shutil

import h5py
import numpy as np

from nsperf_testing import SOURCE_DIR, TempDirTest, flip, run

SHARED = os.environ.get("NSPERF_SHARED_DATA", os.path.join(SOURCE_DIR, "..", "shared", "data"))
IMAGES = os.path.join(SHARED, "images")
CORPUS = os.path.join(SOURCE_DIR, "tests", "data", "bad_inputs")
# Small and large: at 2 and 3 ranks the FITS file holds more than a rank's share of the bytes
# and is split across the ranks; the others go whole to one rank each.
REAL = ["ihc.png", "retina.jpg", "hdr_room_16bit.png", "j8bt06nyq_flt.fits[SCI]"]
QUIET = ["--no-progress"]


def pixels(path):
    with h5py.File(path, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        return attrs, f["mask"][:], f["gradient"][:]


def index(path):
    with h5py.File(path, "r") as f:
        rows = f["images"][:]
        attrs = dict(f.attrs)
    decoded = []
    for r in rows:
        decoded.append({name: (r[name].decode() if isinstance(r[name], bytes) else r[name])
                        for name in rows.dtype.names})
    return decoded, attrs


class ManyImages(TempDirTest):
    def setUp(self):
        super().setUp()
        if not os.path.isdir(IMAGES):
            self.skipTest(f"the real images are not here ({IMAGES}); set NSPERF_SHARED_DATA")
        self.images = [os.path.join(IMAGES, name) for name in REAL]

    def alone(self, image):
        out = self.path("alone", os.path.basename(image).split("[")[0].rsplit(".", 1)[0] + ".h5")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        r = run(["run", "--image", image, "-o", out] + QUIET, ranks=1)
        self.assertEqual(r.code, 0, r)
        return pixels(out)

    def test_each_output_equals_its_image_run_alone_at_1_to_3_ranks(self):
        alone = {image: self.alone(image) for image in self.images}
        listed = self.path("list.txt")
        with open(listed, "w") as f:
            f.write("# the last two images\n\n" + "\n".join(self.images[2:]) + "\n")
        for ranks in (1, 2, 3):
            with self.subTest(ranks=ranks):
                out = self.path(f"out{ranks}")
                r = run(["run", "--image", os.path.join(IMAGES, "ihc.png"), "--image",
                         os.path.join(IMAGES, "ret*.jpg"), "--images", listed, "--output-dir", out]
                        + QUIET, ranks=ranks)
                self.assertEqual(r.code, 0, r)
                self.assertIn(f"nsperf run: 4 images on {ranks} rank", r.out)
                self.assertIn(f"index: {out}/index.h5", r.out)
                rows, attrs = index(os.path.join(out, "index.h5"))
                self.assertEqual(attrs["ranks"], ranks)
                self.assertEqual([row["image"] for row in rows], self.images)
                for row, image in zip(rows, self.images):
                    self.assertEqual(row["status"], "ok", row)
                    self.assertEqual(row["error"], "")
                    want_attrs, want_mask, want_grad = alone[image]
                    got_attrs, mask, grad = pixels(os.path.join(out, row["output"]))
                    self.assertTrue(np.array_equal(mask, want_mask), image)
                    self.assertTrue(np.array_equal(grad, want_grad), image)
                    self.assertEqual(got_attrs["threshold"], want_attrs["threshold"])
                    self.assertEqual(row["threshold"], want_attrs["threshold"])
                    self.assertEqual((row["height"], row["width"]), mask.shape)
                    self.assertAlmostEqual(row["negative_space_fraction"], mask.mean(), places=12)
                    for stage in ("setup_s", "read_s", "pipeline_s", "write_s", "close_s"):
                        self.assertGreaterEqual(row[stage], 0, (stage, row))
                        self.assertLessEqual(row[stage], row["wall_s"], (stage, row))
                    self.assertTrue(np.isnan(row["check_s"]), "no --check, no check time")
                    self.assertIn(f"{row['width']}x{row['height']}", r.out)
                by_name = {os.path.basename(row["image"]): row for row in rows}
                fits = by_name["j8bt06nyq_flt.fits[SCI]"]
                if ranks == 1:
                    self.assertTrue(all(row["rank"] == 0 and row["ranks"] == 1 for row in rows))
                else:
                    self.assertEqual((fits["rank"], fits["ranks"]), (-1, ranks), "split")
                    alone_rows = [row for row in rows if row is not fits]
                    self.assertTrue(alone_rows)
                    for row in alone_rows:
                        self.assertEqual(row["ranks"], 1, row)
                        self.assertIn(row["rank"], range(ranks), row)
                checked = run(["verify", "-q", os.path.join(out, "index.h5")] +
                              [os.path.join(out, row["output"]) for row in rows])
                self.assertEqual(checked.code, 0, checked)
                self.assertIn("index.h5 (index): intact", checked.out)

    def test_a_failing_image_is_recorded_and_the_others_are_written(self):
        truncated = self.path("truncated.png")
        shutil.copy(os.path.join(CORPUS, "truncated.png"), truncated)
        listed = self.path("list.txt")
        with open(listed, "w") as f:
            f.write("\n".join([self.images[0], self.path("missing.png"), truncated, self.images[1]]))
        out = self.path("out")
        r = run(["run", "--images", listed, "--output-dir", out] + QUIET, ranks=2)
        self.assertEqual(r.code, 1, r)
        self.assertIn("2 failed, 2 ok", r.out)
        self.assertIn(f"failed: {self.path('missing.png')}: --image '{self.path('missing.png')}': "
                      "no such file", r.out)
        self.assertIn(f"failed: {truncated}: ", r.out)
        rows, _ = index(os.path.join(out, "index.h5"))
        self.assertEqual([row["status"] for row in rows], ["ok", "failed", "failed", "ok"])
        self.assertIn("no such file", rows[1]["error"])
        self.assertIn("truncated.png", rows[2]["error"])
        self.assertEqual(sorted(os.listdir(out)), ["ihc.h5", "index.h5", "retina.h5"],
                         "nothing under a failed image's name, no temporary file")
        for row in (rows[1], rows[2]):
            self.assertTrue(np.isnan(row["wall_s"]) and row["width"] == 0, row)

    def test_resume_keeps_complete_outputs_and_runs_the_rest(self):
        out = self.path("out")
        args = ["run", "--image", self.images[0], "--image", self.images[1], "--image",
                self.images[2], "--output-dir", out] + QUIET
        # One rank, stopped by SIGTERM at the second tile of the first image it runs: that image
        # is left incomplete, the others are not started.
        r = run(args, ranks=1, env={"NSPERF_FAULT": "rank:0,tile:1,signal:TERM"})
        self.assertEqual(r.code, 3, r)
        rows, _ = index(os.path.join(out, "index.h5"))
        statuses = sorted(row["status"] for row in rows)
        self.assertEqual(statuses, ["interrupted", "not-run", "not-run"], rows)
        self.assertEqual(run(args, ranks=1).code, 2, "outputs exist: refused without --resume")
        r = run(args + ["--resume"], ranks=2)
        self.assertEqual(r.code, 0, r)
        rows, _ = index(os.path.join(out, "index.h5"))
        self.assertEqual([row["status"] for row in rows], ["ok"] * 3)
        first = {row["output"]: pixels(os.path.join(out, row["output"]))[1:] for row in rows}
        for image in self.images[:3]:
            mask, grad = self.alone(image)[1:]
            name = os.path.basename(image).rsplit(".", 1)[0] + ".h5"
            self.assertTrue(np.array_equal(first[name][0], mask), name)
            self.assertTrue(np.array_equal(first[name][1], grad), name)
        # Complete and intact: kept, its figures in the summary. Damaged or absent: run again.
        with h5py.File(os.path.join(out, "retina.h5"), "r") as f:
            chunk = f["gradient"].id.get_chunk_info(0)
        flip(os.path.join(out, "retina.h5"), chunk.byte_offset + chunk.size // 2)
        os.remove(os.path.join(out, "hdr_room_16bit.h5"))
        r = run(args + ["--resume"], ranks=2)
        self.assertEqual(r.code, 0, r)
        self.assertIn("2 ok, 1 skipped", r.out)
        rows, _ = index(os.path.join(out, "index.h5"))
        self.assertEqual([row["status"] for row in rows], ["skipped", "ok", "ok"])
        skipped = rows[0]
        self.assertEqual((skipped["width"], skipped["height"]), (512, 512))
        self.assertGreaterEqual(skipped["threshold"], 0)
        self.assertTrue(np.isnan(skipped["wall_s"]), "a kept output was not timed by this job")
        self.assertEqual(run(["verify", "-q", os.path.join(out, "retina.h5")]).code, 0)

    def test_a_glob_keeps_the_fits_extension_it_ends_with(self):
        frames = self.path("frames")
        os.makedirs(frames)
        fits = os.path.join(IMAGES, "j8bt06nyq_flt.fits")
        for name in ("night1.fits", "night2.fits"):
            shutil.copy(fits, os.path.join(frames, name))
        out = self.path("out")
        r = run(["run", "--image", os.path.join(frames, "night*.fits[SCI]"), "--output-dir", out]
                + QUIET, ranks=2)
        self.assertEqual(r.code, 0, r)
        rows, _ = index(os.path.join(out, "index.h5"))
        self.assertEqual([row["image"] for row in rows],
                         [os.path.join(frames, f"night{i}.fits[SCI]") for i in (1, 2)])
        self.assertEqual([row["status"] for row in rows], ["ok", "ok"])
        self.assertEqual([(row["width"], row["height"]) for row in rows], [(1024, 1024)] * 2)

    def test_help_describes_many_images(self):
        r = run(["run", "--help"], ranks=1)
        self.assertEqual(r.code, 0, r)
        for text in ("--images LIST", "--output-dir DIR", "DIR/index.h5", "a rank's share",
                     "--resume keeps the outputs"):
            self.assertIn(text, r.out)
