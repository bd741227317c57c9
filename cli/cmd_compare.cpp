// nsperf compare BASE.h5 NEW.h5: exit 1 when a slowdown is both significant and beyond
// --threshold, so CI can gate on it. The comparison and its reporters are
// nsperf/analysis/compare.hpp; this file parses the options and calls.
#include <iostream>
#include <optional>

#include "command.hpp"
#include "nsperf/analysis/compare.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::cli {
namespace {

int run(const CommandContext& ctx) {
  const auto& reporters = analysis::comparison_reporters();
  po::options_description options("Options");
  options.add_options()("base", po::value<std::string>()->value_name("BASE.h5"),
                        "baseline results")("new", po::value<std::string>()->value_name("NEW.h5"),
                                            "results to check")(
      "threshold", po::value<double>()->value_name("PERCENT")->default_value(5.0),
      "a significant slowdown beyond this fails (exit 1)")(
      "format", po::value<std::string>()->value_name("F")->default_value("text"),
      reporters.names().c_str())("base-run", po::value<std::string>()->value_name("ID"),
                                 "run of BASE to compare (default: its newest)")(
      "new-run", po::value<std::string>()->value_name("ID"),
      "run of NEW to compare (default: its newest)")("help,h", "this help");
  po::positional_options_description positional;
  positional.add("base", 1).add("new", 1);
  const auto vm = parse_options(ctx.args, options, &positional, "compare");
  if (vm.count("help")) {
    std::cout << "usage: nsperf compare BASE.h5 NEW.h5 [--threshold 5] [--format text|json|"
                 "markdown]\n\n"
                 "Per benchmark (optimizer, strategy, kernel, image size) of the two runs: the\n"
                 "median repetition times, the change NEW/BASE (Hodges-Lehmann on log times) with\n"
                 "its distribution-free 95% interval, and a Mann-Whitney U p-value; the geometric\n"
                 "mean of the changes. Exit 1 when a slowdown is significant (p < 0.05) and\n"
                 "beyond the threshold; 0 otherwise; 2 for bad input.\n\n"
              << options;
    return 0;
  }
  if (!vm.count("base") || !vm.count("new"))
    throw UsageError("compare needs two results files: nsperf compare BASE.h5 NEW.h5");
  const double threshold = vm["threshold"].as<double>();
  if (!(threshold >= 0) || threshold > 1000)
    throw UsageError("--threshold " + std::to_string(threshold) + ": valid: 0..1000 (percent)");
  const analysis::Format format = reporters.parse(vm["format"].as<std::string>());
  auto optional = [&](const char* name) {
    return vm.count(name) ? std::optional<std::string>(vm[name].as<std::string>()) : std::nullopt;
  };
  io::silence_hdf5_errors();
  const analysis::Comparison c =
      analysis::compare_runs(vm["base"].as<std::string>(), vm["new"].as<std::string>(),
                             optional("base-run"), optional("new-run"), threshold / 100);
  reporters.write(std::cout, c, format);
  return c.regressions > 0 ? static_cast<int>(ExitCode::runtime) : 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Compare, "compare",
                        "compare two results files; exit 1 on a significant regression",
                        /*uses_mpi=*/false, &nsperf::cli::run)
