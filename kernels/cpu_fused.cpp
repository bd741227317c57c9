// CPU strategy "fused": the kernels of "blocked", and each stage of the pipeline in one pass
// over bands of rows. Stage A streams input rows into a ring of three blurred rows and writes
// the magnitude; stage B computes mask rows on the fly into a ring of three eroded rows and
// writes the opened mask. The blurred, mask and eroded planes never exist: their rows live in
// L1/L2 for the few microseconds they are needed.
//
// Rows and columns outside the image are the reflect-101 copies of rows and columns inside it
// (see pipeline.hpp). A row outside is computed as the row it reflects, so every value is what
// the unfused pipeline computes, bit for bit.
#include "rows_simd.hpp"

namespace nsperf::kernels {
namespace {

// Replaces the values of `row` (covering image columns [x0, x0 + n)) that lie outside an image
// `width` wide with their reflect-101 copies.
template <class T>
void reflect_columns(T* row, std::int64_t x0, std::int64_t n, std::int64_t width) {
  for (std::int64_t x = 0; x < n && x0 + x < 0; ++x)
    row[x] = row[core::reflect101(x0 + x, width) - x0];
  for (std::int64_t x = std::max<std::int64_t>(0, width - x0); x < n; ++x) {
    row[x] = row[core::reflect101(x0 + x, width) - x0];
  }
}

// A ring of three rows of a window, keyed by window row: consecutive rows land in distinct
// slots, so the three a 3x3 kernel reads are all present at once.
template <class T>
class Ring {
 public:
  explicit Ring(std::int64_t width) : width_(width), data_(static_cast<std::size_t>(3 * width)) {}
  // The slot for window row `r` and whether it already holds it.
  std::pair<T*, bool> slot(std::int64_t r) {
    const auto s = static_cast<std::size_t>(r % 3);
    const bool held = key_[s] == r;
    key_[s] = r;
    return {data_.data() + static_cast<std::int64_t>(s) * width_, held};
  }

 private:
  std::int64_t width_;
  std::vector<T> data_;
  std::int64_t key_[3] = {-1, -1, -1};
};

class FusedStrategy final : public SimdCpu {
 public:
  static constexpr bool kThreaded = true;  // uses CpuOptions::threads
  explicit FusedStrategy(const CpuOptions& options)
      : SimdCpu(options.threads, /*row_fused_gaussian=*/true) {}

  void stage_a(TileWork<float>& t) override {
    const core::Rect bwin = t.window(3);
    const core::Rect mwin = t.window(2);
    const auto in = t.input.view();
    const auto mag = t.magnitude.view();
    const rows::GaussianWeights g;
    std::vector<float> best(static_cast<std::size_t>(threads()), 0.0f);
    detail::for_bands(threads(), mag.height, [&](std::int64_t y0, std::int64_t y1, int tid) {
      Ring<float> blurred(bwin.width);
      std::vector<float> column(static_cast<std::size_t>(in.width));
      // Blurred window row b, computed from the input rows around the row it stands for.
      auto blurred_row = [&](std::int64_t b) -> const float* {
        auto [row, held] = blurred.slot(b);
        if (held) return row;
        const std::int64_t src = core::reflect101(bwin.y + b, t.image.height) - bwin.y;
        if (src + 5 < in.height) rows::prefetch_row(in.row(src + 5), in.width);
        const float* r[5] = {in.row(src), in.row(src + 1), in.row(src + 2), in.row(src + 3),
                             in.row(src + 4)};
        rows::gaussian_vertical(r, column.data(), in.width, g);
        rows::gaussian_horizontal(column.data(), row, bwin.width, g);
        reflect_columns(row, bwin.x, bwin.width, t.image.width);
        return row;
      };
      float m = 0;
      for (std::int64_t y = y0; y < y1; ++y) {
        const std::int64_t src = core::reflect101(mwin.y + y, t.image.height) - mwin.y;
        const float* b0 = blurred_row(src);
        const float* b1 = blurred_row(src + 1);
        const float* b2 = blurred_row(src + 2);
        rows::sobel(b0, b1, b2, mag.row(y), mag.width);
        reflect_columns(mag.row(y), mwin.x, mag.width, t.image.width);
        if (y >= 2 && y < mag.height - 2) m = rows::maximum(mag.row(y) + 2, t.rect.width, m);
      }
      best[static_cast<std::size_t>(tid)] = m;
    });
    float m = 0;
    for (float b : best) m = b > m ? b : m;
    t.max_magnitude = m;
  }

  void stage_b(TileWork<float>& t, float scale, int threshold) override {
    const core::Rect ewin = t.window(1);
    const auto mag = t.magnitude.view();
    const auto opened = t.opened.view();
    const float limit = rows::mask_limit(threshold);
    std::vector<std::int64_t> count(static_cast<std::size_t>(threads()), 0);
    detail::for_bands(threads(), opened.height, [&](std::int64_t y0, std::int64_t y1, int tid) {
      Ring<std::uint8_t> eroded(ewin.width);
      Ring<std::uint8_t> masks(mag.width);
      std::vector<std::uint8_t> column(static_cast<std::size_t>(mag.width));
      // Mask window row k, made from the magnitude on the fly, once.
      auto mask_row = [&](std::int64_t k) -> const std::uint8_t* {
        auto [row, held] = masks.slot(k);
        if (!held) rows::mask(mag.row(k), scale, limit, row, mag.width);
        return row;
      };
      // Eroded window row e, from the mask rows of the row it stands for.
      auto eroded_row = [&](std::int64_t e) -> const std::uint8_t* {
        auto [row, held] = eroded.slot(e);
        if (held) return row;
        const std::int64_t src = core::reflect101(ewin.y + e, t.image.height) - ewin.y;
        const std::uint8_t* m0 = mask_row(src);
        const std::uint8_t* m1 = mask_row(src + 1);
        const std::uint8_t* m2 = mask_row(src + 2);
        rows::morphology<true>(m0, m1, m2, column.data(), row, ewin.width);
        reflect_columns(row, ewin.x, ewin.width, t.image.width);
        return row;
      };
      std::int64_t n = 0;
      for (std::int64_t y = y0; y < y1; ++y) {
        const std::uint8_t* e0 = eroded_row(y);
        const std::uint8_t* e1 = eroded_row(y + 1);
        const std::uint8_t* e2 = eroded_row(y + 2);
        rows::morphology<false>(e0, e1, e2, column.data(), opened.row(y), opened.width);
        n += rows::count(opened.row(y), opened.width);
      }
      count[static_cast<std::size_t>(tid)] = n;
    });
    t.background = 0;
    for (auto c : count) t.background += c;
  }
};

}  // namespace

NSPERF_REGISTER_CPU_STRATEGY(FusedStrategy, "fused",
                             "\"blocked\" kernels, each pipeline stage one pass over row bands "
                             "(no blurred, mask or eroded planes)",
                             /*baseline=*/false, balanced)

}  // namespace nsperf::kernels
