#pragma once
/// \file The built-in synthetic image: a dark, noisy background with bright objects of many
/// sizes, so that real negative space exists. Deterministic for a seed, on any machine.

#include <cstdint>
#include <vector>

#include "nsperf/core/image.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace nsperf::kernels {

/// Renders the rectangle `rect` of the synthetic image `spec` with `seed`. Any rectangle
/// renders exactly the pixels the whole image has there, so ranks can render their own tiles.
/// Uses OpenMP threads over rows. `skew_percent` (0-99) of the image's rows, at the bottom, are
/// empty: one constant level, no noise, no objects (the objects fill the rows above).
core::Image render_synthetic(const core::ImageSpec& spec, std::uint64_t seed,
                             const core::Rect& rect, int skew_percent = 0);

struct SyntheticObject;

/// The synthetic image `spec` with `seed`, its objects placed once, to render many rectangles
/// (a rank's tiles) without placing them again. Any rectangle renders exactly the pixels the
/// whole image has there.
class SyntheticImage {
 public:
  SyntheticImage(const core::ImageSpec& spec, std::uint64_t seed, int skew_percent = 0);
  ~SyntheticImage();
  SyntheticImage(SyntheticImage&&) noexcept = default;
  SyntheticImage& operator=(SyntheticImage&&) noexcept = default;
  /// The pixels of `rect`, which must lie inside the image (InputError otherwise). Uses OpenMP
  /// threads over rows.
  [[nodiscard]] core::Image render(const core::Rect& rect) const;
  [[nodiscard]] const core::ImageSpec& spec() const noexcept { return spec_; }

 private:
  core::ImageSpec spec_;
  std::uint64_t seed_ = 0;
  std::int64_t empty_from_ = 0;
  std::vector<SyntheticObject> objects_;
  std::vector<std::vector<std::uint32_t>> bands_;  ///< object ids per band of rows
};

/// The whole synthetic image.
core::Image make_synthetic(const core::ImageSpec& spec, std::uint64_t seed, int skew_percent = 0);

/// The first empty row of `extent` with `skew_percent` (extent.height when none is empty).
std::int64_t first_empty_row(core::Extent extent, int skew_percent);

}  // namespace nsperf::kernels
