// hdf5-chunked-deflate: a chunk per tile, deflate level 6, collective H5Dwrite.
#include "hdf5_stream.hpp"

namespace nsperf::io {
namespace {

class Hdf5ChunkedDeflate final : public detail::Hdf5StreamStrategy {
 public:
  Hdf5ChunkedDeflate()
      : Hdf5StreamStrategy("hdf5-chunked-deflate",
                           {/*chunked=*/true, core::Compression::deflate, /*collective=*/true}) {}
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Hdf5ChunkedDeflate, "hdf5-chunked-deflate",
                            "a chunk per tile, deflate level 6, collective H5Dwrite", false,
                            conservative)

}  // namespace nsperf::io
