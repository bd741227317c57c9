// nsperf compare BASE.h5 NEW.h5: exit 1 when a slowdown is both significant and beyond
// --threshold, so CI can gate on it. The comparison and its reporters are
// nsperf/analysis/compare.hpp; this file parses the options and calls.
#include <iostream>
#include <optional>

#include "command.hpp"
#include "nsperf/analysis/compare.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::cli {
namespace {

constexpr const char* kUsage =
    "usage: nsperf compare BASE.h5 NEW.h5 [--threshold 5] [--drift 20] [--format text|json|"
    "markdown]\n";

int run(const CommandContext& ctx) {
  const auto& reporters = analysis::comparison_reporters();
  po::options_description options("Options");
  options.add_options()("threshold", po::value<double>()->value_name("PERCENT"),
                        "smallest change that matters (default 5)")(
      "drift", po::value<double>()->value_name("PERCENT"),
      "how far two processes' medians drift apart with nothing changed on this machine: "
      "changes within it are 'within drift', not regressions (default 20, measured on a "
      "2-core VM; docs/compare.md says how to measure yours)")(
      "gate-stages",
      "also gate the single stages of a pipeline timed whole (the cpu "
      "optimizer's kernels), which drift more")(
      "allow-mismatch",
      "compare runs that measured different things (input, ranks, threads, "
      "tile, settings) and list how they differ")(
      "format", po::value<std::string>()->value_name("F"),
      ("output format: " + reporters.names() + " (default text)").c_str())(
      "base-run", po::value<std::string>()->value_name("ID"),
      "run of BASE to compare (default: its newest)")(
      "new-run", po::value<std::string>()->value_name("ID"),
      "run of NEW to compare (default: its newest)")("help,h", "this help");
  po::positional_options_description positional;
  const auto all = with_positionals(options, {{"base", 1}, {"new", 1}}, positional);
  const auto vm = parse_options(ctx.args, all, &positional, "compare");
  if (vm.count("help")) {
    std::cout << kUsage
              << "\nMatches two runs benchmark by benchmark (optimizer, strategy, kernel, image\n"
                 "size) after checking they measured the same thing (input and its SHA-256,\n"
                 "ranks, threads per rank, tile, the optimizers' settings; exit 2 listing the\n"
                 "differences otherwise). Per benchmark: the median repetition times, the change\n"
                 "NEW/BASE of the medians with its interval, a Mann-Whitney U p-value and a\n"
                 "verdict. A regression is a significant slowdown (p < 0.05) beyond both the\n"
                 "threshold and the drift between processes. Exit 1 on a regression, 0\n"
                 "otherwise, 2 for bad input.\n\n"
                 "Example (CI: the baseline measured on the same machine, then the change):\n"
                 "  mpirun -n 2 nsperf benchmark --cpu -o base.h5\n"
                 "  mpirun -n 2 nsperf benchmark --cpu -o new.h5\n"
                 "  nsperf compare base.h5 new.h5 --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n\n"
              << options;
    return 0;
  }
  if (!vm.count("base") || !vm.count("new"))
    throw UsageError(std::string("compare needs two results files: nsperf compare BASE.h5 "
                                 "NEW.h5\n") +
                     kUsage);
  auto percent = [&](const char* name, double fallback) {
    const double v = vm.count(name) ? vm[name].as<double>() : fallback;
    if (!(v >= 0) || v > 1000)
      throw UsageError("--" + std::string(name) + " " + core::format_number(v, 6) +
                       ": valid: 0 to 1000 (percent)");
    return v / 100;
  };
  analysis::CompareOptions how;
  how.threshold = percent("threshold", 5);
  how.drift = percent("drift", 100 * analysis::kDefaultDrift);
  how.gate_stages = vm.count("gate-stages") > 0;
  how.allow_mismatch = vm.count("allow-mismatch") > 0;
  const analysis::Format format =
      vm.count("format") ? reporters.parse(vm["format"].as<std::string>()) : reporters.first();
  auto optional = [&](const char* name) {
    return vm.count(name) ? std::optional<std::string>(vm[name].as<std::string>()) : std::nullopt;
  };
  io::silence_hdf5_errors();
  const analysis::Comparison c =
      analysis::compare_runs(vm["base"].as<std::string>(), vm["new"].as<std::string>(),
                             optional("base-run"), optional("new-run"), how);
  reporters.write(std::cout, c, format);
  return c.regressions > 0 ? static_cast<int>(ExitCode::runtime) : 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Compare, "compare",
                        "compare two results files; exit 1 on a significant regression",
                        /*uses_mpi=*/false, &nsperf::cli::run)
