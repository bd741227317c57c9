#pragma once
/// \file The network optimizer's strategies: how rank 0 moves tiles to the rank that computes
/// them. One file per strategy, registered by name with NSPERF_REGISTER_TRANSFER (see
/// transfer_blocking.cpp). Rank 0 sends a peer its tiles in order; the peer receives them into
/// buffers it keeps (so persistent requests can be reused from one run to the next) and is told
/// as each one is complete, so it can compute while later ones arrive.

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "nsperf/core/image.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/strategy.hpp"

namespace nsperf::mpi {

/// The link messages cross, as the strategies see it.
struct Link {
  /// Bandwidth the adaptive strategy weighs compression against, bytes/s (> 0).
  double bytes_per_s = 1e10;
  /// When true the link is emulated: senders pace every message to bytes_per_s.
  bool emulated = false;
};

/// What a receiver counts.
struct Received {
  std::int64_t wire_bytes = 0;  ///< as sent (compressed or not), headers excluded
  double transfer_s = 0;        ///< in receive calls and decompression
};

class TileTransfer {
 public:
  virtual ~TileTransfer() = default;
  /// Rank 0: sends `tiles` to `dest`, in order. The tiles stay alive and unchanged between
  /// calls (a strategy may keep requests bound to them).
  virtual void send(MPI_Comm comm, int dest, std::span<const core::Image> tiles,
                    const Link& link) = 0;
  /// A peer: receives its tiles from rank 0 into `into` (sized and typed as sent, kept between
  /// calls), calling ready(i) once tile i is complete.
  virtual Received receive(MPI_Comm comm, std::span<core::Image> into,
                           const std::function<void(std::size_t)>& ready) = 0;
};

struct TransferEntry {
  std::string name;
  std::function<std::unique_ptr<TileTransfer>()> make;
};

/// Every transfer strategy.
core::Registry<TransferEntry>& transfer_strategies();

/// Waits, after a message of `bytes` whose sending began `elapsed_s` ago, until an emulated
/// link would have carried it; returns at once on the real link.
void pace(const Link& link, std::size_t bytes, double elapsed_s);

}  // namespace nsperf::mpi

/// Registers `Class` (default-constructible TileTransfer) as network strategy `name`.
#define NSPERF_REGISTER_TRANSFER(Class, name, description, baseline, level)       \
  namespace {                                                                     \
  [[maybe_unused]] const bool nsperf_registered_transfer_##Class =                \
      ::nsperf::core::register_strategy(                                          \
          ::nsperf::mpi::transfer_strategies(),                                   \
          {name, "network", description, baseline, ::nsperf::core::Level::level}, \
          {name, []() -> std::unique_ptr<::nsperf::mpi::TileTransfer> {           \
             return std::make_unique<Class>();                                    \
           }});                                                                   \
  }
