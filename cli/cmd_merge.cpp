// nsperf merge: the runs of several results files copied into one (e.g. a sweep's array tasks).
#include <filesystem>
#include <iostream>

#include "command.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/temporary_file.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::cli {
namespace {

namespace fs = std::filesystem;

int run(const CommandContext& ctx) {
  po::options_description options("Merge");
  options.add_options()("output,o", po::value<std::string>()->value_name("FILE"),
                        "the merged results file")("force", "replace the output if it exists")(
      "help,h", "this help");
  po::positional_options_description positional;
  const auto all = with_positionals(options, {{"file", -1}}, positional);
  const auto vm = parse_options(ctx.args, all, &positional, "merge");
  if (vm.count("help")) {
    std::cout << "usage: nsperf merge A.h5 B.h5 [...] -o ALL.h5 [--force]\n\n"
                 "Copies every run of the results files, intact with its provenance (the run's\n"
                 "attributes and all its tables), into one new results file: for instance the\n"
                 "files of a SLURM sweep's array tasks, before nsperf report. A run id found in\n"
                 "two files is refused. The file is written under a temporary name and renamed\n"
                 "when complete. No MPI.\n\n"
                 "Example (the files of a SLURM array, then one report):\n"
                 "  nsperf merge sweep-*.h5 -o sweep.h5 && nsperf report sweep.h5\n\n"
              << options;
    return 0;
  }
  if (vm.count("file") == 0)
    throw UsageError("give the results files to merge (nsperf merge --help)");
  if (vm.count("output") == 0) throw UsageError("-o/--output FILE: the merged file is required");
  const fs::path output = vm["output"].as<std::string>();
  std::vector<fs::path> inputs;
  for (const auto& f : vm["file"].as<std::vector<std::string>>()) inputs.emplace_back(f);
  check_output_file(output, inputs, vm.count("force") > 0, /*renamed=*/true, "-o");
  io::silence_hdf5_errors();
  // Written beside the output and renamed: a failure, or a stop signal (which ends it at once),
  // leaves nothing under its name.
  core::end_on_stop_signals("\nnsperf merge: stopped by ",
                            ": nothing was written (" + output.string() + " is as it was)\n", true);
  core::TemporaryFile temporary(output);
  const std::size_t runs = io::merge_results(inputs, temporary.path());
  temporary.rename_to(output);
  std::cout << "merged: " << output.string() << " (" << runs << " run" << (runs == 1 ? "" : "s")
            << " from " << inputs.size() << " file" << (inputs.size() == 1 ? "" : "s") << ")\n";
  return 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Merge, "merge", "copy the runs of several results files into one",
                        /*uses_mpi=*/false, &nsperf::cli::run)
