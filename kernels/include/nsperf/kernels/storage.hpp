#pragma once
/// \file Kernels on narrower storage than float32: what the memory optimizer's `uint16`
/// strategy and the side-by-side benchmark use. Arithmetic stays float32 in registers; only what
/// is stored is narrow, which halves the bytes a memory-bound kernel moves.

#include <cstdint>

#include "nsperf/core/image.hpp"

namespace nsperf::kernels {

/// Gaussian blur 5x5, sigma 1, 16-bit in and out: each output is the float32 blur of the inputs,
/// rounded to the nearest integer (so within 0.5 + float32 rounding of the double reference).
/// `in` = `out` + 2 on every side. Vectorized, rows split across `threads` OpenMP threads.
void gaussian5x5_u16(core::View<const std::uint16_t> in, core::View<std::uint16_t> out,
                     int threads);

}  // namespace nsperf::kernels
