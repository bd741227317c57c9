#pragma once
/// \file The CPU optimizer's strategies and the kernels they implement.
///
/// A CPU strategy is one way of computing every kernel of the workload (one thread, OpenMP,
/// SIMD, …): a class deriving from CpuStrategy, in one file, registered by name. A kernel is
/// one step of the workload: a plain double-precision reference (the oracle) and a
/// CpuStrategy member that every strategy implements, registered with NSPERF_REGISTER_KERNEL.
///
/// Kernels work on one tile at a time. `in` carries `halo` pixels of context on every side of
/// `out` (reflect-101 beyond the image border, filled by core::extract_padded), so a tiled result
/// equals the whole-image result exactly.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "nsperf/core/image.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/strategy.hpp"

namespace nsperf::kernels {

template <class T>
using View = core::View<T>;

/// Options every CPU strategy is made with.
struct CpuOptions {
  int threads = 0;  ///< OpenMP threads for multi-threaded strategies; 0 = OpenMP's default
};

/// One way of computing the workload's kernels on the CPU.
class CpuStrategy {
 public:
  virtual ~CpuStrategy() = default;
  /// Gaussian blur 5x5, sigma 1, in float32. `in` is `out` plus 2 pixels on every side.
  virtual void gaussian5x5(View<const float> in, View<float> out) = 0;
};

/// A registered CPU strategy: its description lives in core::strategy_catalog().
struct CpuStrategyEntry {
  std::string name;
  std::function<std::unique_ptr<CpuStrategy>(const CpuOptions&)> make;
};

/// Every CPU strategy.
core::Registry<CpuStrategyEntry>& cpu_strategies();

/// A step of the workload.
struct KernelInfo {
  std::string name;         ///< registry key and results name, e.g. "gaussian5x5"
  std::string description;  ///< one line, including the border rule
  std::int64_t halo = 0;    ///< pixels of context needed on every side
  /// A strategy's output may differ from the reference by at most this times
  /// max(1, largest |input| of the tile): the float32 rounding budget of the kernel.
  double relative_tolerance = 0;
  /// The oracle: plain loops in double precision. `in` is `out` plus `halo` on every side.
  void (*reference)(View<const double> in, View<double> out) = nullptr;
  /// The member every strategy implements.
  void (CpuStrategy::*run)(View<const float> in, View<float> out) = nullptr;
};

/// Every kernel.
core::Registry<KernelInfo>& kernel_registry();

namespace detail {
bool register_cpu_strategy(core::StrategyInfo info, CpuStrategyEntry entry);
bool register_kernel(KernelInfo info);
}  // namespace detail

}  // namespace nsperf::kernels

/// Registers `Class` (a CpuStrategy constructible from CpuOptions) as CPU strategy `name`.
/// `level` is the lowest optimization_level whose preset runs it; `baseline` marks the one
/// strategy every other is compared with.
#define NSPERF_REGISTER_CPU_STRATEGY(Class, name, description, baseline, level) \
  namespace {                                                                   \
  [[maybe_unused]] const bool nsperf_registered_##Class =                       \
      ::nsperf::kernels::detail::register_cpu_strategy(                         \
          {name, "cpu", description, baseline, level},                          \
          {name,                                                                \
           [](const ::nsperf::kernels::CpuOptions& o)                           \
               -> std::unique_ptr<::nsperf::kernels::CpuStrategy> {             \
             return std::make_unique<Class>(o);                                 \
           }});                                                                 \
  }

/// Registers a kernel: its name, description, halo, relative tolerance, reference function
/// and the CpuStrategy member that computes it.
#define NSPERF_REGISTER_KERNEL(Id, name, description, halo, tolerance, reference, member) \
  namespace {                                                                             \
  [[maybe_unused]] const bool nsperf_registered_kernel_##Id =                             \
      ::nsperf::kernels::detail::register_kernel(                                         \
          {name, description, halo, tolerance, reference, member});                       \
  }
