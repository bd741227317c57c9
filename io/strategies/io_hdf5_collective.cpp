// hdf5-collective: the image as a 2-D dataset in chunks of one tile (uncompressed), each tile
// written straight from the stream in its own collective H5Dwrite. A tile is one contiguous
// piece of the file as of the stream, so nothing is rearranged: a contiguous dataset needs each
// rank's tiles copied into row-major rectangles first, which cost 8.5 of 48 ms for 64 MiB here
// (docs/benchmarks.md).
#include "hdf5_stream.hpp"

namespace nsperf::io {
namespace {

class Hdf5Collective final : public detail::Hdf5StreamStrategy {
 public:
  Hdf5Collective()
      : Hdf5StreamStrategy("hdf5-collective", {/*chunked=*/true, core::Compression::none,
                                               /*collective=*/true, /*per_tile=*/true}) {}
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Hdf5Collective, "hdf5-collective",
                            "2-D dataset in chunks of one tile, each tile written from the stream "
                            "by a collective H5Dwrite",
                            false, conservative)

}  // namespace nsperf::io
