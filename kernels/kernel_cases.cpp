// The pipeline's kernels, registered with how each is checked. A case takes one tile's inputs
// from the reference pipeline's buffers (so every kernel is checked on realistic data and on the
// same input as its reference) and compares a strategy's output with the reference kernel's
// output on exactly those inputs. One file for all eight: they share the comparison helpers,
// and a new kernel also adds a member to CpuStrategy, which every strategy file implements.
#include <cmath>

#include "nsperf/core/checksum.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/reference.hpp"

namespace nsperf::kernels {
namespace {

template <class To, class From>
core::Plane<To> convert(core::View<const From> in) {
  core::Plane<To> out(in.extent());
  for (std::int64_t y = 0; y < in.height; ++y)
    for (std::int64_t x = 0; x < in.width; ++x) out.view()(x, y) = static_cast<To>(in(x, y));
  return out;
}

template <class T>
core::View<const T> grown_interior(const core::Plane<T>& plane, std::int64_t shrink) {
  const auto e = plane.extent();
  return plane.view().sub(shrink, shrink, e.width - 2 * shrink, e.height - 2 * shrink);
}

double largest_magnitude(const core::Plane<float>& p) {
  double m = 0;
  for (float v : p.values()) m = std::max(m, std::abs(static_cast<double>(v)));
  return m;
}

// float -> float kernels, checked within relative_tolerance x max(1, largest |input|).
class FloatCase final : public KernelCase {
 public:
  using Member = void (CpuStrategy::*)(View<const float>, View<float>);
  FloatCase(core::Plane<float> in, core::Plane<double> reference, double relative_tolerance,
            Member member)
      : in_(std::move(in)),
        reference_(std::move(reference)),
        out_(reference_.extent()),
        member_(member),
        tolerance_(relative_tolerance * std::max(1.0, largest_magnitude(in_))) {}

  void run(CpuStrategy& s) override { (s.*member_)(in_.view(), out_.view()); }

  [[nodiscard]] KernelCheck check() const override {
    KernelCheck c{core::CheckStatus::passed, 0.0, 0, tolerance_};
    const auto out = out_.values();
    const auto ref = reference_.values();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double e = std::abs(static_cast<double>(out[i]) - ref[i]);
      if (!(e <= tolerance_)) ++c.differing;  // NaN counts too
      if (!(e <= c.max_abs_error)) c.max_abs_error = std::isnan(e) ? INFINITY : e;
    }
    if (c.differing > 0) c.status = core::CheckStatus::failed;
    return c;
  }
  [[nodiscard]] std::uint64_t checksum() const override { return core::checksum_of(out_.values()); }
  [[nodiscard]] std::int64_t pixels() const override { return out_.extent().pixels(); }
  [[nodiscard]] std::int64_t bytes() const override {
    return static_cast<std::int64_t>((in_.values().size() + out_.values().size()) * sizeof(float));
  }

 private:
  core::Plane<float> in_;
  core::Plane<double> reference_;
  core::Plane<float> out_;
  Member member_;
  double tolerance_;
};

// Kernels whose output must equal the reference's exactly. `Out` is the output's storage.
template <class Out>
class ExactCase final : public KernelCase {
 public:
  ExactCase(std::function<void(CpuStrategy&, Out&)> run, Out reference, std::int64_t pixels,
            std::int64_t bytes)
      : run_(std::move(run)),
        reference_(std::move(reference)),
        out_(reference_),
        pixels_(pixels),
        bytes_(bytes) {}

  void run(CpuStrategy& s) override { run_(s, out_); }

