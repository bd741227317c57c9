// The memory optimizer's strategies. Each is a plan for the same pipeline (memory_pipeline.cpp)
// that changes one thing against the baseline, so they are declared together here:
//
//   strategy     storage   buffers            queue of waiting tiles
//   float64      double    allocated per tile  in storage type      (baseline)
//   float32      float     allocated per tile  in storage type      (also the "alloc-per-tile"
//   side) uint16       16-bit    allocated per tile  in storage type      (integer images only)
//   pooled       float     pooled              in storage type      (float32 with a pool)
//   compressed   float     pooled              zstd + byte shuffle
#include "nsperf/kernels/memory_pipeline.hpp"

namespace nsperf::kernels {

core::Registry<MemoryStrategyEntry>& memory_strategies() {
  static core::Registry<MemoryStrategyEntry> registry;
  return registry;
}

NSPERF_REGISTER_MEMORY_STRATEGY(Float64, "float64",
                                "double-precision planes, buffers allocated per tile (baseline)",
                                true, conservative, float64, false, false)
NSPERF_REGISTER_MEMORY_STRATEGY(Float32, "float32", "float32 planes, buffers allocated per tile",
                                false, balanced, float32, false, false)
NSPERF_REGISTER_MEMORY_STRATEGY(
    Uint16, "uint16", "16-bit fixed-point planes (u8/u16 images), buffers allocated per tile",
    false, aggressive, uint16, false, false)
NSPERF_REGISTER_MEMORY_STRATEGY(Pooled, "pooled",
                                "float32 planes from a pool: no allocation once warm", false,
                                balanced, float32, true, false)
NSPERF_REGISTER_MEMORY_STRATEGY(
    Compressed, "compressed", "pooled float32, waiting tiles held zstd-compressed (byte-shuffled)",
    false, balanced, float32, true, true)

}  // namespace nsperf::kernels
