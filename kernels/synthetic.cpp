#include "nsperf/kernels/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "nsperf/core/error.hpp"

namespace nsperf::kernels {

// A bright ellipse with a soft edge.
struct SyntheticObject {
  double cx, cy;  // centre
  double rx, ry;  // semi-axes
  double cos_t, sin_t;
  float brightness;
  std::int64_t x0, y0, x1, y1;  // bounding box, inclusive-exclusive
};

namespace {

// Own generator rather than <random>: the standard distributions are implementation-defined,
// and the same seed must give the same image with every standard library.
constexpr std::uint64_t mix(std::uint64_t z) noexcept {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr double unit(std::uint64_t bits) noexcept {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;  // [0, 1)
}

class Sequence {
 public:
  explicit Sequence(std::uint64_t seed) : state_(mix(seed ^ 0x5eedULL)) {}
  double next() noexcept { return unit(mix(state_++)); }

 private:
  std::uint64_t state_;
};

using Object = SyntheticObject;

constexpr double kBackground = 0.06;  // mean background level (of full scale)
constexpr double kNoise = 0.02;       // its noise, about one standard deviation
constexpr double kCoverage = 0.35;    // summed object area over image area
constexpr std::int64_t kBand = 64;    // rows per bucket of objects

std::vector<Object> make_objects(core::Extent e, std::uint64_t seed) {
  Sequence rng(seed);
  const double r_min = 1.5;
  const double r_max = std::max(3.0, static_cast<double>(std::min(e.width, e.height)) / 10.0);
  const double budget = kCoverage * static_cast<double>(e.width) * static_cast<double>(e.height);
  std::vector<Object> objects;
  for (double area = 0; area < budget;) {
    // Many small objects, few large ones: r = r_min (r_max / r_min)^(u^3).
    const double u = rng.next();
    const double r = r_min * std::pow(r_max / r_min, u * u * u);
    const double aspect = 0.4 + 0.6 * rng.next();
    const double theta = 3.141592653589793 * rng.next();
    Object o{};
    o.cx = rng.next() * static_cast<double>(e.width);
    o.cy = rng.next() * static_cast<double>(e.height);
    o.rx = r;
    o.ry = r * aspect;
    o.cos_t = std::cos(theta);
    o.sin_t = std::sin(theta);
    o.brightness = static_cast<float>(0.45 + 0.45 * rng.next());
    const double reach = r + 1.5;
    o.x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(o.cx - reach)));
    o.y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(o.cy - reach)));
    o.x1 = std::min<std::int64_t>(e.width, static_cast<std::int64_t>(std::ceil(o.cx + reach)) + 1);
    o.y1 = std::min<std::int64_t>(e.height, static_cast<std::int64_t>(std::ceil(o.cy + reach)) + 1);
    objects.push_back(o);
    area += 3.141592653589793 * o.rx * o.ry;
  }
  return objects;
}

// Contribution of `o` at pixel centre (x, y): full brightness inside, a linear ramp about one
// pixel wide across the edge.
[[gnu::always_inline]] inline float coverage(const Object& o, std::int64_t x, std::int64_t y) {
  const double dx = static_cast<double>(x) + 0.5 - o.cx;
  const double dy = static_cast<double>(y) + 0.5 - o.cy;
  const double u = (dx * o.cos_t + dy * o.sin_t) / o.rx;
  const double v = (-dx * o.sin_t + dy * o.cos_t) / o.ry;
  const double d = std::sqrt(u * u + v * v);  // 1 on the edge
  const double edge_px = (d - 1.0) * o.ry;    // distance outside, roughly in pixels
  const double t = std::clamp(0.5 - edge_px, 0.0, 1.0);
  return static_cast<float>(t) * o.brightness;
}

[[gnu::always_inline]] inline double background(std::uint64_t seed, core::Extent e, std::int64_t x,
                                                std::int64_t y) {
  // Four uniforms summed approximate a normal; a gentle gradient mimics uneven illumination.
  const std::uint64_t h =
      mix(seed ^ mix(static_cast<std::uint64_t>(x) | (static_cast<std::uint64_t>(y) << 32)));
  const double n = (unit(mix(h)) + unit(mix(h + 1)) + unit(mix(h + 2)) + unit(mix(h + 3)) - 2.0) *
                   std::sqrt(3.0);
  const double gradient = 0.02 * (static_cast<double>(x) / static_cast<double>(e.width) - 0.5);
  return kBackground + gradient + kNoise * n;
}

template <class T>
T quantize(double v) {
  v = std::clamp(v, 0.0, 1.0);
  if constexpr (std::is_same_v<T, float>) {
    return static_cast<float>(v);
  } else {
    constexpr double kFull = static_cast<double>(std::numeric_limits<T>::max());
    // std::lround for a value in [0, kFull], without its library call: the fraction of a
    // non-negative double below 2^52 is exact, so this rounds half away from zero as lround does.
    const double x = v * kFull;
    const auto whole = static_cast<std::int64_t>(x);
    return static_cast<T>(whole + (x - static_cast<double>(whole) >= 0.5 ? 1 : 0));
  }
}

