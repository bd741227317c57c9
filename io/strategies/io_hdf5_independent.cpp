// hdf5-independent: contiguous 2-D dataset, independent H5Dwrite per rectangle of tiles.
#include "hdf5_stream.hpp"

namespace nsperf::io {
namespace {

class Hdf5Independent final : public detail::Hdf5StreamStrategy {
 public:
  Hdf5Independent()
      : Hdf5StreamStrategy("hdf5-independent", {/*chunked=*/false, core::Compression::none,
                                                /*collective=*/false}) {}
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Hdf5Independent, "hdf5-independent",
                            "contiguous 2-D dataset, independent H5Dwrite per rectangle of tiles",
                            false, conservative)

}  // namespace nsperf::io
