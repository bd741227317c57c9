#pragma once
/// \file A CPU strategy's pipeline output on one tile against the double-precision reference's:
/// used by the cpu optimizer on every measured strategy and by `nsperf run --check`.

#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/pipeline.hpp"

namespace nsperf::kernels {

/// The pipeline's magnitude may differ from the reference's by this times max(1, largest
/// |input|): the Gaussian's and the Sobel's float32 budgets together.
inline constexpr double kPipelineRelativeTolerance = 1e-4;

/// kPipelineRelativeTolerance times max(1, the largest |input| of `tile`).
double pipeline_tolerance(const TileWork<float>& tile) noexcept;
/// The same from the reference's copy of the tile (whose input stays after the pipeline, where a
/// deferred tile's does not).
double pipeline_tolerance(const TileWork<double>& reference) noexcept;

/// Compares `got` (a strategy's run, whose global figures are `got_global`) with `ref` (the
/// reference on the same tile). Passes when the thresholds agree, the magnitudes are within
/// `tolerance`, masks differ only where the reference magnitude is within the tolerance of the
/// threshold's boundary, and opened masks only within 2 pixels of such a difference (the reach
/// of the opening). `ref` needs its magnitude, mask and opened planes only.
KernelCheck check_pipeline_tile(const TileWork<float>& got, const PipelineResult& got_global,
                                const TileWork<double>& ref, const PipelineResult& ref_global,
                                double tolerance);

}  // namespace nsperf::kernels
