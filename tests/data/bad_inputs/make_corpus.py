#!/usr/bin/python3
"""Writes the image files of the bad-input corpus next to this script (run once; the files are
committed).

Every file is made here from a small pattern (no real image is copied). cases.json, written by
hand, is the whole corpus: per case the command line, the files its scratch folder holds (these,
inline configs, and results files made once per test run), the expected exit code and a fragment
of the expected message; tests/integration/test_bad_input.py runs them all. Needs numpy, h5py and
PIL (Debian packages), only to regenerate.
"""
import os

import h5py
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def pattern(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return ((x * 7 + y * 13) % 251).astype(np.uint8)


def fits_bytes(data, extra_cards=()):
    """A minimal primary-HDU FITS file (big-endian data, 2880-byte blocks)."""
    bitpix = {np.dtype(">i2"): 16, np.dtype(">f4"): -32, np.dtype("u1"): 8}[data.dtype]
    cards = ["SIMPLE  =                    T", f"BITPIX  = {bitpix:>20}", "NAXIS   =                    2",
             f"NAXIS1  = {data.shape[1]:>20}", f"NAXIS2  = {data.shape[0]:>20}", *extra_cards, "END"]
    header = "".join(c.ljust(80) for c in cards)
    header += " " * (-len(header) % 2880)
    body = data.tobytes()
    body += b"\0" * (-len(body) % 2880)
    return header.encode("ascii") + body


def main():
    img = pattern(64, 48)
    Image.fromarray(img).save(path("small.png"))
    with open(path("small.png"), "rb") as f:
        png = f.read()
    with open(path("truncated.png"), "wb") as f:
        f.write(png[: len(png) // 2])
    # IHDR with a zero width (the CRC is left stale: nsperf checks the size before decoding).
    with open(path("zero-size.png"), "wb") as f:
        f.write(png[:16] + b"\0\0\0\0" + png[20:])
    # IHDR claiming 2^30 x 48 pixels.
    with open(path("huge-dims.png"), "wb") as f:
        f.write(png[:16] + (1 << 30).to_bytes(4, "big") + png[20:])

    rgb = np.stack([img, img[::-1], 255 - img], axis=-1)
    Image.fromarray(rgb).save(path("small.jpg"), quality=90)
    with open(path("small.jpg"), "rb") as f:
        jpg = f.read()
    with open(path("truncated.jpg"), "wb") as f:
        f.write(jpg[: len(jpg) // 2])
    os.remove(path("small.jpg"))

    Image.fromarray(img).save(path("small.tif"))
    with open(path("small.tif"), "rb") as f:
        tif = f.read()
    with open(path("truncated.tif"), "wb") as f:
        f.write(tif[: len(tif) // 2])
    os.remove(path("small.tif"))

    data = (img.astype(np.int16) * 3 - 100).astype(">i2")
    fits = fits_bytes(data)
    with open(path("small.fits"), "wb") as f:
        f.write(fits)
    with open(path("truncated.fits"), "wb") as f:
        f.write(fits[: 2880 + 1000])
    with open(path("empty-primary.fits"), "wb") as f:
        header = "".join(c.ljust(80) for c in ["SIMPLE  =                    T", "BITPIX  =                    8",
                                                 "NAXIS   =                    0", "END"])
        f.write((header + " " * (-len(header) % 2880)).encode("ascii"))

    with h5py.File(path("small.h5"), "w") as f:
        f["image"] = img.astype(np.uint16) * 100
        f["cube"] = np.stack([img, img]).astype(np.float64)
        f["line"] = np.arange(10)
        f["complex"] = (img[:4, :4] + 1j).astype(np.complex64)
        f["text"] = "not pixels"

    with open(path("wrong-size.raw"), "wb") as f:
        f.write(bytes(range(100)))
    with open(path("empty.png"), "wb"):
        pass
    with open(path("not-an-image.png"), "w") as f:
        f.write("this is text, not a PNG\n")


if __name__ == "__main__":
    main()
