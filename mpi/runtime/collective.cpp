#include "nsperf/mpi/collective.hpp"

#include <mpi.h>

#include <boost/mpi/collectives.hpp>
#include <chrono>

#include "nsperf/core/profiler.hpp"
#include "nsperf/kernels/machine.hpp"

namespace nsperf::mpi {
namespace {

double steady_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

bool MpiReduce::any(bool local) {
  NSPERF_MPI_REGION("MPI_Allreduce");
  int flag = local ? 1 : 0;
  int result = 0;
  MPI_Allreduce(&flag, &result, 1, MPI_INT, MPI_MAX, comm_);
  return result != 0;
}

double MpiReduce::max(double local) {
  NSPERF_MPI_REGION("MPI_Allreduce");
  double result = 0;
  MPI_Allreduce(&local, &result, 1, MPI_DOUBLE, MPI_MAX, comm_);
  return result;
}

void MpiReduce::sum(kernels::Histogram& local) {
  NSPERF_MPI_REGION("MPI_Allreduce");
  kernels::Histogram total{};
  static_assert(sizeof(unsigned long long) == sizeof(std::uint64_t));
  MPI_Allreduce(local.data(), total.data(), static_cast<int>(local.size()), MPI_UNSIGNED_LONG_LONG,
                MPI_SUM, comm_);
  local = total;
}

RunClock::RunClock(const bmpi::communicator& comm) {
  constexpr int kRounds = 10;
  constexpr int kTag = 201;
  const MPI_Comm raw = comm;
  // Rank 0 answers each rank in turn; a rank keeps the offset of its fastest exchange.
  for (int peer = 1; peer < comm.size(); ++peer) {
    if (comm.rank() == 0) {
      for (int i = 0; i < kRounds; ++i) {
        double ignored = 0;
        MPI_Recv(&ignored, 1, MPI_DOUBLE, peer, kTag, raw, MPI_STATUS_IGNORE);
        const double t = steady_s();
        MPI_Send(&t, 1, MPI_DOUBLE, peer, kTag, raw);
      }
    } else if (comm.rank() == peer) {
      double best_rtt = 1e30;
      for (int i = 0; i < kRounds; ++i) {
        const double t1 = steady_s();
        MPI_Send(&t1, 1, MPI_DOUBLE, 0, kTag, raw);
        double t0 = 0;
        MPI_Recv(&t0, 1, MPI_DOUBLE, 0, kTag, raw, MPI_STATUS_IGNORE);
        const double t2 = steady_s();
        if (t2 - t1 < best_rtt) {
          best_rtt = t2 - t1;
          offset_s_ = t0 - 0.5 * (t1 + t2);
        }
      }
      uncertainty_s_ = 0.5 * best_rtt;
    }
  }
  if (comm.rank() == 0) start_s_ = steady_s();
  bmpi::broadcast(comm, start_s_, 0);
}

double RunClock::now() const noexcept { return steady_s() + offset_s_ - start_s_; }

double job_bandwidth_gbyte_per_s(const bmpi::communicator& comm, int threads, double array_mib,
                                 int repetitions) {
  kernels::Triad triad(threads, array_mib);
  double best = 0;
  for (int r = 0; r < repetitions; ++r) {
    comm.barrier();
    const double mine = triad.run_gbyte_per_s();
    best = std::max(best, bmpi::all_reduce(comm, mine, std::plus<double>()));
  }
  return best;
}

}  // namespace nsperf::mpi