  [[nodiscard]] KernelCheck check() const override {
    KernelCheck c{core::CheckStatus::passed, 0.0, 0, 0.0};
    const auto out = values(out_);
    const auto ref = values(reference_);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] != ref[i]) {
        ++c.differing;
        c.max_abs_error = std::max(
            c.max_abs_error, std::abs(static_cast<double>(out[i]) - static_cast<double>(ref[i])));
      }
    }
    if (c.differing > 0) c.status = core::CheckStatus::failed;
    return c;
  }
  [[nodiscard]] std::uint64_t checksum() const override { return core::checksum_of(values(out_)); }
  [[nodiscard]] std::int64_t pixels() const override { return pixels_; }
  [[nodiscard]] std::int64_t bytes() const override { return bytes_; }

 private:
  template <class T>
  static std::span<const T> values(const core::Plane<T>& p) {
    return p.values();
  }
  template <class T, std::size_t N>
  static std::span<const T> values(const std::array<T, N>& a) {
    return a;
  }
  static std::span<const std::int64_t> values(const std::int64_t& v) { return {&v, 1}; }
  static std::span<const float> values(const float& v) { return {&v, 1}; }

  std::function<void(CpuStrategy&, Out&)> run_;
  Out reference_;
  Out out_;
  std::int64_t pixels_;
  std::int64_t bytes_;
};

// ---- one factory per kernel --------------------------------------------------------------------

std::unique_ptr<KernelCase> gaussian_case(const TileWork<double>& ref,
                                          const PipelineResult& /*global*/) {
  auto in = convert<float>(ref.input.view());
  core::Plane<double> expected({in.extent().width - 4, in.extent().height - 4});
  gaussian5x5_reference(convert<double>(core::View<const float>(in.view())).view(),
                        expected.view());
  return std::make_unique<FloatCase>(std::move(in), std::move(expected), 1e-5,
                                     &CpuStrategy::gaussian5x5);
}

std::unique_ptr<KernelCase> sobel_case(const TileWork<double>& ref,
                                       const PipelineResult& /*global*/) {
  auto in = convert<float>(ref.blurred.view());
  core::Plane<double> expected({in.extent().width - 2, in.extent().height - 2});
  sobel_magnitude_reference(convert<double>(core::View<const float>(in.view())).view(),
                            expected.view());
  return std::make_unique<FloatCase>(std::move(in), std::move(expected), 5e-5,
                                     &CpuStrategy::sobel_magnitude);
}

std::unique_ptr<KernelCase> maximum_case(const TileWork<double>& ref,
                                         const PipelineResult& /*global*/) {
  auto in = std::make_shared<core::Plane<float>>(convert<float>(grown_interior(ref.magnitude, 2)));
  const float expected = maximum_reference<float>(in->view());
  const auto n = in->extent().pixels();
  return std::make_unique<ExactCase<float>>(
      [in](CpuStrategy& s, float& out) { out = s.maximum(in->view()); }, expected, n,
      n * static_cast<std::int64_t>(sizeof(float)));
}

std::unique_ptr<KernelCase> histogram_case(const TileWork<double>& ref,
                                           const PipelineResult& global) {
  auto in = std::make_shared<core::Plane<float>>(convert<float>(grown_interior(ref.magnitude, 2)));
  const auto scale = static_cast<float>(global.scale);
  Histogram expected{};
  histogram_reference<float>(in->view(), scale, expected);
  const auto n = in->extent().pixels();
  return std::make_unique<ExactCase<Histogram>>(
      [in, scale](CpuStrategy& s, Histogram& out) {
        out.fill(0);
        s.histogram(in->view(), scale, out);
      },
      expected, n, n * static_cast<std::int64_t>(sizeof(float)));
}

std::unique_ptr<KernelCase> mask_case(const TileWork<double>& ref, const PipelineResult& global) {
  auto in = std::make_shared<core::Plane<float>>(convert<float>(ref.magnitude.view()));
  const auto scale = static_cast<float>(global.scale);
  const int threshold = global.threshold;
  core::Plane<std::uint8_t> expected(in->extent());
  background_mask_reference<float>(in->view(), scale, threshold, expected.view());
  const auto n = in->extent().pixels();
  return std::make_unique<ExactCase<core::Plane<std::uint8_t>>>(
      [in, scale, threshold](CpuStrategy& s, core::Plane<std::uint8_t>& out) {
        s.background_mask(in->view(), scale, threshold, out.view());
      },
      std::move(expected), n, n * static_cast<std::int64_t>(sizeof(float) + 1));
}