template <class T>
void render_rows(core::View<T> out, const core::ImageSpec& spec, std::uint64_t seed,
                 const core::Rect& rect, const std::vector<Object>& objects,
                 const std::vector<std::vector<std::uint32_t>>& bands, std::int64_t empty_from) {
  const core::Extent e = spec.extent;
#pragma omp parallel
  {
    std::vector<float> acc(static_cast<std::size_t>(rect.width));
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t ry = 0; ry < rect.height; ++ry) {
      const std::int64_t y = rect.y + ry;
      T* row = out.row(ry);
      if (y >= empty_from) {
        std::fill(row, row + rect.width, quantize<T>(kBackground));
        continue;
      }
      std::fill(acc.begin(), acc.end(), 0.0f);
      // Objects are added in index order, so a pixel's value does not depend on the rectangle.
      for (std::uint32_t i : bands[static_cast<std::size_t>(y / kBand)]) {
        const Object& o = objects[i];
        if (y < o.y0 || y >= o.y1) continue;
        const std::int64_t x0 = std::max(o.x0, rect.x);
        const std::int64_t x1 = std::min(o.x1, rect.x + rect.width);
        for (std::int64_t x = x0; x < x1; ++x) {
          acc[static_cast<std::size_t>(x - rect.x)] += coverage(o, x, y);
        }
      }
      for (std::int64_t rx = 0; rx < rect.width; ++rx) {
        row[rx] =
            quantize<T>(background(seed, e, rect.x + rx, y) + acc[static_cast<std::size_t>(rx)]);
      }
    }
  }
}

}  // namespace

std::int64_t first_empty_row(core::Extent extent, int skew_percent) {
  return extent.height - extent.height * std::clamp(skew_percent, 0, 99) / 100;
}

SyntheticImage::SyntheticImage(const core::ImageSpec& spec, std::uint64_t seed, int skew_percent)
    : spec_(spec), seed_(seed), empty_from_(first_empty_row(spec.extent, skew_percent)) {
  // Objects fill the rows above the empty part, as densely as they fill an unskewed image.
  objects_ = make_objects({spec.extent.width, empty_from_}, seed);
  bands_.resize(static_cast<std::size_t>((spec.extent.height + kBand - 1) / kBand));
  for (std::size_t i = 0; i < objects_.size(); ++i) {
    const auto& o = objects_[i];
    for (std::int64_t b = o.y0 / kBand; b <= (o.y1 - 1) / kBand; ++b)
      bands_[static_cast<std::size_t>(b)].push_back(static_cast<std::uint32_t>(i));
  }
}

SyntheticImage::~SyntheticImage() = default;

core::Image SyntheticImage::render(const core::Rect& rect) const {
  const core::Extent e = spec_.extent;
  if (rect.x < 0 || rect.y < 0 || rect.width < 1 || rect.height < 1 ||
      rect.x + rect.width > e.width || rect.y + rect.height > e.height) {
    throw InputError("synthetic image: rectangle is not inside the " + core::to_string(spec_) +
                     " image");
  }
  // The bands' objects that reach the rectangle's columns, once per band rather than per row.
  std::vector<std::vector<std::uint32_t>> bands(bands_.size());
  for (std::int64_t b = rect.y / kBand; b <= (rect.y + rect.height - 1) / kBand; ++b) {
    for (std::uint32_t i : bands_[static_cast<std::size_t>(b)]) {
      const auto& o = objects_[i];
      if (o.x1 > rect.x && o.x0 < rect.x + rect.width)
        bands[static_cast<std::size_t>(b)].push_back(i);
    }
  }
  core::Image image({rect.width, rect.height}, spec_.dtype);
  switch (spec_.dtype) {
    case core::DType::u8:
      render_rows(image.view<std::uint8_t>(), spec_, seed_, rect, objects_, bands, empty_from_);
      break;
    case core::DType::u16:
      render_rows(image.view<std::uint16_t>(), spec_, seed_, rect, objects_, bands, empty_from_);
      break;
    case core::DType::f32:
      render_rows(image.view<float>(), spec_, seed_, rect, objects_, bands, empty_from_);
      break;
  }
  return image;
}

core::Image render_synthetic(const core::ImageSpec& spec, std::uint64_t seed,
                             const core::Rect& rect, int skew_percent) {
  return SyntheticImage(spec, seed, skew_percent).render(rect);
}

core::Image make_synthetic(const core::ImageSpec& spec, std::uint64_t seed, int skew_percent) {
  return render_synthetic(spec, seed, {0, 0, spec.extent.width, spec.extent.height}, skew_percent);
}

}  // namespace nsperf::kernels
