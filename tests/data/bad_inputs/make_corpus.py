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
import struct
import sys
import zlib

import numpy as np

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


def tiff_bytes(data, rows_per_strip, offsets=None, counts=None, deflate=False):
    """A minimal little-endian 8-bit grey TIFF, uncompressed or deflate: header, strips, then the
    IFD. `offsets` and `counts` replace the true strip offsets and byte counts (to make damage)."""
    h, w = data.shape
    strips = [data[y:y + rows_per_strip].tobytes() for y in range(0, h, rows_per_strip)]
    if deflate:
        strips = [zlib.compress(s) for s in strips]
    true_offsets, at = [], 8
    for s in strips:
        true_offsets.append(at)
        at += len(s)
    offsets = offsets or true_offsets
    counts = counts or [len(s) for s in strips]
    n = len(strips)
    # The two arrays after the strips, then the IFD.
    arrays_at = at
    ifd_at = arrays_at + 8 * n
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 8 if deflate else 1), (262, 3, 1, 1),
               (273, 4, n, arrays_at), (277, 3, 1, 1), (278, 4, 1, rows_per_strip),
               (279, 4, n, arrays_at + 4 * n)]
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHII", tag, typ, count, value)
    ifd += struct.pack("<I", 0)
    return (b"II*\0" + struct.pack("<I", ifd_at) + b"".join(strips)
            + struct.pack(f"<{n}I", *offsets) + struct.pack(f"<{n}I", *counts) + ifd)


def make_tiffs():
    """The TIFFs whose strips are damaged (no PIL needed: written byte by byte)."""
    img = pattern(64, 48)
    good = tiff_bytes(img, 8)
    n = 6
    offsets = list(struct.unpack_from(f"<{n}I", good, 8 + img.size))
    with open(path("offsets-past-end.tif"), "wb") as f:
        f.write(tiff_bytes(img, 8, offsets=offsets[:-1] + [10_000_000]))
    # A deflate strip cut short: its byte count says half of what it holds.
    whole = tiff_bytes(img, 8, deflate=True)
    counts = list(struct.unpack_from(f"<{n}I", whole, struct.unpack_from("<I", whole, 4)[0] - 4 * n))
    with open(path("short-strip.tif"), "wb") as f:
        f.write(tiff_bytes(img, 8, counts=counts[:-1] + [counts[-1] // 2], deflate=True))


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def interlaced_png(rgb):
    """An Adam7-interlaced 8-bit RGB PNG, written by hand (PIL writes none)."""
    h, w, _ = rgb.shape
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = rgb[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        raw += b"".join(b"\0" + row.tobytes() for row in sub)
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) +
            png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


def make_codecs():
    """tests/data/codecs: the PNG and JPEG layouts nsperf's readers must decode exactly as OpenCV
    imgcodecs does (tests/unit/image_reader_test.cpp compares them)."""
    from PIL import Image

    folder = os.path.join(os.path.dirname(HERE), "codecs")
    os.makedirs(folder, exist_ok=True)
    img = pattern(64, 48)
    rgb = np.stack([img, img[::-1], 255 - img], axis=-1)
    out = lambda name: os.path.join(folder, name)
    Image.fromarray(img > 120).save(out("grey-1bit.png"))
    Image.fromarray((img >> 4).astype(np.uint8), "L").convert("P").save(out("palette-4bit.png"), bits=4)
    palette = Image.fromarray(rgb).quantize(64)
    palette.save(out("palette-8bit-transparency.png"), transparency=3)
    Image.fromarray((img.astype(np.uint16) * 257), "I;16").save(out("grey-16bit.png"))
    Image.fromarray(np.stack([img, 255 - img], axis=-1), "LA").save(out("grey-alpha.png"))
    Image.fromarray(np.dstack([rgb, img]), "RGBA").save(out("rgba.png"))
    with open(out("rgb-interlaced.png"), "wb") as f:
        f.write(interlaced_png(rgb))
    Image.fromarray(img).save(out("grey.jpg"), quality=90)
    Image.fromarray(rgb).save(out("rgb-444.jpg"), quality=90, subsampling=0)
    Image.fromarray(rgb).save(out("rgb-420-progressive.jpg"), quality=85, subsampling=2,
                              progressive=True)
    Image.fromarray(rgb).convert("CMYK").save(out("cmyk.jpg"), quality=90)


def make_lying_png():
    """small.png with its IDAT length field 1000 bytes longer than the chunk."""
    with open(path("small.png"), "rb") as f:
        png = bytearray(f.read())
    at = png.index(b"IDAT") - 4
    length = struct.unpack(">I", png[at:at + 4])[0]
    png[at:at + 4] = struct.pack(">I", length + 1000)
    with open(path("lying-length.png"), "wb") as f:
        f.write(png)


def main():
    import h5py
    from PIL import Image

    if sys.argv[1:] == ["codecs"]:
        make_codecs()
        make_lying_png()
        return

    make_tiffs()
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
    make_tiffs() if sys.argv[1:] == ["tiff"] else main()
