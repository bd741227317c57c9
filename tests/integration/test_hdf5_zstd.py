"""The HDF5 zstd filter (id 32015): the plugin in <build>/hdf5-plugins lets h5py and h5dump read
and write zstd datasets; nsperf reads them without it (the filter is registered in-process); a
damaged chunk is an input error, not silent garbage."""
import os
import subprocess

import h5py
import numpy as np

from nsperf_testing import TempDirTest, run

BUILD = os.environ.get("NSPERF_BUILD_DIR", "")
PLUGINS = os.path.join(BUILD, "hdf5-plugins")


def with_plugin():
    env = dict(os.environ)
    env["HDF5_PLUGIN_PATH"] = PLUGINS
    return env


class ZstdFilter(TempDirTest):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.exists(os.path.join(PLUGINS, "libnsperf_h5zstd.so")), PLUGINS)
        self.pixels = (np.add.outer(np.arange(200), np.arange(300)) % 251).astype(np.uint16)
        # h5py of this process loads plugins from HDF5_PLUGIN_PATH when a filter is first asked
        # for; a child process with the variable set does the writing, to keep this one clean.
        self.file = self.path("z.h5")
        code = ("import h5py, numpy as np, sys\n"
                "a = (np.add.outer(np.arange(200), np.arange(300)) % 251).astype(np.uint16)\n"
                "with h5py.File(sys.argv[1], 'w') as f:\n"
                "    f.create_dataset('img', data=a, chunks=(64, 64), compression=32015, compression_opts=(3,))\n"
                "    f.create_dataset('max', data=a, chunks=(200, 300), compression=32015, compression_opts=(19,))\n"
                "with h5py.File(sys.argv[1]) as f:\n"
                "    assert (f['img'][:] == a).all() and (f['max'][:] == a).all()\n"
                "    assert f['img'].id.get_storage_size() < a.nbytes / 4\n")
        r = subprocess.run(["/usr/bin/python3", "-c", code, self.file], env=with_plugin(),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_h5py_and_h5dump_read_it_with_the_plugin(self):
        r = subprocess.run(["h5dump", "-d", "/img", "-s", "0,0", "-c", "2,4", self.file], env=with_plugin(),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(0,0): 0, 1, 2, 3,", r.stdout)
        self.assertIn("(1,0): 1, 2, 3, 4", r.stdout)

    def test_h5dump_without_the_plugin_prints_no_data_and_exits_0(self):
        """What docs/hdf5-zstd.md warns about: HDF5 tools print an empty DATA block and succeed."""
        env = dict(os.environ)
        env.pop("HDF5_PLUGIN_PATH", None)
        env["HDF5_PLUGIN_PATH"] = self.path("no-plugins-here")
        r = subprocess.run(["h5dump", "-d", "/img", "-s", "0,0", "-c", "1,4", self.file], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertNotIn("(0,0): 0, 1, 2, 3", r.stdout)

    def test_nsperf_reads_zstd_datasets_without_the_plugin(self):
        env = {"HDF5_PLUGIN_PATH": self.path("no-plugins-here")}
        r = run(["benchmark", "--cpu", "--image", self.file + ":/img", "--tile", "64", "-r", "1", "-w", "0",
                 "-o", self.path("r.h5"), "--no-progress"], ranks=2, env=env)
        self.assertEqual(r.code, 0, r)
        self.assertIn("hdf5 300x200 u16", r.out)

    def test_a_damaged_chunk_is_an_input_error(self):
        with h5py.File(self.file, "r") as f:
            offset = f["max"].id.get_chunk_info(0).byte_offset
        with open(self.file, "r+b") as f:
            f.seek(offset + 20)
            f.write(b"\xff" * 64)
        r = run(["benchmark", "--cpu", "--image", self.file + ":/max", "--tile", "64", "-r", "1", "-w", "0",
                 "-o", self.path("r.h5"), "--no-progress"], ranks=2)
        self.assertEqual(r.code, 2, r)
        self.assertIn("cannot read the pixels", r.err)
        self.assertFalse(os.path.exists(self.path("r.h5")))
