#pragma once
/// \file The pipeline as the memory optimizer runs it: the same stages as pipeline.hpp, with
/// every plane stored in a chosen type and every buffer drawn from Buffers, so strategies differ
/// only in how much memory they hold and how they get it.
///
/// Storage float64 and float32 compute in that type. Storage uint16 needs an integer image: it
/// keeps values in fixed point (u8 images x256, u16 images x1; magnitudes at 1/8 of that
/// scale so 4 sqrt 2 x full scale fits) and computes in float32 between loads and stores.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "nsperf/core/image.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/tile_plan.hpp"
#include "nsperf/kernels/buffers.hpp"
#include "nsperf/kernels/pipeline.hpp"

namespace nsperf::kernels {

/// The type planes are stored in.
enum class Storage : std::uint8_t { float64, float32, uint16 };

/// How a memory strategy holds the pipeline's data.
struct MemoryPlan {
  Storage storage = Storage::float64;
  bool pooled = false;  ///< buffers kept and reused (else allocated per tile)
  bool compressed =
      false;  ///< tiles waiting for stage A held zstd-compressed (else in storage type)
};

/// A registered memory strategy: its description lives in core::strategy_catalog().
struct MemoryStrategyEntry {
  std::string name;
  MemoryPlan plan;
};

/// Every memory strategy.
core::Registry<MemoryStrategyEntry>& memory_strategies();

/// Whether `plan` can run on an image of `dtype` (uint16 storage needs an integer image).
bool plan_supports(const MemoryPlan& plan, core::DType dtype) noexcept;

/// The largest error of a magnitude under `plan` for an image whose largest |value| is
/// `largest`: float rounding, plus fixed-point rounding for uint16 storage.
double magnitude_tolerance(const MemoryPlan& plan, core::DType dtype, double largest) noexcept;

/// One tile's opened mask, seen once before its buffer is given back.
using OpenedSink = std::function<void(std::size_t tile, core::View<const std::uint8_t> opened)>;

/// What one run held.
struct MemoryRunStats {
  std::int64_t queued_bytes = 0;  ///< the queue of tiles as held (compressed or in storage type)
  std::int64_t raw_bytes = 0;     ///< the same tiles in the image's own type
};

/// Runs the pipeline over `tiles` (each padded by kPipelineHalo, as distributed) under `plan`,
/// `threads` OpenMP threads per kernel. Tiles first enter the queue (converted or compressed),
/// then stage A, the global maximum and histogram (collective through `reduce`), stage B.
/// `sink` sees each tile's opened mask. Every buffer comes from `buffers`.
PipelineResult run_memory_pipeline(const MemoryPlan& plan,
                                   std::span<const core::Image* const> tiles,
                                   std::span<const core::Rect> rects, core::Extent image,
                                   int threads, Reduce& reduce, Buffers& buffers,
                                   const OpenedSink& sink, MemoryRunStats& stats);

}  // namespace nsperf::kernels

/// Registers memory strategy `name` with its plan: storage (float64, float32, uint16), whether
/// buffers are pooled, whether queued tiles are compressed.
#define NSPERF_REGISTER_MEMORY_STRATEGY(Id, name, description, baseline, level, storage, pooled, \
                                        compressed)                                              \
  namespace {                                                                                    \
  [[maybe_unused]] const bool nsperf_registered_memory_##Id = ::nsperf::core::register_strategy( \
      ::nsperf::kernels::memory_strategies(),                                                    \
      {name, "memory", description, baseline, ::nsperf::core::Level::level},                     \
      {name, {::nsperf::kernels::Storage::storage, pooled, compressed}});                        \
  }
