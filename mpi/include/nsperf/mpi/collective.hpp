#pragma once
/// \file Measurement helpers that need every rank: the pipeline's reductions over MPI, a clock
/// shared by all ranks, and the memory-bandwidth ceiling of the whole job.

#include <mpi.h>

#include <boost/mpi/communicator.hpp>
#include <span>
#include <type_traits>
#include <vector>

#include "nsperf/core/profiler.hpp"
#include "nsperf/kernels/pipeline.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// The pipeline's reductions across the ranks of `comm` (collective calls).
class MpiReduce final : public kernels::Reduce {
 public:
  explicit MpiReduce(const bmpi::communicator& comm) : comm_(comm) {}
  bool any(bool local) override;
  double max(double local) override;
  void sum(kernels::Histogram& local) override;

 private:
  const bmpi::communicator& comm_;
};

/// Collective over `comm`: every rank's `mine` (trivially copyable records, sent as bytes with
/// one MPI_Gatherv) on rank 0, indexed by rank; empty on the other ranks.
template <class T>
std::vector<std::vector<T>> gather_records(const bmpi::communicator& comm,
                                           std::span<const T> mine) {
  static_assert(std::is_trivially_copyable_v<T>);
  NSPERF_MPI_REGION("MPI_Gatherv");
  const MPI_Comm raw = comm;
  const int bytes = static_cast<int>(mine.size_bytes());
  std::vector<int> counts(static_cast<std::size_t>(comm.size()));
  MPI_Gather(&bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, raw);
  std::vector<int> displs(counts.size(), 0);
  for (std::size_t r = 1; r < counts.size(); ++r) displs[r] = displs[r - 1] + counts[r - 1];
  std::vector<T> flat;
  if (comm.rank() == 0)
    flat.resize(static_cast<std::size_t>(displs.back() + counts.back()) / sizeof(T));
  MPI_Gatherv(mine.data(), bytes, MPI_BYTE, flat.data(), counts.data(), displs.data(), MPI_BYTE, 0,
              raw);
  std::vector<std::vector<T>> out;
  if (comm.rank() != 0) return out;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    const auto first = flat.begin() + displs[r] / static_cast<int>(sizeof(T));
    out.emplace_back(first, first + counts[r] / static_cast<int>(sizeof(T)));
  }
  return out;
}

/// Seconds since the run began on rank 0's clock, readable on every rank. Each rank's offset to
/// rank 0's steady clock is estimated once by ping-pong (the exchange with the shortest round
/// trip wins), so times from different nodes can be compared: a repetition runs from the
/// earliest rank's start to the latest rank's end.
class RunClock {
 public:
  /// Collective over `comm`.
  explicit RunClock(const bmpi::communicator& comm);
  /// Now, in seconds since construction, on rank 0's clock.
  [[nodiscard]] double now() const noexcept;
  /// Half the shortest round trip to rank 0: how far this rank's offset may be off (0 on rank 0).
  [[nodiscard]] double uncertainty_s() const noexcept { return uncertainty_s_; }

 private:
  double offset_s_ = 0;  // rank 0's steady clock minus ours
  double start_s_ = 0;   // rank 0's steady clock at construction
  double uncertainty_s_ = 0;
};

/// Collective over `comm`: the memory bandwidth of the whole job, every rank running a
/// STREAM-style triad at once with `threads` threads over arrays of `array_mib` MiB, in GB/s
/// summed over ranks; the best of `repetitions` synchronized rounds.
double job_bandwidth_gbyte_per_s(const bmpi::communicator& comm, int threads, double array_mib = 64,
                                 int repetitions = 5);

}  // namespace nsperf::mpi
