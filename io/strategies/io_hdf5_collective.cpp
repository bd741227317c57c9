// hdf5-collective: contiguous 2-D dataset, collective H5Dwrite of each rank's rectangles.
#include "hdf5_stream.hpp"

namespace nsperf::io {
namespace {

class Hdf5Collective final : public detail::Hdf5StreamStrategy {
 public:
  Hdf5Collective()
      : Hdf5StreamStrategy("hdf5-collective", {/*chunked=*/false, core::Compression::none,
                                               /*collective=*/true}) {}
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Hdf5Collective, "hdf5-collective",
                            "contiguous 2-D dataset, collective H5Dwrite of each rank's rectangles",
                            false, conservative)

}  // namespace nsperf::io
