#!/usr/bin/python3
"""nsperf run against the one-process script a user would write (bench/peer_run.py: OpenCV,
NumPy, h5py, fsync), end to end as the user waits for it, at 1 and 2 ranks, on the same images,
interleaved: every round runs each image under each contender in a fresh random order, and the
medians are compared as ratios (this machine's times are noisy; its ratios are not).

    bench/run_vs_peer.py [--rounds 5] [--nsperf PATH] [--work DIR] [--many 200]
                         [--mpirun-args ARGS ...] [IMAGE ...]

Without IMAGE: the real images in ../shared/data/images, and from them images of at least 8 MP
(flower.png upscaled 2x as PNG, JPEG, TIFF and JPEG 2000; the FITS SCI extension upscaled 3x as
FITS, HDF5 and raw f32), and the synthetic 16384x16384 image (nsperf only: no file to give the
peer). --many N adds N images of 1 MP (crops of the upscaled flower) run as one nsperf job at 2
ranks against a shell loop of one `mpirun nsperf run` per image. Each --mpirun-args (e.g.
"--mca pml ob1") adds nsperf runs launched with those arguments to the same interleaved rounds,
beside the plain `mpirun`. Writes everything under --work (default a new folder in /tmp) and
removes nothing there.
"""
import argparse
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
SHARED = os.environ.get("NSPERF_SHARED_DATA", os.path.join(SOURCE, "..", "shared", "data"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
PYTHON = "/usr/bin/python3"


def default_nsperf():
    for preset in ("release", "ci"):
        path = os.path.join(SOURCE, "build", preset, "bin", "nsperf")
        if os.path.exists(path):
            return path
    raise SystemExit("no nsperf built: cmake --preset release && cmake --build build/release")


class Image:
    def __init__(self, label, nsperf_args, peer_args, pixels):
        self.label, self.nsperf_args, self.peer_args, self.pixels = label, nsperf_args, peer_args, pixels


def make_images(work):
    """The real images, and images of at least 8 MP made from them."""
    folder = os.path.join(SHARED, "images")
    if not os.path.isdir(folder):
        raise SystemExit(f"no real images at {folder}: give images, or set NSPERF_SHARED_DATA")
    images = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.lower().endswith((".fits", ".fit")):
            path += "[SCI]"
        elif not name.lower().endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".jp2")):
            continue
        images.append(file_image(path))
    flower = cv2.imread(os.path.join(folder, "flower.png"), cv2.IMREAD_UNCHANGED)
    if flower is not None:
        big = cv2.resize(flower, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        for ext, params in ((".png", []), (".jpg", [cv2.IMWRITE_JPEG_QUALITY, 92]),
                            (".tif", []), (".jp2", [])):
            path = os.path.join(work, "flower-2x" + ext)
            if not os.path.exists(path):
                cv2.imwrite(path, big, params)
            images.append(file_image(path))
    fits_path = os.path.join(folder, "j8bt06nyq_flt.fits")
    if os.path.exists(fits_path):
        from astropy.io import fits
        big = os.path.join(work, "hst-3x.fits")
        with fits.open(fits_path) as hdus:
            data = np.nan_to_num(np.asarray(hdus["SCI"].data, dtype=np.float32))
        data = cv2.resize(data, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
        if not os.path.exists(big):
            fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, name="SCI")]).writeto(big)
        images.append(file_image(big + "[SCI]"))
        h5 = os.path.join(work, "hst-3x.h5")
        if not os.path.exists(h5):
            with h5py.File(h5, "w") as f:
                f.create_dataset("sci", data=data)
        images.append(file_image(h5 + ":/sci"))
        raw = os.path.join(work, "hst-3x.raw")
        if not os.path.exists(raw):
            data.astype("<f4").tofile(raw)
        layout = f"{data.shape[1]}x{data.shape[0]}:f32"
        images.append(Image(os.path.basename(raw), ["--image", raw, "--raw", layout],
                            [raw, "--raw", layout], data.size))
    images.append(Image("synthetic 16384x16384", ["--synthetic", "16384x16384"], None, 16384 ** 2))
    return images


def file_image(path):
    # The label keeps an HDF5 dataset (file.h5:/data), whose path has a slash of its own.
    file, colon, dataset = path.partition(":/")
    return Image(os.path.basename(file) + (colon + dataset if colon else ""), ["--image", path],
                 [path], 0)


def timed(cmd, cwd):
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=cwd)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return seconds, proc.stdout


def nsperf_cmd(ranks, args, out, mpirun_args=""):
    return ["mpirun"] + shlex.split(mpirun_args) + ["-n", str(ranks), "--oversubscribe", NSPERF,
                                                    "run"] + args + \
        ["-o", out, "--force", "--no-progress"]


def read_stage(out):
    """The slowest rank's read stage, and the image's pixels, from the output."""
    with h5py.File(out, "r") as f:
        return float(f["ranks"]["read_s"].max()), int(f.attrs["width"]) * int(f.attrs["height"])


