// The pipeline on chosen storage, drawing every buffer from Buffers (see memory_pipeline.hpp).
// Loops are plain and vectorizable; they are the same for every storage type, so strategies
// differ in the memory they hold, not in how clever their loops are.
#include "nsperf/kernels/memory_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "bands.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/kernels/reference.hpp"

namespace nsperf::kernels {
namespace {

template <class T>
using View = core::View<T>;

// Buffer slots: what a tile holds across the global reductions has a slot per tile; scratch
// planes share one slot per role when pooled (a tile is done with them before the next starts).
enum Role : std::size_t { kQueue, kInput, kBlurred, kMagnitude, kMask, kEroded, kOpened, kRoles };

std::size_t slot_of(std::size_t tile, Role role, bool pooled) {
  const bool held = role == kQueue || role == kMagnitude;
  return held || !pooled ? tile * kRoles + role : (std::size_t{1} << 40) + role;
}

core::Extent extent_of(const core::Rect& r) { return {r.width, r.height}; }

core::Rect grown(const core::Rect& r, std::int64_t g) {
  return {r.x - g, r.y - g, r.width + 2 * g, r.height + 2 * g};
}

template <class T>
View<T> plane(Buffers& buffers, std::size_t slot, core::Extent e) {
  auto bytes = buffers.get(slot, static_cast<std::size_t>(e.pixels()) * sizeof(T));
  return {reinterpret_cast<T*>(bytes.data()), e.width, e.height, e.width};
}

// Values as stored (S) and as computed (W): float64 computes in double, the others in float;
// uint16 rounds to nearest on store.
template <class S>
struct Codec {
  using W = std::conditional_t<std::is_same_v<S, double>, double, float>;
  static W load(S v) { return static_cast<W>(v); }
  static S store(W v) {
    if constexpr (std::is_same_v<S, std::uint16_t>) {
      const W r = v + W(0.5);
      return static_cast<S>(r < W(65535) ? (r > W(0) ? r : W(0)) : W(65535));
    } else {
      return static_cast<S>(v);
    }
  }
};

// Fixed-point scales of uint16 storage: inputs and blurred values are stored x input_scale,
// magnitudes x input_scale / 8. Float storage keeps real units.
struct Scales {
  double input = 1;
  double magnitude = 1;
};

Scales scales_of(Storage storage, core::DType dtype) {
  if (storage != Storage::uint16) return {};
  const double input = dtype == core::DType::u8 ? 256.0 : 1.0;
  return {input, input / 8.0};
}

template <class S, class Raw>
void to_storage(View<const Raw> raw, View<S> out, double scale, int threads) {
  using W = typename Codec<S>::W;
  const auto k = static_cast<W>(scale);
  detail::for_bands(threads, raw.height, [&](std::int64_t y0, std::int64_t y1, int) {
    for (std::int64_t y = y0; y < y1; ++y) {
      const Raw* src = raw.row(y);
      S* dst = out.row(y);
      for (std::int64_t x = 0; x < raw.width; ++x)
        dst[x] = Codec<S>::store(static_cast<W>(src[x]) * k);
    }
  });
}

template <class S>
void convert_tile(const core::Image& raw, View<S> out, double scale, int threads) {
  switch (raw.dtype()) {
    case core::DType::u8:
      to_storage<S>(raw.view<std::uint8_t>(), out, scale, threads);
      break;
    case core::DType::u16:
      to_storage<S>(raw.view<std::uint16_t>(), out, scale, threads);
      break;
    case core::DType::f32:
      to_storage<S>(raw.view<float>(), out, scale, threads);
      break;
  }
}

template <class S>
void gaussian(View<const S> in, View<S> out, int threads) {
  using C = Codec<S>;
  using W = typename C::W;
  const auto& wd = gaussian5_weights();
  const auto w0 = static_cast<W>(wd[0]);
  const auto w1 = static_cast<W>(wd[1]);
  const auto w2 = static_cast<W>(wd[2]);
  detail::for_bands(threads, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
    std::vector<W> column(static_cast<std::size_t>(in.width));
    W* col = column.data();
    for (std::int64_t y = y0; y < y1; ++y) {
      const S* r0 = in.row(y);
      const S* r1 = in.row(y + 1);
      const S* r2 = in.row(y + 2);
      const S* r3 = in.row(y + 3);
      const S* r4 = in.row(y + 4);
      for (std::int64_t x = 0; x < in.width; ++x) {
        col[x] = w0 * (C::load(r0[x]) + C::load(r4[x])) + w1 * (C::load(r1[x]) + C::load(r3[x])) +
                 w2 * C::load(r2[x]);
      }
      S* dst = out.row(y);
      for (std::int64_t x = 0; x < out.width; ++x) {
        dst[x] =
            C::store(w0 * (col[x] + col[x + 4]) + w1 * (col[x + 1] + col[x + 3]) + w2 * col[x + 2]);
      }
    }
  });
}

template <class S>
void sobel(View<const S> in, View<S> out, double factor, int threads) {
  using C = Codec<S>;
  using W = typename C::W;
  const auto f = static_cast<W>(factor);
  detail::for_bands(threads, out.height, [&](std::int64_t y0, std::int64_t y1, int) {
    for (std::int64_t y = y0; y < y1; ++y) {
      const S* r0 = in.row(y);
      const S* r1 = in.row(y + 1);
      const S* r2 = in.row(y + 2);
      S* dst = out.row(y);
      for (std::int64_t x = 0; x < out.width; ++x) {
        const W gx = (C::load(r0[x + 2]) - C::load(r0[x])) +
                     W(2) * (C::load(r1[x + 2]) - C::load(r1[x])) +
                     (C::load(r2[x + 2]) - C::load(r2[x]));
        const W gy = (C::load(r2[x]) + W(2) * C::load(r2[x + 1]) + C::load(r2[x + 2])) -
                     (C::load(r0[x]) + W(2) * C::load(r0[x + 1]) + C::load(r0[x + 2]));
        dst[x] = C::store(std::sqrt(gx * gx + gy * gy) * f);
      }
    }
  });
}

template <class S>
PipelineResult run(const MemoryPlan& plan, std::span<const core::Image* const> tiles,
                   std::span<const core::Rect> rects, core::Extent image, int threads,
                   Reduce& reduce, Buffers& buffers, const OpenedSink& sink,
                   MemoryRunStats& stats) {
  using C = Codec<S>;
  using W = typename C::W;
  // A rank without tiles runs through with nothing to do: it still takes part in every reduction.
  const core::DType dtype = tiles.empty() ? core::DType::u8 : tiles.front()->dtype();
  const Scales scales = scales_of(plan.storage, dtype);
  const bool pooled = plan.pooled;
  FailureCheckpoint checkpoint(reduce);
  auto guarded = [&](auto&& fn) { checkpoint.run(fn); };

  // The queue: every tile as it waits for stage A.
  stats = {};
  std::vector<std::span<std::byte>> packed(tiles.size());  // compressed queue entries
  std::vector<View<S>> queued(tiles.size());               // or converted ones
  guarded([&] {
    for (std::size_t t = 0; t < tiles.size(); ++t) {
      const core::Image& raw = *tiles[t];
      stats.raw_bytes += static_cast<std::int64_t>(raw.bytes().size());
      if (plan.compressed) {
        const auto bytes = compress_shuffled(raw.bytes(), core::dtype_size(raw.dtype()));
        packed[t] = buffers.get(slot_of(t, kQueue, pooled), bytes.size());
        std::memcpy(packed[t].data(), bytes.data(), bytes.size());
        stats.queued_bytes += static_cast<std::int64_t>(bytes.size());
      } else {
        queued[t] = plane<S>(buffers, slot_of(t, kQueue, pooled), raw.extent());
        convert_tile<S>(raw, queued[t], scales.input, threads);
        stats.queued_bytes += raw.extent().pixels() * static_cast<std::int64_t>(sizeof(S));
      }
    }
  });

  // Stage A: input -> blurred -> magnitude (held).
  std::vector<View<S>> magnitude(tiles.size());
  double local_max = 0;
  guarded([&] {
    for (std::size_t t = 0; t < tiles.size(); ++t) {
      const core::Rect& r = rects[t];
      const core::Image& raw = *tiles[t];
      View<S> input;
      if (plan.compressed) {
        // Unpacked into a scratch image of the raw type, then converted.
        core::Image unpacked(raw.extent(), raw.dtype());
        decompress_shuffled(packed[t], core::dtype_size(raw.dtype()), unpacked.bytes());
        buffers.put(slot_of(t, kQueue, pooled));
        input = plane<S>(buffers, slot_of(t, kInput, pooled), raw.extent());
        convert_tile<S>(unpacked, input, scales.input, threads);
      } else {
        input = queued[t];
      }
      auto blurred = plane<S>(buffers, slot_of(t, kBlurred, pooled), extent_of(grown(r, 3)));
      gaussian<S>(input, blurred, threads);
      reflect_outside<S>(blurred, grown(r, 3), image);
      buffers.put(slot_of(t, plan.compressed ? kInput : kQueue, pooled));
      magnitude[t] = plane<S>(buffers, slot_of(t, kMagnitude, pooled), extent_of(grown(r, 2)));
      sobel<S>(blurred, magnitude[t], 1.0 / (scales.input / scales.magnitude), threads);
      reflect_outside<S>(magnitude[t], grown(r, 2), image);
      buffers.put(slot_of(t, kBlurred, pooled));
      const auto own = magnitude[t].sub(2, 2, r.width, r.height);
      W m = 0;
      for (std::int64_t y = 0; y < own.height; ++y)
        for (std::int64_t x = 0; x < own.width; ++x) m = std::max(m, C::load(own(x, y)));
      local_max = std::max(local_max, static_cast<double>(m) / scales.magnitude);
    }
  });
  checkpoint.check();
  // Stored magnitudes are real magnitudes x scales.magnitude; bins come from the stored value.
  auto stored = [&](W scale) {
    return static_cast<W>(static_cast<double>(scale) / scales.magnitude);
  };
  return global_stage<W>(
      reduce, local_max,
      [&](W scale, Histogram& histogram) {
        const W stored_scale = stored(scale);
        for (std::size_t t = 0; t < tiles.size(); ++t) {
          const auto own = magnitude[t].sub(2, 2, rects[t].width, rects[t].height);
          for (std::int64_t y = 0; y < own.height; ++y)
            for (std::int64_t x = 0; x < own.width; ++x) {
              if (const int b = histogram_bin(C::load(own(x, y)), stored_scale); b >= 0)
                ++histogram[static_cast<std::size_t>(b)];
            }
        }
      },
      [&](W scale, int threshold) {
        const W stored_scale = stored(scale);
        for (std::size_t t = 0; t < tiles.size(); ++t) {
          const core::Rect& r = rects[t];
          auto mask =
              plane<std::uint8_t>(buffers, slot_of(t, kMask, pooled), magnitude[t].extent());
          for (std::int64_t y = 0; y < mask.height; ++y)
            for (std::int64_t x = 0; x < mask.width; ++x) {
              const int b = histogram_bin(C::load(magnitude[t](x, y)), stored_scale);
              mask(x, y) = b >= 0 && b <= threshold ? 1 : 0;
            }
          buffers.put(slot_of(t, kMagnitude, pooled));
          auto eroded =
              plane<std::uint8_t>(buffers, slot_of(t, kEroded, pooled), extent_of(grown(r, 1)));
          erode3x3_reference(mask, eroded);
          reflect_outside<std::uint8_t>(eroded, grown(r, 1), image);
          buffers.put(slot_of(t, kMask, pooled));
          auto opened = plane<std::uint8_t>(buffers, slot_of(t, kOpened, pooled), extent_of(r));
          dilate3x3_reference(eroded, opened);
          buffers.put(slot_of(t, kEroded, pooled));
          sink(t, opened);
          buffers.put(slot_of(t, kOpened, pooled));
        }
      },
      &checkpoint);
}

}  // namespace

