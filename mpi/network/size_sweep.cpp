// The network optimizer's message-size sweep (benchmark --network --sizes): OSU's familiar
// table of latency and bandwidth against message size, measured with the same plain-MPI code
// as the network references, so the tile's size can be read against the curve.
//
// Iterations per repetition are OSU's divided by 10 (latency) and by 5 or 2 (bandwidth), and
// the repetitions give intervals instead: osu_latency runs 10,000 round trips up to 8 KiB and
// 1,000 above; this sweep 1,000 and 100, repeated.
#include <algorithm>
#include <cstring>

#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"
#include "plain_mpi.hpp"

namespace nsperf::mpi::plain {
namespace {

constexpr std::int64_t kSmall = 8192;  // OSU's boundary between small and large messages

std::int64_t round_trips_of(std::int64_t bytes) { return bytes <= kSmall ? 1000 : 100; }
std::int64_t windows_of(std::int64_t bytes) { return bytes <= kSmall ? 20 : 10; }

struct Buffers {
  std::vector<std::byte> send;  // never written after the fill, as OSU's
  std::vector<std::byte> receive;
};

// One timed ping-pong block of `size` bytes: the round trips' total time on rank 0.
double time_ping_pong(MPI_Comm comm, int me, Buffers& b, std::size_t size, std::int64_t trips) {
  const auto to =
      repeated(std::span<const std::byte>(b.send), size, static_cast<std::size_t>(trips));
  const auto in = repeated(std::span<std::byte>(b.receive), size, static_cast<std::size_t>(trips));
  const core::Stopwatch clock;
  if (me == 0) {
    ping_pong_send(comm, 1, to, b.receive);
  } else {
    ping_pong_echo(comm, in, to);
  }
  return clock.elapsed_s();
}

// One timed streaming block: `windows` windows of kWindow messages, each window acknowledged.
double time_stream(MPI_Comm comm, int me, Buffers& b, std::size_t size, std::int64_t windows) {
  const auto to = repeated(std::span<const std::byte>(b.send), size, kWindow);
  const auto in = repeated(std::span<std::byte>(b.receive), size, kWindow);
  const core::Stopwatch clock;
  for (std::int64_t w = 0; w < windows; ++w) {
    if (me == 0) {
      stream_send(comm, 1, to);
    } else {
      stream_receive(comm, in);
    }
  }
  return clock.elapsed_s();
}

}  // namespace

std::vector<core::MessageSize> sweep(MPI_Comm comm, std::vector<std::int64_t> sizes,
                                     std::int64_t tile_bytes, int repetitions, int warmup,
                                     const std::function<void(std::int64_t, std::int64_t)>& step) {
  int me = 0;
  MPI_Comm_rank(comm, &me);
  if (std::find(sizes.begin(), sizes.end(), tile_bytes) == sizes.end()) {
    sizes.push_back(tile_bytes);
    std::sort(sizes.begin(), sizes.end());
  }
  std::vector<std::vector<double>> latency(sizes.size());
  std::vector<std::vector<double>> bandwidth(sizes.size());
  if (me <= 1) {
    Buffers b;
    const auto largest = static_cast<std::size_t>(sizes.back());
    // Touched before any timing: first touch of fresh pages costs more than the copy.
    b.send.assign(largest, std::byte{0x3c});
    b.receive.assign(largest, std::byte{0});
    const std::int64_t total = static_cast<std::int64_t>(sizes.size()) * (warmup + repetitions);
    std::int64_t done = 0;
    for (int round = -warmup; round < repetitions; ++round) {
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        const auto size = static_cast<std::size_t>(sizes[i]);
        const std::int64_t trips = round_trips_of(sizes[i]);
        const std::int64_t windows = windows_of(sizes[i]);
        const double pp = time_ping_pong(comm, me, b, size, trips);
        const double st = time_stream(comm, me, b, size, windows);
        if (round >= 0) {
          latency[i].push_back(pp / static_cast<double>(2 * trips));
          bandwidth[i].push_back(static_cast<double>(sizes[i]) * static_cast<double>(windows) *
                                 static_cast<double>(kWindow) / st / 1e9);
        }
        if (me == 0 && step) step(++done, total);
      }
    }
  }
  if (me != 0) return {};
  std::vector<core::MessageSize> rows;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    core::MessageSize r;
    r.bytes = sizes[i];
    r.tile = sizes[i] == tile_bytes;
    r.round_trips = round_trips_of(sizes[i]);
    r.messages = windows_of(sizes[i]) * static_cast<std::int64_t>(kWindow);
    r.repetitions = repetitions;
    r.latency_s = core::median(latency[i]);
    r.latency_ci = core::median_ci(latency[i]);
    r.gbyte_per_s = core::median(bandwidth[i]);
    r.gbyte_per_s_ci = core::median_ci(bandwidth[i]);
    rows.push_back(r);
  }
  return rows;
}

}  // namespace nsperf::mpi::plain