def compare(images, rounds, work, launches):
    # A contender: "peer", or (mpirun arguments, ranks).
    contenders = ["peer"] + [(m, n) for m in launches for n in (1, 2)]
    wall = {(i.label, c): [] for i in images for c in contenders}
    read = {(i.label, c): [] for i in images for c in contenders[1:]}
    for r in range(rounds):
        runs = [(i, c) for i in images for c in contenders if not (c == "peer" and i.peer_args is None)]
        random.shuffle(runs)
        for image, c in runs:
            out = os.path.join(work, "out.h5")
            if c == "peer":
                seconds, _ = timed([PYTHON, os.path.join(HERE, "peer_run.py")] + image.peer_args[:1]
                                   + [out] + image.peer_args[1:], work)
            else:
                seconds, _ = timed(nsperf_cmd(c[1], image.nsperf_args, out, c[0]), work)
                read_s, image.pixels = read_stage(out)
                read[(image.label, c)].append(read_s)
            wall[(image.label, c)].append(seconds)
        print(f"round {r + 1} of {rounds} done", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in wall.items() if v}
    med_read = {k: statistics.median(v) for k, v in read.items() if v}
    print(f"\nnsperf run vs the one-process script (bench/peer_run.py), wall time as the user "
          f"waits for it (mpirun or python3 included), median of {rounds} interleaved rounds")
    print(f"{'image':28} {'mpirun':16} {'MP':>6} {'peer':>8} {'1 rank':>8} {'2 ranks':>8} "
          f"{'peer/1r':>8} {'peer/2r':>8} {'1r/2r':>7} {'read 2r/1r':>10}")
    for i in images:
        for m in launches:
            p = med.get((i.label, "peer"))
            one, two = med[(i.label, (m, 1))], med[(i.label, (m, 2))]
            r1, r2 = med_read[(i.label, (m, 1))], med_read[(i.label, (m, 2))]
            fmt = lambda v: f"{v:8.2f}" if v is not None else f"{'-':>8}"
            print(f"{i.label:28} {m or '(plain)':16} {i.pixels / 1e6:6.1f} {fmt(p)} {one:8.2f} "
                  f"{two:8.2f} {fmt(p / one if p else None)} {fmt(p / two if p else None)} "
                  f"{one / two:7.2f} {r2 / r1:10.2f}")
    print("peer/1r, peer/2r: how many times faster nsperf is than the script (above 1: faster); "
          "1r/2r: the speed-up from 1 to 2 ranks; read 2r/1r: the slowest rank's read stage at 2 "
          "ranks over 1 rank (from /ranks).")


def many(count, rounds, work):
    folder = os.path.join(work, f"many-{count}")
    os.makedirs(folder, exist_ok=True)
    flower = cv2.imread(os.path.join(SHARED, "images", "flower.png"), cv2.IMREAD_GRAYSCALE)
    if flower is None:
        raise SystemExit("--many needs ../shared/data/images/flower.png")
    big = cv2.resize(flower, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    rng = random.Random(1)
    paths = []
    for k in range(count):
        path = os.path.join(folder, f"crop{k:04d}.png")
        if not os.path.exists(path):
            y, x = rng.randrange(big.shape[0] - 1000), rng.randrange(big.shape[1] - 1000)
            cv2.imwrite(path, big[y:y + 1000, x:x + 1000])
        paths.append(path)
    job_s, loop_s = [], []
    for r in range(rounds):
        for which in rng.sample(["job", "loop"], 2):
            out = os.path.join(work, f"many-out-{which}")
            subprocess.run(["rm", "-rf", out])
            os.makedirs(out)
            if which == "job":
                seconds, _ = timed(["mpirun", "-n", "2", NSPERF, "run", "--image",
                                    os.path.join(folder, "*.png"), "--output-dir", out,
                                    "--no-progress"], work)
                job_s.append(seconds)
            else:
                start = time.monotonic()
                for p in paths:
                    timed(nsperf_cmd(2, ["--image", p], os.path.join(out, os.path.basename(p) + ".h5")),
                          work)
                loop_s.append(time.monotonic() - start)
        print(f"many: round {r + 1} of {rounds} done", file=sys.stderr)
    job, loop = statistics.median(job_s), statistics.median(loop_s)
    print(f"\n{count} images of 1 MP at 2 ranks, median of {rounds} interleaved rounds: one nsperf "
          f"run {job:.2f} s ({count / job:.1f} images/s), a shell loop of mpirun nsperf run per "
          f"image {loop:.2f} s ({count / loop:.2f} images/s): {loop / job:.1f}x the throughput")


def main():
    global NSPERF
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="*", help="image files (default: see above)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--nsperf", default=None)
    parser.add_argument("--work", default=None)
    parser.add_argument("--many", type=int, default=0, help="also N images of 1 MP: one job vs a loop")
    parser.add_argument("--many-rounds", type=int, default=1)
    parser.add_argument("--no-images", action="store_true", help="only --many")
    parser.add_argument("--mpirun-args", action="append", default=[],
                        help="also launch nsperf with these mpirun arguments, e.g. '--mca pml ob1'")
    args = parser.parse_args()
    NSPERF = os.path.abspath(args.nsperf) if args.nsperf else default_nsperf()
    work = args.work or tempfile.mkdtemp(prefix="nsperf-vs-peer-")
    os.makedirs(work, exist_ok=True)
    print(f"nsperf: {NSPERF}; work folder: {work}", file=sys.stderr)
    if not args.no_images:
        images = [file_image(p) for p in args.images] if args.images else make_images(work)
        compare(images, args.rounds, work, [""] + args.mpirun_args)
    if args.many:
        many(args.many, args.many_rounds, work)


if __name__ == "__main__":
    main()
