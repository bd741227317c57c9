#!/usr/bin/python3
"""Writes the seed corpora fuzz/corpus/<target>/ and the dictionaries fuzz/<target>.dict.

Small valid and near-valid inputs, each a few KB at most, made here (FITS by hand, HDF5 with
h5py) so that they need no nsperf binary and no image data. Running it again rewrites the same
inputs (the HDF5 files differ only in the object times HDF5 stamps). Regression inputs for fixed crashes live beside them, named
regression-*, and are not touched here.

    /usr/bin/python3 fuzz/make-seeds.py
"""

import json
import os
import struct
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def dictionary(target, words):
    with open(os.path.join(HERE, target + ".dict"), "w") as f:
        f.write("# libFuzzer dictionary for nsperf-fuzz-%s (written by make-seeds.py)\n" % target)
        for w in words:
            escaped = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c)
                              for c in w)
            f.write('"%s"\n' % escaped)


# ---- config -----------------------------------------------------------------------------------

# Keys as `nsperf config --keys` lists them (tests/integration/test_registry_surfaces.py checks
# that every listed key is here). The seeds below still write the input keys under benchmark.*,
# their names before input.*, which load with a note: that path is fuzzed too.
CONFIG_KEYS = {
    "input": ["tile", "image", "raw", "synthetic", "seed", "skew"],
    "benchmark": ["repetitions", "warmup", "slowdown_percent", "tile", "image", "raw", "synthetic", "seed", "skew",
                  "output"],
    "run": ["output", "strategy", "compression", "compression_level", "partitioner", "partition_chunk", "check", "catalog",
            "early_writeback"],
    "optimizers.cpu": ["enabled", "strategies", "threads"],
    "optimizers.database": ["enabled", "strategies", "rows", "batch", "query_rows"],
    "optimizers.distributed": ["enabled", "strategies", "chunk", "busy_cores"],
    "optimizers.io": ["enabled", "strategies", "dir"],
    "optimizers.memory": ["enabled", "strategies"],
    "optimizers.network": ["enabled", "strategies", "link_mbyte_per_s", "sizes", "shared_core"],
}
# Every registered strategy (`nsperf benchmark --list`; the same test checks it).
STRATEGIES = ["scalar", "openmp", "simd", "blocked", "fused", "opencv", "float64", "float32",
              "uint16", "pooled", "compressed", "static-block", "static-cyclic", "dynamic",
              "guided", "blocking", "nonblocking", "persistent", "adaptive", "unbuffered",
              "buffered", "mmap", "batched", "naive", "wal", "prepared", "indexed", "no-index",
              "pooled-connection", "hdf5-chunked-zstd", "mpiio-collective", "posix-fpp",
              "posix-shared", "mpiio-independent", "hdf5-independent", "hdf5-collective",
              "hdf5-chunked-deflate"]


