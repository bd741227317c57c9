#pragma once
/// \file Agreement across ranks. Work that can fail runs inside a phase: each rank runs its
/// part, then all ranks learn whether it failed anywhere, so either all go on or all stop with
/// the same verdict. No rank leaves alone and no rank waits for a peer that has given up.
///
/// A phase body is local: it makes no collective call, because a rank that fails early would
/// never join it and its peers would wait forever. Collective work that can fail (a parallel
/// HDF5 write) runs in run_collective, whose failures must be symmetric: the libraries it calls
/// fail on every rank together.
///
/// Where agreement is impossible (a peer may be blocked in a point-to-point receive), code does
/// not use a phase: the exception reaches main, which prints "[rank N] error: …" and calls
/// MPI_Abort, ending every rank.

#include <boost/mpi/communicator.hpp>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "nsperf/core/error.hpp"
#include "nsperf/core/profiler.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// Thrown on every rank when a phase failed on at least one. On rank 0, what() is the complete
/// message (each distinct error with the ranks that raised it); on other ranks a short note.
/// The exit code is the most severe of the failing ranks' (usage errors outrank runtime ones).
class PhaseFailed : public MpiError {
 public:
  PhaseFailed(const std::string& message, ExitCode code) : MpiError(message, code) {}
};

/// Throws the fault NSPERF_FAULT asks for, if it names this rank and `phase`. The variable reads
/// "rank:R,phase:NAME" (R a rank or *, NAME a phase or *); it exists so that tests can make one
/// rank fail at a chosen point. With ",signal:S" (as for inject_signal) the signal is raised
/// instead, as the phase starts.
void inject_fault(int rank, std::string_view phase);

/// Raises the signal NSPERF_FAULT asks for, if it names this rank and `tile`: the variable reads
/// "rank:R,tile:N,signal:S" (S one of TERM, INT, USR1, KILL), and the signal is raised before
/// the rank computes its N-th tile (from 0), so that tests can interrupt a run at a chosen point.
void inject_signal(int rank, std::int64_t tile);

/// Collective over `comm`: all ranks learn whether `local` (null when this rank succeeded)
/// is null everywhere; if not, throws PhaseFailed on every rank.
void agree(const bmpi::communicator& comm, std::string_view phase, const std::exception_ptr& local);

/// Collective over `comm`: runs fn() on this rank, then agree()s. Returns fn's result.
template <class Fn>
auto run_phase(const bmpi::communicator& comm, std::string_view phase, Fn&& fn) {
  using Result = std::invoke_result_t<Fn>;
  // Every phase is a profiled region; its agreement is an MPI region inside it ("agree"), where
  // a rank waits for the slower ones.
  NSPERF_REGION(std::string(phase));
  std::exception_ptr error;
  if constexpr (std::is_void_v<Result>) {
    try {
      inject_fault(comm.rank(), phase);
      std::forward<Fn>(fn)();
    } catch (...) {
      error = std::current_exception();
    }
    agree(comm, phase, error);
  } else {
    std::optional<Result> result;
    try {
      inject_fault(comm.rank(), phase);
      result.emplace(std::forward<Fn>(fn)());
    } catch (...) {
      error = std::current_exception();
    }
    agree(comm, phase, error);
    return std::move(*result);
  }
}

/// Collective over `comm`: like run_phase for a body that itself makes collective calls, so
/// every rank enters it (no fault is injected before it). A failure inside must happen on every
/// rank, as failures of collective library calls do; then all ranks agree and throw PhaseFailed.
template <class Fn>
void run_collective(const bmpi::communicator& comm, std::string_view phase, Fn&& fn) {
  NSPERF_REGION(std::string(phase));
  std::exception_ptr error;
  try {
    std::forward<Fn>(fn)();
  } catch (...) {
    error = std::current_exception();
  }
  agree(comm, phase, error);
}

}  // namespace nsperf::mpi