bool plan_supports(const MemoryPlan& plan, core::DType dtype) noexcept {
  return plan.storage != Storage::uint16 || dtype != core::DType::f32;
}

double magnitude_tolerance(const MemoryPlan& plan, core::DType dtype, double largest) noexcept {
  const double base = std::max(1.0, largest);
  switch (plan.storage) {
    case Storage::float64:
      return 1e-9 * base;
    case Storage::float32:
      return 1e-4 * base;
    case Storage::uint16: {
      // Blurred values rounded to 1/input_scale (a Sobel sums 8 of them per direction) and the
      // magnitude rounded to 8/input_scale: at most about 10/input_scale, 12 with margin.
      const Scales s = scales_of(plan.storage, dtype);
      return 1e-4 * base + 12.0 / s.input;
    }
  }
  return 0;
}

PipelineResult run_memory_pipeline(const MemoryPlan& plan,
                                   std::span<const core::Image* const> tiles,
                                   std::span<const core::Rect> rects, core::Extent image,
                                   int threads, Reduce& reduce, Buffers& buffers,
                                   const OpenedSink& sink, MemoryRunStats& stats) {
  if (!tiles.empty() && !plan_supports(plan, tiles.front()->dtype())) {
    throw KernelError("uint16 storage needs an integer image (u8 or u16), not f32");
  }
  switch (plan.storage) {
    case Storage::float64:
      return run<double>(plan, tiles, rects, image, threads, reduce, buffers, sink, stats);
    case Storage::float32:
      return run<float>(plan, tiles, rects, image, threads, reduce, buffers, sink, stats);
    case Storage::uint16:
      return run<std::uint16_t>(plan, tiles, rects, image, threads, reduce, buffers, sink, stats);
  }
  return {};
}

}  // namespace nsperf::kernels
