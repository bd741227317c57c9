// hdf5-chunked-zstd: a chunk per tile, zstd level 3 (filter 32015), collective H5Dwrite.
#include "hdf5_stream.hpp"

namespace nsperf::io {
namespace {

class Hdf5ChunkedZstd final : public detail::Hdf5StreamStrategy {
 public:
  Hdf5ChunkedZstd()
      : Hdf5StreamStrategy("hdf5-chunked-zstd", {/*chunked=*/true, core::Compression::zstd,
                                                 /*collective=*/true}) {}
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Hdf5ChunkedZstd, "hdf5-chunked-zstd",
                            "a chunk per tile, zstd level 3 (filter 32015), collective H5Dwrite",
                            false, conservative)

}  // namespace nsperf::io
