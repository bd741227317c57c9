// nsperf: dispatch to a subcommand. MPI commands start MPI here; every rank ends through the
// same path: success, an agreed failure (PhaseFailed: rank 0 prints, all exit with its code), or
// an error outside any phase, which cannot be agreed on and ends the job with MPI_Abort.
#include <mpi.h>

#include <boost/mpi/environment.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "command.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/core/version.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/mpi/phase.hpp"

namespace {

using nsperf::cli::CommandContext;
using nsperf::cli::CommandEntry;

void print_error(const std::string& command, const std::string& message) {
  // Continuation lines line up under the first.
  std::string text = message;
  for (std::size_t pos = text.find('\n'); pos != std::string::npos;
       pos = text.find('\n', pos + 3)) {
    text.insert(pos + 1, "  ");
  }
  std::cerr << "nsperf " + command + ": error: " + text + "\n";  // one write (see run_mpi)
}

void print_usage(std::ostream& out) {
  out << "usage: nsperf <command> [options]     (nsperf <command> --help for its options)\n\n"
         "Benchmarks and optimizes image-tile workloads across MPI ranks.\n"
         "MPI commands run under mpirun/srun, or as one rank without a launcher.\n\ncommands:\n";
  for (const auto& c : nsperf::cli::commands().entries()) {
    std::string name = c.name;
    name.resize(12, ' ');
    out << "  " << name << c.summary
        << (c.mpi_for != nullptr ? "  [MPI for the job]"
            : c.uses_mpi         ? "  [MPI]"
                                 : "")
        << "\n";
  }
  out << "\n  --version   print the version and the git commit it was built from\n\n"
         "Example:\n  mpirun -n 2 nsperf benchmark --cpu -o results.h5 && nsperf report "
         "results.h5\n";
}

std::string join_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) line += ' ';
    line += argv[i];
  }
  return line;
}

int run_plain(const CommandEntry& command, const CommandContext& ctx) {
  // nsperf reports HDF5's failures in its own words (NSPERF_H5 quotes HDF5's innermost message).
  nsperf::io::silence_hdf5_errors();
  try {
    return command.run(ctx);
  } catch (const nsperf::Error& e) {
    print_error(command.name, e.what());
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    print_error(command.name, e.what());
    return static_cast<int>(nsperf::ExitCode::runtime);
  }
}

int run_mpi(const CommandEntry& command, CommandContext ctx, int argc, char** argv) {
  // Funneled: ranks run OpenMP threads, but only the main thread calls MPI.
  boost::mpi::environment env(argc, argv, boost::mpi::threading::funneled,
                              /*abort_on_exception=*/true);
  boost::mpi::communicator world;
  ctx.world = &world;
  ctx.since_init.restart();
  const auto launch = nsperf::core::launch_clock();
  ctx.start_s = launch.since_launch_s;
  ctx.launcher = launch.launcher;
  nsperf::io::silence_hdf5_errors();
  try {
    const int code = command.run(ctx);
    // Finalized here rather than by env's destructor (which then leaves it), to be timed.
    const bool root = world.rank() == 0;
    const nsperf::core::Stopwatch clock;
    MPI_Finalize();
    const double finalize_s = clock.elapsed_s();
    if (root && nsperf::cli::detail::finalize_report())
      nsperf::cli::detail::finalize_report()(finalize_s);
    return code;
  } catch (const nsperf::mpi::PhaseFailed& e) {
    if (world.rank() == 0) print_error(command.name, e.what());
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    const auto* err = dynamic_cast<const nsperf::Error*>(&e);
    const int code = err != nullptr ? static_cast<int>(err->exit_code()) : 1;
    // One write: std::cerr is unbuffered, and mpirun's own abort notice would land between the
    // pieces of a message written piece by piece.
    std::cerr << "[rank " + std::to_string(world.rank()) + "] nsperf " + command.name +
                     ": error: " + e.what() +
                     "\n(the other ranks cannot be told in order, so the job is aborted)\n"
              << std::flush;
    MPI_Abort(world, code);
    return code;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr);
    return static_cast<int>(nsperf::ExitCode::usage);
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    std::cout << "nsperf " << nsperf::core::version() << " (git " << nsperf::core::git_commit()
              << ")\n";
    return 0;
  }
  const CommandEntry* command = nsperf::cli::commands().find(args[0]);
  if (command == nullptr) {
    const auto names = nsperf::cli::commands().names();
    std::cerr << "nsperf: error: " << nsperf::core::unknown_name_message("command", args[0], names)
              << " (see 'nsperf --help')\n";
    return static_cast<int>(nsperf::ExitCode::usage);
  }
  CommandContext ctx;
  ctx.args = {args.begin() + 1, args.end()};
  ctx.command_line = join_command_line(argc, argv);
  const bool mpi = command->mpi_for != nullptr ? command->mpi_for(ctx.args) : command->uses_mpi;
  return mpi ? run_mpi(*command, std::move(ctx), argc, argv) : run_plain(*command, ctx);
}