def config_seeds():
    t = "config"
    put(t, "minimal.json", '{"schema_version": 1}\n')
    put(t, "typical.json", json.dumps({
        "schema_version": 1, "optimization_level": "aggressive",
        "benchmark": {"repetitions": 5, "warmup": 1, "tile": 256, "synthetic": "1024x768:u16",
                      "seed": 7, "skew": 25},
        "run": {"strategy": "fused", "compression": "zstd", "compression_level": 3,
                "check": True},
        "optimizers": {"cpu": {"strategies": ["scalar", "openmp", "simd"], "threads": 2},
                       "memory": {"enabled": False},
                       "distributed": {"strategies": ["static-block", "dynamic"], "chunk": 4},
                       "network": {"link_mbyte_per_s": 100},
                       "database": {"rows": 100, "batch": 10, "query_rows": 1000},
                       "io": {"dir": "/tmp"}}}, indent=1) + "\n")
    put(t, "image-raw.json", json.dumps({
        "schema_version": 1,
        "benchmark": {"image": "frame.raw", "raw": "64x64:i16:be", "tile": 32}}) + "\n")
    put(t, "with-set.txt", '{"schema_version": 1, "benchmark": {"tile": 64}}\n#set\n'
        'benchmark.synthetic=128x128:f32\nbenchmark.repetitions=3\n'
        'optimizers.cpu.strategies=scalar,fused\nrun.check=true\noptimization_level="minimal"\n')
    put(t, "set-only.txt", "null\n#set\nbenchmark.tile=16\nbenchmark.synthetic=32x32\n")
    # near-valid: each is refused with a ConfigError naming the key
    put(t, "bad-types.json", '{"schema_version": "1", "benchmark": {"tile": -3, "warmup": 1.5, '
        '"synthetic": "0x10:u9"}, "run": {"check": "yes", "compression": "lz4"}}\n')
    put(t, "unknown-key.json", '{"schema_version": 1, "benchmark": {"tiles": 64}, "cpu": {}}\n')
    put(t, "newer-schema.json", '{"schema_version": 2}\n')
    put(t, "tile-too-large.json",
        '{"schema_version": 1, "benchmark": {"tile": 4096, "synthetic": "512x512"}}\n')
    put(t, "deflate-level.json",
        '{"schema_version": 1, "run": {"compression": "deflate", "compression_level": 12}}\n')
    put(t, "strategies-twice.json", '{"schema_version": 1, "optimizers": {"cpu": '
        '{"strategies": ["simd", "simd"]}, "io": {"strategies": []}}}\n')
    put(t, "big-numbers.json", '{"schema_version": 1, "benchmark": {"seed": 18446744073709551615, '
        '"repetitions": 9223372036854775807, "tile": -9223372036854775808}}\n')
    put(t, "not-json.txt", '{"schema_version": 1,, "benchmark": {\n')
    put(t, "array.json", '[1, 2, {"schema_version": 1}]\n')
    put(t, "bad-set.txt", '{"schema_version": 1}\n#set\nbenchmark.tile\n=5\nnot.a.key=1\n'
        'benchmark=3\nbenchmark.tile={"a":1}\n')
    words = ["schema_version", "optimization_level", "optimizers", "strategies", "enabled",
             "minimal", "balanced", "aggressive", "none", "deflate", "zstd", "true", "false",
             "null", "#set", "u8", "u16", "f32", ":u16", "4096x4096", "x", "=", ",", ".", "{",
             "}", "[", "]", '":'] + STRATEGIES
    for section, keys in CONFIG_KEYS.items():
        words += section.split(".")
        for k in keys:
            words += [k, section + "." + k]
    dictionary(t, sorted(set(words)))


# ---- raw --------------------------------------------------------------------------------------

def raw_seeds():
    t = "raw"
    ramp = bytes(range(256))
    put(t, "u8-4x3", b"4x3:u8\n" + ramp[:12])
    put(t, "u16-be-3x2", b"3x2:u16:be\n" + struct.pack(">6H", 0, 1, 256, 1000, 65535, 7))
    put(t, "i16-le-2x2", b"2x2:i16:le\n" + struct.pack("<4h", -32768, -1, 0, 32767))
    put(t, "f32-nan-2x2", b"2x2:f32\n" + struct.pack("<4f", 1.5, float("nan"), float("inf"), -2))
    put(t, "f64-be-2x1", b"2x1:f64:be\n" + struct.pack(">2d", 1e300, -0.0))
    put(t, "i64-3x1", b"3x1:i64\n" + struct.pack("<3q", -(2 ** 63), 0, 2 ** 63 - 1))
    put(t, "u32-i8-mixed", b"2x2:u32:be\n" + struct.pack(">4I", 0, 1, 2 ** 32 - 1, 5))
    put(t, "i8-1x1", b"1x1:i8\n\x80")
    put(t, "u64-1x2", b"1x2:u64\n" + struct.pack("<2Q", 2 ** 64 - 1, 3))
    put(t, "i32-wide-600x2", b"600x2:i32\n" + bytes(600 * 2 * 4))
    put(t, "u8-tall-2x600", b"2x600:u8\n" + bytes(1200))
    # near-valid: refused with InputError
    put(t, "short-file", b"4x4:u16\n" + bytes(31))
    put(t, "huge-layout", b"1048576x1048576:f64\n" + bytes(16))
    put(t, "bad-type", b"2x2:u12\n" + bytes(4))
    put(t, "bad-order", b"2x2:u16:middle\n" + bytes(8))
    put(t, "zero-side", b"0x2:u8\n")
    dictionary(t, ["x", ":", ":le", ":be", "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64",
                   "f32", "f64", "1048576", "1048577", "4096x4096", "-1", "\n"])


