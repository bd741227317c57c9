#pragma once
/// \file Measurement helpers that need every rank: the pipeline's reductions over MPI, a clock
/// shared by all ranks, and the memory-bandwidth ceiling of the whole job.

#include <boost/mpi/communicator.hpp>

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