template <void (CpuStrategy::*Member)(View<const std::uint8_t>, View<std::uint8_t>),
          void (*Reference)(View<const std::uint8_t>, View<std::uint8_t>)>
std::unique_ptr<KernelCase> morphology_case(const core::Plane<std::uint8_t>& source) {
  auto in = std::make_shared<core::Plane<std::uint8_t>>(convert<std::uint8_t>(source.view()));
  core::Plane<std::uint8_t> expected({in->extent().width - 2, in->extent().height - 2});
  Reference(in->view(), expected.view());
  const auto n = expected.extent().pixels();
  return std::make_unique<ExactCase<core::Plane<std::uint8_t>>>(
      [in](CpuStrategy& s, core::Plane<std::uint8_t>& out) { (s.*Member)(in->view(), out.view()); },
      std::move(expected), n, in->extent().pixels() + n);
}

std::unique_ptr<KernelCase> erode_case(const TileWork<double>& ref,
                                       const PipelineResult& /*global*/) {
  return morphology_case<&CpuStrategy::erode3x3, &erode3x3_reference>(ref.mask);
}

std::unique_ptr<KernelCase> dilate_case(const TileWork<double>& ref,
                                        const PipelineResult& /*global*/) {
  return morphology_case<&CpuStrategy::dilate3x3, &dilate3x3_reference>(ref.eroded);
}

std::unique_ptr<KernelCase> count_case(const TileWork<double>& ref,
                                       const PipelineResult& /*global*/) {
  auto in = std::make_shared<core::Plane<std::uint8_t>>(convert<std::uint8_t>(ref.opened.view()));
  const std::int64_t expected = count_nonzero_reference(in->view());
  const auto n = in->extent().pixels();
  return std::make_unique<ExactCase<std::int64_t>>(
      [in](CpuStrategy& s, std::int64_t& out) { out = s.count_nonzero(in->view()); }, expected, n,
      n);
}

}  // namespace

// float32 keeps ~7 significant digits; a 5x5 blur sums ten rounded terms per pixel and a Sobel
// magnitude up to twelve terms of up to 4x the input, hence their budgets.
NSPERF_REGISTER_KERNEL(Gaussian5x5, "gaussian5x5", 1,
                       "Gaussian blur 5x5, sigma 1 (separable), border reflect-101", 2,
                       CheckKind::tolerance, 1e-5, &gaussian_case)
NSPERF_REGISTER_KERNEL(Sobel, "sobel_magnitude", 2,
                       "Sobel 3x3 gradient magnitude sqrt(gx^2+gy^2), border reflect-101", 1,
                       CheckKind::tolerance, 5e-5, &sobel_case)
NSPERF_REGISTER_KERNEL(Maximum, "maximum", 3,
                       "largest magnitude of the tile (for the global histogram range)", 0,
                       CheckKind::exact, 0.0, &maximum_case)
NSPERF_REGISTER_KERNEL(Histogram, "histogram", 4,
                       "256-bin histogram of the magnitudes over [0, global max]", 0,
                       CheckKind::exact, 0.0, &histogram_case)
NSPERF_REGISTER_KERNEL(Mask, "background_mask", 5,
                       "background = magnitude bin <= global Otsu threshold", 0, CheckKind::exact,
                       0.0, &mask_case)
NSPERF_REGISTER_KERNEL(Erode, "erode3x3", 6,
                       "binary erosion 3x3 (first half of the opening), border reflect-101", 1,
                       CheckKind::exact, 0.0, &erode_case)
NSPERF_REGISTER_KERNEL(Dilate, "dilate3x3", 7,
                       "binary dilation 3x3 (second half of the opening), border reflect-101", 1,
                       CheckKind::exact, 0.0, &dilate_case)
NSPERF_REGISTER_KERNEL(Count, "count_nonzero", 8,
                       "background pixels of the opened mask (negative-space fraction)", 0,
                       CheckKind::exact, 0.0, &count_case)

}  // namespace nsperf::kernels