# ---- FITS -------------------------------------------------------------------------------------

BLOCK = 2880


def card(key, value=None, comment=None):
    if value is None:
        text = key.ljust(8)
    else:
        if isinstance(value, bool):
            v = ("T" if value else "F").rjust(20)
        elif isinstance(value, str):
            v = ("'" + value.ljust(8) + "'").ljust(20)
        elif isinstance(value, float):
            v = repr(value).upper().rjust(20)
        else:
            v = str(value).rjust(20)
        text = key.ljust(8) + "= " + v
        if comment:
            text += " / " + comment
    return text.ljust(80)[:80]


def header(cards):
    text = "".join(cards) + card("END")
    text = text.ljust((len(text) + BLOCK - 1) // BLOCK * BLOCK)
    return text.encode("ascii")


def pad(data):
    return data + bytes((-len(data)) % BLOCK)


FITS_TYPES = {8: ">u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}


def image_hdu(bitpix, shape, primary=True, extra=(), data=None, extname=None):
    cards = [card("SIMPLE", True) if primary else card("XTENSION", "IMAGE"),
             card("BITPIX", bitpix), card("NAXIS", len(shape))]
    for i, n in enumerate(reversed(shape)):
        cards.append(card("NAXIS%d" % (i + 1), n))
    if not primary:
        cards += [card("PCOUNT", 0), card("GCOUNT", 1)]
    if extname:
        cards.append(card("EXTNAME", extname))
    cards += list(extra)
    if data is None and shape:
        n = int(np.prod(shape))
        data = (np.arange(n) % 97).astype(FITS_TYPES[bitpix]).reshape(shape)
    return header(cards) + (pad(np.ascontiguousarray(data).tobytes()) if shape else b"")


def fits_seeds():
    t = "fits"
    put(t, "u8-8x6", b"\n" + image_hdu(8, (6, 8)))
    put(t, "u16-bzero", b"\n" + image_hdu(16, (4, 5), extra=[card("BZERO", 32768),
                                                            card("BSCALE", 1)]))
    put(t, "i16-bscale", b"\n" + image_hdu(16, (3, 3), extra=[card("BSCALE", 0.5),
                                                             card("BZERO", -10.0)]))
    put(t, "i32-7x2", b"\n" + image_hdu(32, (2, 7)))
    put(t, "i64-2x2", b"\n" + image_hdu(64, (2, 2)))
    f = np.array([[1.5, np.nan], [np.inf, -3]], dtype=">f4")
    put(t, "f32-nan", b"\n" + image_hdu(-32, (2, 2), data=f))
    put(t, "f64-3x1", b"\n" + image_hdu(-64, (1, 3)))
    put(t, "i8-sbyte", b"\n" + image_hdu(8, (2, 2), extra=[card("BZERO", -128)]))
    put(t, "cube-1-plane", b"\n" + image_hdu(16, (1, 3, 4)))
    put(t, "wide-700x2", b"\n" + image_hdu(8, (2, 700)))
    sci = image_hdu(8, (), extra=[card("EXTEND", True)]) + \
        image_hdu(-32, (4, 4), primary=False, extname="SCI")
    put(t, "ext-sci", b"SCI\n" + sci)
    put(t, "ext-number", b"1\n" + sci)
    put(t, "ext-missing", b"ERR\n" + sci)
    put(t, "primary-empty", b"\n" + sci)
    table = header([card("XTENSION", "BINTABLE"), card("BITPIX", 8), card("NAXIS", 2),
                    card("NAXIS1", 4), card("NAXIS2", 2), card("PCOUNT", 0), card("GCOUNT", 1),
                    card("TFIELDS", 1), card("TFORM1", "1J"), card("EXTNAME", "CAT")]) + pad(
                        bytes(8))
    put(t, "ext-table", b"CAT\n" + image_hdu(8, ()) + table)
    # near-valid: refused with InputError
    put(t, "cube-3-planes", b"\n" + image_hdu(8, (3, 2, 2)))
    put(t, "bad-bitpix", b"\n" + header([card("SIMPLE", True), card("BITPIX", 12),
                                         card("NAXIS", 2), card("NAXIS1", 2),
                                         card("NAXIS2", 2)]) + pad(bytes(8)))
    put(t, "truncated-data", b"\n" + image_hdu(16, (40, 40))[:BLOCK + 100])
    put(t, "huge-naxis", b"\n" + header([card("SIMPLE", True), card("BITPIX", -32),
                                         card("NAXIS", 2), card("NAXIS1", 30000),
                                         card("NAXIS2", 30000)]))
    put(t, "no-end", b"\n" + "".join([card("SIMPLE", True), card("BITPIX", 8),
                                      card("NAXIS", 0)]).encode().ljust(BLOCK))
    dictionary(t, ["SIMPLE  =                    T", "XTENSION= 'IMAGE   '",
                   "XTENSION= 'BINTABLE'", "BITPIX  =", "NAXIS   =", "NAXIS1  =", "NAXIS2  =",
                   "NAXIS3  =", "EXTNAME =", "EXTEND  =", "BZERO   =", "BSCALE  =",
                   "PCOUNT  =", "GCOUNT  =", "BLANK   =", "ZIMAGE  =", "ZBITPIX =",
                   "ZCMPTYPE=", "TFIELDS =", "TFORM1  =", "END" + " " * 77, "SCI", "DQ",
                   " 8", " 16", " 32", " 64", " -32", " -64", " 32768", " 0", " 1",
                   " 2147483647", " -1", "'", "T", "F", "\n"])


# ---- HDF5 -------------------------------------------------------------------------------------

def h5_bytes(build):
    """The bytes of a small HDF5 file made by build(h5py.File)."""
    fd, path = tempfile.mkstemp(suffix=".h5")
    os.close(fd)
    try:
        with h5py.File(path, "w", libver="latest") as f:
            build(f)
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.remove(path)


def hdf5_seeds():
    t = "hdf5"
    ramp = (np.arange(48) % 251).reshape(6, 8)
    put(t, "u8-contiguous", b"/data\n" + h5_bytes(
        lambda f: f.create_dataset("data", data=ramp.astype("u1"))))
    put(t, "u16-chunked", b"/img\n" + h5_bytes(
        lambda f: f.create_dataset("img", data=(ramp * 250).astype("<u2"), chunks=(3, 4))))
    put(t, "i32-deflate", b"/g/sub/img\n" + h5_bytes(
        lambda f: f.create_dataset("g/sub/img", data=(ramp - 100).astype(">i4"), chunks=(6, 8),
                                   compression="gzip", shuffle=True)))
    put(t, "f32-nan", b"/f\n" + h5_bytes(
        lambda f: f.create_dataset("f", data=np.array([[1, np.nan], [np.inf, -2]], "<f4"))))
    put(t, "f64-be", b"/d\n" + h5_bytes(
        lambda f: f.create_dataset("d", data=np.linspace(0, 1, 12).reshape(3, 4).astype(">f8"))))
    put(t, "i64-fill", b"/e\n" + h5_bytes(
        lambda f: f.create_dataset("e", shape=(700, 3), dtype="<i8", chunks=(100, 3),
                                   fillvalue=-5)))
    put(t, "cube-3d", b"/cube[1]\n" + h5_bytes(
        lambda f: f.create_dataset("cube", data=np.arange(24, dtype="i2").reshape(2, 3, 4))))
    put(t, "cube-4d", b"/c4[1,0]\n" + h5_bytes(
        lambda f: f.create_dataset("c4", data=np.arange(16, dtype="u1").reshape(2, 2, 2, 2))))
    # near-valid: refused with InputError
    put(t, "no-selection", b"\n" + h5_bytes(
        lambda f: f.create_dataset("data", data=ramp.astype("u1"))))
    put(t, "missing-path", b"/nope/data\n" + h5_bytes(
        lambda f: f.create_dataset("g/data", data=ramp.astype("u1"))))
    put(t, "group-not-dataset", b"/g\n" + h5_bytes(
        lambda f: f.create_dataset("g/data", data=ramp.astype("u1"))))
    put(t, "strings", b"/s\n" + h5_bytes(
        lambda f: f.create_dataset("s", data=np.array([[b"ab", b"cd"]], "S2"))))
    put(t, "compound", b"/c\n" + h5_bytes(
        lambda f: f.create_dataset("c", data=np.zeros((2, 2), [("re", "<f4"), ("im", "<f4")]))))
    put(t, "one-d", b"/v\n" + h5_bytes(lambda f: f.create_dataset("v", data=np.arange(5))))
    put(t, "cube-bad-index", b"/cube[7]\n" + h5_bytes(
        lambda f: f.create_dataset("cube", data=np.zeros((2, 2, 2), "u1"))))
    put(t, "huge-unallocated", b"/big\n" + h5_bytes(
        lambda f: f.create_dataset("big", shape=(1048576, 1048576), dtype="u1",
                                   chunks=(64, 64))))
    dictionary(t, ["\x89HDF\r\n\x1a\n", "/data", "/img", "/cube[1]", "[0,1]", "[", "]", ",",
                   ":", "/", "OHDR", "OCHK", "FRHP", "FSHD", "BTHD", "BTIN", "FHDB", "FHIB",
                   "FSSE", "TREE", "HEAP", "SNOD", "GCOL", "\xff\xff\xff\xff\xff\xff\xff\xff"])


# ---- results files ----------------------------------------------------------------------------

def mix(z):
    m = 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & m
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & m
    return z ^ (z >> 31)


def checksum(data, seed):
    """core::checksum (core/checksum.cpp)."""
    m = 0xFFFFFFFFFFFFFFFF
    lane = [mix((seed + i) & m) for i in (1, 2, 3, 4)]
    n = len(data)
    p = 0
    while n - p >= 32:
        for i in range(4):
            (w,) = struct.unpack_from("<Q", data, p)
            lane[i] = mix(lane[i] ^ w)
            p += 8
    tail = data[p:] + bytes(32 - (n - p))
    for i in range(4):
        lane[i] = mix(lane[i] ^ struct.unpack_from("<Q", tail, 8 * i)[0])
    return mix(lane[0] ^ mix(lane[1] ^ mix(lane[2] ^ mix(lane[3] ^ n))))


def table(group, name, rows, dtype):
    """A packed compound table with its rows_checksum, as io::write_rows stores it."""
    a = np.array(rows, dtype=np.dtype(dtype))
    ds = group.create_dataset(name, data=a)
    raw = a.tobytes()
    size = a.dtype.itemsize
    s = sum(checksum(raw[i * size:(i + 1) * size], i) for i in range(len(a))) % 2 ** 64
    ds.attrs.create("rows_checksum", s, dtype="<u8")


NAME = "S32"
SUMMARY = [("optimizer", NAME), ("strategy", NAME), ("kernel", NAME), ("width", "<i8"),
           ("height", "<i8"), ("dtype", "S4"), ("ranks", "<i4"), ("repetitions", "<i8"),
           ("pixels", "<i8"), ("bytes", "<i8"), ("median_s", "<f8"), ("mad_s", "<f8"),
           ("mean_s", "<f8"), ("min_s", "<f8"), ("max_s", "<f8"), ("speedup", "<f8"),
           ("check_status", "S12"), ("imbalance", "<f8")]
REPETITIONS = [("optimizer", NAME), ("strategy", NAME), ("kernel", NAME), ("width", "<i8"),
               ("height", "<i8"), ("dtype", "S4"), ("repetition", "<i4"), ("makespan_s", "<f8"),
               ("slowest_rank", "<i4"), ("outlier", "i1"), ("speedup", "<f8")]
SAMPLES = [("optimizer", NAME), ("strategy", NAME), ("kernel", NAME), ("rank", "<i4"),
           ("repetition", "<i4"), ("seconds", "<f8"), ("checksum", "<u8"),
           ("check_status", "S12")]
TILES = [("tile_id", "<i8"), ("rank", "<i4"), ("x", "<i8"), ("y", "<i8"), ("width", "<i8"),
         ("height", "<i8"), ("checksum", "<u8")]
REGIONS = [("path", "S32"), ("name", "S16"), ("depth", "<i4"), ("kind", "S8"), ("rank", "<i4"),
           ("calls", "<i8"), ("inclusive_s", "<f8"), ("exclusive_s", "<f8")]


def results_file(f, schema=4, run="20260101T000000Z-abcd", tables=("samples", "tiles",
                 "repetitions", "summary", "regions"), rows=2):
    if schema is not None:
        f.attrs.create("schema_version", schema, dtype="<i8")
    f.attrs["nsperf_version"] = "0.1.0"
    f.attrs["created"] = "2026-01-01T00:00:00Z"
    g = f.create_group("runs/" + run)
    for k, v in [("run_id", run), ("ranks", 2), ("command_line", "nsperf benchmark --cpu"),
                 ("bandwidth_gbyte_per_s", 9.5), ("config", '{"schema_version":1}')]:
        if isinstance(v, int):
            g.attrs.create(k, v, dtype="<i8")
        else:
            g.attrs[k] = v
    g.attrs.create("fixed_text", np.bytes_(b"fixed"), dtype="S8")
    base = (b"cpu", b"scalar", b"pipeline")
    if "summary" in tables:
        table(g, "summary", [base + (64, 64, b"u8", 2, 3, 4096, 4096, 0.01, 0.001, 0.011, 0.009,
                                     0.02, 1.0 + i, b"passed", 1.0) for i in range(rows)],
              SUMMARY)
    if "repetitions" in tables:
        table(g, "repetitions", [base + (64, 64, b"u8", i, 0.01 * (i + 1), i % 2, 0, 1.0)
                                 for i in range(rows)], REPETITIONS)
    if "samples" in tables:
        table(g, "samples", [base + (i % 2, i, 0.01, 12345 + i, b"passed") for i in range(rows)],
              SAMPLES)
    if "tiles" in tables:
        table(g, "tiles", [(i, 0, 32 * i, 0, 32, 32, 99) for i in range(rows)], TILES)
    if "regions" in tables:
        table(g.create_group("profile"), "regions",
              [(b"pipeline/blur", b"blur", 1, b"code", 0, 3, 0.5, 0.25),
               (b"mpi/allreduce", b"allreduce", 1, b"mpi", 1, 2, 0.1, 0.1)][:rows], REGIONS)


def results_seeds():
    t = "results"
    put(t, "valid", h5_bytes(results_file))
    put(t, "two-runs", h5_bytes(lambda f: (results_file(f, rows=1),
                                            results_file(f, run="second", rows=1))))
    put(t, "schema-3-no-regions", h5_bytes(
        lambda f: results_file(f, schema=3, tables=("samples", "tiles", "repetitions",
                                                    "summary"))))
    put(t, "missing-summary", h5_bytes(
        lambda f: results_file(f, tables=("samples", "tiles", "repetitions"))))
    put(t, "no-rows", h5_bytes(lambda f: results_file(f, rows=0)))
    put(t, "newer-schema", h5_bytes(lambda f: results_file(f, schema=5)))
    put(t, "no-schema", h5_bytes(lambda f: results_file(f, schema=None)))

    def damaged(f):
        results_file(f)
        f["runs/20260101T000000Z-abcd/summary"].attrs.create("rows_checksum", 1, dtype="<u8")
    put(t, "bad-checksum", h5_bytes(damaged))

    def not_a_table(f):
        results_file(f, tables=("samples", "tiles", "repetitions"))
        f.create_dataset("runs/20260101T000000Z-abcd/summary", data=np.zeros((2, 2)))
    put(t, "summary-2d", h5_bytes(not_a_table))
    def huge_rows(f):
        results_file(f, tables=("samples", "tiles", "repetitions", "regions"))
        f.create_dataset("runs/20260101T000000Z-abcd/summary", shape=(2 ** 40,), chunks=(16,),
                         dtype=np.dtype(SUMMARY))
    put(t, "huge-rows", h5_bytes(huge_rows))
    dictionary(t, ["\x89HDF\r\n\x1a\n", "schema_version", "runs", "summary", "repetitions",
                   "samples", "tiles", "profile", "regions", "rows_checksum", "run_id",
                   "output_version", "OHDR", "OCHK", "FRHP", "FSHD", "BTHD", "BTIN", "FHDB",
                   "FHIB", "FSSE", "TREE", "HEAP", "SNOD", "GCOL"])


def main():
    if len(sys.argv) > 1:
        sys.exit(__doc__)
    config_seeds()
    raw_seeds()
    fits_seeds()
    hdf5_seeds()
    results_seeds()
    for target in sorted(os.listdir(CORPUS)):
        folder = os.path.join(CORPUS, target)
        sizes = [os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder)]
        print("%s: %d inputs, largest %d bytes" % (folder, len(sizes), max(sizes)))


if __name__ == "__main__":
    main()
