#pragma once
// Subcommands: one file each, registered by name with NSPERF_REGISTER_COMMAND.

#include <boost/mpi/communicator.hpp>
#include <boost/program_options.hpp>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nsperf/core/config.hpp"
#include "nsperf/core/registry.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/mpi/results_writer.hpp"

namespace nsperf::cli {

namespace po = boost::program_options;

/// What a command gets.
struct CommandContext {
  std::vector<std::string> args;  ///< after the command name
  std::string command_line;       ///< the whole command line, for provenance
  /// MPI commands: the world communicator. Others: null (they do not start MPI).
  const boost::mpi::communicator* world = nullptr;
  /// MPI commands: seconds from the launcher's start (mpirun, slurmstepd; else this process's
  /// start) to the end of MPI_Init on this rank, the launcher's name, and a clock started then.
  double start_s = 0;
  std::string launcher;
  core::Stopwatch since_init;
  [[nodiscard]] bool is_root() const { return world == nullptr || world->rank() == 0; }
};

struct CommandEntry {
  std::string name;
  std::string summary;  ///< one line for `nsperf --help`
  bool uses_mpi = false;
  int (*run)(const CommandContext&) = nullptr;
  /// When set, decides from the arguments whether this invocation starts MPI (`nsperf profile`
  /// runs the job under MPI, but reads files or runs a command without it).
  bool (*mpi_for)(const std::vector<std::string>& args) = nullptr;
};

core::Registry<CommandEntry>& commands();

/// Parses `args` against `options`; turns Boost's errors into UsageError naming the option and,
/// for an unknown one, the nearest valid name. `positional` may be null.
po::variables_map parse_options(const std::vector<std::string>& args,
                                const po::options_description& options,
                                const po::positional_options_description* positional,
                                const std::string& command);

/// What to parse: the `visible` options (those --help lists) and positional arguments, named
/// `name` and taking `count` values (-1: any), which the usage line shows instead.
struct Positional {
  const char* name;
  int count;
};
po::options_description with_positionals(const po::options_description& visible,
                                         std::initializer_list<Positional> positionals,
                                         po::positional_options_description& positional);

/// The value of `--top N` (how many hotspots a command shows), if given. Throws UsageError
/// unless N is at least 1.
std::optional<std::size_t> top_option(const po::variables_map& vm);

/// Checks, before any work, that a command may write `output` (named `option` in messages): it
/// is none of `inputs` and not a folder, it exists only when `replace` allows replacing it, and
/// its folder exists and is writable; if `renamed` (written beside it and renamed into place),
/// an existing one must be a regular file, not a link or a device (mpi::check_replaceable).
/// Throws UsageError or InputError (exit 2). Local.
void check_output_file(const std::filesystem::path& output,
                       const std::vector<std::filesystem::path>& inputs, bool replace, bool renamed,
                       const std::string& option);

/// The files a job configured by `cfg` reads or keeps, which its output must not replace: the
/// input image (its file, without a FITS extension or HDF5 dataset) and `run.catalog`.
std::vector<mpi::InputFile> job_inputs(const core::Config& cfg);

/// MPI commands: `report(seconds)` runs on rank 0 after MPI_Finalize, which main calls itself
/// once the command has returned normally, so that a command can say what finalizing took.
void after_finalize(std::function<void(double finalize_s)> report);

namespace detail {
/// main: the function after_finalize set (empty if none).
std::function<void(double)>& finalize_report();
bool register_command(CommandEntry entry);
}  // namespace detail

}  // namespace nsperf::cli

#define NSPERF_REGISTER_COMMAND(Id, name, summary, uses_mpi, fn)              \
  namespace {                                                                 \
  [[maybe_unused]] const bool nsperf_registered_command_##Id =                \
      ::nsperf::cli::detail::register_command({name, summary, uses_mpi, fn}); \
  }

/// Registers a command whose use of MPI depends on its arguments (`mpi_for`).
#define NSPERF_REGISTER_COMMAND_MPI_IF(Id, name, summary, fn, mpi_for)             \
  namespace {                                                                      \
  [[maybe_unused]] const bool nsperf_registered_command_##Id =                     \
      ::nsperf::cli::detail::register_command({name, summary, true, fn, mpi_for}); \
  }
