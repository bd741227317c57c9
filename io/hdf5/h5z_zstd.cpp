// The HDF5 zstd filter, registered id 32015: one zstd frame per chunk, the level in
// cd_values[0] (zstd's default when absent). Compatible with the filter of the same id in
// hdf5plugin and HDF5's registered-filter list (frames carry their content size).
//
// Built twice: into nsperf_io, which registers it in-process (register_zstd_filter), and as the
// plugin libnsperf_h5zstd.so (NSPERF_H5Z_PLUGIN defined), which h5dump, h5py and any HDF5
// program load from HDF5_PLUGIN_PATH. The plugin is not linked to libhdf5 (it only uses HDF5's
// types), so it loads into a serial or an MPI HDF5 alike; HDF5 passes and takes back buffers
// from malloc/free, which is what HDF5's own filters use.
#include <H5PLextern.h>
#include <zstd.h>

#include <cstdlib>
#include <cstring>

namespace {

constexpr H5Z_filter_t kZstdFilter = 32015;
// No chunk is larger than HDF5 allows (4 GiB); a frame claiming more is damaged.
constexpr unsigned long long kMaxChunkBytes = 1ULL << 32;

size_t zstd_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                   size_t* buf_size, void** buf) {
  if ((flags & H5Z_FLAG_REVERSE) != 0) {
    const unsigned long long size = ZSTD_getFrameContentSize(*buf, nbytes);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
        size > kMaxChunkBytes) {
      return 0;  // HDF5 reports the read as failed
    }
    void* out = std::malloc(size == 0 ? 1 : static_cast<size_t>(size));
    if (out == nullptr) return 0;
    const size_t n = ZSTD_decompress(out, static_cast<size_t>(size), *buf, nbytes);
    if (ZSTD_isError(n) || n != size) {
      std::free(out);
      return 0;
    }
    std::free(*buf);
    *buf = out;
    *buf_size = static_cast<size_t>(size);
    return n;
  }
  int level = ZSTD_CLEVEL_DEFAULT;
  if (cd_nelmts > 0) level = static_cast<int>(cd_values[0]);
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) level = ZSTD_CLEVEL_DEFAULT;
  const size_t bound = ZSTD_compressBound(nbytes);
  void* out = std::malloc(bound);
  if (out == nullptr) return 0;
  const size_t n = ZSTD_compress(out, bound, *buf, nbytes, level);
  if (ZSTD_isError(n)) {
    std::free(out);
    return 0;
  }
  std::free(*buf);
  *buf = out;
  *buf_size = bound;
  return n;
}

const H5Z_class2_t kZstdClass = {
    H5Z_CLASS_T_VERS, kZstdFilter, 1, 1, "zstd (nsperf)", nullptr, nullptr, zstd_filter,
};

}  // namespace

#ifdef NSPERF_H5Z_PLUGIN
extern "C" {
H5PL_type_t H5PLget_plugin_type(void) { return H5PL_TYPE_FILTER; }
const void* H5PLget_plugin_info(void) { return &kZstdClass; }
}
#else
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io {

void register_zstd_filter() {
  // Idempotent: HDF5 replaces a class registered again under the same id.
  if (H5Zfilter_avail(kZstdFilter) <= 0) {
    check_status(H5Zregister(&kZstdClass), "H5Zregister(zstd)");
  }
}

}  // namespace nsperf::io
#endif
