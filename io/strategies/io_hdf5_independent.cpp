// hdf5-independent: hdf5-collective's layout (chunks of one tile, each tile written straight
// from the stream) with independent H5Dwrites: the two differ only in the transfer mode.
#include "hdf5_stream.hpp"

namespace nsperf::io {
namespace {

class Hdf5Independent final : public detail::Hdf5StreamStrategy {
 public:
  Hdf5Independent()
      : Hdf5StreamStrategy("hdf5-independent", {/*chunked=*/true, core::Compression::none,
                                                /*collective=*/false, /*per_tile=*/true}) {}
};

}  // namespace

NSPERF_REGISTER_IO_STRATEGY(Hdf5Independent, "hdf5-independent",
                            "2-D dataset in chunks of one tile, each tile written from the stream "
                            "by an independent H5Dwrite",
                            false, conservative)

}  // namespace nsperf::io
