// nsperf profile: where the time goes, and what to change.
//   mpirun -n N nsperf profile --image FILE ...   the production job (nsperf run), then its profile
//   nsperf profile FILE.h5 [FILE.h5 ...]          profiles and recommendations read from files
//   nsperf profile [-r N] -- COMMAND ARGS ...     an external command: wall, CPU, peak memory,
//                                                 hardware counters where the kernel allows
#include <algorithm>
#include <iostream>
#include <optional>

#include "command.hpp"
#include "nsperf/analysis/external_command.hpp"
#include "nsperf/analysis/profile_report.hpp"
#include "nsperf/core/error.hpp"
#include "run_job.hpp"

namespace nsperf::cli {
namespace {

// ---- which form ----------------------------------------------------------------------------

bool has_separator(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "--") != args.end();
}

// Files to read: the first argument is not an option (nsperf profile results.h5 ...). Help
// alone is printed without MPI too.
bool reads_files(const std::vector<std::string>& args) {
  return !args.empty() && !args[0].empty() && args[0][0] != '-';
}

// Help without a job to describe (no input named): the three forms, printed without MPI.
// `nsperf profile -r 2 --help` asks about the command form, whose -r the job does not know.
bool help_only(const std::vector<std::string>& args) {
  const auto has = [&](std::string_view a) {
    return std::find(args.begin(), args.end(), a) != args.end();
  };
  return (has("--help") || has("-h")) && !has("--image") && !has("-i") && !has("--synthetic") &&
         !has("--images");
}

bool needs_mpi(const std::vector<std::string>& args) {
  return !has_separator(args) && !reads_files(args) && !help_only(args);
}

// ---- files ---------------------------------------------------------------------------------

int profile_files(const CommandContext& ctx) {
  po::options_description options("Reading profiles from files");
  options.add_options()("run", po::value<std::string>()->value_name("ID"),
                        "the run to read from a results file (default: its newest)")(
      "top", po::value<std::int64_t>()->value_name("N"), "hotspots listed (default 15)")(
      "tree", "also print the call tree")("format", po::value<std::string>()->value_name("F"),
                                          "text (default) or json")("help,h", "this help");
  po::positional_options_description positional;
  const auto all = with_positionals(options, {{"file", -1}}, positional);
  const auto vm = parse_options(ctx.args, all, &positional, "profile");
  if (vm.count("help")) {
    std::cout << "usage: nsperf profile FILE.h5 [FILE.h5 ...] [--run ID] [--top N] [--tree] "
                 "[--format text|json]\n"
                 "       mpirun -n N nsperf profile (--image FILE | --synthetic WxH) [run "
                 "options]   (nsperf profile --synthetic 64x64 --help lists them)\n"
                 "       nsperf profile [-r N] [--format text|json] -- COMMAND [ARGS ...]\n\n"
                 "Reads each file's profile (the newest run of a results file, or an output of\n"
                 "nsperf run): time per rank, MPI share, hotspots, the profiler's overhead; then\n"
                 "the recommendations that the files' measurements support. No MPI.\n\n"
                 "Examples:\n"
                 "  nsperf profile results.h5 --tree\n"
                 "  mpirun -n 2 nsperf profile --synthetic 4096x4096 -o out.h5\n"
                 "  nsperf profile -r 10 -- gzip -k -f big.tif\n\n"
              << options;
    return 0;
  }
  const auto& reporters = analysis::profile_reporters();
  const analysis::Format format =
      vm.count("format") ? reporters.parse(vm["format"].as<std::string>()) : reporters.first();
  analysis::ProfileSet set;
  if (const auto top = top_option(vm)) set.view.top = *top;
  set.view.tree = vm.count("tree") > 0;
  if (vm.count("file") == 0)
    throw UsageError(
        "give results files or nsperf run outputs to read (see nsperf profile --help)");
  const auto files = vm["file"].as<std::vector<std::string>>();
  std::optional<std::string> run_id;
  if (vm.count("run")) {
    if (files.size() != 1) throw UsageError("--run names a run of one file; give one file");
    run_id = vm["run"].as<std::string>();
  }
  for (const auto& f : files) set.runs.push_back(analysis::read_profiled_run(f, run_id));
  set.recommendations = analysis::recommendations_for(set.runs);
  reporters.write(std::cout, set, format);
  return 0;
}

// ---- an external command -------------------------------------------------------------------

int profile_command(const CommandContext& ctx) {
  const auto sep = std::find(ctx.args.begin(), ctx.args.end(), "--");
  const std::vector<std::string> own(ctx.args.begin(), sep);
  std::vector<std::string> argv(sep + 1, ctx.args.end());
  po::options_description options("Profiling a command");
  options.add_options()("repetitions,r", po::value<std::int64_t>()->value_name("N"),
                        "measured runs (default 6: the fewest whose median has a 95% interval)")(
      "warmup,w", po::value<std::int64_t>()->value_name("N"), "unmeasured runs first (default 1)")(
      "show-output",
      "let the command print to the terminal (default: its output is discarded, "
      "as it would mix with the report)")("format", po::value<std::string>()->value_name("F"),
                                          "text (default) or json")("help,h", "this help");
  const auto vm = parse_options(own, options, nullptr, "profile");
  if (vm.count("help")) {
    std::cout
        << "usage: nsperf profile [-r N] [-w N] [--format text|json] -- COMMAND [ARGS ...]\n\n"
           "Runs COMMAND (execvp: no shell, so no quoting or redirection) N times and "
           "reports\nper run and as medians: wall time, user and system CPU time, peak "
           "resident memory\n(wait4), page faults, context switches, and the hardware "
           "counters cycles,\ninstructions and cache misses (perf_event_open, user space, "
           "the command and its\nchildren) where the kernel allows them; where it does "
           "not, it says why. Exit 1\nif any run fails.\n\n"
           "Example:\n  nsperf profile -r 10 -- gzip -k -f big.tif\n\n"
        << options;
    return 0;
  }
  if (argv.empty()) throw UsageError("nothing to run after '--' (nsperf profile -- COMMAND ARGS)");
  const std::int64_t repetitions =
      vm.count("repetitions") ? vm["repetitions"].as<std::int64_t>() : 6;
  const std::int64_t warmup = vm.count("warmup") ? vm["warmup"].as<std::int64_t>() : 1;
  const bool show = vm.count("show-output") > 0;
  if (repetitions < 1 || repetitions > 100000)
    throw UsageError("--repetitions " + std::to_string(repetitions) + ": valid: 1 to 100000");
  if (warmup < 0 || warmup > 100000)
    throw UsageError("--warmup " + std::to_string(warmup) + ": valid: 0 to 100000");
  const auto& reporters = analysis::external_profile_reporters();
  const analysis::Format format =
      vm.count("format") ? reporters.parse(vm["format"].as<std::string>()) : reporters.first();

  analysis::ExternalCommand command(argv);
  for (std::int64_t i = 0; i < warmup; ++i) command.run(show);
  analysis::ExternalProfile profile{argv, repetitions, warmup, true, "", {}};
  for (std::int64_t i = 0; i < repetitions; ++i) profile.runs.push_back(command.run(show));
  profile.counters = command.counters();
  profile.counters_note = command.counters_note();
  reporters.write(std::cout, profile, format);
  return profile.all_ok() ? 0 : static_cast<int>(ExitCode::runtime);
}

int run(const CommandContext& ctx) {
  if (has_separator(ctx.args)) return profile_command(ctx);
  if (help_only(ctx.args)) {
    CommandContext help = ctx;
    help.args = {"--help"};
    return profile_files(help);
  }
  if (ctx.world == nullptr) return profile_files(ctx);
  return run_job(ctx, /*profile=*/true);
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND_MPI_IF(
    Profile, "profile",
    "hotspots and recommendations: of the production job, of result files, or of a command",
    &nsperf::cli::run, &nsperf::cli::needs_mpi)
