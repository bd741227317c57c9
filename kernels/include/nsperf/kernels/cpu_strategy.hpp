#pragma once
/// \file The CPU optimizer's strategies and the kernels they implement.
///
/// A CPU strategy is one way of computing every kernel of the pipeline (one thread, threads,
/// vectorized, cache-blocked, fused): a class deriving from CpuStrategy, in one file,
/// registered by name with NSPERF_REGISTER_CPU_STRATEGY. It implements every kernel; it may
/// also override the stages, which by default chain the kernels (see pipeline.hpp).
///
/// A kernel is registered with NSPERF_REGISTER_KERNEL together with how to check it: its
/// reference (reference.hpp) and a KernelCase factory that builds one tile's inputs from the
/// reference pipeline and compares a strategy's output with the reference's, exactly or within
/// a stated tolerance. Tests and the CPU optimizer walk this registry.
///
/// Kernels are "valid" mode: `in` carries the kernel's reach on every side of `out`. They work
/// in float32; masks are bytes, 1 = background.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "nsperf/core/image.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/kernels/pipeline.hpp"

namespace nsperf::kernels {

template <class T>
using View = core::View<T>;

/// Options every CPU strategy is made with.
struct CpuOptions {
  int threads = 1;  ///< OpenMP threads for multi-threaded strategies (at least 1)
};

/// One way of computing the pipeline's kernels on the CPU.
class CpuStrategy {
 public:
  virtual ~CpuStrategy() = default;

  // ---- kernels -------------------------------------------------------------------------------
  /// Gaussian blur 5x5, sigma 1. `in` = `out` + 2 on every side.
  virtual void gaussian5x5(View<const float> in, View<float> out) = 0;
  /// Sobel gradient magnitude sqrt(gx^2 + gy^2). `in` = `out` + 1 on every side.
  virtual void sobel_magnitude(View<const float> in, View<float> out) = 0;
  /// Largest value, ignoring NaN (0 for none).
  virtual float maximum(View<const float> in) = 0;
  /// Adds every value's histogram_bin to `histogram`.
  virtual void histogram(View<const float> magnitude, float scale, Histogram& histogram) = 0;
  /// 1 where histogram_bin(value) <= threshold, else 0 (NaN: 0).
  virtual void background_mask(View<const float> magnitude, float scale, int threshold,
                               View<std::uint8_t> mask) = 0;
  /// Minimum of the 3x3 neighbours. `in` = `out` + 1 on every side.
  virtual void erode3x3(View<const std::uint8_t> in, View<std::uint8_t> out) = 0;
  /// Maximum of the 3x3 neighbours. `in` = `out` + 1 on every side.
  virtual void dilate3x3(View<const std::uint8_t> in, View<std::uint8_t> out) = 0;
  /// Pixels that are not 0.
  virtual std::int64_t count_nonzero(View<const std::uint8_t> in) = 0;

  // ---- stages: the defaults chain the kernels; a strategy may fuse them
  // --------------------------
  /// input -> blurred -> magnitude over the tile's window (rect + 2), values outside the image
  /// reflected; sets t.max_magnitude (over the tile's own pixels).
  virtual void stage_a(TileWork<float>& t);
  /// Histogram of the tile's own magnitudes into t.histogram (cleared first).
  virtual void stage_histogram(TileWork<float>& t, float scale);
  /// magnitude -> mask -> eroded -> opened (rect); sets t.background.
  virtual void stage_b(TileWork<float>& t, float scale, int threshold);
};

/// A registered CPU strategy: its description lives in core::strategy_catalog().
struct CpuStrategyEntry {
  std::string name;
  std::function<std::unique_ptr<CpuStrategy>(const CpuOptions&)> make;
  /// Whether it uses CpuOptions::threads (the class's kThreaded): `nsperf tune` varies the
  /// threads only for these.
  bool threaded = false;
};

/// Every CPU strategy.
core::Registry<CpuStrategyEntry>& cpu_strategies();

/// A strategy's output against the reference's.
struct KernelCheck {
  core::CheckStatus status = core::CheckStatus::not_checked;
  double max_abs_error = 0;    ///< largest |difference| (0 for exact kernels that match)
  std::int64_t differing = 0;  ///< output values that differ at all
  double tolerance = 0;        ///< largest error accepted (0 = exact)
};

/// One tile's inputs for one kernel, the reference's output on the same inputs, and room for a
/// strategy's output.
class KernelCase {
 public:
  virtual ~KernelCase() = default;
  /// The timed call: `strategy`'s kernel on the prepared inputs.
  virtual void run(CpuStrategy& strategy) = 0;
  /// The last run's output against the reference.
  [[nodiscard]] virtual KernelCheck check() const = 0;
  /// Hash of the last run's output.
  [[nodiscard]] virtual std::uint64_t checksum() const = 0;
  /// Output values one run produces.
  [[nodiscard]] virtual std::int64_t pixels() const = 0;
  /// Bytes one run reads and writes.
  [[nodiscard]] virtual std::int64_t bytes() const = 0;
};

/// How a kernel's output is compared with the reference's.
enum class CheckKind : std::uint8_t {
  exact,      ///< integer math, or the same float operations: must match bit for bit
  tolerance,  ///< float32 against double: within relative_tolerance x max(1, largest |input|)
};

/// A kernel of the pipeline.
struct KernelInfo {
  std::string name;         ///< registry key and results name, e.g. "gaussian5x5"
  int position = 0;         ///< where it runs in the pipeline (kernels are listed in this order)
  std::string description;  ///< one line, including the border rule
  std::int64_t halo = 0;    ///< reach of the kernel on every side
  CheckKind check = CheckKind::exact;
  double relative_tolerance = 0;
  /// One tile's case, its inputs taken from the reference pipeline's buffers for that tile.
  std::unique_ptr<KernelCase> (*make_case)(const TileWork<double>& reference,
                                           const PipelineResult& global) = nullptr;
};

/// Every kernel.
core::Registry<KernelInfo>& kernel_registry();

/// Every kernel in pipeline order.
std::vector<const KernelInfo*> kernels_in_pipeline_order();

namespace detail {
bool register_kernel(KernelInfo info);
}  // namespace detail

}  // namespace nsperf::kernels

/// Registers `Class` (a CpuStrategy constructible from CpuOptions) as CPU strategy `name`.
/// `level` is the lowest optimization_level whose preset runs it; `baseline` marks the one
/// strategy every other is compared with.
#define NSPERF_REGISTER_CPU_STRATEGY(Class, name, description, baseline, level)              \
  namespace {                                                                                \
  [[maybe_unused]] const bool nsperf_registered_##Class = ::nsperf::core::register_strategy( \
      ::nsperf::kernels::cpu_strategies(),                                                   \
      {name, "cpu", description, baseline, ::nsperf::core::Level::level},                    \
      {name,                                                                                 \
       [](const ::nsperf::kernels::CpuOptions& o)                                            \
           -> std::unique_ptr<::nsperf::kernels::CpuStrategy> {                              \
         return std::make_unique<Class>(o);                                                  \
       },                                                                                    \
       Class::kThreaded});                                                                   \
  }

/// Registers a kernel: its KernelInfo fields after the identifier.
#define NSPERF_REGISTER_KERNEL(Id, ...)                          \
  namespace {                                                    \
  [[maybe_unused]] const bool nsperf_registered_kernel_##Id =    \
      ::nsperf::kernels::detail::register_kernel({__VA_ARGS__}); \
  }
