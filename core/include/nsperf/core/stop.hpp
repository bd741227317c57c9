#pragma once
/// \file A graceful stop on request: SIGTERM (what SLURM sends at a job's time limit, KillWait
/// seconds before SIGKILL), SIGINT (Ctrl-C) and SIGUSR1 (which mpirun forwards to its ranks
/// without killing them, unlike SIGTERM; `sbatch --signal=USR1@120` sends it ahead of the limit).
/// A job that watches for them finishes or abandons its current unit of work, writes what is
/// complete and ends with ExitCode::interrupted.

#include <string>

namespace nsperf::core {

/// Installs the handlers (idempotent). Only jobs that poll stop_signal() do so: a process that
/// catches SIGTERM and never looks would not stop at all. A second stop signal ends the process
/// at once, as it would without the handlers.
void watch_stop_signals();

/// For a job that cannot stop part-way (nsperf benchmark writes its results whole, at the end):
/// a stop signal writes `before` + the signal's name + `after` to stderr (only if `print`: rank
/// 0), removes the file given to remove_on_stop(), and ends the process at once with
/// ExitCode::interrupted. Replaces watch_stop_signals()'s handlers.
void end_on_stop_signals(const std::string& before, const std::string& after, bool print);

/// A file a stop signal must not leave behind (a temporary file being written; up to 4 at once,
/// more are not removed). Both handlers remove it when they end the process.
void remove_on_stop(const std::string& path);

/// `path` no longer needs removing (renamed into place, or removed).
void keep_on_stop(const std::string& path);

/// The first stop signal received since watch_stop_signals(), or 0.
[[nodiscard]] int stop_signal() noexcept;

/// "SIGTERM", "SIGKILL", ... (or "signal N" for a number no signal has).
[[nodiscard]] std::string signal_name(int signal);

}  // namespace nsperf::core
