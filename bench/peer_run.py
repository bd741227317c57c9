#!/usr/bin/python3
"""The script a user would write instead of `nsperf run`, in one process: the same pipeline
(Gaussian 5x5 sigma 1, Sobel 3x3 magnitude, Otsu's threshold over a 256-bin histogram of the
magnitude scaled to its maximum, background mask = bins at or below it, opening 3x3), with
OpenCV and NumPy, and the same two datasets (/mask u8, /gradient f32) written with h5py and
flushed to disk (fsync) before the file is renamed into place, as nsperf does.

    bench/peer_run.py IMAGE OUTPUT.h5 [--raw WxH:f32]

IMAGE: anything OpenCV reads (colour becomes grey with cvtColor), FITS as file.fits[EXT]
through Astropy, an HDF5 dataset as file.h5:/path through h5py, or headerless f32 pixels with
--raw. Prints one JSON line: the stage times, the threshold, the negative-space
fraction. It is the peer of bench/run_vs_peer.py, not part of nsperf.
"""
import json
import os
import re
import sys
import time

import cv2
import h5py
import numpy as np

BINS = 256


def read(image, raw=None):
    if raw:
        width, height = (int(v) for v in raw.split(":")[0].split("x"))
        return np.fromfile(image, dtype="<f4").reshape(height, width)
    if ":/" in image:
        path, dataset = image.split(":", 1)
        with h5py.File(path, "r") as f:
            return f[dataset][:]
    match = re.fullmatch(r"(.*\.fits?)(?:\[(\w+)\])?", image, re.IGNORECASE)
    if match:
        from astropy.io import fits
        ext = match.group(2)
        ext = (int(ext) if ext.isdigit() else ext) if ext else 0
        with fits.open(match.group(1), memmap=False) as hdus:
            data = np.asarray(hdus[ext].data, dtype=np.float32)
        return np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
    pixels = cv2.imread(image, cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise SystemExit(f"{image}: OpenCV cannot read it")
    if pixels.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if pixels.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        pixels = cv2.cvtColor(pixels, code)
    return pixels


def pipeline(pixels):
    border = cv2.BORDER_REFLECT_101
    f32 = pixels.astype(np.float32)
    blurred = cv2.GaussianBlur(f32, (5, 5), 1.0, sigmaY=1.0, borderType=border)
    gx = cv2.Sobel(blurred, cv2.CV_32F, 1, 0, ksize=3, borderType=border)
    gy = cv2.Sobel(blurred, cv2.CV_32F, 0, 1, ksize=3, borderType=border)
    magnitude = cv2.magnitude(gx, gy)
    top = float(magnitude.max())
    scale = BINS / top if top > 0 else 0.0
    bins = np.clip(magnitude * scale, 0, BINS - 1).astype(np.uint8)
    threshold, background = cv2.threshold(bins, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(background, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8),
                            borderType=cv2.BORDER_REPLICATE)
    return mask, magnitude, int(threshold)


def write(output, mask, gradient, threshold):
    temporary = output + ".part"
    with h5py.File(temporary, "w") as f:
        f.create_dataset("mask", data=mask)
        f.create_dataset("gradient", data=gradient)
        f.attrs["threshold"] = threshold
        f.attrs["negative_space_fraction"] = float(mask.mean())
    fd = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(temporary, output)


def main():
    args = sys.argv[1:]
    raw = None
    if len(args) == 4 and args[2] == "--raw":
        raw = args[3]
        args = args[:2]
    if len(args) != 2:
        raise SystemExit(__doc__)
    image, output = args
    times = {}
    clock = time.perf_counter()
    pixels = read(image, raw)
    times["read_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    mask, gradient, threshold = pipeline(pixels)
    times["pipeline_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    write(output, mask, gradient, threshold)
    times["write_s"] = time.perf_counter() - clock
    print(json.dumps({"image": image, "width": pixels.shape[1], "height": pixels.shape[0],
                      "threshold": threshold, "negative_space_fraction": float(mask.mean()),
                      **times}))


if __name__ == "__main__":
    main()
