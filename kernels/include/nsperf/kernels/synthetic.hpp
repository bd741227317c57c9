#pragma once
/// \file The built-in synthetic image: a dark, noisy background with bright objects of many
/// sizes, so that real negative space exists. Deterministic for a seed, on any machine.

#include <cstdint>

#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::kernels {

/// Renders the rectangle `rect` of the synthetic image `spec` with `seed`. Any rectangle
/// renders exactly the pixels the whole image has there, so ranks can render their own tiles.
/// Uses OpenMP threads over rows.
core::Image render_synthetic(const core::ImageSpec& spec, std::uint64_t seed,
                             const core::Rect& rect);

/// The whole synthetic image.
core::Image make_synthetic(const core::ImageSpec& spec, std::uint64_t seed);

}  // namespace nsperf::kernels
